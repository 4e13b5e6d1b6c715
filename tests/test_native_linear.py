"""Parity of skseal.native with scikit-learn for linear models, preprocessing
steps and compositions (Pipeline, ColumnTransformer, FeatureUnion).

Preprocessing results are compared bit for bit. Linear scores (and PCA /
KMeans distances) go through OpenBLAS in scikit-learn; for a C-ordered X
skseal reproduces its kernels and they are compared bit for bit too. For a
Fortran-ordered X (what a DataFrame becomes) they are compared within the
bound documented in crates/skseal-native/src/linear.rs, with identical
predicted labels away from decision thresholds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import (
    ElasticNet,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Perceptron,
    Ridge,
    RidgeClassifier,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    Normalizer,
    OneHotEncoder,
    OrdinalEncoder,
    PolynomialFeatures,
    RobustScaler,
    StandardScaler,
)
from sklearn.svm import LinearSVC, LinearSVR
from sklearn.tree import DecisionTreeClassifier

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError

# |native - sklearn| <= REL * (sum_j |x_j * coef_j| + |intercept|), see linear.rs
REL = 4e-15

METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function", "transform")


def _native(model: Any, tmp_path: Path, X: Any = None) -> skseal.native.NativeModel:
    p = tmp_path / "m.skseal"
    skseal.dump(model, p)
    m = skseal.native.load(p)
    j = tmp_path / "m.joblib"
    joblib.dump(model, j)
    mj = skseal.native.load(j)
    assert mj.methods == m.methods
    if X is not None:
        for meth in m.methods:
            a, b = getattr(m, meth)(X), getattr(mj, meth)(X)
            assert _same(a, b), meth
    return m


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype == object or b.dtype == object:
        return a.shape == b.shape and list(a) == list(b)
    return bool(np.array_equal(a, b, equal_nan=True))


def _methods(model: Any) -> list[str]:
    out = []
    for meth in METHODS:
        try:
            if hasattr(model, meth):
                out.append(meth)
        except Exception:  # noqa: BLE001 - available_if raises AttributeError subclasses
            pass
    return out


def _exact(model: Any, X: Any, tmp_path: Path) -> skseal.native.NativeModel:
    """Every method must be bit-identical."""
    m = _native(model, tmp_path, X)
    for meth in _methods(model):
        want = getattr(model, meth)(X)
        if hasattr(want, "toarray"):
            want = want.toarray()
        got = getattr(m, meth)(X)
        assert got.shape == np.shape(want), meth
        if meth == "transform" and np.asarray(want).dtype == object:
            want = np.asarray(want).astype(np.float64)  # numbers passed through as objects
        if np.asarray(want).dtype.kind in "OUSb" or meth == "predict" and got.dtype == object:
            assert list(got) == list(want), meth
        else:
            assert np.array_equal(got, np.asarray(want, dtype=np.float64), equal_nan=True), (
                meth,
                np.max(np.abs(got - want)),
            )
    return m


def _bound(model: Any, X: np.ndarray) -> np.ndarray:
    """Per-score tolerance of a linear model."""
    coef = np.atleast_2d(model.coef_)
    b = np.broadcast_to(np.abs(np.asarray(model.intercept_, dtype=float)), (coef.shape[0],))
    mag = np.abs(X)[:, None, :] * np.abs(coef)[None, :, :]
    return REL * (mag.sum(axis=2) + b)


def _linear(model: Any, X: np.ndarray, tmp_path: Path) -> float:
    """Scores within the bound, labels identical where not at a threshold;
    returns the max relative difference seen. A C-ordered X must give
    bit-identical scores and labels unless coef_ has several rows and is
    Fortran-ordered (numpy then uses kernels skseal does not model)."""
    m = _native(model, tmp_path, X)
    coef = np.atleast_2d(model.coef_)
    claim = m.exactness("predict")
    c_coef = coef.shape[0] == 1 or coef.strides[1] == coef.itemsize
    if c_coef and _reproduced_core():
        assert claim == "bitwise-c-ordered", claim
    if X.flags.c_contiguous and claim.startswith("bitwise"):
        for meth in ("predict", "decision_function"):
            if hasattr(model, meth):
                want, got = getattr(model, meth)(X), getattr(m, meth)(X)
                if want.dtype.kind in "OUS":
                    assert list(got) == list(want), meth
                else:
                    assert np.array_equal(got, want), (meth, np.max(np.abs(got - want)))
    tol = _bound(model, X)
    worst = 0.0
    if hasattr(model, "classes_"):
        d_want = model.decision_function(X)
        d_got = m.decision_function(X)
        assert d_got.shape == d_want.shape
        diff = np.abs(d_got - d_want).reshape(len(X), -1)
        assert np.all(diff <= tol), np.max(diff - tol)
        worst = float(np.max(diff / np.maximum(tol / REL, 1e-300)))
        got, want = m.predict(X), model.predict(X)
        d2 = d_want.reshape(len(X), -1)
        if d2.shape[1] == 1:
            safe = np.abs(d2[:, 0]) > tol[:, 0]
        else:
            srt = np.sort(d2, axis=1)
            safe = (srt[:, -1] - srt[:, -2]) > 2 * tol.max(axis=1)
        assert list(got[safe]) == list(want[safe])
        assert np.mean(safe) > 0.9
        for meth in ("predict_proba", "predict_log_proba"):
            if hasattr(model, meth):
                w, g = getattr(model, meth)(X), getattr(m, meth)(X)
                assert g.shape == w.shape
                assert np.allclose(g, w, rtol=1e-12, atol=1e-13, equal_nan=True), meth
        assert list(m.classes_) == list(model.classes_)
    else:
        want, got = model.predict(X), m.predict(X)
        assert got.shape == want.shape
        diff = np.abs(got - want).reshape(len(X), -1)
        assert np.all(diff <= tol), np.max(diff - tol)
        worst = float(np.max(diff / np.maximum(tol / REL, 1e-300)))
    return worst


def _data(seed: int, n: int = 300, d: int = 6) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, size=d)
    return X, rng.normal(size=n)


# ---------------------------------------------------------------- linear


@pytest.mark.parametrize("d", [1, 3, 6, 20, 40])
@pytest.mark.parametrize("k", [2, 3, 5])
def test_logistic(tmp_path: Path, d: int, k: int) -> None:
    X, y = _data(d + k, d=d)
    yc = np.digitize(y, np.quantile(y, np.linspace(0, 1, k + 1)[1:-1]))
    model = LogisticRegression(max_iter=500).fit(X, yc)
    _linear(model, X, tmp_path)


def test_logistic_string_classes_no_intercept(tmp_path: Path) -> None:
    X, y = _data(1)
    ys = np.where(y > 0.3, "yes", np.where(y < -0.3, "no", "maybe"))
    _linear(LogisticRegression(fit_intercept=False).fit(X, ys), X, tmp_path)
    yb = np.where(y > 0, "b", "a")
    m = LogisticRegression(fit_intercept=False).fit(X, yb)
    _linear(m, X, tmp_path)
    assert skseal.native.load(tmp_path / "m.skseal").predict(X[:3]).dtype == object


@pytest.mark.parametrize(
    "factory",
    [
        lambda: LinearRegression(),
        lambda: LinearRegression(fit_intercept=False),
        lambda: Ridge(alpha=0.5),
        lambda: Lasso(alpha=0.01),
        lambda: ElasticNet(alpha=0.01, l1_ratio=0.3),
        lambda: SGDRegressor(random_state=0),
        lambda: LinearSVR(random_state=0),
    ],
)
@pytest.mark.parametrize("d", [2, 8, 33])
def test_regressors(tmp_path: Path, factory: Any, d: int) -> None:
    X, y = _data(d, d=d)
    y = X @ np.linspace(-1, 1, d) + 0.1 * y
    _linear(factory().fit(X, y), X, tmp_path)


def test_multi_target_ridge(tmp_path: Path) -> None:
    X, y = _data(5)
    Y = np.c_[y, 2 * y + X[:, 0]]
    model = Ridge().fit(X, Y)
    m = _native(model, tmp_path)
    assert m.predict(X).shape == (len(X), 2)
    assert np.array_equal(m.predict(X), model.predict(X))
    XF = np.asfortranarray(X)
    assert np.all(np.abs(m.predict(XF) - model.predict(XF)) <= _bound(model, X))


@pytest.mark.parametrize(
    "factory",
    [
        lambda: RidgeClassifier(),
        lambda: SGDClassifier(loss="log_loss", random_state=0),
        lambda: SGDClassifier(loss="modified_huber", random_state=0),
        lambda: SGDClassifier(loss="hinge", random_state=0),
        lambda: LinearSVC(random_state=0),
        lambda: Perceptron(random_state=0),
    ],
)
@pytest.mark.parametrize("k", [2, 4])
def test_classifiers(tmp_path: Path, factory: Any, k: int) -> None:
    X, y = _data(k, d=7)
    yc = np.digitize(y, np.quantile(y, np.linspace(0, 1, k + 1)[1:-1]))
    _linear(factory().fit(X, yc), X, tmp_path)


def test_linear_exact_at_small_width(tmp_path: Path) -> None:
    # few features, several classes: numpy's dgemm accumulates like ours
    X, y = _data(11, d=5)
    yc = np.digitize(y, [-0.5, 0.5])
    model = LogisticRegression().fit(X, yc)
    m = _native(model, tmp_path)
    assert np.array_equal(m.decision_function(X), model.decision_function(X))
    # softmax with numpy's own exp (npmath) and row-sum order: bitwise
    assert np.array_equal(m.predict_proba(X), model.predict_proba(X))
    assert np.array_equal(m.predict_log_proba(X), model.predict_log_proba(X))
    assert np.array_equal(m.predict(X), model.predict(X))


def test_linear_ties_and_zero_scores(tmp_path: Path) -> None:
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0], [0.0, 0.0]] * 4)
    y = np.array([0, 1, 2, 0, 1] * 4)
    model = LogisticRegression().fit(X, y)
    model.coef_ = np.array([[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    model.intercept_ = np.zeros(3)
    m = _native(model, tmp_path)
    assert list(m.predict(X)) == list(model.predict(X))  # ties: first class
    yb = (y > 0).astype(int)
    b = LogisticRegression().fit(X, yb)
    b.coef_ = np.array([[1.0, -1.0]])
    b.intercept_ = np.array([0.0])
    m = _native(b, tmp_path)
    assert list(m.predict(X)) == list(b.predict(X))  # score 0 -> classes_[0]
    assert np.array_equal(m.predict_proba(X), b.predict_proba(X))


def test_linear_nan_is_an_error(tmp_path: Path) -> None:
    X, y = _data(2)
    m = _native(LinearRegression().fit(X, y), tmp_path)
    X2 = X.copy()
    X2[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        m.predict(X2)
    with pytest.raises(ValueError, match="features"):
        m.predict(X[:, :3])


def test_measured_bound(tmp_path: Path) -> None:
    # Fortran-ordered X (a DataFrame's layout): other OpenBLAS kernels, bounded
    worst = 0.0
    for seed, d in [(0, 50), (1, 100), (2, 300)]:
        X, y = _data(seed, n=500, d=d)
        XF = np.asfortranarray(X)
        worst = max(worst, _linear(LinearRegression().fit(X, y), XF, tmp_path))
        yc = np.digitize(y, [-0.5, 0.5])
        worst = max(worst, _linear(LogisticRegression(max_iter=300).fit(X, yc), XF, tmp_path))
        yb = (y > 0).astype(int)
        worst = max(worst, _linear(LogisticRegression(max_iter=300).fit(X, yb), XF, tmp_path))
    assert worst < 2e-15  # measured: 4.9e-16


def _reproduced_core() -> bool:
    """Is numpy's OpenBLAS core one whose order skseal reproduces here?"""
    blas = skseal.native.numpy_blas()
    return blas is not None and blas[0] in ("Haswell", "SkylakeX")


