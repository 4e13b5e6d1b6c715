//! numpy's reconstruction helpers lowered to `Array`, `Scalar` and `Dtype`
//! nodes: `numpy.dtype` + BUILD, `_reconstruct` + BUILD, `_frombuffer`
//! (out-of-band and inline buffers) and `scalar`. numpy is never called.

use super::literals::latin1_bytes;
use super::*;

impl<'a> Vm<'a> {
    /// `numpy.dtype(descr, ...)`: a placeholder until BUILD brings the state.
    pub(super) fn start_dtype(&mut self, args: &[NodeId]) -> Result<NodeId, PickleError> {
        let descr = args
            .first()
            .and_then(|&a| self.str_of(a))
            .ok_or_else(|| self.numpy_err("numpy.dtype needs a type string"))?
            .to_string();
        let id = self.add(Node::None)?;
        self.pending.insert(id, Pending::Dtype(descr));
        Ok(id)
    }

    /// `_reconstruct(numpy.ndarray, ...)`: a placeholder until BUILD brings the state.
    pub(super) fn start_reconstruct(&mut self, args: &[NodeId]) -> Result<NodeId, PickleError> {
        let cls = args.first().and_then(|&a| self.global_of(a));
        match cls {
            Some(c) if c.is("numpy", "ndarray") => {}
            Some(c) => {
                return Err(self.numpy_err(format!(
                    "array subclass {c} is not supported (only numpy.ndarray)"
                )))
            }
            None => return Err(self.numpy_err("_reconstruct needs numpy.ndarray")),
        }
        let id = self.add(Node::None)?;
        self.pending.insert(id, Pending::Array);
        Ok(id)
    }

    /// BUILD on a pending numpy value: lower it. `Ok(false)` when `obj` is
    /// not pending (an ordinary object).
    pub(super) fn finish_numpy(&mut self, obj: NodeId, state: NodeId) -> Result<bool, PickleError> {
        match self.pending.get(&obj).cloned() {
            Some(Pending::Dtype(descr)) => {
                let d = self.lower_dtype(&descr, state)?;
                self.check_dtype_flags(&descr, state, &d)?;
                self.pending.remove(&obj);
                self.set_node(obj, Node::Dtype(d));
                Ok(true)
            }
            Some(Pending::Array) => {
                let n = self.lower_reconstruct(state)?;
                self.pending.remove(&obj);
                self.set_node(obj, n);
                Ok(true)
            }
            Some(Pending::Buffer(_)) => Err(self.refused("BUILD on a buffer")),
            None => Ok(false),
        }
    }

    pub(super) fn shape_of(&self, id: NodeId) -> Result<Vec<u64>, PickleError> {
        if let Node::Tuple(v) | Node::List(v) = self.node(id) {
            if v.len() > self.opts.limits.max_ndim {
                return Err(self.numpy_err(format!("array with {} dimensions", v.len())));
            }
        }
        let items = match self.node(id) {
            Node::Tuple(v) | Node::List(v) => v.clone(),
            Node::Int(_) => vec![id],
            _ => return Err(self.numpy_err("array shape must be a tuple of integers")),
        };
        let mut shape = Vec::with_capacity(items.len());
        for it in items {
            match self.int_of(it) {
                Some(v) if v >= 0 => shape.push(v as u64),
                _ => return Err(self.numpy_err("array dimensions must be non-negative integers")),
            }
        }
        if shape
            .iter()
            .try_fold(1u64, |a, &d| a.checked_mul(d))
            .is_none()
        {
            return Err(self.numpy_err("array shape product overflows"));
        }
        Ok(shape)
    }

    pub(super) fn dtype_of(&mut self, id: NodeId) -> Result<Dtype, PickleError> {
        let weight = match self.node(id) {
            Node::Dtype(d) => dtype_weight(d, self.budget),
            _ => return Err(self.numpy_err("expected a numpy dtype")),
        };
        self.charge(weight, "dtype copies")?;
        match self.node(id) {
            Node::Dtype(d) => Ok(d.clone()),
            _ => Err(self.numpy_err("expected a numpy dtype")),
        }
    }

