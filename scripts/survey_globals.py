"""Survey which pickle globals fitted scikit-learn estimators need, and how.

For every fitted zoo case (``tests/zoo.py``) plus a few extra cases (pandas
DataFrame input, scipy sparse containers), the estimator is pickled with
protocol 5 (out-of-band buffers) and the opcode stream is walked with
``pickletools.genops`` - nothing is unpickled for this part.  A small symbolic
stack machine (with memo tracking, so ``STACK_GLOBAL`` module/name strings
fetched by ``BINGET`` resolve) classifies every use of every global:

* ``class``       - the class of ``NEWOBJ`` / ``NEWOBJ_EX`` / ``OBJ`` / ``INST``
* ``constructor`` - the callable of ``REDUCE``
* ``reference``   - consumed any other way (tuple item, dict value, state...)

For constructor globals, the shapes of the argument tuples are then recorded
by loading the *same, freshly produced* stream (our own trusted objects) with
an ``Unpickler`` whose ``find_class`` returns a recording wrapper.

Writes ``scripts/survey_globals.json`` and prints a summary grouped by module
and role.  Run: ``.venv/bin/python scripts/survey_globals.py``.
"""

from __future__ import annotations

import functools
import io
import json
import pickle
import pickletools
import sys
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from zoo import fitted_zoo  # noqa: E402

OUT_JSON = Path(__file__).resolve().parent / "survey_globals.json"
MAX_EXAMPLES = 3
MAX_SHAPES = 12
MAX_VALUES = 24

STRING_OPS = frozenset(
    {
        "SHORT_BINUNICODE",
        "BINUNICODE",
        "BINUNICODE8",
        "UNICODE",
        "STRING",
        "BINSTRING",
        "SHORT_BINSTRING",
    }
)
PUT_OPS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})
GET_OPS = frozenset({"GET", "BINGET", "LONG_BINGET"})
# opcodes that pop a mark-delimited slice and leave their target on the stack
TARGET_SLICE_OPS = frozenset({"APPENDS", "SETITEMS", "ADDITEMS"})


# --------------------------------------------------------------------------
# Symbolic opcode walk
# --------------------------------------------------------------------------


@dataclass(eq=False)
class Item:
    """A symbolic stack item."""

    kind: str  # "str" | "global" | "mark" | "other"
    value: Any = None  # the str, or "module:qualname" for globals
    origin: str | None = None  # for REDUCE/NEWOBJ results: the callable's key
    ptype: str = "any"  # pickletools' stack type name (tuple, dict, None, ...)


MARK = Item("mark")


@dataclass
class WalkResult:
    #: (key, role) for every use of a global, in stream order.
    uses: list[tuple[str, str]] = field(default_factory=list)
    #: (key of the built object's class/constructor, type of the BUILD state).
    builds: list[tuple[str, str]] = field(default_factory=list)
    #: Oddities: REDUCE of a non-global callable, EXT/PERSID opcodes, ...
    notes: list[str] = field(default_factory=list)
    opcode_counts: Counter[str] = field(default_factory=Counter)


def _pop_to_mark(stack: list[Item]) -> list[Item]:
    items: list[Item] = []
    while stack and stack[-1] is not MARK:
        items.append(stack.pop())
    if not stack:
        raise ValueError("mark not found")
    stack.pop()  # the mark
    items.reverse()
    return items


