"""`skseal serve --batch-wait-us`: micro-batching of concurrent small requests,
against the real binary on loopback. Every answer of a batched request is
compared bitwise with scikit-learn; the batch metrics must show batches of
more than one request; a bad request among concurrent good ones fails alone;
models whose rows are not computed independently are never batched; queued
requests are answered on SIGTERM. Load is bounded in requests and time."""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from test_serve import CLI, Server, _frame, iris_models

import skseal

pytestmark = pytest.mark.skipif(not CLI.exists(), reason="CLI not built (scripts/setup.sh)")

WORKERS = 32


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("serve_batch")
    iris = iris_models(d)
    linear = LogisticRegression(max_iter=500).fit(iris["X"], load_iris().target)
    df, yd = _frame(150, 1)
    ct = ColumnTransformer([("num", StandardScaler(), ["a", "b"]), ("cat", OneHotEncoder(), ["c"])])
    pipe = make_pipeline(ct, RandomForestClassifier(n_estimators=20, random_state=0)).fit(df, yd)
    skseal.dump(linear, d / "linear.skseal")
    skseal.dump(pipe, d / "pipe.skseal", probe=df.iloc[:10])
    return {**iris, "dir": d, "linear": linear, "df": df, "pipe": pipe}


@pytest.fixture(scope="module")
def server(models: dict[str, Any]) -> Iterator[Server]:
    # a wait long enough that concurrent requests meet on a shared machine
    s = Server(str(models["dir"]), "--batch-wait-us", "3000", "--max-batch-rows", "16")
    s.wait_ready()
    yield s
    assert s.stop() == 0


def _row(x: np.ndarray, method: str) -> dict[str, Any]:
    return {
        "inputs": [{"name": "x", "shape": [1, len(x)], "datatype": "FP64", "data": x.tolist()}],
        "parameters": {"method": method},
    }


def _table_row(df: pd.DataFrame, i: int, method: str) -> dict[str, Any]:
    r = df.iloc[i]
    return {
        "inputs": [
            {"name": "c", "shape": [1], "datatype": "BYTES", "data": [r["c"]]},
            {"name": "a", "shape": [1], "datatype": "FP64", "data": [float(r["a"])]},
            {"name": "b", "shape": [1], "datatype": "FP64", "data": [float(r["b"])]},
        ],
        "parameters": {"method": method},
    }


def _concurrently(n: int, call: Callable[[int], tuple[int, Any]]) -> list[tuple[int, Any]]:
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(call, range(n)))


def _batch_stats(s: Server, model: str, method: str) -> tuple[float, float]:
    """(requests, batches) from the `skseal_batch_requests` histogram."""
    _, text = s.get("/metrics")
    labels = f'{{model="{model}",method="{method}"}}'
    got = {}
    for kind in ("sum", "count"):
        m = re.search(rf"^skseal_batch_requests_{kind}{re.escape(labels)} (\S+)$", text, re.M)
        got[kind] = float(m.group(1)) if m else 0.0
    return got["sum"], got["count"]


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("forest", "predict_proba"),
        ("forest", "predict"),
        ("hgb", "predict_proba"),
        ("hgb", "decision_function"),
    ],
)
def test_concurrent_one_row_requests_are_batched_and_bitwise(
    server: Server, models: dict[str, Any], name: str, method: str
) -> None:
    X = models["X"]
    want = getattr(models[name], method)(X)
    before = _batch_stats(server, name, method)
    res = _concurrently(
        len(X), lambda i: server.post(f"/v2/models/{name}/infer", _row(X[i], method))
    )
    for i, (code, out) in enumerate(res):
        assert code == 200, out
        data = out["outputs"][0]["data"]
        if method == "predict":
            assert data == [int(want[i])]
        else:
            assert np.array_equal(np.array(data, dtype=float), np.atleast_1d(want[i])), i
    reqs, batches = _batch_stats(server, name, method)
    reqs, batches = reqs - before[0], batches - before[1]
    assert reqs == len(X)
    assert batches < reqs, "no batch of more than one request formed"
    logged = [e for e in server.events if e.get("event") == "request" and e.get("model") == name]
    assert any(e.get("batch", 0) > 1 for e in logged)


