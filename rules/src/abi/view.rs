//! The view request (ABI v3, `docs/abi.md`): the parts of an application
//! most policies look at, laid out in fixed-size records that a plug-in
//! reads where they lie, without decoding anything.
//!
//! A plug-in whose manifest says `request = "view"` receives this form
//! instead of the full request. It starts with a 56-byte header at fixed
//! offsets (dates, states, codes, and where the transit states, parties,
//! goods lines and strings lie); each party is a 24-byte record and each
//! goods line a 48-byte one, so the quantity of the third goods line is
//! one load at a known offset. Strings are `(offset, length)` pairs into
//! the request. The ABI v2 request, with its variable-length fields, made
//! a guest step over and check every item before the one it wanted: the
//! profile of the comparison plug-in put reading it at over half of a
//! call (`docs/performance.md`).
//!
//! [`RequestView::parse`] checks the tag and the address (`as_of`,
//! `state`, `role`); every other field, of the header or of a record, is
//! checked by its accessor when a policy reads it, every code exactly as
//! decoding would, so a policy pays only for what it reads.
//! [`RequestView::check`] and [`List::items`] check everything at once.
//! Strings stay [`Text`], checked as UTF-8 only when read. Nothing is
//! allocated. The host only ever writes well-formed requests; should one
//! arrive damaged where a policy reads it, the evaluation stops with a
//! trap, which the host reports as a fault of the plug-in (`refer`), so a
//! policy never acts on it.
//!
//! A plug-in may also limit the text it receives: with `text_fields` in
//! its manifest ([`TextFields`]), the host withholds every other string
//! of the view (names, registrations, descriptions...), so that a policy
//! that judges codes and numbers never sees a party's name. A withheld
//! string is written as the offset [`WITHHELD`]; reading it traps, as
//! reading a damaged field does.
//!
//! What the view does not hold (the applicant, markings, the transit
//! consents, end use and sale) a policy reads from the decoded application
//! instead, with `export_policy!` and the full request.

use super::wire::{WireError, WireProblem};
use crate::model::*;
use alloc::string::String;
use alloc::vec::Vec;
use core::marker::PhantomData;

/// The first four bytes of every view request. Read as the `as_of` date
/// that starts a full request they are no date at all (month 44), so a
/// plug-in sent the form it does not read can say so.
pub const TAG: [u8; 4] = *b"AV3\0";

/// Bytes of the header; the transit states follow it.
pub const HEADER: usize = 56;
/// Bytes of one party record.
pub const PARTY: usize = 24;
/// Bytes of one goods record.
pub const GOODS: usize = 48;

/// Where each field of the header lies.
mod at {
    pub const AS_OF: usize = 4;
    pub const STATE: usize = 8;
    pub const ROLE: usize = 10;
    pub const KIND: usize = 11;
    pub const SUBMITTED: usize = 12;
    pub const LICENSING_STATE: usize = 16;
    pub const ORIGIN: usize = 18;
    pub const DESTINATION: usize = 20;
    pub const TRANSPORT: usize = 22;
    pub const DOCUMENTS: usize = 23;
    pub const ID: usize = 24;
    pub const TRANSIT: usize = 32;
    pub const PARTIES: usize = 40;
    pub const GOODS: usize = 48;
}

/// Bits of the header's `documents` byte.
const IMPORT_LICENCE: u8 = 1;
const END_USER_CERTIFICATE: u8 = 2;

/// Bits of a party record's flags.
const REGISTRATION: u8 = 1;

/// Bits of a goods record's flags.
const DEACTIVATED: u8 = 1;
const MARKED: u8 = 2;
const CONTROL_ENTRY: u8 = 4;
const UNIT_VALUE: u8 = 8;
const CURRENCY: u8 = 16;

/// `att_category` of a goods line that has none.
const NO_CATEGORY: u8 = 0xff;

/// The offset of a withheld string (its length is 0). No request is
/// 4 GiB long, so no string sent lies there.
pub const WITHHELD: u32 = u32::MAX;

/// A set of the view's text fields: those a plug-in's manifest lists in
/// `text_fields`, which the host sends; it withholds the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextFields(u8);

