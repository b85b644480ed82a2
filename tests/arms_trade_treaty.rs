//! Arms Trade Treaty rules and the COP res. 10/2 flags, one application
//! built for each.

mod common;
use attest_rules::model::*;
use common::*;

fn export_to(app: &mut Application, destination: &str) {
    let d = c(destination);
    app.route.destination = d;
    app.route.transit.clear();
    app.documents.transit_consent.clear();
    for p in &mut app.parties {
        p.state = d;
    }
    app.documents.import_licence.as_mut().unwrap().issued_by = d;
    app.documents
        .end_user_certificate
        .as_mut()
        .unwrap()
        .issued_by = d;
}

#[test]
fn art_6_1_export_to_a_state_under_a_un_arms_embargo_on_all_end_users_is_denied() {
    let mut app = clean_export();
    export_to(&mut app, "KP");
    let f = assert_finding(
        &screen(&app),
        "deny",
        "att.6-1.un-arms-embargo",
        "deny",
        "ATT",
        "6(1)",
    );
    assert!(
        f.message.contains("S/RES/2270 (2016)") && f.message.contains("all end users"),
        "{}",
        f.message
    );
    assert_eq!(f.evidence, ["route.destination", "goods[0]"]);
}

#[test]
fn art_6_1_non_government_embargo_denies_a_commercial_end_user() {
    let mut app = clean_export();
    export_to(&mut app, "LB");
    app.parties[1].party_type = PartyType::Commercial;
    let f = assert_finding(
        &screen(&app),
        "deny",
        "att.6-1.un-arms-embargo",
        "deny",
        "ATT",
        "6(1)",
    );
    assert!(f.message.contains("non-governmental"), "{}", f.message);
    assert!(
        f.evidence.contains(&"parties[1].type".to_string()),
        "{:?}",
        f.evidence
    );
}

#[test]
fn art_6_1_non_government_embargo_does_not_deny_the_government_but_art_7_assesses() {
    let mut app = clean_export();
    export_to(&mut app, "LB");
    let d = screen(&app);
    assert_silent(&d, "att.6-1.un-arms-embargo");
    let f = assert_finding(
        &d,
        "refer",
        "att.7-1.export-assessment",
        "refer",
        "ATT",
        "7(1)",
    );
    assert!(f.message.contains("UN-LB"), "{}", f.message);
}

#[test]
fn art_6_1_an_embargo_on_major_arms_only_does_not_deny_pistols() {
    let mut app = clean_export();
    export_to(&mut app, "IR");
    app.goods[0].description = "9 mm pistols".into();
    let d = screen(&app);
    assert_silent(&d, "att.6-1.un-arms-embargo");
    assert_eq!(d.outcome.as_str(), "approve");
}

#[test]
fn art_6_1_an_embargo_on_major_arms_denies_their_parts_under_art_4() {
    let mut app = clean_export();
    export_to(&mut app, "IR");
    app.goods[0].item = ItemKind::Part;
    app.goods[0].att_category = Some(AttCategory::CombatAircraft);
    let f = assert_finding(
        &screen(&app),
        "deny",
        "att.6-1.un-arms-embargo",
        "deny",
        "ATT",
        "6(1)",
    );
    assert!(
        f.message.contains("parts and components (ATT Art. 4)"),
        "{}",
        f.message
    );
}

#[test]
fn art_6_1_ammunition_is_covered_under_art_3() {
    let mut app = clean_export();
    export_to(&mut app, "SS");
    app.goods[0].item = ItemKind::Ammunition;
    let f = assert_finding(
        &screen(&app),
        "deny",
        "att.6-1.un-arms-embargo",
        "deny",
        "ATT",
        "6(1)",
    );
    assert!(
        f.message.contains("ammunition (ATT Art. 3)"),
        "{}",
        f.message
    );
}

#[test]
fn art_6_1_approval_required_regime_refers() {
    let mut app = clean_export();
    export_to(&mut app, "IR");
    app.goods[0].att_category = Some(AttCategory::BattleTanks);
    let d = screen_as_of(&app, "2018-05-01");
    let f = assert_finding(
        &d,
        "refer",
        "att.6-1.un-arms-embargo",
        "refer",
        "ATT",
        "6(1)",
    );
    assert!(
        f.message.contains("prior Security Council approval"),
        "{}",
        f.message
    );
}

