"""Metadata recorded with every model, and the probe (inputs + outputs at save time)."""

from __future__ import annotations

import contextlib
import functools
import json
import platform
import sys
import warnings
from collections.abc import Iterator, Sequence
from importlib import metadata as _im
from typing import Any

from . import _native

OUTPUT_METHODS = (
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "transform",
    "score_samples",
)

# The version of the compiled extension: Cargo.toml's workspace version,
# which pyproject.toml takes as well (dynamic = ["version"]).
SKSEAL_VERSION: str = _native.__version__


@functools.cache
def _dist_version(name: str) -> str | None:
    try:
        return _im.version(name)
    except _im.PackageNotFoundError:
        return None


def _version(dist: str, module: str) -> str | None:
    """A library's version: its module's ``__version__`` when the module is
    imported (instant), else its distribution metadata (a few ms: it scans
    the installed packages)."""
    v = getattr(sys.modules.get(module), "__version__", None)
    return v if isinstance(v, str) else _dist_version(dist)


@functools.cache
def environment() -> dict[str, Any]:
    """Versions of the libraries a model depends on (cached per process)."""
    return {
        "python": platform.python_version(),
        "platform": f"{sys.platform}-{platform.machine()}",
        "numpy": _version("numpy", "numpy"),
        "scipy": _version("scipy", "scipy"),
        "scikit-learn": _version("scikit-learn", "sklearn"),
    }


@functools.cache
def installed_sklearn() -> str | None:
    """The installed scikit-learn version (see :func:`_version`)."""
    return _version("scikit-learn", "sklearn")


def class_path(obj: Any) -> str:
    t = type(obj)
    return f"{t.__module__}.{t.__qualname__}"


def output_methods(obj: Any) -> list[str]:
    out = []
    for m in OUTPUT_METHODS:
        try:
            if hasattr(obj, m):
                out.append(m)
        except Exception:  # available_if may raise arbitrary errors
            pass
    return out


def estimator_info(obj: Any) -> dict[str, Any]:
    """The live object's class, output methods and fitted attributes (those of
    ``_native.ESTIMATOR_ATTRIBUTES`` that are present and not None), as they
    are: ``skseal_core::metadata`` renders the values (numpy values through
    ``tolist()``, NaN and infinities as text), as ``convert`` renders the same
    attributes read from a legacy file."""
    info: dict[str, Any] = {"class": class_path(obj), "methods": output_methods(obj)}
    for attr, key in _native.ESTIMATOR_ATTRIBUTES:
        try:
            v = getattr(obj, attr, None)
        except Exception:
            v = None
        if v is not None:
            info[key] = v
    return info


def _profile_versions(trusted: list[str]) -> dict[str, str]:
    """Versions of the libraries of the profiles a dump was given, when
    imported (the model was built with them)."""
    out = {}
    for name, package, module, *_ in _native.profiles():
        if name in trusted and module in sys.modules:
            v = getattr(sys.modules[module], "__version__", None)
            if isinstance(v, str):
                out[package] = v
    return out


def facts(obj: Any, trusted: Sequence[str] = ()) -> dict[str, Any]:
    """What only Python knows of the live object, for the file's metadata:
    the environment's library versions, those of the libraries whose profiles
    ``trusted`` names, and the estimator's description. ``skseal_core::metadata``
    (through ``_native.save``) checks, renders, orders and stamps them."""
    return {
        "environment": environment(),
        "libraries": _profile_versions(list(trusted)),
        "estimator": estimator_info(obj),
    }


def user_json(user: Any) -> str:
    """The user's ``metadata=`` as JSON text, the form ``dump`` and ``convert``
    both hand to ``skseal_core::metadata`` (which requires a dict)."""
    try:
        return json.dumps(user, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"metadata must be JSON-serializable (no NaN/inf, no arbitrary objects): {e}. "
            "Convert values to str/int/float/list/dict first"
        ) from e


# ---------------------------------------------------------------- probe


def _probe_input(X: Any) -> dict[str, Any]:
    """A safe representation of probe rows that rebuilds to the same bytes in
    the same memory layout: numpy arrays as they are (C or Fortran order),
    DataFrames with one numeric dtype as one 2-D array in the layout
    ``np.asarray(X)`` has (a single pandas block, as the frame had), other
    DataFrames column by column."""
    import numpy as np

    mod = type(X).__module__
    if mod.startswith("pandas") and hasattr(X, "columns"):
        cols = [str(c) for c in X.columns]
        dtypes = [str(t) for t in X.dtypes]
        numeric = all(t.kind in "biuf" for t in X.dtypes)
        if numeric and len(set(dtypes)) == 1 and len(cols) > 0:
            return {"kind": "frame2d", "columns": cols, "data": np.asarray(X)}
        return {
            "kind": "dataframe",
            "columns": cols,
            "dtypes": dtypes,
            "data": [np.asarray(X[c].to_numpy(dtype=object if X[c].dtype == object else None))
                     for c in X.columns],
        }
    if mod.startswith("scipy.sparse"):
        return {"kind": "sparse", "data": X}
    return {"kind": "array", "data": X}


def _probe_rebuild(p: dict[str, Any]) -> Any:
    if p["kind"] == "frame2d":
        import pandas as pd

        # pandas keeps a 2-D array as one block (its transpose): np.asarray of
        # the frame gives back this array's layout, so BLAS sums in the same order
        return pd.DataFrame(p["data"], columns=p["columns"], copy=False)
    if p["kind"] == "dataframe":
        import pandas as pd

        df = pd.DataFrame({c: v for c, v in zip(p["columns"], p["data"], strict=True)})
        for c, t in zip(p["columns"], p["dtypes"], strict=True):
            try:
                df[c] = df[c].astype(t)
            except (TypeError, ValueError):
                pass
        return df
    return p["data"]


