//! Sparse queries against a model fitted on sparse X (euclidean, brute
//! force), as scikit-learn 1.9 measures them.
//!
//! Its reductions refuse two sparse matrices with a euclidean metric
//! (`BaseDistancesReductionDispatcher.is_usable_for`), so `kneighbors` and
//! `radius_neighbors` take `pairwise_distances_chunked(X, _fit_X,
//! metric="euclidean", squared=True)`, whose `_euclidean_distances` gives
//! `max((-2 * (X @ _fit_X.T) + XX) + YY, 0)` per query and training row:
//!
//! - `X @ _fit_X.T` is scipy's `csr_matmat` (SMMP) of X and `_fit_X.T`
//!   made CSR (`csr_tocsc`: per feature, the training rows that store it,
//!   ascending): for query i and training row k, `sums[k] += x_ij * y_kj`
//!   from 0.0, over query row i's entries in stored order and, for each of
//!   its features j, the entries of training column j by training row;
//!   made dense (`toarray`), times -2, then `+= XX` and `+= YY`;
//! - XX and YY are `csr_row_norms`: `+= v * v` over a row's stored entries
//!   from 0.0.
//!
//! None of it depends on how the queries are chunked or on `n_jobs`.
//!
//! k nearest: `_kneighbors_reduce_func` takes the k smallest values by
//! `np.argpartition`, then orders them by `np.argsort`: ascending, but
//! among equal values (and at the k-th value, which of them) as numpy's
//! selection and sort kernels for the CPU leave them. Here ties go by
//! training row ([`SPARSE_TIES`]). Radius: `np.where(d <= radius**2)`,
//! ascending by training row, exactly. The distance is `sqrt(value)`.

use rayon::prelude::*;

use crate::csr::{Csr, StoredCsr};

/// What k-nearest neighbours of sparse queries guarantee.
pub const SPARSE_TIES: &str = "sparse queries: neighbours at exactly the same distance are \
                               ordered by training row natively, and by numpy's argpartition \
                               and argsort kernels in scikit-learn, which differ between CPUs \
                               (at the k-th distance they also choose which of the tied rows \
                               count); otherwise bitwise";

/// `_fit_X` arranged for sparse queries.
pub struct SparseQueries {
    /// Training column j's entries are `col_ptr[j]..col_ptr[j + 1]` of
    /// `by_col`: (training row, value), rows ascending (a row's repeated
    /// column in its stored order), as `csr_tocsc` lays them out.
    col_ptr: Vec<usize>,
    by_col: Vec<(usize, f64)>,
    /// `csr_row_norms(_fit_X)`
    norms: Vec<f64>,
}

impl SparseQueries {
    pub fn new(fit: &StoredCsr) -> SparseQueries {
        let cols = fit.cols();
        let mut col_ptr = vec![0usize; cols + 1];
        for (_, j, _) in fit.entries() {
            if let Some(c) = col_ptr.get_mut(j + 1) {
                *c += 1;
            }
        }
        for j in 0..cols {
            col_ptr[j + 1] += col_ptr[j];
        }
        let mut next = col_ptr.clone();
        let mut by_col = vec![(0usize, 0.0); col_ptr[cols]];
        // rows in order: each column's entries come out by ascending row
        for (k, j, v) in fit.entries() {
            if let Some(n) = next.get_mut(j) {
                if let Some(slot) = by_col.get_mut(*n) {
                    *slot = (k, v);
                }
                *n += 1;
            }
        }
        let norms = (0..fit.rows()).map(|k| row_norm(fit.row(k).1)).collect();
        SparseQueries {
            col_ptr,
            by_col,
            norms,
        }
    }

    /// The squared distances of the query row `(idx, val)` to every
    /// training row, into `out` (one per training row).
    fn values(&self, (idx, val): (&[usize], &[f64]), out: &mut [f64]) {
        out.fill(0.0);
        for (&j, &x) in idx.iter().zip(val) {
            let (Some(&a), Some(&b)) = (self.col_ptr.get(j), self.col_ptr.get(j + 1)) else {
                continue;
            };
            for &(k, y) in self.by_col.get(a..b).unwrap_or(&[]) {
                if let Some(s) = out.get_mut(k) {
                    *s += x * y;
                }
            }
        }
        let xx = row_norm(val);
        for (o, &yy) in out.iter_mut().zip(&self.norms) {
            let v = (-2.0 * *o + xx) + yy;
            // np.maximum(v, 0): NaN stays
            *o = if v > 0.0 || v.is_nan() { v } else { 0.0 };
        }
    }

