"""One normalisation of ``trusted=`` for every entry point (dump, dumps,
load, loads, untrusted_types, convert, skseal.native.load/loads)."""

from __future__ import annotations

from typing import Any

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
    if "." not in name or name.startswith(".") or name.endswith(".") or ".." in name:
        raise ValueError(
            f"trusted= entry {x!r} is not an exact dotted name (module.qualname). "
            "skseal never trusts a whole module or package (library profiles do not "
            "exist yet): name each class or function exactly, as untrusted_types() "
            f"or the error lists them, e.g. {_LIST_FORM}"
        )
    return name


def normalize_trusted(trusted: Any) -> list[str]:
    """``trusted`` as a list of exact ``module.qualname`` strings.

    Accepts a list (or other iterable) of dotted names and classes (a class
    becomes its exact ``module.qualname``). A bare string, ``True`` and
    names without a dot are refused with an explanation.
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
