//! The document tree an application is validated from: a JSON or TOML
//! document as written, before anything is known about its fields.
//!
//! It exists instead of `serde_json::Value` for batch speed and for one
//! check Value cannot make. Strings without escapes borrow from the text
//! and tables keep their entries in a short list instead of a B-tree, so a
//! JSON Lines record of 1.3 KB becomes a tree without an allocation per
//! key (`docs/performance.md`: parsing into `Value` was a sixth of a batch
//! run). And a table keeps every entry, in order, even a key given twice:
//! `Value` kept only the last, so `{"destination":"KP", ...,
//! "destination":"KE"}` would have been screened as KE; the validator now
//! refuses it, naming the field (`application`).

pub mod plain_json;
pub mod plain_run;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// One value of the document.
#[derive(Clone, Debug, PartialEq)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Text(Cow<'a, str>),
    List(Vec<Node<'a>>),
    Table(Table<'a>),
}

/// A table's entries in document order, as written (a key may repeat).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table<'a>(Vec<(Cow<'a, str>, Node<'a>)>);

impl<'a> Table<'a> {
    /// The first entry named `key`.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Every key, in order, repeats included.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_ref())
    }
}

impl<'a> Node<'a> {
    /// Parses a JSON document: plain JSON directly, anything else (and
    /// every error) with serde_json (`plain_json`).
    pub fn from_json(text: &'a str) -> Result<Node<'a>, serde_json::Error> {
        match plain_json::read(text) {
            Some(node) => Ok(node),
            None => serde_json::from_str(text),
        }
    }

    /// Parses a TOML document; its dates become `YYYY-MM-DD` text, as JSON
    /// writes them.
    pub fn from_toml(text: &str) -> Result<Node<'static>, toml::de::Error> {
        toml::from_str::<toml::Value>(text).map(Node::of_toml)
    }

    fn of_toml(v: toml::Value) -> Node<'static> {
        match v {
            toml::Value::String(s) => Node::Text(Cow::Owned(s)),
            toml::Value::Integer(i) => Node::Number(i.into()),
            toml::Value::Float(f) => {
                serde_json::Number::from_f64(f).map_or(Node::Null, Node::Number)
            }
            toml::Value::Boolean(b) => Node::Bool(b),
            toml::Value::Datetime(d) => Node::Text(Cow::Owned(d.to_string())),
            toml::Value::Array(a) => Node::List(a.into_iter().map(Node::of_toml).collect()),
            // TOML itself refuses a key defined twice.
            toml::Value::Table(t) => Node::Table(Table(
                t.into_iter()
                    .map(|(k, v)| (Cow::Owned(k), Node::of_toml(v)))
                    .collect(),
            )),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Node::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Node::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    pub fn is_list(&self) -> bool {
        matches!(self, Node::List(_))
    }

    /// What was found, for a problem message: `"KP"`, `42`, `a list`.
    pub fn describe(&self) -> String {
        match self {
            Node::Text(s) => format!("\"{s}\""),
            Node::Null => "nothing".into(),
            Node::List(_) => "a list".into(),
            Node::Table(_) => "a table".into(),
            Node::Bool(b) => b.to_string(),
            Node::Number(n) => n.to_string(),
        }
    }
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node<'de>, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

/// Room for a table's entries when the parser cannot say how many follow
/// (JSON never can): an application's largest tables hold 13 fields, so
/// one allocation instead of growing 4, 8, 16 and copying each time.
/// Parsing and validating a generated application: 3% faster.
const TABLE_GUESS: usize = 16;

/// The same for lists: parties, goods and transit states are short.
const LIST_GUESS: usize = 4;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node<'de>, E> {
        Ok(Node::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node<'de>, E> {
        Ok(Node::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node<'de>, E> {
        // JSON cannot write a non-finite number; should one arrive, it is
        // nothing rather than a number.
        Ok(serde_json::Number::from_f64(v).map_or(Node::Null, Node::Number))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node<'de>, E> {
        Ok(Node::Text(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Node<'de>, E> {
        Ok(Node::Text(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node<'de>, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(LIST_GUESS).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut table = Table(Vec::with_capacity(
            map.size_hint().unwrap_or(TABLE_GUESS).min(64),
        ));
        // Checking for repeats here cost a fifth of parsing; the
        // validator finds them almost for free while matching the keys it
        // knows.
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let value = map.next_value()?;
            table.0.push((key.0, value));
        }
        Ok(Node::Table(table))
    }
}

/// A table key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key<'de>, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A TOML error as one line: `line 8, column 8: invalid value: integer
/// `-1`, expected u64`. The toml crate's own text spans several lines
/// (the line quoted, a caret under the column), which a message on one
/// line of standard error, or in a batch's error record, cannot hold.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim();
    match e.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_toml_error_is_one_line_naming_line_and_column() {
        let text = "[limits]\nfuel = -1\n";
        let e = toml::from_str::<
            std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>>,
        >(text)
        .unwrap_err();
        assert_eq!(
            toml_error(text, &e),
            "line 2, column 8: invalid value: integer `-1`, expected u64"
        );
    }

    #[test]
    fn strings_without_escapes_borrow_from_the_text() {
        let node = Node::from_json(r#"{"id":"GB-1","note":"a\"b"}"#).unwrap();
        let Node::Table(t) = node else { panic!() };
        assert!(matches!(
            t.get("id"),
            Some(Node::Text(Cow::Borrowed("GB-1")))
        ));
        assert_eq!(t.get("note").and_then(Node::as_str), Some("a\"b"));
    }

    #[test]
    fn a_key_given_twice_is_kept_twice_in_order() {
        let node = Node::from_json(r#"{"destination":"KP","destination":"KE"}"#).unwrap();
        let Node::Table(t) = node else { panic!() };
        assert_eq!(t.keys().collect::<Vec<_>>(), ["destination", "destination"]);
        assert_eq!(t.get("destination").and_then(Node::as_str), Some("KP"));
    }

    /// A number written by `serde_json` reads back to the same bits: the
    /// register exports applications as JSON for re-evaluation, and their
    /// `input_sha256` must not move. (Found by fuzzing: without serde_json's
    /// `float_roundtrip`, 3.1222222222222226e103 read back 1 ulp off.)
    #[test]
    fn numbers_read_back_to_the_bits_that_were_written() {
        for x in [3.1222222222222226e103, 0.1 + 0.2, 1e-300, 4556.44, f64::MAX] {
            let text = serde_json::to_string(&x).unwrap();
            let read = Node::from_json(&text).unwrap().as_f64().unwrap();
            assert_eq!(read.to_bits(), x.to_bits(), "{text}");
        }
    }

    #[test]
    fn json_and_toml_give_the_same_tree() {
        let json = Node::from_json(r#"{"a":1,"b":[true,2.5],"c":{"d":"2026-11-26"}}"#).unwrap();
        let toml = Node::from_toml("a = 1\nb = [true, 2.5]\n[c]\nd = 2026-11-26\n").unwrap();
        assert_eq!(json, toml);
        assert_eq!(json.describe(), "a table");
    }
}
