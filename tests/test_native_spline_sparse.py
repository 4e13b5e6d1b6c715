"""Native SplineTransformer(sparse_output=True) (issue 15): scikit-learn
1.9.1's sparse branch (scipy's ``BSpline.design_matrix``, its changes
through ``tolil()``, ``sparse.hstack``, the bias columns dropped), bit for
bit, for every case of the dense tests; NaN rows as scikit-learn leaves
them (cleared for the first feature only); inside a Pipeline whose linear
model computes on the CSR matrix as scipy does (bitwise); refused inside a
ColumnTransformer, whose stacked sparse result is not modelled."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from avx2_path import replay_on_avx2
from sklearn.base import clone
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer
from test_native_spline import CASES, X, Y, _probe, _same

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError, ValidationError


def _sparse(name: str) -> SplineTransformer:
    return clone(CASES[name]()).set_params(sparse_output=True).fit(X)


def _rows(s: SplineTransformer) -> np.ndarray:
    P = X if s.extrapolation == "error" else _probe(s)
    if s.handle_missing == "zeros":
        P = P.copy()
        P[::5, 0] = np.nan
        P[1::7, 2] = np.nan
        if s.extrapolation in ("constant", "linear"):
            # the other branches hand infinity to scipy, which refuses it
            P[3, 1] = np.inf
            P[4, 1] = -np.inf
    return P


@pytest.mark.parametrize("name", list(CASES))
def test_bitwise(name: str) -> None:
    s = _sparse(name)
    native = skseal.native.loads(skseal.dumps(s))
    assert native.exactness("transform") == "bitwise"
    P = _rows(s)
    want = s.transform(P)
    assert sp.issparse(want)
    _same(want.toarray(), native.transform(P))
    for i in range(5):
        _same(s.transform(P[i:i + 1]).toarray(), native.transform(P[i:i + 1]))


@pytest.mark.parametrize("extrapolation", ["continue", "periodic"])
def test_nan_rows_as_scikit_learn_leaves_them(extrapolation: str) -> None:
    """scikit-learn clears the NaN rows of the first feature's block only:
    a later feature's NaN rows keep the values at the column's nanmin (the
    dense output has zeros there). Native inference gives what
    scikit-learn gives."""
    s = SplineTransformer(extrapolation=extrapolation, handle_missing="zeros",
                          sparse_output=True).fit(X)
    P = X[:10].copy()
    P[2, 0] = np.nan
    P[3, 2] = np.nan
    want = s.transform(P).toarray()
    m = s.bsplines_[0].c.shape[1]
    assert not want[2, :m].any()
    assert want[3, 2 * m:].any()
    dense = clone(s).set_params(sparse_output=False).fit(X).transform(P)
    assert not dense[3, 2 * m:].any()
    _same(want, skseal.native.loads(skseal.dumps(s)).transform(P))


@pytest.mark.parametrize("name", ["default (constant, degree 3, 5 knots)",
                                  "linear, degree 1 (raised to 2 for later features)",
                                  "periodic, degree 3", "continue, degree 4, no bias",
                                  "linear, handle_missing zeros, no bias"])
def test_pipeline_computes_on_the_sparse_matrix(name: str, tmp_path: Any) -> None:
    base = _sparse(name)
    # NaN rows stay (handle_missing="zeros"); infinity would reach the model
    P = np.nan_to_num(_rows(base), nan=np.nan, posinf=50.0, neginf=-50.0)
    reg = make_pipeline(clone(base), Ridge()).fit(X, Y)
    cls = make_pipeline(clone(base), LogisticRegression(max_iter=500)).fit(X, Y > 0)
    big = np.tile(P, (4, 1))
    for model, methods in ((reg, ["predict"]),
                           (cls, ["predict", "predict_proba", "decision_function"])):
        f = tmp_path / "m.skseal"
        skseal.dump(model, f)
        native = skseal.native.load(f)
        for method in methods:
            assert native.exactness(method) == "bitwise"
            want, got = getattr(model, method)(big), getattr(native, method)(big)
            if method == "predict" and model is cls:
                assert np.array_equal(want, got)
            else:
                _same(want, got)


def test_errors_match() -> None:
    s = _sparse("error, inside the knots only")
    native = skseal.native.loads(skseal.dumps(s))
    out = X[:3].copy()
    out[1, 1] = 1e6
    with pytest.raises(ValueError, match="Out of bounds"):
        s.transform(out)
    with pytest.raises(ValueError, match="beyond the limits of the knots"):
        native.transform(out)


@pytest.mark.parametrize("extrapolation", ["continue", "periodic"])
def test_infinity_refused_where_scipy_refuses_it(extrapolation: str) -> None:
    s = SplineTransformer(extrapolation=extrapolation, handle_missing="zeros",
                          sparse_output=True).fit(X)
    P = X[:4].copy()
    P[2, 1] = np.inf
    with pytest.raises(ValueError, match="infs or nans"):
        s.transform(P)
    said = r"infinity \(row 2, column 1\); SplineTransformer\(sparse_output=True"
    with pytest.raises(ValueError, match=said):
        skseal.native.loads(skseal.dumps(s)).transform(P)


def test_inside_a_column_transformer_is_refused() -> None:
    ct = make_column_transformer((SplineTransformer(sparse_output=True), [0, 1]),
                                 remainder="passthrough")
    p = make_pipeline(ct, Ridge()).fit(X, Y)
    with pytest.raises(UnsupportedModelError, match="SplineTransformer inside a ColumnTransformer"):
        skseal.native.loads(skseal.dumps(p))


def test_a_next_step_without_sparse_input_is_refused() -> None:
    p = make_pipeline(SplineTransformer(sparse_output=True),
                      MLPRegressor(hidden_layer_sizes=(4,), max_iter=20, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p.fit(X, Y)
    said = r"MLPRegressor after SplineTransformer \(whose output is a scipy sparse"
    with pytest.raises(UnsupportedModelError, match=said):
        skseal.native.loads(skseal.dumps(p))


def test_without_avx512() -> None:
    """The same tests on numpy's AVX2 path and OpenBLAS's Haswell kernels."""
    replay_on_avx2(__file__)


def test_splines_that_do_not_fit_their_knots_are_refused() -> None:
    """What the sparse branch reads beyond the dense one: a design matrix
    column per basis function (``len(t) - k - 1``), the coefficients' columns
    (periodic: ``degree`` fewer); and a periodic spline needs at least
    ``degree`` of them to wrap."""
    from scipy.interpolate import BSpline

    s = _sparse("default (constant, degree 3, 5 knots)")
    for spl in s.bsplines_:
        spl.c = np.hstack([spl.c, np.zeros((spl.c.shape[0], 1))])
    with pytest.raises(ValidationError, match="11 knots of degree 3 do not give 8 splines"):
        skseal.native.loads(skseal.dumps(s))
    p = _sparse("periodic, degree 3")
    t = np.arange(9.0)
    p.bsplines_ = [BSpline(t, np.zeros((5, 2)), 3, extrapolate=True) for _ in p.bsplines_]
    native = skseal.native.loads(skseal.dumps(p))
    with pytest.raises(ValueError, match="periodic spline has too few splines"):
        native.transform(np.full((2, 3), 4.0))
