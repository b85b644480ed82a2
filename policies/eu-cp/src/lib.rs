//! Policy plug-in `eu-cp`: Council Common Position 2008/944/CFSP, as
//! amended by Council Decision (CFSP) 2019/1560, for EU member states
//! (`attest_rules::checks::eu_cp`).
#![no_std]
extern crate alloc;

use alloc::vec::Vec;
use attest_rules::checks::{eu_cp, Context};
use attest_rules::{Application, Finding};

fn evaluate(app: &Application, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    eu_cp::run(app, ctx, out);
}

attest_rules::export_policy!(evaluate, rules = [eu_cp::RULES]);
