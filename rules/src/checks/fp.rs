//! The UN Firearms Protocol (Protocol against the Illicit Manufacturing of
//! and Trafficking in Firearms, Their Parts and Components and Ammunition,
//! 2001). It covers firearms, their parts and components, and ammunition
//! (Art. 3(a)-(c)); applications with none of these get no FP findings.

use super::end_use::CertificateGap;
use super::Context;
use crate::finding::{Effect, Finding, Instrument, Rule};
use crate::model::{
    ApplicantKind, Application, ItemKind, Marking, PartyRole, PartyType, Permanence, Role,
    TransferKind,
};
use crate::text;
use crate::text::Joined;
use alloc::vec::Vec;

pub const IMPORT_LICENCE: Rule = Rule {
    id: "fp.10-2-a.import-licence",
    instrument: Instrument::Fp,
    article: "10(2)(a)",
    checks: "the importing state has issued an import licence, verified before export",
};
pub const TRANSIT_CONSENT: Rule = Rule {
    id: "fp.10-2-b.transit-consent",
    instrument: Instrument::Fp,
    article: "10(2)(b)",
    checks: "every transit state gave written notice of no objection",
};
pub const LICENCE_CONTENT: Rule = Rule {
    id: "fp.10-3.licence-content",
    instrument: Instrument::Fp,
    article: "10(3)",
    checks: "licence and documents carry expiry, final recipient, description of the goods",
};
pub const DOCUMENT_AUTHENTICITY: Rule = Rule {
    id: "fp.10-5.document-authenticity",
    instrument: Instrument::Fp,
    article: "10(5)",
    checks: "the authenticity of the end-user certificate has been verified",
};
pub const DELIVERY_VERIFICATION: Rule = Rule {
    id: "fp.10-4.delivery-verification",
    instrument: Instrument::Fp,
    article: "10(4)",
    checks: "confirmation of receipt is requested from the importing state",
};
pub const TEMPORARY_PURPOSE: Rule = Rule {
    id: "fp.10-6.temporary-purpose",
    instrument: Instrument::Fp,
    article: "10(6)",
    checks: "temporary transfers for a verifiable lawful purpose, conditioned on return",
};
pub const MARKING: Rule = Rule {
    id: "fp.8-1-a.marking",
    instrument: Instrument::Fp,
    article: "8(1)(a)",
    checks: "every firearm bears a unique marking; unmarked is illicit under Art. 3(e)(ii)",
};
pub const IMPORT_MARKING: Rule = Rule {
    id: "fp.8-1-b.import-marking",
    instrument: Instrument::Fp,
    article: "8(1)(b)",
    checks: "imported firearms receive an import marking",
};
pub const GOVERNMENT_STOCKS_MARKING: Rule = Rule {
    id: "fp.8-1-c.government-stocks-marking",
    instrument: Instrument::Fp,
    article: "8(1)(c)",
    checks: "firearms leaving government stocks for civilian use are marked with the transferring country",
};
pub const DEACTIVATION: Rule = Rule {
    id: "fp.9.deactivation",
    instrument: Instrument::Fp,
    article: "9",
    checks: "deactivated firearms are verified irreversibly deactivated",
};
pub const BROKER_REGISTRATION: Rule = Rule {
    id: "fp.15-1-a.broker-registration",
    instrument: Instrument::Fp,
    article: "15(1)(a)",
    checks: "brokers involved in the transaction are registered",
};

/// Every rule of the Firearms Protocol checks, for manifests and coverage.
pub const RULES: &[Rule] = &[
    IMPORT_LICENCE,
    TRANSIT_CONSENT,
    LICENCE_CONTENT,
    DELIVERY_VERIFICATION,
    DOCUMENT_AUTHENTICITY,
    TEMPORARY_PURPOSE,
    MARKING,
    IMPORT_MARKING,
    GOVERNMENT_STOCKS_MARKING,
    DEACTIVATION,
    BROKER_REGISTRATION,
];

