//! GaussianProcessRegressor.predict (the posterior mean; return_std and
//! return_cov are not native methods): `K_trans = kernel_(X, X_train_)`,
//! `y_mean = K_trans @ alpha_` (numpy's dgemv through
//! [`crate::blas::Blas::matmul_t`]; K_trans is built C-ordered whatever X
//! is), then `_y_train_std * y_mean + _y_train_mean`.
//!
//! Kernels, as `sklearn.gaussian_process.kernels` computes `k(X, Y)`:
//! RBF (`np.exp(-0.5 * cdist(X / l, Y / l, "sqeuclidean"))`; scipy's
//! cdist sums `(x_j - y_j)^2` per pair from 0.0 in feature order; isotropic
//! or per-feature length scales), ConstantKernel (`np.full`), WhiteKernel
//! (zeros for `Y` given), Sum (`k1 + k2`) and Product (`k1 * k2`). Others,
//! several targets and a GPR without `kernel_` are refused.

use crate::access::{mat_f64, Ctx, Obj};
use crate::blas::{Blas, Exactness};
use crate::data::{Data, Mat, Method, Output};
use crate::error::{malformed, Result};
use crate::estimator::{boxed, dense_in, unsupported, Estimator, Info};
use crate::npmath::np_exp;

enum Kernel {
    /// length scales (one, or one per feature) and `X_train_ / l`
    Rbf(Vec<f64>, Mat),
    Const(f64),
    White,
    Sum(Box<Kernel>, Box<Kernel>),
    Product(Box<Kernel>, Box<Kernel>),
}

/// Nested kernels deeper than this are refused (a hostile file's recursion).
const MAX_DEPTH: usize = 32;

impl Kernel {
    fn read(est: &Obj<'_, '_>, path: &str, train: &Mat, depth: usize) -> Result<Kernel> {
        if depth > MAX_DEPTH {
            return Err(malformed(path, "kernels nested too deeply"));
        }
        let ctx = est.ctx;
        let sub = |k: &str| -> Result<Box<Kernel>> {
            let p = format!("{path}.{k}");
            Ok(Box::new(Kernel::read(
                &est.obj(k, path)?,
                &p,
                train,
                depth + 1,
            )?))
        };
        if !est.class.module.starts_with("sklearn.gaussian_process") {
            return Err(unknown(est, path));
        }
        Ok(match est.name() {
            "Sum" => Kernel::Sum(sub("k1")?, sub("k2")?),
            "Product" => Kernel::Product(sub("k1")?, sub("k2")?),
            "ConstantKernel" => Kernel::Const(est.f64("constant_value", path)?),
            "WhiteKernel" => Kernel::White,
            "RBF" => {
                let ls = ctx
                    .arr_f64(
                        est.req("length_scale", path)?,
                        &format!("{path}.length_scale"),
                    )?
                    .data;
                if ls.is_empty() || (ls.len() != 1 && ls.len() != train.cols) {
                    return Err(malformed(
                        path,
                        format!("{} length scales for {} features", ls.len(), train.cols),
                    ));
                }
                let scaled = scale(train, &ls);
                Kernel::Rbf(ls, scaled)
            }
            _ => return Err(unknown(est, path)),
        })
    }

    /// `k(X, X_train_)`, rows x training rows.
    fn eval(&self, x: &Mat, n: usize) -> Mat {
        match self {
            Kernel::Const(c) => Mat {
                rows: x.rows,
                cols: n,
                data: vec![*c; x.rows * n],
            },
            Kernel::White => Mat::zeros(x.rows, n),
            Kernel::Sum(a, b) | Kernel::Product(a, b) => {
                let mut k = a.eval(x, n);
                let k2 = b.eval(x, n);
                let sum = matches!(self, Kernel::Sum(..));
                for (u, v) in k.data.iter_mut().zip(&k2.data) {
                    *u = if sum { *u + *v } else { *u * *v };
                }
                k
            }
            Kernel::Rbf(ls, train) => {
                let xs = scale(x, ls);
                let mut k = Mat::zeros(x.rows, n);
                for i in 0..x.rows {
                    let a = xs.row(i);
                    for (r, o) in k.row_mut(i).iter_mut().enumerate() {
                        let mut d = 0.0;
                        for (p, q) in a.iter().zip(train.row(r)) {
                            let t = p - q;
                            d += t * t;
                        }
                        *o = np_exp(-0.5 * d);
                    }
                }
                k
            }
        }
    }
}

