//! Sign-off packages: `GET`/`POST …/units/{unit}/packages` (the unit's packages; a
//! sign-off by its own supervisor), `GET …/packages/{seq}` (one, as sent), and a parent
//! supervisor's `POST …/packages/{seq}/accept` and `…/return` ([`crate::packages`]).

use axum::Json;
use axum::extract::State;
use tuanle_shared::wire::{ApproveRequest, Package, PackageBrief, ReturnRequest, SignOffRequest};

use super::AppState;
use super::extract::{ApiJson, ApiPath, NamedReport};
use crate::auth::Caller;
use crate::error::Error;
use crate::packages::{self, PackageReview};
use crate::reports::{self, Target};

pub async fn packages_list(
    State(state): State<AppState>,
    unit: NamedReport,
) -> Result<Json<Vec<PackageBrief>>, Error> {
    let target = unit.readable(&state.db).await?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(packages::list(&mut conn, target.unit_id).await?))
}

pub async fn package_sign_off(
    State(state): State<AppState>,
    unit: NamedReport,
    ApiJson(SignOffRequest {}): ApiJson<SignOffRequest>,
) -> Result<Json<Package>, Error> {
    let target = unit.writable(&state.db).await?;
    let (package, moved) = packages::sign_off(&state.db, &unit.caller, &target).await?;
    state.live.publish(target.campaign_id, moved).await;
    Ok(Json(package))
}

/// The unit a package path names, which the caller may read.
async fn readable(
    state: &AppState,
    caller: &Caller,
    campaign: &str,
    unit: &str,
) -> Result<Target, Error> {
    let target = reports::resolve(&state.db, campaign, unit).await?;
    reports::authorize_read(&state.db, caller, &target).await?;
    Ok(target)
}

pub async fn package_get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((campaign, unit, seq)): ApiPath<(String, String, u32)>,
) -> Result<Json<Package>, Error> {
    let target = readable(&state, &caller, &campaign, &unit).await?;
    Ok(Json(packages::get(&state.db, &caller, &target, seq).await?))
}

async fn review(
    state: AppState,
    caller: Caller,
    (campaign, unit, seq): (String, String, u32),
    review: PackageReview,
) -> Result<Json<Package>, Error> {
    let target = readable(&state, &caller, &campaign, &unit).await?;
    let (package, moved) = packages::review(&state.db, &caller, &target, seq, review).await?;
    state.live.publish(target.campaign_id, moved).await;
    Ok(Json(package))
}

pub async fn package_accept(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<(String, String, u32)>,
    ApiJson(ApproveRequest {}): ApiJson<ApproveRequest>,
) -> Result<Json<Package>, Error> {
    review(state, caller, path, PackageReview::Accept).await
}

pub async fn package_return(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<(String, String, u32)>,
    ApiJson(body): ApiJson<ReturnRequest>,
) -> Result<Json<Package>, Error> {
    let reason = body.reason;
    review(state, caller, path, PackageReview::Return { reason }).await
}
