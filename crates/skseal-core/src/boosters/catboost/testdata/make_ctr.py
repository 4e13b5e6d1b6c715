"""Regenerates ctr_binary.cbm (run from the repo root): a binary
CatBoostClassifier with CTR features (Borders and Counter over one
categorical feature, Borders over combinations of categorical features and
float splits: max_ctr_complexity=4) on two categorical columns and one
number, as catboost 1.2.10 serializes it (`_serialize_model()`, what
skseal keeps)."""

import catboost as cb
import numpy as np
import pandas as pd

rng = np.random.default_rng(3)
n = 400
df = pd.DataFrame({
    "a": rng.normal(size=n),
    "k": np.array([f"k{i}" for i in range(12)])[rng.integers(0, 12, n)],
    "j": np.array(list("wxyzuv"))[rng.integers(0, 6, n)],
})
h = {f"k{i}": rng.normal() for i in range(12)}
g = {c: rng.normal() for c in "wxyzuv"}
y = (np.array([h[a] * g[b] for a, b in zip(df.k, df.j)]) + 0.3 * df.a > 0).astype(int)
m = cb.CatBoostClassifier(iterations=6, depth=3, verbose=0, random_seed=0, thread_count=1,
                          max_ctr_complexity=4, allow_writing_files=False,
                          cat_features=["k", "j"]).fit(df, y)
d = "crates/skseal-core/src/boosters/catboost/testdata/"
open(d + "ctr_binary.cbm", "wb").write(m._serialize_model())
