//! libsvm models: SVC, NuSVC, SVR, NuSVR, OneClassSVM.
//!
//! scikit-learn predicts through its bundled libsvm (`svm.cpp` compiled
//! with `_DENSE_REP`): for each row, `k_function(x, SV_i)` per support
//! vector, in the order of `support_vectors_`:
//! - linear `dot(x, sv)`, poly `powi(gamma * dot + coef0, degree)`
//!   (libsvm's square-and-multiply), sigmoid `tanh(gamma * dot + coef0)`,
//! - rbf `exp(-gamma * dot(x - sv, x - sv))` (the dense `k_function`
//!   subtracts first; the training-time `x_square` form is not used here),
//!
//! where `dot` is scipy's BLAS `ddot` (sklearn's `_cython_blas`), i.e. the
//! same OpenBLAS kernel as numpy's (`blas::Blas::ddot`). Then
//! - one-vs-one sums `coef1[si..] . k[si..]` then `coef2[sj..] . k[sj..]`
//!   accumulated left to right, minus `rho = -intercept_`; votes `dec > 0`
//!   to class i, else j; the first class with most votes wins;
//! - SVR / OneClassSVM: `sum_i coef_i k_i - rho`.
//!
//! scikit-learn negates the binary decision function, and builds the
//! 'ovr' shape with `_ovr_decision_function(dec < 0, -dec, k)`.
//! predict_proba (probability=True) is libsvm's `sigmoid_predict`, clipped
//! to `[1e-7, 1 - 1e-7]`, then `multiclass_probability` (Wu, Lin and Weng's
//! method 2), all plain C double arithmetic (no FMA in scikit-learn's
//! baseline x86-64 build); predict_log_proba is `np.log` of it.
//!
//! A model fitted on sparse X keeps its support vectors as a CSR matrix,
//! and scikit-learn predicts through libsvm compiled without `_DENSE_REP`
//! (`libsvm_sparse`), on X as CSR (a dense X is converted with
//! `csr_array(X)`, dropping its zeros): `dot` adds `x_j * sv_j` over the
//! columns both rows store, rbf merges the two rows' columns in ascending
//! order and adds `(x_j - sv_j)^2`, `x_j^2` or `sv_j^2` as it goes: plain
//! C double loops, no BLAS, so the results are bitwise on every machine.
//!
//! Refused: a precomputed or callable kernel.

// libsvm's loops are kept index for index, so that the order is visibly theirs.
#![allow(clippy::needless_range_loop)]

use crate::access::{vec_f64, Ctx, Obj};
use crate::blas::{Blas, Exactness, L8};
use crate::csr::Csr;
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{malformed, Result};
use crate::estimator::{boxed, csr_in, dense_in, unsupported, Estimator, Info};
use crate::kernels::ovr_decision_row;
use crate::libm_exp;
use crate::npmath;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kernel {
    Linear,
    Poly,
    Rbf,
    Sigmoid,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// c_svc / nu_svc
    Classifier,
    /// epsilon_svr / nu_svr
    Regressor,
    OneClass,
}

/// The support vectors, as the model was fitted.
enum Svs {
    /// fitted on dense X: l x d, and the support vectors in groups of
    /// eight, lane u of feature t being SV `8g + u`'s value: d per group
    /// (the last `l % 8` are left out)
    Dense { sv: Mat, sv8: Vec<L8> },
    /// fitted on sparse X: l rows of `support_vectors_` as stored
    Sparse(Csr),
}

impl Svs {
    fn len(&self) -> usize {
        match self {
            Svs::Dense { sv, .. } => sv.rows,
            Svs::Sparse(c) => c.rows,
        }
    }
}

/// A fitted libsvm model.
pub struct Svm {
    info: Info,
    kind: Kind,
    kernel: Kernel,
    gamma: f64,
    degree: i32,
    coef0: f64,
    svs: Svs,
    /// libsvm's sv_coef: (n_class - 1) x l
    coef: Mat,
    /// `_intercept_` (libsvm's rho is its negation)
    intercept: Vec<f64>,
    n_support: Vec<usize>,
    classes: Option<Labels>,
    ovr: bool,
    break_ties: bool,
    /// probA / probB when fitted with probability=True
    prob: Option<(Vec<f64>, Vec<f64>)>,
    offset: f64,
    blas: Blas,
}

