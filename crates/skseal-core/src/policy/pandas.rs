//! pandas values as skseal writes them: `skseal._pandas.rebuild(kind, parts)`
//! (python/skseal/_pandas.py). The one pandas constructor the policy knows;
//! its arguments are checked here: the kind, the exact keys of `parts`, each
//! value's type, dtype names from a closed list, and the kinds of nested
//! rebuild calls. pandas' own public constructors then build the value (and
//! check lengths and codes themselves).

use crate::ir::{GlobalName, Graph, Node, NodeId};

/// The constructor's (module, qualname).
pub const REBUILD: (&str, &str) = ("skseal._pandas", "rebuild");

/// dtype names `rebuild` accepts.
const DTYPES: &[&str] = &[
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "datetime64[s]",
    "datetime64[ms]",
    "datetime64[us]",
    "datetime64[ns]",
    "object",
    "str",
    "string[python]",
    "string[pyarrow]",
    "category",
];

fn node(g: &Graph, id: NodeId) -> Result<&Node, String> {
    g.node(id)
        .ok_or_else(|| format!("node {id} does not exist"))
}

/// The kind of a rebuild call (`"series"`, `"frame"`, `"index"`, ...), if
/// `id` is one. Readers of checked graphs (native inference) use it too.
pub fn kind_of(g: &Graph, id: NodeId) -> Option<&str> {
    match g.node(id)? {
        Node::Call { func, args, .. } if func.is(REBUILD.0, REBUILD.1) => {
            match g.node(*args.first()?)? {
                Node::Str(s) => Some(s.as_str()),
                _ => None,
            }
        }
        _ => None,
    }
}

fn name_ok(g: &Graph, id: NodeId, depth: u8) -> bool {
    match g.node(id) {
        Some(Node::None | Node::Str(_) | Node::Int(_) | Node::Float(_) | Node::Bool(_)) => true,
        Some(Node::Tuple(v)) if depth < 2 => v.iter().all(|&x| name_ok(g, x, depth + 1)),
        _ => false,
    }
}

fn want_kind(g: &Graph, id: NodeId, kinds: &[&str], what: &str) -> Result<(), String> {
    match kind_of(g, id) {
        Some(k) if kinds.contains(&k) => Ok(()),
        Some(k) => Err(format!(
            "{what} must be a pandas {} value, not {k}",
            kinds.join("/")
        )),
        None => Err(format!(
            "{what} must be a pandas {} value, got {}",
            kinds.join("/"),
            node(g, id).map(|n| n.kind_name()).unwrap_or("nothing")
        )),
    }
}

const INDEXES: &[&str] = &["index", "range_index", "multi_index"];

/// A 1-D array of a signed integer dtype (codes).
fn int_1d(g: &Graph, id: NodeId) -> bool {
    match g.node(id) {
        Some(Node::Array(i)) => g.arrays.get(*i as usize).is_some_and(|s| {
            s.shape.len() == 1
                && matches!(&s.dtype, crate::ir::Dtype::Simple(d)
                    if matches!(d.as_str(), "|i1" | "<i2" | "<i4" | "<i8"))
        }),
        _ => false,
    }
}

/// Check one column's values against its dtype name.
fn values_ok(g: &Graph, values: NodeId, dtype: NodeId, what: &str) -> Result<(), String> {
    let Node::Str(dt) = node(g, dtype)? else {
        return Err(format!("{what}: dtype must be a str"));
    };
    if !DTYPES.contains(&dt.as_str()) {
        return Err(format!("{what}: dtype {dt:?} is not one skseal rebuilds"));
    }
    match (dt.as_str(), node(g, values)?) {
        ("category", _) => want_kind(g, values, &["categorical"], what),
        (
            "object" | "str" | "string[python]" | "string[pyarrow]",
            Node::ObjectArray { shape, .. },
        ) if shape.len() == 1 => Ok(()),
        (_, Node::Array(i)) => {
            let spec = g
                .arrays
                .get(*i as usize)
                .ok_or("array index out of range")?;
            if spec.shape.len() != 1 {
                return Err(format!("{what}: values must be 1-D"));
            }
            // datetimes travel as numpy's int64 counts
            if dt.starts_with("datetime64") && spec.dtype != crate::ir::Dtype::Simple("<i8".into())
            {
                return Err(format!("{what}: {dt} values must be int64 counts"));
            }
            Ok(())
        }
        (_, n) => Err(format!(
            "{what}: values of dtype {dt} cannot be {}",
            n.kind_name()
        )),
    }
}

