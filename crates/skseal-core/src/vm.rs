//! The pickle VM: reads a pickle stream (protocols 0-5) into the IR.
//!
//! It never imports, resolves or calls anything. Globals become name nodes;
//! REDUCE/NEWOBJ/BUILD become `Call`/`Object` nodes whose legitimacy is judged
//! later by the policy. numpy's own reconstruction helpers (`_reconstruct`,
//! `_frombuffer`, `scalar`, `dtype`) are lowered here to `Array`, `Scalar` and
//! `Dtype` nodes, so numpy functions are never called with file data.

use std::collections::{HashMap, HashSet};

use crate::error::PickleError;
use crate::ir::{ArraySource, ArraySpec, Dtype, GlobalName, Graph, Node, NodeId, Order};

mod joblib;
mod keys;

/// Resource caps for one stream.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_stack: usize,
    pub max_mark_depth: usize,
    pub max_memo: usize,
    pub max_nodes: usize,
    pub max_int_bytes: usize,
    pub max_ndim: usize,
    /// Bytes of memory the VM may use for nodes and for everything it copies
    /// out of shared values (argument lists, buffers, dict keys). `None`:
    /// derived from the input length and the memory available
    /// ([`crate::resources::vm_budget`]), so memory stays linear in the file.
    pub max_memory: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_stack: 1 << 20,
            max_mark_depth: 10_000,
            max_memo: 1 << 24,
            max_nodes: 1 << 26,
            max_int_bytes: 4096,
            max_ndim: 64,
            max_memory: None,
        }
    }
}

/// How a stream is read.
#[derive(Debug, Clone, Default)]
pub struct VmOptions {
    /// Byte lengths of the out-of-band buffers that NEXT_BUFFER may take, in
    /// order. Empty for files read from disk: NEXT_BUFFER is then refused.
    pub buffer_lens: Vec<u64>,
    pub limits: Limits,
    /// Refuse bytes after STOP (true for files).
    pub strict_end: bool,
}

/// A pickle opcode, for messages.
fn opname(op: u8) -> &'static str {
    match op {
        b'(' => "MARK",
        b'.' => "STOP",
        b'0' => "POP",
        b'1' => "POP_MARK",
        b'2' => "DUP",
        b'F' => "FLOAT",
        b'I' => "INT",
        b'J' => "BININT",
        b'K' => "BININT1",
        b'L' => "LONG",
        b'M' => "BININT2",
        b'N' => "NONE",
        b'P' => "PERSID",
        b'Q' => "BINPERSID",
        b'R' => "REDUCE",
        b'S' => "STRING",
        b'T' => "BINSTRING",
        b'U' => "SHORT_BINSTRING",
        b'V' => "UNICODE",
        b'X' => "BINUNICODE",
        b'a' => "APPEND",
        b'b' => "BUILD",
        b'c' => "GLOBAL",
        b'd' => "DICT",
        b'}' => "EMPTY_DICT",
        b'e' => "APPENDS",
        b'g' => "GET",
        b'h' => "BINGET",
        b'i' => "INST",
        b'j' => "LONG_BINGET",
        b'l' => "LIST",
        b']' => "EMPTY_LIST",
        b'o' => "OBJ",
        b'p' => "PUT",
        b'q' => "BINPUT",
        b'r' => "LONG_BINPUT",
        b's' => "SETITEM",
        b't' => "TUPLE",
        b')' => "EMPTY_TUPLE",
        b'u' => "SETITEMS",
        b'G' => "BINFLOAT",
        b'B' => "BINBYTES",
        b'C' => "SHORT_BINBYTES",
        0x80 => "PROTO",
        0x81 => "NEWOBJ",
        0x82 => "EXT1",
        0x83 => "EXT2",
        0x84 => "EXT4",
        0x85 => "TUPLE1",
        0x86 => "TUPLE2",
        0x87 => "TUPLE3",
        0x88 => "NEWTRUE",
        0x89 => "NEWFALSE",
        0x8a => "LONG1",
        0x8b => "LONG4",
        0x8c => "SHORT_BINUNICODE",
        0x8d => "BINUNICODE8",
        0x8e => "BINBYTES8",
        0x8f => "EMPTY_SET",
        0x90 => "ADDITEMS",
        0x91 => "FROZENSET",
        0x92 => "NEWOBJ_EX",
        0x93 => "STACK_GLOBAL",
        0x94 => "MEMOIZE",
        0x95 => "FRAME",
        0x96 => "BYTEARRAY8",
        0x97 => "NEXT_BUFFER",
        0x98 => "READONLY_BUFFER",
        _ => "?",
    }
}

/// Transitional values that exist only while the stream is read.
#[derive(Debug, Clone)]
enum Pending {
    /// `numpy.dtype(descr, align, copy)` awaiting its BUILD state.
    Dtype(String),
    /// `_reconstruct(ndarray, ...)` awaiting its BUILD state.
    Array,
    /// An out-of-band buffer (NEXT_BUFFER), awaiting `_frombuffer`.
    Buffer(u32),
}

/// Map Python-2 and numpy-1 module names to the canonical names the policy knows.
pub fn canonical_module(module: &str) -> String {
    match module {
        "__builtin__" | "exceptions" => return "builtins".to_string(),
        "copy_reg" => return "copyreg".to_string(),
        _ => {}
    }
    if module == "numpy.core" {
        return "numpy._core".to_string();
    }
    if let Some(rest) = module.strip_prefix("numpy.core.") {
        return format!("numpy._core.{rest}");
    }
    module.to_string()
}

