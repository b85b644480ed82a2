//! The `attest` binary as an officer uses it: bundled examples screen to
//! the outcomes their comments imply; malformed files exit non-zero with
//! the field path in the message and never panic.

mod common;

use common::{json_lines, Scratch};
use std::path::PathBuf;
use std::process::{Command, Output};

fn attest(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_attest"))
        .args(args)
        .output()
        .expect("attest runs")
}

/// Runs Attest with `text` on its standard input.
fn attest_reading(args: &[&str], text: &str) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_attest"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("attest runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn example(name: &str) -> String {
    format!("{}/../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Writes `text` to a file with the given extension in a scratch folder
/// of its own (`name` must be unique among the tests).
fn temp_file(name: &str, ext: &str, text: &str) -> (Scratch, PathBuf) {
    let dir = Scratch::new(&format!("cli-{name}"));
    let path = dir.join(format!("{name}.{ext}"));
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn clean_toml() -> String {
    std::fs::read_to_string(example("gb-ke-police-rifles.toml")).unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn the_police_rifles_example_is_approved_with_every_spec_field() {
    let out = attest(&[
        "screen",
        "--format",
        "json",
        &example("gb-ke-police-rifles.toml"),
    ]);
    assert!(out.status.success());
    let d = json(&out);
    assert_eq!(d["application"], "GB-EXP-2026-000123");
    assert_eq!(d["as_of"], "2026-11-20");
    assert_eq!(d["outcome"], "approve");
    assert_eq!(d["findings"], serde_json::json!([]));
    let evals = d["evaluations"].as_array().unwrap();
    let ran: Vec<(&str, &str, &str)> = evals
        .iter()
        .map(|e| {
            (
                e["policy"].as_str().unwrap(),
                e["state"].as_str().unwrap(),
                e["role"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ran,
        [
            ("fp", "GB", "export"),
            ("att", "GB", "export"),
            ("eu-cp", "FR", "transit")
        ]
    );
    for e in evals {
        for key in [
            "policy", "version", "state", "role", "sha256", "outcome", "fuel",
        ] {
            assert!(!e[key].is_null(), "evaluation lacks {key}: {e}");
        }
        assert_eq!(e["sha256"].as_str().unwrap().len(), 64);
    }
    assert_eq!(
        d["not_covered"],
        serde_json::json!([{"state": "KE", "role": "import"}])
    );
    assert_eq!(d["provenance"]["host"], "attest 0.1.0");
    assert_eq!(d["provenance"]["input_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(
        d["provenance"]["data"]["un-arms-embargoes"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
}

#[test]
fn the_ammunition_to_kp_example_is_denied_under_the_un_embargo() {
    let out = attest(&[
        "screen",
        "--format",
        "json",
        &example("xa-kp-ammunition.toml"),
    ]);
    assert!(out.status.success());
    let d = json(&out);
    assert_eq!(d["outcome"], "deny");
    let f = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "att.6-1.un-arms-embargo")
        .unwrap();
    assert_eq!(
        (
            f["policy"].as_str(),
            f["instrument"].as_str(),
            f["article"].as_str()
        ),
        (Some("att"), Some("UNSC"), Some("S/RES/2270 (2016)"))
    );
    assert!(f["message"].as_str().unwrap().contains("S/RES/"), "{f}");
}

/// `attest screen -` reads one application from standard input, TOML or
/// JSON by its first character, and decides as it does for the file.
#[test]
fn an_application_on_standard_input_screens_as_its_file() {
    let toml = std::fs::read_to_string(example("xa-kp-ammunition.toml")).unwrap();
    let value: toml::Value = toml::from_str(&toml).unwrap();
    let mut as_json = serde_json::to_value(&value).unwrap();
    as_json["submitted"] = "2026-10-02".into();
    let file = attest(&[
        "screen",
        "--format",
        "json",
        &example("xa-kp-ammunition.toml"),
    ]);
    for text in [&toml, &as_json.to_string()] {
        let out = attest_reading(&["screen", "--format", "json", "-"], text);
        assert!(out.status.success());
        assert_eq!(out.stdout, file.stdout);
    }
    // Named as what it is in what is said of it, not as `-`.
    let valid = attest_reading(&["validate", "-"], &toml);
    assert_eq!(
        String::from_utf8_lossy(&valid.stdout),
        "standard input: valid\n"
    );
}

#[test]
fn a_json_file_with_a_byte_order_mark_screens_as_without_one() {
    let value: toml::Value =
        toml::from_str(&std::fs::read_to_string(example("xa-kp-ammunition.toml")).unwrap())
            .unwrap();
    let mut as_json = serde_json::to_value(&value).unwrap();
    as_json["submitted"] = "2026-10-02".into();
    let text = as_json.to_string();
    let (_plain_dir, plain) = temp_file("no-bom", "json", &text);
    let (_bom_dir, bom) = temp_file("bom", "json", &format!("\u{feff}{text}"));
    let a = attest(&["screen", "--format", "json", plain.to_str().unwrap()]);
    let b = attest(&["screen", "--format", "json", bom.to_str().unwrap()]);
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    assert_eq!(json(&b)["outcome"], "deny");
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn the_same_application_gives_the_same_bytes_and_toml_equals_json() {
    let a = attest(&[
        "screen",
        "--format",
        "json",
        &example("xa-kp-ammunition.toml"),
    ]);
    let b = attest(&[
        "screen",
        "--format",
        "json",
        &example("xa-kp-ammunition.toml"),
    ]);
    assert_eq!(a.stdout, b.stdout);
    let value: toml::Value =
        toml::from_str(&std::fs::read_to_string(example("xa-kp-ammunition.toml")).unwrap())
            .unwrap();
    let mut as_json = serde_json::to_value(&value).unwrap();
    as_json["submitted"] = "2026-10-02".into();
    let (_dir, path) = temp_file("kp", "json", &as_json.to_string());
    let c = attest(&["screen", "--format", "json", path.to_str().unwrap()]);
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    assert_eq!(a.stdout, c.stdout);
}

#[test]
fn as_of_rescreens_under_another_date() {
    let out = attest(&[
        "screen",
        "--format",
        "json",
        "--as-of",
        "2005-01-01",
        &example("xa-kp-ammunition.toml"),
    ]);
    let d = json(&out);
    assert_eq!(d["as_of"], "2005-01-01");
    assert!(
        d["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] != "att.6-1.un-arms-embargo"),
        "no UN embargo on KP before Oct 2006"
    );
}

#[test]
fn text_output_groups_findings_by_outcome_with_citations() {
    let out = attest(&["screen", &example("xa-kp-ammunition.toml")]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("XA-EXP-2026-000007  DENY"), "{text}");
    let deny = text.find("Prohibitions:").unwrap();
    let refer = text.find("For the officer to decide:").unwrap();
    assert!(deny < refer);
    assert!(
        text.contains("[UNSC S/RES/2270 (2016)]") && text.contains("[FP 10(2)(a)]"),
        "{text}"
    );
    assert!(
        text.contains("No policy configured for: KP import"),
        "{text}"
    );
    // How firm the data is, and that the screening date (2026-10-02) is
    // before the compilation: nothing to warn of.
    assert!(
        text.contains(
            "\nReference data: 7 sets, compiled 2026-11-26 (treaty-parties undated); \
             29 of 320 entries marked unverified by their sources\n"
        ),
        "{text}"
    );
    assert!(!text.contains("The screening date"), "{text}");
}

/// An officer screening past the date the data was compiled is told that
/// what changed since is not in it; a past date is not warned of.
#[test]
fn text_output_says_when_the_screening_date_is_past_the_data() {
    let screen = |as_of: &str| {
        let out = attest(&[
            "screen",
            &example("xa-kp-ammunition.toml"),
            "--as-of",
            as_of,
        ]);
        String::from_utf8(out.stdout).unwrap()
    };
    let later = screen("2031-01-01");
    assert!(
        later.contains(
            "\nThe screening date 2031-01-01 is after 2026-11-26: embargoes imposed, renewed \
             or lifted since are not in the data.\n"
        ),
        "{later}"
    );
    assert!(!screen("2026-11-26").contains("The screening date"));
}

/// Runs `screen` on a broken variant of the clean example; returns stderr.
#[track_caller]
fn rejected(name: &str, ext: &str, text: &str) -> String {
    let (_dir, path) = temp_file(name, ext, text);
    let out = attest(&["screen", path.to_str().unwrap()]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
    assert!(out.stdout.is_empty(), "{name}: nothing may be screened");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn a_missing_field_is_named_by_its_path() {
    let text = clean_toml().replace("quantity = 200\n", "");
    let err = rejected("missing", "toml", &text);
    assert!(
        err.contains("goods[0].quantity: missing required field"),
        "{err}"
    );
}

#[test]
fn an_unknown_country_is_named_with_its_path_and_code() {
    let text = clean_toml().replace("transit = [\"FR\"]", "transit = [\"QQ\"]");
    let err = rejected("country", "toml", &text);
    assert!(
        err.contains("route.transit[0]: \"QQ\" is not an ISO 3166-1 alpha-2 code"),
        "{err}"
    );
}

#[test]
fn json_output_gives_a_line_for_every_file_an_invalid_one_its_error_record() {
    let text = clean_toml().replace("quantity = 200", "quantity = -5");
    let (_dir, bad) = temp_file("json-invalid", "toml", &text);
    let good = example("gb-ke-police-rifles.toml");
    let out = attest(&["screen", "--format", "json", bad.to_str().unwrap(), &good]);
    assert_eq!(out.status.code(), Some(2), "an invalid file: exit status 2");
    let lines = json_lines(out.stdout);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        lines[0],
        serde_json::json!({
            "error": "invalid application",
            "file": bad.to_str().unwrap(),
            "problems": [{
                "path": "goods[0].quantity",
                "message": "expected an integer greater than 0, found -5"
            }]
        })
    );
    assert_eq!(lines[1]["application"], "GB-EXP-2026-000123");
    assert_eq!(lines[1]["outcome"], "approve");
}

#[test]
fn a_common_mistake_for_a_country_code_is_named_with_the_code_meant() {
    for (given, hint) in [
        ("UK", "the United Kingdom is \"GB\""),
        ("gb", "did you mean \"GB\" (United Kingdom)?"),
    ] {
        let text = clean_toml().replace(
            "licensing_state = \"GB\"",
            &format!("licensing_state = \"{given}\""),
        );
        let err = rejected("country-hint", "toml", &text);
        assert!(
            err.contains(&format!(
                "licensing_state: \"{given}\" is not an ISO 3166-1 alpha-2 code; {hint}"
            )),
            "{err}"
        );
    }
}

#[test]
fn a_negative_quantity_is_rejected() {
    let text = clean_toml().replace("quantity = 200", "quantity = -5");
    let err = rejected("negative", "toml", &text);
    assert!(
        err.contains("goods[0].quantity: expected an integer greater than 0, found -5"),
        "{err}"
    );
}

#[test]
fn a_date_that_does_not_exist_is_rejected() {
    let text = clean_toml().replace("valid_until = 2027-06-30", "valid_until = \"2027-02-30\"");
    let err = rejected("date", "toml", &text);
    assert!(err.contains("documents.import_licence.valid_until: expected a date YYYY-MM-DD, found \"2027-02-30\""), "{err}");
}

#[test]
fn a_value_outside_its_enumeration_lists_the_choices() {
    let text = clean_toml().replace("transport = \"air\"", "transport = \"pigeon\"");
    let err = rejected("enum", "toml", &text);
    assert!(err.contains("route.transport: expected one of air, sea, road, rail, postal, courier, hand_carry, found \"pigeon\""), "{err}");
}

#[test]
fn a_file_that_is_neither_toml_nor_json_is_rejected() {
    let err = rejected("garbage", "toml", "this is { not toml");
    // One line, with where: the toml crate's own text spans several.
    assert!(
        err.contains("not a valid TOML document: line 1, column "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let err = rejected("garbage", "json", "{\"id\": ");
    assert!(err.contains("not a valid JSON document"), "{err}");
}

#[test]
fn screening_a_json_lines_file_points_to_batch() {
    let err = rejected("lines", "jsonl", "{\"id\": \"A\"}\n{\"id\": \"B\"}\n");
    assert!(err.contains("trailing characters at line 2"), "{err}");
    assert!(
        err.contains("JSON Lines hold one application per line: use `attest batch "),
        "{err}"
    );
}

#[test]
fn screening_a_json_array_names_batch() {
    let err = rejected("array", "json", "[{\"id\": \"A\"}]");
    assert!(
        err.contains("a JSON array: screen takes one application per file"),
        "{err}"
    );
}

#[test]
fn screening_a_folder_names_its_files_or_batch() {
    let out = attest(&["screen", &example("")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a folder; name its files"), "{err}");
    assert!(err.contains("or use `attest batch "), "{err}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = clean_toml()
        .replace("quantity = 200", "quantity = 0")
        .replace("kind = \"export\"", "kind = \"sale\"");
    let err = rejected("several", "toml", &text);
    assert!(
        err.contains("goods[0].quantity") && err.contains("kind: expected one of export"),
        "{err}"
    );
}

#[test]
fn an_application_without_an_end_user_is_rejected() {
    let text = clean_toml().replace("role = \"end_user\"", "role = \"consignee\"");
    let err = rejected("enduser", "toml", &text);
    assert!(
        err.contains("parties: expected at least one party with role end_user"),
        "{err}"
    );
}

#[test]
fn unknown_fields_warn_by_default_and_fail_in_strict_mode() {
    let text = clean_toml().replace("[route]\n", "[route]\nvia = \"sea\"\n");
    let (_dir, path) = temp_file("unknown", "toml", &text);
    let out = attest(&["validate", path.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: route.via: unknown field"));
    let out = attest(&["validate", "--strict", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("route.via: unknown field"));
}

/// `attest validate` on the police rifles example with `key = "x"` added
/// to its route.
fn validate_with_route_key(key: &str) -> Output {
    let text = clean_toml().replace("[route]\n", &format!("[route]\n{key} = \"x\"\n"));
    let (_dir, path) = temp_file("route-key", "toml", &text);
    attest(&["validate", path.to_str().unwrap()])
}

#[test]
fn a_misspelt_field_is_named_with_the_field_it_was_meant_to_be() {
    // The typo makes the application invalid: the error names the missing
    // field and, beside it, the misspelt one and what it was meant to be.
    let text = clean_toml().replace("destination = ", "destinaton = ");
    let err = rejected("misspelt", "toml", &text);
    assert!(
        err.contains("route.destination: missing required field"),
        "{err}"
    );
    assert!(
        err.contains("route.destinaton: unknown field; did you mean `destination`?"),
        "{err}"
    );
    // An optional field misspelt leaves the application valid: a warning,
    // with the same hint; another case or `-` for `_` is the same key.
    for (given, meant) in [("transprt", "transport"), ("Transit", "transit")] {
        let out = validate_with_route_key(given);
        assert!(out.status.success());
        let warning = format!("warning: route.{given}: unknown field; did you mean `{meant}`?");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(&warning),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Nothing close: no guess. A key of 100,000 letters is not measured.
    let long = "x".repeat(100_000);
    for given in ["via", long.as_str()] {
        let out = validate_with_route_key(given);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(": unknown field\n"),
            "{}",
            &stderr[..200.min(stderr.len())]
        );
        assert!(
            !stderr.contains("did you mean"),
            "{}",
            &stderr[..200.min(stderr.len())]
        );
    }
}

#[test]
fn validate_accepts_both_bundled_examples() {
    let out = attest(&[
        "validate",
        &example("gb-ke-police-rifles.toml"),
        &example("xa-kp-ammunition.toml"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn policy_list_shows_manifests_hashes_and_data_provenance() {
    let out = attest(&["policy", "list"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("fp 1.1.0 [FP] ABI v4") && text.contains("att 1.1.0 [ATT] ABI v4"),
        "{text}"
    );
    assert!(text.contains("fp.10-2-a.import-licence"));
    assert!(
        text.contains("data un-arms-embargoes: 34 entries (4 marked unverified)")
            && text.contains("data eu-denials: 1 entry (0 marked unverified)"),
        "{text}"
    );
}

/// An officer reading `rule att.11-2.re-export-clause` in a finding asks
/// what it checks: every rule of the bundled policies says so, with the
/// article it cites and the policies that raise it.
#[test]
fn policy_rules_say_what_each_rule_checks_and_the_article_it_cites() {
    let out = attest(&["policy", "rules", "att.11-2.re-export-clause", "xa.12"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert_eq!(
        text,
        "att.11-2.re-export-clause  [ATT 11(2)]  att 1.1.0\n    \
         the end-user certificate forbids re-export\n\
         xa.12.end-user-restriction  [national 12]  xa 1.0.1, xa 2.0.1\n    \
         no export to individuals or non-state armed groups \
         (2026: commercial end users only for sport or hunting)\n"
    );

    let every = attest(&["policy", "rules"]);
    let text = String::from_utf8_lossy(&every.stdout);
    let ids: Vec<&str> = text.lines().filter(|l| !l.starts_with(' ')).collect();
    assert!(ids.len() >= 45, "{text}");
    assert!(
        !text.contains("no rule table"),
        "every bundled module describes its rules: {text}"
    );

    let unknown = attest(&["policy", "rules", "att.99"]);
    assert_eq!(unknown.status.code(), Some(1));
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(err.contains("no rule att.99 among the"), "{err}");
}

/// A module that does not load (here: too little fuel to initialise) has
/// rules nobody can list; saying only "no rule xb.4" would send the
/// officer looking for a rule that exists.
#[test]
fn policy_rules_name_a_module_that_could_not_be_loaded() {
    let xb = format!("{}/../policies/dist/xb.wasm", env!("CARGO_MANIFEST_DIR"));
    let pin = std::fs::read_to_string(format!("{xb}.sha256")).unwrap();
    let config = format!(
        "[limits]\nfuel = 10\n\n[[policy]]\nmodule = {xb:?}\nsha256 = {:?}\n\
         states = [\"XB\"]\nroles = [\"import\"]\n",
        &pin[..64]
    );
    let (_dir, path) = temp_file("rules-broken", "toml", &config);
    let out = attest(&[
        "--config",
        path.to_str().unwrap(),
        "policy",
        "rules",
        "xb.4",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("xb.wasm could not be loaded, so its rules are not listed: ran out of fuel"),
        "{err}"
    );
}

/// `attest batch --help` teaches the embargo re-evaluation: each command of
/// the example on a line of its own (clap joins a paragraph's lines unless
/// told not to), and what INPUT may be.
#[test]
fn batch_help_shows_the_example_one_command_per_line() {
    let out = attest(&["batch", "--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = help.lines().map(str::trim).collect();
    for command in [
        "attest register export > past.jsonl",
        "attest batch past.jsonl --out before.jsonl --as-of submitted",
        "attest batch past.jsonl --out after.jsonl --as-of submitted --baseline before.jsonl",
    ] {
        assert!(
            lines.contains(&command),
            "{command:?} not on a line of its own:\n{help}"
        );
    }
    assert!(
        help.contains("a JSON Lines file, `-` for standard input"),
        "{help}"
    );
}

/// `attest screen ... | head -0`: the reader is gone before anything is
/// printed. The process ends as `cat` would, by SIGPIPE, not with a panic
/// message on standard error.
#[cfg(unix)]
#[test]
fn a_closed_standard_output_ends_the_process_quietly() {
    use std::os::unix::process::ExitStatusExt;
    for args in [
        &["screen", &example("xa-kp-ammunition.toml")][..],
        &["policy", "list"][..],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_attest"))
            .args(args)
            .stdout(writer)
            .output()
            .unwrap();
        const SIGPIPE: i32 = 13;
        assert_eq!(out.status.signal(), Some(SIGPIPE), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// Standard output on a full disk: an error naming it and status 1, not
/// a panic from `println!`; `gen --out` names its file.
#[cfg(target_os = "linux")]
#[test]
fn a_full_standard_output_is_an_error_that_says_so() {
    for args in [
        &["screen", &example("xa-kp-ammunition.toml")][..],
        &["policy", "list"][..],
        &["gen", "--count", "3"][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_attest"))
            .args(args)
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("standard output: No space left on device"),
            "{args:?}: {err}"
        );
    }
    let out = attest(&["gen", "--count", "3", "--out", "/dev/full"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/dev/full: No space left on device"), "{err}");
}

#[test]
fn batch_refuses_zero_workers_or_too_many_and_says_why() {
    let out = attest(&["batch", &example("xa-kp-ammunition.toml"), "--jobs", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--jobs"), "{err}");
    assert!(err.contains("leave --jobs out to use all cores"), "{err}");
    // Each worker takes address space for its instances: a bound, named.
    let out = attest(&["batch", &example("xa-kp-ammunition.toml"), "--jobs", "1025"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("at most 1024 workers"), "{err}");
}

/// Every argument and option of every command says what it is: an
/// officer or policy author reading `--help` never meets a bare `<FILE>`.
#[test]
fn every_argument_and_option_is_described_in_help() {
    let commands: [&[&str]; 16] = [
        &["screen"],
        &["batch"],
        &["diff"],
        &["gen"],
        &["validate"],
        &["register", "verify"],
        &["register", "export"],
        &["register", "show"],
        &["policy", "list"],
        &["policy", "new"],
        &["policy", "build"],
        &["policy", "test"],
        &["policy", "inspect"],
        &["policy", "keygen"],
        &["policy", "sign"],
        &["policy", "verify"],
    ];
    for command in commands {
        // -h: one line per entry, its description on the same line.
        let out = attest(&[command, &["-h"]].concat());
        assert!(out.status.success(), "{command:?}");
        let help = String::from_utf8(out.stdout).unwrap();
        let bare: Vec<&str> = help
            .lines()
            // Entries are indented by 2 (`-h, --help`, `<FILE>`) or 6
            // (`--out`, no short form); wrapped descriptions lie deeper.
            .filter(|l| (2..=6).contains(&(l.len() - l.trim_start().len())))
            .filter(|l| {
                let entry = l.trim();
                // What follows the entry's name, once clap's padding is
                // gone; "[default: 1]" alone describes nothing.
                let description = entry.split_once("  ").map_or("", |(_, d)| d.trim());
                (entry.starts_with('-') || entry.starts_with('<'))
                    && (description.is_empty() || description.starts_with('['))
                    && !entry.ends_with("Print help")
            })
            .collect();
        assert!(bare.is_empty(), "{command:?}: undescribed {bare:?}\n{help}");
    }
}