/// Runs every FP check that applies to the application, then marks them
/// not binding where the transfer is outside the Protocol (Art. 4(2)) or
/// the evaluated state was not a party on the date.
pub fn run(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    if !app.goods.iter().any(|g| g.item.is_firearms_protocol_item()) {
        return;
    }
    let first = out.len();
    import_licence(app, ctx, out);
    transit_consent(app, ctx, out);
    licence_content(app, out);
    document_authenticity(app, ctx, out);
    delivery_verification(app, ctx, out);
    temporary_purpose(app, out);
    marking(app, out);
    import_marking(app, ctx, out);
    government_stocks_marking(app, ctx, out);
    deactivation(app, out);
    broker_registration(app, out);
    let found = &mut out[first..];
    if is_state_to_state(app) {
        super::treaty_status::mark_outside_scope(Instrument::Fp, STATE_TO_STATE, found);
    }
    let treaty = crate::reference::Treaty::FirearmsProtocol;
    super::treaty_status::mark_non_binding(treaty, Instrument::Fp, ctx, found);
}

const STATE_TO_STATE: &str =
    "a state-to-state transaction, outside the Firearms Protocol under its Art. 4(2)";

/// FP Art. 4(2): the Protocol "shall not apply to state-to-state
/// transactions". The format shows a transaction between states where a
/// government exports and every recipient (consignee, intermediate
/// consignee, end user, ultimate end user) is a government, its armed
/// forces or its police. Where it cannot show that, the Protocol applies:
/// an import (the format does not say who sells), a brokered transfer (a
/// broker is a private intermediary whom Art. 15 regulates) and any private
/// recipient keep every FP finding binding. Findings on a state-to-state
/// transaction are still reported, marked not binding, and refer instead
/// of deny: national law or other commitments may still apply, and the
/// officer decides. The second limb of Art. 4(2) (state transfers where
/// applying the Protocol would prejudice national security) is a claim
/// only the state can make, so it is not inferred.
pub fn is_state_to_state(app: &Application) -> bool {
    app.kind == TransferKind::Export
        && app.applicant.kind == ApplicantKind::Government
        && !app.parties.iter().any(|p| p.role == PartyRole::Broker)
        && app.recipients().next().is_some()
        && app
            .recipients()
            .all(|(_, p)| p.party_type.is_state_entity())
}

/// FP Art. 10(2)(a): before issuing an export licence, verify that the
/// importing state has issued an import licence. A missing, foreign or
/// expired licence is a document problem for the officer: `refer`.
pub fn import_licence(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    if !ctx.authorises_outbound() {
        return;
    }
    let dest = app.route.destination;
    let Some(licence) = &app.documents.import_licence else {
        out.push(
            IMPORT_LICENCE
                .finding(
                    Effect::Refer,
                    text!("No import licence from the importing state ", dest),
                )
                .at("documents.import_licence"),
        );
        return;
    };
    if licence.issued_by != dest {
        out.push(
            IMPORT_LICENCE
                .finding(
                    Effect::Refer,
                    text!(
                        "Import licence ",
                        licence.number,
                        " was issued by ",
                        licence.issued_by,
                        ", not by the importing state ",
                        dest
                    ),
                )
                .at("documents.import_licence.issued_by"),
        );
    }
    if let Some(until) = licence.valid_until.filter(|&until| until < ctx.as_of) {
        out.push(
            IMPORT_LICENCE
                .finding(
                    Effect::Refer,
                    text!(
                        "Import licence ",
                        licence.number,
                        " expired on ",
                        until,
                        ", before ",
                        ctx.as_of
                    ),
                )
                .at("documents.import_licence.valid_until"),
        );
    }
}

/// FP Art. 10(2)(b): every transit state has given written notice, prior to
/// shipment, that it has no objection. The licensing state need not consent
/// to itself.
pub fn transit_consent(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    if !ctx.authorises_outbound() {
        return;
    }
    for (i, &state) in app.route.transit.iter().enumerate() {
        if state == app.licensing_state {
            continue;
        }
        if app.documents.transit_consent_from(state).is_none() {
            out.push(
                TRANSIT_CONSENT
                    .finding(
                        Effect::Refer,
                        text!(
                            "No written notice of no objection from transit state ",
                            state
                        ),
                    )
                    .at(text!("route.transit[", i, "]"))
                    .at("documents.transit_consent"),
            );
        }
    }
}

