"""The usual Python serving stack, as bench/bench_serve.py compares skseal serve with it.

A FastAPI app that loads a scikit-learn model with joblib at start-up and answers MLflow's
scoring protocol on ``POST /invocations``: ``{"instances": [[...], ...]}`` (rows of
numbers) or ``{"dataframe_records": [{...}, ...]}`` (a DataFrame, for pipelines that
select columns by name), with ``"params": {"method": "predict_proba"}`` choosing the
method (default ``predict``). The answer is ``{"predictions": [...]}``.

Run by the benchmark as::

    SKSEAL_BENCH_MODEL=model.joblib uvicorn serve_fastapi_app:app --workers 2
"""

from __future__ import annotations

import os
from typing import Any

import joblib
import numpy as np
import pandas as pd
from fastapi import Body, FastAPI, HTTPException

MODEL = joblib.load(os.environ["SKSEAL_BENCH_MODEL"])
METHODS = ("predict", "predict_proba", "decision_function", "transform")

app = FastAPI()


@app.get("/ping")
def ping() -> dict[str, bool]:
    return {"ready": True}


@app.post("/invocations")
def invocations(body: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
    method = (body.get("params") or {}).get("method", "predict")
    if method not in METHODS or not hasattr(MODEL, method):
        raise HTTPException(400, f"unknown method {method!r}")
    if "dataframe_records" in body:
        x: Any = pd.DataFrame(body["dataframe_records"])
    elif "instances" in body:
        x = np.asarray(body["instances"], dtype=np.float64)
    else:
        raise HTTPException(400, "send instances or dataframe_records")
    out = getattr(MODEL, method)(x)
    return {"predictions": out.tolist()}
