//! Pipelines shared by the fuzz targets. Each mirrors what the library does
//! with untrusted bytes on a real load path (skseal-py `load`/`inspect`,
//! skseal-cli `inspect`/`convert`), minus anything that needs Python.
//!
//! Every result is ignored: errors are the expected outcome for most inputs.
//! Only panics, aborts, timeouts and out-of-memory count as findings.

use skseal_core::container::{self, Container};
use skseal_core::ir::ArraySource;
use skseal_core::policy::{self, Policy};
use skseal_core::{graphjson, inspect, legacy, validate, vm};

/// Arrays whose decoded size (`nbytes`) is above this are not decoded.
///
/// A compressed array's `nbytes` comes from the header and is not bounded by
/// the file size (a 100-byte file can declare a 2^40-byte array), and
/// `decode_into` needs a caller-allocated buffer of exactly `nbytes`. Real
/// callers allocate that buffer too (numpy `empty`), so a huge declaration is
/// a legitimate allocation, not a bug; skipping keeps the fuzzer's memory
/// bounded (rss limit 2048 MB). Uncompressed arrays are always small here:
/// their `nbytes` equals their stored length, which lies inside the file.
pub const MAX_DECODE: u64 = 64 << 20;

/// Cap on decompressed legacy (pickle/joblib) input.
pub const MAX_DECOMPRESSED: u64 = 64 << 20;

/// `.skseal` bytes: parse, describe, policy, decode every array, verify
/// digests and padding, then depth check and structural validation with the
/// decoded bytes (the order of skseal-py `load` + `build_graph`).
pub fn run_container(data: &[u8]) {
    let c = match Container::parse(data) {
        Ok(c) => c,
        Err(e) => {
            trace(|| format!("parse: {e}"));
            return;
        }
    };
    let h = &c.header;
    // inspect paths (skseal inspect / skseal.inspect)
    let _ = h.saved_sklearn();
    let _ = h.metadata();
    let _ = inspect::describe(h);
    let _ = Policy::default().check(&h.graph);

    let mut decoded: Vec<Option<Vec<u8>>> = Vec::with_capacity(h.arrays.len());
    let mut all_ok = true;
    for (i, a) in h.arrays.iter().enumerate() {
        if a.nbytes > MAX_DECODE {
            decoded.push(None); // see MAX_DECODE
            continue;
        }
        let mut buf = vec![0u8; a.nbytes as usize];
        match c.decode_into(i, &mut buf) {
            Ok(()) => decoded.push(Some(buf)),
            Err(e) => {
                trace(|| format!("decode {i}: {e}"));
                all_ok = false;
                decoded.push(None);
            }
        }
    }
    let _ = c.verify_raw_all();
    let _ = c.verify_padding();
    let _ = c.verify_signature(None);
    let _ = c.verify_signature(Some(&fuzz_key().1));
    if h.arrays.iter().all(|a| a.nbytes <= MAX_DECODE) {
        check_sign_roundtrip(data);
    }
    // A real load stops at the first array that fails to decode; validation
    // only ever sees fully decoded (digest-checked) arrays.
    if !all_ok {
        return;
    }
    if validate::check_depth(&h.graph).is_err() {
        trace(|| "check_depth failed".into());
        return;
    }
    let bytes = |i: u32| decoded.get(i as usize).and_then(|b| b.as_deref());
    let r = validate::validate(&h.graph, &bytes);
    trace(|| format!("validate: {r:?}"));
}

/// With SKSEAL_FUZZ_TRACE set, say where each input stopped (for checking
/// how deep a corpus gets: run the target with `-runs=0` over it).
fn trace(msg: impl FnOnce() -> String) {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os("SKSEAL_FUZZ_TRACE").is_some()) {
        eprintln!("[skseal-fuzz] {}", msg());
    }
}

/// The private key (Ed25519 seed) the fuzzers sign with.
pub const FUZZ_SIGNING_SEED: [u8; 32] = [7u8; 32];

/// The fuzzers' signing key and its public key.
pub fn fuzz_key() -> &'static (ed25519_dalek::SigningKey, [u8; 32]) {
    static K: std::sync::OnceLock<(ed25519_dalek::SigningKey, [u8; 32])> =
        std::sync::OnceLock::new();
    K.get_or_init(|| {
        let k = skseal_core::keys::signing_key(&FUZZ_SIGNING_SEED);
        let pk = k.verifying_key().to_bytes();
        (k, pk)
    })
}

/// `skseal sign` on the file: whatever `sign_bytes` accepts and signs must then
/// parse, pass every integrity check and carry a signature that verifies.
/// (`sign_bytes` allocates each compressed array's `nbytes`: callers keep
/// that bounded, see MAX_DECODE.)
pub fn check_sign_roundtrip(data: &[u8]) {
    let (key, pk) = fuzz_key();
    let Ok(signed) = container::sign_bytes(data, key) else {
        return;
    };
    let c = match Container::parse(&signed) {
        Ok(c) => c,
        Err(e) => panic!("sign_bytes produced a file that does not parse: {e}"),
    };
    if let Err(e) = c.verify_signature(Some(pk)) {
        panic!("sign_bytes produced a signature that does not verify: {e}");
    }
    if let Err(e) = c.verify_raw_all() {
        panic!("signed file fails verify_raw_all: {e}");
    }
    if let Err(e) = c.verify_padding() {
        panic!("signed file fails verify_padding: {e}");
    }
}

