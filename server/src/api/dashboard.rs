//! `GET …/dashboard/{unit}` and its live stream `GET …/dashboard/{unit}/events`.

use std::convert::Infallible;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;
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

/// An event `changed` each time the unit's subtree moves (its data says when the change
/// was committed, `{"at": unix_ms}`); the dashboard then refetches.
/// Ends when the server stops.
pub async fn dashboard_events(
    State(state): State<AppState>,
    report: NamedReport,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Error> {
    let target = report.readable(&state.db).await?;
    let (rx, stopping) = state.live.subscribe();
    let (campaign_id, unit_id) = (target.campaign_id, target.unit_id);
    let stream =
        futures_util::stream::unfold((rx, stopping), move |(mut rx, mut stopping)| async move {
            let at = loop {
                if *stopping.borrow() {
                    return None;
                }
                tokio::select! {
                    received = rx.recv() => match received {
                        Ok(m) if m.concerns(campaign_id, unit_id) => break m.at(),
                        Ok(_) => continue,
                        // Missed some changes: one refetch covers them all.
                        Err(RecvError::Lagged(_)) => break None,
                        Err(RecvError::Closed) => return None,
                    },
                    _ = stopping.changed() => return None,
                }
            };
            let data = at.map_or_else(|| "{}".to_owned(), |at| format!("{{\"at\":{at}}}"));
            Some((
                Ok(Event::default().event("changed").data(data)),
                (rx, stopping),
            ))
        });
    // A first event at once, so the response (and the browser's `open`) is not held back
    // until the first change.
    let hello =
        futures_util::stream::once(async { Ok(Event::default().event("ready").data("{}")) });
    Ok(Sse::new(hello.chain(stream)).keep_alive(KeepAlive::default()))
}
