"""`skseal serve`: a real HTTP server (the `skseal` binary) on loopback,
driven with the standard library's HTTP client. Every answer is compared
bitwise with scikit-learn; errors must carry the right status and a clear
message; reloads, signatures and shutdown are exercised for real. Load in
these tests is bounded in requests and time."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import skseal

CLI = Path(__file__).resolve().parent.parent / "target" / "debug" / "skseal"
pytestmark = pytest.mark.skipif(not CLI.exists(), reason="CLI not built (scripts/setup.sh)")


class Server:
    """A `skseal serve` process on 127.0.0.1 with a port chosen by the OS."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [str(CLI), "serve", "--port", "0", *args],
            stderr=subprocess.PIPE,
            text=True,
        )
        self.events: list[dict[str, Any]] = []
        assert self.proc.stderr is not None
        line = self.proc.stderr.readline()
        ev = json.loads(line)
        assert ev["event"] == "listening", line
        self.base = f"http://{ev['addr']}"
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            try:
                self.events.append(json.loads(line))
            except ValueError:
                self.events.append({"text": line})

    def wait_ready(self, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            code, _ = self.get("/v2/health/ready")
            if code == 200:
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.events}")
            time.sleep(0.05)
        raise AssertionError("server not ready")

    def request(
        self, method: str, path: str, body: bytes | None = None, ctype: str = "application/json"
    ) -> tuple[int, Any]:
        req = urllib.request.Request(self.base + path, data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", ctype)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                raw = r.read()
                code = r.status
        except urllib.error.HTTPError as e:
            raw, code = e.read(), e.code
        try:
            return code, json.loads(raw)
        except ValueError:
            return code, raw.decode()

    def get(self, path: str) -> tuple[int, Any]:
        return self.request("GET", path)

    def post(self, path: str, obj: Any) -> tuple[int, Any]:
        return self.request("POST", path, json.dumps(obj).encode())

    def exited(self, timeout: float = 30.0) -> int:
        """The exit code, once the process has ended and every line it
        logged has been read into `events` (the reader ends at EOF)."""
        rc = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        return rc

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.exited()


def _frame(n: int = 120, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n) * 5,
            "c": rng.choice(["red", "green", "blue"], size=n),
        }
    )
    y = np.where(df["a"] + (df["c"] == "red") > 0.3, "yes", "no")
    return df, y


def iris_models(d: Path) -> dict[str, Any]:
    """The iris forest and HGB the serving tests share, saved in ``d`` as
    forest.skseal (with a probe) and hgb.skseal: X and the fitted models."""
    X, y = load_iris(return_X_y=True)
    forest = RandomForestClassifier(n_estimators=30, random_state=0).fit(X, y)
    hgb = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X, y)
    skseal.dump(forest, d / "forest.skseal", probe=X[:10])
    skseal.dump(hgb, d / "hgb.skseal")
    return {"X": X, "forest": forest, "hgb": hgb}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("serve")
    iris = iris_models(d)
    df, yd = _frame()
    ct = ColumnTransformer(
        [("num", StandardScaler(), ["a", "b"]), ("cat", OneHotEncoder(), ["c"])]
    )
    pipe = make_pipeline(ct, LogisticRegression()).fit(df, yd)
    skseal.dump(pipe, d / "pipe.skseal", probe=df.iloc[:10])
    skseal.dump(pipe, d / "bare.skseal")  # no probe
    # no probe either: the string column goes through an imputer and an
    # encoder inside a calibrated classifier
    strings = make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder())
    wrapped = CalibratedClassifierCV(make_pipeline(
        ColumnTransformer([("num", "passthrough", ["a", "b"]), ("cat", strings, ["c"])]),
        LogisticRegression()), cv=3).fit(df, yd)
    skseal.dump(wrapped, d / "wrapped.skseal")
    numeric = LogisticRegression().fit(df[["a", "b"]], yd)
    skseal.dump(numeric, d / "numeric.skseal")
    size = np.where(df["a"] > 0, "big", "small")
    docs = np.array([f"{c} item {w} number {i % 7}" for i, (c, w) in
                     enumerate(zip(df["c"], size, strict=True))], dtype=object)
    text = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(docs, yd)
    skseal.dump(text, d / "text.skseal", probe=docs[:5])
    skseal.dump(text, d / "baretext.skseal")
    return {**iris, "dir": d, "df": df, "pipe": pipe, "docs": docs, "text": text,
            "wrapped": wrapped, "numeric": numeric}


