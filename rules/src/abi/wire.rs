//! The byte-level primitives of the ABI encoding (see `docs/abi.md`).
//!
//! Little-endian integers, length-prefixed UTF-8 strings, one-byte tags.
//! The reader never panics and never allocates more than the bytes it has
//! been given could describe: every length is checked against what remains,
//! because both sides read bytes the other side wrote and either may be
//! hostile.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Why bytes could not be decoded, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError {
    /// Byte offset where decoding failed.
    pub offset: usize,
    pub problem: WireProblem,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireProblem {
    /// The input ended inside a value.
    Truncated,
    /// A string was not UTF-8.
    NotUtf8,
    /// A tag or code outside its enumeration.
    BadCode { what: &'static str, code: u32 },
    /// A list claims more items than the remaining bytes can hold.
    ImpossibleLength(u32),
    /// Bytes remained after the value.
    TrailingBytes(usize),
    /// The request's section table disagrees with where a field lies.
    Section { field: &'static str, listed: u32 },
    /// The host sent the request in the form (`full` or `view`) this
    /// plug-in does not read: its manifest's `request` key disagrees with
    /// how it was built.
    WrongForm { sent: &'static str },
    /// A text field of the view request that the host withheld, because
    /// the plug-in's manifest does not list it in `text_fields`.
    Withheld { field: &'static str },
    /// An inline answer (ABI v4) that no plug-in built to the ABI writes.
    BadInline { what: &'static str, value: u64 },
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            WireProblem::Truncated => write!(f, "input ends early at byte {}", self.offset),
            WireProblem::NotUtf8 => write!(f, "string at byte {} is not UTF-8", self.offset),
            WireProblem::BadCode { what, code } => {
                write!(f, "byte {}: {code} is not a valid {what}", self.offset)
            }
            WireProblem::ImpossibleLength(n) => {
                write!(
                    f,
                    "byte {}: length {n} exceeds the remaining input",
                    self.offset
                )
            }
            WireProblem::TrailingBytes(n) => write!(f, "{n} unexpected bytes after the value"),
            WireProblem::Section { field, listed } => write!(
                f,
                "byte {}: the section table puts `{field}` at byte {listed}",
                self.offset
            ),
            WireProblem::BadInline { what, value } => {
                write!(f, "inline answer: {value} is not a valid {what}")
            }
            WireProblem::Withheld { field } => write!(
                f,
                "byte {}: `{field}` was withheld: the manifest's `text_fields` does not list it",
                self.offset
            ),
            WireProblem::WrongForm { sent } => write!(
                f,
                "the host sent the {sent} request, which this plug-in does not read: \
                 its manifest's `request` key must say how it reads requests \
                 (`view` for `export_policy!(in_place ...)`, docs/abi.md)"
            ),
        }
    }
}

/// Appends encoded values to a buffer. The buffer is borrowed so that a
/// caller on the hot path can reuse one allocation across applications.
pub struct Writer<'b> {
    buf: &'b mut Vec<u8>,
}

// The primitives of `Writer` and `Reader` are `#[inline]`: the `Wire`
// impls calling them sit in other codegen units (and, for the host, another
// crate), where each byte written or read was otherwise a call. Measured on
// the comparison workload: encoding a request 170 -> 120 ns.
impl<'b> Writer<'b> {
    #[inline]
    pub fn new(buf: &'b mut Vec<u8>) -> Writer<'b> {
        Writer { buf }
    }
    #[inline]
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    /// Bytes in the buffer so far: where the next value will start.
    #[inline]
    pub fn position(&self) -> usize {
        self.buf.len()
    }
    /// Overwrites the `u32` written at `at` (a former [`Writer::position`]):
    /// for a table of offsets written before what it points to.
    #[inline]
    pub fn patch_u32(&mut self, at: usize, v: u32) {
        self.buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
    #[inline]
    pub fn bool(&mut self, v: bool) {
        self.buf.push(u8::from(v));
    }
    #[inline]
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    #[inline]
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    #[inline]
    pub fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    /// Lengths are `u32`: nothing the host accepts comes near 4 GiB.
    #[inline]
    pub fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    #[inline]
    pub fn str(&mut self, s: &str) {
        self.len(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }
    #[inline]
    pub fn bytes2(&mut self, b: [u8; 2]) {
        self.buf.extend_from_slice(&b);
    }
    /// `0` for none, `1` followed by the value.
    #[inline]
    pub fn option<T>(&mut self, v: &Option<T>, mut put: impl FnMut(&mut Self, &T)) {
        match v {
            None => self.u8(0),
            Some(x) => {
                self.u8(1);
                put(self, x);
            }
        }
    }
    /// A `u32` count followed by the items.
    #[inline]
    pub fn list<T>(&mut self, items: &[T], mut put: impl FnMut(&mut Self, &T)) {
        self.len(items.len());
        for item in items {
            put(self, item);
        }
    }
}

/// `bytes` as a string if they are UTF-8. Most strings of a request are
/// short and ASCII: checking that first, a word at a time, and only then
/// running the full UTF-8 check, took 6% of the ATT plug-in's fuel and
/// 12% of the FP plug-in's (both decode every string of the application).
#[inline]
pub fn utf8(bytes: &[u8]) -> Result<&str, core::str::Utf8Error> {
    if bytes.is_ascii() {
        // SAFETY: ASCII is UTF-8.
        Ok(unsafe { core::str::from_utf8_unchecked(bytes) })
    } else {
        core::str::from_utf8(bytes)
    }
}

/// Reads values back, checking every step.
///
/// Reading does not stop at the first fault: the reader records it (the
/// first one only), jumps to the end of its input so that every later read
/// comes back empty at once, and returns a placeholder (zero, empty, the
/// first code of an enumeration). [`Reader::finish`] then reports the
/// fault. Decoders thus read field after field with no `Result` to pass
/// up at each one: in the plug-ins, passing every field's `Result` up
/// through each level of the request was most of decoding's cost
/// (`docs/performance.md`). A value read from a reader with a fault is
/// never to be used.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    fault: Option<WireError>,
}

impl<'a> Reader<'a> {
    #[inline]
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader {
            bytes,
            pos: 0,
            fault: None,
        }
    }

    /// Records `problem` at byte `offset` unless a fault came first, and
    /// leaves nothing more to read.
    #[cold]
    #[inline(never)]
    pub fn fail_at(&mut self, offset: usize, problem: WireProblem) {
        if self.fault.is_none() {
            self.fault = Some(WireError { offset, problem });
        }
        self.pos = self.bytes.len();
    }

    /// Records `problem` where the reader stands (see [`Reader::fail_at`]).
    #[inline]
    pub fn fail(&mut self, problem: WireProblem) {
        self.fail_at(self.pos, problem);
    }

    /// True once a fault has been recorded.
    #[inline]
    pub fn failed(&self) -> bool {
        self.fault.is_some()
    }

    /// How many bytes have been read.
    #[inline]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next `n` bytes; none, with a fault, when fewer remain.
    #[inline]
    fn take(&mut self, n: usize) -> &'a [u8] {
        match self.bytes.get(self.pos..).and_then(|rest| rest.get(..n)) {
            Some(slice) => {
                self.pos += n;
                slice
            }
            None => {
                self.fail(WireProblem::Truncated);
                &[]
            }
        }
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> [u8; N] {
        self.take(N).try_into().unwrap_or([0; N])
    }

    #[inline]
    pub fn u8(&mut self) -> u8 {
        self.array::<1>()[0]
    }
    #[inline]
    pub fn bool(&mut self) -> bool {
        match self.u8() {
            0 => false,
            1 => true,
            code => {
                self.fail(WireProblem::BadCode {
                    what: "bool",
                    code: code.into(),
                });
                false
            }
        }
    }
    #[inline]
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.array())
    }
    #[inline]
    pub fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.array())
    }
    #[inline]
    pub fn f64(&mut self) -> f64 {
        f64::from_bits(self.u64())
    }
    #[inline]
    pub fn bytes2(&mut self) -> [u8; 2] {
        self.array()
    }
    #[inline]
    pub fn str(&mut self) -> &'a str {
        let n = self.u32() as usize;
        let at = self.pos;
        let raw = self.take(n);
        utf8(raw).unwrap_or_else(|_| {
            self.fail_at(at, WireProblem::NotUtf8);
            ""
        })
    }
    #[inline]
    pub fn string(&mut self) -> String {
        String::from(self.str())
    }
    /// Reads a one-byte code and maps it through `from_code`; `None`, with
    /// a fault, for a code outside it.
    #[inline]
    pub fn code<T>(&mut self, what: &'static str, from_code: fn(u8) -> Option<T>) -> Option<T> {
        let code = self.u8();
        let value = from_code(code);
        if value.is_none() && !self.failed() {
            self.fail_at(
                self.pos - 1,
                WireProblem::BadCode {
                    what,
                    code: code.into(),
                },
            );
        }
        value
    }
    /// `0` for none, `1` followed by the value.
    #[inline]
    pub fn option<T>(&mut self, get: impl FnOnce(&mut Self) -> T) -> Option<T> {
        match self.u8() {
            0 => None,
            1 => Some(get(self)),
            code => {
                self.fail(WireProblem::BadCode {
                    what: "option tag",
                    code: code.into(),
                });
                None
            }
        }
    }
    /// A list; every item takes at least one byte, so a count larger than
    /// the remaining input is refused before anything is allocated.
    #[inline]
    pub fn list<T>(&mut self, mut get: impl FnMut(&mut Self) -> T) -> Vec<T> {
        let n = self.count();
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(get(self));
            if self.failed() {
                break;
            }
        }
        items
    }
    /// A list's item count; 0, with a fault, when the remaining bytes
    /// could not hold that many items (each takes at least one byte).
    #[inline]
    pub fn count(&mut self) -> usize {
        let at = self.pos;
        let n = self.u32();
        if n as usize > self.bytes.len() - self.pos {
            self.fail_at(at + 4, WireProblem::ImpossibleLength(n));
            return 0;
        }
        n as usize
    }
    /// The first fault, if any.
    #[inline]
    pub fn check(&self) -> Result<(), WireError> {
        match &self.fault {
            None => Ok(()),
            Some(fault) => Err(fault.clone()),
        }
    }
    /// The first fault, or an error unless every byte was consumed.
    #[inline]
    pub fn finish(self) -> Result<(), WireError> {
        self.check()?;
        match self.bytes.len() - self.pos {
            0 => Ok(()),
            n => Err(WireError {
                offset: self.pos,
                problem: WireProblem::TrailingBytes(n),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_checked_as_utf8_past_the_ascii_shortcut() {
        assert_eq!(utf8(b"ML1.a"), Ok("ML1.a"));
        assert_eq!(
            utf8("Zürich, Côte d'Ivoire".as_bytes()),
            Ok("Zürich, Côte d'Ivoire")
        );
        assert_eq!(utf8(b""), Ok(""));
        for bad in [
            &b"ML1\xff"[..],
            b"\xc3",
            b"abc\xed\xa0\x80",
            b"\xf8\x88\x80\x80\x80",
        ] {
            assert!(utf8(bad).is_err(), "{bad:?}");
        }
        let mut buf = Vec::new();
        Writer::new(&mut buf).u32(2);
        buf.extend_from_slice(&[0xc3, 0x28]);
        let mut r = Reader::new(&buf);
        assert_eq!(r.str(), "");
        let e = r.finish().unwrap_err();
        assert_eq!((e.offset, e.problem), (4, WireProblem::NotUtf8));
    }

    #[test]
    fn a_list_longer_than_its_input_is_refused_before_allocating() {
        let mut buf = Vec::new();
        Writer::new(&mut buf).u32(u32::MAX);
        let mut r = Reader::new(&buf);
        let items = r.list(|r| r.u8());
        assert_eq!((items.len(), items.capacity()), (0, 0));
        let err = r.finish().unwrap_err();
        assert_eq!(err.problem, WireProblem::ImpossibleLength(u32::MAX));
    }

    #[test]
    fn a_string_running_past_the_end_is_truncated_not_a_panic() {
        let mut buf = Vec::new();
        let mut w = Writer::new(&mut buf);
        w.u32(10);
        w.u8(b'a');
        let mut r = Reader::new(&buf);
        assert_eq!(r.str(), "");
        assert_eq!(r.finish().unwrap_err().problem, WireProblem::Truncated);
    }

    #[test]
    fn the_first_fault_is_the_one_reported_and_reading_stops_there() {
        // A bad option tag at byte 4, then a list far too long.
        let mut buf = Vec::new();
        let mut w = Writer::new(&mut buf);
        w.u32(7);
        w.u8(9);
        w.u32(1_000);
        w.u8(1);
        let mut r = Reader::new(&buf);
        assert_eq!(r.u32(), 7);
        assert_eq!(r.option(|r| r.u8()), None);
        // Nothing is left to read after a fault: the list is empty and
        // the second problem is not what is reported.
        assert!(r.list(|r| r.u8()).is_empty());
        assert_eq!(r.u8(), 0);
        let e = r.finish().unwrap_err();
        assert_eq!(
            (e.offset, e.problem),
            (
                5,
                WireProblem::BadCode {
                    what: "option tag",
                    code: 9
                }
            )
        );
    }
}
