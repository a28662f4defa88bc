//! Reports in storage: who may touch one, its current state, and the push, submit and
//! history operations of the sync contract (`sync.md`).
//!
//! Every write is one `BEGIN IMMEDIATE` transaction: it takes the write lock before it
//! reads, so two pushes to one report are serialised, and a push the server has
//! answered is on disk.

use sqlx::Row;
use tuanle_shared::form::builtin;
use tuanle_shared::validate::{IssueReport, Severity, validate};
use tuanle_shared::wire::{
    EventInfo, History, PushAccepted, PushConflict, PushRequest, ReportState, ReportStatus, Role,
    SubmitRequest, VersionInfo, end_of_day_vietnam_ms,
};
use tuanle_shared::{Content, Figures, FormDef, merge};

use crate::auth::Caller;
use crate::clock::now_ms;
use crate::db::{Conn, Pool};
use crate::error::AppError;
use crate::totals::{self, Counted};

/// The units whose totals a change moved (the report's unit and its ancestors), for the
/// live dashboards.
pub type Moved = Vec<i64>;

/// Longest push or device id accepted.
const MAX_ID_LEN: usize = 64;

/// One unit in one campaign: the report's key, resolved from the URL.
#[derive(Debug, Clone)]
pub struct Target {
    pub campaign_id: i64,
    pub campaign_code: String,
    pub campaign_year: i64,
    pub form: &'static FormDef,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub deadline: Option<String>,
    /// The campaign takes reports (an administrator closes it when it is over).
    pub open: bool,
    /// The unit is still expected to report.
    pub active: bool,
}

/// Resolves `(campaign code, unit code)`; unknown ones are a 404.
pub async fn resolve(db: &Pool, campaign: &str, unit: &str) -> Result<Target, AppError> {
    let row = sqlx::query(
        "SELECT c.id AS campaign_id, c.code AS campaign_code, c.year, c.form_version,
                u.id AS unit_id, u.code AS unit_code, u.name AS unit_name, c.open, u.active,
                (SELECT d.due_on FROM deadlines d WHERE d.campaign_id = c.id AND d.depth = u.depth) AS deadline
         FROM campaigns c JOIN units u ON u.campaign_id = c.id
         WHERE c.code = $1 AND u.code = $2",
    )
    .bind(campaign)
    .bind(unit)
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound { what: "báo cáo của đơn vị này trong đợt này" })?;
    let version: String = row.try_get("form_version")?;
    let form = builtin(&version)
        .ok_or_else(|| AppError::Internal(format!("campaign uses unknown form {version}")))?;
    Ok(Target {
        campaign_id: row.try_get("campaign_id")?,
        campaign_code: row.try_get("campaign_code")?,
        campaign_year: row.try_get("year")?,
        form,
        unit_id: row.try_get("unit_id")?,
        unit_code: row.try_get("unit_code")?,
        unit_name: row.try_get("unit_name")?,
        deadline: row.try_get("deadline")?,
        open: crate::db::flag(&row, "open")?,
        active: crate::db::flag(&row, "active")?,
    })
}

/// Resolves a report's key and checks that the caller may read it: the first step of
/// every endpoint that shows a unit's report or subtree.
pub async fn resolve_readable(
    db: &Pool,
    caller: &Caller,
    campaign: &str,
    unit: &str,
) -> Result<Target, AppError> {
    let target = resolve(db, campaign, unit).await?;
    authorize_read(db, caller, &target).await?;
    Ok(target)
}

/// Only the unit's own staff write its report.
/// A closed campaign or an inactive unit takes no more changes.
pub fn authorize_write(caller: &Caller, target: &Target) -> Result<(), AppError> {
    let own = caller.me.unit_code.as_deref() == Some(target.unit_code.as_str());
    if !own || caller.role() == Role::Admin {
        return Err(AppError::Forbidden);
    }
    writable(target)
}

