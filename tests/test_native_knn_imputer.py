"""Native KNNImputer (issue 15): ``nan_euclidean_distances`` through the
modelled products (numpy's matmul of the zero-filled rows, the einsum norms,
the two corrections by 0/1 matrices, the shared-feature counts), the k
nearest donors per column and scikit-learn's ``np.ma.average`` of them, bit
for bit against scikit-learn: uniform and distance weights, one to many
neighbours, rows whose donors all lie at an undefined distance (the
column's masked mean), rows that miss no value, columns all missing at fit
(dropped, or kept as zeros), a training set wide enough for several M blocks
of the product, one row at a time. Where a donor row has an undefined (NaN)
distance, numpy's argpartition leaves its SIMD kernels for
``std::nth_element``, which native inference follows step by step. Also on
the AVX2 path. Refused: the indicator, other metrics and weights, missing
values other than NaN."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from avx2_path import replay_on_avx2
from sklearn.impute import KNNImputer
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError, ValidationError


def _data(n: int, d: int, p: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X[rng.random(X.shape) < p] = np.nan
    return X


def _same(a: np.ndarray, b: np.ndarray, what: str) -> None:
    assert a.shape == b.shape, what
    diff = np.flatnonzero((a.view(np.int64) != b.view(np.int64)).any(axis=1))
    assert diff.size == 0, f"{what}: rows {diff[:10]} differ"


def _check(imp: Any, Q: np.ndarray, what: str) -> Any:
    native = skseal.native.loads(skseal.dumps(imp))
    _same(native.transform(Q), imp.transform(Q), what)
    assert native.exactness("transform").startswith("bounded")
    return native


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize(("n_fit", "n_q", "d", "p", "k"), [
    (300, 200, 6, 0.15, 5),
    (50, 40, 3, 0.4, 3),
    (1000, 300, 20, 0.1, 7),
    (30, 1, 4, 0.3, 5),
    (200, 100, 8, 0.5, 10),
    (100, 50, 5, 0.2, 200),   # more neighbours than donors
    (40, 60, 2, 0.45, 1),     # rows with no defined distance: the masked mean
])
def test_matches_scikit_learn(weights: str, n_fit: int, n_q: int, d: int, p: float,
                              k: int) -> None:
    X = _data(n_fit + n_q, d, p, seed=n_fit + d)
    imp = KNNImputer(n_neighbors=k, weights=weights).fit(X[:n_fit])
    _check(imp, X[n_fit:], f"{weights} {n_fit} {d} {p} {k}")


def test_column_all_missing_at_fit() -> None:
    X = _data(260, 6, 0.2, seed=1)
    X[:200, 4] = np.nan
    for keep in (False, True):
        imp = KNNImputer(keep_empty_features=keep).fit(X[:200])
        native = _check(imp, X[200:], f"keep_empty_features={keep}")
        assert native.transform(X[200:]).shape[1] == (6 if keep else 5)


def test_rows_without_missing_values_and_one_row_at_a_time() -> None:
    X = _data(400, 7, 0.1, seed=2)
    imp = KNNImputer(n_neighbors=4).fit(X[:300])
    Q = X[300:]
    native = _check(imp, Q, "batch")
    # one row at a time: the products' shapes change, the values do not (a
    # row's distances are its own)
    one = np.vstack([native.transform(Q[i:i + 1]) for i in range(30)])
    _same(one, imp.transform(Q[:30]), "one row at a time")
    full = np.nan_to_num(Q, nan=0.5)
    _same(native.transform(full), imp.transform(full), "no missing value")


def test_wide_training_set() -> None:
    # 700 training rows: several M blocks of the distance products, threads
    X = _data(760, 12, 0.25, seed=3)
    for w in ("uniform", "distance"):
        _check(KNNImputer(n_neighbors=6, weights=w).fit(X[:700]), X[700:], w)


def test_in_a_pipeline() -> None:
    X = _data(500, 6, 0.2, seed=4)
    y = np.nan_to_num(X).sum(axis=1)
    pipe = make_pipeline(KNNImputer(), Ridge()).fit(X[:400], y[:400])
    native = skseal.native.loads(skseal.dumps(pipe))
    # KNNImputer returns X[:, valid_mask], Fortran-ordered: Ridge's product
    # then takes another kernel (bounded)
    np.testing.assert_allclose(native.predict(X[400:]), pipe.predict(X[400:]), rtol=1e-12,
                               atol=1e-12)
    assert native.exactness("predict").startswith("bounded")


def test_refusals() -> None:
    X = _data(100, 4, 0.2, seed=5)
    # a callable metric or weights cannot be saved; a fitted state naming
    # another one is refused by name
    other_metric, other_weights = KNNImputer().fit(X), KNNImputer().fit(X)
    other_metric.metric, other_weights.weights = "euclidean", "gaussian"
    for imp, said in (
        (KNNImputer(add_indicator=True).fit(X), "add_indicator"),
        (other_weights, "weights"),
        (other_metric, "metric"),
    ):
        with pytest.raises(UnsupportedModelError, match=said):
            skseal.native.loads(skseal.dumps(imp))
    Xm = np.where(np.isnan(X), -1.0, X)
    with pytest.raises(UnsupportedModelError, match="missing_values"):
        skseal.native.loads(skseal.dumps(KNNImputer(missing_values=-1.0).fit(Xm)))
    native = skseal.native.loads(skseal.dumps(KNNImputer().fit(X)))
    with pytest.raises(ValueError, match="nfinit"):
        native.transform(np.array([[np.inf, 1.0, 2.0, 3.0]]))
    with pytest.raises(ValueError, match="features"):
        native.transform(np.zeros((2, 3)))


def test_without_avx512() -> None:
    """The same tests on numpy's AVX2 path and OpenBLAS's Haswell kernels."""
    replay_on_avx2(__file__, also_skip="refusals")


def test_malformed_fitted_states() -> None:
    """A fitted state no fit leaves is refused at load, naming what is wrong."""
    X = _data(60, 4, 0.2, seed=6)
    cases = []
    zero = KNNImputer().fit(X)
    zero.n_neighbors = 0
    cases.append((zero, "n_neighbors is 0"))
    mask = KNNImputer().fit(X)
    mask._valid_mask = ~mask._valid_mask
    cases.append((mask, "_valid_mask"))
    inf = KNNImputer().fit(X)
    inf._fit_X[0, 0] = np.inf
    cases.append((inf, "infinite"))
    for imp, said in cases:
        with pytest.raises(ValidationError, match=said):
            skseal.native.loads(skseal.dumps(imp))
