//! The policy authoring kit, end to end as a policy author uses it:
//! scaffold, edit, build, test with fixtures, coverage, inspect. Building
//! needs the wasm32 toolchain (the README's test command installs it).

mod common;
#[path = "common/plugins.rs"]
mod plugins;

use common::Scratch;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn attest(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_attest"))
        .args(args)
        .output()
        .expect("attest runs")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn every_bundled_policy_passes_its_fixtures_with_full_rule_coverage() {
    let policies = root().join("policies");
    let out = attest(&[
        "policy",
        "test",
        "--require-coverage",
        "--dir",
        policies.to_str().unwrap(),
    ]);
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    for (policy, rules) in [("att", 19), ("eu-cp", 9), ("fp", 11), ("xa", 4), ("xb", 4)] {
        assert!(report.contains(&format!("{policy}: ")), "{report}");
        assert!(
            report.contains(&format!("rule coverage {rules} of {rules}")),
            "{policy}: {report}"
        );
    }
    assert!(!report.contains("FAIL"), "{report}");
}

/// Copies the sources a policies workspace needs (rules/ and policies/,
/// without build output) into a fresh folder.
fn workspace_copy() -> Scratch {
    let dir = Scratch::new("authoring");
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "mkdir -p {d} && cp -r {r}/rules {d}/rules && mkdir {d}/policies && cd {r}/policies && \
             cp -r Cargo.toml build.sh rust-toolchain.toml .cargo fp att eu-cp xa xb comparison {d}/policies/ && mkdir {d}/policies/dist",
            d = dir.display(),
            r = root().display()
        ))
        .status()
        .unwrap();
    assert!(status.success());
    dir
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_new_policy_is_scaffolded_extended_built_and_tested_end_to_end() {
    let ws = workspace_copy();
    let dir = ws.join("policies");
    let d = dir.to_str().unwrap();

    let new = attest(&["policy", "new", "xq", "--state", "XQ", "--dir", d]);
    assert!(new.status.success(), "{}", text(&new));
    assert!(std::fs::read_to_string(dir.join("Cargo.toml"))
        .unwrap()
        .contains("\"comparison\", \"xq\"]"));

    // The author adds a rule: no sales concluded online.
    let crate_dir = dir.join("xq");
    edit(
        &crate_dir.join("src/lib.rs"),
        "fn evaluate(app: &Application, _ctx: &Context<'_>, out: &mut Vec<Finding>) {\n    no_individual_end_users(app, out);",
        "const NO_ONLINE_SALES: Rule = Rule {\n    id: \"xq.2.no-online-sales\",\n    instrument: Instrument::National,\n    article: \"2\",\n    checks: \"no sales concluded online\",\n};\n\n\
         /// Art. 2: no sales concluded online.\nfn no_online_sales(app: &Application, out: &mut Vec<Finding>) {\n    \
         if app.sale.as_ref().and_then(|s| s.channel) == Some(attest_rules::model::SaleChannel::Online) {\n        \
         out.push(NO_ONLINE_SALES.finding(Effect::Deny, \"Sale concluded online\".into()).at(\"sale.channel\"));\n    }\n}\n\n\
         fn evaluate(app: &Application, _ctx: &Context<'_>, out: &mut Vec<Finding>) {\n    no_individual_end_users(app, out);\n    no_online_sales(app, out);",
    );
    edit(
        &crate_dir.join("src/lib.rs"),
        "const RULES: &[Rule] = &[NO_INDIVIDUAL_END_USERS];",
        "const RULES: &[Rule] = &[NO_INDIVIDUAL_END_USERS, NO_ONLINE_SALES];",
    );
    edit(
        &crate_dir.join("manifest.toml"),
        "rules = [\"xq.1.no-individual-end-users\"]",
        "rules = [\"xq.1.no-individual-end-users\", \"xq.2.no-online-sales\", \"xq.3.reserved\"]",
    );
    let scaffolded =
        std::fs::read_to_string(crate_dir.join("fixtures/individual-end-user.toml")).unwrap();
    let online = scaffolded
        .replace(
            "Art. 1: an individual end user is refused",
            "Art. 2: an online sale is refused",
        )
        .replace("xq.1.no-individual-end-users", "xq.2.no-online-sales")
        .replace("article = \"1\"", "article = \"2\"")
        .replace("type = \"individual\"", "type = \"police\"")
        + "\n[application.sale]\nchannel = \"online\"\n";
    std::fs::write(crate_dir.join("fixtures/online-sale.toml"), online).unwrap();

    let build = attest(&["policy", "build", "xq", "--dir", d]);
    assert!(build.status.success(), "{}", text(&build));
    assert!(dir.join("dist/xq.wasm").exists() && dir.join("dist/xq.wasm.sha256").exists());

    let tested = attest(&["policy", "test", "xq", "--dir", d]);
    let report = text(&tested);
    assert!(tested.status.success(), "{report}");
    assert!(
        report.contains("xq: 2 of 2 fixtures passed; rule coverage 2 of 3"),
        "{report}"
    );
    assert!(report.contains("never fired: xq.3.reserved"), "{report}");
    let strict = attest(&["policy", "test", "xq", "--dir", d, "--require-coverage"]);
    assert!(
        !strict.status.success(),
        "an unreached rule fails --require-coverage"
    );

    // A deliberately wrong expectation fails with a readable diff.
    let wrong = std::fs::read_to_string(crate_dir.join("fixtures/online-sale.toml"))
        .unwrap()
        .replace("outcome = \"deny\"", "outcome = \"approve\"")
        .replace("xq.2.no-online-sales", "xq.1.no-individual-end-users");
    std::fs::write(crate_dir.join("fixtures/wrong.toml"), wrong).unwrap();
    let failed = attest(&["policy", "test", "xq", "--dir", d]);
    let report = text(&failed);
    assert_eq!(failed.status.code(), Some(1), "{report}");
    assert!(
        report.contains("FAIL") && report.contains("wrong.toml"),
        "{report}"
    );
    assert!(
        report.contains("outcome: expected approve, got deny"),
        "{report}"
    );
    assert!(
        report.contains("missing:    xq.1.no-individual-end-users deny"),
        "{report}"
    );
    assert!(
        report.contains("unexpected: xq.2.no-online-sales deny [national 2] Sale concluded online"),
        "{report}"
    );

    let inspect = attest(&[
        "policy",
        "inspect",
        dir.join("dist/xq.wasm").to_str().unwrap(),
    ]);
    let shown = text(&inspect);
    assert!(inspect.status.success(), "{shown}");
    assert!(
        shown.contains(&format!(
            "manifest xq 0.1.0 [national] ABI v{}",
            attest_rules::abi::ABI_VERSION
        )) && shown.contains("imports  none"),
        "{shown}"
    );
    assert!(shown.contains("sandbox  accepted"), "{shown}");
    // The rule table: what `attest policy rules` will tell an officer.
    assert!(
        shown.contains(
            "  table    xq.1.no-individual-end-users  [national 1]  no transfers to individuals\n           \
             xq.2.no-online-sales  [national 2]  no sales concluded online\n"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("request  full (the plug-in decodes it)"),
        "{shown}"
    );
    assert!(
        shown.contains("frozen   yes: fresh instances start from it as initialised, and are set back to it after each application"),
        "{shown}"
    );
}

/// Run outside the repository, `policy new` and `policy build` say where
/// the policies workspace should be, not just that a file is missing.
#[test]
fn outside_a_policies_workspace_new_and_build_say_to_pass_dir() {
    let dir = Scratch::new("no-workspace");
    let elsewhere = dir.join("policies");
    for args in [
        &["policy", "new", "demo", "--state", "GB", "--dir"][..],
        &["policy", "build", "demo", "--dir"][..],
    ] {
        let out = attest(&[args, &[elsewhere.to_str().unwrap()]].concat());
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let shown = text(&out);
        assert!(
            shown.contains("run from the repository root or pass --dir"),
            "{args:?}: {shown}"
        );
    }
    assert!(!elsewhere.exists(), "nothing is created");
}

/// `--module` naming another policy's module: said at once, rather than
/// every fixture failing for a reason none of them names.
#[test]
fn testing_fixtures_against_another_policys_module_is_refused() {
    let policies = root().join("policies");
    let out = attest(&[
        "policy",
        "test",
        "xa",
        "--dir",
        policies.to_str().unwrap(),
        "--module",
        policies.join("dist/xb.wasm").to_str().unwrap(),
    ]);
    refused(
        &out,
        1,
        "its manifest says policy xb, not xa, whose fixtures these are",
        "FAIL",
    );
}

/// `out` ended with `status`, saying `says` and never `never`.
#[track_caller]
fn refused(out: &Output, status: i32, says: &str, never: &str) {
    assert_eq!(out.status.code(), Some(status));
    let shown = text(out);
    assert!(shown.contains(says), "{shown}");
    assert!(!shown.contains(never), "{shown}");
}

/// A file that is not WebAssembly at all: one line saying so, where
/// wasmparser's message printed both headers as arrays over ten lines.
#[test]
fn inspect_says_plainly_when_a_file_is_not_webassembly() {
    let dir = Scratch::new("inspect-not-wasm");
    let file = dir.join("notes.wasm");
    std::fs::write(&file, "{\"id\": \"not a module\"}").unwrap();
    let out = attest(&["policy", "inspect", file.to_str().unwrap()]);
    refused(
        &out,
        2,
        "not a WebAssembly module: it does not start with `\\0asm`",
        "expected=[",
    );
}

#[test]
fn inspect_says_why_a_plug_in_is_not_frozen() {
    let dir = Scratch::new("inspect-frozen");
    let mut wat = plugins::Wat::benign("table-setter");
    wat.extra =
        "(table 1 funcref) (func (export \"unused\") (table.set (i32.const 0) (ref.null func)))";
    let module = dir.join("table-setter.wasm");
    std::fs::write(&module, wat.wasm()).unwrap();
    let out = attest(&["policy", "inspect", module.to_str().unwrap()]);
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown
            .contains("frozen   no, each fresh instance runs attest_init: its code uses table.set"),
        "{shown}"
    );
}

