//! NearestCentroid (see [`NearestCentroid`]).

use super::brute::{Brute, FitRows, Kind, Strategy};
use crate::access::{fortran_ordered, mat_f64, Obj};
use crate::blas::Exactness;
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{malformed, Result};
use crate::estimator::{dense_in, unsupported, Estimator, Info};
use crate::kernels::{argmax_labels, discriminant_log_proba, einsum_sq};
use crate::npmath::{np_exp, np_log};

/// NearestCentroid. predict with uniform class priors (the default):
/// `classes_[pairwise_distances_argmin(X, centroids_, metric)]`, which is
/// `ArgKmin` with k = 1 ([`super::brute`]).
///
/// Euclidean: `_decision_function` as scikit-learn 1.9 writes it: X and the
/// centroids divided by `within_class_std_dev_` where it is not zero, then
/// per class `pairwise_distances` (`_euclidean_distances`: `-2 * X @ c.T`
/// (numpy's gemv), `+= ||x||^2`, `+= ||c||^2` (einsum row norms),
/// `maximum(., 0)`, `sqrt`), squared again (`**= 2`), and `-d + 2.0 *
/// np.log(class_prior_)`. decision_function is that (column 1 minus column
/// 0 for two classes), predict_log_proba / predict_proba the discriminant
/// mixin's, and predict with other priors its arg-max. Manhattan with other
/// priors (scipy's cdist) is refused.
pub struct NearestCentroid {
    info: Info,
    centroids: FitRows,
    search: Brute,
    classes: Labels,
    /// the priors are uniform (np.isclose): predict is the nearest centroid
    uniform: bool,
    /// euclidean: what the discriminant scores need
    scores: Option<Discriminant>,
    blas: crate::blas::Blas,
}

struct Discriminant {
    /// `within_class_std_dev_` where it is not zero (else None: untouched)
    std: Vec<Option<f64>>,
    /// each normalised centroid as a one-row matrix
    centroids: Vec<Mat>,
    /// `||c||^2` of each normalised centroid (einsum)
    norms: Vec<f64>,
    /// `2.0 * np.log(class_prior_[c])`
    log_priors: Vec<f64>,
}

impl NearestCentroid {
    pub fn read(est: &Obj<'_, '_>, path: &str) -> Result<NearestCentroid> {
        let info = Info::read(est, path)?;
        let kind = match est.str("metric", path)? {
            "euclidean" => Kind::Euclidean,
            "manhattan" => Kind::Manhattan,
            other => {
                return Err(unsupported(
                    format!("NearestCentroid with the metric {other:?}"),
                    &format!("{path}.metric"),
                    "The euclidean and manhattan metrics are implemented.",
                ))
            }
        };
        let centroids = mat_f64(est, "centroids_", path)?;
        let classes = est.labels("classes_", path)?;
        if centroids.rows != classes.len() || centroids.rows == 0 {
            return Err(malformed(path, "centroids_ does not match classes_"));
        }
        if info.n_features.is_some_and(|n| n != centroids.cols) {
            return Err(malformed(path, "centroids_ does not match n_features_in_"));
        }
        let prior = crate::access::vec_f64(est, "class_prior_", path, Some(classes.len()))?;
        let k = classes.len() as f64;
        // np.isclose(class_prior_, 1 / k).all(): |a - b| <= 1e-8 + 1e-5 * |b|
        let uniform = prior
            .iter()
            .all(|&p| (p - 1.0 / k).abs() <= 1e-8 + 1e-5 / k);
        if !uniform && kind == Kind::Manhattan {
            return Err(unsupported(
                "NearestCentroid on the manhattan metric with class priors that are not uniform",
                &format!("{path}.class_prior_"),
                "scikit-learn then predicts from manhattan discriminant scores (scipy's cdist), which are not implemented.",
            ));
        }
        if centroids.rows > 1 && centroids.cols > 1 && fortran_ordered(est, "centroids_") {
            return Err(unsupported(
                "NearestCentroid with Fortran-ordered centroids_",
                &format!("{path}.centroids_"),
                "scikit-learn then measures distances another way.",
            ));
        }
        let scores = if kind == Kind::Euclidean {
            let std =
                crate::access::vec_f64(est, "within_class_std_dev_", path, Some(centroids.cols))?;
            let std: Vec<Option<f64>> = std.into_iter().map(|s| (s != 0.0).then_some(s)).collect();
            let mut cents = Vec::with_capacity(centroids.rows);
            let mut norms = Vec::with_capacity(centroids.rows);
            for c in 0..centroids.rows {
                let mut row = Mat::zeros(1, centroids.cols);
                for ((o, &v), s) in row.data.iter_mut().zip(centroids.row(c)).zip(&std) {
                    *o = s.map_or(v, |s| v / s);
                }
                norms.push(einsum_sq(&row.data));
                cents.push(row);
            }
            let log_priors = prior.iter().map(|&p| 2.0 * np_log(p)).collect();
            Some(Discriminant {
                std,
                centroids: cents,
                norms,
                log_priors,
            })
        } else {
            None
        };
        let centroids = FitRows::Dense(centroids);
        let search = Brute::new(kind, &est.ctx.blas, &centroids);
        Ok(NearestCentroid {
            info,
            centroids,
            search,
            classes,
            uniform,
            scores,
            blas: est.ctx.blas.clone(),
        })
    }