/// FP Art. 10(5): licensing procedures are secure and the authenticity of
/// licensing or authorisation documents can be verified or validated. An
/// end-user certificate the application declares not authenticated has
/// not been: `refer`, for the state authorising the goods to leave or pass.
/// (A missing certificate is ATT Art. 11(2)'s and EU-CP criterion 7's;
/// the Protocol does not itself require one.)
pub fn document_authenticity(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    if !ctx.authorises_outbound() {
        return;
    }
    let gaps = super::end_use::certificate_gaps(app);
    for (gap, mut message) in gaps.filter(|(gap, _)| *gap == CertificateGap::NotAuthenticated) {
        text!(to message; ": verify it with the issuing authority");
        out.push(
            DOCUMENT_AUTHENTICITY
                .finding(Effect::Refer, message)
                .at(gap.path()),
        );
    }
}

/// FP Art. 10(3): licence and accompanying documents together state at
/// least the date of expiration, the final recipient and a description of
/// the goods (place, date, countries of export, import and transit are
/// required fields of the format itself).
pub fn licence_content(app: &Application, out: &mut Vec<Finding>) {
    let mut missing: Vec<(&str, alloc::string::String)> = Vec::new();
    if let Some(l) = &app.documents.import_licence {
        if l.valid_until.is_none() {
            missing.push((
                "date of expiration",
                "documents.import_licence.valid_until".into(),
            ));
        }
        if l.number.trim().is_empty() {
            missing.push(("licence number", "documents.import_licence.number".into()));
        }
    }
    if !app
        .parties_in_role(PartyRole::EndUser)
        .any(|(_, p)| !p.name.trim().is_empty())
    {
        missing.push(("final recipient", "parties".into()));
    }
    for (i, g) in app.goods.iter().enumerate() {
        if g.description.trim().is_empty() {
            missing.push((
                "description of the goods",
                text!("goods[", i, "].description"),
            ));
        }
    }
    for (what, path) in missing {
        out.push(
            LICENCE_CONTENT
                .finding(
                    Effect::Refer,
                    text!("The licence documents do not state the ", what),
                )
                .at(path),
        );
    }
}

/// FP Art. 10(4): the importing state informs the exporting state of
/// receipt on request. Without the importer's undertaking, the licence
/// carries the request as a condition.
pub fn delivery_verification(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    if ctx.role == Role::Export && app.documents.delivery_verification != Some(true) {
        out.push(
            DELIVERY_VERIFICATION
                .finding(
                    Effect::Condition,
                    text!(
                        "Request confirmation of receipt of the shipment from ",
                        app.route.destination
                    ),
                )
                .at("documents.delivery_verification"),
        );
    }
}

/// FP Art. 10(6): simplified procedures for temporary transfers for
/// verifiable lawful purposes (hunting, sport shooting, evaluation,
/// exhibition, repair); the licence is conditioned on the goods' return.
pub fn temporary_purpose(app: &Application, out: &mut Vec<Finding>) {
    if app.permanence != Permanence::Temporary {
        return;
    }
    if let Some(purpose) = app.temporary_purpose {
        out.push(
            TEMPORARY_PURPOSE
                .finding(
                    Effect::Condition,
                    text!(
                        "Temporary transfer for ",
                        purpose,
                        ": the goods must return after use"
                    ),
                )
                .at("temporary_purpose"),
        );
    }
}

/// The parts of an FP Art. 8(1)(a) marking that are missing.
fn marking_gaps(marking: Option<&Marking>) -> Vec<&'static str> {
    let Some(m) = marking else {
        return alloc::vec!["any marking"];
    };
    let mut gaps = Vec::new();
    if m.manufacturer
        .as_deref()
        .is_none_or(|s| s.trim().is_empty())
    {
        gaps.push("name of manufacturer");
    }
    if m.country.is_none() {
        gaps.push("country of manufacture");
    }
    if !m.serial_numbers {
        gaps.push("unique serial number");
    }
    gaps
}

/// FP Art. 8(1)(a): each firearm bears at manufacture a unique marking with
/// the manufacturer, country and serial number. A firearm that is unmarked
/// or incompletely marked is trafficked illicitly under Art. 3(e)(ii): deny.
pub fn marking(app: &Application, out: &mut Vec<Finding>) {
    for (i, g) in app.goods.iter().enumerate() {
        if g.item != ItemKind::Firearm {
            continue;
        }
        let gaps = marking_gaps(g.marking.as_ref());
        if !gaps.is_empty() {
            out.push(
                MARKING
                    .finding(
                        Effect::Deny,
                        text!(
                            "Firearm \"",
                            g.description,
                            "\" lacks ",
                            Joined(&gaps, ", "),
                            ": unmarked firearms are illicit under FP Art. 3(e)(ii)"
                        ),
                    )
                    .at(text!("goods[", i, "].marking")),
            );
        }
    }
}