def test_dataframe_pipeline_batched_bitwise(server: Server, models: dict[str, Any]) -> None:
    df, pipe = models["df"], models["pipe"]
    code, meta = server.get("/v2/models/pipe")
    assert code == 200 and meta["parameters"]["batchable"] is True
    want = pipe.predict_proba(df)
    res = _concurrently(
        len(df), lambda i: server.post("/v2/models/pipe/infer", _table_row(df, i, "predict_proba"))
    )
    for i, (code, out) in enumerate(res):
        assert code == 200, out
        assert np.array_equal(np.array(out["outputs"][0]["data"]), want[i]), i
    labels = pipe.predict(df).tolist()
    # MLflow records, columns in another order than the fit
    res = _concurrently(
        len(df),
        lambda i: server.post(
            "/models/pipe/invocations",
            {
                "dataframe_records": [
                    {"b": float(df["b"][i]), "c": df["c"][i], "a": float(df["a"][i])}
                ]
            },
        ),
    )
    assert [out["predictions"][0] for _, out in res] == labels
    reqs, batches = _batch_stats(server, "pipe", "predict_proba")
    assert reqs == len(df) and batches < reqs


def test_bad_request_in_concurrent_load_fails_alone(server: Server, models: dict[str, Any]) -> None:
    X, forest = models["X"], models["forest"]
    want = forest.predict_proba(X)
    bad_rows = {7, 40, 99}

    def call(i: int) -> tuple[int, Any]:
        body = _row(X[i], "predict_proba")
        if i in bad_rows:
            # passes the checks made before queueing (right width), fails in
            # the model: the stacked computation fails and is redone alone
            body["inputs"][0]["data"][1] = "Infinity"
        if i == 70:
            body["inputs"][0]["shape"] = [1, 3]
            body["inputs"][0]["data"] = X[i][:3].tolist()
        return server.post("/v2/models/forest/infer", body)

    res = _concurrently(len(X), call)
    for i, (code, out) in enumerate(res):
        if i in bad_rows:
            assert code == 400 and "row 0, column 1: inf is infinite" in out["error"], out
        elif i == 70:
            assert code == 400 and "3 features" in out["error"], out
        else:
            assert code == 200, (i, out)
            assert np.array_equal(np.array(out["outputs"][0]["data"]), want[i]), i
    # the pipeline: an unknown category inside a batch of good rows
    df, pipe = models["df"], models["pipe"]
    want = pipe.predict_proba(df)

    def table(i: int) -> tuple[int, Any]:
        body = _table_row(df, i, "predict_proba")
        if i % 25 == 3:
            body["inputs"][0]["data"] = ["purple"]
        return server.post("/v2/models/pipe/infer", body)

    res = _concurrently(len(df), table)
    for i, (code, out) in enumerate(res):
        if i % 25 == 3:
            assert code == 400 and "purple" in out["error"], out
        else:
            assert code == 200, (i, out)
            assert np.array_equal(np.array(out["outputs"][0]["data"]), want[i]), i


def test_models_with_dependent_rows_are_not_batched(server: Server, models: dict[str, Any]) -> None:
    X, linear = models["X"], models["linear"]
    code, meta = server.get("/v2/models/linear")
    assert code == 200 and meta["parameters"]["batchable"] is False
    want = linear.predict_proba(X)
    res = _concurrently(
        len(X), lambda i: server.post("/v2/models/linear/infer", _row(X[i], "predict_proba"))
    )
    for i, (code, out) in enumerate(res):
        assert code == 200, out
        assert np.array_equal(np.array(out["outputs"][0]["data"]), want[i]), i
    assert _batch_stats(server, "linear", "predict_proba") == (0.0, 0.0)
    logged = [
        e for e in server.events if e.get("event") == "request" and e.get("model") == "linear"
    ]
    assert logged and not any("batch" in e for e in logged)


