//! `PUT …/units/{unit}/children-deadline`: a supervisor sets the deadline of their unit's
//! direct children ([`crate::deadlines`]).

use axum::Json;
use axum::extract::State;
use tuanle_shared::wire::{ChildrenDeadline, Deadlines};

use super::AppState;
use super::extract::{ApiJson, NamedReport};
use crate::deadlines;
use crate::error::Error;

pub async fn children_deadline_put(
    State(state): State<AppState>,
    unit: NamedReport,
    ApiJson(change): ApiJson<ChildrenDeadline>,
) -> Result<Json<Deadlines>, Error> {
    let target = unit.writable(&state.db).await?;
    Ok(Json(
        deadlines::set_for_children(&state.db, &unit.caller, &target, change).await?,
    ))
}
