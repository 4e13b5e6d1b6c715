//! Arbitrary bytes as the header's `graph` JSON: `graphjson::decode_text(text, 16)`
//! and `graphjson::parse_json`, then outline / policy / depth check.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    skseal_fuzz::run_graph_json(data);
});
