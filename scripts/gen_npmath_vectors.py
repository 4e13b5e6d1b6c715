"""Test vectors for skseal-native's port of numpy's float64 exp, log and power (npmath.rs).

Writes, for each function, the inputs and numpy's outputs as raw little-endian float64
files: ``{exp,log}_in.bin`` and ``{exp,log}_out.bin``, and ``pow_x.bin``, ``pow_y.bin``,
``pow_out.bin`` (``np.power(x, y)`` with both operands arrays) in the output directory
(default ``/tmp/npmath/vectors``). The inputs cover normal(0, 5), the whole finite domain,
the thresholds where the SVML code changes branch, table and rounding boundaries, exact
integers, signed zeros, infinities, NaNs with payloads, subnormals, negative inputs and
random bit patterns; for power also ``2 ** -d`` (IsolationForest scores), negative bases
with integer exponents, products ``y*log2(x)`` near the overflow, underflow and subnormal
thresholds, bases near 1 with huge exponents and tiny exponents.

With ``--rust-cases N`` it also prints Rust arrays of up to N (input bits, numpy bits)
pairs per function (triples for power) where numpy differs from the C library, plus the
special values: those are the tables in npmath/tests/{exp,log,pow}_cases.rs.

Usage: python scripts/gen_npmath_vectors.py [--out DIR] [--rust-cases N] [--seed S]
       [--only exp log log1p expm1 pow]
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
# Mantissa prefixes where vrcp14pd rounded to 1/32 steps for m in [0.5, 1) (power).
POW_RCP_STEPS = [
    518, 1575, 2666, 3792, 4957, 6159, 7410, 8701, 10038, 11423, 12864, 14354, 15909,
    17518, 19198, 20946, 22767, 24663, 26647, 28717, 30885, 33154, 35533, 38026, 40651,
    43407, 46313, 49376, 52616, 56038, 59669, 63523,
]  # fmt: skip
# Values of y*log2(x) where __svml_pow8_ha / __svml_dpow_ha_cout_rare_internal change
# branch or the result changes range (overflow, subnormal, underflow).
POW_THRESHOLDS = [1024.0, 1023.0, 1021.5, -1021.5, -1022.0, -1023.0, -1032.0, -1074.0, -1075.0,
                  -1084.0]  # fmt: skip
# Extra operands for power's special-value grid: integers odd and even (around 2^53
# too), halves, huge and tiny magnitudes.
POW_EXTRA = [
    0.5, 2.0, 3.0, -2.0, -3.0, 0.25, 1.5, -0.5, 2.0**53, -(2.0**53), 2.0**53 + 2,
    2.0**52 + 1, -(2.0**52 + 1), 1e300, -1e300, 1e-300, -1e-300, 1023.0, 1024.0, -1074.0,
    -1075.0, 0.1, -0.1, np.pi, -np.pi, 7.0, -7.0, 2.0**31 + 1, 2.0**32 + 1, 2.0**21 + 1,
    2.0**20 + 1, 1e10 + 1,
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


def log1p_inputs(rng: np.random.Generator) -> F64:
    """1 + x over every magnitude, x in (-1, 0), near -1 and 0, the reciprocal steps of
    1 + x, subnormals, x <= -1 and specials."""
    mags = bits_to_f64(rng.integers(1, 0x7FF0000000000000, size=2_000_000, dtype=np.uint64))
    exps = rng.integers(1023 - 30, 1023 + 60, size=1_000_000, dtype=np.uint64)
    prefixes = rng.choice(np.array(LOG_RCP_STEPS, dtype=np.int64), 1_000_000)
    prefixes = prefixes + rng.integers(-2, 2, 1_000_000)
    tails = rng.integers(0, 2**36, size=1_000_000, dtype=np.uint64)
    step_bits = (exps << np.uint64(52)) | (prefixes.astype(np.uint64) << np.uint64(36)) | tails
    parts: list[F64] = [
        specials(),
        mags,
        -mags[:1_000_000],
        bits_to_f64(rng.integers(1, 0x0010000000000000, size=300_000, dtype=np.uint64)),
        bits_to_f64(step_bits) - 1.0,
        rng.uniform(-1.0, 0.0, 1_000_000),
        rng.uniform(0.0, 10.0, 1_000_000),
        np.abs(rng.normal(0.0, 5.0, 1_000_000)),
        rng.normal(0.0, 5.0, 500_000),
        rng.normal(0.0, 1e-3, 500_000),
        -1.0 + np.exp2(rng.uniform(-53.0, -1.0, 500_000)),
        ulp_neighbourhood([-1.0, -0.5, -0.25, 0.0, 1.0, np.e - 1.0, 0.5], 20_000),
        np.arange(0, 1_000_001, dtype=np.float64),
        np.exp2(np.arange(-1074, 1024, dtype=np.float64)),
        -np.exp2(np.arange(-1074, 1024, dtype=np.float64)),
        random_bits(rng, 1_000_000),
    ]
    return np.concatenate(parts)


def expm1_inputs(rng: np.random.Generator) -> F64:
    """normal(0, 5), the whole exp range, tiny magnitudes down to subnormals, the
    overflow and saturation edges, table boundaries and specials."""
    k = np.arange(-16 * 1075, 16 * 1025, dtype=np.float64)
    near16 = (k / 16.0) / np.log2(np.e)
    parts: list[F64] = [
        specials(),
        rng.normal(0.0, 5.0, 3_000_000),
        rng.uniform(-745.0, 710.0, 2_000_000),
        rng.uniform(-60.0, 60.0, 1_000_000),
        rng.uniform(700.0, 712.0, 300_000),
        np.exp2(rng.uniform(-1074.0, 3.0, 1_000_000)) * rng.choice([-1.0, 1.0], 1_000_000),
        ulp_neighbourhood([709.782712893384, 709.7, -37.0, -38.0, 0.0], 20_000),
        np.arange(-800, 801, dtype=np.float64),
        random_bits(rng, 1_000_000),
    ]
    for d in range(-3, 4):
        parts.append(near16 + d * np.spacing(near16))
    return np.concatenate(parts)


def pow_inputs(rng: np.random.Generator) -> tuple[F64, F64]:
    xs: list[F64] = []
    ys: list[F64] = []

    def add(x: float | F64, y: float | F64) -> None:
        bx, by = np.broadcast_arrays(
            np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        )
        xs.append(bx.ravel())
        ys.append(by.ravel())

    add(2.0, rng.uniform(-60.0, 10.0, 2_000_000))
    add(2.0, -rng.uniform(0.0, 50.0, 500_000))  # 2 ** -d, IsolationForest
    # Positive bases of every magnitude, exponents putting y*log2(x) in [-1100, 1100].
    pos = bits_to_f64(rng.integers(1, 0x7FF0000000000000, size=1_500_000, dtype=np.uint64))
    with np.errstate(all="ignore"):
        lg = np.log2(pos)
        add(pos, rng.uniform(-1100.0, 1100.0, pos.size) / np.where(lg == 0, 1.0, lg))
    add(rng.uniform(0.0, 10.0, 1_000_000), rng.uniform(-10.0, 10.0, 1_000_000))
    add(np.abs(rng.normal(0.0, 5.0, 500_000)), rng.normal(0.0, 5.0, 500_000))
    # Bases near 1 with large exponents.
    add(1.0 + rng.normal(0.0, 1e-6, 300_000), rng.normal(0.0, 1e8, 300_000))
    near1 = 1.0 + rng.integers(-2000, 2000, 300_000) * 2.0**-52
    add(near1, rng.uniform(-1e17, 1e17, 300_000))
    # y*log2(x) close to the branch and range thresholds.
    base = np.exp2(rng.uniform(-20.0, 20.0, 1_200_000))
    target = rng.choice(np.array(POW_THRESHOLDS), base.size)
    with np.errstate(all="ignore"):
        add(base, target / np.log2(base) * (1.0 + rng.normal(0.0, 1e-12, base.size)))
    add(rng.uniform(0.0, 1.0, 300_000), rng.uniform(1000.0, 1100.0, 300_000))
    add(rng.uniform(1.0, 4.0, 300_000), rng.uniform(-1100.0, 1100.0, 300_000))
    sub = bits_to_f64(rng.integers(1, 0x0010000000000000, size=300_000, dtype=np.uint64))
    add(sub, rng.uniform(-1.1, 1.1, 300_000))
    # Reciprocal steps of vrcp14pd.
    exps = rng.integers(1, 0x7FF, size=500_000, dtype=np.uint64)
    prefixes = rng.choice(np.array(POW_RCP_STEPS, dtype=np.int64), 500_000)
    prefixes = prefixes + rng.integers(-2, 2, 500_000)
    tails = rng.integers(0, 2**36, size=500_000, dtype=np.uint64)
    tails[::5] = 0
    step = bits_to_f64(
        (exps << np.uint64(52)) | (prefixes.astype(np.uint64) << np.uint64(36)) | tails
    )
    with np.errstate(all="ignore"):
        scale = np.minimum(1e300, 1000.0 / np.abs(np.log2(step)))
    add(step, rng.uniform(-1.0, 1.0, step.size) * scale)
    # Negative bases: integer exponents (odd and even), non-integers, huge integers.
    add(-np.exp2(rng.uniform(-30.0, 30.0, 800_000)), rng.integers(-60, 60, 800_000).astype(float))
    neg = -bits_to_f64(rng.integers(1, 0x7FF0000000000000, size=400_000, dtype=np.uint64))
    add(neg, np.round(rng.uniform(-3000.0, 3000.0, 400_000)))
    add(-rng.uniform(0.0, 3.0, 200_000), rng.uniform(-20.0, 20.0, 200_000))
    big = np.round(rng.uniform(-2e6, 2e6, 200_000)) * rng.choice([1.0, 2.0**20, 2.0**40], 200_000)
    add(-rng.uniform(0.5, 2.0, 200_000), big)
    add(
        -1.0 - rng.integers(1, 1000, 100_000) * 2.0**-52,
        np.round(rng.uniform(-1e16, 1e16, 100_000)),
    )
    add(rng.integers(-20, 21, 300_000).astype(float), rng.integers(-40, 41, 300_000).astype(float))
    # Tiny exponents: |y*log2(x)| below 2^-600, down to products below 2^-1074.
    tiny = np.exp2(rng.uniform(-1074.0, -500.0, 400_000)) * rng.choice([-1.0, 1.0], 400_000)
    add(np.exp2(rng.uniform(-3.0, 3.0, 400_000)), tiny)
    add(1.0 + rng.integers(-50, 50, 200_000) * 2.0**-52, tiny[:200_000])
    # Special values against each other and against ordinary operands.
    grid = np.concatenate([specials(), np.array(POW_EXTRA)])
    add(grid[:, None], grid[None, :])
    add(grid[:, None], rng.normal(0.0, 10.0, (grid.size, 2000)))
    add(rng.normal(0.0, 10.0, (2000, grid.size)), grid[None, :])
    add(random_bits(rng, 1_000_000), random_bits(rng, 1_000_000))
    add(random_bits(rng, 300_000), rng.normal(0.0, 3.0, 300_000))
    return np.concatenate(xs), np.concatenate(ys)


def libm_func(name: str) -> Callable[[float], float]:
    path = ctypes.util.find_library("m") or "libm.so.6"
    func = getattr(ctypes.CDLL(path), name)
    func.restype = ctypes.c_double
    func.argtypes = [ctypes.c_double]
    return func


def libm_pow() -> Callable[[float, float], float]:
    path = ctypes.util.find_library("m") or "libm.so.6"
    func = ctypes.CDLL(path).pow
    func.restype = ctypes.c_double
    func.argtypes = [ctypes.c_double, ctypes.c_double]
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
        elif name == "log1p":
            focus = ok & ((x < -0.5) | (np.abs(x) < 1e-3))
        elif name == "expm1":
            focus = ok & ((np.abs(x) >= 700.0) | (np.abs(x) < 1e-3) | (x < -30.0))
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


def check_pow_paths(x: F64, y: F64, z: F64) -> None:
    """np.power gives the same bits in place, strided and on numpy scalars (np.power on
    two np.float64; ``np.float64 ** np.float64`` is libm, a broadcast scalar exponent of
    -1, 0.5 or 2 is ``1/x``, ``sqrt(x)``, ``x*x``)."""
    sx, sy, want = x[:200_000].copy(), y[:200_000].copy(), z[:200_000].view(np.uint64)
    inplace = sx.copy()
    np.power(inplace, sy, out=inplace)
    strided = np.power(np.repeat(sx, 2)[::2], np.repeat(sy, 2)[::2])
    scalar = np.array(
        [
            np.power(np.float64(a), np.float64(b))
            for a, b in zip(sx[:20_000], sy[:20_000], strict=True)
        ]
    )
    for label, got in (("in-place", inplace), ("strided", strided), ("scalar", scalar)):
        if not np.array_equal(got.view(np.uint64), want[: got.size]):
            print(f"warning: power {label} differs from contiguous", file=sys.stderr)


def rust_pow_cases(x: F64, y: F64, z: F64, limit: int) -> str:
    """Rust array of (x bits, y bits, numpy bits): numpy != libm cases, then specials.

    A quarter of the cases come from the scalar rare path (negative bases, results near
    or past overflow and underflow), a quarter are ``2 ** y``; the special-value grid is
    the product of the specials with a few ordinary operands.
    """
    libm = libm_pow()
    xb, yb, zb = x.view(np.uint64), y.view(np.uint64), z.view(np.uint64)
    with np.errstate(all="ignore"):
        ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(z) & (x != 0) & (z != 0)
        rare = ok & ((x < 0) | (np.abs(y * np.log2(np.abs(x))) > 1021.0))
        two = ok & (x == 2.0) & ~rare
    rng = np.random.default_rng(7)
    picked: list[int] = []
    quarter = limit // 4
    for mask, want in ((rare, quarter), (two, quarter), (ok & ~rare & ~two, limit - 2 * quarter)):
        found = 0
        for i in rng.permutation(np.flatnonzero(mask)):
            if np.float64(libm(float(x[i]), float(y[i]))).view(np.uint64) != zb[i]:
                picked.append(int(i))
                found += 1
                if found >= want:
                    break
    triples = [(int(xb[i]), int(yb[i]), int(zb[i])) for i in sorted(picked)]
    grid_bits = [
        0x0000000000000000,  # +0
        0x8000000000000000,  # -0
        0x7FF0000000000000,  # +inf
        0xFFF0000000000000,  # -inf
        0x7FF8000000000000,  # quiet NaN
        0xFFF80000DEADBEEF,  # negative quiet NaN with payload
        0x7FF0000000000001,  # signalling NaN
        0x0000000000000001,  # smallest subnormal
        0x7FEFFFFFFFFFFFFF,  # largest finite
        0x3FF0000000000000,  # 1
        0xBFF0000000000000,  # -1
    ]
    grid = np.concatenate([bits_to_f64(np.array(grid_bits, dtype=np.uint64)), [0.5, 3.0, -3.0]])
    gx, gy = (a.ravel().copy() for a in np.meshgrid(grid, grid, indexing="ij"))
    with np.errstate(all="ignore"):
        gz = np.power(gx, gy)
    triples += [
        (int(a), int(b), int(c))
        for a, b, c in zip(gx.view(np.uint64), gy.view(np.uint64), gz.view(np.uint64), strict=True)
    ]
    lines = [f"const POW_CASES: [(u64, u64, u64); {len(triples)}] = ["]
    lines += [f"    (0x{a:016x}, 0x{b:016x}, 0x{c:016x})," for a, b, c in triples]
    lines.append("];")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/npmath/vectors"))
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--rust-cases", type=int, default=0, metavar="N")
    ap.add_argument("--only", nargs="*", default=None, help="functions to write (default all)")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    features = np._core._multiarray_umath.__cpu_features__  # type: ignore[attr-defined]
    print(f"numpy {np.__version__}, AVX512_SKX={features.get('AVX512_SKX')}", file=sys.stderr)
    for name, make in (
        ("exp", exp_inputs),
        ("log", log_inputs),
        ("log1p", log1p_inputs),
        ("expm1", expm1_inputs),
    ):
        if args.only is not None and name not in args.only:
            continue
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
    if args.only is not None and "pow" not in args.only:
        return
    px, py = (np.ascontiguousarray(a, dtype=np.float64) for a in pow_inputs(rng))
    with np.errstate(all="ignore"):
        pz = np.power(px, py)
        check_pow_paths(px, py, pz)
    for suffix, arr in (("x", px), ("y", py), ("out", pz)):
        arr.astype("<f8").tofile(args.out / f"pow_{suffix}.bin")
    print(f"pow: {px.size} vectors written to {args.out}", file=sys.stderr)
    if args.rust_cases:
        print(rust_pow_cases(px, py, pz, args.rust_cases))


if __name__ == "__main__":
    main()
