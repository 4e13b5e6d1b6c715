"""Batch scoring on Dask and Spark: skseal.dask / skseal.spark against the usual recipe.

The usual recipe is what most scoring jobs do today: the model loaded with joblib on
the client, then ``ddf.map_partitions(model.predict_proba)`` on Dask, or a
``mapInPandas`` function closing over the model on Spark, so the pickled estimator
rides in every task and each worker runs scikit-learn. skseal ships the model's path
(Dask) or its bytes once (Spark broadcast), builds it once per worker process, and
computes natively where supported.

Two models, fitted with fixed random_state:

(1) RandomForestClassifier(n_estimators=100) on make_classification (20 features);
(2) the DataFrame pipeline: ColumnTransformer(StandardScaler on 3 numeric columns,
    OneHotEncoder(handle_unknown="ignore") on 2 string columns) + LogisticRegression.

For each engine, model and recipe: rows per second (wall time of the whole job, the
input already materialised in the engine), rows per second per core, the bytes of the
task specs that carry the model (Dask: the scheduler's run_spec of every scoring task,
pickled; Spark: the pickled scoring function, once per task), the peak resident memory
of the worker processes (ru_maxrss), and whether every output equals scikit-learn's
(bitwise, or the largest difference).

Build skseal in release mode first (``SKSEAL_RELEASE=1 bash scripts/setup.sh``): the
default set-up builds the Rust crates without optimisation, and native inference is
then several times slower than scikit-learn instead of faster.

Usage::

    .venv/bin/python bench/bench_batch.py                  # 2,000,000 rows (long)
    .venv/bin/python bench/bench_batch.py --rows 100000 --engines dask   # smoke run

It prints a markdown table; ``--out FILE`` also writes it between the marker lines
``<!-- batch:begin -->`` and ``<!-- batch:end -->`` of FILE (appended if absent).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

WORKERS = 2


def forest_data(n: int, seed: int) -> pd.DataFrame:
    X, _ = make_classification(n_samples=n, n_features=20, n_informative=10, random_state=seed)
    return pd.DataFrame(X, columns=[f"f{j}" for j in range(20)])


def pipeline_data(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "a": rng.normal(size=n), "b": rng.gamma(2.0, 2.0, n), "c": rng.uniform(-5, 5, n),
        "s": rng.choice(["x", "y", "z", "w"], n), "t": rng.choice(["p", "q"], n),
    })


def models() -> dict[str, tuple[Any, Callable[[int, int], pd.DataFrame]]]:
    Xf, yf = make_classification(n_samples=20_000, n_features=20, n_informative=10,
                                 random_state=0)
    forest = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1).fit(
        pd.DataFrame(Xf, columns=[f"f{j}" for j in range(20)]), yf)
    Xp = pipeline_data(20_000, 0)
    yp = ((Xp["a"] + (Xp["s"] == "x")) > 0.5).astype(int)
    pipe = Pipeline([
        ("pre", ColumnTransformer([("num", StandardScaler(), ["a", "b", "c"]),
                                   ("cat", OneHotEncoder(handle_unknown="ignore"), ["s", "t"])])),
        ("clf", LogisticRegression(max_iter=1000)),
    ]).fit(Xp, yp)
    return {"RandomForest(100)": (forest, forest_data), "DataFrame pipeline": (pipe, pipeline_data)}


def compare(got: np.ndarray, ref: np.ndarray) -> str:
    if got.shape == ref.shape and got.tobytes() == ref.tobytes():
        return "bitwise"
    return f"max diff {float(np.max(np.abs(got - ref))):.3g}"


# ------------------------------------------------------------------ dask


def bench_dask(name: str, model: Any, X: pd.DataFrame, partitions: int,
               tmp: Path) -> list[dict[str, Any]]:
    import dask.dataframe as dd
    import distributed

    import skseal.dask

    ref = model.predict_proba(X)
    rows: list[dict[str, Any]] = []
    jl = tmp / "model.joblib"
    joblib.dump(model, jl)
    sk = tmp / "model.skseal"
    skseal.dump(model, sk)
    for recipe in ("usual (joblib + map_partitions)", "skseal.dask.predict (path)"):
        with distributed.LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True,
                                      host="127.0.0.1", dashboard_address=None) as cluster, \
                distributed.Client(cluster) as client:
            ddf = dd.from_pandas(X, npartitions=partitions).persist()
            distributed.wait(ddf)
            t0 = time.perf_counter()
            if recipe.startswith("usual"):
                loaded = joblib.load(jl)
                res = ddf.map_partitions(
                    lambda p, m=loaded: pd.DataFrame(m.predict_proba(p), index=p.index),
                    meta={0: "f8", 1: "f8"}).persist()
                prefix = "lambda"
            else:
                res = skseal.dask.predict(ddf, sk, method="predict_proba").persist()
                prefix = "_predict_partition"
            distributed.wait(res)
            elapsed = time.perf_counter() - t0

            def spec_bytes(dask_scheduler: Any, prefix: str) -> int:
                import cloudpickle

                total = 0
                for key, ts in dask_scheduler.tasks.items():
                    k = key[0] if isinstance(key, tuple) else key
                    if str(k).startswith(prefix):
                        total += len(cloudpickle.dumps(ts.run_spec))
                return total

            sent = client.run_on_scheduler(spec_bytes, prefix=prefix)
            out = res.compute().to_numpy()
            peak = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
            rows.append({"engine": "Dask", "model": name, "recipe": recipe, "seconds": elapsed,
                         "rows": len(X), "task_bytes": sent,
                         "peak_mib": max(peak.values()) / 1024, "equal": compare(out, ref)})
    return rows


# ------------------------------------------------------------------ spark


def bench_spark(name: str, model: Any, X: pd.DataFrame, partitions: int,
                tmp: Path) -> list[dict[str, Any]]:
    import cloudpickle
    from pyspark.sql import SparkSession

    import skseal.spark

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (SparkSession.builder.master(f"local[{WORKERS}]")
             .config("spark.driver.host", "127.0.0.1")
             .config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.ui.enabled", "false")
             # 2 million rows of results come back to the driver through
             # toPandas: the defaults (1 GiB) lose the task result
             .config("spark.driver.memory", "6g")
             .config("spark.driver.maxResultSize", "4g")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    rows: list[dict[str, Any]] = []
    try:
        Xi = X.assign(_id=np.arange(len(X), dtype=np.int64))
        sdf = spark.createDataFrame(Xi).repartition(partitions).cache()
        sdf.count()
        cols = list(X.columns)
        ref = model.predict_proba(X)
        jl = tmp / "model.joblib"
        joblib.dump(model, jl)
        for recipe in ("usual (joblib + mapInPandas)", "skseal.spark.predict (bytes)"):
            t0 = time.perf_counter()
            if recipe.startswith("usual"):
                loaded = joblib.load(jl)

                def score(batches: Iterator[pd.DataFrame], m: Any = loaded) -> Iterator[Any]:
                    for b in batches:
                        p = m.predict_proba(b[cols])
                        yield pd.DataFrame({"_id": b["_id"], "p0": p[:, 0], "p1": p[:, 1]})

                res = sdf.mapInPandas(score, "_id long, p0 double, p1 double")
                sent = len(cloudpickle.dumps(score)) * partitions
                out = res.toPandas().sort_values("_id")[["p0", "p1"]].to_numpy()
            else:
                res = skseal.spark.predict(sdf, skseal.dumps(model), method="predict_proba",
                                           columns=cols)
                prep = skseal.spark._prepare(spark, None, skseal.dumps(model), "predict_proba",
                                             cols, None, (), None, None)
                sent = len(cloudpickle.dumps(prep)) * partitions + len(skseal.dumps(model))
                pdf = res.toPandas().sort_values("_id")
                out = pdf[[c for c in pdf.columns if c.startswith("predict_proba_")]].to_numpy()
            elapsed = time.perf_counter() - t0

            def rss(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
                for _ in batches:
                    pass
                yield pd.DataFrame({"kb": [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]})

            peak = sdf.mapInPandas(rss, "kb long").toPandas()["kb"].max()
            rows.append({"engine": "Spark", "model": name, "recipe": recipe,
                         "seconds": elapsed, "rows": len(X), "task_bytes": sent,
                         "peak_mib": peak / 1024, "equal": compare(out, ref)})
    finally:
        spark.stop()
    return rows


def table(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        f"Batch scoring, {args.rows:,} rows, {args.partitions} partitions, {WORKERS} worker "
        f"processes x 1 thread; {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()} (`bench/bench_batch.py`).",
        "",
        "| engine | model | recipe | rows/s | rows/s per core | bytes in tasks | "
        "peak worker RSS | outputs vs scikit-learn |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        rate = r["rows"] / r["seconds"]
        lines.append(
            f"| {r['engine']} | {r['model']} | {r['recipe']} | {rate:,.0f} | "
            f"{rate / WORKERS:,.0f} | {r['task_bytes']:,} | {r['peak_mib']:,.0f} MiB | "
            f"{r['equal']} |")
    return "\n".join(lines) + "\n"


def write(out: Path, text: str) -> None:
    begin, end = "<!-- batch:begin -->", "<!-- batch:end -->"
    old = out.read_text() if out.exists() else ""
    block = f"{begin}\n{text}{end}"
    if begin in old and end in old:
        new = old[: old.index(begin)] + block + old[old.index(end) + len(end):]
    else:
        new = old + ("\n" if old and not old.endswith("\n") else "") + "\n" + block + "\n"
    out.write_text(new)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--engines", default="dask,spark")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    engines = args.engines.split(",")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as d:
        for name, (model, data) in models().items():
            X = data(args.rows, 1)
            if "dask" in engines:
                rows += bench_dask(name, model, X, args.partitions, Path(d))
                print(table(rows, args), flush=True)
            if "spark" in engines:
                rows += bench_spark(name, model, X, args.partitions, Path(d))
            print(table(rows, args), flush=True)
    text = table(rows, args)
    if args.out:
        write(args.out, text)


if __name__ == "__main__":
    main()
