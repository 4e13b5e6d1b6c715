//! The graph's JSON form in the header: a tree of inline nodes, with nodes
//! that are referenced more than once (and so must keep their identity)
//! stored once in a `shared` table and referenced as `{"ref": k}`.
//! See docs/FORMAT.md, "Object graph".

use serde_json::{json, Map, Value};

use crate::ir::{Dtype, GlobalName, Graph, Node, NodeId};

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
    if !g.native.is_empty() {
        let trees: Vec<Value> = g
            .native
            .iter()
            .map(|t| json!([t.nodes, t.layout]))
            .collect();
        m.insert("native".into(), json!({ "trees": trees }));
    }
    Value::Object(m)
}

/// Limits applied while decoding a header graph.
const MAX_DEPTH: usize = 200;

fn parse_global(s: &str) -> Result<GlobalName, String> {
    let (m, n) = s
        .split_once(':')
        .ok_or_else(|| format!("global {s:?} is not module:qualname"))?;
    if m.is_empty() || n.is_empty() {
        return Err(format!("global {s:?} has an empty part"));
    }
    Ok(GlobalName::new(m, n))
}

/// Decode the header's `graph` object (a parsed JSON value).
pub fn decode(v: &Value, n_arrays: usize) -> Result<Graph, String> {
    decode_text(&v.to_string(), n_arrays)
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

// ---------------------------------------------------------------------------
// Streaming decoder: builds the arena straight from the JSON text, without an
// intermediate `serde_json::Value` tree (the load path's hot spot).

mod stream {
    use std::collections::HashMap;
    use std::fmt;

    use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde_json::Value;

    use super::{dtype_from_json, parse_global, unhex, MAX_DEPTH};
    use crate::ir::{Dtype, Graph, Node, NodeId, Order};

    pub(super) struct St {
        /// Set when the last node read was a `{"ref": k}`.
        pub last_was_ref: bool,
        pub nodes: Vec<Node>,
        /// shared-table index -> reserved node id
        pub refs: HashMap<u64, NodeId>,
        pub n_arrays: usize,
    }

    impl St {
        fn add(&mut self, n: Node) -> NodeId {
            self.last_was_ref = false;
            self.nodes.push(n);
            (self.nodes.len() - 1) as NodeId
        }
        fn slot(&mut self, k: u64) -> NodeId {
            if let Some(&id) = self.refs.get(&k) {
                return id;
            }
            let id = self.add(Node::None);
            self.refs.insert(k, id);
            id
        }
    }

    #[derive(serde::Deserialize)]
    #[serde(field_identifier, rename_all = "lowercase")]
    enum Key {
        Ref,
        Int,
        Float,
        Bytes,
        Bytearray,
        List,
        Tuple,
        Set,
        Frozenset,
        Dict,
        Global,
        Object,
        Call,
        Array,
        Objarray,
        Dtype,
        Scalar,
        Args,
        State,
        Items,
        Shape,
        Order,
        Hex,
        #[serde(other)]
        Unknown,
    }

    #[derive(Default)]
    struct Parts {
        tag: Option<&'static str>,
        ref_: Option<u64>,
        text: Option<String>,
        float: Option<f64>,
        seq: Option<Vec<NodeId>>,
        pairs: Option<Vec<(NodeId, NodeId)>>,
        args: Option<Vec<NodeId>>,
        state: Option<NodeId>,
        items: Option<Vec<(NodeId, NodeId)>>,
        array: Option<u64>,
        dtype: Option<Value>,
        shape: Option<Vec<u64>>,
        order: Option<String>,
        hex: Option<String>,
    }

    pub(super) struct NodeSeed<'s> {
        pub st: &'s mut St,
        pub depth: usize,
    }

    impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
        type Value = NodeId;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<NodeId, D::Error> {
            if self.depth > MAX_DEPTH {
                return Err(de::Error::custom(format!(
                    "object graph nested deeper than {MAX_DEPTH}"
                )));
            }
            d.deserialize_any(self)
        }
    }

    struct SeqSeed<'s> {
        st: &'s mut St,
        depth: usize,
    }

    impl<'de> DeserializeSeed<'de> for SeqSeed<'_> {
        type Value = Vec<NodeId>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<NodeId>, D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de> Visitor<'de> for SeqSeed<'_> {
        type Value = Vec<NodeId>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON array of nodes")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<NodeId>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(id) = seq.next_element_seed(NodeSeed {
                st: &mut *self.st,
                depth: self.depth + 1,
            })? {
                out.push(id);
            }
            Ok(out)
        }
    }

    struct PairsSeed<'s> {
        st: &'s mut St,
        depth: usize,
    }

    impl<'de> DeserializeSeed<'de> for PairsSeed<'_> {
        type Value = Vec<(NodeId, NodeId)>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de> Visitor<'de> for PairsSeed<'_> {
        type Value = Vec<(NodeId, NodeId)>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON array of [key, value] pairs")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(kv) = seq.next_element_seed(SeqSeed {
                st: &mut *self.st,
                depth: self.depth,
            })? {
                match kv.as_slice() {
                    [k, v] => out.push((*k, *v)),
                    _ => return Err(de::Error::custom("dict entry must be a [key, value] pair")),
                }
            }
            Ok(out)
        }
    }

    fn set_tag<E: de::Error>(p: &mut Parts, tag: &'static str) -> Result<(), E> {
        match p.tag {
            None => {
                p.tag = Some(tag);
                Ok(())
            }
            Some(t) => Err(E::custom(format!("node has two kinds: {t} and {tag}"))),
        }
    }

    impl<'de> Visitor<'de> for NodeSeed<'_> {
        type Value = NodeId;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a graph node")
        }
        fn visit_unit<E: de::Error>(self) -> Result<NodeId, E> {
            Ok(self.st.add(Node::None))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<NodeId, E> {
            Ok(self.st.add(Node::Bool(v)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<NodeId, E> {
            Ok(self.st.add(Node::Int(v)))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<NodeId, E> {
            Ok(self.st.add(match i64::try_from(v) {
                Ok(i) => Node::Int(i),
                Err(_) => Node::BigInt(v.to_string()),
            }))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<NodeId, E> {
            Ok(self.st.add(Node::Float(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<NodeId, E> {
            Ok(self.st.add(Node::Str(v.to_owned())))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<NodeId, E> {
            Ok(self.st.add(Node::Str(v)))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<NodeId, A::Error> {
            Err(de::Error::custom("bare JSON array is not a node"))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeId, A::Error> {
            let st = self.st;
            let depth = self.depth;
            let mut p = Parts::default();
            while let Some(key) = map.next_key::<Key>()? {
                match key {
                    Key::Ref => {
                        set_tag(&mut p, "ref")?;
                        p.ref_ = Some(map.next_value()?);
                    }
                    Key::Int => {
                        set_tag(&mut p, "int")?;
                        p.text = Some(map.next_value()?);
                    }
                    Key::Float => {
                        set_tag(&mut p, "float")?;
                        p.float = Some(match map.next_value::<Value>()? {
                            Value::Number(n) => {
                                n.as_f64().ok_or_else(|| de::Error::custom("bad float"))?
                            }
                            Value::String(s) => match s.as_str() {
                                "nan" => f64::NAN,
                                "-nan" => -f64::NAN,
                                "inf" => f64::INFINITY,
                                "-inf" => f64::NEG_INFINITY,
                                _ => return Err(de::Error::custom(format!("bad float {s:?}"))),
                            },
                            _ => return Err(de::Error::custom("bad float")),
                        });
                    }
                    Key::Bytes | Key::Bytearray => {
                        set_tag(
                            &mut p,
                            if matches!(key, Key::Bytes) {
                                "bytes"
                            } else {
                                "bytearray"
                            },
                        )?;
                        p.text = Some(map.next_value()?);
                    }
                    Key::List | Key::Tuple | Key::Set | Key::Frozenset | Key::Objarray => {
                        let tag = match key {
                            Key::List => "list",
                            Key::Tuple => "tuple",
                            Key::Set => "set",
                            Key::Frozenset => "frozenset",
                            _ => "objarray",
                        };
                        set_tag(&mut p, tag)?;
                        p.seq = Some(map.next_value_seed(SeqSeed {
                            st: &mut *st,
                            depth,
                        })?);
                    }
                    Key::Dict => {
                        set_tag(&mut p, "dict")?;
                        p.pairs = Some(map.next_value_seed(PairsSeed {
                            st: &mut *st,
                            depth: depth + 1,
                        })?);
                    }
                    Key::Global | Key::Object | Key::Call => {
                        let tag = match key {
                            Key::Global => "global",
                            Key::Object => "object",
                            _ => "call",
                        };
                        set_tag(&mut p, tag)?;
                        p.text = Some(map.next_value()?);
                    }
                    Key::Array => {
                        set_tag(&mut p, "array")?;
                        p.array = Some(map.next_value()?);
                    }
                    Key::Dtype | Key::Scalar => {
                        set_tag(
                            &mut p,
                            if matches!(key, Key::Dtype) {
                                "dtype"
                            } else {
                                "scalar"
                            },
                        )?;
                        p.dtype = Some(map.next_value()?);
                    }
                    Key::Args => {
                        p.args = Some(map.next_value_seed(SeqSeed {
                            st: &mut *st,
                            depth,
                        })?)
                    }
                    Key::State => {
                        p.state = Some(map.next_value_seed(NodeSeed {
                            st: &mut *st,
                            depth: depth + 1,
                        })?)
                    }
                    Key::Items => {
                        p.items = Some(map.next_value_seed(PairsSeed {
                            st: &mut *st,
                            depth: depth + 1,
                        })?)
                    }
                    Key::Shape => p.shape = Some(map.next_value()?),
                    Key::Order => p.order = Some(map.next_value()?),
                    Key::Hex => p.hex = Some(map.next_value()?),
                    Key::Unknown => return Err(de::Error::custom("unknown key in a graph node")),
                }
            }
            let err = |m: &str| de::Error::custom(m.to_string());
            let node = match p.tag {
                None => return Err(err("JSON object without a node kind")),
                Some("ref") => {
                    let id = st.slot(p.ref_.unwrap_or(u64::MAX));
                    st.last_was_ref = true;
                    return Ok(id);
                }
                Some("int") => {
                    let s = p.text.unwrap_or_default();
                    let d = s.strip_prefix('-').unwrap_or(&s);
                    if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) || d.len() > 20_000 {
                        return Err(err("bad big int"));
                    }
                    Node::BigInt(s)
                }
                Some("float") => Node::Float(p.float.unwrap_or(f64::NAN)),
                Some("bytes") => {
                    Node::Bytes(unhex(&p.text.unwrap_or_default()).ok_or_else(|| err("bad hex"))?)
                }
                Some("bytearray") => Node::ByteArray(
                    unhex(&p.text.unwrap_or_default()).ok_or_else(|| err("bad hex"))?,
                ),
                Some("list") => Node::List(p.seq.unwrap_or_default()),
                Some("tuple") => Node::Tuple(p.seq.unwrap_or_default()),
                Some("set") => Node::Set(p.seq.unwrap_or_default()),
                Some("frozenset") => Node::FrozenSet(p.seq.unwrap_or_default()),
                Some("dict") => Node::Dict(p.pairs.unwrap_or_default()),
                Some("global") => Node::Global(
                    parse_global(&p.text.unwrap_or_default()).map_err(de::Error::custom)?,
                ),
                Some("object") => Node::Object {
                    class: parse_global(&p.text.unwrap_or_default()).map_err(de::Error::custom)?,
                    args: p.args.unwrap_or_default(),
                    state: p.state,
                    items: p.items.unwrap_or_default(),
                },
                Some("call") => Node::Call {
                    func: parse_global(&p.text.unwrap_or_default()).map_err(de::Error::custom)?,
                    args: p.args.ok_or_else(|| err("call needs args"))?,
                    state: p.state,
                },
                Some("array") => {
                    let i = p.array.unwrap_or(u64::MAX);
                    if i >= st.n_arrays as u64 {
                        return Err(de::Error::custom(format!(
                            "array {i} is not in the array table"
                        )));
                    }
                    Node::Array(i as u32)
                }
                Some("objarray") => {
                    let items = p.seq.unwrap_or_default();
                    let shape = p.shape.ok_or_else(|| err("objarray needs a shape"))?;
                    let count = shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d));
                    if count != Some(items.len() as u64) {
                        return Err(err("objarray shape does not match its item count"));
                    }
                    let order = match p.order.as_deref() {
                        Some("F") => Order::F,
                        Some("C") | None => Order::C,
                        Some(_) => return Err(err("bad order")),
                    };
                    Node::ObjectArray {
                        shape,
                        order,
                        items,
                    }
                }
                Some("dtype") => Node::Dtype(
                    dtype_from_json(&p.dtype.unwrap_or_default(), 0).map_err(de::Error::custom)?,
                ),
                Some("scalar") => {
                    let dtype: Dtype = dtype_from_json(&p.dtype.unwrap_or_default(), 0)
                        .map_err(de::Error::custom)?;
                    if dtype.has_object() {
                        return Err(err("object scalar"));
                    }
                    let data = unhex(&p.hex.unwrap_or_default()).ok_or_else(|| err("bad hex"))?;
                    if Some(data.len() as u64) != dtype.itemsize() {
                        return Err(err("scalar size does not match its dtype"));
                    }
                    Node::Scalar { dtype, data }
                }
                Some(other) => return Err(de::Error::custom(format!("unknown node kind {other}"))),
            };
            Ok(st.add(node))
        }
    }

    /// The graph object: {"root": node, "probe"?: node, "shared"?: [node...]}.
    pub(super) struct GraphVisitor<'s> {
        pub st: &'s mut St,
    }

    pub(super) struct Top {
        pub root: Option<NodeId>,
        pub probe: Option<NodeId>,
        pub shared_len: usize,
        pub native: Option<NativeJson>,
    }

    /// The graph's `native` member (FORMAT.md §5.6).
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct NativeJson {
        trees: Vec<(u32, u32)>,
    }

    #[derive(serde::Deserialize)]
    #[serde(field_identifier, rename_all = "lowercase")]
    enum TopKey {
        Root,
        Probe,
        Shared,
        Native,
        #[serde(other)]
        Unknown,
    }

    struct SharedSeed<'s> {
        st: &'s mut St,
    }

    impl<'de> DeserializeSeed<'de> for SharedSeed<'_> {
        type Value = usize;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de> Visitor<'de> for SharedSeed<'_> {
        type Value = usize;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("the shared node table")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
            let mut k = 0u64;
            loop {
                self.st.last_was_ref = false;
                let Some(tmp) = seq.next_element_seed(NodeSeed {
                    st: &mut *self.st,
                    depth: 1,
                })?
                else {
                    break;
                };
                if self.st.last_was_ref {
                    return Err(de::Error::custom(format!(
                        "shared entry {k} is itself a ref"
                    )));
                }
                let slot = self.st.slot(k);
                let node = std::mem::replace(&mut self.st.nodes[tmp as usize], Node::None);
                self.st.nodes[slot as usize] = node;
                k += 1;
            }
            Ok(k as usize)
        }
    }

    impl<'de> DeserializeSeed<'de> for GraphVisitor<'_> {
        type Value = Top;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Top, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for GraphVisitor<'_> {
        type Value = Top;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("the graph object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
            let mut top = Top {
                root: None,
                probe: None,
                shared_len: 0,
                native: None,
            };
            while let Some(k) = map.next_key::<TopKey>()? {
                match k {
                    TopKey::Root => {
                        top.root = Some(map.next_value_seed(NodeSeed {
                            st: &mut *self.st,
                            depth: 0,
                        })?)
                    }
                    TopKey::Probe => {
                        top.probe = Some(map.next_value_seed(NodeSeed {
                            st: &mut *self.st,
                            depth: 0,
                        })?)
                    }
                    TopKey::Shared => {
                        top.shared_len = map.next_value_seed(SharedSeed { st: &mut *self.st })?
                    }
                    TopKey::Native if top.native.is_none() => {
                        top.native = Some(map.next_value::<NativeJson>()?)
                    }
                    TopKey::Native => {
                        return Err(de::Error::custom("duplicate key native in graph"))
                    }
                    TopKey::Unknown => return Err(de::Error::custom("unknown key in graph")),
                }
            }
            Ok(top)
        }
    }

    pub(super) fn finish(st: St, top: Top) -> Result<Graph, String> {
        if let Some(k) = st.refs.keys().find(|&&k| k as usize >= top.shared_len) {
            return Err(format!("ref {k} out of range"));
        }
        let root = top.root.ok_or("graph needs a root")?;
        let native = match top.native {
            None => Vec::new(),
            Some(n) if n.trees.is_empty() => return Err("the native member lists no tree".into()),
            Some(n) => n
                .trees
                .into_iter()
                .map(|(nodes, layout)| {
                    if nodes as usize >= st.n_arrays || layout as usize >= st.n_arrays {
                        Err(format!(
                            "native layout [{nodes}, {layout}]: array index out of range"
                        ))
                    } else {
                        Ok(crate::layout::NativeTree { nodes, layout })
                    }
                })
                .collect::<Result<_, String>>()?,
        };
        Ok(Graph {
            nodes: st.nodes,
            arrays: Vec::new(),
            root,
            probe: top.probe,
            native,
        })
    }
}

/// Decode the graph from its JSON text without building a JSON tree.
pub fn decode_text(text: &str, n_arrays: usize) -> Result<Graph, String> {
    use serde::de::DeserializeSeed;
    // serde's own recursion limit is off (graphs may nest deeper than 128):
    // bound the nesting of the text first so no input can exhaust the stack.
    let depth = text_depth(text.as_bytes());
    if depth > MAX_JSON_DEPTH {
        return Err(format!(
            "graph JSON nested {depth} levels deep (limit {MAX_JSON_DEPTH})"
        ));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let mut st = stream::St {
        last_was_ref: false,
        nodes: Vec::with_capacity(text.len() / 16),
        refs: Default::default(),
        n_arrays,
    };
    let top = stream::GraphVisitor { st: &mut st }
        .deserialize(&mut de)
        .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    stream::finish(st, top)
}
