//! The object-graph IR: typed nodes in an arena plus an array table.
//!
//! Nodes reference each other by index, so a node referenced twice (a shared
//! reference in the original object) stays one node: identity is preserved,
//! never cloned. Arrays live in a separate table; nodes point at them by index.

use std::fmt;

/// Index of a node in [`Graph::nodes`].
pub type NodeId = u32;

/// A global name exactly as the file spells it (after the fixed alias table).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GlobalName {
    pub module: String,
    pub name: String,
}

impl GlobalName {
    pub fn new(module: impl Into<String>, name: impl Into<String>) -> Self {
        GlobalName {
            module: module.into(),
            name: name.into(),
        }
    }
    /// "module.qualname", the form users pass in `trusted=[...]`.
    pub fn dotted(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
    /// "module:qualname", the unambiguous form used in the header.
    pub fn colon(&self) -> String {
        format!("{}:{}", self.module, self.name)
    }
    pub fn is(&self, module: &str, name: &str) -> bool {
        self.module == module && self.name == name
    }
}

impl fmt::Display for GlobalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.module, self.name)
    }
}

/// A numpy dtype, described without any Python object.
#[derive(Debug, Clone, PartialEq)]
pub enum Dtype {
    /// A plain dtype string as numpy spells it: "<f8", "|b1", "<U5", "|S3", "|V16", "|O".
    Simple(String),
    /// A structured dtype: named fields at offsets, total itemsize.
    Struct {
        names: Vec<String>,
        formats: Vec<Dtype>,
        offsets: Vec<u64>,
        itemsize: u64,
    },
}

impl Dtype {
    /// Item size in bytes.
    pub fn itemsize(&self) -> Option<u64> {
        match self {
            Dtype::Struct { itemsize, .. } => Some(*itemsize),
            Dtype::Simple(s) => simple_itemsize(s),
        }
    }
    /// True when the dtype holds Python object pointers anywhere.
    pub fn has_object(&self) -> bool {
        match self {
            Dtype::Simple(s) => s.trim_start_matches(['<', '>', '|', '=']).starts_with('O'),
            Dtype::Struct { formats, .. } => formats.iter().any(Dtype::has_object),
        }
    }
    /// The kind character ('f', 'i', 'u', 'b', 'c', 'U', 'S', 'V', 'O'), 'V' for structs.
    pub fn kind(&self) -> char {
        match self {
            Dtype::Simple(s) => s
                .trim_start_matches(['<', '>', '|', '='])
                .chars()
                .next()
                .unwrap_or('V'),
            Dtype::Struct { .. } => 'V',
        }
    }
    /// Field of a structured dtype by name: (dtype, offset).
    pub fn field(&self, name: &str) -> Option<(&Dtype, u64)> {
        match self {
            Dtype::Struct {
                names,
                formats,
                offsets,
                ..
            } => names
                .iter()
                .position(|n| n == name)
                .and_then(|i| Some((formats.get(i)?, *offsets.get(i)?))),
            Dtype::Simple(_) => None,
        }
    }
}

/// numpy's spelling: `<f8`, or a structured dtype's `descr`
/// (`[('left_child', '<i8'), ('threshold', '<f8')]`).
impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dtype::Simple(s) => f.write_str(s),
            Dtype::Struct { names, formats, .. } => {
                f.write_str("[")?;
                for (i, (n, d)) in names.iter().zip(formats).enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "('{n}', ")?;
                    match d {
                        Dtype::Simple(s) => write!(f, "'{s}'")?,
                        nested => write!(f, "{nested}")?,
                    }
                    f.write_str(")")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// A shape as numpy prints it: `(23,)`, `(3, 4)`, `()`.
pub fn shape_str(shape: &[u64]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// How messages name array `i` of the array table: its index, its place in
/// the model once known ([`ArrayLabel::place`]), shape and dtype in numpy's
/// spelling (`array 459 at estimators_[114].tree_.nodes (shape (23,), dtype
/// [('left_child', '<i8'), ...])`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrayLabel {
    pub index: usize,
    /// The array's path in the object graph (`inspect::array_paths`).
    pub place: Option<String>,
    shape: String,
    dtype: String,
}

impl std::fmt::Display for ArrayLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "array {}", self.index)?;
        if let Some(p) = &self.place {
            write!(f, " at {p}")?;
        }
        write!(f, " (shape {}, dtype {})", self.shape, self.dtype)
    }
}

/// The label of array `i` (its place not yet known), boxed: errors carry it.
pub fn array_label(i: usize, dtype: &Dtype, shape: &[u64]) -> Box<ArrayLabel> {
    Box::new(ArrayLabel {
        index: i,
        place: None,
        shape: shape_str(shape),
        dtype: dtype.to_string(),
    })
}

