//! Reading a batch's input into chunks of records.
//!
//! A chunk holds the text of up to [`CHUNK`] records back to back in one
//! buffer, with where each lies. The reader thread shares the cores with
//! the workers, so it does as little as it can per record: it finds line
//! ends and copies bytes, one buffer per chunk instead of one string per
//! line, and leaves checking that a record is UTF-8 to the worker that
//! screens it (`docs/performance.md`: the reader and the writer together
//! were what kept two workers from doubling one's rate).

use super::{BatchError, Input};
use crate::application::{Format, MAX_DOCUMENT_BYTES};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Records per unit of work: large enough that channel traffic is noise
/// next to screening, small enough that a resumed run repeats little and
/// memory stays small. 256 rather than 64: each chunk handed on can wake a
/// sleeping thread, and with two workers, the reader and the writer on two
/// cores a quarter of the hand-offs made two workers 5-13% faster
/// (`docs/performance.md`), for a peak of about 43 MB instead of 26-34.
pub const CHUNK: usize = 256;

/// Buffer of the input reader. The reader shares the cores with the
/// workers, so its system calls count: 1 MiB instead of 8 KiB.
pub const IO_BUFFER: usize = 1 << 20;

/// Up to [`CHUNK`] records, their text back to back.
#[derive(Default)]
pub struct Chunk {
    pub text: Vec<u8>,
    pub records: Vec<Record>,
}

/// One input record: where it came from and where its text lies in its
/// chunk.
pub struct Record {
    pub origin: Origin,
    pub span: Range<usize>,
    pub format: Format,
    /// Why the record's text was not read, if it was not: its span is
    /// empty, and it becomes an error record.
    pub unread: Option<Unread>,
}

/// Why a record was not read.
#[derive(Clone, Debug)]
pub enum Unread {
    /// Longer than [`MAX_DOCUMENT_BYTES`].
    TooLarge,
    /// A file of a folder input that could not be read: a dangling link,
    /// a folder named `*.toml`, no permission. One such file used to stop
    /// the whole run; it is one record, and the rest are screened.
    Failed(String),
}

#[derive(Clone)]
pub enum Origin {
    /// Line number in a JSON Lines input, counting blank lines.
    Line(u64),
    /// File name in a directory input.
    File(String),
}

/// Byte buffers handed back to the thread that fills them, so that a
/// run reuses the same few buffers instead of allocating one per chunk in
/// one thread and freeing it in another, which the allocator is slow to
/// take back: peak memory of 100,000 applications on two workers 34 ->
/// 26 MiB.
#[derive(Default)]
pub struct Spares(Mutex<Vec<Vec<u8>>>);

impl Spares {
    /// An empty buffer, with room for `room` bytes.
    pub fn take(&self, room: usize) -> Vec<u8> {
        let mut buf = self
            .0
            .lock()
            .ok()
            .and_then(|mut s| s.pop())
            .unwrap_or_default();
        buf.reserve(room);
        buf
    }

    pub fn give(&self, mut buf: Vec<u8>) {
        buf.clear();
        if let Ok(mut spares) = self.0.lock() {
            spares.push(buf);
        }
    }
}

impl Chunk {
    fn with_room(text: Vec<u8>) -> Chunk {
        Chunk {
            text,
            records: Vec::with_capacity(CHUNK),
        }
    }

    pub fn record_text(&self, record: &Record) -> &[u8] {
        &self.text[record.span.clone()]
    }
}

