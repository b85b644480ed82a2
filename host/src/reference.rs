//! Reference data: reads the embargo and treaty files of `data/` into the
//! values handed to plug-ins, and keeps each file's sha256 and provenance
//! for the decision record.
//!
//! The files are the shared compilations copied with their sources and
//! `verified` flags. Attest adds a few keys where time-bounded phases need
//! them, each commented in the file with the note it derives from:
//! `compiled` (the file's as-of date), `scope_initial`,
//! `categories_initial`, `categories_after` on amendments, `lifted_after`,
//! `lifted_before`, and a few amendments the notes state.
//! No date is invented: a date known to the month or year becomes a window,
//! and an ended embargo with no end date ends somewhere between its last
//! known act and the file's `compiled` date.

use attest_rules::model::{AttCategory, Country, Date, ItemKind};
use attest_rules::reference::*;
use sha2::{Digest, Sha256};
use std::fmt;
use toml::Value;

/// One data file as loaded: its name, bytes' hash and what it yielded.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DataSet {
    /// The name plug-ins ask for in their manifest (`un-arms-embargoes`).
    pub name: String,
    /// Not repeated in a decision's `provenance.data_sets`: its
    /// `provenance.data` already maps each name to this hash, and the
    /// repeat was a sixth of every decision line (docs/performance.md).
    #[serde(skip)]
    pub sha256: String,
    /// The compilation's as-of date, where the file states one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compiled: Option<String>,
    /// Entries read, and how many of them the source marks unverified.
    pub entries: usize,
    pub unverified: usize,
}

/// The data sets Attest knows how to read, by manifest name.
pub const UN_ARMS_EMBARGOES: &str = "un-arms-embargoes";
pub const EU_ARMS_EMBARGOES: &str = "eu-arms-embargoes";
pub const NATIONAL_EMBARGOES: &str = "national-embargoes";
pub const TREATY_PARTIES: &str = "treaty-parties";
pub const EU_MEMBERS: &str = "eu-members";
pub const RISK_REGISTER: &str = "risk-register";
pub const EU_DENIALS: &str = "eu-denials";
pub const KNOWN: &[&str] = &[
    UN_ARMS_EMBARGOES,
    EU_ARMS_EMBARGOES,
    NATIONAL_EMBARGOES,
    TREATY_PARTIES,
    EU_MEMBERS,
    RISK_REGISTER,
    EU_DENIALS,
];

/// A data file that could not be read, naming the entry and field.
#[derive(Debug)]
pub struct DataError {
    pub data_set: String,
    pub path: String,
    pub message: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "reference data {}: {}: {}",
            self.data_set, self.path, self.message
        )
    }
}

impl std::error::Error for DataError {}

/// All reference data loaded, plus each data set's record.
#[derive(Clone, Debug, Default)]
pub struct Library {
    pub data: ReferenceData,
    pub sets: Vec<DataSet>,
}

/// The entries of an array of tables, with a parser for one entry; errors
/// name `key[i].field`.
fn entries<T>(
    root: &toml::Table,
    key: &str,
    mut parse: impl FnMut(&Value) -> FieldResult<T>,
) -> Result<(Vec<T>, usize), (String, String)> {
    let list = root
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[][..], |a| a);
    let unverified = list.iter().filter(|e| !flag(e, "verified")).count();
    let parsed = list
        .iter()
        .enumerate()
        .map(|(i, e)| parse(e).map_err(|(f, m)| (format!("{key}[{i}].{f}"), m)))
        .collect::<Result<Vec<T>, _>>()?;
    Ok((parsed, unverified))
}

impl Library {
    /// Loads the named data sets from their TOML text.
    pub fn load(files: &[(String, String)]) -> Result<Library, DataError> {
        let mut lib = Library::default();
        for (name, text) in files {
            let set = lib.add(name, text).map_err(|(path, message)| DataError {
                data_set: name.clone(),
                path,
                message,
            })?;
            lib.sets.push(set);
        }
        Ok(lib)
    }

