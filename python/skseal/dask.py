"""Batch predictions on Dask DataFrames, with the model loaded once per worker.

::

    import skseal.dask
    from dask.distributed import Client

    client = Client(...)
    proba = skseal.dask.predict(ddf, "model.skseal", method="predict_proba")   # a path
    labels = skseal.dask.predict(ddf, model_bytes)                             # or bytes
    ddf = ddf.assign(label=labels)

What travels: for a path, only the path and the model's content fingerprint
(every worker reads the file, so it must see it); for bytes, the bytes are
scattered once to every worker (``client.scatter(..., broadcast=True)``) and
tasks refer to them. Never a pickled scikit-learn object: the usual recipe
(``ddf.map_partitions(model.predict)``) puts the pickled estimator in every
task, so the scheduler holds partitions x model size, and each worker runs
pickle on it.

Each worker process builds the model once, cached by the content fingerprint
(:func:`worker_loads` counts the builds), natively (:mod:`skseal.native`, no
scikit-learn on the worker) when the model supports it, with
:func:`skseal.loads` otherwise. Dask is imported only by this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import dask.dataframe as dd

from . import _batch
from ._api import KeyLike

__all__ = ["predict", "worker_loads"]


def worker_loads() -> int:
    """How many models this process has built (run it on the workers with
    ``client.run(skseal.dask.worker_loads)``)."""
    return _batch.load_count()


def _predict_partition(part: Any, ref: _batch.ModelRef, payload: bytes | None,
                       opts: _batch.LoadOptions, method: str, columns: list[str] | None,
                       spec: _batch.OutputSpec) -> Any:
    try:
        from distributed import get_worker

        _batch.limit_threads(get_worker().state.nthreads)
    except (ImportError, ValueError):  # not on a distributed worker: this process's pool
        pass
    loaded = _batch.get_model(ref, payload, opts)
    if len(part) == 0:
        return _batch.empty(spec).set_axis(part.index[:0])
    X = _batch.select_columns(loaded, part, columns)
    return _batch.to_pandas(_batch.run(loaded, method, X), spec, part.index)


def _default_client() -> Any:
    try:
        from distributed import get_client
    except ImportError:  # pragma: no cover - dask without distributed
        return None
    try:
        return get_client()
    except ValueError:  # no client: the local scheduler (threads in this process)
        return None


def predict(
    ddf: dd.DataFrame,
    model: Any,
    method: str = "predict",
    *,
    columns: Iterable[str] | None = None,
    output_columns: Iterable[str] | None = None,
    trusted: Iterable[str | type] = (),
    public_key: KeyLike | None = None,
    native: bool | None = None,
    client: Any = None,
) -> dd.Series | dd.DataFrame:
    """``method`` of ``model`` on every partition of ``ddf``.

    Args:
        ddf: the input rows (a Dask DataFrame; string and number columns).
        model: a path to a ``.skseal`` (or pickle/joblib) file that every
            worker can read; the bytes of such a file; an object with
            ``read_bytes()`` (a model store reference); or a fitted estimator,
            saved to bytes here with :func:`skseal.dumps`.
        method: ``predict``, ``predict_proba``, ``predict_log_proba``,
            ``decision_function``, ``transform``, ``score_samples`` or
            ``predict_raw`` (LightGBM, XGBoost and CatBoost models: their raw
            scores, one ``predict_raw_{label}`` column per class of a
            multi-class classifier).
        columns: the input columns, in the model's order; default: the model's
            ``feature_names_in_`` when it has them, else every column.
        output_columns: names of the result's columns when the model alone
            cannot tell them (``transform``, a multi-output ``predict``);
            default: measured on the first rows.
        trusted, public_key: as :func:`skseal.load`, applied on every worker.
        native: None (native inference when supported), True (native only) or
            False (scikit-learn objects only).
        client: the ``distributed`` client to scatter bytes with (default: the
            current one; without one, Dask's local scheduler runs the tasks).

    Returns:
        A Dask Series (labels, values, one score) named after ``method``, or a
        Dask DataFrame with one column per class (``{method}_{label}``) or
        output; partitions keep the input's index, so the result aligns with
        ``ddf`` (``ddf.assign(label=...)``).
    """
    opts = _batch.load_options(trusted, public_key, native)
    cols = None if columns is None else [str(c) for c in columns]
    ref, data = _batch.resolve(model, trusted)
    # built here too (through the same cache): classes and methods give the result's meta
    loaded = _batch.get_model(ref, data, opts)
    if output_columns is not None:
        names = tuple(str(c) for c in output_columns)
        probe = _batch.run(loaded, method, _batch.select_columns(loaded, ddf.head(2), cols))
        spec = _batch.OutputSpec(names, probe.dtype.str if probe.dtype.kind not in "OUS"
                                 else "str", len(names) == 1 and probe.ndim == 1)
    else:
        spec = _batch.output_spec(
            loaded, method,
            sample=lambda: _batch.select_columns(loaded, ddf.head(2), cols),
        )
    payload: Any = data
    if data is not None:
        client = client if client is not None else _default_client()
        if client is not None:
            # once to every worker; tasks carry only the reference
            payload = client.scatter(data, broadcast=True, hash=True)
    return ddf.map_partitions(
        _predict_partition, ref, payload, opts, method, cols, spec,
        meta=_batch.empty(spec), align_dataframes=False, enforce_metadata=False,
    )
