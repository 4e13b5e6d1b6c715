"""The one metadata builder (``skseal_core::metadata``) that ``dump`` and
``convert`` share.

Header bytes: the metadata text of ``dump``'s header for user metadata whose
text a re-serialisation could change (float forms, integers beyond 64 bits,
non-ASCII and escaped text, nesting, key order, tuples, non-string keys) and
for estimator attributes with non-finite floats, unicode and mixed numpy
dtypes, each compared with the text written before the builder took the
live object's facts unrendered (``EXPECTED``, produced by skseal at commit
588d980). Agreement: a model dumped and the same model converted from a
joblib file record the same facts wherever both know them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

import skseal
from skseal import _meta, _native

EPOCH = "1700000000"
ENVIRONMENT = {"python": "3.11.0", "platform": "linux-x86_64", "numpy": "2.0.0",
               "scipy": "1.14.0", "scikit-learn": "1.9.0"}

USERS = {
    "floats": {"lr": 1e-05, "tenth": 0.1, "third": 1 / 3, "big": 1.5e300, "tiny": 5e-324,
               "neg0": -0.0, "whole": 2.0, "e16": 1e16, "e22": 1e22},
    "ints": {"big": 2**64, "huge": 10**30, "neg": -(2**63), "u64": 2**64 - 1, "i": -7},
    "unicode": {"name": "modèle ✓", "emoji": "\U0001F600", "ctl": "a\nb\t\"q\"\\", "\u00e9": 1},
    "nested": {"z": {"b": [1, 2.0, None, True, [{"y": 1, "x": 2}]], "a": {}}, "a": []},
    "order": {"b": 1, "a": 2, "B": 3, "_": 4, "10": 5, "9": 6, "é": 7, "e": 8},
    "tuples": {"t": (1, (2.5, "x")), "k": {1: "int key", 2.5: "float key"}},
    "none": None,
    "empty": {},
}


def est():
    m = LogisticRegression()
    m.n_features_in_ = np.int64(3)
    m.feature_names_in_ = np.array(["é", "b", "c"], dtype=object)
    m.classes_ = np.array([np.nan, 1.0, -np.inf, np.inf, 0.1])
    return m

def est2():
    m = LogisticRegression()
    m.classes_ = np.array(["a", "bé", ""], dtype="<U2")
    m.n_features_in_ = 2
    return m

def est3():
    m = LogisticRegression()
    m.classes_ = [np.array([2**63, 1], dtype=np.uint64), np.array([0.1, 3], dtype=np.float32),
                  np.array([True, False]), 10**30, np.float64(0.5)]
    return m


def objects() -> dict[str, Any]:
    return {"dict": {"a": 1}, "nonfinite": est(), "unicode": est2(), "mixed": est3()}


EXPECTED = {
    'dict-floats': (
        '{"created_utc":"2023-11-14T22:13:20Z","environment":{"numpy":"2.0.0","'
        'platform":"linux-x86_64","python":"3.11.0","scikit-learn":"1.9.0","sci'
        'py":"1.14.0"},"estimator":{"class":"builtins.dict","methods":[]},"skse'
        'al":"0.1.0","user":{"big":1.5e+300,"e16":1e+16,"e22":1e+22,"lr":0.0000'
        '1,"neg0":-0.0,"tenth":0.1,"third":0.3333333333333333,"tiny":5e-324,"wh'
        'ole":2.0}}'
    ),
    'dict-ints': (
        '{"created_utc":"2023-11-14T22:13:20Z","environment":{"numpy":"2.0.0","'
        'platform":"linux-x86_64","python":"3.11.0","scikit-learn":"1.9.0","sci'
        'py":"1.14.0"},"estimator":{"class":"builtins.dict","methods":[]},"skse'
        'al":"0.1.0","user":{"big":1.8446744073709552e+19,"huge":1e+30,"i":-7,"'
        'neg":-9223372036854775808,"u64":18446744073709551615}}'
    ),
    'dict-unicode': (
        '{"created_utc":"2023-11-14T22:13:20Z","environment":{"numpy":"2.0.0","'
        'platform":"linux-x86_64","python":"3.11.0","scikit-learn":"1.9.0","sci'
        'py":"1.14.0"},"estimator":{"class":"builtins.dict","methods":[]},"skse'
        'al":"0.1.0","user":{"ctl":"a\\nb\\t\\"q\\"\\\\","emoji":"😀","name":"modèle ✓'
        '","é":1}}'
    ),
    'dict-nested': (
        '{"created_utc":"2023-11-14T22:13:20Z","environment":{"numpy":"2.0.0","'
        'platform":"linux-x86_64","python":"3.11.0","scikit-learn":"1.9.0","sci'
        'py":"1.14.0"},"estimator":{"class":"builtins.dict","methods":[]},"skse'
        'al":"0.1.0","user":{"a":[],"z":{"a":{},"b":[1,2.0,null,true,[{"x":2,"y'
        '":1}]]}}}'
    ),
    'dict-order': (
        '{"created_utc":"2023-11-14T22:13:20Z","environment":{"numpy":"2.0.0","'
        'platform":"linux-x86_64","python":"3.11.0","scikit-learn":"1.9.0","sci'
        'py":"1.14.0"},"estimator":{"class":"builtins.dict","methods":[]},"skse'
        'al":"0.1.0","user":{"10":5,"9":6,"B":3,"_":4,"a":2,"b":1,"e":8,"é":7}}'
    ),
    'dict-tuples': (
        '{"created_utc":"2023-11-14T22:13:20Z","environment":{"numpy":"2.0.0","'
        'platform":"linux-x86_64","python":"3.11.0","scikit-learn":"1.9.0","sci'
        'py":"1.14.0"},"estimator":{"class":"builtins.dict","methods":[]},"skse'
        'al":"0.1.0","user":{"k":{"1":"int key","2.5":"float key"},"t":[1,[2.5,'
        '"x"]]}}'
    ),
    'dict-none': (
        '{"created_utc":"2023-11-14T22:13:20Z","environment":{"numpy":"2.0.0","'
        'platform":"linux-x86_64","python":"3.11.0","scikit-learn":"1.9.0","sci'
        'py":"1.14.0"},"estimator":{"class":"builtins.dict","methods":[]},"skse'
        'al":"0.1.0","user":{}}'
    ),
    'dict-empty': (
        '{"created_utc":"2023-11-14T22:13:20Z","environment":{"numpy":"2.0.0","'
        'platform":"linux-x86_64","python":"3.11.0","scikit-learn":"1.9.0","sci'
        'py":"1.14.0"},"estimator":{"class":"builtins.dict","methods":[]},"skse'
        'al":"0.1.0","user":{}}'
    ),
    'nonfinite-floats': (
        '{"created_utc":"2023-11-14T22:13:20Z","environment":{"numpy":"2.0.0","'
        'platform":"linux-x86_64","python":"3.11.0","scikit-learn":"1.9.0","sci'
        'py":"1.14.0"},"estimator":{"class":"sklearn.linear_model._logistic.Log'
        'isticRegression","classes":["nan",1.0,"-inf","inf",0.1],"feature_names'
        '_in":["é","b","c"],"methods":["predict","predict_proba","predict_log_p'
        'roba","decision_function"],"n_features_in":3},"skseal":"0.1.0","user":'
        '{"big":1.5e+300,"e16":1e+16,"e22":1e+22,"lr":0.00001,"neg0":-0.0,"tent'
        'h":0.1,"third":0.3333333333333333,"tiny":5e-324,"whole":2.0}}'
    ),
    'unicode-floats': (
        '{"created_utc":"2023-11-14T22:13:20Z","environment":{"numpy":"2.0.0","'
        'platform":"linux-x86_64","python":"3.11.0","scikit-learn":"1.9.0","sci'
        'py":"1.14.0"},"estimator":{"class":"sklearn.linear_model._logistic.Log'
        'isticRegression","classes":["a","bé",""],"methods":["predict","predict'
        '_proba","predict_log_proba","decision_function"],"n_features_in":2},"s'
        'kseal":"0.1.0","user":{"big":1.5e+300,"e16":1e+16,"e22":1e+22,"lr":0.0'
        '0001,"neg0":-0.0,"tenth":0.1,"third":0.3333333333333333,"tiny":5e-324,'
        '"whole":2.0}}'
    ),
    'mixed-floats': (
        '{"created_utc":"2023-11-14T22:13:20Z","environment":{"numpy":"2.0.0","'
        'platform":"linux-x86_64","python":"3.11.0","scikit-learn":"1.9.0","sci'
        'py":"1.14.0"},"estimator":{"class":"sklearn.linear_model._logistic.Log'
        'isticRegression","classes":[[9223372036854775808,1],[0.100000001490116'
        '12,3.0],[true,false],1e+30,0.5],"methods":["predict","predict_proba","'
        'predict_log_proba","decision_function"]},"skseal":"0.1.0","user":{"big'
        '":1.5e+300,"e16":1e+16,"e22":1e+22,"lr":0.00001,"neg0":-0.0,"tenth":0.'
        '1,"third":0.3333333333333333,"tiny":5e-324,"whole":2.0}}'
    ),
}


@pytest.fixture(autouse=True)
def _fixed_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture
def fixed_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The library versions of EXPECTED (they differ between machines)."""
    monkeypatch.setattr(_meta, "environment", lambda: dict(ENVIRONMENT))


