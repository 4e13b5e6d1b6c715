"""What is validated is what is built (issue 11, items "validate what is built").

Each hostile file starts as a real fitted model saved by skseal and is then
edited with :class:`test_errors.SkFile` (digests, fingerprint and layout
recomputed), so that only the intended defect is left. Nothing here unpickles
a hostile file with pickle or joblib.
"""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_errors import SkFile, state_dict

import skseal

XY = tuple[np.ndarray, np.ndarray]


@pytest.fixture(scope="module")
def iris() -> XY:
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    return X, y


def _refused(data: bytes, *fragments: str) -> str:
    with pytest.raises(skseal.ValidationError) as ei:
        skseal.loads(data)
    msg = str(ei.value)
    for f in fragments:
        assert f in msg, msg
    return msg


# ------------------------------------------------ 1. dunder attributes in states


def _kfold_with_state(state: dict[str, Any]) -> bytes:
    """KFold has no __setstate__: pickle applies a (dict, slots) state with setattr."""
    from sklearn.model_selection import KFold

    f = SkFile.parse(skseal.dumps(KFold(3)))
    f.root["state"] = state
    return f.to_bytes()


def test_slot_state_setting_class_is_refused() -> None:
    swap = {"global": "sklearn.tree._classes:DecisionTreeClassifier"}
    data = _kfold_with_state({"tuple": [None, {"dict": [["__class__", swap]]}]})
    _refused(data, "KFold", "slot state", "__class__")
    with pytest.raises(skseal.ValidationError):
        skseal.loads(data, trusted=["sklearn.model_selection._split.KFold"])


def test_dict_state_setting_a_dunder_is_refused() -> None:
    for key in ("__class__", "__dict__", "__setstate__"):
        data = _kfold_with_state({"dict": [["n_splits", 3], [key, None]]})
        _refused(data, "KFold", key)
    # a numpy.str_ key is a str subclass: setattr accepts it
    key = {"scalar": "<U9", "hex": "__class__".encode("utf-32-le").hex()}
    data = _kfold_with_state({"tuple": [None, {"dict": [[key, 1]]}]})
    _refused(data, "__class__")


def test_slot_state_as_an_ordered_dict_is_checked_too() -> None:
    """The builder accepts any dict subclass as a slot state."""
    od = {"object": "collections:OrderedDict", "items": [["__class__", None]]}
    _refused(_kfold_with_state({"tuple": [None, od]}), "slot state", "__class__")


def test_ordinary_slot_state_still_loads() -> None:
    data = _kfold_with_state({"tuple": [{"dict": [["n_splits", 3]]},
                                        {"dict": [["shuffle", False], ["random_state", None]]}]})
    kf = skseal.loads(data)
    assert type(kf).__name__ == "KFold" and kf.n_splits == 3


# ------------------------------------------------------- 2. transposed arrays


def test_transposed_kdtree_data_is_refused(iris: XY) -> None:
    """data stored (150, 4) and built as its (4, 150) transpose: the validator
    would bound idx_array by 150 rows while the tree holds 4."""
    from sklearn.neighbors import KDTree

    f = SkFile.parse(skseal.dumps(KDTree(iris[0])))
    i = f.root["state"]["tuple"][0]["array"]
    assert f.arrays[i]["shape"] == [150, 4]
    f.header["arrays"][i]["axes"] = [1, 0]
    _refused(f.to_bytes(), "KDTree", "axes [1, 0]")


def test_transposed_tree_values_are_refused(iris: XY) -> None:
    from sklearn.tree import DecisionTreeClassifier

    X, y = iris
    f = SkFile.parse(skseal.dumps(DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)))
    j = next(k for k, a in enumerate(f.arrays) if a["dtype"] == "<f8" and len(a["shape"]) == 3)
    f.header["arrays"][j]["axes"] = [0, 2, 1]
    _refused(f.to_bytes(), "Tree", "axes")


# ------------------------------------------- 3. exact node dtypes (no later cast)


def _hgb_file(iris: XY) -> SkFile:
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = iris
    return SkFile.parse(skseal.dumps(HistGradientBoostingClassifier(max_iter=2).fit(X, y)))