    /// `_decision_function` (euclidean): n x classes, C-ordered.
    fn scores(&self, d: &Discriminant, x: &Mat) -> Mat {
        let mut xn = x.clone();
        for i in 0..xn.rows {
            for (v, s) in xn.row_mut(i).iter_mut().zip(&d.std) {
                if let Some(s) = s {
                    *v /= s;
                }
            }
        }
        let xx: Vec<f64> = (0..xn.rows).map(|i| einsum_sq(xn.row(i))).collect();
        let k = d.centroids.len();
        let mut out = Mat::zeros(x.rows, k);
        for (c, cent) in d.centroids.iter().enumerate() {
            let dot = self.blas.matmul_t(&xn, cent, false);
            for (i, &xi) in xx.iter().enumerate() {
                let mut v = -2.0 * dot.data[i];
                v += xi;
                v += d.norms[c];
                // np.maximum(v, 0): NaN stays NaN
                let v = if v < 0.0 { 0.0 } else { v };
                let dist = v.sqrt();
                let sq = dist * dist;
                out.data[i * k + c] = -sq + d.log_priors[c];
            }
        }
        out
    }
}

impl Estimator for NearestCentroid {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        Some(&self.classes)
    }
    fn supports(&self, m: Method) -> bool {
        match m {
            Method::Predict => true,
            Method::DecisionFunction | Method::PredictProba | Method::PredictLogProba => {
                self.scores.is_some()
            }
            _ => false,
        }
    }
    fn batchable(&self) -> bool {
        false
    }
    fn exactness(&self, m: Method) -> Exactness {
        if m == Method::Predict && self.uniform {
            return self.search.exactness(
                "a row at exactly the same distance from two centroids goes to the one \
                 scikit-learn's heap keeps when it splits the work as assumed here",
            );
        }
        self.blas.exactness(false)
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        let x = dense_in(&self.info, x, false)?;
        let d = match (&self.scores, m) {
            (_, Method::Predict) if self.uniform => {
                let nearest = self.search.argkmin(&self.centroids, &x, 1, Strategy::Auto);
                let idx: Vec<usize> = nearest.iter().map(|&(_, c)| c).collect();
                return Ok(Output::Labels(self.classes.take(&idx)));
            }
            (Some(d), _) => d,
            (None, _) => return Err(self.no_method(m)),
        };
        let s = self.scores(d, &x);
        match m {
            Method::Predict => Ok(Output::Labels(argmax_labels(&s, &self.classes))),
            Method::DecisionFunction if s.cols == 2 => Ok(Output::Vector(
                (0..s.rows).map(|i| s.get(i, 1) - s.get(i, 0)).collect(),
            )),
            Method::DecisionFunction => Ok(Output::Matrix(s)),
            Method::PredictLogProba => Ok(Output::Matrix(discriminant_log_proba(&s, true))),
            _ => {
                let mut p = discriminant_log_proba(&s, true);
                for v in &mut p.data {
                    *v = np_exp(*v);
                }
                Ok(Output::Matrix(p))
            }
        }
    }
}
