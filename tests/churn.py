"""The churn table the integration tests (MLflow, Dask, Spark) score: number
and string columns, a string target, and the ColumnTransformer pipeline fitted
on it. One definition, imported by each test file."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

FEATURES = ["age", "plan", "usage", "region"]


def churn_frame(n: int, seed: int, ids: bool = False) -> tuple[pd.DataFrame, np.ndarray]:
    """``n`` rows of features (with an int64 ``id`` column first when ``ids``)
    and the labels "stay"/"churn"."""
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {"id": np.arange(n, dtype=np.int64)} if ids else {}
    cols |= {
        "age": rng.uniform(18, 90, n).round(1),
        "plan": rng.choice(["basic", "plus", "pro"], n),
        "usage": rng.gamma(2.0, 3.0, n),
        "region": rng.choice(["north", "south", "east", "west"], n),
    }
    df = pd.DataFrame(cols)
    y = np.where((df["usage"] > 6) ^ (df["plan"] == "pro"), "stay", "churn")
    return df, y


def churn_pipeline(X: pd.DataFrame, y: np.ndarray, max_iter: int) -> Pipeline:
    """Scaled numbers and one-hot strings into a HistGradientBoostingClassifier."""
    pre = ColumnTransformer([
        ("num", StandardScaler(), ["age", "usage"]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["plan", "region"]),
    ])
    clf = HistGradientBoostingClassifier(max_iter=max_iter, random_state=0)
    return Pipeline([("pre", pre), ("clf", clf)]).fit(X[FEATURES], y)
