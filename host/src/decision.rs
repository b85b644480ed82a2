//! The decision record (spec: `shared/spec/decision.md`), exactly that
//! shape, plus its plain-text rendering for a licensing officer.

use crate::reference::DataSet;
use crate::route::Involvement;
use attest_rules::model::{Country, Role};
use attest_rules::Outcome;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

mod line;

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
    pub policy: Label,
    /// The state and role whose evaluation raised it (an addition to the
    /// spec's fields): a policy runs once for each state and role it
    /// serves, and its findings often read the same for each. Absent only
    /// for the finding the host adds when no policy ran.
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    pub raised_for: Option<Involvement>,
    pub rule: String,
    pub instrument: Label,
    pub article: String,
    pub effect: Label,
    pub message: String,
    pub evidence: Vec<String>,
    /// Present (as `false`) only when the instrument did not bind the
    /// evaluated state on the date: reported, but it cannot deny.
    #[serde(skip_serializing_if = "is_true")]
    pub binding: bool,
}

impl FindingRecord {
    /// The same finding, wherever it was raised. Every field is named, so
    /// that a field added later must be placed on one side or the other.
    fn says_the_same(&self, other: &FindingRecord) -> bool {
        let FindingRecord {
            policy,
            raised_for: _,
            rule,
            instrument,
            article,
            effect,
            message,
            evidence,
            binding,
        } = self;
        *policy == other.policy
            && *rule == other.rule
            && *instrument == other.instrument
            && *article == other.article
            && *effect == other.effect
            && *message == other.message
            && *evidence == other.evidence
            && *binding == other.binding
    }
}

fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    pub policy: Label,
    pub version: Label,
    pub state: Country,
    pub role: Role,
    pub sha256: Label,
    #[serde(serialize_with = "outcome")]
    pub outcome: Outcome,
    pub fuel: u64,
    /// Present only when the plug-in faulted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

/// Text that many decisions repeat: a plug-in's id, version or module
/// hash, an instrument, an effect. Shared or static instead of copied into
/// each decision: copying them was half of the 53 allocations of screening
/// a generated application (`docs/performance.md`). Serialised, compared
/// and displayed as the text it holds.
#[derive(Clone, Debug)]
pub enum Label {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Label {
    pub fn as_str(&self) -> &str {
        match self {
            Label::Static(s) => s,
            Label::Shared(s) => s,
        }
    }

    /// The same text with a reference count of its own. Each screening
    /// session (one per batch worker) takes such copies: sharing one count
    /// between workers made every clone and drop of a label bounce its
    /// cache line between the cores (`docs/performance.md`).
    pub fn unshared(&self) -> Label {
        match self {
            Label::Static(s) => Label::Static(s),
            Label::Shared(s) => Label::Shared(Arc::from(&**s)),
        }
    }
}

impl std::ops::Deref for Label {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Label {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&'static str> for Label {
    fn from(s: &'static str) -> Label {
        Label::Static(s)
    }
}

impl From<String> for Label {
    fn from(s: String) -> Label {
        Label::Shared(s.into())
    }
}

impl PartialEq for Label {
    fn eq(&self, other: &Label) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Label {}

impl PartialEq<str> for Label {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Label {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Label {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Label {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Clone, Debug)]
pub struct Provenance {
    pub host: &'static str,
    /// sha256 of the application's canonical (ABI) encoding: the same
    /// application in TOML or JSON has the same hash.
    pub input_sha256: String,
    /// The reference data used: the same for every decision of a run,
    /// shared, not copied into each.
    pub data: Arc<RunData>,
    /// Write `data` field by field instead of copying its rendered JSON:
    /// for pretty output, where the copy would stay on one line.
    pub structured: bool,
}

/// The reference data behind a run's decisions, with its JSON rendered
/// once: 1.1 KB of hashes and descriptions on every decision line, whose
/// serialisation took 1.4 µs of the 2.9 a line did (docs/performance.md).
#[derive(Clone, Debug)]
pub struct RunData {
    /// sha256 of each reference data file used.
    pub hashes: BTreeMap<String, String>,
    /// Where each data set stands: compilation date, entries, and how many
    /// the source marks unverified (an addition to the spec's fields).
    pub sets: Vec<DataSet>,
    hashes_json: Box<RawValue>,
    sets_json: Box<RawValue>,
}

impl RunData {
    pub fn new(hashes: BTreeMap<String, String>, sets: Vec<DataSet>) -> RunData {
        // Maps of strings and plain structs always serialise.
        let render = |json: serde_json::Result<String>| {
            RawValue::from_string(json.unwrap_or_else(|_| "null".into()))
                .unwrap_or_else(|_| RawValue::NULL.to_owned())
        };
        RunData {
            hashes_json: render(serde_json::to_string(&hashes)),
            sets_json: render(serde_json::to_string(&sets)),
            hashes,
            sets,
        }
    }
}

impl Serialize for Provenance {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut p = s.serialize_struct("Provenance", 4)?;
        p.serialize_field("host", self.host)?;
        p.serialize_field("input_sha256", &self.input_sha256)?;
        if self.structured {
            p.serialize_field("data", &self.data.hashes)?;
            p.serialize_field("data_sets", &self.data.sets)?;
        } else {
            p.serialize_field("data", &*self.data.hashes_json)?;
            p.serialize_field("data_sets", &*self.data.sets_json)?;
        }
        p.end()
    }
}

fn outcome<S: Serializer>(o: &Outcome, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(o.as_str())
}

impl Decision {
    /// Appends the decision as one line of JSON (without the line end):
    /// the bytes `serde_json::to_writer` gives, written faster
    /// (`decision::line`).
    pub fn write_line(&self, out: &mut Vec<u8>) {
        line::write(self, out)
    }

