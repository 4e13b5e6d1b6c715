//! What the card reads from the checked object graph beyond the native
//! model: hyperparameters, tree statistics, feature importances computed as
//! scikit-learn computes `feature_importances_`, and linear coefficients.

use skseal_core::ir::{Node, NodeId};
use skseal_native::access::{field_kind, field_words, Ctx, Obj};
use skseal_native::npsum;
use skseal_native::NativeError;

type R<T> = Result<T, NativeError>;

/// Size statistics of a tree ensemble (or one tree).
#[derive(Debug, Clone, Default)]
pub struct TreeStats {
    /// Depth of each tree (steps from the root to the deepest leaf).
    pub depths: Vec<u64>,
    /// Leaves of each tree.
    pub leaves: Vec<u64>,
    /// Nodes in all trees.
    pub nodes: u64,
}

/// Importances to plot, with what they are.
#[derive(Debug, Clone)]
pub struct Importances {
    /// e.g. "mean decrease in impurity (feature_importances_)".
    pub what: String,
    pub names: Vec<String>,
    pub values: Vec<f64>,
}

/// One fitted `Tree`'s node records (the fields importances and statistics need).
struct RawTree {
    left: Vec<i64>,
    right: Vec<i64>,
    feature: Vec<i64>,
    impurity: Vec<f64>,
    weighted: Vec<f64>,
}

fn malformed(path: &str, why: &str) -> NativeError {
    NativeError::Malformed {
        path: path.to_string(),
        why: why.to_string(),
    }
}

