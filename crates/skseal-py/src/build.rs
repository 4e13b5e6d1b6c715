//! Building Python objects from a checked graph.
//!
//! Only names that passed the policy reach `resolve`, which imports exactly
//! that module and walks exactly that qualname. Objects are made as pickle
//! makes them (`cls.__new__(cls, *args)` then `__setstate__` or `__dict__`
//! update), constructors are called only after their schema was checked.

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyFrozenSet, PyList, PySet, PyString, PyTuple};

use skseal_core::container::Container;
use skseal_core::ir::{ArraySource, ArraySpec, Dtype, GlobalName, Graph, Node, NodeId, Order};
use skseal_core::validate;

use crate::errors::{raise, to_pyerr, Exc};

/// Cached numpy callables.
struct Np {
    frombuffer: Py<PyAny>,
    empty: Py<PyAny>,
    dtype: Py<PyAny>,
}

static NP: PyOnceLock<Np> = PyOnceLock::new();

type Cache<K> = std::sync::Mutex<HashMap<String, K>>;
/// module -> qualname -> resolved object (only names the policy accepted get here).
static RESOLVED: PyOnceLock<Cache<HashMap<String, Py<PyAny>>>> = PyOnceLock::new();
/// dtype description -> numpy dtype object.
static DTYPES: PyOnceLock<Cache<Py<PyAny>>> = PyOnceLock::new();

fn np(py: Python<'_>) -> PyResult<&Np> {
    NP.get_or_try_init(py, || {
        let m = py.import("numpy")?;
        Ok(Np {
            frombuffer: m.getattr("frombuffer")?.unbind(),
            empty: m.getattr("empty")?.unbind(),
            dtype: m.getattr("dtype")?.unbind(),
        })
    })
}

/// Import `module` and walk `qualname`. Called only for names the policy accepted.
fn resolve<'py>(py: Python<'py>, g: &GlobalName) -> PyResult<Bound<'py, PyAny>> {
    let cache = RESOLVED.get_or_init(py, || std::sync::Mutex::new(HashMap::new()));
    if let Ok(c) = cache.lock() {
        if let Some(v) = c
            .get(g.module.as_str())
            .and_then(|m| m.get(g.name.as_str()))
        {
            return Ok(v.bind(py).clone());
        }
    }
    let module = match py.import(g.module.as_str()) {
        Ok(m) => m,
        Err(e) => match g.module.strip_prefix("numpy._core") {
            // numpy 1.x spells numpy._core as numpy.core
            Some(rest) => py
                .import(format!("numpy.core{rest}").as_str())
                .map_err(|_| e)?,
            None => {
                return Err(raise(
                    py,
                    Exc::SkSeal,
                    &format!(
                        "cannot import {}: {e}. Is the library that defines {g} installed?",
                        g.module
                    ),
                ))
            }
        },
    };
    let mut obj = module.into_any();
    for part in g.name.split('.') {
        obj = obj.getattr(part).map_err(|e| {
            raise(
                py,
                Exc::SkSeal,
                &format!(
                    "{g} does not exist in the installed version of {}: {e}",
                    g.module
                ),
            )
        })?;
    }
    if let Ok(mut c) = cache.lock() {
        c.entry(g.module.clone())
            .or_default()
            .insert(g.name.clone(), obj.clone().unbind());
    }
    Ok(obj)
}

fn dtype_obj<'py>(py: Python<'py>, d: &Dtype) -> PyResult<Bound<'py, PyAny>> {
    let cache = DTYPES.get_or_init(py, || std::sync::Mutex::new(HashMap::new()));
    let key_owned;
    let key: &str = match d {
        Dtype::Simple(s) => s,
        Dtype::Struct { .. } => {
            key_owned = format!("{d:?}");
            &key_owned
        }
    };
    if let Ok(c) = cache.lock() {
        if let Some(v) = c.get(key) {
            return Ok(v.bind(py).clone());
        }
    }
    let v = make_dtype(py, d)?;
    if let Ok(mut c) = cache.lock() {
        c.insert(key.to_string(), v.clone().unbind());
    }
    Ok(v)
}