struct Vm<'a> {
    data: &'a [u8],
    pos: usize,
    op_pos: usize,
    op: u8,
    nodes: Vec<Node>,
    arrays: Vec<ArraySpec>,
    stack: Vec<NodeId>,
    metastack: Vec<Vec<NodeId>>,
    memo: HashMap<u64, NodeId>,
    pending: HashMap<NodeId, Pending>,
    next_buffer: u32,
    opts: &'a VmOptions,
    /// >0 while reading the nested pickle of a joblib object array.
    nested: usize,
    /// joblib arrays stepped over: (offset of the data, bytes).
    pub(crate) joblib_arrays: Vec<(usize, usize)>,
    /// Byte offset of the opcode that named each global node.
    global_offsets: Vec<(NodeId, usize)>,
    /// End of the current protocol-4 FRAME (joblib reads arrays past it).
    frame_end: Option<usize>,
    /// Memory the VM may still use (see [`Limits::max_memory`]).
    budget: u64,
    /// The keys of every dict (and dict-subclass instance) built so far.
    dict_keys: HashMap<NodeId, HashSet<keys::Key>>,
    /// Dicts applied as an object's state: pickle copies them at BUILD.
    frozen: HashSet<NodeId>,
    /// joblib wrappers referenced through the memo or DUP before their BUILD.
    jl_aliased: HashSet<NodeId>,
    /// joblib wrappers replaced by their array.
    jl_replaced: HashSet<NodeId>,
}

/// What a parse saw besides the graph (for scanners).
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// (offset, length) of every joblib array read from between the opcodes.
    pub joblib_arrays: Vec<(usize, usize)>,
    /// (node, byte offset of the GLOBAL/STACK_GLOBAL/INST opcode) of every named global.
    pub global_offsets: Vec<(NodeId, usize)>,
}

/// Parse a whole pickle stream into a graph whose root is the pickled object.
pub fn parse(data: &[u8], opts: &VmOptions) -> Result<Graph, PickleError> {
    parse_report(data, opts).map(|(g, _)| g)
}

impl<'a> Vm<'a> {
    fn new(data: &'a [u8], opts: &'a VmOptions) -> Self {
        Vm {
            data,
            pos: 0,
            op_pos: 0,
            op: 0,
            nodes: Vec::new(),
            arrays: Vec::new(),
            stack: Vec::new(),
            metastack: Vec::new(),
            memo: HashMap::new(),
            pending: HashMap::new(),
            next_buffer: 0,
            opts,
            nested: 0,
            joblib_arrays: Vec::new(),
            global_offsets: Vec::new(),
            frame_end: None,
            budget: opts
                .limits
                .max_memory
                .unwrap_or_else(|| crate::resources::vm_budget(data.len())),
            dict_keys: HashMap::new(),
            frozen: HashSet::new(),
            jl_aliased: HashSet::new(),
            jl_replaced: HashSet::new(),
        }
    }
}

/// For scanners: every global named before the stream ended or was refused,
/// with the offset of its opcode, and the error if the stream was refused.
pub fn scan_globals(
    data: &[u8],
    opts: &VmOptions,
) -> (Vec<(GlobalName, usize)>, Option<PickleError>) {
    let mut vm = Vm::new(data, opts);
    let err = vm.run().err();
    let names = vm
        .global_offsets
        .iter()
        .filter_map(|&(id, off)| match vm.nodes.get(id as usize) {
            Some(Node::Global(g)) => Some((g.clone(), off)),
            Some(Node::Object { class: g, .. }) | Some(Node::Call { func: g, .. }) => {
                Some((g.clone(), off))
            }
            _ => None,
        })
        .collect();
    (names, err)
}

/// Like [`parse`], also returning what a scanner reports: joblib arrays
/// stepped over and the offset of every global.
pub fn parse_report(data: &[u8], opts: &VmOptions) -> Result<(Graph, Report), PickleError> {
    let mut vm = Vm::new(data, opts);
    let root = vm.run()?;
    if let Some((id, p)) = vm.pending.iter().min_by_key(|(id, _)| **id) {
        let why = match p {
            Pending::Dtype(d) => format!("numpy dtype {d:?} (node {id}) never received its state"),
            Pending::Array => format!("numpy array (node {id}) never received its state"),
            Pending::Buffer(b) => {
                format!("out-of-band buffer {b} (node {id}) used outside a numpy array")
            }
        };
        return Err(PickleError::Numpy {
            offset: vm.pos,
            why,
        });
    }
    let stepped = Report {
        joblib_arrays: std::mem::take(&mut vm.joblib_arrays),
        global_offsets: std::mem::take(&mut vm.global_offsets),
    };
    Ok((
        Graph {
            nodes: vm.nodes,
            arrays: vm.arrays,
            root,
            probe: None,
        },
        stepped,
    ))
}