    pub(super) fn lower_frombuffer(&mut self, args: &[NodeId]) -> Result<NodeId, PickleError> {
        let (buf, dt, shape, order, axes_node) = match args {
            [b, d, s, o] => (b, d, s, o, None),
            [b, d, s, o, a] => (b, d, s, o, Some(*a)),
            _ => {
                return Err(
                    self.numpy_err("_frombuffer takes (buffer, dtype, shape, order[, axes])")
                )
            }
        };
        let dtype = self.dtype_of(*dt)?;
        if dtype.has_object() {
            return Err(
                self.numpy_err("object dtype from raw bytes is refused (it would be raw pointers)")
            );
        }
        let shape = self.shape_of(*shape)?;
        let (order, axes) = match (self.str_of(*order), axes_node.map(|a| self.node(a))) {
            (Some("C"), None | Some(Node::None)) => (Order::C, None),
            (Some("F"), None | Some(Node::None)) => (Order::F, None),
            (Some("K"), Some(Node::Tuple(ax))) => {
                let ax: Vec<u64> = ax
                    .iter()
                    .filter_map(|&a| self.int_of(a))
                    .filter(|&a| a >= 0)
                    .map(|a| a as u64)
                    .collect();
                let mut sorted = ax.clone();
                sorted.sort_unstable();
                if sorted != (0..shape.len() as u64).collect::<Vec<_>>() {
                    return Err(
                        self.numpy_err("array axes must be a permutation of its dimensions")
                    );
                }
                (Order::C, Some(ax))
            }
            _ => return Err(self.numpy_err("array order must be 'C', 'F', or 'K' with axes")),
        };
        let (source, len) = match (self.pending.get(buf), self.node(*buf)) {
            (Some(Pending::Buffer(i)), _) => {
                let i = *i;
                let len = self.opts.buffer_lens.get(i as usize).copied().unwrap_or(0);
                (ArraySource::OutOfBand(i), len)
            }
            (None, Node::Bytes(b) | Node::ByteArray(b)) => {
                let n = b.len() as u64;
                self.charge(n, "array bytes")?;
                match self.node(*buf) {
                    Node::Bytes(b) | Node::ByteArray(b) => (ArraySource::Inline(b.clone()), n),
                    _ => (ArraySource::Inline(Vec::new()), 0),
                }
            }
            _ => return Err(self.numpy_err("_frombuffer needs a buffer")),
        };
        self.pending.remove(buf);
        let spec = ArraySpec {
            dtype,
            shape,
            order,
            axes,
            source,
        };
        let need = spec
            .nbytes()
            .ok_or_else(|| self.numpy_err("array size overflows or dtype unknown"))?;
        if need != len {
            return Err(self.numpy_err(format!(
                "array declares {need} bytes but its buffer holds {len}"
            )));
        }
        let idx = self.arrays.len() as u32;
        self.arrays.push(spec);
        self.add(Node::Array(idx))
    }

    pub(super) fn lower_scalar(&mut self, args: &[NodeId]) -> Result<NodeId, PickleError> {
        let [dt, data] = args else {
            return Err(self.numpy_err("numpy scalar takes (dtype, bytes)"));
        };
        let dtype = self.dtype_of(*dt)?;
        if dtype.has_object() {
            return Err(self.numpy_err("object-dtype numpy scalars are not supported"));
        }
        let n = match self.node(*data) {
            Node::Bytes(b) => b.len(),
            Node::Str(s) => s.len(),
            _ => 0,
        };
        self.charge(n as u64, "numpy scalar bytes")?;
        let bytes = match self.node(*data) {
            Node::Bytes(b) => b.clone(),
            Node::Str(s) => {
                latin1_bytes(s).ok_or_else(|| self.numpy_err("scalar data is not bytes"))?
            }
            _ => return Err(self.numpy_err("scalar data must be bytes")),
        };
        if Some(bytes.len() as u64) != dtype.itemsize() {
            return Err(self.numpy_err(format!(
                "scalar of dtype {dtype} needs {} bytes, has {}",
                dtype.itemsize().unwrap_or(0),
                bytes.len()
            )));
        }
        self.add(Node::Scalar { dtype, data: bytes })
    }

    /// numpy's `dtype.__setstate__` keeps the flags a (version >= 3) state
    /// carries as they are, and skseal builds every dtype from its
    /// description: the two agree only when the file's flags are the ones
    /// numpy gives that dtype. Anything else is refused: the differential run
    /// found an object dtype stored with flags 250, which numpy turns into an
    /// object array whose dtype says it holds no references (no reference
    /// counting of its items).
    fn check_dtype_flags(
        &mut self,
        descr: &str,
        state: NodeId,
        d: &Dtype,
    ) -> Result<(), PickleError> {
        let st = self.tuple_items(state, "dtype state")?;
        let version = st.first().and_then(|&v| self.int_of(v)).unwrap_or(0);
        if version < 3 {
            return Ok(()); // numpy recomputes the flags of older states
        }
        let Some(mut flags) = st.get(7).and_then(|&f| self.int_of(f)) else {
            return Err(self.numpy_err("dtype flags must be an integer"));
        };
        if (-128..0).contains(&flags) {
            flags += 128; // numpy once stored the flags as a signed char
        }
        let want = dtype_flags(d);
        let aligned = matches!(d, Dtype::Struct { .. }) && flags == want | ALIGNED_STRUCT;
        if flags != want && !aligned {
            return Err(self.numpy_err(format!(
                "dtype {descr:?} is stored with flags {flags}, but numpy gives it {want}; \
                 numpy would keep the stored flags, so the file is refused"
            )));
        }
        Ok(())
    }

