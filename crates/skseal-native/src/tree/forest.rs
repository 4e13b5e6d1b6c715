//! Decision trees and random / extra-trees forests (`Forest`).

use super::*;
use crate::access::Obj;
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{malformed, Result};
use crate::estimator::{check_width, Estimator, Info};
use crate::kernels::{argmax_labels, log_mat};
use rayon::prelude::*;

/// DecisionTree*/ExtraTree*, RandomForest*/ExtraTrees*: one or more trees
/// averaged.
pub struct Forest {
    info: Info,
    trees: Vec<Tree>,
    /// `classes_` for classifiers with one output.
    classes: Option<Labels>,
    /// `classes_[k]` per output for classifiers with several (each node
    /// holds n_outputs x max_n_classes fractions); empty otherwise.
    outputs: Vec<Labels>,
    /// True for a single tree estimator (no averaging).
    single: bool,
    /// Regressors: `n_outputs_` (each node holds one value per output).
    n_outputs: usize,
    /// Some tree's nodes lie in a mapped file (walked with bounds).
    mapped: bool,
    allow_nan: bool,
}

impl Forest {
    pub fn read(est: &Obj<'_, '_>, path: &str) -> Result<Forest> {
        let ctx = est.ctx;
        let info = Info::read(est, path)?;
        let is_clf = est.name().ends_with("Classifier");
        let n_outputs = n_outputs(est, path)?;
        let nf = info
            .n_features
            .ok_or_else(|| malformed(path, "n_features_in_ missing"))?;
        let name = est.name();
        let single = name.starts_with("DecisionTree")
            || name.starts_with("ExtraTree") && !name.starts_with("ExtraTrees");
        let (mut trees, first) = if single {
            (vec![Tree::read(ctx, est, nf, path)?], *est)
        } else {
            let list = ctx.seq(
                est.req("estimators_", path)?,
                &format!("{path}.estimators_"),
            )?;
            if list.is_empty() {
                return Err(malformed(path, "estimators_ is empty"));
            }
            // Trees are read on all cores (each is independent); the first
            // error in estimator order is the one reported.
            let trees = list
                .par_iter()
                .enumerate()
                .map(|(k, &t)| {
                    let p = format!("{path}.estimators_[{k}]");
                    let o = ctx.obj(t, &p)?;
                    Tree::read(ctx, &o, nf, &p)
                })
                .collect::<Vec<Result<Tree>>>()
                .into_iter()
                .collect::<Result<Vec<Tree>>>()?;
            (trees, ctx.obj(list[0], &format!("{path}.estimators_[0]"))?)
        };
        let multi = is_clf && n_outputs > 1;
        if is_clf && stores_counts(est, path)? {
            if multi {
                return Err(crate::estimator::unsupported(
                    format!(
                        "{} with {n_outputs} outputs saved by scikit-learn < 1.4",
                        est.class
                    ),
                    path,
                    "Its trees hold class counts per output; native inference reads the \
                     fractions scikit-learn 1.4 and later store. Load it with skseal.load.",
                ));
            }
            for t in &mut trees {
                t.normalize_counts();
            }
        }
        let outputs = if multi {
            multi_output_classes(est, &trees, n_outputs, path)?
        } else {
            Vec::new()
        };
        let classes = if multi {
            None
        } else if is_clf {
            let c = est.labels("classes_", path)?;
            for t in &trees {
                if t.max_n_classes < c.len() {
                    return Err(malformed(
                        path,
                        "trees hold fewer class values than classes_",
                    ));
                }
            }
            Some(c)
        } else {
            for t in &trees {
                if t.max_n_classes != 1 || t.stride != n_outputs {
                    return Err(malformed(
                        path,
                        format!("a regression tree must hold {n_outputs} value(s) per node"),
                    ));
                }
            }
            None
        };
        // DecisionTree*: NaN allowed; ExtraTree*: only with splitter="random".
        let fname = first.name();
        let allow_nan = if fname.starts_with("ExtraTree") {
            first.opt_str("splitter", path)? == Some("random")
        } else {
            true
        };
        Ok(Forest {
            info,
            mapped: any_mapped(&trees),
            trees,
            classes,
            outputs,
            single,
            n_outputs,
            allow_nan,
        })
    }

