"""Native libsvm models (SVC, NuSVC, SVR, NuSVR, OneClassSVM) and the other
families added with them: bit-identical to scikit-learn on every method."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from avx2_path import replay_on_avx2
from sklearn.svm import SVC, SVR, NuSVC, NuSVR, OneClassSVM
from test_native_compose import _clf_data, _exact, _refused, _rows
from test_native_linear import _data

import skseal
import skseal.native

KERNELS = [
    {"kernel": "linear"},
    {"kernel": "rbf"},
    {"kernel": "rbf", "gamma": 0.37},
    {"kernel": "poly", "degree": 3, "coef0": 0.5},
    {"kernel": "poly", "degree": 2, "gamma": 0.1},
    {"kernel": "sigmoid", "gamma": 0.01, "coef0": 0.2},
]


def _check(model: Any, X: np.ndarray, tmp_path: Path) -> None:
    for Xr in _rows(X):
        _exact(model, Xr, tmp_path)


@pytest.mark.parametrize("kw", KERNELS)
@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("shape", ["ovr", "ovo"])
def test_svc(tmp_path: Path, kw: dict[str, Any], k: int, shape: str) -> None:
    X, y = _clf_data(k, k=k, n=150)
    X = X / np.std(X, axis=0)
    _check(SVC(decision_function_shape=shape, **kw).fit(X, y), X, tmp_path)


@pytest.mark.parametrize("d", [17, 20, 40])
def test_svc_wide(tmp_path: Path, d: int) -> None:
    # 16 and 32 features and more take ddot's vector loops (support vectors
    # are computed eight at a time natively, each its own ddot)
    rng = np.random.default_rng(d)
    X = rng.normal(size=(300, d))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int) + (X[:, 3] > 1)
    for kw in KERNELS[:4]:
        _check(SVC(**kw).fit(X, y), X, tmp_path)
    _check(SVR().fit(X, X[:, 0] - X[:, 4]), X, tmp_path)


@pytest.mark.parametrize("k", [2, 3])
def test_nusvc_and_string_classes(tmp_path: Path, k: int) -> None:
    X, y = _clf_data(10 + k, k=k, n=120)
    X = X / np.std(X, axis=0)
    ys = np.array(["a", "b", "c"])[y]
    _check(NuSVC(nu=0.05).fit(X, ys), X, tmp_path)


def test_svc_break_ties(tmp_path: Path) -> None:
    X, y = _clf_data(3, k=4, n=150)
    X = X / np.std(X, axis=0)
    _check(SVC(break_ties=True).fit(X, y), X, tmp_path)


@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("kernel", ["rbf", "linear"])
def test_svc_probability(tmp_path: Path, k: int, kernel: str) -> None:
    X, y = _clf_data(20 + k, k=k, n=150)
    X = X / np.std(X, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model = SVC(kernel=kernel, probability=True, random_state=0).fit(X, y)
    _check(model, X, tmp_path)


@pytest.mark.parametrize("kw", KERNELS)
@pytest.mark.parametrize("cls", [SVR, NuSVR])
def test_svr(tmp_path: Path, kw: dict[str, Any], cls: Any) -> None:
    X, y = _data(4, n=150)
    X = X / np.std(X, axis=0)
    _check(cls(**kw).fit(X, y), X, tmp_path)


@pytest.mark.parametrize("kw", KERNELS)
def test_one_class_svm(tmp_path: Path, kw: dict[str, Any]) -> None:
    X, _ = _data(5, n=150)
    X = X / np.std(X, axis=0)
    _check(OneClassSVM(nu=0.2, **kw).fit(X), X, tmp_path)


def test_svm_refusals(tmp_path: Path) -> None:
    X, y = _clf_data(1, k=2, n=80)
    _refused(SVC(kernel="precomputed").fit(X @ X.T, y), tmp_path, "precomputed")


def test_svm_without_avx512(tmp_path: Path) -> None:
    """The same tests with numpy's AVX2 dispatch and OpenBLAS's Haswell
    kernels (what a machine without AVX-512 runs)."""
    replay_on_avx2(__file__)


# ---------------------------------------------------------------- naive Bayes


@pytest.mark.parametrize("k", [2, 3, 5])
@pytest.mark.parametrize("d", [1, 4, 20])
def test_gaussian_nb(tmp_path: Path, k: int, d: int) -> None:
    from sklearn.naive_bayes import GaussianNB

    rng = np.random.default_rng(k * 100 + d)
    X = rng.normal(size=(200, d)) * rng.uniform(0.1, 5, size=d)
    y = rng.integers(0, k, size=200)
    X[y == 1] += 0.7
    _check(GaussianNB().fit(X, y), X, tmp_path)
    _check(GaussianNB(priors=np.full(k, 1 / k), var_smoothing=1e-3).fit(X, y), X, tmp_path)


def test_gaussian_nb_extreme_rows(tmp_path: Path) -> None:
    """Far-out rows: probabilities underflow to exact 0 and 1, log-probabilities far below 0."""
    from sklearn.naive_bayes import GaussianNB

    X, y = _clf_data(2, k=3, n=150)
    model = GaussianNB().fit(X, y)
    Xf = np.vstack([X[:5], X[:5] * 50, -X[:5] * 1e3])
    _check(model, Xf, tmp_path)


# ---------------------------------------------------------------- bagging


def _bag_bases() -> list[Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.tree import DecisionTreeClassifier

    return [DecisionTreeClassifier(max_depth=4), LogisticRegression(), GaussianNB(), SVC()]


@pytest.mark.parametrize("base", range(4))
@pytest.mark.parametrize("kw", [{}, {"max_features": 0.6, "bootstrap_features": True},
                                {"n_jobs": 3, "max_samples": 0.3}])
def test_bagging_classifier(tmp_path: Path, base: int, kw: dict[str, Any]) -> None:
    from sklearn.ensemble import BaggingClassifier

    X, y = _clf_data(7 + base, k=3, n=150)
    X = X / np.std(X, axis=0)
    model = BaggingClassifier(_bag_bases()[base], n_estimators=7, random_state=base, **kw)
    _check(model.fit(X, y), X, tmp_path)


def test_bagging_missing_class(tmp_path: Path) -> None:
    """Tiny bootstrap samples (scikit-learn 1.9 passes them as sample weights to
    estimators that take them, so classes_ stays complete here)."""
    from sklearn.ensemble import BaggingClassifier
    from sklearn.tree import DecisionTreeClassifier

    X, y = _clf_data(8, k=5, n=100)
    model = BaggingClassifier(DecisionTreeClassifier(), n_estimators=9, max_samples=6,
                              random_state=0).fit(X, y)
    _check(model, X, tmp_path)


@pytest.mark.parametrize("kw", [{}, {"max_features": 3, "n_jobs": 2}])
def test_bagging_regressor(tmp_path: Path, kw: dict[str, Any]) -> None:
    from sklearn.ensemble import BaggingRegressor
    from sklearn.linear_model import Ridge
    from sklearn.tree import DecisionTreeRegressor

    X, y = _data(9, n=150)
    for base in (DecisionTreeRegressor(max_depth=5), SVR(), Ridge()):
        _check(BaggingRegressor(base, n_estimators=6, random_state=1, **kw).fit(X, y), X, tmp_path)


def test_bagging_refusals(tmp_path: Path) -> None:
    from sklearn.ensemble import BaggingClassifier

    X, y = _clf_data(1, k=2, n=80)
    _refused(BaggingClassifier(n_estimators=3, n_jobs=-1).fit(X, y), tmp_path, "n_jobs")


# ---------------------------------------------------------------- stacking


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("passthrough", [False, True])
@pytest.mark.parametrize("method", ["auto", "predict"])
def test_stacking_classifier(tmp_path: Path, k: int, passthrough: bool, method: str) -> None:
    from sklearn.ensemble import RandomForestClassifier, StackingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB

    X, y = _clf_data(40 + k, k=k, n=150)
    X = X / np.std(X, axis=0)
    ys = np.array(["lo", "mid", "hi"])[y]
    model = StackingClassifier(
        [("rf", RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0)),
         ("svc", SVC()), ("nb", GaussianNB()), ("lr", LogisticRegression())],
        final_estimator=LogisticRegression(), passthrough=passthrough, stack_method=method,
    ).fit(X, ys)
    if method == "predict" and not passthrough:
        # an int64 transform (encoded labels only): transform is not offered
        for Xr in _rows(X):
            _exact(model, Xr, tmp_path, skip=("transform",))
        m = skseal.native.loads(skseal.dumps(model))
        assert "transform" not in m.methods and "predict" in m.methods
        return
    _check(model, X, tmp_path)


def test_stacking_with_drop(tmp_path: Path) -> None:
    from sklearn.ensemble import StackingClassifier
    from sklearn.tree import DecisionTreeClassifier

    X, y = _clf_data(4, k=3, n=150)
    model = StackingClassifier(
        [("a", "drop"), ("t", DecisionTreeClassifier(max_depth=3)), ("s", SVC(kernel="linear"))],
        final_estimator=DecisionTreeClassifier(max_depth=3),
    ).fit(X, y)
    _check(model, X, tmp_path)


@pytest.mark.parametrize("passthrough", [False, True])
def test_stacking_regressor(tmp_path: Path, passthrough: bool) -> None:
    from sklearn.ensemble import StackingRegressor
    from sklearn.linear_model import Ridge
    from sklearn.tree import DecisionTreeRegressor

    X, y = _data(11, n=150)
    model = StackingRegressor(
        [("t", DecisionTreeRegressor(max_depth=4)), ("s", SVR()), ("r", Ridge())],
        final_estimator=Ridge(), passthrough=passthrough,
    ).fit(X, y)
    _check(model, X, tmp_path)


def test_stacking_multilabel_refused(tmp_path: Path) -> None:
    from sklearn.ensemble import StackingClassifier
    from sklearn.tree import DecisionTreeClassifier

    X, _ = _clf_data(5, k=2, n=80)
    Y = np.stack([X[:, 0] > 0, X[:, 1] > 0], axis=1).astype(int)
    model = StackingClassifier([("t", DecisionTreeClassifier())],
                               final_estimator=DecisionTreeClassifier()).fit(X, Y)
    _refused(model, tmp_path, "multilabel")


# ---------------------------------------------------------------- calibration


def _cal_bases() -> list[Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.svm import LinearSVC
    from sklearn.tree import DecisionTreeClassifier

    return [LinearSVC(), SVC(), GaussianNB(), DecisionTreeClassifier(max_depth=3),
            LogisticRegression()]


@pytest.mark.parametrize("base", range(5))
@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("ensemble", [True, False])
@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_calibrated(tmp_path: Path, base: int, k: int, ensemble: bool, method: str) -> None:
    from sklearn.calibration import CalibratedClassifierCV

    X, y = _clf_data(50 + k + base, k=k, n=150)
    X = X / np.std(X, axis=0)
    ys = np.array(["p", "q", "r", "s"])[y]
    model = CalibratedClassifierCV(_cal_bases()[base], cv=3, ensemble=ensemble,
                                   method=method).fit(X, ys)
    X = np.vstack([X, X[:5] * 20])  # beyond the isotonic thresholds (clipped)
    _check(model, X, tmp_path)


def test_calibrated_prefit(tmp_path: Path) -> None:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator

    X, y = _clf_data(3, k=3, n=150)
    base = SVC().fit(X, y)
    _check(CalibratedClassifierCV(FrozenEstimator(base)).fit(X, y), X, tmp_path)


@pytest.mark.parametrize("method", ["temperature"])
def test_calibrated_refusals(tmp_path: Path, method: str) -> None:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression

    X, y = _clf_data(2, k=3, n=150)
    model = CalibratedClassifierCV(LogisticRegression(), cv=3, method=method).fit(X, y)
    _refused(model, tmp_path, "sigmoid")


@pytest.mark.parametrize("oob", ["nan", "clip"])
@pytest.mark.parametrize("increasing", [True, False, "auto"])
def test_isotonic_regression(tmp_path: Path, oob: str, increasing: Any) -> None:
    from sklearn.isotonic import IsotonicRegression

    rng = np.random.default_rng(3)
    x = np.round(rng.normal(size=200), 2)  # repeated x values
    y = x * (1 if increasing is not False else -1) + rng.normal(size=200) * 0.5
    model = IsotonicRegression(out_of_bounds=oob, increasing=increasing).fit(x, y)
    T = np.concatenate([x, np.linspace(-5, 5, 101), [x.min(), x.max()]]).reshape(-1, 1)
    _check(model, T, tmp_path)
    one = IsotonicRegression().fit([1.0, 1.0], [2.0, 3.0])
    _check(one, T, tmp_path)


# ---------------------------------------------------------------- AdaBoost


@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("base", ["tree", "svc"])
def test_adaboost_classifier(tmp_path: Path, k: int, base: str) -> None:
    from sklearn.ensemble import AdaBoostClassifier
    from sklearn.tree import DecisionTreeClassifier

    X, y = _clf_data(60 + k, k=k, n=150)
    X = X / np.std(X, axis=0)
    ys = np.array(["u", "v", "w", "z"])[y]
    est = DecisionTreeClassifier(max_depth=2) if base == "tree" else SVC(kernel="linear")
    model = AdaBoostClassifier(est, n_estimators=12, random_state=k).fit(X, ys)
    _check(model, X, tmp_path)
