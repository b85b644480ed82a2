//! ISO 3166-1 alpha-2 codes, from the Debian iso-codes data copied into
//! `data/iso-3166-1-alpha-2.txt` (source recorded in the file).

use attest_rules::model::Country;

const ISO_3166_1: &str = include_str!("../../data/iso-3166-1-alpha-2.txt");

/// Is `code` an assigned ISO 3166-1 alpha-2 code, or one of the
/// user-assigned `XA`..`XZ` that Attest accepts as fictional states?
pub fn is_known(code: Country) -> bool {
    let s = code.as_str();
    s.starts_with('X') || assigned().any(|c| c == s)
}

/// The English short name of an assigned code.
pub fn name(code: Country) -> Option<&'static str> {
    entries().find(|(c, _)| *c == code.as_str()).map(|(_, n)| n)
}

fn entries() -> impl Iterator<Item = (&'static str, &'static str)> {
    ISO_3166_1
        .lines()
        .filter(|l| !l.starts_with('#') && l.len() > 3)
        .map(|l| (&l[..2], &l[3..]))
}

fn assigned() -> impl Iterator<Item = &'static str> {
    entries().map(|(c, _)| c)
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
        assert_eq!(assigned().count(), 249);
    }
}
