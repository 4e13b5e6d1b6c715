"""skseal.spark on a real local[2] SparkSession (bound to 127.0.0.1, stopped
at the end): predict (mapInPandas) and predict_udf (pandas UDF) bitwise equal
to scikit-learn, the result schema derived from the model, one model build
per Python worker, and nothing but bytes, a path and small skseal values in
what Spark ships to executors."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pyspark = pytest.importorskip("pyspark")
pd = pytest.importorskip("pandas")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("no Java runtime (scripts/setup.sh installs one when run as root)",
                allow_module_level=True)

import cloudpickle  # noqa: E402
from churn import churn_frame, churn_pipeline  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402
from pyspark.sql import types as T  # noqa: E402
from sklearn.ensemble import RandomForestRegressor  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402

import skseal  # noqa: E402
import skseal.spark  # noqa: E402

pytestmark = [  # pyspark 4.3 on pandas 3: its own warnings
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

from churn import FEATURES  # noqa: E402


def frame(n: int, seed: int) -> tuple[Any, np.ndarray]:
    return churn_frame(n, seed, ids=True)


@pytest.fixture(scope="module")
def data() -> tuple[Any, np.ndarray]:
    return frame(3000, 0)


@pytest.fixture(scope="module")
def pipeline(data: tuple[Any, np.ndarray]) -> Pipeline:
    return churn_pipeline(*data, max_iter=30)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    os.environ["PYSPARK_PYTHON"] = sys.executable  # executors run this interpreter
    session = (
        SparkSession.builder.master("local[2]")
        .appName("skseal-test")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "200")
        .config("spark.python.worker.reuse", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


def rows(spark: Any, X: Any, partitions: int = 4) -> Any:
    return spark.createDataFrame(X).repartition(partitions)


def in_order(pdf: Any) -> Any:
    return pdf.sort_values("id").reset_index(drop=True)


def worker_loads(spark: Any, sdf: Any) -> dict[int, int]:
    """{pid: builds} of the Python workers that run Arrow batches."""

    def count(batches: Iterator[Any]) -> Iterator[Any]:
        for _ in batches:
            pass
        yield pd.DataFrame({"pid": [os.getpid()], "loads": [skseal.spark.worker_loads()]})

    got = sdf.mapInPandas(count, "pid long, loads long").toPandas()
    return {int(p): int(n) for p, n in zip(got["pid"], got["loads"], strict=True)}


def test_predict_map_in_pandas_bitwise(spark: Any, pipeline: Pipeline,
                                       data: tuple[Any, np.ndarray]) -> None:
    X, _ = data
    sdf = rows(spark, X)
    blob = skseal.dumps(pipeline)
    before = worker_loads(spark, sdf)

    labels = skseal.spark.predict(sdf, blob)
    assert labels.columns == list(X.columns) + ["predict"]
    assert labels.schema["predict"].dataType == T.StringType()
    got = in_order(labels.toPandas())
    np.testing.assert_array_equal(got["predict"].to_numpy(dtype=object),
                                  pipeline.predict(got[FEATURES]))

    proba = skseal.spark.predict(sdf, blob, method="predict_proba")
    names = ["predict_proba_churn", "predict_proba_stay"]
    assert proba.columns[-2:] == names
    assert all(proba.schema[n].dataType == T.DoubleType() for n in names)
    p = in_order(proba.toPandas())
    assert p[names].to_numpy().tobytes() == pipeline.predict_proba(p[FEATURES]).tobytes()

    # 3000 rows in batches of 200 over two predictions: each worker built the model once
    after = worker_loads(spark, sdf)
    deltas = {pid: n - before.get(pid, 0) for pid, n in after.items()}
    assert deltas and all(d <= 1 for d in deltas.values()), (before, after)
    assert any(d == 1 for d in deltas.values()), (before, after)


def test_predict_udf_columns_struct_and_path(spark: Any, pipeline: Pipeline,
                                             data: tuple[Any, np.ndarray],
                                             tmp_path: Path) -> None:
    X, _ = data
    sdf = rows(spark, X)
    path = tmp_path / "pipeline.skseal"
    skseal.dump(pipeline, path, compress=True)

    label = skseal.spark.predict_udf(spark, path)
    out = in_order(sdf.withColumn("label", label(*FEATURES)).toPandas())
    np.testing.assert_array_equal(out["label"].to_numpy(dtype=object),
                                  pipeline.predict(out[FEATURES]))

    proba = skseal.spark.predict_udf(spark, path.read_bytes(), method="predict_proba")
    assert proba.returnType == skseal.spark.result_schema(
        skseal._batch.OutputSpec(("predict_proba_churn", "predict_proba_stay"), "<f8", False))
    # a struct of the columns, in any order: matched by name
    scored = sdf.withColumn("p", proba(F.struct("region", "usage", "plan", "age")))
    flat = in_order(scored.select("id", *FEATURES, "p.*").toPandas())
    ref = pipeline.predict_proba(flat[FEATURES])
    assert flat[["predict_proba_churn", "predict_proba_stay"]].to_numpy().tobytes() \
        == ref.tobytes()


def test_shipped_closure_is_small_and_has_no_estimator(spark: Any, pipeline: Pipeline,
                                                       data: tuple[Any, np.ndarray],
                                                       tmp_path: Path) -> None:
    X, _ = data
    blob = skseal.dumps(pipeline)
    sdf = rows(spark, X)
    path = tmp_path / "m.skseal"
    skseal.dump(pipeline, path)
    for model in (blob, path, pipeline):
        prep = skseal.spark._prepare(spark, sdf, model, "predict", None, None, (), None, None)
        raw = cloudpickle.dumps(prep)
        assert len(raw) < 4_000 and b"sklearn" not in raw, len(raw)
    # the usual recipe's closure carries the pickled pipeline
    assert b"sklearn" in cloudpickle.dumps(lambda b: pipeline.predict(b))


def test_regressor_and_fallback(spark: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    X = pd.DataFrame(rng.normal(size=(800, 3)), columns=["a", "b", "c"])
    X["id"] = np.arange(len(X), dtype=np.int64)
    y = X["a"] * 2 - X["c"]
    reg = RandomForestRegressor(n_estimators=10, random_state=0).fit(X[["a", "b", "c"]], y)
    sdf = rows(spark, X, 3)
    out = in_order(skseal.spark.predict(sdf, skseal.dumps(reg)).toPandas())
    assert out["predict"].to_numpy().tobytes() == reg.predict(out[["a", "b", "c"]]).tobytes()

    # the chebyshev metric: not computed natively (euclidean and manhattan are)
    knn = KNeighborsClassifier(n_neighbors=3, metric="chebyshev").fit(
        X[["a", "b", "c"]].to_numpy(), y > 0)
    with pytest.raises(skseal.UnsupportedModelError):
        skseal.native.loads(skseal.dumps(knn))
    udf = skseal.spark.predict_udf(spark, skseal.dumps(knn))  # fitted on an array: positional
    assert udf.returnType == T.BooleanType()
    got = in_order(sdf.withColumn("hit", udf("a", "b", "c")).toPandas())
    np.testing.assert_array_equal(got["hit"].to_numpy(),
                                  knn.predict(got[["a", "b", "c"]].to_numpy()))


def test_predict_raw_of_a_booster(spark: Any) -> None:
    """method="predict_raw" (LightGBM's raw_score): one double column per
    class, from mapInPandas (measured on the first rows) and from the UDF
    (derived from the classes), bitwise."""
    lgb = pytest.importorskip("lightgbm")
    rng = np.random.default_rng(7)
    X = pd.DataFrame(rng.normal(size=(400, 3)), columns=["a", "b", "c"])
    y = rng.integers(0, 3, len(X))
    m = lgb.LGBMClassifier(n_estimators=10, verbose=-1, n_jobs=1).fit(X, y)
    X["id"] = np.arange(len(X), dtype=np.int64)
    sdf = rows(spark, X, 2)
    blob = skseal.dumps(m, trusted=["lightgbm"])
    names = ["predict_raw_0", "predict_raw_1", "predict_raw_2"]
    out = skseal.spark.predict(sdf, blob, method="predict_raw", columns=["a", "b", "c"],
                               trusted=["lightgbm"])
    assert out.columns[-3:] == names
    assert all(out.schema[n].dataType == T.DoubleType() for n in names)
    got = in_order(out.toPandas())
    want = m.predict(got[["a", "b", "c"]], raw_score=True)
    assert got[names].to_numpy().tobytes() == want.tobytes()
    udf = skseal.spark.predict_udf(spark, blob, method="predict_raw", trusted=["lightgbm"])
    got = in_order(sdf.withColumn("raw", udf("a", "b", "c")).select("id", "a", "b", "c",
                                                                      "raw.*").toPandas())
    assert list(got.columns[-3:]) == names
    assert got[names].to_numpy().tobytes() == want.tobytes()
