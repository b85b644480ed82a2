//! Inline answers (ABI v4, `docs/abi.md`): up to eight findings of rules in
//! the plug-in's table, returned in the `u64` of `attest_evaluate` itself.
//!
//! Most evaluations fire a few rules of the table with their `checks` text
//! and nothing else. Written as bytes, each such answer is one more buffer
//! in guest memory for the host to find, bound-check and read after the
//! call: about a tenth of a call of the comparison plug-in
//! (`docs/performance.md`). Inline, it costs nothing to move.
//!
//! Layout, from the least significant bit:
//!
//! | bits | field |
//! |---|---|
//! | 0-3 | `n`, the number of entries, 0 to 8 |
//! | 4 + 7i .. 4 + 7i + 7 | entry `i`: rule index (5 bits, 0-31), then effect code (2 bits) |
//! | 4 + 7n .. 62 | zero |
//! | 63 | 1: an inline answer |
//!
//! Each entry stands for the finding `Findings::fire` makes: the rule's id,
//! instrument and article, its `checks` text as message, no evidence,
//! binding. A real answer's address is below 4 GiB, so bit 63 is never set
//! in a `ptr << 32 | len` answer.

use super::wire::{WireError, WireProblem};
use crate::finding::Effect;

/// Bit 63: the answer is inline.
pub const FLAG: u64 = 1 << 63;
/// An inline answer with no findings.
pub const EMPTY: u64 = FLAG;
/// Entries an inline answer holds at most.
pub const MAX_ENTRIES: usize = 8;
/// Rule indexes an entry can hold: 0 to 31.
pub const INDEXES: usize = 32;

const COUNT_BITS: u32 = 4;
const ENTRY_BITS: u32 = 7;
const INDEX_BITS: u32 = 5;

/// Is `answer`, as `attest_evaluate` returned it, an inline answer?
pub fn is_inline(answer: u64) -> bool {
    answer & FLAG != 0
}

/// How many entries `answer` holds, as it says (checked by [`entries`]).
pub fn count(answer: u64) -> usize {
    (answer & ((1 << COUNT_BITS) - 1)) as usize
}

/// `answer` with one more entry, or `None` when it cannot hold it (eight
/// entries already, or an index past 31).
pub fn with(answer: u64, index: usize, effect: Effect) -> Option<u64> {
    let n = count(answer);
    if n >= MAX_ENTRIES || index >= INDEXES {
        return None;
    }
    let entry = index as u64 | u64::from(effect.code()) << INDEX_BITS;
    Some((answer + 1) | entry << (COUNT_BITS + ENTRY_BITS * n as u32))
}

/// The entries of `answer` in order, `(rule index, effect)`; refused when
/// it claims more than eight or sets bits past its entries.
pub fn entries(answer: u64) -> Result<impl Iterator<Item = (usize, Effect)>, WireError> {
    let n = count(answer);
    if n > MAX_ENTRIES {
        return Err(bad("entry count", n as u64));
    }
    let used = COUNT_BITS + ENTRY_BITS * n as u32;
    let stray = (answer & !FLAG) >> used;
    if stray != 0 {
        return Err(bad("value of the bits past its entries", stray));
    }
    Ok((0..n).map(move |i| {
        let entry = answer >> (COUNT_BITS + ENTRY_BITS * i as u32);
        let index = (entry & ((1 << INDEX_BITS) - 1)) as usize;
        let code = ((entry >> INDEX_BITS) & 3) as u8;
        // Two bits hold exactly the four effects.
        let effect = Effect::from_code(code).unwrap_or(Effect::Refer);
        (index, effect)
    }))
}

fn bad(what: &'static str, value: u64) -> WireError {
    WireError {
        offset: 0,
        problem: WireProblem::BadInline { what, value },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn entries_read_back_in_order_up_to_eight() {
        let effects = Effect::ALL;
        let mut answer = EMPTY;
        let mut sent = alloc::vec::Vec::new();
        for i in 0..MAX_ENTRIES {
            let (index, effect) = ((i * 5) % INDEXES, effects[i % effects.len()]);
            answer = with(answer, index, effect).unwrap();
            sent.push((index, effect));
            assert!(is_inline(answer));
            assert_eq!(
                entries(answer).unwrap().collect::<alloc::vec::Vec<_>>(),
                sent
            );
        }
        assert_eq!(with(answer, 0, Effect::Deny), None, "a ninth entry");
        assert_eq!(with(EMPTY, INDEXES, Effect::Deny), None, "index 32");
        assert_eq!(entries(EMPTY).unwrap().count(), 0);
    }

    #[test]
    fn a_count_over_eight_or_stray_bits_are_refused() {
        let nine = EMPTY | 9;
        assert_eq!(
            entries(nine).err().unwrap().to_string(),
            "inline answer: 9 is not a valid entry count"
        );
        let one = with(EMPTY, 3, Effect::Refer).unwrap();
        let stray = one | 1 << 40;
        assert_eq!(
            entries(stray).err().unwrap().to_string(),
            "inline answer: 536870912 is not a valid value of the bits past its entries"
        );
    }
}
