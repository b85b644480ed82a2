//! Matching an application against one arms embargo, whoever imposed it.
//! The treaty checks turn a [`Hit`] into a finding under their own
//! instrument: ATT Art. 6(1) or UNSC for UN embargoes, EU Common Position
//! criterion 1 for EU and UN ones, a national article for national lists.

use crate::finding::Effect;
use crate::model::{Application, Country, Date, Goods, ItemKind};
use crate::reference::{Certainty, Direction, Embargo, EmbargoScope, Embargoes, Regime};
use crate::text;
use crate::text::Joined;
use alloc::string::String;
use alloc::vec::Vec;

/// An embargo that bears on the application.
pub struct Hit<'e> {
    pub embargo: &'e Embargo,
    /// `Deny`, or `Refer` where scope, dates, region or coverage leave the
    /// question to an officer.
    pub effect: Effect,
    /// The act to cite (establishing resolution, or the last amendment in
    /// force).
    pub act: &'e str,
    pub message: String,
    pub evidence: Vec<String>,
    /// A `non_government` embargo whose recipients here are all state
    /// entities: not prohibited, but risk information to assess.
    pub government_exempt: bool,
}

fn goods_label(g: &Goods) -> &'static str {
    match g.item {
        ItemKind::Ammunition => "ammunition (ATT Art. 3)",
        ItemKind::Part | ItemKind::Component => "parts and components (ATT Art. 4)",
        _ => "arms (ATT Art. 2(1))",
    }
}

fn describe_scope(scope: EmbargoScope) -> &'static str {
    match scope {
        EmbargoScope::All => "all end users",
        EmbargoScope::NonGovernment => "non-governmental end users",
        EmbargoScope::ApprovalRequired => "supplies need prior Security Council approval",
        EmbargoScope::Designated => "designated persons and entities",
        EmbargoScope::Political => "a political commitment, not legally binding",
        EmbargoScope::Suspended => "suspended",
    }
}

fn regime_label(e: &Embargo) -> String {
    match (e.regime, e.imposed_by) {
        (Regime::Un, _) => "UN arms embargo".into(),
        (Regime::Eu, _) => "EU arms embargo".into(),
        (Regime::National, Some(by)) => text!("national arms embargo of ", by),
        (Regime::National, None) => "national arms embargo".into(),
    }
}

/// The states an application involves, gathered once per application:
/// the destination and every recipient party's state (where goods go), and
/// the origin (where they come from). Matching each embargo against this
/// set takes a few instructions; walking the parties again for each of the
/// 64 bundled UN and EU embargoes was a quarter of the ATT plug-in's work
/// (docs/performance.md).
pub struct Involved<'a> {
    app: &'a Application,
    receiving: StateSet,
}

impl<'a> Involved<'a> {
    pub fn of(app: &'a Application) -> Involved<'a> {
        let mut receiving = StateSet::default();
        receiving.insert(app.route.destination);
        for (_, p) in app.recipients() {
            receiving.insert(p.state);
        }
        Involved { app, receiving }
    }

    /// The embargoes among `embargoes` that target one of the states this
    /// application involves, in their order: the only ones [`assess`] can
    /// find it under, found through the list's index of target states
    /// instead of by checking every embargo.
    pub fn candidates<'e>(&self, embargoes: &'e Embargoes) -> impl Iterator<Item = &'e Embargo> {
        let recipients = self.app.recipients().map(|(_, p)| p.state);
        let route = [self.app.route.destination, self.app.route.origin];
        let states: Vec<Country> = route.into_iter().chain(recipients).collect();
        embargoes.targeting(&states)
    }

    /// Does `e` target a state this application involves in the
    /// embargo's direction? Exactly when [`involvement`] names one.
    #[inline]
    pub fn targeted(&self, e: &Embargo) -> bool {
        match e.direction {
            Direction::To => e.targets.iter().any(|&t| self.receiving.contains(t)),
            Direction::From => e.targets_state(self.app.route.origin),
        }
    }
}

/// A set of states, one bit for each pair of letters: the low five bits
/// of each of a code's two capitals (`A` is 1, `Z` 26) make a 10-bit
/// index, with no multiply or division on the way.
#[derive(Default)]
struct StateSet([u64; 16]);

impl StateSet {
    /// The word and bit of `state`. [`Country`] holds two capitals, each
    /// its own index; any other code would at worst share a bit and make
    /// [`Involved::targeted`] say yes for [`involvement`] to settle.
    fn bit(state: Country) -> (usize, u64) {
        let [a, b] = state.as_bytes();
        let i = usize::from(a & 31) << 5 | usize::from(b & 31);
        (i >> 6, 1 << (i & 63))
    }

    fn insert(&mut self, state: Country) {
        let (word, bit) = Self::bit(state);
        self.0[word] |= bit;
    }

    fn contains(&self, state: Country) -> bool {
        let (word, bit) = Self::bit(state);
        self.0[word] & bit != 0
    }
}

/// Where the embargo's target is involved, as the path of the field that
/// shows it: the destination or a recipient party's state (supply *to*),
/// or the origin (procurement *from*).
pub fn involvement(app: &Application, e: &Embargo) -> Option<String> {
    match e.direction {
        Direction::To if e.targets_state(app.route.destination) => Some("route.destination".into()),
        Direction::To => app
            .recipients()
            .find(|(_, p)| e.targets_state(p.state))
            .map(|(i, _)| text!("parties[", i, "].state")),
        Direction::From if e.targets_state(app.route.origin) => Some("route.origin".into()),
        Direction::From => None,
    }
}

