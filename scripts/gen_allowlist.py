"""Generate the default allow-list of the Rust policy.

Writes ``crates/skseal-core/src/policy/allowlist.tsv``: one line per global name,
``module<TAB>qualname<TAB>roles``, where roles is a comma-separated subset of

* ``class``     - may be instantiated as ``cls.__new__(cls)`` + ``__setstate__`` /
  ``__dict__`` update; may also be held as a value.  Only the Cython classes of
  ``sklearn._loss._loss`` and ``sklearn.linear_model._sgd_fast`` (whose
  ``__reduce__`` is ``(cls, (1.5,))``) may also be *called*, with primitive
  arguments only (``CALLABLE_CLASS_MODULES`` in policy/mod.rs);
* ``dictclass`` - a ``dict`` subclass that may receive items;
* ``reference`` - may only be held as a value (functions, ufuncs, scalar types).
  An estimator may later *call* a reference with user data, so references are
  pure computations only.

Every (module, qualname) is what ``pickle`` itself writes: each candidate is
pickled with protocol 5 and the ``GLOBAL`` / ``STACK_GLOBAL`` name is read back
from the opcode stream with ``pickletools.genops``.  Nothing is ever unpickled.
A candidate whose stream is anything but one plain global (e.g. a
``REDUCE`` of a reconstructor) is refused and reported.

The constructors of ``policy/schema.rs`` (``numpy.random._pickle.*``,
``newObj``, ``__pyx_unpickle_*``, ...) and the helpers the VM lowers itself
(``numpy.dtype``, ``_reconstruct``, ``_frombuffer``, ``copyreg._reconstructor``,
...) are not part of this file.

Run (from the repository root)::

    .venv/bin/python scripts/gen_allowlist.py          # regenerate
    .venv/bin/python scripts/gen_allowlist.py --check  # fail if out of date
"""

from __future__ import annotations

import argparse
import builtins
import collections
import importlib
import inspect
import json
import pickle
import pickletools
import pkgutil
import platform
import re
import sys
import uuid
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Final, Literal

warnings.simplefilter("ignore")

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.interpolate  # noqa: E402
import scipy.sparse  # noqa: E402
import sklearn  # noqa: E402

ROOT: Final = Path(__file__).resolve().parent.parent
OUT_TSV: Final = ROOT / "crates" / "skseal-core" / "src" / "policy" / "allowlist.tsv"
POLICY_RS: Final = ROOT / "crates" / "skseal-core" / "src" / "policy" / "mod.rs"
SCHEMA_RS: Final = ROOT / "crates" / "skseal-core" / "src" / "policy" / "schema.rs"
SURVEY_JSON: Final = ROOT / "scripts" / "survey_globals.json"

Role = Literal["class", "dictclass", "reference"]
ROLE_ORDER: Final[tuple[Role, ...]] = ("class", "dictclass", "reference", "distribution")
Name = tuple[str, str]  # (module, qualname) as pickle writes it


# --------------------------------------------------------------------------
# Reading the name pickle writes
# --------------------------------------------------------------------------

STRING_OPS: Final = frozenset(
    {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "STRING", "BINSTRING",
     "SHORT_BINSTRING"}
)
PUT_OPS: Final = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})
GET_OPS: Final = frozenset({"GET", "BINGET", "LONG_BINGET"})
FRAMING_OPS: Final = frozenset({"PROTO", "FRAME", "STOP"})


class NotAPlainGlobal(Exception):
    """The object does not pickle as exactly one global name."""


def pickled_name(obj: object) -> Name:
    """(module, qualname) that ``pickle.dumps(obj, protocol=5)`` writes for ``obj``.

    The stream must consist of one ``GLOBAL``/``STACK_GLOBAL`` and nothing else
    (apart from framing, string pushes and memo operations).
    """
    try:
        data = pickle.dumps(obj, protocol=5)
    except Exception as e:  # noqa: BLE001 - any failure means "not a global"
        raise NotAPlainGlobal(f"cannot be pickled: {type(e).__name__}: {e}") from None
    stack: list[str] = []
    memo: dict[int, str] = {}
    found: list[Name] = []
    for op, arg, _pos in pickletools.genops(data):
        name = op.name
        if name in FRAMING_OPS:
            continue
        if name in STRING_OPS:
            stack.append(arg.decode("latin1") if isinstance(arg, bytes) else str(arg))
        elif name == "MEMOIZE":
            if stack:
                memo[len(memo)] = stack[-1]
            else:
                memo[len(memo)] = ""
        elif name in PUT_OPS:
            memo[int(arg)] = stack[-1] if stack else ""
        elif name in GET_OPS:
            stack.append(memo[int(arg)])
        elif name == "STACK_GLOBAL":
            if len(stack) < 2:
                raise NotAPlainGlobal("STACK_GLOBAL without two strings")
            qual = stack.pop()
            mod = stack.pop()
            found.append((mod, qual))
            stack.append(f"<global {mod}:{qual}>")
        elif name == "GLOBAL":
            mod, _, qual = str(arg).partition(" ")
            found.append((mod, qual))
            stack.append(f"<global {mod}:{qual}>")
        else:
            raise NotAPlainGlobal(f"pickles with opcode {name} (not a plain global)")
    if len(found) != 1:
        raise NotAPlainGlobal(f"pickles with {len(found)} globals")
    return found[0]


