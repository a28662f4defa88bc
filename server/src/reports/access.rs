//! Who may touch a report: its own unit's staff write it; supervisors above and
//! administrators whose reach holds it read it; supervisors of its direct parent review
//! it.
//! A closed campaign or an inactive unit takes no more changes (`docs/domain.md`).

use tuanle_shared::wire::{RefusalCode, Role};

use super::Target;
use crate::auth::Caller;
use crate::db::Pool;
use crate::error::Error;
use crate::units;

/// Only the unit's own staff write its report (its reporter or supervisor; never an
/// observer or an administrator). A closed campaign or an inactive unit takes no more
/// changes.
pub fn authorize_write(caller: &Caller, target: &Target) -> Result<(), Error> {
    let own = caller.me.unit_code.as_deref() == Some(target.unit_code.as_str());
    if !own || !matches!(caller.role(), Role::Reporter | Role::Supervisor) {
        return Err(Error::Forbidden);
    }
    writable(target)
}

/// Who may enter a report: its unit's own staff ([`authorize_write`]), and a supervisor
/// of its direct parent, who enters it on the unit's behalf ("nhập hộ": a unit that sends
/// its numbers on paper or as a file). Pushes and submissions take this; nothing else does
/// (a deadline, a sign-off are the unit's own).
pub async fn authorize_entry(db: &Pool, caller: &Caller, target: &Target) -> Result<(), Error> {
    match authorize_write(caller, target) {
        Err(Error::Forbidden) if caller.role() == Role::Supervisor => {
            match authorize_review(db, caller, target).await {
                // Two levels up: entering goes through the direct parent too.
                Err(Error::Refused {
                    code: RefusalCode::NotDirectParent,
                    ..
                }) => Err(Error::Forbidden),
                other => other,
            }
        }
        other => other,
    }
}

/// Whether a write that passed [`authorize_entry`] is made on the unit's behalf (by its
/// parent's supervisor): the history says "nhập hộ bởi …".
pub fn on_behalf(caller: &Caller, target: &Target) -> bool {
    caller.me.unit_code.as_deref() != Some(target.unit_code.as_str())
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

/// The unit's staff, supervisors and observers of any unit above it, and administrators
/// whose reach holds it (a national administrator's holds everything) read a report.
pub async fn authorize_read(db: &Pool, caller: &Caller, target: &Target) -> Result<(), Error> {
    let own = caller.me.unit_code.as_deref() == Some(target.unit_code.as_str());
    let national_admin = caller.role() == Role::Admin && caller.me.unit_code.is_none();
    if national_admin || own {
        return Ok(());
    }
    let Some(own) = caller.me.unit_code.as_deref().filter(|_| {
        matches!(
            caller.role(),
            Role::Supervisor | Role::Observer | Role::Admin
        )
    }) else {
        return Err(Error::Forbidden);
    };
    supervises(db, own, target.unit_id, false).await
}

/// Only a supervisor of the unit's direct parent returns or approves its report: review
/// goes through each level in turn, as the administration's chain of reports does (a
/// province does not return a school's report over its ward's head; it reads it).
pub async fn authorize_review(db: &Pool, caller: &Caller, target: &Target) -> Result<(), Error> {
    let Some(own) = caller
        .me
        .unit_code
        .as_deref()
        .filter(|_| caller.role() == Role::Supervisor)
    else {
        return Err(Error::Forbidden);
    };
    match units::levels_above(db, own, target.unit_id).await? {
        Some(1) => writable(target),
        Some(2..) => Err(Error::refused(RefusalCode::NotDirectParent)),
        _ => Err(Error::Forbidden),
    }
}

/// What [`authorize_review`] would refuse the caller, for the report as they read it
/// (`ReportState::review_refusal`): `None` when they may review it.
pub async fn review_refusal(
    db: &Pool,
    caller: &Caller,
    target: &Target,
) -> Result<Option<RefusalCode>, Error> {
    match authorize_review(db, caller, target).await {
        Ok(()) => Ok(None),
        Err(e @ (Error::Db(_) | Error::Internal(_))) => Err(e),
        Err(refusal) => Ok(Some(refusal.code())),
    }
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