@pytest.mark.parametrize("k", [1, 2, 3, 5, 10])
def test_scores_bitwise_across_shapes(tmp_path: Path, k: int) -> None:
    # C-ordered X: every OpenBLAS path numpy takes (ddot, dgemv_t with and
    # without its thread split, SkylakeX's small-matrix TN kernel, blocked
    # dgemm serial and threaded, Haswell's single-column kernel); bitwise
    # where the model says so (tests/test_machines.py runs the other
    # configurations of this machine)
    rng = np.random.default_rng(k)
    shapes = [(1, 1), (3, 1), (1, 7), (2, 7), (5, 17), (1, 33), (6, 31), (7, 32), (13, 45)]
    shapes += [(50, 64), (255, 99), (500, 300), (1537, 300), (600, 385), (301, 4003)]
    for n, d in shapes:
        coef = rng.normal(size=(k, d)) if k > 1 else rng.normal(size=d)
        model = LinearRegression().fit(rng.normal(size=(3, d)), rng.normal(size=(3, k)))
        model.coef_ = coef
        model.intercept_ = rng.normal(size=k) if k > 1 else np.float64(rng.normal())
        m = _native(model, tmp_path)
        X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, size=d)
        claim = m.exactness("predict")
        if _reproduced_core():
            assert claim == "bitwise-c-ordered", claim
        if claim.startswith("bitwise"):
            blas = skseal.native.numpy_blas()
            assert np.array_equal(m.predict(X), model.predict(X)), (n, d, blas)
        else:
            bound = REL * (np.abs(X) @ np.abs(np.atleast_2d(coef)).T + np.abs(model.intercept_))
            assert np.all(np.abs(m.predict(X) - model.predict(X)).reshape(n, -1) <= bound), (n, d)


