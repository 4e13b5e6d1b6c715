//! XGBoost's serialized Booster: the fixtures of
//! scripts/booster_fixtures_xgboost.py parse with their expected facts, and
//! hostile variants are refused with the place named.

use std::path::PathBuf;

use proptest::prelude::*;
use skseal_core::boosters::ubjson::{self, Value};
use skseal_core::boosters::xgboost::{self, Booster, Format};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/boosters/xgboost")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

const UBJ: [&str; 8] = [
    "binary.ubj",
    "multiclass.ubj",
    "regressor.ubj",
    "dart.ubj",
    "gblinear.ubj",
    "missing.ubj",
    "categorical.ubj",
    "ranker.ubj",
];

#[test]
fn fixtures_parse_with_expected_facts() {
    let expected: serde_json::Value =
        serde_json::from_slice(&fixture("expected.json")).expect("expected.json");
    let facts = expected.as_object().unwrap();
    assert_eq!(facts.len(), UBJ.len() + 1);
    for (name, f) in facts {
        let m = xgboost::parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            m.format,
            if name.ends_with(".json") {
                Format::Json
            } else {
                Format::Ubjson
            }
        );
        assert_eq!(m.version[0], 3, "{name}");
        assert_eq!(
            m.num_feature as u64,
            f["num_feature"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            m.num_class as u64,
            f["num_class"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            m.trees.len() as u64,
            f["num_trees"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(m.tree_info.len(), m.trees.len());
        assert_eq!(m.objective, f["objective"].as_str().unwrap(), "{name}");
        assert_eq!(
            m.base_score_text,
            f["base_score"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(m.base_score.len(), m.num_output_group as usize);
        match (&m.booster, f["booster"].as_str().unwrap()) {
            (Booster::GbTree, "gbtree") => {}
            (Booster::Dart { weight_drop }, "dart") => assert_eq!(weight_drop.len(), m.trees.len()),
            (Booster::GbLinear { weights, .. }, "gblinear") => {
                assert_eq!(weights.len() as u64, f["num_weights"].as_u64().unwrap())
            }
            (b, want) => panic!("{name}: {b:?} where {want} was expected"),
        }
        if let Some(bits) = f.get("first_tree_split_conditions_f32_bits") {
            let want: Vec<u64> = bits
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b.as_u64().unwrap())
                .collect();
            let got: Vec<u64> = m.trees[0]
                .split_conditions
                .iter()
                .map(|c| c.to_bits() as u64)
                .collect();
            assert_eq!(got, want, "{name}");
            assert_eq!(
                m.trees[0].num_nodes as u64,
                f["first_tree_num_nodes"].as_u64().unwrap()
            );
        }
    }
    let multi = xgboost::parse(&fixture("multiclass.ubj")).unwrap();
    assert_eq!(multi.num_output_group, 3);
    assert_eq!(&multi.tree_info[..6], &[0, 1, 2, 0, 1, 2]);
    let cat = xgboost::parse(&fixture("categorical.ubj")).unwrap();
    assert!(cat.trees.iter().any(|t| !t.categories_nodes.is_empty()));
    assert_eq!(cat.feature_types.last().map(String::as_str), Some("c"));
    // the category encoder: the category column's strings in training order
    // (their positions are the codes the splits hold), none for the others
    let strings = |c: &Option<xgboost::Categories>| match c {
        Some(xgboost::Categories::Strings(s)) => Some(s.clone()),
        _ => None,
    };
    assert_eq!(cat.categories.len(), cat.num_feature as usize);
    assert_eq!(
        cat.categories.last().and_then(strings),
        Some(vec!["w".into(), "x".into(), "y".into(), "z".into()])
    );
    assert!(cat.categories.iter().rev().skip(1).all(Option::is_none));
    // The JSON text form reads to the same trees as the UBJSON one.
    let (a, b) = (
        xgboost::parse(&fixture("regressor.ubj")).unwrap(),
        xgboost::parse(&fixture("regressor.json")).unwrap(),
    );
    assert_eq!(a.trees, b.trees);
    assert_eq!(a.base_score, b.base_score);
}

// ---- a UBJSON writer for the hostile variants (XGBoost's encoding) ----

fn put_len(out: &mut Vec<u8>, n: usize) {
    out.push(b'L');
    out.extend((n as i64).to_be_bytes());
}

fn encode(v: &Value, out: &mut Vec<u8>) {
    fn typed<T: Copy>(out: &mut Vec<u8>, t: u8, xs: &[T], be: impl Fn(T) -> Vec<u8>) {
        out.extend([b'[', b'$', t, b'#']);
        put_len(out, xs.len());
        for &x in xs {
            out.extend(be(x));
        }
    }
    match v {
        Value::Null => out.push(b'Z'),
        Value::Bool(b) => out.push(if *b { b'T' } else { b'F' }),
        Value::Int(i) => {
            out.push(b'L');
            out.extend(i.to_be_bytes());
        }
        Value::Float(f) => {
            out.push(b'D');
            out.extend(f.to_be_bytes());
        }
        Value::Str(s) => {
            out.push(b'S');
            put_len(out, s.len());
            out.extend(s.as_bytes());
        }
        Value::Array(a) => {
            out.extend([b'[', b'#']);
            put_len(out, a.len());
            for x in a {
                encode(x, out);
            }
        }
        Value::Object(kv) => {
            out.push(b'{');
            for (k, x) in kv {
                put_len(out, k.len());
                out.extend(k.as_bytes());
                encode(x, out);
            }
            out.push(b'}');
        }
        Value::F32s(x) => typed(out, b'd', x, |v| v.to_be_bytes().to_vec()),
        Value::F64s(x) => typed(out, b'D', x, |v| v.to_be_bytes().to_vec()),
        Value::I8s(x) => typed(out, b'i', x, |v| v.to_be_bytes().to_vec()),
        Value::U8s(x) => typed(out, b'U', x, |v| v.to_be_bytes().to_vec()),
        Value::I16s(x) => typed(out, b'I', x, |v| v.to_be_bytes().to_vec()),
        Value::I32s(x) => typed(out, b'l', x, |v| v.to_be_bytes().to_vec()),
        Value::I64s(x) => typed(out, b'L', x, |v| v.to_be_bytes().to_vec()),
    }
}

/// The value at a dotted path (`a.b.3.c`: numbers index arrays).
fn at<'a>(v: &'a mut Value, path: &str) -> &'a mut Value {
    let mut cur = v;
    for part in path.split('.') {
        cur = match cur {
            Value::Object(kv) => {
                &mut kv
                    .iter_mut()
                    .find(|(k, _)| k == part)
                    .unwrap_or_else(|| panic!("no {part}"))
                    .1
            }
            Value::Array(a) => &mut a[part.parse::<usize>().unwrap()],
            other => panic!("{part}: {other:?}"),
        };
    }
    cur
}

const TREES: &str = "Model.learner.gradient_booster.model.trees";

/// Mutate a fixture's document, re-encode it and expect a refusal at `want_at`.
fn refused(name: &str, want_at: &str, mutate: impl FnOnce(&mut Value)) -> String {
    let mut doc = ubjson::parse_ubjson(&fixture(name)).unwrap();
    let mut same = Vec::new();
    encode(&doc, &mut same);
    xgboost::parse(&same).expect("the re-encoded fixture parses");
    mutate(&mut doc);
    let mut bytes = Vec::new();
    encode(&doc, &mut bytes);
    let e = xgboost::parse(&bytes).expect_err("hostile variant accepted");
    assert_eq!(e.at, want_at, "{e}");
    assert_eq!(e.library, "XGBoost");
    e.why
}

fn tree0<'a>(doc: &'a mut Value, key: &str) -> &'a mut Value {
    at(doc, &format!("{TREES}.0.{key}"))
}

