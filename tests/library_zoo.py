"""The practitioners' zoo, third-party part (issue 14): models of LightGBM,
XGBoost, CatBoost, imbalanced-learn, category_encoders and feature_engine,
each loaded with default trust plus one library profile (``trusted=["lightgbm"]``).

Same shape as ``practitioner_zoo.py``: each case builds ``(saved, X,
model_of)``; ``profile`` names the one profile it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from practitioner_zoo import SEED, Case, _arrays, _frame, _ident
from sklearn import compose, ensemble, linear_model, pipeline, preprocessing


def library_cases() -> dict[str, Callable[[], Case]]:
    import catboost
    import category_encoders as ce
    import lightgbm as lgb
    import xgboost as xgb
    from feature_engine import encoding as fe_enc
    from feature_engine import imputation as fe_imp
    from feature_engine import outliers as fe_out
    from feature_engine import selection as fe_sel
    from imblearn import ensemble as imb_ens
    from imblearn import over_sampling, under_sampling
    from imblearn.pipeline import make_pipeline as imb_pipeline

    df, y, yr = _frame()
    X, ya, yra = _arrays()
    num, cat = ["age", "income", "tenure"], ["city", "plan"]
    Xn = X.copy()
    Xn[::7, 1] = np.nan
    dfc = df.assign(city=df["city"].astype("category"), plan=df["plan"].astype("category"))

    def ct(enc: Any) -> compose.ColumnTransformer:
        return compose.ColumnTransformer([("num", preprocessing.StandardScaler(), num),
                                          ("cat", enc, cat)])

    def est(profile: str, m: Any, XX: Any = X, yy: Any = ya, **fit: Any) -> Callable[[], Case]:
        return lambda: Case(m.fit(XX, yy, **fit), XX, _ident, True, profile)

    def lgb_booster() -> Case:
        data = lgb.Dataset(X, yra, params={"verbose": -1})
        b = lgb.train({"objective": "regression", "num_leaves": 8, "verbose": -1,
                       "seed": SEED, "num_threads": 1}, data, num_boost_round=15)
        return Case({"model": b, "features": [f"f{i}" for i in range(6)]}, X,
                    lambda s: s["model"], True, "lightgbm")

    quiet = {"verbose": -1, "random_state": SEED, "n_jobs": 1}
    groups = [20] * (len(X) // 20)
    return {
        "LightGBM classifier (3 classes)": est("lightgbm", lgb.LGBMClassifier(
            n_estimators=20, **quiet)),
        "LightGBM regressor with missing values": est("lightgbm", lgb.LGBMRegressor(
            n_estimators=20, **quiet), Xn, yra),
        "DataFrame: one-hot + LightGBM classifier": est("lightgbm", pipeline.make_pipeline(
            ct(preprocessing.OneHotEncoder(handle_unknown="ignore")),
            lgb.LGBMClassifier(n_estimators=20, **quiet)), df, y),
        "LightGBM on pandas category columns": est("lightgbm", lgb.LGBMClassifier(
            n_estimators=20, min_child_samples=5, **quiet), dfc, y),
        "LightGBM ranker": est("lightgbm", lgb.LGBMRanker(n_estimators=10, **quiet),
                               X[: len(groups) * 20], ya[: len(groups) * 20], group=groups),
        "bundle: lightgbm.train Booster and feature names": lgb_booster,
        "XGBoost classifier (3 classes)": est("xgboost", xgb.XGBClassifier(
            n_estimators=20, max_depth=3, n_jobs=1, random_state=SEED)),
        "XGBoost regressor with missing values": est("xgboost", xgb.XGBRegressor(
            n_estimators=20, max_depth=3, n_jobs=1, random_state=SEED), Xn, yra),
        "DataFrame: one-hot + XGBoost classifier": est("xgboost", pipeline.make_pipeline(
            ct(preprocessing.OneHotEncoder(handle_unknown="ignore")),
            xgb.XGBClassifier(n_estimators=20, max_depth=3, n_jobs=1)), df, y),
        "XGBoost dart booster": est("xgboost", xgb.XGBClassifier(
            booster="dart", n_estimators=10, max_depth=3, n_jobs=1, random_state=SEED)),
        "XGBoost on pandas category columns": est("xgboost", xgb.XGBClassifier(
            n_estimators=10, max_depth=3, enable_categorical=True, tree_method="hist",
            n_jobs=1), dfc, y),
        "XGBoost random forest": est("xgboost", xgb.XGBRFRegressor(
            n_estimators=10, max_depth=4, n_jobs=1, random_state=SEED), X, yra),
        "CatBoost classifier (3 classes)": est("catboost", catboost.CatBoostClassifier(
            iterations=20, depth=3, verbose=0, allow_writing_files=False, thread_count=1,
            random_seed=SEED)),
        "CatBoost regressor with categorical features": est("catboost",
            catboost.CatBoostRegressor(iterations=20, depth=3, verbose=0,
                                       allow_writing_files=False, thread_count=1,
                                       random_seed=SEED, cat_features=cat), df, yr),
        "imbalanced-learn: SMOTE + logistic regression": est("imblearn", imb_pipeline(
            over_sampling.SMOTE(random_state=SEED), preprocessing.StandardScaler(),
            linear_model.LogisticRegression())),
        "imbalanced-learn: balanced random forest": est("imblearn",
            imb_ens.BalancedRandomForestClassifier(n_estimators=10, random_state=SEED,
                                                   sampling_strategy="all", replacement=True,
                                                   bootstrap=False)),
        "imbalanced-learn: under-sampling + HistGradientBoosting": est("imblearn", imb_pipeline(
            under_sampling.RandomUnderSampler(random_state=SEED),
            ensemble.HistGradientBoostingClassifier(max_iter=10, random_state=SEED))),
        "feature_engine: imputer + one-hot + logistic regression": est("feature_engine",
            pipeline.make_pipeline(
                fe_imp.MeanMedianImputer(variables=num),
                fe_enc.OneHotEncoder(variables=cat),
                linear_model.LogisticRegression(max_iter=500)), df, y),
        "feature_engine: drop constant + winsorizer + ridge": est("feature_engine",
            pipeline.make_pipeline(
                fe_sel.DropConstantFeatures(), fe_out.Winsorizer(variables=num),
                fe_enc.OrdinalEncoder(variables=cat, encoding_method="arbitrary"),
                linear_model.Ridge()), df, yr),
        "category_encoders: target encoder + logistic regression": est(
            "category_encoders", pipeline.make_pipeline(
                ce.TargetEncoder(cols=cat), linear_model.LogisticRegression(max_iter=500)),
            df, y),
        "category_encoders: binary encoder + ridge": est(
            "category_encoders", pipeline.make_pipeline(
                ce.BinaryEncoder(cols=cat), linear_model.Ridge()), df, yr),
    }