impl TextFields {
    pub const ID: TextFields = TextFields(1);
    pub const PARTY_NAME: TextFields = TextFields(2);
    pub const PARTY_REGISTRATION: TextFields = TextFields(4);
    pub const GOODS_DESCRIPTION: TextFields = TextFields(8);
    pub const GOODS_CONTROL_ENTRY: TextFields = TextFields(16);
    pub const GOODS_CURRENCY: TextFields = TextFields(32);
    /// Every text field: what a plug-in gets unless its manifest limits it.
    pub const ALL: TextFields = TextFields(63);
    pub const NONE: TextFields = TextFields(0);

    /// Each field by the name a manifest gives it: its path in the
    /// application format (`docs/abi.md`).
    pub const NAMES: [(&'static str, TextFields); 6] = [
        ("id", TextFields::ID),
        ("parties.name", TextFields::PARTY_NAME),
        ("parties.registration", TextFields::PARTY_REGISTRATION),
        ("goods.description", TextFields::GOODS_DESCRIPTION),
        ("goods.control_entry", TextFields::GOODS_CONTROL_ENTRY),
        ("goods.currency", TextFields::GOODS_CURRENCY),
    ];

    /// The field a manifest names `name`, if there is one.
    pub fn named(name: &str) -> Option<TextFields> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, f)| f)
    }

    pub fn with(self, other: TextFields) -> TextFields {
        TextFields(self.0 | other.0)
    }

    pub fn contains(self, other: TextFields) -> bool {
        self.0 & other.0 == other.0
    }

    /// The name of a single field, for messages.
    fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("text", |(n, _)| n)
    }
}

/// Encodes the view request for `app` into `buf` (cleared first), every
/// text field included: [`encode_request_with`] with [`TextFields::ALL`].
pub fn encode_request(
    as_of: Date,
    state: Country,
    role: Role,
    app: &Application,
    buf: &mut Vec<u8>,
) {
    encode_request_with(as_of, state, role, app, TextFields::ALL, buf);
}

/// Encodes the view request for `app` into `buf` (cleared first), as the
/// host does for a plug-in whose manifest says `request = "view"`, with
/// the strings of the fields in `text` and every other text field
/// withheld ([`WITHHELD`]), present or not, so that reading one fails
/// whatever the application holds. One pass over the application: the
/// request is sized first (records and strings), so each record is built
/// on the stack and copied into its place, and each string written where
/// it goes, without growing `buf`.
pub fn encode_request_with(
    as_of: Date,
    state: Country,
    role: Role,
    app: &Application,
    text: TextFields,
    buf: &mut Vec<u8>,
) {
    buf.clear();
    buf.resize(request_len(app, text), 0);
    write_request(as_of, state, role, app, text, buf);
}

/// The size in bytes of the view request for `app` with the strings of
/// `text`: the length of the slice [`write_request`] fills.
pub fn request_len(app: &Application, text: TextFields) -> usize {
    strings_at(app) + string_bytes(app, text)
}

/// Where the string area starts: after the header and the records.
fn strings_at(app: &Application) -> usize {
    HEADER + 2 * app.route.transit.len() + PARTY * app.parties.len() + GOODS * app.goods.len()
}

