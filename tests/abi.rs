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
