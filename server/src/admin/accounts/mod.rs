//! Accounts, managed within an administrator's reach: listed, created one at a time,
//! changed, their password reset; or created for every unit of a level at once
//! ([`bulk`]). Each new account gets a first password, shown once to hand over. A
//! supervisor resets the passwords of the accounts below their unit ([`delegated`]).

mod bulk;
mod delegated;

pub use bulk::{bulk, levels};
pub use delegated::{below, reset_below};

use sqlx::Row;
use tuanle_shared::tree;
use tuanle_shared::wire::RefusalCode;
use tuanle_shared::wire::admin::{AccountChange, AccountInfo, Credentials, NewAccount};
use tuanle_shared::wire::{MAX_DISPLAY_NAME_CHARS, MAX_QUERY_CHARS, MAX_USERNAME_CHARS, Role};

use super::{Admin, audit};
use crate::auth::password;
use crate::auth::session::{parse_role, role_str};
use crate::campaigns::Campaign;
use crate::clock::now_ms;
use crate::db::begin_write;
use crate::db::{Conn, Pool};
use crate::error::Error;
use crate::units::SUBTREE_CTE;

/// Most accounts listed at once (a search narrows the list).
const PAGE: i64 = 500;

fn bad(code: RefusalCode, message: impl Into<String>) -> Error {
    Error::Refused {
        code,
        message: message.into(),
    }
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Reporter => "báo cáo",
        Role::Supervisor => "giám sát",
        Role::Observer => "theo dõi",
        Role::Admin => "quản trị",
    }
}

/// The accounts within reach whose username, name or unit matches `q`.
pub async fn list(
    db: &Pool,
    admin: &Admin,
    campaign: &str,
    q: &str,
) -> Result<Vec<AccountInfo>, Error> {
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(bad(
            RefusalCode::BadQuery,
            format!("Từ khóa tìm kiếm dài tối đa {MAX_QUERY_CHARS} ký tự."),
        ));
    }
    let mut conn = db.acquire().await?;
    let campaign = Campaign::find(&mut conn, campaign).await?;
    let top = admin.top(&mut conn, campaign.id).await?.map(|u| u.id);
    let pattern = format!("%{}%", tuanle_shared::text::nfc(q.trim()).to_lowercase());
    let select = SELECT_ACCOUNT;
    let filter = "(lower(a.username) LIKE $3 OR lower(a.display_name) LIKE $3 OR lower(coalesce(a.unit_code, '')) LIKE $3)";
    let sql = match top {
        None => format!(
            "{select} WHERE $2 IS NULL AND {filter} ORDER BY a.unit_code, a.username LIMIT {PAGE}"
        ),
        Some(_) => format!(
            "{SUBTREE_CTE} {select} WHERE u.id IN (SELECT id FROM reach) AND {filter}
             ORDER BY a.unit_code, a.username LIMIT {PAGE}"
        ),
    };
    let rows = sqlx::query(&sql)
        .bind(campaign.id)
        .bind(top)
        .bind(pattern)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(account_info).collect()
}

/// The columns of `SELECT_ACCOUNT` as an [`AccountInfo`].
fn account_info(r: &crate::db::DbRow) -> Result<AccountInfo, Error> {
    Ok(AccountInfo {
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        role: parse_role(&r.try_get::<String, _>("role")?)?,
        unit_code: r.try_get("unit_code")?,
        unit_name: r.try_get("unit_name")?,
        disabled: crate::db::flag(r, "disabled")?,
    })
}

/// An account with its unit's name in a campaign (`?1`): what [`account_info`] reads.
const SELECT_ACCOUNT: &str =
    "SELECT a.username, a.display_name, a.role, a.unit_code, u.name AS unit_name, a.disabled
     FROM accounts a LEFT JOIN units u ON u.campaign_id = $1 AND u.code = a.unit_code";

/// Checks that an account with this role and unit may be given by this administrator;
/// returns the unit's name.
async fn check_unit(
    conn: &mut Conn,
    admin: &Admin,
    campaign_id: i64,
    role: Role,
    unit_code: Option<&str>,
) -> Result<Option<String>, Error> {
    match unit_code {
        None if role == Role::Admin => {
            admin.national()?;
            Ok(None)
        }
        None => Err(bad(
            RefusalCode::UnitRequired,
            "Tài khoản báo cáo, giám sát hoặc theo dõi phải thuộc một đơn vị.",
        )),
        Some(code) => {
            let u = admin.reach_unit(conn, campaign_id, code).await?;
            // A subtree's administrators are made from above: a province administrator
            // neither creates peers nor takes over the accounts of their own unit's peers.
            if !admin.reaches_code(conn, code, role == Role::Admin).await? {
                return Err(Error::OutOfScope);
            }
            Ok(Some(u.name))
        }
    }
}

