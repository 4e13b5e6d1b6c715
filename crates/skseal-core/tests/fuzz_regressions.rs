//! Inputs the fuzzers found (fuzz/regressions/<target>/) replayed through the
//! same pipelines: each must give an error or a value, never a panic.

use std::path::Path;

use skseal_core::container::Container;
use skseal_core::policy::Policy;
use skseal_core::{convert, graphjson, validate};

fn regressions() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions")
}

/// The files of `fuzz/regressions/<target>/`: the folder must exist and hold
/// at least one file (a missing folder must not make a replay pass).
fn files(target: &str) -> Vec<std::path::PathBuf> {
    let dir = regressions().join(target);
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "{}: no regression files", dir.display());
    v
}

/// Every folder of fuzz/regressions is replayed by a test here; a new
/// target's folder fails this until it is.
#[test]
fn every_regression_folder_is_replayed() {
    let mut seen = Vec::new();
    for e in std::fs::read_dir(regressions()).expect("fuzz/regressions exists") {
        let p = e.expect("readable entry").path();
        if p.is_dir() {
            seen.push(p.file_name().unwrap().to_string_lossy().to_string());
        }
    }
    seen.sort();
    for name in &seen {
        assert!(
            ["container", "container_structured", "graph_json", "pickle"].contains(&name.as_str()),
            "fuzz/regressions/{name} is not replayed by any test"
        );
    }
    // container_structured inputs only rebuild a file with the fuzzer's
    // seeds: each must have its stable reproducer (the built file) in container/
    let built: Vec<String> = files("container")
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().to_string()))
        .collect();
    for f in files("container_structured") {
        let stem = f.file_stem().unwrap().to_string_lossy().to_string();
        assert!(
            built.contains(&stem),
            "{}: no container/{stem}.skseal reproducer",
            f.display()
        );
    }
}

fn container_pipeline(data: &[u8]) {
    let Ok(c) = Container::parse(data) else {
        return;
    };
    let mut decoded: Vec<Option<Vec<u8>>> = Vec::new();
    for (i, a) in c.header.arrays.iter().enumerate() {
        if a.nbytes > 64 << 20 {
            decoded.push(None);
            continue;
        }
        let mut buf = vec![0u8; a.nbytes as usize];
        decoded.push(c.decode_into(i, &mut buf).ok().map(|()| buf));
    }
    let _ = c.verify_raw_all();
    let _ = c.verify_padding();
    let g = &c.header.graph;
    if validate::check_depth(g).is_ok() {
        let bytes = |i: u32| decoded.get(i as usize).and_then(|d| d.as_deref());
        let _ = validate::validate(g, &bytes);
    }
}

#[test]
fn container_regressions_do_not_panic() {
    for f in files("container") {
        let data = std::fs::read(&f).expect("readable regression file");
        container_pipeline(&data);
    }
}

#[test]
fn sparse_indptr_with_huge_major_dimension_is_an_error() {
    for f in files("container") {
        if f.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.contains("sparse-indptr"))
        {
            let data = std::fs::read(&f).expect("readable");
            let c = Container::parse(&data).expect("the file itself is consistent");
            let decoded: Vec<Vec<u8>> = (0..c.header.arrays.len())
                .map(|i| {
                    let mut b = vec![0u8; c.header.arrays[i].nbytes as usize];
                    c.decode_into(i, &mut b).expect("decodes");
                    b
                })
                .collect();
            let bytes = |i: u32| decoded.get(i as usize).map(|d| d.as_slice());
            assert!(validate::validate(&c.header.graph, &bytes).is_err());
        }
    }
}

#[test]
fn pickle_and_graph_regressions_do_not_panic() {
    // no pickle finding so far: the folder appears with the first one
    if regressions().join("pickle").is_dir() {
        for f in files("pickle") {
            let data = std::fs::read(&f).expect("readable");
            let _ = convert::read_checked(&data, &Policy::default(), 64 << 20);
        }
    }
    for f in files("graph_json") {
        let data = std::fs::read(&f).expect("readable");
        let text = String::from_utf8_lossy(&data);
        let _ = graphjson::decode_text(&text, 16);
        let _ = graphjson::parse_json(text.as_bytes());
    }
}
