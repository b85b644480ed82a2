//! A request read in place: the parts of an application most policies
//! look at, borrowed from the request bytes instead of decoded into an
//! owned [`Application`](crate::model::Application).
//!
//! The request's section table (ABI v2, `docs/abi.md`) says where each
//! field of the application starts, so [`RequestView::parse`] goes straight
//! to the fields the view exposes and never steps over the others: its
//! cost does not grow with the names, addresses and descriptions a policy
//! does not read. It checks the table (in order, inside the request) and
//! every code, date and number of those fields exactly as decoding would,
//! and allocates nothing. Strings stay [`Text`] into the bytes, checked as
//! UTF-8 when a policy reads them; parties and goods stay bytes that their
//! iterators check item by item as a policy walks them. The host only ever
//! writes well-formed requests; should one arrive damaged where a policy
//! reads it, the evaluation stops with a trap, which the host reports as a
//! fault of the plug-in (`refer`), so a policy never acts on it.
//!
//! What the view does not expose (the applicant, markings, the transit
//! consents, end use and sale) a policy reads from the decoded
//! application instead, with `export_policy!`.

use super::codec::{skim_field, Wire, REQUEST_HEADER, SECTION_TABLE};
use super::wire::{Reader, WireError, WireProblem};
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

/// The rows of the section table the view reads.
const ID: usize = Application::section("id");
const KIND: usize = Application::section("kind");
const LICENSING_STATE: usize = Application::section("licensing_state");
const SUBMITTED: usize = Application::section("submitted");
const ROUTE: usize = Application::section("route");
const PARTIES: usize = Application::section("parties");
const GOODS: usize = Application::section("goods");
const DOCUMENTS: usize = Application::section("documents");

impl<'a> RequestView<'a> {
    /// Checks the header and the section table of `bytes`, and reads the
    /// fields the view exposes from their sections. The layout is that of
    /// `Request` in `codec` (a test holds the view to the decoded
    /// application on generated requests).
    pub fn parse(bytes: &'a [u8]) -> Result<RequestView<'a>, WireError> {
        let mut r = Reader::new(bytes);
        let (as_of, state, role) = (
            Date::get(&mut r)?,
            Country::get(&mut r)?,
            Role::get(&mut r)?,
        );
        let sections = Sections::read(&mut r, bytes)?;
        let route = |r: &mut Reader<'a>| {
            let (origin, destination) = (Country::get(r)?, Country::get(r)?);
            Ok((origin, destination, List::read(r)?, Transport::get(r)?))
        };
        let (origin, destination, transit, transport) = sections.whole(ROUTE, route)?;
        // The documents are skimmed to their end, so that a damaged option
        // tag cannot turn a present document into an absent one.
        let documents = |r: &mut Reader<'a>| {
            let import_licence = present(r, |d: &Documents| &d.import_licence)?;
            let end_user_certificate = present(r, |d: &Documents| &d.end_user_certificate)?;
            skim_field(|d: &Documents| &d.transit_consent, r)?;
            skim_field(|d: &Documents| &d.delivery_verification, r)?;
            Ok((import_licence, end_user_certificate))
        };
        let (import_licence, end_user_certificate) = sections.whole(DOCUMENTS, documents)?;
        Ok(RequestView {
            as_of,
            state,
            role,
            id: sections.whole(ID, Text::read)?,
            kind: sections.whole(KIND, TransferKind::get)?,
            licensing_state: sections.whole(LICENSING_STATE, Country::get)?,
            submitted: sections.whole(SUBMITTED, Date::get)?,
            origin,
            destination,
            transit,
            transport,
            parties: sections.whole(PARTIES, List::unchecked)?,
            goods: sections.whole(GOODS, List::unchecked)?,
            import_licence,
            end_user_certificate,
        })
    }
}

