//! Resolution 10/2 (2020) of the Conference of the Parties to the UN
//! Convention against Transnational Organized Crime, on firearms. Para. 14
//! names modi operandi of trafficking that states should act on. The
//! resolution is not a prohibition, so every flag is a `refer`.

use super::Context;
use crate::finding::{Effect, Finding, Instrument, Rule};
use crate::model::{Application, Manufacture, Payment, SaleChannel, Transport};
use crate::text;
use alloc::vec::Vec;

pub const MANUFACTURE: Rule = Rule {
    id: "cop.10-2-14.manufacture",
    instrument: Instrument::Cop10_2,
    article: "para. 14",
    checks: "craft, 3D-printed, modular, converted or reactivated firearms",
};
pub const POSTAL_TRANSPORT: Rule = Rule {
    id: "cop.10-2-14.postal-transport",
    instrument: Instrument::Cop10_2,
    article: "para. 14",
    checks: "shipment by post or courier",
};
pub const ONLINE_SALE: Rule = Rule {
    id: "cop.10-2-14.online-sale",
    instrument: Instrument::Cop10_2,
    article: "para. 14",
    checks: "sale concluded online",
};
pub const CRYPTOCURRENCY: Rule = Rule {
    id: "cop.10-2-14.cryptocurrency-payment",
    instrument: Instrument::Cop10_2,
    article: "para. 14",
    checks: "payment in cryptocurrency",
};

/// Every rule of the COP res. 10/2 flags.
pub const RULES: &[Rule] = &[MANUFACTURE, POSTAL_TRANSPORT, ONLINE_SALE, CRYPTOCURRENCY];

/// Runs every COP res. 10/2 para. 14 flag. The context is unused today but
/// keeps the signature of every other check family.
pub fn run(app: &Application, _ctx: &Context<'_>, out: &mut Vec<Finding>) {
    manufacture(app, out);
    postal_transport(app, out);
    online_sale(app, out);
    cryptocurrency_payment(app, out);
}

/// COP res. 10/2 para. 14 (and para. 6): craft, 3D-printed, modular,
/// converted and reactivated firearms.
pub fn manufacture(app: &Application, out: &mut Vec<Finding>) {
    for (i, g) in app.goods.iter().enumerate() {
        if g.manufacture != Manufacture::Standard {
            out.push(
                MANUFACTURE
                    .finding(
                        Effect::Refer,
                        text!(
                            "\"",
                            g.description,
                            "\" is ",
                            g.manufacture,
                            " (flagged by COP res. 10/2)"
                        ),
                    )
                    .at(text!("goods[", i, "].manufacture")),
            );
        }
    }
}

/// COP res. 10/2 para. 14: trafficking through postal and courier services.
pub fn postal_transport(app: &Application, out: &mut Vec<Finding>) {
    if matches!(app.route.transport, Transport::Postal | Transport::Courier) {
        out.push(
            POSTAL_TRANSPORT
                .finding(Effect::Refer, text!("Shipment by ", app.route.transport))
                .at("route.transport"),
        );
    }
}

/// COP res. 10/2 para. 14: online sales.
pub fn online_sale(app: &Application, out: &mut Vec<Finding>) {
    if app.sale.as_ref().and_then(|s| s.channel) == Some(SaleChannel::Online) {
        out.push(
            ONLINE_SALE
                .finding(Effect::Refer, "Sale concluded online".into())
                .at("sale.channel"),
        );
    }
}

/// COP res. 10/2 para. 14 (and para. 19): cryptocurrency payments.
pub fn cryptocurrency_payment(app: &Application, out: &mut Vec<Finding>) {
    if app.sale.as_ref().and_then(|s| s.payment) == Some(Payment::Cryptocurrency) {
        out.push(
            CRYPTOCURRENCY
                .finding(Effect::Refer, "Payment in cryptocurrency".into())
                .at("sale.payment"),
        );
    }
}
