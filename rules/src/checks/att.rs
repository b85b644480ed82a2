//! The Arms Trade Treaty (2013): prohibitions (Art. 6(1) and 6(3)), export
//! assessment (Art. 7) and diversion (Art. 11). Art. 6 applies to the conventional arms
//! of Art. 2(1), to their ammunition (Art. 3) and to parts and components
//! (Art. 4), so every goods item of an application is screened.

use super::end_use::{self, CertificateGap};
use super::Context;
use super::{embargo, risk};
use crate::finding::{Effect, Finding, Instrument, Rule};
use crate::model::{Application, AttCategory, Country, ItemKind, PartyRole, PartyType, Role};
use crate::reference::{Certainty, Concern, Regime, Treaty};
use crate::text;
use alloc::string::String;
use alloc::vec::Vec;

pub const UN_ARMS_EMBARGO: Rule = Rule {
    id: "att.6-1.un-arms-embargo",
    instrument: Instrument::Att,
    article: "6(1)",
    checks: "no transfer in violation of a UN Security Council arms embargo in force",
};
pub const ATROCITY_CRIMES: Rule = Rule {
    id: "att.6-3.atrocity-crimes",
    instrument: Instrument::Att,
    article: "6(3)",
    checks: "no transfer the authority knows would be used in genocide, crimes against humanity or war crimes",
};
pub const EXPORT_ASSESSMENT: Rule = Rule {
    id: "att.7-1.export-assessment",
    instrument: Instrument::Att,
    article: "7(1)",
    checks: "risk assessment where the reference data signals risk for the destination",
};
pub const RISK_PEACE_AND_SECURITY: Rule = Rule {
    id: "att.7-1-a.peace-and-security",
    instrument: Instrument::Att,
    article: "7(1)(a)",
    checks: "risk register: the arms would undermine peace and security",
};
pub const RISK_IHL: Rule = Rule {
    id: "att.7-1-b-i.ihl",
    instrument: Instrument::Att,
    article: "7(1)(b)(i)",
    checks: "risk register: serious violations of international humanitarian law",
};
pub const RISK_HUMAN_RIGHTS: Rule = Rule {
    id: "att.7-1-b-ii.human-rights",
    instrument: Instrument::Att,
    article: "7(1)(b)(ii)",
    checks: "risk register: serious violations of international human rights law",
};
pub const RISK_TERRORISM: Rule = Rule {
    id: "att.7-1-b-iii.terrorism",
    instrument: Instrument::Att,
    article: "7(1)(b)(iii)",
    checks: "risk register: acts constituting offences under terrorism conventions",
};
pub const RISK_ORGANISED_CRIME: Rule = Rule {
    id: "att.7-1-b-iv.organised-crime",
    instrument: Instrument::Att,
    article: "7(1)(b)(iv)",
    checks: "risk register: transnational organised crime",
};
pub const RISK_GBV: Rule = Rule {
    id: "att.7-4.gender-based-violence",
    instrument: Instrument::Att,
    article: "7(4)",
    checks: "risk register: serious acts of gender-based violence",
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
pub const EMBARGOED_TRANSIT: Rule = Rule {
    id: "att.11-2.embargoed-transit",
    instrument: Instrument::Att,
    article: "11(2)",
    checks: "diversion risk: the goods pass through a state under a UN arms embargo",
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
    ATROCITY_CRIMES,
    EXPORT_ASSESSMENT,
    RISK_PEACE_AND_SECURITY,
    RISK_IHL,
    RISK_HUMAN_RIGHTS,
    RISK_TERRORISM,
    RISK_ORGANISED_CRIME,
    RISK_GBV,
    MILITARY_QUANTITY,
    NON_STATE_ARMED_GROUP,
    END_USER_CERTIFICATE,
    RE_EXPORT_CLAUSE,
    EMBARGOED_TRANSIT,
    ULTIMATE_END_USER_ELSEWHERE,
];

/// Runs every ATT check, then marks ATT findings not binding where the
/// evaluated state was not a party on the date (see `treaty_status`).
pub fn run(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let first = out.len();
    un_arms_embargoes(app, ctx, out);
    atrocity_crimes(app, ctx, out);
    export_risk_assessment(app, ctx, out);
    military_quantity(app, out);
    non_state_armed_group(app, out);
    end_user_certificate(app, ctx, out);
    embargoed_transit(app, ctx, out);
    ultimate_end_user_elsewhere(app, out);
    super::treaty_status::mark_non_binding(Treaty::Att, Instrument::Att, ctx, &mut out[first..]);
}

/// ATT Art. 6(1): a state party shall not authorise a transfer that would
/// violate its obligations under Security Council measures under Chapter
/// VII, in particular arms embargoes, as in force on the screening date.
/// For a state not bound by the ATT on that date the same embargo binds it
/// as a UN member: the finding cites the resolution under `UNSC` instead.
/// Government supplies exempt under a partial embargo go to Art. 7(1).
pub fn un_arms_embargoes(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let att_binds = ctx.data.bound_by(Treaty::Att, ctx.state, ctx.as_of) != Certainty::No;
    let involved = embargo::Involved::of(app);
    let un = involved
        .candidates(&ctx.data.embargoes)
        .filter(|e| e.regime == Regime::Un);
    for e in un {
        let Some(hit) = embargo::assess(&involved, ctx.as_of, e) else {
            continue;
        };
        if hit.government_exempt {
            export_assessment(app, ctx, &hit, out);
            continue;
        }
        let mut finding = UN_ARMS_EMBARGO.finding(hit.effect, hit.message);
        if !att_binds {
            finding.instrument = Instrument::Unsc;
            finding.article = String::from(hit.act);
        }
        finding.evidence = hit.evidence;
        out.push(finding);
    }
}

/// ATT Art. 6(3): a state party shall not authorise any transfer of the
/// arms or items of Art. 2(1), 3 or 4 if it has knowledge at the time of
/// authorisation that they would be used in the commission of genocide,
/// crimes against humanity, grave breaches of the Geneva Conventions of
/// 1949, attacks directed against civilian objects or civilians protected
/// as such, or other war crimes.
///
/// The knowledge is the authority's own, so it comes from its risk
/// register: the `atrocity_crimes` concern, as of the screening date, for
/// every state where the goods are to be used (the destination, and the
/// state of each end user and ultimate end user). `high` records that
/// knowledge: deny. `medium` records information short of it: refer, for
/// the officer to decide whether the authority knows (the conservative
/// reading, docs/rules.md). Unlike Art. 7 this binds every authorisation,
/// whatever the role: Art. 2(2) counts export, import, transit,
/// trans-shipment and brokering as transfers.
pub fn atrocity_crimes(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    // The destination (no party index), then the end users' states.
    let places = core::iter::once((app.route.destination, None)).chain(
        app.parties_in_role(PartyRole::EndUser)
            .chain(app.parties_in_role(PartyRole::UltimateEndUser))
            .map(|(i, p)| (p.state, Some(i))),
    );
    // A state is cited once, by the first field that names it.
    let mut cited: Vec<Country> = Vec::new();
    for (state, party) in places {
        let Some(r) = ctx.data.risk(state, Concern::AtrocityCrimes, ctx.as_of) else {
            continue;
        };
        if cited.contains(&state) {
            continue;
        }
        cited.push(state);
        let path = match party {
            None => String::from("route.destination"),
            Some(i) => text!("parties[", i, "].state"),
        };
        out.extend(risk::assessment_finding(&ATROCITY_CRIMES, r, true, path));
    }
}

/// ATT Art. 7(1): where a partial UN embargo exempts the government
/// recipients of this transfer, the export is not prohibited by Art. 6 but
/// the embargo is risk information the exporting state must assess
/// (exemption conditions, notification, diversion to embargoed users).
fn export_assessment(
    app: &Application,
    ctx: &Context<'_>,
    hit: &embargo::Hit<'_>,
    out: &mut Vec<Finding>,
) {
    if !matches!(ctx.role, Role::Export | Role::Brokering) {
        return;
    }
    out.push(
        EXPORT_ASSESSMENT
            .finding(
                Effect::Refer,
                text!(
                    "Destination ",
                    app.route.destination,
                    " is under a partial UN arms embargo (",
                    hit.act,
                    ", ",
                    hit.embargo.id,
                    "); the government recipients here are exempt but the exemption \
                     conditions and the risk of diversion must be assessed"
                ),
            )
            .at("route.destination")
            .at("parties"),
    );
}

/// The ATT Art. 7 provisions the risk register informs.
const RISK_RULES: &[(Concern, Rule)] = &[
    (Concern::PeaceAndSecurity, RISK_PEACE_AND_SECURITY),
    (Concern::Ihl, RISK_IHL),
    (Concern::HumanRights, RISK_HUMAN_RIGHTS),
    (Concern::Terrorism, RISK_TERRORISM),
    (Concern::OrganisedCrime, RISK_ORGANISED_CRIME),
    (Concern::GenderBasedViolence, RISK_GBV),
];

/// ATT Art. 7(1), 7(3) and 7(4): the exporting state assesses, from the
/// information available (here: the risk register as of the screening
/// date), whether the arms could undermine peace and security or be used
/// for serious violations of IHL or human rights law, terrorism,
/// transnational organised crime or gender-based violence. A risk the
/// register rates `high` is an overriding risk: Art. 7(3) forbids the
/// export (deny); `medium` is referred; `low` says nothing.
pub fn export_risk_assessment(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    if !matches!(ctx.role, Role::Export | Role::Brokering) {
        return;
    }
    let dest = app.route.destination;
    if !ctx.data.assesses(dest) {
        return;
    }
    for (concern, rule) in RISK_RULES {
        let finding = ctx
            .data
            .risk(dest, *concern, ctx.as_of)
            .and_then(|r| risk::assessment_finding(rule, r, true, "route.destination"));
        out.extend(finding);
    }
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
            g.att_category.map(|c| text!(c))
        } else if g.item == ItemKind::Firearm && g.quantity > max_arms {
            Some(text!(g.quantity, " firearms (more than ", max_arms, ")"))
        } else if g.item == ItemKind::Ammunition && g.quantity > max_rounds {
            Some(text!(g.quantity, " rounds (more than ", max_rounds, ")"))
        } else {
            None
        };
        if let Some(reason) = reason {
            out.push(
                MILITARY_QUANTITY
                    .finding(
                        Effect::Refer,
                        text!(
                            party.party_type,
                            " end user \"",
                            party.name,
                            "\" receives ",
                            reason
                        ),
                    )
                    .at(text!("parties[", pi, "].type"))
                    .at(text!("goods[", i, "].quantity")),
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
                        text!(p.role, " \"", p.name, "\" is a non-state armed group"),
                    )
                    .at(text!("parties[", i, "].type")),
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
    for (gap, message) in end_use::certificate_gaps(app) {
        let rule = match gap {
            CertificateGap::NoReexportClause => RE_EXPORT_CLAUSE,
            CertificateGap::Missing | CertificateGap::NotAuthenticated => END_USER_CERTIFICATE,
        };
        out.push(rule.finding(Effect::Refer, message).at(gap.path()));
    }
}

/// ATT Art. 11(2): goods routed through a state under a UN arms embargo
/// on supplies to it enter the territory of a state the Security Council
/// keeps such goods from. Art. 6(1) does not prohibit the transit itself
/// (nothing is supplied to that state), but the state authorising the
/// goods to leave or pass assesses the risk of their diversion there:
/// `refer`, once per transit state (`embargo::embargoed_transits`).
pub fn embargoed_transit(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    if !ctx.authorises_outbound() {
        return;
    }
    let un = embargo::embargoed_transits(app, &ctx.data.embargoes, ctx.as_of, &[Regime::Un]);
    for (i, state, e) in un {
        out.push(
            EMBARGOED_TRANSIT
                .finding(Effect::Refer, embargo::transit_message(state, e, ctx.as_of))
                .at(text!("route.transit[", i, "]")),
        );
    }
}

/// ATT Art. 11(2): an ultimate end user established outside the declared
/// destination means the goods are meant to move on: `refer`.
pub fn ultimate_end_user_elsewhere(app: &Application, out: &mut Vec<Finding>) {
    for (i, _, message) in end_use::onward_end_users(app) {
        out.push(
            ULTIMATE_END_USER_ELSEWHERE
                .finding(Effect::Refer, message)
                .at(text!("parties[", i, "].state")),
        );
    }
}
