//! Arbitrary bytes as a `.skseal` file: parse, decode every array (arrays
//! declaring more than 64 MiB decoded are skipped to keep memory bounded, see
//! `skseal_fuzz::MAX_DECODE`), verify digests and padding, depth check,
//! structural validation. Random bytes rarely get past the BLAKE3 header
//! digest: `container_structured` is the target that reaches the deep paths.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    skseal_fuzz::run_container(data);
});
