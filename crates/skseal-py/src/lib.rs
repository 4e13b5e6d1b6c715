//! skseal._native: the PyO3 bridge between the Python package and skseal-core.
//!
//! Save: CPython's pickler output (protocol 5, out-of-band buffers) -> VM ->
//! policy -> container. Load: container (or legacy pickle) -> policy ->
//! arrays decoded into numpy-owned memory -> validation -> Python objects
//! (`cls.__new__` + state, vetted constructors only).

mod build;
mod card;
mod errors;
mod meta;
mod native;
mod store;

use std::io::Write;
use std::path::PathBuf;

use pyo3::buffer::PyBuffer;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};

use skseal_core::codec::Codec;
use skseal_core::container::{self, Compression, Container};
use skseal_core::ir::{Graph, Node};
use skseal_core::keys;
use skseal_core::legacy;
use skseal_core::metadata;
use skseal_core::policy::{self, Policy};
use skseal_core::versions::{self, Action, OnMismatch, Source};
use skseal_core::vm::{self, VmOptions};

use crate::errors::{raise, to_pyerr, Exc};

/// A read-only view of a Python buffer, kept alive by the `PyBuffer` it borrows.
struct Bytes {
    buf: PyBuffer<u8>,
}

impl Bytes {
    fn get(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        let buf = PyBuffer::<u8>::get(obj)?;
        if !buf.is_c_contiguous() {
            return Err(raise(obj.py(), Exc::SkSeal, "buffer is not contiguous"));
        }
        Ok(Bytes { buf })
    }
    fn as_slice(&self) -> &[u8] {
        let len = self.buf.len_bytes();
        if len == 0 {
            return &[];
        }
        // SAFETY: the PyBuffer holds a buffer export on the object for as long
        // as `self` lives, so the memory is valid and not resized; it is
        // C-contiguous (checked in `get`) and `len_bytes` bytes long. Python
        // code could still write into a writable buffer concurrently, which can
        // only change the bytes we read, exactly as with pickle.
        unsafe { std::slice::from_raw_parts(self.buf.buf_ptr() as *const u8, len) }
    }
}

fn parse_codec(
    py: Python<'_>,
    codec: &str,
    level: Option<i32>,
    shuffle: bool,
) -> PyResult<Compression> {
    let c = Codec::from_parts(codec, level).map_err(|e| raise(py, Exc::Value, &e.to_string()))?;
    Ok(Compression {
        codec: c,
        shuffle: shuffle && c != Codec::None,
    })
}

/// Lift a pickle stream made by `pickle.dumps((obj, probe), protocol=5,
/// buffer_callback=...)` into a graph, and apply the policy.
fn lift(py: Python<'_>, stream: &[u8], buffers: &[Bytes], trusted: &[String]) -> PyResult<Graph> {
    let opts = VmOptions {
        buffer_lens: buffers.iter().map(|b| b.as_slice().len() as u64).collect(),
        strict_end: true,
        ..VmOptions::default()
    };
    let mut g = vm::parse(stream, &opts).map_err(|e| {
        // name the library objects that made the stream unreadable
        let (names, _) = vm::scan_globals(stream, &opts);
        let mut pandas: Vec<String> = names
            .iter()
            .filter(|(g, _)| {
                let top = g.module.split('.').next().unwrap_or("");
                matches!(top, "pandas" | "pyarrow")
            })
            .map(|(g, _)| g.dotted())
            .collect();
        pandas.sort();
        pandas.dedup();
        let hint = if pandas.is_empty() {
            String::new()
        } else {
            format!(
                ". The object holds pandas values ({}) that skseal does not read from a pickle \
                 (pandas' own unpickling helpers are never trusted): where you can, save the \
                 object with skseal.dump instead of pickle or joblib; else keep the frame's \
                 arrays and column names (df.to_numpy(), list(df.columns)) in place of the frame",
                pandas.join(", ")
            )
        };
        raise(
            py,
            Exc::UnsupportedObject,
            &format!("could not read the pickled object: {e}{hint}"),
        )
    })?;
    // The saved object is the pair (model, probe).
    let (root, probe) = match g.node(g.root) {
        Some(Node::Tuple(v)) if v.len() == 2 => (v[0], v[1]),
        _ => {
            return Err(raise(
                py,
                Exc::SkSeal,
                "internal: expected a (model, probe) pair",
            ))
        }
    };
    g.root = root;
    g.probe = match g.node(probe) {
        Some(Node::None) => None,
        _ => Some(probe),
    };
    let policy = Policy::new(trusted.iter().cloned());
    if let Err(e) = policy.check(&g) {
        return Err(errors::untrusted_error(py, &e, true));
    }
    Ok(g)
}