impl Svm {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<Svm> {
        let mut info = Info::read(est, path)?;
        let kind = match est.name() {
            "SVC" | "NuSVC" => Kind::Classifier,
            "SVR" | "NuSVR" => Kind::Regressor,
            _ => Kind::OneClass,
        };
        let sparse = est.opt("_sparse").is_some() && est.bool("_sparse", path)?;
        let kid = est.req("kernel", path)?;
        let kname = match est.ctx.node(kid, &format!("{path}.kernel"))? {
            skseal_core::ir::Node::Str(s) => s.as_str(),
            _ => {
                return Err(unsupported(
                    format!("{}(kernel=<callable>)", est.name()),
                    path,
                    "A callable kernel is Python code; only 'linear', 'poly', 'rbf' and 'sigmoid' are implemented.",
                ))
            }
        };
        let kernel = match kname {
            "linear" => Kernel::Linear,
            "poly" => Kernel::Poly,
            "rbf" => Kernel::Rbf,
            "sigmoid" => Kernel::Sigmoid,
            k => {
                return Err(unsupported(
                    format!("{}(kernel={k:?})", est.name()),
                    path,
                    "Only the 'linear', 'poly', 'rbf' and 'sigmoid' kernels are implemented.",
                ))
            }
        };
        let gamma = est.f64("_gamma", path)?;
        let degree = i32::try_from(
            est.ctx
                .i64(est.req("degree", path)?, &format!("{path}.degree"))?,
        )
        .map_err(|_| malformed(&format!("{path}.degree"), "degree out of range"))?;
        let coef0 = est.f64("coef0", path)?;
        let svp = format!("{path}.support_vectors_");
        let svs = if sparse {
            Svs::Sparse(est.ctx.csr(est.req("support_vectors_", path)?, &svp)?)
        } else {
            let sva = est.arr_f64("support_vectors_", path)?;
            match sva.shape.as_slice() {
                [l, d] => {
                    let sv = Mat {
                        rows: *l,
                        cols: *d,
                        data: sva.data,
                    };
                    let sv8 = (0..sv.rows / 8)
                        .flat_map(|g| (0..sv.cols).map(move |t| (g, t)))
                        .map(|(g, t)| {
                            L8(std::array::from_fn(|u| sv.data[(8 * g + u) * sv.cols + t]))
                        })
                        .collect();
                    Svs::Dense { sv, sv8 }
                }
                s => {
                    return Err(malformed(
                        &svp,
                        format!("expected a 2-D array, found shape {s:?}"),
                    ))
                }
            }
        };
        let (n_sv, width) = match &svs {
            Svs::Dense { sv, .. } => (sv.rows, sv.cols),
            Svs::Sparse(c) => (c.rows, c.cols),
        };
        if let Some(n) = info.n_features {
            if n != width {
                return Err(malformed(
                    &svp,
                    format!("{width} features, n_features_in_ is {n}"),
                ));
            }
        }
        info.n_features = Some(width);
        let ns = est.arr_i64("_n_support", path)?;
        let n_support = ns
            .data
            .iter()
            .map(|&v| usize::try_from(v))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| malformed(&format!("{path}._n_support"), "negative count"))?;
        let coef = if sparse {
            dual_coef_csr(est, n_sv, path)?
        } else {
            let dca = est.arr_f64("_dual_coef_", path)?;
            match dca.shape.as_slice() {
                [r, l] if *l == n_sv => Mat {
                    rows: *r,
                    cols: *l,
                    data: dca.data,
                },
                s => {
                    return Err(malformed(
                        &format!("{path}._dual_coef_"),
                        format!("shape {s:?} for {n_sv} support vectors"),
                    ))
                }
            }
        };
        let intercept = vec_f64(est, "_intercept_", path, None)?;
        let (classes, ovr, break_ties, prob) = if kind == Kind::Classifier {
            let c = est.labels("classes_", path)?;
            let k = c.len();
            if k < 2
                || n_support.len() != k
                || n_support.iter().try_fold(0usize, |a, &b| a.checked_add(b)) != Some(n_sv)
                || coef.rows != k - 1
                || intercept.len() != k * (k - 1) / 2
            {
                return Err(malformed(
                    path,
                    format!("{k} classes do not match _n_support, _dual_coef_ and _intercept_"),
                ));
            }
            let ovr = est.str("decision_function_shape", path)? == "ovr";
            let break_ties = est.bool("break_ties", path)?;
            let wants_prob = match est.opt("probability") {
                Some(p) => {
                    !matches!(est.ctx.node(p, path)?, skseal_core::ir::Node::Str(_))
                        && est.ctx.bool(p, &format!("{path}.probability"))?
                }
                None => false,
            };
            let prob = if wants_prob {
                let a = vec_f64(est, "_probA", path, None)?;
                let b = vec_f64(est, "_probB", path, None)?;
                if a.is_empty() || b.is_empty() {
                    None
                } else if a.len() != k * (k - 1) / 2 || b.len() != a.len() {
                    return Err(malformed(
                        &format!("{path}._probA"),
                        "one value per class pair expected",
                    ));
                } else {
                    Some((a, b))
                }
            } else {
                None
            };
            (Some(c), ovr, break_ties, prob)
        } else {
            if coef.rows != 1 || intercept.len() != 1 {
                return Err(malformed(
                    path,
                    "one row of _dual_coef_ and one intercept expected",
                ));
            }
            (None, false, false, None)
        };
        let offset = if kind == Kind::OneClass {
            est.f64("offset_", path)?
        } else {
            0.0
        };
        Ok(Svm {
            info,
            kind,
            kernel,
            gamma,
            degree,
            coef0,
            svs,
            coef,
            intercept,
            n_support,
            classes,
            ovr,
            break_ties,
            prob,
            offset,
            blas: est.ctx.blas.clone(),
        })
    }

    /// libsvm's `Kernel::k_function` (dense) for row `x` and every SV.
    /// Support vectors go eight at a time where they can ([`Blas::ddot8`]:
    /// each lane is its own ddot, so the values are the same).
    fn kvalues(&self, sv: &Mat, sv8: &[L8], x: &[f64], buf: &mut Vec<f64>, out: &mut Vec<f64>) {
        out.clear();
        let d = x.len();
        for (g, group) in sv8.chunks(d.max(1)).enumerate() {
            if d == 0 {
                break;
            }
            let dots = self.blas.ddot8_rows(x, group, self.kernel == Kernel::Rbf);
            let Some(dots) = dots else {
                break; // a threaded ddot: the scalar loop below does them all
            };
            debug_assert_eq!(out.len(), 8 * g);
            if self.kernel == Kernel::Rbf {
                // eight C-library exps at once (bit for bit the same)
                out.extend(libm_exp::exp8(L8(dots.0.map(|d| -self.gamma * d))).0);
            } else {
                out.extend(dots.0.map(|d| self.kernel_of(d)));
            }
        }
        for i in out.len()..sv.rows {
            let s = sv.row(i);
            let dot = if self.kernel == Kernel::Rbf {
                buf.clear();
                buf.extend(x.iter().zip(s).map(|(a, b)| a - b));
                self.blas.ddot(buf, buf)
            } else {
                self.blas.ddot(x, s)
            };
            out.push(self.kernel_of(dot));
        }
    }

    /// libsvm's `Kernel::k_function` (sparse) for row `x` (its stored
    /// columns and values) and every SV.
    fn kvalues_sparse(&self, sv: &Csr, (xi, xv): (&[usize], &[f64]), out: &mut Vec<f64>) {
        out.clear();
        for i in 0..sv.rows {
            let s = sv.row(i);
            let dot = if self.kernel == Kernel::Rbf {
                sparse_sq_dist((xi, xv), s)
            } else {
                sparse_dot((xi, xv), s)
            };
            out.push(self.kernel_of(dot));
        }
    }

    /// The kernel's value from its dot: `x . sv`, or `(x - sv) . (x - sv)`
    /// for rbf.
    #[inline]
    fn kernel_of(&self, dot: f64) -> f64 {
        match self.kernel {
            Kernel::Linear => dot,
            Kernel::Poly => powi(self.gamma * dot + self.coef0, self.degree),
            Kernel::Sigmoid => (self.gamma * dot + self.coef0).tanh(),
            Kernel::Rbf => (-self.gamma * dot).exp(),
        }
    }

    /// libsvm's dec_values per row (k(k-1)/2 for classifiers, 1 otherwise)
    /// and, for classifiers, the voted class index. `kvalues(r, kv, buf)`
    /// writes row `r`'s kernel value with every support vector into `kv`
    /// (`buf` is its scratch space).
    fn raw(
        &self,
        rows: usize,
        mut kvalues: impl FnMut(usize, &mut Vec<f64>, &mut Vec<f64>),
    ) -> (Mat, Vec<usize>) {
        let nd = self.intercept.len();
        let mut dec = Mat::zeros(rows, nd);
        let mut votes_idx = Vec::with_capacity(rows);
        let (mut buf, mut kv) = (Vec::new(), Vec::new());
        for r in 0..rows {
            kvalues(r, &mut kv, &mut buf);
            // one kernel value per support vector; `read` checked that the
            // classes' support counts add up to them
            debug_assert_eq!(kv.len(), self.svs.len());
            if self.kind != Kind::Classifier {
                let c = self.coef.row(0);
                let mut sum = 0.0;
                for (a, b) in c.iter().zip(&kv) {
                    sum += a * b;
                }
                dec.data[r] = sum - (-self.intercept[0]);
                continue;
            }
            let k = self.n_support.len();
            let mut start = vec![0usize; k];
            for i in 1..k {
                start[i] = start[i - 1] + self.n_support[i - 1];
            }
            let mut vote = vec![0usize; k];
            let mut p = 0;
            let out = dec.row_mut(r);
            for i in 0..k {
                for j in i + 1..k {
                    let (si, sj) = (start[i], start[j]);
                    let (ci, cj) = (self.n_support[i], self.n_support[j]);
                    let coef1 = self.coef.row(j - 1);
                    let coef2 = self.coef.row(i);
                    let mut sum = 0.0;
                    for t in si..si + ci {
                        sum += coef1[t] * kv[t];
                    }
                    for t in sj..sj + cj {
                        sum += coef2[t] * kv[t];
                    }
                    sum -= -self.intercept[p];
                    out[p] = sum;
                    if sum > 0.0 {
                        vote[i] += 1;
                    } else {
                        vote[j] += 1;
                    }
                    p += 1;
                }
            }
            let mut best = 0;
            for i in 1..k {
                if vote[i] > vote[best] {
                    best = i;
                }
            }
            votes_idx.push(best);
        }
        (dec, votes_idx)
    }

    /// `decision_function` of a classifier.
    fn decision(&self, dec: Mat) -> Output {
        let k = self.n_support.len();
        if k == 2 {
            return Output::Vector(dec.data.iter().map(|v| -v).collect());
        }
        if !self.ovr {
            return Output::Matrix(dec);
        }
        // _ovr_decision_function(dec < 0, -dec, k)
        let mut out = Mat::zeros(dec.rows, k);
        for r in 0..dec.rows {
            let d = dec.row(r);
            ovr_decision_row(|p| d[p] < 0.0, |p| -d[p], out.row_mut(r));
        }
        Output::Matrix(out)
    }

    fn proba(&self, dec: &Mat) -> Mat {
        let k = self.n_support.len();
        let mut out = Mat::zeros(dec.rows, k);
        let Some((pa, pb)) = &self.prob else {
            return out;
        };
        let min_prob = 1e-7;
        let mut r = vec![vec![0.0f64; k]; k];
        for row in 0..dec.rows {
            let d = dec.row(row);
            let mut p = 0;
            for i in 0..k {
                for j in i + 1..k {
                    let s = sigmoid_predict(d[p], pa[p], pb[p]);
                    r[i][j] = cmin(cmax(s, min_prob), 1.0 - min_prob);
                    r[j][i] = 1.0 - r[i][j];
                    p += 1;
                }
            }
            multiclass_probability(k, &r, out.row_mut(row));
        }
        out
    }
}

