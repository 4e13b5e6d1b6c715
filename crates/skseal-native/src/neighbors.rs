//! k-nearest neighbours: KNeighborsClassifier and KNeighborsRegressor with
//! uniform or distance weights, fitted with a KD or ball tree
//! (`_fit_method`) on the euclidean or manhattan metric (`effective_metric_`).
//!
//! scikit-learn's tree query keeps the k smallest reduced distances
//! (`DistanceMetric.rdist`: `sum_j (x_j - y_j)^2` in feature order for
//! euclidean, `sum_j |x_j - y_j|` for manhattan, plain double operations),
//! sorted ascending. Here every training row of `_fit_X` is measured with
//! the same operations in the same order (so the same values), and the k
//! smallest are kept, ascending, exact ties by training row. So the
//! neighbours are scikit-learn's except for exact ties in distance, which
//! scikit-learn orders by its tree walk (and, for a ball tree, a row within
//! rounding of the k-th distance, which the tree bounds through the node's
//! centroid and radius): hence a bound, not bits (`EXACT_TIES`).
//!
//! - predict_proba: the neighbours' weights added per class in neighbour
//!   order from 0.0 (uniform: 1 each), divided by numpy's sum of the row;
//!   predict: uniform, the first most frequent class (`_mode`'s smallest
//!   index); distance, `weighted_mode`: per class in sorted order numpy's
//!   sum of the row of weights where the label is that class (0.0
//!   elsewhere), the first strictly greatest;
//! - regressor predict: uniform, `np.mean(_y[neigh_ind], axis=1)` (numpy's
//!   pairwise sum in neighbour order, / k); distance, `np.sum(y * w) /
//!   np.sum(w)` per row (one output; several are refused).
//!
//! Distance weights are `1.0 / dist` with `dist = sqrt(rdist)` (euclidean)
//! or `rdist` (manhattan), as the tree returns them; a row with a zero
//! distance weighs those neighbours 1.0 and the others 0.0
//! (`_get_weights`).
//!
//! Brute force (`_fit_method` "brute", which scikit-learn picks for more
//! than 15 features): [`brute`] reproduces its chunked matrix-product
//! distances and heaps, so the neighbours, their order and distances are
//! scikit-learn's; exact ties follow scikit-learn's order when its strategy
//! and OpenMP thread count are those assumed here (`BRUTE_TIES`).
//! A classifier with uniform weights on the manhattan metric goes through
//! `ArgKminClassMode` ("parallel_on_X"); everything else through
//! `kneighbors` ("auto"; scikit-learn 1.9 keeps euclidean out of
//! `ArgKminClassMode`).
//!
//! Several outputs (a classifier's `outputs_2d_`): each output voted as
//! above from the same neighbours (kneighbors, not ArgKminClassMode, as
//! scikit-learn does then); predict gives a column per output, predict_proba
//! a list. A regressor with several outputs: see `KNeighbors::regress`.
//! Refused: a callable `weights`, other metrics.
//!
//! RadiusNeighborsClassifier / RadiusNeighborsRegressor: [`radius`].

mod brute;
mod centroid;
mod radius;
mod sparse;

use crate::access::{fortran_ordered, mat_f64, Ctx, Obj};
use crate::blas::Exactness;
use crate::csr::Csr;
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{malformed, Result};
use crate::estimator::{boxed, csr_in, dense_in, unsupported, Estimator, Info};
use crate::kernels::argmax_labels;
use crate::npsum;

pub use brute::{openmp_threads_wanted, set_openmp_threads};
use brute::{Brute, FitRows, Kind, Strategy};
use sparse::{SparseQueries, SPARSE_TIES};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Metric {
    Euclidean,
    Manhattan,
}

enum Search {
    /// KD or ball tree: every training row of `_fit_X` measured, ties by row
    Tree(Mat),
    /// brute force over `_fit_X`, dense or sparse
    Brute(Brute, FitRows),
}

impl Search {
    /// The training rows.
    fn rows(&self) -> usize {
        match self {
            Search::Tree(fit) => fit.rows,
            Search::Brute(_, fit) => fit.rows(),
        }
    }
}

/// One call's queries as the search takes them: dense rows, or the CSR
/// rows a model fitted on sparse X takes once it is handed sparse input
/// ([`Estimator::take_sparse`]).
enum Queries<'m> {
    Dense(Mat),
    Sparse(&'m SparseQueries, Csr),
}

