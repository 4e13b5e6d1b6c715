//! Quantization of a block's values into bins, oblivious leaf-index lanes
//! and leaf sums (see the parent module's notes).

use super::*;

/// Up to 255 sorted borders in groups of 16 (see [`Quant::groups`]).
#[derive(Debug, Clone)]
pub(super) struct Groups {
    last: [f32; 16],
    groups: Vec<[f32; 16]>,
}

impl Groups {
    pub(super) fn of(borders: &[f32]) -> Option<Groups> {
        if borders.len() > 255 || !borders.windows(2).all(|w| w[0] < w[1]) {
            return None;
        }
        let mut groups = vec![[f32::INFINITY; 16]; (borders.len() + 1).div_ceil(16)];
        for (k, &b) in borders.iter().enumerate() {
            groups[k / 16][k % 16] = b;
        }
        let mut last = [f32::INFINITY; 16];
        for (l, g) in last.iter_mut().zip(&groups) {
            *l = g[15];
        }
        Some(Groups { last, groups })
    }

    /// How many borders `v` is greater than: the groups wholly below it
    /// (their last border is), then the borders below it in the next group
    /// (which exists: the last group ends with +inf), counted by compares
    /// that the compiler vectorises, without data-dependent branches.
    #[inline(always)]
    pub(super) fn below(&self, v: f32) -> usize {
        let count = |g: &[f32; 16]| g.iter().fold(0u32, |c, &b| c + u32::from(v > b)) as usize;
        let g = count(&self.last);
        16 * g + self.groups.get(g).map_or(0, count)
    }
}

/// A lane of oblivious leaf indices: a byte (trees of up to 8 levels) or
/// a u32.
pub(super) trait Lane: Copy + Default + std::ops::BitOrAssign + Into<u32> {
    /// bit `d` (of an index whose tree has more than `d` levels)
    fn bit(d: u32) -> Self;
}

impl Lane for u8 {
    fn bit(d: u32) -> u8 {
        1u8.wrapping_shl(d)
    }
}

impl Lane for u32 {
    fn bit(d: u32) -> u32 {
        1u32.wrapping_shl(d)
    }
}

/// Add each row's leaf of a tree to its sums: `acc` holds `dim` values per
/// row, `leaves` the model's leaf values from the tree's first leaf, `index`
/// each row's leaf index.
#[inline(always)]
pub(super) fn add_leaves<L: Lane>(leaves: &[f64], dim: usize, index: &[L], acc: &mut [f64]) {
    if dim == 1 {
        for (a, &v) in acc.iter_mut().zip(index) {
            *a += leaves.get(v.into() as usize).copied().unwrap_or(0.0);
        }
        return;
    }
    for (o, &v) in acc.chunks_exact_mut(dim.max(1)).zip(index) {
        let leaf = v.into() as usize * dim;
        for (k, slot) in o.iter_mut().enumerate() {
            *slot += leaves.get(leaf + k).copied().unwrap_or(0.0);
        }
    }
}

/// A float feature's bins for the value `x` (a float64 input), at
/// `bins[(bucket + j) * stride + at]` for its buckets `j`, zero before:
/// the count of its borders below the float32 value, per bucket of up to
/// MAX_VALUES_PER_BIN borders.
#[inline(always)]
pub(super) fn float_bins(q: &Quant, x: f64, bins: &mut [u8], stride: usize, at: usize) {
    let v = float_value(q, x);
    if let Some(g) = &q.groups {
        let below = g.below(v);
        if q.borders.len() <= MAX_VALUES_PER_BIN {
            // one bucket
            if let Some(slot) = bins.get_mut(q.bucket * stride + at) {
                *slot = below as u8;
            }
        } else {
            sorted_bins(q, below, bins, stride, at);
        }
    } else if q.sorted {
        sorted_bins(q, q.borders.partition_point(|&b| v > b), bins, stride, at);
    } else {
        for (k, &b) in q.borders.iter().enumerate() {
            if let Some(slot) = bins.get_mut((q.bucket + k / MAX_VALUES_PER_BIN) * stride + at) {
                *slot += u8::from(v > b);
            }
        }
    }
}

/// The value a float feature's borders are compared with: the input as
/// float32, a NaN replaced as the feature's `nan_mode` says.
#[inline(always)]
pub(super) fn float_value(q: &Quant, x: f64) -> f32 {
    let v = x as f32;
    match q.nan_as {
        Some(s) if v.is_nan() => s,
        _ => v,
    }
}

/// A float feature of sorted borders: its bins when `below` of its borders
/// are below the value (a prefix of them), bucket `j` counting those of
/// its (up to) MAX_VALUES_PER_BIN borders.
#[inline(always)]
pub(super) fn sorted_bins(q: &Quant, below: usize, bins: &mut [u8], stride: usize, at: usize) {
    let n = q.borders.len().div_ceil(MAX_VALUES_PER_BIN);
    for j in 0..n {
        let c = below.saturating_sub(j * MAX_VALUES_PER_BIN);
        if let Some(slot) = bins.get_mut((q.bucket + j) * stride + at) {
            *slot = c.min(MAX_VALUES_PER_BIN) as u8;
        }
    }
}

/// A one-hot feature's bins for the category hash `h`, at
/// `bins[(bucket + j) * stride + at]`, zero before: the matching value's
/// position in its bucket plus one.
#[inline(always)]
pub(super) fn one_hot_bins(oh: &OneHot, h: i32, bins: &mut [u8], stride: usize, at: usize) {
    for (k, &value) in oh.values.iter().enumerate() {
        if let Some(slot) = bins.get_mut((oh.bucket + k / MAX_VALUES_PER_BIN) * stride + at) {
            *slot |= u8::from(h == value) * (k % MAX_VALUES_PER_BIN + 1) as u8;
        }
    }
}
