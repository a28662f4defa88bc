//! `GET /healthz`: the server is up and its database answers.

use axum::Json;
use axum::extract::State;
use tuanle_shared::wire::Health;

use super::AppState;
use crate::error::Error;

pub async fn health_get(State(state): State<AppState>) -> Result<Json<Health>, Error> {
    sqlx::query("SELECT 1").execute(&state.db).await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}