/// libsvm's sparse `Kernel::dot`: `x_j * sv_j` added over the columns both
/// rows store, merging the two index lists.
fn sparse_dot((xi, xv): (&[usize], &[f64]), (si, sv): (&[usize], &[f64])) -> f64 {
    let (mut a, mut b, mut sum) = (0, 0, 0.0);
    while a < xi.len() && b < si.len() {
        if xi[a] == si[b] {
            sum += xv[a] * sv[b];
            a += 1;
            b += 1;
        } else if xi[a] > si[b] {
            b += 1;
        } else {
            a += 1;
        }
    }
    sum
}

/// libsvm's sparse rbf sum: `(x_j - sv_j)^2` where both rows store column
/// j, `x_j^2` or `sv_j^2` where one does, in the merged column order, then
/// the rest of whichever row is left.
fn sparse_sq_dist((xi, xv): (&[usize], &[f64]), (si, sv): (&[usize], &[f64])) -> f64 {
    let (mut a, mut b, mut sum) = (0, 0, 0.0);
    while a < xi.len() && b < si.len() {
        if xi[a] == si[b] {
            let d = xv[a] - sv[b];
            sum += d * d;
            a += 1;
            b += 1;
        } else if xi[a] > si[b] {
            sum += sv[b] * sv[b];
            b += 1;
        } else {
            sum += xv[a] * xv[a];
            a += 1;
        }
    }
    for v in &xv[a.min(xv.len())..] {
        sum += v * v;
    }
    for v in &sv[b.min(sv.len())..] {
        sum += v * v;
    }
    sum
}