# --------------------------------------------------------------------------
# Collecting entries
# --------------------------------------------------------------------------


@dataclass
class Entry:
    roles: set[Role] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    #: further TSV columns (the distribution role: class, shape count, kind)
    extra: tuple[str, ...] = ()


@dataclass
class Collector:
    entries: dict[Name, Entry] = field(default_factory=dict)
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # (source, what, why)
    renamed: list[tuple[str, Name, Name]] = field(default_factory=list)  # (source, attr, pickled)
    notes: list[str] = field(default_factory=list)

    def add(self, obj: object, roles: Iterable[Role], source: str) -> Name | None:
        """Add ``obj`` under the name pickle writes for it; None when refused."""
        what = describe(obj)
        try:
            name = pickled_name(obj)
        except NotAPlainGlobal as e:
            self.refused.append((source, what, str(e)))
            return None
        attr = attr_name(obj)
        if attr is not None and attr != name:
            self.renamed.append((source, attr, name))
        entry = self.entries.setdefault(name, Entry())
        entry.roles.update(roles)
        entry.sources.add(source)
        return name


def attr_name(obj: object) -> Name | None:
    mod = getattr(obj, "__module__", None)
    qual = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if isinstance(mod, str) and isinstance(qual, str):
        return (mod, qual)
    return None


def describe(obj: object) -> str:
    name = attr_name(obj)
    return f"{name[0]}.{name[1]}" if name else repr(obj)


def class_roles(cls: type) -> list[Role]:
    return ["class", "dictclass"] if issubclass(cls, dict) else ["class"]


def resolve(module: str, qualname: str) -> object:
    """Import ``module`` and follow ``qualname`` (attribute access on trusted code)."""
    obj: object = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


# --------------------------------------------------------------------------
# scikit-learn
# --------------------------------------------------------------------------

SKLEARN_SKIP: Final = (
    "sklearn.externals",
    "sklearn.utils._testing",
    "sklearn.utils.estimator_checks",
    "sklearn.utils._mocking",  # test helpers (CheckingClassifier, ...)
    "sklearn._build_utils",
    "sklearn.conftest",
)


def sklearn_skipped(name: str) -> bool:
    parts = name.split(".")
    if "tests" in parts:
        return True
    return any(name == s or name.startswith(s + ".") for s in SKLEARN_SKIP)


def walk_sklearn(errors: list[str]) -> Iterator[ModuleType]:
    """Every importable sklearn module, pruning skipped subtrees before importing them."""
    from sklearn.experimental import (  # noqa: F401 - registers experimental estimators
        enable_halving_search_cv,
        enable_iterative_imputer,
    )

    todo: list[ModuleType] = [sklearn]
    yield sklearn
    while todo:
        pkg = todo.pop()
        for info in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."):
            if sklearn_skipped(info.name):
                continue
            try:
                mod = importlib.import_module(info.name)
            except Exception as e:  # noqa: BLE001 - optional dependencies may be missing
                errors.append(f"{info.name}: {type(e).__name__}: {e}")
                continue
            yield mod
            if info.ispkg:
                todo.append(mod)


def sklearn_defined_classes(modules: Iterable[ModuleType]) -> dict[Name, type]:
    out: dict[Name, type] = {}
    for mod in modules:
        for value in list(vars(mod).values()):
            if isinstance(value, type) and value.__module__.startswith("sklearn"):
                out[(value.__module__, value.__qualname__)] = value
    return out


