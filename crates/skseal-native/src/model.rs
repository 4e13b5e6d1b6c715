//! The model interface, the dispatch from a class name to its
//! implementation, and the checks every input gets.

use rayon::prelude::*;

use crate::access::{Ctx, Obj};
use crate::blas::Exactness;
use crate::data::{Column, Data, Labels, Mat, Method, Output, Table};
use crate::error::{input, NativeError, Result};
use crate::estimator::{Builders, Estimator, SPARSE_STEPS};
use crate::probe::{verdict, ProbeReport, Verdict};
use crate::{
    calibration, compose, discriminant, ensemble, frames, gaussian_process, gbm, linear, meta, mlp,
    naive_bayes, neighbors, preprocess, svm, tree,
};

/// What compositions build their steps with.
const BUILDERS: Builders = Builders {
    estimator: build,
    transformer,
};

/// The transformer at `est`: scikit-learn's (`preprocess`) or a
/// library's DataFrame transformer (`frames`).
fn transformer(
    est: &Obj<'_, '_>,
    path: &str,
) -> Option<Result<Box<dyn crate::estimator::Transformer>>> {
    preprocess::transformer(est, path)
        .or_else(|| linear::transformer(est, path))
        .or_else(|| frames::transformer(est, path))
}

/// Build the native implementation of the estimator at `id`.
pub fn build(ctx: &Ctx<'_>, id: skseal_core::ir::NodeId, path: &str) -> Result<Box<dyn Estimator>> {
    let est = ctx.obj(id, path)?;
    if let Some(r) = gbm::build(ctx, &est, path) {
        return r;
    }
    match (est.class.module.as_str(), est.name()) {
        // imbalanced-learn: a RandomForestClassifier whose trees were fitted
        // on resampled data; predict and predict_proba are the forest's
        ("imblearn.ensemble._forest", "BalancedRandomForestClassifier") => {
            return Ok(Box::new(tree::Forest::read(&est, path)?));
        }
        ("imblearn.pipeline", "Pipeline") => {
            if let Some(r) = compose::build(ctx, &est, path, BUILDERS) {
                return r;
            }
        }
        _ => {}
    }
    if let Some(r) = frames::build(&est, path) {
        return r;
    }
    if !est.class.module.starts_with("sklearn.") {
        return Err(unsupported(&est, path));
    }
    let b: Box<dyn Estimator> = match est.name() {
        "DecisionTreeClassifier"
        | "DecisionTreeRegressor"
        | "ExtraTreeClassifier"
        | "ExtraTreeRegressor"
        | "RandomForestClassifier"
        | "RandomForestRegressor"
        | "ExtraTreesClassifier"
        | "ExtraTreesRegressor" => Box::new(tree::Forest::read(&est, path)?),
        "GradientBoostingClassifier" | "GradientBoostingRegressor" => {
            Box::new(tree::GradientBoosting::read(&est, path)?)
        }
        "IsolationForest" => Box::new(tree::IsolationForest::read(&est, path)?),
        "HistGradientBoostingClassifier" | "HistGradientBoostingRegressor" => {
            let h = Box::new(tree::HistGradientBoosting::read(&est, path)?);
            match est.opt("_preprocessor").filter(|&p| !ctx.is_none(p)) {
                // categorical features: the fitted ColumnTransformer
                // (OrdinalEncoder, then the numerical columns as float64)
                Some(pre) => compose::preprocessed(ctx, pre, path, BUILDERS, h)?,
                None => h,
            }
        }
        _ => {
            if let Some(r) = linear::build(ctx, &est, path) {
                r?
            } else if let Some(r) = svm::build(ctx, &est, path) {
                r?
            } else if let Some(r) = naive_bayes::build(ctx, &est, path) {
                r?
            } else if let Some(r) = neighbors::build(ctx, &est, path) {
                r?
            } else if let Some(r) = discriminant::build(ctx, &est, path) {
                r?
            } else if let Some(r) = gaussian_process::build(ctx, &est, path) {
                r?
            } else if let Some(r) = mlp::build(ctx, &est, path) {
                r?
            } else if let Some(r) = preprocess::build(ctx, &est, path) {
                r?
            } else if let Some(r) = compose::build(ctx, &est, path, BUILDERS) {
                r?
            } else if let Some(r) = meta::build(ctx, &est, path, BUILDERS) {
                r?
            } else if let Some(r) = ensemble::build(ctx, &est, path, BUILDERS) {
                r?
            } else if let Some(r) = calibration::build(ctx, &est, path, BUILDERS) {
                r?
            } else {
                return Err(unsupported(&est, path));
            }
        }
    };
    Ok(b)
}

