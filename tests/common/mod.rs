//! Shared helpers for the integration tests: a clean baseline application
//! to mutate, one screener per test binary, and assertions that read like
//! the finding a user would look for.
#![allow(dead_code)]

use attest::application::{self, Format};
use attest::config::Config;
use attest::decision::{Decision, FindingRecord};
use attest::screen::Screener;
use attest_rules::model::{Application, Country, Date, TransitConsent};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");

/// The bundled GB → KE police rifles example: complete and unremarkable.
pub fn clean_export() -> Application {
    let text = std::fs::read_to_string(format!("{EXAMPLES}/gb-ke-police-rifles.toml")).unwrap();
    application::parse(&text, Format::Toml, true)
        .unwrap()
        .application
}

pub fn screener() -> &'static Screener {
    static SCREENER: OnceLock<Screener> = OnceLock::new();
    SCREENER.get_or_init(|| Screener::new(Config::default()).expect("default configuration loads"))
}

pub fn screen(app: &Application) -> Decision {
    screener().screen(app, None)
}

pub fn screen_as_of(app: &Application, as_of: &str) -> Decision {
    screener().screen(app, Some(date(as_of)))
}

/// Adds `via` to the end of the route, with its written no-objection, so
/// that only the route differs.
pub fn route_through(app: &mut Application, via: &str) {
    app.route.transit.push(c(via));
    app.documents.transit_consent.push(TransitConsent {
        state: c(via),
        reference: format!("{via}-NOBJ-1"),
    });
}

pub fn c(code: &str) -> Country {
    Country::new(code).unwrap()
}

pub fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// The findings of one rule.
pub fn findings<'d>(d: &'d Decision, rule: &str) -> Vec<&'d FindingRecord> {
    d.findings.iter().filter(|f| f.rule == rule).collect()
}

/// Asserts the decision's outcome and that `rule` fired with `effect`,
/// citing `instrument` and `article`; returns the finding.
#[track_caller]
pub fn assert_finding(
    d: &Decision,
    outcome: &str,
    rule: &str,
    effect: &str,
    instrument: &str,
    article: &str,
) -> FindingRecord {
    assert_eq!(
        d.outcome.as_str(),
        outcome,
        "outcome; findings: {:#?}",
        d.findings
    );
    let found = findings(d, rule);
    let f = found
        .first()
        .unwrap_or_else(|| panic!("rule {rule} did not fire; findings: {:#?}", d.findings));
    assert_eq!(
        (f.effect.as_str(), f.instrument.as_str(), f.article.as_str()),
        (effect, instrument, article)
    );
    (*f).clone()
}

#[track_caller]
pub fn assert_silent(d: &Decision, rule: &str) {
    assert!(
        findings(d, rule).is_empty(),
        "rule {rule} fired: {:#?}",
        findings(d, rule)
    );
}

/// A folder of one test's own under the system's temporary folder, emptied
/// when created and removed when the test passes (kept, for a look, when
/// it fails), so that test runs do not fill the disk: one resume test
/// writes 50 MB.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("attest-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Each line of `text` (decisions, error records, applications) as JSON.
#[track_caller]
pub fn json_lines(text: impl AsRef<[u8]>) -> Vec<serde_json::Value> {
    std::str::from_utf8(text.as_ref())
        .expect("UTF-8 JSON Lines")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}
