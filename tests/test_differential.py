"""Differential run (issue 11): generated pickle/joblib files read by skseal
and, in a sandboxed worker whose find_class resolves only a canary, plain
containers and array reconstruction, by pickle/joblib. Bounded to 2,000 files
or 50 s; scripts/difftest.py runs the long version."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import difftest  # noqa: E402


def test_no_difference_with_pickle_and_joblib() -> None:
    res = difftest.run(files=2000, seconds=50, seed=11, keep=None)
    stats = res["stats"]
    assert stats["files"] >= 200, stats
    assert stats["reference_canary"] > 0 and stats["same_object"] > 0, stats
    assert stats["failures"] == 0, res["failures"][:3]
