"""Matrix products `X @ C.T` wider than one M block, or split over threads
(issue 15): numpy's OpenBLAS cuts a product of many columns (C's rows) into
M blocks and, on two or more threads, into regions of columns and samples;
SkylakeX's kernel then computes the four-, two- and one-row tails of later
blocks with split accumulators in its 12-sample groups, and Haswell's kernel
sums the last sample of an odd-width call with four accumulators. Native
inference models both (``crates/skseal-native/src/blas/wide.rs``); these
products are compared bit for bit with numpy's through a LinearRegression
with many targets (``X @ coef_.T + intercept_``, coef_ C-ordered), on this
machine's OpenBLAS core and thread count, and again in subprocesses on
Haswell's kernels with one and two threads (every machine of this project's
kind can run those)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

import skseal
import skseal.native

CHILD = "SKSEAL_WIDE_PRODUCTS_CHILD"

# (samples, outputs, features): one M block and several, serial and threaded
# (M * N * K above 524,288 on two threads), threads splitting M (samples <=
# outputs) or N, SkylakeX's tails of 4, 2 and 1 rows, Haswell's odd regions
SHAPES = [
    (104, 192, 6), (104, 196, 6), (104, 300, 6), (104, 301, 6), (104, 305, 6),
    (104, 300, 20), (128, 300, 20), (150, 300, 20), (90, 300, 20), (300, 300, 20),
    (1000, 250, 64), (2000, 300, 20), (85, 587, 38), (81, 786, 49), (77, 587, 24),
    (50, 900, 30), (600, 600, 12), (700, 400, 16), (3000, 200, 20), (1, 400, 30),
    (13, 700, 9),
]


def _model(k: int, d: int, rng: np.random.Generator) -> LinearRegression:
    m = LinearRegression().fit(rng.normal(size=(20, d)), np.zeros((20, k)))
    m.coef_ = rng.normal(size=(k, d))
    m.intercept_ = np.zeros(k)
    return m


def _check(n: int, k: int, d: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = _model(k, d, rng)
    X = rng.normal(size=(n, d))
    native = skseal.native.loads(skseal.dumps(m))
    got, want = native.predict(X), m.predict(X)
    bad = np.flatnonzero((got.view(np.int64) != want.view(np.int64)).any(axis=0))
    assert bad.size == 0, f"{n} x {k} x {d}: outputs {bad[:8]} differ"


@pytest.mark.parametrize(("n", "k", "d"), SHAPES)
def test_in_process(n: int, k: int, d: int) -> None:
    _check(n, k, d, seed=n * 7919 + k * 31 + d)


def test_in_process_random_shapes() -> None:
    rng = np.random.default_rng(20261206)
    for _ in range(25):
        n, k, d = int(rng.integers(1, 1500)), int(rng.integers(150, 900)), int(rng.integers(1, 70))
        _check(n, k, d, seed=int(rng.integers(1 << 30)))


@pytest.mark.parametrize("threads", ["1", "2"])
def test_on_haswell_kernels(threads: str) -> None:
    """The same products with numpy's OpenBLAS on Haswell's kernels (what an
    AVX2-only machine runs), one thread and two."""
    if os.environ.get(CHILD):
        pytest.skip("already a replay")
    env = dict(os.environ, OPENBLAS_CORETYPE="Haswell", OPENBLAS_NUM_THREADS=threads,
               **{CHILD: "1"})
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", __file__,
         "-k", "in_process"],
        env=env, capture_output=True, text=True, cwd=Path(__file__).parent.parent, timeout=900,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
