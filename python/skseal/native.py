"""Native inference: compute a saved model's predictions in Rust.

``skseal.native.load`` reads a ``.skseal``, pickle or joblib file with the
same checks as :func:`skseal.load` (nothing from the file is executed), then
builds a Rust implementation of the model. scikit-learn is not used at
predict time, and the results are bit-identical to scikit-learn's for trees,
tree ensembles and the other supported families (see docs/NATIVE.md for the
list and the few documented bounds)::

    import skseal.native
    m = skseal.native.load("model.skseal")
    m.predict_proba(X)          # numpy array or pandas DataFrame

Models with a step native inference does not implement are refused at load
with :class:`~skseal.errors.UnsupportedModelError` naming the step.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import sys
from collections.abc import Iterable
from typing import Any

import numpy as np

from . import _native
from ._api import KeyLike, _key_bytes
from ._trust import normalize_trusted


def _numpy_svml() -> bool:
    """Does this process's numpy compute float64 exp/log/power with SVML?

    Measured, not read from ``__cpu_features__``: with
    ``NPY_DISABLE_CPU_FEATURES=X86_V3`` numpy 2.4 still reports X86_V4 but
    no longer dispatches to SVML, and names it does not know (``AVX512F``)
    are ignored. SVML's exp rounds differently from glibc's on about 4.6% of
    inputs, so 1,001 fixed points tell the two apart; numpy's other path is
    glibc's ``exp``, which ``math.exp`` calls too.
    """
    x = np.linspace(-5.0, 5.0, 1001)
    return bool(np.exp(x).tobytes() != np.array([math.exp(v) for v in x]).tobytes())


def _openmp_threads() -> int:
    """The OpenMP thread count scikit-learn's compiled code uses in this process
    (``_openmp_effective_n_threads()``), or 0 when scikit-learn is not imported
    (importing it here would cost a native load half a second). Brute-force
    neighbour searches split their work by it, which decides the order of
    neighbours at exactly the same distance; its runtime read
    ``OMP_NUM_THREADS`` when it started, so the variable alone can be stale."""
    if "sklearn" not in sys.modules:
        return 0
    try:
        from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
    except ImportError:  # pragma: no cover - another scikit-learn layout
        return 0
    return int(_openmp_effective_n_threads())


def _report_openmp_threads() -> None:
    """After a load: tell Rust scikit-learn's OpenMP thread count once a
    brute-force neighbour search exists (asking starts the OpenMP runtime,
    about 3 ms in a fresh process, which other models never need)."""
    if _native.openmp_threads_wanted():
        _native.set_openmp_threads(_openmp_threads())


#: whether native exp/log/power follow numpy's SVML routines in this process
NUMPY_SVML: bool = _native.set_numpy_svml(_numpy_svml())

__all__ = ["NativeModel", "load", "loads", "numpy_blas"]


def numpy_blas() -> tuple[str, int] | None:
    """``(core, threads)`` of the BLAS numpy uses, as it reports them now.

    Native results reproduce numpy's matrix products for that OpenBLAS core
    and thread count (docs/NATIVE.md). Asked of the loaded library through
    threadpoolctl; None when threadpoolctl is missing (the Rust side then
    detects them as OpenBLAS would). A BLAS other than OpenBLAS is reported
    by its name, and products are then bounded, not bitwise.
    """
    own = _bundled_openblas()
    if own is not None:
        corename, num_threads = own
        return (corename().decode(), int(num_threads()))
    return _blas_by_threadpoolctl()


@functools.cache
def _bundled_openblas() -> tuple[Any, Any] | None:
    """``openblas_get_corename`` and ``openblas_get_num_threads`` of the
    OpenBLAS that numpy's wheel bundles (``numpy.libs``), found in the
    loaded library itself; None for any other numpy (then threadpoolctl is
    asked). threadpoolctl reads the same two functions but scans every loaded
    library first, which costs about 20 ms in a fresh process."""
    import ctypes

    libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    try:
        names = [n for n in os.listdir(libs) if n.startswith("libscipy_openblas")]
    except OSError:
        return None
    if len(names) != 1:
        return None
    try:  # RTLD_NOLOAD: only the copy numpy has loaded, never a second one
        lib = ctypes.CDLL(os.path.join(libs, names[0]), mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
    except OSError:
        return None
    for prefix, suffix in itertools.product(("scipy_", ""), ("64_", "")):
        corename = getattr(lib, f"{prefix}openblas_get_corename{suffix}", None)
        num_threads = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
        if corename is not None and num_threads is not None:
            corename.restype = ctypes.c_char_p
            corename.argtypes = []
            num_threads.restype = ctypes.c_int
            num_threads.argtypes = []
            return corename, num_threads
    return None


def _blas_by_threadpoolctl() -> tuple[str, int] | None:
    """:func:`numpy_blas` asked of threadpoolctl (any BLAS numpy may use)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return None
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    numpy_dir = os.path.dirname(os.path.dirname(np.__file__))
    mine = os.path.join(numpy_dir, "numpy")
    own = [p for p in pools if str(p.get("filepath", "")).startswith(mine)]
    for p in own or pools:
        if p.get("internal_api") == "openblas":
            return (str(p.get("architecture") or "unknown"), int(p.get("num_threads") or 1))
        return (f"{p.get('internal_api')} (not OpenBLAS)", int(p.get("num_threads") or 1))
    return None


