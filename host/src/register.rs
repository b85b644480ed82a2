//! The decision register: every screened application (canonical JSON), its
//! decision (which names the plug-in and data hashes used) and the time it
//! was recorded, in an embedded SQLite database, kept for the ten years FP
//! Art. 7 and ATT Art. 12(3) ask for.
//!
//! Append-only: triggers refuse UPDATE and DELETE, and each record carries
//! `hash = sha256(previous hash, its own fields)`, so that `verify` detects
//! any altered, deleted or reordered record and names the first bad one,
//! even if someone bypasses the triggers with another SQLite client. The
//! head hash printed by `verify` should be kept outside the database (in
//! the case file, say): only that detects removal of the newest records.

use crate::progress::Progress;
use crate::reference::hex;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Write;
use std::path::Path;

/// The file used when none is given.
pub const DEFAULT_PATH: &str = "attest-register.sqlite";

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS records (
    seq            INTEGER PRIMARY KEY,
    recorded_at    TEXT NOT NULL,
    application_id TEXT NOT NULL,
    input_sha256   TEXT NOT NULL,
    application    TEXT NOT NULL,
    decision       TEXT NOT NULL,
    run            TEXT,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_application ON records(application_id);
CREATE UNIQUE INDEX IF NOT EXISTS records_run ON records(run) WHERE run IS NOT NULL;
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'the decision register is append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'the decision register is append-only'); END;
";

/// The statement that appends a record. Like the two queries of an
/// append, it is prepared once per connection (`prepare_cached`): parsing
/// all three again for every record made `attest batch --record` a
/// quarter slower (20,000 applications on two workers, six alternating
/// runs: 0.79-0.94 s before, 0.64-0.71 s after).
const INSERT_RECORD: &str = "INSERT INTO records \
    (seq, recorded_at, application_id, input_sha256, application, decision, run, prev_hash, hash) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

/// Bytes of a page of a new register's database (see `Register::open`).
const PAGE_SIZE: u32 = 65_536;

/// The register's format: the schema above and the record hash of
/// [`Entry::compute_hash`], as `docs/batch.md` spells them out. Kept in
/// SQLite's `user_version`. Registers outlive the program (ten years and
/// more): a later Attest that changes either raises this number and still
/// reads the older formats, and this one refuses a newer format rather
/// than verify a chain by the wrong recipe or append to it. A register
/// made before the number was kept has 0, and is format 1.
pub const FORMAT: i64 = 1;

/// SQLite's `application_id` of a register ("Atst"), so that a file names
/// what it is to tools that read the header.
const APPLICATION_ID: i64 = 0x4174_7374;

#[derive(Debug)]
pub struct RegisterError(pub String);

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "decision register: {}", self.0)
    }
}

impl std::error::Error for RegisterError {}

/// Why an export stopped: the register could not be read, or the output
/// could not be written (a full disk is not the register's fault, and the
/// message must not send anyone to check it).
#[derive(Debug)]
pub enum ExportError {
    Register(RegisterError),
    Output(std::io::Error),
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::Register(e) => e.fmt(f),
            ExportError::Output(e) => write!(f, "writing the export: {e}"),
        }
    }
}

impl From<rusqlite::Error> for RegisterError {
    fn from(e: rusqlite::Error) -> RegisterError {
        RegisterError(e.to_string())
    }
}

/// One record as stored.
#[derive(Clone, Debug)]
pub struct Entry {
    pub seq: u64,
    pub recorded_at: String,
    pub application_id: String,
    pub input_sha256: String,
    pub application: String,
    pub decision: String,
    pub run: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    /// Whether the record's fields still give its hash (the chain to the
    /// record before is `verify`'s to check).
    pub fn is_intact(&self) -> bool {
        self.compute_hash() == self.hash
    }

    /// The chain hash over the previous hash and every field.
    fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.prev_hash.as_str(),
            &self.seq.to_string(),
            &self.recorded_at,
            &self.application_id,
            &self.input_sha256,
            &self.application,
            &self.decision,
            self.run.as_deref().unwrap_or(""),
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        hex(&h.finalize())
    }
}

/// What `verify` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    /// Every record chains; `head` is the newest record's hash.
    Intact { records: u64, head: String },
    /// The first record that does not verify, and why.
    Broken { seq: u64, reason: String },
}

