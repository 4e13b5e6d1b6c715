"""Old models, same answers: native inference of files written by older
scikit-learn releases (tests/fixtures/legacy, scripts/make_legacy_fixtures.py)
reproduces the outputs each model gave in the environment that saved it
(``<model>.expected.npz``, recorded there), under the current environment.

Nothing here depends on ``joblib.load`` or the installed scikit-learn
rebuilding the old model: skseal.native reads the files with its own VM.

Bitwise is asserted where the model claims it (``exactness`` starts with
"bitwise") and the recorded output does not come from a BLAS product (trees,
ensembles, boosting, HistGradientBoosting, IsolationForest, preprocessing).
The linear models' recorded outputs came from the OpenBLAS of the saving
venv (an older release than the one native inference follows), so there the
documented bound is asserted, and the number of bitwise-equal values is
reported, never assumed.

The outputs were recorded on machines whose numpy computed float64 exp, log
and power with glibc (no AVX-512: numpy's X86_V4 group off). On an AVX-512
machine numpy, and skseal.native with it, uses SVML instead, which rounds
differently; there the recorded outputs are replayed in a subprocess with
``NPY_DISABLE_CPU_FEATURES=X86_V4``, the recording machines' math path, and
the in-process outputs are compared with the original file's instead.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import skseal
import skseal.native

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "legacy"
CLI = ROOT / "target" / "debug" / "skseal"
DIRS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
# recorded outputs that come from a matrix product (numpy's BLAS in the saving venv)
BLAS_MODELS = {"logreg", "pipeline"}


def _manifest(d: Path) -> dict[str, Any]:
    return json.loads((d / "MANIFEST.json").read_text())


def _files() -> list[tuple[Path, str]]:
    out = []
    for d in DIRS:
        for entry in _manifest(d)["models"]:
            out += [(d / f, entry["name"]) for f in entry["files"]]
    return out


FILES = _files()

#: numpy's float64 exp/log/power take SVML in this process (AVX-512, X86_V4)
SVML = skseal.native.NUMPY_SVML
#: the math path of the machines that recorded the fixtures
RECORDING_MATH = {"NPY_DISABLE_CPU_FEATURES": "X86_V4"}

REPLAY = r"""
import json, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, sys.argv[1])
import test_legacy_native as t
assert not t.SVML, "numpy still uses SVML"
out = Path(sys.argv[2])
arrays, claims = {}, {}
for i, (path, name) in enumerate(t.FILES):
    X, expected = t._inputs(path.parent, name)
    model = t._load_native(path, name)
    if model is None:
        continue
    for method in expected:
        arrays[f"{i}/{method}"] = getattr(model, method)(X)
        claims[f"{i}/{method}"] = model.exactness(method)
