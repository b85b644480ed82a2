//! The `attest` command line.

use attest::application::{self, Format};
use attest::config::Config;
use attest::screen::{Loaded, Screener};
use attest_rules::model::Date;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Screens arms-transfer licence applications against the UN Firearms
/// Protocol, the Arms Trade Treaty and national policies, each run as a
/// sandboxed WebAssembly plug-in. Every finding cites its article.
#[derive(Parser)]
#[command(
    name = "attest",
    version,
    after_help = "Exit status: 0 screened or valid; 2 an input was invalid; 1 Attest itself could not start.\nExample: attest screen examples/gb-ke-police-rifles.toml"
)]
struct Cli {
    /// Configuration file (attest.toml): limits, reference data and the
    /// policy registry. Default: the configuration embedded in the binary.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Screen applications and print the decision for each.
    ///
    /// The outcome is approve, refer (an officer must decide) or deny.
    /// With several files and --format json, one decision per line.
    Screen {
        /// Application files, TOML or JSON (by extension: .json is JSON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Apply rules and reference data as of this date (YYYY-MM-DD)
        /// instead of each application's `submitted` date.
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        /// Treat unknown fields as errors instead of warnings.
        #[arg(long)]
        strict: bool,
    },
    /// Check applications against the format without screening them.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Treat unknown fields as errors instead of warnings.
        #[arg(long)]
        strict: bool,
    },
    /// Work with policy plug-ins.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// List the registry: each plug-in's manifest, pinned sha256, states
    /// and roles served, effective dates, rules, and any load fault; then
    /// the reference data sets.
    List,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    /// A summary for a licensing officer.
    Text,
    /// The decision record of the spec (decision.md).
    Json,
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("expected a date YYYY-MM-DD, found \"{s}\""))
}

/// Largest application file accepted; real ones are a few KiB.
const MAX_FILE_BYTES: u64 = 1 << 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = cli.config.as_deref();
    match cli.command {
        Command::Screen {
            files,
            format,
            as_of,
            strict,
        } => screen(config, &files, format, as_of, strict),
        Command::Validate { files, strict } => validate(&files, strict),
        Command::Policy {
            command: PolicyCommand::List,
        } => policy_list(config),
    }
}

/// Loads the configuration and everything it names; any problem stops
/// here, before an application is read.
fn screener(config: Option<&Path>) -> Result<Screener, ExitCode> {
    let fail = |e: &dyn std::fmt::Display| {
        eprintln!("attest: {e}");
        ExitCode::from(1)
    };
    let config = match config {
        Some(path) => Config::load(path).map_err(|e| fail(&e))?,
        None => Config::default(),
    };
    Screener::new(config).map_err(|e| fail(&e))
}

/// Reads and validates one file, printing its problems.
fn load(path: &Path, strict: bool) -> Option<application::Parsed> {
    let name = path.display();
    let text = match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            eprintln!("{name}: larger than {MAX_FILE_BYTES} bytes; not an application");
            return None;
        }
        _ => match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{name}: cannot read: {e}");
                return None;
            }
        },
    };
    match application::parse(&text, Format::from_path(path), strict) {
        Ok(parsed) => {
            for w in &parsed.warnings {
                eprintln!("{name}: warning: {w}");
            }
            Some(parsed)
        }
        Err(e) => {
            for p in &e.problems {
                eprintln!("{name}: {p}");
            }
            None
        }
    }
}

fn screen(
    config: Option<&Path>,
    files: &[PathBuf],
    format: OutputFormat,
    as_of: Option<Date>,
    strict: bool,
) -> ExitCode {
    let screener = match screener(config) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut session = screener.session();
    let mut ok = true;
    for path in files {
        let Some(parsed) = load(path, strict) else {
            ok = false;
            continue;
        };
        let decision = session.screen(&parsed.application, as_of);
        match format {
            OutputFormat::Json if files.len() == 1 => println!("{}", decision.to_json()),
            OutputFormat::Json => {
                println!("{}", serde_json::to_string(&decision).unwrap_or_default())
            }
            OutputFormat::Text => println!("{}", decision.to_text()),
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

fn validate(files: &[PathBuf], strict: bool) -> ExitCode {
    let mut ok = true;
    for path in files {
        match load(path, strict) {
            Some(_) => println!("{}: valid", path.display()),
            None => ok = false,
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

fn policy_list(config: Option<&Path>) -> ExitCode {
    let screener = match screener(config) {
        Ok(s) => s,
        Err(code) => return code,
    };
    for entry in screener.registry() {
        let states: Vec<String> = entry.states.iter().map(ToString::to_string).collect();
        let roles: Vec<&str> = entry.roles.iter().map(|r| r.as_str()).collect();
        match &entry.plugin {
            Loaded::Ready(p) => {
                let m = &p.manifest;
                let (from, until) = m.effective();
                let window = match (from, until) {
                    (None, None) => "always".to_string(),
                    (f, u) => format!(
                        "{} to {}",
                        f.map_or("-".into(), |d| d.to_string()),
                        u.map_or("-".into(), |d| d.to_string())
                    ),
                };
                println!(
                    "{} {} [{}] ABI v{} ({})",
                    m.id, m.version, m.instrument, m.abi, entry.origin
                );
                println!("  {}", m.title);
                println!("  sha256 {} (pinned)", p.sha256);
                println!(
                    "  serves {} as {}; in force {window}",
                    states.join(", "),
                    roles.join(", ")
                );
                println!(
                    "  data: {}",
                    if m.data.is_empty() {
                        "none".into()
                    } else {
                        m.data.join(", ")
                    }
                );
                println!("  rules: {}", m.rules.join(", "));
            }
            Loaded::Broken {
                id,
                origin,
                sha256,
                fault,
                ..
            } => {
                println!("{id} (from {origin}) NOT LOADED: {fault}\n  sha256 {sha256}");
            }
        }
    }
    for set in &screener.library().sets {
        println!(
            "data {}: {} entries ({} marked unverified), sha256 {}",
            set.name, set.entries, set.unverified, set.sha256
        );
    }
    ExitCode::SUCCESS
}
