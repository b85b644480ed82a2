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
        // Decoding into reused memory must agree with decoding afresh,
        // damaged bytes included.
        let mut reused = codec::Reused::default();
        let into = codec::decode_response_into(&bytes, &mut reused);
        match codec::decode::<Response>(&bytes) {
            Ok(Response::Findings(f)) => assert_eq!((into, reused.as_slice()), (Ok(None), &f[..])),
            Ok(Response::Failed(m)) => assert_eq!(into, Ok(Some(m))),
            Err(e) => assert_eq!((into, reused.as_slice()), (Err(e), &[][..])),
        }
    }
}

/// The host decodes each answer into the memory of the last one. Whatever
/// came before — more findings, fewer, longer strings, more evidence —
/// what it reads is exactly what decoding afresh reads.
#[test]
fn answers_decoded_into_reused_memory_are_the_answers_sent() {
    let rules = [("att.6-1.un-arms-embargo", "6(1)"), ("fp.10-2", "10(2)(a)")];
    let answers: Vec<Response> = (0..40u32)
        .map(|i| {
            let findings = (0..(i * 7 % 5))
                .map(|k| {
                    let (id, article) = rules[((i + k) % 2) as usize];
                    let rule = Rule {
                        id,
                        instrument: Instrument::Att,
                        article,
                        checks: "",
                    };
                    let mut f = rule.finding(Effect::Refer, "m".repeat((i * 13 % 40) as usize));
                    f.evidence = (0..(i + k) % 3).map(|e| format!("goods[{e}]")).collect();
                    f.binding = (i + k) % 4 != 0;
                    f
                })
                .collect();
            match i % 9 {
                8 => Response::Failed(format!("failure {i}")),
                _ => Response::Findings(findings),
            }
        })
        .collect();
    let mut reused = codec::Reused::default();
    let mut bytes = Vec::new();
    for answer in &answers {
        codec::encode(answer, &mut bytes);
        let into = codec::decode_response_into(&bytes, &mut reused).unwrap();
        match answer {
            Response::Findings(f) => assert_eq!((into, reused.as_slice()), (None, &f[..])),
            Response::Failed(m) => assert_eq!(into.as_ref(), Some(m)),
        }
    }
    // An answer cut short is an error and leaves nothing behind.
    codec::encode(&answers[4], &mut bytes);
    let cut = &bytes[..bytes.len() - 1];
    assert!(codec::decode_response_into(cut, &mut reused).is_err());
    assert!(reused.as_slice().is_empty());
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

/// Everything the in-place view shows of `bytes`, as text, or `None` if
/// it refuses them: at parse, or when a list or string is read.
fn shown_by_view(bytes: &[u8]) -> Option<String> {
    use attest_rules::abi::view::{RequestView, Text};
    let view = RequestView::parse(bytes).ok()?;
    let text = |t: Text<'_>| t.to_str().ok().map(str::to_string);
    let optional = |t: Option<Text<'_>>| t.map(text).map_or(Some(None), |t| t.map(Some));
    let mut out = format!(
        "{:?}",
        (
            (view.as_of, view.state, view.role, text(view.id)?),
            (view.kind, view.licensing_state, view.submitted),
            (view.origin, view.destination, view.transport),
            view.transit.items().collect::<Result<Vec<_>, _>>().ok()?,
            (view.import_licence, view.end_user_certificate),
        )
    );
    for p in view.parties.items() {
        let p = p.ok()?;
        let party = (p.role, text(p.name)?, p.state, p.party_type);
        out += &format!("\n{:?}", (party, optional(p.registration)?));
    }
    for g in view.goods.items() {
        let g = g.ok()?;
        let line = (text(g.description)?, g.item, g.att_category);
        let amounts = (optional(g.control_entry)?, g.quantity, g.unit_value);
        let rest = (
            optional(g.currency)?,
            g.manufacture,
            g.deactivated,
            g.marked,
        );
        out += &format!("\n{:?}", (line, amounts, rest));
    }
    Some(out)
}

/// What the view should show of `req`, in the form of [`shown_by_view`].
fn shown_by_request(req: &Request) -> String {
    let app = &req.application;
    let mut out = format!(
        "{:?}",
        (
            (req.as_of, req.state, req.role, app.id.clone()),
            (app.kind, app.licensing_state, app.submitted),
            (app.route.origin, app.route.destination, app.route.transport),
            app.route.transit.clone(),
            (
                app.documents.import_licence.is_some(),
                app.documents.end_user_certificate.is_some()
            ),
        )
    );
    for p in &app.parties {
        let party = (p.role, p.name.clone(), p.state, p.party_type);
        out += &format!("\n{:?}", (party, p.registration.clone()));
    }
    for g in &app.goods {
        let line = (g.description.clone(), g.item, g.att_category);
        let amounts = (g.control_entry.clone(), g.quantity, g.unit_value);
        let rest = (
            g.currency.clone(),
            g.manufacture,
            g.deactivated,
            g.marking.is_some(),
        );
        out += &format!("\n{:?}", (line, amounts, rest));
    }
    out
}

/// The in-place view reads exactly what decoding reads, on varied requests.
#[test]
fn the_in_place_view_agrees_with_the_decoded_request() {
    let mut buf = Vec::new();
    for n in 0..2_000 {
        let app = attest::workload::application(3, n);
        codec::encode_request(app.submitted, c("GB"), Role::Transit, &app, &mut buf);
        let request = codec::decode::<Request>(&buf).unwrap();
        assert_eq!(shown_by_view(&buf), Some(shown_by_request(&request)));
    }
}

/// The host encodes an application once per screening: re-addressing the
/// request gives the bytes encoding it for that state and role gives, and
/// the application part is the canonical encoding `input_sha256` hashes.
#[test]
fn a_readdressed_request_is_the_request_encoded_for_its_new_address() {
    let (mut fresh, mut reused, mut canonical) = (Vec::new(), Vec::new(), Vec::new());
    for n in 0..500 {
        let app = attest::workload::application(5, n);
        codec::encode_request(app.submitted, c("GB"), Role::Export, &app, &mut reused);
        codec::readdress_request(&mut reused, date("2031-02-03"), c("KE"), Role::Import);
        codec::encode_request(date("2031-02-03"), c("KE"), Role::Import, &app, &mut fresh);
        assert_eq!(reused, fresh, "application {n}");
        canonical.clear();
        codec::encode(&app, &mut canonical);
        assert_eq!(
            codec::application_bytes(&fresh),
            canonical,
            "application {n}"
        );
    }
    let mut short = vec![1, 2, 3];
    codec::readdress_request(&mut short, date("2031-02-03"), c("KE"), Role::Import);
    assert_eq!(short, [1, 2, 3], "bytes too short are left alone");
    assert!(codec::application_bytes(&short).is_empty());
}

/// The view never shows a value the request does not hold. On every
/// truncation and every damaged byte, it either refuses the bytes (at
/// parse, or when the damaged list or string is read) or shows what
/// decoding shows, or, where decoding fails on a part the view does not
/// expose, what the undamaged request shows. It never panics.
#[test]
fn the_in_place_view_never_shows_what_the_request_does_not_hold() {
    let (request, bytes) = request_bytes();
    let original = shown_by_request(&request);
    let check = |damaged: &[u8], what: &str| {
        let Some(shown) = shown_by_view(damaged) else {
            return;
        };
        match codec::decode::<Request>(damaged) {
            Ok(decoded) => assert_eq!(shown, shown_by_request(&decoded), "{what}"),
            Err(_) => assert_eq!(shown, original, "{what}"),
        }
    };
    for len in 0..bytes.len() {
        check(&bytes[..len], &format!("prefix of {len} bytes"));
    }
    // The last field (`sale`) is not exposed: a truncation inside it is
    // the view's only blind spot, and it shows the request unchanged. One
    // byte earlier, the table points past the end.
    let sale = codec::REQUEST_HEADER + 4 * attest_rules::Application::section("sale");
    let sale_at = u32::from_le_bytes(bytes[sale..sale + 4].try_into().unwrap()) as usize;
    assert_eq!(
        shown_by_view(&bytes[..bytes.len() - 1]),
        Some(original.clone())
    );
    assert!(shown_by_view(&bytes[..sale_at - 1]).is_none());
    let mut trailing = bytes.clone();
    trailing.push(0);
    check(&trailing, "a trailing byte");
    for at in 0..bytes.len() {
        for value in [0u8, 1, 2, 0x7f, 0xc3, 0xff] {
            let mut damaged = bytes.clone();
            damaged[at] = value;
            check(&damaged, &format!("byte {at} set to {value:#x}"));
        }
    }
}

/// A decoder refuses a section table that disagrees with where a field
/// lies, naming the field.
#[test]
fn a_section_table_that_misplaces_a_field_is_refused() {
    let (_, bytes) = request_bytes();
    let route = codec::REQUEST_HEADER + 4 * attest_rules::Application::section("route");
    let mut damaged = bytes.clone();
    damaged[route] = damaged[route].wrapping_add(1);
    let err = codec::decode::<Request>(&damaged).unwrap_err().to_string();
    assert!(
        err.contains("the section table puts `route` at byte"),
        "{err}"
    );
    // The view reads the route from there, so it refuses it too.
    assert!(attest_rules::abi::view::RequestView::parse(&damaged).is_err());
}

/// Fields the view exposes are checked when it is parsed; list items and
/// strings when a policy reads them, and a damaged one stops the
/// evaluation (in a plug-in, a trap the host reports as a fault: refer);
/// what it does not expose (the applicant) is not looked at, because no
/// policy reading the view can see it.
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
    let view = RequestView::parse(&bad_code).unwrap();
    let parties: Vec<_> = view.parties.items().collect();
    assert!(parties[0].is_ok());
    let err = parties[1].clone().unwrap_err().to_string();
    assert!(err.contains("not a valid PartyType"), "{err}");
    let walk = std::panic::catch_unwind(|| view.parties.iter().count());
    assert!(
        walk.is_err(),
        "iterating a damaged list must stop the evaluation"
    );

    let mut bad_destination = bytes.clone();
    let route = codec::REQUEST_HEADER + 4 * attest_rules::Application::section("route");
    let route_at = u32::from_le_bytes(bytes[route..route + 4].try_into().unwrap()) as usize;
    bad_destination[route_at + 2] = b'1';
    assert!(RequestView::parse(&bad_destination).is_err());

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