impl<'m> Queries<'m> {
    /// A call's input: CSR rows when `sparse` (the model takes them), else
    /// dense rows (a dense array for a sparse fit is scikit-learn's
    /// sparse-dense search, [`brute`]).
    fn read(
        info: &Info,
        (sparse, refusal): (Option<&'m SparseQueries>, Option<&DenseRefusal>),
        x: Data,
    ) -> Result<Queries<'m>> {
        match (x, sparse, refusal) {
            (Data::Csr(c), Some(sq), _) => Ok(Queries::Sparse(sq, csr_in(info, Data::Csr(c))?)),
            (_, _, Some(r)) => Err(r.error()),
            (x, _, None) => Ok(Queries::Dense(dense_in(info, x, false)?)),
        }
    }

    fn rows(&self) -> usize {
        match self {
            Queries::Dense(m) => m.rows,
            Queries::Sparse(_, c) => c.rows,
        }
    }
}

/// The arrangement of a sparse fit for sparse queries, when `search` is
/// one (what `take_sparse` answers).
fn sparse_queries(search: &Search) -> Option<SparseQueries> {
    match search {
        Search::Brute(_, FitRows::Sparse(fit)) => Some(SparseQueries::new(fit)),
        _ => None,
    }
}

/// What k-nearest and radius neighbours read alike: the weights
/// (true: "distance"), the metric, and `_fit_X` with how it is searched.
struct Fitted {
    distance: bool,
    metric: Metric,
    search: Search,
    /// `_y`: one target (or class index) per training row and output,
    /// row-major
    y: Vec<f64>,
    /// Columns of `_y` (1 when it is 1-D).
    outputs: usize,
    /// Why dense queries are refused, when they are (see [`DenseRefusal`]).
    dense_refusal: Option<DenseRefusal>,
}

/// A brute-force model fitted on a sparse matrix that scikit-learn's
/// reductions do not take (integer values, int64 indices, no stored entry):
/// a dense query then leaves for `pairwise_distances_chunked` and
/// `np.argpartition`, not reproduced, and is refused when it comes; sparse
/// queries take that road for every sparse fit and are answered
/// ([`sparse`]).
struct DenseRefusal {
    path: String,
    why: String,
}

impl DenseRefusal {
    fn error(&self) -> crate::error::NativeError {
        unsupported(
            "dense queries to this model",
            &self.path,
            &format!(
                "{} Sparse queries are implemented for it: load it with sparse=True and give \
                 a scipy sparse matrix.",
                self.why
            ),
        )
    }
}

/// Refuses a brute-force `_fit_X` that scikit-learn's reductions
/// (`BaseDistancesReductionDispatcher.is_usable_for`) do not take for a
/// float64 query: integer or float32 values (fitting keeps X's dtype), or
/// a CSR matrix without stored entries or with int64 indices. scikit-learn
/// then measures with `pairwise_distances_chunked` and picks neighbours by
/// `np.argpartition`, whose order of ties depends on the CPU's sort
/// kernels, not reproduced.
fn brute_reduction_usable(
    est: &Obj<'_, '_>,
    fit_id: skseal_core::ir::NodeId,
    fit_path: &str,
    what: &str,
) -> Result<()> {
    let ctx = est.ctx;
    let (data_dtype, csr_ok) = if est.ctx.is_sparse(fit_id) {
        let o = ctx.obj(fit_id, fit_path)?;
        let dt = |key: &str| o.opt(key).and_then(|id| ctx.dtype_str(id));
        let nnz = o.opt("data").and_then(|id| match ctx.g.node(id) {
            Some(skseal_core::ir::Node::Array(i)) => ctx.g.arrays.get(*i as usize),
            _ => None,
        });
        let stored = nnz.is_some_and(|a| a.shape.iter().product::<u64>() > 0);
        let int32 = dt("indices") == Some("<i4") && dt("indptr") == Some("<i4");
        (dt("data"), stored && int32)
    } else {
        (ctx.dtype_str(fit_id), true)
    };
    if data_dtype == Some("<f8") && csr_ok {
        return Ok(());
    }
    Err(unsupported(
        format!(
            "brute-force {what} whose _fit_X is {}",
            if csr_ok {
                format!("of dtype {}", data_dtype.unwrap_or("unknown"))
            } else {
                "a CSR matrix without stored entries or with int64 indices".to_string()
            }
        ),
        fit_path,
        "scikit-learn then measures distances with pairwise_distances_chunked and orders ties \
         by np.argpartition, which depends on the CPU; refit on float64 X (X.astype(np.float64)), \
         or load it with skseal.load.",
    ))
}