np.savez(out / "outputs.npz", **arrays)
(out / "claims.json").write_text(json.dumps(claims))
"""


@pytest.fixture(scope="module")
def recorded_math(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any] | None:
    """On an AVX-512 machine: every native output, computed in a subprocess
    that takes the recording machines' math path (None elsewhere: this
    process already does)."""
    if not SVML:
        return None
    out = tmp_path_factory.mktemp("replay")
    subprocess.run([sys.executable, "-c", REPLAY, str(ROOT / "tests"), str(out)],
                   env={**os.environ, **RECORDING_MATH}, check=True, timeout=900)
    with np.load(out / "outputs.npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return {"arrays": arrays, "claims": json.loads((out / "claims.json").read_text())}


def _inputs(d: Path, name: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    X = np.load(d / f"{name}.X.npy", allow_pickle=False)
    with np.load(d / f"{name}.expected.npz", allow_pickle=False) as npz:
        expected = {k: npz[k] for k in npz.files}
    return X, expected


def test_versions_covered() -> None:
    versions = {_manifest(d)["versions"]["scikit-learn"] for d in DIRS}
    assert {"1.1.3", "1.3.2", "1.5.2", "1.7.2"} <= versions
    for d in DIRS:
        m = _manifest(d)
        listed = {f["name"] for f in m["files"]}
        assert listed == {p.name for p in d.iterdir() if p.name != "MANIFEST.json"}
    # the newer corpora carry the boosting / outlier models too
    for d in DIRS:
        if _manifest(d)["versions"]["scikit-learn"] != "1.1.3":
            names = {e["name"] for e in _manifest(d)["models"]}
            assert {"hgb", "hgb3", "iforest", "gbc"} <= names


# Names these old files hold that the default allow-list does not: the Cython
# loss objects scikit-learn 1.3-1.7 pickle (as "_loss.Cy..." with their
# "__pyx_unpickle_" constructors), the GradientBoosting losses of < 1.4
# (sklearn.ensemble._gb_losses) and a RandomState's bit-generator constructor
# used as a reference. Native inference reads none of them; a user passes them
# as trusted=... (what skseal.untrusted_types lists).
KNOWN_UNTRUSTED = re.compile(
    r"_loss\.(__pyx_unpickle_)?Cy\w+|sklearn\.ensemble\._gb_losses\.\w+"
    r"|numpy\.random\._pickle\.__bit_generator_ctor"
)


def _trust(path: Path) -> list[str]:
    names = skseal.untrusted_types(path)
    assert all(KNOWN_UNTRUSTED.fullmatch(n) for n in names), names
    return names


def _load_native(path: Path, name: str) -> skseal.native.NativeModel | None:
    """The native model, or None for a documented refusal (asserted here)."""
    trust = _trust(path)
    if trust:
        with pytest.raises(skseal.UntrustedTypeError):
            skseal.native.load(path)
    if "sklearn.ensemble._gb_losses.MultinomialDeviance" in trust:
        # MultinomialDeviance computed exp(raw - logsumexp(raw)) and log(p) for
        # init_: not the softmax/link of later releases, so it is refused
        with pytest.raises(skseal.UnsupportedModelError, match="MultinomialDeviance"):
            skseal.native.load(path, trusted=trust)
        return None
    return skseal.native.load(path, trusted=trust)


def _linear_bound(path: Path, name: str, X: np.ndarray) -> np.ndarray:
    """Per-row bound 4e-15 * (sum_j |x_j coef_j| + |intercept|), from the
    fitted state read by skseal's safe loader (never joblib)."""
    model = skseal.load(path, on_version_mismatch="ignore")
    if name == "pipeline":
        scaler, clf = model.steps[0][1], model.steps[-1][1]
        X = (X - scaler.mean_) / scaler.scale_
    else:
        clf = model
    mag = np.abs(X) @ np.abs(clf.coef_).T + np.abs(clf.intercept_)
    return 4e-15 * mag.max(axis=1)


def _ids(cases: list[tuple[Path, str]]) -> list[str]:
    return [f"{p.parent.name[:12]}/{p.name}" for p, _ in cases]


@pytest.mark.parametrize("path,name", FILES, ids=_ids(FILES))
def test_native_reproduces_the_saving_environment(
        path: Path, name: str, recorded_math: dict[str, Any] | None) -> None:
    X, expected = _inputs(path.parent, name)
    model = _load_native(path, name)
    if model is None:
        return
    assert set(expected) <= set(model.methods), (sorted(expected), model.methods)
    bitwise_rows = 0
    for method, want in expected.items():
        if recorded_math is None:
            got, claim = getattr(model, method)(X), model.exactness(method)
        else:
            key = f"{FILES.index((path, name))}/{method}"
            got, claim = recorded_math["arrays"][key], recorded_math["claims"][key]
        assert got.shape == want.shape, method
        assert got.dtype.kind == want.dtype.kind, method
        if name not in BLAS_MODELS:
            assert claim.startswith("bitwise"), (method, claim)
            assert got.astype(want.dtype).tobytes() == want.tobytes(), (
                f"{method}: {int((got != want).sum())} values differ"
            )
            continue
        # a product in the saving venv's OpenBLAS: the documented bound
        if method == "predict":
            assert np.array_equal(got, want), method
            continue
        bound = _linear_bound(path, name, X)
        diff = np.abs(got - want).reshape(len(X), -1).max(axis=1)
        assert (diff <= bound).all(), (method, float((diff / bound).max()))
        bitwise_rows += int((got == want).reshape(len(X), -1).all(axis=1).sum())
    if name in BLAS_MODELS:
        # reported for NATIVE.md; not a claim
        print(f"{path.parent.name}/{path.name}: {bitwise_rows} bitwise rows")


def _cli_files() -> list[Path]:
    # one tree model and one boosting model per version
    return [d / f for d in DIRS for f in ("forest.joblib", "hgb.joblib") if (d / f).exists()]


@pytest.mark.skipif(not CLI.exists(), reason="CLI not built (scripts/setup.sh builds it)")
@pytest.mark.parametrize("path", _cli_files(), ids=lambda p: f"{p.parent.name[:12]}/{p.name}")
def test_cli_predict_reproduces_the_saving_environment(path: Path, tmp_path: Path) -> None:
    import pandas as pd

    name = path.name.split(".")[0]
    X, expected = _inputs(path.parent, name)
    inp = tmp_path / "rows.csv"
    pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])]).to_csv(inp, index=False)
    trust = [arg for n in _trust(path) for arg in ("--trust", n)]
    r = subprocess.run(
        [str(CLI), "predict", str(path), "--input", str(inp), "--method", "predict_proba", *trust],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **RECORDING_MATH},  # the recording machines' exp/log/power
    )
    assert r.returncode == 0, r.stderr
    got = pd.read_csv(pd.io.common.StringIO(r.stdout), float_precision="round_trip").to_numpy()
    assert got.tobytes() == expected["predict_proba"].tobytes()


