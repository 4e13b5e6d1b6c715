//! One tree of LightGBM's model text: the `key=value` lines between a
//! `Tree=N` line and the blank line that ends the tree (what LightGBM's
//! `Tree::Tree(const char*, size_t*)` reads), parsed and checked so that
//! LightGBM's `GetLeaf` / `Predict` only follow indices that exist and
//! always reach a leaf.

use super::{err, float_tokens, int_tokens, parse_f64, parse_int, Line};
use crate::boosters::BoosterError;

/// Bit of `decision_type`: the split is categorical (LightGBM's
/// `kCategoricalMask`).
pub const CATEGORICAL_MASK: u8 = 1;
/// Bit of `decision_type`: missing values go left (`kDefaultLeftMask`).
pub const DEFAULT_LEFT_MASK: u8 = 2;
/// Missing type (bits 2-3 of `decision_type`): none.
pub const MISSING_NONE: u8 = 0;
/// Missing type: zero (and NaN, which LightGBM maps to 0.0) is missing.
pub const MISSING_ZERO: u8 = 1;
/// Missing type: NaN is missing.
pub const MISSING_NAN: u8 = 2;

/// The missing type of a `decision_type` (bits 2-3).
pub fn missing_type(decision_type: u8) -> u8 {
    (decision_type >> 2) & 3
}

/// Most leaves a tree may have: LightGBM's own limit on `num_leaves`
/// (`CHECK_LE(num_leaves, 131072)` in its config).
pub const MAX_LEAVES: usize = 131072;

/// Deepest leaf accepted (root at depth 0). LightGBM's SHAP contributions
/// allocate `(d+1)(d+2)/2` path elements per call in `int` arithmetic (which
/// overflows past depth ~46000) and recurse once per level; a chain of this
/// many splits is already far beyond what training produces.
pub const MAX_TREE_DEPTH: usize = 1024;

/// LightGBM's `Tree::Tree` reads at most this many lines of a tree.
const MAX_TREE_LINES: usize = 22;

/// The keys a tree may carry (LightGBM's writer writes these and no other).
const KEYS: [&str; MAX_TREE_LINES] = [
    "num_leaves",
    "num_cat",
    "split_feature",
    "split_gain",
    "threshold",
    "decision_type",
    "left_child",
    "right_child",
    "leaf_value",
    "leaf_weight",
    "leaf_count",
    "internal_value",
    "internal_weight",
    "internal_count",
    "cat_boundaries",
    "cat_threshold",
    "is_linear",
    "leaf_const",
    "num_features",
    "leaf_features",
    "leaf_coeff",
    "shrinkage",
];

/// One parsed and checked tree. Node `i` (0 <= i < num_leaves-1) is an
/// internal node; a child `c < 0` is the leaf `!c`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LgbTree {
    /// Number of leaves (>= 1); there are `num_leaves - 1` internal nodes.
    pub num_leaves: usize,
    /// Number of categorical splits (= entries of `cat_boundaries` - 1).
    pub num_cat: usize,
    /// Feature of each internal node, in `[0, max_feature_idx]`.
    pub split_feature: Vec<i32>,
    /// Gain of each split, when written (not used by predict).
    pub split_gain: Option<Vec<f64>>,
    /// Threshold of each numerical split; for a categorical split, the index
    /// (an integer in `[0, num_cat)`) of its bitset in `cat_boundaries`.
    pub threshold: Vec<f64>,
    /// Decision bits of each internal node (see the `*_MASK` constants and
    /// [`missing_type`]); all zero when the text has no `decision_type`.
    pub decision_type: Vec<u8>,
    /// Left child of each internal node (node index, or `!leaf`).
    pub left_child: Vec<i32>,
    /// Right child of each internal node (node index, or `!leaf`).
    pub right_child: Vec<i32>,
    /// Output of each leaf (finite), shrinkage already applied.
    pub leaf_value: Vec<f64>,
    /// Hessian sum of each leaf, when written (not used by predict).
    pub leaf_weight: Option<Vec<f64>>,
    /// Data count of each leaf, when written (used by SHAP contributions).
    pub leaf_count: Option<Vec<i32>>,
    /// Output of each internal node, when written (not used by predict).
    pub internal_value: Option<Vec<f64>>,
    /// Hessian sum of each internal node, when written.
    pub internal_weight: Option<Vec<f64>>,
    /// Data count of each internal node, when written (SHAP).
    pub internal_count: Option<Vec<i32>>,
    /// `num_cat + 1` offsets into `cat_threshold`: 0 first, non-decreasing,
    /// `cat_threshold.len()` last. Empty when `num_cat == 0`.
    pub cat_boundaries: Vec<i32>,
    /// The 32-bit words of every categorical split's bitset.
    pub cat_threshold: Vec<u32>,
    /// A linear tree: a leaf's output is `leaf_const + sum(coeff * x)`.
    pub is_linear: bool,
    /// Constant term of each leaf (linear trees only).
    pub leaf_const: Vec<f64>,
    /// Features of each leaf's linear model, in `[0, max_feature_idx]`.
    pub leaf_features: Vec<Vec<i32>>,
    /// Coefficients of each leaf's linear model (same shape as
    /// `leaf_features`).
    pub leaf_coeff: Vec<Vec<f64>>,
    /// Learning rate of this tree (1 when not written).
    pub shrinkage: f64,
}

