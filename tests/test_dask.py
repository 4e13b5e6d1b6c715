"""skseal.dask.predict on a real dask.distributed LocalCluster (two worker
processes, loopback only): bitwise equality with scikit-learn, the result's
meta, one model build per worker process, and task specs that carry a path
or a reference to scattered bytes, never a pickled estimator."""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

from churn import churn_frame, churn_pipeline  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.neighbors import KNeighborsRegressor  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import skseal  # noqa: E402
import skseal.dask  # noqa: E402
import skseal.native  # noqa: E402


def frame(n: int, seed: int) -> tuple[Any, np.ndarray]:
    return churn_frame(n, seed)


@pytest.fixture(scope="module")
def data() -> tuple[Any, np.ndarray]:
    return frame(3000, 0)


@pytest.fixture(scope="module")
def pipeline(data: tuple[Any, np.ndarray]) -> Pipeline:
    return churn_pipeline(*data, max_iter=30)


@pytest.fixture(scope="module")
def forest(data: tuple[Any, np.ndarray]) -> RandomForestClassifier:
    X, y = data
    num = X[["age", "usage"]]
    return RandomForestClassifier(n_estimators=40, random_state=0).fit(num, y == "stay")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None,
                                       worker_dashboard_address=None)
    try:
        with distributed.Client(cluster) as c:
            yield c
    finally:
        cluster.close()


def loads_per_worker(client: Any) -> dict[str, int]:
    return dict(client.run(skseal.dask.worker_loads))


def test_local_scheduler_without_client(pipeline: Pipeline, data: tuple[Any, np.ndarray]) -> None:
    # before the cluster fixture exists: no distributed client, Dask's threads
    X, _ = data
    ddf = dd.from_pandas(X, npartitions=3)
    out = skseal.dask.predict(ddf, skseal.dumps(pipeline)).compute()
    np.testing.assert_array_equal(out.to_numpy(), pipeline.predict(X))


def test_predict_bytes_bitwise_and_meta(client: Any, pipeline: Pipeline,
                                        data: tuple[Any, np.ndarray]) -> None:
    X, _ = data
    ddf = dd.from_pandas(X, npartitions=6)
    blob = skseal.dumps(pipeline)
    before = loads_per_worker(client)

    labels = skseal.dask.predict(ddf, blob)
    assert isinstance(labels, dd.Series) and labels.name == "predict"
    got = labels.compute()
    assert got.dtype == labels.dtype
    np.testing.assert_array_equal(got.to_numpy(), pipeline.predict(X))
    assert got.index.equals(X.index)

    proba = skseal.dask.predict(ddf, blob, method="predict_proba")
    assert list(proba.columns) == ["predict_proba_churn", "predict_proba_stay"]
    p = proba.compute()
    assert list(p.dtypes) == [np.float64, np.float64]
    assert p.to_numpy().tobytes() == pipeline.predict_proba(X).tobytes()

    dec = skseal.dask.predict(ddf, blob, method="decision_function").compute()
    assert dec.to_numpy().tobytes() == pipeline.decision_function(X).tobytes()

    # aligned with the input: assign works
    both = ddf.assign(label=labels).compute()
    np.testing.assert_array_equal(both["label"].to_numpy(), pipeline.predict(X))

    # three predictions, one model: each worker built it once
    after = loads_per_worker(client)
    assert set(after) == set(before) and len(after) == 2
    assert all(after[w] - before[w] == 1 for w in after), (before, after)


def test_predict_path_loads_once_per_worker(client: Any, forest: RandomForestClassifier,
                                            data: tuple[Any, np.ndarray], tmp_path: Path) -> None:
    X, _ = data
    path = tmp_path / "forest.skseal"
    skseal.dump(forest, path, compress="lz4")
    ddf = dd.from_pandas(X, npartitions=8)  # the extra string columns are not read
    before = loads_per_worker(client)
    for _ in range(3):
        out = skseal.dask.predict(ddf, path, method="predict_proba").compute()
        assert out.to_numpy().tobytes() == forest.predict_proba(X[["age", "usage"]]).tobytes()
    labels = skseal.dask.predict(ddf, str(path)).compute()
    assert labels.dtype == bool
    np.testing.assert_array_equal(labels.to_numpy(), forest.predict(X[["age", "usage"]]))
    after = loads_per_worker(client)
    assert all(after[w] - before[w] == 1 for w in after), (before, after)
    # each worker's native pool is capped at the worker's own threads (1 here),
    # so 2 workers on 2 cores do not run 4 threads
    pools = client.run(lambda: os.environ.get("RAYON_NUM_THREADS"))
    assert set(pools.values()) == {os.environ.get("RAYON_NUM_THREADS", "1")}, pools


