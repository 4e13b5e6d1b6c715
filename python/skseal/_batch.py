"""What the batch integrations (:mod:`skseal.dask`, :mod:`skseal.spark`) share.

* :func:`resolve`: a ``model`` argument (a path, the bytes of a model file,
  an object with ``read_bytes()``, or a fitted estimator) becomes a small
  :class:`ModelRef` (content fingerprint, and the path when workers read the
  file themselves) plus, when there is no path, the file's bytes to ship once.
  Nothing else goes to workers: never a pickled estimator.
* :func:`get_model`: the per-process cache. A worker process builds each model
  once, keyed by the content fingerprint and the load options, and counts the
  builds (:func:`load_count`) so tests can prove it.
* :func:`output_spec` / :func:`run`: the result columns and dtypes a method
  gives (derived from the model: labels, one column per class) and a pandas
  batch through the model.

A model store reference is an object with ``read_bytes()`` (and optionally a
``fingerprint`` attribute, which is checked against the bytes): that is the
extension point; nothing here knows about stores.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._api import MAGIC, KeyLike, _key_bytes
from ._trust import normalize_trusted

#: how many distinct models one process keeps built (least recently used first out)
CACHE_SIZE = 8

#: methods whose output has one column per class of a classifier
_PER_CLASS = ("predict_proba", "predict_log_proba")

#: a classifier's scores before the link: one column for two classes, one per
#: class otherwise (a CatBoost ``MultiClass`` model of two classes, which has
#: two, is measured on the sample)
_SCORES = ("decision_function", "predict_raw")


def _library_raw(model: Any) -> Callable[[Any], Any] | None:
    """``predict_raw`` on the Python path (``native=False``, or a model native
    inference refused): the boosting library's own raw scores, as native
    inference computes them (LightGBM ``raw_score=True``, XGBoost
    ``output_margin=True``, CatBoost ``RawFormulaVal``); None for any other
    model, which then has no ``predict_raw``."""
    lib = type(model).__module__.split(".")[0]
    if lib == "lightgbm" and hasattr(model, "predict"):
        return lambda X: model.predict(X, raw_score=True)
    if lib == "xgboost" and hasattr(model, "get_booster"):  # the scikit-learn wrappers
        return lambda X: model.predict(X, output_margin=True)
    if lib == "catboost" and hasattr(model, "predict"):
        return lambda X: model.predict(X, prediction_type="RawFormulaVal")
    return None


@dataclass(frozen=True)
class ModelRef:
    """A model as the integrations send it to workers: a few bytes, no estimator.

    ``fingerprint`` is the ``.skseal`` content fingerprint (``skseal:<hex>``,
    checked by every load) or, for pickle and joblib files, a BLAKE2b digest of
    the file (``blake2b:<hex>``). ``path`` is set when each worker reads the
    file itself (it must see the same file system); otherwise the bytes travel
    separately, once per worker (scattered by Dask, broadcast by Spark).
    """

    fingerprint: str
    path: str | None = None


@dataclass(frozen=True)
class LoadOptions:
    """How a worker builds the model; part of the cache key."""

    trusted: tuple[str, ...] = ()
    public_key: bytes | None = None
    #: None: native inference when the model supports it, else skseal.load;
    #: True: native only; False: skseal.load (scikit-learn) only
    native: bool | None = None


def load_options(trusted: Iterable[str | type] = (), public_key: KeyLike | None = None,
                 native: bool | None = None) -> LoadOptions:
    """Normalise the user's load arguments into a hashable :class:`LoadOptions`."""
    if native not in (None, True, False):
        raise ValueError(f"native must be None, True or False, not {native!r}")
    return LoadOptions(tuple(normalize_trusted(trusted)), _key_bytes(public_key, "public"), native)


def fingerprint_of(data: bytes | bytearray | memoryview) -> str:
    """The cache key of a model file's bytes (see :class:`ModelRef`)."""
    if bytes(data[: len(MAGIC)]) == MAGIC:
        from ._api import inspect

        return "skseal:" + str(inspect(bytes(data))["fingerprint"])
    return "blake2b:" + hashlib.blake2b(data, digest_size=32).hexdigest()


def _path_fingerprint(path: str) -> str:
    with open(path, "rb") as f:
        head = f.read(len(MAGIC))
    if head == MAGIC:
        from ._api import inspect

        return "skseal:" + str(inspect(path)["fingerprint"])  # the header only
    h = hashlib.blake2b(digest_size=32)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return "blake2b:" + h.hexdigest()


