"""The MLflow flavor (skseal.mlflow) against real MLflow: the model directory
(MLmodel flavors, requirements, signature, input example, no pickle), pyfunc
predictions (native when supported, skseal.load otherwise; DataFrames with
string and number columns), log_model, and the model registry on a local
sqlite tracking store (register, alias, models:/NAME@ALIAS)."""

from __future__ import annotations

import os
import pickletools
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("mlflow")
pd = pytest.importorskip("pandas")

import mlflow  # noqa: E402
import mlflow.pyfunc  # noqa: E402
import yaml  # noqa: E402
from churn import churn_frame, churn_pipeline  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402

import skseal  # noqa: E402
import skseal.mlflow  # noqa: E402
import skseal.native  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def frame(n: int, seed: int) -> tuple[Any, np.ndarray]:
    return churn_frame(n, seed)


@pytest.fixture(scope="module")
def data() -> tuple[Any, np.ndarray]:
    return frame(400, 0)


@pytest.fixture(scope="module")
def pipeline(data: tuple[Any, np.ndarray]) -> Pipeline:
    return churn_pipeline(*data, max_iter=20)


def assert_no_pickle(root: Path) -> None:
    """No file in ``root`` is a pickle: none ends in .pkl/.pickle/.joblib, none
    starts with the PROTO opcode (every pickle of protocol 2 or later, which
    joblib and cloudpickle write), and none parses as a whole pickle stream."""
    files = [Path(d) / f for d, _, fs in os.walk(root) for f in fs]
    assert files
    for f in files:
        assert f.suffix not in (".pkl", ".pickle", ".joblib", ".cloudpickle"), f
        data = f.read_bytes()
        assert not data.startswith(b"\x80"), f"{f} starts with the pickle PROTO opcode"
        try:
            ops = list(pickletools.genops(data))
        except Exception:  # noqa: BLE001 - not a pickle: what we want
            continue
        assert not (ops and ops[-1][0].name == "STOP" and ops[-1][2] == len(data) - 1), f


def test_import_skseal_needs_no_integration_package() -> None:
    code = ("import sys, skseal, skseal.native; "
            "bad = [m for m in ('mlflow', 'dask', 'distributed', 'pyspark') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_save_model_directory(pipeline: Pipeline, data: tuple[Any, np.ndarray],
                              tmp_path: Path) -> None:
    X, _ = data
    path = tmp_path / "model"
    skseal.mlflow.save_model(pipeline, path, probe=X[:5], metadata={"team": "risk"})
    names = {p.name for p in path.iterdir()}
    assert {"MLmodel", "model.skseal", "requirements.txt", "conda.yaml", "python_env.yaml",
            "input_example.json"} <= names
    assert_no_pickle(path)
    assert (path / "model.skseal").read_bytes()[:8] == skseal._api.MAGIC

    mlmodel = yaml.safe_load((path / "MLmodel").read_text())
    pf = mlmodel["flavors"]["python_function"]
    assert pf["loader_module"] == "skseal.mlflow" and pf["data"] == "model.skseal"
    fl = mlmodel["flavors"]["skseal"]
    info = skseal.inspect(path / "model.skseal")
    assert fl["fingerprint"] == info["fingerprint"]
    assert fl["native"] is True and fl["estimator_class"].endswith("Pipeline")
    assert {"predict", "predict_proba", "decision_function"} <= set(fl["methods"])
    assert mlmodel["metadata"] == {"team": "risk"}
    assert info["metadata"]["user"] == {"team": "risk"}
    reqs = (path / "requirements.txt").read_text().split()
    assert any(r.startswith("skseal==") for r in reqs)
    assert any(r.startswith("scikit-learn==") for r in reqs)

    # signature derived from the probe: named, typed columns; labels out; a method param
    sig = mlflow.models.get_model_info(str(path)).signature
    cols = {c.name: c.type.name for c in sig.inputs.inputs}
    assert cols == {"age": "double", "plan": "string", "usage": "double", "region": "string"}
    assert [p.name for p in sig.params.params] == ["method"]
    assert "string" in str(sig.outputs)
    # the file's own probe checks out natively
    skseal.native.load(path / "model.skseal", verify=True)


