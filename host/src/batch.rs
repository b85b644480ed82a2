//! Batch re-evaluation: screens a stream of applications on all cores and
//! writes one line per application, in input order.
//!
//! - **Streaming, flat memory.** A reader thread feeds chunks through a
//!   bounded channel to the workers; the writer holds only chunks that
//!   finished early. Memory does not grow with the input.
//! - **Nothing lost.** Every input record gives exactly one output line: a
//!   decision, or an error record naming the line and field paths.
//! - **Resumable.** With `--out`, progress is the output itself: a restarted
//!   run with the same arguments counts the complete lines already written,
//!   drops a partial last line, skips that many records and appends. The
//!   result is byte-identical to an uninterrupted run. A sidecar file
//!   (`OUT.batch`) records the arguments so that a different run does not
//!   append to the wrong file.

mod input;
pub mod interruption;
mod output;
mod resume;

pub use input::{survey, Origin, PassedOver, CHUNK};
pub use resume::{is_stream, run_key, sidecar_path};

use crate::application;
use crate::decision::Decision;
use crate::progress::Progress;
use crate::register::Register;
use crate::screen::{Screener, Session};
use attest_rules::model::Date;
use attest_rules::Outcome;
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Mutex;

use input::{Chunk, Record, Spares, Unread, IO_BUFFER};
use output::DecisionFile;

/// Which date each application is judged by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsOf {
    /// Each application's own `submitted` date.
    Submitted,
    /// One date for all.
    Date(Date),
}

impl AsOf {
    pub fn parse(text: &str) -> Option<AsOf> {
        match text {
            "submitted" => Some(AsOf::Submitted),
            other => Date::parse(other).map(AsOf::Date),
        }
    }
    fn date(self) -> Option<Date> {
        match self {
            AsOf::Submitted => None,
            AsOf::Date(d) => Some(d),
        }
    }
}

impl fmt::Display for AsOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AsOf::Submitted => f.write_str("submitted"),
            AsOf::Date(d) => d.fmt(f),
        }
    }
}

/// Where applications come from.
#[derive(Clone, Debug)]
pub enum Input {
    /// JSON Lines: one application per line (`-` for standard input).
    JsonLines(PathBuf),
    /// A folder of `.toml` and `.json` files, taken in name order.
    Directory(PathBuf),
}

impl Input {
    pub fn from_path(path: &Path) -> Input {
        if path.is_dir() {
            Input::Directory(path.to_path_buf())
        } else {
            Input::JsonLines(path.to_path_buf())
        }
    }

    fn path(&self) -> &Path {
        match self {
            Input::JsonLines(p) | Input::Directory(p) => p,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    pub jobs: usize,
    pub as_of: AsOf,
    pub strict: bool,
    /// Show progress with rate and ETA (only on a terminal).
    pub progress: bool,
    /// Ignore and replace an existing output instead of resuming it.
    pub restart: bool,
}

/// A screened chunk: its output lines back to back, each ending in `\n`,
/// in one buffer that the writer writes at once.
#[derive(Default)]
struct Screened {
    text: Vec<u8>,
    lines: Vec<Line>,
    counts: Summary,
}

/// One output line of a [`Screened`] chunk.
struct Line {
    /// Where the line ends in the chunk's text (after its `\n`).
    end: usize,
    /// What the register keeps, when recording: (application id,
    /// canonical application JSON, input sha256).
    record: Option<(String, String, String)>,
}

/// Counts for the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub screened: u64,
    pub approve: u64,
    pub refer: u64,
    pub deny: u64,
    /// Records that failed validation (error records written).
    pub invalid: u64,
    /// Records found already done in the output and skipped.
    pub resumed: u64,
    /// How many of those were invalid: with `invalid`, what the exit
    /// status reports, so that a resumed run's covers the whole output as
    /// an uninterrupted run's would.
    pub resumed_invalid: u64,
    /// Decisions appended to the register (`--record`).
    pub recorded: u64,
    /// Decisions the register already held from the same run (the same
    /// arguments, configuration and data): not appended again.
    pub already_recorded: u64,
    /// The signal that stopped the run before the end of its input
    /// (`interruption`); what was screened before it is written.
    pub stopped: Option<interruption::Stop>,
}

impl Summary {
    fn add(&mut self, other: &Summary) {
        self.screened += other.screened;
        self.approve += other.approve;
        self.refer += other.refer;
        self.deny += other.deny;
        self.invalid += other.invalid;
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} screened: {} approve, {} refer, {} deny; {} invalid",
            self.screened, self.approve, self.refer, self.deny, self.invalid
        )?;
        if self.resumed > 0 {
            write!(f, " ({} already done", self.resumed)?;
            if self.resumed_invalid > 0 {
                write!(f, ", {} of them invalid", self.resumed_invalid)?;
            }
            f.write_str(", resumed after them)")?;
        }
        if self.recorded + self.already_recorded > 0 {
            write!(f, "; {} recorded", self.recorded)?;
        }
        if self.already_recorded > 0 {
            write!(
                f,
                " ({} already in the register from a run with the same arguments, \
                 configuration and data)",
                self.already_recorded
            )?;
        }
        Ok(())
    }
}

