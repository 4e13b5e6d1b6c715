"""skseal: save and load scikit-learn models without executing code from the file.

Quick use::

    import skseal
    skseal.dump(model, "model.skseal", metadata={"accuracy": 0.97}, probe=X[:5])
    model = skseal.load("model.skseal")

See README.md and docs/ for the format, the threat model and benchmarks.
"""

from __future__ import annotations

from . import errors
from ._api import (
    convert,
    dump,
    dumps,
    inspect,
    installed_versions,
    keygen,
    load,
    loads,
    untrusted_types,
)
from ._card import Card, card
from ._meta import SKSEAL_VERSION as __version__
from ._trust import profiles
from .errors import (
    FormatError,
    IntegrityError,
    InternalError,
    ProbeMismatchError,
    SkSealError,
    UnsupportedModelError,
    UnsupportedObjectError,
    UntrustedTypeError,
    ValidationError,
    VersionMismatchError,
    VersionMismatchWarning,
)

__all__ = [
    "profiles",
    "dump",
    "dumps",
    "load",
    "loads",
    "inspect",
    "untrusted_types",
    "convert",
    "card",
    "Card",
    "installed_versions",
    "keygen",
    "errors",
    "SkSealError",
    "FormatError",
    "IntegrityError",
    "InternalError",
    "UntrustedTypeError",
    "ValidationError",
    "UnsupportedObjectError",
    "UnsupportedModelError",
    "VersionMismatchError",
    "VersionMismatchWarning",
    "ProbeMismatchError",
    "__version__",
]
