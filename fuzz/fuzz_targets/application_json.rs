//! Application parsing and validation, JSON: never panics, a valid
//! application's canonical JSON validates back to the same application,
//! the plain-JSON reader gives serde_json's tree for everything it reads
//! (it must never accept what serde_json refuses), and the plain
//! application reader reads only what the validator accepts without a
//! word, as the validator reads it.
#![no_main]
use attest::application::{parse, plain, validate, Format};
use attest::document::{plain_json, Node};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(fast) = plain_json::read(text) {
        let slow: Node = serde_json::from_str(text).expect("serde_json reads what the plain reader reads");
        assert_eq!(fast, slow);
    }
    if let Some(read) = plain::read(text) {
        let tree = Node::from_json(text).expect("the long way reads what the plain reader reads");
        let parsed = validate(&tree, true).expect("the validator accepts what the plain reader reads");
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert_eq!(read, parsed.application);
    }
    if let Ok(parsed) = parse(text, Format::Json, false) {
        let json = serde_json::to_string(&parsed.application).expect("canonical JSON");
        let again = parse(&json, Format::Json, true)
            .expect("canonical JSON of a valid application is valid");
        assert_eq!(again.application, parsed.application);
    }
});