def raw_metadata(data: bytes) -> str:
    """The metadata member of a file's header, as the text written."""
    text = _native.read_header(data, len(data))
    i = text.index('"metadata":') + len('"metadata":')
    _, end = json.JSONDecoder().raw_decode(text, i)
    return text[i:end]


def expected(case: str) -> str:
    return EXPECTED[case].replace('"skseal":"0.1.0"', f'"skseal":"{skseal.__version__}"')


@pytest.mark.usefixtures("fixed_env")
@pytest.mark.parametrize("user", list(USERS))
def test_user_metadata_text_is_unchanged(user: str) -> None:
    got = raw_metadata(skseal.dumps({"a": 1}, metadata=USERS[user]))
    assert got == expected(f"dict-{user}")


@pytest.mark.usefixtures("fixed_env")
@pytest.mark.parametrize("obj", ["dict", "nonfinite", "unicode", "mixed"])
def test_estimator_text_is_unchanged(obj: str) -> None:
    got = raw_metadata(skseal.dumps(objects()[obj], metadata=USERS["floats"]))
    assert got == expected(f"{obj}-floats")


@pytest.mark.parametrize("bad", [{"x": float("nan")}, {"x": float("inf")}, {"x": object()},
                                 ["not", "a", "dict"], "text", 3])
