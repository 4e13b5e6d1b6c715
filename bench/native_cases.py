"""The models and data sets of bench_native.py: data makers and the Case definitions.

``main_cases`` fits the models timed against every engine, ``adversarial_cases`` those
compared for exactness only (large integer-valued features). A Case carries a fitted
model, its test batch and how ONNX Runtime wants that batch; bench_native.py fills in the
engines, timings and exactness.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC
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
# The text corpus: made-up words (consonant-vowel syllables), 3 to 30 per document.
TEXT_VOCAB = 4000
TEXT_WORDS = (3, 30)


# ---------------------------------------------------------------- cases


@dataclass(frozen=True)
class Sizes:
    """How much data the cases get (bench_native's Config extends this)."""

    train_rows: int  # also the number of training documents of the text pipeline
    batch_rows: int  # the test batch of every main case (rows or documents)
    rf_trees: int
    adv_rows: int
    svc_rows: int  # SVC's training rows (its fit is quadratic in them)


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
    notes: dict[str, str] = field(default_factory=dict)  # engine -> how it was made to run
    skipped: dict[str, str] = field(default_factory=dict)  # engine -> why not applicable
    exact: dict[str, Exact] = field(default_factory=dict)
    latency_ns: dict[str, list[int]] = field(default_factory=dict)
    batch_s: dict[str, list[float]] = field(default_factory=dict)
    prep_s: dict[str, list[float]] = field(default_factory=dict)
    row_prep_ns: dict[str, list[int]] = field(default_factory=dict)  # one-row input, untimed
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


def _text_types() -> list[tuple[str, Any]]:
    from skl2onnx.common.data_types import StringTensorType

    return [("text", StringTensorType([None, 1]))]


def _text_feed(docs: Data) -> dict[str, np.ndarray]:
    return {"text": np.asarray(docs, dtype=object).reshape(-1, 1)}


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

    cases += model_zoo_cases(cfg, X_train, y_train, X_test)
    return cases


def make_vocabulary(n: int, seed: int) -> list[str]:
    """``n`` distinct made-up lowercase words of 2 to 4 consonant-vowel syllables."""
    rng = np.random.default_rng(seed)
    cons = np.array(list("bdfgklmnprstvz"))
    vows = np.array(list("aeiouy"))
    words: dict[str, None] = {}
    while len(words) < n:
        k = int(rng.integers(2, 5))
        syl = np.char.add(rng.choice(cons, k), rng.choice(vows, k))
        words.setdefault("".join(syl.tolist()))
    return list(words)


def make_corpus(n: int, seed: int, vocab: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``n`` short documents (a 1-D object array of str) and binary labels.

    Words are drawn with Zipf-like frequencies; the first is capitalized and a full stop
    ends the document. One word in ten carries a fixed weight (the same for every corpus
    made from ``vocab``); the label is the sign of the document's mean weight plus noise.
    """
    rng = np.random.default_rng(seed)
    v = len(vocab)
    wrng = np.random.default_rng(777)
    weight = np.where(wrng.random(v) < 0.1, wrng.normal(0.0, 2.0, v), 0.0)
    freq = 1.0 / (np.arange(v) + 10.0)
    lengths = rng.integers(TEXT_WORDS[0], TEXT_WORDS[1] + 1, n)
    picks = np.split(rng.choice(v, int(lengths.sum()), p=freq / freq.sum()),
                     np.cumsum(lengths)[:-1])
    docs = np.empty(n, dtype=object)
    score = np.empty(n)
    for i, ws in enumerate(picks):
        words = [vocab[j] for j in ws]
        words[0] = words[0].capitalize()
        docs[i] = " ".join(words) + "."
        score[i] = weight[ws].sum() / np.sqrt(len(ws))
    y = (score + rng.logistic(0.0, 0.5, n) > 0).astype(np.int64)
    return docs, y


def model_zoo_cases(cfg: Sizes, X_train: np.ndarray, y_train: np.ndarray,
                    X_test: np.ndarray) -> list[Case]:
    """SVC, KNeighborsClassifier, a TF-IDF text pipeline and an MLP (issue 15)."""
    n, m, d = len(X_train), len(X_test), X_train.shape[1]
    cases = []

    ns = min(cfg.svc_rows, n)
    print(f"fitting SVC(rbf, probability=True) on {ns:,} x {d} ...", flush=True)
    with warnings.catch_warnings():
        # scikit-learn 1.9 deprecates probability=True (for CalibratedClassifierCV); the
        # benchmark times the probabilities libsvm computes, as fitted models still have them.
        warnings.filterwarnings("ignore", "The `probability` parameter", FutureWarning)
        svc, t = _fit(SVC(kernel="rbf", probability=True, random_state=0), X_train[:ns],
                      y_train[:ns])
    cases.append(Case("svc", "SVC(rbf, probability=True)", svc, X_test, t, _array_types(d),
                      _array_feed,
                      f"{ns:,} x {d} (fewer rows: the fit is quadratic in them), "
                      f"{int(svc.n_support_.sum()):,} support vectors; probabilities by "
                      "libsvm's Platt scaling (5-fold internal CV; `probability=True` is "
                      "deprecated since scikit-learn 1.9)"))

    print(f"fitting KNeighborsClassifier() on {n:,} x {d} ...", flush=True)
    knn, t = _fit(KNeighborsClassifier(), X_train, y_train)
    cases.append(Case("knn", "KNeighborsClassifier()", knn, X_test, t, _array_types(d),
                      _array_feed,
                      f"{n:,} x {d}, default parameters: k=5, uniform weights, euclidean, "
                      f"algorithm 'auto' (scikit-learn chose {knn._fit_method!r})"))

    print(f"fitting TfidfVectorizer + LogisticRegression on {n:,} documents ...", flush=True)
    vocab = make_vocabulary(TEXT_VOCAB, seed=5)
    docs_train, yt = make_corpus(n, seed=6, vocab=vocab)
    docs_test, _ = make_corpus(m, seed=7, vocab=vocab)
    text = Pipeline([("tfidf", TfidfVectorizer()), ("clf", LogisticRegression(max_iter=1000))])
    text, t = _fit(text, docs_train, yt)
    cases.append(Case("text", "TfidfVectorizer + LogisticRegression", text, docs_test, t,
                      _text_types, _text_feed,
                      f"{n:,} made-up documents of {TEXT_WORDS[0]} to {TEXT_WORDS[1]} words "
                      f"from {TEXT_VOCAB:,} words (Zipf-like frequencies), "
                      f"{len(text[0].vocabulary_):,} terms; input a 1-D object array of str "
                      "(ONNX Runtime: shape (n, 1))"))

    print(f"fitting StandardScaler + MLPClassifier((64,), relu) on {n:,} x {d} ...",
          flush=True)
    mlp = Pipeline([("scale", StandardScaler()),
                    ("mlp", MLPClassifier(hidden_layer_sizes=(64,), random_state=0,
                                          max_iter=300))])
    with warnings.catch_warnings():
        # Reported in the model's description instead (n_iter_ == max_iter).
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp, t = _fit(mlp, X_train, y_train)
    net = mlp[-1]
    stop = (f"stopped at max_iter={net.max_iter} before the loss settled (tol {net.tol:g})"
            if net.n_iter_ >= net.max_iter else "converged")
    cases.append(Case("mlp", "StandardScaler + MLPClassifier((64,), relu)", mlp, X_test, t,
                      _array_types(d), _array_feed,
                      f"{n:,} x {d} (feature standard deviations 1 to 4, hence the scaler), "
                      f"adam, {net.n_iter_} epochs, {stop}"))
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
