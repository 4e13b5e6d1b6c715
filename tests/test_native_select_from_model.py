"""Native SelectFromModel: the mask scikit-learn computes at transform time
from the fitted estimator (coef_ norms, tree and forest importances,
thresholds, max_features), reproduced bit for bit.

The strongest checks put the threshold exactly on each score scikit-learn
computes (`scores < threshold` keeps a score equal to it): a native score
one ulp off drops or keeps that feature differently, and the transform's
shape and values show it."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import (
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectFromModel
from sklearn.feature_selection._base import _get_feature_importances
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier, ExtraTreeRegressor
from test_native_compose import _clf_data, _exact, _refused, _rows

import skseal
import skseal.native


def _fit(model: Any, X: np.ndarray, y: np.ndarray) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _scores(sel: SelectFromModel) -> np.ndarray:
    est = getattr(sel, "estimator_", sel.estimator)
    return np.asarray(_get_feature_importances(est, sel.importance_getter, "norm",
                                               sel.norm_order))


def _same_transform(sel: Any, X: np.ndarray, tmp_path: Path) -> None:
    for Xr in _rows(X):
        _exact(sel, Xr, tmp_path)


def _on_every_score(sel: SelectFromModel, X: np.ndarray, tmp_path: Path) -> int:
    """Threshold exactly on each score in turn (prefit, no refit): returns
    how many distinct masks were checked."""
    scores = _scores(sel)
    masks = set()
    for s in np.unique(scores):
        probe = SelectFromModel(sel.estimator_, threshold=float(s), prefit=True,
                                norm_order=sel.norm_order,
                                importance_getter=sel.importance_getter).fit(X)
        assert np.array_equal(probe.get_support(), scores >= s)
        masks.add(tuple(probe.get_support()))
        _exact(probe, X, tmp_path)
    assert len(masks) == len(np.unique(scores))
    return len(masks)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("norm_order", [1, 2, np.inf, -np.inf])
def test_coef_norms_on_every_score(tmp_path: Path, k: int, norm_order: Any) -> None:
    X, y = _clf_data(40 + k, k=k)
    sel = _fit(SelectFromModel(LogisticRegression(max_iter=500), norm_order=norm_order), X, y)
    _same_transform(sel, X, tmp_path)
    assert _on_every_score(sel, X, tmp_path) >= X.shape[1] - 1


@pytest.mark.parametrize("threshold", [None, "mean", "median", "1.25*mean", " 0.5 * median",
                                       0.05, -np.inf, "inf*mean"])
def test_thresholds(tmp_path: Path, threshold: Any) -> None:
    X, y = _clf_data(50, k=3)
    sel = _fit(SelectFromModel(LogisticRegression(max_iter=500), threshold=threshold), X, y)
    _same_transform(sel, X, tmp_path)


@pytest.mark.parametrize(("make", "regression"), [
    (lambda: LogisticRegression(l1_ratio=1.0, solver="saga", C=0.05, max_iter=2000), False),
    (lambda: LinearSVC(penalty="l1", C=0.02), False),
    (lambda: Lasso(alpha=0.05), True),
    (lambda: ElasticNet(alpha=0.05, l1_ratio=1.0), True),
    (lambda: ElasticNet(alpha=0.05, l1_ratio=0.5), True),
    (lambda: Ridge(alpha=1.0), True),
])
def test_default_threshold_l1_or_mean(tmp_path: Path, make: Any, regression: bool) -> None:
    """threshold=None: 1e-5 for an l1-penalised estimator, else the mean."""
    X, y = _clf_data(51, k=2)
    X = StandardScaler().fit_transform(X)
    sel = _fit(SelectFromModel(make()), X, y.astype(float) if regression else y)
    _same_transform(sel, X, tmp_path)
    assert _on_every_score(sel, X, tmp_path) >= 1


@pytest.mark.parametrize("max_features", [1, 3, 6])
@pytest.mark.parametrize("threshold", [None, -np.inf])
def test_max_features(tmp_path: Path, max_features: int, threshold: Any) -> None:
    X, y = _clf_data(52, k=3)
    sel = _fit(SelectFromModel(RandomForestClassifier(n_estimators=7, random_state=0),
                               max_features=max_features, threshold=threshold), X, y)
    assert sel.get_support().sum() <= max_features
    _same_transform(sel, X, tmp_path)
    sel = _fit(SelectFromModel(LogisticRegression(max_iter=500), max_features=max_features,
                               threshold=threshold), X, y)
    _same_transform(sel, X, tmp_path)


def test_max_features_ties_keep_the_first(tmp_path: Path) -> None:
    X, y = _clf_data(53, k=2)
    sel = _fit(SelectFromModel(LogisticRegression(), max_features=2, threshold=-np.inf), X, y)
    sel.estimator_.coef_ = np.array([[0.5, -2.0, 2.0, 1.0, -2.0, 0.25]])
    assert list(sel.get_support()) == [False, True, True, False, False, False]
    _same_transform(sel, X, tmp_path)


@pytest.mark.parametrize("make", [
    lambda: DecisionTreeClassifier(random_state=0),
    lambda: DecisionTreeClassifier(max_depth=3, random_state=0),
    lambda: ExtraTreeRegressor(random_state=1),
    lambda: RandomForestClassifier(n_estimators=25, random_state=0),
    lambda: RandomForestRegressor(n_estimators=9, max_depth=4, random_state=0),
    lambda: ExtraTreesRegressor(n_estimators=13, random_state=0),
])
def test_tree_and_forest_importances_on_every_score(tmp_path: Path, make: Any) -> None:
    X, y = _clf_data(54, k=3, n=400)
    est = make()
    target = y.astype(float) + X[:, 2] if "Regressor" in type(est).__name__ else y
    sel = SelectFromModel(est).fit(X, target)
    _same_transform(sel, X, tmp_path)
    assert _on_every_score(sel, X, tmp_path) >= 3


def test_forest_with_single_node_trees(tmp_path: Path) -> None:
    """Trees of one node are left out of the forest's mean."""
    X, y = _clf_data(55, k=2)
    rf = RandomForestClassifier(n_estimators=6, max_depth=2, random_state=0).fit(X, y)
    stump = clone(rf.estimators_[0]).set_params(max_depth=1, min_samples_split=10**6)
    rf.estimators_[1] = stump.fit(X, y)
    rf.estimators_[4] = clone(stump).fit(X, y)
    assert rf.estimators_[1].tree_.node_count == 1
    sel = SelectFromModel(rf, prefit=True, threshold="median").fit(X, y)
    _same_transform(sel, X, tmp_path)
    assert _on_every_score(sel, X, tmp_path) >= 2


