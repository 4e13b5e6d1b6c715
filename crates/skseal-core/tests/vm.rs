//! Pickle VM: protocols, lowering, refusals, limits, and no panics on any input.

use proptest::prelude::*;
use skseal_core::ir::{ArraySource, Dtype, Graph, Node, Order};
use skseal_core::vm::{parse, twos_complement_to_decimal, VmOptions};
use skseal_core::PickleError;

fn file_opts() -> VmOptions {
    VmOptions {
        strict_end: true,
        ..VmOptions::default()
    }
}

fn root(g: &Graph) -> &Node {
    g.node(g.root).expect("root exists")
}

#[test]
fn protocol0_list_of_ints_and_strings() {
    // pickle.dumps([1, 'a', None, True], protocol=0)
    let data = b"(lp0\nI1\naVa\np1\naNaI01\na.";
    let g = parse(data, &file_opts()).expect("parses");
    let Node::List(items) = root(&g) else {
        panic!("not a list")
    };
    let vals: Vec<&Node> = items.iter().map(|&i| g.node(i).expect("node")).collect();
    assert_eq!(
        vals,
        vec![
            &Node::Int(1),
            &Node::Str("a".into()),
            &Node::None,
            &Node::Bool(true)
        ]
    );
}

#[test]
fn text_integers_are_read_only_in_canonical_decimal_form() {
    // What Python writes, and what CPython's unpickler reads the same way.
    let ok: &[(&[u8], Node)] = &[
        (b"I0\n.", Node::Int(0)),
        (b"I-7\n.", Node::Int(-7)),
        (b"I00\n.", Node::Bool(false)),
        (b"I01\n.", Node::Bool(true)),
        (b"I12\r\n.", Node::Int(12)),
        (b"L123L\n.", Node::Int(123)),
        (
            b"L-123456789012345678901234567890L\n.",
            Node::BigInt("-123456789012345678901234567890".into()),
        ),
    ];
    for (data, want) in ok {
        let g = parse(data, &file_opts()).expect("canonical integer parses");
        assert_eq!(root(&g), want, "{data:?}");
    }
    // CPython reads these with strtol(s, 0) / int(s, 0): `011` is octal 9
    // (found by the differential run), `0x1f` is 31, `+1` and `-0` are
    // booleans, an empty INT line is 0. skseal refuses instead of guessing.
    for data in [
        &b"I011\n."[..],
        b"I0x1f\n.",
        b"I+1\n.",
        b"I-0\n.",
        b"I\n.",
        b"I 5\n.",
        b"I5 \n.",
        b"I1_0\n.",
        b"L011L\n.",
        b"L0x10L\n.",
        b"LL\n.",
    ] {
        match parse(data, &file_opts()) {
            Err(PickleError::Malformed { why, .. }) => {
                assert!(why.contains("canonical decimal"), "{data:?}: {why}")
            }
            other => panic!("{data:?} must be refused, got {other:?}"),
        }
    }
}

#[test]
fn protocol2_dict_and_memo_sharing() {
    // x = [1]; pickle.dumps({'a': x, 'b': x}, protocol=2)
    let data = b"\x80\x02}q\x00(X\x01\x00\x00\x00aq\x01]q\x02K\x01aX\x01\x00\x00\x00bq\x03h\x02u.";
    let g = parse(data, &file_opts()).expect("parses");
    let Node::Dict(kv) = root(&g) else {
        panic!("not a dict")
    };
    assert_eq!(kv.len(), 2);
    assert_eq!(kv[0].1, kv[1].1, "shared reference must be one node");
}

#[test]
fn long1_and_big_ints() {
    // pickle.dumps(2**70, protocol=2)
    let data = b"\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x40.";
    let g = parse(data, &file_opts()).expect("parses");
    assert_eq!(root(&g), &Node::BigInt("1180591620717411303424".into()));
    assert_eq!(twos_complement_to_decimal(&[0xff; 9]), "-1");
    assert_eq!(
        twos_complement_to_decimal(&[0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80]),
        "-2361183241434822606848"
    );
}

