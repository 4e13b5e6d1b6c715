//! CTR (target statistics) features of a CBM blob: their descriptions in
//! the model core (`CtrFeatures`: a feature combination, a CTR type, the
//! prior, shift, scale and the borders their values are quantized with) and
//! the value tables after the core (the `static_provider_v1` model part:
//! a count, then per table its size and a `TCtrValueTable` flatbuffer with
//! its own root: the CTR base it belongs to, an open-addressing hash index
//! from a combination's hash to a row of statistics, the statistics, the
//! counter denominator and the target class count; catboost/libs/model/
//! flatbuffers/ctr_data.fbs, ctr_value_table.cpp, ctr_data.cpp).
//!
//! Every count is bounded by the bytes present, every table must be one
//! CatBoost can search (a power-of-two bucket count with an empty bucket,
//! so a lookup ends), every stored index must name a row of statistics the
//! blob holds, every CTR feature must have its table, and its combination
//! must name features and splits the model has.

use super::fb::{err, Buf, Table};
use super::{CbModel, MAX_FEATURES};
use crate::boosters::BoosterError;

/// The model part that holds the CTR value tables.
pub const CTR_PART: &str = "static_provider_v1";

/// `ECtrType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CtrType {
    Borders,
    Buckets,
    BinarizedTargetMeanValue,
    FloatTargetMeanValue,
    Counter,
    FeatureFreq,
}

impl CtrType {
    fn of(v: u8, at: &str) -> Result<CtrType, BoosterError> {
        Ok(match v {
            0 => CtrType::Borders,
            1 => CtrType::Buckets,
            2 => CtrType::BinarizedTargetMeanValue,
            3 => CtrType::FloatTargetMeanValue,
            4 => CtrType::Counter,
            5 => CtrType::FeatureFreq,
            o => {
                return Err(err(
                    at,
                    format!("CtrType {o} is not one of CatBoost's 0..=5"),
                ))
            }
        })
    }
    /// CatBoost's name of the type.
    pub fn name(self) -> &'static str {
        match self {
            CtrType::Borders => "Borders",
            CtrType::Buckets => "Buckets",
            CtrType::BinarizedTargetMeanValue => "BinarizedTargetMeanValue",
            CtrType::FloatTargetMeanValue => "FloatTargetMeanValue",
            CtrType::Counter => "Counter",
            CtrType::FeatureFreq => "FeatureFreq",
        }
    }
}

/// A float split of a combination (`TFloatSplit`): float feature `index`
/// (its `Index`) greater than `border`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FloatSplit {
    pub index: i32,
    pub border: f32,
}

/// A one-hot split of a combination (`TOneHotSplit`): categorical feature
/// `index` (its `Index`) equal to the hash `value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OneHotSplit {
    pub index: i32,
    pub value: i32,
}

/// A CTR base (`TModelCtrBase`): what a value table is keyed by.
#[derive(Debug, Clone, PartialEq)]
pub struct CtrBase {
    /// categorical features (their `Index`), hashed in this order
    pub cat_features: Vec<i32>,
    pub float_splits: Vec<FloatSplit>,
    pub one_hot_splits: Vec<OneHotSplit>,
    pub ctr_type: CtrType,
    pub target_border_classifier: i32,
}

impl CtrBase {
    /// The key equality of CatBoost's table map (borders by their bits).
    pub fn same(&self, o: &CtrBase) -> bool {
        self.cat_features == o.cat_features
            && self.float_splits.len() == o.float_splits.len()
            && self
                .float_splits
                .iter()
                .zip(&o.float_splits)
                .all(|(a, b)| a.index == b.index && a.border.to_bits() == b.border.to_bits())
            && self.one_hot_splits == o.one_hot_splits
            && self.ctr_type == o.ctr_type
            && self.target_border_classifier == o.target_border_classifier
    }
}

/// A CTR feature (`TCtrFeature`: its `TModelCtr` and borders).
#[derive(Debug, Clone, PartialEq)]
pub struct CtrFeature {
    pub base: CtrBase,
    pub target_border_idx: i32,
    pub prior_num: f32,
    pub prior_denom: f32,
    pub shift: f32,
    pub scale: f32,
    pub borders: Vec<f32>,
    /// the value table of `base` (index into `CbModel::ctr_tables`)
    pub table: usize,
}

