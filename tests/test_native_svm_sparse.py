"""libsvm models fitted on sparse X (SVC, NuSVC, SVR, NuSVR, OneClassSVM):
scikit-learn predicts them through `libsvm_sparse` on X as CSR (a dense X
is converted with `csr_array(X)`). Natively the same merge loops run, so
every method is bitwise on every machine, on CSR input (``sparse=True``),
on dense input, and after a text vectorizer."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC, SVR, NuSVC, NuSVR, OneClassSVM
from test_native_sparse_input import FORMS, X_FIT, Y3, YR, _exact, _load, _reals

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError, ValidationError

KERNELS: list[dict[str, Any]] = [
    {"kernel": "linear"},
    {"kernel": "rbf"},
    {"kernel": "rbf", "gamma": 0.37},
    {"kernel": "poly", "degree": 3, "coef0": 0.5},
    {"kernel": "sigmoid", "gamma": 0.01, "coef0": 0.2},
]
X_REAL = _reals(3)
REAL_FORMS = [_reals(4), _reals(4).tocsc(), sp.csr_array(_reals(4))[:1]]


def _fit(model: Any, X: Any, y: Any = None) -> Any:
    with warnings.catch_warnings():
        # probability=True is deprecated in scikit-learn 1.9; still what files hold
        warnings.simplefilter("ignore", FutureWarning)
        return model.fit(X, y)


def _dense_too(model: Any, tmp_path: Path, X: Any) -> None:
    """Loaded without sparse=True, given a dense array: scikit-learn
    converts it to CSR (dropping zeros) and runs libsvm_sparse; so does
    native inference."""
    m = _load(model, tmp_path, sparse=False)
    Xd = X.toarray()
    for meth in m.methods:
        want = np.asarray(getattr(model, meth)(Xd))
        got = getattr(m, meth)(Xd)
        assert m.exactness(meth).startswith("bitwise"), m.exactness(meth)
        assert got.shape == want.shape and np.array_equal(got, want), (model, meth)


@pytest.mark.parametrize("kw", KERNELS)
@pytest.mark.parametrize("y", ["binary", "three", "strings"])
def test_svc(tmp_path: Path, kw: dict[str, Any], y: str) -> None:
    target = {"binary": Y3 % 2, "three": Y3,
              "strings": np.array(["spam", "ham", "eggs"])[Y3]}[y]
    for shape in ("ovr", "ovo"):
        model = _fit(SVC(decision_function_shape=shape, **kw), X_FIT, target)
        _exact(model, tmp_path)
    _dense_too(model, tmp_path, FORMS[0])
    model = _fit(SVC(decision_function_shape="ovr", break_ties=True, **kw), X_REAL, target)
    _exact(model, tmp_path, REAL_FORMS)


@pytest.mark.parametrize("kernel", ["linear", "rbf", "poly"])
@pytest.mark.parametrize("k", [2, 3])
def test_svc_probability(tmp_path: Path, kernel: str, k: int) -> None:
    model = _fit(SVC(kernel=kernel, probability=True, random_state=0), X_REAL, Y3 % k)
    assert {"predict_proba", "predict_log_proba"} <= set(_load(model, tmp_path).methods)
    _exact(model, tmp_path, REAL_FORMS)
    _dense_too(model, tmp_path, REAL_FORMS[0])


@pytest.mark.parametrize("kw", KERNELS)
def test_regressors_and_one_class(tmp_path: Path, kw: dict[str, Any]) -> None:
    for model in (SVR(**kw), NuSVR(nu=0.4, **kw)):
        _exact(_fit(model, X_REAL, YR), tmp_path, REAL_FORMS)
    nusvc = _fit(NuSVC(nu=0.3, **kw), X_FIT, Y3)
    _exact(nusvc, tmp_path)
    if kw["kernel"] != "sigmoid":  # one class with a sigmoid kernel: all alike
        one = _fit(OneClassSVM(nu=0.2, **kw), X_REAL)
        _exact(one, tmp_path, REAL_FORMS)
        _dense_too(one, tmp_path, REAL_FORMS[0])


def test_one_row_and_an_empty_row(tmp_path: Path) -> None:
    """A row with no stored entries is the rbf's sum of the SV's squares
    alone (and 0 for the dot kernels)."""
    model = _fit(SVC(probability=True, random_state=1), X_REAL, Y3)
    rows = sp.csr_matrix(([2.5], ([1], [4])), shape=(3, X_REAL.shape[1]))
    _exact(model, tmp_path, [rows, rows[:1], rows[1:2]])


@pytest.mark.parametrize("vec", [TfidfVectorizer, CountVectorizer])
@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_text_pipeline(tmp_path: Path, vec: Any, kernel: str) -> None:
    """The classic text classifier: a vectorizer then an SVC, which libsvm
    fits and predicts on the vectorizer's CSR output."""
    docs = ["the cat sat on the mat", "dogs and cats living together",
            "a bird in the hand", "the quick brown fox jumps", "cat and bird and fox",
            "nothing in common"] * 9
    labels = np.array(["pets", "wild", "birds"])[np.arange(len(docs)) % 3]
    model = _fit(make_pipeline(vec(), SVC(kernel=kernel, probability=True, random_state=0)),
                 docs, labels)
    p = tmp_path / "t.skseal"
    skseal.dump(model, p)
    m = skseal.native.load(p)
    new = ["the cat and the dog", "fox in hand", "zzz", "", "bird bird bird cat"]
    for meth in ("predict", "decision_function", "predict_proba", "predict_log_proba"):
        assert m.exactness(meth).startswith("bitwise")
        want = np.asarray(getattr(model, meth)(new))
        assert np.array_equal(getattr(m, meth)(new), want), meth


