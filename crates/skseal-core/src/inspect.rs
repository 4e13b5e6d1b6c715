//! Human- and machine-readable descriptions of a file, from its header alone.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::container::{ArrayEntry, Header};
use crate::graphjson::hex;
use crate::ir::{Dtype, Graph, Node, NodeId};
use crate::policy::{self, Policy};

const MAX_LINES: usize = 400;
const MAX_ITEMS: usize = 12;
const MAX_DEPTH: usize = 12;

pub fn dtype_str(d: &Dtype) -> String {
    match d {
        Dtype::Simple(s) => s.clone(),
        Dtype::Struct {
            names, itemsize, ..
        } => format!("struct[{}]({itemsize}B)", names.join(",")),
    }
}

fn short_class(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

struct Outliner<'a> {
    g: &'a Graph,
    arrays: Option<&'a [ArrayEntry]>,
    out: String,
    lines: usize,
    seen: Vec<bool>,
}

impl Outliner<'_> {
    fn line(&mut self, depth: usize, text: &str) {
        if self.lines < MAX_LINES {
            let _ = writeln!(self.out, "{}{}", "  ".repeat(depth), text);
        } else if self.lines == MAX_LINES {
            let _ = writeln!(self.out, "... (outline truncated)");
        }
        self.lines += 1;
    }

    fn summary(&self, id: NodeId) -> String {
        let Some(n) = self.g.node(id) else {
            return "?".into();
        };
        match n {
            Node::None => "None".into(),
            Node::Bool(b) => {
                if *b {
                    "True".into()
                } else {
                    "False".into()
                }
            }
            Node::Int(i) => i.to_string(),
            Node::BigInt(s) => s.clone(),
            Node::Float(f) => format!("{f:?}"),
            Node::Str(s) => {
                let t: String = s.chars().take(60).collect();
                if t.len() < s.len() {
                    format!("{t:?}...")
                } else {
                    format!("{t:?}")
                }
            }
            Node::Bytes(b) => format!("bytes[{}]", b.len()),
            Node::ByteArray(b) => format!("bytearray[{}]", b.len()),
            Node::List(v) => format!("list[{}]", v.len()),
            Node::Tuple(v) => format!("tuple[{}]", v.len()),
            Node::Set(v) => format!("set[{}]", v.len()),
            Node::FrozenSet(v) => format!("frozenset[{}]", v.len()),
            Node::Dict(v) => format!("dict[{}]", v.len()),
            Node::Global(g) => format!("<{g}>"),
            Node::Object { class, .. } => class.dotted(),
            Node::Call { func, .. } => format!("{}(...)", func.dotted()),
            Node::Array(i) => {
                let spec = self.g.arrays.get(*i as usize);
                let entry = self.arrays.and_then(|a| a.get(*i as usize));
                match (spec, entry) {
                    (_, Some(e)) => format!(
                        "ndarray {} {:?} #{} ({} B, {})",
                        dtype_str(&e.dtype),
                        e.shape,
                        i,
                        e.nbytes,
                        e.codec.name()
                    ),
                    (Some(s), None) => {
                        format!("ndarray {} {:?} #{}", dtype_str(&s.dtype), s.shape, i)
                    }
                    _ => format!("ndarray #{i}"),
                }
            }
            Node::ObjectArray { shape, .. } => format!("ndarray object {shape:?}"),
            Node::Dtype(d) => format!("dtype({})", dtype_str(d)),
            Node::Scalar { dtype, .. } => format!("numpy scalar {}", dtype_str(dtype)),
        }
    }

    fn walk(&mut self, id: NodeId, depth: usize, label: &str) {
        let s = self.summary(id);
        let Some(n) = self.g.node(id) else { return };
        let expandable = matches!(
            n,
            Node::List(_)
                | Node::Tuple(_)
                | Node::Dict(_)
                | Node::Object { .. }
                | Node::Call { .. }
                | Node::Set(_)
        );
        if expandable && self.seen.get(id as usize).copied().unwrap_or(true) {
            self.line(depth, &format!("{label}{s} (shared, see above)"));
            return;
        }
        // Compact: tuples/lists of scalars on one line.
        if let Node::Tuple(v) | Node::List(v) = n {
            let all_atoms = v.iter().all(|&c| {
                !matches!(
                    self.g.node(c),
                    Some(
                        Node::List(_)
                            | Node::Tuple(_)
                            | Node::Dict(_)
                            | Node::Object { .. }
                            | Node::Call { .. }
                    )
                )
            });
            if all_atoms && v.len() <= MAX_ITEMS {
                let items: Vec<String> = v.iter().map(|&c| self.summary(c)).collect();
                let (o, c) = if matches!(n, Node::Tuple(_)) {
                    ("(", ")")
                } else {
                    ("[", "]")
                };
                self.line(depth, &format!("{label}{o}{}{c}", items.join(", ")));
                return;
            }
        }
        self.line(depth, &format!("{label}{s}"));
        if !expandable || depth >= MAX_DEPTH {
            return;
        }
        if let Some(x) = self.seen.get_mut(id as usize) {
            *x = true;
        }
        match n {
            Node::List(v) | Node::Tuple(v) | Node::Set(v) if self.repeated(v) => {
                // A forest's trees: the first in full, the rest in one line.
                let class = self.summary(v[0]);
                self.walk(v[0], depth + 1, "[0] ");
                self.line(
                    depth + 1,
                    &format!(
                        "[1..{}] {} more {class}, each structured like [0]",
                        v.len() - 1,
                        v.len() - 1
                    ),
                );
            }
            Node::List(v) | Node::Tuple(v) | Node::Set(v) => {
                for (k, &c) in v.iter().enumerate().take(MAX_ITEMS) {
                    self.walk(c, depth + 1, &format!("[{k}] "));
                }
                if v.len() > MAX_ITEMS {
                    self.line(depth + 1, &format!("... {} more", v.len() - MAX_ITEMS));
                }
            }
            Node::Dict(kv) => self.dict(kv, depth + 1),
            Node::Object {
                state, items, args, ..
            } => {
                self.args_and_state(args, *state, depth + 1);
                self.dict(items, depth + 1);
            }
            Node::Call { args, state, .. } => self.args_and_state(args, *state, depth + 1),
            _ => {}
        }
    }

    /// Three or more objects of one class, none seen before.
    fn repeated(&self, v: &[NodeId]) -> bool {
        let class = |c: NodeId| match self.g.node(c) {
            Some(Node::Object { class, .. }) => Some(class),
            Some(Node::Call { func, .. }) => Some(func),
            _ => None,
        };
        let first = v.first().and_then(|&c| class(c));
        v.len() >= 3
            && first.is_some()
            && v.iter()
                .all(|&c| class(c) == first && !self.seen.get(c as usize).copied().unwrap_or(true))
    }

    /// Constructor arguments, then the state (a dict state is shown as attributes).
    fn args_and_state(&mut self, args: &[NodeId], state: Option<NodeId>, depth: usize) {
        for (k, &a) in args.iter().enumerate() {
            self.walk(a, depth, &format!("arg{k}: "));
        }
        let g = self.g;
        match state.map(|st| (st, g.node(st))) {
            Some((_, Some(Node::Dict(kv)))) => self.dict(kv, depth),
            Some((st, _)) => self.walk(st, depth, "state: "),
            None => {}
        }
    }

    fn dict(&mut self, kv: &[(NodeId, NodeId)], depth: usize) {
        for &(k, v) in kv.iter().take(MAX_ITEMS * 8) {
            let key = match self.g.node(k) {
                Some(Node::Str(s)) => s.clone(),
                _ => self.summary(k),
            };
            self.walk(v, depth, &format!("{key}: "));
        }
        if kv.len() > MAX_ITEMS * 8 {
            self.line(depth, &format!("... {} more", kv.len() - MAX_ITEMS * 8));
        }
    }
}