def _floats(arr: np.ndarray) -> np.ndarray:
    """``arr`` as C-contiguous, aligned float64 (a copy only when it is not).
    Arrays that view a received buffer (a Dask partition unpickled from the
    network, ``np.frombuffer`` at an odd offset) can be misaligned, and the
    Rust side reads aligned float64 only."""
    if (
        type(arr) is np.ndarray
        and arr.dtype == _F64
        and arr.flags.c_contiguous
        and arr.flags.aligned
    ):
        return arr  # the common case, without np.require's argument parsing
    return np.require(arr, dtype=np.float64, requirements=["C", "A"])


_F64 = np.dtype(np.float64)
_STR_OR_NONE = {str, type(None)}


# Below this many rows a string column goes as one string per row: pandas'
# factorize costs 150-250 µs a call whatever the length, while a few rows'
# strings cost tens of µs and the Rust side looks each one up anyway
# (measured crossover between 512 and 2,048 rows; one-row requests are where
# it matters).
_CODED_MIN_ROWS = 256


def _table_column(name: str, col: Any) -> tuple[str, str, Any]:
    """A column of a table: numbers, or strings sent coded when pandas can
    code them (:func:`_coded`) and the column is long enough to gain from it,
    else one string per row."""
    coded = _coded(col) if len(col) >= _CODED_MIN_ROWS else None
    if coded is not None:
        return (name, "c", coded)
    return _column(name, col.to_numpy() if hasattr(col, "to_numpy") else col)


def _coded(col: Any) -> tuple[list[str], np.ndarray] | None:
    """A column of strings and missing values as its distinct strings and an
    int64 code per row (-1 missing), by pandas' ``factorize`` (on an Arrow
    string column, Arrow's dictionary encoding): no Python or Rust string is
    made per row, and encoders look each distinct string up once. None when
    the column is not object or string dtype, or holds anything but strings
    and missing values (the checked paths of :func:`_column` then decide)."""
    dtype = getattr(col, "dtype", None)
    if dtype is None:
        return None
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is optional
        return None
    objects = isinstance(dtype, np.dtype) and dtype.kind == "O"
    if not (objects or isinstance(dtype, pd.StringDtype)):
        return None
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    values = np.asarray(uniques, dtype=object)
    if len(values) == 0 or pd.api.types.infer_dtype(values, skipna=False) != "string":
        return None
    return (values.tolist(), np.require(codes, dtype=np.int64, requirements=["C", "A"]))


def _column(name: str, col: Any) -> tuple[str, str, Any]:
    arr = np.asarray(col)
    if arr.dtype.kind in "biuf":
        return (name, "f", _floats(arr))
    values: list[str | None] = []
    fast = _strings_fast(arr)
    if fast is not None:
        return (name, "s", fast)
    for v in arr.tolist():
        if v is None or (isinstance(v, float) and v != v):
            values.append(None)
        elif isinstance(v, str):
            values.append(v)
        else:
            raise ValueError(
                f"column {name!r} mixes strings with {type(v).__name__} values; "
                "native inference takes a column of numbers or a column of strings"
            )
    return (name, "s", values)


