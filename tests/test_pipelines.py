"""Realistic composite models round-trip through skseal with bitwise-identical outputs."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    StackingClassifier,
    VotingClassifier,
)
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

import skseal

pytestmark = pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")

METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function", "transform")
COMPRESS: list[Any] = [None, True, "lz4"]


# ------------------------------------------------------------------ data


def tabular(n: int = 150, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    city = rng.choice(["paris", "lyon", "nice", "lille"], size=n)
    df = pd.DataFrame({
        "city": city,
        "age": rng.integers(18, 80, size=n),
        "income": rng.normal(3000, 800, size=n).round(2),
        "score": rng.random(n),
    })
    y = ((df["income"] > 3000) ^ (df["city"] == "nice")).to_numpy().astype(np.int64)
    return df, y


def text_data() -> tuple[list[str], np.ndarray]:
    words = ["model", "data", "safe", "pickle", "tree", "forest", "linear", "file",
             "load", "save", "fast", "slow"]
    rng = np.random.default_rng(1)
    docs, labels = [], []
    for i in range(80):
        k = i % 2
        pool = words[:6] if k else words[6:]
        docs.append(" ".join(rng.choice(pool, size=8)) + (" safe" if k else " slow"))
        labels.append(k)
    return docs, np.array(labels)


def iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return X, y


def sparse_data() -> tuple[sp.csr_matrix, np.ndarray]:
    X, y = iris()
    Xs = sp.csr_matrix(np.where(X > np.median(X, axis=0), X, 0.0))
    return Xs, y


# ---------------------------------------------------------------- models


def _column_pipe(handle_unknown: str, final: BaseEstimator, dense: bool = False) -> Pipeline:
    pre = ColumnTransformer([
        ("cat", OneHotEncoder(handle_unknown=handle_unknown, sparse_output=not dense), ["city"]),
        ("num", StandardScaler(), ["age", "income", "score"]),
    ])
    return Pipeline([("pre", pre), ("clf", final)])


def fit_column_logreg() -> tuple[Any, Any]:
    X, y = tabular()
    return _column_pipe("error", LogisticRegression(max_iter=500)).fit(X, y), X


def fit_column_ignore() -> tuple[Any, Any]:
    X, y = tabular()
    model = _column_pipe("ignore", LogisticRegression(max_iter=500)).fit(X, y)
    X_new = X.copy()
    X_new.loc[:10, "city"] = "marseille"  # unseen at fit time
    return model, X_new


def fit_column_hgb() -> tuple[Any, Any]:
    X, y = tabular()
    model = _column_pipe("ignore", HistGradientBoostingClassifier(max_iter=15, random_state=0),
                         dense=True).fit(X, y)
    return model, X


def fit_sparse_logreg() -> tuple[Any, Any]:
    X, y = sparse_data()
    return LogisticRegression(max_iter=500).fit(X, y), X


def fit_tfidf_svc() -> tuple[Any, Any]:
    docs, y = text_data()
    return make_pipeline(TfidfVectorizer(), LinearSVC(random_state=0)).fit(docs, y), docs


def fit_grid_search() -> tuple[Any, Any]:
    X, y = iris()
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=500))])
    grid = GridSearchCV(pipe, {"clf__C": [0.1, 1.0, 10.0], "scale__with_mean": [True, False]},
                        cv=3, refit=True)
    return grid.fit(X, y), X


def fit_stacking() -> tuple[Any, Any]:
    X, y = iris()
    model = StackingClassifier(
        [("tree", DecisionTreeClassifier(max_depth=3, random_state=0)),
         ("lr", make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)))],
        final_estimator=LogisticRegression(max_iter=500), cv=3,
    )
    return model.fit(X, y), X


def fit_voting() -> tuple[Any, Any]:
    X, y = iris()
    model = VotingClassifier(
        [("tree", DecisionTreeClassifier(max_depth=3, random_state=0)),
         ("rf", RandomForestClassifier(n_estimators=5, random_state=0)),
         ("lr", LogisticRegression(max_iter=500))],
        voting="soft",
    )
    return model.fit(X, y), X


def fit_forest() -> tuple[Any, Any]:
    X, y = iris()
    return RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y), X


def fit_scaled_forest() -> tuple[Any, Any]:
    X, y = iris()
    model = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=10,
                                                                   random_state=0))
    return model.fit(X, y), X


CASES: dict[str, Callable[[], tuple[Any, Any]]] = {
    "column-logreg": fit_column_logreg,
    "column-ignore-unknown": fit_column_ignore,
    "column-hgb": fit_column_hgb,
    "sparse-logreg": fit_sparse_logreg,
    "tfidf-linearsvc": fit_tfidf_svc,
    "gridsearch-pipeline": fit_grid_search,
    "stacking": fit_stacking,
    "voting": fit_voting,
    "random-forest": fit_forest,
    "scaler-forest": fit_scaled_forest,
}


@functools.cache
def fitted(name: str) -> tuple[Any, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CASES[name]()


# ------------------------------------------------------------ comparison


def assert_bitwise(a: Any, b: Any, what: str) -> None:
    if sp.issparse(a):
        assert sp.issparse(b) and type(a) is type(b), what
        assert a.shape == b.shape and a.dtype == b.dtype, what
        a, b = a.tocsr(), b.tocsr()
        for part in ("data", "indices", "indptr"):
            assert_bitwise(getattr(a, part), getattr(b, part), f"{what}.{part}")
        return
    assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), what
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} != {b.dtype}"
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    if a.dtype.kind in "fc":
        assert np.array_equal(a, b, equal_nan=True), what
        assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes(), what
    else:
        assert np.array_equal(a, b), what


def outputs(model: Any, X: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in METHODS:
        if hasattr(model, m):
            out[m] = getattr(model, m)(X)
    if isinstance(model, Pipeline):
        out["pipeline[:-1].transform"] = model[:-1].transform(X)
    return out


# ----------------------------------------------------------------- tests


@pytest.mark.parametrize("compress", COMPRESS, ids=["raw", "zstd", "lz4"])
@pytest.mark.parametrize("name", list(CASES))
def test_roundtrip_bitwise(name: str, compress: Any) -> None:
    model, X = fitted(name)
    want = outputs(model, X)
    assert want, f"{name}: no output method"
    data = skseal.dumps(model, compress=compress)
    assert skseal.untrusted_types(data) == []
    loaded = skseal.loads(data)
    assert type(loaded) is type(model)
    assert repr(loaded) == repr(model)
    got = outputs(loaded, X)
    assert list(got) == list(want)
    for m in want:
        assert_bitwise(want[m], got[m], f"{name}.{m}")


@pytest.mark.parametrize("name", ["column-logreg", "random-forest", "sparse-logreg"])
def test_roundtrip_via_mmap(name: str, tmp_path: Any) -> None:
    model, X = fitted(name)
    p = tmp_path / "m.skseal"
    skseal.dump(model, p, probe=X[:5] if not hasattr(X, "iloc") else X.iloc[:5])
    loaded = skseal.load(p, mmap_mode="r", verify=True)
    for m, v in outputs(model, X).items():
        assert_bitwise(v, outputs(loaded, X)[m], f"{name}.{m}")


def test_column_transformer_metadata() -> None:
    model, X = fitted("column-logreg")
    est = skseal.inspect(skseal.dumps(model))["metadata"]["estimator"]
    assert est["class"] == "sklearn.pipeline.Pipeline"
    assert est["feature_names_in"] == ["city", "age", "income", "score"]
    assert est["classes"] == [0, 1]


def test_unknown_category_is_still_ignored() -> None:
    model, X = fitted("column-ignore-unknown")
    loaded = skseal.loads(skseal.dumps(model))
    enc = loaded.named_steps["pre"].named_transformers_["cat"]
    row = enc.transform(pd.DataFrame({"city": ["marseille"]}))
    assert row.sum() == 0
    strict = fitted("column-logreg")[0]
    with pytest.raises(ValueError):
        skseal.loads(skseal.dumps(strict)).predict(X)


def test_grid_search_results() -> None:
    model, X = fitted("gridsearch-pipeline")
    loaded = skseal.loads(skseal.dumps(model, compress=True))
    assert loaded.best_params_ == model.best_params_
    assert loaded.best_index_ == model.best_index_
    assert loaded.best_score_ == model.best_score_
    assert list(loaded.cv_results_) == list(model.cv_results_)
    masked = 0
    for k, v in model.cv_results_.items():
        w = loaded.cv_results_[k]
        assert type(w) is type(v), k
        if isinstance(v, np.ma.MaskedArray):
            masked += 1
            assert v.dtype == w.dtype, k
            assert np.array_equal(np.ma.getmaskarray(v), np.ma.getmaskarray(w)), k
            assert list(v.data) == list(w.data), k
        elif isinstance(v, np.ndarray):
            assert_bitwise(v, w, k)
        else:
            assert v == w, k
    assert masked >= 2  # param_clf__C, param_scale__with_mean
    assert_bitwise(model.best_estimator_.predict_proba(X),
                   loaded.best_estimator_.predict_proba(X), "best_estimator_")


def test_refit_after_load_matches() -> None:
    """A loaded pipeline is a working estimator: refitting it gives the same model."""
    model, X = fitted("scaler-forest")
    y = iris()[1]
    loaded = skseal.loads(skseal.dumps(model))
    loaded.fit(X, y)
    assert_bitwise(model.predict_proba(X), loaded.predict_proba(X), "refit")