/// `_dual_coef_` of a model fitted on sparse X: a CSR matrix whose `data`
/// scikit-learn hands to libsvm as the dense (n_class - 1) x l sv_coef, so
/// every row must store all l columns.
fn dual_coef_csr(est: &Obj<'_, '_>, n_sv: usize, path: &str) -> Result<Mat> {
    let p = format!("{path}._dual_coef_");
    let c = est.ctx.csr(est.req("_dual_coef_", path)?, &p)?;
    let full = c.cols == n_sv && (0..c.rows).all(|i| c.row(i).0.len() == n_sv);
    if !full {
        return Err(malformed(
            &p,
            format!(
                "a {} x {} sparse matrix not storing every coefficient of {n_sv} support vectors",
                c.rows, c.cols
            ),
        ));
    }
    Ok(Mat {
        rows: c.rows,
        cols: n_sv,
        data: c.values().to_vec(),
    })
}

/// libsvm's `powi`.
fn powi(base: f64, times: i32) -> f64 {
    let (mut tmp, mut ret) = (base, 1.0);
    let mut t = times;
    while t > 0 {
        if t % 2 == 1 {
            ret *= tmp;
        }
        tmp *= tmp;
        t /= 2;
    }
    ret
}

/// libsvm's `min` / `max` templates (`(x < y) ? x : y`).
fn cmin(x: f64, y: f64) -> f64 {
    if x < y {
        x
    } else {
        y
    }
}
fn cmax(x: f64, y: f64) -> f64 {
    if x > y {
        x
    } else {
        y
    }
}

