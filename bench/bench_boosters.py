"""Benchmark skseal.native on gradient-boosting models; write a section of docs/BENCHMARKS.md.

skseal.native computes LightGBM and XGBoost models (and CatBoost, when it lands) in Rust,
bitwise with the libraries. This script compares it, in one process, with:

- the library's own ``predict_proba`` (at its default threads, and at one thread);
- ONNX Runtime, after onnxmltools (LightGBM, XGBoost) or CatBoost's own
  ``save_model(format="onnx")``, at its default intra-op threads and at one thread;
- treelite's GTIL (``treelite.frontend.from_lightgbm`` / ``from_xgboost``, then
  ``treelite.gtil.predict``) at its default threads and at one thread;
- skseal.native (``skseal.dump(..., trusted=[library])``, ``skseal.native.load``), at its
  default (batches of 1,024 rows on all cores from 2,048 rows up) and on one thread
  (the batch given as calls of 1,000 rows, which stay on the calling thread).

Models (fixed seeds): LGBMClassifier, XGBClassifier and CatBoostClassifier with 500 trees
on make_classification (50 features, 20 informative, 2 classes, 50,000 training rows);
``--regressors`` adds LGBMRegressor and XGBRegressor on make_regression (``predict``).

For each model and engine: one-row latency (the same row every call, each call timed
alone with ``time.perf_counter_ns``, median over many calls) and one call on a 10,000-row
batch (median of reps). Timings are interleaved: every round runs every engine once, in an
order rotated by one each round, so machine noise falls on all engines alike.
Exactness: each engine's output on the batch against the library's (bitwise equal, max
abs diff).

The section is written between ``<!-- boosters:begin -->`` and ``<!-- boosters:end -->``
of the output file (appended if absent; the rest of the file is left as it is).

Usage::

    .venv/bin/python -m maturin develop --release -q -m crates/skseal-py/Cargo.toml
    .venv/bin/python bench/bench_boosters.py                       # full run (~10 minutes)
    .venv/bin/python bench/bench_boosters.py --quick --out /tmp/b.md   # smoke run
"""

from __future__ import annotations

import argparse
import copy
import gc
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_native as bn  # noqa: E402  (the machine description and table helpers)

import skseal  # noqa: E402
import skseal.native  # noqa: E402

REPO = bn.REPO
BEGIN = "<!-- boosters:begin -->"
END = "<!-- boosters:end -->"

LIB, LIB1, ONNX, ONNX1, TL, TL1, NATIVE, NATIVE1 = (
    "lib", "lib1", "onnx", "onnx1", "tl", "tl1", "native", "native1")
ENGINES = (LIB, LIB1, ONNX, ONNX1, TL, TL1, NATIVE, NATIVE1)
ENGINE_NAMES = {
    LIB: "library predict (default threads)",
    LIB1: "library predict (1 thread)",
    ONNX: "ONNX Runtime (default threads)",
    ONNX1: "ONNX Runtime (1 thread)",
    TL: "treelite GTIL (default threads)",
    TL1: "treelite GTIL (1 thread)",
    NATIVE: "skseal.native (default)",
    NATIVE1: "skseal.native (1 thread)",
}
# One-row latency: one thread or many makes no difference to a one-row call except
# for thread-pool start-up costs, so only the default settings are timed there.
ONE_ROW = (LIB, ONNX, TL, NATIVE)
NATIVE1_CHUNK = 1_000  # below skseal.native's 2,048-row threshold: runs on the calling thread


@dataclass(frozen=True)
class Config:
    quick: bool
    out: Path
    models: tuple[str, ...]
    train_rows: int
    batch_rows: int
    n_features: int
    trees: int
    calls: int
    call_rounds: int
    batch_reps: int


MODEL_KEYS = ("lgbm_clf", "xgb_clf", "cb_clf", "lgbm_reg", "xgb_reg")