def walk_pickle(data: bytes) -> WalkResult:
    """Classify every use of every global in a pickle stream (no unpickling)."""
    res = WalkResult()
    stack: list[Item] = []
    memo: dict[int, Item] = {}

    def consume(items: list[Item]) -> None:
        for it in items:
            if it.kind == "global":
                res.uses.append((it.value, "reference"))

    def callee(it: Item, role: str) -> str | None:
        if it.kind == "global":
            res.uses.append((it.value, role))
            return str(it.value)
        what = f"result of {it.origin}" if it.origin else it.kind
        res.notes.append(f"{role} is not a global ({what})")
        return f"<{what}>"

    for op, arg, _pos in pickletools.genops(data):
        name = op.name
        res.opcode_counts[name] += 1
        if name in STRING_OPS:
            stack.append(
                Item("str", arg if isinstance(arg, str) else str(arg), ptype="str")
            )
        elif name in PUT_OPS:
            memo[int(arg)] = stack[-1]
        elif name == "MEMOIZE":
            memo[len(memo)] = stack[-1]
        elif name in GET_OPS:
            stack.append(memo[int(arg)])
        elif name == "GLOBAL":
            module, qualname = str(arg).split(" ", 1)
            stack.append(Item("global", f"{module}:{qualname}"))
        elif name == "STACK_GLOBAL":
            qual, mod = stack.pop(), stack.pop()
            if qual.kind != "str" or mod.kind != "str":
                res.notes.append("STACK_GLOBAL with non-string operands")
            stack.append(Item("global", f"{mod.value}:{qual.value}"))
        elif name == "REDUCE":
            args, fn = stack.pop(), stack.pop()
            consume([args])
            stack.append(Item("other", origin=callee(fn, "constructor")))
        elif name == "NEWOBJ":
            args, cls = stack.pop(), stack.pop()
            consume([args])
            stack.append(Item("other", origin=callee(cls, "class")))
        elif name == "NEWOBJ_EX":
            kwargs, args, cls = stack.pop(), stack.pop(), stack.pop()
            consume([args, kwargs])
            stack.append(Item("other", origin=callee(cls, "class")))
        elif name == "OBJ":
            items = _pop_to_mark(stack)
            consume(items[1:])
            stack.append(Item("other", origin=callee(items[0], "class")))
        elif name == "INST":
            consume(_pop_to_mark(stack))
            module, qualname = str(arg).split(" ", 1)
            key = f"{module}:{qualname}"
            res.uses.append((key, "class"))
            stack.append(Item("other", origin=key))
        elif name == "BUILD":
            state = stack.pop()  # the target stays on the stack
            consume([state])
            target = stack[-1]
            state_type = "global" if state.kind == "global" else state.ptype
            res.builds.append((target.origin or f"<{target.ptype}>", state_type))
        elif name == "APPEND":
            consume([stack.pop()])
        elif name == "SETITEM":
            consume([stack.pop(), stack.pop()])
        elif name in TARGET_SLICE_OPS:
            consume(_pop_to_mark(stack))
        elif name == "MARK":
            stack.append(MARK)
        elif name == "POP":
            stack.pop()  # discarded: not a use
        elif name == "POP_MARK":
            _pop_to_mark(stack)
        elif name == "DUP":
            stack.append(stack[-1])
        elif name in ("READONLY_BUFFER", "PROTO", "FRAME"):
            pass
        elif name == "STOP":
            consume([stack.pop()])
        elif name in ("EXT1", "EXT2", "EXT4", "PERSID", "BINPERSID"):
            res.notes.append(f"opcode {name} {arg!r}")
            if name == "BINPERSID":
                consume([stack.pop()])
            stack.append(Item("other", origin=name))
        else:  # generic stack effect from pickletools' metadata
            before = op.stack_before
            if pickletools.markobject in before:
                consume(_pop_to_mark(stack))
                n_below = before.index(pickletools.markobject)
            else:
                n_below = len(before)
            consume([stack.pop() for _ in range(n_below)])
            stack.extend(Item("other", ptype=t.name) for t in op.stack_after)
    if stack:
        res.notes.append(f"{len(stack)} items left on the stack")
    return res


# --------------------------------------------------------------------------
# Argument shapes of REDUCE callables (loads our own fresh stream)
# --------------------------------------------------------------------------


