"""Parity of skseal.native with scikit-learn for meta-estimators (searches,
TransformedTargetRegressor, voting, multi-output, one-vs-rest, RFE), the *CV
linear models, FunctionTransformer with numpy functions and feature
selectors: every method compared bit for bit (same dtype), one refusal
test per refused setting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import (
    RandomForestClassifier,
    RandomForestRegressor,
    VotingClassifier,
    VotingRegressor,
)
from sklearn.linear_model import (
    ARDRegression,
    BayesianRidge,
    ElasticNetCV,
    HuberRegressor,
    Lars,
    LarsCV,
    LassoCV,
    LassoLars,
    LassoLarsCV,
    LassoLarsIC,
    LinearRegression,
    LogisticRegression,
    LogisticRegressionCV,
    MultiTaskElasticNet,
    MultiTaskLassoCV,
    OrthogonalMatchingPursuit,
    Ridge,
    RidgeClassifierCV,
    RidgeCV,
    SGDClassifier,
)
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.multioutput import MultiOutputRegressor
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from test_native_linear import _data, _methods, _native

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError


def _exact(model: Any, X: np.ndarray, tmp_path: Path, skip: tuple[str, ...] = ()) -> Any:
    """Every method scikit-learn has: bit-identical (same dtype) where the
    native model claims bitwise, else within the documented bound of the
    linear family (relative 1e-12 here)."""
    m = _native(model, tmp_path, X)
    for meth in _methods(model):
        if meth in skip:
            continue
        want = getattr(model, meth)(X)
        want = np.asarray(want.toarray() if hasattr(want, "toarray") else want)
        got = getattr(m, meth)(X)
        assert got.shape == want.shape, meth
        if want.dtype.kind in "OUSb" or got.dtype == object:
            assert list(got) == list(want), meth
            continue
        assert got.dtype == want.dtype, (meth, got.dtype, want.dtype)
        claim = m.exactness(meth)
        if claim.startswith("bitwise"):
            assert np.array_equal(got, want, equal_nan=True), (
                meth,
                claim,
                np.max(np.abs(got - want)),
            )
        else:
            assert claim.startswith("bounded"), claim
            assert np.allclose(got, want, rtol=1e-12, atol=1e-15, equal_nan=True), meth
    return m


def _refused(model: Any, tmp_path: Path, words: str) -> None:
    p = tmp_path / "r.skseal"
    skseal.dump(model, p)
    with pytest.raises(UnsupportedModelError, match=words):
        skseal.native.load(p)


def _rows(X: np.ndarray) -> list[np.ndarray]:
    """The whole matrix, one row, and two rows (one-row reductions differ in numpy)."""
    return [X, X[:1], X[3:5]]


def _clf_data(seed: int, k: int = 3, n: int = 240) -> tuple[np.ndarray, np.ndarray]:
    X, _ = _data(seed, n=n)
    y = np.digitize(X[:, 0] + X[:, 1] / 3, np.quantile(X[:, 0], np.linspace(0, 1, k + 1)[1:-1]))
    return X, y


# ---------------------------------------------------------------- searches


def test_search_delegates_to_best_estimator(tmp_path: Path) -> None:
    X, y = _clf_data(1)
    g = GridSearchCV(RandomForestClassifier(random_state=0), {"n_estimators": [3, 5]}, cv=3)
    r = RandomizedSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression()),
        {"logisticregression__C": [0.1, 1.0, 10.0]},
        n_iter=2,
        cv=3,
        random_state=0,
    )
    for model in (g.fit(X, y), r.fit(X, y)):
        for Xs in _rows(X):
            m = _exact(model, Xs, tmp_path)
        assert list(m.classes_) == list(model.classes_)
        assert m.n_features_in_ == 6


def test_search_without_refit_is_refused(tmp_path: Path) -> None:
    X, y = _clf_data(2)
    g = GridSearchCV(DecisionTreeClassifier(), {"max_depth": [2, 3]}, cv=3, refit=False)
    _refused(g.fit(X, y), tmp_path, "refit=False")


# ---------------------------------------------------------------- *CV and other linear models


@pytest.mark.parametrize(
    "factory",
    [
        lambda: ElasticNetCV(cv=3),
        lambda: LassoCV(cv=3),
        lambda: RidgeCV(),
        lambda: Lars(),
        lambda: LassoLars(alpha=0.01),
        lambda: LarsCV(cv=3),
        lambda: LassoLarsCV(cv=3),
        lambda: LassoLarsIC(),
        lambda: OrthogonalMatchingPursuit(),
        lambda: BayesianRidge(),
        lambda: ARDRegression(),
        lambda: HuberRegressor(),
    ],
)
def test_linear_cv_regressors(tmp_path: Path, factory: Any) -> None:
    X, y = _data(3, d=8)
    model = factory().fit(X, y)
    for Xs in _rows(X):
        _exact(model, Xs, tmp_path)


def test_multitask_and_multi_target_cv(tmp_path: Path) -> None:
    X, y = _data(4, d=5)
    Y = np.column_stack([y, 2 * y + X[:, 0]])
    for model in (
        RidgeCV().fit(X, Y),
        MultiTaskElasticNet().fit(X, Y),
        MultiTaskLassoCV(cv=3).fit(X, Y),
    ):
        for Xs in _rows(X):
            _exact(model, Xs, tmp_path)


@pytest.mark.parametrize("k", [2, 3])
def test_linear_cv_classifiers(tmp_path: Path, k: int) -> None:
    X, y = _clf_data(5, k=k)
    for model in (LogisticRegressionCV(cv=3).fit(X, y), RidgeClassifierCV().fit(X, y)):
        for Xs in _rows(X):
            _exact(model, Xs, tmp_path)


# ------------------------------------ FunctionTransformer, TransformedTargetRegressor


@pytest.mark.parametrize("func", [np.log1p, np.expm1, np.exp, np.log, np.sqrt])
def test_function_transformer_numpy(tmp_path: Path, func: Any) -> None:
    X, y = _data(6, d=4)
    Xp = np.abs(X) / 3
    for validate in (False, True):
        model = make_pipeline(FunctionTransformer(func, validate=validate), LinearRegression())
        model.fit(Xp, y)
        _exact(model, Xp, tmp_path)
        _exact(model[0], Xp, tmp_path)


def test_function_transformer_refusals(tmp_path: Path) -> None:
    X = np.abs(_data(7, d=3)[0])
    _refused(FunctionTransformer(np.sin).fit(X), tmp_path, "numpy.sin")
    _refused(FunctionTransformer(np.exp, kw_args={"dtype": "float64"}).fit(X), tmp_path, "kw_args")


@pytest.mark.parametrize(
    "kw",
    [
        {"func": np.log1p, "inverse_func": np.expm1},
        {"func": np.log, "inverse_func": np.exp},
        {"func": None, "inverse_func": None},
        {"transformer": StandardScaler()},
    ],
)
def test_transformed_target(tmp_path: Path, kw: dict[str, Any]) -> None:
    X, y = _data(8, d=5)
    yp = np.abs(y) + 0.5
    for reg in (Ridge(), DecisionTreeRegressor(max_depth=4, random_state=0)):
        model = TransformedTargetRegressor(reg, check_inverse=False, **kw).fit(X, yp)
        for Xs in _rows(X):
            _exact(model, Xs, tmp_path)
    # a 2-D y of one column keeps its column
    model = TransformedTargetRegressor(Ridge(), check_inverse=False, **kw).fit(X, yp[:, None])
    _exact(model, X, tmp_path)


def test_transformed_target_refusals(tmp_path: Path) -> None:
    X, y = _data(9, d=3)
    yp = np.abs(y) + 0.5
    model = TransformedTargetRegressor(
        Ridge(), func=np.sqrt, inverse_func=np.square, check_inverse=False
    )
    _refused(model.fit(X, yp), tmp_path, "numpy.square")
    model = TransformedTargetRegressor(Ridge(), transformer=MinMaxScaler())
    _refused(model.fit(X, yp), tmp_path, "MinMaxScaler")


# ---------------------------------------------------------------- voting


@pytest.mark.parametrize("weights", [None, [0.3, 1.7, 0.2, 0.9, 1.1, 0.4, 2.5, 0.6, 1.3, 0.7]])
def test_voting_classifier(tmp_path: Path, weights: Any) -> None:
    X, y = _clf_data(10, k=3)
    ests = [
        (
            f"e{i}",
            DecisionTreeClassifier(max_depth=2 + i % 4, random_state=i)
            if i % 2
            else LogisticRegression(C=0.1 * (i + 1)),
        )
        for i in range(10)
    ]
    for voting in ("soft", "hard"):
        model = VotingClassifier(ests, voting=voting, weights=weights).fit(X, y.astype(str))
        skip = ("transform",) if voting == "hard" else ()
        for Xs in _rows(X):
            m = _exact(model, Xs, tmp_path, skip)
        assert list(m.classes_) == list(model.classes_)
        if voting == "hard":
            with pytest.raises(AttributeError, match="no method transform"):
                m.transform(X)


def test_voting_with_drop(tmp_path: Path) -> None:
    X, y = _clf_data(11, k=2)
    model = VotingClassifier(
        [("a", LogisticRegression()), ("b", "drop"), ("c", DecisionTreeClassifier(max_depth=3))],
        voting="soft",
        weights=[2.0, 5.0, 1.0],
    ).fit(X, y)
    _exact(model, X, tmp_path)


@pytest.mark.parametrize("weights", [None, [0.3, 1.7, 0.2, 0.9, 1.1, 0.4, 2.5, 0.6, 1.3, 0.7]])
def test_voting_regressor(tmp_path: Path, weights: Any) -> None:
    X, y = _data(12, d=5)
    ests = [
        (
            f"e{i}",
            DecisionTreeRegressor(max_depth=2 + i % 5, random_state=i) if i % 2 else Ridge(alpha=i),
        )
        for i in range(10)
    ]
    model = VotingRegressor(ests, weights=weights).fit(X, y)
    for Xs in _rows(X):
        _exact(model, Xs, tmp_path)


# ---------------------------------------------------------------- multi-output, one-vs-rest


def test_multi_output_regressor(tmp_path: Path) -> None:
    X, y = _data(13, d=5)
    Y = np.column_stack([y, -y, X[:, 0]])
    for base in (Ridge(), RandomForestRegressor(5, random_state=0)):
        model = MultiOutputRegressor(base).fit(X, Y)
        for Xs in _rows(X):
            _exact(model, Xs, tmp_path)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_one_vs_rest(tmp_path: Path, k: int) -> None:
    X, y = _clf_data(14, k=k)
    for base in (
        LogisticRegression(),
        DecisionTreeClassifier(max_depth=3, random_state=0),
        SGDClassifier(loss="modified_huber", random_state=0),
        Ridge(),
    ):
        model = OneVsRestClassifier(base).fit(X, y)
        for Xs in _rows(X):
            _exact(model, Xs, tmp_path)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_one_vs_one(tmp_path: Path, k: int) -> None:
    # votes and confidences of every pair (_ovr_decision_function), string labels too
    X, y = _clf_data(16, k=k)
    names = np.array(["ant", "bee", "cat", "dog", "eel"])[y]
    for base in (
        LogisticRegression(),
        DecisionTreeClassifier(max_depth=3, random_state=0),  # predict_proba's column
        LinearSVC(),
        GaussianNB(),
    ):
        model = OneVsOneClassifier(base).fit(X, y)
        for Xs in _rows(X):
            _exact(model, Xs, tmp_path)
    _exact(OneVsOneClassifier(LogisticRegression()).fit(X, names), X, tmp_path)


def test_one_vs_one_refusals(tmp_path: Path) -> None:
    X, y = _clf_data(17, k=3)
    _refused(OneVsOneClassifier(SVC(kernel="precomputed")).fit(X @ X.T, y), tmp_path,
             "precomputed kernel")
    _refused(OneVsOneClassifier(Ridge()).fit(X, y), tmp_path, "regressor")


def test_one_vs_rest_multilabel_refused(tmp_path: Path) -> None:
    X, y = _clf_data(15, k=3)
    Y = np.column_stack([y == 0, y == 1, y >= 1]).astype(int)
    _refused(OneVsRestClassifier(LogisticRegression()).fit(X, Y), tmp_path, "multilabel")


# ---------------------------------------------------------------- selectors, bins


def _selectors() -> list[Any]:
    from sklearn.feature_selection import (
        GenericUnivariateSelect,
        SelectFdr,
        SelectFpr,
        SelectFwe,
        SelectKBest,
        SelectPercentile,
        VarianceThreshold,
        f_classif,
    )

    return [
        VarianceThreshold(0.5),
        SelectKBest(k=3),
        SelectKBest(k="all"),
        SelectPercentile(percentile=40),
        SelectPercentile(percentile=50),
        SelectFpr(alpha=0.2),
        SelectFwe(alpha=0.2),
        SelectFdr(alpha=0.2),
        GenericUnivariateSelect(f_classif, mode="k_best", param=2),
        GenericUnivariateSelect(f_classif, mode="percentile", param=30),
        GenericUnivariateSelect(f_classif, mode="fdr", param=0.3),
    ]


@pytest.mark.parametrize("k", range(11))
def test_selectors(tmp_path: Path, k: int) -> None:
    X, y = _clf_data(16, k=2)
    X = np.column_stack([X, X[:, :3], np.zeros(len(X))])  # duplicated columns tie in scores
    sel = _selectors()[k]
    model = make_pipeline(sel, LogisticRegression()).fit(X, y)
    for Xs in _rows(X):
        _exact(model, Xs, tmp_path)
        _exact(model[0], Xs, tmp_path)


def test_selector_ties_and_nan_scores(tmp_path: Path) -> None:
    from sklearn.feature_selection import SelectKBest, SelectPercentile

    X, y = _clf_data(17, k=2)
    for sel in (SelectKBest(k=4), SelectPercentile(percentile=25), SelectPercentile(percentile=70)):
        sel.fit(X, y)
        sel.scores_ = np.array([2.0, np.nan, 2.0, 1.0, 2.0, 0.5])
        _exact(sel, X, tmp_path)


def test_rfe(tmp_path: Path) -> None:
    from sklearn.feature_selection import RFE, RFECV

    X, y = _clf_data(18, k=3)
    for model in (
        RFE(LogisticRegression(), n_features_to_select=3).fit(X, y),
        RFECV(DecisionTreeClassifier(max_depth=3, random_state=0), cv=3).fit(X, y),
        make_pipeline(
            RFE(DecisionTreeClassifier(random_state=0), n_features_to_select=2), StandardScaler()
        ).fit(X, y),
        make_pipeline(StandardScaler(), RFE(LogisticRegression(), n_features_to_select=4)).fit(
            X, y
        ),
    ):
        for Xs in _rows(X):
            _exact(model, Xs, tmp_path)


@pytest.mark.parametrize("encode", ["ordinal", "onehot", "onehot-dense"])
@pytest.mark.parametrize("strategy", ["uniform", "quantile", "kmeans"])
def test_kbins(tmp_path: Path, encode: str, strategy: str) -> None:
    from sklearn.preprocessing import KBinsDiscretizer

    X, y = _clf_data(20, k=2)
    kw = {"quantile_method": "averaged_inverted_cdf"} if strategy == "quantile" else {}
    kb = KBinsDiscretizer(n_bins=4, encode=encode, strategy=strategy, **kw)
    model = make_pipeline(kb, LogisticRegression()).fit(X, y)
    Xt = np.vstack([X, X.min(axis=0) - 1, X.max(axis=0) + 1, kb.bin_edges_[0][1] * np.ones(6)])
    _exact(model, Xt, tmp_path)
    _exact(model[0], Xt, tmp_path)


def test_kbins_float32_refused(tmp_path: Path) -> None:
    from sklearn.preprocessing import KBinsDiscretizer

    X, _ = _clf_data(21, k=2)
    _refused(
        KBinsDiscretizer(n_bins=3, encode="ordinal", dtype=np.float32).fit(X), tmp_path, "dtype"
    )


def test_binarizer(tmp_path: Path) -> None:
    from sklearn.preprocessing import Binarizer

    X, _ = _clf_data(22, k=2)
    for t in (0.0, 0.7, -1.0):
        _exact(
            Binarizer(threshold=t).fit(X), np.vstack([X, np.zeros(6), np.full(6, 0.7)]), tmp_path
        )
