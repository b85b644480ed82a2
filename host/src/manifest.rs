//! Plug-in metadata, read from the module's `attest.manifest` custom
//! section without instantiating or running any of its code.

use attest_rules::abi::MANIFEST_SECTION;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a plug-in declares about itself.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Short stable name, used in findings' `policy` (`fp`, `att`).
    pub id: String,
    /// The policy's own version (semver).
    pub version: String,
    /// The instrument it implements (`FP`, `ATT`, `EU-CP`, `national`).
    pub instrument: String,
    #[serde(default)]
    pub title: String,
    /// The ABI version the plug-in was built for.
    pub abi: u32,
    /// Reference data sets it needs (`un-arms-embargoes`, ...).
    #[serde(default)]
    pub data: Vec<String>,
    /// Ids of the rules it can fire, for coverage reports.
    #[serde(default)]
    pub rules: Vec<String>,
}

#[derive(Debug, PartialEq)]
pub enum ManifestError {
    NotWasm(String),
    Missing,
    Duplicate,
    Invalid(String),
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManifestError::NotWasm(e) => write!(f, "not a WebAssembly module: {e}"),
            ManifestError::Missing => write!(f, "no `{MANIFEST_SECTION}` custom section"),
            ManifestError::Duplicate => {
                write!(f, "more than one `{MANIFEST_SECTION}` custom section")
            }
            ManifestError::Invalid(e) => write!(f, "manifest is not valid: {e}"),
        }
    }
}

impl std::error::Error for ManifestError {}

/// Reads the manifest of a module's bytes.
pub fn read(wasm: &[u8]) -> Result<Manifest, ManifestError> {
    let mut found: Option<&[u8]> = None;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| ManifestError::NotWasm(e.to_string()))?;
        if let wasmparser::Payload::CustomSection(section) = payload {
            if section.name() == MANIFEST_SECTION {
                if found.is_some() {
                    return Err(ManifestError::Duplicate);
                }
                found = Some(section.data());
            }
        }
    }
    let bytes = found.ok_or(ManifestError::Missing)?;
    let text =
        std::str::from_utf8(bytes).map_err(|_| ManifestError::Invalid("not UTF-8".into()))?;
    toml::from_str(text)
        .map_err(|e| ManifestError::Invalid(e.to_string().trim().replace('\n', " ")))
}