fn sigmoid_predict(dv: f64, a: f64, b: f64) -> f64 {
    let f = dv * a + b;
    if f >= 0.0 {
        (-f).exp() / (1.0 + (-f).exp())
    } else {
        1.0 / (1.0 + f.exp())
    }
}

/// libsvm's `multiclass_probability` (method 2 of Wu, Lin and Weng).
fn multiclass_probability(k: usize, r: &[Vec<f64>], p: &mut [f64]) {
    let max_iter = 100.max(k);
    let kf = k as f64;
    let eps = 0.005 / kf;
    let mut q = vec![vec![0.0f64; k]; k];
    let mut qp = vec![0.0f64; k];
    for t in 0..k {
        p[t] = 1.0 / kf;
        q[t][t] = 0.0;
        for j in 0..t {
            q[t][t] += r[j][t] * r[j][t];
            q[t][j] = q[j][t];
        }
        for j in t + 1..k {
            q[t][t] += r[j][t] * r[j][t];
            q[t][j] = -r[j][t] * r[t][j];
        }
    }
    for _ in 0..max_iter {
        let mut pqp = 0.0;
        for t in 0..k {
            qp[t] = 0.0;
            for j in 0..k {
                qp[t] += q[t][j] * p[j];
            }
            pqp += p[t] * qp[t];
        }
        let mut max_error = 0.0;
        for &v in qp.iter() {
            let error = (v - pqp).abs();
            if error > max_error {
                max_error = error;
            }
        }
        if max_error < eps {
            break;
        }
        for t in 0..k {
            let diff = (-qp[t] + pqp) / q[t][t];
            p[t] += diff;
            pqp = (pqp + diff * (diff * q[t][t] + 2.0 * qp[t])) / (1.0 + diff) / (1.0 + diff);
            for j in 0..k {
                qp[j] = (qp[j] + diff * q[t][j]) / (1.0 + diff);
                p[j] /= 1.0 + diff;
            }
        }
    }
}

