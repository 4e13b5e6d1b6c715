//! The graph's JSON form in the header: a tree of inline nodes, with nodes
//! that are referenced more than once (and so must keep their identity)
//! stored once in a `shared` table and referenced as `{"ref": k}`.
//! See docs/FORMAT.md, "Object graph".

use serde_json::{json, Map, Value};

use crate::ir::{Dtype, GlobalName, Graph, Node, NodeId, Order};

fn is_atom(n: &Node) -> bool {
    matches!(
        n,
        Node::None
            | Node::Bool(_)
            | Node::Int(_)
            | Node::BigInt(_)
            | Node::Float(_)
            | Node::Str(_)
            | Node::Bytes(_)
            | Node::Global(_)
            | Node::Dtype(_)
            | Node::Scalar { .. }
    )
}

pub fn hex(b: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(H[(x >> 4) as usize] as char);
        s.push(H[(x & 15) as usize] as char);
    }
    s
}

pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let b = s.as_bytes();
    let v = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    };
    b.chunks(2)
        .map(|p| Some(v(p[0])? << 4 | v(p[1])?))
        .collect()
}

pub fn dtype_to_json(d: &Dtype) -> Value {
    match d {
        Dtype::Simple(s) => Value::String(s.clone()),
        Dtype::Struct {
            names,
            formats,
            offsets,
            itemsize,
        } => json!({
            "names": names,
            "formats": formats.iter().map(dtype_to_json).collect::<Vec<_>>(),
            "offsets": offsets,
            "itemsize": itemsize,
        }),
    }
}

pub fn dtype_from_json(v: &Value, depth: usize) -> Result<Dtype, String> {
    if depth > 16 {
        return Err("dtype nested too deeply".into());
    }
    match v {
        Value::String(s) => {
            let d = Dtype::Simple(s.clone());
            if d.itemsize().is_none() {
                return Err(format!("malformed dtype {s:?}"));
            }
            let body = s.trim_start_matches(['<', '>', '|', '=']);
            if !matches!(
                body.chars().next(),
                Some('b' | 'i' | 'u' | 'f' | 'c' | 'U' | 'S' | 'V' | 'O' | '?')
            ) {
                return Err(format!("unsupported dtype {s:?}"));
            }
            Ok(d)
        }
        Value::Object(m) => {
            let names: Vec<String> = m
                .get("names")
                .and_then(Value::as_array)
                .ok_or("struct dtype needs names")?
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .ok_or("field name must be a string")
                })
                .collect::<Result<_, _>>()?;
            let formats: Vec<Dtype> = m
                .get("formats")
                .and_then(Value::as_array)
                .ok_or("struct dtype needs formats")?
                .iter()
                .map(|x| dtype_from_json(x, depth + 1))
                .collect::<Result<_, _>>()?;
            let offsets: Vec<u64> = m
                .get("offsets")
                .and_then(Value::as_array)
                .ok_or("struct dtype needs offsets")?
                .iter()
                .map(|x| x.as_u64().ok_or("offset must be an integer"))
                .collect::<Result<_, _>>()?;
            let itemsize = m
                .get("itemsize")
                .and_then(Value::as_u64)
                .ok_or("struct dtype needs itemsize")?;
            if names.len() != formats.len() || names.len() != offsets.len() {
                return Err("struct dtype names/formats/offsets differ in length".into());
            }
            for (f, o) in formats.iter().zip(&offsets) {
                let end = f.itemsize().and_then(|s| s.checked_add(*o));
                if end.is_none_or(|e| e > itemsize) {
                    return Err("struct dtype field lies outside the item".into());
                }
            }
            Ok(Dtype::Struct {
                names,
                formats,
                offsets,
                itemsize,
            })
        }
        _ => Err("dtype must be a string or an object".into()),
    }
}

struct Encoder<'g> {
    g: &'g Graph,
    shared_index: Vec<Option<usize>>,
    shared: Vec<Value>,
    want_shared: Vec<bool>,
}

