"""Replay a test file on the other CPU path: numpy's AVX2 dispatch (no SVML)
and OpenBLAS's Haswell kernels on one thread, what a machine without AVX-512
runs. Used by the native test files whose results depend on the CPU path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from skseal import _native

# numpy 2.4 honours the group name X86_V4 (single names such as AVX512F are
# ignored with a warning and SVML stays on); skseal's own kernels leave their
# AVX-512 copies for the FMA ones an AVX2-only machine runs
AVX2_ENV = {"NPY_DISABLE_CPU_FEATURES": "X86_V4", "OPENBLAS_CORETYPE": "Haswell",
            "OPENBLAS_NUM_THREADS": "1", _native.NATIVE_NO_AVX512_ENV: "1"}
CHILD = "SKSEAL_AVX2_CHILD"


def replay_on_avx2(test_file: str, also_skip: str | None = None) -> None:
    """Run ``test_file``'s tests (all but the ``without_avx512`` ones, and
    those matching the ``-k`` word ``also_skip``: tests that do not depend on
    the CPU path) again in a subprocess on the AVX2 path and fail with its
    output if any fails; skip when this already is that subprocess."""
    if os.environ.get(CHILD):
        pytest.skip("already the AVX2 run")
    env = dict(os.environ, **AVX2_ENV, **{CHILD: "1"})
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", test_file,
         "-k", "not without_avx512" + (f" and not {also_skip}" if also_skip else "")],
        env=env, capture_output=True, text=True, cwd=Path(__file__).parent.parent,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
