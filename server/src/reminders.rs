//! Reminders to the units not yet in (issue 20): the missing list shows each unit's
//! contact person and phone (from the tree import), its deadline, and the latest
//! reminder a supervisor above marked as sent ("Đã nhắc"), so a ward's officers share
//! who has been called. The reminder itself is sent by the officer, from their phone:
//! the app gives its text ([`tuanle_shared::wire::reminder_text`]).

use sqlx::Row;
use tuanle_shared::wire::{MissingDetail, Reminded, Role, UnitContact, UnitRef};

use crate::auth::Caller;
use crate::clock::now_ms;
use crate::db::{Conn, Pool};
use crate::error::Error;
use crate::reports::{self, Target};

/// The details of each of `units` (a page of the missing list), in their order.
pub async fn details(
    conn: &mut Conn,
    campaign_id: i64,
    units: &[UnitRef],
) -> Result<Vec<MissingDetail>, Error> {
    let mut found = std::collections::HashMap::new();
    for chunk in units.chunks(200) {
        let placeholders: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
        // The deadline that applies, as the unit's own report reads it
        // ([`reports::applying`]): along the chain from the unit up, each link's deadline
        // is the one its parent set for its children, else its level's; the unit's own
        // link, capped by the earliest of its ancestors' (moved earlier, it caps the units
        // below).
        let sql = format!(
            "WITH RECURSIVE chain(unit_id, id, parent_id, depth) AS (
                 SELECT u.id, u.id, u.parent_id, u.depth FROM units u
                 WHERE u.campaign_id = $1 AND u.code IN ({codes})
                 UNION ALL
                 SELECT c.unit_id, p.id, p.parent_id, p.depth FROM units p JOIN chain c ON p.id = c.parent_id
             ),
             due(unit_id, own, above) AS (
                 SELECT c.unit_id,
                        MIN(CASE WHEN c.id = c.unit_id THEN COALESCE(g.children_due_on, d.due_on) END),
                        MIN(CASE WHEN c.id <> c.unit_id THEN COALESCE(g.children_due_on, d.due_on) END)
                 FROM chain c
                 LEFT JOIN units g ON g.id = c.parent_id
                 LEFT JOIN deadlines d ON d.campaign_id = $1 AND d.depth = c.depth
                 GROUP BY c.unit_id
             )
             SELECT u.code, u.contact_name, u.contact_phone, due.own, due.above,
                    m.reminded_at, a.display_name AS reminded_by
             FROM units u
             JOIN due ON due.unit_id = u.id
             LEFT JOIN reminders m ON m.unit_id = u.id
             LEFT JOIN accounts a ON a.id = m.account_id
             WHERE u.campaign_id = $1 AND u.code IN ({codes})",
            codes = placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(campaign_id);
        for u in chunk {
            query = query.bind(&u.code);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let reminded_at: Option<i64> = row.try_get("reminded_at")?;
            let by: Option<String> = row.try_get("reminded_by")?;
            found.insert(
                row.try_get::<String, _>("code")?,
                MissingDetail {
                    contact: UnitContact {
                        name: row.try_get("contact_name")?,
                        phone: row.try_get("contact_phone")?,
                    },
                    deadline: reports::applying(row.try_get("own")?, None, row.try_get("above")?),
                    reminded: reminded_at.map(|at| Reminded {
                        by: by.unwrap_or_default(),
                        at,
                    }),
                },
            );
        }
    }
    Ok(units
        .iter()
        .map(|u| found.remove(&u.code).unwrap_or_default())
        .collect())
}

/// A supervisor of a unit above marks a reminder to this unit as sent, now. The unit's
/// own staff and observers do not.
pub async fn mark(db: &Pool, caller: &Caller, target: &Target) -> Result<Reminded, Error> {
    let own = caller.me.unit_code.as_deref() == Some(target.unit_code.as_str());
    if caller.role() != Role::Supervisor || own {
        return Err(Error::Forbidden);
    }
    reports::authorize_read(db, caller, target).await?;
    let at = now_ms();
    let mut tx = crate::db::begin_write(db).await?;
    sqlx::query(
        "INSERT INTO reminders (unit_id, account_id, reminded_at) VALUES ($1, $2, $3)
         ON CONFLICT (unit_id) DO UPDATE SET account_id = excluded.account_id, reminded_at = excluded.reminded_at",
    )
    .bind(target.unit_id)
    .bind(caller.account_id)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Reminded {
        by: caller.me.display_name.clone(),
        at,
    })
}
