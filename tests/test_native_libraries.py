"""Native inference of the imbalanced-learn, feature_engine and
category_encoders models of the practitioners' zoo (issue 15), against the
libraries' own outputs: every method native inference offers, on the whole
input and one row at a time, bit for bit where the model claims bits on this
machine (`exactness`), within the documented bound where it claims the bound
(a linear model after a step that hands it a Fortran-ordered matrix).
Loaded as practitioners load them: ``skseal.dumps(model, trusted=[profile])``
then ``skseal.native.loads(..., trusted=[profile])``."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from practitioner_zoo import SEED, _arrays, _frame
from sklearn import ensemble, linear_model, preprocessing, tree
from zoo import outputs_equal

import skseal
import skseal.native

METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function", "transform")


def _native(model: Any, profile: str) -> Any:
    return skseal.native.loads(skseal.dumps(model, trusted=[profile]), trusted=[profile])


def _want(model: Any, m: str, X: Any) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = getattr(model, m)(X)
    if hasattr(w, "to_numpy"):  # a DataFrame from transform
        w = w.to_numpy(dtype=np.float64)
    return np.asarray(w)


def _same(want: np.ndarray, got: np.ndarray, how: str) -> bool:
    if want.dtype.kind in "UO":  # string labels come back as Python str objects
        return want.shape == got.shape and all(map(str.__eq__, want.tolist(), got.tolist()))
    if how.startswith("bitwise"):
        if want.dtype.kind == "f":
            want = want.astype(np.float64)
        return outputs_equal(want, got)
    if want.dtype.kind == "f" and want.shape == got.shape:
        # the documented bound of a product on a Fortran-ordered matrix
        return bool(np.allclose(got, want, rtol=1e-9, atol=1e-12))
    return bool(np.array_equal(want, got))


def check(model: Any, native: Any, X: Any, rows: int = 25) -> list[str]:
    """Every native method against the model's, whole and row by row; the
    methods compared."""
    done = []
    for m in native.methods:
        if m not in METHODS or not hasattr(model, m):
            continue
        how = native.exactness(m)
        want = _want(model, m, X)
        got = getattr(native, m)(X)
        assert _same(want, got, how), f"{m} ({how}) differs"
        for i in range(min(rows, len(X))):
            one = X.iloc[i:i + 1] if hasattr(X, "iloc") else X[i:i + 1]
            w1 = _want(model, m, one)
            assert _same(w1, getattr(native, m)(one), how), f"{m} ({how}) row {i} differs"
        done.append(m)
    assert done, "no method compared"
    return done


def bitwise(native: Any, methods: list[str]) -> None:
    for m in methods:
        assert native.exactness(m) == "bitwise", (m, native.exactness(m))


# ------------------------------------------------------------ imbalanced-learn


@pytest.fixture(scope="module")
def arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X, y, yr = _arrays()
    return X, y, yr


def test_imblearn_smote_logistic(arrays: Any) -> None:
    from imblearn.over_sampling import SMOTE
    from imblearn.pipeline import make_pipeline

    X, y, _ = arrays
    model = make_pipeline(SMOTE(random_state=SEED), preprocessing.StandardScaler(),
                          linear_model.LogisticRegression()).fit(X, y)
    native = _native(model, "imblearn")
    assert check(model, native, X) == ["predict", "predict_proba", "predict_log_proba",
                                       "decision_function"]
    # binary: one output column, the product that is reproduced (C-ordered X)
    yb = (y > 0).astype(int)
    model = make_pipeline(SMOTE(random_state=SEED), preprocessing.StandardScaler(),
                          linear_model.LogisticRegression()).fit(X, yb)
    native = _native(model, "imblearn")
    check(model, native, X)
    assert native.exactness("predict_proba").startswith("bitwise")


def test_imblearn_undersampling_hgb(arrays: Any) -> None:
    from imblearn.pipeline import make_pipeline
    from imblearn.under_sampling import RandomUnderSampler

    X, y, _ = arrays
    Xn = X.copy()
    Xn[::5, 2] = np.nan
    model = make_pipeline(RandomUnderSampler(random_state=SEED),
                          ensemble.HistGradientBoostingClassifier(max_iter=10,
                                                                  random_state=SEED)).fit(Xn, y)
    native = _native(model, "imblearn")
    bitwise(native, check(model, native, Xn))


def test_imblearn_samplers_anywhere(arrays: Any) -> None:
    """Samplers in any position are skipped; a Pipeline ending in a sampler
    has no predict and is refused."""
    from imblearn.combine import SMOTETomek
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.pipeline import Pipeline

    from skseal.errors import UnsupportedModelError

    X, y, _ = arrays
    model = Pipeline([
        ("scale", preprocessing.MinMaxScaler()),
        ("over", RandomOverSampler(random_state=SEED)),
        ("combine", SMOTETomek(random_state=SEED)),
        ("std", preprocessing.StandardScaler()),
        ("tree", tree.DecisionTreeClassifier(max_depth=6, random_state=SEED)),
    ]).fit(X, y)
    native = _native(model, "imblearn")
    bitwise(native, check(model, native, X))
    ending = Pipeline([("scale", preprocessing.StandardScaler()),
                       ("over", RandomOverSampler(random_state=SEED))])
    ending.fit_resample(X, y)
    with pytest.raises(UnsupportedModelError, match="ending in a sampler"):
        _native(ending, "imblearn")


@pytest.mark.parametrize("kw", [
    {"sampling_strategy": "all", "replacement": True, "bootstrap": False},
    {"sampling_strategy": "auto", "replacement": False, "bootstrap": True},
], ids=["all-replacement", "auto-bootstrap"])
def test_imblearn_balanced_random_forest(arrays: Any, kw: dict[str, Any]) -> None:
    from imblearn.ensemble import BalancedRandomForestClassifier

    X, y, _ = arrays
    Xn = X.copy()
    Xn[::6, 0] = np.nan
    labels = np.array(["low", "mid", "high"])[y]
    for XX, yy in ((X, y), (Xn, labels)):
        model = BalancedRandomForestClassifier(n_estimators=12, random_state=SEED,
                                               **kw).fit(XX, yy)
        native = _native(model, "imblearn")
        assert list(native.classes_) == list(model.classes_)
        bitwise(native, check(model, native, XX))


# ------------------------------------------------------------ feature_engine


@pytest.fixture(scope="module")
def frame() -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """The zoo's DataFrame, and a second one to predict on: NaN in the
    numbers, categories never seen in fit, columns in another order."""
    df, y, yr = _frame()
    test = df.copy()
    test.loc[::7, "income"] = np.nan
    test.loc[::11, "age"] = np.nan
    test.loc[3::13, "city"] = "rome"
    test.loc[5::17, "plan"] = "gold"
    test.loc[0, "income"] = 1e9  # beyond the winsorizer's cap
    test.loc[1, "tenure"] = -1e9
    return df, test[["plan", "tenure", "city", "income", "age"]], y, yr


NUM, CAT = ["age", "income", "tenure"], ["city", "plan"]


def _fe_transformers() -> dict[str, Any]:
    from feature_engine import encoding, imputation, outliers, selection

    return {
        "median": imputation.MeanMedianImputer(variables=NUM),
        "mean": imputation.MeanMedianImputer(imputation_method="mean"),
        "arbitrary": imputation.ArbitraryNumberImputer(arbitrary_number=-7.25, variables=NUM),
        "end tail": imputation.EndTailImputer(variables=NUM, tail="left"),
        "drop constant": selection.DropConstantFeatures(tol=0.3, missing_values="ignore"),
        "drop correlated": selection.DropCorrelatedFeatures(variables=NUM, threshold=0.01,
                                                            missing_values="ignore"),
        "winsorizer both": outliers.Winsorizer(variables=NUM, tail="both", fold=1.5,
                                               capping_method="iqr", missing_values="ignore",
                                               add_indicators=True),
        "winsorizer quantiles": outliers.Winsorizer(variables=NUM, tail="left", fold=0.1,
                                                    capping_method="quantiles",
                                                    missing_values="ignore"),
        "one-hot": encoding.OneHotEncoder(variables=CAT),
        "one-hot top, drop last": encoding.OneHotEncoder(variables=CAT, top_categories=2,
                                                         drop_last=True),
        "ordinal encode": encoding.OrdinalEncoder(variables=CAT, encoding_method="ordered",
                                                  unseen="encode"),
        "ordinal ignore": encoding.OrdinalEncoder(variables=CAT, encoding_method="arbitrary"),
        "count": encoding.CountFrequencyEncoder(variables=CAT, encoding_method="frequency",
                                                unseen="encode"),
        "mean encoder": encoding.MeanEncoder(variables=CAT, smoothing=2.0, unseen="encode"),
    }


@pytest.mark.parametrize("name", list(_fe_transformers()))
def test_feature_engine_transformer(frame: Any, name: str) -> None:
    """Each transformer alone: transform bit for bit on the training frame and
    on a frame with NaN, unseen categories and columns in another order (what
    the library accepts there); refusals where the library refuses."""
    from feature_engine.encoding import OrdinalEncoder
    from sklearn.pipeline import make_pipeline

    df, test, y, yr = frame
    enc = _fe_transformers()[name]
    if not type(enc).__module__.startswith("feature_engine.encoding"):
        # native outputs are numbers: the string columns encoded after it
        enc = make_pipeline(enc, OrdinalEncoder(unseen="encode"))
    enc.fit(df, y)
    native = _native(enc, "feature_engine")
    check(enc, native, df)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            enc.transform(test)
    except ValueError:
        with pytest.raises(ValueError):
            native.transform(test)
        return
    check(enc, native, test)


def test_feature_engine_zoo_pipelines(frame: Any) -> None:
    """The zoo's two pipelines: the steps before the model bit for bit; the
    linear model after them within the bound it claims (scikit-learn takes
    a DataFrame as a Fortran-ordered array); a forest after the same steps
    bit for bit end to end."""
    from feature_engine import encoding, imputation, outliers, selection
    from sklearn.pipeline import make_pipeline

    df, test, y, yr = frame
    known = test.assign(city=df["city"], plan=df["plan"])  # OneHotEncoder refuses NaN only
    fronts = [
        ([imputation.MeanMedianImputer(variables=NUM), encoding.OneHotEncoder(variables=CAT)],
         linear_model.LogisticRegression(max_iter=500), y),
        ([selection.DropConstantFeatures(), outliers.Winsorizer(variables=NUM),
          encoding.OrdinalEncoder(variables=CAT, encoding_method="arbitrary")],
         linear_model.Ridge(), yr),
    ]
    for steps, last, target in fronts:
        model = make_pipeline(*steps, last).fit(df, target)
        native = _native(model, "feature_engine")
        assert native.exactness(native.methods[0]).startswith("bounded")
        check(model, native, df)
        front = _native(model[:-1], "feature_engine")
        bitwise(front, check(model[:-1], front, df))
        grower = (ensemble.RandomForestClassifier if target is y
                  else ensemble.RandomForestRegressor)
        forest = make_pipeline(*steps, grower(n_estimators=5, random_state=SEED)).fit(df, target)
        nf = _native(forest, "feature_engine")
        bitwise(nf, check(forest, nf, df))
    # NaN and unseen categories through the first pipeline: imputed, then zeros
    model = make_pipeline(*fronts[0][0], ensemble.RandomForestClassifier(
        n_estimators=5, random_state=SEED)).fit(df, y)
    native = _native(model, "feature_engine")
    bitwise(native, check(model, native, test[test.columns[::-1]]))
    bitwise(native, check(model, native, known))


# ------------------------------------------------------------ category_encoders


@pytest.fixture(scope="module")
def ce_frames(frame: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A training frame with missing categories (NaN and None, so NaN gets
    its own ordinal code), and a frame to predict on: NaN in numbers and in
    categories, categories never seen in fit."""
    df, test, _, _ = frame
    train = df.copy()
    train.loc[4::9, "city"] = np.nan
    unseen = test[df.columns].copy()
    unseen.loc[2::6, "city"] = np.nan
    unseen.loc[1::8, "plan"] = None
    return train, unseen


