"""How skseal.native reads a pandas DataFrame (python/skseal/native.py
``_frame_columns``): numeric and string columns from the frame's blocks,
column names and short string columns from their Arrow arrays, long string
columns coded by Arrow's dictionary encoding. Each path against scikit-learn
on the same frame, bit for bit: one chunk and several (frames concatenated),
missing and unseen strings, names that are not strings, object columns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import skseal
import skseal.native
from skseal import native as sn


def _frame(n: int, seed: int, string_dtype: Any = "string") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    city = rng.choice(["Lyon", "Oslo", "Porto", "Graz", "Cork"], n).astype(object)
    if string_dtype != "string":  # scikit-learn's encoders refuse pd.NA, the "string" dtype's
        city[rng.random(n) < 0.05] = None
    plan = rng.choice(["basic", "plus", "pro"], n)
    return pd.DataFrame({
        "age": rng.normal(40, 10, n),
        "city": pd.array(city, dtype=string_dtype) if string_dtype else city,
        "income": rng.normal(5e4, 1e4, n).round(2),
        "plan": pd.array(plan, dtype=string_dtype) if string_dtype else plan,
    })


def _model(df: pd.DataFrame) -> Pipeline:
    y = (df["age"] > 40).to_numpy().astype(int)
    prep = ColumnTransformer([
        ("num", StandardScaler(), ["age", "income"]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["city", "plan"]),
    ])
    return Pipeline([("prep", prep), ("clf", LogisticRegression())]).fit(df, y)


@pytest.mark.parametrize("string_dtype", ["string", "str", None])
@pytest.mark.parametrize("rows", [1, 7, 255, 256, 3000])
def test_frames_as_scikit_learn_reads_them(string_dtype: Any, rows: int) -> None:
    m = _model(_frame(2000, 1, string_dtype))
    native = skseal.native.loads(skseal.dumps(m))
    test = _frame(rows, 2, string_dtype)
    if rows > 3:
        test.loc[2, "city"] = "Ghent"  # unseen: ignored by the encoder
    assert native.predict_proba(test).tobytes() == m.predict_proba(test).tobytes()
    # several Arrow chunks: frames concatenated
    both = pd.concat([test, _frame(rows, 3, string_dtype)], ignore_index=True)
    if string_dtype:
        assert both._get_column_array(1)._pa_array.num_chunks == 2
    assert native.predict_proba(both).tobytes() == m.predict_proba(both).tobytes()


def test_arrow_coding_is_factorize() -> None:
    a = _frame(400, 4, "str")["city"].array
    b = _frame(300, 5, "str")["city"].array
    both = pd.concat([pd.Series(a), pd.Series(b)], ignore_index=True).array
    for arr in (a, both):
        coded = sn._arrow_coded(arr)
        assert coded is not None
        codes, uniques = pd.factorize(arr, use_na_sentinel=True)
        assert coded[0] == list(np.asarray(uniques, dtype=object))
        assert np.array_equal(coded[1], codes) and coded[1].dtype == np.int64
    assert a._pa_array.num_chunks == 1 and both._pa_array.num_chunks == 2
    assert sn._arrow_coded(np.array(["a", "b"], dtype=object)) is None  # not Arrow


def test_names_and_arrays() -> None:
    df = _frame(5, 6)
    assert sn._column_names(df.columns) == ["age", "city", "income", "plan"]
    # names that are not strings go through str(), as before
    other = pd.DataFrame({0: [1.0, 2.0], 7: [3.0, 4.0]})
    assert sn._column_names(other.columns) == ["0", "7"]
    arrays = sn._block_arrays(df, 4)
    assert arrays is not None
    for i in range(4):
        assert arrays[i] is df._get_column_array(i) or np.array_equal(
            np.asarray(arrays[i], dtype=object), np.asarray(df._get_column_array(i), dtype=object)
        )
    assert sn._block_arrays(df, 5) is None  # a count that does not match
    assert sn._block_arrays(np.zeros((2, 2)), 2) is None  # not a frame


def test_column_transformer_layout_decides_the_claim(tmp_path: Any) -> None:
    """numpy's hstack of a ColumnTransformer's parts is C-ordered when one
    part is (an encoder's or a product's result), else Fortran-ordered when
    the numeric parts are (a DataFrame's columns): the next product's bits
    then differ from the C-ordered product's, so the claim is a bound."""
    from sklearn.preprocessing import OrdinalEncoder

    df = _frame(300, 7, string_dtype=None)
    y = (df["age"] + (df["plan"] == "pro") * 5 > 42).to_numpy().astype(int)
    num = ["age", "income"]
    cases = [
        (ColumnTransformer([("n", StandardScaler(), num), ("c", OrdinalEncoder(), ["plan"])]),
         True),
        (ColumnTransformer([("n", "passthrough", num), ("c", OrdinalEncoder(), ["plan"])]),
         True),
        (ColumnTransformer([("n", StandardScaler(), num)]), True),
        (ColumnTransformer([("n", StandardScaler(), num), ("c", OneHotEncoder(), ["plan"])]),
         False),
    ]
    p = tmp_path / "m.skseal"
    for ct, fortran in cases:
        model = Pipeline([("ct", ct), ("lr", LogisticRegression())]).fit(df, y)
        out = model[0].transform(df)
        assert (out.flags.f_contiguous and not out.flags.c_contiguous) == fortran
        skseal.dump(model, p)
        m = sn.load(p)
        claim = m.exactness("predict_proba")
        got, want = m.predict_proba(df), model.predict_proba(df)
        if fortran:
            assert claim.startswith("bounded"), claim
            assert np.allclose(got, want, rtol=1e-12, atol=0)
        else:
            assert claim.startswith("bitwise"), claim
            assert np.array_equal(got, want)
