//! ISO 3166-1 alpha-2 codes, from the Debian iso-codes data copied into
//! `data/iso-3166-1-alpha-2.txt` (source recorded in the file).

use attest_rules::model::Country;
use std::sync::OnceLock;

const ISO_3166_1: &str = include_str!("../../data/iso-3166-1-alpha-2.txt");

/// Is `code` an assigned ISO 3166-1 alpha-2 code, or one of the
/// user-assigned `XA`..`XZ` that Attest accepts as fictional states?
pub fn is_known(code: Country) -> bool {
    code.as_str().starts_with('X') || name(code).is_some()
}

/// The English short name of an assigned code.
pub fn name(code: Country) -> Option<&'static str> {
    by_code()[slot(code)?]
}

/// Every application names about ten states, and a batch screens millions
/// of applications: look codes up in a table indexed by the two letters
/// (built once) instead of scanning the list, which took a fifth of a
/// batch run's time.
fn by_code() -> &'static [Option<&'static str>; 26 * 26] {
    static TABLE: OnceLock<[Option<&'static str>; 26 * 26]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = [None; 26 * 26];
        for (code, name) in entries() {
            if let Some(i) = Country::new(code).and_then(slot) {
                table[i] = Some(name);
            }
        }
        table
    })
}

/// The table index of a code of two ASCII capitals.
fn slot(code: Country) -> Option<usize> {
    match code.as_bytes() {
        [a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => {
            Some(usize::from(a - b'A') * 26 + usize::from(b - b'A'))
        }
        _ => None,
    }
}

fn entries() -> impl Iterator<Item = (&'static str, &'static str)> {
    ISO_3166_1
        .lines()
        .filter(|l| !l.starts_with('#') && l.len() > 3)
        .map(|l| (&l[..2], &l[3..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assigned_and_fictional_codes_are_known_and_others_not() {
        let c = |s| Country::new(s).unwrap();
        assert!(is_known(c("KE")));
        assert!(is_known(c("XA")));
        assert!(!is_known(c("QQ")));
        assert!(!is_known(c("UK")));
        assert_eq!(name(c("KE")), Some("Kenya"));
        assert_eq!(by_code().iter().flatten().count(), 249);
    }
}
