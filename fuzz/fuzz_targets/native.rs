//! Arbitrary bytes to a built native model, then every method it has on a
//! few rows: `skseal_native::load_bytes` (container or pickle/joblib, the
//! same checks as loading) must refuse or build a model that computes
//! without panicking, hanging or reading out of bounds.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    skseal_fuzz::run_native(data);
});
