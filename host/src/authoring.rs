//! The policy authoring kit: scaffold a policy crate, run its fixtures
//! through the real host and sandbox, and report rule coverage.
//!
//! A fixture is a TOML file in `policies/NAME/fixtures/`: an application
//! (inline under `[application]`, or `extends` a file plus overrides and
//! `remove`d paths), the state and role to evaluate it for, and what the
//! policy must answer: the outcome and exactly which findings, by rule and
//! effect (instrument and article optional). See docs/policy-authoring.md.

use crate::application;
use crate::config::{Config, PolicyEntry};
use crate::decision::FindingRecord;
use crate::route::StateSelector;
use crate::screen::Screener;
use attest_rules::model::{Country, Date, Role};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    #[serde(default)]
    description: String,
    extends: Option<String>,
    #[serde(default)]
    remove: Vec<String>,
    state: Option<String>,
    role: Option<String>,
    as_of: Option<toml::value::Datetime>,
    #[serde(default)]
    application: toml::Table,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    outcome: String,
    #[serde(default, rename = "finding")]
    findings: Vec<ExpectedFinding>,
    /// Fuel the evaluation may use at most: fuel is deterministic, so a
    /// change that makes the rules costlier fails here, not in a batch.
    max_fuel: Option<u64>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct ExpectedFinding {
    rule: String,
    effect: String,
    instrument: Option<String>,
    article: Option<String>,
}

impl ExpectedFinding {
    fn matches(&self, f: &FindingRecord) -> bool {
        self.rule == f.rule
            && f.effect == self.effect
            && self.instrument.as_ref().is_none_or(|i| f.instrument == *i)
            && self.article.as_ref().is_none_or(|a| *a == f.article)
    }
}

/// The result of one fixture.
pub struct FixtureResult {
    pub path: PathBuf,
    pub description: String,
    /// Empty when the fixture passed; otherwise the readable diff.
    pub problems: Vec<String>,
    /// Rules that fired.
    pub fired: Vec<String>,
    /// Fuel the evaluation used (about one wasm instruction each), when
    /// the policy ran.
    pub fuel: Option<u64>,
}

/// All fixtures of a policy, and its coverage.
pub struct Report {
    pub policy: String,
    pub results: Vec<FixtureResult>,
    pub rules: Vec<String>,
}

impl Report {
    pub fn failed(&self) -> usize {
        self.results
            .iter()
            .filter(|r| !r.problems.is_empty())
            .count()
    }

    /// Manifest rules no fixture made fire.
    pub fn unreached(&self) -> Vec<&str> {
        let fired: BTreeSet<&str> = self
            .results
            .iter()
            .flat_map(|r| r.fired.iter().map(String::as_str))
            .collect();
        self.rules
            .iter()
            .map(String::as_str)
            .filter(|r| !fired.contains(r))
            .collect()
    }

    pub fn render(&self) -> String {
        let mut s = String::new();
        for r in &self.results {
            let status = if r.problems.is_empty() {
                "PASS"
            } else {
                "FAIL"
            };
            let fuel = r
                .fuel
                .map(|f| format!("  ({} fuel)", grouped(f)))
                .unwrap_or_default();
            let _ = writeln!(s, "{status} {}  {}{fuel}", r.path.display(), r.description);
            for p in &r.problems {
                let _ = writeln!(s, "     {p}");
            }
        }
        let unreached = self.unreached();
        let _ = writeln!(
            s,
            "{}: {} of {} fixtures passed; rule coverage {} of {}",
            self.policy,
            self.results.len() - self.failed(),
            self.results.len(),
            self.rules.len() - unreached.len(),
            self.rules.len()
        );
        if !unreached.is_empty() {
            let _ = writeln!(s, "never fired: {}", unreached.join(", "));
        }
        let fuel = self.results.iter().filter_map(|r| r.fuel);
        if let (Some(least), Some(most)) = (fuel.clone().min(), fuel.max()) {
            let _ = writeln!(
                s,
                "fuel per fixture: {} to {}",
                grouped(least),
                grouped(most)
            );
        }
        s
    }
}

