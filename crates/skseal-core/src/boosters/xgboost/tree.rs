//! One tree of an XGBoost gbtree/dart model (`RegTree::LoadModel` in
//! `src/tree/tree_model.cc`): read and checked so that the predictor's walk
//! from node 0 stays in bounds and ends.

use super::{bad, field, get_field, parse_int_str, Res};
use crate::boosters::ubjson::Value;

/// Largest category id accepted in a categorical split: XGBoost treats a
/// feature value at or above 2^24 as an invalid category (float32 can't hold
/// larger integers exactly), and sizes each split's bitfield from its
/// largest category.
pub const MAX_CATEGORY: i32 = (1 << 24) - 1;

/// A parsed, checked tree. Per-node arrays have `num_nodes` entries; a node
/// is a leaf when its `left_children` entry is -1 (then `split_conditions`
/// holds the leaf value, as in XGBoost).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct XgbTree {
    /// Number of nodes (>= 1); node 0 is the root.
    pub num_nodes: usize,
    /// `tree_param.num_feature` as written (the learner's `num_feature`
    /// bounds split indices).
    pub num_feature: u32,
    /// `tree_param.size_leaf_vector` (0 or 1: multi-target trees are refused).
    pub size_leaf_vector: u32,
    /// Left child per node (-1 for a leaf).
    pub left_children: Vec<i32>,
    /// Right child per node (-1 for a leaf).
    pub right_children: Vec<i32>,
    /// Parent per node (the root's is -1 or 2^31-1, XGBoost's masked -1).
    pub parents: Vec<i32>,
    /// Split feature per node (as `bst_feature_t`; meaningful for internal
    /// nodes, < the learner's `num_feature`).
    pub split_indices: Vec<u32>,
    /// Split threshold per internal node, leaf value per leaf (float32).
    pub split_conditions: Vec<f32>,
    /// Whether a missing value goes left, per node.
    pub default_left: Vec<bool>,
    /// 0 numerical, 1 categorical, per node (all 0 when the tree has no
    /// `split_type`).
    pub split_type: Vec<u8>,
    /// Node weights (`num_nodes` entries; only scalar-leaf trees are accepted).
    pub base_weights: Vec<f32>,
    /// Loss change per node (statistics; not used by prediction).
    pub loss_changes: Vec<f32>,
    /// Sum of hessians per node (statistics; not used by prediction).
    pub sum_hessian: Vec<f32>,
    /// Categories of all categorical splits, concatenated (each split's
    /// strictly ascending, in `[0, MAX_CATEGORY]`).
    pub categories: Vec<i32>,
    /// The categorical nodes, strictly ascending.
    pub categories_nodes: Vec<i32>,
    /// Start of each categorical node's categories in `categories`.
    pub categories_segments: Vec<i64>,
    /// Number of categories of each categorical node (>= 1).
    pub categories_sizes: Vec<i64>,
}

/// A float32 array (typed, or an array of numbers).
pub(super) fn f32s(v: &Value, at: &str) -> Res<Vec<f32>> {
    match v {
        Value::F32s(x) => Ok(x.clone()),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, e)| match e {
                Value::Float(f) => Ok(*f as f32),
                Value::Int(n) => Ok(*n as f32),
                _ => Err(bad(
                    format!("{at}[{i}]"),
                    format!("{} where a number was expected", e.kind()),
                )),
            })
            .collect(),
        _ => Err(bad(
            at,
            format!("{} where a float32 array was expected", v.kind()),
        )),
    }
}

fn i32s(v: &Value, at: &str) -> Res<Vec<i32>> {
    match v {
        Value::I32s(x) => Ok(x.clone()),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, e)| match e {
                Value::Int(n) => i32::try_from(*n)
                    .map_err(|_| bad(format!("{at}[{i}]"), format!("{n} does not fit int32"))),
                _ => Err(bad(
                    format!("{at}[{i}]"),
                    format!("{} where an integer was expected", e.kind()),
                )),
            })
            .collect(),
        _ => Err(bad(
            at,
            format!("{} where an int32 array was expected", v.kind()),
        )),
    }
}

