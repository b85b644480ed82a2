//! Screening: one application through route → encode → plug-in →
//! findings → combine, giving a [`Decision`]. The [`Screener`] owns what
//! is loaded once (engine, compiled plug-ins, reference data); a
//! [`Session`] holds what one worker reuses between applications.

use crate::combine::{combine, FAULT_RULE};
use crate::config::Config;
use crate::config::PolicyEntry;
use crate::decision::{Decision, Evaluation, FindingRecord, Label, Provenance, RunData};
use crate::manifest::{InForce, RequestForm};
use crate::reference::{hex, DataError, Library};
use crate::route::{self, involvements, Involvement, StateSelector};
use crate::sandbox::{Evaluator, Fault, LoadFailure, Plugin, Sandbox};
use attest_rules::abi::codec;
use attest_rules::abi::view;
use attest_rules::finding::outcome_of;
use attest_rules::model::{Application, Date, Role};
use attest_rules::reference::ReferenceData;
use attest_rules::Outcome;
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Arc;

/// A plug-in as the screener holds it: ready, or refused at load with the
/// reason (it then yields `refer` wherever it is routed).
pub enum Loaded {
    Ready(Box<Plugin>),
    Broken {
        id: String,
        version: String,
        sha256: String,
        origin: String,
        fault: Fault,
    },
}

impl Loaded {
    /// sha256 of the module bytes.
    pub fn sha256(&self) -> &str {
        match self {
            Loaded::Ready(p) => &p.sha256,
            Loaded::Broken { sha256, .. } => sha256,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Loaded::Ready(p) => &p.manifest.id,
            Loaded::Broken { id, .. } => id,
        }
    }
}

/// Why the host refused to start. Nothing is screened.
#[derive(Debug)]
pub enum SetupError {
    Data(DataError),
    Engine(Fault),
    /// A module's sha256 differs from its pin: tampered, or not the module
    /// the configuration approved.
    PinMismatch {
        module: String,
        expected: String,
        found: String,
    },
    /// A module's manifest is unreadable or states an unsupported ABI or
    /// bad effective dates.
    Manifest {
        module: String,
        problem: String,
    },
    /// Two versions of one policy are in force on the same day.
    OverlappingVersions {
        policy: String,
        first: String,
        second: String,
    },
    /// A signature is required and missing, or does not verify.
    Signature {
        module: String,
        problem: String,
    },
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetupError::Data(e) => e.fmt(f),
            SetupError::Engine(e) => write!(f, "sandbox could not start: {e}"),
            SetupError::PinMismatch { module, expected, found } => write!(
                f,
                "{module}: sha256 {found} does not match the pinned {expected}; refusing to load it (nothing was run)"
            ),
            SetupError::Signature { module, problem } => {
                write!(f, "{module}: {problem}; refusing to load it (nothing was run)")
            }
            SetupError::Manifest { module, problem } => {
                write!(f, "{module}: {problem}; refusing to load it (nothing was run)")
            }
            SetupError::OverlappingVersions { policy, first, second } => write!(
                f,
                "policy {policy}: {first} and {second} are both in force on some day; \
                 give them effective dates that do not overlap"
            ),
        }
    }
}

impl std::error::Error for SetupError {}

/// One registry entry as loaded: the plug-in (or why it is broken) and
/// the states and roles it serves.
pub struct Registered {
    pub plugin: Loaded,
    /// What every evaluation record of this plug-in repeats.
    labels: Labels,
    pub origin: String,
    pub states: Vec<StateSelector>,
    pub roles: Vec<Role>,
    /// The manifest's effective window; always in force for a broken
    /// plug-in, so that it refers instead of silently not running.
    in_force: InForce,
}

impl Registered {
    /// Does this entry run for `who` in this application on `date`?
    fn runs_for(
        &self,
        app: &Application,
        who: Involvement,
        date: Date,
        data: &ReferenceData,
    ) -> bool {
        self.in_force.on(date) && route::serves(&self.states, &self.roles, app, who, date, data)
    }
}

pub struct Screener {
    registry: Vec<Registered>,
    library: Library,
    /// The data part of every decision's provenance, built once.
    run_data: Arc<RunData>,
    _sandbox: Sandbox,
}

