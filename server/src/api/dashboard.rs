//! `GET …/dashboard/{unit}` and its live stream `GET …/dashboard/{unit}/events`.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, Sse};
use futures_util::Stream;
use serde::Deserialize;
use tuanle_shared::wire::{Dashboard, MissingUnits};

use super::AppState;
use super::extract::{ApiQuery, NamedReport};
use crate::dashboard;
use crate::error::Error;
use crate::live::Topic;

pub async fn dashboard_get(
    State(state): State<AppState>,
    report: NamedReport,
) -> Result<Json<Dashboard>, Error> {
    let target = report.readable(&state.db).await?;
    Ok(Json(
        dashboard::build(&state.db, &report.caller, &target).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissingQuery {
    #[serde(default)]
    offset: u32,
    #[serde(default = "page")]
    limit: u32,
}

fn page() -> u32 {
    50
}

/// A page of the subtree's missing units (at most [`tuanle_shared::wire::MISSING_PAGE_MAX`]; a larger `limit`
/// gets that many), walked down from the stored counts.
pub async fn dashboard_missing(
    State(state): State<AppState>,
    report: NamedReport,
    ApiQuery(query): ApiQuery<MissingQuery>,
) -> Result<Json<MissingUnits>, Error> {
    let target = report.readable(&state.db).await?;
    Ok(Json(
        dashboard::missing_page(&state.db, &target, query.offset, query.limit).await?,
    ))
}

/// `ready`, then a `changed` event ([`tuanle_shared::wire::DashboardUpdate`]) when the
/// unit's subtree moves, at most once per [`crate::live::TICK`] however many changes it
/// gathers, read once for all the unit's viewers.
pub async fn dashboard_events(
    State(state): State<AppState>,
    report: NamedReport,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Error> {
    let target = report.readable(&state.db).await?;
    let moves = state
        .live
        .watch(target.campaign_id, target.unit_id, Topic::Dashboard);
    let db = state.db.clone();
    Ok(super::events::stream(
        &state.live,
        moves,
        "{}".to_owned(),
        move |changed_at, children: Option<Arc<[i64]>>| {
            let (db, target) = (db.clone(), target.clone());
            async move {
                let mut tx = crate::db::begin_read(&db).await?;
                let update =
                    dashboard::update(&mut tx, &target, changed_at, children.as_deref()).await?;
                drop(tx);
                serde_json::to_string(&update).map_err(|e| Error::Internal(e.to_string()))
            }
        },
    ))
}