@pytest.fixture(scope="module")
def server(models: dict[str, Any]) -> Iterator[Server]:
    s = Server(str(models["dir"]), "--max-rows", "5000", "--max-body-bytes", "2000000")
    s.wait_ready()
    yield s
    assert s.stop() == 0


def _v2_dense(X: np.ndarray, method: str) -> dict[str, Any]:
    return {
        "id": "r1",
        "inputs": [
            {"name": "x", "shape": list(X.shape), "datatype": "FP64", "data": X.ravel().tolist()}
        ],
        "parameters": {"method": method},
    }


def test_health_metadata_and_metrics(server: Server) -> None:
    assert server.get("/v2/health/live") == (200, {"live": True})
    assert server.get("/v2/health/ready") == (200, {"ready": True})
    assert server.get("/v2/models/forest/ready") == (200, {"name": "forest", "ready": True})
    code, meta = server.get("/v2/models/pipe")
    assert code == 200
    assert [i["name"] for i in meta["inputs"]] == ["a", "b", "c"]
    assert meta["parameters"]["classes"] == ["no", "yes"]
    assert "predict_proba(): bitwise equal" in meta["parameters"]["probe"]
    code, meta = server.get("/v2/models/forest")
    assert meta["inputs"] == [{"name": "input", "datatype": "FP64", "shape": [-1, 4]}]
    assert meta["parameters"]["exactness"]["predict_proba"] == "bitwise"
    code, text = server.get("/metrics")
    assert code == 200 and "skseal_model_load_seconds" in text
    assert 'skseal_model_load_seconds{model="hgb"}' in text


def test_metadata_gives_each_column_its_datatype(server: Server, models: dict[str, Any]) -> None:
    """The stored probe tells string columns from numbers: a client that builds its
    request from the metadata alone gets scikit-learn's answer."""
    code, meta = server.get("/v2/models/pipe")
    assert code == 200
    assert [(i["name"], i["datatype"], i["shape"]) for i in meta["inputs"]] == [
        ("a", "FP64", [-1]), ("b", "FP64", [-1]), ("c", "BYTES", [-1])]
    outs = {o["name"]: o["datatype"] for o in meta["outputs"]}
    assert outs["predict"] == "BYTES" and outs["predict_proba"] == "FP64"
    df = models["df"]
    body = {
        "inputs": [{"name": i["name"], "shape": [len(df)], "datatype": i["datatype"],
                    "data": df[i["name"]].tolist()} for i in meta["inputs"]],
        "parameters": {"method": "predict_proba"},
    }
    code, out = server.post("/v2/models/pipe/infer", body)
    assert code == 200, out
    t = out["outputs"][0]
    got = np.array(t["data"], dtype=np.float64).reshape(t["shape"])
    assert np.array_equal(got, models["pipe"].predict_proba(df))
    code, meta = server.get("/v2/models/forest")
    assert {o["name"]: o["datatype"] for o in meta["outputs"]}["predict"] == "INT64"
    # without a probe the model's encoders tell: their categories are strings
    code, meta = server.get("/v2/models/numeric")
    assert [(i["name"], i["datatype"]) for i in meta["inputs"]] == [("a", "FP64"), ("b", "FP64")]
    assert "parameters" not in meta["inputs"][0]
    for name in ("bare", "wrapped"):
        code, meta = server.get(f"/v2/models/{name}")
        assert code == 200, meta
        assert [i["datatype"] for i in meta["inputs"]] == ["FP64", "FP64", "BYTES"], name
        body = {
            "inputs": [{"name": i["name"], "shape": [len(df)], "datatype": i["datatype"],
                        "data": df[i["name"]].tolist()} for i in meta["inputs"]],
            "parameters": {"method": "predict_proba"},
        }
        code, out = server.post(f"/v2/models/{name}/infer", body)
        assert code == 200, out
        t = out["outputs"][0]
        got = np.array(t["data"], dtype=np.float64).reshape(t["shape"])
        model = models["pipe" if name == "bare" else name]
        cols = [i["name"] for i in meta["inputs"]]
        assert meta["parameters"]["exactness"]["predict_proba"].startswith("bitwise"), name
        assert np.array_equal(got, model.predict_proba(df[cols])), name
    # a text pipeline takes one string per row, with a probe or without
    for name in ("text", "baretext"):
        code, meta = server.get(f"/v2/models/{name}")
        assert meta["inputs"] == [{"name": "text", "datatype": "BYTES", "shape": [-1]}], name
    docs = models["docs"]
    body = {"inputs": [{"name": "text", "shape": [len(docs)], "datatype": "BYTES",
                        "data": docs.tolist()}], "parameters": {"method": "predict_proba"}}
    code, out = server.post("/v2/models/text/infer", body)
    assert code == 200, out
    t = out["outputs"][0]
    got = np.array(t["data"], dtype=np.float64).reshape(t["shape"])
    assert np.array_equal(got, models["text"].predict_proba(docs))
    # MLflow's protocol: the documents as instances
    code, out = server.post("/models/text/invocations",
                            {"instances": docs.tolist(), "params": {"method": "predict_proba"}})
    assert code == 200, out
    assert np.array_equal(np.array(out["predictions"]), models["text"].predict_proba(docs))


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("forest", "predict"),
        ("forest", "predict_proba"),
        ("forest", "predict_log_proba"),
        ("hgb", "predict"),
        ("hgb", "predict_proba"),
        ("hgb", "decision_function"),
    ],
)
def test_v2_dense_bitwise(server: Server, models: dict[str, Any], name: str, method: str) -> None:
    X = models["X"]
    code, out = server.post(f"/v2/models/{name}/infer", _v2_dense(X, method))
    assert code == 200, out
    assert out["id"] == "r1" and out["model_name"] == name
    [t] = out["outputs"]
    want = getattr(models[name], method)(X)
    assert t["shape"] == list(want.shape)
    got = np.array([np.nan if v is None else v for v in t["data"]], dtype=float)
    if method == "predict":
        assert t["datatype"] == "INT64" and got.astype(int).tolist() == want.tolist()
    else:
        assert np.array_equal(got.reshape(want.shape), want, equal_nan=True)


