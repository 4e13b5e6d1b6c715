"""The public API of skseal: round trips, sharing, determinism, atomic writes,
memory mapping, metadata, trust, probes, version checks and the CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import mmap
import os
import pickle
import re
import shutil
import struct
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator
from importlib import metadata as im
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import skseal
import skseal._meta

REPO = Path(__file__).resolve().parent.parent
EPOCH = "1700000000"  # 2023-11-14T22:13:20Z

COMPRESS: list[Any] = [None, True, "lz4", "zstd", ("zstd", 9), 5]
COMPRESS_IDS = ["none", "true", "lz4", "zstd", "zstd9", "int5"]


def expected_codec(compress: Any) -> str:
    if compress is None:
        return "none"
    return "lz4" if compress == "lz4" else "zstd"


# ----------------------------------------------------------------- helpers


def plain_data() -> dict[str, Any]:
    """Every kind of plain value skseal promises to carry."""
    ints = {
        "int8": np.arange(-128, 128, dtype=np.int8).repeat(4),
        "uint8": np.arange(0, 256, dtype=np.uint8).repeat(4),
        **{k: np.arange(-500, 500, dtype=k) for k in ("int16", "int32", "int64")},
        **{k: np.arange(0, 1000, dtype=k) for k in ("uint16", "uint32", "uint64")},
    }
    ints["int64"][:2] = [np.iinfo(np.int64).min, np.iinfo(np.int64).max]
    ints["uint64"][0] = np.iinfo(np.uint64).max
    floats = {k: np.linspace(-3, 3, 700, dtype=k) for k in ("float16", "float32", "float64")}
    floats["float64"][:3] = [np.nan, np.inf, -0.0]
    cplx = {k: (np.arange(300) + 1j * np.arange(300)[::-1]).astype(k)
            for k in ("complex64", "complex128")}
    return {
        "dict": {"a": 1, 2: "b", (3, 4): None, "nested": {"x": [1, 2.5, "s"]}},
        "list": [1, -2, 3.25, "four", None, True, False],
        "tuple": (1, (2, (3,)), ()),
        "set": {1, 2, "three", (4, 5)},
        "frozenset": frozenset({"a", 1, 2.5}),
        "bytes": b"\x00\xffbinary\n",
        "bytearray": bytearray(b"mutable\x00\x01"),
        "bigint": 2**200 + 12345,
        "negbig": -(2**130) - 7,
        "int64edge": [2**63 - 1, -(2**63), 2**64],
        "nan": float("nan"),
        "inf": float("inf"),
        "neginf": float("-inf"),
        "negzero": -0.0,
        "complex": 1.5 - 2.25j,
        "str": "unicode: héllo ✓ \U0001f600",
        "np_scalars": [np.int8(-3), np.uint16(65535), np.int32(7), np.int64(-(2**62)),
                       np.uint64(2**64 - 1), np.float16(0.5), np.float32(1.25),
                       np.float64(np.nan), np.complex64(1 - 1j), np.complex128(2j),
                       np.bool_(True), np.bool_(False)],
        "zero_d": np.array(3.5),
        "zero_d_int": np.array(7, dtype=np.int16),
        "empty": np.zeros((0, 3)),
        "empty_int": np.zeros(0, dtype=np.int32),
        "fortran": np.asfortranarray(np.arange(1200.0).reshape(30, 40)),
        "fortran3d": np.asfortranarray(np.arange(24 * 40, dtype=np.int32).reshape(4, 6, 40)),
        "bool": np.arange(600) % 3 == 0,
        **ints,
        **floats,
        **cplx,
        "bigendian": np.arange(400, dtype=">i4"),
        "unicode": np.array(["alpha", "béta", "γ", ""] * 50),
        "bytes_arr": np.array([b"ab", b"c\x00d", b""] * 100),
        "object": np.array([1, "x", None, 2.5, [1, 2], {"k": "v"}], dtype=object),
        "object2d": np.array([["a", 1], [None, 3.0]], dtype=object),
        "structured": np.array([(i, i * 0.5, f"n{i}") for i in range(100)],
                               dtype=[("a", "<i4"), ("b", "<f8"), ("c", "U4")]),
        "strided": np.arange(900.0)[::3],
        "masked": np.ma.masked_array(np.arange(300.0), mask=np.arange(300) % 7 == 0),
    }


def assert_same(a: Any, b: Any, where: str = "root") -> None:
    """Strict equality: same types, dtypes, shapes, layout flags and bytes."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, np.ma.MaskedArray):
        assert_same(np.ma.getdata(a), np.ma.getdata(b), where + ".data")
        assert_same(np.ma.getmaskarray(a), np.ma.getmaskarray(b), where + ".mask")
        return
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} != {b.dtype}"
        assert a.shape == b.shape, f"{where}: shape {a.shape} != {b.shape}"
        if a.flags.c_contiguous or a.flags.f_contiguous:
            assert a.flags.c_contiguous == b.flags.c_contiguous, f"{where}: C flag"
            assert a.flags.f_contiguous == b.flags.f_contiguous, f"{where}: F flag"
        if a.dtype.hasobject:
            for i, (x, y) in enumerate(zip(a.ravel(order="K"), b.ravel(order="K"), strict=True)):
                assert_same(x, y, f"{where}[{i}]")
        else:
            assert a.tobytes(order="A") == b.tobytes(order="A"), f"{where}: bytes differ"
        return
    if isinstance(a, np.generic):
        assert a.dtype == b.dtype, f"{where}: scalar dtype"
        assert a.tobytes() == b.tobytes(), f"{where}: scalar bytes"
        return
    if isinstance(a, float):
        assert struct.pack("<d", a) == struct.pack("<d", b), f"{where}: {a!r} != {b!r}"
        return
    if isinstance(a, complex):
        assert_same(a.real, b.real, where + ".real")
        assert_same(a.imag, b.imag, where + ".imag")
        return
    if isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{where}[{k!r}]")
        return
    if isinstance(a, list | tuple):
        assert len(a) == len(b), f"{where}: length"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
        return
    assert a == b, f"{where}: {a!r} != {b!r}"


