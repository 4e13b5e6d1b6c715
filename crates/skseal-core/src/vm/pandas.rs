//! pandas values in pickles, lowered to the calls skseal itself writes.
//!
//! pandas pickles its values through private helpers (`_new_Index`,
//! `SingleBlockManager`, `BlockManager(blocks, axes)`, `_unpickle_block`,
//! `__pyx_unpickle_NDArrayBacked`, pyarrow's `_restore_array` and
//! `py_buffer`). None of them is trusted. After the VM has read a stream, this
//! pass recognises the exact shapes pandas 2.2 and 3.x write for `Series`,
//! `DataFrame`, `Index`, `RangeIndex`, `MultiIndex`, `CategoricalIndex`,
//! `Categorical`, pyarrow-backed strings and pandas' string and categorical
//! dtypes, and replaces each such node in place by a call of
//! `skseal._pandas.rebuild(kind, parts)` (docs/FORMAT.md §5.4), which the
//! policy checks like any other (`policy/pandas.rs`). pyarrow string arrays
//! are decoded here (validity bitmap, offsets, UTF-8 data, all bounds
//! checked) into object arrays of strings. Anything that does not match
//! exactly is left as it was, and the policy refuses its pandas names.

use std::collections::HashMap;

use crate::ir::{GlobalName, Graph, Node, NodeId, Order};

fn rebuild() -> GlobalName {
    GlobalName::new("skseal._pandas", "rebuild")
}

fn is_any(g: &GlobalName, names: &[(&str, &str)]) -> bool {
    names.iter().any(|(m, n)| g.is(m, n))
}

const NEW_INDEX: &[(&str, &str)] = &[("pandas.core.indexes.base", "_new_Index")];
const SERIES: &[(&str, &str)] = &[("pandas", "Series"), ("pandas.core.series", "Series")];
const FRAME: &[(&str, &str)] = &[("pandas", "DataFrame"), ("pandas.core.frame", "DataFrame")];
const SBM: &[(&str, &str)] = &[("pandas.core.internals.managers", "SingleBlockManager")];
const BM: &[(&str, &str)] = &[("pandas.core.internals.managers", "BlockManager")];
const UNPICKLE_BLOCK: &[(&str, &str)] = &[("pandas._libs.internals", "_unpickle_block")];
const NDARRAY_BACKED: &[(&str, &str)] = &[("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked")];
const CATEGORICAL: &[(&str, &str)] = &[
    ("pandas", "Categorical"),
    ("pandas.core.arrays.categorical", "Categorical"),
];
const CAT_DTYPE: &[(&str, &str)] = &[
    ("pandas", "CategoricalDtype"),
    ("pandas.core.dtypes.dtypes", "CategoricalDtype"),
];
const STRING_DTYPE: &[(&str, &str)] = &[
    ("pandas", "StringDtype"),
    ("pandas.core.arrays.string_", "StringDtype"),
];
const NA: &[(&str, &str)] = &[("pandas", "NA"), ("pandas._libs.missing", "NA")];
const STRING_ARRAY: &[(&str, &str)] = &[
    ("pandas.arrays", "StringArray"),
    ("pandas.core.arrays.string_", "StringArray"),
];
const ARROW_STRINGS: &[(&str, &str)] = &[
    ("pandas.arrays", "ArrowStringArray"),
    ("pandas.core.arrays.string_arrow", "ArrowStringArray"),
];

struct Lower<'g> {
    g: &'g Graph,
    new: Vec<Node>,
    replace: HashMap<NodeId, Node>,
}