/// A writer that forwards to a Python binary file object's `write`.
struct PyWriter<'py> {
    file: Bound<'py, PyAny>,
}

impl Write for PyWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let py = self.file.py();
        let b = PyBytes::new(py, buf);
        let n = self
            .file
            .call_method1("write", (b,))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(n.extract::<usize>().unwrap_or(buf.len()))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn header_summary<'py>(py: Python<'py>, h: &container::Header) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(
        py,
        [
            h.fingerprint.clone().into_pyobject(py)?.into_any(),
            h.file_len.into_pyobject(py)?.into_any(),
        ],
    )
}

/// A key given to the API: 32 raw bytes, or a key file's content (its kind
/// checked, see `skseal_core::keys`). Paths are read by Python through
/// [`read_key`], which reports legacy files.
pub(crate) fn key32(
    py: Python<'_>,
    k: &[u8],
    kind: keys::KeyKind,
    what: &str,
) -> PyResult<[u8; 32]> {
    let r = match kind {
        keys::KeyKind::Secret => keys::secret(k, what),
        keys::KeyKind::Public => keys::public(k, what),
    };
    r.map(|(k, _note)| k)
        .map_err(|e| raise(py, Exc::Value, &e.to_string()))
}

/// Write `data` to `path` with the one whole-file writer (no partial file;
/// a device or a link is written through, never replaced).
#[pyfunction]
fn write_file(py: Python<'_>, path: std::path::PathBuf, data: &[u8]) -> PyResult<()> {
    py.detach(|| {
        container::write_atomic(&path, |w| {
            use std::io::Write as _;
            w.write_all(data)
        })
    })
    .map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("{}: {e}", path.display())))
}

/// Read a key file's content for `role` ("secret" or "public"): (32 key
/// bytes, a deprecation note for a file without a kind, or None).
#[pyfunction]
fn read_key(
    py: Python<'_>,
    data: Vec<u8>,
    role: &str,
    name: &str,
) -> PyResult<(Vec<u8>, Option<String>)> {
    let r = match role {
        "secret" => keys::secret(&data, name),
        "public" => keys::public(&data, name),
        _ => return Err(raise(py, Exc::Value, "role must be 'secret' or 'public'")),
    };
    r.map(|(k, note)| (k.to_vec(), note))
        .map_err(|e| raise(py, Exc::Value, &e.to_string()))
}

/// Write a new key pair: `path` (secret, mode 0600) and `path.pub`; returns the key ID.
#[pyfunction]
fn keygen(py: Python<'_>, path: std::path::PathBuf) -> PyResult<String> {
    keys::write_pair(&path).map_err(|e| raise(py, Exc::Value, &e.to_string()))
}

