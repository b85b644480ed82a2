//! The view request on arbitrary bytes: parsing and `check` never panic,
//! and on whatever passes them, walking every list with `items` and
//! reading every string with `try_*` and `to_str` never panics (they report
//! damage and withheld text; the accessors of a damaged or withheld field
//! and `as_str` trap on it, by design). And where the bytes decode as a
//! full request, the view the host would write for its application, with
//! the text fields the input's last byte picks, reads back exactly what
//! the application holds, and every text field it withheld is refused.
#![no_main]
use attest_rules::abi::codec::{decode, Request};
use attest_rules::abi::view::{self, RequestView, TextFields};
use attest_rules::abi::wire::WireProblem;
use libfuzzer_sys::fuzz_target;

/// Reads everything `check` lets through, the way a tool that must not
/// trap does: lists by `items`, strings by `to_str`.
fn walk(view: &RequestView<'_>) -> (usize, usize, usize) {
    if view.check().is_err() {
        return (0, 0, 0);
    }
    let _ = view.try_id().map(|t| t.to_str());
    let transit = view.transit().items().filter(Result::is_ok).count();
    let mut parties = 0;
    for party in view.parties().items().flatten() {
        let _ = party.try_name().map(|t| t.to_str());
        let _ = party.try_registration().map(|r| r.map(|t| t.to_str()));
        parties += 1;
    }
    let mut goods = 0;
    for line in view.goods().items().flatten() {
        let _ = line.try_description().map(|t| t.to_str());
        let _ = line.try_control_entry().map(|r| r.map(|t| t.to_str()));
        let _ = line.try_currency().map(|r| r.map(|t| t.to_str()));
        goods += 1;
    }
    (transit, parties, goods)
}

fuzz_target!(|data: &[u8]| {
    if let Ok(view) = RequestView::parse(data) {
        walk(&view);
    }
    let Ok(request) = decode::<Request>(data) else {
        return;
    };
    let app = &request.application;
    // Any set of the six text fields, from the input's last byte.
    let text = TextFields::NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| data.last().is_some_and(|b| b & (1 << i) != 0))
        .fold(TextFields::NONE, |set, (_, &(_, f))| set.with(f));
    let withheld = |e: attest_rules::abi::wire::WireError| {
        assert!(matches!(e.problem, WireProblem::Withheld { .. }), "{e}");
    };
    let mut bytes = Vec::new();
    view::encode_request_with(request.as_of, request.state, request.role, app, text, &mut bytes);
    let view = RequestView::parse(&bytes).expect("the host's view parses");
    assert_eq!(
        walk(&view),
        (app.route.transit.len(), app.parties.len(), app.goods.len())
    );
    match view.try_id() {
        Ok(id) => assert_eq!(id.to_str(), Ok(app.id.as_str())),
        Err(e) => withheld(e),
    }
    assert_eq!(text.contains(TextFields::ID), view.try_id().is_ok());
    assert_eq!(view.destination(), app.route.destination);
    for (line, goods) in view.goods().iter().zip(&app.goods) {
        assert_eq!(line.quantity(), goods.quantity);
        assert_eq!(line.unit_value().map(f64::to_bits), goods.unit_value.map(f64::to_bits));
        match line.try_control_entry() {
            Ok(entry) => assert_eq!(entry.map(|t| t.as_str()), goods.control_entry.as_deref()),
            Err(e) => withheld(e),
        }
        assert_eq!(
            text.contains(TextFields::GOODS_CONTROL_ENTRY),
            line.try_control_entry().is_ok()
        );
    }
});
