"""The model store: immutable versions, aliases with a signed history, and a
signed policy, on a folder or S3-compatible object storage (docs/STORE.md).

>>> import skseal.store
>>> st = skseal.store.open("/srv/models")          # or "s3://bucket/prefix"
>>> rec = st.push("model.skseal", "churn", message="weekly retrain", key="ci.key")
>>> st.move_alias("churn", "production", rec["version"], key="release.key")
>>> model = skseal.load("churn@production", store="/srv/models")

The same store is used by ``skseal store ...`` (CLI) and ``skseal serve
--store URI NAME@ALIAS``. Every pull checks the record's signature against the
store policy, the blob's BLAKE3, every array digest and the file's own
signature before a byte is returned.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from . import _native
from ._api import KeyLike, _key_bytes
from ._trust import normalize_trusted

__all__ = ["Store", "StoredModel", "open", "default_uri"]


def default_uri() -> str:
    """The store used when none is given: ``$SKSEAL_STORE``, else
    ``~/.local/share/skseal/store`` (the same rule as the CLI)."""
    env = os.environ.get("SKSEAL_STORE")
    if env:
        return env
    return os.path.join(os.path.expanduser("~"), ".local", "share", "skseal", "store")


class Store:
    """A model store. Use :func:`open` to get one."""

    def __init__(self, uri: str | os.PathLike[str] | None = None, *,
                 admin_key: KeyLike | None = None) -> None:
        uri = default_uri() if uri is None else os.fspath(uri)
        if admin_key is None and os.environ.get("SKSEAL_STORE_ADMIN_KEY"):
            admin_key = os.environ["SKSEAL_STORE_ADMIN_KEY"]
        self._inner = _native.Store(uri, _key_bytes(admin_key, "public"))

    @property
    def uri(self) -> str:
        """Where the store lives."""
        return str(self._inner.uri)

    def __repr__(self) -> str:
        return f"skseal.store.Store({self.uri!r})"

    def push(self, model: str | os.PathLike[str] | bytes, name: str, *, message: str = "",
             alias: str | None = None, key: KeyLike | None = None,
             trusted: Iterable[str | type] = ()) -> dict[str, Any]:
        """Add a file (or its bytes) as the next version of ``name``.

        ``.pkl``/``.joblib`` files are converted without running them. With
        ``key`` (a secret key) the version record is signed, and the file too
        when it is not signed yet; a store with a policy requires it.
        Returns the version record (``version``, ``fingerprint``, ...).
        """
        if isinstance(model, bytes | bytearray | memoryview):
            data, file_name = bytes(model), "<bytes>"
        else:
            with open_file(model) as f:
                data = f.read()
            file_name = os.path.basename(os.fspath(model))
        rec = self._inner.push(data, file_name, name, message, alias, _key_bytes(key, "secret"),
                               normalize_trusted(trusted), _native.max_decompressed())
        return dict(json.loads(rec))

    def pull_bytes(self, reference: str) -> tuple[dict[str, Any], bytes]:
        """``(record, file bytes)`` of ``NAME``, ``NAME@VERSION`` or ``NAME@ALIAS``, checked."""
        rec, data = self._inner.pull(reference)
        return dict(json.loads(rec)), bytes(data)

    def pull(self, reference: str, path: str | os.PathLike[str] | None = None) -> str:
        """Write a version to ``path`` (default ``NAME_vN_YYYY-MM-DD.skseal``
        in the current folder), atomically; returns the path."""
        rec, data = self.pull_bytes(reference)
        if path is None:
            path = f"{rec['name']}_v{rec['version']}_{rec['pushed_at'][:10]}.skseal"
        path = os.fspath(path)
        _native.write_file(path, data)
        return path

    def ref(self, reference: str) -> StoredModel:
        """A reference pinned to the version it points to now, for
        :func:`skseal.dask.predict`, :func:`skseal.spark.predict` and anything
        that takes an object with ``read_bytes()``: the bytes are pulled
        through the store's checks, and the content fingerprint is given so
        workers cache the model by it."""
        name = reference.split("@", 1)[0]
        return StoredModel(self, f"{name}@{self.resolve(reference)}")

    def load(self, reference: str, **kw: Any) -> Any:
        """Load a version as a Python object (``skseal.loads`` after the store's checks)."""
        from ._api import loads

        _, data = self.pull_bytes(reference)
        return loads(data, **kw)

    def names(self) -> list[str]:
        """Every model name."""
        return list(self._inner.names())

    def versions(self, name: str) -> list[dict[str, Any]]:
        """Every version record of ``name``, oldest first."""
        return list(json.loads(self._inner.versions(name)))

    def aliases(self, name: str) -> dict[str, int]:
        """Each alias of ``name`` and the version it points to."""
        return dict(json.loads(self._inner.aliases(name)))

    def resolve(self, reference: str) -> int:
        """The version number a reference points to now."""
        return int(self._inner.resolve(reference))

    def show(self, reference: str) -> dict[str, Any]:
        """Record, aliases, metadata, metrics and signer of a version."""
        return dict(json.loads(self._inner.show(reference)))

    def diff(self, a: str, b: str) -> dict[str, Any]:
        """Metadata, metrics, hyperparameters, structure and changed arrays of two versions."""
        return dict(json.loads(self._inner.diff(a, b)))

    def move_alias(self, name: str, alias: str, version: int, *, key: KeyLike | None = None,
                   message: str = "") -> dict[str, Any]:
        """Point ``alias`` of ``name`` at ``version``; the move is appended to its history."""
        return dict(json.loads(self._inner.move_alias(name, alias, int(version),
                                                      _key_bytes(key, "secret"), message)))

    def history(self, name: str, alias: str | None = None) -> list[dict[str, Any]]:
        """Every move of ``alias`` of ``name``, oldest first, with links and
        signatures checked; without ``alias``, the moves of every alias of
        ``name``, alias after alias in name order (``skseal store history
        NAME``; empty when it has none)."""
        return list(json.loads(self._inner.history(name, alias)))

    def verify(self, name: str | None = None) -> dict[str, Any]:
        """Check every version, digest, signature and alias history."""
        return dict(json.loads(self._inner.verify(name)))

    def gc(self, *, grace_secs: int = 3600, dry_run: bool = False) -> dict[str, Any]:
        """Remove blobs no version refers to (older than ``grace_secs``)."""
        return dict(json.loads(self._inner.gc(grace_secs, dry_run)))

    def policy(self) -> dict[str, Any] | None:
        """The policy in force, or None for an open store."""
        p = json.loads(self._inner.policy())
        return None if p is None else dict(p)

    def set_policy(self, *, key: KeyLike, admins: Iterable[KeyLike] = (),
                   push: Iterable[KeyLike] = (), alias: Iterable[KeyLike] = ()) -> dict[str, Any]:
        """Write a new policy entry signed by an admin's secret ``key``."""
        def pubs(keys: Iterable[KeyLike]) -> list[bytes]:
            return [b for b in (_key_bytes(k, "public") for k in keys) if b is not None]
        secret = _key_bytes(key, "secret")
        if secret is None:
            raise ValueError("set_policy needs key= (an admin's secret key)")
        return dict(json.loads(self._inner.set_policy(secret, pubs(admins), pubs(push),
                                                      pubs(alias))))


class StoredModel:
    """One version of a model in a store (see :meth:`Store.ref`)."""

    def __init__(self, store: Store, reference: str) -> None:
        self.store = store
        self.reference = reference
        self.fingerprint: str | None = None

    def read_bytes(self) -> bytes:
        """The file's bytes, pulled and checked (signature, policy, digests)."""
        rec, data = self.store.pull_bytes(self.reference)
        self.fingerprint = "skseal:" + str(rec["fingerprint"])
        return data

    def __repr__(self) -> str:
        return f"<skseal.store.StoredModel {self.reference} in {self.store.uri}>"


def open(uri: str | os.PathLike[str] | None = None, *,  # noqa: A001 - the module's verb
         admin_key: KeyLike | None = None) -> Store:
    """Open (or create) the store at ``uri``: a folder, ``file:///PATH`` or
    ``s3://BUCKET[/PREFIX]`` (endpoint and credentials from ``AWS_*``).
    ``admin_key`` pins the policy's root admin public key."""
    return Store(uri, admin_key=admin_key)


def open_file(path: str | os.PathLike[str], mode: str = "rb") -> Any:
    """The builtin ``open`` (shadowed in this module by :func:`open`)."""
    import builtins

    return builtins.open(path, mode)