fn writable(target: &Target) -> Result<(), AppError> {
    if !target.open {
        Err(AppError::CampaignClosed)
    } else if !target.active {
        Err(AppError::UnitInactive)
    } else {
        Ok(())
    }
}

/// The unit's staff, supervisors of any unit above it, and administrators whose reach
/// holds it (a national administrator's holds everything) read a report.
pub async fn authorize_read(db: &Pool, caller: &Caller, target: &Target) -> Result<(), AppError> {
    let own = caller.me.unit_code.as_deref() == Some(target.unit_code.as_str());
    let national_admin = caller.role() == Role::Admin && caller.me.unit_code.is_none();
    if national_admin || own {
        return Ok(());
    }
    let Some(own) = caller
        .me
        .unit_code
        .as_deref()
        .filter(|_| matches!(caller.role(), Role::Supervisor | Role::Admin))
    else {
        return Err(AppError::Forbidden);
    };
    supervises(db, own, target.unit_id, false).await
}

/// Only a supervisor of a unit strictly above returns or approves a report.
pub async fn authorize_review(db: &Pool, caller: &Caller, target: &Target) -> Result<(), AppError> {
    let Some(own) = caller
        .me
        .unit_code
        .as_deref()
        .filter(|_| caller.role() == Role::Supervisor)
    else {
        return Err(AppError::Forbidden);
    };
    supervises(db, own, target.unit_id, true).await?;
    writable(target)
}

