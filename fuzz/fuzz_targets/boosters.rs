//! LightGBM model text, XGBoost serialized boosters and CatBoost blobs: the
//! payloads a library profile hands to compiled code, parsed by
//! `skseal_core::boosters` first (the first byte picks the parser).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    skseal_fuzz::run_boosters(data);
});
