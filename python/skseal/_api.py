"""The public API: dump/load/dumps/loads/inspect/untrusted_types."""

from __future__ import annotations

import gc
import io
import json
import mmap
import os
import pickle
import re
import sys
import threading
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any, Literal

import numpy as np

from . import _meta, _native, _pandas
from ._trust import check_profile_versions, normalize_trusted
from .errors import (
    FormatError,
    IntegrityError,
    ProbeMismatchError,
    UnsupportedObjectError,
    ValidationError,
    VersionMismatchError,
    VersionMismatchWarning,
)

# The magic number and preamble length of a .skseal file (container.rs).
MAGIC: bytes = _native.MAGIC
PREAMBLE: int = _native.PREAMBLE
SIG_TRAILER: int = _native.SIG_TRAILER

try:  # scikit-learn >= 1.3
    from sklearn.exceptions import InconsistentVersionWarning
except ImportError:  # pragma: no cover - older scikit-learn, or none installed
    InconsistentVersionWarning = None


PathLike = str | os.PathLike[str]
Compress = None | bool | int | str | tuple[str, int]


# The level of compress=True and compress="zstd" (codec::DEFAULT_ZSTD_LEVEL
# in Rust). Chosen by benchmark (docs/BENCHMARKS_SCALE.md): on a 200-tree
# forest level 2 writes 6-7% faster than level 3 for a file 0.2% larger (both
# 0.96x joblib compress=3's size).
DEFAULT_ZSTD_LEVEL: int = _native.DEFAULT_ZSTD_LEVEL


def _codec(compress: Compress) -> tuple[str, int | None, bool]:
    """Map the ``compress`` argument to (codec, level, shuffle).

    Only the argument's shape is read here; the codec name and the level are
    checked by the one parser of compression requests in Rust
    (``skseal_core::codec::Codec::from_parts``), which the CLI's
    ``--compress`` uses too.
    """
    if compress is None or compress is False or compress == 0:
        return "none", None, False
    if compress is True:
        return "zstd", None, True
    if isinstance(compress, int) and not isinstance(compress, bool):
        return "zstd", compress, True
    if compress in ("zstd", "lz4", "none"):
        return str(compress), None, compress != "none"
    if isinstance(compress, tuple) and len(compress) == 2:
        name, level = compress
        if name == "zstd" and isinstance(level, int) and not isinstance(level, bool):
            return "zstd", level, True
        if name == "lz4":
            if level not in (None, 0):
                # joblib accepts ("lz4", 3) too, and ignores the level as well
                warnings.warn(
                    f"compress={compress!r}: lz4 has no compression levels here, so the "
                    f"level {level!r} is ignored; use ('zstd', level) to choose one",
                    UserWarning,
                    stacklevel=4,
                )
            return "lz4", None, True
    raise ValueError(
        f"compress={compress!r} is not understood; use None, True, 'lz4', 'zstd', "
        "('zstd', level) or an int zstd level"
    )


def _pickle_type_name(e: Exception, obj: Any) -> str:
    """The offending type or object named by a pickling error message."""
    text = str(e)
    for pattern in (
        r"cannot pickle '([^']+)'",  # TypeError: cannot pickle '_io.TextIOWrapper' object
        r"Can't pickle local object '([^']+)'",  # local classes and functions
        r"Can't pickle <(?:function|class) ([^ >]+)",  # lambdas, unimportable functions
    ):
        m = re.search(pattern, text)
        if m:
            return m.group(1)
    return type(obj).__name__


class _PandasValueError(Exception):
    """A pandas value that skseal cannot store (its cause says which)."""


class _PandasPickler(pickle.Pickler):
    """pickle, with pandas values written as calls of skseal._pandas.rebuild."""

    def reducer_override(self, obj: Any) -> Any:
        mod = type(obj).__module__
        if mod is None or not mod.startswith("pandas"):
            return NotImplemented
        try:
            r = _pandas.reduce(obj)
        except ValueError as e:
            raise _PandasValueError() from e
        return NotImplemented if r is None else r