/// Save: lift, check, write. `dest` is a path (str), a binary file object, or None (return bytes).
/// `facts` are what `skseal._meta.facts` gathered of the live object and
/// `user_json` the user's metadata as JSON text; `meta::for_dump` builds the
/// file's metadata from them.
#[pyfunction]
#[pyo3(signature = (stream, buffers, dest, facts, user_json, trusted, codec, level, shuffle, signing_key=None, native_layout=false))]
#[allow(clippy::too_many_arguments)]
fn save<'py>(
    py: Python<'py>,
    stream: &Bound<'py, PyAny>,
    buffers: Vec<Bound<'py, PyAny>>,
    dest: &Bound<'py, PyAny>,
    facts: &Bound<'py, PyDict>,
    user_json: &str,
    trusted: Vec<String>,
    codec: &str,
    level: Option<i32>,
    shuffle: bool,
    signing_key: Option<Vec<u8>>,
    native_layout: bool,
) -> PyResult<Bound<'py, PyAny>> {
    crate::errors::guard(py, move || {
        let signer = match &signing_key {
            Some(k) => Some(keys::signing_key(&key32(
                py,
                k,
                keys::KeyKind::Secret,
                "signing_key",
            )?)),
            None => None,
        };
        let signer = signer.as_ref();
        let comp = parse_codec(py, codec, level, shuffle)?;
        let stream = Bytes::get(stream)?;
        let bufs: Vec<Bytes> = buffers.iter().map(Bytes::get).collect::<PyResult<_>>()?;
        // the metadata's errors come first, as when Python checked the user's dict
        let metadata = meta::for_dump(facts, user_json)?;
        let mut g = lift(py, stream.as_slice(), &bufs, &trusted)?;
        if native_layout {
            let slices = array_slices(&g, &bufs);
            let layouts =
                skseal_core::layout::tree_layouts(&g, &|i| slices.get(i as usize).copied());
            drop(slices);
            skseal_core::layout::attach(&mut g, layouts);
        }
        let slices = array_slices(&g, &bufs);
        let data_of = |i: usize| slices.get(i).copied();
        if dest.is_none() {
            let mut out = Vec::new();
            container::write(&mut out, &g, &data_of, &metadata, comp, signer)
                .map_err(|e| to_pyerr(py, e.into()))?;
            return Ok(PyBytes::new(py, &out).into_any());
        }
        if let Ok(path) = dest.extract::<PathBuf>() {
            let h = container::write_atomic(&path, |w| {
                container::write_file(w, &g, &data_of, &metadata, comp, signer)
                    .map_err(|e| to_pyerr(py, e.into()))
            })?;
            return Ok(header_summary(py, &h)?.into_any());
        }
        let mut w = std::io::BufWriter::with_capacity(1 << 20, PyWriter { file: dest.clone() });
        let h = container::write(&mut w, &g, &data_of, &metadata, comp, signer)
            .map_err(|e| to_pyerr(py, e.into()))?;
        w.flush()?;
        Ok(header_summary(py, &h)?.into_any())
    })
}

/// The bytes of every array of a lifted graph: out-of-band buffers or
/// inline bytes.
fn array_slices<'a>(g: &'a skseal_core::ir::Graph, bufs: &'a [Bytes]) -> Vec<&'a [u8]> {
    g.arrays
        .iter()
        .map(|a| match &a.source {
            skseal_core::ir::ArraySource::OutOfBand(i) => {
                bufs.get(*i as usize).map(|b| b.as_slice()).unwrap_or(&[])
            }
            skseal_core::ir::ArraySource::Inline(v) => v.as_slice(),
            skseal_core::ir::ArraySource::Table(_) => &[],
        })
        .collect()
}

