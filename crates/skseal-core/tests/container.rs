//! Container: round trips, determinism, and every malformed-input error.

use proptest::prelude::*;
use serde_json::json;
use skseal_core::codec::Codec;
use skseal_core::codec::CodecError;
use skseal_core::container::{self, Compression, Container, MAGIC, PREAMBLE};
use skseal_core::graphjson;
use skseal_core::ir::{ArraySource, ArraySpec, Dtype, GlobalName, Graph, Node, Order};
use skseal_core::{Blob, ContainerError, Damage, HeaderJsonError, SignatureError, SizeOverflow};

fn sample_graph() -> (Graph, Vec<Vec<u8>>) {
    let a: Vec<u8> = (0..1000u32)
        .flat_map(|x| (x as f64 * 0.5).to_le_bytes())
        .collect();
    let b: Vec<u8> = (0..10i64).flat_map(|x| x.to_le_bytes()).collect();
    let nodes = vec![
        Node::Str("coef_".into()),
        Node::Array(0),
        Node::Str("idx".into()),
        Node::Array(1),
        Node::Dict(vec![(0, 1), (2, 3), (6, 7)]),
        Node::Object {
            class: GlobalName::new("sklearn.linear_model._base", "LinearRegression"),
            args: vec![],
            state: Some(4),
            items: vec![],
        },
        Node::Str("shared".into()),
        Node::List(vec![1, 1, 8]),
        Node::Float(f64::NAN),
    ];
    let arrays = vec![
        ArraySpec {
            dtype: Dtype::Simple("<f8".into()),
            shape: vec![1000],
            order: Order::C,
            axes: None,
            source: ArraySource::OutOfBand(0),
        },
        ArraySpec {
            dtype: Dtype::Simple("<i8".into()),
            shape: vec![2, 5],
            order: Order::F,
            axes: None,
            source: ArraySource::OutOfBand(1),
        },
    ];
    (
        Graph {
            nodes,
            arrays,
            root: 5,
            probe: None,
            native: Vec::new(),
        },
        vec![a, b],
    )
}

fn write(g: &Graph, data: &[Vec<u8>], comp: Compression) -> Vec<u8> {
    let mut out = Vec::new();
    let f = |i: usize| data.get(i).map(|v| v.as_slice());
    container::write(&mut out, g, &f, &json!({"user": {"k": 1}}), comp, None).expect("writes");
    out
}

const COMPRESSIONS: [Compression; 4] = [
    Compression {
        codec: Codec::None,
        shuffle: false,
    },
    Compression {
        codec: Codec::Lz4,
        shuffle: true,
    },
    Compression {
        codec: Codec::Zstd(3),
        shuffle: true,
    },
    Compression {
        codec: Codec::Zstd(19),
        shuffle: false,
    },
];

#[test]
fn roundtrip_every_codec() {
    let (g, data) = sample_graph();
    for comp in COMPRESSIONS {
        let bytes = write(&g, &data, comp);
        assert_eq!(&bytes[..8], &MAGIC);
        let c = Container::parse(&bytes).expect("parses");
        assert_eq!(c.header.arrays.len(), 2);
        for (i, d) in data.iter().enumerate() {
            let mut out = vec![0u8; d.len()];
            c.decode_into(i, &mut out).expect("decodes");
            assert_eq!(&out, d);
            let a = &c.header.arrays[i];
            let want = if a.length >= container::LARGE_BLOB {
                64
            } else {
                16
            };
            assert_eq!((c.header.data_start + a.offset) % want, 0, "aligned");
        }
        c.verify_padding().expect("zero padding");
        // The graph survives: shared list, NaN float, object with dict state.
        let h = &c.header.graph;
        let Some(Node::Object {
            class,
            state: Some(st),
            ..
        }) = h.node(h.root)
        else {
            panic!("root")
        };
        assert_eq!(class.name, "LinearRegression");
        let lst = h.dict_get(*st, "shared").expect("key");
        let Some(Node::List(items)) = h.node(lst) else {
            panic!("list")
        };
        assert_eq!(items[0], items[1], "array shared twice stays one node");
        assert!(matches!(h.node(items[2]), Some(Node::Float(f)) if f.is_nan()));
    }
}

#[test]
fn deterministic_bytes_and_codec_independent_fingerprint() {
    let (g, data) = sample_graph();
    let a = write(&g, &data, COMPRESSIONS[2]);
    let b = write(&g, &data, COMPRESSIONS[2]);
    assert_eq!(a, b);
    let fp = |bytes: &[u8]| Container::parse(bytes).expect("parses").header.fingerprint;
    assert_eq!(fp(&a), fp(&write(&g, &data, COMPRESSIONS[0])));
}

#[test]
fn unknown_version_is_refused_with_a_clear_message() {
    let (g, data) = sample_graph();
    let mut bytes = write(&g, &data, COMPRESSIONS[0]);
    bytes[8] = 2;
    match Container::parse(&bytes) {
        Err(
            e @ ContainerError::UnknownVersion {
                found: 2,
                supported: 1,
            },
        ) => assert!(e.to_string().contains("Upgrade")),
        other => panic!("{:?}", other.err()),
    }
}

#[test]
fn not_skseal_and_damaged_magic() {
    assert!(
        matches!(Container::parse(b"\x80\x04N."), Err(ContainerError::NotSkseal(m)) if m.contains("pickle"))
    );
    let (g, data) = sample_graph();
    let mut bytes = write(&g, &data, COMPRESSIONS[0]);
    bytes[4] = b'\n'; // \r\n -> \n\n as a text-mode transfer would
    assert!(
        matches!(Container::parse(&bytes), Err(ContainerError::NotSkseal(m)) if m.contains("text-mode"))
    );
}