def _serialize(obj: Any, probe: Any) -> tuple[bytes, list[memoryview]]:
    buffers: list[pickle.PickleBuffer] = []
    probe_obj = None if probe is None else _meta.make_probe(obj, probe)
    try:
        if "pandas" in sys.modules:
            out = io.BytesIO()
            _PandasPickler(out, protocol=5, buffer_callback=buffers.append).dump((obj, probe_obj))
            stream = out.getvalue()
        else:
            stream = pickle.dumps((obj, probe_obj), protocol=5, buffer_callback=buffers.append)
    except _PandasValueError as e:
        raise UnsupportedObjectError(
            f"cannot save this object: {e.__cause__}. Convert it to numpy arrays and "
            "lists, or leave it out of the saved object", ["pandas"]) from None
    except (pickle.PicklingError, TypeError, AttributeError) as e:
        name = _pickle_type_name(e, obj)
        raise UnsupportedObjectError(
            f"cannot save this object: it holds {name}, which has no safe representation "
            f"({e}). Lambdas, local functions, open files, locks and generators cannot be "
            "saved; replace them with module-level functions or plain data",
            [name],
        ) from e
    return stream, _contiguous(buffers)


def _contiguous(buffers: list[pickle.PickleBuffer]) -> list[memoryview]:
    """The out-of-band buffers as contiguous memory (a non-contiguous one is copied)."""
    raws = []
    for b in buffers:
        try:
            raws.append(b.raw())
        except BufferError:
            raws.append(memoryview(bytes(memoryview(b))))
    return raws


KeyLike = bytes | str | os.PathLike[str]


def _key_bytes(key: KeyLike | None, role: str) -> bytes | None:
    """A key as bytes for ``role`` ("secret" or "public").

    ``key`` is raw 32 bytes, 64 hex digits, a key file's content, or a path to
    a key file (``skseal keygen`` writes them; each states its kind, and
    signing with a public key file or verifying with a secret one is refused).
    """
    if key is None:
        return None
    if isinstance(key, bytes | bytearray):
        return bytes(key)
    if isinstance(key, str) and re.fullmatch(r"\s*[0-9a-fA-F]{64}\s*", key):
        return key.strip().encode()
    with open(key, "rb") as f:
        data = f.read()
    raw, note = _native.read_key(data, role, os.fspath(key))
    if note:
        warnings.warn(note, DeprecationWarning, stacklevel=3)
    return bytes(raw)


def keygen(path: str | os.PathLike[str]) -> str:
    """Write a new Ed25519 key pair: ``path`` (secret, mode 0600) and ``path.pub``.

    Returns the key ID (the first 8 bytes of the public key in hex). Existing
    files are never overwritten.
    """
    return _native.keygen(os.fspath(path))


@contextmanager
def _naming(*paths: Any) -> Iterator[None]:
    """An OSError from the Rust side names no file ("No such file or directory
    (os error 2)"): add the first of ``paths`` that is missing (or whose
    folder is missing), else the first path."""
    try:
        yield
    except OSError as e:
        if e.filename is not None:
            raise
        named = [os.fspath(p) for p in paths if isinstance(p, str | os.PathLike)]
        if not named:
            raise
        culprit = next(
            (p for p in named if not os.path.exists(p)), named[0]
        )
        folder = os.path.dirname(os.path.abspath(culprit))
        why = str(e.strerror or e)
        # Rust's io::Error text ends in "(os error N)": the errno, said once
        code = e.errno
        m = re.search(r"\s*\(os error (\d+)\)$", why)
        if m:
            why = why[: m.start()]
            code = code or int(m.group(1))
        if not os.path.isdir(folder):
            why += f" (the folder {folder!r} does not exist)"
        raise type(e)(code or 0, why, culprit) from None


def _way_out(obj: Any, names: list[str], trusted: list[str]) -> str:
    """A concrete workaround for names that trusting cannot fix well."""
    hints = []
    if any(n.startswith("__main__.") for n in names):
        hints.append(
            "A function or class of __main__ exists only in the script that defined it: "
            "move it to a module that the loading code imports too, then trust that name.")
    best = getattr(obj, "best_estimator_", None)
    if best is not None and type(obj).__name__.endswith("SearchCV") and _saves(best, trusted):
        hints.append(
            "Or save search.best_estimator_: the fitted model without the search's "
            "scorers, distributions and CV results.")
    return " ".join(hints)


