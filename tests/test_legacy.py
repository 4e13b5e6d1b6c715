"""Legacy files written by joblib (uncompressed and every compressor) are read by
the same VM and policy as skseal files; hostile payloads hidden after an inline
array or inside a compressed joblib file are refused. The hostile files are
written here by joblib.dump (which only calls __reduce__); they are never loaded
with pickle or joblib."""

from __future__ import annotations

import os
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import skseal

COMPRESSORS = [0, ("zlib", 3), ("gzip", 3), ("bz2", 3), ("lzma", 3), ("xz", 3)]


@pytest.fixture(scope="module")
def models() -> dict[str, object]:
    X, y = load_iris(return_X_y=True)
    return {
        "pipe": make_pipeline(
            StandardScaler(), RandomForestClassifier(5, random_state=0)
        ).fit(X, y),
        "enc": OneHotEncoder().fit(np.array([["a", "x"], ["b", "y"], ["c", "x"]], dtype=object)),
        "X": X,
    }


@pytest.mark.parametrize("compress", COMPRESSORS, ids=[str(c) for c in COMPRESSORS])
def test_joblib_files_load_identically(compress: object, models: dict, tmp_path: Path) -> None:
    X = models["X"]
    p = tmp_path / "pipe.joblib"
    joblib.dump(models["pipe"], p, compress=compress)
    loaded = skseal.load(p)
    assert loaded.predict_proba(X).tobytes() == models["pipe"].predict_proba(X).tobytes()
    info = skseal.inspect(p)
    assert info["format"] == "joblib"
    assert info["compression"] == (None if compress == 0 else compress[0])  # type: ignore[index]
    assert len(info["joblib_arrays"]) > 0
    # object-dtype arrays are nested pickles inside joblib files
    q = tmp_path / "enc.joblib"
    joblib.dump(models["enc"], q, compress=compress)
    enc = skseal.load(q)
    probe = np.array([["a", "y"]], dtype=object)
    assert (enc.transform(probe).toarray() == models["enc"].transform(probe).toarray()).all()
    assert enc.categories_[0].dtype == object


class _Payload:
    def __init__(self, canary: Path) -> None:
        self.canary = canary

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.canary}",))


@pytest.mark.parametrize("compress", [0, ("zlib", 3)], ids=["raw", "zlib"])
def test_payload_after_an_inline_array_is_refused(compress: object, tmp_path: Path) -> None:
    """picklescan stops at joblib's first inline array, and reports a zlib joblib
    file clean: the same VM reads the whole stream, so the payload is found."""
    canary = tmp_path / "canary"
    p = tmp_path / "evil.joblib"
    joblib.dump({"weights": np.arange(1000.0), "x": _Payload(canary)}, p, compress=compress)
    assert skseal.untrusted_types(p) == ["posix.system"]
    with pytest.raises(skseal.UntrustedTypeError) as ei:
        skseal.load(p)
    assert ei.value.types == ["posix.system"]
    assert not canary.exists()


def test_compression_bomb_fails_at_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "big.joblib"
    joblib.dump(np.zeros(4_000_000), p, compress=("zlib", 9))
    assert p.stat().st_size < 200_000
    monkeypatch.setenv("SKSEAL_MAX_DECOMPRESSED", str(1 << 20))
    with pytest.raises(skseal.FormatError, match="exceeds the limit"):
        skseal.load(p)
    monkeypatch.delenv("SKSEAL_MAX_DECOMPRESSED")
    assert skseal.load(p).shape == (4_000_000,)


def test_joblib_padding_must_be_0xff(models: dict, tmp_path: Path) -> None:
    p = tmp_path / "a.joblib"
    joblib.dump(np.arange(10.0), p)
    data = bytearray(p.read_bytes())
    # joblib >= 1.2 writes a pad-length byte then that many 0xFF bytes before the
    # data; the 80 data bytes end just before the final STOP opcode.
    start = len(data) - 1 - 80
    assert data[start - 1] == 0xFF and data[-1:] == b"."
    data[start - 1] = 0x00
    with pytest.raises(skseal.FormatError, match="padding"):
        skseal.loads(bytes(data))


def test_pre_0_10_joblib_wrappers_are_refused() -> None:
    """joblib < 0.10 kept arrays in sibling .npy files named inside the pickle:
    skseal never opens a file name read from a file."""
    def short(text: str) -> bytes:  # SHORT_BINUNICODE
        return b"\x8c" + bytes([len(text)]) + text.encode()

    stream = (b"\x80\x04" + short("joblib.numpy_pickle") + short("NDArrayWrapper")
              + b"\x93)\x81}" + short("filename") + short("model.pkl_01.npy") + b"sb.")
    with pytest.raises(skseal.FormatError, match="multi-file format"):
        skseal.loads(stream)


def test_numpy1_bool_name_maps_to_numpy2() -> None:
    # a protocol-0 pickle of the global numpy.bool_ (numpy 1.x spelling)
    assert skseal.loads(b"cnumpy\nbool_\np0\n.") is np.bool_
