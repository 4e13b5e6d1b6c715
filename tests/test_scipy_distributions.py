"""scipy.stats frozen distributions load with default trust (issue 14).

A search object fitted with ``param_distributions`` from ``scipy.stats`` holds
frozen distributions. Their pickle carries the generator's whole state,
including a code template that scipy's ``__setstate__`` passes to ``exec`` and
``vectorize`` members pickled through ``builtins.getattr``. skseal lowers a
frozen distribution to a call of the allow-listed distribution object with
the frozen numbers (``vm/scipy.rs``) and never reads the rest.

Hostile pickles here are only read by skseal, except in
``test_the_template_runs_under_pickle``, which unpickles one in a subprocess
made for that purpose, with a canary file proving what ran.
"""

from __future__ import annotations

import copy
import copyreg
import io
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
import scipy.stats as st
from scipy.stats._distn_infrastructure import rv_continuous_frozen, rv_discrete_frozen
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RandomizedSearchCV

import skseal
from skseal.errors import SkSealError

DISTRIBUTIONS: dict[str, Any] = {
    "randint": st.randint(1, 10),
    "randint loc": st.randint(1, 10, 5),
    "uniform": st.uniform(0.01, 2.0),
    "loguniform": st.loguniform(1e-3, 1e2),
    "expon scale kw": st.expon(scale=2.5),
    "norm loc kw": st.norm(loc=3.0),
    "gamma shape loc scale kw": st.gamma(2.0, loc=1.0, scale=0.5),
    "poisson loc kw": st.poisson(4.0, loc=2),
    "beta positional": st.beta(2.0, 3.0, 0.5, 2.0),
    "numpy scalar args": st.randint(np.int64(2), np.int64(7)),
}


def same_distribution(a: Any, b: Any) -> None:
    assert type(a) is type(b)
    assert a.dist.name == b.dist.name
    assert type(a.dist) is type(b.dist)
    assert (a.a, a.b) == (b.a, b.b)
    assert a.mean() == b.mean() and a.var() == b.var()
    grid = np.linspace(0.05, 0.95, 7)
    assert a.ppf(grid).tobytes() == b.ppf(grid).tobytes()
    assert a.rvs(size=8, random_state=0).tobytes() == b.rvs(size=8, random_state=0).tobytes()


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_frozen_distributions_round_trip_with_default_trust(name: str, tmp_path: Path) -> None:
    d = DISTRIBUTIONS[name]
    same_distribution(skseal.loads(skseal.dumps(d)), d)
    for protocol in (0, 2, 5):  # as a plain pickle, read by skseal
        same_distribution(skseal.loads(pickle.dumps(d, protocol=protocol)), d)
    p = tmp_path / "d.joblib"
    joblib.dump(d, p)
    same_distribution(skseal.load(p), d)


def test_the_saved_file_holds_no_code_template() -> None:
    data = skseal.dumps(st.randint(1, 10))
    assert b"_parse_arg_template" not in data and b"def _parse_args" not in data
    names = {g["name"] for g in skseal.inspect(data)["globals"]}
    assert names == {"scipy.stats._discrete_distns.randint"}, names


