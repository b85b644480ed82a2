//! Policy plug-in `comparison`: the shared screening policy that Attest,
//! Cedar and Rego each run in the performance comparison
//! (`attest_rules::comparison`, docs/performance.md). Not a licensing
//! policy: it is not in the default registry. It reads the request in
//! place, without decoding the application.
#![no_std]
extern crate alloc;

use alloc::vec::Vec;
use attest_rules::abi::view::RequestView;
use attest_rules::checks::Context;
use attest_rules::Finding;

fn evaluate(request: &RequestView<'_>, _ctx: &Context<'_>, out: &mut Vec<Finding>) {
    attest_rules::comparison::run_in_place(request, out);
}

attest_rules::export_policy!(in_place evaluate);
