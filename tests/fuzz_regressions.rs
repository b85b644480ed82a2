//! The fuzz targets' seed corpora (fuzz/corpus) stay meaningful, and every
//! input a fuzzer ever found to crash Attest is replayed here.
//! `ATTEST_WRITE_SEEDS=1 cargo test --test fuzz_regressions` rewrites the
//! binary seeds from the bundled examples.

mod common;
use attest_rules::abi::codec::{self, Request, Response};
use attest_rules::abi::view;
use attest_rules::model::Role;
use attest_rules::{Effect, Instrument, Rule};
use common::clean_export;
use std::path::PathBuf;

fn corpus(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out = Vec::new();
    let app = clean_export();
    let mut request = Vec::new();
    codec::encode_request(
        app.submitted,
        app.licensing_state,
        Role::Export,
        &app,
        &mut request,
    );
    let mut view_request = Vec::new();
    view::encode_request(
        app.submitted,
        app.licensing_state,
        Role::Export,
        &app,
        &mut view_request,
    );
    out.push(("request_view", "gb-ke-export.bin".to_string(), view_request));
    out.push(("guest_request", "gb-ke-export.bin".to_string(), request));
    let rule = Rule {
        id: "att.6-1.un-arms-embargo",
        instrument: Instrument::Att,
        article: "6(1)",
        checks: "",
    };
    let findings = vec![rule
        .finding(
            Effect::Deny,
            "Destination KP is under the UN arms embargo".into(),
        )
        .at("route.destination")];
    let mut response = Vec::new();
    codec::encode(&Response::Findings(findings), &mut response);
    out.push(("plugin_response", "one-finding.bin".to_string(), response));
    let mut failed = Vec::new();
    codec::encode(
        &Response::Failed("request could not be decoded".into()),
        &mut failed,
    );
    out.push(("plugin_response", "failed.bin".to_string(), failed));
    out
}

#[test]
fn the_binary_seeds_are_what_the_codec_writes_today() {
    for (target, name, bytes) in seeds() {
        let path = corpus(target).join(&name);
        if std::env::var_os("ATTEST_WRITE_SEEDS").is_some() {
            std::fs::create_dir_all(corpus(target)).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        }
        let stored = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            stored,
            bytes,
            "{} is stale: rerun with ATTEST_WRITE_SEEDS=1",
            path.display()
        );
    }
    assert!(codec::decode::<Request>(
        &std::fs::read(corpus("guest_request").join("gb-ke-export.bin")).unwrap()
    )
    .is_ok());
}

#[test]
fn the_text_seeds_are_valid_inputs() {
    for entry in std::fs::read_dir(corpus("application_toml")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(attest::application::parse(&text, attest::application::Format::Toml, true).is_ok());
    }
    for entry in std::fs::read_dir(corpus("application_json")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(attest::application::parse(&text, attest::application::Format::Json, true).is_ok());
    }
}
