//! The transfer application (spec: `shared/spec/application.md`, format v1).
//!
//! These are plain values: the host builds them from TOML or JSON after
//! validation, the ABI carries them into the sandbox, and treaty checks read
//! them. Every field exists because an instrument asks about it; the doc
//! comment on each says which.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// A calendar date, kept as the integer `YYYYMMDD` so that dates compare as
/// integers and cross the ABI as one `u32`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(u32);

impl Date {
    /// 0001-01-01: what the ABI decoder returns for a date it could not
    /// read, beside the fault that discards it (`abi::wire::Reader`).
    pub(crate) const PLACEHOLDER: Date = Date(1_01_01);

    /// A date from its parts, or `None` when the day does not exist
    /// (30 February, month 13, ...).
    pub fn from_ymd(year: u32, month: u32, day: u32) -> Option<Date> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date(year * 10_000 + month * 100 + day))
    }

    /// Parses `YYYY-MM-DD` exactly (ten characters, zero-padded).
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year = digits(&b[0..4])?;
        let month = digits(&b[5..7])?;
        let day = digits(&b[8..10])?;
        Date::from_ymd(year, month, day)
    }

    /// The `YYYYMMDD` integer; also the wire form.
    pub fn to_yyyymmdd(self) -> u32 {
        self.0
    }

    /// Inverse of [`Date::to_yyyymmdd`], checking the date exists.
    pub fn from_yyyymmdd(v: u32) -> Option<Date> {
        Date::from_ymd(v / 10_000, (v / 100) % 100, v % 100)
    }

    pub fn year(self) -> u32 {
        self.0 / 10_000
    }
    pub fn month(self) -> u32 {
        (self.0 / 100) % 100
    }
    pub fn day(self) -> u32 {
        self.0 % 100
    }

    /// The last day of this date's month.
    pub fn end_of_month(self) -> Date {
        Date(self.year() * 10_000 + self.month() * 100 + days_in_month(self.year(), self.month()))
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Country {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year(),
            self.month(),
            self.day()
        )
    }
}

/// An ISO 3166-1 alpha-2 code, two upper-case ASCII letters. Whether the
/// code is assigned is the host's validation job; the type only guarantees
/// the shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Country([u8; 2]);

/// Alphabetical. Read as one big-endian number the two letters order the
/// same as compared letter by letter, in one comparison, where the derived
/// ordering compared them with `memcmp`: a call and a loop in a plug-in,
/// for every step of every search of the reference data.
impl Ord for Country {
    fn cmp(&self, other: &Country) -> core::cmp::Ordering {
        u16::from_be_bytes(self.0).cmp(&u16::from_be_bytes(other.0))
    }
}

