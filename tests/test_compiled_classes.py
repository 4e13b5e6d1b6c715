"""The allow-list and the review of compiled classes, tied together (issue 12,
"what ties an allow-list entry to needs a validator"; SECURITY.md §5).

A compiled (Cython or C) class that a file may make as a *class* is made with
``cls.__new__(cls)``: its ``__init__`` never runs and its state goes to its own
``__setstate__``. Twice such a class was a crash: a stateless
``MahalanobisDistance64`` (buffer never allocated) and a ``PCG64`` made without
``__init__`` (state written through a null pointer, inside ``skseal.load``).
So every such class must be covered by an entry of
``skseal_core::validate::compiled::COMPILED_CLASSES`` (exported as
``_native.compiled_classes()``), and each entry's claim is checked here:
"state-required" classes made without a state are refused; "inert" classes
made without ``__init__`` survive their public methods (in a subprocess, so a
crash fails the test instead of the run). Nothing here unpickles a file.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_errors import SkFile

import skseal
from skseal import _native

ROOT = Path(__file__).resolve().parent.parent
ALLOWLIST = ROOT / "crates" / "skseal-core" / "src" / "policy" / "allowlist.tsv"
HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: unset for static (compiled) types


def _class_role_entries() -> list[tuple[str, str]]:
    out = []
    for line in ALLOWLIST.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        module, qualname, roles = line.split("\t")[:3]
        if {"class", "dictclass"} & set(roles.split(",")):
            out.append((module, qualname))
    return out


def _resolve(module: str, qualname: str) -> Any:
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def compiled_allowed() -> list[tuple[str, str]]:
    """(module, name) of every class the allow-list lets a file make whose
    type is compiled (static, not a heap type)."""
    out = []
    for module, qualname in _class_role_entries():
        cls = _resolve(module, qualname)
        if isinstance(cls, type) and not cls.__flags__ & HEAPTYPE:
            out.append((module, qualname))
    return out


def _covers(entry: tuple[str, str, str, str], module: str, name: str) -> bool:
    m, names = entry[0], entry[1]
    if m != module:
        return False
    return name.startswith(names[:-1]) if names.endswith("*") else name == names


ENTRIES = _native.compiled_classes()
COMPILED = compiled_allowed()


def test_every_compiled_class_the_allow_list_allows_is_reviewed() -> None:
    assert len(COMPILED) > 40  # the scan itself found them (numpy, sklearn, stdlib)
    unreviewed = [f"{m}.{n}" for m, n in COMPILED
                  if sum(_covers(e, m, n) for e in ENTRIES) != 1]
    assert not unreviewed, (
        "compiled classes the allow-list lets a file make with cls.__new__(cls), not covered "
        "by exactly one entry of skseal_core::validate::compiled::COMPILED_CLASSES: "
        f"{unreviewed}")


def test_every_review_entry_covers_an_allowed_class() -> None:
    stale = [f"{e[0]}.{e[1]}" for e in ENTRIES
             if not any(_covers(e, m, n) for m, n in COMPILED)]
    assert not stale, f"entries that cover no allowed compiled class: {stale}"
    assert {e[2] for e in ENTRIES} <= {"state-required", "inert"}


STATE_REQUIRED = [(m, n) for m, n in COMPILED
                  if any(_covers(e, m, n) and e[2] == "state-required" for e in ENTRIES)]
INERT = [(m, n) for m, n in COMPILED
         if any(_covers(e, m, n) and e[2] == "inert" for e in ENTRIES)]


@pytest.fixture(scope="module")
def holder() -> bytes:
    return skseal.dumps({"x": 1})


@pytest.mark.parametrize("module,name", STATE_REQUIRED)
def test_state_required_classes_without_state_are_refused(module: str, name: str,
                                                          holder: bytes) -> None:
    f = SkFile.parse(holder)
    f.root["dict"][0][1] = {"object": f"{module}:{name}"}
    with pytest.raises(skseal.ValidationError, match=name.rstrip("0123456789") or name):
        skseal.loads(f.to_bytes())


# Each public method is called with these argument lists; exceptions are
# expected and ignored: the process must only survive.
PROBE = r"""
import importlib, sys
import numpy as np
module, qualname = sys.argv[1], sys.argv[2]
cls = importlib.import_module(module)
for part in qualname.split("."):
    cls = getattr(cls, part)
obj = cls.__new__(cls)
X = np.array([[0.0, 1.0], [1.0, 2.0]])
X1 = np.array([[0.0], [1.0]])  # one column: the width a class made without __init__ has
v = np.zeros(3)
argsets = [(), (X1,), (X1, X1), (X,), (X, X), (0.5, 1.0), (v, v), (v, v, v), (v, v, v, v),
           (3,), (X, 1.0), (X1, 1.0)]
for name in sorted(dir(obj)):
    if name.startswith("_"):
        continue
    try:
        attr = getattr(obj, name)
    except Exception:
        continue
    if not callable(attr):
        continue
    for args in argsets:
        try:
            attr(*args)
        except Exception:
            pass
for special in ("__repr__", "__reduce__", "__getstate__", "__len__", "__iter__"):
    try:
        getattr(obj, special)()
    except Exception:
        pass
print("survived")
"""


@pytest.mark.parametrize("module,name", INERT)
def test_inert_classes_made_without_init_survive_their_methods(module: str, name: str) -> None:
    r = subprocess.run([sys.executable, "-c", PROBE, module, name], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == "survived", (
        f"{module}.{name} made with cls.__new__(cls) crashed or hung: exit {r.returncode}, "
        f"{r.stderr[-400:]}")


@pytest.mark.parametrize("module,name", [
    ("sklearn.metrics._dist_metrics", "MahalanobisDistance64"), ("numpy.random._pcg64", "PCG64")])
def test_the_probe_finds_the_crashes_fixed_by_this_review(module: str, name: str) -> None:
    """The probe can fail: made without __init__, these two (refused by the
    policy and the validators now) crash in it."""
    r = subprocess.run([sys.executable, "-c", PROBE, module, name], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == -11, (r.returncode, r.stdout[-200:], r.stderr[-300:])


def test_the_review_is_the_one_security_md_points_to() -> None:
    text = (ROOT / "docs" / "SECURITY.md").read_text()
    assert "validate/compiled.rs" in text and "test_compiled_classes.py" in text
    json.dumps(ENTRIES)  # plain data
