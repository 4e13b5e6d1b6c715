"""Differential testing of skseal's reader against CPython's pickle and joblib.

A structure-aware generator writes pickle and joblib files (raw and
compressed; dicts with duplicated keys, FRAMEs, memo reuse, joblib array
wrappers, nested containers, multi-stream compression, byte mutations) whose
only reachable callable is ``tests/diff_canary.canary``. Each file goes to
skseal (``untrusted_types`` and ``load(trusted=[canary])``, which never execute
anything from the file) and, in a sandboxed worker process, to pickle.load or
joblib.load with ``find_class`` restricted to the canary, plain containers and
numpy/joblib array reconstruction, under RLIMIT_AS and a per-file alarm.

A failure is a file where the reference reached the canary while skseal's
``untrusted_types`` does not list it, or where both built an object and the
objects differ. Usage: ``python scripts/difftest.py --files 200000 --seconds
36000 --out figures.json``.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import hashlib
import io
import json
import lzma
import os
import pickle
import random
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
CANARY = "diff_canary.canary"

WORKER = r'''
import io, json, pickle, resource, signal, sys
sys.path.insert(0, sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
import numpy as np, joblib, joblib.numpy_pickle as jnp
import diff_canary
ALLOWED = {
    ("diff_canary", "canary"), ("builtins", "list"), ("builtins", "dict"),
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "tuple"),
    ("builtins", "bytearray"), ("copyreg", "_reconstructor"), ("builtins", "object"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"), ("numpy._core.numeric", "_frombuffer"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
    ("joblib.numpy_pickle", "NumpyArrayWrapper"),
}
def find_class(self, module, name):
    if (module, name) not in ALLOWED:
        raise pickle.UnpicklingError(f"blocked {module}.{name}")
    return pickle._Unpickler.find_class(self, module, name)
class Restricted(pickle.Unpickler):
    def find_class(self, module, name):
        return find_class(self, module, name)
jnp.NumpyUnpickler.find_class = find_class
def alarm(*_):
    raise TimeoutError("reference timed out")
signal.signal(signal.SIGALRM, alarm)
import canon
for line in sys.stdin:
    path, how = json.loads(line)
    diff_canary.CALLS.clear()
    out = {"ok": False}
    signal.alarm(3)
    try:
        obj = joblib.load(path) if how == "joblib" else Restricted(open(path, "rb")).load()
        signal.alarm(0)
        out = {"ok": True, "canon": canon.digest(obj)}
    except BaseException as e:
        signal.alarm(0)
        out = {"ok": False, "error": type(e).__name__ + ": " + str(e)[:200]}
    out["canary"] = len(diff_canary.CALLS)
    print(json.dumps(out), flush=True)
'''

CANON = r'''
import hashlib
import numpy as np

def _c(o, depth=0):
    if depth > 200:
        return ("deep",)
    if isinstance(o, np.ndarray):
        if o.dtype.hasobject:
            return ("ndO", o.shape, [_c(x, depth + 1) for x in o.ravel(order="K")])
        h = hashlib.sha256(np.ascontiguousarray(o).tobytes()).hexdigest()
        return ("nd", o.dtype.str, o.shape, h)
    if isinstance(o, np.generic):
        return ("np", o.dtype.str, o.tobytes().hex())
    if isinstance(o, dict):
        return ("dict", [(_c(k, depth + 1), _c(v, depth + 1)) for k, v in o.items()])
    if isinstance(o, (list, tuple)):
        return (type(o).__name__, [_c(x, depth + 1) for x in o])
    if isinstance(o, (set, frozenset)):
        return (type(o).__name__, sorted(repr(_c(x, depth + 1)) for x in o))
    if isinstance(o, float):
        return ("f", o.hex())
    if isinstance(o, (bytes, bytearray)):
        return (type(o).__name__, bytes(o).hex())
    if isinstance(o, (int, str, bool, type(None))):
        return (type(o).__name__, repr(o))
    return ("obj", type(o).__module__, type(o).__qualname__)

def digest(o):
    return hashlib.sha256(repr(_c(o)).encode()).hexdigest()
'''


class Call:
    """Pickles as a call of the canary."""

    def __init__(self, *args: object) -> None:
        self.args = args

    def __reduce__(self) -> tuple[Any, ...]:
        import diff_canary

        return (diff_canary.canary, self.args)


def value(r: random.Random, depth: int = 0, shared: list[Any] | None = None) -> Any:
    import numpy as np

    shared = shared if shared is not None else []
    kinds = ["int", "str", "float", "none", "bool", "bytes", "array", "shared"]
    if depth < 4:
        kinds += ["list", "tuple", "dict", "set", "call", "objarray"] * 2
    k = r.choice(kinds)
    if k == "shared" and shared:
        return r.choice(shared)
    if k == "int":
        v: Any = r.choice([0, 1, -1, 255, 65536, 2**31, 2**63, -(2**70), r.randint(-9, 9)])
    elif k == "str":
        v = r.choice(["", "a", "shape", "dtype", "nodes", "numpy_array_alignment_bytes", "é"])
    elif k == "float":
        v = r.choice([0.0, -0.0, 1.0, 1.5, float("inf"), float("nan")])
    elif k == "none":
        v = None
    elif k == "bool":
        v = r.random() < 0.5
    elif k == "bytes":
        v = bytes(r.randrange(256) for _ in range(r.randrange(6)))
    elif k == "array":
        dt = r.choice(["<f8", "<i4", "|u1", "<i8", "|b1", ">f4"])
        shape = tuple(r.randrange(4) for _ in range(r.randrange(3)))
        v = (np.arange(int(np.prod(shape)) if shape else 1) % 7).astype(dt).reshape(shape)
        if r.random() < 0.3 and v.ndim == 2:
            v = np.asfortranarray(v)
    elif k == "objarray":
        v = np.array([value(r, depth + 1, shared) for _ in range(2)] + [None], dtype=object)
    elif k == "list":
        v = [value(r, depth + 1, shared) for _ in range(r.randrange(4))]
    elif k == "tuple":
        v = tuple(value(r, depth + 1, shared) for _ in range(r.randrange(4)))
    elif k == "dict":
        v = {r.choice(["a", "b", "shape", "k1", "k2", 1, 2]): value(r, depth + 1, shared)
             for _ in range(r.randrange(4))}
    elif k == "set":
        v = {r.randrange(5) for _ in range(r.randrange(4))}
    else:
        v = Call(*[r.choice([1, "x", None, 2.5]) for _ in range(r.randrange(3))])
    if r.random() < 0.2:
        shared.append(v)
    return v


def compress(kind: str, data: bytes, r: random.Random) -> bytes:
    def one(d: bytes) -> bytes:
        return {
            "zlib": lambda: zlib.compress(d, 3),
            "gzip": lambda: gzip.compress(d, 3, mtime=0),
            "bz2": lambda: bz2.compress(d, 3),
            "xz": lambda: lzma.compress(d, format=lzma.FORMAT_XZ),
            "lzma": lambda: lzma.compress(d, format=lzma.FORMAT_ALONE),
        }[kind]()

    if r.random() < 0.3 and len(data) > 2:
        cut = r.randrange(1, len(data))
        return one(data[:cut]) + one(data[cut:])  # multi-stream
    return one(data)


def mutate(data: bytes, r: random.Random) -> bytes:
    """Structure-aware edits of a pickle stream."""
    m = r.random()
    b = bytearray(data)
    if m < 0.25:
        # duplicate a dict key: rename k2 -> k1, 'b' -> 'a' (same length)
        renames = ((b"k2", b"k1"), (b"\x8c\x01b", b"\x8c\x01a"),
                   (b"X\x01\x00\x00\x00b", b"X\x01\x00\x00\x00a"))
        for old, new in renames:
            if old in b and r.random() < 0.7:
                return bytes(b).replace(old, new, 1)
    if m < 0.4 and b[:2] == b"\x80\x04" and len(b) > 12:
        # a FRAME over a random span
        start = r.randrange(2, len(b) - 1)
        n = r.randrange(0, len(b) - start)
        return bytes(b[:start] + b"\x95" + n.to_bytes(8, "little") + b[start:])
    if m < 0.55 and len(b) > 4:
        # duplicate or drop a random span
        i = r.randrange(2, len(b) - 1)
        j = min(len(b) - 1, i + r.randrange(1, 8))
        return bytes(b[:j] + b[i:j] + b[j:]) if r.random() < 0.5 else bytes(b[:i] + b[j:])
    if m < 0.7 and len(b) > 4:
        i = r.randrange(2, len(b))
        b[i] = r.randrange(256)
        return bytes(b)
    return data


def make(r: random.Random, d: Path, i: int) -> tuple[Path, str]:
    import joblib

    obj = value(r)
    if r.random() < 0.5:
        buf = io.BytesIO()
        joblib.dump(obj, buf, protocol=r.choice([2, 4, 5]))
        raw, how = buf.getvalue(), "joblib"
    else:
        raw, how = pickle.dumps(obj, protocol=r.randrange(6)), "pickle"
    if r.random() < 0.6:
        raw = mutate(raw, r)
    if how == "joblib" and r.random() < 0.4:
        raw = compress(r.choice(["zlib", "gzip", "bz2", "xz", "lzma"]), raw, r)
    p = d / f"f{i}.bin"
    p.write_bytes(raw)
    return p, how


def skseal_view(p: Path, canon: Any) -> dict[str, Any]:
    import skseal

    out: dict[str, Any] = {}
    try:
        out["untrusted"] = skseal.untrusted_types(p)
    except Exception as e:  # noqa: BLE001 - any refusal counts
        out["untrusted_error"] = type(e).__name__
    try:
        obj = skseal.load(p, trusted=[CANARY])
        out["canon"] = canon.digest(obj)
    except Exception as e:  # noqa: BLE001
        out["load_error"] = f"{type(e).__name__}: {str(e)[:160]}"
    return out


def run(files: int, seconds: float, seed: int, keep: Path | None) -> dict[str, Any]:
    sys.path.insert(0, str(TESTS))
    tmp = Path(tempfile.mkdtemp(prefix="skseal-diff-"))
    (tmp / "canon.py").write_text(CANON)
    sys.path.insert(0, str(tmp))
    import canon

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", WORKER, f"{TESTS}{os.pathsep}{tmp}"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": f"{TESTS}{os.pathsep}{tmp}",
                 "OPENBLAS_NUM_THREADS": "1"})

    worker = start()
    r = random.Random(seed)
    stats = {"files": 0, "reference_ok": 0, "reference_canary": 0, "skseal_loaded": 0,
             "same_object": 0, "skseal_refused_reference_ok": 0, "failures": 0,
             "reference_crashed": 0}
    failures: list[dict[str, Any]] = []
    t0 = time.time()
    while stats["files"] < files and time.time() - t0 < seconds:
        i = stats["files"]
        p, how = make(r, tmp, i)
        assert worker.stdin is not None and worker.stdout is not None
        # the reference reads the file in its process while skseal reads it here
        worker.stdin.write(json.dumps([str(p), how]) + "\n")
        worker.stdin.flush()
        mine = skseal_view(p, canon)
        line = worker.stdout.readline()
        if not line:  # the reference process died (memory, recursion, signal)
            stats["reference_crashed"] += 1
            worker.wait()
            worker = start()
            ref: dict[str, Any] = {"ok": False, "canary": 0}
        else:
            ref = json.loads(line)
        stats["files"] += 1
        stats["reference_ok"] += ref["ok"]
        stats["reference_canary"] += ref["canary"] > 0
        stats["skseal_loaded"] += "canon" in mine
        bad = None
        if ref["canary"] > 0 and CANARY not in mine.get("untrusted", [CANARY]):
            bad = "reference reached the canary, skseal's untrusted_types says clean"
        elif ref["ok"] and "canon" in mine:
            if ref["canon"] == mine["canon"]:
                stats["same_object"] += 1
            else:
                bad = "skseal and the reference built different objects"
        elif ref["ok"]:
            stats["skseal_refused_reference_ok"] += 1
        if bad:
            stats["failures"] += 1
            data = p.read_bytes()
            failures.append({"why": bad, "how": how, "sha256": hashlib.sha256(data).hexdigest(),
                             "hex": data.hex()[:4000], "ref": ref, "skseal": mine})
            if keep:
                keep.mkdir(parents=True, exist_ok=True)
                (keep / f"fail{len(failures)}.bin").write_bytes(data)
        p.unlink()
    assert worker.stdin is not None
    worker.stdin.close()
    worker.wait(timeout=30)
    stats["seconds"] = round(time.time() - t0, 1)
    return {"stats": stats, "failures": failures[:50], "seed": seed}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--keep", type=Path, help="directory for failing files")
    a = ap.parse_args()
    resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))
    res = run(a.files, a.seconds, a.seed, a.keep)
    text = json.dumps(res, indent=1)
    if a.out:
        a.out.write_text(text)
    print(json.dumps(res["stats"]))
    sys.exit(1 if res["stats"]["failures"] else 0)


if __name__ == "__main__":
    main()
