//! CatBoost's model blob (`CatBoost._serialize_model()`, kept in the pickled
//! state as `__model`). The blob is the magic `CBM1`, the little-endian u32
//! size of a flatbuffer (`TModelCore`, catboost/libs/model/flatbuffers/
//! model.fbs), that flatbuffer, then optional trailing parts (CTR tables,
//! text and embedding processing) named by the core's `ModelPartIds`.
//!
//! [`parse`] reads the core with a bounds-checked flatbuffer reader
//! (`catboost/fb.rs`) and checks what CatBoost's evaluator indexes: tree
//! sizes, start offsets and splits against the list of binary features
//! (float borders, estimated-feature borders, one-hot values, CTR borders,
//! in that order), leaf values and weights against the tree sizes and the
//! approx dimension, non-symmetric step nodes and their leaf ids, feature
//! positions, NaN treatments, scale and bias. The CTR features and, when
//! the core lists the `static_provider_v1` part, the CTR value tables after
//! the core are read and checked by `catboost/ctr.rs`; other trailing parts
//! (text and embedding processing) are counted, not parsed. The same parse is used by
//! the validator ([`check`]) and by native inference (`skseal-native`'s
//! `gbm/catboost.rs`).

mod check;
mod ctr;
mod fb;

pub use ctr::{CtrBase, CtrFeature, CtrTable, CtrType, FloatSplit, OneHotSplit, CTR_PART};

use super::{BoosterError, MAX_PAYLOAD};
use check::{check_features, check_trees};
use fb::{err, Buf, Table};

/// The checked framing of a CBM blob.
#[derive(Debug, Clone, PartialEq)]
pub struct CbmFraming {
    /// Size of the `TModelCore` flatbuffer.
    pub core_size: usize,
    /// Bytes after the flatbuffer (CTR data and other parts).
    pub trailing: usize,
}

/// Deepest oblivious tree read (CatBoost's own limit is 16).
pub const MAX_DEPTH: usize = 16;
/// Largest approx dimension (outputs per document) read.
pub const MAX_DIMENSION: usize = 1 << 16;
/// Largest feature position read.
pub const MAX_FEATURES: usize = 1 << 24;
/// Borders (or one-hot values) per quantized bucket, as CatBoost packs them.
pub const MAX_VALUES_PER_BIN: usize = 254;

/// How a float feature's NaN compares (`ENanValueTreatment`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NanTreatment {
    /// NaN compared as it is (greater than no border).
    AsIs,
    /// NaN taken as minus infinity (`nan_mode=Min`).
    AsFalse,
    /// NaN taken as plus infinity (`nan_mode=Max`).
    AsTrue,
}

/// A float feature (`TFloatFeature`).
#[derive(Debug, Clone, PartialEq)]
pub struct FloatFeature {
    pub has_nans: bool,
    /// position among the float features
    pub index: usize,
    /// position among all the input columns
    pub flat_index: usize,
    pub borders: Vec<f32>,
    pub feature_id: Option<String>,
    pub nan_treatment: NanTreatment,
}

/// A categorical, text or embedding input column (`TCatFeature` and the
/// like): where it is and whether the model uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct OtherFeature {
    pub index: usize,
    pub flat_index: usize,
    pub feature_id: Option<String>,
    pub used_in_model: bool,
}

/// A one-hot encoded categorical feature (`TOneHotFeature`): the category
/// hashes its splits compare with.
#[derive(Debug, Clone, PartialEq)]
pub struct OneHotFeature {
    /// position among the categorical features
    pub cat_index: usize,
    pub values: Vec<i32>,
    pub string_values: Vec<String>,
}

/// A non-symmetric tree node (`TNonSymmetricTreeStepNode`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepNode {
    pub left: u16,
    pub right: u16,
}

