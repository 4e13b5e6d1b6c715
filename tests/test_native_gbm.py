"""Native inference of LightGBM and XGBoost models (issue 16), against the
libraries themselves. LightGBM:
bit for bit on random data with missing values and zeros, on every split
threshold and one ulp either side, on infinities; binary, multiclass,
one-vs-all, regression, poisson, ranking, random-forest mode, linear trees,
categorical splits on integer codes, zero-as-missing, stumps, string labels,
a bare ``lightgbm.train`` booster, best_iteration, and LightGBM inside a
scikit-learn Pipeline. LightGBM computes in double with the C library's exp,
which native inference uses too, so nothing here depends on the CPU's SIMD
level. XGBoost: float32 inputs, splits, sums and transforms (expf) as its CPU
predictor computes them, binary, multiclass, regression, poisson, gamma,
tweedie, logitraw, dart, random forests, ranking, early stopping, categorical
splits on pandas category columns (enable_categorical), gblinear (scikit-learn
wrappers and bare boosters, NaN entries skipped), bare ``xgboost.train``
boosters (``Booster.predict(DMatrix(X))``: every round, multi:softmax's class
indices, feature names); values are XGBoost's float32 results exactly
(returned as float64). ``predict_raw`` against
LightGBM's ``predict(raw_score=True)`` and XGBoost's
``predict(output_margin=True)`` everywhere."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError


def library(model: Any, method: str, X: Any) -> Any:
    """What the library gives for a native method: ``predict_raw`` is
    LightGBM's ``predict(raw_score=True)``, XGBoost's
    ``predict(output_margin=True)`` (through a Pipeline's last step)."""
    if method != "predict_raw":
        return getattr(model, method)(X)
    est = model.steps[-1][1] if hasattr(model, "steps") else model
    kw = {"output_margin": True} if type(est).__module__.startswith("xgboost") else {
        "raw_score": True}
    if hasattr(model, "steps"):
        X = model[:-1].transform(X) if len(model.steps) > 1 else X
    return est.predict(X, **kw)

lgb = pytest.importorskip("lightgbm")

rng = np.random.default_rng(0)
N = 400
X = rng.normal(size=(N, 6))
X[rng.random((N, 6)) < 0.1] = np.nan
X[::9, 3] = 0.0
XC = X.copy()
XC[:, 5] = rng.integers(0, 7, N)
Y = (np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) > 0).astype(int)
Y3 = rng.integers(0, 3, N)
YR = np.nan_to_num(X[:, 0]) * 3 + rng.normal(size=N)
Q = {"n_estimators": 30, "verbose": -1, "random_state": 0, "n_jobs": 1}

CASES: dict[str, Callable[[], tuple[Any, np.ndarray]]] = {
    "binary": lambda: (lgb.LGBMClassifier(**Q).fit(X, Y), X),
    "multiclass": lambda: (lgb.LGBMClassifier(**Q).fit(X, Y3), X),
    "multiclassova": lambda: (lgb.LGBMClassifier(objective="multiclassova", **Q).fit(X, Y3), X),
    "regression": lambda: (lgb.LGBMRegressor(**Q).fit(X, YR), X),
    "regression sqrt": lambda: (lgb.LGBMRegressor(reg_sqrt=True, **Q).fit(X, np.abs(YR)), X),
    "poisson": lambda: (lgb.LGBMRegressor(objective="poisson", **Q).fit(X, np.abs(YR)), X),
    "tweedie": lambda: (lgb.LGBMRegressor(objective="tweedie", **Q).fit(X, np.abs(YR)), X),
    "cross entropy": lambda: (lgb.LGBMRegressor(objective="cross_entropy", **Q).fit(
        X, (YR > 0).astype(float)), X),
    "huber": lambda: (lgb.LGBMRegressor(objective="huber", **Q).fit(X, YR), X),
    "categorical codes": lambda: (lgb.LGBMClassifier(min_child_samples=5, **Q).fit(
        XC, Y, categorical_feature=[5]), XC),
    "linear trees": lambda: (lgb.LGBMRegressor(linear_tree=True, **Q).fit(
        np.nan_to_num(X), YR), X),
    "zero as missing": lambda: (lgb.LGBMRegressor(zero_as_missing=True, **Q).fit(X, YR), X),
    "random forest mode": lambda: (lgb.LGBMRegressor(
        boosting_type="rf", bagging_freq=1, bagging_fraction=0.7, **Q).fit(X, YR), X),
    "dart": lambda: (lgb.LGBMClassifier(boosting_type="dart", **Q).fit(X, Y), X),
    "stumps": lambda: (lgb.LGBMClassifier(num_leaves=2, **Q).fit(X, Y), X),
    "ranker": lambda: (lgb.LGBMRanker(**Q).fit(X, Y3, group=[40] * 10), X),
    "string labels": lambda: (lgb.LGBMClassifier(**Q).fit(X, np.array(["no", "yes"])[Y]), X),
    "early stopping (best_iteration)": lambda: (lgb.LGBMClassifier(
        n_estimators=200, verbose=-1, random_state=0, n_jobs=1).fit(
        X[:300], Y[:300], eval_set=[(X[300:], Y[300:])],
        callbacks=[lgb.early_stopping(5, verbose=False)]), X),
    "lightgbm.train booster": lambda: (lgb.train(
        {"objective": "multiclass", "num_class": 3, "verbose": -1, "num_threads": 1},
        lgb.Dataset(X, Y3), num_boost_round=20), X),
}


