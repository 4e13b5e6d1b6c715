"""Native LabelEncoder.transform (issue 15): the index of each label in
``classes_`` as int64, for string, integer, float and boolean labels, given
as a 1-D list of strings or one column; unseen labels are refused as
scikit-learn refuses them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.preprocessing import LabelEncoder

import skseal
import skseal.native

CASES: dict[str, tuple[list[Any], Any]] = {
    "strings": (["b", "a", "c", "a", "é", ""], np.array(["a", "c", "é", "", "b", "a"])),
    "ints": ([3, -1, 7, 3, 0], np.array([[7], [-1], [0], [3]])),
    "floats": ([2.5, -0.0, 1e300, 3.0], np.array([[0.0], [-0.0], [1e300], [2.5], [3.0]])),
    "bools": ([True, False, True], np.array([[True], [False]])),
}


@pytest.mark.parametrize("name", list(CASES))
def test_transform(name: str) -> None:
    fit, X = CASES[name]
    e = LabelEncoder().fit(fit)
    native = skseal.native.loads(skseal.dumps(e))
    assert native.methods == ["transform"]
    assert native.exactness("transform") == "bitwise"
    want, got = e.transform(X.ravel()), native.transform(X)
    assert want.dtype == got.dtype == np.int64
    assert np.array_equal(want, got)


def test_unseen_labels_are_refused() -> None:
    e = LabelEncoder().fit(["b", "a"])
    native = skseal.native.loads(skseal.dumps(e))
    with pytest.raises(ValueError, match="previously unseen labels"):
        e.transform(["z"])
    with pytest.raises(ValueError, match="previously unseen labels"):
        native.transform(np.array(["a", "z"]))
    n = skseal.native.loads(skseal.dumps(LabelEncoder().fit([1, 2])))
    with pytest.raises(ValueError, match="previously unseen labels"):
        n.transform(np.array([[1.5]]))
    with pytest.raises(ValueError, match="one column"):
        n.transform(np.array([[1.0, 2.0]]))