def test_predict_from_a_model_store(client: Any, forest: RandomForestClassifier,
                                    data: tuple[Any, np.ndarray], tmp_path: Path) -> None:
    """A store reference: pulled once on the client through the store's
    checks, pinned to the version the alias held, built once per worker."""
    import skseal.store

    X, _ = data
    path = tmp_path / "forest.skseal"
    # a probe makes the content (and the fingerprint workers cache by) new here
    skseal.dump(forest, path, probe=X[["age", "usage"]][:3])
    st = skseal.store.open(tmp_path / "store")
    st.push(path, "churn", alias="production")
    ref = st.ref("churn@production")
    assert ref.reference == "churn@1"
    ddf = dd.from_pandas(X, npartitions=4)
    before = loads_per_worker(client)
    out = skseal.dask.predict(ddf, ref, method="predict_proba").compute()
    assert out.to_numpy().tobytes() == forest.predict_proba(X[["age", "usage"]]).tobytes()
    assert ref.fingerprint == "skseal:" + skseal.inspect(path)["fingerprint"]
    after = loads_per_worker(client)
    assert all(after[w] - before[w] == 1 for w in after), (before, after)


def _task_spec_sizes(client: Any, prefix: str) -> list[tuple[int, bool]]:
    """(pickled size, mentions sklearn) of each task spec the scheduler holds
    whose key starts with ``prefix``."""

    def sizes(dask_scheduler: Any, prefix: str) -> list[tuple[int, bool]]:
        out = []
        for key, ts in dask_scheduler.tasks.items():
            name = key[0] if isinstance(key, tuple) else key
            if str(name).startswith(prefix):
                raw = pickle.dumps(ts.run_spec)
                out.append((len(raw), b"sklearn" in raw))
        return out

    return client.run_on_scheduler(sizes, prefix=prefix)


def test_tasks_carry_no_estimator(client: Any, forest: RandomForestClassifier,
                                  data: tuple[Any, np.ndarray], tmp_path: Path) -> None:
    X, _ = data
    num = X[["age", "usage"]]
    ddf = dd.from_pandas(num, npartitions=8)
    blob = skseal.dumps(forest)
    assert len(blob) > 200_000

    # the usual recipe, for scale: the pickled estimator rides in every task
    usual = ddf.map_partitions(forest.predict_proba, meta=(None, "f8")).persist()
    distributed.wait(usual)
    heavy = _task_spec_sizes(client, "predict_proba")
    assert heavy and all(size > len(blob) / 2 and sk for size, sk in heavy), heavy
    del usual

    path = tmp_path / "forest.skseal"
    skseal.dump(forest, path)
    for model in (blob, path, forest):
        res = skseal.dask.predict(ddf, model, method="predict_proba").persist()
        distributed.wait(res)
        specs = _task_spec_sizes(client, "_predict_partition")
        assert len(specs) >= 8, specs
        assert all(size < 8_000 and not sk for size, sk in specs), specs
        assert res.compute().to_numpy().tobytes() == forest.predict_proba(num).tobytes()
        del res
        distributed.wait([])


