"""Regenerates the gbm row-independence fixtures (run from the repo root):
LightGBM model text, XGBoost's pickled booster handle (UBJSON, Config +
Model; gbtree, and gblinear for xgb_linear_iris.ubj), CatBoost's .cbm
blob, all 3-class on iris with 10% NaN."""

import catboost as cb
import lightgbm as lgb
import numpy as np
import xgboost as xgb
from sklearn.datasets import load_iris

X, y = load_iris(return_X_y=True)
rng = np.random.default_rng(0)
X = X.copy()
X[rng.random(X.shape) < 0.1] = np.nan
d = "crates/skseal-native/src/gbm/testdata/"
m = lgb.LGBMClassifier(n_estimators=8, num_leaves=7, verbose=-1, random_state=0).fit(X, y)
open(d + "lgbm_iris.txt", "w").write(m.booster_.model_to_string())
m = xgb.XGBClassifier(n_estimators=8, max_depth=3, random_state=0).fit(X, y)
open(d + "xgb_iris.ubj", "wb").write(bytes(m.get_booster().__getstate__()["handle"]))
m = xgb.XGBClassifier(booster="gblinear", n_estimators=8, random_state=0).fit(X, y)
open(d + "xgb_linear_iris.ubj", "wb").write(bytes(m.get_booster().__getstate__()["handle"]))
m = cb.CatBoostClassifier(
    iterations=8, depth=3, verbose=0, random_seed=0, allow_writing_files=False
).fit(X, y)
m.save_model(d + "catboost_iris.cbm")
