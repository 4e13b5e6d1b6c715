//! MLPClassifier and MLPRegressor (dense).
//!
//! `_forward_pass_fast` as scikit-learn 1.9 writes it: per layer
//! `activation = safe_sparse_dot(activation, coefs_[i])` (numpy's matmul,
//! i.e. OpenBLAS), `activation += intercepts_[i]`, the hidden activation in
//! place (identity; `np.maximum(X, 0)` for relu; scipy's `expit`, `1 / (1 +
//! exp(-x))` with the C library's exp, for logistic), then the output
//! activation (identity; `np.exp` for loss="poisson", SVML where numpy uses
//! it; logistic; or `inplace_softmax`: row max, `np.exp`, numpy's pairwise
//! row sum, divide). predict_proba is `[1 - p, p]` for one
//! output, predict_log_proba `np.log` of it, predict the LabelBinarizer's
//! inverse (`p > 0.5` for two classes, the first arg-max otherwise).
//!
//! `coefs_[i]` is `d_in x d_out`, C-ordered: numpy calls dgemm NN (dgemv_n
//! for one row), which `blas.rs` does not model for more than one output
//! column (see linear.rs and docs/NATIVE.md): a layer with one output (or
//! one input) is bitwise on the reproduced cores, a wider one is within a
//! bound, and the model says so (`exactness`): measured 99.9% of outputs
//! identical, worst relative difference 3.3e-16 (docs/NATIVE.md,
//! "Documented bounds"). tanh is refused: numpy
//! computes np.tanh with its own SIMD routine on AVX2 and AVX-512 machines
//! (28% of normal inputs differ from the C library's tanh), not ported.
//! Multilabel classifiers are refused.

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use skseal_core::ir::Node;

use crate::access::{Ctx, Obj};
use crate::blas::{pack8, Blas, Exactness, Post, L8};
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{malformed, Result};
use crate::estimator::{boxed, dense_in, unsupported, Estimator, Info};
use crate::fma::wide_dispatch;
use crate::kernels::{expit, log_mat, softmax_row, softmax_rows};
use crate::libm_exp;
use crate::npmath::np_exp;
use crate::npsum;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Act {
    Identity,
    Logistic,
    Relu,
    Softmax,
    /// `np.exp` (MLPRegressor with loss="poisson")
    Exp,
}

struct Layer {
    /// `coefs_[i].T`: d_out x d_in, row-major
    w: Mat,
    b: Vec<f64>,
    /// numpy sees `coefs_[i].T` as Fortran-ordered (`coefs_[i]` C-ordered)
    w_f: bool,
    /// `w` packed for the products of [`Mlp::forward_by_rows`] (`pack8`)
    panel: Vec<f64>,
}

/// A fitted MLPClassifier or MLPRegressor.
pub struct Mlp {
    info: Info,
    layers: Vec<Layer>,
    hidden: Act,
    out: Act,
    classes: Option<Labels>,
    blas: Blas,
}

/// Rows per block of [`Mlp::forward_by_rows`]: a block's widest hidden
/// layer of 64 units is 64 KiB, in cache and below malloc's mmap threshold.
const ROW_BLOCK: usize = 128;

fn act(name: &str, path: &str) -> Result<Act> {
    match name {
        "identity" => Ok(Act::Identity),
        "logistic" => Ok(Act::Logistic),
        "relu" => Ok(Act::Relu),
        "softmax" => Ok(Act::Softmax),
        "exp" => Ok(Act::Exp),
        "tanh" => Err(unsupported(
            "MLP activation 'tanh'",
            path,
            "numpy computes np.tanh with its own SIMD routine on AVX2 and AVX-512 machines, \
             which native inference does not reproduce; load this model with skseal.load.",
        )),
        other => Err(unsupported(
            format!("MLP activation {other:?}"),
            path,
            "Native inference implements identity, logistic and relu.",
        )),
    }
}

