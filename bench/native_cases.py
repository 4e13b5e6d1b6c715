"""The models and data sets of bench_native.py: data makers and the Case definitions.

``main_cases`` fits the models timed against every engine, ``adversarial_cases`` those
compared for exactness only (large integer-valued features). A Case carries a fitted
model, its test batch and how ONNX Runtime wants that batch; bench_native.py fills in the
engines, timings and exactness.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

T = TypeVar("T")
Data = np.ndarray | pd.DataFrame

NUMERIC = ["age", "income", "tenure"]
STRINGS = ["city", "plan"]
CITIES = ["Lyon", "Oslo", "Porto", "Turin", "Ghent", "Graz", "Brno", "Cork"]
PLANS = ["basic", "plus", "pro", "team"]
# Each adversarial feature takes every integer of a window at one magnitude; above 2**24
# float32 holds only every 2nd (then 4th, 8th) integer, so casts round across thresholds.
ADV_BASES = (2**24 + 1, 2**25 + 3, 2**26 - 2000)
ADV_WIDTH = 4000


# ---------------------------------------------------------------- cases


@dataclass(frozen=True)
class Sizes:
    """How much data the cases get (bench_native's Config extends this)."""

    train_rows: int
    batch_rows: int
    rf_trees: int
    adv_rows: int


@dataclass
class Runner:
    prepare: Callable[[Data], Any]  # untimed: test data -> the input the engine wants
    proba: Callable[[Any], np.ndarray]  # timed
    setup_s: float  # conversion or load, once
    native: Any = None  # the skseal.native model, for the API checks


@dataclass
class Exact:
    dtype: str
    max_abs: float
    flips: int  # predicted labels (argmax) that differ from scikit-learn's
    tie_flips: int  # of those, rows where scikit-learn's top two probabilities are equal
    bitwise: bool

    def flips_text(self, n: int) -> str:
        ties = f" ({self.tie_flips:,} at ties)" if self.tie_flips else ""
        return f"{self.flips:,} / {n:,}{ties}"


@dataclass
class Case:
    key: str
    title: str
    model: Any
    X_test: Data
    fit_s: float
    onnx_types: Callable[[], list[tuple[str, Any]]]
    onnx_feed: Callable[[Data], dict[str, np.ndarray]]
    detail: str = ""
    ref: np.ndarray = field(default_factory=lambda: np.empty(0))
    runners: dict[str, Runner] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # engine -> why not applicable
    exact: dict[str, Exact] = field(default_factory=dict)
    latency_ns: dict[str, list[int]] = field(default_factory=dict)
    batch_s: dict[str, list[float]] = field(default_factory=dict)
    prep_s: dict[str, list[float]] = field(default_factory=dict)
    api: list[tuple[str, str]] = field(default_factory=list)  # skseal.native API checks

    @property
    def row(self) -> Data:
        if isinstance(self.X_test, pd.DataFrame):
            return self.X_test.iloc[[0]]
        return np.ascontiguousarray(self.X_test[:1])

    @property
    def n_rows(self) -> int:
        return len(self.X_test)


def _array_types(n_features: int) -> Callable[[], list[tuple[str, Any]]]:
    def types() -> list[tuple[str, Any]]:
        from skl2onnx.common.data_types import FloatTensorType

        return [("X", FloatTensorType([None, n_features]))]

    return types


def _array_feed(X: Data) -> dict[str, np.ndarray]:
    return {"X": np.ascontiguousarray(X, dtype=np.float32)}


def _frame_types() -> list[tuple[str, Any]]:
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    return ([(c, FloatTensorType([None, 1])) for c in NUMERIC]
            + [(c, StringTensorType([None, 1])) for c in STRINGS])


def _frame_feed(df: Data) -> dict[str, np.ndarray]:
    assert isinstance(df, pd.DataFrame)
    feed = {c: df[c].to_numpy(dtype=np.float32).reshape(-1, 1) for c in NUMERIC}
    feed.update({c: df[c].to_numpy(dtype=object).reshape(-1, 1) for c in STRINGS})
    return feed


def _fit(model: T, X: Data, y: np.ndarray) -> tuple[T, float]:
    t0 = time.perf_counter()
    model.fit(X, y)  # type: ignore[attr-defined]
    return model, time.perf_counter() - t0


def _single_threaded(model: Any) -> Any:
    """Predict with one job: a threaded forest sums trees in a scheduling-dependent order."""
    if isinstance(model, RandomForestClassifier):
        model.set_params(n_jobs=1)
    elif isinstance(model, Pipeline) and isinstance(model[-1], RandomForestClassifier):
        model[-1].set_params(n_jobs=1)
    return model


def make_frame(n: int, seed: int, unseen: float = 0.0) -> tuple[pd.DataFrame, np.ndarray]:
    """A deterministic customer-like table: 3 numeric columns, 2 string columns, a label.

    ``unseen`` is the share of rows whose city or plan was never seen in training (the
    OneHotEncoder ignores them).
    """
    rng = np.random.default_rng(seed)
    age = rng.normal(42.0, 12.0, n).round(1)
    income = rng.lognormal(10.5, 0.6, n).round(2)
    tenure = rng.integers(0, 30, n).astype(np.float64)
    city = rng.choice(np.array(CITIES, dtype=object), n, p=np.linspace(2, 1, len(CITIES)) / 12)
    plan = rng.choice(np.array(PLANS, dtype=object), n)
    city_w = dict(zip(CITIES, np.linspace(-0.8, 0.8, len(CITIES)), strict=True))
    plan_w = dict(zip(PLANS, [-0.5, 0.0, 0.4, 0.9], strict=True))
    logit = (0.04 * (age - 42.0) + 0.8 * (np.log(income) - 10.5) - 0.05 * (tenure - 15.0)
             + np.array([city_w[c] for c in city]) + np.array([plan_w[p] for p in plan])
             + rng.logistic(size=n))
    y = (logit > 0).astype(np.int64)
    if unseen:
        k = int(n * unseen)
        city[rng.choice(n, k, replace=False)] = "Atlantis"
        plan[rng.choice(n, k // 2, replace=False)] = "enterprise"
    df = pd.DataFrame({"age": age, "income": income, "tenure": tenure,
                       "city": pd.Series(city, dtype="str"), "plan": pd.Series(plan, dtype="str")})
    return df, y


def main_cases(cfg: Sizes) -> list[Case]:
    n, m = cfg.train_rows, cfg.batch_rows
    X, y = make_classification(n_samples=n + m, n_features=20, n_informative=10, n_classes=2,
                               random_state=0)
    X_train, y_train, X_test = X[:n], y[:n], np.ascontiguousarray(X[n:])
    cases = []

    print(f"fitting RandomForestClassifier({cfg.rf_trees}) on {n:,} x 20 ...", flush=True)
    rf, t = _fit(RandomForestClassifier(n_estimators=cfg.rf_trees, random_state=0, n_jobs=-1),
                 X_train, y_train)
    nodes = sum(e.tree_.node_count for e in rf.estimators_)
    cases.append(Case("rf", f"RandomForestClassifier({cfg.rf_trees})", _single_threaded(rf),
                      X_test, t, _array_types(20), _array_feed,
                      f"{n:,} x 20, {nodes:,} nodes in all; fit with n_jobs=-1, "
                      "predicts with n_jobs=1"))

    print(f"fitting HistGradientBoostingClassifier on {n:,} x 20 ...", flush=True)
    hgb, t = _fit(HistGradientBoostingClassifier(max_iter=100, random_state=0), X_train, y_train)
    cases.append(Case("hgb", "HistGradientBoostingClassifier", hgb, X_test, t,
                      _array_types(20), _array_feed,
                      f"{n:,} x 20, {hgb.n_iter_} iterations (default early stopping)"))

    print(f"fitting ColumnTransformer + LogisticRegression on a {n:,}-row DataFrame ...",
          flush=True)
    df_train, yf = make_frame(n, seed=1)
    df_test, _ = make_frame(m, seed=2, unseen=0.01)
    pipe = Pipeline([
        ("prep", ColumnTransformer([
            ("num", StandardScaler(), NUMERIC),
            ("cat", OneHotEncoder(handle_unknown="ignore"), STRINGS),
        ])),
        ("clf", LogisticRegression()),
    ])
    pipe, t = _fit(pipe, df_train, yf)
    cases.append(Case("pipe", "ColumnTransformer + LogisticRegression", pipe, df_test, t,
                      _frame_types, _frame_feed,
                      f"DataFrame {n:,} rows: {', '.join(NUMERIC)} (float64, StandardScaler), "
                      f"{', '.join(STRINGS)} (pandas dtype {df_test['city'].dtype}, "
                      "OneHotEncoder); 1% of test rows hold an unseen city, 0.5% an unseen "
                      "plan"))
    return cases


def make_adversarial(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer-valued features at 2**24 .. 2**26, each covering every integer of a window.

    The label is a fixed random bit per float32 value of features 0 and 1, so fully grown
    trees split between neighbouring representable values: thresholds sit between
    consecutive integers, where float32 arithmetic and casts decide differently.
    """
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.integers(b, b + ADV_WIDTH, n) for b in ADV_BASES])
    table = np.random.default_rng(12345).integers(0, 2, 2 * ADV_WIDTH + 64)
    x32 = X.astype(np.float32).astype(np.int64)  # rounding moves a value by at most 2 here
    y = (table[x32[:, 0] - ADV_BASES[0] + 8]
         ^ table[x32[:, 1] - ADV_BASES[1] + ADV_WIDTH + 40])
    return X.astype(np.float64), y.astype(np.int64)


def adversarial_cases(cfg: Sizes) -> list[Case]:
    X, y = make_adversarial(cfg.train_rows, seed=3)
    X_test, _ = make_adversarial(cfg.adv_rows, seed=4)
    trees = cfg.rf_trees
    models: list[tuple[str, str, Any]] = [
        ("adv_dt", "StandardScaler + DecisionTreeClassifier",
         Pipeline([("scale", StandardScaler()), ("tree", DecisionTreeClassifier(random_state=0))])),
        ("adv_srf", f"StandardScaler + RandomForestClassifier({trees})",
         Pipeline([("scale", StandardScaler()),
                   ("rf", RandomForestClassifier(trees, random_state=0, n_jobs=-1))])),
        ("adv_rf", f"RandomForestClassifier({trees}), raw features",
         RandomForestClassifier(trees, random_state=0, n_jobs=-1)),
    ]
    out = []
    for key, title, model in models:
        print(f"fitting adversarial {title} on {cfg.train_rows:,} x 3 ...", flush=True)
        model, t = _fit(model, X, y)
        out.append(Case(key, title, _single_threaded(model), X_test, t, _array_types(3),
                        _array_feed, f"{cfg.train_rows:,} x 3"))
    return out