/// Whether the unit with code `own` is `unit_id` or one of its ancestors (with
/// `strictly`, an ancestor only). Forbidden otherwise.
async fn supervises(db: &Pool, own: &str, unit_id: i64, strictly: bool) -> Result<(), AppError> {
    if within(db, own, unit_id, strictly).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Whether the unit with code `own` is `unit_id` or one of its ancestors (with
/// `strictly`, an ancestor only): the reach of supervisors and subtree administrators.
/// Runs on the pool or inside a caller's transaction.
pub async fn within(
    db: impl sqlx::Executor<'_, Database = sqlx::Any>,
    own: &str,
    unit_id: i64,
    strictly: bool,
) -> Result<bool, AppError> {
    let (above,): (i64,) = sqlx::query_as(
        "WITH RECURSIVE up(id, parent_id, code, n) AS (
             SELECT id, parent_id, code, 0 FROM units WHERE id = $1
             UNION ALL
             SELECT u.id, u.parent_id, u.code, up.n + 1 FROM units u JOIN up ON u.id = up.parent_id
         )
         SELECT COUNT(*) FROM up WHERE code = $2 AND n >= $3",
    )
    .bind(unit_id)
    .bind(own)
    .bind(i64::from(strictly))
    .fetch_one(db)
    .await?;
    Ok(above > 0)
}

/// What a supervisor decides about a submitted report.
pub enum Review {
    /// Back to the reporter, editable again, with the reason they will read.
    Return { reason: String },
    /// Locked for good.
    Approve,
}

/// Returns or approves a submitted report; either is an event of its history.
pub async fn review(
    db: &Pool,
    caller: &Caller,
    target: &Target,
    review: Review,
) -> Result<(ReportState, Moved), AppError> {
    if let Review::Return { reason } = &review {
        let chars = reason.trim().chars().count();
        if chars == 0 || chars > tuanle_shared::wire::MAX_REASON_CHARS {
            return Err(AppError::BadRequest {
                code: "REASON_REQUIRED",
                message: format!(
                    "Hãy ghi lý do trả lại (tối đa {} ký tự).",
                    tuanle_shared::wire::MAX_REASON_CHARS
                ),
            });
        }
    }
    let mut tx = crate::db::begin_write(db).await?;
    let current = stored(&mut tx, target).await?;
    let Some(current) = current.filter(|c| c.status == ReportStatus::Submitted) else {
        return Err(AppError::NotSubmitted);
    };
    let now = now_ms();
    let (status, kind, reason) = match review {
        Review::Return { reason } => (
            ReportStatus::Returned,
            "return",
            Some(reason.trim().to_owned()),
        ),
        Review::Approve => (ReportStatus::Approved, "approve", None),
    };
    let (content, _, _) = version(&mut tx, current.id, current.version)
        .await?
        .unwrap_or_default();
    let before = Counted::of(target.form, current.status, current.late, &content)?;
    let after = Counted::of(target.form, status, current.late, &content)?;
    let moved = totals::apply(
        &mut tx,
        target.form,
        target.campaign_id,
        target.unit_id,
        &before,
        &after,
    )
    .await?;
    sqlx::query(
        "UPDATE reports SET status = $1, return_reason = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(status_str(status))
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
    Ok((state(db, target).await?, moved))
}

/// The stored row of a report, if it has one.
struct Stored {
    id: i64,
    version: u64,
    status: ReportStatus,
    return_reason: Option<String>,
    late: bool,
}

/// A report status as stored.
pub(crate) fn parse_status(s: &str) -> Result<ReportStatus, AppError> {
    match s {
        "draft" => Ok(ReportStatus::Draft),
        "submitted" => Ok(ReportStatus::Submitted),
        "returned" => Ok(ReportStatus::Returned),
        "approved" => Ok(ReportStatus::Approved),
        other => Err(AppError::Internal(format!(
            "unknown report status {other:?}"
        ))),
    }
}

/// A stored content (JSON of [`Content`]), which was checked when it was pushed.
pub(crate) fn parse_content(json: &str) -> Result<Content, AppError> {
    serde_json::from_str(json)
        .map_err(|e| AppError::Internal(format!("stored content unreadable: {e}")))
}

fn status_str(s: ReportStatus) -> &'static str {
    match s {
        ReportStatus::Draft => "draft",
        ReportStatus::Submitted => "submitted",
        ReportStatus::Returned => "returned",
        ReportStatus::Approved => "approved",
    }
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn to_i64(v: u64) -> Result<i64, AppError> {
    i64::try_from(v).map_err(|_| AppError::BadRequest {
        code: "BAD_VERSION",
        message: "Số phiên bản không hợp lệ.".into(),
    })
}

async fn stored(conn: &mut Conn, target: &Target) -> Result<Option<Stored>, AppError> {
    let row = sqlx::query(
        "SELECT id, version, status, late, return_reason FROM reports WHERE campaign_id = $1 AND unit_id = $2",
    )
    .bind(target.campaign_id)
    .bind(target.unit_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        let status: String = r.try_get("status")?;
        Ok(Stored {
            id: r.try_get("id")?,
            version: to_u64(r.try_get("version")?),
            status: parse_status(&status)?,
            late: crate::db::flag(&r, "late")?,
            return_reason: r.try_get("return_reason")?,
        })
    })
    .transpose()
}

/// A stored version's content, who made it and when.
async fn version(
    conn: &mut Conn,
    report_id: i64,
    version: u64,
) -> Result<Option<(Content, String, i64)>, AppError> {
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

/// The report as the server holds it now.
pub async fn state(db: &Pool, target: &Target) -> Result<ReportState, AppError> {
    let mut conn = db.acquire().await?;
    let stored = stored(&mut conn, target).await?;
    let (content, updated_by, updated_at) = match &stored {
        Some(s) => version(&mut conn, s.id, s.version)
            .await?
            .unwrap_or_default(),
        None => Default::default(),
    };
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
    })
}

fn check_id(id: &str, what: &'static str) -> Result<(), AppError> {
    if id.is_empty()
        || id.len() > MAX_ID_LEN
        || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(AppError::BadRequest {
            code: "BAD_ID",
            message: format!("Mã {what} không hợp lệ."),
        });
    }
    Ok(())
}

