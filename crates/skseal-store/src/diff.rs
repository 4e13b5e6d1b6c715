//! What goes into a store (a legacy file converted without running it) and
//! what tells two versions apart (`skseal store diff`).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use skseal_core::container::{self, Compression, Container, Header};
use skseal_core::graphjson::hex;
use skseal_core::ir::{ArraySource, Graph, Node, NodeId};
use skseal_core::policy::Policy;

use crate::ops::PullResult;
use crate::{PushOptions, StoreError};

fn bad(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::BadModel {
        what: what.to_string(),
        why: e.to_string(),
    }
}

fn untrusted(what: &str, e: skseal_core::CoreError) -> StoreError {
    match e {
        skseal_core::CoreError::Untrusted(u) => bad(
            what,
            format!(
                "refers to names that are not trusted: {} ({}); nothing was run. If you trust \
                 the source, push with --trust NAME for each",
                u.names.join(", "),
                u.details.join("; ")
            ),
        ),
        other => bad(what, other),
    }
}

/// The bytes to store for a pushed file and a description of its source: a
/// `.skseal` file as is (after the name policy), a pickle or joblib file
/// converted by the VM (nothing from it is run).
pub fn to_skseal(
    data: &[u8],
    file_name: &str,
    opts: &PushOptions,
) -> Result<(Vec<u8>, Value), StoreError> {
    let policy = Policy::new(opts.trusted.clone());
    if skseal_core::sniff::file_kind(data).is_skseal() {
        let c = Container::parse(data).map_err(|e| bad(file_name, e))?;
        policy
            .check(&c.header.graph)
            .map_err(|e| untrusted(file_name, e.into()))?;
        return Ok((
            data.to_vec(),
            json!({ "file": file_name, "format": "skseal" }),
        ));
    }
    let cap = if opts.max_decompressed == 0 {
        skseal_core::legacy::DEFAULT_MAX_DECOMPRESSED
    } else {
        opts.max_decompressed
    };
    let (g, info) = skseal_core::convert::read_checked(data, &policy, cap)
        .map_err(|e| untrusted(file_name, e))?;
    let source = skseal_core::metadata::Source {
        name: file_name,
        data,
        info: &info,
    };
    let meta = skseal_core::metadata::for_convert(&g, source, Default::default(), None)
        .map_err(|e| bad(file_name, e))?;
    let data_of = |i: usize| match g.arrays.get(i).map(|a| &a.source) {
        Some(ArraySource::Inline(v)) => Some(v.as_slice()),
        _ => None,
    };
    let mut out = Vec::new();
    let comp = Compression {
        codec: skseal_core::codec::Codec::Zstd(3),
        shuffle: true,
    };
    container::write(&mut out, &g, &data_of, &meta, comp, None).map_err(|e| bad(file_name, e))?;
    let format = meta
        .pointer("/source/format")
        .cloned()
        .unwrap_or(Value::Null);
    Ok((
        out,
        json!({ "file": file_name, "format": format, "converted": true,
                "source_blake3": blake3::hash(data).to_hex().to_string() }),
    ))
}

fn flatten(v: &Value, path: String, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                flatten(x, p, out);
            }
        }
        other => {
            out.insert(path, other.clone());
        }
    }
}

fn changes(a: &BTreeMap<String, Value>, b: &BTreeMap<String, Value>) -> Vec<Value> {
    let mut out = Vec::new();
    for (k, va) in a {
        match b.get(k) {
            Some(vb) if vb == va => {}
            Some(vb) => out.push(json!({"path": k, "a": va, "b": vb})),
            None => out.push(json!({"path": k, "a": va, "b": null})),
        }
    }
    for (k, vb) in b {
        if !a.contains_key(k) {
            out.push(json!({"path": k, "a": null, "b": vb}));
        }
    }
    out
}

/// Attribute paths of a graph: scalar hyperparameters (public, not fitted:
/// no trailing `_`) and arrays (path -> (dtype, shape, digest)).
struct Walk<'a> {
    g: &'a Graph,
    h: &'a Header,
    params: BTreeMap<String, Value>,
    arrays: BTreeMap<String, Value>,
    seen: Vec<bool>,
}

