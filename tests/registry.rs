//! The policy registry: routing by (state, role), effective-dated
//! versions, treaty status by date, the EU Common Position, and integrity
//! of pinned modules.

mod common;
#[path = "common/plugins.rs"]
mod plugins;

use attest::config::Config;
use attest::screen::{Screener, SetupError};
use attest_rules::model::*;
use common::*;
use std::path::Path;
use std::process::Command;

/// Republic of XA exports to the Kingdom of XB through Germany and XC, all
/// documents in order.
fn xa_to_xb() -> Application {
    let mut app = clean_export();
    app.id = "XA-EXP-2026-000100".into();
    app.licensing_state = c("XA");
    app.applicant.state = c("XA");
    app.route.origin = c("XA");
    app.route.destination = c("XB");
    app.route.transit = vec![c("DE"), c("XC")];
    for p in &mut app.parties {
        p.state = c("XB");
    }
    app.documents.import_licence.as_mut().unwrap().issued_by = c("XB");
    app.documents
        .end_user_certificate
        .as_mut()
        .unwrap()
        .issued_by = c("XB");
    app.documents.transit_consent = vec![
        TransitConsent {
            state: c("DE"),
            reference: "DE-TR-1".into(),
        },
        TransitConsent {
            state: c("XC"),
            reference: "XC-TR-1".into(),
        },
    ];
    app
}

/// Exporter `from` (licensing, origin, applicant) to `to`, documents in order.
fn export(from: &str, to: &str) -> Application {
    let mut app = clean_export();
    app.licensing_state = c(from);
    app.applicant.state = c(from);
    app.route.origin = c(from);
    app.route.destination = c(to);
    app.route.transit.clear();
    app.documents.transit_consent.clear();
    for p in &mut app.parties {
        p.state = c(to);
    }
    app.documents.import_licence.as_mut().unwrap().issued_by = c(to);
    app.documents
        .end_user_certificate
        .as_mut()
        .unwrap()
        .issued_by = c(to);
    app
}

fn ran(d: &attest::decision::Decision) -> Vec<(String, String, String, String)> {
    d.evaluations
        .iter()
        .map(|e| {
            (
                e.policy.to_string(),
                e.version.to_string(),
                e.state.to_string(),
                e.role.to_string(),
            )
        })
        .collect()
}

fn row(p: &str, v: &str, s: &str, r: &str) -> (String, String, String, String) {
    (p.into(), v.into(), s.into(), r.into())
}

#[test]
fn xa_to_xb_via_a_transit_state_runs_export_import_and_transit_plug_ins_and_lists_the_uncovered() {
    let d = screen(&xa_to_xb());
    assert_eq!(
        ran(&d),
        [
            row("fp", "1.1.0", "XA", "export"),
            row("att", "1.1.0", "XA", "export"),
            row("xa", "2.0.1", "XA", "export"),
            row("xb", "1.0.1", "XB", "import"),
            row("eu-cp", "1.1.0", "DE", "transit"),
        ]
    );
    let uncovered: Vec<(String, &str)> = d
        .not_covered
        .iter()
        .map(|i| (i.state.to_string(), i.role.as_str()))
        .collect();
    assert_eq!(uncovered, [("XC".to_string(), "transit")]);
    assert_eq!(d.outcome.as_str(), "approve", "{:#?}", d.findings);
}

#[test]
fn the_importing_state_policy_denies_an_import_without_its_licence() {
    let mut app = xa_to_xb();
    app.documents.import_licence.as_mut().unwrap().issued_by = c("XC");
    let d = screen(&app);
    let f = assert_finding(&d, "deny", "xb.4.import-licence", "deny", "national", "4");
    assert_eq!(f.policy, "xb");
}

#[test]
fn the_transit_state_policy_runs_for_its_own_transit() {
    let mut app = export("XA", "XC");
    app.route.transit = vec![c("XB")];
    app.route.transport = Transport::Courier;
    let d = screen(&app);
    assert!(ran(&d).contains(&row("xb", "1.0.1", "XB", "transit")));
    assert_finding(
        &d,
        "deny",
        "xb.9.transit-authorisation",
        "deny",
        "national",
        "9",
    );
    assert_finding(
        &d,
        "deny",
        "xb.10.transit-by-post",
        "deny",
        "national",
        "10",
    );
}