impl<'g> Lower<'g> {
    fn node(&self, id: NodeId) -> Option<&'g Node> {
        self.g.node(id)
    }
    fn add(&mut self, n: Node) -> NodeId {
        self.new.push(n);
        (self.g.nodes.len() + self.new.len() - 1) as NodeId
    }
    fn str(&mut self, s: &str) -> NodeId {
        self.add(Node::Str(s.to_string()))
    }
    fn call(&mut self, kind: &str, parts: Vec<(&str, NodeId)>) -> Node {
        let k = self.str(kind);
        let mut kv = Vec::with_capacity(parts.len());
        for (key, v) in parts {
            let kid = self.str(key);
            kv.push((kid, v));
        }
        let d = self.add(Node::Dict(kv));
        Node::Call {
            func: rebuild(),
            args: vec![k, d],
            state: None,
        }
    }
    /// A str-keyed dict with exactly `keys` (in any order).
    fn exact(&self, id: NodeId, keys: &[&str]) -> Option<Vec<NodeId>> {
        let d = self.g.str_dict(id)?;
        if d.len() != keys.len() {
            return None;
        }
        keys.iter()
            .map(|k| d.iter().find(|(n, _)| n == k).map(|&(_, v)| v))
            .collect()
    }
    /// The state of `cls.__new__(cls)` + BUILD for one of `names` (no
    /// constructor arguments, no dict items), the only way pandas writes
    /// these objects.
    fn plain_object(&self, id: NodeId, names: &[(&str, &str)]) -> Option<NodeId> {
        match self.node(id)? {
            Node::Object {
                class,
                args,
                state,
                items,
            } if is_any(class, names) && args.is_empty() && items.is_empty() => *state,
            _ => None,
        }
    }
    fn global_is(&self, id: NodeId, names: &[(&str, &str)]) -> bool {
        matches!(self.node(id), Some(Node::Global(c)) if is_any(c, names))
    }

    /// `_new_Index(cls, dict)` -> an index call.
    fn index(&mut self, id: NodeId) -> Option<Node> {
        let Node::Call { func, args, state } = self.node(id)? else {
            return None;
        };
        if !is_any(func, NEW_INDEX) || state.is_some() || args.len() != 2 {
            return None;
        }
        let Node::Global(cls) = self.node(args[0])? else {
            return None;
        };
        let d = args[1];
        let name = |n: &str| n == cls.name && cls.module.starts_with("pandas");
        if name("RangeIndex") {
            let v = self.exact(d, &["name", "start", "stop", "step"])?;
            return Some(self.call(
                "range_index",
                vec![
                    ("start", v[1]),
                    ("stop", v[2]),
                    ("step", v[3]),
                    ("name", v[0]),
                ],
            ));
        }
        if name("Index") {
            let v = self.exact(d, &["data", "name"])?;
            let (values, dtype) = self.values(v[0])?;
            let dt = self.str(&dtype);
            return Some(self.call(
                "index",
                vec![("values", values), ("dtype", dt), ("name", v[1])],
            ));
        }
        if name("CategoricalIndex") {
            let v = self.exact(d, &["data", "name"])?;
            self.categorical(v[0])?;
            let dt = self.str("category");
            return Some(self.call(
                "index",
                vec![("values", v[0]), ("dtype", dt), ("name", v[1])],
            ));
        }
        if name("MultiIndex") {
            let v = self.exact(d, &["levels", "codes", "sortorder", "names"])?;
            if !matches!(self.node(v[2])?, Node::None) {
                return None;
            }
            if let Node::List(levels) = self.node(v[0])? {
                for &l in levels {
                    let n = self.index(l)?;
                    self.replace.entry(l).or_insert(n);
                }
            }
            return Some(self.call(
                "multi_index",
                vec![("levels", v[0]), ("codes", v[1]), ("names", v[3])],
            ));
        }
        None
    }

    /// The values of an Index or a column and their dtype name.
    fn values(&mut self, id: NodeId) -> Option<(NodeId, String)> {
        match self.node(id)? {
            Node::Array(i) => {
                let spec = self.g.arrays.get(*i as usize)?;
                let crate::ir::Dtype::Simple(s) = &spec.dtype else {
                    return None;
                };
                let name = match s.as_str() {
                    "|b1" => "bool",
                    "|i1" => "int8",
                    "<i2" => "int16",
                    "<i4" => "int32",
                    "<i8" => "int64",
                    "|u1" => "uint8",
                    "<u2" => "uint16",
                    "<u4" => "uint32",
                    "<u8" => "uint64",
                    "<f2" => "float16",
                    "<f4" => "float32",
                    "<f8" => "float64",
                    _ => return None,
                };
                Some((id, name.to_string()))
            }
            Node::ObjectArray { shape, .. } if shape.len() == 1 => Some((id, "object".into())),
            Node::Object { class, .. } if is_any(class, ARROW_STRINGS) => {
                let name = self.arrow_strings(id)?;
                Some((id, name.into()))
            }
            Node::Call { func, args, .. }
                if is_any(func, NDARRAY_BACKED)
                    && args
                        .first()
                        .is_some_and(|&a| self.global_is(a, STRING_ARRAY)) =>
            {
                let name = self.python_strings(id)?;
                Some((id, name.into()))
            }
            Node::Call { func, .. } if is_any(func, NDARRAY_BACKED) => {
                self.categorical(id)?;
                Some((id, "category".into()))
            }
            _ => None,
        }
    }

    /// pandas 3's default strings: an ArrowStringArray whose dtype is
    /// `StringDtype("pyarrow", nan)`, decoded to an object array of str/None.
    fn arrow_strings(&mut self, id: NodeId) -> Option<&'static str> {
        let st = self.g.str_dict(self.plain_object(id, ARROW_STRINGS)?)?;
        let get = |k: &str| st.iter().find(|(n, _)| *n == k).map(|&(_, v)| v);
        if st
            .iter()
            .any(|(k, _)| !matches!(*k, "_pa_array" | "_dtype" | "_cache" | "_readonly"))
        {
            return None;
        }
        let name = self.string_dtype(get("_dtype")?)?;
        if name == "string[python]" {
            return None;
        }
        if self.replace.contains_key(&id) {
            return Some(name);
        }
        let Node::Call { func, args, state } = self.node(get("_pa_array")?)? else {
            return None;
        };
        if !func.is("pyarrow.lib", "_restore_array") || state.is_some() || args.len() != 1 {
            return None;
        }
        let Node::Tuple(t) = self.node(args[0])? else {
            return None;
        };
        let [ty, length, _nulls, offset, buffers, children, dict] = t.as_slice() else {
            return None;
        };
        let width = match self.node(*ty)? {
            Node::Call {
                func,
                args,
                state: None,
            } if func.is("pyarrow.lib", "type_for_alias") && args.len() == 1 => {
                match self.node(args[0])? {
                    Node::Str(s) if s == "large_string" => 8usize,
                    Node::Str(s) if s == "string" => 4,
                    _ => return None,
                }
            }
            _ => return None,
        };
        if !matches!(self.node(*children)?, Node::List(c) if c.is_empty())
            || !matches!(self.node(*dict)?, Node::None)
        {
            return None;
        }
        let n = usize::try_from(self.g.as_int(*length)?).ok()?;
        let off = usize::try_from(self.g.as_int(*offset)?).ok()?;
        let Node::List(bufs) = self.node(*buffers)? else {
            return None;
        };
        let [valid, offsets, data] = bufs.as_slice() else {
            return None;
        };
        let bytes = |id: NodeId| -> Option<Option<&'g [u8]>> {
            match self.g.node(id)? {
                Node::None => Some(None),
                Node::Call {
                    func,
                    args,
                    state: None,
                } if func.is("pyarrow.lib", "py_buffer") && args.len() == 1 => {
                    match self.g.node(args[0])? {
                        Node::ByteArray(b) | Node::Bytes(b) => Some(Some(b.as_slice())),
                        _ => None,
                    }
                }
                _ => None,
            }
        };
        let valid = bytes(*valid)?;
        let offsets = bytes(*offsets)?.unwrap_or(&[]);
        let data = bytes(*data)?.unwrap_or(&[]);
        let end = off.checked_add(n)?;
        if n > 0 && offsets.len() < end.checked_add(1)?.checked_mul(width)? {
            return None;
        }
        if let Some(v) = valid {
            if v.len().checked_mul(8)? < end {
                return None;
            }
        }
        let at = |k: usize| -> Option<usize> {
            let b = offsets.get(k * width..k * width + width)?;
            let v = if width == 8 {
                i64::from_le_bytes(b.try_into().ok()?)
            } else {
                i32::from_le_bytes(b.try_into().ok()?) as i64
            };
            usize::try_from(v).ok()
        };
        let mut items = Vec::with_capacity(n);
        for k in off..end {
            let is_valid =
                valid.is_none_or(|v| v.get(k / 8).is_some_and(|b| b >> (k % 8) & 1 == 1));
            if !is_valid {
                items.push(Node::None);
                continue;
            }
            let (a, b) = (at(k)?, at(k + 1)?);
            let s = std::str::from_utf8(data.get(a..b)?).ok()?;
            items.push(Node::Str(s.to_string()));
        }
        let ids = items.into_iter().map(|it| self.add(it)).collect();
        self.replace.insert(
            id,
            Node::ObjectArray {
                shape: vec![n as u64],
                order: Order::C,
                items: ids,
            },
        );
        Some(name)
    }

    /// `StringDtype(storage, nan)` -> "str" (pandas 3's default strings);
    /// `StringDtype(storage, pd.NA)` -> "string[storage]".
    fn string_dtype(&self, id: NodeId) -> Option<&'static str> {
        match self.node(id)? {
            Node::Call {
                func,
                args,
                state: None,
            } if is_any(func, STRING_DTYPE) && args.len() == 2 => {
                let Node::Str(storage) = self.node(args[0])? else {
                    return None;
                };
                match (storage.as_str(), self.node(args[1])?) {
                    ("pyarrow" | "python", Node::Float(f)) if f.is_nan() => Some("str"),
                    ("pyarrow", Node::Global(na)) if is_any(na, NA) => Some("string[pyarrow]"),
                    ("python", Node::Global(na)) if is_any(na, NA) => Some("string[python]"),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `__pyx_unpickle_NDArrayBacked(StringArray, checksum, None)` with the
    /// state `(StringDtype, object array)`: the object array with pd.NA as
    /// None, and its dtype name.
    fn python_strings(&mut self, id: NodeId) -> Option<&'static str> {
        let Node::Call { func, args, state } = self.node(id)? else {
            return None;
        };
        if !is_any(func, NDARRAY_BACKED)
            || args.len() != 3
            || !self.global_is(args[0], STRING_ARRAY)
        {
            return None;
        }
        if !matches!(self.node(args[2])?, Node::None) {
            return None;
        }
        let Node::Tuple(st) = self.node((*state)?)? else {
            return None;
        };
        let [dtype, values] = st.as_slice() else {
            return None;
        };
        let name = self.string_dtype(*dtype)?;
        if self.replace.contains_key(&id) {
            return Some(name);
        }
        let Node::ObjectArray {
            shape,
            order,
            items,
        } = self.node(*values)?
        else {
            return None;
        };
        if shape.len() != 1 {
            return None;
        }
        let mut out = Vec::with_capacity(items.len());
        for &it in items {
            match self.node(it)? {
                Node::Str(_) | Node::None => out.push(it),
                Node::Float(f) if f.is_nan() => out.push(it),
                Node::Global(na) if is_any(na, NA) => out.push(self.add(Node::None)),
                _ => return None,
            }
        }
        let n = Node::ObjectArray {
            shape: shape.clone(),
            order: *order,
            items: out,
        };
        self.replace.insert(id, n);
        Some(name)
    }

    /// `__pyx_unpickle_NDArrayBacked(Categorical, checksum, None)` with the
    /// state `(CategoricalDtype, codes)` -> a categorical call.
    fn categorical(&mut self, id: NodeId) -> Option<()> {
        if self.replace.contains_key(&id) {
            return Some(());
        }
        let Node::Call { func, args, state } = self.node(id)? else {
            return None;
        };
        if !is_any(func, NDARRAY_BACKED) || args.len() != 3 {
            return None;
        }
        if !self.global_is(args[0], CATEGORICAL) || !matches!(self.node(args[2])?, Node::None) {
            return None;
        }
        let Node::Tuple(st) = self.node((*state)?)? else {
            return None;
        };
        let [dtype, codes] = st.as_slice() else {
            return None;
        };
        let (categories, ordered) = self.cat_dtype_parts(*dtype)?;
        let node = self.call(
            "categorical",
            vec![
                ("codes", *codes),
                ("categories", categories),
                ("ordered", ordered),
            ],
        );
        self.replace.insert(id, node);
        Some(())
    }

    fn cat_dtype_parts(&mut self, id: NodeId) -> Option<(NodeId, NodeId)> {
        let v = self.exact(
            self.plain_object(id, CAT_DTYPE)?,
            &["categories", "ordered"],
        )?;
        if !matches!(self.node(v[1])?, Node::Bool(_)) {
            return None;
        }
        let idx = self.index(v[0])?;
        self.replace.entry(v[0]).or_insert(idx);
        Some((v[0], v[1]))
    }

    /// The common state of a Series or a DataFrame: `(manager, name)` when
    /// nothing else is set (no attrs, duplicate labels allowed).
    fn ndframe(&self, state: NodeId, typ: &str) -> Option<(NodeId, Option<NodeId>)> {
        let d = self.g.str_dict(state)?;
        let get = |k: &str| d.iter().find(|(n, _)| *n == k).map(|&(_, v)| v);
        let allowed = ["_mgr", "_typ", "_metadata", "attrs", "_flags", "_name"];
        if d.iter().any(|(k, _)| !allowed.contains(k)) {
            return None;
        }
        if !matches!(self.node(get("_typ")?)?, Node::Str(s) if s == typ) {
            return None;
        }
        if let Some(a) = get("attrs") {
            if !matches!(self.node(a)?, Node::Dict(kv) if kv.is_empty()) {
                return None;
            }
        }
        if let Some(f) = get("_flags") {
            let v = self.exact(f, &["allows_duplicate_labels"])?;
            if !matches!(self.node(v[0])?, Node::Bool(true)) {
                return None;
            }
        }
        Some((get("_mgr")?, get("_name")))
    }

    fn series(&mut self, id: NodeId) -> Option<Node> {
        let (mgr, name) = self.ndframe(self.plain_object(id, SERIES)?, "series")?;
        let Node::Object {
            class, state: ms, ..
        } = self.node(mgr)?
        else {
            return None;
        };
        if !is_any(class, SBM) {
            return None;
        }
        let Node::Tuple(t) = self.node((*ms)?)? else {
            return None;
        };
        let (Some(&axes), Some(&vals)) = (t.first(), t.get(1)) else {
            return None;
        };
        let (Node::List(axes), Node::List(vals)) = (self.node(axes)?, self.node(vals)?) else {
            return None;
        };
        let ([index], [values]) = (axes.as_slice(), vals.as_slice()) else {
            return None;
        };
        let idx = self.index(*index)?;
        self.replace.entry(*index).or_insert(idx);
        let (values, dtype) = self.values(*values)?;
        let dt = self.str(&dtype);
        let name = match name {
            Some(n) => n,
            None => self.add(Node::None),
        };
        Some(self.call(
            "series",
            vec![
                ("values", values),
                ("dtype", dt),
                ("index", *index),
                ("name", name),
            ],
        ))
    }

    fn frame(&mut self, id: NodeId) -> Option<Node> {
        let (mgr, name) = self.ndframe(self.plain_object(id, FRAME)?, "dataframe")?;
        if name.is_some() {
            return None;
        }
        let Node::Call {
            func,
            args,
            state: None,
        } = self.node(mgr)?
        else {
            return None;
        };
        if !is_any(func, BM) || args.len() != 2 {
            return None;
        }
        let (Node::Tuple(blocks), Node::List(axes)) = (self.node(args[0])?, self.node(args[1])?)
        else {
            return None;
        };
        let [columns, index] = axes.as_slice() else {
            return None;
        };
        for &ax in [columns, index] {
            let idx = self.index(ax)?;
            self.replace.entry(ax).or_insert(idx);
        }
        let mut out = Vec::with_capacity(blocks.len());
        for &b in blocks {
            let Node::Call {
                func,
                args,
                state: None,
            } = self.node(b)?
            else {
                return None;
            };
            let [values, placement, ndim] = args.as_slice() else {
                return None;
            };
            if !is_any(func, UNPICKLE_BLOCK) || self.g.as_int(*ndim)? != 2 {
                return None;
            }
            let locs = match self.node(*placement)? {
                Node::Call {
                    func,
                    args,
                    state: None,
                } if func.is("builtins", "slice") => {
                    let [a, b, c] = args.as_slice() else {
                        return None;
                    };
                    let (a, b, c) = (self.g.as_int(*a)?, self.g.as_int(*b)?, self.g.as_int(*c)?);
                    if a < 0 || c <= 0 || b < a || (b - a) / c > 1 << 24 {
                        return None;
                    }
                    let ids: Vec<NodeId> = (a..b)
                        .step_by(c as usize)
                        .map(|k| self.add(Node::Int(k)))
                        .collect();
                    self.add(Node::List(ids))
                }
                Node::Array(_) => *placement,
                _ => return None,
            };
            let (values, dtype) = match self.node(*values)? {
                // object columns: one 2-D object block
                Node::ObjectArray { shape, .. } if shape.len() == 2 => (*values, "object".into()),
                _ => self.values(*values)?,
            };
            let dt = self.str(&dtype);
            let keys = [("values", values), ("dtype", dt), ("locs", locs)];
            let mut kv = Vec::with_capacity(3);
            for (k, v) in keys {
                let kid = self.str(k);
                kv.push((kid, v));
            }
            out.push(self.add(Node::Dict(kv)));
        }
        let blocks = self.add(Node::List(out));
        Some(self.call(
            "frame_blocks",
            vec![("columns", *columns), ("index", *index), ("blocks", blocks)],
        ))
    }
}

/// Lower every pandas value of `g` that has exactly a known shape (see the
/// module notes); leave everything else.
pub fn lower(g: &mut Graph) {
    // most files hold no pandas value: skip the reachability walk
    let pandas = |n: &GlobalName| n.module.split('.').next() == Some("pandas");
    let any = g.nodes.iter().any(|n| match n {
        Node::Global(c) | Node::Object { class: c, .. } | Node::Call { func: c, .. } => pandas(c),
        _ => false,
    });
    if !any {
        return;
    }
    let mut l = Lower {
        g: &*g,
        new: Vec::new(),
        replace: HashMap::new(),
    };
    let live = l.g.reachable();
    for (id, &is_live) in live.iter().enumerate() {
        if !is_live {
            continue;
        }
        let id = id as NodeId;
        if l.replace.contains_key(&id) {
            continue;
        }
        let new = match l.node(id) {
            Some(Node::Object { class, .. }) if is_any(class, SERIES) => l.series(id),
            Some(Node::Object { class, .. }) if is_any(class, FRAME) => l.frame(id),
            Some(Node::Object { class, .. }) if is_any(class, CAT_DTYPE) => l
                .cat_dtype_parts(id)
                .map(|(c, o)| l.call("categorical_dtype", vec![("categories", c), ("ordered", o)])),
            Some(Node::Call { func, .. }) if is_any(func, NEW_INDEX) => l.index(id),
            // a Categorical on its own; string arrays are lowered only inside
            // a Series, an Index or a DataFrame (alone they would come back as
            // numpy object arrays)
            Some(Node::Call { func, .. }) if is_any(func, NDARRAY_BACKED) => {
                l.categorical(id);
                None
            }
            Some(Node::Call { func, .. }) if is_any(func, STRING_DTYPE) => {
                match l.string_dtype(id) {
                    Some(dt) => {
                        let name = l.str(dt);
                        Some(l.call("dtype", vec![("name", name)]))
                    }
                    None => None,
                }
            }
            _ => None,
        };
        if let Some(n) = new {
            l.replace.insert(id, n);
        }
    }
    let Lower { new, replace, .. } = l;
    g.nodes.extend(new);
    for (id, n) in replace {
        if let Some(slot) = g.nodes.get_mut(id as usize) {
            *slot = n;
        }
    }
}
