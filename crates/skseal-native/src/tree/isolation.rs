//! IsolationForest.

use super::*;
use crate::access::Obj;
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{malformed, Result};
use crate::estimator::{check_width, Estimator, Info};
use crate::npmath;

/// IsolationForest: `score_samples`, `decision_function`, `predict`.
///
/// Depths are summed in tree order as scikit-learn does
/// (`depths += path_length[leaf] + avg_path_length[leaf] - 1.0`), then the
/// score is `-(2 ** -(depths / denominator))` with numpy's own `power`
/// ([`npmath::np_pow`]): bitwise equal.
pub struct IsolationForest {
    info: Info,
    trees: Vec<Tree>,
    /// per tree: the feature columns it was fitted on (None: all)
    features: Vec<Option<Vec<usize>>>,
    /// per tree and node: decision path length + average path length - 1.0
    node_depth: Vec<Vec<f64>>,
    denominator: f64,
    offset: f64,
}

/// scikit-learn's `_average_path_length` for one leaf size.
fn average_path_length(n: f64) -> f64 {
    if n <= 1.0 {
        0.0
    } else if n == 2.0 {
        1.0
    } else {
        2.0 * (npmath::np_log(n - 1.0) + 0.577_215_664_901_532_9) - 2.0 * (n - 1.0) / n
    }
}

impl IsolationForest {
    pub fn read(est: &Obj<'_, '_>, path: &str) -> Result<IsolationForest> {
        let ctx = est.ctx;
        let info = Info::read(est, path)?;
        let nf = info
            .n_features
            .ok_or_else(|| malformed(path, "n_features_in_ missing"))?;
        let max_features = est.usize("_max_features", path)?;
        let max_samples = est.f64("_max_samples", path)?;
        let offset = est.f64("offset_", path)?;
        let list = ctx.seq(
            est.req("estimators_", path)?,
            &format!("{path}.estimators_"),
        )?;
        let feats = ctx.seq(
            est.req("estimators_features_", path)?,
            &format!("{path}.estimators_features_"),
        )?;
        let dpl = ctx.seq(
            est.req("_decision_path_lengths", path)?,
            &format!("{path}._decision_path_lengths"),
        )?;
        let apl = ctx.seq(
            est.req("_average_path_length_per_tree", path)?,
            &format!("{path}._average_path_length_per_tree"),
        )?;
        if list.is_empty()
            || feats.len() != list.len()
            || dpl.len() != list.len()
            || apl.len() != list.len()
        {
            return Err(malformed(path, "per-tree lists of different lengths"));
        }
        let subsample = max_features != nf;
        let mut trees = Vec::with_capacity(list.len());
        let mut features = Vec::with_capacity(list.len());
        let mut node_depth = Vec::with_capacity(list.len());
        for k in 0..list.len() {
            let p = format!("{path}.estimators_[{k}]");
            let f = ctx
                .arr_i64(feats[k], &format!("{path}.estimators_features_[{k}]"))?
                .data;
            if f.iter().any(|&j| j < 0 || j as usize >= nf) {
                return Err(malformed(&p, "feature index out of range"));
            }
            let width = if subsample { f.len() } else { nf };
            let t = Tree::read(ctx, &ctx.obj(list[k], &p)?, width, &p)?;
            let d = ctx
                .arr_f64(dpl[k], &format!("{path}._decision_path_lengths[{k}]"))?
                .data;
            let a = ctx
                .arr_f64(
                    apl[k],
                    &format!("{path}._average_path_length_per_tree[{k}]"),
                )?
                .data;
            if d.len() != t.nodes.len() || a.len() != t.nodes.len() {
                return Err(malformed(&p, "path lengths do not match the nodes"));
            }
            node_depth.push(d.iter().zip(&a).map(|(x, y)| x + y - 1.0).collect());
            features.push(subsample.then(|| f.iter().map(|&j| j as usize).collect()));
            trees.push(t);
        }
        let denominator = list.len() as f64 * average_path_length(max_samples);
        Ok(IsolationForest {
            info,
            trees,
            features,
            node_depth,
            denominator,
            offset,
        })
    }

    fn scores(&self, x: &Mat) -> Vec<f64> {
        let mut depths = vec![0.0f64; x.rows];
        let cols = x.cols;
        let nan = x.data.iter().any(|v| v.is_nan());
        with_f32(x, |xf| {
            let mut sub = Vec::new();
            with_leaves(x.rows, |leaves| {
                for ((t, f), nd) in self.trees.iter().zip(&self.features).zip(&self.node_depth) {
                    match f {
                        None => t.leaves(xf, cols, nan, leaves),
                        Some(idx) => {
                            sub.clear();
                            for row in xf.chunks_exact(cols.max(1)).take(x.rows) {
                                sub.extend(
                                    idx.iter().map(|&j| row.get(j).copied().unwrap_or(f32::NAN)),
                                );
                            }
                            t.leaves(&sub, idx.len(), nan, leaves);
                        }
                    }
                    for (d, &leaf) in depths.iter_mut().zip(leaves.iter()) {
                        *d += nd.get(leaf as usize).copied().unwrap_or(0.0);
                    }
                }
            });
        });
        depths
            .into_iter()
            .map(|d| {
                let r = if self.denominator != 0.0 {
                    d / self.denominator
                } else {
                    1.0
                };
                -npmath::np_pow(2.0, -r)
            })
            .collect()
    }
}

impl Estimator for IsolationForest {
    fn info(&self) -> &Info {
        &self.info
    }
    fn supports(&self, m: Method) -> bool {
        matches!(
            m,
            Method::Predict | Method::ScoreSamples | Method::DecisionFunction
        )
    }
    fn take_sparse(&mut self) -> bool {
        // `tree.apply` on CSR (`_apply_sparse_csr`) reads a row's stored
        // values, as float32, and 0 elsewhere: the dense walk of the same
        // numbers
        true
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if let Data::Csr(c) = x {
            crate::estimator::check_cols(&self.info, c.cols)?;
            // the dense walk sends NaN by `missing_go_to_left`, the sparse
            // one right: refused rather than guessed
            for i in 0..c.rows {
                let (idx, val) = c.row(i);
                if let Some((&j, _)) = idx.iter().zip(val).find(|(_, v)| v.is_nan()) {
                    return Err(crate::error::input(format!(
                        "row {i}, column {j}: NaN in a sparse matrix, which {} computes \
                         otherwise than in a dense one; give a dense array",
                        self.info.class
                    )));
                }
            }
            return c.dense_chunks(|d| self.run_dense(m, &d));
        }
        let x = x.into_dense(&self.info.class)?;
        self.run_dense(m, &x)
    }
}

impl IsolationForest {
    fn run_dense(&self, m: Method, x: &Mat) -> Result<Output> {
        check_width(&self.info, x)?;
        let s = self.scores(x);
        Ok(match m {
            Method::ScoreSamples => Output::Vector(s),
            Method::DecisionFunction => {
                Output::Vector(s.into_iter().map(|v| v - self.offset).collect())
            }
            Method::Predict => Output::Labels(Labels::Int(
                s.into_iter()
                    .map(|v| if v - self.offset < 0.0 { -1 } else { 1 })
                    .collect(),
            )),
            _ => return Err(self.no_method(m)),
        })
    }
}
