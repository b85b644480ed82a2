//! Reproducing a recorded decision: the application a register record
//! holds, screened again as of the recorded date by the plug-ins and data
//! of a configuration, and held against the decision recorded.
//!
//! A decision names the sha256 of every plug-in and data file behind it so
//! that it can be reproduced years later; this is the step that does it.
//! The same modules and data give the same decision byte for byte (fuel
//! included: it counts instructions, not time). When they do not, the
//! answer says why in the order an officer would look: which plug-ins,
//! data or host differ from those recorded, then what changed in the
//! outcome and findings, then any other field.

use crate::application::{self, Format};
use crate::decision::Decision;
use crate::diff::{finding_keys, removed};
use crate::register::Entry;
use crate::screen::Session;
use attest_rules::model::Date;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// A record screened again.
pub struct Reproduction {
    /// The record's number in its register.
    pub seq: u64,
    /// The application's id and the date it was judged as of.
    pub application: String,
    pub as_of: String,
    /// The decision screened now.
    pub decision: Decision,
    /// The new decision is byte for byte the recorded one.
    pub exact: bool,
    /// Both decisions as written, for [`Reproduction::differences`].
    recorded: String,
    now: Vec<u8>,
}

/// Why a record could not be screened again at all.
#[derive(Debug)]
pub struct ReproductionError(pub String);

impl fmt::Display for ReproductionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReproductionError {}

/// The one field of a recorded decision needed before screening again;
/// the rest is compared as bytes, and parsed only to explain a
/// difference. Parsing both decisions whole for every record (and writing
/// the new one through serde_json) took 5.30 s for a register of 100,000
/// records, against 3.39 s.
#[derive(Deserialize)]
struct Recorded {
    as_of: String,
}

/// Screens the application of `entry` again, as of its recorded date, in
/// `session` (one for a whole register: a session per record set up every
/// plug-in's instances again, and reproducing 20,000 records took 2.0 s
/// instead of 0.37). Refuses a record whose own hash does not match its
/// fields: an altered record reproduces nothing worth knowing (`attest
/// register verify` finds where the chain breaks).
pub fn reproduce(
    session: &mut Session<'_>,
    entry: &Entry,
) -> Result<Reproduction, ReproductionError> {
    let seq = entry.seq;
    let fault = |what: String| ReproductionError(format!("record {seq}: {what}"));
    if !entry.is_intact() {
        return Err(fault(
            "its contents do not match its hash (altered); run `attest register verify`".into(),
        ));
    }
    let Recorded { as_of } = serde_json::from_str(&entry.decision)
        .map_err(|e| fault(format!("the recorded decision cannot be read: {e}")))?;
    let date = Date::parse(&as_of).ok_or_else(|| {
        fault(format!(
            "the recorded decision's as_of {as_of:?} is not a date"
        ))
    })?;
    let parsed = application::parse(&entry.application, Format::Json, false).map_err(|e| {
        let problems: Vec<String> = e.problems.iter().map(|p| p.to_string()).collect();
        fault(format!(
            "the recorded application is not valid today: {}",
            problems.join("; ")
        ))
    })?;
    let decision = session.screen(&parsed.application, Some(date));
    // The bytes `attest batch` and `screen --record` record.
    let mut now = Vec::new();
    decision.write_line(&mut now);
    Ok(Reproduction {
        seq,
        application: entry.application_id.clone(),
        as_of,
        exact: now == entry.decision.as_bytes(),
        decision,
        recorded: entry.decision.clone(),
        now,
    })
}