def probe_rows(model: Any, XX: np.ndarray) -> np.ndarray:
    """The data, every split threshold and its two neighbours (in every
    column), zeros below LightGBM's 1e-35 cut, -0.0 and infinities."""
    booster = model if isinstance(model, lgb.Booster) else model.booster_
    ths: list[float] = []
    for line in booster.model_to_string().splitlines():
        if line.startswith("threshold="):
            ths += [float(v) for v in line.split("=", 1)[1].split()]
    rows = [XX]
    for t in ths[:300]:
        for d in (np.nextafter(t, -np.inf), t, np.nextafter(t, np.inf)):
            rows.append(np.full((1, XX.shape[1]), d))
    for v in (1e-36, -1e-36, -0.0, np.inf, -np.inf, 1e300):
        rows.append(np.full((1, XX.shape[1]), v))
    return np.vstack(rows)


def bitwise(want: Any, got: Any) -> bool:
    want, got = np.asarray(want), np.asarray(got)
    if want.dtype.kind == "f":
        return want.shape == got.shape and np.array_equal(
            want.astype(np.float64).view(np.uint64), got.astype(np.float64).view(np.uint64))
    return np.array_equal(want, got)


@pytest.mark.parametrize("name", list(CASES))
def test_native_lightgbm_is_bitwise(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, XX = CASES[name]()
    T = probe_rows(model, XX)
    nm = skseal.native.loads(skseal.dumps(model, trusted=["lightgbm"]), trusted=["lightgbm"])
    assert "predict_raw" in nm.methods, name
    for m in nm.methods:
        assert nm.exactness(m) == "bitwise"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = library(model, m, T)
        assert bitwise(want, getattr(nm, m)(T)), f"{name}: {m}"
        # one to three rows a call: the one-row walk (all trees at once)
        got = [getattr(nm, m)(T[r:r + 1 + r % 3]) for r in range(0, len(T), 4)]
        rows = np.concatenate([np.arange(r, min(r + 1 + r % 3, len(T)))
                               for r in range(0, len(T), 4)])
        assert bitwise(np.asarray(want)[rows], np.concatenate(got)), f"{name}: {m}, few rows"
    # a joblib file of it too (the legacy path), and one row at a time
    for r in range(0, len(T), 97):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = getattr(model, nm.methods[0])(T[r:r + 1])
        assert bitwise(want, getattr(nm, nm.methods[0])(T[r:r + 1])), f"{name}: row {r}"


def test_lightgbm_in_a_pipeline_on_a_dataframe() -> None:
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    df = pd.DataFrame({"a": X[:, 0], "b": np.nan_to_num(X[:, 1]),
                       "city": rng.choice(["paris", "lyon", "nice"], N)})
    pipe = make_pipeline(
        ColumnTransformer([("num", StandardScaler(), ["a", "b"]),
                           ("cat", OneHotEncoder(handle_unknown="ignore"), ["city"])]),
        lgb.LGBMClassifier(**Q)).fit(df, Y)
    nm = skseal.native.loads(skseal.dumps(pipe, trusted=["lightgbm"]), trusted=["lightgbm"])
    for m in ("predict", "predict_proba", "predict_raw"):
        assert bitwise(library(pipe, m, df), getattr(nm, m)(df)), m


def test_lightgbm_on_pandas_category_columns() -> None:
    """Category columns are coded as LightGBM's Python package codes them:
    the position of the value in the model's category list, NaN for a
    missing or unseen value, whatever the input's own category order."""
    import pandas as pd

    df = pd.DataFrame({"a": X[:, 0], "c": pd.Categorical(rng.choice(["x", "y", "z"], N)),
                       "b": X[:, 1], "d": pd.Categorical(rng.choice(["p", "q"], N))})
    yy = ((df["a"] > 0) ^ (df["c"] == "y")).astype(int)
    m = lgb.LGBMClassifier(min_child_samples=5, **Q).fit(df, yy)
    nm = skseal.native.loads(skseal.dumps(m, trusted=["lightgbm"]), trusted=["lightgbm"])
    other = pd.DataFrame({
        "a": [0.1, -0.2, 0.3, np.nan, 1.0, -1.0],
        "c": pd.Categorical(["z", "w", None, "x", "y", "y"], categories=["z", "y", "x", "w"]),
        "b": [0.0, 1.0, -1.0, 2.0, np.nan, 0.5],
        "d": pd.Categorical(["q", "p", "q", None, "p", "r"])})
    for data in (df, other):
        for meth in ("predict", "predict_proba", "predict_raw"):
            assert bitwise(library(m, meth, data), getattr(nm, meth)(data)), meth


@pytest.mark.parametrize("values", [[10, 20, 30, 45], [0.5, -1.5, 2.25]])
def test_lightgbm_on_numeric_pandas_category_columns(values: list[float]) -> None:
    """Category columns of numbers are coded by value as LightGBM's Python
    package codes them (pandas' ``set_categories``): the value's position in
    the training categories, NaN for a missing or unseen value."""
    import pandas as pd

    c = rng.choice(values, N)
    df = pd.DataFrame({"a": X[:, 0], "c": pd.Categorical(c)})
    yy = ((df["a"] > 0) ^ (c == values[1])).astype(int)
    m = lgb.LGBMClassifier(min_child_samples=5, **Q).fit(df, yy)
    nm = skseal.native.loads(skseal.dumps(m, trusted=["lightgbm"]), trusted=["lightgbm"])
    seen = list(reversed(values))
    other = pd.DataFrame({
        "a": [0.1, -0.2, 0.3, np.nan, 1.0, -1.0],
        "c": pd.Categorical(seen[:2] + [None, 99.0] + seen[2:3] + [values[0]],
                            categories=seen + [99.0])})
    for data in (df, other):
        for meth in ("predict", "predict_proba", "predict_raw"):
            assert bitwise(library(m, meth, data), getattr(nm, meth)(data)), meth
    with pytest.raises(ValueError, match="fitted on number categories"):
        nm.predict(df.assign(c=df["c"].astype(str)))


def test_what_native_lightgbm_refuses_names_the_reason() -> None:
    import pandas as pd

    # a category column mixing numbers and strings (pandas keeps [1, 2, "x"])
    mixed = pd.DataFrame({"a": X[:, 0], "c": pd.Categorical(
        list(rng.choice(np.array(["x", 1, 2], dtype=object), N)))})
    m = lgb.LGBMClassifier(**Q).fit(mixed, Y)
    with pytest.raises(UnsupportedModelError, match="neither all strings nor all numbers"):
        skseal.native.loads(skseal.dumps(m, trusted=["lightgbm"]), trusted=["lightgbm"])
    c = lgb.LGBMRegressor(objective=l2_objective, **Q).fit(X, YR)
    trusted = ["lightgbm", f"{__name__}.l2_objective"]
    with pytest.raises(UnsupportedModelError, match="custom objective"):
        skseal.native.loads(skseal.dumps(c, trusted=trusted), trusted=trusted)


def l2_objective(y_true: Any, y_pred: Any) -> Any:
    """A user's objective function (module level, so pickle can name it)."""
    return y_pred - y_true, np.ones_like(y_pred)


def test_skseal_predict_serves_lightgbm_with_its_profile(tmp_path: Any, cli: Any) -> None:
    """The CLI, no Python: `skseal predict --trust lightgbm` gives LightGBM's
    probabilities to the last bit; without the profile it names it."""
    import subprocess
    model, _ = CASES["multiclass"]()
    skseal.dump(model, tmp_path / "m.skseal", trusted=["lightgbm"])
    rows = np.nan_to_num(X[:20])
    np.savetxt(tmp_path / "x.csv", rows, delimiter=",", comments="",
               header=",".join(f"f{i}" for i in range(6)))
    r = subprocess.run([str(cli), "predict", str(tmp_path / "m.skseal"), "--input",
                        str(tmp_path / "x.csv"), "--method", "predict_proba", "--trust",
                        "lightgbm"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    got = np.array([[float(v) for v in line.split(",")]
                    for line in r.stdout.strip().splitlines()[1:]])
    assert bitwise(model.predict_proba(rows), got)
    # the raw scores, as predict(raw_score=True)
    r = subprocess.run([str(cli), "predict", str(tmp_path / "m.skseal"), "--input",
                        str(tmp_path / "x.csv"), "--method", "predict_raw", "--trust",
                        "lightgbm"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    got = np.array([[float(v) for v in line.split(",")]
                    for line in r.stdout.strip().splitlines()[1:]])
    assert bitwise(model.predict(rows, raw_score=True), got)
    r = subprocess.run([str(cli), "predict", str(tmp_path / "m.skseal"), "--input",
                        str(tmp_path / "x.csv")], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "--trust lightgbm" in r.stderr, r.stderr


xgb = pytest.importorskip("xgboost")
XQ = {"n_estimators": 30, "max_depth": 4, "n_jobs": 1, "random_state": 0}


def _early() -> Any:
    m = xgb.XGBClassifier(n_estimators=200, early_stopping_rounds=5, max_depth=3, n_jobs=1)
    return m.fit(X[:300], Y[:300], eval_set=[(X[300:], Y[300:])], verbose=False)


XGB_CASES: dict[str, Callable[[], Any]] = {
    "binary": lambda: xgb.XGBClassifier(**XQ).fit(X, Y),
    "multiclass": lambda: xgb.XGBClassifier(**XQ).fit(X, Y3),
    "regression": lambda: xgb.XGBRegressor(**XQ).fit(X, YR),
    "poisson": lambda: xgb.XGBRegressor(objective="count:poisson", **XQ).fit(X, np.abs(YR)),
    "gamma": lambda: xgb.XGBRegressor(objective="reg:gamma", **XQ).fit(X, np.abs(YR) + 0.1),
    "tweedie": lambda: xgb.XGBRegressor(objective="reg:tweedie", **XQ).fit(X, np.abs(YR)),
    "logitraw": lambda: xgb.XGBRegressor(objective="binary:logitraw", **XQ).fit(X, Y),
    "dart": lambda: xgb.XGBClassifier(booster="dart", rate_drop=0.1, **XQ).fit(X, Y),
    "random forest regressor": lambda: xgb.XGBRFRegressor(
        n_estimators=10, max_depth=4, n_jobs=1, random_state=0).fit(X, YR),
    "random forest classifier": lambda: xgb.XGBRFClassifier(
        n_estimators=10, max_depth=4, n_jobs=1, random_state=0).fit(X, Y),
    "ranker": lambda: xgb.XGBRanker(**XQ).fit(X, Y3, qid=np.repeat(np.arange(10), 40)),
    "early stopping (best_iteration)": _early,
    # trees of depth up to 8 are walked as complete binary trees in a batch,
    # deeper ones linked: a model with both, leaves at every level
    "deep and uneven trees": lambda: xgb.XGBRegressor(
        n_estimators=12, max_depth=0, max_leaves=40, grow_policy="lossguide", n_jobs=1,
        random_state=0).fit(X, YR),
    "depth 8 multiclass": lambda: xgb.XGBClassifier(
        n_estimators=8, max_depth=8, min_child_weight=0, n_jobs=1, random_state=0).fit(X, Y3),
    "gblinear regression": lambda: xgb.XGBRegressor(
        booster="gblinear", n_estimators=20, n_jobs=1).fit(X, YR),
    "gblinear binary": lambda: xgb.XGBClassifier(
        booster="gblinear", n_estimators=20, n_jobs=1).fit(X, Y),
    "gblinear multiclass": lambda: xgb.XGBClassifier(
        booster="gblinear", n_estimators=20, n_jobs=1).fit(X, Y3),
}


def xgb_rows(model: Any) -> np.ndarray:
    """The data, every split condition as float32 and one float32 ulp either
    side, tiny, negative-zero and huge values."""
    import re

    booster = model if isinstance(model, xgb.Booster) else model.get_booster()
    dump = "\n".join(booster.get_dump(dump_format="json"))
    rows = [X]
    for t in [float(v) for v in re.findall(r'"split_condition":\s*([-0-9.eE+]+)', dump)][:300]:
        t32 = np.float32(t)
        for d in (np.nextafter(t32, np.float32(-np.inf)), t32,
                  np.nextafter(t32, np.float32(np.inf))):
            rows.append(np.full((1, X.shape[1]), np.float64(d)))
    for v in (1e-40, -0.0, 1e30, 3.4e38):
        rows.append(np.full((1, X.shape[1]), v))
    return np.vstack(rows)


@pytest.mark.parametrize("name", list(XGB_CASES))
def test_native_xgboost_gives_xgboosts_float32_results(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = XGB_CASES[name]()
    T = xgb_rows(model)
    nm = skseal.native.loads(skseal.dumps(model, trusted=["xgboost"]), trusted=["xgboost"])
    for m in nm.methods:
        assert nm.exactness(m) == "bitwise"
        want = np.asarray(library(model, m, T))
        got = np.asarray(getattr(nm, m)(T))
        if want.dtype.kind == "f":
            assert want.dtype == np.float32
            assert bitwise(want.astype(np.float64), got), f"{name}: {m}"
        else:
            assert bitwise(want, got), f"{name}: {m}"
        for r in range(0, len(T), 97):
            want = np.asarray(library(model, m, T[r:r + 1]))
            want = want.astype(np.float64) if want.dtype.kind == "f" else want
            assert bitwise(want, getattr(nm, m)(T[r:r + 1])), f"{name}: {m}, row {r}"


def _train(params: dict[str, Any], y: np.ndarray, rounds: int = 30, **kw: Any) -> Any:
    trees = {} if params.get("booster") == "gblinear" else {"max_depth": 4}
    return xgb.train({**trees, "nthread": 1, "seed": 0, **params},
                     xgb.DMatrix(X, y), rounds, **kw)


def _train_early() -> Any:
    b = xgb.train({"objective": "binary:logistic", "max_depth": 3, "nthread": 1},
                  xgb.DMatrix(X[:300], Y[:300]), 200,
                  evals=[(xgb.DMatrix(X[300:], Y[300:]), "valid")],
                  early_stopping_rounds=5, verbose_eval=False)
    assert b.best_iteration + 1 < b.num_boosted_rounds()
    return b


BOOSTER_CASES: dict[str, Callable[[], Any]] = {
    "binary:logistic": lambda: _train({"objective": "binary:logistic"}, Y),
    "multi:softprob": lambda: _train({"objective": "multi:softprob", "num_class": 3}, Y3),
    "multi:softmax": lambda: _train({"objective": "multi:softmax", "num_class": 3}, Y3),
    "reg:squarederror": lambda: _train({"objective": "reg:squarederror"}, YR),
    "dart": lambda: _train({"booster": "dart", "rate_drop": 0.1, "objective": "reg:squarederror"},
                           YR),
    "early stopping": _train_early,
    "gblinear reg:squarederror": lambda: _train(
        {"booster": "gblinear", "objective": "reg:squarederror"}, YR),
    "gblinear binary:logistic": lambda: _train(
        {"booster": "gblinear", "objective": "binary:logistic"}, Y),
    "gblinear multi:softprob": lambda: _train(
        {"booster": "gblinear", "objective": "multi:softprob", "num_class": 3}, Y3),
    "gblinear multi:softmax": lambda: _train(
        {"booster": "gblinear", "objective": "multi:softmax", "num_class": 3}, Y3),
    "gblinear count:poisson": lambda: _train(
        {"booster": "gblinear", "objective": "count:poisson"}, np.abs(YR)),
}


def booster_library(b: Any, method: str, X: Any) -> np.ndarray:
    """What a bare Booster gives for a native method: ``predict`` is
    ``b.predict(DMatrix(X))``, ``predict_raw`` with ``output_margin=True``."""
    out = b.predict(xgb.DMatrix(X), output_margin=method == "predict_raw")
    assert out.dtype == np.float32
    return out.astype(np.float64)  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", list(BOOSTER_CASES))
def test_native_xgboost_booster_gives_booster_predict(name: str) -> None:
    """A bare ``xgboost.Booster`` saved with ``trusted=["xgboost"]``: its
    predict is ``Booster.predict(DMatrix(X))`` bit for bit (every round even
    after early stopping, as XGBoost 3.2 does; multi:softmax's class
    indices as float32; gblinear with NaN entries skipped), one row at a
    time too."""
    b = BOOSTER_CASES[name]()
    T = xgb_rows(b)
    nm = skseal.native.loads(skseal.dumps(b, trusted=["xgboost"]), trusted=["xgboost"])
    assert nm.methods == ["predict", "predict_raw"]
    assert nm.classes_ is None
    for m in nm.methods:
        assert nm.exactness(m) == "bitwise"
        assert bitwise(booster_library(b, m, T), getattr(nm, m)(T)), f"{name}: {m}"
        for r in range(0, len(T), 97):
            assert bitwise(booster_library(b, m, T[r:r + 1]), getattr(nm, m)(T[r:r + 1])), \
                f"{name}: {m}, row {r}"
    if name == "early stopping":
        # every round, not best_iteration + 1
        best = b.predict(xgb.DMatrix(X), iteration_range=(0, b.best_iteration + 1))
        assert not bitwise(best.astype(np.float64), nm.predict(X))


@pytest.mark.parametrize("booster", ["gbtree", "gblinear"])
def test_native_xgboost_booster_trained_on_a_dataframe(booster: str) -> None:
    """A booster trained on a DataFrame carries its feature names: native
    inference takes tables with those columns and refuses a matrix without
    names, as ``Booster.predict`` refuses a DMatrix without them."""
    import pandas as pd

    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    b = xgb.train({"booster": booster, "objective": "binary:logistic", "nthread": 1},
                  xgb.DMatrix(df, Y), 20)
    assert b.feature_names == list(df.columns)
    nm = skseal.native.loads(skseal.dumps(b, trusted=["xgboost"]), trusted=["xgboost"])
    assert list(nm.feature_names_in_) == list(df.columns)
    for m in nm.methods:
        assert bitwise(booster_library(b, m, df), getattr(nm, m)(df)), m
        assert bitwise(booster_library(b, m, df.iloc[7:8]), getattr(nm, m)(df.iloc[7:8])), m
    with pytest.raises(ValueError, match="did not contain feature names"):
        b.predict(xgb.DMatrix(X))
    with pytest.raises(ValueError, match="did not contain feature names"):
        nm.predict(X)


def test_xgboost_in_a_pipeline_and_what_it_refuses() -> None:
    import pandas as pd
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(StandardScaler(), xgb.XGBClassifier(**XQ)).fit(np.nan_to_num(X), Y3)
    nm = skseal.native.loads(skseal.dumps(pipe, trusted=["xgboost"]), trusted=["xgboost"])
    for m in ("predict", "predict_proba", "predict_raw"):
        want = np.asarray(library(pipe, m, np.nan_to_num(X)))
        assert bitwise(want.astype(np.float64) if want.dtype == np.float32 else want,
                       getattr(nm, m)(np.nan_to_num(X))), m
    refused = {
        'objective "multi:softmax"': xgb.XGBClassifier(
            objective="multi:softmax", n_estimators=5).fit(X, Y3),
        "missing value other than NaN": xgb.XGBRegressor(n_estimators=5, missing=0.0).fit(
            X, YR),
    }
    # integer categories float64 cannot hold exactly (native inference
    # receives a DataFrame's numbers as float64)
    big = pd.DataFrame({"a": X[:, 0],
                        "c": pd.Categorical(rng.choice([2**60, 2**60 + 1, 3], N))})
    refused["integers below 2\\^53"] = xgb.XGBClassifier(
        n_estimators=5, enable_categorical=True, tree_method="hist").fit(big, Y)
    for what, m in refused.items():
        with pytest.raises(UnsupportedModelError, match=what):
            skseal.native.loads(skseal.dumps(m, trusted=["xgboost"]), trusted=["xgboost"])


CATS = [f"c{i}" for i in range(40)]


def _cat_frame(n: int) -> Any:
    import pandas as pd

    return pd.DataFrame({
        "a": X[:n, 0],
        "c": pd.Categorical(rng.choice(CATS, n), categories=CATS),
        "b": X[:n, 1],
        "d": pd.Categorical(rng.choice(["x", "y", "z"], n)),
    })


XCQ = {**XQ, "enable_categorical": True, "tree_method": "hist"}
XGB_CAT_CASES: dict[str, Callable[[Any], Any]] = {
    # partitions (max_cat_to_onehot=1) and one-hot splits (the default)
    "binary, partitions": lambda df: xgb.XGBClassifier(max_cat_to_onehot=1, **XCQ).fit(
        df, ((df["c"].cat.codes % 3 == 0) ^ (df["a"] > 0)).astype(int)),
    "binary, one-hot": lambda df: xgb.XGBClassifier(**XCQ).fit(
        df, ((df["d"] == "y") ^ (df["a"] > 0)).astype(int)),
    "multiclass, partitions": lambda df: xgb.XGBClassifier(max_cat_to_onehot=1, **XCQ).fit(
        df, df["c"].cat.codes % 3),
    "regression, partitions": lambda df: xgb.XGBRegressor(max_cat_to_onehot=1, **XCQ).fit(
        df, df["c"].cat.codes * 0.1 + np.nan_to_num(df["b"])),
    "dart, partitions": lambda df: xgb.XGBRegressor(
        booster="dart", rate_drop=0.1, max_cat_to_onehot=1, **XCQ).fit(
        df, df["c"].cat.codes * 0.1),
}


@pytest.mark.parametrize("name", list(XGB_CAT_CASES))
def test_native_xgboost_categorical_splits(name: str) -> None:
    """enable_categorical=True on pandas category columns (hist): the
    splits' category sets as XGBoost's ``common::Decision`` tests them
    (missing to the default child; a negative, >= 2^24 or unlisted value
    left; a listed one right; values truncated to integers), a DataFrame's
    category column re-coded by value into the training positions whatever
    its own category order, an unseen category refused as XGBoost refuses
    it, a numeric matrix taken as codes: at every code, out-of-range,
    negative, fractional codes and NaN."""
    import pandas as pd
    from sklearn.pipeline import make_pipeline

    df = _cat_frame(N)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = XGB_CAT_CASES[name](df)
    assert any(1 in t.get("split_type", []) for t in _trees(model)), name
    nm = skseal.native.loads(skseal.dumps(model, trusted=["xgboost"]), trusted=["xgboost"])
    other = pd.DataFrame({
        "a": [0.1, -0.2, np.nan, 1.0, -1.0, 0.0],
        "c": pd.Categorical(["c3", "c39", None, "c0", "c17", "c5"],
                            categories=["c39", "c5", "c3", "c17", "c0"]),
        "b": [0.0, 1.0, -1.0, 2.0, np.nan, 0.5],
        "d": pd.Categorical(["z", None, "x", "y", "x", "z"], categories=["z", "x", "y"])})
    codes = np.array([-2, -1, -0.5, -0.0, 0.5, 2.5, 39.9, 40, 63, 64, 1e7, 2.0**24 - 1,
                      2.0**24, 1e30, np.nan] + list(range(45)), dtype=float)
    n = len(codes)
    grid = np.column_stack([np.linspace(-2, 2, n), codes, np.zeros(n), codes[::-1] % 4])
    for data in (df, other, grid):
        for m in nm.methods:
            want = np.asarray(library(model, m, data))
            got = np.asarray(getattr(nm, m)(data))
            if want.dtype.kind == "f":
                assert bitwise(want.astype(np.float64), got), f"{name}: {m}"
            else:
                assert bitwise(want, got), f"{name}: {m}"
    unseen = other.assign(c=pd.Categorical(["c3", "new", None, "c0", "c17", "c5"]))
    with pytest.raises(Exception, match="not in the training set"):
        model.predict(unseen)
    with pytest.raises(ValueError, match=r'column "c" holds "new", a category'):
        nm.predict(unseen)
    with pytest.raises(ValueError, match=r'column "c" was a category column'):
        nm.predict(df.assign(c=df["c"].cat.codes.astype(float)))
    pipe = make_pipeline(model)
    np_ = skseal.native.loads(skseal.dumps(pipe, trusted=["xgboost"]), trusted=["xgboost"])
    for data in (df, other):
        want = np.asarray(pipe.predict(data))
        got = np.asarray(np_.predict(data))
        assert bitwise(want.astype(np.float64) if want.dtype.kind == "f" else want, got)


def _trees(model: Any) -> list[dict[str, Any]]:
    import json

    raw = json.loads(model.get_booster().save_raw("json"))
    gb = raw["learner"]["gradient_booster"]
    return gb.get("gbtree", gb)["model"]["trees"]  # type: ignore[no-any-return]


def test_native_xgboost_numeric_category_columns() -> None:
    """A model fitted on a category column of integers (XGBoost refuses
    float categories): the column re-coded by value, whatever its own
    category order, a missing value missing, an unseen one refused."""
    import pandas as pd

    values = [3, 7, 10, 25, -4]
    c = rng.choice(values, N)
    df = pd.DataFrame({"a": X[:, 0], "c": pd.Categorical(c)})
    model = xgb.XGBClassifier(max_cat_to_onehot=1, **XCQ).fit(
        df, ((c == 7) | (c == -4) ^ (df["a"] > 0)).astype(int))
    assert any(1 in t.get("split_type", []) for t in _trees(model))
    nm = skseal.native.loads(skseal.dumps(model, trusted=["xgboost"]), trusted=["xgboost"])
    other = pd.DataFrame({"a": [0.1, -0.2, np.nan, 1.0, -1.0, 0.0],
                          "c": pd.Categorical([25, 7, None, 3, -4, 10],
                                              categories=[25, 10, 7, 3, -4])})
    for data in (df, other):
        for m in nm.methods:
            want = np.asarray(library(model, m, data))
            got = np.asarray(getattr(nm, m)(data))
            assert bitwise(want.astype(np.float64) if want.dtype.kind == "f" else want, got), m
    unseen = other.assign(c=pd.Categorical([25, 99, None, 3, -4, 10]))
    with pytest.raises(Exception, match="not in the training set"):
        model.predict(unseen)
    with pytest.raises(ValueError, match=r'column "c" holds 99, a category'):
        nm.predict(unseen)
    # XGBoost 3.2 refuses only unseen numbers above the largest category and
    # codes one in between silently (not as any training category); native
    # inference refuses every unseen category rather than guess
    between = other.assign(c=pd.Categorical([25, 8, None, 3, -4, 10]))
    with pytest.raises(ValueError, match=r'column "c" holds 8, a category'):
        nm.predict(between)
