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
//! [`RequestView::parse`] checks the header (tag, dates, states, codes,
//! that every list lies inside the request); records and strings are
//! checked as a policy reads them, every code exactly as decoding would.
//! Strings stay [`Text`], checked as UTF-8 only when read. Nothing is
//! allocated. The host only ever writes well-formed requests; should one
//! arrive damaged where a policy reads it, the evaluation stops with a
//! trap, which the host reports as a fault of the plug-in (`refer`), so a
//! policy never acts on it.
//!
//! What the view does not hold (the applicant, markings, the transit
//! consents, end use and sale) a policy reads from the decoded application
//! instead, with `export_policy!` and the full request.

use super::wire::{WireError, WireProblem};
use crate::model::*;
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

/// Encodes the view request for `app` into `buf` (cleared first), as the
/// host does for a plug-in whose manifest says `request = "view"`. The
/// buffer is sized once, records first and strings after them.
pub fn encode_request(
    as_of: Date,
    state: Country,
    role: Role,
    app: &Application,
    buf: &mut Vec<u8>,
) {
    let transit_at = HEADER;
    let parties_at = transit_at + 2 * app.route.transit.len();
    let goods_at = parties_at + PARTY * app.parties.len();
    let strings_at = goods_at + GOODS * app.goods.len();
    let optional = |s: &Option<alloc::string::String>| s.as_ref().map_or(0, |s| s.len());
    let strings = app.id.len()
        + app
            .parties
            .iter()
            .map(|p| p.name.len() + optional(&p.registration))
            .sum::<usize>()
        + app
            .goods
            .iter()
            .map(|g| g.description.len() + optional(&g.control_entry) + optional(&g.currency))
            .sum::<usize>();
    buf.clear();
    buf.resize(strings_at + strings, 0);
    let (records, text) = buf.split_at_mut(strings_at);
    let mut strings = Strings {
        bytes: text,
        filled: 0,
        base: strings_at,
    };

    records[..4].copy_from_slice(&TAG);
    put_address(records, as_of, state, role);
    records[at::KIND] = app.kind.code();
    put(
        records,
        at::SUBMITTED,
        app.submitted.to_yyyymmdd().to_le_bytes(),
    );
    put(records, at::LICENSING_STATE, app.licensing_state.as_bytes());
    put(records, at::ORIGIN, app.route.origin.as_bytes());
    put(records, at::DESTINATION, app.route.destination.as_bytes());
    records[at::TRANSPORT] = app.route.transport.code();
    let documents = &app.documents;
    records[at::DOCUMENTS] = flag(documents.import_licence.is_some(), IMPORT_LICENCE)
        | flag(
            documents.end_user_certificate.is_some(),
            END_USER_CERTIFICATE,
        );
    put(records, at::ID, strings.put(&app.id));
    put(
        records,
        at::TRANSIT,
        span(transit_at, app.route.transit.len()),
    );
    put(records, at::PARTIES, span(parties_at, app.parties.len()));
    put(records, at::GOODS, span(goods_at, app.goods.len()));

    for (i, state) in app.route.transit.iter().enumerate() {
        put(records, transit_at + 2 * i, state.as_bytes());
    }
    for (i, p) in app.parties.iter().enumerate() {
        let r = &mut records[parties_at + PARTY * i..][..PARTY];
        r[0] = p.role.code();
        r[1] = p.party_type.code();
        put(r, 2, p.state.as_bytes());
        r[4] = flag(p.registration.is_some(), REGISTRATION);
        put(r, 8, strings.put(&p.name));
        put(r, 16, strings.option(&p.registration));
    }
    for (i, g) in app.goods.iter().enumerate() {
        let r = &mut records[goods_at + GOODS * i..][..GOODS];
        r[0] = g.item.code();
        r[1] = g.att_category.map_or(NO_CATEGORY, AttCategory::code);
        r[2] = g.manufacture.code();
        r[3] = flag(g.deactivated, DEACTIVATED)
            | flag(g.marking.is_some(), MARKED)
            | flag(g.control_entry.is_some(), CONTROL_ENTRY)
            | flag(g.unit_value.is_some(), UNIT_VALUE)
            | flag(g.currency.is_some(), CURRENCY);
        put(r, 8, g.quantity.to_le_bytes());
        put(r, 16, g.unit_value.unwrap_or(0.0).to_bits().to_le_bytes());
        put(r, 24, strings.put(&g.description));
        put(r, 32, strings.option(&g.control_entry));
        put(r, 40, strings.option(&g.currency));
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

/// `(offset, count)` of a list, as stored.
fn span(offset: usize, count: usize) -> [u8; 8] {
    pair(offset, count)
}

fn pair(a: usize, b: usize) -> [u8; 8] {
    // The host refuses applications anywhere near 4 GiB.
    let (a, b) = (a as u32, b as u32);
    let mut out = [0; 8];
    out[..4].copy_from_slice(&a.to_le_bytes());
    out[4..].copy_from_slice(&b.to_le_bytes());
    out
}

/// The strings area while it is filled.
struct Strings<'b> {
    bytes: &'b mut [u8],
    filled: usize,
    /// Offset of the area from the start of the request.
    base: usize,
}

impl Strings<'_> {
    /// Copies `s` in and returns its `(offset, length)`.
    fn put(&mut self, s: &str) -> [u8; 8] {
        let at = self.filled;
        self.bytes[at..at + s.len()].copy_from_slice(s.as_bytes());
        self.filled += s.len();
        pair(self.base + at, s.len())
    }

    /// An absent string is `(0, 0)`; its flag says it is absent.
    fn option(&mut self, s: &Option<alloc::string::String>) -> [u8; 8] {
        s.as_deref().map_or([0; 8], |s| self.put(s))
    }
}

