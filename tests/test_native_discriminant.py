"""Native LinearDiscriminantAnalysis (issue 15): as a classifier (predict,
decision_function, predict_proba, predict_log_proba: `X @ coef_.T +
intercept_` as the linear family computes it, then expit / softmax and the
smallest-normal floor of predict_log_proba) for the three solvers, binary
and multiclass, string labels; and as a Pipeline step that transforms
(`(X - xbar_) @ scalings_` for "svd", `X @ scalings_` for "eigen", then the
first `_max_components` columns) before another model; and
QuadraticDiscriminantAnalysis (bounded: its np.dot is not modelled). Bitwise where the
model claims bits, within the documented bound where it claims the bound;
replayed on the AVX2 path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from avx2_path import replay_on_avx2
from sklearn.discriminant_analysis import (
    LinearDiscriminantAnalysis,
    QuadraticDiscriminantAnalysis,
)
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from test_native_compose import _exact, _rows

import skseal
import skseal.native


def _data(k: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, 600)
    X = rng.normal(size=(600, d)) + y[:, None] * rng.uniform(0.2, 1.0, d)
    return X, y


def _check(model: Any, X: np.ndarray, tmp_path: Path) -> None:
    # "lsqr" has no transform: scikit-learn raises NotImplementedError
    lsqr = getattr(model, "solver", None) == "lsqr"
    for Xr in _rows(X):
        _exact(model, Xr, tmp_path, skip=("transform",) if lsqr else ())


@pytest.mark.parametrize("solver", ["svd", "lsqr", "eigen"])
@pytest.mark.parametrize("k", [2, 3, 5])
def test_classifier(tmp_path: Path, solver: str, k: int) -> None:
    X, y = _data(k, 7, seed=k)
    kw: dict[str, Any] = {"shrinkage": "auto"} if solver != "svd" else {}
    m = LinearDiscriminantAnalysis(solver=solver, **kw).fit(X, y)
    native = skseal.native.loads(skseal.dumps(m))
    assert {"predict", "decision_function", "predict_proba", "predict_log_proba"} <= set(
        native.methods)
    assert ("transform" in native.methods) == (solver != "lsqr")
    _check(m, X, tmp_path)


def test_string_labels_and_zero_probabilities(tmp_path: Path) -> None:
    X, y = _data(3, 5, seed=9)
    labels = np.array(["ant", "bee", "cat"])[y]
    m = LinearDiscriminantAnalysis().fit(X, labels)
    far = X * 1e3  # softmax underflows to exact zeros: the log floor applies
    _check(m, np.vstack([X, far]), tmp_path)
    assert (m.predict_proba(far) == 0.0).any()


@pytest.mark.parametrize("solver", ["svd", "eigen"])
@pytest.mark.parametrize("n_components", [None, 1, 2])
def test_as_a_transforming_step(tmp_path: Path, solver: str, n_components: int | None) -> None:
    X, y = _data(4, 9, seed=3)
    lda = LinearDiscriminantAnalysis(solver=solver, n_components=n_components)
    for last in (LogisticRegression(max_iter=500), KNeighborsClassifier(7)):
        pipe = make_pipeline(StandardScaler(), lda, last).fit(X, y)
        _check(pipe, X, tmp_path)


@pytest.mark.parametrize("k", [2, 3, 9])
@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_quadratic(tmp_path: Path, k: int, reg: float) -> None:
    # the claim is the bound (np.dot with a matrix is not modelled); labels,
    # the argmax of the scores, are compared exactly on this data
    X, y = _data(k, 6, seed=10 + k)
    m = QuadraticDiscriminantAnalysis(reg_param=reg).fit(X, y)
    native = skseal.native.loads(skseal.dumps(m))
    assert native.exactness("predict").startswith("bounded")
    _check(m, X, tmp_path)
    names = np.array([f"c{i}" for i in range(k)])[y]
    _check(QuadraticDiscriminantAnalysis(reg_param=reg).fit(X, names), X, tmp_path)


def test_without_avx512_too() -> None:
    replay_on_avx2("tests/test_native_discriminant.py")