fn set_i32(v: &mut Value, i: usize, x: i32) {
    match v {
        Value::I32s(a) => a[i] = x,
        o => panic!("{o:?}"),
    }
}

#[test]
fn out_of_range_child() {
    let why = refused(
        "regressor.ubj",
        &format!("{TREES}[0].left_children[0]"),
        |d| set_i32(tree0(d, "left_children"), 0, 999),
    );
    assert!(why.contains("(0, 15)"), "{why}");
}

#[test]
fn cycle_back_to_the_root() {
    refused(
        "regressor.ubj",
        &format!("{TREES}[0].right_children[1]"),
        |d| set_i32(tree0(d, "right_children"), 1, 0),
    );
}

#[test]
fn shared_child() {
    let why = refused(
        "regressor.ubj",
        &format!("{TREES}[0].right_children[0]"),
        |d| set_i32(tree0(d, "right_children"), 0, 1),
    );
    assert!(why.contains("already"), "{why}");
}

#[test]
fn right_child_not_next_to_left() {
    // XGBoost's predictor steps to left + 1, whatever right_children says
    let why = refused(
        "regressor.ubj",
        &format!("{TREES}[0].right_children[0]"),
        |d| {
            set_i32(tree0(d, "left_children"), 0, 2);
            set_i32(tree0(d, "right_children"), 0, 1);
        },
    );
    assert!(why.contains("left + 1"), "{why}");
}

