//! The shared screening policy of the engine comparison
//! (`docs/performance.md`): one small policy that Attest (as a plug-in and
//! natively), Cedar and Rego each implement, so that their per-decision
//! costs can be set side by side and their answers checked against each
//! other.
//!
//! It is a benchmark policy, not a licensing policy: its two state lists
//! are fixed here instead of coming from the reference data, so that every
//! engine reads exactly the same rules. The rules, in order:
//!
//! | rule | effect | when |
//! |---|---|---|
//! | `cmp.embargoed-destination` | deny | the destination is in [`EMBARGOED`] (ATT Art. 6(1)) |
//! | `cmp.embargoed-transit` | deny | a transit state is in [`EMBARGOED`] (ATT Art. 6(1), Art. 9) |
//! | `cmp.import-licence-missing` | deny | no import licence (FP Art. 10(2)(a)) |
//! | `cmp.civilian-ml1-bulk` | refer | an individual or commercial end user and more than 100 items under ML1 in all (ATT Art. 11(2)) |
//! | `cmp.concern-high-value` | refer | the destination is in [`CONCERN`] and the value exceeds 1,000,000 (ATT Art. 7(1)) |
//! | `cmp.end-user-certificate-missing` | refer | no end-user certificate (ATT Art. 11(2)) |
//!
//! and approve when none fires. "More than 100 items under ML1" counts the
//! quantities of every goods line whose control entry is ML1 or a
//! sub-entry of it (`ML1`, `ML1.a`), not ML10-ML22; the value is the sum of
//! quantity × unit value over lines that state one, in whole units
//! (rounded down), whatever the currency.

use crate::abi::indexed::Findings;
use crate::abi::view::{List, RequestView};
use crate::finding::{Effect, Finding, Instrument, Outcome, Rule};
use crate::model::{Application, Country, PartyRole, PartyType};
use alloc::string::String;
use alloc::vec::Vec;

/// Destinations and transit states under embargo, for this policy only.
/// XC is a fictional state that the generated workload routes transits
/// through, so that the transit rule is exercised.
pub const EMBARGOED: [&str; 15] = [
    "XC", "BY", "CD", "CF", "IQ", "IR", "KP", "LB", "LY", "MM", "RU", "SD", "SO", "SS", "YE",
];

/// Destinations of concern, for this policy only.
pub const CONCERN: [&str; 20] = [
    "AM", "AZ", "BD", "EG", "ET", "HT", "IN", "ML", "NG", "PH", "PK", "SA", "SY", "TD", "TH", "VE",
    "XD", "XF", "XG", "XH",
];

/// Value above which a destination of concern is referred, in whole
/// currency units.
pub const HIGH_VALUE: u64 = 1_000_000;

/// ML1 quantity above which a civilian end user is referred.
pub const BULK_QUANTITY: u64 = 100;

/// The rules with the effect each has when it fires, in table order.
pub const RULES: [(Rule, Effect); 6] = [
    (
        rule(
            "cmp.embargoed-destination",
            Instrument::Att,
            "Art. 6(1)",
            "destination under embargo",
        ),
        Effect::Deny,
    ),
    (
        rule(
            "cmp.embargoed-transit",
            Instrument::Att,
            "Art. 6(1), Art. 9",
            "transit state under embargo",
        ),
        Effect::Deny,
    ),
    (
        rule(
            "cmp.import-licence-missing",
            Instrument::Fp,
            "Art. 10(2)(a)",
            "import licence of the importing state",
        ),
        Effect::Deny,
    ),
    (
        rule(
            "cmp.civilian-ml1-bulk",
            Instrument::Att,
            "Art. 11(2)",
            "individual or commercial end user of over 100 ML1 items",
        ),
        Effect::Refer,
    ),
    (
        rule(
            "cmp.concern-high-value",
            Instrument::Att,
            "Art. 7(1)",
            "destination of concern and value over 1,000,000",
        ),
        Effect::Refer,
    ),
    (
        rule(
            "cmp.end-user-certificate-missing",
            Instrument::Att,
            "Art. 11(2)",
            "end-user certificate present",
        ),
        Effect::Refer,
    ),
];

