"""Issue 11: skseal reads exactly what pickle and joblib read, or refuses the
file; reading is bounded by construction. Hostile files are built by
tests/hostile_reader.py and never unpickled here; resource cases run in a
subprocess under an address-space limit and a timeout."""

from __future__ import annotations

import json
import os
import pickle
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

import skseal

sys.path.insert(0, str(Path(__file__).parent))
import hostile_reader as h  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / "target" / "debug" / "skseal"
AS_LIMIT = 3 << 30


def scan(path: Path) -> subprocess.CompletedProcess[str]:
    if not CLI.exists():
        subprocess.run(["cargo", "build", "--quiet", "-p", "skseal-cli"], cwd=ROOT, check=True)
    return subprocess.run([str(CLI), "scan", "--json", str(path)], capture_output=True,
                          text=True, timeout=120)


def refused_everywhere(path: Path, match: str) -> None:
    """load, loads, untrusted_types, inspect and `skseal scan` all refuse."""
    with pytest.raises(skseal.FormatError, match=match):
        skseal.load(path)
    with pytest.raises(skseal.FormatError, match=match):
        skseal.loads(path.read_bytes())
    with pytest.raises(skseal.FormatError, match=match):
        skseal.untrusted_types(path)
    with pytest.raises(skseal.FormatError, match=match):
        skseal.inspect(path)
    r = scan(path)
    assert r.returncode in (1, 2), r.stdout + r.stderr
    assert json.loads(r.stdout)["files"][0]["status"] != "clean"


KEYS = ["shape", "dtype", "numpy_array_alignment_bytes", "numpy.str_ alignment"]


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("kind", ["raw", "zlib", "gzip"])
def test_duplicate_keys_in_a_joblib_wrapper_are_refused(key: str, kind: str,
                                                        tmp_path: Path) -> None:
    p = tmp_path / "dup.joblib"
    p.write_bytes(h.COMPRESS[kind](h.duplicate_key_wrapper(key)))
    refused_everywhere(p, "appears twice")


def _with_duplicate(obj: object, real: bytes, placeholder: bytes) -> bytes:
    data = pickle.dumps(obj, protocol=4)
    assert data.count(placeholder) == 1
    return data.replace(placeholder, real)


def test_duplicate_nodes_in_a_tree_state_and_n_features_in(tmp_path: Path) -> None:
    X = np.arange(20.0).reshape(10, 2)
    clf = DecisionTreeClassifier(random_state=0).fit(X, np.arange(10) % 2)
    clf.n_features_inX = 999  # same length as n_features_in_; renamed to it below
    p = tmp_path / "nfi.pkl"
    p.write_bytes(_with_duplicate(clf, b"n_features_in_", b"n_features_inX"))
    refused_everywhere(p, "n_features_in_\" appears twice")

    class P(pickle.Pickler):
        def reducer_override(self, obj: object) -> object:
            if type(obj).__name__ == "Tree":
                cls, args, state = obj.__reduce__()  # type: ignore[misc]
                state = dict(state, nodeX=state["nodes"])
                return cls, args, state
            return NotImplemented

    import io

    buf = io.BytesIO()
    del clf.n_features_inX
    P(buf, protocol=4).dump(clf)
    q = tmp_path / "nodes.pkl"
    q.write_bytes(buf.getvalue().replace(b"\x8c\x05nodeX", b"\x8c\x05nodes"))
    refused_everywhere(q, "\"nodes\" appears twice")


@pytest.mark.parametrize("kind", ["raw", "zlib", "gzip"])
def test_a_frame_covering_a_joblib_array_build_is_refused(kind: str, tmp_path: Path) -> None:
    p = tmp_path / "frame.joblib"
    p.write_bytes(h.COMPRESS[kind](h.frame_desync()))
    refused_everywhere(p, "inside a pickle FRAME")


