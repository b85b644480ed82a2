//! Route: which states take part in a transfer, in which role, and which
//! registry entries serve each. Every (state, role) either runs its
//! policies or is reported as not covered; none is silently skipped.

use attest_rules::model::{Application, Country, Date, PartyRole, Role, TransferKind};
use attest_rules::reference::{ReferenceData, Treaty};
use serde::Serialize;

/// A state in a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Involvement {
    #[serde(serialize_with = "country")]
    pub state: Country,
    #[serde(serialize_with = "role")]
    pub role: Role,
}

fn country<S: serde::Serializer>(c: &Country, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(c.as_str())
}

fn role<S: serde::Serializer>(r: &Role, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(r.as_str())
}

/// Every (state, role) of the transfer, in a stable order: the licensing
/// state in its own role first, then the origin exporting, the destination
/// importing, each transit state transiting, each broker's state brokering.
pub fn involvements(app: &Application) -> Vec<Involvement> {
    let mut all = vec![Involvement {
        state: app.licensing_state,
        role: app.kind.licensing_role(),
    }];
    let mut add = |state, role| {
        let i = Involvement { state, role };
        if !all.contains(&i) {
            all.push(i);
        }
    };
    add(app.route.origin, Role::Export);
    add(app.route.destination, Role::Import);
    for &t in &app.route.transit {
        add(t, Role::Transit);
    }
    for (_, broker) in app.parties_in_role(PartyRole::Broker) {
        add(broker.state, Role::Brokering);
    }
    if app.kind == TransferKind::Brokering {
        add(app.applicant.state, Role::Brokering);
    }
    all
}

/// Named groups of states, resolved from reference data as of the
/// screening date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// EU member states on the date (`data/eu-members.toml`).
    EuMembers,
    /// States listed as ATT parties with the treaty in force on the date.
    AttParties,
    /// States listed as Firearms Protocol parties (the bundled list is
    /// incomplete: absence does not prove a state is not a party).
    FpParties,
}

/// Which states a registry entry serves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StateSelector {
    /// The state whose authority screens the application, in its own role:
    /// the treaty baselines.
    Licensing,
    /// Every state.
    Any,
    State(Country),
    Group(Group),
}

impl StateSelector {
    /// Does this selector include `who` in this application on `date`?
    pub fn includes(
        &self,
        app: &Application,
        who: Involvement,
        date: Date,
        data: &ReferenceData,
    ) -> bool {
        match self {
            StateSelector::Licensing => {
                who.state == app.licensing_state && who.role == app.kind.licensing_role()
            }
            StateSelector::Any => true,
            StateSelector::State(c) => who.state == *c,
            StateSelector::Group(Group::EuMembers) => data.member_of("EU", who.state, date),
            StateSelector::Group(Group::AttParties) => {
                data.listed_party(Treaty::Att, who.state, date)
            }
            StateSelector::Group(Group::FpParties) => {
                data.listed_party(Treaty::FirearmsProtocol, who.state, date)
            }
        }
    }
}

impl std::fmt::Display for StateSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateSelector::Licensing => f.write_str("licensing"),
            StateSelector::Any => f.write_str("*"),
            StateSelector::State(c) => f.write_str(c.as_str()),
            StateSelector::Group(Group::EuMembers) => f.write_str("eu-members"),
            StateSelector::Group(Group::AttParties) => f.write_str("att-parties"),
            StateSelector::Group(Group::FpParties) => f.write_str("fp-parties"),
        }
    }
}

/// Does an entry with these selectors and roles serve `who`?
pub fn serves(
    states: &[StateSelector],
    roles: &[Role],
    app: &Application,
    who: Involvement,
    date: Date,
    data: &ReferenceData,
) -> bool {
    roles.contains(&who.role) && states.iter().any(|s| s.includes(app, who, date, data))
}