/// A written consent with a blank reference names no document to verify
/// (FP Art. 10(5)): the Protocol's check and the transit state's own
/// permit both treat it as missing, and one with a reference satisfies
/// both. Before xa 2.0.1 and xb 1.0.1 the national permits accepted the
/// blank one that the Protocol's check refused.
#[test]
fn a_transit_consent_without_a_reference_is_missing_for_the_protocol_and_the_transit_state() {
    for (transit, rule) in [
        ("XB", "xb.9.transit-authorisation"),
        ("XA", "xa.30.transit-permit"),
    ] {
        let mut app = export("DE", "XC");
        app.route.transit = vec![c(transit)];
        app.documents.transit_consent = vec![TransitConsent {
            state: c(transit),
            reference: "  ".into(),
        }];
        let d = screen(&app);
        assert_finding(
            &d,
            "deny",
            rule,
            "deny",
            "national",
            rule.split('.').nth(1).unwrap(),
        );
        let fp = findings(&d, "fp.10-2-b.transit-consent");
        assert_eq!(fp.len(), 1, "{transit}: {:#?}", d.findings);
        assert_eq!(fp[0].effect.as_str(), "refer");

        app.documents.transit_consent[0].reference = format!("{transit}-TC-1");
        let d = screen(&app);
        assert_silent(&d, rule);
        assert_silent(&d, "fp.10-2-b.transit-consent");
    }
}

#[test]
fn two_versions_of_the_xa_policy_switch_at_their_effective_date() {
    let mut app = xa_to_xb();
    app.parties[1].party_type = PartyType::Commercial;
    let old = screen_as_of(&app, "2025-12-31");
    assert!(
        ran(&old).contains(&row("xa", "1.0.1", "XA", "export")),
        "{:?}",
        ran(&old)
    );
    assert_silent(&old, "xa.12.end-user-restriction");
    let new = screen_as_of(&app, "2026-01-01");
    assert!(
        ran(&new).contains(&row("xa", "2.0.1", "XA", "export")),
        "{:?}",
        ran(&new)
    );
    let f = assert_finding(
        &new,
        "deny",
        "xa.12.end-user-restriction",
        "deny",
        "national",
        "12",
    );
    assert_eq!(f.evidence, ["parties[1].type"]);
}

#[test]
fn before_any_xa_edition_was_in_force_the_export_role_of_xa_is_not_covered_by_it() {
    let d = screen_as_of(&xa_to_xb(), "2019-06-01");
    assert!(ran(&d).iter().all(|r| r.0 != "xa"), "{:?}", ran(&d));
}

#[test]
fn the_national_embargo_list_of_xa_is_reference_data_applied_by_date() {
    let app = export("XA", "XD");
    let f = assert_finding(
        &screen(&app),
        "deny",
        "xa.5.national-embargo",
        "deny",
        "national",
        "5",
    );
    assert!(
        f.message.contains("national arms embargo of XA"),
        "{}",
        f.message
    );
    let mut lifted = export("XA", "XE");
    lifted.parties[1].party_type = PartyType::Commercial;
    lifted.end_use.as_mut().unwrap().purpose = EndUsePurpose::Sport;
    assert_finding(
        &screen_as_of(&lifted, "2023-06-01"),
        "deny",
        "xa.5.national-embargo",
        "deny",
        "national",
        "5",
    );
    assert_silent(
        &screen_as_of(&lifted, "2024-06-01"),
        "xa.5.national-embargo",
    );
}

#[test]
fn an_eu_member_exporting_to_a_state_under_an_eu_only_embargo_is_denied_under_criterion_1() {
    let d = screen(&export("DE", "VE"));
    let f = assert_finding(
        &d,
        "deny",
        "eu-cp.criterion-1.international-obligations",
        "deny",
        "EU-CP",
        "criterion 1",
    );
    assert!(f.message.contains("EU arms embargo"), "{}", f.message);
    assert!(ran(&d).contains(&row("eu-cp", "1.1.0", "DE", "export")));
}