def _saves(obj: Any, trusted: list[str]) -> bool:
    """Whether ``obj`` alone can be saved with ``trusted``."""
    try:
        _save(obj, None, None, None, None, trusted)
    except (UnsupportedObjectError, TypeError, ValueError):
        return False
    return True


def _save(obj: Any, dest: Any, compress: Compress, metadata: dict[str, Any] | None,
          probe: Any, trusted: Iterable[str | type], signing_key: KeyLike | None = None,
          native_layout: bool = False) -> Any:
    trusted = normalize_trusted(trusted)
    codec, level, shuffle = _codec(compress)
    facts, user = _meta.facts(obj, trusted), _meta.user_json(metadata)
    stream, raws = _serialize(obj, probe)
    with _naming(dest, signing_key):
        try:
            return _native.save(stream, raws, dest, facts, user, trusted, codec, level, shuffle,
                                _key_bytes(signing_key, "secret"), bool(native_layout))
        except UnsupportedObjectError as e:
            hint = _way_out(obj, getattr(e, "types", []), trusted)
            if not hint:
                raise
            raise UnsupportedObjectError(f"{e}. {hint}", getattr(e, "types", [])) from None


def dump(
    obj: Any,
    file: PathLike | IO[bytes],
    *,
    compress: Compress = None,
    metadata: dict[str, Any] | None = None,
    probe: Any = None,
    trusted: Iterable[str | type] = (),
    signing_key: KeyLike | None = None,
    native_layout: bool = False,
) -> str:
    """Save ``obj`` (an estimator, pipeline, or plain data) to ``file``.

    Args:
        obj: the object to save.
        file: a path (written atomically: temporary file, fsync, rename) or a
            binary file object opened for writing.
        compress: None (raw, memory-mappable), True (zstd level 2), "lz4",
            "zstd", ("zstd", level) or an int zstd level.
        metadata: JSON-serializable dict stored under ``metadata["user"]``
            (metrics, description, tags...).
        probe: a few input rows; the outputs of every output method on them are
            stored so that ``load(..., verify=True)`` can prove the model still
            predicts the same.
        trusted: dotted names of your own classes/functions to allow.
        signing_key: an Ed25519 private key (32 raw bytes, 64 hex digits, or the
            path of a key file made by ``skseal keygen``): the file is signed
            over its header and every array digest.
        native_layout: also store every decision tree in the layout native
            inference walks (16 bytes a node, docs/FORMAT.md §5.6):
            :func:`skseal.native.load` and ``skseal serve`` then read those
            and the trees' values instead of scikit-learn's 64-byte node
            records, which they neither read nor convert. A forest's file
            grows by about a fifth; :func:`skseal.load` is unchanged.

    Returns:
        The content fingerprint (BLAKE3 over the object graph and array digests).

    Raises:
        UnsupportedObjectError: the object holds something that could not be
            loaded safely; the message names it and how to trust it.
    """
    dest = os.fspath(file) if isinstance(file, str | os.PathLike) else file
    fp, _size = _save(obj, dest, compress, metadata, probe, trusted, signing_key, native_layout)
    return str(fp)


def dumps(obj: Any, **kw: Any) -> bytes:
    """Like :func:`dump`, returning the file's bytes."""
    return bytes(_save(obj, None, kw.pop("compress", None), kw.pop("metadata", None),
                       kw.pop("probe", None), kw.pop("trusted", ()), kw.pop("signing_key", None),
                       kw.pop("native_layout", False)))