/// What both loaders check on the header before anything is read or built:
/// the signature (a requested key, or any embedded signature), the
/// scikit-learn version policy and the allow-list. Returns the saved
/// scikit-learn version when it differs from the installed one.
fn check_header(
    py: Python<'_>,
    header: &container::Header,
    trusted: Vec<String>,
    installed_sklearn: Option<String>,
    on_mismatch: &str,
    public_key: Option<Vec<u8>>,
) -> PyResult<Option<String>> {
    let want = match &public_key {
        Some(k) => Some(key32(py, k, keys::KeyKind::Public, "public_key")?),
        None => None,
    };
    header
        .verify_signature(want.as_ref())
        .map_err(|e| to_pyerr(py, e.into()))?;
    let on: OnMismatch = on_mismatch
        .parse()
        .map_err(|e: versions::BadPolicy| raise(py, Exc::Value, &e.to_string()))?;
    let saved = header.saved_sklearn();
    let mismatch = match (&saved, &installed_sklearn) {
        (Some(s), Some(i)) if s != i => Some(s.clone()),
        _ => None,
    };
    if let (Some(s), Some(i)) = (&mismatch, &installed_sklearn) {
        let probe_checked = false; // nothing is built yet
        if let Action::Refuse(m) = versions::decide(Source::Skseal { probe_checked }, s, i, on) {
            return Err(raise(py, Exc::VersionMismatch, &m));
        }
    }
    let policy = Policy::new(trusted);
    if let Err(e) = policy.check(&header.graph) {
        return Err(errors::untrusted_error(py, &e, false));
    }
    Ok(mismatch)
}

fn loaded<'py>(
    py: Python<'py>,
    obj: Bound<'py, PyAny>,
    probe: Bound<'py, PyAny>,
    mismatch: Option<String>,
) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(
        py,
        [
            obj,
            probe,
            py.None().into_bound(py),
            mismatch.into_pyobject(py)?.into_any(),
        ],
    )
}

/// Load a `.skseal` file held in a buffer. Returns (object, probe, None, saved
/// scikit-learn version if it differs from the installed one).
#[pyfunction]
#[pyo3(signature = (data, trusted, verify_digests, zero_copy, installed_sklearn, on_mismatch, public_key=None, map_range=None))]
#[allow(clippy::too_many_arguments)]
fn load<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    trusted: Vec<String>,
    verify_digests: bool,
    zero_copy: bool,
    installed_sklearn: Option<String>,
    on_mismatch: &str,
    public_key: Option<Vec<u8>>,
    map_range: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    crate::errors::guard(py, move || {
        skseal_native::panic_hook_for_tests("load");
        let bytes = Bytes::get(data)?;
        let c = Container::parse(bytes.as_slice()).map_err(|e| to_pyerr(py, e.into()))?;
        let mismatch = check_header(
            py,
            &c.header,
            trusted,
            installed_sklearn,
            on_mismatch,
            public_key,
        )?;
        if verify_digests {
            c.verify_padding().map_err(|e| to_pyerr(py, e.into()))?;
            py.detach(|| c.verify_raw_all())
                .map_err(|e| to_pyerr(py, e.into()))?;
        }
        // Raw digests were checked above; compressed arrays are checked as decoded.
        let arrays = build::container_arrays(py, data, &c, zero_copy, map_range.as_ref())?;
        let (obj, probe) = build::build_graph(py, &c.header.graph, arrays)?;
        loaded(py, obj, probe, mismatch)
    })
}

/// Load a `.skseal` file from a path with positioned reads: every array is
/// read (decoded, digest-checked) into its own numpy-owned buffer, so the file
/// is never held whole and arrays a class copies (Tree nodes) are freed once
/// copied. Same result and checks as `load`.
#[pyfunction]
#[pyo3(signature = (path, trusted, installed_sklearn, on_mismatch, public_key=None))]
fn load_file<'py>(
    py: Python<'py>,
    path: PathBuf,
    trusted: Vec<String>,
    installed_sklearn: Option<String>,
    on_mismatch: &str,
    public_key: Option<Vec<u8>>,
) -> PyResult<Bound<'py, PyTuple>> {
    crate::errors::guard(py, move || {
        skseal_native::panic_hook_for_tests("load");
        let file = std::fs::File::open(&path)
            .map_err(|e| raise(py, Exc::Os, &format!("{}: {e}", path.display())))?;
        let fc = skseal_core::filecontainer::FileContainer::open(file)
            .map_err(|e| to_pyerr(py, e.into()))?;
        let mismatch = check_header(
            py,
            &fc.header,
            trusted,
            installed_sklearn,
            on_mismatch,
            public_key,
        )?;
        fc.verify_padding().map_err(|e| to_pyerr(py, e.into()))?;
        let arrays = build::file_arrays(py, &fc)?;
        let (obj, probe) = build::build_graph(py, &fc.header.graph, arrays)?;
        loaded(py, obj, probe, mismatch)
    })
}

