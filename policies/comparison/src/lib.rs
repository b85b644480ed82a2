//! Policy plug-in `comparison`: the shared screening policy that Attest,
//! Cedar and Rego each run in the performance comparison
//! (`attest_rules::comparison`, docs/performance.md). Not a licensing
//! policy: it is not in the default registry. It reads the request in
//! place, without decoding the application, and names the rules that fire
//! by their index in its rule table.
#![no_std]
extern crate alloc;

use attest_rules::abi::indexed::Findings;
use attest_rules::abi::view::RequestView;
use attest_rules::checks::Context;
use attest_rules::comparison;

fn evaluate(request: &RequestView<'_>, _ctx: &Context<'_>, out: &mut Findings<'_>) {
    comparison::run_in_place(request, out);
}

attest_rules::export_policy!(in_place evaluate, rules = &comparison::RULE_TABLE);