/// `X / length_scale` (a scalar or one per column).
fn scale(x: &Mat, ls: &[f64]) -> Mat {
    let mut m = x.clone();
    for i in 0..m.rows {
        for (j, v) in m.row_mut(i).iter_mut().enumerate() {
            *v /= if ls.len() == 1 { ls[0] } else { ls[j] };
        }
    }
    m
}

fn unknown(est: &Obj<'_, '_>, path: &str) -> crate::error::NativeError {
    unsupported(
        format!("the Gaussian-process kernel {}", est.class),
        path,
        "RBF, ConstantKernel, WhiteKernel and their sums and products are implemented.",
    )
}

pub struct GaussianProcess {
    info: Info,
    kernel: Kernel,
    n_train: usize,
    alpha: Mat,
    std: f64,
    mean: f64,
    blas: Blas,
}

impl GaussianProcess {
    pub fn read(est: &Obj<'_, '_>, path: &str) -> Result<GaussianProcess> {
        let info = Info::read(est, path)?;
        let train = mat_f64(est, "X_train_", path)?;
        if info.n_features.is_some_and(|n| n != train.cols) {
            return Err(malformed(path, "X_train_ does not match n_features_in_"));
        }
        let a = est.arr_f64("alpha_", path)?;
        if a.shape.len() != 1 || a.data.len() != train.rows {
            return Err(unsupported(
                "GaussianProcessRegressor with several targets",
                &format!("{path}.alpha_"),
                "",
            ));
        }
        let one = |k: &str| -> Result<f64> {
            let v = est.arr_f64(k, path)?.data;
            match v.as_slice() {
                [x] => Ok(*x),
                _ => Err(malformed(&format!("{path}.{k}"), "one value expected")),
            }
        };
        let (std, mean) = (one("_y_train_std")?, one("_y_train_mean")?);
        let kp = format!("{path}.kernel_");
        let kernel = Kernel::read(&est.obj("kernel_", path)?, &kp, &train, 0)?;
        Ok(GaussianProcess {
            info,
            kernel,
            n_train: train.rows,
            alpha: Mat {
                rows: 1,
                cols: a.data.len(),
                data: a.data,
            },
            std,
            mean,
            blas: est.ctx.blas.clone(),
        })
    }
}

impl Estimator for GaussianProcess {
    fn info(&self) -> &Info {
        &self.info
    }
    fn supports(&self, m: Method) -> bool {
        m == Method::Predict
    }
    fn exactness(&self, _m: Method) -> Exactness {
        // K_trans is C-ordered whatever the layout of X
        match self.blas.exactness(false) {
            Exactness::BitwiseCOrdered => Exactness::Bitwise,
            e => e,
        }
    }
    fn batchable(&self) -> bool {
        false
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if m != Method::Predict {
            return Err(self.no_method(m));
        }
        let x = dense_in(&self.info, x, false)?;
        let k = self.kernel.eval(&x, self.n_train);
        let y = self.blas.matmul_t(&k, &self.alpha, false);
        Ok(Output::Vector(
            y.data.iter().map(|v| self.std * v + self.mean).collect(),
        ))
    }
}

/// The implementation of `est` when this module has it.
pub fn build(_ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Estimator>>> {
    if !est.class.module.starts_with("sklearn.") || est.name() != "GaussianProcessRegressor" {
        return None;
    }
    Some(boxed(GaussianProcess::read(est, path)))
}
