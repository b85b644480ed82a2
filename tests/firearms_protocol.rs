//! UN Firearms Protocol rules, one application built for each article.

mod common;
use attest_rules::model::*;
use common::*;

/// The clean example, exported by Belgium instead of the United Kingdom:
/// Belgium is a party to the Firearms Protocol (in force 2005-07-03), the
/// UK only a signatory, so FP findings bind Belgium and not the UK.
fn export() -> Application {
    let mut app = clean_export();
    app.licensing_state = c("BE");
    app.route.origin = c("BE");
    app.applicant.state = c("BE");
    app
}

#[test]
fn the_clean_example_export_is_approved_with_no_findings() {
    let d = screen(&clean_export());
    assert_eq!(d.outcome.as_str(), "approve");
    assert!(d.findings.is_empty(), "{:#?}", d.findings);
}

#[test]
fn art_10_2_a_export_without_import_licence_is_referred() {
    let mut app = export();
    app.documents.import_licence = None;
    let f = assert_finding(
        &screen(&app),
        "refer",
        "fp.10-2-a.import-licence",
        "refer",
        "FP",
        "10(2)(a)",
    );
    assert_eq!(f.evidence, ["documents.import_licence"]);
    assert!(f.message.contains("KE"), "{}", f.message);
}

#[test]
fn art_10_2_a_import_licence_issued_by_another_state_is_referred() {
    let mut app = export();
    app.documents.import_licence.as_mut().unwrap().issued_by = c("TZ");
    let f = assert_finding(
        &screen(&app),
        "refer",
        "fp.10-2-a.import-licence",
        "refer",
        "FP",
        "10(2)(a)",
    );
    assert_eq!(f.evidence, ["documents.import_licence.issued_by"]);
}

#[test]
fn art_10_2_a_import_licence_expired_before_the_screening_date_is_referred() {
    let mut app = export();
    app.documents.import_licence.as_mut().unwrap().valid_until = Some(date("2026-01-31"));
    let f = assert_finding(
        &screen(&app),
        "refer",
        "fp.10-2-a.import-licence",
        "refer",
        "FP",
        "10(2)(a)",
    );
    assert!(f.message.contains("expired on 2026-01-31"), "{}", f.message);
}

#[test]
fn art_10_2_b_transit_state_without_written_no_objection_is_referred() {
    let mut app = export();
    app.route.transit.push(c("AE"));
    let f = assert_finding(
        &screen(&app),
        "refer",
        "fp.10-2-b.transit-consent",
        "refer",
        "FP",
        "10(2)(b)",
    );
    assert_eq!(f.evidence[0], "route.transit[1]");
    assert!(f.message.contains("AE"));
    assert_eq!(
        findings(&screen(&app), "fp.10-2-b.transit-consent").len(),
        1,
        "FR consented"
    );
}

#[test]
fn art_10_3_import_licence_without_expiry_date_is_referred() {
    let mut app = export();
    app.documents.import_licence.as_mut().unwrap().valid_until = None;
    let f = assert_finding(
        &screen(&app),
        "refer",
        "fp.10-3.licence-content",
        "refer",
        "FP",
        "10(3)",
    );
    assert_eq!(f.evidence, ["documents.import_licence.valid_until"]);
}

#[test]
fn art_10_3_goods_without_description_are_referred() {
    let mut app = export();
    app.goods[0].description = "  ".into();
    let f = assert_finding(
        &screen(&app),
        "refer",
        "fp.10-3.licence-content",
        "refer",
        "FP",
        "10(3)",
    );
    assert_eq!(f.evidence, ["goods[0].description"]);
}

#[test]
fn art_10_5_an_end_user_certificate_not_authenticated_is_referred_for_verification() {
    let mut app = export();
    let cert = app.documents.end_user_certificate.as_mut().unwrap();
    cert.authenticated = false;
    let number = cert.number.clone();
    let d = screen(&app);
    let f = assert_finding(
        &d,
        "refer",
        "fp.10-5.document-authenticity",
        "refer",
        "FP",
        "10(5)",
    );
    assert!(f.binding);
    assert_eq!(
        f.message,
        format!("End-user certificate {number} has not been authenticated: verify it with the issuing authority")
    );
    assert_eq!(f.evidence, ["documents.end_user_certificate.authenticated"]);
    // Authenticated, or no certificate at all (ATT Art. 11(2)'s finding):
    // nothing under Art. 10(5).
    assert_silent(&screen(&export()), "fp.10-5.document-authenticity");
    app.documents.end_user_certificate = None;
    assert_silent(&screen(&app), "fp.10-5.document-authenticity");
}