/// `1234567` as `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Merges `over` into `base`: tables recursively, anything else replaced.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Removes a dotted path (`documents.import_licence`) from a table.
fn remove(table: &mut toml::Table, path: &str) -> bool {
    match path.split_once('.') {
        None => table.remove(path).is_some(),
        Some((head, rest)) => match table.get_mut(head) {
            Some(toml::Value::Table(t)) => remove(t, rest),
            _ => false,
        },
    }
}

/// Runs every fixture of the policy module `wasm` found in `fixtures`,
/// with the reference data of `config`.
pub fn run_fixtures(wasm: &[u8], fixtures: &Path, config: &Config) -> Result<Report, String> {
    let manifest = crate::manifest::read(wasm).map_err(|e| e.to_string())?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures)
        .map_err(|e| format!("{}: {e}", fixtures.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("{}: no fixtures (*.toml)", fixtures.display()));
    }
    let mut results = Vec::new();
    for path in files {
        results.push(run_fixture(&path, wasm, &manifest.id, config)?);
    }
    Ok(Report {
        policy: manifest.id,
        results,
        rules: manifest.rules,
    })
}

fn run_fixture(
    path: &Path,
    wasm: &[u8],
    id: &str,
    config: &Config,
) -> Result<FixtureResult, String> {
    let at = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| at(&e))?;
    let fixture: FixtureFile = toml::from_str(&text).map_err(|e| at(&e))?;
    let mut app = match &fixture.extends {
        Some(base) => {
            let base_path = path.parent().unwrap_or(Path::new(".")).join(base);
            let text = std::fs::read_to_string(&base_path)
                .map_err(|e| at(&format!("extends {}: {e}", base_path.display())))?;
            toml::from_str::<toml::Table>(&text).map_err(|e| at(&e))?
        }
        None => toml::Table::new(),
    };
    merge(&mut app, fixture.application);
    for p in &fixture.remove {
        if !remove(&mut app, p) {
            return Err(at(&format!("remove: no field {p} in the application")));
        }
    }
    let parsed = application::parse(
        &toml::to_string(&app).map_err(|e| at(&e))?,
        application::Format::Toml,
        true,
    )
    .map_err(|e| at(&format!("the fixture's application is invalid:\n{e}")))?;
    let app = parsed.application;
    let state = match &fixture.state {
        Some(s) => {
            Country::new(s).ok_or_else(|| at(&format!("state: \"{s}\" is not a country code")))?
        }
        None => app.licensing_state,
    };
    let role = match &fixture.role {
        Some(r) => Role::parse(r).ok_or_else(|| {
            at(&format!(
                "role: \"{r}\" is not export, import, transit or brokering"
            ))
        })?,
        None => app.kind.licensing_role(),
    };
    let as_of = match &fixture.as_of {
        Some(d) => Some(Date::parse(&d.to_string()).ok_or_else(|| at(&"as_of: expected a date"))?),
        None => None,
    };
    let config = Config {
        policies: vec![PolicyEntry {
            origin: id.to_string(),
            wasm: wasm.to_vec(),
            sha256: None,
            states: vec![StateSelector::State(state)],
            roles: vec![role],
            signature: None,
        }],
        ..config.clone()
    };
    let screener = Screener::new(config).map_err(|e| at(&e))?;
    let decision = screener.screen(&app, as_of);
    let mut problems = Vec::new();
    let Some(evaluation) = decision.evaluations.iter().find(|e| e.policy == id) else {
        problems.push(format!(
            "the policy did not run: {state} is not {role} in this application"
        ));
        return Ok(FixtureResult {
            path: path.into(),
            description: fixture.description,
            problems,
            fired: vec![],
            fuel: None,
        });
    };
    if let Some(fault) = &evaluation.fault {
        problems.push(format!("the plug-in faulted: {fault}"));
    }
    if let Some(max) = fixture.expect.max_fuel.filter(|&max| evaluation.fuel > max) {
        problems.push(format!(
            "fuel: used {}, over the fixture's max_fuel of {}",
            grouped(evaluation.fuel),
            grouped(max)
        ));
    }
    if evaluation.outcome.as_str() != fixture.expect.outcome {
        problems.push(format!(
            "outcome: expected {}, got {}",
            fixture.expect.outcome,
            evaluation.outcome.as_str()
        ));
    }
    let mut actual: Vec<&FindingRecord> = decision
        .findings
        .iter()
        .filter(|f| f.policy == id)
        .collect();
    for expected in &fixture.expect.findings {
        match actual.iter().position(|f| expected.matches(f)) {
            Some(i) => {
                actual.remove(i);
            }
            None => problems.push(format!("missing:    {} {}", expected.rule, expected.effect)),
        }
    }
    for f in &actual {
        problems.push(format!(
            "unexpected: {} {} [{} {}] {}",
            f.rule, f.effect, f.instrument, f.article, f.message
        ));
    }
    let fired = decision
        .findings
        .iter()
        .filter(|f| f.policy == id)
        .map(|f| f.rule.clone())
        .collect();
    Ok(FixtureResult {
        path: path.into(),
        description: fixture.description,
        problems,
        fired,
        fuel: Some(evaluation.fuel),
    })
}

