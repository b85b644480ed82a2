//! Findings from the risk register, shared by the instruments that weigh
//! it (ATT Art. 7, EU Common Position criteria 2-8).

use crate::finding::{Effect, Finding, Rule};
use crate::reference::{RiskAssessment, RiskLevel};
use crate::text;
use alloc::string::String;

/// The finding an assessment gives under `rule`, with `path` the field
/// that names the assessed state (`route.destination` for most): `high` denies where the provision prohibits the transfer
/// (`prohibits`: ATT Art. 7(3), EU-CP criteria 1-4 "shall deny") and
/// refers where it only asks to take the risk into account; `medium`
/// refers; `low` gives no finding.
pub fn assessment_finding(
    rule: &Rule,
    risk: &RiskAssessment,
    prohibits: bool,
    path: impl Into<String>,
) -> Option<Finding> {
    let effect = match risk.level {
        RiskLevel::High if prohibits => Effect::Deny,
        RiskLevel::High | RiskLevel::Medium => Effect::Refer,
        RiskLevel::Low => return None,
    };
    let message = text!(
        "Risk register rates ",
        risk.concern,
        " in ",
        risk.state,
        " ",
        risk.level,
        " (assessed ",
        risk.assessed,
        "; ",
        risk.source,
        ")"
    );
    Some(rule.finding(effect, message).at(path))
}
