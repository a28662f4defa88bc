//! Building and running the server: bind, open the database, assemble the router.
//! Split from `main` so tests start the very same server on a free port.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use axum::Router;
use axum::http::{HeaderValue, header};
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::api::{self, AppState};
use crate::config::Config;
use crate::db::Pool;
use crate::demo;

/// A bound, ready server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Pool,
    /// Set when the server stops, so live event streams end and shutdown is not held up.
    stopping: tokio::sync::watch::Sender<bool>,
}

impl Application {
    /// Creates the data directory and database if needed, migrates, loads the demo data
    /// when asked, and binds the address.
    pub async fn build(config: &Config) -> anyhow::Result<Application> {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!("cannot create data directory {}", config.data_dir.display())
        })?;
        let db = crate::db::connect(&config.database_url()).await?;
        if config.demo
            && demo::seed_if_empty(&db)
                .await
                .context("cannot load the demo data")?
        {
            tracing::info!("demo campaign loaded");
        }
        crate::totals::ensure(&db)
            .await
            .map_err(|e| anyhow::anyhow!("cannot build the totals: {e}"))?;
        if !config.assets_dir.join("index.html").exists() {
            tracing::warn!(
                "no built app in {}: build it with scripts/run",
                config.assets_dir.display()
            );
        }
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let (stopping, stopping_rx) = tokio::sync::watch::channel(false);
        let metrics = crate::metrics::Metrics::new();
        let live =
            crate::live::Live::start(&db, &config.database_url(), stopping_rx, metrics.clone())
                .await
                .context("cannot listen for the other servers' changes")?;
        let state = AppState {
            db: db.clone(),
            pushes: crate::group_commit::PushQueue::start(db.clone(), metrics.clone()),
            metrics,
            metrics_token: config.metrics_token.as_deref().map(std::sync::Arc::from),
            secure_cookies: config.secure_cookies,
            trusted_proxies: config
                .trusted_proxies
                .iter()
                .map(|a| a.to_canonical())
                .collect(),
            live,
            heavy: config.heavy_at_once.map_or_else(
                crate::heavy::Heavy::for_this_machine,
                crate::heavy::Heavy::new,
            ),
        };
        let router = router(state, &config.assets_dir);
        Ok(Application {
            listener,
            router,
            db,
            stopping,
        })
    }

    /// The address actually bound (the real port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// The database pool, for tools and tests that look behind the API.
    pub fn db(&self) -> &Pool {
        &self.db
    }

    /// Serves until `shutdown` completes, then closes the database cleanly.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let stopping = self.stopping;
        // The peer address reaches handlers (sign-in is rate-limited per address).
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service)
            .with_graceful_shutdown(async move {
                shutdown.await;
                let _ = stopping.send(true);
            })
            .await?;
        self.db.close().await;
        Ok(())
    }
}

/// The Content-Security-Policy of every answer.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// How long browsers keep what they were sent. A file named for its content (the
/// build's wasm, glue, stylesheet and loader) never changes: kept for a year, not even
/// revalidated. Everything else (the page, the service worker, API answers) is
/// revalidated on every use, so a new build is seen at once.
async fn cache_policy(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let immutable = is_content_named(request.uri().path());
    let mut response = next.run(request).await;
    let policy = if immutable && response.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(policy));
    response
}

/// Whether a path names a file by its content: `name-0123456789ab.ext`, twelve
/// lowercase hex digits (as `scripts/lib.sh` names them).
fn is_content_named(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, _ext)) = file.rsplit_once('.') else {
        return false;
    };
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        hash.len() == 12 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// The whole router: the API, then the built app for every other path (the app routes
/// on the client, so unknown paths get `index.html`).
pub fn router(state: AppState, assets_dir: &Path) -> Router {
    let index = assets_dir.join("index.html");
    // The app's files are compressed once at build time (scripts/lib.sh): Brotli for
    // browsers that take it (they do over HTTPS), gzip for the others.
    let assets = ServeDir::new(assets_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(index));
    api::router(state)
        .fallback_service(assets)
        .layer(axum::middleware::from_fn(cache_policy))
        // A strict policy: only this origin's files run (the wasm needs
        // 'wasm-unsafe-eval' to be compiled), nothing inline, no framing.
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        // Answers compressed for clients that accept it: a dashboard's JSON is 20–36 KB,
        // a few KB gzipped. Never the event streams (each event must go out at once), nor
        // what is compressed already (the workbooks and documents are zip files, the
        // app's files are served precompressed).
        .layer(
            CompressionLayer::new().gzip(true).compress_when(
                DefaultPredicate::new()
                    .and(NotForContentType::const_new(
                        "application/vnd.openxmlformats",
                    ))
                    .and(NotForContentType::const_new("application/pdf"))
                    .and(NotForContentType::const_new("image/")),
            ),
        )
        .layer(axum::middleware::from_fn(log_request))
}

/// One log line per request: its method, its route as declared (`/api/v1/campaigns/
/// {campaign}/reports/{unit}/push`, never the path as sent, nor a query, a header or a
/// body: no cookie or password can reach the log), its status and how long it took.
async fn log_request(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let started = std::time::Instant::now();
    let method = request.method().clone();
    // Shared with the router's (no copy on every request, logged or not).
    let matched = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .cloned();
    let unmatched = if request.uri().path().starts_with("/api/") {
        "(unknown API path)"
    } else {
        "(app)"
    };
    let response = next.run(request).await;
    tracing::info!(
        target: "tuanle::request",
        method = %method,
        route = matched.as_ref().map_or(unmatched, |p| p.as_str()),
        status = response.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1e3,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::is_content_named;

    #[test]
    fn content_named_files_are_told_apart() {
        assert!(is_content_named("/pkg/tuanle_app_bg-0123456789ab.wasm"));
        assert!(is_content_named("/style-abcdef012345.css"));
        for other in [
            "/index.html",
            "/sw.js",
            "/pkg/tuanle_app.js",
            "/style-ABCDEF012345.css",
            "/style-abcdef01234.css",
            "/api/v1/reports/2025-abcdef012345",
            "/pkg-admin/",
        ] {
            assert!(!is_content_named(other), "{other}");
        }
    }
}