def _strings_fast(arr: np.ndarray) -> list[str | None] | None:
    """The column as a list when pandas can tell, in C, that it holds only
    strings and missing values; None to take the checked slow path."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is optional
        return None
    if pd.api.types.infer_dtype(arr, skipna=True) != "string":
        return None
    values: list[str | None] = arr.tolist()
    missing = pd.isna(arr)
    if missing.any():
        for i in np.flatnonzero(missing).tolist():
            values[i] = None
    return values


_TEXT_INPUT = "<1-D text>"


def _frame_columns(X: Any) -> list[tuple[str, str, Any]]:
    """The columns of a DataFrame as :func:`_table_column` makes them.

    Numeric columns and pandas string columns are read from the frame's own
    arrays (its blocks, :func:`_block_arrays`, or
    ``DataFrame._get_column_array``, where this pandas has them): a Series per
    column costs ~10 µs, most of a one-row request. Any other column, or a
    pandas without either, goes through ``X.iloc[:, i]``; the result is the
    same either way."""
    names = _column_names(X.columns)
    arrays = _block_arrays(X, len(names))
    get = None if arrays is not None else getattr(X, "_get_column_array", None)
    out = []
    for i, name in enumerate(names):
        arr = None
        if arrays is not None:
            arr = arrays[i]
        elif get is not None:
            try:
                arr = get(i)
            except Exception:  # pragma: no cover - a pandas without it in this form
                get, arr = None, None
        if isinstance(arr, np.ndarray) and arr.dtype.kind in "biuf":
            out.append((name, "f", _floats(arr)))
        elif (
            arr is not None
            and not isinstance(arr, np.ndarray)
            and _is_string_dtype(arr.dtype)
        ):
            # strings and missing values only (a pandas string array holds
            # nothing else): one str or None per row, as _strings_fast gives,
            # or coded straight from its Arrow array when long enough
            coded = _arrow_coded(arr) if len(arr) >= _CODED_MIN_ROWS else None
            if coded is not None:
                out.append((name, "c", coded))
            elif len(arr) < _CODED_MIN_ROWS:
                out.append((name, "s", _string_array_values(arr)))
            else:
                out.append(_table_column(name, X.iloc[:, i]))
        else:
            out.append(_table_column(name, X.iloc[:, i]))
    return out


def _block_arrays(X: Any, n: int) -> list[Any] | None:
    """Each column's array as the frame stores it, read from its blocks at
    once (what ``DataFrame._get_column_array(i)`` returns, without a method
    call per column); None when this pandas lays frames out otherwise."""
    try:
        mgr = X._mgr
        blocks, blknos, blklocs = mgr.blocks, mgr.blknos.tolist(), mgr.blklocs.tolist()
        arrays = [blocks[b].iget(loc) for b, loc in zip(blknos, blklocs, strict=True)]
    except Exception:  # a pandas without these internals in this form
        return None
    return arrays if len(arrays) == n else None


def _arrow_coded(arr: Any) -> tuple[list[str], np.ndarray] | None:
    """What :func:`_coded` gives, from a pandas string array's own Arrow
    array: Arrow's dictionary encoding called directly (distinct values in
    order of first appearance, nulls coded -1), a third faster than through
    ``pd.factorize``. None when the array is not Arrow-backed as expected."""
    pa_array = getattr(arr, "_pa_array", None)
    if pa_array is None or getattr(pa_array, "num_chunks", 0) < 1:
        return None
    try:
        chunk = pa_array.chunk(0) if pa_array.num_chunks == 1 else pa_array.combine_chunks()
        enc = chunk.dictionary_encode()
        values = enc.dictionary.to_pylist()
        codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    except Exception:  # pragma: no cover - another pyarrow layout
        return None
    if not values or set(map(type, values)) != {str}:
        return None
    return values, np.require(codes, dtype=np.int64, requirements=["C", "A"])


def _column_names(columns: Any) -> list[str]:
    """A DataFrame's column names as str. pandas 3 keeps string names in an
    Arrow array, which iterates at about 1 µs a name; its Arrow list comes
    out whole in under 1 µs."""
    names = _arrow_values(getattr(getattr(columns, "_values", None), "_pa_array", None))
    if names is not None and set(map(type, names)) == {str}:
        return names
    return [str(c) for c in columns]


def _arrow_values(pa_array: Any) -> list[Any] | None:
    """A pyarrow (chunked) array's Python values, or None when it is not one.
    One chunk (what pandas holds unless frames were concatenated) converts
    directly: twice as fast as through the chunked array."""
    if pa_array is None:
        return None
    try:
        if getattr(pa_array, "num_chunks", 0) == 1:
            return pa_array.chunk(0).to_pylist()  # type: ignore[no-any-return]
        return pa_array.to_pylist()  # type: ignore[no-any-return]
    except Exception:  # pragma: no cover - another pyarrow layout
        return None


def _string_array_values(arr: Any) -> list[str | None]:
    """A pandas string array as one str or None per row: through its Arrow
    array when it has one (nulls come out as None; 0.6 µs for a row against
    4 µs for ``tolist``), else ``tolist`` with the missing values set to None."""
    values = _arrow_values(getattr(arr, "_pa_array", None))
    if values is not None and set(map(type, values)) <= _STR_OR_NONE:
        return values
    out: list[str | None] = arr.tolist()
    missing = np.asarray(arr.isna())
    if missing.any():
        for j in np.flatnonzero(missing).tolist():
            out[j] = None
    return out


@functools.cache
def _string_dtype_class() -> Any:
    """``pd.StringDtype``, or None without pandas (looked up once)."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is optional
        return None
    return pd.StringDtype


