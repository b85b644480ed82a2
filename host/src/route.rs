//! Route: which states take part in a transfer, in which role, and which
//! plug-ins run for each. Every (state, role) either runs its policies or is
//! reported as not covered; none is silently skipped.

use attest_rules::model::{Application, Country, Role};
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

/// Every (state, role) of the transfer, in a stable order: the origin
/// exports, the destination imports, each transit state transits, each
/// broker's state brokers. The licensing state's own role comes first.
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
    for (_, broker) in app.parties_in_role(attest_rules::model::PartyRole::Broker) {
        add(broker.state, Role::Brokering);
    }
    if app.kind == attest_rules::model::TransferKind::Brokering {
        add(app.applicant.state, Role::Brokering);
    }
    all
}

/// Which states a registry entry serves.
#[derive(Clone, Debug, PartialEq)]
pub enum States {
    /// The state whose authority screens the application, in its own role:
    /// the treaty baselines.
    Licensing,
    /// Named states.
    Listed(Vec<Country>),
}

/// One registry entry: a plug-in, and the states and roles it serves.
#[derive(Clone, Debug, PartialEq)]
pub struct Registration {
    pub policy: String,
    pub states: States,
    pub roles: Vec<Role>,
}

impl Registration {
    /// Does this entry apply to `who` in this application?
    pub fn serves(&self, app: &Application, who: Involvement) -> bool {
        let state_ok = match &self.states {
            States::Licensing => {
                who.state == app.licensing_state && who.role == app.kind.licensing_role()
            }
            States::Listed(list) => list.contains(&who.state),
        };
        state_ok && self.roles.contains(&who.role)
    }
}