impl Reproduction {
    /// What differs between the recorded decision and the new one, most
    /// telling first: the plug-ins, data and host behind each, then the
    /// outcome and findings, then the path of every other field that
    /// differs. Empty for an exact reproduction.
    pub fn differences(&self) -> Vec<String> {
        if self.exact {
            return Vec::new();
        }
        let was: Value = serde_json::from_str(&self.recorded).unwrap_or_default();
        let now: Value = serde_json::from_slice(&self.now).unwrap_or_default();
        let (was, now) = (&was, &now);
        let mut out = plugins_differ(was, now);
        // Other plug-ins explain every difference in the evaluations.
        let plugins_explain = !out.is_empty();
        out.extend(data_differs(was, now));
        if was["provenance"]["host"] != now["provenance"]["host"] {
            out.push(format!(
                "host: recorded {}, now {}",
                was["provenance"]["host"], now["provenance"]["host"]
            ));
        }
        if was["outcome"] != now["outcome"] {
            out.push(format!(
                "outcome: recorded {}, now {}",
                was["outcome"], now["outcome"]
            ));
        }
        let (old_keys, new_keys) = (finding_keys(was), finding_keys(now));
        // The findings' other fields (messages, evidence) show below.
        let same_rules = old_keys == new_keys;
        if was["outcome"] == now["outcome"] && same_rules {
            out.push(format!(
                "outcome {} as recorded, from the same rules, effects and policies",
                text(&was["outcome"])
            ));
        }
        for (what, keys) in [
            ("finding no longer raised", removed(&old_keys, &new_keys)),
            (
                "finding raised now, not recorded",
                removed(&new_keys, &old_keys),
            ),
        ] {
            out.extend(keys.into_iter().map(|k| format!("{what}: {k}")));
        }
        let mut paths = Vec::new();
        differing_paths(was, now, String::new(), &mut paths);
        let explained = |p: &str| {
            p.starts_with("outcome")
                || (p.starts_with("findings") && !same_rules)
                || p.starts_with("provenance.data")
                || p.starts_with("provenance.host")
                || (p.starts_with("evaluations") && plugins_explain)
                || (p.starts_with("evaluations[")
                    && (p.ends_with(".sha256") || p.ends_with(".version")))
        };
        let other: Vec<String> = paths.into_iter().filter(|p| !explained(p)).collect();
        if !other.is_empty() {
            out.push(format!("other fields: {}", shortened(&other, 8)));
        }
        out
    }
}

/// Each evaluation's plug-in, by the policy, state and role it ran for.
fn plugins(d: &Value) -> BTreeMap<String, String> {
    d["evaluations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let who = format!(
                "{} for {} {}",
                text(&e["policy"]),
                text(&e["state"]),
                text(&e["role"])
            );
            let module = format!("{} {}", text(&e["version"]), short(text(&e["sha256"])));
            (who, module)
        })
        .collect()
}

fn plugins_differ(was: &Value, now: &Value) -> Vec<String> {
    compare(&plugins(was), &plugins(now), "plug-in")
}

/// Each data set's sha256, by name.
fn data(d: &Value) -> BTreeMap<String, String> {
    d["provenance"]["data"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, hash)| (name.clone(), short(text(hash)).to_string()))
        .collect()
}

fn data_differs(was: &Value, now: &Value) -> Vec<String> {
    compare(&data(was), &data(now), "data")
}

/// One line for each key whose value differs, or that only one side has.
fn compare(
    was: &BTreeMap<String, String>,
    now: &BTreeMap<String, String>,
    what: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    for (key, recorded) in was {
        match now.get(key) {
            Some(current) if current == recorded => {}
            Some(current) => out.push(format!("{what} {key}: recorded {recorded}, now {current}")),
            None => out.push(format!("{what} {key}: recorded {recorded}, not used now")),
        }
    }
    for (key, current) in now {
        if !was.contains_key(key) {
            out.push(format!(
                "{what} {key}: not in the record, used now ({current})"
            ));
        }
    }
    out
}

/// The paths (`findings[2].message`) of the leaves that differ.
fn differing_paths(was: &Value, now: &Value, at: String, out: &mut Vec<String>) {
    match (was, now) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                let missing = Value::Null;
                differing_paths(
                    a.get(key).unwrap_or(&missing),
                    b.get(key).unwrap_or(&missing),
                    path,
                    out,
                );
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differing_paths(x, y, format!("{at}[{i}]"), out);
            }
        }
        _ if was == now => {}
        (Value::Array(a), Value::Array(b)) => {
            out.push(format!("{at} ({} recorded, {} now)", a.len(), b.len()))
        }
        _ => out.push(at),
    }
}

fn shortened(items: &[String], most: usize) -> String {
    let shown = items
        .iter()
        .take(most)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    match items.len().saturating_sub(most) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("?")
}

/// A hash's first 16 digits: enough to tell modules apart in a message.
fn short(hash: &str) -> &str {
    hash.get(..16).unwrap_or(hash)
}