fn read_tree(ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> R<RawTree> {
    let path = format!("{path}.tree_");
    let t = est.obj("tree_", &path)?;
    let np = format!("{path}.nodes");
    let (dtype, count, recs) = ctx.records(t.req("nodes", &path)?, &np)?;
    let ints = |f: &str| -> R<Vec<i64>> {
        let (k, size) = field_kind(&dtype, f, &np)?;
        if k != 'i' || size != 8 {
            return Err(malformed(&np, &format!("field {f} is not int64")));
        }
        Ok(field_words(&dtype, &recs, count, f, &np)?
            .into_iter()
            .map(|w| w as i64)
            .collect())
    };
    let floats = |f: &str| -> R<Vec<f64>> {
        let (k, size) = field_kind(&dtype, f, &np)?;
        if k != 'f' || size != 8 {
            return Err(malformed(&np, &format!("field {f} is not float64")));
        }
        Ok(field_words(&dtype, &recs, count, f, &np)?
            .into_iter()
            .map(f64::from_bits)
            .collect())
    };
    Ok(RawTree {
        left: ints("left_child")?,
        right: ints("right_child")?,
        feature: ints("feature")?,
        impurity: floats("impurity")?,
        weighted: floats("weighted_n_node_samples")?,
    })
}

impl RawTree {
    fn len(&self) -> usize {
        self.left.len()
    }
    fn is_leaf(&self, i: usize) -> bool {
        self.left[i] == -1
    }
    /// A child index, checked (children come after their parent).
    fn child(&self, i: usize, c: i64) -> Option<usize> {
        usize::try_from(c).ok().filter(|&c| c > i && c < self.len())
    }
    fn depth(&self) -> u64 {
        let mut d = vec![0u64; self.len()];
        let mut max = 0;
        for i in 0..self.len() {
            if self.is_leaf(i) {
                max = max.max(d[i]);
                continue;
            }
            for c in [self.left[i], self.right[i]] {
                if let Some(c) = self.child(i, c) {
                    d[c] = d[i] + 1;
                }
            }
        }
        max
    }
    /// `Tree.compute_feature_importances(normalize)`, in scikit-learn's order.
    fn importances(&self, n_features: usize, normalize: bool, path: &str) -> R<Vec<f64>> {
        let mut imp = vec![0.0f64; n_features];
        for i in 0..self.len() {
            if self.is_leaf(i) {
                continue;
            }
            let (Some(l), Some(r)) = (self.child(i, self.left[i]), self.child(i, self.right[i]))
            else {
                return Err(malformed(path, &format!("node {i}: children out of range")));
            };
            let f = usize::try_from(self.feature[i])
                .ok()
                .filter(|&f| f < n_features)
                .ok_or_else(|| malformed(path, &format!("node {i}: feature out of range")))?;
            imp[f] += self.weighted[i] * self.impurity[i]
                - self.weighted[l] * self.impurity[l]
                - self.weighted[r] * self.impurity[r];
        }
        let w0 = self.weighted.first().copied().unwrap_or(1.0);
        for v in imp.iter_mut() {
            *v /= w0;
        }
        if normalize {
            let s = npsum::sum(&imp);
            if s > 0.0 {
                for v in imp.iter_mut() {
                    *v /= s;
                }
            }
        }
        Ok(imp)
    }
}

/// `np.mean(rows, axis=0)` then `/ np.sum(...)`: a forest's importances.
fn mean_normalized(rows: &[Vec<f64>], n_features: usize) -> Vec<f64> {
    if rows.is_empty() {
        return vec![0.0; n_features];
    }
    let mut acc = rows[0].clone();
    for r in &rows[1..] {
        for (a, b) in acc.iter_mut().zip(r) {
            *a += *b;
        }
    }
    let n = rows.len() as f64;
    for a in acc.iter_mut() {
        *a /= n;
    }
    let s = npsum::sum(&acc);
    acc.iter().map(|a| a / s).collect()
}

/// The estimator that makes the predictions: the root, or a Pipeline's last step.
pub fn final_estimator<'c, 'a>(ctx: &'c Ctx<'a>) -> R<(Obj<'c, 'a>, String)> {
    let root = ctx.obj(ctx.g.root, "model")?;
    if root.name() == "Pipeline" {
        if let Some(steps) = root.get("steps") {
            if let Some(&last) = ctx.seq(steps, "model.steps")?.last() {
                let t = ctx.seq(last, "model.steps[-1]")?;
                if let (Some(&name), Some(&est)) = (t.first(), t.get(1)) {
                    let name = ctx.str(name, "model.steps[-1]")?;
                    if let Ok(o) = ctx.obj(est, "model.steps[-1]") {
                        return Ok((o, format!("model[{name:?}]")));
                    }
                }
            }
        }
    }
    Ok((root, "model".into()))
}

fn feature_labels(est: &Obj<'_, '_>, path: &str, n: usize) -> R<Vec<String>> {
    Ok(match est.feature_names(path)? {
        Some(v) if v.len() == n => v,
        _ => (0..n).map(|i| format!("x{i}")).collect(),
    })
}

/// The trees of a tree model (`None` for other models) and whether their
/// importances are normalised per tree (forests) or not (gradient boosting).
fn trees(est: &Obj<'_, '_>, path: &str) -> R<Option<(Vec<RawTree>, bool, bool)>> {
    let ctx = est.ctx;
    let name = est.name();
    if !est.class.module.starts_with("sklearn.") {
        return Ok(None);
    }
    let single = matches!(
        name,
        "DecisionTreeClassifier"
            | "DecisionTreeRegressor"
            | "ExtraTreeClassifier"
            | "ExtraTreeRegressor"
    );
    if single {
        return Ok(Some((vec![read_tree(ctx, est, path)?], true, true)));
    }
    let forest = matches!(
        name,
        "RandomForestClassifier"
            | "RandomForestRegressor"
            | "ExtraTreesClassifier"
            | "ExtraTreesRegressor"
            | "IsolationForest"
    );
    if forest {
        let list = ctx.seq(
            est.req("estimators_", path)?,
            &format!("{path}.estimators_"),
        )?;
        let mut out = Vec::with_capacity(list.len());
        for (k, &t) in list.iter().enumerate() {
            let p = format!("{path}.estimators_[{k}]");
            out.push(read_tree(ctx, &ctx.obj(t, &p)?, &p)?);
        }
        // IsolationForest has no feature_importances_.
        return Ok(Some((out, true, name != "IsolationForest")));
    }
    if matches!(
        name,
        "GradientBoostingClassifier" | "GradientBoostingRegressor"
    ) {
        let ep = format!("{path}.estimators_");
        let Node::ObjectArray { shape, items, .. } =
            ctx.node(est.req("estimators_", path)?, &ep)?
        else {
            return Err(malformed(&ep, "expected an object array"));
        };
        let stages = shape.first().copied().unwrap_or(0) as usize;
        let used = match est.opt("n_estimators_") {
            Some(v) => ctx.usize(v, &format!("{path}.n_estimators_"))?.min(stages),
            None => stages,
        };
        let k = items.len().checked_div(stages).unwrap_or(0);
        let mut out = Vec::new();
        for (i, &t) in items.iter().enumerate().take(used * k) {
            let p = format!("{ep}[{}, {}]", i / k.max(1), i % k.max(1));
            out.push(read_tree(ctx, &ctx.obj(t, &p)?, &p)?);
        }
        return Ok(Some((out, false, true)));
    }
    Ok(None)
}

/// Tree statistics and importances of the final estimator.
pub fn tree_facts(ctx: &Ctx<'_>) -> R<(Option<TreeStats>, Option<Importances>)> {
    let (est, path) = final_estimator(ctx)?;
    let nf = est.n_features(&path)?;
    if let Some((ts, normalize, has_importances)) = trees(&est, &path)? {
        let stats = TreeStats {
            depths: ts.iter().map(RawTree::depth).collect(),
            leaves: ts
                .iter()
                .map(|t| (0..t.len()).filter(|&i| t.is_leaf(i)).count() as u64)
                .collect(),
            nodes: ts.iter().map(|t| t.len() as u64).sum(),
        };
        let imp = match (nf, has_importances) {
            (Some(nf), true) => {
                let single = ts.len() == 1
                    && matches!(
                        est.name(),
                        "DecisionTreeClassifier"
                            | "DecisionTreeRegressor"
                            | "ExtraTreeClassifier"
                            | "ExtraTreeRegressor"
                    );
                let values = if single {
                    ts[0].importances(nf, true, &path)?
                } else {
                    let rows = ts
                        .iter()
                        .filter(|t| t.len() > 1)
                        .map(|t| t.importances(nf, normalize, &path))
                        .collect::<R<Vec<_>>>()?;
                    mean_normalized(&rows, nf)
                };
                Some(Importances {
                    what: "mean decrease in impurity (scikit-learn's feature_importances_)".into(),
                    names: feature_labels(&est, &path, nf)?,
                    values,
                })
            }
            _ => None,
        };
        return Ok((Some(stats), imp));
    }
    // Linear models: |coef_| (mean over classes when there are several rows).
    if est.class.module.starts_with("sklearn.linear_model")
        || est.name() == "LinearSVC"
        || est.name() == "LinearSVR"
    {
        if let Some(c) = est.get("coef_") {
            let a = ctx.arr_f64(c, &format!("{path}.coef_"))?;
            let (rows, cols) = match a.shape.as_slice() {
                [d] => (1, *d),
                [k, d] => (*k, *d),
                _ => return Ok((None, None)),
            };
            if cols == 0 || rows == 0 {
                return Ok((None, None));
            }
            let mut v = vec![0.0f64; cols];
            for r in 0..rows {
                for (j, x) in v.iter_mut().enumerate() {
                    *x += a.data[r * cols + j].abs();
                }
            }
            for x in v.iter_mut() {
                *x /= rows as f64;
            }
            let what = if rows > 1 {
                "mean |coefficient| over classes (comparable only when the features share a scale)"
            } else {
                "|coefficient| (comparable only when the features share a scale)"
            };
            return Ok((
                None,
                Some(Importances {
                    what: what.into(),
                    names: feature_labels(&est, &path, cols)?,
                    values: v,
                }),
            ));
        }
    }
    Ok((None, None))
}

const MAX_PARAMS: usize = 300;

/// A short Python-like rendering of a parameter value.
fn value_text(ctx: &Ctx<'_>, id: NodeId, depth: usize) -> String {
    let Some(n) = ctx.g.node(id) else {
        return "?".into();
    };
    match n {
        Node::None => "None".into(),
        Node::Bool(b) => if *b { "True" } else { "False" }.into(),
        Node::Int(i) => i.to_string(),
        Node::BigInt(s) => s.clone(),
        Node::Float(f) => python_float(*f),
        Node::Str(s) => format!("'{}'", crate::svg::clip(s, 80)),
        Node::Scalar { .. } => match ctx.f64(id, "param") {
            Ok(f) => python_float(f),
            Err(_) => "numpy scalar".into(),
        },
        Node::Object { class, .. } | Node::Call { func: class, .. } => format!("{}()", class.name),
        Node::Global(g) => g.dotted(),
        Node::List(v) | Node::Tuple(v) => {
            let (o, c) = if matches!(n, Node::List(_)) {
                ("[", "]")
            } else {
                ("(", ")")
            };
            if depth >= 2 {
                return format!("{o}… {} items{c}", v.len());
            }
            let mut parts: Vec<String> = v
                .iter()
                .take(8)
                .map(|&x| value_text(ctx, x, depth + 1))
                .collect();
            if v.len() > 8 {
                parts.push(format!("… {} more", v.len() - 8));
            }
            format!("{o}{}{c}", parts.join(", "))
        }
        Node::Dict(kv) => format!("{{… {} items}}", kv.len()),
        Node::Array(i) => match ctx.g.arrays.get(*i as usize) {
            Some(s) => format!("array{:?}", s.shape),
            None => "array".into(),
        },
        other => other.kind_name().into(),
    }
}

fn python_float(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{f:?}")
    }
}