def sklearn_bases() -> list[type]:
    """Bases whose every (concrete) subclass defined in sklearn is allowed as a class."""
    from sklearn._loss._loss import CyLossFunction
    from sklearn._loss.link import BaseLink
    from sklearn._loss.loss import BaseLoss
    from sklearn.base import BaseEstimator
    from sklearn.gaussian_process.kernels import Hyperparameter, Kernel
    from sklearn.linear_model import _sgd_fast
    from sklearn.metrics._dist_metrics import DistanceMetric, DistanceMetric32, DistanceMetric64
    from sklearn.metrics._scorer import _BaseScorer
    from sklearn.model_selection._split import (
        BaseCrossValidator,
        BaseShuffleSplit,
        GroupsConsumerMixin,
        PredefinedSplit,
        _CVIterableWrapper,
        _RepeatedSplits,
    )
    from sklearn.neural_network._stochastic_optimizers import BaseOptimizer
    from sklearn.utils._metadata_requests import _MetadataRequester

    # _sgd_fast's own loss hierarchy (Classification / Regression, built on CyLossFunction)
    sgd_bases = [
        v
        for v in vars(_sgd_fast).values()
        if isinstance(v, type)
        and v.__module__ == _sgd_fast.__name__
        and issubclass(v, CyLossFunction)
    ]
    return [
        BaseEstimator,
        # estimators, CV splitters and scorers all derive from _MetadataRequester
        _MetadataRequester,
        Kernel,
        Hyperparameter,
        BaseLoss,
        BaseLink,
        CyLossFunction,
        *sgd_bases,
        DistanceMetric,
        DistanceMetric32,
        DistanceMetric64,
        BaseCrossValidator,
        BaseShuffleSplit,
        PredefinedSplit,
        _CVIterableWrapper,
        _RepeatedSplits,
        GroupsConsumerMixin,
        _BaseScorer,
        BaseOptimizer,
    ]


# Classes fitted estimators hold that derive from none of the bases above.
SKLEARN_EXTRA_CLASSES: Final[tuple[str, ...]] = (
    "sklearn._loss.link:Interval",
    "sklearn.calibration:_CalibratedClassifier",
    "sklearn.cluster._birch:_CFNode",
    "sklearn.cluster._birch:_CFSubcluster",
    "sklearn.cluster._bisect_k_means:_BisectingTree",
    "sklearn.compose._column_transformer:make_column_selector",
    "sklearn.ensemble._hist_gradient_boosting.predictor:TreePredictor",
    "sklearn.impute._iterative:_ImputerTriplet",
    "sklearn.metrics._scorer:_MultimetricScorer",
    "sklearn.metrics._scorer:_PassthroughScorer",
    "sklearn.neighbors._ball_tree:BallTree",
    "sklearn.neighbors._ball_tree:BallTree32",
    "sklearn.neighbors._ball_tree:BallTree64",
    "sklearn.neighbors._kd_tree:KDTree",
    "sklearn.neighbors._kd_tree:KDTree32",
    "sklearn.neighbors._kd_tree:KDTree64",
    "sklearn.tree._tree:Tree",
    "sklearn.utils._bunch:Bunch",
    "sklearn.utils._metadata_requests:MetadataRequest",
    "sklearn.utils._metadata_requests:MetadataRouter",
    "sklearn.utils._metadata_requests:MethodMapping",
    "sklearn.utils._metadata_requests:MethodMetadataRequest",
    "sklearn.utils._metadata_requests:MethodPair",
    "sklearn.utils._metadata_requests:RouterMappingPair",
)

# Looked for by the brief but absent from this scikit-learn (reported, not an error).
SKLEARN_OPTIONAL_CLASSES: Final[tuple[str, ...]] = (
    "sklearn.calibration:_SigmoidCalibration",
    "sklearn.calibration:_TemperatureScaling",
    "sklearn.compose._column_transformer:_RemainderColsList",
    "sklearn.ensemble._hist_gradient_boosting.binning:_BinMapper",
    "sklearn.multiclass:_ConstantPredictor",
    "sklearn.preprocessing._function_transformer:FunctionTransformer",
)

SKLEARN_SCORE_FUNCS: Final[tuple[str, ...]] = (
    "f_classif",
    "f_regression",
    "chi2",
    "r_regression",
    "mutual_info_classif",
    "mutual_info_regression",
)

# Functions fitted estimators hold as attributes are NOT references: private
# compiled helpers (BisectingKMeans keeps _kmeans_single_lloyd/_elkan) trust
# their arguments and overflow the heap when a FunctionTransformer calls them
# with file-chosen keyword arguments. policy::HELD_ONLY allows those two only
# as BisectingKMeans._kmeans_single.
SKLEARN_EXTRA_REFERENCES: Final[tuple[str, ...]] = ()


