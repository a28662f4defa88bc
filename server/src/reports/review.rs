//! A report's life after its pushes: submitted (validated by the shared rules, late
//! after the deadline), then returned with a reason or approved (`docs/domain.md`).
//! Each moves the totals and is an event of the report's history.

use tuanle_shared::Content;
use tuanle_shared::validate::{IssueReport, Severity, validate_against};
use tuanle_shared::wire::{
    RefusalCode, ReportState, ReportStatus, SubmitRequest, end_of_day_vietnam_ms,
};

use super::reference::{group_moved, reference};
use super::storage::{Stored, state, stored, to_i64, version};
use super::{Moved, Target, push::check_id};
use crate::auth::Caller;
use crate::clock::now_ms;
use crate::db::{Conn, Pool};
use crate::error::Error;
use crate::totals::{self, Counted, Marks};

/// What a supervisor decides about a submitted report.
pub enum Review {
    /// Back to the reporter, editable again, with the reason they will read and the
    /// cells marked wrong, each with its comment.
    Return {
        reason: String,
        comments: Vec<tuanle_shared::wire::NewComment>,
    },
    /// Locked, and counted in the parent's official figures, until the parent returns it.
    Approve,
}

/// A reason to return a report or a package, trimmed: required, and not too long.
pub fn checked_reason(reason: &str) -> Result<String, Error> {
    let reason = reason.trim();
    let chars = reason.chars().count();
    if chars == 0 || chars > tuanle_shared::wire::MAX_REASON_CHARS {
        return Err(Error::Refused {
            code: RefusalCode::ReasonRequired,
            message: format!(
                "Hãy ghi lý do trả lại (tối đa {} ký tự).",
                tuanle_shared::wire::MAX_REASON_CHARS
            ),
        });
    }
    Ok(reason.to_owned())
}

