//! Passwords reset close to the user: a supervisor lists the accounts of any unit below
//! their own and gives one a new first password, so a password forgotten in the deadline
//! rush no longer waits on the province's administrator. Only reporters' and
//! supervisors' accounts: an administrator's or an observer's (made by administrators,
//! for the People's Committees) is never theirs to touch, nor are their own unit's. Audited as an administrator's reset is.

use sqlx::Row;
use tuanle_shared::wire::Role;
use tuanle_shared::wire::admin::{AccountInfo, Credentials};

use super::{end_sessions, hashed, new_password};
use crate::admin::audit;
use crate::auth::Caller;
use crate::auth::session::parse_role;
use crate::campaigns::Campaign;
use crate::db::{Conn, Pool, begin_write};
use crate::error::Error;
use crate::units::{self, UnitRow};

/// The campaign and the unit `code` in it, when the caller supervises a unit strictly
/// above it in **every** campaign that has that unit: accounts are matched to units by
/// code in each campaign's tree, and trees change from year to year, so a unit that was
/// below someone in an old campaign's tree (a district gone in 2025's reform) must not
/// hand them its accounts today. `FORBIDDEN` otherwise (an unknown unit included, which
/// says nothing of the trees of others).
async fn reach(
    conn: &mut Conn,
    caller: &Caller,
    campaign: &str,
    code: &str,
) -> Result<(Campaign, UnitRow), Error> {
    let Some(own) = (caller.me.unit_code.as_deref()).filter(|_| caller.role() == Role::Supervisor)
    else {
        return Err(Error::Forbidden);
    };
    let campaign = Campaign::find(conn, campaign).await?;
    let unit = units::unit(conn, campaign.id, code)
        .await?
        .ok_or(Error::Forbidden)?;
    if units::reaches_everywhere(&mut *conn, own, code, true).await? {
        Ok((campaign, unit))
    } else {
        Err(Error::Forbidden)
    }
}

/// The reporter and supervisor accounts of a unit below the caller's.
pub async fn below(
    db: &Pool,
    caller: &Caller,
    campaign: &str,
    unit: &str,
) -> Result<Vec<AccountInfo>, Error> {
    let mut conn = db.acquire().await?;
    let (_, unit) = reach(&mut conn, caller, campaign, unit).await?;
    let rows = sqlx::query(
        "SELECT username, display_name, role, disabled FROM accounts
         WHERE unit_code = $1 AND role IN ('reporter', 'supervisor') ORDER BY username",
    )
    .bind(&unit.code)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(AccountInfo {
                username: r.try_get("username")?,
                display_name: r.try_get("display_name")?,
                role: parse_role(&r.try_get::<String, _>("role")?)?,
                unit_code: Some(unit.code.clone()),
                unit_name: Some(unit.name.clone()),
                disabled: crate::db::flag(&r, "disabled")?,
            })
        })
        .collect()
}

/// A new first password for `username`, an account of a unit below the caller's; every
/// session of it ends.
pub async fn reset_below(
    db: &Pool,
    caller: &Caller,
    campaign: &str,
    unit: &str,
    username: &str,
) -> Result<Credentials, Error> {
    // Refused before any work: a password is hashed and the write lock taken only for
    // someone who may reset it.
    reach(&mut *db.acquire().await?, caller, campaign, unit).await?;
    let (password, hash) = hashed(vec![new_password()?])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal("no password".into()))?;
    let mut tx = begin_write(db).await?;
    let (campaign, unit) = reach(&mut tx, caller, campaign, unit).await?;
    let row = sqlx::query(
        "SELECT id, display_name, role FROM accounts
         WHERE username = $1 AND unit_code = $2 AND role IN ('reporter', 'supervisor')",
    )
    .bind(username)
    .bind(&unit.code)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound {
        what: "tài khoản này trong đơn vị",
    })?;
    let id: i64 = row.try_get("id")?;
    sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    end_sessions(&mut tx, id).await?;
    let summary = format!(
        "Giám sát {} đặt lại mật khẩu tài khoản {username}",
        caller.me.username
    );
    audit::record_by(
        &mut tx,
        caller.account_id,
        campaign.id,
        Some(&unit.code),
        "account.password",
        &summary,
    )
    .await?;
    tx.commit().await?;
    Ok(Credentials {
        username: username.to_owned(),
        password,
        display_name: row.try_get("display_name")?,
        role: parse_role(&row.try_get::<String, _>("role")?)?,
        unit_code: Some(unit.code),
        parent_name: None,
    })
}
