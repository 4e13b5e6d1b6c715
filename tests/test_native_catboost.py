"""Native inference of CatBoost models (issue 16), against catboost 1.2.10
itself: ``predict``, ``predict_proba``, ``predict_log_proba`` and
``predict_raw`` (``predict(prediction_type="RawFormulaVal")``) bit for
bit (values, dtype and shape) on random data with NaN under every
``nan_mode``, on every float border and one float32 and one float64 ulp
either side, with more borders than one quantized bucket holds, on
oblivious, depthwise and lossguide trees; binary, multiclass (softmax and
one-vs-all), RMSE, MAE, quantile, Poisson, Tweedie and MultiRMSE; rankers;
bare ``catboost.train`` models; int, float and string class labels; a
changed scale and bias; inside a scikit-learn Pipeline; one-hot categorical
features (CityHash64 of categories 0 to 100 bytes long, unseen categories);
CTR categorical features (Borders, Counter, Buckets and
BinarizedTargetMeanValue CTRs over categorical features and their
combinations with each other, with float splits and with one-hot values,
from the model's CTR tables; unseen categories; integer categories). Text
and embedding features and a probability
threshold are refused by name, as is multiclass ``predict`` (CatBoost
returns an ``(n, 1)`` column there). Multiclass probabilities and the
Poisson and Tweedie outputs use CatBoost's fast exp (fmath's ``expd_v``),
which this machine runs on its AVX2 path; the other numpy/OpenBLAS CPU path
is replayed in a subprocess."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from avx2_path import replay_on_avx2

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError

catboost = pytest.importorskip("catboost")

rng = np.random.default_rng(0)
N = 400
X = rng.normal(size=(N, 5))
X[rng.random((N, 5)) < 0.1] = np.nan
XF = np.nan_to_num(X)
Y = (np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) > 0).astype(int)
Y3 = rng.integers(0, 3, N)
Y5 = rng.integers(0, 5, N)
YR = np.nan_to_num(X[:, 0]) * 3 + rng.normal(size=N)
P = {"iterations": 25, "depth": 4, "verbose": 0, "thread_count": 1, "random_seed": 0,
     "allow_writing_files": False}


def clf(**kw: Any) -> Any:
    return catboost.CatBoostClassifier(**{**P, **kw})


def reg(**kw: Any) -> Any:
    return catboost.CatBoostRegressor(**{**P, **kw})


CASES: dict[str, Callable[[], tuple[Any, np.ndarray]]] = {
    "binary, nan_mode Min": lambda: (clf().fit(X, Y), X),
    "binary, nan_mode Max": lambda: (clf(nan_mode="Max").fit(X, Y), X),
    "binary, nan_mode Forbidden": lambda: (clf(nan_mode="Forbidden").fit(XF, Y), XF),
    "binary, depth 1": lambda: (clf(depth=1).fit(X, Y), X),
    "binary, depth 8": lambda: (clf(depth=8, iterations=10).fit(X, Y), X),
    "binary, 1000 borders": lambda: (clf(border_count=1000).fit(X, Y), X),
    "binary, CrossEntropy": lambda: (clf(loss_function="CrossEntropy").fit(X, Y), X),
    "binary, string labels": lambda: (clf().fit(X, np.where(Y == 1, "yes", "no")), X),
    "binary, int labels 3 and 7": lambda: (clf().fit(X, np.where(Y == 1, 7, 3)), X),
    "binary, float labels": lambda: (clf().fit(X, Y * 2.5), X),
    "binary, depthwise": lambda: (clf(grow_policy="Depthwise").fit(X, Y), X),
    "binary, lossguide": lambda: (clf(grow_policy="Lossguide", max_leaves=12).fit(X, Y), X),
    "multiclass 3": lambda: (clf().fit(X, Y3), X),
    "multiclass 5": lambda: (clf().fit(X, Y5), X),
    "multiclass, string labels": lambda: (clf().fit(X, np.array(["a", "b", "c"])[Y3]), X),
    "multiclass, depthwise": lambda: (clf(grow_policy="Depthwise").fit(X, Y3), X),
    "multiclass one-vs-all": lambda: (clf(loss_function="MultiClassOneVsAll").fit(X, Y3), X),
    "regression RMSE": lambda: (reg().fit(X, YR), X),
    "regression MAE": lambda: (reg(loss_function="MAE").fit(X, YR), X),
    "regression quantile": lambda: (reg(loss_function="Quantile:alpha=0.8").fit(X, YR), X),
    "regression nan_mode Max": lambda: (reg(nan_mode="Max").fit(X, YR), X),
    "regression 1000 borders": lambda: (reg(border_count=1000).fit(X, YR), X),
    "regression lossguide": lambda: (reg(grow_policy="Lossguide").fit(X, YR), X),
    "poisson": lambda: (reg(loss_function="Poisson").fit(X, np.abs(np.round(YR))), X),
    "tweedie": lambda: (reg(loss_function="Tweedie:variance_power=1.5").fit(
        X, np.abs(YR)), X),
    "MultiRMSE": lambda: (reg(loss_function="MultiRMSE").fit(
        X, np.c_[YR, np.nan_to_num(X[:, 2])]), X),
}


def _ranker(loss: str) -> tuple[Any, np.ndarray]:
    groups = np.repeat(np.arange(N // 20), 20)
    rel = np.clip(np.round(YR - YR.min()), 0, 4)
    return catboost.CatBoostRanker(**{**P, "loss_function": loss}).fit(
        X, rel, group_id=groups), X


def _trained(loss: str, y: np.ndarray) -> tuple[Any, np.ndarray]:
    """A bare ``catboost.CatBoost`` from ``catboost.train``: predict is raw."""
    params = {k: v for k, v in P.items() if k != "verbose"}
    return catboost.train(catboost.Pool(X, y), {**params, "loss_function": loss},
                          verbose=False), X


CASES["catboost.train Logloss"] = lambda: _trained("Logloss", Y)
CASES["catboost.train MultiClass"] = lambda: _trained("MultiClass", Y3)
CASES["ranker YetiRank"] = lambda: _ranker("YetiRank")
CASES["ranker QueryRMSE"] = lambda: _ranker("QueryRMSE")


def native_of(model: Any) -> Any:
    return skseal.native.loads(skseal.dumps(model, trusted=["catboost"]), trusted=["catboost"])


def same(want: Any, got: Any) -> bool:
    """Bitwise: values (NaN where NaN), dtype and shape."""
    want = np.asarray(want)
    return (want.dtype == got.dtype and want.shape == got.shape
            and bool(np.array_equal(want, got, equal_nan=want.dtype.kind == "f")))


def border_grid(model: Any, X: np.ndarray) -> np.ndarray:
    """Rows whose feature j sits exactly on each of the model's borders for
    j, one float32 ulp and one float64 ulp either side (other features from
    X), plus NaN, the infinities and both zeros."""
    rows: list[np.ndarray] = []
    with np.errstate(over="ignore"):
        _border_rows(model, X, rows)
    return np.array(rows)


def _border_rows(model: Any, X: np.ndarray, rows: list[np.ndarray]) -> None:
    for j, borders in model.get_borders().items():
        for b in borders:
            b32 = np.float32(b)
            b64 = float(b32)
            for v in (np.nextafter(b32, np.float32(-np.inf)), b32,
                      np.nextafter(b32, np.float32(np.inf)),
                      # float64 neighbours, which round to the border in float32
                      np.nextafter(b64, -np.inf), np.nextafter(b64, np.inf)):
                r = X[len(rows) % len(X)].copy()
                r[j] = float(v)
                rows.append(r)
        for v in (np.nan, np.inf, -np.inf, 0.0, -0.0):
            r = X[len(rows) % len(X)].copy()
            r[j] = v
            rows.append(r)


def library(model: Any, method: str, X: Any) -> Any:
    """What CatBoost gives for a native method: ``predict_raw`` is
    ``predict(X, prediction_type="RawFormulaVal")`` (a Pipeline passes it to
    its last step); a ranker's ``predict`` (which takes no prediction type)
    is already raw."""
    if method == "predict_raw" and isinstance(model, catboost.CatBoostRanker):
        return model.predict(X)
    if method == "predict_raw":
        return model.predict(X, prediction_type="RawFormulaVal")
    return getattr(model, method)(X)


def check(model: Any, Xt: np.ndarray) -> list[str]:
    """Compare every method the native model offers; return their names."""
    native = native_of(model)
    methods = [m for m in ("predict", "predict_proba", "predict_log_proba", "predict_raw")
               if m in native.methods]
    assert methods and "predict_raw" in methods
    for m in methods:
        for data in (Xt, border_grid(model, Xt)):
            want = library(model, m, data)
            got = getattr(native, m)(data)
            assert same(want, got), (m, np.asarray(want).dtype, got.dtype,
                                     np.asarray(want).shape, got.shape)
            # calls of one to three rows (computed row by row natively)
            starts = range(0, len(data), 5)
            rows = np.concatenate([np.arange(r, min(r + 1 + r % 3, len(data)))
                                   for r in starts])
            few = [getattr(native, m)(data[r:r + 1 + r % 3]) for r in starts]
            assert same(np.asarray(want)[rows], np.concatenate(few)), (m, "few rows")
        assert native.exactness(m).startswith("bitwise")
    return methods


@pytest.mark.parametrize("name", list(CASES))
def test_bitwise(name: str) -> None:
    model, Xt = CASES[name]()
    methods = check(model, Xt)
    if not isinstance(model, catboost.CatBoostClassifier):
        assert methods == ["predict", "predict_raw"]
    elif len(model.classes_) == 2:
        assert methods == ["predict", "predict_proba", "predict_log_proba", "predict_raw"]
    else:
        assert methods == ["predict_proba", "predict_log_proba", "predict_raw"]


def test_each_row_alone_and_in_batches() -> None:
    """Results do not depend on how rows are grouped (CatBoost's blocks of
    128 documents, its fast exp's vector and scalar parts)."""
    model = reg(loss_function="Poisson").fit(X, np.abs(np.round(YR)))
    native = native_of(model)
    for n in (1, 2, 3, 5, 130):
        assert same(model.predict(X[:n]), native.predict(X[:n])), n
    m3 = clf().fit(X, Y3)
    n3 = native_of(m3)
    for i in range(0, 40, 7):
        assert same(m3.predict_proba(X[i:i + 1]), n3.predict_proba(X[i:i + 1]))


def test_scale_and_bias() -> None:
    for model, y in ((reg(), YR), (clf(), Y)):
        model.fit(X, y)
        model.set_scale_and_bias(0.37, 1.25)
        check(model, X)
        model.set_scale_and_bias(1.0, -0.5)
        check(model, X)
        model.set_scale_and_bias(2.0, 0.0)
        check(model, X)
    m3 = clf().fit(X, Y3)
    m3.set_scale_and_bias(0.5, [0.1, -0.2, 0.3])
    check(m3, X)


def test_in_a_pipeline() -> None:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    for est, y in ((clf(), Y), (clf(), Y3), (reg(), YR)):
        pipe = make_pipeline(StandardScaler(), est).fit(X, y)
        native = native_of(pipe)
        for m in ("predict", "predict_proba", "predict_log_proba", "predict_raw"):
            if m not in native.methods:
                continue
            assert same(library(pipe, m, X), getattr(native, m)(X)), m


def test_multiclass_predict_is_not_offered() -> None:
    native = native_of(clf().fit(X, Y3))
    assert "predict" not in native.methods
    with pytest.raises(Exception, match="predict"):
        native.predict(X)


def _cat_data() -> tuple[Any, Any]:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(XF[:, :3], columns=["a", "b", "c"])
    df["color"] = np.array(["red", "green", "blue", "cyan"])[rng.integers(0, 4, N)]
    df["city"] = [f"c{i}" for i in rng.integers(0, 40, N)]
    return df, Y


def _ctr_data(n: int, seed: int) -> Any:
    """Numbers and three categorical columns of 30, 6 and 3 categories."""
    pd = pytest.importorskip("pandas")
    r = np.random.default_rng(seed)
    return pd.DataFrame({
        "a": r.normal(size=n),
        "k": np.array([f"k{i}" for i in range(30)])[r.integers(0, 30, n)],
        "b": r.normal(size=n),
        "j": np.array(list("wxyzuv"))[r.integers(0, 6, n)],
        "z": np.array(["p", "q", "r"])[r.integers(0, 3, n)],
    })


def _ctr_target(df: Any) -> np.ndarray:
    r = np.random.default_rng(11)
    h = {f"k{i}": r.normal() for i in range(30)}
    g = {c: r.normal() for c in "wxyzuv"}
    ks, js = df["k"], df["j"]
    return np.array([h[a] * g[b] for a, b in zip(ks, js, strict=True)]) + 0.3 * df["a"].to_numpy()


def ctr_cases() -> dict[str, Callable[[], tuple[Any, Any]]]:
    def fit(est: Any, y: np.ndarray, cols: tuple[str, ...] = ("k", "j", "z")) -> tuple[Any, Any]:
        df = _ctr_data(600, 5)
        keep = [c for c in df.columns if c in cols or c in ("a", "b")]
        return est.fit(df[keep], y), df[keep]

    def s() -> np.ndarray:
        return _ctr_target(_ctr_data(600, 5))

    c3 = {"cat_features": ["k", "j", "z"]}
    return {
        "binary, one CTR feature": lambda: fit(clf(cat_features=["k"]), (s() > 0).astype(int),
                                               ("k",)),
        "binary, three CTR features": lambda: fit(clf(**c3), (s() > 0).astype(int)),
        "binary, combinations": lambda: fit(clf(**c3, max_ctr_complexity=4),
                                            (s() > 0).astype(int)),
        "binary, CTR and one-hot": lambda: fit(
            clf(**c3, max_ctr_complexity=4, one_hot_max_size=6), (s() > 0).astype(int)),
        "regression, CTR features": lambda: fit(reg(**c3), s()),
        "regression, combinations": lambda: fit(reg(**c3, max_ctr_complexity=4), s()),
        "regression, Counter combinations": lambda: fit(
            reg(**c3, max_ctr_complexity=3, combinations_ctr=["Counter", "Borders"]), s()),
        "multiclass, CTR features": lambda: fit(clf(**c3), np.digitize(s(), [-0.5, 0.5])),
        "multiclass, combinations": lambda: fit(clf(**c3, max_ctr_complexity=4),
                                                np.digitize(s(), [-0.5, 0.5])),
        "multiclass, Buckets and BinarizedTargetMeanValue": lambda: fit(
            clf(**c3, max_ctr_complexity=3, simple_ctr=["Buckets", "BinarizedTargetMeanValue"]),
            np.digitize(s(), [-0.5, 0.5])),
        "binary, depthwise with CTRs": lambda: fit(
            clf(**c3, grow_policy="Depthwise", max_ctr_complexity=2), (s() > 0).astype(int)),
    }


def _ctr_test_frames(cols: list[str]) -> list[Any]:
    """Fresh rows, with unseen categories in every categorical column."""
    test = _ctr_data(400, 9)[cols].copy()
    for c, step in (("k", 7), ("j", 5), ("z", 3)):
        if c in test:
            test.loc[::step, c] = f"never seen {c}"
    return [test]


@pytest.mark.parametrize("name", list(ctr_cases()))
def test_ctr_features_bitwise(name: str) -> None:
    """CTR categorical features (Borders, Counter, Buckets,
    BinarizedTargetMeanValue; over one categorical feature and combinations
    with others, float splits and one-hot values) computed from the model's
    CTR tables: every native method equals CatBoost's on the training rows,
    on fresh rows with unseen categories, and one row at a time."""
    model, df = ctr_cases()[name]()
    native = native_of(model)
    assert "predict_raw" in native.methods
    for data in [df, *_ctr_test_frames(list(df.columns))]:
        for m in native.methods:
            assert same(library(model, m, data), getattr(native, m)(data)), (m, len(data))
            assert native.exactness(m).startswith("bitwise")
    for i in range(0, 40, 3):
        row = df.iloc[i:i + 1]
        for m in native.methods:
            assert same(library(model, m, row), getattr(native, m)(row)), (m, i)


def test_ctr_kinds_are_covered() -> None:
    """The cases above hold what they claim: combinations with float splits
    and with one-hot values, and the four CTR types CatBoost trains on CPU."""
    import json
    import tempfile

    kinds: set[str] = set()
    elements: set[tuple[str, ...]] = set()
    for make in ctr_cases().values():
        model, _ = make()
        with tempfile.NamedTemporaryFile(suffix=".json") as f:
            model.save_model(f.name, format="json")
            ctrs = json.load(open(f.name))["features_info"]["ctrs"]
        kinds |= {c["ctr_type"] for c in ctrs}
        elements |= {tuple(sorted({e["combination_element"] for e in c["elements"]}))
                     for c in ctrs if len(c["elements"]) > 1}
    assert kinds == {"Borders", "Counter", "Buckets", "BinarizedTargetMeanValue"}, kinds
    assert ("cat_feature_value", "float_feature") in elements, elements
    assert any("cat_feature_exact_value" in e for e in elements), elements


def test_ctr_integer_categories() -> None:
    """Integer categories are hashed as CatBoost hashes them, as their
    decimal strings; NaN and fractional numbers are refused."""
    pd = pytest.importorskip("pandas")
    df = _ctr_data(600, 5)
    y = (_ctr_target(df) > 0).astype(int)
    df["k"] = df["k"].str[1:].astype(int) * 1000 - 7000
    model = clf(cat_features=["k", "j"], max_ctr_complexity=2).fit(df[["a", "k", "j"]], y)
    native = native_of(model)
    test = df[["a", "k", "j"]].copy()
    test.loc[::4, "k"] = -123456789012
    for m in native.methods:
        assert same(library(model, m, test), getattr(native, m)(test)), m
    as_str = test.astype({"k": str})
    assert same(model.predict_proba(as_str), native.predict_proba(as_str))
    for bad in (np.nan, 2.5):
        t = test.astype({"k": float})
        t.loc[3, "k"] = bad
        with pytest.raises(Exception, match="strings or integers"):
            native.predict_proba(t)
    # CatBoost refuses missing categories too
    missing = as_str.copy()
    missing.loc[2, "k"] = None
    with pytest.raises(Exception, match="missing category"):
        native.predict_proba(missing)
    assert pd is not None


def test_ctr_models_load_with_catboost_too() -> None:
    """skseal.load still gives CatBoost's own answers for CTR models."""
    model, df = ctr_cases()["binary, combinations"]()
    got = skseal.loads(skseal.dumps(model, trusted=["catboost"]), trusted=["catboost"])
    assert np.array_equal(got.predict_proba(df), model.predict_proba(df))


def _one_hot_data(n: int = N) -> Any:
    """Numbers and two categorical columns whose categories are 1 to 100
    bytes long (every CityHash64 length path)."""
    pd = pytest.importorskip("pandas")
    r = np.random.default_rng(7)
    cats = np.array(["x" * k + str(k) for k in (0, 3, 7, 11, 20, 40, 70, 99)])
    df = pd.DataFrame({"a": XF[:n, 0], "kind": cats[r.integers(0, len(cats), n)],
                       "b": XF[:n, 1], "tone": np.array(["é", "ß", "z", "Q"])[r.integers(0, 4, n)]})
    return df


def test_one_hot_features_bitwise() -> None:
    df = _one_hot_data()
    y = (df["a"] > 0).astype(int) ^ (df["kind"].str.len() > 20).astype(int)
    yr = df["a"] * 2 + df["kind"].str.len() / 10 + (df["tone"] == "ß")
    unseen = df.copy()
    unseen.loc[::5, "kind"] = "never seen"
    unseen.loc[::7, "tone"] = ""
    models = [
        clf(cat_features=["kind", "tone"], one_hot_max_size=10).fit(df, y),
        reg(cat_features=["kind", "tone"], one_hot_max_size=10).fit(df, yr),
        clf(cat_features=["kind", "tone"], one_hot_max_size=10).fit(df, np.asarray(Y3)),
    ]
    for model in models:
        native = native_of(model)
        for data in (df, unseen):
            for m in native.methods:
                assert same(library(model, m, data), getattr(native, m)(data)), m


def test_one_hot_input_errors() -> None:
    df = _one_hot_data()
    model = reg(cat_features=["kind"], one_hot_max_size=10).fit(df.drop(columns="tone"),
                                                                    df["a"])
    native = native_of(model)
    with pytest.raises(Exception, match="categorical"):
        native.predict(np.zeros((3, 3)))
    bad = df.drop(columns="tone").copy()
    bad["kind"] = 1.5
    with pytest.raises(Exception, match="as strings or integers"):
        native.predict(bad)
    # integers are categories, as CatBoost takes them (their decimal strings)
    bad["kind"] = 7
    assert same(model.predict(bad), native.predict(bad))


def test_text_and_embedding_features_are_refused_by_name() -> None:
    """Their blobs pass the reader (skseal.load gives CatBoost's answers);
    native inference names what it does not compute."""
    pd = pytest.importorskip("pandas")
    words = np.array(["good movie", "bad film", "great plot", "awful acting", "fine"])
    text = pd.DataFrame({"a": XF[:200, 0], "t": words[rng.integers(0, 5, 200)]})
    emb = pd.DataFrame({"a": XF[:200, 0]})
    emb["e"] = [r for r in XF[:200, 1:5]]
    y = Y[:200]
    for df, kw in ((text, {"text_features": ["t"]}), (emb, {"embedding_features": ["e"]})):
        model = clf(iterations=10, **kw).fit(df, y)
        data = skseal.dumps(model, trusted=["catboost"])
        got = skseal.loads(data, trusted=["catboost"])
        assert np.array_equal(got.predict_proba(df), model.predict_proba(df))
        with pytest.raises(UnsupportedModelError, match="text or embedding features"):
            skseal.native.loads(data, trusted=["catboost"])


def test_probability_threshold_is_refused() -> None:
    model = clf().fit(X, Y)
    model.set_probability_threshold(0.3)
    with pytest.raises(UnsupportedModelError, match="probability threshold"):
        native_of(model)


def test_wrong_width_is_an_input_error() -> None:
    native = native_of(clf().fit(X, Y))
    with pytest.raises(Exception, match="feature"):
        native.predict(X[:, :3])


def test_without_avx512() -> None:
    """The same tests with numpy's AVX2 dispatch and OpenBLAS's Haswell
    kernels (what a machine without AVX-512 runs)."""
    replay_on_avx2(__file__)