/// Writes the view request for `app` over `dst`, which must be
/// [`request_len`] bytes long, as [`encode_request_with`] encodes it.
/// Every byte of `dst` is written, so it may hold anything before: the
/// host writes a request straight into a plug-in's memory this way,
/// without a buffer of its own or a copy.
///
/// # Panics
/// If `dst` is not [`request_len`] bytes long.
pub fn write_request(
    as_of: Date,
    state: Country,
    role: Role,
    app: &Application,
    text: TextFields,
    dst: &mut [u8],
) {
    let transit_at = HEADER;
    let parties_at = transit_at + 2 * app.route.transit.len();
    let goods_at = parties_at + PARTY * app.parties.len();
    let mut strings = Strings {
        buf: dst,
        next: strings_at(app),
        text,
    };

    let mut h = [0; HEADER];
    h[..4].copy_from_slice(&TAG);
    put_address(&mut h, as_of, state, role);
    h[at::KIND] = app.kind.code();
    put(
        &mut h,
        at::SUBMITTED,
        app.submitted.to_yyyymmdd().to_le_bytes(),
    );
    put(&mut h, at::LICENSING_STATE, app.licensing_state.as_bytes());
    put(&mut h, at::ORIGIN, app.route.origin.as_bytes());
    put(&mut h, at::DESTINATION, app.route.destination.as_bytes());
    h[at::TRANSPORT] = app.route.transport.code();
    let documents = &app.documents;
    h[at::DOCUMENTS] = flag(documents.import_licence.is_some(), IMPORT_LICENCE)
        | flag(
            documents.end_user_certificate.is_some(),
            END_USER_CERTIFICATE,
        );
    put(&mut h, at::ID, strings.add(TextFields::ID, &app.id));
    put(
        &mut h,
        at::TRANSIT,
        pair(transit_at, app.route.transit.len()),
    );
    put(&mut h, at::PARTIES, pair(parties_at, app.parties.len()));
    put(&mut h, at::GOODS, pair(goods_at, app.goods.len()));
    put(strings.buf, 0, h);

    for (i, state) in app.route.transit.iter().enumerate() {
        put(strings.buf, transit_at + 2 * i, state.as_bytes());
    }
    for (i, p) in app.parties.iter().enumerate() {
        let mut r = [0; PARTY];
        r[0] = p.role.code();
        r[1] = p.party_type.code();
        put(&mut r, 2, p.state.as_bytes());
        r[4] = flag(p.registration.is_some(), REGISTRATION);
        put(&mut r, 8, strings.add(TextFields::PARTY_NAME, &p.name));
        put(
            &mut r,
            16,
            strings.add_option(TextFields::PARTY_REGISTRATION, &p.registration),
        );
        put(strings.buf, parties_at + PARTY * i, r);
    }
    for (i, g) in app.goods.iter().enumerate() {
        let mut r = [0; GOODS];
        r[0] = g.item.code();
        r[1] = g.att_category.map_or(NO_CATEGORY, AttCategory::code);
        r[2] = g.manufacture.code();
        r[3] = flag(g.deactivated, DEACTIVATED)
            | flag(g.marking.is_some(), MARKED)
            | flag(g.control_entry.is_some(), CONTROL_ENTRY)
            | flag(g.unit_value.is_some(), UNIT_VALUE)
            | flag(g.currency.is_some(), CURRENCY);
        put(&mut r, 8, g.quantity.to_le_bytes());
        let value = g.unit_value.unwrap_or(0.0).to_bits();
        put(&mut r, 16, value.to_le_bytes());
        put(
            &mut r,
            24,
            strings.add(TextFields::GOODS_DESCRIPTION, &g.description),
        );
        put(
            &mut r,
            32,
            strings.add_option(TextFields::GOODS_CONTROL_ENTRY, &g.control_entry),
        );
        put(
            &mut r,
            40,
            strings.add_option(TextFields::GOODS_CURRENCY, &g.currency),
        );
        put(strings.buf, goods_at + GOODS * i, r);
    }
    // Checked at the end, where it costs a comparison: a shorter `dst`
    // has already panicked on an index.
    assert_eq!(strings.next, strings.buf.len(), "view request size");
}

/// Bytes of the strings of `text` that the view carries, in the order
/// [`encode_request_with`] writes them.
fn string_bytes(app: &Application, text: TextFields) -> usize {
    let sent = |field, s: &str| if text.contains(field) { s.len() } else { 0 };
    let opt = |field, s: &Option<String>| s.as_deref().map_or(0, |s| sent(field, s));
    let parties: usize = app
        .parties
        .iter()
        .map(|p| {
            sent(TextFields::PARTY_NAME, &p.name)
                + opt(TextFields::PARTY_REGISTRATION, &p.registration)
        })
        .sum();
    let goods: usize = app
        .goods
        .iter()
        .map(|g| {
            sent(TextFields::GOODS_DESCRIPTION, &g.description)
                + opt(TextFields::GOODS_CONTROL_ENTRY, &g.control_entry)
                + opt(TextFields::GOODS_CURRENCY, &g.currency)
        })
        .sum();
    sent(TextFields::ID, &app.id) + parties + goods
}

/// The string area of a request being encoded: each string sent is
/// written after the one before.
struct Strings<'b> {
    buf: &'b mut [u8],
    next: usize,
    text: TextFields,
}

