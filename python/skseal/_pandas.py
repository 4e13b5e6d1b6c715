"""pandas values in a .skseal file, without pandas' private unpickling helpers.

(pandas' own pickles of these values are lowered to the same calls by the
pickle reader: crates/skseal-core/src/vm/pandas.rs.)

When skseal saves an object, every pandas ``DataFrame``, ``Series``,
``Index`` (``RangeIndex``, ``MultiIndex``) and ``Categorical`` in it is
written as a call of :func:`rebuild` with a kind and a dict of plain parts
(numpy arrays, names, dtype names, nested rebuild calls). The policy knows
exactly one such constructor and checks its arguments
(``crates/skseal-core/src/policy/pandas.rs``: kinds, keys, dtype names, the
kinds of nested calls); :func:`rebuild` then builds the value with pandas'
public constructors. The dtypes covered are numpy's numbers, booleans and
``datetime64``, ``object``, pandas' string dtypes and ``category``; others
(nullable integers, periods, intervals, time zones, sparse) are refused when
saving, with the column named.
"""

from __future__ import annotations

from typing import Any

#: dtype names rebuild accepts (the Rust schema holds the same rule:
#: policy/pandas.rs; tests/test_pandas_values.py checks they agree)
NUMPY_KINDS = "biufM"


def _name(x: Any) -> Any:
    if x is None or isinstance(x, str | int | float | bool):
        return x
    if isinstance(x, tuple):
        return tuple(_name(v) for v in x)
    import numpy as np

    if isinstance(x, np.generic):
        return x.item()
    raise ValueError(f"a pandas name of type {type(x).__name__} ({x!r}) cannot be stored")


def _dtype_name(dt: Any, where: str) -> str:
    import numpy as np
    import pandas as pd

    if isinstance(dt, pd.CategoricalDtype):
        return "category"
    if isinstance(dt, pd.StringDtype):
        # pandas 3's default "str" (NaN for missing) or "string" (pd.NA)
        if dt.na_value is pd.NA:
            return f"string[{dt.storage}]"
        return "str"
    if isinstance(dt, np.dtype):
        if dt.kind in NUMPY_KINDS and dt.byteorder in "=|<":
            return dt.name
        if dt.kind == "O":
            return "object"
    raise ValueError(f"{where} has pandas dtype {dt}, which skseal cannot store yet")


def _values(arr: Any, where: str) -> tuple[Any, str]:
    """(values, dtype name) of an Index's or a Series' data."""
    import numpy as np
    import pandas as pd

    dt = arr.dtype
    name = _dtype_name(dt, where)
    if name == "category":
        return pd.Categorical(arr.array if isinstance(arr, pd.Series) else arr), name
    if name == "str" or name.startswith("string["):
        values = np.asarray(arr.to_numpy(dtype=object, na_value=None), dtype=object)
        return values, name
    values = np.asarray(arr.to_numpy(), dtype=dt if isinstance(dt, np.dtype) else None)
    if name.startswith("datetime64"):
        # stored as the int64 counts numpy keeps (numpy's datetime dtype carries
        # metadata the reader does not take)
        return values.view("int64"), name
    return values, name


def reduce(obj: Any) -> tuple[Any, tuple[str, dict[str, Any]]] | None:
    """``pickle``'s reduction of a pandas value as a :func:`rebuild` call, or
    None when ``obj`` is not one."""
    import pandas as pd

    if type(obj) is pd.StringDtype:
        return rebuild, ("dtype", {"name": _dtype_name(obj, "a dtype")})
    if type(obj) is pd.CategoricalDtype:
        return rebuild, ("categorical_dtype", {"categories": obj.categories,
                                               "ordered": bool(obj.ordered)})
    if type(obj) is pd.RangeIndex:
        return rebuild, ("range_index", {"start": int(obj.start), "stop": int(obj.stop),
                                         "step": int(obj.step), "name": _name(obj.name)})
    if type(obj) is pd.MultiIndex:
        return rebuild, ("multi_index", {
            "levels": list(obj.levels), "codes": [c.copy() for c in obj.codes],
            "names": [_name(n) for n in obj.names]})
    if type(obj) is pd.CategoricalIndex or type(obj) is pd.Index or (
            isinstance(obj, pd.Index) and type(obj).__name__ in ("DatetimeIndex",)
            and obj.tz is None and obj.freq is None):
        values, dtype = _values(obj, f"an Index named {obj.name!r}")
        return rebuild, ("index", {"values": values, "dtype": dtype, "name": _name(obj.name)})
    if type(obj) is pd.Categorical:
        return rebuild, ("categorical", {"codes": obj.codes.copy(),
                                         "categories": obj.categories,
                                         "ordered": bool(obj.ordered)})
    if type(obj) is pd.Series:
        if obj.attrs:
            raise ValueError("a Series with attrs cannot be stored (attrs are not kept)")
        values, dtype = _values(obj, f"the Series {obj.name!r}")
        return rebuild, ("series", {"values": values, "dtype": dtype, "index": obj.index,
                                    "name": _name(obj.name)})
    if type(obj) is pd.DataFrame:
        if obj.attrs:
            raise ValueError("a DataFrame with attrs cannot be stored (attrs are not kept)")
        cols = []
        for i in range(obj.shape[1]):
            col = obj.iloc[:, i]
            values, dtype = _values(col, f"the DataFrame column {obj.columns[i]!r}")
            cols.append({"values": values, "dtype": dtype})
        return rebuild, ("frame", {"columns": obj.columns, "data": cols, "index": obj.index})
    mod = type(obj).__module__ or ""
    extension = pd.api.extensions.ExtensionArray
    if mod.split(".")[0] == "pandas" and isinstance(obj, pd.Index | extension):
        raise ValueError(f"a pandas {type(obj).__name__} cannot be stored yet")
    return None