# ---------------------------------------------------------------- preprocessing


def _with_nan(X: np.ndarray, seed: int = 0, frac: float = 0.1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = X.copy()
    X[rng.random(X.shape) < frac] = np.nan
    return X


@pytest.mark.parametrize(
    "factory",
    [
        lambda: StandardScaler(),
        lambda: StandardScaler(with_mean=False),
        lambda: StandardScaler(with_std=False),
        lambda: MinMaxScaler(),
        lambda: MinMaxScaler(feature_range=(-2, 3), clip=True),
        lambda: MaxAbsScaler(),
        lambda: RobustScaler(),
        lambda: RobustScaler(with_centering=False, quantile_range=(10, 90)),
    ],
)
def test_scalers(tmp_path: Path, factory: Any) -> None:
    X, _ = _data(3)
    X[:, 2] = 5.0  # constant column: scale 1
    model = factory().fit(X)
    X2, _ = _data(4)
    _exact(model, X2 * 3, tmp_path)
    _exact(model, _with_nan(X2), tmp_path)


@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
@pytest.mark.parametrize("d", [1, 2, 3, 7, 8, 9, 17, 40])
def test_normalizer(tmp_path: Path, norm: str, d: int) -> None:
    X, _ = _data(d, d=d)
    X[0] = 0.0
    _exact(Normalizer(norm=norm).fit(X), X, tmp_path)


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent", "constant"])
@pytest.mark.parametrize("keep", [False, True])
def test_imputer_numeric(tmp_path: Path, strategy: str, keep: bool) -> None:
    X, _ = _data(5)
    X = np.round(_with_nan(X, 1, 0.2), 1)
    X[:, 3] = np.nan  # all missing: dropped unless keep_empty_features
    model = SimpleImputer(strategy=strategy, fill_value=-7, keep_empty_features=keep).fit(X)
    _exact(model, _with_nan(_data(6)[0], 2, 0.3), tmp_path)


def test_imputer_missing_value_number(tmp_path: Path) -> None:
    X = np.array([[1.0, -1], [-1, 3], [2, 4], [-1, -1]])
    _exact(SimpleImputer(missing_values=-1, strategy="median").fit(X), X, tmp_path)


@pytest.mark.parametrize("strategy", ["most_frequent", "constant"])
def test_imputer_strings(tmp_path: Path, strategy: str) -> None:
    df = pd.DataFrame({"a": ["x", "y", None, "x", "z"], "b": ["p", None, "q", "q", "p"]})
    imp = SimpleImputer(strategy=strategy, fill_value="MISSING")
    model = make_pipeline(imp, OneHotEncoder(sparse_output=False)).fit(df)
    _exact(model, df, tmp_path)


def test_onehot_variants(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "c": ["a", "b", "a", "c", "b", "a", "d", None],
            "n": [1.0, 2.0, 2.0, 3.0, 1.0, np.nan, 1.0, 2.0],
            "i": [5, 6, 5, 6, 5, 6, 7, 7],
        }
    )
    test = pd.DataFrame(
        {"c": ["a", "zz", None, "d"], "n": [3.0, 9.0, np.nan, 1.0], "i": [7, 5, 9, 6]}
    )
    for kw in [
        dict(handle_unknown="ignore"),
        dict(handle_unknown="ignore", drop="if_binary"),
        dict(handle_unknown="ignore", drop="first"),
        dict(handle_unknown="infrequent_if_exist", min_frequency=2),
        dict(handle_unknown="infrequent_if_exist", max_categories=2, drop="first"),
        dict(handle_unknown="ignore", min_frequency=2),
        dict(drop=["a", 2.0, 6]),
    ]:
        model = OneHotEncoder(**kw).fit(df)
        X = df if "drop" in kw and isinstance(kw["drop"], list) else test
        _exact(model, X, tmp_path)
    err = OneHotEncoder(handle_unknown="error").fit(df)
    m = _native(err, tmp_path)
    with pytest.raises(ValueError, match="zz"):
        m.transform(test)