impl Strings<'_> {
    /// Writes `s` if `field` is sent, and returns its `(offset, length)`:
    /// `(WITHHELD, 0)` if it is not.
    fn add(&mut self, field: TextFields, s: &str) -> [u8; 8] {
        if !self.text.contains(field) {
            return withheld();
        }
        let at = self.next;
        self.next += s.len();
        copy_short(&mut self.buf[at..self.next], s.as_bytes());
        pair(at, s.len())
    }

    /// An absent string is `(0, 0)`, and its flag says it is absent; a
    /// withheld one is `(WITHHELD, 0)` whether present or not.
    fn add_option(&mut self, field: TextFields, s: &Option<String>) -> [u8; 8] {
        match s {
            Some(s) => self.add(field, s),
            None if self.text.contains(field) => [0; 8],
            None => withheld(),
        }
    }
}

fn withheld() -> [u8; 8] {
    pair(WITHHELD as usize, 0)
}

/// Copies `src` into `dst` (of the same length). Most strings of a request
/// are a few bytes long, and a call to `memcpy` for each costs more than
/// the copy: up to 16 bytes are copied as two overlapping fixed-size
/// moves, which compile to plain loads and stores (encoding a generated
/// request 46 -> 44.5 ns, `docs/performance.md`).
#[inline]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if n > 16 {
        dst.copy_from_slice(src);
    } else if n >= 8 {
        dst[..8].copy_from_slice(&src[..8]);
        dst[n - 8..].copy_from_slice(&src[n - 8..]);
    } else if n >= 4 {
        dst[..4].copy_from_slice(&src[..4]);
        dst[n - 4..].copy_from_slice(&src[n - 4..]);
    } else if n > 0 {
        dst[0] = src[0];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    }
}

/// Re-addresses a view request in place: another date, state or role, the
/// same application (as `codec::readdress_request` does for the full
/// form). Bytes too short to be a view request are left alone.
pub fn readdress_request(request: &mut [u8], as_of: Date, state: Country, role: Role) {
    if request.len() >= HEADER {
        put_address(request, as_of, state, role);
    }
}

fn put_address(header: &mut [u8], as_of: Date, state: Country, role: Role) {
    put(header, at::AS_OF, as_of.to_yyyymmdd().to_le_bytes());
    put(header, at::STATE, state.as_bytes());
    header[at::ROLE] = role.code();
}

fn put<const N: usize>(bytes: &mut [u8], at: usize, value: [u8; N]) {
    bytes[at..at + N].copy_from_slice(&value);
}

fn flag(set: bool, bit: u8) -> u8 {
    if set {
        bit
    } else {
        0
    }
}

fn pair(a: usize, b: usize) -> [u8; 8] {
    // The host refuses applications anywhere near 4 GiB.
    let (a, b) = (a as u32, b as u32);
    let mut out = [0; 8];
    out[..4].copy_from_slice(&a.to_le_bytes());
    out[4..].copy_from_slice(&b.to_le_bytes());
    out
}

/// For a type whose `try_*` methods each read and check one field,
/// returning the error (damaged, or withheld by `text_fields`): an
/// accessor per field, which traps on that error instead (see
/// [`List::iter`]), and `check`, which checks them all. Only the fields a
/// policy reads cost anything.
macro_rules! accessors {
    ($name:ident {
        $($(#[$doc:meta])* $field:ident / $checked:ident: $t:ty),+ $(,)?
    }) => {
        impl<'a> $name<'a> {
            $(
                $(#[$doc])*
                #[inline]
                pub fn $field(&self) -> $t {
                    intact(self.$checked())
                }
            )+

            /// Checks every field sent, so that no accessor of one can
            /// trap. A text field the host withheld (`text_fields`) is not
            /// an error here; reading it is.
            pub fn check(&self) -> Result<(), WireError> {
                self.flags()?;
                $( sent_intact(self.$checked())?; )+
                Ok(())
            }
        }

        impl core::fmt::Debug for $name<'_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct(stringify!($name))
                    $(.field(stringify!($field), &self.$checked()))+
                    .finish()
            }
        }
    };
}

/// A record type read through [`accessors!`]: `read` checks it whole.
macro_rules! record {
    ($name:ident, $size:expr) => {
        impl<'a> Record<'a> for $name<'a> {
            const SIZE: usize = $size;
            fn read(record: Fields<'a>) -> Result<Self, WireError> {
                let r = $name(record);
                r.check().map(|()| r)
            }
            fn open(record: Fields<'a>) -> Self {
                $name(record)
            }
        }
    };
}

