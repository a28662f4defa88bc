//! What a supervisor's dashboard shows for one unit: its subtree's totals and
//! completeness, its official figures and latest package, its direct children's progress
//! and packages, the way back up, and the units still missing (their count with the
//! view, the units themselves page by page).

use sqlx::Row;
use tuanle_shared::wire::{
    ChildProgress, Dashboard, DashboardUpdate, KindProgress, MISSING_PAGE_MAX, MissingUnits,
    UnitRef,
};

use crate::auth::Caller;
use crate::db::Pool;
use crate::error::Error;
use crate::reports::Target;
use crate::totals;

fn unit_ref(row: &crate::db::DbRow) -> Result<UnitRef, sqlx::Error> {
    Ok(UnitRef {
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
    })
}

/// The whole dashboard, to open the view: O(children) rows read, from one snapshot.
pub async fn build(db: &Pool, caller: &Caller, target: &Target) -> Result<Dashboard, Error> {
    let mut tx = crate::db::begin_read(db).await?;
    let live = update(&mut tx, target, None, None).await?;

    let ancestors = sqlx::query(
        "WITH RECURSIVE up(id, parent_id, code, name, kind, n) AS (
             SELECT id, parent_id, code, name, kind, 0 FROM units WHERE id = $1
             UNION ALL
             SELECT u.id, u.parent_id, u.code, u.name, u.kind, up.n + 1 FROM units u JOIN up ON u.id = up.parent_id
         )
         SELECT code, name, kind FROM up ORDER BY n DESC",
    )
    .bind(target.unit_id)
    .fetch_all(&mut *tx)
    .await?;
    let mut path = ancestors
        .iter()
        .map(unit_ref)
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(own) = caller.me.unit_code.as_deref()
        && let Some(i) = path.iter().position(|u| u.code == own)
    {
        path.drain(..i);
    }
    let unit = path
        .last()
        .cloned()
        .ok_or(Error::NotFound { what: "đơn vị" })?;
    let deadlines = crate::deadlines::at(&mut tx, target).await?;
    drop(tx);
    Ok(Dashboard {
        campaign: target.campaign_code.clone(),
        unit,
        path,
        form_version: live.form_version,
        final_figures: live.final_figures,
        provisional_figures: live.provisional_figures,
        official_figures: live.official_figures,
        package: live.package,
        completeness: live.completeness,
        by_kind: live.by_kind,
        children: live.children,
        missing: Vec::new(),
        missing_total: live.missing_total,
        deadlines,
        read_at: live.read_at,
    })
}

/// What moves on a dashboard: the subtree's figures and completeness, the unit's
/// package, and its direct children's rows (`only` these children, when given), in a
/// fixed number of statements whatever the number of children. What a live stream sends
/// on each change (`changed_at`: when the latest change it shows was committed).
pub async fn update(
    conn: &mut crate::db::Conn,
    target: &Target,
    changed_at: Option<i64>,
    only: Option<&[i64]>,
) -> Result<DashboardUpdate, Error> {
    // Taken before reading: a change committed after it may be missing from what is
    // read, never the other way round, so the newer of two readings is the right one.
    let read_at = crate::clock::now_ms();
    // A live stream keeps the target it was opened with: its unit's layout may have
    // changed since (a province's own form published).
    let target = target.current(&mut *conn).await?;
    let target = &*target;
    let stats = totals::load(&mut *conn, target.layout, target.unit_id).await?;
    let among = match only {
        Some(ids) => format!("AND u.id IN ({})", crate::db::id_list(ids)),
        None => String::new(),
    };
    let child_rows = if only.is_some_and(<[i64]>::is_empty) {
        Vec::new()
    } else {
        sqlx::query(&format!(
            "SELECT u.id, u.code, u.name, u.kind, u.asked, {completeness},
                    {consolidates} AS has_children
             FROM units u JOIN subtree_stats s ON s.unit_id = u.id
             WHERE u.parent_id = $1 AND u.active = 1 {among}",
            completeness = totals::COMPLETENESS_COLUMNS,
            consolidates = totals::consolidates("u.id")
        ))
        // A statement text per list of ids: not kept in the connection's cache.
        .persistent(only.is_none())
        .bind(target.unit_id)
        .fetch_all(&mut *conn)
        .await?
    };
    let mut packages =
        crate::packages::latest_of_children(&mut *conn, target.unit_id, only).await?;
    let mut children = Vec::with_capacity(child_rows.len());
    for row in &child_rows {
        let id: i64 = row.try_get("id")?;
        let has_children = crate::db::flag(row, "has_children")?;
        children.push(ChildProgress {
            unit: unit_ref(row)?,
            has_children,
            completeness: totals::completeness_of(row)?,
            package: packages.remove(&id).filter(|_| has_children),
            asked: crate::db::flag(row, "asked")?,
        });
    }
    // In the codes' byte order, as the missing list, on either engine (PostgreSQL's
    // `ORDER BY` follows the database's collation).
    children.sort_by(|a, b| a.unit.code.cmp(&b.unit.code));
    let package = crate::packages::latest(&mut *conn, target.unit_id).await?;
    let c = stats.completeness;
    Ok(DashboardUpdate {
        read_at,
        changed_at,
        form_version: target.layout.version().to_owned(),
        final_figures: stats.final_figures.as_slice().to_vec(),
        provisional_figures: stats.provisional_figures.as_slice().to_vec(),
        official_figures: stats.official_figures.as_slice().to_vec(),
        package,
        completeness: c,
        by_kind: stats
            .by_kind
            .iter()
            .map(|(kind, n)| KindProgress {
                kind: kind.clone(),
                units: n.units,
                done: n.done,
            })
            .collect(),
        children,
        every_child: only.is_none(),
        missing_total: c.units.saturating_sub(c.done()),
    })
}

