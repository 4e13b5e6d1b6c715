//! RadiusNeighborsClassifier and RadiusNeighborsRegressor (one output),
//! uniform or distance weights, euclidean or manhattan, fitted by brute
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
//! Refused: other weights and metrics, a classifier with several outputs,
//! an `outlier_label`
//! that is not a class (scikit-learn then predicts a label outside
//! `classes_`).

use super::{class_indices, distance, rdist, read_fitted, Fitted, Metric, Search};
use crate::access::Obj;
use crate::blas::Exactness;
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{input, malformed, Result};
use crate::estimator::{dense_in, unsupported, Estimator, Info};
use crate::npsum;
use skseal_core::ir::Node;

const TREE_BOUND: &str = "a KD / ball tree takes whole nodes whose bound lies inside the radius \
                          (a training row within rounding of the radius may count differently) \
                          and orders neighbours by its walk, which distance-weighted sums and \
                          means add in another order; otherwise bitwise";

/// The classifier's side: class index per training row, the classes, and
/// how a query without neighbours is scored.
struct Classes {
    idx: Vec<usize>,
    labels: Labels,
    /// `outlier_label_` as a class index (None: no outlier label)
    outlier: Option<usize>,
    /// the class index `RadiusNeighborsClassMode` scores 1.0 for a query
    /// without neighbours: the index equal to the raw `outlier_label`
    class_mode_outlier: Option<usize>,
}

pub struct RadiusNeighbors {
    info: Info,
    fit_x: Mat,
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
}

