//! The `attest` command line.

/// `println!` that does not panic: standard output that cannot be written
/// (a full disk, a device gone) ends the process with a message and
/// status 1, as any other failure does. A closed pipe ends it earlier, by
/// SIGPIPE (`quiet_on_closed_output`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            $crate::stdout_failed(e)
        }
    }};
}

mod cli;

use attest::application::{self, ApplicationError, Format};
use attest::batch::{self, AsOf, Input, Output};
use attest::config::Config;
use attest::register::{self, Register};
use attest::sandbox::Isolation;
use attest::screen::Screener;
use attest_rules::model::Date;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{Read, Write};

/// A batch parses, validates and serialises millions of small JSON
/// documents: most of its time outside the sandbox is allocation, which
/// mimalloc does faster than the system allocator (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use cli::files::distinct_files;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Turns transparent huge pages off for this process. mimalloc asks for
/// them on its arenas, so each first touch of a 2 MiB region made it all
/// resident: peak memory of a batch of 100,000 was 57-89 MiB and varied
/// from run to run, against 22-36 MiB with 4 KiB pages, at the same speed
/// or better (docs/performance.md). Attest's memory is many small,
/// short-lived buffers, which huge pages do not help.
fn small_pages_only() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes an integer flag and touches no
    // memory of ours; failure only leaves the default in place.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Lets a closed standard output end the process as it ends `cat` or
