"""skseal demo: save, inspect, load and verify scikit-learn models, and refuse a hostile pickle.

Run with: ./scripts/demo.sh
"""

from __future__ import annotations

import os
import pickle
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skseal
import skseal.native

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / "target" / "debug" / "skseal"


def banner(text: str) -> None:
    print(f"\n=== {text} ===")


def main() -> None:
    out = Path(tempfile.mkdtemp(prefix="skseal-demo-"))
    X, y = load_iris(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

    banner("1. train the classic iris RandomForest and a StandardScaler+RandomForest pipeline")
    forest = RandomForestClassifier(n_estimators=100, random_state=0).fit(X_train, y_train)
    pipe = make_pipeline(StandardScaler(), RandomForestClassifier(random_state=0))
    pipe.fit(X_train, y_train)
    for name, model in (("forest", forest), ("pipeline", pipe)):
        print(f"{name}: test accuracy {model.score(X_test, y_test):.3f}")

    banner("2. save with metadata and a probe (5 rows + their outputs)")
    paths = {}
    for name, model in (("forest", forest), ("pipeline", pipe)):
        path = out / f"{name}.skseal"
        fp = skseal.dump(
            model,
            path,
            compress=True,
            metadata={"accuracy": round(model.score(X_test, y_test), 4), "dataset": "iris"},
            probe=X_test[:5],
        )
        pkl = len(pickle.dumps(model, protocol=5))
        print(f"{path.name}: {path.stat().st_size} bytes (pickle: {pkl}), fingerprint {fp[:16]}...")
        paths[name] = path

    banner("3. inspect from the command line (header only, no Python needed)")
    subprocess.run([str(CLI), "inspect", str(paths["pipeline"])], check=True)

    banner("4. load safely and compare predictions")
    for name, model in (("forest", forest), ("pipeline", pipe)):
        loaded = skseal.load(paths[name], verify=True)  # verify=True re-checks the probe
        same = np.array_equal(
            loaded.predict_proba(X_test), model.predict_proba(X_test)
        ) and loaded.predict_proba(X_test).tobytes() == model.predict_proba(X_test).tobytes()
        print(f"{name}: predict_proba on {len(X_test)} rows bitwise identical: {same}")
        assert same

    banner("5. serve without scikit-learn: native inference in Rust")
    for name, model in (("forest", forest), ("pipeline", pipe)):
        native = skseal.native.load(paths[name])
        same = np.array_equal(native.predict_proba(X_test), model.predict_proba(X_test))
        print(f"{name}: skseal.native predict_proba bitwise identical to scikit-learn: {same}")
        assert same
    rows = out / "rows.csv"
    X_test.iloc[:3].to_csv(rows, index=False)
    print(f"$ skseal predict {paths['forest'].name} --input {rows.name} --method predict_proba")
    subprocess.run(
        [str(CLI), "predict", str(paths["forest"]), "--input", str(rows), "--method",
         "predict_proba"],
        check=True,
    )

    banner("6. a hostile pickle is refused before anything runs")
    canary = out / "pwned"

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {canary}",))

    evil = out / "model.pkl"
    evil.write_bytes(pickle.dumps({"model": Payload()}, protocol=4))
    print("untrusted_types:", skseal.untrusted_types(evil))
    try:
        skseal.load(evil)
    except skseal.UntrustedTypeError as e:
        print(f"refused: {type(e).__name__}: {str(e)[:160]}...")
    else:
        raise SystemExit("the hostile pickle was not refused")
    print(f"canary file created: {canary.exists()}")
    assert not canary.exists()
    print(f"\ndemo files are in {out}")


if __name__ == "__main__":
    main()
