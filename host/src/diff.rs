//! Diff two decision files: which applications a new embargo, policy or
//! data version treats differently. Both files are read as streams, line
//! by line, in step (a re-evaluation writes its decisions in the order of
//! the same input), so memory stays flat.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, Write};

/// Old outcome → new outcome counts, and the number of changed records.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DiffSummary {
    pub compared: u64,
    pub changed: u64,
    /// (before, after) → count, outcomes or `invalid`.
    pub transitions: BTreeMap<(String, String), u64>,
}

impl fmt::Display for DiffSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} compared, {} changed", self.compared, self.changed)?;
        writeln!(f, "{:<10} {:<10} {:>10}", "before", "after", "count")?;
        for ((before, after), n) in &self.transitions {
            let mark = if before == after { "" } else { "  *" };
            writeln!(f, "{before:<10} {after:<10} {n:>10}{mark}")?;
        }
        Ok(())
    }
}

#[derive(Debug)]
pub struct DiffError(pub String);

impl fmt::Display for DiffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DiffError {}

/// A finding's identity for comparison: who said what, with what effect.
pub(crate) fn finding_keys(d: &Value) -> Vec<String> {
    let mut keys: Vec<String> = d["findings"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| {
                    format!(
                        "{} {} {}",
                        f["rule"].as_str().unwrap_or("?"),
                        f["effect"].as_str().unwrap_or("?"),
                        f["policy"].as_str().unwrap_or("?")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    keys.sort();
    keys
}

/// A line's outcome: the decision's, or `invalid` for an error record.
/// Anything else is refused: an application or a register export given
/// by mistake would otherwise compare as a file of invalid records.
fn outcome(d: &Value, which: &str, line: u64) -> Result<String, DiffError> {
    if d.get("error").is_some() {
        return Ok("invalid".into());
    }
    match (d["application"].as_str(), d["outcome"].as_str()) {
        (Some(_), Some(o @ ("approve" | "refer" | "deny"))) => Ok(o.to_string()),
        _ => Err(DiffError(format!(
            "{which} line {line}: neither a decision (with \"application\" and an \
             \"outcome\" of approve, refer or deny) nor an error record; compare the \
             decisions `attest batch` wrote, not its input"
        ))),
    }
}

/// The keys of `from` not in `minus`, each as often as it is more often
/// in `from`.
pub(crate) fn removed(from: &[String], minus: &[String]) -> Vec<String> {
    let mut left = minus.to_vec();
    from.iter()
        .filter(|k| match left.iter().position(|x| x == *k) {
            Some(i) => {
                left.remove(i);
                false
            }
            None => true,
        })
        .cloned()
        .collect()
}

/// Compares `before` and `after` line by line; writes one JSON line per
/// changed application to `changes` (line number, application, outcomes
/// before and after, the findings added and removed: the rules that made
/// the difference) and returns the summary table. `changes_name` names
/// `changes` in an error.
pub fn diff(
    before: &mut dyn BufRead,
    after: &mut dyn BufRead,
    changes: &mut dyn Write,
    changes_name: &str,
) -> Result<DiffSummary, DiffError> {
    let mut summary = DiffSummary::default();
    let (mut a, mut b) = (String::new(), String::new());
    let mut line = 0u64;
    loop {
        a.clear();
        b.clear();
        let na = before
            .read_line(&mut a)
            .map_err(|e| DiffError(format!("baseline: {e}")))?;
        let nb = after
            .read_line(&mut b)
            .map_err(|e| DiffError(format!("new decisions: {e}")))?;
        line += 1;
        match (na, nb) {
            (0, 0) => break,
            (0, _) | (_, 0) => {
                return Err(DiffError(format!(
                    "the files differ in length at line {line}: they are not decisions for the same input"
                )))
            }
            _ => {}
        }
        let parse = |text: &str, which: &str| {
            serde_json::from_str::<Value>(text)
                .map_err(|e| DiffError(format!("{which} line {line}: not JSON: {e}")))
        };
        let (old, new) = (parse(&a, "baseline")?, parse(&b, "new decisions")?);
        let before_outcome = outcome(&old, "baseline", line)?;
        let after_outcome = outcome(&new, "new decisions", line)?;
        // An error record names no application: a record invalid on one
        // side only (another Attest version's validation, `--strict` on
        // one run) is a change from or to `invalid`, not a misalignment.
        let both_decided = before_outcome != "invalid" && after_outcome != "invalid";
        if both_decided && old["application"] != new["application"] {
            return Err(DiffError(format!(
                "line {line}: baseline decides {} but the new file {}: not the same input order",
                old["application"], new["application"]
            )));
        }
        summary.compared += 1;
        let (old_keys, new_keys) = (finding_keys(&old), finding_keys(&new));
        *summary
            .transitions
            .entry((before_outcome.clone(), after_outcome.clone()))
            .or_default() += 1;
        if before_outcome == after_outcome && old_keys == new_keys {
            continue;
        }
        summary.changed += 1;
        let record = json!({
            "line": line,
            "application": if new["application"].is_null() { &old["application"] } else { &new["application"] },
            "before": before_outcome,
            "after": after_outcome,
            "added": removed(&new_keys, &old_keys),
            "removed": removed(&old_keys, &new_keys),
        });
        writeln!(changes, "{record}").map_err(|e| DiffError(format!("{changes_name}: {e}")))?;
    }
    Ok(summary)
}