fn make_dtype<'py>(py: Python<'py>, d: &Dtype) -> PyResult<Bound<'py, PyAny>> {
    let np = np(py)?;
    match d {
        Dtype::Simple(s) => np.dtype.bind(py).call1((s.as_str(),)),
        Dtype::Struct {
            names,
            formats,
            offsets,
            itemsize,
        } => {
            let spec = PyDict::new(py);
            spec.set_item("names", PyList::new(py, names)?)?;
            let f: Vec<Bound<'py, PyAny>> = formats
                .iter()
                .map(|x| dtype_obj(py, x))
                .collect::<PyResult<_>>()?;
            spec.set_item("formats", PyList::new(py, f)?)?;
            spec.set_item("offsets", PyList::new(py, offsets)?)?;
            spec.set_item("itemsize", *itemsize)?;
            np.dtype.bind(py).call1((spec,))
        }
    }
}

/// A built numpy array and a view of its bytes for validation.
pub struct BuiltArray<'py> {
    pub array: Bound<'py, PyAny>,
    ptr: *const u8,
    len: usize,
}

impl BuiltArray<'_> {
    fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: `ptr`/`len` describe either the data buffer of `self.array`
        // (a contiguous numpy array we created and hold) or the region of the
        // caller's buffer that `self.array` views (kept exported by the
        // `PyBuffer` held for the whole load). Neither is resized or freed
        // while the graph is validated and built.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

fn shaped<'py>(
    py: Python<'py>,
    flat: Bound<'py, PyAny>,
    spec: &ArraySpec,
) -> PyResult<Bound<'py, PyAny>> {
    let shape = PyTuple::new(py, &spec.shape)?;
    let kw = PyDict::new(py);
    kw.set_item("order", spec.order.as_str())?;
    let arr = if spec.order == Order::C {
        if spec.shape.len() == 1 && spec.axes.is_none() {
            return Ok(flat);
        }
        flat.call_method1("reshape", (shape,))?
    } else {
        flat.call_method("reshape", (shape,), Some(&kw))?
    };
    match &spec.axes {
        Some(ax) => arr.call_method1("transpose", (PyTuple::new(py, ax)?,)),
        None => Ok(arr),
    }
}

/// Arrays of a container: zero-copy views of `data` for uncompressed blobs,
/// numpy-owned buffers decoded in place for compressed ones. With
/// `map_range` (memory-mapped loads), each uncompressed array is a view of
/// its own mapping, `map_range(offset, nbytes) -> (mapping, start)`,
/// unmapped when the array dies (for files with more than
/// [`MAX_OWN_MAPPINGS`] such arrays, only those of at least
/// [`OWN_MAPPING_MIN`] bytes: the others share the whole-file mapping). Files
/// whose data region is under [`OWN_MAPPINGS_FROM`] bytes use the whole-file
/// mapping only: a mapping per array would cost more time than the pages it
/// saves.
pub fn container_arrays<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    c: &Container<'_>,
    zero_copy: bool,
    map_range: Option<&Bound<'py, PyAny>>,
) -> PyResult<Vec<BuiltArray<'py>>> {
    let np = np(py)?;
    let mut out = Vec::with_capacity(c.header.arrays.len());
    // (array index, destination address, length) of arrays still to decode
    let mut pending: Vec<(usize, usize, usize)> = Vec::new();
    let mut dtypes = DtypeMemo::default();
    let raw_arrays = (0..c.header.arrays.len())
        .filter(|&i| c.raw_offset(i).is_some())
        .count();
    let own_min = if c.header.data_len() < OWN_MAPPINGS_FROM {
        u64::MAX
    } else if raw_arrays <= MAX_OWN_MAPPINGS {
        1
    } else {
        OWN_MAPPING_MIN
    };
    for (i, (entry, spec)) in c
        .header
        .arrays
        .iter()
        .zip(&c.header.graph.arrays)
        .enumerate()
    {
        let dt = dtypes.get(py, &entry.dtype)?;
        if let Some(off) = c.raw_offset(i).filter(|_| zero_copy && entry.nbytes > 0) {
            let item = entry.dtype.itemsize().unwrap_or(1).max(1);
            let count = entry.nbytes / item;
            // Own mappings also keep the kernel's fault-around (which maps up
            // to 64 KiB around a touched page) from mapping the neighbouring
            // arrays' pages when a small array is read.
            if let Some(map) = map_range.filter(|_| entry.nbytes >= own_min) {
                // A view of a mapping of its own: nothing is copied, and the
                // structural checks read these pages, not the whole-file mapping's.
                let (mapping, start): (Bound<'py, PyAny>, u64) =
                    map.call1((off, entry.nbytes))?.extract()?;
                let typed = np.frombuffer.bind(py).call1((mapping, dt, count, start))?;
                let (ptr, len) = array_data(&typed)?;
                if len as u64 != entry.nbytes {
                    return Err(raise(py, Exc::Format, &format!("array {i}: short mapping")));
                }
                out.push(BuiltArray {
                    array: shaped(py, typed, spec)?,
                    ptr,
                    len,
                });
                continue;
            }
            // A view of the caller's buffer: nothing is copied.
            let typed = np.frombuffer.bind(py).call1((data, dt, count, off))?;
            let stored = c.stored(i).map_err(|e| to_pyerr(py, e.into()))?;
            out.push(BuiltArray {
                array: shaped(py, typed, spec)?,
                ptr: stored.as_ptr(),
                len: stored.len(),
            });
            continue;
        }
        // Compressed (or copied) arrays: numpy-owned memory now, decoded below
        // (all at once, on every core) straight into it.
        out.push(owned_array(py, i, entry.nbytes, dt, spec, &mut pending)?);
    }
    fill_pending(py, &pending, |i, dst| c.decode_into(i, dst))?;
    Ok(out)
}