def _ce_encoders() -> dict[str, Any]:
    import category_encoders as ce

    return {
        "ordinal": ce.OrdinalEncoder(cols=CAT),
        "ordinal return_nan": ce.OrdinalEncoder(cols=CAT, handle_unknown="return_nan",
                                                handle_missing="return_nan"),
        "ordinal numbers": ce.OrdinalEncoder(cols=CAT, handle_unknown=-7, handle_missing=-9),
        "target": ce.TargetEncoder(cols=CAT),
        "target smoothing": ce.TargetEncoder(cols=CAT, smoothing=2.5, min_samples_leaf=3),
        "target return_nan": ce.TargetEncoder(cols=CAT, handle_unknown="return_nan",
                                              handle_missing="return_nan"),
        "target all strings": ce.TargetEncoder(),
        "binary": ce.BinaryEncoder(cols=CAT),
        "binary return_nan": ce.BinaryEncoder(cols=CAT, handle_unknown="return_nan",
                                              handle_missing="return_nan"),
        "binary indicator": ce.BinaryEncoder(cols=CAT, handle_unknown="indicator"),
        "base 1 drop_invariant": ce.BaseNEncoder(cols=CAT, base=1, drop_invariant=True),
        "base 3": ce.BaseNEncoder(cols=CAT, base=3),
    }


