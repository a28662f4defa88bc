//! What a report is compared with (issue 20): the unit's own last year, from its
//! submitted or accepted report only, and the fences of its peers (units of the same kind
//! in the same province, `tuanle_shared::peers`) from their submitted and accepted
//! reports. Sent with the report, so the app warns offline; read again by the server's
//! submission, so both warn alike.
//!
//! A group's fences are kept in `peer_fences`: the reports of a province's units of one
//! kind are read when a fence is first asked for, and again when the group has changed
//! (a submission, return or approval marks it dirty): at once while the group is small
//! and cheap to read, at most once a minute once it is large, so the deadline crunch's
//! pulls read one row each.

use std::collections::BTreeMap;

use sqlx::Row;
use tuanle_shared::peers::{LastYear, PeerFence, Reference, fence};
use tuanle_shared::{Column, Content, FormDef, NumberCell};

use super::Target;
use super::storage::parse_content;
use crate::clock::now_ms;
use crate::db::{Conn, Pool};
use crate::error::Error;

/// How long a large group's fences stand after a change in the group before they are
/// read again (milliseconds)…
pub const REFRESH_MS: i64 = 60_000;
/// …a group being large from this many reports: a smaller one is read again at once.
pub const LARGE_GROUP: i64 = 200;

/// The reference of one report: its unit's last year and its peers' fences. It only
/// adds warnings: when it cannot be had (a database error), the report is read and
/// submitted without it, rather than one group's trouble failing every report of it.
pub async fn reference(db: &Pool, target: &Target) -> Reference {
    match reference_of(db, target).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(unit = %target.unit_code, "no reference for the report: {e}");
            Reference::default()
        }
    }
}

async fn reference_of(db: &Pool, target: &Target) -> Result<Reference, Error> {
    let mut conn = db.acquire().await?;
    let last_year = last_year(&mut conn, target).await?;
    drop(conn);
    let peers = match target.province_id {
        Some(province) => fences(db, target, province).await?,
        None => BTreeMap::new(),
    };
    Ok(Reference { last_year, peers })
}

/// The same unit's report in the most recent earlier campaign, as it was submitted or
/// accepted: a draft left unsent last year is no figure to compare with. Units are
/// matched across campaigns by code, or by their predecessor's when they name one (a
/// merged province, a renumbered school). Its cells are read as this year's form maps
/// its rows to the previous version's (`RowDef::previous`): a row whose meaning changed
/// (7.1, districts then, communes now) is compared with nothing.
pub(super) async fn last_year(conn: &mut Conn, target: &Target) -> Result<Option<LastYear>, Error> {
    let row = sqlx::query(
        "SELECT c.year, COALESCE(r.form_version, c.form_version) AS form_version, v.content FROM campaigns c
         JOIN units u ON u.campaign_id = c.id AND u.code = $1
         JOIN reports r ON r.campaign_id = c.id AND r.unit_id = u.id
         JOIN report_versions v ON v.report_id = r.id AND v.version = r.submitted_version
         WHERE c.year < $2 AND c.practice = 0 AND r.status IN ('submitted', 'approved')
         ORDER BY c.year DESC LIMIT 1",
    )
    .bind(&target.last_year_code)
    .bind(target.campaign_year)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let json: String = r.try_get("content")?;
    // Only the numbers are compared with: the texts would travel with every pull for
    // nothing. A content that cannot be read is no comparison, never an error.
    // (Last year's form may differ: cells are matched by key, so it is not read against
    // this year's form.)
    let version: String = r.try_get("form_version")?;
    Ok(parse_content(&json)
        .ok()
        .map(|mut content| {
            if version == target.form.version() {
                // The same form: every cell compares with itself.
                content.texts.clear();
                content
            } else {
                target.form.from_previous(&content)
            }
        })
        .map(|content| LastYear {
            year: r.try_get("year").unwrap_or_default(),
            content,
        }))
}

