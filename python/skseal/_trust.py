"""One normalisation of ``trusted=`` for every entry point (dump, dumps,
load, loads, untrusted_types, convert, skseal.native.load/loads)."""

from __future__ import annotations

import importlib
import sys
from typing import Any

from . import _native

_LIST_FORM = 'trusted=["xgboost.sklearn.XGBClassifier"]'


def _entry(x: Any) -> str:
    if isinstance(x, type):
        return f"{x.__module__}.{x.__qualname__}"
    if not isinstance(x, str):
        raise TypeError(
            f"trusted= entries must be dotted names (str) or classes, got "
            f"{type(x).__name__} {x!r}; for example {_LIST_FORM}"
        )
    name = x.strip()
    why = _native.check_trust_entry(name)
    if why is not None:
        raise ValueError(f"{why}; for example {_LIST_FORM} or trusted=[\"xgboost\"]")
    return name


def profiles() -> dict[str, dict[str, Any]]:
    """The library profiles ``trusted=`` accepts by name, with what each covers.

    Each value has ``package`` (pip name), ``module`` (import name),
    ``versions`` (the range vetted), ``generated`` (the versions its list was
    generated from), ``checks`` (what skseal validates before the library's
    own code runs) and ``names`` (how many classes it trusts).
    """
    return {
        name: {"package": pkg, "module": mod, "versions": ver, "generated": gen,
               "checks": checks, "names": n}
        for name, pkg, mod, ver, gen, checks, n in _native.profiles()
    }


def _version_tuple(v: str) -> tuple[int, ...]:
    out = []
    for part in v.split("."):
        digits = ""
        for ch in part:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        out.append(int(digits))
    return tuple(out)


def _in_range(version: str, spec: str) -> bool:
    v = _version_tuple(version)
    for clause in spec.split(","):
        clause = clause.strip()
        if clause.startswith(">="):
            if v < _version_tuple(clause[2:]):
                return False
        elif clause.startswith("<"):
            if v >= _version_tuple(clause[1:]):
                return False
    return True


def check_profile_versions(trusted: list[str]) -> None:
    """Refuse a named profile whose library is installed in a version outside
    the range the profile was vetted for (its classes would be built by code
    skseal has not checked against). A library that is not installed is left
    alone: building its objects fails later with the import error."""
    known = profiles()
    for name in trusted:
        p = known.get(name)
        if p is None:
            continue
        mod = sys.modules.get(p["module"])
        if mod is None:
            try:
                mod = importlib.import_module(p["module"])
            except ImportError:
                continue
        version = str(getattr(mod, "__version__", ""))
        if version and not _in_range(version, p["versions"]):
            raise ValueError(
                f"the {name!r} profile is vetted for {p['package']} {p['versions']} "
                f"(generated from {p['generated']}); {p['module']} {version} is installed. "
                f"Install a vetted version, or trust the exact names the file needs "
                f"(skseal.untrusted_types(file) lists them) if you have reviewed them"
            )


def normalize_trusted(trusted: Any) -> list[str]:
    """``trusted`` as a list of exact ``module.qualname`` strings.

    Accepts a list (or other iterable) of dotted names, library profile names
    (``"lightgbm"``, see :func:`profiles`) and classes (a class becomes its
    exact ``module.qualname``). A bare string, ``True``, and names that are
    neither dotted nor a profile are refused with an explanation.
    """
    if trusted is None:
        return []
    if isinstance(trusted, bool):
        raise TypeError(
            f"trusted={trusted!r} is not accepted: there is no blanket trust. Trusting "
            "everything would let a file run any code it names, which is what pickle "
            "does and what skseal exists to prevent. List the exact names to trust, "
            f"e.g. {_LIST_FORM} (skseal.untrusted_types(file) lists what a file needs)"
        )
    if isinstance(trusted, (str, bytes)):
        shown = trusted if isinstance(trusted, str) else trusted.decode("utf-8", "replace")
        raise TypeError(
            f"trusted= must be a list of names, not a bare string: write "
            f'trusted=["{shown}"] (for example {_LIST_FORM})'
        )
    if isinstance(trusted, type):
        return [_entry(trusted)]
    try:
        items = list(trusted)
    except TypeError:
        raise TypeError(
            f"trusted= must be a list of dotted names or classes, got "
            f"{type(trusted).__name__}; for example {_LIST_FORM}"
        ) from None
    return [_entry(x) for x in items]