def describe(x: Any, depth: int = 0) -> str:
    """A short type description of one argument."""
    if isinstance(x, np.ndarray):
        return f"ndarray[{x.dtype}]"
    if isinstance(x, np.dtype):
        if x.names:
            head = ",".join(x.names[:3]) + (",..." if len(x.names) > 3 else "")
            return f"dtype[struct {len(x.names)} fields {x.itemsize}B: {head}]"
        return f"dtype[{x}]"
    if isinstance(x, np.generic):
        return type(x).__name__
    if isinstance(x, type):
        if x.__module__ == "builtins":
            return f"type[{x.__qualname__}]"
        return f"type[{x.__module__}.{x.__qualname__}]"
    if isinstance(x, (tuple, list)):
        opener, closer = ("(", ")") if isinstance(x, tuple) else ("[", "]")
        if depth >= 2 or len(x) > 6:
            return f"{type(x).__name__}[{len(x)}]"
        inner = ", ".join(describe(e, depth + 1) for e in x)
        if isinstance(x, tuple) and len(x) == 1:
            inner += ","
        return f"{opener}{inner}{closer}"
    if isinstance(x, dict):
        return f"dict[{len(x)}]"
    t = type(x)
    if t.__module__ == "builtins":
        return t.__qualname__
    return f"{t.__module__}.{t.__qualname__}"


def describe_args(args: tuple[Any, ...]) -> str:
    inner = ", ".join(describe(a, 1) for a in args)
    return f"({inner},)" if len(args) == 1 else f"({inner})"


PRIMITIVES = (str, bool, int, float, type(None))


class _RecordingCall:
    def __init__(
        self,
        key: str,
        real: Callable[..., Any],
        sink: Counter[str],
        values: Counter[str],
    ) -> None:
        self.key = key
        self.real = real
        self.sink = sink
        self.values = values

    def __call__(self, *args: Any) -> Any:
        self.sink[describe_args(args)] += 1
        if args and all(isinstance(a, PRIMITIVES) for a in args):
            self.values[repr(args)] += 1
        return self.real(*args)


class RecordingUnpickler(pickle.Unpickler):
    """Unpickler that wraps constructor-only globals to record their args."""

    def __init__(
        self,
        file: io.BytesIO,
        buffers: list[pickle.PickleBuffer],
        wrap: set[str],
        shapes: defaultdict[str, Counter[str]],
        values: defaultdict[str, Counter[str]],
    ) -> None:
        super().__init__(file, buffers=buffers)
        self.wrap = wrap
        self.shapes = shapes
        self.values = values

    def find_class(self, module: str, name: str) -> Any:
        real = super().find_class(module, name)
        key = f"{module}:{name}"
        if key in self.wrap:
            return _RecordingCall(key, real, self.shapes[key], self.values[key])
        return real


def script_log1p(x: Any) -> Any:
    """A user function defined in the script (pickled as ``__main__:...``)."""
    return np.log1p(x)


# --------------------------------------------------------------------------
# Extra cases: pandas input, scipy sparse containers
# --------------------------------------------------------------------------