#[test]
fn each_finding_names_the_evaluation_that_raised_it_and_the_officer_reads_it_once() {
    // EU-CP runs for Germany exporting and for Poland in transit, and
    // finds the same embargo for each.
    let mut app = export("DE", "VE");
    route_through(&mut app, "PL");
    let d = screen(&app);
    let rule = "eu-cp.criterion-1.international-obligations";
    let raised: Vec<String> = findings(&d, rule)
        .iter()
        .map(|f| {
            let who = f.raised_for.expect("raised by an evaluation");
            format!("{} {}", who.state, who.role.as_str())
        })
        .collect();
    assert_eq!(raised, ["DE export", "PL transit"]);
    // The record keeps both, each saying where it was raised.
    let json = serde_json::to_value(&d).unwrap();
    let record = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap();
    assert_eq!(
        record["for"],
        serde_json::json!({"state": "DE", "role": "export"})
    );
    // The officer reads the finding once, with both.
    let text = d.to_text();
    let message = &findings(&d, rule)[0].message;
    assert_eq!(text.matches(message.as_str()).count(), 1, "{text}");
    assert!(
        text.contains(&format!(
            "rule {rule} (eu-cp for DE export, PL transit); fields:"
        )),
        "{text}"
    );
}

#[test]
fn an_eu_member_routing_goods_through_a_state_under_an_eu_embargo_is_referred_under_criterion_7() {
    let mut app = export("DE", "KE");
    route_through(&mut app, "PL");
    route_through(&mut app, "BY");
    let d = screen_as_of(&app, "2026-11-20");
    let f = assert_finding(
        &d,
        "refer",
        "eu-cp.criterion-7.diversion",
        "refer",
        "EU-CP",
        "criterion 7",
    );
    assert!(
        f.message
            .starts_with("Transit state BY is under the EU arms embargo of")
            && f.message.contains("(EU-BY)"),
        "{}",
        f.message
    );
    assert_eq!(f.evidence, ["route.transit[1]"]);
    // An EU embargo is not a UN one: the ATT check says nothing.
    assert_silent(&d, "att.11-2.embargoed-transit");
    // A political commitment (EU-CN) is no embargo on transit.
    app.route.transit[1] = c("CN");
    app.documents.transit_consent[1].state = c("CN");
    assert_silent(
        &screen_as_of(&app, "2026-11-20"),
        "eu-cp.criterion-7.diversion",
    );
}

#[test]
fn the_same_export_screened_by_a_non_eu_state_is_not_denied() {
    let d = screen(&export("CH", "VE"));
    assert!(ran(&d).iter().all(|r| r.0 != "eu-cp"), "{:?}", ran(&d));
    assert_eq!(d.outcome.as_str(), "approve", "{:#?}", d.findings);
}

#[test]
fn eu_membership_is_resolved_by_date_the_uk_before_and_after_withdrawal() {
    let before = screen_as_of(&export("GB", "VE"), "2019-06-01");
    assert!(ran(&before).contains(&row("eu-cp", "1.1.0", "GB", "export")));
    assert_finding(
        &before,
        "deny",
        "eu-cp.criterion-1.international-obligations",
        "deny",
        "EU-CP",
        "criterion 1",
    );
    let after = screen_as_of(&export("GB", "VE"), "2020-02-01");
    assert!(ran(&after).iter().all(|r| r.0 != "eu-cp"));
}

#[test]
fn att_7_a_medium_risk_refers_and_an_overriding_risk_denies_by_assessment_date() {
    let app = export("GB", "XF");
    let medium = screen_as_of(&app, "2024-01-01");
    let f = assert_finding(
        &medium,
        "refer",
        "att.7-1-b-ii.human-rights",
        "refer",
        "ATT",
        "7(1)(b)(ii)",
    );
    assert!(f.message.contains("XF/2023/1"), "{}", f.message);
    let high = screen_as_of(&app, "2025-10-01");
    assert_finding(
        &high,
        "deny",
        "att.7-1-b-ii.human-rights",
        "deny",
        "ATT",
        "7(1)(b)(ii)",
    );
    assert_silent(
        &screen_as_of(&app, "2023-01-01"),
        "att.7-1-b-ii.human-rights",
    );
}