#[test]
fn inconsistent_parent() {
    refused("regressor.ubj", &format!("{TREES}[0].parents[2]"), |d| {
        set_i32(tree0(d, "parents"), 2, 1)
    });
}

#[test]
fn leaf_with_one_child() {
    // node 7 is a leaf of the depth-3 tree
    let why = refused(
        "regressor.ubj",
        &format!("{TREES}[0].left_children[7]"),
        |d| set_i32(tree0(d, "right_children"), 7, 9),
    );
    assert!(why.contains("both children -1"), "{why}");
}

#[test]
fn split_index_past_num_feature() {
    refused(
        "regressor.ubj",
        &format!("{TREES}[0].split_indices[0]"),
        |d| set_i32(tree0(d, "split_indices"), 0, 4),
    );
}

#[test]
fn array_length_mismatch() {
    refused(
        "regressor.ubj",
        &format!("{TREES}[0].split_conditions"),
        |d| match tree0(d, "split_conditions") {
            Value::F32s(a) => {
                a.pop();
            }
            o => panic!("{o:?}"),
        },
    );
    refused(
        "regressor.ubj",
        &format!("{TREES}[0].base_weights"),
        |d| match tree0(d, "base_weights") {
            Value::F32s(a) => a.push(0.0),
            o => panic!("{o:?}"),
        },
    );
}

#[test]
fn num_trees_mismatch() {
    refused("regressor.ubj", TREES, |d| {
        *at(
            d,
            "Model.learner.gradient_booster.model.gbtree_model_param.num_trees",
        ) = Value::Str("5".into())
    });
    refused(
        "regressor.ubj",
        "Model.learner.gradient_booster.model.tree_info",
        |d| match at(d, "Model.learner.gradient_booster.model.tree_info") {
            Value::Array(a) => {
                a.pop();
            }
            o => panic!("{o:?}"),
        },
    );
}

#[test]
fn tree_id_and_groups_and_indptr() {
    refused("regressor.ubj", &format!("{TREES}[1].id"), |d| {
        *at(d, &format!("{TREES}.1.id")) = Value::Int(0)
    });
    refused(
        "multiclass.ubj",
        "Model.learner.gradient_booster.model.tree_info[1]",
        |d| *at(d, "Model.learner.gradient_booster.model.tree_info.1") = Value::Int(3),
    );
    refused(
        "multiclass.ubj",
        "Model.learner.gradient_booster.model.tree_info[1]",
        |d| *at(d, "Model.learner.gradient_booster.model.tree_info.1") = Value::Int(2),
    );
    refused(
        "regressor.ubj",
        "Model.learner.gradient_booster.model.iteration_indptr[4]",
        |d| *at(d, "Model.learner.gradient_booster.model.iteration_indptr.4") = Value::Int(9),
    );
    refused(
        "regressor.ubj",
        "Model.learner.gradient_booster.model.iteration_indptr[0]",
        |d| *at(d, "Model.learner.gradient_booster.model.iteration_indptr") = Value::Array(vec![]),
    );
}

#[test]
fn learner_params() {
    let p = "Model.learner.learner_model_param";
    refused("regressor.ubj", &format!("{p}.num_feature"), |d| {
        *at(d, &format!("{p}.num_feature")) = Value::Str("0".into())
    });
    refused("regressor.ubj", &format!("{p}.base_score"), |d| {
        *at(d, &format!("{p}.base_score")) = Value::Str("[nan]".into())
    });
    refused("multiclass.ubj", &format!("{p}.base_score"), |d| {
        *at(d, &format!("{p}.base_score")) = Value::Str("[1,2]".into())
    });
    refused("regressor.ubj", "Model.learner", |d| {
        match at(d, "Model.learner") {
            Value::Object(kv) => kv.retain(|(k, _)| k != "attributes"),
            o => panic!("{o:?}"),
        }
    });
    refused("regressor.ubj", "Config.learner.objective.name", |d| {
        *at(d, "Config.learner.objective.name") = Value::Str("binary:logistic".into())
    });
}