/// A page of the subtree's missing units, from one snapshot.
pub async fn missing_page(
    db: &Pool,
    target: &Target,
    offset: u32,
    limit: u32,
) -> Result<MissingUnits, Error> {
    let limit = limit.min(MISSING_PAGE_MAX);
    let mut tx = crate::db::begin_read(db).await?;
    let c = totals::load(&mut tx, target.layout, target.unit_id)
        .await?
        .completeness;
    let total = c.units.saturating_sub(c.done());
    // Past the end nothing is walked (the walk costs the units up to the page's end).
    let mut units = if u64::from(offset) >= total {
        Vec::new()
    } else {
        let upto = usize::try_from(offset.saturating_add(limit)).unwrap_or(usize::MAX);
        missing(&mut tx, target.unit_id, upto).await?
    };
    units.drain(..units.len().min(offset as usize));
    let details = crate::reminders::details(&mut tx, target.campaign_id, &units).await?;
    drop(tx);
    Ok(MissingUnits {
        offset,
        units,
        total,
        details,
    })
}

/// Whether a report in this stored status is in (submitted or approved).
fn is_in(status: Option<&str>) -> bool {
    matches!(status, Some("submitted" | "approved"))
}

/// The first `limit` units of the unit's subtree not yet in (no report, a draft or a
/// returned one; never an asked unit), in the order of their depth and code: the unit,
/// then level by level, walking down only into the subtrees whose stored counts say they
/// lack some. The cost is the levels walked down to the `limit`-th unit, not the
/// subtree's size (a national dashboard used to read all 100,000 units for it).
pub async fn missing(
    conn: &mut crate::db::Conn,
    unit_id: i64,
    limit: usize,
) -> Result<Vec<UnitRef>, Error> {
    let mut out = Vec::new();
    let own = sqlx::query(
        "SELECT u.code, u.name, u.kind, u.asked, r.status FROM units u
         LEFT JOIN reports r ON r.unit_id = u.id AND r.campaign_id = u.campaign_id
         WHERE u.id = $1",
    )
    .bind(unit_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = own
        && !crate::db::flag(&row, "asked")?
        && !is_in(row.try_get::<Option<&str>, _>("status")?)
        && limit > 0
    {
        out.push(unit_ref(&row)?);
    }
    let mut frontier = vec![unit_id];
    while !frontier.is_empty() && out.len() < limit {
        let mut level = Vec::new();
        for chunk in frontier.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT u.id, u.code, u.name, u.kind, u.asked, r.status,
                        s.units - s.on_time - s.late - s.approved AS lacking
                 FROM units u JOIN subtree_stats s ON s.unit_id = u.id
                 LEFT JOIN reports r ON r.unit_id = u.id AND r.campaign_id = u.campaign_id
                 WHERE u.active = 1 AND u.parent_id IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id);
            }
            level.extend(query.fetch_all(&mut *conn).await?);
        }
        let mut rows = level
            .iter()
            .map(|row| {
                let status: Option<&str> = row.try_get("status")?;
                Ok((
                    row.try_get::<String, _>("code")?,
                    row.try_get::<i64, _>("id")?,
                    !is_in(status),
                    crate::db::flag(row, "asked")?,
                    row.try_get::<i64, _>("lacking")?,
                    row,
                ))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let mut next = Vec::new();
        for (_, id, out_of, asked, lacking, row) in rows {
            if out_of && !asked && out.len() < limit {
                out.push(unit_ref(row)?);
            }
            // Its subtree counts it too: below it lack `lacking` less itself.
            if lacking > i64::from(out_of) {
                next.push(id);
            }
        }
        frontier = next;
    }
    Ok(out)
}