fn is_estimator(ctx: &Ctx<'_>, id: NodeId) -> bool {
    matches!(ctx.g.node(id), Some(Node::Object { class, .. }) if class.module.starts_with("sklearn."))
}

/// Hyperparameters as `get_params(deep=True)` names them: the state's
/// attributes without a leading or trailing underscore, nested estimators'
/// as `name__param`.
pub fn params(ctx: &Ctx<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk_params(ctx, ctx.g.root, "", 0, &mut out);
    out
}

fn walk_params(
    ctx: &Ctx<'_>,
    id: NodeId,
    prefix: &str,
    depth: usize,
    out: &mut Vec<(String, String)>,
) {
    if depth > 4 {
        return;
    }
    let Some(Node::Object {
        state: Some(st), ..
    }) = ctx.g.node(id)
    else {
        return;
    };
    let Some(Node::Dict(kv)) = ctx.g.node(*st) else {
        return;
    };
    // Ensembles keep a template estimator and the names of its parameters
    // (`estimator`, `estimator_params`); they are not the ensemble's own.
    let template = kv
        .iter()
        .any(|&(k, _)| matches!(ctx.g.node(k), Some(Node::Str(s)) if s == "estimator_params"));
    let mut mine = Vec::new();
    for &(k, v) in kv {
        if out.len() >= MAX_PARAMS {
            return;
        }
        let Some(Node::Str(key)) = ctx.g.node(k) else {
            continue;
        };
        if key.starts_with('_') || key.ends_with('_') || key == "estimator_params" {
            continue;
        }
        mine.push((k, v, key.clone()));
    }
    mine.sort_by(|a, b| a.2.cmp(&b.2));
    for (_, v, key) in mine {
        if out.len() >= MAX_PARAMS {
            return;
        }
        out.push((format!("{prefix}{key}"), value_text(ctx, v, 0)));
        if is_estimator(ctx, v) && !(template && key == "estimator") {
            walk_params(ctx, v, &format!("{prefix}{key}__"), depth + 1, out);
        } else if let Some(Node::List(items) | Node::Tuple(items)) = ctx.g.node(v) {
            // steps, transformers, transformer_list, estimators: (name, estimator, ...)
            for &it in items {
                if let Some(Node::Tuple(t) | Node::List(t)) = ctx.g.node(it) {
                    if let (Some(Node::Str(name)), Some(&e)) =
                        (t.first().and_then(|&n| ctx.g.node(n)), t.get(1))
                    {
                        if is_estimator(ctx, e) {
                            out.push((format!("{prefix}{name}"), value_text(ctx, e, 0)));
                            walk_params(ctx, e, &format!("{prefix}{name}__"), depth + 1, out);
                        }
                    }
                }
            }
        }
    }
}

