//! The view request on arbitrary bytes: parsing and `check` never panic,
//! and on whatever passes them, walking every list with `items` and
//! checking every string never panics (`to_str` and `items` report damage;
//! the accessors of a damaged field and `as_str` trap on it, by design). And where the bytes decode as a full
//! request, the view the host would write for its application reads back
//! exactly what the application holds.
#![no_main]
use attest_rules::abi::codec::{decode, Request};
use attest_rules::abi::view::{self, RequestView};
use libfuzzer_sys::fuzz_target;

/// Reads everything `check` lets through, the way a tool that must not
/// trap does: lists by `items`, strings by `to_str`.
fn walk(view: &RequestView<'_>) -> (usize, usize, usize) {
    if view.check().is_err() {
        return (0, 0, 0);
    }
    let _ = view.id().to_str();
    let transit = view.transit().items().filter(Result::is_ok).count();
    let mut parties = 0;
    for party in view.parties().items().flatten() {
        let _ = (party.name().to_str(), party.registration().map(|r| r.to_str()));
        parties += 1;
    }
    let mut goods = 0;
    for line in view.goods().items().flatten() {
        let _ = line.description().to_str();
        let _ = line.control_entry().map(|t| t.to_str());
        let _ = line.currency().map(|t| t.to_str());
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
    let mut bytes = Vec::new();
    view::encode_request(request.as_of, request.state, request.role, app, &mut bytes);
    let view = RequestView::parse(&bytes).expect("the host's view parses");
    assert_eq!(
        walk(&view),
        (app.route.transit.len(), app.parties.len(), app.goods.len())
    );
    assert_eq!(view.id().to_str(), Ok(app.id.as_str()));
    assert_eq!(view.destination(), app.route.destination);
    for (line, goods) in view.goods().iter().zip(&app.goods) {
        assert_eq!(line.quantity(), goods.quantity);
        assert_eq!(line.unit_value().map(f64::to_bits), goods.unit_value.map(f64::to_bits));
        assert_eq!(line.control_entry().map(|t| t.as_str()), goods.control_entry.as_deref());
    }
});
