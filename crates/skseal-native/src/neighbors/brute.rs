//! Brute-force neighbour search as scikit-learn 1.9's `ArgKmin` /
//! `ArgKminClassMode` (sklearn/metrics/_pairwise_distances_reduction)
//! computes it for a C-ordered float64 X and `_fit_X`.
//!
//! Euclidean: the rank-preserving value of query i and training row j is
//! `(||x_i||^2 + m_ij) + ||y_j||^2`, the norms by `ddot` of each row with
//! itself and `m_ij` the `-2 * X_c @ Y_c.T` that `_gemm` asks scipy's
//! OpenBLAS for, one `dgemm(T, N)` per pair of chunks of 256 rows (X chunk
//! by Y chunk, on one BLAS thread); the distance is `sqrt(max(v, 0))`.
//! A model fitted on sparse X keeps `_fit_X` as a CSR matrix ([`FitRows`]),
//! and a dense query meets it through scikit-learn's sparse-dense middle
//! term (`_middle_term_sparse_dense_64`): `m_ij` is `+= -2 * y_jc * x_ic`
//! over training row j's stored entries in order from 0, and `||y_j||^2`
//! (`_sqeuclidean_row_norms64_sparse`) `+= v * v` over them from 0.
//! Manhattan: the value is `DistanceMetric.rdist` (`sum_j |x_j - y_j|` in
//! feature order), which is also the distance.
//!
//! The k smallest values are kept by `heap_push` (a fixed-size max-heap that
//! rejects a value not strictly below its root) fed in the order of the
//! strategy, then ordered by `simultaneous_sort` (an introsort, not stable):
//! both are reproduced, so exact ties come out as scikit-learn orders them
//! when the strategy and its thread count are the same (see [`Strategy`]).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::blas::{pack8, Blas, Exactness};
use crate::csr::StoredCsr;
use crate::data::Mat;

/// `pairwise_dist_chunk_size`, scikit-learn's default.
const CHUNK: usize = 256;

/// How the reduction walks the chunks. The values do not depend on it;
/// the order in which equal values meet the heaps does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Strategy {
    /// "parallel_on_X": each query chunk meets the training chunks in order
    /// (`ArgKminClassMode` always; `ArgKmin` for many queries).
    OnX,
    /// "auto" as `kneighbors` asks: parallel on X when there are more
    /// queries than training rows or more than `4 * 256 * threads`; else
    /// "parallel_on_Y": the training chunks dealt to the threads in
    /// contiguous blocks (OpenMP's static schedule), a heap per thread,
    /// merged into the row's heap thread by thread.
    Auto,
}

/// The training rows a search measures: `_fit_X` as the model keeps it,
/// dense, or the CSR matrix of a model fitted on sparse X (searched by
/// brute force, as scikit-learn does; euclidean only, see the module docs).
pub enum FitRows {
    Dense(Mat),
    Sparse(StoredCsr),
}

