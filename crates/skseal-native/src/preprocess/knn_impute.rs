//! KNNImputer (metric "nan_euclidean", uniform or distance weights, NaN as
//! the missing value), as scikit-learn 1.9's `transform` computes it.
//!
//! The rows of X with a missing value in a column that had values at fit
//! (`_valid_mask`) are measured against every row of `_fit_X` by
//! `nan_euclidean_distances`, in the chunks of rows `pairwise_distances_chunked`
//! makes (as many as 1 GiB of distances holds, its default working memory):
//!
//! - X and `_fit_X` with 0 for missing values; `(-2 * Xz @ Yz.T + XX) + YY`
//!   (numpy's matmul through OpenBLAS, [`Blas::matmul_t`]; the row norms by
//!   `np.einsum`, [`einsum_sq`]), `np.maximum(., 0)`;
//! - minus `np.dot(Xz * Xz, missing_Y.T)` and `np.dot(missing_X, (Yz * Yz).T)`
//!   (the same products of 0/1 matrices), clipped at 0;
//! - NaN where the two rows share no present feature; else divided by the
//!   count of shared present features, times the number of features, square
//!   root.
//!
//! Then per column with missing values, in column order, for each receiver
//! (a row missing it) among the potential donors (the fit rows that have
//! it): no defined distance, the column's masked mean (`np.ma.mean`: the
//! column with 0 for missing values added as `np.sum` does, times 1.0, over
//! the count); otherwise the k = min(n_neighbors, donors) nearest by
//! `np.argpartition`, weights 1 (0 for a NaN distance) or `_get_weights`'
//! `1 / d` (a row with a zero distance: 1 for those, 0 for the rest; NaN
//! then 0), and `np.ma.average`: `np.sum(v * w) / np.sum(w)` over the k in
//! the order `np.argpartition` leaves them. The distances are computed from
//! X as given, before any column is imputed.
//!
//! numpy's argpartition on AVX2 and AVX-512 machines (x86-simd-sort) leaves
//! the k nearest of distinct distances in ascending order for the small k an
//! imputer uses (measured: every row for k up to 16 and up to 20,000 donors;
//! not always for k = 100); here they are taken ascending, ties by training
//! row. Exactly tied distances are ordered, and at the k-th chosen, by the
//! CPU's kernels in scikit-learn, and a machine without AVX2 leaves the k
//! unsorted, so the sums add in another order: a bound ([`TIES`]).

use crate::access::{mat_f64, Obj};
use crate::blas::{Blas, Exactness};
use crate::data::{Data, Mat, Method, Output};
use crate::error::{input, malformed, Result};
use crate::estimator::{
    check_cols, check_finite, data_output, transformer_estimator, unsupported, Estimator, Info,
    Transformer,
};
use crate::kernels::einsum_sq;
use crate::npsum;

const TIES: &str = "imputed values are bitwise except where donors lie at exactly the same \
                    distance (scikit-learn orders and picks those by numpy's argpartition \
                    kernels for the CPU; natively by training row), on machines without AVX2 \
                    (numpy's argpartition then leaves the k nearest unsorted and the average \
                    adds them in another order), where numpy's OpenBLAS core is not \
                    reproduced, and after a Fortran-ordered _fit_X, whose product takes \
                    dgemm NN (not modelled)";

/// `working_memory`, scikit-learn's default: 1024 MiB of distances per chunk.
const WORKING_MEMORY: usize = 1024 << 20;

pub(super) struct KnnImputer {
    info: Info,
    k: usize,
    /// weights="distance"
    distance: bool,
    /// `_fit_X` (n x d), NaN where missing
    fit: Mat,
    /// `_fit_X` with 0 for missing values
    fit_zero: Mat,
    /// 1.0 where `_fit_X` is missing, else 0.0
    fit_missing: Mat,
    /// `fit_zero` squared elementwise
    fit_sq: Mat,
    /// `np.einsum` row norms of `fit_zero`
    fit_norms: Vec<f64>,
    /// `_valid_mask`: the column had a value at fit
    valid: Vec<bool>,
    /// each valid column's masked mean
    means: Vec<f64>,
    keep_empty: bool,
    blas: Blas,
}

