"""docs/NATIVE.md's "Supported estimators" table and the native dispatcher
agree: every scikit-learn class the Rust code dispatches on by name is in
the table, and every scikit-learn class the table's classes column names is
dispatched (except the ones the table names as refused or not implemented).
The table's shorthands are expanded: ``DecisionTreeClassifier/Regressor``,
``RandomForest*``, ``MultiTaskLasso(CV)``, ``SelectFpr/Fwe/Fdr``."""

from __future__ import annotations

import re
from pathlib import Path

from sklearn.utils import all_estimators

ROOT = Path(__file__).resolve().parent.parent
NAMES = {n for n, _ in all_estimators()}


def _doc_classes() -> set[str]:
    doc = (ROOT / "docs" / "NATIVE.md").read_text()
    sec = doc[doc.index("## Supported estimators"):doc.index("## How bit-exactness is kept")]
    out: set[str] = set()
    for line in sec.splitlines():
        cells = line.split("|")
        if not line.startswith("|") or line.startswith("|---") or len(cells) < 3:
            continue
        cell = cells[2]
        # "X refused" / "X not implemented" name what is not served
        cell = re.sub(r"\b([A-Z]\w+)(?: \([^)]*\))? (?:refused|not implemented)", "", cell)
        for m in re.finditer(r"\b([A-Z][A-Za-z0-9]+)((?:/[A-Z][A-Za-z0-9]*)*)(\*|\(CV\))?", cell):
            head, alts, mark = m.group(1), m.group(2), m.group(3)
            words = {head}
            for alt in filter(None, alts.split("/")):
                if alt in NAMES:  # LinearSVC/LinearSVR
                    words.add(alt)
                    continue
                # DecisionTreeClassifier/Regressor, SelectFpr/Fwe/Fdr
                for k in range(len(head) - 1, 0, -1):
                    if head[k].isupper() and (head[:k] + alt) in NAMES:
                        words.add(head[:k] + alt)
                        break
            if mark == "*":
                words |= {n for n in NAMES if n.startswith(head)}
            if mark == "(CV)":
                words.add(head + "CV")
            out |= {w for w in words if w in NAMES}
    return out


def _dispatched() -> set[str]:
    code = "".join(p.read_text() for p in (ROOT / "crates/skseal-native/src").rglob("*.rs"))
    lits = set(re.findall(r'"([A-Z][A-Za-z0-9]+)"\s*(?:=>|\|)', code))
    lits |= set(re.findall(r'\|\s*"([A-Z][A-Za-z0-9]+)"', code))
    lits |= set(re.findall(r'name\(\) == "([A-Z][A-Za-z0-9]+)"', code))
    lits |= set(re.findall(r'name\(\) != "([A-Z][A-Za-z0-9]+)"', code))
    return {w for w in lits if w in NAMES}


def test_every_dispatched_class_is_documented() -> None:
    missing = _dispatched() - _doc_classes()
    # refused by name although dispatched (the table says so in its text)
    doc = (ROOT / "docs" / "NATIVE.md").read_text()
    missing = {m for m in missing if f"{m} refused" not in doc}
    assert not missing, f"dispatched but not in docs/NATIVE.md's table: {sorted(missing)}"


def test_every_documented_class_is_dispatched() -> None:
    extra = _doc_classes() - _dispatched()
    assert not extra, f"in docs/NATIVE.md's table but not dispatched: {sorted(extra)}"