    fn add(&mut self, name: &str, text: &str) -> Result<DataSet, (String, String)> {
        let root: toml::Table = toml::from_str(text).map_err(|e| (String::new(), e.to_string()))?;
        let sha256 = hex(&Sha256::digest(text.as_bytes()));
        let compiled = match root.get("compiled") {
            Some(v) => {
                Some(date(v).ok_or(("compiled".to_string(), "expected a date".to_string()))?)
            }
            None => None,
        };
        let need_compiled = || {
            compiled.ok_or((
                "compiled".to_string(),
                "missing: the as-of date of the compilation".to_string(),
            ))
        };
        let d = &mut self.data;
        let (entries, unverified) = match name {
            UN_ARMS_EMBARGOES | EU_ARMS_EMBARGOES | NATIONAL_EMBARGOES => {
                let regime = match name {
                    UN_ARMS_EMBARGOES => Regime::Un,
                    EU_ARMS_EMBARGOES => Regime::Eu,
                    _ => Regime::National,
                };
                let compiled = need_compiled()?;
                let (list, unverified) =
                    entries(&root, "embargo", |e| embargo(e, regime, compiled))?;
                let n = list.len();
                d.embargoes.extend(list);
                (n, unverified)
            }
            TREATY_PARTIES => {
                let (att, u1) = entries(&root, "att", |e| participation(e, Treaty::Att))?;
                let (fp, u2) = entries(&root, "firearms_protocol", |e| {
                    participation(e, Treaty::FirearmsProtocol)
                })?;
                let n = att.len() + fp.len();
                d.treaty_participation.extend(att.into_iter().chain(fp));
                for t in root
                    .get("complete_lists")
                    .and_then(Value::as_array)
                    .map_or(&[][..], |a| a)
                {
                    let treaty = t.as_str().and_then(Treaty::parse);
                    d.complete_treaty_lists.push(
                        treaty
                            .ok_or(("complete_lists".to_string(), format!("unknown treaty {t}")))?,
                    );
                }
                (n, u1 + u2)
            }
            EU_MEMBERS => {
                let (list, unverified) = entries(&root, "member", membership)?;
                let n = list.len();
                d.memberships.extend(list);
                (n, unverified)
            }
            RISK_REGISTER => {
                let (list, unverified) = entries(&root, "risk", risk)?;
                let n = list.len();
                d.risks.extend(list);
                (n, unverified)
            }
            EU_DENIALS => {
                let (list, unverified) = entries(&root, "denial", denial)?;
                let n = list.len();
                d.denials.extend(list);
                (n, unverified)
            }
            other => {
                return Err((
                    String::new(),
                    format!("unknown data set \"{other}\"; known: {}", KNOWN.join(", ")),
                ))
            }
        };
        Ok(DataSet {
            name: name.into(),
            sha256,
            compiled: compiled.map(|d| d.to_string()),
            entries,
            unverified,
        })
    }

