//! The in-place request view on arbitrary bytes: parsing never panics;
//! whatever decodes also parses, and then shows what decoding shows;
//! and on whatever parses, walking every list with `items` and checking
//! every string never panics (`to_str` and `items` report damage; only
//! `as_str` and `iter` trap on it, by design).
#![no_main]
use attest_rules::abi::codec::{decode, Request};
use attest_rules::abi::view::RequestView;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let view = RequestView::parse(data);
    let decoded = decode::<Request>(data);
    if decoded.is_ok() {
        assert!(view.is_ok(), "the view refuses a request that decodes");
    }
    let Ok(view) = view else { return };
    let _ = view.id.to_str();
    let transit: Vec<_> = view.transit.items().collect();
    let parties: Vec<_> = view.parties.items().collect();
    for party in parties.iter().flatten() {
        let _ = (party.name.to_str(), party.registration.map(|r| r.to_str()));
    }
    let goods: Vec<_> = view.goods.items().collect();
    for line in goods.iter().flatten() {
        let _ = line.description.to_str();
        let _ = line.control_entry.map(|t| t.to_str());
        let _ = line.currency.map(|t| t.to_str());
    }
    if let Ok(request) = decoded {
        let app = &request.application;
        assert_eq!(view.destination, app.route.destination);
        assert_eq!(transit.len(), app.route.transit.len());
        assert_eq!(parties.len(), app.parties.len());
        assert!(parties.iter().all(Result::is_ok));
        assert_eq!(goods.len(), app.goods.len());
        assert!(goods.iter().all(Result::is_ok));
    }
});
