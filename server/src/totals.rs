//! Consolidated totals and completeness of every subtree, kept incrementally.
//!
//! A report counts in its own unit's subtree and in every ancestor's. When its counted
//! state changes (content pushed, submitted, returned, approved), [`apply`] replaces the
//! old contribution by the new one in each ancestor's row, inside the same transaction as
//! the change: the cost is the tree's depth. [`recompute`] computes the same numbers
//! from scratch, to check (tests) and to rebuild after the tree itself changes.
//!
//! Besides the live sums of a subtree, each unit has its **official** figures: what its
//! level has accepted, and what its sign-off would send up (`docs/domain.md`). They are
//! not a subtree's sum: its own report once submitted, its leaf children's approved
//! reports, and its consolidating children's accepted packages ([`package_accepted`]).
//! When they move, the unit's signed-off packages are marked stale ("cần chốt lại").

use std::collections::{BTreeMap, HashMap};

use sqlx::Row;
use tuanle_shared::tree::KindDef;
use tuanle_shared::wire::{Completeness, ReportStatus};
use tuanle_shared::{Content, Figures, FormDef, Sums};

use crate::db::{Conn, DbRow, Pool};
use crate::error::Error;

/// Where one report stands, for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Draft,
    OnTime,
    Late,
    Returned,
    Approved,
}

impl Bucket {
    pub fn of(status: ReportStatus, late: bool) -> Bucket {
        match status {
            ReportStatus::Draft => Bucket::Draft,
            ReportStatus::Submitted if late => Bucket::Late,
            ReportStatus::Submitted => Bucket::OnTime,
            ReportStatus::Returned => Bucket::Returned,
            ReportStatus::Approved => Bucket::Approved,
        }
    }

    /// Counted in the final totals (submitted or approved).
    pub fn is_final(self) -> bool {
        matches!(self, Bucket::OnTime | Bucket::Late | Bucket::Approved)
    }
}

/// One report's contribution: nothing (no report yet), or its bucket and figures; and
/// the marks its subtree counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted(pub Option<(Bucket, Figures)>, pub Marks);

/// The marks of a report that the subtrees above it count (issue 20).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Marks {
    /// Its latest submission had values far above its peers'.
    pub flagged: bool,
    /// Marked for follow-up by a supervisor of its parent.
    pub follow_up: bool,
}

impl Marks {
    /// The marks of a stored `reports` row (its `flagged` and `follow_up` columns).
    pub fn of_row(row: &DbRow) -> Result<Marks, sqlx::Error> {
        Ok(Marks {
            flagged: crate::db::flag(row, "flagged")?,
            follow_up: crate::db::flag(row, "follow_up")?,
        })
    }
}

impl Counted {
    pub fn none() -> Counted {
        Counted(None, Marks::default())
    }

    /// A report of a unit of `kind`, on the form `own` (the version it was started on),
    /// as it counts in totals laid out by `layout` (its unit's form now): its rows by
    /// `layout`'s, another province's own rows left out ([`Figures::laid_out_from`]), its
    /// yes/no answers only where they count units of its kind ([`Figures::counted_for`]).
    pub fn of(
        layout: &FormDef,
        own: &FormDef,
        kind: Option<&KindDef>,
        status: ReportStatus,
        late: bool,
        content: &Content,
        marks: Marks,
    ) -> Counted {
        let figures = Figures::laid_out_from(layout, own, content).counted_for(layout, kind);
        Counted(Some((Bucket::of(status, late), figures)), marks)
    }

    fn final_figures(&self, form: &FormDef) -> Figures {
        match &self.0 {
            Some((b, f)) if b.is_final() => f.clone(),
            _ => Figures::zero(form),
        }
    }

    /// What a leaf's parent accepted of it: its approved report only.
    fn approved_figures(&self, form: &FormDef) -> Figures {
        match &self.0 {
            Some((Bucket::Approved, f)) => f.clone(),
            _ => Figures::zero(form),
        }
    }

    fn provisional_figures(&self, form: &FormDef) -> Figures {
        match &self.0 {
            Some((_, f)) => f.clone(),
            None => Figures::zero(form),
        }
    }
}

/// The stats of one subtree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub completeness: Completeness,
    pub final_figures: Sums,
    pub provisional_figures: Sums,
    /// What the unit's level accepted (not a subtree sum: see the module's doc).
    pub official_figures: Sums,
    /// Completeness kind by kind: units expected and done, by the kind's code.
    pub by_kind: ByKind,
}

/// Units expected and done, by the code of their kind.
pub type ByKind = BTreeMap<String, KindCount>;

/// Units of one kind a subtree expects, and how many are done (submitted or approved).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KindCount {
    pub units: u64,
    pub done: u64,
}

fn is_done(bucket: Option<Bucket>) -> bool {
    bucket.is_some_and(Bucket::is_final)
}