/// `grep`: `attest register export | head` stops quietly. Rust ignores
/// SIGPIPE, so every `println!` after the reader left panicked ("failed
/// printing to stdout"). A batch killed this way is like any killed
/// batch: with `--out` it resumes, and the register keeps what it
/// committed.
fn quiet_on_closed_output() {
    #[cfg(unix)]
    // SAFETY: restores the default action of one signal before any
    // thread starts; no handler of ours is involved.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Screens arms-transfer licence applications against the UN Firearms
/// Protocol, the Arms Trade Treaty and national policies, each run as a
/// sandboxed WebAssembly plug-in. Every finding cites its article.
#[derive(Parser)]
#[command(
    name = "attest",
    version,
    after_help = "Exit status: 0 done (whatever the outcomes); 2 an input was invalid; 3 the register failed verification\nor a record was not reproduced; 1 Attest could not start or finish (configuration, data, integrity, I/O).\nExample: attest screen examples/gb-ke-police-rifles.toml"
)]
struct Cli {
    /// Configuration file (attest.toml): limits, reference data and the
    /// policy registry. Default: the configuration embedded in the binary.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Compile every plug-in at start-up instead of loading it from the
    /// precompiled cache ($ATTEST_CACHE_DIR, else ~/.cache/attest).
    #[arg(long, global = true)]
    no_cache: bool,
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
        /// Application files, TOML or JSON (by extension: .json is JSON);
        /// `-` reads one from standard input (JSON if it starts with `{`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// `text` for an officer (findings grouped by outcome, with
        /// citations) or `json` (the decision format of the spec; an
        /// invalid file's error record, as `attest batch` writes it)
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Apply rules and reference data as of this date (YYYY-MM-DD)
        /// instead of each application's `submitted` date.
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        /// Treat unknown fields as errors instead of warnings.
        #[arg(long)]
        strict: bool,
        /// Also append each decision to the decision register.
        #[arg(long)]
        record: bool,
        /// The decision register file.
        #[arg(long, value_name = "PATH", default_value = register::DEFAULT_PATH)]
        register: PathBuf,
    },
    /// Re-evaluate many applications: JSON Lines in, decisions out, in input order
    ///
    /// INPUT is a JSON Lines file (one application per line; `-` for
    /// standard input) or a folder of .toml/.json files. Decisions are
    /// written one per line in input order (an invalid record becomes an
    /// error record with its line and field paths, and the run goes on).
    /// Screens on all cores with flat memory. Ctrl-C stops it after
    /// writing what it has screened. With --out, an interrupted run
    /// (Ctrl-C, kill, power loss) restarted with the same arguments
    /// resumes where it stopped and ends byte-identical to an
    /// uninterrupted one.
    ///
    /// Example, "which licences does the new embargo hit":
    ///   attest register export > past.jsonl
    ///   attest batch past.jsonl --out before.jsonl --as-of submitted
    ///   (update data/ or the policies)
    ///   attest batch past.jsonl --out after.jsonl --as-of submitted --baseline before.jsonl
    // Verbatim: clap would otherwise join the example's commands into one
    // line.
    #[command(verbatim_doc_comment)]
    Batch {
        /// Applications: a JSON Lines file, `-` for standard input, or a
        /// folder of .toml/.json files (in name order)
        input: PathBuf,
        /// Write decisions here (default, or `-`: standard output, not
        /// resumable; a device or pipe such as /dev/null is not resumable
        /// either).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Worker threads, at least 1 (default: all cores).
        #[arg(long, value_parser = parse_jobs)]
        jobs: Option<usize>,
        /// Judge each application by the rules of its own date
        /// (`submitted`) or of one DATE (YYYY-MM-DD).
        #[arg(long, default_value = "submitted", value_parser = parse_as_of)]
        as_of: AsOf,
        /// Treat unknown fields as errors instead of warnings.
        #[arg(long)]
        strict: bool,
        /// Replace an existing --out instead of resuming it.
        #[arg(long)]
        restart: bool,
        /// No progress line, even on a terminal.
        #[arg(long)]
        quiet: bool,
        /// Also append each decision to the decision register (exactly
        /// once, also across resumed runs).
        #[arg(long)]
        record: bool,
        /// The decision register file.
        #[arg(long, value_name = "PATH", default_value = register::DEFAULT_PATH)]
        register: PathBuf,
        /// Instances per application: `fresh` (nothing carries over; the
        /// default) or `reuse` (about a sixth faster; trusted, pinned
        /// modules only: see docs/security.md). Overrides the configuration.
        #[arg(long, value_enum)]
        isolation: Option<IsolationArg>,
        /// Compare with earlier decisions for the same input: print each
        /// changed application (JSON Lines) and an old → new table.
        #[arg(long, value_name = "OLD_DECISIONS", requires = "out")]
        baseline: Option<PathBuf>,
        /// Write the changes found by --baseline here (default: standard output).
        #[arg(long, value_name = "FILE", requires = "baseline")]
        changes: Option<PathBuf>,
    },
    /// Compare two decision files for the same input.
    Diff {
        /// The earlier decisions (JSON Lines, from `attest batch --out`)
        before: PathBuf,
        /// The later decisions for the same input, in the same order
        after: PathBuf,
        /// Write changed applications here (default: standard output).
        #[arg(long, value_name = "FILE")]
        changes: Option<PathBuf>,
    },
    /// Generate a synthetic workload: realistic, varied applications as
    /// JSON Lines, the same for the same seed.
    Gen {
        /// How many applications
        #[arg(long, default_value_t = 1000)]
        count: u64,
        /// The same seed gives the same applications, byte for byte
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write here (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// The decision register: verify its hash chain, export, reproduce, back up, show history.
    Register {
        /// The decision register file.
        #[arg(long, value_name = "PATH", default_value = register::DEFAULT_PATH, global = true)]
        register: PathBuf,
        #[command(subcommand)]
        command: RegisterCommand,
    },
    /// Check applications against the format without screening them.
    Validate {
        /// Application files, TOML or JSON (by extension: .json is JSON);
        /// `-` reads one from standard input (JSON if it starts with `{`)
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
enum RegisterCommand {
    /// Check that no record was altered, deleted or reordered; names the
    /// first bad record. Prints the head hash: keep it outside the database,
    /// and give it back with --head to prove that the newest records of
    /// that day were not removed since.
    Verify {
        /// A head hash printed by an earlier verify (kept in a case file or
        /// a log): also check that every record it covered is still there
        #[arg(long, value_name = "HASH", value_parser = parse_head)]
        head: Option<String>,
    },
    /// Write the recorded applications as JSON Lines, for re-evaluation:
    /// each distinct application once.
    Export {
        /// Write here (default: standard output)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// One line per record, not per distinct application: an
        /// application recorded three times is written three times
        #[arg(long)]
        every_record: bool,
    },
    /// Screen recorded applications again, as of their recorded dates, and
    /// check that each gives the decision recorded, byte for byte; if not,
    /// say which plug-ins, data or findings differ. Exit status 3 if one
    /// was not reproduced.
    Reproduce {
        /// Record numbers (as `screen --record` and `register show` print
        /// them), or ranges of them: `7`, `100-250`. A range prints only
        /// the records not reproduced, then a count
        #[arg(value_name = "RECORD", required_unless_present = "all")]
        records: Vec<String>,
        /// Every record of the register, oldest first
        #[arg(long, conflicts_with = "records")]
        all: bool,
        /// Another configuration to try (repeatable), after --config or
        /// the embedded one: each record is held to the first that
        /// reproduces it, so one run covers a register kept across
        /// configurations
        #[arg(long, value_name = "CONFIG")]
        with: Vec<PathBuf>,
    },
    /// Copy the register to FILE (which must not exist yet) as it stands at
    /// one moment, even while others record, and verify the copy. Copy
    /// the file itself only when no run is recording
    Backup {
        /// Where the copy goes: a new file
        #[arg(value_name = "FILE")]
        to: PathBuf,
    },
    /// Print one application's history: every decision recorded for it, with what each found
    Show {
        /// The application's id, as in its `id` field
        application: String,
        /// How to print each decision
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// List the registry: each plug-in's manifest, pinned sha256, states
    /// and roles served, effective dates, rules, and any load fault; then
    /// the reference data sets.
    List,
    /// What each rule of the configured policies checks, and the article
    /// it cites: every rule, or those whose ids begin with the ones given
    /// (a finding's rule, or a prefix such as att.11-2).
    Rules {
        /// Rule ids, or the start of them
        #[arg(value_name = "RULE")]
        rules: Vec<String>,
    },
    /// Scaffold a policy crate that builds as is: one example rule, one
    /// fixture, a README; added to the policies workspace.
    New {
        /// The crate's name under the policies workspace, and the policy's
        /// id (lower-case letters, digits and dashes, starting with a letter)
        name: String,
        /// The state whose policy it is (ISO 3166-1 alpha-2).
        #[arg(long)]
        state: String,
        /// The policies workspace.
        #[arg(long, default_value = "policies")]
        dir: PathBuf,
    },
    /// Build plug-ins to .wasm with manifest and sha256 under dist/,
    /// reproducibly (same source and toolchain, same bytes).
    Build {
        /// Only this policy (default: all).
        name: Option<String>,
        /// The policies workspace
        #[arg(long, default_value = "policies")]
        dir: PathBuf,
    },
    /// Run a policy's fixtures through the real host and sandbox: pass or
    /// fail per fixture with a diff of findings, and rule coverage.
    Test {
        /// Only this policy (default: every policy with fixtures).
        name: Option<String>,
        /// The policies workspace
        #[arg(long, default_value = "policies")]
        dir: PathBuf,
        /// Test this module instead of dist/NAME.wasm.
        #[arg(long, value_name = "FILE.wasm", requires = "name")]
        module: Option<PathBuf>,
        /// Fail when a rule of the manifest fired on no fixture.
        #[arg(long)]
        require_coverage: bool,
    },
    /// Show a module's manifest, ABI, exports, imports, size and sha256,
    /// and whether the sandbox accepts it.
    Inspect {
        /// The plug-in module (.wasm)
        module: PathBuf,
    },
    /// Make an ed25519 signing key: the secret to FILE (mode 0600), the
    /// public key (`ed25519:...`, to put in `[trust] keys`) to FILE.pub.
    Keygen {
        /// Where to write the secret key (the public key goes to FILE.pub)
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Sign a module (its bytes, manifest included) with a secret key;
    /// writes the signature to MODULE.sig unless --out says otherwise.
    Sign {
        /// The plug-in module (.wasm)
        module: PathBuf,
        /// The secret key, from `attest policy keygen`
        #[arg(long, value_name = "SECRET_KEY_FILE")]
        key: PathBuf,
        /// Where to write the signature (default: MODULE.sig)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Check a module's signature against public keys (--key, repeatable),
    /// or the configuration's `[trust] keys`.
    Verify {
        /// The plug-in module (.wasm)
        module: PathBuf,
        /// The signature file (default: MODULE.sig).
        #[arg(long, value_name = "FILE")]
        signature: Option<PathBuf>,
        /// A trusted public key, `ed25519:...`.
        #[arg(long = "key", value_name = "PUBLIC_KEY")]
        keys: Vec<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum IsolationArg {
    Fresh,
    Reuse,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    /// A summary for a licensing officer.
    Text,
    /// The decision record of the spec (decision.md).
    Json,
}

fn parse_as_of(s: &str) -> Result<AsOf, String> {
    AsOf::parse(s)
        .ok_or_else(|| format!("expected `submitted` or a date YYYY-MM-DD, found \"{s}\""))
}

/// "1 record", "2 records".
fn count(n: u64, noun: &str) -> String {
    count_as(n, noun, &format!("{noun}s"))
}

/// "1 entry", "2 entries": for a noun whose plural is not the singular
/// and an s.
fn count_as(n: u64, one: &str, many: &str) -> String {
    match n {
        1 => format!("1 {one}"),
        _ => format!("{n} {many}"),
    }
}

/// The most workers `--jobs` accepts.
const MAX_JOBS: usize = 1024;

/// `--jobs 0` is refused rather than quietly run on one worker: some
/// tools read 0 as "all cores", which here is what leaving it out means.
fn parse_jobs(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("at least 1 worker; leave --jobs out to use all cores".into()),
        // Each worker's instances take address space (a pool slot per
        // plug-in); some 20,000 workers exhaust it. More workers than
        // cores only wait their turn anyway.
        Ok(n) if n > MAX_JOBS => Err(format!("at most {MAX_JOBS} workers")),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("expected a number of workers, found \"{s}\"")),
    }
}

/// A head hash must be one before it is looked for: a truncated or
/// mistyped one matches no record, which `verify` would report as
/// records removed.
fn parse_head(s: &str) -> Result<String, String> {
    let hash = s.trim();
    match hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        true => Ok(hash.to_string()),
        false => Err(format!(
            "a head hash is 64 hexadecimal digits, as verify prints it; found {} characters",
            hash.chars().count()
        )),
    }
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("expected a date YYYY-MM-DD, found \"{s}\""))
}

fn main() -> ExitCode {
    small_pages_only();
    quiet_on_closed_output();
    let cli = Cli::parse();
    let config = cli.config.as_deref();
    NO_CACHE.store(cli.no_cache, std::sync::atomic::Ordering::Relaxed);
    match cli.command {
        Command::Screen {
            files,
            format,
            as_of,
            strict,
            record,
            register,
        } => {
            let register = record.then_some(register.as_path());
            screen(config, &files, format, as_of, strict, register)
        }
        Command::Batch {
            input,
            out,
            jobs,
            as_of,
            strict,
            restart,
            quiet,
            record,
            register,
            isolation,
            baseline,
            changes,
        } => {
            let opts = batch::Options {
                jobs: jobs
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
                as_of,
                strict,
                progress: !quiet,
                restart,
            };
            let register = record.then_some(register.as_path());
            let report = baseline.map(|b| (b, changes));
            let isolation = isolation.map(|i| match i {
                IsolationArg::Fresh => Isolation::Fresh,
                IsolationArg::Reuse => Isolation::Reuse,
            });
            run_batch(config, isolation, &input, out, &opts, register, report)
        }
        Command::Diff {
            before,
            after,
            changes,
        } => diff(&before, &after, changes.as_deref()),
        Command::Gen { count, seed, out } => generate(count, seed, out.as_deref()),
        Command::Register { register, command } => cli::register::run(config, &register, command),
        Command::Validate { files, strict } => validate(&files, strict),
        Command::Policy { command } => match command {
            PolicyCommand::List => cli::policy::list(config),
            PolicyCommand::Rules { rules } => cli::policy::rules(config, &rules),
            PolicyCommand::New { name, state, dir } => cli::policy::new(&dir, &name, &state),
            PolicyCommand::Build { name, dir } => cli::policy::build(&dir, name.as_deref()),
            PolicyCommand::Test {
                name,
                dir,
                module,
                require_coverage,
            } => cli::policy::test(
                config,
                &dir,
                name.as_deref(),
                module.as_deref(),
                require_coverage,
            ),
            PolicyCommand::Inspect { module } => cli::policy::inspect(&module),
            PolicyCommand::Keygen { out } => cli::policy::keygen(&out),
            PolicyCommand::Sign { module, key, out } => {
                cli::policy::sign(&module, &key, out.as_deref())
            }
            PolicyCommand::Verify {
                module,
                signature,
                keys,
            } => cli::policy::verify(config, &module, signature.as_deref(), &keys),
        },
    }
}

fn stdout_failed(e: std::io::Error) -> ! {
    eprintln!("attest: standard output: {e}");
    std::process::exit(1)
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("attest: {e}");
    ExitCode::from(1)
}

fn open_register(path: &Path) -> Result<Register, ExitCode> {
    Register::open(path).map_err(|e| fail(&e))
}

fn run_batch(
    config: Option<&Path>,
    isolation: Option<Isolation>,
    input: &Path,
    out: Option<PathBuf>,
    opts: &batch::Options,
    register: Option<&Path>,
    report: Option<(PathBuf, Option<PathBuf>)>,
) -> ExitCode {
    // `--out -` is standard output, as `-` is standard input.
    let out = out.filter(|p| p != Path::new("-"));
    if report.is_some() && out.is_none() {
        return fail(&"--baseline compares the decisions written to --out FILE; give one");
    }
    if let Some(stream) = out
        .as_deref()
        .filter(|p| report.is_some() && batch::is_stream(p))
    {
        return fail(&format!(
            "--baseline compares the decisions written to --out, which cannot be read back from {}; \
             give a file",
            stream.display()
        ));
    }
    let mut files: Vec<(&str, &Path)> = Vec::new();
    if input != Path::new("-") && !input.is_dir() {
        files.push(("the input", input));
    }
    files.extend(out.as_deref().map(|p| ("--out", p)));
    if let Some((baseline, changes)) = &report {
        if let Err(e) = std::fs::File::open(baseline) {
            return fail(&format!("--baseline {}: {e}", baseline.display()));
        }
        files.push(("--baseline", baseline));
        files.extend(changes.as_deref().map(|p| ("--changes", p)));
    }
    files.extend(register.map(|p| ("--register", p)));
    if let Err(e) = distinct_files(&files) {
        return fail(&e);
    }
    let input_path = input;
    let input = Input::from_path(input_path);
    // Before the plug-ins load and before --out or --register is touched.
    match batch::survey(&input) {
        Err(e) => return fail(&e),
        Ok(passed) if !passed.names.is_empty() => {
            eprintln!("attest: warning: {}: {passed}", input_path.display())
        }
        Ok(_) => {}
    }
    let screener = match screener_with(config, isolation, opts.jobs) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut register = match register.map(open_register).transpose() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let output = out.clone().map_or(Output::Stdout, Output::File);
    batch::interruption::catch();
    let summary = match batch::run(&screener, &input, &output, opts, register.as_mut()) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    eprintln!("{summary}");
    if let Some(stop) = summary.stopped {
        let done = summary.resumed + summary.screened;
        let recorded = if register.is_some() {
            " and recorded"
        } else {
            ""
        };
        let next = match &output {
            Output::File(path) if !batch::is_stream(path) => {
                "run the same command again to resume after them"
            }
            _ => "standard output cannot be resumed (--out FILE can)",
        };
        eprintln!(
            "attest: stopped by {} after the first {done} records, all written{recorded}; {next}",
            stop.name()
        );
        return ExitCode::from(stop.exit_status());
    }
    if let (Some((baseline, changes)), Some(out)) = (report, out) {
        let code = diff(&baseline, &out, changes.as_deref());
        if code != ExitCode::SUCCESS {
            return code;
        }
    }
    if summary.invalid + summary.resumed_invalid > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

fn diff(before: &Path, after: &Path, changes: Option<&Path>) -> ExitCode {
    let mut files = vec![("BEFORE", before), ("AFTER", after)];
    files.extend(changes.map(|p| ("--changes", p)));
    if let Err(e) = distinct_files(&files) {
        return fail(&e);
    }
    let open = |p: &Path| {
        std::fs::File::open(p)
            .map(std::io::BufReader::new)
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    let (mut a, mut b) = match (open(before), open(after)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return fail(&e),
    };
    let sink_name = changes.map_or("standard output".into(), |p| p.display().to_string());
    let mut sink: Box<dyn Write> = match changes {
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => return fail(&format!("{sink_name}: {e}")),
        },
        None => Box::new(std::io::stdout().lock()),
    };
    let compared = attest::diff::diff(&mut a, &mut b, &mut sink, &sink_name);
    // The changes are the answer: one that did not reach its file is an
    // error, not a summary over a file cut short.
    match compared.map_err(|e| e.to_string()).and_then(|summary| {
        sink.flush().map_err(|e| format!("{sink_name}: {e}"))?;
        Ok(summary)
    }) {
        Ok(summary) => {
            eprint!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn generate(count: u64, seed: u64, out: Option<&Path>) -> ExitCode {
    let output = out.map_or("standard output".into(), |p| p.display().to_string());
    let mut sink: Box<dyn Write> = match out {
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => return fail(&format!("{output}: {e}")),
        },
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    for n in 0..count {
        let app = attest::workload::application(seed, n);
        let line = serde_json::to_string(&app).unwrap_or_default();
        if let Err(e) = writeln!(sink, "{line}") {
            return fail(&format!("{output}: {e}"));
        }
    }
    match sink.flush() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("{output}: {e}")),
    }
}

/// Loads the configuration and everything it names; any problem stops
/// here, before an application is read.
fn screener(config: Option<&Path>) -> Result<Screener, ExitCode> {
    screener_with(config, None, 1)
}

/// `--no-cache`, for every command that loads plug-ins.
static NO_CACHE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// As [`screener`], with the configuration's isolation overridden, for
/// `sessions` workers screening at once.
fn screener_with(
    config: Option<&Path>,
    isolation: Option<Isolation>,
    sessions: usize,
) -> Result<Screener, ExitCode> {
    let mut config = match config {
        Some(path) => Config::load(path).map_err(|e| fail(&e))?,
        None => Config::default(),
    };
    config.sessions = sessions;
    if let Some(isolation) = isolation {
        config.limits.isolation = isolation;
    }
    if !NO_CACHE.load(std::sync::atomic::Ordering::Relaxed) {
        config.cache_dir = attest::module_cache::ModuleCache::default_dir();
    }
    Screener::new(config).map_err(|e| fail(&e))
}

/// How an input file is named in messages: `-` is standard input.
fn input_name(path: &Path) -> String {
    match path == Path::new("-") {
        true => "standard input".into(),
        false => path.display().to_string(),
    }
}

/// Reads and validates one file, printing its problems (or warnings) for
/// the reader. An error names every problem, also when the file could not
/// be read as an application at all.
fn load(path: &Path, strict: bool) -> Result<application::Parsed, ApplicationError> {
    let name = input_name(path);
    let result = read_application(path, &name, strict);
    match &result {
        Ok(parsed) => {
            for w in &parsed.warnings {
                eprintln!("{name}: warning: {w}");
            }
        }
        Err(e) => {
            for p in &e.problems {
                eprintln!("{name}: {p}");
            }
        }
    }
    result
}

/// The application in the file at `path` (`-`: standard input), called
/// `name` in messages.
fn read_application(
    path: &Path,
    name: &str,
    strict: bool,
) -> Result<application::Parsed, ApplicationError> {
    let stdin = path == Path::new("-");
    let whole = ApplicationError::of_document;
    if path.is_dir() {
        return Err(whole(format!(
            "a folder; name its files ({name}/*.toml) or use `attest batch {name}`"
        )));
    }
    // One byte past the limit tells a document that is too large.
    let limit = application::MAX_DOCUMENT_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    let read = match stdin {
        true => std::io::stdin().lock().take(limit).read_to_end(&mut bytes),
        false => std::fs::File::open(path).and_then(|f| f.take(limit).read_to_end(&mut bytes)),
    };
    if let Err(e) = read {
        return Err(whole(format!("cannot read: {e}")));
    }
    if bytes.len() > application::MAX_DOCUMENT_BYTES {
        return Err(application::too_large());
    }
    let format = match stdin {
        true => Format::sniff(&bytes),
        false => Format::from_path(path),
    };
    application::parse_bytes(&bytes, format, strict).map_err(|mut e| {
        // Screening one application per file is the usual mistake with a
        // batch input; say which command reads it.
        if path.extension().is_some_and(|x| x == "jsonl") {
            e.problems.extend(
                whole(format!(
                    "JSON Lines hold one application per line: use `attest batch {name}`"
                ))
                .problems,
            );
        } else if bytes.trim_ascii_start().first() == Some(&b'[') {
            e.problems.extend(
                whole(
                    "a JSON array: screen takes one application per file; \
                 `attest batch` takes many, one per line (`jq -c '.[]'` makes them)"
                        .into(),
                )
                .problems,
            );
        }
        e
    })
}

fn screen(
    config: Option<&Path>,
    files: &[PathBuf],
    format: OutputFormat,
    as_of: Option<Date>,
    strict: bool,
    register: Option<&Path>,
) -> ExitCode {
    let screener = match screener(config) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let register_path = register;
    let mut register = match register.map(open_register).transpose() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut session = screener.session();
    let mut ok = true;
    for path in files {
        let parsed = match load(path, strict) {
            Ok(parsed) => parsed,
            Err(e) => {
                ok = false;
                // A script reading the JSON gets a line for every file:
                // the error record a batch writes for an invalid file.
                if let OutputFormat::Json = format {
                    let origin = batch::Origin::File(path.display().to_string());
                    say!("{}", batch::error_record(&e, &origin));
                }
                continue;
            }
        };
        let decision = session.screen(&parsed.application, as_of);
        let compact = serde_json::to_string(&decision).unwrap_or_default();
        if let Some(reg) = register.as_mut() {
            let app = serde_json::to_string(&parsed.application).unwrap_or_default();
            let id = &parsed.application.id;
            let appended = reg
                .append(id, &decision.provenance.input_sha256, &app, &compact, None)
                .and_then(|seq| reg.commit().map(|()| seq));
            match (appended, register_path) {
                // The record's number is what a case file cites.
                (Ok(Some(seq)), Some(at)) => {
                    eprintln!(
                        "{}: recorded as record {seq} of {}",
                        input_name(path),
                        at.display()
                    )
                }
                (Ok(_), _) => {}
                (Err(e), _) => return fail(&e),
            }
        }
        match format {
            OutputFormat::Json if files.len() == 1 => say!("{}", decision.to_json()),
            OutputFormat::Json => say!("{compact}"),
            OutputFormat::Text => say!("{}", decision.to_text()),
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
            Ok(_) => say!("{}: valid", input_name(path)),
            Err(_) => ok = false,
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}
