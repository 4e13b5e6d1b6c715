"""Fault injection: single bit flips, truncation, SIGKILL during dump(), and
loads racing an atomic replace.

Every test prints its figures (run with ``pytest -s`` to see them) and asserts.
The byte regions are computed here from docs/FORMAT.md (§2), independently of
the reader: preamble fields, stored header, header padding, each array blob and
the zero padding before blobs.
"""

from __future__ import annotations

import collections
import faulthandler
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import textwrap
import time
import traceback
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
import numpy.typing as npt
import pytest
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skseal

MAGIC = b"\x89SKS\r\n\x1a\n"
PREAMBLE = 56
FLAG_HEADER_ZSTD = 1
FLAG_PACKS = 4
EPOCH = "1700000000"  # 2023-11-14T22:13:20Z
OUTPUT_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")

# skseal._native is a compiled module without type stubs
read_header: Callable[[bytes, int], str] = skseal._native.read_header  # type: ignore[attr-defined]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and rename")


# Seconds before the watchdog aborts a test. The kill test runs 50 to 400
# trials, more only while an outcome is still missing and within its 90 s
# budget; on a loaded 2-core machine each trial can take a second.
WATCHDOG_S = {"test_sigkill_during_dump": 360}


@pytest.fixture(autouse=True)
def watchdog(request: pytest.FixtureRequest) -> Iterator[None]:
    """A hang is a failure: dump every thread's stack and abort after 120 s
    (or the test's entry in WATCHDOG_S)."""
    faulthandler.dump_traceback_later(WATCHDOG_S.get(request.node.originalname, 120), exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


# ------------------------------------------------------------ the sample files


@dataclass
class Sample:
    name: str
    obj: Any
    X: npt.NDArray[np.float64]
    data: bytes
    fingerprint: str
    outputs: list[npt.NDArray[Any]] = field(default_factory=list)


def model_outputs(obj: Any, X: npt.NDArray[np.float64]) -> list[npt.NDArray[Any]]:
    return [np.asarray(getattr(obj, m)(X)) for m in OUTPUT_METHODS if hasattr(obj, m)]


def bitwise_equal(a: list[npt.NDArray[Any]], b: list[npt.NDArray[Any]]) -> bool:
    return len(a) == len(b) and all(
        x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
        for x, y in zip(a, b, strict=True)
    )


def content_fingerprint(obj: Any) -> str:
    """Fingerprint of ``obj`` as skseal would save it: BLAKE3 over the object
    graph and every array's digest (docs/FORMAT.md §8.3), so two objects with
    the same fingerprint have the same graph and bitwise the same arrays."""
    return str(skseal.inspect(skseal.dumps(obj))["fingerprint"])


@pytest.fixture(scope="module")
def samples() -> dict[str, Sample]:
    X, y = make_classification(n_samples=300, n_features=48, n_informative=10, random_state=0)
    pipe = make_pipeline(
        StandardScaler(), PCA(n_components=12, random_state=0), LogisticRegression()
    ).fit(X, y)
    forest = RandomForestClassifier(n_estimators=10, max_depth=6, random_state=0).fit(X, y)
    # a blob compressed on its own (above the 64 KiB pack threshold), a pack,
    # and an empty array
    arrays = {"big": np.sin(np.linspace(0, 40, 20_000)), "small": np.arange(10),
              "empty": np.zeros((0, 3))}
    out: dict[str, Sample] = {}
    for name, obj, compress in (
        ("pipeline-none", pipe, None),
        ("pipeline-zstd", pipe, True),
        ("forest-lz4", forest, "lz4"),
        ("arrays-zstd", arrays, True),
    ):
        with pytest.MonkeyPatch.context() as mp:  # reproducible bytes, same layout every run
            mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
            data = skseal.dumps(obj, compress=compress)
        fp = str(skseal.inspect(data)["fingerprint"])
        out[name] = Sample(name, obj, X[:50], data, fp, model_outputs(obj, X[:50]))
    # the compressed samples really hold compressed blobs: the pipeline's small
    # arrays all in packs, and a large array compressed on its own
    header = parse_layout(out["pipeline-zstd"].data)[1]
    assert {a["codec"] for a in header["arrays"]} == {"zstd"} and header["packs"], header
    assert all("pack" in a for a in header["arrays"])
    header = parse_layout(out["arrays-zstd"].data)[1]
    own = {a["codec"] for a in header["arrays"] if "pack" not in a}
    assert own == {"none", "zstd"} and len(header["packs"]) == 1, header
    assert parse_layout(out["forest-lz4"].data)[1]["packs"][0]["codec"] == "lz4"
    return out


SAMPLE_NAMES = ["pipeline-none", "pipeline-zstd", "forest-lz4", "arrays-zstd"]


# ------------------------------------------------------------------ the layout


@dataclass(frozen=True)
class Region:
    kind: str  # the table row
    label: str  # this region in particular
    start: int
    end: int
    codec: str | None = None  # array blobs only
    chunks: tuple[int, ...] = ()  # stored chunk lengths of a compressed blob


def align(x: int, a: int) -> int:
    return (x + a - 1) // a * a


def parse_layout(data: bytes) -> tuple[list[Region], dict[str, Any]]:
    """Classify every byte of a valid file into regions that tile ``[0, len)``."""
    assert data[:8] == MAGIC
    version, flags, header_len = struct.unpack_from("<IIQ", data, 8)
    assert version == 1 and flags & ~(FLAG_HEADER_ZSTD | FLAG_PACKS) == 0, (version, flags)
    header_end = PREAMBLE + header_len
    if flags & FLAG_HEADER_ZSTD:
        assert data[PREAMBLE:PREAMBLE + 4] == b"\x28\xb5\x2f\xfd"  # zstd frame magic
        text = read_header(data, len(data))
    else:
        text = data[PREAMBLE:header_end].decode("utf-8")
    header: dict[str, Any] = json.loads(text)
    assert bool(flags & FLAG_PACKS) == bool(header.get("packs")), (flags, header.get("packs"))
    data_start = align(header_end, 64)
    regions = [
        Region("magic", "magic", 0, 8),
        Region("version", "version", 8, 12),
        Region("flags", "flags", 12, 16),
        Region("header_len", "header_len", 16, 24),
        Region("header_hash", "header_hash", 24, PREAMBLE),
        Region("header", "stored header", PREAMBLE, header_end),
        Region("header padding", "header padding", header_end, data_start),
    ]
    cursor = 0
    # blobs in file order: packs of small arrays first (one frame each), then
    # the arrays stored on their own (docs/FORMAT.md §4)
    blobs: list[tuple[str, dict[str, Any], tuple[int, ...]]] = [
        (f"pack {p} ({pk['codec']}, {pk['nbytes']} bytes)", pk, (pk["length"],))
        for p, pk in enumerate(header.get("packs", []))
    ]
    for i, a in enumerate(header["arrays"]):
        if "pack" in a:
            continue
        dtype = a["dtype"] if isinstance(a["dtype"], str) else "struct"
        blobs.append((f"blob {i} ({a['codec']}, {dtype}, shape {a['shape']})", a,
                      tuple(a.get("chunks", ()))))
    for label, a, chunks in blobs:
        if a["offset"] > cursor:
            regions.append(Region("blob padding", f"padding before {label}",
                                  data_start + cursor, data_start + a["offset"]))
        start = data_start + a["offset"]
        regions.append(Region(f"blob ({a['codec']})", label, start, start + a["length"],
                              a["codec"], chunks))
        cursor = a["offset"] + a["length"]
    assert data_start + cursor == len(data), "the file ends exactly at its last blob"
    regions = [r for r in regions if r.end > r.start]
    pos = 0
    for r in regions:  # the regions tile the file
        assert r.start == pos, (r, pos)
        pos = r.end
    assert pos == len(data)
    return regions, header


# Which error the spec (docs/FORMAT.md §9) prescribes for a flip in each region.
EXPECTED_FLIP_ERRORS: dict[str, tuple[type[skseal.SkSealError], ...]] = {
    "magic": (skseal.FormatError,),  # step 1 (or the pickle fallback refusing it)
    "version": (skseal.FormatError,),  # step 3
    "flags": (skseal.FormatError,),  # step 4 (bit 0: the zstd frame is not JSON)
    # step 5 / 6 (too long, truncated) or step 7 (hash over other bytes)
    "header_len": (skseal.FormatError, skseal.IntegrityError),
    "header_hash": (skseal.IntegrityError,),  # step 7
    "header": (skseal.IntegrityError,),  # step 7
    "header padding": (skseal.IntegrityError,),  # step 15
    "blob padding": (skseal.IntegrityError,),  # step 15
    "blob (none)": (skseal.IntegrityError,),  # step 16
    "blob (lz4)": (skseal.IntegrityError,),  # step 16 (decode error or digest)
    "blob (zstd)": (skseal.IntegrityError,),  # step 16
}


# ------------------------------------------------------------------- bit flips


def lz4_field(region: Region, data: bytes, offset: int) -> str:
    """Which field of an LZ4 block (docs/FORMAT.md §4.1) holds byte ``offset``."""
    start = region.start
    for length in region.chunks:
        if offset < start + length:
            break
        start += length
    block, pos = data[start:start + length], offset - start
    i = 0
    while i < len(block):
        token = i
        i += 1
        literals = block[token] >> 4
        if literals == 15:
            while True:
                i += 1
                literals += block[i - 1]
                if block[i - 1] != 255:
                    break
        if pos < i:
            last = i + literals >= len(block)
            return "last token" if pos == token and last else "token or length"
        i += literals
        if pos < i:
            return "literal"
        if pos < i + 2:
            return "match offset"
        i += 2
        if block[token] & 15 == 15:
            while block[i] == 255:
                i += 1
            i += 1
        if pos < i:
            return "match length"
    raise AssertionError(f"offset {offset} is not in an LZ4 block of {region.label}")


def justify_harmless(region: Region, data: bytes, offset: int, bit: int) -> str | None:
    """Why a flip that loaded to the same content can be harmless, or None.

    The reader checks BLAKE3 of the *decoded* bytes of a compressed array, so
    a flip that changes only the encoding, not the decoded bytes, is not an
    error. For LZ4 the two such places are a match offset that points at
    identical bytes, and the low nibble of the last token (the match length
    of the final, literals-only sequence, which decoders ignore)."""
    if region.codec == "zstd":
        return "zstd frame (decoded bytes verified by digest)"
    if region.codec == "lz4":
        where = lz4_field(region, data, offset)
        if where == "match offset" or (where == "last token" and bit < 4):
            return f"lz4 {where}"
    return None



@dataclass
class FlipStats:
    regions: int = 0
    nbytes: int = 0
    tried: int = 0
    detected: int = 0
    harmless: int = 0
    errors: collections.Counter[str] = field(default_factory=collections.Counter)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_bit_flips(samples: dict[str, Sample], name: str) -> None:
    s = samples[name]
    regions, header = parse_layout(s.data)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    stats: dict[str, FlipStats] = {}
    harmless: list[str] = []
    failures: list[str] = []
    reasons: collections.Counter[str] = collections.Counter()
    slowest = 0.0
    t0 = time.perf_counter()
    for r in regions:
        st = stats.setdefault(r.kind, FlipStats())
        st.regions += 1
        st.nbytes += r.end - r.start
        nbits = (r.end - r.start) * 8
        picks = rng.choice(nbits, size=min(200, nbits), replace=False)
        for p in sorted(int(x) for x in picks):
            off, bit = r.start + p // 8, p % 8
            flipped = bytearray(s.data)
            flipped[off] ^= 1 << bit
            where = f"{name}: {r.label}, offset {off} (+{off - r.start}), bit {bit}"
            st.tried += 1
            t = time.perf_counter()
            try:
                loaded = skseal.loads(flipped)
            except skseal.SkSealError as e:
                st.detected += 1
                st.errors[type(e).__name__] += 1
                if not isinstance(e, EXPECTED_FLIP_ERRORS[r.kind]):
                    failures.append(f"{where}: {type(e).__name__} ({e}), expected one of "
                                    f"{[c.__name__ for c in EXPECTED_FLIP_ERRORS[r.kind]]}")
                continue
            except Exception:
                failures.append(f"{where}: not a SkSealError:\n{traceback.format_exc()}")
                continue
            finally:
                slowest = max(slowest, time.perf_counter() - t)
            # It loaded. Harmless only if the content is provably unchanged.
            same_outputs = bitwise_equal(model_outputs(loaded, s.X), s.outputs)
            same_content = content_fingerprint(loaded) == s.fingerprint
            if not (same_outputs and same_content):
                failures.append(f"{where}: SILENT CORRUPTION (loaded; outputs equal: "
                                f"{same_outputs}, content fingerprint equal: {same_content})")
            elif (why := justify_harmless(r, s.data, off, bit)) is None:
                failures.append(f"{where}: undetected flip in a place where it cannot be "
                                "harmless")
            else:
                st.harmless += 1
                harmless.append(f"{where}: {why}")
                reasons[f"{r.kind}: {why}"] += 1
    elapsed = time.perf_counter() - t0

    total = FlipStats()
    print(f"\nbit flips, {name}: {len(s.data)} bytes, {len(header['arrays'])} arrays, "
          f"{len(regions)} regions, {elapsed:.1f} s, slowest load {slowest * 1e3:.1f} ms")
    print(f"  {'region':<15} {'regions':>7} {'bytes':>6} {'flips':>6} {'detected':>8} "
          f"{'harmless':>8}  errors")
    for kind, st in stats.items():
        errs = ", ".join(f"{k}={v}" for k, v in sorted(st.errors.items()))
        print(f"  {kind:<15} {st.regions:>7} {st.nbytes:>6} {st.tried:>6} {st.detected:>8} "
              f"{st.harmless:>8}  {errs}")
        total.tried += st.tried
        total.detected += st.detected
        total.harmless += st.harmless
    print(f"  {'total':<15} {len(regions):>7} {len(s.data):>6} {total.tried:>6} "
          f"{total.detected:>8} {total.harmless:>8}")
    if harmless:
        print("  harmless flips: they loaded, the reloaded object has the original content "
              "fingerprint\n  and bitwise-equal outputs, and the flipped bit is one that "
              "does not change the decoded bytes:")
        for reason, n in sorted(reasons.items()):
            print(f"    {reason}: {n}")
        for h in harmless:
            print(f"    {h}")
    for f in failures:
        print(f"  FAILURE {f}")
    assert not failures, f"{len(failures)} bad outcome(s), first: {failures[0]}"
    assert total.tried == total.detected + total.harmless
    assert total.harmless <= total.tried // 20, "harmless flips should be rare"


# ------------------------------------------------------------------ truncation


def truncation_points(regions: list[Region], size: int, rng: np.random.Generator) -> list[int]:
    points = {0, 1, 7, 8, 55, 56, size - 1}
    for r in regions:
        points |= {r.start, r.start + 1, (r.start + r.end) // 2, r.end - 1}
        points |= {int(x) for x in rng.integers(r.start, r.end, size=min(10, r.end - r.start))}
    return sorted(p for p in points if 0 <= p < size)


def expected_truncation(n: int, header_end: int) -> str:
    """Why docs/FORMAT.md §9 says a file cut to ``n`` bytes is a FormatError."""
    if n == 0:
        return "empty input (Python API)"
    if n < 8:
        return "step 1: fewer than 8 bytes cannot hold the magic"
    if n < PREAMBLE:
        return "step 2: shorter than the 56-byte preamble (truncated)"
    if n < header_end:
        return "step 6: shorter than 56 + header_len (truncated)"
    return "step 13: shorter than data_start + end of the last blob (truncated)"


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_truncation(samples: dict[str, Sample], name: str, tmp_path: Path) -> None:
    s = samples[name]
    regions, _ = parse_layout(s.data)
    header_end = PREAMBLE + struct.unpack_from("<Q", s.data, 16)[0]
    points = truncation_points(regions, len(s.data), np.random.default_rng(zlib.crc32(b"t")))
    outcomes: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    path = tmp_path / "cut.skseal"

    def from_path(b: bytes) -> Any:
        path.write_bytes(b)
        return skseal.load(path)

    def from_mmap(b: bytes) -> Any:
        path.write_bytes(b)
        return skseal.load(path, mmap_mode="r")

    loaders: list[tuple[str, Callable[[bytes], Any]]] = [
        ("loads", skseal.loads),
        ("load(path)", from_path),
        ("load(path, mmap_mode='r')", from_mmap),
    ]
    for n in points:
        why = expected_truncation(n, header_end)
        for how, loader in loaders:
            try:
                loader(s.data[:n])
            except (skseal.FormatError, skseal.IntegrityError) as e:
                outcomes[f"{how}: {type(e).__name__}"] += 1
                if not isinstance(e, skseal.FormatError):
                    failures.append(f"{how} of {n} bytes: {type(e).__name__} ({e}); "
                                    f"expected FormatError, {why}")
                elif n >= 8 and "truncated" not in str(e):
                    failures.append(f"{how} of {n} bytes: message does not say truncated "
                                    f"({e}); {why}")
            except Exception:
                failures.append(f"{how} of {n} of {len(s.data)} bytes ({why}): "
                                f"{traceback.format_exc()}")
            else:
                failures.append(f"{how} of {n} of {len(s.data)} bytes loaded ({why})")
    print(f"\ntruncation, {name}: {len(points)} lengths of {len(s.data)} bytes "
          f"(0..{points[-1]}), 3 loaders each")
    for k, v in sorted(outcomes.items()):
        print(f"  {k:<40} {v}")
    for f in failures:
        print(f"  FAILURE {f}")
    assert not failures, f"{len(failures)} bad outcome(s), first: {failures[0]}"
    assert sum(outcomes.values()) == 3 * len(points)


# ------------------------------------------- writer processes (kill, replace)

# The two payloads, built the same way by the writers and by the test.
PAYLOAD_SRC = """
def payload(which, n):
    return np.arange(n, dtype=np.float64) * (1.0 if which == 0 else -1.0) + 0.5 * which
"""


def payload(which: int, n: int) -> npt.NDArray[np.float64]:
    return np.arange(n, dtype=np.float64) * (1.0 if which == 0 else -1.0) + 0.5 * which


def which_payload(obj: Any, n: int, candidates: list[npt.NDArray[np.float64]]) -> int:
    """Index of the candidate ``obj`` equals exactly, or raise AssertionError."""
    assert isinstance(obj, np.ndarray), type(obj)
    assert obj.dtype == np.float64 and obj.shape == (n,), (obj.dtype, obj.shape)
    for i, c in enumerate(candidates):
        if obj[0] == c[0] and np.array_equal(obj, c):
            return i
    raise AssertionError(f"loaded array is neither payload (starts {obj[:4]})")


REPLACE_WRITER = PAYLOAD_SRC + """
import sys, time
import numpy as np
import skseal
path, first, n, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
objs = [payload(0, n), payload(1, n)]
print("ready", flush=True)
start = time.monotonic()
i = 0
# at least `seconds` and at least 20 replacements (a busy machine dumps slower),
# never more than 10x `seconds`
while (time.monotonic() - start < seconds or i < 20) and time.monotonic() - start < 10 * seconds:
    # alternate the object on every dump and the codec on every other one
    skseal.dump(objs[(first + i) % 2], path, compress=None if (i // 2) % 2 == 0 else "lz4")
    i += 1
print("dumps", i, flush=True)
"""


def read_rest(stream: IO[str] | None) -> str:
    assert stream is not None
    return stream.read()


def temp_files(directory: Path, name: str) -> list[str]:
    pattern = re.compile(rf"\.{re.escape(name)}\.\d+\.\d+\.tmp")
    entries = sorted(os.listdir(directory))
    others = [e for e in entries if e != name and not pattern.fullmatch(e)]
    assert not others, f"unexpected files next to {name}: {others}"
    return [e for e in entries if pattern.fullmatch(e)]


# The kill test's writer: a fork server. It imports numpy and skseal and
# builds both payloads once; for each trial it forks a child that announces
# itself ("go PID") and dumps in a loop ("done I SECONDS" after each dump,
# timed from its start), until the test SIGKILLs it. The server then reports
# how the child ended ("exit STATUS"). A fresh Python per trial took 1.5-1.7 s
# (imports, payloads), which left room for only 50 trials in 80-90 s; a fork
# takes milliseconds, so the trials can go on until every outcome was seen.
KILL_SERVER = PAYLOAD_SRC + """
import os
import sys
import time
import numpy as np
import skseal
path, n = sys.argv[1], int(sys.argv[2])
objs = [payload(0, n), payload(1, n)]
print("ready", flush=True)
for line in sys.stdin:
    first = int(line)
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        try:
            print("go", os.getpid(), flush=True)
            start = time.perf_counter()
            i = 0
            while True:
                skseal.dump(objs[(first + i) % 2], path)
                i += 1
                print("done", i, time.perf_counter() - start, flush=True)
        except BaseException as e:
            print("error", repr(e), file=sys.stderr, flush=True)
        os._exit(1)
    _, status = os.waitpid(pid, 0)
    print("exit", status, flush=True)
"""

KILL_N = 2_500_000  # 20 MB of float64
KILL_MIN_TRIALS = 50
KILL_MAX_TRIALS = 400
KILL_BUDGET_S = 90.0  # trials beyond the first 50 only within this budget


def start_writer(code: str, *args: object) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # no BLAS threads in a process that forks
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    line = proc.stdout.readline() if ready else ""
    if line.strip() != "ready":
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"writer did not start: {line!r}\n{err}")
    return proc


def read_line(proc: subprocess.Popen[str], timeout: float = 60.0) -> str:
    """The writer's next line of output, or AssertionError with its stderr."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else ""
    if not line:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"writer stopped answering:\n{err}")
    return line.strip()


def kill_trial(server: subprocess.Popen[str], first: int,
               delay: float | Callable[[], float]) -> tuple[list[float], int]:
    """One child of the fork server dumps from ``first`` on and is SIGKILLed
    ``delay`` seconds after it announced itself (or, when ``delay`` is a
    callable, once its first dump is done). Returns the times of its finished
    dumps and its wait status."""
    assert server.stdin is not None
    server.stdin.write(f"{first}\n")
    server.stdin.flush()
    go = read_line(server).split()
    assert go[0] == "go", go
    pid = int(go[1])
    if callable(delay):
        line = read_line(server)
        assert line.startswith("done 1 "), line
        os.kill(pid, signal.SIGKILL)
        lines = [line]
    else:
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        lines = []
    while not (line := read_line(server)).startswith("exit "):
        lines.append(line)
    status = int(line.split()[1])
    done = [float(w.split()[2]) for w in lines if w.startswith("done ")]
    others = [w for w in lines if not w.startswith("done ")]
    assert not others, others
    return done, status


def test_sigkill_during_dump(tmp_path: Path) -> None:
    name = "model.skseal"
    dest = tmp_path / name
    objs = [payload(0, KILL_N), payload(1, KILL_N)]
    skseal.dump(objs[0], dest)
    server = start_writer(KILL_SERVER, dest, KILL_N)
    try:
        run_kill_trials(tmp_path, name, dest, objs, server)
    finally:
        server.kill()
        server.communicate()


def run_kill_trials(tmp_path: Path, name: str, dest: Path,
                    objs: list[npt.NDArray[np.float64]], server: subprocess.Popen[str]) -> None:
    # calibrate: how long does a child's first dump take? Every trial that
    # finishes a dump adds to the estimate, so a machine that slows down
    # during the test moves the kills with it.
    first_dumps: list[float] = []
    for i in range(3):
        done, status = kill_trial(server, i % 2, lambda: 0.0)
        first_dumps.append(done[0])
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
    for tmp in temp_files(tmp_path, name):  # a kill may land in the second dump
        (tmp_path / tmp).unlink()
    skseal.dump(objs[0], dest)
    current = 0
    rng = np.random.default_rng(20240607)
    counts: collections.Counter[str] = collections.Counter()
    strays = completed = 0
    t0 = time.perf_counter()
    trials = 0

    def every_outcome_seen() -> bool:
        return min(counts["old version"], counts["new version"],
                   counts["mid-write (temp file present)"]) > 0

    while trials < KILL_MAX_TRIALS and (
            trials < KILL_MIN_TRIALS
            or (not every_outcome_seen() and time.perf_counter() - t0 < KILL_BUDGET_S)):
        trials += 1
        dump_s = float(np.median(first_dumps))
        # half the kills uniform over the first dump and a bit beyond, half
        # around its end, where the rename is (the renamed-but-unacknowledged
        # window is a directory fsync long)
        if trials % 2:
            delay = float(rng.uniform(0.0, 1.25 * dump_s))
        else:
            delay = float(rng.uniform(0.8 * dump_s, 1.2 * dump_s))
        first = 1 - current  # the child's first dump replaces the current content
        done_at, status = kill_trial(server, first, delay)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (
            f"writer ended with status {status} before the kill")
        first_dumps.extend(done_at[:1])
        done = len(done_at)
        completed += done
        # Dump k (k >= 1) writes objs[(first + k - 1) % 2]; "version 0" is the
        # content before the trial. The last acknowledged version is `done`;
        # the dump in flight may already have renamed before it could say so.
        old, new = (current + done) % 2, (current + done + 1) % 2
        tmps = temp_files(tmp_path, name)
        counts["mid-write (temp file present)"] += bool(tmps)
        strays += len(tmps)
        try:
            loaded = skseal.load(dest)
        except Exception:
            raise AssertionError(
                f"trial {trials}: destination unreadable after SIGKILL ({done} dumps done, "
                f"temps {tmps}):\n{traceback.format_exc()}") from None
        got = which_payload(loaded, KILL_N, objs)
        del loaded
        assert got in (old, new), (trials, done, got, old, new)
        counts["old version"] += got == old
        counts["new version"] += got == new
        counts["changed by the trial"] += got != current
        current = got
        for tmp in tmps:
            (tmp_path / tmp).unlink()
    elapsed = time.perf_counter() - t0
    print(f"\nSIGKILL during dump: {trials} trials in {elapsed:.1f} s; one dump of "
          f"{KILL_N * 8 / 1e6:.0f} MB in a forked writer takes "
          f"{np.median(first_dumps) * 1e3:.0f} ms (median of {len(first_dumps)}); kills "
          f"uniform over the first dump and around its end")
    print(f"  destination = old version (the interrupted dump had not renamed): "
          f"{counts['old version']}, new version (renamed, not yet acknowledged): "
          f"{counts['new version']}; different from before the trial: "
          f"{counts['changed by the trial']}")
    print(f"  kills mid-write (temp file present): "
          f"{counts['mid-write (temp file present)']}; stray temp files: {strays}; "
          f"dumps completed before the kill: {completed}")
    assert trials >= KILL_MIN_TRIALS
    assert counts["old version"] + counts["new version"] == trials
    # the sampling did hit both outcomes and the write window
    assert counts["old version"] > 0 and counts["new version"] > 0
    assert counts["mid-write (temp file present)"] > 0


REPLACE_N = 500_000  # 4 MB of float64
REPLACE_SECONDS = 3.0


def test_load_while_replacing(tmp_path: Path) -> None:
    name = "model.skseal"
    dest = tmp_path / name
    objs = [payload(0, REPLACE_N), payload(1, REPLACE_N)]
    skseal.dump(objs[0], dest)
    proc = start_writer(REPLACE_WRITER, dest, 1, REPLACE_N, REPLACE_SECONDS)
    loads: collections.Counter[str] = collections.Counter()
    changes = inode_changes = 0
    last = 0
    last_ino = dest.stat().st_ino
    failures: list[str] = []
    try:
        while proc.poll() is None and len(failures) < 5:
            mode: Literal["r"] | None = None if sum(loads.values()) % 2 == 0 else "r"
            try:
                loaded = skseal.load(dest, mmap_mode=mode)
                got = which_payload(loaded, REPLACE_N, objs)
                del loaded
            except Exception:
                failures.append(f"load(mmap_mode={mode!r}) #{sum(loads.values())}:\n"
                                f"{traceback.format_exc()}")
                continue
            loads[f"mmap_mode={mode!r}"] += 1
            changes += got != last
            last = got
            ino = dest.stat().st_ino
            inode_changes += ino != last_ino
            last_ino = ino
    finally:
        if proc.poll() is None:
            proc.kill()
        rc = proc.wait(30)
    out, err = read_rest(proc.stdout), read_rest(proc.stderr)
    assert rc == 0, f"writer failed ({rc}):\n{err}"
    m = re.search(r"dumps (\d+)", out)
    assert m, out
    dumps = int(m.group(1))
    total = sum(loads.values())
    print(f"\nload while replacing: {REPLACE_SECONDS:.0f} s, writer replaced the file "
          f"{dumps} times ({REPLACE_N * 8 / 1e6:.0f} MB, alternating objects, codec none/lz4)")
    print(f"  loads: {total} ({', '.join(f'{k}: {v}' for k, v in sorted(loads.items()))}), "
          f"all complete and equal to one of the two objects; replacements observed by the "
          f"reader: {changes} content changes, {inode_changes} inode changes")
    assert temp_files(tmp_path, name) == []
    for f in failures:
        print(f"  FAILURE {f}")
    assert not failures, failures[0]
    assert dumps >= 10 and total >= 20 and changes >= 2, (dumps, total, changes)