/// Scaffolds `NAME` under the policies workspace `dir` for `state`: a crate
/// that builds as is, with one example rule, one fixture and a README; and
/// adds it to the workspace members. Returns the files written.
pub fn scaffold(dir: &Path, name: &str, state: Country) -> Result<Vec<PathBuf>, String> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.starts_with(|c: char| c.is_ascii_lowercase());
    if !valid {
        return Err(format!("policy name \"{name}\": use lower-case letters, digits and dashes, starting with a letter"));
    }
    let workspace = dir.join("Cargo.toml");
    let members = std::fs::read_to_string(&workspace).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!(
            "{}: no policies workspace here; run from the repository root or pass --dir",
            workspace.display()
        ),
        _ => format!("{}: {e}", workspace.display()),
    })?;
    let crate_dir = dir.join(name);
    if crate_dir.exists() {
        return Err(format!("{} already exists", crate_dir.display()));
    }
    let rule = format!("{name}.1.no-individual-end-users");
    let files: Vec<(PathBuf, String)> = vec![
        (
            crate_dir.join("Cargo.toml"),
            template(CARGO_TOML, name, state, &rule),
        ),
        (
            crate_dir.join("manifest.toml"),
            template(MANIFEST_TOML, name, state, &rule),
        ),
        (
            crate_dir.join("src/lib.rs"),
            template(LIB_RS, name, state, &rule),
        ),
        (
            crate_dir.join("fixtures/individual-end-user.toml"),
            template(FIXTURE_TOML, name, state, &rule),
        ),
        (
            crate_dir.join("README.md"),
            template(README_MD, name, state, &rule),
        ),
    ];
    for (path, text) in &files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let updated = add_member(&members, name)
        .ok_or_else(|| format!("{}: no `members = [...]` list", workspace.display()))?;
    std::fs::write(&workspace, updated).map_err(|e| format!("{}: {e}", workspace.display()))?;
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

fn add_member(cargo_toml: &str, name: &str) -> Option<String> {
    let start = cargo_toml.find("members = [")?;
    let end = start + cargo_toml[start..].find(']')?;
    let list = cargo_toml[..end].trim_end().trim_end_matches(',');
    Some(format!("{list}, \"{name}\"{}", &cargo_toml[end..]))
}

fn template(text: &str, name: &str, state: Country, rule: &str) -> String {
    text.replace("{{name}}", name)
        .replace("{{crate}}", &name.replace('-', "_"))
        .replace("{{state}}", state.as_str())
        .replace("{{rule}}", rule)
        .replace("{{abi}}", &attest_rules::abi::ABI_VERSION.to_string())
}

const CARGO_TOML: &str = r#"[package]
name = "policy-{{name}}"
version.workspace = true
edition.workspace = true
license.workspace = true
publish = false

[lib]
crate-type = ["cdylib"]

[dependencies]
attest-rules.workspace = true
"#;