#[derive(Debug)]
pub enum BatchError {
    Io(String, io::Error),
    /// The output exists but was written by a different run.
    NotResumable(String),
    /// The input cannot be JSON Lines at all.
    Input(String),
    /// Writing or recording failed part-way (a full disk, say) after
    /// `done` records had been written to a resumable output.
    Resumable {
        cause: Box<BatchError>,
        done: u64,
    },
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::Io(what, e) => write!(f, "{what}: {e}"),
            BatchError::NotResumable(m) | BatchError::Input(m) => f.write_str(m),
            BatchError::Resumable { cause, done } => write!(
                f,
                "{cause}\nthe first {done} records are done; once that is put right, run the \
                 same command again to resume after them"
            ),
        }
    }
}

impl std::error::Error for BatchError {}

fn io_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> BatchError {
    let what = what.into();
    move |e| BatchError::Io(what, e)
}

/// Screens a chunk into its output lines (and register entries).
fn screen_chunk(
    session: &mut Session<'_>,
    chunk: &Chunk,
    text: Vec<u8>,
    opts: &Options,
    recording: bool,
) -> Screened {
    let mut out = Screened {
        text,
        lines: Vec::with_capacity(chunk.records.len()),
        counts: Summary::default(),
    };
    for record in &chunk.records {
        let text = chunk.record_text(record);
        let entry = screen_record(session, record, text, opts, recording, &mut out);
        out.text.push(b'\n');
        out.lines.push(Line {
            end: out.text.len(),
            record: entry,
        });
    }
    out
}

/// Screens one record, appending its output line (without the `\n`) to
/// `out.text`; returns what the register keeps of it.
fn screen_record(
    session: &mut Session<'_>,
    record: &Record,
    text: &[u8],
    opts: &Options,
    recording: bool,
    out: &mut Screened,
) -> Option<(String, String, String)> {
    match parse_record(record, text, opts) {
        Ok(parsed) => {
            let decision: Decision = session.screen(&parsed.application, opts.as_of.date());
            let counts = &mut out.counts;
            counts.screened += 1;
            match decision.outcome {
                Outcome::Approve => counts.approve += 1,
                Outcome::Refer => counts.refer += 1,
                Outcome::Deny => counts.deny += 1,
            }
            // Written straight into the chunk's buffer: no string per line.
            decision.write_line(&mut out.text);
            recording.then(|| {
                let app = &parsed.application;
                let json = serde_json::to_string(app).unwrap_or_default();
                (
                    app.id.clone(),
                    json,
                    decision.provenance.input_sha256.clone(),
                )
            })
        }
        Err(e) => {
            out.counts.invalid += 1;
            let record_json = error_record(&e, &record.origin);
            out.text
                .extend_from_slice(record_json.to_string().as_bytes());
            None
        }
    }
}

/// A record's application, or every problem that keeps it from being one.
fn parse_record(
    record: &Record,
    text: &[u8],
    opts: &Options,
) -> Result<application::Parsed, application::ApplicationError> {
    match &record.unread {
        Some(Unread::TooLarge) => return Err(application::too_large()),
        Some(Unread::Failed(why)) => {
            return Err(application::ApplicationError::of_document(format!(
                "cannot read: {why}"
            )))
        }
        None => {}
    }
    application::parse_bytes(text, record.format, opts.strict)
}

/// The output line of an invalid record: where it is and every problem.
/// `attest screen --format json` prints the same for an invalid file.
pub fn error_record(e: &application::ApplicationError, origin: &Origin) -> serde_json::Value {
    let problems: Vec<_> = e
        .problems
        .iter()
        .map(|p| json!({"path": p.path, "message": p.message}))
        .collect();
    let mut record_json = json!({"error": "invalid application", "problems": problems});
    match origin {
        Origin::Line(n) => record_json["line"] = json!(n),
        Origin::File(f) => record_json["file"] = json!(f),
    }
    record_json
}

/// Where decisions go.
pub enum Output {
    Stdout,
    File(PathBuf),
}

