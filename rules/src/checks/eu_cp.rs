//! Council Common Position 2008/944/CFSP (as amended by Council Decision
//! (CFSP) 2019/1560): the eight criteria for assessing export licence
//! applications of EU member states (Art. 2) and the consultation on prior
//! denials (Art. 4). It covers export, brokering and transit licences
//! (Art. 1(2)), and is routed to EU member states.
//!
//! Criteria 1 to 4 say a member state *shall deny*; criteria 5 to 8 say it
//! *shall take into account*. So a clear risk under 1-4 denies, and under
//! 5-8 refers.

use super::{embargo, end_use, risk, Context};
use crate::finding::{Effect, Finding, Instrument, Rule};
use crate::model::{Application, Date};
use crate::reference::{Concern, Regime};
use crate::text;
use alloc::vec::Vec;

macro_rules! criterion {
    ($name:ident, $id:literal, $article:literal, $checks:literal) => {
        pub const $name: Rule = Rule {
            id: $id,
            instrument: Instrument::EuCp,
            article: $article,
            checks: $checks,
        };
    };
}

criterion!(
    CRITERION_1,
    "eu-cp.criterion-1.international-obligations",
    "criterion 1",
    "UN and EU arms embargoes and other international obligations"
);
criterion!(
    CRITERION_2,
    "eu-cp.criterion-2.human-rights",
    "criterion 2",
    "internal repression, serious violations of human rights and IHL"
);
criterion!(
    CRITERION_3,
    "eu-cp.criterion-3.internal-conflict",
    "criterion 3",
    "armed conflict in the country of final destination"
);
criterion!(
    CRITERION_4,
    "eu-cp.criterion-4.regional-peace",
    "criterion 4",
    "regional peace, security and stability"
);
criterion!(
    CRITERION_5,
    "eu-cp.criterion-5.member-state-security",
    "criterion 5",
    "security of member states and of friendly and allied countries"
);
criterion!(
    CRITERION_6,
    "eu-cp.criterion-6.terrorism",
    "criterion 6",
    "behaviour of the buyer country towards terrorism and international law"
);
criterion!(
    CRITERION_7,
    "eu-cp.criterion-7.diversion",
    "criterion 7",
    "risk of diversion or re-export under undesirable conditions"
);
criterion!(
    CRITERION_8,
    "eu-cp.criterion-8.economic-capacity",
    "criterion 8",
    "compatibility with the technical and economic capacity of the recipient"
);

pub const CONSULTATION: Rule = Rule {
    id: "eu-cp.4-1.prior-denial-consultation",
    instrument: Instrument::EuCp,
    article: "4(1)",
    checks: "a member state denied an essentially identical transaction within three years",
};

/// Every rule of the Common Position checks.
pub const RULES: &[Rule] = &[
    CRITERION_1,
    CRITERION_2,
    CRITERION_3,
    CRITERION_4,
    CRITERION_5,
    CRITERION_6,
    CRITERION_7,
    CRITERION_8,
    CONSULTATION,
];

/// The risk-register concerns each criterion weighs, and whether the
/// criterion says "shall deny" (1-4) or "shall take into account" (5-8).
const RISK_CRITERIA: &[(Rule, &[Concern], bool)] = &[
    (CRITERION_2, &[Concern::HumanRights, Concern::Ihl], true),
    (CRITERION_3, &[Concern::InternalConflict], true),
    (
        CRITERION_4,
        &[Concern::RegionalPeace, Concern::PeaceAndSecurity],
        true,
    ),
    (CRITERION_5, &[Concern::MemberStateSecurity], false),
    (CRITERION_6, &[Concern::Terrorism], false),
    (
        CRITERION_7,
        &[Concern::Diversion, Concern::OrganisedCrime],
        false,
    ),
    (CRITERION_8, &[Concern::EconomicCapacity], false),
];

/// Runs every Common Position check for export, brokering and transit.
pub fn run(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    if !ctx.authorises_outbound() {
        return;
    }
    criterion_1(app, ctx, out);
    risk_criteria(app, ctx, out);
    criterion_7_documents(app, out);
    criterion_7_transit(app, ctx, out);
    prior_denial_consultation(app, ctx, out);
}

