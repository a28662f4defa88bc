//! Who may touch a report: its own unit's staff write it; supervisors above and
//! administrators whose reach holds it read it; supervisors strictly above review it.
//! A closed campaign or an inactive unit takes no more changes (`docs/domain.md`).

use tuanle_shared::wire::Role;

use super::Target;
use crate::auth::Caller;
use crate::db::Pool;
use crate::error::Error;
use crate::units;

/// Only the unit's own staff write its report.
/// A closed campaign or an inactive unit takes no more changes.
pub fn authorize_write(caller: &Caller, target: &Target) -> Result<(), Error> {
    let own = caller.me.unit_code.as_deref() == Some(target.unit_code.as_str());
    if !own || caller.role() == Role::Admin {
        return Err(Error::Forbidden);
    }
    writable(target)
}

/// Whether the report takes changes at all: why not, as the refusal a write gets.
pub(super) fn writable(target: &Target) -> Result<(), Error> {
    if !target.open {
        Err(Error::CampaignClosed)
    } else if !target.active {
        Err(Error::UnitInactive)
    } else {
        Ok(())
    }
}

/// The unit's staff, supervisors of any unit above it, and administrators whose reach
/// holds it (a national administrator's holds everything) read a report.
pub async fn authorize_read(db: &Pool, caller: &Caller, target: &Target) -> Result<(), Error> {
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
        return Err(Error::Forbidden);
    };
    supervises(db, own, target.unit_id, false).await
}

/// Only a supervisor of a unit strictly above returns or approves a report.
pub async fn authorize_review(db: &Pool, caller: &Caller, target: &Target) -> Result<(), Error> {
    let Some(own) = caller
        .me
        .unit_code
        .as_deref()
        .filter(|_| caller.role() == Role::Supervisor)
    else {
        return Err(Error::Forbidden);
    };
    supervises(db, own, target.unit_id, true).await?;
    writable(target)
}

/// Whether the unit with code `own` is `unit_id` or one of its ancestors (with
/// `strictly`, an ancestor only). Forbidden otherwise.
async fn supervises(db: &Pool, own: &str, unit_id: i64, strictly: bool) -> Result<(), Error> {
    if units::within(db, own, unit_id, strictly).await? {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}