/// A readable tree of the object graph.
pub fn outline(g: &Graph, arrays: Option<&[ArrayEntry]>) -> String {
    let mut o = Outliner {
        g,
        arrays,
        out: String::new(),
        lines: 0,
        seen: vec![false; g.nodes.len()],
    };
    o.walk(g.root, 0, "");
    if let Some(p) = g.probe {
        o.line(0, "");
        o.walk(p, 0, "probe: ");
    }
    let _ = short_class;
    o.out
}

/// Every global with its uses and verdict under the default policy.
pub fn globals_json(g: &Graph) -> Value {
    let p = Policy::default();
    Value::Array(
        policy::survey(g, &p)
            .into_iter()
            .map(|(name, uses, verdict)| {
                json!({
                    "name": name.dotted(),
                    "roles": uses.iter().map(|u| u.as_str()).collect::<Vec<_>>(),
                    "verdict": verdict.as_str(),
                })
            })
            .collect(),
    )
}

/// The full description `skseal inspect` prints.
pub fn describe(h: &Header) -> Value {
    let paths = array_paths(&h.graph);
    let arrays: Vec<Value> = h
        .arrays
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut v = json!({
                "index": i,
                "dtype": dtype_str(&a.dtype),
                "shape": a.shape,
                "order": a.order.as_str(),
                "codec": a.codec.name(),
                "shuffle": a.shuffle,
                "nbytes": a.nbytes,
                "stored": a.length,
                "offset": h.data_start + a.offset,
                "blake3": hex(&a.digest),
                "path": paths.get(i).cloned().flatten(),
            });
            if let (Some((p, off)), Value::Object(m)) = (a.pack, &mut v) {
                // stored inside a pack: no blob of its own
                m.insert("pack".into(), json!(p));
                m.insert("pack_offset".into(), json!(off));
                m.insert("offset".into(), Value::Null);
            }
            v
        })
        .collect();
    let packs: Vec<Value> = h
        .packs
        .iter()
        .enumerate()
        .map(|(p, e)| {
            json!({
                "index": p,
                "codec": e.codec.name(),
                "nbytes": e.nbytes,
                "stored": e.length,
                "offset": h.data_start + e.offset,
                "arrays": h.arrays.iter().filter(|a| a.pack.map(|x| x.0 as usize) == Some(p)).count(),
            })
        })
        .collect();
    let nbytes: u64 = h.arrays.iter().map(|a| a.nbytes).sum();
    let stored: u64 = h.arrays.iter().map(|a| a.length).sum::<u64>()
        + h.packs.iter().map(|e| e.length).sum::<u64>();
    json!({
        "format": "skseal",
        "format_version": h.version,
        "fingerprint": h.fingerprint,
        "header_blake3": h.header_hash,
        "signed": h.signed,
        "signature": signature_json(h, None),
        "file_size": h.file_len,
        "header_size": h.data_start,
        "arrays_nbytes": nbytes,
        "arrays_stored": stored,
        "metadata": h.metadata(),
        "arrays": arrays,
        "packs": packs,
        "native_layout_trees": h.graph.native.len(),
        "globals": globals_json(&h.graph),
        "outline": outline(&h.graph, Some(&h.arrays)),
    })
}

