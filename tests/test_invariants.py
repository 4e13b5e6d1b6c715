"""Compiled-code invariants of allowed classes, pure references and the
never-allowed list (issue 11). Hostile files are real fitted models saved by
skseal and edited with :class:`test_errors.SkFile`; nothing hostile is
unpickled with pickle or joblib."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
from test_errors import SkFile, state_dict

import skseal

XY = tuple[np.ndarray, np.ndarray]


@pytest.fixture(scope="module")
def iris() -> XY:
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    return X, y


def _pairs(node: dict[str, Any]) -> dict[str, list[Any]]:
    """key -> its [key, value] pair in an object's dict state (editable)."""
    return {kv[0]: kv for kv in state_dict(node)}


def _objects(f: SkFile, suffix: str) -> list[dict[str, Any]]:
    return [n for n in f.nodes() if str(n.get("object", "")).endswith(suffix)]


def _array_of(f: SkFile, node: dict[str, Any], key: str) -> int:
    v = _pairs(node)[key][1]
    if "ref" in v:  # a value shared with another attribute
        v = f.header["graph"]["shared"][v["ref"]]
    return int(v["array"])


def _refused(data: bytes, *fragments: str) -> None:
    with pytest.raises(skseal.ValidationError) as ei:
        skseal.loads(data)
    for s in fragments:
        assert s in str(ei.value), str(ei.value)


# ------------------------------------------------------- gradient boosting


def _gb(iris: XY, binary: bool) -> SkFile:
    from sklearn.ensemble import GradientBoostingClassifier

    X, y = iris
    return SkFile.parse(skseal.dumps(
        GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0)
        .fit(X, y > 0 if binary else y)))


def test_gb_estimators_wider_than_init_output(iris: XY) -> None:
    """Binary GB: init_ gives one column; estimators_ reshaped to (1, 3)
    makes predict_stages write raw_predictions[:, 1..2] (heap overflow)."""
    f = _gb(iris, binary=True)
    est = _pairs(f.root)["estimators_"][1]
    assert est["shape"] == [3, 1]
    est["shape"] = [1, 3]
    _refused(f.to_bytes(), "estimators_ has shape [1, 3]")
    # also claiming three trees per stage: n_classes_ 2 needs one
    _pairs(f.root)["n_trees_per_iteration_"][1] = 3
    _refused(f.to_bytes(), "n_classes_ is 2")


def test_gb_init_with_other_width(iris: XY) -> None:
    f = _gb(iris, binary=False)
    [dummy] = _objects(f, ":DummyClassifier")
    i = _array_of(f, dummy, "classes_")
    f.set_array(i, f.array(i)[:2])
    _refused(f.to_bytes(), "init_.classes_")


def test_untouched_gb_loads(iris: XY) -> None:
    for binary in (True, False):
        m = skseal.loads(_gb(iris, binary).to_bytes())
        assert m.predict(iris[0]).shape == (150,)


# ------------------------------------------------------------------ libsvm


def _svc(iris: XY, **kw: Any) -> SkFile:
    from sklearn.svm import SVC

    X, y = iris
    return SkFile.parse(skseal.dumps(SVC(**kw).fit(X, y)))


def test_svc_support_longer_than_support_vectors(iris: XY) -> None:
    f = _svc(iris)
    i = _array_of(f, f.root, "support_")
    a = f.array(i)
    f.set_array(i, np.concatenate([a, a]))
    _refused(f.to_bytes(), "support_vectors_ has shape")


def test_svc_n_support_sum(iris: XY) -> None:
    """CVE-2020-28975: _n_support larger than the support vectors stored."""
    f = _svc(iris)
    i = _array_of(f, f.root, "_n_support")
    a = f.array(i)
    a[0] += 1000
    f.set_array(i, a)
    _refused(f.to_bytes(), "_n_support sums to")


