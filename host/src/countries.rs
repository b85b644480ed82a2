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

/// What a licensing officer most likely meant by `text`, which is not a
/// code Attest knows: the same code in capitals, or the code that ISO
/// 3166-1 assigns where a common abbreviation is only reserved.
pub fn hint(text: &str) -> Option<String> {
    let upper = text.trim().to_ascii_uppercase();
    match upper.as_str() {
        // ISO 3166-1 reserves UK at the United Kingdom's request but
        // assigns GB; EL is the EU's own abbreviation for Greece, whose
        // code is GR; EU is reserved for the European Union, no state.
        "UK" => Some("the United Kingdom is \"GB\"".into()),
        "EL" => Some("Greece is \"GR\" (EL is the EU's abbreviation)".into()),
        "EU" => Some("the European Union is not a state: name the member state".into()),
        _ if upper != text => {
            let code = Country::new(&upper).filter(|&c| is_known(c))?;
            Some(match name(code) {
                Some(name) => format!("did you mean \"{upper}\" ({name})?"),
                None => format!("did you mean \"{upper}\"?"),
            })
        }
        _ => None,
    }
}

/// The problem of a country given as `text`, which is not a known code,
/// with what was most likely meant.
pub fn not_a_code(text: &str) -> String {
    with_hint(
        format!("\"{text}\" is not an ISO 3166-1 alpha-2 code"),
        text,
    )
}

/// `problem`, about a country given as `text`, followed by what was most
/// likely meant where [`hint`] knows.
pub fn with_hint(problem: String, text: &str) -> String {
    match hint(text) {
        Some(hint) => format!("{problem}; {hint}"),
        None => problem,
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

    #[test]
    fn a_code_that_is_not_one_comes_with_what_was_meant() {
        assert_eq!(
            not_a_code("UK"),
            "\"UK\" is not an ISO 3166-1 alpha-2 code; the United Kingdom is \"GB\""
        );
        assert!(not_a_code("EL").ends_with("Greece is \"GR\" (EL is the EU's abbreviation)"));
        assert!(
            not_a_code("eu").ends_with("the European Union is not a state: name the member state")
        );
        assert!(not_a_code("ke").ends_with("did you mean \"KE\" (Kenya)?"));
        assert!(not_a_code("xa").ends_with("did you mean \"XA\"?"));
        assert_eq!(not_a_code("QQ"), "\"QQ\" is not an ISO 3166-1 alpha-2 code");
        assert_eq!(not_a_code("qq"), "\"qq\" is not an ISO 3166-1 alpha-2 code");
    }
}