impl Encoder<'_> {
    fn enc(&mut self, id: NodeId) -> Value {
        let i = id as usize;
        if self.want_shared[i] {
            if let Some(k) = self.shared_index[i] {
                return json!({ "ref": k });
            }
            let k = self.shared.len();
            self.shared_index[i] = Some(k);
            self.shared.push(Value::Null);
            let v = self.enc_node(id);
            self.shared[k] = v;
            return json!({ "ref": k });
        }
        self.enc_node(id)
    }
    fn list(&mut self, ids: &[NodeId]) -> Value {
        Value::Array(ids.iter().map(|&c| self.enc(c)).collect())
    }
    fn pairs(&mut self, kv: &[(NodeId, NodeId)]) -> Value {
        Value::Array(
            kv.iter()
                .map(|&(k, v)| Value::Array(vec![self.enc(k), self.enc(v)]))
                .collect(),
        )
    }
    fn enc_node(&mut self, id: NodeId) -> Value {
        let g = self.g;
        let Some(n) = g.node(id) else {
            return Value::Null;
        };
        match n {
            Node::None => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(i) => json!(i),
            Node::BigInt(s) => json!({ "int": s }),
            Node::Float(f) => {
                if f.is_finite() {
                    // serde_json writes finite floats with a fraction or an
                    // exponent ("1.0", "1e-5"), which is how readers tell them from ints.
                    json!(f)
                } else if f.is_nan() {
                    json!({ "float": if f.is_sign_negative() { "-nan" } else { "nan" } })
                } else if *f > 0.0 {
                    json!({ "float": "inf" })
                } else {
                    json!({ "float": "-inf" })
                }
            }
            Node::Str(s) => Value::String(s.clone()),
            Node::Bytes(b) => json!({ "bytes": hex(b) }),
            Node::ByteArray(b) => json!({ "bytearray": hex(b) }),
            Node::List(v) => json!({ "list": self.list(v) }),
            Node::Tuple(v) => json!({ "tuple": self.list(v) }),
            Node::Set(v) => json!({ "set": self.list(v) }),
            Node::FrozenSet(v) => json!({ "frozenset": self.list(v) }),
            Node::Dict(kv) => json!({ "dict": self.pairs(kv) }),
            Node::Global(gn) => json!({ "global": gn.colon() }),
            Node::Object {
                class,
                args,
                state,
                items,
            } => {
                let mut m = Map::new();
                m.insert("object".into(), Value::String(class.colon()));
                if !args.is_empty() {
                    m.insert("args".into(), self.list(args));
                }
                if let Some(s) = state {
                    m.insert("state".into(), self.enc(*s));
                }
                if !items.is_empty() {
                    m.insert("items".into(), self.pairs(items));
                }
                Value::Object(m)
            }
            Node::Call { func, args, state } => {
                let mut m = Map::new();
                m.insert("call".into(), Value::String(func.colon()));
                m.insert("args".into(), self.list(args));
                if let Some(s) = state {
                    m.insert("state".into(), self.enc(*s));
                }
                Value::Object(m)
            }
            Node::Array(i) => json!({ "array": i }),
            Node::ObjectArray {
                shape,
                order,
                items,
            } => json!({
                "objarray": self.list(items),
                "shape": shape,
                "order": order.as_str(),
            }),
            Node::Dtype(d) => json!({ "dtype": dtype_to_json(d) }),
            Node::Scalar { dtype, data } => {
                json!({ "scalar": dtype_to_json(dtype), "hex": hex(data) })
            }
        }
    }
}

/// Encode the graph's nodes (not its arrays) as the header's `graph` object.
pub fn encode(g: &Graph) -> Value {
    let n = g.nodes.len();
    let mut refs = vec![0u32; n];
    let live = g.reachable();
    for (node, _) in g.nodes.iter().zip(&live).filter(|(_, l)| **l) {
        for c in node.children() {
            if let Some(r) = refs.get_mut(c as usize) {
                *r = r.saturating_add(1);
            }
        }
    }
    let mut want_shared = vec![false; n];
    for (i, node) in g.nodes.iter().enumerate() {
        want_shared[i] = !is_atom(node) && refs[i] >= 2;
    }
    // The roots: a root reachable from inside itself must be shared to stop recursion.
    for r in [Some(g.root), g.probe].into_iter().flatten() {
        if let Some(node) = g.node(r) {
            if !is_atom(node) && refs[r as usize] >= 1 {
                want_shared[r as usize] = true;
            }
        }
    }
    let mut e = Encoder {
        g,
        shared_index: vec![None; n],
        shared: Vec::new(),
        want_shared,
    };
    let root = e.enc(g.root);
    let probe = g.probe.map(|p| e.enc(p));
    let mut m = Map::new();
    m.insert("root".into(), root);
    if let Some(p) = probe {
        m.insert("probe".into(), p);
    }
    if !e.shared.is_empty() {
        m.insert("shared".into(), Value::Array(e.shared));
    }
    Value::Object(m)
}

/// Limits applied while decoding a header graph.
const MAX_DEPTH: usize = 200;

/// Node kinds, each the key that identifies a node object.
const TAGS: &[&str] = &[
    "ref",
    "int",
    "float",
    "bytes",
    "bytearray",
    "list",
    "tuple",
    "set",
    "frozenset",
    "dict",
    "global",
    "object",
    "call",
    "array",
    "objarray",
    "dtype",
    "scalar",
];

