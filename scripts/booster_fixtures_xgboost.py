"""Write XGBoost serialized-Booster fixtures for skseal's booster parser.

Each fixture is the bytes `Booster.__getstate__()["handle"]` holds (the output
of XGBoosterSerializeToBuffer: UBJSON {"Config", "Model"}), written to
crates/skseal-core/tests/fixtures/boosters/xgboost/<name>.ubj, plus
expected.json with facts the Rust tests check.

Run with the project venv (xgboost 3.2): python scripts/booster_fixtures_xgboost.py
"""

import json
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb

OUT = Path(__file__).resolve().parent.parent / "crates/skseal-core/tests/fixtures/boosters/xgboost"


def handle_bytes(booster):
    return bytes(booster.__getstate__()["handle"])


def f32_bits(values):
    return [struct.unpack("<I", struct.pack("<f", float(v)))[0] for v in values]


def facts(booster, num_class):
    cfg = json.loads(booster.save_raw("json").decode())
    learner = cfg["learner"]
    gb = learner["gradient_booster"]
    if gb["name"] == "dart":
        gb = gb["gbtree"]
    out = {
        "num_feature": int(learner["learner_model_param"]["num_feature"]),
        "num_class": num_class,
        "base_score": learner["learner_model_param"]["base_score"],
        "objective": learner["objective"]["name"],
        "booster": learner["gradient_booster"]["name"],
    }
    if gb["name"] == "gblinear":
        out["num_trees"] = 0
        out["num_weights"] = len(gb["model"]["weights"])
    else:
        trees = gb["model"]["trees"]
        out["num_trees"] = len(trees)
        out["first_tree_split_conditions_f32_bits"] = f32_bits(trees[0]["split_conditions"])
        out["first_tree_num_nodes"] = int(trees[0]["tree_param"]["num_nodes"])
    return out


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4)).astype(np.float32)
    y_bin = (X[:, 0] + X[:, 1] > 0).astype(int)
    y_multi = np.digitize(X[:, 0], [-0.5, 0.5])
    y_reg = X[:, 0] * 2 + X[:, 2]
    expected = {}

    def save(name, model, num_class):
        booster = model.get_booster() if hasattr(model, "get_booster") else model
        data = handle_bytes(booster)
        (OUT / f"{name}.ubj").write_bytes(data)
        expected[name + ".ubj"] = facts(booster, num_class)
        return booster

    common = dict(n_estimators=4, max_depth=3, random_state=0)
    save("binary", xgb.XGBClassifier(**common).fit(X, y_bin), 0)
    save("multiclass", xgb.XGBClassifier(objective="multi:softprob", **common).fit(X, y_multi), 3)
    reg = save("regressor", xgb.XGBRegressor(**common).fit(X, y_reg), 0)
    save("dart", xgb.XGBRegressor(booster="dart", rate_drop=0.3, **common).fit(X, y_reg), 0)
    save("gblinear", xgb.XGBRegressor(booster="gblinear", n_estimators=4).fit(X, y_reg), 0)

    Xn = X.copy()
    Xn[rng.random(Xn.shape) < 0.2] = np.nan
    save("missing", xgb.XGBRegressor(**common).fit(Xn, y_reg), 0)

    df = pd.DataFrame(X[:, :3], columns=["a", "b", "c"])
    df["cat"] = pd.Categorical(rng.choice(["x", "y", "z", "w"], size=len(df)))
    y_cat = y_reg + (df["cat"] == "y") * 3.0
    save(
        "categorical",
        xgb.XGBRegressor(enable_categorical=True, tree_method="hist", max_cat_to_onehot=1,
                         **common).fit(df, y_cat),
        0,
    )

    qid = np.repeat(np.arange(12), 10)
    save("ranker", xgb.XGBRanker(**common).fit(X, y_multi, qid=qid), 0)

    # JSON text form of the same serialized state: XGBoosterUnserializeFromBuffer's
    # Load() peeks '{' then requires isalpha(header[1]), so '{"' is refused there;
    # kept as a fixture so the parser's JSON reader is exercised.
    cfg = json.loads(reg.save_config())
    model = json.loads(reg.save_raw("json").decode())
    (OUT / "regressor.json").write_bytes(json.dumps({"Config": cfg, "Model": model}).encode())
    expected["regressor.json"] = dict(expected["regressor.ubj"])

    (OUT / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