def resolve(model: Any, trusted: Iterable[str | type] = ()) -> tuple[ModelRef, bytes | None]:
    """``(ref, data)`` for a ``model`` argument.

    * a path (``str`` or ``os.PathLike``): workers read the file; ``data`` is None;
    * ``bytes``/``bytearray``/``memoryview``: the bytes of a ``.skseal``,
      pickle or joblib file;
    * an object with ``read_bytes()`` (a model store reference, for instance):
      its bytes; a ``fingerprint`` attribute, when present, must match them;
    * a fitted estimator: saved with :func:`skseal.dumps` here (the policy
      applies; ``trusted`` names your own classes), and shipped as those bytes.
    """
    if isinstance(model, str | os.PathLike):
        path = os.path.abspath(os.fspath(model))
        return ModelRef(_path_fingerprint(path), path), None
    if isinstance(model, bytes | bytearray | memoryview):
        data = bytes(model)
    elif callable(getattr(model, "read_bytes", None)):
        data = bytes(model.read_bytes())
        claimed = getattr(model, "fingerprint", None)
        fp = fingerprint_of(data)
        if isinstance(claimed, str) and claimed and claimed not in (fp, fp.split(":", 1)[1]):
            raise ValueError(
                f"the model reference claims fingerprint {claimed}, but its bytes have {fp}"
            )
        return ModelRef(fp), data
    else:
        from ._api import dumps

        data = dumps(model, trusted=trusted)
    return ModelRef(fingerprint_of(data)), data


class Loaded:
    """A built model: ``model`` is a :class:`skseal.native.NativeModel` when
    ``native`` is True, else the scikit-learn object :func:`skseal.loads` built."""

    def __init__(self, model: Any, native: bool) -> None:
        self.model = model
        self.native = native
        classes = getattr(model, "classes_", None)
        # a multi-output classifier has a list of label arrays: outputs measured instead
        self.classes: np.ndarray | None = (
            np.asarray(classes) if isinstance(classes, np.ndarray) else None
        )
        names = getattr(model, "feature_names_in_", None)
        self.feature_names: list[str] | None = (
            None if names is None else [str(n) for n in names]
        )
        if native:
            self.methods = list(model.methods)
        else:
            from ._meta import output_methods

            self.methods = output_methods(model)
            if _library_raw(model) is not None:
                self.methods.append("predict_raw")


_LOCK = threading.Lock()
_CACHE: OrderedDict[tuple[str, LoadOptions], Loaded] = OrderedDict()
_LOADS = 0


def load_count() -> int:
    """How many times this process has built a model (cache misses)."""
    return _LOADS


def limit_threads(n: int) -> None:
    """Cap native inference's thread pool in this worker process at ``n``, the
    engine's own threads for this worker, so that workers x threads do not
    oversubscribe the cores (2 workers of 1 thread on 2 cores would otherwise
    run 4 threads). Native inference reads ``RAYON_NUM_THREADS`` when its pool
    starts (its first batch of 2,048 rows or more in this process); a value
    the user set is left alone."""
    os.environ.setdefault("RAYON_NUM_THREADS", str(max(1, int(n))))


def clear_cache() -> None:
    """Forget every model this process has built (the count stays)."""
    with _LOCK:
        _CACHE.clear()


def build(data: bytes, opts: LoadOptions) -> Loaded:
    """Build a model from file bytes: natively when supported (and allowed),
    else with :func:`skseal.loads`. Nothing is cached."""
    from .errors import UnsupportedModelError

    if opts.native is not False:
        from . import native

        try:
            return Loaded(native.loads(data, trusted=opts.trusted, public_key=opts.public_key),
                          True)
        except UnsupportedModelError:
            if opts.native:
                raise
    from ._api import loads

    return Loaded(loads(data, trusted=opts.trusted, public_key=opts.public_key), False)


def get_model(ref: ModelRef, data: bytes | Callable[[], bytes] | None,
              opts: LoadOptions) -> Loaded:
    """The model of ``ref`` in this process, built at most once per fingerprint
    and options. ``data`` (bytes, or a function returning them, called only on
    a miss) is used when ``ref`` has no path."""
    global _LOADS
    key = (ref.fingerprint, opts)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
        if ref.path is not None:
            with open(ref.path, "rb") as f:
                raw = f.read()
        elif data is None:
            raise ValueError("a model reference without a path needs the model's bytes")
        else:
            raw = data() if callable(data) else data
        got = fingerprint_of(raw)
        if got != ref.fingerprint:
            raise ValueError(
                f"the model's bytes have fingerprint {got}, expected {ref.fingerprint}"
                + (f" (was {ref.path} replaced since?)" if ref.path else "")
            )
        loaded = build(raw, opts)
        _LOADS += 1
        _CACHE[key] = loaded
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
        return loaded


# ------------------------------------------------------------------ outputs