    fn proba(&self, x: &Mat) -> Result<Mat> {
        // a classifier's class fractions (of every output when several), or
        // a regressor's outputs
        let k = match (&self.classes, self.trees.first()) {
            (Some(c), _) => c.len(),
            (None, Some(t)) if !self.outputs.is_empty() => t.stride,
            _ => self.n_outputs,
        };
        let clf = self.classes.is_some();
        fn pick(t: &Tree, leaf: usize, clf: bool) -> &[f64] {
            if clf {
                t.value(leaf)
            } else {
                t.node_values(leaf)
            }
        }
        let value = |t, leaf| pick(t, leaf, clf);
        let mut out = Mat::zeros(x.rows, k);
        if k == 0 {
            return Ok(out);
        }
        let cols = x.cols;
        let nan = x.data.iter().any(|v| v.is_nan());
        with_f32(x, |xf| {
            if x.rows == 1 && !self.single {
                // One row: several trees walked at once, added in tree order.
                const STACK: usize = 1024;
                let mut on_stack = [0u32; STACK];
                let mut on_heap = Vec::new();
                let all: &mut [u32] = if self.trees.len() <= STACK {
                    &mut on_stack[..self.trees.len()]
                } else {
                    on_heap.resize(self.trees.len(), 0);
                    &mut on_heap
                };
                walk_all(&self.trees, xf, nan, self.mapped, all);
                let o = out.row_mut(0);
                for (t, &leaf) in self.trees.iter().zip(all.iter()) {
                    for (a, b) in o.iter_mut().zip(value(t, leaf as usize)) {
                        *a += *b;
                    }
                }
            } else {
                // A block of rows tree by tree (the tree and the block stay in
                // cache), each row's sum in tree order: scikit-learn's
                // additions. A single tree's values are copied, not added.
                with_leaves(x.rows.min(BLOCK), |leaves| {
                    for r0 in (0..x.rows).step_by(BLOCK) {
                        let r1 = (r0 + BLOCK).min(x.rows);
                        let lv = &mut leaves[..r1 - r0];
                        let ob = &mut out.data[r0 * k..r1 * k];
                        for t in &self.trees {
                            t.leaves(&xf[r0 * cols..r1 * cols], cols, nan, lv);
                            for (o, &leaf) in ob.chunks_exact_mut(k).zip(lv.iter()) {
                                let v = value(t, leaf as usize);
                                if self.single {
                                    o.copy_from_slice(&v[..k]);
                                } else {
                                    for (a, b) in o.iter_mut().zip(v) {
                                        *a += *b;
                                    }
                                }
                            }
                        }
                    }
                });
            }
            if !self.single {
                let n = self.trees.len() as f64;
                for a in out.data.iter_mut() {
                    *a /= n;
                }
            }
        });
        Ok(out)
    }
}

/// Rows walked through every tree before the next rows.
const BLOCK: usize = 1024;

impl Estimator for Forest {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        self.classes.as_ref()
    }
    fn output_classes(&self) -> Vec<&Labels> {
        self.outputs.iter().collect()
    }
    fn supports(&self, m: Method) -> bool {
        match m {
            Method::Predict => true,
            Method::PredictProba | Method::PredictLogProba => {
                self.classes.is_some() || !self.outputs.is_empty()
            }
            _ => false,
        }
    }
    fn take_sparse(&mut self) -> bool {
        // `_apply_sparse_csr` reads a row's stored values and 0 elsewhere:
        // the dense walk of the same numbers
        true
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        match x {
            // trees route missing values for dense input only: scikit-learn
            // refuses NaN in a sparse matrix (`_support_missing_values`)
            Data::Csr(c) => {
                crate::estimator::check_cols(&self.info, c.cols)?;
                c.dense_chunks(|d| self.run_dense(m, d, false))
            }
            x => self.run_dense(m, x.into_dense(&self.info.class)?, self.allow_nan),
        }
    }
}

