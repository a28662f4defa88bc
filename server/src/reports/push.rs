//! A push of the sync contract (`docs/sync.md`): exactly once per `push_id`, merged per
//! cell when made from an older version, refused with both sides when two devices
//! changed one cell differently.
//!
//! A push is decided ([`decide_push`]) from what is stored before anything is written,
//! then written ([`write_push`]): a refusal leaves the transaction as it was, so group
//! commit ([`crate::group_commit`]) can write many pushes in one.

use std::borrow::Cow;

use sqlx::Row;
use tuanle_shared::form::FormDef;
use tuanle_shared::wire::{PushAccepted, PushConflict, PushRequest, RefusalCode, ReportStatus};
use tuanle_shared::{Content, Figures, merge};

use super::storage::{Stored, parse_content, to_i64, version};
use super::{Moved, Target};
use crate::auth::Caller;
use crate::clock::now_ms;
use crate::db::{Conn, Pool};
use crate::error::Error;
use crate::totals::{self, Counted};

/// Longest push or device id accepted.
const MAX_ID_LEN: usize = 64;

/// Refuses an id that is empty, too long or not `[A-Za-z0-9-]`.
pub(super) fn check_id(id: &str, what: &'static str) -> Result<(), Error> {
    if id.is_empty()
        || id.len() > MAX_ID_LEN
        || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(Error::Refused {
            code: RefusalCode::BadId,
            message: format!("Mã {what} không hợp lệ."),
        });
    }
    Ok(())
}

/// The checks of a push that need nothing stored: done before it waits for its turn.
pub fn check_push(target: &Target, req: &PushRequest) -> Result<(), Error> {
    check_id(&req.push_id, "lần gửi")?;
    check_id(&req.device_id, "thiết bị")?;
    checked_by(target.form, req)
}

/// Refuses a push whose content does not fit `form` (a code it lacks, a text in a number
/// cell…), with the reason.
fn checked_by(form: &FormDef, req: &PushRequest) -> Result<(), Error> {
    Figures::from_content(form, &req.content)
        .map(drop)
        .map_err(|e| Error::Refused {
            code: e.code(),
            message: e.to_string(),
        })
}

/// The target a push of a report not yet started is written to: the one given, unless
/// its content was typed on another version ([`PushRequest::form_version`]) whose cells
/// the unit's form now lacks, and that version is a national one of the campaign's reports' (a draft
/// typed offline before the campaign's form was replaced): then the report is started on
/// the version it was typed on, as the drafts already on the server were.
pub async fn typed_on(db: &Pool, target: Target, req: &PushRequest) -> Result<Target, Error> {
    let Some(version) = req.form_version.as_deref() else {
        return Ok(target);
    };
    if target.started
        || version == target.form.version()
        || Figures::from_content(target.form, &req.content).is_ok()
    {
        return Ok(target);
    }
    let mut conn = db.acquire().await?;
    let used: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM reports WHERE campaign_id = $1 AND form_version = $2 LIMIT 1",
    )
    .bind(target.campaign_id)
    .bind(version)
    .fetch_optional(&mut *conn)
    .await?;
    if used.is_none() {
        return Ok(target);
    }
    match crate::forms::lookup(&mut conn, version).await? {
        // Not another province's form: its own rows mean nothing here.
        Some(known)
            if known.form.extends().is_none()
                && Figures::from_content(known.form, &req.content).is_ok() =>
        {
            Ok(Target {
                form: known.form,
                ..target
            })
        }
        _ => Ok(target),
    }
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
) -> Result<(PushAccepted, Moved), Error> {
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
) -> Result<(PushAccepted, Moved), Error> {
    let reads = read(conn, target, &req.push_id).await?;
    // The form `check_push` checked the content by, before the write lock.
    let checked = target.form.version();
    let target = target.laid_out(conn, &reads.layout).await?;
    let target = as_started(conn, target, reads.report_form.as_deref()).await?;
    let target = &*target;
    match decide_push(conn, target, req, checked, reads).await? {
        PushDecision::Answered(answer) => Ok((answer, Vec::new())),
        PushDecision::Apply(plan) => write_push(conn, caller, target, req, *plan).await,
    }
}

