//! Sign-off packages ("chốt số liệu"): a consolidating unit's report as its level sends it
//! up, and its parent's review of it (`docs/domain.md`).
//!
//! A sign-off stores a snapshot: the unit's official figures ([`crate::totals`]), its own
//! report when submitted, the children it counted (a leaf's approved report at its
//! version, a consolidating child's accepted package by its number) and the required
//! children it could not count. The parent's supervisor accepts it, which makes its
//! figures the parent's official ones for that child, or returns it with a reason.
//! Whatever moves a unit's official figures afterwards marks its packages stale.

use std::collections::HashMap;

use sqlx::Row;
use tuanle_shared::Sums;
use tuanle_shared::wire::{
    OwnReport, Package, PackageBrief, PackageContents, PackagePart, PackageStatus, PartSource,
    RefusalCode, ReportStatus, Role, SignedCopy, UnitRef,
};

use crate::auth::Caller;
use crate::clock::now_ms;
use crate::db::{Conn, DbRow, Pool};
use crate::error::Error;
use crate::reports::{self, Moved, Target};
use crate::{totals, units};

/// What a parent's supervisor decides about a child's package.
pub enum PackageReview {
    Accept,
    /// Back to the child's level, with the reason it will read.
    Return {
        reason: String,
    },
}

/// The columns [`brief_of`] reads, of `packages p` joined with the signer `a`.
const BRIEF_COLUMNS: &str = "p.id, p.unit_id, p.seq, p.status, p.stale, p.signed_at, a.display_name AS signed_by,
     (SELECT MAX(q.seq) FROM packages q WHERE q.unit_id = p.unit_id AND q.status = 'accepted') AS counted_seq";

fn seq_of(v: i64) -> Result<u32, Error> {
    u32::try_from(v).map_err(|_| Error::Internal(format!("package number {v}")))
}

fn brief_of(row: &DbRow) -> Result<PackageBrief, Error> {
    let status: String = row.try_get("status")?;
    Ok(PackageBrief {
        seq: seq_of(row.try_get("seq")?)?,
        status: PackageStatus::from_name(&status)
            .ok_or_else(|| Error::Internal(format!("unknown package status {status:?}")))?,
        stale: crate::db::flag(row, "stale")?,
        signed_by: row.try_get("signed_by")?,
        signed_at: row.try_get("signed_at")?,
        counted_seq: row
            .try_get::<Option<i64>, _>("counted_seq")?
            .map(seq_of)
            .transpose()?,
    })
}

/// The latest package of each direct child of `parent_id` that ever signed off.
pub async fn latest_of_children(
    conn: &mut Conn,
    parent_id: i64,
    only: Option<&[i64]>,
) -> Result<HashMap<i64, PackageBrief>, Error> {
    let among = match only {
        Some([]) => return Ok(HashMap::new()),
        Some(ids) => format!("AND p.unit_id IN ({})", crate::db::id_list(ids)),
        None => String::new(),
    };
    let rows = sqlx::query(&format!(
        "SELECT {BRIEF_COLUMNS} FROM packages p JOIN accounts a ON a.id = p.signed_by
         WHERE p.unit_id IN (SELECT id FROM units WHERE parent_id = $1) {among}
           AND p.seq = (SELECT MAX(q.seq) FROM packages q WHERE q.unit_id = p.unit_id)"
    ))
    // A statement text per list of ids: not kept in the connection's cache.
    .persistent(only.is_none())
    .bind(parent_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("unit_id")?, brief_of(row)?)))
        .collect()
}

