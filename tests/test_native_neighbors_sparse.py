"""Native neighbours fitted on sparse X (issue 15). scikit-learn keeps
``_fit_X`` as a CSR matrix and searches it by brute force; for a dense
query its euclidean ``ArgKmin`` (and ``RadiusNeighbors``) adds the
sparse-dense middle term (``-2 * y_jc * x_ic`` over training row j's stored
entries, in order) between the query's ddot norm and the training row's
sum of squares. Native inference computes the same values and feeds the
same heaps, so neighbours, their order and the predictions are
scikit-learn's bit for bit (both OpenBLAS cores: the file is replayed on
the AVX2 path): classifiers and regressors, uniform and distance weights,
several outputs, radius neighbours, query counts on both sides of the
parallel strategies' switch and the 256-row chunks, duplicated training
rows and integer values (exact ties), rows with no stored entry, wide
rows, inside a Pipeline. Refused: other metrics on a sparse fit (scikit-learn
then runs ``dist_csr``), and dense queries to a fit its reductions do not take
(integer values, int64 indices, no stored entry). Sparse queries, and
training rows with unsorted columns, are tested in
``test_native_neighbors_sparse_queries.py``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from avx2_path import replay_on_avx2
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.neighbors import (
    KNeighborsClassifier,
    KNeighborsRegressor,
    RadiusNeighborsClassifier,
    RadiusNeighborsRegressor,
)
from test_native_brute_neighbors import _same

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError

METHODS = ("predict", "predict_proba")


def _fit_data(n: int, d: int, seed: int, *, ints: bool = False) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=0.15, format="csr", random_state=seed,
                  data_rvs=(lambda k: rng.integers(1, 4, k).astype(float)) if ints else None)
    X = sp.vstack([X, X[: n // 10], sp.csr_matrix((2, d))], format="csr")  # duplicates, empty rows
    return X


def _queries(X: sp.csr_matrix, n: int, seed: int, *, ints: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    Q = rng.integers(0, 3, (n, X.shape[1])).astype(float) if ints else rng.normal(
        scale=0.3, size=(n, X.shape[1]))
    Q[: min(20, n)] = X[: min(20, n)].toarray()  # training rows themselves
    return np.ascontiguousarray(Q)


def _check(m: Any, Q: np.ndarray) -> None:
    native = skseal.native.loads(skseal.dumps(m))
    for meth in METHODS:
        if hasattr(m, meth):
            _same(getattr(m, meth)(Q), getattr(native, meth)(Q))
    for i in range(min(3, len(Q))):
        _same(m.predict(Q[i:i + 1]), native.predict(Q[i:i + 1]))


@pytest.mark.parametrize("ints", [False, True])
@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("n_query", [1, 37, 300, 1200])
def test_kneighbors_classifier(ints: bool, weights: str, n_query: int) -> None:
    X = _fit_data(500, 40, 1, ints=ints)
    y = np.arange(X.shape[0]) % 3
    m = KNeighborsClassifier(n_neighbors=5, weights=weights).fit(X, y)
    assert m._fit_method == "brute" and sp.issparse(m._fit_X)
    _check(m, _queries(X, n_query, 2, ints=ints))


@pytest.mark.parametrize("k", [1, 4, 15])
def test_kneighbors_regressor_several_outputs(k: int) -> None:
    X = _fit_data(700, 25, 3)
    rng = np.random.default_rng(4)
    y = rng.normal(size=(X.shape[0], 2))
    for weights in ("uniform", "distance"):
        m = KNeighborsRegressor(n_neighbors=k, weights=weights).fit(X, y)
        _check(m, _queries(X, 400, 5))


def test_string_labels_and_wide_rows() -> None:
    X = _fit_data(300, 2000, 6)
    y = np.array(["a", "b", "c"])[np.arange(X.shape[0]) % 3]
    _check(KNeighborsClassifier(n_neighbors=3).fit(X, y), _queries(X, 260, 7))


def test_radius_neighbours() -> None:
    X = _fit_data(400, 20, 8, ints=True)
    Q = _queries(X, 300, 9, ints=True)
    y = np.arange(X.shape[0]) % 4
    clf = RadiusNeighborsClassifier(radius=2.5, outlier_label="most_frequent").fit(X, y)
    _check(clf, Q)
    reg = RadiusNeighborsRegressor(radius=2.5, weights="distance").fit(X, y.astype(float))
    native = skseal.native.loads(skseal.dumps(reg))
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _same(reg.predict(Q), native.predict(Q))


def test_tfidf_rows_in_a_pipeline(tmp_path: Any) -> None:
    """The common sparse fit: TF-IDF rows of counts, then the neighbours."""
    from sklearn.pipeline import make_pipeline
    rng = np.random.default_rng(10)
    counts = sp.csr_matrix(rng.poisson(0.3, (600, 120)).astype(float))
    y = (np.asarray(counts[:, :5].sum(axis=1)).ravel() > 1).astype(int)
    tf = TfidfTransformer().fit(counts)
    Xt = tf.transform(counts)
    m = KNeighborsClassifier(n_neighbors=7, weights="distance").fit(Xt, y)
    Q = tf.transform(sp.csr_matrix(rng.poisson(0.3, (500, 120)).astype(float))).toarray()
    _check(m, Q)
    p = make_pipeline(KNeighborsClassifier(n_neighbors=3)).fit(Xt, y)
    f = tmp_path / "p.skseal"
    skseal.dump(p, f)
    _same(p.predict_proba(Q), skseal.native.load(f).predict_proba(Q))


def test_refusals() -> None:
    X = _fit_data(200, 10, 11)
    y = np.arange(X.shape[0]) % 2
    # what scikit-learn's reductions do not take (it falls back on np.argpartition): integer
    # values, int64 indices (fitting makes them int32; a model may keep them), no stored
    # entry; dense integer training rows alike
    wide = KNeighborsClassifier(n_neighbors=3).fit(X, y)
    wide._fit_X.indices = wide._fit_X.indices.astype(np.int64)
    wide._fit_X.indptr = wide._fit_X.indptr.astype(np.int64)
    empty = KNeighborsClassifier(n_neighbors=3).fit(sp.csr_matrix((30, 10)), np.arange(30) % 2)
    dense_int = KNeighborsClassifier(n_neighbors=3, algorithm="brute").fit(
        np.arange(300).reshape(30, 10), np.arange(30) % 2)
    with pytest.raises(UnsupportedModelError, match="of dtype <i8"):
        skseal.native.loads(skseal.dumps(dense_int))
    # a sparse fit loads (sparse queries take scikit-learn's other road for every
    # sparse fit: tests/test_native_neighbors_sparse_queries.py) and refuses dense ones
    for m, said in ((KNeighborsClassifier(n_neighbors=3).fit(X.astype(np.int64), y),
                     "of dtype <i8"), (wide, "int64 indices"), (empty, "without stored entries")):
        native = skseal.native.loads(skseal.dumps(m))
        with pytest.raises(UnsupportedModelError, match="dense queries .*" + said):
            native.predict(np.zeros((2, X.shape[1])))
    m = KNeighborsClassifier(metric="manhattan").fit(X, y)
    with pytest.raises(UnsupportedModelError, match="fitted on sparse X with the metric"):
        skseal.native.loads(skseal.dumps(m))
    native = skseal.native.loads(skseal.dumps(KNeighborsClassifier().fit(X, y)))
    with pytest.raises((TypeError, ValueError, UnsupportedModelError), match="sparse"):
        native.predict(X[:5])


def test_without_avx512() -> None:
    """The same tests on numpy's AVX2 path and OpenBLAS's Haswell kernels."""
    replay_on_avx2(__file__)