/// The target with the report's own form as the write transaction reads it
/// (`report_form`, none when the report is not started). A push resolved before the
/// write lock may have found the report not started; another push may have started it
/// meanwhile, on another form (the one its draft was typed on, [`typed_on`], or the
/// unit's before or after a replacement). The report keeps the form it was started on.
async fn as_started<'t>(
    conn: &mut Conn,
    target: Cow<'t, Target>,
    report_form: Option<&str>,
) -> Result<Cow<'t, Target>, Error> {
    let Some(own) = report_form.filter(|own| *own != target.form.version()) else {
        return Ok(target);
    };
    let form = crate::forms::required(conn, own).await?;
    Ok(Cow::Owned(Target {
        form,
        started: true,
        ..target.into_owned()
    }))
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

/// What a push reads before it decides, all in one query: inside the write lock every
/// round trip is paid by every push waiting behind it.
struct Reads {
    /// The form version the unit's totals are laid out by now ([`Target::current`]).
    layout: String,
    /// The form version the report was started on; none when it is not started.
    report_form: Option<String>,
    /// This push applied before: the report it went to and the answer it got.
    answered: Option<(i64, String)>,
    /// The report's row, when it has one.
    current: Option<Stored>,
    /// Its current version's content as stored (JSON, parsed only when the push gets
    /// that far: not for a retry or a locked report), who made it and when.
    theirs: Option<(String, String, i64)>,
}

/// Reads what [`decide_push`] needs: the unit's layout, the push's stored answer, the
/// report's row and its current content.
async fn read(conn: &mut Conn, target: &Target, push_id: &str) -> Result<Reads, Error> {
    let row = sqlx::query(
        "SELECT COALESCE(pf.form_version, c.form_version) AS layout, r.form_version AS report_form,
                p.report_id AS answered_report, p.answer,
                r.id, r.version, r.status, r.late, r.return_reason, r.flagged, r.follow_up,
                v.content, a.display_name, v.created_at
         FROM campaigns c
         LEFT JOIN province_forms pf ON pf.campaign_id = c.id AND pf.unit_id = $3
         LEFT JOIN reports r ON r.campaign_id = c.id AND r.unit_id = $2
         LEFT JOIN report_versions v ON v.report_id = r.id AND v.version = r.version
         LEFT JOIN accounts a ON a.id = v.account_id
         LEFT JOIN pushes p ON p.push_id = $4
         WHERE c.id = $1",
    )
    .bind(target.campaign_id)
    .bind(target.unit_id)
    .bind(target.province())
    .bind(push_id)
    .fetch_one(&mut *conn)
    .await?;
    let answered = match row.try_get::<Option<i64>, _>("answered_report")? {
        Some(report) => Some((report, row.try_get("answer")?)),
        None => None,
    };
    let current = match row.try_get::<Option<i64>, _>("id")? {
        Some(id) => Some(Stored::of_row(id, &row)?),
        None => None,
    };
    let theirs = match row.try_get::<Option<String>, _>("content")? {
        Some(json) => Some((
            json,
            row.try_get::<Option<String>, _>("display_name")?
                .unwrap_or_default(),
            row.try_get::<Option<i64>, _>("created_at")?.unwrap_or(0),
        )),
        None => None,
    };
    Ok(Reads {
        layout: row.try_get("layout")?,
        report_form: row.try_get("report_form")?,
        answered,
        current,
        theirs,
    })
}