/// The parsed `TModelCore`.
#[derive(Debug, Clone, PartialEq)]
pub struct CbModel {
    pub framing: CbmFraming,
    pub format_version: Option<String>,
    pub approx_dimension: usize,
    /// binary-feature index of each split, trees one after another
    pub tree_splits: Vec<usize>,
    /// depth of each oblivious tree (node count of a non-symmetric one)
    pub tree_sizes: Vec<usize>,
    pub tree_start_offsets: Vec<usize>,
    /// first leaf value of each tree
    pub first_leaf: Vec<usize>,
    pub leaf_values: Vec<f64>,
    pub leaf_weights: Vec<f64>,
    pub float_features: Vec<FloatFeature>,
    pub cat_features: Vec<OtherFeature>,
    pub text_features: Vec<OtherFeature>,
    pub embedding_features: Vec<OtherFeature>,
    pub one_hot_features: Vec<OneHotFeature>,
    /// borders of each CTR feature
    pub ctr_borders: Vec<usize>,
    /// the CTR features (combination, type, prior, shift, scale, borders)
    pub ctr_features: Vec<CtrFeature>,
    /// the CTR value tables after the core (`static_provider_v1`)
    pub ctr_tables: Vec<CtrTable>,
    /// borders of each estimated (text or embedding derived) feature
    pub estimated_borders: Vec<usize>,
    /// non-symmetric trees (empty for oblivious ones)
    pub step_nodes: Vec<StepNode>,
    pub node_to_leaf: Vec<u32>,
    pub scale: f64,
    /// one bias per dimension
    pub bias: Vec<f64>,
    /// the model info (`InfoMap`: `params`, `class_params`, ...)
    pub info: Vec<(String, String)>,
    pub model_parts: Vec<String>,
}

/// What a binary feature (a split's index) tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BinFeature {
    /// float feature `feature` (index into `float_features`) greater than
    /// its border `border`
    Float {
        feature: usize,
        border: usize,
    },
    Estimated,
    /// one-hot feature `feature` equal to value `value`
    OneHot {
        feature: usize,
        value: usize,
    },
    /// CTR feature `feature` greater than its border `border`
    Ctr {
        feature: usize,
        border: usize,
    },
}

