"""pandas values in skseal's own files (issue 14): DataFrame, Series, Index,
RangeIndex, MultiIndex, Categorical and pandas dtypes are written as calls of
the one vetted constructor ``skseal._pandas.rebuild`` and come back exactly
(values, dtypes, names, index); values skseal cannot store are refused when
saving with the column named; hand-made rebuild calls with anything else are
refused before the constructor runs."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest

import skseal
import skseal._pandas as skpd
from skseal.errors import UnsupportedObjectError, UntrustedTypeError

rng = np.random.default_rng(0)
FRAME = pd.DataFrame(
    {"a": rng.normal(size=5), "b": ["x", "y", None, "x", "z"],
     "c": pd.Categorical(["u", "v", "u", "u", "v"]), "d": np.arange(5, dtype=np.int32),
     "e": pd.date_range("2026-01-01", periods=5), "f": [True, False, True, True, False],
     "g": pd.array(["p", "q", None, "r", "s"], dtype="string"),
     "h": pd.Series([1, "a", None, 2.5, "b"], dtype=object),
     "i": np.array([1, 2, 3, 4, 5], dtype=np.uint8)},
    index=pd.Index([10, 11, 12, 13, 14], name="id"))

VALUES: dict[str, Any] = {
    "mixed DataFrame": FRAME,
    "DataFrame with a MultiIndex": pd.DataFrame(
        np.ones((4, 2)), columns=["x", "y"],
        index=pd.MultiIndex.from_product([["a", "b"], [1, 2]], names=["k", None])),
    "DataFrame with integer column names": pd.DataFrame(np.eye(3)),
    "Series with a string index": pd.Series([0.5, 0.25], index=["a", "b"], name="imp"),
    "Series of categories": pd.Series(pd.Categorical(["a", "b", "a"], categories=["b", "a"],
                                                     ordered=True), name=("t", 1)),
    "RangeIndex": pd.RangeIndex(0, 10, 2, name="r"),
    "CategoricalIndex": pd.CategoricalIndex(["a", "b", "a"], name="c"),
    "MultiIndex": pd.MultiIndex.from_product([["a", "b"], [1, 2]], names=["k", "n"]),
    "Categorical": pd.Categorical(["a", "b", "a"], categories=["b", "a"], ordered=True),
    "str dtype": pd.Series(["a"]).dtype,
    "string dtype": pd.StringDtype("python"),
    "CategoricalDtype": pd.CategoricalDtype(["x", "y"], ordered=True),
    "empty DataFrame": pd.DataFrame(),
}


def same(a: Any, b: Any) -> None:
    assert type(a) is type(b)
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert list(a.dtypes.astype(str)) == list(b.dtypes.astype(str))
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True)
    elif isinstance(a, pd.Index):
        pd.testing.assert_index_equal(a, b, exact=True)
    elif isinstance(a, pd.Categorical):
        assert a.equals(b) and a.dtype == b.dtype
    else:
        assert a == b and repr(a) == repr(b)


@pytest.mark.parametrize("name", list(VALUES))
def test_pandas_values_round_trip_exactly(name: str) -> None:
    v = VALUES[name]
    got = skseal.loads(skseal.dumps({"v": v, "again": v}))
    same(v, got["v"])
    same(v, got["again"])


def test_the_file_holds_no_pandas_name() -> None:
    names = {g["name"] for g in skseal.inspect(skseal.dumps(FRAME))["globals"]}
    assert "skseal._pandas.rebuild" in names
    assert not [n for n in names if n.startswith(("pandas", "pyarrow"))], names


@pytest.mark.parametrize("value, what", [
    (pd.Series([1, None], dtype="Int64", name="n"), "dtype Int64"),
    (pd.Series(pd.date_range("2026", periods=2, tz="UTC"), name="t"), "UTC"),
    (pd.DataFrame({"p": pd.period_range("2026-01", periods=2, freq="M")}), "column 'p'"),
    (pd.date_range("2026", periods=3), "DatetimeIndex"),
])
def test_values_skseal_cannot_store_are_named(value: Any, what: str) -> None:
    with pytest.raises(UnsupportedObjectError, match=what):
        skseal.dumps({"v": value})


class Crafted:
    """Pickles as a rebuild call with the given arguments (a hostile file)."""

    def __init__(self, *args: Any) -> None:
        self.args = args

    def __reduce__(self) -> Any:
        return skpd.rebuild, self.args


INDEX = Crafted("index", {"values": np.array([1, 2]), "dtype": "int64", "name": None})
HOSTILE = {
    "unknown kind": ("eval", {}),
    "extra key": ("range_index", {"start": 0, "stop": 2, "step": 1, "name": None, "x": 1}),
    "missing key": ("range_index", {"start": 0, "stop": 2, "step": 1}),
    "zero step": ("range_index", {"start": 0, "stop": 2, "step": 0, "name": None}),
    "dtype outside the list": ("index", {"values": np.array([1]), "dtype": "float64; x",
                                         "name": None}),
    "2-D values": ("series", {"values": np.ones((2, 2)), "dtype": "float64", "index": INDEX,
                              "name": None}),
    "index that is not an index": ("series", {"values": np.ones(2), "dtype": "float64",
                                              "index": [0, 1], "name": None}),
    "float codes": ("categorical", {"codes": np.array([0.5]), "categories": INDEX,
                                    "ordered": False}),
    "datetime values that are floats": ("index", {"values": np.ones(2), "dtype":
                                                  "datetime64[ns]", "name": None}),
    "a name that is an object": ("index", {"values": np.ones(2), "dtype": "float64",
                                           "name": Crafted("range_index", {})}),
    "three arguments": ("index", {}, 1),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hand_made_rebuild_calls_are_refused_before_pandas(name: str) -> None:
    """The policy refuses the call (UntrustedTypeError is raised before any
    object is built) and names the constructor and what is wrong."""
    data = pickle.dumps(Crafted(*HOSTILE[name]), protocol=5)  # written, never unpickled
    with pytest.raises(UntrustedTypeError, match="skseal._pandas.rebuild called with"):
        skseal.loads(data)


def test_a_well_formed_hand_made_call_loads() -> None:
    """The refusals above are the schema's, not a blanket refusal."""
    data = pickle.dumps(INDEX, protocol=5)
    same(pd.Index([1, 2]), skseal.loads(data))