fn unsupported(est: &Obj<'_, '_>, path: &str) -> NativeError {
    NativeError::Unsupported {
        what: format!("{}", est.class),
        path: path.into(),
        hint: "Native inference implements trees and tree ensembles, linear models, kernel SVMs, \
               MLPs, k-nearest neighbours, the common preprocessing steps, Pipeline, ColumnTransformer and FeatureUnion \
               (docs/NATIVE.md lists them); load this model with skseal.load to use scikit-learn."
            .into(),
    }
}

/// Rows per parallel batch; below two batches everything runs on the calling thread.
const BATCH: usize = 1024;
/// Rows per batch of 1-D text (documents): each is a dense rows x
/// vocabulary block after the vectorizer.
const TEXT_BATCH: usize = 32;

/// A loaded native model: the root estimator plus input checks and batching.
pub struct Model {
    root: Box<dyn Estimator>,
    blas: crate::blas::Blas,
    /// The file's probe, when it has one (or why it cannot be read natively).
    probe: Option<std::result::Result<crate::probe::Probe, String>>,
    /// Given scipy CSR matrices, computed as scikit-learn computes on them
    /// ([`Model::take_sparse`]); dense input is then refused.
    sparse: bool,
}

impl Model {
    pub fn from_graph(ctx: &Ctx<'_>) -> Result<Model> {
        Ok(Model {
            root: build(ctx, ctx.g.root, "model")?,
            blas: ctx.blas.clone(),
            probe: ctx.g.probe.map(|p| crate::probe::read(ctx, p)),
            sparse: false,
        })
    }
    /// Make the model take scipy CSR matrices (a model fitted on sparse
    /// input, such as a classifier after a vectorizer that is not part of
    /// it) and compute on them as scikit-learn does: scipy's CSR products,
    /// CSR kept between steps. Refused, naming the root, when a step would
    /// compute differently on CSR (or not take it at all). Such a model is
    /// then given CSR only: the same numbers as a dense matrix take other
    /// arithmetic in scikit-learn.
    pub fn take_sparse(&mut self) -> Result<()> {
        if !self.sparse && !self.root.take_sparse() {
            return Err(crate::estimator::unsupported(
                format!("{} given a sparse matrix", self.class()),
                "model",
                &format!(
                    "Native inference takes sparse input for {SPARSE_STEPS}; load without \
                     sparse=True and give a dense array, or use skseal.load."
                ),
            ));
        }
        self.sparse = true;
        Ok(())
    }
    /// Whether the model was made to take CSR input ([`Model::take_sparse`]).
    pub fn sparse(&self) -> bool {
        self.sparse
    }
    pub fn class(&self) -> &str {
        &self.root.info().class
    }
    pub fn classes(&self) -> Option<&Labels> {
        self.root.classes()
    }
    /// A classifier with several outputs: `classes_` per output (else empty).
    pub fn output_classes(&self) -> Vec<&Labels> {
        self.root.output_classes()
    }
    pub fn n_features_in(&self) -> Option<usize> {
        self.root.info().n_features
    }
    pub fn feature_names_in(&self) -> Option<&[String]> {
        self.root.info().feature_names.as_deref()
    }
    /// Which input columns the model takes as strings, as its fitted state
    /// tells ([`Estimator::text_inputs`]): one flag per column of a table,
    /// or `[true]` for a text pipeline's one column of documents; None when
    /// it takes numbers only or cannot tell.
    pub fn text_inputs(&self) -> Option<Vec<bool>> {
        self.root.text_inputs()
    }
    /// A table read from text (CSV, JSON lines) as the model takes it, the
    /// one rule of `skseal predict` and the card's evaluation. `named`: the
    /// column names came from the input (a header), not from positions.
    /// - A model fitted with feature names, given a table without names:
    ///   the model's names, when the widths agree (else an error naming them).
    /// - A model fitted without feature names (on a numpy array), given
    ///   numbers only: the columns by position, as scikit-learn does, as a
    ///   dense matrix; the second value is a warning when the table named
    ///   its columns (not pandas' default `0, 1, ...`), since those names
    ///   are not checked against anything.
    /// - One column of strings for a model without `n_features_in_` (a
    ///   Pipeline starting with a text vectorizer): the documents, as
    ///   [`crate::data::TEXT_INPUT`].
    /// - Anything else (named columns for a model with names, a column of
    ///   strings): the table as is.
    pub fn take_table(&self, mut t: Table, named: bool) -> Result<(Data, Option<String>)> {
        if let Some(want) = self.feature_names_in() {
            if named {
                return Ok((Data::Table(t), None));
            }
            if want.len() != t.names.len() {
                return Err(NativeError::Input(format!(
                    "the input has no column names and {} columns; the model expects {} \
                     named columns ({})",
                    t.names.len(),
                    want.len(),
                    want.join(", ")
                )));
            }
            t.names = want.to_vec();
            return Ok((Data::Table(t), None));
        }
        let numeric = t.columns.iter().all(|c| matches!(c, Column::F64(_)));
        if let ([c], None) = (t.columns.as_mut_slice(), self.n_features_in()) {
            if let Column::Codes(codes) = c {
                *c = Column::Str(codes.to_strings());
            }
        }
        if let ([Column::Str(_)], None) = (t.columns.as_slice(), self.n_features_in()) {
            // one column of text for a model that counts no input features
            // (a Pipeline starting with a text vectorizer): its documents
            t.names = vec![crate::data::TEXT_INPUT.to_string()];
            return Ok((Data::Table(t), None));
        }
        if !numeric {
            return Ok((Data::Table(t), None));
        }
        let warning = (named && !crate::input::positional_names(&t.names)).then(|| {
            format!(
                "{} was fitted without feature names, so the input's columns are used by \
                 position, not by name: {}",
                self.class(),
                t.names.join(", ")
            )
        });
        Ok((
            Data::Dense(Data::Table(t).into_dense("the model")?),
            warning,
        ))
    }
    pub fn supports(&self, m: Method) -> bool {
        self.root.supports(m)
    }
    /// The probe stored in the file, as read natively.
    pub fn probe(&self) -> Option<&std::result::Result<crate::probe::Probe, String>> {
        self.probe.as_ref()
    }
    /// The OpenBLAS core and thread count whose results this model reproduces.
    pub fn blas(&self) -> &crate::blas::Blas {
        &self.blas
    }
    /// Whether method `m` gives scikit-learn's bits on this machine.
    pub fn exactness(&self, m: Method) -> Exactness {
        self.root.exactness(m)
    }
    /// Whether every row's result is independent of the other rows computed
    /// with it, bit for bit: true for per-row computations (tree walks,
    /// element-wise preprocessing, scipy's per-row CSR products), false
    /// wherever numpy's BLAS chooses its blocking and summation order from
    /// the whole matrix (dense linear models, MLPs, PCA, k-means, kernels of
    /// matrix products) or a reduction spans rows. `skseal serve` stacks
    /// concurrent requests into one computation only for such models, and
    /// [`Model::run`] splits large inputs into parallel batches only for them.
    pub fn batchable(&self) -> bool {
        self.root.batchable()
    }
    pub fn methods(&self) -> Vec<Method> {
        Method::ALL
            .into_iter()
            .filter(|&m| self.supports(m))
            .collect()
    }