/// Describe a `.skseal` file from its header (prefix of the file + real length), as JSON text.
/// `trailer`: the file's last bytes (its signature trailer, when signed), so
/// that `signature` names and checks the signer; a damaged one is left unread.
#[pyfunction]
#[pyo3(signature = (prefix, file_len, trailer=None))]
fn inspect(
    py: Python<'_>,
    prefix: &Bound<'_, PyAny>,
    file_len: u64,
    trailer: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    crate::errors::guard(py, move || {
        let bytes = Bytes::get(prefix)?;
        let mut h = container::read_header(bytes.as_slice(), file_len)
            .map_err(|e| to_pyerr(py, e.into()))?;
        if h.signed {
            let tail = trailer.map(Bytes::get).transpose()?;
            h.signature = tail.and_then(|t| container::parse_trailer(t.as_slice()).ok());
        }
        Ok(skseal_core::inspect::describe(&h).to_string())
    })
}

/// Describe a pickle stream (globals and outline) without building anything, as JSON text.
#[pyfunction]
#[pyo3(signature = (data, max_decompressed=legacy::DEFAULT_MAX_DECOMPRESSED))]
fn inspect_pickle(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    max_decompressed: u64,
) -> PyResult<String> {
    crate::errors::guard(py, move || {
        let bytes = Bytes::get(data)?;
        let (g, info) = legacy::parse_file(bytes.as_slice(), max_decompressed)
            .map_err(|e| not_a_model(py, bytes.as_slice(), e))?;
        let v = skseal_core::inspect::describe_legacy(&g, &info, bytes.as_slice().len() as u64);
        Ok(v.to_string())
    })
}

/// A pickle that failed to parse: FormatError saying what the data looks
/// like when it is no pickle at all (`sniff::not_a_model`, the CLI's rule),
/// else the VM's error.
fn not_a_model(py: Python<'_>, data: &[u8], e: skseal_core::PickleError) -> PyErr {
    match skseal_core::sniff::not_a_model(data, &e) {
        Some(m) => raise(py, Exc::Format, &m),
        None => to_pyerr(py, e.into()),
    }
}

/// Load a legacy pickle held in a buffer, with the same VM, policy and validation.
/// Returns the object.
#[pyfunction]
fn load_pickle<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    trusted: Vec<String>,
    max_decompressed: u64,
) -> PyResult<Bound<'py, PyAny>> {
    crate::errors::guard(py, move || {
        skseal_native::panic_hook_for_tests("load");
        let bytes = Bytes::get(data)?;
        let (g, _) = py
            .detach(|| legacy::parse_file(bytes.as_slice(), max_decompressed))
            .map_err(|e| not_a_model(py, bytes.as_slice(), e))?;
        let policy = Policy::new(trusted);
        if let Err(e) = policy.check(&g) {
            return Err(errors::untrusted_error(py, &e, false));
        }
        let arrays = build::inline_arrays(py, &g)?;
        let (obj, _) = build::build_graph(py, &g, arrays)?;
        Ok(obj)
    })
}

/// Read the header of a `.skseal` file from a prefix of it (enough for
/// preamble + header) and the file's real length. Returns the header JSON text.
#[pyfunction]
fn read_header(py: Python<'_>, prefix: &Bound<'_, PyAny>, file_len: u64) -> PyResult<String> {
    crate::errors::guard(py, move || {
        let bytes = Bytes::get(prefix)?;
        let h = container::read_header(bytes.as_slice(), file_len)
            .map_err(|e| to_pyerr(py, e.into()))?;
        Ok(h.text)
    })
}

