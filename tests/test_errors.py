"""Every error path of skseal, each triggered by a concrete input.

Hostile files are made by editing real files: :class:`SkFile` parses a
``.skseal`` container, lets a test change its JSON header or array bytes, and
writes it back with a consistent layout, array digests and header digest (so
that only the intended defect is left for the reader to find).
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import blake3
import numpy as np
import pytest
import scipy.sparse as sp

import skseal

MAGIC = b"\x89SKS\r\n\x1a\n"
PREAMBLE = 56
ALIGN = 64
FLAG_HEADER_ZSTD = 1
#: container.rs ``blob_offset``: blobs of at least LARGE_BLOB bytes start at a multiple
#: of 64, smaller ones at a multiple of 16 (test_surgery_is_faithful checks this).
LARGE_BLOB = 4096


# ------------------------------------------------------------ file surgery


def _align(x: int, a: int = ALIGN) -> int:
    return -(-x // a) * a


def _blob_offset(cursor: int, length: int) -> int:
    return _align(cursor, ALIGN if length >= LARGE_BLOB else 16)


def _np_dtype(d: Any) -> np.dtype[Any]:
    if isinstance(d, str):
        return np.dtype(d)
    return np.dtype({"names": d["names"], "formats": [_np_dtype(f) for f in d["formats"]],
                     "offsets": d["offsets"], "itemsize": d["itemsize"]})


@dataclass
class SkFile:
    """A parsed ``.skseal`` file that can be edited and written back."""

    version: int
    flags: int
    header: dict[str, Any]
    blobs: list[bytes]

    @classmethod
    def parse(cls, data: bytes) -> SkFile:
        assert data[:8] == MAGIC
        version, flags, hlen = struct.unpack_from("<IIQ", data, 8)
        if flags & FLAG_HEADER_ZSTD:
            # a zstd-compressed header: let skseal itself inflate it
            header = json.loads(skseal._native.read_header(data, len(data)))
        else:
            header = json.loads(data[PREAMBLE:PREAMBLE + hlen])
        start = _align(PREAMBLE + hlen)
        blobs = [data[start + a["offset"]:start + a["offset"] + a["length"]]
                 for a in header["arrays"]]
        # written back with a plain JSON header (flag bit 0 clear)
        return cls(version, flags & ~FLAG_HEADER_ZSTD, header, blobs)

    @property
    def arrays(self) -> list[dict[str, Any]]:
        return list(self.header["arrays"])

    def structs_with(self, field: str) -> list[int]:
        """Indices of structured arrays that have ``field``."""
        return [i for i, a in enumerate(self.arrays)
                if isinstance(a["dtype"], dict) and field in a["dtype"]["names"]]

    def array(self, i: int) -> np.ndarray:
        a = self.arrays[i]
        assert a["codec"] == "none", "edit uncompressed files only"
        flat = np.frombuffer(self.blobs[i], dtype=_np_dtype(a["dtype"]))
        return flat.reshape(a["shape"], order=a["order"]).copy()

    def set_array(self, i: int, arr: np.ndarray) -> None:
        """Replace array ``i`` (same dtype; the shape may change) and its digest."""
        a = self.header["arrays"][i]
        arr = np.asarray(arr, dtype=_np_dtype(a["dtype"]))
        raw = arr.tobytes(order=a["order"])
        a["shape"] = list(arr.shape)
        a["nbytes"] = a["length"] = len(raw)
        a["blake3"] = blake3.blake3(raw).hexdigest()
        self.blobs[i] = raw

    @property
    def root(self) -> dict[str, Any]:
        g = self.header["graph"]
        r = g["root"]
        return g["shared"][r["ref"]] if "ref" in r else r

    def nodes(self) -> Iterator[dict[str, Any]]:
        """Every JSON object of the graph (depth first)."""
        stack: list[Any] = [self.header["graph"]]
        while stack:
            v = stack.pop()
            if isinstance(v, dict):
                yield v
                stack.extend(v.values())
            elif isinstance(v, list):
                stack.extend(v)

    def to_bytes(self, *, relayout: bool = True, refingerprint: bool = True) -> bytes:
        if relayout:
            cursor = 0
            for a, b in zip(self.header.get("arrays", []), self.blobs, strict=True):
                a["offset"] = _blob_offset(cursor, len(b))
                a["length"] = len(b)
                cursor = a["offset"] + len(b)
        if refingerprint and "graph" in self.header and "arrays" in self.header:
            self.header["fingerprint"] = fingerprint(self.header)
        h = json.dumps(self.header, separators=(",", ":")).encode()
        return self.with_header_bytes(h)

    def with_header_bytes(self, h: bytes) -> bytes:
        out = bytearray(MAGIC)
        out += struct.pack("<IIQ", self.version, self.flags, len(h))
        out += blake3.blake3(h).digest()
        out += h
        out += b"\0" * (_align(len(out)) - len(out))
        start = len(out)
        for a, b in zip(self.header.get("arrays", []), self.blobs, strict=True):
            out += b"\0" * (start + a["offset"] - len(out))
            out += b
        return bytes(out)


def fingerprint(header: dict[str, Any]) -> str:
    """The content fingerprint as docs/FORMAT.md defines it. Anyone who can edit
    a file can recompute it: it identifies content, it does not authenticate it."""
    h = blake3.blake3(json.dumps(header["graph"], separators=(",", ":")).encode())
    for a in header["arrays"]:
        h.update(json.dumps(a["dtype"], separators=(",", ":"), sort_keys=True).encode())
        shape = "[" + ", ".join(str(d) for d in a["shape"]) + "]"
        axes = "None" if a.get("axes") is None else \
            "Some([" + ", ".join(str(d) for d in a["axes"]) + "])"
        h.update(f"{shape}{a['order']}{axes}".encode())
        try:
            h.update(bytes.fromhex(a["blake3"]))
        except ValueError:  # a deliberately malformed digest: refused before this
            h.update(a["blake3"].encode())
    return h.hexdigest()


def test_fingerprint_matches_the_spec(plain_bytes: bytes) -> None:
    f = SkFile.parse(plain_bytes)
    assert fingerprint(f.header) == f.header["fingerprint"]


def test_edited_graph_without_new_fingerprint_is_refused(plain_bytes: bytes) -> None:
    f = SkFile.parse(plain_bytes)
    f.header["graph"]["root"] = {"list": []}
    with pytest.raises(skseal.IntegrityError, match="fingerprint"):
        skseal.loads(f.to_bytes(refingerprint=False))


def state_dict(node: dict[str, Any]) -> list[list[Any]]:
    """The [key, value] pairs of an object node's dict state."""
    st = node["state"]
    if "dict" in st:
        return st["dict"]
    raise AssertionError(f"no dict state in {node}")


# ----------------------------------------------------------------- inputs


