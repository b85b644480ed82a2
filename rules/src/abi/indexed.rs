//! Findings named by rule index (ABI v3, `docs/abi.md`).
//!
//! A plug-in that exports its rule table (`attest_rules`, the `rules =`
//! argument of `export_policy!`) can answer "rule 3 fired, deny" in a few
//! bytes: the host reads the table once per module and fills in the
//! rule's id, instrument, article and `checks` text itself. Sent whole,
//! the same finding was three strings built in the guest, copied into the
//! response, then checked and copied again by the host: a third of a
//! comparison plug-in call (`docs/performance.md`).
//!
//! [`Findings`] is what an in-place policy writes its findings to. While
//! they are rules of the table and fit, it keeps them as an inline answer
//! (ABI v4, [`super::inline`]); otherwise it writes the tag-2 answer. The
//! host reads them back with `codec::decode_inline` or
//! `codec::decode_response_into`.

use super::codec::Wire;
use super::inline;
use super::wire::Writer;
use crate::finding::{Effect, Finding, Rule};
use alloc::vec::Vec;

/// The response tag of an answer made of [`Entry`]s.
pub const TAG: u8 = 2;

/// How each entry of a tag-2 answer is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Entry {
    /// A whole finding follows, as in a tag-0 answer.
    Whole = 0,
    /// `rule: u32` (index into the rule table), `effect`, `binding`,
    /// `message: option<str>` (absent: the rule's `checks` text),
    /// `evidence: list<str>`.
    ByRule = 1,
}

impl Entry {
    pub fn from_code(code: u8) -> Option<Entry> {
        match code {
            0 => Some(Entry::Whole),
            1 => Some(Entry::ByRule),
            _ => None,
        }
    }
}

/// The findings of one evaluation, kept as an inline answer while they
/// fit one, else written straight into the tag-2 response.
pub struct Findings<'t> {
    table: &'t [Rule],
    /// The findings so far as an inline answer; `None` once they are
    /// written to `out` instead.
    inline: Option<u64>,
    out: Vec<u8>,
    /// Entries written to `out`.
    count: u32,
}

/// What an evaluation answers: inline, or the bytes of a response.
#[derive(Debug, PartialEq)]
pub enum Answer {
    Inline(u64),
    Bytes(Vec<u8>),
}

impl From<Vec<u8>> for Answer {
    fn from(bytes: Vec<u8>) -> Answer {
        Answer::Bytes(bytes)
    }
}

/// Where the entry count lies: after the tag.
const COUNT_AT: usize = 1;

impl<'t> Findings<'t> {
    /// An empty answer naming rules by their index in `table`; `out` is
    /// the buffer it is written into if it cannot stay inline.
    pub fn new(table: &'t [Rule], out: Vec<u8>) -> Findings<'t> {
        Findings {
            table,
            inline: Some(inline::EMPTY),
            out,
            count: 0,
        }
    }

    /// A finding of `rule` with `effect`: its message is the rule's
    /// `checks` text, it has no evidence, and it binds. A rule of the table
    /// crosses as its index; any other is written whole. Passing the
    /// table's own entry (`&RULES[i]`) finds the index at once; an equal
    /// rule from elsewhere is found by comparing it with each entry.
    pub fn fire(&mut self, rule: &Rule, effect: Effect) {
        let Some(index) = self.index_of(rule) else {
            self.push(rule.finding(effect, rule.checks.into()));
            return;
        };
        if let Some(answer) = self.inline {
            if let Some(more) = inline::with(answer, index, effect) {
                self.inline = Some(more);
                return;
            }
            self.write_out();
        }
        self.write_by_rule(index, effect);
    }

    /// Writes a fired rule to `out` as an entry in one piece: kind, index,
    /// effect, binding, no message of its own (the rule's `checks` text),
    /// no evidence.
    fn write_by_rule(&mut self, index: usize, effect: Effect) {
        let mut entry = [0u8; 12];
        entry[0] = Entry::ByRule as u8;
        entry[1..5].copy_from_slice(&(index as u32).to_le_bytes());
        entry[5] = effect.code();
        entry[6] = u8::from(true);
        self.out.extend_from_slice(&entry);
        self.count += 1;
    }

    /// Where `rule` lies in the table: from its address when it is one of
    /// the table's entries, else by comparing it with each.
    fn index_of(&self, rule: &Rule) -> Option<usize> {
        let size = core::mem::size_of::<Rule>();
        let offset = (rule as *const Rule as usize).wrapping_sub(self.table.as_ptr() as usize);
        if offset.is_multiple_of(size) && offset / size < self.table.len() {
            return Some(offset / size);
        }
        self.table.iter().position(|r| same_rule(r, rule))
    }

    /// Leaves the inline answer for the tag-2 one: the answer's head, then
    /// the entries kept inline so far.
    fn write_out(&mut self) {
        let Some(answer) = self.inline.take() else {
            return;
        };
        self.out.clear();
        let mut w = Writer::new(&mut self.out);
        w.u8(TAG);
        w.u32(0);
        // An answer `with` built holds only valid entries.
        for (index, effect) in inline::entries(answer).into_iter().flatten() {
            self.write_by_rule(index, effect);
        }
    }

    /// Any finding, written whole.
    pub fn push(&mut self, finding: Finding) {
        self.write_out();
        let mut w = Writer::new(&mut self.out);
        w.u8(Entry::Whole as u8);
        finding.put(&mut w);
        self.count += 1;
    }

    /// How many findings so far.
    pub fn len(&self) -> usize {
        self.inline.map_or(self.count as usize, inline::count)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The answer: inline if the findings fit one, else the bytes of the
    /// tag-2 response.
    pub fn answer(self) -> Answer {
        match self.inline {
            Some(answer) => Answer::Inline(answer),
            None => Answer::Bytes(self.finish()),
        }
    }

    /// The tag-2 response, whether or not the findings would fit inline.
    pub fn finish(mut self) -> Vec<u8> {
        self.write_out();
        Writer::new(&mut self.out).patch_u32(COUNT_AT, self.count);
        self.out
    }
}

/// The same rule: the same id, instrument and article. Rules are
/// constants, so their strings are usually the very same bytes, and
/// comparing addresses first spares a plug-in's byte-at-a-time `memcmp`.
fn same_rule(a: &Rule, b: &Rule) -> bool {
    let same = |x: &str, y: &str| core::ptr::eq(x, y) || x == y;
    a.instrument == b.instrument && same(a.id, b.id) && same(a.article, b.article)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Instrument;

    static TABLE: [Rule; 3] = [rule("t.a"), rule("t.b"), rule("t.c")];

    const fn rule(id: &'static str) -> Rule {
        Rule {
            id,
            instrument: Instrument::National,
            article: "Art. 1",
            checks: "a check",
        }
    }

    #[test]
    fn a_rule_is_found_by_address_in_the_table_and_by_value_elsewhere() {
        let sink = Findings::new(&TABLE, Vec::new());
        for (i, entry) in TABLE.iter().enumerate() {
            assert_eq!(sink.index_of(entry), Some(i));
            let copy = *entry;
            assert_eq!(sink.index_of(&copy), Some(i));
        }
        assert_eq!(sink.index_of(&rule("t.d")), None);
        // Only the table's own entries are found by address: the same
        // rules in another array are compared.
        let other = [rule("t.c"), rule("t.x")];
        assert_eq!(sink.index_of(&other[0]), Some(2));
        assert_eq!(sink.index_of(&other[1]), None);
    }
}
