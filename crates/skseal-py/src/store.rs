//! `skseal._native.Store`: the model store (crates/skseal-store) for
//! `skseal.store`. Records go to Python as JSON text; I/O runs without the GIL.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde_json::json;

use skseal_core::keys::KeyKind;
use skseal_store::{PushOptions, Reference, StoreError};

use crate::errors::{raise, Exc};

fn store_err(py: Python<'_>, e: StoreError) -> PyErr {
    let kind = match &e {
        StoreError::NotFound(_) => Exc::ModelNotFound,
        StoreError::Corrupt { .. } | StoreError::Forged { .. } => Exc::Integrity,
        StoreError::Policy(_) => Exc::StorePolicy,
        StoreError::BadName { .. } | StoreError::BadUri { .. } => Exc::Value,
        _ => Exc::Store,
    };
    raise(py, kind, &e.to_string())
}

fn to_json<T: serde::Serialize>(py: Python<'_>, v: &T) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| raise(py, Exc::Internal, &e.to_string()))
}

#[pyclass(module = "skseal._native")]
pub struct Store {
    inner: skseal_store::Store,
}

#[pymethods]
impl Store {
    #[new]
    #[pyo3(signature = (uri, admin_key=None))]
    fn new(py: Python<'_>, uri: &str, admin_key: Option<Vec<u8>>) -> PyResult<Store> {
        crate::errors::guard(py, || {
            let mut inner = py
                .detach(|| skseal_store::Store::open(uri))
                .map_err(|e| store_err(py, e))?;
            if let Some(k) = admin_key {
                inner.pin_admin(crate::key32(py, &k, KeyKind::Public, "admin_key")?);
            }
            Ok(Store { inner })
        })
    }

    #[getter]
    fn uri(&self) -> String {
        self.inner.uri().to_string()
    }

    #[pyo3(signature = (data, file_name, name, message, alias, key, trusted, max_decompressed))]
    #[allow(clippy::too_many_arguments)]
    fn push(
        &self,
        py: Python<'_>,
        data: Vec<u8>,
        file_name: &str,
        name: &str,
        message: String,
        alias: Option<String>,
        key: Option<Vec<u8>>,
        trusted: Vec<String>,
        max_decompressed: u64,
    ) -> PyResult<String> {
        crate::errors::guard(py, || {
            let key = key
                .map(|k| crate::key32(py, &k, KeyKind::Secret, "key"))
                .transpose()?;
            let opts = PushOptions {
                message,
                alias,
                key,
                trusted,
                max_decompressed,
                progress: None,
            };
            let r = py
                .detach(|| self.inner.push(&data, file_name, name, &opts))
                .map_err(|e| store_err(py, e))?;
            to_json(py, &r)
        })
    }

