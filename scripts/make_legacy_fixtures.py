"""Write a small corpus of legacy scikit-learn model files for the safe reader's tests.

Run this with the Python of a virtualenv that holds *old* pinned library versions,
never with the project's own ``.venv``; the output directory is named after the
versions found at run time, so one run per venv adds one directory::

    python3 -m venv /tmp/legacy-venv
    /tmp/legacy-venv/bin/pip install numpy==1.23.5 scipy==1.9.3 \\
        scikit-learn==1.1.3 joblib==1.1.0 lz4==4.3.2
    /tmp/legacy-venv/bin/python scripts/make_legacy_fixtures.py

(a second venv with ``joblib==1.2.0`` gives the other inline-array layout: joblib
>= 1.2 writes one pad-length byte plus ``0xff`` padding before each raw array so
the data is 16-byte aligned; joblib < 1.2 writes the data right after ``BUILD``).

Newer releases, written with fewer protocol/codec combinations (``--small``:
pickle protocols 4 and 5, joblib uncompressed; the
compressors are covered by the 1.1.3 corpus) and three more models
(``--more``: HistGradientBoostingClassifier with missing values, IsolationForest,
GradientBoostingClassifier), so that native inference can be checked against the
outputs each release gave (Python 3.11, every version pinned)::

    python3.11 -m venv /tmp/legacy-1.3
    /tmp/legacy-1.3/bin/pip install numpy==1.26.4 scipy==1.11.4 \
        scikit-learn==1.3.2 joblib==1.3.2 threadpoolctl==3.2.0
    /tmp/legacy-1.3/bin/python scripts/make_legacy_fixtures.py --small --more

    python3.11 -m venv /tmp/legacy-1.5
    /tmp/legacy-1.5/bin/pip install numpy==2.0.2 scipy==1.14.1 \
        scikit-learn==1.5.2 joblib==1.4.2 threadpoolctl==3.5.0
    /tmp/legacy-1.5/bin/python scripts/make_legacy_fixtures.py --small --more

    python3.11 -m venv /tmp/legacy-1.7
    /tmp/legacy-1.7/bin/pip install numpy==2.2.6 scipy==1.15.3 \
        scikit-learn==1.7.2 joblib==1.5.2 threadpoolctl==3.6.0
    /tmp/legacy-1.7/bin/python scripts/make_legacy_fixtures.py --small --more

The recorded outputs (``expected.npz``) are computed in the saving venv, on the
machine that ran it: for linear models and PCA they depend on that numpy's
OpenBLAS (the manifest records ``threadpoolctl``'s view of it under ``blas``).

For every model, ``tests/fixtures/legacy/<tag>/`` gets:

* ``<model>.p{0,2,3,4,5}.pkl`` - ``pickle.dump(model, f, protocol=N)``; a protocol
  that raises is skipped and the reason noted in the manifest;
* ``<model>.joblib`` (no compression) and ``<model>.<codec>.joblib`` for zlib, gzip,
  bz2, lzma, xz and lz4 at level 3 (joblib picks the container from ``compress``);
* ``<model>.X.npy`` - the inputs (float64, or unicode ``<U`` for the encoder; never
  object dtype, so ``numpy.load(allow_pickle=False)`` reads them);
* ``<model>.expected.npz`` - numeric outputs of predict / predict_proba /
  decision_function / transform on ``X`` (sparse outputs densified);
* ``MANIFEST.json`` - versions, python, every file with size and sha256, the
  methods recorded per model, and the skipped combinations.

Every written model file is then loaded back *in this same legacy venv* (our own
files, just written) and its outputs compared with ``expected.npz``.  A re-run with
the same venv reproduces every file byte for byte (joblib's gzip writer stores
mtime 0), so the manifest's sha256 values are stable.

joblib < 1.2 cannot read the aligned files written by joblib >= 1.2 (it takes the
pad-length byte for a pickle opcode); the reverse direction works.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import pickle
import platform
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.datasets import load_breast_cancer, load_iris, make_regression
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    IsolationForest,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "tests" / "fixtures" / "legacy"

PICKLE_PROTOCOLS: tuple[int, ...] = (0, 2, 3, 4, 5)
JOBLIB_CODECS: tuple[str, ...] = ("zlib", "gzip", "bz2", "lzma", "xz", "lz4")
SMALL_PICKLE_PROTOCOLS: tuple[int, ...] = (4, 5)
SMALL_JOBLIB_CODECS: tuple[str, ...] = ()
JOBLIB_LEVEL = 3
METHODS: tuple[str, ...] = ("predict", "predict_proba", "decision_function", "transform")
# recorded for the --more models only (the 1.1.3 corpus was written without them)
MORE_METHODS: tuple[str, ...] = ("score_samples",)

Loader = Callable[[Path], Any]


@dataclass
class Case:
    """One fitted model plus the inputs its outputs are recorded on."""

    name: str
    model: Any
    X: np.ndarray
    note: str = ""


@dataclass
class ModelRecord:
    """What was written for one model (goes into the manifest)."""

    name: str
    estimator: str
    note: str
    x_file: str
    x_dtype: str
    x_shape: list[int]
    expected_file: str
    methods: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)


def versions() -> dict[str, str]:
    found: dict[str, str] = {
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "joblib": joblib.__version__,
    }
    try:
        import lz4  # optional: only joblib's lz4 codec needs it

        found["lz4"] = str(lz4.__version__)
    except ImportError:
        found["lz4"] = "absent"
    return found


def blas_info() -> list[dict[str, Any]]:
    """The BLAS the recorded outputs were computed with (threadpoolctl's view)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keep = ("internal_api", "version", "architecture", "num_threads")
    return [
        {k: p.get(k) for k in keep} for p in threadpool_info() if p.get("user_api") == "blas"
    ]


def tag_for(found: dict[str, str]) -> str:
    return f"sklearn{found['scikit-learn']}-numpy{found['numpy']}-joblib{found['joblib']}"


def joblib_aligns_arrays(version: str) -> bool:
    major, minor = (int(part) for part in version.split(".")[:2])
    return (major, minor) >= (1, 2)


def build_cases(more: bool = False) -> list[Case]:
    """Fit every model on small deterministic data (``more``: three more models)."""
    iris = load_iris()
    X_iris = np.ascontiguousarray(iris.data, dtype=np.float64)
    y_iris = np.asarray(iris.target)
    X_reg, y_reg = make_regression(n_samples=60, n_features=4, noise=0.5, random_state=0)
    X_reg = np.ascontiguousarray(X_reg, dtype=np.float64)

    # String categories: the encoder is fitted on an *object* array so that its
    # categories_ are object-dtype arrays (a '<U' input would give '<U' categories);
    # the stored X is the same data as unicode '<U', which transform accepts.
    X_cat = np.array(
        [
            ["red", "small", "cotton"],
            ["green", "large", "wool"],
            ["blue", "medium", "silk"],
            ["red", "large", "silk"],
            ["green", "small", "cotton"],
            ["blue", "large", "wool"],
            ["red", "medium", "wool"],
            ["green", "medium", "silk"],
        ],
        dtype="<U6",
    )
    encoder = OneHotEncoder(handle_unknown="ignore").fit(X_cat.astype(object))
    for cats in encoder.categories_:
        if cats.dtype != object:
            raise RuntimeError(f"expected object categories_, got {cats.dtype}")

    cases = [
        Case("logreg", LogisticRegression(max_iter=1000).fit(X_iris, y_iris), X_iris),
        Case(
            "tree", DecisionTreeClassifier(max_depth=4, random_state=0).fit(X_iris, y_iris), X_iris
        ),
        Case(
            "forest",
            RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0).fit(X_iris, y_iris),
            X_iris,
        ),
        Case(
            "pipeline",
            Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=1000))]).fit(
                X_iris, y_iris
            ),
            X_iris,
        ),
        Case(
            "gbr",
            GradientBoostingRegressor(n_estimators=5, random_state=0).fit(X_reg, y_reg),
            X_reg,
        ),
        Case(
            "onehot",
            encoder,
            X_cat,
            note="fitted on an object array: categories_ are object-dtype arrays",
        ),
    ]
    if more:
        cases += more_cases(X_iris, y_iris)
    return cases


