"""Native inference of HistGradientBoosting with categorical features (issue
15): the fitted ``_preprocessor`` (a ColumnTransformer: OrdinalEncoder with
``unknown_value=nan`` on the categorical columns, then the numerical columns
through ``functools.partial(check_array, dtype=[np.float64],
ensure_all_finite=False)``) runs first, then the predictors walk the
categorical splits with ``raw_left_cat_bitsets`` and the known-category
bitsets (``_predictor.pyx``: NaN, negative and unknown codes follow
``missing_go_to_left``). Compared bit for bit with scikit-learn on pandas
category columns (strings, with missing and unseen values), numeric code
columns given by mask and by index (unseen codes, negative codes, NaN,
non-integers, codes past 255), 200 categories, several categorical columns
between numerical ones, binary, multiclass and Poisson models, one row at a
time and in parallel batches. Probabilities go through ``np.exp``, so the
other numpy CPU path is replayed in a subprocess."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from avx2_path import replay_on_avx2
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

import skseal
import skseal.native

METHODS = ("predict", "predict_proba", "decision_function")
rng = np.random.default_rng(15)
N = 600


def _frame(n: int, seed: int, unseen: bool = False) -> pd.DataFrame:
    r = np.random.default_rng(seed)
    cities = ["paris", "lyon", "nice", "lille", "brest"] + (["oslo", "rome"] if unseen else [])
    plan = r.choice(["basic", "pro", "team"] + (["gold"] if unseen else []), n).astype(object)
    plan[r.random(n) < 0.1] = None
    df = pd.DataFrame({
        "age": r.integers(18, 80, n).astype(float),
        "city": pd.Categorical(r.choice(cities, n)),
        "income": r.lognormal(10, 0.5, n),
        "plan": pd.Categorical(plan),
    })
    df.loc[r.random(n) < 0.1, "income"] = np.nan
    return df


DF = _frame(N, 1)
DF_TEST = _frame(300, 2, unseen=True)
YB = ((DF["age"] / 80 + (DF["city"] == "paris") + (DF["plan"] == "pro")).to_numpy() > 0.9
      ).astype(int)
Y3 = (DF["city"].cat.codes.to_numpy() + (DF["age"].to_numpy() > 50)) % 3
YR = DF["age"].to_numpy() / 10 + DF["city"].cat.codes.to_numpy() + rng.normal(0, 0.3, N)

# numeric code columns: 0 and 2 categorical (4 and 200 categories), 1 and 3 numerical
XC = np.column_stack([rng.integers(0, 4, N), rng.normal(size=N), rng.integers(0, 200, N),
                      rng.normal(size=N)]).astype(float)
XC[rng.random(N) < 0.05, 0] = np.nan
XC[rng.random(N) < 0.05, 1] = np.nan
YC = ((XC[:, 0] == 2) ^ (np.nan_to_num(XC[:, 1]) > 0) ^ (XC[:, 2] % 3 == 0)).astype(int)
YCR = np.nan_to_num(XC[:, 0]) * 2 + XC[:, 2] / 50 + np.nan_to_num(XC[:, 1])
# rows with every kind of value a categorical column can get at predict time
ODD = [np.nan, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 3.5, 4.0, 7.0, 199.0, 200.0, 255.0, 256.0,
       260.0, 1e6, -1e6]
XT = np.array([[a, b, c, d] for a in ODD for b, c, d in
               [(0.1, 5.0, -1.0), (np.nan, 199.0, 0.0), (-2.0, np.nan, 2.0),
                (1.0, 300.0, np.nan), (0.0, 3.0, 0.5), (np.inf, 1.0, -np.inf)]]
              + [[c0, 0.0, c2, 1.0] for c0 in (0, 1, 2, 3) for c2 in ODD])
XC_TEST = np.vstack([XC[:100], XT])

P = {"max_iter": 25, "random_state": 0}
MASK = [True, False, True, False]

CASES: dict[str, Callable[[], tuple[Any, Any]]] = {
    "frame, binary, from_dtype": lambda: (
        HistGradientBoostingClassifier(**P).fit(DF, YB), DF_TEST),
    "frame, multiclass, from_dtype": lambda: (
        HistGradientBoostingClassifier(**P).fit(DF, Y3), DF_TEST),
    "frame, regressor, from_dtype": lambda: (
        HistGradientBoostingRegressor(**P).fit(DF, YR), DF_TEST),
    "frame, poisson, by name": lambda: (
        HistGradientBoostingRegressor(loss="poisson", categorical_features=["plan", "city"], **P)
        .fit(DF, np.abs(YR)), DF_TEST),
    "codes, binary, mask": lambda: (
        HistGradientBoostingClassifier(categorical_features=MASK, **P).fit(XC, YC), XC_TEST),
    "codes, multiclass, indices": lambda: (
        HistGradientBoostingClassifier(categorical_features=[0, 2], **P)
        .fit(XC, (YC + (XC[:, 2] > 100)) % 3), XC_TEST),
    "codes, regressor, last column only": lambda: (
        HistGradientBoostingRegressor(categorical_features=[False, False, False, True],
                                      **P).fit(np.column_stack([XC[:, 1:], XC[:, 0]]), YCR),
        np.column_stack([XC_TEST[:, 1:], XC_TEST[:, 0]])),
    "codes, regressor, 200 categories, small max_bins": lambda: (
        HistGradientBoostingRegressor(categorical_features=[2], max_bins=255, max_depth=3,
                                      **P).fit(XC[:, [1, 3, 2]], YCR), XC_TEST[:, [1, 3, 2]]),
    "codes, regressor, no missing values in training": lambda: (
        HistGradientBoostingRegressor(categorical_features=MASK, **P)
        .fit(np.nan_to_num(XC), YCR), XC_TEST),
}


def _check(model: Any, native: Any, X: Any) -> int:
    n = 0
    for m in METHODS:
        if not hasattr(model, m):
            continue
        assert m in native.methods, m
        want, got = np.asarray(getattr(model, m)(X)), np.asarray(getattr(native, m)(X))
        assert native.exactness(m) == "bitwise", m
        assert want.shape == got.shape, m
        if want.dtype.kind == "f":
            assert want.tobytes() == got.tobytes(), m
        else:
            assert np.array_equal(want, got), m
        n += 1
    return n


@pytest.mark.parametrize("name", list(CASES))
def test_bitwise(name: str) -> None:
    model, X = CASES[name]()
    assert model._preprocessor is not None
    native = skseal.native.loads(skseal.dumps(model))
    assert _check(model, native, X) >= 1
    # one row at a time (the branch-free single-row path is not taken)
    Xr = X.iloc[:20] if isinstance(X, pd.DataFrame) else X[:20]
    for i in range(20):
        row = Xr.iloc[[i]] if isinstance(X, pd.DataFrame) else Xr[i:i + 1]
        _check(model, native, row)


@pytest.mark.parametrize("name", ["frame, multiclass, from_dtype", "codes, binary, mask"])
def test_parallel_batches(name: str, tmp_path: Any) -> None:
    """5,000 rows (parallel batches), from a file read array by array."""
    model, X = CASES[name]()
    big = (pd.concat([X] * (5000 // len(X) + 1), ignore_index=True)
           if isinstance(X, pd.DataFrame) else np.tile(X, (5000 // len(X) + 1, 1)))
    p = tmp_path / "m.skseal"
    skseal.dump(model, p)
    _check(model, skseal.native.load(p), big)


def test_unseen_string_and_columns_by_name() -> None:
    """Unseen strings and missing values are unknown categories (NaN), and
    columns given in another order are put back in the fitted order."""
    model, X = CASES["frame, binary, from_dtype"]()
    native = skseal.native.loads(skseal.dumps(model))
    odd = X.head(8).copy()
    odd["city"] = pd.Categorical(["", "PARIS", "paris ", None, "oslo", "lyon", "nice", "x" * 50])
    _check(model, native, odd)
    _check(model, native, odd[["plan", "income", "city", "age"]])
    with pytest.raises(ValueError, match="income"):
        native.predict(odd.drop(columns="income"))


def test_strings_in_a_numerical_column_are_refused() -> None:
    model, X = CASES["frame, binary, from_dtype"]()
    native = skseal.native.loads(skseal.dumps(model))
    bad = X.head(3).astype({"age": object})
    bad.loc[0, "age"] = "old"
    with pytest.raises(ValueError):
        model.predict(bad)
    with pytest.raises(ValueError):
        native.predict(bad)


def test_infinity_in_a_categorical_column_is_refused() -> None:
    """The OrdinalEncoder refuses infinity (NaN is a missing category); the
    numerical columns take it (``ensure_all_finite=False``)."""
    model, X = CASES["codes, binary, mask"]()
    native = skseal.native.loads(skseal.dumps(model))
    for v in (np.inf, -np.inf):
        bad = X[:3].copy()
        bad[1, 2] = v
        with pytest.raises(ValueError, match="infinity"):
            model.predict(bad)
        with pytest.raises(ValueError, match="(?i)infinit"):
            native.predict(bad)


def test_only_the_float64_check_array_partial_is_computed() -> None:
    """A FunctionTransformer of exactly HistGradientBoosting's partial is the
    float64 identity; a partial with other keywords is refused by name."""
    import functools

    from sklearn.preprocessing import FunctionTransformer
    from sklearn.utils.validation import check_array

    from skseal.errors import UnsupportedModelError

    X = np.array([[1.0, np.nan], [np.inf, -2.0]])
    ok = functools.partial(check_array, dtype=[np.float64], ensure_all_finite=False)
    t = FunctionTransformer(ok).fit(X)
    got = skseal.native.loads(skseal.dumps(t)).transform(X)
    assert got.tobytes() == t.transform(X).tobytes()
    for other in (functools.partial(check_array, dtype=[np.float64]),
                  functools.partial(check_array, dtype=[np.float32], ensure_all_finite=False),
                  functools.partial(check_array, dtype=[np.float64], ensure_all_finite=False,
                                    ensure_min_samples=2)):
        t = FunctionTransformer(other).fit(X)
        with pytest.raises(UnsupportedModelError, match="FunctionTransformer"):
            skseal.native.loads(skseal.dumps(t))


def test_without_avx512() -> None:
    """The same tests with numpy's AVX2 dispatch (what a machine without
    AVX-512 runs): probabilities go through np.exp."""
    replay_on_avx2(__file__)