/// Moves one unit of `kind` by `units` expected and `done` done, dropping kinds left at
/// nothing.
fn count_kind(by_kind: &mut ByKind, kind: &str, units: i64, done: i64) {
    let entry = by_kind.entry(kind.to_owned()).or_default();
    entry.units = entry.units.saturating_add_signed(units);
    entry.done = entry.done.saturating_add_signed(done);
    if entry.units == 0 && entry.done == 0 {
        by_kind.remove(kind);
    }
}

impl Stats {
    fn empty(form: &FormDef, units: u64) -> Stats {
        Stats {
            completeness: Completeness {
                units,
                not_started: units,
                ..Default::default()
            },
            final_figures: Sums::zero(form),
            provisional_figures: Sums::zero(form),
            official_figures: Sums::zero(form),
            by_kind: ByKind::new(),
        }
    }

    /// Keeps the shared rows of each sum: a province's laid out by the national form.
    fn keep_shared(&mut self, form: &FormDef) {
        for sums in [
            &mut self.final_figures,
            &mut self.provisional_figures,
            &mut self.official_figures,
        ] {
            sums.keep_shared(form);
        }
    }

    fn mark(&mut self, marks: Marks, delta: i64) {
        let c = &mut self.completeness;
        if marks.flagged {
            c.flagged = c.flagged.saturating_add_signed(delta);
        }
        if marks.follow_up {
            c.follow_up = c.follow_up.saturating_add_signed(delta);
        }
    }

    fn count(&mut self, bucket: Option<Bucket>, delta: i64) {
        let c = &mut self.completeness;
        let slot = match bucket {
            None => &mut c.not_started,
            Some(Bucket::Draft) => &mut c.draft,
            Some(Bucket::OnTime) => &mut c.on_time,
            Some(Bucket::Late) => &mut c.late,
            Some(Bucket::Returned) => &mut c.returned,
            Some(Bucket::Approved) => &mut c.approved,
        };
        *slot = slot.saturating_add_signed(delta);
    }
}

/// Stored figures: a JSON array of the slots of the unit's layout ([`Layouts`]), or `[]`
/// for all zeros (most of a national tree's subtrees, before reports come in: storing
/// them short keeps a tree import fast and the database small).
///
/// Read by `form`, which may be another layout of the same national version: a
/// province's sum read above the province keeps its shared slots
/// ([`Sums::from_shared_slots`]). So no province's own rows can make a national reader
/// fail, or count in its figures.
pub fn parse_slots(form: &FormDef, json: &str) -> Result<Sums, Error> {
    if json == "[]" {
        return Ok(Sums::zero(form));
    }
    serde_json::from_str::<Vec<u128>>(json)
        .map(|v| Sums::from_shared_slots(form, v))
        .map_err(|e| Error::Internal(format!("stored totals: {e}")))
}

/// The form each unit's totals are laid out by, in one campaign: the province's own
/// form ([`crate::forms`], published for it) for the province and every unit in it, the
/// campaign's everywhere else. A province's form lays the shared rows out first, as the
/// campaign's does, so what reaches the units above the province is its first slots.
pub struct Layouts<'f> {
    national: &'f FormDef,
    /// By province (unit id): the provinces that have their own form.
    provinces: HashMap<i64, &'static FormDef>,
}

impl<'f> Layouts<'f> {
    /// The layouts of `campaign_id`, whose own form is `national`.
    pub async fn load(
        conn: &mut Conn,
        campaign_id: i64,
        national: &'f FormDef,
    ) -> Result<Layouts<'f>, Error> {
        let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(&format!(
            "SELECT pf.unit_id, pf.form_version, {} FROM province_forms pf WHERE pf.campaign_id = $1",
            crate::forms::hash_sql("pf.form_version")
        ))
        .bind(campaign_id)
        .fetch_all(&mut *conn)
        .await?;
        let mut provinces = HashMap::with_capacity(rows.len());
        for (unit, version, hash) in rows {
            let form = crate::forms::of(&mut *conn, &version, hash.as_deref()).await?;
            provinces.insert(unit, form.form);
        }
        Ok(Layouts {
            national,
            provinces,
        })
    }

    /// The layout of a unit in `province` (its province, itself for a province; `None`
    /// above the provinces).
    fn of(&self, province: Option<i64>) -> &'f FormDef {
        province
            .and_then(|p| self.provinces.get(&p).copied())
            .unwrap_or(self.national)
    }

    /// Each unit's layout, from the tree: `units` as `(id, parent, depth, kind)`.
    pub fn by_unit<'a>(
        self,
        units: impl Iterator<Item = (i64, Option<i64>, i64, &'a str)>,
    ) -> UnitLayouts<'f> {
        // Most campaigns: every unit is laid out by the campaign's form.
        if self.provinces.is_empty() {
            return UnitLayouts {
                layouts: self,
                province_of: HashMap::new(),
            };
        }
        let mut by_depth: Vec<_> = units.collect();
        by_depth.sort_by_key(|(_, _, depth, _)| *depth);
        let mut province = HashMap::with_capacity(by_depth.len());
        for (id, parent, _, kind) in by_depth {
            let own = if kind == tuanle_shared::tree::UnitKind::Tinh.code() {
                Some(id)
            } else {
                parent.and_then(|p| province.get(&p).copied())
            };
            if let Some(own) = own {
                province.insert(id, own);
            }
        }
        UnitLayouts {
            layouts: self,
            province_of: province,
        }
    }
}