#[test]
fn art_6_1_an_embargo_lifted_in_2004_denies_in_2002_and_not_in_2010_citing_unsc_before_gb_joined_the_att(
) {
    let mut app = clean_export();
    export_to(&mut app, "IQ");
    app.parties[1].party_type = PartyType::ArmedForces;
    let before = screen_as_of(&app, "2002-03-01");
    let f = assert_finding(
        &before,
        "deny",
        "att.6-1.un-arms-embargo",
        "deny",
        "UNSC",
        "S/RES/661 (1990)",
    );
    assert!(f.message.contains("S/RES/661 (1990)"), "{}", f.message);
    let after = screen_as_of(&app, "2010-03-01");
    assert_silent(&after, "att.6-1.un-arms-embargo");
}

#[test]
fn art_6_1_a_date_inside_a_month_only_window_refers_instead_of_guessing_citing_unsc() {
    // UN-SO was established in January 1992; the day is not confirmed.
    let mut app = clean_export();
    export_to(&mut app, "SO");
    let f = assert_finding(
        &screen_as_of(&app, "1992-01-10"),
        "refer",
        "att.6-1.un-arms-embargo",
        "refer",
        "UNSC",
        "S/RES/733 (1992)",
    );
    assert!(f.message.contains("do not settle"), "{}", f.message);
}

#[test]
fn art_6_1_procurement_from_a_state_under_a_from_embargo_is_denied() {
    let mut app = clean_export();
    app.kind = TransferKind::Import;
    app.route.origin = c("IR");
    app.goods[0].att_category = Some(AttCategory::SmallArms);
    let f = assert_finding(
        &screen_as_of(&app, "2010-01-01"),
        "deny",
        "att.6-1.un-arms-embargo",
        "deny",
        "UNSC",
        "S/RES/1747 (2007)",
    );
    assert!(f.message.starts_with("Origin IR"), "{}", f.message);
}

#[test]
fn art_6_1_a_regional_embargo_refers_because_the_region_is_not_in_the_application() {
    let mut app = clean_export();
    export_to(&mut app, "SD");
    let f = assert_finding(
        &screen(&app),
        "refer",
        "att.6-1.un-arms-embargo",
        "refer",
        "ATT",
        "6(1)",
    );
    assert!(f.message.contains("Darfur"), "{}", f.message);
}

// XM (fictional) in data/risk-register.toml: atrocity_crimes medium from
// 2024-03-01, high from 2025-06-01.

#[test]
fn art_6_3_export_to_a_state_the_authority_knows_would_use_the_arms_in_atrocity_crimes_is_denied() {
    let mut app = clean_export();
    export_to(&mut app, "XM");
    let d = screen_as_of(&app, "2026-11-20");
    let f = assert_finding(&d, "deny", "att.6-3.atrocity-crimes", "deny", "ATT", "6(3)");
    assert!(
        f.message.contains("atrocity_crimes in XM high")
            && f.message
                .contains("Fictional authority assessment XM/2025/1"),
        "{}",
        f.message
    );
    // The destination and the end user are both in XM: cited once.
    assert_eq!(findings(&d, "att.6-3.atrocity-crimes").len(), 1);
    assert_eq!(f.evidence, ["route.destination"]);
}

#[test]
fn art_6_3_information_short_of_knowledge_refers_and_before_any_assessment_nothing_fires() {
    let mut app = clean_export();
    export_to(&mut app, "XM");
    let f = assert_finding(
        &screen_as_of(&app, "2024-06-01"),
        "refer",
        "att.6-3.atrocity-crimes",
        "refer",
        "ATT",
        "6(3)",
    );
    assert!(f.message.contains("XM/2024/1"), "{}", f.message);
    assert_silent(&screen_as_of(&app, "2024-02-29"), "att.6-3.atrocity-crimes");
}

#[test]
fn art_6_3_binds_an_import_whose_ultimate_end_user_is_in_a_state_of_atrocity_crimes() {
    // Art. 6 forbids authorising any transfer (Art. 2(2)), not only exports:
    // GB importing goods bound onward to XM is denied, citing the party.
    let mut app = clean_export();
    app.kind = TransferKind::Import;
    app.route.origin = c("US");
    export_to(&mut app, "GB");
    app.parties.push(Party {
        role: PartyRole::UltimateEndUser,
        name: "Interior Ministry of XM".into(),
        state: c("XM"),
        party_type: PartyType::Government,
        registration: None,
    });
    let d = screen_as_of(&app, "2026-11-20");
    let f = assert_finding(&d, "deny", "att.6-3.atrocity-crimes", "deny", "ATT", "6(3)");
    assert_eq!(f.evidence, ["parties[2].state"]);
    assert!(
        d.evaluations.iter().any(|e| *e.policy == *"att"
            && e.role == Role::Import
            && e.outcome == attest_rules::Outcome::Deny),
        "{:#?}",
        d.evaluations
    );
}