def _column(values: Any, dtype: str) -> Any:
    import pandas as pd

    if dtype == "category":
        return values
    if dtype.startswith("datetime64"):
        return values.view(dtype)
    if dtype == "str" or dtype.startswith("string["):
        pd_dtype = "str" if dtype == "str" else pd.StringDtype(dtype[7:-1])
        return pd.array(values, dtype=pd_dtype)
    return values


def _kw(dtype: str) -> Any:
    """The dtype= to pass with values already converted by :func:`_column`:
    object values stay object (pandas 3 would infer its string dtype)."""
    return object if dtype == "object" else None


def rebuild(kind: str, parts: dict[str, Any]) -> Any:
    """Build a pandas value from the parts :func:`reduce` wrote (checked by
    the policy before this is called)."""
    import pandas as pd

    if kind == "dtype":
        name = parts["name"]
        return pd.StringDtype(name[7:-1]) if name.startswith("string[") else pd.StringDtype(
            na_value=float("nan"))
    if kind == "categorical_dtype":
        return pd.CategoricalDtype(parts["categories"], ordered=parts["ordered"])
    if kind == "range_index":
        return pd.RangeIndex(parts["start"], parts["stop"], parts["step"], name=parts["name"])
    if kind == "multi_index":
        return pd.MultiIndex(levels=parts["levels"], codes=parts["codes"],
                             names=parts["names"], verify_integrity=True)
    if kind == "categorical":
        dtype = pd.CategoricalDtype(parts["categories"], ordered=parts["ordered"])
        return pd.Categorical.from_codes(parts["codes"], dtype=dtype)
    if kind == "index":
        values = _column(parts["values"], parts["dtype"])
        if parts["dtype"] == "category":
            return pd.CategoricalIndex(values, name=parts["name"])
        return pd.Index(values, name=parts["name"], dtype=_kw(parts["dtype"]), copy=False)
    if kind == "series":
        values = _column(parts["values"], parts["dtype"])
        return pd.Series(values, index=parts["index"], name=parts["name"],
                         dtype=_kw(parts["dtype"]), copy=False)
    if kind == "frame":
        index = parts["index"]
        data = {i: pd.Series(_column(c["values"], c["dtype"]), index=index,
                             dtype=_kw(c["dtype"]), copy=False)
                for i, c in enumerate(parts["data"])}
        df = pd.DataFrame(data, index=index, copy=False)
        df.columns = parts["columns"]
        return df
    if kind == "frame_blocks":
        # pandas' own block layout, as skseal reads a pickled DataFrame
        import numpy as np

        columns, index = parts["columns"], parts["index"]
        cols: list[Any] = [None] * len(columns)
        kws: list[Any] = [None] * len(columns)
        for b in parts["blocks"]:
            locs = [int(x) for x in np.asarray(b["locs"]).ravel()]
            values, dtype = b["values"], b["dtype"]
            rows = [values] if len(locs) == 1 and getattr(values, "ndim", 1) == 1 else list(values)
            if len(rows) != len(locs):
                raise ValueError("a DataFrame block's rows do not match its columns")
            for loc, row in zip(locs, rows, strict=True):
                if not 0 <= loc < len(cols) or cols[loc] is not None:
                    raise ValueError(f"DataFrame column position {loc} is out of range or repeated")
                cols[loc] = _column(row, dtype)
                kws[loc] = _kw(dtype)
        if any(c is None for c in cols):
            raise ValueError("a DataFrame column has no block")
        data = {i: pd.Series(c, index=index, dtype=kws[i], copy=False)
                for i, c in enumerate(cols)}
        df = pd.DataFrame(data, index=index, copy=False)
        df.columns = columns
        return df
    raise ValueError(f"unknown pandas value kind {kind!r}")
