//! Batch re-evaluation and the decision register, as an analyst uses them
//! from the command line.

mod common;

use attest::batch::sidecar_path;
use attest::workload;
use common::*;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn attest(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_attest"))
        .args(args)
        .output()
        .expect("attest runs")
}

fn workdir(name: &str) -> Scratch {
    Scratch::new(&format!("batch-{name}"))
}

fn generate(dir: &Path, count: u64, seed: u64) -> String {
    let path = dir.join("apps.jsonl");
    let out = attest(&[
        "gen",
        "--count",
        &count.to_string(),
        "--seed",
        &seed.to_string(),
        "--out",
        s(&path),
    ]);
    assert!(out.status.success());
    path.to_str().unwrap().to_string()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `attest batch INPUT --out OUT --record --register REGISTER`.
fn batch_recorded(input: &str, out: &Path, register: &Path) -> Output {
    attest(&[
        "batch",
        input,
        "--out",
        s(out),
        "--record",
        "--register",
        s(register),
    ])
}

/// Runs Attest with `args` and holds it to stopping with status 1, saying
/// `says` on standard error.
#[track_caller]
fn refused(args: &[&str], says: &str) {
    let out = attest(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert!(err.contains(says), "{args:?}: {err}");
}

/// `zcat past.jsonl.gz | attest batch - --out d.jsonl` typed at a
/// terminal: the progress line is on, and it used to count the records
/// first, reading standard input to its end and leaving nothing to
/// screen. `script` (util-linux) gives the run a terminal.
#[cfg(target_os = "linux")]
#[test]
fn piped_input_is_screened_when_the_progress_line_is_on() {
    let dir = workdir("tty-stdin");
    let apps = generate(&dir, 40, 6);
    let out = dir.join("d.jsonl");
    let command = format!(
        "cat '{apps}' | '{}' batch - --out '{}'",
        env!("CARGO_BIN_EXE_attest"),
        s(&out)
    );
    let run = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("script (util-linux) runs");
    let shown = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{shown}");
    assert!(shown.contains("40 screened"), "{shown}");
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 40);
}

#[test]
fn a_batch_gives_the_same_decisions_as_screening_each_application_alone() {
    let dir = workdir("same");
    let apps = generate(&dir, 600, 11);
    let out = dir.join("decisions.jsonl");
    let run = attest(&["batch", &apps, "--out", s(&out), "--jobs", "2"]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let lines: Vec<String> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), 600);
    for (n, line) in lines.iter().enumerate() {
        let alone = screener().screen(&workload::application(11, n as u64), None);
        assert_eq!(
            line,
            &serde_json::to_string(&alone).unwrap(),
            "application {n}"
        );
    }
    let summary = String::from_utf8_lossy(&run.stderr);
    assert!(
        summary.contains("600 screened:") && summary.contains("0 invalid"),
        "{summary}"
    );
}

#[test]
fn a_malformed_line_becomes_an_error_record_and_the_rest_is_screened() {
    let dir = workdir("malformed");
    let apps = generate(&dir, 20, 3);
    let mut text = std::fs::read_to_string(&apps).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let broken = lines[4].replace("\"quantity\":", "\"quantity\":-");
    lines[4] = &broken;
    // A destination given twice must not be screened as either one.
    let ambiguous = lines[15].replacen(
        "\"destination\":",
        "\"destination\":\"KP\",\"destination\":",
        1,
    );
    lines[15] = &ambiguous;
    lines.insert(10, "this is not json");
    text = lines.join("\n");
    let input = dir.join("mixed.jsonl");
    std::fs::write(&input, text).unwrap();
    let out = dir.join("out.jsonl");
    let run = attest(&["batch", s(&input), "--out", s(&out)]);
    assert_eq!(
        run.status.code(),
        Some(2),
        "invalid records make the exit status 2"
    );
    let written = json_lines(std::fs::read(&out).unwrap());
    assert_eq!(written.len(), 21, "one line per input record");
    assert_eq!(written[4]["line"], 5);
    assert_eq!(written[4]["problems"][0]["path"], "goods[0].quantity");
    assert_eq!(written[10]["line"], 11);
    assert!(written[10]["problems"][0]["message"]
        .as_str()
        .unwrap()
        .contains("not a valid JSON document"));
    assert_eq!(written[16]["line"], 17);
    assert_eq!(written[16]["problems"][0]["path"], "route.destination");
    assert_eq!(
        written[16]["problems"][0]["message"],
        "given more than once"
    );
    assert_eq!(
        written.iter().filter(|d| d["outcome"].is_string()).count(),
        18
    );
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("18 screened")
            && String::from_utf8_lossy(&run.stderr).contains("3 invalid")
    );
}

#[test]
fn a_line_that_is_not_utf8_becomes_an_error_record_and_blank_lines_and_a_bom_are_not_records() {
    let dir = workdir("bytes");
    let apps = generate(&dir, 3, 5);
    let text = std::fs::read_to_string(&apps).unwrap();
    let good: Vec<&str> = text.lines().collect();
    // A byte order mark (as Windows tools write one), Windows line ends, a
    // blank line, a line of Unicode white space, a line that is not UTF-8,
    // and no line end after the last record.
    let mut input = Vec::new();
    input.extend_from_slice(format!("\u{feff}{}\r\n \t\r\n", good[0]).as_bytes());
    input.extend_from_slice(b"{\"id\":\"\xff\xfe\"}\n");
    input.extend_from_slice("\u{a0}\u{2003}\n".as_bytes());
    input.extend_from_slice(format!("{}\r\n{}", good[1], good[2]).as_bytes());
    let path = dir.join("bytes.jsonl");
    std::fs::write(&path, input).unwrap();
    let out = dir.join("out.jsonl");
    let run = attest(&["batch", s(&path), "--out", s(&out)]);
    assert_eq!(
        run.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let written = json_lines(std::fs::read(&out).unwrap());
    assert_eq!(
        written.len(),
        4,
        "one line per record, none for blank lines"
    );
    assert_eq!(written[1]["line"], 3);
    let message = written[1]["problems"][0]["message"].as_str().unwrap();
    // Where, so that it can be found, and what it most likely is.
    assert_eq!(
        message,
        "not a valid JSON document: not UTF-8 at line 1, column 8 (byte 0xFF, after \
         \"{\\\"id\\\":\\\"\"): text in another encoding, such as Latin-1 or Windows-1252; \
         save it as UTF-8"
    );
    for (i, n) in [(0, 0u64), (2, 1), (3, 2)] {
        let alone = screener().screen(&workload::application(5, n), None);
        assert_eq!(
            written[i],
            serde_json::to_value(&alone).unwrap(),
            "record {i}"
        );
    }
    assert!(String::from_utf8_lossy(&run.stderr).contains("3 screened"));
}

/// Windows PowerShell 5 writes UTF-16 with `>`: the whole input is named
/// as such, once, instead of an error record per line saying "invalid
/// utf-8"; `screen` says the same of one file.
#[test]
fn a_utf16_input_is_named_as_such() {
    let dir = workdir("utf16");
    let apps = generate(&dir, 2, 22);
    let text = std::fs::read_to_string(&apps).unwrap();
    let utf16 = |text: &str| -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    };
    let input = dir.join("utf16.jsonl");
    std::fs::write(&input, utf16(&text)).unwrap();
    let run = attest(&["batch", s(&input)]);
    assert_eq!(run.status.code(), Some(1));
    assert!(run.stdout.is_empty());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("UTF-16 text (byte order mark FF FE); save it as UTF-8"),
        "{err}"
    );
    let one = dir.join("one.json");
    std::fs::write(&one, utf16(text.lines().next().unwrap())).unwrap();
    let run = attest(&["screen", s(&one)]);
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("UTF-16 text (byte order mark FF FE)"), "{err}");
}

