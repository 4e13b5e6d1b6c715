//! Legacy pickle/joblib files to `.skseal`, entirely in Rust: the same VM,
//! policy and validators as loading, then the container writer. Nothing from
//! the source file is imported, called or built.

use serde_json::Value;

use crate::container::{self, Compression, Header};
use crate::error::{CoreError, ValidationError};
use crate::ir::{ArraySource, Graph, Node};
use crate::legacy::{self, LegacyInfo};
use crate::policy::Policy;
use crate::validate;

/// Read, check and validate a legacy file.
pub fn read_checked(
    data: &[u8],
    policy: &Policy,
    max_decompressed: u64,
) -> Result<(Graph, LegacyInfo), CoreError> {
    let (g, info) = legacy::parse_file(data, max_decompressed)?;
    policy.check(&g)?;
    validate::check_depth(&g).map_err(|why| ValidationError::new("object graph", why))?;
    let bytes = |i: u32| match g.arrays.get(i as usize).map(|a| &a.source) {
        Some(ArraySource::Inline(v)) => Some(v.as_slice()),
        _ => None,
    };
    validate::validate(&g, &bytes)?;
    Ok((g, info))
}

/// Write a checked legacy graph as a `.skseal` file (through
/// [`container::write_atomic`]'s writer).
pub fn write(
    out: &mut std::io::BufWriter<&std::fs::File>,
    g: &Graph,
    metadata: &Value,
    compression: Compression,
) -> Result<Header, CoreError> {
    let data_of = |i: usize| match g.arrays.get(i).map(|a| &a.source) {
        Some(ArraySource::Inline(v)) => Some(v.as_slice()),
        _ => None,
    };
    Ok(container::write_file(
        out,
        g,
        &data_of,
        metadata,
        compression,
        None,
    )?)
}

/// Store the native layout of every tree of a converted graph (its arrays
/// are inline): see [`crate::layout`]. Returns how many trees got one.
pub fn add_native_layout(g: &mut Graph) -> usize {
    let layouts = {
        let bytes = |i: u32| match g.arrays.get(i as usize).map(|a| &a.source) {
            Some(ArraySource::Inline(v)) => Some(v.as_slice()),
            _ => None,
        };
        crate::layout::tree_layouts(g, &bytes)
    };
    crate::layout::attach(g, layouts)
}

/// Attach a probe to a converted graph: `probe` is a lifted graph whose
/// `probe` is set (its root is ignored); its nodes and arrays are appended to
/// `g`, and its out-of-band buffers (`buffers`) become inline array bytes.
pub fn attach_probe(g: &mut Graph, probe: &Graph, buffers: &[&[u8]]) -> Result<(), CoreError> {
    let Some(p) = probe.probe else {
        return Ok(());
    };
    let bad = |why: String| CoreError::from(ValidationError::new("probe", why));
    let node_base = u32::try_from(g.nodes.len()).map_err(|_| bad("too many nodes".into()))?;
    let array_base = u32::try_from(g.arrays.len()).map_err(|_| bad("too many arrays".into()))?;
    let n = |id: crate::ir::NodeId| id + node_base;
    let ns = |v: &[crate::ir::NodeId]| v.iter().map(|&c| c + node_base).collect::<Vec<_>>();
    for a in &probe.arrays {
        let mut a = a.clone();
        if let ArraySource::OutOfBand(i) = a.source {
            let data = buffers
                .get(i as usize)
                .ok_or_else(|| bad(format!("buffer {i} is missing")))?;
            a.source = ArraySource::Inline(data.to_vec());
        }
        g.arrays.push(a);
    }
    for node in &probe.nodes {
        let moved = match node {
            Node::List(v) => Node::List(ns(v)),
            Node::Tuple(v) => Node::Tuple(ns(v)),
            Node::Set(v) => Node::Set(ns(v)),
            Node::FrozenSet(v) => Node::FrozenSet(ns(v)),
            Node::Dict(kv) => Node::Dict(kv.iter().map(|&(k, v)| (n(k), n(v))).collect()),
            Node::Object {
                class,
                args,
                state,
                items,
            } => Node::Object {
                class: class.clone(),
                args: ns(args),
                state: state.map(n),
                items: items.iter().map(|&(k, v)| (n(k), n(v))).collect(),
            },
            Node::Call { func, args, state } => Node::Call {
                func: func.clone(),
                args: ns(args),
                state: state.map(n),
            },
            Node::ObjectArray {
                shape,
                order,
                items,
            } => Node::ObjectArray {
                shape: shape.clone(),
                order: *order,
                items: ns(items),
            },
            Node::Array(k) => Node::Array(k + array_base),
            other => other.clone(),
        };
        g.nodes.push(moved);
    }
    g.probe = Some(n(p));
    Ok(())
}
