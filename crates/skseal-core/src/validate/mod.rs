//! Structural validation of trusted types whose array values index other
//! arrays. scikit-learn's compiled code trusts these indices; a crafted file
//! with an out-of-range child or feature would read out of bounds at predict
//! time. Every check here runs before any Python object is built.

mod arrays;
pub mod compiled;
mod hgb;
mod models;
mod neighbors;
mod payloads;
mod sparse;
mod state;
mod tree;

use arrays::ArrView;

use crate::error::ValidationError;
use crate::ir::{Dtype, GlobalName, Graph, Node, NodeId};

/// Gives the decoded bytes of array `i` of the graph's array table.
pub type ArrayBytes<'a> = dyn Fn(u32) -> Option<&'a [u8]> + Sync + 'a;

struct V<'a, 'g> {
    g: &'g Graph,
    /// Every array's bytes (shared by the parallel tree checks).
    bytes: &'g (dyn Fn(u32) -> Option<&'a [u8]> + Sync + 'g),
}

impl<'a, 'g> V<'a, 'g> {
    fn err(&self, ctx: &str, why: impl Into<String>) -> ValidationError {
        ValidationError::new(ctx, why)
    }
    fn array(&self, id: NodeId, ctx: &str, what: &str) -> Result<ArrView<'g>, ValidationError> {
        match self.g.node(id) {
            Some(Node::Array(i)) => {
                let spec =
                    self.g.arrays.get(*i as usize).ok_or_else(|| {
                        self.err(ctx, format!("{what}: array index out of range"))
                    })?;
                let data = (self.bytes)(*i)
                    .ok_or_else(|| self.err(ctx, format!("{what}: array data missing")))?;
                if Some(data.len() as u64) != spec.nbytes() {
                    return Err(self.err(
                        ctx,
                        format!(
                            "{what}: declared shape {:?} does not match {} bytes present",
                            spec.shape,
                            data.len()
                        ),
                    ));
                }
                // `_frombuffer(..., "K", axes)` builds the transpose of the
                // stored shape: the validators would check one shape and the
                // object would get another. No fitted structure is stored
                // that way (numpy writes C or F order for them), so refuse it.
                if let Some(ax) = &spec.axes {
                    if ax.iter().enumerate().any(|(k, &a)| a != k as u64) {
                        return Err(self.err(
                            ctx,
                            format!(
                                "{what}: array stored with shape {:?} and transposed by axes {ax:?} when built; \
                                 validated arrays must be stored in C or F order (re-save the model)",
                                spec.shape
                            ),
                        ));
                    }
                }
                Ok(ArrView {
                    data,
                    dtype: &spec.dtype,
                    shape: &spec.shape,
                })
            }
            Some(n) => Err(self.err(
                ctx,
                format!("{what} must be an array, found {}", n.kind_name()),
            )),
            None => Err(self.err(ctx, format!("{what} is missing"))),
        }
    }
    /// The array's dtype must be exactly one of `want` (names, formats,
    /// offsets, itemsize): the class casts any other layout after validation.
    fn exact_dtype(
        &self,
        a: &ArrView<'_>,
        want: &[Dtype],
        ctx: &str,
        what: &str,
    ) -> Result<(), ValidationError> {
        if want.iter().any(|w| a.dtype == w) {
            return Ok(());
        }
        Err(self.err(
            ctx,
            format!(
                "{what} has dtype {}, expected exactly {} (scikit-learn would cast it after validation; \
                 re-save the model with this scikit-learn on a 64-bit little-endian machine)",
                describe_dtype(a.dtype),
                want.iter().map(describe_dtype).collect::<Vec<_>>().join(" or ")
            ),
        ))
    }
    fn int(&self, id: Option<NodeId>, ctx: &str, what: &str) -> Result<i64, ValidationError> {
        id.and_then(|i| self.g.as_int(i))
            .ok_or_else(|| self.err(ctx, format!("{what} must be an integer")))
    }
    fn get(&self, state: NodeId, key: &str, ctx: &str) -> Result<NodeId, ValidationError> {
        self.g
            .dict_get(state, key)
            .ok_or_else(|| self.err(ctx, format!("state has no {key:?}")))
    }
}