def _read_all(file: PathLike | IO[bytes] | bytes, mmap_mode: str | None) -> tuple[Any, bool]:
    """Return (buffer, writable_views_ok)."""
    if isinstance(file, bytes | bytearray | memoryview):
        return file, isinstance(file, bytearray)
    if isinstance(file, str | os.PathLike):
        with open(file, "rb") as f:
            if mmap_mode is None and f.read(len(MAGIC)) == MAGIC:
                # read array by array (see _native.load_file), not whole
                return _SksealPath(os.fspath(file)), True
            f.seek(0)
            if mmap_mode is not None:
                access = {"r": mmap.ACCESS_READ, "c": mmap.ACCESS_COPY, "r+": mmap.ACCESS_WRITE}
                if mmap_mode not in access:
                    raise ValueError(f"mmap_mode={mmap_mode!r}; use None, 'r', 'c' or 'r+'")
                size = os.fstat(f.fileno()).st_size
                if size == 0:
                    raise FormatError(f"{os.fspath(file)!r} is empty: not a skseal file")
                return _Mapped(os.fspath(file), access[mmap_mode]), True
            size = os.fstat(f.fileno()).st_size
            # numpy's allocation is not zero-filled (a bytearray would be, a
            # second pass over the whole file); arrays become views of it.
            buf = np.empty(size, dtype=np.uint8)
            n = f.readinto(memoryview(buf)) or 0
            return (buf if n == size else buf[:n]), True
    if hasattr(file, "readinto") and getattr(file, "seekable", lambda: False)():
        # read straight into numpy-owned memory: arrays become writable views
        start = file.tell()
        size = file.seek(0, os.SEEK_END) - start
        file.seek(start)
        buf = np.empty(max(size, 0), dtype=np.uint8)
        n = file.readinto(memoryview(buf)) or 0
        return (buf if n == size else buf[:n]), True
    if hasattr(file, "read"):
        return file.read(), False
    raise TypeError(
        f"file must be a path, a binary file object or bytes, not {type(file).__name__}"
    )


def _max_decompressed() -> int:
    """Cap on the decompressed size of a compressed pickle/joblib file
    (SKSEAL_MAX_DECOMPRESSED bytes, default 8 GiB), read by skseal-core's one
    parser of the variable (the CLI uses the same); a value that is not a byte
    count raises FormatError."""
    return int(_native.max_decompressed())


def _is_skseal(head: bytes) -> bool:
    """True when the first bytes are skseal's magic number, intact or damaged
    in transfer (skseal-core's one sniffer, ``sniff::file_kind``)."""
    return _native.file_kind(head)[0] in ("skseal", "damaged")


def _refuse_foreign(head: bytes) -> None:
    """A clear FormatError for well-known formats that are neither skseal nor pickle."""
    kind, what = _native.file_kind(head)
    if kind == "empty":
        raise FormatError("the input is empty: not a skseal file or a pickle")
    if kind == "foreign":
        raise FormatError(
            f"not a skseal file (it does not start with the skseal magic number): "
            f"the data looks {what}. Decompress it first, or use the tool that wrote it"
        )


_WARNINGS_LOCK = threading.RLock()


@contextmanager
def _sklearn_version_warnings() -> Iterator[set[str]]:
    """Silence scikit-learn's InconsistentVersionWarning while objects are
    built; yields the set of versions they were pickled with (filled on exit)."""
    saved: set[str] = set()
    if InconsistentVersionWarning is None:
        yield saved
        return
    # catch_warnings swaps process-wide state (filters, showwarning): two
    # loads in threads overlapping here could leave a recorder in place for
    # good and swallow every later warning, so skseal's loads take turns.
    with _WARNINGS_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InconsistentVersionWarning)
        yield saved
    for w in caught:
        if issubclass(w.category, InconsistentVersionWarning):
            version = getattr(w.message, "original_sklearn_version", None)
            if version:
                saved.add(str(version))
        else:  # anything else is passed on as it was
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)


def _version_policy(kind: str, saved: str, on_version_mismatch: str, *,
                    probe_checked: bool = False, stacklevel: int = 5) -> None:
    """Apply ``on_version_mismatch`` as skseal-core decides it
    (``versions::decide``): raise, warn or nothing."""
    action, message = _native.version_mismatch(
        kind, saved, _meta.installed_sklearn() or saved, on_version_mismatch, probe_checked)
    if action == "refuse":
        raise VersionMismatchError(message)
    if action == "warn":
        warnings.warn(message, VersionMismatchWarning, stacklevel=stacklevel)


# What skseal-core's rule (``sniff::not_a_model``, the CLI's too) says of data
# that is no pickle at all: text, empty, or bytes no pickle starts with.
_NOT_A_MODEL = "not a skseal, pickle or joblib file"