/// The evaluation request, read in place. The date, state and role it is
/// addressed to are checked by [`RequestView::parse`]; every other field
/// is read and checked by its accessor when called (a damaged one traps,
/// so a policy never acts on it), or all at once by
/// [`RequestView::check`].
#[derive(Clone, Copy)]
pub struct RequestView<'a>(Fields<'a>);

impl<'a> RequestView<'a> {
    /// Checks the tag and the address (`as_of`, `state`, `role`); the
    /// other fields are checked as they are read. A request in the full
    /// form (sent to a plug-in whose manifest lacks `request = "view"`) is
    /// refused as [`WireProblem::WrongForm`].
    pub fn parse(bytes: &'a [u8]) -> Result<RequestView<'a>, WireError> {
        let Some(header) = bytes.get(..HEADER) else {
            return Err(error(bytes.len(), WireProblem::Truncated));
        };
        if header[..4] != TAG {
            return Err(error(0, WireProblem::WrongForm { sent: "full" }));
        }
        let view = RequestView(Fields {
            request: bytes,
            bytes: header,
            base: 0,
        });
        view.try_as_of()?;
        view.try_state()?;
        view.try_role()?;
        Ok(view)
    }

    fn flags(&self) -> Result<u8, WireError> {
        let known = IMPORT_LICENCE | END_USER_CERTIFICATE;
        self.0.flags(at::DOCUMENTS, "documents flags", known)
    }
    pub fn try_as_of(&self) -> Result<Date, WireError> {
        self.0.date(at::AS_OF)
    }
    pub fn try_state(&self) -> Result<Country, WireError> {
        self.0.country(at::STATE)
    }
    pub fn try_role(&self) -> Result<Role, WireError> {
        self.0.code(at::ROLE, "Role", Role::from_code)
    }
    pub fn try_id(&self) -> Result<Text<'a>, WireError> {
        self.0.text(at::ID, TextFields::ID)
    }
    pub fn try_kind(&self) -> Result<TransferKind, WireError> {
        self.0
            .code(at::KIND, "TransferKind", TransferKind::from_code)
    }
    pub fn try_licensing_state(&self) -> Result<Country, WireError> {
        self.0.country(at::LICENSING_STATE)
    }
    pub fn try_submitted(&self) -> Result<Date, WireError> {
        self.0.date(at::SUBMITTED)
    }
    pub fn try_origin(&self) -> Result<Country, WireError> {
        self.0.country(at::ORIGIN)
    }
    pub fn try_destination(&self) -> Result<Country, WireError> {
        self.0.country(at::DESTINATION)
    }
    pub fn try_transit(&self) -> Result<List<'a, Country>, WireError> {
        List::new(&self.0, at::TRANSIT)
    }
    pub fn try_transport(&self) -> Result<Transport, WireError> {
        self.0
            .code(at::TRANSPORT, "Transport", Transport::from_code)
    }
    pub fn try_parties(&self) -> Result<List<'a, PartyRef<'a>>, WireError> {
        List::new(&self.0, at::PARTIES)
    }
    pub fn try_goods(&self) -> Result<List<'a, GoodsRef<'a>>, WireError> {
        List::new(&self.0, at::GOODS)
    }
    pub fn try_import_licence(&self) -> Result<bool, WireError> {
        Ok(self.flags()? & IMPORT_LICENCE != 0)
    }
    pub fn try_end_user_certificate(&self) -> Result<bool, WireError> {
        Ok(self.flags()? & END_USER_CERTIFICATE != 0)
    }
}

accessors!(RequestView {
    /// The date the rules apply as of.
    as_of / try_as_of: Date,
    /// The state on whose behalf the plug-in runs.
    state / try_state: Country,
    /// The role in which it runs.
    role / try_role: Role,
    id / try_id: Text<'a>,
    kind / try_kind: TransferKind,
    licensing_state / try_licensing_state: Country,
    submitted / try_submitted: Date,
    origin / try_origin: Country,
    destination / try_destination: Country,
    transit / try_transit: List<'a, Country>,
    transport / try_transport: Transport,
    parties / try_parties: List<'a, PartyRef<'a>>,
    goods / try_goods: List<'a, GoodsRef<'a>>,
    /// Whether `documents.import_licence` is present.
    import_licence / try_import_licence: bool,
    /// Whether `documents.end_user_certificate` is present.
    end_user_certificate / try_end_user_certificate: bool,
});