def test_onehot_numpy_int_and_str(tmp_path: Path) -> None:
    X = np.array([[1, 3], [2, 3], [1, 4]])
    _exact(OneHotEncoder(handle_unknown="ignore").fit(X), np.array([[1, 4], [5, 3]]), tmp_path)
    S = np.array([["a", "x"], ["b", "y"]], dtype=object)
    _exact(OneHotEncoder().fit(S), S[::-1], tmp_path)


def test_ordinal(tmp_path: Path) -> None:
    df = pd.DataFrame({"c": ["a", "b", None, "c", "a"], "n": [1.0, 2.0, np.nan, 2.0, 1.0]})
    test = pd.DataFrame({"c": ["a", "q", None], "n": [7.0, np.nan, 2.0]})
    for kw in [
        dict(handle_unknown="use_encoded_value", unknown_value=-1),
        dict(handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=-5),
        dict(handle_unknown="use_encoded_value", unknown_value=-1, min_frequency=2),
    ]:
        _exact(OrdinalEncoder(**kw).fit(df), test, tmp_path)
    m = _native(OrdinalEncoder().fit(df), tmp_path)
    with pytest.raises(ValueError, match="unknown"):
        m.transform(test)


@pytest.mark.parametrize(
    "kw",
    [
        dict(degree=2),
        dict(degree=3, include_bias=False),
        dict(degree=3, interaction_only=True),
        dict(degree=(2, 3)),
        dict(degree=(2, 3), include_bias=False),
        dict(degree=0),
    ],
)
def test_polynomial(tmp_path: Path, kw: dict[str, Any]) -> None:
    X, _ = _data(7, d=4)
    _exact(PolynomialFeatures(**kw).fit(X), X, tmp_path)