impl Walk<'_> {
    fn scalar(&self, id: NodeId) -> Option<Value> {
        Some(match self.g.node(id)? {
            Node::None => Value::Null,
            Node::Bool(b) => json!(b),
            Node::Int(i) => json!(i),
            Node::BigInt(s) => json!(s),
            Node::Float(f) => json!(f),
            Node::Str(s) => json!(s),
            _ => return None,
        })
    }

    fn walk(&mut self, id: NodeId, path: &str, depth: usize, fitted: bool) {
        if depth > 40 || self.arrays.len() > 100_000 {
            return;
        }
        let i = id as usize;
        if let Some(s) = self.seen.get_mut(i) {
            if *s {
                return;
            }
            *s = true;
        }
        let Some(node) = self.g.node(id) else { return };
        match node {
            Node::Array(a) => {
                if let Some(e) = self.h.arrays.get(*a as usize) {
                    self.arrays.insert(
                        path.to_string(),
                        json!({
                            "dtype": skseal_core::inspect::dtype_str(&e.dtype),
                            "shape": e.shape,
                            "blake3": hex(&e.digest),
                        }),
                    );
                }
            }
            Node::Object { state: Some(s), .. } | Node::Call { state: Some(s), .. } => {
                self.walk(*s, path, depth + 1, fitted)
            }
            Node::Dict(kv) => {
                for (k, v) in kv.clone() {
                    let key = match self.g.node(k) {
                        Some(Node::Str(s)) => s.clone(),
                        Some(Node::Int(i)) => i.to_string(),
                        _ => continue,
                    };
                    let p = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    let is_fitted = fitted || key.ends_with('_') || key.starts_with('_');
                    if !is_fitted {
                        if let Some(x) = self.scalar(v) {
                            self.params.insert(p.clone(), x);
                            continue;
                        }
                    }
                    self.walk(v, &p, depth + 1, is_fitted);
                }
            }
            Node::List(items) | Node::Tuple(items) => {
                for (j, v) in items.clone().into_iter().enumerate() {
                    self.walk(v, &format!("{path}[{j}]"), depth + 1, fitted);
                }
            }
            Node::ObjectArray { items, .. } => {
                for (j, v) in items.clone().into_iter().enumerate() {
                    self.walk(v, &format!("{path}[{j}]"), depth + 1, fitted);
                }
            }
            _ => {}
        }
    }
}

fn walk(bytes: &[u8], what: &str) -> Result<(Header, Value, Value), StoreError> {
    let c = Container::parse(bytes).map_err(|e| bad(what, e))?;
    let h = c.header;
    let mut w = Walk {
        g: &h.graph,
        h: &h,
        params: BTreeMap::new(),
        arrays: BTreeMap::new(),
        seen: vec![false; h.graph.nodes.len()],
    };
    w.walk(h.graph.root, "", 0, false);
    let params = Value::Object(w.params.into_iter().collect());
    let arrays = Value::Object(w.arrays.into_iter().collect());
    Ok((h, params, arrays))
}

/// Differences between two pulled versions.
pub fn diff(a: &PullResult, b: &PullResult) -> Result<Value, StoreError> {
    let (ha, pa, aa) = walk(&a.bytes, &format!("{}@{}", a.record.name, a.record.version))?;
    let (hb, pb, ab) = walk(&b.bytes, &format!("{}@{}", b.record.name, b.record.version))?;
    let mut ma = BTreeMap::new();
    let mut mb = BTreeMap::new();
    flatten(&ha.metadata(), String::new(), &mut ma);
    flatten(&hb.metadata(), String::new(), &mut mb);
    let (metrics, metadata): (Vec<Value>, Vec<Value>) = changes(&ma, &mb)
        .into_iter()
        .partition(|c| c["path"].as_str().is_some_and(|p| p.starts_with("user.")));
    let flat = |v: &Value| -> BTreeMap<String, Value> {
        v.as_object()
            .map(|m| m.iter().map(|(k, x)| (k.clone(), x.clone())).collect())
            .unwrap_or_default()
    };
    let params = changes(&flat(&pa), &flat(&pb));
    let (fa, fb) = (flat(&aa), flat(&ab));
    let mut changed = Vec::new();
    let mut same = 0u64;
    for (k, x) in &fa {
        match fb.get(k) {
            Some(y) if y == x => same += 1,
            Some(y) => changed.push(json!({"path": k, "a": x, "b": y})),
            None => changed.push(json!({"path": k, "a": x, "b": null})),
        }
    }
    for (k, y) in &fb {
        if !fa.contains_key(k) {
            changed.push(json!({"path": k, "a": null, "b": y}));
        }
    }
    let class = |h: &Header| match h.graph.node(h.graph.root) {
        Some(Node::Object { class, .. }) => json!(class.dotted()),
        _ => Value::Null,
    };
    Ok(json!({
        "a": {"name": a.record.name, "version": a.record.version, "fingerprint": a.record.fingerprint},
        "b": {"name": b.record.name, "version": b.record.version, "fingerprint": b.record.fingerprint},
        "same_content": a.record.fingerprint == b.record.fingerprint,
        "structure": {
            "class": {"a": class(&ha), "b": class(&hb)},
            "arrays": {"a": ha.arrays.len(), "b": hb.arrays.len()},
            "nodes": {"a": ha.graph.nodes.len(), "b": hb.graph.nodes.len()},
        },
        "metadata": metadata,
        "metrics": metrics,
        "hyperparameters": params,
        "arrays": {"changed": changed, "unchanged": same},
    }))
}
