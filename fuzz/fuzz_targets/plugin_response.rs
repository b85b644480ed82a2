//! The host's decoding of what a plug-in returns: never panics, never
//! allocates beyond the input, and what decodes re-encodes to the same
//! bytes (the format has one encoding per value). Decoding into the
//! memory of an earlier answer (`decode_response_into`, the host's hot
//! path) reads exactly what decoding afresh reads. And any `u64` read as
//! an inline answer (ABI v4) against a six-rule table is either refused,
//! leaving nothing, or gives one finding per entry it holds, whose rule is
//! in the table.
#![no_main]
use attest_rules::abi::codec::{
    decode, decode_inline, decode_response_into, encode, encode_rules, Response, Reused,
    TableRule,
};
use attest_rules::abi::inline;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(word) = data.get(..8) {
        let answer = u64::from_le_bytes(word.try_into().unwrap()) | inline::FLAG;
        let mut bytes = Vec::new();
        encode_rules(&attest_rules::comparison::RULE_TABLE, &mut bytes);
        let table: Vec<TableRule> = decode(&bytes).unwrap();
        let mut reused = Reused::default();
        match decode_inline(answer, &mut reused, &table) {
            Ok(()) => {
                assert_eq!(reused.as_slice().len(), inline::count(answer));
                assert!(reused.as_slice().iter().all(|f| table.iter().any(|r| r.id == f.rule)));
            }
            Err(_) => assert!(reused.as_slice().is_empty()),
        }
    }
    if let Ok(response) = decode::<Response>(data) {
        let mut again = Vec::new();
        encode(&response, &mut again);
        assert_eq!(again, data);
    }
    // The first byte says where the earlier answer ends.
    let split = data.first().map_or(0, |&b| usize::from(b)).min(data.len());
    let (earlier, later) = data.split_at(split);
    let mut reused = Reused::default();
    let _ = decode_response_into(earlier, &mut reused, &[]);
    let into = decode_response_into(later, &mut reused, &[]);
    if later.first() == Some(&attest_rules::abi::indexed::TAG) {
        // Entries by rule index need the plug-in's rule table, which
        // `Response` does not have; `tests/abi.rs` holds them to the
        // findings sent.
        return;
    }
    match decode::<Response>(later) {
        Ok(Response::Findings(f)) => assert_eq!((into, reused.as_slice()), (Ok(None), &f[..])),
        Ok(Response::Failed(m)) => assert_eq!(into, Ok(Some(m))),
        Err(e) => {
            assert_eq!(into, Err(e));
            assert!(reused.as_slice().is_empty());
        }
    }
});
