"""Generate the library profiles of the Rust policy.

Writes ``crates/skseal-core/src/policy/profiles/<name>.tsv``: the exact
(module, qualname, role) list that ``trusted=["<name>"]`` (CLI ``--trust
<name>``) adds to the default allow-list, with a header of ``#@ key value``
lines (package, import module, vetted version range, the versions the list
was generated from, what skseal checks before the library's own code runs).

A profile lists the concrete estimator classes each library defines (the
subclasses of scikit-learn's ``BaseEstimator``, or of ``catboost.CatBoost``,
defined in the library's own modules, public names only), plus the few
non-estimator classes their fitted state holds (``lightgbm.basic.Booster``,
``xgboost.core.Booster``). Every name is what pickle itself writes for the
class (``__module__`` + ``__qualname__``, checked by pickling the class).
Nothing is unpickled. Test modules and modules that do not import without
optional extras are skipped.

Run (from the repository root)::

    .venv/bin/python scripts/gen_profiles.py          # regenerate
    .venv/bin/python scripts/gen_profiles.py --check  # fail if out of date
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pickle
import pickletools
import pkgutil
import platform
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

warnings.simplefilter("ignore")

import sklearn  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "crates/skseal-core/src/policy/profiles"


@dataclass
class Spec:
    """One profile: which package, which version range, what it adds."""

    name: str
    package: str  # the distribution's pip name
    module: str  # its import name
    versions: str  # the vetted range
    checks: str  # what skseal validates before the library's code runs
    base: str = "sklearn.base.BaseEstimator"
    extras: list[tuple[str, str, str]] = field(default_factory=list)
    # more `#@ key value` header lines, computed from the library
    meta: dict[str, str] = field(default_factory=dict)


def catboost_state_keys() -> str:
    """The keys CatBoost's ``__setstate__`` may receive: its constructors'
    parameters and what its ``__getstate__`` adds."""
    import catboost

    keys = {"__model", "_test_evals", "_test_eval", "_prediction_values_change",
            "_loss_value_change"}
    for cls in (catboost.CatBoost, catboost.CatBoostClassifier, catboost.CatBoostRegressor,
                catboost.CatBoostRanker):
        keys |= {p for p in inspect.signature(cls.__init__).parameters if p != "self"}
    return " ".join(sorted(keys))


SPECS = [
    Spec(
        "catboost", "catboost", "catboost", ">=1.2,<1.3",
        "CatBoost's model blob (state '__model'): the CBM1 framing (magic, the "
        "flatbuffer's declared size within the blob); state keys limited to "
        "CatBoost's constructor parameters and the keys its __getstate__ writes. "
        "The flatbuffer's content is parsed by CatBoost's own code.",
        base="catboost.core.CatBoost",
    ),
    Spec(
        "category_encoders", "category_encoders", "category_encoders", ">=2.8,<3",
        "pure-Python encoders: their fitted state is ordinary values, checked by "
        "skseal's default rules (pandas values need their own support).",
    ),
    Spec(
        "feature_engine", "feature_engine", "feature_engine", ">=1.9,<2",
        "pure-Python transformers: their fitted state is ordinary values, checked "
        "by skseal's default rules.",
    ),
    Spec(
        "imblearn", "imbalanced-learn", "imblearn", ">=0.13,<0.15",
        "samplers, pipelines and ensembles built on scikit-learn: the trees and "
        "neighbours they hold are checked by skseal's scikit-learn validators, "
        "their trees' widths against the ensemble's input width.",
    ),
    Spec(
        "lightgbm", "lightgbm", "lightgbm", ">=4.0,<5",
        "LightGBM's model text (Booster state '_handle'), parsed in Rust before "
        "LightGBM's parser sees it: header keys, counts against the text's size, "
        "every child index, a proper tree from the root, split features within "
        "max_feature_idx, decision types, categorical bitset bounds.",
        extras=[("lightgbm.basic", "Booster", "class")],
    ),
    Spec(
        "xgboost", "xgboost", "xgboost", ">=3.0,<4",
        "XGBoost's serialized booster (Booster state 'handle', UBJSON or JSON), "
        "parsed in Rust before XGBoost sees it: declared sizes against the "
        "buffer, nesting depth, tree counts, every child index, a proper tree "
        "from the root, split features within num_feature, per-node array "
        "lengths, categorical segments.",
        extras=[("xgboost.core", "Booster", "class")],
    ),
]


def pickled_name(obj: type) -> tuple[str, str]:
    """The (module, qualname) pickle writes for a class."""
    data = pickle.dumps(obj, protocol=5)
    strings = [arg for op, arg, _ in pickletools.genops(data) if isinstance(arg, str)]
    ops = [op.name for op, _, _ in pickletools.genops(data)]
    if "STACK_GLOBAL" not in ops or len(strings) != 2:
        raise ValueError(f"{obj!r} does not pickle as one plain global: {ops}")
    return strings[0], strings[1]


def resolve(dotted: str) -> type:
    mod, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(mod), name)


SKIPPED_PARTS = ("tests", "test", "testing", "conftest")


def module_names(prefix: str, path: list[str]) -> list[str]:
    """Every module under a package, without importing test packages."""
    out = [prefix]
    for info in sorted(pkgutil.iter_modules(path), key=lambda i: i.name):
        name = info.name
        if name in SKIPPED_PARTS or name.startswith("test_"):
            continue
        full = f"{prefix}.{name}"
        if info.ispkg:
            sub = [str(Path(info.module_finder.path) / name)]  # type: ignore[attr-defined]
            out += module_names(full, sub)
        else:
            out.append(full)
    return out


def walk(spec: Spec) -> tuple[dict[tuple[str, str], str], str]:
    pkg = importlib.import_module(spec.module)
    base = resolve(spec.base)
    found: dict[tuple[str, str], str] = {}
    for modname in module_names(spec.module, list(pkg.__path__)):
        try:
            mod = importlib.import_module(modname)
        except BaseException:  # noqa: BLE001 - optional extras (keras, dask, ...), skips
            continue
        for _, cls in inspect.getmembers(mod, inspect.isclass):
            if cls.__module__ != modname or not issubclass(cls, base):
                continue
            if cls.__qualname__.startswith("_") or "<" in cls.__qualname__:
                continue
            if inspect.isabstract(cls):
                continue
            found[pickled_name(cls)] = "class"
    for m, n, role in spec.extras:
        cls = resolve(f"{m}.{n}")
        if pickled_name(cls) != (m, n):
            raise ValueError(f"{m}.{n} pickles as {pickled_name(cls)}")
        found[(m, n)] = role
    return found, getattr(pkg, "__version__", "?")


def render(spec: Spec) -> str:
    found, version = walk(spec)
    lines = [
        f"# Library profile {spec.name!r}: trusted=[\"{spec.name}\"] / --trust {spec.name}.",
        "# GENERATED by scripts/gen_profiles.py - do not edit by hand; regenerate with",
        "#   .venv/bin/python scripts/gen_profiles.py",
        "# module<TAB>qualname<TAB>roles, as in allowlist.tsv.",
        f"#@ package {spec.package}",
        f"#@ module {spec.module}",
        f"#@ versions {spec.versions}",
        f"#@ generated {spec.module} {version}, scikit-learn {sklearn.__version__} "
        f"(Python {platform.python_version()})",
        f"#@ checks {spec.checks}",
    ]
    if spec.name == "catboost":
        lines.append(f"#@ state_keys {catboost_state_keys()}")
    for (m, n), role in sorted(found.items()):
        lines.append(f"{m}\t{n}\t{role}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a profile is not up to date")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    stale = []
    for spec in SPECS:
        text = render(spec)
        path = OUT / f"{spec.name}.tsv"
        if args.check:
            old = path.read_text() if path.exists() else ""
            # the Python patch version in the header is not part of the list
            if old.split("#@ checks", 1)[-1] != text.split("#@ checks", 1)[-1]:
                stale.append(path.name)
        else:
            path.write_text(text)
            print(f"{path.relative_to(ROOT)}: {text.count(chr(10)) - 9} names")
    if stale:
        print("out of date (run scripts/gen_profiles.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
