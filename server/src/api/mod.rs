//! The HTTP layer: the JSON API under `/api/v1`, one module per resource, and
//! `/healthz`. Handlers are thin: they take what [`extract`] reads from the request,
//! call the domain, and answer; [`error`] gives every refusal its status. Nothing
//! below this module knows of HTTP.

mod accounts;
mod address;
mod admin;
mod campaigns;
mod dashboard;
mod deadlines;
pub mod error;
mod events;
mod export;
pub mod extract;
mod forms;
mod health;
mod json;
mod metrics;
mod openapi;
mod packages;
mod reports;
mod session;
mod template;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, patch, post, put};
use tuanle_shared::wire::admin::routes as admin_routes;
use tuanle_shared::wire::routes;

use crate::db::Pool;
use crate::error::Error;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Pool,
    /// The reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: std::sync::Arc<[std::net::IpAddr]>,
    /// Mark cookies `Secure` (the server is behind TLS).
    pub secure_cookies: bool,
    /// Pushes wait here to be written together.
    pub pushes: crate::group_commit::PushQueue,
    /// Changes of totals, for the live dashboards.
    pub live: crate::live::Live,
    /// Documents built and files read, a few at a time.
    pub heavy: crate::heavy::Heavy,
    /// What the server counts, for `/metrics`.
    pub metrics: crate::metrics::Metrics,
    /// The secret that opens `/metrics` to other machines, if one is set.
    pub metrics_token: Option<std::sync::Arc<str>>,
}

/// Largest request body: a full report with long narrative texts fits many times over.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The API routes. Unknown paths under `/api` answer the API's own 404 body, not the app.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(routes::HEALTHZ, get(health::health_get))
        .route(metrics::PATH, get(metrics::metrics_get))
        .route(routes::OPENAPI, get(openapi::openapi_get))
        .route(routes::FORMS, get(forms::forms_list))
        .route(routes::FORM, get(forms::form_get))
        .route(routes::CAMPAIGNS, get(campaigns::campaigns_list))
        .route(routes::UNIT_KINDS, get(campaigns::unit_kinds))
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
        .route(routes::REPORT_EVENTS, get(reports::report_events))
        .route(routes::REPORT_RETURN, post(reports::report_return))
        .route(routes::REPORT_APPROVE, post(reports::report_approve))
        .route(routes::REPORT_COMMENTS, post(reports::report_comment))
        .route(routes::UNIT_REMINDED, post(reports::unit_reminded))
        .route(routes::REPORT_FOLLOW_UP, put(reports::report_follow_up))
        .route(routes::REPORT_RESET, post(reports::report_reset))
        .route(
            routes::REPORT_COMMENT_ANSWER,
            post(reports::report_comment_answer),
        )
        .route(
            routes::REPORT_TEMPLATE,
            get(template::template_get)
                .post(template::template_post)
                .layer(DefaultBodyLimit::max(template::FILE_LIMIT)),
        )
        .route(routes::DASHBOARD, get(dashboard::dashboard_get))
        .route(routes::DASHBOARD_EVENTS, get(dashboard::dashboard_events))
        .route(routes::DASHBOARD_MISSING, get(dashboard::dashboard_missing))
        .route(routes::EXPORT, get(export::export_get))
        .route(routes::NARRATIVE, get(export::narrative_get))
        .route(routes::REPORT_DOCUMENT, get(export::report_document_get))
        .route(
            routes::REPORT_DOCUMENT_FIELDS,
            get(export::document_fields_get).put(export::document_fields_put),
        )
        .route(routes::UNIT_ACCOUNTS, get(accounts::unit_accounts))
        .route(
            routes::CHILDREN_DEADLINE,
            put(deadlines::children_deadline_put),
        )
        .route(
            routes::UNIT_ACCOUNT_PASSWORD,
            post(accounts::unit_account_password),
        )
        .route(
            routes::PACKAGES,
            get(packages::packages_list).post(packages::package_sign_off),
        )
        .route(routes::PACKAGE, get(packages::package_get))
        .route(
            routes::PACKAGE_SIGNED_COPY,
            // The body is read in the handler, after the sender is checked, up to its own
            // limit (`SIGNED_COPY_MAX`).
            get(packages::signed_copy_get).put(packages::signed_copy_put),
        )
        .route(routes::PACKAGE_ACCEPT, post(packages::package_accept))
        .route(routes::PACKAGE_RETURN, post(packages::package_return))
        .route(admin_routes::CAMPAIGNS, post(admin::campaign_create))
        .route(admin_routes::CAMPAIGN, put(admin::campaign_update))
        .route(
            admin_routes::TREE_PREVIEW,
            post(admin::tree_preview).layer(DefaultBodyLimit::max(admin::FILE_LIMIT)),
        )
        .route(
            admin_routes::TREE_IMPORT,
            post(admin::tree_import).layer(DefaultBodyLimit::max(admin::FILE_LIMIT)),
        )
        .route(admin_routes::LEVELS, get(admin::levels_get))
        .route(
            admin_routes::UNITS,
            get(admin::units_list).post(admin::unit_create),
        )
        .route(admin_routes::UNIT, patch(admin::unit_update))
        .route(
            admin_routes::ACCOUNTS,
            get(admin::accounts_list).post(admin::account_create),
        )
        .route(admin_routes::ACCOUNTS_BULK, post(admin::accounts_bulk))
        .route(admin_routes::ACCOUNT, patch(admin::account_update))
        .route(
            admin_routes::ACCOUNT_PASSWORD,
            post(admin::account_password),
        )
        .route(admin_routes::AUDIT, get(admin::audit_list))
        .route(admin_routes::UNIT_KINDS, post(admin::kind_add))
        .route(
            admin_routes::FORMS,
            post(admin::form_add).layer(DefaultBodyLimit::max(admin::FILE_LIMIT)),
        )
        .route(
            admin_routes::FORMS_CHECK,
            post(admin::form_check).layer(DefaultBodyLimit::max(admin::FILE_LIMIT)),
        )
        .route(
            admin_routes::PROVINCE_FORMS,
            get(admin::province_forms_list),
        )
        .route(admin_routes::PROVINCE_FORM, put(admin::province_form_set))
        .route(
            admin_routes::UNIT_KIND_SPELLINGS,
            post(admin::kind_spelling_add),
        )
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(error::refusals))
        .with_state(state)
}

async fn api_not_found() -> Error {
    Error::NotFound {
        what: "đường dẫn API",
    }
}