/// The checks of a push that need nothing stored: done before it waits for its turn.
pub fn check_push(target: &Target, req: &PushRequest) -> Result<(), AppError> {
    check_id(&req.push_id, "lần gửi")?;
    check_id(&req.device_id, "thiết bị")?;
    Figures::from_content(target.form, &req.content).map_err(|e| AppError::BadRequest {
        code: e.code(),
        message: e.to_string(),
    })?;
    Ok(())
}

/// Applies a push in its own transaction: exactly once per `push_id`, merged per cell
/// when edited from an older version, refused with the conflicting cells when both
/// sides changed one differently. The server batches pushes instead
/// ([`crate::group_commit`]); this is the same work, one push at a time.
pub async fn push(
    db: &Pool,
    caller: &Caller,
    target: &Target,
    req: PushRequest,
) -> Result<(PushAccepted, Moved), AppError> {
    check_push(target, &req)?;
    let mut tx = crate::db::begin_write(db).await?;
    let applied = apply_push(&mut tx, caller, target, &req).await?;
    tx.commit().await?;
    Ok(applied)
}

/// Decides and writes one push inside the caller's write transaction. A refusal comes
/// before the push writes anything, so the transaction stays usable for others; a
/// storage failure (`Db`, `Internal`) can leave it half-written: roll it back.
pub async fn apply_push(
    conn: &mut Conn,
    caller: &Caller,
    target: &Target,
    req: &PushRequest,
) -> Result<(PushAccepted, Moved), AppError> {
    match decide_push(conn, target, req).await? {
        PushDecision::Answered(answer) => Ok((answer, Vec::new())),
        PushDecision::Apply(plan) => write_push(conn, caller, target, req, *plan).await,
    }
}

/// What a push will do, decided from what is stored before anything is written: a
/// refusal comes out of [`decide_push`] with the transaction untouched.
enum PushDecision {
    /// Applied before (a retry): its stored answer, and nothing moves.
    Answered(PushAccepted),
    /// To be written by [`write_push`].
    Apply(Box<PushPlan>),
}

/// The writes of a push, all values computed.
struct PushPlan {
    /// The report's row, when it has one.
    report_id: Option<i64>,
    /// The version after the push (the current one when nothing changed).
    new_version: i64,
    /// Whether the content is as stored: then only the answer is recorded.
    unchanged: bool,
    before: Counted,
    after: Counted,
    content_json: String,
    answer: PushAccepted,
    answer_json: String,
}