impl RadiusNeighbors {
    pub fn read(est: &Obj<'_, '_>, path: &str) -> Result<RadiusNeighbors> {
        let info = Info::read(est, path)?;
        let is_clf = est.name() == "RadiusNeighborsClassifier";
        let fitted = read_fitted(est, &info, path, "radius neighbours")?;
        if is_clf {
            fitted.one_output(path, "RadiusNeighborsClassifier")?;
        }
        let Fitted {
            distance,
            metric,
            fit_x,
            search,
            y,
            outputs,
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
        let clf = if is_clf {
            Some(read_classes(est, &y, path)?)
        } else {
            None
        };
        Ok(RadiusNeighbors {
            info,
            fit_x,
            metric,
            search,
            reduced,
            distance,
            clf,
            y,
            outputs,
        })
    }

    /// The neighbours of every row of `x`: (reduced value, training row),
    /// ascending by row.
    fn neighbours(&self, x: &Mat) -> Vec<Vec<(f64, usize)>> {
        match &self.search {
            Search::Brute(b) => b.within(&self.fit_x, x, self.reduced),
            Search::Tree => (0..x.rows)
                .map(|i| {
                    let q = x.row(i);
                    let mut found = Vec::new();
                    for r in 0..self.fit_x.rows {
                        let s = rdist(self.metric, q, self.fit_x.row(r));
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

    fn proba(&self, x: &Mat, c: &Classes) -> Result<Mat> {
        let nc = c.labels.len();
        let all = self.neighbours(x);
        let outliers: Vec<usize> = (0..all.len()).filter(|&i| all[i].is_empty()).collect();
        if !outliers.is_empty() && c.outlier.is_none() {
            return Err(input(format!(
                "No neighbors found for test samples {outliers:?}, you can try using larger \
                 radius, giving a label for outliers, or considering removing them from your \
                 dataset (scikit-learn raises the same)"
            )));
        }
        // RadiusNeighborsClassMode: uniform, brute force, and not euclidean
        // (scikit-learn 1.9 keeps euclidean out of it)
        let class_mode = !self.distance
            && matches!(self.search, Search::Brute(_))
            && self.metric != Metric::Euclidean;
        let mut out = Mat::zeros(x.rows, nc);
        let mut w = Vec::new();
        for (i, d) in all.iter().enumerate() {
            let row = out.row_mut(i);
            if d.is_empty() {
                let at = if class_mode {
                    c.class_mode_outlier
                } else {
                    c.outlier
                };
                if let Some(k) = at {
                    row[k] = 1.0;
                }
            } else if self.distance {
                self.weights(d, &mut w);
                for (&(_, r), &wi) in d.iter().zip(&w) {
                    row[c.idx[r]] += wi;
                }
            } else {
                for &(_, r) in d {
                    row[c.idx[r]] += 1.0;
                }
            }
            let norm = npsum::sum(row);
            let norm = if norm == 0.0 { 1.0 } else { norm };
            for v in row.iter_mut() {
                *v /= norm;
            }
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
    fn regress_outputs(&self, x: &Mat) -> Mat {
        let o = self.outputs;
        let all = self.neighbours(x);
        let mut out = Mat::zeros(x.rows, o);
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

    fn regress(&self, x: &Mat) -> Vec<f64> {
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

/// The classifier's classes, its `_y` as class indices, and its outlier
/// labels as indices.
fn read_classes(est: &Obj<'_, '_>, y: &[f64], path: &str) -> Result<Classes> {
    let (idx, labels) = class_indices(est, y, path, "radius neighbours")?;
    let nc = labels.len();
    let lp = format!("{path}.outlier_label");
    let ctx = est.ctx;
    let raw = est.opt("outlier_label").filter(|&id| !ctx.is_none(id));
    let (outlier, class_mode_outlier) = match raw {
        None => (None, None),
        Some(id) => match ctx.g.node(id) {
            Some(Node::Str(s)) if s == "most_frequent" => {
                // classes_[np.bincount(_y).argmax()]: the first most frequent
                let mut counts = vec![0usize; nc];
                for &k in &idx {
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
                let at = match &labels {
                    Labels::Str(v) => v.iter().position(|l| l == s),
                    _ => None,
                };
                (at, None)
            }
            Some(Node::Int(_) | Node::Float(_) | Node::Bool(_) | Node::Scalar { .. }) => {
                let v = ctx.f64(id, &lp)?;
                let at = match &labels {
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
                    &lp,
                    "None, \"most_frequent\" or one class label are implemented.",
                ))
            }
        },
    };
    if raw.is_some() && outlier.is_none() {
        return Err(unsupported(
            "RadiusNeighborsClassifier whose outlier_label is not one of classes_",
            &lp,
            "scikit-learn then predicts a label outside classes_ for queries without neighbours; use a label of classes_ or \"most_frequent\".",
        ));
    }
    Ok(Classes {
        idx,
        labels,
        outlier,
        class_mode_outlier,
    })
}

impl Estimator for RadiusNeighbors {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        self.clf.as_ref().map(|c| &c.labels)
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
            Search::Tree => Exactness::Bounded(TREE_BOUND.into()),
            Search::Brute(b) => b.product_exactness(),
        }
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        let x = dense_in(&self.info, x, false)?;
        match (m, &self.clf) {
            (Method::PredictProba, Some(c)) => Ok(Output::Matrix(self.proba(&x, c)?)),
            (Method::Predict, Some(c)) => {
                let p = self.proba(&x, c)?;
                let mut idx = Vec::with_capacity(x.rows);
                for i in 0..p.rows {
                    let row = p.row(i);
                    if row.iter().all(|&v| v == 0.0) {
                        // outliers: outlier_label_ (checked present above)
                        idx.push(c.outlier.unwrap_or(0));
                        continue;
                    }
                    let mut best = 0;
                    for (k, &v) in row.iter().enumerate() {
                        if v > row[best] {
                            best = k;
                        }
                    }
                    idx.push(best);
                }
                Ok(Output::Labels(c.labels.take(&idx)))
            }
            (Method::Predict, None) if self.outputs > 1 => {
                Ok(Output::Matrix(self.regress_outputs(&x)))
            }
            (Method::Predict, None) => Ok(Output::Vector(self.regress(&x))),
            _ => Err(self.no_method(m)),
        }
    }
}
