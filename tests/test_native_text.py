"""Native text pipelines (issue 15): CountVectorizer, TfidfVectorizer,
HashingVectorizer and TfidfTransformer on a 1-D list of strings, and the
linear models / discrete naive Bayes after them on their CSR output,
bit-identical to scikit-learn. The tokenizer and lowercasing are checked
against Python on every code point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from avx2_path import replay_on_avx2
from practitioner_zoo import TEXT_Y, TEXTS
from sklearn.feature_extraction.text import (
    CountVectorizer,
    HashingVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)
from sklearn.linear_model import (
    LinearRegression,
    LogisticRegression,
    Ridge,
    RidgeClassifier,
    SGDClassifier,
)
from sklearn.naive_bayes import BernoulliNB, ComplementNB, MultinomialNB
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC
from test_native_linear import _methods

import skseal
import skseal.native
from skseal.errors import UnsupportedModelError

TRICKY = [
    "",
    "   ",
    "a",
    "Hello, World! hello world HELLO",
    "don't won't it's o'clock",
    "snake_case __dunder__ _x_ x_1 a_b",
    "12 345 6.78 1e10 ⅫⅫ ½½ ２２ ٣٣ ²²",
    "café naïve résumé Ærøskøbing façade",
    "İstanbul İİ ıı DİYARBAKIR",
    "ΟΔΟΣ ΣΑ ΑΣ. Σ ΑΣΑ ΑΣ' Α\u0301Σ ΣΣ ΑΣ\u0301",
    "Straße STRASSE ǅǅ ǈǈ ﬁﬁ",
    "日本語のテキスト 中文 한국어 ไทย العربية עברית",
    "emoji 😀😀 👍🏽👍🏽 tab\tnew\nline",
    "x" * 5000 + " " + "ab" * 300,
    "e\u0301e\u0301 a\u0308a combining\u0301marks",
    "the and of to in is a an this that with english stop words",
    "the quick brown fox jumps over the lazy dog the quick brown fox",
]
RNG_WORDS = ["good", "bad", "fine", "slow", "fast", "item", "the", "of", "Ünïcode", "ΣΟΦΙΑ",
             "x_y", "42", "well-done", "it's", "naïve", "ok"]


def _random_texts(seed: int, n: int = 120) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        k = int(rng.integers(0, 14))
        out.append(" ".join(rng.choice(RNG_WORDS, size=k)) + rng.choice(["", ".", "!", " ?"]))
    return out


FIT = TEXTS + _random_texts(0)
ALL = FIT + TRICKY + _random_texts(1)


def _load(model: Any, tmp_path: Path) -> skseal.native.NativeModel:
    p = tmp_path / "m.skseal"
    skseal.dump(model, p)
    return skseal.native.load(p)


def _dense(a: Any) -> np.ndarray:
    return np.asarray(a.toarray() if sp.issparse(a) else a)


def _same_transform(model: Any, docs: list[str], tmp_path: Path) -> None:
    m = _load(model, tmp_path)
    assert m.exactness("transform").startswith("bitwise")
    for part in [p for p in (docs, docs[:1], docs[3:5]) if p]:
        want = _dense(model.transform(part))
        got = m.transform(part)
        assert got.shape == want.shape
        # native output is float64; scikit-learn's dtype is the vectorizer's
        assert np.array_equal(got, want.astype(np.float64)), np.flatnonzero(got != want)[:5]


COUNT = [
    {},
    {"strip_accents": "unicode"},
    {"strip_accents": "ascii", "lowercase": False},
    {"lowercase": False},
    {"ngram_range": (1, 2)},
    {"ngram_range": (2, 3)},
    {"ngram_range": (1, 3), "stop_words": "english"},
    {"stop_words": ["good", "the", "ok", "σοφια"]},
    {"binary": True},
    {"dtype": np.float32},
    {"dtype": np.int32, "min_df": 2},
    {"max_features": 7},
]


@pytest.mark.parametrize("kw", COUNT)
def test_count_vectorizer(tmp_path: Path, kw: dict[str, Any]) -> None:
    _same_transform(CountVectorizer(**kw).fit(FIT + TRICKY), ALL, tmp_path)


TFIDF = [
    {},
    {"strip_accents": "unicode", "ngram_range": (1, 2)},
    {"norm": "l1"},
    {"norm": None},
    {"use_idf": False},
    {"smooth_idf": False, "sublinear_tf": True},
    {"sublinear_tf": True, "ngram_range": (1, 2), "stop_words": "english"},
    {"binary": True, "norm": "l1"},
    {"lowercase": False, "ngram_range": (1, 3)},
]


@pytest.mark.parametrize("kw", TFIDF)
def test_tfidf_vectorizer(tmp_path: Path, kw: dict[str, Any]) -> None:
    _same_transform(TfidfVectorizer(**kw).fit(FIT + TRICKY), ALL, tmp_path)


@pytest.mark.parametrize("kw", [{}, {"sublinear_tf": True, "norm": "l1"}, {"use_idf": False}])
def test_tfidf_transformer(tmp_path: Path, kw: dict[str, Any]) -> None:
    p = make_pipeline(CountVectorizer(ngram_range=(1, 2)), TfidfTransformer(**kw)).fit(FIT)
    _same_transform(p, ALL, tmp_path)
    counts = CountVectorizer().fit(FIT).transform(ALL).toarray()
    t = TfidfTransformer(**kw).fit(counts)
    m = _load(t, tmp_path)
    assert np.array_equal(m.transform(counts.astype(np.float64)), t.transform(counts).toarray())


CHAR = [
    {"analyzer": "char"},
    {"analyzer": "char", "ngram_range": (1, 3), "lowercase": False},
    {"analyzer": "char", "ngram_range": (3, 5)},
    {"analyzer": "char_wb"},
    {"analyzer": "char_wb", "ngram_range": (2, 4)},
    {"analyzer": "char_wb", "ngram_range": (1, 6), "binary": True},
    {"analyzer": "char_wb", "ngram_range": (3, 3), "stop_words": "english"},
    {"analyzer": "char_wb", "strip_accents": "unicode"},
    {"analyzer": "char", "strip_accents": "ascii", "ngram_range": (1, 2)},
]
WHITESPACE = ["a\tb  c", "x \u3000\u3000y\n\nz",
              " \x1c\x1d ab\u2028\u2029cd\x85 e\xa0f\u00a0\u00a0g ", "\u200b zero\u200bwidth\ufeff",
              "\t", "  ", "é\u0301 ΑΣ Σ"]


@pytest.mark.parametrize("kw", CHAR)
@pytest.mark.parametrize("cls", [CountVectorizer, TfidfVectorizer, HashingVectorizer])
def test_char_analyzers(tmp_path: Path, kw: dict[str, Any], cls: Any) -> None:
    docs = ALL[:60] + TRICKY[:13] + WHITESPACE
    v = cls(**kw)
    if cls is HashingVectorizer:
        v.set_params(n_features=512)
    _same_transform(v.fit(FIT + WHITESPACE), docs, tmp_path)


HASHING = [
    {},
    {"n_features": 16},
    {"n_features": 256, "alternate_sign": False},
    {"n_features": 7, "binary": True},
    {"n_features": 3, "binary": True, "norm": None},
    {"n_features": 1000, "norm": "l1", "ngram_range": (1, 2)},
    {"n_features": 2**20, "stop_words": "english", "lowercase": False},
    {"n_features": 50, "norm": None, "dtype": np.float32},
]


@pytest.mark.parametrize("kw", HASHING)
def test_hashing_vectorizer(tmp_path: Path, kw: dict[str, Any]) -> None:
    # the native result is dense: 2**20 columns cost 8 MB a row
    docs = ALL if kw.get("n_features", 2**20) <= 1000 else ALL[:6] + TRICKY[-4:]
    _same_transform(HashingVectorizer(**kw).fit(FIT), docs, tmp_path)


def test_hashing_collisions_cancel(tmp_path: Path) -> None:
    """Tokens whose signed hashes cancel leave a stored zero; binary makes it 1."""
    h = HashingVectorizer(n_features=2, norm=None)
    words = [f"w{i}" for i in range(200)]
    docs = [" ".join(words[i:i + 3]) for i in range(0, 198)]
    want = h.transform(docs)
    assert (want.data == 0).any(), "no cancelling pair: the test would not test"
    _same_transform(h, docs, tmp_path)
    _same_transform(HashingVectorizer(n_features=2, norm=None, binary=True), docs, tmp_path)


def _chunks(lower: bool) -> list[list[int]]:
    cps = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    return [cps[i:i + 40000] for i in range(0, len(cps), 40000)]


@pytest.mark.parametrize(("lower", "strip"),
                         [(False, None), (True, None), (False, "unicode"), (True, "ascii")])
def test_every_code_point(tmp_path: Path, lower: bool, strip: str | None) -> None:
    """`qq<c>qq` for every code point c: one token when Python's \\w matches
    c, else two "qq"; with lowercase, what str.lower() makes of it, with
    strip_accents what NFKD does. The vocabulary is what scikit-learn's
    analyzer sees, so a native token that differs loses that count."""
    for chunk in _chunks(lower):
        doc = " ".join(f"qq{chr(c)}qq" for c in chunk)
        kw = {"lowercase": lower, "strip_accents": strip}
        vocab = sorted(set(CountVectorizer(**kw).build_analyzer()(doc)))
        v = CountVectorizer(vocabulary=vocab, **kw).fit([doc])
        _same_transform(v, [doc, doc.upper(), doc.title()], tmp_path)


@pytest.mark.parametrize("doc", TRICKY)
def test_tricky_document_alone(tmp_path: Path, doc: str) -> None:
    an = CountVectorizer(ngram_range=(1, 2)).build_analyzer()
    toks = sorted(set(an(doc))) or ["zz"]
    v = CountVectorizer(ngram_range=(1, 2), vocabulary=toks).fit([doc])
    _same_transform(v, [doc, doc.lower(), doc.upper()], tmp_path)


# ---------------------------------------------------------------- downstream


def _exact(model: Any, docs: list[str], tmp_path: Path) -> None:
    m = _load(model, tmp_path)
    for meth in _methods(model):
        want = np.asarray(getattr(model, meth)(docs))
        got = getattr(m, meth)(docs)
        claim = m.exactness(meth)
        assert got.shape == want.shape, meth
        if want.dtype.kind in "OUSb":
            assert list(got) == list(want), meth
        elif claim.startswith("bitwise"):
            assert got.dtype == want.dtype, meth
            assert np.array_equal(got, want), (meth, np.max(np.abs(got - want)))
        else:
            # only _logsumexp's SVML log1p (naive Bayes probabilities)
            assert "log1p" in claim, claim
            assert np.allclose(got, want, rtol=1e-13, atol=0), meth


Y3 = np.array([len(t) % 3 for t in FIT])
YS = np.array(["neg", "pos"])[np.array([("good" in t) or ("fine" in t) for t in FIT], dtype=int)]
YR = np.array([len(t) / 7.0 for t in FIT])
VECTORIZERS = [
    lambda: TfidfVectorizer(),
    lambda: TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)),
    lambda: TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), stop_words="english"),
    lambda: CountVectorizer(ngram_range=(1, 2)),
    lambda: HashingVectorizer(n_features=256),
    lambda: HashingVectorizer(n_features=64, alternate_sign=False, norm=None),
]
ESTIMATORS = [
    lambda: LogisticRegression(max_iter=500),
    lambda: SGDClassifier(random_state=0),
    lambda: SGDClassifier(loss="log_loss", random_state=0),
    lambda: SGDClassifier(loss="modified_huber", random_state=0),
    lambda: LinearSVC(),
    lambda: RidgeClassifier(),
]


@pytest.mark.parametrize("vec", range(len(VECTORIZERS)))
@pytest.mark.parametrize("est", range(len(ESTIMATORS)))
@pytest.mark.parametrize("y", ["binary", "multi", "strings"])
def test_linear_after_text(tmp_path: Path, vec: int, est: int, y: str) -> None:
    yy = {"binary": TEXT_Y.tolist() + [t.startswith("good") for t in FIT[len(TEXTS):]],
          "multi": Y3, "strings": YS}[y]
    model = make_pipeline(VECTORIZERS[vec](), ESTIMATORS[est]()).fit(FIT, np.asarray(yy))
    _exact(model, ALL, tmp_path)


@pytest.mark.parametrize("vec", range(len(VECTORIZERS)))
@pytest.mark.parametrize("reg", [LinearRegression, Ridge])
def test_regressor_after_text(tmp_path: Path, vec: int, reg: Any) -> None:
    _exact(make_pipeline(VECTORIZERS[vec](), reg()).fit(FIT, YR), ALL, tmp_path)


NBS = [
    lambda: MultinomialNB(),
    lambda: MultinomialNB(alpha=0.1, fit_prior=False),
    lambda: ComplementNB(),
    lambda: ComplementNB(norm=True),
    lambda: BernoulliNB(),
    lambda: BernoulliNB(binarize=1.5),
    lambda: BernoulliNB(binarize=None),
]


@pytest.mark.parametrize("nb", range(len(NBS)))
@pytest.mark.parametrize("vec", [0, 1, 3, 5])
@pytest.mark.parametrize("y", ["binary", "multi"])
def test_naive_bayes_after_text(tmp_path: Path, nb: int, vec: int, y: str) -> None:
    yy = {"binary": YS, "multi": Y3}[y]
    model = make_pipeline(VECTORIZERS[vec](), NBS[nb]()).fit(FIT, yy)
    _exact(model, ALL, tmp_path)


@pytest.mark.parametrize("nb", range(len(NBS)))
def test_naive_bayes_dense(tmp_path: Path, nb: int) -> None:
    """On a dense X the product is numpy's BLAS: the linear models' claim."""
    X = CountVectorizer().fit(FIT).transform(ALL).toarray().astype(np.float64)
    model = NBS[nb]().fit(X[: len(FIT)], Y3)
    m = _load(model, tmp_path)
    for meth in ("predict", "predict_proba", "predict_log_proba"):
        want, got = getattr(model, meth)(X), getattr(m, meth)(X)
        if m.exactness(meth).startswith("bitwise"):
            assert np.array_equal(got, want), meth
        else:
            assert np.allclose(got, want, rtol=1e-12, atol=1e-15), meth


def test_zoo_text_cases_bitwise(tmp_path: Path) -> None:
    for model in (
        make_pipeline(TfidfVectorizer(), LogisticRegression()),
        make_pipeline(CountVectorizer(ngram_range=(1, 2)), MultinomialNB()),
        make_pipeline(HashingVectorizer(n_features=256), SGDClassifier(random_state=0)),
    ):
        model.fit(TEXTS, TEXT_Y)
        _exact(model, TEXTS + TRICKY, tmp_path)


# ---------------------------------------------------------------- refusals


REFUSED = [
    (CountVectorizer(token_pattern=r"(?u)\b\w+\b", analyzer="word"), "token_pattern"),
    (CountVectorizer(token_pattern=r"\b\w+\b"), "token_pattern"),
    (TfidfVectorizer(dtype=np.float32), "dtype float32"),
    (HashingVectorizer(dtype=np.float32), "dtype float32"),
]


@pytest.mark.parametrize("case", range(len(REFUSED)))
def test_refused_options(tmp_path: Path, case: int) -> None:
    model, words = REFUSED[case]
    model.fit(FIT)
    p = tmp_path / "r.skseal"
    skseal.dump(model, p)
    with pytest.raises(UnsupportedModelError, match=words):
        skseal.native.load(p)


def test_refused_next_steps(tmp_path: Path) -> None:
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.preprocessing import Binarizer, Normalizer

    for model, words in (
        (make_pipeline(TfidfVectorizer(), Normalizer("max"), LogisticRegression()),
         "Normalizer after"),
        (make_pipeline(CountVectorizer(), Binarizer(), LogisticRegression()),
         "Binarizer after"),
        # neighbours fitted on the vectorizer's CSR rows with another metric (scikit-learn
        # then computes manhattan distances on CSR with its own loops; euclidean after a
        # vectorizer: tests/test_native_neighbors_sparse_queries.py)
        (make_pipeline(TfidfVectorizer(), KNeighborsClassifier(3, metric="manhattan")),
         r"fitted on sparse X with the metric"),
    ):
        model.fit(FIT, YS)
        p = tmp_path / "r.skseal"
        skseal.dump(model, p)
        with pytest.raises(UnsupportedModelError, match=words):
            skseal.native.load(p)


def test_input_must_be_1d_strings(tmp_path: Path) -> None:
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(FIT, YS)
    m = _load(model, tmp_path)
    with pytest.raises(Exception, match="1-D list of strings"):
        m.predict(np.array([["a b"], ["c d"]], dtype=object))
    with pytest.raises(Exception, match="missing"):
        m.predict(np.array(["good item", None], dtype=object))
    # a model that takes a table refuses 1-D strings, as scikit-learn does
    from sklearn.preprocessing import OneHotEncoder

    onehot = make_pipeline(OneHotEncoder(), LogisticRegression())
    onehot.fit(np.array([["a"], ["b"], ["c"]], dtype=object), [0, 1, 1])
    for model in (LogisticRegression().fit(np.eye(3), [0, 1, 1]), onehot):
        n = _load(model, tmp_path)
        with pytest.raises(ValueError, match="Expected a 2-D array"):
            n.predict(np.array(["a", "b", "c"], dtype=object))
        with pytest.raises(ValueError, match="2D array|convert string"):
            model.predict(np.array(["a", "b", "c"], dtype=object))


def test_text_without_avx512(tmp_path: Path) -> None:
    """The same tests with numpy's AVX2 dispatch and OpenBLAS's Haswell
    kernels (what a machine without AVX-512 runs)."""
    # every code point is checked against Python's tables, not the CPU
    replay_on_avx2(__file__, also_skip="every_code_point")


def test_many_documents_in_batches(tmp_path: Path) -> None:
    """More rows than one batch: the text is split into batches (each a
    CSR block, as the vectorizer hands it to the next step) with the same
    bits."""
    docs = _random_texts(7, n=5000) + TRICKY
    for model in (make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression()),
                  make_pipeline(CountVectorizer(), MultinomialNB())):
        model.fit(FIT, YS)
        _exact(model, docs, tmp_path)


def test_default_hashing_width_then_a_linear_model(tmp_path: Path) -> None:
    """HashingVectorizer's default 2**20 columns into LogisticRegression and
    MultinomialNB: the vectorizer's output stays CSR between the steps (as a
    dense matrix, 3,000 documents would be 25 GB)."""
    docs = _random_texts(11, n=3000) + TRICKY
    for est in (LogisticRegression(max_iter=500), MultinomialNB()):
        vec = HashingVectorizer(alternate_sign=not isinstance(est, MultinomialNB))
        _exact(make_pipeline(vec, est).fit(FIT, YS), docs, tmp_path)


def test_binarize_below_zero_after_text_is_refused_as_scikit_learn_refuses_it(
        tmp_path: Path) -> None:
    """BernoulliNB on a vectorizer's CSR output binarizes the stored values
    only, so scikit-learn refuses a negative threshold; so does native."""
    model = make_pipeline(CountVectorizer(), BernoulliNB()).fit(FIT, YS)
    model[-1].binarize = -0.5
    with pytest.raises(ValueError, match="Cannot binarize a sparse matrix with threshold < 0"):
        model.predict(ALL)
    with pytest.raises(ValueError, match="Cannot binarize a sparse matrix with threshold < 0"):
        _load(model, tmp_path).predict(ALL)


CLI = Path(__file__).parent.parent / "target" / "debug" / "skseal"


@pytest.mark.skipif(not CLI.exists(), reason="CLI not built (scripts/setup.sh)")
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_cli_predict_text_column(tmp_path: Path, fmt: str) -> None:
    """`skseal predict` on a CSV / JSON-lines file with one text column."""
    import csv
    import json

    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(FIT, YS)
    skseal.dump(model, tmp_path / "m.skseal")
    docs = [d for d in ALL if d.strip()]  # a blank CSV cell is a missing value
    src = tmp_path / f"in.{fmt}"
    with open(src, "w", newline="", encoding="utf-8") as f:
        if fmt == "csv":
            w = csv.writer(f)
            w.writerow(["text"])
            w.writerows([d] for d in docs)
        else:
            f.writelines(json.dumps({"text": d}) + "\n" for d in docs)
    out = tmp_path / f"out.{fmt}"
    r = subprocess.run([str(CLI), "predict", str(tmp_path / "m.skseal"), "--input", str(src),
                        "--method", "predict_proba", "-o", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    if fmt == "csv":
        got = np.loadtxt(out, delimiter=",", skiprows=1)
    else:
        got = np.array([list(json.loads(line).values()) for line in out.read_text().splitlines()])
    assert np.array_equal(got, model.predict_proba(docs))


# ---------------------------------------------------------------- CategoricalNB


@pytest.mark.parametrize("k", [2, 3, 5])
def test_categorical_nb(tmp_path: Path, k: int) -> None:
    from sklearn.naive_bayes import CategoricalNB

    rng = np.random.default_rng(k)
    X = rng.integers(0, [3, 5, 2, 7], size=(300, 4))
    y = (X[:, 0] + rng.integers(0, 2, size=300)) % k
    for model in (CategoricalNB().fit(X, y), CategoricalNB(alpha=0.3, min_categories=8).fit(X, y)):
        m = _load(model, tmp_path)
        Xf = np.vstack([X, X[:20] + 0.75]).astype(np.float64)  # numpy truncates to int
        for meth in ("predict", "predict_proba", "predict_log_proba"):
            want, got = getattr(model, meth)(Xf), getattr(m, meth)(Xf)
            if m.exactness(meth).startswith("bitwise"):
                assert np.array_equal(got, want), meth
            else:
                assert np.allclose(got, want, rtol=1e-13, atol=0), meth
        with pytest.raises(ValueError, match="Negative"):
            m.predict(np.array([[-1.0, 0, 0, 0]]))
        with pytest.raises(ValueError, match="categories"):
            m.predict(np.array([[0.0, 0, 0, 99]]))


@pytest.mark.parametrize("form", ["list", "str_array", "object_array"])
def test_probe_of_documents(tmp_path: Path, form: str) -> None:
    """A probe recorded on documents is re-run natively, every method equal."""
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(FIT, YS)
    docs = ALL[:9]
    probe = {"list": docs, "str_array": np.array(docs),
             "object_array": np.array(docs, dtype=object)}[form]
    p = tmp_path / "m.skseal"
    skseal.dump(model, p, probe=probe)
    ok, what = skseal.native.load(p).check_probe()
    assert ok, what
    assert what.count("bitwise equal") == 4, what


@pytest.mark.parametrize("vec", [0, 3, 4])
def test_truncated_svd_after_text(tmp_path: Path, vec: int) -> None:
    """Latent semantic analysis: a vectorizer, TruncatedSVD (scipy's CSR
    product, bitwise), then a model on its dense output (exact as that model
    is on dense input: each method's claim); and TruncatedSVD alone on dense
    numbers (numpy's BLAS, as PCA)."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.svm import SVC

    lsa = make_pipeline(VECTORIZERS[vec](), TruncatedSVD(n_components=5, random_state=0))
    lsa.fit(FIT)
    _same_transform(lsa, ALL, tmp_path)
    for last in (LogisticRegression(max_iter=500), SVC(probability=True, random_state=0)):
        model = make_pipeline(VECTORIZERS[vec](), TruncatedSVD(n_components=12, random_state=0),
                              last).fit(FIT, Y3)
        m = _load(model, tmp_path)
        for meth in ("predict_proba", "decision_function", "predict"):
            want, got = getattr(model, meth)(ALL), getattr(m, meth)(ALL)
            claim = m.exactness(meth)
            if claim.startswith("bitwise"):
                assert np.array_equal(got, want), (meth, claim)
            elif meth == "predict":
                # within the bound a label can differ only at a near tie
                p = np.sort(model.predict_proba(ALL), axis=1)
                near = p[:, -1] - p[:, -2] < 1e-9
                assert np.array_equal(got[~near], want[~near]), claim
            else:
                assert np.allclose(got, want, rtol=1e-12, atol=1e-14), (meth, claim)
    X = np.random.default_rng(3).normal(size=(300, 9))
    svd = TruncatedSVD(n_components=4, random_state=0).fit(X)
    m = _load(svd, tmp_path)
    if m.exactness("transform").startswith("bitwise"):
        assert m.transform(X).tobytes() == svd.transform(X).tobytes()
    else:
        assert np.allclose(m.transform(X), svd.transform(X), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("vec", [0, 3, 5])
def test_feature_selection_after_text(tmp_path: Path, vec: int) -> None:
    """A selector between a vectorizer and the model keeps the CSR entries of
    its columns (scikit-learn's `X[:, mask]`), bitwise through to the model;
    alone after a vectorizer its transform is the selected columns."""
    from sklearn.feature_selection import SelectKBest, SelectPercentile, VarianceThreshold, chi2

    selectors = [lambda: SelectKBest(chi2, k=15), lambda: SelectPercentile(chi2, percentile=40),
                 lambda: VarianceThreshold(0.01)]
    for sel in selectors:
        for last in (LogisticRegression(max_iter=500), MultinomialNB()):
            model = make_pipeline(VECTORIZERS[vec](), sel(), last).fit(FIT, Y3)
            _exact(model, ALL, tmp_path)
        _same_transform(make_pipeline(VECTORIZERS[vec](), sel()).fit(FIT, Y3), ALL, tmp_path)


@pytest.mark.parametrize("vec", [0, 3, 5])
def test_scalers_after_text(tmp_path: Path, vec: int) -> None:
    """MaxAbsScaler (clip or not), StandardScaler(with_mean=False) and
    RobustScaler(with_centering=False) on a vectorizer's CSR output: each
    stored value times its column's `1 / scale_` (scikit-learn's
    `inplace_column_scale`, not the dense path's division); Normalizer l2 /
    l1 as `inplace_csr_row_normalize_*`; still CSR for the model after it."""
    from sklearn.preprocessing import MaxAbsScaler, Normalizer, RobustScaler, StandardScaler

    scalers = [lambda: MaxAbsScaler(), lambda: MaxAbsScaler(clip=True),
               lambda: Normalizer(), lambda: Normalizer("l1"),
               lambda: StandardScaler(with_mean=False),
               lambda: RobustScaler(with_centering=False, quantile_range=(5.0, 95.0))]
    for sc in scalers:
        model = make_pipeline(VECTORIZERS[vec](), sc(), LogisticRegression(max_iter=500))
        _exact(model.fit(FIT, Y3), ALL, tmp_path)
        _same_transform(make_pipeline(VECTORIZERS[vec](), sc()).fit(FIT), ALL, tmp_path)


def test_meta_estimators_after_text(tmp_path: Path) -> None:
    """Calibration, one-vs-rest, one-vs-one, voting and a search after a
    vectorizer hand its CSR output to each inner estimator, as scikit-learn
    does, bitwise."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import VotingClassifier
    from sklearn.model_selection import GridSearchCV
    from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier

    metas = [
        lambda: CalibratedClassifierCV(LinearSVC(), cv=3),
        lambda: CalibratedClassifierCV(LogisticRegression(max_iter=500), cv=3,
                                       method="isotonic"),
        lambda: OneVsRestClassifier(LogisticRegression(max_iter=500)),
        lambda: OneVsOneClassifier(LinearSVC()),
        lambda: VotingClassifier([("lr", LogisticRegression(max_iter=500)),
                                  ("nb", MultinomialNB())], voting="soft"),
        lambda: VotingClassifier([("svc", LinearSVC()), ("nb", MultinomialNB())]),
        lambda: GridSearchCV(LogisticRegression(max_iter=500), {"C": [0.5, 2.0]}, cv=3),
    ]
    for meta in metas:
        model = make_pipeline(TfidfVectorizer(), meta()).fit(FIT, Y3)
        m = _load(model, tmp_path)
        # VotingClassifier's transform is not native (docs/NATIVE.md)
        for meth in [k for k in _methods(model) if k != "transform"]:
            want, got = np.asarray(getattr(model, meth)(ALL)), getattr(m, meth)(ALL)
            claim = m.exactness(meth)
            assert got.shape == want.shape, (meta, meth)
            if want.dtype.kind in "OUSb" or claim.startswith("bitwise"):
                assert np.array_equal(got, want), (meta, meth, claim)
            else:
                # only _logsumexp's SVML log1p (MultinomialNB's probabilities)
                assert "log1p" in claim, claim
                assert np.allclose(got, want, rtol=1e-13, atol=0), (meta, meth)


def test_non_finite_csr_values_are_refused_by_the_next_step(tmp_path: Path) -> None:
    """sublinear_tf set after fitting, on signed hashes: np.log of a negative
    count is NaN (of a cancelled one -inf); scikit-learn's LogisticRegression
    refuses that CSR input, and so does native, naming the row and column."""
    from sklearn.feature_extraction.text import TfidfTransformer as Tfidf

    model = make_pipeline(HashingVectorizer(n_features=2, norm=None),
                          Tfidf(norm=None, use_idf=False),
                          LogisticRegression(max_iter=500)).fit(FIT, YS)
    model[1].sublinear_tf = True
    with pytest.raises(ValueError, match="NaN"), np.errstate(all="ignore"):
        model.predict(ALL)
    located = r"Input X contains (NaN|infinity) \(row \d+, column \d+\)"
    with pytest.raises(ValueError, match=located):
        _load(model, tmp_path).predict(ALL)


def test_nested_pipeline_after_text_passes_csr_along(tmp_path: Path) -> None:
    """A Pipeline nested after a vectorizer hands the CSR matrix from its first
    step to the next, as scikit-learn does: the inner scaler's CSR output
    reaches the model, which computes scipy's product (bitwise; the dense
    product it took before was only within the bound)."""
    from sklearn.feature_selection import SelectKBest, chi2
    from sklearn.preprocessing import MaxAbsScaler

    inners = [
        lambda: make_pipeline(MaxAbsScaler(), LogisticRegression(max_iter=500)),
        lambda: make_pipeline(SelectKBest(chi2, k=20), MaxAbsScaler(), MultinomialNB()),
        lambda: make_pipeline(make_pipeline(MaxAbsScaler()), LinearSVC()),
    ]
    for inner in inners:
        model = make_pipeline(TfidfVectorizer(), inner()).fit(FIT, Y3)
        m = _load(model, tmp_path)
        assert m.exactness("predict").startswith("bitwise"), m.exactness("predict")
        _exact(model, ALL, tmp_path)


def test_trees_after_text(tmp_path: Path) -> None:
    """Trees, forests and gradient boosting after a vectorizer walk the
    float32 of its stored values and 0 elsewhere, as `_apply_sparse_csr`
    does, bitwise."""
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier

    for last in (DecisionTreeClassifier(random_state=0),
                 RandomForestClassifier(n_estimators=10, random_state=0),
                 GradientBoostingClassifier(n_estimators=10, random_state=0)):
        for vec in (0, 3, 4):
            _exact(make_pipeline(VECTORIZERS[vec](), last).fit(FIT, YS), ALL, tmp_path)


def test_trees_after_a_wide_hashing_vectorizer_stay_small(tmp_path: Path) -> None:
    """HashingVectorizer's default 2**20 columns before a forest: rows are
    made dense a few at a time (`Csr::dense_chunks`), not 32 documents x 2**20
    floats per batch (400 MB with the float32 copy). Peak memory of a fresh
    process that loads the model and scores 300 documents stays far below."""
    from sklearn.ensemble import RandomForestClassifier

    model = make_pipeline(HashingVectorizer(), RandomForestClassifier(n_estimators=5,
                                                                      random_state=0))
    model.fit(FIT, YS)
    p = tmp_path / "wide.skseal"
    skseal.dump(model, p)
    docs = (ALL * 3)[:300]
    np.save(tmp_path / "docs.npy", np.array(docs, dtype=object), allow_pickle=True)
    script = (
        "import resource, sys, numpy as np, skseal.native\n"
        "docs = np.load(sys.argv[2], allow_pickle=True)\n"  # the test's own file
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "m = skseal.native.load(sys.argv[1])\n"
        "np.save(sys.argv[3], m.predict_proba(docs))\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    out = tmp_path / "proba.npy"
    r = subprocess.run([sys.executable, "-c", script, str(p), str(tmp_path / "docs.npy"),
                        str(out)], capture_output=True, text=True, check=True)
    grown_mib = int(r.stdout.split()[-1]) / 1024
    # by hand: 196 MiB before dense_chunks, 0 after (the imports peak higher)
    assert grown_mib < 100, f"peak memory grew by {grown_mib:.0f} MiB"
    assert np.load(out).tobytes() == model.predict_proba(docs).tobytes()