/// The rules alone, in table order: the plug-in's rule table
/// (`export_policy!(in_place .., rules = ..)`).
pub static RULE_TABLE: [Rule; RULES.len()] = {
    let mut table = [RULES[0].0; RULES.len()];
    let mut i = 1;
    while i < RULES.len() {
        table[i] = RULES[i].0;
        i += 1;
    }
    table
};

const fn rule(
    id: &'static str,
    instrument: Instrument,
    article: &'static str,
    checks: &'static str,
) -> Rule {
    Rule {
        id,
        instrument,
        article,
        checks,
    }
}

/// What the rules look at, read off an application. The peers of the
/// comparison receive these same facts in their own input formats.
/// Reading them allocates nothing, natively or in the sandbox.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    pub destination: Country,
    pub transit: States<'a>,
    pub import_licence: bool,
    pub end_user_certificate: bool,
    /// Types of the parties in the `end_user` role.
    pub end_user_types: PartyTypes,
    pub ml1_quantity: u64,
    pub value: u64,
}

/// A goods line as the rules see it: (control entry, quantity, unit value).
/// The control entry is compared as bytes: the rule only asks whether it
/// starts with `ML1`, which needs no UTF-8 check (that check was 4% of a
/// plug-in call).
type Line<'a> = (Option<&'a [u8]>, u64, Option<f64>);

impl<'a> Facts<'a> {
    /// The facts of a decoded application (natively, or a plug-in built
    /// with `export_policy!`).
    pub fn of(app: &'a Application) -> Facts<'a> {
        let end_users = app.parties.iter().map(|p| (p.role, p.party_type));
        let lines = app.goods.iter().map(|g| {
            (
                g.control_entry.as_ref().map(|e| e.as_bytes()),
                g.quantity,
                g.unit_value,
            )
        });
        Facts::read(
            app.route.destination,
            States::Decoded(&app.route.transit),
            app.documents.import_licence.is_some(),
            app.documents.end_user_certificate.is_some(),
            end_users,
            lines,
        )
    }

    /// The facts of a request read in place (a plug-in built with
    /// `export_policy!(in_place ...)`).
    pub fn in_place(view: &RequestView<'a>) -> Facts<'a> {
        let end_users = view.parties().iter().map(|p| (p.role(), p.party_type()));
        let lines = view.goods().iter().map(|g| {
            (
                g.control_entry().map(|e| e.as_bytes()),
                g.quantity(),
                g.unit_value(),
            )
        });
        Facts::read(
            view.destination(),
            States::InPlace(view.transit()),
            view.import_licence(),
            view.end_user_certificate(),
            end_users,
            lines,
        )
    }

    fn read(
        destination: Country,
        transit: States<'a>,
        import_licence: bool,
        end_user_certificate: bool,
        parties: impl Iterator<Item = (PartyRole, PartyType)>,
        goods: impl Iterator<Item = Line<'a>>,
    ) -> Facts<'a> {
        let end_user_types = parties
            .filter(|(role, _)| *role == PartyRole::EndUser)
            .fold(PartyTypes::default(), |set, (_, t)| set.with(t));
        let (mut ml1_quantity, mut value) = (0u64, 0f64);
        for (entry, quantity, unit_value) in goods {
            if entry.is_some_and(is_ml1_bytes) {
                ml1_quantity = ml1_quantity.saturating_add(quantity);
            }
            value += unit_value.map_or(0.0, |v| v * quantity as f64);
        }
        Facts {
            destination,
            transit,
            import_licence,
            end_user_certificate,
            end_user_types,
            ml1_quantity,
            // `as` rounds toward zero and saturates (NaN is 0): whole units.
            value: value as u64,
        }
    }
}

/// Transit states, from a decoded application or in place.
#[derive(Clone, Debug)]
pub enum States<'a> {
    Decoded(&'a [Country]),
    InPlace(List<'a, Country>),
}

impl States<'_> {
    /// Does any state satisfy `f`? Matched once, not per state as
    /// [`States::iter`]'s chained iterators are.
    pub fn any(&self, f: impl FnMut(Country) -> bool) -> bool {
        match self {
            States::Decoded(states) => states.iter().copied().any(f),
            States::InPlace(list) => list.iter().any(f),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Country> + '_ {
        let (decoded, in_place) = match self {
            States::Decoded(states) => (Some(states.iter().copied()), None),
            States::InPlace(list) => (None, Some(list.iter())),
        };
        decoded
            .into_iter()
            .flatten()
            .chain(in_place.into_iter().flatten())
    }
}

/// A set of party types.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PartyTypes(u8);

impl PartyTypes {
    pub fn with(self, t: PartyType) -> PartyTypes {
        PartyTypes(self.0 | 1 << t as u8)
    }

    pub fn contains(self, t: PartyType) -> bool {
        self.0 & (1 << t as u8) != 0
    }

    pub fn iter(self) -> impl Iterator<Item = PartyType> {
        PartyType::ALL
            .iter()
            .copied()
            .filter(move |&t| self.contains(t))
    }
}

/// True for the control entry ML1 and its sub-entries (`ML1.a`), not for
/// ML10 and above.
pub fn is_ml1(entry: &str) -> bool {
    is_ml1_bytes(entry.as_bytes())
}

fn is_ml1_bytes(entry: &[u8]) -> bool {
    entry
        .strip_prefix(b"ML1")
        .is_some_and(|rest| !rest.first().is_some_and(u8::is_ascii_digit))
}

fn listed(list: &[&str], state: Country) -> bool {
    list.iter().any(|code| code.as_bytes() == state.as_bytes())
}

/// The rules that fired, as a set of indexes into [`RULES`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fired(u8);

impl Fired {
    fn with(self, index: usize, fires: bool) -> Fired {
        Fired(self.0 | (u8::from(fires) << index))
    }

    /// The set named by rule ids; `None` for an id that is not a rule.
    pub fn from_ids<'s>(ids: impl IntoIterator<Item = &'s str>) -> Option<Fired> {
        ids.into_iter().try_fold(Fired::default(), |set, id| {
            let index = RULES.iter().position(|(r, _)| r.id == id)?;
            Some(set.with(index, true))
        })
    }

    /// The rules in the set, in table order.
    pub fn rules(self) -> impl Iterator<Item = &'static (Rule, Effect)> {
        self.indexes().map(|i| &RULES[i])
    }

