//! Hostile plug-ins: each is contained, reported as `refer` naming its
//! fault, and the next application in the same process still screens.

mod common;
#[path = "common/plugins.rs"]
mod plugins;

use attest::decision::Decision;
use attest::sandbox::{Isolation, Limits, FREEZE_AFTER};
use attest::screen::Screener;
use attest_rules::{Effect, Instrument, Rule};
use common::*;
use plugins::*;
use std::time::Duration;

/// Screens the clean example twice with `wat` loaded; checks the hostile
/// plug-in's evaluation refers with a fault containing `fault`, and that the
/// treaty plug-ins still evaluated both applications normally.
fn assert_contained(wat: Wat, fault: &str) {
    assert_contained_with(
        Screener::new(config_with(wat.wasm(), wat.id)).unwrap(),
        wat.id,
        fault,
    );
}

fn assert_contained_with(screener: Screener, id: &str, fault: &str) {
    let app = clean_export();
    for round in 0..2 {
        let d = screener.screen(&app, None);
        assert_eq!(
            d.outcome.as_str(),
            "refer",
            "round {round}: a fault must never approve"
        );
        let eval = d
            .evaluations
            .iter()
            .find(|e| e.policy == id)
            .expect("hostile plug-in evaluated");
        assert_eq!(eval.outcome.as_str(), "refer");
        let got = eval.fault.as_deref().unwrap_or("");
        assert!(
            got.contains(fault),
            "round {round}: fault {got:?} should mention {fault:?}"
        );
        let finding = fault_finding(&d, id);
        assert!(finding.contains(id) && finding.contains(fault), "{finding}");
        for treaty in ["fp", "att"] {
            let e = d.evaluations.iter().find(|e| e.policy == treaty).unwrap();
            assert_eq!(
                (e.outcome.as_str(), e.fault.as_deref()),
                ("approve", None),
                "{treaty} still screens"
            );
        }
    }
}

fn fault_finding(d: &Decision, id: &str) -> String {
    let f = d
        .findings
        .iter()
        .find(|f| f.policy == id && f.rule == "attest.plugin-fault")
        .expect("fault finding");
    assert_eq!(f.effect, "refer");
    f.message.clone()
}

#[test]
fn an_infinite_loop_runs_out_of_fuel_and_refers() {
    let mut wat = Wat::benign("loop");
    wat.evaluate = "(loop $l (br $l)) (i64.const 0)".into();
    let config = config_with(wat.wasm(), wat.id);
    let budget = config.limits.fuel;
    assert_contained_with(
        Screener::new(config.clone()).unwrap(),
        wat.id,
        "ran out of fuel",
    );
    // The record shows what the run cost: the whole budget, not 0.
    let d = Screener::new(config).unwrap().screen(&clean_export(), None);
    let eval = d.evaluations.iter().find(|e| e.policy == "loop").unwrap();
    assert_eq!(eval.fuel, budget);
    // As an officer reads it: no empty "fields:" after a fault's rule.
    let text = d.to_text();
    assert!(
        text.contains("rule attest.plugin-fault (loop for GB export)\n"),
        "{text}"
    );
    assert!(text.contains(&format!("({budget} fuel, ")), "{text}");
}

#[test]
fn a_loop_given_unlimited_fuel_hits_the_wall_clock_deadline() {
    let mut wat = Wat::benign("slow");
    wat.evaluate = "(loop $l (br $l)) (i64.const 0)".into();
    let mut config = config_with(wat.wasm(), wat.id);
    config.limits = Limits {
        fuel: u64::MAX / 4,
        deadline: Duration::from_millis(50),
        ..Limits::default()
    };
    assert_contained_with(Screener::new(config).unwrap(), "slow", "deadline");
}

#[test]
fn a_memory_growth_bomb_hits_the_memory_limit_and_refers() {
    let mut wat = Wat::benign("bomb");
    wat.evaluate = "(loop $l (drop (memory.grow (i32.const 64))) (br $l)) (i64.const 0)".into();
    assert_contained(wat, "memory limit");
}

