"""Native parity under every BLAS / SIMD configuration this machine can run.

numpy's bundled OpenBLAS picks its kernels from the CPU (SkylakeX on AVX-512,
Haswell on AVX2) or from OPENBLAS_CORETYPE, and its thread split from
OPENBLAS_NUM_THREADS; numpy's exp/log/power take SVML paths on AVX-512
unless NPY_DISABLE_CPU_FEATURES turns them off. Each configuration runs
``tests/parity_worker.py`` in a fresh interpreter (the variables are read at
import) and checks: where a model claims bitwise, every row is bitwise
equal; where it claims a bound, the bound holds; on a core skseal reproduces,
the linear family claims bitwise (so a test cannot pass by claiming less).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / "target" / "debug" / "skseal"


def _has_avx512() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx512f " in flags.replace("\n", " ")


CONFIGS: list[dict[str, str]] = [
    {},
    {"OPENBLAS_NUM_THREADS": "1"},
    {"OPENBLAS_NUM_THREADS": "2"},
    {"OPENBLAS_NUM_THREADS": "4"},
    {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_NUM_THREADS": "1"},
]
if _has_avx512():
    # the AVX2 paths on an AVX-512 machine: Haswell kernels, numpy without SVML
    CONFIGS.append({"OPENBLAS_CORETYPE": "Haswell", "NPY_DISABLE_CPU_FEATURES": "X86_V4"})


def _run(env_extra: dict[str, str]) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBLAS_", "NPY_", "OMP_"))}
    env.update(env_extra)
    args = [sys.executable, str(ROOT / "tests" / "parity_worker.py"), "1"]
    if CLI.exists():
        args.append(str(CLI))
    r = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "config", CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "default"
)
def test_parity_under_configuration(config: dict[str, str]) -> None:
    out = _run(config)
    core, threads = out["numpy_blas"]
    if "OPENBLAS_CORETYPE" in config:
        assert core == config["OPENBLAS_CORETYPE"]
    if config.get("OPENBLAS_NUM_THREADS") == "1":
        assert threads == 1
    if "NPY_DISABLE_CPU_FEATURES" in config:
        assert out["numpy_svml"] is False
    fam = out["families"]
    for name, t in fam.items():
        assert t["rows"] > 0, name
        assert t["broken"] == 0, (name, t, out["numpy_blas"])
        assert t["worst_bound"] <= 1.0, (name, t)
    if core in ("Haswell", "SkylakeX"):
        lin = fam["linear, C-ordered X"]
        assert lin["claims"] == ["bitwise-c-ordered"]
        assert lin["equal"] == lin["rows"]
    for name in (
        "IsolationForest score_samples",
        "RandomForest predict_proba",
        "HistGradientBoosting predict_proba",
    ):
        assert fam[name]["claims"] == ["bitwise"] and fam[name]["equal"] == fam[name]["rows"], name
    if CLI.exists():
        cli = fam["skseal predict (CLI), linear"]
        if core in ("Haswell", "SkylakeX"):
            assert cli["equal"] == cli["rows"], cli