# pandas' own pickles: datetime columns are numpy datetime64 arrays, which the
# pickle reader does not take yet
PICKLED = {k: v for k, v in VALUES.items() if k != "mixed DataFrame"}
PICKLED["mixed DataFrame without datetimes"] = FRAME.drop(columns="e")
PICKLED["Series of python-backed strings"] = pd.Series(["x", None, "y"], dtype="string[python]",
                                                       index=pd.Index(["a", "b", "c"],
                                                                      dtype=object))
PICKLED["DataFrame of object columns"] = pd.DataFrame({
    "o": pd.Series([1, "a"], dtype=object), "p": pd.Series([2.5, None], dtype=object)})


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
@pytest.mark.parametrize("name", list(PICKLED))
def test_pickles_of_pandas_values_load_exactly(name: str, protocol: int) -> None:
    """pandas' own pickles are lowered to the same rebuild calls (vm/pandas.rs)
    without trusting pandas' helpers."""
    v = PICKLED[name]
    got = skseal.loads(pickle.dumps({"v": v, "again": v}, protocol=protocol))
    same(v, got["v"])
    same(v, got["again"])


def test_joblib_and_converted_files_of_pandas_values(tmp_path: Any) -> None:
    import joblib

    frame = PICKLED["mixed DataFrame without datetimes"]
    joblib.dump({"frame": frame}, tmp_path / "b.joblib")
    same(frame, skseal.load(tmp_path / "b.joblib")["frame"])
    # nothing to trust: pandas' helpers are lowered, not trusted
    assert skseal.untrusted_types(tmp_path / "b.joblib") == []
    # a pandas value that is not lowered is still listed
    joblib.dump({"n": pd.Series([1, None], dtype="Int64")}, tmp_path / "n.joblib")
    assert "pandas.arrays.IntegerArray" in skseal.untrusted_types(tmp_path / "n.joblib")
    skseal.convert(tmp_path / "b.joblib", tmp_path / "b.skseal")
    same(frame, skseal.load(tmp_path / "b.skseal")["frame"])
    names = {g["name"] for g in skseal.inspect(tmp_path / "b.skseal")["globals"]}
    assert not [n for n in names if n.startswith(("pandas", "pyarrow"))], names


@pytest.mark.parametrize("value", [
    pd.Series([1, None], dtype="Int64"),
    pd.Series(pd.interval_range(0, 3)),
])
def test_pickled_pandas_values_skseal_does_not_read_give_the_way_out(value: Any) -> None:
    with pytest.raises(UntrustedTypeError, match="skseal.dump") as e:
        skseal.loads(pickle.dumps(value, protocol=5))
    assert 'trusted=["pandas' not in str(e.value)


def _strings_pickle() -> bytes:
    return pickle.dumps(pd.Series(["ab", "cd"]), protocol=5)


def _offsets(*xs: int) -> bytes:
    return b"".join(x.to_bytes(8, "little", signed=True) for x in xs)


@pytest.mark.parametrize("old, new", [
    (_offsets(0, 2, 4), _offsets(0, 2, 99)),   # past the data
    (_offsets(0, 2, 4), _offsets(0, 3, 2)),    # decreasing
    (_offsets(0, 2, 4), _offsets(-8, 2, 4)),   # negative
    (b"abcd", b"ab\xff\xfe"),                   # not UTF-8
])
def test_broken_arrow_strings_are_not_read(old: bytes, new: bytes) -> None:
    """A pyarrow string array whose offsets or bytes are wrong is not lowered:
    its pandas and pyarrow names are refused, nothing is built."""
    data = _strings_pickle()
    assert data.count(old) == 1
    with pytest.raises(UntrustedTypeError, match="pyarrow"):
        skseal.loads(data.replace(old, new))
