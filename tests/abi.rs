//! The ABI encoding: what the host writes the guest reads back exactly, and
//! damaged bytes on either side are errors, never panics or huge
//! allocations. The second half is the view request (ABI v3,
//! `attest_rules::abi::view`): damaged codes are refused where a policy
//! reads them, never misread, and a plug-in sent the form it does not read
//! says so, naming the manifest key.

mod common;
use attest::sandbox::{Fault, Isolation, Limits, Sandbox};
use attest_rules::abi::codec::{self, Request, Response};
use attest_rules::abi::view::{self, RequestView, Text, TextFields};
use attest_rules::model::{Application, Country, Date, Role};
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
        let into = codec::decode_response_into(&bytes, &mut reused, &[]);
        if bytes[0] == attest_rules::abi::indexed::TAG {
            // Entries by rule index: held to the findings sent below.
            continue;
        }
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
        let into = codec::decode_response_into(&bytes, &mut reused, &[]).unwrap();
        match answer {
            Response::Findings(f) => assert_eq!((into, reused.as_slice()), (None, &f[..])),
            Response::Failed(m) => assert_eq!(into.as_ref(), Some(m)),
        }
    }
    // An answer cut short is an error and leaves nothing behind.
    codec::encode(&answers[4], &mut bytes);
    let cut = &bytes[..bytes.len() - 1];
    assert!(codec::decode_response_into(cut, &mut reused, &[]).is_err());
    assert!(reused.as_slice().is_empty());
}

/// The comparison policy's rules as it declares them, and as the host
/// reads them back from `attest_rules`.
fn rule_table() -> (&'static [Rule], Vec<codec::TableRule>) {
    let rules: &'static [Rule] = &attest_rules::comparison::RULE_TABLE;
    let mut bytes = Vec::new();
    codec::encode_rules(rules, &mut bytes);
    let table: Vec<codec::TableRule> = codec::decode(&bytes).unwrap();
    assert_eq!(table.len(), rules.len());
    (rules, table)
}

/// Findings fired by rule cross as indexes into the rule table (ABI v3)
/// and read back exactly as the same findings sent whole: id, instrument,
/// article and message from the table. Findings pushed whole mix in. Each
/// answer is decoded over the memory of answers of every other shape.
/// Up to eight fired rules and nothing pushed make an inline answer
/// (ABI v4), which reads back the same.
#[test]
fn findings_fired_by_rule_read_back_as_the_findings_sent() {
    use attest_rules::abi::indexed::{Answer, Findings};
    let (rules, table) = rule_table();
    let stranger = Rule {
        id: "xq.1.other",
        instrument: Instrument::National,
        article: "1",
        checks: "not in the table",
    };
    // The findings of answer `i`, sent to `sink`; returns them as sent.
    let send = |i: usize, sink: &mut Findings<'_>| {
        let mut expected = Vec::new();
        for k in 0..i % 11 {
            let effect = [Effect::Deny, Effect::Refer, Effect::Info][(i + k) % 3];
            match (i + k * 3) % 13 {
                // A rule outside the table, and one copied out of it (not
                // the same bytes in memory): both still read back.
                0 => {
                    sink.fire(&stranger, effect);
                    expected.push(stranger.finding(effect, stranger.checks.into()));
                }
                1 => {
                    let mut f = rules[k % rules.len()]
                        .finding(effect, format!("{i} items"))
                        .at("goods[0]");
                    f.binding = false;
                    sink.push(f.clone());
                    expected.push(f);
                }
                _ => {
                    let copy = Rule {
                        id: Box::leak(rules[(i + k) % rules.len()].id.to_string().into_boxed_str()),
                        ..rules[(i + k) % rules.len()]
                    };
                    let rule = if k % 2 == 0 {
                        &rules[(i + k) % rules.len()]
                    } else {
                        &copy
                    };
                    sink.fire(rule, effect);
                    expected.push(rule.finding(effect, rule.checks.into()));
                }
            }
        }
        expected
    };
    let (mut reused, mut inlined) = (codec::Reused::default(), 0);
    for i in 0..200usize {
        let mut sink = Findings::new(rules, Vec::new());
        let expected = send(i, &mut sink);
        assert_eq!(sink.len(), expected.len());
        let bytes = sink.finish();
        let into = codec::decode_response_into(&bytes, &mut reused, &table);
        assert_eq!(
            (into, reused.as_slice()),
            (Ok(None), &expected[..]),
            "answer {i}"
        );
        let mut sink = Findings::new(rules, Vec::new());
        send(i, &mut sink);
        let whole = expected.iter().any(|f| f.rule == stranger.id || !f.binding);
        match sink.answer() {
            Answer::Inline(answer) => {
                assert!(!whole && expected.len() <= 8, "answer {i} inline");
                assert_eq!(codec::decode_inline(answer, &mut reused, &table), Ok(()));
                assert_eq!(reused.as_slice(), &expected[..], "inline answer {i}");
                inlined += 1;
            }
            Answer::Bytes(again) => {
                assert!(whole || expected.len() > 8, "answer {i} could be inline");
                assert_eq!(again, bytes, "answer {i}");
            }
        }
    }
    assert!(inlined > 20, "{inlined} inline answers");
    // A fired rule of the table costs a few bytes; sent whole, its strings.
    let mut one = Findings::new(rules, Vec::new());
    one.fire(&rules[5], Effect::Refer);
    let mut whole = Vec::new();
    codec::encode(
        &Response::Findings(vec![rules[5].finding(Effect::Refer, rules[5].checks.into())]),
        &mut whole,
    );
    assert_eq!(one.finish().len(), 17);
    assert!(whole.len() > 80, "{}", whole.len());
}