/// Files with a data region smaller than this share one mapping under `mmap_mode`.
const OWN_MAPPINGS_FROM: u64 = 16 << 20;
/// Above this many uncompressed arrays, only the large ones get a mapping of
/// their own (a process may hold 65,530 mappings by default on Linux).
const MAX_OWN_MAPPINGS: usize = 16_384;
/// ... and large means at least this many bytes.
const OWN_MAPPING_MIN: u64 = 64 << 10;

/// The data pointer and byte length of a contiguous numpy array.
fn array_data(arr: &Bound<'_, PyAny>) -> PyResult<(*const u8, usize)> {
    use numpy::npyffi;
    let len: usize = arr.getattr("nbytes")?.extract()?;
    if !arr.is_instance_of::<numpy::PyUntypedArray>() {
        return Err(raise(arr.py(), Exc::Format, "not a numpy array"));
    }
    // SAFETY: `arr` is a live ndarray (checked just above), so the object is
    // a PyArrayObject whose `data` field points at its (contiguous, as made
    // by frombuffer) buffer of `nbytes` bytes, kept alive by `arr`.
    let ptr = unsafe { (*(arr.as_ptr() as *mut npyffi::PyArrayObject)).data } as *const u8;
    Ok((ptr, len))
}

/// A fresh numpy-owned array for array `i`, to be filled later: its buffer
/// is queued in `pending`. Made with numpy's C API in one call (dtype, shape
/// and order at once), not through `numpy.empty(...).view(...).reshape(...)`.
fn owned_array<'py>(
    py: Python<'py>,
    i: usize,
    nbytes: u64,
    dt: Bound<'py, PyAny>,
    spec: &ArraySpec,
    pending: &mut Vec<(usize, usize, usize)>,
) -> PyResult<BuiltArray<'py>> {
    use numpy::npyffi::{self, PY_ARRAY_API};
    use numpy::{PyArrayDescr, PyArrayDescrMethods};
    let descr = dt.cast_into::<PyArrayDescr>().map_err(PyErr::from)?;
    let mut dims: Vec<npyffi::npy_intp> = spec
        .shape
        .iter()
        .map(|&d| npyffi::npy_intp::try_from(d))
        .collect::<Result<_, _>>()
        .map_err(|_| {
            raise(
                py,
                Exc::Format,
                &format!("array {i}: a dimension is too large"),
            )
        })?;
    let nd = std::os::raw::c_int::try_from(dims.len())
        .map_err(|_| raise(py, Exc::Format, &format!("array {i}: too many dimensions")))?;
    let flags = if spec.order == Order::F {
        npyffi::NPY_ARRAY_F_CONTIGUOUS
    } else {
        0
    };
    // SAFETY: PyArray_NewFromDescr steals one reference to `descr`, so we
    // hand it a new one (`into_ptr` on a clone); `dims` holds `nd` valid
    // dimensions and outlives the call; null strides and data make numpy
    // allocate a fresh contiguous buffer it owns. A null return means a
    // Python exception is set, which `from_owned_ptr_or_err` turns into Err.
    let arr = unsafe {
        let raw = PY_ARRAY_API.PyArray_NewFromDescr(
            py,
            PY_ARRAY_API.get_type_object(py, npyffi::NpyTypes::PyArray_Type),
            descr.clone().into_ptr() as *mut npyffi::PyArray_Descr,
            nd,
            dims.as_mut_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            flags,
            std::ptr::null_mut(),
        );
        Bound::from_owned_ptr_or_err(py, raw)?
    };
    // SAFETY: `arr` is a live ndarray we just created, so the object is a
    // PyArrayObject whose `data` field points at its buffer.
    let ptr = unsafe { (*(arr.as_ptr() as *mut npyffi::PyArrayObject)).data } as *const u8;
    let len = usize::try_from(nbytes)
        .map_err(|_| raise(py, Exc::Format, &format!("array {i} is too large")))?;
    // What numpy allocated, from the dtype it holds: the writes below stay in it.
    let have = spec.shape.iter().try_fold(descr.itemsize(), |acc, &d| {
        usize::try_from(d).ok().and_then(|d| acc.checked_mul(d))
    });
    if have != Some(len) {
        return Err(raise(
            py,
            Exc::Format,
            &format!("array {i}: numpy made {have:?} bytes for {len} declared"),
        ));
    }
    if len > 0 {
        pending.push((i, ptr as usize, len));
    }
    let array = match &spec.axes {
        Some(ax) => arr.call_method1("transpose", (PyTuple::new(py, ax)?,))?,
        None => arr,
    };
    Ok(BuiltArray { array, ptr, len })
}