/// A CTR value table (`TCtrValueTable`).
#[derive(Debug, Clone, PartialEq)]
pub struct CtrTable {
    pub base: CtrBase,
    /// the hash index: (hash, row) per bucket, `u64::MAX` for an empty one
    pub buckets: Vec<(u64, u32)>,
    /// the statistics blob as little-endian 32-bit words (a mean history
    /// is a float sum's bits and an int count)
    pub words: Vec<u32>,
    pub counter_denominator: i32,
    pub target_classes: i32,
}

/// An empty bucket's hash (`TBucket::InvalidHashValue`).
pub const EMPTY_BUCKET: u64 = u64::MAX;

impl CtrTable {
    /// The row of statistics of `hash` (`TDenseIndexHashView::GetIndex`):
    /// linear probing from `hash & (buckets - 1)` until the hash or an
    /// empty bucket. The parser checked there is an empty bucket; the bound
    /// keeps the loop finite regardless.
    pub fn row(&self, hash: u64) -> Option<u32> {
        let n = self.buckets.len();
        if n == 0 {
            return None;
        }
        let mask = (n - 1) as u64;
        let mut z = hash & mask;
        for _ in 0..n {
            let (h, v) = *self.buckets.get(z as usize)?;
            if h == EMPTY_BUCKET {
                return None;
            }
            if h == hash {
                return Some(v);
            }
            z = (z + 1) & mask;
        }
        None
    }

    /// Words per row of statistics, as the evaluator reads them.
    pub fn row_words(&self) -> usize {
        match self.base.ctr_type {
            CtrType::BinarizedTargetMeanValue | CtrType::FloatTargetMeanValue => 2,
            CtrType::Counter | CtrType::FeatureFreq => 1,
            CtrType::Buckets => self.target_classes.max(1) as usize,
            // two classes (or fewer) are read as [negatives, positives]
            CtrType::Borders => self.target_classes.max(2) as usize,
        }
    }
}

fn feature_combination(t: &Table<'_>, at: &str) -> Result<CtrBase, BoosterError> {
    let fc = t.table(0, "FeatureCombination")?;
    let ctr_type = CtrType::of(t.u8(1, "CtrType", 0)?, at)?;
    let target_border_classifier = t.i32(2, "TargetBorderClassifierIdx", 0)?;
    let mut base = CtrBase {
        cat_features: Vec::new(),
        float_splits: Vec::new(),
        one_hot_splits: Vec::new(),
        ctr_type,
        target_border_classifier,
    };
    if let Some(fc) = fc {
        base.cat_features = fc
            .vector(0, 4, "CatFeatures")?
            .map(|v| v.i32s())
            .unwrap_or_default();
        let pairs = |i: usize, what: &str| -> Result<Vec<[u8; 8]>, BoosterError> {
            Ok(fc
                .vector(i, 8, what)?
                .map(|v| {
                    v.structs(8)
                        .into_iter()
                        .map(|s| {
                            let mut a = [0u8; 8];
                            a.copy_from_slice(s);
                            a
                        })
                        .collect()
                })
                .unwrap_or_default())
        };
        let word = |a: &[u8; 8], k: usize| [a[k], a[k + 1], a[k + 2], a[k + 3]];
        base.float_splits = pairs(1, "FloatSplits")?
            .iter()
            .map(|a| FloatSplit {
                index: i32::from_le_bytes(word(a, 0)),
                border: f32::from_le_bytes(word(a, 4)),
            })
            .collect();
        base.one_hot_splits = pairs(2, "OneHotSplits")?
            .iter()
            .map(|a| OneHotSplit {
                index: i32::from_le_bytes(word(a, 0)),
                value: i32::from_le_bytes(word(a, 4)),
            })
            .collect();
    }
    Ok(base)
}

