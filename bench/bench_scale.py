"""Scale benchmark: skseal vs pickle and joblib on large models, one fresh process per operation.

Writes docs/BENCHMARKS_SCALE.md (and prints the tables). Three models:

(a) RandomForestClassifier on make_classification(100_000 x 20, random_state=0);
(b) HistGradientBoostingClassifier(max_iter=200, random_state=0) on the same data;
(c) an ExtraTreesRegressor grown (warm_start) until its pickle is >= 1 GiB.

Every dump and every load runs in its own fresh subprocess, so the peak resident memory
(``VmHWM``, reset just before the call; ``ru_maxrss`` is recorded too) is that of one
operation. A dump child first ``pickle.load``s the model fitted once by the parent (not
timed), then dumps it (timed). A load child only loads
(timed), then checks ``predict`` on 100 rows against the parent's saved outputs and
touches every reachable numpy array (after timing and after the memory reading).

Usage::

    .venv/bin/python bench/bench_scale.py                      # full run (~20 min)
    .venv/bin/python bench/bench_scale.py --quick --out /tmp/s.md   # smoke run
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib
import json
import math
import os
import pickle
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata as im
from pathlib import Path
from typing import Any

import joblib
import numpy as np

import skseal
import skseal.native

GIB = 1024**3
MIB = 1024**2
PICKLE = "pickle (protocol 5)"
JOBLIB0 = "joblib compress=0"
JOBLIB3 = "joblib compress=3"
SKSEAL = "skseal (uncompressed)"
ZSTD = "skseal compress=True (zstd)"
MMAP = 'skseal mmap_mode="r"'
NATIVE = "skseal.native.load (uncompressed)"
#: a file written with native_layout=True (docs/FORMAT.md §5.6), loaded natively
LAYOUT = "skseal.native.load (native_layout=True)"
#: the same file loaded natively with mmap_mode="r": the native layouts used in place
LAYOUT_MMAP = 'skseal.native.load (native_layout=True, mmap_mode="r")'
METHODS = [PICKLE, JOBLIB0, JOBLIB3, SKSEAL, ZSTD, MMAP, NATIVE, LAYOUT, LAYOUT_MMAP]
#: methods that load a file another method wrote (no dump of their own)
SAME_FILE = (MMAP, NATIVE, LAYOUT_MMAP)
FILE_OF = {PICKLE: "m.pkl", JOBLIB0: "m.j0", JOBLIB3: "m.j3", SKSEAL: "m.sks",
           ZSTD: "m.zst.sks", MMAP: "m.sks", NATIVE: "m.sks", LAYOUT: "m.nl.sks",
           LAYOUT_MMAP: "m.nl.sks"}


# ---------------------------------------------------------------- child side


def _rss_now() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _maxrss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def _hwm() -> int:
    """Peak RSS of this process's address space (VmHWM), resettable via clear_refs."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _reset_hwm() -> bool:
    """Reset the peak-RSS high-water mark (Linux >= 4.0); True if it worked."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return _hwm() <= _rss_now() + 4 * MIB


def _touch(obj: Any, seen: set[int], depth: int = 0) -> int:
    """Read every byte of every numpy array reachable through attributes/containers."""
    if depth > 12 or id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            return sum(_touch(x, seen, depth + 1) for x in obj.ravel())
        if obj.nbytes == 0:
            return 0
        raw = np.ascontiguousarray(obj).reshape(-1).view(np.uint8)
        return int(raw[::4096].sum()) + 1  # one byte per page: every page is read
    if isinstance(obj, list | tuple):
        return sum(_touch(x, seen, depth + 1) for x in obj)
    if isinstance(obj, dict):
        return sum(_touch(x, seen, depth + 1) for x in obj.values())
    d = getattr(obj, "__dict__", None)
    if isinstance(d, dict):
        return sum(_touch(x, seen, depth + 1) for x in d.values())
    return 0


def _dump(method: str, model: Any, path: str) -> None:
    if method == PICKLE:
        with open(path, "wb") as f:
            pickle.dump(model, f, protocol=5)
    elif method == JOBLIB0:
        joblib.dump(model, path, compress=0)
    elif method == JOBLIB3:
        joblib.dump(model, path, compress=3)
    elif method == SKSEAL:
        skseal.dump(model, path)
    elif method == ZSTD:
        skseal.dump(model, path, compress=True)
    elif method == LAYOUT:
        skseal.dump(model, path, native_layout=True)
    else:
        raise ValueError(method)


def _load(method: str, path: str) -> Any:
    if method == PICKLE:
        with open(path, "rb") as f:
            return pickle.load(f)
    if method in (JOBLIB0, JOBLIB3):
        return joblib.load(path)
    if method in (SKSEAL, ZSTD):
        return skseal.load(path)
    if method == MMAP:
        return skseal.load(path, mmap_mode="r")
    if method in (NATIVE, LAYOUT):
        return skseal.native.load(path)
    if method == LAYOUT_MMAP:
        return skseal.native.load(path, mmap_mode="r")
    raise ValueError(method)


def child_main(spec: dict[str, Any]) -> dict[str, Any]:
    op: str = spec["op"]
    method: str = spec["method"]
    path: str = spec["path"]
    model: Any = None
    importlib.import_module(spec["module"])  # imports are not part of the timed load
    if op == "dump":
        with open(spec["ref"], "rb") as f:
            model = pickle.load(f)
    gc.collect()
    rss0 = _rss_now()
    maxrss0 = _maxrss()
    reset_ok = _reset_hwm()
    t0 = time.perf_counter()
    if op == "dump":
        _dump(method, model, path)
    else:
        model = _load(method, path)
    secs = time.perf_counter() - t0
    peak, maxrss = _hwm(), _maxrss()
    out: dict[str, Any] = {"secs": secs, "rss0": rss0, "peak": peak, "delta": peak - rss0,
                           "hwm_reset": reset_ok, "maxrss": maxrss, "maxrss0": maxrss0,
                           "maxrss_delta": maxrss - rss0}
    if op == "load":
        x = np.load(spec["x"])
        expected = np.load(spec["y"])
        if not np.array_equal(model.predict(x), expected):
            raise AssertionError(f"{method}: predict differs from the original model")
        out["touched"] = _touch(model, set())
        if method in (SKSEAL, MMAP):
            out.update(_profile(model, path))
            del model
            gc.collect()
            t0 = time.perf_counter()
            _load(method, path)
            out["second_load_secs"] = time.perf_counter() - t0
    return out


def _tree_arrays(model: Any) -> list[np.ndarray]:
    """The node and value arrays of every sklearn Tree in a forest."""
    out = []
    for est in getattr(model, "estimators_", []):
        tree = getattr(est, "tree_", None)
        if tree is not None:
            state = tree.__getstate__()  # views of the Tree's own memory, no copy
            out += [state["nodes"], state["values"]]
    return out


def _profile(model: Any, path: str) -> dict[str, Any]:
    """Where a load's time goes, measured in the load child after the timed
    load (outside its timer and memory reading):
    - copy_floor_secs: copying every Tree node/value array into fresh memory,
      which Tree.__setstate__ must do (it memcpy's into its own buffers), so
      no loader of a scikit-learn forest can be faster than this;
    - header_secs: reading and checking the header alone (format steps 1-15:
      preamble, header digest, JSON, array table, graph, fingerprint),
      skseal's fixed cost per load before any array or object."""
    prof: dict[str, Any] = {}
    arrays = _tree_arrays(model)
    if arrays:
        t0 = time.perf_counter()
        copies = [np.array(a, copy=True) for a in arrays]
        prof["copy_floor_secs"] = time.perf_counter() - t0
        prof["copy_floor_bytes"] = sum(a.nbytes for a in copies)
        del copies
    with open(path, "rb") as f:
        head = f.read(56)
        size = os.fstat(f.fileno()).st_size
        prefix = head + f.read(skseal._native.header_len(head))  # type: ignore[attr-defined]
    reps = 20
    t0 = time.perf_counter()
    for _ in range(reps):
        skseal._native.read_header(prefix, size)  # type: ignore[attr-defined]
    prof["header_secs"] = (time.perf_counter() - t0) / reps
    return prof


# ---------------------------------------------------------------- parent side


@dataclass
class Case:
    key: str
    title: str
    fit_s: float
    mem_bytes: int  # sum of out-of-band pickle buffers (array nbytes)
    stream_bytes: int  # in-band pickle stream
    rounds: int
    note: str = ""
    res: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0


def pickle_size(model: Any) -> tuple[int, int]:
    bufs: list[pickle.PickleBuffer] = []
    stream = pickle.dumps(model, protocol=5, buffer_callback=bufs.append)
    return sum(memoryview(b).nbytes for b in bufs), len(stream)


def run_child(spec: dict[str, Any]) -> dict[str, Any]:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        raise RuntimeError(f"child failed ({spec['op']} {spec['method']}):\n{p.stderr[-3000:]}")
    return dict(json.loads(p.stdout.strip().splitlines()[-1]))


def measure(case: Case, model: Any, x100: np.ndarray, tmp: Path) -> None:
    d = tmp / case.key
    d.mkdir()
    ref = d / "ref.pkl"
    with open(ref, "wb") as f:
        pickle.dump(model, f, protocol=5)
    np.save(d / "x.npy", x100)
    np.save(d / "y.npy", model.predict(x100))
    module = type(model).__module__
    del model
    gc.collect()
    case.res = {m: {"dump": [], "load": []} for m in METHODS}
    t_start = time.perf_counter()
    for r in range(case.rounds):
        order = METHODS[r % len(METHODS):] + METHODS[: r % len(METHODS)]
        for m in order:
            if m in SAME_FILE:
                continue  # same file as skseal (uncompressed)
            target = d / FILE_OF[m]
            target.unlink(missing_ok=True)
            res = run_child({"op": "dump", "method": m, "path": str(target), "ref": str(ref),
                             "module": module})
            case.res[m]["dump"].append(res)
            case.sizes[m] = target.stat().st_size
            print(f"  [{case.key} r{r}] dump {m:30s} {res['secs']:8.3f} s", flush=True)
        for m in order:
            res = run_child({"op": "load", "method": m, "path": str(d / FILE_OF[m]),
                             "x": str(d / "x.npy"), "y": str(d / "y.npy"), "module": module})
            case.res[m]["load"].append(res)
            print(f"  [{case.key} r{r}] load {m:30s} {res['secs']:8.3f} s", flush=True)
    case.sizes[MMAP] = case.sizes[NATIVE] = case.sizes[SKSEAL]
    if LAYOUT in case.sizes:
        case.sizes[LAYOUT_MMAP] = case.sizes[LAYOUT]
    case.wall_s = time.perf_counter() - t_start
    shutil.rmtree(d)


def med(case: Case, m: str, op: str, key: str) -> float:
    vals = [float(x[key]) for x in case.res[m][op]]
    return statistics.median(vals) if vals else math.nan


# ---------------------------------------------------------------- models


def make_data(quick: bool) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_classification

    n = 10_000 if quick else 100_000
    x, y = make_classification(n_samples=n, n_features=20, random_state=0)
    return x, y


def case_rf(trees: int, rounds: int, quick: bool, tmp: Path, note: str) -> Case:
    from sklearn.ensemble import RandomForestClassifier

    x, y = make_data(quick)
    t0 = time.perf_counter()
    model = RandomForestClassifier(n_estimators=trees, n_jobs=-1, random_state=0).fit(x, y)
    fit_s = time.perf_counter() - t0
    model.set_params(n_jobs=1)  # deterministic prediction in the children
    mem, stream = pickle_size(model)
    case = Case("a", f"RandomForestClassifier: {trees} trees, {x.shape[0]:,} rows x 20 features",
                fit_s, mem, stream, rounds, note)
    measure(case, model, x[:100], tmp)
    return case


def case_hgb(rounds: int, quick: bool, tmp: Path) -> Case:
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y = make_data(quick)
    it = 20 if quick else 200
    t0 = time.perf_counter()
    model = HistGradientBoostingClassifier(max_iter=it, random_state=0).fit(x, y)
    fit_s = time.perf_counter() - t0
    mem, stream = pickle_size(model)
    case = Case("b", f"HistGradientBoostingClassifier: max_iter={it} "
                f"({model.n_iter_} iterations fitted, early stopping default), "
                f"{x.shape[0]:,} rows x 20 features", fit_s, mem, stream, rounds)
    measure(case, model, x[:100], tmp)
    return case


def case_big(target: int, quick: bool, tmp: Path) -> Case:
    from sklearn.ensemble import ExtraTreesRegressor

    rng = np.random.default_rng(0)
    n = 20_000 if quick else 400_000
    x = rng.standard_normal((n, 10))
    y = x @ rng.standard_normal(10) + 0.1 * rng.standard_normal(n)
    model = ExtraTreesRegressor(n_estimators=2, max_features=1.0, min_samples_leaf=1, n_jobs=-1,
                                random_state=0, warm_start=True)
    t0 = time.perf_counter()
    model.fit(x, y)
    steps = []
    while True:
        mem, stream = pickle_size(model)
        k = model.n_estimators
        steps.append(f"{k} trees: {(mem + stream) / GIB:.3f} GiB")
        print(f"  [c] {steps[-1]}", flush=True)
        if mem + stream >= target:
            break
        per_tree = (mem + stream) / k
        need = math.ceil(target / per_tree * 1.02)
        model.set_params(n_estimators=max(k + 1, need))
        model.fit(x, y)
    fit_s = time.perf_counter() - t0
    model.set_params(n_jobs=1, warm_start=False)
    note = ("K grown with warm_start until pickle buffers + stream >= "
            f"{target / GIB:.2f} GiB ({'; '.join(steps)}).")
    case = Case("c", f"ExtraTreesRegressor: {model.n_estimators} trees, max_features=1.0, "
                f"min_samples_leaf=1, {n:,} rows x 10 float64 features", fit_s, mem, stream, 1,
                note)
    del x, y
    measure(case, model, rng.standard_normal((100, 10)), tmp)
    return case


# ---------------------------------------------------------------- report


def fmt_b(n: float) -> str:
    return f"{n / GIB:.2f} GiB" if n >= GIB else f"{n / MIB:.1f} MiB"


def machine_rows(tmp: Path) -> list[tuple[str, str]]:
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                ram = int(line.split()[1]) * 1024
    so = Path(skseal.__file__).parent
    natives = sorted(p.name for p in so.glob("_native*.so"))
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout.strip()
    rows = [("CPU", cpu), ("cores", f"{os.cpu_count()} logical "
                            f"({len(os.sched_getaffinity(0))} usable)"),
            ("RAM", f"{ram / GIB:.1f} GiB"), ("OS", f"{platform.platform()}"),
            ("Python", f"{platform.python_version()} ({platform.python_implementation()})")]
    for pkg in ("numpy", "scikit-learn", "joblib", "skseal"):
        rows.append((pkg, im.version(pkg)))
    rows.append(("skseal import", f"{so} ({', '.join(natives)}); git HEAD {git}"))
    rows.append(("temp dir", str(tmp)))
    return rows


def render(cases: list[Case], mach: list[tuple[str, str]], la0: tuple[float, ...],
           la1: tuple[float, ...] | None, started: str, total_s: float | None,
           notes: list[str]) -> str:
    out = ["# skseal scale benchmarks", "", "Generated by `bench/bench_scale.py`.", "",
           "## Machine", "", "|  |  |", "| --- | --- |"]
    out += [f"| {k} | {v} |" for k, v in mach]
    out.append(f"| date (start) | {started} |")
    out.append("| load average (1/5/15 min) at the start | " + " / ".join(f"{v:.2f}" for v in la0)
               + " |")
    out.append("| load average (1/5/15 min) at the end | "
               + (" / ".join(f"{v:.2f}" for v in la1) if la1 else "(run not finished)") + " |")
    if total_s is not None:
        out.append(f"| total runtime | {total_s / 60:.1f} min |")
    out += ["", "## How it was measured", "",
            "- **One fresh subprocess per measurement** (`python bench/bench_scale.py --child "
            "...`), so the peak memory is that of one operation. Imports happen before "
            "anything is measured.",
            "- Dump child: `pickle.load`s the model fitted once in the parent (written once to "
            "a temp file with pickle protocol 5; not timed, not fitted again), runs "
            "`gc.collect()`, then the timed dump. Load child: `gc.collect()`, then the timed "
            "load; afterwards (outside timer and memory reading) `predict` on 100 rows must "
            "equal the parent's outputs (`np.array_equal`) and every reachable numpy array "
            "is read (so mmap'd data is used).",
            "- Time: `time.perf_counter` around the single call. Memory: right before the "
            "call the child reads its RSS (`/proc/self/statm`) and resets its peak-RSS "
            "high-water mark (`echo 5 > /proc/self/clear_refs`); right after the call (before "
            "the check) it reads the peak. **delta = peak - RSS before the call**, which "
            "isolates the operation. For a dump child the RSS before the call includes the "
            "model itself (~ the in-memory size).",
            "- Which peak counter: the brief asked for `getrusage(RUSAGE_SELF).ru_maxrss`; it "
            "is recorded (columns `ru_maxrss`), but on Linux it is `max(signal->maxrss, "
            "mm hiwater)`, where `signal->maxrss` is set at `exec` from the address space "
            "the child was spawned from: Python's `subprocess` uses vfork, so that is the "
            "**parent's** peak (the parent holds the fitted model), and it cannot be reset. "
            "The main columns therefore use the same kernel counter for the child's own "
            "address space, `VmHWM` from `/proc/self/status`, which the `clear_refs` reset "
            "makes per operation. `ru_maxrss` delta = ru_maxrss after - RSS before.",
            "- Interleaved rounds for (a) and (b): each round every method dumps (in an order "
            "rotated by one place per round), then every method loads (same order); tables "
            "show medians. (c) runs **1 round** (it is ~1 GiB per file and per process).",
            "- `skseal mmap_mode=\"r\"` loads the same file as `skseal (uncompressed)`, so it "
            "has no dump of its own.",
            "- **Nothing is dropped from the page cache**: every load reads a file written "
            "shortly before (warm cache). Files are in a temp dir on the repository's disk. "
            "`skseal.dump` to a path writes atomically with fsync; pickle and joblib do not "
            "fsync.",
            "- The machine is shared with other jobs during the run (see load averages); "
            "interleaving spreads that noise over all methods, and every ratio below compares "
            "measurements from the same run.",
            "- Models are fitted with `n_jobs=-1` then set to `n_jobs=1` before saving, so "
            "prediction is deterministic. Model in-memory size = sum of the out-of-band "
            "buffers (array nbytes) of `pickle.dumps(model, protocol=5, "
            "buffer_callback=...)`; the in-band stream length is given separately."]
    out += [f"- {n}" for n in notes]
    for c in cases:
        out += ["", f"## ({c.key}) {c.title}", "",
                f"Fit time (not part of the benchmark): {c.fit_s:.1f} s. In-memory size: "
                f"**{fmt_b(c.mem_bytes)}** of arrays + {fmt_b(c.stream_bytes)} pickle stream "
                f"(= {fmt_b(c.mem_bytes + c.stream_bytes)}). Rounds: {c.rounds} "
                f"({'medians' if c.rounds > 1 else 'single measurement'}). "
                f"Measurement wall time: {c.wall_s:.0f} s."]
        if c.note:
            out += ["", c.note]
        out += ["", "| method | dump s | load s | file size | dump vs pickle | load vs pickle "
                "| dump vs joblib c=3 | load vs joblib c=3 | size vs joblib c=3 |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        pd, pl = med(c, PICKLE, "dump", "secs"), med(c, PICKLE, "load", "secs")
        jd, jl = med(c, JOBLIB3, "dump", "secs"), med(c, JOBLIB3, "load", "secs")
        js = c.sizes.get(JOBLIB3, math.nan)
        for m in METHODS:
            d, ld = med(c, m, "dump", "secs"), med(c, m, "load", "secs")
            ds = "(same file)" if m in SAME_FILE else f"{d:.3f}"
            r1 = "" if m in SAME_FILE else f"{d / pd:.2f}x"
            r3 = "" if m in SAME_FILE else f"{d / jd:.3f}x"
            sz = c.sizes.get(m, math.nan)
            out.append(f"| {m} | {ds} | {ld:.3f} | {fmt_b(sz)} | {r1} | {ld / pl:.3f}x | {r3} "
                       f"| {ld / jl:.3f}x | {sz / js:.2f}x |")
        out += ["", "Peak resident memory (medians; peak = VmHWM reset right before the call; "
                "delta = peak - RSS right before the call; last two columns: raw `ru_maxrss` "
                "of the load child, see above):",
                "", "| method | dump peak | dump delta | load peak | load delta "
                "| load delta / in-memory size | load ru_maxrss | load ru_maxrss delta |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for m in METHODS:
            dp = "" if m in SAME_FILE else fmt_b(med(c, m, "dump", "peak"))
            dd = "" if m in SAME_FILE else fmt_b(med(c, m, "dump", "delta"))
            lp, lq = med(c, m, "load", "peak"), med(c, m, "load", "delta")
            rx, rd = med(c, m, "load", "maxrss"), med(c, m, "load", "maxrss_delta")
            out.append(f"| {m} | {dp} | {dd} | {fmt_b(lp)} | {fmt_b(lq)} "
                       f"| {lq / c.mem_bytes:.2f}x | {fmt_b(rx)} | {fmt_b(rd)} |")
        resets = [x["hwm_reset"] for m in METHODS for op in ("dump", "load")
                  for x in c.res[m][op]]
        if not all(resets):
            out.append(f"\nWarning: the high-water-mark reset failed in "
                       f"{resets.count(False)} of {len(resets)} children; their peak may "
                       "include memory used before the call.")
        out += ["", "Targets (skseal vs joblib/pickle measured in this run):", "",
                "| target | measured | result |", "| --- | --- | --- |"]
        for t, meas, ok in targets(c):
            out.append(f"| {t} | {meas} | {'met' if ok else '**missed**'} |")
        out += profile_lines(c)
    return "\n".join(out) + "\n"


def profile_lines(c: Case) -> list[str]:
    """The profile of the load-time misses (see _profile), medians over rounds."""
    rows = [x for m in (SKSEAL, MMAP) for x in c.res[m]["load"]]
    if not rows:
        return []
    pl = med(c, PICKLE, "load", "secs")
    out = ["", "Profile of the load times (measured in the skseal load children, after the "
           "timed load):", ""]
    floors = [x["copy_floor_secs"] for x in rows if "copy_floor_secs" in x]
    if floors:
        fl = statistics.median(floors)
        nb = rows[0].get("copy_floor_bytes", 0)
        out.append(f"- Copying the {fmt_b(nb)} of Tree node and value arrays into fresh memory "
                   f"(`np.array(copy=True)`, what `Tree.__setstate__` does with `memcpy` into "
                   f"buffers it allocates) takes {fl:.3f} s = **{fl / pl:.3f}x pickle's load** "
                   "by itself. scikit-learn's Tree keeps its nodes in memory it owns and "
                   "frees, so it cannot adopt a mapped array: every loader, mmap or not, "
                   "pays this copy, and `mmap_mode` load times are bounded by it (the 0.05x "
                   "target would need the Tree to use the mapped bytes in place).")
    hs = statistics.median(x["header_secs"] for x in rows)
    ul = med(c, SKSEAL, "load", "secs")
    second = [x["second_load_secs"] for x in c.res[SKSEAL]["load"] if "second_load_secs" in x]
    if second:
        out.append(f"- A second uncompressed load of the same file in the same process takes "
                   f"{statistics.median(second) * 1e3:.2f} ms (first: {ul * 1e3:.2f} ms): the "
                   "difference is first-use work in a fresh process (imports of the model's "
                   "modules, numpy dtype objects, zstd contexts, the thread pool) and, for "
                   "large models, memory the first load faults in fresh from the kernel "
                   "(zeroed pages) where the second reuses what the first freed.")
    out.append(f"- Reading and checking the header alone (format steps 1-15) takes "
               f"{hs * 1e3:.2f} ms, {hs / ul:.0%} of skseal's uncompressed load "
               f"({ul * 1e3:.2f} ms; pickle's whole load: {pl * 1e3:.2f} ms). The rest is "
               "reading and hashing the arrays, the structural checks, and making the "
               "Python objects.")
    return out


def targets(c: Case) -> list[tuple[str, str, bool]]:
    pl = med(c, PICKLE, "load", "secs")
    jd, jl = med(c, JOBLIB3, "dump", "secs"), med(c, JOBLIB3, "load", "secs")
    zd, zl = med(c, ZSTD, "dump", "secs"), med(c, ZSTD, "load", "secs")
    zs, js = c.sizes[ZSTD], c.sizes[JOBLIB3]
    ul, ml = med(c, SKSEAL, "load", "secs"), med(c, MMAP, "load", "secs")
    rows = [
        ("zstd file size <= joblib compress=3", f"{fmt_b(zs)} vs {fmt_b(js)} ({zs / js:.2f}x)",
         zs <= js),
        ("zstd dump >= 5x faster than joblib compress=3",
         f"{zd:.3f} s vs {jd:.3f} s ({jd / zd:.1f}x faster)", jd / zd >= 5),
        ("zstd load >= 2x faster than joblib compress=3",
         f"{zl:.3f} s vs {jl:.3f} s ({jl / zl:.1f}x faster)", jl / zl >= 2),
        ("uncompressed load <= 0.5x pickle load",
         f"{ul:.3f} s vs {pl:.3f} s ({ul / pl:.3f}x)", ul / pl <= 0.5),
        ('mmap_mode="r" load <= 0.05x pickle load',
         f"{ml:.4f} s vs {pl:.3f} s ({ml / pl:.4f}x)", ml / pl <= 0.05),
    ]
    for m in (NATIVE, LAYOUT, LAYOUT_MMAP):
        nl = med(c, m, "load", "secs")
        rows.append((f"{m} (fresh process) <= 0.1x pickle load",
                     f"{nl:.3f} s vs {pl:.3f} s ({nl / pl:.3f}x)", nl / pl <= 0.1))
    for m in (SKSEAL, ZSTD, MMAP, NATIVE, LAYOUT, LAYOUT_MMAP):
        dl = med(c, m, "load", "delta")
        rows.append((f"{m}: peak load memory delta <= 1.1x in-memory size",
                     f"{fmt_b(dl)} vs {fmt_b(c.mem_bytes)} ({dl / c.mem_bytes:.2f}x)",
                     dl <= 1.1 * c.mem_bytes))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parents[1] / "docs" / "BENCHMARKS_SCALE.md")
    ap.add_argument("--rf-trees", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--big-gib", type=float, default=1.0, help="target size of model (c)")
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--budget-min", type=float, default=30.0,
                    help="skip (c) if less than 8 minutes remain of this budget")
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child_main(json.loads(a.child))))
        return
    t_all = time.perf_counter()
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    la0 = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="skseal-scale-", dir=Path(__file__).resolve().parents[1]
                                / "target"))
    mach = machine_rows(tmp)
    notes: list[str] = []
    rf_note = ""
    if a.rf_trees != 200:
        rf_note = (f"Uses {a.rf_trees} trees instead of 200 to fit the run in its time box on "
                   "the shared 2-core machine.")
    trees = 10 if a.quick else a.rf_trees
    cases: list[Case] = []

    def write(final: bool) -> None:
        text = render(cases, mach, la0, os.getloadavg() if final else None, started,
                      time.perf_counter() - t_all if final else None, notes)
        a.out.write_text(text)

    try:
        print("(a) RandomForest", flush=True)
        cases.append(case_rf(trees, a.rounds, a.quick, tmp, rf_note))
        write(False)
        print("(b) HistGradientBoosting", flush=True)
        cases.append(case_hgb(a.rounds, a.quick, tmp))
        write(False)
        left = a.budget_min * 60 - (time.perf_counter() - t_all)
        if a.skip_big:
            notes.append("(c) skipped (--skip-big).")
        elif left < 8 * 60:
            notes.append(f"(c) skipped: only {left / 60:.1f} min of the "
                         f"{a.budget_min:.0f}-min budget left.")
        else:
            print("(c) ExtraTrees >= target size", flush=True)
            target = int((0.02 if a.quick else a.big_gib) * GIB)
            cases.append(case_big(target, a.quick, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    write(True)
    print(a.out.read_text())


if __name__ == "__main__":
    main()
