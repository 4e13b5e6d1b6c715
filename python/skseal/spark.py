"""Batch predictions on Spark DataFrames, with the model built once per Python worker.

::

    import skseal.spark

    scored = skseal.spark.predict(df, "model.skseal", method="predict_proba")  # mapInPandas
    udf = skseal.spark.predict_udf(spark, model_bytes)                         # pandas UDF
    df = df.withColumn("label", udf("age", "plan", "usage", "region"))

What travels: for a path, the path and the model's content fingerprint (each
executor reads the file, so it must see it); for bytes, a Spark broadcast
variable holding them, read by a Python worker only when it has not built
that model yet. The functions Spark ships to executors close over these and
a few small skseal values, never over a scikit-learn object.

Each Python worker process builds the model once, cached by the content
fingerprint (:func:`worker_loads` counts the builds; Spark reuses Python
workers between tasks by default, ``spark.python.worker.reuse``), natively
(:mod:`skseal.native`, no scikit-learn on the executors) when the model
supports it, with :func:`skseal.loads` otherwise. The result's schema comes
from the model: labels in the classes' type, one ``{method}_{label}`` double
column per class for probabilities. pyspark is imported only by this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from . import _batch
from ._api import KeyLike

__all__ = ["predict", "predict_udf", "result_schema", "worker_loads"]


def worker_loads() -> int:
    """How many models this Python process has built (cache misses)."""
    return _batch.load_count()


def _spark_type(dtype: str) -> Any:
    from pyspark.sql import types as T

    if dtype == "str":
        return T.StringType()
    import numpy as np

    kind, size = np.dtype(dtype).kind, np.dtype(dtype).itemsize
    if kind == "f":
        return T.DoubleType() if size == 8 else T.FloatType()
    if kind == "b":
        return T.BooleanType()
    if kind in "iu":
        return {1: T.ByteType(), 2: T.ShortType(), 4: T.IntegerType()}.get(size, T.LongType())
    raise TypeError(f"no Spark type for outputs of dtype {dtype}")


def result_schema(spec: _batch.OutputSpec) -> Any:
    """The Spark type of a result: one field's type for one column, else a
    ``StructType`` with one field per output column."""
    from pyspark.sql import types as T

    t = _spark_type(spec.dtype)
    if spec.series:
        return t
    return T.StructType([T.StructField(n, t, True) for n in spec.names])


class _Prepared:
    """Everything an executor needs: small and picklable (no estimator)."""

    def __init__(self, ref: _batch.ModelRef, broadcast: Any, opts: _batch.LoadOptions,
                 method: str, columns: list[str] | None, spec: _batch.OutputSpec) -> None:
        self.ref = ref
        self.broadcast = broadcast
        self.opts = opts
        self.method = method
        self.columns = columns
        self.spec = spec

    def model(self) -> _batch.Loaded:
        # a Python worker runs one task at a time (one core per task)
        _batch.limit_threads(1)
        bc = self.broadcast
        # the broadcast is read only on a miss (a worker that has not built it yet)
        return _batch.get_model(self.ref, None if bc is None else (lambda: bc.value), self.opts)


def _prepare(spark: Any, df: Any, model: Any, method: str, columns: Iterable[str] | None,
             output_columns: Iterable[str] | None, trusted: Iterable[str | type],
             public_key: KeyLike | None, native: bool | None) -> _Prepared:
    opts = _batch.load_options(trusted, public_key, native)
    cols = None if columns is None else [str(c) for c in columns]
    ref, data = _batch.resolve(model, trusted)
    loaded = _batch.get_model(ref, data, opts)  # on the driver: the result's schema

    def sample() -> Any:
        if df is None:
            raise ValueError(f"the columns of {method}() cannot be derived from the model; "
                             "pass output_columns=")
        return _batch.select_columns(loaded, df.limit(2).toPandas(), cols)

    if output_columns is not None:
        names = tuple(str(c) for c in output_columns)
        out = _batch.run(loaded, method, sample())
        dtype = "str" if out.dtype.kind in "OUS" else out.dtype.str
        spec = _batch.OutputSpec(names, dtype, len(names) == 1 and out.ndim == 1)
    else:
        spec = _batch.output_spec(loaded, method, sample=sample if df is not None else None)
    bc = None if data is None else spark.sparkContext.broadcast(data)
    return _Prepared(ref, bc, opts, method, cols, spec)


def predict(
    df: Any,
    model: Any,
    method: str = "predict",
    *,
    columns: Iterable[str] | None = None,
    output_columns: Iterable[str] | None = None,
    trusted: Iterable[str | type] = (),
    public_key: KeyLike | None = None,
    native: bool | None = None,
) -> Any:
    """``df`` with the outputs of ``method`` appended, computed with ``mapInPandas``.

    Args:
        df: a Spark DataFrame (string and number columns).
        model: a path every executor can read, the bytes of a model file, an
            object with ``read_bytes()`` (a model store reference), or a fitted
            estimator (saved to bytes here with :func:`skseal.dumps`).
        method: the output method (``predict``, ``predict_proba``, ...,
            ``predict_raw`` for LightGBM, XGBoost and CatBoost models).
        columns: the input columns in the model's order; default: the model's
            ``feature_names_in_``, else every column of ``df``.
        output_columns: the names of the outputs when the model alone cannot
            tell them (``transform``, multi-output ``predict``).
        trusted, public_key, native: as :func:`skseal.dask.predict`.

    Returns:
        A DataFrame: ``df``'s columns, then ``method`` (one output) or one
        ``{method}_{label}`` column per class / output.
    """
    from pyspark.sql import types as T

    spark = df.sparkSession
    prep = _prepare(spark, df, model, method, columns, output_columns, trusted, public_key,
                    native)
    t = _spark_type(prep.spec.dtype)
    taken = set(df.columns)
    clash = [n for n in prep.spec.names if n in taken]
    if clash:
        raise ValueError(f"the input already has a column {clash[0]!r}; rename it first")
    schema = T.StructType(list(df.schema.fields)
                          + [T.StructField(n, t, True) for n in prep.spec.names])

    def score(batches: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd

        loaded = prep.model()
        for batch in batches:
            X = _batch.select_columns(loaded, batch, prep.columns)
            out = _batch.to_pandas(_batch.run(loaded, prep.method, X), prep.spec, batch.index)
            yield pd.concat([batch, out.to_frame() if prep.spec.series else out], axis=1)

    return df.mapInPandas(score, schema)


def predict_udf(
    spark: Any,
    model: Any,
    method: str = "predict",
    *,
    result_type: Any = None,
    columns: Iterable[str] | None = None,
    output_columns: Iterable[str] | None = None,
    trusted: Iterable[str | type] = (),
    public_key: KeyLike | None = None,
    native: bool | None = None,
) -> Callable[..., Any]:
    """A pandas UDF computing ``method`` of ``model``.

    Call it on the input columns in the model's order (``udf("a", "b")``) or
    on one struct column (``udf(F.struct(*cols))``). Columns are named from
    ``columns``, else the model's ``feature_names_in_``; a model fitted on an
    array gets the values positionally.

    Args:
        spark: the SparkSession (bytes are broadcast through its context).
        model, method, columns, trusted, public_key, native: as :func:`predict`.
        result_type: the UDF's return type; default: derived from the model
            (:func:`result_schema`: a label or double column, or a struct with
            one ``{method}_{label}`` field per class). Outputs the model alone
            cannot tell need ``output_columns``.
        output_columns: output names when the model alone cannot tell them;
            measured on no data, so give them with ``result_type``.
    """
    from pyspark.sql.functions import pandas_udf

    if output_columns is not None and result_type is None:
        raise ValueError("output_columns needs result_type (the UDF sees no data up front)")
    if output_columns is not None:
        names = tuple(str(c) for c in output_columns)
        opts = _batch.load_options(trusted, public_key, native)
        ref, data = _batch.resolve(model, trusted)
        _batch.get_model(ref, data, opts)
        spec = _batch.OutputSpec(names, "<f8", len(names) == 1)
        bc = None if data is None else spark.sparkContext.broadcast(data)
        prep = _Prepared(ref, bc, opts, method, None if columns is None else list(columns),
                         spec)
    else:
        prep = _prepare(spark, None, model, method, columns, None, trusted, public_key, native)
    rtype = result_type if result_type is not None else result_schema(prep.spec)

    def score(*args):  # type: ignore[no-untyped-def]  # no hints: pyspark reads them
        import numpy as np
        import pandas as pd

        loaded = prep.model()
        if len(args) == 1 and isinstance(args[0], pd.DataFrame):
            X = args[0]
            names = prep.columns or loaded.feature_names
            if names is not None:
                X = _batch.select_columns(loaded, X, names)
        else:
            names = prep.columns or loaded.feature_names
            if names is not None:
                if len(names) != len(args):
                    raise ValueError(
                        f"the UDF got {len(args)} columns; the model reads {len(names)}: {names}"
                    )
                X = pd.concat([s.rename(n) for s, n in zip(args, names, strict=True)], axis=1)
            else:
                X = np.column_stack([s.to_numpy() for s in args])
        index = args[0].index
        out = _batch.to_pandas(_batch.run(loaded, prep.method, X), prep.spec, index)
        return out

    return pandas_udf(score, rtype)  # type: ignore[call-overload,no-any-return]