/// Which records a read walks, oldest first.
#[derive(Clone, Copy)]
enum Selection<'a> {
    Every,
    /// One application's records.
    Application(&'a str),
    /// The first record of each distinct application (`application_id`
    /// and `input_sha256`): what a re-evaluation needs, once.
    FirstOfEach,
    /// The records numbered from the first to the second, inclusive.
    Numbers(u64, u64),
}

pub struct Register {
    conn: Connection,
    /// Uncommitted appends since the last commit.
    pending: u32,
}

impl Register {
    /// Opens the register at `path` to append to it, creating it if no
    /// file is there. An existing file must be a register already: one
    /// emptied to 0 bytes would otherwise start a new chain unnoticed, and
    /// another application's database would get our tables.
    pub fn open(path: &Path) -> Result<Register, RegisterError> {
        if !path.exists() {
            create(path)?;
        }
        let conn = connect(path, OpenFlags::empty())?;
        require_records(&conn, path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Indexes and triggers added since a register was made.
        conn.execute_batch(SCHEMA)?;
        // A register from before the format was kept is format 1 (one of
        // another format was refused above). Written only then, not on
        // every open.
        if format_of(&conn, path)? != FORMAT {
            conn.pragma_update(None, "user_version", FORMAT)?;
            conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        }
        Ok(Register { conn, pending: 0 })
    }

    /// Opens an existing register to read it (verify, export, show),
    /// changing nothing in a file that is not one.
    pub fn open_existing(path: &Path) -> Result<Register, RegisterError> {
        let conn = connect(path, OpenFlags::empty())?;
        require_records(&conn, path)?;
        Ok(Register { conn, pending: 0 })
    }

    fn head(&self) -> Result<(u64, String), RegisterError> {
        let head = self
            .conn
            .prepare_cached("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?))
            })
            .optional()?;
        Ok(head.unwrap_or((0, GENESIS.to_string())))
    }

