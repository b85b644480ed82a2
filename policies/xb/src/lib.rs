//! Policy plug-in `xb`: the import and transit regime of the Kingdom of
//! XB, a fictional state. It runs when XB imports goods or goods pass
//! through XB, whoever the exporter is.
#![no_std]
extern crate alloc;

use alloc::vec::Vec;
use attest_rules::checks::Context;
use attest_rules::model::{Country, Role, Transport};
use attest_rules::{text, Application, Effect, Finding, Instrument, Rule};

const IMPORT_LICENCE: Rule = Rule {
    id: "xb.4.import-licence",
    instrument: Instrument::National,
    article: "4",
    checks: "imports into XB need an XB import licence valid on the date",
};
const DELIVERY_VERIFICATION: Rule = Rule {
    id: "xb.6.delivery-verification",
    instrument: Instrument::National,
    article: "6",
    checks: "the importer undertakes to confirm delivery",
};
const TRANSIT_AUTHORISATION: Rule = Rule {
    id: "xb.9.transit-authorisation",
    instrument: Instrument::National,
    article: "9",
    checks: "transit through XB needs XB's written authorisation",
};
const TRANSIT_BY_POST: Rule = Rule {
    id: "xb.10.transit-by-post",
    instrument: Instrument::National,
    article: "10",
    checks: "no transit of arms through XB by post or courier",
};

const XB: Country = Country::known("XB");

fn evaluate(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    match ctx.role {
        Role::Import => {
            import_licence(app, ctx, out);
            delivery_verification(app, out);
        }
        Role::Transit => {
            transit_authorisation(app, out);
            transit_by_post(app, out);
        }
        Role::Export | Role::Brokering => {}
    }
}

/// reg. 4: an XB import licence valid on the screening date.
fn import_licence(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let licence = app.documents.import_licence.as_ref();
    let problem = match licence {
        None => Some("No XB import licence".into()),
        Some(l) if l.issued_by != XB => {
            Some(text!("Import licence ", l.number, " was not issued by XB"))
        }
        Some(l) if l.valid_until.is_none_or(|u| u < ctx.as_of) => Some(text!(
            "Import licence ",
            l.number,
            " is not valid on ",
            ctx.as_of
        )),
        Some(_) => None,
    };
    if let Some(message) = problem {
        out.push(
            IMPORT_LICENCE
                .finding(Effect::Deny, message)
                .at("documents.import_licence"),
        );
    }
}

/// reg. 6: the importer undertakes to confirm delivery; without it the
/// officer decides.
fn delivery_verification(app: &Application, out: &mut Vec<Finding>) {
    if app.documents.delivery_verification != Some(true) {
        out.push(
            DELIVERY_VERIFICATION
                .finding(
                    Effect::Refer,
                    "The importer has not undertaken to confirm delivery".into(),
                )
                .at("documents.delivery_verification"),
        );
    }
}

/// reg. 9: transit through XB needs XB's written authorisation.
fn transit_authorisation(app: &Application, out: &mut Vec<Finding>) {
    if app.documents.transit_consent_from(XB).is_none() {
        out.push(
            TRANSIT_AUTHORISATION
                .finding(Effect::Deny, "No XB transit authorisation".into())
                .at("documents.transit_consent"),
        );
    }
}

/// reg. 10: no transit of arms through XB by post or courier.
fn transit_by_post(app: &Application, out: &mut Vec<Finding>) {
    if matches!(app.route.transport, Transport::Postal | Transport::Courier) {
        out.push(
            TRANSIT_BY_POST
                .finding(
                    Effect::Deny,
                    text!("Transit through XB by ", app.route.transport),
                )
                .at("route.transport"),
        );
    }
}

/// Every rule, for the rule table.
const RULES: &[Rule] = &[
    IMPORT_LICENCE,
    DELIVERY_VERIFICATION,
    TRANSIT_AUTHORISATION,
    TRANSIT_BY_POST,
];

attest_rules::export_policy!(evaluate, rules = [RULES]);