/// The `signature` object of every JSON description of a `.skseal` file
/// (`inspect`, `verify`, `store show`, the card summary; docs/CLI.md): `status`
/// `"valid"` (over the header and its digests, hence every array), `"not
/// signed"`, `"invalid"` (with `error`) or `"not read"` (the header was read
/// without the file's trailer); `key_id` when signed; `trusted_key_checked`
/// when valid: whether it was checked against `trusted`.
pub fn signature_json(h: &Header, trusted: Option<&[u8; 32]>) -> Value {
    let key_id = h.signature.as_ref().map(|(pk, _)| crate::keys::key_id(pk));
    if h.signed && h.signature.is_none() {
        return json!({"status": "not read"});
    }
    match (h.verify_signature(trusted), key_id) {
        (Err(e), Some(id)) => json!({"status": "invalid", "key_id": id, "error": e.to_string()}),
        (Err(e), None) => json!({"status": "invalid", "error": e.to_string()}),
        (Ok(()), Some(id)) => {
            json!({"status": "valid", "key_id": id, "trusted_key_checked": trusted.is_some()})
        }
        (Ok(()), None) => json!({"status": "not signed"}),
    }
}

/// Where each array of the table sits in the saved object, as Python would
/// reach it (`estimators_[114].tree_.nodes`; `probe...` for the probe's):
/// the first path found, breadth first, so the shortest. `None` for an array
/// no reachable node refers to.
pub fn array_paths(g: &Graph) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = vec![None; g.arrays.len()];
    let mut seen = vec![false; g.nodes.len()];
    let mut queue: std::collections::VecDeque<(NodeId, String)> = [
        Some((g.root, String::new())),
        g.probe.map(|p| (p, "probe".to_string())),
    ]
    .into_iter()
    .flatten()
    .collect();
    let key = |g: &Graph, k: NodeId| match g.node(k) {
        Some(Node::Str(s)) => Some(s.clone()),
        _ => None,
    };
    // A state dict's keys are attributes (`.name`); other dicts are indexed.
    let join_attr = |base: &str, name: &str| {
        if base.is_empty() {
            name.to_string()
        } else {
            format!("{base}.{name}")
        }
    };
    while let Some((id, path)) = queue.pop_front() {
        match seen.get_mut(id as usize) {
            Some(s) if !*s => *s = true,
            _ => continue,
        }
        let Some(n) = g.node(id) else { continue };
        match n {
            Node::Array(i) => {
                if let Some(slot) = out.get_mut(*i as usize) {
                    if slot.is_none() {
                        *slot = Some(if path.is_empty() {
                            "(root)".into()
                        } else {
                            path
                        });
                    }
                }
            }
            Node::List(v) | Node::Tuple(v) => {
                for (i, c) in v.iter().enumerate() {
                    queue.push_back((*c, format!("{path}[{i}]")));
                }
            }
            Node::ObjectArray { items, .. } => {
                for (i, c) in items.iter().enumerate() {
                    queue.push_back((*c, format!("{path}.flat[{i}]")));
                }
            }
            Node::Dict(kv) => {
                for (i, (k, v)) in kv.iter().enumerate() {
                    let p = match key(g, *k) {
                        Some(s) => format!("{path}[{s:?}]"),
                        None => format!("{path}[<key {i}>]"),
                    };
                    queue.push_back((*v, p));
                }
            }
            Node::Object {
                args, state, items, ..
            } => {
                for (i, a) in args.iter().enumerate() {
                    queue.push_back((*a, format!("{path}.<arg {i}>")));
                }
                if let Some(s) = state {
                    push_state(g, *s, &path, &mut queue, &join_attr);
                }
                for (k, v) in items {
                    let p = match key(g, *k) {
                        Some(s) => format!("{path}[{s:?}]"),
                        None => format!("{path}[<key>]"),
                    };
                    queue.push_back((*v, p));
                }
            }
            Node::Call { args, state, .. } => {
                for (i, a) in args.iter().enumerate() {
                    queue.push_back((*a, format!("{path}.<arg {i}>")));
                }
                if let Some(s) = state {
                    push_state(g, *s, &path, &mut queue, &join_attr);
                }
            }
            _ => {}
        }
    }
    // a stored native layout (FORMAT.md §5.6) is named after the records it
    // replaces: `estimators_[3].tree_.nodes (native layout)`
    for t in &g.native {
        let named = out.get(t.nodes as usize).cloned().flatten();
        if let (Some(p), Some(slot)) = (named, out.get_mut(t.layout as usize)) {
            if slot.is_none() {
                *slot = Some(format!("{p} (native layout)"));
            }
        }
    }
    out
}