impl Screener {
    /// Loads data and plug-ins. Integrity problems stop the host before any
    /// plug-in code runs: a module whose sha256 differs from its pin, a
    /// manifest that is unreadable or names an unsupported ABI, versions of
    /// one policy whose effective dates overlap. A module that passes those
    /// but faults when instantiated is kept as broken and refers every
    /// application it is routed to, naming its fault.
    pub fn new(config: Config) -> Result<Screener, SetupError> {
        let library = Library::load(&config.data).map_err(SetupError::Data)?;
        let limits = config
            .limits
            .clone()
            .for_sessions(config.sessions, config.policies.len());
        let mut sandbox = Sandbox::new(limits).map_err(SetupError::Engine)?;
        if let Some(dir) = &config.cache_dir {
            if let Err(warning) = sandbox.use_cache(dir) {
                eprintln!("attest: warning: {warning}");
            }
        }
        for entry in &config.policies {
            check_integrity(entry)?;
            check_signature(entry, &config.trusted_keys)?;
        }
        let registry: Vec<Registered> = config
            .policies
            .into_iter()
            .enumerate()
            .map(|(i, entry)| {
                let wants = crate::manifest::read(&entry.wasm)
                    .map(|m| m.data)
                    .unwrap_or_default();
                let mut data = Vec::new();
                codec::encode(&library.subset(&wants), &mut data);
                let plugin = match sandbox.load(&entry.wasm, data) {
                    Ok(p) => Loaded::Ready(Box::new(p)),
                    Err(failure) => broken(i, &entry, failure),
                };
                let in_force = match &plugin {
                    Loaded::Ready(p) => InForce::of(&p.manifest),
                    Loaded::Broken { .. } => InForce::default(),
                };
                Registered {
                    in_force,
                    labels: Labels::of(&plugin),
                    plugin,
                    origin: entry.origin,
                    states: entry.states,
                    roles: entry.roles,
                }
            })
            .collect();
        check_versions(&registry)?;
        Ok(Screener {
            registry,
            run_data: Arc::new(RunData::new(
                library
                    .sets
                    .iter()
                    .map(|s| (s.name.clone(), s.sha256.clone()))
                    .collect(),
                library.sets.clone(),
            )),
            library,
            _sandbox: sandbox,
        })
    }

    pub fn registry(&self) -> &[Registered] {
        &self.registry
    }

    pub fn library(&self) -> &Library {
        &self.library
    }

    /// A worker's session: reuses instances (in `Reuse` isolation) and
    /// buffers across applications.
    pub fn session(&self) -> Session<'_> {
        let evaluators = self
            .registry
            .iter()
            .map(|r| match &r.plugin {
                Loaded::Ready(plugin) => Some(plugin.evaluator()),
                Loaded::Broken { .. } => None,
            })
            .collect();
        Session {
            screener: self,
            evaluators,
            requests: Requests::default(),
            labels: self.registry.iter().map(|r| r.labels.unshared()).collect(),
            run_data: Arc::new(RunData::clone(&self.run_data)),
        }
    }

    /// Screens one application (a one-off session).
    pub fn screen(&self, app: &Application, as_of: Option<Date>) -> Decision {
        self.session().screen(app, as_of)
    }
}

/// The pin and the manifest, checked from the bytes alone.
/// A decision's `input_sha256`: the sha256 of the application's canonical
/// bytes (its wire form, `docs/abi.md`), so that TOML and JSON of one
/// application hash alike. Screening hashes the bytes it has already
/// encoded for the plug-ins; this encodes them anew.
pub fn input_sha256(app: &Application) -> String {
    let mut bytes = Vec::new();
    codec::encode(app, &mut bytes);
    canonical_sha256(&bytes)
}

fn canonical_sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn check_integrity(entry: &PolicyEntry) -> Result<(), SetupError> {
    let found = hex(&Sha256::digest(&entry.wasm));
    if let Some(expected) = &entry.sha256 {
        if !expected.eq_ignore_ascii_case(&found) {
            return Err(SetupError::PinMismatch {
                module: entry.origin.clone(),
                expected: expected.clone(),
                found,
            });
        }
    }
    match crate::manifest::read(&entry.wasm) {
        // A module without a readable manifest is refused by the sandbox
        // with the same message; it is kept as broken (refer), so that an
        // unpinned test module is contained like any other fault.
        Err(_) if entry.sha256.is_none() => Ok(()),
        Err(e) => Err(SetupError::Manifest {
            module: entry.origin.clone(),
            problem: e.to_string(),
        }),
        Ok(m) => m.check().map_err(|e| SetupError::Manifest {
            module: entry.origin.clone(),
            problem: e.to_string(),
        }),
    }
}