/// Reads what a push needs and decides it (the reads of the write transaction: run
/// with the write lock held, so what it read is still true when it writes).
async fn decide_push(
    conn: &mut Conn,
    target: &Target,
    req: &PushRequest,
) -> Result<PushDecision, AppError> {
    let answered = sqlx::query("SELECT report_id, answer FROM pushes WHERE push_id = $1")
        .bind(&req.push_id)
        .fetch_optional(&mut *conn)
        .await?;
    let current = stored(conn, target).await?;
    if let Some(row) = answered {
        let report_id: i64 = row.try_get("report_id")?;
        if current.as_ref().map(|c| c.id) != Some(report_id) {
            return Err(AppError::BadRequest {
                code: "PUSH_ID_REUSED",
                message: "Mã lần gửi đã dùng cho báo cáo khác.".into(),
            });
        }
        let answer: String = row.try_get("answer")?;
        let answer: PushAccepted = serde_json::from_str(&answer)
            .map_err(|e| AppError::Internal(format!("stored answer unreadable: {e}")))?;
        return Ok(PushDecision::Answered(answer));
    }
    let (current_version, status) = current
        .as_ref()
        .map_or((0, ReportStatus::Draft), |c| (c.version, c.status));
    if status.is_locked() {
        return Err(AppError::Locked);
    }
    if req.base_version > current_version {
        return Err(AppError::BadRequest {
            code: "BAD_BASE_VERSION",
            message: "Phiên bản gốc không có trên máy chủ.".into(),
        });
    }
    let report_id = current.as_ref().map(|c| c.id);
    let (theirs, changed_by, changed_at) = match report_id {
        Some(id) => version(conn, id, current_version)
            .await?
            .unwrap_or_default(),
        None => Default::default(),
    };
    let (content, from_theirs) = if req.base_version == current_version {
        (req.content.clone(), Vec::new())
    } else {
        let base = match report_id {
            Some(id) => version(conn, id, req.base_version)
                .await?
                .map(|v| v.0)
                .unwrap_or_default(),
            None => Content::default(),
        };
        let outcome = merge(&base, &theirs, &req.content);
        if !outcome.is_clean() {
            return Err(AppError::Conflict(Box::new(PushConflict {
                code: "CONFLICT".into(),
                message: "Một thiết bị khác đã sửa cùng ô. Hãy chọn giá trị cần giữ.".into(),
                version: current_version,
                content: theirs,
                conflicts: outcome.conflicts,
                changed_by,
                changed_at,
            })));
        }
        (outcome.merged, outcome.from_theirs)
    };
    let unchanged = current_version > 0 && content == theirs;
    let new_version = if unchanged {
        current_version
    } else {
        current_version + 1
    };
    let (before, after) = if unchanged {
        (Counted::none(), Counted::none())
    } else {
        let before = match &current {
            Some(c) if c.version > 0 => Counted::of(target.form, c.status, c.late, &theirs)?,
            _ => Counted::none(),
        };
        let late = current.as_ref().is_some_and(|c| c.late);
        (before, Counted::of(target.form, status, late, &content)?)
    };
    let content_json =
        serde_json::to_string(&content).map_err(|e| AppError::Internal(e.to_string()))?;
    let answer = PushAccepted {
        version: new_version,
        content,
        from_theirs,
    };
    let answer_json =
        serde_json::to_string(&answer).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(PushDecision::Apply(Box::new(PushPlan {
        report_id,
        new_version: to_i64(new_version)?,
        unchanged,
        before,
        after,
        content_json,
        answer,
        answer_json,
    })))
}