impl KnnImputer {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<KnnImputer> {
        let ctx = est.ctx;
        let info = Info::read(est, path)?;
        let flag = |key: &str| -> Result<bool> {
            match est.opt(key) {
                Some(v) if !ctx.is_none(v) => ctx.bool(v, &format!("{path}.{key}")),
                _ => Ok(false),
            }
        };
        if flag("add_indicator")? {
            return Err(unsupported(
                "KNNImputer(add_indicator=True)",
                &format!("{path}.add_indicator"),
                "A MissingIndicator is not implemented natively; impute without the indicator.",
            ));
        }
        let mv = est.req("missing_values", path)?;
        if !ctx
            .f64(mv, &format!("{path}.missing_values"))
            .is_ok_and(f64::is_nan)
        {
            return Err(unsupported(
                "KNNImputer with missing_values other than NaN",
                &format!("{path}.missing_values"),
                "Native inference imputes NaN; refit with missing_values=np.nan.",
            ));
        }
        let metric = est.opt_str("metric", path)?;
        if metric != Some("nan_euclidean") {
            return Err(unsupported(
                format!("KNNImputer with the metric {metric:?}"),
                &format!("{path}.metric"),
                "Native inference implements metric=\"nan_euclidean\".",
            ));
        }
        let distance = match est.opt_str("weights", path)? {
            Some("uniform") => false,
            Some("distance") => true,
            w => {
                return Err(unsupported(
                    format!("KNNImputer with weights {w:?}"),
                    &format!("{path}.weights"),
                    "Native inference implements weights=\"uniform\" and \"distance\".",
                ))
            }
        };
        let k = est.usize("n_neighbors", path)?;
        if k == 0 {
            return Err(malformed(path, "n_neighbors is 0"));
        }
        let fit = mat_f64(est, "_fit_X", path)?;
        if info.n_features.is_some_and(|n| n != fit.cols) {
            return Err(malformed(path, "_fit_X does not match n_features_in_"));
        }
        if fit.data.iter().any(|v| v.is_infinite()) {
            return Err(malformed(&format!("{path}._fit_X"), "an infinite value"));
        }
        let d = fit.cols;
        let valid: Vec<bool> = (0..d)
            .map(|j| (0..fit.rows).any(|i| !fit.data[i * d + j].is_nan()))
            .collect();
        if let Some(id) = est.opt("_valid_mask") {
            let stored = ctx.arr_f64(id, &format!("{path}._valid_mask"))?.data;
            if stored.len() != d || stored.iter().zip(&valid).any(|(s, v)| (*s != 0.0) != *v) {
                return Err(malformed(
                    &format!("{path}._valid_mask"),
                    "does not mark the columns of _fit_X that hold values",
                ));
            }
        }
        let keep_empty = flag("keep_empty_features")?;
        let zero = |v: f64| if v.is_nan() { 0.0 } else { v };
        let fit_zero = Mat {
            rows: fit.rows,
            cols: d,
            data: fit.data.iter().map(|&v| zero(v)).collect(),
        };
        let fit_missing = Mat {
            rows: fit.rows,
            cols: d,
            data: fit
                .data
                .iter()
                .map(|&v| f64::from(u8::from(v.is_nan())))
                .collect(),
        };
        let fit_sq = Mat {
            rows: fit.rows,
            cols: d,
            data: fit_zero.data.iter().map(|v| v * v).collect(),
        };
        let fit_norms = (0..fit.rows).map(|i| einsum_sq(fit_zero.row(i))).collect();
        // np.ma.array(_fit_X[:, col], mask=...).mean(): the filled column
        // summed, times 1.0, over the count
        let means = (0..d)
            .map(|j| {
                let col: Vec<f64> = (0..fit.rows).map(|i| fit_zero.data[i * d + j]).collect();
                let n = (0..fit.rows)
                    .filter(|&i| !fit.data[i * d + j].is_nan())
                    .count();
                npsum::sum(&col) * 1.0 / n as f64
            })
            .collect();
        Ok(KnnImputer {
            info,
            k,
            distance,
            fit,
            fit_zero,
            fit_missing,
            fit_sq,
            fit_norms,
            valid,
            means,
            keep_empty,
            blas: ctx.blas.clone(),
        })
    }

