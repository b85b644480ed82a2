//! `attest register`: verify the hash chain, export the applications,
//! reproduce recorded decisions, show one application's history.

use super::files::distinct_files;
use crate::{count, fail, screener, OutputFormat, RegisterCommand};
use attest::progress::Progress;
use attest::register::{self, Register, Verification};
use attest::reproduction;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

pub fn run(config: Option<&Path>, path: &Path, command: RegisterCommand) -> ExitCode {
    if !path.exists() {
        return fail(&format!(
            "{}: no decision register here (record with --record)",
            path.display()
        ));
    }
    let register = match Register::open_existing(path).map_err(|e| fail(&e)) {
        Ok(r) => r,
        Err(code) => return code,
    };
    // A progress line on a terminal: ten years of records take a while.
    let mut progress = {
        let enabled = std::io::stderr().is_terminal();
        let total = if enabled {
            register.newest_seq().ok()
        } else {
            None
        };
        Progress::new(total, 0, enabled)
    };
    match command {
        RegisterCommand::Verify { head: kept } => {
            let verified = register.verify(&mut progress);
            progress.finish();
            match verified {
                Ok(Verification::Intact { records, head }) => {
                    say!(
                        "{}: {}, chain intact; head {head}",
                        path.display(),
                        count(records, "record")
                    );
                    match kept.map(|k| (register.record_with_hash(&k), k)) {
                        None => ExitCode::SUCCESS,
                        Some((Ok(Some(seq)), k)) => {
                            say!(
                                "{}: head {} is record {seq}: every record up to it is still there, {} since",
                                path.display(),
                                k.trim(),
                                count(records - seq, "record") + " added"
                            );
                            ExitCode::SUCCESS
                        }
                        // The chain is intact, so the newest records of
                        // that day were removed and the chain carried on
                        // without them, or the hash is not of this register.
                        Some((Ok(None), k)) => {
                            say!(
                                "{}: head {} is no record of this register: records it covered were removed (or it was printed for another register)",
                                path.display(),
                                k.trim()
                            );
                            ExitCode::from(3)
                        }
                        Some((Err(e), _)) => fail(&e),
                    }
                }
                Ok(Verification::Broken { seq, reason }) => {
                    say!("{}: record {seq}: {reason}", path.display());
                    ExitCode::from(3)
                }
                Err(e) => fail(&e),
            }
        }
        RegisterCommand::Export { out, every_record } => {
            let output = out
                .as_ref()
                .map_or("standard output".into(), |p| p.display().to_string());
            if let Some(p) = &out {
                if let Err(e) = distinct_files(&[("--register", path), ("--out", p)]) {
                    return fail(&e);
                }
            }
            let mut sink: Box<dyn Write> = match out {
                Some(p) => match std::fs::File::create(&p) {
                    Ok(f) => Box::new(std::io::BufWriter::new(f)),
                    Err(e) => return fail(&format!("{output}: {e}")),
                },
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let exported = register.export(&mut sink, every_record, &mut progress);
            progress.finish();
            match exported.and_then(|n| {
                sink.flush()
                    .map(|_| n)
                    .map_err(register::ExportError::Output)
            }) {
                Ok(n) if every_record => {
                    eprintln!("exported {}", count(n, "record"));
                    ExitCode::SUCCESS
                }
                Ok(n) => {
                    let records = register.newest_seq().unwrap_or(n);
                    eprintln!(
                        "exported {} from {} \
                         (each distinct application once; --every-record for all)",
                        count(n, "application"),
                        count(records, "record")
                    );
                    ExitCode::SUCCESS
                }
                Err(register::ExportError::Output(e)) => fail(&format!("{output}: {e}")),
                Err(e) => fail(&e),
            }
        }
        RegisterCommand::Reproduce { records } => reproduce(config, &register, &records),
        RegisterCommand::Show {
            application,
            format,
        } => match register.history(&application) {
            Ok(entries) if entries.is_empty() => {
                fail(&format!("no record of application {application}"))
            }
            Ok(entries) => {
                for e in entries {
                    let decision: serde_json::Value =
                        serde_json::from_str(&e.decision).unwrap_or_default();
                    match format {
                        OutputFormat::Json => say!(
                            "{}",
                            serde_json::json!({"seq": e.seq, "recorded_at": e.recorded_at, "hash": e.hash, "decision": decision})
                        ),
                        OutputFormat::Text => say!(
                            "#{} recorded {}  {} as of {}  ({})  hash {}",
                            e.seq,
                            e.recorded_at,
                            decision["outcome"].as_str().unwrap_or("?"),
                            decision["as_of"].as_str().unwrap_or("?"),
                            count(
                                decision["findings"].as_array().map_or(0, Vec::len) as u64,
                                "finding"
                            ),
                            // Whole when shorter: a record edited behind
                            // Attest's back is shown, not a panic.
                            e.hash.get(..16).unwrap_or(&e.hash)
                        ),
                    }
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
    }
}

/// Screens each record's application again and holds the new decision
/// against the recorded one: 0 if every one is reproduced byte for byte,
/// 3 if one is not, 1 if one cannot be screened again at all.
fn reproduce(config: Option<&Path>, register: &Register, records: &[u64]) -> ExitCode {
    let screener = match screener(config) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut code = ExitCode::SUCCESS;
    for &seq in records {
        let entry = match register.record(seq) {
            Ok(Some(entry)) => entry,
            Ok(None) => {
                let newest = register.newest_seq().unwrap_or(0);
                return fail(&format!(
                    "no record {seq} (the register holds {})",
                    count(newest, "record")
                ));
            }
            Err(e) => return fail(&e),
        };
        let again = match reproduction::reproduce(&screener, &entry) {
            Ok(r) => r,
            Err(e) => return fail(&e),
        };
        let head = format!("record {seq}: {} as of {}", again.application, again.as_of);
        if again.exact {
            let n = |key: &str| again.now[key].as_array().map_or(0, Vec::len) as u64;
            let data = again.now["provenance"]["data"]
                .as_object()
                .map_or(0, |d| d.len());
            say!(
                "{head}: reproduced exactly ({}, {}; {} and {} as recorded)",
                again.now["outcome"].as_str().unwrap_or("?"),
                count(n("findings"), "finding"),
                count(n("evaluations"), "evaluation"),
                count(data as u64, "data set")
            );
        } else {
            say!("{head}: not reproduced by this configuration");
            for difference in again.differences() {
                say!("  {difference}");
            }
            code = ExitCode::from(3);
        }
    }
    code
}
