//! `skseal._native.NativeModel`: a model computed by skseal-native, with the
//! GIL released while it runs.

use numpy::{IntoPyArray, PyArray2, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::buffer::PyBuffer;
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};

use skseal_native::csr::Csr;
use skseal_native::{
    Blas, Codes, Column, Core, Data, Labels, LoadOptions, Mat, Method, Model, NativeError, Output,
    Table, MISSING_CODE,
};

use crate::errors::{raise, to_pyerr, Exc};
use crate::Bytes;

pub(crate) fn native_err(py: Python<'_>, e: NativeError) -> PyErr {
    match e {
        NativeError::Core(c) => to_pyerr(py, c),
        NativeError::Unsupported { .. } => raise(py, Exc::UnsupportedModel, &e.to_string()),
        NativeError::Malformed { .. } => raise(py, Exc::Validation, &e.to_string()),
        NativeError::NoMethod { .. } => raise(py, Exc::Attribute, &e.to_string()),
        NativeError::Input(_) => raise(py, Exc::Value, &e.to_string()),
    }
}

/// A fitted model computed in Rust.
#[pyclass(frozen, module = "skseal._native")]
pub struct NativeModel {
    model: Model,
}

/// What this process's numpy computes exp/log/power with (its `X86_V4`
/// dispatch); the first call decides. Returns the value in effect.
#[pyfunction]
pub fn set_numpy_svml(uses: bool) -> bool {
    skseal_native::npmath::set_numpy_svml(uses)
}

/// scikit-learn's OpenMP thread count in this process, which brute-force
/// neighbour searches split their work by when they run (0: unknown).
#[pyfunction]
pub fn set_openmp_threads(n: usize) {
    skseal_native::neighbors::set_openmp_threads(n)
}

/// Has a brute-force neighbour search been built in this process (then its
/// OpenMP thread count is worth asking scikit-learn for)?
#[pyfunction]
pub fn openmp_threads_wanted() -> bool {
    skseal_native::neighbors::openmp_threads_wanted()
}

/// The instruction paths native inference takes in this process, by name
/// (fma, avx512, libm_exp8): for diagnostics and the tests' AVX2 replay.
#[pyfunction]
pub fn native_cpu_paths() -> Vec<(&'static str, bool)> {
    skseal_native::cpu_paths().to_vec()
}

/// The options both native loaders take from Python.
fn load_options(
    py: Python<'_>,
    trusted: Vec<String>,
    public_key: Option<Vec<u8>>,
    max_decompressed: u64,
    blas: Option<(String, usize)>,
) -> PyResult<LoadOptions> {
    let public_key = match public_key {
        Some(k) => Some(crate::key32(
            py,
            &k,
            skseal_core::keys::KeyKind::Public,
            "public_key",
        )?),
        None => None,
    };
    Ok(LoadOptions {
        trusted,
        public_key,
        max_decompressed,
        blas: blas.map(|(core, threads)| Blas::new(Core::from_name(&core), threads)),
        mmap: false,
    })
}

/// Load a native model from file bytes (.skseal, pickle or joblib).
/// `blas`: `(core name, threads)` of numpy's OpenBLAS as it reports them;
/// None detects them as OpenBLAS would.
/// The loaded model, made to take CSR input when `sparse`.
fn native_model(py: Python<'_>, mut model: Model, sparse: bool) -> PyResult<NativeModel> {
    if sparse {
        model.take_sparse().map_err(|e| native_err(py, e))?;
    }
    Ok(NativeModel { model })
}

#[pyfunction]
#[pyo3(signature = (data, trusted=Vec::new(), public_key=None, max_decompressed=skseal_core::legacy::DEFAULT_MAX_DECOMPRESSED, blas=None, sparse=false))]
pub fn native_load(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    trusted: Vec<String>,
    public_key: Option<Vec<u8>>,
    max_decompressed: u64,
    blas: Option<(String, usize)>,
    sparse: bool,
) -> PyResult<NativeModel> {
    crate::errors::guard(py, move || {
        let bytes = Bytes::get(data)?;
        let opts = load_options(py, trusted, public_key, max_decompressed, blas)?;
        let slice = bytes.as_slice();
        let model = py
            .detach(|| skseal_native::load_bytes(slice, &opts))
            .map_err(|e| native_err(py, e))?;
        native_model(py, model, sparse)
    })
}