    /// `nan_euclidean_distances` of the rows `x` (C-ordered, NaN missing)
    /// to every fit row: row-major, `x.rows x fit.rows`.
    fn distances(&self, x: &Mat) -> Vec<f64> {
        let (m, n, d) = (x.rows, self.fit.rows, x.cols);
        let xz = Mat {
            rows: m,
            cols: d,
            data: x
                .data
                .iter()
                .map(|&v| if v.is_nan() { 0.0 } else { v })
                .collect(),
        };
        let xsq = Mat {
            rows: m,
            cols: d,
            data: xz.data.iter().map(|v| v * v).collect(),
        };
        let xmiss = Mat {
            rows: m,
            cols: d,
            data: x
                .data
                .iter()
                .map(|v| f64::from(u8::from(v.is_nan())))
                .collect(),
        };
        let prod = self.blas.matmul_t(&xz, &self.fit_zero, false);
        let a = self.blas.matmul_t(&xsq, &self.fit_missing, false);
        let b = self.blas.matmul_t(&xmiss, &self.fit_sq, false);
        let mut out = prod.data;
        for i in 0..m {
            let xx = einsum_sq(xz.row(i));
            let xi = x.row(i);
            for j in 0..n {
                let at = i * n + j;
                let mut v = (-2.0 * out[at] + xx) + self.fit_norms[j];
                // np.maximum(v, 0): NaN and -0.0 stay
                if v < 0.0 {
                    v = 0.0;
                }
                v -= a.data[at];
                v -= b.data[at];
                // np.clip(v, 0, None) is np.maximum(v, 0)
                if v < 0.0 {
                    v = 0.0;
                }
                let fr = self.fit.row(j);
                let present = xi
                    .iter()
                    .zip(fr)
                    .filter(|(p, q)| !p.is_nan() && !q.is_nan())
                    .count();
                out[at] = if present == 0 {
                    f64::NAN
                } else {
                    (v / present as f64 * d as f64).sqrt()
                };
            }
        }
        out
    }

    /// One receiver's value from its distances to the potential donors
    /// (`dist`, donors' values `vals`, both in training order).
    fn impute(&self, dist: &[f64], vals: &[f64], col: usize, pairs: &mut Vec<(f64, usize)>) -> f64 {
        if dist.iter().all(|v| v.is_nan()) {
            return self.means.get(col).copied().unwrap_or(f64::NAN);
        }
        let k = self.k.min(dist.len());
        pairs.clear();
        if dist.iter().any(|v| v.is_nan()) {
            // numpy's argpartition leaves its SIMD kernels for a row with NaN:
            // `std::nth_element` over the indices, NaN largest
            let mut idx: Vec<usize> = (0..dist.len()).collect();
            nth_element(&mut idx, k - 1, |a, b| nan_last_less(dist[a], dist[b]));
            pairs.extend(idx[..k].iter().map(|&i| (dist[i], i)));
        } else {
            // the SIMD kernels leave the k nearest ascending (module docs);
            // ties by training row
            pairs.extend(dist.iter().copied().zip(0..));
            let cmp = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
            if k < pairs.len() {
                pairs.select_nth_unstable_by(k - 1, cmp);
                pairs.truncate(k);
            }
            pairs.sort_unstable_by(cmp);
        }
        let mut w: Vec<f64> = if self.distance {
            let inv: Vec<f64> = pairs.iter().map(|p| 1.0 / p.0).collect();
            if inv.iter().any(|v| v.is_infinite()) {
                inv.iter()
                    .map(|v| f64::from(u8::from(v.is_infinite())))
                    .collect()
            } else {
                inv
            }
        } else {
            pairs
                .iter()
                .map(|p| if p.0.is_nan() { 0.0 } else { 1.0 })
                .collect()
        };
        for v in w.iter_mut() {
            if v.is_nan() {
                *v = 0.0;
            }
        }
        let prods: Vec<f64> = pairs
            .iter()
            .zip(&w)
            .map(|(p, wi)| vals.get(p.1).copied().unwrap_or(f64::NAN) * wi)
            .collect();
        npsum::sum(&prods) / npsum::sum(&w)
    }
}