    /// Only the data sets in `names`, for a plug-in that asked for them.
    pub fn subset(&self, names: &[String]) -> ReferenceData {
        let wants = |n: &str| names.iter().any(|x| x == n);
        let d = &self.data;
        ReferenceData {
            embargoes: d
                .embargoes
                .iter()
                .filter(|e| match e.regime {
                    Regime::Un => wants(UN_ARMS_EMBARGOES),
                    Regime::Eu => wants(EU_ARMS_EMBARGOES),
                    Regime::National => wants(NATIONAL_EMBARGOES),
                })
                .cloned()
                .collect(),
            treaty_participation: if wants(TREATY_PARTIES) {
                d.treaty_participation.clone()
            } else {
                Participation::default()
            },
            complete_treaty_lists: if wants(TREATY_PARTIES) {
                d.complete_treaty_lists.clone()
            } else {
                Vec::new()
            },
            memberships: if wants(EU_MEMBERS) {
                d.memberships.clone()
            } else {
                Vec::new()
            },
            risks: if wants(RISK_REGISTER) {
                d.risks.clone()
            } else {
                Risks::default()
            },
            denials: if wants(EU_DENIALS) {
                d.denials.clone()
            } else {
                Vec::new()
            },
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    // Every decision carries a digest: one allocation, filled a byte's two
    // digits at a time from a table, with no growth check per byte: 492
    // fewer instructions per decision (`scripts/instructions.sh`).
    static PAIRS: [[u8; 2]; 256] = {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut table = [[0; 2]; 256];
        let mut b = 0;
        while b < 256 {
            table[b] = [DIGITS[b >> 4], DIGITS[b & 0xf]];
            b += 1;
        }
        table
    };
    let mut out = vec![0; bytes.len() * 2];
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair.copy_from_slice(&PAIRS[usize::from(*b)]);
    }
    String::from_utf8(out).unwrap_or_default()
}

type FieldResult<T> = Result<T, (String, String)>;

fn field_err<T>(field: &str, message: impl Into<String>) -> FieldResult<T> {
    Err((field.to_string(), message.into()))
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn date(v: &Value) -> Option<Date> {
    match v {
        Value::Datetime(d) => Date::parse(&d.to_string()),
        Value::String(s) => Date::parse(s),
        _ => None,
    }
}

/// An exact date under `key`, or a month/year window under `key_approx`.
fn period(v: &Value, key: &str) -> FieldResult<Option<Period>> {
    if let Some(d) = v.get(key) {
        return date(d)
            .map(|d| Some(Period::exact(d)))
            .ok_or_else(|| (key.into(), "expected a date".into()));
    }
    let approx = format!("{key}_approx");
    match v.get(&approx) {
        None => Ok(None),
        Some(Value::String(s)) => approximate(s).map(Some).ok_or_else(|| {
            (
                approx.clone(),
                format!("expected YYYY, YYYY-MM or YYYY-MM/MM, found \"{s}\""),
            )
        }),
        Some(_) => field_err(&approx, "expected a string"),
    }
}

/// An approximate date as the sources write it: `YYYY`, `YYYY-MM`, or
/// `YYYY-MM/MM` (one of two months), optionally followed by a remark in
/// words, which is ignored here and kept in the file.
fn approximate(text: &str) -> Option<Period> {
    let token = text.split_whitespace().next()?;
    match token.split_once('/') {
        None => Period::parse(token),
        Some((first, second_month)) => {
            let start = Period::parse(first)?;
            let end = Period::parse(&format!("{}-{second_month}", &first[..4]))?;
            (end.latest >= start.earliest).then_some(Period {
                earliest: start.earliest,
                latest: end.latest,
            })
        }
    }
}

fn scope(text: &str) -> Option<EmbargoScope> {
    // "none (suspended)" and similar carry an explanation after the word.
    EmbargoScope::parse(text.split_whitespace().next().unwrap_or(""))
}

fn categories(v: &Value, key: &str) -> FieldResult<Option<Vec<AttCategory>>> {
    let Some(list) = v.get(key) else {
        return Ok(None);
    };
    let Some(items) = list.as_array() else {
        return field_err(key, "expected a list");
    };
    items
        .iter()
        .map(|c| {
            c.as_str()
                .and_then(AttCategory::parse)
                .ok_or_else(|| (key.to_string(), format!("unknown ATT category {c}")))
        })
        .collect::<FieldResult<Vec<_>>>()
        .map(Some)
}

fn country(v: &Value, field: &str) -> FieldResult<Country> {
    v.as_str()
        .and_then(Country::new)
        .ok_or_else(|| (field.into(), format!("expected a country code, found {v}")))
}

fn string(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(String::from)
}

fn embargo(v: &Value, regime: Regime, compiled: Date) -> FieldResult<Embargo> {
    let id = string(v, "id").ok_or_else(|| ("id".to_string(), "missing".to_string()))?;
    let mut targets = Vec::new();
    if let Some(t) = v.get("target_state") {
        targets.push(country(t, "target_state")?);
    }
    for t in v
        .get("target_states")
        .and_then(Value::as_array)
        .map_or(&[][..], |a| a)
    {
        targets.push(country(t, "target_states")?);
    }
    let current_scope = string(v, "scope")
        .as_deref()
        .and_then(scope)
        .ok_or_else(|| {
            (
                "scope".to_string(),
                "expected all, non_government, designated, approval_required or political"
                    .to_string(),
            )
        })?;
    let initial_scope = match string(v, "scope_initial") {
        Some(s) => {
            scope(&s).ok_or_else(|| ("scope_initial".to_string(), format!("unknown scope {s}")))?
        }
        None => current_scope,
    };
    let mut scope_changes = Vec::new();
    for (i, a) in v
        .get("amendments")
        .and_then(Value::as_array)
        .map_or(&[][..], |a| a)
        .iter()
        .enumerate()
    {
        let at = |f: &str| format!("amendments[{i}].{f}");
        let on = period(a, "date")
            .map_err(|(f, m)| (at(&f), m))?
            .ok_or_else(|| (at("date"), "missing".into()))?;
        let scope_text =
            string(a, "scope_after").ok_or_else(|| (at("scope_after"), "missing".to_string()))?;
        let new_scope = scope(&scope_text)
            .ok_or_else(|| (at("scope_after"), format!("unknown scope {scope_text}")))?;
        let cats = categories(a, "categories_after").map_err(|(f, m)| (at(&f), m))?;
        scope_changes.push(ScopeChange {
            on,
            scope: new_scope,
            categories: cats,
            by: string(a, "by").unwrap_or_default(),
        });
    }
    let direction = match string(v, "direction") {
        None => Direction::To,
        Some(d) => Direction::parse(&d).ok_or_else(|| {
            (
                "direction".to_string(),
                format!("expected to or from, found {d}"),
            )
        })?,
    };
    let cats = match categories(v, "categories_initial")? {
        Some(c) => c,
        None => categories(v, "categories")?.unwrap_or_default(),
    };
    let established = period(v, "established")?;
    let status = string(v, "status").unwrap_or_default();
    let ended = matches!(status.as_str(), "lifted" | "expired");
    let mut lifted = period(v, "lifted")?;
    if lifted.is_none() && ended {
        // Ended on an unconfirmed date: after the last known act, and by
        // the date the file was compiled.
        let after = match v.get("lifted_after") {
            Some(d) => date(d)
                .ok_or_else(|| ("lifted_after".to_string(), "expected a date".to_string()))?,
            None => established.map_or(compiled, |p| p.earliest),
        };
        let before = match v.get("lifted_before") {
            Some(d) => date(d)
                .ok_or_else(|| ("lifted_before".to_string(), "expected a date".to_string()))?,
            None => compiled,
        };
        lifted = Some(Period {
            earliest: after,
            latest: before,
        });
    }
    let imposed_by = match v.get("imposed_by") {
        Some(c) => Some(country(c, "imposed_by")?),
        None if regime == Regime::National => {
            return field_err("imposed_by", "required for a national embargo")
        }
        None => None,
    };
    Ok(Embargo {
        id,
        regime,
        imposed_by,
        targets,
        target_non_state: string(v, "target_non_state"),
        region: string(v, "region"),
        initial_scope,
        scope_changes,
        direction,
        categories: cats,
        established,
        established_by: string(v, "established_by").unwrap_or_default(),
        lifted,
        lifted_by: string(v, "lifted_by"),
        ended,
        verified: flag(v, "verified"),
    })
}

fn required_date(v: &Value, key: &str) -> FieldResult<Date> {
    v.get(key)
        .and_then(date)
        .ok_or_else(|| (key.to_string(), "expected a date YYYY-MM-DD".to_string()))
}

fn required_str(v: &Value, key: &str) -> FieldResult<String> {
    string(v, key).ok_or_else(|| (key.to_string(), "missing".to_string()))
}

fn code<T>(v: &Value, key: &str, parse: fn(&str) -> Option<T>, all: &[T]) -> FieldResult<T>
where
    T: Copy + fmt::Display,
{
    let text = required_str(v, key)?;
    parse(&text).ok_or_else(|| {
        let choices: Vec<String> = all.iter().map(ToString::to_string).collect();
        (
            key.to_string(),
            format!("expected one of {}, found \"{text}\"", choices.join(", ")),
        )
    })
}

fn membership(v: &Value) -> FieldResult<Membership> {
    Ok(Membership {
        organisation: "EU".into(),
        state: country(v.get("state").unwrap_or(&Value::Boolean(false)), "state")?,
        joined: required_date(v, "joined")?,
        left: match v.get("left") {
            None => None,
            Some(_) => Some(required_date(v, "left")?),
        },
        verified: flag(v, "verified"),
    })
}

fn risk(v: &Value) -> FieldResult<RiskAssessment> {
    Ok(RiskAssessment {
        state: country(v.get("state").unwrap_or(&Value::Boolean(false)), "state")?,
        concern: code(v, "concern", Concern::parse, Concern::ALL)?,
        level: code(v, "level", RiskLevel::parse, RiskLevel::ALL)?,
        assessed: required_date(v, "assessed")?,
        source: required_str(v, "source")?,
    })
}

fn denial(v: &Value) -> FieldResult<DenialNotice> {
    Ok(DenialNotice {
        id: required_str(v, "id")?,
        denied_by: country(
            v.get("denied_by").unwrap_or(&Value::Boolean(false)),
            "denied_by",
        )?,
        date: required_date(v, "date")?,
        destination: country(
            v.get("destination").unwrap_or(&Value::Boolean(false)),
            "destination",
        )?,
        recipient: required_str(v, "recipient")?,
        item: code(v, "item", ItemKind::parse, ItemKind::ALL)?,
        control_entry: string(v, "control_entry"),
        criteria: required_str(v, "criteria")?,
    })
}

fn participation(v: &Value, treaty: Treaty) -> FieldResult<TreatyParticipation> {
    let state_value = v
        .get("state")
        .ok_or_else(|| ("state".to_string(), "missing".to_string()))?;
    let status_text = string(v, "status").unwrap_or_default();
    let status = ParticipationStatus::parse(&status_text).ok_or_else(|| {
        (
            "status".to_string(),
            format!("expected party or signatory, found \"{status_text}\""),
        )
    })?;
    let in_force = match v.get("in_force") {
        None => None,
        Some(d) => {
            Some(date(d).ok_or_else(|| ("in_force".to_string(), "expected a date".to_string()))?)
        }
    };
    Ok(TreatyParticipation {
        treaty,
        state: country(state_value, "state")?,
        status,
        in_force,
        verified: flag(v, "verified"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use attest_rules::reference::Certainty;

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff, 0x10]), "000fa5ff10");
        assert_eq!(hex(&[]), "");
    }

    fn library() -> Library {
        Library::load(&Config::default().data).expect("bundled data loads")
    }

    fn embargo<'l>(lib: &'l Library, id: &str) -> &'l Embargo {
        lib.data.embargoes.iter().find(|e| e.id == id).unwrap()
    }

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn every_bundled_entry_loads_with_its_verified_flag() {
        let lib = library();
        let counts: Vec<(&str, usize, usize)> = lib
            .sets
            .iter()
            .map(|s| (s.name.as_str(), s.entries, s.unverified))
            .collect();
        assert_eq!(
            counts,
            [
                ("eu-arms-embargoes", 30, 15),
                ("eu-denials", 1, 0),
                ("eu-members", 28, 0),
                ("national-embargoes", 2, 0),
                ("risk-register", 14, 0),
                ("treaty-parties", 211, 10),
                ("un-arms-embargoes", 34, 4),
            ]
        );
        assert!(!embargo(&lib, "UN-SO").verified);
        assert!(embargo(&lib, "UN-KP").verified);
    }

    #[test]
    fn the_dprk_embargo_widens_from_major_arms_to_small_arms_in_2016() {
        let lib = library();
        let kp = embargo(&lib, "UN-KP");
        assert_eq!(
            kp.covers(Some(AttCategory::SmallArms), d("2008-01-01")),
            Certainty::No
        );
        assert_eq!(
            kp.covers(Some(AttCategory::BattleTanks), d("2008-01-01")),
            Certainty::Yes
        );
        assert_eq!(
            kp.covers(Some(AttCategory::SmallArms), d("2012-01-01")),
            Certainty::No
        );
        assert_eq!(
            kp.covers(Some(AttCategory::SmallArms), d("2016-03-02")),
            Certainty::Yes
        );
    }

    #[test]
    fn an_ended_embargo_without_end_date_is_uncertain_between_its_last_act_and_the_compilation() {
        let lib = library();
        let yu = embargo(&lib, "UN-YU-SFRY");
        assert_eq!(yu.in_force(d("1993-01-01")), Certainty::Yes);
        assert_eq!(yu.in_force(d("2001-01-01")), Certainty::Uncertain);
        assert_eq!(yu.in_force(d("2026-11-26")), Certainty::No);
        let ht = embargo(&lib, "UN-HT-1993");
        assert_eq!(ht.in_force(d("1994-10-01")), Certainty::Uncertain);
        assert_eq!(ht.in_force(d("1994-10-15")), Certainty::No);
        assert_eq!(ht.scope_on(d("1993-09-15")), EmbargoScope::Suspended);
    }

    #[test]
    fn two_month_windows_in_eu_data_are_read_as_windows() {
        let p = approximate("2009-10/11 (Council decided on 27 Oct 2009 not to renew)").unwrap();
        assert_eq!((p.earliest, p.latest), (d("2009-10-01"), d("2009-11-30")));
        assert_eq!(
            approximate("1990 (confirmed later)").unwrap().latest,
            d("1990-12-31")
        );
        assert!(approximate("sometime").is_none());
    }

    #[test]
    fn a_malformed_entry_is_named_by_data_set_and_field() {
        let text = "compiled = 2026-01-01\n[[embargo]]\nid = \"X\"\nscope = \"total\"\n";
        let err = Library::load(&[(UN_ARMS_EMBARGOES.into(), text.into())]).unwrap_err();
        assert_eq!(err.to_string(), "reference data un-arms-embargoes: embargo[0].scope: expected all, non_government, designated, approval_required or political");
    }
}
