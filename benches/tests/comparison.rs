//! The engines of the shared-policy comparison give the native answer.
//! Without `--features peers` only the Attest plug-in is checked; with it,
//! Cedar and both Regorus modes too (scripts/test.sh runs both).

use attest::sandbox::Isolation;
use attest_benches::comparison::{self as engines, AttestEngine};
use attest_rules::comparison::Fired;
use attest_rules::{Application, Outcome};

fn workload(n: u64) -> Vec<Application> {
    (0..n)
        .map(|i| attest::workload::application(7, i))
        .collect()
}

/// How often each rule fires and each outcome occurs in the workload.
fn tally(apps: &[Application]) -> ([usize; 6], [usize; 3]) {
    let (mut rules, mut outcomes) = ([0; 6], [0; 3]);
    let mut findings = Vec::new();
    for app in apps {
        let fired = engines::native(app, &mut findings);
        for (i, (rule, _)) in attest_rules::comparison::RULES.iter().enumerate() {
            rules[i] += usize::from(fired.rules().any(|(r, _)| r.id == rule.id));
        }
        outcomes[fired.outcome() as usize] += 1;
    }
    (rules, outcomes)
}

#[test]
fn the_workload_exercises_every_rule_and_outcome() {
    let (rules, outcomes) = tally(&workload(2_000));
    assert!(rules.iter().all(|&n| n >= 20), "rules fired: {rules:?}");
    assert!(outcomes.iter().all(|&n| n >= 50), "outcomes: {outcomes:?}");
    assert_eq!(Outcome::Approve as usize, 0);
}

#[test]
fn the_attest_plugin_agrees_with_native_rules_in_both_isolation_modes() {
    let apps = workload(2_000);
    for isolation in [Isolation::Reuse, Isolation::Fresh] {
        let engine = AttestEngine::new(isolation);
        let mut session = engine.session();
        let wrong = engines::disagreements(&apps, |app| session.decide(app).unwrap(), 5);
        assert!(wrong.is_empty(), "{isolation:?}: {wrong:?}");
    }
}

/// A request too large for the plug-in's input buffer (16 KiB) goes
/// through `attest_alloc` instead (docs/abi.md); mixing both paths on one
/// reused instance changes no answer.
#[test]
fn requests_larger_than_the_input_buffer_get_the_same_answers() {
    let apps: Vec<Application> = workload(200)
        .into_iter()
        .enumerate()
        .map(|(i, mut app)| {
            if i % 2 == 0 {
                app.goods[0].description = "rifle ".repeat(12_000);
            }
            app
        })
        .collect();
    let engine = AttestEngine::new(Isolation::Reuse);
    let mut session = engine.session();
    let wrong = engines::disagreements(&apps, |app| session.decide(app).unwrap(), 5);
    assert!(wrong.is_empty(), "{wrong:?}");
}

#[test]
fn a_disagreement_is_reported_with_both_answers() {
    let apps = workload(50);
    let wrong = engines::disagreements(&apps, |_| Fired::default(), 3);
    assert_eq!(
        wrong.len(),
        3,
        "the workload has applications that fire rules"
    );
    assert!(wrong
        .iter()
        .all(|(_, native, got)| *got == Fired::default() && native != got));
}

#[cfg(feature = "peers")]
mod peers {
    use super::*;
    use attest_benches::comparison::{cedar::CedarEngine, rego::RegoInterpreter, rego::RegoVm};

    /// The agreement check of docs/performance.md: 100,000 applications.
    const SAMPLE: u64 = 100_000;

    #[test]
    fn cedar_agrees_with_native_rules() {
        let cedar = CedarEngine::new();
        let wrong = engines::disagreements(&workload(SAMPLE), |app| cedar.decide(app), 5);
        assert!(wrong.is_empty(), "{wrong:?}");
    }

    #[test]
    fn the_regorus_interpreter_agrees_with_native_rules() {
        let mut rego = RegoInterpreter::new();
        let wrong = engines::disagreements(&workload(SAMPLE), |app| rego.decide(app), 5);
        assert!(wrong.is_empty(), "{wrong:?}");
    }

    #[test]
    fn the_regorus_vm_agrees_with_native_rules() {
        let mut rego = RegoVm::new();
        let wrong = engines::disagreements(&workload(SAMPLE), |app| rego.decide(app), 5);
        assert!(wrong.is_empty(), "{wrong:?}");
    }
}
