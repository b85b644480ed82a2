//! The `attest` command line.

use attest::application::{self, Format};
use attest::batch::{self, AsOf, Input, Output};
use attest::config::Config;
use attest::progress::Progress;
use attest::register::{self, Register, Verification};
use attest::sandbox::Isolation;
use attest::screen::{Loaded, Screener};
use attest_rules::model::Date;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};

/// A batch parses, validates and serialises millions of small JSON
/// documents: most of its time outside the sandbox is allocation, which
/// mimalloc does faster than the system allocator (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
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
    after_help = "Exit status: 0 done (whatever the outcomes); 2 an input was invalid; 3 the register failed verification;\n1 Attest could not start or finish (configuration, data, integrity, I/O).\nExample: attest screen examples/gb-ke-police-rifles.toml"
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
        /// Application files, TOML or JSON (by extension: .json is JSON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// `text` for an officer (findings grouped by outcome, with
        /// citations) or `json` (the decision format of the spec)
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
    /// Screens on all cores with flat memory. With --out, an interrupted
    /// run restarted with the same arguments resumes where it stopped and
    /// ends byte-identical to an uninterrupted one.
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
        /// Write decisions here (default: standard output, not resumable).
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
        /// default) or `reuse` (about a third faster; trusted, pinned
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
    /// The decision register: verify its hash chain, export, show history.
    Register {
        /// The decision register file.
        #[arg(long, value_name = "PATH", default_value = register::DEFAULT_PATH, global = true)]
        register: PathBuf,
        #[command(subcommand)]
        command: RegisterCommand,
    },
    /// Check applications against the format without screening them.
    Validate {
        /// Application files, TOML or JSON (by extension: .json is JSON)
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
    /// first bad record. Prints the head hash: keep it outside the database.
    Verify,
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
    /// Print one application's history: every decision recorded for it.
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
    match n {
        1 => format!("1 {noun}"),
        _ => format!("{n} {noun}s"),
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
        Command::Register { register, command } => register_command(&register, command),
        Command::Validate { files, strict } => validate(&files, strict),
        Command::Policy { command } => match command {
            PolicyCommand::List => policy_list(config),
            PolicyCommand::New { name, state, dir } => policy_new(&dir, &name, &state),
            PolicyCommand::Build { name, dir } => policy_build(&dir, name.as_deref()),
            PolicyCommand::Test {
                name,
                dir,
                module,
                require_coverage,
            } => policy_test(
                config,
                &dir,
                name.as_deref(),
                module.as_deref(),
                require_coverage,
            ),
            PolicyCommand::Inspect { module } => policy_inspect(&module),
            PolicyCommand::Keygen { out } => policy_keygen(&out),
            PolicyCommand::Sign { module, key, out } => policy_sign(&module, &key, out.as_deref()),
            PolicyCommand::Verify {
                module,
                signature,
                keys,
            } => policy_verify(config, &module, signature.as_deref(), &keys),
        },
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn policy_keygen(out: &Path) -> ExitCode {
    use std::os::unix::fs::OpenOptionsExt;
    let (secret, public) = match attest::signing::generate_key() {
        Ok(k) => k,
        Err(e) => return fail(&e),
    };
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(out)
        .and_then(|mut f| writeln!(f, "{secret}"))
        .and_then(|_| std::fs::write(with_suffix(out, ".pub"), format!("{public}\n")));
    match written {
        Ok(()) => {
            println!("{public}");
            eprintln!(
                "secret key in {} (keep it private); public key in {}.pub",
                out.display(),
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("{}: {e}", out.display())),
    }
}

fn policy_sign(module: &Path, key: &Path, out: Option<&Path>) -> ExitCode {
    let (wasm, secret) = match (std::fs::read(module), std::fs::read_to_string(key)) {
        (Ok(w), Ok(k)) => (w, k),
        (Err(e), _) => return fail(&format!("{}: {e}", module.display())),
        (_, Err(e)) => return fail(&format!("{}: {e}", key.display())),
    };
    let out = out.map_or_else(|| with_suffix(module, ".sig"), Path::to_path_buf);
    // `--out` on the key would replace the secret key by a signature.
    if let Err(e) = distinct_files(&[("MODULE", module), ("--key", key), ("--out", &out)]) {
        return fail(&e);
    }
    match attest::signing::sign(&wasm, &secret).and_then(|sig| {
        std::fs::write(&out, format!("{sig}\n"))
            .map_err(|e| attest::signing::SigningError(e.to_string()))
    }) {
        Ok(()) => {
            println!("signed {} -> {}", module.display(), out.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn policy_verify(
    config: Option<&Path>,
    module: &Path,
    signature: Option<&Path>,
    keys: &[String],
) -> ExitCode {
    let trusted = if keys.is_empty() {
        match config.map(Config::load).transpose() {
            Ok(c) => c.unwrap_or_default().trusted_keys,
            Err(e) => return fail(&e),
        }
    } else {
        match keys
            .iter()
            .map(|k| attest::signing::parse_public_key(k))
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(k) => k,
            Err(e) => return fail(&e),
        }
    };
    if trusted.is_empty() {
        return fail(&"no public key: pass --key ed25519:... or configure [trust] keys");
    }
    let sig_path = signature.map_or_else(|| with_suffix(module, ".sig"), Path::to_path_buf);
    let (wasm, sig) = match (std::fs::read(module), std::fs::read_to_string(&sig_path)) {
        (Ok(w), Ok(s)) => (w, s),
        (Err(e), _) => return fail(&format!("{}: {e}", module.display())),
        (_, Err(e)) => return fail(&format!("{}: {e}", sig_path.display())),
    };
    match attest::signing::verify(&wasm, &sig, &trusted) {
        Ok(key) => {
            println!("{}: signature valid, signed by {key}", module.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("{}: {e}", module.display())),
    }
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("attest: {e}");
    ExitCode::from(1)
}

fn open_register(path: &Path) -> Result<Register, ExitCode> {
    Register::open(path).map_err(|e| fail(&e))
}

/// Where a file, or the file a path will create, is: the device and inode
/// of one that exists (so that two names of one file match), else the
/// absolute path.
#[derive(PartialEq)]
enum FileIdentity {
    #[cfg(unix)]
    Existing(u64, u64),
    #[cfg(not(unix))]
    Existing(PathBuf),
    ToCreate(PathBuf),
}

fn file_identity(path: &Path) -> FileIdentity {
    #[cfg(unix)]
    if let Ok(m) = std::fs::metadata(path) {
        use std::os::unix::fs::MetadataExt;
        return FileIdentity::Existing(m.dev(), m.ino());
    }
    #[cfg(not(unix))]
    if let Ok(p) = std::fs::canonicalize(path) {
        return FileIdentity::Existing(p);
    }
    FileIdentity::ToCreate(std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// Refuses a command whose files overlap, before anything is read or
/// written: `batch --out` naming the input would, with `--restart`,
/// truncate the applications before the first was read; `register export
/// --out` naming the register would truncate ten years of records;
/// `--baseline` naming `--out` would compare the new decisions with
/// themselves and report no change; `policy sign --out` naming the key
/// would replace the secret key.
fn distinct_files(files: &[(&str, &Path)]) -> Result<(), String> {
    let ids: Vec<FileIdentity> = files.iter().map(|(_, p)| file_identity(p)).collect();
    for (i, (role, path)) in files.iter().enumerate() {
        if let Some(first) = ids[..i].iter().position(|id| *id == ids[i]) {
            return Err(format!(
                "{role} {} is also {}: give each its own file",
                path.display(),
                files[first].0
            ));
        }
    }
    Ok(())
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
    let screener = match screener_with(config, isolation, opts.jobs) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut register = match register.map(open_register).transpose() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let output = out.clone().map_or(Output::Stdout, Output::File);
    let summary = match batch::run(
        &screener,
        &Input::from_path(input),
        &output,
        opts,
        register.as_mut(),
    ) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    eprintln!("{summary}");
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
    let mut sink: Box<dyn Write> = match changes {
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => return fail(&format!("{}: {e}", p.display())),
        },
        None => Box::new(std::io::stdout().lock()),
    };
    match attest::diff::diff(&mut a, &mut b, &mut sink) {
        Ok(summary) => {
            let _ = sink.flush();
            eprint!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn generate(count: u64, seed: u64, out: Option<&Path>) -> ExitCode {
    let mut sink: Box<dyn Write> = match out {
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => return fail(&format!("{}: {e}", p.display())),
        },
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    for n in 0..count {
        let app = attest::workload::application(seed, n);
        let line = serde_json::to_string(&app).unwrap_or_default();
        if writeln!(sink, "{line}").is_err() {
            return ExitCode::from(1);
        }
    }
    match sink.flush() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn register_command(path: &Path, command: RegisterCommand) -> ExitCode {
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
        RegisterCommand::Verify => {
            let verified = register.verify(&mut progress);
            progress.finish();
            match verified {
                Ok(Verification::Intact { records, head }) => {
                    println!(
                        "{}: {}, chain intact; head {head}",
                        path.display(),
                        count(records, "record")
                    );
                    ExitCode::SUCCESS
                }
                Ok(Verification::Broken { seq, reason }) => {
                    println!("{}: record {seq}: {reason}", path.display());
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
                        OutputFormat::Json => println!(
                            "{}",
                            serde_json::json!({"seq": e.seq, "recorded_at": e.recorded_at, "hash": e.hash, "decision": decision})
                        ),
                        OutputFormat::Text => println!(
                            "#{} recorded {}  {} as of {}  ({} findings)  hash {}",
                            e.seq,
                            e.recorded_at,
                            decision["outcome"].as_str().unwrap_or("?"),
                            decision["as_of"].as_str().unwrap_or("?"),
                            decision["findings"].as_array().map_or(0, Vec::len),
                            &e.hash[..16]
                        ),
                    }
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
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

/// Reads and validates one file, printing its problems.
fn load(path: &Path, strict: bool) -> Option<application::Parsed> {
    let name = path.display();
    if path.is_dir() {
        eprintln!("{name}: a folder; name its files ({name}/*.toml) or use `attest batch {name}`");
        return None;
    }
    let text = match std::fs::metadata(path) {
        Ok(m) if m.len() > application::MAX_DOCUMENT_BYTES as u64 => {
            for p in application::too_large().problems {
                eprintln!("{name}: {p}");
            }
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
            if path.extension().is_some_and(|x| x == "jsonl") {
                // Screening one application per file is the usual mistake
                // with a batch input; say which command reads it.
                eprintln!(
                    "{name}: JSON Lines hold one application per line: use `attest batch {name}`"
                );
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
    register: Option<&Path>,
) -> ExitCode {
    let screener = match screener(config) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut register = match register.map(open_register).transpose() {
        Ok(r) => r,
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
        let compact = serde_json::to_string(&decision).unwrap_or_default();
        if let Some(reg) = register.as_mut() {
            let app = serde_json::to_string(&parsed.application).unwrap_or_default();
            let id = &parsed.application.id;
            if let Err(e) = reg
                .append(id, &decision.provenance.input_sha256, &app, &compact, None)
                .and_then(|_| reg.commit())
            {
                return fail(&e);
            }
        }
        match format {
            OutputFormat::Json if files.len() == 1 => println!("{}", decision.to_json()),
            OutputFormat::Json => println!("{compact}"),
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

fn policy_new(dir: &Path, name: &str, state: &str) -> ExitCode {
    let Some(country) =
        attest_rules::model::Country::new(state).filter(|&c| attest::countries::is_known(c))
    else {
        return fail(&format!(
            "--state: \"{state}\" is not an ISO 3166-1 alpha-2 code"
        ));
    };
    match attest::authoring::scaffold(dir, name, country) {
        Ok(files) => {
            for f in files {
                println!("created {}", f.display());
            }
            println!("next: attest policy build {name} && attest policy test {name}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn policy_build(dir: &Path, name: Option<&str>) -> ExitCode {
    let script = dir.join("build.sh");
    if !script.exists() {
        return fail(&format!(
            "{}: no build script; run from the repository root or pass --dir",
            script.display()
        ));
    }
    let status = std::process::Command::new("bash")
        .arg(&script)
        .args(name)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => ExitCode::from(s.code().unwrap_or(1).clamp(1, 255) as u8),
        Err(e) => fail(&format!("{}: {e}", script.display())),
    }
}

fn policy_test(
    config: Option<&Path>,
    dir: &Path,
    name: Option<&str>,
    module: Option<&Path>,
    require_coverage: bool,
) -> ExitCode {
    let config = match config.map(Config::load).transpose() {
        Ok(c) => c.unwrap_or_default(),
        Err(e) => return fail(&e),
    };
    let names: Vec<String> = match name {
        Some(n) => vec![n.to_string()],
        None => {
            let mut found: Vec<String> = std::fs::read_dir(dir)
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .filter(|e| e.path().join("fixtures").is_dir())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            found.sort();
            found
        }
    };
    if names.is_empty() {
        return fail(&format!(
            "{}: no policy has a fixtures/ folder",
            dir.display()
        ));
    }
    let mut ok = true;
    for name in names {
        let wasm_path = module.map_or_else(
            || dir.join("dist").join(format!("{name}.wasm")),
            Path::to_path_buf,
        );
        let wasm = match std::fs::read(&wasm_path) {
            Ok(w) => w,
            Err(e) => {
                return fail(&format!(
                    "{}: {e} (build it with `attest policy build {name}`)",
                    wasm_path.display()
                ))
            }
        };
        match attest::authoring::run_fixtures(&wasm, &dir.join(&name).join("fixtures"), &config) {
            Ok(report) => {
                print!("{}", report.render());
                ok &= report.failed() == 0 && (!require_coverage || report.unreached().is_empty());
            }
            Err(e) => return fail(&e),
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn policy_inspect(path: &Path) -> ExitCode {
    let wasm = match std::fs::read(path) {
        Ok(w) => w,
        Err(e) => return fail(&format!("{}: {e}", path.display())),
    };
    println!("{}", path.display());
    println!("  size     {} bytes", wasm.len());
    println!(
        "  sha256   {}",
        attest::reference::hex(&<sha2::Sha256 as sha2::Digest>::digest(&wasm))
    );
    match attest::manifest::read(&wasm) {
        Ok(m) => {
            let (from, until) = m.effective();
            println!(
                "  manifest {} {} [{}] ABI v{}",
                m.id, m.version, m.instrument, m.abi
            );
            println!("  title    {}", m.title);
            println!(
                "  request  {}",
                match m.request {
                    attest::manifest::RequestForm::Full => "full (the plug-in decodes it)",
                    attest::manifest::RequestForm::View => "view (read in place)",
                }
            );
            if let Some(fields) = &m.text_fields {
                println!(
                    "  text     {} (the host withholds every other text field)",
                    if fields.is_empty() {
                        "none".into()
                    } else {
                        fields.join(", ")
                    }
                );
            }
            println!(
                "  data     {}",
                if m.data.is_empty() {
                    "none".into()
                } else {
                    m.data.join(", ")
                }
            );
            println!("  rules    {}", m.rules.join(", "));
            if from.is_some() || until.is_some() {
                println!(
                    "  in force {} to {}",
                    from.map_or("-".into(), |d| d.to_string()),
                    until.map_or("-".into(), |d| d.to_string())
                );
            }
        }
        Err(e) => println!("  manifest: {e}"),
    }
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
        match payload {
            Ok(wasmparser::Payload::ImportSection(s)) => {
                for i in s.into_imports().flatten() {
                    imports.push(format!("{}.{}", i.module, i.name));
                }
            }
            Ok(wasmparser::Payload::ExportSection(s)) => {
                for e in s.into_iter().flatten() {
                    exports.push(e.name.to_string());
                }
            }
            Err(e) => {
                println!("  not a valid module: {e}");
                return ExitCode::from(2);
            }
            _ => {}
        }
    }
    println!("  exports  {}", exports.join(", "));
    println!(
        "  imports  {}",
        if imports.is_empty() {
            "none".into()
        } else {
            imports.join(", ")
        }
    );
    let verdict = attest::sandbox::Sandbox::new(attest::sandbox::Limits::default())
        .map_err(|f| f.to_string())
        .and_then(|sandbox| {
            let mut data = Vec::new();
            attest_rules::abi::codec::encode(
                &attest_rules::reference::ReferenceData::default(),
                &mut data,
            );
            sandbox
                .load(&wasm, data)
                .map(|_| ())
                .map_err(|f| f.fault.to_string())
        });
    match verdict {
        Ok(()) => {
            println!("  sandbox  accepted (ABI exports present, initialises)");
            // Why a plug-in's fresh instances cost more than its peers'
            // is otherwise invisible to its author (docs/abi.md).
            match attest::snapshot::Plan::of(&wasm) {
                Ok(_) => println!(
                    "  frozen   yes: fresh instances start from it as initialised, and are set back to it after each application"
                ),
                Err(why) => println!("  frozen   no, each fresh instance runs attest_init: {why}"),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("  sandbox  refused: {e}");
            ExitCode::from(2)
        }
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
