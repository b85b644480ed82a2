//! Screening: one application through route → encode → plug-in →
//! findings → combine, giving a [`Decision`]. The [`Screener`] owns what
//! is loaded once (engine, compiled plug-ins, reference data); a
//! [`Session`] holds what one worker reuses between applications.

use crate::combine::{combine, FAULT_RULE};
use crate::config::Config;
use crate::decision::{Decision, Evaluation, FindingRecord, Provenance};
use crate::reference::{hex, DataError, Library};
use crate::route::{involvements, Involvement, Registration};
use crate::sandbox::{Evaluator, Fault, LoadFailure, Plugin, Sandbox};
use attest_rules::abi::codec;
use attest_rules::finding::outcome_of;
use attest_rules::model::{Application, Date};
use attest_rules::Outcome;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;

/// A plug-in as the screener holds it: ready, or refused at load with the
/// reason (it then yields `refer` wherever it is routed).
pub enum Loaded {
    Ready(Plugin),
    Broken {
        id: String,
        version: String,
        sha256: String,
        origin: String,
        fault: Fault,
    },
}

impl Loaded {
    pub fn id(&self) -> &str {
        match self {
            Loaded::Ready(p) => &p.manifest.id,
            Loaded::Broken { id, .. } => id,
        }
    }
}

#[derive(Debug)]
pub enum SetupError {
    Data(DataError),
    Engine(Fault),
    UnknownPolicy(String),
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetupError::Data(e) => e.fmt(f),
            SetupError::Engine(e) => write!(f, "sandbox could not start: {e}"),
            SetupError::UnknownPolicy(p) => write!(
                f,
                "registry names policy \"{p}\", but no loaded plug-in has that id"
            ),
        }
    }
}

impl std::error::Error for SetupError {}

pub struct Screener {
    plugins: Vec<Loaded>,
    registry: Vec<Registration>,
    library: Library,
    _sandbox: Sandbox,
}

impl Screener {
    /// Loads data and plug-ins. A plug-in that fails to load does not stop
    /// the host: it is kept as broken and refers every application it is
    /// routed to, naming its fault.
    pub fn new(config: Config) -> Result<Screener, SetupError> {
        let library = Library::load(&config.data).map_err(SetupError::Data)?;
        let sandbox = Sandbox::new(config.limits.clone()).map_err(SetupError::Engine)?;
        let plugins: Vec<Loaded> = config
            .policies
            .iter()
            .enumerate()
            .map(|(i, source)| {
                let wants = crate::manifest::read(&source.wasm)
                    .map(|m| m.data)
                    .unwrap_or_default();
                let mut data = Vec::new();
                codec::encode(&library.subset(&wants), &mut data);
                match sandbox.load(&source.wasm, data) {
                    Ok(p) => Loaded::Ready(p),
                    Err(failure) => broken(i, source, failure),
                }
            })
            .collect();
        for r in &config.registry {
            if !plugins.iter().any(|p| p.id() == r.policy) {
                return Err(SetupError::UnknownPolicy(r.policy.clone()));
            }
        }
        Ok(Screener {
            plugins,
            registry: config.registry,
            library,
            _sandbox: sandbox,
        })
    }

    pub fn plugins(&self) -> &[Loaded] {
        &self.plugins
    }

    pub fn library(&self) -> &Library {
        &self.library
    }

    /// A worker's session: reuses instances (in `Reuse` isolation) and
    /// buffers across applications.
    pub fn session(&self) -> Session<'_> {
        let evaluators = self
            .plugins
            .iter()
            .map(|p| match p {
                Loaded::Ready(plugin) => Some(plugin.evaluator()),
                Loaded::Broken { .. } => None,
            })
            .collect();
        Session {
            screener: self,
            evaluators,
            buf: Vec::new(),
        }
    }

    /// Screens one application (a one-off session).
    pub fn screen(&self, app: &Application, as_of: Option<Date>) -> Decision {
        self.session().screen(app, as_of)
    }
}

fn broken(i: usize, source: &crate::config::PolicySource, failure: LoadFailure) -> Loaded {
    let LoadFailure { manifest, fault } = failure;
    Loaded::Broken {
        id: manifest
            .as_ref()
            .map_or_else(|| format!("plugin-{i}"), |m| m.id.clone()),
        version: manifest.map_or_else(String::new, |m| m.version),
        sha256: hex(&Sha256::digest(&source.wasm)),
        origin: source.origin.clone(),
        fault,
    }
}