/// An inline answer names rules of the table: an index outside it is
/// refused, as is an answer no plug-in writes, and either leaves nothing
/// behind.
#[test]
fn an_inline_index_outside_the_table_is_refused() {
    use attest_rules::abi::inline;
    let (_, table) = rule_table();
    let mut reused = codec::Reused::default();
    let fine = inline::with(inline::EMPTY, 5, Effect::Refer).unwrap();
    assert_eq!(codec::decode_inline(fine, &mut reused, &table), Ok(()));
    assert_eq!(reused.as_slice().len(), 1);
    let outside = inline::with(fine, 6, Effect::Deny).unwrap();
    let err = codec::decode_inline(outside, &mut reused, &table).unwrap_err();
    assert_eq!(
        err.to_string(),
        "inline answer: 6 is not a valid rule index"
    );
    assert!(reused.as_slice().is_empty());
    assert!(codec::decode_inline(fine | 1 << 62, &mut reused, &table).is_err());
    assert!(reused.as_slice().is_empty());
}

/// Indexes need the table they index: outside it, or without one, the
/// answer is refused and leaves nothing behind.
#[test]
fn a_rule_index_outside_the_table_is_refused() {
    use attest_rules::abi::indexed::Findings;
    let (rules, table) = rule_table();
    let mut sink = Findings::new(rules, Vec::new());
    sink.fire(&rules[5], Effect::Refer);
    let bytes = sink.finish();
    let mut reused = codec::Reused::default();
    let err = codec::decode_response_into(&bytes, &mut reused, &table[..5]).unwrap_err();
    assert_eq!(err.to_string(), "byte 10: 5 is not a valid rule index");
    assert!(reused.as_slice().is_empty());
    assert!(codec::decode_response_into(&bytes, &mut reused, &[]).is_err());
    let mut damaged = bytes.clone();
    damaged[5] = 7; // the entry's kind
    let err = codec::decode_response_into(&damaged, &mut reused, &table).unwrap_err();
    assert_eq!(err.to_string(), "byte 5: 7 is not a valid finding entry");
}

#[test]
fn reference_data_round_trips() {
    let lib = attest::reference::Library::load(&attest::config::Config::default().data).unwrap();
    let mut bytes = Vec::new();
    codec::encode(&lib.data, &mut bytes);
    assert_eq!(codec::decode::<ReferenceData>(&bytes).unwrap(), lib.data);
}