@pytest.mark.parametrize("name", list(_ce_encoders()))
@pytest.mark.parametrize("missing_in_fit", [False, True])
def test_category_encoders_encoder(frame: Any, ce_frames: Any, name: str,
                                   missing_in_fit: bool) -> None:
    """Each encoder alone: transform bit for bit on the training frame and
    on one with NaN, None and unseen categories, one row at a time too;
    fitted with and without missing categories (a missing category then has
    its own code and value)."""
    df, _, y, yr = frame
    train = ce_frames[0] if missing_in_fit else df
    enc = _ce_encoders()[name]
    enc.fit(train, yr if "smoothing" in name else y)
    native = _native(enc, "category_encoders")
    assert native.methods == ["transform"]
    bitwise(native, check(enc, native, train))
    bitwise(native, check(enc, native, ce_frames[1], rows=40))


@pytest.mark.parametrize("name", ["TargetEncoder", "BinaryEncoder", "OrdinalEncoder"])
def test_category_encoders_errors(frame: Any, ce_frames: Any, name: str) -> None:
    """handle_unknown / handle_missing "error": refused where the library
    raises, served where it does not."""
    import category_encoders as ce

    df, _, y, _ = frame
    enc = getattr(ce, name)(cols=CAT, handle_unknown="error", handle_missing="error").fit(df, y)
    native = _native(enc, "category_encoders")
    bitwise(native, check(enc, native, df))
    for bad in (ce_frames[1], df.assign(city="rome"), df.assign(plan=np.nan)):
        with pytest.raises(ValueError):
            enc.transform(bad)
        with pytest.raises(ValueError):
            native.transform(bad)


