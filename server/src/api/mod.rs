//! The JSON API under `/api/v1`, one module per resource, and `/healthz`.

mod campaigns;
mod forms;
mod health;

use axum::Router;
use axum::routing::get;
use sqlx::SqlitePool;
use tuanle_shared::wire::routes;

use crate::error::AppError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: SqlitePool,
}

/// The API routes. Unknown paths under `/api` answer the API's own 404 body, not the app.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(routes::HEALTHZ, get(health::health_get))
        .route(routes::FORMS, get(forms::forms_list))
        .route(routes::FORM, get(forms::form_get))
        .route(routes::CAMPAIGNS, get(campaigns::campaigns_list))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .with_state(state)
}

async fn api_not_found() -> AppError {
    AppError::NotFound {
        what: "đường dẫn API",
    }
}