/// Fill every queued buffer with `fill(i, buffer)`, on all cores when there
/// is enough data, with the GIL released.
fn fill_pending<F>(py: Python<'_>, pending: &[(usize, usize, usize)], fill: F) -> PyResult<()>
where
    F: Fn(usize, &mut [u8]) -> Result<(), skseal_core::ContainerError> + Sync,
{
    let one = |&(i, ptr, len): &(usize, usize, usize)| {
        // SAFETY: each (ptr, len) is the data buffer of a distinct fresh,
        // contiguous, writable uint8 numpy array made by `owned_array` and
        // held by the caller's output; nothing else reads or writes it until
        // filling finishes, and no two entries overlap.
        let dst = unsafe { std::slice::from_raw_parts_mut(ptr as *mut u8, len) };
        fill(i, dst)
    };
    let total: usize = pending.iter().map(|p| p.2).sum();
    py.detach(|| {
        if total >= 1 << 20 && pending.len() > 1 {
            use rayon::prelude::*;
            pending.par_iter().try_for_each(one)
        } else {
            pending.iter().try_for_each(one)
        }
    })
    .map_err(|e| to_pyerr(py, e.into()))
}

/// Arrays of a file opened with positioned reads: each one read (and decoded,
/// and its digest checked) straight into its own numpy-owned buffer.
pub fn file_arrays<'py>(
    py: Python<'py>,
    fc: &skseal_core::filecontainer::FileContainer,
) -> PyResult<Vec<BuiltArray<'py>>> {
    let mut out = Vec::with_capacity(fc.header.arrays.len());
    let mut pending = Vec::new();
    let mut dtypes = DtypeMemo::default();
    for (i, (entry, spec)) in fc
        .header
        .arrays
        .iter()
        .zip(&fc.header.graph.arrays)
        .enumerate()
    {
        let dt = dtypes.get(py, &entry.dtype)?;
        out.push(owned_array(py, i, entry.nbytes, dt, spec, &mut pending)?);
    }
    // A small file: one read of every blob, then copies (or decodes) from it.
    let small = fc
        .blobs_if_small(SMALL_FILE_BLOBS)
        .map_err(|e| to_pyerr(py, e.into()))?;
    match &small {
        Some(blobs) => fill_pending(py, &pending, |i, dst| fc.array_from(blobs, i, dst))?,
        None => fill_pending(py, &pending, |i, dst| fc.read_array(i, dst))?,
    }
    Ok(out)
}

/// Files whose blobs total at most this are read in one call.
const SMALL_FILE_BLOBS: u64 = 4 << 20;

/// Numpy dtype objects already made during this load, compared by value
/// (cheaper than the global cache's text key for structured dtypes).
#[derive(Default)]
struct DtypeMemo<'a, 'py> {
    seen: Vec<(&'a Dtype, Bound<'py, PyAny>)>,
}