const OUTLINE_LINES: usize = 400;
const OUTLINE_ITEMS: usize = 12;
const OUTLINE_DEPTH: usize = 10;

/// The object outline of the card: like `skseal inspect`'s, but a list (or
/// object array) of estimators of one class shows its first item and a count
/// instead of every tree, so a 200-tree forest stays a short page.
pub fn outline(ctx: &Ctx<'_>) -> String {
    let mut o = Outline {
        ctx,
        out: String::new(),
        lines: 0,
        seen: vec![false; ctx.g.nodes.len()],
    };
    o.walk(ctx.g.root, 0, "");
    if let Some(p) = ctx.g.probe {
        o.walk(p, 0, "probe: ");
    }
    o.out
}

struct Outline<'c, 'a> {
    ctx: &'c Ctx<'a>,
    out: String,
    lines: usize,
    seen: Vec<bool>,
}

impl Outline<'_, '_> {
    fn line(&mut self, depth: usize, text: &str) {
        if self.lines < OUTLINE_LINES {
            self.out.push_str(&"  ".repeat(depth));
            self.out.push_str(text);
            self.out.push('\n');
        } else if self.lines == OUTLINE_LINES {
            self.out.push_str("… (outline truncated)\n");
        }
        self.lines += 1;
    }

    fn class_of(&self, id: NodeId) -> Option<String> {
        match self.ctx.g.node(id)? {
            Node::Object { class, .. } | Node::Call { func: class, .. } => Some(class.dotted()),
            _ => None,
        }
    }

