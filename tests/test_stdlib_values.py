"""Standard-library values load with default trust (issue 14): the
`collections` containers, the `datetime` types, `Decimal`, `Fraction` and
`UUID`, as skseal files, as pickles of every protocol, inside joblib bundles
and through `skseal convert`; and each is built only from the arguments its
own pickle writes (hostile variants below are refused, never built).

Hostile pickles are made with `__reduce__` and only read by skseal: nothing
here unpickles them.
"""

from __future__ import annotations

import collections
import copyreg
import datetime as dt
import decimal
import fractions
import io
import pickle
import subprocess
import uuid
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import skseal
from skseal.errors import SkSealError, UntrustedTypeError

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / "target" / "debug" / "skseal"

TZ = dt.timezone(dt.timedelta(hours=-3, minutes=-30), "NST")
VALUES: dict[str, Any] = {
    "defaultdict(list)": collections.defaultdict(list, {"a": [1, 2], "b": []}),
    "defaultdict(None)": collections.defaultdict(None, {1: "x"}),
    "defaultdict(OrderedDict)": collections.defaultdict(
        collections.OrderedDict, {"k": collections.OrderedDict(z=1, a=2)}),
    "defaultdict(int) empty": collections.defaultdict(int),
    "nested defaultdict": collections.defaultdict(dict, {"m": {"n": collections.defaultdict(set)}}),
    "deque": collections.deque([1, "two", 3.0]),
    "deque maxlen": collections.deque([1, 2, 3], maxlen=3),
    "deque empty maxlen": collections.deque(maxlen=0),
    "Counter": collections.Counter("abracadabra"),
    "OrderedDict": collections.OrderedDict(b=1, a=2),
    "datetime": dt.datetime(2026, 12, 3, 23, 59, 58, 999_999),
    "datetime utc": dt.datetime(2024, 2, 29, 1, 2, 3, tzinfo=dt.UTC),
    "datetime named tz": dt.datetime(1999, 12, 31, 12, 0, tzinfo=TZ),
    "datetime fold": dt.datetime(2026, 11, 1, 1, 30, fold=1),
    "date": dt.date(1, 1, 1),
    "time": dt.time(13, 14, 15, 16, tzinfo=dt.UTC),
    "time fold": dt.time(1, 30, fold=1),
    "timedelta": dt.timedelta(days=-3, seconds=5, microseconds=7),
    "Decimal": decimal.Decimal("-1234.5678E-3"),
    "Decimal nan": decimal.Decimal("sNaN"),
    "Fraction": fractions.Fraction(-22, 7),
    "UUID": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "UUID max": uuid.UUID(int=2**128 - 1),
}


