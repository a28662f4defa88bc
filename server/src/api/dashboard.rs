//! `GET …/dashboard/{unit}` and its live stream `GET …/dashboard/{unit}/events`.

use std::convert::Infallible;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use tuanle_shared::wire::Dashboard;

use super::AppState;
use super::extract::NamedReport;
use crate::dashboard;
use crate::error::Error;

pub async fn dashboard_get(
    State(state): State<AppState>,
    report: NamedReport,
) -> Result<Json<Dashboard>, Error> {
    let target = report.readable(&state.db).await?;
    Ok(Json(
        dashboard::build(&state.db, &report.caller, &target).await?,
    ))
}

/// An event `changed` when the unit's subtree moves, at most once per
/// [`crate::live::TICK`] however many changes it gathers (its data says when the latest
/// was committed, `{"at": unix_ms}`); the dashboard then refetches. A client that reads
/// slowly gets the latest state, never a queue. Ends when the server stops.
pub async fn dashboard_events(
    State(state): State<AppState>,
    report: NamedReport,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Error> {
    let target = report.readable(&state.db).await?;
    let moves = state.live.watch(target.campaign_id, target.unit_id);
    let stopping = state.live.stopping();
    let stream =
        futures_util::stream::unfold((moves, stopping), |(mut moves, mut stopping)| async move {
            if *stopping.borrow() {
                return None;
            }
            tokio::select! {
                changed = moves.changed() => changed.ok()?,
                _ = stopping.changed() => return None,
            }
            let at = moves.borrow_and_update().at;
            let data = at.map_or_else(|| "{}".to_owned(), |at| format!("{{\"at\":{at}}}"));
            Some((
                Ok(Event::default().event("changed").data(data)),
                (moves, stopping),
            ))
        });
    // A first event at once, so the response (and the browser's `open`) is not held back
    // until the first change.
    let hello =
        futures_util::stream::once(async { Ok(Event::default().event("ready").data("{}")) });
    Ok(Sse::new(hello.chain(stream)).keep_alive(KeepAlive::default()))
}