/// Writes a decided push. A refusal (a total too large) comes before any write; a
/// storage failure (`Db`, `Internal`) can leave the transaction half-written: the
/// caller must roll it back.
async fn write_push(
    conn: &mut Conn,
    caller: &Caller,
    target: &Target,
    req: &PushRequest,
    plan: PushPlan,
) -> Result<(PushAccepted, Moved), AppError> {
    // The totals first: a total carried past the largest number is refused there,
    // before this push has written anything.
    let moved = if plan.unchanged {
        Vec::new()
    } else {
        totals::apply(
            conn,
            target.form,
            target.campaign_id,
            target.unit_id,
            &plan.before,
            &plan.after,
        )
        .await?
    };
    let now = now_ms();
    let report_id = match plan.report_id {
        Some(id) => {
            sqlx::query("UPDATE reports SET version = $1, updated_at = $2 WHERE id = $3")
                .bind(plan.new_version)
                .bind(now)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            id
        }
        None => {
            sqlx::query_scalar(
                "INSERT INTO reports (campaign_id, unit_id, version, status, updated_at)
                 VALUES ($1, $2, $3, 'draft', $4) RETURNING id",
            )
            .bind(target.campaign_id)
            .bind(target.unit_id)
            .bind(plan.new_version)
            .bind(now)
            .fetch_one(&mut *conn)
            .await?
        }
    };
    if !plan.unchanged {
        sqlx::query(
            "INSERT INTO report_versions (report_id, version, content, account_id, device_id, push_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(report_id)
        .bind(plan.new_version)
        .bind(&plan.content_json)
        .bind(caller.account_id)
        .bind(&req.device_id)
        .bind(&req.push_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("INSERT INTO pushes (push_id, report_id, account_id, answer, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&req.push_id)
        .bind(report_id)
        .bind(caller.account_id)
        .bind(&plan.answer_json)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok((plan.answer, moved))
}

/// The same unit's content in the most recent earlier campaign, for the "far above last
/// year" warning. Units are matched across campaigns by code.
async fn previous_year(conn: &mut Conn, target: &Target) -> Result<Option<Content>, AppError> {
    let row = sqlx::query(
        "SELECT v.content FROM campaigns c
         JOIN units u ON u.campaign_id = c.id AND u.code = $1
         JOIN reports r ON r.campaign_id = c.id AND r.unit_id = u.id
         JOIN report_versions v ON v.report_id = r.id AND v.version = r.version
         WHERE c.year < $2 ORDER BY c.year DESC LIMIT 1",
    )
    .bind(&target.unit_code)
    .bind(target.campaign_year)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        let json: String = r.try_get("content")?;
        parse_content(&json)
    })
    .transpose()
}

/// Submits the named version: validated by the shared rules (errors block, warnings must
/// be acknowledged), accepted after the deadline and marked late.
pub async fn submit(
    db: &Pool,
    caller: &Caller,
    target: &Target,
    req: SubmitRequest,
) -> Result<(ReportState, Moved), AppError> {
    check_id(&req.device_id, "thiết bị")?;
    let mut tx = crate::db::begin_write(db).await?;
    let Some(current) = stored(&mut tx, target).await? else {
        return Err(AppError::BadRequest {
            code: "EMPTY_REPORT",
            message: "Báo cáo chưa có số liệu nào để nộp.".into(),
        });
    };
    if current.status.is_locked() {
        return Err(AppError::Locked);
    }
    if req.version != current.version {
        return Err(AppError::StaleVersion);
    }
    let (content, _, _) = version(&mut tx, current.id, current.version)
        .await?
        .unwrap_or_default();
    let previous = previous_year(&mut tx, target).await?;
    let issues = validate(target.form, &content, previous.as_ref());
    let reports: Vec<IssueReport> = issues.iter().map(IssueReport::from).collect();
    if issues.iter().any(|i| i.severity() == Severity::Error) {
        return Err(AppError::Invalid(reports));
    }
    if !issues.is_empty() && !req.acknowledge_warnings {
        return Err(AppError::WarningsNotAcknowledged(reports));
    }
    let now = now_ms();
    let late = target
        .deadline
        .as_deref()
        .and_then(end_of_day_vietnam_ms)
        .is_some_and(|due| now > due);
    let before = Counted::of(target.form, current.status, current.late, &content)?;
    let after = Counted::of(target.form, ReportStatus::Submitted, late, &content)?;
    let moved = totals::apply(
        &mut tx,
        target.form,
        target.campaign_id,
        target.unit_id,
        &before,
        &after,
    )
    .await?;
    sqlx::query(
        "UPDATE reports SET status = $1, submitted_version = $2, late = $3, return_reason = NULL, updated_at = $4
         WHERE id = $5",
    )
    .bind(status_str(ReportStatus::Submitted))
    .bind(to_i64(current.version)?)
    .bind(i64::from(late))
    .bind(now)
    .bind(current.id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO report_events (report_id, kind, version, account_id, device_id, late, created_at)
         VALUES ($1, 'submit', $2, $3, $4, $5, $6)",
    )
    .bind(current.id)
    .bind(to_i64(current.version)?)
    .bind(caller.account_id)
    .bind(&req.device_id)
    .bind(i64::from(late))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((state(db, target).await?, moved))
}

/// Every version and event of a report, oldest first.
pub async fn history(db: &Pool, target: &Target) -> Result<History, AppError> {
    let versions = sqlx::query(
        "SELECT v.version, a.username, a.display_name, v.device_id, v.push_id, v.created_at
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
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    let events = sqlx::query(
        "SELECT e.kind, e.version, a.username, a.display_name, e.reason, e.late, e.created_at
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
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    Ok(History { versions, events })
}