/// Each unit's layout in one campaign ([`Layouts`]).
pub struct UnitLayouts<'f> {
    layouts: Layouts<'f>,
    /// Each unit's province (itself for a province; none above the provinces).
    province_of: HashMap<i64, i64>,
}

impl<'f> UnitLayouts<'f> {
    /// The layouts of every unit of `campaign_id`, whose own form is `national`.
    pub async fn load(
        conn: &mut Conn,
        campaign_id: i64,
        national: &'f FormDef,
    ) -> Result<UnitLayouts<'f>, Error> {
        let layouts = Layouts::load(conn, campaign_id, national).await?;
        let units: Vec<(i64, Option<i64>, i64, String)> =
            sqlx::query_as("SELECT id, parent_id, depth, kind FROM units WHERE campaign_id = $1")
                .bind(campaign_id)
                .fetch_all(&mut *conn)
                .await?;
        Ok(layouts.by_unit(
            units
                .iter()
                .map(|(id, parent, depth, kind)| (*id, *parent, *depth, kind.as_str())),
        ))
    }

    /// The form the unit's totals are laid out by.
    pub fn of(&self, unit: i64) -> &'f FormDef {
        self.layouts.of(self.province_of.get(&unit).copied())
    }
}

pub fn slots_json(f: &Sums) -> Result<String, Error> {
    if f.as_slice().iter().all(|&v| v == 0) {
        return Ok("[]".to_owned());
    }
    serde_json::to_string(f.as_slice()).map_err(|e| Error::Internal(e.to_string()))
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// `up`: the unit `$1` and its ancestors whose stats include it, `n` steps up.
const UP: &str = "up(id, parent_id, active, asked, kind, n) AS (
     SELECT id, parent_id, active, asked, kind, 0 FROM units WHERE id = $1
     UNION ALL
     SELECT u.id, u.parent_id, u.active, u.asked, u.kind, up.n + 1 FROM units u JOIN up ON u.id = up.parent_id
     WHERE up.active = 1
 )";

/// SQL for whether the unit `unit_id` (an SQL expression) has an active unit below it, as
/// 1 or 0: a **consolidating** unit, which sends packages, rather than a leaf, whose
/// approved report its parent counts. The one definition every reader of official
/// figures shares (the rule [`apply`] and [`recompute`] must agree on).
///
/// Written as a scalar subquery with `LIMIT 1`, not `EXISTS`: PostgreSQL may run an
/// `EXISTS` as one hashed scan of every unit of the table when its statistics are stale
/// (right after a national tree import: 17 ms for the national dashboard's 34 children,
/// against 0.9 ms this way), while this form always looks one unit up by the parent index.
pub fn consolidates(unit_id: &str) -> String {
    format!(
        "CASE WHEN (SELECT c.id FROM units c WHERE c.parent_id = {unit_id} AND c.active = 1 LIMIT 1) IS NOT NULL THEN 1 ELSE 0 END"
    )
}

/// The stored stats of one subtree.
pub async fn load(conn: &mut Conn, form: &FormDef, unit_id: i64) -> Result<Stats, Error> {
    let row = sqlx::query(&format!(
        "SELECT {STATS_COLUMNS} FROM subtree_stats WHERE unit_id = $1"
    ))
    .bind(unit_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::Internal(format!("no totals for unit {unit_id}")))?;
    stats_of(form, &row)
}

/// The columns [`stats_of`] reads.
const STATS_COLUMNS: &str = "units, draft, on_time, late, returned, approved, flagged, follow_up, final, provisional, official, by_kind";

/// The columns [`completeness_of`] reads, from `subtree_stats` named `s`.
pub const COMPLETENESS_COLUMNS: &str =
    "s.units, s.draft, s.on_time, s.late, s.returned, s.approved, s.flagged, s.follow_up";

/// A subtree's completeness from its stored counts.
pub fn completeness_of(row: &DbRow) -> Result<Completeness, Error> {
    let get = |name: &str| row.try_get::<i64, _>(name).map(to_u64);
    let mut c = Completeness {
        units: get("units")?,
        draft: get("draft")?,
        on_time: get("on_time")?,
        late: get("late")?,
        returned: get("returned")?,
        approved: get("approved")?,
        flagged: get("flagged")?,
        follow_up: get("follow_up")?,
        not_started: 0,
    };
    c.not_started = c
        .units
        .saturating_sub(c.draft + c.on_time + c.late + c.returned + c.approved);
    Ok(c)
}

