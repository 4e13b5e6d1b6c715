"""The `skseal` binary: scan (exit codes, JSON, directories) and convert, with no Python
involved in the binary itself."""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

import skseal

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "picklescan"


def run(cli: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(cli), *args], capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not present")
def test_scan_flags_every_malicious_file_and_passes_benign(cli: Path) -> None:
    r = run(cli, "scan", "--json", str(CORPUS / "malicious"))
    assert r.returncode == 1, r.stderr
    files = json.loads(r.stdout)["files"]
    assert len(files) == 84
    assert all(f["status"] == "flagged" for f in files), [
        f["path"] for f in files if f["status"] != "flagged"
    ]
    # every flagged file names at least one untrusted global with its byte offset
    for f in files:
        bad = [g for g in f["globals"] if g["verdict"] in ("unknown", "dangerous")]
        assert bad or "refused" in f, f["path"]
        assert all(isinstance(g["offset"], int) for g in bad), f["path"]
    r = run(cli, "scan", str(CORPUS / "benign"))
    assert r.returncode == 0, r.stdout
    assert r.stdout.count(": clean") == 3


def test_scan_exit_codes_and_recursion(cli: Path, tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    model = RandomForestClassifier(3, random_state=0).fit(X, y)
    (tmp_path / "a" / "b").mkdir(parents=True)
    joblib.dump(model, tmp_path / "a" / "b" / "m.joblib", compress=3)
    skseal.dump(model, tmp_path / "a" / "m.skseal")
    (tmp_path / "notes.txt").write_text("not scanned: extension")
    r = run(cli, "scan", "--json", str(tmp_path))
    assert r.returncode == 0, r.stdout
    files = json.loads(r.stdout)["files"]
    assert sorted(Path(f["path"]).name for f in files) == ["m.joblib", "m.skseal"]
    jb = next(f for f in files if f["format"] == "joblib")
    assert jb["compression"] == "zlib" and len(jb["joblib_arrays"]) > 0
    (tmp_path / "broken.pkl").write_bytes(b"\x80\x04\x95garbage")
    assert run(cli, "scan", str(tmp_path)).returncode == 2


def test_scan_of_a_stream_the_vm_stops_reading_says_trusted(cli: Path, tmp_path: Path) -> None:
    """A file the VM stops reading partway (data after STOP, a stream cut
    short) reports the names it saw with the verdicts of a whole file: one
    named by --trust is "trusted", not "allowed"."""
    two = tmp_path / "two.pkl"
    two.write_bytes(b"cmypkg\nThing\n)R." + b"csklearn.tree._classes\nDecisionTreeClassifier\n)R."
                    + b"cos\nsystem\n(S'echo'\ntR.")

    def verdicts(p: Path, *trust: str) -> tuple[int, dict[str, Any]]:
        r = run(cli, "scan", "--json", str(p), *(a for t in trust for a in ("--trust", t)))
        return r.returncode, json.loads(r.stdout)["files"][0]

    code, f = verdicts(two, "mypkg.Thing")
    assert code == 1 and f["status"] == "flagged" and "after STOP" in f["refused"]
    assert {g["name"]: g["verdict"] for g in f["globals"]} == {
        "mypkg.Thing": "trusted", "os.system": "dangerous",
        "sklearn.tree._classes.DecisionTreeClassifier": "allowed"}
    assert "trusted   mypkg.Thing" in run(cli, "scan", str(two), "--trust", "mypkg.Thing").stdout
    _, f = verdicts(two)
    assert {g["name"]: g["verdict"] for g in f["globals"]}["mypkg.Thing"] == "unknown"
    # cut short with only a trusted name: unreadable, as with only allowed names
    cut = tmp_path / "cut.pkl"
    cut.write_bytes(b"\x80\x02cmypkg\nThing\n)")
    code, f = verdicts(cut, "mypkg.Thing")
    assert code == 2 and f["status"] == "unreadable" and "without STOP" in f["error"]
    code, f = verdicts(cut)
    assert code == 1 and f["globals"][0]["verdict"] == "unknown"


def test_convert_legacy_joblib(cli: Path, tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    model = RandomForestClassifier(4, random_state=0).fit(X, y)
    src = tmp_path / "m.joblib"
    joblib.dump(model, src, compress=("gzip", 3))
    dst = tmp_path / "m.skseal"
    r = run(cli, "convert", str(src), str(dst), "--compress", "zstd")
    assert r.returncode == 0, r.stderr
    loaded = skseal.load(dst)
    assert loaded.predict_proba(X).tobytes() == model.predict_proba(X).tobytes()
    meta = skseal.inspect(dst)["metadata"]
    assert meta["source"]["format"] == "joblib" and meta["source"]["compression"] == "gzip"
    assert meta["environment"]["scikit-learn"] == sklearn.__version__
    # and from Python, no object is built from the source
    dst2 = tmp_path / "m2.skseal"
    fp = skseal.convert(src, dst2, metadata={"origin": "test"})
    assert fp == skseal.inspect(dst)["fingerprint"]
    assert skseal.inspect(dst2)["metadata"]["user"] == {"origin": "test"}


@pytest.mark.parametrize(("cli_spec", "py_arg", "message"), [
    ("zstd:23", 23, "zstd level 23 is outside 1..22"),
    ("zstd:0", ("zstd", 0), "zstd level 0 is outside 1..22"),
    ("zstd:-3", ("zstd", -3), "zstd level -3 is outside 1..22"),
])
def test_one_compress_parser_for_cli_and_python(
    cli: Path, tmp_path: Path, cli_spec: str, py_arg: object, message: str
) -> None:
    """--compress and compress= are read by the same Rust parser: same range, same words."""
    src = tmp_path / "m.pkl"
    src.write_bytes(pickle.dumps([1, 2, 3]))
    dst = tmp_path / "m.skseal"
    r = run(cli, "convert", str(src), str(dst), "--compress", cli_spec)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert not dst.exists()
    with pytest.raises(ValueError, match=re.escape(message)):
        skseal.dumps([1], compress=py_arg)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=re.escape(message)):
        skseal.convert(src, dst, compress=py_arg)  # type: ignore[arg-type]
    assert not dst.exists()


def test_convert_refuses_untrusted_and_leaves_no_file(cli: Path, tmp_path: Path) -> None:
    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, ("true",))

    src = tmp_path / "evil.pkl"
    src.write_bytes(__import__("pickle").dumps({"a": np.arange(3), "b": Evil()}))
    dst = tmp_path / "out.skseal"
    r = run(cli, "convert", str(src), str(dst))
    assert r.returncode == 2 and "posix.system" in r.stderr
    assert not dst.exists() and list(tmp_path.iterdir()) == [src]
    with pytest.raises(skseal.UntrustedTypeError):
        skseal.convert(src, dst)
    assert not dst.exists()
