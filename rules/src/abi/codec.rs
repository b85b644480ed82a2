//! Encoding of the values that cross the sandbox boundary: the evaluation
//! request (host → plug-in), the response (plug-in → host) and reference
//! data (host → plug-in, once per instance). Field order here *is* the
//! format; `docs/abi.md` documents it and must change with it.

use super::indexed::{self, Entry};
use super::wire::{Reader, WireError, WireProblem, Writer};
use crate::finding::{Effect, Finding, Instrument, Rule};
use crate::model::*;
use crate::reference::*;
use alloc::string::String;
use alloc::vec::Vec;

/// A value with a wire form.
pub trait Wire: Sized {
    fn put(&self, w: &mut Writer<'_>);
    /// Reads one value. Malformed bytes do not stop it: the reader records
    /// the fault and this returns a placeholder, which [`decode`] and the
    /// other entry points discard for the fault (see [`Reader`]).
    fn get(r: &mut Reader<'_>) -> Self;
    /// Reads one value over `self`, reusing the memory it holds: strings,
    /// lists and the structs made of them override it, so that a host
    /// decoding answers into the same buffers call after call allocates
    /// nothing once they have grown. After a fault `self` holds part of
    /// the value and must not be used.
    fn get_into(&mut self, r: &mut Reader<'_>) {
        *self = Self::get(r);
    }
}

/// Encodes one value into `buf` (cleared first).
pub fn encode<T: Wire>(value: &T, buf: &mut Vec<u8>) {
    buf.clear();
    value.put(&mut Writer::new(buf));
}

/// Decodes one value that must fill `bytes` exactly; the error is the
/// first fault met.
pub fn decode<T: Wire>(bytes: &[u8]) -> Result<T, WireError> {
    let mut r = Reader::new(bytes);
    let value = T::get(&mut r);
    r.finish().map(|()| value)
}

macro_rules! wire_enum {
    ($($t:ty),+) => {$(
        impl Wire for $t {
            fn put(&self, w: &mut Writer<'_>) { w.u8(self.code()) }
            fn get(r: &mut Reader<'_>) -> Self {
                // The placeholder after a fault is the first value.
                r.code(stringify!($t), <$t>::from_code).unwrap_or(<$t>::ALL[0])
            }
        }
    )+};
}
wire_enum!(
    TransferKind,
    Role,
    Permanence,
    TemporaryPurpose,
    ApplicantKind,
    Transport,
    PartyRole,
    PartyType,
    ItemKind,
    AttCategory,
    Manufacture,
    EndUsePurpose,
    SaleChannel,
    Payment,
    Instrument,
    Effect,
    Regime,
    EmbargoScope,
    Direction,
    Treaty,
    ParticipationStatus,
    Concern,
    RiskLevel
);

impl Wire for String {
    fn put(&self, w: &mut Writer<'_>) {
        w.str(self)
    }
    fn get(r: &mut Reader<'_>) -> Self {
        r.string()
    }
    fn get_into(&mut self, r: &mut Reader<'_>) {
        let text = r.str();
        self.clear();
        self.push_str(text);
    }
}

impl Wire for bool {
    fn put(&self, w: &mut Writer<'_>) {
        w.bool(*self)
    }
    fn get(r: &mut Reader<'_>) -> Self {
        r.bool()
    }
}

impl Wire for u32 {
    fn put(&self, w: &mut Writer<'_>) {
        w.u32(*self)
    }
    fn get(r: &mut Reader<'_>) -> Self {
        r.u32()
    }
}

impl Wire for u64 {
    fn put(&self, w: &mut Writer<'_>) {
        w.u64(*self)
    }
    fn get(r: &mut Reader<'_>) -> Self {
        r.u64()
    }
}

impl Wire for f64 {
    fn put(&self, w: &mut Writer<'_>) {
        w.f64(*self)
    }
    fn get(r: &mut Reader<'_>) -> Self {
        r.f64()
    }
}

impl Wire for Date {
    fn put(&self, w: &mut Writer<'_>) {
        w.u32(self.to_yyyymmdd())
    }
    fn get(r: &mut Reader<'_>) -> Self {
        let v = r.u32();
        Date::from_yyyymmdd(v).unwrap_or_else(|| {
            if !r.failed() {
                r.fail(WireProblem::BadCode {
                    what: "date",
                    code: v,
                });
            }
            Date::PLACEHOLDER
        })
    }
}

impl Wire for Country {
    fn put(&self, w: &mut Writer<'_>) {
        w.bytes2(self.as_bytes())
    }
    fn get(r: &mut Reader<'_>) -> Self {
        let b = r.bytes2();
        Country::from_bytes(b).unwrap_or_else(|| {
            if !r.failed() {
                r.fail(WireProblem::BadCode {
                    what: "country code",
                    code: u32::from(u16::from_le_bytes(b)),
                });
            }
            Country::PLACEHOLDER
        })
    }
}

impl<T: Wire> Wire for Option<T> {
    fn put(&self, w: &mut Writer<'_>) {
        w.option(self, |w, v| v.put(w))
    }
    fn get(r: &mut Reader<'_>) -> Self {
        r.option(T::get)
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn put(&self, w: &mut Writer<'_>) {
        w.list(self, |w, v| v.put(w))
    }
    fn get(r: &mut Reader<'_>) -> Self {
        r.list(T::get)
    }
    fn get_into(&mut self, r: &mut Reader<'_>) {
        let n = r.count();
        self.truncate(n);
        for item in self.iter_mut() {
            item.get_into(r);
        }
        for _ in self.len()..n {
            if r.failed() {
                break;
            }
            self.push(T::get(r));
        }
    }
}

/// Declares the wire form of a struct as its fields in order. A
/// `sectioned` struct can also be written with a section table: the offset
/// of each of its fields, so that a reader can go straight to one
/// (the request's header, ABI v2).
macro_rules! wire_struct {
    (sectioned $t:ident { $($field:ident),+ $(,)? }) => {
        wire_struct!($t { $($field),+ });
        impl $t {
            /// The fields, in wire order: the rows of the section table.
            pub const FIELDS: [&'static str; [$(stringify!($field)),+].len()] =
                [$(stringify!($field)),+];

            /// The row of `name` in the section table; a name that is not
            /// a field fails to compile where it is used as a constant.
            pub const fn section(name: &str) -> usize {
                let mut row = 0;
                while row < Self::FIELDS.len() {
                    if bytes_eq(Self::FIELDS[row].as_bytes(), name.as_bytes()) {
                        return row;
                    }
                    row += 1;
                }
                panic!("not a field of the section table")
            }

            /// Writes the fields, filling the table of `u32` offsets at
            /// `table` with where each starts.
            fn put_sectioned(&self, w: &mut Writer<'_>, table: usize) {
                let mut row = 0;
                $(
                    w.patch_u32(table + 4 * row, w.position() as u32);
                    self.$field.put(w);
                    row += 1;
                )+
                let _ = row;
            }

            /// Reads the fields, checking that each starts where `table`
            /// says.
            fn get_sectioned(r: &mut Reader<'_>, table: &[u32; Self::FIELDS.len()]) -> Self {
                let mut rows = table.iter().zip(Self::FIELDS);
                let mut at = |r: &mut Reader<'_>| match rows.next() {
                    Some((&listed, _)) if listed as usize == r.position() => {}
                    Some((&listed, field)) => r.fail(WireProblem::Section { field, listed }),
                    None => r.fail(WireProblem::Truncated),
                };
                $t { $( $field: { at(r); Wire::get(r) } ),+ }
            }
        }
    };
    ($t:ident { $($field:ident),+ $(,)? }) => {
        impl Wire for $t {
            fn put(&self, w: &mut Writer<'_>) { $( self.$field.put(w); )+ }
            fn get(r: &mut Reader<'_>) -> Self {
                $t { $( $field: Wire::get(r) ),+ }
            }
            fn get_into(&mut self, r: &mut Reader<'_>) {
                $( self.$field.get_into(r); )+
            }
        }
    };
}

wire_struct!(sectioned Application {
    id,
    kind,
    licensing_state,
    submitted,
    permanence,
    temporary_purpose,
    applicant,
    route,
    parties,
    goods,
    documents,
    end_use,
    sale
});
wire_struct!(Applicant {
    name,
    state,
    kind,
    registration
});
wire_struct!(Route {
    origin,
    destination,
    transit,
    transport
});
wire_struct!(Party {
    role,
    name,
    state,
    party_type,
    registration
});
wire_struct!(Goods {
    description,
    item,
    att_category,
    control_entry,
    quantity,
    unit_value,
    currency,
    manufacture,
    deactivated,
    marking
});
wire_struct!(Marking {
    manufacturer,
    country,
    serial_numbers,
    import_marking,
    year
});
wire_struct!(Documents {
    import_licence,
    end_user_certificate,
    transit_consent,
    delivery_verification
});
wire_struct!(ImportLicence {
    number,
    issued_by,
    valid_until
});
wire_struct!(EndUserCertificate {
    number,
    issued_by,
    authenticated,
    no_reexport_clause
});
wire_struct!(TransitConsent { state, reference });
wire_struct!(EndUse { statement, purpose });
wire_struct!(Sale { channel, payment });
wire_struct!(Finding {
    rule,
    instrument,
    article,
    effect,
    message,
    evidence,
    binding
});
wire_struct!(Period { earliest, latest });
wire_struct!(ScopeChange {
    on,
    scope,
    categories,
    by
});
wire_struct!(Embargo {
    id,
    regime,
    imposed_by,
    targets,
    target_non_state,
    region,
    initial_scope,
    scope_changes,
    direction,
    categories,
    established,
    established_by,
    lifted,
    lifted_by,
    ended,
    verified
});
wire_struct!(TreatyParticipation {
    treaty,
    state,
    status,
    in_force,
    verified
});
wire_struct!(Membership {
    organisation,
    state,
    joined,
    left,
    verified
});
wire_struct!(RiskAssessment {
    state,
    concern,
    level,
    assessed,
    source
});
wire_struct!(DenialNotice {
    id,
    denied_by,
    date,
    destination,
    recipient,
    item,
    control_entry,
    criteria
});
/// A list of embargoes; its index is rebuilt on reading.
impl Wire for Embargoes {
    fn put(&self, w: &mut Writer<'_>) {
        w.len(self.len());
        for embargo in self.iter() {
            embargo.put(w);
        }
    }
    fn get(r: &mut Reader<'_>) -> Self {
        Embargoes::new(Vec::get(r))
    }
}

/// Written in its sorted order; read back and sorted again, so that a list
/// from anywhere is searchable.
impl<T: Keyed + Wire> Wire for Sorted<T> {
    fn put(&self, w: &mut Writer<'_>) {
        w.len(self.len());
        for entry in self.iter() {
            entry.put(w);
        }
    }
    fn get(r: &mut Reader<'_>) -> Self {
        Sorted::new(Vec::get(r))
    }
}

wire_struct!(ReferenceData {
    embargoes,
    treaty_participation,
    complete_treaty_lists,
    memberships,
    risks,
    denials
});

/// `a == b`, usable in constants.
const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// What the host asks a plug-in: screen `application` as of `as_of`, on
/// behalf of `state` acting in `role`.
///
/// On the wire the application is preceded by its section table: one `u32`
/// per field of `Application` (in [`Application::FIELDS`] order), the
/// offset from the start of the request where that field begins. A guest
/// that reads a few fields jumps to them instead of stepping over the
/// others (`abi::view`); a decoder checks every entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub as_of: Date,
    pub state: Country,
    pub role: Role,
    pub application: Application,
}

/// Bytes before the section table: `as_of`, `state`, `role`.
pub const REQUEST_HEADER: usize = 4 + 2 + 1;

/// Bytes of the section table.
pub const SECTION_TABLE: usize = 4 * Application::FIELDS.len();

fn put_header(w: &mut Writer<'_>, as_of: Date, state: Country, role: Role) {
    as_of.put(w);
    state.put(w);
    role.put(w);
}

fn put_request(w: &mut Writer<'_>, as_of: Date, state: Country, role: Role, app: &Application) {
    put_header(w, as_of, state, role);
    let table = w.position();
    for _ in Application::FIELDS {
        w.u32(0);
    }
    app.put_sectioned(w, table);
}

impl Wire for Request {
    fn put(&self, w: &mut Writer<'_>) {
        put_request(w, self.as_of, self.state, self.role, &self.application);
    }
    fn get(r: &mut Reader<'_>) -> Self {
        let (as_of, state, role) = (Date::get(r), Country::get(r), Role::get(r));
        let table = core::array::from_fn(|_| r.u32());
        let application = Application::get_sectioned(r, &table);
        Request {
            as_of,
            state,
            role,
            application,
        }
    }
}

/// Encodes a request without owning the application, so the host can encode
/// straight from its parsed value into a reused buffer.
pub fn encode_request(
    as_of: Date,
    state: Country,
    role: Role,
    app: &Application,
    buf: &mut Vec<u8>,
) {
    buf.clear();
    put_request(&mut Writer::new(buf), as_of, state, role, app);
}

/// Re-addresses a request from [`encode_request`] in place: another date,
/// state or role, the same application. Only this header differs between
/// the requests for the plug-ins one application is routed to, so the
/// host encodes the application once. Bytes too short to be a request are
/// left alone.
pub fn readdress_request(request: &mut [u8], as_of: Date, state: Country, role: Role) {
    let mut header = Vec::with_capacity(REQUEST_HEADER);
    put_header(&mut Writer::new(&mut header), as_of, state, role);
    if let Some(head) = request.get_mut(..REQUEST_HEADER) {
        head.copy_from_slice(&header);
    }
}

/// The application inside a request from [`encode_request`]: its fields
/// follow the section table exactly as [`encode`] writes them, so these
/// are the application's canonical bytes (what the decision's
/// `input_sha256` hashes) without encoding it a second time.
pub fn application_bytes(request: &[u8]) -> &[u8] {
    request
        .get(REQUEST_HEADER + SECTION_TABLE..)
        .unwrap_or_default()
}

/// What a plug-in answers: its findings, or a failure it detected itself
/// (for example a request it could not decode).
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    Findings(Vec<Finding>),
    Failed(String),
}

impl Wire for Response {
    fn put(&self, w: &mut Writer<'_>) {
        match self {
            Response::Findings(f) => {
                w.u8(0);
                f.put(w);
            }
            Response::Failed(msg) => {
                w.u8(1);
                w.str(msg);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Self {
        match r.u8() {
            0 => Response::Findings(Vec::get(r)),
            1 => Response::Failed(r.string()),
            code => {
                response_tag_fault(r, code);
                Response::Findings(Vec::new())
            }
        }
    }
}

/// Records an unknown response tag, read just before the reader's position.
fn response_tag_fault(r: &mut Reader<'_>, code: u8) {
    r.fail(WireProblem::BadCode {
        what: "response tag",
        code: code.into(),
    });
}

/// A rule of a plug-in's rule table as the host holds it: what the
/// guest's `attest_rules` export lists (ABI v3), so that a finding can name
/// its rule by index (`abi::indexed`).
#[derive(Clone, Debug, PartialEq)]
pub struct TableRule {
    pub id: String,
    pub instrument: Instrument,
    pub article: String,
    pub checks: String,
}

wire_struct!(TableRule {
    id,
    instrument,
    article,
    checks
});

/// Encodes a policy's rule table as `attest_rules` returns it: the wire
/// form of `list<TableRule>`.
pub fn encode_rules(rules: &[Rule], buf: &mut Vec<u8>) {
    buf.clear();
    let mut w = Writer::new(buf);
    w.list(rules, |w, rule| {
        w.str(rule.id);
        rule.instrument.put(w);
        w.str(rule.article);
        w.str(rule.checks);
    });
}

/// A list decoded again and again into the same memory. Unlike a `Vec`
/// read with [`Wire::get_into`], a shorter answer does not drop the items
/// past its end: they stay, with their strings, for a longer one to
/// reuse, so that after a few calls decoding allocates nothing.
#[derive(Clone, Debug)]
pub struct Reused<T> {
    items: Vec<T>,
    len: usize,
}

impl<T> Default for Reused<T> {
    fn default() -> Reused<T> {
        Reused {
            items: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Reused<T> {
    /// The items of the last decoded list.
    pub fn as_slice(&self) -> &[T] {
        &self.items[..self.len]
    }

    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Moves the items of the last decoded list out, leaving it empty.
    pub fn take(&mut self) -> Vec<T> {
        let mut items = core::mem::take(&mut self.items);
        items.truncate(self.len);
        self.len = 0;
        items
    }
}

impl<T: Wire> Reused<T> {
    fn get_into(&mut self, r: &mut Reader<'_>) {
        self.read_with(r, |item, r| item.get_into(r), T::get)
    }
}

impl<T> Reused<T> {
    /// Makes the list one item per input, filling each in order over the
    /// item kept from before, or over a `blank` one past them.
    fn refill<I, E>(
        &mut self,
        inputs: impl IntoIterator<Item = I>,
        blank: impl Fn() -> T,
        mut fill: impl FnMut(&mut T, I) -> Result<(), E>,
    ) -> Result<(), E> {
        self.len = 0;
        for (i, input) in inputs.into_iter().enumerate() {
            if i == self.items.len() {
                self.items.push(blank());
            }
            fill(&mut self.items[i], input)?;
            self.len = i + 1;
        }
        Ok(())
    }

    /// Reads a counted list, each item over the one kept from before
    /// (`read_over`) or, past them, afresh (`read`).
    fn read_with<'r>(
        &mut self,
        r: &mut Reader<'r>,
        mut read_over: impl FnMut(&mut T, &mut Reader<'r>),
        mut read: impl FnMut(&mut Reader<'r>) -> T,
    ) {
        let n = r.count();
        self.len = 0;
        for i in 0..n {
            match self.items.get_mut(i) {
                Some(item) => read_over(item, r),
                None => self.items.push(read(r)),
            }
            self.len = i + 1;
            if r.failed() {
                break;
            }
        }
    }
}

/// Reads one entry of a tag-2 answer over `f`: a whole finding, or one
/// named by its rule's index in `table`.
fn get_entry_into(f: &mut Finding, r: &mut Reader<'_>, table: &[TableRule]) {
    match r.code("finding entry", Entry::from_code) {
        Some(Entry::Whole) => return f.get_into(r),
        Some(_) => {}
        None => return,
    }
    let index = r.u32();
    let Some(rule) = table.get(index as usize) else {
        if !r.failed() {
            r.fail(WireProblem::BadCode {
                what: "rule index",
                code: index,
            });
        }
        return;
    };
    let effect = Effect::get(r);
    let binding = r.bool();
    let message = r.option(|r| r.str());
    by_rule(f, rule, effect, binding, message);
    f.evidence.get_into(r);
}

/// Fills `f` with a finding of `rule` (all but its evidence), as the host
/// does for a finding named by its rule's index.
fn by_rule(
    f: &mut Finding,
    rule: &TableRule,
    effect: Effect,
    binding: bool,
    message: Option<&str>,
) {
    replace(&mut f.rule, &rule.id);
    f.instrument = rule.instrument;
    replace(&mut f.article, &rule.article);
    f.effect = effect;
    f.binding = binding;
    replace(&mut f.message, message.unwrap_or(&rule.checks));
}

/// Decodes an inline answer (ABI v4, [`super::inline`]) into `findings`,
/// reusing their memory as [`decode_response_into`] does: each entry is
/// the finding of a rule of `table` with its `checks` text, binding, with
/// no evidence. A malformed answer or an index outside the table is
/// refused, and leaves `findings` empty.
pub fn decode_inline(
    answer: u64,
    findings: &mut Reused<Finding>,
    table: &[TableRule],
) -> Result<(), WireError> {
    let read = super::inline::entries(answer).and_then(|entries| {
        findings.refill(entries, blank_finding, |f, (index, effect)| {
            let rule = table.get(index).ok_or(WireError {
                offset: 0,
                problem: WireProblem::BadInline {
                    what: "rule index",
                    value: index as u64,
                },
            })?;
            by_rule(f, rule, effect, true, None);
            f.evidence.clear();
            Ok(())
        })
    });
    if read.is_err() {
        findings.clear();
    }
    read
}

/// A finding with nothing in it yet, to be read over.
fn blank_finding() -> Finding {
    Finding {
        rule: String::new(),
        instrument: Instrument::National,
        article: String::new(),
        effect: Effect::Info,
        message: String::new(),
        evidence: Vec::new(),
        binding: true,
    }
}

/// Overwrites `s` with `text`, in the memory it has.
fn replace(s: &mut String, text: &str) {
    s.clear();
    s.push_str(text);
}

/// Decodes a [`Response`] as [`decode`] does, its findings into
/// `findings`, reusing the memory of earlier answers: `Ok(None)` for
/// findings, `Ok(Some(message))` for a failure the plug-in reported.
/// After an error `findings` is empty.
///
/// `table` is the plug-in's rule table (`attest_rules`), by which the
/// entries of a tag-2 answer (`abi::indexed`) name their rules; an index
/// outside it is an error.
pub fn decode_response_into(
    bytes: &[u8],
    findings: &mut Reused<Finding>,
    table: &[TableRule],
) -> Result<Option<String>, WireError> {
    let mut r = Reader::new(bytes);
    let failure = match r.u8() {
        0 => {
            findings.get_into(&mut r);
            None
        }
        1 => Some(r.string()),
        indexed::TAG => {
            findings.read_with(
                &mut r,
                |f, r| get_entry_into(f, r, table),
                |r| {
                    let mut f = blank_finding();
                    get_entry_into(&mut f, r, table);
                    f
                },
            );
            None
        }
        code => {
            response_tag_fault(&mut r, code);
            None
        }
    };
    let answer = r.finish().map(|()| failure);
    if answer.is_err() {
        findings.clear();
    }
    answer
}