def extra_cases() -> list[tuple[str, Any]]:
    import pandas as pd
    import scipy.sparse as sp
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression, SGDClassifier, SGDRegressor
    from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import (
        FunctionTransformer,
        OneHotEncoder,
        StandardScaler,
    )
    from sklearn.svm import SVC

    rng = np.random.RandomState(0)
    n = 40
    df = pd.DataFrame(
        {
            "color": rng.choice(["red", "green", "blue"], size=n),
            "size": rng.choice(["S", "M", "L"], size=n).astype(object),
            "a": rng.randn(n),
            "b": rng.randint(0, 10, size=n),
        }
    )
    y = (df["a"] + (df["color"] == "red") > 0.5).astype(int).to_numpy()

    def make_pipe() -> Pipeline:
        ct = ColumnTransformer(
            [
                (
                    "cat",
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                    ["color", "size"],
                ),
                ("num", StandardScaler(), ["a", "b"]),
            ]
        )
        return Pipeline([("prep", ct), ("clf", LogisticRegression())])

    pipe = make_pipe().fit(df, y)
    pipe_pd = make_pipe().set_output(transform="pandas").fit(df, y)

    X = rng.rand(30, 6)
    X[X < 0.6] = 0.0
    ys = rng.randint(0, 2, size=30)
    containers = {
        "csr_matrix": sp.csr_matrix(X),
        "csr_array": sp.csr_array(X),
        "csc_matrix": sp.csc_matrix(X),
        "csc_array": sp.csc_array(X),
        "coo_matrix": sp.coo_matrix(X),
        "coo_array": sp.coo_array(X),
    }

    Xc, yc = rng.rand(30, 3), rng.randint(0, 3, size=30)
    extras: list[tuple[str, Any]] = [
        # probes for callables / other Cython objects users commonly store
        (
            "extra:KNeighborsClassifier(ball_tree)",
            KNeighborsClassifier(algorithm="ball_tree").fit(Xc, yc),
        ),
        ("extra:FunctionTransformer(np.log1p)", FunctionTransformer(np.log1p).fit(Xc)),
        (
            "extra:FunctionTransformer(partial(np.clip))",
            FunctionTransformer(functools.partial(np.clip, a_min=0.0, a_max=1.0)).fit(
                Xc
            ),
        ),
        (
            "extra:FunctionTransformer(local def)",
            FunctionTransformer(script_log1p).fit(Xc),
        ),
        ("extra:FunctionTransformer(lambda)", FunctionTransformer(lambda x: x).fit(Xc)),
        ("extra:SGDClassifier(log_loss)", SGDClassifier(loss="log_loss").fit(Xc, yc)),
        ("extra:SGDRegressor", SGDRegressor().fit(Xc, Xc[:, 0])),
        (
            "extra:RandomState-param",
            RandomForestClassifier(
                n_estimators=2, random_state=np.random.RandomState(0)
            ).fit(Xc, yc),
        ),
        ("extra:Pipeline[ColumnTransformer+OHE+Scaler+LogReg]@DataFrame", pipe),
        ("extra:Pipeline[...]@DataFrame+set_output(pandas)", pipe_pd),
        ("extra:raw-DataFrame", df),
        ("extra:raw-sparse-containers", containers),
        (
            "extra:KNeighborsClassifier@csr_matrix",
            KNeighborsClassifier(n_neighbors=3).fit(containers["csr_matrix"], ys),
        ),
        (
            "extra:NearestNeighbors@csr_array",
            NearestNeighbors(n_neighbors=3).fit(containers["csr_array"]),
        ),
        ("extra:SVC@csc_matrix", SVC().fit(containers["csc_matrix"], ys)),
        (
            "extra:LogisticRegression@coo_array",
            LogisticRegression().fit(containers["coo_array"], ys),
        ),
    ]
    return extras


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------


@dataclass
class GlobalStats:
    role_counts: Counter[str] = field(default_factory=Counter)
    cases: list[str] = field(default_factory=list)
    from_all_estimators: bool = False
    mixed_in_stream: bool = False
    build_states: Counter[str] = field(default_factory=Counter)


def survey(
    cases: list[tuple[str, Any]],
) -> tuple[
    dict[str, GlobalStats],
    defaultdict[str, Counter[str]],
    defaultdict[str, Counter[str]],
    list[str],
]:
    stats: dict[str, GlobalStats] = defaultdict(GlobalStats)
    shapes: defaultdict[str, Counter[str]] = defaultdict(Counter)
    values: defaultdict[str, Counter[str]] = defaultdict(Counter)
    notes: list[str] = []
    for case_name, obj in cases:
        buffers: list[pickle.PickleBuffer] = []
        try:
            data = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
        except Exception as exc:  # noqa: BLE001 - recorded, e.g. lambdas
            notes.append(f"{case_name}: cannot pickle: {type(exc).__name__}: {exc}")
            continue
        walk = walk_pickle(data)
        roles_here: defaultdict[str, set[str]] = defaultdict(set)
        for key, role in walk.uses:
            st = stats[key]
            st.role_counts[role] += 1
            if case_name not in st.cases:
                st.cases.append(case_name)
            roles_here[key].add(role)
        for key, state_type in walk.builds:
            stats[key].build_states[state_type] += 1
        notes.extend(f"{case_name}: {n}" for n in sorted(set(walk.notes)))
        wrap = {k for k, r in roles_here.items() if r == {"constructor"}}
        for k, r in roles_here.items():
            if "constructor" in r and len(r) > 1:
                stats[k].mixed_in_stream = True
        RecordingUnpickler(io.BytesIO(data), buffers, wrap, shapes, values).load()
    return stats, shapes, values, notes


