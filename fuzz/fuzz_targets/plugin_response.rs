//! The host's decoding of what a plug-in returns: never panics, never
//! allocates beyond the input, and what decodes re-encodes to the same
//! bytes (the format has one encoding per value).
#![no_main]
use attest_rules::abi::codec::{decode, encode, Response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(response) = decode::<Response>(data) {
        let mut again = Vec::new();
        encode(&response, &mut again);
        assert_eq!(again, data);
    }
});