/// Read [`Fitted`]; `what` names the estimator family in refusals.
fn read_fitted(est: &Obj<'_, '_>, info: &Info, path: &str, what: &str) -> Result<Fitted> {
    let distance = match est.opt_str("weights", path)? {
        Some("uniform") | None => false,
        Some("distance") => true,
        _ => {
            return Err(unsupported(
                format!("{what} with weights other than \"uniform\" or \"distance\""),
                &format!("{path}.weights"),
                "",
            ))
        }
    };
    let fm = est.str("_fit_method", path)?;
    if !matches!(fm, "kd_tree" | "ball_tree" | "brute") {
        return Err(unsupported(
            format!("{what} fitted with algorithm {fm:?}"),
            &format!("{path}._fit_method"),
            "The KD-tree, ball-tree and brute-force queries are implemented.",
        ));
    }
    let metric = match est.str("effective_metric_", path)? {
        "euclidean" => Metric::Euclidean,
        "manhattan" | "cityblock" | "l1" => Metric::Manhattan,
        other => {
            return Err(unsupported(
                format!("{what} with the metric {other:?}"),
                &format!("{path}.effective_metric_"),
                "The euclidean and manhattan metrics are implemented.",
            ))
        }
    };
    let fit_id = est.req("_fit_X", path)?;
    let fit_path = format!("{path}._fit_X");
    let refusal = if fm == "brute" {
        brute_reduction_usable(est, fit_id, &fit_path, what).err()
    } else {
        None
    };
    let sparse_fit = est.ctx.is_sparse(fit_id);
    let search = if sparse_fit {
        // scikit-learn searches a sparse fit by brute force
        if fm != "brute" || metric != Metric::Euclidean {
            return Err(unsupported(
                format!("{what} fitted on sparse X with the metric {metric:?}"),
                &fit_path,
                "For a model fitted on sparse X native inference implements the euclidean \
                 metric (scikit-learn's sparse-dense ArgKmin); load it with skseal.load.",
            ));
        }
        // read in stored order: `CountVectorizer.fit_transform` leaves a
        // row's columns unsorted, and every sum over a training row (its
        // norm, the sparse-dense middle term) follows the stored order
        let csr = match est.ctx.csr_stored(fit_id, &fit_path) {
            Ok(c) => c,
            Err(e) => return Err(refusal.unwrap_or(e)),
        };
        let fit = FitRows::Sparse(csr);
        Search::Brute(Brute::new(Kind::Euclidean, &est.ctx.blas, &fit), fit)
    } else {
        if let Some(e) = refusal {
            return Err(e);
        }
        let fit_x = mat_f64(est, "_fit_X", path)?;
        if fm == "brute" {
            if fit_x.rows > 1 && fit_x.cols > 1 && fortran_ordered(est, "_fit_X") {
                // the reductions take C-ordered arrays only; scikit-learn (which
                // never stores one so) would use pairwise_distances_chunked
                return Err(unsupported(
                    format!("brute-force {what} with a Fortran-ordered _fit_X"),
                    &fit_path,
                    "scikit-learn then measures distances another way; refit, or save a model whose _fit_X is C-ordered.",
                ));
            }
            let kind = match metric {
                Metric::Euclidean => Kind::Euclidean,
                Metric::Manhattan => Kind::Manhattan,
            };
            let fit = FitRows::Dense(fit_x);
            Search::Brute(Brute::new(kind, &est.ctx.blas, &fit), fit)
        } else {
            Search::Tree(fit_x)
        }
    };
    let (rows, cols) = match &search {
        Search::Tree(fit) => (fit.rows, fit.cols),
        Search::Brute(_, fit) => (fit.rows(), fit.cols()),
    };
    if info.n_features.is_some_and(|n| n != cols) {
        return Err(malformed(path, "_fit_X does not match n_features_in_"));
    }
    let ya = est.arr_f64("_y", path)?;
    let outputs = match ya.shape.as_slice() {
        [n] if *n == rows => 1,
        [n, o] if *n == rows && *o > 0 => *o,
        s => {
            return Err(malformed(
                &format!("{path}._y"),
                format!("shape {s:?} for {rows} training rows"),
            ))
        }
    };
    Ok(Fitted {
        distance,
        metric,
        search,
        y: ya.data,
        outputs,
        // a sparse fit whose dense queries scikit-learn measures otherwise
        // still answers sparse queries, measured the same way for every dtype
        dense_refusal: refusal.filter(|_| sparse_fit).map(|e| DenseRefusal {
            path: fit_path,
            why: e.to_string(),
        }),
    })
}

