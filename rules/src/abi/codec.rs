//! Encoding of the values that cross the sandbox boundary: the evaluation
//! request (host → plug-in), the response (plug-in → host) and reference
//! data (host → plug-in, once per instance). Field order here *is* the
//! format; `docs/abi.md` documents it and must change with it.

use super::wire::{Reader, WireError, WireProblem, Writer};
use crate::finding::{Effect, Finding, Instrument};
use crate::model::*;
use crate::reference::*;
use alloc::string::String;
use alloc::vec::Vec;

/// A value with a wire form.
pub trait Wire: Sized {
    fn put(&self, w: &mut Writer<'_>);
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError>;
    /// Checks and steps over one value without building it: what the
    /// in-place request view (`abi::view`) uses for the parts it does not
    /// read. Strings and lists override it so that nothing is allocated.
    fn skip(r: &mut Reader<'_>) -> Result<(), WireError> {
        Self::get(r).map(drop)
    }
}

/// Skips the field that `field` projects out of `S`, with that field's own
/// wire type: field lists stay written once, in `wire_struct!`.
pub fn skip_field<S, T: Wire>(_field: fn(&S) -> &T, r: &mut Reader<'_>) -> Result<(), WireError> {
    T::skip(r)
}

/// Skims the field that `field` projects out of `S` (see [`Reader::skim`]):
/// for the parts of a request a policy does not read.
pub fn skim_field<S, T: Wire>(field: fn(&S) -> &T, r: &mut Reader<'_>) -> Result<(), WireError> {
    r.skim(|r| skip_field(field, r))
}

/// Encodes one value into `buf` (cleared first).
pub fn encode<T: Wire>(value: &T, buf: &mut Vec<u8>) {
    buf.clear();
    value.put(&mut Writer::new(buf));
}

/// Decodes one value that must fill `bytes` exactly.
pub fn decode<T: Wire>(bytes: &[u8]) -> Result<T, WireError> {
    let mut r = Reader::new(bytes);
    let value = T::get(&mut r)?;
    r.finish()?;
    Ok(value)
}

macro_rules! wire_enum {
    ($($t:ty),+) => {$(
        impl Wire for $t {
            fn put(&self, w: &mut Writer<'_>) { w.u8(self.code()) }
            fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
                r.code(stringify!($t), <$t>::from_code)
            }
            fn skip(r: &mut Reader<'_>) -> Result<(), WireError> {
                if r.skimming() { r.u8().map(drop) } else { Self::get(r).map(drop) }
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
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        r.string()
    }
    fn skip(r: &mut Reader<'_>) -> Result<(), WireError> {
        r.skip_str()
    }
}

impl Wire for bool {
    fn put(&self, w: &mut Writer<'_>) {
        w.bool(*self)
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        r.bool()
    }
}

impl Wire for u32 {
    fn put(&self, w: &mut Writer<'_>) {
        w.u32(*self)
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        r.u32()
    }
}

impl Wire for u64 {
    fn put(&self, w: &mut Writer<'_>) {
        w.u64(*self)
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        r.u64()
    }
}

impl Wire for f64 {
    fn put(&self, w: &mut Writer<'_>) {
        w.f64(*self)
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        r.f64()
    }
}

impl Wire for Date {
    fn put(&self, w: &mut Writer<'_>) {
        w.u32(self.to_yyyymmdd())
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let v = r.u32()?;
        Date::from_yyyymmdd(v).ok_or_else(|| {
            r.error(WireProblem::BadCode {
                what: "date",
                code: v,
            })
        })
    }
}

impl Wire for Country {
    fn put(&self, w: &mut Writer<'_>) {
        w.bytes2(self.as_bytes())
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let b = r.bytes2()?;
        Country::from_bytes(b).ok_or_else(|| {
            r.error(WireProblem::BadCode {
                what: "country code",
                code: u32::from(u16::from_le_bytes(b)),
            })
        })
    }
}

impl<T: Wire> Wire for Option<T> {
    fn put(&self, w: &mut Writer<'_>) {
        w.option(self, |w, v| v.put(w))
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        r.option(T::get)
    }
    fn skip(r: &mut Reader<'_>) -> Result<(), WireError> {
        r.option(T::skip).map(drop)
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn put(&self, w: &mut Writer<'_>) {
        w.list(self, |w, v| v.put(w))
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        r.list(T::get)
    }
    fn skip(r: &mut Reader<'_>) -> Result<(), WireError> {
        // A list of `()` allocates nothing, whatever its length.
        r.list(T::skip).map(drop)
    }
}

/// Declares the wire form of a struct as its fields in order.
macro_rules! wire_struct {
    ($t:ident { $($field:ident),+ $(,)? }) => {
        impl Wire for $t {
            fn put(&self, w: &mut Writer<'_>) { $( self.$field.put(w); )+ }
            fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
                Ok($t { $( $field: Wire::get(r)? ),+ })
            }
            fn skip(r: &mut Reader<'_>) -> Result<(), WireError> {
                $( skip_field(|s: &$t| &s.$field, r)?; )+
                Ok(())
            }
        }
    };
}

wire_struct!(Application {
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
wire_struct!(ReferenceData {
    embargoes,
    treaty_participation,
    complete_treaty_lists,
    memberships,
    risks,
    denials
});

/// What the host asks a plug-in: screen `application` as of `as_of`, on
/// behalf of `state` acting in `role`.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub as_of: Date,
    pub state: Country,
    pub role: Role,
    pub application: Application,
}

wire_struct!(Request {
    as_of,
    state,
    role,
    application
});

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
    let mut w = Writer::new(buf);
    as_of.put(&mut w);
    state.put(&mut w);
    role.put(&mut w);
    app.put(&mut w);
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
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.u8()? {
            0 => Ok(Response::Findings(Vec::get(r)?)),
            1 => Ok(Response::Failed(r.string()?)),
            code => Err(r.error(WireProblem::BadCode {
                what: "response tag",
                code: code.into(),
            })),
        }
    }
}