def roundtrip(obj: Any, mode: str, tmp_path: Path, **kw: Any) -> tuple[Any, bytes]:
    """Save and load ``obj`` through ``mode``; returns (loaded, file bytes)."""
    if mode == "bytes":
        data = skseal.dumps(obj, **kw)
        assert isinstance(data, bytes)
        return skseal.loads(data), data
    if mode == "path":
        p = tmp_path / "obj.skseal"
        fp = skseal.dump(obj, p, **kw)
        data = p.read_bytes()
        assert fp == skseal.inspect(p)["fingerprint"]
        return skseal.load(str(p)), data
    if mode == "fileobj":
        bio = io.BytesIO()
        fp = skseal.dump(obj, bio, **kw)
        data = bio.getvalue()
        assert fp == skseal.inspect(data)["fingerprint"]
        bio.seek(0)
        return skseal.load(bio), data
    raise AssertionError(mode)


def fit_logreg(y_kind: str = "int", frame: bool = False) -> tuple[Any, Any, np.ndarray]:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    iris = load_iris(as_frame=frame)
    X = iris.data
    y = iris.target
    if y_kind == "str":
        y = np.asarray(iris.target_names)[np.asarray(y)]
    model = LogisticRegression(max_iter=500).fit(X, y)
    return model, X, np.asarray(y)


@pytest.fixture(scope="module")
def logreg() -> tuple[Any, np.ndarray]:
    model, X, _ = fit_logreg()
    return model, np.asarray(X)


# ------------------------------------------------------- trusted user module

MYMOD_SOURCE = textwrap.dedent(
    '''
    """A user module for skseal's tests: a class not in the default allow-list."""
    import numpy as np


    class Thing:
        setstate_calls = 0

        def __init__(self) -> None:
            self.w = np.arange(1.0, 5.0)
            self.name = "thing"
            self.params = {"alpha": 0.5, "tags": ["a", "b"]}

        def __setstate__(self, state):
            Thing.setstate_calls += 1
            self.__dict__.update(state)

        def predict(self, X):
            return np.asarray(X, dtype=float) @ self.w
    '''
)


@pytest.fixture(scope="session")
def mymod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """``mymod`` importable for the whole session (skseal caches resolved names)."""
    d = tmp_path_factory.mktemp("usermod")
    (d / "mymod.py").write_text(MYMOD_SOURCE)
    sys.path.insert(0, str(d))
    import mymod as m  # type: ignore[import-not-found]

    yield m
    sys.path.remove(str(d))


@pytest.fixture()
def thing_file(mymod: Any, tmp_path: Path) -> Path:
    p = tmp_path / "thing.skseal"
    skseal.dump(mymod.Thing(), p, trusted=["mymod.Thing"], probe=np.ones((3, 4)))
    return p


# --------------------------------------------------------------- round trips


@pytest.mark.parametrize("mode", ["bytes", "path", "fileobj"])
@pytest.mark.parametrize("compress", COMPRESS, ids=COMPRESS_IDS)
def test_plain_data_roundtrip(compress: Any, mode: str, tmp_path: Path) -> None:
    obj = plain_data()
    loaded, data = roundtrip(obj, mode, tmp_path, compress=compress)
    assert_same(obj, loaded)
    # the codec asked for is the one used for the (large) arrays
    codecs = {a["codec"] for a in skseal.inspect(data)["arrays"]}
    want = expected_codec(compress)
    if want == "none":
        assert codecs == {"none"}
    else:
        assert want in codecs and codecs <= {"none", want}


def test_compression_shrinks_and_keeps_fingerprint() -> None:
    obj = {"zeros": np.zeros(100_000), "ramp": np.arange(50_000, dtype=np.int64)}
    raw = skseal.dumps(obj)
    fps = set()
    for c in COMPRESS[1:]:
        data = skseal.dumps(obj, compress=c)
        assert len(data) < len(raw) // 10, (c, len(data), len(raw))
        fps.add(skseal.inspect(data)["fingerprint"])
        assert_same(obj, skseal.loads(data))
    assert fps == {skseal.inspect(raw)["fingerprint"]}


@pytest.mark.parametrize("bad", [23, -1, "gzip", ("zstd", 0), ("brotli", 3), 1.5])
def test_bad_compress_argument(bad: Any) -> None:
    with pytest.raises(ValueError, match="compress|level"):
        skseal.dumps([1], compress=bad)


@pytest.mark.parametrize("off", [False, 0, "none"])
def test_compress_off_spellings(off: Any) -> None:
    data = skseal.dumps({"a": np.zeros(1000)}, compress=off)
    assert {a["codec"] for a in skseal.inspect(data)["arrays"]} == {"none"}


def test_load_from_fileobj_at_offset() -> None:
    obj = {"a": np.arange(100.0)}
    data = skseal.dumps(obj)
    bio = io.BytesIO(b"JUNKJUNK" + data)
    bio.seek(8)
    assert skseal.inspect(bio)["fingerprint"] == skseal.inspect(data)["fingerprint"]
    bio.seek(8)
    assert_same(obj, skseal.load(bio))


def test_loads_accepts_bytearray_and_memoryview() -> None:
    obj = {"a": np.arange(10.0), "b": "x"}
    data = skseal.dumps(obj)
    assert_same(obj, skseal.loads(bytearray(data)))
    assert_same(obj, skseal.loads(memoryview(data)))