    /// Appends one record. With `run` (a batch run's key and the record's
    /// position), a record already present for that key is not appended
    /// again: a resumed batch records each application exactly once.
    pub fn append(
        &mut self,
        application_id: &str,
        input_sha256: &str,
        application_json: &str,
        decision_json: &str,
        run: Option<&str>,
    ) -> Result<Option<u64>, RegisterError> {
        if let Some(run) = run {
            let exists: Option<i64> = self
                .conn
                .prepare_cached("SELECT seq FROM records WHERE run = ?1")?
                .query_row([run], |r| r.get(0))
                .optional()?;
            if exists.is_some() {
                return Ok(None);
            }
        }
        if self.pending == 0 {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
        }
        let (last, prev_hash) = self.head()?;
        let mut entry = Entry {
            seq: last + 1,
            recorded_at: now_utc(),
            application_id: application_id.into(),
            input_sha256: input_sha256.into(),
            application: application_json.into(),
            decision: decision_json.into(),
            run: run.map(String::from),
            prev_hash,
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        self.conn.prepare_cached(INSERT_RECORD)?.execute(params![
            entry.seq as i64,
            entry.recorded_at,
            entry.application_id,
            entry.input_sha256,
            entry.application,
            entry.decision,
            entry.run,
            entry.prev_hash,
            entry.hash
        ])?;
        self.pending += 1;
        Ok(Some(entry.seq))
    }

    /// Makes every append so far durable.
    pub fn commit(&mut self) -> Result<(), RegisterError> {
        if self.pending > 0 {
            self.conn.execute_batch("COMMIT")?;
            self.pending = 0;
        }
        Ok(())
    }

    /// How many records a batch run (by key prefix) has recorded.
    pub fn run_progress(&self, run_key: &str) -> Result<u64, RegisterError> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM records WHERE run >= ?1 AND run < ?2",
            params![format!("{run_key}:"), format!("{run_key};")],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// How many records the register holds if none was deleted: the
    /// newest `seq`, read from the table's key at once (for a progress
    /// line's total; `verify` finds out whether any was).
    pub fn newest_seq(&self) -> Result<u64, RegisterError> {
        let seq: Option<i64> = self
            .conn
            .query_row("SELECT MAX(seq) FROM records", [], |r| r.get(0))?;
        Ok(seq.map_or(0, |s| s as u64))
    }

    /// The record whose hash is `hash` (hex, any case), if one is. With an
    /// intact chain, finding a head hash kept from an earlier `verify`
    /// proves that every record it covered is still there, unchanged: the
    /// hash commits to its record and, through the chain, to all before.
    pub fn record_with_hash(&self, hash: &str) -> Result<Option<u64>, RegisterError> {
        let seq: Option<i64> = self.conn.query_row(
            "SELECT MIN(seq) FROM records WHERE hash = ?1",
            [hash.trim().to_ascii_lowercase()],
            |r| r.get(0),
        )?;
        Ok(seq.map(|s| s as u64))
    }

    /// Calls `each` with every record, oldest first (only those of one
    /// application with `filter`), reading one row at a time, until it
    /// returns `false`. A register kept for ten years does not fit in
    /// memory: collecting the rows first took 471 MB for 100,000 records
    /// (`docs/batch.md`).
    fn each_entry(
        &self,
        selection: Selection<'_>,
        mut each: impl FnMut(Entry) -> Result<bool, RegisterError>,
    ) -> Result<(), RegisterError> {
        const COLUMNS: &str = "SELECT seq, recorded_at, application_id, input_sha256, \
             application, decision, run, prev_hash, hash FROM records r";
        let mut stmt = match selection {
            Selection::Every => self.conn.prepare(&format!("{COLUMNS} ORDER BY seq"))?,
            Selection::Application(_) => self
                .conn
                .prepare(&format!("{COLUMNS} WHERE application_id = ?1 ORDER BY seq"))?,
            Selection::Numbers(..) => self.conn.prepare(&format!(
                "{COLUMNS} WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq"
            ))?,
            // Each row looks back through its application's own records
            // (the application_id index), so memory stays flat.
            Selection::FirstOfEach => self.conn.prepare(&format!(
                "{COLUMNS} WHERE NOT EXISTS (SELECT 1 FROM records p \
                 WHERE p.application_id = r.application_id \
                 AND p.input_sha256 = r.input_sha256 AND p.seq < r.seq) ORDER BY seq"
            ))?,
        };
        let mut rows = match selection {
            Selection::Application(id) => stmt.query([id])?,
            Selection::Numbers(from, to) => stmt.query([from as i64, to as i64])?,
            Selection::Every | Selection::FirstOfEach => stmt.query([])?,
        };
        while let Some(r) = rows.next()? {
            let entry = Entry {
                seq: r.get::<_, i64>(0)? as u64,
                recorded_at: r.get(1)?,
                application_id: r.get(2)?,
                input_sha256: r.get(3)?,
                application: r.get(4)?,
                decision: r.get(5)?,
                run: r.get(6)?,
                prev_hash: r.get(7)?,
                hash: r.get(8)?,
            };
            if !each(entry)? {
                break;
            }
        }
        Ok(())
    }

    /// Writes a copy of the register to `to`, a file that must not exist:
    /// the register as it stood at one moment, however many runs are
    /// recording meanwhile. Copying the file itself while a run records
    /// can catch it half-written, or leave out the records still in its
    /// write-ahead log (`-wal`). The copy is a register like any other,
    /// with its unused pages left out, and appears complete or not at all.
    pub fn backup(&self, to: &Path) -> Result<(), RegisterError> {
        let refused = |why: &str| Err(RegisterError(format!("{}: {why}", to.display())));
        if to.exists() {
            return refused("a file is already there; the backup writes only a new file");
        }
        let placed = put_in_place(to, |building| {
            let Some(name) = building.to_str() else {
                return refused("the backup's path must be UTF-8 for SQLite");
            };
            // One read transaction: the snapshot of that moment, while
            // writers go on appending to the log.
            self.conn.execute("VACUUM INTO ?1", [name])?;
            Ok(())
        })?;
        match placed {
            Placed::Built => Ok(()),
            Placed::Found => {
                refused("a file appeared there meanwhile; the backup was not put in place")
            }
        }
    }

    /// Walks the chain from the first record and reports the first that
    /// was altered (its hash does not match its fields), deleted (a gap in
    /// the sequence) or moved (it does not chain to its predecessor).
    pub fn verify(&self, progress: &mut Progress) -> Result<Verification, RegisterError> {
        let mut prev = GENESIS.to_string();
        let mut expected = 1u64;
        let mut broken = None;
        self.each_entry(Selection::Every, |e| {
            progress.advance(1);
            let problem = if e.seq != expected {
                Some((
                    expected,
                    format!(
                        "record {expected} is missing (deleted); the next present is {}",
                        e.seq
                    ),
                ))
            } else if e.prev_hash != prev {
                Some((
                    e.seq,
                    "does not chain to the record before it (records removed or reordered)".into(),
                ))
            } else if e.compute_hash() != e.hash {
                Some((e.seq, "its contents do not match its hash (altered)".into()))
            } else {
                None
            };
            if let Some((seq, reason)) = problem {
                broken = Some(Verification::Broken { seq, reason });
                return Ok(false);
            }
            prev = e.hash;
            expected += 1;
            Ok(true)
        })?;
        Ok(broken.unwrap_or(Verification::Intact {
            records: expected - 1,
            head: prev,
        }))
    }

    /// Writes the recorded applications as JSON Lines, oldest first, for
    /// re-evaluation with `attest batch`: each
    /// distinct application (by its canonical content) once, at its first
    /// record, or with `every_record` one line per record. An application
    /// screened again and again is re-evaluated once, not once per record.
    pub fn export(
        &self,
        out: &mut dyn Write,
        every_record: bool,
        progress: &mut Progress,
    ) -> Result<u64, ExportError> {
        let selection = match every_record {
            true => Selection::Every,
            false => Selection::FirstOfEach,
        };
        let mut n = 0;
        let mut unwritten = None;
        let mut walked = 0;
        self.each_entry(selection, |e| {
            // Progress by position in the register: skipped records count.
            progress.advance(e.seq.saturating_sub(walked));
            walked = e.seq;
            if let Err(e) = writeln!(out, "{}", e.application) {
                unwritten = Some(e);
                return Ok(false);
            }
            n += 1;
            Ok(true)
        })
        .map_err(ExportError::Register)?;
        match unwritten {
            Some(e) => Err(ExportError::Output(e)),
            None => Ok(n),
        }
    }

    /// Calls `each` with the records numbered `from` to `to` (inclusive)
    /// that the register holds, oldest first, one row at a time, until it
    /// returns `false`.
    pub fn each_numbered(
        &self,
        from: u64,
        to: u64,
        each: impl FnMut(Entry) -> Result<bool, RegisterError>,
    ) -> Result<(), RegisterError> {
        // SQLite's integers are signed: a number past them matches nothing.
        let (from, to) = (from.min(i64::MAX as u64), to.min(i64::MAX as u64));
        self.each_entry(Selection::Numbers(from, to), each)
    }

    /// Every record of one application, oldest first.
    pub fn history(&self, application_id: &str) -> Result<Vec<Entry>, RegisterError> {
        let mut entries = Vec::new();
        self.each_entry(Selection::Application(application_id), |e| {
            entries.push(e);
            Ok(true)
        })?;
        Ok(entries)
    }
}

/// Makes a new, empty register at `path`. Officers recording at the same
/// moment into a register no one had made could otherwise find the file
/// another had just created but not yet given its tables, and be refused
/// as "not a register": the first to put theirs in place wins, and the
/// others open it.
fn create(path: &Path) -> Result<(), RegisterError> {
    put_in_place(path, |building| {
        let conn = connect(building, OpenFlags::SQLITE_OPEN_CREATE)?;
        // Records are about 5 KB (the canonical application and its
        // decision): with SQLite's default 4 KiB pages each spilled onto
        // overflow pages, written one system call each. 64 KiB pages, the
        // largest, hold a dozen records: `attest batch --record` of 20,000
        // applications 0.785 -> 0.61 s (medians of four rounds), and a 7%
        // smaller file. The size only takes on a new file; a register
        // made before keeps its pages and works as it did.
        conn.pragma_update(None, "page_size", PAGE_SIZE)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        conn.pragma_update(None, "user_version", FORMAT)?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        // Closing the only connection checkpoints the WAL into the file
        // and removes it, so the one file is the whole register.
        conn.close()
            .map_err(|(_, e)| RegisterError(format!("{}: {e}", building.display())))
    })
    .map(|_| ())
}

/// Whether [`put_in_place`] put the file built there, or found one.
#[derive(Debug, PartialEq, Eq)]
enum Placed {
    Built,
    Found,
}

/// Makes the file at `path` appear complete or not at all: `build` writes
/// it beside `path` under another name, which is then linked to `path`,
/// which fails if a file is there by then (made meanwhile by another
/// process, say). The name built under is removed in every case.
fn put_in_place(
    path: &Path,
    build: impl FnOnce(&Path) -> Result<(), RegisterError>,
) -> Result<Placed, RegisterError> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let building = path.with_file_name(format!(".{name}.new-{}", std::process::id()));
    let _ = std::fs::remove_file(&building);
    let placed = build(&building).and_then(|()| {
        // Durable before it has its name: a power cut must not leave a
        // name on a file whose contents never reached the disk.
        std::fs::File::open(&building)
            .and_then(|f| f.sync_all())
            .and_then(|()| match std::fs::hard_link(&building, path) {
                Ok(()) => sync_folder(path).map(|()| Placed::Built),
                Err(_) if path.exists() => Ok(Placed::Found),
                // A file system without hard links (FAT, some network and
                // FUSE mounts): renamed instead, which leaves the moment
                // between looking and renaming open to a second process.
                Err(_) => std::fs::rename(&building, path)
                    .and_then(|()| sync_folder(path))
                    .map(|()| Placed::Built),
            })
            .map_err(|e| RegisterError(format!("{}: {e}", path.display())))
    });
    let _ = std::fs::remove_file(&building);
    placed
}