def plain_obj() -> dict[str, Any]:
    return {"a": np.arange(1000.0), "b": np.arange(500, dtype=np.int32), "s": "text"}


@pytest.fixture(scope="module")
def plain_bytes() -> bytes:
    return skseal.dumps(plain_obj())


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    return X, y


def test_surgery_is_faithful(plain_bytes: bytes) -> None:
    """Rewriting an unmodified file gives a file skseal reads as the same one, with
    the same array layout: the edits below then test only the edit."""
    f = SkFile.parse(plain_bytes)
    layout = [(a["offset"], a["length"]) for a in f.arrays]
    data = f.to_bytes()
    assert [(a["offset"], a["length"]) for a in f.arrays] == layout
    assert skseal.inspect(data)["fingerprint"] == skseal.inspect(plain_bytes)["fingerprint"]
    out = skseal.loads(data)
    for k, v in plain_obj().items():
        assert np.array_equal(out[k], v) if isinstance(v, np.ndarray) else out[k] == v
    if struct.unpack_from("<I", plain_bytes, 12)[0] == 0:
        assert data == plain_bytes
    # a file with many small blobs of odd sizes exercises the alignment rule
    odd = {f"a{i}": np.arange(i, dtype=np.int8) for i in range(1, 40, 7)}
    odd["big"] = np.arange(1000, dtype=np.int8)
    odd["after"] = np.arange(3, dtype=np.int8)
    raw = skseal.dumps(odd)
    g = SkFile.parse(raw)
    layout = [(a["offset"], a["length"]) for a in g.arrays]
    g.to_bytes()
    assert [(a["offset"], a["length"]) for a in g.arrays] == layout


def _flip(data: bytes, pos: int) -> bytes:
    b = bytearray(data)
    b[pos] ^= 0x01
    return bytes(b)


# ------------------------------------------------------------ FormatError


def test_empty_input(tmp_path: Path) -> None:
    p = tmp_path / "empty.skseal"
    p.write_bytes(b"")
    with pytest.raises(skseal.FormatError):
        skseal.loads(b"")
    with pytest.raises(skseal.FormatError):
        skseal.load(p)
    with pytest.raises(skseal.FormatError, match="empty"):
        skseal.load(p, mmap_mode="r")
    with pytest.raises(skseal.FormatError):
        skseal.inspect(p)


@pytest.mark.parametrize("first", [b"\x00", b"Z", b"\x80\x05", b"c", b"(", b"\x89SKS"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_bytes(first: bytes, seed: int) -> None:
    data = first + np.random.default_rng(seed).bytes(2000)
    with pytest.raises(skseal.FormatError):
        skseal.loads(data)


def _cut_points(data: bytes) -> dict[str, int]:
    hlen = struct.unpack_from("<Q", data, 16)[0]
    info = skseal.inspect(data)
    a0, a1 = info["arrays"]
    return {
        "in-magic": 5,
        "in-preamble": 20,
        "end-of-preamble": PREAMBLE,
        "in-header": PREAMBLE + hlen // 2,
        "end-of-header": PREAMBLE + hlen,
        "in-first-array": a0["offset"] + 100,
        "between-arrays": a0["offset"] + a0["stored"] + 1,
        "in-last-array": a1["offset"] + a1["stored"] // 2,
        "last-byte-missing": len(data) - 1,
    }


@pytest.mark.parametrize("where", ["in-magic", "in-preamble", "end-of-preamble", "in-header",
                                   "end-of-header", "in-first-array", "between-arrays",
                                   "in-last-array", "last-byte-missing"])
def test_truncated(where: str, plain_bytes: bytes, tmp_path: Path) -> None:
    cut = _cut_points(plain_bytes)[where]
    data = plain_bytes[:cut]
    p = tmp_path / "t.skseal"
    p.write_bytes(data)
    for load in (lambda: skseal.loads(data), lambda: skseal.load(p),
                 lambda: skseal.load(p, mmap_mode="r"), lambda: skseal.inspect(p)):
        with pytest.raises(skseal.FormatError) as ei:
            load()
        if cut >= 8:
            assert "truncated" in str(ei.value)


def test_future_version(plain_bytes: bytes) -> None:
    data = bytearray(plain_bytes)
    data[8:12] = struct.pack("<I", 2)
    for f in (skseal.loads, skseal.inspect):
        with pytest.raises(skseal.FormatError) as ei:
            f(bytes(data))
        msg = str(ei.value)
        assert "version 2" in msg and "Upgrade skseal" in msg


@pytest.mark.parametrize("flags", [16, 0x80000000, 0xFFFFFFFF])
def test_unknown_flags(flags: int, plain_bytes: bytes) -> None:
    # bit 0: compressed header, bit 1: signature trailer, bit 2: packs, bit 3:
    # native layouts (test_native_layout.py); the others are refused
    data = bytearray(plain_bytes)
    data[12:16] = struct.pack("<I", flags)
    with pytest.raises(skseal.FormatError, match=f"unknown flags 0x{flags:08x}"):
        skseal.loads(bytes(data))


def test_packs_flag_must_match_the_header() -> None:
    """Flag bit 2 says the data region starts with packs of small arrays: set
    on a file without packs, or cleared on a file with them, it is refused."""
    small = {"a": np.arange(100.0), "b": np.arange(5)}
    for compress, flip in ((None, 4), (True, 4)):
        data = bytearray(skseal.dumps(small, compress=compress))
        has_packs = bool(skseal.inspect(bytes(data))["packs"])
        assert has_packs == (compress is not None)
        flags = struct.unpack_from("<I", data, 12)[0]
        assert bool(flags & 4) == has_packs
        data[12:16] = struct.pack("<I", flags ^ flip)
        with pytest.raises(skseal.FormatError, match="flag bit 2"):
            skseal.loads(bytes(data))


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.replace(b"\r\n", b"\n", 1),  # text-mode transfer on Windows->Unix
        lambda d: d[:4] + b"\n" + d[6:],  # CRLF collapsed, same length
        lambda d: d[:6] + d[7:],  # \x1a (Ctrl-Z) stripped
        lambda d: b"\x09" + d[1:],  # high bit stripped by a 7-bit channel
    ],
    ids=["crlf-to-lf", "crlf-inplace", "ctrl-z-stripped", "high-bit"],
)
def test_damaged_magic(damage: Callable[[bytes], bytes], plain_bytes: bytes) -> None:
    with pytest.raises(skseal.FormatError, match="magic number is damaged"):
        skseal.loads(damage(plain_bytes))


def test_foreign_magic() -> None:
    # the words of skseal-core's rule, as the CLI says them (sniff::not_a_model)
    with pytest.raises(skseal.FormatError, match=r"^not a skseal, pickle or joblib file \(it "
                       r"starts with bytes 4749463839610000\); nothing was run$"):
        skseal.loads(b"GIF89a" + bytes(100))
    with pytest.raises(skseal.FormatError, match="zip"):
        skseal.loads(b"PK\x03\x04" + bytes(100))