def test_user_metadata_refused_alike_by_dump_and_convert(bad: Any, tmp_path: Path) -> None:
    src = tmp_path / "m.joblib"
    joblib.dump({"a": 1}, src)
    with pytest.raises(TypeError, match="metadata"):
        skseal.dumps({"a": 1}, metadata=bad)
    with pytest.raises(TypeError, match="metadata"):
        skseal.convert(src, tmp_path / "m.skseal", metadata=bad)
    assert not (tmp_path / "m.skseal").exists()


def _models() -> dict[str, Any]:
    X, y = load_iris(return_X_y=True, as_frame=True)
    names = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y.to_numpy()]
    Xn = X.to_numpy()
    return {
        "logreg-frame-str": LogisticRegression(max_iter=500).fit(X, names),
        "tree-int": DecisionTreeClassifier(random_state=0).fit(Xn, y.to_numpy()),
        "tree-float": DecisionTreeClassifier(random_state=0).fit(Xn, (y.to_numpy() > 0) * 1.0),
        "tree-unicode": DecisionTreeClassifier(random_state=0).fit(
            Xn, np.array(["a", "bé", "c✓"])[y.to_numpy()]),
        "forest-regressor": RandomForestRegressor(3, random_state=0).fit(X, Xn[:, 0]),
        "pipeline": make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y),
    }