def test_python_load_of_a_sparse_fitted_svc(tmp_path: Path) -> None:
    """skseal.load refused these models before (its libsvm check wanted
    dense coefficient arrays): now it checks the sparse ones' shapes."""
    model = _fit(SVC(probability=True, random_state=0), X_REAL, Y3)
    p = tmp_path / "m.skseal"
    skseal.dump(model, p)
    back = skseal.load(p)
    assert sp.issparse(back.support_vectors_) and sp.issparse(back._dual_coef_)
    for meth in ("predict", "decision_function", "predict_proba"):
        X = REAL_FORMS[0]
        assert np.array_equal(getattr(back, meth)(X), getattr(model, meth)(X))


def _refused_everywhere(model: Any, tmp_path: Path, words: str) -> None:
    p = tmp_path / "bad.skseal"
    try:
        skseal.dump(model, p)
    except ValidationError as e:  # refused on the way out: the same check
        assert __import__("re").search(words, str(e)), e
        return
    with pytest.raises(ValidationError, match=words):
        skseal.load(p)
    with pytest.raises(ValidationError, match=words):
        skseal.native.load(p)


def test_malformed_sparse_libsvm_state_is_refused(tmp_path: Path) -> None:
    """libsvm_sparse reads `_dual_coef_.data` by count as the dense
    (n_class - 1, n_SV) coefficients: fewer stored values would be read past
    their end, so the reader refuses them, as it refuses support vectors of
    the wrong width."""
    model = _fit(SVC(), X_REAL, Y3)
    dual = model._dual_coef_.toarray()
    dual[0, 0] = 0.0
    short = sp.csr_matrix(dual)  # the zero is not stored: one value short
    model._dual_coef_ = short
    _refused_everywhere(model, tmp_path, r"sparse _dual_coef_ has shape \[2, \d+\] and \d+ stored")
    model = _fit(SVC(), X_REAL, Y3)
    model.support_vectors_ = sp.csr_matrix(model.support_vectors_.toarray()[:, :-1])
    _refused_everywhere(model, tmp_path, r"sparse support_vectors_ has shape")


def test_dense_fitted_svc_refuses_sparse_input(tmp_path: Path) -> None:
    """scikit-learn raises for sparse X given to a model fitted on dense X."""
    model = SVC().fit(X_REAL.toarray(), Y3)
    with pytest.raises(ValueError, match="cannot use sparse input"):
        model.predict(X_REAL)
    with pytest.raises(UnsupportedModelError, match="SVC given a sparse matrix"):
        _load(model, tmp_path)
    docs, y = ["ant bee", "bee cat", "cat dog", "dog ant"], [0, 1, 0, 1]
    vec = CountVectorizer().fit(docs)
    bad = make_pipeline(vec, SVC().fit(vec.transform(docs).toarray(), y))
    with pytest.raises(ValueError, match="cannot use sparse input"):
        bad.predict(docs)
    p = tmp_path / "b.skseal"
    skseal.dump(bad, p)
    with pytest.raises(UnsupportedModelError, match="SVC after CountVectorizer"):
        skseal.native.load(p)