impl<'a, 'py> DtypeMemo<'a, 'py> {
    fn get(&mut self, py: Python<'py>, d: &'a Dtype) -> PyResult<Bound<'py, PyAny>> {
        if let Some((_, v)) = self.seen.iter().find(|(k, _)| *k == d) {
            return Ok(v.clone());
        }
        let v = dtype_obj(py, d)?;
        if self.seen.len() < 16 {
            self.seen.push((d, v.clone()));
        }
        Ok(v)
    }
}

/// Arrays carried inline in a pickle stream, copied into numpy-owned memory.
pub fn inline_arrays<'py>(py: Python<'py>, g: &Graph) -> PyResult<Vec<BuiltArray<'py>>> {
    let mut out = Vec::with_capacity(g.arrays.len());
    let mut pending = Vec::new();
    let mut dtypes = DtypeMemo::default();
    for (i, spec) in g.arrays.iter().enumerate() {
        let ArraySource::Inline(bytes) = &spec.source else {
            return Err(raise(py, Exc::Format, "array data missing from the stream"));
        };
        let dt = dtypes.get(py, &spec.dtype)?;
        out.push(owned_array(
            py,
            i,
            bytes.len() as u64,
            dt,
            spec,
            &mut pending,
        )?);
    }
    fill_pending(py, &pending, |i, dst| {
        match g.arrays.get(i).map(|s| &s.source) {
            Some(ArraySource::Inline(bytes)) if bytes.len() == dst.len() => {
                dst.copy_from_slice(bytes);
                Ok(())
            }
            _ => Err(skseal_core::ContainerError::ArrayData {
                array: i,
                why: "inline array data does not match its buffer",
            }),
        }
    })?;
    Ok(out)
}

struct Builder<'py, 'a> {
    py: Python<'py>,
    g: &'a Graph,
    /// Arrays still to hand out; an array used once is moved out, so the
    /// only reference left is the object that took it (a Tree copies its
    /// node arrays in `__setstate__`, and the decoded buffer is freed then).
    arrays: Vec<Option<BuiltArray<'py>>>,
    array_uses: Vec<u32>,
    /// How many places refer to each node: nodes used once are not memoised
    /// after they are built, so nothing keeps their state alive.
    node_uses: Vec<u32>,
    memo: Vec<Option<Bound<'py, PyAny>>>,
    in_progress: Vec<bool>,
    /// (tuple node, container, key): slots to fill once a recursive tuple exists.
    fixups: Vec<(NodeId, Bound<'py, PyAny>, Bound<'py, PyAny>)>,
    dtypes: HashMap<String, Bound<'py, PyAny>>,
}

const MAX_DEPTH: usize = 200;

