//! A request read in place: the parts of an application most policies
//! look at, borrowed from the request bytes instead of decoded into an
//! owned [`Application`](crate::model::Application).
//!
//! [`RequestView::parse`] checks every code, date and number the view
//! exposes exactly as decoding would, and the structure of the rest
//! (lengths, option tags, nothing left over), so that a malformed request
//! is refused. It allocates nothing: strings stay [`Text`] into the bytes,
//! checked as UTF-8 when a policy reads them, and lists stay bytes that
//! their iterators read item by item. The content of the parts it does not
//! expose is not checked: no policy reading the view can see it. A policy
//! that reads a handful of fields pays for those fields, not for copying
//! the whole application (docs/performance.md has the numbers).
//!
//! What the view does not expose (the applicant, markings, the transit
//! consents, end use and sale) a policy reads from the decoded
//! application instead, with `export_policy!`.

use super::codec::{skim_field, Wire};
use super::wire::{Reader, WireError};
use crate::model::*;
use core::marker::PhantomData;

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
    /// Checks `bytes` as a whole request and indexes it. The field order is
    /// that of `Request` and `Application` in `codec` (a test holds the
    /// view to the decoded application on generated requests).
    pub fn parse(bytes: &'a [u8]) -> Result<RequestView<'a>, WireError> {
        let mut reader = Reader::new(bytes);
        let r = &mut reader;
        let (as_of, state, role) = (Date::get(r)?, Country::get(r)?, Role::get(r)?);
        let id = Text::read(r)?;
        let (kind, licensing_state, submitted) =
            (TransferKind::get(r)?, Country::get(r)?, Date::get(r)?);
        skim_field(|a: &Application| &a.permanence, r)?;
        skim_field(|a: &Application| &a.temporary_purpose, r)?;
        skim_field(|a: &Application| &a.applicant, r)?;
        let (origin, destination) = (Country::get(r)?, Country::get(r)?);
        let transit = List::read(r)?;
        let transport = Transport::get(r)?;
        let parties = List::read(r)?;
        let goods = List::read(r)?;
        let import_licence = present(r, |d: &Documents| &d.import_licence)?;
        let end_user_certificate = present(r, |d: &Documents| &d.end_user_certificate)?;
        skim_field(|d: &Documents| &d.transit_consent, r)?;
        skim_field(|d: &Documents| &d.delivery_verification, r)?;
        skim_field(|a: &Application| &a.end_use, r)?;
        skim_field(|a: &Application| &a.sale, r)?;
        reader.finish()?;
        Ok(RequestView {
            as_of,
            state,
            role,
            id,
            kind,
            licensing_state,
            submitted,
            origin,
            destination,
            transit,
            transport,
            parties,
            goods,
            import_licence,
            end_user_certificate,
        })
    }
}

/// Skims an optional field, saying whether it was there.
fn present<S, T: Wire>(r: &mut Reader<'_>, field: fn(&S) -> &Option<T>) -> Result<bool, WireError> {
    let tagged = r.position();
    skim_field(field, r)?;
    // An absent option is its one tag byte.
    Ok(r.position() - tagged > 1)
}

/// Reading one item of a checked list in place.
pub trait ReadInPlace<'a>: Sized {
    fn read(r: &mut Reader<'a>) -> Result<Self, WireError>;
}

impl ReadInPlace<'_> for Country {
    fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Country::get(r)
    }
}

/// A list checked by [`RequestView::parse`], read item by item.
#[derive(Clone, Copy, Debug)]
pub struct List<'a, T> {
    /// The count and the items, as encoded.
    bytes: &'a [u8],
    len: u32,
    item: PhantomData<T>,
}

impl<'a, T: ReadInPlace<'a>> List<'a, T> {
    /// Reads every item once, with the reader iteration uses, so that
    /// iterating cannot meet an error; keeps the bytes.
    fn read(r: &mut Reader<'a>) -> Result<Self, WireError> {
        let start = r.position();
        // `list` refuses a count the remaining bytes cannot hold; a list
        // of `()` allocates nothing.
        let len = r.list(|r| T::read(r).map(drop))?.len() as u32;
        Ok(List {
            bytes: r.read_since(start),
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

    /// The items in order. Every item was read when the view was parsed,
    /// by the same code, so reading cannot fail here; if it ever did,
    /// iteration would stop early rather than panic.
    pub fn iter(&self) -> impl Iterator<Item = T> + 'a {
        let mut r = Reader::new(self.bytes);
        let len = r.u32().unwrap_or(0);
        (0..len).map_while(move |_| T::read(&mut r).ok())
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
    fn read(r: &mut Reader<'a>) -> Result<Text<'a>, WireError> {
        r.str_bytes().map(Text)
    }

    pub fn to_str(self) -> Result<&'a str, core::str::Utf8Error> {
        core::str::from_utf8(self.0)
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

impl<'a> ReadInPlace<'a> for PartyRef<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, WireError> {
        Ok(PartyRef {
            role: PartyRole::get(r)?,
            name: Text::read(r)?,
            state: Country::get(r)?,
            party_type: PartyType::get(r)?,
            registration: r.option(Text::read)?,
        })
    }
}

/// A goods line, read in place (its marking is skipped).
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
    pub marked: bool,
}

impl<'a> ReadInPlace<'a> for GoodsRef<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, WireError> {
        Ok(GoodsRef {
            description: Text::read(r)?,
            item: ItemKind::get(r)?,
            att_category: Option::get(r)?,
            control_entry: r.option(Text::read)?,
            quantity: u64::get(r)?,
            unit_value: Option::get(r)?,
            currency: r.option(Text::read)?,
            manufacture: Manufacture::get(r)?,
            deactivated: bool::get(r)?,
            marked: present(r, |g: &Goods| &g.marking)?,
        })
    }
}
