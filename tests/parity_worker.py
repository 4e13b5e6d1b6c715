"""Native-vs-scikit-learn parity in one process, for the machine configuration
it was started in (OPENBLAS_CORETYPE, OPENBLAS_NUM_THREADS,
NPY_DISABLE_CPU_FEATURES are read by numpy at import).

Run as a script: ``python tests/parity_worker.py SCALE [CLI]`` prints one JSON
object: the BLAS numpy reports, what the native models say about it, and per
family the rows compared, rows bitwise equal, rows where the model claims
bitwise but differs (``broken``) and the worst bounded error (in units of the
documented bound). ``tests/test_machines.py`` runs it under every
configuration the machine can run; ``bench/bench_parity.py`` runs it larger
and writes the table in docs/NATIVE.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

# |native - sklearn| <= REL * (sum_j |x_j * coef_j| + |intercept|), see linear.rs
REL = 4e-15


def _bound_units(native: np.ndarray, ref: np.ndarray, scale: np.ndarray) -> float:
    """Largest |native - ref| / (REL * scale); <= 1 is within the bound."""
    d = np.abs(native - ref) / (REL * np.maximum(scale, np.finfo(float).tiny))
    return float(np.max(d)) if d.size else 0.0


class Tally:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def add(
        self,
        family: str,
        claim: str,
        native: np.ndarray,
        ref: np.ndarray,
        scale: np.ndarray | None = None,
    ) -> None:
        t = self.rows.setdefault(
            family, {"rows": 0, "equal": 0, "broken": 0, "worst_bound": 0.0, "claims": []}
        )
        if claim not in t["claims"]:
            t["claims"].append(claim)
        n = native.shape[0] if native.ndim else 1
        a = native.reshape(n, -1)
        b = ref.reshape(n, -1)
        same = np.array([np.array_equal(a[i], b[i], equal_nan=True) for i in range(n)])
        t["rows"] += n
        t["equal"] += int(same.sum())
        if claim.startswith("bitwise"):
            t["broken"] += int((~same).sum())
        elif scale is not None:
            s = scale.reshape(n, -1) if scale.ndim > 1 else scale.reshape(n, 1)
            t["worst_bound"] = max(t["worst_bound"], _bound_units(a, b, s))
        elif a.dtype.kind == "f":
            # bounded labels/distances without a product scale: relative
            rel = np.abs(a - b) / np.maximum(np.abs(b), 1.0)
            t["worst_bound"] = max(t["worst_bound"], float(rel.max()) / REL if rel.size else 0.0)


def _native(model: Any) -> Any:
    import skseal
    import skseal.native

    return skseal.native.loads(skseal.dumps(model))


def _linear(t: Tally, rng: np.random.Generator, scale: int) -> None:
    from sklearn.linear_model import LinearRegression

    shapes = [(1, 1), (3, 1), (1, 7), (2, 7), (5, 17), (1, 33), (6, 31), (7, 32), (13, 45)]
    shapes += [(50, 64), (61, 10), (255, 99), (33, 513), (9, 700), (600, 385), (500, 300)]
    if scale > 1:
        shapes += [(1537, 300), (301, 4003), (2100, 40), (3000, 257), (1, 20000), (4100, 300)]
    for k in (1, 2, 3, 5, 10):
        for n, d in shapes:
            coef = rng.normal(size=(k, d)) if k > 1 else rng.normal(size=d)
            y = rng.normal(size=(3, k)) if k > 1 else rng.normal(size=3)
            model = LinearRegression().fit(rng.normal(size=(3, d)), y)
            model.coef_ = coef
            model.intercept_ = rng.normal(size=k) if k > 1 else np.float64(rng.normal())
            m = _native(model)
            X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, size=d)
            sc = np.abs(X) @ np.abs(np.atleast_2d(coef)).T + np.abs(model.intercept_)
            t.add("linear, C-ordered X", m.exactness("predict"), m.predict(X), model.predict(X), sc)
            XF = np.asfortranarray(X)
            t.add(
                "linear, Fortran-ordered X",
                "bounded: Fortran-ordered X",
                m.predict(XF),
                model.predict(XF),
                sc,
            )


def _classifiers(t: Tally, rng: np.random.Generator, scale: int) -> None:
    from sklearn.linear_model import LogisticRegression

    for d, classes in ((20, 2), (40, 3), (130, 4)):
        n = 400 * scale
        X = rng.normal(size=(n, d))
        y = (X[:, 0] * 3 + X[:, 1] > 0).astype(int) + (X[:, 2] > 1 if classes > 2 else 0)
        y = y % classes
        model = LogisticRegression(max_iter=500).fit(X, y)
        m = _native(model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for meth in ("decision_function", "predict_proba"):
                ref = getattr(model, meth)(X)
                t.add(f"LogisticRegression {meth}", m.exactness(meth), getattr(m, meth)(X), ref)


def _pca_kmeans(t: Tally, rng: np.random.Generator, scale: int) -> None:
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    X = rng.normal(size=(300 * scale, 30))
    pca = PCA(n_components=5).fit(X)
    m = _native(pca)
    t.add("PCA transform", m.exactness("transform"), m.transform(X), pca.transform(X))
    km = KMeans(n_clusters=4, n_init=2, random_state=0).fit(X)
    m = _native(km)
    t.add("KMeans transform", m.exactness("transform"), m.transform(X), km.transform(X))
    got, ref = m.predict(X), km.predict(X)
    assert got.dtype == ref.dtype, (got.dtype, ref.dtype)
    t.add("KMeans predict", m.exactness("predict"), got, ref)


def _trees(t: Tally, rng: np.random.Generator, scale: int) -> None:
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import (
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
        IsolationForest,
        RandomForestClassifier,
    )

    X, y = load_breast_cancer(return_X_y=True)
    iso = IsolationForest(n_estimators=50 * scale, random_state=0).fit(X)
    m = _native(iso)
    t.add(
        "IsolationForest score_samples",
        m.exactness("score_samples"),
        m.score_samples(X),
        iso.score_samples(X),
    )
    for name, model in (
        (
            "RandomForest predict_proba",
            RandomForestClassifier(n_estimators=20 * scale, random_state=0),
        ),
        (
            "GradientBoosting predict_proba",
            GradientBoostingClassifier(n_estimators=20 * scale, random_state=0),
        ),
        (
            "HistGradientBoosting predict_proba",
            HistGradientBoostingClassifier(max_iter=20 * scale, random_state=0),
        ),
    ):
        model.fit(X, y)
        m = _native(model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t.add(name, m.exactness("predict_proba"), m.predict_proba(X), model.predict_proba(X))


def _cli(t: Tally, rng: np.random.Generator, cli: str) -> None:
    """`skseal predict` detects the BLAS itself (no Python): same bits."""
    from sklearn.linear_model import LinearRegression

    import skseal

    d, n = 300, 200
    X = rng.normal(size=(n, d))
    model = LinearRegression().fit(X, X @ rng.normal(size=(d, 3)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.skseal"
        skseal.dump(model, path)
        csv = Path(tmp) / "x.csv"
        np.savetxt(
            csv,
            X,
            delimiter=",",
            header=",".join(f"x{j}" for j in range(d)),
            comments="",
            fmt="%.17g",
        )
        out = Path(tmp) / "out.csv"
        subprocess.run(
            [cli, "predict", str(path), "--input", str(csv), "--output", str(out)], check=True
        )
        got = np.loadtxt(out, delimiter=",", skiprows=1, ndmin=2)
    t.add("skseal predict (CLI), linear", "bitwise-c-ordered", got, model.predict(X))


def main() -> None:
    scale = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    cli = sys.argv[2] if len(sys.argv) > 2 else ""
    import skseal.native

    rng = np.random.default_rng(0)
    t = Tally()
    _linear(t, rng, scale)
    _classifiers(t, rng, scale)
    _pca_kmeans(t, rng, scale)
    _trees(t, rng, scale)
    if cli:
        _cli(t, rng, cli)
    print(
        json.dumps(
            {
                "numpy_blas": skseal.native.numpy_blas(),
                "numpy_svml": skseal.native.NUMPY_SVML,
                "families": t.rows,
            }
        )
    )


if __name__ == "__main__":
    main()