impl<'py> Builder<'py, '_> {
    fn err(&self, msg: String) -> PyErr {
        raise(self.py, Exc::Format, &msg)
    }

    fn dtype(&mut self, d: &Dtype) -> PyResult<Bound<'py, PyAny>> {
        if let Dtype::Simple(s) = d {
            if let Some(v) = self.dtypes.get(s) {
                return Ok(v.clone());
            }
            let v = dtype_obj(self.py, d)?;
            self.dtypes.insert(s.clone(), v.clone());
            return Ok(v);
        }
        dtype_obj(self.py, d)
    }

    fn is_pending_tuple(&self, id: NodeId) -> bool {
        self.in_progress.get(id as usize).copied().unwrap_or(false)
            && matches!(self.g.node(id), Some(Node::Tuple(_)))
    }

    fn list(&mut self, ids: &[NodeId], depth: usize) -> PyResult<Vec<Bound<'py, PyAny>>> {
        ids.iter().map(|&c| self.build(c, depth + 1)).collect()
    }

    fn apply_state(
        &mut self,
        obj: &Bound<'py, PyAny>,
        state: NodeId,
        depth: usize,
    ) -> PyResult<()> {
        let st = self.build(state, depth + 1)?;
        let py = self.py;
        if let Ok(setstate) = obj.getattr("__setstate__") {
            setstate.call1((st,))?;
            return Ok(());
        }
        let (dict_state, slot_state) = match st.cast::<PyTuple>() {
            Ok(t) if t.len() == 2 => (t.get_item(0)?, Some(t.get_item(1)?)),
            _ => (st, None),
        };
        if !dict_state.is_none() {
            let d = dict_state
                .cast::<PyDict>()
                .map_err(|_| raise(py, Exc::Format, "object state must be a dict"))?;
            let inst_dict = obj.getattr("__dict__")?;
            for (k, v) in d.iter() {
                let k = k
                    .cast_into::<PyString>()
                    .map_err(|_| raise(py, Exc::Format, "attribute names must be strings"))?;
                inst_dict.set_item(PyString::intern(py, k.to_str()?), v)?;
            }
        }
        if let Some(s) = slot_state {
            if !s.is_none() {
                let d = s
                    .cast::<PyDict>()
                    .map_err(|_| raise(py, Exc::Format, "slot state must be a dict"))?;
                for (k, v) in d.iter() {
                    let k = k
                        .cast_into::<PyString>()
                        .map_err(|_| raise(py, Exc::Format, "attribute names must be strings"))?;
                    obj.setattr(k, v)?;
                }
            }
        }
        Ok(())
    }

    fn build(&mut self, id: NodeId, depth: usize) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        let i = id as usize;
        if let Some(Some(v)) = self.memo.get(i) {
            return Ok(v.clone());
        }
        if depth > MAX_DEPTH {
            return Err(self.err(format!("object graph nested deeper than {MAX_DEPTH}")));
        }
        if *self.in_progress.get(i).unwrap_or(&false) {
            return Err(self.err(format!(
                "node {id} refers to itself through an immutable container"
            )));
        }
        let g = self.g;
        let node = g
            .node(id)
            .ok_or_else(|| self.err(format!("node {id} does not exist")))?;
        self.in_progress[i] = true;
        let obj: Bound<'py, PyAny> = match node {
            Node::None => py.None().into_bound(py),
            Node::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
            Node::Int(v) => v.into_pyobject(py)?.into_any(),
            Node::BigInt(s) => py
                .import("builtins")?
                .getattr("int")?
                .call1((s.as_str(),))?,
            Node::Float(f) => f.into_pyobject(py)?.into_any(),
            Node::Str(s) => PyString::new(py, s).into_any(),
            Node::Bytes(b) => PyBytes::new(py, b).into_any(),
            Node::ByteArray(b) => pyo3::types::PyByteArray::new(py, b).into_any(),
            Node::List(items) => {
                let l = PyList::empty(py);
                self.memo[i] = Some(l.clone().into_any());
                for (k, &c) in items.iter().enumerate() {
                    if self.is_pending_tuple(c) {
                        // A tuple that contains this list (a recursive tuple, as
                        // pickle allows): filled in once the tuple exists.
                        l.append(py.None())?;
                        self.fixups.push((
                            c,
                            l.clone().into_any(),
                            k.into_pyobject(py)?.into_any(),
                        ));
                        continue;
                    }
                    l.append(self.build(c, depth + 1)?)?;
                }
                l.into_any()
            }
            Node::Dict(kv) => {
                let d = PyDict::new(py);
                self.memo[i] = Some(d.clone().into_any());
                for &(k, v) in kv {
                    let kk = self.build(k, depth + 1)?;
                    if self.is_pending_tuple(v) {
                        d.set_item(&kk, py.None())?;
                        self.fixups.push((v, d.clone().into_any(), kk));
                        continue;
                    }
                    let vv = self.build(v, depth + 1)?;
                    d.set_item(kk, vv)?;
                }
                d.into_any()
            }
            Node::Tuple(items) => {
                let v = self.list(items, depth)?;
                let t = PyTuple::new(py, v)?.into_any();
                // Slots that had to wait for this tuple.
                let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.fixups)
                    .into_iter()
                    .partition(|(id, _, _)| *id as usize == i);
                self.fixups = waiting;
                for (_, container, key) in ready {
                    container.set_item(key, &t)?;
                }
                t
            }
            Node::Set(items) => {
                let v = self.list(items, depth)?;
                PySet::new(py, &v)?.into_any()
            }
            Node::FrozenSet(items) => {
                let v = self.list(items, depth)?;
                PyFrozenSet::new(py, &v)?.into_any()
            }
            Node::Global(gn) => resolve(py, gn)?,
            Node::Object {
                class,
                args,
                state,
                items,
            } => {
                let cls = resolve(py, class)?;
                let a = self.list(args, depth)?;
                let mut call_args = vec![cls.clone()];
                call_args.extend(a);
                let obj = cls
                    .getattr("__new__")?
                    .call1(PyTuple::new(py, call_args)?)?;
                self.memo[i] = Some(obj.clone());
                if let Some(s) = state {
                    self.apply_state(&obj, *s, depth)?;
                }
                for &(k, v) in items {
                    let kk = self.build(k, depth + 1)?;
                    let vv = self.build(v, depth + 1)?;
                    obj.set_item(kk, vv)?;
                }
                obj
            }
            Node::Call { func, args, state } => {
                let f = resolve(py, func)?;
                let a = self.list(args, depth)?;
                let obj = f.call1(PyTuple::new(py, a)?)?;
                self.memo[i] = Some(obj.clone());
                if let Some(s) = state {
                    self.apply_state(&obj, *s, depth)?;
                }
                obj
            }
            Node::Array(k) => {
                let k = *k as usize;
                let once = self.array_uses.get(k).copied().unwrap_or(0) <= 1;
                let slot = self.arrays.get_mut(k).ok_or_else(|| {
                    raise(
                        py,
                        Exc::Format,
                        &format!("array {k} is not in the array table"),
                    )
                })?;
                let a = if once {
                    slot.take().map(|b| b.array)
                } else {
                    slot.as_ref().map(|b| b.array.clone())
                };
                a.ok_or_else(|| self.err(format!("array {k} is used twice")))?
            }
            Node::ObjectArray {
                shape,
                order,
                items,
            } => {
                let np = np(py)?;
                let flat = np.empty.bind(py).call1((items.len(), "O"))?;
                self.memo[i] = None;
                let v = self.list(items, depth)?;
                for (k, it) in v.into_iter().enumerate() {
                    flat.set_item(k, it)?;
                }
                let kw = PyDict::new(py);
                kw.set_item("order", if *order == Order::F { "F" } else { "C" })?;
                flat.call_method("reshape", (PyTuple::new(py, shape)?,), Some(&kw))?
            }
            Node::Dtype(d) => self.dtype(d)?,
            Node::Scalar { dtype, data } => {
                let dt = self.dtype(dtype)?;
                let np = np(py)?;
                let arr = np.frombuffer.bind(py).call1((PyBytes::new(py, data), dt))?;
                arr.get_item(0)?
            }
        };
        self.in_progress[i] = false;
        self.memo[i] = if self.node_uses.get(i).copied().unwrap_or(0) > 1 {
            Some(obj.clone())
        } else {
            None
        };
        Ok(obj)
    }
}