impl Output {
    /// How an error names it.
    fn name(&self) -> String {
        match self {
            Output::Stdout => "standard output".into(),
            Output::File(path) => path.display().to_string(),
        }
    }
}

/// Runs a batch, recording each decision in `register` when given. Returns
/// the summary of this run plus the records skipped as already done.
pub fn run(
    screener: &Screener,
    input: &Input,
    output: &Output,
    opts: &Options,
    mut register: Option<&mut Register>,
) -> Result<Summary, BatchError> {
    let fingerprint = resume::fingerprint(screener, input, opts);
    let key = run_key(&fingerprint);
    let register_err = |e: crate::register::RegisterError| BatchError::NotResumable(e.to_string());
    // A record is done only when both the output and the register have it.
    let recorded = match register.as_deref() {
        Some(r) => Some(r.run_progress(&key).map_err(register_err)?),
        None => None,
    };
    let (mut writer, resume): (Box<dyn Write>, _) = match output {
        Output::Stdout => (
            Box::new(BufWriter::with_capacity(IO_BUFFER, io::stdout().lock())),
            None,
        ),
        // A device or a pipe (`/dev/null`, a FIFO) has no lines to resume
        // after and no folder for a sidecar: it is written as standard
        // output is.
        Output::File(path) if is_stream(path) => {
            let stream = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(io_err(format!("--out {}", path.display())))?;
            (Box::new(BufWriter::with_capacity(IO_BUFFER, stream)), None)
        }
        Output::File(path) => {
            let (file, existed) = resume::claim(path)?;
            let resume = resume::resume_point(path, existed, &fingerprint, opts.restart, recorded)?;
            // No buffer of our own: each chunk's decisions (about 700 KB)
            // go to the file in one write instead of being copied into a
            // buffer first (less CPU for two workers, docs/performance.md).
            let len = file
                .metadata()
                .map_err(io_err(format!("--out {}", path.display())))?;
            let file = DecisionFile::new(file, len.len());
            (Box::new(file), Some((path, resume)))
        }
    };
    let (skip, resumed_invalid) = resume.as_ref().map_or((0, 0), |(_, r)| (r.done, r.invalid));
    // The last record done is held against the output's last line.
    let resume = resume.and_then(|(path, r)| r.last_line.map(|l| (path, r.done, l)));
    let show_progress = opts.progress && io::stderr().is_terminal();
    let mut progress = Progress::new(None, skip, show_progress);
    // The total, for the share and ETA, is counted beside the run, in a
    // thread left to itself: a run that stops early does not wait for it.
    let counted = std::sync::Arc::new(std::sync::OnceLock::new());
    if show_progress {
        let (counted, input) = (counted.clone(), input.clone());
        std::thread::spawn(move || input::count(&input).map(|n| counted.set(n)));
    }
    let jobs = opts.jobs.max(1);
    let mut summary = Summary {
        resumed: skip,
        resumed_invalid,
        ..Summary::default()
    };

    let (job_tx, job_rx) = sync_channel::<(u64, Chunk)>(jobs * 4);
    let (done_tx, done_rx) = sync_channel::<(u64, Screened)>(jobs * 4);
    let recording = register.is_some();
    let stop = AtomicBool::new(false);
    let stop = &stop;
    let job_rx = Mutex::new(job_rx);
    let mut read_error: Option<BatchError> = None;
    // Input chunks go reader -> worker -> back; output chunks worker ->
    // writer -> back.
    let (inputs, outputs) = (&Spares::default(), &Spares::default());

    std::thread::scope(|scope| -> Result<(), BatchError> {
        // The reader owns the sender: when it finishes, the channel closes
        // and the workers stop.
        let reader = scope.spawn(move || -> Result<Option<interruption::Stop>, BatchError> {
            let mut index = 0u64;
            // When resuming, the last record done is read again, to be
            // held against the output's last line, and not screened.
            let mut witness = resume;
            let mut changed = None;
            let mut stopped = None;
            let reread = u64::from(witness.is_some());
            input::read_chunks(input, skip - reread, inputs, |mut chunk| {
                if let Some((out, done, last_line)) = witness.take() {
                    let record = chunk.records.remove(0);
                    let checked =
                        resume::check_same_input(out, done, &last_line, &chunk, &record, opts);
                    if let Err(e) = checked {
                        changed = Some(e);
                        return false;
                    }
                    if chunk.records.is_empty() {
                        return true;
                    }
                }
                stopped = interruption::caught();
                let sent = stopped.is_none()
                    && !stop.load(Ordering::Relaxed)
                    && job_tx.send((index, chunk)).is_ok();
                index += 1;
                sent
            })?;
            match (changed, witness) {
                (Some(e), _) => Err(e),
                // Stopped while still skipping what was done before.
                (None, _) if stopped.is_some() => Ok(stopped),
                (None, Some((out, done, _))) => Err(resume::changed_input(
                    out,
                    &format!("it holds {done} records, the input fewer"),
                )),
                (None, None) => Ok(None),
            }
        });
        for _ in 0..jobs {
            let (job_rx, done_tx) = (&job_rx, done_tx.clone());
            let spares = (inputs, outputs);
            scope.spawn(move || worker(screener, job_rx, done_tx, spares, opts, recording));
        }
        drop(done_tx);

        let mut pending: BTreeMap<u64, Screened> = BTreeMap::new();
        let mut next = 0u64;
        let mut seq = skip;
        let mut failure: Option<BatchError> = None;
        for (index, screened) in done_rx.iter() {
            if failure.is_some() {
                // Drain so that workers and reader can finish and exit.
                continue;
            }
            pending.insert(index, screened);
            while let Some(screened) = pending.remove(&next) {
                let written = write_chunk(
                    &mut writer,
                    output,
                    register.as_deref_mut(),
                    &key,
                    &mut seq,
                    &screened,
                    &mut summary,
                );
                if let Err(e) = written {
                    failure = Some(e);
                    stop.store(true, Ordering::Relaxed);
                    break;
                }
                summary.add(&screened.counts);
                if let Some(&total) = counted.get() {
                    progress.know_total(total);
                }
                progress.advance(screened.lines.len() as u64);
                outputs.give(screened.text);
                next += 1;
            }
        }
        if let Some(e) = failure {
            return Err(match output {
                Output::File(path) if !is_stream(path) => BatchError::Resumable {
                    cause: Box::new(e),
                    done: seq,
                },
                _ => e,
            });
        }
        writer.flush().map_err(io_err(output.name()))?;
        match reader.join() {
            Ok(Err(e)) => read_error = Some(e),
            Ok(Ok(stopped)) => summary.stopped = stopped,
            Err(_) => {
                read_error = Some(BatchError::NotResumable(
                    "input reader stopped unexpectedly".into(),
                ))
            }
        }
        Ok(())
    })?;
    progress.finish();
    match read_error {
        Some(e) => Err(e),
        None => Ok(summary),
    }
}