/// Criterion 1: respect for international obligations and commitments, in
/// particular UN Security Council and EU arms embargoes in force on the
/// screening date: deny. EU political (non-binding) embargo commitments
/// and partial embargoes exempting these government recipients refer.
pub fn criterion_1(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let involved = embargo::Involved::of(app);
    let embargoes = involved
        .candidates(&ctx.data.embargoes)
        .filter(|e| matches!(e.regime, Regime::Un | Regime::Eu));
    for e in embargoes {
        let Some(hit) = embargo::assess(&involved, ctx.as_of, e) else {
            continue;
        };
        let mut message = hit.message;
        if hit.government_exempt {
            message.push_str(
                "; these government recipients are exempt: confirm the exemption applies",
            );
        }
        let mut finding = CRITERION_1.finding(hit.effect, message);
        finding.evidence = hit.evidence;
        out.push(finding);
    }
}

/// Criteria 2-8 from the risk register, for the destination, as of the
/// screening date: `high` denies under criteria 2-4 and refers under 5-8;
/// `medium` refers.
pub fn risk_criteria(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let dest = app.route.destination;
    if !ctx.data.assesses(dest) {
        return;
    }
    for (rule, concerns, shall_deny) in RISK_CRITERIA {
        for concern in *concerns {
            let finding = ctx
                .data
                .risk(dest, *concern, ctx.as_of)
                .and_then(|r| risk::assessment_finding(rule, r, *shall_deny, "route.destination"));
            out.extend(finding);
        }
    }
}

/// Criterion 7: the risk of diversion, from the end-use documents: no or
/// unauthenticated end-user certificate, no re-export clause, or an
/// ultimate end user outside the destination: refer.
pub fn criterion_7_documents(app: &Application, out: &mut Vec<Finding>) {
    for (gap, message) in end_use::certificate_gaps(app) {
        out.push(CRITERION_7.finding(Effect::Refer, message).at(gap.path()));
    }
    for (i, _, message) in end_use::onward_end_users(app) {
        out.push(
            CRITERION_7
                .finding(Effect::Refer, message)
                .at(text!("parties[", i, "].state")),
        );
    }
}

/// Criterion 7: goods routed through a state under a UN or EU arms embargo
/// enter the territory the embargo keeps them from, a risk of diversion
/// to take into account: refer, once per such transit state
/// (`embargo::embargoed_transits`).
pub fn criterion_7_transit(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let regimes = [Regime::Un, Regime::Eu];
    for (i, state, e) in embargo::embargoed_transits(app, &ctx.data.embargoes, ctx.as_of, &regimes)
    {
        out.push(
            CRITERION_7
                .finding(Effect::Refer, embargo::transit_message(state, e, ctx.as_of))
                .at(text!("route.transit[", i, "]")),
        );
    }
}

/// Art. 4(1): before granting a licence that another member state denied
/// for an essentially identical transaction within the last three years,
/// a member state consults it. Essentially identical here: same
/// destination, same kind of goods (item kind, and the same Military List
/// category where both name one), and the same consignee or end user
/// (names compared case-insensitively). Refer: the consultation is due.
pub fn prior_denial_consultation(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let (y, m, d) = (
        ctx.as_of.year().saturating_sub(3),
        ctx.as_of.month(),
        ctx.as_of.day(),
    );
    // 29 February three years back does not exist: the 28th is the same day.
    let three_years_before = Date::from_ymd(y, m, d)
        .or(Date::from_ymd(y, m, d - 1))
        .unwrap_or(ctx.as_of);
    for d in &ctx.data.denials {
        let recent = d.date <= ctx.as_of && d.date >= three_years_before;
        if !recent || d.denied_by == ctx.state || d.destination != app.route.destination {
            continue;
        }
        let same_goods = app.goods.iter().position(|g| {
            g.item == d.item
                && match (&g.control_entry, &d.control_entry) {
                    (Some(a), Some(b)) => ml_category(a) == ml_category(b),
                    _ => true,
                }
        });
        let same_party = app
            .recipients()
            .find(|(_, p)| p.name.trim().eq_ignore_ascii_case(d.recipient.trim()));
        if let (Some(g), Some((p, _))) = (same_goods, same_party) {
            out.push(
                CONSULTATION
                    .finding(
                        Effect::Refer,
                        text!(
                            d.denied_by,
                            " denied an essentially identical transaction on ",
                            d.date,
                            " (notice ",
                            d.id,
                            ", ",
                            d.criteria,
                            "): consult ",
                            d.denied_by,
                            " before granting"
                        ),
                    )
                    .at(text!("goods[", g, "]"))
                    .at(text!("parties[", p, "].name")),
            );
        }
    }
}

/// The Military List category of a control entry: `ML1.a` → `ML1`.
fn ml_category(entry: &str) -> &str {
    entry.split('.').next().unwrap_or(entry).trim()
}
