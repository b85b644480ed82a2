//! The in-place request view on arbitrary bytes: parsing never panics;
//! whatever decodes also parses; and on whatever parses, walking every
//! list and checking every string never panics (`to_str` reports damage,
//! only `as_str` traps on it).
#![no_main]
use attest_rules::abi::codec::{decode, Request};
use attest_rules::abi::view::RequestView;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let view = RequestView::parse(data);
    if decode::<Request>(data).is_ok() {
        assert!(view.is_ok(), "the view refuses a request that decodes");
    }
    let Ok(view) = view else { return };
    let _ = view.id.to_str();
    assert_eq!(view.transit.iter().count(), view.transit.len());
    assert_eq!(view.parties.iter().count(), view.parties.len());
    for party in view.parties.iter() {
        let _ = (party.name.to_str(), party.registration.map(|r| r.to_str()));
    }
    assert_eq!(view.goods.iter().count(), view.goods.len());
    for goods in view.goods.iter() {
        let _ = goods.description.to_str();
        let _ = goods.control_entry.map(|t| t.to_str());
        let _ = goods.currency.map(|t| t.to_str());
    }
});
