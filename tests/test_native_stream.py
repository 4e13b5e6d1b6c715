"""Native loads from a path read a ``.skseal`` file array by array
(``skseal_native::load_path``): each tree's arrays are read, digest-checked,
validated and converted, then freed. The answers, and every refusal, must be
those of the whole-file path (``skseal.native.loads``) and of ``skseal.load``.
"""

from __future__ import annotations

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
from test_errors import PREAMBLE, SkFile, _align

import skseal
import skseal.native
from skseal.errors import IntegrityError, ValidationError

X, Y = make_classification(n_samples=300, n_features=6, random_state=0)


def _models() -> dict[str, Any]:
    return {
        "forest": RandomForestClassifier(n_estimators=7, max_depth=6, random_state=0).fit(X, Y),
        "extra trees regressor": ExtraTreesRegressor(n_estimators=5, random_state=0)
        .fit(X, X[:, 0]),
        "gradient boosting": GradientBoostingClassifier(n_estimators=6, random_state=0).fit(X, Y),
        "isolation forest": IsolationForest(n_estimators=5, random_state=0).fit(X),
        "tree": DecisionTreeClassifier(random_state=0).fit(X, Y),
        "scaler + forest": make_pipeline(
            StandardScaler(), RandomForestClassifier(n_estimators=4, random_state=0)).fit(X, Y),
    }


MODELS = _models()
METHODS = ("predict", "predict_proba", "decision_function", "score_samples")


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("name", list(MODELS))
def test_path_load_gives_the_answers_of_bytes_and_sklearn(name: str, compress: bool,
                                                           tmp_path: Path) -> None:
    model = MODELS[name]
    path = tmp_path / "m.skseal"
    skseal.dump(model, path, compress=compress, probe=X[:5])
    by_path = skseal.native.load(path, verify=True)
    by_bytes = skseal.native.loads(path.read_bytes())
    checked = 0
    for m in METHODS:
        if not hasattr(model, m):
            continue
        want = getattr(model, m)(X)
        for got in (getattr(by_path, m)(X), getattr(by_bytes, m)(X)):
            assert got.dtype == want.dtype and np.array_equal(got, want), (name, m)
        checked += 1
    assert checked >= 1


def _forest_file(tmp_path: Path) -> tuple[Path, bytes]:
    path = tmp_path / "forest.skseal"
    skseal.dump(MODELS["forest"], path)
    return path, path.read_bytes()


def test_every_damaged_array_is_refused_by_path_and_bytes(tmp_path: Path) -> None:
    """One flipped byte in any array (tree arrays read per tree, small arrays
    read on demand, arrays native inference never reads) is an IntegrityError."""
    path, data = _forest_file(tmp_path)
    f = SkFile.parse(data)
    start = _align(PREAMBLE + int.from_bytes(data[16:24], "little"))
    trees = set(f.structs_with("left_child"))
    assert len(trees) == 7 and len(f.arrays) > len(trees)
    bad = tmp_path / "bad.skseal"
    damaged_count = 0
    for a in f.arrays:
        if a["length"] == 0:
            continue
        at = start + a["offset"] + a["length"] // 2
        damaged = bytearray(data)
        damaged[at] ^= 0x40
        bad.write_bytes(bytes(damaged))
        with pytest.raises(IntegrityError, match="digest mismatch"):
            skseal.native.load(bad)
        with pytest.raises(IntegrityError, match="digest mismatch"):
            skseal.native.loads(bytes(damaged))
        damaged_count += 1
    assert damaged_count > len(trees)


def test_a_tree_that_fails_validation_is_refused_as_loading_refuses_it(tmp_path: Path) -> None:
    path, data = _forest_file(tmp_path)
    f = SkFile.parse(data)
    i = f.structs_with("left_child")[4]
    nodes = f.array(i)
    nodes["left_child"][0] = len(nodes) + 5  # digest recomputed: only the check can catch it
    f.set_array(i, nodes)
    bad = tmp_path / "bad.skseal"
    bad.write_bytes(f.to_bytes())
    for load in (lambda: skseal.native.load(bad), lambda: skseal.native.loads(bad.read_bytes()),
                 lambda: skseal.load(bad)):
        with pytest.raises(ValidationError, match="left_child|child"):
            load()


def test_a_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.skseal"):
        skseal.native.load(tmp_path / "nope.skseal")
