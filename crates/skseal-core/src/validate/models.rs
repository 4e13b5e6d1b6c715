//! Invariants of allowed estimators whose fitted state feeds compiled code
//! (Cython, libsvm, scipy's C): widths and counts that the compiled loops
//! trust. Each check names the scikit-learn code that relies on it; the table
//! is in docs/SECURITY.md ("Compiled-code invariants").

use super::{collect_objects, effective_class, state_of, V};
use crate::error::ValidationError;
use crate::ir::{GlobalName, Node, NodeId};

/// Attributes whose dict is passed as keyword arguments to a held callable
/// (`FunctionTransformer.kw_args`, a scorer's `_kwargs`, `metric_params`,
/// `kernel_params`). numpy references write into `out=`; none may be given.
const KWARG_ATTRS: &[&str] = &[
    "kw_args",
    "inv_kw_args",
    "_kwargs",
    "kwargs",
    "metric_params",
    "kernel_params",
];

/// Keyword arguments that make an allowed numpy reference write into an
/// array of the file (a validated index array, after validation).
const WRITING_KWARGS: &[&str] = &["out"];

impl V<'_, '_> {
    fn opt_int(&self, st: NodeId, key: &str) -> Option<i64> {
        self.g.dict_get(st, key).and_then(|x| self.g.as_int(x))
    }

    fn shape_of(
        &self,
        st: NodeId,
        key: &str,
        ctx: &str,
    ) -> Result<Option<Vec<u64>>, ValidationError> {
        match self.g.dict_get(st, key) {
            None => Ok(None),
            Some(id) => match self.g.node(id) {
                Some(Node::None) => Ok(None),
                Some(Node::ObjectArray { shape, .. }) => Ok(Some(shape.clone())),
                _ => Ok(Some(self.array(id, ctx, key)?.shape.to_vec())),
            },
        }
    }

    /// Every invariant of `class` on its state `st`.
    pub(super) fn model_invariants(
        &self,
        id: NodeId,
        class: &GlobalName,
        st: NodeId,
    ) -> Result<(), ValidationError> {
        let ctx = format!("{} (node {id})", class.dotted());
        let ctx = ctx.as_str();
        self.kwargs(st, ctx)?;
        let (m, n) = (class.module.as_str(), class.name.as_str());
        match m {
            "sklearn.ensemble._gb" => self.gradient_boosting(st, ctx),
            "sklearn.svm._classes"
                if matches!(n, "SVC" | "NuSVC" | "SVR" | "NuSVR" | "OneClassSVM") =>
            {
                self.libsvm(st, matches!(n, "SVC" | "NuSVC"), ctx)
            }
            "sklearn.cluster._kmeans" | "sklearn.cluster._bisect_k_means"
                if matches!(n, "KMeans" | "MiniBatchKMeans" | "BisectingKMeans") =>
            {
                self.kmeans(st, ctx)
            }
            "scipy.interpolate._bsplines" if n == "BSpline" => self.bspline(st, ctx),
            "uuid" if n == "UUID" => self.uuid(st, ctx),
            _ if m.starts_with("sklearn.ensemble._hist_gradient_boosting.gradient_boosting") => {
                self.hgb_widths(st, ctx)
            }
            _ => Ok(()),
        }
    }

