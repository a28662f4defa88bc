//! Administration: campaigns, the organisation tree, accounts, and the audit log of every
//! change an administrator makes.
//!
//! An administrator's reach is their account's unit (`None`: everything). Since each
//! campaign has its own tree, reach is checked in the tree of the campaign the request
//! names: every administration route is under a campaign.
//!
//! Every change is one write transaction (`db::begin_write`) that also writes its
//! [`audit`] entry.

pub mod accounts;
pub mod audit;
pub mod campaigns;
pub mod forms;
pub mod kinds;
pub mod sheet;
pub mod tree;
pub mod units;

use std::collections::HashSet;

use crate::db::{Conn, Pool};
use crate::error::Error;
use crate::units::{UnitRow, unit};

/// A signed-in administrator (the `api` layer refuses everybody else).
#[derive(Debug, Clone)]
pub struct Admin {
    pub account_id: i64,
    pub username: String,
    /// The subtree they manage, by unit code; `None` for a national administrator.
    pub scope: Option<String>,
}

impl Admin {
    /// The national administrator account `username`, for tools that act as one (the
    /// national demo generator, benchmarks).
    pub async fn national_account(db: &Pool, username: &str) -> Result<Admin, Error> {
        let (account_id,): (i64,) = sqlx::query_as(
            "SELECT id FROM accounts WHERE username = $1 AND role = 'admin' AND unit_code IS NULL",
        )
        .bind(username)
        .fetch_optional(db)
        .await?
        .ok_or(Error::NotFound {
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
    pub fn national(&self) -> Result<(), Error> {
        if self.is_national() {
            Ok(())
        } else {
            Err(Error::OutOfScope)
        }
    }

    /// The unit at the top of this administrator's reach in a campaign (`None`: the
    /// whole tree). A subtree administrator whose unit is not in the campaign reaches
    /// nothing there.
    pub async fn top(&self, conn: &mut Conn, campaign_id: i64) -> Result<Option<UnitRow>, Error> {
        match &self.scope {
            None => Ok(None),
            Some(code) => unit(conn, campaign_id, code)
                .await?
                .map(Some)
                .ok_or(Error::ScopeNotInCampaign),
        }
    }

    /// Whether a unit is within reach.
    pub async fn reaches(&self, conn: &mut Conn, unit_id: i64) -> Result<bool, Error> {
        match &self.scope {
            None => Ok(true),
            Some(scope) => crate::units::within(&mut *conn, scope, unit_id, false).await,
        }
    }

    /// Whether a unit code is within reach in every campaign that has it (and one has
    /// it), with `strictly`, strictly below the administrator's own unit. Accounts are
    /// matched to units by code in every campaign, so an account is only as much in
    /// reach as its code is in all of them: a code added to one campaign's subtree does
    /// not bring another province's account of that code within reach.
    pub async fn reaches_code(
        &self,
        conn: &mut Conn,
        code: &str,
        strictly: bool,
    ) -> Result<bool, Error> {
        match &self.scope {
            None => Ok(true),
            Some(scope) => crate::units::reaches_everywhere(conn, scope, code, strictly).await,
        }
    }

    /// The unit codes a subtree administrator may not give to a new unit: codes of units
    /// outside their reach in any campaign, and codes of accounts whose unit exists
    /// nowhere. Giving one would bring someone else's account within reach. Empty for a
    /// national administrator.
    pub async fn foreign_codes(&self, conn: &mut Conn) -> Result<HashSet<String>, Error> {
        let Some(scope) = &self.scope else {
            return Ok(HashSet::new());
        };
        let codes: Vec<String> = sqlx::query_scalar(
            "WITH RECURSIVE reach(id) AS (
                 SELECT id FROM units WHERE code = $1
                 UNION ALL
                 SELECT u.id FROM units u JOIN reach ON u.parent_id = reach.id
             )
             SELECT code FROM units WHERE id NOT IN (SELECT id FROM reach)
             UNION
             SELECT unit_code FROM accounts
             WHERE unit_code IS NOT NULL AND unit_code NOT IN (SELECT code FROM units)",
        )
        .bind(scope)
        .fetch_all(&mut *conn)
        .await?;
        Ok(codes.into_iter().collect())
    }

    /// Whether this administrator may give `code` to a new unit: the one-code form of
    /// [`Admin::foreign_codes`], without loading every other province's codes.
    pub async fn may_give_code(&self, conn: &mut Conn, code: &str) -> Result<bool, Error> {
        if self.is_national() {
            return Ok(true);
        }
        let (units, accounts): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM units WHERE code = $1),
                    (SELECT COUNT(*) FROM accounts WHERE unit_code = $1)",
        )
        .bind(code)
        .fetch_one(&mut *conn)
        .await?;
        if units > 0 {
            self.reaches_code(conn, code, false).await
        } else {
            Ok(accounts == 0)
        }
    }

    /// Finds a unit by code and checks it is within reach: unknown is a 404, elsewhere
    /// is refused.
    pub async fn reach_unit(
        &self,
        conn: &mut Conn,
        campaign_id: i64,
        code: &str,
    ) -> Result<UnitRow, Error> {
        let u = unit(conn, campaign_id, code)
            .await?
            .ok_or(Error::NotFound { what: "đơn vị" })?;
        if self.reaches(conn, u.id).await? {
            Ok(u)
        } else {
            Err(Error::OutOfScope)
        }
    }
}
