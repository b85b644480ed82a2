//! `attest register`: verify the hash chain, export the applications,
//! reproduce recorded decisions, back the register up, show one
//! application's history.

use super::files::distinct_files;
use crate::{count, fail, screener, OutputFormat, RegisterCommand};
use attest::decision::Decision;
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
        RegisterCommand::Reproduce { records, all, with } => {
            let wanted = match all {
                true => Ok(vec![Wanted::Range(1, u64::MAX)]),
                false => records.iter().map(|r| Wanted::parse(r)).collect(),
            };
            let mut configs = vec![config];
            configs.extend(with.iter().map(|p| Some(p.as_path())));
            match wanted {
                Ok(wanted) => reproduce(&configs, &register, &wanted, &mut progress),
                Err(e) => fail(&e),
            }
        }
        RegisterCommand::Backup { to } => {
            if let Err(e) = distinct_files(&[("--register", path), ("FILE", &to)]) {
                return fail(&e);
            }
            if let Err(e) = register.backup(&to) {
                return fail(&e);
            }
            // The copy is checked as `verify` checks a register: a backup
            // is only worth keeping if it reads back.
            let verified = Register::open_existing(&to).and_then(|copy| copy.verify(&mut progress));
            progress.finish();
            match verified {
                Ok(Verification::Intact { records, head }) => {
                    say!(
                        "{}: backed up to {}: {}, chain intact; head {head}",
                        path.display(),
                        to.display(),
                        count(records, "record")
                    );
                    ExitCode::SUCCESS
                }
                // Kept all the same: a damaged register is evidence too.
                Ok(Verification::Broken { seq, reason }) => {
                    say!(
                        "{}: backed up to {}, and the copy fails verification as the register \
                         does: record {seq}: {reason}",
                        path.display(),
                        to.display()
                    );
                    ExitCode::from(3)
                }
                Err(e) => fail(&e),
            }
        }
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
                    if let OutputFormat::Text = format {
                        for line in findings_in_brief(&decision) {
                            say!("    {line}");
                        }
                    }
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
    }
}

