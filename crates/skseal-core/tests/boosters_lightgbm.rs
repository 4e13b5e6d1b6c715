//! LightGBM model text: the fixtures written by
//! scripts/booster_fixtures_lightgbm.py parse and match their expected facts,
//! and hostile variants are refused with the place named.

use proptest::prelude::*;
use skseal_core::boosters::lightgbm::{parse, LgbModel};
use skseal_core::boosters::BoosterError;
use std::path::PathBuf;

const FIXTURES: [&str; 8] = [
    "binary",
    "multiclass",
    "regression",
    "categorical",
    "linear",
    "stump",
    "single_leaf",
    "random_forest",
];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/boosters/lightgbm")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(dir().join(format!("{name}.txt"))).expect("fixture")
}

fn ok(text: &str) -> LgbModel {
    parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn refused(text: &str) -> BoosterError {
    match parse(text.as_bytes()) {
        Ok(_) => panic!("accepted a hostile text"),
        Err(e) => e,
    }
}

/// Replace the value of `key` in tree `tree` (the first such line after
/// `Tree=tree`).
fn set_tree(text: &str, tree: usize, key: &str, value: &str) -> String {
    let start = text.find(&format!("\nTree={tree}\n")).expect("tree") + 1;
    let rel = text[start..].find(&format!("\n{key}=")).expect("key") + 1;
    let line_start = start + rel;
    let line_end = line_start + text[line_start..].find('\n').expect("eol");
    format!("{}{key}={value}{}", &text[..line_start], &text[line_end..])
}

fn get_tree(text: &str, tree: usize, key: &str) -> Vec<String> {
    let start = text.find(&format!("\nTree={tree}\n")).expect("tree") + 1;
    let rel = text[start..].find(&format!("\n{key}=")).expect("key") + 1;
    let line = text[start + rel..].lines().next().expect("line");
    line[key.len() + 1..]
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Set token `i` of the tree array `key`.
fn set_token(text: &str, tree: usize, key: &str, i: usize, value: &str) -> String {
    let mut toks = get_tree(text, tree, key);
    toks[i] = value.to_string();
    set_tree(text, tree, key, &toks.join(" "))
}

fn set_header(text: &str, key: &str, value: &str) -> String {
    let line_start = text.find(&format!("\n{key}=")).expect("key") + 1;
    let line_end = line_start + text[line_start..].find('\n').expect("eol");
    format!("{}{key}={value}{}", &text[..line_start], &text[line_end..])
}

fn without_sizes(text: &str) -> String {
    let sizes = text.lines().find(|l| l.starts_with("tree_sizes=")).unwrap();
    text.replacen(&format!("{sizes}\n"), "", 1)
}

fn assert_at(e: &BoosterError, at: &str) {
    assert_eq!(e.library, "LightGBM");
    assert!(e.at.contains(at), "expected at ~ {at:?}, got {e}");
}

#[test]
fn fixtures_parse_and_match_expected() {
    for name in FIXTURES {
        let text = fixture(name);
        let m = ok(&text);
        let exp: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir().join(format!("{name}.expected.json"))).unwrap(),
        )
        .unwrap();
        let n = |k: &str| exp[k].as_u64().unwrap() as usize;
        assert_eq!(m.trees.len(), n("num_trees"), "{name}");
        assert_eq!(m.header.num_class, n("num_class"), "{name}");
        assert_eq!(m.header.num_tree_per_iteration, n("num_tree_per_iteration"));
        assert_eq!(m.header.max_feature_idx, n("max_feature_idx"), "{name}");
        assert_eq!(m.header.objective.as_deref(), exp["objective"].as_str());
        assert_eq!(m.header.feature_names.len(), m.header.max_feature_idx + 1);
        let leaves: Vec<usize> = m.trees.iter().map(|t| t.num_leaves).collect();
        let want: Vec<usize> = exp["num_leaves"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(leaves, want, "{name}");
        let cats: Vec<u64> = m.trees.iter().map(|t| t.num_cat as u64).collect();
        let want: Vec<u64> = exp["num_cat"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(cats, want, "{name}");
        let linear: Vec<bool> = m.trees.iter().map(|t| t.is_linear).collect();
        let want: Vec<bool> = exp["is_linear"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_bool().unwrap())
            .collect();
        assert_eq!(linear, want, "{name}");
        let bits = |v: &[f64]| -> Vec<String> {
            v.iter().map(|x| format!("{:016x}", x.to_bits())).collect()
        };
        let want_bits = |k: &str| -> Vec<String> {
            exp[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            bits(&m.trees[0].threshold),
            want_bits("first_tree_threshold_bits"),
            "{name}"
        );
        assert_eq!(
            bits(&m.trees[0].leaf_value),
            want_bits("first_tree_leaf_value_bits"),
            "{name}"
        );
        assert_eq!(
            m.pandas_categorical.is_some(),
            exp["has_pandas_categorical"].as_bool().unwrap()
        );
        assert!(m.parameters.is_some(), "{name}");
        assert_eq!(
            m.header.average_output,
            exp["average_output"].as_bool().unwrap()
        );
        for t in &m.trees {
            assert_eq!(t.left_child.len(), t.num_leaves - 1);
            assert_eq!(t.leaf_value.len(), t.num_leaves);
            assert_eq!(
                t.cat_boundaries.len(),
                if t.num_cat > 0 { t.num_cat + 1 } else { 0 }
            );
        }
    }
}

#[test]
fn fixture_details() {
    let m = ok(&fixture("linear"));
    let t = &m.trees[1];
    assert_eq!(t.leaf_const.len(), t.num_leaves);
    assert_eq!(t.leaf_features, vec![vec![0], vec![0], vec![0]]);
    assert_eq!(t.leaf_coeff.iter().map(Vec::len).sum::<usize>(), 3);
    let m = ok(&fixture("categorical"));
    assert_eq!(m.trees[0].cat_boundaries, vec![0, 1, 2]);
    assert_eq!(m.trees[0].cat_threshold, vec![82, 9]);
    let m = ok(&fixture("binary"));
    assert!(
        m.trees[0].decision_type.contains(&8),
        "a NaN missing-type split"
    );
    assert_eq!(m.trees[1].shrinkage, 0.1);
    assert_eq!(m.header.tree_sizes.as_ref().map(Vec::len), Some(4));
    let m = ok(&fixture("single_leaf"));
    assert_eq!(m.trees[0].num_leaves, 1);
    assert!(m.trees[0].left_child.is_empty());
}

#[test]
fn child_out_of_range() {
    let text = fixture("regression");
    let e = refused(&set_token(&text, 0, "left_child", 0, "99"));
    assert_at(&e, "Tree=0, left_child[0]");
    let e = refused(&set_token(&text, 1, "right_child", 0, "-99"));
    assert_at(&e, "Tree=1, right_child[0]");
    let e = refused(&set_token(&text, 0, "left_child", 0, "2147483648"));
    assert_at(&e, "Tree=0, left_child[0]");
}

/// An internal node (not the root) of tree 0 and its parent side.
fn internal_child(text: &str) -> usize {
    let l = get_tree(text, 0, "left_child");
    let r = get_tree(text, 0, "right_child");
    l.iter()
        .chain(r.iter())
        .map(|x| x.parse::<i32>().unwrap())
        .find(|&c| c > 0)
        .expect("an internal child") as usize
}

#[test]
fn cycle_back_to_root() {
    let text = fixture("regression");
    let node = internal_child(&text);
    let e = refused(&set_token(&text, 0, "left_child", node, "0"));
    assert_at(&e, &format!("Tree=0, left_child[{node}]"));
    assert!(e.why.contains("twice"), "{e}");
    // A node pointing at itself.
    let e = refused(&set_token(&text, 0, "right_child", node, &node.to_string()));
    assert_at(&e, &format!("Tree=0, right_child[{node}]"));
}

#[test]
fn shared_leaf() {
    let text = fixture("regression");
    let l = get_tree(&text, 0, "left_child");
    let r = get_tree(&text, 0, "right_child");
    // Make every negative child of node `node` the same leaf as another.
    let leaves: Vec<(usize, bool, String)> = l
        .iter()
        .enumerate()
        .map(|(i, v)| (i, true, v.clone()))
        .chain(r.iter().enumerate().map(|(i, v)| (i, false, v.clone())))
        .filter(|(_, _, v)| v.starts_with('-'))
        .collect();
    let (i, left, _) = &leaves[1];
    let key = if *left { "left_child" } else { "right_child" };
    let e = refused(&set_token(&text, 0, key, *i, &leaves[0].2));
    assert_eq!(e.library, "LightGBM");
    assert!(e.at.starts_with("Tree=0, "), "{e}");
    assert!(e.at.contains("_child["), "{e}");
    assert!(e.why.contains("twice"), "{e}");
}

#[test]
fn split_feature_out_of_range() {
    let text = fixture("binary");
    let e = refused(&set_token(&text, 0, "split_feature", 1, "4"));
    assert_at(&e, "Tree=0, split_feature[1]");
    let e = refused(&set_token(&text, 0, "split_feature", 0, "-1"));
    assert_at(&e, "Tree=0, split_feature[0]");
}

#[test]
fn bad_decision_type() {
    let text = fixture("binary");
    for bad in ["12", "14", "16", "-1", "128"] {
        let e = refused(&set_token(&text, 0, "decision_type", 0, bad));
        assert_at(&e, "Tree=0, decision_type[0]");
    }
    // A categorical bit on a tree with num_cat=0.
    let e = refused(&set_token(&text, 0, "decision_type", 0, "1"));
    assert_at(&e, "Tree=0, ");
    assert!(e.why.contains("num_cat"), "{e}");
}

#[test]
fn categorical_checks() {
    let text = fixture("categorical");
    // threshold[0] is the bitset index of a categorical split.
    let e = refused(&set_token(&text, 0, "threshold", 0, "5"));
    assert_at(&e, "Tree=0, threshold[0]");
    let e = refused(&set_token(&text, 0, "threshold", 0, "0.5"));
    assert_at(&e, "Tree=0, threshold[0]");
    // Two splits using the same bitset.
    let e = refused(&set_token(&text, 0, "threshold", 2, "0"));
    assert_at(&e, "Tree=0, threshold[2]");
    // cat_boundaries non-monotone / not starting at 0 / not matching.
    let e = refused(&set_tree(&text, 0, "cat_boundaries", "0 2 1"));
    assert_at(&e, "Tree=0, cat_boundaries[2]");
    let e = refused(&set_tree(&text, 0, "cat_boundaries", "1 1 2"));
    assert_at(&e, "Tree=0, cat_boundaries[0]");
    let e = refused(&set_tree(&text, 0, "cat_boundaries", "0 1"));
    assert_at(&e, "Tree=0, cat_boundaries");
    let e = refused(&set_tree(&text, 0, "cat_threshold", "82 9 7"));
    assert_at(&e, "Tree=0, cat_threshold");
    let e = refused(&set_tree(&text, 0, "cat_boundaries", "0 1 3"));
    assert_at(&e, "Tree=0, cat_threshold");
    let e = refused(&set_tree(&text, 0, "num_cat", "1"));
    assert_at(&e, "Tree=0, ");
    let e = refused(&set_token(&text, 0, "cat_threshold", 0, "4294967296"));
    assert_at(&e, "Tree=0, cat_threshold[0]");
}

#[test]
fn huge_counts_with_short_arrays() {
    let text = fixture("binary");
    let e = refused(&set_tree(&text, 0, "num_leaves", "1000000000"));
    assert_at(&e, "Tree=0, ");
    assert!(e.at.contains("num_leaves"), "{e}");
    let e = refused(&set_tree(&text, 0, "num_leaves", "40"));
    assert_at(&e, "Tree=0, leaf_value");
    let e = refused(&set_tree(&text, 0, "num_leaves", "0"));
    assert_at(&e, "Tree=0, ");
    let e = refused(&set_tree(&text, 0, "num_leaves", "-3"));
    assert_at(&e, "Tree=0, ");
    let e = refused(&set_tree(&text, 0, "num_cat", "1000000000"));
    assert_at(&e, "Tree=0, ");
    let linear = fixture("linear");
    let e = refused(&set_tree(&linear, 1, "num_features", "1 1 1000000000"));
    assert_at(&e, "Tree=1, num_features[2]");
    let e = refused(&set_tree(&linear, 1, "num_features", "1 1 2"));
    assert_at(&e, "Tree=1, leaf_features");
    let e = refused(&set_tree(&linear, 1, "leaf_features", "0  0  7  "));
    assert_at(&e, "Tree=1, leaf_features[2]");
    let e = refused(&set_tree(&linear, 1, "leaf_coeff", "0.5  0.25  nan  "));
    assert_at(&e, "Tree=1, leaf_coeff[2]");
    let e = refused(&linear.replacen("[linear_tree: 1]", "[linear_tree: 0]", 1));
    assert_at(&e, "Tree=0, is_linear");
    let e = refused(&set_tree(&linear, 1, "is_linear", "2"));
    assert_at(&e, "Tree=1, is_linear");
    let e = refused(&linear.replacen("\nleaf_coeff=", "\nleaf_coefz=", 1));
    assert_at(&e, "Tree=0, line ");
    // is_linear=0 with linear lines LightGBM would not read.
    let binary = fixture("binary");
    let e = refused(&binary.replacen("is_linear=0\n", "is_linear=0\nleaf_const=1 2 3 4\n", 1));
    assert_at(&e, "Tree=0, leaf_const");
}

#[test]
fn truncated_text() {
    for name in FIXTURES {
        let text = fixture(name);
        let bytes = text.as_bytes();
        // Every cut before "end of trees" is complete must be refused.
        let end = text.find("\nend of trees").unwrap() + "\nend of trees".len();
        for cut in 0..end {
            assert!(
                parse(&bytes[..cut]).is_err(),
                "{name} cut at {cut} accepted"
            );
        }
        // Cuts in the trailer must not panic (a model without its
        // parameters or pandas_categorical tail is still a model).
        for cut in end..bytes.len() {
            let _ = parse(&bytes[..cut]);
        }
    }
}

#[test]
fn tree_count_not_multiple_of_per_iteration() {
    let text = fixture("multiclass");
    let a = text.find("Tree=5\n").unwrap();
    let b = text.find("end of trees").unwrap();
    let cut = format!("{}{}", &text[..a], &text[b..]);
    let e = refused(&cut);
    assert_at(&e, "end of trees");
    assert!(e.why.contains("multiple"), "{e}");
    // num_tree_per_iteration must equal num_class.
    let e = refused(&set_header(&text, "num_tree_per_iteration", "1"));
    assert_at(&e, "num_tree_per_iteration");
    let e = refused(&set_header(&text, "num_tree_per_iteration", "0"));
    assert_at(&e, "num_tree_per_iteration");
    // The objective's num_class must match the header.
    let e = refused(&set_header(&text, "objective", "multiclass num_class:4"));
    assert_at(&e, "(objective)");
}

#[test]
fn non_numeric_values() {
    let text = fixture("binary");
    let e = refused(&set_token(&text, 0, "threshold", 0, "abc"));
    assert_at(&e, "Tree=0, threshold[0]");
    let e = refused(&set_token(&text, 0, "threshold", 0, "nan"));
    assert_at(&e, "Tree=0, threshold[0]");
    let e = refused(&set_token(&text, 0, "threshold", 0, "0x1p3"));
    assert_at(&e, "Tree=0, threshold[0]");
    let e = refused(&set_token(&text, 0, "leaf_value", 1, "inf"));
    assert_at(&e, "Tree=0, leaf_value[1]");
    let e = refused(&set_token(&text, 0, "leaf_value", 1, "1e999"));
    assert_at(&e, "Tree=0, leaf_value[1]");
    let e = refused(&set_token(&text, 0, "leaf_value", 1, "1.5abc"));
    assert_at(&e, "Tree=0, leaf_value[1]");
    let e = refused(&set_token(&text, 0, "left_child", 0, "1.0"));
    assert_at(&e, "Tree=0, left_child[0]");
    let e = refused(&set_tree(&text, 0, "num_leaves", "four"));
    assert_at(&e, "Tree=0, line ");
    let e = refused(&set_header(&text, "num_class", "three"));
    assert_at(&e, "(num_class)");
    let e = refused(&set_header(&text, "max_feature_idx", "-1"));
    assert_at(&e, "(max_feature_idx)");
    let e = refused(&set_tree(&text, 1, "shrinkage", "x"));
    assert_at(&e, "Tree=1, line ");
    // An infinite numerical threshold is what LightGBM's writer can print.
    let m = ok(&without_sizes(&set_token(&text, 0, "threshold", 0, "inf")));
    assert_eq!(m.trees[0].threshold[0], f64::INFINITY);
}

#[test]
fn missing_tree_header_and_structure() {
    let text = fixture("binary");
    let e = refused(text.strip_prefix("tree\n").unwrap());
    assert_at(&e, "line 1");
    // No trees at all.
    let a = text.find("Tree=0\n").unwrap();
    let b = text.find("end of trees").unwrap();
    let e = refused(&format!("{}{}", &text[..a], &text[b..]));
    assert_at(&e, "line ");
    // A missing required header key.
    let e = refused(&text.replacen("label_index=0\n", "", 1));
    assert_at(&e, "label_index");
    let e = refused(&text.replacen("feature_infos=", "feature_infoz=", 1));
    assert_at(&e, "feature_infoz");
    // A feature name with '=' is read as written only when LightGBM's
    // split of the line at '=' gives more than two pieces.
    let m = ok(&set_header(&text, "feature_names", "a=1 b c d"));
    assert_eq!(m.header.feature_names[0], "a=1");
    let e = refused(&set_header(&text, "feature_names", "=a b c d"));
    assert_at(&e, "(feature_names)");
    let e = refused(&set_header(&text, "num_class", "1="));
    assert_at(&e, "(num_class)");
    let e = refused(&text.replacen("\nversion=v4\n", "\nversion=v4\nextra_key=1\n", 1));
    assert_at(&e, "(extra_key)");
    // Feature names count.
    let e = refused(&set_header(&text, "feature_names", "a b c"));
    assert_at(&e, "(feature_names)");
    // A missing tree key LightGBM requires, an unknown key, a line with no '='.
    let e = refused(&text.replacen("\nleaf_value=", "\nleaf_valu=", 1));
    assert_at(&e, "Tree=0, line ");
    let e = refused(&text.replacen("\nnum_cat=0\n", "\n", 1));
    assert_at(&e, "Tree=0, num_cat");
    let e = refused(&text.replacen("\nis_linear=0\n", "\nis_linear\n", 1));
    assert_at(&e, "Tree=0, line ");
    let e = refused(&text.replacen("\nis_linear=0\n", "\nis_linear=0\nis_linear=0\n", 1));
    assert_at(&e, "Tree=0, line ");
    // tree_sizes disagreeing with the text.
    let sizes = text.lines().find(|l| l.starts_with("tree_sizes=")).unwrap();
    let mut v: Vec<usize> = sizes[11..].split(' ').map(|x| x.parse().unwrap()).collect();
    v[0] += 1;
    let bad: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    let e = refused(&set_header(&text, "tree_sizes", &bad.join(" ")));
    assert_at(&e, "tree_sizes[0]");
    let e = refused(&set_header(&text, "tree_sizes", &bad[..3].join(" ")));
    assert_at(&e, "tree_sizes");
    // Without tree_sizes the text still parses (LightGBM reads sequentially).
    ok(&without_sizes(&text));
    // Control characters, NUL, CR, bad UTF-8, bad parameter lines.
    assert_at(
        &refused(&text.replacen("num_cat=0", "num_cat=0\r", 1)),
        "line ",
    );
    assert_at(
        &refused(&text.replacen("version=v4", "version=v4\0", 1)),
        "line 2",
    );
    let mut bytes = text.clone().into_bytes();
    bytes[3] = 0xff;
    assert_at(&parse(&bytes).unwrap_err(), "byte 3");
    let e = refused(&text.replacen("[boosting: gbdt]", "[boosting]", 1));
    assert_at(&e, "(parameters)");
    for bad in [
        "[max_delta_step: -]",
        "[sigmoid: nan]",
        "[data: a\"b]",
        "[x: a\\b]",
    ] {
        let e = refused(&text.replacen("[boosting: gbdt]", bad, 1));
        assert_at(&e, "(parameters)");
    }
    ok(&text.replacen("[boosting: gbdt]", "[data: C:/x y.txt]", 1));
    let joined = text.replacen(
        "[boosting: gbdt]\n[objective",
        "[boosting: gbdt]7[objective",
        1,
    );
    assert_at(&refused(&joined), "(parameters)");
    let ic = |v: &str| {
        text.replacen(
            "[interaction_constraints: ]",
            &format!("[interaction_constraints: {v}]"),
            1,
        )
    };
    ok(&ic("[0,1],[2]"));
    ok(&ic("[3]"));
    for bad in ["[0,1]]", "[0,1],", "0,1", "[a]", "[0,1][2]"] {
        assert_at(&refused(&ic(bad)), "(parameters)");
    }
    let e = refused(&text.replacen("\nend of parameters", "\n", 1));
    assert_at(&e, "line ");
    let e = refused(&text.replacen("pandas_categorical:null", "pandas_categorical:[", 1));
    assert_at(&e, "pandas_categorical");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0usize..FIXTURES.len(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let mut bytes = fixture(FIXTURES[which]).into_bytes();
        for (pos, byte, kind) in edits {
            if bytes.is_empty() {
                break;
            }
            let p = pos % bytes.len();
            match kind {
                0 => bytes[p] = byte,
                1 => bytes.insert(p, byte),
                _ => {
                    bytes.remove(p);
                }
            }
        }
        let _ = parse(&bytes);
    }

    #[test]
    fn mutated_digits_never_panic(
        which in 0usize..FIXTURES.len(),
        edits in proptest::collection::vec((any::<usize>(), b'0'..=b'9'), 1..6),
    ) {
        // Digit-for-digit edits keep the layout and change only numbers, so
        // they reach the index and structure checks.
        let mut bytes = fixture(FIXTURES[which]).into_bytes();
        let digits: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i].is_ascii_digit()).collect();
        for (pos, d) in edits {
            let p = digits[pos % digits.len()];
            bytes[p] = d;
        }
        let _ = parse(&bytes);
    }
}

/// The binary fixture with tree 0 replaced by a chain of `n` leaves: node i
/// sends left to leaf i and right to node i+1.
fn chain_model(n: usize) -> String {
    let text = without_sizes(&fixture("binary"));
    let nodes = n - 1;
    let join = |v: Vec<String>| v.join(" ");
    let left = join((0..nodes).map(|i| (!(i as i32)).to_string()).collect());
    let right = join(
        (0..nodes)
            .map(|i| {
                if i + 1 < nodes {
                    (i + 1).to_string()
                } else {
                    (!(nodes as i32)).to_string()
                }
            })
            .collect(),
    );
    let body = format!(
        "num_leaves={n}\nnum_cat=0\nsplit_feature={}\nthreshold={}\ndecision_type={}\n\
         left_child={left}\nright_child={right}\nleaf_value={}\nis_linear=0\nshrinkage=1\n\n\n",
        join(vec!["0".into(); nodes]),
        join((0..nodes).map(|i| format!("{i}.5")).collect()),
        join(vec!["2".into(); nodes]),
        join(vec!["0.25".into(); n]),
    );
    let a = text.find("Tree=0\n").unwrap() + "Tree=0\n".len();
    let b = text.find("Tree=1\n").unwrap();
    format!("{}{body}{}", &text[..a], &text[b..])
}

#[test]
fn depth_limit() {
    let m = ok(&chain_model(1000));
    assert_eq!(m.trees[0].num_leaves, 1000);
    let e = refused(&chain_model(1100));
    assert_at(&e, "Tree=0, left_child[1024]");
    assert!(e.why.contains("depth"), "{e}");
}

#[test]
fn the_sqrt_flag_of_regression_objectives_is_accepted_and_nothing_else_bare() {
    let text = fixture("regression");
    let line = text
        .lines()
        .find(|l| l.starts_with("objective="))
        .unwrap()
        .to_string();
    let with = text.replacen(&line, "objective=regression sqrt", 1);
    assert!(parse(with.as_bytes()).is_ok());
    for bad in ["objective=regression sqrtx", "objective=binary sqrt"] {
        let t = text.replacen(&line, bad, 1);
        let e = parse(t.as_bytes()).unwrap_err();
        assert!(e.at.contains("objective"), "{bad}: {e}");
    }
}
