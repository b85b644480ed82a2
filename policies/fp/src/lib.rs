//! Policy plug-in `fp`: the UN Firearms Protocol checks of
//! `attest_rules::checks::fp`, run for whichever state the host routes here.
#![no_std]
extern crate alloc;

use alloc::vec::Vec;
use attest_rules::checks::{fp, Context};
use attest_rules::{Application, Finding};

fn evaluate(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    fp::run(app, ctx, out);
}

attest_rules::export_policy!(evaluate, rules = [fp::RULES]);