/// Writes one chunk in order: each record to the register (when
/// recording), the chunk's lines to the output in one write, and commits
/// the register. A record is done only when both have it; resuming repeats
/// what only one has, and the register skips what it already holds.
fn write_chunk(
    writer: &mut dyn Write,
    output: &Output,
    mut register: Option<&mut Register>,
    key: &str,
    seq: &mut u64,
    screened: &Screened,
    summary: &mut Summary,
) -> Result<(), BatchError> {
    let register_err = |e: crate::register::RegisterError| {
        BatchError::Io("decision register".into(), io::Error::other(e.0))
    };
    if let Some(reg) = register.as_deref_mut() {
        let mut start = 0;
        for (i, line) in screened.lines.iter().enumerate() {
            if let Some((id, app, input_sha)) = &line.record {
                let text = &screened.text[start..line.end - 1];
                // Decisions are serde_json output: always UTF-8.
                let decision = std::str::from_utf8(text).unwrap_or_default();
                let run = format!("{key}:{}", *seq + i as u64);
                let appended = reg
                    .append(id, input_sha, app, decision, Some(&run))
                    .map_err(register_err)?;
                match appended {
                    Some(_) => summary.recorded += 1,
                    None => summary.already_recorded += 1,
                }
            }
            start = line.end;
        }
    }
    writer
        .write_all(&screened.text)
        .map_err(|e| BatchError::Io(output.name(), e))?;
    *seq += screened.lines.len() as u64;
    if let Some(reg) = register {
        reg.commit().map_err(register_err)?;
    }
    Ok(())
}

fn worker(
    screener: &Screener,
    jobs: &Mutex<Receiver<(u64, Chunk)>>,
    done: std::sync::mpsc::SyncSender<(u64, Screened)>,
    (inputs, outputs): (&Spares, &Spares),
    opts: &Options,
    recording: bool,
) {
    let mut session = screener.session();
    // Each chunk's output is sized like the last one's.
    let mut room = 0;
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((index, chunk)) = job else { return };
        let text = outputs.take(room);
        let screened = screen_chunk(&mut session, &chunk, text, opts, recording);
        inputs.give(chunk.text);
        room = screened.text.len();
        if done.send((index, screened)).is_err() {
            return;
        }
    }
}