#[test]
fn reduce_of_os_system_becomes_a_call_node_not_an_execution() {
    // cos\nsystem\n(S'echo hi'\ntR.
    let data = b"cos\nsystem\n(S'echo hi'\ntR.";
    let g = parse(data, &file_opts()).expect("parses");
    match root(&g) {
        Node::Call { func, args, .. } => {
            assert!(func.is("os", "system"));
            assert_eq!(g.node(args[0]), Some(&Node::Str("echo hi".into())));
        }
        other => panic!("expected a call, got {other:?}"),
    }
}

#[test]
fn build_on_global_is_refused() {
    let data = b"cos\nenviron\n}b.";
    match parse(data, &file_opts()) {
        Err(PickleError::Refused {
            opcode: "BUILD",
            why,
            ..
        }) => assert!(why.contains("setattr")),
        other => panic!("expected refusal, got {other:?}"),
    }
}

#[test]
fn append_on_non_list_is_refused() {
    let data = b"cbuiltins\nprint\nK\x01a.";
    assert!(matches!(
        parse(data, &file_opts()),
        Err(PickleError::Refused {
            opcode: "APPEND",
            ..
        })
    ));
}

#[test]
fn persid_ext_and_buffers_are_refused_in_files() {
    for data in [&b"P1\n."[..], b"\x80\x02\x82\x01.", b"\x80\x05\x97."] {
        assert!(
            matches!(parse(data, &file_opts()), Err(PickleError::Refused { .. })),
            "{data:?}"
        );
    }
}

#[test]
fn data_after_stop_is_refused() {
    assert!(matches!(
        parse(b"N.junk", &file_opts()),
        Err(PickleError::TrailingData { extra: 4, .. })
    ));
}

#[test]
fn truncations_are_errors_not_panics() {
    let data = b"\x80\x02}q\x00(X\x01\x00\x00\x00aq\x01]q\x02K\x01aX\x01\x00\x00\x00bq\x03h\x02u.";
    for cut in 0..data.len() {
        assert!(parse(&data[..cut], &file_opts()).is_err(), "cut at {cut}");
    }
}

#[test]
fn memo_get_of_unknown_key_is_an_error() {
    assert!(matches!(
        parse(b"h\x05.", &file_opts()),
        Err(PickleError::Malformed { .. })
    ));
}

#[test]
fn limits_apply() {
    let mut opts = file_opts();
    opts.limits.max_mark_depth = 4;
    assert!(matches!(
        parse(b"(((((((.", &opts),
        Err(PickleError::Limit { .. })
    ));
    let mut opts = file_opts();
    opts.limits.max_nodes = 3;
    assert!(matches!(
        parse(b"NNNNN.", &opts),
        Err(PickleError::Limit { .. })
    ));
}

/// Protocol-5 pickle of `np.arange(3, dtype='<i8')` with an out-of-band buffer,
/// as CPython + numpy 2 write it.
fn frombuffer_stream() -> Vec<u8> {
    let mut s = Vec::new();
    s.extend_from_slice(b"\x80\x05");
    s.extend_from_slice(b"\x8c\x13numpy._core.numeric\x94\x8c\x0b_frombuffer\x94\x93\x94(");
    s.extend_from_slice(b"\x97\x98"); // NEXT_BUFFER, READONLY_BUFFER
    s.extend_from_slice(
        b"\x8c\x05numpy\x94\x8c\x05dtype\x94\x93\x94\x8c\x02i8\x94\x89\x88\x87\x94R\x94",
    );
    s.extend_from_slice(b"(K\x03\x8c\x01<\x94NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t\x94b");
    s.extend_from_slice(b"K\x03\x85\x94\x8c\x01C\x94t\x94R\x94.");
    s
}

#[test]
fn numpy_frombuffer_is_lowered_to_an_array() {
    let opts = VmOptions {
        buffer_lens: vec![24],
        strict_end: true,
        ..VmOptions::default()
    };
    let g = parse(&frombuffer_stream(), &opts).expect("parses");
    let Node::Array(i) = root(&g) else {
        panic!("expected array, got {:?}", root(&g))
    };
    let spec = &g.arrays[*i as usize];
    assert_eq!(spec.dtype, Dtype::Simple("<i8".into()));
    assert_eq!(spec.shape, vec![3]);
    assert_eq!(spec.order, Order::C);
    assert_eq!(spec.source, ArraySource::OutOfBand(0));
}