fn error(offset: usize, problem: WireProblem) -> WireError {
    WireError { offset, problem }
}

/// The fixed-size fields of the header or of one record (`bytes`, which
/// starts `base` bytes into `request`), read by [`Record`]s; errors name
/// offsets in the request. Only this module can make or read one.
#[derive(Clone, Copy)]
pub struct Fields<'a> {
    request: &'a [u8],
    bytes: &'a [u8],
    base: usize,
}

impl<'a> Fields<'a> {
    fn bad(&self, at: usize, what: &'static str, code: u32) -> WireError {
        error(self.base + at, WireProblem::BadCode { what, code })
    }

    fn word(&self, at: usize) -> u32 {
        let mut w = [0; 4];
        w.copy_from_slice(&self.bytes[at..at + 4]);
        u32::from_le_bytes(w)
    }

    fn u64(&self, at: usize) -> u64 {
        let mut w = [0; 8];
        w.copy_from_slice(&self.bytes[at..at + 8]);
        u64::from_le_bytes(w)
    }

    fn date(&self, at: usize) -> Result<Date, WireError> {
        let v = self.word(at);
        Date::from_yyyymmdd(v).ok_or_else(|| self.bad(at, "date", v))
    }

    fn country(&self, at: usize) -> Result<Country, WireError> {
        let b = [self.bytes[at], self.bytes[at + 1]];
        Country::from_bytes(b)
            .ok_or_else(|| self.bad(at, "country code", u16::from_le_bytes(b).into()))
    }

    fn code<T>(
        &self,
        at: usize,
        what: &'static str,
        from: fn(u8) -> Option<T>,
    ) -> Result<T, WireError> {
        let c = self.bytes[at];
        from(c).ok_or_else(|| self.bad(at, what, c.into()))
    }

    /// A byte of flags, refused if it sets a bit outside `known`.
    fn flags(&self, at: usize, what: &'static str, known: u8) -> Result<u8, WireError> {
        let f = self.bytes[at];
        if f & !known != 0 {
            return Err(self.bad(at, what, f.into()));
        }
        Ok(f)
    }

    /// The string of `field` whose `(offset, length)` is at `at`, inside
    /// the request; refused if the host withheld it.
    fn text(&self, at: usize, field: TextFields) -> Result<Text<'a>, WireError> {
        if self.word(at) == WITHHELD {
            return Err(self.withheld(at, field));
        }
        let (start, len) = (self.word(at) as usize, self.word(at + 4) as usize);
        start
            .checked_add(len)
            .and_then(|end| self.request.get(start..end))
            .map(Text)
            .ok_or(error(self.base + at, WireProblem::Truncated))
    }

    /// The string of `field` at `at` if `present`; refused if withheld,
    /// present or not.
    fn optional(
        &self,
        present: bool,
        at: usize,
        field: TextFields,
    ) -> Result<Option<Text<'a>>, WireError> {
        if present {
            self.text(at, field).map(Some)
        } else if self.word(at) == WITHHELD {
            Err(self.withheld(at, field))
        } else {
            Ok(None)
        }
    }

    fn withheld(&self, at: usize, field: TextFields) -> WireError {
        error(
            self.base + at,
            WireProblem::Withheld {
                field: field.name(),
            },
        )
    }
}

/// Reading one record of a list in place.
pub trait Record<'a>: Sized {
    /// Bytes of one record.
    const SIZE: usize;
    /// Reads the record, checking every field of it.
    #[doc(hidden)]
    fn read(record: Fields<'a>) -> Result<Self, WireError>;
    /// The record, for a policy to read field by field: a record type
    /// whose accessors check the field they read needs no more; the
    /// others check everything now, and a damaged record traps.
    #[doc(hidden)]
    fn open(record: Fields<'a>) -> Self {
        intact(Self::read(record))
    }
}

/// `Ok` for a field that is intact or withheld, for `check`.
fn sent_intact<T>(value: Result<T, WireError>) -> Result<(), WireError> {
    match value {
        Err(e) if !matches!(e.problem, WireProblem::Withheld { .. }) => Err(e),
        _ => Ok(()),
    }
}

