"""Classifiers with several outputs: DecisionTree / ExtraTree / RandomForest /
ExtraTrees classifiers fitted on a 2-D target and MultiOutputClassifier.
predict is scikit-learn's n x n_outputs array of labels, predict_proba its
list of one array per output (predict_log_proba their logs, for trees and
forests), bitwise; through `skseal predict` and `skseal serve` too."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from avx2_path import replay_on_avx2
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.multioutput import MultiOutputClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, ExtraTreeClassifier

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError

RNG = np.random.default_rng(0)
X = RNG.normal(size=(300, 6))
X[::11, 2] = np.nan  # trees route missing values
XC = np.nan_to_num(X)  # for models that refuse NaN
# outputs with 2, 3 and 4 classes
Y_INT = np.stack([(X[:, 0] > 0).astype(np.int64),
                  np.digitize(np.nan_to_num(X[:, 1]), [-0.5, 0.5]),
                  np.digitize(np.nan_to_num(X[:, 3]), [-1.0, 0.0, 1.0])], axis=1)
Y_STR = np.array(["lo", "mid", "hi", "top"], dtype=object)[Y_INT]
X_NEW = np.vstack([RNG.normal(size=(200, 6)), X[:40]])
X_NEW[::7, 2] = np.nan


def _load(model: Any, tmp_path: Path) -> skseal.native.NativeModel:
    p = tmp_path / "m.skseal"
    skseal.dump(model, p)
    return skseal.native.load(p)


def _same(model: Any, m: skseal.native.NativeModel, x: np.ndarray) -> None:
    # classes_: one array per output, as scikit-learn's list
    assert isinstance(m.classes_, list)
    assert [c.tolist() for c in m.classes_] == [c.tolist() for c in model.classes_]
    want, got = model.predict(x), m.predict(x)
    assert got.shape == want.shape == (len(x), want.shape[1])
    assert got.tolist() == want.tolist()
    if want.dtype.kind in "iuf":
        assert got.dtype == want.dtype
    for meth in ("predict_proba", "predict_log_proba"):
        if not hasattr(model, meth):
            assert meth not in m.methods
            continue
        with np.errstate(divide="ignore"):
            w = getattr(model, meth)(x)
        g = getattr(m, meth)(x)
        assert isinstance(g, list) and len(g) == len(w)
        for gk, wk in zip(g, w, strict=True):
            assert gk.shape == wk.shape and gk.tobytes() == wk.tobytes(), meth


TREES = [
    lambda: DecisionTreeClassifier(random_state=0),
    lambda: DecisionTreeClassifier(max_depth=4, random_state=0),
    lambda: ExtraTreeClassifier(random_state=0),
    lambda: RandomForestClassifier(n_estimators=20, random_state=0),
    lambda: ExtraTreesClassifier(n_estimators=20, random_state=0),
]


@pytest.mark.parametrize("tree", range(len(TREES)))
@pytest.mark.parametrize("y", ["int", "str"])
def test_trees_and_forests(tmp_path: Path, tree: int, y: str) -> None:
    model = TREES[tree]()
    nan_ok = not isinstance(model, (ExtraTreeClassifier, ExtraTreesClassifier))
    x = X if nan_ok else XC
    model.fit(x, Y_INT if y == "int" else Y_STR)
    m = _load(model, tmp_path)
    for part in (X_NEW if nan_ok else np.nan_to_num(X_NEW), x[:1], x[5:9]):
        _same(model, m, part)
    # batches over the cores give the same bits
    big = np.repeat(X_NEW if nan_ok else np.nan_to_num(X_NEW), 12, axis=0)
    _same(model, m, big)


@pytest.mark.parametrize("est", [lambda: LogisticRegression(max_iter=500),
                                 lambda: make_pipeline(StandardScaler(), GaussianNB()),
                                 lambda: RandomForestClassifier(n_estimators=5, random_state=0)])
@pytest.mark.parametrize("y", ["int", "str"])
def test_multi_output_classifier(tmp_path: Path, est: Any, y: str) -> None:
    model = MultiOutputClassifier(est()).fit(XC, Y_INT if y == "int" else Y_STR)
    m = _load(model, tmp_path)
    claim = m.exactness("predict_proba")
    for part in (np.nan_to_num(X_NEW), XC[:1]):
        if claim.startswith("bitwise"):
            _same(model, m, part)
            continue
        # a multinomial product (Fortran-ordered coef_) or SVML's log1p:
        # within the documented bound, labels equal away from near ties
        want, got = model.predict_proba(part), m.predict_proba(part)
        for w, g in zip(want, got, strict=True):
            assert np.allclose(g, w, rtol=1e-12, atol=1e-15), claim
        near = np.zeros(len(part), dtype=bool)
        for w in want:
            top = np.sort(w, axis=1)
            near |= top[:, -1] - top[:, -2] < 1e-9
        assert m.predict(part)[~near].tolist() == model.predict(part)[~near].tolist()


@pytest.mark.parametrize("kw", [{}, {"weights": "distance"}, {"algorithm": "brute"},
                                {"algorithm": "brute", "metric": "manhattan"},
                                {"algorithm": "brute", "weights": "distance"},
                                {"algorithm": "ball_tree", "n_neighbors": 7}])
@pytest.mark.parametrize("y", ["int", "str"])
def test_k_nearest_neighbours(tmp_path: Path, kw: dict[str, Any], y: str) -> None:
    """Each output voted from the same neighbours: kneighbors (not
    ArgKminClassMode, as scikit-learn does with several outputs), then
    `_mode` / `weighted_mode` per output and its class fractions."""
    from sklearn.neighbors import KNeighborsClassifier

    model = KNeighborsClassifier(**kw).fit(XC, Y_INT if y == "int" else Y_STR)
    m = _load(model, tmp_path)
    assert [c.tolist() for c in m.classes_] == [c.tolist() for c in model.classes_]
    for part in (np.nan_to_num(X_NEW), XC[:1], XC[5:9]):
        want, got = model.predict(part), m.predict(part)
        assert got.shape == want.shape and got.tolist() == want.tolist(), kw
        w, g = model.predict_proba(part), m.predict_proba(part)
        assert isinstance(g, list) and len(g) == len(w) == 3
        for gk, wk in zip(g, w, strict=True):
            assert gk.shape == wk.shape and gk.tobytes() == wk.tobytes(), kw


@pytest.mark.parametrize("kw", [{}, {"n_neighbors": 12}, {"weights": "distance"},
                                {"algorithm": "brute", "n_neighbors": 9},
                                {"algorithm": "brute", "weights": "distance", "n_neighbors": 11}])
def test_k_nearest_neighbours_regression(tmp_path: Path, kw: dict[str, Any]) -> None:
    """`np.mean(_y[neigh_ind], axis=1)` over the neighbour axis (each
    neighbour's outputs added in order; 12 neighbours would tell a pairwise
    sum apart), or per output the weighted sums over the weights' sum."""
    from sklearn.neighbors import KNeighborsRegressor

    Y = np.column_stack([np.sin(XC[:, 0] * 3) * 1e3, XC[:, 1] / 7, np.exp(XC[:, 2]), -XC[:, 3]])
    model = KNeighborsRegressor(**kw).fit(XC, Y)
    m = _load(model, tmp_path)
    for part in (np.nan_to_num(X_NEW), XC[:1], XC):
        want, got = model.predict(part), m.predict(part)
        assert got.shape == want.shape and got.tobytes() == want.tobytes(), kw