/// The CTR features of the `ModelTrees` table (field 7); `table` is set by
/// [`attach`].
pub(super) fn ctr_features(t: &Table<'_>) -> Result<Vec<CtrFeature>, BoosterError> {
    let mut out = Vec::new();
    let Some(v) = t.vector(7, 4, "CtrFeatures")? else {
        return Ok(out);
    };
    for k in 0..v.len {
        let at = format!("CtrFeatures[{k}]");
        let f = v.table(k, "CtrFeatures")?;
        let ctr = f
            .table(0, "Ctr")?
            .ok_or_else(|| err(&at, "a CTR feature without its Ctr"))?;
        let base = ctr
            .table(0, "Base")?
            .ok_or_else(|| err(&at, "a CTR without its Base"))?;
        let base = feature_combination(&base, &at)?;
        let borders = f
            .vector(1, 4, "Borders")?
            .map(|b| b.f32s())
            .unwrap_or_default();
        if let Some(i) = borders.iter().position(|b| b.is_nan()) {
            return Err(err(at, format!("border {i} is NaN")));
        }
        out.push(CtrFeature {
            base,
            target_border_idx: ctr.i32(1, "TargetBorderIdx", 0)?,
            prior_num: ctr.f32(2, "PriorNum", 0.0)?,
            prior_denom: ctr.f32(3, "PriorDenom", 1.0)?,
            shift: ctr.f32(4, "Shift", 0.0)?,
            scale: ctr.f32(5, "Scale", 1.0)?,
            borders,
            table: usize::MAX,
        });
    }
    Ok(out)
}

/// A `SaveSize` length: a u32, or 0xffffffff and a u64.
fn load_size(b: &[u8], pos: &mut usize, at: &str) -> Result<usize, BoosterError> {
    let word = |p: usize, n: usize| {
        b.get(p..p + n).ok_or_else(|| {
            err(
                format!("{at} (CTR data byte {p})"),
                "the CTR data ends before a size",
            )
        })
    };
    let s = word(*pos, 4)?;
    let v = u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
    *pos += 4;
    if v != u32::MAX {
        return Ok(v as usize);
    }
    let s = word(*pos, 8)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    *pos += 8;
    Ok(usize::try_from(u64::from_le_bytes(a)).unwrap_or(usize::MAX))
}

/// One `TCtrValueTable` flatbuffer.
fn value_table(b: &[u8], at: &str) -> Result<CtrTable, BoosterError> {
    let buf = Buf { b };
    let named = |e: BoosterError| err(format!("{at}: {}", e.at), e.why);
    let root = buf.root("TCtrValueTable").map_err(named)?;
    let base = root
        .table(0, "ModelCtrBase")
        .map_err(named)?
        .ok_or_else(|| err(at, "a CTR table without its ModelCtrBase"))?;
    let base = feature_combination(&base, at).map_err(named)?;
    let raw = root
        .vector(1, 1, "IndexHashRaw")
        .map_err(named)?
        .map(|v| v.bytes())
        .unwrap_or_default();
    if !raw.len().is_multiple_of(12) {
        return Err(err(
            format!("{at}.IndexHashRaw"),
            format!("{} bytes, not whole 12-byte buckets", raw.len()),
        ));
    }
    let buckets: Vec<(u64, u32)> = raw
        .chunks_exact(12)
        .map(|c| {
            let mut h = [0u8; 8];
            h.copy_from_slice(&c[..8]);
            (
                u64::from_le_bytes(h),
                u32::from_le_bytes([c[8], c[9], c[10], c[11]]),
            )
        })
        .collect();
    let words: Vec<u32> = root
        .vector(2, 1, "CTRBlob")
        .map_err(named)?
        .map(|v| {
            v.bytes()
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        })
        .unwrap_or_default();
    let table = CtrTable {
        base,
        buckets,
        words,
        counter_denominator: root.i32(3, "CounterDenominator", 0).map_err(named)?,
        target_classes: root.i32(4, "TargetClassesCount", 0).map_err(named)?,
    };
    check_table(&table, at)?;
    Ok(table)
}

/// A table CatBoost can search, whose stored rows are in its blob.
pub(super) fn check_table(t: &CtrTable, at: &str) -> Result<(), BoosterError> {
    let n = t.buckets.len();
    if !n.is_power_of_two() {
        return Err(err(
            format!("{at}.IndexHashRaw"),
            format!("{n} buckets, not a power of two"),
        ));
    }
    if !t.buckets.iter().any(|&(h, _)| h == EMPTY_BUCKET) {
        return Err(err(
            format!("{at}.IndexHashRaw"),
            "no empty bucket (a lookup of an unseen combination would never end)",
        ));
    }
    if matches!(t.base.ctr_type, CtrType::Borders | CtrType::Buckets)
        && !(1..=MAX_FEATURES as i32).contains(&t.target_classes)
    {
        return Err(err(
            format!("{at}.TargetClassesCount"),
            format!("{} is outside 1..={MAX_FEATURES}", t.target_classes),
        ));
    }
    let rows = t.words.len() / t.row_words();
    for (k, &(h, row)) in t.buckets.iter().enumerate() {
        if h != EMPTY_BUCKET && row as usize >= rows {
            return Err(err(
                format!("{at}.IndexHashRaw bucket {k}"),
                format!("row {row}, but CTRBlob holds {rows} rows"),
            ));
        }
    }
    Ok(())
}