impl FitRows {
    pub fn rows(&self) -> usize {
        match self {
            FitRows::Dense(m) => m.rows,
            FitRows::Sparse(c) => c.rows(),
        }
    }
    pub fn cols(&self) -> usize {
        match self {
            FitRows::Dense(m) => m.cols,
            FitRows::Sparse(c) => c.cols(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Euclidean,
    Manhattan,
}

pub struct Brute {
    kind: Kind,
    /// one BLAS thread, as under `threadpool_limits(1, "blas")`
    blas: Blas,
    /// `||y_j||^2` by ddot (euclidean)
    fit_norms: Vec<f64>,
    /// each 256-row training chunk packed for the product (euclidean)
    panels: Vec<Vec<f64>>,
}

/// The OpenMP thread count scikit-learn reports in this process
/// (`_openmp_effective_n_threads()`), when Python has said (0: not said).
static OPENMP_THREADS: AtomicUsize = AtomicUsize::new(0);

/// A brute-force search was built in this process: the thread count matters.
static WANTED: AtomicBool = AtomicBool::new(false);

/// Record scikit-learn's OpenMP thread count (from Python): its runtime read
/// `OMP_NUM_THREADS` when it started, and the variable may have changed
/// since (Dask's nanny sets it to 1 in its own process). Read by every
/// search when it runs.
pub fn set_openmp_threads(n: usize) {
    OPENMP_THREADS.store(n, Ordering::Relaxed);
}

/// Has a brute-force search been built in this process? Python asks after
/// a load and only then reports the thread count, whose first query starts
/// scikit-learn's OpenMP runtime (about 3 ms in a fresh process).
pub fn openmp_threads_wanted() -> bool {
    WANTED.load(Ordering::Relaxed)
}

/// OpenMP's thread count as scikit-learn takes it: what Python reported,
/// else `OMP_NUM_THREADS` when set, else the CPUs this process may use,
/// never more than those.
fn omp_threads() -> usize {
    let said = OPENMP_THREADS.load(Ordering::Relaxed);
    if said > 0 {
        return said;
    }
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    std::env::var("OMP_NUM_THREADS")
        .ok()
        .and_then(|s| s.split(',').next()?.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(cpus)
        .min(cpus)
}

impl Brute {
    pub fn new(kind: Kind, blas: &Blas, fit: &FitRows) -> Brute {
        WANTED.store(true, Ordering::Relaxed);
        let blas = Blas::new(blas.core.clone(), 1);
        let (fit_norms, panels) = match (kind, fit) {
            (Kind::Euclidean, FitRows::Dense(fit)) => (
                (0..fit.rows)
                    .map(|r| blas.ddot(fit.row(r), fit.row(r)))
                    .collect(),
                fit.data
                    .chunks(CHUNK * fit.cols.max(1))
                    .map(|c| pack8(c, c.len() / fit.cols.max(1), fit.cols))
                    .collect(),
            ),
            (Kind::Euclidean, FitRows::Sparse(fit)) => (
                (0..fit.rows())
                    .map(|r| fit.row(r).1.iter().fold(0.0, |s, v| s + v * v))
                    .collect(),
                Vec::new(),
            ),
            (Kind::Manhattan, _) => (Vec::new(), Vec::new()),
        };
        Brute {
            kind,
            blas,
            fit_norms,
            panels,
        }
    }

    /// The rank-preserving values of one query chunk (rows `x`) against one
    /// training chunk starting at row `y0`, row-major.
    fn values(&self, fit: &FitRows, x: &[f64], x_norms: &[f64], y0: usize, y1: usize) -> Vec<f64> {
        let d = fit.cols();
        let n = x_norms.len();
        let k = y1 - y0;
        let fit = match fit {
            FitRows::Dense(fit) => fit,
            FitRows::Sparse(fit) => return self.values_sparse(fit, x, x_norms, y0, y1),
        };
        let yc = &fit.data[y0 * d..y1 * d];
        match self.kind {
            Kind::Euclidean => {
                // chunks start at multiples of 256, as the panels do
                let panel = self.panels.get(y0 / CHUNK).map(|p| p.as_slice());
                let mut m = self.blas.dgemm_nt(x, yc, panel, (n, k, d));
                for (i, row) in m.chunks_mut(k.max(1)).enumerate() {
                    for (j, v) in row.iter_mut().enumerate() {
                        *v = (x_norms[i] + -2.0 * *v) + self.fit_norms[y0 + j];
                    }
                }
                m
            }
            Kind::Manhattan => {
                let mut m = Vec::with_capacity(n * k);
                for xr in x.chunks(d.max(1)) {
                    for yr in yc.chunks(d.max(1)) {
                        let mut s = 0.0;
                        for (a, b) in xr.iter().zip(yr) {
                            s += (a - b).abs();
                        }
                        m.push(s);
                    }
                }
                m
            }
        }
    }

    /// [`Brute::values`] against a sparse fit: the euclidean values through
    /// the sparse-dense middle term (module docs). The manhattan values,
    /// which native inference does not take for a sparse fit, are the
    /// densified rows' (`sum_j |x_j - y_j|` in feature order).
    fn values_sparse(
        &self,
        fit: &StoredCsr,
        x: &[f64],
        x_norms: &[f64],
        y0: usize,
        y1: usize,
    ) -> Vec<f64> {
        let d = fit.cols().max(1);
        let mut m = Vec::with_capacity(x_norms.len() * (y1 - y0));
        for (xr, &xn) in x.chunks(d).zip(x_norms) {
            for j in y0..y1 {
                let (idx, val) = fit.row(j);
                let at = |c: usize| xr.get(c).copied().unwrap_or(0.0);
                m.push(match self.kind {
                    Kind::Euclidean => {
                        let mid = idx
                            .iter()
                            .zip(val)
                            .fold(0.0, |t, (&c, &v)| t + -2.0 * v * at(c));
                        (xn + mid) + self.fit_norms.get(j).copied().unwrap_or(0.0)
                    }
                    Kind::Manhattan => {
                        let mut row = vec![0.0; d];
                        for (&c, &v) in idx.iter().zip(val) {
                            if let Some(r) = row.get_mut(c) {
                                *r = v;
                            }
                        }
                        xr.iter().zip(&row).fold(0.0, |s, (a, b)| s + (a - b).abs())
                    }
                });
            }
        }
        m
    }

    /// The k nearest training rows of every row of `x`: per row k pairs
    /// (value, training row), ascending as `simultaneous_sort` leaves them.
    /// Values are the reduced distances; [`Brute::distance`] turns one into
    /// the distance.
    pub fn argkmin(
        &self,
        fit: &FitRows,
        x: &Mat,
        k: usize,
        strategy: Strategy,
    ) -> Vec<(f64, usize)> {
        let (n_x, n_y, d) = (x.rows, fit.rows(), fit.cols());
        let mut out = vec![(f64::MAX, 0usize); n_x * k];
        if n_x == 0 || n_y == 0 || k == 0 {
            return out;
        }
        let x_chunk = n_x.min(CHUNK);
        let y_chunk = n_y.min(CHUNK);
        let y_chunks: Vec<(usize, usize)> = (0..n_y.div_ceil(y_chunk))
            .map(|c| (c * y_chunk, ((c + 1) * y_chunk).min(n_y)))
            .collect();
        let omp = omp_threads();
        let on_y = strategy == Strategy::Auto && n_y >= n_x && 4 * CHUNK * omp >= n_x;
        let threads = y_chunks.len().min(omp).max(1);
        out.par_chunks_mut(x_chunk * k)
            .enumerate()
            .for_each(|(c, heaps)| {
                let x0 = c * x_chunk;
                let rows = heaps.len() / k;
                let xc = &x.data[x0 * d..(x0 + rows) * d];
                let x_norms: Vec<f64> = match self.kind {
                    Kind::Euclidean => xc.chunks(d.max(1)).map(|r| self.blas.ddot(r, r)).collect(),
                    Kind::Manhattan => vec![0.0; rows],
                };
                let push_chunk = |heaps: &mut [(f64, usize)], &(y0, y1): &(usize, usize)| {
                    let v = self.values(fit, xc, &x_norms, y0, y1);
                    for (i, row) in v.chunks((y1 - y0).max(1)).enumerate() {
                        push_row(&mut heaps[i * k..(i + 1) * k], row, y0);
                    }
                };
                if !on_y {
                    for yc in &y_chunks {
                        push_chunk(heaps, yc);
                    }
                } else {
                    // one heap per thread over its static block of chunks,
                    // then merged into the row's heap in thread order
                    let (q, r) = (y_chunks.len() / threads, y_chunks.len() % threads);
                    let mut from = 0;
                    for t in 0..threads {
                        let take = q + usize::from(t < r);
                        let mut th = vec![(f64::MAX, usize::MAX); rows * k];
                        for yc in &y_chunks[from..from + take] {
                            push_chunk(&mut th, yc);
                        }
                        from += take;
                        for (heap, tr) in heaps.chunks_mut(k).zip(th.chunks(k)) {
                            for &(val, j) in tr {
                                heap_push(heap, val, j);
                            }
                        }
                    }
                }
                for heap in heaps.chunks_mut(k) {
                    simultaneous_sort(heap);
                }
            });
        out
    }

    /// The training rows within a radius of every row of `x`, as
    /// scikit-learn 1.9's `RadiusNeighbors` (and `RadiusNeighborsClassMode`)
    /// finds them: per row, ascending by training row (each strategy merges
    /// its chunks in training order), the pairs (value, training row) whose
    /// value is at most `reduced` (the radius squared for euclidean, whose
    /// values are first clamped at zero as `max(0., v)`; the radius for
    /// manhattan).
    pub fn within(&self, fit: &FitRows, x: &Mat, reduced: f64) -> Vec<Vec<(f64, usize)>> {
        let (n_x, n_y, d) = (x.rows, fit.rows(), fit.cols());
        let mut out: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n_x];
        if n_x == 0 || n_y == 0 {
            return out;
        }
        let x_chunk = n_x.min(CHUNK);
        let y_chunk = n_y.min(CHUNK);
        out.par_chunks_mut(x_chunk)
            .enumerate()
            .for_each(|(c, rows_out)| {
                let x0 = c * x_chunk;
                let rows = rows_out.len();
                let xc = &x.data[x0 * d..(x0 + rows) * d];
                let x_norms: Vec<f64> = match self.kind {
                    Kind::Euclidean => xc.chunks(d.max(1)).map(|r| self.blas.ddot(r, r)).collect(),
                    Kind::Manhattan => vec![0.0; rows],
                };
                for y0 in (0..n_y).step_by(y_chunk) {
                    let y1 = (y0 + y_chunk).min(n_y);
                    let v = self.values(fit, xc, &x_norms, y0, y1);
                    for (row, found) in v.chunks((y1 - y0).max(1)).zip(rows_out.iter_mut()) {
                        for (j, &val) in row.iter().enumerate() {
                            // Cython's max(0., v): 0. unless v is greater
                            let val = match self.kind {
                                Kind::Euclidean if val > 0.0 => val,
                                Kind::Euclidean => 0.0,
                                Kind::Manhattan => val,
                            };
                            if val <= reduced {
                                found.push((val, y0 + j));
                            }
                        }
                    }
                }
            });
        out
    }

    /// What values and distances guarantee without ties: bitwise, for
    /// euclidean where numpy's OpenBLAS core is reproduced.
    pub fn product_exactness(&self) -> Exactness {
        match self.kind {
            Kind::Euclidean => self.blas.exactness(false),
            Kind::Manhattan => Exactness::Bitwise,
        }
    }

    /// What these neighbours guarantee: bounded by ties (`ties` says how);
    /// for euclidean, also by the matrix product where numpy's OpenBLAS core
    /// is not reproduced.
    pub fn exactness(&self, ties: &str) -> Exactness {
        match (self.kind, self.blas.exactness(false)) {
            (Kind::Euclidean, Exactness::Bounded(why)) => Exactness::Bounded(why),
            _ => Exactness::Bounded(ties.into()),
        }
    }

    /// The distance of a reduced value: `sqrt(max(v, 0))` (euclidean) or
    /// the value (manhattan).
    pub fn distance(&self, v: f64) -> f64 {
        match self.kind {
            Kind::Euclidean => v.max(0.0).sqrt(),
            Kind::Manhattan => v,
        }
    }
}

/// [`heap_push`] of every value of `row` in order (training rows `y0..`):
/// eight values at a time are first compared with the root together, and
/// skipped when none can enter (`heap_push` would return at once for each:
/// the root does not change while nothing enters); a block where one can
/// goes through `heap_push` value by value. Same heap, same order.
// `!(v >= root)` is the test heap_push makes, NaN included (NaN goes on)
#[allow(clippy::neg_cmp_op_on_partial_ord)]
fn push_row(heap: &mut [(f64, usize)], row: &[f64], y0: usize) {
    const LANES: usize = 8;
    let Some(&(first, _)) = heap.first() else {
        return;
    };
    let mut root = first;
    let mut blocks = row.chunks_exact(LANES);
    let mut at = y0;
    for block in &mut blocks {
        // `!(v >= root)`: heap_push's test for going on (NaN goes on)
        let mut any = false;
        for &v in block {
            any |= !(v >= root);
        }
        if any {
            for (j, &v) in block.iter().enumerate() {
                heap_push(heap, v, at + j);
            }
            root = heap[0].0;
        }
        at += LANES;
    }
    for (j, &v) in blocks.remainder().iter().enumerate() {
        heap_push(heap, v, at + j);
    }
}

/// sklearn/utils/_heap.pyx `heap_push`: a fixed-size max-heap of (value,
/// index) that takes `val` only when it is strictly below the root.
fn heap_push(heap: &mut [(f64, usize)], val: f64, idx: usize) {
    let size = heap.len();
    if size == 0 || val >= heap[0].0 {
        return;
    }
    let mut cur = 0;
    loop {
        let left = 2 * cur + 1;
        let right = left + 1;
        let swap = if left >= size {
            break;
        } else if right >= size || heap[left].0 >= heap[right].0 {
            // only a left child, or the left one is the larger
            if val < heap[left].0 {
                left
            } else {
                break;
            }
        } else if val < heap[right].0 {
            right
        } else {
            break;
        };
        heap[cur] = heap[swap];
        cur = swap;
    }
    heap[cur] = (val, idx);
}

/// sklearn/utils/_sorting.pyx `simultaneous_sort` as scikit-learn 1.9 has
/// it (two-way partition): introsort, ascending by value, not stable.
fn simultaneous_sort(v: &mut [(f64, usize)]) {
    if v.is_empty() {
        return;
    }
    let maxd = 2 * ((v.len() as f64).log2() as isize);
    introsort(v, maxd);
}

fn introsort(mut v: &mut [(f64, usize)], mut maxd: isize) {
    while v.len() > 15 {
        if maxd <= 0 {
            heapsort(v);
            return;
        }
        maxd -= 1;
        let n = v.len();
        let pivot = median3(v);
        // median3 leaves v[0] <= pivot and v[n - 1] the pivot
        let (mut i, mut j) = (1usize, n - 2);
        loop {
            while i <= j && v[i].0 < pivot {
                i += 1;
            }
            while i <= j && v[j].0 > pivot {
                j -= 1;
            }
            if i >= j {
                break;
            }
            v.swap(i, j);
            i += 1;
            j -= 1;
        }
        v.swap(i, n - 1);
        let (left, rest) = v.split_at_mut(i);
        introsort(left, maxd);
        v = &mut rest[1..];
    }
    insertion_sort(v);
}

/// `inplace_median3`: the smallest of the first, middle and last to the
/// front, the median to the end (returned), the largest to the middle.
fn median3(v: &mut [(f64, usize)]) -> f64 {
    let n = v.len();
    let mid = n / 2;
    if v[0].0 > v[n - 1].0 {
        v.swap(0, n - 1);
    }
    if v[n - 1].0 > v[mid].0 {
        v.swap(n - 1, mid);
        if v[0].0 > v[n - 1].0 {
            v.swap(0, n - 1);
        }
    }
    v[n - 1].0
}

fn insertion_sort(v: &mut [(f64, usize)]) {
    for i in 1..v.len() {
        let t = v[i];
        let mut j = i;
        while j > 0 && v[j - 1].0 > t.0 {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = t;
    }
}

fn heapsort(v: &mut [(f64, usize)]) {
    let n = v.len();
    if n < 2 {
        return;
    }
    let mut start = (n - 2) / 2;
    loop {
        sift_down(v, start, n);
        if start == 0 {
            break;
        }
        start -= 1;
    }
    let mut end = n - 1;
    while end > 0 {
        v.swap(0, end);
        sift_down(v, 0, end);
        end -= 1;
    }
}

fn sift_down(v: &mut [(f64, usize)], start: usize, end: usize) {
    let mut root = start;
    loop {
        let child = root * 2 + 1;
        let mut max = root;
        if child < end && v[max].0 < v[child].0 {
            max = child;
        }
        if child + 1 < end && v[max].0 < v[child + 1].0 {
            max = child + 1;
        }
        if max == root {
            break;
        }
        v.swap(root, max);
        root = max;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_keeps_the_k_smallest_as_scikit_learn_orders_them() {
        let mut h = vec![(f64::MAX, 0usize); 3];
        for (j, v) in [5.0, 1.0, 4.0, 1.0, 3.0, 4.0].into_iter().enumerate() {
            heap_push(&mut h, v, j);
        }
        // worked by hand through heap_push: [(3, 4), (1, 3), (1, 1)]; the
        // second 4.0 is refused (not below the root); insertion sort keeps
        // the two 1.0 in heap order
        assert_eq!(h, vec![(3.0, 4), (1.0, 3), (1.0, 1)]);
        simultaneous_sort(&mut h);
        assert_eq!(h, vec![(1.0, 3), (1.0, 1), (3.0, 4)]);
    }

    #[test]
    fn a_row_pushed_in_blocks_is_the_row_pushed_value_by_value() {
        // values with many ties, NaN (which heap_push lets in, also as
        // the root), rows of every length around the block of eight
        let mut seed = 17u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            (seed >> 33) as u32
        };
        for round in 0..4000 {
            let len = round % 41;
            let row: Vec<f64> = (0..len)
                .map(|_| match next() % 50 {
                    0 => f64::NAN,
                    1 => f64::INFINITY,
                    v => f64::from(v % 9),
                })
                .collect();
            let k = 1 + round % 7;
            let mut a = vec![(f64::MAX, usize::MAX); k];
            let mut b = a.clone();
            push_row(&mut a, &row, 100);
            for (j, &v) in row.iter().enumerate() {
                heap_push(&mut b, v, 100 + j);
            }
            let bits =
                |h: &[(f64, usize)]| h.iter().map(|p| (p.0.to_bits(), p.1)).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "round {round}: {row:?}");
        }
    }

    #[test]
    fn sort_orders_any_length() {
        for n in 0..40usize {
            let mut v: Vec<(f64, usize)> = (0..n).map(|i| (((i * 7919) % 13) as f64, i)).collect();
            simultaneous_sort(&mut v);
            assert!(v.windows(2).all(|w| w[0].0 <= w[1].0), "n = {n}");
            let mut idx: Vec<usize> = v.iter().map(|p| p.1).collect();
            idx.sort_unstable();
            assert_eq!(idx, (0..n).collect::<Vec<_>>());
        }
    }
}
