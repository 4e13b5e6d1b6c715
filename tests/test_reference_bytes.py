"""The bytes of written files do not change by accident: files written by
skseal 0.1.0 at commit 7b7fe55 (before the metadata builder moved to Rust) are
kept in tests/fixtures/reference/ and every writer must reproduce them byte for
byte. The environment's library versions are fixed (they would differ between
machines) and SOURCE_DATE_EPOCH fixes the time.

A deliberate format change regenerates them: ``python
tests/test_reference_bytes.py --write``, with the reason in the commit."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import skseal
from skseal import _meta

REF = Path(__file__).parent / "fixtures" / "reference"
EPOCH = "1700000000"
ENVIRONMENT = {"python": "3.11.0", "platform": "linux-x86_64", "numpy": "2.0.0",
               "scipy": "1.14.0", "scikit-learn": "1.9.0"}


def objects() -> dict[str, Any]:
    """Objects whose pickles do not depend on the installed library versions."""
    return {
        "plain": {"a": [1, 2.5, "x", None, True], "b": (1, (2, 3)), "c": {"k": b"\x00\xff"}},
        "arrays": {"f": np.linspace(0.0, 1.0, 1000), "i": np.arange(300, dtype=np.int32),
                   "fortran": np.asfortranarray(np.arange(12.0).reshape(3, 4))},
    }


# user metadata whose text a re-serialisation could change: floats, exponents,
# non-ASCII text, nesting, key order
USER = {"zeta": 1, "lr": 1e-05, "big": 1.5e300, "third": 1 / 3, "name": "modèle ✓",
        "nested": {"b": [1, 2.0, -0.0], "a": None}}

CASES = [(name, compress, meta) for name in ("plain", "arrays")
         for compress in (None, "lz4", ("zstd", 3)) for meta in (None, USER)]


def case_id(name: str, compress: Any, meta: Any) -> str:
    c = "none" if compress is None else compress if isinstance(compress, str) else "zstd3"
    return f"{name}-{c}-{'meta' if meta else 'nometa'}"


def write(name: str, compress: Any, meta: Any) -> bytes:
    return skseal.dumps(objects()[name], compress=compress, metadata=meta)


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setattr(_meta, "environment", lambda: dict(ENVIRONMENT))


@pytest.mark.parametrize(("name", "compress", "meta"), CASES,
                         ids=[case_id(*c) for c in CASES])
def test_files_are_written_byte_for_byte_as_before(name: str, compress: Any, meta: Any) -> None:
    want = (REF / f"{case_id(name, compress, meta)}.skseal").read_bytes()
    got = write(name, compress, meta)
    if got != want:
        a, b = skseal.inspect(want), skseal.inspect(got)
        raise AssertionError(f"bytes differ; metadata was {a['metadata']}, now {b['metadata']}")
    # and the reference still loads to the same object
    out = skseal.loads(want, on_version_mismatch="ignore")
    assert out.keys() == objects()[name].keys()


def test_the_references_hold_what_they_should() -> None:
    files = sorted(REF.glob("*.skseal"))
    assert len(files) == len(CASES)
    meta = skseal.inspect(REF / "plain-none-meta.skseal")["metadata"]
    assert meta["user"]["lr"] == 1e-05 and meta["user"]["name"] == "modèle ✓"
    assert meta["environment"] == ENVIRONMENT
    assert meta["created_utc"] == "2023-11-14T22:13:20Z"


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    import os
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    _meta.environment = lambda: dict(ENVIRONMENT)  # type: ignore[assignment]
    REF.mkdir(parents=True, exist_ok=True)
    for c in CASES:
        (REF / f"{case_id(*c)}.skseal").write_bytes(write(*c))
        print("wrote", case_id(*c))