/// Item size of a simple dtype string, `None` if it is not well formed.
pub fn simple_itemsize(s: &str) -> Option<u64> {
    let body = s.trim_start_matches(['<', '>', '|', '=']);
    let mut chars = body.chars();
    let kind = chars.next()?;
    let digits: &str = chars.as_str();
    let n: u64 = if digits.is_empty() {
        match kind {
            'O' => 8,
            'b' | '?' => 1,
            _ => return None,
        }
    } else {
        digits.parse().ok()?
    };
    // Only sizes numpy itself accepts for each kind.
    let ok = match kind {
        'i' | 'u' => matches!(n, 1 | 2 | 4 | 8),
        'f' => matches!(n, 2 | 4 | 8 | 16),
        'c' => matches!(n, 8 | 16 | 32),
        'b' | '?' => n == 1,
        'O' => n == 8,
        // numpy item sizes are C ints: at most 2^31-1 bytes (2^29-1 UCS4 chars)
        'U' => n < 1 << 29,
        'S' | 'V' => n < 1 << 31,
        _ => false,
    };
    if !ok {
        return None;
    }
    match kind {
        'U' => n.checked_mul(4),
        _ => Some(n),
    }
}

/// Memory order of an array's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    C,
    F,
}

impl Order {
    pub fn as_str(self) -> &'static str {
        match self {
            Order::C => "C",
            Order::F => "F",
        }
    }
}

/// Where an array's bytes are.
#[derive(Debug, Clone, PartialEq)]
pub enum ArraySource {
    /// The n-th out-of-band buffer of a protocol-5 pickling (save path).
    OutOfBand(u32),
    /// Bytes carried inside the pickle stream.
    Inline(Vec<u8>),
    /// The n-th entry of a container's array table (load path).
    Table(u32),
}

/// One array of the array table.
#[derive(Debug, Clone, PartialEq)]
pub struct ArraySpec {
    pub dtype: Dtype,
    pub shape: Vec<u64>,
    pub order: Order,
    /// numpy's order "K": the bytes are C-ordered for `shape`, then the
    /// array is transposed by this permutation of its axes.
    pub axes: Option<Vec<u64>>,
    pub source: ArraySource,
}

impl ArraySpec {
    /// Number of elements, `None` on overflow.
    pub fn count(&self) -> Option<u64> {
        self.shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d))
    }
    /// Number of bytes the data must have, `None` on overflow or unknown dtype.
    pub fn nbytes(&self) -> Option<u64> {
        self.count()?.checked_mul(self.dtype.itemsize()?)
    }
}

/// One node of the object graph.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    None,
    Bool(bool),
    Int(i64),
    /// An integer outside i64, as decimal text.
    BigInt(String),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    ByteArray(Vec<u8>),
    List(Vec<NodeId>),
    Tuple(Vec<NodeId>),
    Dict(Vec<(NodeId, NodeId)>),
    Set(Vec<NodeId>),
    FrozenSet(Vec<NodeId>),
    /// A reference to an allowed class or function, as a value.
    Global(GlobalName),
    /// `cls.__new__(cls, *args)` then state applied as pickle's BUILD does.
    Object {
        class: GlobalName,
        args: Vec<NodeId>,
        state: Option<NodeId>,
        /// Items set with SETITEM(S) on an instance of a dict subclass (e.g. Bunch).
        items: Vec<(NodeId, NodeId)>,
    },
    /// A vetted constructor called with schema-checked arguments, then state applied.
    Call {
        func: GlobalName,
        args: Vec<NodeId>,
        state: Option<NodeId>,
    },
    /// A numeric/string ndarray; index into [`Graph::arrays`].
    Array(u32),
    /// An object-dtype ndarray whose elements are nodes.
    ObjectArray {
        shape: Vec<u64>,
        order: Order,
        items: Vec<NodeId>,
    },
    Dtype(Dtype),
    /// A numpy scalar: dtype plus its raw bytes.
    Scalar {
        dtype: Dtype,
        data: Vec<u8>,
    },
}

impl Node {
    /// Children of this node, in order.
    pub fn children(&self) -> Vec<NodeId> {
        match self {
            Node::List(v) | Node::Tuple(v) | Node::Set(v) | Node::FrozenSet(v) => v.clone(),
            Node::Dict(kv) => kv.iter().flat_map(|&(k, v)| [k, v]).collect(),
            Node::Object {
                args, state, items, ..
            } => {
                let mut c = args.clone();
                c.extend(state.iter().copied());
                c.extend(items.iter().flat_map(|&(k, v)| [k, v]));
                c
            }
            Node::Call { args, state, .. } => {
                let mut c = args.clone();
                c.extend(state.iter().copied());
                c
            }
            Node::ObjectArray { items, .. } => items.clone(),
            _ => Vec::new(),
        }
    }
    /// A short name of the node's kind, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Node::None => "None",
            Node::Bool(_) => "bool",
            Node::Int(_) | Node::BigInt(_) => "int",
            Node::Float(_) => "float",
            Node::Str(_) => "str",
            Node::Bytes(_) => "bytes",
            Node::ByteArray(_) => "bytearray",
            Node::List(_) => "list",
            Node::Tuple(_) => "tuple",
            Node::Dict(_) => "dict",
            Node::Set(_) => "set",
            Node::FrozenSet(_) => "frozenset",
            Node::Global(_) => "global",
            Node::Object { .. } => "object",
            Node::Call { .. } => "call",
            Node::Array(_) => "ndarray",
            Node::ObjectArray { .. } => "object ndarray",
            Node::Dtype(_) => "dtype",
            Node::Scalar { .. } => "numpy scalar",
        }
    }
}