#[test]
fn deep_recursion_overflows_the_stack_and_refers() {
    let mut wat = Wat::benign("recurse");
    wat.extra =
        "(func $down (param i64) (result i64) (i64.add (call $down (local.get 0)) (i64.const 1)))";
    wat.evaluate = "(call $down (i64.const 0))".into();
    assert_contained(wat, "overflowed its stack");
}

#[test]
fn a_trap_mid_call_refers() {
    let mut wat = Wat::benign("trap");
    wat.evaluate = "unreachable".into();
    assert_contained(wat, "trapped");
}

#[test]
fn a_trap_during_initialisation_refers_every_application() {
    let mut wat = Wat::benign("trapinit");
    wat.init = "unreachable";
    assert_contained(wat, "trapped");
}

#[test]
fn output_larger_than_allowed_refers() {
    let mut wat = Wat::benign("huge");
    wat.evaluate = format!("(i64.const {})", 0xFFFF_FFF0u64);
    assert_contained(wat, "more than allowed");
}

#[test]
fn output_outside_guest_memory_refers() {
    let mut wat = Wat::benign("outside");
    wat.evaluate = format!("(i64.const {})", (0xFFFF_0000u64 << 32) | 64);
    assert_contained(wat, "outside memory");
}

#[test]
fn garbled_output_refers() {
    let mut wat = Wat::benign("garbled");
    // 16 bytes of 0xFF at 4096 after the store below: not a response.
    wat.evaluate =
        "(memory.fill (i32.const 4096) (i32.const 255) (i32.const 16)) (i64.const 17592186044432)"
            .into();
    assert_contained(wat, "malformed output");
}

#[test]
fn a_module_claiming_another_abi_version_is_refused() {
    let mut wat = Wat::benign("abi2");
    wat.abi_version = "(i32.const 1)";
    assert_contained(wat, "ABI version 1; this host supports 2, 3 and 4");
}

#[test]
fn an_input_buffer_outside_guest_memory_refers() {
    let mut wat = Wat::benign("input");
    // The memory is one 64 KiB page; the buffer claims to start at 1 MiB.
    wat.input = (1u64 << 52) | 4096;
    assert_contained(wat, "attest_input gave 1048576+4096, outside memory");
}

