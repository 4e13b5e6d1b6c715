"""Native MLPClassifier / MLPRegressor (and the families added with them):
bit-identical to scikit-learn where the native model claims bitwise, else
within the documented bound, on every method."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from test_native_compose import _clf_data, _exact, _refused, _rows
from test_native_linear import _data


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


def test_mlp_string_classes(tmp_path: Path) -> None:
    X, y = _clf_data(50, k=3, n=120)
    ys = np.array(["a", "b", "c"])[y]
    _check(_fit(MLPClassifier((5,), max_iter=40, random_state=1), X, ys), X, tmp_path)


def test_mlp_refusals(tmp_path: Path) -> None:
    X, y = _clf_data(60, k=2, n=80)
    _refused(_fit(MLPClassifier((4,), activation="tanh", max_iter=20), X, y), tmp_path, "tanh")
    Y = np.c_[y, 1 - y]
    _refused(_fit(MLPClassifier((4,), max_iter=20), X, Y), tmp_path, "multilabel")


def test_more_without_avx512(tmp_path: Path) -> None:
    """The same tests with numpy's AVX2 dispatch and OpenBLAS's Haswell
    kernels (what a machine without AVX-512 runs)."""
    if os.environ.get("SKSEAL_AVX2_CHILD"):
        pytest.skip("already the AVX2 run")
    env = dict(os.environ, NPY_DISABLE_CPU_FEATURES="X86_V4", OPENBLAS_CORETYPE="Haswell",
               OPENBLAS_NUM_THREADS="1", SKSEAL_AVX2_CHILD="1")
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", __file__,
         "-k", "not without_avx512"],
        env=env, capture_output=True, text=True, cwd=Path(__file__).parent.parent,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
