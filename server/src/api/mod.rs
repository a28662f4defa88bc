//! The JSON API under `/api/v1`, one module per resource, and `/healthz`.

mod campaigns;
mod dashboard;
mod export;
mod forms;
mod health;
mod reports;
mod session;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use sqlx::SqlitePool;
use tuanle_shared::wire::routes;

use crate::error::AppError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: SqlitePool,
    /// Mark cookies `Secure` (the server is behind TLS).
    pub secure_cookies: bool,
    /// Changes of totals, for the live dashboards.
    pub live: crate::live::Live,
}

/// Largest request body: a full report with long narrative texts fits many times over.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The API routes. Unknown paths under `/api` answer the API's own 404 body, not the app.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(routes::HEALTHZ, get(health::health_get))
        .route(routes::FORMS, get(forms::forms_list))
        .route(routes::FORM, get(forms::form_get))
        .route(routes::CAMPAIGNS, get(campaigns::campaigns_list))
        .route(
            routes::SESSION,
            post(session::session_create)
                .get(session::session_get)
                .delete(session::session_delete),
        )
        .route(routes::REPORT, get(reports::report_get))
        .route(routes::REPORT_PUSH, post(reports::report_push))
        .route(routes::REPORT_SUBMIT, post(reports::report_submit))
        .route(routes::REPORT_HISTORY, get(reports::report_history))
        .route(routes::REPORT_RETURN, post(reports::report_return))
        .route(routes::REPORT_APPROVE, post(reports::report_approve))
        .route(routes::DASHBOARD, get(dashboard::dashboard_get))
        .route(routes::DASHBOARD_EVENTS, get(dashboard::dashboard_events))
        .route(routes::EXPORT, get(export::export_get))
        .route(routes::NARRATIVE, get(export::narrative_get))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn api_not_found() -> AppError {
    AppError::NotFound {
        what: "đường dẫn API",
    }
}