/// Returns or approves a submitted report; either is an event of its history.
pub async fn review(
    db: &Pool,
    caller: &Caller,
    target: &Target,
    review: Review,
) -> Result<(ReportState, Moved), Error> {
    let comments = match &review {
        Review::Return { reason, comments } => {
            checked_reason(reason)?;
            super::comments::check(target, comments)?
        }
        Review::Approve => Vec::new(),
    };
    let (mut tx, target) = target.begin_write(db).await?;
    let target = &*target;
    let current = stored(&mut tx, target).await?;
    // An approved report can still be returned by its parent (an error found after the
    // sign-off): the parent's package is then stale until it signs off again.
    let reviewable = |status: ReportStatus| match review {
        Review::Return { .. } => matches!(status, ReportStatus::Submitted | ReportStatus::Approved),
        Review::Approve => status == ReportStatus::Submitted,
    };
    let Some(current) = current.filter(|c| reviewable(c.status)) else {
        return Err(Error::NotSubmitted);
    };
    let now = now_ms();
    let (status, kind, reason) = match review {
        Review::Return { reason, .. } => (
            ReportStatus::Returned,
            "return",
            Some(reason.trim().to_owned()),
        ),
        Review::Approve => (ReportStatus::Approved, "approve", None),
    };
    let (content, _, _) = version(&mut tx, current.id, current.version)
        .await?
        .unwrap_or_default();
    let moved = recount(
        &mut tx,
        target,
        &current,
        &content,
        status,
        current.late,
        current.marks,
    )
    .await?;
    group_moved(&mut tx, target).await?;
    super::comments::insert(
        &mut tx,
        caller,
        current.id,
        current.version,
        &content,
        &comments,
        true,
    )
    .await?;
    sqlx::query(
        "UPDATE reports SET status = $1, return_reason = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(status.as_str())
    .bind(&reason)
    .bind(now)
    .bind(current.id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO report_events (report_id, kind, version, account_id, reason, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(current.id)
    .bind(kind)
    .bind(to_i64(current.version)?)
    .bind(caller.account_id)
    .bind(&reason)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((state(db, caller, target).await?, moved))
}

/// Submits the named version: validated by the shared rules (errors block, warnings must
/// be acknowledged), accepted after the deadline and marked late.
pub async fn submit(
    db: &Pool,
    caller: &Caller,
    target: &Target,
    req: SubmitRequest,
) -> Result<(ReportState, Moved), Error> {
    check_id(&req.device_id, "thiết bị")?;
    // Read before the write lock: it may compute the peers' fences (a write of its own).
    let compared = reference(db, target).await;
    let (mut tx, target) = target.begin_write(db).await?;
    let target = &*target;
    let Some(current) = stored(&mut tx, target).await? else {
        return Err(Error::Refused {
            code: RefusalCode::EmptyReport,
            message: "Báo cáo chưa có số liệu nào để nộp.".into(),
        });
    };
    if current.status.is_locked() {
        return Err(Error::Locked);
    }
    if req.version != current.version {
        return Err(Error::StaleVersion);
    }
    let (content, _, _) = version(&mut tx, current.id, current.version)
        .await?
        .unwrap_or_default();
    let issues = validate_against(target.form, &content, &compared);
    let reports: Vec<IssueReport> = issues.iter().map(IssueReport::from).collect();
    if issues.iter().any(|i| i.severity() == Severity::Error) {
        return Err(Error::Invalid(reports));
    }
    if !issues.is_empty() && !req.acknowledge_warnings {
        return Err(Error::WarningsNotAcknowledged(reports));
    }
    let now = now_ms();
    let late = target
        .deadline
        .as_deref()
        .and_then(end_of_day_vietnam_ms)
        .is_some_and(|due| now > due);
    let status = ReportStatus::Submitted;
    // Flagged while its latest submission has values far above its peers'.
    let marks = Marks {
        flagged: issues
            .iter()
            .any(|i| matches!(i.kind, tuanle_shared::IssueKind::FarAbovePeers { .. })),
        ..current.marks
    };
    let moved = recount(&mut tx, target, &current, &content, status, late, marks).await?;
    sqlx::query("UPDATE reports SET flagged = $1 WHERE id = $2")
        .bind(i64::from(marks.flagged))
        .bind(current.id)
        .execute(&mut *tx)
        .await?;
    group_moved(&mut tx, target).await?;
    sqlx::query(
        "UPDATE reports SET status = $1, submitted_version = $2, late = $3, return_reason = NULL, updated_at = $4
         WHERE id = $5",
    )
    .bind(status.as_str())
    .bind(to_i64(current.version)?)
    .bind(i64::from(late))
    .bind(now)
    .bind(current.id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO report_events (report_id, kind, version, account_id, device_id, late, created_at, on_behalf)
         VALUES ($1, 'submit', $2, $3, $4, $5, $6, $7)",
    )
    .bind(current.id)
    .bind(to_i64(current.version)?)
    .bind(caller.account_id)
    .bind(&req.device_id)
    .bind(i64::from(late))
    .bind(now)
    .bind(i64::from(super::access::on_behalf(caller, target)))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((state(db, caller, target).await?, moved))
}

/// Moves the report's contribution to the totals from what is stored to `status` and
/// `late`: the units whose totals moved.
async fn recount(
    conn: &mut Conn,
    target: &Target,
    current: &Stored,
    content: &Content,
    status: ReportStatus,
    late: bool,
    marks: Marks,
) -> Result<Moved, Error> {
    let before = Counted::of(
        target.layout,
        target.form,
        target.kind.as_ref(),
        current.status,
        current.late,
        content,
        current.marks,
    );
    let after = Counted::of(
        target.layout,
        target.form,
        target.kind.as_ref(),
        status,
        late,
        content,
        marks,
    );
    totals::apply(
        conn,
        target.layout,
        target.campaign_id,
        target.unit_id,
        &before,
        &after,
    )
    .await
}

/// A supervisor of the unit's parent (checked by the caller) marks the report for
/// follow-up ("Cần theo dõi"), or clears the mark; the subtrees above count it.
pub async fn follow_up(
    db: &Pool,
    caller: &Caller,
    target: &Target,
    follow_up: bool,
) -> Result<(ReportState, Moved), Error> {
    let (mut tx, target) = target.begin_write(db).await?;
    let target = &*target;
    let Some(current) = stored(&mut tx, target).await?.filter(|s| s.version > 0) else {
        return Err(Error::refused(RefusalCode::NoReportYet));
    };
    let (content, _, _) = version(&mut tx, current.id, current.version)
        .await?
        .unwrap_or_default();
    let marks = Marks {
        follow_up,
        ..current.marks
    };
    let moved = recount(
        &mut tx,
        target,
        &current,
        &content,
        current.status,
        current.late,
        marks,
    )
    .await?;
    sqlx::query("UPDATE reports SET follow_up = $1 WHERE id = $2")
        .bind(i64::from(follow_up))
        .bind(current.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((state(db, caller, target).await?, moved))
}

/// In a practice campaign, the unit's own staff (checked by the caller) start their report
/// again from nothing: its versions, events, comments and the answers kept for its pushes
/// are deleted, and the totals above it lose it. Any other campaign is `NOT_PRACTICE`:
/// a real report's history is never deleted.
pub async fn reset(
    db: &Pool,
    caller: &Caller,
    target: &Target,
) -> Result<(ReportState, Moved), Error> {
    if !target.practice {
        return Err(Error::refused(RefusalCode::NotPractice));
    }
    let (mut tx, target) = target.begin_write(db).await?;
    let target = &*target;
    let Some(current) = stored(&mut tx, target).await? else {
        drop(tx);
        return Ok((state(db, caller, target).await?, Vec::new()));
    };
    let before = if current.version > 0 {
        let (content, _, _) = version(&mut tx, current.id, current.version)
            .await?
            .unwrap_or_default();
        Counted::of(
            target.layout,
            target.form,
            target.kind.as_ref(),
            current.status,
            current.late,
            &content,
            current.marks,
        )
    } else {
        Counted::none()
    };
    let moved = totals::apply(
        &mut tx,
        target.layout,
        target.campaign_id,
        target.unit_id,
        &before,
        &Counted::none(),
    )
    .await?;
    group_moved(&mut tx, target).await?;
    for table in [
        "cell_comments",
        "report_events",
        "pushes",
        "report_versions",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE report_id = $1"))
            .bind(current.id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM reports WHERE id = $1")
        .bind(current.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((state(db, caller, target).await?, moved))
}