def same(a: Any, b: Any) -> bool:
    """Equal, of the same type, with the same hidden parts (factory, maxlen,
    tzinfo, fold)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, collections.defaultdict) and a.default_factory is not b.default_factory:
        return False
    if isinstance(a, collections.deque) and a.maxlen != b.maxlen:
        return False
    if isinstance(a, (dt.datetime, dt.time)) and (a.tzinfo != b.tzinfo or a.fold != b.fold):
        return False
    if isinstance(a, decimal.Decimal) and a.is_nan():
        return b.is_nan() and str(a) == str(b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


@pytest.mark.parametrize("name", list(VALUES))
def test_skseal_files_round_trip_with_default_trust(name: str) -> None:
    v = VALUES[name]
    buf = io.BytesIO()
    skseal.dump({"value": v}, buf)
    got = skseal.load(io.BytesIO(buf.getvalue()))["value"]
    assert same(v, got), (v, got)


@pytest.mark.parametrize("protocol", range(0, pickle.HIGHEST_PROTOCOL + 1))
def test_pickles_of_every_protocol_load_as_pickle_builds_them(protocol: int,
                                                              tmp_path: Path) -> None:
    p = tmp_path / "v.pkl"
    data = pickle.dumps(VALUES, protocol=protocol)
    p.write_bytes(data)
    assert skseal.untrusted_types(p) == []
    got = skseal.load(p)
    # our own values, not a hostile file: pickle says what the stream means
    # (e.g. protocols below 4 do not record a datetime's fold)
    want = pickle.loads(data)
    for name in VALUES:
        assert same(want[name], got[name]), (protocol, name, want[name], got[name])


def test_a_bundle_with_a_training_date_loads_and_converts(tmp_path: Path) -> None:
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10) % 2
    bundle = {"model": LogisticRegression().fit(X, y),
              "trained_at": dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC),
              "run_id": uuid.UUID(int=42), "counts": collections.Counter(y.tolist()),
              "history": collections.defaultdict(list, {"loss": [0.5, 0.25]})}
    joblib.dump(bundle, tmp_path / "bundle.joblib")
    got = skseal.load(tmp_path / "bundle.joblib")
    assert same(bundle["trained_at"], got["trained_at"])
    assert same(bundle["history"], got["history"]) and got["run_id"] == uuid.UUID(int=42)
    np.testing.assert_array_equal(got["model"].predict_proba(X), bundle["model"].predict_proba(X))
    r = subprocess.run([str(CLI), "convert", str(tmp_path / "bundle.joblib"),
                        str(tmp_path / "bundle.skseal")], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    again = skseal.load(tmp_path / "bundle.skseal")
    assert same(bundle["counts"], again["counts"]) and same(bundle["history"], again["history"])


class Reduce:
    """Pickles as the given reduce tuple (hostile files, read by skseal only)."""

    def __init__(self, *parts: Any) -> None:
        self.parts = parts

    def __reduce__(self) -> Any:
        return self.parts


def uuid_state(state: dict[str, Any]) -> Reduce:
    """A UUID made as pickle makes one (``cls.__new__`` + BUILD) with ``state``."""
    return Reduce(copyreg._reconstructor, (uuid.UUID, object, None), state)


def _refused(obj: Any, match: str) -> None:
    data = pickle.dumps(obj, protocol=5)
    # the VM (FormatError), the policy (UntrustedTypeError) or a validator
    # (ValidationError) refuses, each before anything is built
    with pytest.raises(SkSealError, match=match):
        skseal.load(io.BytesIO(data))


HOSTILE = {
    "defaultdict factory a numpy function": (
        Reduce(collections.defaultdict, (np.absolute,), None, None, iter([("a", 1)])),
        "default factory must be None or one of"),
    "defaultdict factory a dangerous name": (
        Reduce(collections.defaultdict, (eval,), None, None, iter([("a", 1)])),
        "builtins.eval"),
    "defaultdict with extra arguments": (
        Reduce(collections.defaultdict, (list, {"x": 1}), None, None, iter([("a", 1)])),
        "SETITEMS on a defaultdict made with more than its default factory"),
    "deque made with items, then appended to": (
        Reduce(collections.deque, ([1, 2],), None, iter([3])),
        "APPENDS on a deque made with items"),
    "deque with a negative maxlen": (
        Reduce(collections.deque, ((), -1), None, iter([3])), "maxlen"),
    "Counter from a list": (Reduce(collections.Counter, (["a", "b"],)), "Counter takes one dict"),
    "datetime in month 13": (
        Reduce(dt.datetime, (bytes([7, 234, 13, 1, 0, 0, 0, 0, 0, 0]),)), "out of range"),
    "datetime on 30 February": (
        Reduce(dt.datetime, (bytes([7, 232, 2, 30, 0, 0, 0, 0, 0, 0]),)), "no such day"),
    "datetime at hour 24": (
        Reduce(dt.datetime, (bytes([7, 232, 2, 3, 24, 0, 0, 0, 0, 0]),)), "out of range"),
    "datetime from its fields": (Reduce(dt.datetime, (2026, 1, 2)), "packed bytes"),
    "datetime with another tzinfo": (
        Reduce(dt.datetime, (bytes([7, 232, 2, 3, 1, 0, 0, 0, 0, 0]),
                             collections.OrderedDict())), "tzinfo must be None"),
    "timezone offset not a timedelta": (Reduce(dt.timezone, (5,)), "offset must be"),
    "Fraction of floats": (Reduce(fractions.Fraction, (1.5, 2.0)), "Fraction takes"),
    "Fraction text with an exponent (10**exp would hang)": (
        Reduce(fractions.Fraction, ("1e999999999",)), "Fraction takes"),
    "Decimal of an int": (Reduce(decimal.Decimal, (3,)), "Decimal takes its text"),
    "UUID int out of range": (uuid_state({"int": 2**128}),
                              r"\[0, 2\*\*128\)"),
    "UUID negative int": (uuid_state({"int": -5}), "negative"),
    "UUID state with another key": (
        uuid_state({"int": 1, "node": 2}), "holds only"),
    "UUID state without int": (uuid_state({}), "no 'int'"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_variants_are_refused_before_anything_is_built(name: str) -> None:
    obj, match = HOSTILE[name]
    _refused(obj, match)


def test_other_uuid_module_names_stay_never_allowed() -> None:
    data = pickle.dumps(Reduce(uuid._get_command_stdout, ("true",)), protocol=5)  # type: ignore[attr-defined]
    with pytest.raises(UntrustedTypeError, match="never allowed"):
        skseal.load(io.BytesIO(data))