def more_cases(X_iris: np.ndarray, y_iris: np.ndarray) -> list[Case]:
    """HistGradientBoosting (binary with missing values, and multiclass),
    IsolationForest and GradientBoostingClassifier, on small inputs."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    cancer = load_breast_cancer()
    X_bc = np.ascontiguousarray(cancer.data[:120, :10], dtype=np.float64)
    y_bc = np.asarray(cancer.target[:120])
    rng = np.random.RandomState(0)
    X_nan = X_bc.copy()
    X_nan[rng.uniform(size=X_nan.shape) < 0.05] = np.nan
    return [
        Case(
            "hgb",
            HistGradientBoostingClassifier(
                max_iter=15, max_leaf_nodes=8, max_bins=32, random_state=0
            ).fit(X_nan, y_bc),
            X_nan,
            note="binary, about 5% of the inputs missing (NaN) at fit and predict time",
        ),
        Case(
            "hgb3",
            HistGradientBoostingClassifier(
                max_iter=8, max_leaf_nodes=6, max_bins=32, random_state=0
            ).fit(X_iris, y_iris),
            X_iris,
            note="three classes (softmax)",
        ),
        Case(
            "iforest",
            IsolationForest(n_estimators=5, max_samples=32, random_state=0).fit(X_bc),
            X_bc,
        ),
        Case(
            "gbc",
            GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0).fit(
                X_iris, y_iris
            ),
            X_iris,
        ),
    ]


def record_outputs(
    model: Any, X: np.ndarray, methods: tuple[str, ...] = METHODS
) -> dict[str, np.ndarray]:
    """Numeric outputs of every available method (sparse results densified)."""
    out: dict[str, np.ndarray] = {}
    for method in methods:
        if not hasattr(model, method):
            continue
        value: Any = getattr(model, method)(X)
        if sp.issparse(value):
            value = value.toarray()
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise RuntimeError(f"{type(model).__name__}.{method} gave non-numeric {arr.dtype}")
        out[method] = np.ascontiguousarray(arr)
    return out


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_pickles(
    case: Case, out_dir: Path, rec: ModelRecord, protocols: tuple[int, ...] = PICKLE_PROTOCOLS
) -> list[tuple[str, Loader]]:
    written: list[tuple[str, Loader]] = []
    for proto in protocols:
        name = f"{case.name}.p{proto}.pkl"
        buf = io.BytesIO()
        try:
            pickle.dump(case.model, buf, protocol=proto)
        except Exception as exc:  # any failure: skip this protocol
            rec.skipped.append({"file": name, "reason": f"{type(exc).__name__}: {exc}"})
            continue
        (out_dir / name).write_bytes(buf.getvalue())
        rec.files.append(name)
        written.append((name, _load_pickle))
    return written


def write_joblibs(
    case: Case, out_dir: Path, rec: ModelRecord, codecs: tuple[str, ...] = JOBLIB_CODECS
) -> list[tuple[str, Loader]]:
    written: list[tuple[str, Loader]] = []
    variants: list[tuple[str, Any]] = [(f"{case.name}.joblib", 0)]
    variants += [(f"{case.name}.{codec}.joblib", (codec, JOBLIB_LEVEL)) for codec in codecs]
    for name, compress in variants:
        path = out_dir / name
        try:
            joblib.dump(case.model, path, compress=compress)
        except Exception as exc:  # e.g. lz4 missing: skip that codec
            path.unlink(missing_ok=True)
            rec.skipped.append({"file": name, "reason": f"{type(exc).__name__}: {exc}"})
            continue
        rec.files.append(name)
        written.append((name, joblib.load))
    return written


def _load_pickle(path: Path) -> Any:
    # Our own file, written a moment ago by this process, in this legacy venv.
    with path.open("rb") as fh:
        return pickle.load(fh)


def verify(
    out_dir: Path,
    loaders: list[tuple[str, Loader]],
    case: Case,
    expected: dict[str, np.ndarray],
    methods: tuple[str, ...] = METHODS,
) -> None:
    X = np.load(out_dir / f"{case.name}.X.npy", allow_pickle=False)
    with np.load(out_dir / f"{case.name}.expected.npz", allow_pickle=False) as npz:
        stored = {key: npz[key] for key in npz.files}
    if stored.keys() != expected.keys():
        raise AssertionError(f"{case.name}: expected.npz keys {sorted(stored)}")
    for name, load in loaders:
        got = record_outputs(load(out_dir / name), X, methods)
        if got.keys() != stored.keys():
            raise AssertionError(f"{name}: methods {sorted(got)} != {sorted(stored)}")
        for method, want in stored.items():
            np.testing.assert_array_equal(got[method], want, err_msg=f"{name}.{method}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="root directory; files go to <out>/<tag>/ (default: %(default)s)",
    )
    parser.add_argument(
        "--no-verify", action="store_true", help="skip loading the written files back"
    )
    parser.add_argument(
        "--small",
        action="store_true",
        help="pickle protocols 4 and 5 and uncompressed joblib only",
    )
    parser.add_argument(
        "--more",
        action="store_true",
        help="add HistGradientBoosting, IsolationForest and GradientBoostingClassifier",
    )
    args = parser.parse_args(argv)
    protocols = SMALL_PICKLE_PROTOCOLS if args.small else PICKLE_PROTOCOLS
    codecs = SMALL_JOBLIB_CODECS if args.small else JOBLIB_CODECS
    methods = METHODS + MORE_METHODS if args.more else METHODS

    found = versions()
    tag = tag_for(found)
    out_dir: Path = args.out / tag
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)

    records: list[ModelRecord] = []
    for case in build_cases(args.more):
        x_file = f"{case.name}.X.npy"
        expected_file = f"{case.name}.expected.npz"
        rec = ModelRecord(
            name=case.name,
            estimator=f"{type(case.model).__module__}.{type(case.model).__qualname__}",
            note=case.note,
            x_file=x_file,
            x_dtype=case.X.dtype.str,
            x_shape=list(case.X.shape),
            expected_file=expected_file,
        )
        np.save(out_dir / x_file, case.X, allow_pickle=False)
        expected = record_outputs(case.model, case.X, methods)
        np.savez(out_dir / expected_file, **expected)
        rec.methods = {
            m: {"dtype": a.dtype.str, "shape": list(a.shape)} for m, a in expected.items()
        }
        loaders = write_pickles(case, out_dir, rec, protocols) + write_joblibs(
            case, out_dir, rec, codecs
        )
        if not args.no_verify:
            verify(out_dir, loaders, case, expected, methods)
        records.append(rec)
        print(
            f"{tag}/{case.name}: {len(rec.files)} model files, methods {sorted(expected)}"
            + (f", skipped {[s['file'] for s in rec.skipped]}" if rec.skipped else "")
        )

    files = sorted(p for p in out_dir.iterdir() if p.is_file())
    manifest: dict[str, Any] = {
        "tag": tag,
        "generator": "scripts/make_legacy_fixtures.py",
        "versions": found,
        "platform": {
            "machine": platform.machine(),
            "system": platform.system(),
            "byteorder": sys.byteorder,
        },
        "pickle": {"protocols": list(protocols)},
        "joblib": {
            "pickle_protocol": pickle.DEFAULT_PROTOCOL,
            "codecs": list(codecs),
            "level": JOBLIB_LEVEL,
            "aligned_inline_arrays": joblib_aligns_arrays(found["joblib"]),
        },
        "verified_by_reload": not args.no_verify,
        "methods": list(methods),
        "blas": blas_info(),
        "models": [rec.__dict__ for rec in records],
        "files": [{"name": p.name, "size": p.stat().st_size, "sha256": sha256(p)} for p in files],
    }
    (out_dir / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum(p.stat().st_size for p in files)
    print(f"{tag}: {len(files)} files, {total} bytes -> {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
