//! RadiusNeighborsClassifier and RadiusNeighborsRegressor (one output or
//! several), uniform or distance weights, euclidean or manhattan, fitted by brute
//! force or with a KD / ball tree.
//!
//! The neighbours of a query are the training rows whose reduced distance
//! is at most the reduced radius (`radius**2` for euclidean, `radius` for
//! manhattan), ascending by training row:
//!
//! - brute force ([`Brute::within`]) is scikit-learn 1.9's `RadiusNeighbors`
//!   / `RadiusNeighborsClassMode`: the same values from the same chunked
//!   products, and both strategies merge their chunks in training order, so
//!   the neighbours, their order and distances are scikit-learn's;
//! - a KD / ball tree's `query_radius` walks the tree: it takes a whole node
//!   when the node's bound is inside the radius and orders neighbours by the
//!   walk. Here every training row is measured (`rdist`, the tree's own
//!   operations) and kept in row order: the same neighbours except rows
//!   within rounding of the radius in a node taken whole, and sums over
//!   neighbours (distance weights, means) in another order (`TREE_BOUND`).
//!
//! Classifier, as `predict_proba` computes it:
//!
//! - uniform weights with brute force on manhattan go through
//!   `RadiusNeighborsClassMode` (scikit-learn 1.9 keeps euclidean out of it):
//!   1.0 per neighbour into its class; a query without neighbours scores
//!   1.0 for the class whose *index* equals the `outlier_label` parameter
//!   (the comparison that code makes), else nothing;
//! - everything else through `radius_neighbors`: `np.bincount` of the
//!   neighbours' classes (weighted: added in neighbour order); a query
//!   without neighbours scores 1.0 for the class equal to `outlier_label_`;
//! - rows are divided by numpy's sum of the row (a zero sum read as 1.0);
//!   `predict` takes the first largest, and `outlier_label_` for a row of
//!   zeros. Queries without neighbours and no `outlier_label` are refused
//!   with scikit-learn's message.
//!
//! Distance weights (`_get_weights` on ragged rows): `1 / dist`, or, when a
//! neighbour is at distance 0.0, 1.0 for those at 0.0 and 0.0 for the rest.
//! Regressor: `np.mean` of the neighbours' targets (numpy's pairwise sum in
//! neighbour order, divided by the count), or `np.average` with the weights
//! (sum of `y * w` over sum of `w`); NaN without neighbours.
//!
//! A regressor with several outputs: see `RadiusNeighbors::regress_outputs`.
//!
//! A classifier with several outputs (`outputs_2d_`) goes through
//! `radius_neighbors` for every output (never `RadiusNeighborsClassMode`):
//! the same neighbours and weights, each output's classes counted and
//! normalised on their own; `predict` gives a label column per output,
//! `predict_proba` a list of matrices. `outlier_label` is one label for all
//! outputs, a list of one per output, or `"most_frequent"` per output.
//!
//! Refused: other weights and metrics, an `outlier_label` that is not a
//! class of its output (scikit-learn then predicts a label outside
//! `classes_`).

use super::sparse::SparseQueries;
use super::{
    class_indices_per_output, distance, rdist, read_fitted, sparse_queries, DenseRefusal, Fitted,
    Metric, Queries, Search,
};
use crate::access::Obj;
use crate::blas::Exactness;
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{input, malformed, Result};
use crate::estimator::{unsupported, Estimator, Info};
use crate::npsum;
use skseal_core::ir::{Node, NodeId};

const TREE_BOUND: &str = "a KD / ball tree takes whole nodes whose bound lies inside the radius \
                          (a training row within rounding of the radius may count differently) \
                          and orders neighbours by its walk, which distance-weighted sums and \
                          means add in another order; otherwise bitwise";

/// One output of the classifier: the class index of every training row,
/// the classes, and `outlier_label_` for this output as a class index
/// (None: no outlier label).
struct OutputClasses {
    idx: Vec<usize>,
    labels: Labels,
    outlier: Option<usize>,
}

/// The classifier's side: its outputs (one unless `outputs_2d_`), and how
/// `RadiusNeighborsClassMode` scores a query without neighbours.
struct Classes {
    per: Vec<OutputClasses>,
    /// `outputs_2d_`: predict gives a column per output, predict_proba a list
    multi: bool,
    /// the class index `RadiusNeighborsClassMode` scores 1.0 for a query
    /// without neighbours: the index equal to the raw `outlier_label` (one
    /// output only)
    class_mode_outlier: Option<usize>,
}