pub(super) fn i64s(v: &Value, at: &str) -> Res<Vec<i64>> {
    match v {
        Value::I64s(x) => Ok(x.clone()),
        Value::I32s(x) => Ok(x.iter().map(|&n| n as i64).collect()),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, e)| match e {
                Value::Int(n) => Ok(*n),
                _ => Err(bad(
                    format!("{at}[{i}]"),
                    format!("{} where an integer was expected", e.kind()),
                )),
            })
            .collect(),
        _ => Err(bad(
            at,
            format!("{} where an integer array was expected", v.kind()),
        )),
    }
}

fn flags(v: &Value, at: &str, max: u8) -> Res<Vec<u8>> {
    let out: Vec<u8> = match v {
        Value::U8s(x) => x.clone(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, e)| match e {
                Value::Bool(b) => Ok(*b as u8),
                Value::Int(n) if (0..=255).contains(n) => Ok(*n as u8),
                _ => Err(bad(
                    format!("{at}[{i}]"),
                    format!("{} where 0..={max} was expected", e.kind()),
                )),
            })
            .collect::<Res<_>>()?,
        _ => {
            return Err(bad(
                at,
                format!("{} where a uint8 array was expected", v.kind()),
            ))
        }
    };
    if let Some(i) = out.iter().position(|&b| b > max) {
        return Err(bad(
            format!("{at}[{i}]"),
            format!("{} where 0..={max} was expected", out[i]),
        ));
    }
    Ok(out)
}

fn exact_len<T>(x: &[T], n: usize, at: &str) -> Res<()> {
    if x.len() != n {
        return Err(bad(
            at,
            format!("{} entries where num_nodes = {n} were expected", x.len()),
        ));
    }
    Ok(())
}

/// Read and check tree `index` (`at` is its path). `num_feature` is the
/// learner's; `cat_words` is the running total of the 32-bit words XGBoost
/// will allocate for categorical bitfields, refused past `max_cat_words`.
pub(super) fn parse_tree(
    v: &Value,
    at: &str,
    index: usize,
    num_feature: u32,
    cat_words: &mut u64,
    max_cat_words: u64,
    payload_len: usize,
) -> Res<XgbTree> {
    let p = |k: &str| format!("{at}.{k}");
    let id = field(v, at, "id")?;
    if *id != Value::Int(index as i64) {
        return Err(bad(
            p("id"),
            format!("{id:?} where {index} was expected (XGBoost places tree `id` at trees[id]; a repeated id leaves a tree unset)"),
        ));
    }
    let tp = field(v, at, "tree_param")?;
    let tpat = p("tree_param");
    let num_nodes = parse_int_str(tp, &tpat, "num_nodes", 1, i32::MAX as i64)? as usize;
    if num_nodes > payload_len {
        return Err(bad(
            format!("{tpat}.num_nodes"),
            format!("{num_nodes} nodes cannot fit a {payload_len}-byte payload"),
        ));
    }
    let num_deleted = parse_int_str(tp, &tpat, "num_deleted", 0, i32::MAX as i64)?;
    if num_deleted != 0 {
        return Err(bad(format!("{tpat}.num_deleted"), format!("{num_deleted} deleted nodes: trees with deleted (unreachable) nodes are not accepted")));
    }
    let tree_nf = parse_int_str(tp, &tpat, "num_feature", 0, u32::MAX as i64)? as u32;
    let size_leaf_vector = match get_field(tp, "size_leaf_vector") {
        None => 1,
        Some(_) => parse_int_str(tp, &tpat, "size_leaf_vector", 0, i32::MAX as i64)? as u32,
    };
    if size_leaf_vector > 1 {
        return Err(bad(
            format!("{tpat}.size_leaf_vector"),
            format!("{size_leaf_vector}: multi-target (vector-leaf) trees are not supported; only scalar leaves (0 or 1)"),
        ));
    }

    let n = num_nodes;
    let mut t = XgbTree {
        num_nodes: n,
        num_feature: tree_nf,
        size_leaf_vector,
        ..XgbTree::default()
    };
    t.loss_changes = f32s(field(v, at, "loss_changes")?, &p("loss_changes"))?;
    exact_len(&t.loss_changes, n, &p("loss_changes"))?;
    t.sum_hessian = f32s(field(v, at, "sum_hessian")?, &p("sum_hessian"))?;
    exact_len(&t.sum_hessian, n, &p("sum_hessian"))?;
    t.base_weights = f32s(field(v, at, "base_weights")?, &p("base_weights"))?;
    exact_len(&t.base_weights, n, &p("base_weights"))?;
    t.left_children = i32s(field(v, at, "left_children")?, &p("left_children"))?;
    exact_len(&t.left_children, n, &p("left_children"))?;
    t.right_children = i32s(field(v, at, "right_children")?, &p("right_children"))?;
    exact_len(&t.right_children, n, &p("right_children"))?;
    t.parents = i32s(field(v, at, "parents")?, &p("parents"))?;
    exact_len(&t.parents, n, &p("parents"))?;
    // XGBoost casts split indices to bst_feature_t (uint32); internal nodes
    // are range-checked in check_structure.
    let si_raw = i64s(field(v, at, "split_indices")?, &p("split_indices"))?;
    exact_len(&si_raw, n, &p("split_indices"))?;
    t.split_indices = si_raw.iter().map(|&x| x as u32).collect();
    t.split_conditions = f32s(field(v, at, "split_conditions")?, &p("split_conditions"))?;
    exact_len(&t.split_conditions, n, &p("split_conditions"))?;
    t.default_left = flags(field(v, at, "default_left")?, &p("default_left"), 1)?
        .into_iter()
        .map(|b| b == 1)
        .collect();
    exact_len(&t.default_left, n, &p("default_left"))?;

    check_structure(&t, &si_raw, num_feature, at)?;

    if get_field(v, "split_type").is_some() {
        t.split_type = flags(field(v, at, "split_type")?, &p("split_type"), 1)?;
        exact_len(&t.split_type, n, &p("split_type"))?;
        let cats_raw = i64s(field(v, at, "categories")?, &p("categories"))?;
        let nodes_raw = i64s(field(v, at, "categories_nodes")?, &p("categories_nodes"))?;
        t.categories_segments = i64s(
            field(v, at, "categories_segments")?,
            &p("categories_segments"),
        )?;
        t.categories_sizes = i64s(field(v, at, "categories_sizes")?, &p("categories_sizes"))?;
        check_categorical(&t, &cats_raw, &nodes_raw, at, cat_words, max_cat_words)?;
        // both checked in range above
        t.categories = cats_raw.iter().map(|&x| x as i32).collect();
        t.categories_nodes = nodes_raw.iter().map(|&x| x as i32).collect();
    } else {
        t.split_type = vec![0; n];
    }
    Ok(t)
}