def test_flag_off_computes_each_request_alone(models: dict[str, Any]) -> None:
    s = Server(str(models["dir"]))
    try:
        s.wait_ready()
        X, forest = models["X"], models["forest"]
        want = forest.predict_proba(X)
        res = _concurrently(
            60, lambda i: s.post("/v2/models/forest/infer", _row(X[i], "predict_proba"))
        )
        for i, (code, out) in enumerate(res):
            assert code == 200 and np.array_equal(np.array(out["outputs"][0]["data"]), want[i])
        _, text = s.get("/metrics")
        assert "skseal_batch_requests_count{" not in text
        logged = [e for e in s.events if e.get("event") == "request"]
        assert len(logged) >= 60 and not any("batch" in e for e in logged)
    finally:
        assert s.stop() == 0


def test_sigterm_answers_queued_requests(models: dict[str, Any]) -> None:
    # a wait of 1.5 s holds the requests in the queue when SIGTERM arrives
    s = Server(
        str(models["dir"] / "forest.skseal"),
        "--batch-wait-us",
        "1500000",
        "--max-batch-rows",
        "1000",
    )
    s.wait_ready()
    X, forest = models["X"], models["forest"]
    want = forest.predict_proba(X)
    results: dict[int, tuple[int, Any]] = {}

    def one(i: int) -> None:
        results[i] = s.post("/v2/models/forest/infer", _row(X[i], "predict_proba"))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # every request connected and queued (the wait is 1.5 s), none answered
    s.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(timeout=60)
    assert s.exited() == 0
    assert sorted(results) == list(range(12))
    for i, (code, out) in results.items():
        assert code == 200, out
        assert np.array_equal(np.array(out["outputs"][0]["data"]), want[i])
    assert any(e.get("event") == "draining" for e in s.events)
    batched = [e for e in s.events if e.get("event") == "request"]
    assert len(batched) == 12 and all(e.get("batch", 0) > 1 for e in batched)


def test_timeout_and_body_limit_with_batching(models: dict[str, Any]) -> None:
    # a 2 s wait for company is longer than the 300 ms timeout: the queued
    # request is answered 504 in time; the body limit applies before queueing
    s = Server(
        str(models["dir"] / "forest.skseal"),
        "--batch-wait-us",
        "2000000",
        "--timeout-ms",
        "300",
        "--max-body-bytes",
        "2000",
    )
    try:
        s.wait_ready()
        X = models["X"]
        t = time.monotonic()
        code, out = s.post("/v2/models/forest/infer", _row(X[0], "predict_proba"))
        assert code == 504 and "--timeout-ms" in out["error"], out
        assert time.monotonic() - t < 1.5
        code, out = s.post("/v2/models/forest/infer", _row(np.tile(X[0], 500), "predict_proba"))
        assert code == 413 and "--max-body-bytes" in out["error"], out
        _, text = s.get("/metrics")
        labels = 'model="forest",method="predict_proba",protocol="v2",code="504"'
        assert f"skseal_requests_total{{{labels}}} 1" in text
    finally:
        assert s.stop() == 0


def test_bad_request_inside_one_batch_is_redone_alone(models: dict[str, Any]) -> None:
    # a 0.6 s wait gathers every request below into the first batch, whose
    # stacked computation fails on the two bad rows: computed again alone,
    # the good requests get their answers and the bad ones their own errors
    s = Server(str(models["dir"] / "forest.skseal"), "--batch-wait-us", "600000")
    try:
        s.wait_ready()
        X, forest = models["X"], models["forest"]
        want = forest.predict_proba(X)
        bad = {2, 5}

        def call(i: int) -> tuple[int, Any]:
            body = _row(X[i], "predict_proba")
            if i in bad:
                body["inputs"][0]["data"][2] = "-Infinity"
            return s.post("/v2/models/forest/infer", body)

        with ThreadPoolExecutor(max_workers=8) as pool:
            res = list(pool.map(call, range(8)))
        for i, (code, out) in enumerate(res):
            if i in bad:
                assert code == 400 and "row 0, column 2" in out["error"], out
            else:
                assert code == 200, out
                assert np.array_equal(np.array(out["outputs"][0]["data"]), want[i]), i
        _, text = s.get("/metrics")
        labels = 'model="forest",method="predict_proba"'
        assert f"skseal_batch_retries_total{{{labels}}} 1" in text
    finally:
        assert s.stop() == 0