@pytest.mark.parametrize("whiten", [False, True])
def test_pca(tmp_path: Path, whiten: bool) -> None:
    X, _ = _data(8, d=5)
    model = PCA(n_components=3, whiten=whiten).fit(X)
    m = _native(model, tmp_path)
    # components_ is Fortran-ordered: numpy's dgemm NN kernel, not modelled
    got, want = m.transform(X), model.transform(X)
    assert np.allclose(got, want, rtol=0, atol=1e-12 * np.abs(X).sum(axis=1).max())
    XF = np.asfortranarray(X)
    got, want = m.transform(XF), model.transform(XF)
    assert np.allclose(got, want, rtol=0, atol=1e-12 * np.abs(X).sum(axis=1).max())


def test_kmeans(tmp_path: Path) -> None:
    X, _ = _data(9, d=4)
    model = KMeans(n_clusters=4, n_init=2, random_state=0).fit(X)
    m = _native(model, tmp_path)
    assert m.predict(X).dtype == model.predict(X).dtype == np.int32
    assert np.array_equal(m.predict(X), model.predict(X))
    if m.exactness("transform").startswith("bitwise"):
        assert np.array_equal(m.transform(X), model.transform(X))
        assert np.array_equal(m.transform(X[:1]), model.transform(X[:1]))
    else:
        assert not _reproduced_core()
        assert np.allclose(m.transform(X), model.transform(X), rtol=1e-12, atol=1e-12)
    XF = np.asfortranarray(X)
    assert np.allclose(m.transform(XF), model.transform(XF), rtol=1e-12, atol=1e-12)


def test_large_integers_scaled_into_trees(tmp_path: Path) -> None:
    rng = np.random.default_rng(10)
    X = rng.integers(2**24, 2**26, size=(400, 5)).astype(np.float64)
    y = (X[:, 0] + X[:, 1] > 2**26).astype(int)
    for clf in [
        DecisionTreeClassifier(random_state=0),
        RandomForestClassifier(n_estimators=10, random_state=0),
    ]:
        model = make_pipeline(StandardScaler(), clf).fit(X, y)
        Xt = X + rng.integers(-3, 4, size=X.shape)
        _exact(model, Xt, tmp_path)


