//! A report's history: every version (who, when, which device and push, whether entered
//! on the unit's behalf) and every
//! event (submitted, returned with its reason, approved), and every comment on a cell
//! with its answer, oldest first.

use sqlx::Row;
use tuanle_shared::wire::{EventInfo, History, VersionInfo};

use super::Target;
use super::storage::to_u64;
use crate::db::Pool;
use crate::error::Error;

/// Every version and event of a report, oldest first.
pub async fn history(db: &Pool, target: &Target) -> Result<History, Error> {
    let versions = sqlx::query(
        "SELECT v.version, a.username, a.display_name, v.device_id, v.push_id, v.created_at, v.on_behalf
         FROM report_versions v
         JOIN reports r ON r.id = v.report_id
         JOIN accounts a ON a.id = v.account_id
         WHERE r.campaign_id = $1 AND r.unit_id = $2 ORDER BY v.version",
    )
    .bind(target.campaign_id)
    .bind(target.unit_id)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok(VersionInfo {
            version: to_u64(r.try_get("version")?),
            username: r.try_get("username")?,
            display_name: r.try_get("display_name")?,
            device_id: r.try_get("device_id")?,
            push_id: r.try_get("push_id")?,
            created_at: r.try_get("created_at")?,
            on_behalf: crate::db::flag(&r, "on_behalf")?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    let events = sqlx::query(
        "SELECT e.kind, e.version, a.username, a.display_name, e.reason, e.late, e.created_at, e.on_behalf
         FROM report_events e
         JOIN reports r ON r.id = e.report_id
         JOIN accounts a ON a.id = e.account_id
         WHERE r.campaign_id = $1 AND r.unit_id = $2 ORDER BY e.id",
    )
    .bind(target.campaign_id)
    .bind(target.unit_id)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok(EventInfo {
            kind: r.try_get("kind")?,
            version: to_u64(r.try_get("version")?),
            username: r.try_get("username")?,
            display_name: r.try_get("display_name")?,
            reason: r.try_get("reason")?,
            late: crate::db::flag(&r, "late")?,
            created_at: r.try_get("created_at")?,
            on_behalf: crate::db::flag(&r, "on_behalf")?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    let comments = match sqlx::query_scalar::<_, i64>(
        "SELECT id FROM reports WHERE campaign_id = $1 AND unit_id = $2",
    )
    .bind(target.campaign_id)
    .bind(target.unit_id)
    .fetch_optional(db)
    .await?
    {
        Some(report_id) => super::comments::list(&mut *db.acquire().await?, report_id).await?,
        None => Vec::new(),
    };
    Ok(History {
        versions,
        events,
        comments,
    })
}