def test_hgb_is_leaf_stored_wider_is_refused(iris: XY) -> None:
    """is_leaf as <u2 = 256 reads as a leaf here, and TreePredictor.__setstate__
    casts it to |u1 = 0 (a split) after validation: predict then follows
    child 10**6."""
    f = _hgb_file(iris)
    i = f.structs_with("bitset_idx")[0]
    old = f.array(i)
    d = f.arrays[i]["dtype"]
    formats = ["<u2" if n == "is_leaf" else t
               for n, t in zip(d["names"], d["formats"], strict=True)]
    wide = np.dtype({"names": d["names"], "formats": formats})  # packed
    new = np.zeros(len(old), dtype=wide)
    for n in d["names"]:
        new[n] = old[n]
    leaf = int(np.flatnonzero(old["is_leaf"] == 1)[0])
    new["is_leaf"][leaf] = 256
    new["left"][leaf] = new["right"][leaf] = 10**6
    assert new["is_leaf"].astype(np.uint8)[leaf] == 0  # what same_kind casting builds
    f.header["arrays"][i]["dtype"] = {"names": list(wide.names),
                                      "formats": [wide.fields[n][0].str for n in wide.names],
                                      "offsets": [wide.fields[n][1] for n in wide.names],
                                      "itemsize": wide.itemsize}
    f.set_array(i, new)
    _refused(f.to_bytes(), "TreePredictor", "dtype", "expected exactly")


def test_tree_nodes_with_another_layout_are_refused(iris: XY) -> None:
    from sklearn.tree import DecisionTreeClassifier

    X, y = iris
    f = SkFile.parse(skseal.dumps(DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)))
    [i] = f.structs_with("left_child")
    old = f.array(i)
    be = old.dtype.newbyteorder(">")
    f.header["arrays"][i]["dtype"]["formats"] = [
        be.fields[n][0].str for n in be.names]
    f.set_array(i, old.astype(be))
    _refused(f.to_bytes(), "sklearn.tree._tree.Tree", "expected exactly")


# ------------------------------------------------------ 4. degenerate trees


def _tree_file(iris: XY, depth: int = 3) -> SkFile:
    from sklearn.tree import DecisionTreeClassifier

    X, y = iris
    return SkFile.parse(skseal.dumps(
        DecisionTreeClassifier(max_depth=depth, random_state=0).fit(X, y)))


def _tree_state(f: SkFile) -> list[list[Any]]:
    [node] = [n for n in f.nodes() if n.get("call") == "sklearn.tree._tree:Tree"]
    return state_dict(node)


def test_empty_tree_is_refused(iris: XY) -> None:
    """node_count = 0 passed before, and predict looped forever."""
    f = _tree_file(iris)
    [i] = f.structs_with("left_child")
    f.set_array(i, f.array(i)[:0])
    j = next(k for k, a in enumerate(f.arrays) if a["dtype"] == "<f8" and len(a["shape"]) == 3)
    f.set_array(j, f.array(j)[:0])
    for kv in _tree_state(f):
        if kv[0] == "node_count":
            kv[1] = 0
    _refused(f.to_bytes(), "node_count is 0")


@pytest.mark.parametrize("max_depth", [0, 2, 10**9, -1])
def test_max_depth_must_bound_the_real_depth(iris: XY, max_depth: int) -> None:
    """decision_path allocates n_samples * (1 + max_depth) entries and writes
    one per node of each path."""
    f = _tree_file(iris, depth=3)
    for kv in _tree_state(f):
        if kv[0] == "max_depth":
            assert kv[1] == 3
            kv[1] = max_depth
    _refused(f.to_bytes(), "max_depth", "depth 3")


# ------------------------------------------- 5. linear validation of shared values


def test_shared_estimators_are_validated_once(iris: XY, tmp_path: Path) -> None:
    """4,000 forests share one estimators_ list of 20,000 references: validation
    that re-walks the list per reference takes 8e7 member checks."""
    from sklearn.ensemble import RandomForestClassifier

    X, y = iris
    rf = RandomForestClassifier(n_estimators=2, max_depth=2, random_state=0).fit(X, y)
    rf.estimators_ = [rf.estimators_[0]] * 20_000
    forests = [copy.copy(rf) for _ in range(4_000)]
    p = tmp_path / "shared.pkl"
    p.write_bytes(pickle.dumps(forests, protocol=4))  # our own objects: safe to pickle
    code = textwrap.dedent(f"""
        import time, skseal
        t = time.perf_counter()
        out = skseal.load({str(p)!r})
        assert len(out) == 4000 and out[0].estimators_ is out[1].estimators_
        print(time.perf_counter() - t)
        """)
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert time.perf_counter() - t < 120
    print(f"load of {p.stat().st_size} bytes: {float(r.stdout):.2f} s")
