"""Native inference of trees and tree ensembles: bit-identical to scikit-learn.

Every model is saved with skseal.dump (and, for some, with joblib.dump of a
model fitted here), loaded with skseal.native.load, and every method the
scikit-learn model has is compared with np.array_equal: same labels, same
class order, same bits.
"""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.tree import (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    ExtraTreeClassifier,
    ExtraTreeRegressor,
)

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / "target" / "debug" / "skseal"
METHODS = ["predict", "predict_proba", "predict_log_proba", "decision_function"]


def _data(kind: str, n_classes: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    if kind == "regression":
        X, y = make_regression(600, 6, noise=5.0, random_state=seed)
        return X, y
    X, y = make_classification(
        600, 6, n_informative=4, n_classes=n_classes, n_clusters_per_class=1, random_state=seed
    )
    if kind == "large_int":
        # Integer-valued features above 2**24: float32 cannot hold them all,
        # the case where converters that compare in float32 flip predictions.
        X = np.round(X * 3e6 + 2**25)
    return X, y


def _thresholds_probe(model: Any, X: np.ndarray) -> np.ndarray:
    """Rows whose values sit exactly at, and one ulp around, split thresholds."""
    trees = []
    if hasattr(model, "tree_"):
        trees = [model.tree_]
    elif hasattr(model, "estimators_"):
        est = np.asarray(model.estimators_, dtype=object).ravel()
        trees = [e.tree_ for e in est[:5]]
    rows = [X[:50].copy()]
    rng = np.random.default_rng(1)
    for t in trees:
        internal = t.children_left != -1
        for f, thr in zip(t.feature[internal][:40], t.threshold[internal][:40], strict=True):
            for v in (
                thr,
                np.nextafter(thr, np.inf),
                np.nextafter(thr, -np.inf),
                float(np.float32(thr)),
                float(np.nextafter(np.float32(thr), np.float32(np.inf))),
            ):
                r = X[rng.integers(len(X))].copy()
                r[f] = v
                rows.append(r[None, :])
    return np.vstack(rows)


def _compare(model: Any, native: skseal.native.NativeModel, X: Any) -> list[str]:
    checked = []
    for meth in METHODS:
        if not hasattr(model, meth):
            continue
        assert meth in native.methods, f"{type(model).__name__}: native lacks {meth}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            want = getattr(model, meth)(X)
        got = getattr(native, meth)(X)
        assert got.shape == want.shape, (meth, got.shape, want.shape)
        if want.dtype.kind == "f":
            same = np.array_equal(got, want, equal_nan=True)
            if not same:
                bad = ~((got == want) | (np.isnan(got) & np.isnan(want)))
                raise AssertionError(
                    f"{type(model).__name__}.{meth}: {int(bad.sum())} values differ, "
                    f"max abs {np.nanmax(np.abs(got - want))}"
                )
        else:
            assert np.array_equal(got.astype(object), want.astype(object)), meth
        checked.append(meth)
    if getattr(model, "classes_", None) is not None:
        assert list(native.classes_) == list(model.classes_)
    return checked


def _roundtrip(model: Any, tmp_path: Path) -> skseal.native.NativeModel:
    p = tmp_path / "m.skseal"
    skseal.dump(model, p)
    return skseal.native.load(p)


CLASSIFIERS = [
    DecisionTreeClassifier(random_state=0),
    DecisionTreeClassifier(max_depth=4, random_state=0),
    ExtraTreeClassifier(random_state=0),
    RandomForestClassifier(n_estimators=25, random_state=0),
    ExtraTreesClassifier(n_estimators=25, random_state=0),
    GradientBoostingClassifier(n_estimators=30, random_state=0),
    HistGradientBoostingClassifier(max_iter=30, random_state=0),
]
REGRESSORS = [
    DecisionTreeRegressor(random_state=0),
    ExtraTreeRegressor(random_state=0),
    RandomForestRegressor(n_estimators=20, random_state=0),
    ExtraTreesRegressor(n_estimators=20, random_state=0),
    GradientBoostingRegressor(n_estimators=30, random_state=0),
    GradientBoostingRegressor(loss="huber", n_estimators=20, random_state=0),
    GradientBoostingRegressor(loss="quantile", alpha=0.8, n_estimators=20, random_state=0),
    HistGradientBoostingRegressor(max_iter=30, random_state=0),
    HistGradientBoostingRegressor(loss="poisson", max_iter=30, random_state=0),
]


@pytest.mark.parametrize("kind", ["random", "large_int"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("model", CLASSIFIERS, ids=lambda m: type(m).__name__)
def test_classifiers_bitwise(model: Any, n_classes: int, kind: str, tmp_path: Path) -> None:
    X, y = _data(kind, n_classes)
    model.fit(X, y)
    native = _roundtrip(model, tmp_path)
    checked = _compare(model, native, _thresholds_probe(model, X))
    assert "predict" in checked and "predict_proba" in checked


@pytest.mark.parametrize("model", REGRESSORS, ids=lambda m: f"{type(m).__name__}-{m.loss}"
                         if hasattr(m, "loss") else type(m).__name__)
def test_regressors_bitwise(model: Any, tmp_path: Path) -> None:
    X, y = _data("regression")
    if getattr(model, "loss", None) == "poisson":
        y = np.abs(y)
    model.fit(X, y)
    native = _roundtrip(model, tmp_path)
    assert _compare(model, native, _thresholds_probe(model, X)) == ["predict"]


@pytest.mark.parametrize(
    "model",
    [
        DecisionTreeClassifier(random_state=0),
        RandomForestClassifier(n_estimators=15, random_state=0),
        ExtraTreeClassifier(random_state=0),
        HistGradientBoostingClassifier(max_iter=20, random_state=0),
    ],
    ids=lambda m: type(m).__name__,
)
def test_missing_values_follow_the_learned_side(model: Any, tmp_path: Path) -> None:
    X, y = _data("random", 3)
    rng = np.random.default_rng(0)
    X[rng.random(X.shape) < 0.1] = np.nan
    model.fit(X, y)
    native = _roundtrip(model, tmp_path)
    Xt = X.copy()
    Xt[rng.random(Xt.shape) < 0.3] = np.nan
    _compare(model, native, Xt)


def test_nan_where_scikit_learn_refuses_it_is_refused(tmp_path: Path) -> None:
    X, y = _data("random")
    model = ExtraTreeClassifier(splitter="best", random_state=0).fit(X, y)
    native = _roundtrip(model, tmp_path)
    Xt = X[:3].copy()
    Xt[1, 2] = np.nan
    with pytest.raises(ValueError):
        model.predict(Xt)
    with pytest.raises(ValueError, match="row 1, column 2: NaN"):
        native.predict(Xt)


def test_infinite_and_float32_overflow_are_refused_like_scikit_learn(tmp_path: Path) -> None:
    X, y = _data("random")
    model = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    native = _roundtrip(model, tmp_path)
    for bad in (np.inf, 1e39):
        Xt = X[:2].copy()
        Xt[0, 0] = bad
        with pytest.raises(ValueError):
            model.predict(Xt)
        with pytest.raises(ValueError, match="infinite or too large for float32"):
            native.predict(Xt)


def test_gradient_boosting_refuses_nan_like_scikit_learn(tmp_path: Path) -> None:
    X, y = _data("random")
    model = GradientBoostingClassifier(n_estimators=10, random_state=0).fit(X, y)
    native = _roundtrip(model, tmp_path)
    Xt = X[:40].copy()
    Xt[::3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.predict(Xt)
    with pytest.raises(ValueError, match="row 0, column 1: NaN"):
        native.predict(Xt)


@pytest.mark.parametrize("labels", [["cat", "dog", "emu"], [10, -3, 7], [1.0, 2.0, 4.0]])
def test_class_labels_keep_type_and_order(labels: list[Any], tmp_path: Path) -> None:
    X, y = _data("random", 3)
    yl = np.array(labels, dtype=object if isinstance(labels[0], str) else None)[y]
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, yl)
    native = _roundtrip(model, tmp_path)
    _compare(model, native, X[:100])
    assert native.predict(X[:5]).dtype == model.predict(X[:5]).dtype


def test_joblib_file_gives_the_same_results(tmp_path: Path) -> None:
    X, y = _data("random", 3)
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    for compress in (0, 3):
        p = tmp_path / f"m{compress}.joblib"
        joblib.dump(model, p, compress=compress)
        native = skseal.native.load(p)
        _compare(model, native, X)


@pytest.mark.parametrize("compress", [True, "lz4"])
def test_compressed_files_with_packs_give_the_same_results(compress: Any,
                                                           tmp_path: Path) -> None:
    """Small arrays of a compressed file live in packs (FORMAT.md 4.5); native
    loading reads them from a path and from bytes."""
    X, y = _data("random", 3)
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X, y)
    p = tmp_path / "m.skseal"
    skseal.dump(model, p, compress=compress)
    assert skseal.inspect(p)["packs"]
    _compare(model, skseal.native.load(p), X)
    _compare(model, skseal.native.loads(p.read_bytes()), X)


def test_batches_on_all_cores_equal_one_call(tmp_path: Path) -> None:
    X, y = _data("random", 3)
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    native = _roundtrip(model, tmp_path)
    big = np.tile(X, (10, 1))  # 6000 rows: several parallel batches
    assert np.array_equal(native.predict_proba(big), model.predict_proba(big))
    one = np.vstack([native.predict_proba(big[i : i + 1]) for i in range(0, 6000, 997)])
    assert np.array_equal(one, model.predict_proba(big[::997]))


def test_dataframe_input_checks_feature_names(tmp_path: Path) -> None:
    X, y = _data("random")
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(df, y)
    native = _roundtrip(model, tmp_path)
    assert list(native.feature_names_in_) == list(df.columns)
    _compare(model, native, df)
    # reordered columns are put back in the fitted order
    assert np.array_equal(native.predict_proba(df[df.columns[::-1]]), model.predict_proba(df))
    with pytest.raises(ValueError, match=r"missing: \[f5\], unexpected: \[\]"):
        native.predict(df.drop(columns=["f5"]))
    with pytest.raises(ValueError, match=r"unexpected: \[extra\]"):
        native.predict(df.assign(extra=1.0))
    with pytest.raises(ValueError, match="X has 5 features, but RandomForestClassifier"):
        native.predict(X[:, :5])


def test_unsupported_models_are_refused_at_load_naming_the_step(tmp_path: Path) -> None:
    from sklearn.semi_supervised import LabelSpreading

    X, y = _data("random")
    p = tmp_path / "ls.skseal"
    skseal.dump(LabelSpreading().fit(X, y), p)
    with pytest.raises(UnsupportedModelError, match="LabelSpreading"):
        skseal.native.load(p)


@pytest.mark.parametrize("cls", [DecisionTreeRegressor, RandomForestRegressor,
                                 ExtraTreesRegressor])
@pytest.mark.parametrize("stored", ["records", "native layout", "mapped"])
def test_multi_output_regression_trees(cls: Any, stored: str, tmp_path: Path) -> None:
    """Several outputs: each node holds one value per output; a forest adds
    the trees' (n, n_outputs) predictions in tree order and divides once, as
    scikit-learn does. Bitwise, one row and batches, NaN routed."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(500, 6))
    Y = np.column_stack([X[:, 0] * 2 + X[:, 1], np.sin(X[:, 2]), X[:, 3] ** 2])
    kw: dict[str, Any] = {} if cls is DecisionTreeRegressor else {"n_estimators": 7}
    if cls is not ExtraTreesRegressor:
        X[::9, 1] = np.nan  # fitted with missing values: NaN follows each split
    m = cls(random_state=0, max_depth=9, **kw).fit(X, Y)
    assert m.n_outputs_ == 3
    p = tmp_path / "m.skseal"
    skseal.dump(m, p, native_layout=stored != "records", probe=X[:5])
    native = skseal.native.load(p, mmap_mode="r" if stored == "mapped" else None, verify=True)
    Q = rng.normal(size=(300, 6))
    if cls is not ExtraTreesRegressor:
        Q[::4, 1] = np.nan
    for rows in (Q, Q[:1], Q[7:8], Q[:40]):
        want, got = m.predict(rows), native.predict(rows)
        assert got.shape == want.shape == (len(rows), 3)
        assert got.tobytes() == want.tobytes()
    # a classifier with two outputs of bool labels: scikit-learn's n x 2 bool
    # array (tests/test_native_multi_output.py has the rest)
    clf = DecisionTreeClassifier().fit(X[:, 2:], np.column_stack([X[:, 2] > 0, X[:, 3] > 0]))
    want = clf.predict(Q[:, 2:])
    got = skseal.native.loads(skseal.dumps(clf)).predict(Q[:, 2:])
    assert got.dtype == want.dtype == np.bool_ and got.tolist() == want.tolist()


def test_missing_method_is_an_attribute_error(tmp_path: Path) -> None:
    X, y = _data("regression")
    native = _roundtrip(RandomForestRegressor(n_estimators=2).fit(X, y), tmp_path)
    with pytest.raises(AttributeError, match="no method predict_proba; it has: predict"):
        native.predict_proba(X)


def test_hostile_files_are_refused_before_anything_is_built(tmp_path: Path) -> None:
    import pickle
    import pickletools  # noqa: F401  (the payload is built by hand below)

    class Boom:
        def __reduce__(self) -> tuple[Any, tuple[str]]:
            return (print, ("never",))

    p = tmp_path / "evil.pkl"
    p.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(skseal.UntrustedTypeError, match="builtins.print"):
        skseal.native.load(p)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not CLI.exists(), reason="CLI not built (scripts/setup.sh builds it)")
def test_cli_predict_csv_and_jsonl(tmp_path: Path) -> None:
    X, y = _data("random", 3)
    yl = np.array(["a", "b", "c"], dtype=object)[y]
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    model = HistGradientBoostingClassifier(max_iter=10).fit(df, yl)
    mp = tmp_path / "m.skseal"
    skseal.dump(model, mp)
    inp = tmp_path / "in.csv"
    df.iloc[:50].to_csv(inp, index=False)
    r = _cli("predict", str(mp), "--input", str(inp), "--method", "predict_proba", "--explain")
    assert r.returncode == 0, r.stderr
    assert "HistGradientBoostingClassifier predict_proba: bitwise (numpy's OpenBLAS" in r.stderr
    got = pd.read_csv(pd.io.common.StringIO(r.stdout), float_precision="round_trip")
    assert list(got.columns) == ["a", "b", "c"]
    assert np.array_equal(got.to_numpy(), model.predict_proba(df.iloc[:50]))
    jl = tmp_path / "in.jsonl"
    jl.write_text("\n".join(json.dumps(r) for r in df.iloc[:20].to_dict("records")) + "\n")
    out = tmp_path / "out.jsonl"
    r = _cli("predict", str(mp), "--input", str(jl), "--output", str(out))
    assert r.returncode == 0, r.stderr
    assert [json.loads(s) for s in out.read_text().splitlines()] == list(
        model.predict(df.iloc[:20])
    )
    # errors: clear message, exit 2, no output file left behind
    bad = tmp_path / "bad.csv"
    df.iloc[:5, :4].to_csv(bad, index=False)
    out2 = tmp_path / "out2.csv"
    r = _cli("predict", str(mp), "--input", str(bad), "--output", str(out2))
    assert r.returncode == 2 and "missing" in r.stderr and not out2.exists()
    r = _cli("predict", str(mp), "--input", str(inp), "--method", "transform")
    assert r.returncode == 2 and "has no method transform" in r.stderr


@pytest.mark.parametrize("max_features", [1.0, 0.5])
def test_isolation_forest_bitwise(max_features: float, tmp_path: Path) -> None:
    # 2 ** -x is numpy's SVML power on AVX-512 machines: npmath ports it
    from sklearn.ensemble import IsolationForest

    X, _ = _data("random")
    X[::13, 2] = np.nan
    model = IsolationForest(n_estimators=50, max_features=max_features, random_state=0).fit(X)
    native = _roundtrip(model, tmp_path)
    Xt = np.vstack([X, X * 3.0])
    for meth in ("score_samples", "decision_function", "predict"):
        want, got = getattr(model, meth)(Xt), getattr(native, meth)(Xt)
        assert got.shape == want.shape and got.dtype.kind == want.dtype.kind
        assert np.array_equal(got, want), meth


def test_any_numeric_array_layout_gives_the_same_result(tmp_path: Path) -> None:
    # C-contiguous float64 takes the fast path; the rest is converted first
    X, y = _data("random")
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    native = _roundtrip(model, tmp_path)
    want = model.predict_proba(X[:50])
    for variant in (
        np.asfortranarray(X[:50]),
        X[:50].astype(np.float32),
        np.ascontiguousarray(X[:50]),
        np.hstack([X[:50], X[:50]])[:, :6],
    ):
        assert np.array_equal(native.predict_proba(variant), model.predict_proba(variant))
    assert np.array_equal(native.predict_proba(X[:50].tolist()), want)
    Xi = np.round(X[:50]).astype(np.int64)
    assert np.array_equal(native.predict_proba(Xi), model.predict_proba(Xi))
    with pytest.raises(ValueError, match="2-D"):
        native.predict_proba(X[0])


def test_malformed_fitted_state_is_refused_at_load_naming_the_attribute(tmp_path: Path) -> None:
    X, y = _data("random")
    p = tmp_path / "bad.skseal"
    empty = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    empty.estimators_ = []
    wrong_type = GradientBoostingClassifier(n_estimators=3, random_state=0).fit(X, y)
    wrong_type.learning_rate = "x"
    too_many = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    too_many.classes_ = np.arange(5)
    for model, message in (
        (empty, "at model: estimators_ is empty"),
        (wrong_type, r"at model\.learning_rate: expected a number, found str"),
        (too_many, "trees hold fewer class values than classes_"),
    ):
        skseal.dump(model, p)
        with pytest.raises(skseal.ValidationError, match=message):
            skseal.native.load(p)


def test_numpy_blas_read_from_numpy_openblas_matches_threadpoolctl() -> None:
    """numpy_blas() asks numpy's bundled OpenBLAS directly (fast in a fresh
    process); it must say what threadpoolctl says, also after the thread
    count changes and under a forced core type."""
    import json
    import os
    import subprocess
    import sys

    from threadpoolctl import threadpool_limits

    from skseal.native import _blas_by_threadpoolctl, numpy_blas

    assert numpy_blas() == _blas_by_threadpoolctl()
    with threadpool_limits(limits=1, user_api="blas"):
        assert numpy_blas() == _blas_by_threadpoolctl()
        assert numpy_blas()[1] == 1
    code = ("import json; from skseal.native import _blas_by_threadpoolctl, _bundled_openblas, "
            "numpy_blas; print(json.dumps([numpy_blas(), _blas_by_threadpoolctl(), "
            "_bundled_openblas() is not None]))")
    env = dict(os.environ, OPENBLAS_CORETYPE="Haswell", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    direct, by_threadpoolctl, bundled = json.loads(out)
    assert direct == by_threadpoolctl == ["Haswell", 1] and bundled, out