/// Validate, then build the root (and the probe, if any).
pub fn build_graph<'py>(
    py: Python<'py>,
    g: &Graph,
    arrays: Vec<BuiltArray<'py>>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    validate::check_depth(g).map_err(|e| raise(py, Exc::Format, &e))?;
    // plain slices: the validator looks them up from several threads
    let table: Vec<&[u8]> = arrays.iter().map(|a| a.bytes()).collect();
    let bytes = |i: u32| table.get(i as usize).copied();
    validate::validate(g, &bytes).map_err(|e| to_pyerr(py, e.into()))?;
    let n = g.nodes.len();
    let mut node_uses = vec![0u32; n];
    let mut array_uses = vec![0u32; arrays.len()];
    for node in &g.nodes {
        for c in node.children() {
            if let Some(u) = node_uses.get_mut(c as usize) {
                *u = u.saturating_add(1);
            }
        }
        if let Node::Array(k) = node {
            if let Some(u) = array_uses.get_mut(*k as usize) {
                *u = u.saturating_add(1);
            }
        }
    }
    for r in [Some(g.root), g.probe].into_iter().flatten() {
        if let Some(u) = node_uses.get_mut(r as usize) {
            *u = u.saturating_add(1);
        }
    }
    let mut b = Builder {
        py,
        g,
        arrays: arrays.into_iter().map(Some).collect(),
        array_uses,
        node_uses,
        memo: vec![None; n],
        in_progress: vec![false; n],
        fixups: Vec::new(),
        dtypes: HashMap::new(),
    };
    let root = b.build(g.root, 0)?;
    let probe = match g.probe {
        Some(p) => b.build(p, 0)?,
        None => py.None().into_bound(py),
    };
    Ok((root, probe))
}