/// A module built for ABI v1 lacks `attest_input`: it is refused, and the
/// fault names the missing export. So is one without `attest_evaluate` or
/// `attest_alloc`, which the host resolves once per module.
#[test]
fn a_module_without_an_abi_export_is_refused_naming_it() {
    for export in ["attest_input", "attest_evaluate", "attest_alloc"] {
        let wat = Wat::benign("v1-shaped");
        let module = wat.module();
        let without: Vec<&str> = module
            .lines()
            .filter(|line| !line.contains(&format!(r#"(export "{export}")"#)))
            .collect();
        assert!(
            without.len() < module.lines().count(),
            "{export} is exported"
        );
        let wasm = wat::parse_str(without.join("\n")).unwrap();
        let screener = Screener::new(config_with(wasm, wat.id)).unwrap();
        assert_contained_with(screener, wat.id, &format!("does not export `{export}`"));
    }
}

#[test]
fn a_module_that_imports_anything_is_refused() {
    let mut wat = Wat::benign("clock");
    wat.imports = r#"(import "env" "now" (func $now (result i64)))"#;
    assert_contained(wat, "imports env.now");
}

#[test]
fn a_module_without_a_manifest_is_refused() {
    let wasm = wat::parse_str(r#"(module (memory (export "memory") 1))"#).unwrap();
    let screener = Screener::new(config_with(wasm, "plugin-6")).unwrap();
    let d = screener.screen(&clean_export(), None);
    assert_eq!(d.outcome.as_str(), "refer");
    assert!(fault_finding(&d, "plugin-6").contains("attest.manifest"));
}

/// A plug-in exporting the rule table `rules` (`attest_rules`, ABI v3)
/// and answering every application with `response`.
fn with_rule_table(id: &'static str, rules: &[Rule], response: &[u8]) -> Wat {
    let mut table = Vec::new();
    attest_rules::abi::codec::encode_rules(rules, &mut table);
    let mut wat = Wat::benign(id);
    let extra = format!(
        r#"(data (i32.const 12288) "{}")
  (data (i32.const 16384) "{}")
  (func (export "attest_rules") (result i64) (i64.const {}))"#,
        wat_string(&table),
        wat_string(response),
        (12288u64 << 32) | table.len() as u64
    );
    wat.extra = Box::leak(extra.into_boxed_str());
    wat.evaluate = format!("(i64.const {})", (16384u64 << 32) | response.len() as u64);
    wat
}

const LISTED: Rule = Rule {
    id: "national.listed",
    instrument: Instrument::National,
    article: "1",
    checks: "something listed",
};

/// The host reads a plug-in's rule table once, at load, and refuses one
/// naming a rule its manifest does not list (coverage is reported against
/// the manifest).
#[test]
fn a_rule_table_naming_a_rule_the_manifest_lacks_is_refused() {
    let empty = response(&[]);
    let wat = with_rule_table("tabled", &[LISTED], &empty);
    assert_contained(
        wat,
        "attest_rules lists `national.listed`, which the manifest's `rules` does not",
    );
}

/// An answer naming a rule by an index outside the plug-in's table is a
/// fault: refer, never a finding of some other rule.
#[test]
fn a_rule_index_outside_the_table_refers() {
    let mut answer = Vec::new();
    let mut findings = attest_rules::abi::indexed::Findings::new(&[LISTED], Vec::new());
    findings.fire(&LISTED, Effect::Deny);
    answer.extend(findings.finish());
    // Index 0 is the only rule; make it 1.
    let at = answer.len() - 11;
    assert_eq!(answer[at..at + 4], [0, 0, 0, 0]);
    answer[at] = 1;
    let mut wat = with_rule_table("tabled", &[LISTED], &answer);
    wat.manifest_rules = "national.listed";
    assert_contained(wat, "1 is not a valid rule index");
}

/// An inline answer (ABI v4) is read from the value `attest_evaluate`
/// returns: the host fills in each rule from the table, and the decision
/// carries its findings like any others. Only a module that says it
/// implements version 4 is read so: from an older one the same value is an
/// address outside its memory, and the application is referred; and an
/// inline index outside the table refers too.
#[test]
fn an_inline_answer_is_read_only_from_a_module_of_version_4() {
    use attest_rules::abi::inline;
    let inline_wat = |version: &'static str, index: usize| {
        let answer = inline::with(inline::EMPTY, index, Effect::Deny).unwrap();
        let mut wat = with_rule_table("inline", &[LISTED], &response(&[]));
        wat.manifest_rules = "national.listed";
        wat.abi_version = version;
        wat.evaluate = format!("(i64.const {})", answer as i64);
        wat
    };
    let wat = inline_wat("(i32.const 4)", 0);
    let screener = Screener::new(config_with(wat.wasm(), wat.id)).unwrap();
    let d = screener.screen(&clean_export(), None);
    assert_eq!(d.outcome.as_str(), "deny", "{:#?}", d.findings);
    let eval = d.evaluations.iter().find(|e| e.policy == "inline").unwrap();
    assert!(eval.fault.is_none(), "{eval:?}");
    let finding = d.findings.iter().find(|f| f.policy == "inline").unwrap();
    assert_eq!(
        (
            finding.rule.as_str(),
            finding.article.as_str(),
            finding.message.as_str()
        ),
        ("national.listed", "1", "something listed")
    );
    assert_contained(inline_wat("(i32.const 3)", 0), "lies outside memory");
    assert_contained(
        inline_wat("(i32.const 4)", 1),
        "inline answer: 1 is not a valid rule index",
    );
}

/// Where a hostile plug-in keeps a note that it has seen an application.
#[derive(Clone, Copy, Debug)]
enum Note {
    /// In a mutable global no one outside can read.
    Global,
    /// In a byte of its memory.
    Memory,
    /// In the size of its memory, grown by a page.
    MemorySize,
    /// By writing over three quarters of its memory, its own data
    /// included: a byte of its data segment and a zero byte beyond it
    /// then read otherwise.
    Scribble,
    /// By copying its finding over its data segment's `CANARY` with
    /// `memory.copy`, which wasmtime carries out in the host rather than
    /// in the plug-in's code.
    Copy,
}

/// A plug-in that denies every application after its first: it "remembers"
/// it has seen one before, where `note` says.
fn remembering(note: Note) -> Wat {
    let deny = Rule {
        id: "national.remember",
        instrument: Instrument::National,
        article: "1",
        checks: "",
    };
    let findings = [deny.finding(Effect::Deny, "I have seen an application before".into())];
    let body = response(&findings);
    let mut wat = Wat::benign("remember");
    let extra = format!(
        r#"(global $seen (mut i32) (i32.const 0))
  (data (i32.const 12288) "{}")
  (data (i32.const 30000) "CANARY")"#,
        wat_string(&body)
    );
    wat.extra = Box::leak(extra.into_boxed_str());
    let (seen, note_it) = match note {
        Note::Global => ("(global.get $seen)", "(global.set $seen (i32.const 1))"),
        Note::Memory => (
            "(i32.load8_u (i32.const 40000))",
            "(i32.store8 (i32.const 40000) (i32.const 1))",
        ),
        Note::MemorySize => (
            "(i32.gt_u (memory.size) (i32.const 1))",
            "(drop (memory.grow (i32.const 1)))",
        ),
        Note::Scribble => (
            "(i32.or (i32.ne (i32.load8_u (i32.const 30000)) (i32.const 67)) (i32.load8_u (i32.const 50000)))",
            "(memory.fill (i32.const 16384) (i32.const 171) (i32.const 49152))",
        ),
        Note::Copy => (
            "(i32.ne (i32.load8_u (i32.const 30000)) (i32.const 67))",
            "(memory.copy (i32.const 30000) (i32.const 12288) (i32.const 6))",
        ),
    };
    wat.evaluate = format!(
        "(if (result i64) {seen} (then (i64.const {})) (else {note_it} (i64.const {})))",
        (12288u64 << 32) | body.len() as u64,
        (4096u64 << 32) | response(&[]).len() as u64
    );
    wat
}

#[test]
fn fresh_isolation_keeps_a_plug_in_from_carrying_state_into_the_next_application() {
    // Past FREEZE_AFTER applications, one instance per session is set
    // back to where it started after each application instead of being
    // replaced: no note may survive that either.
    for note in [
        Note::Global,
        Note::Memory,
        Note::MemorySize,
        Note::Scribble,
        Note::Copy,
    ] {
        let wat = remembering(note);
        let screener = Screener::new(config_with(wat.wasm(), wat.id)).unwrap();
        assert_eq!(screener.registry().len(), 7);
        let mut session = screener.session();
        for round in 0..FREEZE_AFTER + 6 {
            let d = session.screen(&clean_export(), None);
            assert_eq!(
                d.outcome.as_str(),
                "approve",
                "{note:?}, round {round}: {:#?}",
                d.findings
            );
        }
    }
}

/// A frozen instance keeps the pages of its memory that its plug-in has
/// not written read-only, and a rewind restores only the others
/// (`clean_pages`): a write to a read-only page, by a store or by
/// `memory.copy` or `memory.fill`, opens that page, which every later
/// rewind then restores. What the plug-in has written is learned; what
/// it only reads never is, and the test above holds that no write
/// survives either way.
#[test]
fn a_rewind_restores_the_pages_a_plug_in_wrote_and_keeps_the_others_read_only() {
    let page = |address: u64| 1u64 << (address / 4096);
    for (note, wrote) in [
        (Note::Memory, page(40_000)),
        (Note::Copy, page(30_000)),
        (Note::Scribble, (4..16).map(|p| 1u64 << p).sum()),
    ] {
        let wat = remembering(note);
        let screener = Screener::new(config_with(wat.wasm(), wat.id)).unwrap();
        let mut session = screener.session();
        for _ in 0..FREEZE_AFTER + 3 {
            assert_eq!(
                session.screen(&clean_export(), None).outcome.as_str(),
                "approve"
            );
        }
        let written = test_plugin(&screener, wat.id)
            .pages_written()
            .expect("frozen");
        assert_eq!(written & wrote, wrote, "{note:?}: {written:016b}");
        if !matches!(note, Note::Scribble) {
            // The data segment's page with its finding is only read.
            assert_eq!(written & page(12_288), 0, "{note:?}: {written:016b}");
        }
    }
}

#[test]
fn fresh_isolation_rewinds_one_instance_unless_its_memory_grew() {
    let started = |note| {
        let wat = remembering(note);
        let screener = Screener::new(config_with(wat.wasm(), wat.id)).unwrap();
        let mut session = screener.session();
        let mut counts = Vec::new();
        for _ in 0..FREEZE_AFTER + 4 {
            session.screen(&clean_export(), None);
            counts.push(test_plugin(&screener, wat.id).instances_started());
        }
        counts
    };
    // One at load; one per application until the plug-in is frozen; then
    // two to freeze it (one to read its state, one to check the frozen
    // module) and the one instance that every later application reuses,
    // set back to its starting state each time.
    let n = FREEZE_AFTER as u64;
    let rewound = started(Note::Memory);
    assert_eq!(rewound[..n as usize], (2..n + 2).collect::<Vec<_>>());
    assert!(
        rewound[n as usize..].iter().all(|&c| c == n + 4),
        "{rewound:?}"
    );
    // A memory that grew cannot be set back: a new instance each time.
    let grown = started(Note::MemorySize);
    assert_eq!(grown, (2..n + 2).chain(n + 4..n + 8).collect::<Vec<_>>());
}

/// A plug-in whose initialisation leaves state in a global no one can
/// read from outside and in memory: it sets `$ready` and copies the
/// finding it answers with from 16384 to 12288. Evaluating without that
/// state traps.
fn initialising() -> Wat {
    let ready = Rule {
        id: "national.initialised",
        instrument: Instrument::National,
        article: "1",
        checks: "",
    };
    let body = response(&[ready.finding(Effect::Info, "initialised".into())]);
    let mut wat = Wat::benign("initialising");
    let extra = format!(
        r#"(global $ready (mut i32) (i32.const 0))
  (data (i32.const 16384) "{}")"#,
        wat_string(&body)
    );
    wat.extra = Box::leak(extra.into_boxed_str());
    wat.init = Box::leak(
        format!(
            "(global.set $ready (i32.const 1)) (memory.copy (i32.const 12288) (i32.const 16384) (i32.const {})) (i32.const 0)",
            body.len()
        )
        .into_boxed_str(),
    );
    wat.evaluate = format!(
        "(if (i32.eqz (global.get $ready)) (then unreachable)) (i64.const {})",
        (12288u64 << 32) | body.len() as u64
    );
    wat
}

fn test_plugin<'s>(screener: &'s Screener, id: &str) -> &'s attest::sandbox::Plugin {
    let entry = screener.registry().iter().find(|r| r.plugin.id() == id);
    match entry.map(|r| &r.plugin) {
        Some(attest::screen::Loaded::Ready(plugin)) => plugin,
        _ => panic!("{id} is not loaded"),
    }
}

#[test]
fn fresh_instances_start_as_initialisation_left_them() {
    let wat = initialising();
    let screener = Screener::new(config_with(wat.wasm(), wat.id)).unwrap();
    let mut session = screener.session();
    // The plug-in serves the licensing state alone: one instance per
    // application. The first FREEZE_AFTER are initialised as usual; the
    // next freezes the plug-in, and the rest start frozen.
    for round in 0..FREEZE_AFTER + 3 {
        let d = session.screen(&clean_export(), None);
        let ours: Vec<_> = d.findings.iter().filter(|f| f.policy == wat.id).collect();
        assert_eq!(ours.len(), 1, "round {round}: {:#?}", d.findings);
        assert_eq!(ours[0].rule, "national.initialised");
        assert_eq!(d.outcome.as_str(), "approve", "round {round}");
        let frozen = test_plugin(&screener, wat.id).starts_frozen();
        assert_eq!(frozen, round >= FREEZE_AFTER, "round {round}");
    }
    assert!(test_plugin(&screener, "att").starts_frozen());
}

#[test]
fn a_module_whose_code_can_change_a_table_initialises_every_instance() {
    let mut wat = initialising();
    wat.id = "table-setter";
    wat.extra = Box::leak(
        format!(
            "{}\n  (table 1 funcref)\n  (func (export \"unused\") (table.set (i32.const 0) (ref.null func)))",
            wat.extra
        )
        .into_boxed_str(),
    );
    let screener = Screener::new(config_with(wat.wasm(), wat.id)).unwrap();
    for _ in 0..FREEZE_AFTER + 3 {
        let d = screener.screen(&clean_export(), None);
        assert!(d.findings.iter().any(|f| f.rule == "national.initialised"));
        assert_eq!(d.outcome.as_str(), "approve");
    }
    assert!(!test_plugin(&screener, wat.id).starts_frozen());
    assert!(test_plugin(&screener, "att").starts_frozen());
}

#[test]
fn reuse_isolation_does_let_a_hostile_module_keep_state_as_documented() {
    // The documented limit of Isolation::Reuse (docs/security.md): the
    // arena is reset, but a module's own globals persist. This test pins
    // that behaviour so the docs stay true.
    let wat = remembering(Note::Global);
    let mut config = config_with(wat.wasm(), wat.id);
    config.limits.isolation = Isolation::Reuse;
    let screener = Screener::new(config).unwrap();
    let mut session = screener.session();
    assert_eq!(
        session.screen(&clean_export(), None).outcome.as_str(),
        "approve"
    );
    assert_eq!(
        session.screen(&clean_export(), None).outcome.as_str(),
        "deny"
    );
}

#[test]
fn reuse_isolation_gives_the_same_decisions_as_fresh_for_the_bundled_policies() {
    let mut config = attest::config::Config::default();
    config.limits.isolation = Isolation::Reuse;
    let reuse = Screener::new(config).unwrap();
    let mut session = reuse.session();
    let mut apps = vec![clean_export()];
    let mut denied = clean_export();
    denied.goods[0].marking = None;
    apps.push(denied);
    // Fresh instances start from the modules frozen after initialisation,
    // and a fresh session's instances are set back there after each
    // application: both must answer as initialised instances do, fuel
    // included.
    let fresh = Screener::new(attest::config::Config::default()).unwrap();
    let mut rewinding = fresh.session();
    apps.extend((0..300).map(|n| attest::workload::application(13, n)));
    for app in apps.iter().chain(apps.iter()) {
        let a = serde_json::to_string(&session.screen(app, None)).unwrap();
        let b = serde_json::to_string(&screen(app)).unwrap();
        let c = serde_json::to_string(&rewinding.screen(app, None)).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
    }
    // No bundled policy grows its memory past what initialisation left:
    // after the freeze, the session's one instance of each was set back
    // after every application, never replaced.
    for entry in fresh.registry() {
        if let attest::screen::Loaded::Ready(plugin) = &entry.plugin {
            if plugin.starts_frozen() {
                let started = plugin.instances_started();
                assert!(
                    started <= u64::from(FREEZE_AFTER) + 4,
                    "{}: {started} instances",
                    entry.origin
                );
            }
        }
    }
    for id in ["fp", "att", "eu-cp"] {
        assert!(
            test_plugin(&fresh, id).starts_frozen(),
            "{id} ran often enough to freeze"
        );
    }
}

/// Every worker of a batch keeps a fresh-isolation instance of each
/// plug-in it has run. The pool they come from was a fixed 256: with five
/// plug-ins about 50 workers used it up, and from then on every plug-in
/// call faulted, so `attest batch --jobs 64` on a 64-core server referred
/// thousands of applications for nothing. The pool is now sized for the
/// sessions the configuration says will run at once.
#[test]
fn a_hundred_sessions_at_once_each_get_an_instance_of_every_plug_in() {
    let config = attest::config::Config {
        sessions: 100,
        ..Default::default()
    };
    let screener = Screener::new(config).unwrap();
    let app = clean_export();
    let mut sessions: Vec<_> = (0..100).map(|_| screener.session()).collect();
    let mut instances = 0;
    for (i, session) in sessions.iter_mut().enumerate() {
        let d = session.screen(&app, None);
        let faults: Vec<_> = d
            .evaluations
            .iter()
            .filter_map(|e| e.fault.as_ref())
            .collect();
        assert!(faults.is_empty(), "session {i}: {faults:?}");
        instances += d.evaluations.len();
    }
    assert!(
        instances > 256,
        "more instances held at once than the old pool: {instances}"
    );
}
