"""Native k-nearest neighbours (issue 15): KNeighborsClassifier and
KNeighborsRegressor with uniform or distance weights, KD tree or ball tree,
euclidean or manhattan. The claim is a bound (exact ties in distance are ordered by
training row natively, by the tree walk in scikit-learn); on data without
ties the answers are scikit-learn's bit for bit, which is what these tests
assert: binary and multiclass (int and string labels), k from 1 to 25,
one row at a time and in parallel batches, inside a Pipeline; distance
weights also with queries on training rows (zero distances). Callable
weights and other metrics are refused by name (several outputs:
tests/test_native_multi_output.py). Brute force:
tests/test_native_brute_neighbors.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sklearn.neighbors import (
    KNeighborsClassifier,
    KNeighborsRegressor,
    RadiusNeighborsClassifier,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError

rng = np.random.default_rng(15)
N = 400
X = rng.normal(size=(N, 6)) * np.array([1, 10, 0.1, 1, 3, 1])
XT = np.vstack([rng.normal(size=(300, 6)) * 2, X[:20] + 1e-9, X[20:25], X[30:32]])
Y2 = (X[:, 0] + X[:, 1] / 10 > 0).astype(int)
Y3 = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 3] > 1).astype(int)]
YR = X @ np.arange(1.0, 7.0) + rng.normal(0, 0.1, N)

CASES: dict[str, Callable[[], Any]] = {
    "classifier, kd_tree, k=5": lambda: KNeighborsClassifier(5).fit(X, Y2),
    "classifier, ball_tree, k=1": lambda: KNeighborsClassifier(1, algorithm="ball_tree").fit(X, Y2),
    "classifier, kd_tree, k=4 (even, vote ties)": lambda: KNeighborsClassifier(
        4, algorithm="kd_tree").fit(X, Y3),
    "classifier, ball_tree, k=25, strings": lambda: KNeighborsClassifier(
        25, algorithm="ball_tree").fit(X, Y3),
    "classifier, manhattan": lambda: KNeighborsClassifier(7, p=1, algorithm="kd_tree").fit(X, Y3),
    "regressor, ball_tree, k=3": lambda: KNeighborsRegressor(3, algorithm="ball_tree").fit(X, YR),
    "regressor, kd_tree, k=12": lambda: KNeighborsRegressor(12, algorithm="kd_tree").fit(X, YR),
    "regressor, manhattan, k=9": lambda: KNeighborsRegressor(
        9, metric="manhattan", algorithm="ball_tree").fit(X, YR),
    "pipeline": lambda: make_pipeline(StandardScaler(), KNeighborsClassifier(5)).fit(X, Y3),
    "classifier, distance, kd_tree, k=5": lambda: KNeighborsClassifier(
        5, weights="distance").fit(X, Y3),
    "classifier, distance, ball_tree, manhattan, k=10": lambda: KNeighborsClassifier(
        10, weights="distance", algorithm="ball_tree", p=1).fit(X, Y2),
    "classifier, distance, k=4 strings": lambda: KNeighborsClassifier(
        4, weights="distance", algorithm="kd_tree").fit(X, Y3),
    "regressor, distance, kd_tree, k=7": lambda: KNeighborsRegressor(
        7, weights="distance").fit(X, YR),
    "regressor, distance, ball_tree, k=12": lambda: KNeighborsRegressor(
        12, weights="distance", algorithm="ball_tree").fit(X, YR),
}


def _same(want: Any, got: Any) -> None:
    want, got = np.asarray(want), np.asarray(got)
    assert want.shape == got.shape
    if want.dtype.kind == "f":
        assert want.tobytes() == got.tobytes()
    else:
        assert np.array_equal(want, got)


@pytest.mark.parametrize("name", list(CASES))
def test_bitwise_without_ties(name: str) -> None:
    m = CASES[name]()
    native = skseal.native.loads(skseal.dumps(m))
    for meth in ("predict", "predict_proba"):
        if hasattr(m, meth):
            assert meth in native.methods
            assert native.exactness(meth).startswith("bounded")
            _same(getattr(m, meth)(XT), getattr(native, meth)(XT))
            for i in range(5):
                _same(getattr(m, meth)(XT[i:i + 1]), getattr(native, meth)(XT[i:i + 1]))


def test_batches_from_a_file(tmp_path: Any) -> None:
    m = CASES["classifier, ball_tree, k=25, strings"]()
    p = tmp_path / "m.skseal"
    skseal.dump(m, p)
    native = skseal.native.load(p)
    big = np.tile(XT, (10, 1))
    _same(m.predict_proba(big), native.predict_proba(big))
    _same(m.predict(big), native.predict(big))


def test_nan_and_width_are_refused() -> None:
    m = CASES["classifier, kd_tree, k=5"]()
    native = skseal.native.loads(skseal.dumps(m))
    bad = XT[:2].copy()
    bad[0, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        m.predict(bad)
    with pytest.raises(ValueError, match="NaN"):
        native.predict(bad)
    with pytest.raises(ValueError, match="features"):
        native.predict(XT[:, :5])


@pytest.mark.parametrize("model", [
    KNeighborsClassifier(5, p=3, algorithm="kd_tree"),
    KNeighborsClassifier(5, metric="chebyshev"),
    RadiusNeighborsClassifier(3.0, outlier_label=[0, 7]),  # two outputs, 7 not a class
], ids=["minkowski p=3", "chebyshev", "outlier label not a class"])
def test_refused_by_name(model: Any) -> None:
    y = np.column_stack([Y2, 1 - Y2]) if isinstance(model, RadiusNeighborsClassifier) else Y2
    model.fit(X, y)
    with pytest.raises(UnsupportedModelError,
                       match="k-nearest neighbours|outlier_label is not one of classes_"):
        skseal.native.loads(skseal.dumps(model))