/// Legacy pickle / joblib / compressed bytes: what `skseal.convert`,
/// `skseal.load` on a pickle (`convert::read_checked`), `inspect_pickle` and
/// `survey` do.
pub fn run_pickle(data: &[u8]) {
    // the scanner (skseal-cli `scan`), on the decompressed stream
    if let Some(codec) = legacy::sniff(data) {
        let _ = legacy::decompress(data, codec, MAX_DECOMPRESSED);
    } else {
        let opts = vm::VmOptions {
            strict_end: true,
            ..Default::default()
        };
        let _ = vm::scan_globals(data, &opts);
    }
    let Ok((g, _info)) = legacy::parse_file(data, MAX_DECOMPRESSED) else {
        return;
    };
    // inspect_pickle / survey
    let _ = inspect::globals_json(&g);
    let _ = inspect::outline(&g, None);
    let p = Policy::default();
    let _ = policy::survey(&g, &p);
    // convert::read_checked, step by step (same order, same calls)
    if p.check(&g).is_err() {
        return;
    }
    if validate::check_depth(&g).is_err() {
        return;
    }
    let bytes = |i: u32| match g.arrays.get(i as usize).map(|a| &a.source) {
        Some(ArraySource::Inline(v)) => Some(v.as_slice()),
        _ => None,
    };
    let _ = validate::validate(&g, &bytes);
}

/// Header graph JSON text.
pub fn run_graph_json(data: &[u8]) {
    let _ = graphjson::parse_json(data);
    let _ = graphjson::text_depth(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(g) = graphjson::decode_text(text, 16) else {
        return;
    };
    // What `describe` and `load` do with a header graph before any array is
    // involved. (validate needs a consistent array table: that is covered by
    // `container_structured`; encode is only ever run on VM-built graphs.)
    let _ = inspect::outline(&g, None);
    let _ = Policy::default().check(&g);
    let _ = validate::check_depth(&g);
}

/// Bytes to a native model (`skseal_native::load_bytes` with a 64 MiB
/// decompression cap and one BLAS thread), then every method the model has
/// on three rows of the width it expects (finite values, zeros and a NaN
/// row): errors are fine, panics are not.
pub fn run_native(data: &[u8]) {
    use skseal_native::{Blas, Core, LoadOptions};
    let opts = LoadOptions {
        max_decompressed: MAX_DECOMPRESSED,
        blas: Some(Blas::new(Core::Haswell, 1)),
        // the boosters' native models are reached through their profiles
        trusted: vec!["lightgbm".into(), "xgboost".into()],
        ..LoadOptions::default()
    };
    if let Ok(model) = skseal_native::load_bytes(data, &opts) {
        exercise(&model);
    }
    // a .skseal file also through the path loader, which reads it array by
    // array and takes trees from their stored native layouts (FORMAT.md §5.6)
    if skseal_core::sniff::file_kind(data).is_skseal() {
        let path = std::env::temp_dir().join(format!("skseal-fuzz-{}.skseal", std::process::id()));
        if std::fs::write(&path, data).is_ok() {
            if let Ok(model) = skseal_native::load_path(&path, &opts) {
                exercise(&model);
            }
        }
    }
}

/// Every method the model has on three rows (numbers, zeros, NaN), then its
/// stored probe.
fn exercise(model: &skseal_native::Model) {
    use skseal_native::{Data, Mat, Method};
    let d = model.n_features_in().unwrap_or(3).min(4096);
    let mut rows = Vec::with_capacity(3 * d);
    for i in 0..d {
        rows.push(i as f64 * 0.37 - 1.0);
    }
    rows.extend(std::iter::repeat_n(0.0, d));
    rows.extend(std::iter::repeat_n(f64::NAN, d));
    let Ok(x) = Mat::new(3, d, rows) else {
        return;
    };
    for m in Method::ALL {
        if model.supports(m) {
            let _ = model.run(m, Data::Dense(x.clone()));
        }
    }
    let _ = model.check_probe();
}

/// The first byte picks a payload parser (LightGBM text, XGBoost
/// UBJSON/JSON, CatBoost CBM framing); the rest is the payload. Each must
/// return Ok or Err, never panic or hang.
pub fn run_boosters(data: &[u8]) {
    let Some((&which, payload)) = data.split_first() else {
        return;
    };
    match which % 3 {
        0 => {
            let _ = skseal_core::boosters::lightgbm::parse(payload);
        }
        1 => {
            let _ = skseal_core::boosters::xgboost::parse(payload);
        }
        _ => {
            // the full TModelCore reader (the validator's check runs it),
            // then the binary-feature list native inference builds from it
            if let Ok(m) = skseal_core::boosters::catboost::parse(payload) {
                let _ = m.bin_features();
            }
        }
    }
}
