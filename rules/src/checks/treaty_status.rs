//! Treaty status by date: a state is bound by a treaty only while it is a
//! party (ATT Art. 22, FP Art. 18: from entry into force for that state).
//! Findings under a treaty that does not bind the evaluated state on the
//! screening date are still reported, marked not binding, and cannot deny:
//! a `deny` becomes `refer` (national law may still prohibit; the officer
//! decides). UN Security Council measures bind every UN member regardless
//! and are cited as `UNSC`, which this does not touch. Findings on a
//! transfer the treaty excludes from its scope (FP Art. 4(2)) are marked
//! the same way.

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
    unbind(instrument, out, |f| {
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
    });
}

/// Marks `instrument`'s findings in `out` as not binding because the
/// transfer lies outside the treaty's scope, `why` saying so and citing
/// the scope provision (e.g. FP Art. 4(2)). As for a non-party, they are
/// still reported and cannot deny.
pub fn mark_outside_scope(instrument: Instrument, why: &str, out: &mut [Finding]) {
    unbind(instrument, out, |f| {
        text!(to f.message; " (not binding: ", why, ")");
    });
}

/// Makes each of `instrument`'s findings that is still binding not
/// binding (a deny becoming refer), then lets `say_why` add the reason to
/// its message.
fn unbind(instrument: Instrument, out: &mut [Finding], mut say_why: impl FnMut(&mut Finding)) {
    for f in out
        .iter_mut()
        .filter(|f| f.instrument == instrument && f.binding)
    {
        f.binding = false;
        if f.effect == Effect::Deny {
            f.effect = Effect::Refer;
        }
        say_why(f);
    }
}
