"""An MLflow flavor that stores models as ``.skseal`` files: no pickle anywhere.

::

    import mlflow, skseal.mlflow

    with mlflow.start_run():
        info = skseal.mlflow.log_model(model, name="model", probe=X_test[:5],
                                       registered_model_name="churn")
    m = skseal.mlflow.load_model(info.model_uri)               # the scikit-learn object
    f = mlflow.pyfunc.load_model("models:/churn@champion")      # pyfunc: native inference
    f.predict(df, params={"method": "predict_proba"})           # default: predict

The model directory holds ``model.skseal``, an ``MLmodel`` file with a
``skseal`` flavor and a ``python_function`` flavor (loader ``skseal.mlflow``),
``requirements.txt``, ``conda.yaml``, ``python_env.yaml`` and, when there is
one, the input example as JSON. The signature and the input example are
derived from the probe (or the input example) when not given.

The pyfunc ``predict`` computes natively (:mod:`skseal.native`, no
scikit-learn needed) when every step of the model has a native
implementation, and with the scikit-learn object built by :func:`skseal.load`
otherwise. Loading trusts what skseal trusts by default; trust for your own
classes is given by the caller (``load_model(uri, trusted=[...])``), never
read from the model directory: an ``MLmodel`` file is part of what a hostile
artifact controls.

mlflow is imported only when this module is (``import skseal`` never needs it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from typing import Any

import numpy as np
import yaml
from mlflow import pyfunc
from mlflow.models import Model, ModelSignature, infer_signature
from mlflow.models.model import MLMODEL_FILE_NAME
from mlflow.models.utils import _save_example
from mlflow.tracking._model_registry import DEFAULT_AWAIT_MAX_SLEEP_SECONDS
from mlflow.tracking.artifact_utils import _download_artifact_from_uri
from mlflow.utils.environment import (
    _CONDA_ENV_FILE_NAME,
    _CONSTRAINTS_FILE_NAME,
    _PYTHON_ENV_FILE_NAME,
    _REQUIREMENTS_FILE_NAME,
    _process_conda_env,
    _process_pip_requirements,
    _PythonEnv,
)
from mlflow.utils.file_utils import write_to
from mlflow.utils.model_utils import (
    _get_flavor_configuration,
    _validate_and_prepare_target_save_path,
)
from mlflow.utils.requirements_utils import _get_pinned_requirement

from . import _batch
from ._api import MAGIC, Compress, KeyLike
from ._api import dump as _dump
from ._api import inspect as _inspect
from ._api import load as _load
from ._meta import SKSEAL_VERSION

__all__ = [
    "FLAVOR_NAME",
    "MODEL_FILE",
    "get_default_pip_requirements",
    "load_model",
    "log_model",
    "save_model",
]

#: the flavor's name in the ``MLmodel`` file
FLAVOR_NAME = "skseal"
#: the model file inside the model directory
MODEL_FILE = "model.skseal"

_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function",
            "transform", "score_samples", "predict_raw")


def get_default_pip_requirements() -> list[str]:
    """The requirements written when none are given: skseal, and scikit-learn,
    numpy and pandas at the installed versions (scikit-learn is what
    :func:`load_model` builds; pyfunc predictions of natively supported models
    do not use it)."""
    reqs = [f"skseal=={SKSEAL_VERSION}"]
    for name, module in (("scikit-learn", "sklearn"), ("numpy", None), ("pandas", None)):
        try:
            reqs.append(_get_pinned_requirement(name, module=module))
        except Exception:  # noqa: BLE001 - not installed: leave it unpinned
            reqs.append(name)
    return reqs


def _is_model_file(model: Any) -> bool:
    return isinstance(model, str | os.PathLike | bytes | bytearray | memoryview) or callable(
        getattr(model, "read_bytes", None)
    )


def _write_model_file(model: Any, dest: str, *, compress: Compress,
                      metadata: dict[str, Any] | None, probe: Any,
                      trusted: Iterable[str | type], signing_key: KeyLike | None) -> None:
    if not _is_model_file(model):
        _dump(model, dest, compress=compress, metadata=metadata, probe=probe,
              trusted=trusted, signing_key=signing_key)
        return
    # an existing model file (a path, its bytes, or a reference with read_bytes()):
    # stored as it is, so its fingerprint and signature are kept
    if compress is not None or signing_key is not None or probe is not None:
        raise ValueError(
            "compress, signing_key and probe apply when saving an estimator; this model is "
            "already a .skseal file and is stored unchanged"
        )
    if isinstance(model, str | os.PathLike):
        with open(model, "rb") as f:
            head = f.read(len(MAGIC))
        if head != MAGIC:
            raise ValueError(
                f"{os.fspath(model)!r} is not a .skseal file; convert it first with "
                "skseal.convert(src, dst) (pickles are not stored in MLflow artifacts here)"
            )
        shutil.copyfile(model, dest)
        return
    _ref, data = _batch.resolve(model)
    assert data is not None
    if data[: len(MAGIC)] != MAGIC:
        raise ValueError("these bytes are not a .skseal file; convert the pickle with "
                         "skseal.convert(src, dst) first")
    with open(dest, "wb") as f:
        f.write(data)


def _example_from_probe(probe: Any, feature_names: list[str] | None) -> Any:
    """The probe rows as an input example: a DataFrame with the model's
    feature names when the probe is a bare array of the same width."""
    if probe is None:
        return None
    if isinstance(probe, np.ndarray) and probe.ndim == 2 and feature_names is not None \
            and probe.shape[1] == len(feature_names):
        import pandas as pd

        return pd.DataFrame(probe, columns=feature_names)
    return probe


def save_model(
    model: Any,
    path: str | os.PathLike[str],
    *,
    signature: ModelSignature | bool | None = None,
    input_example: Any = None,
    metadata: dict[str, Any] | None = None,
    probe: Any = None,
    compress: Compress = None,
    trusted: Iterable[str | type] = (),
    signing_key: KeyLike | None = None,
    pip_requirements: Iterable[str] | str | None = None,
    extra_pip_requirements: Iterable[str] | str | None = None,
    conda_env: Any = None,
    mlflow_model: Model | None = None,
    skseal_metadata: dict[str, Any] | None = None,
    method: str = "predict",
) -> None:
    """Save ``model`` as an MLflow model directory at ``path``.

    Args:
        model: a fitted estimator or pipeline (saved with :func:`skseal.dump`),
            or an existing ``.skseal`` file: a path, its bytes, or an object
            with ``read_bytes()`` (stored unchanged, signature included).
        path: the directory to create (must not exist, or be empty).
        signature: an MLflow ``ModelSignature``; None derives it from the input
            example (or the probe): input columns and dtypes, the output of
            ``method``, and a ``method`` parameter; False writes none.
        input_example: rows to store as the input example; None uses the
            probe (as a DataFrame with the model's feature names).
        metadata: JSON-serializable dict, stored in the ``MLmodel`` file and in
            the ``.skseal`` file's user metadata.
        probe: a few input rows whose outputs are recorded in the file
            (:func:`skseal.dump`); None uses ``input_example`` when it is a
            DataFrame or an array.
        compress, trusted, signing_key: as :func:`skseal.dump`.
        pip_requirements, extra_pip_requirements, conda_env: MLflow's usual
            requirement overrides (default: :func:`get_default_pip_requirements`).
        mlflow_model: the ``Model`` to add the flavors to (``log_model`` passes one).
        skseal_metadata: the ``.skseal`` file's user metadata when it should
            differ from ``metadata`` (``log_model`` uses it).
        method: the pyfunc's default output method (``params={"method": ...}``
            chooses another per call).
    """
    path = os.path.abspath(os.fspath(path))
    if method not in _METHODS:
        raise ValueError(f"method must be one of {', '.join(_METHODS)}, not {method!r}")
    _validate_and_prepare_target_save_path(path)
    if mlflow_model is None:
        mlflow_model = Model()
    file_metadata = skseal_metadata if skseal_metadata is not None else metadata
    is_file = _is_model_file(model)
    if probe is None and not is_file and hasattr(input_example, "shape"):
        probe = input_example  # a DataFrame or an array (not a (data, params) tuple)
    model_file = os.path.join(path, MODEL_FILE)
    _write_model_file(model, model_file, compress=compress,
                      metadata=None if is_file else file_metadata,
                      probe=probe, trusted=trusted, signing_key=signing_key)

    info = _inspect(model_file)
    est = info.get("metadata", {}).get("estimator", {}) or {}
    env = info.get("metadata", {}).get("environment", {}) or {}
    with open(model_file, "rb") as f:
        loaded = _batch.build(f.read(), _batch.load_options(trusted))
    if method not in loaded.methods:
        raise ValueError(f"this model has no {method}(); it has: {', '.join(loaded.methods)}")

    if input_example is None:
        input_example = _example_from_probe(probe, loaded.feature_names)
    saved_example = _save_example(mlflow_model, input_example, path)
    if signature is None and saved_example is not None:
        example_input = saved_example.inference_data
        out = _SksealPyfunc(loaded, method).predict(example_input)
        if out.ndim == 1 and hasattr(example_input, "columns"):
            import pandas as pd

            out = pd.Series(out, name=method)  # one column of row outputs, not a tensor
        signature = infer_signature(example_input, out, params={"method": method})
    elif signature is False:
        signature = None
    if signature is not None:
        mlflow_model.signature = signature  # type: ignore[assignment]
    if metadata is not None:
        mlflow_model.metadata = metadata

    pyfunc.add_to_model(
        mlflow_model,
        loader_module="skseal.mlflow",
        data=MODEL_FILE,
        conda_env=_CONDA_ENV_FILE_NAME,
        python_env=_PYTHON_ENV_FILE_NAME,
        # what a caller may override at load: mlflow.pyfunc.load_model(uri,
        # model_config={"method": "predict_proba"}) (never trust: see _load_pyfunc)
        model_config={"method": method, "native": None},
    )
    mlflow_model.add_flavor(
        FLAVOR_NAME,
        model_file=MODEL_FILE,
        skseal_version=SKSEAL_VERSION,
        format_version=info.get("format_version"),
        fingerprint=info.get("fingerprint"),
        estimator_class=est.get("class"),
        sklearn_version=env.get("sklearn") or env.get("scikit-learn"),
        native=loaded.native,
        methods=list(loaded.methods),
        method=method,
        signed=bool(info.get("signed")),
    )
    mlflow_model.model_size_bytes = sum(
        os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs
    )
    mlflow_model.save(os.path.join(path, MLMODEL_FILE_NAME))

    if conda_env is None:
        default = get_default_pip_requirements() if pip_requirements is None else None
        conda, reqs, constraints = _process_pip_requirements(
            default, pip_requirements, extra_pip_requirements
        )
    else:
        conda, reqs, constraints = _process_conda_env(conda_env)
    with open(os.path.join(path, _CONDA_ENV_FILE_NAME), "w") as f:
        yaml.safe_dump(conda, stream=f, default_flow_style=False)
    if constraints:
        write_to(os.path.join(path, _CONSTRAINTS_FILE_NAME), "\n".join(constraints))
    write_to(os.path.join(path, _REQUIREMENTS_FILE_NAME), "\n".join(reqs))
    _PythonEnv.current().to_yaml(os.path.join(path, _PYTHON_ENV_FILE_NAME))


def log_model(
    model: Any,
    name: str | None = None,
    *,
    registered_model_name: str | None = None,
    await_registration_for: int = DEFAULT_AWAIT_MAX_SLEEP_SECONDS,
    signature: ModelSignature | bool | None = None,
    input_example: Any = None,
    metadata: dict[str, Any] | None = None,
    probe: Any = None,
    compress: Compress = None,
    trusted: Iterable[str | type] = (),
    signing_key: KeyLike | None = None,
    pip_requirements: Iterable[str] | str | None = None,
    extra_pip_requirements: Iterable[str] | str | None = None,
    conda_env: Any = None,
    method: str = "predict",
    **kwargs: Any,
) -> Any:
    """Log ``model`` to the active run (one is started when none is) as an
    MLflow model named ``name``; see :func:`save_model` for the arguments.

    ``registered_model_name`` also registers it (a new version of that
    registered model). Other keyword arguments (``params``, ``tags``,
    ``model_type``, ``step``, ``run_id``...) go to ``mlflow.models.Model.log``.

    Returns:
        MLflow's ``ModelInfo`` (``model_uri``, ``registered_model_version``...).
    """
    import sys

    return Model.log(
        artifact_path=None,
        name=name,
        flavor=sys.modules[__name__],
        registered_model_name=registered_model_name,
        await_registration_for=await_registration_for,
        metadata=metadata,
        model=model,
        signature=signature,
        input_example=input_example,
        skseal_metadata=metadata,
        probe=probe,
        compress=compress,
        trusted=trusted,
        signing_key=signing_key,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        conda_env=conda_env,
        method=method,
        **kwargs,
    )


def _model_file(model_uri: str, dst_path: str | None) -> str:
    local = _download_artifact_from_uri(artifact_uri=model_uri, output_path=dst_path)
    conf = _get_flavor_configuration(model_path=local, flavor_name=FLAVOR_NAME)
    name = str(conf.get("model_file", MODEL_FILE))
    if os.path.basename(name) != name or name in ("", ".", ".."):
        raise ValueError(f"the MLmodel file names {name!r} as the model file: not a plain name")
    return os.path.join(local, name)


def load_model(
    model_uri: str,
    dst_path: str | None = None,
    *,
    trusted: Iterable[str | type] = (),
    public_key: KeyLike | None = None,
    verify: bool | None = None,
    native: bool = False,
) -> Any:
    """Load a model saved by this flavor from any MLflow URI (``runs:/``,
    ``models:/NAME/VERSION``, ``models:/NAME@ALIAS``, a local path...).

    Args:
        model_uri: where the model is.
        dst_path: where to download it (default: a temporary directory).
        trusted: names of your own classes to trust (never read from the
            model directory).
        public_key: the file must be signed by this Ed25519 key.
        verify: as :func:`skseal.load` (True re-checks the stored probe).
        native: True returns a :class:`skseal.native.NativeModel` (no
            scikit-learn) instead of the scikit-learn object.
    """
    file = _model_file(model_uri, dst_path)
    if native:
        from . import native as _nat

        return _nat.load(file, trusted=trusted, public_key=public_key, verify=bool(verify))
    return _load(file, trusted=trusted, public_key=public_key, verify=verify)


class _SksealPyfunc:
    """The pyfunc model: ``predict(model_input, params=None)``."""

    def __init__(self, loaded: _batch.Loaded, method: str = "predict") -> None:
        self.loaded = loaded
        self.method = method

    def get_raw_model(self) -> Any:
        """The native model or the scikit-learn object predictions run on."""
        return self.loaded.model

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        """Outputs of ``params["method"]`` (default: the saved ``method``) on a
        DataFrame (string and number columns), an array, or a list of rows."""
        import pandas as pd

        method = str((params or {}).get("method") or self.method)
        if method not in _METHODS or method not in self.loaded.methods:
            raise ValueError(
                f"method {method!r}: this model has {', '.join(self.loaded.methods)}"
            )
        X = model_input
        if isinstance(X, dict):
            X = pd.DataFrame(X)
        elif isinstance(X, list):
            X = pd.DataFrame(X) if X and isinstance(X[0], dict) else np.asarray(X)
        if isinstance(X, pd.DataFrame):
            X = _batch.select_columns(self.loaded, X, None)
        return _batch.run(self.loaded, method, X)


def _load_pyfunc(path: str, model_config: dict[str, Any] | None = None) -> _SksealPyfunc:
    """MLflow's pyfunc loader: ``path`` is the model file.

    ``model_config`` may set ``method`` (the default output method) and
    ``native`` (None/True/False, see :mod:`skseal._batch`). Trust cannot be
    given here: MLflow merges this with the config stored in the model
    directory, so it may come from the artifact; use :func:`load_model`.
    """
    config = dict(model_config or {})
    if "trusted" in config or "public_key" in config:
        raise ValueError(
            "trusted / public_key are not read from a pyfunc model_config (MLflow merges it "
            "with the one stored in the artifact); load with skseal.mlflow.load_model("
            "uri, trusted=[...], public_key=...) instead"
        )
    if os.path.isdir(path):
        path = os.path.join(path, MODEL_FILE)
    with open(path, "rb") as f:
        data = f.read()
    opts = _batch.load_options(native=config.get("native"))
    method = str(config.get("method") or "predict")
    loaded = _batch.build(data, opts)
    if method not in loaded.methods:
        raise ValueError(f"model_config method {method!r}: this model has "
                         f"{', '.join(loaded.methods)}")
    return _SksealPyfunc(loaded, method)