    /// The indexes into [`RULES`] of the rules in the set, in order.
    pub fn indexes(self) -> impl Iterator<Item = usize> {
        (0..RULES.len()).filter(move |i| self.0 & (1 << i) != 0)
    }

    /// [`Fired::indexes`] one step per rule that fired, lowest bit first,
    /// for the plug-in: in the sandbox each step of a loop carries its fuel
    /// and deadline checks, and testing all six indexes was about 3% of a
    /// call. Natively `indexes` is the faster (its loop of six unrolls), so
    /// the native rules keep it.
    fn set_bits(self) -> impl Iterator<Item = usize> {
        let mut left = self.0;
        core::iter::from_fn(move || {
            let index = left.trailing_zeros() as usize;
            left &= left.wrapping_sub(1);
            (index < RULES.len()).then_some(index)
        })
    }

    /// The decision: the most restrictive effect among the fired rules.
    pub fn outcome(self) -> Outcome {
        Outcome::most_restrictive(self.rules().map(|(_, effect)| effect.outcome()))
    }
}

/// Applies the rules to the facts.
pub fn evaluate(facts: &Facts<'_>) -> Fired {
    let types = facts.end_user_types;
    let civilian = types.contains(PartyType::Individual) || types.contains(PartyType::Commercial);
    Fired::default()
        .with(0, listed(&EMBARGOED, facts.destination))
        .with(1, facts.transit.any(|t| listed(&EMBARGOED, t)))
        .with(2, !facts.import_licence)
        .with(3, civilian && facts.ml1_quantity > BULK_QUANTITY)
        .with(
            4,
            listed(&CONCERN, facts.destination) && facts.value > HIGH_VALUE,
        )
        .with(5, !facts.end_user_certificate)
}

/// The policy on a decoded application: one finding per fired rule.
pub fn run(app: &Application, out: &mut Vec<Finding>) {
    report(evaluate(&Facts::of(app)), out);
}

