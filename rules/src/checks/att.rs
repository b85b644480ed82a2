//! The Arms Trade Treaty (2013): prohibitions (Art. 6), export assessment
//! (Art. 7) and diversion (Art. 11). Art. 6 applies to the conventional arms
//! of Art. 2(1), to their ammunition (Art. 3) and to parts and components
//! (Art. 4), so every goods item of an application is screened.

use super::Context;
use crate::finding::{Effect, Finding, Instrument, Rule};
use crate::model::{Application, AttCategory, Goods, ItemKind, PartyRole, PartyType, Role};
use crate::reference::{Certainty, Direction, Embargo, EmbargoScope, Regime};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

pub const UN_ARMS_EMBARGO: Rule = Rule {
    id: "att.6-1.un-arms-embargo",
    instrument: Instrument::Att,
    article: "6(1)",
    checks: "no transfer in violation of a UN Security Council arms embargo in force",
};
pub const EXPORT_ASSESSMENT: Rule = Rule {
    id: "att.7-1.export-assessment",
    instrument: Instrument::Att,
    article: "7(1)",
    checks: "risk assessment where the reference data signals risk for the destination",
};
pub const MILITARY_QUANTITY: Rule = Rule {
    id: "att.11-2.military-quantity",
    instrument: Instrument::Att,
    article: "11(2)",
    checks: "diversion risk: private end user receiving military quantities or arms",
};
pub const NON_STATE_ARMED_GROUP: Rule = Rule {
    id: "att.11-2.non-state-armed-group",
    instrument: Instrument::Att,
    article: "11(2)",
    checks: "diversion risk: a non-state armed group receives the goods",
};
pub const END_USER_CERTIFICATE: Rule = Rule {
    id: "att.11-2.end-user-certificate",
    instrument: Instrument::Att,
    article: "11(2)",
    checks: "an authenticated end-user certificate is present",
};
pub const RE_EXPORT_CLAUSE: Rule = Rule {
    id: "att.11-2.re-export-clause",
    instrument: Instrument::Att,
    article: "11(2)",
    checks: "the end-user certificate forbids re-export",
};
pub const ULTIMATE_END_USER_ELSEWHERE: Rule = Rule {
    id: "att.11-2.ultimate-end-user-elsewhere",
    instrument: Instrument::Att,
    article: "11(2)",
    checks: "the ultimate end user is in the declared destination",
};

/// Every rule of the ATT checks, for manifests and coverage.
pub const RULES: &[Rule] = &[
    UN_ARMS_EMBARGO,
    EXPORT_ASSESSMENT,
    MILITARY_QUANTITY,
    NON_STATE_ARMED_GROUP,
    END_USER_CERTIFICATE,
    RE_EXPORT_CLAUSE,
    ULTIMATE_END_USER_ELSEWHERE,
];

/// Runs every ATT check.
pub fn run(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    un_arms_embargoes(app, ctx, out);
    military_quantity(app, out);
    non_state_armed_group(app, out);
    end_user_certificate(app, ctx, out);
    ultimate_end_user_elsewhere(app, out);
}

/// How one goods item relates to an embargo.
fn goods_label(g: &Goods) -> &'static str {
    match g.item {
        ItemKind::Ammunition => "ammunition (ATT Art. 3)",
        ItemKind::Part | ItemKind::Component => "parts and components (ATT Art. 4)",
        _ => "arms (ATT Art. 2(1))",
    }
}

/// Where the embargo's target is involved: the destination or a recipient
/// party established in a target state (supply *to*), or the origin
/// (procurement *from*).
fn involvement(app: &Application, e: &Embargo) -> Option<String> {
    match e.direction {
        Direction::To if e.targets_state(app.route.destination) => {
            Some(String::from("route.destination"))
        }
        Direction::To => app
            .recipients()
            .find(|(_, p)| e.targets_state(p.state))
            .map(|(i, _)| format!("parties[{i}].state")),
        Direction::From if e.targets_state(app.route.origin) => Some(String::from("route.origin")),
        Direction::From => None,
    }
}

fn describe_scope(scope: EmbargoScope) -> &'static str {
    match scope {
        EmbargoScope::All => "all end users",
        EmbargoScope::NonGovernment => "non-governmental end users",
        EmbargoScope::ApprovalRequired => "supplies need prior Security Council approval",
        EmbargoScope::Designated => "designated persons and entities",
        EmbargoScope::Political | EmbargoScope::Suspended => "not binding",
    }
}

