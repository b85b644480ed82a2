//! Host configuration (`attest.toml`): sandbox limits, reference data files
//! and the policy registry. The repository's `attest.toml` is embedded in
//! the binary together with the files it names (the published plug-ins of
//! `policies/dist/` and the data of `data/`), so `attest screen FILE` works
//! from a fresh clone with no flags; `--config FILE` reads another, whose
//! paths are relative to its own folder. `docs/configuration.md` documents
//! every key.

use crate::route::{Group, StateSelector};
use crate::sandbox::{Isolation, Limits};
use attest_rules::model::{Country, Role};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One registry entry: a plug-in module, its pinned hash, and the states
/// and roles it serves.
#[derive(Clone, Debug)]
pub struct PolicyEntry {
    /// The module path as configured (for messages and `policy list`).
    pub origin: String,
    pub wasm: Vec<u8>,
    /// The sha256 the module must have; `None` only for entries built in
    /// code (tests), never for a configuration file.
    pub sha256: Option<String>,
    pub states: Vec<StateSelector>,
    pub roles: Vec<Role>,
    /// The module's ed25519 signature (hex), when the entry names one.
    pub signature: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub limits: Limits,
    /// (data set name, TOML text), in name order.
    pub data: Vec<(String, String)>,
    pub policies: Vec<PolicyEntry>,
    /// Public keys whose signature a module must carry (`[trust] keys`);
    /// empty: signatures are not required.
    pub trusted_keys: Vec<ed25519_dalek::VerifyingKey>,
    /// Where compiled modules are cached (`module_cache`); none: compile
    /// every module at start-up. Set by the CLI, not by the file.
    pub cache_dir: Option<PathBuf>,
    /// Screening sessions that run at once (`attest batch --jobs`), each
    /// keeping an instance of every plug-in: sizes the pool of fresh
    /// instances. Set by the CLI, not by the file; 1 by default.
    pub sessions: usize,
}

/// A configuration that cannot be used, naming the key.
#[derive(Debug, PartialEq)]
pub struct ConfigError {
    pub source: String,
    pub path: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.source, self.message)
        } else {
            write!(f, "{}: {}: {}", self.source, self.path, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    limits: LimitsFile,
    #[serde(default)]
    data: BTreeMap<String, String>,
    #[serde(default, rename = "policy")]
    policies: Vec<PolicyFile>,
    #[serde(default)]
    trust: TrustFile,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TrustFile {
    /// `ed25519:hex` public keys.
    #[serde(default)]
    keys: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    fuel: Option<u64>,
    deadline_ms: Option<u64>,
    memory_mib: Option<usize>,
    stack_kib: Option<usize>,
    max_output_kib: Option<u32>,
    isolation: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    module: String,
    sha256: Option<String>,
    /// A file holding the module's signature (hex), relative to the
    /// configuration.
    signature: Option<String>,
    states: Vec<String>,
    roles: Vec<String>,
}

const DEFAULT_TOML: &str = include_str!("../../attest.toml");

/// The files the embedded default names, by their path in the repository.
const EMBEDDED: &[(&str, &[u8])] = &[
    (
        "policies/dist/fp.wasm",
        include_bytes!("../../policies/dist/fp.wasm"),
    ),
    (
        "policies/dist/att.wasm",
        include_bytes!("../../policies/dist/att.wasm"),
    ),
    (
        "policies/dist/eu-cp.wasm",
        include_bytes!("../../policies/dist/eu-cp.wasm"),
    ),
    (
        "policies/dist/xa.wasm",
        include_bytes!("../../policies/dist/xa.wasm"),
    ),
    (
        "policies/dist/xa-2020.wasm",
        include_bytes!("../../policies/dist/xa-2020.wasm"),
    ),
    (
        "policies/dist/xb.wasm",
        include_bytes!("../../policies/dist/xb.wasm"),
    ),
    (
        "data/un-arms-embargoes.toml",
        include_bytes!("../../data/un-arms-embargoes.toml"),
    ),
    (
        "data/eu-arms-embargoes.toml",
        include_bytes!("../../data/eu-arms-embargoes.toml"),
    ),
    (
        "data/national-embargoes.toml",
        include_bytes!("../../data/national-embargoes.toml"),
    ),
    (
        "data/treaty-parties.toml",
        include_bytes!("../../data/treaty-parties.toml"),
    ),
    (
        "data/eu-members.toml",
        include_bytes!("../../data/eu-members.toml"),
    ),
    (
        "data/risk-register.toml",
        include_bytes!("../../data/risk-register.toml"),
    ),
    (
        "data/eu-denials.toml",
        include_bytes!("../../data/eu-denials.toml"),
    ),
];

impl Default for Config {
    /// The repository's `attest.toml`, with the files it names embedded.
    fn default() -> Config {
        let embedded = |path: &str| {
            EMBEDDED
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, bytes)| bytes.to_vec())
                .ok_or_else(|| format!("{path} is not embedded in this build"))
        };
        // The embedded default is checked by the test suite; failing here
        // would be a build defect, not a user error.
        Config::parse(DEFAULT_TOML, "attest.toml (embedded)", &embedded)
            .unwrap_or_else(|e| panic!("embedded default configuration is invalid: {e}"))
    }
}

