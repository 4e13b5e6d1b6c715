"""Where skseal writes a whole file (dump, convert, sign, predict -o, card -o,
store pull), it writes through the one writer of skseal-core: no partial
file, and a destination that is not a regular file is never replaced.

Renaming a temporary file over ``/dev/null`` (as root) once turned it into a
regular file for the whole machine: every later ``> /dev/null`` then appended
to it and every reader of it got that text (it broke a CI run). These tests
write to a named pipe, a symbolic link, a folder, a read-only folder and
``/dev/null`` itself, with every writer.
"""

from __future__ import annotations

import os
import stat
import subprocess
import threading
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import skseal
import skseal.store

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / "target" / "debug" / "skseal"

pytestmark = pytest.mark.skipif(os.name != "posix", reason="named pipes and /dev/null are POSIX")

X = np.arange(40, dtype=np.float64).reshape(20, 2) % 7
Y = (X[:, 0] > 3).astype(np.int64)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("out")
    model = LogisticRegression().fit(X, Y)
    skseal.dump(model, d / "m.skseal", probe=X[:3])
    joblib.dump(model, d / "m.joblib")
    np.savetxt(d / "x.csv", X, delimiter=",", header="x0,x1", comments="")
    cli("keygen", str(d / "team"))
    return {"dir": d, "skseal": d / "m.skseal", "joblib": d / "m.joblib",
            "csv": d / "x.csv", "key": d / "team"}


def _read_fifo(path: Path, into: list[bytes]) -> threading.Thread:
    def run() -> None:
        with open(path, "rb") as f:
            into.append(f.read())
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def _is_devnull() -> bool:
    return stat.S_ISCHR(os.stat(os.devnull).st_mode)


WRITERS = ["dump", "convert", "predict", "card", "store-pull", "store-pull-py"]


def _write(how: str, files: dict[str, Path], dst: Path, tmp: Path) -> Any:
    if how == "dump":
        return skseal.dump(skseal.load(files["skseal"]), dst)
    if how == "convert":
        return cli("convert", str(files["joblib"]), str(dst))
    if how == "predict":
        return cli("predict", str(files["skseal"]), "--input", str(files["csv"]), "-o", str(dst))
    if how == "card":
        return cli("card", str(files["skseal"]), "-o", str(dst))
    store = tmp / "store"
    if not store.exists():
        r = cli("store", "push", str(files["skseal"]), "m", "--store", str(store))
        assert r.returncode == 0, r.stderr
    if how == "store-pull":
        return cli("store", "pull", "m", "-o", str(dst), "--store", str(store))
    return skseal.store.open(str(store)).pull("m", dst)


def _ok(r: Any) -> None:
    if isinstance(r, subprocess.CompletedProcess):
        assert r.returncode == 0, (r.args, r.stdout, r.stderr)


@pytest.mark.parametrize("how", WRITERS)
def test_a_named_pipe_is_written_through_not_replaced(how: str, files: dict[str, Path],
                                                       tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _read_fifo(fifo, got)
    try:
        _ok(_write(how, files, fifo, tmp_path))
    finally:
        reader.join(30)
        if reader.is_alive():  # nothing wrote to the pipe: release the reader
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            reader.join(5)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the named pipe was replaced by a file"
    assert got and len(got[0]) > 0
    if how in ("dump", "convert", "store-pull", "store-pull-py"):
        assert got[0][:8] == (files["skseal"].read_bytes()[:8])
        assert skseal.inspect(got[0]) is not None
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("how", WRITERS)
def test_a_symbolic_link_is_followed_and_kept(how: str, files: dict[str, Path],
                                              tmp_path: Path) -> None:
    real = tmp_path / "real.out"
    real.write_bytes(b"old")
    os.chmod(real, 0o640)
    link = tmp_path / "link.out"
    link.symlink_to(real)
    _ok(_write(how, files, link, tmp_path))
    assert link.is_symlink(), "the link was replaced by a file"
    assert real.read_bytes() != b"old"
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640, "a replaced file keeps its permissions"


@pytest.mark.parametrize("how", WRITERS)
def test_dev_null_stays_a_device(how: str, files: dict[str, Path], tmp_path: Path) -> None:
    assert _is_devnull()
    _ok(_write(how, files, Path(os.devnull), tmp_path))
    assert _is_devnull(), f"{how} replaced /dev/null with a regular file"


def test_a_folder_is_refused_with_its_name(files: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    r = cli("convert", str(files["joblib"]), str(folder))
    assert r.returncode != 0
    assert "is a folder" in r.stderr and str(folder) in r.stderr
    assert list(folder.iterdir()) == []
    with pytest.raises(OSError, match="is a folder"):
        skseal.dump(skseal.load(files["skseal"]), folder)


def test_sign_in_place_through_a_link(files: dict[str, Path], tmp_path: Path) -> None:
    real = tmp_path / "real.skseal"
    real.write_bytes(files["skseal"].read_bytes())
    link = tmp_path / "link.skseal"
    link.symlink_to(real)
    r = cli("sign", str(link), "--key", str(files["key"]))
    assert r.returncode == 0, r.stderr
    assert link.is_symlink()
    r = cli("verify", str(real), "--key", str(files["key"]) + ".pub")
    assert r.returncode == 0, r.stdout + r.stderr