def test_fallback_to_skseal_load_on_workers(client: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    X = pd.DataFrame(rng.normal(size=(500, 3)), columns=["a", "b", "c"])
    # the chebyshev metric: not computed natively (euclidean and manhattan are)
    knn = KNeighborsRegressor(n_neighbors=4, metric="chebyshev").fit(X, X["a"] * 2 + X["b"])
    with pytest.raises(skseal.UnsupportedModelError):
        skseal.native.loads(skseal.dumps(knn))
    ddf = dd.from_pandas(X, npartitions=4)
    out = skseal.dask.predict(ddf, skseal.dumps(knn)).compute()
    assert out.dtype == np.float64
    assert out.to_numpy().tobytes() == knn.predict(X).tobytes()
    with pytest.raises(skseal.UnsupportedModelError):
        skseal.dask.predict(ddf, skseal.dumps(knn), native=True)


def test_bad_method_and_missing_column(client: Any, forest: RandomForestClassifier,
                                       data: tuple[Any, np.ndarray]) -> None:
    X, _ = data
    ddf = dd.from_pandas(X[["age"]], npartitions=2)
    blob = skseal.dumps(forest)
    with pytest.raises(ValueError, match="no transform"):
        skseal.dask.predict(ddf, blob, method="transform")
    with pytest.raises(KeyError, match="usage"):
        skseal.dask.predict(ddf, blob).compute()


def test_misaligned_columns_predict_natively(forest: RandomForestClassifier) -> None:
    # partitions unpickled from the network can hold float64 columns that
    # view a buffer at an odd offset; native inference takes them (a copy)
    X = np.random.default_rng(1).normal(size=(64, 2)) * [20, 3] + [50, 6]
    buf = np.zeros(X.size * 8 + 1, np.uint8)
    a = np.frombuffer(buf[1:].data, dtype=np.float64).reshape(X.shape)
    a[...] = X
    assert not a.flags.aligned
    df = pd.DataFrame({"age": a[:, 0], "usage": a[:, 1]}, copy=False)
    nm = skseal.native.loads(skseal.dumps(forest))
    ref = forest.predict_proba(pd.DataFrame(X, columns=["age", "usage"]))
    assert nm.predict_proba(df).tobytes() == ref.tobytes()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fitted with feature names, given an array
        assert nm.predict_proba(a).tobytes() == forest.predict_proba(X).tobytes()


def test_outputs_measured_on_the_first_rows(client: Any) -> None:
    from sklearn.ensemble import IsolationForest

    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(600, 3)), columns=["a", "b", "c"])
    ddf = dd.from_pandas(X, npartitions=3)
    iso = IsolationForest(n_estimators=20, random_state=0).fit(X)
    blob = skseal.dumps(iso)
    for method in ("predict", "score_samples", "decision_function"):
        res = skseal.dask.predict(ddf, blob, method=method)
        got = res.compute()
        assert res.dtype == got.dtype == getattr(iso, method)(X).dtype, method
        assert got.to_numpy().tobytes() == getattr(iso, method)(X).tobytes(), method
    scaler = StandardScaler().fit(X)
    t = skseal.dask.predict(ddf, skseal.dumps(scaler), method="transform")
    assert list(t.columns) == ["transform_0", "transform_1", "transform_2"]
    assert t.compute().to_numpy().tobytes() == scaler.transform(X).tobytes()
    named = skseal.dask.predict(ddf, skseal.dumps(scaler), method="transform",
                                output_columns=["za", "zb", "zc"])
    assert list(named.compute().columns) == ["za", "zb", "zc"]


def test_predict_raw_of_a_booster(client: Any) -> None:
    """method="predict_raw": LightGBM's raw_score, one column per class,
    natively and on the Python path, bitwise."""
    lgb = pytest.importorskip("lightgbm")
    rng = np.random.default_rng(6)
    X = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    y = rng.integers(0, 3, len(X))
    m = lgb.LGBMClassifier(n_estimators=10, verbose=-1, n_jobs=1).fit(X, y)
    want = m.predict(X, raw_score=True)
    blob = skseal.dumps(m, trusted=["lightgbm"])
    ddf = dd.from_pandas(X, npartitions=3)
    for native in (True, False):
        res = skseal.dask.predict(ddf, blob, method="predict_raw", trusted=["lightgbm"],
                                  native=native)
        assert list(res.columns) == ["predict_raw_0", "predict_raw_1", "predict_raw_2"]
        got = res.compute()
        assert (got.dtypes == np.float64).all()
        assert got.to_numpy().tobytes() == want.tobytes(), native


def test_docs_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "INTEGRATIONS.md").read_text()
    code = text.split("\n## Dask\n", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "INTEGRATIONS.md", "exec"), {"__name__": "__main__"})
    assert "predict_proba_True" in capsys.readouterr().out
    assert (tmp_path / "forest.skseal").exists()


def test_classifier_with_several_outputs(client: Any) -> None:
    """predict gives a column per output (`predict_0`, ...); predict_proba
    the outputs' probabilities side by side, as np.hstack of scikit-learn's
    list; natively, bitwise."""
    rng = np.random.default_rng(6)
    X = pd.DataFrame(rng.normal(size=(400, 3)), columns=["a", "b", "c"])
    Y = np.column_stack([np.where(X["a"] > 0, "up", "down"),
                         np.where(X["b"] > 0.5, "hi", np.where(X["b"] < -0.5, "lo", "mid"))])
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, Y)
    ddf = dd.from_pandas(X, npartitions=3)
    blob = skseal.dumps(forest)
    labels = skseal.dask.predict(ddf, blob).compute()
    assert list(labels.columns) == ["predict_0", "predict_1"]
    assert labels.to_numpy().tolist() == forest.predict(X).tolist()
    proba = skseal.dask.predict(ddf, blob, method="predict_proba").compute()
    assert proba.shape == (400, 5)
    assert proba.to_numpy().tobytes() == np.hstack(forest.predict_proba(X)).tobytes()