def is_public_python_function(value: Any) -> bool:
    """References must be plain Python functions with a public name whose
    module path has no private compiled part: Cython/C helpers
    (``_expected_mutual_info_fast.expected_mutual_information``,
    ``_k_means_lloyd.lloyd_iter_chunked_dense``) skip input validation."""
    if not inspect.isfunction(value):
        return False
    if value.__name__.startswith("_") or value.__qualname__.startswith("_"):
        return False
    mod = sys.modules.get(getattr(value, "__module__", "") or "")
    path = getattr(mod, "__file__", "") or ""
    return path.endswith(".py")

# Public callables of sklearn.metrics that are factories/registries, not metrics.
SKLEARN_METRICS_NOT_REFERENCES: Final = frozenset(
    {"check_scoring", "get_scorer", "get_scorer_names", "make_scorer"}
)


def add_sklearn(c: Collector, walk_errors: list[str]) -> None:
    from sklearn.utils import all_estimators

    for _name, cls in all_estimators():
        c.add(cls, class_roles(cls), "sklearn:all_estimators")

    modules = list(walk_sklearn(walk_errors))
    defined = sklearn_defined_classes(modules)
    bases = tuple(sklearn_bases())
    n_abstract = 0
    for cls in defined.values():
        if not issubclass(cls, bases):
            continue
        if inspect.isabstract(cls):
            n_abstract += 1
            continue
        c.add(cls, class_roles(cls), "sklearn:walk")
    c.notes.append(f"sklearn walk: {len(modules)} modules, {len(defined)} classes defined, "
                   f"{n_abstract} abstract subclasses left out")

    # every class of sklearn._loss._loss (CyHalfMultinomialLoss is not a CyLossFunction)
    from sklearn._loss import _loss

    for value in vars(_loss).values():
        if isinstance(value, type) and value.__module__ == _loss.__name__:
            c.add(value, class_roles(value), "sklearn:_loss._loss")

    for spec in SKLEARN_EXTRA_CLASSES:
        mod, _, qual = spec.partition(":")
        cls = resolve(mod, qual)
        assert isinstance(cls, type), spec
        c.add(cls, class_roles(cls), "sklearn:extra")
    for spec in SKLEARN_OPTIONAL_CLASSES:
        mod, _, qual = spec.partition(":")
        try:
            cls = resolve(mod, qual)
        except (ImportError, AttributeError):
            c.notes.append(f"not in this scikit-learn: {spec}")
            continue
        assert isinstance(cls, type), spec
        c.add(cls, class_roles(cls), "sklearn:extra")

    # references: metric functions and score functions
    import sklearn.feature_selection as fs
    import sklearn.metrics as metrics
    import sklearn.metrics.cluster as metrics_cluster
    import sklearn.metrics.pairwise as pairwise

    for mod in (metrics, pairwise, metrics_cluster):
        for attr in dir(mod):
            if attr.startswith("_") or attr in SKLEARN_METRICS_NOT_REFERENCES:
                continue
            value = getattr(mod, attr)
            # Python, C and Cython functions; classes (Displays, DistanceMetric) are not
            if (
                callable(value)
                and not isinstance(value, type)
                and getattr(value, "__module__", "").startswith("sklearn.metrics")
                and is_public_python_function(value)
            ):
                c.add(value, ["reference"], f"sklearn:{mod.__name__}")
    for attr in SKLEARN_SCORE_FUNCS:
        c.add(getattr(fs, attr), ["reference"], "sklearn:feature_selection")
    for spec in SKLEARN_EXTRA_REFERENCES:
        mod, _, qual = spec.partition(":")
        c.add(resolve(mod, qual), ["reference"], "sklearn:extra")


# --------------------------------------------------------------------------
# scipy
# --------------------------------------------------------------------------

# Only the formats whose index arrays validate.rs checks.  dok and lil keep
# their structure in Python containers that compiled conversions trust, so they
# are left out of the default trust.
SPARSE_FORMATS: Final = ("csr", "csc", "coo", "bsr", "dia")


def add_scipy(c: Collector) -> None:
    for fmt in SPARSE_FORMATS:
        for kind in ("matrix", "array"):
            cls = getattr(scipy.sparse, f"{fmt}_{kind}")
            c.add(cls, class_roles(cls), "scipy:sparse")
    c.add(scipy.interpolate.BSpline, ["class"], "scipy:interpolate")