/// Reads `input` in chunks, skipping blank lines and the first `skip`
/// records, and hands each chunk to `send`; stops early when `send`
/// returns false.
pub fn read_chunks(
    input: &Input,
    skip: u64,
    spares: &Spares,
    mut send: impl FnMut(Chunk) -> bool,
) -> Result<(), BatchError> {
    let mut skip = skip;
    let mut chunk = Chunk::with_room(spares.take(0));
    // Each next chunk gets room like the last one's.
    let mut pass_on = |chunk: &mut Chunk| {
        let next = Chunk::with_room(spares.take(chunk.text.len()));
        send(std::mem::replace(chunk, next))
    };
    match input {
        Input::JsonLines(path) => {
            let mut reader: Box<dyn BufRead + Send> = if path.as_os_str() == "-" {
                Box::new(BufReader::with_capacity(IO_BUFFER, io::stdin()))
            } else {
                let file = File::open(path).map_err(unreadable(path))?;
                Box::new(BufReader::with_capacity(IO_BUFFER, file))
            };
            // UTF-16 (PowerShell's `>`) has no line of UTF-8 in it: one
            // message for the file rather than an error record per line.
            let start = reader.fill_buf().map_err(unreadable(path))?;
            if let Some(problem) = crate::application::utf16(start) {
                return Err(BatchError::Input(format!("{}: {problem}", path.display())));
            }
            let mut line = 0u64;
            let mut seen_record = false;
            // A line end within this many bytes, or the line is too long
            // to be an application (its `\r\n` is two of them).
            let cap = MAX_DOCUMENT_BYTES as u64 + 2;
            loop {
                let start = chunk.text.len();
                let n = (&mut reader)
                    .take(cap)
                    .read_until(b'\n', &mut chunk.text)
                    .map_err(unreadable(path))?;
                if n == 0 {
                    break;
                }
                line += 1;
                let oversized = n as u64 == cap && chunk.text.last() != Some(&b'\n');
                if oversized {
                    // The rest of the line is passed over, never held.
                    chunk.text.truncate(start);
                    reader.skip_until(b'\n').map_err(unreadable(path))?;
                }
                let end = start + line_len(&chunk.text[start..]);
                let blank = !oversized && is_blank(&chunk.text[start..end]);
                if !blank && !seen_record {
                    seen_record = true;
                    if !oversized && not_json_lines(&chunk.text[start..end]) {
                        return Err(BatchError::Input(format!(
                            "{}: line {line} starts a JSON array or a JSON document spread \
                             over lines, not JSON Lines (one application per line): \
                             `attest screen` takes one document, and `jq -c '.[]'` turns \
                             an array into JSON Lines",
                            path.display()
                        )));
                    }
                }
                if blank || skip > 0 {
                    skip -= u64::from(!blank);
                    chunk.text.truncate(start);
                    continue;
                }
                chunk.text.truncate(end);
                chunk.records.push(Record {
                    origin: Origin::Line(line),
                    span: start..end,
                    format: Format::Json,
                    unread: oversized.then_some(Unread::TooLarge),
                });
                if chunk.records.len() == CHUNK && !pass_on(&mut chunk) {
                    return Ok(());
                }
            }
        }
        Input::Directory(dir) => {
            for path in application_files(dir)?.into_iter().skip(skip as usize) {
                let start = chunk.text.len();
                let unread = match std::fs::metadata(&path) {
                    Ok(meta) if meta.len() > MAX_DOCUMENT_BYTES as u64 => Some(Unread::TooLarge),
                    Ok(_) => File::open(&path)
                        .and_then(|mut f| f.read_to_end(&mut chunk.text))
                        .err()
                        .map(|e| Unread::Failed(e.to_string())),
                    Err(e) => Some(Unread::Failed(e.to_string())),
                };
                if unread.is_some() {
                    // Nothing of a file that failed part-way is kept.
                    chunk.text.truncate(start);
                }
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                chunk.records.push(Record {
                    origin: Origin::File(name),
                    span: start..chunk.text.len(),
                    format: Format::from_path(&path),
                    unread,
                });
                if chunk.records.len() == CHUNK && !pass_on(&mut chunk) {
                    return Ok(());
                }
            }
        }
    }
    if !chunk.records.is_empty() {
        pass_on(&mut chunk);
    }
    Ok(())
}

/// How a failure to open or read the input is reported: naming it as the
/// input, since the same message may be about `--out` or `--baseline`.
/// The message is made only on failure: this runs for every line read.
fn unreadable(path: &Path) -> impl FnOnce(io::Error) -> BatchError + '_ {
    move |e| BatchError::Io(format!("input {}", path.display()), e)
}

/// Opens `input` before anything is written for it, and names what of a
/// folder input will not be read. A mistyped input path used to leave an
/// empty `--out` and its sidecar behind, which then refused the corrected
/// run as one "with other arguments"; and a `.jsonl` or `.yaml` file put
/// in a folder input was passed over without a word. Reading opens the
/// input again; this only moves the first error ahead of the output.
pub fn survey(input: &Input) -> Result<PassedOver, BatchError> {
    let mut names = Vec::new();
    match input {
        Input::JsonLines(path) if path.as_os_str() == "-" => {}
        Input::JsonLines(path) => drop(File::open(path).map_err(unreadable(path))?),
        Input::Directory(dir) => {
            for entry in std::fs::read_dir(dir).map_err(unreadable(dir))?.flatten() {
                if !is_application_file(&entry.path()) {
                    let mut name = entry.file_name().to_string_lossy().into_owned();
                    if entry.file_type().is_ok_and(|t| t.is_dir()) {
                        name.push('/');
                    }
                    names.push(name);
                }
            }
        }
    }
    names.sort();
    Ok(PassedOver { names })
}

/// The entries of a folder input that are not applications by their
/// names; displayed as the warning that says so.
pub struct PassedOver {
    pub names: Vec<String>,
}

impl std::fmt::Display for PassedOver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const SHOWN: usize = 5;
        let n = self.names.len();
        write!(
            f,
            "{n} {} of the folder not read (only .toml and .json files are read): {}",
            if n == 1 { "entry" } else { "entries" },
            self.names
                .iter()
                .take(SHOWN)
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        match n.saturating_sub(SHOWN) {
            0 => Ok(()),
            more => write!(f, " and {more} more"),
        }
    }
}

/// Whether a folder input reads this entry: by its name, `.toml` or
/// `.json` (a folder so named gives an error record, as an unreadable
/// file does).
fn is_application_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("toml" | "json")
    )
}