/// A JSON array of applications, or one application pretty-printed over
/// many lines, is not JSON Lines: one message, not an error record for
/// every line. An array line further down is an invalid record as any.
#[test]
fn an_array_or_a_pretty_printed_document_is_not_taken_for_json_lines() {
    let dir = workdir("not-json-lines");
    let apps = generate(&dir, 2, 23);
    let lines = json_lines(std::fs::read(&apps).unwrap());
    let array = serde_json::Value::Array(lines.clone());
    for (name, text) in [
        ("array.json", array.to_string()),
        (
            "pretty-array.json",
            serde_json::to_string_pretty(&array).unwrap(),
        ),
        (
            "pretty.json",
            serde_json::to_string_pretty(&lines[0]).unwrap(),
        ),
    ] {
        let input = dir.join(name);
        std::fs::write(&input, text).unwrap();
        let run = attest(&["batch", s(&input)]);
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{name}: {err}");
        assert!(run.stdout.is_empty(), "{name}");
        assert!(
            err.contains("line 1 starts a JSON array or a JSON document spread over lines"),
            "{name}: {err}"
        );
    }
    let later = dir.join("later.jsonl");
    std::fs::write(&later, format!("{}\n{array}\n", lines[0])).unwrap();
    let run = attest(&["batch", s(&later)]);
    assert_eq!(
        run.status.code(),
        Some(2),
        "one invalid record, the rest screened"
    );
}

/// A line without end (a binary file, a dump with no line breaks) is not
/// read into memory whole: past 1 MiB it is an error record, and the
/// records after it are screened. The same for a file of a folder input.
#[test]
fn a_record_over_a_mebibyte_is_an_error_record_and_the_rest_is_screened() {
    let dir = workdir("oversized");
    let apps = generate(&dir, 2, 17);
    let good: Vec<String> = std::fs::read_to_string(&apps)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let huge = "x".repeat(3 << 20);
    let input = dir.join("huge.jsonl");
    std::fs::write(&input, format!("{huge}\n{}\n{huge}\n{}", good[0], good[1])).unwrap();
    let run = attest(&["batch", s(&input)]);
    assert_eq!(run.status.code(), Some(2));
    let lines = json_lines(run.stdout);
    assert_eq!(lines.len(), 4);
    for (i, line) in [(0, 1), (2, 3)] {
        assert_eq!(lines[i]["line"], line);
        let message = lines[i]["problems"][0]["message"].as_str().unwrap();
        assert!(
            message.starts_with("larger than 1048576 bytes"),
            "{message}"
        );
    }
    assert_eq!(lines[1]["application"], "GEN-17-000000000");
    assert_eq!(lines[3]["application"], "GEN-17-000000001");

    let folder = dir.join("folder");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("a.json"), &huge).unwrap();
    std::fs::write(folder.join("b.json"), &good[0]).unwrap();
    let run = attest(&["batch", s(&folder)]);
    let text = String::from_utf8(run.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("\"file\":\"a.json\"") && lines[0].contains("larger than"));
    assert!(lines[1].contains("GEN-17-000000000"), "{}", lines[1]);
}

/// Starts a batch, waits until it has written at least `lines` lines, then
/// kills it (SIGKILL: no chance to clean up).
fn kill_midway(args: &[&str], out: &Path, lines: usize) {
    let mut child = running(args, out, lines);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Starts a batch and returns it, still running, once it has written at
/// least `lines` lines.
fn running(args: &[&str], out: &Path, lines: usize) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_attest"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let written = std::fs::read(out)
            .map(|b| b.iter().filter(|&&c| c == b'\n').count())
            .unwrap_or(0);
        if written >= lines {
            return child;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "batch never reached {lines} lines"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "batch finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A missing input or an output in a missing folder stops the run with a
/// message that says which argument it is, not only the operating
/// system's words, and leaves nothing behind. A mistyped input used to
/// leave an empty output and its sidecar, which then refused the
/// corrected run as one "with other arguments".
#[test]
fn a_missing_input_or_output_folder_is_named_as_the_argument_it_is() {
    let dir = workdir("missing-paths");
    let apps = generate(&dir, 3, 1);
    let nowhere = dir.join("nowhere.jsonl");
    let out = dir.join("d.jsonl");
    let register = dir.join("r.sqlite");
    refused(
        &[
            "batch",
            s(&nowhere),
            "--out",
            s(&out),
            "--record",
            "--register",
            s(&register),
        ],
        &format!("input {}: No such file or directory", s(&nowhere)),
    );
    for left in [&out, &sidecar_path(&out), &register] {
        assert!(
            !left.exists(),
            "{} made for a missing input",
            left.display()
        );
    }
    let corrected = batch_recorded(&apps, &out, &register);
    assert!(corrected.status.success(), "{corrected:?}");
    assert_eq!(json_lines(std::fs::read(&out).unwrap()).len(), 3);
    let unmade = dir.join("no-folder").join("d.jsonl");
    refused(
        &["batch", &apps, "--out", s(&unmade)],
        &format!("--out {}: No such file or directory", s(&unmade)),
    );
    assert!(!dir.join("no-folder").exists());
}

/// A second run on the same `--out` while the first writes it (another
/// terminal, an overlapping scheduled job) is refused: it used to resume
/// after whatever it found and write the rest again beside the first.
#[test]
fn a_second_run_on_an_output_being_written_is_refused() {
    let dir = workdir("locked-out");
    // Enough for the first run to take seconds, the second's start far less.
    let apps = generate(&dir, 40_000, 19);
    let out = dir.join("out.jsonl");
    let args = ["batch", &apps, "--out", s(&out), "--jobs", "1"];
    let mut first = running(&args, &out, 256);
    let second = attest(&args);
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first run still writes"
    );
    first.kill().unwrap();
    first.wait().unwrap();
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{err}");
    assert!(
        err.contains("is being written by another `attest batch` run"),
        "{err}"
    );
    // Only the first run wrote: each application once, in input order.
    let text = std::fs::read_to_string(&out).unwrap();
    let complete = text.split_inclusive('\n').filter(|l| l.ends_with('\n'));
    for (n, line) in complete.enumerate() {
        let d: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(d["application"], format!("GEN-19-{n:09}"));
    }
}

/// A recorded batch of `count` generated applications to kill and resume,
/// beside the decisions of the same input run without interruption.
struct Killable {
    _dir: Scratch,
    apps: String,
    full: PathBuf,
    out: PathBuf,
    register: PathBuf,
}

impl Killable {
    fn new(name: &str, count: u64, seed: u64) -> Killable {
        let dir = workdir(name);
        let apps = generate(&dir, count, seed);
        let full = dir.join("full.jsonl");
        assert!(attest(&["batch", &apps, "--out", s(&full)])
            .status
            .success());
        Killable {
            apps,
            full,
            out: dir.join("out.jsonl"),
            register: dir.join("register.sqlite"),
            _dir: dir,
        }
    }

    /// Runs the same command again and holds it to resuming: success, the
    /// uninterrupted run's bytes, and a register of `count` records, each
    /// once, in one intact chain.
    #[track_caller]
    fn resumes_to_the_uninterrupted_run(&self, count: u64) {
        let resumed = attest(&self.args());
        let said = String::from_utf8_lossy(&resumed.stderr);
        assert!(resumed.status.success(), "{said}");
        assert!(said.contains("already done, resumed after them"), "{said}");
        assert!(
            std::fs::read(&self.out).unwrap() == std::fs::read(&self.full).unwrap(),
            "resumed output differs from an uninterrupted run"
        );
        let verified = register_count(&self.register);
        assert!(
            verified.contains(&format!("{count} records, chain intact")),
            "{verified}"
        );
    }

    /// `batch APPS --out OUT --record --register REGISTER`.
    fn args(&self) -> [&str; 7] {
        [
            "batch",
            &self.apps,
            "--out",
            s(&self.out),
            "--record",
            "--register",
            s(&self.register),
        ]
    }
}

#[test]
fn a_killed_batch_resumed_with_the_same_arguments_ends_byte_identical_and_records_each_once() {
    let run = Killable::new("resume", 4000, 21);
    let out = &run.out;
    let args = run.args();
    kill_midway(&args, out, 300);
    let partial = std::fs::read(out)
        .unwrap()
        .iter()
        .filter(|&&c| c == b'\n')
        .count();
    assert!(partial < 4000, "killed before the end ({partial} lines)");
    run.resumes_to_the_uninterrupted_run(4000);
}

/// Ctrl-C during a recorded batch: the run writes and records what it has
/// screened, ends its output on a whole line, says how far it got and how
/// to go on, and exits as a shell expects of a process stopped by SIGINT.
/// It used to die where it stood, saying nothing.
#[cfg(unix)]
#[test]
fn a_batch_stopped_by_ctrl_c_says_how_far_it_got_and_resumes_byte_identical() {
    let run = Killable::new("ctrl-c", 4000, 22);
    let (out, full, register) = (&run.out, &run.full, &run.register);
    let args = run.args();
    let child = running(&args, out, 300);
    // SAFETY: signals a child process of this test, which it waits for.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let stopped = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&stopped.stderr);
    assert_eq!(stopped.status.code(), Some(130), "{said}");

    let written = std::fs::read(out).unwrap();
    let lines = written.iter().filter(|&&c| c == b'\n').count();
    assert!(lines < 4000, "stopped before the end ({lines} lines)");
    assert_eq!(
        written.last(),
        Some(&b'\n'),
        "the output ends on a whole line"
    );
    assert_eq!(written[..], std::fs::read(full).unwrap()[..written.len()]);
    assert!(
        said.contains(&format!(
            "attest: stopped by Ctrl-C (SIGINT) after the first {lines} records, all written \
             and recorded; run the same command again to resume after them"
        )),
        "{said}"
    );
    assert!(register_count(register).contains(&format!("{lines} records, chain intact")));

    run.resumes_to_the_uninterrupted_run(4000);
}

/// A disk that fills up mid-run, made here by a limit on file size (a
/// write fails with EFBIG, as it would with ENOSPC): the run stops saying
/// what failed, how far it got and how to go on, and the same command
/// once there is room ends with the uninterrupted run's bytes.
#[cfg(unix)]
#[test]
fn a_batch_whose_disk_fills_up_says_how_far_it_got_and_resumes_byte_identical() {
    let run = Killable::new("disk-full", 3000, 23);
    let (out, full) = (&run.out, &run.full);
    let args = run.args();
    // 2 MB of the 8 MB of decisions; SIGXFSZ ignored so that the write
    // fails instead of the process being killed.
    let limited = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 4000; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_attest"))
        .args(args)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&limited.stderr);
    assert_eq!(limited.status.code(), Some(1), "{said}");
    // The register, with the application and the decision in each
    // record, outgrows the output and reaches the limit first.
    assert!(said.contains("decision register: disk I/O error"), "{said}");
    assert!(
        said.contains("records are done; once that is put right, run the same command again"),
        "{said}"
    );
    let written = std::fs::metadata(out).unwrap().len();
    assert!(written > 0 && written < std::fs::metadata(full).unwrap().len());

    run.resumes_to_the_uninterrupted_run(3000);
}

