"""Exceptions raised by skseal. All derive from :class:`SkSealError`.

Every message names the problem and, where one exists, the fix.
"""

from __future__ import annotations


class SkSealError(Exception):
    """Base class of every skseal error."""


class FormatError(SkSealError):
    """The input is not a readable skseal/pickle file: wrong magic, unknown
    format version, truncated, or malformed structure."""


class IntegrityError(SkSealError):
    """A digest does not match: the file was modified or damaged after it was written."""


class UntrustedTypeError(SkSealError):
    """The file refers to names that are not trusted.

    ``types`` lists every offending name; the message shows the ``trusted=``
    argument that would accept them. Nothing was imported or run.
    """

    types: list[str]

    def __init__(self, message: str, types: list[str] | None = None) -> None:
        super().__init__(message)
        self.types = list(types or [])


class ValidationError(SkSealError):
    """A trusted type carries structurally hostile values (e.g. an out-of-range
    tree child index); refused before any object was built."""


class UnsupportedObjectError(SkSealError):
    """The object cannot be saved safely (lambda, open file, untrusted class...)."""

    types: list[str]

    def __init__(self, message: str, types: list[str] | None = None) -> None:
        super().__init__(message)
        self.types = list(types or [])


class UnsupportedModelError(SkSealError):
    """Native inference (:mod:`skseal.native`) has no implementation of a step
    of this model; the message names it. Load it with :func:`skseal.load`."""


class VersionMismatchError(SkSealError):
    """The file was saved with a different scikit-learn version and
    ``on_version_mismatch="error"`` was requested."""


class VersionMismatchWarning(UserWarning):
    """The file was saved with a different scikit-learn version."""


class ProbeMismatchError(SkSealError):
    """The loaded model does not reproduce the outputs recorded at save time."""


class InternalError(SkSealError):
    """A bug inside skseal (a Rust panic) was caught at the boundary; nothing
    was returned. Not caused by a wrong argument: please report it with the
    file that triggers it."""


class StoreError(SkSealError):
    """A model store operation failed (unreadable store, contention, a model
    the store cannot hold); the message names the store and the object."""


class StorePolicyError(StoreError):
    """The store's signed policy refuses the operation: unsigned, or signed
    by a key the policy does not allow (or the policy itself is not rooted in
    the pinned admin key)."""


class ModelNotFoundError(StoreError, LookupError):
    """No such model, version or alias in the store."""


__all__ = [
    "StoreError",
    "StorePolicyError",
    "ModelNotFoundError",
    "SkSealError",
    "InternalError",
    "FormatError",
    "IntegrityError",
    "UntrustedTypeError",
    "ValidationError",
    "UnsupportedObjectError",
    "VersionMismatchError",
    "VersionMismatchWarning",
    "ProbeMismatchError",
]
