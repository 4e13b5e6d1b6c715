"""A zoo of fitted scikit-learn estimators, one per instance sklearn tests.

``fitted_zoo()`` builds every estimator instance that scikit-learn's own test
suite builds (``_tested_estimators``), fits each on small deterministic data
chosen from its tags (the same way ``sklearn.utils.estimator_checks`` does),
and records which prediction-like methods give a deterministic output.

Run as ``python tests/zoo.py`` to print a summary.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import make_blobs
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.utils import get_tags
from sklearn.utils._test_common.instance_generator import _tested_estimators
from sklearn.utils._testing import set_random_state
from sklearn.utils.estimator_checks import (
    _enforce_estimator_tags_X,
    _enforce_estimator_tags_y,
)

__all__ = ["METHODS", "ZooCase", "fitted_zoo", "outputs_equal", "zoo_case_names"]

#: Methods probed on every fitted estimator, in this order.
METHODS: tuple[str, ...] = (
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "transform",
    "score_samples",
)

N_TRAIN = 60
#: Rows of the training set that methods are called on (20 rows, all classes).
EVAL_IDX = np.arange(0, N_TRAIN, 3)
SEED = 0


@dataclass
class ZooCase:
    """One estimator instance of the zoo."""

    name: str
    estimator: Any  # the fitted estimator, or None when it failed to fit
    X: Any  # input to call ``methods`` on
    methods: list[str] = field(default_factory=list)
    skip_reason: str | None = None
    #: Methods that exist but were dropped, with the reason (raises / nondeterministic).
    dropped: dict[str, str] = field(default_factory=dict)
    #: Which fitting strategy worked (e.g. ``dense-y0``, ``text``, ``nan-y0``).
    fit_data: str = ""

    @property
    def fitted(self) -> bool:
        return self.estimator is not None


# --------------------------------------------------------------------------
# Output comparison (shared with tests/test_zoo.py)
# --------------------------------------------------------------------------


def _arrays_equal(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind in "fc":
        if not np.array_equal(a, b, equal_nan=True):
            return False
        # bitwise: also the bytes (distinguishes -0.0/0.0 and NaN payloads)
        a_c = np.ascontiguousarray(a)
        b_c = np.ascontiguousarray(b)
        return bool(np.array_equal(a_c.view(np.uint8), b_c.view(np.uint8)))
    if a.dtype.kind == "O":
        if a.shape != b.shape:
            return False
        return all(
            outputs_equal(x, y) for x, y in zip(a.ravel(), b.ravel(), strict=True)
        )
    return bool(np.array_equal(a, b))


def outputs_equal(a: Any, b: Any) -> bool:
    """Bitwise equality of method outputs (ndarrays, sparse, tuples, lists)."""
    if sp.issparse(a) or sp.issparse(b):
        if not (sp.issparse(a) and sp.issparse(b)):
            return False
        if type(a) is not type(b) or a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.format in ("csr", "csc", "bsr"):
            return (
                _arrays_equal(a.data, b.data)
                and _arrays_equal(a.indices, b.indices)
                and _arrays_equal(a.indptr, b.indptr)
            )
        a_coo, b_coo = a.tocoo(), b.tocoo()
        return (
            _arrays_equal(a_coo.data, b_coo.data)
            and _arrays_equal(a_coo.row, b_coo.row)
            and _arrays_equal(a_coo.col, b_coo.col)
        )
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        return _arrays_equal(a, b)
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        if type(a) is not type(b) or len(a) != len(b):
            return False
        return all(outputs_equal(x, y) for x, y in zip(a, b, strict=True))
    if hasattr(a, "to_numpy") and hasattr(b, "to_numpy"):  # pandas output
        return type(a) is type(b) and outputs_equal(a.to_numpy(), b.to_numpy())
    if isinstance(a, float) and isinstance(b, float):
        return np.float64(a).tobytes() == np.float64(b).tobytes()
    return bool(type(a) is type(b) and a == b)


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def _base_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dense X (60x4), 3-class labels, and a regression target."""
    X, y = make_blobs(
        n_samples=N_TRAIN,
        centers=3,
        n_features=4,
        cluster_std=2.0,
        random_state=SEED,
    )
    rng = np.random.RandomState(SEED)
    coef = np.array([1.5, -2.0, 0.5, 1.0])
    y_reg = X @ coef + 5.0 + 0.3 * rng.randn(N_TRAIN)
    return X, y.astype(np.int64), y_reg


# fmt: off
_WORDS = [
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
    "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho",
    "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
]
# fmt: on


def _text_data(y: np.ndarray) -> list[str]:
    rng = np.random.RandomState(SEED)
    docs = []
    for label in y:
        # class-dependent vocabulary so supervised text models are meaningful
        lo = 8 * int(label)
        words = rng.choice(_WORDS[lo : lo + 10], size=rng.randint(4, 9))
        docs.append(" ".join(words))
    return docs


