//! The ABI is language-neutral: a plug-in written in C against
//! docs/abi.md is compiled with clang and screens through the same host.
//! Needs clang-14 and lld-14 (the README's test command installs them).

mod common;
#[path = "common/plugins.rs"]
mod plugins;

use attest::screen::{Loaded, Screener};
use common::*;
use std::process::Command;

fn build_c_plugin() -> Vec<u8> {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/plugins/xb-embargo.c");
    let out = std::env::temp_dir().join(format!("attest-xb-embargo-{}.wasm", std::process::id()));
    let status = Command::new("clang-14")
        .args([
            "--target=wasm32",
            "-O2",
            "-nostdlib",
            "-fuse-ld=lld",
            "-Wl,--no-entry",
            "-o",
        ])
        .arg(&out)
        .arg(src)
        .status()
        .expect("clang-14 must be installed: apt-get install clang-14 lld-14");
    assert!(status.success(), "clang-14 failed on {src}");
    let wasm = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    wasm
}

#[test]
fn a_c_plugin_written_against_the_abi_document_denies_its_embargoed_destination() {
    let screener = Screener::new(plugins::config_with(build_c_plugin(), "xb-embargo")).unwrap();
    let entry = screener
        .registry()
        .iter()
        .find(|r| r.plugin.id() == "xb-embargo")
        .unwrap();
    let Loaded::Ready(plugin) = &entry.plugin else {
        panic!("C plug-in did not load")
    };
    assert_eq!(plugin.manifest.rules, ["national.xb-embargo"]);

    let mut app = clean_export();
    app.route.destination = c("XB");
    let d = screener.screen(&app, None);
    let f = assert_finding(&d, "deny", "national.xb-embargo", "deny", "national", "1");
    assert_eq!(
        (f.policy.as_str(), f.evidence.as_slice()),
        ("xb-embargo", &["route.destination".to_string()][..])
    );

    let d = screener.screen(&clean_export(), None);
    assert_silent(&d, "national.xb-embargo");
    let eval = d
        .evaluations
        .iter()
        .find(|e| e.policy == "xb-embargo")
        .unwrap();
    assert_eq!(eval.outcome.as_str(), "approve");
}