impl<'a> Vm<'a> {
    fn malformed(&self, why: impl Into<String>) -> PickleError {
        PickleError::Malformed {
            opcode: opname(self.op),
            offset: self.op_pos,
            why: why.into(),
        }
    }
    fn refused(&self, why: impl Into<String>) -> PickleError {
        PickleError::Refused {
            opcode: opname(self.op),
            offset: self.op_pos,
            why: why.into(),
        }
    }
    fn numpy_err(&self, why: impl Into<String>) -> PickleError {
        PickleError::Numpy {
            offset: self.op_pos,
            why: why.into(),
        }
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], PickleError> {
        let remaining = self.data.len() - self.pos;
        if n > remaining {
            return Err(PickleError::Truncated {
                offset: self.pos,
                what,
                needed: n - remaining,
            });
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, PickleError> {
        Ok(self.take(1, "a 1-byte argument")?[0])
    }
    fn u16(&mut self) -> Result<u16, PickleError> {
        let b = self.take(2, "a 2-byte argument")?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, PickleError> {
        let b = self.take(4, "a 4-byte argument")?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, PickleError> {
        let b = self.take(8, "an 8-byte argument")?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    fn len_u64(&mut self) -> Result<usize, PickleError> {
        let n = self.u64()?;
        usize::try_from(n).map_err(|_| self.malformed(format!("length {n} does not fit")))
    }
    fn line(&mut self) -> Result<&'a [u8], PickleError> {
        let rest = &self.data[self.pos..];
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                self.pos += i + 1;
                Ok(&rest[..i])
            }
            None => Err(PickleError::Truncated {
                offset: self.pos,
                what: "a newline-terminated argument",
                needed: 1,
            }),
        }
    }
    fn line_str(&mut self) -> Result<&'a str, PickleError> {
        let l = self.line()?;
        std::str::from_utf8(l).map_err(|_| self.malformed("argument line is not ASCII/UTF-8"))
    }

    /// Take `bytes` from the memory budget before allocating them.
    fn charge(&mut self, bytes: u64, what: &str) -> Result<(), PickleError> {
        match self.budget.checked_sub(bytes) {
            Some(rest) => {
                self.budget = rest;
                Ok(())
            }
            None => Err(PickleError::Limit {
                offset: self.op_pos,
                why: format!(
                    "reading it needs more memory than the budget for this file ({what}; the \
                     budget is linear in the file size and bounded by the memory available). \
                     Shared values copied many times are the usual cause"
                ),
            }),
        }
    }
    /// Charge a copy of `n` node ids.
    fn charge_ids(&mut self, n: usize, what: &str) -> Result<(), PickleError> {
        self.charge(n as u64 * std::mem::size_of::<NodeId>() as u64, what)
    }

    fn add(&mut self, n: Node) -> Result<NodeId, PickleError> {
        self.charge(std::mem::size_of::<Node>() as u64, "objects")?;
        if self.nodes.len() >= self.opts.limits.max_nodes {
            return Err(PickleError::Limit {
                offset: self.op_pos,
                why: format!("more than {} objects", self.opts.limits.max_nodes),
            });
        }
        let id = self.nodes.len() as NodeId;
        self.nodes.push(n);
        Ok(id)
    }
    fn push(&mut self, id: NodeId) -> Result<(), PickleError> {
        if self.stack.len() >= self.opts.limits.max_stack {
            return Err(PickleError::Limit {
                offset: self.op_pos,
                why: format!("stack deeper than {}", self.opts.limits.max_stack),
            });
        }
        self.stack.push(id);
        Ok(())
    }
    fn push_new(&mut self, n: Node) -> Result<(), PickleError> {
        let id = self.add(n)?;
        self.push(id)
    }
    fn pop(&mut self) -> Result<NodeId, PickleError> {
        match self.stack.pop() {
            Some(v) => Ok(v),
            None => Err(self.malformed("stack underflow")),
        }
    }
    fn top(&self) -> Result<NodeId, PickleError> {
        match self.stack.last() {
            Some(v) => Ok(*v),
            None => Err(self.malformed("stack underflow")),
        }
    }
    fn pop_mark(&mut self) -> Result<Vec<NodeId>, PickleError> {
        match self.metastack.pop() {
            Some(prev) => Ok(std::mem::replace(&mut self.stack, prev)),
            None => Err(self.malformed("no MARK on the stack")),
        }
    }
    fn memo_put(&mut self, key: u64) -> Result<(), PickleError> {
        let v = self.top()?;
        if self.memo.len() >= self.opts.limits.max_memo && !self.memo.contains_key(&key) {
            return Err(PickleError::Limit {
                offset: self.op_pos,
                why: format!("memo larger than {}", self.opts.limits.max_memo),
            });
        }
        self.memo.insert(key, v);
        Ok(())
    }
    fn memo_get(&mut self, key: u64) -> Result<(), PickleError> {
        match self.memo.get(&key) {
            Some(&v) => {
                self.note_wrapper_reference(v, "memo GET")?;
                self.push(v)
            }
            None => Err(self.malformed(format!("memo key {key} was never stored"))),
        }
    }
    fn node(&self, id: NodeId) -> &Node {
        // Ids on the stack always come from `add`, so they are in range.
        &self.nodes[id as usize]
    }
    fn set_node(&mut self, id: NodeId, n: Node) {
        self.nodes[id as usize] = n;
    }
    fn int_of(&self, id: NodeId) -> Option<i64> {
        match self.node(id) {
            Node::Int(i) => Some(*i),
            Node::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }
    fn tuple_items(&mut self, id: NodeId, what: &str) -> Result<Vec<NodeId>, PickleError> {
        let n = match self.node(id) {
            Node::Tuple(v) => v.len(),
            _ => 0,
        };
        self.charge_ids(n, what)?;
        match self.node(id) {
            Node::Tuple(v) => Ok(v.clone()),
            other => {
                Err(self.malformed(format!("{what} must be a tuple, got {}", other.kind_name())))
            }
        }
    }
    fn global_of(&self, id: NodeId) -> Option<&GlobalName> {
        match self.node(id) {
            Node::Global(g) => Some(g),
            _ => None,
        }
    }
    /// A copy of a global's name, charged to the memory budget.
    fn global_copy(&mut self, id: NodeId) -> Result<Option<GlobalName>, PickleError> {
        let n = match self.global_of(id) {
            Some(g) => g.module.len() + g.name.len(),
            None => return Ok(None),
        };
        self.charge(n as u64, "class names")?;
        Ok(self.global_of(id).cloned())
    }
    fn str_of(&self, id: NodeId) -> Option<&str> {
        match self.node(id) {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    fn run(&mut self) -> Result<NodeId, PickleError> {
        loop {
            self.op_pos = self.pos;
            if self.pos >= self.data.len() {
                return Err(PickleError::NoStop);
            }
            let op = self.data[self.pos];
            self.pos += 1;
            self.op = op;
            match op {
                0x80 => {
                    let p = self.u8()?;
                    if p > 5 {
                        return Err(self.malformed(format!("unsupported pickle protocol {p}")));
                    }
                }
                0x95 => {
                    let n = self.u64()?;
                    if n > (self.data.len() - self.pos) as u64 {
                        return Err(PickleError::Truncated {
                            offset: self.pos,
                            what: "a frame",
                            needed: (n - (self.data.len() - self.pos) as u64) as usize,
                        });
                    }
                    self.frame_end = Some(self.pos + n as usize);
                }
                b'.' => {
                    let v = self.pop()?;
                    if self.nested == 0 && self.opts.strict_end && self.pos != self.data.len() {
                        return Err(PickleError::TrailingData {
                            offset: self.pos,
                            extra: self.data.len() - self.pos,
                        });
                    }
                    return Ok(v);
                }
                b'(' => {
                    if self.metastack.len() >= self.opts.limits.max_mark_depth {
                        return Err(PickleError::Limit {
                            offset: self.op_pos,
                            why: format!(
                                "MARK nesting deeper than {}",
                                self.opts.limits.max_mark_depth
                            ),
                        });
                    }
                    let s = std::mem::take(&mut self.stack);
                    self.metastack.push(s);
                }
                b'0' => {
                    self.pop()?;
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let v = self.top()?;
                    self.note_wrapper_reference(v, "DUP")?;
                    self.push(v)?;
                }
                b'N' => self.push_new(Node::None)?,
                0x88 => self.push_new(Node::Bool(true))?,
                0x89 => self.push_new(Node::Bool(false))?,
                b'K' => {
                    let v = self.u8()?;
                    self.push_new(Node::Int(v as i64))?
                }
                b'M' => {
                    let v = self.u16()?;
                    self.push_new(Node::Int(v as i64))?
                }
                b'J' => {
                    let v = self.u32()? as i32;
                    self.push_new(Node::Int(v as i64))?
                }
                b'I' => {
                    let l = self.line_str()?;
                    let n = match l {
                        "00" => Node::Bool(false),
                        "01" => Node::Bool(true),
                        _ => self.parse_decimal(l)?,
                    };
                    self.push_new(n)?
                }
                b'L' => {
                    let l = self.line_str()?;
                    let n = self.parse_decimal(l.strip_suffix('L').unwrap_or(l))?;
                    self.push_new(n)?
                }
                0x8a => {
                    let n = self.u8()? as usize;
                    let b = self.take(n, "LONG1 bytes")?;
                    let node = self.long_from_bytes(b)?;
                    self.push_new(node)?
                }
                0x8b => {
                    let n = self.u32()? as i32;
                    if n < 0 {
                        return Err(self.malformed("negative LONG4 length"));
                    }
                    let n = n as usize;
                    if n > self.opts.limits.max_int_bytes {
                        return Err(PickleError::Limit {
                            offset: self.op_pos,
                            why: format!(
                                "integer of {n} bytes (limit {})",
                                self.opts.limits.max_int_bytes
                            ),
                        });
                    }
                    let b = self.take(n, "LONG4 bytes")?;
                    let node = self.long_from_bytes(b)?;
                    self.push_new(node)?
                }
                b'F' => {
                    let l = self.line_str()?;
                    let v: f64 = l
                        .trim()
                        .parse()
                        .map_err(|_| self.malformed(format!("bad float {l:?}")))?;
                    self.push_new(Node::Float(v))?
                }
                b'G' => {
                    let b = self.take(8, "BINFLOAT")?;
                    let mut a = [0u8; 8];
                    a.copy_from_slice(b);
                    self.push_new(Node::Float(f64::from_be_bytes(a)))?
                }
                b'S' => {
                    let l = self.line()?;
                    let bytes = self.py_string_literal(l)?;
                    self.push_new(Node::Str(latin1(&bytes)))?
                }
                b'T' => {
                    let n = self.u32()? as i32;
                    if n < 0 {
                        return Err(self.malformed("negative BINSTRING length"));
                    }
                    let b = self.take(n as usize, "BINSTRING bytes")?;
                    self.push_new(Node::Str(latin1(b)))?
                }
                b'U' => {
                    let n = self.u8()? as usize;
                    let b = self.take(n, "SHORT_BINSTRING bytes")?;
                    self.push_new(Node::Str(latin1(b)))?
                }
                b'V' => {
                    let l = self.line()?;
                    let s = self.raw_unicode_escape(l)?;
                    self.push_new(Node::Str(s))?
                }
                b'X' | 0x8c | 0x8d => {
                    let n = match op {
                        0x8c => self.u8()? as usize,
                        b'X' => self.u32()? as usize,
                        _ => self.len_u64()?,
                    };
                    let b = self.take(n, "string bytes")?;
                    let s = std::str::from_utf8(b).map_err(|_| {
                        self.malformed(
                            "string is not valid UTF-8 (lone surrogates are not supported)",
                        )
                    })?;
                    self.push_new(Node::Str(s.to_string()))?
                }
                b'B' | b'C' | 0x8e => {
                    let n = match op {
                        b'C' => self.u8()? as usize,
                        b'B' => self.u32()? as usize,
                        _ => self.len_u64()?,
                    };
                    let b = self.take(n, "bytes")?;
                    self.push_new(Node::Bytes(b.to_vec()))?
                }
                0x96 => {
                    let n = self.len_u64()?;
                    let b = self.take(n, "bytearray bytes")?;
                    self.push_new(Node::ByteArray(b.to_vec()))?
                }
                b')' => self.push_new(Node::Tuple(Vec::new()))?,
                b't' => {
                    let items = self.pop_mark()?;
                    self.push_new(Node::Tuple(items))?
                }
                0x85..=0x87 => {
                    let n = (op - 0x84) as usize;
                    if self.stack.len() < n {
                        return Err(self.malformed("stack underflow"));
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    self.push_new(Node::Tuple(items))?
                }
                b']' => self.push_new(Node::List(Vec::new()))?,
                b'l' => {
                    let items = self.pop_mark()?;
                    self.push_new(Node::List(items))?
                }
                b'}' => self.push_new(Node::Dict(Vec::new()))?,
                b'd' => {
                    let items = self.pop_mark()?;
                    if items.len() % 2 != 0 {
                        return Err(self.malformed("odd number of items for DICT"));
                    }
                    let kv: Vec<(NodeId, NodeId)> = items.chunks(2).map(|c| (c[0], c[1])).collect();
                    let id = self.add(Node::Dict(Vec::new()))?;
                    self.add_keys(id, &kv)?;
                    self.set_node(id, Node::Dict(kv));
                    self.push(id)?
                }
                0x8f => self.push_new(Node::Set(Vec::new()))?,
                0x91 => {
                    let items = self.pop_mark()?;
                    self.push_new(Node::FrozenSet(items))?
                }
                b'a' => {
                    let v = self.pop()?;
                    let l = self.top()?;
                    self.extend_list(l, vec![v])?;
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    let l = self.top()?;
                    self.extend_list(l, items)?;
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    let d = self.top()?;
                    self.extend_dict(d, vec![k, v])?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    if items.len() % 2 != 0 {
                        return Err(self.malformed("odd number of items for SETITEMS"));
                    }
                    let d = self.top()?;
                    self.extend_dict(d, items)?;
                }
                0x90 => {
                    let items = self.pop_mark()?;
                    let s = self.top()?;
                    match &mut self.nodes[s as usize] {
                        Node::Set(v) => v.extend(items),
                        other => {
                            let k = other.kind_name();
                            return Err(self.refused(format!(
                                "ADDITEMS on a {k}: only sets built in the stream may be extended"
                            )));
                        }
                    }
                }
                b'p' => {
                    let l = self.line_str()?;
                    let k: u64 = l
                        .parse()
                        .map_err(|_| self.malformed(format!("bad memo key {l:?}")))?;
                    self.memo_put(k)?
                }
                b'q' => {
                    let k = self.u8()? as u64;
                    self.memo_put(k)?
                }
                b'r' => {
                    let k = self.u32()? as u64;
                    self.memo_put(k)?
                }
                0x94 => {
                    let k = self.memo.len() as u64;
                    self.memo_put(k)?
                }
                b'g' => {
                    let l = self.line_str()?;
                    let k: u64 = l
                        .parse()
                        .map_err(|_| self.malformed(format!("bad memo key {l:?}")))?;
                    self.memo_get(k)?
                }
                b'h' => {
                    let k = self.u8()? as u64;
                    self.memo_get(k)?
                }
                b'j' => {
                    let k = self.u32()? as u64;
                    self.memo_get(k)?
                }
                b'c' => {
                    let module = self.line_str()?.to_string();
                    let name = self.line_str()?.to_string();
                    self.push_global(&module, &name)?
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let (Some(m), Some(n)) = (self.str_of(module), self.str_of(name)) else {
                        return Err(self.malformed("STACK_GLOBAL needs two strings"));
                    };
                    let (m, n) = (m.to_string(), n.to_string());
                    self.push_global(&m, &n)?
                }
                b'R' => {
                    let args = self.pop()?;
                    let func = self.pop()?;
                    let id = self.reduce(func, args)?;
                    self.push(id)?
                }
                0x81 => {
                    let args = self.pop()?;
                    let cls = self.pop()?;
                    let Some(class) = self.global_copy(cls)? else {
                        return Err(self.refused("NEWOBJ on something that is not a global class"));
                    };
                    let args = self.tuple_items(args, "NEWOBJ arguments")?;
                    self.push_new(Node::Object {
                        class,
                        args,
                        state: None,
                        items: Vec::new(),
                    })?
                }
                0x92 => {
                    let kwargs = self.pop()?;
                    let args = self.pop()?;
                    let cls = self.pop()?;
                    let Some(class) = self.global_copy(cls)? else {
                        return Err(
                            self.refused("NEWOBJ_EX on something that is not a global class")
                        );
                    };
                    match self.node(kwargs) {
                        Node::Dict(kv) if kv.is_empty() => {}
                        _ => {
                            return Err(
                                self.refused("NEWOBJ_EX with keyword arguments is not supported")
                            )
                        }
                    }
                    let args = self.tuple_items(args, "NEWOBJ_EX arguments")?;
                    self.push_new(Node::Object {
                        class,
                        args,
                        state: None,
                        items: Vec::new(),
                    })?
                }
                b'i' => {
                    let module = self.line_str()?.to_string();
                    let name = self.line_str()?.to_string();
                    let args = self.pop_mark()?;
                    let g = GlobalName::new(canonical_module(&module), name);
                    let id = self.add(instantiate(g, args))?;
                    self.global_offsets.push((id, self.op_pos));
                    self.push(id)?
                }
                b'o' => {
                    let mut items = self.pop_mark()?;
                    if items.is_empty() {
                        return Err(self.malformed("OBJ without a class"));
                    }
                    let cls = items.remove(0);
                    let Some(g) = self.global_copy(cls)? else {
                        return Err(self.refused("OBJ on something that is not a global class"));
                    };
                    self.push_new(instantiate(g, items))?
                }
                b'b' => {
                    let state = self.pop()?;
                    let obj = self.top()?;
                    if self.is_joblib_wrapper(obj) {
                        self.read_joblib_array(obj, state)?
                    } else {
                        self.refuse_hidden_wrapper(obj)?;
                        self.build(obj, state)?;
                        self.freeze_state(state);
                    }
                }
                b'P' | b'Q' => {
                    return Err(self.refused(
                        "persistent ids reach outside the file; they are never followed",
                    ));
                }
                0x82..=0x84 => {
                    return Err(
                        self.refused("the extension registry (copyreg) is not consulted for files")
                    );
                }
                0x97 => {
                    let i = self.next_buffer;
                    if (i as usize) >= self.opts.buffer_lens.len() {
                        return Err(self.refused(
                            "out-of-band buffers exist only while saving; a file must carry its data",
                        ));
                    }
                    self.next_buffer += 1;
                    let id = self.add(Node::None)?;
                    self.pending.insert(id, Pending::Buffer(i));
                    self.push(id)?
                }
                0x98 => {
                    let t = self.top()?;
                    if !matches!(self.pending.get(&t), Some(Pending::Buffer(_))) {
                        return Err(
                            self.malformed("READONLY_BUFFER on something that is not a buffer")
                        );
                    }
                }
                _ => {
                    return Err(PickleError::UnknownOpcode {
                        opcode: op,
                        offset: self.op_pos,
                    })
                }
            }
        }
    }

    fn extend_list(&mut self, l: NodeId, items: Vec<NodeId>) -> Result<(), PickleError> {
        match &mut self.nodes[l as usize] {
            Node::List(v) => {
                v.extend(items);
                Ok(())
            }
            other => {
                let k = other.kind_name();
                Err(self.refused(format!(
                    "append to a {k}: only lists built in the stream may be appended to"
                )))
            }
        }
    }
    /// A state dict (or the two dicts of a `(state, slotstate)` tuple) is
    /// copied by pickle when applied: later SETITEMs do not reach the object.
    fn freeze_state(&mut self, state: NodeId) {
        let parts = match self.node(state) {
            Node::Dict(_) => vec![state],
            Node::Tuple(t) if t.len() == 2 => t.clone(),
            _ => Vec::new(),
        };
        for p in parts {
            if matches!(self.node(p), Node::Dict(_)) {
                self.frozen.insert(p);
            }
        }
    }

    fn extend_dict(&mut self, d: NodeId, items: Vec<NodeId>) -> Result<(), PickleError> {
        if matches!(self.node(d), Node::Dict(_) | Node::Object { .. }) {
            let pairs: Vec<(NodeId, NodeId)> = items.chunks(2).map(|c| (c[0], c[1])).collect();
            self.add_keys(d, &pairs)?;
        }
        match &mut self.nodes[d as usize] {
            Node::Dict(kv) => {
                kv.extend(items.chunks(2).map(|c| (c[0], c[1])));
                Ok(())
            }
            // Instances of dict subclasses (e.g. sklearn's Bunch) receive their
            // items this way; the policy accepts it only for classes whose role
            // says they are dict subclasses.
            Node::Object { items: kv, .. } => {
                kv.extend(items.chunks(2).map(|c| (c[0], c[1])));
                Ok(())
            }
            other => {
                let k = other.kind_name();
                Err(self.refused(format!(
                    "item assignment on a {k}: only dicts built in the stream may be filled"
                )))
            }
        }
    }

    fn push_global(&mut self, module: &str, name: &str) -> Result<(), PickleError> {
        if module.is_empty() || name.is_empty() || module.len() > 512 || name.len() > 512 {
            return Err(self.malformed("global name empty or longer than 512 characters"));
        }
        // numpy 1.x pickles numpy.bool_ where numpy 2 writes numpy.bool
        let name = if module == "numpy" && name == "bool_" {
            "bool"
        } else {
            name
        };
        let g = GlobalName::new(canonical_module(module), name.to_string());
        let id = self.add(Node::Global(g))?;
        self.global_offsets.push((id, self.op_pos));
        self.push(id)
    }

    fn parse_decimal(&self, l: &str) -> Result<Node, PickleError> {
        let t = l.trim();
        if let Ok(v) = t.parse::<i64>() {
            return Ok(Node::Int(v));
        }
        let digits = t.strip_prefix('-').unwrap_or(t);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.malformed(format!("bad integer {l:?}")));
        }
        if digits.len() > self.opts.limits.max_int_bytes * 3 {
            return Err(PickleError::Limit {
                offset: self.op_pos,
                why: "integer literal too long".into(),
            });
        }
        Ok(Node::BigInt(t.to_string()))
    }

    fn long_from_bytes(&self, b: &[u8]) -> Result<Node, PickleError> {
        if b.is_empty() {
            return Ok(Node::Int(0));
        }
        if b.len() <= 8 {
            let neg = b[b.len() - 1] & 0x80 != 0;
            let mut a = if neg { [0xffu8; 8] } else { [0u8; 8] };
            a[..b.len()].copy_from_slice(b);
            return Ok(Node::Int(i64::from_le_bytes(a)));
        }
        Ok(Node::BigInt(twos_complement_to_decimal(b)))
    }

    fn py_string_literal(&self, l: &[u8]) -> Result<Vec<u8>, PickleError> {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        if l.len() < 2 || l[0] != l[l.len() - 1] || (l[0] != b'\'' && l[0] != b'"') {
            return Err(self.malformed("STRING argument is not a quoted literal"));
        }
        let body = &l[1..l.len() - 1];
        let mut out = Vec::with_capacity(body.len());
        let mut i = 0;
        while i < body.len() {
            let c = body[i];
            if c != b'\\' {
                out.push(c);
                i += 1;
                continue;
            }
            let Some(&e) = body.get(i + 1) else {
                return Err(self.malformed("dangling backslash in STRING"));
            };
            i += 2;
            match e {
                b'\\' => out.push(b'\\'),
                b'\'' => out.push(b'\''),
                b'"' => out.push(b'"'),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'a' => out.push(7),
                b'b' => out.push(8),
                b'f' => out.push(12),
                b'v' => out.push(11),
                b'x' => {
                    let h = body
                        .get(i..i + 2)
                        .ok_or_else(|| self.malformed("short \\x escape"))?;
                    let s = std::str::from_utf8(h).map_err(|_| self.malformed("bad \\x escape"))?;
                    out.push(
                        u8::from_str_radix(s, 16).map_err(|_| self.malformed("bad \\x escape"))?,
                    );
                    i += 2;
                }
                b'0'..=b'7' => {
                    let mut v: u32 = (e - b'0') as u32;
                    let mut k = 0;
                    while k < 2 && i < body.len() && (b'0'..=b'7').contains(&body[i]) {
                        v = v * 8 + (body[i] - b'0') as u32;
                        i += 1;
                        k += 1;
                    }
                    out.push((v & 0xff) as u8);
                }
                other => {
                    out.push(b'\\');
                    out.push(other);
                }
            }
        }
        Ok(out)
    }

    fn raw_unicode_escape(&self, l: &[u8]) -> Result<String, PickleError> {
        let mut out = String::with_capacity(l.len());
        let mut i = 0;
        while i < l.len() {
            if l[i] == b'\\' && i + 1 < l.len() && (l[i + 1] == b'u' || l[i + 1] == b'U') {
                let n = if l[i + 1] == b'u' { 4 } else { 8 };
                let h = l
                    .get(i + 2..i + 2 + n)
                    .ok_or_else(|| self.malformed("short unicode escape"))?;
                let s = std::str::from_utf8(h).map_err(|_| self.malformed("bad unicode escape"))?;
                let cp =
                    u32::from_str_radix(s, 16).map_err(|_| self.malformed("bad unicode escape"))?;
                let ch = char::from_u32(cp)
                    .ok_or_else(|| self.malformed("unicode escape is not a scalar value"))?;
                out.push(ch);
                i += 2 + n;
            } else {
                out.push(l[i] as char);
                i += 1;
            }
        }
        Ok(out)
    }

    /// REDUCE: lower numpy and builtin helpers, keep everything else as a `Call`.
    fn reduce(&mut self, func: NodeId, args: NodeId) -> Result<NodeId, PickleError> {
        let Some(g) = self.global_copy(func)? else {
            let what = match self.node(func) {
                Node::Call { func: f, .. } => format!("the result of calling {f}"),
                Node::Object { class, .. } => format!("an instance of {class}"),
                other => format!("a {}", other.kind_name()),
            };
            return Err(self.refused(format!(
                "REDUCE calls {what}; only named, allowed globals may be called (a code-execution pattern)"
            )));
        };
        let args = self.tuple_items(args, "REDUCE arguments")?;
        let m = g.module.as_str();
        let n = g.name.as_str();
        match (m, n) {
            ("numpy", "dtype") | ("numpy._core.multiarray", "dtype") => {
                let descr = args
                    .first()
                    .and_then(|&a| self.str_of(a))
                    .ok_or_else(|| self.numpy_err("numpy.dtype needs a type string"))?
                    .to_string();
                let id = self.add(Node::None)?;
                self.pending.insert(id, Pending::Dtype(descr));
                Ok(id)
            }
            ("numpy._core.multiarray", "_reconstruct") => {
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
            ("numpy._core.numeric", "_frombuffer") => self.lower_frombuffer(&args),
            ("numpy._core.multiarray", "scalar") => self.lower_scalar(&args),
            ("copyreg", "_reconstructor") => {
                // copyreg._reconstructor(cls, object, None) == cls.__new__(cls)
                if args.len() != 3 {
                    return Err(self.malformed("copyreg._reconstructor takes 3 arguments"));
                }
                let cls = self.global_copy(args[0])?;
                let base_ok = self
                    .global_of(args[1])
                    .is_some_and(|b| b.is("builtins", "object"));
                let state_none = matches!(self.node(args[2]), Node::None);
                match cls {
                    Some(class) if base_ok && state_none => self.add(Node::Object {
                        class,
                        args: Vec::new(),
                        state: None,
                        items: Vec::new(),
                    }),
                    _ => Err(self.refused(
                        "copyreg._reconstructor is accepted only as (class, object, None)",
                    )),
                }
            }
            ("collections", "OrderedDict") if args.is_empty() => self.add(Node::Object {
                class: g,
                args,
                state: None,
                items: Vec::new(),
            }),
            ("builtins", "set") | ("builtins", "frozenset") => {
                let items = match args.as_slice() {
                    [] => Vec::new(),
                    [a] => {
                        let a = *a;
                        let n = match self.node(a) {
                            Node::List(v) | Node::Tuple(v) => v.len(),
                            _ => return Err(self.malformed("set() argument must be a list")),
                        };
                        self.charge_ids(n, "set items")?;
                        match self.node(a) {
                            Node::List(v) | Node::Tuple(v) => v.clone(),
                            _ => Vec::new(),
                        }
                    }
                    _ => return Err(self.malformed("set() takes one argument")),
                };
                let node = if n == "set" {
                    Node::Set(items)
                } else {
                    Node::FrozenSet(items)
                };
                self.add(node)
            }
            ("builtins", "bytearray") => {
                let data = match args.as_slice() {
                    [] => Vec::new(),
                    [a] => {
                        let a = *a;
                        let n = match self.node(a) {
                            Node::Bytes(b) => b.len(),
                            _ => return Err(self.malformed("bytearray() argument must be bytes")),
                        };
                        self.charge(n as u64, "bytearray")?;
                        match self.node(a) {
                            Node::Bytes(b) => b.clone(),
                            _ => Vec::new(),
                        }
                    }
                    _ => return Err(self.malformed("bytearray() takes one argument")),
                };
                self.add(Node::ByteArray(data))
            }
            ("_codecs", "encode") => {
                let (Some(s), Some(enc)) = (
                    args.first().and_then(|&a| self.str_of(a)),
                    args.get(1).and_then(|&a| self.str_of(a)),
                ) else {
                    return Err(self.malformed("_codecs.encode needs (str, 'latin1')"));
                };
                if enc != "latin1" && enc != "latin-1" {
                    return Err(self.refused(format!("_codecs.encode with encoding {enc:?}")));
                }
                let mut out = Vec::with_capacity(s.len());
                for ch in s.chars() {
                    let c = ch as u32;
                    if c > 0xff {
                        return Err(self.malformed("_codecs.encode latin1 of a non-latin1 string"));
                    }
                    out.push(c as u8);
                }
                self.add(Node::Bytes(out))
            }
            _ => self.add(Node::Call {
                func: g,
                args,
                state: None,
            }),
        }
    }

    fn shape_of(&self, id: NodeId) -> Result<Vec<u64>, PickleError> {
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

    fn dtype_of(&mut self, id: NodeId) -> Result<Dtype, PickleError> {
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

    fn lower_frombuffer(&mut self, args: &[NodeId]) -> Result<NodeId, PickleError> {
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

    fn lower_scalar(&mut self, args: &[NodeId]) -> Result<NodeId, PickleError> {
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

    /// BUILD: set the state of an object made in the stream, or finish a numpy lowering.
    fn build(&mut self, obj: NodeId, state: NodeId) -> Result<(), PickleError> {
        match self.pending.get(&obj).cloned() {
            Some(Pending::Dtype(descr)) => {
                let d = self.lower_dtype(&descr, state)?;
                self.pending.remove(&obj);
                self.set_node(obj, Node::Dtype(d));
                return Ok(());
            }
            Some(Pending::Array) => {
                let n = self.lower_reconstruct(state)?;
                self.pending.remove(&obj);
                self.set_node(obj, n);
                return Ok(());
            }
            Some(Pending::Buffer(_)) => return Err(self.refused("BUILD on a buffer")),
            None => {}
        }
        match &mut self.nodes[obj as usize] {
            Node::Object {
                state: s @ None, ..
            }
            | Node::Call {
                state: s @ None, ..
            } => {
                *s = Some(state);
                Ok(())
            }
            Node::Object { .. } | Node::Call { .. } => {
                Err(self.refused("a second BUILD on the same object"))
            }
            Node::Global(g) => {
                let g = g.clone();
                Err(self.refused(format!(
                    "BUILD on the global {g} (it would act as setattr on a module-level object)"
                )))
            }
            other => {
                let k = other.kind_name();
                Err(self.refused(format!("BUILD on a {k}")))
            }
        }
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

/// INST/OBJ: a class called with arguments, or `cls.__new__(cls)` without.
fn instantiate(g: GlobalName, args: Vec<NodeId>) -> Node {
    if args.is_empty() {
        Node::Object {
            class: g,
            args,
            state: None,
            items: Vec::new(),
        }
    } else {
        Node::Call {
            func: g,
            args,
            state: None,
        }
    }
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

fn latin1_bytes(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(c as u32).ok()).collect()
}

/// Little-endian two's complement bytes to decimal text.
pub fn twos_complement_to_decimal(b: &[u8]) -> String {
    let neg = b.last().is_some_and(|&x| x & 0x80 != 0);
    let mut mag: Vec<u8> = b.to_vec();
    if neg {
        // magnitude = ~x + 1
        let mut carry = 1u16;
        for byte in mag.iter_mut() {
            let v = (!*byte) as u16 + carry;
            *byte = v as u8;
            carry = v >> 8;
        }
    }
    // Big-endian base-256 digits -> repeated division by 1e9.
    let mut digits: Vec<u32> = mag.iter().rev().map(|&x| x as u32).collect();
    let mut chunks: Vec<u32> = Vec::new();
    while digits.iter().any(|&d| d != 0) {
        let mut rem: u64 = 0;
        for d in digits.iter_mut() {
            let cur = (rem << 8) | *d as u64;
            *d = (cur / 1_000_000_000) as u32;
            rem = cur % 1_000_000_000;
        }
        chunks.push(rem as u32);
        while digits.first() == Some(&0) {
            digits.remove(0);
        }
    }
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    match chunks.split_last() {
        None => s.push('0'),
        Some((first, rest)) => {
            s.push_str(&first.to_string());
            for c in rest.iter().rev() {
                s.push_str(&format!("{c:09}"));
            }
        }
    }
    s
}
