"""Native Nystroem.transform with the rbf kernel (issue 15): the squared
euclidean distances as ``euclidean_distances`` computes them (``-2 * X @
C.T``, the einsum row norms, ``np.maximum(., 0)``), ``*= -gamma``,
``np.exp``, then ``@ normalization_.T``. Both products go through the
reproduced OpenBLAS kernels, so the claim is the linear family's: bitwise
for a C-ordered X on the modelled cores (asserted then), else within its
bound. Default and given gamma, 1 to 60 components, one row and batches,
inside a Pipeline with SGDClassifier and Ridge; the AVX2 path (``np.exp``,
OpenBLAS Haswell) is replayed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from avx2_path import replay_on_avx2
from sklearn.kernel_approximation import Nystroem
from sklearn.linear_model import Ridge, SGDClassifier
from sklearn.pipeline import make_pipeline

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError

rng = np.random.default_rng(15)
N = 300
X = rng.normal(size=(N, 6))
Y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int)
YR = X @ np.arange(1.0, 7.0)
XT = np.vstack([rng.normal(size=(200, 6)) * 3, X[:10]])


def _check(want: np.ndarray, got: np.ndarray, how: str) -> None:
    assert want.shape == got.shape
    if how.startswith("bitwise"):
        assert want.tobytes() == got.tobytes()
    else:
        assert np.allclose(want, got, rtol=1e-9, atol=1e-12), how


@pytest.mark.parametrize("kw", [
    {"n_components": 20},
    {"n_components": 1},
    {"n_components": 60, "gamma": 0.05},
    {"n_components": 7, "gamma": 2.0},
], ids=["20", "1", "60 gamma 0.05", "7 gamma 2"])
def test_transform(kw: dict[str, Any]) -> None:
    m = Nystroem(random_state=0, **kw).fit(X)
    native = skseal.native.loads(skseal.dumps(m))
    how = native.exactness("transform")
    _check(m.transform(XT), native.transform(XT), how)
    for i in range(3):
        _check(m.transform(XT[i:i + 1]), native.transform(XT[i:i + 1]), how)


@pytest.mark.parametrize("last", [SGDClassifier(random_state=0), Ridge()], ids=["sgd", "ridge"])
def test_pipeline(last: Any) -> None:
    y = Y if isinstance(last, SGDClassifier) else YR
    p = make_pipeline(Nystroem(n_components=20, random_state=0), last).fit(X, y)
    native = skseal.native.loads(skseal.dumps(p))
    for meth in ("predict", "decision_function"):
        if hasattr(p, meth):
            want, got = np.asarray(getattr(p, meth)(XT)), np.asarray(getattr(native, meth)(XT))
            how = native.exactness(meth)
            if want.dtype.kind == "f":
                _check(want, got, how)
            else:
                assert np.array_equal(want, got) or not how.startswith("bitwise")


def test_dataframe_input_is_within_the_claim() -> None:
    m = Nystroem(n_components=10, random_state=0).fit(pd.DataFrame(X, columns=list("abcdef")))
    native = skseal.native.loads(skseal.dumps(m))
    df = pd.DataFrame(XT, columns=list("abcdef"))
    assert np.allclose(m.transform(df), native.transform(df), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kw", [{"kernel": "poly"}, {"kernel_params": {"gamma": 0.3}}],
                         ids=["poly", "kernel_params"])
def test_refused(kw: dict[str, Any]) -> None:
    m = Nystroem(n_components=5, random_state=0, **kw).fit(X)
    with pytest.raises(UnsupportedModelError, match="Nystroem"):
        skseal.native.loads(skseal.dumps(m))


def test_without_avx512() -> None:
    """The same tests on numpy's AVX2 path and OpenBLAS's Haswell kernels."""
    replay_on_avx2(__file__)