def _is_string_dtype(dtype: Any) -> bool:
    cls = _string_dtype_class()
    return cls is not None and isinstance(dtype, cls)


def _sparse_input(X: Any) -> tuple[Any, ...]:
    """A scipy sparse matrix as CSR arrays, in the form scikit-learn's
    ``check_array(accept_sparse="csr")`` gives it (another format through
    scipy's own ``asformat("csr")``). The Rust side checks the arrays
    (``Csr::from_parts``: canonical rows, indices in range)."""
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D sparse matrix, got {X.ndim}-D")
    if X.format != "csr":
        X = X.asformat("csr")
    if X.dtype.kind not in "biuf" or (X.dtype.kind == "f" and X.dtype != np.float64):
        raise ValueError(
            f"a sparse matrix of {X.dtype} values: native inference takes float64, integer or "
            "bool values (scikit-learn computes some steps in float32 on float32 sparse input, "
            "which native inference does not model); give X.astype(np.float64)"
        )
    data = np.ascontiguousarray(X.data, dtype=np.float64)
    indices, indptr = np.ascontiguousarray(X.indices), np.ascontiguousarray(X.indptr)
    return ("csr", data, indices, indptr, X.shape[0], X.shape[1])


def _input(X: Any) -> tuple[Any, ...]:
    if type(X).__module__.startswith("scipy.sparse"):
        return _sparse_input(X)
    columns = getattr(X, "columns", None)
    if columns is not None and hasattr(X, "iloc"):
        return ("table", _frame_columns(X))
    arr = np.asarray(X)
    if arr.ndim == 1 and arr.dtype.kind not in "biufc":
        # documents for a text vectorizer: a one-column table under the name
        # the Rust side gives 1-D text (crates/skseal-native/src/data.rs TEXT_INPUT)
        return ("table", [_column(_TEXT_INPUT, arr)])
    if arr.ndim != 2:
        raise ValueError(
            f"Expected a 2-D array, got {arr.ndim}-D (reshape a single row with x.reshape(1, -1))"
        )
    if arr.dtype.kind not in "biuf":
        names = [str(j) for j in range(arr.shape[1])]
        return ("table", [_table_column(n, arr[:, j]) for j, n in enumerate(names)])
    a = _floats(arr)
    return ("dense", a, a.shape[0], a.shape[1])