    fn short(&self, id: NodeId) -> String {
        match self.ctx.g.node(id) {
            Some(Node::Array(i)) => match self.ctx.g.arrays.get(*i as usize) {
                Some(a) => format!("ndarray {} {:?}", dtype_text(&a.dtype), a.shape),
                None => "ndarray".into(),
            },
            Some(Node::ObjectArray { shape, .. }) => format!("ndarray object {shape:?}"),
            Some(Node::Object { class, .. }) => class.dotted(),
            Some(Node::Call { func, .. }) => format!("{}(…)", func.dotted()),
            Some(Node::List(v)) => format!("list[{}]", v.len()),
            Some(Node::Tuple(v)) => format!("tuple[{}]", v.len()),
            Some(Node::Dict(v)) => format!("dict[{}]", v.len()),
            Some(Node::Str(s)) => format!("{:?}", crate::svg::clip(s, 60)),
            Some(_) => value_text(self.ctx, id, 2),
            None => "?".into(),
        }
    }

    /// Items that are estimators of one class (at least 3): that class.
    fn uniform(&self, items: &[NodeId]) -> Option<String> {
        if items.len() < 3 {
            return None;
        }
        let first = self.class_of(items[0])?;
        items[1..]
            .iter()
            .all(|&i| self.class_of(i).as_deref() == Some(first.as_str()))
            .then_some(first)
    }

    fn walk(&mut self, id: NodeId, depth: usize, label: &str) {
        if self.lines > OUTLINE_LINES {
            return;
        }
        let g = self.ctx.g;
        let Some(n) = g.node(id) else { return };
        let container = matches!(
            n,
            Node::Object { .. }
                | Node::Call { .. }
                | Node::List(_)
                | Node::Tuple(_)
                | Node::Dict(_)
                | Node::ObjectArray { .. }
        );
        if container && self.seen.get(id as usize).copied().unwrap_or(true) {
            self.line(
                depth,
                &format!("{label}{} (shared, see above)", self.short(id)),
            );
            return;
        }
        if let Some(s) = self.seen.get_mut(id as usize) {
            *s = true;
        }
        let items: Option<&[NodeId]> = match n {
            Node::List(v) | Node::Tuple(v) => Some(v),
            Node::ObjectArray { items, .. } => Some(items),
            _ => None,
        };
        if let Some(items) = items {
            if let Some(class) = self.uniform(items) {
                let short = class.rsplit('.').next().unwrap_or(&class).to_string();
                let kind = match n {
                    Node::List(_) => "list".to_string(),
                    Node::Tuple(_) => "tuple".to_string(),
                    _ => self.short(id),
                };
                self.line(
                    depth,
                    &format!(
                        "{label}{kind} of {} × {class} (the first shown)",
                        items.len()
                    ),
                );
                if depth < OUTLINE_DEPTH {
                    self.walk(items[0], depth + 1, "[0] ");
                }
                self.line(depth + 1, &format!("… {} more {short}", items.len() - 1));
                return;
            }
            let atoms = items.iter().all(|&c| {
                !matches!(
                    g.node(c),
                    Some(
                        Node::Object { .. }
                            | Node::Call { .. }
                            | Node::List(_)
                            | Node::Tuple(_)
                            | Node::Dict(_)
                    )
                )
            });
            if atoms && items.len() <= OUTLINE_ITEMS {
                let text = match n {
                    Node::ObjectArray { shape, .. } => {
                        let parts: Vec<String> =
                            items.iter().map(|&c| value_text(self.ctx, c, 1)).collect();
                        format!("ndarray object {shape:?}: [{}]", parts.join(", "))
                    }
                    _ => value_text(self.ctx, id, 0),
                };
                self.line(depth, &format!("{label}{text}"));
                return;
            }
            self.line(depth, &format!("{label}{}", self.short(id)));
            if depth >= OUTLINE_DEPTH {
                return;
            }
            for (k, &c) in items.iter().enumerate().take(OUTLINE_ITEMS) {
                self.walk(c, depth + 1, &format!("[{k}] "));
            }
            if items.len() > OUTLINE_ITEMS {
                self.line(
                    depth + 1,
                    &format!("… {} more", items.len() - OUTLINE_ITEMS),
                );
            }
            return;
        }
        self.line(depth, &format!("{label}{}", self.short(id)));
        if depth >= OUTLINE_DEPTH {
            return;
        }
        match n {
            Node::Dict(kv) => self.dict(kv, depth + 1),
            Node::Object {
                state, items, args, ..
            } => {
                self.args_state(args, *state, depth + 1);
                self.dict(items, depth + 1);
            }
            Node::Call { state, args, .. } => self.args_state(args, *state, depth + 1),
            _ => {}
        }
    }