@dataclass(frozen=True)
class OutputSpec:
    """The shape of a method's result: one column (``names`` has one entry
    and ``series`` is True) or several; one dtype for all (numpy's)."""

    names: tuple[str, ...]
    dtype: str
    series: bool


def _label_dtype(classes: np.ndarray) -> str:
    if classes.dtype.kind in "OUS":
        return "str"
    return classes.dtype.str


def output_spec(loaded: Loaded, method: str, *,
                sample: Callable[[], Any] | None = None) -> OutputSpec:
    """The result shape of ``method`` on ``loaded``: labels for a classifier's
    predict, one ``{method}_{label}`` column per class for probabilities (and
    a multi-class decision function or raw scores), one float column
    otherwise; a classifier's ``predict_raw`` is measured on ``sample()``
    when there is one. Outputs the
    model alone cannot tell (``transform``, multi-output predict) are measured
    on ``sample()``, a small pandas frame of input rows."""
    if method not in loaded.methods:
        raise ValueError(
            f"this model has no {method}(); it has: {', '.join(loaded.methods) or 'nothing'}"
        )
    classes = loaded.classes
    if classes is not None and classes.ndim == 1:
        if method == "predict":
            return OutputSpec((method,), _label_dtype(classes), True)
        if method == "predict_raw" and sample is not None:
            out = run(loaded, method, sample())
            if out.ndim == 2 and out.shape[1] == len(classes):
                return OutputSpec(tuple(f"{method}_{c}" for c in classes.tolist()), "<f8", False)
            if out.ndim == 1:
                return OutputSpec((method,), "<f8", True)
            return OutputSpec(tuple(f"{method}_{j}" for j in range(out.shape[1])), "<f8", False)
        if method in _PER_CLASS or (method in _SCORES and len(classes) > 2):
            return OutputSpec(tuple(f"{method}_{c}" for c in classes.tolist()), "<f8", False)
        if method in _SCORES:
            return OutputSpec((method,), "<f8", True)
    if method in ("score_samples",) or (method == "predict" and sample is None):
        return OutputSpec((method,), "<f8", True)
    if sample is None:
        raise ValueError(f"the columns of {method}() cannot be derived from the model; pass them")
    out = run(loaded, method, sample())
    if out.ndim == 1:
        return OutputSpec((method,), _label_dtype(out) if out.dtype.kind in "OUS" else
                          out.dtype.str, True)
    return OutputSpec(tuple(f"{method}_{j}" for j in range(out.shape[1])), out.dtype.str, False)


def select_columns(loaded: Loaded, frame: Any, columns: list[str] | None) -> Any:
    """The input columns of ``frame`` the model reads: ``columns`` when given,
    else the model's feature names when it was fitted on a DataFrame, else all."""
    names = columns if columns is not None else loaded.feature_names
    if names is None:
        return frame
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise KeyError(f"the input has no column {missing[0]!r} (the model reads {names})")
    return frame[names]


def run(loaded: Loaded, method: str, frame: Any) -> np.ndarray:
    """``method`` of the model on a pandas frame (already column-selected)."""
    if method == "predict_raw" and not loaded.native:
        raw = _library_raw(loaded.model)
        if raw is None:
            raise ValueError(f"{type(loaded.model).__name__} has no predict_raw()")
        # float64 as native inference gives it (XGBoost's float32 margins exactly)
        return np.asarray(raw(frame), dtype=np.float64)
    out = getattr(loaded.model, method)(frame)
    if isinstance(out, list):
        # a classifier with several outputs: its list of per-output
        # probabilities side by side (output 0's classes, then output 1's, ...)
        return np.hstack(out)
    return np.asarray(out)


def to_pandas(out: np.ndarray, spec: OutputSpec, index: Any) -> Any:
    """A result as a pandas Series (one column) or DataFrame, per ``spec``."""
    import pandas as pd

    dtype: Any = str if spec.dtype == "str" else np.dtype(spec.dtype)
    if spec.series:
        if out.ndim != 1:
            raise ValueError(
                f"expected one output column, got {out.shape[1]}: pass the output columns"
            )
        return pd.Series(out, index=index, name=spec.names[0], dtype=dtype)
    if out.ndim != 2 or out.shape[1] != len(spec.names):
        raise ValueError(f"expected {len(spec.names)} output columns, got shape {out.shape}")
    return pd.DataFrame(out, index=index, columns=list(spec.names), dtype=dtype)


def empty(spec: OutputSpec) -> Any:
    """An empty pandas result with ``spec``'s columns and dtype (Dask's ``meta``)."""
    import pandas as pd

    dtype: Any = object if spec.dtype == "str" else np.dtype(spec.dtype)
    n = 0
    out = np.empty((n,) if spec.series else (n, len(spec.names)), dtype=dtype)
    return to_pandas(out, spec, pd.RangeIndex(0))
