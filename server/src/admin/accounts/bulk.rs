//! Accounts for every unit of a level at once: the levels within reach, with how many
//! units lack an account, and the accounts created for them (username = the unit's code
//! in lowercase; supervisor when the unit has units below it, reporter otherwise).

use tuanle_shared::tree;
use tuanle_shared::wire::Role;
use tuanle_shared::wire::admin::{BulkAccounts, BulkCreated, Credentials, Level};

use super::{hashed, new_password};
use crate::admin::{Admin, audit};
use crate::auth::session::role_str;
use crate::campaigns::Campaign;
use crate::clock::now_ms;
use crate::db::{Pool, begin_write};
use crate::error::Error;
use crate::units::SUBTREE_CTE;

/// The levels of the tree within reach, with how many units still lack an account.
pub async fn levels(db: &Pool, admin: &Admin, campaign: &str) -> Result<Vec<Level>, Error> {
    let mut conn = db.acquire().await?;
    let campaign = Campaign::find(&mut conn, campaign).await?;
    let top = admin.top(&mut conn, campaign.id).await?.map(|u| u.id);
    let rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(&format!(
        "{SUBTREE_CTE}
         SELECT u.depth, u.kind, COUNT(*),
                SUM(CASE WHEN EXISTS (SELECT 1 FROM accounts a WHERE a.unit_code = u.code) THEN 0 ELSE 1 END)
         FROM reach JOIN units u ON u.id = reach.id
         WHERE u.active = 1
         GROUP BY u.depth, u.kind ORDER BY u.depth, COUNT(*) DESC"
    ))
    .bind(campaign.id)
    .bind(top)
    .fetch_all(&mut *conn)
    .await?;
    let deadlines: Vec<(i64, String)> =
        sqlx::query_as("SELECT depth, due_on FROM deadlines WHERE campaign_id = $1")
            .bind(campaign.id)
            .fetch_all(&mut *conn)
            .await?;
    let kinds = crate::kinds::load(&mut conn).await?;
    let mut levels: Vec<Level> = Vec::new();
    for (depth, kind, units, without) in rows {
        let depth = u32::try_from(depth).unwrap_or(0);
        if levels.last().map(|l| l.depth) != Some(depth) {
            levels.push(Level {
                depth,
                units: 0,
                without_account: 0,
                kinds: Vec::new(),
                due_on: deadlines
                    .iter()
                    .find(|(d, _)| *d == i64::from(depth))
                    .map(|(_, due)| due.clone()),
            });
        }
        if let Some(level) = levels.last_mut() {
            level.units += u64::try_from(units).unwrap_or(0);
            level.without_account += u64::try_from(without).unwrap_or(0);
            level.kinds.push(kinds.name_of(&kind).to_owned());
        }
    }
    Ok(levels)
}

/// An account for every active unit of one level (within reach, below `under`) that has
/// none: username = the unit's code in lowercase, supervisor when the unit has children,
/// reporter otherwise.
pub async fn bulk(
    db: &Pool,
    admin: &Admin,
    campaign: &str,
    request: &BulkAccounts,
) -> Result<BulkCreated, Error> {
    let mut conn = db.acquire().await?;
    let campaign = Campaign::find(&mut conn, campaign).await?;
    let top = match request
        .under
        .as_deref()
        .map(tree::normalize_code)
        .filter(|c| !c.is_empty())
    {
        Some(code) => Some(admin.reach_unit(&mut conn, campaign.id, &code).await?),
        None => admin.top(&mut conn, campaign.id).await?,
    };
    let rows: Vec<(String, String, i64, i64, Option<String>)> = sqlx::query_as(&format!(
        "{SUBTREE_CTE}
         SELECT u.code, u.name,
                CASE WHEN EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.id) THEN 1 ELSE 0 END AS has_children,
                CASE WHEN EXISTS (SELECT 1 FROM accounts a WHERE a.unit_code = u.code OR a.username = lower(u.code)) THEN 1 ELSE 0 END AS has_account,
                (SELECT p.name FROM units p WHERE p.id = u.parent_id) AS parent_name
         FROM reach JOIN units u ON u.id = reach.id
         WHERE u.active = 1 AND u.depth = $3
         ORDER BY u.code"
    ))
    .bind(campaign.id)
    .bind(top.as_ref().map(|u| u.id))
    .bind(i64::from(request.depth))
    .fetch_all(&mut *conn)
    .await?;
    drop(conn);
    let mut skipped = rows.iter().filter(|r| r.3 != 0).count() as u64;
    let todo: Vec<(String, String, bool, Option<String>)> = rows
        .into_iter()
        .filter(|r| r.3 == 0)
        .map(|(code, name, has_children, _, parent)| (code, name, has_children != 0, parent))
        .collect();
    let passwords = todo
        .iter()
        .map(|_| new_password())
        .collect::<Result<Vec<_>, _>>()?;
    let hashes = hashed(passwords).await?;
    let mut tx = begin_write(db).await?;
    let mut created = Vec::with_capacity(todo.len());
    for ((code, name, has_children, parent_name), (password, hash)) in todo.into_iter().zip(hashes)
    {
        let c = Credentials {
            username: code.to_lowercase(),
            password,
            display_name: name,
            role: if has_children {
                Role::Supervisor
            } else {
                Role::Reporter
            },
            unit_code: Some(code),
            parent_name,
        };
        // Read outside the lock: a username taken meanwhile is skipped, not an error.
        let inserted = sqlx::query(
            "INSERT INTO accounts (username, display_name, password_hash, role, unit_code, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username) DO NOTHING",
        )
        .bind(&c.username)
        .bind(&c.display_name)
        .bind(&hash)
        .bind(role_str(c.role))
        .bind(&c.unit_code)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            created.push(c);
        } else {
            skipped += 1;
        }
    }
    if !created.is_empty() {
        let levels = crate::units::level_names(&mut tx, campaign.id).await?;
        let summary = format!(
            "Tạo {} tài khoản cho tầng “{}”{} (bỏ qua {} đơn vị đã có tài khoản)",
            created.len(),
            crate::units::level_named(&levels, request.depth),
            top.as_ref()
                .map(|u| format!(" thuộc {}", u.code))
                .unwrap_or_default(),
            skipped
        );
        let scope = top.as_ref().map(|u| u.code.as_str());
        audit::record(
            &mut tx,
            admin,
            campaign.id,
            scope,
            "account.bulk_create",
            &summary,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(BulkCreated { created, skipped })
}