def parse_args(argv: Sequence[str] | None = None) -> Config:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 5k training rows, 50 trees, 2k-row batch, few calls")
    p.add_argument("--regressors", action="store_true",
                   help="also LGBMRegressor and XGBRegressor (predict)")
    p.add_argument("--models", default="",
                   help=f"comma-separated subset of {', '.join(MODEL_KEYS)}")
    p.add_argument("--out", type=Path, default=REPO / "docs" / "BENCHMARKS.md",
                   help="markdown file whose boosters section is (re)written")
    a = p.parse_args(argv)
    models = [m.strip() for m in a.models.split(",") if m.strip()] or \
        list(MODEL_KEYS if a.regressors else MODEL_KEYS[:3])
    unknown = sorted(set(models) - set(MODEL_KEYS))
    if unknown:
        p.error(f"--models: unknown {', '.join(unknown)}")
    return Config(
        quick=a.quick, out=a.out, models=tuple(models),
        train_rows=5_000 if a.quick else 50_000,
        batch_rows=2_000 if a.quick else 10_000,
        n_features=50,
        trees=50 if a.quick else 500,
        calls=200 if a.quick else 2_000,
        call_rounds=4 if a.quick else 10,
        batch_reps=3 if a.quick else 11,
    )


# ---------------------------------------------------------------- models


@dataclass
class Runner:
    fn: Callable[[np.ndarray], np.ndarray]  # timed: float64 rows -> outputs
    prepare: Callable[[np.ndarray], Any] = lambda X: X  # untimed
    setup_s: float = 0.0


@dataclass
class Case:
    key: str
    title: str
    library: str  # "lightgbm", "xgboost", "catboost"
    model: Any
    classifier: bool
    X_test: np.ndarray
    fit_s: float
    ref: np.ndarray = field(default_factory=lambda: np.empty(0))
    runners: dict[str, Runner] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # engine -> why it did not run
    exact: dict[str, tuple[str, float, bool]] = field(default_factory=dict)
    latency_ns: dict[str, list[int]] = field(default_factory=dict)
    batch_s: dict[str, list[float]] = field(default_factory=dict)

    @property
    def row(self) -> np.ndarray:
        return np.ascontiguousarray(self.X_test[:1])

    def method(self, obj: Any) -> Callable[[Any], np.ndarray]:
        return obj.predict_proba if self.classifier else obj.predict


def make_cases(cfg: Config) -> list[Case]:
    from sklearn.datasets import make_classification, make_regression

    n = cfg.train_rows + cfg.batch_rows
    Xc, yc = make_classification(n_samples=n, n_features=cfg.n_features, n_informative=20,
                                 n_redundant=10, random_state=0)
    Xr, yr = make_regression(n_samples=n, n_features=cfg.n_features, n_informative=20,
                             noise=10.0, random_state=0)
    tr = slice(0, cfg.train_rows)
    te = slice(cfg.train_rows, n)
    cases = []
    for key in cfg.models:
        clf = key.endswith("_clf")
        X, y = (Xc, yc) if clf else (Xr, yr)
        if key.startswith("lgbm"):
            import lightgbm as lgb

            cls = lgb.LGBMClassifier if clf else lgb.LGBMRegressor
            model: Any = cls(n_estimators=cfg.trees, random_state=0, verbose=-1)
            lib = "lightgbm"
        elif key.startswith("xgb"):
            import xgboost as xgb

            cls = xgb.XGBClassifier if clf else xgb.XGBRegressor
            model = cls(n_estimators=cfg.trees, random_state=0, tree_method="hist")
            lib = "xgboost"
        else:
            import catboost as cb

            model = cb.CatBoostClassifier(iterations=cfg.trees, random_seed=0, verbose=0,
                                          allow_writing_files=False)
            lib = "catboost"
        print(f"[{key}] fitting {type(model).__name__} ...", flush=True)
        t0 = time.perf_counter()
        model.fit(X[tr], y[tr])
        fit_s = time.perf_counter() - t0
        cases.append(Case(key, type(model).__name__, lib, model, clf,
                          np.ascontiguousarray(X[te]), fit_s))
    return cases


# ---------------------------------------------------------------- engines


class NotApplicable(Exception):
    """The engine does not take this kind of model."""


def _one_thread(case: Case) -> Any:
    m = copy.deepcopy(case.model)
    m.set_params(n_jobs=1)
    return m


def build_lib(case: Case, tmp: str) -> Runner:
    return Runner(case.method(case.model))


def build_lib1(case: Case, tmp: str) -> Runner:
    if case.library == "catboost":  # a fitted CatBoost model refuses set_params
        fn = case.method(case.model)
        return Runner(lambda x: fn(x, thread_count=1))
    return Runner(case.method(_one_thread(case)))


