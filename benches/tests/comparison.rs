//! The engines of the shared-policy comparison give the native answer.
//! Without `--features peers` only the Attest plug-in is checked; with it,
//! Cedar and both Regorus modes too (scripts/test.sh runs both).

use attest::sandbox::Isolation;
use attest_benches::comparison::{self as engines, AttestEngine};
use attest_rules::abi::view;
use attest_rules::comparison::{self, Fired, BULK_QUANTITY, CONCERN, EMBARGOED, HIGH_VALUE};
use attest_rules::model::{Country, PartyRole, PartyType};
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
/// reused instance changes no answer. The plug-in is sent one string, the
/// control entry, so that is the one made long; a tail of `.a` sub-entries
/// leaves ML1 and ML10 what they were.
#[test]
fn requests_larger_than_the_input_buffer_get_the_same_answers() {
    let engine = AttestEngine::new(Isolation::Reuse);
    let mut large = 0;
    let apps: Vec<Application> = workload(200)
        .into_iter()
        .enumerate()
        .map(|(i, mut app)| {
            if let (0, Some(entry)) = (i % 2, &mut app.goods[0].control_entry) {
                entry.push_str(&".a".repeat(10_000));
                large += 1;
            }
            app
        })
        .collect();
    let text = engine.view_text();
    let over = apps
        .iter()
        .filter(|app| view::request_len(app, text) > 16 * 1024)
        .count();
    assert!(
        over == large && large > 50,
        "{over} of {large} over the buffer"
    );
    let mut session = engine.session();
    let wrong = engines::disagreements(&apps, |app| session.decide(app).unwrap(), 5);
    assert!(wrong.is_empty(), "{wrong:?}");
}

/// The policy written out plainly from the table of
/// `attest_rules::comparison`, reading every fact of every application:
/// the oracle for the shared rule code, which reads the goods only when a
/// rule will look at them.
fn plainly(app: &Application) -> Fired {
    let listed = |list: &[&str], state: Country| list.contains(&state.as_str());
    let civilian = app.parties.iter().any(|p| {
        p.role == PartyRole::EndUser
            && matches!(p.party_type, PartyType::Individual | PartyType::Commercial)
    });
    let ml1: u64 = app
        .goods
        .iter()
        .filter(|g| g.control_entry.as_deref().is_some_and(comparison::is_ml1))
        .fold(0, |sum, g| sum.saturating_add(g.quantity));
    let value = app.goods.iter().fold(0.0, |sum, g| {
        sum + g.unit_value.map_or(0.0, |v| v * g.quantity as f64)
    });
    let fired = [
        listed(&EMBARGOED, app.route.destination),
        app.route.transit.iter().any(|&t| listed(&EMBARGOED, t)),
        app.documents.import_licence.is_none(),
        civilian && ml1 > BULK_QUANTITY,
        listed(&CONCERN, app.route.destination) && value as u64 > HIGH_VALUE,
        app.documents.end_user_certificate.is_none(),
    ];
    let ids = comparison::RULES
        .iter()
        .zip(fired)
        .filter_map(|((rule, _), fires)| fires.then_some(rule.id));
    Fired::from_ids(ids).expect("rules of the table")
}

#[test]
fn the_native_rules_give_the_answer_of_the_policy_read_plainly() {
    let apps = workload(20_000);
    let wrong = engines::disagreements(&apps, plainly, 5);
    assert!(wrong.is_empty(), "(index, native, plainly): {wrong:?}");
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
