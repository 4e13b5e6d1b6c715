"""Sparse input: a model fitted on a scipy sparse matrix (a classifier trained
on a vectorizer's output outside it, a pipeline starting with
TfidfTransformer on counts) loaded with ``skseal.native.load(..., sparse=True)``
computes on CSR input as scikit-learn does, bitwise: scipy's CSR products,
CSR kept between steps. Everything else is refused with a clear message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from avx2_path import replay_on_avx2
from sklearn.calibration import CalibratedClassifierCV
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import (
    AdaBoostClassifier,
    BaggingClassifier,
    BaggingRegressor,
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.feature_selection import SelectKBest, VarianceThreshold, chi2
from sklearn.kernel_approximation import Nystroem
from sklearn.linear_model import (
    LinearRegression,
    LogisticRegression,
    Ridge,
    RidgeClassifier,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.model_selection import GridSearchCV
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import MultiOutputClassifier
from sklearn.naive_bayes import BernoulliNB, ComplementNB, MultinomialNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, Normalizer, StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor, ExtraTreeClassifier
from test_native_linear import _methods
from test_native_neighbors_sparse_queries import _ties_by_row

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError

ROWS, COLS = 400, 60


def _counts(seed: int, rows: int = ROWS) -> sp.csr_matrix:
    """Non-negative sparse counts (what a vectorizer gives), int64."""
    m = sp.random(rows, COLS, density=0.08, format="csr", random_state=seed,
                  data_rvs=lambda n: np.random.default_rng(seed).integers(1, 6, n))
    return m.astype(np.int64)


def _reals(seed: int, rows: int = ROWS) -> sp.csr_matrix:
    """Signed sparse float64 values."""
    return sp.random(rows, COLS, density=0.1, format="csr", random_state=seed,
                     data_rvs=lambda n: np.random.default_rng(seed).normal(size=n))


X_FIT = _counts(0)
Y3 = np.arange(ROWS) % 3
YR = np.linspace(-1.0, 2.0, ROWS)
# new rows, in every form scikit-learn converts to CSR as scipy does
X_NEW = _counts(1)
FORMS = [X_NEW, X_NEW.tocsc(), X_NEW.tocoo(), sp.csr_array(X_NEW), X_NEW[:1], X_NEW[5:9],
         X_NEW.astype(np.float64), X_NEW.astype(np.int32)]


def _load(model: Any, tmp_path: Path, sparse: bool = True) -> skseal.native.NativeModel:
    p = tmp_path / "m.skseal"
    skseal.dump(model, p)
    return skseal.native.load(p, sparse=sparse)


def _exact(model: Any, tmp_path: Path, forms: list[Any] = FORMS) -> None:
    m = _load(model, tmp_path)
    assert m.sparse
    meths = [k for k in _methods(model) if k in m.methods]
    assert meths, model
    for meth in meths:
        claim = m.exactness(meth)
        for X in forms:
            want = getattr(model, meth)(X)
            got = getattr(m, meth)(X)
            if isinstance(want, list):
                # several outputs' probabilities: scikit-learn's list
                assert claim.startswith("bitwise") and len(got) == len(want), claim
                assert all(g.tobytes() == w.tobytes() for g, w in zip(got, want, strict=True))
                continue
            want = np.asarray(want.toarray() if sp.issparse(want) else want)
            assert got.shape == want.shape, (meth, type(X))
            if want.dtype.kind in "OUSb" or claim.startswith("bitwise"):
                assert np.array_equal(got, want), (model, meth, type(X), claim)
            else:
                # only _logsumexp's SVML log1p (naive Bayes probabilities)
                assert "log1p" in claim, claim
                assert np.allclose(got, want, rtol=1e-13, atol=0), (model, meth)


LINEAR = [
    lambda: LogisticRegression(max_iter=1000),
    lambda: SGDClassifier(random_state=0),
    lambda: SGDClassifier(loss="log_loss", random_state=0),
    lambda: LinearSVC(),
    lambda: RidgeClassifier(),
]


@pytest.mark.parametrize("est", range(len(LINEAR)))
@pytest.mark.parametrize("y", ["binary", "multi", "strings"])
def test_linear_classifiers(tmp_path: Path, est: int, y: str) -> None:
    target = {"binary": Y3 % 2, "multi": Y3, "strings": np.array(["a", "b", "c"])[Y3]}[y]
    _exact(LINEAR[est]().fit(X_FIT, target), tmp_path)


@pytest.mark.parametrize("reg", [LinearRegression, Ridge, lambda: SGDRegressor(random_state=0)])
def test_linear_regressors(tmp_path: Path, reg: Any) -> None:
    _exact(reg().fit(_reals(2), YR), tmp_path, [_reals(3), _reals(3).tocsc(), _reals(3)[:1]])


@pytest.mark.parametrize("nb", [lambda: MultinomialNB(), lambda: ComplementNB(),
                                lambda: ComplementNB(norm=True), lambda: BernoulliNB(),
                                lambda: BernoulliNB(binarize=2.5)])
def test_naive_bayes(tmp_path: Path, nb: Any) -> None:
    _exact(nb().fit(X_FIT, Y3), tmp_path)


PIPELINES = [
    lambda: make_pipeline(TfidfTransformer(), LogisticRegression(max_iter=1000)),
    lambda: make_pipeline(TfidfTransformer(sublinear_tf=True), MaxAbsScaler(), LinearSVC()),
    lambda: make_pipeline(MaxAbsScaler(), SelectKBest(chi2, k=25), MultinomialNB()),
    lambda: make_pipeline(VarianceThreshold(0.1), Normalizer(), SGDClassifier(random_state=0)),
    lambda: make_pipeline(StandardScaler(with_mean=False), LogisticRegression(max_iter=1000)),
    lambda: make_pipeline(TfidfTransformer(), TruncatedSVD(8, random_state=0),
                          LogisticRegression(max_iter=1000)),
    lambda: make_pipeline(TfidfTransformer(), make_pipeline(MaxAbsScaler(), RidgeClassifier())),
    lambda: make_pipeline(TfidfTransformer(), CalibratedClassifierCV(LinearSVC(), cv=3)),
    lambda: OneVsRestClassifier(make_pipeline(MaxAbsScaler(), LogisticRegression(max_iter=500))),
    lambda: GridSearchCV(make_pipeline(TfidfTransformer(), LogisticRegression(max_iter=500)),
                         {"logisticregression__C": [0.5, 2.0]}, cv=3),
]


@pytest.mark.parametrize("pipe", range(len(PIPELINES)))
def test_pipelines_and_meta_estimators(tmp_path: Path, pipe: int) -> None:
    """Each step takes the CSR matrix the step before it gives, as in
    scikit-learn. After TruncatedSVD's dense output the model computes as on
    dense input: a binary target keeps its product bitwise (a multinomial
    coefficient matrix is Fortran-ordered, within the bound)."""
    model = PIPELINES[pipe]()
    _exact(model.fit(X_FIT, Y3 % 2 if "truncatedsvd" in model.get_params() else Y3), tmp_path)


def test_transformers_alone(tmp_path: Path) -> None:
    for tr in [TfidfTransformer(), MaxAbsScaler(), Normalizer("l1"), SelectKBest(chi2, k=9),
               TruncatedSVD(5, random_state=0)]:
        _exact(tr.fit(X_FIT, Y3), tmp_path)


def test_large_input_in_parallel_batches(tmp_path: Path) -> None:
    """Above two batches of rows a batchable model runs them on all cores;
    every row the same bits."""
    big = _counts(7, rows=5000)
    _exact(make_pipeline(TfidfTransformer(), LogisticRegression(max_iter=500)).fit(X_FIT, Y3),
           tmp_path, [big])


TREES = [
    lambda: DecisionTreeClassifier(random_state=0),
    lambda: RandomForestClassifier(n_estimators=15, random_state=0),
    lambda: ExtraTreesClassifier(n_estimators=15, random_state=0),
    lambda: GradientBoostingClassifier(n_estimators=20, random_state=0),
    lambda: DecisionTreeRegressor(random_state=0),
    lambda: RandomForestRegressor(n_estimators=15, random_state=0),
    lambda: GradientBoostingRegressor(n_estimators=20, random_state=0),
    lambda: make_pipeline(TfidfTransformer(), MaxAbsScaler(),
                          RandomForestClassifier(n_estimators=10, random_state=0)),
    lambda: AdaBoostClassifier(DecisionTreeClassifier(max_depth=2, random_state=0),
                               n_estimators=15, random_state=0),
    lambda: MultiOutputClassifier(make_pipeline(TfidfTransformer(), LogisticRegression())),
]


@pytest.mark.parametrize("tree", range(len(TREES)))
def test_trees(tmp_path: Path, tree: int) -> None:
    """`_apply_sparse_csr` and the sparse boosting stages read a row's stored
    values (float32) and 0 elsewhere: the walk of the dense numbers."""
    model = TREES[tree]()
    regressor = "Regressor" in type(model).__name__
    y = np.column_stack([Y3, Y3 % 2]) if isinstance(model, MultiOutputClassifier) else Y3
    _exact(model.fit(_reals(4) if regressor else X_FIT, YR if regressor else y), tmp_path,
           [_reals(5), _reals(5).tocsc(), _reals(5)[:1]] if regressor else FORMS)


def test_trees_refuse_nan_and_values_beyond_float32_in_sparse_input(tmp_path: Path) -> None:
    """A forest that routes missing values in a dense array refuses NaN in a
    sparse one, as scikit-learn does."""
    dense = X_FIT.toarray().astype(np.float64)
    dense[::7, 3] = np.nan
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(dense, Y3)
    with pytest.raises(ValueError, match="NaN"):
        forest.predict(sp.csr_matrix(dense))
    m = _load(forest, tmp_path)
    with pytest.raises(ValueError, match=r"row 0, column 3: NaN"):
        m.predict(sp.csr_matrix(dense))
    big = X_NEW.astype(np.float64)
    big.data[0] = 1e300
    with pytest.raises(ValueError, match="too large for float32"):
        m.predict(big)


def test_models_that_compute_otherwise_on_sparse_input_are_refused(tmp_path: Path) -> None:
    knn = KNeighborsClassifier(3).fit(X_FIT.toarray().astype(np.float64), Y3)
    with pytest.raises(UnsupportedModelError, match="KNeighborsClassifier given a sparse"):
        _load(knn, tmp_path)
    # fitted on sparse input, it keeps CSR training rows: sparse queries as scikit-learn's
    # sparse-sparse fallback measures them, ties by training row (scikit-learn orders them by
    # the CPU's argpartition: tests/test_native_neighbors_sparse_queries.py), dense ones as
    # scikit-learn computes them (tests/test_native_neighbors_sparse.py)
    on_sparse = KNeighborsClassifier(3).fit(X_FIT.astype(np.float64), Y3)
    q = X_NEW.astype(np.float64).tocsr()
    assert np.array_equal(_load(on_sparse, tmp_path, sparse=True).predict_proba(q),
                          _ties_by_row(on_sparse, q, "predict_proba"))
    # int64 counts kept as they are: scikit-learn's reductions refuse them for dense queries
    # and it falls back on np.argpartition, not reproduced; refused when they come
    ints = _load(KNeighborsClassifier(3).fit(X_FIT, Y3), tmp_path, sparse=False)
    with pytest.raises(UnsupportedModelError, match=r"dense queries .*_fit_X is of dtype <i8"):
        ints.predict(X_NEW.toarray().astype(np.float64))
    dense_q = X_NEW.toarray().astype(np.float64)
    assert np.array_equal(_load(on_sparse, tmp_path, sparse=False).predict_proba(dense_q),
                          on_sparse.predict_proba(dense_q))
    # a fitted sparse matrix native inference does not read is named, with or without sparse=True
    nystroem = Nystroem(n_components=5, random_state=0).fit(X_FIT)
    for sparse in (True, False):
        with pytest.raises(UnsupportedModelError, match=r"fitted scipy sparse .*model.components_"):
            _load(nystroem, tmp_path, sparse=sparse)
    dense_first = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_FIT.toarray(), Y3)
    with pytest.raises(UnsupportedModelError, match="Pipeline given a sparse matrix"):
        _load(dense_first, tmp_path)
    # the same file loads for dense input
    assert not _load(knn, tmp_path, sparse=False).sparse


def test_input_that_does_not_match_the_load_is_refused(tmp_path: Path) -> None:
    model = LogisticRegression(max_iter=1000).fit(X_FIT, Y3)
    sparse_model = _load(model, tmp_path)
    with pytest.raises(ValueError, match="loaded with sparse=True"):
        sparse_model.predict(X_NEW.toarray())
    dense_model = _load(model, tmp_path, sparse=False)
    with pytest.raises(ValueError, match="loaded for dense input"):
        dense_model.predict(X_NEW)
    # a dense model keeps the dense arithmetic, as scikit-learn on a dense array
    assert np.array_equal(dense_model.predict(X_NEW.toarray()), model.predict(X_NEW.toarray()))


def test_bad_sparse_input_is_refused_with_what_and_where(tmp_path: Path) -> None:
    m = _load(LogisticRegression(max_iter=1000).fit(X_FIT, Y3), tmp_path)
    with pytest.raises(ValueError, match="float32 values"):
        m.predict(X_NEW.astype(np.float32))
    with pytest.raises(ValueError, match="expecting 60|60 features|has 59"):
        m.predict(X_NEW[:, :59])
    nan = X_NEW.astype(np.float64)
    nan.data[3] = np.nan
    row = int(np.searchsorted(nan.indptr, 3, side="right") - 1)
    with pytest.raises(ValueError, match=rf"NaN \(row {row}, column {nan.indices[3]}\)"):
        m.predict(nan)
    # scikit-learn computes on an unsorted or repeated row in its stored
    # order; native inference refuses it rather than guess
    unsorted = sp.csr_matrix((np.array([1.0, 2.0]), np.array([5, 2]), np.array([0, 2])),
                             shape=(1, COLS))
    with pytest.raises(ValueError, match=r"row 0 .* unsorted or repeated \(column 5 then 2\)"):
        m.predict(unsorted)
    unsorted.sum_duplicates()
    assert np.array_equal(m.predict_proba(unsorted), m.predict_proba(unsorted.tocsr()))


def test_probe_of_dense_rows_is_not_checked_on_a_sparse_load(tmp_path: Path) -> None:
    model = LogisticRegression(max_iter=1000).fit(X_FIT.toarray(), Y3)
    p = tmp_path / "probe.skseal"
    skseal.dump(model, p, probe=X_FIT.toarray()[:4])
    passed, text = skseal.native.load(p, sparse=True).check_probe()
    assert passed and "dense" in text, text
    passed, text = skseal.native.load(p).check_probe()
    assert passed and "not checked" not in text, text


def test_sparse_input_without_avx512() -> None:
    replay_on_avx2(__file__)


def test_sparse_probe_is_checked_on_a_sparse_load(tmp_path: Path) -> None:
    """A probe of CSR rows (float64 or integer values) is re-run natively on
    a model loaded with sparse=True; a dense load reports it not checked
    (as `skseal serve` then does), and so does another sparse format."""
    model = make_pipeline(TfidfTransformer(), LogisticRegression(max_iter=1000)).fit(X_FIT, Y3)
    p = tmp_path / "probe.skseal"
    for probe in (X_NEW[:6], X_NEW[:6].astype(np.float64)):
        skseal.dump(model, p, probe=probe)
        passed, text = skseal.native.load(p, sparse=True).check_probe()
        assert passed and "predict_proba(): bitwise equal" in text, text
        skseal.native.load(p, sparse=True, verify=True)
        passed, text = skseal.native.load(p).check_probe()
        assert passed and "load the model with sparse=True" in text, text
    skseal.dump(model, p, probe=X_NEW[:6].tocsc())
    passed, text = skseal.native.load(p, sparse=True).check_probe()
    assert passed and "only CSR" in text, text
    skseal.dump(model, p, probe=X_NEW[:6].astype(np.float32))
    passed, text = skseal.native.load(p, sparse=True).check_probe()
    assert passed and "not float64 or integers" in text, text


@pytest.mark.parametrize("bag", [
    lambda: BaggingClassifier(DecisionTreeClassifier(random_state=0), n_estimators=8,
                              max_features=0.6, random_state=0),
    lambda: BaggingClassifier(ExtraTreeClassifier(random_state=0), n_estimators=6,
                              max_features=0.7, bootstrap_features=True, random_state=0),
    lambda: BaggingRegressor(DecisionTreeRegressor(random_state=0), n_estimators=6,
                             random_state=0),
])
def test_bagging(tmp_path: Path, bag: Any) -> None:
    """Bagged trees walk the numbers of `X[:, features]`, bitwise. A bagged
    linear model is refused: scipy's `X[:, features]` keeps each row's
    entries in the original column order, so its product adds them in an
    order native inference does not model (measured: 1 ulp apart)."""
    model = bag()
    regressor = isinstance(model, BaggingRegressor)
    model.fit(_reals(4) if regressor else X_FIT, YR if regressor else Y3)
    m = _load(model, tmp_path)
    forms = [_reals(5), _reals(5)[:1]] if regressor else [X_NEW, X_NEW.tocsc(), X_NEW[:1]]
    for meth in [k for k in _methods(model) if k in m.methods]:
        for X in forms:
            want, got = getattr(model, meth)(X), getattr(m, meth)(X)
            assert np.asarray(got).tolist() == np.asarray(want).tolist(), (meth, type(X))
    nan = X_NEW.astype(np.float64)
    nan.data[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        m.predict(nan)


def test_bagged_linear_models_refuse_sparse_input(tmp_path: Path) -> None:
    model = BaggingClassifier(LogisticRegression(max_iter=500), n_estimators=3,
                              max_features=0.7, random_state=0).fit(X_FIT, Y3)
    with pytest.raises(UnsupportedModelError, match="BaggingClassifier given a sparse matrix"):
        _load(model, tmp_path)


def test_index_arrays_of_either_width_and_bad_ones(tmp_path: Path) -> None:
    """scipy's int32 or int64 index arrays are both read; a negative index
    (which scipy itself would refuse) and a 1-D sparse array are refused
    with what is wrong."""
    model = LogisticRegression(max_iter=1000).fit(X_FIT, Y3)
    m = _load(model, tmp_path)
    wide = X_NEW.copy()
    wide.indices, wide.indptr = wide.indices.astype(np.int64), wide.indptr.astype(np.int64)
    assert wide.indices.dtype == np.int64
    assert m.predict_proba(wide).tobytes() == model.predict_proba(X_NEW).tobytes()
    bad = ("csr", np.array([1.0]), np.array([-1], dtype=np.int64),
           np.array([0, 1], dtype=np.int64), 1, COLS)
    with pytest.raises(ValueError, match="indices has a negative entry"):
        m._m.run("predict", bad)
    with pytest.raises(ValueError, match="Expected a 2-D sparse matrix, got 1-D"):
        m.predict(sp.coo_array(np.array([1.0, 0.0, 2.0])))


@pytest.mark.parametrize("max_features", [1.0, 0.5])
def test_isolation_forest(tmp_path: Path, max_features: float) -> None:
    """IsolationForest scores CSR input with `tree.apply` on it (after
    `X[:, features]` when it draws features): a row's stored values as
    float32 and 0 elsewhere, the walk of the dense numbers. NaN, which a
    dense walk and a sparse one send different ways, is refused."""
    from sklearn.ensemble import IsolationForest

    model = IsolationForest(n_estimators=30, max_features=max_features, random_state=0)
    model.fit(_reals(6))
    forms = [_reals(7), _reals(7).tocsc(), sp.csr_array(_reals(7))[:3], X_NEW.astype(np.float64)]
    m = _load(model, tmp_path)
    for meth in ("predict", "score_samples", "decision_function"):
        assert meth in m.methods and m.exactness(meth).startswith("bitwise")
        for X in forms:
            assert np.array_equal(getattr(m, meth)(X), getattr(model, meth)(X)), (meth, type(X))
    bad = _reals(7).astype(np.float64)
    bad.data[2] = np.nan
    with pytest.raises(ValueError, match=r"row \d+, column \d+: NaN in a sparse matrix"):
        m.score_samples(bad)