def _convert_cases() -> list[tuple[Path, str]]:
    # every model of every version, from its protocol-5 pickle (or raw joblib)
    out = []
    for d in DIRS:
        for entry in _manifest(d)["models"]:
            files = entry["files"]
            pick = next((f for f in files if f.endswith(".p5.pkl")), files[0])
            out.append((d / pick, entry["name"]))
    return out


@pytest.mark.parametrize("path,name", _convert_cases(), ids=_ids(_convert_cases()))
def test_convert_keeps_a_native_probe(path: Path, name: str, tmp_path: Path) -> None:
    X, expected = _inputs(path.parent, name)
    if X.dtype.kind == "U":
        X = X.astype(object)
    dst = tmp_path / "m.skseal"
    if _load_native(path, name) is None:
        return  # refused natively, see _load_native
    trust = _trust(path)
    skseal.convert(path, dst, probe=X[:20], trusted=trust)
    assert skseal.inspect(dst)["metadata"]["probe"] == "skseal.native"
    model = skseal.native.load(dst, verify=True, trusted=trust)  # natively; no scikit-learn
    if name not in BLAS_MODELS:
        # the converted model answers as the original file does; where this
        # process has the recording machines' math, as the saving environment did
        original = _load_native(path, name)
        assert original is not None
        for method, want in expected.items():
            got = getattr(model, method)(X[:20])
            assert got.tobytes() == getattr(original, method)(X[:20]).tobytes()
            if not SVML:
                assert got.tobytes() == want[:20].tobytes()
    # and through scikit-learn, when the installed release can rebuild the model
    major, minor = _manifest(path.parent)["versions"]["scikit-learn"].split(".")[:2]
    if name in ("tree", "forest") and (int(major), int(minor)) < (1, 4):
        # scikit-learn >= 1.4 no longer divides tree_.value at predict time, and
        # these files hold counts: it returns counts, the probe catches it
        try:
            skseal.load(dst, verify=True, on_version_mismatch="ignore", trusted=trust)
        except skseal.ProbeMismatchError as e:
            assert "predict_proba(): 20 of 20 rows differ" in str(e), e
            return
        except Exception:  # noqa: BLE001 - e.g. ValueError: incompatible node dtype
            return  # the installed scikit-learn cannot rebuild this tree state
        raise AssertionError("scikit-learn ran an old tree's counts and the probe passed")
    try:
        skseal.load(dst, verify=True, on_version_mismatch="ignore", trusted=trust)
    except skseal.ProbeMismatchError as e:
        # only accepted when scikit-learn cannot run the old model at all
        problems = str(e).split("save time: ")[1].split(". The library")[0].split("; ")
        assert all(" raised " in p for p in problems), e
    except Exception:  # noqa: BLE001 - SkSealError, or scikit-learn's own error
        pass  # the installed scikit-learn refuses the old state; native check passed


def test_a_wrong_probe_is_caught_natively(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = next(d for d in DIRS if (d / "hgb.p5.pkl").exists())
    X, _ = _inputs(d, "hgb")
    # a probe whose predict_proba is off by one ulp in one value must fail
    real = skseal.native.NativeModel.predict_proba

    def nudged(self: skseal.native.NativeModel, rows: Any) -> np.ndarray:
        out = real(self, rows).copy()
        out[3, 1] = np.nextafter(out[3, 1], 2.0)
        return out

    bad = tmp_path / "bad.skseal"
    with monkeypatch.context() as mp:
        mp.setattr(skseal.native.NativeModel, "predict_proba", nudged)
        skseal.convert(d / "hgb.p5.pkl", bad, probe=X[:10])
    with pytest.raises(skseal.ProbeMismatchError, match=r"predict_proba\(\): 1 of 10 rows differ"):
        skseal.native.load(bad, verify=True)
    # no probe: a pickle, or a file converted without one
    with pytest.raises(skseal.FormatError, match="no probe"):
        skseal.native.load(d / "hgb.p5.pkl", verify=True)
    plain = tmp_path / "plain.skseal"
    skseal.convert(d / "hgb.p5.pkl", plain)
    with pytest.raises(skseal.FormatError, match="no probe"):
        skseal.native.load(plain, verify=True)