impl Fitted {
    /// Refuse several outputs where `what` computes one.
    fn one_output(&self, path: &str, what: &str) -> Result<()> {
        if self.outputs == 1 {
            return Ok(());
        }
        Err(unsupported(
            format!("{what} with several outputs"),
            &format!("{path}._y"),
            "Native inference implements several outputs for KNeighborsClassifier, KNeighborsRegressor, RadiusNeighborsClassifier and RadiusNeighborsRegressor.",
        ))
    }
}

/// The distance of a reduced value as the search returns it: brute force's
/// `sqrt(max(v, 0))` or the value; a tree's `sqrt(rdist)` or the value.
fn distance(search: &Search, metric: Metric, v: f64) -> f64 {
    match (search, metric) {
        (Search::Brute(b, _), _) => b.distance(v),
        (Search::Tree(_), Metric::Euclidean) => v.sqrt(),
        (Search::Tree(_), Metric::Manhattan) => v,
    }
}

/// `DistanceMetric.rdist` of two rows: `sum_j (a_j - b_j)^2` or
/// `sum_j |a_j - b_j|`, in feature order.
fn rdist(metric: Metric, a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    match metric {
        Metric::Euclidean => {
            for (x, y) in a.iter().zip(b) {
                let t = x - y;
                s += t * t;
            }
        }
        Metric::Manhattan => {
            for (x, y) in a.iter().zip(b) {
                s += (x - y).abs();
            }
        }
    }
    s
}

/// A classifier's `_y` as class indices into `classes_` (one output; `what`
/// names the family when there are several).
fn class_indices(
    est: &Obj<'_, '_>,
    y: &[f64],
    path: &str,
    what: &str,
) -> Result<(Vec<usize>, Labels)> {
    if est.opt("outputs_2d_").is_some() && est.bool("outputs_2d_", path)? {
        return Err(unsupported(
            format!("{what} with several outputs"),
            &format!("{path}.outputs_2d_"),
            "",
        ));
    }
    let classes = est.labels("classes_", path)?;
    let idx = indices_below(y.iter().copied(), classes.len(), path)?;
    Ok((idx, classes))
}

/// `_y`'s values as indices into `nc` classes (whole numbers below `nc`).
fn indices_below(y: impl Iterator<Item = f64>, nc: usize, path: &str) -> Result<Vec<usize>> {
    y.map(|v| {
        if v >= 0.0 && v.fract() == 0.0 && (v as usize) < nc {
            Ok(v as usize)
        } else {
            Err(malformed(&format!("{path}._y"), "class index out of range"))
        }
    })
    .collect()
}

/// A k-nearest-neighbours classifier's `_y` as class indices per output
/// (`outputs_2d_`: `classes_` a list of one array per output, `_y` n x
/// outputs), with each output's classes.
fn class_indices_per_output(
    est: &Obj<'_, '_>,
    f: &Fitted,
    path: &str,
) -> Result<Vec<(Vec<usize>, Labels)>> {
    let two_d = est.opt("outputs_2d_").is_some() && est.bool("outputs_2d_", path)?;
    if !two_d {
        f.one_output(path, "k-nearest neighbours")?;
        return Ok(vec![class_indices(
            est,
            &f.y,
            path,
            "k-nearest neighbours",
        )?]);
    }
    let cp = format!("{path}.classes_");
    let lists = est.ctx.seq(est.req("classes_", path)?, &cp)?;
    if lists.len() != f.outputs {
        return Err(malformed(
            &cp,
            format!("{} arrays for {} outputs", lists.len(), f.outputs),
        ));
    }
    let mut out = Vec::with_capacity(f.outputs);
    for (j, &id) in lists.iter().enumerate() {
        let classes = est.ctx.labels(id, &format!("{cp}[{j}]"))?;
        let column = f.y.iter().skip(j).step_by(f.outputs).copied();
        let idx = indices_below(column, classes.len(), path)?;
        out.push((idx, classes));
    }
    crate::estimator::one_label_type(out.iter().map(|(_, c)| c), path)?;
    Ok(out)
}