/// Build a native model from a file path: a `.skseal` file is read array by
/// array (`skseal_native::load_path`), never whole; the checks are those of
/// `native_load`. `mmap`: trees stored in their native layout are used in
/// place in a mapping of the file (`LoadOptions::mmap`).
#[pyfunction]
#[pyo3(signature = (path, trusted, public_key, max_decompressed, blas=None, mmap=false, sparse=false))]
#[allow(clippy::too_many_arguments)]
pub fn native_load_path(
    py: Python<'_>,
    path: std::path::PathBuf,
    trusted: Vec<String>,
    public_key: Option<Vec<u8>>,
    max_decompressed: u64,
    blas: Option<(String, usize)>,
    mmap: bool,
    sparse: bool,
) -> PyResult<NativeModel> {
    crate::errors::guard(py, move || {
        let mut opts = load_options(py, trusted, public_key, max_decompressed, blas)?;
        opts.mmap = mmap;
        let model = py
            .detach(|| skseal_native::load_path(&path, &opts))
            .map_err(|e| native_err(py, e))?;
        native_model(py, model, sparse)
    })
}

fn f64_vec(obj: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    let buf = PyBuffer::<f64>::get(obj)?;
    buf.to_vec(obj.py())
}

/// A coded string column: `(values, codes)`, the distinct strings and an
/// int64 buffer of one index into them per row, -1 for a missing value
/// (pandas' `factorize`).
/// A buffer of non-negative int32 or int64 indices (a scipy matrix's
/// `indices` or `indptr`).
fn index_vec(py: Python<'_>, obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<usize>> {
    let raw: Vec<i64> = match PyBuffer::<i64>::get(obj) {
        Ok(b) => b.to_vec(py)?,
        Err(_) => PyBuffer::<i32>::get(obj)?
            .to_vec(py)?
            .into_iter()
            .map(i64::from)
            .collect(),
    };
    raw.into_iter()
        .map(|v| usize::try_from(v).ok())
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(|| {
            raise(
                py,
                Exc::Value,
                &format!("a sparse matrix's {what} has a negative entry"),
            )
        })
}

fn codes_column(py: Python<'_>, payload: &Bound<'_, PyAny>) -> PyResult<Column> {
    let values: Vec<String> = payload.get_item(0)?.extract()?;
    let raw = PyBuffer::<i64>::get(&payload.get_item(1)?)?.to_vec(py)?;
    let mut codes = Vec::with_capacity(raw.len());
    for c in raw {
        codes.push(match c {
            -1 => MISSING_CODE,
            c => u32::try_from(c)
                .ok()
                .filter(|&c| c != MISSING_CODE)
                .ok_or_else(|| raise(py, Exc::Value, &format!("string code {c} out of range")))?,
        });
    }
    let c = Codes::new(values, codes).map_err(|e| native_err(py, e))?;
    Ok(Column::Codes(c))
}

/// Labels as the numpy array scikit-learn would give: int32, int64,
/// float64 or bool, and an object array of str for string labels.
fn labels_array<'py>(py: Python<'py>, l: Labels) -> Bound<'py, PyAny> {
    match l {
        Labels::Int32(v) => v.into_pyarray(py).into_any(),
        Labels::Int(v) => v.into_pyarray(py).into_any(),
        Labels::Float(v) => v.into_pyarray(py).into_any(),
        Labels::Bool(v) => v.into_pyarray(py).into_any(),
        Labels::Str(v) => {
            let objs: Vec<Py<PyAny>> = v
                .iter()
                .map(|s| PyString::new(py, s).into_any().unbind())
                .collect();
            numpy::PyArray1::from_vec(py, objs).into_any()
        }
    }
}