def _dict_data(X: np.ndarray, y: np.ndarray) -> list[dict[str, Any]]:
    colors = ["red", "green", "blue"]
    return [
        {"f0": float(r[0]), "f1": float(r[1]), "color": colors[int(c)]}
        for r, c in zip(X, y, strict=True)
    ]


def _multilabel_data(y: np.ndarray) -> list[tuple[int, ...]]:
    rng = np.random.RandomState(SEED)
    out = []
    for label in y:
        extra = int(rng.randint(0, 5))
        out.append(tuple(sorted({int(label), extra})))
    return out


@dataclass
class _Attempt:
    """One way to fit: training input, fit args, and the evaluation input."""

    label: str
    X_fit: Any
    y_fit: Any  # None means ``fit(X)``
    X_eval: Any
    fit_only_y: bool = False  # label transformers: ``fit(y)``


def _take(X: Any, idx: np.ndarray) -> Any:
    if isinstance(X, list):
        return [X[i] for i in idx]
    return X[idx]


def _inject_nan(X: np.ndarray) -> np.ndarray:
    X = np.array(X, dtype=np.float64)
    rng = np.random.RandomState(42)
    mask = rng.choice(X.size, 10, replace=False)
    X.reshape(-1)[mask] = np.nan
    return X


def _targets(est: Any, y_cls: np.ndarray, y_reg: np.ndarray) -> list[Any]:
    """Candidate targets for ``est`` in order of preference."""
    tags = get_tags(est)
    multi_required = (
        tags.target_tags.multi_output and not tags.target_tags.single_output
    )
    if is_regressor(est) and not is_classifier(est):
        y = y_reg.copy()
        y2 = np.column_stack([y, 0.5 * y + np.sin(y)])
        cands = [y2] if multi_required else [y, y2]
    else:
        y = y_cls.copy()
        # multilabel indicator: works for ClassifierChain's predict_proba too
        y2 = np.column_stack([y == 0, (y == 1) | (np.arange(len(y)) % 4 == 0)])
        y2 = y2.astype(np.int64)
        cands = [y2] if multi_required else [y, y2]
        binary = (y_cls == y_cls.min()).astype(np.int64)
        cands.append(binary)
        if not (is_classifier(est) or tags.target_tags.required):
            cands.append(y_reg.copy())
    out: list[Any] = []
    for c in cands:
        try:
            if c.ndim == 2:
                # enforce column by column: the helper would reshape to (-1, 1)
                cols = [
                    np.ravel(_enforce_estimator_tags_y(est, col.copy())) for col in c.T
                ]
                out.append(np.column_stack(cols))
            else:
                out.append(_enforce_estimator_tags_y(est, c.copy()))
        except Exception:  # noqa: BLE001 - tags helper is best effort
            out.append(c)
    return out