#[test]
fn art_10_4_without_delivery_verification_receipt_becomes_a_licence_condition() {
    let mut app = export();
    app.documents.delivery_verification = None;
    let d = screen(&app);
    assert_finding(
        &d,
        "approve",
        "fp.10-4.delivery-verification",
        "condition",
        "FP",
        "10(4)",
    );
}

#[test]
fn art_10_6_temporary_export_for_sport_shooting_is_conditioned_on_return() {
    let mut app = export();
    app.permanence = Permanence::Temporary;
    app.temporary_purpose = Some(TemporaryPurpose::SportShooting);
    let f = assert_finding(
        &screen(&app),
        "approve",
        "fp.10-6.temporary-purpose",
        "condition",
        "FP",
        "10(6)",
    );
    assert!(f.message.contains("sport_shooting"));
}

#[test]
fn art_8_unmarked_firearm_is_denied_as_illicit_under_art_3_e_ii() {
    let mut app = export();
    app.goods[0].marking = None;
    let f = assert_finding(
        &screen(&app),
        "deny",
        "fp.8-1-a.marking",
        "deny",
        "FP",
        "8(1)(a)",
    );
    assert!(f.message.contains("3(e)(ii)"), "{}", f.message);
    assert_eq!(f.evidence, ["goods[0].marking"]);
}

#[test]
fn art_8_firearm_without_serial_numbers_is_incompletely_marked_and_denied() {
    let mut app = export();
    app.goods[0].marking.as_mut().unwrap().serial_numbers = false;
    let f = assert_finding(
        &screen(&app),
        "deny",
        "fp.8-1-a.marking",
        "deny",
        "FP",
        "8(1)(a)",
    );
    assert!(f.message.contains("unique serial number"), "{}", f.message);
}

#[test]
fn art_8_ammunition_needs_no_firearm_marking() {
    let mut app = export();
    app.goods[0].item = ItemKind::Ammunition;
    app.goods[0].marking = None;
    assert_silent(&screen(&app), "fp.8-1-a.marking");
}

#[test]
fn art_8_1_b_import_of_firearms_without_import_marking_is_conditioned() {
    let mut app = export();
    app.kind = TransferKind::Import;
    app.licensing_state = c("KE");
    app.goods[0].marking.as_mut().unwrap().import_marking = false;
    let d = screen(&app);
    assert_finding(
        &d,
        "approve",
        "fp.8-1-b.import-marking",
        "condition",
        "FP",
        "8(1)(b)",
    );
    assert_eq!(
        (
            d.evaluations[0].state.as_str(),
            d.evaluations[0].role.as_str()
        ),
        ("KE", "import")
    );
}

#[test]
fn art_9_deactivated_firearm_is_referred_for_verification_of_deactivation() {
    let mut app = export();
    app.goods[0].deactivated = true;
    assert_finding(
        &screen(&app),
        "refer",
        "fp.9.deactivation",
        "refer",
        "FP",
        "9",
    );
}

#[test]
fn art_15_unregistered_broker_is_referred() {
    let mut app = export();
    app.parties.push(Party {
        role: PartyRole::Broker,
        name: "Example Brokers".into(),
        state: c("AE"),
        party_type: PartyType::Commercial,
        registration: None,
    });
    let f = assert_finding(
        &screen(&app),
        "refer",
        "fp.15-1-a.broker-registration",
        "refer",
        "FP",
        "15(1)(a)",
    );
    assert_eq!(f.evidence, ["parties[2].registration"]);
}

#[test]
fn art_15_brokering_application_without_applicant_registration_is_referred() {
    let mut app = export();
    app.kind = TransferKind::Brokering;
    app.applicant.kind = ApplicantKind::Broker;
    app.applicant.registration = None;
    let f = assert_finding(
        &screen(&app),
        "refer",
        "fp.15-1-a.broker-registration",
        "refer",
        "FP",
        "15(1)(a)",
    );
    assert_eq!(f.evidence, ["applicant.registration"]);
}

#[test]
fn goods_outside_art_3_get_no_firearms_protocol_findings() {
    let mut app = export();
    app.goods[0].item = ItemKind::Accessory;
    app.documents.import_licence = None;
    let d = screen(&app);
    assert!(
        d.findings.iter().all(|f| f.instrument != "FP"),
        "{:#?}",
        d.findings
    );
}

/// Belgium's government selling to Kenya's police (the example's consignee
/// and end user): a state-to-state transaction.
fn government_sale() -> Application {
    let mut app = export();
    app.applicant.kind = ApplicantKind::Government;
    app.applicant.registration = None;
    app
}