/// A short numpy-like description of a dtype, for messages.
fn describe_dtype(d: &Dtype) -> String {
    match d {
        Dtype::Simple(s) => s.clone(),
        Dtype::Struct {
            names,
            formats,
            offsets,
            itemsize,
        } => {
            let fields: Vec<String> = names
                .iter()
                .zip(formats)
                .zip(offsets)
                .map(|((n, f), o)| format!("{n}: {} @{o}", describe_dtype(f)))
                .collect();
            format!("{{{}; itemsize {itemsize}}}", fields.join(", "))
        }
    }
}

fn collect_objects(g: &Graph, from: NodeId, class_name: &str, out: &mut Vec<NodeId>) {
    let mut stack = vec![from];
    let mut seen = std::collections::HashSet::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Some(n) = g.node(id) else { continue };
        if let Node::Object { class, .. } = n {
            if class.name == class_name {
                out.push(id);
                continue;
            }
        }
        stack.extend(n.children());
    }
}

/// Validate every index-bearing structure in the graph.
/// Longest chain of nested containers/objects from the roots (back edges of
/// cycles are not followed). Computed without recursion.
pub fn graph_depth(g: &Graph) -> usize {
    // 0 = unvisited, 1 = on the current path, 2 = done
    let n = g.nodes.len();
    let mut state = vec![0u8; n];
    let mut depth = vec![0usize; n];
    let mut best = 0usize;
    for root in [Some(g.root), g.probe].into_iter().flatten() {
        if (root as usize) >= n || state[root as usize] != 0 {
            continue;
        }
        // (node, its children, index of the next child to visit)
        let mut stack: Vec<(NodeId, Vec<NodeId>, usize)> =
            vec![(root, g.nodes[root as usize].children(), 0)];
        state[root as usize] = 1;
        while let Some((id, children, next)) = stack.last_mut() {
            if let Some(&c) = children.get(*next) {
                *next += 1;
                let ci = c as usize;
                if ci < n && state[ci] == 0 {
                    state[ci] = 1;
                    let cc = g.nodes[ci].children();
                    stack.push((c, cc, 0));
                }
                continue;
            }
            let d = 1 + children
                .iter()
                .filter(|&&c| (c as usize) < n && state[c as usize] == 2)
                .map(|&c| depth[c as usize])
                .max()
                .unwrap_or(0);
            let i = *id as usize;
            depth[i] = d;
            state[i] = 2;
            best = best.max(d);
            stack.pop();
        }
    }
    best
}

/// Deepest object graph accepted (the builder recurses this deep).
pub const MAX_GRAPH_DEPTH: usize = 150;

/// Refuse graphs nested deeper than [`MAX_GRAPH_DEPTH`] (a resource limit:
/// building them would exhaust the stack).
pub fn check_depth(g: &Graph) -> Result<(), String> {
    let depth = graph_depth(g);
    if depth > MAX_GRAPH_DEPTH {
        return Err(format!(
            "the object graph is nested {depth} levels deep (limit {MAX_GRAPH_DEPTH})"
        ));
    }
    Ok(())
}

/// The class an Object or Call node builds, when it is a class at all.
fn effective_class<'g>(g: &'g Graph, n: &'g Node) -> Option<&'g GlobalName> {
    match n {
        Node::Object { class, .. } => Some(class),
        Node::Call { func, args, .. } if func.name == "newObj" => {
            match args.first().and_then(|&a| g.node(a)) {
                Some(Node::Global(c)) => Some(c),
                _ => None,
            }
        }
        Node::Call { func, .. } => Some(func),
        _ => None,
    }
}

fn state_of(n: &Node) -> Option<NodeId> {
    match n {
        Node::Object { state, .. } | Node::Call { state, .. } => *state,
        _ => None,
    }
}

fn is_binary_tree(c: &GlobalName) -> bool {
    (c.module == "sklearn.neighbors._kd_tree" && c.name.starts_with("KDTree"))
        || (c.module == "sklearn.neighbors._ball_tree" && c.name.starts_with("BallTree"))
}

/// Ensembles whose predict passes already-validated X to their trees with
/// `check_input=False`: their trees must match the ensemble's input width.
fn trusts_tree_width(c: &GlobalName) -> bool {
    matches!(
        c.module.as_str(),
        "sklearn.ensemble._forest"
            | "sklearn.ensemble._gb"
            | "sklearn.ensemble._iforest"
            | "sklearn.ensemble._bagging"
            // the imblearn profile's subclasses of RandomForest and Bagging
            | "imblearn.ensemble._forest"
            | "imblearn.ensemble._bagging"
    )
}