/// The CTR value tables of the bytes after the core.
fn value_tables(trailing: &[u8]) -> Result<Vec<CtrTable>, BoosterError> {
    let mut pos = 0usize;
    let count = load_size(trailing, &mut pos, "CtrData")?;
    // each table takes at least its 4-byte size
    if count > trailing.len() / 4 {
        return Err(err(
            "CtrData",
            format!(
                "{count} tables do not fit the {} bytes after the model core",
                trailing.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(count);
    for k in 0..count {
        let at = format!("CtrData table {k}");
        let size = load_size(trailing, &mut pos, &at)?;
        let body = pos
            .checked_add(size)
            .and_then(|e| trailing.get(pos..e))
            .ok_or_else(|| {
                err(
                    &at,
                    format!(
                        "declares {size} bytes but {} follow",
                        trailing.len().saturating_sub(pos)
                    ),
                )
            })?;
        out.push(value_table(body, &at)?);
        pos += size;
    }
    Ok(out)
}

/// Read the CTR tables after the core (when the model lists the part) and
/// give every CTR feature its table; check the features' combinations and
/// target border indices against the model.
pub(super) fn attach(m: &mut CbModel, trailing: &[u8]) -> Result<(), BoosterError> {
    if let Some(i) = m.model_parts.iter().position(|p| p == CTR_PART) {
        if i != 0 {
            return Err(err(
                "TModelCore.ModelPartIds",
                format!("{CTR_PART} is part {i}; CatBoost writes it first"),
            ));
        }
        m.ctr_tables = value_tables(trailing)?;
    }
    for k in 0..m.ctr_features.len() {
        let at = format!("ModelTrees.CtrFeatures[{k}]");
        let f = &m.ctr_features[k];
        check_combination(m, &f.base, &at)?;
        // CatBoost's table map keeps the last table of a base
        let table = m
            .ctr_tables
            .iter()
            .rposition(|t| t.base.same(&f.base))
            .ok_or_else(|| {
                err(
                    &at,
                    format!(
                        "no CTR value table for this {} CTR in the model's CtrData",
                        f.base.ctr_type.name()
                    ),
                )
            })?;
        let t = &m.ctr_tables[table];
        let classes = t.target_classes;
        let idx = f.target_border_idx;
        let needs_idx = match f.base.ctr_type {
            CtrType::Buckets => true,
            CtrType::Borders => classes > 2,
            _ => false,
        };
        if needs_idx && !(0..classes).contains(&idx) {
            return Err(err(
                &at,
                format!("TargetBorderIdx {idx} is outside 0..{classes} (the table's classes)"),
            ));
        }
        m.ctr_features[k].table = table;
    }
    Ok(())
}

/// A combination names used categorical features, float borders and
/// one-hot values the model has (CatBoost's evaluator looks each up).
fn check_combination(m: &CbModel, b: &CtrBase, at: &str) -> Result<(), BoosterError> {
    for &c in &b.cat_features {
        if !m
            .cat_features
            .iter()
            .any(|f| f.index as i64 == c as i64 && f.used_in_model)
        {
            return Err(err(
                at,
                format!("categorical feature {c} is not a used categorical feature of the model"),
            ));
        }
    }
    for s in &b.float_splits {
        let ok = m
            .float_features
            .iter()
            .any(|f| f.index as i64 == s.index as i64 && f.borders.contains(&s.border));
        if !ok {
            return Err(err(
                at,
                format!(
                    "float split (feature {}, border {}) is not a border of the model",
                    s.index, s.border
                ),
            ));
        }
    }
    for s in &b.one_hot_splits {
        let ok = m
            .one_hot_features
            .iter()
            .any(|f| f.cat_index as i64 == s.index as i64 && f.values.contains(&s.value));
        if !ok {
            return Err(err(
                at,
                format!(
                    "one-hot split (feature {}, value {}) is not a one-hot value of the model",
                    s.index, s.value
                ),
            ));
        }
    }
    Ok(())
}
