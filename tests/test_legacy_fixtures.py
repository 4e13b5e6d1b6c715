"""Files written by scikit-learn 1.1.3 / numpy 1.23.5 / joblib 1.1.0 and 1.2.0
(tests/fixtures/legacy, made by scripts/make_legacy_fixtures.py): pickle
protocols 0-5, joblib uncompressed and every compressor; and by scikit-learn
1.3.2, 1.5.2 and 1.7.2 (protocols 4 and 5, joblib uncompressed). Native
inference of the same files: tests/test_legacy_native.py.

Every file must be *read* by skseal's VM. Whether the old model then works under
the installed scikit-learn is scikit-learn's business: the reference is what
joblib.load gives in this same environment (these are our own benign files).
skseal must give bitwise the same outputs whenever joblib.load works, and refuse
cleanly (a SkSealError or the same exception scikit-learn raises) when it does not.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest

import skseal

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "legacy"
FILES = sorted(
    p for p in FIXTURES.glob("*/*") if p.suffix in (".pkl", ".joblib")
)


def _outputs(model: object, X: np.ndarray, methods: list[str]) -> dict[str, np.ndarray]:
    out = {}
    for m in methods:
        v = getattr(model, m)(X)
        out[m] = v.toarray() if hasattr(v, "toarray") else np.asarray(v)
    return out


def test_fixture_corpus_is_present() -> None:
    tags = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
    old = [t for t in tags if "sklearn1.1.3" in t]
    assert len(old) == 2
    old_files = [p for p in FILES if p.parent.name in old]
    assert len(old_files) == 2 * 6 * 12  # protocols 0, 2-5; joblib raw + 6 compressors
    # scikit-learn 1.3.2, 1.5.2, 1.7.2: 10 models, protocols 4 and 5 + raw joblib
    newer = [t for t in tags if t not in old]
    assert [t.split("-")[0] for t in newer] == ["sklearn1.3.2", "sklearn1.5.2", "sklearn1.7.2"]
    assert len(FILES) - len(old_files) == 3 * 10 * 3


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name[-12:]}/{p.name}" for p in FILES])
def test_legacy_file(path: Path, tmp_path: Path) -> None:
    model_name = path.name.split(".")[0]
    X = np.load(path.parent / f"{model_name}.X.npy")
    if X.dtype.kind == "U":
        X = X.astype(object)
    manifest = json.loads((path.parent / "MANIFEST.json").read_text())
    [entry] = [m for m in manifest["models"] if m["name"] == model_name]
    method_names = list(entry["methods"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            # every file of a model in a folder holds the same fitted object;
            # the uncompressed joblib file is the reference (joblib's lz4
            # reader needs a package this environment does not install)
            reference = _outputs(joblib.load(path.parent / f"{model_name}.joblib"), X, method_names)
            ref_error: type[BaseException] | None = None
        except Exception as e:  # the old model does not work with this scikit-learn
            reference, ref_error = {}, type(e)
        try:
            model = skseal.load(path, on_version_mismatch="ignore")
            ours = _outputs(model, X, method_names)
        except skseal.SkSealError:
            assert ref_error is not None, "skseal refused a file that joblib loads and runs"
            return
        except Exception as e:
            assert ref_error is not None and isinstance(e, ref_error), e
            return
    assert ref_error is None, "skseal ran a model that fails under joblib.load"
    for m in method_names:
        assert ours[m].dtype == reference[m].dtype and ours[m].shape == reference[m].shape
        assert ours[m].tobytes() == reference[m].tobytes(), m
    # and converting gives a .skseal file that loads identically
    dst = tmp_path / "m.skseal"
    skseal.convert(path, dst)
    again = _outputs(skseal.load(dst, on_version_mismatch="ignore"), X, method_names)
    for m in method_names:
        assert again[m].tobytes() == reference[m].tobytes(), m