/// A recorded decision's findings, one line each, as the history lists
/// them: what each decision found is what an officer compares between
/// them. A finding raised alike for several states of one transfer is
/// listed once.
fn findings_in_brief(decision: &serde_json::Value) -> Vec<String> {
    let text = |f: &serde_json::Value, key: &str| f[key].as_str().unwrap_or("?").to_string();
    let mut lines: Vec<String> = Vec::new();
    for f in decision["findings"].as_array().into_iter().flatten() {
        let binding = match f["binding"].as_bool() {
            Some(false) => " [not binding]",
            _ => "",
        };
        let line = format!(
            "{}: [{} {}]{binding} {} (rule {})",
            text(f, "effect"),
            text(f, "instrument"),
            text(f, "article"),
            text(f, "message"),
            text(f, "rule"),
        );
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines
}

/// Records asked for on the command line.
enum Wanted {
    /// One record, named: reported whatever the answer.
    One(u64),
    /// A range, inclusive: only what was not reproduced is reported.
    Range(u64, u64),
}

impl Wanted {
    fn parse(text: &str) -> Result<Wanted, String> {
        let number = |t: &str| t.trim().parse::<u64>().ok();
        let why = match text.split_once('-').map(|(a, b)| (number(a), number(b))) {
            None => match number(text) {
                Some(0) => "records are numbered from 1",
                Some(n) => return Ok(Wanted::One(n)),
                None => "expected a record number (7) or a range of them (100-250)",
            },
            Some((Some(0), Some(_))) => "records are numbered from 1",
            Some((Some(from), Some(to))) if from > to => {
                "a range goes from the lower number to the higher (100-250)"
            }
            Some((Some(from), Some(to))) => return Ok(Wanted::Range(from, to)),
            Some(_) => "expected a record number (7) or a range of them (100-250)",
        };
        Err(format!("RECORD {text:?}: {why}"))
    }
}

/// Screens each record's application again and holds the new decision
/// against the recorded one, under each configuration in turn until one
/// gives it back: 0 if every record is reproduced byte for byte, 3 if one
/// is not, 1 if one cannot be screened again at all.
fn reproduce(
    configs: &[Option<&Path>],
    register: &Register,
    wanted: &[Wanted],
    progress: &mut Progress,
) -> ExitCode {
    let mut screeners = Vec::new();
    for &config in configs {
        match screener(config) {
            Ok(s) => screeners.push(s),
            Err(code) => return code,
        }
    }
    let mut sessions: Vec<_> = screeners.iter().map(|s| s.session()).collect();
    // Named only when there is a choice.
    let names: Vec<String> = configs
        .iter()
        .map(|c| {
            c.map_or("the embedded configuration".into(), |p| {
                p.display().to_string()
            })
        })
        .collect();
    let by = |i: usize| match configs.len() {
        1 => String::new(),
        _ => format!(" by {}", names[i]),
    };
    let mut exact = vec![0u64; configs.len()];
    let mut not = Vec::new();
    let mut ranges = false;
    for w in wanted {
        let (from, to, named) = match *w {
            Wanted::One(n) => (n, n, true),
            Wanted::Range(from, to) => (from, to, false),
        };
        ranges |= !named;
        let mut found = false;
        let mut failure = None;
        let walked = register.each_numbered(from, to, |entry| {
            found = true;
            progress.advance(1);
            let mut tries = Vec::new();
            let mut hit = None;
            for (i, session) in sessions.iter_mut().enumerate() {
                match reproduction::reproduce(session, &entry) {
                    Ok(again) if again.exact => {
                        hit = Some((i, again));
                        break;
                    }
                    Ok(again) => tries.push(again),
                    Err(e) => {
                        failure = Some(e.to_string());
                        return Ok(false);
                    }
                }
            }
            if let Some((i, again)) = hit {
                exact[i] += 1;
                if named {
                    say!(
                        "record {}: {} as of {}: reproduced exactly{} ({})",
                        again.seq,
                        again.application,
                        again.as_of,
                        by(i),
                        summary(&again.decision)
                    );
                }
                return Ok(true);
            }
            // Explained against the configuration that came closest.
            let differences: Vec<Vec<String>> = tries.iter().map(|t| t.differences()).collect();
            let closest = (0..tries.len())
                .min_by_key(|&i| differences[i].len())
                .unwrap_or(0);
            let again = &tries[closest];
            not.push(again.seq);
            let which = match configs.len() {
                1 => "this configuration".to_string(),
                n => format!("any of the {n} configurations; closest, {}", names[closest]),
            };
            say!(
                "record {}: {} as of {}: not reproduced by {which}",
                again.seq,
                again.application,
                again.as_of
            );
            for difference in &differences[closest] {
                say!("  {difference}");
            }
            Ok(true)
        });
        if let Err(e) = walked {
            return fail(&e);
        }
        if let Some(e) = failure {
            return fail(&e);
        }
        if named && !found {
            let newest = register.newest_seq().unwrap_or(0);
            return fail(&format!(
                "no record {from} (the register holds {})",
                count(newest, "record")
            ));
        }
    }
    progress.finish();
    if ranges {
        let shown: Vec<String> = not.iter().take(10).map(u64::to_string).collect();
        let more = not.len().saturating_sub(shown.len());
        let which = match (shown.is_empty(), more) {
            (true, _) => String::new(),
            (false, 0) => format!(" (records {})", shown.join(", ")),
            (false, more) => format!(" (records {} and {more} more)", shown.join(", ")),
        };
        let total: u64 = exact.iter().sum();
        let per_config = match configs.len() {
            1 => String::new(),
            _ => {
                let each: Vec<String> = names
                    .iter()
                    .zip(&exact)
                    .map(|(name, n)| format!("{n} by {name}"))
                    .collect();
                format!(" ({})", each.join(", "))
            }
        };
        say!(
            "{}: {total} reproduced exactly{per_config}, {} not{which}",
            count(total + not.len() as u64, "record"),
            not.len()
        );
    }
    match not.is_empty() {
        true => ExitCode::SUCCESS,
        false => ExitCode::from(3),
    }
}

/// "deny, 4 findings; 3 evaluations and 7 data sets as recorded"
fn summary(decision: &Decision) -> String {
    format!(
        "{}, {}; {} and {} as recorded",
        decision.outcome.as_str(),
        count(decision.findings.len() as u64, "finding"),
        count(decision.evaluations.len() as u64, "evaluation"),
        count(decision.provenance.data.hashes.len() as u64, "data set")
    )
}
