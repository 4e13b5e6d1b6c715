//! OneHotEncoder and OrdinalEncoder: fitted categories (numbers, strings,
//! missing values), unknown and infrequent categories, `drop`. The
//! category lookup ([`Encoder`]) is also TargetEncoder's (`target.rs`).

use std::collections::HashMap;

use skseal_core::ir::{Node, NodeId};

use crate::access::{Ctx, Obj};
use crate::data::{Data, Mat, Method, Output};
use crate::error::{input, malformed, Result};
use crate::estimator::{
    check_cols, data_output, transformer_estimator, unsupported, Estimator, Info, Transformer,
};

use super::values::{column_views, read_vals, ColView, Val};

/// The fitted categories of one feature, with lookups.
struct Cats {
    n: usize,
    num: HashMap<u64, usize>,
    strs: HashMap<String, usize>,
    missing: Option<usize>,
}

fn num_key(v: f64) -> u64 {
    if v == 0.0 {
        0
    } else {
        v.to_bits()
    }
}

impl Cats {
    fn new(vals: &[Val]) -> Cats {
        let mut c = Cats {
            n: vals.len(),
            num: HashMap::new(),
            strs: HashMap::new(),
            missing: None,
        };
        for (k, v) in vals.iter().enumerate() {
            match v {
                Val::Num(x) => {
                    c.num.entry(num_key(*x)).or_insert(k);
                }
                Val::Str(s) => {
                    c.strs.entry(s.clone()).or_insert(k);
                }
                Val::Missing => {
                    c.missing.get_or_insert(k);
                }
            }
        }
        c
    }
    fn find_num(&self, v: f64) -> Option<usize> {
        if v.is_nan() {
            self.missing
        } else {
            self.num.get(&num_key(v)).copied()
        }
    }
    fn find_s(&self, s: &str) -> Option<usize> {
        self.strs.get(s).copied()
    }
    fn find_str(&self, v: &Option<String>) -> Option<usize> {
        match v {
            None => self.missing,
            Some(s) => self.strs.get(s).copied(),
        }
    }
}

fn read_cat_list(est: &Obj<'_, '_>, path: &str) -> Result<Vec<Cats>> {
    let cp = format!("{path}.categories_");
    let list = est.ctx.seq(est.req("categories_", path)?, &cp)?;
    list.iter()
        .enumerate()
        .map(|(k, &id)| Ok(Cats::new(&read_vals(est.ctx, id, &format!("{cp}[{k}]"))?)))
        .collect()
}

