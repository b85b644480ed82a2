//! The evaluation hot path on the host: with a reused instance, or with
//! fresh isolation's instance set back after each call, encoding an
//! application, running the plug-in and reading its findings back
//! allocates nothing once the buffers have grown (issue 5: "no allocation
//! per call on the host side"). Counted by this binary's allocator, on the
//! test's own thread.

use attest::sandbox::{Isolation, Limits, Sandbox};
use attest_rules::abi::codec::{self, Reused};
use attest_rules::abi::view;
use attest_rules::comparison;
use attest_rules::model::Role;
use attest_rules::reference::ReferenceData;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; counting touches only a
// thread-local cell that needs no allocation.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

const COMPARISON_WASM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../policies/dist/comparison.wasm"
);

#[test]
fn a_reused_instance_screens_without_allocating_on_the_host() {
    screens_without_allocating(Isolation::Reuse);
}

#[test]
fn a_fresh_instance_set_back_after_each_call_screens_without_allocating_on_the_host() {
    screens_without_allocating(Isolation::Fresh);
}

fn screens_without_allocating(isolation: Isolation) {
    let sandbox = Sandbox::new(Limits {
        isolation,
        ..Limits::default()
    })
    .unwrap();
    let mut data = Vec::new();
    codec::encode(&ReferenceData::default(), &mut data);
    let plugin = sandbox
        .load(&std::fs::read(COMPARISON_WASM).unwrap(), data)
        .unwrap();
    let mut evaluator = plugin.evaluator();
    let apps: Vec<_> = (0..300)
        .map(|i| attest::workload::application(5, i))
        .collect();
    let mut findings = Reused::default();
    let text = plugin.view_text;
    let mut screen = |app: &attest_rules::Application| {
        // The plug-in reads the view request (`request = "view"`), with
        // the text fields its manifest lists, written straight into the
        // instance as `attest screen` writes it.
        let (as_of, state) = (app.submitted, app.licensing_state);
        evaluator
            .evaluate_with_into(
                view::request_len(app, text),
                |dst| view::write_request(as_of, state, Role::Export, app, text, dst),
                &mut findings,
            )
            .unwrap();
        comparison::Fired::from_ids(findings.as_slice().iter().map(|f| f.rule.as_str()))
            .expect("rules of the policy")
    };
    // The first pass grows the buffers to the largest answer (and, with
    // fresh isolation, freezes the plug-in: from then on one instance is
    // set back after each call).
    for app in &apps {
        screen(app);
    }
    if isolation == Isolation::Fresh {
        assert!(plugin.starts_frozen());
    }
    let started = plugin.instances_started();
    let mut fired = Vec::with_capacity(apps.len());
    let before = allocations();
    for app in &apps {
        fired.push(screen(app));
    }
    let during = allocations() - before;
    assert_eq!(during, 0, "{during} allocations in {} calls", apps.len());
    assert_eq!(plugin.instances_started(), started, "no new instance");
    // And the answers are the policy's: the same rules fire natively.
    let mut native = Vec::new();
    for (app, fired) in apps.iter().zip(&fired) {
        native.clear();
        comparison::run(app, &mut native);
        let expected = comparison::Fired::from_ids(native.iter().map(|f| f.rule.as_str()));
        assert_eq!(Some(*fired), expected, "{}", app.id);
    }
    assert!(fired.iter().any(|f| f.rules().count() > 1), "answers vary");
}
