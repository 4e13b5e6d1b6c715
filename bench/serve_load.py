"""The load side of bench_serve.py: the wrk and oha drivers and their parsing, and the
``perf`` profile of a server under a half-peak load. bench_serve_batching.py drives wrk
through the same ``run_wrk``."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

OHA_VERSION = "1.16.0"
HALF_CONNS = 16  # oha connections of the half-peak run (the rate is fixed; see half_peak)

LUA = """\
-- POST the body in $BENCH_BODY
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
"""


def fmt_ms(s: float | None) -> str:
    if s is None:
        return "-"
    ms = s * 1e3
    return f"{ms:.3f}" if ms < 1 else f"{ms:.2f}" if ms < 100 else f"{ms:,.0f}"


def cmd_out(args: Sequence[str]) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


@dataclass
class Wrk:
    conns: int
    rps: float
    p50: float | None  # seconds
    p99: float | None
    errors: int  # non-2xx answers + socket errors
    rate: float = 0.0  # requests/s asked of oha (0: wrk, as fast as answers come)
    text: str = ""


UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def parse_dur(s: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", s)
    if not m:
        raise ValueError(f"wrk duration {s!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def run_wrk(url: str, body: Path, lua: Path, conns: int, seconds: int) -> Wrk:
    env = dict(os.environ, BENCH_BODY=str(body))
    threads = min(2, conns)
    args = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s",
            "--timeout", "30s", "--latency", "-s", str(lua), url]
    p = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    text = p.stdout + p.stderr
    if p.returncode != 0:
        raise RuntimeError(f"wrk failed ({p.returncode}): {text}")
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    rps = float(m.group(1)) if m else 0.0
    pct = dict(re.findall(r"^\s+(50|99)\.000%\s+(\S+)", text, re.M))
    if not pct:
        pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errors += sum(int(g) for g in m.groups())
    return Wrk(conns, rps,
               parse_dur(pct["50"]) if "50" in pct else None,
               parse_dur(pct["99"]) if "99" in pct else None,
               errors, 0.0, text)


def oha_path() -> str | None:
    """The ``oha`` load generator: on PATH, else where ``cargo install`` puts it."""
    found = shutil.which("oha")
    cargo = Path.home() / ".cargo" / "bin" / "oha"
    return found or (str(cargo) if cargo.exists() else None)


def run_oha(url: str, body: Path, conns: int, seconds: int, rate: float) -> Wrk:
    """``rate`` requests/s for ``seconds`` over ``conns`` connections (an open loop),
    latencies corrected for coordinated omission; requests in flight at the end are
    waited for (``-w``), so none is counted as failed for being cut off."""
    oha = oha_path()
    if oha is None:
        raise RuntimeError(f"oha is not installed: cargo install oha --locked "
                           f"--version {OHA_VERSION}")
    args = [oha, "-q", f"{rate:.0f}", "-c", str(conns), "-z", f"{seconds}s", "-w",
            "--latency-correction", "--no-tui", "--output-format", "json",
            "-m", "POST", "-T", "application/json", "-D", str(body), url]
    p = subprocess.run(args, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"oha failed ({p.returncode}): {p.stdout[-2000:]} {p.stderr[-2000:]}")
    out = json.loads(p.stdout)
    codes = out.get("statusCodeDistribution") or {}
    errors = sum(n for code, n in codes.items() if not str(code).startswith("2"))
    errors += sum((out.get("errorDistribution") or {}).values())
    pct = out.get("latencyPercentiles") or {}
    return Wrk(conns, float(out["summary"]["requestsPerSec"]), pct.get("p50"), pct.get("p99"),
               errors, rate, p.stdout)


def half_peak(url: str, body: Path, peak: float, seconds: int) -> Wrk:
    """Requests at half of ``peak`` req/s, at a constant rate (``oha -q``)."""
    return run_oha(url, body, HALF_CONNS, seconds, peak / 2)


def perf_stat(pid: int, drive: Callable[[], Wrk], seconds: int) -> str:
    """CPU time and context switches per request of the server during a half-peak run."""
    if not shutil.which("perf"):
        return ""
    out = Path(tempfile.mktemp(suffix=".perf"))
    ps = subprocess.Popen(["perf", "stat", "-x", ",", "-o", str(out), "-e",
                           "task-clock,context-switches,cpu-migrations", "-p", str(pid)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        ww = drive()
    finally:
        ps.send_signal(signal.SIGINT)
        ps.wait(timeout=10)
    vals: dict[str, float] = {}
    for line in out.read_text().splitlines():
        parts = line.split(",")
        if len(parts) > 2 and parts[0] and not line.startswith("#"):
            try:
                vals[parts[2]] = float(parts[0])
            except ValueError:
                pass
    out.unlink(missing_ok=True)
    n = ww.rps * seconds
    if n <= 0 or "task-clock" not in vals:
        return ""
    text = (f"`perf stat -p` over a {seconds} s run at {ww.rps:,.0f} req/s: "
            f"{vals['task-clock'] * 1e3 / n:.1f} us of server CPU per request, "
            f"{vals.get('context-switches', 0) / n:.2f} context switches per request, "
            f"p50 {fmt_ms(ww.p50)} ms, p99 {fmt_ms(ww.p99)} ms")
    top = perf_top(pid, drive, seconds)
    return text + (f"; `perf record` (999 Hz, server only), top symbols: {top}" if top else "")


def perf_top(pid: int, drive: Callable[[], Wrk], seconds: int) -> str:
    """The server's hottest symbols (self time) during a half-peak run."""
    data = Path(tempfile.mktemp(suffix=".perf.data"))
    ps = subprocess.Popen(["perf", "record", "-F", "999", "-p", str(pid), "-o", str(data),
                           "--", "sleep", str(max(1, seconds - 1))],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        drive()
    finally:
        ps.wait(timeout=30)
    rep = cmd_out(["perf", "report", "-i", str(data), "--stdio", "--no-children",
                   "--sort", "dso,symbol", "--percent-limit", "2"])
    data.unlink(missing_ok=True)
    hits = re.findall(r"^\s+([\d.]+)%\s+(\S+)\s+\[.\]\s+(.+?)\s*$", rep, re.M)
    kernel = sum(float(p) for p, dso, _ in hits if "kernel" in dso)
    parts = [f"{sym.split('  ')[0][:60]} ({dso}) {float(p):.1f}%" for p, dso, sym in hits[:8]]
    return "; ".join(parts) + (f" (kernel symbols above 2%: {kernel:.0f}% in all)"
                               if kernel else "")