    /// (record JSON, file bytes) of a reference, checked.
    fn pull<'py>(
        &self,
        py: Python<'py>,
        reference: &str,
    ) -> PyResult<(String, Bound<'py, PyBytes>)> {
        crate::errors::guard(py, || {
            let r = Reference::parse(reference).map_err(|e| store_err(py, e))?;
            let p = py
                .detach(|| self.inner.pull(&r))
                .map_err(|e| store_err(py, e))?;
            Ok((to_json(py, &p.record)?, PyBytes::new(py, &p.bytes)))
        })
    }

    fn names(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        crate::errors::guard(py, || {
            py.detach(|| self.inner.names())
                .map_err(|e| store_err(py, e))
        })
    }

    fn versions(&self, py: Python<'_>, name: &str) -> PyResult<String> {
        crate::errors::guard(py, || {
            let v = py
                .detach(|| self.inner.versions(name))
                .map_err(|e| store_err(py, e))?;
            to_json(py, &v)
        })
    }

    fn aliases(&self, py: Python<'_>, name: &str) -> PyResult<String> {
        crate::errors::guard(py, || {
            let v = py
                .detach(|| self.inner.aliases(name))
                .map_err(|e| store_err(py, e))?;
            to_json(py, &v)
        })
    }

    fn resolve(&self, py: Python<'_>, reference: &str) -> PyResult<u64> {
        crate::errors::guard(py, || {
            let r = Reference::parse(reference).map_err(|e| store_err(py, e))?;
            py.detach(|| self.inner.resolve(&r))
                .map_err(|e| store_err(py, e))
        })
    }

    fn show(&self, py: Python<'_>, reference: &str) -> PyResult<String> {
        crate::errors::guard(py, || {
            let r = Reference::parse(reference).map_err(|e| store_err(py, e))?;
            let v = py
                .detach(|| self.inner.show(&r))
                .map_err(|e| store_err(py, e))?;
            to_json(py, &v)
        })
    }

    fn diff(&self, py: Python<'_>, a: &str, b: &str) -> PyResult<String> {
        crate::errors::guard(py, || {
            let ra = Reference::parse(a).map_err(|e| store_err(py, e))?;
            let rb = Reference::parse(b).map_err(|e| store_err(py, e))?;
            let v = py
                .detach(|| self.inner.diff(&ra, &rb))
                .map_err(|e| store_err(py, e))?;
            to_json(py, &v)
        })
    }

    #[pyo3(signature = (name, alias, version, key=None, message=String::new()))]
    fn move_alias(
        &self,
        py: Python<'_>,
        name: &str,
        alias: &str,
        version: u64,
        key: Option<Vec<u8>>,
        message: String,
    ) -> PyResult<String> {
        crate::errors::guard(py, || {
            let key = key
                .map(|k| crate::key32(py, &k, KeyKind::Secret, "key"))
                .transpose()?;
            let e = py
                .detach(|| {
                    self.inner
                        .move_alias(name, alias, version, key.as_ref(), &message)
                })
                .map_err(|e| store_err(py, e))?;
            to_json(py, &e)
        })
    }

    /// The history of one alias, or of every alias of `name` (as the CLI's
    /// `history NAME` without `--alias`).
    #[pyo3(signature = (name, alias=None))]
    fn history(&self, py: Python<'_>, name: &str, alias: Option<&str>) -> PyResult<String> {
        crate::errors::guard(py, || {
            let h = py
                .detach(|| match alias {
                    Some(a) => self.inner.history(name, a),
                    None => self.inner.histories(name),
                })
                .map_err(|e| store_err(py, e))?;
            to_json(py, &h)
        })
    }

    #[pyo3(signature = (name=None))]
    fn verify(&self, py: Python<'_>, name: Option<&str>) -> PyResult<String> {
        crate::errors::guard(py, || {
            let r = py
                .detach(|| self.inner.verify(name))
                .map_err(|e| store_err(py, e))?;
            to_json(
                py,
                &json!({"ok": r.problems.is_empty(), "versions": r.checked_versions,
                        "moves": r.checked_moves, "problems": r.problems}),
            )
        })
    }

    #[pyo3(signature = (grace_secs=3600, dry_run=false))]
    fn gc(&self, py: Python<'_>, grace_secs: u64, dry_run: bool) -> PyResult<String> {
        crate::errors::guard(py, || {
            let r = py
                .detach(|| self.inner.gc(grace_secs, dry_run))
                .map_err(|e| store_err(py, e))?;
            to_json(
                py,
                &json!({"removed": r.removed, "kept": r.kept, "skipped_recent": r.skipped_recent}),
            )
        })
    }

    fn policy(&self, py: Python<'_>) -> PyResult<String> {
        crate::errors::guard(py, || {
            let p = py
                .detach(|| self.inner.policy())
                .map_err(|e| store_err(py, e))?;
            to_json(py, &p)
        })
    }

    fn set_policy(
        &self,
        py: Python<'_>,
        key: Vec<u8>,
        admins: Vec<Vec<u8>>,
        push: Vec<Vec<u8>>,
        alias: Vec<Vec<u8>>,
    ) -> PyResult<String> {
        crate::errors::guard(py, || {
            let admin = crate::key32(py, &key, KeyKind::Secret, "key")?;
            let hexes = |v: Vec<Vec<u8>>| -> PyResult<Vec<String>> {
                v.iter()
                    .map(|k| {
                        crate::key32(py, k, KeyKind::Public, "public key")
                            .map(|k| skseal_core::graphjson::hex(&k))
                    })
                    .collect()
            };
            let mut admins = hexes(admins)?;
            if admins.is_empty() {
                admins.push(skseal_core::graphjson::hex(&skseal_core::keys::public_of(
                    &admin,
                )));
            }
            let (push, alias) = (hexes(push)?, hexes(alias)?);
            let p = py
                .detach(|| self.inner.set_policy(&admin, admins, push, alias))
                .map_err(|e| store_err(py, e))?;
            to_json(py, &p)
        })
    }
}