# ---------------------------------------------------------------- compositions


def _frame(n: int = 60, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "num1": rng.normal(size=n),
            "color": rng.choice(["red", "green", "blue"], size=n),
            "num2": rng.normal(size=n) * 100,
            "size": rng.choice(["S", "M", "L", "XL"], size=n),
            "cnt": rng.integers(0, 5, size=n),
        }
    )
    y = (df["num1"] + (df["color"] == "red") > 0.3).to_numpy().astype(int)
    return df, y


@pytest.mark.parametrize("remainder", ["drop", "passthrough", "scaler"])
def test_column_transformer_by_name(tmp_path: Path, remainder: str) -> None:
    df, y = _frame()
    rem: Any = StandardScaler() if remainder == "scaler" else remainder
    ct = ColumnTransformer(
        [
            ("num", StandardScaler(), ["num1", "num2"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["color", "size"]),
        ],
        remainder=rem,
    )
    _exact(ct.fit(df), df, tmp_path)
    model = make_pipeline(ct, DecisionTreeClassifier(random_state=0)).fit(df, y)
    test, _ = _frame(30, seed=1)
    test.loc[0, "color"] = "purple"
    _exact(model, test, tmp_path)
    _exact(model, test[list(reversed(test.columns))], tmp_path)  # columns reordered


def test_column_transformer_index_mask_slice(tmp_path: Path) -> None:
    X, y = _data(12, d=6)
    yc = (y > 0).astype(int)
    mask = np.array([True, False, True, False, False, False])
    ct = ColumnTransformer(
        [
            ("a", StandardScaler(), [0, 1]),
            ("b", MinMaxScaler(), mask),
            ("c", "drop", [3]),
            ("d", "passthrough", slice(4, 6)),
            ("e", Normalizer(), []),
        ],
        transformer_weights={"a": 2.0},
    )
    model = make_pipeline(ct, LogisticRegression()).fit(X, yc)
    _exact(ct, X, tmp_path)
    m = _native(model, tmp_path)
    want = model.predict_proba(X)
    assert np.allclose(m.predict_proba(X), want, rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="features"):
        m.predict(X[:, :5])


def test_column_transformer_passthrough_strings(tmp_path: Path) -> None:
    df, y = _frame()
    inner = ColumnTransformer(
        [("s", StandardScaler(), ["num1"])], remainder="passthrough"
    )  # strings pass through
    ct = ColumnTransformer(
        [("imp", SimpleImputer(strategy="most_frequent"), ["color", "size"])],
        remainder="drop",
    )
    pipe = Pipeline([("ct", ct), ("ohe", OneHotEncoder()), ("lr", LogisticRegression())])
    pipe.fit(df, y)
    _exact(pipe[:-1], df, tmp_path)
    m = _native(pipe, tmp_path)
    assert list(m.predict(df)) == list(pipe.predict(df))
    inner.fit(df)
    model = make_pipeline(
        inner,
        ColumnTransformer([("o", OneHotEncoder(), [1, 3])], remainder="passthrough"),
    ).fit(df)
    _exact(model, df, tmp_path)


def test_column_transformer_errors(tmp_path: Path) -> None:
    df, y = _frame()
    ct = ColumnTransformer(
        [("cat", OneHotEncoder(), ["color"]), ("num", "passthrough", ["num1", "num2"])]
    )
    m = _native(make_pipeline(ct, DecisionTreeClassifier()).fit(df, y), tmp_path)
    with pytest.raises(ValueError, match="column"):
        m.predict(df.rename(columns={"color": "colour"}))
    bad = df.copy()
    bad.loc[0, "color"] = "mauve"
    with pytest.raises(ValueError, match="mauve"):
        m.predict(bad)


def test_feature_union(tmp_path: Path) -> None:
    X, y = _data(13, d=5)
    fu = FeatureUnion(
        [
            ("s", StandardScaler()),
            ("p", PolynomialFeatures(2)),
            ("d", "drop"),
            ("id", "passthrough"),
            ("mm", make_pipeline(MinMaxScaler(), Normalizer())),
        ],
        transformer_weights={"s": 0.5, "id": 3.0},
    ).fit(X)
    _exact(fu, X, tmp_path)
    model = make_pipeline(fu, DecisionTreeClassifier(random_state=0)).fit(X, y > 0)
    _exact(model, X, tmp_path)


def test_pipeline_passthrough_steps(tmp_path: Path) -> None:
    X, y = _data(14, d=4)
    pipe = Pipeline(
        [
            ("a", None),
            ("s", StandardScaler()),
            ("b", "passthrough"),
            ("t", DecisionTreeClassifier()),
        ]
    ).fit(X, y > 0)
    m = _exact(pipe, X, tmp_path)
    assert m.n_features_in_ == 4
    last = Pipeline([("s", MinMaxScaler()), ("p", "passthrough")]).fit(X)
    _exact(last, X, tmp_path)
    nested = make_pipeline(make_pipeline(StandardScaler(), MaxAbsScaler()), PCA(2)).fit(X)
    m = _native(nested, tmp_path)
    assert np.allclose(m.transform(X), nested.transform(X), rtol=0, atol=1e-12)
    identity = make_pipeline(FunctionTransformer(), StandardScaler()).fit(X)
    _exact(identity, X, tmp_path)


def _scalar_column_ct() -> ColumnTransformer:
    df, _ = _frame()
    ct = ColumnTransformer([("s", StandardScaler(), ["num1"])]).fit(df)
    ct.transformers_[0] = ("s", ct.transformers_[0][1], "num1")  # as a scalar spec leaves it
    return ct


def test_unsupported(tmp_path: Path) -> None:
    X, y = _data(15, d=3)
    for model in [
        make_pipeline(FunctionTransformer(np.sin), StandardScaler()).fit(np.abs(X)),
        SimpleImputer(add_indicator=True).fit(_with_nan(X)),
        make_pipeline(DecisionTreeClassifier(), StandardScaler()),
        _scalar_column_ct(),
    ]:
        if isinstance(model, Pipeline) and not hasattr(model, "n_features_in_"):
            model.steps[0] = ("t", DecisionTreeClassifier().fit(X, y > 0))
            model.steps[1] = ("s", StandardScaler().fit(X))
        p = tmp_path / "u.skseal"
        skseal.dump(model, p)
        with pytest.raises(UnsupportedModelError):
            skseal.native.load(p)


@pytest.mark.parametrize("dtype", [object, "str", pd.StringDtype("python", na_value=np.nan)])
def test_string_columns_sent_coded(tmp_path: Path, dtype: Any) -> None:
    """String columns travel as distinct values + codes (skseal.native._coded):
    the same bits as scikit-learn whatever the column's storage, with
    missing values, unknown categories, an imputer filling a string marker,
    and the unknown-category error naming the value."""
    from skseal.native import _input

    def frame(a: list[Any], b: list[Any]) -> pd.DataFrame:
        n = np.arange(len(a), dtype=np.float64)
        return pd.DataFrame({"a": pd.Series(a, dtype=dtype), "b": pd.Series(b, dtype=dtype),
                             "n": n})

    from skseal.native import _CODED_MIN_ROWS

    df = frame(["x", "y", None, "x", "z", "y"], ["p", "", "q", "q", "p", ""])
    reps = -(-_CODED_MIN_ROWS // 4)  # long enough to be sent coded
    test = frame(["w", None, "z", "x"] * reps, ["", "r", "p", "q"] * reps)
    assert [c[1] for c in _input(test)[1]] == ["c", "c", "f"]
    # a few rows go as strings (factorize would cost more than it saves)
    assert [c[1] for c in _input(test.iloc[:4])[1]] == ["s", "s", "f"]
    imp = make_pipeline(SimpleImputer(missing_values="", strategy="constant", fill_value="E"),
                        OneHotEncoder(handle_unknown="ignore", sparse_output=False))
    ct = ColumnTransformer([("oh", OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                             ["a"]), ("imp", imp, ["b"]), ("num", StandardScaler(), ["n"])])
    model = make_pipeline(ct, LogisticRegression()).fit(df, [0, 1, 0, 1, 1, 0])
    for t in (test, test.iloc[:4]):
        _exact(model, t, tmp_path)
        _exact(ct, t, tmp_path)
        m = _native(OneHotEncoder(handle_unknown="error").fit(df[["a"]]), tmp_path)
        with pytest.raises(ValueError, match=r'\["w"\]'):
            m.transform(t[["a"]])