    /// Check a table's columns against `feature_names_in_`: every name the
    /// model was fitted on must be there; extra columns are an error, as in
    /// scikit-learn. Columns are reordered to the fitted order.
    fn align(&self, x: Data) -> Result<Data> {
        // 1-D text is for models that count no input features (text
        // pipelines); scikit-learn refuses 1-D input elsewhere
        if let (Data::Table(t), Some(_)) = (&x, self.n_features_in()) {
            if t.names.len() == 1 && t.names[0] == crate::data::TEXT_INPUT {
                return Err(input(format!(
                    "Expected a 2-D array, got a 1-D list of strings; {} takes a table \
                     (reshape a single column with x.reshape(-1, 1))",
                    self.class()
                )));
            }
        }
        let (Some(want), Data::Table(t)) = (self.feature_names_in(), &x) else {
            if let (Some(n), Data::Table(t)) = (self.n_features_in(), &x) {
                if t.columns.len() != n {
                    return Err(input(format!(
                        "the input has {} columns, but {} is expecting {n}",
                        t.columns.len(),
                        self.class()
                    )));
                }
            }
            return Ok(x);
        };
        let missing: Vec<&str> = want
            .iter()
            .filter(|n| t.position(n).is_none())
            .map(String::as_str)
            .collect();
        let extra: Vec<&str> = t
            .names
            .iter()
            .filter(|n| !want.contains(n))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() || !extra.is_empty() {
            return Err(input(format!(
                "the column names do not match those the model was fitted with; missing: [{}], unexpected: [{}]",
                missing.join(", "),
                extra.join(", ")
            )));
        }
        if t.names.as_slice() == want {
            return Ok(x);
        }
        let Data::Table(t) = x else { return Ok(x) };
        let mut cols = Vec::with_capacity(want.len());
        let mut names = Vec::with_capacity(want.len());
        for n in want {
            if let Some(p) = t.position(n) {
                cols.push(t.columns[p].clone());
                names.push(n.clone());
            }
        }
        Ok(Data::Table(crate::data::Table::new(names, cols)?))
    }