pub struct RadiusNeighbors {
    info: Info,
    metric: Metric,
    search: Search,
    /// the reduced radius: `radius**2` (euclidean) or `radius`
    reduced: f64,
    distance: bool,
    clf: Option<Classes>,
    /// `_y`: one value per training row, or `outputs` (a regressor's
    /// several outputs, row by row)
    y: Vec<f64>,
    outputs: usize,
    /// sparse queries (a sparse fit handed sparse input)
    sparse: Option<SparseQueries>,
    dense_refusal: Option<DenseRefusal>,
}

impl RadiusNeighbors {
    pub fn read(est: &Obj<'_, '_>, path: &str) -> Result<RadiusNeighbors> {
        let info = Info::read(est, path)?;
        let is_clf = est.name() == "RadiusNeighborsClassifier";
        let fitted = read_fitted(est, &info, path, "radius neighbours")?;
        let clf = if is_clf {
            Some(read_classes(est, &fitted, path)?)
        } else {
            None
        };
        let Fitted {
            distance,
            metric,
            search,
            y,
            outputs,
            dense_refusal,
        } = fitted;
        let radius = est.f64("radius", path)?;
        if !(radius.is_finite() && radius >= 0.0) {
            return Err(malformed(
                &format!("{path}.radius"),
                format!("{radius} is not a radius"),
            ));
        }
        // DistanceMetric._dist_to_rdist: dist * dist, or the distance
        let reduced = match metric {
            Metric::Euclidean => radius * radius,
            Metric::Manhattan => radius,
        };
        Ok(RadiusNeighbors {
            info,
            metric,
            search,
            reduced,
            distance,
            clf,
            y,
            outputs,
            sparse: None,
            dense_refusal,
        })
    }

    /// The neighbours of every row of `x`: (reduced value, training row),
    /// ascending by row.
    fn neighbours(&self, x: &Queries<'_>) -> Vec<Vec<(f64, usize)>> {
        let x = match x {
            Queries::Sparse(sq, c) => return sq.within(c, self.reduced),
            Queries::Dense(x) => x,
        };
        match &self.search {
            Search::Brute(b, fit) => b.within(fit, x, self.reduced),
            Search::Tree(fit) => (0..x.rows)
                .map(|i| {
                    let q = x.row(i);
                    let mut found = Vec::new();
                    for r in 0..fit.rows {
                        let s = rdist(self.metric, q, fit.row(r));
                        if s <= self.reduced {
                            found.push((s, r));
                        }
                    }
                    found
                })
                .collect(),
        }
    }

    /// The distance of a reduced value (`_rdist_to_dist`; brute force
    /// clamps at zero first).
    fn dist(&self, v: f64) -> f64 {
        distance(&self.search, self.metric, v)
    }

    /// `_get_weights(neigh_dist, "distance")` for one query's neighbours.
    fn weights(&self, d: &[(f64, usize)], w: &mut Vec<f64>) {
        w.clear();
        let dists = d.iter().map(|&(v, _)| self.dist(v));
        if d.iter().any(|&(v, _)| self.dist(v) == 0.0) {
            w.extend(dists.map(|t| if t == 0.0 { 1.0 } else { 0.0 }));
        } else {
            w.extend(dists.map(|t| 1.0 / t));
        }
    }

