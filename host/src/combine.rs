//! Combine: from the evaluations of every applicable plug-in to one
//! outcome. Deny overrides refer overrides approve; a faulted plug-in
//! counts as refer; an application no policy evaluated is referred, never
//! approved.

use crate::decision::{Evaluation, FindingRecord};
use attest_rules::Outcome;

/// The rule id of the finding the host adds for a faulted plug-in.
pub const FAULT_RULE: &str = "attest.plugin-fault";
/// The rule id of the finding the host adds when no policy ran.
pub const UNCOVERED_RULE: &str = "attest.no-policy";

/// The combined outcome, adding a `refer` finding when nothing ran.
pub fn combine(evaluations: &[Evaluation], findings: &mut Vec<FindingRecord>) -> Outcome {
    if evaluations.is_empty() {
        findings.push(FindingRecord {
            policy: "attest".into(),
            // No evaluation raised it: it is about the transfer as a whole.
            raised_for: None,
            rule: UNCOVERED_RULE.into(),
            instrument: "national".into(),
            article: "configuration".into(),
            effect: "refer".into(),
            message:
                "No policy is configured for any state in this transfer; nothing was evaluated"
                    .into(),
            evidence: vec!["licensing_state".into(), "kind".into()],
            binding: true,
        });
        return Outcome::Refer;
    }
    Outcome::most_restrictive(evaluations.iter().map(|e| e.outcome))
}