#[test]
fn dtype_flags_must_be_the_ones_numpy_gives() {
    // pickle.dumps(np.array([1.0, None], dtype=object), protocol=2), its
    // dtype state's flags (BININT1 63) replaced by `flags`: numpy keeps them,
    // so 250 makes an object array whose dtype says it holds no references.
    let with_flags = |flags: &[u8]| -> Vec<u8> {
        let mut v = b"\x80\x02cnumpy._core.multiarray\n_reconstruct\nq\x00cnumpy\nndarray\nq\x01K\x00\x85q\x02c_codecs\nencode\nq\x03X\x01\x00\x00\x00bq\x04X\x06\x00\x00\x00latin1q\x05\x86q\x06Rq\x07\x87q\x08Rq\t(K\x01K\x02\x85q\ncnumpy\ndtype\nq\x0bX\x02\x00\x00\x00O8q\x0c\x89\x88\x87q\rRq\x0e(K\x03X\x01\x00\x00\x00|q\x0fNNNJ\xff\xff\xff\xffJ\xff\xff\xff\xff".to_vec();
        v.extend_from_slice(flags);
        v.extend_from_slice(b"tq\x10b\x89]q\x11(G?\xf0\x00\x00\x00\x00\x00\x00Netq\x12b.");
        v
    };
    let g = parse(&with_flags(b"K?"), &file_opts()).expect("numpy's own flags parse");
    assert!(
        matches!(root(&g), Node::Array { .. } | Node::ObjectArray { .. }),
        "{:?}",
        root(&g)
    );
    // numpy adds 128 to a negative value (flags were once a signed char)
    parse(&with_flags(b"J\xbf\xff\xff\xff"), &file_opts()).expect("numpy reads -65 as 63");
    for bad in [&b"K\xfa"[..], b"K\x00", b"K\x3e", b"J\x00\x01\x00\x00"] {
        match parse(&with_flags(bad), &file_opts()) {
            Err(PickleError::Numpy { why, .. }) => {
                assert!(why.contains("stored with flags"), "{bad:?}: {why}")
            }
            other => panic!("{bad:?} must be refused, got {other:?}"),
        }
    }
}

#[test]
fn numpy_frombuffer_with_wrong_length_is_refused() {
    let opts = VmOptions {
        buffer_lens: vec![16],
        strict_end: true,
        ..VmOptions::default()
    };
    assert!(matches!(
        parse(&frombuffer_stream(), &opts),
        Err(PickleError::Numpy { .. })
    ));
}

#[test]
fn object_dtype_from_raw_bytes_is_refused() {
    // _reconstruct(ndarray, (0,), b'b') + BUILD((1, (1,), dtype('O8'), False, b'\0'*8))
    let mut s = Vec::new();
    s.extend_from_slice(
        b"\x80\x04cnumpy._core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85C\x01b\x87R",
    );
    s.extend_from_slice(b"(K\x01K\x01\x85cnumpy\ndtype\n\x8c\x02O8\x89\x88\x87R(K\x03\x8c\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?tb");
    s.extend_from_slice(b"\x89C\x08\x00\x00\x00\x00\x00\x00\x00\x00tb.");
    match parse(&s, &file_opts()) {
        Err(PickleError::Numpy { why, .. }) => assert!(why.contains("raw pointers"), "{why}"),
        other => panic!("expected refusal, got {other:?}"),
    }
}

#[test]
fn numpy_core_alias_maps_to_numpy_underscore_core() {
    let g = parse(b"cnumpy.core.multiarray\nfoo\n.", &file_opts()).expect("parses");
    match root(&g) {
        Node::Global(gn) => assert!(gn.is("numpy._core.multiarray", "foo")),
        other => panic!("{other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse(&data, &file_opts());
    }

    #[test]
    fn mutated_valid_streams_never_panic(pos in 0usize..80, byte in any::<u8>()) {
        let mut s = frombuffer_stream();
        let p = pos % s.len();
        s[p] = byte;
        let opts = VmOptions { buffer_lens: vec![24], strict_end: true, ..VmOptions::default() };
        let _ = parse(&s, &opts);
    }
}