def _load_buffer(data: Any, zero_copy: bool, *, trusted: Iterable[str | type],
                 mmap_mode: str | None,
                 on_version_mismatch: str, verify: bool | None,
                 public_key: KeyLike | None = None) -> Any:
    _native.version_mismatch("pickle", "", "", on_version_mismatch, False)  # ValueError if unknown
    trusted = normalize_trusted(trusted)
    check_profile_versions(trusted)
    mapper = None
    if isinstance(data, _Mapped):
        data, mapper = data.whole, data.map_range
    head = MAGIC if isinstance(data, _SksealPath) else bytes(data[:8])
    _refuse_foreign(head)
    if public_key is not None and head != MAGIC:
        raise FormatError(
            "a public key was given, but this is not a skseal file: only .skseal files are signed"
        )
    if not _is_skseal(head):
        # Not a skseal file: read it as a pickle with the same VM and policy.
        try:
            with _sklearn_version_warnings() as saved:
                obj = _native.load_pickle(data, trusted, _max_decompressed())
        except FormatError as e:
            if head[:1] == b"\x80":  # a pickle (protocol 2+): say why it was refused
                raise FormatError(f"pickle refused, nothing was run: {e}") from None
            if _NOT_A_MODEL in str(e):  # said by skseal-core's rule (sniff::not_a_model)
                raise
            raise FormatError(
                "not a skseal file (it does not start with the skseal magic number), "
                f"and not a readable pickle either: {e}"
            ) from None
        if saved:
            _version_policy("pickle", sorted(saved)[0], on_version_mismatch, stacklevel=4)
        return obj
    # Mapped arrays are not hashed (nothing is read until touched), unless a
    # signature is asked for: then every byte it covers is checked.
    verify_digests = mmap_mode is None or _native.mapped_digests_checked(public_key is not None)
    # No cyclic garbage collection while the graph is built: every object made
    # is kept, so a collection would only walk them (3-10% of a forest's load).
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        # scikit-learn's own InconsistentVersionWarning (one per estimator: 202
        # for a 200-tree forest) gives way to skseal's single message below.
        with _sklearn_version_warnings():
            if isinstance(data, _SksealPath):
                # A path: positioned reads, each array into its own buffer.
                loaded = _native.load_file(
                    data.path, trusted, _meta.installed_sklearn(), on_version_mismatch,
                    _key_bytes(public_key, "public"),
                )
            else:
                loaded = _native.load(
                    data, trusted, verify_digests, zero_copy,
                    _meta.installed_sklearn(), on_version_mismatch,
                    _key_bytes(public_key, "public"), mapper,
                )
    finally:
        if gc_was_on:
            gc.enable()
    return _finish_load(*loaded, on_version_mismatch=on_version_mismatch, verify=verify)


class _Mapped:
    """A file loaded with ``mmap_mode``: one mapping of the whole file (header
    and small arrays), and one mapping per large array (``map_range``), so the
    pages of an array that a class copies and drops (a Tree's node array) are
    unmapped with it instead of staying resident until the whole model dies."""

    def __init__(self, path: str, access: int) -> None:
        self.file = open(path, "rb" if access == mmap.ACCESS_READ else "r+b")  # noqa: SIM115
        self.access = access
        self.whole = mmap.mmap(self.file.fileno(), 0, access=access)

    def map_range(self, offset: int, length: int) -> tuple[mmap.mmap, int]:
        """A mapping holding bytes ``[offset, offset + length)`` of the file,
        and where they start in it (mappings start at page boundaries)."""
        start = offset - offset % mmap.ALLOCATIONGRANULARITY
        m = mmap.mmap(self.file.fileno(), offset + length - start, access=self.access,
                      offset=start)
        return m, offset - start

    def close(self) -> None:
        self.file.close()  # the mappings stay valid (they hold their own descriptor)


class _SksealPath:
    """A path to a file that starts with the skseal magic number."""

    def __init__(self, path: str) -> None:
        self.path = path