/// ATT Art. 6(1): a state shall not authorise a transfer that would violate
/// its obligations under measures adopted by the UN Security Council under
/// Chapter VII, in particular arms embargoes, as in force on the screening
/// date. Scope decides: `all` denies; `non_government` denies non-state
/// recipients and sends government supplies to the Art. 7 assessment;
/// `approval_required` and `designated` refer; a measure limited to a
/// region, or whose dates or coverage the data leaves uncertain, refers.
pub fn un_arms_embargoes(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for e in ctx.data.embargoes_of(Regime::Un) {
        let Some(where_) = involvement(app, e) else {
            continue;
        };
        let in_force = e.in_force(ctx.as_of);
        if in_force == Certainty::No {
            continue;
        }
        let scope = e.scope_on(ctx.as_of);
        if matches!(scope, EmbargoScope::Suspended | EmbargoScope::Political) {
            continue;
        }
        let covered: Vec<(usize, &Goods, Certainty)> = app
            .goods
            .iter()
            .enumerate()
            .map(|(i, g)| (i, g, e.covers(g.att_category, ctx.as_of)))
            .filter(|(_, _, c)| *c != Certainty::No)
            .collect();
        if covered.is_empty() {
            continue;
        }
        let act = e.cited_act(ctx.as_of);
        let target = match e.direction {
            Direction::To => format!("Destination {}", app.route.destination),
            Direction::From => format!("Origin {}", app.route.origin),
        };
        let what: Vec<&str> = dedup(covered.iter().map(|(_, g, _)| goods_label(g)));
        let mut message = format!(
            "{target} is under the UN arms embargo of {act}, scope: {}; covers {}",
            describe_scope(scope),
            what.join(", ")
        );
        let non_state = app
            .recipients()
            .find(|(_, p)| !p.party_type.is_state_entity());
        let mut effect = match scope {
            EmbargoScope::All => Effect::Deny,
            EmbargoScope::NonGovernment if non_state.is_some() => Effect::Deny,
            EmbargoScope::NonGovernment => {
                export_assessment(app, ctx, e, act, out);
                continue;
            }
            _ => Effect::Refer,
        };
        if in_force == Certainty::Uncertain {
            effect = Effect::Refer;
            message.push_str(&format!(
                "; the sources do not settle whether it was in force on {}",
                ctx.as_of
            ));
        }
        if covered.iter().any(|(_, _, c)| *c == Certainty::Uncertain) && effect == Effect::Deny {
            message.push_str("; goods without an ATT category are treated as covered");
        }
        if let Some(region) = &e.region {
            effect = effect.min(Effect::Refer);
            message.push_str(&format!(
                "; the measure covers only {region}: confirm where the goods go"
            ));
        }
        if !e.verified {
            message.push_str(&format!("; reference entry {} is not fully verified", e.id));
        }
        let mut finding = UN_ARMS_EMBARGO.finding(effect, message).at(where_);
        if let (Some((i, _)), true) = (non_state, scope == EmbargoScope::NonGovernment) {
            finding = finding.at(format!("parties[{i}].type"));
        }
        for (i, _, _) in &covered {
            finding = finding.at(format!("goods[{i}]"));
        }
        out.push(finding);
    }
}

fn dedup<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// ATT Art. 7(1): where a partial UN embargo exempts the government
/// recipients of this transfer, the export is not prohibited by Art. 6 but
/// the embargo is risk information the exporting state must assess
/// (exemption conditions, notification, diversion to embargoed users).
fn export_assessment(
    app: &Application,
    ctx: &Context<'_>,
    e: &Embargo,
    act: &str,
    out: &mut Vec<Finding>,
) {
    if !matches!(ctx.role, Role::Export | Role::Brokering) {
        return;
    }
    out.push(
        EXPORT_ASSESSMENT
            .finding(
                Effect::Refer,
                format!(
                    "Destination {} is under a partial UN arms embargo ({act}, {}); the government \
                     recipients here are exempt but the exemption conditions and the risk of \
                     diversion must be assessed",
                    app.route.destination, e.id
                ),
            )
            .at("route.destination")
            .at("parties"),
    );
}

/// Policy thresholds for "military quantities" to private end users. They
/// are not treaty numbers: ATT Art. 11(2) asks for a diversion assessment and
/// these say when one is plainly needed.
const INDIVIDUAL_MAX_FIREARMS: u64 = 10;
const INDIVIDUAL_MAX_ROUNDS: u64 = 10_000;
const COMMERCIAL_MAX_FIREARMS: u64 = 1_000;
const COMMERCIAL_MAX_ROUNDS: u64 = 5_000_000;