@pytest.fixture(scope="module")
def gbm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, Any]]]:
    """LightGBM, XGBoost and CatBoost classifiers, each saved with its
    library profile, served with `--trust` and batching on."""
    import warnings

    lgb = pytest.importorskip("lightgbm")
    xgb = pytest.importorskip("xgboost")
    cb = pytest.importorskip("catboost")
    d = tmp_path_factory.mktemp("serve_batch_gbm")
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = {
            "lgbm": (
                lgb.LGBMClassifier(n_estimators=20, verbose=-1, n_jobs=1).fit(X, y),
                "lightgbm",
            ),
            "xgb": (
                xgb.XGBClassifier(n_estimators=20, max_depth=3, n_jobs=1).fit(X, y),
                "xgboost",
            ),
            "cat": (
                cb.CatBoostClassifier(
                    iterations=20,
                    depth=4,
                    verbose=0,
                    random_seed=0,
                    thread_count=1,
                    allow_writing_files=False,
                ).fit(X, y),
                "catboost",
            ),
        }
    for name, (m, lib) in fitted.items():
        skseal.dump(m, d / f"{name}.skseal", trusted=[lib])
    s = Server(
        str(d),
        "--trust",
        "lightgbm",
        "--trust",
        "xgboost",
        "--trust",
        "catboost",
        "--batch-wait-us",
        "3000",
        "--max-batch-rows",
        "16",
    )
    try:
        s.wait_ready()
        yield s, {"X": X, **{name: m for name, (m, _) in fitted.items()}}
    finally:
        assert s.stop() == 0


@pytest.mark.parametrize("name", ["lgbm", "xgb", "cat"])
def test_gbm_one_row_requests_are_batched_and_bitwise(
    gbm_server: tuple[Server, dict[str, Any]], name: str
) -> None:
    """The boosters walk rows in blocks and lanes (and one row alone on its
    own path): a row batched with others must get the library's own
    probabilities to the last bit. Up to three rounds of one-row requests,
    every answer of every round checked, until one round formed a batch:
    a booster computes a row so fast on the shared 2-core machine that
    requests arriving together can still be taken one at a time, and a queue
    whose last batch was a lone request does not wait (SERVING.md)."""
    server, models = gbm_server
    X = models["X"]
    method = "predict_proba"
    want = np.asarray(models[name].predict_proba(X), dtype=np.float64)

    def call(i: int) -> tuple[int, Any]:
        if i < WORKERS:
            gate.wait()  # the first WORKERS requests leave together
        return server.post(f"/v2/models/{name}/infer", _row(X[i], method))

    for _ in range(3):
        before = _batch_stats(server, name, method)
        gate = threading.Barrier(WORKERS, timeout=30)
        res = _concurrently(len(X), call)
        for i, (code, out) in enumerate(res):
            assert code == 200, out
            got = np.array(out["outputs"][0]["data"], dtype=np.float64)
            assert np.array_equal(got.view(np.uint64), want[i].view(np.uint64)), (name, i)
        reqs, batches = _batch_stats(server, name, method)
        reqs, batches = reqs - before[0], batches - before[1]
        assert reqs == len(X)
        if batches < reqs:
            break
    assert batches < reqs, "no batch of more than one request formed in three rounds"
    logged = [e for e in server.events if e.get("event") == "request" and e.get("model") == name]
    assert any(e.get("batch", 0) > 1 for e in logged)