impl Mlp {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<Mlp> {
        let mut info = Info::read(est, path)?;
        let hidden = act(est.str("activation", path)?, path)?;
        let out = act(est.str("out_activation_", path)?, path)?;
        let cp = format!("{path}.coefs_");
        let ip = format!("{path}.intercepts_");
        let cs = est.ctx.seq(est.req("coefs_", path)?, &cp)?;
        let is = est.ctx.seq(est.req("intercepts_", path)?, &ip)?;
        if cs.is_empty() || cs.len() != is.len() {
            return Err(malformed(
                path,
                format!("{} coefs_ and {} intercepts_", cs.len(), is.len()),
            ));
        }
        let mut layers = Vec::with_capacity(cs.len());
        let mut width: Option<usize> = None;
        for (k, (&c, &i)) in cs.iter().zip(is).enumerate() {
            let p = format!("{cp}[{k}]");
            let a = est.ctx.arr_f64(c, &p)?;
            let [din, dout] = a.shape.as_slice() else {
                return Err(malformed(&p, format!("expected 2-D, found {:?}", a.shape)));
            };
            let (din, dout) = (*din, *dout);
            if width.is_some_and(|w| w != din) || din == 0 || dout == 0 {
                return Err(malformed(&p, "layer widths do not chain"));
            }
            width = Some(dout);
            let mut w = Mat::zeros(dout, din);
            for r in 0..din {
                for j in 0..dout {
                    w.data[j * din + r] = a.data[r * dout + j];
                }
            }
            let stored_f = match est.ctx.g.node(c) {
                Some(Node::Array(n)) => est.ctx.g.arrays.get(*n as usize).is_some_and(|s| {
                    s.order == skseal_core::ir::Order::F
                        || s.axes.as_deref() == Some(&[1u64, 0][..])
                }),
                _ => false,
            };
            let b = est.ctx.arr_f64(i, &format!("{ip}[{k}]"))?;
            if b.shape.len() != 1 || b.data.len() != dout {
                return Err(malformed(
                    &format!("{ip}[{k}]"),
                    format!("{} values for {dout} units", b.data.len()),
                ));
            }
            layers.push(Layer {
                panel: pack8(&w.data, dout, din),
                w,
                b: b.data,
                w_f: !stored_f && dout > 1 && din > 1,
            });
        }
        let d = layers[0].w.cols;
        if info.n_features.is_some_and(|n| n != d) {
            return Err(malformed(
                &cp,
                format!("{d} inputs, n_features_in_ differs"),
            ));
        }
        info.n_features = Some(d);
        let n_out = layers[layers.len() - 1].w.rows;
        let classes = if est.name() == "MLPClassifier" {
            let c = est.labels("classes_", path)?;
            let lbp = format!("{path}._label_binarizer");
            let lb = est.obj("_label_binarizer", path)?;
            let ty = lb.str("y_type_", &lbp)?;
            if ty.starts_with("multilabel") || ty == "multiclass-multioutput" {
                return Err(unsupported(
                    "a multilabel MLPClassifier",
                    path,
                    "Only single-label classification is implemented.",
                ));
            }
            if lb.f64("pos_label", &lbp)? != 1.0 || lb.f64("neg_label", &lbp)? != 0.0 {
                return Err(unsupported(
                    "an MLPClassifier label binarizer with pos_label/neg_label other than 1/0",
                    path,
                    "",
                ));
            }
            let want = if c.len() == 2 { 1 } else { c.len() };
            let ok_out = if c.len() == 2 {
                out == Act::Logistic
            } else {
                out == Act::Softmax
            };
            if c.len() < 2 || n_out != want || !ok_out {
                return Err(malformed(
                    path,
                    format!("{} classes, {n_out} outputs, output {out:?}", c.len()),
                ));
            }
            Some(c)
        } else {
            if !matches!(out, Act::Identity | Act::Exp) {
                return Err(malformed(path, "a regressor's output is identity or exp"));
            }
            None
        };
        Ok(Mlp {
            info,
            layers,
            hidden,
            out,
            classes,
            blas: est.ctx.blas.clone(),
        })
    }

