"""Native RadiusNeighborsClassifier / RadiusNeighborsRegressor (issue 15).

Brute force (scikit-learn's choice for more than 15 features) is bitwise:
the same chunked matrix-product values as ``RadiusNeighbors`` /
``RadiusNeighborsClassMode``, neighbours in training-row order as both of
their strategies merge them. Checked: uniform and distance weights,
euclidean and manhattan, query counts around the 256-row chunk (both
strategies), one row at a time, queries on training rows (distance 0),
string and integer classes, outlier labels (None refused with scikit-learn's
message, "most_frequent", a class label; the index comparison
``RadiusNeighborsClassMode`` makes), classifiers with several outputs (a
label per output), regressors with and without neighbours
(NaN). KD / ball trees: every training row measured and kept in row order;
same neighbours except within rounding of the radius, sums in another order
(the documented bound, checked here). Replayed on the AVX2 path."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from sklearn.neighbors import RadiusNeighborsClassifier, RadiusNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError
from tests.avx2_path import replay_on_avx2


def _data(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] > 0).astype(int) + (X[:, -1] > 1).astype(int)
    return X, y


def _bits(want: Any, got: Any) -> None:
    want, got = np.asarray(want), np.asarray(got)
    assert want.shape == got.shape
    if want.dtype.kind == "f":
        assert want.dtype == got.dtype and want.tobytes() == got.tobytes(), (
            int(np.sum((want != got) & ~(np.isnan(want) & np.isnan(got)))))
    else:
        assert np.array_equal(want, got)


def _native(m: Any) -> Any:
    return skseal.native.loads(skseal.dumps(m))


def _sk(m: Any, meth: str, Q: np.ndarray) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # outliers without a class, empty regressions
        return getattr(m, meth)(Q)


@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("rows", [1, 3, 255, 256, 257, 900])
def test_brute_classifier_is_bitwise(metric: str, weights: str, rows: int) -> None:
    d = 20
    X, y = _data(600, d, seed=1)
    Q, _ = _data(rows, d, seed=2)
    k = min(rows, 2)
    Q[:k] = X[:k]  # queries on training rows: distance 0
    radius = 5.0 if metric == "euclidean" else 16.0
    m = RadiusNeighborsClassifier(radius=radius, weights=weights, metric=metric,
                                  outlier_label="most_frequent").fit(X, y)
    assert m._fit_method == "brute"
    n = _native(m)
    assert n.exactness("predict").startswith("bitwise")
    counts = [len(i) for i in m.radius_neighbors(Q, return_distance=False)]
    assert 0 < max(counts) and (rows < 10 or min(counts) == 0)  # neighbours and outliers
    for meth in ("predict_proba", "predict"):
        _bits(_sk(m, meth, Q), getattr(n, meth)(Q))
    for i in range(min(rows, 3)):
        _bits(_sk(m, "predict_proba", Q[i:i + 1]), n.predict_proba(Q[i:i + 1]))


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
def test_brute_regressor_is_bitwise(weights: str, metric: str) -> None:
    X, _ = _data(800, 18, seed=3)
    t = X @ np.linspace(-1, 1, 18) + 0.1
    Q, _ = _data(300, 18, seed=4)
    Q[:3] = X[:3]
    Q[3:6] = 40.0  # no neighbours: NaN
    m = RadiusNeighborsRegressor(radius=5.5 if metric == "euclidean" else 17.0,
                                 weights=weights, metric=metric).fit(X, t)
    assert m._fit_method == "brute"
    want = _sk(m, "predict", Q)
    assert np.isnan(want).any() and (~np.isnan(want)).sum() > 100
    counts = [len(i) for i in m.radius_neighbors(Q, return_distance=False)]
    assert max(counts) >= 9  # numpy's pairwise sum takes its unrolled path
    _bits(want, _native(m).predict(Q))


def test_outlier_labels() -> None:
    X, y = _data(500, 16, seed=5)
    labels = np.array(["cat", "dog", "emu"])[y]
    Q, _ = _data(200, 16, seed=6)
    Q[0] = 40.0  # far from everything
    # None: scikit-learn raises, and so does native inference
    m = RadiusNeighborsClassifier(radius=4.5).fit(X, labels)
    with pytest.raises(ValueError, match="No neighbors found"):
        m.predict(Q)
    with pytest.raises(Exception, match="No neighbors found for test samples"):
        _native(m).predict(Q)
    for label in ("most_frequent", "emu"):
        for weights in ("uniform", "distance"):
            m = RadiusNeighborsClassifier(radius=4.5, weights=weights,
                                          outlier_label=label).fit(X, labels)
            n = _native(m)
            for meth in ("predict_proba", "predict"):
                _bits(_sk(m, meth, Q), getattr(n, meth)(Q))
    # integer classes 0, 2, 5 and outlier_label=2: radius_neighbors' path
    # scores class 2 (index 1); RadiusNeighborsClassMode (uniform, brute,
    # manhattan) compares class *indices* with it and scores class 5 (index 2)
    yi = np.array([0, 2, 5])[y]
    for metric, radius in (("euclidean", 4.5), ("manhattan", 15.0)):
        for weights in ("uniform", "distance"):
            m = RadiusNeighborsClassifier(radius=radius, metric=metric, weights=weights,
                                          outlier_label=2).fit(X, yi)
            n = _native(m)
            for meth in ("predict_proba", "predict"):
                _bits(_sk(m, meth, Q), getattr(n, meth)(Q))
    m = RadiusNeighborsClassifier(radius=15.0, metric="manhattan", outlier_label=2).fit(X, yi)
    assert _sk(m, "predict_proba", Q[:1])[0].tolist() == [0.0, 0.0, 1.0]  # the quirk, checked
    # a label that is not a class: scikit-learn predicts it outside classes_
    m = RadiusNeighborsClassifier(radius=4.5, outlier_label=7).fit(X, yi)
    with pytest.raises(UnsupportedModelError, match="not one of classes_"):
        _native(m)


@pytest.mark.parametrize("algorithm", ["kd_tree", "ball_tree"])
@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_trees_within_the_documented_bound(algorithm: str, weights: str) -> None:
    X, y = _data(400, 4, seed=7)
    Q, _ = _data(150, 4, seed=8)
    clf = RadiusNeighborsClassifier(radius=1.0, algorithm=algorithm, weights=weights,
                                    outlier_label="most_frequent").fit(X, y)
    reg = RadiusNeighborsRegressor(radius=1.0, algorithm=algorithm, weights=weights).fit(X, X[:, 0])
    for m, meth in ((clf, "predict_proba"), (clf, "predict"), (reg, "predict")):
        n = _native(m)
        assert n.exactness(meth).startswith("bounded")
        want, got = _sk(m, meth, Q), getattr(n, meth)(Q)
        if want.dtype.kind == "f":
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
            assert np.array_equal(np.isnan(got), np.isnan(want))
        else:
            assert np.array_equal(got, want)


def test_in_a_pipeline_and_refusals() -> None:
    X, y = _data(300, 20, seed=9)
    p = make_pipeline(StandardScaler(), RadiusNeighborsClassifier(
        radius=6.0, outlier_label="most_frequent")).fit(X, y)
    _bits(p.predict_proba(X[:50]), _native(p).predict_proba(X[:50]))
    bad = RadiusNeighborsClassifier(radius=6.0, metric="chebyshev").fit(X, y)
    with pytest.raises(UnsupportedModelError, match="chebyshev"):
        _native(bad)
    # several outputs: an outlier label per output, one of them not a class
    multi = RadiusNeighborsClassifier(radius=6.0, outlier_label=[0, 5]).fit(X, np.c_[y, y % 2])
    refusal = r"not one of classes_ \(at model.outlier_label\[1\]\)"
    with pytest.raises(UnsupportedModelError, match=refusal):
        _native(multi)
    # as many labels as outputs, or refused at load
    multi.outlier_label = [0, 1, 1]
    with pytest.raises(Exception, match="3 labels for 2 outputs"):
        _native(multi)


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
@pytest.mark.parametrize("outputs", [2, 5])
def test_regressor_with_several_outputs(weights: str, metric: str, outputs: int) -> None:
    """`np.mean(_y[ind, :], axis=0)` / `np.average(..., axis=0, weights=w)`:
    each neighbour's row of outputs added in neighbour order, over the
    count or the weights' (pairwise) sum; NaN rows without neighbours;
    queries on training rows (distance 0); one row at a time too."""
    X, _ = _data(800, 18, seed=13)
    T = X[:, :outputs] * np.linspace(1, 3, outputs) + X[:, -1:] ** 2
    T[::7, 0] = -0.0
    Q, _ = _data(300, 18, seed=14)
    Q[:3] = X[:3]
    Q[3:6] = 40.0  # no neighbours: NaN
    m = RadiusNeighborsRegressor(radius=5.5 if metric == "euclidean" else 17.0,
                                 weights=weights, metric=metric).fit(X, T)
    assert m._fit_method == "brute"
    n = _native(m)
    assert n.exactness("predict").startswith("bitwise")
    want = _sk(m, "predict", Q)
    assert want.shape == (300, outputs) and np.isnan(want).any()
    counts = [len(i) for i in m.radius_neighbors(Q, return_distance=False)]
    assert max(counts) >= 9
    _bits(want, n.predict(Q))
    for i in (0, 3, 10):
        _bits(_sk(m, "predict", Q[i:i + 1]), n.predict(Q[i:i + 1]))
    # a KD tree: the documented bound
    t = RadiusNeighborsRegressor(radius=1.2, algorithm="kd_tree", weights=weights,
                                 metric=metric).fit(X[:, :4], T)
    nt = _native(t)
    assert nt.exactness("predict").startswith("bounded")
    w, g = _sk(t, "predict", Q[:, :4]), nt.predict(Q[:, :4])
    np.testing.assert_allclose(g, w, rtol=1e-13, atol=1e-15)
    assert np.array_equal(np.isnan(g), np.isnan(w))


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
@pytest.mark.parametrize("outlier", ["most_frequent", "one label", "a label per output"])
def test_classifier_with_several_outputs(weights: str, metric: str, outlier: str) -> None:
    """`outputs_2d_`: every output through `radius_neighbors` (never
    RadiusNeighborsClassMode), its classes counted and normalised on their
    own; predict a label column per output, predict_proba a list; integer
    and string outputs; queries without neighbours scored for each output's
    outlier label; queries on training rows (distance 0); one row at a time."""
    X, y = _data(700, 18, seed=21)
    Y = np.c_[y, (X[:, 1] > 0.3).astype(int) * 2 + 1, (X[:, 2] > -0.5).astype(int)]
    label = {"most_frequent": "most_frequent", "one label": 1,
             "a label per output": [2, 3, 0]}[outlier]
    Q, _ = _data(300, 18, seed=22)
    Q[:3] = X[:3]
    Q[3:6] = 40.0  # no neighbours
    m = RadiusNeighborsClassifier(radius=5.5 if metric == "euclidean" else 17.0,
                                  weights=weights, metric=metric,
                                  outlier_label=label).fit(X, Y)
    assert m.outputs_2d_ and m._fit_method == "brute"
    n = _native(m)
    assert n.exactness("predict_proba").startswith("bitwise")
    counts = [len(i) for i in m.radius_neighbors(Q, return_distance=False)]
    assert max(counts) >= 9 and min(counts) == 0
    want_p, got_p = _sk(m, "predict_proba", Q), n.predict_proba(Q)
    assert isinstance(got_p, list) and len(got_p) == 3
    for w, g in zip(want_p, got_p, strict=True):
        _bits(w, g)
    want = _sk(m, "predict", Q)
    assert want.shape == (300, 3)
    _bits(want, n.predict(Q))
    for i in (0, 3, 10):
        _bits(_sk(m, "predict", Q[i:i + 1]), n.predict(Q[i:i + 1]))
    # string classes in every output
    S = np.array(["no", "yes", "maybe"], dtype=object)[Y % 3]
    s_label = {"most_frequent": "most_frequent", "one label": "yes",
               "a label per output": ["maybe", "no", "yes"]}[outlier]
    ms = RadiusNeighborsClassifier(radius=m.radius, weights=weights, metric=metric,
                                   outlier_label=s_label).fit(X, S)
    ns = _native(ms)
    _bits(_sk(ms, "predict", Q), ns.predict(Q))
    for w, g in zip(_sk(ms, "predict_proba", Q), ns.predict_proba(Q), strict=True):
        _bits(w, g)


def test_classifier_with_several_outputs_needs_an_outlier_label_for_outliers() -> None:
    X, y = _data(300, 18, seed=23)
    m = RadiusNeighborsClassifier(radius=5.5).fit(X, np.c_[y, 1 - y])
    n = _native(m)
    Q = np.vstack([X[:2], np.full((1, 18), 40.0)])
    with pytest.raises(ValueError, match=r"No neighbors found for test samples \D*2\D"):
        m.predict(Q)
    with pytest.raises(ValueError, match=r"No neighbors found for test samples \D*2\D"):
        n.predict(Q)
    _bits(m.predict(Q[:2]), n.predict(Q[:2]))


def test_the_avx2_path_gives_the_same_bits() -> None:
    replay_on_avx2(__file__)


@pytest.mark.parametrize("radius", [float("nan"), -1.0, float("inf")])
def test_a_radius_that_is_not_a_radius_is_refused_at_load(radius: float) -> None:
    """A file whose radius is NaN, negative or infinite (set after fitting, which
    scikit-learn does not check) is refused at load, naming the attribute."""
    X, y = _data(60, 20, 7)
    m = RadiusNeighborsClassifier(radius=3.0, algorithm="brute").fit(X, y)
    m.radius = radius
    with pytest.raises(skseal.errors.ValidationError, match=r"\.radius: .* is not a radius"):
        _native(m)
    r = RadiusNeighborsRegressor(radius=3.0, algorithm="brute").fit(X, y.astype(float))
    r.radius = radius
    with pytest.raises(skseal.errors.ValidationError, match=r"\.radius: .* is not a radius"):
        _native(r)