/// Header length from the preamble (to know how much to read for `read_header`).
#[pyfunction]
fn header_len(py: Python<'_>, prefix: &Bound<'_, PyAny>) -> PyResult<u64> {
    crate::errors::guard(py, move || {
        let bytes = Bytes::get(prefix)?;
        let (n, _, _) =
            container::read_preamble(bytes.as_slice()).map_err(|e| to_pyerr(py, e.into()))?;
        Ok(n)
    })
}

/// The scikit-learn version policy (`skseal_core::versions::decide`):
/// ("proceed" | "warn" | "refuse", message) for a file saved with `saved`,
/// loaded with `installed`. `kind` is "skseal" or "pickle".
#[pyfunction]
fn version_mismatch(
    py: Python<'_>,
    kind: &str,
    saved: &str,
    installed: &str,
    on_mismatch: &str,
    probe_checked: bool,
) -> PyResult<(&'static str, String)> {
    let on: OnMismatch = on_mismatch
        .parse()
        .map_err(|e: versions::BadPolicy| raise(py, Exc::Value, &e.to_string()))?;
    let source = match kind {
        "skseal" => Source::Skseal { probe_checked },
        "pickle" => Source::Pickle,
        other => {
            return Err(raise(
                py,
                Exc::Value,
                &format!("unknown file kind {other:?}"),
            ))
        }
    };
    Ok(match versions::decide(source, saved, installed, on) {
        Action::Proceed => ("proceed", String::new()),
        Action::Warn(m) => ("warn", m),
        Action::Refuse(m) => ("refuse", m),
    })
}

/// The one rule for a `trusted=` entry (policy::profiles): `None` when it
/// is an exact dotted name or a profile, else why not.
#[pyfunction]
fn check_trust_entry(entry: &str) -> Option<String> {
    skseal_core::policy::profiles::check_trust_entry(entry).err()
}

/// Every library profile: (name, pip package, import module, vetted
/// versions, generated from, what is checked, number of names).
#[pyfunction]
#[allow(clippy::type_complexity)]
fn profiles() -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    usize,
)> {
    skseal_core::policy::profiles::all()
        .iter()
        .map(|p| {
            (
                p.name,
                p.package(),
                p.module(),
                p.versions(),
                p.generated(),
                p.checks(),
                p.table().len(),
            )
        })
        .collect()
}

/// Are the digests of arrays a load maps (uses in place) checked? Only when
/// a signature is asked for (`skseal_core::filecontainer::mapped_digests_checked`,
/// the one rule of `load(mmap_mode=)` and of native mapped loads).
#[pyfunction]
fn mapped_digests_checked(key_given: bool) -> bool {
    skseal_core::filecontainer::mapped_digests_checked(key_given)
}

/// What a file is from its first bytes (`skseal_core::sniff::file_kind`):
/// (kind, detail) with kind one of empty, skseal, damaged, foreign,
/// compressed, pickle; detail describes a foreign format or names the codec.
#[pyfunction]
fn file_kind(head: &[u8]) -> (&'static str, Option<&'static str>) {
    use skseal_core::sniff::{file_kind, FileKind};
    let k = file_kind(head);
    let detail = match k {
        FileKind::Foreign(what) => Some(what),
        FileKind::Compressed(c) => Some(c.name()),
        _ => None,
    };
    (k.name(), detail)
}

