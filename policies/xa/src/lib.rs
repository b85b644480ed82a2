//! Policy plug-in `xa`: the national licensing policy of the Republic of XA,
//! a fictional state, written as a real state's plug-in would be: its own
//! embargo list (reference data, not code), end-user restrictions, an
//! import licence requirement for its own imports, and a transit permit.
//!
//! Two editions build from this crate: the Export Control Act 2020 (feature
//! `edition-2020`, in force 2020-01-01 to 2025-12-31) and the Act as amended
//! in 2026, which also restricts commercial end users to sporting and
//! hunting purposes. The host runs the edition in force on the screening
//! date.
#![no_std]
extern crate alloc;

use alloc::vec::Vec;
use attest_rules::checks::{embargo, Context};
use attest_rules::model::{Country, EndUsePurpose, PartyType, Role};
use attest_rules::reference::Regime;
use attest_rules::{text, Application, Effect, Finding, Instrument, Rule};

const NATIONAL_EMBARGO: Rule = Rule {
    id: "xa.5.national-embargo",
    instrument: Instrument::National,
    article: "5",
    checks: "no export to a destination under an XA national arms embargo",
};
const END_USER_RESTRICTION: Rule = Rule {
    id: "xa.12.end-user-restriction",
    instrument: Instrument::National,
    article: "12",
    checks: "no export to individuals or non-state armed groups (2026: commercial end users only for sport or hunting)",
};
const IMPORT_LICENCE: Rule = Rule {
    id: "xa.20.import-licence",
    instrument: Instrument::National,
    article: "20",
    checks: "imports into XA need an XA import licence valid on the date",
};
const TRANSIT_PERMIT: Rule = Rule {
    id: "xa.30.transit-permit",
    instrument: Instrument::National,
    article: "30",
    checks: "transit through XA needs XA's written transit permit",
};

/// The 2026 amendment of s. 12 restricts commercial end users.
const COMMERCIAL_END_USERS_RESTRICTED: bool = !cfg!(feature = "edition-2020");

const XA: Country = Country::known("XA");

fn evaluate(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    match ctx.role {
        Role::Export | Role::Brokering => {
            national_embargo(app, ctx, out);
            end_user_restriction(app, out);
        }
        Role::Import => import_licence(app, ctx, out),
        Role::Transit => transit_permit(app, out),
    }
}

/// s. 5: no export to a destination under an arms embargo XA imposed.
fn national_embargo(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let involved = embargo::Involved::of(app);
    let ours = involved
        .candidates(&ctx.data.embargoes)
        .filter(|e| e.regime == Regime::National && e.imposed_by.is_some_and(|c| c == XA));
    for e in ours {
        if let Some(hit) = embargo::assess(&involved, ctx.as_of, e) {
            // A partial national embargo that exempts these government
            // recipients is still for the officer to confirm.
            let mut finding = NATIONAL_EMBARGO.finding(hit.effect, hit.message);
            finding.evidence = hit.evidence;
            out.push(finding);
        }
    }
}

/// s. 12: no export to individuals or non-state armed groups; since 2026
/// commercial end users only for sport or hunting.
fn end_user_restriction(app: &Application, out: &mut Vec<Finding>) {
    let purpose = app.end_use.as_ref().map(|e| e.purpose);
    let sporting = matches!(purpose, Some(EndUsePurpose::Sport | EndUsePurpose::Hunting));
    for (i, p) in app.recipients() {
        let barred = match p.party_type {
            PartyType::Individual | PartyType::NonStateArmedGroup => true,
            PartyType::Commercial => COMMERCIAL_END_USERS_RESTRICTED && !sporting,
            _ => false,
        };
        if barred {
            out.push(
                END_USER_RESTRICTION
                    .finding(
                        Effect::Deny,
                        text!(p.role, " \"", p.name, "\" is a ", p.party_type, " end user"),
                    )
                    .at(text!("parties[", i, "].type")),
            );
        }
    }
}

/// s. 20: goods imported into XA need an XA import licence valid on the
/// screening date.
fn import_licence(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let valid = app
        .documents
        .import_licence
        .as_ref()
        .filter(|l| l.issued_by == XA && l.valid_until.is_some_and(|until| until >= ctx.as_of));
    if valid.is_none() {
        out.push(
            IMPORT_LICENCE
                .finding(
                    Effect::Deny,
                    text!("No XA import licence valid on ", ctx.as_of),
                )
                .at("documents.import_licence"),
        );
    }
}

/// s. 30: transit through XA needs XA's written transit permit.
fn transit_permit(app: &Application, out: &mut Vec<Finding>) {
    if app.documents.transit_consent_from(XA).is_none() {
        out.push(
            TRANSIT_PERMIT
                .finding(Effect::Deny, "No XA transit permit".into())
                .at("documents.transit_consent"),
        );
    }
}

/// Every rule, for the rule table: both editions apply the same four
/// sections (the 2026 edition reads s. 12 more strictly).
const RULES: &[Rule] = &[
    NATIONAL_EMBARGO,
    END_USER_RESTRICTION,
    IMPORT_LICENCE,
    TRANSIT_PERMIT,
];

#[cfg(not(feature = "edition-2020"))]
attest_rules::export_policy!(evaluate, rules = [RULES]);
#[cfg(feature = "edition-2020")]
attest_rules::export_policy!(evaluate, rules = [RULES], "manifest-2020.toml");