def test_radius_neighbours_classifier_with_several_outputs(tmp_path: Path) -> None:
    """Computed as the k-nearest classifier is: a label column per output
    (more cases in tests/test_native_radius.py)."""
    from sklearn.neighbors import RadiusNeighborsClassifier

    model = RadiusNeighborsClassifier(radius=3.0, outlier_label="most_frequent").fit(XC, Y_INT)
    m = _load(model, tmp_path)
    for part in (XC[:1], XC):
        want, got = model.predict(part), m.predict(part)
        assert got.shape == want.shape and np.array_equal(got, want)
        for w, g in zip(model.predict_proba(part), m.predict_proba(part), strict=True):
            assert g.tobytes() == w.tobytes()


def test_outputs_of_different_types_are_refused(tmp_path: Path) -> None:
    """scikit-learn does not fit such targets; a file can still hold them
    (numpy would stack them as objects): refused, not cast."""
    model = MultiOutputClassifier(DecisionTreeClassifier(random_state=0)).fit(XC, Y_INT)
    model.estimators_[1].classes_ = np.array(["a", "b", "c"], dtype=object)
    with pytest.raises(UnsupportedModelError, match="classes of different types"):
        _load(model, tmp_path)
    forest = RandomForestClassifier(n_estimators=2, random_state=0).fit(X, Y_INT)
    forest.classes_[2] = np.array(["a", "b", "c", "d"], dtype=object)
    with pytest.raises(UnsupportedModelError, match="classes of different types"):
        _load(forest, tmp_path)