/// The evaluation request, read in place.
#[derive(Clone, Debug)]
pub struct RequestView<'a> {
    pub as_of: Date,
    pub state: Country,
    pub role: Role,
    pub id: Text<'a>,
    pub kind: TransferKind,
    pub licensing_state: Country,
    pub submitted: Date,
    pub origin: Country,
    pub destination: Country,
    pub transit: List<'a, Country>,
    pub transport: Transport,
    pub parties: List<'a, PartyRef<'a>>,
    pub goods: List<'a, GoodsRef<'a>>,
    /// Whether `documents.import_licence` is present.
    pub import_licence: bool,
    /// Whether `documents.end_user_certificate` is present.
    pub end_user_certificate: bool,
}

impl<'a> RequestView<'a> {
    /// Checks the tag and every field of the header, and that each list
    /// lies inside `bytes`. Records and strings are checked as they are
    /// read. A request in the full form (sent to a plug-in whose manifest
    /// lacks `request = "view"`) is refused as [`WireProblem::WrongForm`].
    pub fn parse(bytes: &'a [u8]) -> Result<RequestView<'a>, WireError> {
        let header: &[u8; HEADER] = match bytes.first_chunk() {
            Some(header) => header,
            None => return Err(error(bytes.len(), WireProblem::Truncated)),
        };
        if header[..4] != TAG {
            return Err(error(0, WireProblem::WrongForm { sent: "full" }));
        }
        let h = Fields {
            request: bytes,
            bytes: header,
            base: 0,
        };
        let documents = h.flags(
            at::DOCUMENTS,
            "documents flags",
            IMPORT_LICENCE | END_USER_CERTIFICATE,
        )?;
        Ok(RequestView {
            as_of: h.date(at::AS_OF)?,
            state: h.country(at::STATE)?,
            role: h.code(at::ROLE, "Role", Role::from_code)?,
            id: h.text(at::ID)?,
            kind: h.code(at::KIND, "TransferKind", TransferKind::from_code)?,
            licensing_state: h.country(at::LICENSING_STATE)?,
            submitted: h.date(at::SUBMITTED)?,
            origin: h.country(at::ORIGIN)?,
            destination: h.country(at::DESTINATION)?,
            transit: List::new(&h, at::TRANSIT)?,
            transport: h.code(at::TRANSPORT, "Transport", Transport::from_code)?,
            parties: List::new(&h, at::PARTIES)?,
            goods: List::new(&h, at::GOODS)?,
            import_licence: documents & IMPORT_LICENCE != 0,
            end_user_certificate: documents & END_USER_CERTIFICATE != 0,
        })
    }
}

fn error(offset: usize, problem: WireProblem) -> WireError {
    WireError { offset, problem }
}

/// The fixed-size fields of the header or of one record (`bytes`, which
/// starts `base` bytes into `request`), read by [`Record`]s; errors name
/// offsets in the request. Only this module can make or read one.
pub struct Fields<'a, 'r> {
    request: &'a [u8],
    bytes: &'r [u8],
    base: usize,
}

impl<'a> Fields<'a, '_> {
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

    /// The string whose `(offset, length)` is at `at`, inside the request.
    fn text(&self, at: usize) -> Result<Text<'a>, WireError> {
        let (start, len) = (self.word(at) as usize, self.word(at + 4) as usize);
        start
            .checked_add(len)
            .and_then(|end| self.request.get(start..end))
            .map(Text)
            .ok_or(error(self.base + at, WireProblem::Truncated))
    }

    /// The string at `at` if `present`.
    fn optional(&self, present: bool, at: usize) -> Result<Option<Text<'a>>, WireError> {
        if present {
            self.text(at).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// Reading one record of a list in place.
pub trait Record<'a>: Sized {
    /// Bytes of one record.
    const SIZE: usize;
    /// Reads one record from its fields.
    #[doc(hidden)]
    fn read(record: &Fields<'a, '_>) -> Result<Self, WireError>;
}

