//! The audit log: every change an administrator makes, and every password a supervisor
//! resets below their unit, readable by administrators.

use sqlx::Row;
use tuanle_shared::wire::admin::AuditEntry;

use super::Admin;
use crate::clock::now_ms;
use crate::db::{Conn, Pool};
use crate::error::Error;
use crate::units::SUBTREE_CTE;

/// Most entries returned at once.
const PAGE: i64 = 500;

/// Records one change, inside the transaction that makes it.
pub async fn record(
    conn: &mut Conn,
    admin: &Admin,
    campaign_id: i64,
    scope: Option<&str>,
    action: &str,
    summary: &str,
) -> Result<(), Error> {
    record_by(conn, admin.account_id, campaign_id, scope, action, summary).await
}

/// The same, for a change made by another account than an administrator's (a
/// supervisor's delegated password reset).
pub async fn record_by(
    conn: &mut Conn,
    account_id: i64,
    campaign_id: i64,
    scope: Option<&str>,
    action: &str,
    summary: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, account_id, campaign_id, scope, action, summary)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now_ms())
    .bind(account_id)
    .bind(campaign_id)
    .bind(scope)
    .bind(action)
    .bind(summary)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The newest entries of a campaign that concern the administrator's reach (a subtree
/// administrator sees changes within their subtree, and their own).
pub async fn list(db: &Pool, admin: &Admin, campaign_id: i64) -> Result<Vec<AuditEntry>, Error> {
    let mut conn = db.acquire().await?;
    let top = admin.top(&mut conn, campaign_id).await?.map(|u| u.id);
    let rows = match top {
        None => {
            sqlx::query(&format!(
                "SELECT l.at, a.username, l.action, l.summary FROM audit_log l
                 JOIN accounts a ON a.id = l.account_id
                 WHERE l.campaign_id = $1 ORDER BY l.id DESC LIMIT {PAGE}"
            ))
            .bind(campaign_id)
            .fetch_all(&mut *conn)
            .await?
        }
        Some(top) => {
            sqlx::query(&format!(
                "{SUBTREE_CTE}
                 SELECT l.at, a.username, l.action, l.summary FROM audit_log l
                 JOIN accounts a ON a.id = l.account_id
                 WHERE l.campaign_id = $1
                   AND (l.account_id = $3
                        OR l.scope IN (SELECT u.code FROM reach JOIN units u ON u.id = reach.id))
                 ORDER BY l.id DESC LIMIT {PAGE}"
            ))
            .bind(campaign_id)
            .bind(top)
            .bind(admin.account_id)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    rows.into_iter()
        .map(|r| {
            Ok(AuditEntry {
                at: r.try_get("at")?,
                username: r.try_get("username")?,
                action: r.try_get("action")?,
                summary: r.try_get("summary")?,
            })
        })
        .collect()
}
