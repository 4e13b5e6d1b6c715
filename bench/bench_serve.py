"""Benchmark `skseal serve` against the usual Python serving stack, and write a section of
docs/BENCHMARKS.md.

Servers, each started on 127.0.0.1 and stopped by this script (also on error):

(a) ``skseal serve MODEL.skseal`` (the release build of the ``skseal`` CLI, built first
    with ``cargo build --release -p skseal-cli``), MLflow's ``POST /invocations``;
(b) FastAPI + uvicorn + scikit-learn (bench/serve_fastapi_app.py): the model loaded with
    joblib at start-up, ``uvicorn --workers N`` with one worker per core, the same
    ``POST /invocations`` JSON bodies;
(c) optionally MLServer's scikit-learn runtime (``--mlserver-venv``: a virtualenv where
    ``pip install mlserver mlserver-sklearn`` succeeded), Open Inference Protocol v2.

Models (fixed random_state): a RandomForestClassifier(100) on make_classification
(20k x 20) sent as ``{"instances": [[...]]}``, and ColumnTransformer(StandardScaler on
three numeric columns, OneHotEncoder on a string column) + LogisticRegression fitted on a
DataFrame, sent as ``{"dataframe_records": [{...}]}``; both with
``"params": {"method": "predict_proba"}``.

Load comes from ``wrk`` (Debian: ``apt-get install -y wrk``) with a Lua script that posts
the body, and from ``oha`` (``cargo install oha --locked --version 1.16.0``) where a fixed
rate is needed. Measured per server and model:

- peak requests/s of one-row requests over rising concurrency (``wrk -c 1, 4, 16, 64``);
- p50/p99 latency at half of that server's own peak: ``oha -q RATE`` sends requests at
  that constant rate over 16 connections (an open loop, as wrk2 does; wrk 4 has no rate
  option), with ``--latency-correction``: a request's latency counts from the moment the
  schedule meant to send it, so a stall of the server or of the machine is not hidden
  (coordinated omission);
- requests/s of 1,000-row requests;
- resident memory (VmRSS of the server process and its children) after the load;
- that answers are bit-identical to scikit-learn's ``predict_proba`` (one-row requests
  for 200 distinct rows and one 1,000-row request, parsed with ``json.loads``), and that
  no request under load failed (wrk's non-2xx and socket error counts).

Start-up: time from process start to the first 200 answer (polled every 0.5 ms) for a
100-tree iris forest, and for a 200-tree forest on 100k x 20 compared with the time of
``pickle.load`` of that forest (median of 3, warm page cache).

Usage::

    .venv/bin/python bench/bench_serve.py                       # full run (~15 minutes)
    .venv/bin/python bench/bench_serve.py --quick --out /tmp/s.md   # smoke run
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import pickle
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata as im
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from serve_load import (  # noqa: E402  (bench/ is the script's folder)
    HALF_CONNS,
    LUA,
    OHA_VERSION,
    Wrk,
    cmd_out,
    fmt_ms,
    half_peak,
    oha_path,
    perf_stat,
    run_oha,
    run_wrk,
)
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris, make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import skseal

REPO = Path(__file__).resolve().parent.parent
CLI = REPO / "target" / "release" / "skseal"
BEGIN = "<!-- serve:begin -->"
END = "<!-- serve:end -->"
HOST = "127.0.0.1"

NUMERIC = ["age", "income", "tenure"]
CITIES = ["Lyon", "Oslo", "Porto", "Turin", "Ghent", "Graz", "Brno", "Cork"]

SKSEAL, FASTAPI, MLSERVER = "skseal", "fastapi", "mlserver"
SERVER_NAMES = {
    SKSEAL: "skseal serve",
    FASTAPI: "FastAPI + uvicorn + scikit-learn",
    MLSERVER: "MLServer (mlserver-sklearn)",
}


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class Config:
    out: Path
    duration: int
    conns: tuple[int, ...]
    big_rows: int
    check_rows: int
    workers: int
    mlserver_venv: Path | None
    quick: bool


def parse_args(argv: Sequence[str] | None = None) -> Config:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--out", type=Path, default=REPO / "docs" / "BENCHMARKS.md",
                   help="markdown file whose serve section is (re)written")
    p.add_argument("--duration", type=int, default=6, help="seconds per wrk run (default 6)")
    p.add_argument("--big-rows", type=int, default=100_000,
                   help="training rows of the 200-tree forest (default 100000: ~178 MiB)")
    p.add_argument("--mlserver-venv", type=Path, default=None,
                   help="a virtualenv with mlserver and mlserver-sklearn installed")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 2 s per wrk run, c in (1, 16), a 10k-row big forest")
    a = p.parse_args(argv)
    return Config(
        out=a.out,
        duration=2 if a.quick else a.duration,
        conns=(1, 16) if a.quick else (1, 4, 16, 64),
        big_rows=10_000 if a.quick else a.big_rows,
        check_rows=50 if a.quick else 200,
        workers=os.cpu_count() or 1,
        mlserver_venv=a.mlserver_venv,
        quick=a.quick,
    )


# ---------------------------------------------------------------- helpers


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    sep = ["---"] + ["---:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def fmt_rate(r: float | None) -> str:
    return "-" if r is None else f"{r:,.0f}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def post(url: str, body: bytes, timeout: float = 60.0) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def rss_bytes(pid: int) -> int:
    """VmRSS of ``pid`` and all its descendants (uvicorn's workers)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for t in Path(f"/proc/{p}/task").iterdir():
                kids = (t / "children").read_text().split()
                todo += [int(k) for k in kids]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def version(dist: str) -> str:
    try:
        return im.version(dist)
    except im.PackageNotFoundError:
        return "not installed"


# ---------------------------------------------------------------- models


@dataclass
class Case:
    key: str
    title: str
    model: Any
    x: np.ndarray | pd.DataFrame  # rows to send (one-row requests use the first)
    skseal_path: Path = Path()
    joblib_path: Path = Path()

    def body(self, rows: slice, fmt: str = "mlflow") -> bytes:
        """A request body for ``rows`` of ``x``: MLflow JSON, or v2 (``fmt="v2"``)."""
        x = self.x[rows] if isinstance(self.x, np.ndarray) else self.x.iloc[rows]
        if fmt == "v2":
            return json.dumps(v2_body(x)).encode()
        if isinstance(x, pd.DataFrame):
            payload: dict[str, Any] = {"dataframe_records": x.to_dict(orient="records")}
        else:
            payload = {"instances": x.tolist()}
        payload["params"] = {"method": "predict_proba"}
        return json.dumps(payload).encode()

    def expected(self, rows: slice) -> np.ndarray:
        x = self.x[rows] if isinstance(self.x, np.ndarray) else self.x.iloc[rows]
        return np.asarray(self.model.predict_proba(x))


def v2_body(x: np.ndarray | pd.DataFrame) -> dict[str, Any]:
    if isinstance(x, pd.DataFrame):
        inputs = []
        for c in x.columns:
            col = x[c]
            if col.dtype == object or isinstance(col.dtype, pd.StringDtype):
                inputs.append({"name": c, "shape": [len(col), 1], "datatype": "BYTES",
                               "data": col.astype(str).tolist(),
                               "parameters": {"content_type": "str"}})
            else:
                inputs.append({"name": c, "shape": [len(col), 1], "datatype": "FP64",
                               "data": col.to_numpy(np.float64).tolist()})
        return {"inputs": inputs, "parameters": {"content_type": "pd"},
                "outputs": [{"name": "predict_proba"}]}
    return {"inputs": [{"name": "input-0", "shape": list(x.shape), "datatype": "FP64",
                        "data": x.ravel().tolist()}],
            "outputs": [{"name": "predict_proba"}]}


def make_forest(rows: int, trees: int) -> tuple[RandomForestClassifier, np.ndarray]:
    x, y = make_classification(n_samples=rows, n_features=20, n_informative=10,
                               random_state=0)
    m = RandomForestClassifier(n_estimators=trees, random_state=0, n_jobs=-1).fit(x, y)
    m.set_params(n_jobs=1)
    return m, x


def make_pipeline_case() -> tuple[Pipeline, pd.DataFrame]:
    rng = np.random.default_rng(0)
    n = 20_000
    df = pd.DataFrame({
        "age": rng.integers(18, 80, n).astype(np.float64),
        "income": np.round(rng.lognormal(10, 0.5, n), 2),
        "tenure": rng.exponential(5.0, n).round(1),
        "city": rng.choice(CITIES, n),
    })
    logit = (0.03 * (df["age"] - 45) + 0.4 * np.log(df["income"] / 20_000)
             - 0.1 * df["tenure"] + (df["city"].isin(["Oslo", "Graz"])).astype(float))
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    pre = ColumnTransformer([("num", StandardScaler(), NUMERIC),
                             ("cat", OneHotEncoder(handle_unknown="ignore"), ["city"])])
    model = Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=1000))]).fit(df, y)
    return model, df