def _attempts(est: Any) -> Iterator[_Attempt]:
    """Yield ways to fit ``est``, best guess first (following its tags)."""
    tags = get_tags(est)
    it, tt = tags.input_tags, tags.target_tags
    X0, y_cls, y_reg = _base_data()
    ys = _targets(est, y_cls, y_reg)

    if tt.one_d_labels and not it.two_d_array:
        labels = np.array(["ant", "bee", "cat"])[y_cls]
        yield _Attempt("1d-labels", labels, None, labels[EVAL_IDX], fit_only_y=True)
        yield _Attempt("1d-int-labels", y_cls, None, y_cls[EVAL_IDX], fit_only_y=True)
        return
    if tt.two_d_labels and not it.two_d_array:
        ml = _multilabel_data(y_cls)
        yield _Attempt("2d-labels", ml, None, _take(ml, EVAL_IDX), fit_only_y=True)
        return
    if it.string and not it.two_d_array:
        docs = _text_data(y_cls)
        ev = _take(docs, EVAL_IDX)
        for k, y in enumerate(ys):
            yield _Attempt(f"text-y{k}", docs, y, ev)
        yield _Attempt("text-unsupervised", docs, None, ev)
        return
    if it.dict and not it.two_d_array:
        dicts = _dict_data(X0, y_cls)
        ev = _take(dicts, EVAL_IDX)
        yield _Attempt("dicts", dicts, None, ev)
        for k, y in enumerate(ys):
            yield _Attempt(f"dicts-y{k}", dicts, y, ev)
        return
    if it.three_d_array and not it.two_d_array:
        rng = np.random.RandomState(SEED)
        imgs = rng.rand(4, 20, 20)
        yield _Attempt("images", imgs, None, imgs[:2])
        return

    def enforce(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        Xe = _enforce_estimator_tags_X(est, X.copy(), kernel=rbf_kernel)
        # evaluation rows are a subset of the training rows; for pairwise
        # input, rows of K(X, X) are exactly K(X_eval, X_train)
        return Xe, Xe[EVAL_IDX]

    dictionary = est.get_params(deep=False).get("dictionary")
    if isinstance(dictionary, np.ndarray) and dictionary.ndim == 2:
        # SparseCoder: X must have as many features as the dictionary
        X0 = make_blobs(
            n_samples=N_TRAIN,
            centers=3,
            n_features=dictionary.shape[1],
            cluster_std=2.0,
            random_state=SEED,
        )[0]

    variants: list[tuple[str, np.ndarray]] = []
    if it.allow_nan and not it.pairwise:
        variants.append(("nan", _inject_nan(X0)))
    variants.append(("dense", X0))
    variants.append(("positive", X0 - X0.min() + 0.1))
    for vlabel, Xv in variants:
        try:
            Xf, Xev = enforce(Xv)
        except Exception as exc:  # noqa: BLE001
            yield _Attempt(f"{vlabel}-enforce-failed: {exc}", None, None, None)
            continue
        if vlabel == "nan" and it.categorical:
            Xf = _inject_nan(Xf)
            Xev = Xf[EVAL_IDX]
        for k, y in enumerate(ys):
            yield _Attempt(f"{vlabel}-y{k}", Xf, y, Xev)
        if not tt.required:
            yield _Attempt(f"{vlabel}-noy", Xf, None, Xev)


# --------------------------------------------------------------------------
# Fitting and method probing
# --------------------------------------------------------------------------


def _safe_hasattr(obj: Any, name: str) -> bool:
    try:
        return hasattr(obj, name)
    except Exception:  # noqa: BLE001 - available_if may raise anything
        return False


def _probe_methods(est: Any, X: Any) -> tuple[list[str], dict[str, str]]:
    methods: list[str] = []
    dropped: dict[str, str] = {}
    for m in METHODS:
        if not _safe_hasattr(est, m):
            continue
        fn: Callable[[Any], Any] = getattr(est, m)
        try:
            first = fn(X)
            second = fn(X)
        except Exception as exc:  # noqa: BLE001
            dropped[m] = f"raises {type(exc).__name__}: {exc}"[:200]
            continue
        if not outputs_equal(first, second):
            dropped[m] = "nondeterministic"
            continue
        methods.append(m)
    return methods, dropped


def _fit_one(est_orig: Any) -> tuple[Any, _Attempt | None, str | None]:
    """Fit a clone of ``est_orig``; return (fitted or None, attempt, reason)."""
    errors: list[str] = []
    for att in _attempts(est_orig):
        est = clone(est_orig)
        set_random_state(est, SEED)
        try:
            if att.X_fit is None:
                raise ValueError("no input data")
            if att.fit_only_y or att.y_fit is None:
                est.fit(att.X_fit)
            else:
                est.fit(att.X_fit, att.y_fit)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"[{att.label}] {type(exc).__name__}: {exc}"[:300])
            continue
        return est, att, None
    return None, None, " | ".join(errors[:3]) or "no fitting strategy"


def _unique_names(estimators: list[Any]) -> list[str]:
    counts = Counter(type(e).__name__ for e in estimators)
    seen: Counter[str] = Counter()
    names = []
    for e in estimators:
        n = type(e).__name__
        if counts[n] > 1:
            names.append(f"{n}-{seen[n]}")
            seen[n] += 1
        else:
            names.append(n)
    return names


def zoo_case_names() -> list[str]:
    """Names of the zoo cases, in order, without fitting anything (cheap)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _unique_names(list(_tested_estimators()))


def fitted_zoo() -> list[ZooCase]:
    """Fit every estimator instance of sklearn's test suite on small data."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimators = list(_tested_estimators())
        names = _unique_names(estimators)
        cases: list[ZooCase] = []
        for name, est_orig in zip(names, estimators, strict=True):
            est, att, reason = _fit_one(est_orig)
            if est is None or att is None:
                cases.append(ZooCase(name, None, None, [], skip_reason=reason))
                continue
            methods, dropped = _probe_methods(est, att.X_eval)
            cases.append(
                ZooCase(name, est, att.X_eval, methods, None, dropped, att.label)
            )
    return cases


def main() -> None:
    t0 = time.perf_counter()
    cases = fitted_zoo()
    elapsed = time.perf_counter() - t0
    fitted = [c for c in cases if c.fitted]
    for c in cases:
        if not c.fitted:
            print(f"NOT FITTED {c.name}: {c.skip_reason}")
    for c in fitted:
        if c.dropped:
            print(f"dropped methods {c.name}: {c.dropped}")
    no_methods = [c.name for c in fitted if not c.methods]
    print(f"no methods (fit-only, kept): {', '.join(no_methods)}")
    n_methods = sum(len(c.methods) for c in fitted)
    print(
        f"zoo: {len(cases)} cases built, {len(fitted)} fitted, "
        f"{n_methods} method outputs, {elapsed:.1f}s"
    )


if __name__ == "__main__":
    main()
