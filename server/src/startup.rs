//! Building and running the server: bind, open the database, assemble the router.
//! Split from `main` so tests start the very same server on a free port.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use axum::Router;
use axum::http::{HeaderValue, header};
use tokio::net::TcpListener;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

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
        let live = crate::live::Live::start(&db, &config.database_url(), stopping_rx)
            .await
            .context("cannot listen for the other servers' changes")?;
        let state = AppState {
            db: db.clone(),
            pushes: crate::group_commit::PushQueue::start(db.clone()),
            secure_cookies: config.secure_cookies,
            trusted_proxies: config
                .trusted_proxies
                .iter()
                .map(|a| a.to_canonical())
                .collect(),
            live,
            heavy: config
                .heavy_at_once
                .map_or_else(crate::heavy::Heavy::for_this_machine, crate::heavy::Heavy::new),
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
    let assets = ServeDir::new(assets_dir)
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
        .layer(TraceLayer::new_for_http())
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