const MANIFEST_TOML: &str = r#"# Read by the host without running the plug-in (custom section attest.manifest).
id = "{{name}}"
version = "0.1.0"
instrument = "national"
title = "National licensing policy of {{state}}"
abi = {{abi}}
# Reference data sets this policy reads: un-arms-embargoes, eu-arms-embargoes,
# national-embargoes, treaty-parties, eu-members, risk-register, eu-denials.
data = []
# Every rule id the policy can emit (coverage is reported against this list).
rules = ["{{rule}}"]
"#;

const LIB_RS: &str = r#"//! Policy plug-in `{{name}}`: the national licensing policy of {{state}}.
//! Built with `attest policy build {{name}}`, tested with
//! `attest policy test {{name}}` (fixtures in fixtures/).
#![no_std]
extern crate alloc;

use alloc::vec::Vec;
use attest_rules::checks::Context;
use attest_rules::model::PartyType;
use attest_rules::{text, Application, Effect, Finding, Instrument, Rule};

/// Each rule names the article it applies; the id starts with the policy.
const NO_INDIVIDUAL_END_USERS: Rule = Rule {
    id: "{{rule}}",
    instrument: Instrument::National,
    article: "1",
    checks: "no transfers to individuals",
};

/// Art. 1: no transfers to individuals.
fn no_individual_end_users(app: &Application, out: &mut Vec<Finding>) {
    for (i, p) in app.recipients() {
        if p.party_type == PartyType::Individual {
            out.push(
                NO_INDIVIDUAL_END_USERS
                    // text! builds the string as format! would, without
                    // core::fmt's machinery: far cheaper in the sandbox.
                    .finding(Effect::Deny, text!("\"", p.name, "\" is an individual"))
                    .at(text!("parties[", i, "].type")),
            );
        }
    }
}

fn evaluate(app: &Application, _ctx: &Context<'_>, out: &mut Vec<Finding>) {
    no_individual_end_users(app, out);
}

/// Every rule, exported as the rule table: `attest policy rules` shows
/// officers what each checks. Each must be in manifest.toml's `rules`.
const RULES: &[Rule] = &[NO_INDIVIDUAL_END_USERS];

attest_rules::export_policy!(evaluate, rules = [RULES]);
"#;

const FIXTURE_TOML: &str = r#"description = "Art. 1: an individual end user is refused"
# Evaluate for this state in this role (default: the licensing state).
state = "{{state}}"
role = "export"

[expect]
outcome = "deny"

[[expect.finding]]
rule = "{{rule}}"
effect = "deny"
article = "1"

[application]
id = "{{state}}-FIXTURE-1"
kind = "export"
licensing_state = "{{state}}"
submitted = 2026-11-20

[application.applicant]
name = "Example exporter"
state = "{{state}}"
kind = "dealer"

[application.route]
origin = "{{state}}"
destination = "XB"
transport = "air"

[[application.parties]]
role = "end_user"
name = "A private person"
state = "XB"
type = "individual"

[[application.goods]]
description = "Hunting rifle"
item = "firearm"
quantity = 1

[application.goods.marking]
manufacturer = "Example maker"
country = "{{state}}"
serial_numbers = true
"#;

const README_MD: &str = r#"# Policy `{{name}}`

The national licensing policy of {{state}}, as an Attest plug-in.

- `src/lib.rs`: the rules, one function per article, each citing it.
- `manifest.toml`: id, version, instrument, the data sets it reads, and
  every rule id it can emit.
- `fixtures/`: applications with the outcome and findings they must get.

```sh
attest policy build {{name}}     # builds dist/{{name}}.wasm reproducibly
attest policy test {{name}}      # runs the fixtures, reports rule coverage
attest policy inspect policies/dist/{{name}}.wasm
```

Then register it in `attest.toml` with its sha256 (see
docs/policy-authoring.md).
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuel_is_shown_in_groups_of_three_digits() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(27_113), "27,113");
        assert_eq!(grouped(50_000_000), "50,000,000");
    }

    #[test]
    fn a_new_member_is_appended_to_the_workspace_list() {
        let toml = "[workspace]\nmembers = [\"fp\", \"att\"]\n\n[x]\n";
        assert_eq!(
            add_member(toml, "xq").unwrap(),
            "[workspace]\nmembers = [\"fp\", \"att\", \"xq\"]\n\n[x]\n"
        );
    }
}
