//! Resuming a stopped batch: which run an output belongs to, how many of
//! its records are done, and whether the input is still the one they came
//! from.
//!
//! The output is its own progress record. `OUT.batch` beside it holds the
//! run's arguments (input, `--as-of`, `--strict`, module and data hashes),
//! so that another run does not append to it. The input is known by its
//! name only, which a rewritten file or another stream on standard input
//! keeps, so the last line already written is also held against the
//! input record it came from before anything is appended.

use super::input::{Chunk, Record};
use super::{io_err, BatchError, Input, Options};
use crate::screen::{self, Screener};
use serde_json::json;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The arguments that must match for a run to resume another's output.
pub fn fingerprint(screener: &Screener, input: &Input, opts: &Options) -> String {
    let mut modules: Vec<String> = screener
        .registry()
        .iter()
        .map(|r| r.plugin.sha256().to_string())
        .collect();
    modules.sort();
    let data: Vec<&str> = screener
        .library()
        .sets
        .iter()
        .map(|s| s.sha256.as_str())
        .collect();
    json!({
        "input": input.path().display().to_string(),
        "as_of": opts.as_of.to_string(),
        "strict": opts.strict,
        "modules": modules,
        "data": data,
    })
    .to_string()
}

/// The key under which a batch run's records are kept in the register:
/// the same arguments give the same key, so a resumed run finds its own.
pub fn run_key(fingerprint: &str) -> String {
    crate::reference::hex(&<sha2::Sha256 as sha2::Digest>::digest(
        fingerprint.as_bytes(),
    ))[..16]
        .to_string()
}

/// The sidecar that records which run an output belongs to.
pub fn sidecar_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".batch");
    PathBuf::from(name)
}

/// Opens the output for appending and locks it for this run, before
/// anything in it is read or changed, and tells whether it was there
/// before. A second run started on the same `--out` while one writes
/// (a second terminal, an overlapping scheduled job) would resume after
/// whatever it found and write the rest again beside the first: 1,000,000
/// applications ended as 1,763,200 lines. The lock goes with the process.
pub fn claim(out: &Path) -> Result<(File, bool), BatchError> {
    let existed = out.exists();
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .open(out)
        .map_err(io_err(format!("--out {}", out.display())))?;
    match file.try_lock() {
        Ok(()) => Ok((file, existed)),
        Err(TryLockError::WouldBlock) => Err(BatchError::NotResumable(format!(
            "{} is being written by another `attest batch` run; \
             let it finish (rerun this to resume it if it stops), or choose another --out",
            out.display()
        ))),
        // A file system without locks: the run goes on unguarded, as
        // before there was a lock.
        Err(TryLockError::Error(_)) => Ok((file, existed)),
    }
}

/// Whether `out` is something other than a file or folder (a device such
/// as `/dev/null`, a FIFO, a socket), which a run writes without resuming.
pub fn is_stream(out: &Path) -> bool {
    std::fs::metadata(out).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Where a run starts in its output.
pub struct Resume {
    /// Records already done: skipped in the input.
    pub done: u64,
    /// How many of them are error records (invalid applications).
    pub invalid: u64,
    /// The output line of the last of them (without its line end).
    pub last_line: Option<Vec<u8>>,
}

/// Prepares the output (`existed` before [`claim`]) for appending: how many
/// records are already done, at most `cap` (what the register holds, when
/// recording). A partial last line (an interrupted write) and lines
/// beyond the cap are cut off.
pub fn resume_point(
    out: &Path,
    existed: bool,
    fingerprint: &str,
    restart: bool,
    cap: Option<u64>,
) -> Result<Resume, BatchError> {
    let sidecar = sidecar_path(out);
    let fresh = Resume {
        done: 0,
        invalid: 0,
        last_line: None,
    };
    if restart || !existed {
        File::create(out).map_err(io_err(format!("--out {}", out.display())))?;
        std::fs::write(&sidecar, fingerprint)
            .map_err(io_err(format!("--out's sidecar {}", sidecar.display())))?;
        return Ok(fresh);
    }
    match std::fs::read_to_string(&sidecar) {
        Ok(previous) if previous == fingerprint => {}
        Ok(_) => {
            return Err(BatchError::NotResumable(format!(
                "{} was written by a batch run with other arguments, configuration or data; \
                 pass --restart to replace it, or choose another --out",
                out.display()
            )))
        }
        Err(_) => {
            return Err(BatchError::NotResumable(format!(
            "{} exists and was not written by `attest batch` (no {}); pass --restart to replace it",
            out.display(),
            sidecar.display()
        )))
        }
    }
    let failed = || io_err(format!("--out {}", out.display()));
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(out)
        .map_err(failed())?;
    // An error record starts so (serde_json writes its keys in order);
    // a decision starts `{"application"`.
    const ERROR_START: &[u8] = b"{\"error\"";
    const MISMATCH: usize = usize::MAX;
    let (mut lines, mut invalid) = (0u64, 0u64);
    let (mut last_start, mut complete_len) = (0u64, 0u64);
    // How much of ERROR_START the current line has matched so far.
    let mut matched = 0usize;
    let mut pos = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(failed())?;
        if n == 0 {
            break;
        }
        for (i, &b) in buf[..n].iter().enumerate() {
            if matched < ERROR_START.len() {
                matched = if b == ERROR_START[matched] {
                    matched + 1
                } else {
                    MISMATCH
                };
            }
            if b != b'\n' {
                continue;
            }
            if cap.is_none_or(|cap| lines < cap) {
                lines += 1;
                invalid += u64::from(matched == ERROR_START.len());
                last_start = complete_len;
                complete_len = pos + i as u64 + 1;
            }
            matched = 0;
        }
        pos += n as u64;
    }
    file.set_len(complete_len).map_err(failed())?;
    if lines == 0 {
        return Ok(fresh);
    }
    let mut last_line = vec![0u8; (complete_len - last_start - 1) as usize];
    file.seek(SeekFrom::Start(last_start))
        .and_then(|_| file.read_exact(&mut last_line))
        .map_err(failed())?;
    Ok(Resume {
        done: lines,
        invalid,
        last_line: Some(last_line),
    })
}

/// Checks that `record`, the last input record a stopped run had done, is
/// the one its output line `last_line` came from: the same application
/// (`input_sha256`) for a decision, the same error record (where, and
/// every problem) for an invalid one. Otherwise the input has changed
/// since, and appending would pair the rest of the output with the wrong
/// applications.
pub fn check_same_input(
    out: &Path,
    done: u64,
    last_line: &[u8],
    chunk: &Chunk,
    record: &Record,
    opts: &Options,
) -> Result<(), BatchError> {
    let written: serde_json::Value = serde_json::from_slice(last_line).unwrap_or_default();
    let same = match super::parse_record(record, chunk.record_text(record), opts) {
        Ok(parsed) => {
            written["provenance"]["input_sha256"] == screen::input_sha256(&parsed.application)
        }
        Err(e) => written == super::error_record(&e, &record.origin),
    };
    if same {
        Ok(())
    } else {
        Err(changed_input(
            out,
            &format!("its line {done} does not come from the input's record {done}"),
        ))
    }
}

/// The error for an input that no longer gives the output being resumed.
pub fn changed_input(out: &Path, why: &str) -> BatchError {
    BatchError::NotResumable(format!(
        "{}: {why}: the input has changed since it was written; \
         pass --restart to replace it, or choose another --out",
        out.display()
    ))
}