def test_compressed_header_flag_on_plain_header(plain_bytes: bytes) -> None:
    """Flag bit 0 says the header is a zstd frame; plain JSON under it is refused."""
    f = SkFile.parse(plain_bytes)
    f.flags |= FLAG_HEADER_ZSTD
    with pytest.raises(skseal.FormatError):
        skseal.loads(f.to_bytes())


def test_header_len_beyond_limit(plain_bytes: bytes) -> None:
    data = bytearray(plain_bytes)
    data[16:24] = struct.pack("<Q", 1 << 40)
    with pytest.raises(skseal.FormatError, match="limit"):
        skseal.loads(bytes(data))


def test_header_len_beyond_file(plain_bytes: bytes) -> None:
    data = bytearray(plain_bytes)
    data[16:24] = struct.pack("<Q", len(plain_bytes) + 10)
    with pytest.raises(skseal.FormatError, match="truncated"):
        skseal.loads(bytes(data))


def _edit_header(data: bytes, edit: Callable[[SkFile], None], relayout: bool = True) -> bytes:
    f = SkFile.parse(data)
    edit(f)
    return f.to_bytes(relayout=relayout)


def _set(path: list[Any], value: Any) -> Callable[[SkFile], None]:
    def edit(f: SkFile) -> None:
        o: Any = f.header
        for k in path[:-1]:
            o = o[k]
        o[path[-1]] = value

    return edit


def _del(path: list[Any]) -> Callable[[SkFile], None]:
    def edit(f: SkFile) -> None:
        o: Any = f.header
        for k in path[:-1]:
            o = o[k]
        del o[path[-1]]

    return edit


def _drop_array_table(f: SkFile) -> None:
    del f.header["arrays"]
    f.blobs.clear()


HEADER_DEFECTS: dict[str, tuple[Callable[[SkFile], None], str]] = {
    "format-name": (_set(["format"], "pickle"), 'header.format must be "skseal"'),
    "no-arrays": (_drop_array_table, "missing field `arrays`"),
    "no-graph": (_del(["graph"]), "missing field `graph`"),
    "nbytes": (_set(["arrays", 0, "nbytes"], 16), "does not match shape x itemsize"),
    "shape-overflow": (_set(["arrays", 0, "shape"], [2**40, 2**40]), "overflows"),
    "object-dtype": (_set(["arrays", 0, "dtype"], "|O"), "object dtype"),
    "bad-dtype": (_set(["arrays", 0, "dtype"], "<M8"), "dtype"),
    "bad-order": (_set(["arrays", 0, "order"], "K"), "order"),
    "unknown-codec": (_set(["arrays", 0, "codec"], "brotli"), "unknown codec"),
    "bad-digest": (_set(["arrays", 0, "blake3"], "xyz"), "blake3 must be 64 hex digits"),
    "array-ref": (_set(["graph", "root"], {"array": 99}), "graph"),
    "unknown-tag": (_set(["graph", "root"], {"lambda": 1}), "graph"),
    "bad-global": (_set(["graph", "root"], {"global": "no_colon_here"}), "module:qualname"),
}


@pytest.mark.parametrize("defect", list(HEADER_DEFECTS))
def test_malformed_header(defect: str, plain_bytes: bytes) -> None:
    edit, fragment = HEADER_DEFECTS[defect]
    data = _edit_header(plain_bytes, edit)
    with pytest.raises(skseal.FormatError) as ei:
        skseal.loads(data)
    assert fragment in str(ei.value)
    assert "malformed skseal header" in str(ei.value)


def test_header_not_json(plain_bytes: bytes) -> None:
    f = SkFile.parse(plain_bytes)
    h = json.dumps(f.header, separators=(",", ":")).encode()
    data = f.with_header_bytes(h[:-1] + b"!")
    with pytest.raises(skseal.FormatError, match="not valid JSON"):
        skseal.loads(data)
    with pytest.raises(skseal.FormatError, match="JSON object"):
        skseal.loads(f.with_header_bytes(b"[1, 2, 3]" + b" " * (len(h) - 9)))


def test_misaligned_array_offset(plain_bytes: bytes) -> None:
    def shift(f: SkFile) -> None:
        f.header["arrays"][1]["offset"] += 8

    data = _edit_header(plain_bytes, shift, relayout=False)
    with pytest.raises(skseal.FormatError, match="array 1 starts at"):
        skseal.loads(data)


def test_compressed_chunk_table_mismatch() -> None:
    data = skseal.dumps({"a": np.arange(100_000.0)}, compress="zstd")

    def drop_chunk(f: SkFile) -> None:
        f.header["arrays"][0]["chunks"] = f.header["arrays"][0]["chunks"][:-1]

    with pytest.raises(skseal.FormatError, match="chunks listed"):
        skseal.loads(_edit_header(data, drop_chunk, relayout=False))


# --------------------------------------------------------- IntegrityError