/// Every global name of a `.skseal` header or a pickle, with its uses and verdict:
/// a list of (dotted_name, [uses], verdict).
#[pyfunction]
#[pyo3(signature = (data, trusted, is_pickle, file_len=None, max_decompressed=legacy::DEFAULT_MAX_DECOMPRESSED))]
fn survey<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    trusted: Vec<String>,
    is_pickle: bool,
    file_len: Option<u64>,
    max_decompressed: u64,
) -> PyResult<Bound<'py, PyList>> {
    crate::errors::guard(py, move || {
        let bytes = Bytes::get(data)?;
        let g = if is_pickle {
            legacy::parse_file(bytes.as_slice(), max_decompressed)
                .map_err(|e| to_pyerr(py, e.into()))?
                .0
        } else {
            let len = file_len.unwrap_or(bytes.as_slice().len() as u64);
            container::read_header(bytes.as_slice(), len)
                .map_err(|e| to_pyerr(py, e.into()))?
                .graph
        };
        let p = Policy::new(trusted);
        let rows = policy::survey(&g, &p);
        let out = PyList::empty(py);
        for (name, uses, verdict) in rows {
            let uses: Vec<&str> = uses.iter().map(|u| u.as_str()).collect();
            out.append((name.dotted(), uses, verdict.as_str()))?;
        }
        Ok(out)
    })
}

/// Convert a legacy pickle/joblib file to `.skseal` without building any
/// Python object from it; `probe_stream` (with its out-of-band buffers) is a
/// `(None, probe)` pair to store as the file's probe. Returns (fingerprint,
/// file size).
#[pyfunction]
#[pyo3(signature = (src, dst, trusted, codec, level, shuffle, user_metadata_json, max_decompressed, probe_stream=None, probe_buffers=Vec::new(), native_layout=false))]
#[allow(clippy::too_many_arguments)]
fn convert<'py>(
    py: Python<'py>,
    src: PathBuf,
    dst: PathBuf,
    trusted: Vec<String>,
    codec: &str,
    level: Option<i32>,
    shuffle: bool,
    user_metadata_json: &str,
    max_decompressed: u64,
    probe_stream: Option<Bound<'py, PyAny>>,
    probe_buffers: Vec<Bound<'py, PyAny>>,
    native_layout: bool,
) -> PyResult<Bound<'py, PyTuple>> {
    crate::errors::guard(py, move || {
        let comp = parse_codec(py, codec, level, shuffle)?;
        let user = meta::user(py, user_metadata_json)?;
        let data = std::fs::read(&src)?;
        let policy = Policy::new(trusted);
        let (mut g, info) = match py
            .detach(|| skseal_core::convert::read_checked(&data, &policy, max_decompressed))
        {
            Ok(v) => v,
            Err(skseal_core::CoreError::Untrusted(u)) => {
                return Err(errors::untrusted_error(py, &u, false))
            }
            Err(e) => return Err(to_pyerr(py, e)),
        };
        let name = src
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let mut probe = None;
        if let Some(stream) = probe_stream {
            // a (None, probe) pair pickled by CPython (protocol 5), as `save` takes it
            let stream = Bytes::get(&stream)?;
            let bufs: Vec<Bytes> = probe_buffers
                .iter()
                .map(Bytes::get)
                .collect::<PyResult<_>>()?;
            let pg = lift(py, stream.as_slice(), &bufs, &[])?;
            let slices: Vec<&[u8]> = bufs.iter().map(|b| b.as_slice()).collect();
            skseal_core::convert::attach_probe(&mut g, &pg, &slices)
                .map_err(|e| to_pyerr(py, e))?;
            probe = Some(metadata::NATIVE_PROBE);
        }
        if native_layout {
            skseal_core::convert::add_native_layout(&mut g);
        }
        let source = metadata::Source {
            name: &name,
            data: &data,
            info: &info,
        };
        let meta =
            metadata::for_convert(&g, source, user, probe).map_err(|e| meta::to_pyerr(py, &e))?;
        let h = container::write_atomic(&dst, |w| {
            skseal_core::convert::write(w, &g, &meta, comp).map_err(|e| to_pyerr(py, e))
        })?;
        header_summary(py, &h)
    })
}