def main() -> None:
    from sklearn.utils import all_estimators

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zoo = fitted_zoo()
        cases: list[tuple[str, Any]] = [
            (c.name, c.estimator) for c in zoo if c.estimator is not None
        ]
        extras = extra_cases()
        cases.extend(extras)
        stats, shapes, values, notes = survey(cases)
        for _name, cls in all_estimators():
            st = stats[f"{cls.__module__}:{cls.__qualname__}"]
            st.from_all_estimators = True

    out: dict[str, Any] = {}
    for key in sorted(stats):
        st = stats[key]
        roles = sorted(
            set(st.role_counts) | ({"class"} if st.from_all_estimators else set())
        )
        entry: dict[str, Any] = {
            "roles": roles,
            "count": sum(st.role_counts.values()),
            "role_counts": dict(sorted(st.role_counts.items())),
            "example_cases": st.cases[:MAX_EXAMPLES],
            "n_cases": len(st.cases),
        }
        if st.from_all_estimators:
            entry["from_all_estimators"] = True
        if st.build_states:
            # objects made by this class/constructor that then get a BUILD
            # (``__setstate__`` or ``__dict__`` update), by type of state
            entry["build_states"] = dict(st.build_states.most_common())
        if key in shapes:
            common = shapes[key].most_common(MAX_SHAPES)
            entry["reduce_arg_shapes"] = [s for s, _ in common]
            entry["reduce_arg_shape_counts"] = dict(common)
            entry["n_distinct_arg_shapes"] = len(shapes[key])
        if values.get(key):
            # literal args when all are primitives (e.g. numpy.dtype('f8', ...))
            entry["reduce_arg_values"] = dict(values[key].most_common(MAX_VALUES))
        if st.mixed_in_stream:
            entry["note"] = (
                "constructor and another role in one stream: args not recorded"
            )
        out[key] = entry
    OUT_JSON.write_text(json.dumps(out, indent=1) + "\n")
    print_summary(out, notes)
    n_fitted = sum(c.estimator is not None for c in zoo)
    print(f"\nzoo: {len(zoo)} cases, {n_fitted} fitted; extras: {len(extras)}")
    print(
        f"surveyed {len(cases)} objects ({len(extras)} extra), "
        f"{len(out)} globals -> {OUT_JSON.relative_to(ROOT)} "
        f"in {time.perf_counter() - t0:.1f}s"
    )


def _top_module(key: str) -> str:
    module = key.split(":", 1)[0]
    return module.split(".", 1)[0]


def print_summary(out: dict[str, Any], notes: list[str]) -> None:
    groups: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    for key, entry in out.items():
        for role in entry["roles"]:
            groups[(_top_module(key), role)].append(key)
    for (top, role), keys in sorted(groups.items()):
        print(f"\n== {top} / {role}: {len(keys)}")
        if top == "sklearn" and role == "class":
            est = [k for k in keys if out[k].get("from_all_estimators")]
            unseen = [k for k in est if not out[k]["count"]]
            print(
                f"   {len(est)} from all_estimators() (names omitted), "
                f"{len(est) - len(unseen)} of them seen in streams; "
                f"not seen: {', '.join(unseen) or '-'}"
            )
            print("   other sklearn classes seen:")
            keys = [k for k in keys if not out[k].get("from_all_estimators")]
        for key in keys:
            entry = out[key]
            line = f"   {key}  x{entry['role_counts'].get(role, 0)}"
            if role == "constructor" and "reduce_arg_shapes" in entry:
                line += "  args: " + " | ".join(entry["reduce_arg_shapes"][:4])
                if entry["n_distinct_arg_shapes"] > 4:
                    line += f" | ... ({entry['n_distinct_arg_shapes']} shapes)"
            show_build = role == "constructor" or (role == "class" and top != "sklearn")
            if show_build and "build_states" in entry:
                line += f"  BUILD: {entry['build_states']}"
            print(line)
    if notes:
        print("\n== notes")
        for n in sorted(set(notes)):
            print(f"   {n}")


if __name__ == "__main__":
    main()