/// Node 0 is the root; each internal node's children are both in
/// (node, num_nodes) with right = left + 1, each node is reached exactly
/// once, parents agree, split features are < num_feature.
fn check_structure(t: &XgbTree, split_raw: &[i64], num_feature: u32, at: &str) -> Res<()> {
    let n = t.num_nodes;
    let mut reached = vec![false; n];
    reached[0] = true;
    let root_parent = t.parents[0];
    if root_parent != -1 && root_parent != i32::MAX {
        return Err(bad(
            format!("{at}.parents[0]"),
            format!("{root_parent}: the root's parent must be -1 (or 2147483647)"),
        ));
    }
    for i in 0..n {
        let (l, r) = (t.left_children[i], t.right_children[i]);
        if !reached[i] {
            // children are always after their parent, so by now node i is
            // reached or never will be
            return Err(bad(
                format!("{at}.parents[{i}]"),
                format!("node {i} is not reachable from the root"),
            ));
        }
        if l == -1 && r == -1 {
            continue;
        }
        for (name, c) in [("left_children", l), ("right_children", r)] {
            if c == -1 {
                return Err(bad(
                    format!("{at}.{name}[{i}]"),
                    "-1 while the other child is set: a leaf has both children -1".to_string(),
                ));
            }
            if c as i64 <= i as i64 || c as i64 >= n as i64 {
                return Err(bad(
                    format!("{at}.{name}[{i}]"),
                    format!("child {c} of node {i} must be in ({i}, {n})"),
                ));
            }
            let cu = c as usize;
            if reached[cu] {
                return Err(bad(
                    format!("{at}.{name}[{i}]"),
                    format!("node {c} is already the child of another node (a tree reaches each node once)"),
                ));
            }
            reached[cu] = true;
            if t.parents[cu] != i as i32 {
                return Err(bad(
                    format!("{at}.parents[{c}]"),
                    format!(
                        "{} where {i} (the node whose child it is) was expected",
                        t.parents[cu]
                    ),
                ));
            }
        }
        // XGBoost's predictor (predict_fn.h GetNextNode) steps to
        // `LeftChild + !decision`: the right child must be left + 1.
        if r != l + 1 {
            return Err(bad(
                format!("{at}.right_children[{i}]"),
                format!("{r} where left + 1 = {} was expected (XGBoost's predictor takes left + 1 as the right child)", l + 1),
            ));
        }
        let f = split_raw[i];
        if f < 0 || f >= num_feature as i64 {
            return Err(bad(
                format!("{at}.split_indices[{i}]"),
                format!(
                    "feature {f} of internal node {i} must be in [0, num_feature = {num_feature})"
                ),
            ));
        }
    }
    Ok(())
}