fn stats_of(form: &FormDef, row: &DbRow) -> Result<Stats, Error> {
    Ok(Stats {
        completeness: completeness_of(row)?,
        final_figures: parse_slots(form, &row.try_get::<String, _>("final")?)?,
        provisional_figures: parse_slots(form, &row.try_get::<String, _>("provisional")?)?,
        official_figures: parse_slots(form, &row.try_get::<String, _>("official")?)?,
        by_kind: serde_json::from_str(row.try_get::<&str, _>("by_kind")?)
            .map_err(|e| Error::Internal(format!("stored counts by kind: {e}")))?,
    })
}

/// Writes many subtrees' stats in one statement (an upsert): one round trip for a
/// push's whole chain of ancestors, or for 500 units of a rebuild.
async fn store_many(
    conn: &mut Conn,
    campaign_id: i64,
    stats: &[(i64, &Stats)],
) -> Result<(), Error> {
    if stats.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO subtree_stats (unit_id, campaign_id, units, draft, on_time, late, returned, approved, final, provisional, official, by_kind, flagged, follow_up)
         VALUES {}
         ON CONFLICT (unit_id) DO UPDATE SET units = excluded.units, draft = excluded.draft,
             on_time = excluded.on_time, late = excluded.late, returned = excluded.returned,
             approved = excluded.approved, final = excluded.final, provisional = excluded.provisional,
             official = excluded.official, by_kind = excluded.by_kind, flagged = excluded.flagged,
             follow_up = excluded.follow_up",
        crate::db::values_placeholders(stats.len(), 14)
    );
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let mut query = sqlx::query(&sql);
    for (unit_id, s) in stats {
        let c = &s.completeness;
        query = query
            .bind(*unit_id)
            .bind(campaign_id)
            .bind(n(c.units))
            .bind(n(c.draft))
            .bind(n(c.on_time))
            .bind(n(c.late))
            .bind(n(c.returned))
            .bind(n(c.approved))
            .bind(slots_json(&s.final_figures)?)
            .bind(slots_json(&s.provisional_figures)?)
            .bind(slots_json(&s.official_figures)?)
            .bind(serde_json::to_string(&s.by_kind).map_err(|e| Error::Internal(e.to_string()))?)
            .bind(n(c.flagged))
            .bind(n(c.follow_up));
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// The stats of the unit and of each ancestor that counts it, nearest first (the walk
/// up stops at the first inactive unit, which counts its subtree but is left out of its
/// parent's), in one query, inside the caller's write transaction; with them, whether the
/// unit is only asked to report and whether it consolidates units below it (read in the
/// same query, so a unit changed meanwhile is counted the way the rebuild counted it).
///
/// Each row is read by its own layout ([`Layouts`]), found here rather than trusted to
/// the caller: up to a province with its own form, that form; above it, `form` (the
/// caller's layout, which may be that province's), kept to the shared rows when stored.
async fn chain<'f>(conn: &mut Conn, form: &'f FormDef, unit_id: i64) -> Result<Chain<'f>, Error> {
    let rows = sqlx::query(&format!(
        "WITH RECURSIVE {UP}
         SELECT up.id, up.parent_id, up.asked, up.kind, {} AS consolidates, {STATS_COLUMNS},
                pf.form_version AS province_form, {} AS province_hash
         FROM up LEFT JOIN subtree_stats s ON s.unit_id = up.id
              LEFT JOIN province_forms pf ON pf.campaign_id = s.campaign_id AND pf.unit_id = up.id
         ORDER BY up.n",
        consolidates("$1"),
        crate::forms::hash_sql("pf.form_version")
    ))
    .bind(unit_id)
    .fetch_all(&mut *conn)
    .await?;
    let (asked, consolidates, kind) = match rows.first() {
        Some(row) => (
            crate::db::flag(row, "asked")?,
            crate::db::flag(row, "consolidates")?,
            row.try_get("kind")?,
        ),
        None => (false, false, String::new()),
    };
    // The unit's province (the nearest unit of kind `tinh`, as `reports::resolve` and
    // [`Layouts`] take it), and its own form when it has one.
    let province_kind = tuanle_shared::tree::UnitKind::Tinh.code();
    let mut found = None;
    for (i, row) in rows.iter().enumerate() {
        if row.try_get::<String, _>("kind")? == province_kind {
            found = Some(i);
            break;
        }
    }
    let mut province = None;
    if let Some(i) = found
        && let Some(version) = rows[i].try_get::<Option<String>, _>("province_form")?
    {
        let hash: Option<String> = rows[i].try_get("province_hash")?;
        let own = crate::forms::of(&mut *conn, &version, hash.as_deref()).await?;
        province = Some((i, own.form));
    }
    // The walk reached the root: with no province met, every unit in it is above the
    // provinces (a province's package accepted by the national level). It stops early
    // at an inactive unit: then no province met says nothing of where the units are.
    let reached_root = match rows.last() {
        Some(row) => row.try_get::<Option<i64>, _>("parent_id")?.is_none(),
        None => true,
    };
    let stats = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let id: i64 = row.try_get("id")?;
            if row.try_get::<Option<i64>, _>("units")?.is_none() {
                return Err(Error::Internal(format!("no totals for unit {id}")));
            }
            let layout = match province {
                Some((p, own)) if i <= p => own,
                _ => form,
            };
            Ok((id, stats_of(layout, row)?))
        })
        .collect::<Result<_, Error>>()?;
    // Above the province (or above every unit, for a province's form with no province
    // in a chain up to the root: its package accepted by the national level), the shared
    // rows only.
    let (shared_from, shared_by) = match (province, found) {
        (Some((p, own)), _) => (p + 1, own),
        (None, Some(p)) => (p + 1, form),
        (None, None) if reached_root => (0, form),
        (None, None) => (rows.len(), form),
    };
    Ok(Chain {
        stats,
        asked,
        consolidates,
        kind,
        shared_from,
        shared_by,
    })
}

