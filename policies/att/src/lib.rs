//! Policy plug-in `att`: the Arms Trade Treaty checks of
//! `attest_rules::checks::att`, plus the COP res. 10/2 para. 14 flags.
#![no_std]
extern crate alloc;

use alloc::vec::Vec;
use attest_rules::checks::{att, cop, Context};
use attest_rules::{Application, Finding};

fn evaluate(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    att::run(app, ctx, out);
    cop::run(app, ctx, out);
}

attest_rules::export_policy!(evaluate, rules = [att::RULES, cop::RULES]);