    /// Compute method `m`; large inputs are split into batches run on all cores.
    pub fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.root.no_method(m));
        }
        let x = self.align(x)?;
        match (&x, self.sparse) {
            (Data::Csr(_), false) => {
                return Err(input(format!(
                    "{} was loaded for dense input and was given a sparse matrix; \
                     load it with sparse=True to compute as scikit-learn does on sparse input, \
                     or give X.toarray()",
                    self.class()
                )))
            }
            (Data::Csr(_), true) | (_, false) => {}
            (_, true) => {
                return Err(input(format!(
                    "{} was loaded with sparse=True and takes a scipy sparse matrix only \
                     (scikit-learn computes a dense array differently); give \
                     scipy.sparse.csr_matrix(X), or load it without sparse=True",
                    self.class()
                )))
            }
        }
        let n = x.rows();
        // Tables with string columns run in one piece: splitting them would
        // copy every string, which costs more than the parallel part saves.
        // 1-D text is the exception, in small batches whatever its size: a
        // vectorizer's dense output takes rows x vocabulary floats.
        let text = matches!(&x, Data::Table(t) if t.names.len() == 1 && t.names[0] == crate::data::TEXT_INPUT);
        let strings =
            !text && matches!(&x, Data::Table(t) if t.columns.iter().any(Column::is_text));
        let batch = if text { TEXT_BATCH } else { BATCH };
        if n <= batch || (!text && n < 2 * BATCH) || strings || !self.root.batchable() {
            return self.root.run(m, x);
        }
        let starts: Vec<usize> = (0..n).step_by(batch).collect();
        let parts = starts
            .par_iter()
            .map(|&s| {
                let rows: Vec<usize> = (s..(s + batch).min(n)).collect();
                self.root.run(m, x.take_rows(&rows))
            })
            .collect::<Result<Vec<Output>>>()?;
        Output::concat(parts).ok_or_else(|| input("batches gave results of different shapes"))
    }

    /// The dense, one-row fast path (no batching).
    pub fn run_dense(&self, m: Method, x: Mat) -> Result<Output> {
        if x.rows < 2 * BATCH && !self.sparse {
            if !self.supports(m) {
                return Err(self.root.no_method(m));
            }
            return self.root.run(m, Data::Dense(x));
        }
        self.run(m, Data::Dense(x))
    }
}

impl Model {
    /// Re-run the file's probe natively: every recorded method this model
    /// has, compared bitwise (or within the bound where the model only
    /// claims the bound).
    pub fn check_probe(&self) -> ProbeReport {
        let probe = match self.probe() {
            None => return ProbeReport::Absent,
            Some(Err(why)) => return ProbeReport::NotChecked(why.clone()),
            Some(Ok(p)) => p,
        };
        // scikit-learn computed the probe's outputs on dense or sparse rows:
        // they are checked on a model loaded for the same kind of input
        match (self.sparse, matches!(probe.input, Data::Csr(_))) {
            (true, false) => {
                return ProbeReport::NotChecked(
                    "the probe's rows are dense and this model was loaded for sparse input".into(),
                )
            }
            (false, true) => {
                return ProbeReport::NotChecked(
                    "the probe's rows are a sparse matrix: load the model with sparse=True to \
                     check them"
                        .into(),
                )
            }
            _ => {}
        }
        let mut out = Vec::new();
        for (m, want) in &probe.outputs {
            if !self.supports(*m) {
                continue;
            }
            let v = match self.run(*m, probe.input.clone()) {
                Ok(got) => verdict(&got, want, &self.exactness(*m)),
                Err(e) => Verdict::Failed(e.to_string()),
            };
            out.push((*m, v));
        }
        if out.is_empty() {
            return ProbeReport::NotChecked("no recorded method that native inference has".into());
        }
        ProbeReport::Checked(out)
    }
}