/// What [`chain`] reads.
struct Chain<'f> {
    stats: Vec<(i64, Stats)>,
    asked: bool,
    consolidates: bool,
    /// The unit's kind (its code).
    kind: String,
    /// The rows from this one on are laid out by the national form: stored with the
    /// shared rows of `shared_by` only.
    shared_from: usize,
    shared_by: &'f FormDef,
}

impl Chain<'_> {
    /// Stores the rows, each by its layout; returns the units, nearest first.
    async fn store(mut self, conn: &mut Conn, campaign_id: i64) -> Result<Vec<i64>, Error> {
        for (_, stats) in self.stats.iter_mut().skip(self.shared_from) {
            stats.keep_shared(self.shared_by);
        }
        let refs: Vec<(i64, &Stats)> = self.stats.iter().map(|(id, s)| (*id, s)).collect();
        store_many(conn, campaign_id, &refs).await?;
        Ok(self.stats.into_iter().map(|(id, _)| id).collect())
    }
}

/// Replaces a report's old contribution by its new one in its subtree and every
/// ancestor's, and in the official figures of its unit (its own report once submitted)
/// and, for a leaf, of its parent (its approved report). Returns the units whose stats
/// changed, nearest first. Sums are `u128` ([`Sums`]), so no report can carry a unit
/// above past the largest number.
pub async fn apply(
    conn: &mut Conn,
    form: &FormDef,
    campaign_id: i64,
    unit_id: i64,
    before: &Counted,
    after: &Counted,
) -> Result<Vec<i64>, Error> {
    if before == after {
        return Ok(Vec::new());
    }
    let (old_final, new_final) = (before.final_figures(form), after.final_figures(form));
    let (old_prov, new_prov) = (
        before.provisional_figures(form),
        after.provisional_figures(form),
    );
    let (old_accepted, new_accepted) =
        (before.approved_figures(form), after.approved_figures(form));
    let mut chain = chain(conn, form, unit_id).await?;
    let (asked, consolidates, kind) = (chain.asked, chain.consolidates, chain.kind.clone());
    let (was_done, is_done_now) = (
        is_done(before.0.as_ref().map(|(b, _)| *b)),
        is_done(after.0.as_ref().map(|(b, _)| *b)),
    );
    let mut official_moved = Vec::new();
    for (i, (id, stats)) in chain.stats.iter_mut().enumerate() {
        // The unit's own subtree always counts it; those above, not when it is asked.
        if i == 0 || !asked {
            stats.count(before.0.as_ref().map(|(b, _)| *b), -1);
            stats.count(after.0.as_ref().map(|(b, _)| *b), 1);
            if was_done != is_done_now {
                count_kind(
                    &mut stats.by_kind,
                    &kind,
                    0,
                    if is_done_now { 1 } else { -1 },
                );
            }
        }
        // An asked unit's report is marked like any other: its marks count above it, as
        // its figures do.
        stats.mark(before.1, -1);
        stats.mark(after.1, 1);
        stats.final_figures.replace(&old_final, &new_final);
        stats.provisional_figures.replace(&old_prov, &new_prov);
        if i == 0 && old_final != new_final {
            stats.official_figures.replace(&old_final, &new_final);
            official_moved.push(*id);
        }
        // A consolidating unit's figures reach its parent through its packages.
        if i == 1 && !consolidates && old_accepted != new_accepted {
            stats.official_figures.replace(&old_accepted, &new_accepted);
            official_moved.push(*id);
        }
    }
    let moved = chain.store(conn, campaign_id).await?;
    mark_stale(conn, &official_moved).await?;
    Ok(moved)
}

