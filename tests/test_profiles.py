"""Library profiles (issue 14): ``trusted=["lightgbm"]`` / ``--trust lightgbm``
trusts an exact generated list, never a prefix; the payloads a library's own
C++ parses are checked in Rust first, and a hostile one is refused before the
library sees it (a canary on the class's ``__setstate__`` proves it never
ran); gadgets stay refused whatever profiles are named."""

from __future__ import annotations

import contextlib
import json
import pickle
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest

import skseal
import skseal.native
from skseal.errors import (
    UnsupportedModelError,
    UnsupportedObjectError,
    UntrustedTypeError,
    ValidationError,
)

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ["catboost", "category_encoders", "feature_engine", "imblearn", "lightgbm",
            "xgboost"]

rng = np.random.default_rng(0)
X = rng.normal(size=(120, 5))
Y = (X[:, 0] + X[:, 1] > 0).astype(int)


def test_the_six_profiles_say_what_they_cover() -> None:
    got = skseal.profiles()
    assert sorted(got) == PROFILES
    for name, p in got.items():
        assert p["versions"].startswith(">="), name
        assert p["names"] >= 4, name
        assert p["checks"], name
        mod = __import__(p["module"])
        assert p["generated"].startswith(f"{p['module']} {mod.__version__}"), name


def test_profile_lists_are_up_to_date() -> None:
    r = subprocess.run([str(ROOT / ".venv/bin/python"), "scripts/gen_profiles.py", "--check"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr


def test_trusted_entries_are_names_profiles_or_classes() -> None:
    from skseal._trust import normalize_trusted

    assert normalize_trusted(["lightgbm", "a.b"]) == ["lightgbm", "a.b"]
    for bad in (["lightgbm.*"], ["lightgbm_x"], ["sklearn"]):
        with pytest.raises(ValueError, match="catboost, category_encoders") as e:
            normalize_trusted(bad)
        assert bad[0] in str(e.value)
    with pytest.raises(TypeError, match=r'trusted=\["lightgbm"\]'):
        normalize_trusted("lightgbm")


def _lgbm() -> Any:
    import lightgbm as lgb

    return lgb.LGBMClassifier(n_estimators=5, num_leaves=4, verbose=-1).fit(X, Y)


def _xgb() -> Any:
    import xgboost as xgb

    return xgb.XGBClassifier(n_estimators=5, max_depth=2, n_jobs=1).fit(X, Y)


def _cat() -> Any:
    import catboost

    return catboost.CatBoostClassifier(iterations=5, depth=2, verbose=0,
                                       allow_writing_files=False, thread_count=1).fit(X, Y)


def test_a_profile_trusts_only_its_own_library() -> None:
    data = skseal.dumps(_xgb(), trusted=["xgboost"])
    with pytest.raises(UntrustedTypeError, match=r'trusted=\["xgboost"\]') as e:
        skseal.loads(data, trusted=["lightgbm", "catboost", "imblearn"])
    assert "xgboost.core.Booster" in str(e.value)
    assert skseal.loads(data, trusted=["xgboost"]).predict(X).tolist() == \
        _xgb().predict(X).tolist()


def test_gadgets_stay_refused_with_every_profile(tmp_path: Path) -> None:
    evil = b"cos\nsystem\n(S'echo pwned > " + str(tmp_path / "canary").encode() + b"'\ntR."
    for load in (lambda: skseal.loads(evil, trusted=PROFILES),
                 lambda: skseal.untrusted_types(evil, trusted=PROFILES)):
        try:
            out = load()
        except UntrustedTypeError as e:
            assert "never allowed" in str(e)
        else:
            assert out == ["os.system"] or "os.system" in str(out)
    assert not (tmp_path / "canary").exists()


def test_an_installed_version_outside_the_range_is_refused(monkeypatch: Any) -> None:
    import lightgbm

    data = skseal.dumps(_lgbm(), trusted=["lightgbm"])
    monkeypatch.setattr(lightgbm, "__version__", "3.3.5")
    with pytest.raises(ValueError, match=r"vetted for lightgbm >=4\.0,<5.*3\.3\.5"):
        skseal.loads(data, trusted=["lightgbm"])


@contextlib.contextmanager
def canary(cls: type) -> Iterator[list[Any]]:
    """Record every call of ``cls.__setstate__`` (the library's own parser)."""
    calls: list[Any] = []
    orig = cls.__dict__.get("__setstate__")

    def spy(self: Any, state: Any) -> None:
        calls.append(state)
        if orig is not None:
            orig(self, state)
        else:
            self.__dict__.update(state)

    cls.__setstate__ = spy  # type: ignore[attr-defined]
    try:
        yield calls
    finally:
        if orig is None:
            del cls.__setstate__  # type: ignore[attr-defined]
        else:
            cls.__setstate__ = orig  # type: ignore[attr-defined]


@contextlib.contextmanager
def payload(cls: type, key: str, value: Any) -> Iterator[None]:
    """Make pickle write ``value`` as ``key`` of ``cls``'s state."""
    orig = cls.__getstate__

    def patched(self: Any) -> dict[str, Any]:
        return {**orig(self), key: value}

    cls.__getstate__ = patched  # type: ignore[method-assign]
    try:
        yield
    finally:
        cls.__getstate__ = orig  # type: ignore[method-assign]


def refused_everywhere(model: Any, cls: type, profile: str, where: str,
                       tmp_path: Path) -> None:
    """Every load path refuses the model with a ValidationError naming
    ``where``, and the library's own parser never runs."""
    raw = pickle.dumps(model, protocol=5)  # writes the file; nothing is unpickled
    (tmp_path / "m.pkl").write_bytes(raw)
    paths: dict[str, Callable[[], Any]] = {
        "loads": lambda: skseal.loads(raw, trusted=[profile]),
        "load file": lambda: skseal.load(tmp_path / "m.pkl", trusted=[profile]),
        "convert": lambda: skseal.convert(tmp_path / "m.pkl", tmp_path / "m.skseal",
                                          trusted=[profile]),
        "native": lambda: skseal.native.loads(raw, trusted=[profile]),
    }
    with canary(cls) as calls:
        for path, load in paths.items():
            with pytest.raises(ValidationError) as e:
                load()
            assert where in str(e.value), (path, str(e.value))
            assert "refused before" in str(e.value), (path, str(e.value))
    assert calls == []
    assert not (tmp_path / "m.skseal").exists()


def test_catboost_blobs_are_framed_before_catboost_reads_them(tmp_path: Path) -> None:
    import catboost

    m = _cat()
    good = m._serialize_model()
    cases = {
        "not CBM": (b"XBM1" + good[4:], "byte 0"),
        "core size past the end": (good[:4] + (len(good)).to_bytes(4, "little") + good[8:],
                                   "core size"),
        "truncated": (good[:6], "byte 4"),
        "root table outside the core": (good[:8] + (10**6).to_bytes(4, "little") + good[12:],
                                        "root offset"),
    }
    for _name, (blob, where) in cases.items():
        with payload(catboost.core.CatBoost, "__model", blob):
            refused_everywhere(m, catboost.core.CatBoost, "catboost", where, tmp_path)
    # a key CatBoost's __setstate__ would pass on as a parameter
    with payload(catboost.core.CatBoost, "train_dir_x", "/tmp"):
        refused_everywhere(m, catboost.core.CatBoost, "catboost", "train_dir_x", tmp_path)
    # and the real blob loads, with CatBoost's own answers
    got = skseal.loads(skseal.dumps(m, trusted=["catboost"]), trusted=["catboost"])
    assert np.array_equal(got.predict_proba(X), m.predict_proba(X))


def test_metadata_names_the_profiled_library_version(tmp_path: Path) -> None:
    import catboost

    skseal.dump(_cat(), tmp_path / "m.skseal", trusted=["catboost"])
    env = skseal.inspect(tmp_path / "m.skseal")["metadata"]["environment"]
    assert env["catboost"] == catboost.__version__
    assert "lightgbm" not in env


def _edit_tree0(text: str, key: str, value: str) -> str:
    """Replace ``key=...`` in the first tree of a LightGBM model text."""
    head, tree0 = text.split("Tree=0\n", 1)
    lines = tree0.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(key + "="):
            lines[i] = f"{key}={value}"
            break
    else:
        raise AssertionError(f"no {key} in tree 0")
    return head + "Tree=0\n" + "\n".join(lines)


def test_lightgbm_text_is_checked_before_lightgbm_reads_it(tmp_path: Path) -> None:
    import lightgbm

    m = _lgbm()
    text = m.booster_.model_to_string()
    tree0 = text.split("Tree=0\n", 1)[1].split("\n\n", 1)[0]
    left = next(v for v in tree0.split("\n") if v.startswith("left_child=")).split("=")[1]
    n_internal = len(left.split())
    cases = {
        "child out of range": (_edit_tree0(text, "left_child", " ".join(
            ["7"] + left.split()[1:])), "Tree=0, left_child[0]"),
        "a cycle back to the root": (_edit_tree0(text, "left_child", " ".join(
            left.split()[:-1] + ["0"])), "Tree=0"),
        "a short child array (LightGBM pads it with zeros: a cycle)": (
            _edit_tree0(text, "left_child", " ".join(left.split()[:-1])), "Tree=0"),
        "feature out of range": (_edit_tree0(text, "split_feature", " ".join(
            ["99"] * n_internal)), "split_feature"),
        "bad decision type": (_edit_tree0(text, "decision_type", " ".join(
            ["12"] * n_internal)), "decision_type"),
        "a billion leaves": (_edit_tree0(text, "num_leaves", "1000000000"), "num_leaves"),
        "truncated": (text[: len(text) // 3], "Tree="),
        "no tree header": (text.replace("tree\n", "", 1), "line 1"),
    }
    for _name, (bad, where) in cases.items():
        with payload(lightgbm.basic.Booster, "_handle", bad):
            refused_everywhere(m, lightgbm.basic.Booster, "lightgbm", where, tmp_path)
    got = skseal.loads(skseal.dumps(m, trusted=["lightgbm"]), trusted=["lightgbm"])
    assert np.array_equal(got.predict_proba(X), m.predict_proba(X))


def _ubj_set_first(raw: bytes, key: bytes, value: int) -> bytes:
    """Set the first element of the int32 typed array after ``key``."""
    i = raw.index(key) + len(key)
    assert raw[i:i + 5] == b"[$l#L", raw[i:i + 16]
    at = i + 5 + 8
    return raw[:at] + value.to_bytes(4, "big", signed=True) + raw[at + 4:]


def test_xgboost_payloads_are_checked_before_xgboost_reads_them(tmp_path: Path) -> None:
    import xgboost

    m = _xgb()
    raw = bytes(m.get_booster().__getstate__()["handle"])
    cases = {
        "truncated": (raw[: len(raw) // 2], "byte"),
        "child out of range": (_ubj_set_first(raw, b"left_children", 10**6), "left_children"),
        "feature out of range": (_ubj_set_first(raw, b"split_indices", 10**6), "split_indices"),
        "a cycle back to the root": (_ubj_set_first(raw, b"left_children", 0), "trees[0]"),
        "not UBJSON": (b"binf" + raw[4:], "byte 0"),
    }
    for _name, (blob, where) in cases.items():
        with payload(xgboost.core.Booster, "handle", bytearray(blob)):
            refused_everywhere(m, xgboost.core.Booster, "xgboost", where, tmp_path)
    got = skseal.loads(skseal.dumps(m, trusted=["xgboost"]), trusted=["xgboost"])
    assert np.array_equal(got.predict_proba(X), m.predict_proba(X))


def _ubj_set(raw: bytes, key: bytes, value: int, index: int = 0) -> bytes:
    """Set element ``index`` of the int32 or int64 typed array under ``key``
    (the first such key)."""
    i = raw.index(b"L" + len(key).to_bytes(8, "big") + key + b"[$")
    i += 1 + 8 + len(key)
    width = {b"l": 4, b"L": 8}[raw[i + 2:i + 3]]
    count = int.from_bytes(raw[i + 5:i + 13], "big")
    assert index < count, (key, count)
    at = i + 13 + index * width
    return raw[:at] + value.to_bytes(width, "big", signed=True) + raw[at + width:]


def test_xgboost_categorical_fields_are_checked(tmp_path: Path) -> None:
    """A model fitted on a pandas category column (enable_categorical): the
    trees' categorical segments, sizes, nodes and categories, and the
    category encoder's offsets, refused out of range with the place named,
    before XGBoost reads them."""
    import pandas as pd
    import xgboost

    # the category column first: its encoder entry is the first `offsets`
    df = pd.DataFrame({"c": pd.Categorical(
        [f"c{i}" for i in np.random.default_rng(1).integers(0, 10, len(X))]), "a": X[:, 0]})
    y = (df["c"].cat.codes % 3 == 0).astype(int)
    m = xgboost.XGBClassifier(n_estimators=3, max_depth=2, n_jobs=1, enable_categorical=True,
                              tree_method="hist", max_cat_to_onehot=1).fit(df, y)
    raw = bytes(m.get_booster().__getstate__()["handle"])
    cases = {
        "segment out of range": (_ubj_set(raw, b"categories_segments", 10**6),
                                 "trees[0].categories_segments[0]"),
        "negative segment": (_ubj_set(raw, b"categories_segments", -1),
                             "trees[0].categories_segments[0]"),
        "size past the categories": (_ubj_set(raw, b"categories_sizes", 10**6),
                                     "trees[0].categories_sizes[0]"),
        "empty size": (_ubj_set(raw, b"categories_sizes", 0), "trees[0].categories_sizes[0]"),
        "node out of range": (_ubj_set(raw, b"categories_nodes", 10**6),
                              "trees[0].categories_nodes[0]"),
        "negative category": (_ubj_set(raw, b"categories", -1), "trees[0].categories[0]"),
        "category past 2^24": (_ubj_set(raw, b"categories", 1 << 24), "trees[0].categories"),
        "encoder offsets out of range": (_ubj_set(raw, b"offsets", 10**6, 1), "offsets"),
    }
    for _name, (blob, where) in cases.items():
        with payload(xgboost.core.Booster, "handle", bytearray(blob)):
            refused_everywhere(m, xgboost.core.Booster, "xgboost", where, tmp_path)
    got = skseal.loads(skseal.dumps(m, trusted=["xgboost"]), trusted=["xgboost"])
    assert np.array_equal(got.predict_proba(df), m.predict_proba(df))


def _ctr_model() -> Any:
    import catboost
    import pandas as pd

    df = pd.DataFrame(X, columns=list("abcde"))
    df["city"] = [f"c{2 * y + i % 3}" for i, y in enumerate(Y)]
    return catboost.CatBoostClassifier(iterations=20, depth=2, verbose=0,
                                       allow_writing_files=False, thread_count=1,
                                       cat_features=["city"]).fit(df, Y), df


def test_native_inference_refuses_profile_models_by_name() -> None:
    """What native inference does not compute of a profile's models (here a
    CatBoost model with text features) is refused by name; a model with CTR
    categorical features is computed."""
    import catboost
    import pandas as pd

    df = pd.DataFrame({"a": X[:, 0], "t": [("good", "bad film", "fine")[i % 3] for i in
                                           range(len(Y))]})
    m = catboost.CatBoostClassifier(iterations=5, verbose=0, allow_writing_files=False,
                                    thread_count=1, text_features=["t"]).fit(df, Y)
    data = skseal.dumps(m, trusted=["catboost"])
    with pytest.raises(UnsupportedModelError, match="CatBoostClassifier with text"):
        skseal.native.loads(data, trusted=["catboost"])
    ctr, cdf = _ctr_model()
    native = skseal.native.loads(skseal.dumps(ctr, trusted=["catboost"]), trusted=["catboost"])
    assert np.array_equal(native.predict_proba(cdf), ctr.predict_proba(cdf))


def test_catboost_ctr_tables_are_checked_before_catboost_reads_them(tmp_path: Path) -> None:
    """The CTR value tables after the model core: counts bounded by the bytes
    present, cut tables, refused with the place named on every load path."""
    import catboost

    m, df = _ctr_model()
    good = m._serialize_model()
    start = 8 + int.from_bytes(good[4:8], "little")
    cases = {
        "table count": (good[:start] + (10**6).to_bytes(4, "little") + good[start + 4:],
                        "CtrData"),
        "table size": (good[:start + 4] + (2**31 - 1).to_bytes(4, "little") + good[start + 8:],
                       "CtrData table 0"),
        "cut table": (good[:-9], "CtrData table"),
        "no tables": (good[:start] + (0).to_bytes(4, "little"), "CtrFeatures[0]"),
    }
    for _name, (blob, where) in cases.items():
        with payload(catboost.core.CatBoost, "__model", blob):
            refused_everywhere(m, catboost.core.CatBoost, "catboost", where, tmp_path)
    got = skseal.loads(skseal.dumps(m, trusted=["catboost"]), trusted=["catboost"])
    assert np.array_equal(got.predict_proba(df), m.predict_proba(df))


def test_cli_trust_takes_profiles(cli: Path, tmp_path: Path) -> None:
    joblib.dump(_cat(), tmp_path / "m.joblib")
    r = subprocess.run([str(cli), "convert", str(tmp_path / "m.joblib"),
                        str(tmp_path / "m.skseal")], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "--trust catboost" in r.stderr, r.stderr
    r = subprocess.run([str(cli), "convert", str(tmp_path / "m.joblib"),
                        str(tmp_path / "m.skseal"), "--trust", "catboost"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(cli), "scan", "--json", "--trust", "catboost",
                        str(tmp_path / "m.joblib")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    verdicts = {g["name"]: g["verdict"] for f in json.loads(r.stdout)["files"]
                for g in f["globals"]}
    assert verdicts["catboost.core.CatBoostClassifier"] == "trusted"
    for bad in ("catboost.*", "catboostx", "catboost.core"):
        r = subprocess.run([str(cli), "scan", "--trust", bad, str(tmp_path / "m.joblib")],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 2 and "lightgbm, xgboost" in r.stderr, (bad, r.stderr)


def agreement(y_true: Any, y_pred: Any) -> float:
    """A user's scorer, defined at module level."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def test_errors_give_the_way_out_for_searches_and_main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import make_scorer
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(LogisticRegression(), {"C": [0.5, 1.0]}, cv=2,
                          scoring=make_scorer(agreement)).fit(X, Y)
    with pytest.raises(UnsupportedObjectError, match="save search.best_estimator_"):
        skseal.dumps(search)
    skseal.loads(skseal.dumps(search.best_estimator_))
    # a function of __main__ exists only in its script
    code = ("import numpy as np, skseal\n"
            "from sklearn.preprocessing import FunctionTransformer\n"
            "def f(x):\n    return x\n"
            "try:\n    skseal.dumps(FunctionTransformer(f).fit(np.ones((3, 2))))\n"
            "except Exception as e:\n    print(e)\n")
    r = subprocess.run([str(ROOT / ".venv/bin/python"), "-c", code], capture_output=True,
                       text=True, timeout=120)
    assert "__main__.f" in r.stdout and "move it to a module" in r.stdout, r.stdout + r.stderr