    fn args_state(&mut self, args: &[NodeId], state: Option<NodeId>, depth: usize) {
        for (k, &a) in args.iter().enumerate() {
            self.walk(a, depth, &format!("arg{k}: "));
        }
        let g = self.ctx.g;
        match state.map(|s| (s, g.node(s))) {
            Some((_, Some(Node::Dict(kv)))) => self.dict(kv, depth),
            Some((s, _)) => self.walk(s, depth, "state: "),
            None => {}
        }
    }

    fn dict(&mut self, kv: &[(NodeId, NodeId)], depth: usize) {
        for &(k, v) in kv.iter().take(OUTLINE_ITEMS * 8) {
            let key = match self.ctx.g.node(k) {
                Some(Node::Str(s)) => s.clone(),
                _ => self.short(k),
            };
            self.walk(v, depth, &format!("{key}: "));
        }
        if kv.len() > OUTLINE_ITEMS * 8 {
            self.line(depth, &format!("… {} more", kv.len() - OUTLINE_ITEMS * 8));
        }
    }
}

fn dtype_text(d: &skseal_core::ir::Dtype) -> String {
    match d {
        skseal_core::ir::Dtype::Simple(s) => s.clone(),
        skseal_core::ir::Dtype::Struct { names, .. } => format!("struct[{}]", names.join(",")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stump() -> RawTree {
        // root splits on feature 1; left is a leaf, right splits on feature 0
        RawTree {
            left: vec![1, -1, 3, -1, -1],
            right: vec![2, -1, 4, -1, -1],
            feature: vec![1, -2, 0, -2, -2],
            impurity: vec![0.5, 0.0, 0.5, 0.0, 0.0],
            weighted: vec![10.0, 4.0, 6.0, 3.0, 3.0],
        }
    }

    #[test]
    fn importances_follow_sklearn() {
        let t = stump();
        // feature 1: 10*0.5 - 4*0 - 6*0.5 = 2; feature 0: 6*0.5 = 3; / 10; normalised
        let raw = t.importances(2, false, "t").unwrap_or_default();
        assert_eq!(raw, vec![0.3, 0.2]);
        let norm = t.importances(2, true, "t").unwrap_or_default();
        assert_eq!(norm, vec![0.3 / 0.5, 0.2 / 0.5]);
        assert_eq!(t.depth(), 2);
    }

    #[test]
    fn bad_children_are_errors() {
        let mut t = stump();
        t.left[0] = 9;
        assert!(t.importances(2, true, "t").is_err());
        t.left[0] = 1;
        t.feature[0] = 7;
        assert!(t.importances(2, true, "t").is_err());
    }
}