/// The value, or a trap on damage or a withheld field: what a policy reading the request
/// directly gets (see the module documentation).
fn intact<T>(value: Result<T, WireError>) -> T {
    match value {
        Ok(value) => value,
        Err(e) => panic!("a field of the request cannot be read: {e}"),
    }
}

/// The fields of the record at `at` of `request`, which its list has
/// checked lies inside.
fn record_at<'a, T: Record<'a>>(request: &'a [u8], at: usize) -> Fields<'a> {
    Fields {
        request,
        bytes: &request[at..at + T::SIZE],
        base: at,
    }
}

impl Record<'_> for Country {
    const SIZE: usize = 2;
    fn read(f: Fields<'_>) -> Result<Self, WireError> {
        f.country(0)
    }
}

/// A list of the request: `count` records from an offset, read one by
/// one.
#[derive(Clone, Copy, Debug)]
pub struct List<'a, T> {
    request: &'a [u8],
    start: u32,
    len: u32,
    item: PhantomData<T>,
}

impl<'a, T: Record<'a> + 'a> List<'a, T> {
    /// The list whose `(offset, count)` is at `at` in the header,
    /// checked to lie inside the request.
    fn new(header: &Fields<'a>, at: usize) -> Result<Self, WireError> {
        let (start, len) = (header.word(at), header.word(at + 4));
        let end = (len as usize)
            .checked_mul(T::SIZE)
            .and_then(|size| size.checked_add(start as usize));
        if end.is_none_or(|end| end > header.request.len()) {
            return Err(error(at, WireProblem::ImpossibleLength(len)));
        }
        Ok(List {
            request: header.request,
            start,
            len,
            item: PhantomData,
        })
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn fields(&self, index: usize) -> Fields<'a> {
        record_at::<T>(self.request, self.start as usize + index * T::SIZE)
    }

    /// The list without its item type, to move into an iterator.
    fn span(&self) -> (&'a [u8], usize) {
        (self.request, self.start as usize)
    }

    /// The item at `index` with every field checked; `None` past the end.
    pub fn get(&self, index: usize) -> Option<Result<T, WireError>> {
        (index < self.len()).then(|| T::read(self.fields(index)))
    }

    /// The items in order, every field of each checked as it is reached;
    /// a damaged item ends the list with its error.
    pub fn items(&self) -> impl Iterator<Item = Result<T, WireError>> + 'a {
        let (request, start) = self.span();
        let mut damaged = false;
        (0..self.len()).map_while(move |i| {
            if damaged {
                return None;
            }
            let item = T::read(record_at::<T>(request, start + i * T::SIZE));
            damaged = item.is_err();
            Some(item)
        })
    }

    /// The items in order, for a policy to read: parties and goods lines
    /// check each field as the policy reads it, and a damaged one stops
    /// the evaluation with a trap (the host refers the application), so a
    /// policy never decides on a damaged value; [`List::items`] returns
    /// the error instead.
    pub fn iter(&self) -> impl Iterator<Item = T> + 'a {
        let (request, start) = self.span();
        (0..self.len()).map(move |i| T::open(record_at::<T>(request, start + i * T::SIZE)))
    }
}

/// A string of the request, checked as UTF-8 when it is read: a policy
/// that never looks at a party's name does not pay for checking it. The
/// host only ever writes UTF-8; should a string arrive damaged, reading it
/// with [`Text::as_str`] stops the evaluation with a trap, which the host
/// reports as a fault of the plug-in (`refer`), so a policy can never act
/// on it. [`Text::to_str`] returns the error instead.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Text<'a>(&'a [u8]);

impl<'a> Text<'a> {
    pub fn to_str(self) -> Result<&'a str, core::str::Utf8Error> {
        super::wire::utf8(self.0)
    }

    pub fn as_str(self) -> &'a str {
        match self.to_str() {
            Ok(s) => s,
            Err(e) => panic!("a string of the request is not UTF-8: {e}"),
        }
    }

    /// The bytes as sent, unchecked: enough to compare with a known
    /// string (`text == "ML1"`).
    pub fn as_bytes(self) -> &'a [u8] {
        self.0
    }
}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl core::fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.to_str() {
            Ok(s) => core::fmt::Debug::fmt(s, f),
            Err(_) => write!(f, "<not UTF-8: {:?}>", self.0),
        }
    }
}

