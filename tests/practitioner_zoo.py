"""Models practitioners save (issue 14): DataFrame pipelines, search objects,
bundles with standard-library values and pandas values, ensembles, text
pipelines, and what skseal refuses by default (a user's own class).

Each case builds ``(saved, X, model_of)``: ``saved`` is what a user would pass
to ``joblib.dump`` (an estimator or a bundle dict), ``X`` the rows to predict
on and ``model_of(saved)`` the estimator inside. Only scikit-learn, scipy,
pandas and the standard library: the third-party libraries, loaded with one
library profile each, are in ``library_zoo.py``.
"""

from __future__ import annotations

import collections
import datetime as dt
import decimal
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.stats as st
from sklearn import (
    calibration,
    cluster,
    compose,
    decomposition,
    ensemble,
    feature_extraction,
    feature_selection,
    gaussian_process,
    impute,
    isotonic,
    kernel_approximation,
    linear_model,
    model_selection,
    multiclass,
    multioutput,
    naive_bayes,
    neighbors,
    neural_network,
    pipeline,
    preprocessing,
    svm,
    tree,
)

SEED = 0
N = 160


@dataclass
class Case:
    saved: Any
    X: Any
    model_of: Callable[[Any], Any]
    #: True when skseal is expected to load it with default trust (plus
    #: ``profile`` when one is named)
    default_trust: bool = True
    #: the one library profile the case is loaded with (library_zoo.py)
    profile: str | None = None


def _frame() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    df = pd.DataFrame({
        "age": rng.integers(18, 80, N).astype(float),
        "income": rng.lognormal(10, 0.5, N),
        "tenure": rng.integers(0, 20, N).astype(float),
        "city": rng.choice(["paris", "lyon", "nice", "lille"], N),
        "plan": rng.choice(["basic", "pro", "team"], N),
    })
    y = ((df["age"] / 80 + (df["city"] == "paris") + rng.normal(0, 0.3, N)) > 1.0).astype(int)
    yr = df["income"] / 1000 + df["tenure"] + rng.normal(0, 1, N)
    return df, y.to_numpy(), yr.to_numpy()


def _arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED + 1)
    X = rng.normal(size=(N, 6))
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int) + (X[:, 2] > 1).astype(int)
    yr = X @ np.arange(1.0, 7.0) + rng.normal(0, 0.1, N)
    return X, y, yr


_WORDS = ["good", "bad", "great", "poor", "fine"] * 40
_SPEED = ["fast", "slow", "ok", "late"] * 50
TEXTS = [f"{w} {v} item {i % 7}" for i, (w, v) in enumerate(zip(_WORDS, _SPEED, strict=True))]
TEXT_Y = np.array([1 if t.startswith(("good", "great", "fine")) else 0 for t in TEXTS])


def _ident(m: Any) -> Any:
    return m


def _key(m: dict[str, Any]) -> Any:
    return m["model"]


class Standardizer:
    """A user's own transformer (module-level, so pickle can name it)."""

    def fit(self, X: Any, y: Any = None) -> Standardizer:
        self.mean_ = np.asarray(X).mean(axis=0)
        return self

    def transform(self, X: Any) -> Any:
        return np.asarray(X) - self.mean_


