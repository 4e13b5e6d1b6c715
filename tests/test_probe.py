"""The probe never lies: it is stored as given (DataFrame layout included),
records outputs of any type as arrays, refuses rows no method can run on,
passes in the environment that saved it, and says how a mismatch differs."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import skseal
from skseal import _meta
from skseal.errors import ProbeMismatchError


def _roundtrip(model: object, probe: object, tmp_path: Path) -> object:
    p = tmp_path / "m.skseal"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither dump nor verify may print a warning
        skseal.dump(model, p, probe=probe)
        return skseal.load(p, verify=True)


def test_dataframe_pipeline_verifies_in_the_saving_environment(tmp_path: Path) -> None:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    model = Pipeline([("s", StandardScaler()), ("lr", LogisticRegression(max_iter=2000))])
    model.fit(X, y)
    loaded = _roundtrip(model, X.iloc[:50], tmp_path)
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    # the stored frame gives numpy the same layout as the original
    rebuilt = _meta._probe_rebuild(_meta._probe_input(X.iloc[:50]))
    assert np.asarray(rebuilt).flags.f_contiguous == np.asarray(X.iloc[:50]).flags.f_contiguous


def test_mixed_dataframe_and_pandas_outputs(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "a": rng.normal(size=200),
            "b": rng.normal(size=200) * 10,
            "c": rng.choice(["x", "y", "z"], size=200),
        }
    )
    y = (df["a"] + (df["c"] == "x") > 0).astype(int)
    ct = ColumnTransformer(
        [("num", StandardScaler(), ["a", "b"]), ("cat", OneHotEncoder(sparse_output=False), ["c"])]
    )
    model = make_pipeline(ct, LogisticRegression()).fit(df, y)
    _roundtrip(model, df.iloc[:20], tmp_path)
    # a transformer whose output is a DataFrame: stored as values + columns
    scaler = StandardScaler().set_output(transform="pandas").fit(df[["a", "b"]])
    loaded = _roundtrip(scaler, df[["a", "b"]].iloc[:10], tmp_path)
    assert list(loaded.transform(df[["a", "b"]]).columns) == ["a", "b"]
    probe = _meta.make_probe(scaler, df[["a", "b"]].iloc[:3])
    assert probe["outputs"]["transform"]["kind"] == "frame"
    assert probe["outputs"]["transform"]["columns"] == ["a", "b"]


def test_forest_probe_prints_no_warning(tmp_path: Path) -> None:
    X, y = load_breast_cancer(return_X_y=True)
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    _roundtrip(model, X[:30], tmp_path)  # predict_log_proba has log(0): silenced


def test_probe_no_method_can_run_on_is_an_error(tmp_path: Path) -> None:
    X = np.random.default_rng(1).normal(size=(50, 4))
    model = Ridge().fit(X, X[:, 0])
    with pytest.raises(ValueError, match=r"no output method .*predict\(\): ValueError"):
        skseal.dump(model, tmp_path / "m.skseal", probe=X[:5, :3])
    assert not (tmp_path / "m.skseal").exists()


def test_mismatch_names_method_rows_and_ulps(tmp_path: Path) -> None:
    X = np.random.default_rng(2).normal(size=(50, 4))
    model = Ridge().fit(X, X[:, 0])
    probe = _meta.make_probe(model, X[:6])
    model.intercept_ = model.intercept_ + 1e-9  # every output moves by millions of ulp
    with pytest.raises(ProbeMismatchError) as e:
        _meta.verify_probe(model, probe)
    msg = str(e.value)
    m = re.search(r"predict\(\): 6 of 6 rows differ, by up to (\d+) ulp", msg)
    assert m and int(m.group(1)) > 1000, msg
    assert "library versions differ" in _meta.probe_cause(True)


def test_load_says_what_a_mismatch_comes_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    X = np.random.default_rng(3).normal(size=(50, 4))
    p = tmp_path / "m.skseal"
    skseal.dump(Ridge().fit(X, X[:, 0]), p, probe=X[:6])

    def differs(obj: object, probe: object) -> None:
        raise ProbeMismatchError("probe check failed: predict(): 1 of 6 rows differ.")

    monkeypatch.setattr(_meta, "verify_probe", differs)
    with pytest.raises(ProbeMismatchError, match="rows differ. The library versions are those"):
        skseal.load(p, verify=True)


def test_native_probe_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import skseal.native

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    rng = np.random.default_rng(4)
    df = X.iloc[:, :3].copy()
    df["c"] = rng.choice(["x", "y"], size=len(df))
    ct = ColumnTransformer(
        [("num", StandardScaler(), list(df.columns[:3])), ("cat", OneHotEncoder(), ["c"])]
    )
    cases = [
        (RandomForestClassifier(n_estimators=5, random_state=0).fit(X.to_numpy(), y), X.to_numpy()),
        (make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000)).fit(X, y), X),
        (make_pipeline(ct, LogisticRegression()).fit(df, y), df),
    ]
    for model, data in cases:
        p = tmp_path / "m.skseal"
        skseal.dump(model, p, probe=data[:25])
        passed, text = skseal.native.load(p).check_probe()
        assert passed and "predict_proba(): bitwise equal" in text, text
    # outputs recorded wrong: the native check reports which rows differ
    real = _meta._probe_output
    monkeypatch.setattr(
        _meta,
        "_probe_output",
        lambda o: real(o) + 1e-6 if isinstance(o, np.ndarray) and o.dtype.kind == "f" else real(o),
    )
    model, data = cases[0]
    skseal.dump(model, tmp_path / "bad.skseal", probe=data[:25])
    passed, text = skseal.native.load(tmp_path / "bad.skseal").check_probe()
    assert not passed and "predict_proba(): 25 of 25 rows differ" in text, text
    skseal.dump(model, tmp_path / "none.skseal")
    assert skseal.native.load(tmp_path / "none.skseal").check_probe() == (True, "no probe")


def test_fortran_ordered_object_array_probe_is_read_in_logical_order(tmp_path: Path) -> None:
    """numpy pickles an object array's items in logical order whatever its
    memory order; the native probe reader read an F-ordered one column by
    column, which gave the model other rows than the recorded ones."""
    from sklearn.preprocessing import OrdinalEncoder

    import skseal.native

    X = np.asfortranarray(np.array([["a", "x"], ["b", "y"], ["c", "x"]], dtype=object))
    assert X.flags["F_CONTIGUOUS"] and not X.flags["C_CONTIGUOUS"]
    p = tmp_path / "f.skseal"
    skseal.dump(OrdinalEncoder().fit(X), p, probe=X)
    passed, text = skseal.native.load(p).check_probe()
    assert passed and "transform(): bitwise equal" in text, text
