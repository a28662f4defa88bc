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

/// The whole router: the API, then the built app for every other path (the app routes
/// on the client, so unknown paths get `index.html`).
pub fn router(state: AppState, assets_dir: &Path) -> Router {
    let index = assets_dir.join("index.html");
    let assets = ServeDir::new(assets_dir)
        .precompressed_gzip()
        .fallback(ServeFile::new(index));
    api::router(state)
        .fallback_service(assets)
        // The app has no hashed file names yet: make browsers revalidate every time
        // (cheap with Last-Modified), so a new build is never half-loaded.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
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