def test_dumps_equals_dump_to_path_and_fileobj(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    obj = plain_data()
    data = skseal.dumps(obj, compress=True)
    p = tmp_path / "x.skseal"
    skseal.dump(obj, p, compress=True)
    bio = io.BytesIO()
    skseal.dump(obj, bio, compress=True)
    assert p.read_bytes() == data
    assert bio.getvalue() == data


# ------------------------------------------------------------ shared objects


def test_shared_references_stay_shared() -> None:
    a = [1]
    arr = np.arange(5.0)
    d = {"k": "v"}
    obj = {"x": a, "y": a, "p": arr, "q": arr, "d1": d, "d2": [d, d]}
    out = skseal.loads(skseal.dumps(obj))
    assert out["x"] is out["y"]
    assert out["x"] == [1]
    assert out["p"] is out["q"]
    assert out["d1"] is out["d2"][0] is out["d2"][1]
    out["x"].append(2)
    assert out["y"] == [1, 2]


def test_self_referencing_containers() -> None:
    lst: list[Any] = [1]
    lst.append(lst)
    dct: dict[str, Any] = {"n": 1}
    dct["self"] = dct
    via_tuple: list[Any] = []
    via_tuple.append((via_tuple, 3))
    out = skseal.loads(skseal.dumps({"l": lst, "d": dct, "vt": via_tuple}))
    assert out["l"][1] is out["l"] and out["l"][0] == 1
    assert out["d"]["self"] is out["d"] and out["d"]["n"] == 1
    assert out["vt"][0][0] is out["vt"] and out["vt"][0][1] == 3


def test_tuple_reached_first_in_reference_cycle() -> None:
    """A tuple that is part of a cycle through a list, reached from the tuple's side:
    pickle itself round-trips it (``pickle.loads(pickle.dumps(tup))``)."""
    inner: list[Any] = []
    tup = (inner, 2)
    inner.append(tup)
    assert pickle.loads(pickle.dumps(tup))[0][0][1] == 2
    out = skseal.loads(skseal.dumps({"t": tup}))
    assert out["t"][0][0] is out["t"] and out["t"][1] == 2


def test_shared_references_in_fitted_model() -> None:
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(np.arange(20.0).reshape(10, 2))
    obj = {"pipe": Pipeline([("s", scaler)]), "same": scaler}
    out = skseal.loads(skseal.dumps(obj))
    assert out["pipe"].steps[0][1] is out["same"]


# --------------------------------------------------------------- determinism


def test_deterministic_bytes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    m1, _, _ = fit_logreg()
    m2, _, _ = fit_logreg()  # an independent fit of the same model
    for c in (None, True, "lz4"):
        a = skseal.dumps(m1, compress=c)
        assert a == skseal.dumps(m1, compress=c)
        assert a == skseal.dumps(m2, compress=c)
    meta = skseal.inspect(skseal.dumps(m1))["metadata"]
    assert meta["created_utc"] == "2023-11-14T22:13:20Z"
    fps = {skseal.dump(m1, tmp_path / f"m{i}.skseal", compress=c) for i, c in enumerate(COMPRESS)}
    assert len(fps) == 1
    assert fps == {skseal.inspect(tmp_path / "m0.skseal")["fingerprint"]}
    assert re.fullmatch(r"[0-9a-f]{64}", fps.pop())


def test_fingerprint_ignores_metadata_but_not_content(logreg: tuple[Any, np.ndarray]) -> None:
    model, _ = logreg
    a = skseal.inspect(skseal.dumps(model, metadata={"run": 1}))
    b = skseal.inspect(skseal.dumps(model, metadata={"run": 2}))
    assert a["fingerprint"] == b["fingerprint"]
    assert a["header_blake3"] != b["header_blake3"]
    c = skseal.inspect(skseal.dumps({"a": np.arange(3.0)}))
    d = skseal.inspect(skseal.dumps({"a": np.arange(3.0) + 1}))
    assert c["fingerprint"] != d["fingerprint"]


# -------------------------------------------------------------- atomic write


def _listing(d: Path) -> list[str]:
    return sorted(os.listdir(d))


def test_dump_replaces_existing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    p = tmp_path / "m.skseal"
    big = {"a": np.arange(100_000.0)}
    skseal.dump(big, p)
    small = {"b": [1, 2, 3]}
    skseal.dump(small, p)
    assert p.read_bytes() == skseal.dumps(small)
    assert skseal.load(p) == small
    assert _listing(tmp_path) == ["m.skseal"]


def _unsaveable_lambda() -> Any:
    return {"f": lambda x: x}


def _unsaveable_local_class() -> Any:
    class Local:
        pass

    return {"obj": Local()}


def _unsaveable_module_class() -> Any:
    return {"obj": _ModuleLevel()}


class _ModuleLevel:
    pass


@pytest.mark.parametrize(
    "make", [_unsaveable_lambda, _unsaveable_local_class, _unsaveable_module_class],
    ids=["lambda", "local-class", "untrusted-class"],
)
def test_failed_dump_leaves_existing_file(make: Callable[[], Any], tmp_path: Path) -> None:
    p = tmp_path / "m.skseal"
    skseal.dump({"a": np.arange(10.0)}, p)
    before = p.read_bytes()
    with pytest.raises(skseal.UnsupportedObjectError):
        skseal.dump(make(), p)
    assert p.read_bytes() == before
    assert _listing(tmp_path) == ["m.skseal"]


def test_failed_rename_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "adir"
    target.mkdir()
    (target / "keep.txt").write_text("keep")
    with pytest.raises(OSError):
        skseal.dump({"a": np.arange(10.0)}, target)
    assert _listing(tmp_path) == ["adir"]
    assert (target / "keep.txt").read_text() == "keep"


def test_dump_into_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        skseal.dump([1], tmp_path / "missing" / "m.skseal")
    assert _listing(tmp_path) == []


# ------------------------------------------------------------------- mmap


def _ends_in_mmap(a: np.ndarray) -> bool:
    b: Any = a
    while isinstance(b, np.ndarray):
        b = b.base
    if isinstance(b, memoryview):
        b = b.obj
    return isinstance(b, mmap.mmap)


def test_mmap_plain_arrays(tmp_path: Path) -> None:
    p = tmp_path / "a.skseal"
    obj = {"a": np.arange(1000.0), "f": np.asfortranarray(np.arange(600).reshape(20, 30)),
           "z": np.zeros(0)}
    skseal.dump(obj, p)
    out = skseal.load(p, mmap_mode="r")
    for k in ("a", "f"):
        arr = out[k]
        assert not arr.flags.owndata
        assert not arr.flags.writeable
        assert _ends_in_mmap(arr), k
        assert_same(obj[k], arr, k)
    assert out["f"].flags.f_contiguous
    with pytest.raises(ValueError):
        out["a"][0] = 1.0
    # mode "c": copy-on-write, the file is untouched
    before = p.read_bytes()
    cow = skseal.load(p, mmap_mode="c")
    assert _ends_in_mmap(cow["a"]) and cow["a"].flags.writeable
    cow["a"][:] = -1.0
    assert p.read_bytes() == before
    assert_same(obj, skseal.load(p))


def _mapping_of(arr: np.ndarray) -> mmap.mmap:
    base: Any = arr
    while isinstance(base, np.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    assert isinstance(base, mmap.mmap), type(base)
    return base


@pytest.mark.parametrize("mode", ["r", "c", "r+"])
def test_mmap_large_arrays_have_their_own_mapping(mode: str, tmp_path: Path) -> None:
    """Under mmap_mode every uncompressed array views a mapping of its own,
    unmapped when the array dies (a forest's node arrays, copied by
    Tree.__setstate__, do not stay resident), which also keeps the kernel's
    fault-around from mapping the pages of neighbouring arrays."""
    p = tmp_path / "m.skseal"
    rng = np.random.default_rng(0)
    obj = {"big": rng.random(20_000), "big2": np.asfortranarray(rng.random((300, 40))),
           "small": np.arange(100.0), "small2": np.arange(7),
           "pad": np.zeros(16 << 17)}  # 16 MiB: files under 16 MiB share one mapping
    skseal.dump(obj, p)
    size = p.stat().st_size
    out = skseal.load(p, mmap_mode=mode)  # type: ignore[arg-type]
    assert_same(obj, out)
    big, big2 = _mapping_of(out["big"]), _mapping_of(out["big2"])
    small, small2 = _mapping_of(out["small"]), _mapping_of(out["small2"])
    maps = (big, big2, small, small2)
    assert len({id(m) for m in maps}) == 4 and all(len(m) < size for m in maps)
    assert len(small) < 2 * mmap.PAGESIZE
    # a small file: one mapping for all
    q = tmp_path / "small.skseal"
    skseal.dump({k: obj[k] for k in ("big", "small")}, q)
    few = skseal.load(q, mmap_mode=mode)  # type: ignore[arg-type]
    assert _mapping_of(few["big"]) is _mapping_of(few["small"])
    del few
    assert len(big) >= out["big"].nbytes and len(big) - out["big"].nbytes < mmap.PAGESIZE
    assert out["big"].flags.writeable == (mode != "r")
    if mode == "r+":
        out["big"][5] = -1.0
        big.flush()
        del out, big, big2, small, small2
        assert skseal.load(p, mmap_mode="r")["big"][5] == -1.0
    else:
        del out, big, big2, small, small2
        assert_same(obj, skseal.load(p))


def test_mmap_compressed_arrays_are_decoded(tmp_path: Path) -> None:
    p = tmp_path / "c.skseal"
    obj = {"a": np.arange(10_000.0)}
    skseal.dump(obj, p, compress=True)
    out = skseal.load(p, mmap_mode="r")
    assert not _ends_in_mmap(out["a"])
    assert_same(obj, out)


def test_bad_mmap_mode(tmp_path: Path) -> None:
    p = tmp_path / "a.skseal"
    skseal.dump([1], p)
    with pytest.raises(ValueError, match="mmap_mode"):
        skseal.load(p, mmap_mode="w")  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["r", "c"])
def test_mmap_model(mode: str, tmp_path: Path, logreg: tuple[Any, np.ndarray]) -> None:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model, X = logreg
    pipe = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=3, random_state=0))
    pipe.fit(X, model.predict(X))
    for m in (model, pipe):
        p = tmp_path / f"{type(m).__name__}.skseal"
        skseal.dump(m, p)
        out = skseal.load(p, mmap_mode=mode)  # type: ignore[arg-type]
        if m is model:
            arrays = [out.coef_, out.intercept_, out.classes_]
        else:  # sklearn's Tree copies its node arrays; the scaler keeps views
            arrays = [out[0].mean_, out[0].scale_, out[0].var_, out[1].classes_]
        for a in arrays:
            assert not a.flags.owndata
            assert _ends_in_mmap(a)
            assert a.flags.writeable == (mode == "c")
        for meth in ("predict", "predict_proba"):
            want, got = getattr(m, meth)(X), getattr(out, meth)(X)
            assert want.dtype == got.dtype and want.tobytes() == got.tobytes()


