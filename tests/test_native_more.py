"""Native MLPClassifier / MLPRegressor (and the families added with them):
bit-identical to scikit-learn where the native model claims bitwise, else
within the documented bound, on every method."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from avx2_path import replay_on_avx2
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PowerTransformer, QuantileTransformer
from test_native_compose import _clf_data, _exact, _refused, _rows
from test_native_compose import test_function_transformer_numpy as _function_transformer
from test_native_compose import test_transformed_target as _transformed_target
from test_native_linear import _data

import skseal
import skseal.native


def _check(model: Any, X: np.ndarray, tmp_path: Path) -> list[str]:
    claims = []
    for Xr in _rows(X):
        m = _exact(model, Xr, tmp_path)
        claims += [m.exactness(meth) for meth in m.methods]
    return claims


def _fit(model: Any, X: np.ndarray, y: np.ndarray) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


# ---------------------------------------------------------------- MLP


@pytest.mark.parametrize("activation", ["identity", "logistic", "relu"])
@pytest.mark.parametrize("hidden", [(1,), (7,), (10, 5)])
@pytest.mark.parametrize("k", [2, 3])
def test_mlp_classifier(tmp_path: Path, activation: str, hidden: tuple[int, ...], k: int) -> None:
    X, y = _clf_data(30 + k, k=k, n=150)
    X = X / np.std(X, axis=0)
    est = MLPClassifier(
        hidden_layer_sizes=hidden, activation=activation, max_iter=60, random_state=0
    )
    model = _fit(est, X, y)
    claims = _check(model, X, tmp_path)
    if hidden == (1,):
        # one hidden unit: every product is a dgemv_t, a ddot or a plain multiply
        assert all(c.startswith("bitwise") for c in claims), claims


@pytest.mark.parametrize("activation", ["identity", "logistic", "relu"])
@pytest.mark.parametrize("hidden", [(1,), (8,), (6, 4)])
@pytest.mark.parametrize("targets", [1, 2])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_mlp_regressor(
    tmp_path: Path, activation: str, hidden: tuple[int, ...], targets: int, loss: str
) -> None:
    X, y = _data(40, n=150)
    X = X / np.std(X, axis=0)
    if targets == 2:
        y = np.c_[y, X[:, 0] - y]
    if loss == "poisson":
        y = np.exp(y / 3)
    est = MLPRegressor(
        hidden_layer_sizes=hidden, loss=loss, activation=activation, max_iter=60, random_state=0
    )
    model = _fit(est, X, y)
    claims = _check(model, X, tmp_path)
    if hidden == (1,) and targets == 1:
        assert all(c.startswith("bitwise") for c in claims), claims


@pytest.mark.parametrize("shape", [
    ("binary", (64,)), ("five classes", (32, 16)), ("regressor", (64,)),
], ids=lambda s: s[0])
def test_mlp_large_batches_by_rows(tmp_path: Path, shape: tuple[str, tuple[int, ...]]) -> None:
    """Many rows go through the layers in blocks of 128 rows on all cores
    where every product splits by rows (layers of 4 units or more, or one
    output unit); each block's products are those rows of numpy's whole
    products (the one-unit output layer's dgemv_t is threaded above 460,800
    elements, and its thread parts cut across blocks), so the answers stay
    bit-identical. Row counts around the block size and beyond the
    threading threshold."""
    kind, hidden = shape
    X, y = _clf_data(20, k=5 if kind == "five classes" else 2, n=400)
    X = X / np.std(X, axis=0)
    if kind == "regressor":
        est: Any = MLPRegressor(hidden_layer_sizes=hidden, max_iter=30, random_state=0)
        model = _fit(est, X, X[:, 0] + X[:, 1])
    else:
        model = _fit(MLPClassifier(hidden_layer_sizes=hidden, max_iter=30, random_state=0), X, y)
    rng = np.random.default_rng(5)
    big = rng.normal(size=(10_001, X.shape[1]))
    if kind == "five classes":
        # every layer is a Fortran-ordered product of 4 units or more, which
        # numpy runs as dgemm NN: not modelled bit for bit on every core (the
        # claim is a bound), but its rows do not depend on the row count, so
        # the blocks must give what calls of fewer rows (computed whole) give
        m = skseal.native.loads(skseal.dumps(model))
        assert m.exactness("predict_proba").startswith("bounded")
        for meth in m.methods:
            whole = getattr(m, meth)(big)
            parts = np.concatenate([getattr(m, meth)(big[i:i + 200])
                                    for i in range(0, len(big), 200)])
            assert whole.tobytes() == parts.tobytes(), meth
            want = np.asarray(getattr(model, meth)(big))
            if want.dtype.kind == "f":
                np.testing.assert_allclose(whole, want, rtol=1e-12, atol=1e-14)
        return
    m = _exact(model, big, tmp_path)
    for n in (255, 256, 257, 300, 7_300):
        for meth in m.methods:
            want = np.asarray(getattr(model, meth)(big[:n]))
            got = getattr(m, meth)(big[:n])
            assert got.shape == want.shape and got.tobytes() == want.tobytes(), (meth, n)


def test_mlp_string_classes(tmp_path: Path) -> None:
    X, y = _clf_data(50, k=3, n=120)
    ys = np.array(["a", "b", "c"])[y]
    _check(_fit(MLPClassifier((5,), max_iter=40, random_state=1), X, ys), X, tmp_path)


def test_mlp_refusals(tmp_path: Path) -> None:
    X, y = _clf_data(60, k=2, n=80)
    _refused(_fit(MLPClassifier((4,), activation="tanh", max_iter=20), X, y), tmp_path, "tanh")
    Y = np.c_[y, 1 - y]
    _refused(_fit(MLPClassifier((4,), max_iter=20), X, Y), tmp_path, "multilabel")


# ---------------------------------------------------------------- quantile / power


def _skewed(seed: int, n: int = 200) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = np.c_[
        rng.lognormal(size=n),
        rng.normal(size=n) * 5,
        rng.integers(0, 4, size=n).astype(float),  # repeated values: repeated quantiles
        rng.exponential(size=n) - 0.5,
    ]
    return X


@pytest.mark.parametrize("n_quantiles", [5, 100, 1000])
def test_quantile_transformer(tmp_path: Path, n_quantiles: int) -> None:
    X = _skewed(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = QuantileTransformer(n_quantiles=n_quantiles, random_state=0).fit(X)
    Xt = np.r_[X, _skewed(2, 50), [X.min(axis=0) - 1, X.max(axis=0) + 1]]
    Xt[5, 1] = np.nan
    _check(model, Xt, tmp_path)
    y = X[:, 0] + X[:, 3]
    _check(make_pipeline(QuantileTransformer(n_quantiles=50), Ridge()).fit(X, y), Xt[6:], tmp_path)


def test_quantile_normal_refused(tmp_path: Path) -> None:
    model = QuantileTransformer(n_quantiles=20, output_distribution="normal").fit(_skewed(3))
    _refused(model, tmp_path, "normal")


@pytest.mark.parametrize("standardize", [True, False])
@pytest.mark.parametrize("method", ["box-cox", "yeo-johnson"])
def test_power_transformer(tmp_path: Path, method: str, standardize: bool) -> None:
    X = _skewed(4)
    if method == "box-cox":
        X = np.abs(X) + 0.01
    model = PowerTransformer(method=method, standardize=standardize).fit(X)
    Xt = np.r_[X, X * 3 + 0.5]
    Xt[3, 2] = np.nan
    _check(model, Xt, tmp_path)


@pytest.mark.parametrize("func", [np.log1p, np.expm1])
def test_log1p_expm1_function_transformer(tmp_path: Path, func: Any) -> None:
    """np.log1p / np.expm1 (SVML ports on AVX-512), replayed on AVX2 below."""
    _function_transformer(tmp_path, func)


def test_log1p_expm1_transformed_target(tmp_path: Path) -> None:
    _transformed_target(tmp_path, {"func": np.log1p, "inverse_func": np.expm1})


def test_more_without_avx512(tmp_path: Path) -> None:
    """The same tests with numpy's AVX2 dispatch and OpenBLAS's Haswell
    kernels (what a machine without AVX-512 runs)."""
    replay_on_avx2(__file__)
