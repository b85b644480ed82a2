//! What a policy says about an application: findings, each citing the
//! article behind it (spec: `shared/spec/decision.md`).
//!
//! A policy only ever returns findings. The outcome of an evaluation is
//! derived from them — the most restrictive effect wins — so that a plug-in
//! cannot claim `approve` while reporting a prohibition.

use crate::model::spec_enum;
use alloc::string::String;
use alloc::vec::Vec;

spec_enum! {
    /// The instrument a finding cites.
    Instrument { Fp = "FP", Att = "ATT", Unsc = "UNSC", EuCp = "EU-CP", Cop10_2 = "COP-10/2",
        National = "national" }
}

spec_enum! {
    /// What a finding does to the decision.
    Effect { Info = "info", Condition = "condition", Refer = "refer", Deny = "deny" }
}

spec_enum! {
    /// The answer for an evaluation or a whole application.
    /// Ordered so that `max` is the combination rule: deny > refer > approve.
    Outcome { Approve = "approve", Refer = "refer", Deny = "deny" }
}

impl Effect {
    /// The outcome a finding with this effect forces, at least.
    /// `info` and `condition` leave an application approvable.
    pub fn outcome(self) -> Outcome {
        match self {
            Effect::Info | Effect::Condition => Outcome::Approve,
            Effect::Refer => Outcome::Refer,
            Effect::Deny => Outcome::Deny,
        }
    }
}

impl Outcome {
    /// Combines outcomes: deny overrides refer overrides approve. An empty
    /// set is `approve` only because the caller has already checked that
    /// every applicable evaluation completed (see the host's `combine`).
    pub fn most_restrictive(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
        outcomes.into_iter().max().unwrap_or(Outcome::Approve)
    }
}

/// A rule a policy applies: its stable id (which names the article, e.g.
/// `fp.10-2-a.import-licence`), the instrument and article it cites, and a
/// one-line statement of what it checks. Policies list their rules in their
/// manifest so that coverage can be reported without running them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub instrument: Instrument,
    pub article: &'static str,
    pub checks: &'static str,
}

impl Rule {
    /// A finding of this rule.
    pub fn finding(&self, effect: Effect, message: String) -> Finding {
        Finding {
            rule: String::from(self.id),
            instrument: self.instrument,
            article: String::from(self.article),
            effect,
            message,
            evidence: Vec::new(),
            binding: true,
        }
    }
}

/// One finding. `policy` is not here: the host adds it from the manifest of
/// the plug-in that produced the finding, so a plug-in cannot speak for
/// another.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: String,
    pub instrument: Instrument,
    pub article: String,
    pub effect: Effect,
    pub message: String,
    /// Paths of the application fields that triggered the rule.
    pub evidence: Vec<String>,
    /// False when the instrument does not bind the evaluated state on the
    /// screening date (not a party yet, or never): the finding is reported
    /// for the officer, and a `deny` becomes `refer`.
    pub binding: bool,
}

impl Finding {
    /// Adds an evidence path (`route.destination`, `goods[0].marking`).
    pub fn at(mut self, path: impl Into<String>) -> Finding {
        self.evidence.push(path.into());
        self
    }
}

/// The outcome of one evaluation: the most restrictive effect among its
/// findings.
pub fn outcome_of(findings: &[Finding]) -> Outcome {
    Outcome::most_restrictive(findings.iter().map(|f| f.effect.outcome()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_overrides_refer_overrides_approve() {
        use Outcome::*;
        assert_eq!(Outcome::most_restrictive([Approve, Refer, Approve]), Refer);
        assert_eq!(Outcome::most_restrictive([Refer, Deny, Approve]), Deny);
        assert_eq!(Outcome::most_restrictive([Approve]), Approve);
    }

    #[test]
    fn conditions_and_information_do_not_block_approval() {
        assert_eq!(Effect::Condition.outcome(), Outcome::Approve);
        assert_eq!(Effect::Info.outcome(), Outcome::Approve);
        assert_eq!(Effect::Refer.outcome(), Outcome::Refer);
    }
}
