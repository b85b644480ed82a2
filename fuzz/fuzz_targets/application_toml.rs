//! Application parsing and validation, TOML: never panics, and a valid
//! application's canonical JSON validates back to the same application.
#![no_main]
use attest::application::{parse, Format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(parsed) = parse(text, Format::Toml, false) {
        let json = serde_json::to_string(&parsed.application).expect("canonical JSON");
        let again = parse(&json, Format::Json, true)
            .expect("canonical JSON of a valid application is valid");
        assert_eq!(again.application, parsed.application);
    }
});
