//! Deadlines set level by level: the campaign gives each level of the tree a deadline,
//! and each unit's supervisor may set an earlier one for its direct children (the ward
//! gives its schools 16/10 to have time to consolidate before its own 20/10). Lateness is
//! judged at submission against the deadline that applies ([`crate::reports::Target`]).

use tuanle_shared::wire::{
    ChildrenDeadline, Deadlines, RefusalCode, Role, format_date, parse_iso_date,
};

use crate::auth::Caller;
use crate::db::{Conn, Pool, begin_write};
use crate::error::Error;
use crate::reports::{Target, authorize_write};

/// The deadlines at the target's unit.
pub async fn at(conn: &mut Conn, target: &Target) -> Result<Deadlines, Error> {
    let (by_campaign, set): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT (SELECT d.due_on FROM deadlines d WHERE d.campaign_id = u.campaign_id AND d.depth = u.depth + 1),
                u.children_due_on
         FROM units u WHERE u.id = $1",
    )
    .bind(target.unit_id)
    .fetch_one(&mut *conn)
    .await?;
    // As they apply: never after the unit's own, which may have moved earlier since.
    let capped = |due: String| match target.deadline.clone() {
        Some(own) => due.min(own),
        None => due,
    };
    Ok(Deadlines {
        own: target.deadline.clone(),
        children_by_campaign: by_campaign.map(capped),
        children_set: set.map(capped),
    })
}

/// Sets (or, with `None`, clears) the deadline of the unit's direct children: only the
/// unit's own supervisor, while the campaign is open, and no later than the unit's own
/// deadline (its children report to it before it reports up).
pub async fn set_for_children(
    db: &Pool,
    caller: &Caller,
    target: &Target,
    change: ChildrenDeadline,
) -> Result<Deadlines, Error> {
    authorize_write(caller, target)?;
    if caller.role() != Role::Supervisor {
        return Err(Error::Forbidden);
    }
    if let Some(due_on) = &change.due_on {
        let Some(date) = parse_iso_date(due_on) else {
            return Err(Error::bad(
                RefusalCode::BadDate,
                "Hạn nộp phải là một ngày có thật (năm-tháng-ngày).",
            ));
        };
        if let Some(own) = target.deadline.as_deref()
            && parse_iso_date(own).is_some_and(|own| date > own)
        {
            return Err(Error::bad(
                RefusalCode::BadDeadlines,
                format!(
                    "Hạn nộp của các đơn vị trực thuộc không được sau hạn nộp của chính đơn vị ({}).",
                    format_date(own)
                ),
            ));
        }
    }
    let mut tx = begin_write(db).await?;
    sqlx::query("UPDATE units SET children_due_on = $1 WHERE id = $2")
        .bind(&change.due_on)
        .bind(target.unit_id)
        .execute(&mut *tx)
        .await?;
    let deadlines = at(&mut tx, target).await?;
    tx.commit().await?;
    Ok(deadlines)
}