/// Makes a file's new name durable: without this a power cut just after
/// a register was made could leave its records written and its name gone.
fn sync_folder(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => std::fs::File::open(folder)?.sync_all(),
        _ => std::fs::File::open(".")?.sync_all(),
    }
}

fn connect(path: &Path, create: OpenFlags) -> Result<Connection, RegisterError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | create;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| RegisterError(format!("{}: {e}", path.display())))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

/// Refuses a file without the records table, or of a newer format.
/// Reading the schema writes nothing, so a file refused here is left as it
/// was.
fn require_records(conn: &Connection, path: &Path) -> Result<(), RegisterError> {
    let found = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'records'",
            [],
            |_| Ok(()),
        )
        .optional()
        .map_err(|e| RegisterError(format!("{}: {e}", path.display())))?;
    if found.is_none() {
        return Err(RegisterError(format!(
            "{}: not a register of Attest's (no records table); choose another --register",
            path.display()
        )));
    }
    let format = format_of(conn, path)?;
    if format > FORMAT {
        return Err(RegisterError(format!(
            "{}: register format {format}, written by a newer Attest; this one reads \
             formats up to {FORMAT} and leaves the file as it is: use the newer Attest",
            path.display()
        )));
    }
    Ok(())
}

/// The register format recorded in the file (0 before it was kept).
fn format_of(conn: &Connection, path: &Path) -> Result<i64, RegisterError> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| RegisterError(format!("{}: {e}", path.display())))
}