/// A party, read in place: each accessor reads and checks its field.
#[derive(Clone, Copy)]
pub struct PartyRef<'a>(Fields<'a>);

impl<'a> PartyRef<'a> {
    fn flags(&self) -> Result<u8, WireError> {
        self.0.flags(4, "party flags", REGISTRATION)
    }
    pub fn try_role(&self) -> Result<PartyRole, WireError> {
        self.0.code(0, "PartyRole", PartyRole::from_code)
    }
    pub fn try_name(&self) -> Result<Text<'a>, WireError> {
        self.0.text(8, TextFields::PARTY_NAME)
    }
    pub fn try_state(&self) -> Result<Country, WireError> {
        self.0.country(2)
    }
    pub fn try_party_type(&self) -> Result<PartyType, WireError> {
        self.0.code(1, "PartyType", PartyType::from_code)
    }
    pub fn try_registration(&self) -> Result<Option<Text<'a>>, WireError> {
        let present = self.flags()? & REGISTRATION != 0;
        self.0.optional(present, 16, TextFields::PARTY_REGISTRATION)
    }
}

record!(PartyRef, PARTY);
accessors!(PartyRef {
    role / try_role: PartyRole,
    name / try_name: Text<'a>,
    state / try_state: Country,
    party_type / try_party_type: PartyType,
    registration / try_registration: Option<Text<'a>>,
});

/// A goods line, read in place: each accessor reads and checks its field.
#[derive(Clone, Copy)]
pub struct GoodsRef<'a>(Fields<'a>);

impl<'a> GoodsRef<'a> {
    fn flags(&self) -> Result<u8, WireError> {
        let known = DEACTIVATED | MARKED | CONTROL_ENTRY | UNIT_VALUE | CURRENCY;
        self.0.flags(3, "goods flags", known)
    }
    fn flag(&self, bit: u8) -> Result<bool, WireError> {
        Ok(self.flags()? & bit != 0)
    }
    pub fn try_description(&self) -> Result<Text<'a>, WireError> {
        self.0.text(24, TextFields::GOODS_DESCRIPTION)
    }
    pub fn try_item(&self) -> Result<ItemKind, WireError> {
        self.0.code(0, "ItemKind", ItemKind::from_code)
    }
    pub fn try_att_category(&self) -> Result<Option<AttCategory>, WireError> {
        match self.0.bytes[1] {
            NO_CATEGORY => Ok(None),
            _ => self
                .0
                .code(1, "AttCategory", AttCategory::from_code)
                .map(Some),
        }
    }
    pub fn try_control_entry(&self) -> Result<Option<Text<'a>>, WireError> {
        self.0.optional(
            self.flag(CONTROL_ENTRY)?,
            32,
            TextFields::GOODS_CONTROL_ENTRY,
        )
    }
    pub fn try_quantity(&self) -> Result<u64, WireError> {
        Ok(self.0.u64(8))
    }
    pub fn try_unit_value(&self) -> Result<Option<f64>, WireError> {
        Ok(self
            .flag(UNIT_VALUE)?
            .then(|| f64::from_bits(self.0.u64(16))))
    }
    pub fn try_currency(&self) -> Result<Option<Text<'a>>, WireError> {
        self.0
            .optional(self.flag(CURRENCY)?, 40, TextFields::GOODS_CURRENCY)
    }
    pub fn try_manufacture(&self) -> Result<Manufacture, WireError> {
        self.0.code(2, "Manufacture", Manufacture::from_code)
    }
    pub fn try_deactivated(&self) -> Result<bool, WireError> {
        self.flag(DEACTIVATED)
    }
    pub fn try_marked(&self) -> Result<bool, WireError> {
        self.flag(MARKED)
    }
}

record!(GoodsRef, GOODS);
accessors!(GoodsRef {
    description / try_description: Text<'a>,
    item / try_item: ItemKind,
    att_category / try_att_category: Option<AttCategory>,
    control_entry / try_control_entry: Option<Text<'a>>,
    quantity / try_quantity: u64,
    unit_value / try_unit_value: Option<f64>,
    currency / try_currency: Option<Text<'a>>,
    manufacture / try_manufacture: Manufacture,
    deactivated / try_deactivated: bool,
    /// Whether the line has a `marking`.
    marked / try_marked: bool,
});