/// The `.toml` and `.json` files of a directory input, in name order.
fn application_files(dir: &Path) -> Result<Vec<PathBuf>, BatchError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(unreadable(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_application_file(p))
        .collect();
    files.sort();
    Ok(files)
}

/// Whether the first record line shows a JSON array (`[`, `[{...`) or a
/// document spread over lines (`{` alone), which JSON Lines cannot be:
/// such a file used to give an error record for each of its lines (455
/// for five pretty-printed applications). Later lines like these are
/// invalid records like any other.
fn not_json_lines(first: &[u8]) -> bool {
    let line = first.trim_ascii();
    line == b"{" || line.first() == Some(&b'[')
}

/// The length of a line read with its end: without `\n` or `\r\n`.
fn line_len(line: &[u8]) -> usize {
    match line {
        [rest @ .., b'\r', b'\n'] | [rest @ .., b'\n'] => rest.len(),
        _ => line.len(),
    }
}

/// True for a line of nothing but white space (Unicode's, as `str::trim`
/// reads it); such lines are not records.
fn is_blank(line: &[u8]) -> bool {
    let rest = line.trim_ascii();
    // A record starts with `{`; any other line gets the full check, which
    // also knows white space that `trim_ascii` does not (vertical tab,
    // and all of Unicode's).
    rest.is_empty()
        || (rest[0] != b'{' && std::str::from_utf8(rest).is_ok_and(|s| s.trim().is_empty()))
}

/// How many records `input` holds, for the progress line's ETA; `None` for
/// standard input, which can be read only once (counting it first left
/// nothing to screen: `zcat past.jsonl.gz | attest batch -` on a terminal
/// screened 0 applications). A batch counts in a thread of its own while
/// it screens, so this pass costs no waiting; it steps from line end to
/// line end without copying a line that starts a record (the reader's
/// full pass took 2 s of a 7 s run of 1,000,000 before the count was in).
pub fn count(input: &Input) -> Option<u64> {
    match input {
        Input::JsonLines(path) if path.as_os_str() == "-" => None,
        Input::JsonLines(path) => {
            let file = File::open(path).ok()?;
            count_lines(&mut BufReader::with_capacity(IO_BUFFER, file)).ok()
        }
        Input::Directory(dir) => application_files(dir).ok().map(|f| f.len() as u64),
    }
}

/// The records of JSON Lines: lines that are not blank, as the reader
/// takes them.
fn count_lines(reader: &mut impl BufRead) -> io::Result<u64> {
    let mut records = 0;
    let mut line = Vec::new();
    loop {
        let Some(&first) = reader.fill_buf()?.first() else {
            return Ok(records);
        };
        if first == b'{' {
            records += 1;
            reader.skip_until(b'\n')?;
            continue;
        }
        // Anything else is looked at whole, within the record limit.
        line.clear();
        let cap = MAX_DOCUMENT_BYTES as u64 + 2;
        let n = reader.take(cap).read_until(b'\n', &mut line)?;
        let oversized = n as u64 == cap && line.last() != Some(&b'\n');
        if oversized {
            reader.skip_until(b'\n')?;
        }
        records += u64::from(oversized || !is_blank(&line[..line_len(&line)]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends_and_blank_lines_read_as_str_lines_did() {
        assert_eq!(line_len(b"{}\r\n"), 2);
        assert_eq!(line_len(b"{}\n"), 2);
        assert_eq!(line_len(b"{}"), 2);
        assert_eq!(line_len(b"\r"), 1);
        assert!(is_blank(b"") && is_blank(b" \t ") && is_blank("\u{a0} \u{2003}".as_bytes()));
        assert!(is_blank(b"\x0b") && is_blank(b" \x0b\x0c "));
        assert!(!is_blank(b" {}") && !is_blank("\u{a0}x".as_bytes()) && !is_blank(b"\xff"));
    }

    #[test]
    fn the_count_is_the_number_of_records_the_reader_takes() {
        let long = "x".repeat(MAX_DOCUMENT_BYTES + 10);
        let text = format!(
            "{{\"a\":1}}\n\n  \t\r\n{{}}\r\n \u{a0}\n  {{\"b\":2}}\n{long}\nnot json\n{{\"last\":0}}"
        );
        let counted = count_lines(&mut text.as_bytes()).unwrap();
        let dir = std::env::temp_dir().join(format!("attest-count-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("in.jsonl");
        std::fs::write(&path, &text).unwrap();
        let mut read = 0;
        read_chunks(
            &Input::JsonLines(path.clone()),
            0,
            &Spares::default(),
            |c| {
                read += c.records.len() as u64;
                true
            },
        )
        .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!((counted, read), (6, 6));
    }

    #[test]
    fn standard_input_is_not_counted_ahead_of_the_run() {
        // Counting would read it; the run would then find it empty.
        assert_eq!(count(&Input::JsonLines(PathBuf::from("-"))), None);
    }
}
