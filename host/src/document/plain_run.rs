//! Where a JSON string's plain text ends: the first `"`, `\` or control
//! character, the bytes JSON does not write as themselves inside a string.
//! The JSON reader looks for the closing quote of each string it reads,
//! and the decision writer for the bytes it must escape: both ask this.
//!
//! Why sixteen bytes at a time: it was the hottest loop of both, one table
//! look-up per byte of every string, and an application's strings (keys,
//! codes, names) and a decision's (rule ids, messages, hashes) are mostly
//! longer than eight bytes but rarely than sixteen
//! (`scripts/instructions.sh`, `docs/performance.md`).

/// The bytes that end a plain run of a JSON string: `"`, `\` and the
/// control characters, as a table looked up once per byte.
pub static STOPS_STRING: [bool; 256] = {
    let mut stops = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        stops[b] = true;
        b += 1;
    }
    stops[b'"' as usize] = true;
    stops[b'\\' as usize] = true;
    stops
};

/// How many bytes at the start of `bytes` JSON writes as themselves inside
/// a string: the position of the first `"`, `\` or control character, or
/// the whole length when there is none.
#[inline]
pub fn plain_len(bytes: &[u8]) -> usize {
    let mut at = 0;
    #[cfg(target_arch = "x86_64")]
    while let Some(block) = bytes.get(at..at + 16) {
        let stops = sse2::stops(block);
        if stops != 0 {
            return at + stops.trailing_zeros() as usize;
        }
        at += 16;
    }
    bytes[at..]
        .iter()
        .position(|&b| STOPS_STRING[usize::from(b)])
        .map_or(bytes.len(), |i| at + i)
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };

    /// A bit for each of the sixteen bytes of `block` (bit `i` for byte
    /// `i`) that is `"`, `\` or a control character.
    #[inline]
    pub fn stops(block: &[u8]) -> u32 {
        assert!(block.len() >= 16);
        // SAFETY: SSE2 is part of every x86_64 processor (the target's
        // baseline), and the unaligned load reads the first sixteen bytes
        // of `block`, which has at least that many (asserted above; the
        // caller's slice makes the check free).
        unsafe {
            let v = _mm_loadu_si128(block.as_ptr().cast());
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            // A control character is one that the minimum with 0x1f
            // leaves unchanged (the comparison is unsigned).
            let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)) as u32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_stops_at_exactly_the_quote_the_backslash_and_controls() {
        for b in 0u8..=255 {
            let stops = b < 0x20 || b == b'"' || b == b'\\';
            assert_eq!(STOPS_STRING[usize::from(b)], stops, "byte {b:#x}");
        }
    }

    /// Every byte value at every position of runs as long as three blocks
    /// and a tail, so that both the sixteen-byte test and the table are
    /// held to the definition.
    #[test]
    fn the_plain_run_ends_at_the_first_stop_wherever_it_lies() {
        for len in 0..50 {
            let plain = vec![b'a'; len];
            assert_eq!(plain_len(&plain), len);
            for at in 0..len {
                for b in 0u8..=255 {
                    let mut bytes = plain.clone();
                    bytes[at] = b;
                    let stops = b < 0x20 || b == b'"' || b == b'\\';
                    let expected = if stops { at } else { len };
                    assert_eq!(plain_len(&bytes), expected, "byte {b:#x} at {at} of {len}");
                }
            }
        }
        // The first of several stops, and bytes above 0x7f (parts of
        // characters) as plain text.
        assert_eq!(plain_len("é€😀 \"\\\n".as_bytes()), 10);
        assert_eq!(plain_len(b"0123456789abcdefghij\\\"k\x01"), 20);
    }
}
