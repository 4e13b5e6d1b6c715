"""Round-trip every zoo estimator through skseal and compare outputs bitwise.

Backend: ``skseal.dumps`` / ``skseal.loads`` with default trust.  Set
``SKSEAL_ZOO_BACKEND=pickle`` to run the same harness on plain pickle
(a baseline for the harness itself).

The zoo is fitted once per session; one test per case (ids = case names),
then ``test_zoo_summary`` (defined last, so it runs last) checks the pass
count.  ``conftest.py`` also prints the count in the terminal summary.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from zoo import ZooCase, fitted_zoo, outputs_equal, zoo_case_names

BACKEND_ENV = "SKSEAL_ZOO_BACKEND"
#: Expected number of cases with scikit-learn 1.9.1, and passes required.
TARGET_CASES = 228
TARGET_PASSES = 225
MAX_FAILURES = 3

pytestmark = pytest.mark.filterwarnings("ignore")

CASE_NAMES: list[str] = zoo_case_names()
#: case name -> None when the round-trip passed, else a short failure reason.
ZOO_RESULTS: dict[str, str | None] = {}
ZOO_INFO: dict[str, Any] = {"total": len(CASE_NAMES), "backend": None}


@dataclass
class Backend:
    name: str
    dumps: Callable[[Any], bytes] | None
    loads: Callable[[bytes], Any] | None
    error: str | None = None


def _make_backend() -> Backend:
    choice = os.environ.get(BACKEND_ENV, "skseal").strip().lower()
    if choice == "pickle":
        return Backend(
            "pickle",
            lambda obj: pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL),
            pickle.loads,
        )
    if choice != "skseal":
        return Backend(choice, None, None, f"unknown {BACKEND_ENV}={choice!r}")
    try:
        import skseal
    except ImportError as exc:
        return Backend("skseal", None, None, f"cannot import skseal: {exc}")
    dumps, loads = getattr(skseal, "dumps", None), getattr(skseal, "loads", None)
    if dumps is None or loads is None:
        return Backend("skseal", None, None, "skseal has no dumps/loads")
    # default trust: no ``trusted=`` argument
    return Backend("skseal", dumps, loads)


@pytest.fixture(scope="session")
def backend() -> Backend:
    b = _make_backend()
    ZOO_INFO["backend"] = b.name
    return b


@pytest.fixture(scope="session")
def zoo_by_name() -> dict[str, ZooCase]:
    return {case.name: case for case in fitted_zoo()}


def _roundtrip(case: ZooCase, backend: Backend) -> None:
    if not case.fitted:
        pytest.fail(f"estimator failed to fit: {case.skip_reason}")
    if backend.error is not None or backend.dumps is None or backend.loads is None:
        pytest.fail(backend.error or "no backend")
    est = case.estimator
    # expected outputs are taken before serialising (dumps must not mutate)
    expected = {m: getattr(est, m)(case.X) for m in case.methods}
    data = backend.dumps(est)
    assert isinstance(data, bytes), f"dumps returned {type(data).__name__}"
    restored = backend.loads(data)
    assert type(restored) is type(est), (
        f"loaded {type(restored).__qualname__}, expected {type(est).__qualname__}"
    )
    mismatches: list[str] = []
    for m in case.methods:
        try:
            got = getattr(restored, m)(case.X)
        except Exception as exc:  # noqa: BLE001 - reported per method
            mismatches.append(f"{m}: raises {type(exc).__name__}: {exc}")
            continue
        if not outputs_equal(expected[m], got):
            mismatches.append(f"{m}: output differs")
    assert not mismatches, "; ".join(mismatches)


@pytest.mark.parametrize("name", CASE_NAMES, ids=CASE_NAMES)
def test_zoo_roundtrip(
    name: str, zoo_by_name: dict[str, ZooCase], backend: Backend
) -> None:
    case = zoo_by_name.get(name)
    ZOO_RESULTS[name] = "running"
    try:
        if case is None:
            pytest.fail(f"case {name!r} missing from the fitted zoo")
        _roundtrip(case, backend)
    except BaseException as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        ZOO_RESULTS[name] = f"{type(exc).__name__}: {msg}"[:200]
        raise
    ZOO_RESULTS[name] = None


def zoo_summary_line() -> str | None:
    """``zoo round-trip: N/M passed`` or None when no case ran."""
    if not ZOO_RESULTS:
        return None
    passed = sum(1 for v in ZOO_RESULTS.values() if v is None)
    total = ZOO_INFO["total"]
    line = f"zoo round-trip: {passed}/{total} passed (backend: {ZOO_INFO['backend']})"
    if len(ZOO_RESULTS) != total:
        line += f" [{len(ZOO_RESULTS)} cases run]"
    return line


def test_zoo_summary() -> None:
    """Runs last (defined last): overall pass count against the target."""
    total = len(CASE_NAMES)
    if len(ZOO_RESULTS) != total:
        pytest.skip(f"only {len(ZOO_RESULTS)}/{total} zoo cases ran")
    passed = sum(1 for v in ZOO_RESULTS.values() if v is None)
    print(f"\n{zoo_summary_line()}")
    failed = sorted(k for k, v in ZOO_RESULTS.items() if v is not None)
    required = TARGET_PASSES if total == TARGET_CASES else total - MAX_FAILURES
    assert passed >= required, (
        f"zoo round-trip: {passed}/{total} passed, need {required}; "
        f"failed: {', '.join(failed)}"
    )