/// The state of an object: a dict of attributes, or (dict, slots) as a
/// tuple; anything else is the state as a whole.
fn push_state(
    g: &Graph,
    s: NodeId,
    path: &str,
    queue: &mut std::collections::VecDeque<(NodeId, String)>,
    join_attr: &dyn Fn(&str, &str) -> String,
) {
    let dicts: Vec<NodeId> = match g.node(s) {
        Some(Node::Dict(_)) => vec![s],
        Some(Node::Tuple(t)) if t.len() == 2 => t.clone(),
        _ => {
            queue.push_back((s, format!("{path}.<state>")));
            return;
        }
    };
    for d in dicts {
        match g.node(d) {
            Some(Node::Dict(kv)) => {
                for (k, v) in kv {
                    match g.node(*k) {
                        Some(Node::Str(name)) => queue.push_back((*v, join_attr(path, name))),
                        _ => queue.push_back((*v, format!("{path}.<state>"))),
                    }
                }
            }
            Some(Node::None) => {}
            _ => queue.push_back((d, format!("{path}.<state>"))),
        }
    }
}

/// The description of a legacy pickle or joblib file (no header, no digests):
/// the fields `describe` shares with it, under the same names.
pub fn describe_legacy(g: &Graph, info: &crate::legacy::LegacyInfo, file_len: u64) -> Value {
    json!({
        "format": if info.joblib_arrays.is_empty() { "pickle" } else { "joblib" },
        "compression": info.codec.map(|c| c.name()),
        "file_size": file_len,
        "joblib_arrays": info
            .joblib_arrays
            .iter()
            .map(|(o, l)| json!({"offset": o, "bytes": l}))
            .collect::<Vec<_>>(),
        "globals": globals_json(g),
        "outline": outline(g, None),
    })
}

