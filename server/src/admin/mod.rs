//! Administration: campaigns, the organisation tree, accounts, and the audit log of every
//! change an administrator makes.
//!
//! An administrator's reach is their account's unit (`None`: everything). Since each
//! campaign has its own tree, reach is checked in the tree of the campaign the request
//! names: every administration route is under a campaign.

pub mod accounts;
pub mod audit;
pub mod campaigns;
pub mod sheet;
pub mod tree;
pub mod units;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sqlx::{SqliteConnection, SqlitePool};
use tuanle_shared::FormDef;
use tuanle_shared::form::builtin;
use tuanle_shared::wire::Role;

use crate::api::AppState;
use crate::auth::Caller;
use crate::error::AppError;

/// A signed-in administrator: a handler that takes one refuses everybody else.
#[derive(Debug, Clone)]
pub struct Admin {
    pub account_id: i64,
    pub username: String,
    /// The subtree they manage, by unit code; `None` for a national administrator.
    pub scope: Option<String>,
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if caller.role() != Role::Admin {
            return Err(AppError::NotAdmin);
        }
        Ok(Admin {
            account_id: caller.account_id,
            username: caller.me.username,
            scope: caller.me.unit_code,
        })
    }
}

/// The campaign a request names.
#[derive(Debug, Clone)]
pub struct Campaign {
    pub id: i64,
    pub code: String,
    pub form: &'static FormDef,
}

impl Campaign {
    pub async fn find(conn: &mut SqliteConnection, code: &str) -> Result<Campaign, AppError> {
        let (id, version): (i64, String) =
            sqlx::query_as("SELECT id, form_version FROM campaigns WHERE code = ?")
                .bind(code)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or(AppError::NotFound {
                    what: "đợt báo cáo",
                })?;
        let form = builtin(&version)
            .ok_or_else(|| AppError::Internal(format!("campaign uses unknown form {version}")))?;
        Ok(Campaign {
            id,
            code: code.to_owned(),
            form,
        })
    }
}

/// A unit of a campaign's tree, as the reach checks need it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub depth: i64,
    pub active: bool,
}

/// Finds a unit by code in a campaign; `None` when there is none.
pub async fn unit(
    conn: &mut SqliteConnection,
    campaign_id: i64,
    code: &str,
) -> Result<Option<UnitRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, code, name, kind, parent_id, depth, active FROM units
         WHERE campaign_id = ? AND code = ?",
    )
    .bind(campaign_id)
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?)
}

impl Admin {
    /// The national administrator account `username`, for tools that act as one (the
    /// national demo generator, benchmarks).
    pub async fn national_account(db: &SqlitePool, username: &str) -> Result<Admin, AppError> {
        let (account_id,): (i64,) = sqlx::query_as(
            "SELECT id FROM accounts WHERE username = ? AND role = 'admin' AND unit_code IS NULL",
        )
        .bind(username)
        .fetch_optional(db)
        .await?
        .ok_or(AppError::NotFound {
            what: "tài khoản quản trị toàn quốc",
        })?;
        Ok(Admin {
            account_id,
            username: username.to_owned(),
            scope: None,
        })
    }

    /// Whether this administrator manages everything.
    pub fn is_national(&self) -> bool {
        self.scope.is_none()
    }

    /// Refuses anyone but a national administrator.
    pub fn national(&self) -> Result<(), AppError> {
        if self.is_national() {
            Ok(())
        } else {
            Err(AppError::OutOfScope)
        }
    }

    /// The unit at the top of this administrator's reach in a campaign (`None`: the
    /// whole tree). A subtree administrator whose unit is not in the campaign reaches
    /// nothing there.
    pub async fn top(
        &self,
        conn: &mut SqliteConnection,
        campaign_id: i64,
    ) -> Result<Option<UnitRow>, AppError> {
        match &self.scope {
            None => Ok(None),
            Some(code) => unit(conn, campaign_id, code)
                .await?
                .map(Some)
                .ok_or(AppError::OutOfScope),
        }
    }

    /// Whether a unit is within reach.
    pub async fn reaches(
        &self,
        conn: &mut SqliteConnection,
        unit_id: i64,
    ) -> Result<bool, AppError> {
        match &self.scope {
            None => Ok(true),
            Some(scope) => is_within(conn, scope, unit_id).await,
        }
    }

    /// Finds a unit by code and checks it is within reach: unknown is a 404, elsewhere
    /// is refused.
    pub async fn reach_unit(
        &self,
        conn: &mut SqliteConnection,
        campaign_id: i64,
        code: &str,
    ) -> Result<UnitRow, AppError> {
        let u = unit(conn, campaign_id, code)
            .await?
            .ok_or(AppError::NotFound { what: "đơn vị" })?;
        if self.reaches(conn, u.id).await? {
            Ok(u)
        } else {
            Err(AppError::OutOfScope)
        }
    }
}

/// Whether the unit with code `code` is `unit_id` or one of its ancestors.
pub async fn is_within(
    conn: &mut SqliteConnection,
    code: &str,
    unit_id: i64,
) -> Result<bool, AppError> {
    let (n,): (i64,) = sqlx::query_as(
        "WITH RECURSIVE up(id, parent_id, code) AS (
                 SELECT id, parent_id, code FROM units WHERE id = ?
                 UNION ALL
                 SELECT u.id, u.parent_id, u.code FROM units u JOIN up ON u.id = up.parent_id
             )
             SELECT COUNT(*) FROM up WHERE code = ?",
    )
    .bind(unit_id)
    .bind(code)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// The ids of a subtree (the unit itself included), or of the whole campaign.
pub const SUBTREE_CTE: &str = "WITH RECURSIVE reach(id) AS (
         SELECT id FROM units WHERE campaign_id = ?1 AND (?2 IS NULL AND parent_id IS NULL OR id = ?2)
         UNION ALL
         SELECT u.id FROM units u JOIN reach ON u.parent_id = reach.id
     )";

/// Opens a write transaction, taking the write lock at once (as every write does).
pub async fn begin_write(
    db: &SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, AppError> {
    Ok(db.begin_with("BEGIN IMMEDIATE").await?)
}