def test_fortran_ordered_and_single_feature_coef(tmp_path: Path) -> None:
    """add.reduce over axis 0 differs with the layout: row after row for a
    C-ordered coef_, numpy's pairwise sum down a contiguous column."""
    X, y = _clf_data(56, k=3)
    sel = _fit(SelectFromModel(LogisticRegression(max_iter=500)), X, y)
    rng = np.random.default_rng(0)
    coef = rng.normal(size=(40, X.shape[1])) * np.logspace(0, 8, 40)[:, None]
    sums = [np.add.reduce(np.abs(np.asarray(coef, order=o)), axis=0) for o in "CF"]
    assert not np.array_equal(*sums)  # the data tells the two orders apart
    for c in (np.ascontiguousarray(coef), np.asfortranarray(coef)):
        sel.estimator_.coef_ = c
        _same_transform(sel, X, tmp_path)
        _on_every_score(sel, X, tmp_path)
    X1 = X[:, :1]
    sel1 = _fit(SelectFromModel(LogisticRegression(max_iter=500)), X1, y)
    sel1.estimator_.coef_ = np.ascontiguousarray(rng.normal(size=(300, 1)) * 1e8)
    _same_transform(sel1, X1, tmp_path)


def test_in_a_pipeline_bitwise(tmp_path: Path) -> None:
    X, y = _clf_data(57, k=3)
    for model in (
        make_pipeline(StandardScaler(),
                      SelectFromModel(RandomForestClassifier(n_estimators=10, random_state=0)),
                      LogisticRegression(max_iter=500)),
        make_pipeline(SelectFromModel(LinearSVC(penalty="l1", C=0.05)),
                      RandomForestClassifier(n_estimators=5, random_state=0)),
        make_pipeline(SelectFromModel(LogisticRegression(l1_ratio=1.0, solver="saga", C=0.1,
                                                         max_iter=3000)),
                      StandardScaler(), LogisticRegression()),
    ):
        _fit(model, X, y)
        for Xr in _rows(X):
            _exact(model, Xr, tmp_path)


def test_stored_native_layout_and_mmap(tmp_path: Path) -> None:
    """Importances come from the trees' node records also when the file
    stores the native layout and the model is mapped."""
    X, y = _clf_data(58, k=2, n=300)
    model = make_pipeline(SelectFromModel(RandomForestClassifier(n_estimators=8,
                                                                 random_state=0)),
                          LogisticRegression())
    model.fit(X, y)
    p = tmp_path / "m.skseal"
    skseal.dump(model, p, native_layout=True)
    for kw in ({}, {"mmap_mode": "r"}):
        m = skseal.native.load(p, **kw)
        assert np.array_equal(m.predict_proba(X), model.predict_proba(X))


def test_refusals(tmp_path: Path) -> None:
    X, y = _clf_data(59, k=2)
    _refused(SelectFromModel(GradientBoostingClassifier(n_estimators=3)).fit(X, y), tmp_path,
             "GradientBoostingClassifier")
    _refused(SelectFromModel(SVC(kernel="linear")).fit(X, y), tmp_path, "coef_")
    getter = "named_steps.logisticregression.coef_"
    _refused(SelectFromModel(make_pipeline(StandardScaler(), LogisticRegression()),
                             importance_getter=getter).fit(X, y), tmp_path, getter)
    _refused(SelectFromModel(LogisticRegression(), norm_order=3).fit(X, y), tmp_path,
             "norm_order=3")


@pytest.mark.parametrize(("threshold", "words"), [
    ("2*mode", 'unknown reference "mode"'),
    ("1*2*mean", "more than one"),
    ("x*mean", 'the scale "x"'),
    ("largest", "expected threshold='mean' or threshold='median'"),
])
def test_bad_thresholds_are_refused_as_scikit_learn_refuses_them(
        tmp_path: Path, threshold: str, words: str) -> None:
    """A threshold scikit-learn rejects only at transform time (fit takes it)."""
    X, y = _clf_data(60, k=2)
    sel = SelectFromModel(LogisticRegression(), threshold=threshold).fit(X, y)
    with pytest.raises(ValueError):
        sel.transform(X)
    p = tmp_path / "t.skseal"
    skseal.dump(sel, p)
    with pytest.raises(skseal.errors.SkSealError, match=words):
        skseal.native.load(p)


def test_l1_ratio_none_default_threshold_is_refused(tmp_path: Path) -> None:
    """np.isclose(None, 1.0) raises in scikit-learn's default threshold."""
    X, y = _clf_data(61, k=2)
    sel = SelectFromModel(LogisticRegression()).fit(X, y)
    sel.estimator_.l1_ratio = None
    with pytest.raises(TypeError):
        sel.transform(X)
    _refused(sel, tmp_path, "l1_ratio=None")
