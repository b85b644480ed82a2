//! The engines of the shared-policy comparison (`attest_rules::comparison`,
//! docs/performance.md). Each takes an application and answers with the
//! set of rules that fired; the outcome follows from the set. Everything an
//! engine needs per decision — encoding the application into its input
//! form and reading its answer back — happens inside `decide`, so that the
//! timings compare like with like.
//!
//! The Cedar and Rego peers build only with the `peers` feature.

#[cfg(feature = "peers")]
pub mod cedar;
#[cfg(feature = "peers")]
pub mod rego;

use attest::sandbox::{Evaluator, Fault, Isolation, Limits, Plugin, Sandbox};
use attest_rules::abi::codec::{self, Reused};
use attest_rules::abi::view::{self, TextFields};
use attest_rules::comparison::{self, Fired};
use attest_rules::model::Role;
use attest_rules::{Application, Finding};

/// The published comparison plug-in.
pub const PLUGIN_WASM: &[u8] = include_bytes!("../../policies/dist/comparison.wasm");

/// The floor: the policy's rule code called directly, producing the same
/// findings the plug-in returns.
pub fn native(app: &Application, out: &mut Vec<Finding>) -> Fired {
    out.clear();
    comparison::run(app, out);
    fired(out)
}

/// The rules named by a list of findings.
pub fn fired(findings: &[Finding]) -> Fired {
    Fired::from_ids(findings.iter().map(|f| f.rule.as_str()))
        .unwrap_or_else(|| panic!("a finding names a rule outside the policy: {findings:?}"))
}

/// The comparison plug-in in a sandbox of its own.
pub struct AttestEngine {
    plugin: Plugin,
    _sandbox: Sandbox,
}

impl AttestEngine {
    pub fn new(isolation: Isolation) -> AttestEngine {
        let sandbox = Sandbox::new(Limits {
            isolation,
            ..Limits::default()
        })
        .expect("engine");
        let plugin = sandbox
            .load(PLUGIN_WASM, plugin_data())
            .expect("comparison plug-in loads");
        AttestEngine {
            plugin,
            _sandbox: sandbox,
        }
    }

    /// The text fields the plug-in's manifest asks for in its requests.
    pub fn view_text(&self) -> TextFields {
        self.plugin.view_text
    }

    /// An evaluator holding the findings buffer, one per thread.
    pub fn session(&self) -> AttestSession<'_> {
        AttestSession {
            evaluator: self.plugin.evaluator(),
            text: self.plugin.view_text,
            findings: Reused::default(),
        }
    }
}

/// The policy uses no reference data: it is initialised with an empty set.
fn plugin_data() -> Vec<u8> {
    let mut bytes = Vec::new();
    codec::encode(
        &attest_rules::reference::ReferenceData::default(),
        &mut bytes,
    );
    bytes
}

pub struct AttestSession<'p> {
    evaluator: Evaluator<'p>,
    text: TextFields,
    findings: Reused<Finding>,
}

impl AttestSession<'_> {
    /// Encode into the instance, evaluate, read the findings back.
    pub fn decide(&mut self, app: &Application) -> Result<Fired, Fault> {
        // The plug-in's manifest asks for the view request, with only the
        // text fields it reads; it is written straight into the instance's
        // input buffer, as `attest screen` and `attest batch` write it.
        let text = self.text;
        let (as_of, state) = (app.submitted, app.licensing_state);
        self.evaluator.evaluate_with_into(
            view::request_len(app, text),
            |dst| view::write_request(as_of, state, Role::Export, app, text, dst),
            &mut self.findings,
        )?;
        Ok(fired(self.findings.as_slice()))
    }
}

/// Disagreements between an engine and the native rules over `apps`:
/// (index, native answer, engine answer), at most `limit` of them.
pub fn disagreements(
    apps: &[Application],
    mut engine: impl FnMut(&Application) -> Fired,
    limit: usize,
) -> Vec<(usize, Fired, Fired)> {
    let mut out = Vec::new();
    let mut findings = Vec::new();
    for (i, app) in apps.iter().enumerate() {
        let (expected, got) = (native(app, &mut findings), engine(app));
        if expected != got {
            out.push((i, expected, got));
            if out.len() == limit {
                break;
            }
        }
    }
    out
}