/// The unit's packages, newest first.
pub async fn list(conn: &mut Conn, unit_id: i64) -> Result<Vec<PackageBrief>, Error> {
    let rows = sqlx::query(&format!(
        "SELECT {BRIEF_COLUMNS} FROM packages p JOIN accounts a ON a.id = p.signed_by
         WHERE p.unit_id = $1 ORDER BY p.seq DESC"
    ))
    .bind(unit_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(brief_of).collect()
}

/// The unit's latest package, if it ever signed off.
pub async fn latest(conn: &mut Conn, unit_id: i64) -> Result<Option<PackageBrief>, Error> {
    Ok(list(conn, unit_id).await?.into_iter().next())
}

/// The unit's latest package as it was signed off: its state, its figures and what it
/// held (the documents of a level are built from it).
pub async fn latest_snapshot(
    conn: &mut Conn,
    form: &tuanle_shared::FormDef,
    unit_id: i64,
) -> Result<Option<(PackageBrief, Sums, PackageContents)>, Error> {
    let row = sqlx::query(&format!(
        "SELECT {BRIEF_COLUMNS}, p.figures, p.contents
         FROM packages p JOIN accounts a ON a.id = p.signed_by
         WHERE p.unit_id = $1 ORDER BY p.seq DESC LIMIT 1"
    ))
    .bind(unit_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let figures = totals::parse_slots(form, &row.try_get::<String, _>("figures")?)?;
    let contents: PackageContents = serde_json::from_str(row.try_get("contents")?)
        .map_err(|e| Error::Internal(format!("stored package contents: {e}")))?;
    Ok(Some((brief_of(&row)?, figures, contents)))
}

/// One package of the unit as it was sent, and whether the caller may review it now.
pub async fn get(db: &Pool, caller: &Caller, target: &Target, seq: u32) -> Result<Package, Error> {
    let mut conn = db.acquire().await?;
    let row = sqlx::query(&format!(
        "SELECT {BRIEF_COLUMNS}, p.figures, p.contents, p.reviewed_at, p.return_reason,
                r.display_name AS reviewed_by, u.code, u.name, u.kind
         FROM packages p JOIN accounts a ON a.id = p.signed_by
         JOIN units u ON u.id = p.unit_id
         LEFT JOIN accounts r ON r.id = p.reviewed_by
         WHERE p.unit_id = $1 AND p.seq = $2"
    ))
    .bind(target.unit_id)
    .bind(i64::from(seq))
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::NotFound {
        what: "gói số liệu này",
    })?;
    let brief = brief_of(&row)?;
    let figures = totals::parse_slots(target.layout, &row.try_get::<String, _>("figures")?)?;
    let contents: PackageContents = serde_json::from_str(row.try_get("contents")?)
        .map_err(|e| Error::Internal(format!("stored package contents: {e}")))?;
    let latest = latest(&mut conn, target.unit_id).await?;
    drop(conn);
    let review_refusal =
        if latest.is_some_and(|l| l.seq == seq) && brief.status == PackageStatus::Sent {
            reports::review_refusal(db, caller, target).await?
        } else {
            Some(RefusalCode::PackageNotSent)
        };
    let signed_copy = signed_copy_of(db, target.unit_id, seq).await?;
    Ok(Package {
        signed_copy,
        campaign: target.campaign_code.clone(),
        unit: UnitRef {
            code: row.try_get("code")?,
            name: row.try_get("name")?,
            kind: row.try_get("kind")?,
        },
        form_version: target.layout.version().to_owned(),
        brief,
        reviewed_by: row.try_get("reviewed_by")?,
        reviewed_at: row.try_get("reviewed_at")?,
        return_reason: row.try_get("return_reason")?,
        figures: figures.as_slice().to_vec(),
        contents,
        review_refusal,
    })
}

/// The unit's supervisor signs off: a new package, sent to the parent, of what the unit
/// has accepted now. A package still waiting is replaced by it.
pub async fn sign_off(
    db: &Pool,
    caller: &Caller,
    target: &Target,
) -> Result<(Package, Moved), Error> {
    reports::authorize_write(caller, target)?;
    if caller.role() != Role::Supervisor {
        return Err(Error::Forbidden);
    }
    let (mut tx, target) = target.begin_write(db).await?;
    let target = &*target;
    let contents = snapshot(&mut tx, target).await?;
    let figures = totals::load(&mut tx, target.layout, target.unit_id)
        .await?
        .official_figures;
    sqlx::query("UPDATE packages SET status = 'superseded' WHERE unit_id = $1 AND status = 'sent'")
        .bind(target.unit_id)
        .execute(&mut *tx)
        .await?;
    let seq: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM packages WHERE unit_id = $1",
    )
    .bind(target.unit_id)
    .fetch_one(&mut *tx)
    .await?;
    let contents_json =
        serde_json::to_string(&contents).map_err(|e| Error::Internal(e.to_string()))?;
    sqlx::query(
        "INSERT INTO packages (campaign_id, unit_id, seq, status, stale, figures, contents, signed_by, signed_at)
         VALUES ($1, $2, $3, 'sent', 0, $4, $5, $6, $7)",
    )
    .bind(target.campaign_id)
    .bind(target.unit_id)
    .bind(seq)
    .bind(totals::slots_json(&figures)?)
    .bind(contents_json)
    .bind(caller.account_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    let moved = units::up_from(&mut tx, target.unit_id).await?;
    tx.commit().await?;
    Ok((get(db, caller, target, seq_of(seq)?).await?, moved))
}

/// What the unit counts now: its own report when submitted, and each active child's
/// accepted report or package; the required children with neither are missing.
async fn snapshot(conn: &mut Conn, target: &Target) -> Result<PackageContents, Error> {
    let children = sqlx::query(
&format!(
        "SELECT u.id, u.code, u.name, u.kind, u.asked, r.status, r.version,
                {consolidates} AS consolidates,
                (SELECT MAX(q.seq) FROM packages q WHERE q.unit_id = u.id AND q.status = 'accepted') AS accepted_seq
         FROM units u LEFT JOIN reports r ON r.unit_id = u.id AND r.campaign_id = u.campaign_id
         WHERE u.parent_id = $1 AND u.active = 1 ORDER BY u.code",
        consolidates = totals::consolidates("u.id")
    ),
    )
    .bind(target.unit_id)
    .fetch_all(&mut *conn)
    .await?;
    if children.is_empty() {
        return Err(Error::refused(RefusalCode::NoChildren));
    }
    let mut contents = PackageContents::default();
    for row in &children {
        let unit = UnitRef {
            code: row.try_get("code")?,
            name: row.try_get("name")?,
            kind: row.try_get("kind")?,
        };
        let status: Option<String> = row.try_get("status")?;
        let approved = status.as_deref() == Some(ReportStatus::Approved.as_str());
        let source = if crate::db::flag(row, "consolidates")? {
            row.try_get::<Option<i64>, _>("accepted_seq")?
                .map(|seq| Ok::<_, Error>(PartSource::Package { seq: seq_of(seq)? }))
                .transpose()?
        } else if approved {
            let version: i64 = row.try_get("version")?;
            Some(PartSource::Report {
                version: u64::try_from(version).unwrap_or(0),
            })
        } else {
            None
        };
        match source {
            Some(source) => contents.parts.push(PackagePart { unit, source }),
            None if !crate::db::flag(row, "asked")? => contents.missing.push(unit),
            None => {}
        }
    }
    let own = sqlx::query(
        "SELECT r.version, r.status, v.content FROM reports r
         JOIN report_versions v ON v.report_id = r.id AND v.version = r.version
         WHERE r.campaign_id = $1 AND r.unit_id = $2",
    )
    .bind(target.campaign_id)
    .bind(target.unit_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = own {
        let status = crate::reports::storage::parse_status(row.try_get("status")?)?;
        if matches!(status, ReportStatus::Submitted | ReportStatus::Approved) {
            contents.own = Some(OwnReport {
                version: u64::try_from(row.try_get::<i64, _>("version")?).unwrap_or(0),
                status,
                content: crate::reports::storage::parse_content(row.try_get("content")?)?,
            });
        }
    }
    Ok(contents)
}

/// A supervisor of the unit's direct parent accepts or returns the unit's latest package,
/// while it waits. Accepting makes its figures the parent's official ones for the unit.
pub async fn review(
    db: &Pool,
    caller: &Caller,
    target: &Target,
    seq: u32,
    review: PackageReview,
) -> Result<(Package, Moved), Error> {
    reports::authorize_review(db, caller, target).await?;
    let reason = match &review {
        PackageReview::Return { reason } => Some(reports::checked_reason(reason)?),
        PackageReview::Accept => None,
    };
    let (mut tx, target) = target.begin_write(db).await?;
    let target = &*target;
    let latest = latest(&mut tx, target.unit_id).await?;
    if !latest.is_some_and(|l| l.seq == seq && l.status == PackageStatus::Sent) {
        return Err(Error::refused(RefusalCode::PackageNotSent));
    }
    let now = now_ms();
    let moved = units::up_from(&mut tx, target.unit_id).await?;
    if matches!(review, PackageReview::Accept) {
        let accepted = totals::accepted_packages_of(&mut tx, target.layout, target.unit_id).await?;
        let figures: String =
            sqlx::query_scalar("SELECT figures FROM packages WHERE unit_id = $1 AND seq = $2")
                .bind(target.unit_id)
                .bind(i64::from(seq))
                .fetch_one(&mut *tx)
                .await?;
        let figures: Sums = totals::parse_slots(target.layout, &figures)?;
        let Some(&parent_id) = moved.get(1) else {
            return Err(Error::Internal(format!(
                "unit {} has no parent",
                target.unit_id
            )));
        };
        // Its last unit below closed since it signed off: its report counts instead.
        let consolidates: i64 =
            sqlx::query_scalar(&format!("SELECT {}", totals::consolidates("$1")))
                .bind(target.unit_id)
                .fetch_one(&mut *tx)
                .await?;
        if consolidates == 0 {
            return Err(Error::refused(RefusalCode::NoChildren));
        }
        totals::package_accepted(
            &mut tx,
            target.layout,
            target.campaign_id,
            parent_id,
            accepted.as_ref(),
            &figures,
        )
        .await?;
    }
    let status = match review {
        PackageReview::Accept => PackageStatus::Accepted,
        PackageReview::Return { .. } => PackageStatus::Returned,
    };
    sqlx::query(
        "UPDATE packages SET status = $1, reviewed_by = $2, reviewed_at = $3, return_reason = $4
         WHERE unit_id = $5 AND seq = $6",
    )
    .bind(status.as_str())
    .bind(caller.account_id)
    .bind(now)
    .bind(&reason)
    .bind(target.unit_id)
    .bind(i64::from(seq))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((get(db, caller, target, seq).await?, moved))
}

/// What is known of package `seq`'s signed copy, if one was uploaded.
async fn signed_copy_of(db: &Pool, unit_id: i64, seq: u32) -> Result<Option<SignedCopy>, Error> {
    let row: Option<(String, String, i64, String, i64)> = sqlx::query_as(
        "SELECT file_name, media_type, size, uploaded_by, uploaded_at FROM signed_copies
         WHERE unit_id = $1 AND seq = $2",
    )
    .bind(unit_id)
    .bind(i64::from(seq))
    .fetch_optional(db)
    .await?;
    Ok(row.map(
        |(file_name, media_type, size, uploaded_by, uploaded_at)| SignedCopy {
            file_name,
            media_type,
            size: u64::try_from(size).unwrap_or(0),
            uploaded_by,
            uploaded_at,
        },
    ))
}

/// Attaches the signed copy of package `seq` (replacing one uploaded before): the
/// file's bytes, already checked to be a PDF or an image of at most
/// [`tuanle_shared::wire::SIGNED_COPY_MAX`] bytes (`media_type` read from them).
pub async fn attach_signed_copy(
    db: &Pool,
    caller: &Caller,
    target: &Target,
    seq: u32,
    file_name: &str,
    media_type: &str,
    bytes: &[u8],
) -> Result<SignedCopy, Error> {
    let mut tx = crate::db::begin_write(db).await?;
    let status: Option<(String,)> =
        sqlx::query_as("SELECT status FROM packages WHERE unit_id = $1 AND seq = $2")
            .bind(target.unit_id)
            .bind(i64::from(seq))
            .fetch_optional(&mut *tx)
            .await?;
    match status.as_ref().map(|(s,)| s.as_str()) {
        None => {
            return Err(Error::NotFound {
                what: "gói số liệu này",
            });
        }
        // What the parent accepted, or what a newer sign-off replaced, stays as it was.
        Some("accepted" | "superseded") => {
            return Err(Error::bad(
                RefusalCode::PackageNotSent,
                "Gói số liệu này đã được chấp nhận hoặc đã có gói mới: không thay bản có chữ ký được nữa. Muốn sửa, hãy chốt lại.",
            ));
        }
        Some(_) => {}
    }
    let at = now_ms();
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT INTO signed_copies (unit_id, seq, file_name, media_type, size, bytes, uploaded_by, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (unit_id, seq) DO UPDATE SET file_name = excluded.file_name,
             media_type = excluded.media_type, size = excluded.size, bytes = excluded.bytes,
             uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at",
    )
    .bind(target.unit_id)
    .bind(i64::from(seq))
    .bind(file_name)
    .bind(media_type)
    .bind(size)
    .bind(bytes.to_vec())
    .bind(&caller.me.display_name)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(SignedCopy {
        file_name: file_name.to_owned(),
        media_type: media_type.to_owned(),
        size: bytes.len() as u64,
        uploaded_by: caller.me.display_name.clone(),
        uploaded_at: at,
    })
}

/// The signed copy of package `seq`: what is known of it, and its bytes.
pub async fn signed_copy(
    db: &Pool,
    unit_id: i64,
    seq: u32,
) -> Result<(SignedCopy, Vec<u8>), Error> {
    let brief = signed_copy_of(db, unit_id, seq)
        .await?
        .ok_or(Error::NotFound {
            what: "bản có chữ ký của gói số liệu này",
        })?;
    let (bytes,): (Vec<u8>,) =
        sqlx::query_as("SELECT bytes FROM signed_copies WHERE unit_id = $1 AND seq = $2")
            .bind(unit_id)
            .bind(i64::from(seq))
            .fetch_one(db)
            .await?;
    Ok((brief, bytes))
}