MODELS = _models()
USER = {"run": 7, "lr": 1e-05, "name": "modèle ✓", "nested": {"b": [1, 2.0], "a": None}}


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("compress", [None, 3])
def test_dump_and_convert_agree(name: str, compress: Any, tmp_path: Path, cli: Path) -> None:
    model = MODELS[name]
    src = tmp_path / "m.joblib"
    joblib.dump(model, src, compress=compress)
    dumped = skseal.inspect(skseal.dumps(model, metadata=USER))["metadata"]
    skseal.convert(src, tmp_path / "py.skseal", metadata=USER)
    converted = skseal.inspect(tmp_path / "py.skseal")["metadata"]
    r = subprocess.run([str(cli), "convert", str(src), str(tmp_path / "cli.skseal")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    from_cli = skseal.inspect(tmp_path / "cli.skseal")["metadata"]

    # the same keys, in the same (sorted) order; source only where there is one
    assert list(dumped) == ["created_utc", "environment", "estimator", "skseal", "user"]
    assert list(converted) == list(from_cli) == [
        "created_utc", "environment", "estimator", "skseal", "source", "user"]
    for m in (converted, from_cli):
        assert m["skseal"] == dumped["skseal"] == skseal.__version__
        assert m["created_utc"] == dumped["created_utc"] == "2023-11-14T22:13:20Z"
        # the version that pickled the model is the one dump records
        assert m["environment"] == {"scikit-learn": dumped["environment"]["scikit-learn"]}
        # every fitted attribute convert can read says what dump says; only
        # `methods` needs the live object
        assert m["estimator"] == {k: v for k, v in dumped["estimator"].items()
                                  if k != "methods"} or name == "pipeline"
        assert m["estimator"].items() <= dumped["estimator"].items()
    assert converted["user"] == dumped["user"] == USER
    assert from_cli["user"] == {}
    assert converted["source"] == from_cli["source"]
    # the rendered text agrees too, not only the parsed values
    for key in ("estimator", "user"):
        a = json.dumps(dumped[key], sort_keys=True)
        b = json.dumps({**converted[key], **({"methods": dumped[key]["methods"]}
                                              if key == "estimator" else {})}, sort_keys=True)
        assert a == b or name == "pipeline"


def test_pipeline_convert_knows_what_its_state_says(tmp_path: Path) -> None:
    """A Pipeline's n_features_in_ and classes_ are properties of its steps:
    convert runs nothing, so it records the class alone."""
    src = tmp_path / "p.joblib"
    joblib.dump(MODELS["pipeline"], src)
    skseal.convert(src, tmp_path / "p.skseal")
    est = skseal.inspect(tmp_path / "p.skseal")["metadata"]["estimator"]
    assert est == {"class": "sklearn.pipeline.Pipeline"}


def test_plain_data_gets_its_class_from_convert(tmp_path: Path) -> None:
    src = tmp_path / "d.joblib"
    data = {"w": np.arange(3.0), "names": ["a"]}
    joblib.dump(data, src)
    skseal.convert(src, tmp_path / "d.skseal")
    converted = skseal.inspect(tmp_path / "d.skseal")["metadata"]["estimator"]
    dumped = skseal.inspect(skseal.dumps(data))["metadata"]["estimator"]
    assert converted == {"class": "builtins.dict"}
    assert dumped == {"class": "builtins.dict", "methods": []}


def test_frame_feature_names_from_pandas(tmp_path: Path) -> None:
    X = pd.DataFrame({"é": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    model = LogisticRegression().fit(X, [0, 1, 0, 1])
    src = tmp_path / "f.pkl"
    joblib.dump(model, src)
    skseal.convert(src, tmp_path / "f.skseal")
    est = skseal.inspect(tmp_path / "f.skseal")["metadata"]["estimator"]
    assert est["feature_names_in"] == ["é", "b"] and est["classes"] == [0, 1]