#[test]
fn softmax_classes_match_the_learner() {
    let p = "Model.learner.objective.softmax_multiclass_param.num_class";
    refused("multiclass.ubj", p, |d| {
        *at(
            d,
            "Model.learner.objective.softmax_multiclass_param.num_class",
        ) = Value::Str("2".into())
    });
    let p = "Config.learner.objective.softmax_multiclass_param.num_class";
    refused("multiclass.ubj", p, |d| {
        *at(
            d,
            "Config.learner.objective.softmax_multiclass_param.num_class",
        ) = Value::Str("0".into())
    });
}

#[test]
fn gblinear_and_dart_lengths() {
    refused(
        "gblinear.ubj",
        "Model.learner.gradient_booster.model.weights",
        |d| match at(d, "Model.learner.gradient_booster.model.weights") {
            Value::F32s(a) => {
                a.pop();
            }
            o => panic!("{o:?}"),
        },
    );
    refused(
        "dart.ubj",
        "Model.learner.gradient_booster.weight_drop",
        |d| match at(d, "Model.learner.gradient_booster.weight_drop") {
            Value::Array(a) => {
                a.pop();
            }
            o => panic!("{o:?}"),
        },
    );
}

#[test]
fn categorical_splits() {
    let m = xgboost::parse(&fixture("categorical.ubj")).unwrap();
    let t = m
        .trees
        .iter()
        .position(|t| t.categories.len() >= 2)
        .unwrap();
    let base = format!("{TREES}.{t}");
    let atp = format!("{TREES}[{t}]");
    refused(
        "categorical.ubj",
        &format!("{atp}.categories[1]"),
        |d| match at(d, &format!("{base}.categories")) {
            Value::I32s(a) => a.swap(0, 1),
            o => panic!("{o:?}"),
        },
    );
    refused(
        "categorical.ubj",
        &format!("{atp}.categories[0]"),
        |d| match at(d, &format!("{base}.categories")) {
            Value::I32s(a) => a[0] = -5,
            o => panic!("{o:?}"),
        },
    );
    refused(
        "categorical.ubj",
        &format!("{atp}.categories_sizes[0]"),
        |d| match at(d, &format!("{base}.categories_sizes")) {
            Value::I64s(a) => a[0] = 1 << 40,
            o => panic!("{o:?}"),
        },
    );
    refused(
        "categorical.ubj",
        &format!("{atp}.categories_nodes[0]"),
        |d| match at(d, &format!("{base}.categories_nodes")) {
            Value::I32s(a) => a[0] = 10_000,
            o => panic!("{o:?}"),
        },
    );
    refused(
        "categorical.ubj",
        &format!("{atp}.split_type[0]"),
        |d| match at(d, &format!("{base}.split_type")) {
            Value::U8s(a) => a[0] = 1,
            o => panic!("{o:?}"),
        },
    );
    refused(
        "categorical.ubj",
        "Model.learner.gradient_booster.model.cats.feature_segments[1]",
        |d| {
            *at(
                d,
                "Model.learner.gradient_booster.model.cats.feature_segments",
            ) = Value::I64s(vec![0, i64::MIN, 0, 0, 4])
        },
    );
    refused(
        "categorical.ubj",
        "Model.learner.gradient_booster.model.cats.sorted_idx[3]",
        |d| match at(d, "Model.learner.gradient_booster.model.cats.sorted_idx") {
            Value::I32s(a) => a[3] = 7,
            o => panic!("{o:?}"),
        },
    );
    // the encoder's string categories: UTF-8 bytes, offsets within them
    let values = "Model.learner.gradient_booster.model.cats.enc.3.values";
    let why = refused(
        "categorical.ubj",
        "Model.learner.gradient_booster.model.cats.enc[3].values[0]",
        |d| match at(d, values) {
            Value::I8s(a) => a[0] = -1,
            o => panic!("{o:?}"),
        },
    );
    assert!(why.contains("not UTF-8"), "{why}");
    refused(
        "categorical.ubj",
        "Model.learner.gradient_booster.model.cats.enc[3].values",
        |d| *at(d, values) = Value::F32s(vec![1.0; 4]),
    );
    refused(
        "categorical.ubj",
        "Model.learner.gradient_booster.model.cats.enc[3].offsets",
        |d| match at(d, "Model.learner.gradient_booster.model.cats.enc.3.offsets") {
            Value::I32s(a) => a[1] = 1000,
            o => panic!("{o:?}"),
        },
    );
}

