//! Treaty status by date: a state is bound by a treaty only while it is a
//! party (ATT Art. 22, FP Art. 18: from entry into force for that state).
//! Findings under a treaty that does not bind the evaluated state on the
//! screening date are still reported, marked not binding, and cannot deny:
//! a `deny` becomes `refer` (national law may still prohibit; the officer
//! decides). UN Security Council measures bind every UN member regardless
//! and are cited as `UNSC`, which this does not touch.

use super::Context;
use crate::finding::{Effect, Finding, Instrument};
use crate::reference::{Certainty, Treaty};
use crate::text;

/// Marks `instrument`'s findings in `out` as not binding when the data
/// shows `ctx.state` was not bound by `treaty` on `ctx.as_of`. Where the
/// data cannot tell (a party with no confirmed entry-into-force date, or a
/// list known to be incomplete), the finding stays binding: conservative.
pub fn mark_non_binding(
    treaty: Treaty,
    instrument: Instrument,
    ctx: &Context<'_>,
    out: &mut [Finding],
) {
    if ctx.data.bound_by(treaty, ctx.state, ctx.as_of) != Certainty::No {
        return;
    }
    for f in out
        .iter_mut()
        .filter(|f| f.instrument == instrument && f.binding)
    {
        f.binding = false;
        if f.effect == Effect::Deny {
            f.effect = Effect::Refer;
        }
        text!(
            to f.message;
            " (not binding on ",
            ctx.state,
            ": not a party to the ",
            treaty.as_str(),
            " on ",
            ctx.as_of,
            ")"
        );
    }
}
