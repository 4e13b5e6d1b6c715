"""Native TargetEncoder.transform (issue 15): ``encodings_`` looked up per
category and ``target_mean_`` for unknown ones, bit for bit with
scikit-learn, for binary, multiclass and continuous targets; string and
numeric categories, missing values seen and not seen in training, unseen
categories, several features, pandas columns by name, inside a
ColumnTransformer and a Pipeline with a linear model. Nothing is computed
(values are copied), so no CPU path matters; the Pipeline's matrix product
claims what the linear family claims."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler, TargetEncoder

import skseal
import skseal.native
from skseal.errors import SkSealError

rng = np.random.default_rng(15)
N = 500


def _frame(n: int, seed: int, unseen: bool) -> pd.DataFrame:
    r = np.random.default_rng(seed)
    city = r.choice(["paris", "lyon", "nice", "lille"] + (["oslo", ""] if unseen else []), n
                    ).astype(object)
    city[r.random(n) < 0.08] = None
    plan = r.choice(["basic", "pro", "team"] + (["gold"] if unseen else []), n).astype(object)
    if unseen:
        plan[r.random(n) < 0.1] = np.nan  # missing only at predict time
    return pd.DataFrame({
        "age": r.integers(18, 80, n).astype(float),
        "city": city,
        "plan": plan,
        "level": r.choice([1.0, 2.0, 3.5, -0.0], n) if not unseen
        else r.choice([1.0, 2.0, 3.5, 0.0, 7.0, np.nan], n),
    })


DF = _frame(N, 1, unseen=False)
DFT = pd.concat([_frame(300, 2, unseen=True), DF.head(50)], ignore_index=True)
CAT = ["city", "plan", "level"]
YB = ((DF["city"] == "paris") ^ (DF["age"] > 50)).to_numpy().astype(int)
Y3 = np.array(["x", "y", "z"])[(DF["city"].fillna("").str.len() + (DF["age"] > 40)) % 3]
YR = DF["age"].to_numpy() / 7 + (DF["plan"] == "pro") + rng.normal(0, 0.5, N)


def te(**kw: Any) -> TargetEncoder:
    return TargetEncoder(**kw)


CASES: dict[str, Callable[[], tuple[Any, Any]]] = {
    "binary": lambda: (te().fit(DF[CAT], YB), DFT[CAT]),
    "multiclass": lambda: (te().fit(DF[CAT], Y3), DFT[CAT]),
    "continuous": lambda: (te().fit(DF[CAT], YR), DFT[CAT]),
    "continuous, smooth=2.5": lambda: (te(smooth=2.5).fit(DF[CAT], YR), DFT[CAT]),
    "binary, string labels": lambda: (
        te(target_type="binary").fit(DF[CAT], np.where(YB == 1, "yes", "no")), DFT[CAT]),
    "numpy object array": lambda: (
        te().fit(DF[["city", "plan"]].to_numpy(), Y3), DFT[["city", "plan"]].to_numpy()),
    "numpy numeric codes": lambda: (
        te().fit(DF[["level", "age"]].to_numpy(), YR), DFT[["level", "age"]].to_numpy()),
    "explicit categories": lambda: (
        te(categories=[["lyon", "paris", "nice", "lille", "rome", None]])
        .fit(DF[["city"]], YB), DFT[["city"]]),
    "ColumnTransformer + logistic regression": lambda: (make_pipeline(
        ColumnTransformer([("num", StandardScaler(), ["age"]), ("cat", te(), CAT)]),
        LogisticRegression()).fit(DF, YB), DFT),
    "ColumnTransformer multiclass + logistic regression": lambda: (make_pipeline(
        ColumnTransformer([("num", StandardScaler(), ["age"]), ("cat", te(), CAT)]),
        LogisticRegression()).fit(DF, Y3), DFT),
    "ColumnTransformer + ridge": lambda: (make_pipeline(
        ColumnTransformer([("cat", te(), CAT)], remainder="passthrough"), Ridge())
        .fit(DF, YR), DFT),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bitwise(name: str) -> None:
    model, X = CASES[name]()
    native = skseal.native.loads(skseal.dumps(model))
    n = 0
    for m in ("transform", "predict", "predict_proba", "decision_function"):
        if not hasattr(model, m):
            continue
        want, got = np.asarray(getattr(model, m)(X)), np.asarray(getattr(native, m)(X))
        assert want.shape == got.shape, m
        how = native.exactness(m)
        if want.dtype.kind == "f" and how.startswith("bitwise"):
            assert want.tobytes() == got.tobytes(), m
        elif want.dtype.kind == "f":
            assert np.allclose(want, got, rtol=1e-12, atol=0), (m, how)
        else:
            assert np.array_equal(want, got), m
        n += 1
        if m == "transform":
            assert how == "bitwise"
    assert n >= 1


def test_one_row_at_a_time_and_batches(tmp_path: Any) -> None:
    model, X = CASES["multiclass"]()
    p = tmp_path / "m.skseal"
    skseal.dump(model, p)
    native = skseal.native.load(p)
    for i in range(10):
        assert native.transform(X.iloc[[i]]).tobytes() == model.transform(X.iloc[[i]]).tobytes()
    big = pd.concat([X] * 15, ignore_index=True)
    assert native.transform(big).tobytes() == model.transform(big).tobytes()


def test_infinity_and_width_are_refused() -> None:
    model, X = CASES["numpy numeric codes"]()
    native = skseal.native.loads(skseal.dumps(model))
    bad = X[:3].copy()
    bad[1, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        model.transform(bad)
    with pytest.raises(ValueError, match="(?i)infinit"):
        native.transform(bad)
    with pytest.raises(ValueError, match="features"):
        native.transform(X[:, :1])


def test_malformed_encodings_are_refused() -> None:
    model, _ = CASES["binary"]()
    model.encodings_[1] = model.encodings_[1][:-1]
    with pytest.raises(SkSealError, match="encodings_"):
        skseal.native.loads(skseal.dumps(model))