    fn lower_dtype(&mut self, descr: &str, state: NodeId) -> Result<Dtype, PickleError> {
        let st = self.tuple_items(state, "dtype state")?;
        if st.len() < 8 {
            return Err(self.numpy_err("dtype state has fewer than 8 fields"));
        }
        let byteorder = self
            .str_of(st[1])
            .ok_or_else(|| self.numpy_err("dtype byte order must be a string"))?;
        if !matches!(byteorder, "<" | ">" | "|" | "=") {
            return Err(self.numpy_err(format!("dtype byte order {byteorder:?}")));
        }
        if !matches!(self.node(st[2]), Node::None) {
            return Err(self.numpy_err("subarray dtypes are not supported"));
        }
        if st.len() > 8 && !matches!(self.node(st[8]), Node::None) {
            return Err(self.numpy_err(format!(
                "dtype {descr:?} with metadata (e.g. datetime64) is not supported"
            )));
        }
        let elsize = self
            .int_of(st[5])
            .ok_or_else(|| self.numpy_err("dtype element size must be an integer"))?;
        let kind = descr.chars().next().unwrap_or(' ');
        match self.node(st[3]) {
            Node::None => {
                if !matches!(
                    kind,
                    'b' | 'i' | 'u' | 'f' | 'c' | 'U' | 'S' | 'V' | 'O' | '?'
                ) {
                    return Err(self.numpy_err(format!("unsupported dtype {descr:?}")));
                }
                let body = if matches!(kind, 'U' | 'S' | 'V') && elsize >= 0 {
                    let n = if kind == 'U' { elsize / 4 } else { elsize };
                    format!("{kind}{n}")
                } else if kind == 'O' {
                    "O".to_string()
                } else {
                    descr.to_string()
                };
                let bo = if byteorder == "=" { "<" } else { byteorder };
                let s = if matches!(kind, 'U' | 'i' | 'u' | 'f' | 'c') && bo != "|" {
                    format!("{bo}{body}")
                } else {
                    format!("|{body}")
                };
                let d = Dtype::Simple(s);
                if d.itemsize().is_none() {
                    return Err(self.numpy_err(format!("malformed dtype {descr:?}")));
                }
                Ok(d)
            }
            Node::Tuple(names) => {
                let names = names.clone();
                let fields: HashMap<&str, NodeId> = match self.node(st[4]) {
                    Node::Dict(kv) => kv
                        .iter()
                        .filter_map(|&(k, v)| Some((self.str_of(k)?, v)))
                        .collect(),
                    _ => return Err(self.numpy_err("structured dtype without a fields dict")),
                };
                let fields: HashMap<String, NodeId> = fields
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect();
                self.charge_ids(names.len() * 8, "dtype fields")?;
                let mut out_names = Vec::with_capacity(names.len());
                let mut formats = Vec::with_capacity(names.len());
                let mut offsets = Vec::with_capacity(names.len());
                for nm in names {
                    let name = self
                        .str_of(nm)
                        .ok_or_else(|| self.numpy_err("field name must be a string"))?
                        .to_string();
                    let val = *fields.get(&name).ok_or_else(|| {
                        self.numpy_err(format!("field {name:?} missing from fields"))
                    })?;
                    let vt = self.tuple_items(val, "field description")?;
                    if vt.len() < 2 {
                        return Err(self.numpy_err("field description needs (dtype, offset)"));
                    }
                    let fd = self.dtype_of(vt[0])?;
                    let off = self
                        .int_of(vt[1])
                        .filter(|&o| o >= 0)
                        .ok_or_else(|| self.numpy_err("field offset"))?;
                    if dtype_depth(&fd) >= MAX_DTYPE_DEPTH {
                        return Err(self.numpy_err(format!(
                            "structured dtype nested deeper than {MAX_DTYPE_DEPTH} levels"
                        )));
                    }
                    out_names.push(name);
                    formats.push(fd);
                    offsets.push(off as u64);
                }
                if elsize < 0 {
                    return Err(self.numpy_err("structured dtype without itemsize"));
                }
                let itemsize = elsize as u64;
                for (f, o) in formats.iter().zip(&offsets) {
                    let end = f.itemsize().and_then(|s| s.checked_add(*o));
                    if end.is_none_or(|e| e > itemsize) {
                        return Err(self.numpy_err("structured dtype field lies outside the item"));
                    }
                }
                Ok(Dtype::Struct {
                    names: out_names,
                    formats,
                    offsets,
                    itemsize,
                })
            }
            _ => Err(self.numpy_err("dtype names must be None or a tuple")),
        }
    }