/// Decides a push from what it read (the reads of the write transaction: run with the
/// write lock held, so what it read is still true when it writes). `checked`: the form
/// version the content was checked by before the lock ([`check_push`]).
async fn decide_push(
    conn: &mut Conn,
    target: &Target,
    req: &PushRequest,
    checked: &str,
    reads: Reads,
) -> Result<PushDecision, Error> {
    let Reads {
        answered,
        current,
        theirs,
        ..
    } = reads;
    if let Some((report_id, answer)) = answered {
        if current.as_ref().map(|c| c.id) != Some(report_id) {
            return Err(Error::Refused {
                code: RefusalCode::PushIdReused,
                message: "Mã lần gửi đã dùng cho báo cáo khác.".into(),
            });
        }
        let answer: PushAccepted = serde_json::from_str(&answer)
            .map_err(|e| Error::Internal(format!("stored answer unreadable: {e}")))?;
        return Ok(PushDecision::Answered(answer));
    }
    // The report's form as this transaction reads it may not be the one the push was
    // checked by: started meanwhile by another push on its own ([`as_started`]), or, not
    // started, the unit's form replaced meanwhile ([`Target::laid_out`]). Checked again
    // by it, as if sent a moment later: a cell it lacks is refused, nothing written.
    if target.form.version() != checked {
        checked_by(target.form, req)?;
    }
    let (current_version, status) = current
        .as_ref()
        .map_or((0, ReportStatus::Draft), |c| (c.version, c.status));
    if status.is_locked() {
        return Err(Error::Locked);
    }
    if req.base_version > current_version {
        return Err(Error::Refused {
            code: RefusalCode::BadBaseVersion,
            message: "Phiên bản gốc không có trên máy chủ.".into(),
        });
    }
    let report_id = current.as_ref().map(|c| c.id);
    let (theirs, changed_by, changed_at) = match theirs {
        Some((json, by, at)) => (parse_content(&json)?, by, at),
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
            return Err(Error::Conflict(Box::new(PushConflict {
                code: RefusalCode::Conflict,
                message: RefusalCode::Conflict.message().into(),
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
            Some(c) if c.version > 0 => Counted::of(
                target.layout,
                target.form,
                target.kind.as_ref(),
                c.status,
                c.late,
                &theirs,
                c.marks,
            ),
            _ => Counted::none(),
        };
        let late = current.as_ref().is_some_and(|c| c.late);
        // A push keeps the report's marks: only a submission or a supervisor moves them.
        let marks = current.as_ref().map(|c| c.marks).unwrap_or_default();
        (
            before,
            Counted::of(
                target.layout,
                target.form,
                target.kind.as_ref(),
                status,
                late,
                &content,
                marks,
            ),
        )
    };
    let content_json =
        serde_json::to_string(&content).map_err(|e| Error::Internal(e.to_string()))?;
    let answer = PushAccepted {
        version: new_version,
        content,
        from_theirs,
    };
    let answer_json = serde_json::to_string(&answer).map_err(|e| Error::Internal(e.to_string()))?;
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
) -> Result<(PushAccepted, Moved), Error> {
    // The totals first: a total carried past the largest number is refused there,
    // before this push has written anything.
    let moved = if plan.unchanged {
        Vec::new()
    } else {
        totals::apply(
            conn,
            target.layout,
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
        None => sqlx::query_scalar(
            "INSERT INTO reports (campaign_id, unit_id, version, status, updated_at, form_version)
                 VALUES ($1, $2, $3, 'draft', $4, $5) RETURNING id",
        )
        .bind(target.campaign_id)
        .bind(target.unit_id)
        .bind(plan.new_version)
        .bind(now)
        .bind(target.form.version())
        .fetch_one(&mut *conn)
        .await?,
    };
    if !plan.unchanged {
        sqlx::query(
            "INSERT INTO report_versions (report_id, version, content, account_id, device_id, push_id, created_at, on_behalf)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(report_id)
        .bind(plan.new_version)
        .bind(&plan.content_json)
        .bind(caller.account_id)
        .bind(&req.device_id)
        .bind(&req.push_id)
        .bind(now)
        .bind(i64::from(super::access::on_behalf(caller, target)))
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