def test_pyfunc_predicts_natively_and_bitwise(pipeline: Pipeline, tmp_path: Path) -> None:
    path = tmp_path / "model"
    X, _ = frame(300, 1)
    skseal.mlflow.save_model(pipeline, path, probe=X[:5])
    f = mlflow.pyfunc.load_model(str(path))
    assert isinstance(f.get_raw_model(), skseal.native.NativeModel)
    got = f.predict(X)
    np.testing.assert_array_equal(np.asarray(got), pipeline.predict(X))
    proba = f.predict(X, params={"method": "predict_proba"})
    assert np.asarray(proba).tobytes() == pipeline.predict_proba(X).tobytes()
    # columns in another order, and an extra column: selected by feature name
    shuffled = X[["region", "usage", "plan", "age"]].assign(extra=1.0)
    np.testing.assert_array_equal(np.asarray(f.predict(shuffled)), pipeline.predict(X))
    # the scikit-learn object, and the native model, through load_model
    m = skseal.mlflow.load_model(str(path))
    assert type(m) is Pipeline
    assert m.predict_proba(X).tobytes() == pipeline.predict_proba(X).tobytes()
    nat = skseal.mlflow.load_model(str(path), native=True, verify=True)
    assert nat.predict_proba(X).tobytes() == pipeline.predict_proba(X).tobytes()