#[test]
fn every_truncation_is_a_clean_error() {
    let (g, data) = sample_graph();
    for comp in COMPRESSIONS {
        let bytes = write(&g, &data, comp);
        for cut in (0..bytes.len()).step_by(7) {
            assert!(Container::parse(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }
}

#[test]
fn trailing_bytes_are_refused() {
    let (g, data) = sample_graph();
    let mut bytes = write(&g, &data, COMPRESSIONS[0]);
    bytes.push(0);
    assert!(matches!(
        Container::parse(&bytes),
        Err(ContainerError::Integrity(_))
    ));
}

#[test]
fn header_flip_is_detected() {
    let (g, data) = sample_graph();
    let mut bytes = write(&g, &data, COMPRESSIONS[0]);
    bytes[PREAMBLE + 10] ^= 1;
    assert!(
        matches!(Container::parse(&bytes), Err(ContainerError::Integrity(m)) if m.contains("header"))
    );
}

#[test]
fn every_flip_in_array_data_is_detected() {
    let (g, data) = sample_graph();
    for comp in COMPRESSIONS {
        let bytes = write(&g, &data, comp);
        let c = Container::parse(&bytes).expect("parses");
        let (start, len) = (
            c.header.data_start + c.header.arrays[0].offset,
            c.header.arrays[0].length,
        );
        let mut detected = 0;
        let positions: Vec<u64> = (0..len).step_by((len / 50).max(1) as usize).collect();
        for &p in &positions {
            let mut m = bytes.clone();
            m[(start + p) as usize] ^= 0x10;
            let c = Container::parse(&m).expect("header intact");
            let mut out = vec![0u8; data[0].len()];
            if c.decode_into(0, &mut out).is_err() {
                detected += 1;
            }
        }
        assert_eq!(detected, positions.len(), "{comp:?}");
    }
}

#[test]
fn graph_json_rejects_bad_refs_and_deep_nesting() {
    assert!(graphjson::decode(&json!({"root": {"ref": 3}}), 0).is_err());
    assert!(graphjson::decode(&json!({"root": {"array": 0}}), 0).is_err());
    let mut v = json!(1);
    for _ in 0..300 {
        v = json!({"list": [v]});
    }
    assert!(graphjson::decode(&json!({"root": v}), 0).is_err());
    // a cycle through the shared table decodes
    let g = graphjson::decode(
        &json!({"root": {"ref": 0}, "shared": [{"list": [{"ref": 0}]}]}),
        0,
    )
    .expect("cycle");
    let Some(Node::List(items)) = g.node(g.root) else {
        panic!()
    };
    assert_eq!(items[0], g.root);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, .. ProptestConfig::default() })]
    #[test]
    fn random_mutations_never_panic(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let (g, data) = sample_graph();
        let mut bytes = write(&g, &data, COMPRESSIONS[2]);
        let p = pos.index(bytes.len());
        bytes[p] = byte;
        if let Ok(c) = Container::parse(&bytes) {
            for i in 0..c.header.arrays.len() {
                let mut out = vec![0u8; c.header.arrays[i].nbytes as usize];
                let _ = c.decode_into(i, &mut out);
            }
        }
    }
}

#[test]
fn hostile_header_nesting_is_refused_before_parsing() {
    let (g, data) = sample_graph();
    let bytes = write(&g, &data, COMPRESSIONS[0]);
    // Replace the header with deeply nested JSON and fix length + digest.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let mut m = Vec::new();
    m.extend_from_slice(&bytes[..12]);
    m.extend_from_slice(&0u32.to_le_bytes()); // plain JSON header
    m.extend_from_slice(&(deep.len() as u64).to_le_bytes());
    m.extend_from_slice(blake3::hash(deep.as_bytes()).as_bytes());
    m.extend_from_slice(deep.as_bytes());
    match Container::parse(&m) {
        Err(ContainerError::HeaderLimit { what, found, .. }) => {
            assert!(
                what.contains("nesting depth") && found > 64,
                "{what}: {found}"
            )
        }
        other => panic!("{:?}", other.err()),
    }
}

#[test]
fn graph_json_roundtrips_through_the_streaming_decoder() {
    let (g, _) = sample_graph();
    let v = graphjson::encode(&g);
    let back = graphjson::decode(&v, 2).expect("decodes");
    assert_eq!(graphjson::encode(&back), v);
    // keys may come in any order; unknown keys and double kinds are refused
    let g2 = graphjson::decode(
        &json!({"shared": [{"list": [1, {"ref": 0}]}], "root": {"ref": 0}}),
        0,
    )
    .expect("order");
    let Some(Node::List(items)) = g2.node(g2.root) else {
        panic!()
    };
    assert_eq!(items[1], g2.root);
    assert!(graphjson::decode(&json!({"root": {"list": [], "tuple": []}}), 0).is_err());
    assert!(graphjson::decode(&json!({"root": {"evil": 1}}), 0).is_err());
    assert!(graphjson::decode(&json!({"root": {"ref": 0}, "shared": [{"ref": 0}]}), 0).is_err());
    assert!(graphjson::decode(&json!({"root": [1]}), 0).is_err());
    // ints stay ints, floats stay floats, big ints are exact
    let g3 = graphjson::decode(
        &json!({"root": {"list": [1, 1.0, 18446744073709551615u64, {"float": "nan"}]}}),
        0,
    )
    .expect("nums");
    let Some(Node::List(items)) = g3.node(g3.root) else {
        panic!()
    };
    assert_eq!(g3.node(items[0]), Some(&Node::Int(1)));
    assert_eq!(g3.node(items[1]), Some(&Node::Float(1.0)));
    assert_eq!(
        g3.node(items[2]),
        Some(&Node::BigInt("18446744073709551615".into()))
    );
    assert!(matches!(g3.node(items[3]), Some(Node::Float(f)) if f.is_nan()));
}