struct Decoder {
    nodes: Vec<Node>,
    shared_ids: Vec<NodeId>,
    n_arrays: usize,
}

fn parse_global(s: &str) -> Result<GlobalName, String> {
    let (m, n) = s
        .split_once(':')
        .ok_or_else(|| format!("global {s:?} is not module:qualname"))?;
    if m.is_empty() || n.is_empty() {
        return Err(format!("global {s:?} has an empty part"));
    }
    Ok(GlobalName::new(m, n))
}

impl Decoder {
    fn add(&mut self, n: Node) -> NodeId {
        self.nodes.push(n);
        (self.nodes.len() - 1) as NodeId
    }
    fn list(&mut self, v: &Value, depth: usize) -> Result<Vec<NodeId>, String> {
        v.as_array()
            .ok_or("expected a JSON array")?
            .iter()
            .map(|x| self.dec(x, depth + 1))
            .collect()
    }
    fn pairs(&mut self, v: &Value, depth: usize) -> Result<Vec<(NodeId, NodeId)>, String> {
        v.as_array()
            .ok_or("expected a JSON array of pairs")?
            .iter()
            .map(|p| match p.as_array().map(Vec::as_slice) {
                Some([k, v]) => Ok((self.dec(k, depth + 1)?, self.dec(v, depth + 1)?)),
                _ => Err("dict entry must be a [key, value] pair".to_string()),
            })
            .collect()
    }
    fn dec(&mut self, v: &Value, depth: usize) -> Result<NodeId, String> {
        if depth > MAX_DEPTH {
            return Err(format!("object graph nested deeper than {MAX_DEPTH}"));
        }
        let node = match v {
            Value::Null => Node::None,
            Value::Bool(b) => Node::Bool(*b),
            // An integer literal is an int; a literal with a fraction or an
            // exponent is a float (serde_json keeps the distinction).
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Node::Int(i),
                (None, Some(u)) => Node::BigInt(u.to_string()),
                _ => Node::Float(n.as_f64().ok_or_else(|| format!("bad number {n}"))?),
            },
            Value::String(s) => Node::Str(s.clone()),
            Value::Array(_) => return Err("bare JSON array is not a node".into()),
            Value::Object(m) => {
                let (tag, body) = TAGS
                    .iter()
                    .find_map(|t| m.get(*t).map(|b| (*t, b)))
                    .ok_or("JSON object without a node kind")?;
                match tag {
                    "ref" => {
                        let k = body.as_u64().ok_or("ref must be an integer")? as usize;
                        return self
                            .shared_ids
                            .get(k)
                            .copied()
                            .ok_or_else(|| format!("ref {k} out of range"));
                    }
                    "int" => {
                        let s = body.as_str().ok_or("big int must be a string")?;
                        let d = s.strip_prefix('-').unwrap_or(s);
                        if d.is_empty()
                            || !d.bytes().all(|b| b.is_ascii_digit())
                            || d.len() > 20_000
                        {
                            return Err(format!("bad big int {s:?}"));
                        }
                        Node::BigInt(s.to_string())
                    }
                    "float" => Node::Float(match body {
                        Value::Number(n) => n.as_f64().ok_or("bad float")?,
                        Value::String(s) => match s.as_str() {
                            "nan" => f64::NAN,
                            "-nan" => -f64::NAN,
                            "inf" => f64::INFINITY,
                            "-inf" => f64::NEG_INFINITY,
                            _ => return Err(format!("bad float {s:?}")),
                        },
                        _ => return Err("bad float".into()),
                    }),
                    "bytes" => Node::Bytes(
                        unhex(body.as_str().ok_or("bytes must be hex")?).ok_or("bad hex")?,
                    ),
                    "bytearray" => Node::ByteArray(
                        unhex(body.as_str().ok_or("bytearray must be hex")?).ok_or("bad hex")?,
                    ),
                    "list" => Node::List(self.list(body, depth)?),
                    "tuple" => Node::Tuple(self.list(body, depth)?),
                    "set" => Node::Set(self.list(body, depth)?),
                    "frozenset" => Node::FrozenSet(self.list(body, depth)?),
                    "dict" => Node::Dict(self.pairs(body, depth)?),
                    "global" => Node::Global(parse_global(
                        body.as_str().ok_or("global must be a string")?,
                    )?),
                    "object" => {
                        let class =
                            parse_global(body.as_str().ok_or("object class must be a string")?)?;
                        let args = match m.get("args") {
                            Some(a) => self.list(a, depth)?,
                            None => Vec::new(),
                        };
                        let state = match m.get("state") {
                            Some(s) => Some(self.dec(s, depth + 1)?),
                            None => None,
                        };
                        let items = match m.get("items") {
                            Some(a) => self.pairs(a, depth)?,
                            None => Vec::new(),
                        };
                        Node::Object {
                            class,
                            args,
                            state,
                            items,
                        }
                    }
                    "call" => {
                        let func =
                            parse_global(body.as_str().ok_or("call target must be a string")?)?;
                        let args = self.list(m.get("args").ok_or("call needs args")?, depth)?;
                        let state = match m.get("state") {
                            Some(s) => Some(self.dec(s, depth + 1)?),
                            None => None,
                        };
                        Node::Call { func, args, state }
                    }
                    "array" => {
                        let i = body.as_u64().ok_or("array index must be an integer")? as usize;
                        if i >= self.n_arrays {
                            return Err(format!("array {i} is not in the array table"));
                        }
                        Node::Array(i as u32)
                    }
                    "objarray" => {
                        let items = self.list(body, depth)?;
                        let shape: Vec<u64> = m
                            .get("shape")
                            .and_then(Value::as_array)
                            .ok_or("objarray needs a shape")?
                            .iter()
                            .map(|x| x.as_u64().ok_or("shape must hold integers"))
                            .collect::<Result<_, _>>()?;
                        let count = shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d));
                        if count != Some(items.len() as u64) {
                            return Err("objarray shape does not match its item count".into());
                        }
                        let order = match m.get("order").and_then(Value::as_str) {
                            Some("F") => Order::F,
                            Some("C") | None => Order::C,
                            Some(o) => return Err(format!("bad order {o:?}")),
                        };
                        Node::ObjectArray {
                            shape,
                            order,
                            items,
                        }
                    }
                    "dtype" => Node::Dtype(dtype_from_json(body, 0)?),
                    "scalar" => {
                        let dtype = dtype_from_json(body, 0)?;
                        if dtype.has_object() {
                            return Err("object scalar".into());
                        }
                        let data = unhex(
                            m.get("hex")
                                .and_then(Value::as_str)
                                .ok_or("scalar needs hex")?,
                        )
                        .ok_or("bad hex")?;
                        if Some(data.len() as u64) != dtype.itemsize() {
                            return Err("scalar size does not match its dtype".into());
                        }
                        Node::Scalar { dtype, data }
                    }
                    other => return Err(format!("unknown node kind {other:?}")),
                }
            }
        };
        Ok(self.add(node))
    }
}

