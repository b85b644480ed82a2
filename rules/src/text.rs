//! Findings' messages and evidence paths, built without `core::fmt`.
//!
//! `text!("goods[", i, "].quantity")` gives the same string as
//! `format!("goods[{i}].quantity")`. Inside the sandbox `format!` is
//! costly for what it does: every piece goes through `core::fmt`'s
//! dynamic dispatch, integers through its padding machinery, and the
//! string grows as it goes. A profile of the `att` plug-in on generated
//! applications put `core::fmt` at about a sixth of its time, for a few
//! short strings per application (`docs/performance.md`). `text!` adds up
//! the pieces' sizes, allocates once, and appends each piece directly.
//!
//! A piece is anything that implements [`Piece`]: string slices and
//! strings, integers (decimal), [`Country`], [`Date`] (`YYYY-MM-DD`), every
//! enumeration of the spec (its spelling, as `Display` writes it), and
//! [`Joined`] for a list with a separator. What `Display` writes and what
//! [`Piece`] appends are the same; a test holds them together.

use crate::model::{Country, Date};
use alloc::string::String;

/// A part of a message.
pub trait Piece {
    /// At most this many bytes will be appended.
    fn max_len(&self) -> usize;
    /// Appends the piece.
    fn push_to(&self, out: &mut String);
}

impl Piece for str {
    #[inline]
    fn max_len(&self) -> usize {
        self.len()
    }
    #[inline]
    fn push_to(&self, out: &mut String) {
        out.push_str(self)
    }
}

impl Piece for String {
    #[inline]
    fn max_len(&self) -> usize {
        self.len()
    }
    #[inline]
    fn push_to(&self, out: &mut String) {
        out.push_str(self)
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    #[inline]
    fn max_len(&self) -> usize {
        (**self).max_len()
    }
    #[inline]
    fn push_to(&self, out: &mut String) {
        (**self).push_to(out)
    }
}

impl Piece for Country {
    #[inline]
    fn max_len(&self) -> usize {
        2
    }
    #[inline]
    fn push_to(&self, out: &mut String) {
        out.push_str(self.as_str())
    }
}

impl Piece for Date {
    fn max_len(&self) -> usize {
        // A year beyond 9999 is written in full, as `{:04}` would.
        20 + 6
    }
    fn push_to(&self, out: &mut String) {
        push_padded(out, u64::from(self.year()), 4);
        out.push('-');
        push_padded(out, u64::from(self.month()), 2);
        out.push('-');
        push_padded(out, u64::from(self.day()), 2);
    }
}

macro_rules! integer_pieces {
    ($($t:ty),+) => {$(
        impl Piece for $t {
            #[inline]
            fn max_len(&self) -> usize {
                20
            }
            #[inline]
            fn push_to(&self, out: &mut String) {
                push_padded(out, *self as u64, 1)
            }
        }
    )+};
}
integer_pieces!(u8, u16, u32, u64, usize);

/// Appends `n` in decimal with at least `width` digits.
fn push_padded(out: &mut String, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    while n > 0 || digits.len() - start < width.max(1) {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    // Only ASCII digits were written.
    out.push_str(core::str::from_utf8(&digits[start..]).unwrap_or_default());
}

/// The items of a list with `separator` between them, as
/// `items.join(separator)` gives.
pub struct Joined<'a, T>(pub &'a [T], pub &'a str);

impl<T: Piece> Piece for Joined<'_, T> {
    fn max_len(&self) -> usize {
        let items: usize = self.0.iter().map(Piece::max_len).sum();
        items + self.1.len() * self.0.len().saturating_sub(1)
    }
    fn push_to(&self, out: &mut String) {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                out.push_str(self.1);
            }
            item.push_to(out);
        }
    }
}

/// Pieces to be joined into one string: tuples of up to twelve
/// [`Piece`]s. Use [`text!`](crate::text!) rather than this directly.
pub trait Pieces: Sized {
    /// Appends the pieces to `out`, growing it at most once.
    fn append_to(self, out: &mut String);

    fn build(self) -> String {
        let mut out = String::new();
        self.append_to(&mut out);
        out
    }
}

macro_rules! tuple_pieces {
    ($($p:ident),+) => {
        impl<$($p: Piece),+> Pieces for ($($p,)+) {
            #[inline]
            #[allow(non_snake_case)]
            fn append_to(self, out: &mut String) {
                let ($($p,)+) = self;
                out.reserve(0 $(+ $p.max_len())+);
                $($p.push_to(out);)+
            }
        }
    };
}
tuple_pieces!(A);
tuple_pieces!(A, B);
tuple_pieces!(A, B, C);
tuple_pieces!(A, B, C, D);
tuple_pieces!(A, B, C, D, E);
tuple_pieces!(A, B, C, D, E, F);
tuple_pieces!(A, B, C, D, E, F, G);
tuple_pieces!(A, B, C, D, E, F, G, H);
tuple_pieces!(A, B, C, D, E, F, G, H, I);
tuple_pieces!(A, B, C, D, E, F, G, H, I, J);
tuple_pieces!(A, B, C, D, E, F, G, H, I, J, K);
tuple_pieces!(A, B, C, D, E, F, G, H, I, J, K, L);

/// Joins pieces into a `String`, allocating once:
/// `text!("Destination ", app.route.destination)`; or appends them to an
/// existing one: `text!(to message; "; see ", e.id)`. Each piece is
/// evaluated once, in order (see the [module](mod@crate::text) docs).
#[macro_export]
macro_rules! text {
    (to $out:expr; $($piece:expr),+ $(,)?) => {
        $crate::text::Pieces::append_to(($(&$piece,)+), &mut $out)
    };
    ($($piece:expr),+ $(,)?) => {
        $crate::text::Pieces::build(($(&$piece,)+))
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Effect;
    use crate::model::PartyType;
    use alloc::format;
    use alloc::vec;

    #[test]
    fn pieces_read_as_display_writes_them() {
        let country = Country::new("KE").unwrap();
        for date in ["2026-11-27", "0987-01-05", "2000-02-29"] {
            let d = Date::parse(date).unwrap();
            assert_eq!(text!(d), format!("{d}"));
        }
        for n in [0u64, 7, 10, 99, 100, 18_446_744_073_709_551_615] {
            assert_eq!(text!(n), format!("{n}"));
        }
        assert_eq!(text!(0usize, 42u32, 7u8), "0427");
        assert_eq!(
            text!(
                PartyType::NonStateArmedGroup,
                " ",
                Effect::Deny,
                " ",
                country
            ),
            format!(
                "{} {} {country}",
                PartyType::NonStateArmedGroup,
                Effect::Deny
            )
        );
    }

    #[test]
    fn a_message_is_its_pieces_in_order() {
        let (i, name) = (3usize, String::from("Lot \"A\""));
        assert_eq!(
            text!("goods[", i, "].quantity: ", name, "!"),
            format!("goods[{i}].quantity: {name}!")
        );
        let what = vec!["firearms", "ammunition"];
        assert_eq!(
            text!("covers ", Joined(&what, ", ")),
            "covers firearms, ammunition"
        );
        let mut message = String::from("Destination KP");
        text!(to message; "; reference entry ", "un-kp", " is not fully verified");
        assert_eq!(
            message,
            "Destination KP; reference entry un-kp is not fully verified"
        );
        let none: [&str; 0] = [];
        assert_eq!(text!("[", Joined(&none, ", "), "]"), "[]");
    }
}
