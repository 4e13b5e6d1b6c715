"""Native tree walks against scikit-learn on one thread: one-row latency and
rows/s for 10,000 and 125,000 rows, for the batch benchmark's
RandomForestClassifier(100) and for gradient boosting, IsolationForest and
ExtraTrees on the same data; every output compared bitwise. Run with a
release build: ``.venv/bin/python bench/tree_walk_timing.py``.
"""

from __future__ import annotations

import os

os.environ.setdefault("RAYON_NUM_THREADS", "1")  # before skseal's pool starts

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    IsolationForest,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_batch  # noqa: E402

import skseal  # noqa: E402
import skseal.native  # noqa: E402


def best(f, x, repeat: int) -> float:
    f(x)
    return min(_timed(f, x) for _ in range(repeat))


def _timed(f, x) -> float:
    t = time.perf_counter()
    f(x)
    return time.perf_counter() - t


def main() -> None:
    warnings.filterwarnings("ignore", message="X does not have valid feature names")
    forest, data = bench_batch.models()["RandomForest(100)"]
    X = data(125_000, 1).to_numpy()
    Xf, yf = X[:20_000], (X[:20_000, 0] > 0).astype(int)
    models = {
        "RandomForest(100)": (forest, "predict_proba"),
        "GradientBoosting(100)": (GradientBoostingClassifier(random_state=0).fit(Xf, yf),
                                  "predict_proba"),
        "IsolationForest(100)": (IsolationForest(random_state=0).fit(Xf), "score_samples"),
        "ExtraTrees(50)": (ExtraTreesRegressor(n_estimators=50, random_state=0).fit(
            Xf, yf.astype(float)), "predict"),
    }
    for name, (model, method) in models.items():
        m = skseal.native.loads(skseal.dumps(model))
        sk, nat = getattr(model, method), getattr(m, method)
        one = X[:1]
        for f in (sk, nat):
            f(one)
        lat = {}
        for label, f in (("scikit-learn", sk), ("skseal.native", nat)):
            ts = []
            for _ in range(300):
                t = time.perf_counter()
                f(one)
                ts.append(time.perf_counter() - t)
            lat[label] = statistics.median(ts) * 1e6
        print(f"{name:22} one row: scikit-learn {lat['scikit-learn']:8.1f} us, "
              f"skseal.native {lat['skseal.native']:6.1f} us")
        for n in (10_000, 125_000):
            x = X[:n]
            same = np.asarray(sk(x)).tobytes() == np.asarray(nat(x)).tobytes()
            a, b = best(sk, x, 3), best(nat, x, 3)
            print(f"{name:22} {n:7,} rows: scikit-learn {n / a:12,.0f} rows/s, "
                  f"skseal.native {n / b:12,.0f} rows/s ({a / b:4.2f}x), "
                  f"{'bitwise' if same else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