pub struct KNeighbors {
    info: Info,
    metric: Metric,
    search: Search,
    k: usize,
    /// weights="distance"
    distance: bool,
    /// classifier: per output, the class index of every training row and
    /// the classes (one output unless `multi`)
    clf: Option<Vec<(Vec<usize>, Labels)>>,
    /// `outputs_2d_`: predict gives a column per output, predict_proba a list
    multi: bool,
    /// regressor: the target per training row and output, row-major
    y: Vec<f64>,
    /// regressor: columns of `_y`
    outputs: usize,
    /// sparse queries (a sparse fit handed sparse input)
    sparse: Option<SparseQueries>,
    dense_refusal: Option<DenseRefusal>,
}

const EXACT_TIES: &str = "neighbours at exactly the same distance are ordered by training row \
                          natively and by the KD / ball tree walk in scikit-learn (a ball tree \
                          also bounds rows through rounded centroid distances); otherwise \
                          bitwise";

const BRUTE_TIES: &str = "neighbours at exactly the same distance come out in scikit-learn's \
                          order when it splits the work as assumed here (its parallel_on_X \
                          strategy, or parallel_on_Y with scikit-learn's OpenMP thread count, \
                          OMP_NUM_THREADS or all CPUs); \
                          otherwise bitwise where numpy's OpenBLAS core is reproduced";

impl KNeighbors {
    pub fn read(est: &Obj<'_, '_>, path: &str) -> Result<KNeighbors> {
        let info = Info::read(est, path)?;
        let is_clf = est.name() == "KNeighborsClassifier";
        let fitted = read_fitted(est, &info, path, "k-nearest neighbours")?;
        let clf = if is_clf {
            Some(class_indices_per_output(est, &fitted, path)?)
        } else {
            None
        };
        let multi = clf.as_ref().is_some_and(|c| c.len() > 1)
            || est.opt("outputs_2d_").is_some() && est.bool("outputs_2d_", path)?;
        let Fitted {
            distance,
            metric,
            search,
            y,
            outputs,
            dense_refusal,
        } = fitted;
        let k = est.usize("n_neighbors", path)?;
        if k == 0 || k > search.rows() {
            return Err(malformed(
                path,
                format!("n_neighbors {k} with {} training rows", search.rows()),
            ));
        }
        Ok(KNeighbors {
            info,
            metric,
            search,
            k,
            distance,
            clf,
            multi,
            y,
            outputs,
            sparse: None,
            dense_refusal,
        })
    }

    /// The k nearest training rows of every row of `x`, nearest first, as
    /// (reduced distance, training row): k per row. `class_mode`: as
    /// `ArgKminClassMode` walks them (brute force only).
    fn neighbours(&self, x: &Queries<'_>, class_mode: bool) -> Vec<(f64, usize)> {
        let x = match x {
            Queries::Sparse(sq, c) => return sq.argkmin(c, self.k),
            Queries::Dense(x) => x,
        };
        match &self.search {
            Search::Brute(b, fit) => {
                // scikit-learn 1.9 excludes euclidean from ArgKminClassMode
                let strategy = if class_mode && self.metric == Metric::Manhattan {
                    Strategy::OnX
                } else {
                    Strategy::Auto
                };
                b.argkmin(fit, x, self.k, strategy)
            }
            Search::Tree(fit) => {
                let mut out = Vec::with_capacity(x.rows * self.k);
                let mut d = Vec::with_capacity(fit.rows);
                for i in 0..x.rows {
                    self.tree_neighbours(fit, x.row(i), &mut d);
                    out.extend_from_slice(&d);
                }
                out
            }
        }
    }

    /// The k nearest training rows of `x`, nearest first (ties by row).
    fn tree_neighbours(&self, fit: &Mat, x: &[f64], d: &mut Vec<(f64, usize)>) {
        d.clear();
        for r in 0..fit.rows {
            d.push((rdist(self.metric, x, fit.row(r)), r));
        }
        let k = self.k;
        let cmp = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        if k < d.len() {
            d.select_nth_unstable_by(k - 1, cmp);
            d.truncate(k);
        }
        d.sort_unstable_by(cmp);
    }

