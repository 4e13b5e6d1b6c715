"""Benchmark native (Rust) inference with skseal.native, and write a section of docs/BENCHMARKS.md.

skseal.native loads a .skseal file into a Rust model that predicts without scikit-learn.
It is compared with scikit-learn itself, with ONNX Runtime (after skl2onnx) and with
treelite's GTIL (tree ensembles only), on seven models fitted with fixed random_state:

(1) RandomForestClassifier(n_estimators=100) on make_classification (20 features,
    10 informative, 2 classes, 20k training rows);
(2) HistGradientBoostingClassifier (default parameters, max_iter=100) on the same data;
(3) ColumnTransformer(StandardScaler on 3 numeric columns, OneHotEncoder(handle_unknown=
    "ignore") on 2 string columns) + LogisticRegression, on a pandas DataFrame of 20k rows;
(4) SVC(kernel="rbf", probability=True) on the first 5k training rows of (1)'s data;
(5) KNeighborsClassifier() with default parameters (brute force: 20 features) on (1)'s data;
(6) TfidfVectorizer + LogisticRegression(max_iter=1000) on 20k generated short documents
    (a 1-D object array of str; ONNX Runtime gets them as a (n, 1) string tensor);
(7) StandardScaler + MLPClassifier(hidden_layer_sizes=(64,), max_iter=300) on (1)'s data.

For each model and engine, with predict_proba: the latency of one call on one row (the
same row every call, timed alone with time.perf_counter_ns) and the time of one call on a
10k-row batch. Everything runs in one process, in interleaved rounds (every round runs
every engine's block of back-to-back calls, after a pause that lets the previous engine's
threads stop spinning, in an order rotated by one each round, so machine noise hits all
engines alike); the tables report medians. Each engine gets its input prepared before
the timer, in the type it wants (float32 for ONNX Runtime, one array per column for the
pipeline in ONNX Runtime).

Exactness is measured on the 10k-row batch against scikit-learn's predict_proba, and on
an adversarial data set (integer-valued features of magnitude 2**24 .. 2**26, where
float32 cannot hold every integer) that makes ONNX Runtime flip predicted labels.

The models and their data are made in bench/native_cases.py; this file sets up the
engines, times them, checks the targets and writes the report.

A converter or engine that fails on a model is reported with its error text; the run
goes on. Targets are checked at the end and written with the tables, between the marker
lines ``<!-- native-inference:begin -->`` and ``<!-- native-inference:end -->`` of the
output file (appended at its end if absent; the rest of the file is left as it is).

Usage::

    .venv/bin/python bench/bench_native.py                 # full run (a few minutes)
    .venv/bin/python bench/bench_native.py --quick --out /tmp/n.md   # smoke run
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata as im
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from native_cases import (
    ADV_BASES,
    ADV_WIDTH,
    Case,
    Data,
    Exact,
    Runner,
    Sizes,
    adversarial_cases,
    main_cases,
)
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.pipeline import Pipeline

import skseal
from skseal.errors import UnsupportedModelError

T = TypeVar("T")

REPO = Path(__file__).resolve().parent.parent
BEGIN = "<!-- native-inference:begin -->"
END = "<!-- native-inference:end -->"
# The locale ONNX Runtime's StringNormalizer gets when its default (en_US.UTF-8) is absent.
LOCALE = "C.UTF-8"

SKLEARN, SKSEAL, ONNX, TREELITE = "sklearn", "skseal", "onnx", "treelite"
ENGINE_KEYS = (SKLEARN, SKSEAL, ONNX, TREELITE)
ENGINE_NAMES = {
    SKLEARN: "scikit-learn",
    SKSEAL: "skseal.native",
    ONNX: "ONNX Runtime (skl2onnx)",
    TREELITE: "treelite GTIL",
}


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class Config(Sizes):
    """The data sizes of the cases (Sizes) and how to time and report them."""

    quick: bool
    out: Path
    engines: tuple[str, ...]
    calls: int  # one-row calls per engine and model
    call_rounds: int
    batch_reps: int  # rounds of batch calls
    batch_block: int  # back-to-back batch calls per engine and round


def parse_args(argv: Sequence[str] | None = None) -> Config:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 4k training rows (1k for SVC), 2k-row batch, 200 one-row "
                        "calls, 3 rounds of 2 batch calls")
    p.add_argument("--out", type=Path, default=REPO / "docs" / "BENCHMARKS.md",
                   help="markdown file whose native-inference section is (re)written "
                        "(default: docs/BENCHMARKS.md)")
    # Hidden: a comma-separated subset of engines (scikit-learn always runs, as reference).
    p.add_argument("--engines", default=",".join(ENGINE_KEYS), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    wanted = [e.strip() for e in a.engines.split(",") if e.strip()]
    unknown = sorted(set(wanted) - set(ENGINE_KEYS))
    if unknown:
        p.error(f"--engines: unknown {', '.join(unknown)} (known: {', '.join(ENGINE_KEYS)})")
    engines = tuple(e for e in ENGINE_KEYS if e == SKLEARN or e in wanted)
    return Config(
        quick=a.quick,
        out=a.out,
        engines=engines,
        train_rows=4_000 if a.quick else 20_000,
        batch_rows=2_000 if a.quick else 10_000,
        rf_trees=100,
        calls=200 if a.quick else 1_000,
        call_rounds=4 if a.quick else 10,
        batch_reps=3 if a.quick else 9,
        batch_block=2 if a.quick else 5,
        adv_rows=3_000 if a.quick else 10_000,
        svc_rows=1_000 if a.quick else 5_000,
    )


# ---------------------------------------------------------------- helpers


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def rotated(items: Sequence[T], k: int) -> list[T]:
    k %= len(items)
    return list(items[k:]) + list(items[:k])


def fmt_x(r: float) -> str:
    """A ratio, with fewer decimals as it grows."""
    if r >= 100:
        return f"{r:,.0f}x"
    if r >= 10:
        return f"{r:.1f}x"
    return f"{r:.2f}x"


def fmt_us(ns: float) -> str:
    us = ns / 1e3
    return f"{us:,.1f}" if us < 1000 else f"{us:,.0f}"


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    align = align or "l" + "r" * (len(header) - 1)
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def error_text(e: BaseException, limit: int = 300) -> str:
    """One line: the exception and its causes, each message cut to ``limit`` characters."""
    parts: list[str] = []
    seen: set[int] = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        msg = " ".join(str(cur).split())
        if len(msg) > limit:
            msg = msg[:limit] + f" ... [{len(msg) - limit:,} more characters]"
        parts.append(f"{type(cur).__name__}: {msg}" if msg else type(cur).__name__)
        cur = cur.__cause__ or cur.__context__
    return " <- caused by ".join(parts)


def code(text: str) -> str:
    """``text`` as a markdown code span."""
    return "`" + text.replace("`", "'") + "`"


class NotApplicable(Exception):
    """The engine does not handle this kind of model (not a failure)."""


# ---------------------------------------------------------------- engines


def _as_float64(X: Data) -> np.ndarray:
    return np.ascontiguousarray(X, dtype=np.float64)


def build_sklearn(case: Case, tmpdir: str) -> Runner:
    return Runner(lambda X: X, case.model.predict_proba, 0.0)


def build_skseal(case: Case, tmpdir: str) -> Runner:
    import skseal.native

    path = os.path.join(tmpdir, f"{case.key}.skseal")
    t0 = time.perf_counter()
    skseal.dump(case.model, path)
    native = skseal.native.load(path)
    return Runner(lambda X: X, native.predict_proba, time.perf_counter() - t0, native)


def _onnx_session(case: Case, options: dict[int, dict[str, Any]]) -> Any:
    import onnxruntime as ort
    from skl2onnx import convert_sklearn

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        onx = convert_sklearn(case.model, initial_types=case.onnx_types(),
                              options={id(case.model): {"zipmap": False}, **options})
    return ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])


def _text_vectorizers(model: Any) -> list[Any]:
    steps = [s for _, s in model.steps] if isinstance(model, Pipeline) else [model]
    return [s for s in steps if isinstance(s, CountVectorizer)]  # TfidfVectorizer too


def build_onnx(case: Case, tmpdir: str) -> Runner:
    t0 = time.perf_counter()
    try:
        sess = _onnx_session(case, {})
    except Exception as e:
        # skl2onnx leaves the StringNormalizer's locale unset and ONNX Runtime then asks
        # the C++ library for en_US.UTF-8, which a minimal system lacks. Say so, and
        # convert again with the C.UTF-8 locale (present wherever glibc >= 2.35 is).
        vectorizers = _text_vectorizers(case.model)
        if not vectorizers or "locale" not in str(e):
            raise
        sess = _onnx_session(case, {id(v): {"locale": LOCALE} for v in vectorizers})
        case.notes[ONNX] = (
            "with skl2onnx's default options the session failed to start "
            f"({code(error_text(e, 200))}): ONNX Runtime's StringNormalizer wants the "
            f"en_US.UTF-8 locale, not installed on this machine; converted again with "
            f"`options={{id(vectorizer): {{\"locale\": \"{LOCALE}\"}}}}` (the setup time "
            "counts both conversions)")
    names = [o.name for o in sess.get_outputs()]
    out = ["probabilities" if "probabilities" in names else names[-1]]

    def proba(feed: dict[str, np.ndarray]) -> np.ndarray:
        return sess.run(out, feed)[0]

    return Runner(case.onnx_feed, proba, time.perf_counter() - t0)


def build_treelite(case: Case, tmpdir: str) -> Runner:
    if not isinstance(case.model, RandomForestClassifier | HistGradientBoostingClassifier):
        what = "pipelines" if isinstance(case.model, Pipeline) else type(case.model).__name__
        raise NotApplicable(f"treelite imports tree ensembles only, not {what}")
    import treelite.gtil
    import treelite.sklearn

    t0 = time.perf_counter()
    tm = treelite.sklearn.import_model(case.model)

    def proba(X: np.ndarray) -> np.ndarray:
        p = treelite.gtil.predict(tm, X)
        p = p.reshape(p.shape[0], -1)
        if p.shape[1] == 1:  # binary boosting: P(class 1) only
            p = np.hstack([1.0 - p, p])
        return p

    return Runner(_as_float64, proba, time.perf_counter() - t0)


BUILDERS: dict[str, Callable[[Case, str], Runner]] = {
    SKLEARN: build_sklearn, SKSEAL: build_skseal, ONNX: build_onnx, TREELITE: build_treelite,
}


def setup_engines(case: Case, engines: Sequence[str], tmpdir: str) -> None:
    """Build every engine for ``case`` and measure exactness on its test batch.

    The reference (scikit-learn) must work; another engine that raises is recorded
    in ``case.errors`` and left out of the timings.
    """
    case.ref = case.model.predict_proba(case.X_test)
    ref_label = case.ref.argmax(axis=1)
    top2 = np.sort(case.ref, axis=1)[:, -2:]
    ref_tie = top2[:, 0] == top2[:, 1]
    for eng in engines:
        try:
            runner = BUILDERS[eng](case, tmpdir)
        except NotApplicable as e:
            case.skipped[eng] = str(e)
            continue
        except Exception as e:  # recorded in the report
            # A model skseal.native has no implementation for is refused, by design.
            what = "refused" if isinstance(e, UnsupportedModelError) else "setup failed"
            case.errors[eng] = f"{what}: {error_text(e)}"
            print(f"  {case.key} {eng}: {what}: {error_text(e, 150)}", flush=True)
            continue
        try:
            got = runner.proba(runner.prepare(case.X_test))
            runner.proba(runner.prepare(case.row))
        except Exception as e:  # recorded in the report
            case.errors[eng] = f"predict_proba failed: {error_text(e)}"
            print(f"  {case.key} {eng}: predict_proba failed: {error_text(e, 150)}", flush=True)
            continue
        got = np.asarray(got)
        if got.shape != case.ref.shape:
            case.errors[eng] = f"wrong output: predict_proba returned shape {got.shape}, " \
                               f"expected {case.ref.shape}"
            continue
        diff = np.abs(got.astype(np.float64) - case.ref)
        flipped = got.argmax(axis=1) != ref_label
        case.exact[eng] = Exact(
            dtype=str(got.dtype),
            max_abs=float(np.nanmax(diff)) if not np.isnan(diff).all() else float("nan"),
            flips=int(flipped.sum()),
            tie_flips=int((flipped & ref_tie).sum()),
            bitwise=got.dtype == np.float64 and np.array_equal(got, case.ref),
        )
        case.runners[eng] = runner
        if eng == SKSEAL:
            case.api = skseal_api_checks(case, runner.native)


def skseal_api_checks(case: Case, native: Any) -> list[tuple[str, str]]:
    """predict, decision_function and classes_ of skseal.native against scikit-learn."""
    checks: list[tuple[str, str]] = []
    X, model = case.X_test, case.model

    def compare(what: str, fn: Callable[[], Any], ref: np.ndarray) -> None:
        try:
            got = np.asarray(fn())
        except Exception as e:  # recorded in the report
            checks.append((what, f"error: {code(error_text(e, 200))}"))
            return
        if got.shape == ref.shape and got.dtype == ref.dtype and np.array_equal(got, ref):
            checks.append((what, "equal (dtype, shape, values)"))
            return
        detail = f"dtype {got.dtype} vs {ref.dtype}, shape {got.shape} vs {ref.shape}"
        if got.shape == ref.shape and got.dtype.kind in "fiu" and ref.dtype.kind in "fiu":
            detail += f", max abs diff {np.abs(got.astype(float) - ref).max():.3g}"
        elif got.shape == ref.shape:
            detail += f", {int((got != ref).sum())} values differ"
        checks.append((what, f"**differs**: {detail}"))

    compare("classes_", lambda: native.classes_, np.asarray(model.classes_))
    compare("predict", lambda: native.predict(X), model.predict(X))
    if hasattr(model, "decision_function"):
        compare("decision_function", lambda: native.decision_function(X),
                model.decision_function(X))
    return checks


# ---------------------------------------------------------------- timing


#: Pause before each engine's turn. After a call, scikit-learn's OpenBLAS threads spin
#: for about 100 ms and ONNX Runtime's intra-op threads for about 50 ms (measured from
#: the threads' CPU times in /proc/self/task on the 2-core machine), and on 2 cores a
#: spinning thread takes a core from the next engine's call, so without the pause an
#: engine's time depends on which engine ran before it.
SETTLE_S = 0.15
#: A batch block stops after this many seconds once it has two calls (the second
#: follows the engine's own call).
BLOCK_S = 2.0


def settle() -> None:
    """Let the previous engine's idle threads stop spinning, then collect garbage."""
    time.sleep(SETTLE_S)
    gc.collect()