impl PartialOrd for Country {
    fn partial_cmp(&self, other: &Country) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Country {
    /// What the ABI decoder returns for a code it could not read, beside
    /// the fault that discards it (`abi::wire::Reader`).
    pub(crate) const PLACEHOLDER: Country = Country(*b"AA");

    pub const fn new(code: &str) -> Option<Country> {
        match code.as_bytes() {
            &[a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Some(Country([a, b])),
            _ => None,
        }
    }
    /// A code a policy names in its source, checked when the policy is
    /// compiled: `const XA: Country = Country::known("XA");` fails the
    /// build on a code that is not two upper-case letters, and compares
    /// as one number where a string would compare byte by byte.
    pub const fn known(code: &str) -> Country {
        match Country::new(code) {
            Some(c) => c,
            None => panic!("a country code is two upper-case letters"),
        }
    }
    pub fn from_bytes(b: [u8; 2]) -> Option<Country> {
        (b[0].is_ascii_uppercase() && b[1].is_ascii_uppercase()).then_some(Country(b))
    }
    pub fn as_bytes(&self) -> [u8; 2] {
        self.0
    }
    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII upper-case letters by construction.
        core::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Declares a closed enumeration of the spec with its wire names, so that
/// the spelling in documents, the ABI code and the Rust variant are written
/// once, side by side.
macro_rules! spec_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in wire-code order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The spelling used in applications, decisions and docs.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The value spelled `text`, if any.
            pub fn parse(text: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == text)
            }

            /// The one-byte ABI code (the position in [`Self::ALL`]).
            pub fn code(self) -> u8 {
                self as u8
            }

            pub fn from_code(code: u8) -> Option<$name> {
                Self::ALL.get(usize::from(code)).copied()
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::text::Piece for $name {
            #[inline]
            fn max_len(&self) -> usize {
                self.as_str().len()
            }
            #[inline]
            fn push_to(&self, out: &mut alloc::string::String) {
                out.push_str(self.as_str())
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}
pub(crate) use spec_enum;

spec_enum! {
    /// What is being licensed (ATT Art. 2(2); FP Art. 10).
    TransferKind { Export = "export", Import = "import", Transit = "transit",
        Transshipment = "transshipment", Brokering = "brokering" }
}

spec_enum! {
    /// The part a state plays in a transfer; each (state, role) is routed to
    /// the policies configured for it.
    Role { Export = "export", Import = "import", Transit = "transit", Brokering = "brokering" }
}

impl TransferKind {
    /// The role of the licensing state for this kind of application.
    pub fn licensing_role(self) -> Role {
        match self {
            TransferKind::Export => Role::Export,
            TransferKind::Import => Role::Import,
            TransferKind::Transit | TransferKind::Transshipment => Role::Transit,
            TransferKind::Brokering => Role::Brokering,
        }
    }
}

spec_enum! {
    /// FP Art. 10(6): temporary transfers may use simplified procedures.
    Permanence { Permanent = "permanent", Temporary = "temporary" }
}

spec_enum! {
    /// The verifiable lawful purposes FP Art. 10(6) names.
    TemporaryPurpose { Hunting = "hunting", SportShooting = "sport_shooting",
        Evaluation = "evaluation", Exhibition = "exhibition", Repair = "repair" }
}

spec_enum! {
    ApplicantKind { Manufacturer = "manufacturer", Dealer = "dealer", Broker = "broker",
        Government = "government", Individual = "individual" }
}

spec_enum! {
    /// Postal and courier transport is a flagged modus operandi (COP res. 10/2, para. 14).
    Transport { Air = "air", Sea = "sea", Road = "road", Rail = "rail", Postal = "postal",
        Courier = "courier", HandCarry = "hand_carry" }
}

spec_enum! {
    PartyRole { Consignee = "consignee", EndUser = "end_user",
        UltimateEndUser = "ultimate_end_user", IntermediateConsignee = "intermediate_consignee",
        Broker = "broker", FreightForwarder = "freight_forwarder" }
}

spec_enum! {
    /// `government`, `armed_forces` and `police` are state entities; the rest
    /// are not, which decides partial (non-government) embargoes.
    PartyType { Government = "government", ArmedForces = "armed_forces", Police = "police",
        Commercial = "commercial", Individual = "individual",
        NonStateArmedGroup = "non_state_armed_group" }
}

impl PartyType {
    /// True for the state entities of the spec.
    pub fn is_state_entity(self) -> bool {
        matches!(
            self,
            PartyType::Government | PartyType::ArmedForces | PartyType::Police
        )
    }
}

spec_enum! {
    /// FP Art. 3(a)-(c); ATT Arts. 3-4.
    ItemKind { Firearm = "firearm", Part = "part", Component = "component",
        Ammunition = "ammunition", Accessory = "accessory", Other = "other" }
}

impl ItemKind {
    /// The items the Firearms Protocol covers: firearms, their parts and
    /// components, and ammunition (FP Art. 3(a)-(c)).
    pub fn is_firearms_protocol_item(self) -> bool {
        !matches!(self, ItemKind::Accessory | ItemKind::Other)
    }
}

spec_enum! {
    /// The eight categories of ATT Art. 2(1).
    AttCategory { BattleTanks = "battle_tanks", ArmouredCombatVehicles = "armoured_combat_vehicles",
        LargeCalibreArtillery = "large_calibre_artillery", CombatAircraft = "combat_aircraft",
        AttackHelicopters = "attack_helicopters", Warships = "warships",
        MissilesAndLaunchers = "missiles_and_launchers", SmallArms = "small_arms",
        LightWeapons = "light_weapons" }
}

spec_enum! {
    /// COP res. 10/2 paras. 6 and 14: craft, 3D-printed, modular, converted and
    /// reactivated firearms.
    Manufacture { Standard = "standard", Craft = "craft", ThreeDPrinted = "3d_printed",
        Modular = "modular", Converted = "converted", Reactivated = "reactivated" }
}

spec_enum! {
    EndUsePurpose { Defence = "defence", LawEnforcement = "law_enforcement", Sport = "sport",
        Hunting = "hunting", Collection = "collection", Resale = "resale",
        Manufacturing = "manufacturing", Other = "other" }
}

spec_enum! {
    /// Online sales are flagged by COP res. 10/2, paras. 6 and 14.
    SaleChannel { Direct = "direct", Online = "online" }
}

spec_enum! {
    /// Cryptocurrency payments are flagged by COP res. 10/2, paras. 14 and 19.
    Payment { BankTransfer = "bank_transfer", LetterOfCredit = "letter_of_credit",
        Cash = "cash", Cryptocurrency = "cryptocurrency", Other = "other" }
}

/// One transfer application.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Application {
    /// The authority's reference (FP Art. 7, ATT Art. 12).
    pub id: String,
    pub kind: TransferKind,
    pub licensing_state: Country,
    /// The default "as of" date of the screening.
    pub submitted: Date,
    pub permanence: Permanence,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub temporary_purpose: Option<TemporaryPurpose>,
    pub applicant: Applicant,
    pub route: Route,
    pub parties: Vec<Party>,
    pub goods: Vec<Goods>,
    pub documents: Documents,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub end_use: Option<EndUse>,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub sale: Option<Sale>,
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Applicant {
    pub name: String,
    pub state: Country,
    pub kind: ApplicantKind,
    /// Dealer or broker registration number (FP Art. 15(1)(a)).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub registration: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Route {
    pub origin: Country,
    pub destination: Country,
    /// Transit and trans-shipment states in order (FP Art. 10(2)(b); ATT Art. 9).
    pub transit: Vec<Country>,
    pub transport: Transport,
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Party {
    pub role: PartyRole,
    pub name: String,
    pub state: Country,
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub party_type: PartyType,
    /// Broker registration (FP Art. 15).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub registration: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Goods {
    pub description: String,
    pub item: ItemKind,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub att_category: Option<AttCategory>,
    /// National control list or EU Common Military List entry (ATT Art. 5).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub control_entry: Option<String>,
    pub quantity: u64,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub unit_value: Option<f64>,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub currency: Option<String>,
    pub manufacture: Manufacture,
    /// FP Art. 9.
    pub deactivated: bool,
    /// FP Art. 8.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub marking: Option<Marking>,
}

/// FP Art. 8 marking of a firearm.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Marking {
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub manufacturer: Option<String>,
    /// Country of manufacture.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub country: Option<Country>,
    /// Every item bears a unique serial number.
    pub serial_numbers: bool,
    pub import_marking: bool,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub year: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Documents {
    /// FP Art. 10(2)(a), 10(3); ATT Art. 8.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub import_licence: Option<ImportLicence>,
    /// FP Art. 10(5); ATT Art. 11(2).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub end_user_certificate: Option<EndUserCertificate>,
    /// FP Art. 10(2)(b): each transit state's written notice of no objection.
    pub transit_consent: Vec<TransitConsent>,
    /// FP Art. 10(4): the importer undertakes to confirm receipt.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub delivery_verification: Option<bool>,
}

impl Documents {
    /// The written notice by which `state` consented to the transit (FP
    /// Art. 10(2)(b)), if the application carries one. A notice with a
    /// blank reference does not count: nothing would name the document
    /// an officer must verify (FP Art. 10(5)). The Protocol's check and
    /// every national transit permit read consent through this one test,
    /// so that no policy accepts what another calls missing.
    pub fn transit_consent_from(&self, state: Country) -> Option<&TransitConsent> {
        self.transit_consent
            .iter()
            .find(|c| c.state == state && !c.reference.trim().is_empty())
    }
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ImportLicence {
    pub number: String,
    pub issued_by: Country,
    /// Optional in the format so that FP Art. 10(3) (licence content) can
    /// report a licence without an expiry date instead of rejecting it.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub valid_until: Option<Date>,
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct EndUserCertificate {
    pub number: String,
    pub issued_by: Country,
    pub authenticated: bool,
    pub no_reexport_clause: bool,
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TransitConsent {
    pub state: Country,
    pub reference: String,
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct EndUse {
    pub statement: String,
    pub purpose: EndUsePurpose,
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Sale {
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub channel: Option<SaleChannel>,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub payment: Option<Payment>,
}

impl Application {
    /// Parties with the given role, with their index in `parties` (for
    /// evidence paths such as `parties[1]`).
    pub fn parties_in_role(&self, role: PartyRole) -> impl Iterator<Item = (usize, &Party)> {
        self.parties
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.role == role)
    }

    /// The parties who receive or use the goods: consignees and end users.
    /// Partial embargoes and diversion checks look at these.
    pub fn recipients(&self) -> impl Iterator<Item = (usize, &Party)> {
        self.parties.iter().enumerate().filter(|(_, p)| {
            matches!(
                p.role,
                PartyRole::Consignee
                    | PartyRole::EndUser
                    | PartyRole::UltimateEndUser
                    | PartyRole::IntermediateConsignee
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn dates_parse_strictly_and_order_as_integers() {
        assert_eq!(
            Date::parse("2024-02-29").map(Date::to_yyyymmdd),
            Some(20240229)
        );
        assert_eq!(Date::parse("2023-02-29"), None);
        assert_eq!(Date::parse("2023-13-01"), None);
        assert_eq!(Date::parse("2023-1-01"), None);
        assert!(Date::parse("2004-06-07").unwrap() < Date::parse("2004-06-08").unwrap());
        assert_eq!(
            Date::parse("2005-04-01")
                .unwrap()
                .end_of_month()
                .to_string(),
            "2005-04-30"
        );
    }

    #[test]
    fn enum_spellings_round_trip_through_codes() {
        for kind in Manufacture::ALL {
            assert_eq!(Manufacture::from_code(kind.code()), Some(*kind));
            assert_eq!(Manufacture::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(
            Manufacture::parse("3d_printed"),
            Some(Manufacture::ThreeDPrinted)
        );
        assert_eq!(ItemKind::from_code(200), None);
    }

    #[test]
    fn a_transit_consent_counts_only_from_its_state_and_with_a_reference() {
        let consent = |state: &str, reference: &str| TransitConsent {
            state: Country::new(state).unwrap(),
            reference: reference.to_string(),
        };
        let docs = Documents {
            transit_consent: alloc::vec![consent("XB", " \t"), consent("DE", "DE-TC-7")],
            ..Documents::default()
        };
        let de = Country::new("DE").unwrap();
        assert_eq!(
            docs.transit_consent_from(de).map(|c| c.reference.as_str()),
            Some("DE-TC-7")
        );
        assert_eq!(docs.transit_consent_from(Country::new("XB").unwrap()), None);
        assert_eq!(docs.transit_consent_from(Country::new("AT").unwrap()), None);
    }
}
