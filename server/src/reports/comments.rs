//! Comments on a report's cells (issue 20): a supervisor of the unit's parent marks a
//! cell with a comment, with a return or on its own (on an approved report too, for next
//! year); the unit's staff answer. Each comment keeps the cell's value when it was made,
//! so both sides tell that the cell has been fixed since by the shared rule
//! ([`tuanle_shared::wire::CellComment::settled`]).

use sqlx::Row;
use tuanle_shared::Content;
use tuanle_shared::content::CellValue;
use tuanle_shared::wire::{
    CellComment, MAX_COMMENTS_PER_REPORT, NewComment, RefusalCode, ReportState, Written,
    check_comment, check_text,
};

use super::Target;
use super::storage::{state, stored, to_i64, to_u64, version};
use crate::auth::Caller;
use crate::clock::now_ms;
use crate::db::{Conn, Pool};
use crate::error::Error;

/// A comment checked against the form, ready to store.
pub(super) struct Checked {
    cell: tuanle_shared::Cell,
    key: String,
    text: String,
}

/// Checks comments before anything is written: each names a cell the form types and
/// has a text.
pub(super) fn check(target: &Target, comments: &[NewComment]) -> Result<Vec<Checked>, Error> {
    if comments.len() > MAX_COMMENTS_PER_REPORT {
        return Err(Error::refused(RefusalCode::TooManyComments));
    }
    comments
        .iter()
        .map(|c| {
            let (cell, text) = check_comment(target.form, &c.cell, &c.text)
                .map_err(|e| Error::bad(RefusalCode::BadComment, e.to_string()))?;
            Ok(Checked {
                key: cell.to_string(),
                cell,
                text,
            })
        })
        .collect()
}

/// Stores checked comments on the report's current version, inside the caller's
/// transaction.
pub(super) async fn insert(
    conn: &mut Conn,
    caller: &Caller,
    report_id: i64,
    on_version: u64,
    content: &Content,
    comments: &[Checked],
    with_return: bool,
) -> Result<(), Error> {
    if comments.is_empty() {
        return Ok(());
    }
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cell_comments WHERE report_id = $1")
        .bind(report_id)
        .fetch_one(&mut *conn)
        .await?;
    if usize::try_from(held).unwrap_or(usize::MAX) + comments.len() > MAX_COMMENTS_PER_REPORT {
        return Err(Error::refused(RefusalCode::TooManyComments));
    }
    let now = now_ms();
    for c in comments {
        let value_then = content
            .get(&c.cell)
            .map(|v| serde_json::to_string(&v))
            .transpose()
            .map_err(|e| Error::Internal(e.to_string()))?;
        sqlx::query(
            "INSERT INTO cell_comments (report_id, cell, body, account_id, on_version, value_then, with_return, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(report_id)
        .bind(&c.key)
        .bind(&c.text)
        .bind(caller.account_id)
        .bind(to_i64(on_version)?)
        .bind(value_then)
        .bind(i64::from(with_return))
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Every comment of a report, oldest first.
pub(super) async fn list(conn: &mut Conn, report_id: i64) -> Result<Vec<CellComment>, Error> {
    let rows = sqlx::query(
        "SELECT c.id, c.cell, c.body, a.display_name, c.created_at, c.on_version, c.value_then,
                c.with_return, c.answer, b.display_name AS answered_name, c.answered_at
         FROM cell_comments c
         JOIN accounts a ON a.id = c.account_id
         LEFT JOIN accounts b ON b.id = c.answered_by
         WHERE c.report_id = $1 ORDER BY c.id",
    )
    .bind(report_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let value_then: Option<String> = r.try_get("value_then")?;
            let answer: Option<String> = r.try_get("answer")?;
            let answered_name: Option<String> = r.try_get("answered_name")?;
            let answered_at: Option<i64> = r.try_get("answered_at")?;
            Ok(CellComment {
                id: r.try_get("id")?,
                cell: r.try_get("cell")?,
                comment: Written {
                    text: r.try_get("body")?,
                    display_name: r.try_get("display_name")?,
                    at: r.try_get("created_at")?,
                },
                on_version: to_u64(r.try_get("on_version")?),
                // A value that cannot be read is shown as blank then, never an error.
                value_then: value_then
                    .and_then(|json| serde_json::from_str::<CellValue>(&json).ok()),
                with_return: crate::db::flag(&r, "with_return")?,
                answer: answer.map(|text| Written {
                    text,
                    display_name: answered_name.unwrap_or_default(),
                    at: answered_at.unwrap_or_default(),
                }),
            })
        })
        .collect()
}

/// A comment on one cell without a return, by a supervisor of the unit's parent (checked
/// by the caller): on any report something was pushed to, whatever its status.
pub async fn comment(
    db: &Pool,
    caller: &Caller,
    target: &Target,
    new: NewComment,
) -> Result<ReportState, Error> {
    let checked = check(target, std::slice::from_ref(&new))?;
    let mut tx = crate::db::begin_write(db).await?;
    let Some(current) = stored(&mut tx, target).await?.filter(|s| s.version > 0) else {
        return Err(Error::refused(RefusalCode::NothingToComment));
    };
    let (content, _, _) = version(&mut tx, current.id, current.version)
        .await?
        .unwrap_or_default();
    insert(
        &mut tx,
        caller,
        current.id,
        current.version,
        &content,
        &checked,
        false,
    )
    .await?;
    tx.commit().await?;
    state(db, caller, target).await
}

/// The unit's answer to a comment (checked by the caller to be the unit's own staff): it
/// replaces an earlier answer, so sending it again from a device that retried is the same.
pub async fn answer(
    db: &Pool,
    caller: &Caller,
    target: &Target,
    id: i64,
    text: &str,
) -> Result<ReportState, Error> {
    let text = check_text(text).map_err(|e| Error::bad(RefusalCode::BadComment, e.to_string()))?;
    let mut tx = crate::db::begin_write(db).await?;
    let done = sqlx::query(
        "UPDATE cell_comments SET answer = $1, answered_by = $2, answered_at = $3
         WHERE id = $4 AND report_id = (SELECT id FROM reports WHERE campaign_id = $5 AND unit_id = $6)",
    )
    .bind(&text)
    .bind(caller.account_id)
    .bind(now_ms())
    .bind(id)
    .bind(target.campaign_id)
    .bind(target.unit_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound {
            what: "nhận xét này trong báo cáo",
        });
    }
    tx.commit().await?;
    state(db, caller, target).await
}