/// docs/abi.md gives the view request's record sizes and tag as the code
/// writes them.
#[test]
fn the_abi_document_sizes_the_view_as_the_code_writes_it() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/abi.md")).unwrap();
    for line in [
        format!("Header, {} bytes:", view::HEADER),
        format!("Party record, {} bytes:", view::PARTY),
        format!("Goods record, {} bytes:", view::GOODS),
        "| 0 | 4 | tag: the bytes `A` `V` `3` `0x00` |".to_string(),
    ] {
        assert!(doc.contains(&line), "docs/abi.md lacks: {line}");
    }
    assert_eq!(view::TAG, *b"AV3\0");
    let bytes = example_view();
    let app = clean_export();
    // Spot checks of the documented offsets on the bundled example.
    assert_eq!(&bytes[20..22], app.route.destination.as_bytes());
    let goods = u32::from_le_bytes(bytes[48..52].try_into().unwrap()) as usize;
    let quantity = u64::from_le_bytes(bytes[goods + 8..goods + 16].try_into().unwrap());
    assert_eq!(quantity, app.goods[0].quantity);
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
}

/// Everything the view shows of `bytes`, as text, or `None` if it refuses
/// them: at parse, or when a list or string is read.
fn shown_by_view(bytes: &[u8]) -> Option<String> {
    let view = RequestView::parse(bytes).ok()?;
    view.check().ok()?;
    let text = |t: Text<'_>| t.to_str().ok().map(str::to_string);
    let optional = |t: Option<Text<'_>>| t.map(text).map_or(Some(None), |t| t.map(Some));
    let mut out = format!(
        "{:?}",
        (
            (view.as_of(), view.state(), view.role(), text(view.id())?),
            (view.kind(), view.licensing_state(), view.submitted()),
            (view.origin(), view.destination(), view.transport()),
            view.transit().items().collect::<Result<Vec<_>, _>>().ok()?,
            (view.import_licence(), view.end_user_certificate()),
        )
    );
    for p in view.parties().items() {
        let p = p.ok()?;
        let party = (p.role(), text(p.name())?, p.state(), p.party_type());
        out += &format!("\n{:?}", (party, optional(p.registration())?));
    }
    for g in view.goods().items() {
        let g = g.ok()?;
        let line = (text(g.description())?, g.item(), g.att_category());
        let amounts = (optional(g.control_entry())?, g.quantity(), g.unit_value());
        let rest = (
            optional(g.currency())?,
            g.manufacture(),
            g.deactivated(),
            g.marked(),
        );
        out += &format!("\n{:?}", (line, amounts, rest));
    }
    Some(out)
}