/// With trusted keys configured, every module must carry a signature by
/// one of them; a signature without trusted keys is refused too, since it
/// could not be checked.
fn check_signature(
    entry: &PolicyEntry,
    trusted: &[ed25519_dalek::VerifyingKey],
) -> Result<(), SetupError> {
    let refuse = |problem: String| SetupError::Signature {
        module: entry.origin.clone(),
        problem,
    };
    match (&entry.signature, trusted.is_empty()) {
        (None, true) => Ok(()),
        (None, false) => Err(refuse("no signature, and [trust] keys require one".into())),
        (Some(_), true) => Err(refuse(
            "signed, but no [trust] keys are configured to check it".into(),
        )),
        (Some(sig), false) => crate::signing::verify(&entry.wasm, sig, trusted)
            .map(|_| ())
            .map_err(|e| refuse(e.0)),
    }
}

/// Versions of one policy id must not be in force on the same day.
fn check_versions(registry: &[Registered]) -> Result<(), SetupError> {
    let ready: Vec<(&str, &crate::manifest::Manifest)> = registry
        .iter()
        .filter_map(|r| match &r.plugin {
            Loaded::Ready(p) => Some((r.origin.as_str(), &p.manifest)),
            Loaded::Broken { .. } => None,
        })
        .collect();
    for (i, (first, a)) in ready.iter().enumerate() {
        for (second, b) in &ready[i + 1..] {
            if a.id != b.id {
                continue;
            }
            let ((af, au), (bf, bu)) = (a.effective(), b.effective());
            let starts_before_other_ends =
                |from: Option<Date>, until: Option<Date>| match (from, until) {
                    (Some(f), Some(u)) => f <= u,
                    _ => true,
                };
            if starts_before_other_ends(af, bu) && starts_before_other_ends(bf, au) {
                return Err(SetupError::OverlappingVersions {
                    policy: a.id.clone(),
                    first: format!("{first} ({})", a.version),
                    second: format!("{second} ({})", b.version),
                });
            }
        }
    }
    Ok(())
}

fn broken(i: usize, entry: &PolicyEntry, failure: LoadFailure) -> Loaded {
    let LoadFailure { manifest, fault } = failure;
    Loaded::Broken {
        id: manifest
            .as_ref()
            .map_or_else(|| format!("plugin-{i}"), |m| m.id.clone()),
        version: manifest.map_or_else(String::new, |m| m.version),
        sha256: hex(&Sha256::digest(&entry.wasm)),
        origin: entry.origin.clone(),
        fault,
    }
}

pub struct Session<'s> {
    screener: &'s Screener,
    evaluators: Vec<Option<Evaluator<'s>>>,
    requests: Requests,
    /// The registry's labels and the run's data, copied for this session:
    /// every decision clones them, and a reference count shared by the
    /// sessions of several workers is a cache line the cores fight over.
    labels: Vec<Labels>,
    run_data: Arc<RunData>,
}

/// One application's full request (`docs/abi.md`), encoded once per
/// application and then re-addressed for each plug-in that decodes it: the
/// requests to the plug-ins one application is routed to differ only in
/// date, state and role. (A plug-in that reads the view gets its request
/// written straight into its own memory instead: `view::write_request`.)
#[derive(Default)]
struct Requests {
    full: Vec<u8>,
}

impl Requests {
    /// Encodes the full request, which every screening needs for
    /// `input_sha256`.
    fn start(&mut self, app: &Application, as_of: Date) {
        codec::encode_request(
            as_of,
            app.licensing_state,
            Role::Export,
            app,
            &mut self.full,
        );
    }

    /// The full request, addressed to `who`.
    fn addressed(&mut self, as_of: Date, who: Involvement) -> &[u8] {
        codec::readdress_request(&mut self.full, as_of, who.state, who.role);
        &self.full
    }
}