/// `app` with its first firearm unmarked: the FP marking finding refers,
/// is not binding, and its message ends by saying `why`.
#[track_caller]
fn assert_unmarked_firearm_refers_as_not_binding(mut app: Application, why: &str) {
    app.goods[0].marking = None;
    let d = screen(&app);
    let f = assert_finding(&d, "refer", "fp.8-1-a.marking", "refer", "FP", "8(1)(a)");
    assert!(!f.binding);
    assert!(f.message.ends_with(why), "{}", f.message);
    assert_eq!(f.evidence, ["goods[0].marking"]);
}

#[test]
fn art_4_2_a_state_to_state_sale_is_outside_the_protocol_so_an_unmarked_firearm_refers() {
    assert_unmarked_firearm_refers_as_not_binding(
        government_sale(),
        "(not binding: a state-to-state transaction, outside the Firearms Protocol under its Art. 4(2))",
    );
}

#[test]
fn art_4_2_a_private_recipient_keeps_the_protocol_binding_on_a_government_sale() {
    let mut app = government_sale();
    app.goods[0].marking = None;
    app.parties[1].party_type = PartyType::Commercial;
    let f = assert_finding(
        &screen(&app),
        "deny",
        "fp.8-1-a.marking",
        "deny",
        "FP",
        "8(1)(a)",
    );
    assert!(f.binding && !f.message.contains("4(2)"), "{}", f.message);
}

#[test]
fn art_4_2_is_not_inferred_where_the_format_cannot_show_two_states_dealing() {
    use attest_rules::checks::fp::is_state_to_state;
    assert!(is_state_to_state(&government_sale()));
    assert!(!is_state_to_state(&export()), "a manufacturer sells");
    let mut import = government_sale();
    import.kind = TransferKind::Import;
    assert!(
        !is_state_to_state(&import),
        "an import does not say who sells"
    );
    let mut brokered = government_sale();
    brokered.parties.push(Party {
        role: PartyRole::Broker,
        name: "A broker".into(),
        state: c("BE"),
        party_type: PartyType::Commercial,
        registration: Some("BE-BRK-1".into()),
    });
    assert!(!is_state_to_state(&brokered), "a broker intermediates");
    let mut armed_forces = government_sale();
    armed_forces.parties[1].party_type = PartyType::ArmedForces;
    assert!(is_state_to_state(&armed_forces));
}

#[test]
fn art_8_1_c_firearms_from_government_stocks_to_a_civilian_are_to_be_marked_with_the_transferring_country(
) {
    let mut app = government_sale();
    app.parties[1].party_type = PartyType::Commercial;
    let d = screen(&app);
    let f = assert_finding(
        &d,
        "approve", // a condition to attach, not a question for the officer
        "fp.8-1-c.government-stocks-marking",
        "condition",
        "FP",
        "8(1)(c)",
    );
    assert!(f.binding);
    assert!(
        f.message
            .contains("identify BE as the transferring country")
            && f.message
                .contains("commercial end user \"Kenya Police Service\""),
        "{}",
        f.message
    );
    assert_eq!(
        f.evidence,
        ["goods[0].marking", "applicant.kind", "parties[1].type"]
    );
    // Not from government stocks, to a state user, or for a while only:
    // no such marking is asked for.
    let mut dealer = app.clone();
    dealer.applicant.kind = ApplicantKind::Dealer;
    assert_silent(&screen(&dealer), "fp.8-1-c.government-stocks-marking");
    assert_silent(
        &screen(&government_sale()),
        "fp.8-1-c.government-stocks-marking",
    );
    let mut loan = app.clone();
    loan.permanence = Permanence::Temporary;
    assert_silent(&screen(&loan), "fp.8-1-c.government-stocks-marking");
}

#[test]
fn a_signatory_that_has_not_ratified_is_not_bound_so_an_unmarked_firearm_refers() {
    assert_unmarked_firearm_refers_as_not_binding(
        clean_export(),
        "(not binding on GB: not a party to the FP on 2026-11-20)",
    );
}

#[test]
fn fp_findings_bind_a_party_only_from_entry_into_force() {
    let mut app = export();
    app.goods[0].marking = None;
    let before = screen_as_of(&app, "2005-07-02");
    assert_finding(
        &before,
        "refer",
        "fp.8-1-a.marking",
        "refer",
        "FP",
        "8(1)(a)",
    );
    let after = screen_as_of(&app, "2005-07-03");
    assert!(assert_finding(&after, "deny", "fp.8-1-a.marking", "deny", "FP", "8(1)(a)").binding);
}