def add_scipy_distributions(c: Collector) -> None:
    """scipy.stats distribution objects (``scipy.stats.randint``, ...), each
    under the module that defines it and its class (``randint_gen``), with its
    number of shape parameters and its kind. The VM lowers a pickled frozen
    distribution to a call of this object with the frozen arguments; the
    generator classes themselves are never allowed (their ``__setstate__``
    runs ``exec`` on a code template taken from the file's state)."""
    import scipy.stats as st

    for attr in sorted(dir(st)):
        obj = getattr(st, attr)
        if not isinstance(obj, (st.rv_continuous, st.rv_discrete)):
            continue
        cls = type(obj)
        mod = sys.modules.get(cls.__module__)
        if mod is None or getattr(mod, attr, None) is not obj or obj.name != attr:
            c.refused.append(("scipy:stats", attr, "not defined under this name in its module"))
            continue
        kind = "discrete" if isinstance(obj, st.rv_discrete) else "continuous"
        entry = c.entries.setdefault((cls.__module__, attr), Entry())
        entry.roles.add("distribution")
        entry.sources.add("scipy:stats")
        entry.extra = (cls.__qualname__, str(int(obj.numargs)), kind)


# --------------------------------------------------------------------------
# numpy
# --------------------------------------------------------------------------

NUMPY_FUNCTIONS: Final[tuple[str, ...]] = (
    # the brief's list
    "mean", "median", "nanmean", "nanmedian", "average", "sum", "nansum", "max", "min",
    "amax", "amin", "nanmax", "nanmin", "std", "var", "ptp", "prod", "clip", "round",
    "around", "asarray", "array", "cumsum", "percentile", "quantile", "argmax", "argmin",
    "sort", "unique", "hstack", "vstack", "concatenate", "stack", "zeros_like", "ones_like",
    "full_like", "where", "dot", "matmul", "abs", "absolute", "square", "sqrt", "exp", "log",
    # a few more pure reductions of the same kind
    "nanstd", "nanvar", "nanprod", "nanpercentile", "nanquantile", "nancumsum", "cumprod",
    "argsort", "all", "any", "count_nonzero",
)

NUMPY_ABSTRACT_SCALARS: Final[tuple[str, ...]] = (
    "generic", "number", "integer", "signedinteger", "unsignedinteger", "inexact",
    "floating", "complexfloating", "flexible", "character",
)

BIT_GENERATORS: Final[tuple[str, ...]] = ("MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64")


def add_numpy(c: Collector) -> dict[str, list[str]]:
    """Add numpy names; returns how ufuncs pickled (pickled name -> numpy attributes)."""
    ufunc_names: dict[str, list[str]] = {}
    for attr in sorted(dir(np)):
        value = getattr(np, attr, None)
        if isinstance(value, np.ufunc):
            name = c.add(value, ["reference"], "numpy:ufunc")
            if name is not None:
                ufunc_names.setdefault(f"{name[0]}:{name[1]}", []).append(attr)

    scalar_types = set(np.sctypeDict.values())
    scalar_types.update(getattr(np, n) for n in NUMPY_ABSTRACT_SCALARS)
    for t in sorted(scalar_types, key=lambda t: t.__name__):
        c.add(t, ["reference"], "numpy:scalar-type")

    c.add(np.ndarray, ["reference"], "numpy:ndarray")
    c.add(np.dtype, ["reference"], "numpy:dtype")
    c.add(np.ma.MaskedArray, ["reference"], "numpy:ma")

    for attr in NUMPY_FUNCTIONS:
        c.add(getattr(np, attr), ["reference"], "numpy:function")

    # Bit generators only as references (the argument of numpy's own
    # __bit_generator_ctor): as a *class*, an ``object`` node would make
    # them with ``cls.__new__(cls)``, which skips the Cython __init__ that
    # allocates their state, and setting the state then writes through a
    # null pointer (tests/test_errors.py::test_bit_generator_as_object_is_refused).
    for attr in BIT_GENERATORS:
        c.add(getattr(np.random, attr), ["reference"], "numpy:bit-generator")
    c.add(np.random.SeedSequence, ["class", "reference"], "numpy:bit-generator")
    c.add(np.random.RandomState, ["reference"], "numpy:random")
    c.add(np.random.Generator, ["reference"], "numpy:random")
    return ufunc_names


# --------------------------------------------------------------------------
# builtins and the standard library
# --------------------------------------------------------------------------

BUILTIN_REFERENCES: Final[tuple[str, ...]] = (
    "float", "int", "str", "bool", "bytes", "complex", "list", "tuple", "dict", "set",
    "frozenset", "object", "slice", "len", "sum", "min", "max", "abs", "round", "sorted",
)


def add_stdlib(c: Collector) -> None:
    for attr in BUILTIN_REFERENCES:
        c.add(getattr(builtins, attr), ["reference"], "builtins")
    c.add(collections.OrderedDict, ["class", "dictclass"], "stdlib")
    # an int in a class; its state is checked in validate/models.rs
    c.add(uuid.UUID, ["class"], "stdlib")