#[test]
fn multi_target_trees_refused() {
    let why = refused(
        "regressor.ubj",
        &format!("{TREES}[0].tree_param.size_leaf_vector"),
        |d| *at(d, &format!("{TREES}.0.tree_param.size_leaf_vector")) = Value::Str("2".into()),
    );
    assert!(why.contains("multi-target"), "{why}");
}

// ---- byte-level hostility ----

fn byte_at(e: &skseal_core::boosters::BoosterError) -> usize {
    e.at.strip_prefix("byte ")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{e}"))
}

#[test]
fn huge_declared_counts_fail_fast() {
    for t in [b'd', b'L', b'U'] {
        let mut b = b"{L\x00\x00\x00\x00\x00\x00\x00\x01a[$".to_vec();
        b.push(t);
        b.push(b'#');
        b.push(b'L');
        b.extend((i64::MAX / 2).to_be_bytes());
        let e = xgboost::parse(&b).unwrap_err();
        assert_eq!(byte_at(&e), 16, "{e}");
    }
    let mut b = b"{L".to_vec();
    b.extend((1i64 << 40).to_be_bytes());
    assert_eq!(byte_at(&xgboost::parse(&b).unwrap_err()), 2);
    let mut b = b"{L\x00\x00\x00\x00\x00\x00\x00\x01a[#L".to_vec();
    b.extend((-3i64).to_be_bytes());
    assert!(xgboost::parse(&b).unwrap_err().why.contains("negative"));
}

#[test]
fn excessive_nesting() {
    let mut b = b"{L\x00\x00\x00\x00\x00\x00\x00\x01a".to_vec();
    b.extend(std::iter::repeat_n(b'[', 100_000));
    let e = xgboost::parse(&b).unwrap_err();
    assert!(e.why.contains("nesting"), "{e}");
    let json = format!("{{\"Model\":{}{}}}", "[".repeat(1000), "]".repeat(1000));
    assert!(xgboost::parse(json.as_bytes()).is_err());
}

#[test]
fn every_truncation_is_an_error() {
    for name in ["regressor.ubj", "categorical.ubj", "regressor.json"] {
        let b = fixture(name);
        for cut in 0..b.len() {
            assert!(xgboost::parse(&b[..cut]).is_err(), "{name} cut at {cut}");
        }
    }
}

#[test]
fn bad_utf8_key() {
    let mut b = fixture("regressor.ubj");
    let i = b.windows(7).position(|w| w == b"learner").unwrap();
    b[i + 2] = 0xff;
    let e = xgboost::parse(&b).unwrap_err();
    assert_eq!(byte_at(&e), i + 2, "{e}");
    assert!(e.why.contains("UTF-8"));
}

#[test]
fn duplicate_keys() {
    let mut doc = ubjson::parse_ubjson(&fixture("regressor.ubj")).unwrap();
    if let Value::Object(kv) = at(&mut doc, "Model.learner.learner_model_param") {
        kv.push(("num_feature".into(), Value::Str("9".into())));
    }
    let mut b = Vec::new();
    encode(&doc, &mut b);
    let e = xgboost::parse(&b).unwrap_err();
    assert!(e.why.contains("duplicate key \"num_feature\""), "{e}");
    assert_eq!(&b[byte_at(&e) + 9..byte_at(&e) + 20], b"num_feature");
    let json = br#"{"Config":{},"Model":{},"Model":{}}"#;
    assert!(xgboost::parse(json).unwrap_err().why.contains("duplicate"));
}

#[test]
fn trailing_bytes_and_other_formats() {
    let mut b = fixture("regressor.ubj");
    let n = b.len();
    b.push(b'Z');
    assert_eq!(byte_at(&xgboost::parse(&b).unwrap_err()), n);
    let mut j = fixture("regressor.json");
    j.extend(b" x");
    assert!(xgboost::parse(&j).is_err());
    for junk in [
        &b""[..],
        b"binf\x00\x00",
        b"[1,2]",
        b"{}",
        b"\x80\x02}q\x00.",
    ] {
        assert!(xgboost::parse(junk).is_err());
    }
    assert!(
        xgboost::parse(br#"{"Config":{},"Model":{},"Extra":1}"#)
            .unwrap_err()
            .at
            == "Extra"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]
    #[test]
    fn mutated_fixtures_never_panic(
        which in 0usize..UBJ.len(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut b = fixture(UBJ[which]);
        for (i, x) in &edits {
            let i = i.index(b.len());
            b[i] = *x;
        }
        if truncate {
            let n = cut.index(b.len());
            b.truncate(n);
        }
        let _ = xgboost::parse(&b);
    }
}