#[test]
fn eu_cp_criteria_2_to_4_deny_on_clear_risk_and_5_to_8_refer() {
    let d = screen(&export("DE", "XG"));
    assert_finding(
        &d,
        "deny",
        "eu-cp.criterion-3.internal-conflict",
        "deny",
        "EU-CP",
        "criterion 3",
    );
    assert_finding(
        &d,
        "deny",
        "eu-cp.criterion-8.economic-capacity",
        "refer",
        "EU-CP",
        "criterion 8",
    );
    let d = screen(&export("DE", "XF"));
    assert_finding(
        &d,
        "deny",
        "eu-cp.criterion-2.human-rights",
        "deny",
        "EU-CP",
        "criterion 2",
    );
}

#[test]
fn eu_cp_art_4_a_recent_denial_by_another_member_for_an_identical_transaction_refers() {
    let mut app = export("DE", "XH");
    app.parties[1].name = "xh territorial guard".into();
    let f = assert_finding(
        &screen(&app),
        "refer",
        "eu-cp.4-1.prior-denial-consultation",
        "refer",
        "EU-CP",
        "4(1)",
    );
    assert!(
        f.message.contains("FR-DEN-2025-0042") && f.message.contains("consult FR"),
        "{}",
        f.message
    );
    assert_silent(
        &screen_as_of(&app, "2028-04-15"),
        "eu-cp.4-1.prior-denial-consultation",
    );
    let mut own = app.clone();
    own.licensing_state = c("FR");
    own.route.origin = c("FR");
    assert_silent(&screen(&own), "eu-cp.4-1.prior-denial-consultation");
    let mut other_goods = app.clone();
    other_goods.goods[0].control_entry = Some("ML3.a".into());
    assert_silent(&screen(&other_goods), "eu-cp.4-1.prior-denial-consultation");
}

#[test]
fn att_findings_for_a_state_that_is_not_a_party_are_reported_as_not_binding() {
    let mut app = xa_to_xb();
    app.documents.end_user_certificate = None;
    let d = screen(&app);
    let f = assert_finding(
        &d,
        "refer",
        "att.11-2.end-user-certificate",
        "refer",
        "ATT",
        "11(2)",
    );
    assert!(!f.binding);
    assert!(
        f.message
            .contains("not binding on XA: not a party to the ATT"),
        "{}",
        f.message
    );
    let json = serde_json::to_value(&d).unwrap();
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "att.11-2.end-user-certificate")
        .unwrap();
    assert_eq!(finding["binding"], false);
}

/// A copy of the repository's configuration and the files it names in a
/// fresh folder, so a test can tamper with them.
fn config_copy(name: &str) -> Scratch {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = Scratch::new(&format!("registry-{name}"));
    for sub in ["data", "policies/dist"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for f in std::fs::read_dir(root.join(sub)).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, dir.join(sub).join(f.file_name().unwrap())).unwrap();
        }
    }
    std::fs::copy(root.join("attest.toml"), dir.join("attest.toml")).unwrap();
    dir
}

#[test]
fn the_repository_configuration_loaded_from_disk_equals_the_embedded_default() {
    let dir = config_copy("same");
    let from_disk = Screener::new(Config::load(&dir.join("attest.toml")).unwrap()).unwrap();
    let a = serde_json::to_string(&from_disk.screen(&xa_to_xb(), None)).unwrap();
    let b = serde_json::to_string(&screen(&xa_to_xb())).unwrap();
    assert_eq!(a, b);
}