/// Decode the header's `graph` object. `n_arrays` bounds array indices.
pub fn decode(v: &Value, n_arrays: usize) -> Result<Graph, String> {
    let m = v.as_object().ok_or("graph must be a JSON object")?;
    let shared: &[Value] = match m.get("shared") {
        Some(Value::Array(a)) => a,
        Some(_) => return Err("graph.shared must be an array".into()),
        None => &[],
    };
    let mut d = Decoder {
        nodes: Vec::with_capacity(64),
        shared_ids: Vec::new(),
        n_arrays,
    };
    // Reserve one node per shared entry first, so refs (including cycles) resolve.
    for _ in 0..shared.len() {
        let id = d.add(Node::None);
        d.shared_ids.push(id);
    }
    for (k, sv) in shared.iter().enumerate() {
        if matches!(sv, Value::Object(o) if o.contains_key("ref")) {
            return Err(format!("shared entry {k} is itself a ref"));
        }
        let tmp = d.dec(sv, 1)?;
        let node = std::mem::replace(&mut d.nodes[tmp as usize], Node::None);
        let target = d.shared_ids[k] as usize;
        d.nodes[target] = node;
    }
    let root = d.dec(m.get("root").ok_or("graph needs a root")?, 0)?;
    let probe = match m.get("probe") {
        Some(p) => Some(d.dec(p, 0)?),
        None => None,
    };
    Ok(Graph {
        nodes: d.nodes,
        arrays: Vec::new(),
        root,
        probe,
    })
}

/// Maximum nesting of arrays/objects in a header (checked before parsing).
pub const MAX_JSON_DEPTH: usize = 400;

/// Nesting depth of JSON text, scanning brackets outside strings (no recursion).
pub fn text_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut max, mut in_str, mut esc) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_str {
            if esc {
                esc = false;
            } else if b == b'\\' {
                esc = true;
            } else if b == b'"' {
                in_str = false;
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Parse header JSON: depth checked first, so a hostile nesting cannot exhaust the stack.
pub fn parse_json(bytes: &[u8]) -> Result<Value, String> {
    let d = text_depth(bytes);
    if d > MAX_JSON_DEPTH {
        return Err(format!(
            "JSON nested {d} levels deep (limit {MAX_JSON_DEPTH})"
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    de.disable_recursion_limit();
    let v = <Value as serde::Deserialize>::deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(v)
}