    /// The neighbours' weights (`_get_weights`): 1.0 each, or `1 / dist`.
    fn weights(&self, d: &[(f64, usize)], w: &mut Vec<f64>) {
        w.clear();
        if !self.distance {
            w.resize(d.len(), 1.0);
            return;
        }
        w.extend(
            d.iter()
                .map(|&(r, _)| 1.0 / distance(&self.search, self.metric, r)),
        );
        if w.iter().any(|v| v.is_infinite()) {
            for v in w.iter_mut() {
                *v = if v.is_infinite() { 1.0 } else { 0.0 };
            }
        }
    }

    /// Every output's class probabilities from the neighbours `all` of `rows`
    /// rows (weighted counts per class, divided by their sum).
    fn probas(&self, all: &[(f64, usize)], rows: usize) -> Vec<Mat> {
        let Some(per) = &self.clf else {
            return Vec::new();
        };
        per.iter()
            .map(|(idx, classes)| self.proba_of(all, rows, idx, classes.len()))
            .collect()
    }

    fn proba_of(&self, all: &[(f64, usize)], rows: usize, idx: &[usize], nc: usize) -> Mat {
        let mut out = Mat::zeros(rows, nc);
        let mut w = Vec::with_capacity(self.k);
        for (i, d) in all.chunks(self.k).enumerate() {
            self.weights(d, &mut w);
            let row = out.row_mut(i);
            for (&(_, r), &wi) in d.iter().zip(&w) {
                row[idx[r]] += wi;
            }
            let norm = npsum::sum(row);
            for v in row.iter_mut() {
                *v /= norm;
            }
        }
        out
    }

    /// A regressor with several outputs (`_y` n x outputs), as
    /// KNeighborsRegressor.predict computes it: uniform, `np.mean(_y[neigh_ind],
    /// axis=1)`, which numpy reduces over the neighbour axis (not the
    /// innermost) by adding each neighbour's row of outputs in neighbour
    /// order, then divides by k; distance weights, per output `np.sum(_y[neigh_ind,
    /// j] * weights, axis=1)` (a contiguous row: pairwise) over `np.sum(weights,
    /// axis=1)`.
    fn regress(&self, x: &Queries<'_>) -> Mat {
        let o = self.outputs;
        let all = self.neighbours(x, false);
        let mut out = Mat::zeros(x.rows(), o);
        let (mut w, mut vals) = (Vec::with_capacity(self.k), Vec::with_capacity(self.k));
        for (i, d) in all.chunks(self.k).enumerate() {
            let row = out.row_mut(i);
            if !self.distance {
                // the reduction starts from the first neighbour's row
                for (n, &(_, r)) in d.iter().enumerate() {
                    let yr = &self.y[r * o..(r + 1) * o];
                    if n == 0 {
                        row.copy_from_slice(yr);
                    } else {
                        row.iter_mut().zip(yr).for_each(|(a, v)| *a += v);
                    }
                }
                row.iter_mut().for_each(|a| *a /= self.k as f64);
                continue;
            }
            self.weights(d, &mut w);
            let denom = npsum::sum(&w);
            for (j, a) in row.iter_mut().enumerate() {
                vals.clear();
                vals.extend(
                    d.iter()
                        .zip(&w)
                        .map(|(&(_, r), &wi)| self.y[r * o + j] * wi),
                );
                *a = npsum::sum(&vals) / denom;
            }
        }
        out
    }

    /// The neighbours of `x` as the class votes search them: uniform
    /// weights with one output take ArgKminClassMode's strategy (brute
    /// force); several outputs and distance weights take kneighbors.
    fn votes(&self, x: &Queries<'_>) -> Vec<(f64, usize)> {
        self.neighbours(x, !self.distance && !self.multi)
    }

    /// `weighted_mode` of one output: per class in sorted order, the first
    /// strictly greatest sum of weights.
    fn weighted_modes(&self, all: &[(f64, usize)], idx: &[usize], nc: usize) -> Vec<usize> {
        let mut w = Vec::new();
        let mut template = vec![0.0; self.k];
        all.chunks(self.k)
            .map(|d| {
                self.weights(d, &mut w);
                let (mut best, mut most) = (0usize, 0.0f64);
                for c in 0..nc {
                    if !d.iter().any(|&(_, r)| idx[r] == c) {
                        continue;
                    }
                    for (t, (&(_, r), &wi)) in template.iter_mut().zip(d.iter().zip(&w)) {
                        *t = if idx[r] == c { wi } else { 0.0 };
                    }
                    let counts = npsum::sum(&template[..d.len()]);
                    if counts > most {
                        best = c;
                    }
                    most = most.max(counts);
                }
                best
            })
            .collect()
    }
}