impl CbModel {
    /// Is every tree oblivious?
    pub fn oblivious(&self) -> bool {
        self.step_nodes.is_empty()
    }
    /// The value of an `InfoMap` key.
    pub fn info(&self, key: &str) -> Option<&str> {
        self.info
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    /// The binary features in CatBoost's order (the targets of
    /// `tree_splits`).
    pub fn bin_features(&self) -> Vec<BinFeature> {
        let mut out = Vec::new();
        for (f, ff) in self.float_features.iter().enumerate() {
            for b in 0..ff.borders.len() {
                out.push(BinFeature::Float {
                    feature: f,
                    border: b,
                });
            }
        }
        for &n in &self.estimated_borders {
            out.extend(std::iter::repeat_n(BinFeature::Estimated, n));
        }
        for (f, oh) in self.one_hot_features.iter().enumerate() {
            for v in 0..oh.values.len() {
                out.push(BinFeature::OneHot {
                    feature: f,
                    value: v,
                });
            }
        }
        for (f, &n) in self.ctr_borders.iter().enumerate() {
            for b in 0..n {
                out.push(BinFeature::Ctr {
                    feature: f,
                    border: b,
                });
            }
        }
        out
    }
}

/// Check a CBM blob's framing; the core is the returned slice.
fn framing(blob: &[u8]) -> Result<(CbmFraming, &[u8]), BoosterError> {
    if blob.len() > MAX_PAYLOAD {
        return Err(err(
            "blob",
            format!("{} bytes, over the {MAX_PAYLOAD}-byte limit", blob.len()),
        ));
    }
    if blob.get(..4) != Some(b"CBM1".as_slice()) {
        return Err(err("byte 0", "does not start with CatBoost's CBM1 magic"));
    }
    let size = blob
        .get(4..8)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
        .ok_or_else(|| err("byte 4", "the blob ends before its core size"))?;
    let core = blob.get(8..8 + size).ok_or_else(|| {
        err(
            "byte 4 (core size)",
            format!(
                "declares a {size}-byte model core but only {} bytes follow",
                blob.len().saturating_sub(8)
            ),
        )
    })?;
    let f = CbmFraming {
        core_size: size,
        trailing: blob.len() - 8 - size,
    };
    Ok((f, core))
}

/// Check a CBM blob: its framing and its model core (see [`parse`]).
pub fn check(blob: &[u8]) -> Result<CbmFraming, BoosterError> {
    parse(blob).map(|m| m.framing)
}

pub(super) fn usize_of(v: i32, at: &str, what: &str, max: usize) -> Result<usize, BoosterError> {
    if v < 0 || v as usize >= max {
        return Err(err(at, format!("{what} {v} is outside 0..{max}")));
    }
    Ok(v as usize)
}

fn other_features(
    t: &Table<'_>,
    field: usize,
    what: &'static str,
    used_field: usize,
) -> Result<Vec<OtherFeature>, BoosterError> {
    let mut out = Vec::new();
    let Some(v) = t.vector(field, 4, what)? else {
        return Ok(out);
    };
    for k in 0..v.len {
        let f = v.table(k, what)?;
        let at = format!("{what}[{k}]");
        out.push(OtherFeature {
            index: usize_of(f.i32(0, "Index", -1)?, &at, "Index", MAX_FEATURES)?,
            flat_index: usize_of(f.i32(1, "FlatIndex", -1)?, &at, "FlatIndex", MAX_FEATURES)?,
            feature_id: f.string(2, "FeatureId")?,
            used_in_model: f.u8(used_field, "UsedInModel", 1)? != 0,
        });
    }
    Ok(out)
}

fn float_features(t: &Table<'_>) -> Result<Vec<FloatFeature>, BoosterError> {
    let mut out = Vec::new();
    let Some(v) = t.vector(5, 4, "FloatFeatures")? else {
        return Ok(out);
    };
    for k in 0..v.len {
        let f = v.table(k, "FloatFeatures")?;
        let at = format!("FloatFeatures[{k}]");
        let borders = f
            .vector(3, 4, "Borders")?
            .map(|b| b.f32s())
            .unwrap_or_default();
        if let Some(i) = borders.iter().position(|b| b.is_nan()) {
            return Err(err(at, format!("border {i} is NaN")));
        }
        let nan_treatment = match f.u8(5, "NanValueTreatment", 0)? {
            0 => NanTreatment::AsIs,
            1 => NanTreatment::AsFalse,
            2 => NanTreatment::AsTrue,
            o => return Err(err(at, format!("NanValueTreatment {o} is not 0, 1 or 2"))),
        };
        out.push(FloatFeature {
            has_nans: f.u8(0, "HasNans", 0)? != 0,
            index: usize_of(f.i32(1, "Index", -1)?, &at, "Index", MAX_FEATURES)?,
            flat_index: usize_of(f.i32(2, "FlatIndex", -1)?, &at, "FlatIndex", MAX_FEATURES)?,
            borders,
            feature_id: f.string(4, "FeatureId")?,
            nan_treatment,
        });
    }
    Ok(out)
}

fn one_hot_features(t: &Table<'_>) -> Result<Vec<OneHotFeature>, BoosterError> {
    let mut out = Vec::new();
    let Some(v) = t.vector(6, 4, "OneHotFeatures")? else {
        return Ok(out);
    };
    for k in 0..v.len {
        let f = v.table(k, "OneHotFeatures")?;
        let at = format!("OneHotFeatures[{k}]");
        let values = f
            .vector(1, 4, "Values")?
            .map(|b| b.i32s())
            .unwrap_or_default();
        let mut string_values = Vec::new();
        if let Some(sv) = f.vector(2, 4, "StringValues")? {
            for j in 0..sv.len {
                string_values.push(sv.string_at(j, "StringValues")?);
            }
        }
        out.push(OneHotFeature {
            cat_index: usize_of(f.i32(0, "Index", -1)?, &at, "Index", MAX_FEATURES)?,
            values,
            string_values,
        });
    }
    Ok(out)
}

/// Border counts of a vector of tables whose field `field` is `[float]`.
fn border_counts(
    t: &Table<'_>,
    vec_field: usize,
    what: &'static str,
    field: usize,
) -> Result<Vec<usize>, BoosterError> {
    let mut out = Vec::new();
    let Some(v) = t.vector(vec_field, 4, what)? else {
        return Ok(out);
    };
    for k in 0..v.len {
        let f = v.table(k, what)?;
        out.push(f.vector(field, 4, "Borders")?.map(|b| b.len).unwrap_or(0));
    }
    Ok(out)
}

/// Parse and check a CBM blob (see the module documentation).
pub fn parse(blob: &[u8]) -> Result<CbModel, BoosterError> {
    let (framing, core) = framing(blob)?;
    let buf = Buf { b: core };
    let root = buf.root("TModelCore")?;
    let format_version = root.string(0, "FormatVersion")?;
    let trees = root
        .table(1, "ModelTrees")?
        .ok_or_else(|| err("TModelCore", "no ModelTrees table"))?;
    let mut info = Vec::new();
    if let Some(v) = root.vector(2, 4, "InfoMap")? {
        for k in 0..v.len {
            let kv = v.table(k, "InfoMap")?;
            let key = kv.string(0, "Key")?.unwrap_or_default();
            let value = kv.string(1, "Value")?.unwrap_or_default();
            info.push((key, value));
        }
    }
    let mut model_parts = Vec::new();
    if let Some(v) = root.vector(3, 4, "ModelPartIds")? {
        for k in 0..v.len {
            model_parts.push(v.string_at(k, "ModelPartIds")?);
        }
    }

    let t = &trees;
    let dim = t.i32(0, "ApproxDimension", 0)?;
    if dim < 1 || dim as usize > MAX_DIMENSION {
        return Err(err(
            "ModelTrees.ApproxDimension",
            format!("{dim} is outside 1..={MAX_DIMENSION}"),
        ));
    }
    let dim = dim as usize;
    let ints = |i: usize, what: &str| -> Result<Vec<i32>, BoosterError> {
        Ok(t.vector(i, 4, what)?.map(|v| v.i32s()).unwrap_or_default())
    };
    let splits = ints(1, "TreeSplits")?;
    let sizes = ints(2, "TreeSizes")?;
    let starts = ints(3, "TreeStartOffsets")?;
    let cat_features = other_features(t, 4, "CatFeatures", 3)?;
    let float_features = float_features(t)?;
    let one_hot_features = one_hot_features(t)?;
    let ctr_features = ctr::ctr_features(t)?;
    let ctr_borders = ctr_features.iter().map(|f| f.borders.len()).collect();
    let leaf_values = t
        .vector(8, 8, "LeafValues")?
        .map(|v| v.f64s())
        .unwrap_or_default();
    let leaf_weights = t
        .vector(9, 8, "LeafWeights")?
        .map(|v| v.f64s())
        .unwrap_or_default();
    let step_nodes: Vec<StepNode> = t
        .vector(10, 4, "NonSymmetricStepNodes")?
        .map(|v| {
            v.structs(4)
                .into_iter()
                .map(|s| StepNode {
                    left: u16::from_le_bytes([s[0], s[1]]),
                    right: u16::from_le_bytes([s[2], s[3]]),
                })
                .collect()
        })
        .unwrap_or_default();
    let node_to_leaf = t
        .vector(11, 4, "NonSymmetricNodeIdToLeafId")?
        .map(|v| v.u32s())
        .unwrap_or_default();
    let text_features = other_features(t, 12, "TextFeatures", 3)?;
    let estimated_borders = border_counts(t, 13, "EstimatedFeatures", 3)?;
    let scale = t.f64(14, "Scale", 1.0)?;
    let one_bias = t.f64(15, "Bias", 0.0)?;
    let multi_bias = t
        .vector(16, 8, "MultiBias")?
        .map(|v| v.f64s())
        .unwrap_or_default();
    t.vector(17, 4, "RepackedBins")?;
    let embedding_features = other_features(t, 18, "EmbeddingFeatures", 4)?;

    if !scale.is_finite() {
        return Err(err("ModelTrees.Scale", format!("{scale} is not finite")));
    }
    let bias = if multi_bias.is_empty() {
        if dim > 1 && one_bias != 0.0 {
            return Err(err(
                "ModelTrees.Bias",
                format!("one bias for an approx dimension of {dim}"),
            ));
        }
        vec![one_bias; dim]
    } else {
        if multi_bias.len() != dim {
            return Err(err(
                "ModelTrees.MultiBias",
                format!(
                    "{} biases for an approx dimension of {dim}",
                    multi_bias.len()
                ),
            ));
        }
        multi_bias
    };
    if let Some(b) = bias.iter().find(|b| !b.is_finite()) {
        return Err(err("ModelTrees.Bias", format!("{b} is not finite")));
    }

    let mut model = CbModel {
        framing,
        format_version,
        approx_dimension: dim,
        tree_splits: Vec::new(),
        tree_sizes: Vec::new(),
        tree_start_offsets: Vec::new(),
        first_leaf: Vec::new(),
        leaf_values,
        leaf_weights,
        float_features,
        cat_features,
        text_features,
        embedding_features,
        one_hot_features,
        ctr_borders,
        ctr_features,
        ctr_tables: Vec::new(),
        estimated_borders,
        step_nodes,
        node_to_leaf,
        scale,
        bias,
        info,
        model_parts,
    };
    check_features(&model)?;
    let trailing = blob.get(8 + model.framing.core_size..).unwrap_or(&[]);
    ctr::attach(&mut model, trailing)?;
    check_trees(&mut model, &splits, &sizes, &starts)?;
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A binary classifier (3 trees of depth 2, 2 float features, NaN in
    /// the second) as catboost 1.2.10 serializes it.
    const BINARY: &[u8] = include_bytes!("catboost/testdata/binary.cbm");
    /// A 3-class classifier with depthwise (non-symmetric) trees.
    const DEPTHWISE: &[u8] = include_bytes!("catboost/testdata/depthwise3.cbm");

    /// A binary classifier with CTR features (see `testdata/make_ctr.py`).
    const CTR: &[u8] = include_bytes!("catboost/testdata/ctr_binary.cbm");

    #[test]
    fn reads_ctr_features_and_tables() {
        let m = parse(CTR).unwrap();
        assert_eq!(m.model_parts, vec![CTR_PART.to_string()]);
        assert_eq!(m.ctr_features.len(), 8);
        assert!(m.ctr_tables.len() >= 3);
        let types: Vec<CtrType> = m.ctr_features.iter().map(|f| f.base.ctr_type).collect();
        assert!(types.contains(&CtrType::Borders) && types.contains(&CtrType::Counter));
        assert!(m
            .ctr_features
            .iter()
            .any(|f| f.base.cat_features.len() == 2));
        assert!(m
            .ctr_features
            .iter()
            .any(|f| f.base.float_splits.len() == 2));
        for f in &m.ctr_features {
            let t = &m.ctr_tables[f.table];
            assert!(t.base.same(&f.base));
            assert!(t.buckets.len().is_power_of_two());
            // every stored hash is found where the probe puts it
            for &(h, row) in &t.buckets {
                if h != u64::MAX {
                    assert_eq!(t.row(h), Some(row));
                }
            }
            assert_eq!(t.row(u64::MAX), None);
        }
        assert_eq!(
            m.ctr_borders,
            m.ctr_features
                .iter()
                .map(|f| f.borders.len())
                .collect::<Vec<_>>()
        );
    }

    /// The byte offset of the CTR data (after the core) in `CTR`.
    fn ctr_start(blob: &[u8]) -> usize {
        8 + u32::from_le_bytes([blob[4], blob[5], blob[6], blob[7]]) as usize
    }

    #[test]
    fn hostile_ctr_data_is_refused_by_place() {
        let start = ctr_start(CTR);
        // a table count the bytes cannot hold
        let mut b = CTR.to_vec();
        b[start..start + 4].copy_from_slice(&1_000_000u32.to_le_bytes());
        let e = parse(&b).unwrap_err();
        assert!(
            e.at.contains("CtrData") && e.why.contains("do not fit"),
            "{e}"
        );
        // the 64-bit size form
        let mut b = CTR.to_vec();
        b[start..start + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(parse(&b).unwrap_err().at.contains("CtrData"));
        // a table size past the end
        let mut b = CTR.to_vec();
        b[start + 4..start + 8].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        let e = parse(&b).unwrap_err();
        assert!(e.at.contains("CtrData table 0"), "{e}");
        // cut CTR data
        for cut in start..CTR.len() {
            let e = parse(&CTR[..cut]).unwrap_err();
            assert!(e.at.contains("Ctr"), "cut {cut}: {e}");
        }
        // the part listed, no CTR data at all
        let e = parse(&CTR[..start]).unwrap_err();
        assert!(e.at.contains("CtrData") && e.why.contains("ends"), "{e}");
        // no tables: the features have none
        let mut b = CTR[..start + 4].to_vec();
        b[start..].copy_from_slice(&0u32.to_le_bytes());
        let e = parse(&b).unwrap_err();
        assert!(
            e.at.contains("CtrFeatures[0]") && e.why.contains("CtrData"),
            "{e}"
        );
    }

    #[test]
    fn hostile_ctr_tables_are_refused() {
        let m = parse(CTR).unwrap();
        let mut t = m.ctr_tables[0].clone();
        t.buckets.pop();
        assert!(ctr::check_table(&t, "t")
            .unwrap_err()
            .why
            .contains("power of two"));
        let mut t = m.ctr_tables[0].clone();
        for b in &mut t.buckets {
            b.0 = 7;
        }
        assert!(ctr::check_table(&t, "t")
            .unwrap_err()
            .why
            .contains("empty bucket"));
        let mut t = m.ctr_tables[0].clone();
        let k = t.buckets.iter().position(|b| b.0 != u64::MAX).unwrap();
        t.buckets[k].1 = 1 << 30;
        let e = ctr::check_table(&t, "t").unwrap_err();
        assert!(
            e.at.contains(&format!("bucket {k}")) && e.why.contains("rows"),
            "{e}"
        );
        let mut t = m.ctr_tables[0].clone();
        t.target_classes = -3;
        assert!(ctr::check_table(&t, "t")
            .unwrap_err()
            .at
            .contains("TargetClassesCount"));
        // a CTR feature whose combination names what the model lacks
        let mut bad = m.clone();
        bad.ctr_features[0].base.cat_features = vec![77];
        let e = ctr::attach(&mut bad, &CTR[ctr_start(CTR)..]).unwrap_err();
        assert!(e.at.contains("CtrFeatures[0]") && e.why.contains("categorical feature 77"));
        let mut bad = m.clone();
        let f = bad
            .ctr_features
            .iter()
            .position(|f| !f.base.float_splits.is_empty())
            .unwrap();
        bad.ctr_features[f].base.float_splits[0].border = 1234.5;
        let e = ctr::attach(&mut bad, &CTR[ctr_start(CTR)..]).unwrap_err();
        assert!(e.why.contains("float split"), "{e}");
    }

    #[test]
    fn reads_a_binary_classifier() {
        let m = parse(BINARY).unwrap();
        assert_eq!(m.approx_dimension, 1);
        assert!(m.oblivious());
        assert_eq!(m.tree_sizes, vec![2, 2, 2]);
        assert_eq!(m.tree_start_offsets, vec![0, 2, 4]);
        assert_eq!(m.first_leaf, vec![0, 4, 8]);
        assert_eq!(m.leaf_values.len(), 12);
        assert_eq!(m.float_features.len(), 2);
        assert_eq!(m.float_features[1].flat_index, 1);
        assert!(m.float_features[1].has_nans);
        assert_eq!(m.float_features[1].nan_treatment, NanTreatment::AsFalse);
        let n_bin = m.bin_features().len();
        assert!(m.tree_splits.iter().all(|&s| s < n_bin));
        assert!(m.info("class_params").unwrap().contains("class_names"));
        assert!(m.info("params").unwrap().contains("Logloss"));
        assert_eq!(m.bias.len(), 1);
        assert_eq!(check(BINARY).unwrap().trailing, m.framing.trailing);
    }

    #[test]
    fn reads_non_symmetric_trees() {
        let m = parse(DEPTHWISE).unwrap();
        assert_eq!(m.approx_dimension, 3);
        assert!(!m.oblivious());
        assert_eq!(m.step_nodes.len(), m.tree_splits.len());
        assert_eq!(m.first_leaf.len(), m.tree_sizes.len());
    }

    #[test]
    fn framing_errors_name_the_place() {
        let mut b = BINARY.to_vec();
        b[0] = b'X';
        assert!(check(&b).unwrap_err().at.contains("byte 0"));
        let mut b = BINARY.to_vec();
        b[7] = 200;
        assert!(check(&b).unwrap_err().at.contains("core size"));
        let mut b = BINARY.to_vec();
        b[11] = 0x7f;
        assert!(check(&b).is_err());
    }

    #[test]
    fn every_cut_is_an_error() {
        for blob in [BINARY, DEPTHWISE, CTR] {
            let size = u32::from_le_bytes([blob[4], blob[5], blob[6], blob[7]]) as usize;
            for cut in 0..8 + size {
                assert!(parse(&blob[..cut]).is_err(), "cut {cut}");
            }
            // a cut core with the size fixed up to match
            for cut in 8..8 + size {
                let mut b = blob[..cut].to_vec();
                let n = (cut - 8) as u32;
                b[4..8].copy_from_slice(&n.to_le_bytes());
                let _ = parse(&b);
            }
        }
    }

    #[test]
    fn corrupted_bytes_never_panic() {
        for blob in [BINARY, DEPTHWISE, CTR] {
            for at in 8..blob.len() {
                for v in [0u8, 1, 0x7f, 0x80, 0xff] {
                    let mut b = blob.to_vec();
                    b[at] = v;
                    if let Ok(m) = parse(&b) {
                        // what parses keeps the invariants the evaluator uses
                        let n_bin = m.bin_features().len().max(1);
                        assert!(m.tree_splits.iter().all(|&s| s < n_bin));
                        if m.oblivious() {
                            for (t, &size) in m.tree_sizes.iter().enumerate() {
                                let end = m.first_leaf[t] + (1 << size) * m.approx_dimension;
                                assert!(end <= m.leaf_values.len());
                            }
                        }
                        for f in &m.ctr_features {
                            let t = &m.ctr_tables[f.table];
                            let rows = t.words.len() / t.row_words();
                            assert!(t.buckets.iter().any(|b| b.0 == u64::MAX));
                            for &(h, row) in &t.buckets {
                                assert!(h == u64::MAX || (row as usize) < rows);
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn refuses_inconsistent_trees() {
        let mut m = parse(BINARY).unwrap();
        let splits: Vec<i32> = m.tree_splits.iter().map(|&s| s as i32).collect();
        let sizes = [2, 2, 3];
        let starts = [0, 2, 4];
        let e = check_trees(&mut m, &splits, &sizes, &starts).unwrap_err();
        assert!(e.why.contains("add up"), "{e}");
        let e = check_trees(&mut m, &splits, &[2, 2, 2], &[0, 1, 4]).unwrap_err();
        assert!(e.at.contains("TreeStartOffsets[1]"), "{e}");
        let mut bad = splits.clone();
        bad[0] = 10_000;
        let e = check_trees(&mut m, &bad, &[2, 2, 2], &[0, 2, 4]).unwrap_err();
        assert!(e.at.contains("TreeSplits[0]"), "{e}");
        let e = check_trees(&mut m, &splits, &[2, 2, 17], &[0, 2, 4]).unwrap_err();
        assert!(e.why.contains("tree size"), "{e}");
        m.leaf_values.pop();
        let e = check_trees(&mut m, &splits, &[2, 2, 2], &[0, 2, 4]).unwrap_err();
        assert!(e.at.contains("LeafValues"), "{e}");
    }
}
