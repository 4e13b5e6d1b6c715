"""Native GaussianProcessRegressor.predict (issue 15): the posterior mean
``kernel_(X, X_train_) @ alpha_``, undone normalisation; kernels RBF
(isotropic and per-feature length scales), ConstantKernel, WhiteKernel and
their sums and products, computed as scikit-learn / scipy's cdist compute
them, ``np.exp`` as numpy does on this machine, the product through the
reproduced OpenBLAS dgemv (the kernel matrix is C-ordered whatever X is).
Bitwise where the model claims it (asserted), else within the bound; the
AVX2 path is replayed. Other kernels and several targets are refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from avx2_path import replay_on_avx2
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, DotProduct, WhiteKernel

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError

rng = np.random.default_rng(15)
N = 80
X = rng.normal(size=(N, 4))
Y = np.sin(X[:, 0]) + X[:, 1] ** 2 / 4 + rng.normal(0, 0.05, N)
XT = np.vstack([rng.normal(size=(150, 4)) * 2, X[:10], [[0, 0, 0, 0], [50, -50, 1e3, 0]]])


def gpr(kernel: Any, **kw: Any) -> Callable[[], Any]:
    return lambda: GaussianProcessRegressor(kernel, random_state=0, **kw).fit(X, Y)


CASES: dict[str, Callable[[], Any]] = {
    "RBF + White": gpr(RBF() + WhiteKernel()),
    "default kernel (C * RBF fixed)": gpr(None),
    "C * RBF + White, normalize_y": gpr(ConstantKernel() * RBF() + WhiteKernel(), normalize_y=True),
    "anisotropic RBF": gpr(RBF(length_scale=[1.0, 2.0, 0.5, 3.0]) + WhiteKernel(0.1)),
    "RBF * RBF + C": gpr(RBF(0.5) * RBF(3.0) + ConstantKernel(0.3)),
    "alpha 1e-2, no optimizer": gpr(RBF(1.3), alpha=1e-2, optimizer=None),
}


def _check(m: Any, native: Any, X: Any) -> None:
    want, got = m.predict(X), native.predict(X)
    assert want.shape == got.shape
    if native.exactness("predict").startswith("bitwise"):
        assert want.tobytes() == got.tobytes()
    else:
        assert np.allclose(want, got, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_predict(name: str) -> None:
    m = CASES[name]()
    native = skseal.native.loads(skseal.dumps(m))
    assert native.methods == ["predict"]
    _check(m, native, XT)
    _check(m, native, np.asfortranarray(XT))
    for i in range(3):
        _check(m, native, XT[i:i + 1])


def test_dataframe_and_file(tmp_path: Any) -> None:
    df = pd.DataFrame(X, columns=list("abcd"))
    m = GaussianProcessRegressor(RBF() + WhiteKernel(), random_state=0).fit(df, Y)
    p = tmp_path / "m.skseal"
    skseal.dump(m, p)
    native = skseal.native.load(p)
    _check(m, native, pd.DataFrame(np.tile(XT, (3, 1)), columns=list("abcd")))


@pytest.mark.parametrize("make", [
    lambda: GaussianProcessRegressor(DotProduct()).fit(X, Y),
    lambda: GaussianProcessRegressor(RBF()).fit(X, np.column_stack([Y, -Y])),
], ids=["DotProduct", "two targets"])
def test_refused(make: Callable[[], Any]) -> None:
    with pytest.raises(UnsupportedModelError):
        skseal.native.loads(skseal.dumps(make()))


def test_without_avx512() -> None:
    """The same tests on numpy's AVX2 path and OpenBLAS's Haswell kernels."""
    replay_on_avx2(__file__)
