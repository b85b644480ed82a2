//! Optional ed25519 signatures over modules: keygen, sign and verify from
//! the command line, and a registry that requires a trusted signature.

mod common;

use attest::config::Config;
use attest::screen::{Screener, SetupError};
use common::Scratch;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn attest(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_attest"))
        .args(args)
        .output()
        .expect("attest runs")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A folder with a copy of the xb module and a fresh key pair.
fn setup(name: &str) -> (Scratch, PathBuf, String) {
    let dir = Scratch::new(&format!("signing-{name}"));
    let module = dir.join("xb.wasm");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/dist/xb.wasm"),
        &module,
    )
    .unwrap();
    let key = dir.join("authority.key");
    let out = attest(&["policy", "keygen", "--out", s(&key)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(
        public.starts_with("ed25519:") && public.len() == 8 + 64,
        "{public}"
    );
    (dir, module, public)
}

fn sha256(path: &Path) -> String {
    attest::reference::hex(&<sha2::Sha256 as sha2::Digest>::digest(
        std::fs::read(path).unwrap(),
    ))
}

fn write_config(dir: &Path, module: &Path, keys: &[&str], signed: bool) -> PathBuf {
    let keys: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
    let signature = if signed {
        "signature = \"xb.wasm.sig\"\n"
    } else {
        ""
    };
    let text = format!(
        "[trust]\nkeys = [{}]\n\n[[policy]]\nmodule = \"xb.wasm\"\nsha256 = \"{}\"\n{signature}states = [\"XB\"]\nroles = [\"import\"]\n",
        keys.join(", "),
        sha256(module)
    );
    let path = dir.join("attest.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_signed_module_verifies_and_one_changed_byte_does_not() {
    let (_dir, module, public) = setup("cli");
    let key = module.with_file_name("authority.key");
    assert!(attest(&["policy", "sign", s(&module), "--key", s(&key)])
        .status
        .success());
    let ok = attest(&["policy", "verify", s(&module), "--key", &public]);
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout)
        .contains(&format!("signature valid, signed by {public}")));
    let mut bytes = std::fs::read(&module).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&module, bytes).unwrap();
    let bad = attest(&["policy", "verify", s(&module), "--key", &public]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("does not verify with any trusted key"));
}

/// A signature written over the secret key would lose the key for good.
#[test]
fn signing_refuses_to_write_the_signature_over_the_key_or_the_module() {
    let (_dir, module, _public) = setup("overwrite");
    let key = module.with_file_name("authority.key");
    let (key_bytes, module_bytes) = (
        std::fs::read(&key).unwrap(),
        std::fs::read(&module).unwrap(),
    );
    for (target, role) in [(&key, "--key"), (&module, "MODULE")] {
        let out = attest(&[
            "policy",
            "sign",
            s(&module),
            "--key",
            s(&key),
            "--out",
            s(target),
        ]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("is also {role}: give each its own file")),
            "{err}"
        );
    }
    assert_eq!(std::fs::read(&key).unwrap(), key_bytes);
    assert_eq!(std::fs::read(&module).unwrap(), module_bytes);
}

#[test]
fn a_registry_with_trusted_keys_loads_signed_modules_and_refuses_others() {
    let (dir, module, public) = setup("registry");
    let key = dir.join("authority.key");
    assert!(attest(&["policy", "sign", s(&module), "--key", s(&key)])
        .status
        .success());
    let config = write_config(&dir, &module, &[&public], true);
    assert!(Screener::new(Config::load(&config).unwrap()).is_ok());

    let (_, _, stranger) = setup("stranger");
    let config = write_config(&dir, &module, &[&stranger], true);
    let err = Screener::new(Config::load(&config).unwrap())
        .err()
        .expect("refused");
    assert!(matches!(err, SetupError::Signature { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("does not verify with any trusted key"),
        "{err}"
    );

    let config = write_config(&dir, &module, &[&public], false);
    let err = Screener::new(Config::load(&config).unwrap())
        .err()
        .expect("refused");
    assert!(
        err.to_string()
            .contains("no signature, and [trust] keys require one"),
        "{err}"
    );

    let config = write_config(&dir, &module, &[], true);
    let err = Screener::new(Config::load(&config).unwrap())
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("no [trust] keys are configured"),
        "{err}"
    );
}

#[test]
fn a_bad_trusted_key_is_a_configuration_error_naming_it() {
    let read = |_: &str| Ok(Vec::new());
    let err = Config::parse("[trust]\nkeys = [\"rsa:00\"]\n", "t.toml", &read).unwrap_err();
    assert_eq!(err.path, "trust.keys[0]");
    assert!(err.message.contains("must start with ed25519:"));
}