def test_v2_table_with_string_columns(server: Server, models: dict[str, Any]) -> None:
    df, pipe = models["df"], models["pipe"]
    body = {
        "inputs": [
            {"name": "a", "shape": [len(df)], "datatype": "FP64", "data": df["a"].tolist()},
            {"name": "b", "shape": [len(df)], "datatype": "FP64", "data": df["b"].tolist()},
            {"name": "c", "shape": [len(df)], "datatype": "BYTES", "data": df["c"].tolist()},
        ],
        "parameters": {"method": "predict_proba"},
    }
    code, out = server.post("/v2/models/pipe/infer", body)
    assert code == 200, out
    got = np.array(out["outputs"][0]["data"]).reshape(len(df), 2)
    assert np.array_equal(got, pipe.predict_proba(df))
    body["parameters"] = {"method": "predict"}
    code, out = server.post("/v2/models/pipe/infer", body)
    assert out["outputs"][0]["datatype"] == "BYTES"
    assert out["outputs"][0]["data"] == pipe.predict(df).tolist()


def test_mlflow_formats(server: Server, models: dict[str, Any]) -> None:
    df, pipe = models["df"], models["pipe"]
    want = pipe.predict_proba(df).tolist()
    split = json.loads(df.to_json(orient="split", index=False, double_precision=15))
    split["data"] = df.to_numpy().tolist()  # exact floats, not pandas' rounded text
    bodies = [
        {"dataframe_split": {"columns": list(df.columns), "data": split["data"]}},
        {"dataframe_records": df.to_dict(orient="records")},
        {"instances": df.to_dict(orient="records")},
        {"inputs": {c: df[c].tolist() for c in df.columns}},
    ]
    for b in bodies:
        b["params"] = {"method": "predict_proba"}
        code, out = server.post("/models/pipe/invocations", b)
        assert code == 200, (b.keys(), out)
        assert out["predictions"] == want
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(df.columns)
    for row in df.itertuples(index=False):
        w.writerow([repr(row.a), repr(row.b), row.c])
    code, out = server.request(
        "POST", "/models/pipe/invocations?method=predict", buf.getvalue().encode(), "text/csv"
    )
    assert code == 200, out
    assert out["predictions"] == pipe.predict(df).tolist()
    X, forest = models["X"], models["forest"]
    code, out = server.post("/models/forest/invocations", {"instances": X.tolist()})
    assert code == 200 and out["predictions"] == forest.predict(X).tolist()


