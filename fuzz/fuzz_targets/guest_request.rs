//! The guest SDK's handling of a request, as a plug-in runs it (natively
//! here): decoding whatever the host sends, running the treaty checks on
//! what decodes, and encoding the response. Never panics (a panic in the
//! sandbox would be a trap: refer, but still a bug). The checks run
//! against the bundled reference data (every embargo, treaty list, the
//! risk register and the denials), so that what an application names can
//! reach every branch that searches the data.
#![no_main]
use attest::config::Config;
use attest::reference::{Library, KNOWN};
use attest_rules::abi::codec::{decode, encode, Response};
use attest_rules::checks::{att, cop, eu_cp, fp, Context};
use attest_rules::guest::{handle_evaluate, handle_init};
use attest_rules::{Application, Finding};
use libfuzzer_sys::fuzz_target;
use std::sync::Once;

fn evaluate(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    fp::run(app, ctx, out);
    att::run(app, ctx, out);
    cop::run(app, ctx, out);
    eu_cp::run(app, ctx, out);
}

/// Every bundled data set, encoded as the host sends it.
fn bundled_data() -> Vec<u8> {
    let library = Library::load(&Config::default().data).expect("the bundled data loads");
    let all: Vec<String> = KNOWN.iter().map(|&name| name.into()).collect();
    let mut bytes = Vec::new();
    encode(&library.subset(&all), &mut bytes);
    bytes
}

fuzz_target!(|data: &[u8]| {
    // Decoded once, as a plug-in's instance does at start-up.
    static INIT: Once = Once::new();
    INIT.call_once(|| assert_eq!(handle_init(&bundled_data()), 0));
    let out = handle_evaluate(data, evaluate);
    assert!(
        decode::<Response>(&out).is_ok(),
        "the guest always answers in the response format"
    );
});
