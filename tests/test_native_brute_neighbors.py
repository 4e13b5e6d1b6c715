"""Native brute-force k-nearest neighbours (issue 15): what scikit-learn picks
for more than 15 features (``algorithm="auto"``), or when asked. Its
distances come from a chunked matrix product (``||x||^2 - 2 x.y + ||y||^2``
through scipy's OpenBLAS dgemm, 256 rows a chunk) and its heaps; native
inference reproduces both, so neighbours, their order and distances are
scikit-learn's bit for bit on the reproduced OpenBLAS cores (SkylakeX and
Haswell: the file is replayed on the AVX2 path), including exact ties when
the work is split as scikit-learn splits it. Checked: binary, multiclass and
string labels, uniform and distance weights, k from 1 to 30, feature counts
that take each dgemm kernel path (1, 20, 33 (SkylakeX's small-matrix kernel
for one row), 300 and 800 (K cut into blocks)), query counts around the
chunk size and both parallel strategies (1 to 3,000 rows), one row at a time,
duplicated training rows (exact ties), a Pipeline, manhattan, regressors.
NearestCentroid's predict is the same search with k = 1 over its centroids."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor, NearestCentroid
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError
from tests.avx2_path import replay_on_avx2


def _same(want: Any, got: Any) -> None:
    want, got = np.asarray(want), np.asarray(got)
    assert want.shape == got.shape
    if want.dtype.kind in "fiu":  # string labels come back as Python str (object)
        assert want.dtype == got.dtype
    if want.dtype.kind == "f":
        bad = np.flatnonzero((want != got).ravel() & ~(np.isnan(want) & np.isnan(got)).ravel())
        assert want.tobytes() == got.tobytes(), f"{bad.size} values differ, first at {bad[:5]}"
    else:
        assert np.array_equal(want, got), f"{int((want != got).sum())} values differ"


def _data(n: int, d: int, seed: int, classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10.0, d)
    y = (X[:, 0] > 0).astype(int) + (X[:, -1] > 1).astype(int)
    return X, y % classes


def _check(m: Any, Q: np.ndarray, methods: tuple[str, ...] = ("predict", "predict_proba")) -> None:
    native = skseal.native.loads(skseal.dumps(m))
    assert native.exactness("predict").startswith("bounded")
    for meth in methods:
        if hasattr(m, meth):
            _same(getattr(m, meth)(Q), getattr(native, meth)(Q))


@pytest.mark.parametrize("d", [1, 20, 33, 300, 800])
def test_feature_counts(d: int) -> None:
    X, y = _data(700, d, seed=d)
    Q, _ = _data(300, d, seed=d + 1)
    for weights in ("uniform", "distance"):
        m = KNeighborsClassifier(5, weights=weights, algorithm="brute").fit(X, y)
        assert m._fit_method == "brute"
        _check(m, Q)
        for i in range(3):
            _check(m, Q[i:i + 1])


@pytest.mark.parametrize("rows", [1, 2, 5, 255, 256, 257, 700, 2049, 3000])
def test_query_counts_and_strategies(rows: int) -> None:
    # 600 training rows: fewer queries take parallel_on_Y in kneighbors
    # (distance weights, regressors), more take parallel_on_X
    X, y = _data(600, 24, seed=3)
    Q, _ = _data(rows, 24, seed=4)
    clf = KNeighborsClassifier(7, weights="distance").fit(X, y)
    assert clf._fit_method == "brute"  # 24 features: scikit-learn's own choice
    _check(clf, Q)
    _check(KNeighborsClassifier(6).fit(X, y), Q)
    _check(KNeighborsRegressor(4).fit(X, X[:, 0] * 3 + y), Q, ("predict",))
    _check(KNeighborsRegressor(9, weights="distance").fit(X, X[:, 1] - y), Q, ("predict",))


@pytest.mark.parametrize("k", [1, 2, 3, 4, 30])
def test_ties_from_duplicated_rows(k: int) -> None:
    # every training row three times, labels differing between the copies:
    # exact ties in distance decide the neighbours and their order
    base, _ = _data(200, 18, seed=k)
    X = np.vstack([base, base, base])
    rng = np.random.default_rng(k)
    y = rng.integers(0, 3, len(X))
    yr = rng.normal(size=len(X))
    Q = np.vstack([base[:40], _data(300, 18, seed=k + 9)[0]])
    for weights in ("uniform", "distance"):
        _check(KNeighborsClassifier(k, weights=weights, algorithm="brute").fit(X, y), Q)
        _check(KNeighborsRegressor(k, weights=weights, algorithm="brute").fit(X, yr), Q,
               ("predict",))
    big = np.tile(Q, (8, 1))  # parallel_on_X for kneighbors too
    _check(KNeighborsRegressor(k, algorithm="brute").fit(X, yr), big, ("predict",))


def test_strings_pipeline_and_manhattan() -> None:
    X, y = _data(900, 40, seed=8)
    labels = np.array(["low", "mid", "high"])[y]
    Q, _ = _data(500, 40, seed=9)
    _check(make_pipeline(StandardScaler(), KNeighborsClassifier(11)).fit(X, labels), Q)
    _check(KNeighborsClassifier(5, p=1, algorithm="brute").fit(X, labels), Q)
    _check(KNeighborsRegressor(5, metric="manhattan", weights="distance",
                               algorithm="brute").fit(X, X[:, 2]), Q, ("predict",))


def test_zero_distances() -> None:
    # queries on training rows: distance weights give those neighbours all the weight
    X, y = _data(500, 20, seed=11)
    _check(KNeighborsClassifier(5, weights="distance").fit(X, y), X[:300])
    _check(KNeighborsRegressor(5, weights="distance").fit(X, X[:, 3]), X[:300], ("predict",))


def test_without_avx512_too() -> None:
    replay_on_avx2("tests/test_native_brute_neighbors.py")


def test_ties_in_large_batches() -> None:
    # 2,400 queries against 3,000 training rows: scikit-learn walks them
    # parallel on X; batches of 1,024 rows would take parallel_on_Y and meet
    # the tied copies in another order, so brute force runs in one piece
    base, _ = _data(1000, 17, seed=21)
    X = np.vstack([base, base, base])
    rng = np.random.default_rng(21)
    yr = rng.normal(size=len(X))
    Q = np.vstack([base[:1200], _data(1200, 17, seed=22)[0]])
    for k in (2, 5, 16):
        _check(KNeighborsRegressor(k, algorithm="brute").fit(X, yr), Q, ("predict",))


@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
@pytest.mark.parametrize("d", [3, 40])
def test_nearest_centroid(metric: str, d: int) -> None:
    # predict is pairwise_distances_argmin: ArgKmin with k = 1 over the centroids
    X, y = _data(800, d, seed=d)
    labels = np.array(["a", "b", "c"])[y]
    Q, _ = _data(1000, d, seed=d + 1)
    for shrink in (None, 0.2):
        m = NearestCentroid(metric=metric, shrink_threshold=shrink).fit(X, labels)
        native = skseal.native.loads(skseal.dumps(m))
        if metric == "euclidean":
            assert sorted(native.methods) == ["decision_function", "predict",
                                              "predict_log_proba", "predict_proba"]
        else:
            assert native.methods == ["predict"]
        _check(m, Q, ("predict",))
        _check(m, Q[:1], ("predict",))
    # a query exactly as far from two centroids: the first one, as numpy's argmin
    pts = np.array([[0.0, 0.0], [2.0, 0.0], [5.0, 5.0]])  # the centroids
    tie = NearestCentroid().fit(np.vstack([pts - 0.5, pts + 0.5]), [0, 1, 2, 0, 1, 2])
    assert np.array_equal(tie.centroids_, pts)
    _check(tie, np.array([[1.0, 0.0], [1.0, 3.0], [3.5, 2.5]]), ("predict",))


@pytest.mark.parametrize("classes", [2, 3, 9])
@pytest.mark.parametrize("priors", ["uniform", "empirical", "given"])
def test_nearest_centroid_discriminant_scores(classes: int, priors: str) -> None:
    """decision_function, predict_log_proba, predict_proba (euclidean) and
    predict with other priors: scikit-learn 1.9's `_decision_function`
    (standardised distances through `_euclidean_distances`, numpy's gemv and
    einsum row norms, `2 * log(prior)`) and the discriminant mixin, bit for
    bit. 9 classes: the mixin's row sum is numpy's pairwise sum."""
    rng = np.random.default_rng(classes)
    X = rng.normal(size=(600, 7)) * rng.uniform(0.1, 10.0, 7)
    X[:, 3] = 1.5  # a feature with zero within-class deviation
    y = rng.integers(0, classes, 600)
    y[y == 0] = rng.integers(0, classes, (y == 0).sum())  # uneven class counts
    kw: dict[str, Any] = {"priors": priors}
    if priors == "given":
        p = rng.uniform(0.5, 2.0, classes)
        kw["priors"] = (p / p.sum()).tolist()  # a list: an array trips its own check
    m = NearestCentroid(**kw).fit(X, y)
    Q = rng.normal(size=(300, 7)) * 3
    native = skseal.native.loads(skseal.dumps(m))
    assert native.exactness("decision_function").startswith("bitwise")
    for meth in ("decision_function", "predict_log_proba", "predict_proba", "predict"):
        _same(getattr(m, meth)(Q), getattr(native, meth)(Q))
        _same(getattr(m, meth)(Q[:1]), getattr(native, meth)(Q[:1]))


def test_nearest_centroid_with_other_priors_on_manhattan_is_refused() -> None:
    X, y = _data(300, 4, seed=1)
    m = NearestCentroid(priors="empirical", metric="manhattan").fit(X, y)
    with pytest.raises(UnsupportedModelError, match="priors"):
        skseal.native.loads(skseal.dumps(m))


def test_fortran_ordered_fitted_arrays_are_refused() -> None:
    # scikit-learn stores _fit_X and centroids_ C-ordered; a file holding them
    # Fortran-ordered would make scikit-learn leave ArgKmin (C-ordered input
    # only) for pairwise_distances_chunked, whose arithmetic is not modelled
    X, y = _data(300, 20, seed=2)
    knn = KNeighborsClassifier(3).fit(X, y)
    assert knn._fit_method == "brute"
    knn._fit_X = np.asfortranarray(knn._fit_X)
    with pytest.raises(UnsupportedModelError, match="Fortran-ordered _fit_X"):
        skseal.native.loads(skseal.dumps(knn))
    nc = NearestCentroid().fit(X, y)
    nc.centroids_ = np.asfortranarray(nc.centroids_)
    with pytest.raises(UnsupportedModelError, match="Fortran-ordered centroids_"):
        skseal.native.loads(skseal.dumps(nc))
    # a KD tree measures every row alone: the order of _fit_X does not matter
    tree = KNeighborsClassifier(3, algorithm="kd_tree").fit(X[:, :5], y)
    tree._fit_X = np.asfortranarray(tree._fit_X)
    Q, _ = _data(50, 5, seed=3)
    assert np.array_equal(skseal.native.loads(skseal.dumps(tree)).predict(Q), tree.predict(Q))


def test_ties_when_omp_num_threads_changed_after_start(monkeypatch: pytest.MonkeyPatch) -> None:
    # Dask's nanny sets OMP_NUM_THREADS=1 in the process that starts its
    # workers, after scikit-learn's OpenMP runtime has read it: native
    # inference asks scikit-learn for its thread count instead of the variable
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    base, _ = _data(200, 18, seed=4)
    X = np.vstack([base, base, base])
    yr = np.random.default_rng(4).normal(size=len(X))
    Q = np.vstack([base[:40], _data(300, 18, seed=13)[0]])
    for k in (4, 30):
        _check(KNeighborsRegressor(k, algorithm="brute").fit(X, yr), Q, ("predict",))