/// A request's section table, checked: the first field starts right after
/// the table, each next one no earlier than the one before, none past the
/// end.
struct Sections<'a> {
    bytes: &'a [u8],
    table: [u32; Application::FIELDS.len()],
}

impl<'a> Sections<'a> {
    fn read(r: &mut Reader<'a>, bytes: &'a [u8]) -> Result<Sections<'a>, WireError> {
        let mut table = [0u32; Application::FIELDS.len()];
        let mut earliest = REQUEST_HEADER + SECTION_TABLE;
        for (row, (entry, field)) in table.iter_mut().zip(Application::FIELDS).enumerate() {
            let listed = r.u32()?;
            let at = listed as usize;
            let first_misplaced = row == 0 && at != earliest;
            if first_misplaced || at < earliest || at > bytes.len() {
                return Err(r.error(WireProblem::Section { field, listed }));
            }
            (*entry, earliest) = (listed, at);
        }
        Ok(Sections { bytes, table })
    }

    /// A reader of one field's bytes: up to where the next field starts.
    fn field(&self, row: usize) -> Reader<'a> {
        let start = self.table[row] as usize;
        let end = self
            .table
            .get(row + 1)
            .map_or(self.bytes.len(), |&e| e as usize);
        // `read` checked the range; an empty reader would only report
        // truncation.
        Reader::section(self.bytes, start, end).unwrap_or(Reader::new(&[]))
    }

    /// Reads one field with `read`, which must use up its section.
    fn whole<T>(
        &self,
        row: usize,
        read: impl FnOnce(&mut Reader<'a>) -> Result<T, WireError>,
    ) -> Result<T, WireError> {
        let mut r = self.field(row);
        let value = read(&mut r)?;
        r.finish()?;
        Ok(value)
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

/// A list of the request, read item by item.
#[derive(Clone, Copy, Debug)]
pub struct List<'a, T> {
    /// The items, as encoded (without the count).
    bytes: &'a [u8],
    len: u32,
    item: PhantomData<T>,
}

impl<'a, T: ReadInPlace<'a>> List<'a, T> {
    /// Reads and checks every item now, so that iterating cannot fail:
    /// for short lists inside a section (the transit states).
    fn read(r: &mut Reader<'a>) -> Result<Self, WireError> {
        let start = r.position() + 4;
        // `list` refuses a count the remaining bytes cannot hold; a list
        // of `()` allocates nothing.
        let len = r.list(|r| T::read(r).map(drop))?.len() as u32;
        Ok(List {
            bytes: r.read_since(start),
            len,
            item: PhantomData,
        })
    }

    /// Takes the count and the rest of the section, leaving the items to
    /// be checked as they are read: for a list that is a whole section.
    fn unchecked(r: &mut Reader<'a>) -> Result<Self, WireError> {
        let len = r.u32()?;
        let bytes = r.take_rest();
        // Every item takes at least one byte.
        if len as usize > bytes.len() {
            return Err(r.error(WireProblem::ImpossibleLength(len)));
        }
        if len == 0 && !bytes.is_empty() {
            return Err(r.error(WireProblem::TrailingBytes(bytes.len())));
        }
        Ok(List {
            bytes,
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

    /// The items in order, each checked as it is read; a damaged item ends
    /// the list with its error. The last item must end the list's bytes,
    /// so that a damaged count cannot pass for a shorter list.
    pub fn items(&self) -> impl Iterator<Item = Result<T, WireError>> + 'a {
        let (mut r, len) = (Reader::new(self.bytes), self.len);
        let mut damaged = false;
        (1..=len).map_while(move |n| {
            if damaged {
                return None;
            }
            let mut item = T::read(&mut r);
            let left = r.rest_len();
            if item.is_ok() && n == len && left > 0 {
                item = Err(r.error(WireProblem::TrailingBytes(left)));
            }
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
    fn read(r: &mut Reader<'a>) -> Result<Text<'a>, WireError> {
        r.str_bytes().map(Text)
    }

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
