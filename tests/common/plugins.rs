#![allow(dead_code)]
//! Builds WAT plug-ins for sandbox tests: a well-formed ABI v2 skeleton in
//! which each test replaces one part with something hostile.

use attest::config::{Config, PolicyEntry};
use attest::route::StateSelector;
use attest_rules::abi::codec::{self, Response};
use attest_rules::model::Role;
use attest_rules::Finding;

/// The parts of a WAT plug-in a test may override.
pub struct Wat {
    pub id: &'static str,
    pub manifest_abi: u32,
    /// The manifest's `rules`, comma-separated and unquoted.
    pub manifest_rules: &'static str,
    pub imports: &'static str,
    pub abi_version: &'static str,
    pub init: &'static str,
    pub evaluate: String,
    /// What `attest_input` returns: `ptr << 32 | capacity`.
    pub input: u64,
    pub extra: &'static str,
}

impl Wat {
    /// A plug-in that answers every application with no findings.
    pub fn benign(id: &'static str) -> Wat {
        Wat {
            id,
            manifest_abi: attest_rules::abi::ABI_VERSION,
            manifest_rules: "",
            imports: "",
            abi_version: "(i32.const 2)",
            init: "(i32.const 0)",
            evaluate: format!(
                "(i64.const {})",
                (4096u64 << 32) | response(&[]).len() as u64
            ),
            input: (8192u64 << 32) | 32768,
            extra: "",
        }
    }

    pub fn module(&self) -> String {
        let empty = wat_string(&response(&[]));
        format!(
            r#"(module
  (@custom "attest.manifest" "id = \"{id}\"\nversion = \"0.0.1\"\ninstrument = \"national\"\nabi = {abi}\nrules = [{rules}]\n")
  {imports}
  (memory (export "memory") 1)
  (data (i32.const 4096) "{empty}")
  (func (export "attest_abi_version") (result i32) {version})
  (func (export "attest_alloc") (param $len i32) (result i32) (i32.const 8192))
  (func (export "attest_init") (param $ptr i32) (param $len i32) (result i32) {init})
  (func (export "attest_input") (result i64) (i64.const {input}))
  (func (export "attest_evaluate") (param $ptr i32) (param $len i32) (result i64) {evaluate})
  {extra}
)"#,
            id = self.id,
            abi = self.manifest_abi,
            rules = self
                .manifest_rules
                .split(',')
                .filter(|r| !r.is_empty())
                .map(|r| format!("\\\"{r}\\\""))
                .collect::<Vec<_>>()
                .join(", "),
            imports = self.imports,
            version = self.abi_version,
            init = self.init,
            evaluate = self.evaluate,
            input = self.input,
            extra = self.extra,
        )
    }

    pub fn wasm(&self) -> Vec<u8> {
        wat::parse_str(self.module()).expect("test WAT compiles")
    }
}

/// An encoded response with these findings.
pub fn response(findings: &[Finding]) -> Vec<u8> {
    let mut buf = Vec::new();
    codec::encode(&Response::Findings(findings.to_vec()), &mut buf);
    buf
}

/// Bytes as a WAT string literal body.
pub fn wat_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

/// The default configuration plus `wasm` (unpinned), routed to the
/// licensing state.
pub fn config_with(wasm: Vec<u8>, id: &str) -> Config {
    let mut config = Config::default();
    config.policies.push(PolicyEntry {
        origin: format!("test plug-in {id}"),
        wasm,
        sha256: None,
        states: vec![StateSelector::Licensing],
        roles: Role::ALL.to_vec(),
        signature: None,
    });
    config
}
