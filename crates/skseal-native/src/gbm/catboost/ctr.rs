//! CTR features: a combination's hash, its table lookup and value
//! (`TModelCtr::Calc`), and how a model's CTR feature is resolved to hash
//! slots and buckets (see the parent module's notes).

use super::*;

/// A CTR feature ready to compute: where its combination's parts are,
/// its table and parameters, and its quantization.
#[derive(Debug, Clone)]
pub(super) struct Ctr {
    /// categorical hashes hashed, by slot (position in `cat_features`)
    cats: Vec<usize>,
    /// binary features hashed (float splits, then one-hot splits): bucket,
    /// value, whether the bin must equal the value (one-hot) or reach it
    bins: Vec<(usize, u8, bool)>,
    /// index into the model's CTR tables
    table: usize,
    ctr_type: CtrType,
    target_border_idx: i32,
    prior_num: f32,
    prior_denom: f32,
    shift: f32,
    scale: f32,
    pub(super) borders: Vec<f32>,
    /// first bucket
    pub(super) bucket: usize,
}

/// CatBoost's hash step of a combination (`CalcHash(a, b)`, model/hash.h).
pub(super) fn mix(a: u64, b: u64) -> u64 {
    const MAGIC: u64 = 0x4906_ba49_4954_cb65;
    MAGIC.wrapping_mul(a.wrapping_add(MAGIC.wrapping_mul(b)))
}

impl Ctr {
    /// `TModelCtr::Calc` in float32.
    fn calc(&self, num: f32, den: f32) -> f32 {
        let ctr = (num + self.prior_num) / (den + self.prior_denom);
        (ctr + self.shift) * self.scale
    }

    /// The CTR value of a row whose float and one-hot bins are in `bins`
    /// (`TStaticCtrProvider::CalcCtrs` for one document).
    pub(super) fn value(&self, tables: &[CtrTable], bins: &[u8], row_hashes: &[i32]) -> f32 {
        let mut h = 0u64;
        for &c in &self.cats {
            // the hash as a signed 32-bit value widened to 64 bits
            let v = row_hashes.get(c).copied().unwrap_or(0);
            h = mix(h, v as i64 as u64);
        }
        for &(b, at, eq) in &self.bins {
            let bin = bins.get(b).copied().unwrap_or(0);
            let holds = if eq { bin == at } else { bin >= at };
            h = mix(h, u64::from(holds));
        }
        let Some(t) = tables.get(self.table) else {
            return self.calc(0.0, 0.0);
        };
        let row = t.row(h).map(|r| r as usize);
        let w = |i: usize| t.words.get(i).copied().unwrap_or(0) as i32;
        match self.ctr_type {
            CtrType::BinarizedTargetMeanValue | CtrType::FloatTargetMeanValue => match row {
                Some(r) => {
                    let sum = f32::from_bits(w(2 * r) as u32);
                    self.calc(sum, w(2 * r + 1) as f32)
                }
                None => self.calc(0.0, 0.0),
            },
            CtrType::Counter | CtrType::FeatureFreq => {
                let den = t.counter_denominator as f32;
                match row {
                    Some(r) => self.calc(w(r) as f32, den),
                    None => self.calc(0.0, den),
                }
            }
            CtrType::Buckets => match row {
                Some(r) => {
                    let k = t.row_words();
                    let good = w(r * k + self.target_border_idx.max(0) as usize);
                    let total = (0..k).fold(0i32, |s, c| s.wrapping_add(w(r * k + c)));
                    self.calc(good as f32, total as f32)
                }
                None => self.calc(0.0, 0.0),
            },
            CtrType::Borders => match row {
                Some(r) if t.target_classes > 2 => {
                    let k = t.row_words();
                    let split = (self.target_border_idx.max(-1) + 1) as usize;
                    let below = (0..split.min(k)).fold(0i32, |s, c| s.wrapping_add(w(r * k + c)));
                    let good = (split..k).fold(0i32, |s, c| s.wrapping_add(w(r * k + c)));
                    self.calc(good as f32, below.wrapping_add(good) as f32)
                }
                Some(r) => {
                    let (neg, pos) = (w(2 * r), w(2 * r + 1));
                    self.calc(pos as f32, neg.wrapping_add(pos) as f32)
                }
                None => self.calc(0.0, 0.0),
            },
        }
    }
}

/// A CTR feature's combination resolved to hash slots and buckets, as
/// `TStaticCtrProvider::SetupBinFeatureIndexes` maps them (a float split by
/// its feature's `Index` and border, a one-hot split by its categorical
/// feature's `Index` and value; the last equal border or value wins, as in
/// CatBoost's map).
pub(super) fn ctr_of(
    model: &CbModel,
    f: &CtrFeature,
    first_bucket: &[usize],
    first_one_hot: &[usize],
    bucket: usize,
    path: &str,
) -> Result<Ctr> {
    let missing = || malformed(path, "a CTR combination naming a feature the model lacks");
    let mut cats = Vec::new();
    for &c in &f.base.cat_features {
        let slot = model
            .cat_features
            .iter()
            .position(|x| x.index as i64 == c as i64)
            .ok_or_else(missing)?;
        cats.push(slot);
    }
    let mut bins = Vec::new();
    for s in &f.base.float_splits {
        let (fi, k) = model
            .float_features
            .iter()
            .enumerate()
            .filter(|(_, x)| x.index as i64 == s.index as i64)
            .find_map(|(fi, x)| {
                x.borders
                    .iter()
                    .rposition(|&b| b == s.border)
                    .map(|k| (fi, k))
            })
            .ok_or_else(missing)?;
        let first = first_bucket.get(fi).copied().ok_or_else(missing)?;
        bins.push((
            first + k / MAX_VALUES_PER_BIN,
            (k % MAX_VALUES_PER_BIN + 1) as u8,
            false,
        ));
    }
    for s in &f.base.one_hot_splits {
        let (oi, k) = model
            .one_hot_features
            .iter()
            .enumerate()
            .filter(|(_, x)| x.cat_index as i64 == s.index as i64)
            .find_map(|(oi, x)| {
                x.values
                    .iter()
                    .rposition(|&v| v == s.value)
                    .map(|k| (oi, k))
            })
            .ok_or_else(missing)?;
        let first = first_one_hot.get(oi).copied().ok_or_else(missing)?;
        bins.push((
            first + k / MAX_VALUES_PER_BIN,
            (k % MAX_VALUES_PER_BIN + 1) as u8,
            true,
        ));
    }
    Ok(Ctr {
        cats,
        bins,
        table: f.table,
        ctr_type: f.base.ctr_type,
        target_border_idx: f.target_border_idx,
        prior_num: f.prior_num,
        prior_denom: f.prior_denom,
        shift: f.shift,
        scale: f.scale,
        borders: f.borders.clone(),
        bucket,
    })
}