/// The record at `at` of `request`, which its list has checked lies inside.
fn record<'a, T: Record<'a>>(request: &'a [u8], at: usize) -> Result<T, WireError> {
    T::read(&Fields {
        request,
        bytes: &request[at..at + T::SIZE],
        base: at,
    })
}

impl Record<'_> for Country {
    const SIZE: usize = 2;
    fn read(f: &Fields<'_, '_>) -> Result<Self, WireError> {
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

impl<'a, T: Record<'a>> List<'a, T> {
    /// The list whose `(offset, count)` is at `at` in the header,
    /// checked to lie inside the request.
    fn new(header: &Fields<'a, '_>, at: usize) -> Result<Self, WireError> {
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

    /// The item at `index`, checked; `None` past the end.
    pub fn get(&self, index: usize) -> Option<Result<T, WireError>> {
        (index < self.len()).then(|| record(self.request, self.start as usize + index * T::SIZE))
    }

    /// The items in order, each checked as it is read; a damaged item
    /// ends the list with its error.
    pub fn items(&self) -> impl Iterator<Item = Result<T, WireError>> + 'a {
        let (request, start) = (self.request, self.start as usize);
        let mut damaged = false;
        (0..self.len()).map_while(move |i| {
            if damaged {
                return None;
            }
            let item = record(request, start + i * T::SIZE);
            damaged = item.is_err();
            Some(item)
        })
    }

    /// The items in order. A damaged item stops the evaluation with a
    /// trap (the host refers the application), so that a policy never
    /// decides on part of a list; [`List::items`] returns the error
    /// instead.
    pub fn iter(&self) -> impl Iterator<Item = T> + 'a {
        self.items().map(|item| match item {
            Ok(item) => item,
            Err(e) => panic!("a list of the request is damaged: {e}"),
        })
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

/// A party, read in place.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PartyRef<'a> {
    pub role: PartyRole,
    pub name: Text<'a>,
    pub state: Country,
    pub party_type: PartyType,
    pub registration: Option<Text<'a>>,
}

impl<'a> Record<'a> for PartyRef<'a> {
    const SIZE: usize = PARTY;
    fn read(r: &Fields<'a, '_>) -> Result<Self, WireError> {
        let flags = r.flags(4, "party flags", REGISTRATION)?;
        Ok(PartyRef {
            role: r.code(0, "PartyRole", PartyRole::from_code)?,
            name: r.text(8)?,
            state: r.country(2)?,
            party_type: r.code(1, "PartyType", PartyType::from_code)?,
            registration: r.optional(flags & REGISTRATION != 0, 16)?,
        })
    }
}

/// A goods line, read in place.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GoodsRef<'a> {
    pub description: Text<'a>,
    pub item: ItemKind,
    pub att_category: Option<AttCategory>,
    pub control_entry: Option<Text<'a>>,
    pub quantity: u64,
    pub unit_value: Option<f64>,
    pub currency: Option<Text<'a>>,
    pub manufacture: Manufacture,
    pub deactivated: bool,
    /// Whether the line has a `marking`.
    pub marked: bool,
}

impl<'a> Record<'a> for GoodsRef<'a> {
    const SIZE: usize = GOODS;
    fn read(r: &Fields<'a, '_>) -> Result<Self, WireError> {
        let known = DEACTIVATED | MARKED | CONTROL_ENTRY | UNIT_VALUE | CURRENCY;
        let flags = r.flags(3, "goods flags", known)?;
        let att_category = match r.bytes[1] {
            NO_CATEGORY => None,
            _ => Some(r.code(1, "AttCategory", AttCategory::from_code)?),
        };
        Ok(GoodsRef {
            description: r.text(24)?,
            item: r.code(0, "ItemKind", ItemKind::from_code)?,
            att_category,
            control_entry: r.optional(flags & CONTROL_ENTRY != 0, 32)?,
            quantity: r.u64(8),
            unit_value: (flags & UNIT_VALUE != 0).then(|| f64::from_bits(r.u64(16))),
            currency: r.optional(flags & CURRENCY != 0, 40)?,
            manufacture: r.code(2, "Manufacture", Manufacture::from_code)?,
            deactivated: flags & DEACTIVATED != 0,
            marked: flags & MARKED != 0,
        })
    }
}
