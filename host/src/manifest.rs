//! Plug-in metadata, read from the module's `attest.manifest` custom
//! section without instantiating or running any of its code.

use attest_rules::abi::view::TextFields;
use attest_rules::abi::{self, MANIFEST_SECTION};
use attest_rules::model::Date;
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
    /// Which form of the request the plug-in reads (ABI v3): the full
    /// request it decodes (the default), or the view request it reads in
    /// place (`docs/abi.md`).
    #[serde(default, skip_serializing_if = "RequestForm::is_full")]
    pub request: RequestForm,
    /// The text fields of the view request the plug-in reads (`id`,
    /// `parties.name`, ...); the host withholds the others. Absent: every
    /// one. Only with `request = "view"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_fields: Option<Vec<String>>,
    /// First day this version of the policy is in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_from: Option<toml::value::Datetime>,
    /// Last day this version is in force (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_until: Option<toml::value::Datetime>,
}

impl Manifest {
    /// The window this version is in force, as dates; an unparsable date
    /// is reported by [`Manifest::check`].
    pub fn effective(&self) -> (Option<Date>, Option<Date>) {
        let d = |v: &Option<toml::value::Datetime>| {
            v.as_ref().and_then(|d| Date::parse(&d.to_string()))
        };
        (d(&self.effective_from), d(&self.effective_until))
    }

    /// The text fields the host sends this plug-in in the view request;
    /// `Err` names a field `text_fields` lists that the view does not have.
    pub fn text(&self) -> Result<TextFields, String> {
        let Some(names) = &self.text_fields else {
            return Ok(TextFields::ALL);
        };
        names.iter().try_fold(TextFields::NONE, |set, name| {
            TextFields::named(name).map(|f| set.with(f)).ok_or_else(|| {
                let known: Vec<&str> = TextFields::NAMES.iter().map(|(n, _)| *n).collect();
                format!(
                    "text_fields: the view has no text field `{name}` (it has {})",
                    known.join(", ")
                )
            })
        })
    }

    /// Checks what the host can check without running code: the ABI
    /// version and the effective dates.
    pub fn check(&self) -> Result<(), ManifestError> {
        if !abi::supported(self.abi) {
            return Err(ManifestError::Invalid(format!(
                "built for ABI version {}; this host supports {}",
                self.abi,
                supported_versions()
            )));
        }
        if self.request == RequestForm::View && self.abi < 3 {
            return Err(ManifestError::Invalid(format!(
                "request = \"view\" needs abi = 3 or later, not {}",
                self.abi
            )));
        }
        if self.text_fields.is_some() && self.request != RequestForm::View {
            return Err(ManifestError::Invalid(
                "text_fields needs request = \"view\": the full request carries every field".into(),
            ));
        }
        self.text().map_err(ManifestError::Invalid)?;
        let (from, until) = self.effective();
        for (key, raw, parsed) in [
            ("effective_from", &self.effective_from, from),
            ("effective_until", &self.effective_until, until),
        ] {
            if raw.is_some() && parsed.is_none() {
                return Err(ManifestError::Invalid(format!(
                    "{key}: expected a date YYYY-MM-DD"
                )));
            }
        }
        if let (Some(f), Some(u)) = (from, until) {
            if u < f {
                return Err(ManifestError::Invalid(format!(
                    "effective_until {u} is before effective_from {f}"
                )));
            }
        }
        Ok(())
    }
}

/// The ABI versions this host runs, for messages: "2, 3 and 4".
pub fn supported_versions() -> String {
    let v: Vec<String> = abi::SUPPORTED_VERSIONS.iter().map(u32::to_string).collect();
    match v.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The two forms of the evaluation request (`docs/abi.md`).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RequestForm {
    /// The whole application, in the order of its fields; decoded by
    /// `export_policy!`.
    #[default]
    Full,
    /// The fields most policies read, in fixed-size records; read in place
    /// by `export_policy!(in_place ...)`.
    View,
}

impl RequestForm {
    fn is_full(&self) -> bool {
        *self == RequestForm::Full
    }
}

/// A version's effective window, parsed once. Routing asks it for every
/// application and plug-in: formatting and parsing the TOML dates there
/// was 2% of a batch run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InForce {
    from: Option<Date>,
    until: Option<Date>,
}

impl InForce {
    pub fn of(manifest: &Manifest) -> InForce {
        let (from, until) = manifest.effective();
        InForce { from, until }
    }

    /// Is `date` inside the window (both ends inclusive)?
    pub fn on(self, date: Date) -> bool {
        self.from.is_none_or(|f| f <= date) && self.until.is_none_or(|u| date <= u)
    }
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
    // Said plainly: wasmparser's own message for this prints both headers
    // as arrays over ten lines.
    if !wasm.starts_with(b"\0asm") {
        return Err(ManifestError::NotWasm(
            "it does not start with `\\0asm`, as every module does".into(),
        ));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(extra: &str) -> Result<Manifest, toml::de::Error> {
        toml::from_str(&format!(
            "id = \"x\"\nversion = \"1\"\ninstrument = \"national\"\n{extra}"
        ))
    }

    #[test]
    fn the_request_form_is_full_unless_the_manifest_asks_for_the_view() {
        assert_eq!(manifest("abi = 2").unwrap().request, RequestForm::Full);
        let view = manifest("abi = 3\nrequest = \"view\"").unwrap();
        assert_eq!(view.request, RequestForm::View);
        assert_eq!(view.check(), Ok(()));
        let err = manifest("abi = 3\nrequest = \"slice\"").unwrap_err();
        assert!(err.to_string().contains("unknown variant `slice`"), "{err}");
    }

    /// A plug-in limits the text it receives by naming fields as the
    /// application format does; a name the view lacks is refused with
    /// the list of those it has, and so is the key without the view.
    #[test]
    fn text_fields_name_what_the_view_sends_and_nothing_else() {
        let all = manifest("abi = 3\nrequest = \"view\"").unwrap();
        assert_eq!(all.text(), Ok(TextFields::ALL));
        let some = manifest(
            "abi = 3\nrequest = \"view\"\ntext_fields = [\"goods.control_entry\", \"id\"]",
        )
        .unwrap();
        assert_eq!(some.check(), Ok(()));
        assert_eq!(
            some.text(),
            Ok(TextFields::GOODS_CONTROL_ENTRY.with(TextFields::ID))
        );
        let none = manifest("abi = 3\nrequest = \"view\"\ntext_fields = []").unwrap();
        assert_eq!(none.text(), Ok(TextFields::NONE));
        let typo =
            manifest("abi = 3\nrequest = \"view\"\ntext_fields = [\"parties.names\"]").unwrap();
        assert_eq!(
            typo.check().unwrap_err().to_string(),
            "manifest is not valid: text_fields: the view has no text field `parties.names` \
             (it has id, parties.name, parties.registration, goods.description, \
             goods.control_entry, goods.currency)"
        );
        let full = manifest("abi = 3\ntext_fields = [\"id\"]").unwrap();
        assert_eq!(
            full.check().unwrap_err().to_string(),
            "manifest is not valid: text_fields needs request = \"view\": \
             the full request carries every field"
        );
    }

    /// A version-2 host would send such a plug-in the full request, so the
    /// manifest must say it needs version 3.
    #[test]
    fn the_view_request_needs_abi_version_3() {
        let err = manifest("abi = 2\nrequest = \"view\"")
            .unwrap()
            .check()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "manifest is not valid: request = \"view\" needs abi = 3 or later, not 2"
        );
    }
}