def _finish_load(obj: Any, probe: Any, _unused: Any, saved: str | None, *,
                 on_version_mismatch: str, verify: bool | None) -> Any:
    mismatch = saved is not None
    checked = False
    if verify or (verify is None and mismatch and probe is not None):
        if probe is None:
            raise FormatError(
                "verify=True, but this file has no probe; save it with probe=X_sample"
            )
        try:
            _meta.verify_probe(obj, probe)
        except ProbeMismatchError as e:
            raise ProbeMismatchError(f"{e} {_meta.probe_cause(mismatch)}") from None
        checked = True
    if saved is not None:
        _version_policy("skseal", saved, on_version_mismatch, probe_checked=checked)
    return obj


@contextmanager
def _naming_the_file(file: Any) -> Iterator[None]:
    """Errors about a file's content name the file and, for an array, its
    place in the model (``array 459 at estimators_[114].tree_.nodes (...)``)."""
    try:
        yield
    except (FormatError, IntegrityError, ValidationError) as e:
        if not isinstance(file, str | os.PathLike):
            raise
        path = os.fspath(file)
        msg = str(e)  # an array's place in the model is named by skseal-core
        if path not in msg:
            msg = f"{path}: {msg}"
        if msg == str(e):
            raise
        raise type(e)(msg) from None


def _warn_unmapped(file: PathLike, mmap_mode: str) -> None:
    """``mmap_mode`` maps only uncompressed arrays of a .skseal file: say so
    when some (or all) of a file's arrays will be decompressed into memory."""
    try:
        info = inspect(file)
    except (OSError, FormatError):
        return  # the load itself reports it
    if info.get("format") != "skseal":
        warnings.warn(
            f"mmap_mode={mmap_mode!r} has no effect on a {info.get('format', 'pickle')} file: "
            "its arrays are read into memory; skseal.convert it to .skseal (uncompressed) to "
            "map them",
            UserWarning,
            stacklevel=3,
        )
        return
    arrays = info.get("arrays", [])
    packed = sum(1 for a in arrays if a.get("codec") != "none")
    if packed:
        warnings.warn(
            f"mmap_mode={mmap_mode!r}: {packed} of {len(arrays)} arrays of this file are "
            "compressed, so they are decompressed into memory rather than mapped; save "
            "with compress=None for a file whose arrays can all be mapped",
            UserWarning,
            stacklevel=3,
        )


def load(
    file: PathLike | IO[bytes],
    *,
    trusted: Iterable[str | type] = (),
    mmap_mode: Literal["r", "c", "r+"] | None = None,
    on_version_mismatch: Literal["warn", "error", "ignore"] = "warn",
    verify: bool | None = None,
    public_key: KeyLike | None = None,
    store: Any = None,
) -> Any:
    """Load an object saved by :func:`dump`, or a plain pickle, without running code from it.

    Args:
        file: a path or a binary file object; with ``store``, a reference
            ``NAME``, ``NAME@VERSION`` or ``NAME@ALIAS``.
        trusted: dotted names to allow beyond the default allow-list.
        mmap_mode: "r", "c" or "r+" maps the file; uncompressed arrays are then
            views of the mapping (nothing is copied or read until touched).
        on_version_mismatch: what to do when the file was saved with another
            scikit-learn version: "warn", "error" or "ignore".
        verify: True recomputes the stored probe and raises ProbeMismatchError
            on any bitwise difference; None (default) does so only when the
            scikit-learn versions differ and a probe is present.
        public_key: an Ed25519 public key (32 raw bytes, 64 hex digits or a
            ``.pub`` file): the file must be signed by it, else IntegrityError.
            Without it, a signature the file carries is still checked.
        store: a model store (URI or :class:`skseal.store.Store`) to pull
            ``file`` from, through the store's checks (docs/STORE.md).

    Raises:
        FormatError, IntegrityError, UntrustedTypeError, ValidationError,
        VersionMismatchError, ProbeMismatchError (all subclasses of SkSealError).
    """
    if store is not None:
        if mmap_mode is not None:
            raise ValueError("mmap_mode needs a file: pull the version first "
                             "(skseal.store.open(...).pull(ref)) and map that file")
        from .store import Store

        st = store if isinstance(store, Store) else Store(store)
        _, pulled = st.pull_bytes(os.fspath(file) if not isinstance(file, str) else file)
        return loads(pulled, trusted=trusted, on_version_mismatch=on_version_mismatch,
                     verify=verify, public_key=public_key)
    if mmap_mode is not None and isinstance(file, str | os.PathLike):
        _warn_unmapped(file, mmap_mode)
    data, zero_copy = _read_all(file, mmap_mode)
    try:
        with _naming_the_file(file):
            return _load_buffer(data, zero_copy, trusted=trusted, mmap_mode=mmap_mode,
                                on_version_mismatch=on_version_mismatch, verify=verify,
                                public_key=public_key)
    finally:
        if isinstance(data, _Mapped):
            data.close()