def test_flipped_byte_in_raw_array(plain_bytes: bytes, tmp_path: Path) -> None:
    info = skseal.inspect(plain_bytes)
    arr = info["arrays"][1]
    data = _flip(plain_bytes, arr["offset"] + arr["stored"] // 2)
    assert skseal.inspect(data)["fingerprint"] == info["fingerprint"]  # header intact
    with pytest.raises(skseal.IntegrityError, match="array 1 .*digest mismatch"):
        skseal.loads(data)
    p = tmp_path / "x.skseal"
    p.write_bytes(data)
    with pytest.raises(skseal.IntegrityError, match="array 1"):
        skseal.load(p)


@pytest.mark.parametrize("codec", ["zstd", "lz4"])
@pytest.mark.parametrize("where", [0.1, 0.5, 0.99])
def test_flipped_byte_in_compressed_array(codec: str, where: float) -> None:
    obj = {"small": np.arange(4.0), "a": np.sin(np.arange(200_000.0))}
    data = skseal.dumps(obj, compress=codec)
    arr = skseal.inspect(data)["arrays"][1]
    assert arr["codec"] == codec
    data = _flip(data, arr["offset"] + int(arr["stored"] * where))
    with pytest.raises(skseal.IntegrityError) as ei:
        skseal.loads(data)
    assert 'array 1 at ["a"] (' in str(ei.value)


def test_flipped_byte_in_header(plain_bytes: bytes) -> None:
    hlen = struct.unpack_from("<Q", plain_bytes, 16)[0]
    for pos in (PREAMBLE, PREAMBLE + hlen // 2, PREAMBLE + hlen - 1, 30):
        data = _flip(plain_bytes, pos)
        with pytest.raises(skseal.IntegrityError, match="header's BLAKE3 digest"):
            skseal.loads(data)
        with pytest.raises(skseal.IntegrityError):
            skseal.inspect(data)


@pytest.mark.parametrize("extra", [b"\x00", b"trailing garbage", bytes(64)])
def test_bytes_after_last_array(extra: bytes, plain_bytes: bytes, tmp_path: Path) -> None:
    data = plain_bytes + extra
    with pytest.raises(skseal.IntegrityError, match=f"{len(extra)} unexpected byte"):
        skseal.loads(data)
    p = tmp_path / "x.skseal"
    p.write_bytes(data)
    with pytest.raises(skseal.IntegrityError):
        skseal.load(p, mmap_mode="r")


def test_swapped_array_blobs() -> None:
    data = skseal.dumps({"a": np.arange(100.0), "b": np.arange(100.0) + 1})
    f = SkFile.parse(data)
    f.blobs[0], f.blobs[1] = f.blobs[1], f.blobs[0]
    with pytest.raises(skseal.IntegrityError, match="array 0"):
        skseal.loads(f.to_bytes())


def test_nonzero_padding_is_detected() -> None:
    """The format requires zero padding; a reader that skips it lets a file carry
    hidden bytes under the same fingerprint and header digest."""
    data = skseal.dumps({"a": np.arange(9, dtype=np.int8), "b": np.arange(9.0)})
    a0, a1 = skseal.inspect(data)["arrays"]
    gap = a0["offset"] + a0["stored"]
    assert a1["offset"] > gap  # a 9-byte blob is followed by padding
    with pytest.raises(skseal.IntegrityError, match="padding"):
        skseal.loads(_flip(data, gap))


# ----------------------------------------------------- UntrustedTypeError


class _Gadget:
    """Pickles as a call of os.system: pickle would run the command on load."""

    def __init__(self, cmd: str) -> None:
        self.cmd = cmd

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, (self.cmd,))


@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_os_system_pickle_is_refused(protocol: int, tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    data = pickle.dumps(_Gadget(f"touch {canary}"), protocol=protocol)
    # os.system is defined in the posix module on this platform
    name = f"{os.system.__module__}.system"
    p = tmp_path / "model.pkl"
    p.write_bytes(data)
    for load in (lambda: skseal.loads(data), lambda: skseal.load(p),
                 lambda: skseal.loads(data, trusted=[name]),
                 lambda: skseal.loads(data, trusted=[name, "os.system"])):
        with pytest.raises(skseal.UntrustedTypeError) as ei:
            load()
        assert ei.value.types == [name]
        assert name in str(ei.value) and "Nothing was imported or run" in str(ei.value)
    assert skseal.untrusted_types(p) == [name]
    assert not canary.exists()


def test_handwritten_os_system_global(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    data = b"cos\nsystem\n(V" + f"touch {canary}".encode() + b"\ntR."
    with pytest.raises(skseal.UntrustedTypeError, match="os.system") as ei:
        skseal.loads(data)
    assert ei.value.types == ["os.system"]
    assert not canary.exists()


GADGET_PICKLES = {
    "eval": b"\x80\x02cbuiltins\neval\nX\x0a\x00\x00\x00print('x')\x85R.",
    "getattr": b"\x80\x02cbuiltins\ngetattr\ncbuiltins\nlist\nX\x06\x00\x00\x00appendN\x87R.",
    "popen": b"\x80\x02csubprocess\nPopen\nX\x04\x00\x00\x00true\x85R.",
    "numpy.load": b"\x80\x02cnumpy\nload\nX\x01\x00\x00\x00x\x85R.",
    "import": b"\x80\x02cbuiltins\n__import__\nX\x02\x00\x00\x00os\x85R.",
}


@pytest.mark.parametrize("name", list(GADGET_PICKLES))
def test_gadget_pickles_refused(name: str) -> None:
    with pytest.raises(skseal.UntrustedTypeError) as ei:
        skseal.loads(GADGET_PICKLES[name])
    assert ei.value.types
    assert "never allowed" in str(ei.value)


def test_unreachable_gadget_is_reported_not_run(tmp_path: Path) -> None:
    """A call that pickle would make but whose result is dropped (POP) is never
    built by skseal; untrusted_types still reports it for review."""
    canary = tmp_path / "canary"
    cmd = f"touch {canary}".encode()
    data = (b"\x80\x02(cposix\nsystem\nX" + struct.pack("<I", len(cmd)) + cmd
            + b"\x85R0K\x01.")
    assert skseal.loads(data) == 1
    assert skseal.untrusted_types(data) == ["posix.system"]
    assert not canary.exists()


def test_gadget_message_does_not_suggest_trusting_it() -> None:
    """Names that are never allowed cannot be trusted: the message must not tell the
    user to pass them in trusted=[...] (doing so changes nothing)."""
    data = pickle.dumps(_Gadget("true"), protocol=2)
    name = f"{os.system.__module__}.system"
    with pytest.raises(skseal.UntrustedTypeError) as ei:
        skseal.loads(data)
    assert f'trusted=["{name}"]' not in str(ei.value)
    with pytest.raises(skseal.UnsupportedObjectError) as ei2:
        skseal.dumps({"f": os.system})
    assert f'trusted=["{name}"]' not in str(ei2.value)


def test_gadget_injected_into_container_header(plain_bytes: bytes, tmp_path: Path) -> None:
    canary = tmp_path / "canary"

    def inject(f: SkFile) -> None:
        f.header["graph"]["root"] = {"call": "posix:system", "args": [f"touch {canary}"]}

    data = _edit_header(plain_bytes, inject)
    with pytest.raises(skseal.UntrustedTypeError) as ei:
        skseal.loads(data, trusted=["posix.system"])
    assert ei.value.types == ["posix.system"]
    assert skseal.untrusted_types(data) == ["posix.system"]
    assert not canary.exists()


def test_unknown_class_injected_into_container_header(plain_bytes: bytes) -> None:
    def inject(f: SkFile) -> None:
        f.header["graph"]["root"] = {"object": "evil.module:Payload", "state": {"dict": []}}

    with pytest.raises(skseal.UntrustedTypeError) as ei:
        skseal.loads(_edit_header(plain_bytes, inject))
    assert ei.value.types == ["evil.module.Payload"]
    assert 'trusted=["evil.module.Payload"]' in str(ei.value)


def test_allowed_class_in_wrong_role(plain_bytes: bytes) -> None:
    """numpy.ma.MaskedArray is allowed as a reference, not as a constructor."""
    def inject(f: SkFile) -> None:
        f.header["graph"]["root"] = {"call": "numpy.ma:MaskedArray", "args": [{"array": 0}]}

    with pytest.raises(skseal.UntrustedTypeError, match="numpy.ma.MaskedArray"):
        skseal.loads(_edit_header(plain_bytes, inject))


# -------------------------------------------------- hostile pickle opcodes

RAW_PICKLES: dict[str, tuple[bytes, str]] = {
    "BUILD-on-global": (b"\x80\x02cbuiltins\nlist\n}b.", "BUILD"),
    "APPEND-on-dict": (b"\x80\x02}K\x01a.", "APPEND"),
    "APPENDS-on-tuple": (b"\x80\x02)(K\x01e.", "APPENDS"),
    "SETITEM-on-list": (b"\x80\x02]K\x01K\x02s.", "SETITEM"),
    "ADDITEMS-on-list": (b"\x80\x04](K\x01\x90.", "ADDITEMS"),
    "PERSID": (b"\x80\x02Pfoo\n.", "PERSID"),
    "BINPERSID": (b"\x80\x02X\x03\x00\x00\x00fooQ.", "BINPERSID"),
    "EXT1": (b"\x80\x02\x82\x01.", "EXT1"),
    "EXT2": (b"\x80\x02\x83\x01\x00.", "EXT2"),
    "EXT4": (b"\x80\x02\x84\x01\x00\x00\x00.", "EXT4"),
    "NEXT_BUFFER": (b"\x80\x05\x97.", "NEXT_BUFFER"),
    "REDUCE-on-list": (b"\x80\x02])R.", "REDUCE"),
    "data-after-STOP": (b"\x80\x02K\x01.junk", "after STOP"),
    "no-STOP": (b"\x80\x02K\x01", "without STOP"),
    "unknown-opcode": (b"\x80\x02\xff.", "0xff"),
    "protocol-6": (b"\x80\x06K\x01.", "protocol 6"),
    "stack-underflow": (b"\x80\x02a.", "stack underflow"),
    "memo-miss": (b"\x80\x02h\x05.", "memo key 5"),
    "odd-dict": (b"\x80\x02(K\x01d.", "odd number"),
    "truncated-arg": (b"\x80\x02X\xff\x00\x00\x00abc", "truncated"),
    "huge-long4": (b"\x80\x02\x8b\xff\xff\x00\x00" + bytes(100) + b".", "limit"),
    "newobj-kwargs": (b"\x80\x04cbuiltins\nobject\n)}K\x01K\x02s\x92.", "NEWOBJ_EX"),
}


@pytest.mark.parametrize("case", list(RAW_PICKLES))
def test_hostile_pickle_opcodes(case: str) -> None:
    data, fragment = RAW_PICKLES[case]
    with pytest.raises((skseal.FormatError, skseal.UntrustedTypeError)) as ei:
        skseal.loads(data)
    assert fragment in str(ei.value)


def test_next_buffer_in_a_file(tmp_path: Path) -> None:
    """A protocol-5 stream with out-of-band buffers cannot be loaded from a file."""
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(np.arange(100.0), protocol=5, buffer_callback=buffers.append)
    assert buffers and b"\x97" in data
    p = tmp_path / "oob.pkl"
    p.write_bytes(data)
    with pytest.raises(skseal.FormatError, match="NEXT_BUFFER"):
        skseal.load(p)


def test_deep_mark_nesting_is_bounded() -> None:
    data = b"\x80\x02" + b"(" * 20_000 + b"t" * 20_000 + b"."
    with pytest.raises(skseal.FormatError, match="MARK nesting"):
        skseal.loads(data)


@pytest.mark.parametrize("depth", [200, 5_000])
def test_deeply_nested_lists_do_not_crash(depth: int) -> None:
    """A few kilobytes of nested EMPTY_LIST/APPEND must be refused (or loaded), never
    overflow the stack. Run in a subprocess: a crash must fail this test only."""
    code = textwrap.dedent(
        f"""
        import skseal
        data = b"\\x80\\x02" + b"]" * {depth} + b"a" * {depth - 1} + b"."
        try:
            out = skseal.loads(data)
        except skseal.FormatError as e:
            print("refused:", e)
        else:
            n = 0
            while out:
                out, n = out[0], n + 1
            print("loaded depth", n + 1)
        """
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, f"exit code {r.returncode}: {r.stderr[-500:]}"
    assert r.stdout.startswith(("refused:", f"loaded depth {depth}")), r.stdout


# -------------------------------------------------------- ValidationError


def _tree_file(iris: tuple[np.ndarray, np.ndarray]) -> SkFile:
    from sklearn.tree import DecisionTreeClassifier

    X, y = iris
    return SkFile.parse(skseal.dumps(DecisionTreeClassifier(random_state=0).fit(X, y)))


def _tree_call(f: SkFile) -> dict[str, Any]:
    [node] = [n for n in f.nodes() if n.get("call") == "sklearn.tree._tree:Tree"]
    return node


def craft_tree_child(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    f = _tree_file(iris)
    [i] = f.structs_with("left_child")
    nodes = f.array(i)
    nodes["left_child"][0] = len(nodes) + 5
    f.set_array(i, nodes)
    return f.to_bytes()


def craft_tree_cycle(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    f = _tree_file(iris)
    [i] = f.structs_with("left_child")
    nodes = f.array(i)
    inner = int(np.flatnonzero(nodes["left_child"] > 0)[1])
    nodes["right_child"][inner] = 0  # back to the root: an endless descent
    f.set_array(i, nodes)
    return f.to_bytes()


def craft_tree_feature(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    f = _tree_file(iris)
    [i] = f.structs_with("left_child")
    nodes = f.array(i)
    nodes["feature"][0] = 4  # the model has 4 features: valid are 0..3
    f.set_array(i, nodes)
    return f.to_bytes()


def craft_tree_values_shape(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    f = _tree_file(iris)
    j = next(k for k, a in enumerate(f.arrays) if a["dtype"] == "<f8" and len(a["shape"]) == 3)
    f.set_array(j, f.array(j)[:-1])
    return f.to_bytes()


def craft_tree_wider_than_estimator(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    """Tree(n_features=10**7) with a split on feature 10**7 - 1 inside an estimator
    whose n_features_in_ is 4: sklearn checks X against n_features_in_ only, and
    Tree.predict then reads X[:, 9999999] (segfaults)."""
    f = _tree_file(iris)
    _tree_call(f)["args"][0] = 10_000_000
    [i] = f.structs_with("left_child")
    nodes = f.array(i)
    nodes["feature"][0] = 9_999_999
    f.set_array(i, nodes)
    return f.to_bytes()


def _sparse_file() -> SkFile:
    m = sp.csr_matrix(np.eye(6) + np.eye(6, k=1))
    return SkFile.parse(skseal.dumps(m))


def _sparse_array(f: SkFile, key: str) -> int:
    csr = "scipy.sparse._csr:csr_matrix"
    [pairs] = [state_dict(n) for n in f.nodes() if n.get("object") == csr]
    [idx] = [v["array"] for k, v in pairs if k == key]
    return int(idx)


def _state_array(f: SkFile, cls: str, key: str) -> int:
    [pairs] = [state_dict(n) for n in f.nodes() if n.get("object") == cls]
    [idx] = [v["array"] for k, v in pairs if k == key]
    return int(idx)


def craft_bsr_index(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    """A BSR block column index past the last block column (matvec reads out of bounds)."""
    f = SkFile.parse(skseal.dumps(sp.bsr_matrix(np.eye(6), blocksize=(2, 2))))
    i = _state_array(f, "scipy.sparse._bsr:bsr_matrix", "indices")
    a = f.array(i)
    a[0] = 1000
    f.set_array(i, a)
    return f.to_bytes()


def craft_dia_offsets(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    """More DIA offsets than stored diagonals (matvec reads past the data)."""
    f = SkFile.parse(skseal.dumps(sp.dia_matrix(np.eye(6) + np.eye(6, k=1))))
    i = _state_array(f, "scipy.sparse._dia:dia_matrix", "offsets")
    a = f.array(i)
    f.set_array(i, np.concatenate([a, a, a]))
    return f.to_bytes()


def craft_csr_index(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    f = _sparse_file()
    i = _sparse_array(f, "indices")
    a = f.array(i)
    a[3] = 6
    f.set_array(i, a)
    return f.to_bytes()


def craft_csr_negative_index(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    f = _sparse_file()
    i = _sparse_array(f, "indices")
    a = f.array(i)
    a[0] = -1
    f.set_array(i, a)
    return f.to_bytes()


def craft_csr_indptr(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    f = _sparse_file()
    i = _sparse_array(f, "indptr")
    a = f.array(i)
    a[2], a[3] = a[3], a[2]
    f.set_array(i, a)
    return f.to_bytes()


def craft_csr_indptr_past_end(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    f = _sparse_file()
    i = _sparse_array(f, "indptr")
    a = f.array(i)
    a[-1] = a[-1] + 100
    f.set_array(i, a)
    return f.to_bytes()


def craft_csr_shape(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    f = _sparse_file()
    [node] = [n for n in f.nodes() if n.get("object") == "scipy.sparse._csr:csr_matrix"]
    for kv in state_dict(node):
        if kv[0] == "_shape":
            kv[1] = {"tuple": [6, 2]}  # columns 2..5 are now out of range
    return f.to_bytes()


def _kdtree_file(iris: tuple[np.ndarray, np.ndarray], **kw: Any) -> SkFile:
    from sklearn.neighbors import KDTree

    return SkFile.parse(skseal.dumps(KDTree(iris[0], **kw)))


def _binary_tree_state(f: SkFile) -> list[Any]:
    node = f.root
    assert "newObj" in node.get("call", "") or "Tree" in node.get("object", "")
    return node["state"]["tuple"]


def craft_kdtree_idx(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    f = _kdtree_file(iris)
    i = _binary_tree_state(f)[1]["array"]
    a = f.array(i)
    a[7] = len(a)
    f.set_array(i, a)
    return f.to_bytes()


def craft_kdtree_node_range(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    f = _kdtree_file(iris)
    i = _binary_tree_state(f)[2]["array"]
    a = f.array(i)
    a["idx_end"][0] = 10_000
    f.set_array(i, a)
    return f.to_bytes()


def craft_kdtree_as_object(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    """KDTree is allowed as a class, so ``{"object": KDTree, "state": ...}`` is an
    accepted spelling of ``newObj(KDTree)`` + state; its idx_array must be checked
    too (KDTree.query reads data[idx_array[i]]: segfault)."""
    f = _kdtree_file(iris)
    node = f.root
    state = node["state"]
    node.clear()
    node.update({"object": "sklearn.neighbors._kd_tree:KDTree", "state": state})
    i = state["tuple"][1]["array"]
    a = f.array(i)
    a[:] = 10**9
    f.set_array(i, a)
    return f.to_bytes()


def craft_kdtree_sample_weight(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    """sample_weight (state[12]) shorter than the data: kernel_density reads
    sample_weight[idx_array[i]] past its end."""
    f = _kdtree_file(iris, sample_weight=np.ones(len(iris[0])))
    i = _binary_tree_state(f)[12]["array"]
    f.set_array(i, np.ones(1))
    return f.to_bytes()


def craft_balltree_metric_weights(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    """A weighted Minkowski metric whose weight vector is shorter than the data's
    dimension: every distance reads w[j] for j < 4 from a 1-element array."""
    from sklearn.neighbors import BallTree

    f = SkFile.parse(skseal.dumps(BallTree(iris[0], metric="minkowski", p=3,
                                           w=np.arange(1.0, 5.0))))
    metric = _binary_tree_state(f)[11]
    i = metric["state"]["tuple"][1]["array"]
    assert f.array(i).tolist() == [1.0, 2.0, 3.0, 4.0]
    f.set_array(i, np.ones(1))
    return f.to_bytes()


def _metric_file() -> SkFile:
    """A standalone Mahalanobis metric (held in a dict, not by a tree)."""
    from sklearn.metrics import DistanceMetric

    return SkFile.parse(skseal.dumps({"metric": DistanceMetric.get_metric(
        "mahalanobis", VI=np.eye(3))}))


def craft_metric_without_state(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    """``newObj(MahalanobisDistance64)`` with no state: ``__setstate__`` never
    runs, its buffer is never allocated, and every distance writes through a
    null pointer (test_stateless_mahalanobis_segfaults_scikit_learn)."""
    f = _metric_file()
    [(_, node)] = f.root["dict"]
    del node["state"]
    return f.to_bytes()


def craft_metric_not_square(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    """A Mahalanobis matrix of shape (3, 1): ``__setstate__`` takes the size
    from its 3 rows, and every distance reads ``mat[i, j]`` for j < 3 from
    rows one element long, past the end of the array."""
    f = _metric_file()
    [(_, node)] = f.root["dict"]
    i = node["state"]["tuple"][2]["array"]
    f.set_array(i, np.ones((3, 1)))
    return f.to_bytes()


def test_stateless_mahalanobis_segfaults_scikit_learn() -> None:
    """Why a metric without state is refused: built as a pickle would build
    it (no file is read), scikit-learn's own distance crashes the process."""
    code = textwrap.dedent("""
        import numpy as np
        from sklearn.metrics._dist_metrics import MahalanobisDistance64, newObj
        m = newObj(MahalanobisDistance64)
        print("built", flush=True)
        m.pairwise(np.array([[0.0], [1.0]]))
        print("survived", flush=True)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert r.stdout.split() == ["built"], r.stdout
    assert r.returncode == -11, (r.returncode, r.stderr[-300:])


def _newobj_pickle(module: str, name: str, state: Any) -> bytes:
    """Protocol 2: ``module.name.__new__(module.name)`` (NEWOBJ with no
    arguments), then BUILD with ``state`` unless it is None."""
    body = b"\x80\x02c" + f"{module}\n{name}\n".encode() + b")\x81"
    if state is not None:
        body += pickle.dumps(state, protocol=2)[2:-1] + b"b"
    return body + b"."


@pytest.mark.parametrize("with_state", [True, False])
@pytest.mark.parametrize("module,name", [
    ("numpy.random._pcg64", "PCG64"), ("numpy.random._mt19937", "MT19937"),
    ("numpy.random._philox", "Philox"), ("numpy.random._sfc64", "SFC64"),
    ("numpy.random._pcg64", "PCG64DXSM"),
])
def test_bit_generator_as_object_is_refused(module: str, name: str, with_state: bool) -> None:
    """A bit generator made with ``cls.__new__(cls)`` skips the Cython
    ``__init__`` that allocates its state: setting the state (BUILD) then
    writes through a null pointer, and skseal.load crashed on such a pickle.
    Only numpy's own ``__bit_generator_ctor`` may make one."""
    import importlib

    cls = getattr(importlib.import_module(module), name)
    data = _newobj_pickle(module, name, cls(1).state if with_state else None)
    with pytest.raises(skseal.UntrustedTypeError, match=f"{name} is allowed, but not as a class"):
        skseal.loads(data)
    # numpy's own pickles of the same generators still load, with their state
    g = np.random.Generator(cls(7))
    g.random(3)
    back = skseal.loads(pickle.dumps(g, protocol=5))
    assert type(back.bit_generator) is cls
    assert np.array_equal(back.random(5), g.random(5))


def test_bit_generator_made_without_init_segfaults_numpy() -> None:
    """Why: built the way such a pickle builds it (no file is read), numpy
    crashes the process when the state is set."""
    code = textwrap.dedent("""
        from numpy.random import PCG64
        st = PCG64(1).state
        g = PCG64.__new__(PCG64)
        print("built", flush=True)
        g.state = st
        print("survived", flush=True)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert r.stdout.split() == ["built"], r.stdout
    assert r.returncode == -11, (r.returncode, r.stderr[-300:])


def _hgb_file(iris: tuple[np.ndarray, np.ndarray]) -> SkFile:
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = iris
    return SkFile.parse(skseal.dumps(HistGradientBoostingClassifier(max_iter=3).fit(X, y)))


def _hgb_edit(f: SkFile, field: str, value: int) -> None:
    i = f.structs_with("bitset_idx")[0]
    a = f.array(i)
    split = int(np.flatnonzero(a["is_leaf"] == 0)[0])
    a[field][split] = value
    f.set_array(i, a)


def craft_hgb_child(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    f = _hgb_file(iris)
    _hgb_edit(f, "left", 1000)
    return f.to_bytes()


def craft_hgb_feature(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    f = _hgb_file(iris)
    _hgb_edit(f, "feature_idx", 4)
    return f.to_bytes()


def craft_hgb_without_n_features(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    """Without n_features_in_ the estimator skips sklearn's input-width check and
    the validator has no bound for feature_idx: predict reads X[:, 50000000]."""
    f = _hgb_file(iris)
    pairs = state_dict(f.root)
    pairs[:] = [kv for kv in pairs if kv[0] != "n_features_in_"]
    for i in f.structs_with("bitset_idx"):
        a = f.array(i)
        a["feature_idx"][a["is_leaf"] == 0] = 50_000_000
        f.set_array(i, a)
    return f.to_bytes()


def craft_hgb_predictor_as_call(iris: tuple[np.ndarray, np.ndarray]) -> bytes:
    """TreePredictor is an allowed class, so it may be *called* with primitive
    arguments and then receive its state: the validator only looks at
    ``{"object": TreePredictor}`` nodes (predict follows child 10**6: segfault)."""
    f = _hgb_file(iris)
    for n in list(f.nodes()):
        if n.get("object", "").endswith(":TreePredictor"):
            n["call"] = n.pop("object")
            n["args"] = [0, 0, 0]
    for i in f.structs_with("bitset_idx"):
        a = f.array(i)
        a["left"][a["is_leaf"] == 0] = 10**6
        a["right"][a["is_leaf"] == 0] = 10**6
        f.set_array(i, a)
    return f.to_bytes()


#: case -> (crafter, names of which one must appear in the message)
VALIDATION_CASES: dict[str, tuple[Callable[[tuple[np.ndarray, np.ndarray]], bytes], str]] = {
    "tree-child": (craft_tree_child, "sklearn.tree._tree.Tree"),
    "tree-cycle": (craft_tree_cycle, "sklearn.tree._tree.Tree"),
    "tree-feature": (craft_tree_feature, "sklearn.tree._tree.Tree"),
    "tree-values-shape": (craft_tree_values_shape, "sklearn.tree._tree.Tree"),
    "tree-wider-than-estimator": (craft_tree_wider_than_estimator, "Tree"),
    "csr-index": (craft_csr_index, "csr_matrix"),
    "csr-negative-index": (craft_csr_negative_index, "csr_matrix"),
    "csr-indptr": (craft_csr_indptr, "csr_matrix"),
    "csr-indptr-past-end": (craft_csr_indptr_past_end, "csr_matrix"),
    "csr-shape": (craft_csr_shape, "csr_matrix"),
    "bsr-index": (craft_bsr_index, "bsr_matrix"),
    "dia-offsets": (craft_dia_offsets, "dia_matrix"),
    "kdtree-idx": (craft_kdtree_idx, "KDTree"),
    "kdtree-node-range": (craft_kdtree_node_range, "KDTree"),
    "kdtree-as-object": (craft_kdtree_as_object, "KDTree"),
    "kdtree-sample-weight": (craft_kdtree_sample_weight, "KDTree"),
    "balltree-metric-weights": (craft_balltree_metric_weights, "Minkowski|BallTree"),
    "metric-without-state": (craft_metric_without_state, "MahalanobisDistance64"),
    "metric-not-square": (craft_metric_not_square, "MahalanobisDistance64"),
    "hgb-child": (craft_hgb_child, "TreePredictor"),
    "hgb-feature": (craft_hgb_feature, "TreePredictor"),
    "hgb-without-n-features": (craft_hgb_without_n_features, "TreePredictor"),
}


def test_hgb_predictor_called_with_arguments_is_refused(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    """A class that is not a vetted constructor cannot be *called* from a file,
    even with primitive arguments: the policy refuses it before validation."""
    data = craft_hgb_predictor_as_call(iris)
    with pytest.raises(skseal.UntrustedTypeError) as ei:
        skseal.loads(data)
    assert "TreePredictor" in str(ei.value)
    assert "not as a constructor" in str(ei.value)


@pytest.mark.parametrize("case", list(VALIDATION_CASES))
def test_hostile_structure_refused(case: str, iris: tuple[np.ndarray, np.ndarray],
                                   tmp_path: Path) -> None:
    craft, structure = VALIDATION_CASES[case]
    data = craft(iris)
    # the crafted file is otherwise consistent: digests match, the header parses
    assert skseal.inspect(data)["format_version"] == 1
    with pytest.raises(skseal.ValidationError) as ei:
        skseal.loads(data)
    msg = str(ei.value)
    assert any(s in msg for s in structure.split("|")), msg
    assert "refused before any object was built" in msg
    p = tmp_path / "crafted.skseal"
    p.write_bytes(data)
    for mode in (None, "r"):
        with pytest.raises(skseal.ValidationError):
            skseal.load(p, mmap_mode=mode)  # type: ignore[arg-type]


def test_hostile_structure_in_plain_pickle(iris: tuple[np.ndarray, np.ndarray]) -> None:
    """The same validators guard legacy pickles."""
    from sklearn.tree import DecisionTreeClassifier

    X, y = iris
    model = DecisionTreeClassifier(random_state=0).fit(X, y)
    data = bytearray(pickle.dumps(model, protocol=5))
    nodes = model.tree_.__getstate__()["nodes"]
    raw = nodes.tobytes()
    pos = data.find(raw)
    assert pos > 0
    bad = nodes.copy()
    bad["left_child"][0] = 10_000
    data[pos:pos + len(raw)] = bad.tobytes()
    with pytest.raises(skseal.ValidationError, match="sklearn.tree._tree.Tree"):
        skseal.loads(bytes(data))


def test_forest_trees_are_checked_in_parallel_and_the_first_bad_one_is_named(
        iris: tuple[np.ndarray, np.ndarray]) -> None:
    """A forest's trees are validated in parallel; with two bad trees the
    error is always the one a walk in graph order meets first."""
    from sklearn.ensemble import RandomForestClassifier

    X, y = iris
    model = RandomForestClassifier(n_estimators=12, random_state=0).fit(X, y)
    data = bytearray(pickle.dumps(model, protocol=5))
    for k, field_, value in ((2, "left_child", 10_000), (8, "feature", 99)):
        nodes = model.estimators_[k].tree_.__getstate__()["nodes"]
        pos = data.find(nodes.tobytes())
        assert pos > 0
        bad = nodes.copy()
        bad[field_][0] = value
        data[pos:pos + nodes.nbytes] = bad.tobytes()
    messages = set()
    for _ in range(5):
        with pytest.raises(skseal.ValidationError) as ei:
            skseal.loads(bytes(data))
        messages.add(str(ei.value))
    [msg] = messages
    assert "has children" in msg and "10000" in msg, msg


def test_untouched_models_still_load(iris: tuple[np.ndarray, np.ndarray]) -> None:
    """Control for the cases above: the files they start from load and predict."""
    X, _ = iris
    for f in (_tree_file(iris), _kdtree_file(iris), _hgb_file(iris), _sparse_file()):
        obj = skseal.loads(f.to_bytes())
        assert obj is not None
    tree = skseal.loads(_tree_file(iris).to_bytes())
    assert tree.predict(X).shape == (len(X),)


# -------------------------------------------------- UnsupportedObjectError


class CustomEstimator:
    """A module-level class that is not in the default allow-list."""

    def __init__(self) -> None:
        self.coef_ = np.ones(3)


def _local_instance() -> Any:
    class LocalThing:
        pass

    return LocalThing()


def test_lambda_in_function_transformer() -> None:
    from sklearn.preprocessing import FunctionTransformer

    est = FunctionTransformer(func=lambda x: x).fit(np.ones((3, 2)))
    with pytest.raises(skseal.UnsupportedObjectError) as ei:
        skseal.dumps(est)
    assert "lambda" in str(ei.value)
    assert len(ei.value.types) == 1 and "lambda" in ei.value.types[0]
    assert "module-level functions" in str(ei.value)


def test_open_file_attribute(tmp_path: Path) -> None:
    from sklearn.preprocessing import StandardScaler

    est = StandardScaler().fit(np.ones((3, 2)))
    with open(tmp_path / "log.txt", "w") as fh:
        est.log_ = fh
        with pytest.raises(skseal.UnsupportedObjectError) as ei:
            skseal.dumps(est)
    assert ei.value.types == ["_io.TextIOWrapper"]
    assert "_io.TextIOWrapper" in str(ei.value)


@pytest.mark.parametrize("obj,name", [
    (threading.Lock(), "_thread.lock"),
    ((i for i in range(3)), "generator"),
    (tempfile, "module"),
], ids=["lock", "generator", "module"])
def test_other_unpicklable_values(obj: Any, name: str) -> None:
    with pytest.raises(skseal.UnsupportedObjectError) as ei:
        skseal.dumps({"x": obj})
    assert ei.value.types == [name]


def test_local_class_instance() -> None:
    obj = _local_instance()
    with pytest.raises(skseal.UnsupportedObjectError) as ei:
        skseal.dumps(obj)
    assert "LocalThing" in str(ei.value)
    # .types must name the offending type, not a fragment of pickle's message
    assert len(ei.value.types) == 1 and "LocalThing" in ei.value.types[0]


def test_untrusted_module_class() -> None:
    name = f"{CustomEstimator.__module__}.{CustomEstimator.__qualname__}"
    with pytest.raises(skseal.UnsupportedObjectError) as ei:
        skseal.dumps({"model": CustomEstimator()})
    assert ei.value.types == [name]
    assert f'trusted=["{name}"]' in str(ei.value)
    # and with trust it saves, and loads back with the same trust
    data = skseal.dumps({"model": CustomEstimator()}, trusted=[name])
    with pytest.raises(skseal.UntrustedTypeError):
        skseal.loads(data)
    out = skseal.loads(data, trusted=[name])
    assert type(out["model"]) is CustomEstimator
    np.testing.assert_array_equal(out["model"].coef_, np.ones(3))


def test_unsupported_numpy_dtypes_on_save() -> None:
    for arr in (np.array(["2020-01-01"], dtype="datetime64[D]"),
                np.zeros(2, dtype=[("a", "i4", (2,))])):
        with pytest.raises(skseal.UnsupportedObjectError, match="not supported"):
            skseal.dumps(arr)


def test_error_hierarchy() -> None:
    for cls in (skseal.FormatError, skseal.IntegrityError, skseal.UntrustedTypeError,
                skseal.ValidationError, skseal.UnsupportedObjectError,
                skseal.VersionMismatchError, skseal.ProbeMismatchError):
        assert issubclass(cls, skseal.SkSealError)
    assert issubclass(skseal.VersionMismatchWarning, UserWarning)


def test_signed_flag_without_a_trailer_is_refused(plain_bytes: bytes) -> None:
    data = bytearray(plain_bytes)
    flags = struct.unpack_from("<I", data, 12)[0]
    data[12:16] = struct.pack("<I", flags | 2)
    with pytest.raises(skseal.FormatError, match="needs"):
        skseal.loads(bytes(data))