/// The values of `parts`' keys, each present exactly once, in `keys`' order.
/// Readers of checked graphs (native inference) use it too.
pub fn parts(g: &Graph, id: NodeId, keys: &[&str]) -> Result<Vec<NodeId>, String> {
    let Node::Dict(kv) = node(g, id)? else {
        return Err("parts must be a dict".into());
    };
    if kv.len() != keys.len() {
        return Err(format!("parts must have exactly the keys {keys:?}"));
    }
    let mut out = Vec::with_capacity(keys.len());
    for want in keys {
        let found: Vec<NodeId> = kv
            .iter()
            .filter(|(k, _)| matches!(g.node(*k), Some(Node::Str(s)) if s == want))
            .map(|&(_, v)| v)
            .collect();
        match found.as_slice() {
            [v] => out.push(*v),
            _ => return Err(format!("parts must have exactly the keys {keys:?}")),
        }
    }
    Ok(out)
}

/// Check `rebuild(kind, parts)`.
pub fn check(g: &Graph, func: &GlobalName, args: &[NodeId]) -> Result<(), String> {
    let [kind, p] = args else {
        return Err(format!("{func} takes (kind, parts)"));
    };
    let Node::Str(kind) = node(g, *kind)? else {
        return Err(format!("{func}: kind must be a str"));
    };
    match kind.as_str() {
        "dtype" => {
            let v = parts(g, *p, &["name"])?;
            match node(g, v[0])? {
                Node::Str(s)
                    if matches!(s.as_str(), "str" | "string[python]" | "string[pyarrow]") =>
                {
                    Ok(())
                }
                _ => Err("dtype: only pandas' string dtypes are rebuilt".into()),
            }
        }
        "categorical_dtype" => {
            let v = parts(g, *p, &["categories", "ordered"])?;
            want_kind(g, v[0], &["index"], "categorical_dtype categories")?;
            match node(g, v[1])? {
                Node::Bool(_) => Ok(()),
                _ => Err("categorical_dtype ordered must be a bool".into()),
            }
        }
        "range_index" => {
            let v = parts(g, *p, &["start", "stop", "step", "name"])?;
            for (k, &x) in ["start", "stop", "step"].iter().zip(&v) {
                if !matches!(node(g, x)?, Node::Int(_)) {
                    return Err(format!("range_index {k} must be an int"));
                }
            }
            if matches!(node(g, v[2])?, Node::Int(0)) {
                return Err("range_index step must not be 0".into());
            }
            name_ok(g, v[3], 0)
                .then_some(())
                .ok_or("range_index: bad name".into())
        }
        "multi_index" => {
            let v = parts(g, *p, &["levels", "codes", "names"])?;
            let (Node::List(levels), Node::List(codes), Node::List(names)) =
                (node(g, v[0])?, node(g, v[1])?, node(g, v[2])?)
            else {
                return Err("multi_index levels, codes and names must be lists".into());
            };
            if levels.len() != codes.len() || levels.len() != names.len() || levels.is_empty() {
                return Err("multi_index needs as many levels, codes and names".into());
            }
            for &l in levels {
                want_kind(g, l, &["index", "range_index"], "a multi_index level")?;
            }
            if !codes.iter().all(|&c| int_1d(g, c)) {
                return Err("multi_index codes must be 1-D integer arrays".into());
            }
            names
                .iter()
                .all(|&n| name_ok(g, n, 0))
                .then_some(())
                .ok_or("multi_index: bad name".into())
        }
        "categorical" => {
            let v = parts(g, *p, &["codes", "categories", "ordered"])?;
            if !int_1d(g, v[0]) {
                return Err("categorical codes must be a 1-D integer array".into());
            }
            want_kind(g, v[1], &["index"], "categorical categories")?;
            match node(g, v[2])? {
                Node::Bool(_) => Ok(()),
                _ => Err("categorical ordered must be a bool".into()),
            }
        }
        "index" => {
            let v = parts(g, *p, &["values", "dtype", "name"])?;
            values_ok(g, v[0], v[1], "index")?;
            name_ok(g, v[2], 0)
                .then_some(())
                .ok_or("index: bad name".into())
        }
        "series" => {
            let v = parts(g, *p, &["values", "dtype", "index", "name"])?;
            values_ok(g, v[0], v[1], "series")?;
            want_kind(g, v[2], INDEXES, "series index")?;
            name_ok(g, v[3], 0)
                .then_some(())
                .ok_or("series: bad name".into())
        }
        "frame" => {
            let v = parts(g, *p, &["columns", "data", "index"])?;
            want_kind(g, v[0], INDEXES, "frame columns")?;
            want_kind(g, v[2], INDEXES, "frame index")?;
            let Node::List(cols) = node(g, v[1])? else {
                return Err("frame data must be a list".into());
            };
            for (k, &c) in cols.iter().enumerate() {
                let cv = parts(g, c, &["values", "dtype"])
                    .map_err(|e| format!("frame column {k}: {e}"))?;
                values_ok(g, cv[0], cv[1], &format!("frame column {k}"))?;
            }
            Ok(())
        }
        "frame_blocks" => {
            // pandas' own layout, as the VM lowers a pickled DataFrame
            // (vm/pandas.rs): 2-D numpy blocks with the column positions of
            // their rows, or one-column extension arrays
            let v = parts(g, *p, &["columns", "index", "blocks"])?;
            want_kind(g, v[0], INDEXES, "frame columns")?;
            want_kind(g, v[1], INDEXES, "frame index")?;
            let Node::List(blocks) = node(g, v[2])? else {
                return Err("frame blocks must be a list".into());
            };
            for (k, &b) in blocks.iter().enumerate() {
                let what = format!("frame block {k}");
                let bv = parts(g, b, &["values", "dtype", "locs"])
                    .map_err(|e| format!("{what}: {e}"))?;
                let nlocs = match node(g, bv[2])? {
                    Node::List(l)
                        if l.iter()
                            .all(|&x| matches!(g.node(x), Some(Node::Int(i)) if *i >= 0)) =>
                    {
                        l.len() as u64
                    }
                    Node::Array(i) if int_1d(g, bv[2]) => g
                        .arrays
                        .get(*i as usize)
                        .and_then(|s| s.count())
                        .unwrap_or(0),
                    _ => return Err(format!("{what}: locs must be a list of column positions")),
                };
                match node(g, bv[0])? {
                    Node::Array(i)
                        if g.arrays
                            .get(*i as usize)
                            .is_some_and(|s| s.shape.len() == 2) =>
                    {
                        let spec = g
                            .arrays
                            .get(*i as usize)
                            .ok_or("array index out of range")?;
                        if spec.shape[0] != nlocs {
                            return Err(format!(
                                "{what}: {} rows of values for {nlocs} columns",
                                spec.shape[0]
                            ));
                        }
                        let Node::Str(dt) = node(g, bv[1])? else {
                            return Err(format!("{what}: dtype must be a str"));
                        };
                        if !DTYPES.contains(&dt.as_str())
                            || dt == "category"
                            || dt == "object"
                            || dt.starts_with("str")
                        {
                            return Err(format!("{what}: dtype {dt:?} is not a numpy block's"));
                        }
                    }
                    Node::ObjectArray { shape, .. } if shape.len() == 2 => {
                        if shape[0] != nlocs
                            || !matches!(node(g, bv[1])?, Node::Str(d) if d == "object")
                        {
                            return Err(format!(
                                "{what}: an object block needs dtype object and one row per column"
                            ));
                        }
                    }
                    _ => {
                        if nlocs != 1 {
                            return Err(format!("{what}: a 1-D block holds one column"));
                        }
                        values_ok(g, bv[0], bv[1], &what)?;
                    }
                }
            }
            Ok(())
        }
        other => Err(format!("{func}: unknown kind {other:?}")),
    }
}