def _without_zipmap(data: bytes) -> bytes:
    """CatBoost's ONNX classifier ends in a ZipMap (a list of dicts per row): output its
    input, the (N, classes) float32 probability tensor, instead (as zipmap=False does)."""
    import onnx
    from onnx import TensorProto, helper

    m = onnx.load_from_string(data)
    g = m.graph
    zips = [n for n in g.node if n.op_type == "ZipMap"]
    if not zips:
        return data
    for z in zips:
        g.node.remove(z)
        for o in list(g.output):
            if o.name == z.output[0]:
                g.output.remove(o)
                g.output.append(helper.make_tensor_value_info(z.input[0], TensorProto.FLOAT,
                                                              ["N", None]))
    return m.SerializeToString()


def _onnx_bytes(case: Case, tmp: str) -> bytes:
    if case.library == "catboost":
        path = os.path.join(tmp, f"{case.key}.onnx")
        case.model.save_model(path, format="onnx")
        return _without_zipmap(Path(path).read_bytes())
    import onnxmltools
    from onnxmltools.convert.common.data_types import FloatTensorType

    types = [("X", FloatTensorType([None, case.X_test.shape[1]]))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if case.library == "lightgbm":
            onx = onnxmltools.convert_lightgbm(case.model, initial_types=types, zipmap=False)
        else:
            onx = onnxmltools.convert_xgboost(case.model, initial_types=types)
    return onx.SerializeToString()


def _build_onnx(case: Case, tmp: str, threads: int) -> Runner:
    import onnxruntime as ort

    t0 = time.perf_counter()
    so = ort.SessionOptions()
    if threads:
        so.intra_op_num_threads = threads
    sess = ort.InferenceSession(_onnx_bytes(case, tmp), so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    inp = sess.get_inputs()[0].name
    if case.classifier:
        out = [next((n for n in names if "prob" in n), names[-1])]
    else:
        out = [names[0]]

    def run(x: np.ndarray) -> np.ndarray:
        p = sess.run(out, {inp: x})[0]
        return p if case.classifier else p.reshape(-1)

    return Runner(run, lambda X: np.ascontiguousarray(X, dtype=np.float32),
                  time.perf_counter() - t0)


def build_onnx(case: Case, tmp: str) -> Runner:
    return _build_onnx(case, tmp, 0)


def build_onnx1(case: Case, tmp: str) -> Runner:
    return _build_onnx(case, tmp, 1)


def _build_tl(case: Case, tmp: str, nthread: int) -> Runner:
    import treelite

    t0 = time.perf_counter()
    if case.library == "lightgbm":
        tm = treelite.frontend.from_lightgbm(case.model.booster_)
    elif case.library == "xgboost":
        tm = treelite.frontend.from_xgboost(case.model.get_booster())
    else:
        raise NotApplicable("treelite 4 has no CatBoost importer")

    def run(x: np.ndarray) -> np.ndarray:
        p = treelite.gtil.predict(tm, x, nthread=nthread)
        p = p.reshape(p.shape[0], -1)
        if not case.classifier:
            return p.reshape(-1)
        if p.shape[1] == 1:  # binary: P(class 1) only
            p = np.hstack([1.0 - p, p])
        return p

    return Runner(run, lambda X: np.ascontiguousarray(X, dtype=np.float64),
                  time.perf_counter() - t0)


def build_tl(case: Case, tmp: str) -> Runner:
    return _build_tl(case, tmp, -1)


def build_tl1(case: Case, tmp: str) -> Runner:
    return _build_tl(case, tmp, 1)


def _load_native(case: Case, tmp: str) -> tuple[Any, float]:
    path = os.path.join(tmp, f"{case.key}.skseal")
    t0 = time.perf_counter()
    skseal.dump(case.model, path, trusted=[case.library])
    try:
        nm = skseal.native.load(path, trusted=[case.library])
    except Exception as e:  # reported in the table as "refused"
        raise NotApplicable(f"refused: {bn.error_text(e, 60)}") from e
    return nm, time.perf_counter() - t0


def build_native(case: Case, tmp: str) -> Runner:
    nm, s = _load_native(case, tmp)
    return Runner(case.method(nm), setup_s=s)


def build_native1(case: Case, tmp: str) -> Runner:
    nm, s = _load_native(case, tmp)
    fn = case.method(nm)

    def run(x: np.ndarray) -> np.ndarray:
        if len(x) <= NATIVE1_CHUNK:
            return fn(x)
        return np.concatenate([fn(x[i:i + NATIVE1_CHUNK])
                               for i in range(0, len(x), NATIVE1_CHUNK)])

    return Runner(run, setup_s=s)


BUILDERS: dict[str, Callable[[Case, str], Runner]] = {
    LIB: build_lib, LIB1: build_lib1, ONNX: build_onnx, ONNX1: build_onnx1,
    TL: build_tl, TL1: build_tl1, NATIVE: build_native, NATIVE1: build_native1,
}


def setup(case: Case, tmp: str) -> None:
    case.ref = np.asarray(case.method(case.model)(case.X_test))
    for eng in ENGINES:
        try:
            r = BUILDERS[eng](case, tmp)
            got = np.asarray(r.fn(r.prepare(case.X_test)))
            r.fn(r.prepare(case.row))
        except NotApplicable as e:
            case.notes[eng] = str(e)
            continue
        except Exception as e:  # reported in the table
            case.notes[eng] = f"failed: {bn.error_text(e, 200)}"
            print(f"  {case.key} {eng}: {case.notes[eng][:200]}", flush=True)
            continue
        if got.shape != case.ref.shape:
            case.notes[eng] = f"failed: output shape {got.shape}, expected {case.ref.shape}"
            continue
        a, b = got.astype(np.float64), case.ref.astype(np.float64)
        bitwise = got.dtype.itemsize >= case.ref.dtype.itemsize and np.array_equal(a, b)
        case.exact[eng] = (str(got.dtype), float(np.max(np.abs(a - b))), bitwise)
        case.runners[eng] = r


# ---------------------------------------------------------------- timing


def time_one_row(case: Case, cfg: Config) -> None:
    engines = [e for e in ONE_ROW if e in case.runners]
    case.latency_ns = bn.one_row_ns({e: case.runners[e].fn for e in engines},
                                    {e: case.runners[e].prepare(case.row) for e in engines},
                                    cfg.calls, cfg.call_rounds)


def time_batch(case: Case, cfg: Config) -> None:
    engines = list(case.runners)
    inputs = {e: case.runners[e].prepare(case.X_test) for e in engines}
    case.batch_s = {e: [] for e in engines}
    clock = time.perf_counter
    for r in range(cfg.batch_reps):
        for e in bn.rotated(engines, r):
            gc.collect()
            t0 = clock()
            case.runners[e].fn(inputs[e])
            case.batch_s[e].append(clock() - t0)


# ---------------------------------------------------------------- report


def _cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((ln.split(":", 1)[1].split() for ln in f if ln.startswith("flags")), [])
    except OSError:
        return "unknown"
    avx512 = sorted(x for x in flags if x.startswith("avx512"))
    return ("AVX-512: yes (" + ", ".join(avx512) + ")" if avx512 else "AVX-512: no") + \
        ("; AVX2: yes" if "avx2" in flags else "; AVX2: no")


def machine() -> list[tuple[str, str]]:
    rows = [r for r in bn.machine_info()
            if r[0] not in ("pandas", "onnx / skl2onnx", "scikit-learn")]
    i = next((k for k, r in enumerate(rows) if r[0] == "cores"), 0) + 1
    rows[i:i] = [("CPU flags", _cpu_flags())]
    j = next((k for k, r in enumerate(rows) if r[0] == "onnxruntime"), len(rows))
    xgb_ver = bn._ver("xgboost")
    if xgb_ver == "not installed":
        xgb_ver = bn._ver("xgboost-cpu")
    rows[j:j] = [
        ("LightGBM / XGBoost / CatBoost", f"{bn._ver('lightgbm')} / {xgb_ver} / "
         f"{bn._ver('catboost')}"),
        ("onnx / onnxmltools", f"{bn._ver('onnx')} / {bn._ver('onnxmltools')}"),
    ]
    return rows


def _lat(c: Case, e: str) -> float:
    return bn.median(c.latency_ns[e])


def _bat(c: Case, e: str) -> float:
    return bn.median(c.batch_s[e])


def _missing(c: Case, e: str) -> str:
    return c.notes.get(e, "not run")


def latency_table(cases: Sequence[Case]) -> str:
    rows = []
    for c in cases:
        lib = _lat(c, LIB) if LIB in c.latency_ns else None
        nat = _lat(c, NATIVE) if NATIVE in c.latency_ns else None
        for e in ONE_ROW:
            if e not in c.latency_ns:
                rows.append([c.title, ENGINE_NAMES[e], bn.code(_missing(c, e)), "-", "-", "-",
                             "-"])
                continue
            xs = c.latency_ns[e]
            m = bn.median(xs)
            q = statistics.quantiles(xs, n=20)
            rows.append([c.title, ENGINE_NAMES[e], bn.fmt_us(m), bn.fmt_us(q[1]),
                         bn.fmt_us(q[18]), bn.fmt_x(lib / m) if lib else "-",
                         bn.fmt_x(m / nat) if nat else "-"])
    return bn.md_table(["model", "engine", "median µs", "p10 µs", "p95 µs",
                        "speed-up vs library", "time vs skseal.native"], rows, "llrrrrr")


def batch_table(cases: Sequence[Case]) -> str:
    rows = []
    for c in cases:
        lib = _bat(c, LIB) if LIB in c.batch_s else None
        nat = _bat(c, NATIVE) if NATIVE in c.batch_s else None
        for e in ENGINES:
            if e not in c.batch_s:
                rows.append([c.title, ENGINE_NAMES[e], bn.code(_missing(c, e)), "-", "-", "-"])
                continue
            m = _bat(c, e)
            rows.append([c.title, ENGINE_NAMES[e], f"{m * 1e3:,.2f}",
                         f"{min(c.batch_s[e]) * 1e3:,.2f}", bn.fmt_x(lib / m) if lib else "-",
                         bn.fmt_x(m / nat) if nat else "-"])
    return bn.md_table(["model", "engine", "median ms", "min ms", "speed-up vs library",
                        "time vs skseal.native"], rows, "llrrrr")


def exact_table(cases: Sequence[Case]) -> str:
    rows = []
    for c in cases:
        for e in (ONNX, TL, NATIVE):
            if e in c.exact:
                dtype, mx, bw = c.exact[e]
                rows.append([c.title, ENGINE_NAMES[e].split(" (")[0], dtype, f"{mx:.3g}",
                             "yes" if bw else "no", f"{c.runners[e].setup_s:.2f}"])
            else:
                rows.append([c.title, ENGINE_NAMES[e].split(" (")[0],
                             bn.code(_missing(c, e)), "-", "-", "-"])
    return bn.md_table(["model", "engine", "output dtype", "max abs diff vs library",
                        "bitwise equal", "setup s"], rows, "lllrlr")


def verdicts(cases: Sequence[Case]) -> list[str]:
    """Whether the faster of skseal.native's settings beats the fastest other engine and
    setting, per model and measure."""
    out = []
    for c in cases:
        for what, table in (("one row", c.latency_ns), ("batch", c.batch_s)):
            mine = [(bn.median(table[e]), e) for e in (NATIVE, NATIVE1) if e in table]
            if not mine:
                out.append(f"- {c.title}, {what}: skseal.native not measured "
                           f"({_missing(c, NATIVE)[:120]})")
                continue
            me, who_me = min(mine)
            others = [(bn.median(table[e]), e) for e in table if e not in (NATIVE, NATIVE1)]
            best, who = min(others) if others else (float("inf"), "")
            if me < best:
                out.append(f"- [x] {c.title}, {what}: {ENGINE_NAMES[who_me]} ahead of every "
                           f"other engine (next: {ENGINE_NAMES[who]}, {bn.fmt_x(best / me)} "
                           "its time)")
            else:
                out.append(f"- [ ] **MISSED** {c.title}, {what}: {ENGINE_NAMES[who]} takes "
                           f"{bn.fmt_x(best / me)} the time of {ENGINE_NAMES[who_me]}")
    return out


def render(cfg: Config, mach: list[tuple[str, str]], cases: list[Case]) -> str:
    per_round = max(1, cfg.calls // cfg.call_rounds)
    n_calls = per_round * cfg.call_rounds
    out = [
        "## Gradient boosting: skseal.native against LightGBM, XGBoost, CatBoost, "
        "ONNX Runtime and treelite",
        "",
        f"Generated by `{bn.command_line()}` (after `.venv/bin/python -m maturin develop "
        "--release -q -m crates/skseal-py/Cargo.toml`)."
        + (" **Quick smoke run: numbers are not representative.**" if cfg.quick else ""),
        "",
        "### Machine",
        "",
        bn.md_table(["", ""], [[k, v] for k, v in mach], "ll"),
        "",
        "### How it was measured",
        "",
        f"- Data: `make_classification` ({cfg.n_features} features, 20 informative, 10 "
        f"redundant, 2 classes; `make_regression` for regressors), {cfg.train_rows:,} "
        f"training rows, a {cfg.batch_rows:,}-row test batch; {cfg.trees} trees per model "
        "(LightGBM and XGBoost defaults otherwise: 31 leaves, depth 6 `hist`; CatBoost "
        "default depth-6 symmetric trees), fixed seeds.",
        "- One process runs everything; timings are **interleaved** (every round runs every "
        "engine once, in an order rotated by one per round, so machine noise falls on all "
        "engines alike); tables show **medians**. `gc.collect()` runs before each engine's "
        "turn, outside the timer.",
        f"- One-row latency: {n_calls:,} calls per engine and model ({cfg.call_rounds} rounds "
        f"of {per_round}, after 20 warm-up calls), each timed alone with "
        "`time.perf_counter_ns`, on the first test row, prepared before the timer in the "
        "type the engine wants (1 x 50 float64; float32 for ONNX Runtime). The classifiers' "
        "`predict_proba`, the regressors' `predict`.",
        f"- Batch: {cfg.batch_reps} interleaved reps of one call on the whole batch.",
        "- Threads: *default* is each engine as it comes (LightGBM and XGBoost: OpenMP on "
        "all cores; CatBoost `thread_count=-1`; ONNX Runtime its intra-op pool; treelite "
        "`nthread=-1`; skseal.native splits inputs of 2,048 rows or more into 1,024-row "
        "batches run on all cores with rayon). *1 thread*: the library model deep-copied "
        "with `n_jobs=1` (CatBoost: `predict_proba(X, thread_count=1)`), ONNX Runtime "
        "`intra_op_num_threads=1`, treelite `nthread=1`, skseal.native given the batch as "
        f"calls of {NATIVE1_CHUNK:,} rows (below its parallel threshold, so they run on the "
        "calling thread).",
        "- ONNX: `onnxmltools.convert_lightgbm(..., zipmap=False)` / "
        "`onnxmltools.convert_xgboost` (default target opset, float32 input), CatBoost "
        "`save_model(format=\"onnx\")` with its final ZipMap node removed (so it returns "
        "the float32 probability tensor, as `zipmap=False` does for the others). treelite: "
        "`treelite.frontend.from_lightgbm` / "
        "`from_xgboost`, `treelite.gtil.predict` on float64 input; for a binary model GTIL "
        "gives P(class 1) and the benchmark stacks `1 - p` beside it inside the timer. "
        "skseal.native: `skseal.dump(model, path, trusted=[library])`, then "
        "`skseal.native.load(path, trusted=[library])`; \"setup s\" is that dump and load "
        "(or the conversion).",
        "- Exactness: each engine's output on the batch against the library's own, as "
        "float64 (`np.array_equal`; a float32 output against a float64 reference is never "
        "counted bitwise).",
        "",
        "### Models",
        "",
        bn.md_table(["model", "fit s"], [[c.title, f"{c.fit_s:.1f}"] for c in cases], "lr"),
        "",
        f"### One-row latency (µs per call, {n_calls:,} calls)",
        "",
        latency_table(cases),
        "",
        f"### {cfg.batch_rows:,}-row batch (ms per call, median of {cfg.batch_reps} reps)",
        "",
        batch_table(cases),
        "",
        f"### Exactness on the {cfg.batch_rows:,}-row batch",
        "",
        exact_table(cases),
        "",
        "### Is skseal.native ahead?",
        "",
        "The faster of skseal.native's two settings against the fastest other engine and "
        "thread setting, on the medians above:",
        "",
        *verdicts(cases),
        "",
    ]
    return "\n".join(out)


def write_section(path: Path, body: str) -> None:
    """Put ``body`` between this script's markers in ``path`` (appended if absent)."""
    bn.write_section(path, body, BEGIN, END)


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse_args(argv)
    if bn._skseal_build().startswith("DEBUG"):
        print("warning: skseal is a debug build; numbers are not representative",
              file=sys.stderr)
    mach = machine()
    cases = make_cases(cfg)
    with tempfile.TemporaryDirectory(prefix="skseal-boosters-") as tmp:
        for c in cases:
            print(f"[{c.key}] setting up engines ...", flush=True)
            setup(c, tmp)
        for c in cases:
            print(f"[{c.key}] one-row latency ...", flush=True)
            time_one_row(c, cfg)
            print(f"[{c.key}] batch ...", flush=True)
            time_batch(c, cfg)
    mach.append(("load average (1/5/15 min) at the end", bn._loadavg()))
    print("\none-row latency\n" + latency_table(cases))
    print("\nbatch\n" + batch_table(cases))
    print("\nexactness\n" + exact_table(cases))
    print("\n" + "\n".join(verdicts(cases)))
    write_section(cfg.out, render(cfg, mach, cases))
    print(f"\nwrote the boosters section of {cfg.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