#[test]
fn art_11_2_an_individual_end_user_receiving_a_military_quantity_is_referred() {
    let mut app = clean_export();
    app.parties[1].party_type = PartyType::Individual;
    let f = assert_finding(
        &screen(&app),
        "refer",
        "att.11-2.military-quantity",
        "refer",
        "ATT",
        "11(2)",
    );
    assert!(f.message.contains("200 firearms"), "{}", f.message);
}

#[test]
fn art_11_2_a_commercial_end_user_receiving_light_weapons_is_referred() {
    let mut app = clean_export();
    app.parties[1].party_type = PartyType::Commercial;
    app.goods[0].att_category = Some(AttCategory::LightWeapons);
    assert_finding(
        &screen(&app),
        "refer",
        "att.11-2.military-quantity",
        "refer",
        "ATT",
        "11(2)",
    );
}

#[test]
fn art_11_2_a_non_state_armed_group_recipient_is_referred() {
    let mut app = clean_export();
    app.parties[0].party_type = PartyType::NonStateArmedGroup;
    assert_finding(
        &screen(&app),
        "refer",
        "att.11-2.non-state-armed-group",
        "refer",
        "ATT",
        "11(2)",
    );
}

#[test]
fn art_11_2_missing_end_user_certificate_is_referred() {
    let mut app = clean_export();
    app.documents.end_user_certificate = None;
    assert_finding(
        &screen(&app),
        "refer",
        "att.11-2.end-user-certificate",
        "refer",
        "ATT",
        "11(2)",
    );
}

#[test]
fn art_11_2_unauthenticated_end_user_certificate_is_referred() {
    let mut app = clean_export();
    app.documents
        .end_user_certificate
        .as_mut()
        .unwrap()
        .authenticated = false;
    let f = assert_finding(
        &screen(&app),
        "refer",
        "att.11-2.end-user-certificate",
        "refer",
        "ATT",
        "11(2)",
    );
    assert_eq!(f.evidence, ["documents.end_user_certificate.authenticated"]);
}

#[test]
fn art_11_2_certificate_without_no_reexport_clause_is_referred() {
    let mut app = clean_export();
    app.documents
        .end_user_certificate
        .as_mut()
        .unwrap()
        .no_reexport_clause = false;
    assert_finding(
        &screen(&app),
        "refer",
        "att.11-2.re-export-clause",
        "refer",
        "ATT",
        "11(2)",
    );
}

#[test]
fn art_11_2_ultimate_end_user_outside_the_destination_is_referred() {
    let mut app = clean_export();
    app.parties.push(Party {
        role: PartyRole::UltimateEndUser,
        name: "Somewhere Else Police".into(),
        state: c("UG"),
        party_type: PartyType::Police,
        registration: None,
    });
    let f = assert_finding(
        &screen(&app),
        "refer",
        "att.11-2.ultimate-end-user-elsewhere",
        "refer",
        "ATT",
        "11(2)",
    );
    assert_eq!(f.evidence, ["parties[2].state"]);
}

/// The clean example routed through `via` after France.
fn through(via: &str) -> Application {
    let mut app = clean_export();
    route_through(&mut app, via);
    app
}

#[test]
fn art_11_2_transit_through_a_state_under_a_un_arms_embargo_is_referred() {
    let d = screen_as_of(&through("LY"), "2026-11-20");
    let f = assert_finding(
        &d,
        "refer",
        "att.11-2.embargoed-transit",
        "refer",
        "ATT",
        "11(2)",
    );
    assert!(
        f.message
            .starts_with("Transit state LY is under the UN arms embargo of S/RES/")
            && f.message.contains("UN-LY-2011"),
        "{}",
        f.message
    );
    assert_eq!(f.evidence, ["route.transit[1]"]);
    // Not a prohibition: Art. 6(1) is about supplies to the embargoed state.
    assert_silent(&d, "att.6-1.un-arms-embargo");
}

#[test]
fn art_11_2_transit_is_not_referred_outside_the_embargo_s_dates_or_coverage() {
    // The 1992 Libya embargo was lifted in 2003; the 2011 one came later.
    assert_silent(
        &screen_as_of(&through("LY"), "2006-06-01"),
        "att.11-2.embargoed-transit",
    );
    // The DPRK embargo covered major arms only before 2009: not rifles.
    assert_silent(
        &screen_as_of(&through("KP"), "2007-06-01"),
        "att.11-2.embargoed-transit",
    );
    assert_finding(
        &screen_as_of(&through("KP"), "2026-11-20"),
        "refer",
        "att.11-2.embargoed-transit",
        "refer",
        "ATT",
        "11(2)",
    );
}