/// The policy on a request read in place, as the plug-in runs it: the
/// rules that fire cross the boundary as indexes into [`RULE_TABLE`].
pub fn run_in_place(view: &RequestView<'_>, out: &mut Findings<'_>) {
    for i in evaluate(&Facts::in_place(view)).set_bits() {
        // The table's own entry: `fire` finds its index from its address.
        out.fire(&RULE_TABLE[i], RULES[i].1);
    }
}

fn report(fired: Fired, out: &mut Vec<Finding>) {
    for (rule, effect) in fired.rules() {
        out.push(rule.finding(*effect, String::from(rule.checks)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts<'static> {
        Facts {
            destination: Country::new("KE").unwrap(),
            transit: States::Decoded(&[]),
            import_licence: true,
            end_user_certificate: true,
            end_user_types: PartyTypes::default().with(PartyType::Police),
            ml1_quantity: 0,
            value: 0,
        }
    }

    fn ids(f: &Facts<'_>) -> Vec<&'static str> {
        evaluate(f).rules().map(|(r, _)| r.id).collect()
    }

    #[test]
    fn a_clean_application_is_approved_with_no_rule_fired() {
        assert_eq!(evaluate(&facts()), Fired::default());
        assert_eq!(evaluate(&facts()).outcome(), Outcome::Approve);
    }

    #[test]
    fn embargoed_destination_and_transit_deny() {
        let kp = [Country::new("KP").unwrap()];
        let f = Facts {
            destination: Country::new("IR").unwrap(),
            transit: States::Decoded(&kp),
            ..facts()
        };
        assert_eq!(
            ids(&f),
            ["cmp.embargoed-destination", "cmp.embargoed-transit"]
        );
        assert_eq!(evaluate(&f).outcome(), Outcome::Deny);
    }

    #[test]
    fn thresholds_are_strictly_greater_than() {
        let at = Facts {
            destination: Country::new("PK").unwrap(),
            end_user_types: PartyTypes::default().with(PartyType::Commercial),
            ml1_quantity: BULK_QUANTITY,
            value: HIGH_VALUE,
            ..facts()
        };
        assert!(ids(&at).is_empty());
        let over = Facts {
            ml1_quantity: BULK_QUANTITY + 1,
            value: HIGH_VALUE + 1,
            ..at
        };
        assert_eq!(
            ids(&over),
            ["cmp.civilian-ml1-bulk", "cmp.concern-high-value"]
        );
        assert_eq!(evaluate(&over).outcome(), Outcome::Refer);
    }

    #[test]
    fn missing_documents_deny_and_refer() {
        let f = Facts {
            import_licence: false,
            end_user_certificate: false,
            ..facts()
        };
        assert_eq!(
            ids(&f),
            [
                "cmp.import-licence-missing",
                "cmp.end-user-certificate-missing"
            ]
        );
        assert_eq!(evaluate(&f).outcome(), Outcome::Deny);
    }

    #[test]
    fn ml1_means_the_entry_and_its_sub_entries_only() {
        assert!(is_ml1("ML1") && is_ml1("ML1.a") && is_ml1("ML1a"));
        assert!(!is_ml1("ML10") && !is_ml1("ML12.b") && !is_ml1("ML2.a"));
    }

    #[test]
    fn set_bits_are_the_indexes_of_the_rules_that_fired() {
        for set in 0..1u8 << RULES.len() {
            let indexes: Vec<usize> = Fired(set).indexes().collect();
            assert_eq!(
                Fired(set).set_bits().collect::<Vec<_>>(),
                indexes,
                "{set:#08b}"
            );
        }
    }

    #[test]
    fn rule_ids_round_trip_and_unknown_ids_are_refused() {
        let f = Fired::from_ids(["cmp.embargoed-transit", "cmp.concern-high-value"]).unwrap();
        let back: Vec<_> = f.rules().map(|(r, _)| r.id).collect();
        assert_eq!(back, ["cmp.embargoed-transit", "cmp.concern-high-value"]);
        assert_eq!(Fired::from_ids(["cmp.nope"]), None);
    }
}