/// A method's output as a numpy array.
fn output_array<'py>(py: Python<'py>, out: Output) -> PyResult<Bound<'py, PyAny>> {
    Ok(match out {
        Output::Matrix(mm) if mm.data.len() <= 64 => {
            // small results (one row): a numpy-owned array and a copy is
            // cheaper than handing the Vec over with an owner object
            let arr = PyArray2::<f64>::zeros(py, [mm.rows, mm.cols], false);
            // SAFETY: `arr` was just created here, C-contiguous, of exactly
            // rows x cols = data.len() elements, and no other reference to
            // it exists yet.
            unsafe { arr.as_slice_mut() }
                .map_err(|e| raise(py, Exc::Value, &e.to_string()))?
                .copy_from_slice(&mm.data);
            arr.into_any()
        }
        Output::Matrix(mm) => numpy::ndarray::Array2::from_shape_vec((mm.rows, mm.cols), mm.data)
            .map_err(|e| raise(py, Exc::Value, &e.to_string()))?
            .into_pyarray(py)
            .into_any(),
        Output::Vector(v) => v.into_pyarray(py).into_any(),
        Output::Labels(l) => labels_array(py, l),
        // a classifier with several outputs: its label columns as a tuple
        // (Python stacks them into scikit-learn's n x n_outputs array) ...
        Output::LabelColumns(c) => {
            let cols: Vec<Bound<'py, PyAny>> = c.into_iter().map(|l| labels_array(py, l)).collect();
            PyTuple::new(py, cols)?.into_any()
        }
        // ... and its probabilities as scikit-learn's list of arrays
        Output::Matrices(ms) => {
            let arrays = ms
                .into_iter()
                .map(|m| output_array(py, Output::Matrix(m)))
                .collect::<PyResult<Vec<_>>>()?;
            pyo3::types::PyList::new(py, arrays)?.into_any()
        }
    })
}