    /// No `out=` in keyword arguments passed to held callables.
    fn kwargs(&self, st: NodeId, ctx: &str) -> Result<(), ValidationError> {
        for attr in KWARG_ATTRS {
            let Some(d) = self.g.dict_get(st, attr) else {
                continue;
            };
            // a dict, or a dict subclass (OrderedDict, Bunch) whose items
            // `**` unpacks; keys may be str or numpy.str_
            let keys: Vec<NodeId> = match self.g.node(d) {
                Some(Node::Dict(kv)) => kv.iter().map(|&(k, _)| k).collect(),
                Some(Node::Object { items, .. }) => items.iter().map(|&(k, _)| k).collect(),
                _ => Vec::new(),
            };
            let names: Vec<String> = keys
                .iter()
                .filter_map(|&k| super::state::key_text(self.g, k))
                .collect();
            for w in WRITING_KWARGS {
                if names.iter().any(|n| n == w) {
                    return Err(self.err(
                        ctx,
                        format!(
                            "{attr} passes {w:?}: numpy functions write their result into it, \
                             which would overwrite arrays of the model after validation; \
                             remove {w:?} from {attr}"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// `_gb.predict_stages` adds `estimators_[i, k]` into `raw_predictions[:, k]`
    /// for k < estimators_.shape[1], without bounds checks; `raw_predictions`
    /// has the width of `init_`'s output (`_init_raw_predictions`).
    fn gradient_boosting(&self, st: NodeId, ctx: &str) -> Result<(), ValidationError> {
        let Some(shape) = self.shape_of(st, "estimators_", ctx)? else {
            return Ok(()); // not fitted
        };
        // scikit-learn < 1.4 has no n_trees_per_iteration_: one tree per stage
        // for regressors and binary classifiers, one per class otherwise
        let k = match self.opt_int(st, "n_trees_per_iteration_") {
            Some(k) => k,
            None => match self.opt_int(st, "n_classes_") {
                Some(nc) if nc > 2 => nc,
                _ => 1,
            },
        };
        if shape.len() != 2 || shape[1] as i64 != k || k < 1 {
            return Err(self.err(
                ctx,
                format!("estimators_ has shape {shape:?} but n_trees_per_iteration_ is {k}; expected (n_stages, {k})"),
            ));
        }
        let n_classes = self.opt_int(st, "n_classes_");
        if let Some(nc) = n_classes {
            let want = if nc == 2 { 1 } else { nc };
            if nc < 2 || k != want {
                return Err(self.err(
                    ctx,
                    format!("n_classes_ is {nc}, which needs {want} trees per stage, but n_trees_per_iteration_ is {k}"),
                ));
            }
            if let Some(c) = self.shape_of(st, "classes_", ctx)? {
                if c != [nc as u64] {
                    return Err(self.err(
                        ctx,
                        format!("classes_ has shape {c:?} but n_classes_ is {nc}"),
                    ));
                }
            }
        }
        // the loss: multinomial exactly when K > 1, with K classes
        if let Some(loss) = self.g.dict_get(st, "_loss").and_then(|l| self.g.node(l)) {
            if let (Some(c), Some(lst)) = (effective_class(self.g, loss), state_of(loss)) {
                let multi = c.name.contains("Multinomial");
                if multi != (k > 1) {
                    return Err(self.err(
                        ctx,
                        format!("_loss is {} but there are {k} trees per stage", c.name),
                    ));
                }
                if let (Some(ln), true) = (self.opt_int(lst, "n_classes"), multi) {
                    if ln != k {
                        return Err(self.err(ctx, format!("_loss.n_classes is {ln}, expected {k}")));
                    }
                }
            }
        }
        // init_: its output width is the width of raw_predictions
        if let Some(init) = self.g.dict_get(st, "init_").and_then(|i| self.g.node(i)) {
            if let Some(ist) = state_of(init) {
                if let (Some(nc), Some(c)) = (n_classes, self.shape_of(ist, "classes_", ctx)?) {
                    if c != [nc as u64] {
                        return Err(self.err(
                            ctx,
                            format!("init_.classes_ has shape {c:?}: its predict_proba gives a width other than n_classes_ {nc} (predict_stages would write past raw_predictions)"),
                        ));
                    }
                }
                if let Some(no) = self.opt_int(ist, "n_outputs_") {
                    if no != 1 {
                        return Err(self.err(
                            ctx,
                            format!("init_.n_outputs_ is {no}; gradient boosting needs one output per sample"),
                        ));
                    }
                }
                if let Some(cs) = self.shape_of(ist, "coef_", ctx)? {
                    if n_classes.is_none() && cs.len() != 1 {
                        return Err(self.err(ctx, format!("init_.coef_ has shape {cs:?}: its predict gives more than one column")));
                    }
                }
            } else if !matches!(init, Node::Str(s) if s == "zero") {
                return Err(self.err(ctx, "init_ must be an estimator or \"zero\""));
            }
        }
        Ok(())
    }

    /// libsvm (`_libsvm.predict`, `decision_function`, `predict_proba`) copies
    /// `support_vectors_`, `_dual_coef_`, `_intercept_`, `_n_support`,
    /// `_probA`/`_probB` into its model struct and reads them by the counts it
    /// derives (CVE-2020-28975 is the `_n_support` variant).
    fn libsvm(&self, st: NodeId, classifier: bool, ctx: &str) -> Result<(), ValidationError> {
        let Some(support) = self.shape_of(st, "support_", ctx)? else {
            return Ok(());
        };
        let [n_sv] = support[..] else {
            return Err(self.err(ctx, format!("support_ has shape {support:?}, expected 1-D")));
        };
        let nf = self.opt_int(st, "n_features_in_");
        match self
            .g
            .dict_get(st, "support_vectors_")
            .and_then(|x| self.g.node(x))
        {
            Some(Node::Array(_)) => {
                let sv = self
                    .shape_of(st, "support_vectors_", ctx)?
                    .unwrap_or_default();
                let kernel_pre = matches!(
                    self.g.dict_get(st, "kernel").and_then(|x| self.g.node(x)),
                    Some(Node::Str(s)) if s == "precomputed"
                );
                if kernel_pre {
                    // the kernel row of a sample has n_features_in_ = n_train
                    // entries, read at the indices support_ holds
                    let nf = nf.ok_or_else(|| {
                        self.err(ctx, "precomputed kernel without n_features_in_")
                    })?;
                    let sup = self.array(self.get(st, "support_", ctx)?, ctx, "support_")?;
                    for i in 0..n_sv {
                        let x = sup
                            .int_at(i)
                            .ok_or_else(|| self.err(ctx, "support_ must be integers"))?;
                        if x < 0 || x >= nf {
                            return Err(self.err(ctx, format!("support_[{i}] = {x}, outside [0, n_features_in_ = {nf}) of a precomputed kernel")));
                        }
                    }
                    if sv.len() == 2 && sv.iter().product::<u64>() == 0 {
                        return self.libsvm_counts(st, classifier, n_sv, ctx);
                    }
                }
                let cols_ok = nf.is_none_or(|f| sv.get(1) == Some(&(f as u64)));
                if sv.len() != 2 || sv[0] != n_sv || !cols_ok {
                    return Err(self.err(
                        ctx,
                        format!("support_vectors_ has shape {sv:?}, expected ({n_sv}, {}) (support_ has {n_sv} entries)", nf.unwrap_or(-1)),
                    ));
                }
            }
            Some(Node::Object { state: Some(s), .. }) => {
                // sparse support vectors: their declared shape
                let shape: Vec<i64> =
                    match self.g.dict_get(*s, "_shape").and_then(|x| self.g.node(x)) {
                        Some(Node::Tuple(v)) => {
                            v.iter().map(|&x| self.g.as_int(x).unwrap_or(-1)).collect()
                        }
                        _ => Vec::new(),
                    };
                let cols_ok = nf.is_none_or(|f| shape.get(1) == Some(&f));
                if shape.len() != 2 || shape[0] != n_sv as i64 || !cols_ok {
                    return Err(self.err(
                        ctx,
                        format!(
                            "sparse support_vectors_ has shape {shape:?}, expected ({n_sv}, {}) \
                             (support_ has {n_sv} entries)",
                            nf.unwrap_or(-1)
                        ),
                    ));
                }
            }
            _ => return Err(self.err(ctx, "support_vectors_ must be an array")),
        }
        self.libsvm_counts(st, classifier, n_sv, ctx)
    }

    /// The per-class counts, dual coefficients, intercepts and probability
    /// parameters libsvm sizes from the number of classes.
    fn libsvm_counts(
        &self,
        st: NodeId,
        classifier: bool,
        n_sv: u64,
        ctx: &str,
    ) -> Result<(), ValidationError> {
        let (rows, n_int) = if classifier {
            let nc = self
                .shape_of(st, "classes_", ctx)?
                .and_then(|c| c.first().copied())
                .ok_or_else(|| self.err(ctx, "a fitted SVM classifier needs classes_"))?;
            let nsup = self
                .g
                .dict_get(st, "_n_support")
                .ok_or_else(|| self.err(ctx, "state has no \"_n_support\""))?;
            let a = self.array(nsup, ctx, "_n_support")?;
            if a.shape != [nc] {
                return Err(self.err(
                    ctx,
                    format!(
                        "_n_support has shape {:?}, expected ({nc},) (one count per class)",
                        a.shape
                    ),
                ));
            }
            let mut sum = 0i64;
            for i in 0..nc {
                let c = a
                    .int_at(i)
                    .ok_or_else(|| self.err(ctx, "_n_support must be integers"))?;
                if c < 0 {
                    return Err(self.err(ctx, format!("_n_support[{i}] = {c} is negative")));
                }
                sum = sum.saturating_add(c);
            }
            if sum != n_sv as i64 {
                return Err(self.err(
                    ctx,
                    format!("_n_support sums to {sum} but there are {n_sv} support vectors (libsvm would read past support_vectors_)"),
                ));
            }
            (nc.max(2) - 1, nc * nc.saturating_sub(1) / 2)
        } else {
            (1, 1)
        };
        for key in ["_dual_coef_", "dual_coef_"] {
            if let Some((s, nnz)) = self.sparse_state_shape(st, key, ctx)? {
                // fitted on sparse X: libsvm_sparse reads `.data` as the
                // dense (rows, n_sv) coefficients, by count
                if s != [rows as i64, n_sv as i64] || nnz != rows.saturating_mul(n_sv) {
                    return Err(self.err(
                        ctx,
                        format!(
                            "sparse {key} has shape {s:?} and {nnz} stored values, expected \
                             ({rows}, {n_sv}) with every value stored"
                        ),
                    ));
                }
                continue;
            }
            if let Some(s) = self.shape_of(st, key, ctx)? {
                if s != [rows, n_sv] {
                    return Err(self.err(
                        ctx,
                        format!("{key} has shape {s:?}, expected ({rows}, {n_sv})"),
                    ));
                }
            }
        }
        for key in ["_intercept_", "intercept_"] {
            if let Some(s) = self.shape_of(st, key, ctx)? {
                if s != [n_int] {
                    return Err(
                        self.err(ctx, format!("{key} has shape {s:?}, expected ({n_int},)"))
                    );
                }
            }
        }
        for key in ["_probA", "_probB", "probA_", "probB_"] {
            if let Some(s) = self.shape_of(st, key, ctx)? {
                if s != [0] && s != [n_int] {
                    return Err(self.err(
                        ctx,
                        format!("{key} has shape {s:?}, expected (0,) or ({n_int},)"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The `_shape` and number of stored values (`data`) of a scipy sparse
    /// matrix held at `key` (None when `key` holds something else; the
    /// matrix's own structure is checked where every sparse object is).
    fn sparse_state_shape(
        &self,
        st: NodeId,
        key: &str,
        ctx: &str,
    ) -> Result<Option<(Vec<i64>, u64)>, ValidationError> {
        let Some(Node::Object {
            class,
            state: Some(s),
            ..
        }) = self.g.dict_get(st, key).and_then(|x| self.g.node(x))
        else {
            return Ok(None);
        };
        if !class.module.starts_with("scipy.sparse") {
            return Ok(None);
        }
        let shape = match self.g.dict_get(*s, "_shape").and_then(|x| self.g.node(x)) {
            Some(Node::Tuple(v)) => v.iter().map(|&x| self.g.as_int(x).unwrap_or(-1)).collect(),
            _ => return Err(self.err(ctx, format!("sparse {key} has no _shape tuple"))),
        };
        let data = self.array(self.get(*s, "data", ctx)?, ctx, &format!("{key}.data"))?;
        Ok(Some((shape, data.count())))
    }

    /// `_k_means_lloyd` / `_k_means_elkan` / `_labels_inertia` read
    /// `centers[j, k]` for k < X.shape[1] = n_features_in_.
    fn kmeans(&self, st: NodeId, ctx: &str) -> Result<(), ValidationError> {
        let Some(c) = self.shape_of(st, "cluster_centers_", ctx)? else {
            return Ok(());
        };
        let nf = self.opt_int(st, "n_features_in_");
        if c.len() != 2 || c[0] < 1 || nf.is_none_or(|f| c[1] != f as u64) {
            return Err(self.err(
                ctx,
                format!("cluster_centers_ has shape {c:?}, expected (n_clusters >= 1, n_features_in_ = {})", nf.unwrap_or(-1)),
            ));
        }
        if let Some(t) = self.opt_int(st, "_n_threads") {
            if !(1..=65_536).contains(&t) {
                return Err(self.err(ctx, format!("_n_threads is {t}, outside [1, 65536]")));
            }
        }
        // BisectingKMeans: every node's center has n_features_in_ entries
        if let Some(tree) = self.g.dict_get(st, "_bisecting_tree") {
            let mut nodes = Vec::new();
            collect_objects(self.g, tree, "_BisectingTree", &mut nodes);
            for t in nodes {
                let Some(ts) = self.g.node(t).and_then(state_of) else {
                    continue;
                };
                if let Some(s) = self.shape_of(ts, "center", ctx)? {
                    if s != [c[1]] {
                        return Err(self.err(ctx, format!("a _bisecting_tree node has a center of shape {s:?}, expected ({},)", c[1])));
                    }
                }
            }
        }
        Ok(())
    }

    /// `uuid.UUID.__setstate__` takes `{'int': N}` and an optional
    /// `'is_safe'` (0, -1 or None); every method assumes 0 <= N < 2**128.
    fn uuid(&self, st: NodeId, ctx: &str) -> Result<(), ValidationError> {
        let Some(Node::Dict(kv)) = self.g.node(st) else {
            return Err(self.err(ctx, "a UUID's state must be a dict {'int': N}"));
        };
        let mut has_int = false;
        for &(k, v) in kv {
            match (self.g.node(k), self.g.node(v)) {
                (Some(Node::Str(k)), Some(Node::Int(i))) if k == "int" => {
                    if *i < 0 {
                        return Err(self.err(ctx, "a UUID's int is negative"));
                    }
                    has_int = true;
                }
                (Some(Node::Str(k)), Some(Node::BigInt(t))) if k == "int" => {
                    const MAX: &str = "340282366920938463463374607431768211456"; // 2**128
                    let digits = t.trim_start_matches('+');
                    if digits.starts_with('-')
                        || !digits.bytes().all(|b| b.is_ascii_digit())
                        || digits.len() > MAX.len()
                        || (digits.len() == MAX.len() && digits >= MAX)
                    {
                        return Err(self.err(ctx, "a UUID's int must be in [0, 2**128)"));
                    }
                    has_int = true;
                }
                (Some(Node::Str(k)), Some(Node::Int(0 | -1) | Node::None)) if k == "is_safe" => {}
                _ => {
                    return Err(self.err(
                        ctx,
                        "a UUID's state holds only 'int' (an int in [0, 2**128)) and 'is_safe' \
                         (0, -1 or None)",
                    ))
                }
            }
        }
        if !has_int {
            return Err(self.err(ctx, "a UUID's state has no 'int'"));
        }
        Ok(())
    }

    /// scipy's `_bspl.evaluate_spline` finds the interval in `t` and reads
    /// `c[interval - k .. interval]` and a work array of 2k + 2.
    fn bspline(&self, st: NodeId, ctx: &str) -> Result<(), ValidationError> {
        let tk = if self.g.dict_get(st, "_t").is_some() {
            "_t"
        } else {
            "t"
        };
        let ck = if self.g.dict_get(st, "_c").is_some() {
            "_c"
        } else {
            "c"
        };
        let t = self
            .shape_of(st, tk, ctx)?
            .ok_or_else(|| self.err(ctx, "BSpline without knots t"))?;
        let c = self
            .shape_of(st, ck, ctx)?
            .ok_or_else(|| self.err(ctx, "BSpline without coefficients c"))?;
        let k = self
            .opt_int(st, "k")
            .ok_or_else(|| self.err(ctx, "BSpline degree k must be an integer"))?;
        let [nt] = t[..] else {
            return Err(self.err(ctx, format!("knots t have shape {t:?}, expected 1-D")));
        };
        let nt = nt as i64;
        if k < 0
            || k.checked_mul(2)
                .and_then(|x| x.checked_add(2))
                .is_none_or(|m| nt < m)
        {
            return Err(self.err(
                ctx,
                format!(
                    "degree k = {k} with {nt} knots: a B-spline needs 0 <= k and len(t) >= 2k + 2"
                ),
            ));
        }
        let need = nt - k - 1;
        if c.is_empty() || (c[0] as i64) < need {
            return Err(self.err(
                ctx,
                format!("coefficients c have shape {c:?}: at least len(t) - k - 1 = {need} rows are needed"),
            ));
        }
        if let Some(ax) = self.opt_int(st, "axis") {
            if ax < 0 || ax as usize >= c.len() {
                return Err(self.err(
                    ctx,
                    format!("axis {ax} outside the {} dimensions of c", c.len()),
                ));
            }
        }
        Ok(())
    }

    /// `_raw_predict` fills `raw_predictions[k]` from `_predictors[i][k]` for
    /// every k of `n_trees_per_iteration_`; with categorical features,
    /// `_preprocessor.transform` replaces the input-width check, and the
    /// predictors read `X[:, feature_idx]` of its output unchecked.
    fn hgb_widths(&self, st: NodeId, ctx: &str) -> Result<(), ValidationError> {
        if let Some(p) = self.g.dict_get(st, "_preprocessor") {
            if !matches!(self.g.node(p), Some(Node::None)) {
                let nf = self
                    .opt_int(st, "n_features_in_")
                    .ok_or_else(|| self.err(ctx, "a _preprocessor without n_features_in_"))?;
                self.hgb_preprocessor(p, nf, ctx)?;
            }
        }
        let Some(preds) = self.g.dict_get(st, "_predictors") else {
            return Ok(());
        };
        let k = self
            .opt_int(st, "n_trees_per_iteration_")
            .ok_or_else(|| self.err(ctx, "fitted predictors without n_trees_per_iteration_"))?;
        let iters = match self.g.node(preds) {
            Some(Node::List(v)) => v.clone(),
            _ => return Err(self.err(ctx, "_predictors must be a list")),
        };
        for (i, it) in iters.iter().enumerate() {
            let n = match self.g.node(*it) {
                Some(Node::List(v)) => v.len() as i64,
                _ => -1,
            };
            if n != k {
                return Err(self.err(
                    ctx,
                    format!("_predictors[{i}] holds {n} predictors, expected n_trees_per_iteration_ = {k}"),
                ));
            }
        }
        if let Some(b) = self.shape_of(st, "_baseline_prediction", ctx)? {
            if b.iter().product::<u64>() != k as u64 {
                return Err(self.err(
                    ctx,
                    format!("_baseline_prediction has shape {b:?}, expected {k} values"),
                ));
            }
        }
        Ok(())
    }

    /// The `ColumnTransformer` HistGradientBoosting builds for categorical
    /// features: an `OrdinalEncoder` on the categorical columns and a
    /// `FunctionTransformer(partial(check_array, ...))` on the others, both
    /// keeping their width. Its output must be exactly `nf` columns wide (what
    /// the predictors were validated against) and it must take `nf` columns.
    fn hgb_preprocessor(&self, p: NodeId, nf: i64, ctx: &str) -> Result<(), ValidationError> {
        let ctx = format!("{ctx}._preprocessor");
        let ctx = ctx.as_str();
        let (class, st) = match self.g.node(p) {
            Some(Node::Object {
                class,
                state: Some(st),
                ..
            }) => (class, *st),
            _ => return Err(self.err(ctx, "expected a fitted ColumnTransformer")),
        };
        if !class.is("sklearn.compose._column_transformer", "ColumnTransformer") {
            return Err(self.err(
                ctx,
                format!("expected scikit-learn's ColumnTransformer, got {class}"),
            ));
        }
        if self.opt_int(st, "n_features_in_") != Some(nf) {
            return Err(self.err(
                ctx,
                format!("n_features_in_ must equal the estimator's n_features_in_ = {nf}"),
            ));
        }
        let ts = self
            .g
            .dict_get(st, "transformers_")
            .ok_or_else(|| self.err(ctx, "transformers_ missing"))?;
        let Some(Node::List(ts)) = self.g.node(ts) else {
            return Err(self.err(ctx, "transformers_ must be a list"));
        };
        let mut width: i64 = 0;
        for (i, t) in ts.iter().enumerate() {
            let tctx = format!("{ctx}.transformers_[{i}]");
            let Some(Node::Tuple(parts)) = self.g.node(*t) else {
                return Err(self.err(&tctx, "expected a (name, transformer, columns) tuple"));
            };
            let [_, tr, cols] = parts[..] else {
                return Err(self.err(&tctx, "expected a (name, transformer, columns) tuple"));
            };
            let n = self.selected_columns(cols, nf, &tctx)?;
            let keeps = match self.g.node(tr) {
                Some(Node::Str(s)) if s == "drop" => continue,
                Some(Node::Str(s)) if s == "passthrough" => true,
                Some(Node::Object {
                    class,
                    state: Some(ts),
                    ..
                }) if class.is("sklearn.preprocessing._encoders", "OrdinalEncoder") => {
                    let cats = self
                        .g
                        .dict_get(*ts, "categories_")
                        .map(|c| match self.g.node(c) {
                            Some(Node::List(v)) => v.len() as i64,
                            _ => -1,
                        });
                    cats == Some(n) && self.opt_int(*ts, "n_features_in_") == Some(n)
                }
                Some(Node::Object {
                    class,
                    state: Some(ts),
                    ..
                }) if class.is(
                    "sklearn.preprocessing._function_transformer",
                    "FunctionTransformer",
                ) =>
                {
                    // check_array keeps the width; the policy admits no other partial
                    self.g.dict_get(*ts, "func").is_some_and(|f| {
                        matches!(self.g.node(f), Some(Node::Call { func, .. })
                            if func.is("functools", "partial"))
                    }) && self
                        .g
                        .dict_get(*ts, "kw_args")
                        .is_none_or(|k| matches!(self.g.node(k), Some(Node::None)))
                }
                _ => false,
            };
            if !keeps {
                return Err(self.err(
                    &tctx,
                    "expected the OrdinalEncoder or FunctionTransformer(check_array) that \
                     HistGradientBoosting builds, with as many columns out as in",
                ));
            }
            width += n;
        }
        if width != nf {
            return Err(self.err(
                ctx,
                format!(
                    "outputs {width} columns, but the predictors were checked against {nf} features"
                ),
            ));
        }
        Ok(())
    }

    /// How many of `nf` input columns a ColumnTransformer column spec selects:
    /// a boolean mask of length nf, or distinct indices in [0, nf).
    fn selected_columns(&self, cols: NodeId, nf: i64, ctx: &str) -> Result<i64, ValidationError> {
        let idx: Vec<i64> = match self.g.node(cols) {
            Some(Node::Array(_)) => {
                let a = self.array(cols, ctx, "columns")?;
                if a.shape.len() != 1 {
                    return Err(self.err(ctx, "columns must be 1-D"));
                }
                if a.dtype.kind() == 'b' {
                    if a.len0() as i64 != nf {
                        return Err(self.err(
                            ctx,
                            format!("a column mask of {} entries for {nf} features", a.len0()),
                        ));
                    }
                    return Ok(a.data.iter().filter(|&&b| b != 0).count() as i64);
                }
                (0..a.len0())
                    .map(|i| {
                        a.int_at(i)
                            .ok_or_else(|| self.err(ctx, "columns must be integers"))
                    })
                    .collect::<Result<_, _>>()?
            }
            Some(Node::List(v)) => {
                if v.iter()
                    .all(|&x| matches!(self.g.node(x), Some(Node::Bool(_))))
                {
                    if v.len() as i64 != nf {
                        return Err(self.err(
                            ctx,
                            format!("a column mask of {} entries for {nf} features", v.len()),
                        ));
                    }
                    return Ok(v
                        .iter()
                        .filter(|&&x| matches!(self.g.node(x), Some(Node::Bool(true))))
                        .count() as i64);
                }
                v.iter()
                    .map(|&x| {
                        self.g
                            .as_int(x)
                            .ok_or_else(|| self.err(ctx, "columns must be integers or a mask"))
                    })
                    .collect::<Result<_, _>>()?
            }
            _ => return Err(self.err(ctx, "columns must be a mask or integer indices")),
        };
        let mut seen = std::collections::HashSet::new();
        for &i in &idx {
            if i < 0 || i >= nf || !seen.insert(i) {
                return Err(self.err(
                    ctx,
                    format!("column {i} is outside [0, {nf}) or selected twice"),
                ));
            }
        }
        Ok(idx.len() as i64)
    }
}