/// What the view should show of `app` addressed so, in the form of
/// [`shown_by_view`].
fn shown_by_application(as_of: Date, state: Country, role: Role, app: &Application) -> String {
    let mut out = format!(
        "{:?}",
        (
            (as_of, state, role, app.id.clone()),
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

fn example_view() -> Vec<u8> {
    let mut bytes = Vec::new();
    let app = clean_export();
    view::encode_request(date("2026-11-20"), c("GB"), Role::Export, &app, &mut bytes);
    bytes
}

#[test]
fn the_view_shows_exactly_what_the_application_holds() {
    let mut buf = Vec::new();
    for n in 0..2_000 {
        let app = attest::workload::application(3, n);
        view::encode_request(app.submitted, c("GB"), Role::Transit, &app, &mut buf);
        let expected = shown_by_application(app.submitted, c("GB"), Role::Transit, &app);
        assert_eq!(shown_by_view(&buf), Some(expected), "application {n}");
    }
    let app = clean_export();
    let expected = shown_by_application(date("2026-11-20"), c("GB"), Role::Export, &app);
    assert_eq!(shown_by_view(&example_view()), Some(expected));
}

/// A plug-in whose manifest lists `text_fields` is sent those strings and
/// no others: a withheld string is not in the request at all, the rest of
/// the view reads as before (`check` and `items` pass), and reading a
/// withheld field stops the policy, naming the field, whether or not the
/// application has it.
#[test]
fn withheld_text_is_neither_sent_nor_readable() {
    fn has(bytes: &[u8], s: &str) -> bool {
        bytes.windows(s.len()).any(|w| w == s.as_bytes())
    }
    fn refused(read: impl FnOnce() + std::panic::UnwindSafe) -> String {
        let panic = std::panic::catch_unwind(read).unwrap_err();
        panic.downcast_ref::<String>().cloned().unwrap_or_default()
    }
    let mut app = clean_export();
    app.parties[0].name = "Unmistakable Name Ltd".into();
    app.goods[0].description = "Unmistakable description".into();
    app.goods[0].control_entry = Some("ML1.a".into());
    let (mut all, mut some) = (Vec::new(), Vec::new());
    let at = (date("2026-11-20"), c("GB"), Role::Export);
    view::encode_request(at.0, at.1, at.2, &app, &mut all);
    let text = TextFields::GOODS_CONTROL_ENTRY;
    view::encode_request_with(at.0, at.1, at.2, &app, text, &mut some);
    assert!(has(&all, "Unmistakable Name Ltd") && has(&all, "Unmistakable description"));
    assert!(
        !has(&some, "Unmistakable") && !has(&some, &app.id),
        "{some:?}"
    );
    assert!(has(&some, "ML1.a"));

    let v = RequestView::parse(&some).unwrap();
    assert_eq!(v.check(), Ok(()));
    assert_eq!(v.destination(), app.route.destination);
    let goods: Vec<_> = v.goods().items().map(Result::unwrap).collect();
    assert_eq!(goods[0].control_entry().unwrap(), "ML1.a");
    assert_eq!(goods[0].quantity(), app.goods[0].quantity);
    let parties: Vec<_> = v.parties().items().map(Result::unwrap).collect();
    assert_eq!(parties.len(), app.parties.len());
    // Code that must not trap asks with `try_`, and gets the error.
    assert_eq!(
        parties[0].try_name().unwrap_err().to_string(),
        format!(
            "byte {}: `parties.name` was withheld: the manifest's `text_fields` does not list it",
            view::HEADER + 2 * app.route.transit.len() + 8
        )
    );
    let message = refused(|| {
        parties[0].name();
    });
    assert!(
        message
            .contains("`parties.name` was withheld: the manifest's `text_fields` does not list it"),
        "{message}"
    );
    assert!(refused(|| {
        v.id();
    })
    .contains("`id` was withheld"));
    // Withheld whether the application has one or not: a policy that reads
    // it fails on every application, not only on some.
    assert!(app.parties.iter().any(|p| p.registration.is_none()));
    for p in &parties {
        let p = *p;
        assert!(refused(move || {
            p.registration();
        })
        .contains("`parties.registration` was withheld"));
    }

    // Over generated applications: every field alone, and none; what is
    // sent reads back as the application has it.
    let mut buf = Vec::new();
    for n in 0..300 {
        let app = attest::workload::application(9, n);
        for (name, field) in TextFields::NAMES
            .iter()
            .copied()
            .chain([("none", TextFields::NONE)])
        {
            view::encode_request_with(app.submitted, c("GB"), Role::Export, &app, field, &mut buf);
            let v = RequestView::parse(&buf).unwrap();
            assert_eq!(v.check(), Ok(()), "{name}, application {n}");
            let sent = |f: TextFields| field.contains(f) && f != TextFields::NONE;
            if sent(TextFields::ID) {
                assert_eq!(v.id(), app.id.as_str());
            }
            for (p, party) in v.parties().iter().zip(&app.parties) {
                assert_eq!(p.role(), party.role);
                if sent(TextFields::PARTY_NAME) {
                    assert_eq!(p.name(), party.name.as_str());
                }
                if sent(TextFields::PARTY_REGISTRATION) {
                    let got = p.registration().map(|t| t.as_str().to_string());
                    assert_eq!(got, party.registration);
                }
            }
            for (g, line) in v.goods().iter().zip(&app.goods) {
                assert_eq!(g.quantity(), line.quantity);
                if sent(TextFields::GOODS_CONTROL_ENTRY) {
                    let got = g.control_entry().map(|t| t.as_str().to_string());
                    assert_eq!(got, line.control_entry);
                }
                if sent(TextFields::GOODS_CURRENCY) {
                    let got = g.currency().map(|t| t.as_str().to_string());
                    assert_eq!(got, line.currency);
                }
                if sent(TextFields::GOODS_DESCRIPTION) {
                    assert_eq!(g.description(), line.description.as_str());
                }
            }
        }
    }
}

/// The host encodes the view once per application and re-addresses it
/// for each plug-in that reads it.
#[test]
fn a_readdressed_view_is_the_view_encoded_for_its_new_address() {
    let (mut fresh, mut reused) = (Vec::new(), Vec::new());
    for n in 0..500 {
        let app = attest::workload::application(5, n);
        view::encode_request(app.submitted, c("GB"), Role::Export, &app, &mut reused);
        view::readdress_request(&mut reused, date("2031-02-03"), c("KE"), Role::Import);
        view::encode_request(date("2031-02-03"), c("KE"), Role::Import, &app, &mut fresh);
        assert_eq!(reused, fresh, "application {n}");
    }
    let mut short = vec![1, 2, 3];
    view::readdress_request(&mut short, date("2031-02-03"), c("KE"), Role::Import);
    assert_eq!(short, [1, 2, 3], "bytes too short are left alone");
}

/// Strings lie at the end, so every truncation cuts something the view
/// shows: it is refused, at parse or where it is read, never shown short.
#[test]
fn every_truncation_of_a_view_is_refused() {
    let bytes = example_view();
    for len in 0..bytes.len() {
        assert_eq!(shown_by_view(&bytes[..len]), None, "{len} bytes");
    }
}

/// Every byte that holds a code, a state, a date or flags is checked: an
/// impossible value there is refused, naming what it should have been,
/// and never read as another value.
#[test]
fn an_impossible_code_anywhere_is_refused_where_it_is_read() {
    let bytes = example_view();
    let app = clean_export();
    let (transit, parties) = (view::HEADER, view::HEADER + 2 * app.route.transit.len());
    let goods = parties + view::PARTY * app.parties.len();
    let mut coded: Vec<(usize, &str)> = (0..24).map(|at| (at, "header")).collect();
    coded.extend((0..2 * app.route.transit.len()).map(|i| (transit + i, "transit")));
    for p in 0..app.parties.len() {
        coded.extend((0..5).map(|i| (parties + view::PARTY * p + i, "party")));
    }
    for g in 0..app.goods.len() {
        coded.extend([0, 2, 3].map(|i| (goods + view::GOODS * g + i, "goods")));
    }
    assert!(coded.iter().any(|(_, what)| *what == "party"));
    assert!(coded.iter().any(|(_, what)| *what == "goods"));
    for (at, what) in coded {
        let mut damaged = bytes.clone();
        damaged[at] = 0xff;
        assert_eq!(shown_by_view(&damaged), None, "{what} byte {at}");
    }
    // The message names the field's type and the byte.
    let end_user_type = parties + view::PARTY + 1;
    let mut damaged = bytes.clone();
    damaged[end_user_type] = 9;
    let view = RequestView::parse(&damaged).unwrap();
    let err = view.parties().get(1).unwrap().unwrap_err().to_string();
    assert_eq!(
        err,
        format!("byte {end_user_type}: 9 is not a valid PartyType")
    );
    assert!(view.parties().get(0).unwrap().is_ok());
    // A policy reading the damaged field stops there; one reading another
    // field of the same party reads it.
    let types = std::panic::catch_unwind(|| {
        view.parties()
            .iter()
            .map(|p| p.party_type())
            .collect::<Vec<_>>()
    });
    assert!(
        types.is_err(),
        "reading a damaged field stops the evaluation"
    );
    let roles: Vec<_> = view.parties().iter().map(|p| p.role()).collect();
    let expected: Vec<_> = app.parties.iter().map(|p| p.role).collect();
    assert_eq!(roles, expected);

    // So with the header: the address is checked at parse; any other
    // field when it is read, or by `check`.
    let mut damaged = bytes.clone();
    damaged[11] = 7; // the transfer kind
    let view = RequestView::parse(&damaged).unwrap();
    assert_eq!(view.destination(), app.route.destination);
    assert!(std::panic::catch_unwind(|| view.kind()).is_err());
    let err = view.check().unwrap_err().to_string();
    assert_eq!(err, "byte 11: 7 is not a valid TransferKind");
    damaged[10] = 9; // the role
    let err = RequestView::parse(&damaged).unwrap_err().to_string();
    assert_eq!(err, "byte 10: 9 is not a valid Role");
}

/// A string that is not UTF-8 is reported when read, and stops the
/// evaluation if a policy takes it as text; one a policy does not read
/// costs nothing and stops nothing.
#[test]
fn a_damaged_string_stops_only_the_policy_that_reads_it() {
    let app = clean_export();
    let mut bytes = example_view();
    // Where the end user's record says its name lies.
    let record = view::HEADER + 2 * app.route.transit.len() + view::PARTY;
    let at = u32::from_le_bytes(bytes[record + 8..record + 12].try_into().unwrap()) as usize;
    assert!(!app.parties[1].name.is_empty());
    bytes[at] = 0xff;
    let view = RequestView::parse(&bytes).unwrap();
    let end_user = view.parties().get(1).unwrap().unwrap();
    assert!(end_user.name().to_str().is_err());
    assert!(std::panic::catch_unwind(|| end_user.name().as_str()).is_err());
    assert_eq!(end_user.party_type(), app.parties[1].party_type);
    assert_eq!(view.destination(), app.route.destination);
}

/// Any single damaged byte, anywhere: refused or shown, never a panic.
#[test]
fn no_damaged_byte_makes_the_view_panic() {
    let bytes = example_view();
    for at in 0..bytes.len() {
        for value in [0u8, 1, 0x7f, 0x80, 0xff] {
            let mut damaged = bytes.clone();
            damaged[at] = value;
            let _ = shown_by_view(&damaged);
        }
    }
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(
        shown_by_view(&trailing).is_some(),
        "bytes past the strings are not read"
    );
}

/// A plug-in sent the form it does not read fails with a message that
/// names the manifest key, and the host refers the application.
#[test]
fn a_plugin_sent_the_other_form_says_which_key_to_fix() {
    let app = clean_export();
    let mut full = Vec::new();
    codec::encode_request(app.submitted, c("GB"), Role::Export, &app, &mut full);
    let view_bytes = example_view();
    let err = RequestView::parse(&full).unwrap_err().to_string();
    assert!(err.contains("the host sent the full request"), "{err}");

    let sandbox = Sandbox::new(Limits {
        isolation: Isolation::Reuse,
        ..Limits::default()
    })
    .unwrap();
    let mut data = Vec::new();
    codec::encode(&ReferenceData::default(), &mut data);
    let load = |name: &str| {
        let path = format!(
            "{}/../policies/dist/{name}.wasm",
            env!("CARGO_MANIFEST_DIR")
        );
        sandbox
            .load(&std::fs::read(path).unwrap(), data.clone())
            .unwrap()
    };
    for (plugin, sent, wrong) in [("comparison", "full", &full), ("fp", "view", &view_bytes)] {
        let plugin = load(plugin);
        let mut evaluator = plugin.evaluator();
        match evaluator.evaluate(wrong) {
            Err(Fault::Reported(message)) => {
                assert!(
                    message.contains(&format!("the host sent the {sent} request"))
                        && message.contains("`request` key"),
                    "{message}"
                );
            }
            Err(other) => panic!("{sent} request to the wrong plug-in: {other}"),
            Ok(_) => panic!("{sent} request to the wrong plug-in was evaluated"),
        }
    }
}

/// The published comparison plug-in lists the one string it reads; sent a
/// view without it, it stops with a trap (the host refers the
/// application) instead of judging the goods without their control
/// entries. At load, the host reads the list from its manifest.
#[test]
fn a_plugin_reading_a_withheld_field_is_stopped() {
    let sandbox = Sandbox::new(Limits {
        isolation: Isolation::Reuse,
        ..Limits::default()
    })
    .unwrap();
    let mut data = Vec::new();
    codec::encode(&ReferenceData::default(), &mut data);
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../policies/dist/comparison.wasm"
    );
    let plugin = sandbox.load(&std::fs::read(path).unwrap(), data).unwrap();
    assert_eq!(plugin.view_text, TextFields::GOODS_CONTROL_ENTRY);
    let app = clean_export();
    assert!(!app.goods.is_empty());
    let mut evaluator = plugin.evaluator();
    let mut bytes = Vec::new();
    let at = (app.submitted, c("GB"), Role::Export);
    view::encode_request_with(at.0, at.1, at.2, &app, plugin.view_text, &mut bytes);
    assert!(evaluator.evaluate(&bytes).is_ok());
    view::encode_request_with(at.0, at.1, at.2, &app, TextFields::NONE, &mut bytes);
    match evaluator.evaluate(&bytes) {
        Err(Fault::Trap(trap)) => assert!(trap.contains("unreachable"), "{trap}"),
        other => panic!(
            "a withheld field was read without a fault: {:?}",
            other.map(|e| e.findings)
        ),
    }
}