#[test]
fn resuming_with_other_arguments_is_refused_rather_than_mixing_two_runs() {
    let dir = workdir("mismatch");
    let apps = generate(&dir, 50, 4);
    let out = dir.join("out.jsonl");
    assert!(attest(&["batch", &apps, "--out", s(&out)]).status.success());
    let other = attest(&["batch", &apps, "--out", s(&out), "--as-of", "2020-01-01"]);
    assert_eq!(other.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&other.stderr)
        .contains("written by a batch run with other arguments"));
    assert!(attest(&[
        "batch",
        &apps,
        "--out",
        s(&out),
        "--as-of",
        "2020-01-01",
        "--restart"
    ])
    .status
    .success());
}

/// The input is known to a resumed run by its name only. Rewritten under
/// that name (or another stream on standard input), it must not have the
/// rest of its applications appended to decisions of the old ones.
#[test]
fn resuming_after_the_input_changed_is_refused_and_the_output_kept() {
    let dir = workdir("changed-input");
    let apps = dir.join("apps.jsonl");
    let lines = |seed: &str, count: &str| {
        let out = attest(&["gen", "--count", count, "--seed", seed]);
        String::from_utf8(out.stdout).unwrap()
    };
    // The third record is invalid: its output line is an error record.
    let mut original: Vec<String> = lines("12", "6").lines().map(String::from).collect();
    original[2] = "{\"id\": 5}".into();
    let original = original.join("\n") + "\n";
    std::fs::write(&apps, &original).unwrap();
    let out = dir.join("d.jsonl");
    let whole = attest(&["batch", s(&apps), "--out", s(&out)]);
    assert_eq!(whole.status.code(), Some(2), "one invalid record");
    let complete = std::fs::read_to_string(&out).unwrap();
    // Stopped after two or three records, as a kill leaves it.
    let stopped = |n: usize| {
        let kept: String = complete.lines().take(n).map(|l| format!("{l}\n")).collect();
        std::fs::write(&out, &kept).unwrap();
        kept
    };
    let refused = |input: &str, says: &str, kept: &str| {
        std::fs::write(&apps, input).unwrap();
        let run = attest(&["batch", s(&apps), "--out", s(&out)]);
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{err}");
        assert!(err.contains(says), "{err}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), kept);
    };
    let other = lines("13", "6");
    let kept = stopped(2);
    refused(
        &other,
        "its line 2 does not come from the input's record 2",
        &kept,
    );
    let kept = stopped(3);
    refused(
        &other,
        "its line 3 does not come from the input's record 3",
        &kept,
    );
    let first_two: String = original.lines().take(2).map(|l| format!("{l}\n")).collect();
    refused(&first_two, "it holds 3 records, the input fewer", &kept);
    // The same input again: resumed, and complete.
    std::fs::write(&apps, &original).unwrap();
    let resumed = attest(&["batch", s(&apps), "--out", s(&out)]);
    assert_eq!(resumed.status.code(), Some(2), "as the uninterrupted run");
    // The exit status and summary cover the invalid record done before.
    assert!(
        String::from_utf8_lossy(&resumed.stderr)
            .contains("(3 already done, 1 of them invalid, resumed after them)"),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), complete);
}

/// `--out -` is standard output, as `-` is standard input: no file named
/// `-` (and `-.batch`) appears in the working directory.
#[test]
fn out_dash_is_standard_output() {
    let dir = workdir("out-dash");
    let apps = generate(&dir, 3, 21);
    let run = Command::new(env!("CARGO_BIN_EXE_attest"))
        .args(["batch", &apps, "--out", "-"])
        .current_dir(&*dir)
        .output()
        .unwrap();
    assert!(run.status.success());
    assert_eq!(String::from_utf8(run.stdout).unwrap().lines().count(), 3);
    assert!(!dir.join("-").exists() && !dir.join("-.batch").exists());
}

#[test]
fn a_directory_of_application_files_is_a_batch_input() {
    let out = attest(&["batch", EXAMPLES, "--quiet"]);
    assert!(out.status.success());
    let ids: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["application"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        ids,
        [
            "GB-EXP-2026-000123",
            "XA-EXP-2026-000007",
            "XA-EXP-2026-000100"
        ]
    );
}

/// A folder input `apps` in a scratch folder, holding the GB-KE example
/// as `good` and an empty sub-folder named `folder`.
fn folder_input(name: &str, good: &str, folder: &str) -> (Scratch, PathBuf) {
    let dir = workdir(name);
    let apps = dir.join("apps");
    std::fs::create_dir_all(apps.join(folder)).unwrap();
    std::fs::copy(
        format!("{EXAMPLES}/gb-ke-police-rifles.toml"),
        apps.join(good),
    )
    .unwrap();
    (dir, apps)
}

/// What a folder input holds besides `.toml` and `.json` files is named in
/// a warning, not passed over without a word: a `.jsonl` of applications
/// put there is not read, and the user must be told.
#[test]
fn a_folder_input_names_the_entries_it_does_not_read() {
    let (_dir, apps) = folder_input("passed-over", "a.toml", "old");
    generate(&apps, 2, 4);
    std::fs::write(apps.join("notes.txt"), "not an application").unwrap();
    let out = attest(&["batch", s(&apps), "--quiet"]);
    assert!(out.status.success());
    assert_eq!(json_lines(out.stdout).len(), 1, "only a.toml is read");
    let said = String::from_utf8(out.stderr).unwrap();
    assert!(
        said.contains(&format!(
            "attest: warning: {}: 3 entries of the folder not read \
             (only .toml and .json files are read): apps.jsonl, notes.txt, old/",
            s(&apps)
        )),
        "{said}"
    );
    let quiet = attest(&["batch", EXAMPLES, "--quiet"]);
    assert!(!String::from_utf8(quiet.stderr).unwrap().contains("warning"));
}

