"""Builders of hostile pickle/joblib streams for issue 11 (tests and the
differential generator share them). Nothing here unpickles anything."""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
import zlib
from collections.abc import Callable

PAYLOAD = b"cposix\nsystem\n\x8c\x04true\x85R"  # posix.system('true'), leaves a value


def su(text: str) -> bytes:
    """SHORT_BINUNICODE."""
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def dtype_i1() -> bytes:
    """numpy.dtype('i1') with its BUILD state."""
    return (b"cnumpy\ndtype\n" + su("i1") + b"\x89\x88\x87R(K\x03" + su("|")
            + b"NNNJ\xff\xff\xff\xffK\x01K\x00tb")


def numpy_str(text: str) -> bytes:
    """numpy.str_(text), as numpy pickles it."""
    data = b"".join(struct.pack("<I", ord(c)) for c in text)
    return (b"cnumpy._core.multiarray\nscalar\n" + b"cnumpy\ndtype\n" + su(f"U{len(text)}")
            + b"\x89\x88\x87R(K\x03" + su("<") + b"NNNJ" + struct.pack("<I", len(data))
            + b"K\x04K\x08tb" + b"C" + bytes([len(data)]) + data + b"\x86R")


def wrapper(pairs: list[tuple[bytes, bytes]], frame_extra: int | None = None) -> bytes:
    """A joblib NumpyArrayWrapper and its BUILD, with the state items given as
    (key opcodes, value opcodes); optionally inside a FRAME that goes on
    `frame_extra` bytes past the BUILD."""
    body = (b"cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81}(" +
            b"".join(k + v for k, v in pairs) + b"ub")
    head = b"\x80\x04"
    if frame_extra is not None:
        head += b"\x95" + struct.pack("<Q", len(body) + frame_extra)
    return head + body


def base_state(n: int, aligned: bool = False) -> list[tuple[bytes, bytes]]:
    pairs = [
        (su("subclass"), b"cnumpy\nndarray\n"),
        (su("shape"), b"J" + struct.pack("<i", n) + b"\x85"),
        (su("order"), su("C")),
        (su("dtype"), dtype_i1()),
        (su("allow_mmap"), b"\x88"),
    ]
    if aligned:
        pairs.append((su("numpy_array_alignment_bytes"), b"K\x10"))
    return pairs


COMPRESS: dict[str, Callable[[bytes], bytes]] = {
    "raw": lambda d: d,
    "zlib": lambda d: zlib.compress(d, 3),
    "gzip": lambda d: gzip.compress(d, 3, mtime=0),
    "bz2": lambda d: bz2.compress(d, 3),
    "xz": lambda d: lzma.compress(d, format=lzma.FORMAT_XZ),
    "lzma": lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE),
}


def duplicate_key_wrapper(key: str) -> bytes:
    """joblib keeps the LAST value of a duplicated key (``__dict__.update``):
    with the last `shape` (0,), joblib reads no array bytes and runs PAYLOAD,
    which a first-wins reader skipped as array data."""
    n = len(PAYLOAD) + 1
    pairs = base_state(n)
    if key == "shape":
        pairs.append((su("shape"), b"K\x00\x85"))
        data = PAYLOAD + b"0"
    elif key == "dtype":
        # last dtype: V0-sized? use a 0-d shape trick: dtype with itemsize 0 is refused
        # by numpy, so duplicate with the same dtype (still refused by skseal)
        pairs.append((su("dtype"), dtype_i1()))
        data = b"\x00" * n
    elif key == "numpy_array_alignment_bytes":
        pairs.append((su("numpy_array_alignment_bytes"), b"N"))
        pairs.append((su("numpy_array_alignment_bytes"), b"K\x10"))
        data = b"\x00" * n
    elif key == "numpy.str_ alignment":
        pairs.append((su("numpy_array_alignment_bytes"), b"N"))
        pairs.append((numpy_str("numpy_array_alignment_bytes"), b"K\x10"))
        data = b"\x00" * n
    else:
        raise ValueError(key)
    return wrapper(pairs) + data + b"."


def frame_desync() -> bytes:
    """A FRAME covering the wrapper BUILD and a STOP-less tail: joblib reads the
    array from the file after the frame, then the frame's rest as opcodes."""
    tail_in_frame = b"0" + PAYLOAD  # in the frame: after the array, POP then payload
    data = b"\x07"  # 1 byte of array data, read by joblib after the frame
    pairs = base_state(1)
    return wrapper(pairs, frame_extra=len(tail_in_frame)) + tail_in_frame + data + b"."


def two_streams(kind: str) -> bytes:
    """A compressed file whose second stream holds the payload."""
    first = b"\x80\x04]\x94("
    second = PAYLOAD + b"e."
    c = COMPRESS[kind]
    return c(first) + c(second)


def shared_tuple_bomb(n: int = 20_000) -> bytes:
    """A tuple of n items memoized and passed to REDUCE n times: n*n copies
    for a reader that copies argument tuples (~160 KB file, 1.6 GB)."""
    out = bytearray(b"\x80\x04cbuiltins\nprint\n\x94(")
    out += b"K\x01" * n
    out += b"t\x94"
    out += b"h\x00h\x01R0" * n
    out += b"N."
    return bytes(out)


def bz2_bomb(gib: int = 6) -> bytes:
    """About `gib` GiB of zeros as concatenated bz2 streams of 64 MiB each."""
    one = bz2.compress(b"\x00" * (64 << 20), 9)
    return one * (gib * 16)