/// A consolidating unit's package accepted by its parent `parent_id`: the parent's
/// official figures count `accepted` instead of the unit's previously accepted package
/// (`replaced`, if any). Returns the parent and its ancestors (whose dashboards show
/// the parent's package, now stale).
pub async fn package_accepted(
    conn: &mut Conn,
    form: &FormDef,
    campaign_id: i64,
    parent_id: i64,
    replaced: Option<&Sums>,
    accepted: &Sums,
) -> Result<Vec<i64>, Error> {
    let mut chain = chain(conn, form, parent_id).await?;
    let Some((_, parent)) = chain.stats.first_mut() else {
        return Err(Error::Internal(format!("no unit {parent_id}")));
    };
    let zero = Sums::zero(form);
    parent
        .official_figures
        .replace_sum(replaced.unwrap_or(&zero), accepted);
    let moved = chain.stats.iter().map(|(id, _)| *id).collect();
    // Only the parent's row changed.
    chain.stats.truncate(1);
    chain.store(conn, campaign_id).await?;
    mark_stale(conn, &[parent_id]).await?;
    Ok(moved)
}

/// The official figures of these units moved: what they signed off no longer says what
/// they have accepted ("cần chốt lại"). The accepted package stays what the parent counts.
async fn mark_stale(conn: &mut Conn, units: &[i64]) -> Result<(), Error> {
    for chunk in units.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "UPDATE packages SET stale = 1 WHERE stale = 0 AND unit_id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for unit in chunk {
            query = query.bind(unit);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A unit just added to a tree: its own empty stats, and one more unit expected in each
/// ancestor's. When it is its parent's first active unit, the parent now consolidates
/// (its own approved report no longer reaches its parent's official figures: its packages
/// do), so the campaign's stats are rebuilt instead.
pub async fn unit_added(
    conn: &mut Conn,
    form: &FormDef,
    campaign_id: i64,
    unit_id: i64,
) -> Result<Vec<i64>, Error> {
    let (first_child,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM units c JOIN units u ON u.parent_id = c.parent_id
         WHERE u.id = $1 AND c.active = 1",
    )
    .bind(unit_id)
    .fetch_one(&mut *conn)
    .await?;
    if first_child == 1 {
        rebuild_in(conn, campaign_id, form).await?;
        let chain = chain(conn, form, unit_id).await?;
        return Ok(chain.stats.into_iter().map(|(id, _)| id).collect());
    }
    // Its own row first, so the walk up finds it.
    store_many(conn, campaign_id, &[(unit_id, &Stats::empty(form, 1))]).await?;
    let mut chain = chain(conn, form, unit_id).await?;
    for (i, (_, stats)) in chain.stats.iter_mut().enumerate() {
        if i > 0 {
            stats.completeness.units += 1;
            stats.completeness.not_started += 1;
        }
        count_kind(&mut stats.by_kind, &chain.kind, 1, 0);
    }
    chain.store(conn, campaign_id).await
}

/// Every subtree's stats of a campaign, computed from scratch from the reports.
///
/// An inactive unit (closed, or no longer in the imported tree, but with a report) keeps
/// its own stats and is left out of its parent's: it is no longer expected to report. An
/// asked unit's report counts in the figures above it, and the unit in no completeness
/// but its own subtree's.
pub async fn recompute(
    conn: &mut Conn,
    campaign_id: i64,
    form: &FormDef,
) -> Result<HashMap<i64, Stats>, Error> {
    let units: Vec<(
        i64,
        Option<i64>,
        i64,
        crate::db::Flag,
        crate::db::Flag,
        String,
    )> = sqlx::query_as(
        "SELECT id, parent_id, depth, active, asked, kind FROM units WHERE campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;
    let reports = sqlx::query(
        "SELECT r.unit_id, r.status, r.late, r.flagged, r.follow_up, v.content,
                CASE WHEN r.form_version = c.form_version THEN NULL ELSE r.form_version END AS other_form
         FROM reports r
         JOIN campaigns c ON c.id = r.campaign_id
         JOIN report_versions v ON v.report_id = r.id AND v.version = r.version
         WHERE r.campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;
    // The forms the reports are on, each looked up once: a report on another form than
    // its unit's layout leaves that layout's rows that are not its own blank. A report
    // names its form only when it is not the campaign's, so the common case reads nothing
    // more.
    let on_campaign_form: String =
        sqlx::query_scalar("SELECT form_version FROM campaigns WHERE id = $1")
            .bind(campaign_id)
            .fetch_one(&mut *conn)
            .await?;
    let mut own_forms: HashMap<String, &'static FormDef> = HashMap::new();
    let others = reports
        .iter()
        .filter_map(|r| r.try_get::<Option<String>, _>("other_form").transpose());
    for version in std::iter::once(Ok(on_campaign_form.clone())).chain(others) {
        if let std::collections::hash_map::Entry::Vacant(slot) = own_forms.entry(version?) {
            let form = crate::forms::required(conn, slot.key()).await?;
            slot.insert(form);
        }
    }
    // What each unit's yes/no answers count depends on its kind.
    let kinds = crate::kinds::load(conn).await?;
    let layouts = Layouts::load(conn, campaign_id, form).await?.by_unit(
        units
            .iter()
            .map(|(id, parent, depth, _, _, kind)| (*id, *parent, *depth, kind.as_str())),
    );
    let layout_of = |unit: i64| layouts.of(unit);
    let kind_of: HashMap<i64, &str> = units
        .iter()
        .map(|(id, _, _, _, _, kind)| (*id, kind.as_str()))
        .collect();
    let mut own: HashMap<i64, Counted> = HashMap::with_capacity(reports.len());
    for r in reports {
        let status: String = r.try_get("status")?;
        let status = ReportStatus::from_name(&status)
            .ok_or_else(|| Error::Internal(format!("unknown report status {status:?}")))?;
        // Only the numbers are read: the texts can be long, and are not counted.
        let content: &str = r.try_get("content")?;
        let unit_id: i64 = r.try_get("unit_id")?;
        let kind = kind_of.get(&unit_id).and_then(|code| kinds.get(code));
        let layout = layout_of(unit_id);
        let mut figures = Figures::from_content_json(layout, content)
            .map_err(|e| Error::Internal(format!("stored content does not fit its form: {e}")))?;
        let started_on: Option<&str> = r.try_get("other_form")?;
        let started_on = started_on.unwrap_or(&on_campaign_form);
        if started_on != layout.version()
            && let Some(form) = own_forms.get(started_on)
        {
            figures.clear_rows(layout, &layout.foreign_rows(form));
        }
        let figures = figures.counted_for(layout, kind);
        let bucket = Bucket::of(status, crate::db::flag(&r, "late")?);
        let marks = Marks::of_row(&r)?;
        own.insert(unit_id, Counted(Some((bucket, figures)), marks));
    }
    let accepted = accepted_packages(conn, campaign_id).await?;
    let consolidating: std::collections::HashSet<i64> = units
        .iter()
        .filter(|(_, _, _, active, _, _)| active.0)
        .filter_map(|(_, parent, _, _, _, _)| *parent)
        .collect();
    // Deepest first, so each unit is complete before it is added to its parent.
    let mut order = units.clone();
    order.sort_by_key(|(_, _, depth, _, _, _)| std::cmp::Reverse(*depth));
    let mut stats: HashMap<i64, Stats> = HashMap::with_capacity(order.len());
    for (id, parent, _, active, asked, kind) in order {
        let layout = layout_of(id);
        let mut s = stats.remove(&id).unwrap_or_else(|| Stats::empty(layout, 0));
        s.completeness.units += 1;
        s.completeness.not_started += 1;
        let bucket = own.get(&id).and_then(|c| c.0.as_ref().map(|(b, _)| *b));
        count_kind(&mut s.by_kind, &kind, 1, i64::from(is_done(bucket)));
        if let Some(counted) = own.get(&id) {
            s.count(None, -1);
            s.count(bucket, 1);
            s.mark(counted.1, 1);
            s.final_figures.add(&counted.final_figures(layout));
            s.provisional_figures
                .add(&counted.provisional_figures(layout));
            s.official_figures.add(&counted.final_figures(layout));
        }
        if let Some(p) = parent.filter(|_| active.0) {
            // Above a province with its own form, the shared rows only: the sums
            // added in are read or cut to the parent's layout.
            let above = layout_of(p);
            // A province laid out by its own form adds its shared rows only: the rows of
            // its own are no other layout's rows.
            let crossing = above.version() != layout.version();
            let parent_stats = stats.entry(p).or_insert_with(|| Stats::empty(above, 0));
            if crossing {
                let mut shared = s.clone();
                shared.keep_shared(layout);
                add_into(parent_stats, &shared);
            } else {
                add_into(parent_stats, &s);
            }
            if consolidating.contains(&id) {
                if let Some(package) = accepted.get(&id) {
                    let mut package = parse_slots(layout, package)?;
                    if crossing {
                        package.keep_shared(layout);
                    }
                    parent_stats.official_figures.absorb(&package);
                }
            } else if let Some(counted) = own.get(&id) {
                parent_stats
                    .official_figures
                    .add(&counted.approved_figures(layout));
            }
            // An asked unit adds its figures above, never itself to completeness.
            if asked.0 {
                parent_stats.completeness.units -= 1;
                parent_stats.count(bucket, -1);
                count_kind(
                    &mut parent_stats.by_kind,
                    &kind,
                    -1,
                    -i64::from(is_done(bucket)),
                );
            }
        }
        stats.insert(id, s);
    }
    Ok(stats)
}

/// The figures of each unit's latest accepted package, by unit, as stored (laid out by
/// the unit's form: its parent reads them by its own, [`parse_slots`]).
async fn accepted_packages(
    conn: &mut Conn,
    campaign_id: i64,
) -> Result<HashMap<i64, String>, Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT p.unit_id, p.figures FROM packages p
         WHERE p.campaign_id = $1 AND p.status = 'accepted'
           AND p.seq = (SELECT MAX(q.seq) FROM packages q WHERE q.unit_id = p.unit_id AND q.status = 'accepted')",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The figures of the unit's latest accepted package, which its parent counts.
pub async fn accepted_packages_of(
    conn: &mut Conn,
    form: &FormDef,
    unit_id: i64,
) -> Result<Option<Sums>, Error> {
    let figures: Option<String> = sqlx::query_scalar(
        "SELECT figures FROM packages WHERE unit_id = $1 AND status = 'accepted'
         ORDER BY seq DESC LIMIT 1",
    )
    .bind(unit_id)
    .fetch_optional(&mut *conn)
    .await?;
    figures.map(|f| parse_slots(form, &f)).transpose()
}

/// Adds a child's subtree into its parent's (not its official figures: those are no sum).
fn add_into(into: &mut Stats, child: &Stats) {
    let (a, b) = (&mut into.completeness, &child.completeness);
    a.units += b.units;
    a.not_started += b.not_started;
    a.draft += b.draft;
    a.on_time += b.on_time;
    a.late += b.late;
    a.returned += b.returned;
    a.approved += b.approved;
    a.flagged += b.flagged;
    a.follow_up += b.follow_up;
    for (kind, n) in &child.by_kind {
        let entry = into.by_kind.entry(kind.clone()).or_default();
        entry.units += n.units;
        entry.done += n.done;
    }
    into.final_figures.absorb(&child.final_figures);
    into.provisional_figures.absorb(&child.provisional_figures);
}

/// Recomputes and stores every subtree's stats of a campaign (after its tree changed).
pub async fn rebuild(db: &Pool, campaign_id: i64, form: &FormDef) -> Result<(), Error> {
    let mut tx = crate::db::begin_write(db).await?;
    rebuild_in(&mut tx, campaign_id, form).await?;
    tx.commit().await?;
    Ok(())
}

/// [`rebuild`] inside the caller's transaction (a tree import rebuilds in the same
/// transaction that changes the tree, so no reader ever sees the two disagree).
///
/// A unit whose official figures the change moved (a school closed, a unit moved) has
/// its packages marked stale, as any other change of them does.
pub async fn rebuild_in(conn: &mut Conn, campaign_id: i64, form: &FormDef) -> Result<(), Error> {
    let stats = recompute(conn, campaign_id, form).await?;
    // Only the units that signed off can go stale: read their stored official figures.
    let before: Vec<(i64, String)> = sqlx::query_as(
        "SELECT s.unit_id, s.official FROM subtree_stats s
         WHERE s.campaign_id = $1 AND EXISTS (SELECT 1 FROM packages p WHERE p.unit_id = s.unit_id)",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut moved = Vec::new();
    for (unit, official) in before {
        let now = match stats.get(&unit) {
            Some(s) => slots_json(&s.official_figures)?,
            None => "[]".to_owned(),
        };
        if now != official {
            moved.push(unit);
        }
    }
    mark_stale(conn, &moved).await?;
    sqlx::query("DELETE FROM subtree_stats WHERE campaign_id = $1")
        .bind(campaign_id)
        .execute(&mut *conn)
        .await?;
    // Many rows per statement: a national tree has 100,000 subtrees.
    let stats: Vec<(i64, Stats)> = stats.into_iter().collect();
    for chunk in stats.chunks(500) {
        let refs: Vec<(i64, &Stats)> = chunk.iter().map(|(id, s)| (*id, s)).collect();
        store_many(conn, campaign_id, &refs).await?;
    }
    Ok(())
}

/// Every stored subtree's stats of a campaign.
pub async fn stored_all(
    db: &Pool,
    campaign_id: i64,
    form: &FormDef,
) -> Result<HashMap<i64, Stats>, Error> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT unit_id FROM subtree_stats WHERE campaign_id = $1")
            .bind(campaign_id)
            .fetch_all(db)
            .await?;
    let mut conn = db.acquire().await?;
    let layouts = UnitLayouts::load(&mut conn, campaign_id, form).await?;
    let mut out = HashMap::new();
    for id in ids {
        out.insert(id, load(&mut conn, layouts.of(id), id).await?);
    }
    Ok(out)
}

/// Rebuilds the stats of every campaign whose tree has units without them (a new tree,
/// or a database from before stats existed).
pub async fn ensure(db: &Pool) -> Result<(), Error> {
    let stale: Vec<(i64, String)> = sqlx::query_as(
        "SELECT c.id, c.form_version FROM campaigns c
         WHERE (SELECT COUNT(*) FROM units u WHERE u.campaign_id = c.id)
            != (SELECT COUNT(*) FROM subtree_stats s WHERE s.campaign_id = c.id)",
    )
    .fetch_all(db)
    .await?;
    for (id, version) in stale {
        let mut conn = db.acquire().await?;
        let form = crate::forms::required(&mut conn, &version).await?;
        drop(conn);
        rebuild(db, id, form).await?;
    }
    Ok(())
}