    /// `predict_proba`: one matrix per output.
    fn probas(&self, x: &Queries<'_>, c: &Classes) -> Result<Vec<Mat>> {
        let all = self.neighbours(x);
        let outliers: Vec<usize> = (0..all.len()).filter(|&i| all[i].is_empty()).collect();
        if !outliers.is_empty() && c.per.iter().any(|o| o.outlier.is_none()) {
            return Err(input(format!(
                "No neighbors found for test samples {outliers:?}, you can try using larger \
                 radius, giving a label for outliers, or considering removing them from your \
                 dataset (scikit-learn raises the same)"
            )));
        }
        // RadiusNeighborsClassMode: one output, uniform, brute force, and
        // not euclidean (scikit-learn 1.9 keeps euclidean out of it)
        let class_mode = !c.multi
            && !self.distance
            && matches!(self.search, Search::Brute(..))
            && self.metric != Metric::Euclidean;
        // `_get_weights` once for all outputs
        let weights: Vec<Vec<f64>> = if self.distance {
            all.iter()
                .map(|d| {
                    let mut w = Vec::new();
                    self.weights(d, &mut w);
                    w
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut out = Vec::with_capacity(c.per.len());
        for o in &c.per {
            let mut p = Mat::zeros(x.rows(), o.labels.len());
            for (i, d) in all.iter().enumerate() {
                let row = p.row_mut(i);
                if d.is_empty() {
                    let at = if class_mode {
                        c.class_mode_outlier
                    } else {
                        o.outlier
                    };
                    if let Some(k) = at {
                        row[k] = 1.0;
                    }
                } else if let Some(w) = weights.get(i) {
                    for (&(_, r), &wi) in d.iter().zip(w) {
                        row[o.idx[r]] += wi;
                    }
                } else {
                    for &(_, r) in d {
                        row[o.idx[r]] += 1.0;
                    }
                }
                let norm = npsum::sum(row);
                let norm = if norm == 0.0 { 1.0 } else { norm };
                for v in row.iter_mut() {
                    *v /= norm;
                }
            }
            out.push(p);
        }
        Ok(out)
    }

    /// A regressor with several outputs, as RadiusNeighborsRegressor.predict
    /// computes it: uniform, `np.mean(_y[ind, :], axis=0)`, which numpy
    /// reduces by adding each neighbour's row of outputs in neighbour order
    /// (from the first neighbour's row), then divides by the count;
    /// distance weights, `np.average(_y[ind, :], axis=0, weights=w)`: the
    /// rows times their weight added the same way, over the weights' sum
    /// (one contiguous column: pairwise); NaN without neighbours.
    fn regress_outputs(&self, x: &Queries<'_>) -> Mat {
        let o = self.outputs;
        let all = self.neighbours(x);
        let mut out = Mat::zeros(x.rows(), o);
        let mut w = Vec::new();
        for (i, d) in all.iter().enumerate() {
            let row = out.row_mut(i);
            if d.is_empty() {
                row.iter_mut().for_each(|a| *a = f64::NAN);
                continue;
            }
            if self.distance {
                self.weights(d, &mut w);
            }
            for (n, &(_, r)) in d.iter().enumerate() {
                let yr = self.y.get(r * o..(r + 1) * o).unwrap_or(&[]);
                let wi = w.get(n).copied().unwrap_or(1.0);
                for (a, &v) in row.iter_mut().zip(yr) {
                    let t = if self.distance { v * wi } else { v };
                    *a = if n == 0 { t } else { *a + t };
                }
            }
            let denom = if self.distance {
                npsum::sum(&w)
            } else {
                d.len() as f64
            };
            row.iter_mut().for_each(|a| *a /= denom);
        }
        out
    }

    fn regress(&self, x: &Queries<'_>) -> Vec<f64> {
        let all = self.neighbours(x);
        let mut vals = Vec::new();
        let mut w = Vec::new();
        all.iter()
            .map(|d| {
                if d.is_empty() {
                    return f64::NAN;
                }
                vals.clear();
                if !self.distance {
                    vals.extend(d.iter().map(|&(_, r)| self.y[r]));
                    return npsum::sum(&vals) / d.len() as f64;
                }
                self.weights(d, &mut w);
                vals.extend(d.iter().zip(&w).map(|(&(_, r), &wi)| self.y[r] * wi));
                npsum::sum(&vals) / npsum::sum(&w)
            })
            .collect()
    }
}

/// The classifier's outputs (their classes, `_y` as class indices, and
/// `outlier_label_` as class indices).
fn read_classes(est: &Obj<'_, '_>, f: &Fitted, path: &str) -> Result<Classes> {
    let per = class_indices_per_output(est, f, path)?;
    let multi = per.len() > 1;
    let lp = format!("{path}.outlier_label");
    let ctx = est.ctx;
    let raw = est.opt("outlier_label").filter(|&id| !ctx.is_none(id));
    // one label per output: a list or tuple of them when there are several
    // outputs, else the one label repeated (as `fit` makes outlier_label_)
    let labels: Vec<Option<(NodeId, String)>> = match raw {
        None => vec![None; per.len()],
        Some(id) => match ctx.g.node(id) {
            Some(Node::List(v) | Node::Tuple(v)) if multi => {
                if v.len() != per.len() {
                    return Err(malformed(
                        &lp,
                        format!("{} labels for {} outputs", v.len(), per.len()),
                    ));
                }
                v.iter()
                    .enumerate()
                    .map(|(k, &i)| Some((i, format!("{lp}[{k}]"))))
                    .collect()
            }
            _ => vec![Some((id, lp.clone())); per.len()],
        },
    };
    let mut class_mode_outlier = None;
    let mut out = Vec::with_capacity(per.len());
    for ((idx, classes), label) in per.into_iter().zip(labels) {
        let outlier = match &label {
            None => None,
            Some((id, at)) => {
                let (i, cm) = outlier_index(est, *id, &idx, &classes, at)?;
                class_mode_outlier = cm;
                if i.is_none() {
                    return Err(unsupported(
                        "RadiusNeighborsClassifier whose outlier_label is not one of classes_",
                        at,
                        "scikit-learn then predicts a label outside classes_ for queries without neighbours; use a label of classes_ or \"most_frequent\".",
                    ));
                }
                i
            }
        };
        out.push(OutputClasses {
            idx,
            labels: classes,
            outlier,
        });
    }
    Ok(Classes {
        per: out,
        multi,
        class_mode_outlier,
    })
}

/// One output's outlier label (node `id`, at `lp`) as an index into its
/// classes (None when it is not one of them), and the class index
/// `RadiusNeighborsClassMode` compares a number with.
fn outlier_index(
    est: &Obj<'_, '_>,
    id: NodeId,
    idx: &[usize],
    labels: &Labels,
    lp: &str,
) -> Result<(Option<usize>, Option<usize>)> {
    let ctx = est.ctx;
    let nc = labels.len();
    Ok(match ctx.g.node(id) {
        Some(Node::Str(s)) if s == "most_frequent" => {
            // classes_[np.bincount(_y).argmax()]: the first most frequent
            let mut counts = vec![0usize; nc];
            for &k in idx {
                counts[k] += 1;
            }
            let most = counts
                .iter()
                .enumerate()
                .fold(
                    (0usize, 0usize),
                    |(bi, bc), (i, &c)| {
                        if c > bc {
                            (i, c)
                        } else {
                            (bi, bc)
                        }
                    },
                )
                .0;
            (Some(most), None)
        }
        Some(Node::Str(s)) => {
            let at = match labels {
                Labels::Str(v) => v.iter().position(|l| l == s),
                _ => None,
            };
            (at, None)
        }
        Some(Node::Int(_) | Node::Float(_) | Node::Bool(_) | Node::Scalar { .. }) => {
            let v = ctx.f64(id, lp)?;
            let at = match labels {
                Labels::Int(c) => c.iter().position(|&l| l as f64 == v),
                Labels::Int32(c) => c.iter().position(|&l| f64::from(l) == v),
                Labels::Float(c) => c.iter().position(|&l| l == v),
                Labels::Bool(c) => c.iter().position(|&l| f64::from(u8::from(l)) == v),
                Labels::Str(_) => None,
            };
            // RadiusNeighborsClassMode compares class *indices* with it
            let cm = (0..nc).find(|&i| i as f64 == v);
            (at, cm)
        }
        _ => {
            return Err(unsupported(
                "RadiusNeighborsClassifier with this outlier_label",
                lp,
                "None, \"most_frequent\" or one class label (per output) are implemented.",
            ))
        }
    })
}

impl Estimator for RadiusNeighbors {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        match &self.clf {
            Some(c) if !c.multi => c.per.first().map(|o| &o.labels),
            _ => None,
        }
    }
    fn supports(&self, m: Method) -> bool {
        match m {
            Method::Predict => true,
            Method::PredictProba => self.clf.is_some(),
            _ => false,
        }
    }
    /// Row-independent: every query's neighbours are found on their own.
    fn batchable(&self) -> bool {
        true
    }
    fn exactness(&self, _m: Method) -> Exactness {
        match &self.search {
            // `np.where` over values computed as scikit-learn computes them
            _ if self.sparse.is_some() => Exactness::Bitwise,
            Search::Tree(_) => Exactness::Bounded(TREE_BOUND.into()),
            Search::Brute(b, _) => b.product_exactness(),
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
            (Method::PredictProba, Some(c)) => {
                let mut p = self.probas(&x, c)?;
                Ok(if c.multi || p.len() != 1 {
                    Output::Matrices(p)
                } else {
                    Output::Matrix(p.remove(0))
                })
            }
            (Method::Predict, Some(c)) => {
                let probas = self.probas(&x, c)?;
                let mut cols: Vec<Labels> = c
                    .per
                    .iter()
                    .zip(&probas)
                    .map(|(o, p)| {
                        let idx: Vec<usize> = (0..p.rows)
                            .map(|i| {
                                let row = p.row(i);
                                if row.iter().all(|&v| v == 0.0) {
                                    // outliers: outlier_label_ (checked
                                    // present above)
                                    return o.outlier.unwrap_or(0);
                                }
                                let mut best = 0;
                                for (k, &v) in row.iter().enumerate() {
                                    if v > row[best] {
                                        best = k;
                                    }
                                }
                                best
                            })
                            .collect();
                        o.labels.take(&idx)
                    })
                    .collect();
                Ok(if !c.multi && cols.len() == 1 {
                    Output::Labels(cols.remove(0))
                } else {
                    Output::LabelColumns(cols)
                })
            }
            (Method::Predict, None) if self.outputs > 1 => {
                Ok(Output::Matrix(self.regress_outputs(&x)))
            }
            (Method::Predict, None) => Ok(Output::Vector(self.regress(&x))),
            _ => Err(self.no_method(m)),
        }
    }
}
