//! `skseal.card(...)`: the model card made by skseal-card (the same Rust
//! code as `skseal card`).

use std::path::PathBuf;

use pyo3::prelude::*;
use skseal_card::{CardError, Options};

use crate::errors::{guard, raise, Exc};
use crate::native::native_err;

/// Make the card of the model file at `path`: (html, markdown, summary JSON).
#[pyfunction]
#[pyo3(signature = (path, data=None, target=None, trusted=Vec::new(), max_decompressed=None, data_name=None, delimiter=None, no_header=false))]
#[allow(clippy::too_many_arguments)]
pub fn card(
    py: Python<'_>,
    path: PathBuf,
    data: Option<PathBuf>,
    target: Option<String>,
    trusted: Vec<String>,
    max_decompressed: Option<u64>,
    data_name: Option<String>,
    delimiter: Option<String>,
    no_header: bool,
) -> PyResult<(String, String, String)> {
    guard(py, || {
        let delimiter = delimiter
            .as_deref()
            .map(skseal_native::input::parse_delimiter)
            .transpose()
            .map_err(|e| raise(py, Exc::Value, &e))?;
        let opts = Options {
            data,
            target,
            trusted,
            max_decompressed,
            data_name,
            delimiter,
            no_header,
        };
        let res = py.detach(|| skseal_card::make(&path, &opts));
        match res {
            Ok(c) => Ok((c.html, c.markdown, c.summary.to_string())),
            Err(CardError::Model { source, .. }) => Err(native_err(py, source)),
            Err(CardError::Read { path, source }) => Err(PyErr::from(std::io::Error::new(
                source.kind(),
                format!("{path}: {source}"),
            ))),
            Err(e @ (CardError::Data(_) | CardError::Usage(_))) => {
                Err(raise(py, Exc::Value, &e.to_string()))
            }
        }
    })
}