impl Estimator for KNeighbors {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        match &self.clf {
            Some(per) if !self.multi => per.first().map(|c| &c.1),
            _ => None,
        }
    }
    fn output_classes(&self) -> Vec<&Labels> {
        match &self.clf {
            Some(per) if self.multi => per.iter().map(|c| &c.1).collect(),
            _ => Vec::new(),
        }
    }
    fn supports(&self, m: Method) -> bool {
        match m {
            Method::Predict => true,
            Method::PredictProba => self.clf.is_some(),
            _ => false,
        }
    }
    /// Brute force chunks the queries and picks its strategy from their
    /// count, as scikit-learn does, so it runs in one piece (in parallel
    /// over query chunks itself); the tree path is row by row.
    fn batchable(&self) -> bool {
        matches!(self.search, Search::Tree(_))
    }
    fn exactness(&self, _m: Method) -> Exactness {
        match &self.search {
            _ if self.sparse.is_some() => Exactness::Bounded(SPARSE_TIES.into()),
            Search::Tree(_) => Exactness::Bounded(EXACT_TIES.into()),
            Search::Brute(b, _) => b.exactness(BRUTE_TIES),
        }
    }
    fn take_sparse(&mut self) -> bool {
        self.sparse = sparse_queries(&self.search);
        self.sparse.is_some()
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        let x = Queries::read(
            &self.info,
            (self.sparse.as_ref(), self.dense_refusal.as_ref()),
            x,
        )?;
        match (m, &self.clf) {
            (Method::PredictProba, Some(_)) => {
                let mut p = self.probas(&self.votes(&x), x.rows());
                Ok(if self.multi || p.len() != 1 {
                    Output::Matrices(p)
                } else {
                    Output::Matrix(p.remove(0))
                })
            }
            (Method::Predict, Some(per)) => {
                let all = self.votes(&x);
                let mut cols: Vec<Labels> = if self.distance {
                    per.iter()
                        .map(|(idx, c)| c.take(&self.weighted_modes(&all, idx, c.len())))
                        .collect()
                } else {
                    // `_mode` (the smallest most frequent class) is the first
                    // arg-max of the counts
                    per.iter()
                        .zip(self.probas(&all, x.rows()))
                        .map(|((_, c), p)| argmax_labels(&p, c))
                        .collect()
                };
                Ok(if !self.multi && cols.len() == 1 {
                    Output::Labels(cols.remove(0))
                } else {
                    Output::LabelColumns(cols)
                })
            }
            (Method::Predict, None) if self.outputs > 1 => Ok(Output::Matrix(self.regress(&x))),
            (Method::Predict, None) => {
                let all = self.neighbours(&x, false);
                let mut vals = Vec::with_capacity(self.k);
                let mut w = Vec::with_capacity(self.k);
                let out = all
                    .chunks(self.k)
                    .map(|d| {
                        vals.clear();
                        if !self.distance {
                            vals.extend(d.iter().map(|&(_, r)| self.y[r]));
                            return npsum::sum(&vals) / self.k as f64;
                        }
                        self.weights(d, &mut w);
                        vals.extend(d.iter().zip(&w).map(|(&(_, r), &wi)| self.y[r] * wi));
                        npsum::sum(&vals) / npsum::sum(&w)
                    })
                    .collect();
                Ok(Output::Vector(out))
            }
            _ => Err(self.no_method(m)),
        }
    }
}

/// The implementation of `est` when this module has it.
pub fn build(_ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Estimator>>> {
    if !est.class.module.starts_with("sklearn.") {
        return None;
    }
    match est.name() {
        "KNeighborsClassifier" | "KNeighborsRegressor" => Some(boxed(KNeighbors::read(est, path))),
        "NearestCentroid" => Some(boxed(centroid::NearestCentroid::read(est, path))),
        "RadiusNeighborsClassifier" | "RadiusNeighborsRegressor" => {
            Some(boxed(radius::RadiusNeighbors::read(est, path)))
        }
        _ => None,
    }
}