/// A byte count for people: "512 B", "1.5 KiB", "178.6 MiB" (binary units).
pub fn human_bytes(n: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < units.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{ArraySource, ArraySpec, GlobalName, Order};

    fn spec() -> ArraySpec {
        ArraySpec {
            dtype: Dtype::Simple("<f8".into()),
            shape: vec![1],
            order: Order::C,
            axes: None,
            source: ArraySource::OutOfBand(0),
        }
    }

    #[test]
    fn array_paths_name_attributes_items_and_keys() {
        // forest.estimators_[1].tree_ (a constructor call) .nodes, plus a dict
        let mut g = Graph::default();
        let add = |g: &mut Graph, n: Node| {
            g.nodes.push(n);
            (g.nodes.len() - 1) as NodeId
        };
        g.arrays = vec![spec(), spec(), spec()];
        let a0 = add(&mut g, Node::Array(0));
        let a1 = add(&mut g, Node::Array(1));
        let k_nodes = add(&mut g, Node::Str("nodes".into()));
        let tree_state = add(&mut g, Node::Dict(vec![(k_nodes, a1)]));
        let tree = add(
            &mut g,
            Node::Call {
                func: GlobalName::new("sklearn.tree._tree", "Tree"),
                args: vec![],
                state: Some(tree_state),
            },
        );
        let k_tree = add(&mut g, Node::Str("tree_".into()));
        let est_state = add(&mut g, Node::Dict(vec![(k_tree, tree)]));
        let est = add(
            &mut g,
            Node::Object {
                class: GlobalName::new("m", "T"),
                args: vec![],
                state: Some(est_state),
                items: vec![],
            },
        );
        let list = add(&mut g, Node::List(vec![a0, est]));
        let a2 = add(&mut g, Node::Array(2));
        let k_w = add(&mut g, Node::Str("w".into()));
        let d = add(&mut g, Node::Dict(vec![(k_w, a2)]));
        let k_est = add(&mut g, Node::Str("estimators_".into()));
        let k_d = add(&mut g, Node::Str("extra_".into()));
        let root_state = add(&mut g, Node::Dict(vec![(k_est, list), (k_d, d)]));
        g.root = add(
            &mut g,
            Node::Object {
                class: GlobalName::new("m", "Forest"),
                args: vec![],
                state: Some(root_state),
                items: vec![],
            },
        );
        let paths = array_paths(&g);
        assert_eq!(
            paths,
            vec![
                Some("estimators_[0]".to_string()),
                Some("estimators_[1].tree_.nodes".to_string()),
                Some("extra_[\"w\"]".to_string()),
            ]
        );
    }
}