/// A file of a folder input that cannot be read is one error record; the
/// run goes on. A dangling link used to stop the whole run.
#[test]
fn an_unreadable_file_of_a_folder_input_is_an_error_record_and_the_rest_is_screened() {
    let (dir, apps) = folder_input("unreadable", "c-good.toml", "b-folder.toml");
    std::os::unix::fs::symlink(dir.join("nowhere.toml"), apps.join("a-dangling.toml")).unwrap();
    let out = attest(&["batch", s(&apps), "--quiet"]);
    assert_eq!(out.status.code(), Some(2), "invalid records: exit status 2");
    let lines = json_lines(out.stdout);
    assert_eq!(lines.len(), 3);
    for (line, file, why) in [
        (
            &lines[0],
            "a-dangling.toml",
            "cannot read: No such file or directory",
        ),
        (&lines[1], "b-folder.toml", "cannot read: Is a directory"),
    ] {
        assert_eq!(line["file"], file);
        let message = line["problems"][0]["message"].as_str().unwrap();
        assert!(message.starts_with(why), "{message}");
    }
    assert_eq!(lines[2]["application"], "GB-EXP-2026-000123");
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(
        summary.contains("1 screened: 1 approve, 0 refer, 0 deny; 2 invalid"),
        "{summary}"
    );
}