/// The `key=value` lines of one tree, by key (index into `KEYS`).
struct Fields<'a> {
    tree: usize,
    values: [Option<(usize, &'a str)>; MAX_TREE_LINES],
}

impl<'a> Fields<'a> {
    fn get(&self, key: &str) -> Option<(usize, &'a str)> {
        KEYS.iter()
            .position(|k| *k == key)
            .and_then(|i| self.values.get(i).copied().flatten())
    }

    fn at(&self, key: &str) -> String {
        format!("Tree={}, {}", self.tree, key)
    }

    fn required(&self, key: &str) -> Result<(usize, &'a str), BoosterError> {
        self.get(key).ok_or_else(|| {
            err(
                self.at(key),
                format!("the tree has no {key} line, which LightGBM requires here"),
            )
        })
    }

    fn int(&self, key: &str) -> Result<Option<i64>, BoosterError> {
        match self.get(key) {
            None => Ok(None),
            Some((line, v)) => parse_int(v).map(Some).ok_or_else(|| {
                err(
                    format!("Tree={}, line {} ({})", self.tree, line, key),
                    format!("expected an integer, found {:?}", clip(v)),
                )
            }),
        }
    }

    fn ints(
        &self,
        key: &str,
        n: usize,
        lo: i64,
        hi: i64,
    ) -> Result<Option<Vec<i64>>, BoosterError> {
        match self.get(key) {
            None => Ok(None),
            Some((_, v)) => int_tokens(&self.at(key), v, n, lo, hi).map(Some),
        }
    }

    fn floats(&self, key: &str, n: usize, finite: bool) -> Result<Option<Vec<f64>>, BoosterError> {
        match self.get(key) {
            None => Ok(None),
            Some((_, v)) => float_tokens(&self.at(key), v, n, finite).map(Some),
        }
    }

    fn absent(&self, key: &str, why: &str) -> Result<(), BoosterError> {
        match self.get(key) {
            None => Ok(()),
            Some(_) => Err(err(self.at(key), why.to_string())),
        }
    }
}

fn tokens_empty(v: &str) -> bool {
    v.bytes().all(|b| b == b' ')
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

fn to_i32(v: Vec<i64>) -> Vec<i32> {
    // Callers bounded every value to the i32 range.
    v.into_iter()
        .map(|x| i32::try_from(x).unwrap_or_default())
        .collect()
}

/// Parse the key lines of tree `tree` (the lines after `Tree=N`, without the
/// blank line that ends it). `max_feature_idx` bounds `split_feature` and
/// `leaf_features`; `payload_len` bounds `num_leaves`.
pub(super) fn parse_tree(
    tree: usize,
    lines: &[Line<'_>],
    max_feature_idx: usize,
    payload_len: usize,
) -> Result<LgbTree, BoosterError> {
    if lines.len() > MAX_TREE_LINES {
        let line = lines.get(MAX_TREE_LINES).map_or(0, |l| l.no);
        return Err(err(
            format!("Tree={tree}, line {line}"),
            format!(
                "a tree has at most {MAX_TREE_LINES} lines (LightGBM stops reading a tree \
                 there and would take the rest for something else)"
            ),
        ));
    }
    let mut fields = Fields {
        tree,
        values: [None; MAX_TREE_LINES],
    };
    for line in lines {
        let Some((key, value)) = line.text.split_once('=') else {
            return Err(err(
                format!("Tree={tree}, line {}", line.no),
                "expected key=value (LightGBM's tree reader scans for '=' past the end of a \
                 line without one)",
            ));
        };
        let Some(k) = KEYS.iter().position(|k| *k == key) else {
            return Err(err(
                format!("Tree={tree}, line {} ({})", line.no, clip(key)),
                "unknown tree key (LightGBM ignores unknown keys; skseal refuses them so the \
                 text it checks is the text LightGBM reads)",
            ));
        };
        match fields.values.get_mut(k) {
            Some(slot @ None) => *slot = Some((line.no, value)),
            _ => {
                return Err(err(
                    format!("Tree={tree}, line {} ({key})", line.no),
                    "duplicate key (LightGBM would keep the last one)",
                ))
            }
        }
    }

    // num_leaves, bounded by the payload: each leaf needs a leaf_value.
    let (nl_line, _) = fields.required("num_leaves")?;
    let num_leaves = fields.int("num_leaves")?.unwrap_or(0);
    let limit = i64::try_from(payload_len.min(MAX_LEAVES)).unwrap_or(0);
    if num_leaves < 1 || num_leaves > limit {
        return Err(err(
            format!("Tree={tree}, line {nl_line} (num_leaves)"),
            format!(
                "num_leaves must be in [1, {limit}] (LightGBM's limit is {MAX_LEAVES}, and each \
                 leaf needs bytes of the payload), found {num_leaves}"
            ),
        ));
    }
    let n = usize::try_from(num_leaves).unwrap_or(0);
    let n_int = n - 1;

    let (nc_line, _) = fields.required("num_cat")?;
    let num_cat = fields.int("num_cat")?.unwrap_or(-1);
    if num_cat < 0 || num_cat > i64::try_from(n_int).unwrap_or(i64::MAX) {
        return Err(err(
            format!("Tree={tree}, line {nc_line} (num_cat)"),
            format!("num_cat must be in [0, num_leaves-1 = {n_int}], found {num_cat}"),
        ));
    }
    let num_cat = usize::try_from(num_cat).unwrap_or(0);

    fields.required("leaf_value")?;
    let leaf_value = fields.floats("leaf_value", n, true)?.unwrap_or_default();

    let is_linear = match fields.int("is_linear")? {
        None | Some(0) => false,
        Some(1) => true,
        Some(v) => {
            return Err(err(
                fields.at("is_linear"),
                format!("is_linear must be 0 or 1, found {v}"),
            ))
        }
    };
    let shrinkage = match fields.get("shrinkage") {
        None => 1.0,
        Some((line, v)) => parse_f64(v).filter(|x| x.is_finite()).ok_or_else(|| {
            err(
                format!("Tree={tree}, line {line} (shrinkage)"),
                format!("expected a finite number, found {:?}", clip(v)),
            )
        })?,
    };

    let feat_hi = i64::try_from(max_feature_idx).unwrap_or(i64::MAX);
    if n > 1 || is_linear {
        for key in ["left_child", "right_child", "split_feature", "threshold"] {
            fields.required(key)?;
        }
    }
    let i32_lo = i64::from(i32::MIN);
    let i32_hi = i64::from(i32::MAX);
    let left_child = to_i32(
        fields
            .ints("left_child", n_int, i32_lo, i32_hi)?
            .unwrap_or_default(),
    );
    let right_child = to_i32(
        fields
            .ints("right_child", n_int, i32_lo, i32_hi)?
            .unwrap_or_default(),
    );
    let split_feature = to_i32(
        fields
            .ints("split_feature", n_int, 0, feat_hi)?
            .unwrap_or_default(),
    );
    let threshold = fields
        .floats("threshold", n_int, false)?
        .unwrap_or_default();
    // A forced split may carry an infinite gain; predict does not use it.
    let split_gain = fields.floats("split_gain", n_int, false)?;
    // A one-leaf tree's writer prints an empty leaf_weight (LightGBM does not
    // read it then).
    let leaf_weight = match fields.get("leaf_weight") {
        Some((_, v)) if n == 1 && !is_linear && tokens_empty(v) => None,
        _ => fields.floats("leaf_weight", n, true)?,
    };
    let leaf_count = fields.ints("leaf_count", n, 0, i32_hi)?.map(to_i32);
    let internal_value = fields.floats("internal_value", n_int, true)?;
    let internal_weight = fields.floats("internal_weight", n_int, true)?;
    let internal_count = fields.ints("internal_count", n_int, 0, i32_hi)?.map(to_i32);
    let decision_type: Vec<u8> = match fields.ints("decision_type", n_int, 0, 15)? {
        None => vec![0; n_int],
        Some(v) => v
            .into_iter()
            .map(|x| u8::try_from(x).unwrap_or(u8::MAX))
            .collect(),
    };
    for (i, &d) in decision_type.iter().enumerate() {
        if missing_type(d) > MISSING_NAN {
            return Err(err(
                format!("Tree={tree}, decision_type[{i}]"),
                format!(
                    "decision_type {d}: bits 2-3 (missing type) must be 0 (none), 1 (zero) or \
                     2 (NaN), and only bits 0-3 may be set"
                ),
            ));
        }
    }

    // Categorical splits.
    let (cat_boundaries, cat_threshold) = if num_cat > 0 {
        fields.required("cat_boundaries")?;
        fields.required("cat_threshold")?;
        let b = to_i32(
            fields
                .ints("cat_boundaries", num_cat + 1, 0, i32_hi)?
                .unwrap_or_default(),
        );
        let mut prev = 0i32;
        for (i, &x) in b.iter().enumerate() {
            if (i == 0 && x != 0) || x < prev {
                return Err(err(
                    format!("Tree={tree}, cat_boundaries[{i}]"),
                    "cat_boundaries must start at 0 and never decrease",
                ));
            }
            prev = x;
        }
        let words = usize::try_from(prev).unwrap_or(0);
        let t = fields
            .ints("cat_threshold", words, 0, i64::from(u32::MAX))?
            .unwrap_or_default()
            .into_iter()
            .map(|x| u32::try_from(x).unwrap_or_default())
            .collect();
        (b, t)
    } else {
        let why = "num_cat is 0, so LightGBM does not read this line";
        fields.absent("cat_boundaries", why)?;
        fields.absent("cat_threshold", why)?;
        (Vec::new(), Vec::new())
    };
    let mut cat_used = vec![false; num_cat];
    let mut n_cat_nodes = 0usize;
    for (i, (&d, &t)) in decision_type.iter().zip(threshold.iter()).enumerate() {
        if d & CATEGORICAL_MASK != 0 {
            n_cat_nodes += 1;
            // LightGBM casts the threshold to int and indexes cat_boundaries
            // with it and with it + 1.
            let ok = t.fract() == 0.0 && t >= 0.0 && t < num_cat as f64;
            let slot = if ok {
                cat_used.get_mut(t as usize)
            } else {
                None
            };
            match slot {
                Some(used @ false) => *used = true,
                _ => {
                    return Err(err(
                        format!("Tree={tree}, threshold[{i}]"),
                        format!(
                            "a categorical split's threshold is its bitset index: an integer in \
                             [0, num_cat = {num_cat}) used by no other split, found {t}"
                        ),
                    ))
                }
            }
        } else if t.is_nan() {
            return Err(err(
                format!("Tree={tree}, threshold[{i}]"),
                "a numerical split's threshold must not be NaN",
            ));
        }
    }
    if n_cat_nodes != num_cat {
        return Err(err(
            format!("Tree={tree}, line {nc_line} (num_cat)"),
            format!(
                "num_cat is {num_cat} but {n_cat_nodes} splits are categorical (LightGBM picks its \
                 decision function by num_cat)"
            ),
        ));
    }

    check_structure(tree, n, &left_child, &right_child)?;

    let (leaf_const, leaf_features, leaf_coeff) = if is_linear {
        linear(&fields, n, feat_hi)?
    } else {
        let why = "is_linear is 0, so LightGBM does not read this line";
        for key in ["leaf_const", "num_features", "leaf_features", "leaf_coeff"] {
            fields.absent(key, why)?;
        }
        (Vec::new(), Vec::new(), Vec::new())
    };

    Ok(LgbTree {
        num_leaves: n,
        num_cat,
        split_feature,
        split_gain,
        threshold,
        decision_type,
        left_child,
        right_child,
        leaf_value,
        leaf_weight,
        leaf_count,
        internal_value,
        internal_weight,
        internal_count,
        cat_boundaries,
        cat_threshold,
        is_linear,
        leaf_const,
        leaf_features,
        leaf_coeff,
        shrinkage,
    })
}

type Linear = (Vec<f64>, Vec<Vec<i32>>, Vec<Vec<f64>>);

/// The linear model of every leaf: LightGBM slices `leaf_features` and
/// `leaf_coeff` by the counts of `num_features` without checking them, and
/// indexes `leaf_coeff[leaf][i]` for every feature of the leaf, so all four
/// lines are required and must agree.
fn linear(fields: &Fields<'_>, n: usize, feat_hi: i64) -> Result<Linear, BoosterError> {
    for key in ["leaf_const", "num_features", "leaf_features", "leaf_coeff"] {
        fields.required(key)?;
    }
    let leaf_const = fields.floats("leaf_const", n, true)?.unwrap_or_default();
    let counts = fields
        .ints("num_features", n, 0, feat_hi.saturating_add(1))?
        .unwrap_or_default();
    let mut total = 0usize;
    for (i, &c) in counts.iter().enumerate() {
        total = usize::try_from(c)
            .ok()
            .and_then(|c| total.checked_add(c))
            .ok_or_else(|| {
                err(
                    format!("{}[{i}]", fields.at("num_features")),
                    "count overflows",
                )
            })?;
    }
    let features = fields
        .ints("leaf_features", total, 0, feat_hi)?
        .unwrap_or_default();
    let coeff = fields
        .floats("leaf_coeff", total, true)?
        .unwrap_or_default();
    let mut leaf_features = Vec::with_capacity(n);
    let mut leaf_coeff = Vec::with_capacity(n);
    let (mut f_it, mut c_it) = (features.into_iter(), coeff.into_iter());
    for &c in &counts {
        let c = usize::try_from(c).unwrap_or(0);
        leaf_features.push(to_i32(f_it.by_ref().take(c).collect()));
        leaf_coeff.push(c_it.by_ref().take(c).collect());
    }
    Ok((leaf_const, leaf_features, leaf_coeff))
}

/// Every child is an internal node in `[0, n-1)` or a leaf `!k` with `k` in
/// `[0, n)`, and walking from node 0 reaches every internal node and every
/// leaf exactly once (no cycle, which would hang `GetLeaf`, no sharing, no
/// unreachable part).
fn check_structure(tree: usize, n: usize, left: &[i32], right: &[i32]) -> Result<(), BoosterError> {
    if n == 1 {
        return Ok(());
    }
    let n_int = n - 1;
    let mut node_seen = vec![false; n_int];
    let mut leaf_seen = vec![false; n];
    if let Some(root) = node_seen.get_mut(0) {
        *root = true;
    }
    let mut stack = vec![(0usize, 0usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth >= MAX_TREE_DEPTH {
            return Err(err(
                format!("Tree={tree}, left_child[{node}]"),
                format!(
                    "node {node} is at depth {depth}: leaves deeper than {MAX_TREE_DEPTH} are \
                     refused (LightGBM's SHAP allocates quadratically in the depth)"
                ),
            ));
        }
        for (side, children) in [("left_child", left), ("right_child", right)] {
            let at = || format!("Tree={tree}, {side}[{node}]");
            let c = *children.get(node).ok_or_else(|| err(at(), "missing"))?;
            if c >= 0 {
                let ci = usize::try_from(c).unwrap_or(usize::MAX);
                match node_seen.get_mut(ci) {
                    None => {
                        return Err(err(
                            at(),
                            format!("child {c} is not an internal node: expected [0, {n_int}) or a leaf ~k with k in [0, {n})"),
                        ))
                    }
                    Some(true) => {
                        return Err(err(
                            at(),
                            format!("internal node {c} is reached twice (a cycle or a shared subtree)"),
                        ))
                    }
                    Some(seen) => {
                        *seen = true;
                        stack.push((ci, depth + 1));
                    }
                }
            } else {
                let k = !c;
                let ki = usize::try_from(k).unwrap_or(usize::MAX);
                match leaf_seen.get_mut(ki) {
                    None => {
                        return Err(err(
                            at(),
                            format!("child {c} names leaf {k}, but the leaves are [0, {n}) (expected a node in [0, {n_int}) or ~k)"),
                        ))
                    }
                    Some(true) => {
                        return Err(err(at(), format!("leaf {k} is reached twice (shared leaf)")))
                    }
                    Some(seen) => *seen = true,
                }
            }
        }
    }
    if let Some(i) = node_seen.iter().position(|s| !s) {
        return Err(err(
            format!("Tree={tree}, left_child"),
            format!("internal node {i} is not reachable from node 0"),
        ));
    }
    if let Some(k) = leaf_seen.iter().position(|s| !s) {
        return Err(err(
            format!("Tree={tree}, left_child"),
            format!("leaf {k} is not reachable from node 0"),
        ));
    }
    Ok(())
}
