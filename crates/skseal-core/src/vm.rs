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

mod calls;
mod dispatch;
mod joblib;
mod keys;
mod literals;
mod numpy;
mod opcodes;
mod pandas;
mod scipy;

pub use literals::twos_complement_to_decimal;

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
    /// `deque(...)` / `defaultdict(...)` calls -> the list / dict node that
    /// gathers the items APPENDS / SETITEMS give them (see `Vm::call_items`).
    call_items: HashMap<NodeId, NodeId>,
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
            call_items: HashMap::new(),
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
    let mut graph = Graph {
        nodes: vm.nodes,
        arrays: vm.arrays,
        root,
        probe: None,
        native: Vec::new(),
    };
    pandas::lower(&mut graph);
    Ok((graph, stepped))
}

impl<'a> Vm<'a> {
    fn malformed(&self, why: impl Into<String>) -> PickleError {
        PickleError::Malformed {
            opcode: opcodes::name(self.op),
            offset: self.op_pos,
            why: why.into(),
        }
    }
    fn refused(&self, why: impl Into<String>) -> PickleError {
        PickleError::Refused {
            opcode: opcodes::name(self.op),
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
}