impl Config {
    /// Reads a configuration file; its paths are relative to its folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let source = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            source: source.clone(),
            path: String::new(),
            message: e.to_string(),
        })?;
        let base: PathBuf = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let read = |p: &str| {
            std::fs::read(base.join(p))
                .map_err(|e| format!("cannot read {}: {e}", base.join(p).display()))
        };
        Config::parse(&text, &source, &read)
    }

    /// Parses configuration text, reading the files it names with `read`.
    pub fn parse(
        text: &str,
        source: &str,
        read: &dyn Fn(&str) -> Result<Vec<u8>, String>,
    ) -> Result<Config, ConfigError> {
        let err = |path: String, message: String| ConfigError {
            source: source.into(),
            path,
            message,
        };
        let file: ConfigFile = toml::from_str(text)
            .map_err(|e| err(String::new(), crate::document::toml_error(text, &e)))?;
        let limits = limits(file.limits).map_err(|(p, m)| err(format!("limits.{p}"), m))?;
        let mut data = Vec::new();
        for (name, path) in file.data {
            if !crate::reference::KNOWN.contains(&name.as_str()) {
                let known = crate::reference::KNOWN.join(", ");
                return Err(err(
                    format!("data.{name}"),
                    format!("unknown data set; known: {known}"),
                ));
            }
            let bytes = read(&path).map_err(|m| err(format!("data.{name}"), m))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| err(format!("data.{name}"), "not UTF-8".into()))?;
            data.push((name, text));
        }
        let mut policies = Vec::new();
        for (i, p) in file.policies.into_iter().enumerate() {
            let at = |k: &str| format!("policy[{i}].{k}");
            let Some(sha256) = p.sha256 else {
                return Err(err(
                    at("sha256"),
                    "missing: every module is pinned by its sha256".into(),
                ));
            };
            let wasm = read(&p.module).map_err(|m| err(at("module"), m))?;
            let states = p
                .states
                .iter()
                .enumerate()
                .map(|(j, s)| {
                    state_selector(s)
                        .ok_or_else(|| err(format!("policy[{i}].states[{j}]"), not_a_selector(s)))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let roles = p
                .roles
                .iter()
                .enumerate()
                .map(|(j, r)| {
                    Role::parse(r).ok_or_else(|| {
                        err(
                            format!("policy[{i}].roles[{j}]"),
                            format!("expected export, import, transit or brokering, found \"{r}\""),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let signature = match &p.signature {
                Some(path) => {
                    let bytes = read(path).map_err(|m| err(at("signature"), m))?;
                    Some(String::from_utf8_lossy(&bytes).trim().to_string())
                }
                None => None,
            };
            policies.push(PolicyEntry {
                origin: p.module,
                wasm,
                sha256: Some(sha256),
                states,
                roles,
                signature,
            });
        }
        let trusted_keys = file
            .trust
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                crate::signing::parse_public_key(k)
                    .map_err(|e| err(format!("trust.keys[{i}]"), e.0))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Config {
            limits,
            data,
            policies,
            trusted_keys,
            cache_dir: None,
            sessions: 1,
        })
    }
}

fn limits(f: LimitsFile) -> Result<Limits, (String, String)> {
    let d = Limits::default();
    let isolation = match f.isolation.as_deref() {
        None => d.isolation,
        Some("fresh") => Isolation::Fresh,
        Some("reuse") => Isolation::Reuse,
        Some(other) => {
            return Err((
                "isolation".into(),
                format!("expected fresh or reuse, found \"{other}\""),
            ))
        }
    };
    Ok(Limits {
        fuel: f.fuel.unwrap_or(d.fuel),
        deadline: f.deadline_ms.map_or(d.deadline, Duration::from_millis),
        memory_bytes: f.memory_mib.map_or(d.memory_bytes, |m| m << 20),
        stack_bytes: f.stack_kib.map_or(d.stack_bytes, |k| k << 10),
        max_output_bytes: f.max_output_kib.map_or(d.max_output_bytes, |k| k << 10),
        isolation,
        instances: d.instances,
    })
}

/// The problem of a registry entry's state that is none of the forms
/// `state_selector` reads, with the code most likely meant.
fn not_a_selector(s: &str) -> String {
    crate::countries::with_hint(
        format!("\"{s}\" is not an ISO 3166-1 alpha-2 code, a group (eu-members, att-parties, fp-parties), \"licensing\" or \"*\""),
        s,
    )
}

fn state_selector(s: &str) -> Option<StateSelector> {
    match s {
        "licensing" => Some(StateSelector::Licensing),
        "*" => Some(StateSelector::Any),
        "eu-members" => Some(StateSelector::Group(Group::EuMembers)),
        "att-parties" => Some(StateSelector::Group(Group::AttParties)),
        "fp-parties" => Some(StateSelector::Group(Group::FpParties)),
        code => Country::new(code)
            .filter(|&c| crate::countries::is_known(c))
            .map(StateSelector::State),
    }
}