def test_cli_and_server_answers(tmp_path: Path) -> None:
    """`skseal predict` writes a column per output (and per output and class
    for probabilities); `skseal serve` answers rows of labels, and per row a
    list of each output's probabilities (v2: a tensor per output)."""
    from test_serve import CLI, Server

    if not CLI.exists():
        pytest.skip("CLI not built (scripts/setup.sh)")
    model = RandomForestClassifier(n_estimators=8, random_state=0).fit(XC, Y_STR)
    p = tmp_path / "mo.skseal"
    skseal.dump(model, p)
    csv = tmp_path / "x.csv"
    rows = np.nan_to_num(X_NEW[:25])
    csv.write_text(",".join(f"f{j}" for j in range(6)) + "\n"
                   + "\n".join(",".join(repr(float(v)) for v in r) for r in rows) + "\n")

    def cli(*args: str) -> list[str]:
        return subprocess.run([str(CLI), "predict", str(p), "--input", str(csv), *args],
                              capture_output=True, text=True, check=True).stdout.splitlines()

    out = cli()
    assert out[0] == "predict0,predict1,predict2"
    assert [r.split(",") for r in out[1:]] == model.predict(rows).tolist()
    out = cli("--method", "predict_proba")
    want = model.predict_proba(rows)
    assert out[0].split(",") == [f"predict_proba{k}_{j}" for k, w in enumerate(want)
                                 for j in range(w.shape[1])]
    got = np.array([[float(v) for v in r.split(",")] for r in out[1:]])
    assert got.tobytes() == np.hstack(want).tobytes()
    jl = tmp_path / "x.jsonl"
    jl.write_text("\n".join(json.dumps({f"f{j}": float(v) for j, v in enumerate(r)})
                             for r in rows) + "\n")
    out = subprocess.run([str(CLI), "predict", str(p), "--input", str(jl)], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert [json.loads(r) for r in out] == model.predict(rows).tolist()

    s = Server(str(p))
    try:
        s.wait_ready()
        code, meta = s.get("/v2/models/mo")
        assert code == 200
        assert meta["parameters"]["classes"] == [c.tolist() for c in model.classes_]
        body = {"instances": rows.tolist()}
        code, r = s.post("/invocations", body)
        assert code == 200 and r["predictions"] == model.predict(rows).tolist()
        code, r = s.post("/invocations", {**body, "params": {"method": "predict_proba"}})
        assert code == 200
        assert r["predictions"] == [[w[i].tolist() for w in want] for i in range(len(rows))]
        tensor = {"name": "x", "shape": list(rows.shape), "datatype": "FP64",
                  "data": rows.ravel().tolist()}
        code, v2 = s.post("/v2/models/mo/infer",
                          {"inputs": [tensor], "parameters": {"method": "predict_proba"}})
        assert code == 200, v2
        assert [o["name"] for o in v2["outputs"]] == [f"predict_proba_{k}" for k in range(3)]
        for o, w in zip(v2["outputs"], want, strict=True):
            assert o["shape"] == list(w.shape)
            assert np.array(o["data"]).tobytes() == w.ravel().tobytes()
        code, v2 = s.post("/v2/models/mo/infer", {"inputs": [tensor]})
        (o,) = v2["outputs"]
        assert o["shape"] == [len(rows), 3] and o["datatype"] == "BYTES"
        assert o["data"] == model.predict(rows).ravel().tolist()
    finally:
        assert s.stop() == 0


def test_multi_output_without_avx512() -> None:
    replay_on_avx2(__file__, also_skip="cli_and_server")


@pytest.mark.parametrize("y", ["int", "str"])
def test_probes_of_several_outputs_are_checked(tmp_path: Path, y: str) -> None:
    """The probe records predict as numpy's n x n_outputs array (F-ordered
    for MultiOutputClassifier's `.T`) and native inference checks it; the
    list of predict_proba arrays is not recorded as an output it reads."""
    target = Y_INT if y == "int" else Y_STR
    for model in (RandomForestClassifier(n_estimators=4, random_state=0).fit(X, target),
                  MultiOutputClassifier(DecisionTreeClassifier(random_state=0)).fit(XC, target)):
        p = tmp_path / "probe.skseal"
        skseal.dump(model, p, probe=XC[:6])
        passed, text = skseal.native.load(p).check_probe()
        assert passed and "predict(): bitwise equal" in text, text
        skseal.native.load(p, verify=True)


def test_malformed_or_old_multi_output_files_are_refused(tmp_path: Path) -> None:
    """Files scikit-learn would not write, or an old one, are refused at
    load naming what is wrong (crafted here by editing fitted models)."""
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.tree import DecisionTreeRegressor

    from skseal.errors import ValidationError

    knn = KNeighborsClassifier(3).fit(XC, Y_INT)
    knn.classes_[1] = np.array(["a", "b", "c"], dtype=object)
    with pytest.raises(UnsupportedModelError, match="classes of different types"):
        _load(knn, tmp_path)
    knn = KNeighborsClassifier(3).fit(XC, Y_INT)
    knn._y = knn._y[:, :, None]
    with pytest.raises(ValidationError, match=r"_y.*shape"):
        _load(knn, tmp_path)
    # a pickle whose recorded scikit-learn version reads 1.3.2 (same length:
    # the pickle stays well formed), read by native inference, not unpickled
    import pickle

    import sklearn

    old = pickle.dumps(RandomForestClassifier(n_estimators=2, random_state=0).fit(X, Y_INT))
    assert len(sklearn.__version__) == 5 and old.count(sklearn.__version__.encode()) >= 1
    old = old.replace(sklearn.__version__.encode(), b"1.3.2")
    with pytest.raises(UnsupportedModelError, match="3 outputs saved by scikit-learn < 1.4"):
        skseal.native.loads(old)
    wide = RandomForestClassifier(n_estimators=2, random_state=0).fit(X, Y_INT)
    wide.classes_[0] = np.arange(9)
    with pytest.raises(ValidationError, match="at least 9 class values"):
        _load(wide, tmp_path)
    moc = MultiOutputClassifier(DecisionTreeClassifier(random_state=0)).fit(XC, Y_INT)
    moc.estimators_[1] = DecisionTreeRegressor(random_state=0).fit(XC, Y_INT[:, 1])
    with pytest.raises(ValidationError, match="every estimator must be a classifier"):
        _load(moc, tmp_path)