    fn forward(&self, x: &Mat) -> Mat {
        let n = x.rows;
        let by_rows = n >= 2 * ROW_BLOCK
            && self
                .layers
                .iter()
                .all(|l| self.blas.splits_by_rows(n, l.w.rows, l.w.cols, l.w_f));
        if by_rows {
            if let Some(out) = self.forward_by_rows(x) {
                return out;
            }
        }
        let last = self.layers.len() - 1;
        let mut a = Mat::zeros(0, 0);
        for (k, l) in self.layers.iter().enumerate() {
            let src = if k == 0 { x } else { &a };
            let mut z = self.blas.matmul_t(src, &l.w, l.w_f);
            let act = if k == last { self.out } else { self.hidden };
            // `+= intercepts_[i]` then the activation, elementwise, in row
            // chunks over the cores for large outputs (the split changes
            // nothing); softmax, a row operation, afterwards
            let w = z.cols.max(1);
            let bias_act = |rows: &mut [f64]| bias_and_activation(rows, w, &l.b, act);
            let chunk = w * 1024;
            if z.data.len() >= 2 * chunk {
                z.data.par_chunks_mut(chunk).for_each(bias_act);
            } else {
                bias_act(&mut z.data);
            }
            if act == Act::Softmax {
                softmax_rows(&mut z);
            }
            a = z;
        }
        a
    }

    /// [`Mlp::forward`] for many rows: blocks of [`ROW_BLOCK`] rows, on all
    /// cores, each carried through every layer while it is in cache (the
    /// layer-by-layer order wrote and read each hidden layer for all rows
    /// through memory), in two buffers per thread reused block after block.
    /// Each block's products are the rows of the whole products
    /// ([`Blas::matmul_t_rows_into`]), the intercept and a relu are added
    /// as the product is stored, and the rest is elementwise or per row, so
    /// the values are the same bit for bit. None if a product cannot be
    /// split (checked by the caller first).
    fn forward_by_rows(&self, x: &Mat) -> Option<Mat> {
        let (n, d) = (x.rows, x.cols.max(1));
        let last = self.layers.len() - 1;
        let width = self.layers[last].w.rows;
        let widest = self.layers.iter().map(|l| l.w.rows).max().unwrap_or(1);
        let mut out = Mat::zeros(n, width);
        let failed = AtomicBool::new(false);
        crate::par::for_chunks_mut(
            &mut out.data,
            ROW_BLOCK * width,
            || (vec![0.0; ROW_BLOCK * widest], vec![0.0; ROW_BLOCK * widest]),
            |(cur, next), b, o| {
                let from = (b * ROW_BLOCK * d).min(x.data.len());
                let xb = &x.data[from..(from + ROW_BLOCK * d).min(x.data.len())];
                if self
                    .block_by_rows((xb, d), (n, b * ROW_BLOCK), (cur, next), o)
                    .is_none()
                {
                    failed.store(true, Ordering::Relaxed);
                }
            },
        );
        (!failed.into_inner()).then_some(out)
    }

    /// One block of [`Mlp::forward_by_rows`]: `xb`'s rows of `d` values
    /// (starting at row `at.1` of `at.0`) through every layer into `o`. None if a product
    /// cannot be split.
    fn block_by_rows(
        &self,
        (xb, d): (&[f64], usize),
        at: (usize, usize),
        (cur, next): (&mut Vec<f64>, &mut Vec<f64>),
        o: &mut [f64],
    ) -> Option<()> {
        let last = self.layers.len() - 1;
        let rows = xb.len() / d.max(1);
        for (k, l) in self.layers.iter().enumerate() {
            let act = if k == last { self.out } else { self.hidden };
            let (post, rest) = fused(act, &l.b);
            let src = match k.checked_sub(1) {
                None => xb,
                Some(p) => cur.get(..rows * self.layers[p].w.rows)?,
            };
            let z: &mut [f64] = if k == last {
                &mut *o
            } else {
                next.get_mut(..rows * l.w.rows)?
            };
            let product = (&l.w, Some(&l.panel[..]));
            if !self
                .blas
                .matmul_t_rows_into(src, product, l.w_f, at, post, z)
            {
                return None;
            }
            let w = l.w.rows.max(1);
            if let Some(act) = rest {
                bias_and_activation(z, w, &l.b, act);
            }
            if act == Act::Softmax {
                z.chunks_exact_mut(w).for_each(softmax_row);
            }
            std::mem::swap(cur, next);
        }
        Some(())
    }

