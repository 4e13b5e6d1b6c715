"""Benchmark skseal against pickle, joblib and skops.io, and write docs/BENCHMARKS.md.

Two cases, each measured in one process with interleaved rounds (every round runs
every method once, in an order rotated by one each round, so machine noise hits all
methods alike); the tables report medians over rounds.

(a) A large RandomForestClassifier saved to and loaded from files in a temp dir
    (each round: every method dumps, then every method loads).
(b) A small StandardScaler + LogisticRegression pipeline: per-call latency of
    dumps/loads to and from bytes in memory, in interleaved batches.

After every load the model's predict_proba must equal the original's bitwise, or the
benchmark stops with an AssertionError.

Targets are checked at the end; for each missed one the report gets a profile:
internal steps timed with time.perf_counter, cProfile, and (when Linux ``perf`` is
installed, unless --no-perf) perf samples of a child process that imports a copy of
the skseal build measured here.

Usage::

    .venv/bin/python bench/bench_persist.py                 # full run (several minutes)
    .venv/bin/python bench/bench_persist.py --quick --out /tmp/b.md   # smoke run
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import functools
import gc
import hashlib
import io
import json
import os
import pickle
import platform
import pstats
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata as im
from pathlib import Path
from typing import Any, TypeVar

import joblib
import numpy as np
import skops.io as sio
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

import skseal
from skseal import _api, _meta, _native

T = TypeVar("T")
PICKLE = "pickle (protocol 5)"


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class Config:
    quick: bool
    out: Path
    rf_trees: int
    rf_rows: int
    rounds: int
    skops_dump_rounds: int
    small_batches: int
    small_calls: int
    profile_reps: int
    profile_calls: int
    skseal_build: str
    perf: bool


def parse_args(argv: Sequence[str] | None = None) -> Config:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 20 trees, 10k rows, 2 rounds, fewer small-model calls")
    p.add_argument("--out", type=Path, default=Path("docs/BENCHMARKS.md"),
                   help="markdown output path (default: docs/BENCHMARKS.md)")
    p.add_argument("--rounds", type=int, default=None, help="rounds for case (a) (default 7)")
    p.add_argument("--skops-dump-rounds", type=int, default=None,
                   help="in case (a), time skops.io.dump only in the first N rounds "
                        "(it is slow); default: every round")
    p.add_argument("--no-perf", action="store_true",
                   help="do not sample native code with Linux perf in the profiles of misses")
    p.add_argument("--skseal-build", default="",
                   help="free text about the build, recorded in the report next to the "
                        "detected build kind, e.g. 'maturin develop --release'")
    a = p.parse_args(argv)
    rounds = a.rounds if a.rounds is not None else (2 if a.quick else 7)
    return Config(
        quick=a.quick,
        out=a.out,
        rf_trees=20 if a.quick else 200,
        rf_rows=10_000 if a.quick else 100_000,
        rounds=rounds,
        skops_dump_rounds=min(rounds, a.skops_dump_rounds or rounds),
        small_batches=4 if a.quick else 20,
        small_calls=10 if a.quick else 25,
        profile_reps=1 if a.quick else 7,
        profile_calls=50 if a.quick else 300,
        skseal_build=a.skseal_build,
        perf=not a.no_perf,
    )


# ---------------------------------------------------------------- helpers


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """Run ``fn`` once after a full garbage collection; return (seconds, result)."""
    gc.collect()
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def check_same(model: Any, X: np.ndarray, ref: np.ndarray, what: str) -> None:
    """Fail loudly unless ``model.predict_proba(X)`` equals ``ref`` bit for bit."""
    got = model.predict_proba(X)
    if (not isinstance(got, np.ndarray) or got.dtype != ref.dtype or got.shape != ref.shape
            or got.tobytes() != ref.tobytes()):
        raise AssertionError(f"{what}: predict_proba of the loaded model differs from the original")


def rotated(items: Sequence[T], k: int) -> list[T]:
    k %= len(items)
    return list(items[k:]) + list(items[:k])


def fmt_ratio(x: float) -> str:
    return f"{x:.2f}x"


def fmt_bytes(n: int) -> str:
    if n >= 1 << 20:
        return f"{n / (1 << 20):,.1f} MiB"
    if n >= 1 << 10:
        return f"{n / (1 << 10):,.1f} KiB"
    return f"{n} B"


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    align = align or "l" + "r" * (len(header) - 1)
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def fsync_path(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def cprofile_top(fn: Callable[[], object], n: int = 15, sort: str = "cumulative") -> str:
    prof = cProfile.Profile()
    gc.collect()
    prof.enable()
    fn()
    prof.disable()
    s = io.StringIO()
    st = pstats.Stats(prof, stream=s)
    st.strip_dirs().sort_stats(sort).print_stats(n)
    text = s.getvalue().strip().splitlines()
    # drop the blank/preamble lines pstats prints before the column header
    start = next((i for i, line in enumerate(text) if "ncalls" in line), 0)
    head = [line for line in text[:start] if "function calls" in line]
    return "\n".join(head + [""] + text[start:])


# ---------------------------------------------------------------- build snapshot


def _native_path() -> Path:
    return Path(_native.__file__ or "")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Build:
    """The skseal build this process measures, and a copy of it for child processes."""

    pkg: str  # a directory holding a copy of the skseal package
    sha: str  # sha256 of the native module file at the start
    mapped_stale: bool  # the .so this process mapped was already replaced on disk
    kind: str  # release or debug, from the symbols in the native module

    @staticmethod
    def snapshot(tmpdir: str) -> Build:
        src = Path(skseal.__file__).parent
        pkg = os.path.join(tmpdir, "skseal-snapshot")
        shutil.copytree(src, os.path.join(pkg, "skseal"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        stale = False
        try:
            with open("/proc/self/maps") as f:
                stale = any(str(_native_path()) in ln and "(deleted)" in ln for ln in f)
        except OSError:
            pass
        so = Path(pkg) / "skseal" / _native_path().name
        data = so.read_bytes()
        # Rust's UB-check helpers exist only when debug assertions are on (dev profile).
        kind = ("DEBUG (debug assertions on; numbers are not representative)"
                if b"precondition_check" in data else "release (no debug-assertion code)")
        return Build(pkg, hashlib.sha256(data).hexdigest(), stale, kind)

    def note(self) -> str:
        """A sentence for the report if the installed build changed during the run."""
        try:
            now = _sha256(_native_path())
        except OSError:
            now = "missing"
        if self.mapped_stale:
            return ("**Warning**: the native module was replaced on disk between this "
                    "process importing it and the start of the run; perf samples may "
                    "come from another build.")
        if now != self.sha:
            return ("The installed native module was rebuilt on disk during the run; all "
                    "numbers, perf samples included, come from the build loaded at the start "
                    f"(sha256 {self.sha[:12]}), via a copy taken then.")
        return f"Native module sha256 {self.sha[:12]} (unchanged during the run)."


# ---------------------------------------------------------------- machine


def machine_info(cfg: Config, tmpdir: str) -> list[tuple[str, str]]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram = "unknown"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    ram = f"{int(line.split()[1]) / (1 << 20):.1f} GiB"
                    break
    except OSError:
        pass
    os_name = platform.platform()
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = f"{line.split('=', 1)[1].strip().strip(chr(34))}, " \
                              f"kernel {platform.release()}"
    except OSError:
        pass

    def ver(name: str) -> str:
        try:
            return im.version(name)
        except im.PackageNotFoundError:
            return "not installed"

    ncpu = os.cpu_count() or 0
    repo = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--",
                                "crates", "python", "Cargo.toml", "Cargo.lock"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
        source = f"git {head or '?'}" + (" + uncommitted changes in crates/ or python/"
                                         if dirty else " (clean)")
    except (OSError, subprocess.SubprocessError):
        source = "unknown (no git)"
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = ncpu
    return [
        ("CPU", cpu),
        ("cores", f"{ncpu} logical ({usable} usable by this process)"),
        ("RAM", ram),
        ("OS", os_name),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("numpy", np.__version__),
        ("scipy", ver("scipy")),
        ("scikit-learn", ver("scikit-learn")),
        ("joblib", joblib.__version__),
        ("skops", ver("skops")),
        ("skseal", f"{skseal.__version__}; source: {source}; imported from "
                   f"{Path(skseal.__file__).parent}"),
        ("temp dir", f"{tmpdir} (same disk as the repository: "
                     f"{os.stat(tmpdir).st_dev == os.stat('.').st_dev})"),
        ("date", dt.datetime.now(tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("load average (1/5/15 min) at the start", _loadavg()),
        *([("memory", "virtual machine with virtio-balloon free page reporting: memory a "
                      "process frees goes back to the host, so touching fresh memory again "
                      "is slower and more variable (kernel time in page faults)")]
          if _balloon_reporting() else []),
    ]


def _balloon_reporting() -> bool:
    """True if a virtio-balloon device with free page reporting is active.

    Freed guest memory then goes back to the host, and touching fresh memory again
    costs host page faults: large allocations get slower and more variable.
    """
    for dev in Path("/sys/bus/virtio/devices").glob("*"):
        try:
            if (dev / "device").read_text().strip() == "0x0005":  # balloon
                bits = (dev / "features").read_text().strip()
                if len(bits) > 5 and bits[5] == "1":  # VIRTIO_BALLOON_F_REPORTING
                    return True
        except OSError:
            continue
    return False


def _loadavg() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


# ---------------------------------------------------------------- case (a): files


def _no_prepare(path: str) -> Any:
    return None


@dataclass
class FileMethod:
    name: str
    ext: str
    dump: Callable[[Any, str], object]
    load: Callable[[str, Any], Any]
    prepare: Callable[[str], Any] = _no_prepare  # untimed, before each load
    dump_rounds: int | None = None  # time the dump only in the first N rounds
    note: str = ""


@dataclass
class Stats:
    dump: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)
    size: int = 0


def _pickle_dump(obj: Any, path: str) -> None:
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=5)


def _pickle_load(path: str, _ctx: Any) -> Any:
    with open(path, "rb") as f:
        return pickle.load(f)


def file_methods(cfg: Config) -> list[FileMethod]:
    return [
        FileMethod(PICKLE, ".pkl", _pickle_dump, _pickle_load),
        FileMethod("joblib compress=0", ".joblib",
                   lambda o, p: joblib.dump(o, p, compress=0), lambda p, _c: joblib.load(p)),
        FileMethod("joblib compress=3", ".joblib3",
                   lambda o, p: joblib.dump(o, p, compress=3), lambda p, _c: joblib.load(p)),
        FileMethod("skops.io", ".skops", lambda o, p: sio.dump(o, p),
                   lambda p, trusted: sio.load(p, trusted=trusted),
                   prepare=lambda p: sio.get_untrusted_types(file=p),
                   dump_rounds=cfg.skops_dump_rounds,
                   note="trusted=get_untrusted_types(file=...) computed before the timer"),
        FileMethod("skseal", ".skseal", lambda o, p: skseal.dump(o, p),
                   lambda p, _c: skseal.load(p)),
        FileMethod("skseal compress=True (zstd 2)", ".zskseal",
                   lambda o, p: skseal.dump(o, p, compress=True), lambda p, _c: skseal.load(p)),
        FileMethod('skseal, load mmap_mode="r"', ".mskseal", lambda o, p: skseal.dump(o, p),
                   lambda p, _c: skseal.load(p, mmap_mode="r"),
                   note="dump identical to skseal uncompressed"),
    ]


@dataclass
class CaseA:
    methods: list[FileMethod]
    stats: dict[str, Stats]
    fit_seconds: float
    n_trees: int
    n_rows: int
    rounds: int
    model: RandomForestClassifier
    X_check: np.ndarray
    tmpdir: str


def run_case_a(cfg: Config, tmpdir: str) -> CaseA:
    X, y = make_classification(n_samples=cfg.rf_rows, n_features=20, random_state=0)
    model = RandomForestClassifier(n_estimators=cfg.rf_trees, random_state=0, n_jobs=-1)
    print(f"[a] fitting RandomForestClassifier({cfg.rf_trees} trees) on {cfg.rf_rows} rows ...",
          flush=True)
    t0 = time.perf_counter()
    model.fit(X, y)
    fit_s = time.perf_counter() - t0
    # Predict single-threaded: a threaded predict_proba sums the trees in a
    # scheduling-dependent order, which would make the bitwise check flaky.
    model.set_params(n_jobs=1)
    X_check = np.ascontiguousarray(X[:1000])
    ref = model.predict_proba(X_check)
    print(f"[a] fitted in {fit_s:.1f} s", flush=True)

    methods = file_methods(cfg)
    stats = {m.name: Stats() for m in methods}
    paths = {m.name: os.path.join(tmpdir, "rf" + m.ext) for m in methods}
    for r in range(cfg.rounds):
        # Phase 1: every method dumps (rotated order) to a path that does not exist
        # yet, so no method pays for truncating or replacing an earlier file.
        for m in rotated(methods, r):
            path, st = paths[m.name], stats[m.name]
            if m.dump_rounds is None or r < m.dump_rounds:
                if os.path.exists(path):
                    os.remove(path)
                t, _ = timed(functools.partial(m.dump, model, path))
                st.dump.append(t)
            st.size = os.path.getsize(path)
        # Phase 2: every method loads its file (rotated order), then checks it.
        for m in rotated(methods, r):
            path, st = paths[m.name], stats[m.name]
            ctx = m.prepare(path)
            t, loaded = timed(functools.partial(m.load, path, ctx))
            st.load.append(t)
            check_same(loaded, X_check, ref, f"[a] {m.name}")
            del loaded
        done = ", ".join(f"{m.name}: {stats[m.name].load[-1]:.2f}s" for m in methods)
        print(f"[a] round {r + 1}/{cfg.rounds} done (load {done})", flush=True)
    return CaseA(methods, stats, fit_s, cfg.rf_trees, cfg.rf_rows, cfg.rounds, model, X_check,
                 tmpdir)


def table_a(a: CaseA) -> str:
    p = a.stats[PICKLE]
    pd, pl = median(p.dump), median(p.load)
    rows = []
    for m in a.methods:
        s = a.stats[m.name]
        d, lo = median(s.dump), median(s.load)
        rows.append([
            m.name, f"{d:.3f}", f"{lo:.3f}", fmt_bytes(s.size),
            fmt_ratio(d / pd), fmt_ratio(lo / pl), fmt_ratio(s.size / p.size),
        ])
    return md_table(["method", "dump s", "load s", "file size", "dump vs pickle",
                     "load vs pickle", "size vs pickle"], rows)


def rounds_table_a(a: CaseA) -> str:
    rows = []
    for m in a.methods:
        s = a.stats[m.name]
        rows.append([m.name, " ".join(f"{x:.3f}" for x in s.dump),
                     " ".join(f"{x:.3f}" for x in s.load), f"{min(s.dump):.3f}",
                     f"{min(s.load):.3f}"])
    return md_table(["method", "dump s, per round", "load s, per round", "best dump s",
                     "best load s"], rows, "lllrr")


# ---------------------------------------------------------------- case (b): bytes


@dataclass
class BytesMethod:
    name: str
    dumps: Callable[[Any], bytes]
    loads: Callable[[bytes, Any], Any]
    prepare: Callable[[bytes], Any] = lambda _b: None  # untimed, once per batch
    note: str = ""


def _joblib_dumps(obj: Any) -> bytes:
    bio = io.BytesIO()
    joblib.dump(obj, bio)
    return bio.getvalue()


def bytes_methods() -> list[BytesMethod]:
    return [
        BytesMethod(PICKLE, lambda o: pickle.dumps(o, protocol=5), lambda b, _c: pickle.loads(b)),
        BytesMethod("joblib (BytesIO)", _joblib_dumps, lambda b, _c: joblib.load(io.BytesIO(b))),
        BytesMethod("skops.io", sio.dumps, lambda b, trusted: sio.loads(b, trusted=trusted),
                    prepare=lambda b: sio.get_untrusted_types(data=b),
                    note="trusted=get_untrusted_types(data=...) computed before the timer"),
        BytesMethod("skseal", skseal.dumps, lambda b, _c: skseal.loads(b)),
    ]


@dataclass
class CaseB:
    methods: list[BytesMethod]
    dump: dict[str, list[float]]
    load: dict[str, list[float]]
    size: dict[str, int]
    batches: int
    calls: int
    pipe: Pipeline
    X: np.ndarray


def run_case_b(cfg: Config) -> CaseB:
    X, y = make_classification(n_samples=1000, n_features=20, random_state=0)
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    pipe.fit(X, y)
    ref = pipe.predict_proba(X)
    methods = bytes_methods()
    dump = {m.name: [] for m in methods}
    load = {m.name: [] for m in methods}
    size: dict[str, int] = {}
    clock = time.perf_counter
    print(f"[b] {cfg.small_batches} batches x {cfg.small_calls} calls per method ...", flush=True)
    for b in range(cfg.small_batches):
        for m in rotated(methods, b):
            gc.collect()
            data = b""
            for _ in range(cfg.small_calls):
                t0 = clock()
                data = m.dumps(pipe)
                dump[m.name].append(clock() - t0)
            size[m.name] = len(data)
            ctx = m.prepare(data)
            obj: Any = None
            gc.collect()
            for _ in range(cfg.small_calls):
                t0 = clock()
                obj = m.loads(data, ctx)
                load[m.name].append(clock() - t0)
            check_same(obj, X, ref, f"[b] {m.name}")
    return CaseB(methods, dump, load, size, cfg.small_batches, cfg.small_calls, pipe, X)


def table_b(b: CaseB) -> str:
    pd, pl, ps = median(b.dump[PICKLE]), median(b.load[PICKLE]), b.size[PICKLE]
    rows = []
    for m in b.methods:
        d, lo, s = median(b.dump[m.name]), median(b.load[m.name]), b.size[m.name]
        rows.append([
            m.name, f"{d * 1e6:,.0f}", f"{lo * 1e6:,.0f}", f"{s:,}",
            fmt_ratio(d / pd), fmt_ratio(lo / pl), fmt_ratio(s / ps),
        ])
    return md_table(["method", "dumps µs", "loads µs", "bytes", "dumps vs pickle",
                     "loads vs pickle", "size vs pickle"], rows)


def spread_table_b(b: CaseB) -> str:
    rows = []
    for m in b.methods:
        for op, xs in (("dumps", b.dump[m.name]), ("loads", b.load[m.name])):
            q = statistics.quantiles(xs, n=20)
            rows.append([m.name, op, str(len(xs)), f"{min(xs) * 1e6:,.0f}",
                         f"{q[4] * 1e6:,.0f}", f"{median(xs) * 1e6:,.0f}",
                         f"{q[14] * 1e6:,.0f}", f"{q[18] * 1e6:,.0f}"])
    return md_table(["method", "call", "calls", "min µs", "p25 µs", "median µs", "p75 µs",
                     "p95 µs"], rows, "llrrrrrr")


# ---------------------------------------------------------------- targets


@dataclass
class Target:
    key: str
    text: str
    measured: str
    ok: bool


def check_targets(a: CaseA, b: CaseB) -> list[Target]:
    pa, sa = a.stats[PICKLE], a.stats["skseal"]
    rd = median(sa.dump) / median(pa.dump)
    rl = median(sa.load) / median(pa.load)
    # best round against best round: what a quiet machine would show, for context only
    bd, bl_ = min(sa.dump) / min(pa.dump), min(sa.load) / min(pa.load)
    bl = median(b.load["skseal"]) / median(b.load[PICKLE])
    bs = median(b.load["skops.io"]) / median(b.load["skseal"])
    sz = b.size["skseal"] / b.size[PICKLE]
    return [
        Target("rf_dump", "RF: skseal uncompressed dump no slower than pickle (ratio <= 1.0)",
               f"{rd:.2f}x pickle (best round vs best round: {bd:.2f}x)", rd <= 1.0),
        Target("rf_load", "RF: skseal uncompressed load no slower than pickle (ratio <= 1.0)",
               f"{rl:.2f}x pickle (best round vs best round: {bl_:.2f}x)", rl <= 1.0),
        Target("small_load_pickle", "Small pipeline: skseal load within 2x of pickle",
               f"{bl:.2f}x pickle", bl <= 2.0),
        Target("small_load_skops", "Small pipeline: skseal load at least 10x faster than skops",
               f"{bs:.1f}x faster than skops", bs >= 10.0),
        Target("small_size", "Small pipeline: skseal bytes at most 1.5x pickle's size",
               f"{sz:.2f}x pickle ({b.size['skseal']:,} vs {b.size[PICKLE]:,} bytes)",
               sz <= 1.5),
    ]


# ---------------------------------------------------------------- profiles

Step = tuple[str, Callable[[], object]]


def interleaved_steps(steps: Sequence[Step], reps: int, calls: int = 1
                      ) -> tuple[dict[str, list[float]], list[str]]:
    """Time each step ``calls`` times per rep, reps interleaved in rotated order.

    A step that raises on a trial call (an internal API that changed) is dropped and
    reported, so one stale step cannot sink the whole report.
    """
    ok: list[Step] = []
    failed: list[str] = []
    for name, fn in steps:
        try:
            fn()
            ok.append((name, fn))
        except Exception as e:  # reported in the markdown
            failed.append(f"`{name}` could not run: {type(e).__name__}: {e}")
    out: dict[str, list[float]] = {name: [] for name, _ in ok}
    clock = time.perf_counter
    for r in range(reps):
        for name, fn in rotated(ok, r) if ok else []:
            gc.collect()
            for _ in range(calls):
                t0 = clock()
                res = fn()
                out[name].append(clock() - t0)
                del res
    return out, failed


def _phase_table(phases: dict[str, list[float]], failed: list[str], unit: str = "s") -> str:
    if not phases:
        return "\n".join(f"- {f}" for f in failed)
    total_key = next(iter(phases))
    total = median(phases[total_key])
    scale, fmt = (1.0, "{:.3f}") if unit == "s" else (1e6, "{:,.1f}")
    rows = []
    for k, xs in phases.items():
        m = median(xs)
        rows.append([k, fmt.format(m * scale), f"{100 * m / total:.0f}%"])
    text = md_table(["step", f"median {unit}", f"vs `{total_key}`"], rows, "lrr")
    if failed:
        text += "\n\n" + "\n".join(f"- {f}" for f in failed)
    return text


def _med(ph: dict[str, list[float]], steps: Sequence[Step], i: int) -> float | None:
    """Median of step ``i`` (by its position in ``steps``), None if it could not run."""
    xs = ph.get(steps[i][0])
    return median(xs) if xs else None


def _reading(parts: Sequence[str | None]) -> str:
    text = " ".join(p for p in parts if p)
    return f"**Reading** (computed from the medians above): {text}" if text else ""


def _cpu_split(steps: Sequence[Step], reps: int) -> str:
    """Median wall, user and system CPU time and minor faults per call, interleaved."""
    cols: dict[str, list[list[float]]] = {name: [[], [], [], []] for name, _ in steps}
    for r in range(reps):
        for name, fn in rotated(steps, r):
            gc.collect()
            r0 = resource.getrusage(resource.RUSAGE_SELF)
            t0 = time.perf_counter()
            res = fn()
            wall = time.perf_counter() - t0
            r1 = resource.getrusage(resource.RUSAGE_SELF)
            del res
            c = cols[name]
            c[0].append(wall)
            c[1].append(r1.ru_utime - r0.ru_utime)
            c[2].append(r1.ru_stime - r0.ru_stime)
            c[3].append(float(r1.ru_minflt - r0.ru_minflt))
    rows = [[name, f"{median(c[0]):.3f}", f"{median(c[1]):.3f}", f"{median(c[2]):.3f}",
             f"{median(c[3]):,.0f}", " ".join(f"{x:.2f}" for x in c[2])]
            for name, c in cols.items()]
    return md_table(["call", "wall s", "user CPU s", "kernel CPU s", "minor faults",
                     "kernel CPU s, every rep"], rows, "lrrrrl")


PERF_CHILD = r"""
import os, pickle, signal, sys, time
op, model_path, work, n, pkg = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
sys.path.insert(0, pkg)  # the snapshot of the build the parent measured
import skseal
if not skseal.__file__.startswith(pkg):
    raise SystemExit(f"skseal came from {skseal.__file__}, not the snapshot {pkg}")