/// The decompression cap configured by `SKSEAL_MAX_DECOMPRESSED` (parsed by
/// skseal-core, the same parser the CLI uses); a bad value is a FormatError.
#[pyfunction]
fn max_decompressed(py: Python<'_>) -> PyResult<u64> {
    skseal_core::resources::configured_max_decompressed().map_err(|e| to_pyerr(py, e.into()))
}

/// The reviewed compiled classes (`skseal_core::validate::compiled`):
/// `(module, names, "state-required" | "inert", how)` per entry.
#[pyfunction]
fn compiled_classes() -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    use skseal_core::validate::compiled::{Safety, COMPILED_CLASSES};
    COMPILED_CLASSES
        .iter()
        .map(|c| {
            let safety = match c.safety {
                Safety::StateRequired => "state-required",
                Safety::Inert => "inert",
            };
            (c.module, c.names, safety, c.how)
        })
        .collect()
}

/// Number of names in the default allow-list.
#[pyfunction]
fn allowlist_size() -> usize {
    policy::default_len()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(save, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(load_file, m)?)?;
    m.add_function(wrap_pyfunction!(load_pickle, m)?)?;
    m.add_function(wrap_pyfunction!(read_header, m)?)?;
    m.add_function(wrap_pyfunction!(inspect, m)?)?;
    m.add_function(wrap_pyfunction!(inspect_pickle, m)?)?;
    m.add_function(wrap_pyfunction!(header_len, m)?)?;
    m.add_function(wrap_pyfunction!(file_kind, m)?)?;
    m.add_function(wrap_pyfunction!(mapped_digests_checked, m)?)?;
    m.add_function(wrap_pyfunction!(check_trust_entry, m)?)?;
    m.add_function(wrap_pyfunction!(profiles, m)?)?;
    m.add_function(wrap_pyfunction!(errors::exception_names, m)?)?;
    m.add_function(wrap_pyfunction!(version_mismatch, m)?)?;
    m.add_function(wrap_pyfunction!(survey, m)?)?;
    m.add_function(wrap_pyfunction!(convert, m)?)?;
    m.add_function(wrap_pyfunction!(allowlist_size, m)?)?;
    m.add_function(wrap_pyfunction!(compiled_classes, m)?)?;
    m.add_function(wrap_pyfunction!(max_decompressed, m)?)?;
    m.add_function(wrap_pyfunction!(read_key, m)?)?;
    m.add_function(wrap_pyfunction!(write_file, m)?)?;
    m.add_function(wrap_pyfunction!(keygen, m)?)?;
    m.add_function(wrap_pyfunction!(native::native_load, m)?)?;
    m.add_function(wrap_pyfunction!(native::native_load_path, m)?)?;
    m.add_function(wrap_pyfunction!(card::card, m)?)?;
    m.add_function(wrap_pyfunction!(native::set_numpy_svml, m)?)?;
    m.add_function(wrap_pyfunction!(native::set_openmp_threads, m)?)?;
    m.add_function(wrap_pyfunction!(native::openmp_threads_wanted, m)?)?;
    m.add_function(wrap_pyfunction!(native::native_cpu_paths, m)?)?;
    m.add_class::<native::NativeModel>()?;
    m.add_class::<store::Store>()?;
    m.add("FORMAT_VERSION", container::VERSION)?;
    // Written once, in Rust: Python reads these instead of copying them.
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("MAGIC", PyBytes::new(m.py(), &container::MAGIC))?;
    m.add("PREAMBLE", container::PREAMBLE)?;
    m.add("SIG_TRAILER", container::SIG_TRAILER)?;
    m.add("DEFAULT_ZSTD_LEVEL", skseal_core::codec::DEFAULT_ZSTD_LEVEL)?;
    m.add("NATIVE_NO_AVX512_ENV", skseal_native::NO_AVX512_ENV)?;
    m.add(
        "ESTIMATOR_ATTRIBUTES",
        metadata::ESTIMATOR_ATTRIBUTES.to_vec(),
    )?;
    Ok(())
}
