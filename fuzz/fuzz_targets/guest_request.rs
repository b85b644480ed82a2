//! The guest SDK's handling of a request, as a plug-in runs it (natively
//! here): decoding whatever the host sends, running the treaty checks on
//! what decodes, and encoding the response. Never panics (a panic in the
//! sandbox would be a trap: refer, but still a bug).
#![no_main]
use attest_rules::abi::codec::{decode, encode, Response};
use attest_rules::checks::{att, cop, eu_cp, fp, Context};
use attest_rules::guest::{handle_evaluate, handle_init};
use attest_rules::reference::ReferenceData;
use attest_rules::{Application, Finding};
use libfuzzer_sys::fuzz_target;

fn evaluate(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    fp::run(app, ctx, out);
    att::run(app, ctx, out);
    cop::run(app, ctx, out);
    eu_cp::run(app, ctx, out);
}

fuzz_target!(|data: &[u8]| {
    let mut empty = Vec::new();
    encode(&ReferenceData::default(), &mut empty);
    assert_eq!(handle_init(&empty), 0);
    let out = handle_evaluate(data, evaluate);
    assert!(decode::<Response>(&out).is_ok(), "the guest always answers in the response format");
});
