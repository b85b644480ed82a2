//! The ABI encoding: what the host writes the guest reads back exactly, and
//! damaged bytes on either side are errors, never panics or huge
//! allocations.

mod common;
use attest_rules::abi::codec::{self, Request, Response};
use attest_rules::model::Role;
use attest_rules::reference::ReferenceData;
use attest_rules::{Effect, Instrument, Rule};
use common::*;

fn request_bytes() -> (Request, Vec<u8>) {
    let app = clean_export();
    let mut buf = Vec::new();
    codec::encode_request(date("2026-11-20"), c("GB"), Role::Export, &app, &mut buf);
    (
        Request {
            as_of: date("2026-11-20"),
            state: c("GB"),
            role: Role::Export,
            application: app,
        },
        buf,
    )
}

#[test]
fn a_request_round_trips_exactly() {
    let (request, bytes) = request_bytes();
    assert_eq!(codec::decode::<Request>(&bytes).unwrap(), request);
}

#[test]
fn every_truncation_of_a_request_is_an_error() {
    let (_, bytes) = request_bytes();
    for len in 0..bytes.len() {
        assert!(
            codec::decode::<Request>(&bytes[..len]).is_err(),
            "truncated to {len} bytes decoded"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(codec::decode::<Request>(&longer)
        .unwrap_err()
        .to_string()
        .contains("unexpected bytes"));
}

#[test]
fn flipped_bytes_in_a_response_never_panic() {
    let rule = Rule {
        id: "x.1",
        instrument: Instrument::Att,
        article: "6(1)",
        checks: "",
    };
    let mut good = Vec::new();
    let finding = rule
        .finding(Effect::Deny, "message".into())
        .at("route.destination");
    codec::encode(
        &Response::Findings(vec![finding.clone(), finding]),
        &mut good,
    );
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20_000 {
        let mut bytes = good.clone();
        for _ in 0..3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let at = (state % bytes.len() as u64) as usize;
            bytes[at] = (state >> 32) as u8;
        }
        let _ = codec::decode::<Response>(&bytes);
    }
}

#[test]
fn reference_data_round_trips() {
    let lib = attest::reference::Library::load(&attest::config::Config::default().data).unwrap();
    let mut bytes = Vec::new();
    codec::encode(&lib.data, &mut bytes);
    assert_eq!(codec::decode::<ReferenceData>(&bytes).unwrap(), lib.data);
}

/// docs/abi.md lists every enumeration with its codes in code order.
#[test]
fn the_abi_document_lists_every_code_as_the_code_assigns_it() {
    use attest_rules::model::*;
    use attest_rules::reference::*;
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/abi.md")).unwrap();
    fn row<T: Copy + std::fmt::Display>(name: &str, all: &[T]) -> String {
        let codes: Vec<String> = all
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{i} `{v}`"))
            .collect();
        format!("| `{name}` | {} |", codes.join(", "))
    }
    let rows = [
        row("TransferKind", TransferKind::ALL),
        row("Role", Role::ALL),
        row("Permanence", Permanence::ALL),
        row("TemporaryPurpose", TemporaryPurpose::ALL),
        row("ApplicantKind", ApplicantKind::ALL),
        row("Transport", Transport::ALL),
        row("PartyRole", PartyRole::ALL),
        row("PartyType", PartyType::ALL),
        row("ItemKind", ItemKind::ALL),
        row("AttCategory", AttCategory::ALL),
        row("Manufacture", Manufacture::ALL),
        row("EndUsePurpose", EndUsePurpose::ALL),
        row("SaleChannel", SaleChannel::ALL),
        row("Payment", Payment::ALL),
        row("Instrument", Instrument::ALL),
        row("Effect", Effect::ALL),
        row("Regime", Regime::ALL),
        row("EmbargoScope", EmbargoScope::ALL),
        row("Direction", Direction::ALL),
        row("Treaty", Treaty::ALL),
        row("ParticipationStatus", ParticipationStatus::ALL),
        row("Concern", Concern::ALL),
        row("RiskLevel", RiskLevel::ALL),
    ];
    for r in rows {
        assert!(doc.contains(&r), "docs/abi.md lacks or misorders:\n{r}");
    }
}

/// Asserts that the view of `bytes` shows exactly `req`.
fn assert_view_shows(bytes: &[u8], req: &Request) {
    use attest_rules::abi::view::RequestView;
    let (view, app) = (RequestView::parse(bytes).unwrap(), &req.application);
    assert_eq!(
        (view.as_of, view.state, view.role),
        (req.as_of, req.state, req.role)
    );
    assert_eq!(view.id.as_str(), app.id);
    assert_eq!(
        (view.kind, view.licensing_state, view.submitted),
        (app.kind, app.licensing_state, app.submitted)
    );
    assert_eq!(
        (view.origin, view.destination, view.transport),
        (app.route.origin, app.route.destination, app.route.transport)
    );
    assert_eq!(view.transit.iter().collect::<Vec<_>>(), app.route.transit);
    let parties: Vec<_> = view
        .parties
        .iter()
        .map(|p| {
            (
                p.role,
                p.name.as_str().to_string(),
                p.state,
                p.party_type,
                p.registration.map(|r| r.as_str().to_string()),
            )
        })
        .collect();
    let expected: Vec<_> = app
        .parties
        .iter()
        .map(|p| {
            (
                p.role,
                p.name.clone(),
                p.state,
                p.party_type,
                p.registration.clone(),
            )
        })
        .collect();
    assert_eq!(parties, expected);
    assert_eq!(view.goods.len(), app.goods.len());
    for (g, want) in view.goods.iter().zip(&app.goods) {
        assert_eq!(g.description.as_str(), want.description);
        assert_eq!((g.item, g.att_category), (want.item, want.att_category));
        assert_eq!(
            g.control_entry.map(|t| t.as_str()),
            want.control_entry.as_deref()
        );
        assert_eq!((g.quantity, g.unit_value), (want.quantity, want.unit_value));
        assert_eq!(g.currency.map(|t| t.as_str()), want.currency.as_deref());
        assert_eq!(
            (g.manufacture, g.deactivated),
            (want.manufacture, want.deactivated)
        );
        assert_eq!(g.marked, want.marking.is_some());
    }
    assert_eq!(view.import_licence, app.documents.import_licence.is_some());
    assert_eq!(
        view.end_user_certificate,
        app.documents.end_user_certificate.is_some()
    );
}

/// The in-place view reads exactly what decoding reads, on varied requests.
#[test]
fn the_in_place_view_agrees_with_the_decoded_request() {
    let mut buf = Vec::new();
    for n in 0..2_000 {
        let app = attest::workload::application(3, n);
        codec::encode_request(app.submitted, c("GB"), Role::Transit, &app, &mut buf);
        let request = codec::decode::<Request>(&buf).unwrap();
        assert_view_shows(&buf, &request);
    }
}

/// The view refuses every truncation and trailing bytes, accepts every
/// request decoding accepts and then shows what decoding shows, and never
/// panics on damaged bytes.
#[test]
fn the_in_place_view_refuses_malformed_requests() {
    use attest_rules::abi::view::RequestView;
    let (_, bytes) = request_bytes();
    for len in 0..bytes.len() {
        assert!(
            RequestView::parse(&bytes[..len]).is_err(),
            "prefix of {len} bytes"
        );
    }
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(RequestView::parse(&trailing).is_err());
    for at in 0..bytes.len() {
        for value in [0u8, 1, 2, 0x7f, 0xc3, 0xff] {
            let mut damaged = bytes.clone();
            damaged[at] = value;
            if let Ok(request) = codec::decode::<Request>(&damaged) {
                assert_view_shows(&damaged, &request);
            }
        }
    }
}

/// Codes the view exposes are checked when it is parsed; strings when a
/// policy reads them, and a damaged one stops the evaluation (in a
/// plug-in, a trap the host reports as a fault: refer); the content of
/// what it does not expose (the applicant) is not checked at all, because
/// no policy reading the view can see it.
#[test]
fn the_in_place_view_checks_what_a_policy_reads() {
    use attest_rules::abi::view::RequestView;
    let (request, bytes) = request_bytes();
    let app = &request.application;
    // Where a string's bytes start, found with its length prefix so that
    // a name cannot match inside a longer one.
    let find = |text: &str| {
        let mut encoded = (text.len() as u32).to_le_bytes().to_vec();
        encoded.extend_from_slice(text.as_bytes());
        4 + bytes
            .windows(encoded.len())
            .position(|w| w == encoded)
            .unwrap_or_else(|| panic!("{text} is in the request"))
    };
    let damage = |at: usize| {
        let mut damaged = bytes.clone();
        damaged[at] = 0xff;
        damaged
    };
    // The end user's type code follows its name and its state's two bytes.
    let end_user = &app.parties[1];
    let code_at = find(&end_user.name) + end_user.name.len() + 2;
    let bad_code = damage(code_at);
    assert!(codec::decode::<Request>(&bad_code).is_err());
    assert!(RequestView::parse(&bad_code).is_err());

    let bad_name = damage(find(&end_user.name));
    assert!(codec::decode::<Request>(&bad_name).is_err());
    let view = RequestView::parse(&bad_name).unwrap();
    let name = view.parties.iter().nth(1).unwrap().name;
    assert!(name.to_str().is_err());
    assert!(std::panic::catch_unwind(|| name.as_str()).is_err());

    let bad_applicant = damage(find(&app.applicant.name));
    assert!(codec::decode::<Request>(&bad_applicant).is_err());
    assert!(RequestView::parse(&bad_applicant).is_ok());
}