/// x86-simd-sort's comparison for `std_argselect_withnan`: `a < b`, NaN
/// after every number and not before another NaN.
fn nan_last_less(a: f64, b: f64) -> bool {
    match (a.is_nan(), b.is_nan()) {
        (false, false) => a < b,
        (true, _) => false,
        (false, true) => true,
    }
}

/// libstdc++'s `std::nth_element(v, v + nth, v + len, less)` step for step
/// (`__introselect`: median-of-three unguarded partitions, a heap select
/// past `2 * floor(log2(len))` of them, insertion sort of the last at most
/// three), so the elements before `nth` come out in its order.
fn nth_element(v: &mut [usize], nth: usize, less: impl Fn(usize, usize) -> bool) {
    let (mut first, mut last) = (0usize, v.len());
    if nth >= last {
        return;
    }
    let mut depth = 2 * (usize::BITS - 1 - last.leading_zeros()) as usize;
    while last - first > 3 {
        if depth == 0 {
            heap_select(&mut v[first..last], nth + 1 - first, &less);
            v.swap(first, nth);
            return;
        }
        depth -= 1;
        // __unguarded_partition_pivot
        let mid = first + (last - first) / 2;
        let (a, b, c) = (first + 1, mid, last - 1);
        let pick = if less(v[a], v[b]) {
            if less(v[b], v[c]) {
                b
            } else if less(v[a], v[c]) {
                c
            } else {
                a
            }
        } else if less(v[a], v[c]) {
            a
        } else if less(v[b], v[c]) {
            c
        } else {
            b
        };
        v.swap(first, pick);
        let pivot = v[first];
        let (mut lo, mut hi) = (first + 1, last);
        let cut = loop {
            while lo < last && less(v[lo], pivot) {
                lo += 1;
            }
            hi -= 1;
            while hi > first && less(pivot, v[hi]) {
                hi -= 1;
            }
            if lo >= hi {
                break lo;
            }
            v.swap(lo, hi);
            lo += 1;
        };
        if cut <= nth {
            first = cut;
        } else {
            last = cut;
        }
    }
    // __insertion_sort
    for i in first + 1..last {
        let val = v[i];
        if less(val, v[first]) {
            v.copy_within(first..i, first + 1);
            v[first] = val;
        } else {
            let mut j = i;
            while j > first && less(val, v[j - 1]) {
                v[j] = v[j - 1];
                j -= 1;
            }
            v[j] = val;
        }
    }
}

/// libstdc++'s `__heap_select(v, v + middle, v + len)`: a max-heap of the
/// first `middle`, each later element smaller than its top popped in.
fn heap_select(v: &mut [usize], middle: usize, less: &impl Fn(usize, usize) -> bool) {
    let len = middle;
    if len >= 2 {
        let mut parent = (len - 2) / 2;
        loop {
            let value = v[parent];
            adjust_heap(v, parent, len, value, less);
            if parent == 0 {
                break;
            }
            parent -= 1;
        }
    }
    for i in middle..v.len() {
        if len > 0 && less(v[i], v[0]) {
            // __pop_heap(first, middle, i)
            let value = v[i];
            v[i] = v[0];
            adjust_heap(v, 0, len, value, less);
        }
    }
}