#[test]
fn a_module_with_one_byte_changed_is_refused_before_anything_runs() {
    let dir = config_copy("tamper");
    let module = dir.join("policies/dist/xb.wasm");
    let mut bytes = std::fs::read(&module).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&module, bytes).unwrap();
    let err = Screener::new(Config::load(&dir.join("attest.toml")).unwrap())
        .err()
        .expect("refused");
    assert!(matches!(err, SetupError::PinMismatch { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.starts_with("policies/dist/xb.wasm: sha256 ")
            && message.contains("does not match the pinned"),
        "{message}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_attest"))
        .arg("--config")
        .arg(dir.join("attest.toml"))
        .args(["screen", &format!("{EXAMPLES}/gb-ke-police-rifles.toml")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing may be screened");
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to load it (nothing was run)"));
}

#[test]
fn a_pinned_module_built_for_another_abi_version_is_refused_from_its_manifest() {
    let mut wat = plugins::Wat::benign("future");
    wat.manifest_abi = 5;
    let wasm = wat.wasm();
    let mut config = plugins::config_with(wasm.clone(), "future");
    let entry = config.policies.last_mut().unwrap();
    entry.sha256 = Some(attest::reference::hex(
        &<sha2::Sha256 as sha2::Digest>::digest(&wasm),
    ));
    let err = Screener::new(config).err().expect("refused");
    assert!(
        err.to_string()
            .contains("built for ABI version 5; this host supports 2, 3 and 4"),
        "{err}"
    );
}

#[test]
fn two_versions_of_one_policy_in_force_on_the_same_day_are_refused() {
    let mut config = Config::default();
    let again = config
        .policies
        .iter()
        .find(|p| p.origin == "policies/dist/xa.wasm")
        .unwrap()
        .clone();
    config.policies.push(again);
    let err = Screener::new(config).err().expect("refused");
    assert!(
        matches!(err, SetupError::OverlappingVersions { .. }),
        "{err}"
    );
}

#[test]
fn configuration_errors_name_the_key() {
    let read = |_: &str| Ok(Vec::new());
    let text = "[[policy]]\nmodule = \"x.wasm\"\nsha256 = \"00\"\nstates = [\"QQ\"]\nroles = [\"export\"]\n";
    let err = Config::parse(text, "t.toml", &read).unwrap_err();
    assert_eq!(err.path, "policy[0].states[0]");
    assert!(err
        .message
        .contains("\"QQ\" is not an ISO 3166-1 alpha-2 code"));
    let uk = text.replace("QQ", "UK");
    let err = Config::parse(&uk, "t.toml", &read).unwrap_err();
    assert!(
        err.message.ends_with("; the United Kingdom is \"GB\""),
        "{}",
        err.message
    );
    let text = "[[policy]]\nmodule = \"x.wasm\"\nstates = [\"XA\"]\nroles = [\"export\"]\n";
    assert_eq!(
        Config::parse(text, "t.toml", &read).unwrap_err().path,
        "policy[0].sha256"
    );
    let text = "[limits]\nisolation = \"shared\"\n";
    assert_eq!(
        Config::parse(text, "t.toml", &read).unwrap_err().path,
        "limits.isolation"
    );
    let text = "[data]\nsanctions = \"s.toml\"\n";
    assert!(Config::parse(text, "t.toml", &read)
        .unwrap_err()
        .message
        .contains("unknown data set"));
}

/// A plug-in whose manifest asks for the view request (`request =
/// "view"`) gets it, next to the bundled plug-ins that decode the full
/// request, for every state and role it is routed to: no fault, and the
/// rules that fire are the native rules'.
#[test]
fn a_plugin_reading_the_view_screens_next_to_those_decoding_the_full_request() {
    let wasm = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../policies/dist/comparison.wasm"
    ))
    .unwrap();
    let screener = Screener::new(plugins::config_with(wasm, "comparison")).unwrap();
    let mut session = screener.session();
    let mut native = Vec::new();
    for n in 0..200 {
        let app = attest::workload::application(11, n);
        let decision = session.screen(&app, None);
        let ran: Vec<_> = decision
            .evaluations
            .iter()
            .filter(|e| e.policy == "comparison")
            .collect();
        assert!(!ran.is_empty(), "{}: routed to the licensing state", app.id);
        assert!(ran.iter().all(|e| e.fault.is_none()), "{}: {ran:?}", app.id);
        assert!(decision.evaluations.iter().all(|e| e.fault.is_none()));
        native.clear();
        attest_rules::comparison::run(&app, &mut native);
        let expected: Vec<&str> = native.iter().map(|f| f.rule.as_str()).collect();
        let fired: Vec<&str> = decision
            .findings
            .iter()
            .filter(|f| f.policy == "comparison")
            .map(|f| f.rule.as_str())
            .collect();
        assert_eq!(fired, expected.repeat(ran.len()), "{}", app.id);
    }
}
