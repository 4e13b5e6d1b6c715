//! Issue 11: read exactly what CPython's pickle and joblib read, or refuse;
//! memory stays linear in the file. Duplicate dict keys, FRAME boundaries
//! around joblib arrays, memo references to joblib wrappers, copies of shared
//! values, and whole-file compression with several streams.

use std::io::Write;

use skseal_core::ir::{Graph, Node};
use skseal_core::legacy::{self, FileCodec};
use skseal_core::vm::{parse, Limits, VmOptions};
use skseal_core::PickleError;

fn file_opts() -> VmOptions {
    VmOptions {
        strict_end: true,
        ..VmOptions::default()
    }
}

fn refused(data: &[u8]) -> String {
    match parse(data, &file_opts()) {
        Err(e) => e.to_string(),
        Ok(g) => panic!("parsed: {:?}", g.node(g.root)),
    }
}

/// SHORT_BINUNICODE
fn s(text: &str) -> Vec<u8> {
    let mut v = vec![0x8c, text.len() as u8];
    v.extend_from_slice(text.as_bytes());
    v
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[test]
fn duplicate_keys_are_refused_in_every_dict_opcode() {
    // protocol 0 DICT: {'a': 1, 'a': 2}
    let e = refused(b"(Va\nI1\nVa\nI2\nd.");
    assert!(
        e.contains("\"a\" appears twice") && e.contains("byte"),
        "{e}"
    );
    // SETITEMS
    let d = cat(&[
        b"\x80\x04}(",
        &s("n_features_in_"),
        b"K\x03",
        &s("n_features_in_"),
        b"K\x05u.",
    ]);
    let e = refused(&d);
    assert!(
        e.contains("n_features_in_") && e.contains("SETITEMS"),
        "{e}"
    );
    // SETITEM twice
    let d = cat(&[
        b"\x80\x04}",
        &s("nodes"),
        b"K\x01s",
        &s("nodes"),
        b"K\x02s.",
    ]);
    assert!(refused(&d).contains("\"nodes\" appears twice"));
    // 1, True and 1.0 are one key in Python
    let e = refused(b"\x80\x04}(K\x01K\x00\x88K\x00u.");
    assert!(e.contains("key 1 appears twice"), "{e}");
    let e = refused(b"\x80\x04}(K\x01K\x00G?\xf0\x00\x00\x00\x00\x00\x00K\x00u.");
    assert!(e.contains("key 1 appears twice"), "{e}");
    // distinct keys, and str vs bytes, are fine
    let ok = cat(&[b"\x80\x04}(", &s("a"), b"K\x01C\x01aK\x02K\x01K\x03u."]);
    let g = parse(&ok, &file_opts()).expect("distinct keys parse");
    assert!(matches!(g.node(g.root), Some(Node::Dict(kv)) if kv.len() == 3));
}

/// numpy.str_('nodes') as a key: `numpy._core.multiarray.scalar(dtype('<U5'), b'n\0\0\0...')`.
fn numpy_str_key(text: &str) -> Vec<u8> {
    let mut data = Vec::new();
    for c in text.chars() {
        data.extend_from_slice(&(c as u32).to_le_bytes());
    }
    let descr = format!("U{}", text.chars().count());
    cat(&[
        b"cnumpy._core.multiarray\nscalar\n",
        b"cnumpy\ndtype\n",
        &s(&descr),
        b"\x89\x88\x87R", // (descr, False, True) REDUCE
        // dtype state: (3, '<', None, None, None, elsize, 4, 8), as numpy writes it
        b"(K\x03",
        &s("<"),
        b"NNN",
        b"J",
        &((4 * text.chars().count()) as u32).to_le_bytes(),
        b"K\x04K\x08tb",
        &[b'C', data.len() as u8],
        &data,
        b"\x86R",
    ])
}

#[test]
fn a_numpy_str_key_equal_to_a_str_key_is_a_duplicate() {
    let d = cat(&[
        b"\x80\x04}(",
        &s("nodes"),
        b"K\x01",
        &numpy_str_key("nodes"),
        b"K\x02u.",
    ]);
    let e = refused(&d);
    assert!(e.contains("\"nodes\" appears twice"), "{e}");
    let d = cat(&[
        b"\x80\x04}(",
        &s("nodes"),
        b"K\x01",
        &numpy_str_key("other"),
        b"K\x02u.",
    ]);
    parse(&d, &file_opts()).expect("different numpy.str_ key parses");
}

#[test]
fn a_state_dict_cannot_change_after_build() {
    // obj = NEWOBJ(C); d = {}; memo d; BUILD(obj, d); then SETITEM on d via GET
    let d = cat(&[
        b"\x80\x04(cm\nC\n)\x81}\x94b", // MARK, obj, BUILD with d (memo 0)
        b"h\x00",
        &s("k"),
        b"K\x01s",
        b"0t.",
    ]);
    let e = refused(&d);
    assert!(e.contains("after it was used as an object's state"), "{e}");
}

fn joblib_wrapper(frame_len: Option<u64>, after: &[u8]) -> Vec<u8> {
    // NumpyArrayWrapper with subclass ndarray, shape (2,), order C, dtype <i1, no alignment
    let body = cat(&[
        b"cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81}(",
        &s("subclass"),
        b"cnumpy\nndarray\n",
        &s("shape"),
        b"K\x02\x85",
        &s("order"),
        &s("C"),
        &s("dtype"),
        b"cnumpy\ndtype\n",
        &s("i1"),
        b"\x89\x88\x87R(K\x03",
        &s("|"),
        b"NNNJ\xff\xff\xff\xffK\x01K\x00tb",
        b"ub",
    ]);
    let mut v = b"\x80\x04".to_vec();
    if let Some(extra) = frame_len {
        v.push(0x95);
        v.extend_from_slice(&(body.len() as u64 + extra).to_le_bytes());
    }
    v.extend_from_slice(&body);
    v.extend_from_slice(after);
    v
}

#[test]
fn joblib_array_build_must_end_its_frame() {
    // Array bytes 07 08 then STOP, outside any frame (as joblib writes it): fine.
    let g = parse(&joblib_wrapper(None, b"\x07\x08."), &file_opts()).expect("joblib array");
    assert!(matches!(g.node(g.root), Some(Node::Array(0))));
    // The frame ends exactly at the BUILD: fine.
    parse(&joblib_wrapper(Some(0), b"\x07\x08."), &file_opts()).expect("frame ends at BUILD");
    // The frame goes on after the BUILD: joblib reads the array after the
    // frame and the frame's rest as opcodes. Refused.
    let e = refused(&joblib_wrapper(Some(3), b"\x07\x08.\x00\x00"));
    assert!(e.contains("inside a pickle FRAME"), "{e}");
}

#[test]
fn memo_references_to_a_joblib_wrapper_are_refused() {
    // joblib memoizes the wrapper (MEMOIZE before BUILD): fine while unused.
    let mut w = joblib_wrapper(None, b"");
    let pos = w.iter().position(|&b| b == 0x81).expect("NEWOBJ");
    w.insert(pos + 1, 0x94);
    let mut ok = w.clone();
    ok.extend_from_slice(b"\x07\x08.");
    parse(&ok, &file_opts()).expect("memoized wrapper, never fetched");
    // Fetching it after its BUILD gives joblib's wrapper object, not the array.
    let mut bad = w;
    bad.extend_from_slice(b"\x07\x08h\x00\x86.");
    let e = refused(&bad);
    assert!(e.contains("memo GET of a joblib array wrapper"), "{e}");
}

#[test]
fn a_shared_argument_tuple_reused_many_times_hits_the_budget_not_memory() {
    // 20,000-item tuple, memoized, passed to REDUCE 20,000 times: 1.6 GB of
    // copied ids from a file of about 160 KB.
    let n = 20_000;
    let mut d = b"\x80\x04cm\nf\n\x94(".to_vec();
    d.extend(std::iter::repeat_n(*b"K\x01", n).flatten());
    d.extend_from_slice(b"t\x94");
    for _ in 0..n {
        d.extend_from_slice(b"h\x00h\x01R0");
    }
    d.extend_from_slice(b"N.");
    assert!(d.len() < 200_000);
    let t = std::time::Instant::now();
    match parse(
        &d,
        &VmOptions {
            strict_end: false,
            ..file_opts()
        },
    ) {
        Err(PickleError::Limit { why, .. }) => assert!(why.contains("memory"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(t.elapsed().as_secs() < 20);
    // With a budget that fits, the same stream parses.
    let limits = Limits {
        max_memory: Some(4 << 30),
        ..Limits::default()
    };
    let small: Vec<u8> = {
        let mut d = b"\x80\x04cm\nf\n\x94(K\x01K\x02t\x94".to_vec();
        for _ in 0..10 {
            d.extend_from_slice(b"h\x00h\x01R0");
        }
        d.extend_from_slice(b"N.");
        d
    };
    let opts = VmOptions {
        limits,
        ..file_opts()
    };
    let g: Graph = parse(&small, &opts).expect("small reuse parses");
    assert!(matches!(g.node(g.root), Some(Node::None)));
}

fn bz2(d: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    e.write_all(d).expect("bz2");
    e.finish().expect("bz2")
}
fn xz(d: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    lzma_rs::xz_compress(&mut &d[..], &mut out).expect("xz");
    out
}
fn lzma(d: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    lzma_rs::lzma_compress(&mut &d[..], &mut out).expect("lzma");
    out
}
fn zlib(d: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(d).expect("zlib");
    e.finish().expect("zlib")
}
fn gzip(d: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(d).expect("gzip");
    e.finish().expect("gzip")
}

#[test]
fn bz2_xz_and_lzma_read_every_stream_as_python_does() {
    let (a, b) = (
        b"\x80\x04]\x94(K\x01".as_slice(),
        b"cposix\nsystem\n\x85e.".as_slice(),
    );
    for (codec, f) in [
        (FileCodec::Bz2, bz2 as fn(&[u8]) -> Vec<u8>),
        (FileCodec::Xz, xz),
    ] {
        let two = cat(&[&f(a), &f(b)]);
        assert_eq!(legacy::sniff(&two), Some(codec));
        let out = legacy::decompress(&two, codec, 1 << 20).expect("two streams");
        assert_eq!(out, cat(&[a, b]), "{codec:?}");
        let (g, _) = legacy::parse_file(&two, 1 << 20).expect("parses");
        assert!(g
            .globals()
            .iter()
            .any(|(n, _)| n.dotted() == "posix.system"));
        // bytes after the streams that are not a stream: refused
        let junk = cat(&[&f(a), &f(b), b"garbage!"]);
        let e = legacy::decompress(&junk, codec, 1 << 20).expect_err("junk");
        assert!(e.to_string().contains("not a complete"), "{e}");
    }
    // an xz file whose second stream is an lzma-alone stream (LZMAFile's FORMAT_AUTO)
    let mixed = cat(&[&xz(a), &lzma(b)]);
    assert_eq!(
        legacy::decompress(&mixed, FileCodec::Xz, 1 << 20).expect("mixed"),
        cat(&[a, b])
    );
    // an LZMA_ALONE stream followed by anything: refused, never read short
    for more in [lzma(b), xz(b), b"garbage!".to_vec()] {
        let two = cat(&[&lzma(a), &more]);
        let e = legacy::decompress(&two, FileCodec::Lzma, 1 << 20).expect_err("lzma + more");
        assert!(
            e.to_string().contains("LZMA_ALONE stream only as the last"),
            "{e}"
        );
        let two = cat(&[&xz(a), &lzma(a), &more]);
        let e = legacy::decompress(&two, FileCodec::Xz, 1 << 20).expect_err("xz + lzma + more");
        assert!(
            e.to_string().contains("LZMA_ALONE stream only as the last"),
            "{e}"
        );
    }
}

#[test]
fn zlib_and_gzip_refuse_bytes_after_the_stream() {
    let p = b"\x80\x04N.";
    for (codec, f) in [
        (FileCodec::Zlib, zlib as fn(&[u8]) -> Vec<u8>),
        (FileCodec::Gzip, gzip),
    ] {
        assert_eq!(legacy::decompress(&f(p), codec, 1 << 20).expect("one"), p);
        let two = cat(&[&f(p), &f(p)]);
        let e = legacy::decompress(&two, codec, 1 << 20).expect_err("two");
        assert!(e.to_string().contains("joblib never finishes"), "{e}");
    }
}

#[test]
fn deeply_nested_structured_dtypes_are_refused() {
    // dtype with one field whose dtype is the previous one, 40 levels.
    let mut d = b"\x80\x04cnumpy\ndtype\n".to_vec();
    d.extend_from_slice(b"\x94"); // memo 0: numpy.dtype
                                  // level 0: <f8
    d.extend(cat(&[
        b"h\x00",
        &s("f8"),
        b"\x89\x88\x87R(K\x03",
        &s("<"),
        b"NNNK\x08K\x01K\x00tb\x94",
    ]));
    for level in 1..40u32 {
        let prev = level as u8; // memo key of the previous dtype
        d.extend(cat(&[
            b"h\x00",
            &s("V8"),
            b"\x89\x88\x87R(K\x03",
            &s("|"),
            b"N",
            &s("x"),
            b"\x85}",
            &s("x"),
            b"h",
            &[prev],
            b"K\x00\x86sK\x08K\x10K\x10tb\x94", // flags 16, as numpy gives a structured dtype
        ]));
    }
    d.extend_from_slice(b".");
    let e = refused(&d);
    assert!(e.contains("nested deeper than"), "{e}");
}