/// libstdc++'s `__adjust_heap` then `__push_heap`.
fn adjust_heap(
    v: &mut [usize],
    mut hole: usize,
    len: usize,
    value: usize,
    less: &impl Fn(usize, usize) -> bool,
) {
    let top = hole;
    let mut child = hole;
    while len > 0 && child < (len - 1) / 2 {
        child = 2 * (child + 1);
        if less(v[child], v[child - 1]) {
            child -= 1;
        }
        v[hole] = v[child];
        hole = child;
    }
    if len >= 2 && len.is_multiple_of(2) && child == (len - 2) / 2 {
        child = 2 * (child + 1);
        v[hole] = v[child - 1];
        hole = child - 1;
    }
    while hole > top {
        let parent = (hole - 1) / 2;
        if !less(v[parent], value) {
            break;
        }
        v[hole] = v[parent];
        hole = parent;
    }
    v[hole] = value;
}

impl Transformer for KnnImputer {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let mut x = x.into_dense(&self.info.class)?;
        check_cols(&self.info, x.cols)?;
        let d = self.fit.cols;
        if x.cols != d {
            return Err(input(format!(
                "X has {} features, but {} is expecting {d} features as input",
                x.cols, self.info.class
            )));
        }
        check_finite(&x, true, &self.info.class)?;
        // rows with a missing value in a valid column, and their X rows
        let receivers: Vec<usize> = (0..x.rows)
            .filter(|&i| {
                x.row(i)
                    .iter()
                    .zip(&self.valid)
                    .any(|(v, ok)| *ok && v.is_nan())
            })
            .collect();
        let n = self.fit.rows;
        let chunk = (WORKING_MEMORY / (8 * n.max(1)))
            .min(receivers.len())
            .max(1);
        let donors: Vec<Vec<usize>> = (0..d)
            .map(|j| {
                (0..n)
                    .filter(|&i| !self.fit.data[i * d + j].is_nan())
                    .collect()
            })
            .collect();
        let mut pairs = Vec::new();
        let mut imputed: Vec<(usize, usize, f64)> = Vec::new();
        for rows in receivers.chunks(chunk) {
            let sub = Mat {
                rows: rows.len(),
                cols: d,
                data: rows
                    .iter()
                    .flat_map(|&r| x.row(r).iter().copied())
                    .collect(),
            };
            let dist = self.distances(&sub);
            for (j, donors_j) in donors.iter().enumerate() {
                if !self.valid[j] {
                    continue;
                }
                let vals: Vec<f64> = donors_j.iter().map(|&i| self.fit.data[i * d + j]).collect();
                let mut dj = Vec::with_capacity(donors_j.len());
                for (c, &r) in rows.iter().enumerate() {
                    if !sub.row(c)[j].is_nan() {
                        continue;
                    }
                    dj.clear();
                    dj.extend(donors_j.iter().map(|&i| dist[c * n + i]));
                    imputed.push((r, j, self.impute(&dj, &vals, j, &mut pairs)));
                }
            }
        }
        for (r, j, v) in imputed {
            if let Some(a) = x.data.get_mut(r * d + j) {
                *a = v;
            }
        }
        if self.keep_empty {
            for i in 0..x.rows {
                for (a, ok) in x.data[i * d..(i + 1) * d].iter_mut().zip(&self.valid) {
                    if !ok {
                        *a = 0.0;
                    }
                }
            }
            return Ok(Data::Dense(x));
        }
        let keep: Vec<usize> = (0..d).filter(|&j| self.valid[j]).collect();
        Ok(Data::Dense(x.select(&keep)))
    }
    fn fortran_out(&self) -> bool {
        // X[:, valid_mask] (fancy indexing) is Fortran-ordered
        !self.keep_empty
    }
}
transformer_estimator!(
    KnnImputer,
    |_: &KnnImputer| Exactness::Bounded(TIES.into()),
    // the products' kernels depend on how many rows go in one call
    |_: &KnnImputer| false
);