def cases() -> dict[str, Callable[[], Case]]:
    df, y, yr = _frame()
    X, ya, yra = _arrays()
    num, cat = ["age", "income", "tenure"], ["city", "plan"]

    def ct(enc: Any) -> compose.ColumnTransformer:
        return compose.ColumnTransformer([("num", preprocessing.StandardScaler(), num),
                                          ("cat", enc, cat)])

    def est(m: Any, XX: Any = X, yy: Any = ya) -> Callable[[], Case]:
        return lambda: Case(m.fit(XX, yy), XX, _ident)

    def bundle(extra: dict[str, Any], default_trust: bool = True) -> Callable[[], Case]:
        def make() -> Case:
            m = ensemble.RandomForestClassifier(10, random_state=SEED).fit(X, ya)
            return Case({"model": m, **extra}, X, _key, default_trust)
        return make

    Xn = X.copy()
    Xn[::7, 1] = np.nan
    dfc = df.assign(city=df["city"].astype("category"), plan=df["plan"].astype("category"))
    rng = np.random.default_rng(SEED)
    return {
        "DataFrame: scaler + one-hot + logistic regression": est(pipeline.make_pipeline(
            ct(preprocessing.OneHotEncoder(handle_unknown="ignore")),
            linear_model.LogisticRegression()), df, y),
        "DataFrame: ordinal encoder + HistGradientBoosting": est(pipeline.make_pipeline(
            ct(preprocessing.OrdinalEncoder()),
            ensemble.HistGradientBoostingClassifier(max_iter=20, random_state=SEED)), df, y),
        "DataFrame: category dtype + HistGradientBoosting (from_dtype)": est(
            ensemble.HistGradientBoostingClassifier(max_iter=20, random_state=SEED),
            dfc, y),
        "HistGradientBoosting with a categorical mask": est(
            ensemble.HistGradientBoostingRegressor(
                max_iter=20, categorical_features=[True] + [False] * 5, random_state=SEED),
            np.column_stack([rng.integers(0, 4, N), X[:, 1:]]), yra),
        "DataFrame: target encoder + logistic regression": est(pipeline.make_pipeline(
            ct(preprocessing.TargetEncoder(random_state=SEED)),
            linear_model.LogisticRegression()), df, y),
        "DataFrame: one-hot + gradient boosting regressor": est(pipeline.make_pipeline(
            ct(preprocessing.OneHotEncoder(sparse_output=False)),
            ensemble.GradientBoostingRegressor(n_estimators=20, random_state=SEED)), df, yr),
        "imputer + scaler + random forest": est(pipeline.make_pipeline(
            impute.SimpleImputer(), preprocessing.StandardScaler(),
            ensemble.RandomForestClassifier(20, random_state=SEED)), Xn, ya),
        "KNN imputer + ridge": est(pipeline.make_pipeline(
            impute.KNNImputer(), linear_model.Ridge()), Xn, yra),
        "TF-IDF + logistic regression": est(pipeline.make_pipeline(
            feature_extraction.text.TfidfVectorizer(),
            linear_model.LogisticRegression()), TEXTS, TEXT_Y),
        "counts + multinomial naive Bayes": est(pipeline.make_pipeline(
            feature_extraction.text.CountVectorizer(ngram_range=(1, 2)),
            naive_bayes.MultinomialNB()), TEXTS, TEXT_Y),
        "hashing vectorizer + SGD": est(pipeline.make_pipeline(
            feature_extraction.text.HashingVectorizer(n_features=256),
            linear_model.SGDClassifier(random_state=SEED)), TEXTS, TEXT_Y),
        "GridSearchCV(SVC)": est(model_selection.GridSearchCV(
            svm.SVC(), {"C": [0.1, 1.0], "gamma": ["scale", 0.1]}, cv=3)),
        "RandomizedSearchCV(random forest, scipy.stats)": est(model_selection.RandomizedSearchCV(
            ensemble.RandomForestClassifier(random_state=SEED),
            {"n_estimators": st.randint(5, 15), "max_features": st.uniform(0.3, 0.6)},
            n_iter=3, cv=3, random_state=SEED)),
        "RandomizedSearchCV(pipeline, loguniform)": est(model_selection.RandomizedSearchCV(
            pipeline.make_pipeline(preprocessing.StandardScaler(),
                                   linear_model.LogisticRegression()),
            {"logisticregression__C": st.loguniform(1e-2, 1e2)},
            n_iter=3, cv=3, random_state=SEED)),
        "calibrated linear SVC": est(calibration.CalibratedClassifierCV(svm.LinearSVC(), cv=3)),
        "stacking classifier": est(ensemble.StackingClassifier(
            [("rf", ensemble.RandomForestClassifier(10, random_state=SEED)),
             ("lr", linear_model.LogisticRegression())], cv=3)),
        "soft voting classifier": est(ensemble.VotingClassifier(
            [("dt", tree.DecisionTreeClassifier(random_state=SEED)),
             ("nb", naive_bayes.GaussianNB())], voting="soft")),
        "bagging classifier": est(ensemble.BaggingClassifier(
            tree.DecisionTreeClassifier(), n_estimators=5, random_state=SEED)),
        "extra trees regressor": est(ensemble.ExtraTreesRegressor(10, random_state=SEED), X, yra),
        "AdaBoost classifier": est(ensemble.AdaBoostClassifier(n_estimators=10,
                                                               random_state=SEED)),
        "isolation forest": est(ensemble.IsolationForest(n_estimators=20, random_state=SEED)),
        "log-target ridge (TransformedTargetRegressor)": est(compose.TransformedTargetRegressor(
            linear_model.Ridge(), func=np.log1p, inverse_func=np.expm1), X, np.abs(yra)),
        "log1p FunctionTransformer + linear regression": est(pipeline.make_pipeline(
            preprocessing.FunctionTransformer(np.log1p), linear_model.LinearRegression()),
            np.abs(X), yra),
        "polynomial features + ridge": est(pipeline.make_pipeline(
            preprocessing.PolynomialFeatures(2), linear_model.Ridge()), X, yra),
        "spline features + ridge": est(pipeline.make_pipeline(
            preprocessing.SplineTransformer(), linear_model.Ridge()), X, yra),
        "quantile transformer + ridge": est(pipeline.make_pipeline(
            preprocessing.QuantileTransformer(n_quantiles=50), linear_model.Ridge()), X, yra),
        "power transformer + linear regression": est(pipeline.make_pipeline(
            preprocessing.PowerTransformer(), linear_model.LinearRegression()), X, yra),
        "k-bins + logistic regression": est(pipeline.make_pipeline(
            preprocessing.KBinsDiscretizer(n_bins=4, quantile_method="averaged_inverted_cdf"),
            linear_model.LogisticRegression())),
        "PCA + logistic regression": est(pipeline.make_pipeline(
            decomposition.PCA(3), linear_model.LogisticRegression())),
        "Nystroem + SGD": est(pipeline.make_pipeline(
            kernel_approximation.Nystroem(n_components=20, random_state=SEED),
            linear_model.SGDClassifier(random_state=SEED))),
        "feature union + logistic regression": est(pipeline.make_pipeline(
            pipeline.make_union(decomposition.PCA(2), preprocessing.StandardScaler()),
            linear_model.LogisticRegression())),
        "SelectKBest + SVC": est(pipeline.make_pipeline(
            feature_selection.SelectKBest(k=3), svm.SVC(probability=True, random_state=SEED))),
        "RFE(logistic regression)": est(feature_selection.RFE(
            linear_model.LogisticRegression(), n_features_to_select=3)),
        "k-means": est(cluster.KMeans(3, n_init=2, random_state=SEED), X, None),
        "k-nearest neighbours classifier": est(neighbors.KNeighborsClassifier(5)),
        "k-nearest neighbours regressor (ball tree)": est(
            neighbors.KNeighborsRegressor(3, algorithm="ball_tree"), X, yra),
        "MLP classifier": est(neural_network.MLPClassifier((16,), max_iter=300,
                                                           random_state=SEED)),
        "one-vs-rest logistic regression": est(multiclass.OneVsRestClassifier(
            linear_model.LogisticRegression())),
        "multi-output ridge": est(multioutput.MultiOutputRegressor(linear_model.Ridge()),
                                  X, np.column_stack([yra, -yra])),
        "Gaussian process regressor": est(gaussian_process.GaussianProcessRegressor(
            gaussian_process.kernels.RBF() + gaussian_process.kernels.WhiteKernel(),
            random_state=SEED), X[:60], yra[:60]),
        "isotonic regression": est(isotonic.IsotonicRegression(), X[:, 0], yra),
        "elastic net CV": est(linear_model.ElasticNetCV(cv=3), X, yra),
        "label encoder": lambda: Case(preprocessing.LabelEncoder().fit(["b", "a", "c"]),
                                      np.array(["a", "c"]), _ident),
        "bundle: model, trained_at, features, metrics": bundle({
            "trained_at": dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC),
            "features": [f"f{i}" for i in range(6)], "metrics": {"auc": 0.93}}),
        "bundle: label Counter and notes defaultdict": bundle({
            "label_counts": collections.Counter(ya.tolist()),
            "notes": collections.defaultdict(list, {"data": ["v3"]})}),
        "bundle: run id, threshold, retrain interval": bundle({
            "run_id": uuid.UUID(int=12345), "threshold": decimal.Decimal("0.35"),
            "retrain_every": dt.timedelta(days=7), "cutoff": dt.date(2026, 1, 1)}),
        "bundle: numpy random generator": bundle({"rng": np.random.default_rng(SEED),
                                                  "legacy_rng": np.random.RandomState(1)}),
        "bundle: reference DataFrame": bundle({"reference": df.head(5)}),
        "bundle: feature importances as a Series": bundle(
            {"importances": pd.Series([0.5, 0.5], index=["a", "b"])}),
        "user's own transformer (needs trusted=)": lambda: Case(pipeline.make_pipeline(
            Standardizer(), linear_model.LogisticRegression()).fit(X, ya), X, _ident, False),
    }
