"""Regenerate the fuzz seed corpora (small files only).

Run from the repository root with the project's virtualenv:

    .venv/bin/python fuzz/seeds/make_seeds.py

Writes:
  fuzz/seeds/*.skseal                 valid containers embedded by `container_structured`
  fuzz/corpus/container/*             the same containers (plain, zstd, lz4)
  fuzz/corpus/pickle/*                pickles (protocols 0, 2, 5), joblib files
                                      (raw and zlib, with an array) and 3 small
                                      malicious pickles from ../shared/corpus
  fuzz/corpus/graph_json/*            the `graph` member of each container header
  fuzz/corpus/container_structured/*  a few byte strings for `arbitrary`
"""

from __future__ import annotations

import json
import pathlib
import pickle
import shutil
import struct
import subprocess

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KDTree
from sklearn.tree import DecisionTreeClassifier
from sklearn.ensemble import RandomForestRegressor

import skseal

ROOT = pathlib.Path(__file__).resolve().parents[2]
FUZZ = ROOT / "fuzz"
SEEDS = FUZZ / "seeds"
CORPUS = FUZZ / "corpus"
MALICIOUS = ROOT.parent / "shared" / "corpus" / "picklescan" / "malicious"


# Containers written before packs existed (small compressed arrays each in a
# blob of their own), kept in corpus/container under this prefix: the writer
# no longer makes such files, the reader still reads them.
KEEP = "v1nopack_"


def fresh(d: pathlib.Path) -> pathlib.Path:
    """Empty `d` (creating it), except the files named KEEP*."""
    d.mkdir(parents=True, exist_ok=True)
    for f in d.iterdir():
        if not f.name.startswith(KEEP):
            f.unlink()
    return d


def graph_member(data: bytes) -> bytes:
    """The raw text of the header's `graph` member (decompressing if needed)."""
    (flags,) = struct.unpack_from("<I", data, 12)
    (hlen,) = struct.unpack_from("<Q", data, 16)
    stored = data[56 : 56 + hlen]
    if flags & 1:  # zstd frame: the zstd command-line tool decompresses it
        stored = subprocess.run(["zstd", "-dc"], input=stored, capture_output=True, check=True).stdout
    h = json.loads(stored)
    return json.dumps(h["graph"], separators=(",", ":")).encode()


def main() -> None:
    rng = np.random.RandomState(0)
    X = rng.rand(24, 3)
    y = (X[:, 0] > 0.5).astype(int)
    yr = X[:, 1] * 2.0

    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    # noisy labels: ~15 nodes, so the node array (>= 256 bytes) is compressed
    noisy = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, rng.randint(0, 3, 24))
    logreg = LogisticRegression().fit(X, y)
    forest = RandomForestRegressor(n_estimators=2, max_depth=2, random_state=0).fit(X, yr)
    kdt = KDTree(X[:8], leaf_size=2)
    sparse = sp.csr_matrix(np.array([[0, 1.5, 0], [2.0, 0, 0], [0, 0, 3.0]]))

    seeds = SEEDS
    seeds.mkdir(parents=True, exist_ok=True)
    for old in seeds.glob("*.skseal"):
        old.unlink()
    containers = {
        "tree.skseal": skseal.dumps(tree),
        "tree_zstd.skseal": skseal.dumps(noisy, compress=True),
        "logreg.skseal": skseal.dumps(logreg),
        "forest_lz4.skseal": skseal.dumps(forest, compress="lz4"),
        "kdtree.skseal": skseal.dumps(kdt),
        "sparse_zstd.skseal": skseal.dumps(sparse, compress="zstd"),
    }
    for name, data in containers.items():
        (seeds / name).write_bytes(data)

    c = fresh(CORPUS / "container")
    for name, data in containers.items():
        (c / name).write_bytes(data)

    g = fresh(CORPUS / "graph_json")
    for name, data in containers.items():
        gm = graph_member(data)
        if gm:
            (g / (name.replace(".skseal", ".json"))).write_bytes(gm)

    p = fresh(CORPUS / "pickle")
    small = {"a": [1, 2.5, "x", None, True], "b": (b"\x00\x01", 2**70, -3)}
    for proto in (0, 2, 5):
        (p / f"plain_p{proto}.pkl").write_bytes(pickle.dumps(small, protocol=proto))
    (p / "tree_p5.pkl").write_bytes(pickle.dumps(tree, protocol=5))
    (p / "ndarray_p2.pkl").write_bytes(pickle.dumps(np.arange(6, dtype="<i4").reshape(2, 3), protocol=2))
    (p / "sparse_p4.pkl").write_bytes(pickle.dumps(sparse, protocol=4))
    payload = {"w": np.arange(8, dtype=np.float64), "n": 3}
    joblib.dump(payload, p / "joblib_raw.joblib")
    joblib.dump(payload, p / "joblib_zlib.joblib", compress=("zlib", 3))
    joblib.dump(logreg, p / "logreg_gzip.joblib", compress=("gzip", 3))
    for name in ("malicious1_v3.pkl", "GHSA-4675-36f9-wf6r.pkl", "GHSA-g38g-8gr9-h9xp-pyrepl-pager.pkl"):
        src = MALICIOUS / name
        if src.exists():
            shutil.copyfile(src, p / name)

    s = fresh(CORPUS / "container_structured")
    # all-zero input: seed 0, no edits, all fixups off -> the seed itself
    (s / "zeros").write_bytes(bytes(64))
    for k in range(1, 6):
        (s / f"seed{k}").write_bytes(bytes([k]) + bytes(31))
    (s / "random").write_bytes(rng.bytes(256))

    for d in (c, g, p, s):
        total = sum(f.stat().st_size for f in d.iterdir())
        print(f"{d.relative_to(ROOT)}: {len(list(d.iterdir()))} files, {total} bytes")


if __name__ == "__main__":
    main()