/// FP Art. 8(1)(b): the importing state applies an import marking. For an
/// import licence without one, the marking becomes a licence condition.
pub fn import_marking(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    if ctx.role != Role::Import {
        return;
    }
    for (i, g) in app.goods.iter().enumerate() {
        let marked = g.marking.as_ref().is_some_and(|m| m.import_marking);
        if g.item == ItemKind::Firearm && !marked {
            out.push(
                IMPORT_MARKING
                    .finding(
                        Effect::Condition,
                        text!(
                            "Apply an import marking to \"",
                            g.description,
                            "\" on import"
                        ),
                    )
                    .at(text!("goods[", i, "].marking.import_marking")),
            );
        }
    }
}

/// FP Art. 8(1)(c): at the time of transfer of a firearm from government
/// stocks to permanent civilian use, a unique marking permitting every
/// state party to identify the transferring country. A government exports
/// permanently and a civilian (a commercial or individual end user or
/// ultimate end user) receives: the format carries no such marking, so it
/// becomes a licence condition on each firearm, for the exporting state.
pub fn government_stocks_marking(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    if ctx.role != Role::Export
        || app.applicant.kind != ApplicantKind::Government
        || app.permanence != Permanence::Permanent
    {
        return;
    }
    let civilian = app
        .parties_in_role(PartyRole::EndUser)
        .chain(app.parties_in_role(PartyRole::UltimateEndUser))
        .find(|(_, p)| {
            !p.party_type.is_state_entity() && p.party_type != PartyType::NonStateArmedGroup
        });
    let Some((pi, party)) = civilian else {
        return;
    };
    for (i, g) in app.goods.iter().enumerate() {
        if g.item != ItemKind::Firearm {
            continue;
        }
        out.push(
            GOVERNMENT_STOCKS_MARKING
                .finding(
                    Effect::Condition,
                    text!(
                        "Mark \"",
                        g.description,
                        "\" to identify ",
                        app.applicant.state,
                        " as the transferring country: firearms from government stocks go to ",
                        party.party_type,
                        " end user \"",
                        party.name,
                        "\" for permanent civilian use"
                    ),
                )
                .at(text!("goods[", i, "].marking"))
                .at("applicant.kind")
                .at(text!("parties[", pi, "].type")),
        );
    }
}

/// FP Art. 9: a deactivated firearm is only outside the Protocol if a
/// competent authority verified its irreversible deactivation. The format
/// carries no such verification, so the officer must see it: `refer`.
pub fn deactivation(app: &Application, out: &mut Vec<Finding>) {
    for (i, g) in app.goods.iter().enumerate() {
        if g.deactivated {
            out.push(
                DEACTIVATION
                    .finding(
                        Effect::Refer,
                        text!(
                            "\"",
                            g.description,
                            "\" is declared deactivated: verify the deactivation certificate"
                        ),
                    )
                    .at(text!("goods[", i, "].deactivated")),
            );
        }
    }
}

/// FP Art. 15(1)(a): brokers are registered. A broker party, or a broker
/// applicant, without a registration number is referred (it may exist but
/// is not stated).
pub fn broker_registration(app: &Application, out: &mut Vec<Finding>) {
    for (i, p) in app.parties_in_role(PartyRole::Broker) {
        if p.registration
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
        {
            out.push(
                BROKER_REGISTRATION
                    .finding(
                        Effect::Refer,
                        text!("Broker \"", p.name, "\" has no registration number"),
                    )
                    .at(text!("parties[", i, "].registration")),
            );
        }
    }
    let applicant_brokers = app.applicant.kind == crate::model::ApplicantKind::Broker
        || app.kind == crate::model::TransferKind::Brokering;
    if applicant_brokers
        && app
            .applicant
            .registration
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
    {
        out.push(
            BROKER_REGISTRATION
                .finding(
                    Effect::Refer,
                    text!(
                        "Applicant \"",
                        app.applicant.name,
                        "\" acts as broker without a registration number"
                    ),
                )
                .at("applicant.registration"),
        );
    }
}