def test_errors_are_clear(server: Server, models: dict[str, Any]) -> None:
    def err(code_want: int, resp: tuple[int, Any], *words: str) -> None:
        code, body = resp
        assert code == code_want, (code, body)
        assert isinstance(body, dict) and "error" in body, body
        for w in words:
            assert w in body["error"], (w, body["error"])

    X = models["X"]
    err(400, server.request("POST", "/v2/models/forest/infer", b"{not json"), "not valid JSON")
    err(404, server.post("/v2/models/nope/infer", _v2_dense(X, "predict")), "no model named")
    err(400, server.post("/v2/models/forest/infer", _v2_dense(X, "fly")), "unknown method")
    err(400, server.post("/v2/models/forest/infer", _v2_dense(X, "transform")), "has no method")
    err(400, server.post("/v2/models/forest/infer", _v2_dense(X[:, :3], "predict")), "features")
    bad_shape = _v2_dense(X, "predict")
    bad_shape["inputs"][0]["shape"] = [150, 3]
    err(400, server.post("/v2/models/forest/infer", bad_shape), "holds 450 values")
    bad_type = _v2_dense(X, "predict")
    bad_type["inputs"][0]["datatype"] = "COMPLEX64"
    err(400, server.post("/v2/models/forest/infer", bad_type), "datatype")
    df = models["df"]
    recs = df.rename(columns={"c": "colour"}).to_dict(orient="records")
    err(400, server.post("/models/pipe/invocations", {"dataframe_records": recs}), "colour")
    err(400, server.post("/models/pipe/invocations", {"instances": [[1, 2], [3]]}), "row 1")
    err(400, server.post("/invocations", {"instances": [[1.0] * 4]}), "several models")
    err(400, server.post("/models/pipe/invocations", {"nothing": 1}), "dataframe_split")
    mixed = {"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1, 2, "x"], [1, "y", 3]]}}
    err(400, server.post("/models/pipe/invocations", mixed), "mixes strings")
    err(415, server.request("POST", "/models/pipe/invocations", b"x", "text/plain"), "text/csv")
    err(413, server.post("/models/forest/invocations", {"instances": [[1.0] * 4] * 6000}), "5000")
    big = b'{"instances": [' + b"[1.0, 2.0, 3.0, 4.0]," * 120_000 + b"[1,2,3,4]]}"
    err(413, server.request("POST", "/models/forest/invocations", big), "limit")
    err(404, server.get("/v3/what"), "no such endpoint")
    # the server is still healthy afterwards
    code, out = server.post("/v2/models/forest/infer", _v2_dense(X[:2], "predict"))
    assert code == 200
    code, text = server.get("/metrics")
    assert 'code="413"' in text and 'code="400"' in text


@pytest.mark.parametrize("mapped", [False, True])
def test_hot_reload_under_load(mapped: bool, tmp_path: Path) -> None:
    """Replacements by rename are picked up under load; a damaged one is
    refused. Mapped (`--mmap`, trees used in place in the file's mapping):
    requests in flight keep the old file's mapping; signed files and
    `--require-key`, since a mapped load checks mapped digests only when a
    signature is asked for."""
    X, y = load_iris(return_X_y=True)
    a = RandomForestClassifier(n_estimators=10, random_state=1).fit(X, y)
    b = RandomForestClassifier(n_estimators=10, random_state=2).fit(X, y)
    assert not np.array_equal(a.predict_proba(X), b.predict_proba(X))
    path = tmp_path / "m.skseal"
    dump_kw: dict[str, Any] = {}
    args = ["--reload-ms", "50"]
    if mapped:
        key = tmp_path / "k"
        skseal.keygen(key)
        dump_kw = {"native_layout": True, "signing_key": key}
        args += ["--mmap", "--require-key", f"{key}.pub"]
    skseal.dump(a, path, **dump_kw)
    s = Server(str(path), *args)
    try:
        s.wait_ready()
        maps = Path(f"/proc/{s.proc.pid}/maps").read_text()
        assert (str(path.resolve()) in maps) == mapped
        want_a = a.predict_proba(X).tolist()
        want_b = b.predict_proba(X).tolist()
        body = {"instances": X.tolist(), "params": {"method": "predict_proba"}}
        stop = threading.Event()
        seen: dict[str, int] = {"a": 0, "b": 0, "other": 0, "failed": 0}

        def client() -> None:
            deadline = time.monotonic() + 20
            while not stop.is_set() and time.monotonic() < deadline:
                code, out = s.post("/invocations", body)
                if code != 200:
                    seen["failed"] += 1
                elif out["predictions"] == want_a:
                    seen["a"] += 1
                elif out["predictions"] == want_b:
                    seen["b"] += 1
                else:
                    seen["other"] += 1

        threads = [threading.Thread(target=client) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        tmp = tmp_path / "m.new"
        skseal.dump(b, tmp, **dump_kw)
        os.replace(tmp, path)  # atomic replacement
        end = time.monotonic() + 10
        while time.monotonic() < end and seen["b"] < 20:
            time.sleep(0.05)
        # a damaged replacement is refused; the good model keeps serving
        damaged = bytearray(path.read_bytes())
        damaged[len(damaged) // 2] ^= 0xFF
        tmp.write_bytes(bytes(damaged))
        os.replace(tmp, path)
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
        assert seen["failed"] == 0 and seen["other"] == 0, seen
        assert seen["a"] > 0 and seen["b"] >= 20, seen
        code, out = s.post("/invocations", body)
        assert code == 200 and out["predictions"] == want_b
        code, text = s.get("/metrics")
        assert 'skseal_reloads_total{model="m",result="ok"} 1' in text, text
        assert 'skseal_reloads_total{model="m",result="refused"} 1' in text, text
    finally:
        assert s.stop() == 0
    assert any(e.get("event") == "reload_refused" for e in s.events), s.events


def test_require_key(tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    key = tmp_path / "team.key"
    subprocess.run([str(CLI), "keygen", str(key)], check=True, capture_output=True)
    unsigned = tmp_path / "unsigned.skseal"
    skseal.dump(model, unsigned)
    r = subprocess.run(
        [str(CLI), "serve", "--port", "0", "--require-key", f"{key}.pub", str(unsigned)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and "sign" in r.stderr.lower(), r.stderr
    signed = tmp_path / "signed.skseal"
    skseal.dump(model, signed, signing_key=str(key))
    s = Server("--require-key", f"{key}.pub", "--reload-ms", "50", str(signed))
    try:
        s.wait_ready()
        code, out = s.post("/invocations", {"instances": X[:3].tolist()})
        assert code == 200 and out["predictions"] == model.predict(X[:3]).tolist()
        # an unsigned replacement is refused at reload; the signed model keeps serving
        shutil.copy(unsigned, tmp_path / "next")
        os.replace(tmp_path / "next", signed)
        end = time.monotonic() + 10
        while time.monotonic() < end and not any(
            e.get("event") == "reload_refused" for e in s.events
        ):
            time.sleep(0.05)
        assert any(e.get("event") == "reload_refused" for e in s.events), s.events
        code, out = s.post("/invocations", {"instances": X[:3].tolist()})
        assert code == 200
    finally:
        assert s.stop() == 0


def test_sigterm_drains_in_flight_requests(tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    model = RandomForestClassifier(n_estimators=200, random_state=0).fit(X, y)
    path = tmp_path / "big.skseal"
    skseal.dump(model, path)
    s = Server(str(path))
    s.wait_ready()
    rows = np.tile(X, (40, 1))  # 6,000 rows of a 200-tree forest per request
    body = {"instances": rows.tolist(), "params": {"method": "predict_proba"}}
    want = model.predict_proba(rows).tolist()
    results: list[int] = []

    def one() -> None:
        code, out = s.post("/invocations", body)
        results.append(code if code != 200 or out["predictions"] == want else -1)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    s.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(timeout=60)
    assert s.exited() == 0
    assert results == [200] * 4, results
    assert any(e.get("event") == "draining" for e in s.events)


def test_serves_lightgbm_and_xgboost_with_their_profiles(tmp_path: Path) -> None:
    """`skseal serve --trust lightgbm --trust xgboost`: the boosters computed
    natively, LightGBM's and XGBoost's probabilities to the last bit."""
    import warnings

    lgb = pytest.importorskip("lightgbm")
    xgb = pytest.importorskip("xgboost")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = {"lgbm": lgb.LGBMClassifier(n_estimators=20, verbose=-1, n_jobs=1).fit(X, y),
                  "xgb": xgb.XGBClassifier(n_estimators=20, max_depth=3, n_jobs=1).fit(X, y)}
    for name, m in fitted.items():
        skseal.dump(m, tmp_path / f"{name}.skseal", trusted=["lightgbm", "xgboost"])
    srv = Server(str(tmp_path / "lgbm.skseal"), str(tmp_path / "xgb.skseal"),
                 "--trust", "lightgbm", "--trust", "xgboost")
    try:
        srv.wait_ready()
        for name, m in fitted.items():
            code, out = srv.post(f"/v2/models/{name}/infer", _v2_dense(X, "predict_proba"))
            assert code == 200, out
            [t] = out["outputs"]
            want = np.asarray(m.predict_proba(X), dtype=np.float64)
            got = np.array(t["data"], dtype=np.float64).reshape(want.shape)
            assert np.array_equal(got.view(np.uint64), want.view(np.uint64)), name
    finally:
        assert srv.stop() == 0
