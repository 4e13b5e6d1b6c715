"""Stored native layouts of trees (docs/FORMAT.md §5.6): ``dump(...,
native_layout=True)`` and ``convert --native-layout`` store each Tree's nodes
as native inference walks them; ``skseal.native.load(path)`` reads those and
the values instead of scikit-learn's node records. Answers stay bitwise
those of scikit-learn; a layout is checked as strictly as the records are;
files without one are unchanged.
"""

from __future__ import annotations

import json
import pickle
import struct
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import (
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    IsolationForest,
    RandomForestClassifier,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from test_errors import PREAMBLE, SkFile, _align, fingerprint

import skseal
import skseal.native
from skseal.errors import FormatError, IntegrityError, ProbeMismatchError, ValidationError

FLAG_NATIVE = 8
X, Y = make_classification(n_samples=400, n_features=6, random_state=0)
XN = X.copy()
XN[::5, 2] = np.nan  # trees fitted on NaN send it left or right per split
METHODS = ("predict", "predict_proba", "decision_function", "score_samples", "apply")


def _models() -> dict[str, tuple[Any, np.ndarray]]:
    return {
        "forest with NaN": (RandomForestClassifier(n_estimators=6, max_depth=7, random_state=0)
                            .fit(XN, Y), XN),
        "extra trees regressor": (ExtraTreesRegressor(n_estimators=4, random_state=0)
                                  .fit(X, X[:, 0]), X),
        "gradient boosting": (GradientBoostingClassifier(n_estimators=5, random_state=0)
                              .fit(X, Y), X),
        "isolation forest": (IsolationForest(n_estimators=5, random_state=0).fit(X), X),
        "tree": (DecisionTreeClassifier(random_state=0).fit(XN, Y), XN),
        "scaler + forest": (make_pipeline(StandardScaler(), RandomForestClassifier(
            n_estimators=3, random_state=0)).fit(X, Y), X),
    }


MODELS = _models()


def _n_trees(model: Any) -> int:
    est = model[-1] if hasattr(model, "steps") else model
    if hasattr(est, "estimators_"):
        return int(np.asarray(est.estimators_, dtype=object).size)
    return 1


def _same(got: np.ndarray, want: np.ndarray) -> bool:
    return bool(got.dtype == want.dtype and got.shape == want.shape
                and got.tobytes() == want.tobytes())


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("name", list(MODELS))
def test_layout_answers_are_sklearns_bit_for_bit(name: str, compress: bool,
                                                  tmp_path: Path) -> None:
    model, x = MODELS[name]
    path = tmp_path / "m.skseal"
    skseal.dump(model, path, compress=compress, native_layout=True, probe=x[:7])
    data = path.read_bytes()
    flags = struct.unpack_from("<I", data, 12)[0]
    assert flags & FLAG_NATIVE
    header = json.loads(skseal._native.read_header(data, len(data)))
    trees, arrays = header["graph"]["native"]["trees"], header["arrays"]
    assert len(trees) == _n_trees(model)
    for nodes, layout in trees:
        assert arrays[layout]["dtype"] == "<u4"
        assert arrays[layout]["shape"] == [arrays[nodes]["shape"][0], 4]
    by_path = skseal.native.load(path, verify=True)
    by_bytes = skseal.native.loads(data, verify=True)
    loaded = skseal.load(path, verify=True)
    checked = 0
    for m in METHODS:
        if not hasattr(model, m) or (m == "apply" and not hasattr(by_path, m)):
            continue
        want = getattr(model, m)(x)
        for got in (getattr(by_path, m)(x), getattr(by_bytes, m)(x), getattr(loaded, m)(x)):
            assert _same(np.asarray(got), want), (name, m)
        checked += 1
    assert checked >= 1


def test_a_file_without_the_option_is_unchanged(tmp_path: Path) -> None:
    model, _ = MODELS["forest with NaN"]
    plain, laid = tmp_path / "plain.skseal", tmp_path / "laid.skseal"
    fp_plain = skseal.dump(model, plain)
    fp_laid = skseal.dump(model, laid, native_layout=True)
    p, q = plain.read_bytes(), laid.read_bytes()
    assert struct.unpack_from("<I", p, 12)[0] & FLAG_NATIVE == 0
    assert "native" not in SkFile.parse(p).header["graph"]
    # the layout is content: covered by the fingerprint (and so by a signature)
    assert fp_plain != fp_laid
    assert fingerprint(SkFile.parse(q).header) == fp_laid
    # 16 bytes per node more, and nothing else
    nodes = sum(t.tree_.node_count for t in model.estimators_)
    assert 16 * nodes <= len(q) - len(p) <= 16 * nodes + 64 * (len(model.estimators_) + 2) + 4096


def _laid_file(tmp_path: Path, name: str = "forest with NaN", **kw: Any) -> tuple[Path, SkFile]:
    model, x = MODELS[name]
    path = tmp_path / "laid.skseal"
    skseal.dump(model, path, native_layout=True, **kw)
    return path, SkFile.parse(path.read_bytes())


def test_native_load_reads_the_layout_not_the_records(tmp_path: Path) -> None:
    """Swapping the root's children in one stored layout (digests recomputed)
    changes what a path load predicts and nothing else: the records, which
    skseal.load and in-memory native loads use, still give scikit-learn's
    answers. The stored probe catches the difference."""
    model, x = MODELS["forest with NaN"]
    path, f = _laid_file(tmp_path, probe=x[:50])
    _nodes, layout = f.header["graph"]["native"]["trees"][0]
    arr = f.array(layout)
    arr[0, 0], arr[0, 1] = arr[0, 1], arr[0, 0]
    f.set_array(layout, arr)
    bad = tmp_path / "swapped.skseal"
    bad.write_bytes(f.to_bytes())
    want = model.predict_proba(x)
    assert not _same(skseal.native.load(bad).predict_proba(x), want)
    assert _same(skseal.native.loads(bad.read_bytes()).predict_proba(x), want)
    assert _same(skseal.load(bad).predict_proba(x), want)
    with pytest.raises(ProbeMismatchError):
        skseal.native.load(bad, verify=True)


@pytest.mark.parametrize("edit, message", [
    (lambda a: a.__setitem__((0, 0), 0), "node 0: children"),       # a child before its parent
    (lambda a: a.__setitem__((0, 1), len(a)), "node 0: children"),  # past the last node
    (lambda a: a.__setitem__((0, 2), 6), "feature 6"),               # the model has 6 features
    (lambda a: a.__setitem__((len(a) - 1, 0), 0), r"node \d+: children"),  # a leaf not on itself
])
def test_a_layout_that_fails_the_checks_is_refused(edit: Any, message: str,
                                                   tmp_path: Path) -> None:
    path, f = _laid_file(tmp_path)
    _nodes, layout = f.header["graph"]["native"]["trees"][2]
    arr = f.array(layout)
    edit(arr)
    f.set_array(layout, arr)
    bad = tmp_path / "bad.skseal"
    bad.write_bytes(f.to_bytes())
    with pytest.raises(ValidationError, match=message) as e:
        skseal.native.load(bad)
    assert "estimators_[2].tree_ (native layout)" in str(e.value)


def _rewritten(f: SkFile, tmp_path: Path) -> Path:
    bad = tmp_path / "bad.skseal"
    bad.write_bytes(f.to_bytes())
    return bad


@pytest.mark.parametrize("case, message", [
    ("flag without member", "flag bit 3"),
    ("member without flag", "flag bit 3"),
    ("index out of range", "out of range"),
    ("layout of another shape", "does not match the tree's node count"),
    ("layout of another dtype", "not <u4"),
    ("array named twice", "named twice"),
    ("layout used by the model", "also a value of the graph"),
    ("unknown member", "unknown field"),
])
def test_a_bad_native_member_is_refused_by_every_reader(case: str, message: str,
                                                        tmp_path: Path) -> None:
    path, f = _laid_file(tmp_path)
    g = f.header["graph"]
    trees = g["native"]["trees"]
    if case == "flag without member":
        del g["native"]
    elif case == "member without flag":
        f.flags &= ~FLAG_NATIVE
    elif case == "index out of range":
        trees[0][1] = len(f.arrays) + 3
    elif case == "layout of another shape":
        # tree 1's layout named for tree 0 (the forest's trees differ in size)
        assert f.arrays[trees[0][1]]["shape"] != f.arrays[trees[1][1]]["shape"]
        trees[0][1] = trees.pop(1)[1]
    elif case == "layout of another dtype":
        i = trees[0][1]
        f.set_array(i, f.array(i).astype("<u4"))
        f.header["arrays"][i]["dtype"] = "<i4"
    elif case == "array named twice":
        trees[1][0] = trees[0][0]
    elif case == "layout used by the model":
        for node in f.nodes():
            if node.get("array") == trees[0][0]:
                node["array"] = trees[0][1]
                break
    elif case == "unknown member":
        g["native"]["depths"] = []
    bad = _rewritten(f, tmp_path)
    for load in (lambda: skseal.native.load(bad), lambda: skseal.native.loads(bad.read_bytes()),
                 lambda: skseal.load(bad), lambda: skseal.inspect(bad)):
        with pytest.raises(FormatError, match=message):
            load()


def test_values_of_another_dtype_are_refused_by_path_loads(tmp_path: Path) -> None:
    """A path load takes a laid-out tree's values straight into the native
    tree and refuses any but float64 ones; the tree then counts as not read,
    so the loader's validation of the rest of the graph checks that Tree and
    reports it, as loading does."""
    path, f = _laid_file(tmp_path)
    nodes, _layout = f.header["graph"]["native"]["trees"][1]
    tree = next(n for n in f.nodes() if "call" in n and n["call"].endswith(":Tree")
                and any(v == {"array": nodes} for _k, v in n["state"]["dict"]))
    values = next(v["array"] for k, v in tree["state"]["dict"] if k == "values")
    raw = f.array(values).astype("<f4")
    f.header["arrays"][values]["dtype"] = "<f4"
    f.set_array(values, raw)
    bad = _rewritten(f, tmp_path)
    for load in (lambda: skseal.native.load(bad), lambda: skseal.load(bad)):
        with pytest.raises(ValidationError, match="values must be float64"):
            load()


@pytest.mark.parametrize("edit, message", [
    (lambda g: g["native"]["trees"].clear(), "lists no tree"),
    (None, "duplicate key native"),
])
def test_a_native_member_listing_nothing_or_twice_is_refused(edit: Any, message: str,
                                                            tmp_path: Path) -> None:
    path, f = _laid_file(tmp_path)
    if edit is not None:
        edit(f.header["graph"])
        data = f.to_bytes()
    else:
        text = json.dumps(f.header, separators=(",", ":"))
        member = '"native":' + json.dumps(f.header["graph"]["native"], separators=(",", ":"))
        assert text.count(member) == 1
        data = f.with_header_bytes(text.replace(member, member + "," + member).encode())
    for load in (lambda: skseal.native.loads(data), lambda: skseal.loads(data),
                 lambda: skseal.inspect(data)):
        with pytest.raises(FormatError, match=message):
            load()


def _damaged(tmp_path: Path, column: int) -> tuple[Path, bytes]:
    """The laid-out forest with one byte flipped in tree 1's node records
    (column 0) or in its layout (column 1), digests left as written."""
    path, f = _laid_file(tmp_path)
    data = path.read_bytes()
    a = f.arrays[f.header["graph"]["native"]["trees"][1][column]]
    start = _align(PREAMBLE + int.from_bytes(data[16:24], "little"))
    damaged = bytearray(data)
    damaged[start + a["offset"] + a["length"] // 2] ^= 0x10
    bad = tmp_path / "bad.skseal"
    bad.write_bytes(bytes(damaged))
    return bad, bytes(damaged)


def test_a_damaged_layout_is_an_integrity_error_everywhere(cli: Path, tmp_path: Path) -> None:
    bad, damaged = _damaged(tmp_path, 1)
    for load in (lambda: skseal.native.load(bad), lambda: skseal.native.loads(damaged),
                 lambda: skseal.load(bad)):
        with pytest.raises(IntegrityError, match="digest mismatch") as e:
            load()
        assert "estimators_[1].tree_.nodes (native layout)" in str(e.value)
    verify = subprocess.run([str(cli), "verify", str(bad)], capture_output=True, text=True)
    assert verify.returncode != 0 and "digest" in verify.stdout + verify.stderr


def test_records_replaced_by_a_layout_are_not_read_by_path_loads(cli: Path,
                                                                 tmp_path: Path) -> None:
    """What the layout buys, stated as a test: a path load neither reads nor
    hashes the node records it replaces (docs/FORMAT.md §5.6), so damage
    there is found by skseal.load, in-memory native loads and `skseal
    verify`, which check every array, and not by skseal.native.load(path),
    whose answers do not depend on those bytes."""
    model, x = MODELS["forest with NaN"]
    bad, damaged = _damaged(tmp_path, 0)
    assert _same(skseal.native.load(bad).predict_proba(x), model.predict_proba(x))
    for load in (lambda: skseal.native.loads(damaged), lambda: skseal.load(bad)):
        with pytest.raises(IntegrityError, match="digest mismatch"):
            load()
    verify = subprocess.run([str(cli), "verify", str(bad)], capture_output=True, text=True)
    assert verify.returncode != 0 and "digest" in verify.stdout + verify.stderr


def test_inspect_names_the_layout(cli: Path, tmp_path: Path) -> None:
    model, _ = MODELS["forest with NaN"]
    path, f = _laid_file(tmp_path)
    d = skseal.inspect(path)
    assert d["native_layout_trees"] == len(model.estimators_)
    nodes, layout = f.header["graph"]["native"]["trees"][3]
    assert d["arrays"][nodes]["path"] == "estimators_[3].tree_.nodes"
    assert d["arrays"][layout]["path"] == "estimators_[3].tree_.nodes (native layout)"
    r = subprocess.run([str(cli), "inspect", str(path)], capture_output=True, text=True)
    assert r.returncode == 0 and f"layout       {len(model.estimators_)} trees" in r.stdout
    plain = tmp_path / "plain.skseal"
    skseal.dump(model, plain)
    assert skseal.inspect(plain)["native_layout_trees"] == 0


def test_convert_stores_the_layout(cli: Path, tmp_path: Path) -> None:
    model, x = MODELS["scaler + forest"]
    pkl = tmp_path / "m.pkl"
    pkl.write_bytes(pickle.dumps(model, protocol=5))
    out = tmp_path / "m.skseal"
    r = subprocess.run([str(cli), "convert", "--native-layout", "-q", str(pkl), str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    header = SkFile.parse(out.read_bytes()).header
    assert len(header["graph"]["native"]["trees"]) == 3
    assert _same(skseal.native.load(out).predict_proba(x), model.predict_proba(x))
    py = tmp_path / "py.skseal"
    skseal.convert(pkl, py, native_layout=True)
    assert json.dumps(SkFile.parse(py.read_bytes()).header["graph"]) == json.dumps(header["graph"])
    assert _same(skseal.native.load(py).predict_proba(x), model.predict_proba(x))