fn check_categorical(
    t: &XgbTree,
    cats: &[i64],
    nodes: &[i64],
    at: &str,
    cat_words: &mut u64,
    max_cat_words: u64,
) -> Res<()> {
    let n = t.num_nodes;
    let k = nodes.len();
    if t.categories_segments.len() != k {
        return Err(bad(
            format!("{at}.categories_segments"),
            format!(
                "{} entries where {k} (one per categories_nodes entry) were expected",
                t.categories_segments.len()
            ),
        ));
    }
    if t.categories_sizes.len() != k {
        return Err(bad(
            format!("{at}.categories_sizes"),
            format!(
                "{} entries where {k} (one per categories_nodes entry) were expected",
                t.categories_sizes.len()
            ),
        ));
    }
    let mut next_seg: i64 = 0;
    let mut prev_node: i64 = -1;
    for (j, &node) in nodes.iter().enumerate() {
        if node <= prev_node || node >= n as i64 {
            return Err(bad(
                format!("{at}.categories_nodes[{j}]"),
                format!(
                    "{node}: categorical nodes must be strictly ascending and < num_nodes = {n}"
                ),
            ));
        }
        prev_node = node;
        let nu = node as usize;
        if t.split_type[nu] != 1 || t.left_children[nu] == -1 {
            return Err(bad(
                format!("{at}.categories_nodes[{j}]"),
                format!("node {node} is not an internal node with split_type 1"),
            ));
        }
        let (seg, size) = (t.categories_segments[j], t.categories_sizes[j]);
        if seg != next_seg {
            return Err(bad(
                format!("{at}.categories_segments[{j}]"),
                format!("{seg} where {next_seg} (segments are contiguous) was expected"),
            ));
        }
        if size < 1 || size > cats.len() as i64 - seg {
            return Err(bad(
                format!("{at}.categories_sizes[{j}]"),
                format!(
                    "{size}: must be >= 1 and within the {} categories from {seg}",
                    cats.len() as i64 - seg
                ),
            ));
        }
        let s = seg as usize;
        let e = s + size as usize;
        let mut prev = -1i64;
        for (ci, &c) in cats[s..e].iter().enumerate() {
            if c <= prev || c > MAX_CATEGORY as i64 {
                return Err(bad(format!("{at}.categories[{}]", s + ci), format!("{c}: a split's categories must be strictly ascending, in [0, {MAX_CATEGORY}]")));
            }
            prev = c;
        }
        *cat_words += (prev as u64 + 1).div_ceil(32);
        if *cat_words > max_cat_words {
            return Err(bad(format!("{at}.categories[{}]", e - 1), format!("categorical bitfields would need more than {max_cat_words} 32-bit words for this payload")));
        }
        next_seg = e as i64;
    }
    if next_seg != cats.len() as i64 {
        return Err(bad(
            format!("{at}.categories"),
            format!("{} entries where the sizes sum to {next_seg}", cats.len()),
        ));
    }
    if let Some(i) =
        (0..n).find(|&i| t.split_type[i] == 1 && nodes.binary_search(&(i as i64)).is_err())
    {
        return Err(bad(
            format!("{at}.split_type[{i}]"),
            "categorical node missing from categories_nodes".to_string(),
        ));
    }
    Ok(())
}