#[test]
fn inspect_names_what_the_sandbox_refuses() {
    let dir = Scratch::new("inspect");
    let module = dir.join("imports.wasm");
    let wasm = wat::parse_str(r#"(module (@custom "attest.manifest" "id = \"clock\"\nversion = \"1\"\ninstrument = \"national\"\nabi = 2\n") (import "env" "now" (func)))"#).unwrap();
    std::fs::write(&module, wasm).unwrap();
    let out = attest(&["policy", "inspect", module.to_str().unwrap()]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        shown.contains("imports  env.now")
            && shown.contains("sandbox  refused: module imports env.now"),
        "{shown}"
    );
}

/// `policy test` shows each fixture's fuel, and a fixture's `max_fuel`
/// fails the run when the rules cost more: fuel is deterministic, so an
/// author catches a costlier rule in a test, not in a batch.
#[test]
fn fixtures_report_fuel_and_fail_over_their_max_fuel() {
    let dir = Scratch::new("authoring-fuel");
    let fixtures = dir.join("att/fixtures");
    std::fs::create_dir_all(&fixtures).unwrap();
    // The bundled fixture, without its own max_fuel.
    let original: String =
        std::fs::read_to_string(root().join("policies/att/fixtures/un-embargo-non-party.toml"))
            .unwrap()
            .lines()
            .filter(|line| !line.starts_with("max_fuel"))
            .map(|line| format!("{line}\n"))
            .collect();
    let example = root().join("examples/xa-kp-ammunition.toml");
    let fixture = |max_fuel: u64| {
        original
            .replace(
                "extends = \"../../../examples/xa-kp-ammunition.toml\"",
                &format!("extends = {:?}", example.to_str().unwrap()),
            )
            .replace(
                "outcome = \"deny\"",
                &format!("outcome = \"deny\"\nmax_fuel = {max_fuel}"),
            )
    };
    let module = root().join("policies/dist/att.wasm");
    let test = |max_fuel: u64| {
        std::fs::write(fixtures.join("embargo.toml"), fixture(max_fuel)).unwrap();
        attest(&[
            "policy",
            "test",
            "att",
            "--dir",
            dir.to_str().unwrap(),
            "--module",
            module.to_str().unwrap(),
        ])
    };

    let roomy = test(10_000_000);
    let report = text(&roomy);
    assert!(roomy.status.success(), "{report}");
    let fuel: u64 = report
        .split_once("  (")
        .and_then(|(_, rest)| rest.split_once(" fuel)"))
        .map(|(n, _)| n.replace(',', "").parse().unwrap())
        .unwrap_or_else(|| panic!("no fuel shown: {report}"));
    assert!(fuel > 1_000, "{report}");
    assert!(report.contains("fuel per fixture: "), "{report}");

    let tight = test(fuel - 1);
    let report = text(&tight);
    assert!(!tight.status.success(), "{report}");
    assert!(report.contains("FAIL"), "{report}");
    assert!(
        report.contains("over the fixture's max_fuel of"),
        "{report}"
    );
    assert!(test(fuel).status.success(), "exactly max_fuel passes");
}

/// `policy inspect` shows the form of the request a module reads and the
/// text fields it is sent.
#[test]
fn inspect_shows_the_view_and_the_text_it_is_sent() {
    let module = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../policies/dist/comparison.wasm"
    );
    let out = attest(&["policy", "inspect", module]);
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("request  view (read in place)"), "{shown}");
    assert!(
        shown.contains("text     goods.control_entry (the host withholds every other text field)"),
        "{shown}"
    );
}