def test_real_joblib_files_with_frames_still_load(tmp_path: Path) -> None:
    """joblib ends its frame right before each array BUILD's data."""
    import joblib

    obj = {"a": np.arange(100.0), "b": [np.ones((3, 4), order="F"), "x" * 100_000]}
    for compress in (0, 3):
        p = tmp_path / f"ok{compress}.joblib"
        joblib.dump(obj, p, compress=compress)
        got = skseal.load(p)
        assert (got["a"] == obj["a"]).all() and got["b"][1] == obj["b"][1]


@pytest.mark.parametrize("kind", ["bz2", "xz"])
def test_a_payload_in_a_second_stream_is_seen(kind: str, tmp_path: Path) -> None:
    p = tmp_path / f"two.{kind}"
    p.write_bytes(h.two_streams(kind))
    assert skseal.untrusted_types(p) == ["posix.system"]
    with pytest.raises(skseal.UntrustedTypeError) as ei:
        skseal.load(p)
    assert ei.value.types == ["posix.system"]
    r = scan(p)
    assert r.returncode == 1 and "posix.system" in r.stdout


@pytest.mark.parametrize("kind", ["zlib", "gzip", "lzma"])
def test_data_after_a_single_stream_format_is_refused(kind: str, tmp_path: Path) -> None:
    p = tmp_path / f"two.{kind}"
    p.write_bytes(h.two_streams(kind))
    refused_everywhere(p, "joblib never finishes|only as the last")


def test_a_bad_max_decompressed_is_a_clear_error(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "a.gz"
    p.write_bytes(h.COMPRESS["gzip"](pickle.dumps([1, 2])))
    monkeypatch.setenv("SKSEAL_MAX_DECOMPRESSED", "8G")
    with pytest.raises(skseal.FormatError, match="SKSEAL_MAX_DECOMPRESSED"):
        skseal.load(p)
    r = subprocess.run([str(CLI), "scan", str(p)], capture_output=True, text=True,
                       timeout=60, env={**os.environ, "SKSEAL_MAX_DECOMPRESSED": "8G"})
    assert r.returncode == 2 and "SKSEAL_MAX_DECOMPRESSED" in r.stdout + r.stderr
    monkeypatch.setenv("SKSEAL_MAX_DECOMPRESSED", "10")
    r = subprocess.run([str(CLI), "scan", str(p)], capture_output=True, text=True,
                       timeout=60, env={**os.environ, "SKSEAL_MAX_DECOMPRESSED": "10"})
    assert "exceeds the limit of 10 bytes" in r.stdout + r.stderr


# --- resources: each case in a subprocess under RLIMIT_AS, with a timeout ---

_CHILD = """
import sys, skseal
how, path = sys.argv[1], sys.argv[2]
try:
    if how == "load":
        skseal.load(path)
    else:
        skseal.untrusted_types(path)
except skseal.FormatError as e:
    print("FormatError:", str(e)[:2000])
    sys.exit(0)
print("no error")
sys.exit(3)
"""


def _limit_as() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


def _env() -> dict[str, str]:
    return {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def _run_limited(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=300,
                          preexec_fn=_limit_as, env=_env())


RESOURCE_CASES = {
    "shared-tuple-bomb.pkl": (h.shared_tuple_bomb, "memory"),
    "bz2-bomb-6GiB.pkl.bz2": (h.bz2_bomb, "exceeds the limit"),
}


@pytest.mark.parametrize("name", list(RESOURCE_CASES))
@pytest.mark.parametrize("how", ["load", "untrusted_types", "scan"])
def test_resource_cases_fail_cleanly_under_an_address_space_limit(
        name: str, how: str, tmp_path: Path) -> None:
    make, why = RESOURCE_CASES[name]
    p = tmp_path / name
    p.write_bytes(make())
    assert p.stat().st_size < 300_000
    if how == "scan":
        if not CLI.exists():
            pytest.skip("CLI not built")
        r = _run_limited([str(CLI), "scan", str(p)])
        assert r.returncode in (1, 2), (r.returncode, r.stdout, r.stderr)
    else:
        r = _run_limited([sys.executable, "-c", _CHILD, how, str(p)])
        assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    assert r.returncode >= 0, f"killed by signal {-r.returncode}"
    assert why in r.stdout + r.stderr, r.stdout + r.stderr