pub struct Session<'s> {
    screener: &'s Screener,
    evaluators: Vec<Option<Evaluator<'s>>>,
    buf: Vec<u8>,
}

impl Session<'_> {
    /// Screens one application as of `as_of` (default: its `submitted`).
    pub fn screen(&mut self, app: &Application, as_of: Option<Date>) -> Decision {
        let as_of = as_of.unwrap_or(app.submitted);
        let mut findings = Vec::new();
        let mut evaluations = Vec::new();
        let mut not_covered = Vec::new();
        for who in involvements(app) {
            let mut ran = false;
            for (i, plugin) in self.screener.plugins.iter().enumerate() {
                let routed = self
                    .screener
                    .registry
                    .iter()
                    .any(|r| r.policy == plugin.id() && r.serves(app, who));
                if !routed {
                    continue;
                }
                ran = true;
                codec::encode_request(as_of, who.state, who.role, app, &mut self.buf);
                let result = match (&mut self.evaluators[i], plugin) {
                    (Some(evaluator), Loaded::Ready(_)) => evaluator.evaluate(&self.buf),
                    (_, Loaded::Broken { fault, .. }) => Err(fault.clone()),
                    (None, Loaded::Ready(_)) => Err(Fault::NotLoadable("no evaluator".into())),
                };
                evaluations.push(record(plugin, who, result, &mut findings));
            }
            if !ran {
                not_covered.push(who);
            }
        }
        let outcome = combine(&evaluations, &mut findings);
        let data: BTreeMap<String, String> = self
            .screener
            .library
            .sets
            .iter()
            .map(|s| (s.name.clone(), s.sha256.clone()))
            .collect();
        Decision {
            application: app.id.clone(),
            as_of: as_of.to_string(),
            outcome,
            findings,
            evaluations,
            not_covered,
            provenance: Provenance {
                host: format!("attest {}", env!("CARGO_PKG_VERSION")),
                input_sha256: input_sha256(app),
                data,
                data_sets: self.screener.library.sets.clone(),
            },
        }
    }
}

/// sha256 of the application's canonical encoding.
pub fn input_sha256(app: &Application) -> String {
    let mut buf = Vec::new();
    codec::encode(app, &mut buf);
    hex(&Sha256::digest(&buf))
}

/// Turns one plug-in run into its evaluation record, appending findings.
fn record(
    plugin: &Loaded,
    who: Involvement,
    result: Result<crate::sandbox::Evaluated, Fault>,
    findings: &mut Vec<FindingRecord>,
) -> Evaluation {
    let (id, version, sha256, instrument) = match plugin {
        Loaded::Ready(p) => (
            p.manifest.id.clone(),
            p.manifest.version.clone(),
            p.sha256.clone(),
            p.manifest.instrument.clone(),
        ),
        Loaded::Broken {
            id,
            version,
            sha256,
            ..
        } => (
            id.clone(),
            version.clone(),
            sha256.clone(),
            "national".into(),
        ),
    };
    let mut evaluation = Evaluation {
        policy: id.clone(),
        version,
        state: who.state.to_string(),
        role: who.role.to_string(),
        sha256,
        outcome: Outcome::Refer,
        fuel: 0,
        fault: None,
    };
    match result {
        Ok(done) => {
            evaluation.outcome = outcome_of(&done.findings);
            evaluation.fuel = done.fuel;
            findings.extend(done.findings.into_iter().map(|f| FindingRecord {
                policy: id.clone(),
                rule: f.rule,
                instrument: f.instrument.as_str().into(),
                article: f.article,
                effect: f.effect.as_str().into(),
                message: f.message,
                evidence: f.evidence,
            }));
        }
        Err(fault) => {
            findings.push(FindingRecord {
                policy: id.clone(),
                rule: FAULT_RULE.into(),
                instrument,
                article: "plug-in fault".into(),
                effect: "refer".into(),
                message: format!(
                    "Plug-in {id} {fault}; its rules were not applied, so an officer must decide"
                ),
                evidence: vec![],
            });
            evaluation.fault = Some(fault.to_string());
        }
    }
    evaluation
}