# ---------------------------------------------------------------- metadata


def test_metadata_environment_and_estimator(tmp_path: Path) -> None:
    model, X, y = fit_logreg("str", frame=True)
    p = tmp_path / "m.skseal"
    user = {"accuracy": 0.97, "tags": ["a", "b"], "nested": {"k": [1, None, True]},
            "text": "héllo ✓"}
    skseal.dump(model, p, metadata=user)
    meta = skseal.inspect(p)["metadata"]
    env = meta["environment"]
    for dist in ("numpy", "scipy", "scikit-learn"):
        assert env[dist] == im.version(dist), dist
    assert env["python"] == ".".join(map(str, sys.version_info[:3]))
    est = meta["estimator"]
    assert est["class"] == "sklearn.linear_model._logistic.LogisticRegression"
    assert est["feature_names_in"] == list(X.columns)
    assert est["n_features_in"] == 4
    assert est["classes"] == ["setosa", "versicolor", "virginica"]
    assert {"predict", "predict_proba", "predict_log_proba", "decision_function"} <= set(
        est["methods"])
    assert "transform" not in est["methods"]
    assert meta["user"] == user
    assert meta["skseal"] == skseal.__version__
    created = dt.datetime.strptime(meta["created_utc"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=dt.UTC)
    assert abs((dt.datetime.now(dt.UTC) - created).total_seconds()) < 3600
    assert skseal.installed_versions()["scikit-learn"] == env["scikit-learn"]


def test_metadata_int_classes(logreg: tuple[Any, np.ndarray]) -> None:
    model, _ = logreg
    est = skseal.inspect(skseal.dumps(model))["metadata"]["estimator"]
    assert est["classes"] == [0, 1, 2]
    assert "feature_names_in" not in est
    assert skseal.inspect(skseal.dumps(model))["metadata"]["user"] == {}


@pytest.mark.parametrize("bad", [{"x": float("nan")}, {"x": object()}, ["not", "a", "dict"]])
def test_metadata_must_be_json(bad: Any) -> None:
    with pytest.raises(TypeError, match="metadata"):
        skseal.dumps([1], metadata=bad)


def test_inspect_sources_agree(tmp_path: Path) -> None:
    p = tmp_path / "x.skseal"
    skseal.dump({"a": np.arange(1000.0)}, p, compress=True)
    data = p.read_bytes()
    a, b, c = skseal.inspect(p), skseal.inspect(data), skseal.inspect(io.BytesIO(data))
    assert a == b == c
    assert a["format_version"] == 1
    assert a["file_size"] == len(data)
    [arr] = a["arrays"]
    assert arr["dtype"] == "<f8" and arr["shape"] == [1000] and arr["codec"] == "zstd"
    assert arr["stored"] < arr["nbytes"] == 8000


def test_inspect_needs_no_import(thing_file: Path, tmp_path: Path) -> None:
    """inspect/untrusted_types read the header only: they work where mymod is missing."""
    code = textwrap.dedent(
        """
        import importlib.util, json, sys
        assert importlib.util.find_spec("mymod") is None, "mymod must not be importable"
        import skseal
        info = skseal.inspect(sys.argv[1])
        result = {
            "class": info["metadata"]["estimator"]["class"],
            "fingerprint": info["fingerprint"],
            "outline": info["outline"],
            "globals": info["globals"],
            "untrusted": skseal.untrusted_types(sys.argv[1]),
            "imported": "mymod" in sys.modules,
        }
        try:
            skseal.load(sys.argv[1], trusted=["mymod.Thing"])
        except skseal.SkSealError as e:
            result["load_error"] = type(e).__name__ + ": " + str(e)
        print(json.dumps(result))
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([sys.executable, "-c", code, str(thing_file)], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["class"] == "mymod.Thing"
    assert out["fingerprint"] == skseal.inspect(thing_file)["fingerprint"]
    assert "mymod.Thing" in out["outline"]
    assert {"name": "mymod.Thing", "roles": ["class"], "verdict": "unknown"} in out["globals"]
    assert out["untrusted"] == ["mymod.Thing"]
    assert out["imported"] is False
    assert "mymod" in out["load_error"]


# ------------------------------------------------------------------- trust


def test_untrusted_types_lists_user_class(thing_file: Path) -> None:
    assert skseal.untrusted_types(thing_file) == ["mymod.Thing"]
    assert skseal.untrusted_types(thing_file.read_bytes()) == ["mymod.Thing"]
    assert skseal.untrusted_types(thing_file, trusted=["mymod.Thing"]) == []


def test_untrusted_types_empty_for_sklearn(logreg: tuple[Any, np.ndarray]) -> None:
    model, _ = logreg
    assert skseal.untrusted_types(skseal.dumps(model)) == []
    assert skseal.untrusted_types(skseal.dumps(plain_data())) == []


def test_load_refuses_untrusted_then_accepts(thing_file: Path, mymod: Any) -> None:
    calls = mymod.Thing.setstate_calls
    with pytest.raises(skseal.UntrustedTypeError) as ei:
        skseal.load(thing_file)
    assert ei.value.types == ["mymod.Thing"]
    assert 'trusted=["mymod.Thing"]' in str(ei.value)
    assert mymod.Thing.setstate_calls == calls  # nothing was built
    obj = skseal.load(thing_file, trusted=["mymod.Thing"])
    assert type(obj) is mymod.Thing
    assert mymod.Thing.setstate_calls == calls + 1
    assert_same(mymod.Thing().__dict__, obj.__dict__)


def test_dump_refuses_untrusted_class(mymod: Any) -> None:
    with pytest.raises(skseal.UnsupportedObjectError) as ei:
        skseal.dumps(mymod.Thing())
    assert ei.value.types == ["mymod.Thing"]
    assert 'trusted=["mymod.Thing"]' in str(ei.value)


def test_trusted_is_exact_match(thing_file: Path) -> None:
    for wrong in (["mymod.Thin"], ["mymod.Thing.x"]):
        with pytest.raises(skseal.UntrustedTypeError):
            skseal.load(thing_file, trusted=wrong)
    # names without a dot are refused before the file is read (no module-wide trust)
    for wrong in (["mymod"], ["Thing"]):
        with pytest.raises(ValueError, match="never trusts a whole module"):
            skseal.load(thing_file, trusted=wrong)


# ------------------------------------------------------------------- probe


def test_probe_verify_passes(tmp_path: Path, logreg: tuple[Any, np.ndarray]) -> None:
    model, X = logreg
    p = tmp_path / "m.skseal"
    skseal.dump(model, p, probe=X[:5])
    out = skseal.load(p, verify=True)
    assert out.predict(X).tobytes() == model.predict(X).tobytes()
    assert "probe" in skseal.inspect(p)["outline"]


def test_probe_detects_changed_model(tmp_path: Path, logreg: tuple[Any, np.ndarray],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    model, X = logreg
    p = tmp_path / "m.skseal"
    skseal.dump(model, p, probe=X[:5])
    seen: list[tuple[Any, Any]] = []
    original = skseal._meta.verify_probe

    def spy(obj: Any, probe: Any) -> None:
        seen.append((obj, probe))
        original(obj, probe)

    monkeypatch.setattr(skseal._meta, "verify_probe", spy)
    loaded = skseal.load(p, verify=True)
    [(obj, probe)] = seen
    assert obj is loaded
    assert set(probe["outputs"]) == {"predict", "predict_proba", "predict_log_proba",
                                     "decision_function"}
    np.testing.assert_array_equal(probe["input"]["data"], X[:5])
    loaded.coef_ += 1.0
    with pytest.raises(skseal.ProbeMismatchError, match="rows differ"):
        original(loaded, probe)


def test_probe_with_dataframe_input(tmp_path: Path) -> None:
    model, X, _ = fit_logreg("str", frame=True)
    p = tmp_path / "m.skseal"
    skseal.dump(model, p, probe=X.iloc[:4])
    out = skseal.load(p, verify=True)
    assert list(out.predict(X)) == list(model.predict(X))


def test_verify_without_probe_is_format_error(tmp_path: Path) -> None:
    p = tmp_path / "x.skseal"
    skseal.dump({"a": 1}, p)
    with pytest.raises(skseal.FormatError, match="probe"):
        skseal.load(p, verify=True)
    with pytest.raises(skseal.FormatError, match="probe"):
        skseal.loads(p.read_bytes(), verify=True)


def test_probe_on_user_class(thing_file: Path, mymod: Any,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    obj = skseal.load(thing_file, trusted=["mymod.Thing"], verify=True)
    assert type(obj) is mymod.Thing
    seen: list[Any] = []
    original = skseal._meta.verify_probe
    monkeypatch.setattr(skseal._meta, "verify_probe", lambda o, pr: seen.append(pr))
    skseal.load(thing_file, trusted=["mymod.Thing"], verify=True)
    [probe] = seen
    obj.w = obj.w + 1
    with pytest.raises(skseal.ProbeMismatchError):
        original(obj, probe)


# --------------------------------------------------------- version mismatch


@pytest.fixture()
def old_sklearn(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(skseal._meta, "installed_sklearn", lambda: "0.0.1")
    return im.version("scikit-learn")


def test_version_mismatch_error(thing_file: Path, mymod: Any, old_sklearn: str) -> None:
    calls = mymod.Thing.setstate_calls
    with pytest.raises(skseal.VersionMismatchError) as ei:
        skseal.load(thing_file, trusted=["mymod.Thing"], on_version_mismatch="error")
    msg = str(ei.value)
    assert old_sklearn in msg and "0.0.1" in msg
    assert mymod.Thing.setstate_calls == calls  # refused before building


def test_version_mismatch_error_comes_before_trust(thing_file: Path, old_sklearn: str) -> None:
    with pytest.raises(skseal.VersionMismatchError):
        skseal.load(thing_file, on_version_mismatch="error")


def test_version_mismatch_warn_runs_probe(thing_file: Path, old_sklearn: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(skseal._meta, "verify_probe", lambda obj, probe: calls.append(obj))
    with pytest.warns(skseal.VersionMismatchWarning) as rec:
        obj = skseal.load(thing_file, trusted=["mymod.Thing"])
    msg = str(rec[0].message)
    assert old_sklearn in msg and "0.0.1" in msg
    assert calls == [obj]
    # verify=False switches the automatic check off
    calls.clear()
    with pytest.warns(skseal.VersionMismatchWarning):
        skseal.load(thing_file, trusted=["mymod.Thing"], verify=False)
    assert calls == []


def test_version_mismatch_probe_failure_raises(thing_file: Path, old_sklearn: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(obj: Any, probe: Any) -> None:
        raise skseal.ProbeMismatchError("simulated")

    monkeypatch.setattr(skseal._meta, "verify_probe", fail)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", skseal.VersionMismatchWarning)
        with pytest.raises(skseal.ProbeMismatchError):
            skseal.load(thing_file, trusted=["mymod.Thing"])


def test_version_mismatch_warning_does_not_claim_unchecked_match(
        thing_file: Path, old_sklearn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the automatic probe check fails, no warning may say that it matched."""
    def fail(obj: Any, probe: Any) -> None:
        raise skseal.ProbeMismatchError("simulated")

    monkeypatch.setattr(skseal._meta, "verify_probe", fail)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with pytest.raises(skseal.ProbeMismatchError):
            skseal.load(thing_file, trusted=["mymod.Thing"])
    texts = [str(w.message) for w in rec]
    assert not [t for t in texts if "matches" in t], texts


def test_version_mismatch_ignore(thing_file: Path, old_sklearn: str,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(skseal._meta, "verify_probe", lambda obj, probe: calls.append(obj))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        skseal.load(thing_file, trusted=["mymod.Thing"], on_version_mismatch="ignore")
    assert len(calls) == 1  # a probe is present: it is still checked


def test_no_mismatch_no_warning_no_probe_check(thing_file: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(skseal._meta, "verify_probe", lambda obj, probe: calls.append(obj))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        skseal.load(thing_file, trusted=["mymod.Thing"], on_version_mismatch="error")
    assert calls == []


def test_bad_on_version_mismatch(thing_file: Path) -> None:
    with pytest.raises(ValueError, match="on_version_mismatch"):
        skseal.load(thing_file, on_version_mismatch="panic")  # type: ignore[arg-type]


# ------------------------------------------------------------ legacy pickle


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_plain_pickle_of_data_loads(protocol: int) -> None:
    obj = {"a": [1, 2.5, "x"], "arr": np.arange(12.0).reshape(3, 4), "t": (None, True)}
    assert_same(obj, skseal.loads(pickle.dumps(obj, protocol=protocol)))


def test_plain_pickle_of_scalar_loads() -> None:
    """load() promises to read plain pickles, whatever their first opcode
    (protocols 0 and 1 do not start with PROTO)."""
    failures = []
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        for value in (7, "text", 1.5, None, (1, 2), [3], {"k": 4}):
            data = pickle.dumps(value, protocol=protocol)
            try:
                out = skseal.loads(data)
            except skseal.SkSealError as e:
                failures.append(f"protocol {protocol} {value!r} ({data[:6]!r}): {e}")
                continue
            assert out == value and type(out) is type(value)
    assert not failures, "\n".join(failures)


def test_plain_pickle_of_model(logreg: tuple[Any, np.ndarray], tmp_path: Path) -> None:
    model, X = logreg
    p = tmp_path / "m.pkl"
    p.write_bytes(pickle.dumps(model, protocol=5))
    out = skseal.load(p)
    assert out.predict_proba(X).tobytes() == model.predict_proba(X).tobytes()
    assert skseal.untrusted_types(p) == []


# ---------------------------------------------------------------------- CLI


@pytest.fixture(scope="session")
def cli() -> Path:
    cargo = shutil.which("cargo")
    if cargo is None:
        pytest.skip("cargo is not installed")
    r = subprocess.run([cargo, "build", "-q", "-p", "skseal-cli"], cwd=REPO,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    exe = target / "debug" / "skseal"
    assert exe.is_file()
    return exe


def _run_cli(exe: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=60)


def test_cli_inspect_text(cli: Path, tmp_path: Path, logreg: tuple[Any, np.ndarray]) -> None:
    model, _ = logreg
    p = tmp_path / "m.skseal"
    fp = skseal.dump(model, p, metadata={"owner": "tests"})
    r = _run_cli(cli, "inspect", str(p))
    assert r.returncode == 0, r.stderr
    assert "sklearn.linear_model._logistic.LogisticRegression" in r.stdout
    assert fp in r.stdout
    assert "all allowed by default" in r.stdout


def test_cli_inspect_json(cli: Path, thing_file: Path) -> None:
    r = _run_cli(cli, "inspect", "--json", str(thing_file))
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    py = skseal.inspect(thing_file)
    assert d["fingerprint"] == py["fingerprint"]
    assert d["header_blake3"] == py["header_blake3"]
    assert d["metadata"] == py["metadata"]
    assert d["arrays"] == py["arrays"]


def test_cli_flags_untrusted(cli: Path, thing_file: Path) -> None:
    r = _run_cli(cli, "inspect", str(thing_file))
    assert r.returncode == 0, r.stderr
    assert "mymod.Thing" in r.stdout
    assert "NOT trusted" in r.stdout


@pytest.mark.parametrize("content", [b"", b"hello, not a model\n", b"\x89PNG\r\n\x1a\n"],
                         ids=["empty", "text", "binary"])
def test_cli_rejects_non_skseal(cli: Path, tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "bad.bin"
    p.write_bytes(content)
    r = _run_cli(cli, "inspect", str(p))
    assert r.returncode == 2
    assert r.stdout == ""
    assert "skseal: error:" in r.stderr and str(p) in r.stderr


def test_cli_inspects_a_pickle_without_running_it(cli: Path, tmp_path: Path) -> None:
    p = tmp_path / "list.pkl"
    p.write_bytes(pickle.dumps([1, 2]))
    r = _run_cli(cli, "inspect", str(p))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("pickle file") and "not a .skseal file" in r.stdout


def test_cli_missing_file(cli: Path, tmp_path: Path) -> None:
    r = _run_cli(cli, "inspect", str(tmp_path / "nope.skseal"))
    assert r.returncode == 2
    assert "cannot open" in r.stderr


def test_cli_truncated_file(cli: Path, tmp_path: Path) -> None:
    data = skseal.dumps({"a": np.arange(1000.0)})
    p = tmp_path / "t.skseal"
    p.write_bytes(data[:-100])
    r = _run_cli(cli, "inspect", str(p))
    assert r.returncode == 2
    assert "truncated" in r.stderr


def test_nan_in_plain_data_survives_inspect() -> None:
    info = skseal.inspect(skseal.dumps({"x": float("nan"), "y": math.inf}))
    assert "nan" in info["outline"].lower() and "inf" in info["outline"]


def test_python_floats_round_trip_exactly() -> None:
    # Python floats live in the header JSON: every one must come back with the
    # same bits (serde_json parses with float_roundtrip).
    rng = np.random.default_rng(0)
    vals = [float(v) for v in rng.standard_normal(20000)]
    vals += [float(v) for v in rng.uniform(-1e300, 1e300, 2000)]
    vals += [5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.1, -0.11085046243661957]
    back = skseal.loads(skseal.dumps({"v": vals}))["v"]
    bad = [(a, b) for a, b in zip(vals, back, strict=True) if a.hex() != b.hex()]
    assert not bad, f"{len(bad)} floats changed, e.g. {bad[:3]}"


@pytest.mark.parametrize("n", [20_000, 1_000_000], ids=["one-read", "per-array-reads"])
@pytest.mark.parametrize("compress", [None, True], ids=["raw", "zstd"])
def test_path_load_reads_and_checks_every_array(n: int, compress: Any, tmp_path: Path) -> None:
    """A path is read in one call when its blobs are small (<= 4 MiB) and with
    one positioned read per array otherwise: both give the arrays back and
    both name the array whose bytes were damaged."""
    rng = np.random.default_rng(0)
    obj = {"x": rng.random(n), "nodes": np.zeros(50, dtype=[("a", "<f8"), ("b", "<u4")]),
           "f": np.asfortranarray(rng.random((30, 7))), "empty": np.zeros((0, 3))}
    p = tmp_path / "a.skseal"
    skseal.dump(obj, p, compress=compress)
    back = skseal.load(p)
    for k, v in obj.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape
        assert np.array_equal(back[k], v)
        assert back[k].flags.f_contiguous == v.flags.f_contiguous
        assert back[k].flags.writeable and back[k].flags.owndata
    info = skseal.inspect(p)
    big = max(info["arrays"], key=lambda a: a["stored"])
    data = bytearray(p.read_bytes())
    data[big["offset"] + big["stored"] // 2] ^= 0x10
    p.write_bytes(bytes(data))
    with pytest.raises(skseal.IntegrityError, match=f"array {big['index']}"):
        skseal.load(p)


def test_load_leaves_the_garbage_collector_as_it_found_it(tmp_path: Path) -> None:
    """load() pauses cyclic garbage collection while it builds, and restores
    the caller's setting, also when loading fails."""
    import gc

    p = tmp_path / "a.skseal"
    skseal.dump({"a": [1, 2]}, p)
    assert gc.isenabled()
    skseal.load(p)
    assert gc.isenabled()
    gc.disable()
    try:
        skseal.load(p)
        assert not gc.isenabled()
    finally:
        gc.enable()
    bad = tmp_path / "bad.skseal"
    bad.write_bytes(p.read_bytes()[:-3])
    with pytest.raises(skseal.SkSealError):
        skseal.load(bad)
    assert gc.isenabled()


# ------------------------------------------------------ trusted= normalised


def _trust_calls(p: Path, out: Path) -> list[Any]:
    import skseal.native

    data = p.read_bytes()
    return [
        lambda t: skseal.load(p, trusted=t),
        lambda t: skseal.loads(data, trusted=t),
        lambda t: skseal.untrusted_types(p, trusted=t),
        lambda t: skseal.convert(p, out, trusted=t),
        lambda t: skseal.dumps([1], trusted=t),
        lambda t: skseal.dump([1], out, trusted=t),
        lambda t: skseal.native.load(p, trusted=t),
        lambda t: skseal.native.loads(data, trusted=t),
    ]


def test_trusted_bare_string_shows_the_list_form(thing_file: Path, tmp_path: Path) -> None:
    for call in _trust_calls(thing_file, tmp_path / "o.skseal"):
        with pytest.raises(TypeError, match=r'trusted=\["mymod.Thing"\]'):
            call("mymod.Thing")


def test_trusted_true_is_refused_with_a_reason(thing_file: Path, tmp_path: Path) -> None:
    for call in _trust_calls(thing_file, tmp_path / "o.skseal"):
        for t in (True, False):
            with pytest.raises(TypeError, match="no blanket trust"):
                call(t)


def test_trusted_module_name_is_a_value_error(thing_file: Path, tmp_path: Path) -> None:
    for call in _trust_calls(thing_file, tmp_path / "o.skseal"):
        for t in (["sklearn"], ["mymod."], [".Thing"], ["xgboost.*"]):
            with pytest.raises(ValueError, match="whole module|wildcards") as e:
                call(t)
            # the refusal lists the profiles that do exist
            assert "lightgbm" in str(e.value) and "xgboost" in str(e.value)


def test_trusted_non_str_entry_is_a_type_error(thing_file: Path, tmp_path: Path) -> None:
    for call in _trust_calls(thing_file, tmp_path / "o.skseal"):
        with pytest.raises(TypeError, match="dotted names"):
            call([42])


def test_trusted_accepts_classes(mymod: Any, thing_file: Path, tmp_path: Path) -> None:
    from skseal._trust import normalize_trusted

    assert normalize_trusted([mymod.Thing, "a.b"]) == ["mymod.Thing", "a.b"]
    assert normalize_trusted(("mymod.Thing",)) == ["mymod.Thing"]
    assert normalize_trusted(None) == []
    obj = skseal.load(thing_file, trusted=[mymod.Thing])
    assert type(obj) is mymod.Thing
    assert skseal.untrusted_types(thing_file, trusted=[mymod.Thing]) == []
    pk = tmp_path / "thing.pkl"
    pk.write_bytes(pickle.dumps(mymod.Thing(), protocol=5))
    skseal.convert(pk, tmp_path / "c.skseal", trusted=[mymod.Thing])
    skseal.dump(mymod.Thing(), tmp_path / "d.skseal", trusted=[mymod.Thing])


def test_every_exception_the_extension_raises_exists() -> None:
    """The Rust side names its exception classes through one enum
    (errors::Exc); each must be a class of skseal.errors or builtins."""
    import builtins

    import skseal.errors

    names = skseal._native.exception_names()
    assert len(names) == 16
    for module, name in names:
        mod = builtins if module == "builtins" else skseal.errors
        cls = getattr(mod, name)
        assert isinstance(cls, type) and issubclass(cls, Exception), (module, name)
        if module == "skseal.errors":
            assert issubclass(cls, skseal.errors.SkSealError), name