fn is_major_or_light_weapon(category: Option<AttCategory>) -> bool {
    category.is_some_and(|c| c != AttCategory::SmallArms)
}

/// ATT Art. 11(2): diversion risk when an individual or commercial end user
/// receives light weapons or major conventional arms, or firearms or
/// ammunition beyond the thresholds above: `refer`.
pub fn military_quantity(app: &Application, out: &mut Vec<Finding>) {
    let private_end_user = app
        .parties_in_role(PartyRole::EndUser)
        .chain(app.parties_in_role(PartyRole::UltimateEndUser))
        .find(|(_, p)| matches!(p.party_type, PartyType::Individual | PartyType::Commercial));
    let Some((pi, party)) = private_end_user else {
        return;
    };
    let (max_arms, max_rounds) = match party.party_type {
        PartyType::Individual => (INDIVIDUAL_MAX_FIREARMS, INDIVIDUAL_MAX_ROUNDS),
        _ => (COMMERCIAL_MAX_FIREARMS, COMMERCIAL_MAX_ROUNDS),
    };
    for (i, g) in app.goods.iter().enumerate() {
        let reason = if is_major_or_light_weapon(g.att_category) {
            g.att_category.map(|c| format!("{c}"))
        } else if g.item == ItemKind::Firearm && g.quantity > max_arms {
            Some(format!("{} firearms (more than {max_arms})", g.quantity))
        } else if g.item == ItemKind::Ammunition && g.quantity > max_rounds {
            Some(format!("{} rounds (more than {max_rounds})", g.quantity))
        } else {
            None
        };
        if let Some(reason) = reason {
            out.push(
                MILITARY_QUANTITY
                    .finding(
                        Effect::Refer,
                        format!(
                            "{} end user \"{}\" receives {reason}",
                            party.party_type, party.name
                        ),
                    )
                    .at(format!("parties[{pi}].type"))
                    .at(format!("goods[{i}].quantity")),
            );
        }
    }
}

/// ATT Art. 11(2): a non-state armed group as recipient is the clearest
/// diversion risk the format can express. The treaty does not itself
/// prohibit it, so this refers; Art. 6(1) denies where an embargo applies.
pub fn non_state_armed_group(app: &Application, out: &mut Vec<Finding>) {
    for (i, p) in app.recipients() {
        if p.party_type == PartyType::NonStateArmedGroup {
            out.push(
                NON_STATE_ARMED_GROUP
                    .finding(
                        Effect::Refer,
                        format!("{} \"{}\" is a non-state armed group", p.role, p.name),
                    )
                    .at(format!("parties[{i}].type")),
            );
        }
    }
}

/// ATT Art. 11(2): the exporting state assesses diversion risk, e.g. by
/// examining end-use documentation. A missing or unauthenticated end-user
/// certificate, or one without a no-re-export clause, is referred.
pub fn end_user_certificate(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    if !ctx.authorises_outbound() {
        return;
    }
    let Some(euc) = &app.documents.end_user_certificate else {
        out.push(
            END_USER_CERTIFICATE
                .finding(Effect::Refer, String::from("No end-user certificate"))
                .at("documents.end_user_certificate"),
        );
        return;
    };
    if !euc.authenticated {
        out.push(
            END_USER_CERTIFICATE
                .finding(
                    Effect::Refer,
                    format!(
                        "End-user certificate {} has not been authenticated",
                        euc.number
                    ),
                )
                .at("documents.end_user_certificate.authenticated"),
        );
    }
    if !euc.no_reexport_clause {
        out.push(
            RE_EXPORT_CLAUSE
                .finding(
                    Effect::Refer,
                    format!(
                        "End-user certificate {} has no clause forbidding re-export",
                        euc.number
                    ),
                )
                .at("documents.end_user_certificate.no_reexport_clause"),
        );
    }
}

/// ATT Art. 11(2): an ultimate end user established outside the declared
/// destination means the goods are meant to move on: `refer`.
pub fn ultimate_end_user_elsewhere(app: &Application, out: &mut Vec<Finding>) {
    for (i, p) in app.parties_in_role(PartyRole::UltimateEndUser) {
        if p.state != app.route.destination {
            out.push(
                ULTIMATE_END_USER_ELSEWHERE
                    .finding(
                        Effect::Refer,
                        format!(
                            "Ultimate end user \"{}\" is in {}, not in the destination {}",
                            p.name, p.state, app.route.destination
                        ),
                    )
                    .at(format!("parties[{i}].state")),
            );
        }
    }
}