    fn lower_reconstruct(&mut self, state: NodeId) -> Result<Node, PickleError> {
        let st = self.tuple_items(state, "array state")?;
        let [_ver, shape, dt, fortran, data] = st.as_slice() else {
            return Err(self.numpy_err("array state must have 5 fields"));
        };
        let shape = self.shape_of(*shape)?;
        let dtype = self.dtype_of(*dt)?;
        let order = match self.node(*fortran) {
            Node::Bool(true) => Order::F,
            Node::Int(1) => Order::F,
            _ => Order::C,
        };
        let count = shape.iter().product::<u64>();
        if dtype.has_object() {
            if let Node::List(v) = self.node(*data) {
                let n = v.len();
                self.charge_ids(n, "object array items")?;
            }
            let items = match self.node(*data) {
                Node::List(v) => v.clone(),
                _ => {
                    return Err(self.numpy_err(
                        "object dtype from raw bytes is refused (it would be raw pointers)",
                    ))
                }
            };
            if items.len() as u64 != count {
                return Err(self.numpy_err(format!(
                    "object array of shape {shape:?} has {} items",
                    items.len()
                )));
            }
            if !matches!(dtype, Dtype::Simple(_)) {
                return Err(self.numpy_err("structured dtypes with object fields are refused"));
            }
            return Ok(Node::ObjectArray {
                shape,
                order,
                items,
            });
        }
        let n = match self.node(*data) {
            Node::Bytes(b) | Node::ByteArray(b) => b.len(),
            Node::Str(s) => s.len(),
            _ => 0,
        };
        self.charge(n as u64, "array bytes")?;
        let bytes = match self.node(*data) {
            Node::Bytes(b) | Node::ByteArray(b) => b.clone(),
            Node::Str(s) => {
                latin1_bytes(s).ok_or_else(|| self.numpy_err("array data is not bytes"))?
            }
            _ => return Err(self.numpy_err("array data must be bytes")),
        };
        let spec = ArraySpec {
            dtype,
            shape,
            order,
            axes: None,
            source: ArraySource::Inline(bytes),
        };
        let need = spec
            .nbytes()
            .ok_or_else(|| self.numpy_err("array size overflows"))?;
        let have = match &spec.source {
            ArraySource::Inline(b) => b.len() as u64,
            _ => 0,
        };
        if need != have {
            return Err(self.numpy_err(format!("array declares {need} bytes but carries {have}")));
        }
        let idx = self.arrays.len() as u32;
        self.arrays.push(spec);
        Ok(Node::Array(idx))
    }
}

/// Structured dtypes nested deeper than this are refused (numpy models never
/// need more; deep nesting would make copies and drops recursive).
const MAX_DTYPE_DEPTH: usize = 32;

/// numpy's `NPY_ALIGNED_STRUCT` flag (`align=True` structured dtypes).
const ALIGNED_STRUCT: i64 = 0x80;

/// The flags numpy gives a dtype: `O` has all the object bits (63), `U` needs
/// initialising (8), a structured dtype needs the Python API (16) and takes
/// its fields' object, pickle and init bits (`NPY_FROM_FIELDS`, 27).
fn dtype_flags(d: &Dtype) -> i64 {
    match d {
        Dtype::Simple(s) => match s.trim_start_matches(['<', '>', '|', '=']).chars().next() {
            Some('O') => 63,
            Some('U') => 8,
            _ => 0,
        },
        Dtype::Struct { formats, .. } => formats
            .iter()
            .fold(16, |acc, f| acc | (dtype_flags(f) & 27)),
    }
}

fn dtype_depth(d: &Dtype) -> usize {
    match d {
        Dtype::Simple(_) => 0,
        Dtype::Struct { formats, .. } => 1 + formats.iter().map(dtype_depth).max().unwrap_or(0),
    }
}

/// Bytes a copy of `d` holds, counted up to just past `cap` (a dtype whose
/// fields share one nested dtype can describe far more than it stores).
fn dtype_weight(d: &Dtype, cap: u64) -> u64 {
    let own = std::mem::size_of::<Dtype>() as u64;
    let mut total = 0u64;
    let mut todo = vec![d];
    while let Some(d) = todo.pop() {
        total = total.saturating_add(own);
        match d {
            Dtype::Simple(s) => total = total.saturating_add(s.len() as u64),
            Dtype::Struct { names, formats, .. } => {
                total = total.saturating_add(names.iter().map(|n| n.len() as u64 + 32).sum());
                todo.extend(formats.iter());
            }
        }
        if total > cap {
            break;
        }
    }
    total
}
