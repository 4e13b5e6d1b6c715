//! Reads of pandas values (Index, Series, DataFrame) as the IR holds them,
//! through skseal-core's checked pandas parts (`policy::pandas`).

use super::*;

/// The values of a pandas Index, Series or DataFrame column as the IR holds
/// them (`skseal._pandas.rebuild` parts, checked by skseal-core's policy:
/// `skseal_core::policy::pandas`).
#[derive(Debug, Clone, PartialEq)]
pub enum PdValues {
    /// Integer or bool dtypes; a RangeIndex's labels.
    Ints(Vec<i64>),
    /// Float dtypes (NaN is a missing value).
    Floats(Vec<f64>),
    /// object and string dtypes: one graph node per value (`Str`, `Float`
    /// NaN, `None`, ...), read by the caller.
    Objects(Vec<NodeId>),
}

impl PdValues {
    pub fn len(&self) -> usize {
        match self {
            PdValues::Ints(v) => v.len(),
            PdValues::Floats(v) => v.len(),
            PdValues::Objects(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The numbers, for numeric dtypes.
    pub fn numbers(&self, path: &str) -> Result<Vec<f64>> {
        match self {
            PdValues::Ints(v) => Ok(v.iter().map(|&x| x as f64).collect()),
            PdValues::Floats(v) => Ok(v.clone()),
            PdValues::Objects(_) => Err(malformed(path, "expected numbers, found objects")),
        }
    }
}

/// A pandas Series: its index and values, of the same length.
#[derive(Debug, Clone, PartialEq)]
pub struct PdSeries {
    pub index: PdValues,
    pub values: PdValues,
}

/// A pandas DataFrame: column labels, row index and one column of values
/// per label (each as long as the index).
#[derive(Debug, Clone, PartialEq)]
pub struct PdFrame {
    pub columns: PdValues,
    pub index: PdValues,
    pub data: Vec<PdValues>,
}

impl<'a> Ctx<'a> {
    /// The parts of the pandas value at `id` (a `rebuild(kind, parts)` call)
    /// when its kind is one of `kinds`: (kind, values of `keys`).
    fn pd_parts(
        &self,
        id: NodeId,
        kinds: &[&str],
        keys: &[&str],
        path: &str,
    ) -> Result<(&'a str, Vec<NodeId>)> {
        use skseal_core::policy::pandas;
        let found = |what: String| {
            malformed(
                path,
                format!("expected a pandas {} value, found {what}", kinds.join("/")),
            )
        };
        let node = self.node(id, path)?;
        let kind = pandas::kind_of(self.g, id).ok_or_else(|| found(node.kind_name().into()))?;
        if !kinds.contains(&kind) {
            return Err(found(kind.to_string()));
        }
        let parts = match node {
            Node::Call { args, .. } => args.get(1).copied(),
            _ => None,
        }
        .ok_or_else(|| malformed(path, format!("pandas {kind} without parts")))?;
        let v = pandas::parts(self.g, parts, keys).map_err(|e| malformed(path, e))?;
        Ok((kind, v))
    }

    /// One column's values by its dtype name (numbers, bools, objects and
    /// strings; datetimes and categoricals are not read).
    fn pd_column(&self, values: NodeId, dtype: NodeId, path: &str) -> Result<PdValues> {
        let dt = self.str(dtype, &format!("{path}.dtype"))?;
        let vpath = format!("{path}.values");
        match (dt, self.node(values, &vpath)?) {
            (
                "object" | "str" | "string[python]" | "string[pyarrow]",
                Node::ObjectArray { shape, items, .. },
            ) if shape.len() == 1 => Ok(PdValues::Objects(items.clone())),
            (d, Node::Array(_)) if !d.starts_with("datetime64") && d != "category" => {
                let (dtype, shape, b) = self.raw(values, &vpath)?;
                if shape.len() != 1 {
                    return Err(malformed(&vpath, "expected 1-D values"));
                }
                match dtype.kind() {
                    'i' | 'u' | 'b' => Ok(PdValues::Ints(numeric_i64(&dtype, &b, &vpath)?)),
                    'f' => Ok(PdValues::Floats(numeric(&dtype, &b, &vpath)?)),
                    k => Err(malformed(&vpath, format!("values of dtype kind {k:?}"))),
                }
            }
            (d, n) => Err(malformed(
                &vpath,
                format!(
                    "pandas values of dtype {d} ({}) are not read by native inference",
                    n.kind_name()
                ),
            )),
        }
    }

    /// A pandas Index (`index` or `range_index`; a MultiIndex is not read).
    pub fn pd_index(&self, id: NodeId, path: &str) -> Result<PdValues> {
        let (kind, v) = match self.pandas_kind(id) {
            Some("range_index") => self.pd_parts(
                id,
                &["range_index"],
                &["start", "stop", "step", "name"],
                path,
            )?,
            _ => self.pd_parts(id, &["index"], &["values", "dtype", "name"], path)?,
        };
        if kind == "index" {
            return self.pd_column(v[0], v[1], path);
        }
        let (start, stop, step) = (
            self.i64(v[0], &format!("{path}.start"))?,
            self.i64(v[1], &format!("{path}.stop"))?,
            self.i64(v[2], &format!("{path}.step"))?,
        );
        if step == 0 {
            return Err(malformed(path, "RangeIndex step 0"));
        }
        let n = if (step > 0 && stop > start) || (step < 0 && stop < start) {
            let span = i128::from(stop) - i128::from(start);
            let s = i128::from(step);
            (span + s - s.signum()) / s
        } else {
            0
        };
        let n = usize::try_from(n)
            .ok()
            .filter(|&n| n <= 1 << 32)
            .ok_or_else(|| malformed(path, "RangeIndex too long"))?;
        let mut out = Vec::with_capacity(n);
        let mut x = start;
        for _ in 0..n {
            out.push(x);
            x = x.wrapping_add(step);
        }
        Ok(PdValues::Ints(out))
    }

    /// The kind of the pandas value at `id` (`"series"`, `"frame"`, ...),
    /// if it is one.
    pub fn pandas_kind(&self, id: NodeId) -> Option<&'a str> {
        skseal_core::policy::pandas::kind_of(self.g, id)
    }

    /// A pandas Series: `{path}.index` and `{path}.values` in errors.
    pub fn pd_series(&self, id: NodeId, path: &str) -> Result<PdSeries> {
        let (_, v) = self.pd_parts(id, &["series"], &["values", "dtype", "index", "name"], path)?;
        let values = self.pd_column(v[0], v[1], path)?;
        let index = self.pd_index(v[2], &format!("{path}.index"))?;
        if index.len() != values.len() {
            return Err(malformed(
                path,
                format!("{} values for an index of {}", values.len(), index.len()),
            ));
        }
        Ok(PdSeries { index, values })
    }

    /// A pandas DataFrame as skseal writes it (`frame`: one column of
    /// values per label) or as a pickle's block layout is lowered
    /// (`frame_blocks`: 2-D numpy blocks whose rows are the columns at
    /// `locs`, or one-column blocks). Errors name `{path}.columns`,
    /// `{path}.index`, `{path}[k]` (the k-th column).
    pub fn pd_frame(&self, id: NodeId, path: &str) -> Result<PdFrame> {
        let (kind, v) = match self.pandas_kind(id) {
            Some("frame_blocks") => {
                self.pd_parts(id, &["frame_blocks"], &["columns", "index", "blocks"], path)?
            }
            _ => self.pd_parts(
                id,
                &["frame", "frame_blocks"],
                &["columns", "data", "index"],
                path,
            )?,
        };
        let columns = self.pd_index(v[0], &format!("{path}.columns"))?;
        let (index, data) = if kind == "frame" {
            let index = self.pd_index(v[2], &format!("{path}.index"))?;
            let data = self
                .seq(v[1], &format!("{path}.data"))?
                .iter()
                .enumerate()
                .map(|(k, &c)| {
                    let cp = format!("{path}[{k}]");
                    let p = skseal_core::policy::pandas::parts(self.g, c, &["values", "dtype"])
                        .map_err(|e| malformed(&cp, e))?;
                    self.pd_column(p[0], p[1], &cp)
                })
                .collect::<Result<Vec<_>>>()?;
            (index, data)
        } else {
            let index = self.pd_index(v[1], &format!("{path}.index"))?;
            let data = self.pd_blocks(v[2], columns.len(), index.len(), path)?;
            (index, data)
        };
        if data.len() != columns.len() {
            return Err(malformed(
                path,
                format!(
                    "{} columns of data for {} labels",
                    data.len(),
                    columns.len()
                ),
            ));
        }
        for (k, c) in data.iter().enumerate() {
            if c.len() != index.len() {
                return Err(malformed(
                    &format!("{path}[{k}]"),
                    format!("{} values for an index of {}", c.len(), index.len()),
                ));
            }
        }
        Ok(PdFrame {
            columns,
            index,
            data,
        })
    }

    /// The columns of a `frame_blocks` value, in column order.
    fn pd_blocks(
        &self,
        blocks: NodeId,
        ncols: usize,
        nrows: usize,
        path: &str,
    ) -> Result<Vec<PdValues>> {
        let mut cols: Vec<Option<PdValues>> = vec![None; ncols];
        for (k, &b) in self
            .seq(blocks, &format!("{path}.blocks"))?
            .iter()
            .enumerate()
        {
            let bp = format!("{path}.blocks[{k}]");
            let p = skseal_core::policy::pandas::parts(self.g, b, &["values", "dtype", "locs"])
                .map_err(|e| malformed(&bp, e))?;
            let locs = self.arr_i64(p[2], &format!("{bp}.locs"))?.data;
            let rows: Vec<PdValues> = match self.node(p[0], &bp)? {
                Node::Array(_) if self.raw(p[0], &bp)?.1.len() == 2 => {
                    let (dtype, shape, b) = self.raw(p[0], &bp)?;
                    let per = shape[1];
                    if shape[0] != locs.len() || per != nrows {
                        return Err(malformed(&bp, "block shape does not match its columns"));
                    }
                    let split =
                        |n: usize| (0..shape[0]).map(move |i| i * per..(i + 1) * per).take(n);
                    match dtype.kind() {
                        'i' | 'u' | 'b' => {
                            let all = numeric_i64(&dtype, &b, &bp)?;
                            split(shape[0])
                                .map(|r| all.get(r).map(|c| PdValues::Ints(c.to_vec())))
                                .collect::<Option<Vec<_>>>()
                                .ok_or_else(|| malformed(&bp, "block shorter than its shape"))?
                        }
                        'f' => {
                            let all = numeric(&dtype, &b, &bp)?;
                            split(shape[0])
                                .map(|r| all.get(r).map(|c| PdValues::Floats(c.to_vec())))
                                .collect::<Option<Vec<_>>>()
                                .ok_or_else(|| malformed(&bp, "block shorter than its shape"))?
                        }
                        k => return Err(malformed(&bp, format!("block of dtype kind {k:?}"))),
                    }
                }
                Node::ObjectArray {
                    shape,
                    order,
                    items,
                } if shape.len() == 2 => {
                    let (r, n) = (shape[0] as usize, shape[1] as usize);
                    if r != locs.len() || n != nrows || r.checked_mul(n) != Some(items.len()) {
                        return Err(malformed(&bp, "block shape does not match its columns"));
                    }
                    (0..r)
                        .map(|i| {
                            PdValues::Objects(
                                (0..n)
                                    .filter_map(|j| {
                                        items
                                            .get(match order {
                                                Order::C => i * n + j,
                                                Order::F => j * r + i,
                                            })
                                            .copied()
                                    })
                                    .collect(),
                            )
                        })
                        .collect()
                }
                _ => vec![self.pd_column(p[0], p[1], &bp)?],
            };
            if rows.len() != locs.len() {
                return Err(malformed(&bp, "block rows do not match its columns"));
            }
            for (loc, r) in locs.iter().zip(rows) {
                let slot = usize::try_from(*loc)
                    .ok()
                    .and_then(|l| cols.get_mut(l))
                    .filter(|s| s.is_none())
                    .ok_or_else(|| {
                        malformed(
                            &bp,
                            format!("column position {loc} out of range or repeated"),
                        )
                    })?;
                *slot = Some(r);
            }
        }
        cols.into_iter()
            .enumerate()
            .map(|(k, c)| c.ok_or_else(|| malformed(path, format!("column {k} has no block"))))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A graph of `nodes` whose last node is the root.
    fn graph(nodes: Vec<Node>) -> Graph {
        let root = nodes.len().saturating_sub(1) as NodeId;
        Graph {
            nodes,
            arrays: Vec::new(),
            root,
            probe: None,
            native: Vec::new(),
        }
    }

    fn rebuild(kind: NodeId, parts: NodeId) -> Node {
        Node::Call {
            func: GlobalName::new("skseal._pandas", "rebuild"),
            args: vec![kind, parts],
            state: None,
        }
    }

    /// `Series(["a", NaN], index=RangeIndex(5, -1, -3))` (object values).
    fn series(index_kind: &str) -> Graph {
        graph(vec![
            /* 0 */ Node::Str(index_kind.into()),
            /* 1 */ Node::Str("start".into()),
            /* 2 */ Node::Str("stop".into()),
            /* 3 */ Node::Str("step".into()),
            /* 4 */ Node::Str("name".into()),
            /* 5 */ Node::Int(5),
            /* 6 */ Node::Int(-1),
            /* 7 */ Node::Int(-3),
            /* 8 */ Node::None,
            /* 9 */ Node::Dict(vec![(1, 5), (2, 6), (3, 7), (4, 8)]),
            /* 10 */ rebuild(0, 9),
            /* 11 */ Node::Str("a".into()),
            /* 12 */ Node::Float(f64::NAN),
            /* 13 */
            Node::ObjectArray {
                shape: vec![2],
                order: Order::C,
                items: vec![11, 12],
            },
            /* 14 */ Node::Str("object".into()),
            /* 15 */ Node::Str("values".into()),
            /* 16 */ Node::Str("dtype".into()),
            /* 17 */ Node::Str("index".into()),
            /* 18 */ Node::Dict(vec![(15, 13), (16, 14), (17, 10), (4, 8)]),
            /* 19 */ Node::Str("series".into()),
            /* 20 */ rebuild(19, 18),
        ])
    }

    #[test]
    fn reads_a_series_and_its_range_index() {
        let g = series("range_index");
        let bytes = |_: u32| None;
        let ctx = Ctx::new(&g, &bytes, Blas::detect());
        let s = ctx.pd_series(20, "enc.mapping").unwrap();
        assert_eq!(s.index, PdValues::Ints(vec![5, 2]));
        assert_eq!(s.values, PdValues::Objects(vec![11, 12]));
        assert_eq!(ctx.pandas_kind(20), Some("series"));
    }

    #[test]
    fn errors_name_the_attribute_path() {
        // the index is a rebuild call of an unknown kind
        let g = series("period_index");
        let bytes = |_: u32| None;
        let ctx = Ctx::new(&g, &bytes, Blas::detect());
        let e = ctx.pd_series(20, "enc.mapping").unwrap_err().to_string();
        assert!(e.contains("enc.mapping.index"), "{e}");
        // not a Series at all
        let e = ctx
            .pd_frame(20, "enc.mapping[0]['mapping']")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("enc.mapping[0]['mapping']") && e.contains("series"),
            "{e}"
        );
        let e = ctx.pd_series(11, "enc.x").unwrap_err().to_string();
        assert!(e.contains("enc.x") && e.contains("found str"), "{e}");
    }
}
