//! The decision record (spec: `shared/spec/decision.md`), exactly that
//! shape, plus its plain-text rendering for a licensing officer.

use crate::reference::DataSet;
use crate::route::Involvement;
use attest_rules::Outcome;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

#[derive(Clone, Debug, Serialize)]
pub struct Decision {
    pub application: String,
    pub as_of: String,
    #[serde(serialize_with = "outcome")]
    pub outcome: Outcome,
    pub findings: Vec<FindingRecord>,
    pub evaluations: Vec<Evaluation>,
    pub not_covered: Vec<Involvement>,
    pub provenance: Provenance,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FindingRecord {
    pub policy: String,
    pub rule: String,
    pub instrument: String,
    pub article: String,
    pub effect: String,
    pub message: String,
    pub evidence: Vec<String>,
    /// Present (as `false`) only when the instrument did not bind the
    /// evaluated state on the date: reported, but it cannot deny.
    #[serde(skip_serializing_if = "is_true")]
    pub binding: bool,
}

fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    pub policy: String,
    pub version: String,
    pub state: String,
    pub role: String,
    pub sha256: String,
    #[serde(serialize_with = "outcome")]
    pub outcome: Outcome,
    pub fuel: u64,
    /// Present only when the plug-in faulted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Provenance {
    pub host: &'static str,
    /// sha256 of the application's canonical (ABI) encoding: the same
    /// application in TOML or JSON has the same hash.
    pub input_sha256: String,
    /// sha256 of each reference data file used.
    /// Shared by every decision of a run, not copied into each.
    pub data: Arc<BTreeMap<String, String>>,
    /// Where each data set stands: compilation date, entries, and how many
    /// the source marks unverified (an addition to the spec's fields).
    pub data_sets: Arc<[DataSet]>,
}

fn outcome<S: Serializer>(o: &Outcome, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(o.as_str())
}

impl Decision {
    /// The JSON form of the spec, pretty-printed.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// A summary for an officer: the outcome, then findings grouped by
    /// effect, most serious first, each with its citation.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{}  {}  (as of {})",
            self.application,
            self.outcome.as_str().to_uppercase(),
            self.as_of
        );
        for (effect, heading) in [
            ("deny", "Prohibitions"),
            ("refer", "For the officer to decide"),
            ("condition", "Licence conditions"),
            ("info", "For information"),
        ] {
            let group: Vec<&FindingRecord> = self
                .findings
                .iter()
                .filter(|f| f.effect == effect)
                .collect();
            if group.is_empty() {
                continue;
            }
            let _ = writeln!(s, "\n{heading}:");
            for f in group {
                let binding = if f.binding { "" } else { " [not binding]" };
                let _ = writeln!(
                    s,
                    "  - [{} {}]{binding} {}",
                    f.instrument, f.article, f.message
                );
                let _ = writeln!(
                    s,
                    "      rule {} ({}); fields: {}",
                    f.rule,
                    f.policy,
                    f.evidence.join(", ")
                );
            }
        }
        if self.findings.is_empty() {
            let _ = writeln!(s, "\nNo findings.");
        }
        let _ = writeln!(s, "\nPolicies run:");
        for e in &self.evaluations {
            let fault = e
                .fault
                .as_deref()
                .map(|f| format!(" — FAULT: {f}"))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  {} {} for {} {}: {} ({} fuel, sha256 {}){fault}",
                e.policy,
                e.version,
                e.state,
                e.role,
                e.outcome.as_str(),
                e.fuel,
                &e.sha256[..12.min(e.sha256.len())]
            );
        }
        if !self.not_covered.is_empty() {
            let list: Vec<String> = self
                .not_covered
                .iter()
                .map(|i| format!("{} {}", i.state, i.role.as_str()))
                .collect();
            let _ = writeln!(s, "\nNo policy configured for: {}", list.join(", "));
        }
        s
    }
}