def test_pyfunc_falls_back_to_skseal_load(data: tuple[Any, np.ndarray], tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    # the chebyshev metric: not computed natively (euclidean and manhattan are)
    knn = KNeighborsClassifier(n_neighbors=5, metric="chebyshev").fit(X, y)
    with pytest.raises(skseal.UnsupportedModelError):
        skseal.native.loads(skseal.dumps(knn))
    path = tmp_path / "knn"
    skseal.mlflow.save_model(knn, path, probe=X[:4])
    assert yaml.safe_load((path / "MLmodel").read_text())["flavors"]["skseal"]["native"] is False
    f = mlflow.pyfunc.load_model(str(path))
    assert isinstance(f.get_raw_model(), KNeighborsClassifier)
    np.testing.assert_array_equal(f.predict(X), knn.predict(X))
    assert_no_pickle(path)


def test_predict_raw_of_a_booster(tmp_path: Path) -> None:
    """method="predict_raw" (LightGBM's raw_score): saved as the default
    method with its signature; computed bitwise by the pyfunc model and the
    native model. The pyfunc loader keeps the default trust, so a LightGBM
    model saved to disk is refused there (load_model takes trusted=)."""
    lgb = pytest.importorskip("lightgbm")
    from skseal import _batch

    rng = np.random.default_rng(6)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    y = rng.integers(0, 3, len(X))
    m = lgb.LGBMClassifier(n_estimators=10, verbose=-1, n_jobs=1).fit(X, y)
    want = m.predict(X, raw_score=True)
    path = tmp_path / "lgbm"
    skseal.mlflow.save_model(m, path, method="predict_raw", trusted=["lightgbm"],
                             input_example=X[:5])
    mlmodel = yaml.safe_load((path / "MLmodel").read_text())
    assert mlmodel["flavors"]["skseal"]["method"] == "predict_raw"
    assert "predict_raw" in mlmodel["flavors"]["skseal"]["methods"]
    assert '"shape": [-1, 3]' in mlmodel["signature"]["outputs"]
    data = (path / "model.skseal").read_bytes()
    f = skseal.mlflow._SksealPyfunc(_batch.build(data, _batch.load_options(["lightgbm"])))
    assert f.predict(X, params={"method": "predict_raw"}).tobytes() == want.tobytes()
    nat = skseal.mlflow.load_model(str(path), trusted=["lightgbm"], native=True)
    assert nat.predict_raw(X).tobytes() == want.tobytes()
    with pytest.raises(skseal.UntrustedTypeError):
        mlflow.pyfunc.load_model(str(path))


def test_trust_is_not_read_from_model_config(pipeline: Pipeline, tmp_path: Path) -> None:
    path = tmp_path / "model"
    skseal.mlflow.save_model(pipeline, path, signature=False)
    mlmodel = yaml.safe_load((path / "MLmodel").read_text())
    assert "signature" not in mlmodel and "saved_input_example_info" not in mlmodel
    # what a caller may choose at load: the default method
    f = mlflow.pyfunc.load_model(str(path), model_config={"method": "predict_proba"})
    X, _ = frame(20, 5)
    assert np.asarray(f.predict(X)).tobytes() == pipeline.predict_proba(X).tobytes()
    # an artifact that writes trust into its own MLmodel file is refused
    mlmodel["flavors"]["python_function"]["config"]["trusted"] = ["os.system"]
    (path / "MLmodel").write_text(yaml.safe_dump(mlmodel))
    with pytest.raises(ValueError, match="trusted"):
        mlflow.pyfunc.load_model(str(path))


def test_save_an_existing_skseal_file(pipeline: Pipeline, data: tuple[Any, np.ndarray],
                                      tmp_path: Path) -> None:
    X, _ = data
    src = tmp_path / "m.skseal"
    skseal.dump(pipeline, src, compress=True, probe=X[:3])

    class Ref:
        """What a model store reference offers: its bytes and fingerprint."""

        fingerprint = skseal.inspect(src)["fingerprint"]

        def read_bytes(self) -> bytes:
            return src.read_bytes()

    for i, model in enumerate((src, src.read_bytes(), Ref())):
        path = tmp_path / f"copy{i}"
        skseal.mlflow.save_model(model, path, input_example=X[:3])
        assert (path / "model.skseal").read_bytes() == src.read_bytes()
        f = mlflow.pyfunc.load_model(str(path))
        np.testing.assert_array_equal(np.asarray(f.predict(X)), pipeline.predict(X))
    pkl = tmp_path / "m.pkl"
    pkl.write_bytes(b"\x80\x05N.")
    with pytest.raises(ValueError, match="convert"):
        skseal.mlflow.save_model(pkl, tmp_path / "nope")


def test_signed_model(pipeline: Pipeline, data: tuple[Any, np.ndarray], tmp_path: Path) -> None:
    cli = ROOT / "target" / "debug" / "skseal"
    if not cli.exists():
        pytest.skip("the skseal CLI is not built (scripts/setup.sh builds it)")
    for name in ("team", "other"):
        subprocess.run([str(cli), "keygen", str(tmp_path / name)], check=True,
                       capture_output=True)
    path = tmp_path / "model"
    skseal.mlflow.save_model(pipeline, path, signing_key=tmp_path / "team", signature=False)
    assert yaml.safe_load((path / "MLmodel").read_text())["flavors"]["skseal"]["signed"] is True
    skseal.mlflow.load_model(str(path), public_key=tmp_path / "team.pub")
    with pytest.raises(skseal.IntegrityError):
        skseal.mlflow.load_model(str(path), public_key=tmp_path / "other.pub")


def test_log_register_alias_and_load_with_sqlite(pipeline: Pipeline, data: tuple[Any, np.ndarray],
                                                 tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    X, _ = data
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    try:
        mlflow.set_registry_uri(uri)
        exp = mlflow.create_experiment("skseal", artifact_location=(tmp_path / "art").as_uri())
        with mlflow.start_run(experiment_id=exp):
            info = skseal.mlflow.log_model(pipeline, name="model", probe=X[:5],
                                           registered_model_name="churn",
                                           metadata={"auc": 0.9})
        assert info.registered_model_version == 1
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        client.set_registered_model_alias("churn", "champion", "1")
        assert str(client.get_model_version_by_alias("churn", "champion").version) == "1"

        f = mlflow.pyfunc.load_model("models:/churn@champion")
        assert isinstance(f.get_raw_model(), skseal.native.NativeModel)
        np.testing.assert_array_equal(np.asarray(f.predict(X)), pipeline.predict(X))
        m = skseal.mlflow.load_model("models:/churn@champion")
        assert m.predict_proba(X).tobytes() == pipeline.predict_proba(X).tobytes()
        m1 = skseal.mlflow.load_model("models:/churn/1", native=True)
        assert m1.predict_proba(X).tobytes() == pipeline.predict_proba(X).tobytes()
        # what the registry holds is the same directory: no pickle in it
        local = mlflow.artifacts.download_artifacts("models:/churn@champion",
                                                    dst_path=str(tmp_path / "dl"))
        assert_no_pickle(Path(local))
        assert skseal.inspect(Path(local) / "model.skseal")["metadata"]["user"] == {"auc": 0.9}
    finally:
        mlflow.set_tracking_uri(None)
        mlflow.set_registry_uri(None)


def doc_example(title: str) -> str:
    """The first python block after the ``## {title}`` heading of docs/INTEGRATIONS.md."""
    text = (ROOT / "docs" / "INTEGRATIONS.md").read_text()
    section = text.split(f"\n## {title}\n", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_docs_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    try:
        exec(compile(doc_example("MLflow"), "INTEGRATIONS.md", "exec"), {"__name__": "__main__"})
    finally:
        mlflow.set_tracking_uri(None)
    out = capsys.readouterr().out
    assert "stay" in out or "churn" in out
    assert (tmp_path / "mlflow.db").exists()