#[pymethods]
impl NativeModel {
    /// Compute `method` on X. X is ("dense", buffer of float64, rows, cols),
    /// ("csr", float64 data, int32 or int64 indices, indptr, rows, cols) or ("table", [(name, "f", float64 buffer) | (name, "s", [str | None])
    /// | (name, "c", ([str], int64 buffer of codes, -1 missing))]).
    /// Returns a numpy array: float64 (2-D, or 1-D for one output) or labels.
    fn run<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        x: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::errors::guard(py, move || {
            let m = Method::parse(method)
                .ok_or_else(|| raise(py, Exc::Value, &format!("unknown method {method:?}")))?;
            let tag: String = x.get_item(0)?.extract()?;
            let data = match tag.as_str() {
                "dense" => {
                    let v = f64_vec(&x.get_item(1)?)?;
                    let rows: usize = x.get_item(2)?.extract()?;
                    let cols: usize = x.get_item(3)?.extract()?;
                    Data::Dense(Mat::new(rows, cols, v).map_err(|e| native_err(py, e))?)
                }
                "csr" => {
                    let data = f64_vec(&x.get_item(1)?)?;
                    let indices = index_vec(py, &x.get_item(2)?, "indices")?;
                    let indptr = index_vec(py, &x.get_item(3)?, "indptr")?;
                    let shape: (usize, usize) =
                        (x.get_item(4)?.extract()?, x.get_item(5)?.extract()?);
                    Data::Csr(
                        Csr::from_parts(shape, indptr, indices, data)
                            .map_err(|why| raise(py, Exc::Value, &why))?,
                    )
                }
                "table" => {
                    let cols = x.get_item(1)?;
                    let mut names = Vec::new();
                    let mut columns = Vec::new();
                    for item in cols.try_iter()? {
                        let t = item?;
                        let name: String = t.get_item(0)?.extract()?;
                        let kind: String = t.get_item(1)?.extract()?;
                        let payload = t.get_item(2)?;
                        columns.push(match kind.as_str() {
                            "f" => Column::F64(f64_vec(&payload)?),
                            "c" => codes_column(py, &payload)?,
                            _ => Column::Str(payload.extract::<Vec<Option<String>>>()?),
                        });
                        names.push(name);
                    }
                    Data::Table(Table::new(names, columns).map_err(|e| native_err(py, e))?)
                }
                t => return Err(raise(py, Exc::Value, &format!("unknown input kind {t:?}"))),
            };
            let model = &self.model;
            let out = py
                .detach(|| match data {
                    Data::Dense(mat) => model.run_dense(m, mat),
                    d => model.run(m, d),
                })
                .map_err(|e| native_err(py, e))?;
            output_array(py, out)
        })
    }

    /// The fast path: `method` on a C-contiguous float64 2-D array; returns a
    /// numpy array.
    fn run_array<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        x: &Bound<'py, PyArray2<f64>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::errors::guard(py, move || {
            let m = Method::parse(method)
                .ok_or_else(|| raise(py, Exc::Value, &format!("unknown method {method:?}")))?;
            let [rows, cols] = [x.shape()[0], x.shape()[1]];
            if !x.is_c_contiguous() {
                return Err(raise(py, Exc::Type, "X must be C-contiguous"));
            }
            // SAFETY: the array is C-contiguous (checked above) float64 (the
            // argument's type); the slice is copied at once while the GIL is held,
            // so no Python code can resize or free the array meanwhile (a writer
            // from another thread without the GIL would race with numpy itself).
            // Reading without rust-numpy's borrow registry saves its lookup on the
            // one-row path; `tests/test_native.py` covers this path.
            let data = unsafe { x.as_slice() }
                .map_err(|_| raise(py, Exc::Type, "X must be C-contiguous"))?
                .to_vec();
            let mat = Mat::new(rows, cols, data).map_err(|e| native_err(py, e))?;
            let model = &self.model;
            let out = if rows < 64 {
                // one row: no thread hop
                model.run_dense(m, mat)
            } else {
                py.detach(|| model.run_dense(m, mat))
            }
            .map_err(|e| native_err(py, e))?;
            output_array(py, out)
        })
    }

    /// `classes_` as a numpy array, or None for regressors and transformers.
    fn classes<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        self.model.classes().map(|c| labels_array(py, c.clone()))
    }

    /// A classifier with several outputs: `classes_` as a list of numpy
    /// arrays, one per output (empty otherwise).
    fn output_classes<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyAny>> {
        self.model
            .output_classes()
            .into_iter()
            .map(|c| labels_array(py, c.clone()))
            .collect()
    }

    #[getter]
    fn class_name(&self) -> String {
        self.model.class().to_string()
    }

    #[getter]
    fn n_features_in(&self) -> Option<usize> {
        self.model.n_features_in()
    }

    #[getter]
    fn feature_names_in(&self) -> Option<Vec<String>> {
        self.model.feature_names_in().map(<[String]>::to_vec)
    }

    /// `bitwise`, `bitwise-c-ordered` or `bounded: <why>` for `method` on this machine.
    fn exactness(&self, method: &str) -> PyResult<String> {
        let m = Method::parse(method).ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err(format!("unknown method {method:?}"))
        })?;
        Ok(self.model.exactness(m).describe())
    }

    /// Re-run the file's probe natively: `(passed, description)`.
    fn check_probe(&self, py: Python<'_>) -> (bool, String) {
        let r = py.detach(|| self.model.check_probe());
        (r.passed(), r.describe())
    }

    /// `(core, threads)` of the OpenBLAS whose results this model reproduces.
    #[getter]
    fn blas(&self) -> (String, usize) {
        let b = self.model.blas();
        (b.core.name().to_string(), b.threads)
    }

    /// Whether the model takes scipy sparse matrices (loaded with sparse=True).
    #[getter]
    fn sparse(&self) -> bool {
        self.model.sparse()
    }

    #[getter]
    fn methods(&self) -> Vec<&'static str> {
        self.model.methods().into_iter().map(Method::name).collect()
    }
}
