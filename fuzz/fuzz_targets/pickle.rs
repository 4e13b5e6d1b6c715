//! Arbitrary bytes as a legacy file (raw pickle, joblib with arrays between
//! opcodes, or zlib/gzip/bz2/xz/lzma/lz4 compressed): `legacy::parse_file`
//! with a 64 MiB decompression cap, then the default policy, depth check and
//! validation with the inline array bytes (`convert::read_checked`), plus the
//! inspect/survey/scan paths.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    skseal_fuzz::run_pickle(data);
});
