//! A unit's report: `GET` the current version, `POST …/push`, `POST …/submit`,
//! `GET …/history`, and a supervisor's `POST …/return` and `POST …/approve`. Who may do
//! which is checked by the extractor each handler takes ([`Readable`], [`Writable`],
//! [`Reviewable`]).

use axum::Json;
use axum::extract::State;
use tuanle_shared::wire::{
    ApproveRequest, History, PushAccepted, PushRequest, ReportState, ReturnRequest, SubmitRequest,
};

use super::AppState;
use super::extract::{ApiJson, Readable, Reviewable, Writable};
use crate::error::Error;
use crate::reports::{self, Review};

pub async fn report_get(
    State(state): State<AppState>,
    Readable { target, .. }: Readable,
) -> Result<Json<ReportState>, Error> {
    Ok(Json(reports::state(&state.db, &target).await?))
}

pub async fn report_push(
    State(state): State<AppState>,
    Writable { caller, target }: Writable,
    ApiJson(body): ApiJson<PushRequest>,
) -> Result<Json<PushAccepted>, Error> {
    let campaign_id = target.campaign_id;
    let (answer, moved) = state.pushes.push(caller, target, body).await?;
    state.live.publish(campaign_id, moved).await;
    Ok(Json(answer))
}

pub async fn report_submit(
    State(state): State<AppState>,
    Writable { caller, target }: Writable,
    ApiJson(body): ApiJson<SubmitRequest>,
) -> Result<Json<ReportState>, Error> {
    let (report, moved) = reports::submit(&state.db, &caller, &target, body).await?;
    state.live.publish(target.campaign_id, moved).await;
    Ok(Json(report))
}

pub async fn report_history(
    State(state): State<AppState>,
    Readable { target, .. }: Readable,
) -> Result<Json<History>, Error> {
    Ok(Json(reports::history(&state.db, &target).await?))
}

pub async fn report_return(
    State(state): State<AppState>,
    Reviewable { caller, target }: Reviewable,
    ApiJson(body): ApiJson<ReturnRequest>,
) -> Result<Json<ReportState>, Error> {
    let review = Review::Return {
        reason: body.reason,
    };
    let (report, moved) = reports::review(&state.db, &caller, &target, review).await?;
    state.live.publish(target.campaign_id, moved).await;
    Ok(Json(report))
}

pub async fn report_approve(
    State(state): State<AppState>,
    Reviewable { caller, target }: Reviewable,
    ApiJson(ApproveRequest {}): ApiJson<ApproveRequest>,
) -> Result<Json<ReportState>, Error> {
    let (report, moved) = reports::review(&state.db, &caller, &target, Review::Approve).await?;
    state.live.publish(target.campaign_id, moved).await;
    Ok(Json(report))
}