impl Session<'_> {
    /// Screens one application as of `as_of` (default: its `submitted`).
    pub fn screen(&mut self, app: &Application, as_of: Option<Date>) -> Decision {
        let as_of = as_of.unwrap_or(app.submitted);
        let data = &self.screener.library.data;
        let mut findings = Vec::new();
        let mut evaluations = Vec::new();
        let mut not_covered = Vec::new();
        self.requests.start(app, as_of);
        let input_sha256 = canonical_sha256(codec::application_bytes(&self.requests.full));
        for who in involvements(app) {
            let mut ran = false;
            for (i, entry) in self.screener.registry.iter().enumerate() {
                if !entry.runs_for(app, who, as_of, data) {
                    continue;
                }
                ran = true;
                let result = match (&mut self.evaluators[i], &entry.plugin) {
                    (Some(evaluator), Loaded::Ready(plugin)) => match plugin.manifest.request {
                        RequestForm::Full => {
                            evaluator.evaluate(self.requests.addressed(as_of, who))
                        }
                        RequestForm::View => {
                            let text = plugin.view_text;
                            evaluator.evaluate_with(view::request_len(app, text), |dst| {
                                view::write_request(as_of, who.state, who.role, app, text, dst)
                            })
                        }
                    },
                    (_, Loaded::Broken { fault, .. }) => Err(fault.clone()),
                    (None, Loaded::Ready(_)) => Err(Fault::NotLoadable("no evaluator".into())),
                };
                let fuel_used = self.evaluators[i].as_ref().map_or(0, Evaluator::fuel_used);
                evaluations.push(record(
                    &self.labels[i],
                    who,
                    result,
                    fuel_used,
                    &mut findings,
                ));
            }
            if !ran {
                not_covered.push(who);
            }
        }
        let outcome = combine(&evaluations, &mut findings);
        Decision {
            application: app.id.clone(),
            // `text!` rather than `to_string`: no `core::fmt` on the hot path.
            as_of: attest_rules::text!(as_of),
            outcome,
            findings,
            evaluations,
            not_covered,
            provenance: Provenance {
                host: concat!("attest ", env!("CARGO_PKG_VERSION")),
                input_sha256,
                data: self.run_data.clone(),
                structured: false,
            },
        }
    }
}

/// A plug-in's id, version, module hash and instrument, made once and
/// shared by each of its evaluation records.
struct Labels {
    id: Label,
    version: Label,
    sha256: Label,
    instrument: Label,
}

impl Labels {
    fn unshared(&self) -> Labels {
        Labels {
            id: self.id.unshared(),
            version: self.version.unshared(),
            sha256: self.sha256.unshared(),
            instrument: self.instrument.unshared(),
        }
    }

    fn of(plugin: &Loaded) -> Labels {
        let (id, version, sha256, instrument) = match plugin {
            Loaded::Ready(p) => (
                p.manifest.id.clone(),
                p.manifest.version.clone(),
                p.sha256.clone(),
                p.manifest.instrument.clone().into(),
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
                Label::from("national"),
            ),
        };
        Labels {
            id: id.into(),
            version: version.into(),
            sha256: sha256.into(),
            instrument,
        }
    }
}

/// Turns one plug-in run into its evaluation record, appending findings.
/// `fuel_used` is what the run used, which a faulted run reports too.
fn record(
    labels: &Labels,
    who: Involvement,
    result: Result<crate::sandbox::Evaluated, Fault>,
    fuel_used: u64,
    findings: &mut Vec<FindingRecord>,
) -> Evaluation {
    let id = &labels.id;
    let mut evaluation = Evaluation {
        policy: id.clone(),
        version: labels.version.clone(),
        state: who.state,
        role: who.role,
        sha256: labels.sha256.clone(),
        outcome: Outcome::Refer,
        fuel: fuel_used,
        fault: None,
    };
    match result {
        Ok(done) => {
            evaluation.outcome = outcome_of(&done.findings);
            evaluation.fuel = done.fuel;
            findings.extend(done.findings.into_iter().map(|f| FindingRecord {
                policy: id.clone(),
                raised_for: Some(who),
                rule: f.rule,
                instrument: f.instrument.as_str().into(),
                article: f.article,
                effect: f.effect.as_str().into(),
                message: f.message,
                evidence: f.evidence,
                binding: f.binding,
            }));
        }
        Err(fault) => {
            findings.push(FindingRecord {
                policy: id.clone(),
                raised_for: Some(who),
                rule: FAULT_RULE.into(),
                instrument: labels.instrument.clone(),
                article: "plug-in fault".into(),
                effect: "refer".into(),
                message: format!(
                    "Plug-in {id} {fault}; its rules were not applied, so an officer must decide"
                ),
                evidence: vec![],
                binding: true,
            });
            evaluation.fault = Some(fault.to_string());
        }
    }
    evaluation
}