def loads(data: bytes | bytearray | memoryview, **kw: Any) -> Any:
    """Like :func:`load`, from bytes."""
    if not isinstance(data, bytearray):
        # one copy, so arrays can be writable zero-copy views of it
        data = bytearray(data)
    return _load_buffer(data, True, trusted=kw.pop("trusted", ()),
                        mmap_mode=None,
                        on_version_mismatch=kw.pop("on_version_mismatch", "warn"),
                        verify=kw.pop("verify", None), public_key=kw.pop("public_key", None))


def _read_prefix(file: PathLike | IO[bytes] | bytes) -> tuple[bytes, int]:
    """Read the preamble and header only; returns (prefix, file length)."""
    if isinstance(file, bytes | bytearray | memoryview):
        return bytes(file), len(file)
    if isinstance(file, str | os.PathLike):
        with open(file, "rb") as f:
            return _read_prefix_from(f, os.fstat(f.fileno()).st_size)
    pos = file.tell() if file.seekable() else None
    if pos is not None:
        file.seek(0, io.SEEK_END)
        size = file.tell() - pos
        file.seek(pos)
        return _read_prefix_from(file, size)
    data = file.read()
    return data, len(data)


def _read_prefix_from(f: IO[bytes], size: int) -> tuple[bytes, int]:
    pre = f.read(PREAMBLE)
    if pre[:8] != MAGIC:
        return pre + f.read(), size
    n = _native.header_len(pre)
    return pre + f.read(n), size


def inspect(file: PathLike | IO[bytes] | bytes) -> dict[str, Any]:
    """Describe a skseal file from its header alone: nothing is imported or built.

    Returns a dict with ``format`` ("skseal"; "pickle" or "joblib" for a legacy
    file, described without running it), ``format_version``, ``fingerprint``, ``header_blake3``,
    ``signature`` (``status``, ``key_id``, ``trusted_key_checked``: the signer,
    checked over the header, as ``skseal verify --json`` reports it), ``metadata``,
    ``arrays`` (dtype, shape, codec, sizes, digest per array),
    ``outline`` (a readable tree of the object graph), ``globals`` (each name
    with its role and verdict) and sizes.
    """
    start = file.tell() if _is_seekable_io(file) else None
    prefix, size = _read_prefix(file)
    with _naming_the_file(file):
        if not _is_skseal(prefix[:8]):
            try:
                return json.loads(_native.inspect_pickle(prefix, _max_decompressed()))
            except FormatError as e:
                if _NOT_A_MODEL in str(e):  # said by skseal-core's rule (sniff::not_a_model)
                    raise
                raise FormatError(
                    "not a skseal file (it does not start with the skseal magic number), "
                    f"and not a readable pickle either: {e}"
                ) from None
        return json.loads(_native.inspect(prefix, size, _read_trailer(file, prefix, size, start)))


def _is_seekable_io(file: object) -> bool:
    """Whether ``file`` is an open binary file we may seek in."""
    seekable = getattr(file, "seekable", None)
    return not isinstance(file, str | os.PathLike | bytes | bytearray | memoryview) \
        and callable(seekable) and bool(seekable())


def _read_trailer(file: PathLike | IO[bytes] | bytes, prefix: bytes, size: int,
                  start: int | None) -> bytes | None:
    """The last ``SIG_TRAILER`` bytes of a skseal file (its signature trailer
    when signed), for ``inspect``; ``None`` when they cannot be read."""
    if size < SIG_TRAILER:
        return None
    if len(prefix) == size:
        return prefix[size - SIG_TRAILER:]
    if isinstance(file, str | os.PathLike):
        with open(file, "rb") as f:
            f.seek(size - SIG_TRAILER)
            return f.read(SIG_TRAILER)
    if start is not None and not isinstance(file, bytes | bytearray | memoryview):
        here = file.tell()
        file.seek(start + size - SIG_TRAILER)
        tail = file.read(SIG_TRAILER)
        file.seek(here)
        return tail
    return None


