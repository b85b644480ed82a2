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

use super::{Node, Table};
use std::borrow::Cow;

/// serde_json refuses documents nested deeper than this.
const MAX_DEPTH: usize = 128;

/// The tree of `text`, or `None` to let serde_json parse it.
pub fn read(text: &str) -> Option<Node<'_>> {
    let mut r = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
        depth: 0,
    };
    let node = r.value()?;
    r.space();
    (r.at == r.bytes.len()).then_some(node)
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// JSON's white space: space, tab, line feed, carriage return.
    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &str, node: Node<'a>) -> Option<Node<'a>> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end) == Some(word.as_bytes())).then(|| {
            self.at = end;
            node
        })
    }

    fn value(&mut self) -> Option<Node<'a>> {
        self.space();
        match self.peek()? {
            b'{' => self.nested(Reader::table),
            b'[' => self.nested(Reader::list),
            b'"' => self.string().map(|s| Node::Text(Cow::Borrowed(s))),
            b't' => self.literal("true", Node::Bool(true)),
            b'f' => self.literal("false", Node::Bool(false)),
            b'n' => self.literal("null", Node::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn nested(&mut self, read: fn(&mut Self) -> Option<Node<'a>>) -> Option<Node<'a>> {
        self.depth += 1;
        if self.depth >= MAX_DEPTH {
            return None;
        }
        let node = read(self);
        self.depth -= 1;
        node
    }

    /// A string without escapes or control characters, borrowed.
    fn string(&mut self) -> Option<&'a str> {
        self.at += 1;
        let start = self.at;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                _ => self.at += 1,
            }
        }
        let s = self.text.get(start..self.at)?;
        self.at += 1;
        Some(s)
    }

    /// A number, converted by serde_json itself from its text, so that
    /// integers, negative zero, large and fractional values come out as
    /// its parser makes them.
    fn number(&mut self) -> Option<Node<'a>> {
        let start = self.at;
        while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        let number: serde_json::Number = self.text.get(start..self.at)?.parse().ok()?;
        // Node keeps what its visitor would: a float only when finite.
        Some(Node::Number(number))
    }

    fn list(&mut self) -> Option<Node<'a>> {
        self.at += 1;
        let mut items = Vec::with_capacity(super::LIST_GUESS);
        self.space();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(Node::List(items));
        }
        loop {
            items.push(self.value()?);
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => break,
                _ => return None,
            }
        }
        self.at += 1;
        Some(Node::List(items))
    }

    fn table(&mut self) -> Option<Node<'a>> {
        self.at += 1;
        let mut entries = Vec::with_capacity(super::TABLE_GUESS);
        self.space();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(Node::Table(Table(entries)));
        }
        loop {
            self.space();
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            self.space();
            if self.peek()? != b':' {
                return None;
            }
            self.at += 1;
            entries.push((Cow::Borrowed(key), self.value()?));
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => break,
                _ => return None,
            }
        }
        self.at += 1;
        Some(Node::Table(Table(entries)))
    }
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
}