def save(case: Case, folder: Path) -> None:
    case.skseal_path = folder / f"{case.key}.skseal"
    case.joblib_path = folder / f"{case.key}.joblib"
    x = case.x[:5] if isinstance(case.x, np.ndarray) else case.x.iloc[:5]
    # native_layout: trees stored as the server walks them (FORMAT.md §5.6)
    skseal.dump(case.model, case.skseal_path, probe=x, native_layout=True)
    joblib.dump(case.model, case.joblib_path)


# ---------------------------------------------------------------- servers


@dataclass
class Running:
    kind: str
    proc: subprocess.Popen[bytes]
    url: str  # the inference endpoint
    fmt: str  # "mlflow" or "v2"
    started: float  # time.perf_counter() just before Popen
    log_path: Path
    first_answer_s: float | None = None

    def events(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if '"event":"request"' in line:
                continue
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if isinstance(ev, dict):
                out.append(ev)
        return out


def wait_addr(log_path: Path, proc: subprocess.Popen[bytes], timeout: float) -> str:
    """The address from skseal serve's first log line ``{"event":"listening",...}``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        text = log_path.read_text(errors="replace")
        if "\n" in text:
            ev = json.loads(text.split("\n", 1)[0])
            if ev.get("event") != "listening":
                raise RuntimeError(f"unexpected first log line: {text[:300]}")
            return str(ev["addr"])
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}: {text[-2000:]}")
        time.sleep(0.0005)
    raise RuntimeError("no listening line")


def first_answer(r: Running, body: bytes, timeout: float = 120.0) -> float:
    """Poll the endpoint until it answers 200; seconds since the process started.

    One kept-alive ``http.client`` connection (opened again when refused or
    closed), the lightest poller Python offers: the poller shares the
    server's cores, and urllib's per-call connection and handler chain slowed
    the load being waited for.
    """
    parts = urllib.parse.urlsplit(r.url)
    end = time.monotonic() + timeout
    conn: http.client.HTTPConnection | None = None
    while time.monotonic() < end:
        try:
            if conn is None:
                conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port,
                                                  timeout=timeout)
            conn.request("POST", parts.path, body=body,
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            if resp.status == 200:
                conn.close()
                return time.perf_counter() - r.started
            if resp.will_close:
                conn.close()
                conn = None
        except (http.client.HTTPException, ConnectionError, OSError):
            if conn is not None:
                conn.close()
            conn = None
        if r.proc.poll() is not None:
            tail = r.log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{r.kind} exited {r.proc.returncode}: {tail}")
        time.sleep(0.0005)
    raise RuntimeError(f"{r.kind}: no 200 answer within {timeout} s")


@contextmanager
def serve(kind: str, case: Case, cfg: Config, tmp: Path,
          extra: Sequence[str] = ()) -> Iterator[Running]:
    """Start a server for ``case`` on 127.0.0.1, wait for its first 200 answer, stop it after.
    ``extra``: more `skseal serve` arguments."""
    log_path = tmp / f"{kind}-{case.key}-{time.monotonic_ns()}.log"
    env = dict(os.environ)
    fmt = "mlflow"
    logf = open(log_path, "wb")  # noqa: SIM115 - closed in finally
    proc: subprocess.Popen[bytes] | None = None
    try:
        if kind == SKSEAL:
            args = [str(CLI), "serve", str(case.skseal_path), "--host", HOST, "--port", "0",
                    *extra]
            started = time.perf_counter()
            proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=logf)
            addr = wait_addr(log_path, proc, 30.0)
            url = f"http://{addr}/invocations"
        elif kind == FASTAPI:
            port = free_port()
            env["SKSEAL_BENCH_MODEL"] = str(case.joblib_path)
            env["PYTHONPATH"] = str(REPO / "bench")
            args = [str(Path(sys.executable).parent / "uvicorn"), "serve_fastapi_app:app",
                    "--host", HOST, "--port", str(port), "--workers", str(cfg.workers),
                    "--log-level", "warning", "--no-access-log"]
            started = time.perf_counter()
            proc = subprocess.Popen(args, stdout=logf, stderr=logf, env=env, cwd=tmp)
            url = f"http://{HOST}:{port}/invocations"
        else:
            assert cfg.mlserver_venv is not None
            port = free_port()
            mdir = tmp / f"mlserver-{case.key}"
            (mdir / case.key).mkdir(parents=True, exist_ok=True)
            (mdir / "settings.json").write_text(json.dumps({
                "host": HOST, "http_port": port, "grpc_port": free_port(),
                "metrics_port": free_port(),
                # mlserver 1.7.1's parallel inference workers die at start with the
                # uvloop it installs ("There is no current event loop"): inference in
                # the server process instead
                "parallel_workers": 0,
            }))
            (mdir / case.key / "model-settings.json").write_text(json.dumps({
                "name": case.key, "implementation": "mlserver_sklearn.SKLearnModel",
                "parameters": {"uri": str(case.joblib_path)},
            }))
            fmt = "v2"
            args = [str(cfg.mlserver_venv / "bin" / "mlserver"), "start", str(mdir)]
            started = time.perf_counter()
            proc = subprocess.Popen(args, stdout=logf, stderr=logf, env=env, cwd=tmp)
            url = f"http://{HOST}:{port}/v2/models/{case.key}/infer"
        r = Running(kind, proc, url, fmt, started, log_path)
        r.first_answer_s = first_answer(r, case.body(slice(0, 1), fmt))
        yield r
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        logf.close()


@dataclass
class Result:
    server: str
    case: str
    first_answer_s: float | None = None
    levels: list[Wrk] = field(default_factory=list)
    half: Wrk | None = None
    big: list[Wrk] = field(default_factory=list)
    rss: int = 0
    exact: str = ""
    errors: int = 0
    load_ms: float | None = None
    perf: str = ""
    failure: str = ""

    @property
    def peak(self) -> Wrk | None:
        return max(self.levels, key=lambda w: w.rps) if self.levels else None

    @property
    def big_best(self) -> Wrk | None:
        return max(self.big, key=lambda w: w.rps) if self.big else None


def check_exact(r: Running, case: Case, n: int) -> str:
    """Every answer for ``n`` one-row requests and one 1,000-row request vs predict_proba."""
    bad = 0
    for i in range(n):
        code, out = post(r.url, case.body(slice(i, i + 1), r.fmt))
        got = parse_answer(code, out, r.fmt)
        want = case.expected(slice(i, i + 1))
        if got.shape != want.shape or got.tobytes() != want.tobytes():
            bad += 1
    code, out = post(r.url, case.body(slice(0, 1000), r.fmt))
    got = parse_answer(code, out, r.fmt)
    want = case.expected(slice(0, 1000))
    big_ok = got.shape == want.shape and got.tobytes() == want.tobytes()
    if bad == 0 and big_ok:
        return f"yes ({n} one-row + one 1,000-row answer)"
    maxdiff = float(np.max(np.abs(got - want))) if got.shape == want.shape else float("nan")
    return (f"NO: {bad}/{n} one-row answers differ; 1,000-row answer "
            f"{'identical' if big_ok else f'differs (max abs diff {maxdiff:.3g})'}")


def parse_answer(code: int, out: bytes, fmt: str) -> np.ndarray:
    if code != 200:
        raise RuntimeError(f"HTTP {code}: {out[:500]!r}")
    v = json.loads(out)
    if fmt == "v2":
        o = v["outputs"][0]
        return np.asarray(o["data"], dtype=np.float64).reshape(o["shape"])
    return np.asarray(v["predictions"], dtype=np.float64)


def bench_server(kind: str, case: Case, cfg: Config, tmp: Path, lua: Path) -> Result:
    res = Result(kind, case.key)
    one = tmp / f"{case.key}-{kind}-1.json"
    thousand = tmp / f"{case.key}-{kind}-1000.json"
    log(f"{SERVER_NAMES[kind]} / {case.title}")
    try:
        with serve(kind, case, cfg, tmp) as r:
            one.write_bytes(case.body(slice(0, 1), r.fmt))
            thousand.write_bytes(case.body(slice(0, 1000), r.fmt))
            res.first_answer_s = r.first_answer_s
            res.exact = check_exact(r, case, cfg.check_rows)
            run_wrk(r.url, one, lua, 4, 1)  # warm-up
            for c in cfg.conns:
                w = run_wrk(r.url, one, lua, c, cfg.duration)
                log(f"  c={c}: {w.rps:,.0f} req/s p50 {fmt_ms(w.p50)} ms "
                    f"p99 {fmt_ms(w.p99)} ms errors {w.errors}")
                res.levels.append(w)
            peak = res.peak
            assert peak is not None
            res.half = half_peak(r.url, one, peak.rps, cfg.duration)
            log(f"  half peak: {res.half.rate:,.0f} req/s asked, c={res.half.conns}: "
                f"{res.half.rps:,.0f} req/s p50 {fmt_ms(res.half.p50)} ms "
                f"p99 {fmt_ms(res.half.p99)} ms errors {res.half.errors}")
            for c in (1, cfg.workers * 2):
                w = run_wrk(r.url, thousand, lua, c, cfg.duration)
                log(f"  1000 rows c={c}: {w.rps:,.1f} req/s")
                res.big.append(w)
            res.rss = rss_bytes(r.proc.pid)
            res.errors = sum(w.errors for w in [*res.levels, res.half, *res.big])
            if kind == SKSEAL:
                res.load_ms = next((float(e["load_ms"]) for e in r.events()
                                    if e.get("event") == "loaded"), None)
                if res.half.p99 is None or res.half.p99 > 1e-3:
                    rate = res.half.rate
                    res.perf = perf_stat(
                        r.proc.pid,
                        lambda: run_oha(r.url, one, HALF_CONNS, cfg.duration, rate),
                        cfg.duration)
    except Exception as e:  # noqa: BLE001 - reported in the table, the run goes on
        res.failure = f"{type(e).__name__}: {' '.join(str(e).split())[:400]}"
        log(f"  FAILED: {res.failure}")
    return res


# ---------------------------------------------------------------- start-up


@dataclass
class Startup:
    title: str
    pickle_mib: float
    pickle_load_s: float
    skseal_first_s: float
    skseal_listening_s: float | None
    skseal_load_ms: float | None
    fastapi_first_s: float | None
    #: `skseal serve --mmap`: trees used in place in the file's mapping
    mmap_first_s: float
    mmap_load_ms: float | None


def startup_case(case: Case, cfg: Config, tmp: Path) -> Startup:
    pkl = tmp / f"{case.key}.pkl"
    with open(pkl, "wb") as f:
        pickle.dump(case.model, f, protocol=5)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        with open(pkl, "rb") as f:
            pickle.load(f)  # noqa: S301 - our own file, the baseline being measured
        times.append(time.perf_counter() - t)
    firsts, listening, load_ms = [], [], []
    for _ in range(3):
        with serve(SKSEAL, case, cfg, tmp) as r:
            firsts.append(r.first_answer_s or 0.0)
            evs = r.events()
            lst = next((e for e in evs if e.get("event") == "listening"), None)
            ld = next((e for e in evs if e.get("event") == "loaded"), None)
            if ld is not None:
                load_ms.append(float(ld["load_ms"]))
            if lst is not None:
                # log timestamps are wall clock; the start is perf_counter: convert
                listening.append(float(lst["ts"]) - (time.time() - (time.perf_counter()
                                                                     - r.started)))
    mfirsts, mload_ms = [], []
    for _ in range(3):
        with serve(SKSEAL, case, cfg, tmp, ["--mmap"]) as r:
            mfirsts.append(r.first_answer_s or 0.0)
            ld = next((e for e in r.events() if e.get("event") == "loaded"), None)
            if ld is not None:
                mload_ms.append(float(ld["load_ms"]))
    fa: float | None = None
    try:
        with serve(FASTAPI, case, cfg, tmp) as r:
            fa = r.first_answer_s
    except Exception as e:  # noqa: BLE001
        log(f"  FastAPI start-up failed: {e}")
    return Startup(case.title, pkl.stat().st_size / 2**20, statistics.median(times),
                   statistics.median(firsts),
                   statistics.median(listening) if listening else None,
                   statistics.median(load_ms) if load_ms else None, fa,
                   statistics.median(mfirsts),
                   statistics.median(mload_ms) if mload_ms else None)


# ---------------------------------------------------------------- report


def machine(cfg: Config, load_start: str) -> list[tuple[str, str]]:
    lscpu = cmd_out(["lscpu"])
    model = next((ln.split(":", 1)[1].strip() for ln in lscpu.splitlines()
                  if ln.startswith("Model name")), platform.processor())
    git = cmd_out(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = cmd_out(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"])
    return [
        ("CPU", model),
        ("cores", f"{os.cpu_count()} logical; shared with other work during the run"),
        ("OS", f"{platform.platform()}"),
        ("Python", platform.python_version()),
        ("scikit-learn / numpy / pandas / joblib",
         f"{version('scikit-learn')} / {version('numpy')} / {version('pandas')} / "
         f"{version('joblib')}"),
        ("fastapi / uvicorn / starlette",
         f"{version('fastapi')} / {version('uvicorn')} / {version('starlette')}"),
        ("skseal", f"{version('skseal')}; git {git}{' (dirty)' if dirty else ''}; "
                   f"CLI {cmd_out([str(CLI), '--version'])} (release build)"),
        ("wrk", cmd_out(["sh", "-c", "wrk -v 2>&1 | head -1"]).split("Copyright")[0].strip()),
        ("oha", cmd_out([oha_path() or "oha", "--version"]).strip()),
        ("date", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("load average at start / end", f"{load_start} / {load_avg()}"),
    ]


def load_avg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def mark(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**missed**")


def report(cfg: Config, mach: list[tuple[str, str]], cases: list[Case],
           results: list[Result], startups: list[Startup], notes: list[str]) -> str:
    out = [BEGIN, "## Serving (`skseal serve`)", "",
           "Generated by `bench/bench_serve.py`"
           + (" (**--quick smoke run**)" if cfg.quick else "") + ".", "",
           "### Machine", "", md_table(["", ""], [list(m) for m in mach]), "",
           "### How it was measured", ""]
    out += [
        f"- Every server listens on 127.0.0.1 and is started and stopped by the script. "
        f"Load: `wrk` (C, epoll) with a Lua script posting a fixed body, and `oha` "
        f"{OHA_VERSION} for the half-peak runs; both run on the same "
        f"{os.cpu_count()} cores as the server, so server and load generator share the CPU "
        f"(both figures are lower than on separate machines).",
        "- Bodies are MLflow's JSON: `{\"instances\": [[20 numbers]]}` for the forest, "
        "`{\"dataframe_records\": [{age, income, tenure, city}]}` for the pipeline, each with "
        "`\"params\": {\"method\": \"predict_proba\"}`; MLServer gets the same rows as Open "
        "Inference Protocol v2 tensors (one input per column for the pipeline).",
        f"- Peak: the best of `wrk -c {', '.join(map(str, cfg.conns))}` (-t 2, or 1 for one "
        f"connection), {cfg.duration} s each, one-row requests.",
        f"- Half peak: `oha -q RATE -c {HALF_CONNS} --latency-correction` sends one-row "
        "requests at half the server's peak, at a constant rate (an open loop, as wrk2 "
        "does; wrk 4 has no rate option); a request's latency counts from the moment the "
        "schedule meant to send it to its full answer, so a stall of the server or of the "
        "machine is counted, not hidden (coordinated omission); the rate reached is in "
        "the table.",
        "- 1,000 rows: the best of 1 and "
        f"{cfg.workers * 2} connections, the same 1,000 rows every request.",
        "- First answer: time from `Popen` to the first 200 answer to a one-row inference "
        "request, polled every 0.5 ms over one kept-alive `http.client` connection "
        "(reopened when refused or closed).",
        "- RSS: VmRSS of the server process plus its children (uvicorn's workers), read "
        "from /proc after the load.",
        f"- Bit-identical: {cfg.check_rows} one-row requests (distinct rows) and one 1,000-row "
        "request per server and model, answers parsed with `json.loads` and compared "
        "byte for byte with `predict_proba` of the fitted model; plus zero non-2xx answers "
        "and socket errors in every wrk run.",
        f"- `uvicorn --workers {cfg.workers}` (one per core); skseal serve uses its default "
        "tokio runtime (one thread per core) and logs one JSON line per request to a file.",
        "- Models are saved with `skseal.dump(..., probe=first 5 rows, native_layout=True)` "
        "(the probe is checked natively before the server is ready; the trees are stored "
        "in the layout the server walks, docs/FORMAT.md §5.6) and `joblib.dump`.",
    ]
    out += [f"- {n}" for n in notes]
    out += ["", "### One-row requests, 1,000-row requests, memory", ""]
    rows = []
    for case in cases:
        for r in results:
            if r.case != case.key:
                continue
            if r.failure:
                rows.append([case.title, SERVER_NAMES[r.server], f"failed: {r.failure}"]
                            + ["-"] * 8)
                continue
            pk, h, b = r.peak, r.half, r.big_best
            rows.append([
                case.title, SERVER_NAMES[r.server],
                f"{fmt_rate(pk.rps if pk else None)} (c={pk.conns if pk else '-'})",
                f"{fmt_rate(h.rps if h else None)} (c={h.conns if h else '-'})",
                fmt_ms(h.p50 if h else None), fmt_ms(h.p99 if h else None),
                f"{b.rps:,.1f}" if b else "-",
                f"{b.rps * 1000:,.0f}" if b else "-",
                fmt_ms(r.first_answer_s),
                f"{r.rss / 2**20:,.0f}",
                r.exact + (f"; {r.errors} failed requests" if r.errors else ""),
            ])
    out.append(md_table(["model", "server", "peak req/s (conns)",
                         "half-peak req/s (conns)", "p50 ms", "p99 ms",
                         "1,000-row req/s", "rows/s", "first answer ms", "RSS MiB",
                         "bit-identical"], rows))
    out += ["", "Requests/s at each concurrency (one-row requests; p99 ms in brackets):", ""]
    rows = []
    for r in results:
        if r.failure:
            continue
        rows.append([next(c.title for c in cases if c.key == r.case), SERVER_NAMES[r.server]]
                    + [f"{w.rps:,.0f} ({fmt_ms(w.p99)})" for w in r.levels])
    out.append(md_table(["model", "server"] + [f"c={c}" for c in cfg.conns], rows))

    out += ["", "### Start-up", ""]
    srows = []
    for s in startups:
        srows.append([s.title, f"{s.pickle_mib:,.1f}", fmt_ms(s.pickle_load_s),
                      fmt_ms(s.skseal_listening_s),
                      f"{s.skseal_load_ms:.2f}" if s.skseal_load_ms is not None else "-",
                      fmt_ms(s.skseal_first_s), f"{s.skseal_first_s / s.pickle_load_s:.2f}x",
                      f"{s.mmap_load_ms:.2f}" if s.mmap_load_ms is not None else "-",
                      fmt_ms(s.mmap_first_s), f"{s.mmap_first_s / s.pickle_load_s:.2f}x",
                      fmt_ms(s.fastapi_first_s)])
    out.append(md_table(["model", "pickle MiB", "pickle.load ms",
                         "skseal: process start to listening ms", "skseal: load_ms (log)",
                         "skseal: first answer ms", "first answer / pickle.load",
                         "skseal --mmap: load_ms (log)", "skseal --mmap: first answer ms",
                         "--mmap first answer / pickle.load",
                         "FastAPI stack: first answer ms"], srows))
    out += ["", "Medians of 3 starts (skseal) and of 3 `pickle.load` calls (warm page cache); "
            "one start of the FastAPI stack. `load_ms` is the server's own figure from its "
            "`loaded` log event (reading, checking and building the model, and re-running "
            "the stored probe).", ""]

    out += ["### Targets", ""]
    trows = []
    for case in cases:
        sk = next((r for r in results if r.case == case.key and r.server == SKSEAL
                   and not r.failure), None)
        fa = next((r for r in results if r.case == case.key and r.server == FASTAPI
                   and not r.failure), None)
        if sk and fa and sk.peak and fa.peak:
            ratio = sk.peak.rps / fa.peak.rps
            trows.append([f"one-row req/s >= 50x the FastAPI stack ({case.title})",
                          f"{ratio:,.1f}x ({sk.peak.rps:,.0f} vs {fa.peak.rps:,.0f})",
                          mark(ratio >= 50)])
        if sk and sk.half:
            p99 = sk.half.p99
            trows.append([f"p99 <= 1 ms at half peak ({case.title})",
                          f"{fmt_ms(p99)} ms at {sk.half.rps:,.0f} req/s",
                          mark(None if p99 is None else p99 <= 1e-3)])
    for s in startups:
        if s.title.startswith("iris"):
            trows.append([f"first answer within 100 ms of start ({s.title})",
                          f"{fmt_ms(s.skseal_first_s)} ms", mark(s.skseal_first_s <= 0.1)])
        else:
            trows.append([f"first answer within 0.1x pickle.load ({s.title})",
                          f"{s.skseal_first_s / s.pickle_load_s:.2f}x "
                          f"({fmt_ms(s.skseal_first_s)} vs {fmt_ms(s.pickle_load_s)} ms)",
                          mark(s.skseal_first_s <= 0.1 * s.pickle_load_s)])
            trows.append([f"first answer within 0.1x pickle.load, `--mmap` ({s.title})",
                          f"{s.mmap_first_s / s.pickle_load_s:.2f}x "
                          f"({fmt_ms(s.mmap_first_s)} vs {fmt_ms(s.pickle_load_s)} ms)",
                          mark(s.mmap_first_s <= 0.1 * s.pickle_load_s)])
    exact_all = all(r.exact.startswith("yes") and not r.errors for r in results if not r.failure)
    trows.append(["every answer bit-identical to scikit-learn, no failed request",
                  "all servers and models" if exact_all else "see the table", mark(exact_all)])
    out.append(md_table(["target", "measured", ""], trows))
    perf = [r for r in results if r.perf]
    if perf:
        out += ["", "Profile of skseal serve at half peak (p99 target missed):", ""]
        out += [f"- {next(c.title for c in cases if c.key == r.case)}: {r.perf}" for r in perf]
    out += ["", END]
    return "\n".join(out) + "\n"


def write_section(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else ""
    if BEGIN in text and END in text:
        a = text.index(BEGIN)
        b = text.index(END) + len(END)
        text = text[:a] + section.rstrip("\n") + text[b:]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section
    path.write_text(text)


# ---------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk is not installed: bash scripts/bench-setup.sh (or, on Debian/Ubuntu as "
              "root: apt-get update && apt-get install -y wrk)", file=sys.stderr)
        return 2
    if oha_path() is None:
        print(f"oha is not installed (the half-peak runs need a rate-limited load "
              f"generator): bash scripts/bench-setup.sh (or cargo install oha --locked "
              f"--version {OHA_VERSION})", file=sys.stderr)
        return 2
    if not (Path(sys.executable).parent / "uvicorn").exists():
        print("uvicorn is not installed in this Python: "
              f"{sys.executable} -m pip install -r requirements/bench.txt", file=sys.stderr)
        return 2
    load_start = load_avg()
    log("building the release CLI (cargo build --release -p skseal-cli)")
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "skseal-cli"],
                   cwd=REPO, check=True)
    notes: list[str] = []
    kinds = [SKSEAL, FASTAPI]
    if cfg.mlserver_venv is not None:
        if (cfg.mlserver_venv / "bin" / "mlserver").exists():
            kinds.append(MLSERVER)
            mv = cmd_out([str(cfg.mlserver_venv / "bin" / "python"), "-c",
                          "from importlib.metadata import version as v; "
                          "print(v('mlserver'), v('mlserver-sklearn'), v('uvloop'))"]).split()
            notes.append(
                f"MLServer {' / mlserver-sklearn '.join(mv[:2])} (installed with pip in its own "
                f"virtualenv) runs with `parallel_workers: 0`, inference in the server "
                f"process: its parallel inference workers die at start with the uvloop "
                f"{mv[2] if len(mv) > 2 else '?'} it installs (`RuntimeError: There is no "
                f"current event loop in thread 'MainThread'` in `_ignore_signals`), so the "
                f"model never loads. It logs every request (its default).")
        else:
            notes.append(f"MLServer: no `mlserver` in {cfg.mlserver_venv}; not measured.")
    with tempfile.TemporaryDirectory(prefix="skseal-bench-serve-") as d:
        tmp = Path(d)
        lua = tmp / "post.lua"
        lua.write_text(LUA)
        log("fitting the models")
        rf, xrf = make_forest(4_000 if cfg.quick else 20_000, 100)
        pipe, df = make_pipeline_case()
        cases = [Case("forest", "RandomForest 100 trees, 20 features", rf, xrf),
                 Case("pipeline", "ColumnTransformer + LogisticRegression (DataFrame)",
                      pipe, df)]
        for c in cases:
            save(c, tmp)
        results: list[Result] = []
        for case in cases:
            for kind in kinds:
                results.append(bench_server(kind, case, cfg, tmp, lua))
        log("start-up: iris forest")
        iris = load_iris()
        irf = RandomForestClassifier(n_estimators=100, random_state=0).fit(iris.data, iris.target)
        ic = Case("iris", "iris forest (100 trees)", irf, np.asarray(iris.data, np.float64))
        save(ic, tmp)
        startups = [startup_case(ic, cfg, tmp)]
        log(f"start-up: 200-tree forest on {cfg.big_rows:,} x 20 (fitting)")
        t = time.perf_counter()
        bf, xbf = make_forest(cfg.big_rows, 200)
        log(f"  fitted in {time.perf_counter() - t:.0f} s")
        bc = Case("bigforest", f"forest 200 trees, {cfg.big_rows:,} x 20", bf, xbf)
        save(bc, tmp)
        startups.append(startup_case(bc, cfg, tmp))
        log(f"  pickle.load {fmt_ms(startups[-1].pickle_load_s)} ms, skseal first answer "
            f"{fmt_ms(startups[-1].skseal_first_s)} ms")
    section = report(cfg, machine(cfg, load_start), cases, results, startups, notes)
    write_section(cfg.out, section)
    print(section)
    log(f"wrote {cfg.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