/// Marks every kept fence of the campaign's groups to be read again: the form they are
/// laid out by changed (the campaign's, or a province's).
pub async fn forms_changed(conn: &mut Conn, campaign_id: i64) -> Result<(), Error> {
    sqlx::query(
        "UPDATE peer_fences SET dirty = 1, moved_at = $2
         WHERE province_id IN (SELECT id FROM units WHERE campaign_id = $1)",
    )
    .bind(campaign_id)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks the fences of the report's group to be read again: its submitted figures moved.
pub(super) async fn group_moved(conn: &mut Conn, target: &Target) -> Result<(), Error> {
    if let Some(province) = target.province_id {
        sqlx::query(
            "UPDATE peer_fences SET dirty = 1, moved_at = $3 WHERE province_id = $1 AND kind = $2",
        )
        .bind(province)
        .bind(&target.unit_kind)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The fences of the unit's group, as kept, or read again when they are missing or
/// stale.
async fn fences(
    db: &Pool,
    target: &Target,
    province: i64,
) -> Result<BTreeMap<NumberCell, PeerFence>, Error> {
    let kept = sqlx::query(
        "SELECT fences, computed_at, reports, dirty FROM peer_fences WHERE province_id = $1 AND kind = $2",
    )
    .bind(province)
    .bind(&target.unit_kind)
    .fetch_optional(db)
    .await?;
    let read_at = now_ms();
    if let Some(row) = &kept {
        let computed_at: i64 = row.try_get("computed_at")?;
        let large = row.try_get::<i64, _>("reports")? >= LARGE_GROUP;
        let stale =
            crate::db::flag(row, "dirty")? && (!large || read_at - computed_at > REFRESH_MS);
        let json: String = row.try_get("fences")?;
        let kept_fences = serde_json::from_str::<BTreeMap<NumberCell, PeerFence>>(&json);
        // Unreadable (written by another version): computed again, never an error.
        match kept_fences {
            Ok(fences) if !stale => return Ok(fences),
            // A large group is read again by one request: the one that claims it; the
            // others meanwhile use the fences as they were.
            Ok(fences)
                if large
                    && !claim(db, province, &target.unit_kind, computed_at, read_at).await? =>
            {
                return Ok(fences);
            }
            _ => {}
        }
    }
    let (fences, reports) = compute(db, target, province).await?;
    let json = serde_json::to_string(&fences).map_err(|e| Error::Internal(e.to_string()))?;
    let mut tx = crate::db::begin_write(db).await?;
    sqlx::query(
        "INSERT INTO peer_fences (province_id, kind, fences, computed_at, reports, dirty)
         VALUES ($1, $2, $3, $4, $5, 0)
         ON CONFLICT (province_id, kind) DO UPDATE
         SET fences = excluded.fences, computed_at = excluded.computed_at,
             reports = excluded.reports,
             -- A change in the group while these were computed keeps them dirty.
             dirty = CASE WHEN peer_fences.moved_at >= $6 THEN 1 ELSE 0 END",
    )
    .bind(province)
    .bind(&target.unit_kind)
    .bind(&json)
    .bind(now_ms())
    .bind(reports)
    .bind(read_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(fences)
}

/// Claims the reading again of a large group's fences: the first request to move its
/// `computed_at` from what it read gets it.
async fn claim(db: &Pool, province: i64, kind: &str, was: i64, now: i64) -> Result<bool, Error> {
    let mut tx = crate::db::begin_write(db).await?;
    let claimed = sqlx::query(
        "UPDATE peer_fences SET computed_at = $4 WHERE province_id = $1 AND kind = $2 AND computed_at = $3",
    )
    .bind(province)
    .bind(kind)
    .bind(was)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    tx.commit().await?;
    Ok(claimed)
}

/// Reads the group's submitted and accepted reports, this year's and last year's, and
/// makes each typed cell's fence: this year's peers, else last year's while this year's
/// are too few, else none. Also how many reports were read.
async fn compute(
    db: &Pool,
    target: &Target,
    province: i64,
) -> Result<(BTreeMap<NumberCell, PeerFence>, i64), Error> {
    let mut conn = db.acquire().await?;
    let this_year = group_contents(&mut conn, province, &target.unit_kind).await?;
    let earlier: Option<i64> = sqlx::query_scalar(
        "SELECT p.id FROM units me
         JOIN campaigns c ON c.year < $2 AND c.practice = 0
         JOIN units p ON p.campaign_id = c.id AND p.code = me.code
         WHERE me.id = $1 ORDER BY c.year DESC LIMIT 1",
    )
    .bind(province)
    .bind(target.campaign_year)
    .fetch_optional(&mut *conn)
    .await?;
    let last_year = match earlier {
        Some(p) => group_contents(&mut conn, p, &target.unit_kind).await?,
        None => Vec::new(),
    };
    let read = i64::try_from(this_year.len() + last_year.len()).unwrap_or(i64::MAX);
    // Kept for the whole group, whichever version each report is on: by the form the
    // group's totals are laid out by.
    Ok((fences_of(target.layout, &this_year, &last_year), read))
}

/// The numbers of the submitted and accepted reports of a province's units of a kind
/// (one that cannot be read is left out, and said in the log: never an error for its
/// peers).
async fn group_contents(conn: &mut Conn, province: i64, kind: &str) -> Result<Vec<Content>, Error> {
    let rows = sqlx::query(
        "WITH RECURSIVE sub(id) AS (
             SELECT id FROM units WHERE id = $1
             UNION ALL
             SELECT u.id FROM units u JOIN sub s ON u.parent_id = s.id
         )
         SELECT v.content FROM sub
         JOIN units u ON u.id = sub.id
         JOIN reports r ON r.unit_id = u.id
         JOIN report_versions v ON v.report_id = r.id AND v.version = r.submitted_version
         WHERE u.kind = $2 AND r.status IN ('submitted', 'approved')",
    )
    .bind(province)
    .bind(kind)
    .fetch_all(&mut *conn)
    .await?;
    let mut contents = Vec::with_capacity(rows.len());
    for r in rows {
        let json: String = r.try_get("content")?;
        match parse_content(&json) {
            Ok(mut c) => {
                c.texts.clear();
                contents.push(c);
            }
            Err(e) => tracing::warn!("a peer's report left out of the fences: {e}"),
        }
    }
    Ok(contents)
}

/// Each typed cell's fence from the group's contents.
fn fences_of(
    form: &FormDef,
    this_year: &[Content],
    last_year: &[Content],
) -> BTreeMap<NumberCell, PeerFence> {
    let rule = form.plausibility();
    let mut fences = BTreeMap::new();
    for row in form.rows() {
        for column in Column::ALL {
            if !row.accepts(column) {
                continue;
            }
            let cell = NumberCell::new(row.code.clone(), column);
            let values = |contents: &[Content]| -> Vec<u64> {
                contents
                    .iter()
                    .filter_map(|c| c.numbers.get(&cell).copied())
                    .collect()
            };
            let found = fence(&values(this_year), rule, false)
                .or_else(|| fence(&values(last_year), rule, true));
            if let Some(f) = found {
                fences.insert(cell, f);
            }
        }
    }
    fences
}