@pytest.fixture(scope="module")
def search() -> tuple[RandomizedSearchCV, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    s = RandomizedSearchCV(
        LogisticRegression(max_iter=300),
        {"C": st.loguniform(1e-2, 1e2), "tol": st.uniform(1e-5, 1e-3),
         "max_iter": st.randint(200, 400)},
        n_iter=4, cv=3, random_state=0,
    ).fit(X, y)
    return s, X


def test_randomized_search_round_trips(search: tuple[RandomizedSearchCV, np.ndarray],
                                       tmp_path: Path) -> None:
    s, X = search
    for loaded in (skseal.loads(skseal.dumps(s)), _via_joblib(s, tmp_path)):
        for method in ("predict", "predict_proba", "decision_function"):
            assert getattr(loaded, method)(X).tobytes() == getattr(s, method)(X).tobytes()
        for k, d in s.param_distributions.items():
            same_distribution(loaded.param_distributions[k], d)
        assert loaded.best_params_ == s.best_params_
    # converted without building anything, then loaded
    src, dst = tmp_path / "s.joblib", tmp_path / "s.skseal"
    joblib.dump(s, src)
    skseal.convert(src, dst)
    assert skseal.load(dst).predict(X).tobytes() == s.predict(X).tobytes()


def _via_joblib(obj: Any, tmp_path: Path) -> Any:
    p = tmp_path / "legacy.joblib"
    joblib.dump(obj, p)
    return skseal.load(p)


def test_untrusted_types_flags_what_pickle_would_run(
        search: tuple[RandomizedSearchCV, np.ndarray]) -> None:
    """A legacy pickle of a frozen distribution makes pickle call getattr and
    exec a template; a scanner says so, while skseal's own load never does."""
    s, _ = search
    legacy = pickle.dumps(s, protocol=5)
    assert "builtins.getattr" in skseal.untrusted_types(legacy)
    assert skseal.untrusted_types(skseal.dumps(s)) == []


# ------------------------------------------------------------------ hostile

CANARY_CODE = "open({path!r}, 'w').write('ran')\n"


def _evil_template(path: Path) -> Any:
    d = st.randint(1, 10)
    d.dist._parse_arg_template = CANARY_CODE.format(path=str(path)) + d.dist._parse_arg_template
    return d


def test_the_template_is_never_run(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    data = pickle.dumps(_evil_template(canary), protocol=4)
    loaded = skseal.loads(data)
    same_distribution(loaded, st.randint(1, 10))
    assert not canary.exists()


def test_the_template_runs_under_pickle(tmp_path: Path) -> None:
    """The file above is really hostile: pickle runs its template."""
    canary = tmp_path / "canary"
    f = tmp_path / "evil.pkl"
    f.write_bytes(pickle.dumps(_evil_template(canary), protocol=4))
    code = f"import pickle; pickle.loads(open({str(f)!r}, 'rb').read())"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    assert canary.read_text() == "ran"


class Frozen:
    """Pickles as a frozen distribution with the state given."""

    def __init__(self, cls: type, state: dict[str, Any]) -> None:
        self.cls, self.state = cls, state

    def __reduce__(self) -> tuple[Any, ...]:
        return (copyreg._reconstructor, (self.cls, object, None), self.state)  # type: ignore[attr-defined]


def _renamed(name: str) -> Any:
    g = copy.copy(st.randint)
    g.name = name
    return g


HOSTILE: dict[str, tuple[Any, str]] = {
    "generator named as another distribution": (
        Frozen(rv_discrete_frozen, {"args": (1, 9), "kwds": {}, "dist": _renamed("uniform")}),
        "not a scipy.stats distribution skseal knows"),
    "a string parameter": (
        Frozen(rv_discrete_frozen, {"args": (1, "9"), "kwds": {}, "dist": st.randint}),
        "not a number"),
    "a list parameter": (
        Frozen(rv_discrete_frozen, {"args": ([1], 9), "kwds": {}, "dist": st.randint}),
        "not a number"),
    "an unknown keyword": (
        Frozen(rv_discrete_frozen, {"args": (1, 9), "kwds": {"size": 3}, "dist": st.randint}),
        "unexpected keyword"),
    "scale on a discrete distribution": (
        Frozen(rv_discrete_frozen, {"args": (1, 9), "kwds": {"scale": 3}, "dist": st.randint}),
        "unexpected keyword"),
    "loc given twice": (
        Frozen(rv_discrete_frozen, {"args": (1, 9, 2), "kwds": {"loc": 3}, "dist": st.randint}),
        "given twice"),
    "too many numbers": (
        Frozen(rv_continuous_frozen, {"args": (1.0, 2.0, 3.0), "kwds": {}, "dist": st.uniform}),
        "at most 2 numbers"),
    "an extra state key": (
        Frozen(rv_discrete_frozen, {"args": (1, 9), "kwds": {}, "dist": st.randint,
                                    "_ctor_param": {}}),
        "unexpected key"),
    "a custom distribution (rv_sample)": (
        st.rv_discrete(values=([1, 2], [0.5, 0.5]))(), "save its best_estimator_"),
    "dist is not a distribution": (
        Frozen(rv_discrete_frozen, {"args": (1, 9), "kwds": {}, "dist": (1, 2)}),
        "not a distribution"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_frozen_distributions_are_refused(name: str) -> None:
    obj, match = HOSTILE[name]
    data = pickle.dumps(obj, protocol=4)
    with pytest.raises(SkSealError, match=match):
        skseal.load(io.BytesIO(data))


def test_a_distribution_object_is_called_only_with_numbers() -> None:
    """A file may call an allowed distribution object directly, by its global
    name (GLOBAL 'scipy.stats._discrete_distns randint'): numbers only."""
    head = b"\x80\x02cscipy.stats._discrete_distns\nrandint\n"
    with pytest.raises(SkSealError, match="takes numbers"):
        skseal.loads(head + b"X\x01\x00\x00\x001K\t\x86R.")  # randint('1', 9)
    with pytest.raises(SkSealError, match="at most 3 numbers"):
        skseal.loads(head + b"(K\x01K\tK\x00K\x01tR.")  # randint(1, 9, 0, 1)
    same_distribution(skseal.loads(head + b"K\x01K\t\x86R."), st.randint(1, 9))


def test_generator_classes_stay_refused_even_when_trusted() -> None:
    """Trusting the generator class by name cannot help: getattr is never allowed."""
    data = pickle.dumps(st.randint, protocol=4)
    with pytest.raises(SkSealError, match="builtins.getattr"):
        skseal.loads(data, trusted=["scipy.stats._discrete_distns.randint_gen"])