/// Items of a list, tuple or object array (one level).
fn items_of(g: &Graph, id: NodeId) -> Vec<NodeId> {
    match g.node(id) {
        Some(Node::List(v) | Node::Tuple(v)) => v.clone(),
        Some(Node::ObjectArray { items, .. }) => items.clone(),
        _ => Vec::new(),
    }
}

/// Validate every index-bearing structure in the graph.
pub fn validate<'a>(g: &Graph, bytes: &ArrayBytes<'a>) -> Result<(), ValidationError> {
    validate_except(g, bytes, &std::collections::HashSet::new())
}

/// Check one `sklearn.tree._tree.Tree` node as [`validate`] does. The
/// streaming native loader checks each tree this way as it reads it, then
/// the rest of the graph with [`validate_except`].
pub fn validate_tree<'a>(
    g: &Graph,
    bytes: &ArrayBytes<'a>,
    id: NodeId,
) -> Result<(), ValidationError> {
    match g.node(id) {
        Some(Node::Call { func, args, state }) if func.is("sklearn.tree._tree", "Tree") => {
            V { g, bytes }.tree(id, args, *state)
        }
        _ => Err(ValidationError::new(
            format!("node {id}"),
            "expected a sklearn.tree._tree.Tree",
        )),
    }
}

/// [`validate`], except the Trees in `done`, already checked with
/// [`validate_tree`] (their arrays are not looked up again). Arrays are
/// looked up only when a check needs them.
pub fn validate_except<'a>(
    g: &Graph,
    bytes: &ArrayBytes<'a>,
    done: &std::collections::HashSet<NodeId>,
) -> Result<(), ValidationError> {
    let v = V { g, bytes };
    // Trees are checked after the walk, in parallel: their node arrays are most
    // of a forest's bytes (a memory-bound scan).
    let mut trees: Vec<(NodeId, &[NodeId], Option<NodeId>)> = Vec::new();
    let live = g.reachable();
    let mut owned_trees = std::collections::HashSet::new();
    // what was checked already (shared values are validated once)
    let mut checked_predictors = std::collections::HashSet::new();
    let mut owned_predictors = std::collections::HashSet::new();
    let mut checked_predictor_lists = std::collections::HashSet::new();
    let mut checked_members = std::collections::HashSet::new();
    for (id, n) in g.nodes.iter().enumerate() {
        if !live[id] {
            continue;
        }
        let id = id as NodeId;
        let Some(class) = effective_class(g, n) else {
            continue;
        };
        let state = state_of(n);
        if let Some(st) = state {
            state::check_state_keys(g, class, id, st)?;
        }
        payloads::check(g, id, class, state)?;
        if let Node::Call { func, args, state } = n {
            if func.is("sklearn.tree._tree", "Tree") {
                if !done.contains(&id) {
                    trees.push((id, args, *state));
                }
                continue;
            }
            if func.is("numpy.ma.core", "_mareconstruct") {
                v.masked(id, *state)?;
                continue;
            }
        }
        if is_binary_tree(class) {
            v.binary_tree(id, state)?;
        } else if class.module == "sklearn.metrics._dist_metrics" {
            // a metric held outside a tree: checked on its own
            v.metric(id, None, &format!("{} (node {id})", class.name))?;
        } else if class.module.starts_with("scipy.sparse.") {
            v.sparse(id, &class.name, state)?;
        }
        let Some(st) = state else { continue };
        v.model_invariants(id, class, st)?;
        // A fitted tree estimator: its Tree must match its input width.
        if let Some(t) = g.dict_get(st, "tree_") {
            if let Some(Node::Call { func, args, .. }) = g.node(t) {
                if func.is("sklearn.tree._tree", "Tree") {
                    let ctx = format!("{} (node {id})", class.dotted());
                    let nf = g.dict_get(st, "n_features_in_").and_then(|x| g.as_int(x));
                    let tree_nf = args.first().and_then(|&a| g.as_int(a));
                    match (nf, tree_nf) {
                        (Some(a), Some(b)) if a == b => {}
                        _ => {
                            return Err(ValidationError::new(
                                ctx,
                                format!("n_features_in_ {nf:?} does not match its tree's n_features {tree_nf:?}"),
                            ))
                        }
                    }
                    owned_trees.insert(t);
                }
            }
        }
        // Ensembles that skip input checks on their trees.
        if trusts_tree_width(class) {
            let nf = g.dict_get(st, "n_features_in_").and_then(|x| g.as_int(x));
            let feats_id = g.dict_get(st, "estimators_features_");
            // A shared estimators_ is checked once per (list, width, features):
            // validation stays linear however often it is referenced.
            if let Some(ests) = g
                .dict_get(st, "estimators_")
                .filter(|&e| checked_members.insert((e, nf, feats_id)))
            {
                let ctx = format!("{} (node {id})", class.dotted());
                let feats = feats_id.map(|f| items_of(g, f));
                let mut members = items_of(g, ests);
                // GradientBoosting holds a 2-D object array; forests a list.
                if members
                    .iter()
                    .any(|&m| matches!(g.node(m), Some(Node::List(_) | Node::ObjectArray { .. })))
                {
                    members = members.iter().flat_map(|&m| items_of(g, m)).collect();
                }
                for (k, m) in members.iter().enumerate() {
                    let Some(mn) = g.node(*m) else { continue };
                    let Some(mst) = state_of(mn) else { continue };
                    if g.dict_get(mst, "tree_").is_none() {
                        continue;
                    }
                    let expected = match &feats {
                        Some(f) => match f.get(k).and_then(|&a| g.node(a)) {
                            Some(Node::Array(i)) => g
                                .arrays
                                .get(*i as usize)
                                .and_then(|s| s.count())
                                .map(|c| c as i64),
                            _ => None,
                        },
                        None => nf,
                    };
                    let got = g.dict_get(mst, "n_features_in_").and_then(|x| g.as_int(x));
                    if expected.is_none() || expected != got {
                        return Err(ValidationError::new(
                            ctx,
                            format!("estimator {k} expects {got:?} features but the ensemble passes it {expected:?}"),
                        ));
                    }
                }
            }
        }
        // HistGradientBoosting: predictors checked against n_features_in_.
        if class
            .module
            .starts_with("sklearn.ensemble._hist_gradient_boosting.gradient_boosting")
        {
            let nf = g.dict_get(st, "n_features_in_").and_then(|x| g.as_int(x));
            if let Some(p) = g
                .dict_get(st, "_predictors")
                .filter(|&p| checked_predictor_lists.insert((p, nf)))
            {
                if nf.is_none() {
                    return Err(ValidationError::new(
                        format!("{} (node {id})", class.dotted()),
                        "fitted TreePredictor objects without n_features_in_ (their feature indices could not be bounded)",
                    ));
                }
                let mut preds = Vec::new();
                collect_objects(g, p, "TreePredictor", &mut preds);
                for pid in preds {
                    if let Some(pn) = g.node(pid) {
                        if checked_predictors.insert((pid, nf)) {
                            v.hgb_predictor(pid, state_of(pn), nf)?;
                        }
                        owned_predictors.insert(pid);
                    }
                }
            }
        }
    }
    // the first failing tree in graph order, as a sequential walk would report
    let checked: Vec<Result<(), ValidationError>> = if trees.len() > 4 {
        use rayon::prelude::*;
        trees
            .par_iter()
            .map(|&(id, args, state)| v.tree(id, args, state))
            .collect()
    } else {
        trees
            .iter()
            .map(|&(id, args, state)| v.tree(id, args, state))
            .collect()
    };
    checked.into_iter().collect::<Result<(), _>>()?;
    for (id, n) in g.nodes.iter().enumerate() {
        if !live[id] {
            continue;
        }
        match n {
            Node::Call { func, .. }
                if func.is("sklearn.tree._tree", "Tree")
                    && !owned_trees.contains(&(id as NodeId)) =>
            {
                return Err(ValidationError::new(
                    format!("sklearn.tree._tree.Tree (node {id})"),
                    "a Tree must belong to a fitted tree estimator (its tree_ attribute) with a matching n_features_in_",
                ));
            }
            _ => {}
        }
        if let Some(c) = effective_class(g, n) {
            if c.is(
                "sklearn.ensemble._hist_gradient_boosting.predictor",
                "TreePredictor",
            ) && !owned_predictors.contains(&(id as NodeId))
            {
                v.hgb_predictor(id as NodeId, state_of(n), None)?;
            }
        }
    }
    Ok(())
}
