"""Test vectors for skseal-native's port of numpy's float64 exp and log (npmath.rs).

Writes, for each function, the inputs and numpy's outputs as raw little-endian float64
files: ``{exp,log}_in.bin`` and ``{exp,log}_out.bin`` in the output directory (default
``/tmp/npmath/vectors``). The inputs cover normal(0, 5), the whole finite domain, the
thresholds where the SVML code changes branch, table and rounding boundaries, exact
integers, signed zeros, infinities, NaNs with payloads, subnormals, negative inputs (log)
and random bit patterns.

With ``--rust-cases N`` it also prints Rust arrays of up to N (input bits, numpy bits)
pairs per function where numpy differs from the C library, plus the special values:
that is the table in npmath.rs's tests.

Usage: python scripts/gen_npmath_vectors.py [--out DIR] [--rust-cases N] [--seed S]
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
U64 = NDArray[np.uint64]

# Branch thresholds of __svml_exp8_ha / __svml_dexp_ha_cout_rare_internal.
EXP_THRESHOLDS = [
    707.7032713517042,  # vector path / rare path
    709.782712893384,  # overflow
    -708.3964185322641,  # rare path: subnormal branch
    -745.1332191019411,  # underflow
    -709.0895657128241,  # exp(x) = smallest normal
    0.0,
]
# Mantissa prefixes (top 16 bits) where vrcp14pd rounded to 1/32 steps (log).
LOG_RCP_STEPS = [
    1039, 3223, 5556, 8048, 10726, 13603, 16707, 20063,
    23705, 27669, 32007, 36764, 42010, 47824, 54300, 61568,
]  # fmt: skip
SPECIAL_BITS = [
    0x0000000000000000,  # +0
    0x8000000000000000,  # -0
    0x7FF0000000000000,  # +inf
    0xFFF0000000000000,  # -inf
    0x7FF8000000000000,  # quiet NaN
    0xFFF8000000000000,  # negative quiet NaN (x86 default NaN)
    0x7FF8000000000001,  # quiet NaN with payload
    0xFFF80000DEADBEEF,  # negative quiet NaN with payload
    0x7FF0000000000001,  # signalling NaN
    0xFFF0000000000001,  # negative signalling NaN
    0x7FF4000000000000,  # signalling NaN, high payload
    0x7FFFFFFFFFFFFFFF,  # all-ones NaN
    0x0000000000000001,  # smallest subnormal
    0x8000000000000001,
    0x000FFFFFFFFFFFFF,  # largest subnormal
    0x800FFFFFFFFFFFFF,
    0x0010000000000000,  # smallest normal
    0x8010000000000000,
    0x7FEFFFFFFFFFFFFF,  # largest finite
    0xFFEFFFFFFFFFFFFF,
    0x3FF0000000000000,  # 1
    0xBFF0000000000000,  # -1
    0x3FEFFFFFFFFFFFFF,  # 1 - ulp
    0x3FF0000000000001,  # 1 + ulp
    0x4000000000000000,  # 2
    0x3FE0000000000000,  # 0.5
]


def bits_to_f64(bits: NDArray[np.uint64]) -> F64:
    return np.ascontiguousarray(bits, dtype=np.uint64).view(np.float64)


def specials() -> F64:
    return bits_to_f64(np.array(SPECIAL_BITS, dtype=np.uint64))


def ulp_neighbourhood(values: list[float] | F64, width: int) -> F64:
    """Every double within ``width`` steps (nextafter) of each value."""
    base = np.asarray(values, dtype=np.float64)
    out: list[F64] = []
    for v in base:
        if not np.isfinite(v):
            continue
        b = np.int64(np.float64(v).view(np.int64))
        steps = np.arange(-width, width + 1, dtype=np.int64)
        if b >= 0:
            # Non-negative: bit order is value order; cross zero into negatives correctly.
            ints = b + steps
            pos = ints[ints >= 0].astype(np.uint64)
            neg = (-ints[ints < 0]).astype(np.uint64) | np.uint64(1 << 63)
            out += [bits_to_f64(pos), bits_to_f64(neg)]
        else:
            mag = (b & np.int64(0x7FFFFFFFFFFFFFFF)) + steps
            mag = mag[mag >= 0].astype(np.uint64)
            out.append(bits_to_f64(mag | np.uint64(1 << 63)))
    return np.concatenate(out)


def random_bits(rng: np.random.Generator, n: int) -> F64:
    return bits_to_f64(rng.integers(0, 2**64, size=n, dtype=np.uint64))


def exp_inputs(rng: np.random.Generator) -> F64:
    parts: list[F64] = [
        specials(),
        rng.normal(0.0, 5.0, 3_000_000),
        rng.uniform(-745.0, 710.0, 3_300_000),
        rng.uniform(-750.0, -700.0, 500_000),  # rare path, subnormal results
        rng.uniform(700.0, 712.0, 300_000),  # rare path, overflow edge
        ulp_neighbourhood(EXP_THRESHOLDS, 20_000),
        np.arange(-800, 801, dtype=np.float64),
        rng.integers(-745, 710, 200_000).astype(np.float64),
        # Tiny magnitudes of both signs (exp(x) ~ 1 + x).
        np.exp2(rng.uniform(-1074.0, 0.0, 400_000)) * rng.choice([-1.0, 1.0], 400_000),
        random_bits(rng, 1_000_000),
    ]
    # Table and rounding boundaries: x * log2(e) * 16 (vector path) and x * 64 / ln2
    # (rare path) close to integers and half-integers.
    k = np.arange(-16 * 1075, 16 * 1025, dtype=np.float64)
    near16 = (k / 16.0) / np.log2(np.e)
    k64 = np.arange(-64 * 1075, 64 * 1025, dtype=np.float64) + 0.5
    near64 = k64 / 64.0 * np.log(2.0)
    for centre in (near16, near64):
        for d in range(-3, 4):
            parts.append(centre + d * np.spacing(centre))
    return np.concatenate(parts)


def log_inputs(rng: np.random.Generator) -> F64:
    pos_bits = rng.integers(1, 0x7FF0000000000000, size=3_000_000, dtype=np.uint64)
    sub_bits = rng.integers(1, 0x0010000000000000, size=500_000, dtype=np.uint64)
    exps = rng.integers(1, 0x7FF, size=1_000_000, dtype=np.uint64)
    prefixes = rng.choice(np.array(LOG_RCP_STEPS, dtype=np.int64), 1_000_000)
    prefixes = prefixes + rng.integers(-2, 2, 1_000_000)
    tails = rng.integers(0, 2**36, size=1_000_000, dtype=np.uint64)
    tails[::7] = 0
    step_bits = (exps << np.uint64(52)) | (prefixes.astype(np.uint64) << np.uint64(36)) | tails
    parts: list[F64] = [
        specials(),
        bits_to_f64(pos_bits),  # log-uniform over all positive finite magnitudes
        bits_to_f64(sub_bits),
        bits_to_f64(step_bits),
        rng.uniform(0.0, 10.0, 1_000_000),
        np.abs(rng.normal(0.0, 5.0, 1_000_000)),
        1.0 + rng.normal(0.0, 1e-3, 500_000),
        1.0 + rng.normal(0.0, 1e-9, 200_000),
        ulp_neighbourhood([1.0, 0.75, 1.5, 2.0, np.e, 0.5], 20_000),
        np.arange(1, 1_000_001, dtype=np.float64),
        np.exp2(np.arange(-1074, 1024, dtype=np.float64)),
        -bits_to_f64(rng.integers(1, 0x7FF0000000000000, size=500_000, dtype=np.uint64)),
        rng.normal(0.0, 5.0, 300_000),
        random_bits(rng, 1_000_000),
    ]
    return np.concatenate(parts)


def libm_func(name: str) -> Callable[[float], float]:
    path = ctypes.util.find_library("m") or "libm.so.6"
    func = getattr(ctypes.CDLL(path), name)
    func.restype = ctypes.c_double
    func.argtypes = [ctypes.c_double]
    return func


def check_paths(func: np.ufunc, x: F64, y: F64) -> None:
    """numpy gives the same bits in place, strided and element by element."""
    sample = x[:200_000].copy()
    want = y[:200_000].view(np.uint64)
    inplace = sample.copy()
    func(inplace, out=inplace)
    strided = np.repeat(sample, 2)[::2]
    scalar = np.array([func(np.float64(v)) for v in sample[:20_000]])
    for label, got in (("in-place", inplace), ("strided", func(strided)), ("scalar", scalar)):
        if not np.array_equal(got.view(np.uint64), want[: got.size]):
            print(f"warning: {func.__name__} {label} differs from contiguous", file=sys.stderr)


def rust_cases(name: str, x: F64, y: F64, limit: int) -> str:
    """Rust array of (input bits, numpy bits): numpy != libm cases, then specials.

    A quarter of the cases come from the branches that see few random inputs: exp's
    scalar rare path (|x| >= 707.7) and log of subnormals and of numbers near 1.
    """
    libm = libm_func(name)
    xb, yb = x.view(np.uint64), y.view(np.uint64)
    with np.errstate(all="ignore"):
        ok = np.isfinite(x) & np.isfinite(y) & (x != 0)
        if name == "exp":
            focus = ok & (np.abs(x) >= 707.7)
        else:
            focus = ok & ((x < 2.2250738585072014e-308) | (np.abs(x - 1.0) < 1e-2))
    rng = np.random.default_rng(7)
    picked: list[int] = []
    for mask, want in ((focus, limit // 4), (ok & ~focus, limit - limit // 4)):
        found = 0
        for i in rng.permutation(np.flatnonzero(mask)):
            if np.float64(libm(float(x[i]))).view(np.uint64) != yb[i]:
                picked.append(int(i))
                found += 1
                if found >= want:
                    break
    pairs = [(int(xb[i]), int(yb[i])) for i in sorted(picked)]
    with np.errstate(all="ignore"):
        sy = getattr(np, name)(specials())
    pairs += [(int(a), int(b)) for a, b in zip(SPECIAL_BITS, sy.view(np.uint64), strict=True)]
    lines = [f"const {name.upper()}_CASES: [(u64, u64); {len(pairs)}] = ["]
    lines += [f"    (0x{a:016x}, 0x{b:016x})," for a, b in pairs]
    lines.append("];")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/npmath/vectors"))
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--rust-cases", type=int, default=0, metavar="N")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    features = np._core._multiarray_umath.__cpu_features__  # type: ignore[attr-defined]
    print(f"numpy {np.__version__}, AVX512_SKX={features.get('AVX512_SKX')}", file=sys.stderr)
    for name, make in (("exp", exp_inputs), ("log", log_inputs)):
        x = np.ascontiguousarray(make(rng), dtype=np.float64)
        func: np.ufunc = getattr(np, name)
        with np.errstate(all="ignore"):
            y = func(x)
            check_paths(func, x, y)
        x.astype("<f8").tofile(args.out / f"{name}_in.bin")
        y.astype("<f8").tofile(args.out / f"{name}_out.bin")
        print(f"{name}: {x.size} vectors written to {args.out}", file=sys.stderr)
        if args.rust_cases:
            print(rust_cases(name, x, y, args.rust_cases))


if __name__ == "__main__":
    main()