impl Estimator for Svm {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        self.classes.as_ref()
    }
    fn exactness(&self, _m: Method) -> Exactness {
        if matches!(self.svs, Svs::Sparse(_)) || self.blas.reproduced() {
            Exactness::Bitwise
        } else {
            self.blas.exactness(false)
        }
    }
    fn take_sparse(&mut self) -> bool {
        // scikit-learn refuses sparse X for a model fitted on dense X
        matches!(self.svs, Svs::Sparse(_))
    }
    fn supports(&self, m: Method) -> bool {
        match self.kind {
            Kind::Classifier => match m {
                Method::Predict | Method::DecisionFunction => true,
                Method::PredictProba | Method::PredictLogProba => self.prob.is_some(),
                _ => false,
            },
            Kind::Regressor => m == Method::Predict,
            Kind::OneClass => matches!(
                m,
                Method::Predict | Method::DecisionFunction | Method::ScoreSamples
            ),
        }
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        let (dec, voted) = match &self.svs {
            // scikit-learn: `csr_array(X)` of a dense X, then libsvm_sparse
            Svs::Sparse(sv) => {
                let c = csr_in(&self.info, x)?;
                self.raw(c.rows, |r, kv, _| self.kvalues_sparse(sv, c.row(r), kv))
            }
            Svs::Dense { sv, sv8 } => {
                let m = dense_in(&self.info, x, false)?;
                self.raw(m.rows, |r, kv, buf| {
                    self.kvalues(sv, sv8, m.row(r), buf, kv)
                })
            }
        };
        match self.kind {
            Kind::Regressor => Ok(Output::Vector(dec.data)),
            Kind::OneClass => Ok(match m {
                Method::Predict => Output::Labels(Labels::Int(
                    dec.data
                        .iter()
                        .map(|&v| if v > 0.0 { 1 } else { -1 })
                        .collect(),
                )),
                Method::ScoreSamples => {
                    Output::Vector(dec.data.iter().map(|v| v + self.offset).collect())
                }
                _ => Output::Vector(dec.data),
            }),
            Kind::Classifier => {
                let Some(classes) = &self.classes else {
                    return Err(self.no_method(m));
                };
                match m {
                    Method::Predict => {
                        if self.break_ties && self.ovr && classes.len() > 2 {
                            let Output::Matrix(d) = self.decision(dec) else {
                                return Err(self.no_method(m));
                            };
                            Ok(Output::Labels(crate::kernels::argmax_labels(&d, classes)))
                        } else {
                            Ok(Output::Labels(classes.take(&voted)))
                        }
                    }
                    Method::DecisionFunction => Ok(self.decision(dec)),
                    Method::PredictProba => Ok(Output::Matrix(self.proba(&dec))),
                    Method::PredictLogProba => {
                        let mut p = self.proba(&dec);
                        for v in &mut p.data {
                            *v = npmath::np_log(*v);
                        }
                        Ok(Output::Matrix(p))
                    }
                    _ => Err(self.no_method(m)),
                }
            }
        }
    }
}

/// The implementation of `est` when this module has it.
pub fn build(_ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Estimator>>> {
    if !est.class.module.starts_with("sklearn.") {
        return None;
    }
    match est.name() {
        "SVC" | "NuSVC" | "SVR" | "NuSVR" | "OneClassSVM" => Some(boxed(Svm::read(est, path))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powi_is_square_and_multiply() {
        assert_eq!(powi(2.0, 3), 8.0);
        assert_eq!(powi(3.0, 0), 1.0);
        assert_eq!(powi(1.5, 4), 5.0625);
    }

    #[test]
    fn two_class_probability_sums_to_one() {
        let r = vec![vec![0.0, 0.7], vec![0.3, 0.0]];
        let mut p = [0.0; 2];
        multiclass_probability(2, &r, &mut p);
        assert!((p[0] + p[1] - 1.0).abs() < 1e-12);
    }
}
