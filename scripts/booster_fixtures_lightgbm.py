"""Write small LightGBM model texts for skseal's LightGBM parser tests.

Each fixture is `Booster.model_to_string()` of a small model fitted on
synthetic data, written to crates/skseal-core/tests/fixtures/boosters/lightgbm/
as NAME.txt, next to NAME.expected.json with facts the Rust test checks:
number of trees, num_class, num_tree_per_iteration, max_feature_idx, the
leaf count of every tree, and the first tree's thresholds and leaf values as
exact f64 bit patterns (hex of the IEEE-754 bits of Python's `float(...)` of
the text, which is correctly rounded like LightGBM's own precise parser).

Run with a Python that has lightgbm and numpy:
    python scripts/booster_fixtures_lightgbm.py
"""

import json
import struct
import warnings
from pathlib import Path

import lightgbm as lgb
import numpy as np

OUT = (
    Path(__file__).resolve().parent.parent
    / "crates/skseal-core/tests/fixtures/boosters/lightgbm"
)

COMMON = dict(verbose=-1, seed=7, deterministic=True, num_threads=1, min_data_in_leaf=5)


def bits(text):
    return f"{struct.unpack('<Q', struct.pack('<d', float(text)))[0]:016x}"


def tree_blocks(text):
    """The per-tree key/value maps of a model text (in order)."""
    trees = []
    cur = None
    for line in text.split("\n"):
        if line.startswith("Tree="):
            cur = {}
            trees.append(cur)
        elif line == "end of trees":
            break
        elif cur is not None and "=" in line:
            k, v = line.split("=", 1)
            cur[k] = v
    return trees


def write(name, booster):
    text = booster.model_to_string()
    trees = tree_blocks(text)
    header = {}
    for line in text.split("\n"):
        if line.startswith("Tree="):
            break
        if "=" in line:
            k, v = line.split("=", 1)
            header[k] = v
    first = trees[0]
    expected = {
        "num_trees": len(trees),
        "num_class": int(header["num_class"]),
        "num_tree_per_iteration": int(header["num_tree_per_iteration"]),
        "max_feature_idx": int(header["max_feature_idx"]),
        "objective": header.get("objective"),
        "num_leaves": [int(t["num_leaves"]) for t in trees],
        "num_cat": [int(t["num_cat"]) for t in trees],
        "is_linear": [t.get("is_linear", "0") == "1" for t in trees],
        "first_tree_threshold_bits": [
            bits(x) for x in first.get("threshold", "").split()
        ],
        "first_tree_leaf_value_bits": [bits(x) for x in first["leaf_value"].split()],
        "has_pandas_categorical": "\npandas_categorical:" in text,
        "average_output": "\naverage_output\n" in text,
    }
    (OUT / f"{name}.txt").write_text(text)
    (OUT / f"{name}.expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print(f"{name}: {len(text)} bytes, {len(trees)} trees")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    n = 200
    x = rng.normal(size=(n, 4))
    # NaNs and zeros so that splits with missing types NaN and Zero appear.
    x_nan = x.copy()
    x_nan[rng.random(n) < 0.2, 0] = np.nan
    x_nan[rng.random(n) < 0.2, 1] = 0.0
    y_bin = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    y_reg = x[:, 0] * 2.0 - x[:, 2] + rng.normal(scale=0.1, size=n)
    y_multi = np.digitize(x[:, 0] + x[:, 3], [-0.5, 0.5])

    def fit(params, xx, yy, rounds, **kw):
        ds = lgb.Dataset(xx, yy, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lgb.train({**COMMON, **params}, ds, num_boost_round=rounds)

    write("binary", fit({"objective": "binary", "num_leaves": 4}, x_nan, y_bin, 4))
    write(
        "multiclass",
        fit({"objective": "multiclass", "num_class": 3, "num_leaves": 4}, x, y_multi, 2),
    )
    write("regression", fit({"objective": "regression", "num_leaves": 5}, x, y_reg, 3))

    # Categorical features: columns 2 and 3 hold category codes.
    xc = x_nan.copy()
    xc[:, 2] = rng.integers(0, 5, size=n)
    xc[:, 3] = rng.integers(0, 8, size=n)
    y_cat = (
        np.isin(xc[:, 3], [1, 4, 6]) * 2.0 + np.isin(xc[:, 2], [0, 3]) * 1.5 + x[:, 0]
        > 1.5
    ).astype(int)
    write(
        "categorical",
        fit(
            {
                "objective": "binary",
                "num_leaves": 6,
                "cat_smooth": 1,
                "min_data_per_group": 5,
                "max_cat_to_onehot": 2,
            },
            xc,
            y_cat,
            3,
            categorical_feature=[2, 3],
        ),
    )
    write(
        "linear",
        fit({"objective": "regression", "num_leaves": 3, "linear_tree": True}, x, y_reg, 2),
    )
    write("stump", fit({"objective": "regression", "num_leaves": 2}, x, y_reg, 2))
    # Random forest mode: the header's bare average_output line.
    write(
        "random_forest",
        fit(
            {
                "objective": "binary",
                "boosting": "rf",
                "num_leaves": 4,
                "bagging_fraction": 0.5,
                "bagging_freq": 1,
            },
            x,
            y_bin,
            2,
        ),
    )
    # A constant label: every tree is a single leaf (num_leaves=1).
    write(
        "single_leaf",
        fit({"objective": "regression", "num_leaves": 2}, x, np.full(n, 3.0), 1),
    )


if __name__ == "__main__":
    main()
