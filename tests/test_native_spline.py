"""Native SplineTransformer (issue 15): scipy's B-spline evaluation
(``_find_interval``, ``_deBoor_D``, the coefficient sums of
``evaluate_spline``) and the transform's own steps, bit for bit with
scikit-learn 1.9.1 / scipy 1.17: every extrapolation (error, constant,
linear, continue, periodic), degrees 1 to 5, uniform and quantile knots,
explicit knots, include_bias False, handle_missing "zeros" with NaN (and
infinity, which it lets through), values on every knot and one ulp either
side, far outside the knots, constant columns; inside a Pipeline with a
linear model (whose product claims what the linear family claims).
Plain double arithmetic, no CPU dispatch, but the Pipeline's product does
depend on the BLAS path, so the AVX2 path is replayed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from avx2_path import replay_on_avx2
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError

rng = np.random.default_rng(15)
N = 300
X = np.column_stack([rng.normal(size=N), rng.uniform(-3, 7, N), rng.exponential(2, N)])
Y = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(0, 0.1, N)


def _probe(st: SplineTransformer) -> np.ndarray:
    """Test rows: the training rows, every knot and one ulp either side,
    far outside the knots, between knots."""
    cols = []
    for f, spl in enumerate(st.bsplines_):
        t = np.unique(spl.t)
        v = np.concatenate([t, np.nextafter(t, -np.inf), np.nextafter(t, np.inf),
                            (t[:-1] + t[1:]) / 2, [t[0] - 10, t[-1] + 10, -1e6, 1e6, 0.0, -0.0],
                            X[:, f]])
        cols.append(v)
    n = max(len(c) for c in cols)
    return np.column_stack([np.resize(c, n) for c in cols])


def st(**kw: Any) -> Callable[[], SplineTransformer]:
    return lambda: SplineTransformer(**kw).fit(X)


CASES: dict[str, Callable[[], SplineTransformer]] = {
    "default (constant, degree 3, 5 knots)": st(),
    "constant, degree 1": st(degree=1, n_knots=4),
    "constant, degree 5, 12 knots": st(degree=5, n_knots=12),
    "linear, degree 3": st(extrapolation="linear"),
    "linear, degree 1 (raised to 2 for later features)": st(extrapolation="linear", degree=1),
    "linear, degree 2, quantile knots": st(extrapolation="linear", degree=2, knots="quantile"),
    "continue, degree 3": st(extrapolation="continue", n_knots=7),
    "continue, degree 4, no bias": st(extrapolation="continue", degree=4, include_bias=False),
    "periodic, degree 3": st(extrapolation="periodic", n_knots=6),
    "periodic, degree 1, no bias": st(extrapolation="periodic", degree=1, include_bias=False),
    "periodic, degree 2, quantile knots": st(extrapolation="periodic", degree=2,
                                             knots="quantile", n_knots=8),
    "explicit knots": lambda: SplineTransformer(
        knots=np.array([[-3.0, -4, 0], [-1, 0, 1], [0.5, 2, 2.5], [3, 8, 30]]), degree=2).fit(X),
    "error, inside the knots only": st(extrapolation="error"),
    "constant, handle_missing zeros": st(handle_missing="zeros"),
    "periodic, handle_missing zeros": st(extrapolation="periodic", handle_missing="zeros"),
    "continue, handle_missing zeros": st(extrapolation="continue", handle_missing="zeros"),
    "linear, handle_missing zeros, no bias": st(extrapolation="linear", handle_missing="zeros",
                                                include_bias=False),
}


def _same(want: np.ndarray, got: np.ndarray) -> None:
    assert want.shape == got.shape
    assert want.tobytes() == got.tobytes(), np.argwhere(
        want.view(np.int64) != got.view(np.int64))[:5]


@pytest.mark.parametrize("name", list(CASES))
def test_bitwise(name: str) -> None:
    s = CASES[name]()
    native = skseal.native.loads(skseal.dumps(s))
    assert native.exactness("transform") == "bitwise"
    P = _probe(s)
    if s.extrapolation == "error":
        P = X
    if s.handle_missing == "zeros":
        P = P.copy()
        P[::5, 0] = np.nan
        P[1::7, 2] = np.nan
        P[3, 1] = np.inf
        P[4, 1] = -np.inf
    _same(s.transform(P), native.transform(P))
    for i in range(5):
        _same(s.transform(P[i:i + 1]), native.transform(P[i:i + 1]))


def test_constant_column() -> None:
    Xc = np.column_stack([X[:, 0], np.full(N, 2.5)])
    for ex in ("constant", "linear", "continue", "periodic"):
        s = SplineTransformer(extrapolation=ex).fit(Xc)
        P = np.column_stack([X[:20, 0], np.linspace(0, 5, 20)])
        _same(s.transform(P), skseal.native.loads(skseal.dumps(s)).transform(P))


def test_errors_match() -> None:
    s = CASES["error, inside the knots only"]()
    native = skseal.native.loads(skseal.dumps(s))
    out = X[:3].copy()
    out[1, 1] = 1e6
    with pytest.raises(ValueError, match="beyond the limits of the knots"):
        s.transform(out)
    with pytest.raises(ValueError, match="beyond the limits of the knots"):
        native.transform(out)
    nan = X[:3].copy()
    nan[0, 0] = np.nan
    for m in (s, CASES["default (constant, degree 3, 5 knots)"]()):
        with pytest.raises(ValueError, match="NaN"):
            m.transform(nan)
        with pytest.raises(ValueError, match="NaN"):
            skseal.native.loads(skseal.dumps(m)).transform(nan)


def test_pipeline_with_ridge(tmp_path: Any) -> None:
    p = make_pipeline(SplineTransformer(n_knots=6), Ridge()).fit(X, Y)
    f = tmp_path / "m.skseal"
    skseal.dump(p, f)
    native = skseal.native.load(f)
    big = np.tile(_probe(p[0]), (8, 1))
    want, got = p.predict(big), native.predict(big)
    if native.exactness("predict").startswith("bitwise"):
        _same(want, got)
    else:
        assert np.allclose(want, got, rtol=1e-12, atol=1e-12)


def test_fortran_order_makes_a_later_product_bounded() -> None:
    p = make_pipeline(SplineTransformer(order="F"), Ridge()).fit(X, Y)
    native = skseal.native.loads(skseal.dumps(p))
    assert native.exactness("predict") != "bitwise-c-ordered"
    assert np.allclose(p.predict(X), native.predict(X), rtol=1e-12, atol=1e-12)
    _same(p[0].transform(X), skseal.native.loads(skseal.dumps(p[0])).transform(X))


def test_refused() -> None:
    s = SplineTransformer(degree=0).fit(X)
    with pytest.raises(UnsupportedModelError, match="SplineTransformer"):
        skseal.native.loads(skseal.dumps(s))


def test_without_avx512() -> None:
    """The same tests on numpy's AVX2 path and OpenBLAS's Haswell kernels."""
    replay_on_avx2(__file__)