impl Forest {
    fn run_dense(&self, m: Method, x: Mat, allow_nan: bool) -> Result<Output> {
        check_width(&self.info, &x)?;
        check_f32(&x, allow_nan, &self.info.class)?;
        let p = self.proba(&x)?;
        if !self.outputs.is_empty() {
            return self.multi_output(m, &p);
        }
        match (m, &self.classes) {
            (Method::PredictProba, Some(_)) => Ok(Output::Matrix(p)),
            (Method::PredictLogProba, Some(_)) => Ok(Output::Matrix(log_mat(p))),
            (Method::Predict, Some(c)) => Ok(Output::Labels(argmax_labels(&p, c))),
            (Method::Predict, None) if self.n_outputs == 1 => Ok(Output::Vector(p.data)),
            (Method::Predict, None) => Ok(Output::Matrix(p)),
            _ => Err(self.no_method(m)),
        }
    }
}

impl Forest {
    /// A classifier with several outputs, from the n x (n_outputs x
    /// max_n_classes) averages: predict_proba is scikit-learn's list of
    /// `proba[:, k, :n_classes_[k]]` (log for predict_log_proba); predict
    /// takes `classes_[k]` at each output's first largest fraction, one
    /// column per output.
    fn multi_output(&self, m: Method, p: &Mat) -> Result<Output> {
        let per = p.cols / self.outputs.len().max(1);
        let part = |k: usize, nk: usize| {
            let mut out = Mat::zeros(p.rows, nk);
            for i in 0..p.rows {
                out.row_mut(i)
                    .copy_from_slice(&p.row(i)[k * per..k * per + nk]);
            }
            out
        };
        let parts = self
            .outputs
            .iter()
            .enumerate()
            .map(|(k, c)| (c, part(k, c.len())));
        match m {
            Method::PredictProba => Ok(Output::Matrices(parts.map(|(_, q)| q).collect())),
            Method::PredictLogProba => {
                Ok(Output::Matrices(parts.map(|(_, q)| log_mat(q)).collect()))
            }
            Method::Predict => Ok(Output::LabelColumns(
                parts.map(|(c, q)| argmax_labels(&q, c)).collect(),
            )),
            _ => Err(self.no_method(m)),
        }
    }
}

/// `classes_` of a classifier with `n` outputs (a list of arrays), checked
/// against its trees: each holds n x max_n_classes values per node, at
/// least as many classes as every output has, and every output's labels
/// are of one kind (scikit-learn's prediction takes the first output's
/// dtype).
fn multi_output_classes(
    est: &Obj<'_, '_>,
    trees: &[Tree],
    n: usize,
    path: &str,
) -> Result<Vec<Labels>> {
    let cp = format!("{path}.classes_");
    let items = est.ctx.seq(est.req("classes_", path)?, &cp)?;
    if items.len() != n {
        return Err(malformed(
            &cp,
            format!("{} arrays of classes for {n} outputs", items.len()),
        ));
    }
    let outputs = items
        .iter()
        .enumerate()
        .map(|(k, &id)| est.ctx.labels(id, &format!("{cp}[{k}]")))
        .collect::<Result<Vec<Labels>>>()?;
    crate::estimator::one_label_type(outputs.iter(), path)?;
    let widest = outputs.iter().map(Labels::len).max().unwrap_or(0);
    for t in trees {
        if t.stride != n * t.max_n_classes
            || t.max_n_classes < widest
            || t.stride != trees[0].stride
        {
            return Err(malformed(
                path,
                format!("a tree must hold {n} outputs x at least {widest} class values per node"),
            ));
        }
    }
    Ok(outputs)
}