#[test]
fn huge_declared_offsets_are_errors_not_overflows() {
    // An array table whose lengths sum past u64::MAX must be refused cleanly.
    let (g, data) = sample_graph();
    let bytes = write(&g, &data, COMPRESSIONS[0]);
    let c = Container::parse(&bytes).expect("parses");
    let mut v = c.header.json();
    v["arrays"][0]["length"] = json!(u64::MAX - 10);
    v["arrays"][0]["nbytes"] = json!(u64::MAX - 10);
    v["arrays"][0]["shape"] = json!([u64::MAX - 10]);
    v["arrays"][0]["dtype"] = json!("|u1");
    v["arrays"][1]["offset"] = json!(u64::MAX);
    let text = serde_json::to_vec(&v).expect("json");
    let mut m = Vec::new();
    m.extend_from_slice(&bytes[..12]);
    m.extend_from_slice(&0u32.to_le_bytes());
    m.extend_from_slice(&(text.len() as u64).to_le_bytes());
    m.extend_from_slice(blake3::hash(&text).as_bytes());
    m.extend_from_slice(&text);
    assert!(Container::parse(&m).is_err());
}

#[test]
fn text_depth_counts_brackets_outside_strings_only() {
    use skseal_core::graphjson::text_depth;
    assert_eq!(text_depth(br#"{"a": [1, {"b": "[[[{"}]}"#), 3);
    assert_eq!(text_depth(br#"{"a": "\"[[", "b": [[]]}"#), 3);
    assert_eq!(text_depth(br#""unterminated [[["#), 0);
    assert_eq!(text_depth(b"[[[["), 4);
    assert_eq!(text_depth(br#"["\\", [1]]"#), 2);
}

#[test]
fn seekable_writer_gives_the_same_bytes_small_and_large() {
    // Large enough (>= PIPELINE_MIN_BYTES) to take the pipelined path.
    let big: Vec<u8> = (0..(container::PIPELINE_MIN_BYTES as usize / 8 + 1000))
        .flat_map(|x| (x as f64).to_le_bytes())
        .collect();
    let small: Vec<u8> = (0..10i64).flat_map(|x| x.to_le_bytes()).collect();
    let (mut g, _) = sample_graph();
    g.arrays[0].shape = vec![(big.len() / 8) as u64];
    let data = vec![big, small];
    // none takes the pipelined path; lz4 the compressed-header path
    for comp in &COMPRESSIONS[..2] {
        let comp = *comp;
        let plain = write(&g, &data, comp);
        let mut cur = std::io::Cursor::new(Vec::new());
        let f = |i: usize| data.get(i).map(|v| v.as_slice());
        container::write_seekable(&mut cur, &g, &f, &json!({"user": {"k": 1}}), comp, None)
            .expect("writes");
        assert_eq!(cur.into_inner(), plain, "{comp:?}");
        let c = Container::parse(&plain).expect("parses");
        c.verify_raw_all().expect("digests");
        let mut out = vec![0u8; data[0].len()];
        c.decode_into(0, &mut out).expect("decodes");
        assert_eq!(out, data[0]);
    }
}

#[test]
fn forward_ref_as_a_shared_entry_is_refused() {
    let bad = json!({"root": {"ref": 0}, "shared": [{"ref": 1}, {"list": []}]});
    assert!(graphjson::decode(&bad, 0).is_err());
    let bad2 = json!({"root": {"ref": 1}, "shared": [{"list": []}, {"ref": 0}]});
    assert!(graphjson::decode(&bad2, 0).is_err());
}

#[test]
fn dtype_sizes_numpy_does_not_know_are_refused() {
    for d in ["<f3", "<u3", "|b2", "<i16", "<c4", "|O4"] {
        assert!(skseal_core::ir::simple_itemsize(d).is_none(), "{d}");
        assert!(graphjson::dtype_from_json(&json!(d), 0).is_err(), "{d}");
    }
    for d in [
        "<f8", "<f2", "|u1", "<c16", "|b1", "<U7", "|S3", "|V64", "|O8",
    ] {
        assert!(skseal_core::ir::simple_itemsize(d).is_some(), "{d}");
    }
}

#[test]
fn signatures_cover_header_and_arrays() {
    use skseal_core::keys;
    let (g, data) = sample_graph();
    let (seed, pk) = keys::generate();
    let (_, other_pk) = keys::generate();
    let signer = keys::signing_key(&seed);
    // signed at write time, and signing afterwards, give the same bytes
    let mut written = Vec::new();
    let f = |i: usize| data.get(i).map(|v| v.as_slice());
    container::write(
        &mut written,
        &g,
        &f,
        &json!({}),
        COMPRESSIONS[2],
        Some(&signer),
    )
    .expect("writes");
    let plain = write(&g, &data, COMPRESSIONS[2]);
    let mut unsigned_meta = Vec::new();
    container::write(
        &mut unsigned_meta,
        &g,
        &f,
        &json!({}),
        COMPRESSIONS[2],
        None,
    )
    .expect("writes");
    assert_eq!(
        container::sign_bytes(&unsigned_meta, &signer).expect("signs"),
        written
    );
    let c = Container::parse(&written).expect("parses");
    c.verify_signature(Some(&pk)).expect("valid");
    c.verify_signature(None)
        .expect("valid with the embedded key");
    // another key, an unsigned file
    assert!(matches!(
        c.verify_signature(Some(&other_pk)),
        Err(ContainerError::Signature(SignatureError::OtherKey { .. }))
    ));
    let u = Container::parse(&plain).expect("parses");
    assert!(matches!(
        u.verify_signature(Some(&pk)),
        Err(ContainerError::Signature(SignatureError::NotSigned))
    ));
    u.verify_signature(None).expect("unsigned and no key asked");
    // the metadata changed (header rewritten, its hash recomputed, arrays and
    // trailer kept): the file parses, but the signature no longer holds
    let text = c
        .header
        .text
        .replace("\"metadata\":{}", "\"metadata\":{\"owner\":\"mallory\"}");
    assert_ne!(text, c.header.text);
    let data_start = c.header.data_start as usize;
    let mut tampered = Vec::new();
    tampered.extend_from_slice(&written[..12]);
    let packs_bit = u32::from_le_bytes([written[12], written[13], written[14], written[15]])
        & container::FLAG_PACKS;
    tampered.extend_from_slice(&(container::FLAG_SIGNED | packs_bit).to_le_bytes());
    tampered.extend_from_slice(&(text.len() as u64).to_le_bytes());
    tampered.extend_from_slice(blake3::hash(text.as_bytes()).as_bytes());
    tampered.extend_from_slice(text.as_bytes());
    while tampered.len() % 64 != 0 {
        tampered.push(0);
    }
    tampered.extend_from_slice(&written[data_start..]);
    let t = Container::parse(&tampered).expect("a consistent file");
    t.verify_raw_all().expect("arrays untouched");
    assert!(matches!(
        t.verify_signature(Some(&pk)),
        Err(ContainerError::Signature(SignatureError::Modified))
    ));
    // a damaged file is never signed
    let mut damaged = plain.clone();
    let n = damaged.len();
    damaged[n - 3] ^= 0xff;
    assert!(container::sign_bytes(&damaged, &signer).is_err());
}

#[test]
fn deeply_nested_graph_text_is_refused_not_a_stack_overflow() {
    // found by the graph_json fuzz target: a dtype value nested 100k deep
    let deep = format!(
        "{{\"root\":{{\"dtype\":{}1{}}}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(graphjson::decode_text(&deep, 0).is_err());
}

#[test]
fn declared_sizes_beyond_what_the_codec_can_expand_to_are_refused() {
    // A compressed array may not declare more decoded bytes than its stored
    // bytes can expand to, so nothing is allocated for a size the file does
    // not back.
    let (mut g, mut data) = sample_graph();
    // array 0 above the pack threshold (a blob of its own), array 1 packed
    g.arrays[0].shape = vec![10_000];
    data[0] = (0..10_000u32)
        .flat_map(|x| (x as f64 * 0.5).to_le_bytes())
        .collect();
    let reseal = |bytes: &[u8], v: &serde_json::Value| {
        let text = serde_json::to_vec(v).expect("json");
        let mut m = Vec::new();
        m.extend_from_slice(&bytes[..12]);
        m.extend_from_slice(&0u32.to_le_bytes());
        m.extend_from_slice(&(text.len() as u64).to_le_bytes());
        m.extend_from_slice(blake3::hash(&text).as_bytes());
        m.extend_from_slice(&text);
        m.resize(m.len() + bytes.len(), 0);
        m
    };
    for comp in &COMPRESSIONS[1..3] {
        let bytes = write(&g, &data, *comp);
        let c = Container::parse(&bytes).expect("parses");
        // the same rule for a pack
        let mut v = c.header.json();
        assert!(v["arrays"][1]["pack"].is_array(), "{}", v["arrays"][1]);
        v["packs"][0]["nbytes"] = json!(4u64 << 20);
        let e = Container::parse(&reseal(&bytes, &v))
            .err()
            .expect("refused");
        assert!(matches!(e, ContainerError::Pack { pack: 0, .. }), "{e:?}");
        let e = e.to_string();
        assert!(e.contains("can expand to"), "{e}");
        let mut v = c.header.json();
        let stored = v["arrays"][0]["length"].as_u64().expect("length");
        let huge = 1u64 << 40;
        v["arrays"][0]["shape"] = json!([huge / 8]);
        v["arrays"][0]["nbytes"] = json!(huge);
        v["arrays"][0]["chunk"] = json!(huge);
        v["arrays"][0]["chunks"] = json!([stored]);
        let e = Container::parse(&reseal(&bytes, &v))
            .err()
            .expect("refused");
        assert!(
            matches!(e, ContainerError::ArrayEntry { index: 0, .. }),
            "{e:?}"
        );
        let e = e.to_string();
        assert!(e.contains("can expand to"), "{e}");
    }
    // The densest real data stays readable: 64 MiB of zeros at zstd 19 and lz4.
    let zeros = vec![0u8; 64 << 20];
    let mut g2 = g.clone();
    g2.arrays[0].shape = vec![(64 << 20) / 8];
    let data2 = vec![zeros.clone(), data[1].clone()];
    for comp in [COMPRESSIONS[1], COMPRESSIONS[3]] {
        let bytes = write(&g2, &data2, comp);
        let c = Container::parse(&bytes).expect("parses");
        let mut out = vec![1u8; zeros.len()];
        c.decode_into(0, &mut out).expect("decodes");
        assert!(out == zeros);
    }
}

#[test]
fn streaming_file_writer_gives_the_same_bytes_as_the_front_to_back_writer() {
    // Above STREAM_MIN_BYTES a compressed dump to a file streams its blobs
    // past a reserved gap and moves them down; the file must be the same.
    let (mut g, mut data) = sample_graph();
    let n = (container::STREAM_MIN_BYTES as usize + (3 << 20)) / 8;
    data[0] = (0..n)
        .flat_map(|x| ((x % 1000) as f64 * 0.25).to_le_bytes())
        .collect();
    g.arrays[0].shape = vec![n as u64];
    let dir = std::env::temp_dir().join(format!("skseal-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let key = skseal_core::keys::signing_key(&[7u8; 32]);
    for (k, comp) in [COMPRESSIONS[1], COMPRESSIONS[2]].into_iter().enumerate() {
        for signer in [None, Some(&key)] {
            let f = |i: usize| data.get(i).map(|v| v.as_slice());
            let meta = json!({"user": {"k": 1}});
            let mut want = Vec::new();
            container::write(&mut want, &g, &f, &meta, comp, signer).expect("writes");
            let path = dir.join(format!("m{k}.skseal"));
            container::write_atomic(&path, |w| {
                container::write_file(w, &g, &f, &meta, comp, signer)
            })
            .expect("writes the file");
            let got = std::fs::read(&path).expect("reads");
            assert_eq!(got.len(), want.len());
            assert!(got == want, "streamed file differs ({comp:?})");
            let c = Container::parse(&got).expect("parses");
            let mut out = vec![0u8; data[0].len()];
            c.decode_into(0, &mut out).expect("decodes");
            assert!(out == data[0]);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A graph of `sizes.len()` uint8 arrays of the given sizes, each filled with
/// bytes that differ from array to array.
fn arrays_graph(sizes: &[usize]) -> (Graph, Vec<Vec<u8>>) {
    let mut nodes = Vec::new();
    let mut arrays = Vec::new();
    let mut data = Vec::new();
    for (i, &n) in sizes.iter().enumerate() {
        nodes.push(Node::Array(i as u32));
        arrays.push(ArraySpec {
            dtype: Dtype::Simple("|u1".into()),
            shape: vec![n as u64],
            order: Order::C,
            axes: None,
            source: ArraySource::OutOfBand(i as u32),
        });
        data.push((0..n).map(|k| ((k * 7 + i * 13) % 251) as u8).collect());
    }
    let root = nodes.len() as u32;
    nodes.push(Node::List((0..sizes.len() as u32).collect()));
    let g = Graph {
        nodes,
        root,
        arrays,
        ..Graph::default()
    };
    (g, data)
}

#[test]
fn small_arrays_share_packs_and_read_back_from_bytes_and_files() {
    use skseal_core::filecontainer::FileContainer;
    use skseal_core::pack::{PACK_ARRAY_MAX, PACK_MAX};
    // 150 arrays of 60 KB (packed, several packs of <= 4 MiB), two large ones
    // (on their own), one empty, interleaved
    let mut sizes = vec![60_000usize; 150];
    sizes.insert(3, 300_000);
    sizes.insert(70, 0);
    sizes.push(PACK_ARRAY_MAX as usize); // at the threshold: not packed
    sizes.push(100);
    let (g, data) = arrays_graph(&sizes);
    let dir = std::env::temp_dir().join(format!("skseal-packs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    for comp in &COMPRESSIONS[1..] {
        let bytes = write(&g, &data, *comp);
        let c = Container::parse(&bytes).expect("parses");
        let h = &c.header;
        assert!(h.packs.len() >= 3, "{} packs", h.packs.len());
        assert!(h.packs.iter().all(|p| p.nbytes <= PACK_MAX));
        for (i, a) in h.arrays.iter().enumerate() {
            let small = sizes[i] > 0 && (sizes[i] as u64) < PACK_ARRAY_MAX;
            assert_eq!(a.pack.is_some(), small, "array {i} of {} bytes", sizes[i]);
        }
        // the same fingerprint as without packs (uncompressed)
        let plain_bytes = write(&g, &data, COMPRESSIONS[0]);
        let plain = Container::parse(&plain_bytes).expect("parses");
        assert_eq!(h.fingerprint, plain.header.fingerprint);
        assert!(plain.header.packs.is_empty());
        // every array back, from memory and from a file (one read or per array)
        let p = dir.join("a.skseal");
        std::fs::write(&p, &bytes).expect("write");
        let fc = FileContainer::open(std::fs::File::open(&p).expect("open")).expect("opens");
        fc.verify_padding().expect("padding");
        let blobs = fc.blobs_if_small(u64::MAX).expect("reads").expect("small");
        for (i, want) in data.iter().enumerate() {
            for way in 0..3 {
                let mut out = vec![0xAAu8; want.len()];
                match way {
                    0 => c.decode_into(i, &mut out),
                    1 => fc.read_array(i, &mut out),
                    _ => fc.array_from(&blobs, i, &mut out),
                }
                .expect("decodes");
                assert!(&out == want, "array {i}, way {way}");
            }
        }
        // a damaged pack names the array being read
        let first = &h.packs[0];
        let member = h.arrays.iter().position(|a| a.pack.map(|x| x.0) == Some(0));
        let member = member.expect("a member");
        let mut bad = bytes.clone();
        let at = (h.data_start + first.offset + first.length / 2) as usize;
        bad[at] ^= 0x55;
        let c = Container::parse(&bad).expect("header intact");
        let errs: Vec<String> = (0..h.arrays.len())
            .filter(|&i| h.arrays[i].pack.map(|x| x.0) == Some(0))
            .filter_map(|i| {
                let mut out = vec![0u8; data[i].len()];
                c.decode_into(i, &mut out).err().map(|e| e.to_string())
            })
            .collect();
        assert!(!errs.is_empty(), "a flipped byte in pack 0 went unnoticed");
        assert!(errs.iter().all(|e| e.contains("array ")), "{errs:?}");
        assert!(h.arrays[member].pack.is_some());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn malformed_packs_are_refused() {
    let (g, data) = arrays_graph(&[1000, 2000, 3000]);
    let bytes = write(&g, &data, COMPRESSIONS[2]);
    let c = Container::parse(&bytes).expect("parses");
    let flags = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
    assert_ne!(flags & container::FLAG_PACKS, 0);
    let reseal = |v: &serde_json::Value| {
        let text = serde_json::to_vec(v).expect("json");
        let mut m = Vec::new();
        m.extend_from_slice(&bytes[..12]);
        m.extend_from_slice(&container::FLAG_PACKS.to_le_bytes());
        m.extend_from_slice(&(text.len() as u64).to_le_bytes());
        m.extend_from_slice(blake3::hash(&text).as_bytes());
        m.extend_from_slice(&text);
        while m.len() % 64 != 0 {
            m.push(0);
        }
        m.extend_from_slice(&bytes[c.header.data_start as usize..]);
        m
    };
    // the unmodified header, resealed, still parses (the test harness is sound)
    Container::parse(&reseal(&c.header.json())).expect("resealed original parses");
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    type Variant = fn(&ContainerError) -> bool;
    let cases: Vec<(&str, Variant, Edit)> = vec![
        (
            "pack 7 does not exist",
            |e| matches!(e, ContainerError::MissingPack { array: 1, pack: 7 }),
            Box::new(|v| v["arrays"][1]["pack"] = json!([7, 1000])),
        ),
        (
            "but its members before it end at",
            |e| matches!(e, ContainerError::ArrayEntry { index: 1, .. }),
            Box::new(|v| v["arrays"][1]["pack"] = json!([0, 999])),
        ),
        (
            "its members cover",
            |e| matches!(e, ContainerError::Pack { pack: 0, .. }),
            Box::new(|v| v["packs"][0]["nbytes"] = json!(6001)),
        ),
        (
            "extends beyond the end of pack",
            |e| matches!(e, ContainerError::ArrayEntry { .. }),
            Box::new(|v| v["packs"][0]["nbytes"] = json!(5999)),
        ),
        (
            "codec differs",
            |e| matches!(e, ContainerError::ArrayEntry { index: 2, .. }),
            Box::new(|v| v["arrays"][2]["codec"] = json!("lz4")),
        ),
        (
            "no offset, length or chunks",
            |e| matches!(e, ContainerError::ArrayEntry { index: 0, .. }),
            Box::new(|v| v["arrays"][0]["offset"] = json!(0)),
        ),
        (
            "must be compressed",
            |e| matches!(e, ContainerError::ArrayEntry { index: 0, .. }),
            Box::new(|v| v["arrays"][0]["codec"] = json!("none")),
        ),
        (
            "codec must be",
            |e| matches!(e, ContainerError::Pack { pack: 0, .. }),
            Box::new(|v| v["packs"][0]["codec"] = json!("none")),
        ),
        (
            "a pack holds 1 to",
            |e| matches!(e, ContainerError::Pack { pack: 0, .. }),
            Box::new(|v| v["packs"][0]["nbytes"] = json!(0)),
        ),
        (
            "pack 0 starts at",
            |e| {
                matches!(
                    e,
                    ContainerError::Misplaced {
                        blob: Blob::Pack(0),
                        offset: 16,
                        ..
                    }
                )
            },
            Box::new(|v| v["packs"][0]["offset"] = json!(16)),
        ),
        (
            "unknown field",
            |e| {
                matches!(
                    e,
                    ContainerError::HeaderJson(HeaderJsonError::Invalid { version: 1, .. })
                )
            },
            Box::new(|v| v["packs"][0]["extra"] = json!(1)),
        ),
        (
            "flag bit 2",
            |e| {
                matches!(
                    e,
                    ContainerError::HeaderJson(HeaderJsonError::PacksFlag {
                        flag_set: true,
                        packs: 0
                    })
                )
            },
            Box::new(|v| {
                v.as_object_mut().map(|m| m.remove("packs"));
            }),
        ),
    ];
    for (want, variant, edit) in cases {
        let mut v = c.header.json();
        edit(&mut v);
        let e = Container::parse(&reseal(&v)).err();
        let e = e.unwrap_or_else(|| panic!("{want}: accepted"));
        assert!(variant(&e), "{want}: {e:?}");
        let e = e.to_string();
        assert!(e.contains(want), "{want}: {e}");
    }
}

/// `bytes` with its header replaced by `stored` (the header's stored form:
/// JSON, or a zstd frame when `flags` has bit 0) and the preamble's length,
/// flags and digest to match; the data region is kept.
fn with_stored_header(bytes: &[u8], flags: u32, stored: &[u8]) -> Vec<u8> {
    let c = Container::parse(bytes).expect("parses");
    let mut m = Vec::new();
    m.extend_from_slice(&bytes[..12]);
    m.extend_from_slice(&flags.to_le_bytes());
    m.extend_from_slice(&(stored.len() as u64).to_le_bytes());
    m.extend_from_slice(blake3::hash(stored).as_bytes());
    m.extend_from_slice(stored);
    while m.len() % container::ALIGN as usize != 0 {
        m.push(0);
    }
    m.extend_from_slice(&bytes[c.header.data_start as usize..]);
    m
}

/// `bytes` with its header JSON edited (stored plain, same flags otherwise).
fn with_header_edit(bytes: &[u8], edit: impl Fn(&mut serde_json::Value)) -> Vec<u8> {
    let c = Container::parse(bytes).expect("parses");
    let mut v = c.header.json();
    edit(&mut v);
    let flags = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
    let text = serde_json::to_vec(&v).expect("json");
    with_stored_header(bytes, flags & !container::FLAG_HEADER_ZSTD, &text)
}

#[test]
fn a_truncated_array_table_names_the_entry() {
    let (g, data) = sample_graph();
    let plain = write(&g, &data, COMPRESSIONS[0]);
    // the sound harness: the header resealed unchanged still parses
    Container::parse(&with_header_edit(&plain, |_| {})).expect("resealed original parses");
    // an entry cut short of its offset
    let e = Container::parse(&with_header_edit(&plain, |v| {
        v["arrays"][1].as_object_mut().map(|a| a.remove("offset"));
    }))
    .err()
    .expect("refused");
    assert!(
        matches!(&e, ContainerError::ArrayEntry { index: 1, why } if why == "missing offset"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "malformed skseal header: array 1: missing offset"
    );
    // a compressed array's chunk list cut short
    let big: Vec<u8> = (0..1_000_000u32)
        .flat_map(|x| (x as f64).sqrt().to_le_bytes())
        .collect();
    let (mut g2, mut data2) = (g.clone(), data.clone());
    g2.arrays[0].shape = vec![1_000_000];
    data2[0] = big;
    let zstd = write(&g2, &data2, COMPRESSIONS[2]);
    let chunks = Container::parse(&zstd).expect("parses").header.arrays[0]
        .chunks
        .len();
    assert!(chunks > 1, "{chunks} chunk(s)");
    let e = Container::parse(&with_header_edit(&zstd, |v| {
        let cut: Vec<serde_json::Value> = v["arrays"][0]["chunks"]
            .as_array()
            .map(|c| c[..c.len() - 1].to_vec())
            .unwrap_or_default();
        v["arrays"][0]["chunks"] = json!(cut);
    }))
    .err()
    .expect("refused");
    assert!(
        matches!(&e, ContainerError::ArrayEntry { index: 0, why } if why.contains("chunks listed")),
        "{e:?}"
    );
    // a file cut inside the region its array table describes
    let e = Container::parse(&plain[..plain.len() - 100])
        .err()
        .expect("refused");
    assert!(
        matches!(&e, ContainerError::Truncated(m) if m.contains("array table")),
        "{e:?}"
    );
}

#[test]
fn a_damaged_compressed_header_is_its_own_variant() {
    let (g, data) = sample_graph();
    let bytes = write(&g, &data, COMPRESSIONS[2]);
    let flags = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
    assert_ne!(
        flags & container::FLAG_HEADER_ZSTD,
        0,
        "zstd files compress the header"
    );
    let c = Container::parse(&bytes).expect("parses");
    let frame = zstd::bulk::compress(c.header.text.as_bytes(), 3).expect("zstd");
    // the harness: a sound frame, resealed, parses
    Container::parse(&with_stored_header(&bytes, flags, &frame)).expect("sound frame parses");
    // a frame cut in half, under a matching digest: not an integrity failure
    // (the digest holds) but a header that does not decode
    let e = Container::parse(&with_stored_header(
        &bytes,
        flags,
        &frame[..frame.len() / 2],
    ))
    .err()
    .expect("refused");
    assert!(matches!(&e, ContainerError::CompressedHeader(_)), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("malformed skseal header: compressed header is damaged: "),
        "{e}"
    );
    // bytes that are no zstd frame at all
    let e = Container::parse(&with_stored_header(&bytes, flags, b"{\"not\": \"zstd\"}"))
        .err()
        .expect("refused");
    assert!(matches!(&e, ContainerError::CompressedHeader(_)), "{e:?}");
}

#[test]
fn a_missing_pack_is_its_own_variant() {
    let (g, data) = arrays_graph(&[1000, 2000, 3000]);
    let bytes = write(&g, &data, COMPRESSIONS[2]);
    let c = Container::parse(&bytes).expect("parses");
    assert!(c.header.arrays[0].pack.is_some(), "array 0 is packed");
    let e = Container::parse(&with_header_edit(&bytes, |v| {
        v["arrays"][0]["pack"] = json!([3, 0]);
    }))
    .err()
    .expect("refused");
    assert!(
        matches!(&e, ContainerError::MissingPack { array: 0, pack: 3 }),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "malformed skseal header: array 0: pack 3 does not exist"
    );
}

#[test]
fn a_header_not_valid_for_its_format_version_says_which_version() {
    let (g, data) = sample_graph();
    let plain = write(&g, &data, COMPRESSIONS[0]);
    let c = Container::parse(&plain).expect("parses");
    let flags = u32::from_le_bytes([plain[12], plain[13], plain[14], plain[15]])
        & !container::FLAG_HEADER_ZSTD;
    // a member format v1 requires, missing
    let e = Container::parse(&with_header_edit(&plain, |v| {
        v.as_object_mut().map(|m| m.remove("graph"));
    }))
    .err()
    .expect("refused");
    assert!(
        matches!(
            &e,
            ContainerError::HeaderJson(HeaderJsonError::Invalid { version: 1, why })
                if why.contains("missing field `graph`")
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("malformed skseal header: header is not valid JSON for format v1: "),
        "{e}"
    );
    // a member of the wrong type
    let e = Container::parse(&with_header_edit(&plain, |v| v["arrays"] = json!("none")))
        .err()
        .expect("refused");
    assert!(
        matches!(
            &e,
            ContainerError::HeaderJson(HeaderJsonError::Invalid { version: 1, .. })
        ),
        "{e:?}"
    );
    // not JSON at all
    let mut text = c.header.text.clone().into_bytes();
    text.truncate(text.len() - 1);
    let e = Container::parse(&with_stored_header(&plain, flags, &text))
        .err()
        .expect("refused");
    assert!(
        matches!(
            &e,
            ContainerError::HeaderJson(HeaderJsonError::Invalid { version: 1, .. })
        ),
        "{e:?}"
    );
    // JSON, but not an object
    let e = Container::parse(&with_stored_header(&plain, flags, b"[1, 2, 3]"))
        .err()
        .expect("refused");
    assert!(
        matches!(&e, ContainerError::HeaderJson(HeaderJsonError::NotAnObject)),
        "{e:?}"
    );
    // another format's name, or a version other than the preamble's
    for (k, val) in [("format", json!("pickle")), ("version", json!(2))] {
        let e = Container::parse(&with_header_edit(&plain, |v| v[k] = val.clone()))
            .err()
            .expect("refused");
        assert!(
            matches!(&e, ContainerError::HeaderJson(HeaderJsonError::Identity)),
            "{k}: {e:?}"
        );
    }
}

#[test]
fn unknown_flags_and_misplaced_blobs_are_variants() {
    let (g, data) = sample_graph();
    let plain = write(&g, &data, COMPRESSIONS[0]);
    let mut b = plain.clone();
    b[12] |= 0x80;
    let flags = u32::from_le_bytes([b[12], b[13], b[14], b[15]]);
    let e = Container::parse(&b).err().expect("refused");
    assert!(
        matches!(&e, ContainerError::UnknownFlags { flags: f } if *f == flags),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!("malformed skseal header: unknown flags 0x{flags:08x}; written by a newer skseal?")
    );
    let e = Container::parse(&with_header_edit(&plain, |v| {
        let o = v["arrays"][1]["offset"].as_u64().unwrap_or(0);
        v["arrays"][1]["offset"] = json!(o + 8);
    }))
    .err()
    .expect("refused");
    assert!(
        matches!(
            &e,
            ContainerError::Misplaced {
                blob: Blob::Array(1),
                ..
            }
        ),
        "{e:?}"
    );
    // offsets past u64::MAX: refused as an overflow, never wrapped
    let e = Container::parse(&with_header_edit(&plain, |v| {
        v["arrays"][0]["length"] = json!(u64::MAX - 10);
        v["arrays"][0]["nbytes"] = json!(u64::MAX - 10);
        v["arrays"][0]["shape"] = json!([u64::MAX - 10]);
        v["arrays"][0]["dtype"] = json!("|u1");
        v["arrays"][1]["offset"] = json!(u64::MAX);
    }))
    .err()
    .expect("refused");
    assert!(
        matches!(
            &e,
            ContainerError::Overflow(SizeOverflow::BlobEnd(Blob::Array(1)))
        ),
        "{e:?}"
    );
}

#[test]
fn compressed_bytes_that_do_not_decode_are_undecodable_not_text() {
    // array 0 large enough for a blob of its own, arrays 1 and 2 packed
    let (g, data) = arrays_graph(&[100_000, 2000, 3000]);
    let bytes = write(&g, &data, COMPRESSIONS[2]);
    let h = Container::parse(&bytes).expect("parses").header;
    assert!(h.arrays[0].pack.is_none() && h.arrays[1].pack.is_some());
    let zero = |start: u64, len: u64| {
        let mut b = bytes.clone();
        let s = (h.data_start + start) as usize;
        b[s..s + len as usize].fill(0);
        b
    };
    // the array's own chunk, zeroed: no zstd frame left
    let a = &h.arrays[0];
    let bad = zero(a.offset, a.length);
    let c = Container::parse(&bad).expect("header intact");
    let mut out = vec![0u8; data[0].len()];
    let e = c.decode_into(0, &mut out).expect_err("refused");
    assert!(
        matches!(
            &e,
            ContainerError::Undecodable {
                array: 0,
                why: Damage::Chunks(CodecError::InChunk { chunk: 0, .. }),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("integrity check failed: array 0 at [0] ("),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains(": compressed data is damaged: chunk 0: "),
        "{e}"
    );
    // the pack, zeroed: every member says which pack
    let p = &h.packs[0];
    let bad = zero(p.offset, p.length);
    let c = Container::parse(&bad).expect("header intact");
    for i in [1, 2] {
        let mut out = vec![0u8; data[i].len()];
        let e = c.decode_into(i, &mut out).expect_err("refused");
        assert!(
            matches!(
                &e,
                ContainerError::Undecodable {
                    array,
                    why: Damage::Pack { pack: 0, .. },
                    ..
                } if *array == i
            ),
            "{e:?}"
        );
    }
}