with open(model_path, "rb") as f:
    model = pickle.load(f)
def pickle_dump():
    with open(work, "wb") as f:
        pickle.dump(model, f, protocol=5)
def pickle_load():
    with open(work, "rb") as f:
        return pickle.load(f)
if op == "skseal.dump":
    fn = lambda: skseal.dump(model, work)
elif op == "skseal.load":
    skseal.dump(model, work)
    fn = lambda: skseal.load(work)
elif op == "skseal.loads":
    data = skseal.dumps(model)
    fn = lambda: skseal.loads(data)
elif op == "pickle.dump":
    fn = pickle_dump
elif op == "pickle.load":
    pickle_dump()
    fn = pickle_load
else:
    raise SystemExit(f"unknown op {op}")
fn()  # warm-up: imports, caches, thread pool
os.kill(os.getpid(), signal.SIGSTOP)  # the parent attaches perf, then resumes us
t0 = time.perf_counter()
for _ in range(n):
    fn()
print((time.perf_counter() - t0) / n, flush=True)
os._exit(0)  # skip interpreter teardown, which perf would otherwise sample
"""


def perf_top(op: str, model_pickle: str, work: str, n: int, pkg: str, limit: int = 14) -> str:
    """Sample ``n`` calls of ``op`` in a child process with Linux ``perf``.

    Shows where native time goes (Rust functions, libc, kernel), which cProfile cannot
    see. The child imports skseal from ``pkg``, a copy of the package taken when this
    run started, so a rebuild during the run cannot change what is sampled. Returns a
    short text, or why perf could not run.
    """
    perf = shutil.which("perf")
    if perf is None:
        return "(perf is not installed: no native profile)"
    data = work + ".perf.data"
    child = subprocess.Popen([sys.executable, "-c", PERF_CHILD, op, model_pickle, work, str(n),
                              pkg],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while True:  # wait until the child has stopped itself
            with open(f"/proc/{child.pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            if state == "T":
                break
            if child.poll() is not None or time.monotonic() > deadline:
                err = child.stderr.read() if child.stderr else ""
                return f"(perf child failed before sampling: {err.strip()[-500:]})"
            time.sleep(0.05)
        rec = subprocess.Popen([perf, "record", "-F", "1999", "-o", data, "-p", str(child.pid)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)  # let perf attach
        os.kill(child.pid, signal.SIGCONT)
        out, err = child.communicate(timeout=900)
        try:
            rec.wait(timeout=60)
        except subprocess.TimeoutExpired:
            rec.send_signal(signal.SIGINT)
            rec.wait(timeout=60)
        if child.returncode != 0:
            return f"(perf child failed: {err.strip()[-500:]})"
        per_call = float(out.strip().splitlines()[-1])
        rows = []
        for sort in ("dso", "dso,sym"):
            rep = subprocess.run([perf, "report", "-i", data, "--stdio", "--no-children",
                                  "--sort", sort, "--percent-limit", "0.8"],
                                 capture_output=True, text=True, timeout=300)
            lines = [" ".join(x.split()) for x in rep.stdout.splitlines()
                     if x.strip() and x.strip()[0].isdigit() and "%" in x]
            if not lines:
                return f"(perf report gave nothing: {rep.stderr.strip()[-300:]})"
            rows.append([ln if len(ln) <= 120 else ln[:117] + "..." for ln in lines[:limit]])
        return (f"{n} calls, {per_call * 1e3:,.2f} ms per call; share of CPU samples "
                f"(all threads):\n\nby library:\n" + "\n".join(rows[0])
                + "\n\nby function:\n" + "\n".join(rows[1]))
    except (OSError, ValueError, IndexError, subprocess.SubprocessError) as e:
        return f"(perf could not run: {type(e).__name__}: {e})"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if os.path.exists(data):
            os.remove(data)


def _perf_block(title: str, text: str) -> str:
    return f"{title}\n\n```\n{text}\n```"


def profile_rf_dump(a: CaseA, reps: int, pkg: str | None) -> str:
    model, tmp = a.model, a.tmpdir
    path, blob_path, pkl = (os.path.join(tmp, n) for n in ("prof.skseal", "prof.blob", "prof.pkl"))
    codec, level, shuffle = _api._codec(None)
    meta = _meta.facts(model)
    stream, raws = _api._serialize(model, None)
    blob = bytes(_native.save(stream, raws, None, meta, "null", [], codec, level, shuffle))

    def write_blob(sync: bool) -> None:
        with open(blob_path, "wb") as f:
            f.write(blob)
            if sync:
                f.flush()
                os.fsync(f.fileno())

    def pickle_sync() -> None:
        with open(pkl, "wb") as f:
            pickle.dump(model, f, protocol=5)
            f.flush()
            os.fsync(f.fileno())

    steps: list[Step] = [
        ("skseal.dump(model, path)", lambda: skseal.dump(model, path)),
        ("_meta.facts", lambda: _meta.facts(model)),
        ("_api._serialize (pickle.dumps protocol 5 + out-of-band buffers)",
         lambda: _api._serialize(model, None)),
        ("_native.save(dest=path): lift, policy, BLAKE3, write, fsync, rename",
         lambda: _native.save(stream, raws, path, meta, "null", [], codec, level, shuffle)),
        ("_native.save(dest=None): the same into a new bytes object, no file",
         lambda: _native.save(stream, raws, None, meta, "null", [], codec, level, shuffle)),
        ("Python: write the finished container bytes to a file", lambda: write_blob(False)),
        ("Python: the same + fsync", lambda: write_blob(True)),
        ("reference: pickle.dump to a file", lambda: _pickle_dump(model, pkl)),
        ("reference: pickle.dump to a file + fsync", pickle_sync),
    ]
    ph, failed = interleaved_steps(steps, reps)
    prof = cprofile_top(lambda: skseal.dump(model, path), sort="tottime")
    total, ser, nsave, wr, wrs, pk, pks = (_med(ph, steps, i) for i in (0, 2, 3, 5, 6, 7, 8))
    reading = _reading([
        f"`skseal.dump` took {total:.3f} s against {pk:.3f} s for `pickle.dump`."
        if total is not None and pk is not None else None,
        f"The CPython pickling inside it (`_serialize`) is only {ser:.3f} s;"
        if ser is not None else None,
        f"the Rust `_native.save` to the path is {nsave:.3f} s." if nsave is not None else None,
        f"Just writing the finished container's bytes to a file costs {wr:.3f} s from Python "
        f"and fsync adds {max(0.0, wrs - wr):.3f} s (pickle: {max(0.0, pks - pk):.3f} s),"
        if wr is not None and wrs is not None and pk is not None and pks is not None
        else None,
        f"so about {max(0.0, nsave - wrs):.3f} s of `_native.save` is work pickle does not "
        "do: lifting the pickle stream into the graph, the policy check, and BLAKE3 digests "
        "of all array bytes (see the perf samples below for the split)."
        if nsave is not None and wrs is not None else None,
    ])
    text = (
        f"Steps of `skseal.dump` on the RF model, each timed alone with `time.perf_counter`, "
        f"{reps} interleaved rep(s), medians. `skseal.dump` = _meta.facts + _serialize + "
        f"_native.save(dest=path).\n\n" + _phase_table(ph, failed) + "\n\n" + reading
        + "\n\n`cProfile` of one `skseal.dump` call (top entries by own time; the Rust "
        "`_native.save` is one opaque entry):\n\n```\n" + prof + "\n```"
    )
    if pkg is not None:
        model_pkl = os.path.join(tmp, "model.pkl")
        _pickle_dump(model, model_pkl)
        text += "\n\n" + _perf_block(
            "`perf record` of `skseal.dump` in a child process (what happens inside the Rust "
            "call), and of `pickle.dump` for comparison:",
            perf_top("skseal.dump", model_pkl, os.path.join(tmp, "perf.skseal"), 10, pkg)
            + "\n\n--- pickle.dump ---\n"
            + perf_top("pickle.dump", model_pkl, os.path.join(tmp, "perf.pkl"), 10, pkg))
        os.remove(model_pkl)
    for p in (path, blob_path, pkl):
        if os.path.exists(p):
            os.remove(p)
    return text


def profile_rf_load(a: CaseA, reps: int, pkg: str | None) -> str:
    model, tmp = a.model, a.tmpdir
    path, pkl = os.path.join(tmp, "prof.skseal"), os.path.join(tmp, "prof.pkl")
    skseal.dump(model, path)
    _pickle_dump(model, pkl)
    ver = _meta.installed_sklearn()
    buf, zc = _api._read_all(path, None)
    with open(pkl, "rb") as f:
        pdata = f.read()

    def read_pickle() -> bytes:
        with open(pkl, "rb") as f:
            return f.read()

    steps: list[Step] = [
        ("skseal.load(path)", lambda: skseal.load(path)),
        ("_api._read_all: read the file into a new buffer", lambda: _api._read_all(path, None)),
        ("_native.load(verify_digests=True): parse, policy, BLAKE3, validate, build",
         lambda: _native.load(buf, [], True, zc, ver, "warn")),
        ("_native.load(verify_digests=False): the same without BLAKE3",
         lambda: _native.load(buf, [], False, zc, ver, "warn")),
        ('skseal.load(path, mmap_mode="r") (no BLAKE3 check)',
         lambda: skseal.load(path, mmap_mode="r")),
        ("reference: read the pickle file into bytes", read_pickle),
        ("reference: pickle.loads of those bytes", lambda: pickle.loads(pdata)),
        ("reference: pickle.load from the file", lambda: _pickle_load(pkl, None)),
    ]
    ph, failed = interleaved_steps(steps, reps)
    prof = cprofile_top(lambda: skseal.load(path), sort="tottime")
    total, ra, nl, nlf, mm, rp, pls, pl = (_med(ph, steps, i) for i in range(8))
    reading = _reading([
        f"`skseal.load` took {total:.3f} s against {pl:.3f} s for `pickle.load`."
        if total is not None and pl is not None else None,
        f"Reading the file into a fresh buffer takes {ra:.3f} s (pickle's plain read: "
        f"{rp:.3f} s);" if ra is not None and rp is not None else None,
        f"`_native.load` takes {nl:.3f} s against {pls:.3f} s for `pickle.loads` of the same "
        "model," if nl is not None and pls is not None else None,
        f"of which BLAKE3 digest checks are about {max(0.0, nl - nlf):.3f} s."
        if nl is not None and nlf is not None else None,
        f"With `mmap_mode=\"r\"` (no read copy, no digest check) a load takes {mm:.3f} s."
        if mm is not None else None,
    ])
    cpu = _cpu_split([("skseal.load(path)", lambda: skseal.load(path)),
                      ("pickle.load(file)", lambda: _pickle_load(pkl, None))], reps)
    info = skseal.inspect(path)
    n_arrays = len(info.get("arrays", []))
    text = (
        f"Steps of `skseal.load` on the RF model ({reps} interleaved rep(s), medians). The file "
        f"holds {n_arrays} arrays, {fmt_bytes(int(info.get('arrays_nbytes', 0)))} of array "
        f"data, and a {fmt_bytes(int(info.get('header_size', 0)))} header.\n\n"
        + _phase_table(ph, failed) + "\n\n" + reading
        + "\n\nWall time against CPU time in user space and in the kernel (`getrusage`, "
        f"medians of {reps} interleaved reps; CPU sums all threads):\n\n" + cpu
        + "\n\n`cProfile` of one `skseal.load` call (top entries by own time; the Rust "
        "`_native.load` is one opaque entry, though the Python `__setstate__` methods it "
        "calls are seen):\n\n```\n" + prof + "\n```"
    )
    if pkg is not None:
        model_pkl = os.path.join(tmp, "model.pkl")
        _pickle_dump(model, model_pkl)
        text += "\n\n" + _perf_block(
            "`perf record` of `skseal.load` in a child process, and of `pickle.load` for "
            "comparison:",
            perf_top("skseal.load", model_pkl, os.path.join(tmp, "perf.skseal"), 10, pkg)
            + "\n\n--- pickle.load ---\n"
            + perf_top("pickle.load", model_pkl, os.path.join(tmp, "perf.pkl"), 10, pkg))
        os.remove(model_pkl)
    os.remove(path)
    os.remove(pkl)
    return text


def profile_small_load(b: CaseB, calls: int, pkg: str | None, tmpdir: str) -> str:
    pipe = b.pipe
    data = skseal.dumps(pipe)
    pdata = pickle.dumps(pipe, protocol=5)
    sdata = sio.dumps(pipe)
    trusted = sio.get_untrusted_types(data=sdata)
    ver = _meta.installed_sklearn()
    batch = max(1, calls // 10)
    steps: list[Step] = [
        ("skseal.loads(data)", lambda: skseal.loads(data)),
        ("bytearray(data) (the copy loads makes for writable views)", lambda: bytearray(data)),
        ("_native.load(bytearray, verify_digests=True)",
         lambda: _native.load(bytearray(data), [], True, True, ver, "warn")),
        ("_native.load(bytearray, verify_digests=False)",
         lambda: _native.load(bytearray(data), [], False, True, ver, "warn")),
        ("reference: pickle.loads", lambda: pickle.loads(pdata)),
        ("reference: skops.io.loads", lambda: sio.loads(sdata, trusted=trusted)),
    ]
    ph, failed = interleaved_steps(steps, 10, batch)
    total, _copy, nl, nlf, pl, sk = (_med(ph, steps, i) for i in range(6))
    reading = _reading([
        f"`skseal.loads` takes {total * 1e6:,.1f} µs per call against {pl * 1e6:,.1f} µs for "
        f"`pickle.loads`: {(total - pl) * 1e6:,.1f} µs more per call."
        if total is not None and pl is not None else None,
        f"`_native.load` alone is {nl * 1e6:,.1f} µs (the Python wrapper adds "
        f"{max(0.0, total - nl) * 1e6:,.1f} µs);" if nl is not None and total is not None
        else None,
        f"BLAKE3 digest checks cost about {max(0.0, nl - nlf) * 1e6:,.1f} µs."
        if nl is not None and nlf is not None else None,
        "The rest is a fixed per-file cost inside the Rust call (header decode and JSON "
        "parse, policy check, validation, object building): see the perf samples below."
        if nl is not None else None,
        f"skops.io.loads takes {sk * 1e6:,.1f} µs." if sk is not None else None,
    ])

    def many() -> None:
        for _ in range(calls):
            skseal.loads(data)

    prof = cprofile_top(many, sort="tottime")
    text = (
        f"Per-call medians over {10 * batch} calls per step (10 interleaved batches):\n\n"
        + _phase_table(ph, failed, unit="µs") + "\n\n" + reading
        + f"\n\n`cProfile` of {calls} `skseal.loads` calls (top entries by own time):\n\n"
        "```\n" + prof + "\n```"
    )
    if pkg is not None:
        model_pkl = os.path.join(tmpdir, "pipe.pkl")
        _pickle_dump(pipe, model_pkl)
        text += "\n\n" + _perf_block(
            "`perf record` of 20,000 `skseal.loads` calls in a child process:",
            perf_top("skseal.loads", model_pkl, os.path.join(tmpdir, "perf.small"), 20_000,
                     pkg))
        os.remove(model_pkl)
    return text


def profile_small_dump(b: CaseB, calls: int) -> str:
    pipe = b.pipe
    codec, level, shuffle = _api._codec(None)
    meta = _meta.facts(pipe)
    stream, raws = _api._serialize(pipe, None)
    steps: list[Step] = [
        ("skseal.dumps(pipe)", lambda: skseal.dumps(pipe)),
        ("_meta.facts", lambda: _meta.facts(pipe)),
        ("_api._serialize", lambda: _api._serialize(pipe, None)),
        ("_native.save(dest=None)",
         lambda: _native.save(stream, raws, None, meta, "null", [], codec, level, shuffle)),
        ("reference: pickle.dumps", lambda: pickle.dumps(pipe, protocol=5)),
    ]
    batch = max(1, calls // 10)
    ph, failed = interleaved_steps(steps, 10, batch)
    return "Per-call medians of the steps of `skseal.dumps`:\n\n" + _phase_table(
        ph, failed, unit="µs")


def profile_small_size(b: CaseB) -> str:
    data = skseal.dumps(b.pipe)
    info = skseal.inspect(data)
    header = int(info["header_size"])
    arrays = int(info["arrays_stored"])
    total = int(info["file_size"])
    pad = total - header - arrays
    pk = b.size[PICKLE]
    # the header's JSON sections, re-serialized compactly (as stored)
    sections = json.loads(_native.read_header(data, len(data)))
    n_arrays = len(info["arrays"])
    digest_bytes = sum(len(f',"blake3":"{a["blake3"]}"') for a in info["arrays"])
    rows = [
        ["whole file", f"{total:,}", fmt_ratio(total / pk)],
        ["header (preamble + JSON: graph, array table, metadata, ...)", f"{header:,}",
         fmt_ratio(header / pk)],
        ["- preamble (magic, lengths, header digest)", f"{_api.PREAMBLE:,}",
         fmt_ratio(_api.PREAMBLE / pk)],
    ]
    for key, value in sorted(sections.items(), key=lambda kv: -len(json.dumps(kv[1]))):
        n = len(json.dumps({key: value}, separators=(",", ":"))) - 2
        label = {"graph": "object graph", "arrays": f"array table ({n_arrays} entries)",
                 "metadata": "metadata (versions, date, estimator info)"}.get(key, key)
        rows.append([f"- header JSON `{key}`: {label}", f"{n:,}", fmt_ratio(n / pk)])
        if key == "arrays":
            rows.append(["- (of which the arrays' BLAKE3 hex digests)", f"{digest_bytes:,}",
                         fmt_ratio(digest_bytes / pk)])
    rows += [
        [f"array data ({n_arrays} arrays)", f"{arrays:,}", fmt_ratio(arrays / pk)],
        ["alignment padding and trailer", f"{pad:,}", fmt_ratio(pad / pk)],
        [PICKLE + " (reference)", f"{pk:,}", "1.00x"],
    ]
    return ("Where the bytes of the small skseal file go (from `skseal.inspect`):\n\n"
            + md_table(["part", "bytes", "vs whole pickle"], rows))


# ---------------------------------------------------------------- report


def render(cfg: Config, machine: list[tuple[str, str]], a: CaseA, b: CaseB,
           targets: list[Target], profiles: list[tuple[str, str]]) -> str:
    skops_note = ""
    if cfg.skops_dump_rounds < a.rounds:
        skops_note = (f" skops.io.dump was timed only in the first {cfg.skops_dump_rounds} "
                      f"rounds (it is slow); its load was timed in every round.")
    out = [
        "# skseal benchmarks",
        "",
        f"Generated by `bench/bench_persist.py{' --quick' if cfg.quick else ''}`."
        + (" **Quick smoke run: numbers are not representative.**" if cfg.quick else ""),
        "",
        "## Machine",
        "",
        md_table(["", ""], [[k, v] for k, v in machine], "ll"),
        "",
        "## How it was measured",
        "",
        "- One process runs everything. Each case is measured in **interleaved rounds**: "
        "every round runs every method once, in an order rotated by one place per round, so "
        "machine noise (other load, CPU frequency, page-cache state) falls on all methods "
        "alike. Tables show the **median** over rounds.",
        f"- Case (a): {a.rounds} rounds; in each, every method first dumps the model to a new "
        "file (its file from the previous round is deleted before the timer starts), then "
        "every method loads its file back; both phases in the rotated order."
        f"{skops_note} Time is `time.perf_counter` around the single call, after "
        "a `gc.collect()` outside the timer (the garbage collector stays enabled, as in real "
        "use).",
        "- Files live in a temp dir on the same disk as the repository. **Nothing is dropped "
        "from the page cache**: each load reads a file written seconds before, so loads are "
        "warm-cache loads (memory copy, not disk reads).",
        "- `skseal.dump` to a path writes atomically: temp file, **fsync**, rename, fsync of "
        "the directory. pickle, joblib and skops write without fsync. Its dump time therefore "
        "includes a durability step the others skip (see the profile if the dump target is "
        "missed).",
        "- skops.io needs `trusted=`: the list from `get_untrusted_types` is computed before "
        "the timer starts (as a user who reviewed the list once would pass it).",
        "- After every load, `predict_proba` on 1000 rows is compared **bitwise** with the "
        "original model's (dtype, shape and bytes); any difference stops the run. The forest "
        "is fitted with `n_jobs=-1` and then set to `n_jobs=1`, so that prediction sums trees "
        "in a fixed order.",
        f"- Case (b): {b.batches} batches; in each, every method (rotated order) makes "
        f"{b.calls} `dumps` calls then {b.calls} `loads` calls, each timed alone: "
        f"{b.batches * b.calls} calls per method and operation. Tables show the per-call "
        "median. joblib goes through `io.BytesIO`.",
        "- Ratios are method / pickle: below 1.00x is faster (or smaller) than pickle.",
        "- The load average at the start and end of the run is in the machine table: other "
        "work on this 2-core machine adds noise, which the interleaving spreads evenly.",
        "- Profiles (only for missed targets): internal steps of skseal timed alone with "
        "`time.perf_counter`, interleaved with pickle references; `cProfile` of the call "
        "(which sees the Rust extension as one opaque entry); and, where Linux `perf` is "
        "available, `perf record` (1999 Hz) of a child process that repeats the call, imports "
        "skseal from a copy of the build measured here, and is sampled only during the loop. "
        "perf shares are of CPU samples over all threads (including skseal's worker "
        "threads), so they show where CPU goes, not wall time.",
        "",
        f"## (a) RandomForestClassifier: {a.n_trees} trees, {a.n_rows:,} rows x 20 features",
        "",
        f"Fit time (n_jobs=-1, not part of the benchmark): {a.fit_seconds:.1f} s. Medians over "
        f"{a.rounds} rounds.",
        "",
        table_a(a),
        "",
        *[f"- {m.name}: {m.note}." for m in a.methods if m.note],
        "",
        "<details><summary>Every round (seconds) and the best round of each method</summary>",
        "",
        rounds_table_a(a),
        "",
        "</details>",
        "",
        "## (b) Pipeline(StandardScaler, LogisticRegression), 1000 x 20, in memory",
        "",
        f"Per-call medians over {b.batches * b.calls} calls per method and operation.",
        "",
        table_b(b),
        "",
        *[f"- {m.name}: {m.note}." for m in b.methods if m.note],
        "",
        "<details><summary>Spread of the per-call times</summary>",
        "",
        spread_table_b(b),
        "",
        "</details>",
        "",
        "## Targets",
        "",
    ]
    for t in targets:
        out.append(f"- [{'x' if t.ok else ' '}] **{'met' if t.ok else 'MISSED'}**: {t.text} "
                   f"— measured {t.measured}")
    out += ["", "Verdicts use the medians. The best-round ratios are context: on a shared or "
            "busy machine the medians carry other work's noise, and the profiles below time "
            "the same calls again, later in the run.", ""]
    if profiles:
        out += ["## Profiles of the missed targets", ""]
        for title, body in profiles:
            out += [f"### {title}", "", body, ""]
    else:
        out += ["All targets met; no profile needed.", ""]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="skseal-bench-") as tmpdir:
        build = Build.snapshot(tmpdir)
        pkg = build.pkg if cfg.perf else None
        machine = machine_info(cfg, tmpdir)
        machine.append(("skseal build", build.kind + (f"; {cfg.skseal_build}"
                                                      if cfg.skseal_build else "")))
        if build.kind.startswith("DEBUG"):
            print("warning: skseal is a debug build; numbers are not representative",
                  file=sys.stderr)
        a = run_case_a(cfg, tmpdir)
        print("\n(a) RandomForestClassifier\n" + table_a(a) + "\n", flush=True)
        b = run_case_b(cfg)
        print("\n(b) small pipeline, per call\n" + table_b(b) + "\n", flush=True)
        targets = check_targets(a, b)
        for t in targets:
            print(f"{'met   ' if t.ok else 'MISSED'} {t.text}: {t.measured}")
        missed = {t.key for t in targets if not t.ok}
        profiles: list[tuple[str, str]] = []
        if "rf_dump" in missed:
            print("profiling the RF dump ...", flush=True)
            profiles.append(("RF dump: where the time goes", profile_rf_dump(a, cfg.profile_reps,
                                                                         pkg)))
        if "rf_load" in missed:
            print("profiling the RF load ...", flush=True)
            profiles.append(("RF load: where the time goes", profile_rf_load(a, cfg.profile_reps,
                                                                         pkg)))
        if missed & {"small_load_pickle", "small_load_skops"}:
            print("profiling the small-pipeline load ...", flush=True)
            profiles.append(("Small pipeline load: where the time goes",
                             profile_small_load(b, cfg.profile_calls, pkg, tmpdir)))
        if "small_size" in missed:
            profiles.append(("Small pipeline size: where the bytes go", profile_small_size(b)))
            profiles.append(("Small pipeline dump steps (for context)",
                             profile_small_dump(b, cfg.profile_calls)))
        machine.append(("load average (1/5/15 min) at the end", _loadavg()))
        machine.append(("native module", build.note()))
        report = render(cfg, machine, a, b, targets, profiles)
    cfg.out.parent.mkdir(parents=True, exist_ok=True)
    # This report is the file's head: everything from the first section another
    # benchmark owns (its begin marker) to the end, hand-written notes included,
    # is kept as it is.
    if cfg.out.exists():
        old = cfg.out.read_text(encoding="utf-8")
        first = re.search(r"^<!-- [\w-]+:begin -->$", old, flags=re.MULTILINE)
        if first:
            report = report.rstrip("\n") + "\n\n" + old[first.start():]
    cfg.out.write_text(report, encoding="utf-8")
    for title, body in profiles:
        print(f"\n### {title}\n\n{body}")
    print(f"\nwrote {cfg.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