@pytest.mark.parametrize("key", ["_dual_coef_", "_intercept_", "_probA"])
def test_svc_coefficient_shapes(iris: XY, key: str) -> None:
    with pytest.warns(FutureWarning):
        f = _svc(iris, probability=True)
    i = _array_of(f, f.root, key)
    f.set_array(i, f.array(i)[..., :1])
    _refused(f.to_bytes(), key)


def test_svc_precomputed_support_indices(iris: XY) -> None:
    from sklearn.svm import SVC

    X, y = iris
    K = X @ X.T
    f = SkFile.parse(skseal.dumps(SVC(kernel="precomputed").fit(K, y)))
    assert skseal.loads(f.to_bytes()).predict(K).shape == (150,)
    i = _array_of(f, f.root, "support_")
    a = f.array(i)
    a[0] = 10**6
    f.set_array(i, a)
    _refused(f.to_bytes(), "precomputed kernel")


@pytest.mark.parametrize("cls", ["SVR", "OneClassSVM", "NuSVC"])
def test_other_libsvm_models(iris: XY, cls: str) -> None:
    import sklearn.svm

    X, y = iris
    model = getattr(sklearn.svm, cls)()
    model.fit(X) if cls == "OneClassSVM" else model.fit(X, y)
    f = SkFile.parse(skseal.dumps(model))
    assert skseal.loads(f.to_bytes()).predict(X).shape == (150,)
    i = _array_of(f, f.root, "support_")
    a = f.array(i)
    f.set_array(i, a[:-1])
    _refused(f.to_bytes(), "support_")


# ----------------------------------------------------- BSpline and k-means


def test_bspline_huge_degree(iris: XY) -> None:
    from sklearn.preprocessing import SplineTransformer

    f = SkFile.parse(skseal.dumps(SplineTransformer().fit(iris[0])))
    splines = _objects(f, ":BSpline")
    assert len(splines) == 4
    _pairs(splines[1])["k"][1] = 10**9
    _refused(f.to_bytes(), "BSpline", "degree k = 1000000000")


def test_bspline_too_few_coefficients(iris: XY) -> None:
    from sklearn.preprocessing import SplineTransformer

    f = SkFile.parse(skseal.dumps(SplineTransformer().fit(iris[0])))
    sp = _objects(f, ":BSpline")[0]
    i = _array_of(f, sp, "_c")
    f.set_array(i, f.array(i)[:2])
    _refused(f.to_bytes(), "coefficients c")


@pytest.mark.parametrize("cls", ["KMeans", "MiniBatchKMeans", "BisectingKMeans"])
def test_kmeans_centers_narrower_than_input(iris: XY, cls: str) -> None:
    import sklearn.cluster

    f = SkFile.parse(skseal.dumps(getattr(sklearn.cluster, cls)(3, random_state=0).fit(iris[0])))
    assert skseal.loads(f.to_bytes()).predict(iris[0]).shape == (150,)
    i = _array_of(f, f.root, "cluster_centers_")
    f.set_array(i, f.array(i)[:, :2])
    _refused(f.to_bytes(), "cluster_centers_ has shape")


# ------------------------------------------------------------ HGB widths


def _hgb(iris: XY) -> SkFile:
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = iris
    return SkFile.parse(skseal.dumps(HistGradientBoostingClassifier(max_iter=2).fit(X, y)))


def test_hgb_predictors_width(iris: XY) -> None:
    f = _hgb(iris)
    preds = _pairs(f.root)["_predictors"][1]
    preds["list"][1]["list"].pop()
    _refused(f.to_bytes(), "_predictors[1] holds 2 predictors")


def test_hgb_preprocessor_is_refused(iris: XY) -> None:
    """predict replaces the input width check by _preprocessor.transform."""
    f = _hgb(iris)
    _pairs(f.root)["_preprocessor"][1] = {
        "object": "sklearn.preprocessing._function_transformer:FunctionTransformer",
        "state": {"dict": [["func", None], ["validate", False]]}}
    _refused(f.to_bytes(), "_preprocessor")


# --------------------------------------------------------- pure references


