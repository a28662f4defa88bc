//! What a supervisor's dashboard shows for one unit: its subtree's totals and
//! completeness, its official figures and latest package, its direct children's progress
//! and packages, the way back up, and the units still missing.

use sqlx::Row;
use tuanle_shared::wire::{ChildProgress, Dashboard, KindProgress, UnitRef};

use crate::auth::Caller;
use crate::db::Pool;
use crate::error::Error;
use crate::reports::Target;
use crate::totals;

/// How many missing units are listed (the total is always given).
const MISSING_LISTED: i64 = 200;

fn unit_ref(row: &crate::db::DbRow) -> Result<UnitRef, sqlx::Error> {
    Ok(UnitRef {
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
    })
}

pub async fn build(db: &Pool, caller: &Caller, target: &Target) -> Result<Dashboard, Error> {
    let mut conn = db.acquire().await?;
    let stats = totals::load(&mut conn, target.form, target.unit_id).await?;

    let ancestors = sqlx::query(
        "WITH RECURSIVE up(id, parent_id, code, name, kind, n) AS (
             SELECT id, parent_id, code, name, kind, 0 FROM units WHERE id = $1
             UNION ALL
             SELECT u.id, u.parent_id, u.code, u.name, u.kind, up.n + 1 FROM units u JOIN up ON u.id = up.parent_id
         )
         SELECT code, name, kind FROM up ORDER BY n DESC",
    )
    .bind(target.unit_id)
    .fetch_all(&mut *conn)
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

    let child_rows = sqlx::query(&format!(
        "SELECT u.id, u.code, u.name, u.kind, u.asked,
                {consolidates} AS has_children
         FROM units u WHERE u.parent_id = $1 AND u.active = 1 ORDER BY u.code",
        consolidates = totals::consolidates("u.id")
    ))
    .bind(target.unit_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut packages = crate::packages::latest_of_children(&mut conn, target.unit_id).await?;
    let mut children = Vec::with_capacity(child_rows.len());
    for row in &child_rows {
        let id: i64 = row.try_get("id")?;
        let child = totals::load(&mut conn, target.form, id).await?;
        let has_children = crate::db::flag(row, "has_children")?;
        children.push(ChildProgress {
            unit: unit_ref(row)?,
            has_children,
            completeness: child.completeness,
            package: packages.remove(&id).filter(|_| has_children),
            asked: crate::db::flag(row, "asked")?,
        });
    }
    let package = crate::packages::latest(&mut conn, target.unit_id).await?;

    let missing = sqlx::query(
        "WITH RECURSIVE down(id) AS (
             SELECT $1 UNION ALL
             SELECT u.id FROM units u JOIN down ON u.parent_id = down.id WHERE u.active = 1
         )
         SELECT u.code, u.name, u.kind FROM down JOIN units u ON u.id = down.id
         LEFT JOIN reports r ON r.unit_id = u.id AND r.campaign_id = u.campaign_id
         WHERE u.asked = 0 AND (r.status IS NULL OR r.status IN ('draft', 'returned'))
         ORDER BY u.depth, u.code LIMIT $2",
    )
    .bind(target.unit_id)
    .bind(MISSING_LISTED)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(unit_ref)
    .collect::<Result<Vec<_>, _>>()?;

    let deadlines = crate::deadlines::at(&mut conn, target).await?;
    let c = stats.completeness;
    Ok(Dashboard {
        campaign: target.campaign_code.clone(),
        unit,
        path,
        form_version: target.form.version().to_owned(),
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
        missing,
        missing_total: c.units.saturating_sub(c.done()),
        deadlines,
    })
}