impl Drop for Register {
    fn drop(&mut self) {
        let _ = self.commit();
    }
}

/// The current time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_size(path: &Path) -> u32 {
        Connection::open(path)
            .unwrap()
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap()
    }

    fn append(register: &mut Register, id: &str) {
        register
            .append(id, "0".repeat(64).as_str(), "{}", "{}", None)
            .unwrap();
        register.commit().unwrap();
    }

    #[test]
    fn a_new_register_has_large_pages_and_one_made_before_keeps_its_own() {
        let dir = std::env::temp_dir().join(format!("attest-register-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let new = dir.join("new.sqlite");
        append(&mut Register::open(&new).unwrap(), "A-1");
        assert_eq!(page_size(&new), PAGE_SIZE);

        // A register as builds before this one made it: SQLite's default
        // pages, already in WAL mode, one record in it.
        let old = dir.join("old.sqlite");
        {
            let conn = Connection::open(&old).unwrap();
            conn.pragma_update(None, "page_size", 4096).unwrap();
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
            conn.execute_batch(SCHEMA).unwrap();
        }
        append(&mut Register::open(&old).unwrap(), "A-1");
        let mut register = Register::open(&old).unwrap();
        append(&mut register, "A-2");
        assert_eq!(page_size(&old), 4096);
        match register.verify(&mut Progress::new(None, 0, false)).unwrap() {
            Verification::Intact { records, .. } => assert_eq!(records, 2),
            broken => panic!("{broken:?}"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_clock_formats_as_rfc_3339_utc() {
        let t = now_utc();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z'));
    }
}
