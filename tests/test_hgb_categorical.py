"""HistGradientBoosting with categorical features: scikit-learn 1.9 keeps
``functools.partial(check_array, ...)`` in the fitted ``_preprocessor``; that
exact construction is a vetted constructor, every other partial a gadget."""

from __future__ import annotations

import functools
import pickle
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.utils.validation import check_array
from test_errors import SkFile, state_dict

import skseal
import skseal.native

METHODS = ("predict", "predict_proba", "decision_function", "staged_predict")


def _data() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.RandomState(0)
    n = 120
    df = pd.DataFrame(
        {
            "a": rng.rand(n),
            "c": pd.Categorical(rng.choice(list("wxyz"), n)),
            "b": rng.rand(n),
        }
    )
    y = ((df.a > 0.5) ^ (df.c == "x")).to_numpy().astype(int)
    return df, y, np.c_[df.a, df.c.cat.codes, df.b]


def _models() -> list[tuple[str, Any, Any]]:
    df, y, Xn = _data()
    out: list[tuple[str, Any, Any]] = []
    for Est in (HistGradientBoostingClassifier, HistGradientBoostingRegressor):
        out.append(("from_dtype", Est(max_iter=5).fit(df, y), df))
        mask = [False, True, False]
        out.append(("mask", Est(max_iter=5, categorical_features=mask).fit(Xn, y), Xn))
        out.append(("indices", Est(max_iter=5, categorical_features=[1]).fit(Xn, y), Xn))
    return out


def _same(a: Any, b: Any, X: Any) -> None:
    n = 0
    for m in METHODS:
        if not hasattr(a, m):
            continue
        ra, rb = getattr(a, m)(X), getattr(b, m)(X)
        if m.startswith("staged"):
            ra, rb = np.stack(list(ra)), np.stack(list(rb))
        assert np.asarray(ra).tobytes() == np.asarray(rb).tobytes(), m
        n += 1
    assert n >= 2


@pytest.mark.parametrize("i", range(6))
def test_categorical_hgb_round_trip_default_trust(i: int, tmp_path: Path) -> None:
    kind, m, X = _models()[i]
    assert m._preprocessor is not None, kind
    _same(m, skseal.loads(skseal.dumps(m)), X)
    p = tmp_path / "m.skseal"
    skseal.dump(m, p)
    _same(m, skseal.load(p), X)


@pytest.mark.parametrize("i", [0, 1, 2])
def test_categorical_hgb_joblib_file_loads(i: int, tmp_path: Path) -> None:
    _, m, X = _models()[i]
    p = tmp_path / "m.joblib"
    joblib.dump(m, p)
    assert skseal.untrusted_types(p) == []
    _same(m, skseal.load(p), X)


@pytest.mark.parametrize("i", range(6))
def test_categorical_hgb_native_from_file(i: int, tmp_path: Path) -> None:
    """Native inference computes the fitted _preprocessor, then the
    categorical splits, bit for bit (more in test_native_hgb_categorical.py)."""
    _, m, X = _models()[i]
    p = tmp_path / "m.skseal"
    skseal.dump(m, p)
    n = skseal.native.load(p)
    for meth in ("predict", "predict_proba", "decision_function"):
        if hasattr(m, meth):
            want, got = np.asarray(getattr(m, meth)(X)), np.asarray(getattr(n, meth)(X))
            assert n.exactness(meth) == "bitwise"
            assert want.shape == got.shape and np.array_equal(want, got), meth
            if want.dtype.kind == "f":
                assert want.tobytes() == got.tobytes(), meth


class _Holder:
    """Carries a partial as a pickled value (pickle only; never unpickled here)."""

    def __init__(self, v: Any) -> None:
        self.v = v

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, ([self.v],))


@pytest.mark.parametrize(
    "p",
    [
        functools.partial(np.sum, axis=0),  # another callable
        functools.partial(check_array, [[1.0]]),  # a positional argument
        functools.partial(check_array, foo=1),  # not a check_array keyword
        functools.partial(check_array, dtype=np.load),  # a gadget as a value
        functools.partial(check_array, estimator=[[1]]),  # nested containers
    ],
    ids=["other-func", "extra-arg", "unknown-kwarg", "gadget-value", "nested-value"],
)
def test_other_partials_are_refused(p: Any) -> None:
    data = pickle.dumps([p], protocol=5)
    for trusted in ([], ["functools.partial"], ["functools.partial", "numpy.sum"]):
        with pytest.raises(skseal.UntrustedTypeError) as ei:
            skseal.loads(data, trusted=trusted)
        msg = str(ei.value)
        assert "functools.partial" in msg
        assert "trusted=[" not in msg, msg
        assert "never allowed" in msg


def test_partial_state_with_namespace_is_refused() -> None:
    p = functools.partial(check_array, dtype="numeric")
    p.__dict__["x"] = 1
    with pytest.raises(skseal.UntrustedTypeError, match="namespace"):
        skseal.loads(pickle.dumps([p], protocol=5))


def test_vetted_partial_alone_loads() -> None:
    p = functools.partial(check_array, dtype=[np.float64], ensure_all_finite=False)
    (q,) = skseal.loads(pickle.dumps([p], protocol=5))
    assert q.func is check_array and q.args == () and q.keywords == p.keywords


def test_check_array_elsewhere_is_not_a_reference() -> None:
    with pytest.raises(skseal.UntrustedTypeError, match="check_array"):
        skseal.loads(pickle.dumps([check_array], protocol=5))


def _cat_file() -> SkFile:
    _, m, _ = _models()[0]
    return SkFile.parse(skseal.dumps(m))


def _pre(f: SkFile) -> dict[str, Any]:
    return {kv[0]: kv for kv in state_dict(f.root)}["_preprocessor"][1]


def test_hostile_preprocessor_width_is_refused() -> None:
    """The encoder told to take no columns: the output is narrower than the
    features the predictors index."""
    f = _cat_file()
    pre = {kv[0]: kv for kv in state_dict(_pre(f))}
    enc = pre["transformers_"][1]["list"][0]
    enc["tuple"][2] = {"list": []}
    with pytest.raises(skseal.ValidationError, match="_preprocessor"):
        skseal.loads(f.to_bytes())


def test_hostile_preprocessor_class_is_refused() -> None:
    f = _cat_file()
    pre = {kv[0]: kv for kv in state_dict(_pre(f))}
    pre["n_features_in_"][1] = 2
    with pytest.raises(skseal.ValidationError, match="n_features_in_"):
        skseal.loads(f.to_bytes())