#[test]
fn the_baseline_diff_shows_which_licences_a_new_embargo_hits() {
    let dir = workdir("diff");
    let mut app = clean_export();
    app.licensing_state = c("DE");
    app.route.origin = c("DE");
    app.applicant.state = c("DE");
    app.route.destination = c("VE");
    app.route.transit.clear();
    app.documents.transit_consent.clear();
    for p in &mut app.parties {
        p.state = c("VE");
    }
    app.documents.import_licence.as_mut().unwrap().issued_by = c("VE");
    let input = dir.join("ve.jsonl");
    std::fs::write(&input, serde_json::to_string(&app).unwrap() + "\n").unwrap();
    let before = dir.join("before.jsonl");
    assert!(attest(&[
        "batch",
        s(&input),
        "--out",
        s(&before),
        "--as-of",
        "2017-06-01"
    ])
    .status
    .success());
    let after = dir.join("after.jsonl");
    let run = attest(&[
        "batch",
        s(&input),
        "--out",
        s(&after),
        "--as-of",
        "2018-01-01",
        "--baseline",
        s(&before),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let change: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(
        (change["before"].as_str(), change["after"].as_str()),
        (Some("approve"), Some("deny"))
    );
    assert_eq!(
        change["added"],
        serde_json::json!(["eu-cp.criterion-1.international-obligations deny eu-cp"])
    );
    let table = String::from_utf8_lossy(&run.stderr);
    assert!(
        table.contains("1 compared, 1 changed") && table.contains("approve    deny"),
        "{table}"
    );
}

/// A configuration for `dir` that differs from the one in force: without
/// the EU Common Position, and with national-embargoes.toml changed in a
/// comment only (another file, the same embargoes).
fn changed_configuration(dir: &Path) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let current = std::fs::read_to_string(repo.join("attest.toml")).unwrap();
    let eu_cp = current
        .find("[[policy]]\nmodule = \"policies/dist/eu-cp.wasm\"")
        .expect("the EU-CP entry of attest.toml");
    let entry_end = eu_cp + current[eu_cp..].find("\n\n").unwrap();
    let national = dir.join("national-embargoes.toml");
    let text = std::fs::read_to_string(repo.join("data/national-embargoes.toml")).unwrap();
    std::fs::write(&national, text + "# amended\n").unwrap();
    let changed = format!("{}{}", &current[..eu_cp], &current[entry_end..])
        .replace(
            "\"data/national-embargoes.toml\"",
            &format!("{:?}", national),
        )
        .replace("\"policies/", &format!("\"{}/policies/", repo.display()))
        .replace("\"data/", &format!("\"{}/data/", repo.display()));
    let config = dir.join("changed.toml");
    std::fs::write(&config, changed).unwrap();
    config
}

/// The other way to ask "what would change": the same applications under
/// two configurations, here a registry without the EU Common Position and
/// with a data file amended (a proposed configuration in a file of its
/// own, the one in force left as it is). Every application that had an
/// EU-CP finding changes, by losing exactly those findings, and no other
/// does.
#[test]
fn two_configurations_compared_name_every_decision_the_change_touches() {
    let dir = workdir("diff-configs");
    let apps = generate(&dir, 400, 35);
    let before = dir.join("before.jsonl");
    assert!(attest(&["batch", &apps, "--out", s(&before)])
        .status
        .success());

    let config = changed_configuration(&dir);
    assert!(!std::fs::read_to_string(&config)
        .unwrap()
        .contains("eu-cp.wasm"));

    let after = dir.join("after.jsonl");
    let changes = dir.join("changes.jsonl");
    let run = attest(&[
        "batch",
        &apps,
        "--config",
        s(&config),
        "--out",
        s(&after),
        "--baseline",
        s(&before),
        "--changes",
        s(&changes),
    ]);
    let table = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{table}");

    let touched: Vec<String> = json_lines(std::fs::read(&before).unwrap())
        .iter()
        .filter(|d| {
            d["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["policy"] == "eu-cp")
        })
        .map(|d| d["application"].as_str().unwrap().to_string())
        .collect();
    assert!(
        touched.len() > 20,
        "the workload has EU-CP findings: {}",
        touched.len()
    );
    let changed = json_lines(std::fs::read(&changes).unwrap());
    let named: Vec<&str> = changed
        .iter()
        .map(|c| c["application"].as_str().unwrap())
        .collect();
    assert_eq!(named, touched);
    for change in &changed {
        assert_eq!(change["added"], serde_json::json!([]), "{change}");
        for removed in change["removed"].as_array().unwrap() {
            assert!(removed.as_str().unwrap().ends_with(" eu-cp"), "{change}");
        }
    }
    assert!(
        table.contains(&format!("400 compared, {} changed", touched.len())),
        "{table}"
    );
}

/// Decisions kept from before findings named the evaluation that raised
/// them (`findings[].for`) are the baseline of re-evaluations for years:
/// the field alone is no change.
#[test]
fn decisions_written_before_findings_named_their_evaluation_compare_equal() {
    let dir = workdir("diff-for");
    let apps = generate(&dir, 300, 21);
    let now = dir.join("now.jsonl");
    assert!(attest(&["batch", &apps, "--out", s(&now)]).status.success());
    let mut named = 0;
    let earlier: Vec<String> = std::fs::read_to_string(&now)
        .unwrap()
        .lines()
        .map(|line| {
            let mut d: serde_json::Value = serde_json::from_str(line).unwrap();
            for f in d["findings"].as_array_mut().unwrap() {
                named += usize::from(f.as_object_mut().unwrap().remove("for").is_some());
            }
            d.to_string()
        })
        .collect();
    assert!(named > 300, "the findings name their evaluation: {named}");
    let old = dir.join("old.jsonl");
    std::fs::write(&old, earlier.join("\n") + "\n").unwrap();
    let run = attest(&["diff", s(&old), s(&now)]);
    assert!(run.status.success());
    assert!(
        run.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    let table = String::from_utf8_lossy(&run.stderr);
    assert!(table.contains("300 compared, 0 changed"), "{table}");
}

/// Re-evaluating under another validation (here `--strict`; in ten years,
/// another Attest version) can make a record invalid on one side only.
/// That is a change to or from `invalid`, not two files out of step.
#[test]
fn a_record_invalid_on_one_side_only_is_a_change_to_or_from_invalid() {
    let dir = workdir("diff-invalid");
    let apps = generate(&dir, 3, 14);
    let mut lines: Vec<String> = std::fs::read_to_string(&apps)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    // An unknown field: a warning, or with --strict an error.
    lines[1] = lines[1].replacen('{', "{\"note\":\"x\",", 1);
    std::fs::write(&apps, lines.join("\n") + "\n").unwrap();
    let (lenient, strict) = (dir.join("lenient.jsonl"), dir.join("strict.jsonl"));
    assert!(attest(&["batch", &apps, "--out", s(&lenient)])
        .status
        .success());
    let run = attest(&["batch", &apps, "--out", s(&strict), "--strict"]);
    assert_eq!(run.status.code(), Some(2));
    let diff = attest(&["diff", s(&lenient), s(&strict)]);
    let table = String::from_utf8_lossy(&diff.stderr);
    assert!(diff.status.success(), "{table}");
    let change: serde_json::Value = serde_json::from_slice(&diff.stdout).unwrap();
    assert_eq!(change["line"], 2);
    assert_eq!(change["application"], "GEN-14-000000001");
    assert_eq!(change["after"], "invalid");
    assert!(table.contains("3 compared, 1 changed"), "{table}");
}

/// The applications given where decisions belong (`attest diff past.jsonl
/// after.jsonl`) used to compare as a file of invalid records, or fail
/// with "the new file null"; now the line and the mistake are named.
#[test]
fn a_diff_of_applications_instead_of_decisions_names_the_mistake() {
    let dir = workdir("diff-input");
    let apps = generate(&dir, 3, 15);
    let decisions = dir.join("d.jsonl");
    assert!(attest(&["batch", &apps, "--out", s(&decisions)])
        .status
        .success());
    for (before, after, which) in [
        (s(&decisions), apps.as_str(), "new decisions"),
        (apps.as_str(), s(&decisions), "baseline"),
    ] {
        let run = attest(&["diff", before, after]);
        assert_eq!(run.status.code(), Some(1));
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(
            err.starts_with(&format!("attest: {which} line 1: neither a decision")),
            "{err}"
        );
        assert!(err.contains("not its input"), "{err}");
    }
}

/// A handful of changes fits in the writer's buffer: when the disk was
/// full, they were lost at the final flush and the diff still exited 0
/// with its table, as if they had been written.
#[cfg(target_os = "linux")]
#[test]
fn changes_that_cannot_be_written_fail_the_diff_naming_the_file() {
    let dir = workdir("diff-full");
    let apps = generate(&dir, 20, 16);
    let (now, then) = (dir.join("now.jsonl"), dir.join("then.jsonl"));
    assert!(attest(&["batch", &apps, "--out", s(&now)]).status.success());
    let past = ["batch", &apps, "--out", s(&then), "--as-of", "2010-01-01"];
    assert!(attest(&past).status.success());
    let readable = attest(&["diff", s(&then), s(&now)]);
    assert!(
        !readable.stdout.is_empty(),
        "the two dates differ somewhere"
    );
    let full = attest(&["diff", s(&then), s(&now), "--changes", "/dev/full"]);
    assert_eq!(full.status.code(), Some(1));
    let err = String::from_utf8_lossy(&full.stderr);
    assert!(
        err.starts_with("attest: /dev/full: No space left on device"),
        "{err}"
    );
    assert!(
        !err.contains("compared"),
        "no table for a lost answer: {err}"
    );
}

/// A register with 5 screened examples.
fn register_with_five(name: &str) -> (Scratch, PathBuf) {
    recorded_register(name, 5, 9)
}

/// A register holding `count` generated applications of `seed`, recorded
/// by `attest batch` (the applications are `apps.jsonl` in the folder).
fn recorded_register(name: &str, count: u64, seed: u64) -> (Scratch, PathBuf) {
    let dir = workdir(name);
    let register = dir.join("register.sqlite");
    let apps = generate(&dir, count, seed);
    let run = batch_recorded(&apps, &dir.join("d.jsonl"), &register);
    assert!(run.status.success());
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(
        said.contains(&format!("0 invalid; {count} recorded")),
        "{said}"
    );
    (dir, register)
}

/// The same batch recorded twice is in the register once, and the second
/// run says so instead of leaving the analyst to wonder why the register
/// did not grow.
#[test]
fn a_run_recorded_again_says_its_decisions_are_already_in_the_register() {
    let (dir, register) = register_with_five("recorded-again");
    let apps = dir.join("apps.jsonl");
    let out = dir.join("again.jsonl");
    let run = batch_recorded(s(&apps), &out, &register);
    assert!(run.status.success());
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(
        said.contains("; 0 recorded (5 already in the register from a run with the same"),
        "{said}"
    );
    assert!(register_count(&register).contains("5 records, chain intact"));
}

/// Opens the register behind Attest's back, as a tamperer would, dropping
/// the append-only triggers.
fn tamper(register: &Path, sql: &str) {
    let conn = Connection::open(register).unwrap();
    conn.execute_batch("DROP TRIGGER records_no_update; DROP TRIGGER records_no_delete;")
        .unwrap();
    conn.execute_batch(sql).unwrap();
}

fn verify(register: &Path) -> (Option<i32>, String) {
    let out = attest(&["register", "verify", "--register", s(register)]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// A register emptied to 0 bytes must not verify as an intact register of
/// no records, nor start a new chain; another application's database
/// must not get the register's tables. Both are refused, untouched.
#[test]
fn a_file_that_is_not_a_register_is_refused_and_left_as_it_was() {
    let dir = workdir("not-a-register");
    let apps = generate(&dir, 3, 8);
    let emptied = dir.join("emptied.sqlite");
    std::fs::write(&emptied, b"").unwrap();
    let foreign = dir.join("foreign.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE cases (id TEXT)")
        .unwrap();
    let foreign_bytes = std::fs::read(&foreign).unwrap();
    let out = dir.join("d.jsonl");
    for (file, args) in [
        (&emptied, vec!["register", "verify", "--register"]),
        (&emptied, vec!["register", "export", "--register"]),
        (&foreign, vec!["register", "show", "A-1", "--register"]),
        (
            &emptied,
            vec!["batch", &apps, "--out", s(&out), "--record", "--register"],
        ),
        (
            &foreign,
            vec!["batch", &apps, "--out", s(&out), "--record", "--register"],
        ),
    ] {
        let run = attest(&[&args[..], &[s(file)]].concat());
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("not a register of Attest's (no records table)"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(std::fs::read(&emptied).unwrap(), b"");
    assert_eq!(std::fs::read(&foreign).unwrap(), foreign_bytes);
}

/// The hash chain as `docs/batch.md` spells it out, computed here from
/// the rows alone, apart from Attest's own code: what an auditor does in
/// ten years without Attest at hand. It fails if the recipe and the code
/// ever part.
#[test]
fn the_chain_can_be_checked_by_the_documented_recipe_without_attest() {
    use sha2::{Digest, Sha256};
    let (_dir, register) = register_with_five("recipe");
    let conn = Connection::open(&register).unwrap();
    let format: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    let id: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    assert_eq!((format, id), (1, 0x4174_7374));
    let mut rows = conn
        .prepare(
            "SELECT prev_hash, seq, recorded_at, application_id, input_sha256, \
             application, decision, run, hash FROM records ORDER BY seq",
        )
        .unwrap();
    let mut previous = "0".repeat(64);
    let mut count = 0;
    let mut rows = rows.query([]).unwrap();
    while let Some(row) = rows.next().unwrap() {
        let field = |i: usize| row.get::<_, Option<String>>(i).unwrap().unwrap_or_default();
        let seq: i64 = row.get(1).unwrap();
        assert_eq!(field(0), previous, "record {seq} chains to the one before");
        let mut h = Sha256::new();
        let parts = [
            field(0),
            seq.to_string(),
            field(2),
            field(3),
            field(4),
            field(5),
            field(6),
            field(7),
        ];
        for part in parts {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        let hash: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hash, field(8), "record {seq}");
        previous = hash;
        count += 1;
    }
    assert_eq!(count, 5);
    let (_, said) = verify(&register);
    assert!(
        said.contains(&previous),
        "verify prints the same head: {said}"
    );
}

/// A register of a newer format is refused for reading and recording,
/// and left as it is; one from before the format was kept (0) is read as
/// format 1, and marked so only when recorded to.
#[test]
fn a_register_of_a_newer_format_is_refused_and_an_older_one_read() {
    let (dir, register) = register_with_five("format");
    let set_format = |n: i64| {
        Connection::open(&register)
            .unwrap()
            .pragma_update(None, "user_version", n)
            .unwrap()
    };
    let format = || -> i64 {
        Connection::open(&register)
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    };
    set_format(2);
    let bytes = std::fs::read(&register).unwrap();
    let apps = dir.join("apps.jsonl");
    let out = dir.join("again.jsonl");
    for args in [
        vec!["register", "verify", "--register", s(&register)],
        vec!["register", "export", "--register", s(&register)],
        vec![
            "register",
            "show",
            "GEN-9-000000000",
            "--register",
            s(&register),
        ],
        vec![
            "batch",
            s(&apps),
            "--out",
            s(&out),
            "--record",
            "--register",
            s(&register),
        ],
    ] {
        refused(
            &args,
            "register format 2, written by a newer Attest; this one reads formats up to 1",
        );
    }
    assert_eq!(std::fs::read(&register).unwrap(), bytes);

    set_format(0);
    assert_eq!(verify(&register).0, Some(0));
    assert_eq!(format(), 0, "reading marks nothing");
    let more = dir.join("more.jsonl");
    let made = attest(&["gen", "--count", "2", "--seed", "40", "--out", s(&more)]);
    assert!(made.status.success());
    let recorded = batch_recorded(s(&more), &out, &register);
    assert!(
        recorded.status.success(),
        "{}",
        String::from_utf8_lossy(&recorded.stderr)
    );
    assert_eq!(format(), 1);
    let count = register_count(&register);
    assert!(count.contains("7 records, chain intact"), "{count}");
}

/// A recorded decision names the plug-ins and data behind it so that it
/// can be reproduced years later. `register reproduce` does it: the same
/// configuration gives every record back byte for byte; another one is
/// named, plug-in by plug-in and file by file, with what it changed.
#[test]
fn a_recorded_decision_is_reproduced_exactly_and_a_changed_configuration_named() {
    let (dir, register) = recorded_register("reproduce", 30, 36);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let examples =
        ["gb-ke-police-rifles.toml", "xa-xb-via-de.toml"].map(|e| repo.join("examples").join(e));
    let recorded = attest(&[
        "screen",
        s(&examples[0]),
        s(&examples[1]),
        "--record",
        "--register",
        s(&register),
    ]);
    assert!(recorded.status.success());

    let all: Vec<String> = (1..=32).map(|n| n.to_string()).collect();
    let mut args = vec!["register", "reproduce", "--register", s(&register)];
    args.extend(all.iter().map(String::as_str));
    let same = attest(&args);
    let said = String::from_utf8_lossy(&same.stdout);
    assert!(same.status.success(), "{said}");
    assert_eq!(said.matches(": reproduced exactly (").count(), 32, "{said}");
    assert!(
        said.contains("\nrecord 31: GB-EXP-2026-000123 as of 2026-11-20: reproduced exactly (approve, 0 findings; 3 evaluations and 7 data sets as recorded)\n"),
        "{said}"
    );

    let config = changed_configuration(&dir);
    let changed = attest(&[
        "--config",
        s(&config),
        "register",
        "reproduce",
        "32",
        "--register",
        s(&register),
    ]);
    let said = String::from_utf8_lossy(&changed.stdout);
    assert_eq!(changed.status.code(), Some(3), "{said}");
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(
        lines[0],
        "record 32: XA-EXP-2026-000100 as of 2026-11-20: not reproduced by this configuration"
    );
    assert!(
        lines[1].starts_with("  plug-in eu-cp for DE transit: recorded 1.1.0 ")
            && lines[1].ends_with(", not used now"),
        "{said}"
    );
    assert!(
        lines[2].starts_with("  data national-embargoes: recorded "),
        "{said}"
    );
    assert_eq!(
        lines[3], "  outcome approve as recorded, from the same rules, effects and policies",
        "{said}"
    );

    // Ranges and --all report what was not reproduced, then a count.
    let every = attest(&["register", "reproduce", "--all", "--register", s(&register)]);
    let said = String::from_utf8_lossy(&every.stdout);
    assert!(every.status.success(), "{said}");
    assert_eq!(said, "32 records: 32 reproduced exactly, 0 not\n");
    let range = ["--config", s(&config), "register", "reproduce", "1", "3-32"];
    let changed = attest(&[&range[..], &["--register", s(&register)]].concat());
    let said = String::from_utf8_lossy(&changed.stdout);
    assert_eq!(changed.status.code(), Some(3), "{said}");
    assert_eq!(
        said.matches(": not reproduced by this configuration")
            .count(),
        31
    );
    assert!(
        said.ends_with("31 records: 0 reproduced exactly, 31 not (records 1, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 21 more)\n"),
        "{said}"
    );
    // Record 5 had an EU-CP finding, which the changed registry no longer raises.
    let record_5 = said
        .split("\nrecord ")
        .find(|r| r.starts_with("5: "))
        .unwrap();
    assert!(
        record_5
            .lines()
            .any(|l| l == "  finding no longer raised: eu-cp.criterion-7.diversion refer eu-cp"),
        "{record_5}"
    );
    for (asked, why) in [
        (
            "5-2",
            "a range goes from the lower number to the higher (100-250)",
        ),
        ("0", "records are numbered from 1"),
        ("0-3", "records are numbered from 1"),
        (
            "five",
            "expected a record number (7) or a range of them (100-250)",
        ),
    ] {
        refused(
            &["register", "reproduce", asked, "--register", s(&register)],
            &format!("RECORD {asked:?}: {why}"),
        );
    }

    // A register kept across configurations: five more records made with
    // the changed one. --with tries it after the embedded one, and each
    // record is given back by one of them.
    let more = dir.join("more.jsonl");
    assert!(
        attest(&["gen", "--count", "5", "--seed", "37", "--out", s(&more)])
            .status
            .success()
    );
    let recorded_later = attest(&[
        "--config",
        s(&config),
        "batch",
        s(&more),
        "--out",
        s(&dir.join("later.jsonl")),
        "--record",
        "--register",
        s(&register),
    ]);
    assert!(recorded_later.status.success());
    let both = ["register", "reproduce", "--all", "--with", s(&config)];
    let run = attest(&[&both[..], &["--register", s(&register)]].concat());
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{said}");
    assert_eq!(
        said,
        format!(
            "37 records: 37 reproduced exactly (32 by the embedded configuration, 5 by {}), 0 not\n",
            config.display()
        )
    );
    let named = ["register", "reproduce", "33", "--with", s(&config)];
    let run = attest(&[&named[..], &["--register", s(&register)]].concat());
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(
        said.starts_with("record 33: GEN-37-000000000 as of ")
            && said.contains(&format!(": reproduced exactly by {} (", config.display())),
        "{said}"
    );
}

/// Reproducing a record that is not there, or one altered behind
/// Attest's back, says so instead of screening something else.
#[test]
fn an_altered_or_missing_record_is_not_reproduced() {
    let (_dir, register) = register_with_five("reproduce-altered");
    refused(
        &["register", "reproduce", "9", "--register", s(&register)],
        "no record 9 (the register holds 5 records)",
    );

    tamper(
        &register,
        "UPDATE records SET decision = replace(decision, '\"refer\"', '\"approve\"') WHERE seq = 3",
    );
    refused(
        &["register", "reproduce", "3", "--register", s(&register)],
        "record 3: its contents do not match its hash (altered); run `attest register verify`",
    );
}

#[test]
fn the_register_refuses_updates_and_deletes_through_sqlite() {
    let (_dir, register) = register_with_five("triggers");
    let conn = Connection::open(&register).unwrap();
    let err = conn
        .execute("UPDATE records SET decision = '{}' WHERE seq = 2", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert!(conn
        .execute("DELETE FROM records WHERE seq = 2", [])
        .is_err());
    assert_eq!(verify(&register).0, Some(0));
}

#[test]
fn an_edited_register_record_is_detected_and_named() {
    let (_dir, register) = register_with_five("edit");
    tamper(&register, "UPDATE records SET decision = replace(decision, '\"outcome\":\"deny\"', '\"outcome\":\"approve\"') WHERE seq = 3; UPDATE records SET application = application || ' ' WHERE seq = 3;");
    let (code, text) = verify(&register);
    assert_eq!(code, Some(3));
    assert!(
        text.contains("record 3: its contents do not match its hash (altered)"),
        "{text}"
    );
}

#[test]
fn a_deleted_register_record_is_detected_and_named() {
    let (_dir, register) = register_with_five("delete");
    tamper(&register, "DELETE FROM records WHERE seq = 2;");
    let (code, text) = verify(&register);
    assert_eq!(code, Some(3));
    assert!(text.contains("record 2 is missing (deleted)"), "{text}");
}

/// Removing the newest records leaves a chain that verifies: only the
/// head hash kept from an earlier verify reveals it, given back with
/// `--head`.
#[test]
fn removing_the_newest_records_is_detected_against_a_kept_head() {
    let (_dir, register) = register_with_five("head");
    let head = |text: &str| text.trim_end().rsplit(' ').next().unwrap().to_string();
    let at_five = head(&verify(&register).1);
    let kept = |hash: &str| {
        let out = attest(&[
            "register",
            "verify",
            "--register",
            s(&register),
            "--head",
            hash,
        ]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.code(), text)
    };
    // A head cut short in the copying matches no record; it used to be
    // reported as records removed. It is refused as no head hash.
    let cut = attest(&[
        "register",
        "verify",
        "--register",
        s(&register),
        "--head",
        &at_five[..63],
    ]);
    assert_eq!(cut.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&cut.stderr).contains(
        "a head hash is 64 hexadecimal digits, as verify prints it; found 63 characters"
    ));
    let (code, text) = kept(&at_five.to_uppercase());
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(&format!(
            "head {} is record 5: every record up to it is still there, 0 records added since",
            at_five.to_uppercase()
        )),
        "{text}"
    );
    // A record's hash from before: later records count as added.
    let conn = Connection::open(&register).unwrap();
    let at_three: String = conn
        .query_row("SELECT hash FROM records WHERE seq = 3", [], |r| r.get(0))
        .unwrap();
    drop(conn);
    let (code, text) = kept(&at_three);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("is record 3: every record up to it is still there, 2 records added since"),
        "{text}"
    );
    // The two newest removed: the chain is intact, the kept head gone.
    tamper(&register, "DELETE FROM records WHERE seq > 3;");
    let (code, text) = verify(&register);
    assert_eq!(
        (code, text.contains("3 records, chain intact")),
        (Some(0), true),
        "{text}"
    );
    let (code, text) = kept(&at_five);
    assert_eq!(code, Some(3), "{text}");
    assert!(
        text.contains(&format!(
            "head {at_five} is no record of this register: records it covered were removed"
        )),
        "{text}"
    );
}

/// A record edited behind Attest's back (its hash cut short) fails
/// `verify` and is still shown by `show`, not a panic.
#[test]
fn a_record_with_a_damaged_hash_is_shown_not_a_panic() {
    let (dir, register) = register_with_five("short-hash");
    tamper(&register, "UPDATE records SET hash = 'ab12' WHERE seq = 1;");
    assert_eq!(verify(&register).0, Some(3));
    let first = std::fs::read_to_string(dir.join("apps.jsonl")).unwrap();
    let id = serde_json::from_str::<serde_json::Value>(first.lines().next().unwrap()).unwrap()
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let show = attest(&["register", "show", &id, "--register", s(&register)]);
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(
        show.status.success(),
        "{}",
        String::from_utf8_lossy(&show.stderr)
    );
    assert!(
        text.starts_with("#1 recorded ") && text.contains("  hash ab12\n"),
        "{text}"
    );
}

#[test]
fn swapped_register_records_are_detected_and_named() {
    let (_dir, register) = register_with_five("swap");
    tamper(
        &register,
        "UPDATE records SET seq = 100 WHERE seq = 2; UPDATE records SET seq = 2 WHERE seq = 4; UPDATE records SET seq = 4 WHERE seq = 100;",
    );
    let (code, text) = verify(&register);
    assert_eq!(code, Some(3));
    assert!(
        text.contains("record 2: does not chain to the record before it"),
        "{text}"
    );
}

#[test]
fn screen_record_and_register_export_and_show_round_trip() {
    let dir = workdir("export");
    let register = dir.join("register.sqlite");
    let example = format!("{EXAMPLES}/xa-kp-ammunition.toml");
    for seq in 1..=2 {
        let out = attest(&[
            "screen",
            "--record",
            "--register",
            s(&register),
            "--format",
            "json",
            &example,
        ]);
        assert!(out.status.success());
        // The officer is told the record's number, for the case file.
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains(&format!("recorded as record {seq} of ")),
            "{said}"
        );
    }
    let show = attest(&[
        "register",
        "show",
        "XA-EXP-2026-000007",
        "--register",
        s(&register),
    ]);
    let text = String::from_utf8_lossy(&show.stdout);
    let records: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(records.len(), 2, "{text}");
    assert!(
        records
            .iter()
            .all(|l| l.contains("deny as of 2026-10-02  (4 findings)  hash ")),
        "{text}"
    );
    // Under each record, what it found, with the article behind it.
    let embargo = "    deny: [UNSC S/RES/2270 (2016)] Destination KP is under the UN arms \
                   embargo of S/RES/2270 (2016), scope: all end users; covers ammunition \
                   (ATT Art. 3) (rule att.6-1.un-arms-embargo)";
    assert_eq!(text.matches(embargo).count(), 2, "{text}");
    assert_eq!(text.lines().count(), 2 + 2 * 4, "{text}");
    let exported = dir.join("export.jsonl");
    assert!(attest(&[
        "register",
        "export",
        "--register",
        s(&register),
        "--out",
        s(&exported)
    ])
    .status
    .success());
    // Screened twice, exported once: re-evaluation needs each application
    // once. An amended application (same id, other content) is another.
    let lines = |path: &Path| std::fs::read_to_string(path).unwrap().lines().count();
    assert_eq!(lines(&exported), 1);
    let amended = dir.join("amended.toml");
    let text = std::fs::read_to_string(&example).unwrap();
    std::fs::write(&amended, text.replacen("quantity = ", "quantity = 1", 1)).unwrap();
    assert_ne!(std::fs::read_to_string(&amended).unwrap(), text);
    assert!(attest(&[
        "screen",
        "--record",
        "--register",
        s(&register),
        s(&amended)
    ])
    .status
    .success());
    let export = |extra: &[&str]| {
        let out = attest(
            &[
                &["register", "export", "--register", s(&register)][..],
                extra,
            ]
            .concat(),
        );
        assert!(out.status.success());
        (
            String::from_utf8(out.stdout).unwrap().lines().count(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (distinct, said) = export(&[]);
    assert_eq!(distinct, 2);
    assert!(
        said.contains("exported 2 applications from 3 records"),
        "{said}"
    );
    assert_eq!(export(&["--every-record"]).0, 3);
    let rescreened = attest(&["batch", s(&exported), "--quiet"]);
    let line = String::from_utf8(rescreened.stdout).unwrap();
    let decision: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    let direct = serde_json::to_value(screen(
        &attest::application::parse(
            &std::fs::read_to_string(&example).unwrap(),
            attest::application::Format::Toml,
            true,
        )
        .unwrap()
        .application,
    ))
    .unwrap();
    assert_eq!(
        decision, direct,
        "re-evaluating the export gives the recorded decision"
    );
}

// ---- Fault injection: no decision lost or recorded twice, and a register
// that verifies after recovery.

fn register_count(register: &Path) -> String {
    let out = attest(&["register", "verify", "--register", s(register)]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One file named for two roles is refused before anything is read or
/// written: with `--restart`, `--out` naming the input used to truncate
/// the applications, and `register export --out` naming the register
/// would have emptied it.
#[test]
fn a_file_named_for_two_roles_is_refused_and_left_as_it_was() {
    let (dir, register) = register_with_five("two-roles");
    let apps = generate(&dir, 5, 3);
    let apps = Path::new(&apps);
    let before_apps = std::fs::read(apps).unwrap();
    let before_register = std::fs::read(&register).unwrap();
    let decisions = dir.join("d.jsonl");
    let before_decisions = std::fs::read(&decisions).unwrap();
    refused(
        &["batch", s(apps), "--out", s(apps), "--restart"],
        "is also the input: give each its own file",
    );
    refused(
        &[
            "register",
            "export",
            "--register",
            s(&register),
            "--out",
            s(&register),
        ],
        "is also --register",
    );
    refused(
        &[
            "diff",
            s(&decisions),
            s(&decisions),
            "--changes",
            s(&decisions),
        ],
        "is also BEFORE",
    );
    let out = dir.join("new.jsonl");
    let batch = ["batch", s(apps), "--out", s(&out)];
    let changes_on_out = ["--baseline", s(&decisions), "--changes", s(&out)];
    refused(&[&batch[..], &changes_on_out].concat(), "--changes");
    let missing = dir.join("none.jsonl");
    refused(
        &[&batch[..], &["--baseline", s(&missing)]].concat(),
        "--baseline",
    );
    assert!(!out.exists(), "nothing was screened");
    assert_eq!(std::fs::read(apps).unwrap(), before_apps);
    assert_eq!(std::fs::read(&register).unwrap(), before_register);
    assert_eq!(std::fs::read(&decisions).unwrap(), before_decisions);
}

/// An export that cannot be written blames the output, not the register:
/// an officer told "decision register: No space left on device" would go
/// and check the wrong file.
#[cfg(target_os = "linux")]
#[test]
fn an_export_to_a_full_disk_names_the_output_file() {
    let (_dir, register) = register_with_five("export-full");
    let out = attest(&[
        "register",
        "export",
        "--register",
        s(&register),
        "--out",
        "/dev/full",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("attest: /dev/full: No space left on device"),
        "{err}"
    );
    assert!(!err.contains("register"), "{err}");
}

#[test]
fn a_full_disk_stops_the_batch_with_a_clear_error_and_a_rerun_records_each_once() {
    let dir = workdir("diskfull");
    let apps = generate(&dir, 300, 31);
    let register = dir.join("register.sqlite");
    let full = attest(&[
        "batch",
        &apps,
        "--out",
        "/dev/full",
        "--restart",
        "--record",
        "--register",
        s(&register),
    ]);
    assert_eq!(full.status.code(), Some(1));
    let err = String::from_utf8_lossy(&full.stderr);
    assert!(
        err.starts_with("attest: /dev/full: No space left on device"),
        "{err}"
    );
    // A device is written as standard output is: no sidecar beside it.
    assert!(!Path::new("/dev/full.batch").exists());
    assert!(
        register_count(&register).contains("chain intact"),
        "the register survives the failed run"
    );
    let out = dir.join("out.jsonl");
    let again = batch_recorded(&apps, &out, &register);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(
        register_count(&register).contains("300 records, chain intact"),
        "{}",
        register_count(&register)
    );
}

/// `--out /dev/null` (for the summary alone) or a named pipe into another
/// program: neither can be resumed or hold a sidecar. Both used to be
/// refused as "exists and was not written by `attest batch`", and with
/// `--restart` a sidecar was written into /dev.
#[cfg(target_os = "linux")]
#[test]
fn a_device_or_pipe_as_output_gets_every_decision_and_no_sidecar() {
    let dir = workdir("stream-out");
    let apps = generate(&dir, 120, 34);
    let file = dir.join("decisions.jsonl");
    assert!(attest(&["batch", &apps, "--out", s(&file)])
        .status
        .success());

    let null = attest(&["batch", &apps, "--out", "/dev/null"]);
    let summary = String::from_utf8_lossy(&null.stderr);
    assert!(null.status.success(), "{summary}");
    assert!(summary.contains("120 screened:"), "{summary}");
    assert!(!Path::new("/dev/null.batch").exists());

    let fifo = dir.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let piped = attest(&["batch", &apps, "--out", s(&fifo)]);
    assert!(
        piped.status.success(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    assert_eq!(reader.join().unwrap(), std::fs::read(&file).unwrap());
    assert!(!dir.join("pipe.batch").exists());

    // What cannot be read back cannot be compared with a baseline.
    refused(
        &["batch", &apps, "--out", "/dev/null", "--baseline", s(&file)],
        "--baseline compares the decisions written to --out, which cannot be read back from /dev/null",
    );
}

#[test]
fn an_output_file_removed_mid_run_is_rebuilt_by_the_next_run_without_duplicate_records() {
    let dir = workdir("removed");
    let apps = generate(&dir, 3000, 32);
    let out = dir.join("out.jsonl");
    let register = dir.join("register.sqlite");
    let args = [
        "batch",
        &apps,
        "--out",
        s(&out),
        "--record",
        "--register",
        s(&register),
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_attest"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0) < 10_000 {
        assert!(started.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(5));
    }
    std::fs::remove_file(&out).unwrap();
    assert!(
        child.wait().unwrap().success(),
        "writing to a removed file is not an error on Unix"
    );
    let again = attest(&args);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 3000);
    assert!(
        register_count(&register).contains("3000 records, chain intact"),
        "{}",
        register_count(&register)
    );
}

/// Officers recording at the same moment into a register no one has made
/// yet: each of them used to be able to find the file another had just
/// created but not yet given its tables, and was refused with "not a
/// register of Attest's", its decision unrecorded. All of them must land,
/// in one chain.
#[test]
fn recordings_that_start_a_register_at_once_all_land_in_one_chain() {
    let dir = workdir("new-at-once");
    let register = dir.join("register.sqlite");
    let example = format!("{EXAMPLES}/gb-ke-police-rifles.toml");
    for round in 0..3 {
        let _ = std::fs::remove_file(&register);
        let officers: Vec<_> = (0..6)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_attest"))
                    .args(["screen", "--record", "--register", s(&register), &example])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("attest runs")
            })
            .collect();
        for officer in officers {
            let done = officer.wait_with_output().unwrap();
            assert!(
                done.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&done.stderr)
            );
        }
        let count = register_count(&register);
        assert!(
            count.contains("6 records, chain intact"),
            "round {round}: {count}"
        );
    }
    // Each register is built under another name first; none is left.
    let left: Vec<_> = std::fs::read_dir(&*dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".new-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A backup taken while a batch records: a register in its own right,
/// whose chain verifies, holding the records of that moment; the batch
/// goes on and records everything. A backup never overwrites a file.
#[test]
fn a_register_backed_up_while_a_batch_records_is_a_whole_register() {
    let run = Killable::new("backup", 4000, 24);
    let backup = run.out.with_file_name("backup.sqlite");
    let back_up = || {
        attest(&[
            "register",
            "backup",
            s(&backup),
            "--register",
            s(&run.register),
        ])
    };
    let recording = running(&run.args(), &run.out, 1000);
    let taken = back_up();
    let said = String::from_utf8_lossy(&taken.stdout);
    assert!(
        taken.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&taken.stderr)
    );
    assert!(recording.wait_with_output().unwrap().status.success());

    let in_backup = register_count(&backup);
    let records: u64 = in_backup
        .split_once(": ")
        .and_then(|(_, rest)| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{in_backup}"));
    assert!(
        (1..4000).contains(&records) && in_backup.contains("records, chain intact"),
        "taken mid-run: {in_backup}"
    );
    assert!(said.contains(&format!(
        "backed up to {}: {records} records, chain intact; head ",
        s(&backup)
    )));
    assert!(register_count(&run.register).contains("4000 records, chain intact"));

    let again = back_up();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("a file is already there"));
    assert!(register_count(&backup).contains(&format!("{records} records, chain intact")));
}

#[test]
fn a_register_locked_by_another_process_is_waited_for() {
    let dir = workdir("locked");
    let apps = generate(&dir, 200, 33);
    let register = dir.join("register.sqlite");
    assert!(
        attest(&["register", "verify", "--register", s(&register)])
            .status
            .code()
            == Some(1),
        "no register yet"
    );
    drop(attest::register::Register::open(&register).unwrap());
    let holder = Connection::open(&register).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        holder.execute_batch("COMMIT").unwrap();
    });
    let out = dir.join("out.jsonl");
    let run = batch_recorded(&apps, &out, &register);
    release.join().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(register_count(&register).contains("200 records, chain intact"));
}

#[test]
fn a_killed_batch_with_invalid_lines_resumes_and_records_each_valid_one_once() {
    let dir = workdir("resume-invalid");
    let apps = generate(&dir, 3000, 35);
    // One line in fifty is no application: it gets an error record in the
    // output and nothing in the register, so the register's records of
    // the run are not one for each position.
    let mixed: String = std::fs::read_to_string(&apps)
        .unwrap()
        .lines()
        .enumerate()
        .map(|(i, line)| match i % 50 {
            7 => "{\"id\": 1}\n".to_string(),
            _ => format!("{line}\n"),
        })
        .collect();
    let input = dir.join("mixed.jsonl");
    std::fs::write(&input, mixed).unwrap();
    let full = dir.join("full.jsonl");
    assert_eq!(
        attest(&["batch", s(&input), "--out", s(&full)])
            .status
            .code(),
        Some(2),
        "invalid records make the exit status 2"
    );
    let out = dir.join("out.jsonl");
    let register = dir.join("register.sqlite");
    let args = [
        "batch",
        s(&input),
        "--out",
        s(&out),
        "--record",
        "--register",
        s(&register),
    ];
    for lines in [300, 1500] {
        kill_midway(&args, &out, lines);
    }
    let resumed = attest(&args);
    assert_eq!(
        resumed.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert!(std::fs::read(&out).unwrap() == std::fs::read(&full).unwrap());
    assert!(
        register_count(&register).contains("2940 records, chain intact"),
        "{}",
        register_count(&register)
    );
}

#[test]
fn a_batch_killed_again_and_again_still_ends_complete_and_recorded_once() {
    let run = Killable::new("kills", 3000, 34);
    let (out, full, register) = (&run.out, &run.full, &run.register);
    let args = run.args();
    for lines in [50, 400, 1200, 2000] {
        kill_midway(&args, out, lines);
        assert!(
            register_count(register).contains("chain intact"),
            "after a kill at {lines} lines"
        );
    }
    assert!(attest(&args).status.success());
    assert!(std::fs::read(out).unwrap() == std::fs::read(full).unwrap());
    assert!(
        register_count(register).contains("3000 records, chain intact"),
        "{}",
        register_count(register)
    );
}