class NativeModel:
    """A fitted model computed in Rust. Methods mirror scikit-learn's."""

    def __init__(self, inner: Any) -> None:
        self._m = inner
        c = inner.classes()
        per_output = list(inner.output_classes())
        #: ``classes_`` of a classifier (None otherwise); for a classifier with
        #: several outputs, as in scikit-learn, a list of one array per output.
        self.classes_: Any = per_output if c is None and per_output else c
        #: class name of the root estimator.
        self.class_name: str = inner.class_name
        #: ``n_features_in_`` when known.
        self.n_features_in_: int | None = inner.n_features_in
        names = inner.feature_names_in
        #: ``feature_names_in_`` when the model was fitted on a DataFrame.
        self.feature_names_in_: np.ndarray | None = (
            None if names is None else np.array(names, dtype=object)
        )
        #: the methods this model has.
        self.methods: list[str] = list(inner.methods)
        #: ``(core, threads)`` of the OpenBLAS whose products this model reproduces.
        self.blas: tuple[str, int] = tuple(inner.blas)  # type: ignore[assignment]
        #: True when loaded with ``sparse=True``: X is then a scipy sparse matrix.
        self.sparse: bool = bool(inner.sparse)

    def check_probe(self) -> tuple[bool, str]:
        """Re-run the probe stored in the file natively (no scikit-learn).

        Returns ``(passed, description)``: each recorded method compared
        bitwise (or within the documented bound where the model claims only
        the bound); passed is True also when the file has no probe or its
        input form is not read natively (the description says so).
        """
        passed, text = self._m.check_probe()
        return bool(passed), str(text)

    def exactness(self, method: str) -> str:
        """Whether ``method`` gives scikit-learn's bits on this machine.

        ``"bitwise"``; ``"bitwise-c-ordered"`` (bitwise when the matrix
        product sees a C-ordered X, as from a numpy array; a DataFrame makes
        it Fortran-ordered); or ``"bounded: <why>"`` (within the bound in
        docs/NATIVE.md).
        """
        return str(self._m.exactness(method))

    def __repr__(self) -> str:
        return f"<skseal.native model {self.class_name}: {', '.join(self.methods)}>"

    def _run(self, method: str, X: Any) -> Any:
        out = None
        if type(X) is np.ndarray and X.flags.aligned:
            # the fast path takes C-contiguous 2-D float64 as it is; anything
            # else is a TypeError from it and goes the general way
            try:
                out = self._m.run_array(method, X)
            except TypeError:
                pass
        if out is None:
            out = self._m.run(method, _input(X))
        if isinstance(out, tuple):
            # a classifier with several outputs: one label column each, as
            # scikit-learn's n x n_outputs array (of the first output's dtype)
            return np.stack(out, axis=1)
        return out

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels (classifiers) or values (regressors); n x n_outputs
        for a model with several outputs."""
        return self._run("predict", X)

    def predict_proba(self, X: Any) -> Any:
        """Class probabilities, columns in the order of ``classes_`` (a list of
        one array per output for a classifier with several outputs, as
        scikit-learn's)."""
        return self._run("predict_proba", X)

    def predict_log_proba(self, X: Any) -> Any:
        """Logarithm of the class probabilities (a list per output, as
        :meth:`predict_proba`)."""
        return self._run("predict_log_proba", X)

    def decision_function(self, X: Any) -> np.ndarray:
        """Raw scores (1-D for two classes, as scikit-learn)."""
        return self._run("decision_function", X)

    def predict_raw(self, X: Any) -> np.ndarray:
        """Raw scores before the objective's transform, as LightGBM's
        ``predict(X, raw_score=True)``, XGBoost's
        ``predict(X, output_margin=True)`` and CatBoost's
        ``predict(X, prediction_type="RawFormulaVal")`` give them (1-D for
        one output, one column per class otherwise)."""
        return self._run("predict_raw", X)

    def transform(self, X: Any) -> np.ndarray:
        """Transformed data (transformers and pipelines ending in one)."""
        return self._run("transform", X)

    def score_samples(self, X: Any) -> np.ndarray:
        """Per-sample scores (e.g. IsolationForest)."""
        return self._run("score_samples", X)


def loads(
    data: bytes | bytearray | memoryview,
    *,
    trusted: Iterable[str | type] = (),
    public_key: KeyLike | None = None,
    verify: bool = False,
    sparse: bool = False,
) -> NativeModel:
    """Build a native model from file bytes (``.skseal``, pickle or joblib).

    ``sparse=True`` makes the model take scipy sparse matrices (a model
    fitted on sparse input, such as a classifier trained on a vectorizer's
    output outside it) and compute on them as scikit-learn does on sparse
    input: scipy's CSR products, CSR kept between steps, bitwise. Such a
    model is given sparse matrices only, since scikit-learn computes a dense
    array with other arithmetic; a model with a step that would compute
    differently on sparse input is refused (UnsupportedModelError, naming
    it). docs/NATIVE.md, "Sparse input", lists what takes it.

    ``verify=True`` recomputes the probe stored in a ``.skseal`` file (by
    :func:`skseal.dump` or ``skseal.convert(..., probe=X)``) with the native
    model and raises ProbeMismatchError on any bitwise difference (a file
    without a probe, or a pickle, is a FormatError). Neither the model nor
    scikit-learn is built for this: only the probe's arrays are.

    Raises:
        FormatError, IntegrityError, UntrustedTypeError, ValidationError: as
        :func:`skseal.load`; UnsupportedModelError when a step has no native
        implementation; ProbeMismatchError (``verify=True``).
    """
    model = NativeModel(
        _native.native_load(
            data,
            normalize_trusted(trusted),
            _key_bytes(public_key, "public"),
            _native.max_decompressed(),
            blas=numpy_blas(),
            sparse=sparse,
        )
    )
    _report_openmp_threads()
    if verify:
        _verify_probe(model, data)
    return model


def _verify_probe(model: NativeModel, data: bytes | bytearray | memoryview) -> None:
    """Re-run the file's probe natively (Rust: ``Model::check_probe``)."""
    from ._api import MAGIC
    from .errors import FormatError, ProbeMismatchError

    if bytes(data[: len(MAGIC)]) != MAGIC:
        raise FormatError(
            "verify=True, but this is a pickle/joblib file, which has no probe; convert it "
            "with skseal.convert(src, dst, probe=X_sample) first"
        )
    passed, text = model.check_probe()
    if text == "no probe":
        raise FormatError("verify=True, but this file has no probe; save it with probe=X_sample")
    if text.startswith("probe not checked natively"):
        raise FormatError(f"verify=True, but the {text}")
    if not passed:
        raise ProbeMismatchError(
            "probe check failed: native inference does not reproduce the outputs recorded "
            f"in the file: {text}."
        )


def load(
    file: str | os.PathLike[str],
    *,
    trusted: Iterable[str | type] = (),
    public_key: KeyLike | None = None,
    verify: bool = False,
    store: Any = None,
    mmap_mode: str | None = None,
    sparse: bool = False,
) -> NativeModel:
    """Build a native model from a file path; see :func:`loads`.

    With ``store`` (a URI or :class:`skseal.store.Store`), ``file`` is a
    reference ``NAME``, ``NAME@VERSION`` or ``NAME@ALIAS`` pulled through the
    store's checks.

    ``mmap_mode="r"`` maps the file read-only and uses the trees stored in
    their native layout (``skseal.dump(..., native_layout=True)``) in place,
    in the file's page-cache pages, instead of copying them into fresh
    memory: a large forest loads several times faster in a fresh process
    and processes serving the same file share its memory. As with
    :func:`skseal.load`, the digests of the mapped arrays are then checked
    only when ``public_key`` is given. The file must not be truncated while
    the model lives (reading a lost page raises SIGBUS, as for any mapped
    file); replacing it by a rename, as skseal and the store write files,
    is safe. See docs/NATIVE.md, "Mapped loads".

    ``sparse=True``: the model takes scipy sparse matrices (see :func:`loads`).
    """
    trusted = normalize_trusted(trusted)
    if mmap_mode not in (None, "r"):
        raise ValueError(
            f"mmap_mode={mmap_mode!r}: a native model only reads its file; use None or 'r'"
        )
    if store is not None:
        if mmap_mode is not None:
            raise ValueError(
                "mmap_mode='r' maps a file: pull the model to a path first "
                "(skseal store pull), or load from the store without mmap_mode"
            )
        from .store import Store

        st = store if isinstance(store, Store) else Store(store)
        _, data = st.pull_bytes(os.fspath(file))
        return loads(data, trusted=trusted, public_key=public_key, verify=verify, sparse=sparse)
    with open(file, "rb") as f:  # a missing file raises here, naming it
        head = f.read(len(_native.MAGIC))
    # Rust reads the file: a .skseal file array by array, never whole
    model = NativeModel(
        _native.native_load_path(
            os.fspath(file),
            trusted,
            _key_bytes(public_key, "public"),
            _native.max_decompressed(),
            blas=numpy_blas(),
            mmap=mmap_mode is not None,
            sparse=sparse,
        )
    )
    _report_openmp_threads()
    if verify:
        _verify_probe(model, head)
    return model
