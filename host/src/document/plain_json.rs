//! A reader for the plain JSON that applications almost always are: no
//! escapes in strings. It builds the same [`Node`] tree as serde_json does
//! through [`Node`]'s `Deserialize`, without serde's visitor machinery,
//! and gives up (`None`) on anything else: a backslash in a string, a
//! control character, a malformed number, a syntax error, nesting deeper
//! than serde_json allows. [`Node::from_json`] then parses the text with
//! serde_json, which gives the same tree for what this reader accepts
//! (tests hold the two together, and the `application_json` fuzz target
//! checks it on every input) and the error message for what is not JSON.
//!
//! Why: serde_json's generic path was a sixth of a batch worker's time per
//! application (`docs/performance.md`).

use super::plain_run::plain_len;
use super::{Node, Table};
use std::borrow::Cow;

/// serde_json refuses documents nested deeper than this.
const MAX_DEPTH: usize = 128;

/// The tree of `text`, or `None` to let serde_json parse it.
pub fn read(text: &str) -> Option<Node<'_>> {
    let mut r = Reader::new(text);
    let node = r.value()?;
    r.end().then_some(node)
}

/// Reads plain JSON token by token. Besides the tree ([`read`]), it offers
/// what a reader that knows the document's shape needs to read it without
/// a tree (`application::plain`): each method skips the white space before
/// its token and gives `None` where [`read`] would give up.
pub struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text,
            bytes: text.as_bytes(),
            at: 0,
            depth: 0,
        }
    }

    /// Nothing but white space is left.
    pub fn end(&mut self) -> bool {
        self.space();
        self.at == self.bytes.len()
    }

    /// The next token is the single byte `b` (`{`, `}`, `[`, `]`, `:`,
    /// `,`): steps over it.
    pub fn token(&mut self, b: u8) -> Option<()> {
        self.space();
        (self.peek()? == b).then(|| self.at += 1)
    }

    /// The next token is `b`: steps over it if so, and says whether it was.
    pub fn next_is(&mut self, b: u8) -> bool {
        self.token(b).is_some()
    }

    /// A string, borrowed from the text.
    // Always inlined, so that `space` joins each caller's code: 900 fewer
    // instructions per generated application. Inlining `string` as well
    // took 1,000 more (`scripts/instructions.sh`).
    #[inline(always)]
    pub fn text(&mut self) -> Option<&'a str> {
        self.space();
        self.string()
    }

    /// `true` or `false`.
    pub fn boolean(&mut self) -> Option<bool> {
        self.space();
        match self.peek()? {
            b't' => self.literal("true", true),
            b'f' => self.literal("false", false),
            _ => None,
        }
    }

    /// A number, as the tree would hold it.
    pub fn number_token(&mut self) -> Option<serde_json::Number> {
        self.space();
        match self.peek()? {
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// JSON's white space: space, tab, line feed, carriage return.
    fn space(&mut self) {
        // All four are below `!`: one comparison for the usual case, a
        // token right away.
        while let Some(b @ 0..=b' ') = self.peek() {
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                break;
            }
            self.at += 1;
        }
    }

    fn literal<T>(&mut self, word: &str, node: T) -> Option<T> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end) == Some(word.as_bytes())).then(|| {
            self.at = end;
            node
        })
    }

    fn value(&mut self) -> Option<Node<'a>> {
        let mut node = Node::Null;
        self.read_into(&mut node)?;
        Some(node)
    }

    /// Reads one value over `slot`, which holds `Node::Null`. Tables and
    /// lists append a null and read the value into it ([`appended`]), so
    /// that each value is written field by field where it stays. Returned
    /// from a call and then pushed, a `Node` was copied in wide loads from
    /// the narrow stores that had just built it, and the processor stalled
    /// on every such copy: a third of this reader's time went to two
    /// instructions.
    #[inline(always)]
    fn read_into(&mut self, slot: &mut Node<'a>) -> Option<()> {
        self.space();
        match self.peek()? {
            b'{' => self.nested(slot, Reader::table)?,
            b'[' => self.nested(slot, Reader::list)?,
            b'"' => *slot = Node::Text(Cow::Borrowed(self.string()?)),
            b't' => *slot = self.literal("true", Node::Bool(true))?,
            b'f' => *slot = self.literal("false", Node::Bool(false))?,
            b'n' => self.literal("null", ())?,
            b'-' | b'0'..=b'9' => *slot = Node::Number(self.number()?),
            _ => return None,
        }
        Some(())
    }

    /// Reads a table or a list over `slot`, one level deeper.
    fn nested(
        &mut self,
        slot: &mut Node<'a>,
        read: fn(&mut Self, &mut Node<'a>) -> Option<()>,
    ) -> Option<()> {
        self.depth += 1;
        if self.depth >= MAX_DEPTH {
            return None;
        }
        read(self, slot)?;
        self.depth -= 1;
        Some(())
    }

    /// A string without escapes or control characters, borrowed; `None`
    /// unless one starts here.
    fn string(&mut self) -> Option<&'a str> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.at + 1;
        // One search for the first byte that is not plain text
        // (`plain_run`), instead of stepping `self.at` through `peek` and
        // testing each byte three ways (`scripts/instructions.sh`).
        let rest = self.bytes.get(start..)?;
        let len = plain_len(rest);
        if *rest.get(len)? != b'"' {
            return None;
        }
        // SAFETY: `start` follows the `"` checked above and `start + len`
        // is the `"` just found: both are ASCII bytes of the `str` that
        // `bytes` views, so both are character boundaries, and in range
        // (`rest` is `bytes[start..]`). `str::get` checking them again
        // cost 3,400 instructions per generated application.
        let s = unsafe { self.text.get_unchecked(start..start + len) };
        self.at = start + len + 1;
        Some(s)
    }

    /// A number, converted by serde_json itself from its text, so that
    /// negative zero, large and fractional values come out as its parser
    /// makes them; a plain count ([`plain_count`]) is read here.
    fn number(&mut self) -> Option<serde_json::Number> {
        let start = self.at;
        while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        let token = self.bytes.get(start..self.at)?;
        if let Some(n) = plain_count(token) {
            return Some(n.into());
        }
        // Node keeps what its visitor would: a float only when finite,
        // which parsing gives.
        self.text.get(start..self.at)?.parse().ok()
    }

    fn list(&mut self, slot: &mut Node<'a>) -> Option<()> {
        self.at += 1;
        let mut items = Vec::with_capacity(super::LIST_GUESS);
        self.space();
        if self.peek()? == b']' {
            self.at += 1;
            *slot = Node::List(items);
            return Some(());
        }
        loop {
            self.read_into(appended(&mut items, || Node::Null))?;
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => break,
                _ => return None,
            }
        }
        self.at += 1;
        *slot = Node::List(items);
        Some(())
    }

    fn table(&mut self, slot: &mut Node<'a>) -> Option<()> {
        self.at += 1;
        let mut entries = Vec::with_capacity(super::TABLE_GUESS);
        self.space();
        if self.peek()? == b'}' {
            self.at += 1;
            *slot = Node::Table(Table(entries));
            return Some(());
        }
        loop {
            self.space();
            let key = self.string()?;
            self.space();
            if self.peek()? != b':' {
                return None;
            }
            self.at += 1;
            let (_, slot) = appended(&mut entries, || (Cow::Borrowed(key), Node::Null));
            self.read_into(slot)?;
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => break,
                _ => return None,
            }
        }
        self.at += 1;
        *slot = Node::Table(Table(entries));
        Some(())
    }
}