def test_category_encoders_zoo_pipelines(frame: Any, ce_frames: Any) -> None:
    """The zoo's two pipelines: the encoder bit for bit; the linear model
    after it within the bound it claims (scikit-learn takes the encoder's
    DataFrame as a Fortran-ordered array); a forest after the same encoder
    bit for bit end to end, on unseen and missing categories too."""
    import category_encoders as ce
    from sklearn.pipeline import make_pipeline

    df, _, y, yr = frame
    unseen = ce_frames[1]
    for enc, last, target in [
        (ce.TargetEncoder(cols=CAT), linear_model.LogisticRegression(max_iter=500), y),
        (ce.BinaryEncoder(cols=CAT), linear_model.Ridge(), yr),
    ]:
        model = make_pipeline(enc, last).fit(df, target)
        native = _native(model, "category_encoders")
        assert native.exactness(native.methods[0]).startswith("bounded")
        check(model, native, df)
        check(model, native, unseen.fillna({"age": 40.0, "income": 5e4}))
        front = _native(model[:-1], "category_encoders")
        bitwise(front, check(model[:-1], front, unseen))
        grower = (ensemble.RandomForestClassifier if target is y
                  else ensemble.RandomForestRegressor)
        forest = make_pipeline(enc, grower(n_estimators=5, random_state=SEED)).fit(df, target)
        nf = _native(forest, "category_encoders")
        bitwise(nf, check(forest, nf, df))
        bitwise(nf, check(forest, nf, unseen))


def test_category_encoders_pickled(frame: Any, ce_frames: Any) -> None:
    """A pickle of the encoders (pandas' own block layout of the DataFrames,
    lowered by the reader) computes the same bits."""
    import pickle

    import category_encoders as ce

    df, _, y, _ = frame
    for enc in (ce.TargetEncoder(cols=CAT), ce.BinaryEncoder(cols=CAT),
                ce.BaseNEncoder(cols=CAT, base=3)):
        enc.fit(ce_frames[0], y)
        native = skseal.native.loads(pickle.dumps(enc), trusted=["category_encoders"])
        bitwise(native, check(enc, native, ce_frames[1]))


def test_category_encoders_refused(frame: Any) -> None:
    """What native inference does not implement is refused at load with
    why; the model still loads with skseal.load."""
    import category_encoders as ce
    from sklearn.pipeline import make_pipeline

    from skseal.errors import UnsupportedModelError

    df, _, y, _ = frame
    cases = [
        (ce.OneHotEncoder(cols=CAT), "category_encoders' OneHotEncoder.*skseal.load"),
        (ce.TargetEncoder(cols=CAT, min_group_size=40), "min_group_size"),
        (ce.TargetEncoder(cols=["city", "plan"], composite_cols=[("city", "plan")]),
         "composite_cols"),
    ]
    for enc, why in cases:
        model = make_pipeline(enc, linear_model.LogisticRegression(max_iter=500)).fit(df, y)
        data = skseal.dumps(model, trusted=["category_encoders"])
        with pytest.raises(UnsupportedModelError, match=why):
            skseal.native.loads(data, trusted=["category_encoders"])
        back = skseal.loads(data, trusted=["category_encoders"])
        assert outputs_equal(back.predict_proba(df), model.predict_proba(df))
    # fitted on a matrix: integer column names
    X = df[NUM].to_numpy()
    enc = ce.OrdinalEncoder(cols=[0]).fit(X)
    with pytest.raises(UnsupportedModelError, match="fitted on a matrix"):
        _native(enc, "category_encoders")
