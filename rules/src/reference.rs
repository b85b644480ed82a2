//! Reference data the host hands to plug-ins: arms embargoes and treaty
//! participation. Plug-ins never carry their own copy, so that updating an
//! embargo list is a data change, recorded by its sha256 in every decision.
//!
//! Dates in the sources are sometimes known only to the month or the year.
//! Rather than invent a day, a date is a [`Period`]: the earliest and latest
//! day it can be. Checks treat a screening date inside such a window as
//! uncertain and refer instead of deciding.

use crate::model::{spec_enum, AttCategory, Country, Date};
use alloc::string::String;
use alloc::vec::Vec;

/// A date known to lie between `earliest` and `latest` inclusive; an exact
/// date has both equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub earliest: Date,
    pub latest: Date,
}

impl Period {
    pub fn exact(date: Date) -> Period {
        Period {
            earliest: date,
            latest: date,
        }
    }

    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`: the window of days the text allows.
    pub fn parse(text: &str) -> Option<Period> {
        match text.len() {
            10 => Date::parse(text).map(Period::exact),
            7 => {
                let first = Date::parse(&alloc::format!("{text}-01"))?;
                Some(Period {
                    earliest: first,
                    latest: first.end_of_month(),
                })
            }
            4 => Some(Period {
                earliest: Date::parse(&alloc::format!("{text}-01-01"))?,
                latest: Date::parse(&alloc::format!("{text}-12-31"))?,
            }),
            _ => None,
        }
    }
}

/// Whether something is true on a date, given uncertain dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Certainty {
    Yes,
    No,
    /// The date falls in a window the sources do not resolve.
    Uncertain,
}

spec_enum! {
    /// Who imposed the embargo: the UN Security Council, the EU, or one
    /// state (`imposed_by` names it).
    Regime { Un = "UN", Eu = "EU", National = "national" }
}

spec_enum! {
    /// What an embargo covers, from least to most restrictive (`none`: the
    /// measure is suspended; `political`: a non-binding EU declaration).
    EmbargoScope { Suspended = "none", Political = "political", Designated = "designated",
        ApprovalRequired = "approval_required", NonGovernment = "non_government", All = "all" }
}

spec_enum! {
    /// `to`: supply to the target. `from`: procurement from the target.
    Direction { To = "to", From = "from" }
}

/// A change of scope on a date (an amendment in the source data).
#[derive(Clone, Debug, PartialEq)]
pub struct ScopeChange {
    pub on: Period,
    pub scope: EmbargoScope,
    /// New category coverage from this date, if it changed (empty: all arms).
    pub categories: Option<Vec<AttCategory>>,
    /// The act that made the change, e.g. `S/RES/1807 (2008)`.
    pub by: String,
}

/// One arms embargo, current or past.
#[derive(Clone, Debug, PartialEq)]
pub struct Embargo {
    pub id: String,
    pub regime: Regime,
    /// The state that imposed a national embargo.
    pub imposed_by: Option<Country>,
    /// Target states; empty for a purely non-territorial measure (e.g. ISIL).
    pub targets: Vec<Country>,
    pub target_non_state: Option<String>,
    /// Set when the measure covers only a region of the target state
    /// (e.g. Darfur): the host cannot tell from a country code whether the
    /// goods go there, so checks refer.
    pub region: Option<String>,
    /// Scope before the first [`ScopeChange`].
    pub initial_scope: EmbargoScope,
    pub scope_changes: Vec<ScopeChange>,
    pub direction: Direction,
    /// ATT Art. 2(1) categories covered; empty means all arms and related materiel.
    pub categories: Vec<AttCategory>,
    pub established: Option<Period>,
    pub established_by: String,
    pub lifted: Option<Period>,
    pub lifted_by: Option<String>,
    /// `true` when the status says the measure has ended even if no end date
    /// was confirmed.
    pub ended: bool,
    /// Every value was read in a cited source (the source file's flag).
    pub verified: bool,
}

impl Embargo {
    /// Is the embargo in force on `date`? An unknown start is uncertain, an
    /// ended embargo without a confirmed end date is uncertain after its start.
    pub fn in_force(&self, date: Date) -> Certainty {
        let started = match self.established {
            None => Certainty::Uncertain,
            Some(p) => on_or_after(date, p),
        };
        let ended = match (self.lifted, self.ended) {
            (Some(p), _) => on_or_after(date, p),
            (None, true) => Certainty::Uncertain,
            (None, false) => Certainty::No,
        };
        match (started, ended) {
            (Certainty::No, _) | (_, Certainty::Yes) => Certainty::No,
            (Certainty::Yes, Certainty::No) => Certainty::Yes,
            _ => Certainty::Uncertain,
        }
    }

    /// The scope in force on `date`. Where an amendment's date is known only
    /// to the month or year and `date` falls in that window, the more
    /// restrictive of the scopes before and after applies (conservative).
    pub fn scope_on(&self, date: Date) -> EmbargoScope {
        let mut scope = self.initial_scope;
        for change in &self.scope_changes {
            match on_or_after(date, change.on) {
                Certainty::Yes => scope = change.scope,
                Certainty::Uncertain => scope = scope.max(change.scope),
                Certainty::No => {}
            }
        }
        scope
    }

    /// The categories covered on `date` (empty: all arms).
    pub fn categories_on(&self, date: Date) -> &[AttCategory] {
        self.scope_changes
            .iter()
            .rev()
            .filter(|c| on_or_after(date, c.on) == Certainty::Yes)
            .find_map(|c| c.categories.as_deref())
            .unwrap_or(&self.categories)
    }

    /// Does the embargo cover goods of this ATT category on `date`? `None`
    /// (category not stated) is certainly covered only by embargoes on all
    /// arms.
    pub fn covers(&self, category: Option<AttCategory>, date: Date) -> Certainty {
        let categories = self.categories_on(date);
        match category {
            _ if categories.is_empty() => Certainty::Yes,
            Some(c) if categories.contains(&c) => Certainty::Yes,
            Some(_) => Certainty::No,
            None => Certainty::Uncertain,
        }
    }

    /// Does the embargo name this state as a target?
    pub fn targets_state(&self, state: Country) -> bool {
        self.targets.contains(&state)
    }

    /// The resolution or act to cite: the one that established the measure,
    /// or the last scope change in force on `date`.
    pub fn cited_act(&self, date: Date) -> &str {
        self.scope_changes
            .iter()
            .rev()
            .find(|c| on_or_after(date, c.on) == Certainty::Yes)
            .map_or(self.established_by.as_str(), |c| c.by.as_str())
    }
}

/// Is `date` on or after a day known only to lie in `period`?
pub fn on_or_after(date: Date, period: Period) -> Certainty {
    if date >= period.latest {
        Certainty::Yes
    } else if date < period.earliest {
        Certainty::No
    } else {
        Certainty::Uncertain
    }
}

spec_enum! {
    Treaty { Att = "ATT", FirearmsProtocol = "FP" }
}

spec_enum! {
    ParticipationStatus { Party = "party", Signatory = "signatory" }
}

/// A state's participation in a treaty.
#[derive(Clone, Debug, PartialEq)]
pub struct TreatyParticipation {
    pub treaty: Treaty,
    pub state: Country,
    pub status: ParticipationStatus,
    /// Date the treaty entered into force for the state, where confirmed.
    pub in_force: Option<Date>,
    pub verified: bool,
}

/// The embargoes handed to a plug-in, in the order given, with an index
/// of the states each targets: the embargoes an application can fall
/// under are found from its few states instead of by checking every
/// embargo, which was a third of the EU Common Position plug-in's fuel
/// (64 UN and EU embargoes) and a seventh of the ATT plug-in's.
#[derive(Clone, Debug, Default)]
pub struct Embargoes {
    list: Vec<Embargo>,
    /// (target state, position in `list`), sorted.
    by_target: Vec<(Country, u32)>,
}

impl Embargoes {
    pub fn new(list: Vec<Embargo>) -> Embargoes {
        let mut by_target: Vec<(Country, u32)> = list
            .iter()
            .zip(0u32..)
            .flat_map(|(e, at)| e.targets.iter().map(move |&t| (t, at)))
            .collect();
        by_target.sort_unstable();
        by_target.dedup();
        Embargoes { list, by_target }
    }

    /// Every embargo, in the order given.
    pub fn iter(&self) -> core::slice::Iter<'_, Embargo> {
        self.list.iter()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The embargoes that target any of `states`, in the order given.
    pub fn targeting(&self, states: &[Country]) -> impl Iterator<Item = &Embargo> + '_ {
        let mut at: Vec<u32> = Vec::new();
        for &state in states {
            at.extend(self.positions_targeting(state));
        }
        at.sort_unstable();
        at.dedup();
        at.into_iter().filter_map(|i| self.list.get(i as usize))
    }

    /// The embargoes that target `state`, in the order given: one search
    /// of the index and nothing allocated, for a check that asks about one
    /// state at a time.
    pub fn targeting_state(&self, state: Country) -> impl Iterator<Item = &Embargo> + '_ {
        self.positions_targeting(state)
            .filter_map(|i| self.list.get(i as usize))
    }

    /// Positions in `list` of the embargoes on `state`, ascending.
    fn positions_targeting(&self, state: Country) -> impl Iterator<Item = u32> + '_ {
        let start = self.by_target.partition_point(|&(t, _)| t < state);
        self.by_target[start..]
            .iter()
            .take_while(move |&&(t, _)| t == state)
            .map(|&(_, i)| i)
    }
}

/// Two lists of embargoes are equal when their embargoes are: the index
/// follows from them.
impl PartialEq for Embargoes {
    fn eq(&self, other: &Embargoes) -> bool {
        self.list == other.list
    }
}

impl From<Vec<Embargo>> for Embargoes {
    fn from(list: Vec<Embargo>) -> Embargoes {
        Embargoes::new(list)
    }
}

impl FromIterator<Embargo> for Embargoes {
    fn from_iter<I: IntoIterator<Item = Embargo>>(list: I) -> Embargoes {
        Embargoes::new(list.into_iter().collect())
    }
}

impl Extend<Embargo> for Embargoes {
    fn extend<I: IntoIterator<Item = Embargo>>(&mut self, more: I) {
        let mut list = core::mem::take(&mut self.list);
        list.extend(more);
        *self = Embargoes::new(list);
    }
}

impl<'a> IntoIterator for &'a Embargoes {
    type Item = &'a Embargo;
    type IntoIter = core::slice::Iter<'a, Embargo>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

/// A list kept sorted by each entry's [`Keyed::key`], so that finding the
/// entries for one key is a binary search. The sort is stable: entries
/// with the same key keep the order they were given in. Plug-ins search
/// reference data for every application, and scanning whole lists was a
/// tenth of the ATT and FP plug-ins' fuel (211 treaty entries, twice per
/// ATT evaluation).
#[derive(Clone, Debug, PartialEq)]
pub struct Sorted<T>(Vec<T>);

/// What a [`Sorted`] list is ordered and searched by.
pub trait Keyed {
    type Key: Ord;
    fn key(&self) -> Self::Key;
}

impl<T: Keyed> Sorted<T> {
    pub fn new(mut entries: Vec<T>) -> Sorted<T> {
        entries.sort_by_key(T::key);
        Sorted(entries)
    }

    /// The entries with `key`, in the order given.
    pub fn with_key(&self, key: T::Key) -> &[T] {
        let start = self.0.partition_point(|e| e.key() < key);
        // A key has a few entries at most: step over them.
        let len = self.0[start..]
            .iter()
            .take_while(|e| e.key() == key)
            .count();
        &self.0[start..start + len]
    }
}

impl<T> Sorted<T> {
    /// Every entry, in key order.
    pub fn iter(&self) -> core::slice::Iter<'_, T> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T> Default for Sorted<T> {
    fn default() -> Sorted<T> {
        Sorted(Vec::new())
    }
}

impl<T: Keyed> From<Vec<T>> for Sorted<T> {
    fn from(entries: Vec<T>) -> Sorted<T> {
        Sorted::new(entries)
    }
}

impl<T: Keyed> Extend<T> for Sorted<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, entries: I) {
        let mut all = core::mem::take(&mut self.0);
        all.extend(entries);
        *self = Sorted::new(all);
    }
}

impl<'a, T> IntoIterator for &'a Sorted<T> {
    type Item = &'a T;
    type IntoIter = core::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// The treaty participation list, by treaty and then state.
pub type Participation = Sorted<TreatyParticipation>;

impl Keyed for TreatyParticipation {
    type Key = (Treaty, Country);
    fn key(&self) -> (Treaty, Country) {
        (self.treaty, self.state)
    }
}

impl Participation {
    /// The entries for `state` under `treaty`, in the order given.
    pub fn of(&self, treaty: Treaty, state: Country) -> &[TreatyParticipation] {
        self.with_key((treaty, state))
    }
}

/// A state's membership of an organisation (the EU), by date.
#[derive(Clone, Debug, PartialEq)]
pub struct Membership {
    pub organisation: String,
    pub state: Country,
    pub joined: Date,
    /// Last day of membership, for a state that left.
    pub left: Option<Date>,
    pub verified: bool,
}

spec_enum! {
    /// What a risk-register entry is about. Each maps to the provisions that
    /// ask for it: ATT Art. 6(3) (`atrocity_crimes`), 7(1) and 7(4), EU
    /// Common Position criteria 2-8. New concerns take the next code, so
    /// existing registers and plug-ins read as before.
    Concern { PeaceAndSecurity = "peace_and_security", Ihl = "ihl",
        HumanRights = "human_rights", Terrorism = "terrorism",
        OrganisedCrime = "organised_crime", GenderBasedViolence = "gender_based_violence",
        InternalConflict = "internal_conflict", RegionalPeace = "regional_peace",
        MemberStateSecurity = "member_state_security", Diversion = "diversion",
        EconomicCapacity = "economic_capacity", AtrocityCrimes = "atrocity_crimes" }
}

spec_enum! {
    /// `high` records a clear (ATT: overriding) risk as assessed by the
    /// authority; `medium` a concern for an officer to weigh.
    RiskLevel { Low = "low", Medium = "medium", High = "high" }
}

/// One assessment in the risk register: as of `assessed`, the authority
/// rated `concern` for `state` at `level`. A later assessment of the same
/// state and concern supersedes an earlier one.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskAssessment {
    pub state: Country,
    pub concern: Concern,
    pub level: RiskLevel,
    pub assessed: Date,
    pub source: String,
}

/// The risk register, by state and then concern.
pub type Risks = Sorted<RiskAssessment>;

impl Keyed for RiskAssessment {
    type Key = (Country, Concern);
    fn key(&self) -> (Country, Concern) {
        (self.state, self.concern)
    }
}

/// A licence denial notified by an EU member state (Common Position Art. 4),
/// for the consultation check.
#[derive(Clone, Debug, PartialEq)]
pub struct DenialNotice {
    pub id: String,
    pub denied_by: Country,
    pub date: Date,
    pub destination: Country,
    /// Consignee or end user named in the denied application.
    pub recipient: String,
    pub item: crate::model::ItemKind,
    pub control_entry: Option<String>,
    pub criteria: String,
}

/// Everything a plug-in may be given. A plug-in's manifest names the sets it
/// needs; the host fills only those, the rest stay empty.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ReferenceData {
    pub embargoes: Embargoes,
    pub treaty_participation: Participation,
    /// Treaties whose participation list is complete, so that a state
    /// missing from it is known not to be a party (the bundled ATT list);
    /// for other treaties absence proves nothing.
    pub complete_treaty_lists: Vec<Treaty>,
    pub memberships: Vec<Membership>,
    pub risks: Risks,
    pub denials: Vec<DenialNotice>,
}

impl ReferenceData {
    /// Embargoes of one regime.
    pub fn embargoes_of(&self, regime: Regime) -> impl Iterator<Item = &Embargo> {
        self.embargoes.iter().filter(move |e| e.regime == regime)
    }

    /// Is `state` bound by `treaty` on `date`? `Uncertain` when the data
    /// cannot tell (a party without confirmed entry-into-force date before
    /// today, or a state missing from an incomplete list).
    pub fn bound_by(&self, treaty: Treaty, state: Country, date: Date) -> Certainty {
        match self.treaty_participation.of(treaty, state).first() {
            Some(p) if p.status == ParticipationStatus::Party => match p.in_force {
                Some(from) if date >= from => Certainty::Yes,
                Some(_) => Certainty::No,
                None => Certainty::Uncertain,
            },
            Some(_) => Certainty::No,
            None if self.complete_treaty_lists.contains(&treaty) => Certainty::No,
            None => Certainty::Uncertain,
        }
    }

    /// Is `state` listed as a party to `treaty` with the treaty in force for
    /// it on `date` (or with no confirmed entry-into-force date)? Used to
    /// resolve groups such as `att-parties`; absence means not listed.
    pub fn listed_party(&self, treaty: Treaty, state: Country, date: Date) -> bool {
        self.treaty_participation.of(treaty, state).iter().any(|p| {
            p.status == ParticipationStatus::Party && p.in_force.is_none_or(|from| from <= date)
        })
    }

    /// Is `state` a member of `organisation` on `date`? The state is
    /// compared first: two bytes, where the organisation's name is a
    /// string compare for each of the 28 entries (routing asks this for
    /// every party of every application).
    pub fn member_of(&self, organisation: &str, state: Country, date: Date) -> bool {
        self.memberships.iter().any(|m| {
            m.state == state
                && m.organisation == organisation
                && m.joined <= date
                && m.left.is_none_or(|left| date <= left)
        })
    }

    /// Does the register assess `state` at all? Asked once before asking
    /// [`ReferenceData::risk`] for each concern, since most destinations
    /// have no entry.
    pub fn assesses(&self, state: Country) -> bool {
        let first = self.risks.0.partition_point(|r| r.state < state);
        self.risks.0.get(first).is_some_and(|r| r.state == state)
    }

    /// The latest assessment of `concern` for `state` on or before `date`.
    pub fn risk(&self, state: Country, concern: Concern, date: Date) -> Option<&RiskAssessment> {
        self.risks
            .with_key((state, concern))
            .iter()
            .filter(|r| r.assessed <= date)
            .max_by_key(|r| r.assessed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn embargo() -> Embargo {
        Embargo {
            id: "UN-TEST".into(),
            regime: Regime::Un,
            imposed_by: None,
            targets: alloc::vec![Country::new("XA").unwrap()],
            target_non_state: None,
            region: None,
            initial_scope: EmbargoScope::All,
            scope_changes: alloc::vec![ScopeChange {
                on: Period::parse("2008-03").unwrap(),
                scope: EmbargoScope::NonGovernment,
                categories: None,
                by: "S/RES/9999 (2008)".into(),
            }],
            direction: Direction::To,
            categories: alloc::vec![],
            established: Some(Period::exact(d("1990-08-06"))),
            established_by: "S/RES/661 (1990)".into(),
            lifted: Some(Period::exact(d("2004-06-08"))),
            lifted_by: None,
            ended: true,
            verified: true,
        }
    }

    #[test]
    fn an_embargo_lifted_in_2004_is_in_force_in_2002_and_not_after() {
        let e = embargo();
        assert_eq!(e.in_force(d("2002-01-01")), Certainty::Yes);
        assert_eq!(e.in_force(d("2004-06-08")), Certainty::No);
        assert_eq!(e.in_force(d("1990-08-05")), Certainty::No);
    }

    #[test]
    fn a_month_only_amendment_keeps_the_stricter_scope_inside_its_month() {
        let e = embargo();
        assert_eq!(e.scope_on(d("2008-02-29")), EmbargoScope::All);
        assert_eq!(e.scope_on(d("2008-03-15")), EmbargoScope::All);
        assert_eq!(e.scope_on(d("2008-03-31")), EmbargoScope::NonGovernment);
        assert_eq!(e.cited_act(d("2009-01-01")), "S/RES/9999 (2008)");
    }

    #[test]
    fn an_ended_embargo_without_end_date_is_uncertain_after_it_started() {
        let mut e = embargo();
        e.lifted = None;
        assert_eq!(e.in_force(d("2020-01-01")), Certainty::Uncertain);
    }

    /// The sorted list answers exactly as scanning the list as given: the
    /// first entry for a treaty and state (`bound_by`), or any
    /// (`listed_party`), duplicates and unsorted input included.
    #[test]
    fn participation_lookups_agree_with_scanning_the_list_as_given() {
        let states = ["XA", "GB", "KE", "ZW", "AD", "XB"].map(|c| Country::new(c).unwrap());
        let treaties = [Treaty::Att, Treaty::FirearmsProtocol];
        let statuses = [ParticipationStatus::Party, ParticipationStatus::Signatory];
        let dates = [None, Some(d("2014-12-24")), Some(d("2020-01-01"))];
        let mut given = Vec::new();
        let mut seed = 7u32;
        for _ in 0..40 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let pick = |n: usize, shift: u32| (seed >> shift) as usize % n;
            given.push(TreatyParticipation {
                treaty: treaties[pick(2, 3)],
                state: states[pick(5, 7)],
                status: statuses[pick(2, 11)],
                in_force: dates[pick(3, 13)],
                verified: true,
            });
        }
        for complete in [false, true] {
            let data = ReferenceData {
                treaty_participation: Participation::new(given.clone()),
                complete_treaty_lists: if complete {
                    alloc::vec![Treaty::Att]
                } else {
                    alloc::vec![]
                },
                ..ReferenceData::default()
            };
            for treaty in treaties {
                for state in states {
                    for on in ["2010-01-01", "2014-12-24", "2019-12-31", "2026-11-27"] {
                        let on = d(on);
                        let first = given
                            .iter()
                            .find(|p| p.treaty == treaty && p.state == state);
                        let scanned = match first {
                            Some(p) if p.status == ParticipationStatus::Party => match p.in_force {
                                Some(from) if on >= from => Certainty::Yes,
                                Some(_) => Certainty::No,
                                None => Certainty::Uncertain,
                            },
                            Some(_) => Certainty::No,
                            None if complete && treaty == Treaty::Att => Certainty::No,
                            None => Certainty::Uncertain,
                        };
                        assert_eq!(
                            data.bound_by(treaty, state, on),
                            scanned,
                            "{treaty:?} {state:?} {on:?}"
                        );
                        let listed = given.iter().any(|p| {
                            p.treaty == treaty
                                && p.state == state
                                && p.status == ParticipationStatus::Party
                                && p.in_force.is_none_or(|from| from <= on)
                        });
                        assert_eq!(data.listed_party(treaty, state, on), listed);
                    }
                }
            }
        }
        // The grid met duplicates with different answers, and absences.
        let dup = |t: Treaty, c: Country| {
            given
                .iter()
                .filter(|p| p.treaty == t && p.state == c)
                .count()
        };
        assert!(treaties
            .iter()
            .any(|&t| states.iter().any(|&c| dup(t, c) > 1)));
        assert!(treaties
            .iter()
            .any(|&t| states.iter().any(|&c| dup(t, c) == 0)));
    }

    #[test]
    fn the_register_is_searched_by_state_and_concern_whatever_order_it_came_in() {
        let c = |code| Country::new(code).unwrap();
        let entry = |state, concern, level, assessed| RiskAssessment {
            state: c(state),
            concern,
            level,
            assessed: d(assessed),
            source: "test".into(),
        };
        let data = ReferenceData {
            risks: Risks::new(alloc::vec![
                entry("XG", Concern::Ihl, RiskLevel::Low, "2024-01-01"),
                entry("XF", Concern::HumanRights, RiskLevel::High, "2025-09-01"),
                entry("XA", Concern::Terrorism, RiskLevel::Medium, "2020-01-01"),
                entry("XF", Concern::Ihl, RiskLevel::High, "2022-01-01"),
                entry("XF", Concern::HumanRights, RiskLevel::Medium, "2023-05-10"),
            ]),
            ..ReferenceData::default()
        };
        let level = |state, concern, date| data.risk(c(state), concern, d(date)).map(|r| r.level);
        assert_eq!(level("XF", Concern::HumanRights, "2023-05-09"), None);
        assert_eq!(
            level("XF", Concern::HumanRights, "2024-01-01"),
            Some(RiskLevel::Medium)
        );
        assert_eq!(
            level("XF", Concern::HumanRights, "2025-09-01"),
            Some(RiskLevel::High)
        );
        assert_eq!(
            level("XF", Concern::Ihl, "2026-01-01"),
            Some(RiskLevel::High)
        );
        assert_eq!(level("XG", Concern::HumanRights, "2026-01-01"), None);
        assert!(data.assesses(c("XA")) && data.assesses(c("XG")));
        assert!(!data.assesses(c("XB")) && !data.assesses(c("XZ")) && !data.assesses(c("AA")));
    }

    #[test]
    fn only_a_state_with_an_entry_is_assessed_and_has_risks() {
        let xf = Country::new("XF").unwrap();
        let data = ReferenceData {
            risks: Risks::new(alloc::vec![RiskAssessment {
                state: xf,
                concern: Concern::HumanRights,
                level: RiskLevel::High,
                assessed: d("2025-01-01"),
                source: "test".into(),
            }]),
            ..ReferenceData::default()
        };
        assert!(data.assesses(xf));
        assert!(data
            .risk(xf, Concern::HumanRights, d("2026-01-01"))
            .is_some());
        let ke = Country::new("KE").unwrap();
        assert!(!data.assesses(ke));
        assert!(data
            .risk(ke, Concern::HumanRights, d("2026-01-01"))
            .is_none());
    }

    #[test]
    fn approximate_periods_cover_their_whole_month_or_year() {
        let p = Period::parse("2011").unwrap();
        assert_eq!((p.earliest, p.latest), (d("2011-01-01"), d("2011-12-31")));
        assert_eq!(Period::parse("2005-4"), None);
    }
}