    /// The k nearest training rows of every row of `x`, as (squared
    /// distance, training row), ascending, ties by training row: k per row
    /// (`k` at most the training rows).
    pub fn argkmin(&self, x: &Csr, k: usize) -> Vec<(f64, usize)> {
        let n = self.norms.len();
        let mut out = vec![(f64::MAX, 0usize); x.rows * k];
        let cmp = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        out.par_chunks_mut(k.max(1)).enumerate().for_each_init(
            || (vec![0.0; n], Vec::with_capacity(n)),
            |(vals, pairs), (i, dst)| {
                self.values(x.row(i), vals);
                pairs.clear();
                pairs.extend(vals.iter().copied().zip(0..));
                if k == 0 {
                    return;
                }
                if k < pairs.len() {
                    pairs.select_nth_unstable_by(k - 1, cmp);
                    pairs.truncate(k);
                }
                pairs.sort_unstable_by(cmp);
                for (d, p) in dst.iter_mut().zip(pairs.iter()) {
                    *d = *p;
                }
            },
        );
        out
    }

    /// The training rows whose squared distance to each row of `x` is at
    /// most `reduced` (the radius squared), ascending by training row.
    pub fn within(&self, x: &Csr, reduced: f64) -> Vec<Vec<(f64, usize)>> {
        let n = self.norms.len();
        (0..x.rows)
            .into_par_iter()
            .map_init(
                || vec![0.0; n],
                |vals, i| {
                    self.values(x.row(i), vals);
                    vals.iter()
                        .enumerate()
                        .filter(|(_, &v)| v <= reduced)
                        .map(|(k, &v)| (v, k))
                        .collect()
                },
            )
            .collect()
    }
}

/// `csr_row_norms` of one row: `+= v * v` in stored order from 0.0.
fn row_norm(val: &[f64]) -> f64 {
    val.iter().fold(0.0, |s, v| s + v * v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, entry by entry: the SMMP sums for one pair.
    fn by_hand(q: (&[usize], &[f64]), fit: &StoredCsr, k: usize) -> f64 {
        let (fi, fv) = fit.row(k);
        let mut s = 0.0;
        for (&j, &x) in q.0.iter().zip(q.1) {
            for (&c, &y) in fi.iter().zip(fv) {
                if c == j {
                    s += x * y;
                }
            }
        }
        let v = (-2.0 * s + row_norm(q.1)) + row_norm(fv);
        v.max(0.0)
    }

    #[test]
    fn values_follow_the_product_entry_by_entry() {
        // unsorted training rows and a repeated column
        let fit = StoredCsr::from_parts(
            (4, 5),
            vec![0, 3, 3, 6, 8],
            vec![4, 0, 2, 1, 3, 1, 0, 4],
            vec![0.1, 2.5, -1.0, 3.0, 0.7, 1e-3, 4.0, -2.0],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let sq = SparseQueries::new(&fit);
        let mut q = Csr::new(5);
        q.push_row(&[(0, 1.5), (1, -0.3), (4, 2.25)]);
        q.push_row(&[]);
        q.push_row(&[(2, 7.0)]);
        let mut vals = vec![0.0; 4];
        for i in 0..q.rows {
            sq.values(q.row(i), &mut vals);
            for (k, &v) in vals.iter().enumerate() {
                assert_eq!(v.to_bits(), by_hand(q.row(i), &fit, k).to_bits(), "{i} {k}");
            }
        }
        // the k nearest: ascending, ties (the empty query meets rows 1 at 0
        // and the others at their norms) by training row
        let near = sq.argkmin(&q, 2);
        assert_eq!(near.len(), 6);
        assert_eq!(near[2], (0.0, 1));
        for row in near.chunks(2) {
            assert!(row[0].0 <= row[1].0);
        }
        let within = sq.within(&q, 1e9);
        assert!(within
            .iter()
            .all(|r| r.len() == 4 && r.windows(2).all(|w| w[0].1 < w[1].1)));
    }
}