/// Optional int array per feature (`_infrequent_indices`, mappings).
fn opt_int_list(
    est: &Obj<'_, '_>,
    key: &str,
    n: usize,
    path: &str,
) -> Result<Vec<Option<Vec<i64>>>> {
    let p = format!("{path}.{key}");
    let Some(id) = est.opt(key) else {
        return Ok(vec![None; n]);
    };
    let list = est.ctx.seq(id, &p)?;
    if list.len() != n {
        return Err(malformed(
            &p,
            format!("{} entries for {n} features", list.len()),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(k, &i)| {
            if est.ctx.is_none(i) {
                Ok(None)
            } else {
                Ok(Some(est.ctx.arr_i64(i, &format!("{p}[{k}]"))?.data))
            }
        })
        .collect()
}

fn idx_ok(v: i64, n: usize) -> Option<usize> {
    usize::try_from(v).ok().filter(|&u| u < n)
}

/// Shared state of OneHotEncoder, OrdinalEncoder and TargetEncoder.
pub(super) struct Encoder {
    pub(super) info: Info,
    cats: Vec<Cats>,
    unknown: Unknown,
    /// first infrequent index per feature (when infrequent categories exist)
    infrequent: Vec<Option<usize>>,
    /// `_default_to_infrequent_mappings`
    mapping: Vec<Option<Vec<usize>>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Unknown {
    Error,
    Ignore,
    /// infrequent_if_exist or warn
    Infrequent,
    /// OrdinalEncoder's use_encoded_value
    Encoded,
}

impl Encoder {
    /// The features whose fitted categories include strings.
    pub(super) fn text_inputs(&self) -> Option<Vec<bool>> {
        let t: Vec<bool> = self.cats.iter().map(|c| !c.strs.is_empty()).collect();
        t.contains(&true).then_some(t)
    }
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<Encoder> {
        let hu = est.str("handle_unknown", path)?;
        let unknown = match hu {
            "error" => Unknown::Error,
            "ignore" => Unknown::Ignore,
            "infrequent_if_exist" | "warn" => Unknown::Infrequent,
            "use_encoded_value" => Unknown::Encoded,
            other => {
                return Err(unsupported(
                    format!("handle_unknown={other:?}"),
                    &format!("{path}.handle_unknown"),
                    "",
                ))
            }
        };
        Encoder::read_as(est, path, unknown)
    }

    /// The categories of `est`, unknown values handled as `unknown`
    /// (TargetEncoder has no `handle_unknown`: its `_transform` ignores them).
    pub(super) fn read_as(est: &Obj<'_, '_>, path: &str, unknown: Unknown) -> Result<Encoder> {
        let info = Info::read(est, path)?;
        let cats = read_cat_list(est, path)?;
        if let Some(n) = info.n_features {
            if n != cats.len() {
                return Err(malformed(path, "categories_ does not match n_features_in_"));
            }
        }
        let n = cats.len();
        let enabled = match est.opt("_infrequent_enabled") {
            Some(v) => est.ctx.bool(v, &format!("{path}._infrequent_enabled"))?,
            None => false,
        };
        let (mut infrequent, mut mapping) = (vec![None; n], vec![None; n]);
        if enabled {
            let inf = opt_int_list(est, "_infrequent_indices", n, path)?;
            let maps = opt_int_list(est, "_default_to_infrequent_mappings", n, path)?;
            for i in 0..n {
                let nc = cats[i].n;
                if let Some(a) = &inf[i] {
                    let first = a.first().and_then(|&v| idx_ok(v, nc)).ok_or_else(|| {
                        malformed(path, format!("_infrequent_indices[{i}] out of range"))
                    })?;
                    infrequent[i] = Some(first);
                }
                if let Some(m) = &maps[i] {
                    // OrdinalEncoder leaves its missing-value category out
                    if m.len() != nc && m.len() + 1 != nc {
                        return Err(malformed(
                            path,
                            format!("_default_to_infrequent_mappings[{i}] has the wrong length"),
                        ));
                    }
                    let m: Option<Vec<usize>> = m.iter().map(|&v| idx_ok(v, nc)).collect();
                    mapping[i] = Some(m.ok_or_else(|| {
                        malformed(
                            path,
                            format!("_default_to_infrequent_mappings[{i}] out of range"),
                        )
                    })?);
                }
            }
        }
        Ok(Encoder {
            info,
            cats,
            unknown,
            infrequent,
            mapping,
        })
    }

    /// `_transform`: codes and known-mask per cell (n x features, row-major).
    /// `ignore` maps feature -> code not remapped (OrdinalEncoder's missing).
    pub(super) fn codes(
        &self,
        x: &Data,
        ignore: &HashMap<usize, usize>,
    ) -> Result<(Vec<usize>, Vec<bool>)> {
        let cols = column_views(x);
        check_cols(&self.info, cols.len())?;
        let nf = cols.len();
        let rows = x.rows();
        let mut code = vec![0usize; rows * nf];
        let mut known = vec![true; rows * nf];
        for (j, ((name, col), cats)) in cols.iter().zip(&self.cats).enumerate() {
            // a coded column: each distinct value looked up once
            let lut: Vec<Option<usize>> = match col {
                ColView::C(c) => c.values().iter().map(|s| cats.find_s(s)).collect(),
                _ => Vec::new(),
            };
            for i in 0..rows {
                let found = match col {
                    ColView::F(v) => {
                        let val = v[i];
                        if val.is_infinite() {
                            return Err(input(format!(
                                "Input X contains infinity (column {name:?}); {} does not accept it",
                                self.info.class
                            )));
                        }
                        cats.find_num(val)
                    }
                    ColView::S(v) => cats.find_str(&v[i]),
                    // MISSING_CODE is past the table's end
                    ColView::C(c) => lut.get(c.codes()[i] as usize).map_or(cats.missing, |&f| f),
                };
                let k = i * nf + j;
                match found {
                    Some(c) => code[k] = c,
                    None => {
                        if self.unknown == Unknown::Error {
                            let shown = match col {
                                ColView::F(v) => format!("{}", v[i]),
                                ColView::S(v) => format!("{:?}", v[i].as_deref().unwrap_or("None")),
                                ColView::C(c) => format!("{:?}", c.get(i).unwrap_or("None")),
                            };
                            return Err(input(format!(
                                "Found unknown categories [{shown}] in column {j} ({name:?}) during transform of {}",
                                self.info.class
                            )));
                        }
                        known[k] = false;
                        code[k] = 0;
                    }
                }
                if let Some(f) = self.infrequent[j] {
                    if !known[k] {
                        code[k] = f;
                        if self.unknown == Unknown::Infrequent {
                            known[k] = true;
                        }
                    }
                }
                if let Some(m) = &self.mapping[j] {
                    if ignore.get(&j) != Some(&code[k]) {
                        code[k] = *m.get(code[k]).ok_or_else(|| {
                            malformed(
                                &self.info.class,
                                format!(
                                    "feature {j}: category {} has no infrequent mapping",
                                    code[k]
                                ),
                            )
                        })?;
                    }
                }
            }
        }
        Ok((code, known))
    }

    /// The number of categories of each feature.
    pub(super) fn sizes(&self) -> Vec<usize> {
        self.cats.iter().map(|c| c.n).collect()
    }
}

pub(super) struct OneHot {
    enc: Encoder,
    /// `_drop_idx_after_grouping`
    drop: Vec<Option<usize>>,
    offsets: Vec<usize>,
    width: usize,
}

fn read_opt_idx_array(
    ctx: &Ctx<'_>,
    id: NodeId,
    n: usize,
    path: &str,
) -> Result<Vec<Option<usize>>> {
    let vals: Vec<Option<i64>> = match ctx.node(id, path)? {
        Node::ObjectArray { items, .. } | Node::List(items) => items
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                if ctx.is_none(i) {
                    Ok(None)
                } else {
                    ctx.i64(i, &format!("{path}[{k}]")).map(Some)
                }
            })
            .collect::<Result<_>>()?,
        _ => ctx.arr_i64(id, path)?.data.into_iter().map(Some).collect(),
    };
    if vals.len() != n {
        return Err(malformed(
            path,
            format!("{} entries for {n} features", vals.len()),
        ));
    }
    vals.into_iter()
        .map(|v| match v {
            None => Ok(None),
            Some(v) => usize::try_from(v)
                .map(Some)
                .map_err(|_| malformed(path, format!("negative index {v}"))),
        })
        .collect()
}

impl OneHot {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<OneHot> {
        let enc = Encoder::read(est, path)?;
        if enc.unknown == Unknown::Encoded {
            return Err(malformed(
                path,
                "OneHotEncoder with handle_unknown=use_encoded_value",
            ));
        }
        let n = enc.cats.len();
        let drop = match est.opt("_drop_idx_after_grouping") {
            None => vec![None; n],
            Some(id) => {
                read_opt_idx_array(est.ctx, id, n, &format!("{path}._drop_idx_after_grouping"))?
            }
        };
        let outs_p = format!("{path}._n_features_outs");
        let outs: Vec<usize> = est
            .ctx
            .arr_i64(est.req("_n_features_outs", path)?, &outs_p)?
            .data
            .into_iter()
            .map(|v| usize::try_from(v).map_err(|_| malformed(&outs_p, "negative width")))
            .collect::<Result<_>>()?;
        if outs.len() != n {
            return Err(malformed(&outs_p, "one width per feature expected"));
        }
        // every reachable code must land inside its block
        for i in 0..n {
            let nc = enc.cats[i].n;
            for c in 0..nc {
                let mut k = c;
                if let Some(m) = &enc.mapping[i] {
                    k = m[c];
                }
                if let Some(d) = drop[i] {
                    if k == d {
                        continue;
                    }
                    if k > d {
                        k -= 1;
                    }
                }
                if k >= outs[i] {
                    return Err(malformed(
                        path,
                        format!(
                            "feature {i}: category {c} encodes outside its {} columns",
                            outs[i]
                        ),
                    ));
                }
            }
        }
        let mut offsets = Vec::with_capacity(n);
        let mut width = 0usize;
        for w in &outs {
            offsets.push(width);
            width += w;
        }
        Ok(OneHot {
            enc,
            drop,
            offsets,
            width,
        })
    }
}

impl Transformer for OneHot {
    fn c_ordered_out(&self) -> bool {
        // np.zeros((n, width)), or a CSR matrix that hstack makes dense
        self.width >= 2
    }
    fn input_text(&self) -> Option<Vec<bool>> {
        self.enc.text_inputs()
    }
    fn transform_data(&self, x: Data) -> Result<Data> {
        let rows = x.rows();
        let (code, known) = self.enc.codes(&x, &HashMap::new())?;
        let nf = self.offsets.len();
        let mut out = Mat::zeros(rows, self.width);
        for i in 0..rows {
            for j in 0..nf {
                let k = i * nf + j;
                let mut c = code[k];
                if !known[k] {
                    continue;
                }
                if let Some(d) = self.drop[j] {
                    if c == d {
                        continue;
                    }
                    if c > d {
                        c -= 1;
                    }
                }
                let col = self.offsets[j] + c;
                if col < self.width {
                    out.data[i * self.width + col] = 1.0;
                }
            }
        }
        Ok(Data::Dense(out))
    }
}

transformer_estimator!(OneHot, via enc.info);

pub(super) struct Ordinal {
    enc: Encoder,
    missing: HashMap<usize, usize>,
    encoded_missing: f64,
    unknown_value: f64,
}

impl Ordinal {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<Ordinal> {
        let enc = Encoder::read(est, path)?;
        if enc.unknown == Unknown::Ignore || enc.unknown == Unknown::Infrequent {
            return Err(malformed(
                path,
                "OrdinalEncoder with a OneHotEncoder handle_unknown",
            ));
        }
        let mut missing = HashMap::new();
        if let Some(id) = est.opt("_missing_indices") {
            let p = format!("{path}._missing_indices");
            match est.ctx.node(id, &p)? {
                Node::Dict(kv) => {
                    for &(k, v) in kv {
                        let f = est.ctx.usize(k, &p)?;
                        let c = est.ctx.usize(v, &p)?;
                        if f >= enc.cats.len() || c >= enc.cats[f].n {
                            return Err(malformed(&p, "index out of range"));
                        }
                        missing.insert(f, c);
                    }
                }
                n => {
                    return Err(malformed(
                        &p,
                        format!("expected a dict, found {}", n.kind_name()),
                    ))
                }
            }
        }
        let num = |k: &str| -> Result<f64> {
            match est.opt(k) {
                None => Ok(f64::NAN),
                Some(v) => est.ctx.f64(v, &format!("{path}.{k}")),
            }
        };
        let encoded_missing = num("encoded_missing_value")?;
        let unknown_value = if enc.unknown == Unknown::Encoded {
            num("unknown_value")?
        } else {
            f64::NAN
        };
        Ok(Ordinal {
            enc,
            missing,
            encoded_missing,
            unknown_value,
        })
    }
}

impl Transformer for Ordinal {
    fn c_ordered_out(&self) -> bool {
        // X_int = np.zeros((n, n_features)), then astype
        self.enc.cats.len() >= 2
    }
    fn input_text(&self) -> Option<Vec<bool>> {
        self.enc.text_inputs()
    }
    fn transform_data(&self, x: Data) -> Result<Data> {
        let rows = x.rows();
        let (code, known) = self.enc.codes(&x, &self.missing)?;
        let nf = self.enc.cats.len();
        let mut out = Mat::zeros(rows, nf);
        for i in 0..rows {
            for j in 0..nf {
                let k = i * nf + j;
                let mut v = code[k] as f64;
                if self.missing.get(&j) == Some(&code[k]) {
                    v = self.encoded_missing;
                }
                if self.enc.unknown == Unknown::Encoded && !known[k] {
                    v = self.unknown_value;
                }
                out.data[k] = v;
            }
        }
        Ok(Data::Dense(out))
    }
}

transformer_estimator!(Ordinal, via enc.info);
