"""Measure `skseal serve`'s micro-batching (``--batch-wait-us``) with ``wrk``: one-row
requests at 64 connections (and at 1, to show the wait's cost when there is no
company), with batching off and on, and print a Markdown table for docs/SERVING.md.

Servers: the release build of the ``skseal`` CLI (``cargo build --release -p
skseal-cli``), on 127.0.0.1 with ``--port 0``, its JSON log written to a file.
Models (fixed random_state), on make_classification(20,000 x 20): a
RandomForestClassifier(100) and a HistGradientBoostingClassifier(100 iterations),
both asked for ``predict_proba`` over v2 (``/v2/models/NAME/infer``, a [1, 20]
tensor); and a DataFrame pipeline (ColumnTransformer: StandardScaler on three numeric
columns, OneHotEncoder on a string column; then a RandomForestClassifier(100)), sent
as v2 one-element tensors per column. Before each measurement, answers are checked
against scikit-learn for 64 distinct rows sent concurrently. ``wrk`` (Debian:
``apt-get install -y wrk``) posts one fixed body from a Lua script; -t 2.

Usage::

    .venv/bin/python bench/bench_serve_batching.py [--duration 8] [--skseal target/release/skseal]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import skseal

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_load import LUA, fmt_ms, run_wrk  # noqa: E402  (one wrk driver for both serving benchmarks)

ROOT = Path(__file__).resolve().parent.parent

class Server:
    def __init__(self, exe: Path, model: Path, log: Path, *flags: str) -> None:
        self.log = log
        with open(log, "w") as f:
            self.proc = subprocess.Popen([str(exe), "serve", str(model), "--port", "0", *flags],
                                         stderr=f, stdout=subprocess.DEVNULL)
        end = time.monotonic() + 60
        self.base = ""
        while time.monotonic() < end and not self.base:
            for line in log.read_text().splitlines():
                ev = json.loads(line)
                if ev.get("event") == "listening":
                    self.base = f"http://{ev['addr']}"
            time.sleep(0.02)
        while time.monotonic() < end:
            try:
                with urllib.request.urlopen(self.base + "/v2/health/ready", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server not ready")

    def post(self, path: str, body: bytes) -> dict:
        req = urllib.request.Request(self.base + path, data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def metric(self, name: str) -> float:
        with urllib.request.urlopen(self.base + "/metrics", timeout=5) as r:
            text = r.read().decode()
        return sum(float(v) for v in re.findall(rf"^{name}\{{[^}}]*\}} (\S+)$", text, re.M))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)


def body(x: np.ndarray) -> bytes:
    return json.dumps({
        "inputs": [{"name": "x", "shape": [1, len(x)], "datatype": "FP64", "data": x.tolist()}],
        "parameters": {"method": "predict_proba"},
    }).encode()


def table_body(df: pd.DataFrame, i: int) -> bytes:
    r = df.iloc[i]
    cols = [{"name": c, "shape": [1], "datatype": "BYTES" if c == "city" else "FP64",
             "data": [r[c] if c == "city" else float(r[c])]} for c in df.columns]
    return json.dumps({"inputs": cols, "parameters": {"method": "predict_proba"}}).encode()


def frame(X: np.ndarray) -> pd.DataFrame:
    cities = np.array(["lyon", "paris", "nice", "brest", "lille"])
    return pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2],
                         "city": cities[(np.abs(X[:, 3]) * 2).astype(int) % 5]})


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=int, default=8)
    p.add_argument("--skseal", type=Path, default=ROOT / "target" / "release" / "skseal")
    p.add_argument("--waits", default="0,250,1000", help="--batch-wait-us values (0: off)")
    p.add_argument("--max-batch-rows", default="64")
    a = p.parse_args()
    if not a.skseal.exists():
        sys.exit(f"{a.skseal} missing: cargo build --release -p skseal-cli")
    X, y = make_classification(n_samples=20_000, n_features=20, n_informative=10,
                               random_state=0)
    models = {
        "forest": RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=2).fit(X, y),
        "hgb": HistGradientBoostingClassifier(max_iter=100, random_state=0).fit(X, y),
    }
    df = frame(X)
    ct = ColumnTransformer([("num", StandardScaler(), ["a", "b", "c"]),
                            ("cat", OneHotEncoder(), ["city"])])
    models["pipeline"] = make_pipeline(
        ct, RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=2)).fit(df, y)
    inputs = {"forest": X, "hgb": X, "pipeline": df}
    rows = []
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        lua = tmp / "post.lua"
        lua.write_text(LUA)
        for name, model in models.items():
            data = inputs[name]
            make = (lambda i, d=data: table_body(d, i)) if name == "pipeline" else (
                lambda i, d=data: body(d[i]))
            one = tmp / "one.json"
            one.write_bytes(make(0))
            path = tmp / f"{name}.skseal"
            skseal.dump(model, path)
            want = model.predict_proba(data[:64])
            for wait in (int(w) for w in a.waits.split(",")):
                flags = [] if wait == 0 else ["--batch-wait-us", str(wait),
                                              "--max-batch-rows", a.max_batch_rows]
                s = Server(a.skseal, path, tmp / "log.jsonl", *flags)
                try:
                    url = f"{s.base}/v2/models/{name}/infer"
                    bodies = [make(i) for i in range(64)]
                    with ThreadPoolExecutor(32) as pool:
                        got = list(pool.map(s.post, [f"/v2/models/{name}/infer"] * 64, bodies))
                    for i, g in enumerate(got):
                        assert np.array_equal(np.array(g["outputs"][0]["data"]), want[i]), i
                    run_wrk(url, one, lua, 8, 1)  # warm-up
                    for c in (1, 64):
                        reqs0 = s.metric("skseal_batch_requests_sum")
                        n0 = s.metric("skseal_batch_requests_count")
                        w = run_wrk(url, one, lua, c, a.duration)
                        reqs = s.metric("skseal_batch_requests_sum") - reqs0
                        n = s.metric("skseal_batch_requests_count") - n0
                        mean = reqs / n if n else 1.0
                        rows.append((name, wait, c, w, mean))
                        print(name, wait, c, f"{w.rps:,.0f} req/s, p50 {fmt_ms(w.p50)} ms, "
                              f"p99 {fmt_ms(w.p99)} ms, mean batch {mean:.1f}", file=sys.stderr)
                finally:
                    s.stop()
    print("| model | `--batch-wait-us` | connections | req/s | p50 | p99 | mean batch | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for name, wait, c, w, mean in rows:
        print(f"| {name} | {wait or 'off'} | {c} | {w.rps:,.0f} | {fmt_ms(w.p50)} ms "
              f"| {fmt_ms(w.p99)} ms | {mean:.1f} | {w.errors} |")


if __name__ == "__main__":
    main()