/// Assesses one embargo as of `as_of` for the application `involved`
/// describes (gathered once for all the embargoes checked). Scope decides: `all` denies;
/// `non_government` denies non-state recipients and marks government-only
/// supplies as exempt; `approval_required`, `designated` and `political`
/// refer; a measure limited to a region, or whose dates or coverage the
/// data leaves uncertain, refers.
///
/// Inlined, so that passing over an embargo that targets none of the
/// involved states costs no call.
#[inline]
pub fn assess<'e>(involved: &Involved<'_>, as_of: Date, e: &'e Embargo) -> Option<Hit<'e>> {
    if involved.targeted(e) {
        assess_targeted(involved.app, as_of, e)
    } else {
        None
    }
}

fn assess_targeted<'e>(app: &Application, as_of: Date, e: &'e Embargo) -> Option<Hit<'e>> {
    let where_ = involvement(app, e)?;
    let in_force = e.in_force(as_of);
    if in_force == Certainty::No {
        return None;
    }
    let scope = e.scope_on(as_of);
    if scope == EmbargoScope::Suspended {
        return None;
    }
    let covered: Vec<(usize, &Goods, Certainty)> = app
        .goods
        .iter()
        .enumerate()
        .map(|(i, g)| (i, g, e.covers(g.att_category, as_of)))
        .filter(|(_, _, c)| *c != Certainty::No)
        .collect();
    if covered.is_empty() {
        return None;
    }
    let act = e.cited_act(as_of);
    let target = match e.direction {
        Direction::To => ("Destination ", app.route.destination),
        Direction::From => ("Origin ", app.route.origin),
    };
    let mut what: Vec<&str> = Vec::new();
    for (_, g, _) in &covered {
        if !what.contains(&goods_label(g)) {
            what.push(goods_label(g));
        }
    }
    let mut message = text!(
        target.0,
        target.1,
        " is under the ",
        regime_label(e),
        " of ",
        act,
        ", scope: ",
        describe_scope(scope),
        "; covers ",
        Joined(&what, ", ")
    );
    let non_state = app
        .recipients()
        .find(|(_, p)| !p.party_type.is_state_entity());
    let mut evidence = alloc::vec![where_];
    let mut effect = match scope {
        EmbargoScope::All => Effect::Deny,
        EmbargoScope::NonGovernment => match non_state {
            Some((i, _)) => {
                evidence.push(text!("parties[", i, "].type"));
                Effect::Deny
            }
            None => {
                return Some(Hit {
                    embargo: e,
                    effect: Effect::Refer,
                    act,
                    message,
                    evidence,
                    government_exempt: true,
                })
            }
        },
        _ => Effect::Refer,
    };
    if in_force == Certainty::Uncertain {
        effect = Effect::Refer;
        text!(to message; "; the sources do not settle whether it was in force on ", as_of);
    }
    if effect == Effect::Deny && covered.iter().any(|(_, _, c)| *c == Certainty::Uncertain) {
        message.push_str("; goods without an ATT category are treated as covered");
    }
    if let Some(region) = &e.region {
        effect = effect.min(Effect::Refer);
        text!(to message; "; the measure covers only ", region, ": confirm where the goods go");
    }
    if !e.verified {
        text!(to message; "; reference entry ", e.id, " is not fully verified");
    }
    evidence.extend(covered.iter().map(|(i, _, _)| text!("goods[", i, "]")));
    Some(Hit {
        embargo: e,
        effect,
        act,
        message,
        evidence,
        government_exempt: false,
    })
}

/// The transit states under an arms embargo of one of `regimes` on
/// supplies to them, with their place in the route and the first such
/// embargo: in force (or possibly in force) on `as_of`, binding (not a
/// political commitment, not suspended), and covering some of the goods.
/// Goods passing through enter the territory the embargo keeps them
/// from. No embargo prohibits the transit as such, since nothing is
/// supplied to that state: the treaty checks refer it as a diversion risk.
pub fn embargoed_transits<'a>(
    app: &'a Application,
    embargoes: &'a Embargoes,
    as_of: Date,
    regimes: &'a [Regime],
) -> impl Iterator<Item = (usize, Country, &'a Embargo)> + 'a {
    app.route
        .transit
        .iter()
        .enumerate()
        .filter_map(move |(i, &state)| {
            let bearing = embargoes.targeting_state(state).find(|e| {
                regimes.contains(&e.regime)
                    && e.direction == Direction::To
                    && e.in_force(as_of) != Certainty::No
                    && !matches!(
                        e.scope_on(as_of),
                        EmbargoScope::Suspended | EmbargoScope::Political
                    )
                    && app
                        .goods
                        .iter()
                        .any(|g| e.covers(g.att_category, as_of) != Certainty::No)
            });
            bearing.map(|e| (i, state, e))
        })
}

/// What a finding on an embargoed transit state says.
pub fn transit_message(state: Country, e: &Embargo, as_of: Date) -> String {
    text!(
        "Transit state ",
        state,
        " is under the ",
        regime_label(e),
        " of ",
        e.cited_act(as_of),
        " (",
        e.id,
        "): the goods enter its territory; assess the risk of their diversion there"
    )
}