# --------------------------------------------------------------------------
# The survey of what pickling the fitted zoo produces
# --------------------------------------------------------------------------

SURVEY_SKIP_PREFIXES: Final = ("pandas", "functools", "__main__")

# Lowered by the VM itself (crates/skseal-core/src/vm.rs, Vm::reduce) before the policy.
VM_LOWERED: Final = frozenset(
    {
        ("numpy", "dtype"),
        ("numpy._core.multiarray", "dtype"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.numeric", "_frombuffer"),
        ("numpy._core.multiarray", "scalar"),
        ("copyreg", "_reconstructor"),
        ("collections", "OrderedDict"),
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("builtins", "bytearray"),
        ("_codecs", "encode"),
    }
)

# Classes the survey saw called, that are nevertheless no `class` here.
SURVEY_CLASS_NOT_CLASS: Final = frozenset(
    {
        ("builtins", "slice"),  # a constructor of schema.rs; reference otherwise
        ("builtins", "complex"),  # idem
        ("numpy", "dtype"),  # lowered by the VM; reference otherwise
    }
)


@dataclass
class SurveyReport:
    placed: int = 0
    skipped: list[str] = field(default_factory=list)
    constructors: list[str] = field(default_factory=list)  # handled by schema.rs / the VM
    unplaced: list[str] = field(default_factory=list)


def schema_constructors() -> set[Name]:
    text = SCHEMA_RS.read_text()
    block = text.split("pub const CONSTRUCTORS", 1)[1].split("];", 1)[0]
    return set(re.findall(r'"([^"]+)",\s*"([^"]+)",\s*Schema::', block))


def add_survey(c: Collector) -> SurveyReport:
    report = SurveyReport()
    survey: dict[str, dict[str, Any]] = json.loads(SURVEY_JSON.read_text())
    constructors = schema_constructors()
    for key, info in sorted(survey.items()):
        mod, _, qual = key.partition(":")
        if mod.split(".")[0] in SURVEY_SKIP_PREFIXES:
            report.skipped.append(key)
            continue
        used: set[str] = set(info.get("roles", []))
        try:
            obj = resolve(mod, qual)
        except (ImportError, AttributeError) as e:
            report.unplaced.append(f"{key}: cannot be resolved ({type(e).__name__}: {e})")
            continue
        roles: list[Role]
        if isinstance(obj, type):
            if used & {"class", "constructor"} and (mod, qual) not in SURVEY_CLASS_NOT_CLASS:
                roles = class_roles(obj)
            else:
                # held as a value only (classes of other sections keep their class role)
                roles = ["reference"] if (mod, qual) not in c.entries else []
        else:
            if "constructor" in used:
                if (mod, qual) in constructors or (mod, qual) in VM_LOWERED:
                    report.constructors.append(f"{key}: handled by schema.rs / the VM")
                elif qual.startswith("__pyx_unpickle_"):
                    report.constructors.append(f"{key}: __pyx_unpickle rule of the policy")
                else:
                    report.unplaced.append(
                        f"{key}: a function called by REDUCE, not a constructor of schema.rs"
                    )
                continue
            if qual.split(".")[-1].startswith("_"):
                # a private helper held by an estimator (policy::HELD_ONLY)
                report.skipped.append(f"{key}: private helper, never a general reference")
                continue
            roles = ["reference"]
        if roles:
            name = c.add(obj, roles, "survey")
        else:
            c.entries[(mod, qual)].sources.add("survey")
            name = (mod, qual)
        if name is None:
            report.unplaced.append(f"{key}: does not pickle as a plain global")
            continue
        if name != (mod, qual):
            report.unplaced.append(f"{key}: pickle now writes {name[0]}:{name[1]}")
            continue
        report.placed += 1
    return report


def drop_class_role_of_schema_constructors(c: Collector) -> None:
    """A class with an argument schema in schema.rs (``sklearn.tree._tree.Tree``) is no
    ``class``: a class of a callable-class module may be called with primitive
    arguments, which would bypass a schema; keeping schema constructors out of
    ``class`` makes that impossible by construction.  ``Tree.__new__`` needs
    those arguments anyway, so it is never rebuilt by ``NEWOBJ``."""
    for name in sorted(schema_constructors()):
        entry = c.entries.get(name)
        if entry is None or not entry.roles & {"class", "dictclass"}:
            continue
        entry.roles -= {"class", "dictclass"}
        c.notes.append(
            f"{name[0]}:{name[1]}: class role dropped, its schema.rs constructor governs it"
            + ("" if entry.roles else " (left out)")
        )


# --------------------------------------------------------------------------
# Final safety check
# --------------------------------------------------------------------------

FORBIDDEN_MODULES: Final = frozenset(
    {
        "os", "posix", "nt", "sys", "subprocess", "importlib", "pickle", "_pickle", "marshal",
        "functools", "_functools", "operator", "_operator", "io", "_io", "joblib", "pandas",
        "shutil", "socket", "runpy", "code", "ctypes", "types", "inspect", "pkgutil",
    }
)
FORBIDDEN_MODULE_PREFIXES: Final = (
    "numpy.testing",
    "numpy.lib.npyio",
    "numpy.lib._npyio_impl",
    "numpy.lib.format",
    "numpy.f2py",
    "numpy.distutils",
    "scipy.io",
    "scipy._lib._testutils",
    "sklearn.datasets",
    "sklearn.utils._testing",
    "sklearn.utils._mocking",
    "sklearn.utils.estimator_checks",
    "sklearn.externals._packaging",
)
FORBIDDEN_BUILTINS: Final = frozenset(
    {
        "eval", "exec", "compile", "open", "getattr", "setattr", "delattr", "hasattr",
        "__import__", "type", "globals", "locals", "vars", "input", "breakpoint",
        "memoryview", "print", "help", "exit", "quit", "__build_class__", "super",
    }
)
FORBIDDEN_NUMPY: Final = frozenset(
    {
        "load", "loads", "fromfile", "save", "savez", "savez_compressed", "savetxt",
        "loadtxt", "genfromtxt", "fromregex", "memmap", "frompyfunc", "vectorize",
        "piecewise", "apply_along_axis", "apply_over_axes", "fromfunction", "info", "source",
    }
)
FORBIDDEN_WORDS: Final = (
    "load", "save", "read", "write", "fetch", "exec", "eval", "pickle", "popen", "system",
    "__import__", "getattr", "setattr", "spawn",
)
# Names that contain a forbidden word only by accident; each must be justified.
WORD_EXCEPTIONS: Final[dict[Name, str]] = {
    ("sklearn.semi_supervised._label_propagation", "LabelSpreading"): "'spREADing'",
}


def rust_dangerous() -> tuple[set[str], set[Name]]:
    """DANGEROUS_MODULES and DANGEROUS_NAMES of policy/mod.rs."""
    text = POLICY_RS.read_text()
    mods_block = text.split("const DANGEROUS_MODULES", 1)[1].split("];", 1)[0]
    names_block = text.split("const DANGEROUS_NAMES", 1)[1].split("];", 1)[0]
    modules = set(re.findall(r'"([^"]+)"', mods_block))
    names = set(re.findall(r'\("([^"]+)",\s*"([^"]+)"\)', names_block))
    if not modules or not names:
        raise SystemExit("could not read DANGEROUS_MODULES / DANGEROUS_NAMES from mod.rs")
    return modules, names


def check_exclusions(entries: dict[Name, Entry]) -> None:
    rust_modules, rust_names = rust_dangerous()
    text = POLICY_RS.read_text()
    rust_packages = set(re.findall(
        r'"([^"]+)"', text.split("const DANGEROUS_PACKAGES", 1)[1].split("];", 1)[0]))
    rust_file_names = set(re.findall(
        r'\("([^"]+)",\s*"([^"]+)"\)',
        text.split("const DANGEROUS_FILE_NAMES", 1)[1].split("];", 1)[0]))
    safe_in_modules = set(re.findall(
        r'\("([^"]+)",\s*"([^"]+)"\)',
        text.split("const SAFE_IN_DANGEROUS_MODULES", 1)[1].split("];", 1)[0]))
    bad: list[str] = []
    for (mod, qual), _entry in sorted(entries.items()):
        top = mod.split(".")[0]
        leaf = qual.split(".")[-1]
        why: str | None = None
        if mod in FORBIDDEN_MODULES or top in FORBIDDEN_MODULES:
            why = "forbidden module"
        elif (mod in rust_modules or top in rust_modules) and (mod, qual) not in safe_in_modules:
            why = "in DANGEROUS_MODULES of policy/mod.rs"
        elif (mod, qual) in rust_names:
            why = "in DANGEROUS_NAMES of policy/mod.rs"
        elif any(mod == p or mod.startswith(p + ".") for p in FORBIDDEN_MODULE_PREFIXES):
            why = "forbidden module prefix"
        elif mod == "builtins" and qual in FORBIDDEN_BUILTINS:
            why = "forbidden builtin"
        elif top == "numpy" and leaf in FORBIDDEN_NUMPY:
            why = "forbidden numpy function"
        elif any(mod == p or mod.startswith(p + ".") for p in rust_packages):
            why = "in DANGEROUS_PACKAGES of policy/mod.rs"
        elif (mod, qual) in rust_file_names:
            why = "in DANGEROUS_FILE_NAMES of policy/mod.rs"
        elif top == "pandas" and leaf.startswith(("read_", "to_")):
            why = "pandas reader/writer"
        elif "reference" in _entry.roles and top == "sklearn" and leaf.startswith("_"):
            why = "private scikit-learn helper as a reference (see policy::HELD_ONLY)"
        elif (mod, qual) not in WORD_EXCEPTIONS:
            hit = [w for w in FORBIDDEN_WORDS if w in qual.lower()]
            if hit:
                why = f"name contains {hit}"
        if why:
            bad.append(f"{mod}:{qual}: {why}")
    if bad:
        raise SystemExit("EXCLUDED NAMES IN THE ALLOW-LIST:\n  " + "\n  ".join(bad))


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def render(entries: dict[Name, Entry]) -> str:
    header = [
        "# Default allow-list of the skseal policy: module<TAB>qualname<TAB>roles.",
        "# GENERATED by scripts/gen_allowlist.py - do not edit by hand; regenerate with",
        "#   .venv/bin/python scripts/gen_allowlist.py",
        f"# numpy {np.__version__}, scipy {scipy.__version__}, "
        f"scikit-learn {sklearn.__version__} (Python {platform.python_version()})",
        "# roles: class = cls.__new__(cls) + state (the Cython classes of two modules may",
        "#        also be called with primitive arguments: see CALLABLE_CLASS_MODULES);",
        "#        dictclass = dict subclass receiving items; reference = held as a value;",
        "#        distribution = a scipy.stats distribution object, called with its frozen",
        "#        arguments (then: its class, number of shape parameters, kind).",
    ]
    lines = set()
    for (mod, qual), entry in entries.items():
        if not entry.roles:
            continue
        for part in (mod, qual):
            if not part or any(ch in part for ch in "\t\n\r "):
                raise SystemExit(f"bad name {mod!r}:{qual!r}")
        roles = ",".join(r for r in ROLE_ORDER if r in entry.roles)
        lines.add("\t".join([mod, qual, roles, *entry.extra]))
    return "\n".join([*header, *sorted(lines)]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the file is not up to date")
    parser.add_argument("--output", type=Path, default=OUT_TSV, help="where to write the TSV")
    args = parser.parse_args(argv)

    c = Collector()
    walk_errors: list[str] = []
    add_sklearn(c, walk_errors)
    add_scipy(c)
    add_scipy_distributions(c)
    ufunc_names = add_numpy(c)
    add_stdlib(c)
    survey = add_survey(c)
    drop_class_role_of_schema_constructors(c)

    check_exclusions(c.entries)
    text = render(c.entries)

    # ---- report
    final = {k: v for k, v in c.entries.items() if v.roles}
    print(f"{len(final)} names")
    per_role = Counter(r for e in final.values() for r in e.roles)
    print("per role:   " + ", ".join(f"{r}={per_role[r]}" for r in ROLE_ORDER))
    per_top = Counter(m.split(".")[0] for m, _ in final)
    print("per package: " + ", ".join(f"{p}={n}" for p, n in sorted(per_top.items())))
    per_top_role = Counter((m.split(".")[0], r) for (m, _), e in final.items() for r in e.roles)
    for p in sorted(per_top):
        print(f"  {p:10} " + ", ".join(f"{r}={per_top_role[(p, r)]}" for r in ROLE_ORDER))
    aliases = {k: v for k, v in ufunc_names.items() if v != [k.split(":")[1]]}
    print(f"numpy ufuncs: {sum(len(v) for v in ufunc_names.values())} attributes pickle as "
          f"{len(ufunc_names)} plain globals (numpy:<__name__>, no reconstructor); aliases: "
          + ", ".join(f"{'/'.join(v)}->{k}" for k, v in sorted(aliases.items())))
    for note in c.notes:
        print(f"note: {note}")
    for err in walk_errors:
        print(f"import skipped: {err}")
    for source, what, why in c.refused:
        print(f"refused ({source}): {what}: {why}")
    for source, attr, name in c.renamed:
        print(f"renamed ({source}): {attr[0]}:{attr[1]} pickles as {name[0]}:{name[1]}")
    print(f"survey: {survey.placed} placed, {len(survey.skipped)} skipped "
          f"({', '.join(survey.skipped)}), {len(survey.constructors)} constructors")
    for line in survey.constructors:
        print(f"  constructor: {line}")
    for line in survey.unplaced:
        print(f"  UNPLACED: {line}")

    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.write_text(text)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
