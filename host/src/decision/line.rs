//! A decision as one line of JSON, written directly: the form `attest
//! batch` writes, a million times per run.
//!
//! serde_json wrote these lines through its generic serialiser, which
//! steps through every string a byte at a time looking for characters to
//! escape, and through its map machinery for every key. Here keys are
//! written as the fixed text they are, and strings are checked eight bytes
//! at a time; the bytes are those serde_json writes (the tests hold this
//! writer to `serde_json::to_vec` on generated decisions and on strings
//! made of every character that needs escaping). Writing a generated
//! decision of 3 KB: see `docs/performance.md`.

use super::{Decision, Evaluation, FindingRecord, Provenance};
use crate::document::plain_run::plain_len;
use crate::route::Involvement;

/// Appends `decision` to `out` as serde_json would write it, without a
/// line end.
pub fn write(decision: &Decision, out: &mut Vec<u8>) {
    let mut w = Writer(out);
    w.raw(b"{\"application\":");
    w.string(&decision.application);
    w.raw(b",\"as_of\":");
    w.string(&decision.as_of);
    w.raw(b",\"outcome\":");
    w.string(decision.outcome.as_str());
    w.raw(b",\"findings\":");
    w.list(&decision.findings, finding);
    w.raw(b",\"evaluations\":");
    w.list(&decision.evaluations, evaluation);
    w.raw(b",\"not_covered\":");
    w.list(&decision.not_covered, involvement);
    w.raw(b",\"provenance\":");
    provenance(&mut w, &decision.provenance);
    w.raw(b"}");
}

fn finding(w: &mut Writer<'_>, f: &FindingRecord) {
    w.raw(b"{\"policy\":");
    w.string(&f.policy);
    if let Some(raised_for) = &f.raised_for {
        w.raw(b",\"for\":");
        involvement(w, raised_for);
    }
    w.raw(b",\"rule\":");
    w.string(&f.rule);
    w.raw(b",\"instrument\":");
    w.string(&f.instrument);
    w.raw(b",\"article\":");
    w.string(&f.article);
    w.raw(b",\"effect\":");
    w.string(&f.effect);
    w.raw(b",\"message\":");
    w.string(&f.message);
    w.raw(b",\"evidence\":");
    w.list(&f.evidence, |w, e| w.string(e));
    if !f.binding {
        w.raw(b",\"binding\":false");
    }
    w.raw(b"}");
}

fn evaluation(w: &mut Writer<'_>, e: &Evaluation) {
    w.raw(b"{\"policy\":");
    w.string(&e.policy);
    w.raw(b",\"version\":");
    w.string(&e.version);
    w.raw(b",\"state\":");
    w.string(e.state.as_str());
    w.raw(b",\"role\":");
    w.string(e.role.as_str());
    w.raw(b",\"sha256\":");
    w.string(&e.sha256);
    w.raw(b",\"outcome\":");
    w.string(e.outcome.as_str());
    w.raw(b",\"fuel\":");
    w.raw(itoa::Buffer::new().format(e.fuel).as_bytes());
    if let Some(fault) = &e.fault {
        w.raw(b",\"fault\":");
        w.string(fault);
    }
    w.raw(b"}");
}

fn involvement(w: &mut Writer<'_>, i: &Involvement) {
    // A country code is two capital letters and a role one of the spec's
    // lower-case names: neither ever needs escaping, so both are written
    // as they are (every finding names its evaluation with one of these).
    w.raw(b"{\"state\":\"");
    w.raw(&i.state.as_bytes());
    w.raw(b"\",\"role\":\"");
    w.raw(i.role.as_str().as_bytes());
    w.raw(b"\"}");
}

fn provenance(w: &mut Writer<'_>, p: &Provenance) {
    w.raw(b"{\"host\":");
    w.string(p.host);
    w.raw(b",\"input_sha256\":");
    w.string(&p.input_sha256);
    // The run's data, rendered once as JSON (`RunData`).
    w.raw(b",\"data\":");
    w.raw(p.data.hashes_json.get().as_bytes());
    w.raw(b",\"data_sets\":");
    w.raw(p.data.sets_json.get().as_bytes());
    w.raw(b"}");
}

struct Writer<'a>(&'a mut Vec<u8>);

impl Writer<'_> {
    fn raw(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    fn list<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Self, &T)) {
        self.raw(b"[");
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                self.raw(b",");
            }
            item(self, x);
        }
        self.raw(b"]");
    }

    /// A JSON string: quoted, with `"`, `\` and control characters
    /// escaped exactly as serde_json escapes them, everything else as is.
    /// Most strings of a decision need no escape: they are searched once
    /// and copied whole, in one reservation with their quotes: 3,900
    /// fewer instructions per generated decision than stepping through
    /// every byte (`scripts/instructions.sh`).
    fn string(&mut self, s: &str) {
        let mut rest = s.as_bytes();
        self.0.reserve(rest.len() + 2);
        self.0.push(b'"');
        loop {
            let at = plain_len(rest);
            self.raw(&rest[..at]);
            let Some(&stop) = rest.get(at) else { break };
            self.raw(escape(stop).unwrap_or_default().as_bytes());
            rest = &rest[at + 1..];
        }
        self.0.push(b'"');
    }
}

/// How serde_json writes byte `b` inside a string, when not as itself.
fn escape(b: u8) -> Option<&'static str> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // The six-character forms of the control characters, built once.
    static CONTROL: [[u8; 6]; 32] = {
        let mut table = [[0u8; 6]; 32];
        let mut c = 0;
        while c < 32 {
            table[c] = [b'\\', b'u', b'0', b'0', HEX[c >> 4], HEX[c & 15]];
            c += 1;
        }
        table
    };
    Some(match b {
        b'"' => "\\\"",
        b'\\' => "\\\\",
        0x08 => "\\b",
        0x0c => "\\f",
        b'\n' => "\\n",
        b'\r' => "\\r",
        b'\t' => "\\t",
        // Six ASCII bytes.
        0..=0x1f => std::str::from_utf8(&CONTROL[usize::from(b)]).unwrap_or_default(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(s: &str) -> String {
        let mut out = Vec::new();
        Writer(&mut out).string(s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every: String = (0u8..=0x7f).map(char::from).collect();
        every.push_str("é€😀\u{2028}/");
        let mut cases = vec![
            String::new(),
            every.clone(),
            "plain text longer than eight bytes".into(),
            "\"quoted\" and \\backslashed\\".into(),
        ];
        // Each special character at every position of a 17-byte string,
        // so that it falls in every lane of a word and in the tail.
        for special in ['"', '\\', '\n', '\u{1}', '\u{1f}', '\u{7f}', 'é'] {
            for at in 0..17 {
                let mut s: String = "abcdefghijklmnopq".into();
                s.replace_range(at..at + 1, &special.to_string());
                cases.push(s);
            }
        }
        for s in cases {
            assert_eq!(line(&s), serde_json::to_string(&s).unwrap(), "{s:?}");
        }
    }
}
