//! The decision line writer (`attest batch`'s output, kept for ten years
//! and resumed from byte for byte) against serde_json: for any strings in
//! any field, optional parts present or not, it writes exactly the bytes
//! `serde_json::to_string` gives, and they read back as the same strings.
//! Its fast path steps over strings sixteen bytes at a time, so the input
//! is cut into strings at every length and with every byte.
#![no_main]
use attest::decision::{Decision, Evaluation, FindingRecord, Label, Provenance, RunData};
use attest::reference::DataSet;
use attest::route::Involvement;
use attest_rules::model::{Country, Role};
use attest_rules::Outcome;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

/// Cuts the input into strings at each 0xFF byte (never part of UTF-8),
/// each taken as UTF-8 with replacement, so every string is valid and any
/// character, control characters and quotes among them, can appear.
fn strings(data: &[u8]) -> impl Iterator<Item = String> + '_ {
    data.split(|&b| b == 0xFF)
        .map(|piece| String::from_utf8_lossy(piece).into_owned())
        .chain(std::iter::repeat(String::new()))
}

fn involvement(byte: u8) -> Involvement {
    let letter = |n: u8| (b'A' + n % 26) as char;
    let code = [letter(byte), letter(byte / 26)].iter().collect::<String>();
    Involvement {
        state: Country::new(&code).unwrap(),
        role: Role::ALL[usize::from(byte) % Role::ALL.len()],
    }
}

fuzz_target!(|data: &[u8]| {
    let flags = data.first().copied().unwrap_or(0);
    let mut text = strings(data.get(1..).unwrap_or_default());
    let mut next = || text.next().unwrap_or_default();
    let finding = |next: &mut dyn FnMut() -> String, n: u8| FindingRecord {
        policy: Label::from(next()),
        raised_for: (n % 3 != 0).then(|| involvement(n)),
        rule: next(),
        instrument: Label::from(next()),
        article: next(),
        effect: Label::from(next()),
        message: next(),
        evidence: (0..n % 4).map(|_| next()).collect(),
        binding: n % 2 == 0,
    };
    let findings = (0..flags % 4)
        .map(|n| finding(&mut next, flags.wrapping_add(n)))
        .collect();
    let evaluations = (0..(flags / 4) % 3)
        .map(|n| Evaluation {
            policy: Label::from(next()),
            version: Label::from(next()),
            state: involvement(n).state,
            role: involvement(n).role,
            sha256: Label::from(next()),
            outcome: Outcome::Refer,
            fuel: u64::from(flags) << 40,
            fault: (n == 1).then(&mut next),
        })
        .collect();
    let sets = vec![DataSet {
        name: next(),
        sha256: next(),
        compiled: (flags & 0x80 != 0).then(&mut next),
        entries: 3,
        unverified: 1,
    }];
    let hashes = [(next(), next())].into();
    let decision = Decision {
        application: next(),
        as_of: next(),
        outcome: Outcome::Deny,
        findings,
        evaluations,
        not_covered: (0..(flags / 16) % 3).map(involvement).collect(),
        provenance: Provenance {
            host: "attest fuzz",
            input_sha256: next(),
            data: Arc::new(RunData::new(hashes, sets)),
            structured: false,
        },
    };
    let mut line = Vec::new();
    decision.write_line(&mut line);
    let expected = serde_json::to_string(&decision).unwrap();
    assert_eq!(String::from_utf8(line).unwrap(), expected);
    let back: serde_json::Value = serde_json::from_str(&expected).unwrap();
    assert_eq!(back["application"], decision.application.as_str());
});