    fn proba(&self, x: &Mat) -> Mat {
        let y = self.forward(x);
        if y.cols != 1 {
            return y;
        }
        let mut p = Mat::zeros(y.rows, 2);
        for (i, &v) in y.data.iter().enumerate() {
            p.data[2 * i] = 1.0 - v;
            p.data[2 * i + 1] = v;
        }
        p
    }
}

/// What the product's store does for `act` ([`Post`]: the intercept, and
/// relu), and the pass left afterwards (`+= b` and `act`), if any.
fn fused(act: Act, b: &[f64]) -> (Post<'_>, Option<Act>) {
    match act {
        Act::Identity | Act::Softmax => (
            Post {
                bias: Some(b),
                relu: false,
            },
            None,
        ),
        Act::Relu => (
            Post {
                bias: Some(b),
                relu: true,
            },
            None,
        ),
        Act::Logistic | Act::Exp => (Post::default(), Some(act)),
    }
}

/// Rows of width `w`: `+= b`, then the elementwise activation.
#[inline(always)]
fn bias_and_activation_any(rows: &mut [f64], w: usize, b: &[f64], act: Act) {
    for row in rows.chunks_exact_mut(w.max(1)) {
        row.iter_mut().zip(b).for_each(|(o, b)| *o += b);
    }
    apply(act, rows);
}

wide_dispatch! {
    fn bias_and_activation(rows: &mut [f64], w: usize, b: &[f64], act: Act) = bias_and_activation_any;
}

/// The elementwise activations (softmax: see [`Mlp::forward`]).
#[inline(always)]
fn apply(a: Act, z: &mut [f64]) {
    match a {
        Act::Identity | Act::Softmax => {}
        Act::Logistic => {
            // expit, eight C-library exps at once (bit for bit the same)
            let mut c = z.chunks_exact_mut(8);
            for g in &mut c {
                let e = libm_exp::exp8(L8(std::array::from_fn(|u| -g[u])));
                g.iter_mut()
                    .zip(e.0)
                    .for_each(|(v, e)| *v = 1.0 / (1.0 + e));
            }
            c.into_remainder().iter_mut().for_each(|v| *v = expit(*v));
        }
        // np.maximum(X, 0): NaN propagates, -0.0 stays (0 is not greater)
        // (a select, not a branch: signs are random, so a branch mispredicts)
        Act::Relu => z
            .iter_mut()
            .for_each(|v| *v = if *v < 0.0 { 0.0 } else { *v }),
        Act::Exp => z.iter_mut().for_each(|v| *v = np_exp(*v)),
    }
}

impl Estimator for Mlp {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        self.classes.as_ref()
    }
    fn exactness(&self, _m: Method) -> Exactness {
        self.layers
            .iter()
            .fold(Exactness::Bitwise, |e, l| e.and(self.blas.exactness(l.w_f)))
    }
    fn batchable(&self) -> bool {
        false
    }
    fn supports(&self, m: Method) -> bool {
        match m {
            Method::Predict => true,
            Method::PredictProba | Method::PredictLogProba => self.classes.is_some(),
            _ => false,
        }
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        let x = dense_in(&self.info, x, false)?;
        Ok(match (m, &self.classes) {
            (Method::Predict, None) => {
                let y = self.forward(&x);
                if y.cols == 1 {
                    Output::Vector(y.data)
                } else {
                    Output::Matrix(y)
                }
            }
            (Method::Predict, Some(c)) => {
                let y = self.forward(&x);
                let idx: Vec<usize> = (0..y.rows)
                    .map(|i| {
                        if y.cols == 1 {
                            usize::from(y.data[i] > 0.5)
                        } else {
                            npsum::argmax(y.row(i))
                        }
                    })
                    .collect();
                Output::Labels(c.take(&idx))
            }
            (Method::PredictProba, _) => Output::Matrix(self.proba(&x)),
            _ => Output::Matrix(log_mat(self.proba(&x))),
        })
    }
}

/// The implementation of `est` when this module has it.
pub fn build(_ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Estimator>>> {
    if !est.class.module.starts_with("sklearn.") {
        return None;
    }
    match est.name() {
        "MLPClassifier" | "MLPRegressor" => Some(boxed(Mlp::read(est, path))),
        _ => None,
    }
}