def untrusted_types(file: PathLike | IO[bytes] | bytes,
                    trusted: Iterable[str | type] = ()) -> list[str]:
    """Names in ``file`` that the default allow-list (plus ``trusted``) does not accept.

    These are the names to review before passing them as ``trusted=[...]``.
    Reads only the header for skseal files; never imports or runs anything.
    """
    names = normalize_trusted(trusted)
    prefix, size = _read_prefix(file)
    is_pickle = not _is_skseal(prefix[:8])
    rows = _native.survey(prefix, names, is_pickle, size, _max_decompressed())
    return sorted(name for name, _uses, verdict in rows if verdict in ("unknown", "dangerous"))


def convert(
    src: PathLike,
    dst: PathLike,
    *,
    trusted: Iterable[str | type] = (),
    compress: Compress = None,
    metadata: dict[str, Any] | None = None,
    probe: Any = None,
    native_layout: bool = False,
) -> str:
    """Convert a legacy ``.pkl``/``.joblib`` file to ``.skseal`` without building
    any Python object from it.

    The file is read by the same VM, policy and validators as :func:`load`;
    untrusted names raise :class:`UntrustedTypeError`. The output records the
    source file's BLAKE3 digest, format and compression, and the scikit-learn
    version found in the pickled state. Written atomically.

    Args:
        probe: a few input rows. Their outputs are computed by native inference
            (:func:`skseal.native.load` of ``src``; scikit-learn is not used, so
            this works for a model the installed scikit-learn cannot load) and
            stored as the file's probe, the way :func:`dump` stores one:
            ``load(dst, verify=True)`` checks it through scikit-learn and
            ``skseal.native.load(dst, verify=True)`` natively. Raises
            UnsupportedModelError when native inference does not implement the
            model.
        native_layout: also store every decision tree in the layout native
            inference walks, as :func:`dump` does.

    Returns:
        The content fingerprint of the new file.
    """
    codec, level, shuffle = _codec(compress)
    user = _meta.user_json(metadata)
    names = normalize_trusted(trusted)
    stream: bytes | None = None
    raws: list[memoryview] = []
    if probe is not None:
        stream, raws = _native_probe_stream(src, probe, names)
    with _naming(src, dst):
        fp, _size = _native.convert(os.fspath(src), os.fspath(dst), names, codec, level,
                                    shuffle, user, _max_decompressed(), stream, raws,
                                    bool(native_layout))
    return str(fp)


def _native_probe_stream(
    src: PathLike, X: Any, trusted: Iterable[str]
) -> tuple[bytes, list[memoryview]]:
    """A ``(None, probe)`` pair pickled as :func:`dump` pickles its probe, the
    outputs computed by native inference of ``src``."""
    from . import native  # native imports this module

    model = native.load(src, trusted=trusted)
    outputs: dict[str, Any] = {}
    errors: list[str] = []
    with _meta._quiet():
        for m in model.methods:
            try:
                outputs[m] = _meta._probe_output(getattr(model, m)(X))
            except Exception as e:  # noqa: BLE001 - reported below when nothing runs
                errors.append(f"{m}(): {type(e).__name__}: {e}")
    if not outputs:
        raise ValueError(
            "probe: no output method of this model runs on the probe rows, so nothing could "
            "be recorded; pass rows shaped like the model's input (" + "; ".join(errors) + ")"
        )
    return _pickle_probe({"input": _meta._probe_input(X), "outputs": outputs})


def _pickle_probe(probe_obj: dict[str, Any]) -> tuple[bytes, list[memoryview]]:
    buffers: list[pickle.PickleBuffer] = []
    stream = pickle.dumps((None, probe_obj), protocol=5, buffer_callback=buffers.append)
    return stream, _contiguous(buffers)


def installed_versions() -> dict[str, Any]:
    """The library versions skseal records in new files."""
    return dict(_meta.environment())