def _ft(**kw: Any) -> SkFile:
    from sklearn.preprocessing import FunctionTransformer

    return SkFile.parse(skseal.dumps(FunctionTransformer(**kw)))


@pytest.mark.parametrize("attr", ["kw_args", "inv_kw_args"])
def test_out_keyword_is_refused(attr: str) -> None:
    """numpy.sum(X, out=<an index array of the model>, where=False, initial=...)
    would rewrite a validated array after load."""
    f = _ft(func=np.sum, inverse_func=np.sum, kw_args={"axis": 1}, inv_kw_args={"axis": 1})
    victim = {"array": 0} if f.arrays else None
    _pairs(f.root)[attr][1]["dict"] += [["out", victim], ["where", False], ["initial", 7]]
    _refused(f.to_bytes(), attr, '"out"')


def test_out_keyword_in_an_ordered_dict_or_as_numpy_str() -> None:
    """``**kw_args`` unpacks any mapping (an OrderedDict's items) and accepts
    str subclasses as keywords (numpy.str_)."""
    f = _ft(func=np.sum, kw_args={"axis": 1})
    out = {"scalar": "<U3", "hex": "out".encode("utf-32-le").hex()}
    _pairs(f.root)["kw_args"][1]["dict"].append([out, None])
    _refused(f.to_bytes(), "kw_args", '"out"')
    f = _ft(func=np.sum, kw_args={"axis": 1})
    _pairs(f.root)["kw_args"][1] = {"object": "collections:OrderedDict",
                                    "items": [["axis", 1], ["out", None]]}
    _refused(f.to_bytes(), "kw_args", '"out"')


def test_kmeans_helpers_are_not_references() -> None:
    from sklearn.cluster._kmeans import _kmeans_single_lloyd
    from sklearn.preprocessing import FunctionTransformer

    ft = FunctionTransformer(func=_kmeans_single_lloyd)
    with pytest.raises(skseal.UnsupportedObjectError, match="_kmeans_single_lloyd"):
        skseal.dumps(ft)
    data = pickle.dumps(ft, protocol=5)  # our own object: safe to pickle
    name = "sklearn.cluster._kmeans._kmeans_single_lloyd"
    with pytest.raises(skseal.UntrustedTypeError, match="internal helper") as ei:
        skseal.loads(data)
    assert ei.value.types == [name]
    assert name in skseal.untrusted_types(data)


def test_bisecting_kmeans_keeps_its_helper(iris: XY) -> None:
    from sklearn.cluster import BisectingKMeans

    m = BisectingKMeans(3, random_state=0).fit(iris[0])
    out = skseal.loads(skseal.dumps(m))
    assert out._kmeans_single is m._kmeans_single
    assert skseal.untrusted_types(pickle.dumps(m, protocol=5)) == []


# ---------------------------------------------------- never allowed names

NEVER: list[tuple[str, str]] = [
    ("pandas", "read_pickle"),
    ("pandas.io.pickle", "read_pickle"),
    ("numpy.lib.format", "open_memmap"),
    ("numpy", "memmap"),
    ("numpy", "load"),
    ("scipy.io", "loadmat"),
    ("scipy.io.matlab._mio", "loadmat"),
    ("sklearn.datasets", "fetch_openml"),
    ("sklearn.datasets._svmlight_format_io", "load_svmlight_file"),
    ("numpy.ctypeslib", "load_library"),
    ("ctypes", "CDLL"),
]


@pytest.mark.parametrize(("module", "name"), NEVER, ids=[f"{m}.{n}" for m, n in NEVER])
def test_file_functions_are_never_allowed(module: str, name: str) -> None:
    dotted = f"{module}.{name}"
    data = b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\n."
    for trusted in ([], [dotted]):
        with pytest.raises(skseal.UntrustedTypeError) as ei:
            skseal.loads(data, trusted=trusted)
        assert ei.value.types == [dotted]
        msg = str(ei.value)
        assert "never allowed" in msg and f'trusted=["{dotted}"]' not in msg, msg
    assert skseal.untrusted_types(data, trusted=[dotted]) == [dotted]