def _probe_output(out: Any) -> Any:
    """A method's output in a form stored without pandas objects: a DataFrame
    or Series becomes its values (plus column names and index for frames)."""
    import numpy as np

    mod = type(out).__module__
    if mod.startswith("pandas"):
        if hasattr(out, "columns"):
            return {
                "kind": "frame",
                "values": np.asarray(out),
                "columns": [str(c) for c in out.columns],
                "index": np.asarray(out.index.to_numpy()),
            }
        if hasattr(out, "to_numpy"):
            return {"kind": "series", "values": np.asarray(out.to_numpy())}
    return out


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Warnings the model's own methods raise (numpy's divide-by-zero in a
    forest's predict_log_proba, convergence notes) are not the user's business
    while a probe is computed or checked."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def make_probe(obj: Any, X: Any) -> dict[str, Any]:
    """Record the outputs of every output method on ``X``.

    Raises ValueError when no output method runs on ``X`` (wrong width,
    wrong column names, ...), naming each method's exception.
    """
    outputs: dict[str, Any] = {}
    errors: list[str] = []
    with _quiet():
        for m in output_methods(obj):
            try:
                outputs[m] = _probe_output(getattr(obj, m)(X))
            except Exception as e:  # noqa: BLE001 - reported below when nothing runs
                errors.append(f"{m}(): {type(e).__name__}: {e}")
    if not outputs:
        raise ValueError(
            "probe: no output method of this model runs on the probe rows, so nothing could "
            "be recorded; pass rows shaped like the model's input (" + "; ".join(errors) + ")"
        )
    return {"input": _probe_input(X), "outputs": outputs}


def _same(a: Any, b: Any) -> bool:
    import numpy as np

    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if a.dtype.hasobject:
            return bool(np.all(a == b))
        return np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()
    if type(a).__module__.startswith("scipy.sparse"):
        a, b = a.tocsr(), b.tocsr()
        return a.shape == b.shape and all(
            _same(x, y) for x, y in ((a.data, b.data), (a.indices, b.indices), (a.indptr, b.indptr))
        )
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if hasattr(a, "to_numpy"):
        return _same(a.to_numpy(), b.to_numpy())
    return bool(a == b)


def _difference(got: Any, expected: Any) -> str:
    """How two outputs differ: rows that differ and the largest gap in ulp."""
    import numpy as np

    if isinstance(got, dict) and isinstance(expected, dict):
        if got.get("columns") != expected.get("columns"):
            return "the output columns differ"
        got, expected = got.get("values"), expected.get("values")
    if type(got).__module__.startswith("scipy.sparse"):
        got = got.toarray()
    if type(expected).__module__.startswith("scipy.sparse"):
        expected = expected.toarray()
    a, b = np.asarray(got), np.asarray(expected)
    if a.shape != b.shape:
        return f"shape {a.shape} instead of {b.shape}"
    if a.dtype != b.dtype:
        return f"dtype {a.dtype} instead of {b.dtype}"
    n = a.shape[0] if a.ndim else 1
    diff = (a != b).reshape(n, -1)
    if a.dtype.kind == "f":
        both_nan = (np.isnan(a) & np.isnan(b)).reshape(n, -1)
        diff &= ~both_nan
    rows = int(diff.any(axis=1).sum())
    text = f"{rows} of {n} rows differ"
    if a.dtype.kind == "f" and a.dtype.itemsize == 8 and rows:
        ia = a.astype("<f8").view("<i8").astype(object)
        ib = b.astype("<f8").view("<i8").astype(object)
        ulp = max(abs(int(x) - int(y)) for x, y in zip(ia.ravel(), ib.ravel(), strict=True))
        text += f", by up to {ulp} ulp"
    return text


def verify_probe(obj: Any, probe: dict[str, Any]) -> None:
    """Recompute the recorded outputs; raise ProbeMismatchError on any bitwise
    difference, naming each method, the rows that differ and the largest gap."""
    import numpy as np

    from .errors import ProbeMismatchError

    X = _probe_rebuild(probe["input"])
    problems: list[str] = []
    with _quiet():
        for m, expected in probe["outputs"].items():
            try:
                got = _probe_output(getattr(obj, m)(X))
            except Exception as e:  # noqa: BLE001 - reported as a mismatch
                problems.append(f"{m}() raised {type(e).__name__}: {e}")
                continue
            if isinstance(expected, np.ndarray) and type(got).__module__.startswith("scipy.sparse"):
                # a probe recorded by native inference (skseal.convert(probe=...))
                # stores outputs dense; scikit-learn may return the same values sparse
                got = got.toarray()
            if not _same(got, expected):
                problems.append(f"{m}(): {_difference(got, expected)}")
    if problems:
        raise ProbeMismatchError(
            "probe check failed: the loaded model does not reproduce the outputs recorded at "
            "save time: " + "; ".join(problems) + "."
        )


def probe_cause(versions_differ: bool) -> str:
    """The sentence a probe mismatch ends with: what the difference comes from."""
    if versions_differ:
        return (
            "The library versions differ from those that saved the file (compare "
            "skseal.inspect(file)['metadata']['environment'] with your environment)."
        )
    return (
        "The library versions are those that saved the file, so the difference comes "
        "from the machine (CPU kernels, BLAS threads) or the model itself."
    )
