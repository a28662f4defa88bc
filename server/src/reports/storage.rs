//! A report's stored rows: the report, its versions, and the answer the server gives
//! of its current state.

use sqlx::Row;
use tuanle_shared::Content;
use tuanle_shared::wire::{
    HelpContact, RefusalCode, ReportNews, ReportState, ReportStatus, UnitContact,
};

use super::Target;
use super::access::{review_refusal, writable};
use crate::auth::Caller;
use crate::db::{Conn, Pool};
use crate::error::Error;

/// The stored row of a report, if it has one.
pub(super) struct Stored {
    pub id: i64,
    pub version: u64,
    pub status: ReportStatus,
    pub return_reason: Option<String>,
    pub late: bool,
    pub marks: crate::totals::Marks,
}

/// A report status as stored (its wire name).
pub(crate) fn parse_status(s: &str) -> Result<ReportStatus, Error> {
    ReportStatus::from_name(s)
        .ok_or_else(|| Error::Internal(format!("unknown report status {s:?}")))
}

/// A stored content (JSON of [`Content`]), which was checked when it was pushed.
pub(crate) fn parse_content(json: &str) -> Result<Content, Error> {
    serde_json::from_str(json)
        .map_err(|e| Error::Internal(format!("stored content unreadable: {e}")))
}

pub(crate) fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

pub(super) fn to_i64(v: u64) -> Result<i64, Error> {
    i64::try_from(v).map_err(|_| Error::refused(RefusalCode::BadVersion))
}

/// The report's row, when it has one.
pub(super) async fn stored(conn: &mut Conn, target: &Target) -> Result<Option<Stored>, Error> {
    let row = sqlx::query(
        "SELECT id, version, status, late, return_reason, flagged, follow_up FROM reports
         WHERE campaign_id = $1 AND unit_id = $2",
    )
    .bind(target.campaign_id)
    .bind(target.unit_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| Stored::of_row(r.try_get("id")?, &r))
        .transpose()
}

impl Stored {
    /// The report `id` from a row with its columns `version`, `status`, `late`,
    /// `return_reason`, `flagged` and `follow_up`.
    pub(super) fn of_row(id: i64, r: &crate::db::DbRow) -> Result<Stored, Error> {
        let status: String = r.try_get("status")?;
        Ok(Stored {
            id,
            version: to_u64(r.try_get("version")?),
            status: parse_status(&status)?,
            late: crate::db::flag(r, "late")?,
            return_reason: r.try_get("return_reason")?,
            marks: crate::totals::Marks::of_row(r)?,
        })
    }
}

/// A stored version's content, who made it and when.
pub(super) async fn version(
    conn: &mut Conn,
    report_id: i64,
    version: u64,
) -> Result<Option<(Content, String, i64)>, Error> {
    if version == 0 {
        return Ok(Some((Content::default(), String::new(), 0)));
    }
    let row = sqlx::query(
        "SELECT v.content, a.display_name, v.created_at
         FROM report_versions v JOIN accounts a ON a.id = v.account_id
         WHERE v.report_id = $1 AND v.version = $2",
    )
    .bind(report_id)
    .bind(to_i64(version)?)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        let json: String = r.try_get("content")?;
        let content = parse_content(&json)?;
        Ok((
            content,
            r.try_get("display_name")?,
            r.try_get("created_at")?,
        ))
    })
    .transpose()
}

/// The report as the server holds it now, as `caller` reads it.
pub async fn state(db: &Pool, caller: &Caller, target: &Target) -> Result<ReportState, Error> {
    let mut conn = db.acquire().await?;
    let stored = stored(&mut conn, target).await?;
    let (content, updated_by, updated_at) = match &stored {
        Some(s) => version(&mut conn, s.id, s.version)
            .await?
            .unwrap_or_default(),
        None => Default::default(),
    };
    let comments = match &stored {
        Some(s) => super::comments::list(&mut conn, s.id).await?,
        None => Vec::new(),
    };
    let help = help(&mut conn, target).await?;
    // The reference and the review right take connections of their own.
    drop(conn);
    Ok(ReportState {
        campaign: target.campaign_code.clone(),
        unit_code: target.unit_code.clone(),
        unit_name: target.unit_name.clone(),
        form_version: target.form.version().to_owned(),
        version: stored.as_ref().map_or(0, |s| s.version),
        content,
        status: stored.as_ref().map_or(ReportStatus::Draft, |s| s.status),
        late: stored.as_ref().is_some_and(|s| s.late),
        return_reason: stored.as_ref().and_then(|s| s.return_reason.clone()),
        deadline: target.deadline.clone(),
        updated_by: (!updated_by.is_empty()).then_some(updated_by),
        updated_at: (updated_at > 0).then_some(updated_at),
        read_only: writable(target).err().map(|e| e.code()),
        review_refusal: review_refusal(db, caller, target).await?,
        comments,
        reference: super::reference::reference(db, target).await,
        help,
        follow_up: stored.as_ref().is_some_and(|s| s.marks.follow_up),
        flagged: stored.as_ref().is_some_and(|s| s.marks.flagged),
        not_counted: target
            .form
            .rows()
            .iter()
            .filter(|r| !r.counts_unit(target.kind.as_ref()))
            .map(|r| r.code.clone())
            .collect(),
    })
}

/// Who the unit's staff ask for help: the unit's parent and the contact the tree import
/// gave it. None for the root.
async fn help(conn: &mut Conn, target: &Target) -> Result<Option<HelpContact>, Error> {
    let row = sqlx::query(
        "SELECT p.name, p.contact_name, p.contact_phone FROM units u JOIN units p ON p.id = u.parent_id
         WHERE u.id = $1",
    )
    .bind(target.unit_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(HelpContact {
            unit_name: r.try_get("name")?,
            contact: UnitContact {
                name: r.try_get("contact_name")?,
                phone: r.try_get("contact_phone")?,
            },
        })
    })
    .transpose()
}

/// Where the report stands, for its live stream: one row read.
pub async fn news(db: &Pool, target: &Target) -> Result<ReportNews, Error> {
    let mut conn = db.acquire().await?;
    let row = sqlx::query(
        "SELECT r.version, r.status, r.updated_at,
                (SELECT MAX(c.created_at) FROM cell_comments c WHERE c.report_id = r.id) AS commented_at,
                (SELECT MAX(c.answered_at) FROM cell_comments c WHERE c.report_id = r.id) AS answered_at
         FROM reports r WHERE r.campaign_id = $1 AND r.unit_id = $2",
    )
    .bind(target.campaign_id)
    .bind(target.unit_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(ReportNews {
            version: 0,
            status: ReportStatus::Draft,
            updated_at: None,
            comments_at: None,
        });
    };
    let commented: Option<i64> = row.try_get("commented_at")?;
    let answered: Option<i64> = row.try_get("answered_at")?;
    Ok(ReportNews {
        version: to_u64(row.try_get("version")?),
        status: parse_status(row.try_get("status")?)?,
        updated_at: Some(row.try_get("updated_at")?),
        comments_at: commented.max(answered),
    })
}
