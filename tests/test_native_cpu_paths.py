"""The instruction paths of native inference's own kernels
(``_native.native_cpu_paths()``): hardware FMA, the AVX-512 copies, and the
eight-lane C-library exp. The environment variable the AVX2 replay sets
(``_native.NATIVE_NO_AVX512_ENV``) keeps an AVX-512 machine on the copies an
AVX2-only machine runs, and their answers are scikit-learn's bits too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

import skseal
import skseal.native
from skseal import _native

ROOT = Path(__file__).resolve().parent.parent


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def test_paths_follow_the_cpu() -> None:
    paths = dict(_native.native_cpu_paths())
    assert set(paths) == {"fma", "avx512", "libm_exp8"}
    flags = _cpu_flags()
    if flags and sys.platform == "linux" and os.uname().machine == "x86_64":
        assert paths["fma"] == ("fma" in flags)
        wide = "avx512f" in flags and "fma" in flags
        assert paths["avx512"] == (wide and not os.environ.get(_native.NATIVE_NO_AVX512_ENV))
        assert paths["libm_exp8"] == paths["fma"]  # glibc's exp is __exp_fma there


def _models() -> tuple[list[object], np.ndarray]:
    X, y = make_classification(n_samples=1500, n_features=20, n_informative=8, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        models = [
            SVC(kernel="rbf", probability=True, random_state=0).fit(X[:600], y[:600]),
            MLPClassifier((40,), max_iter=50, random_state=0).fit(X[:1000], y[:1000]),
        ]
    return models, X[1000:]


def _same_answers() -> list[bool]:
    models, X = _models()
    same = []
    for m in models:
        native = skseal.native.loads(skseal.dumps(m))
        same.append(native.predict_proba(X).tobytes() == m.predict_proba(X).tobytes()
                    and native.predict_proba(X[:1]).tobytes() == m.predict_proba(X[:1]).tobytes())
    return same


CHILD = """
import json
from skseal import _native
from tests.test_native_cpu_paths import _same_answers
print(json.dumps({"paths": dict(_native.native_cpu_paths()), "same": _same_answers()}))
"""


def test_without_avx512_the_answers_are_the_same() -> None:
    # an SVC (eight-lane dots, exp) and an MLP (packed products, bias and
    # activation), fitted alike in both processes
    env = dict(os.environ, **{_native.NATIVE_NO_AVX512_ENV: "1"})
    r = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["paths"]["avx512"] is False
    assert out["same"] == [True, True]
    # and in this process, on whatever path it takes
    assert _same_answers() == [True, True]