    /// The JSON form of the spec, pretty-printed.
    pub fn to_json(&self) -> String {
        let mut pretty = self.clone();
        pretty.provenance.structured = true;
        serde_json::to_string_pretty(&pretty).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
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
            let group = same_but_where_raised(self.findings.iter().filter(|f| f.effect == effect));
            if group.is_empty() {
                continue;
            }
            let _ = writeln!(s, "\n{heading}:");
            for (f, raised_for) in group {
                let binding = if f.binding { "" } else { " [not binding]" };
                let _ = writeln!(
                    s,
                    "  - [{} {}]{binding} {}",
                    f.instrument, f.article, f.message
                );
                let _ = write!(s, "      rule {} ({}", f.rule, f.policy);
                for (i, who) in raised_for.iter().enumerate() {
                    let lead = if i == 0 { " for" } else { "," };
                    let _ = write!(s, "{lead} {} {}", who.state, who.role.as_str());
                }
                s.push(')');
                if !f.evidence.is_empty() {
                    let _ = write!(s, "; fields: {}", f.evidence.join(", "));
                }
                s.push('\n');
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
        let _ = write!(
            s,
            "\n{}",
            data_in_brief(&self.provenance.data.sets, &self.as_of)
        );
        s
    }
}

/// How firm the decision's reference data is, for the officer: when the
/// sets were compiled, how many entries their sources mark unverified,
/// and whether the screening date is past the compilation, when what
/// changed since (an embargo imposed, renewed or lifted) is not in it.
/// The record has the same per set (`provenance.data_sets`).
fn data_in_brief(sets: &[DataSet], as_of: &str) -> String {
    let mut dates: Vec<&str> = sets.iter().filter_map(|d| d.compiled.as_deref()).collect();
    dates.sort_unstable();
    dates.dedup();
    let undated: Vec<&str> = sets
        .iter()
        .filter(|d| d.compiled.is_none())
        .map(|d| d.name.as_str())
        .collect();
    let entries: usize = sets.iter().map(|d| d.entries).sum();
    let unverified: usize = sets.iter().map(|d| d.unverified).sum();
    let mut s = format!("Reference data: {} sets", sets.len());
    if !dates.is_empty() {
        let _ = write!(s, ", compiled {}", dates.join(", "));
    }
    if !undated.is_empty() {
        let _ = write!(s, " ({} undated)", undated.join(", "));
    }
    let _ = writeln!(
        s,
        "; {unverified} of {entries} entries marked unverified by their sources"
    );
    // Dates are YYYY-MM-DD, which order as text.
    if let Some(oldest) = dates.first().filter(|&&d| d < as_of) {
        let _ = writeln!(
            s,
            "The screening date {as_of} is after {oldest}: embargoes imposed, renewed or lifted \
             since are not in the data."
        );
    }
    s
}

/// Findings that differ only in the evaluation that raised them, once
/// each with every state and role that raised it, in first-seen order. A
/// policy serving several states of one transfer (EU-CP for the exporting
/// member state and a transit one) often finds the same thing for each:
/// the officer reads it once, with where it applies. The record keeps one
/// finding per evaluation.
fn same_but_where_raised<'d>(
    findings: impl Iterator<Item = &'d FindingRecord>,
) -> Vec<(&'d FindingRecord, Vec<Involvement>)> {
    let mut grouped: Vec<(&FindingRecord, Vec<Involvement>)> = Vec::new();
    for f in findings {
        match grouped.iter_mut().find(|(g, _)| g.says_the_same(f)) {
            Some((_, raised_for)) => raised_for.extend(f.raised_for),
            None => grouped.push((f, f.raised_for.into_iter().collect())),
        }
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unshared_label_holds_the_same_text_under_a_count_of_its_own() {
        let shared = Label::from(String::from("att"));
        let copy = shared.unshared();
        assert_eq!(copy, shared);
        assert_eq!(copy.as_str(), "att");
        match (&shared, &copy) {
            (Label::Shared(a), Label::Shared(b)) => assert!(!Arc::ptr_eq(a, b)),
            _ => panic!("a label made from a String is shared"),
        }
        assert!(matches!(Label::from("FP").unshared(), Label::Static("FP")));
    }

    fn provenance(structured: bool) -> Provenance {
        let sets = vec![DataSet {
            name: "un-arms-embargoes".into(),
            sha256: "ab".repeat(32),
            compiled: Some("2026-11-26".into()),
            entries: 34,
            unverified: 4,
        }];
        let hashes = [("un-arms-embargoes".to_string(), "ab".repeat(32))].into();
        Provenance {
            host: "attest test",
            input_sha256: "cd".repeat(32),
            data: Arc::new(RunData::new(hashes, sets)),
            structured,
        }
    }

    #[test]
    fn the_rendered_run_data_is_what_writing_it_field_by_field_gives_and_names_each_hash_once() {
        let rendered = serde_json::to_string(&provenance(false)).unwrap();
        assert_eq!(rendered, serde_json::to_string(&provenance(true)).unwrap());
        // Each data set's hash is given once, under `data`.
        assert!(rendered.contains(&format!(
            r#""data":{{"un-arms-embargoes":"{}"}},"data_sets":[{{"name":"un-arms-embargoes","compiled":"2026-11-26","entries":34,"unverified":4}}]"#,
            "ab".repeat(32)
        )));
        assert_eq!(rendered.matches(&"ab".repeat(32)).count(), 1);
    }

    /// Every optional part present and every string in need of escaping:
    /// the line writer gives serde_json's bytes. (Generated decisions are
    /// compared in tests/batch.rs.)
    #[test]
    fn a_decision_line_is_what_serde_json_writes() {
        let awkward = "Lot \"7\" \\ tab\there\nnew line \u{1} é 😀";
        let finding = |binding, raised_for| FindingRecord {
            policy: Label::from(String::from("att")),
            raised_for,
            rule: "att.6-1.un-arms-embargo".into(),
            instrument: "ATT".into(),
            article: "6(1)".into(),
            effect: "deny".into(),
            message: awkward.into(),
            evidence: vec!["route.destination".into(), awkward.into()],
            binding,
        };
        let evaluation = |fault: Option<&str>| Evaluation {
            policy: "att".into(),
            version: "1.0.0".into(),
            state: Country::new("GB").unwrap(),
            role: Role::Export,
            sha256: "ef".repeat(32).into(),
            outcome: Outcome::Refer,
            fuel: 18_446_744_073_709_551_615,
            fault: fault.map(String::from),
        };
        for (findings, evaluations, not_covered) in [
            (vec![], vec![], vec![]),
            (
                vec![
                    finding(true, None),
                    finding(
                        false,
                        Some(Involvement {
                            state: Country::new("GB").unwrap(),
                            role: Role::Export,
                        }),
                    ),
                ],
                vec![evaluation(None), evaluation(Some(awkward))],
                vec![Involvement {
                    state: Country::new("KE").unwrap(),
                    role: Role::Import,
                }],
            ),
        ] {
            let decision = Decision {
                application: awkward.into(),
                as_of: "2026-11-26".into(),
                outcome: Outcome::Deny,
                findings,
                evaluations,
                not_covered,
                provenance: provenance(false),
            };
            let mut line = Vec::new();
            decision.write_line(&mut line);
            assert_eq!(
                String::from_utf8(line).unwrap(),
                serde_json::to_string(&decision).unwrap()
            );
        }
    }

    #[test]
    fn pretty_output_writes_the_run_data_over_several_lines() {
        let decision = Decision {
            application: "GB-1".into(),
            as_of: "2026-11-26".into(),
            outcome: Outcome::Approve,
            findings: vec![],
            evaluations: vec![],
            not_covered: vec![],
            provenance: provenance(false),
        };
        let pretty = decision.to_json();
        assert!(
            pretty.contains("\"data\": {\n      \"un-arms-embargoes\""),
            "{pretty}"
        );
    }
}