#[test]
fn cop_10_2_para_14_three_d_printed_firearms_are_referred() {
    let mut app = clean_export();
    app.goods[0].manufacture = Manufacture::ThreeDPrinted;
    let f = assert_finding(
        &screen(&app),
        "refer",
        "cop.10-2-14.manufacture",
        "refer",
        "COP-10/2",
        "para. 14",
    );
    assert!(f.message.contains("3d_printed"));
}

#[test]
fn cop_10_2_para_14_converted_modular_and_reactivated_firearms_are_referred() {
    for m in [
        Manufacture::Converted,
        Manufacture::Modular,
        Manufacture::Reactivated,
        Manufacture::Craft,
    ] {
        let mut app = clean_export();
        app.goods[0].manufacture = m;
        assert_finding(
            &screen(&app),
            "refer",
            "cop.10-2-14.manufacture",
            "refer",
            "COP-10/2",
            "para. 14",
        );
    }
}

#[test]
fn cop_10_2_para_14_postal_and_courier_shipments_are_referred() {
    for t in [Transport::Postal, Transport::Courier] {
        let mut app = clean_export();
        app.route.transport = t;
        assert_finding(
            &screen(&app),
            "refer",
            "cop.10-2-14.postal-transport",
            "refer",
            "COP-10/2",
            "para. 14",
        );
    }
}

#[test]
fn cop_10_2_para_14_online_sales_are_referred() {
    let mut app = clean_export();
    app.sale.as_mut().unwrap().channel = Some(SaleChannel::Online);
    assert_finding(
        &screen(&app),
        "refer",
        "cop.10-2-14.online-sale",
        "refer",
        "COP-10/2",
        "para. 14",
    );
}

#[test]
fn cop_10_2_para_14_cryptocurrency_payments_are_referred() {
    let mut app = clean_export();
    app.sale.as_mut().unwrap().payment = Some(Payment::Cryptocurrency);
    assert_finding(
        &screen(&app),
        "refer",
        "cop.10-2-14.cryptocurrency-payment",
        "refer",
        "COP-10/2",
        "para. 14",
    );
}

/// The embargo checks look only at the embargoes the list's index says
/// target one of the application's states, and pass over one when the set
/// of states the application involves (gathered once per application)
/// holds none of its targets in its direction. Both shortcuts must agree
/// exactly with walking the application for each embargo, or an embargoed
/// transfer could be approved.
#[test]
fn the_involved_states_shortcut_agrees_with_walking_each_application() {
    use attest_rules::checks::embargo::{involvement, Involved};
    use attest_rules::reference::Direction;
    let library = attest::reference::Library::load(&attest::config::Config::default().data)
        .expect("bundled data loads");
    let all: Vec<String> = [
        "un-arms-embargoes",
        "eu-arms-embargoes",
        "national-embargoes",
    ]
    .map(String::from)
    .to_vec();
    let embargoes = library.subset(&all).embargoes;
    let from_targets: Vec<Country> = embargoes
        .iter()
        .filter(|e| e.direction == Direction::From)
        .flat_map(|e| e.targets.iter().copied())
        .collect();
    assert!(
        !from_targets.is_empty(),
        "the bundled data has a `from` embargo"
    );
    let mut involved_count = [0usize; 2];
    for i in 0..3_000 {
        let mut app = attest::workload::application(11, i);
        // Every third application comes from a state under a `from` embargo.
        if i % 3 == 0 {
            app.route.origin = from_targets[i as usize % from_targets.len()];
        }
        let involved = Involved::of(&app);
        // The index finds every embargo that involves the application, in
        // the list's order; it may offer more, which `targeted` refuses.
        let walked: Vec<&str> = embargoes
            .iter()
            .filter(|e| involvement(&app, e).is_some())
            .map(|e| e.id.as_str())
            .collect();
        let indexed: Vec<&str> = involved
            .candidates(&embargoes)
            .filter(|e| involved.targeted(e))
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(indexed, walked, "application {i}");
        for e in &embargoes {
            let walked = involvement(&app, e).is_some();
            assert_eq!(
                involved.targeted(e),
                walked,
                "application {i} ({:?}) and embargo {}",
                app.id,
                e.id
            );
            involved_count[usize::from(e.direction == Direction::From)] += usize::from(walked);
        }
    }
    assert!(
        involved_count.iter().all(|&n| n > 100),
        "too few involved applications to test: {involved_count:?}"
    );
}
