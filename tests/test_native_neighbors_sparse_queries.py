"""Native neighbours answering sparse queries against a sparse fit (issue 15):
a text vectorizer before KNeighbors / RadiusNeighbors in a Pipeline, or a
model fitted on a sparse matrix loaded with ``sparse=True``.

scikit-learn's reductions refuse two sparse matrices with a euclidean metric,
so it measures with ``pairwise_distances_chunked``: ``_euclidean_distances``'
``max((-2 * (X @ _fit_X.T) + XX) + YY, 0)``, scipy's SMMP product and
``csr_row_norms``, which native inference reproduces (any dtype of
``_fit_X``, unsorted columns as ``CountVectorizer.fit_transform`` leaves
them). Radius neighbours (``np.where(d <= r**2)``) are then bitwise. The k
nearest are picked by ``np.argpartition`` and ``np.argsort``, whose order of
exactly tied distances depends on numpy's sort kernels for the CPU: on count
data scikit-learn's own ``predict_proba`` differs between an AVX-512 and an
AVX2 machine (shown below). Native inference orders ties by training row;
it is checked bit for bit against scikit-learn's own predictions with its
``kneighbors`` answering the same distances stable-sorted, and scikit-learn
is checked against that reference on every row without ties."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from avx2_path import AVX2_ENV, replay_on_avx2
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.neighbors import (
    KNeighborsClassifier,
    KNeighborsRegressor,
    RadiusNeighborsClassifier,
    RadiusNeighborsRegressor,
)
from sklearn.pipeline import make_pipeline

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError

WORDS = [f"w{i}" for i in range(300)]


def _docs(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, rng.integers(3, 30))) for _ in range(n)]


def _labels(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 3, n)


def _methods(m: Any) -> list[str]:
    return [k for k in ("predict", "predict_proba") if hasattr(m, k)]


def _same_bits(a: Any, b: Any, what: str) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype, what
    if a.dtype.kind == "f":
        assert np.array_equal(a.view(np.int64), b.view(np.int64)), what
    else:
        assert np.array_equal(a, b), what


def _check_k_nearest(pipe: Any, queries: list[str], untied_by: str = "all") -> np.ndarray:
    """Native answers are scikit-learn's with ties by training row on every
    row, and scikit-learn's own on every row no tie decides; returns which
    rows those are. ``untied_by``: "all", rows whose k + 1 nearest distances
    are distinct; "boundary", rows whose k-th and (k + 1)-th differ (ties
    inside the k then change no sum: tied neighbours weigh the same, and the
    targets add exactly); "none", no row (a distance-weighted mean of ties
    adds products of different targets in another order)."""
    native = skseal.native.loads(skseal.dumps(pipe))
    knn = pipe[-1]
    Xq = pipe[:-1].transform(queries)
    D = np.sort(euclidean_distances(Xq, knn._fit_X, squared=True), axis=1)
    k = knn.n_neighbors
    untied = {"all": (np.diff(D[:, :k + 1], axis=1) > 0).all(axis=1),
              "boundary": D[:, k - 1] < D[:, k],
              "none": np.zeros(len(queries), bool)}[untied_by]
    assert untied_by == "none" or untied.sum() > 5
    for meth in _methods(pipe):
        want = _ties_by_row(knn, Xq, meth)
        got = getattr(native, meth)(np.array(queries))
        theirs = getattr(pipe, meth)(queries)
        parts = (x if isinstance(x, list) else [x] for x in (want, got, theirs))
        for w, g, t in zip(*parts, strict=True):
            _same_bits(g, w, meth)
            _same_bits(np.asarray(t)[untied], np.asarray(w)[untied], meth)
    return untied


# TF-IDF rows are l2-normalised: training rows that share no term with a
# query, or the same terms at the same weights, are at exactly the same
# distance, so ties occur here too
@pytest.mark.parametrize("est", [
    KNeighborsClassifier(5),
    KNeighborsClassifier(7, weights="distance"),
    KNeighborsClassifier(1),
    KNeighborsRegressor(4),
    KNeighborsRegressor(6, weights="distance"),
], ids=lambda e: repr(e))
def test_tfidf_pipeline_k_nearest(est: Any) -> None:
    docs, y = _docs(700, 0), _labels(700, 1)
    target = y * 1.5 + 0.25 if "Regressor" in type(est).__name__ else y
    pipe = make_pipeline(TfidfVectorizer(), est).fit(docs[:450], target[:450])
    _check_k_nearest(pipe, docs[450:] + docs[:20])  # training documents too
    # one document at a time gives the same answers
    native = skseal.native.loads(skseal.dumps(pipe))
    queries = np.array(docs[450:475])
    for meth in _methods(pipe):
        one = np.concatenate([getattr(native, meth)(queries[i:i + 1]) for i in range(25)])
        _same_bits(one, getattr(native, meth)(queries), meth)


@pytest.mark.parametrize("est", [
    RadiusNeighborsClassifier(radius=1.25, outlier_label=0),
    RadiusNeighborsClassifier(radius=1.3, weights="distance", outlier_label=1),
    RadiusNeighborsRegressor(radius=1.3),
], ids=lambda e: repr(e))
def test_tfidf_pipeline_radius_is_scikit_learns_bit_for_bit(est: Any) -> None:
    docs, y = _docs(700, 0), _labels(700, 1)
    target = y * 1.5 + 0.25 if "Regressor" in type(est).__name__ else y
    pipe = make_pipeline(TfidfVectorizer(), est).fit(docs[:450], target[:450])
    native = skseal.native.loads(skseal.dumps(pipe))
    queries = np.array(docs[450:] + docs[:20])
    for meth in _methods(pipe):
        _same_bits(getattr(native, meth)(queries), getattr(pipe, meth)(queries), meth)


def test_several_outputs() -> None:
    docs = _docs(500, 3)
    Y = np.c_[_labels(500, 4), _labels(500, 5) * 2.0 - 1.0]
    for est in (KNeighborsRegressor(5), KNeighborsRegressor(5, weights="distance")):
        _check_k_nearest(make_pipeline(TfidfVectorizer(), est).fit(docs[:350], Y[:350]),
                         docs[350:])
    _check_k_nearest(make_pipeline(TfidfVectorizer(), KNeighborsClassifier(4)).fit(
        docs[:350], Y[:350].astype(int)), docs[350:])
    pipe = make_pipeline(TfidfVectorizer(), RadiusNeighborsRegressor(radius=1.3)).fit(
        docs[:350], Y[:350])
    native = skseal.native.loads(skseal.dumps(pipe))
    _same_bits(native.predict(np.array(docs[350:])), pipe.predict(docs[350:]), "radius")


def _ties_by_row(est: Any, Xq: sp.csr_matrix, meth: str) -> np.ndarray:
    """scikit-learn's own ``meth`` of ``est`` with its ``kneighbors`` answering
    the squared distances its fallback computes (``euclidean_distances(...,
    squared=True)``), stable-sorted: ties by training row."""
    D = euclidean_distances(Xq, est._fit_X, squared=True)
    ind = np.argsort(D, axis=1, kind="stable")[:, :est.n_neighbors]
    dist = np.sqrt(np.take_along_axis(D, ind, axis=1))

    def kneighbors(X: Any = None, n_neighbors: Any = None, return_distance: bool = True) -> Any:
        assert X is Xq
        return (dist, ind) if return_distance else ind

    est.kneighbors = kneighbors
    try:
        return getattr(est, meth)(Xq)
    finally:
        del est.kneighbors


@pytest.mark.parametrize(("est", "untied_by"), [
    (KNeighborsClassifier(5), "boundary"),
    (KNeighborsClassifier(6, weights="distance"), "boundary"),
    (KNeighborsRegressor(5), "boundary"),
    (KNeighborsRegressor(3, weights="distance"), "none"),
], ids=lambda e: repr(e))
def test_count_data_ties_by_training_row(est: Any, untied_by: str) -> None:
    # counts: integer distances, ties everywhere; CountVectorizer.fit_transform
    # leaves _fit_X's columns unsorted and of dtype int64
    docs, y = _docs(600, 6), _labels(600, 7)
    target = y * 0.75 if "Regressor" in type(est).__name__ else y
    pipe = make_pipeline(CountVectorizer(), est).fit(docs[:400], target[:400])
    knn = pipe[-1]
    assert knn._fit_X.dtype == np.int64 and not knn._fit_X.has_sorted_indices
    untied = _check_k_nearest(pipe, docs[400:], untied_by)
    assert not untied.all()  # ties decide some rows


def test_radius_neighbours_on_count_data_are_bitwise() -> None:
    docs, y = _docs(600, 8), _labels(600, 9)
    for est in (RadiusNeighborsClassifier(radius=6.0, outlier_label=0),
                RadiusNeighborsClassifier(radius=6.5, weights="distance", outlier_label=2),
                RadiusNeighborsRegressor(radius=6.0)):
        pipe = make_pipeline(CountVectorizer(), est).fit(docs[:400], y[:400])
        native = skseal.native.loads(skseal.dumps(pipe))
        for meth in _methods(pipe):
            _same_bits(getattr(native, meth)(np.array(docs[400:])),
                       getattr(pipe, meth)(docs[400:]), meth)


def test_a_sparse_fit_loaded_with_sparse_true() -> None:
    rng = np.random.default_rng(10)
    X = sp.random(400, 60, density=0.1, format="csr", random_state=10)
    X = sp.vstack([X, X[:15], sp.csr_matrix((2, 60))], format="csr")  # duplicates, empty rows
    y = rng.integers(0, 2, X.shape[0])
    Q = sp.vstack([sp.random(150, 60, density=0.1, format="csr", random_state=11), X[:10],
                   sp.csr_matrix((1, 60))], format="csr")
    clf = KNeighborsClassifier(3, weights="distance").fit(X, y)
    native = skseal.native.loads(skseal.dumps(clf), sparse=True)
    # duplicated training rows tie: the reference orders them by row
    for meth in ("predict", "predict_proba"):
        _same_bits(getattr(native, meth)(Q), _ties_by_row(clf, Q, meth), meth)
        _same_bits(getattr(native, meth)(Q.tocoo()), _ties_by_row(clf, Q, meth), meth)
    rad = RadiusNeighborsRegressor(radius=0.6).fit(X, y * 2.0)
    native = skseal.native.loads(skseal.dumps(rad), sparse=True)
    _same_bits(native.predict(Q), rad.predict(Q), "radius")
    # a dense-loaded model keeps scikit-learn's sparse-dense search for dense queries
    dense = skseal.native.loads(skseal.dumps(clf))
    _same_bits(dense.predict_proba(Q.toarray()), clf.predict_proba(Q.toarray()), "dense")


def test_dense_queries_refused_where_scikit_learn_leaves_its_reductions() -> None:
    # integer training values: dense queries go to pairwise_distances_chunked +
    # argpartition (refused when they come), sparse queries are answered
    rng = np.random.default_rng(12)
    X = sp.random(200, 30, density=0.2, format="csr", random_state=12,
                  data_rvs=lambda k: rng.integers(1, 4, k).astype(float)).astype(np.int64)
    y = rng.integers(0, 2, 200)
    clf = KNeighborsClassifier(3).fit(X, y)
    dense = skseal.native.loads(skseal.dumps(clf))
    with pytest.raises(UnsupportedModelError, match=r"dense queries .*of dtype <i8.*sparse=True"):
        dense.predict(X[:3].toarray().astype(float))
    radius = skseal.native.loads(skseal.dumps(RadiusNeighborsClassifier(3.0).fit(X, y)),
                                 sparse=True)
    Q = X[150:].astype(np.float64)
    _same_bits(radius.predict(Q), RadiusNeighborsClassifier(3.0).fit(X, y).predict(Q), "radius")


def test_unsorted_training_rows_are_read_in_stored_order() -> None:
    # the sums over a training row (its norm, the sparse-dense middle term)
    # follow its stored order; dense and sparse queries both bitwise
    rng = np.random.default_rng(13)
    X = sp.random(300, 40, density=0.2, format="csr", random_state=13)
    y = rng.integers(0, 3, 300)
    unsorted = X.copy()
    for r in range(0, 300, 3):
        a, b = unsorted.indptr[r], unsorted.indptr[r + 1]
        unsorted.indices[a:b] = unsorted.indices[a:b][::-1].copy()
        unsorted.data[a:b] = unsorted.data[a:b][::-1].copy()
    unsorted.has_sorted_indices = False
    Qd = rng.normal(size=(80, 40))
    Qs = sp.random(80, 40, density=0.2, format="csr", random_state=14)
    for est in (KNeighborsClassifier(4), RadiusNeighborsClassifier(1.2, outlier_label=0)):
        m = est.fit(unsorted, y)
        assert not m._fit_X.has_sorted_indices
        dense = skseal.native.loads(skseal.dumps(m))
        sparse = skseal.native.loads(skseal.dumps(m), sparse=True)
        for meth in ("predict", "predict_proba"):
            _same_bits(getattr(dense, meth)(Qd), getattr(m, meth)(Qd), meth)
            _same_bits(getattr(sparse, meth)(Qs), getattr(m, meth)(Qs), meth)


_CPU_SCRIPT = """
import json, sys
import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
sys.path.insert(0, {tests!r})
from test_native_neighbors_sparse_queries import _docs, _labels
docs, y = _docs(600, 6), _labels(600, 7)
pipe = make_pipeline(CountVectorizer(), KNeighborsClassifier(5)).fit(docs[:400], y[:400])
print(json.dumps(pipe.predict_proba(docs[400:]).tolist()))
"""


def test_scikit_learns_own_tied_neighbours_depend_on_the_cpu() -> None:
    """Why ties are a bound and not bits: scikit-learn's answer on count data
    changes with numpy's sort kernels (AVX-512 or AVX2). Shown where the
    machine has AVX-512 (else both runs take the same kernels)."""
    import numpy._core._multiarray_umath as umath

    if not umath.__cpu_features__.get("X86_V4"):
        pytest.skip("no AVX-512: numpy takes one set of sort kernels only")
    code = _CPU_SCRIPT.format(tests=str(Path(__file__).parent))
    runs = []
    for extra in ({}, AVX2_ENV):
        env = {**os.environ, **extra}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, timeout=300, check=True)
        runs.append(np.array(json.loads(out.stdout)))
    differ = (runs[0] != runs[1]).any(axis=1).sum()
    assert differ > 10, differ


def test_without_avx512() -> None:
    """The same tests on numpy's AVX2 path and OpenBLAS's Haswell kernels."""
    replay_on_avx2(__file__, also_skip="depend_on_the_cpu")
