//! A unit's report: `GET` the current version, `POST …/push`, `POST …/submit`,
//! `GET …/history`, its live stream `GET …/events`, a supervisor's `POST …/return`,
//! `POST …/approve` and `POST …/comments`, and the unit's `POST …/comments/{id}/answer`. Each
//! checks, after reading the body, that the caller may do that to that report
//! ([`NamedReport`]).

use std::convert::Infallible;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, Sse};
use futures_util::Stream;
use tuanle_shared::wire::{
    ApproveRequest, CommentAnswerRequest, History, NewComment, PushAccepted, PushRequest,
    RefusalCode, ReportState, ReturnRequest, SubmitRequest,
};

use super::AppState;
use super::extract::{ApiJson, ApiPath, NamedReport, UnitCode};
use crate::error::Error;
use crate::live::Topic;
use crate::reports::{self, Review};

pub async fn report_get(
    State(state): State<AppState>,
    report: NamedReport,
) -> Result<Json<ReportState>, Error> {
    let target = report.readable(&state.db).await?;
    Ok(Json(
        reports::state(&state.db, &report.caller, &target).await?,
    ))
}

/// `ready` with where the report stands ([`tuanle_shared::wire::ReportNews`]), then
/// `changed` with the same whenever that moves: the reporter's app hears of a return, an
/// approval or another device's push within a tick, not at its next periodic sync, and a
/// supervisor's open review follows the report.
pub async fn report_events(
    State(state): State<AppState>,
    report: NamedReport,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Error> {
    let target = report.readable(&state.db).await?;
    let moves = state
        .live
        .watch(target.campaign_id, target.unit_id, Topic::Report);
    let render = {
        let db = state.db.clone();
        move |_changed_at, _children| {
            let (db, target) = (db.clone(), target.clone());
            async move {
                let news = reports::news(&db, &target).await?;
                serde_json::to_string(&news).map_err(|e| Error::Internal(e.to_string()))
            }
        }
    };
    let hello = render(None, None).await?;
    Ok(super::events::stream(&state.live, moves, hello, render))
}

pub async fn report_push(
    State(state): State<AppState>,
    report: NamedReport,
    ApiJson(body): ApiJson<PushRequest>,
) -> Result<Json<PushAccepted>, Error> {
    let started = std::time::Instant::now();
    let pushed = async {
        let target = report.enterable(&state.db).await?;
        let target = crate::reports::typed_on(&state.db, target, &body).await?;
        let campaign_id = target.campaign_id;
        let (answer, moved) = state.pushes.push(report.caller, target, body).await?;
        state.live.publish(campaign_id, moved).await;
        Ok(answer)
    }
    .await;
    state.metrics.push(push_outcome(&pushed), started.elapsed());
    pushed.map(Json)
}

/// What a push came to, as `/metrics` counts it.
fn push_outcome<T>(pushed: &Result<T, Error>) -> crate::metrics::PushOutcome {
    use crate::metrics::PushOutcome;
    match pushed {
        Ok(_) => PushOutcome::Accepted,
        Err(Error::Db(_) | Error::Internal(_)) => PushOutcome::Failed,
        Err(e) if e.code() == RefusalCode::Conflict => PushOutcome::Conflict,
        Err(_) => PushOutcome::Refused,
    }
}

pub async fn report_submit(
    State(state): State<AppState>,
    report: NamedReport,
    ApiJson(body): ApiJson<SubmitRequest>,
) -> Result<Json<ReportState>, Error> {
    let target = report.enterable(&state.db).await?;
    let (answer, moved) = reports::submit(&state.db, &report.caller, &target, body).await?;
    state.live.publish(target.campaign_id, moved).await;
    Ok(Json(answer))
}

pub async fn report_history(
    State(state): State<AppState>,
    report: NamedReport,
) -> Result<Json<History>, Error> {
    let target = report.readable(&state.db).await?;
    Ok(Json(reports::history(&state.db, &target).await?))
}

pub async fn report_return(
    State(state): State<AppState>,
    report: NamedReport,
    ApiJson(body): ApiJson<ReturnRequest>,
) -> Result<Json<ReportState>, Error> {
    let target = report.reviewable(&state.db).await?;
    let review = Review::Return {
        reason: body.reason,
        comments: body.comments,
    };
    let (answer, moved) = reports::review(&state.db, &report.caller, &target, review).await?;
    state.live.publish(target.campaign_id, moved).await;
    Ok(Json(answer))
}

pub async fn report_approve(
    State(state): State<AppState>,
    report: NamedReport,
    ApiJson(ApproveRequest {}): ApiJson<ApproveRequest>,
) -> Result<Json<ReportState>, Error> {
    let target = report.reviewable(&state.db).await?;
    let (answer, moved) =
        reports::review(&state.db, &report.caller, &target, Review::Approve).await?;
    state.live.publish(target.campaign_id, moved).await;
    Ok(Json(answer))
}

/// A supervisor of the unit's parent comments on one cell without returning the report.
pub async fn report_comment(
    State(state): State<AppState>,
    report: NamedReport,
    ApiJson(body): ApiJson<NewComment>,
) -> Result<Json<ReportState>, Error> {
    let target = report.reviewable(&state.db).await?;
    let answer = reports::comments::comment(&state.db, &report.caller, &target, body).await?;
    // The unit's own stream and its dashboards hear of it, as of any other change.
    state
        .live
        .publish(target.campaign_id, vec![target.unit_id])
        .await;
    Ok(Json(answer))
}

/// The unit's own staff answer a comment on one of its cells.
pub async fn report_comment_answer(
    State(state): State<AppState>,
    report: NamedReport,
    ApiPath((_, _, id)): ApiPath<(String, UnitCode, i64)>,
    ApiJson(body): ApiJson<CommentAnswerRequest>,
) -> Result<Json<ReportState>, Error> {
    let target = report.writable(&state.db).await?;
    let answer =
        reports::comments::answer(&state.db, &report.caller, &target, id, &body.text).await?;
    state
        .live
        .publish(target.campaign_id, vec![target.unit_id])
        .await;
    Ok(Json(answer))
}

/// A supervisor above the unit marks a reminder to it as sent ("Đã nhắc").
pub async fn unit_reminded(
    State(state): State<AppState>,
    report: NamedReport,
    ApiJson(ApproveRequest {}): ApiJson<ApproveRequest>,
) -> Result<Json<tuanle_shared::wire::Reminded>, Error> {
    let target = report.resolve(&state.db).await?;
    Ok(Json(
        crate::reminders::mark(&state.db, &report.caller, &target).await?,
    ))
}

/// A supervisor of the unit's parent marks its report for follow-up, or clears it.
pub async fn report_follow_up(
    State(state): State<AppState>,
    report: NamedReport,
    ApiJson(body): ApiJson<tuanle_shared::wire::FollowUp>,
) -> Result<Json<ReportState>, Error> {
    let target = report.reviewable(&state.db).await?;
    let (answer, moved) =
        reports::review::follow_up(&state.db, &report.caller, &target, body.follow_up).await?;
    state.live.publish(target.campaign_id, moved).await;
    Ok(Json(answer))
}

/// In a practice campaign, the unit's own staff start their report again from nothing.
pub async fn report_reset(
    State(state): State<AppState>,
    report: NamedReport,
    ApiJson(ApproveRequest {}): ApiJson<ApproveRequest>,
) -> Result<Json<ReportState>, Error> {
    let target = report.writable(&state.db).await?;
    let (answer, moved) = reports::review::reset(&state.db, &report.caller, &target).await?;
    state.live.publish(target.campaign_id, moved).await;
    Ok(Json(answer))
}
