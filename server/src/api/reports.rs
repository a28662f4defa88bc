//! A unit's report: `GET` the current version, `POST …/push`, `POST …/submit`,
//! `GET …/history`. Each checks first that the caller may touch that unit.

use axum::Json;
use axum::extract::State;
use tuanle_shared::wire::{
    ApproveRequest, History, PushAccepted, PushRequest, ReportState, ReturnRequest, SubmitRequest,
};

use super::AppState;
use super::extract::{ApiJson, ApiPath};
use crate::auth::Caller;
use crate::error::Error;
use crate::reports::{self, Review};

pub async fn report_get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((campaign, unit)): ApiPath<(String, String)>,
) -> Result<Json<ReportState>, Error> {
    let target = reports::resolve_readable(&state.db, &caller, &campaign, &unit).await?;
    Ok(Json(reports::state(&state.db, &target).await?))
}

pub async fn report_push(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((campaign, unit)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<PushRequest>,
) -> Result<Json<PushAccepted>, Error> {
    let target = reports::resolve(&state.db, &campaign, &unit).await?;
    reports::authorize_write(&caller, &target)?;
    let campaign_id = target.campaign_id;
    let (answer, moved) = state.pushes.push(caller, target, body).await?;
    state.live.publish(campaign_id, moved).await;
    Ok(Json(answer))
}

pub async fn report_submit(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((campaign, unit)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<SubmitRequest>,
) -> Result<Json<ReportState>, Error> {
    let target = reports::resolve(&state.db, &campaign, &unit).await?;
    reports::authorize_write(&caller, &target)?;
    let (report, moved) = reports::submit(&state.db, &caller, &target, body).await?;
    state.live.publish(target.campaign_id, moved).await;
    Ok(Json(report))
}

pub async fn report_history(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((campaign, unit)): ApiPath<(String, String)>,
) -> Result<Json<History>, Error> {
    let target = reports::resolve_readable(&state.db, &caller, &campaign, &unit).await?;
    Ok(Json(reports::history(&state.db, &target).await?))
}

pub async fn report_return(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((campaign, unit)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ReturnRequest>,
) -> Result<Json<ReportState>, Error> {
    let target = reports::resolve(&state.db, &campaign, &unit).await?;
    reports::authorize_review(&state.db, &caller, &target).await?;
    let review = Review::Return {
        reason: body.reason,
    };
    let (report, moved) = reports::review(&state.db, &caller, &target, review).await?;
    state.live.publish(target.campaign_id, moved).await;
    Ok(Json(report))
}

pub async fn report_approve(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((campaign, unit)): ApiPath<(String, String)>,
    ApiJson(ApproveRequest {}): ApiJson<ApproveRequest>,
) -> Result<Json<ReportState>, Error> {
    let target = reports::resolve(&state.db, &campaign, &unit).await?;
    reports::authorize_review(&state.db, &caller, &target).await?;
    let (report, moved) = reports::review(&state.db, &caller, &target, Review::Approve).await?;
    state.live.publish(target.campaign_id, moved).await;
    Ok(Json(report))
}