def one_row_ns(fns: dict[str, Callable[[Any], Any]], inputs: dict[str, Any], calls: int,
               rounds: int) -> dict[str, list[int]]:
    """Per-call nanoseconds of each engine's ``fns[e](inputs[e])``: ``calls`` calls in
    ``rounds`` rounds, engines taking turns in a rotated order each round (so drift
    on a shared machine falls on all of them), after an untimed warm-up."""
    engines = list(fns)
    per_round = max(1, calls // rounds)
    clock = time.perf_counter_ns
    for e in engines:  # warm-up, untimed
        fn, x = fns[e], inputs[e]
        for _ in range(min(20, per_round)):
            fn(x)
    out: dict[str, list[int]] = {e: [] for e in engines}
    for r in range(rounds):
        for e in rotated(engines, r):
            fn, x, lat = fns[e], inputs[e], out[e]
            settle()
            for _ in range(per_round):
                t0 = clock()
                fn(x)
                lat.append(clock() - t0)
    return out


def time_one_row(case: Case, cfg: Config) -> None:
    case.latency_ns = one_row_ns({e: r.proba for e, r in case.runners.items()},
                                 {e: r.prepare(case.row) for e, r in case.runners.items()},
                                 cfg.calls, cfg.call_rounds)
    # what turning the one-row test input into each engine's input costs
    # (outside the timed calls above; reported beside them)
    case.row_prep_ns = one_row_ns({e: r.prepare for e, r in case.runners.items()},
                                  {e: case.row for e in case.runners},
                                  max(cfg.calls // 5, 20), cfg.call_rounds)


def time_batch(case: Case, cfg: Config) -> None:
    engines = list(case.runners)
    case.batch_s = {e: [] for e in engines}
    case.prep_s = {e: [] for e in engines}
    clock = time.perf_counter
    # Each engine's turn is a block of back-to-back calls after a settling pause (see
    # SETTLE_S), as a service calling one engine sees it.
    for r in range(cfg.batch_reps):
        for e in rotated(engines, r):
            runner = case.runners[e]
            settle()
            start = clock()
            for b in range(cfg.batch_block):
                if b >= 2 and clock() - start > BLOCK_S:
                    break  # a slow engine's block: two calls are enough
                if b:
                    gc.collect()
                t0 = clock()
                x = runner.prepare(case.X_test)
                t1 = clock()
                runner.proba(x)
                t2 = clock()
                case.prep_s[e].append(t1 - t0)
                case.batch_s[e].append(t2 - t1)
                del x


# ---------------------------------------------------------------- machine


def _ver(name: str) -> str:
    try:
        return im.version(name)
    except im.PackageNotFoundError:
        return "not installed"


def _loadavg() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _skseal_build() -> str:
    try:
        from skseal import _native

        data = Path(_native.__file__ or "").read_bytes()
    except (ImportError, OSError) as e:
        return f"unknown ({type(e).__name__})"
    # Rust's UB-check helpers exist only when debug assertions are on (dev profile).
    if b"precondition_check" in data:
        return "DEBUG (debug assertions on; numbers are not representative)"
    return "release (no debug-assertion code)"


def machine_info() -> list[tuple[str, str]]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")),
                       cpu)
    except OSError:
        pass
    ncpu = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = ncpu
    head = _git("rev-parse", "--short", "HEAD") or "?"
    dirty = _git("status", "--porcelain", "--", "crates", "python", "bench", "Cargo.toml",
                 "Cargo.lock")
    blas = ", ".join(f"{k}={os.environ[k]}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                      "OMP_NUM_THREADS") if k in os.environ)
    return [
        ("CPU", cpu),
        ("cores", f"{ncpu} logical ({usable} usable by this process)"),
        ("OS", platform.platform()),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("numpy", np.__version__),
        ("scikit-learn", _ver("scikit-learn")),
        ("pandas", pd.__version__),
        ("onnxruntime", _ver("onnxruntime")),
        ("onnx / skl2onnx", f"{_ver('onnx')} / {_ver('skl2onnx')}"),
        ("treelite", _ver("treelite")),
        ("skseal", f"{skseal.__version__}; git {head}"
                   + (" + uncommitted changes in crates/, python/ or bench/" if dirty
                      else " (clean)")),
        ("skseal build", _skseal_build()),
        ("thread settings in the environment", blas or "none"),
        ("date", dt.datetime.now(tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("load average (1/5/15 min) at the start", _loadavg()),
    ]


def command_line() -> str:
    exe = Path(sys.executable)
    try:
        exe = exe.relative_to(REPO)
    except ValueError:
        pass
    script = Path(sys.argv[0])
    if script.is_absolute():
        try:
            script = script.relative_to(REPO)
        except ValueError:
            pass
    return shlex.join([str(exe), str(script), *sys.argv[1:]])


# ---------------------------------------------------------------- targets


@dataclass
class Target:
    text: str
    measured: str
    verdict: str  # "met", "MISSED" or "not measured"


def _why_missing(case: Case, eng: str, reason: bool = False) -> str:
    """Why ``eng`` has no output on ``case``; with ``reason``, the error text too."""
    if eng in case.errors:
        err = case.errors[eng]
        verb = "refused" if err.startswith("refused") else "failed on"
        if len(err) > 200:
            err = err[:200] + " ..."
        return f"{ENGINE_NAMES[eng]} {verb} this model" + (f": {code(err)}" if reason else "")
    if eng in case.skipped:
        return f"{ENGINE_NAMES[eng]} does not apply" + (f": {case.skipped[eng]}" if reason
                                                        else "")
    return f"{ENGINE_NAMES[eng]} not run (--engines)"


def _ratio_target(text: str, case: Case, num: str, den: str, xs: Callable[[Case, str], float],
                  goal: float, unit: Callable[[float], str], strict: bool = False,
                  reason: bool = False) -> Target:
    """Met when xs(num) / xs(den) >= goal (> goal if ``strict``); "not measured", with
    why, when either engine has no timings."""
    if num not in case.runners or den not in case.runners:
        why = "; ".join(_why_missing(case, e, reason) for e in (num, den)
                        if e not in case.runners)
        return Target(text, f"not measurable: {why}" if reason else why, "not measured")
    r = xs(case, num) / xs(case, den)
    ok = r > goal if strict else r >= goal
    return Target(text, f"{fmt_x(r)} ({ENGINE_NAMES[num]} {unit(xs(case, num))} / "
                  f"{ENGINE_NAMES[den]} {unit(xs(case, den))})", "met" if ok else "MISSED")


def _onnx_agreement(case: Case) -> str:
    """A note when ONNX Runtime's probabilities give other labels than scikit-learn's."""
    x = case.exact.get(ONNX)
    if x is None or not x.flips:
        return ""
    return (f"; note: ONNX Runtime's labels differ from scikit-learn's on "
            f"{x.flips_text(case.n_rows)} rows (max |Δ| {x.max_abs:.2g})")


def _lat(case: Case, eng: str) -> float:
    return median(case.latency_ns[eng])


def _bat(case: Case, eng: str) -> float:
    return median(case.batch_s[eng])


def check_targets(cases: list[Case], adv: list[Case]) -> list[Target]:
    by = {c.key: c for c in cases}
    rf = by["rf"]
    targets = [
        _ratio_target("RF one-row latency: skseal.native at least 300x below scikit-learn's",
                      rf, SKLEARN, SKSEAL, _lat, 300.0, lambda ns: f"{fmt_us(ns)} µs"),
        _ratio_target("RF one-row latency: skseal.native at least 2x below ONNX Runtime's",
                      rf, ONNX, SKSEAL, _lat, 2.0, lambda ns: f"{fmt_us(ns)} µs"),
    ]
    for c in cases:
        targets.append(_ratio_target(
            f"{c.title}: {c.n_rows:,}-row batch at least 1.5x faster than scikit-learn",
            c, SKLEARN, SKSEAL, _bat, 1.5, lambda s: f"{s * 1e3:,.1f} ms"))
    # Issue 15: skseal.native ahead of ONNX Runtime on every model, one row and batch.
    for c in cases:
        for kind, xs, unit in (
                ("one-row latency", _lat, lambda ns: f"{fmt_us(ns)} µs"),
                (f"{c.n_rows:,}-row batch", _bat, lambda s: f"{s * 1e3:,.1f} ms")):
            tg = _ratio_target(f"{c.title}, {kind}: skseal.native faster than ONNX Runtime",
                               c, ONNX, SKSEAL, xs, 1.0, unit, strict=True, reason=True)
            if tg.verdict != "not measured":
                tg.measured += _onnx_agreement(c)
            targets.append(tg)
    text = ("Exactness: skseal.native bitwise equal to scikit-learn (and no flipped label) on "
            "every data set where ONNX Runtime disagrees")
    disagree = [c for c in cases + adv if ONNX in c.exact and not c.exact[ONNX].bitwise]
    if not disagree:
        targets.append(Target(text, "ONNX Runtime disagreed nowhere (or did not run)",
                              "not measured"))
        return targets
    parts, equal, missing = [], 0, 0
    for c in disagree:
        o, ss = c.exact[ONNX], c.exact.get(SKSEAL)
        onnx = f"ONNX {o.flips} flips, max |Δ| {o.max_abs:.2g}"
        if ss is None:
            missing += 1
            parts.append(f"{c.title}: {onnx}; skseal: no output ({_why_missing(c, SKSEAL)})")
        elif ss.bitwise and ss.flips == 0:
            equal += 1
            parts.append(f"{c.title}: {onnx}; skseal bitwise equal")
        else:
            parts.append(f"{c.title}: {onnx}; skseal NOT equal ({ss.flips} flips, "
                         f"max |Δ| {ss.max_abs:.2g})")
    flips = sum(c.exact[ONNX].flips for c in disagree)
    n = len(disagree)
    verdict = ("MISSED" if equal + missing < n else "not measured" if missing else "met")
    targets.append(Target(text, f"ONNX Runtime disagrees on {n} data sets ({flips} flipped "
                                f"labels in all); skseal.native bitwise equal on {equal} of "
                                f"them, no output on {missing}: " + "; ".join(parts), verdict))
    return targets


# ---------------------------------------------------------------- report


def _engine_order(cases: Sequence[Case]) -> list[str]:
    seen = {e for c in cases for e in c.runners}
    return [e for e in ENGINE_KEYS if e in seen]


def latency_table(cases: Sequence[Case]) -> str:
    rows = []
    for c in cases:
        sk = _lat(c, SKLEARN)
        ss = _lat(c, SKSEAL) if SKSEAL in c.latency_ns else None
        for e in c.latency_ns:
            xs = c.latency_ns[e]
            q = statistics.quantiles(xs, n=20)
            m = median(xs)
            prep = c.row_prep_ns.get(e)
            rows.append([c.title, ENGINE_NAMES[e], fmt_us(m), fmt_us(min(xs)), fmt_us(q[1]),
                         fmt_us(q[18]), fmt_us(median(prep)) if prep else "-",
                         fmt_x(sk / m), fmt_x(m / ss) if ss else "-"])
    return md_table(["model", "engine", "median µs", "min µs", "p10 µs", "p95 µs",
                     "input preparation µs (untimed)", "speed-up vs scikit-learn",
                     "time vs skseal.native"], rows, "llrrrrrrr")


def batch_table(cases: Sequence[Case]) -> str:
    rows = []
    for c in cases:
        sk = _bat(c, SKLEARN)
        ss = _bat(c, SKSEAL) if SKSEAL in c.batch_s else None
        for e in c.batch_s:
            m = _bat(c, e)
            rows.append([c.title, ENGINE_NAMES[e], f"{m * 1e3:,.2f}",
                         f"{min(c.batch_s[e]) * 1e3:,.2f}", f"{median(c.prep_s[e]) * 1e3:,.2f}",
                         fmt_x(sk / m), fmt_x(m / ss) if ss else "-"])
    return md_table(["model", "engine", "median ms", "min ms", "input preparation ms (untimed)",
                     "speed-up vs scikit-learn", "time vs skseal.native"], rows, "llrrrrr")


def exact_table(cases: Sequence[Case], engines: Sequence[str], with_setup: bool = True) -> str:
    rows = []
    for c in cases:
        for e in engines:
            if e in c.exact:
                x = c.exact[e]
                setup = f"{c.runners[e].setup_s:.2f}" if e != SKLEARN else "-"
                row = [c.title, ENGINE_NAMES[e], x.dtype, f"{x.max_abs:.3g}",
                       x.flips_text(c.n_rows), "yes" if x.bitwise else "no"]
            else:
                why = (f"{c.errors[e].split(':', 1)[0]} (see errors)" if e in c.errors
                       else f"n/a: {c.skipped[e]}" if e in c.skipped else "not run")
                setup = "-"
                row = [c.title, ENGINE_NAMES[e], why, "-", "-", "-"]
            rows.append(row + [setup] if with_setup else row)
    header = ["model", "engine", "output dtype", "max abs diff", "labels differing",
              "bitwise equal"]
    return md_table(header + ["setup s"] if with_setup else header, rows,
                    "lllrrl" + ("r" if with_setup else ""))


def render(cfg: Config, machine: list[tuple[str, str]], cases: list[Case], adv: list[Case],
           targets: list[Target]) -> str:
    engines = list(cfg.engines)
    not_run = [ENGINE_NAMES[e] for e in ENGINE_KEYS if e not in cfg.engines]
    per_round = max(1, cfg.calls // cfg.call_rounds)
    n_calls = per_round * cfg.call_rounds
    adv_desc = ", ".join(f"[{b:,}, {b + ADV_WIDTH - 1:,}]" for b in ADV_BASES)
    out = [
        "## Native inference: skseal.native against scikit-learn, ONNX Runtime and treelite",
        "",
        f"Generated by `{command_line()}`."
        + (" **Quick smoke run: numbers are not representative.**" if cfg.quick else ""),
        *([""] + [f"**Not run** (`--engines`): {', '.join(not_run)}."] if not_run else []),
        "",
        "### Machine",
        "",
        md_table(["", ""], [[k, v] for k, v in machine], "ll"),
        "",
        "### How it was measured",
        "",
        "- One process runs everything. Timings are **interleaved**: every round runs every "
        "engine once, in an order rotated by one place per round, so machine noise falls on "
        "all engines alike. Tables show **medians**.",
        f"- One-row latency: {n_calls:,} `predict_proba` calls per engine and model "
        f"({cfg.call_rounds} rounds of {per_round}, after 20 untimed warm-up calls), each "
        "timed alone with `time.perf_counter_ns`, on the same single row (the first test "
        "row), prepared before the timer in the type the engine wants: a 1 x n float64 array "
        "(scikit-learn, skseal.native, treelite), a float32 array (ONNX Runtime), a 1-row "
        "DataFrame (scikit-learn and skseal.native on the column pipeline), one (1, 1) array "
        "per column (ONNX Runtime on the column pipeline: float32 for numbers, object for "
        "strings); for the text pipeline a 1-element object array holding one str "
        "(scikit-learn, skseal.native) or a (1, 1) object array (ONNX Runtime). What "
        "building that input from the test row costs (a numpy row or a 1-row DataFrame, "
        "the median of separate interleaved calls) is shown apart, untimed: the column "
        "pipeline's DataFrame is read inside skseal.native's call, while ONNX Runtime's "
        "per-column feed is built before its timer.",
        f"- Batch: {cfg.batch_reps} interleaved rounds; in each, every engine makes "
        f"{cfg.batch_block} `predict_proba` calls back to back on the {cfg.batch_rows:,}-row "
        "test batch, each timed with `time.perf_counter` (up to "
        f"{cfg.batch_reps * cfg.batch_block} calls per engine; a block stops after "
        f"{BLOCK_S:g} s once it has two calls). The input is converted to the "
        "engine's type before the timer (that time is shown apart).",
        f"- Each engine's turn (a block of one-row or batch calls) starts after a "
        f"{SETTLE_S * 1e3:.0f} ms pause. After a call, scikit-learn's OpenBLAS threads spin "
        "for about 100 ms and ONNX Runtime's intra-op threads for about 50 ms (the threads' "
        "CPU times in /proc), and on 2 cores a spinning thread takes a core from the next "
        "engine's call; the pause lets them stop, so no engine pays for the one before it. "
        "Within a block, an engine's calls follow its own, as in a service.",
        "- `gc.collect()` runs before each engine's turn and between batch calls, outside "
        "the timer; the garbage "
        "collector stays enabled.",
        "- Threads: every engine at its defaults. scikit-learn's forests predict with "
        "`n_jobs=1` (fit with `n_jobs=-1`), HistGradientBoosting, KNeighbors' brute-force "
        "distances and treelite use OpenMP threads, the matrix products (linear models, "
        "MLP) OpenBLAS's, ONNX Runtime its default intra-op thread pool "
        "(`CPUExecutionProvider`).",
        "- ONNX: `skl2onnx.convert_sklearn` with default options plus `options={id(model): "
        "{\"zipmap\": False}}` (probabilities as a float32 tensor), float32 inputs as "
        "skl2onnx requires; for the column pipeline one input per column, for the text "
        "pipeline one `StringTensorType([None, 1])` input of shape (n, 1) (skl2onnx "
        "tokenizes with `[a-zA-Z0-9_]+` in place of scikit-learn's `(?u)\\b\\w\\w+\\b`: "
        "the same terms on this corpus, ASCII words of 4 letters or more; its "
        "StringNormalizer lowercases under the C++ locale en_US.UTF-8 unless a note below "
        "says otherwise). treelite: "
        "`treelite.sklearn.import_model`, then `treelite.gtil.predict` on float64 input; for a "
        "binary HistGradientBoostingClassifier GTIL returns P(class 1), and the benchmark "
        "stacks 1 - p beside it (inside the timer). skseal.native: `skseal.dump` to a file, "
        "then `skseal.native.load`. \"setup s\" is the time of that conversion or load.",
        "- Exactness compares each engine's `predict_proba` on the test batch with "
        "scikit-learn's: the largest absolute difference, the labels (argmax) that differ, "
        "and `np.array_equal` on float64 arrays (float32 output is never bitwise equal). "
        "\"At ties\" counts the differing labels on rows where scikit-learn's two top "
        "probabilities are equal (say 50 of 100 trees each way): scikit-learn then picks the "
        "first class, and a sum that lands a hair off 0.5 picks the other.",
        "- On a busy 2-core machine the OpenMP thread teams (scikit-learn's "
        "HistGradientBoosting and KNeighbors, treelite) wait for a descheduled thread now and "
        "then: see their p95 and the load averages in the machine table.",
        "",
        "### Models",
        "",
        md_table(["model", "data", "fit s"],
                 [[c.title, c.detail, f"{c.fit_s:.1f}"] for c in cases + adv], "llr"),
        "",
        f"### One-row latency (predict_proba, µs per call, {n_calls:,} calls)",
        "",
        latency_table(cases),
        "",
        f"### {cfg.batch_rows:,}-row batch (predict_proba, median of up to "
        f"{cfg.batch_reps * cfg.batch_block} calls)",
        "",
        batch_table(cases),
        "",
        f"### Exactness on the {cfg.batch_rows:,}-row test batch",
        "",
        exact_table(cases, engines),
        "",
        "### Adversarial data: large integer-valued features",
        "",
        f"Three integer features, each taking every integer of a window of {ADV_WIDTH:,}: "
        f"{adv_desc}. float32 holds only every 2nd integer above 2**24, every 4th above 2**25 "
        "and every 8th above 2**26. The label is a fixed random bit per float32 value of the "
        "first two features, so fully grown trees split between neighbouring values "
        "(thresholds between consecutive integers). Models are fitted on "
        f"{cfg.train_rows:,} rows, compared on {cfg.adv_rows:,} fresh rows from the same "
        "windows. scikit-learn scales in float64 and casts to float32 only at the tree; "
        "ONNX Runtime gets float32 input and scales in float32; treelite compares float64 "
        "input with the thresholds, where scikit-learn first rounds the input to float32.",
        "",
        exact_table(adv, engines, with_setup=False),
        "",
    ]
    api = [(c, name, res) for c in cases + adv for name, res in c.api]
    if api:
        out += ["### skseal.native: other outputs against scikit-learn", "",
                md_table(["model", "output", "result"], [[c.title, n, r] for c, n, r in api],
                         "lll"), ""]
    notes = [(c, e, msg) for c in cases + adv for e, msg in c.notes.items()]
    if notes:
        out += ["### Converter and engine notes", ""]
        out += [f"- {c.title}, {ENGINE_NAMES[e]}: {msg}" for c, e, msg in notes] + [""]
    errors = [(c, e, msg) for c in cases + adv for e, msg in c.errors.items()]
    out += ["### Converter and engine errors", ""]
    if errors:
        out += [f"- {c.title}, {ENGINE_NAMES[e]}: {code(msg)}" for c, e, msg in errors]
    else:
        out.append("None: every engine that was run handled every model it applies to.")
    out += ["", "### Targets", ""]
    for t in targets:
        box = "x" if t.verdict == "met" else " "
        label = "measured" if t.verdict != "not measured" else "why"
        out.append(f"- [{box}] **{t.verdict}**: {t.text} — {label}: {t.measured}")
    out += ["", "Verdicts use the medians above."]
    return "\n".join(out)


def write_section(path: Path, body: str, begin: str = BEGIN, end: str = END) -> None:
    """Put ``body`` between the markers ``begin`` and ``end`` in ``path``; append the
    markers if absent.

    Everything between the markers is replaced, hand-written lines included: a note put
    there by hand about the old figures (say, that they were not re-run after a change)
    goes away with them.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    nb, ne = text.count(begin), text.count(end)
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if nb == 1 and ne == 1 and text.index(begin) < text.index(end):
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1]
        new = head + block + tail
    elif nb == 0 and ne == 0:
        sep = "" if not text else "\n" if text.endswith("\n\n") else \
            "\n\n" if not text.endswith("\n") else "\n"
        new = text + sep + block + "\n"
    else:
        raise SystemExit(f"{path}: expected one {begin} line before one {end} line, found "
                         f"{nb} and {ne}; fix the file by hand")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse_args(argv)
    machine = machine_info()
    if _skseal_build().startswith("DEBUG"):
        print("warning: skseal is a debug build; numbers are not representative",
              file=sys.stderr)
    cases = main_cases(cfg)
    adv = adversarial_cases(cfg)
    with tempfile.TemporaryDirectory(prefix="skseal-native-bench-") as tmpdir:
        for c in cases + adv:
            print(f"[{c.key}] setting up {', '.join(cfg.engines)} ...", flush=True)
            setup_engines(c, cfg.engines, tmpdir)
        for c in cases:
            print(f"[{c.key}] one-row latency, {cfg.calls} calls per engine ...", flush=True)
            time_one_row(c, cfg)
            print(f"[{c.key}] {c.n_rows:,}-row batch, {cfg.batch_reps} rounds of "
                  f"{cfg.batch_block} calls ...", flush=True)
            time_batch(c, cfg)
    machine.append(("load average (1/5/15 min) at the end", _loadavg()))
    targets = check_targets(cases, adv)
    print("\none-row latency\n" + latency_table(cases))
    print("\nbatch\n" + batch_table(cases))
    print("\nexactness\n" + exact_table(cases, cfg.engines))
    print("\nadversarial\n" + exact_table(adv, cfg.engines, with_setup=False) + "\n")
    for c in cases + adv:
        for e, msg in c.notes.items():
            print(f"note: {c.title}, {ENGINE_NAMES[e]}: {msg}")
        for e, msg in c.errors.items():
            print(f"error: {c.title}, {ENGINE_NAMES[e]}: {msg[:300]}")
    for t in targets:
        print(f"{t.verdict:12} {t.text}: {t.measured}")
    write_section(cfg.out, render(cfg, machine, cases, adv, targets))
    print(f"\nwrote the native-inference section of {cfg.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