/// A whole object graph: nodes, roots and arrays.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub arrays: Vec<ArraySpec>,
    /// The saved object.
    pub root: NodeId,
    /// Optional probe (inputs and outputs recorded at save time).
    pub probe: Option<NodeId>,
    /// Stored native layouts of trees (`layout.rs`, FORMAT.md §5.6).
    pub native: Vec<crate::layout::NativeTree>,
}

impl Graph {
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id as usize)
    }

    /// Nodes reachable from the roots (the only ones ever built or stored).
    pub fn reachable(&self) -> Vec<bool> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack: Vec<NodeId> = [Some(self.root), self.probe]
            .into_iter()
            .flatten()
            .collect();
        while let Some(id) = stack.pop() {
            let Some(s) = seen.get_mut(id as usize) else {
                continue;
            };
            if *s {
                continue;
            }
            *s = true;
            if let Some(n) = self.node(id) {
                stack.extend(n.children());
            }
        }
        seen
    }

    /// Every global name the graph mentions, with the role it is used in.
    pub fn globals(&self) -> Vec<(GlobalName, Use)> {
        let mut out = Vec::new();
        for n in &self.nodes {
            match n {
                Node::Global(g) => out.push((g.clone(), Use::Reference)),
                Node::Object { class, .. } => out.push((class.clone(), Use::Class)),
                Node::Call { func, .. } => out.push((func.clone(), Use::Constructor)),
                _ => {}
            }
        }
        out
    }

    /// Object dict state as (key, value) pairs when `id` is a dict with string keys.
    pub fn str_dict(&self, id: NodeId) -> Option<Vec<(&str, NodeId)>> {
        match self.node(id)? {
            Node::Dict(kv) => kv
                .iter()
                .map(|&(k, v)| match self.node(k) {
                    Some(Node::Str(s)) => Some((s.as_str(), v)),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }

    /// Value of `key` in a string-keyed dict node.
    pub fn dict_get(&self, id: NodeId, key: &str) -> Option<NodeId> {
        match self.node(id)? {
            Node::Dict(kv) => kv.iter().find_map(|&(k, v)| match self.node(k) {
                Some(Node::Str(s)) if s == key => Some(v),
                _ => None,
            }),
            _ => None,
        }
    }

    pub fn as_int(&self, id: NodeId) -> Option<i64> {
        match self.node(id)? {
            Node::Int(i) => Some(*i),
            Node::Bool(b) => Some(*b as i64),
            Node::Scalar { dtype, data } => scalar_as_i64(dtype, data),
            _ => None,
        }
    }
}

fn scalar_as_i64(dtype: &Dtype, data: &[u8]) -> Option<i64> {
    let Dtype::Simple(s) = dtype else { return None };
    if s.starts_with('>') {
        return None;
    }
    match (s.trim_start_matches(['<', '|', '=']), data.len()) {
        ("i8", 8) => Some(i64::from_le_bytes(data.try_into().ok()?)),
        ("u8", 8) => i64::try_from(u64::from_le_bytes(data.try_into().ok()?)).ok(),
        ("i4", 4) => Some(i32::from_le_bytes(data.try_into().ok()?) as i64),
        ("u4", 4) => Some(u32::from_le_bytes(data.try_into().ok()?) as i64),
        _ => None,
    }
}

/// The position in which a global name is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Use {
    /// Instantiated with `cls.__new__` + state.
    Class,
    /// Called with arguments.
    Constructor,
    /// Held as a value.
    Reference,
}

impl Use {
    pub fn as_str(self) -> &'static str {
        match self {
            Use::Class => "class",
            Use::Constructor => "constructor",
            Use::Reference => "reference",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtypes_and_shapes_are_spelled_as_numpy_does() {
        let d = Dtype::Struct {
            names: vec!["left_child".into(), "threshold".into()],
            formats: vec![Dtype::Simple("<i8".into()), Dtype::Simple("<f8".into())],
            offsets: vec![0, 8],
            itemsize: 16,
        };
        assert_eq!(
            d.to_string(),
            "[('left_child', '<i8'), ('threshold', '<f8')]"
        );
        assert_eq!(Dtype::Simple("<f8".into()).to_string(), "<f8");
        assert_eq!(shape_str(&[23]), "(23,)");
        assert_eq!(shape_str(&[3, 4]), "(3, 4)");
        assert_eq!(shape_str(&[]), "()");
        let mut label = array_label(459, &d, &[23]);
        assert_eq!(
            label.to_string(),
            "array 459 (shape (23,), dtype [('left_child', '<i8'), ('threshold', '<f8')])"
        );
        label.place = Some("estimators_[114].tree_.nodes".into());
        assert_eq!(
            label.to_string(),
            "array 459 at estimators_[114].tree_.nodes (shape (23,), dtype \
             [('left_child', '<i8'), ('threshold', '<f8')])"
        );
    }
}