fn check_username(username: &str) -> Result<(), Error> {
    let ok = (3..=MAX_USERNAME_CHARS).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(bad(
            RefusalCode::BadUsername,
            format!(
                "Tên đăng nhập dài 3–{MAX_USERNAME_CHARS} ký tự, chỉ gồm chữ thường không dấu, chữ số, “.”, “_”, “-”."
            ),
        ))
    }
}

fn check_display_name(name: &str) -> Result<String, Error> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return Err(bad(
            RefusalCode::BadDisplayName,
            format!(
                "Tên hiển thị không được để trống và dài tối đa {MAX_DISPLAY_NAME_CHARS} ký tự."
            ),
        ));
    }
    Ok(name)
}

pub(super) async fn hashed(passwords: Vec<String>) -> Result<Vec<(String, String)>, Error> {
    tokio::task::spawn_blocking(move || {
        passwords
            .into_iter()
            .map(|p| password::hash_generated(&p).map(|h| (p, h)))
            .collect::<anyhow::Result<Vec<_>>>()
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
    .map_err(|e| Error::Internal(e.to_string()))
}

pub(super) fn new_password() -> Result<String, Error> {
    password::generate().map_err(|e| Error::Internal(e.to_string()))
}

async fn insert(conn: &mut Conn, c: &Credentials, hash: &str) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO accounts (username, display_name, password_hash, role, unit_code, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&c.username)
    .bind(&c.display_name)
    .bind(hash)
    .bind(role_str(c.role))
    .bind(&c.unit_code)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn username_taken(conn: &mut Conn, username: &str) -> Result<bool, Error> {
    let n: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE username = $1")
        .bind(username)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(n.is_some())
}

/// Creates one account with a generated first password.
pub async fn create(
    db: &Pool,
    admin: &Admin,
    campaign: &str,
    new: &NewAccount,
) -> Result<Credentials, Error> {
    let username = new.username.trim().to_owned();
    check_username(&username)?;
    let display_name = check_display_name(&new.display_name)?;
    let unit_code = new
        .unit_code
        .as_deref()
        .map(tree::normalize_code)
        .filter(|c| !c.is_empty());
    let mut pw = hashed(vec![new_password()?]).await?;
    let (password, hash) = pw
        .pop()
        .ok_or_else(|| Error::Internal("no password".into()))?;
    let mut tx = begin_write(db).await?;
    let campaign = Campaign::find(&mut tx, campaign).await?;
    check_unit(&mut tx, admin, campaign.id, new.role, unit_code.as_deref()).await?;
    if username_taken(&mut tx, &username).await? {
        return Err(Error::AlreadyExists {
            what: format!("Tên đăng nhập “{username}”"),
        });
    }
    let c = Credentials {
        username,
        password,
        display_name,
        role: new.role,
        unit_code,
        parent_name: None,
    };
    insert(&mut tx, &c, &hash).await?;
    let summary = format!(
        "Tạo tài khoản {} ({}, {}{})",
        c.username,
        c.display_name,
        role_label(c.role),
        c.unit_code
            .as_deref()
            .map(|u| format!(", đơn vị {u}"))
            .unwrap_or_default()
    );
    audit::record(
        &mut tx,
        admin,
        campaign.id,
        c.unit_code.as_deref(),
        "account.create",
        &summary,
    )
    .await?;
    tx.commit().await?;
    Ok(c)
}

/// The stored account, checked to be within reach.
struct Target {
    id: i64,
    username: String,
    display_name: String,
    role: Role,
    unit_code: Option<String>,
    disabled: bool,
}

async fn target(conn: &mut Conn, admin: &Admin, username: &str) -> Result<Target, Error> {
    let row = sqlx::query(
        "SELECT id, username, display_name, role, unit_code, disabled FROM accounts WHERE username = $1",
    )
    .bind(username)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::NotFound {
        what: "tài khoản"
    })?;
    let t = Target {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: parse_role(&row.try_get::<String, _>("role")?)?,
        unit_code: row.try_get("unit_code")?,
        disabled: crate::db::flag(&row, "disabled")?,
    };
    match &t.unit_code {
        None => admin.national()?,
        Some(code) => {
            if !admin
                .reaches_code(conn, code, t.role == Role::Admin)
                .await?
            {
                return Err(Error::OutOfScope);
            }
        }
    }
    Ok(t)
}

async fn end_sessions(conn: &mut Conn, account_id: i64) -> Result<(), Error> {
    sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Changes an account within reach. Nobody disables or demotes themselves.
pub async fn change(
    db: &Pool,
    admin: &Admin,
    campaign: &str,
    username: &str,
    change: &AccountChange,
) -> Result<AccountInfo, Error> {
    let mut tx = begin_write(db).await?;
    let campaign = Campaign::find(&mut tx, campaign).await?;
    let t = target(&mut tx, admin, username).await?;
    let own = t.id == admin.account_id;
    let mut said = Vec::new();
    let display_name = match &change.display_name {
        Some(n) => check_display_name(n)?,
        None => t.display_name.clone(),
    };
    if display_name != t.display_name {
        said.push(format!("tên hiển thị “{display_name}”"));
    }
    let role = change.role.unwrap_or(t.role);
    let unit_code = match &change.unit_code {
        Some(c) => Some(tree::normalize_code(c)).filter(|c| !c.is_empty()),
        None => t.unit_code.clone(),
    };
    if role != t.role || unit_code != t.unit_code {
        if own {
            return Err(bad(
                RefusalCode::CannotChangeSelf,
                "Không tự đổi vai trò hoặc đơn vị của chính mình được.",
            ));
        }
        let unit_name = check_unit(&mut tx, admin, campaign.id, role, unit_code.as_deref()).await?;
        said.push(format!(
            "vai trò {}, đơn vị {}",
            role_label(role),
            unit_name.unwrap_or_else(|| "(toàn quốc)".into())
        ));
    }
    let disabled = change.disabled;
    if disabled == Some(true) && own {
        return Err(bad(
            RefusalCode::CannotChangeSelf,
            "Không tự khoá tài khoản của chính mình được.",
        ));
    }
    sqlx::query("UPDATE accounts SET display_name = $1, role = $2, unit_code = $3 WHERE id = $4")
        .bind(&display_name)
        .bind(role_str(role))
        .bind(&unit_code)
        .bind(t.id)
        .execute(&mut *tx)
        .await?;
    if let Some(d) = disabled.filter(|d| *d != t.disabled) {
        sqlx::query("UPDATE accounts SET disabled = $1 WHERE id = $2")
            .bind(i64::from(d))
            .bind(t.id)
            .execute(&mut *tx)
            .await?;
        if d {
            end_sessions(&mut tx, t.id).await?;
        }
        said.push(if d { "khoá" } else { "mở khoá" }.to_owned());
    }
    if !said.is_empty() {
        let summary = format!("Tài khoản {}: {}", t.username, said.join("; "));
        // Logged where the account was and where it goes, so both subtrees see it.
        let before = t.unit_code.as_deref();
        audit::record(
            &mut tx,
            admin,
            campaign.id,
            before,
            "account.update",
            &summary,
        )
        .await?;
        if unit_code.as_deref() != before {
            let after = unit_code.as_deref();
            audit::record(
                &mut tx,
                admin,
                campaign.id,
                after,
                "account.update",
                &summary,
            )
            .await?;
        }
    }
    let row = sqlx::query(&format!("{SELECT_ACCOUNT} WHERE a.id = $2"))
        .bind(campaign.id)
        .bind(t.id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    account_info(&row)
}

/// A new first password for an account within reach; its sessions end.
pub async fn reset_password(
    db: &Pool,
    admin: &Admin,
    campaign: &str,
    username: &str,
) -> Result<Credentials, Error> {
    let mut pw = hashed(vec![new_password()?]).await?;
    let (password, hash) = pw
        .pop()
        .ok_or_else(|| Error::Internal("no password".into()))?;
    let mut tx = begin_write(db).await?;
    let campaign = Campaign::find(&mut tx, campaign).await?;
    let t = target(&mut tx, admin, username).await?;
    sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(t.id)
        .execute(&mut *tx)
        .await?;
    end_sessions(&mut tx, t.id).await?;
    let summary = format!("Đặt lại mật khẩu tài khoản {}", t.username);
    audit::record(
        &mut tx,
        admin,
        campaign.id,
        t.unit_code.as_deref(),
        "account.password",
        &summary,
    )
    .await?;
    tx.commit().await?;
    Ok(Credentials {
        username: t.username,
        password,
        display_name: t.display_name,
        role: t.role,
        unit_code: t.unit_code,
        parent_name: None,
    })
}