/// Appends the item `make` builds to `items` and returns it, built once
/// there is room, straight into the vector's memory. `Vec::push` builds
/// its argument on the stack first, to keep it across a possible
/// reallocation, and then copies it over, with the same stall as
/// [`Reader::read_into`] avoids. Both together: the tree of a generated
/// application 1.99 -> 1.63 µs (criterion `input/json-tree`,
/// `docs/performance.md`).
#[inline(always)]
fn appended<T>(items: &mut Vec<T>, make: impl FnOnce() -> T) -> &mut T {
    items.reserve(1);
    let at = items.len();
    items.spare_capacity_mut()[0].write(make());
    // SAFETY: the element at `at`, the first beyond the old length, was
    // initialised just above, and `reserve` made room for it.
    unsafe { items.set_len(at + 1) };
    &mut items[at]
}

/// `token` as a count if it is one: 1 to 19 digits, no leading zero (a
/// JSON error serde_json reports), so under 10^19 and within a `u64`,
/// which is what serde_json makes of it. Quantities and years are counts:
/// 156 fewer instructions per application than serde_json's parser
/// (`scripts/instructions.sh`); for decimals the standard library's
/// parser cost more than serde_json's, so those stay with serde_json.
fn plain_count(token: &[u8]) -> Option<u64> {
    if token.is_empty() || token.len() > 19 || (token[0] == b'0' && token.len() > 1) {
        return None;
    }
    token.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde(text: &str) -> Option<Node<'_>> {
        serde_json::from_str(text).ok()
    }

    #[test]
    fn what_it_reads_serde_json_reads_the_same() {
        let documents = [
            r#"{"a":1,"b":[true,false,null],"c":{"d":"2026-11-26","e":[]},"f":{}}"#,
            r#" { "a" : -0 , "b" : 1.5e3 , "c" : 18446744073709551615 , "d" : 18446744073709551616 } "#,
            r#"[-9223372036854775808,-9223372036854775809,0.1,1E-7,2.5e+2,"é😀"]"#,
            r#"{"k":"v","k":"w"}"#,
            "\t\r\n[1]\n",
            r#""just a string""#,
            "123",
            // Counts read without serde_json, up to the longest it allows
            // and past it; and what looks like one but is not.
            "[0,7,10,1000000,1234567890123456789,9999999999999999999,10000000000000000000]",
            "[-7,7.0,7e0,7E+1,-0]",
            // Decimals, which serde_json reads: none is taken for a count.
            "[0.1,4556.44,0.0,10.25,1234567890.123456789,99999999999999999.9]",
            "[0.30000000000000004,9007199254740993.0,123456789012345678901.5,-1.5,1.5e3]",
        ];
        for text in documents {
            let fast = read(text);
            assert!(fast.is_some(), "{text}");
            assert_eq!(fast, serde(text), "{text}");
        }
    }

    #[test]
    fn it_leaves_to_serde_json_whatever_is_not_plain_json() {
        let documents = [
            r#"{"a":"with \"escape\""}"#,
            "{\"a\":\"tab\tinside\"}",
            r#"{"a":1,}"#,
            r#"[1,]"#,
            r#"{"a" 1}"#,
            r#"{a:1}"#,
            "[01]",
            "[00]",
            "[1-2]",
            "[00.5]",
            "[.5]",
            "[1.2.3]",
            "[1.]",
            "[-]",
            "[1e400]",
            "[tru]",
            "[1] x",
            "",
            "   ",
            r#"{"a":1"#,
            r#"["unterminated]"#,
        ];
        for text in documents {
            assert!(read(text).is_none(), "{text}");
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(read(&deep).is_none());
        assert!(serde(&deep).is_none(), "serde_json refuses it too");
    }

    #[test]
    fn a_string_ends_at_its_quote_and_gives_up_at_an_escape_anywhere() {
        for len in 0..20 {
            let plain: String = "abcdefghijklmnopqrstuvwxyz"[..len].into();
            // Characters of two to four bytes at either end of a string,
            // where its slice begins and ends.
            let text = format!("[\"{plain}\",\"é{plain}\",\"{plain}😀\",\"€{plain}é\"]");
            assert_eq!(read(&text), serde(&text), "{text}");
            for at in 0..len {
                for special in ["\\n", "\\\"", "\t", "\u{1}"] {
                    let mut s = plain.clone();
                    s.replace_range(at..at + 1, special);
                    let text = format!("[\"{s}\"]");
                    assert_eq!(read(&text), None, "{text:?}");
                }
            }
        }
    }
}
