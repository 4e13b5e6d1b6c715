"""Mapped native loads (``skseal.native.load(path, mmap_mode="r")``): trees
stored in their native layout (docs/FORMAT.md §5.6) are used in place, in a
read-only mapping of the file. Answers stay scikit-learn's bit for bit; the
structural checks run on the mapped bytes; digests of mapped arrays are
checked when a signature is asked for (the rule of ``skseal.load(mmap_mode=)``);
and a file rewritten in place under a live model gives wrong answers, never a
crash, a hang or a read out of bounds (checked in a child process).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_errors import PREAMBLE, _align
from test_native_layout import METHODS, MODELS, _laid_file, _same

import skseal
import skseal.native
from skseal import _native
from skseal.errors import IntegrityError, ValidationError


def _maps(path: Path) -> int:
    """Mappings of `path` in this process (/proc/self/maps)."""
    with open("/proc/self/maps") as f:
        return sum(1 for line in f if line.rstrip().endswith(str(path.resolve())))


@pytest.mark.parametrize("name", list(MODELS))
def test_mapped_answers_are_sklearns_bit_for_bit(name: str, tmp_path: Path) -> None:
    model, x = MODELS[name]
    path = tmp_path / "m.skseal"
    skseal.dump(model, path, native_layout=True, probe=x[:7])
    before = _maps(path)
    mapped = skseal.native.load(path, mmap_mode="r", verify=True)
    # the trees are views of the file: the mapping lives as long as the model
    assert _maps(path) == before + 1
    checked = 0
    for m in METHODS:
        if not hasattr(model, m) or not hasattr(mapped, m):
            continue
        want = getattr(model, m)(x)
        for rows in (x, x[:1], x[3:4]):
            assert _same(np.asarray(getattr(mapped, m)(rows)), getattr(model, m)(rows)), (name, m)
        assert _same(np.asarray(getattr(mapped, m)(x)), want)
        checked += 1
    assert checked >= 1
    del mapped
    assert _maps(path) == before


def test_files_without_a_layout_or_compressed_load_as_before(tmp_path: Path) -> None:
    """Nothing to use in place: no mapping is kept, the answers are the same."""
    model, x = MODELS["forest with NaN"]
    for kw in ({}, {"native_layout": True, "compress": True}):
        path = tmp_path / "m.skseal"
        skseal.dump(model, path, **kw)
        m = skseal.native.load(path, mmap_mode="r")
        assert _maps(path) == 0
        assert _same(m.predict_proba(x), model.predict_proba(x))


def test_mapped_bytes_pass_the_structural_checks(tmp_path: Path) -> None:
    """A layout whose child points before its parent is refused on the
    mapped bytes, as the copied load refuses it."""
    path, f = _laid_file(tmp_path)
    _nodes, layout = f.header["graph"]["native"]["trees"][2]
    arr = f.array(layout)
    arr[0, 0] = 0
    f.set_array(layout, arr)
    bad = tmp_path / "bad.skseal"
    bad.write_bytes(f.to_bytes())
    with pytest.raises(ValidationError, match="node 0: children") as e:
        skseal.native.load(bad, mmap_mode="r")
    assert "estimators_[2].tree_ (native layout)" in str(e.value)


def _flip_layout_byte(tmp_path: Path, **kw: Any) -> Path:
    """The laid-out forest with one byte of tree 1's layout changed in a way
    the checks cannot see (a threshold's low mantissa byte), digests left as
    written."""
    path, f = _laid_file(tmp_path, **kw)
    data = bytearray(path.read_bytes())
    a = f.arrays[f.header["graph"]["native"]["trees"][1][1]]
    start = _align(PREAMBLE + int.from_bytes(data[16:24], "little"))
    data[start + a["offset"] + 12] ^= 0x01  # node 0, threshold (f32), lowest byte
    path.write_bytes(bytes(data))
    return path


def test_digests_of_mapped_arrays_follow_the_mmap_rule(tmp_path: Path) -> None:
    """skseal.load(mmap_mode=) and native mapped loads share one rule: the
    digests of mapped arrays are checked when a signature is asked for."""
    assert _native.mapped_digests_checked(True) and not _native.mapped_digests_checked(False)
    key = tmp_path / "k"
    from skseal import keygen

    keygen(key)
    bad = _flip_layout_byte(tmp_path, signing_key=key)
    # copied loads hash every array they read
    with pytest.raises(IntegrityError, match="digest mismatch"):
        skseal.native.load(bad)
    # a signature asked for: every mapped byte it covers is hashed
    with pytest.raises(IntegrityError, match="digest mismatch"):
        skseal.native.load(bad, mmap_mode="r", public_key=f"{key}.pub")
    # no signature asked for: mapped arrays are not read at load (documented)
    skseal.native.load(bad, mmap_mode="r")


def test_bad_mmap_arguments_are_refused_clearly(tmp_path: Path) -> None:
    path, _ = _laid_file(tmp_path)
    for mode in ("c", "r+", "w"):
        with pytest.raises(ValueError, match="use None or 'r'"):
            skseal.native.load(path, mmap_mode=mode)
    with pytest.raises(ValueError, match="pull the model to a path first"):
        skseal.native.load("m@prod", mmap_mode="r", store=tmp_path)


REWRITE = textwrap.dedent("""
    import os, sys, numpy as np, skseal.native
    path, seed = sys.argv[1], int(sys.argv[2])
    x = np.load(sys.argv[3])
    m = skseal.native.load(path, mmap_mode="r")
    first = m.predict_proba(x)
    size = os.path.getsize(path)
    rng = np.random.default_rng(seed)
    # rewrite the whole file in place (same length): what a careless copy
    # over a served model does; the mapping sees the new bytes
    with open(path, "r+b") as f:
        if seed == 0:
            f.write(b"\\xff" * size)
        elif seed == 1:
            f.write(b"\\x00" * size)
        else:
            f.write(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
    for rows in (x, x[:1], x[:17]):
        for method in ("predict_proba", "predict"):
            out = getattr(m, method)(rows)
            assert len(out) == len(rows)
    print("ok", first.shape)
""")


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_file_rewritten_under_a_mapped_model_never_crashes_or_hangs(seed: int,
                                                                       tmp_path: Path) -> None:
    """Walks bound every index by lengths fixed at load, and every walk by the
    depth measured then: whatever the mapped bytes become, a call returns."""
    model, x = MODELS["forest with NaN"]
    path = tmp_path / "m.skseal"
    skseal.dump(model, path, native_layout=True)
    xs = tmp_path / "x.npy"
    np.save(xs, x)
    r = subprocess.run([sys.executable, "-c", REWRITE, str(path), str(seed), str(xs)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("ok"), r.stdout + r.stderr


def test_cli_predict_mmap_gives_the_same_output(cli: Path, tmp_path: Path) -> None:
    """`skseal predict --mmap` maps the file and gives the output of a copied
    load, which is scikit-learn's."""
    model, x = MODELS["forest with NaN"]
    path = tmp_path / "m.skseal"
    skseal.dump(model, path, native_layout=True)
    rows = tmp_path / "rows.csv"
    np.savetxt(rows, x[:40], delimiter=",")
    outs = []
    for extra in ([], ["--mmap"]):
        r = subprocess.run([str(cli), "predict", str(path), "--input", str(rows),
                            "--method", "predict_proba", "--no-header", *extra],
                           capture_output=True, text=True, timeout=120)
        outs.append(r.stdout)
        assert r.returncode == 0, r.stderr
    assert outs[0] == outs[1] and outs[0].count("\n") >= 40


def test_a_leaf_naming_any_feature_is_harmless(tmp_path: Path) -> None:
    """A leaf steps to itself whatever feature it names, and the walks never
    read the row at it: a stored layout whose leaves name feature 10**6
    (digests recomputed, so only the walk could notice) gives scikit-learn's
    answers, copied and mapped."""
    model, x = MODELS["forest with NaN"]
    path, f = _laid_file(tmp_path)
    for _nodes, layout in f.header["graph"]["native"]["trees"]:
        arr = f.array(layout)
        leaves = arr[:, 0] == arr[:, 1]
        assert leaves.any()
        arr[leaves, 2] = 10**6
        f.set_array(layout, arr)
    odd = tmp_path / "odd.skseal"
    odd.write_bytes(f.to_bytes())
    want = model.predict_proba(x)
    for mode in (None, "r"):
        m = skseal.native.load(odd, mmap_mode=mode)
        assert _same(m.predict_proba(x), want)
        assert _same(m.predict_proba(x[:1]), want[:1])
