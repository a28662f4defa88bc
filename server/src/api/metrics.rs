//! `GET /metrics`: what the server counts ([`crate::metrics`]), for Prometheus.
//!
//! The counts say how busy the server is and how many people sign in wrongly: not for
//! everyone. They are answered to the server's own machine (a Prometheus or a `curl` on
//! it: a loopback peer, and no proxy header, since a reverse proxy on the same machine
//! forwards the world's requests from the loopback too), and to whoever sends the
//! configured token (`--metrics-token`) as `Authorization: Bearer …`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;

use super::AppState;
use crate::error::Error;

/// Where the metrics are read.
pub const PATH: &str = "/metrics";

/// The headers a reverse proxy adds: a request with any of them came from elsewhere.
const PROXY_HEADERS: [&str; 3] = ["x-forwarded-for", "forwarded", "x-real-ip"];

pub async fn metrics_get(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, Error> {
    let local = peer.ip().to_canonical().is_loopback()
        && !PROXY_HEADERS.iter().any(|h| headers.contains_key(*h));
    let token = state
        .metrics_token
        .as_deref()
        .is_some_and(|token| bearer(&headers).is_some_and(|sent| same_secret(sent, token)));
    if !local && !token {
        return Err(Error::Forbidden);
    }
    let body = state.metrics.render(state.db.size(), state.db.num_idle());
    Ok(([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], body))
}

/// The token of `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Whether two secrets are equal, in a time that does not depend on where they differ.
fn same_secret(sent: &str, expected: &str) -> bool {
    let (a, b) = (sent.as_bytes(), expected.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_and_compared_whole() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(
            header::AUTHORIZATION,
            "Bearer s3cret".parse().expect("a header"),
        );
        assert_eq!(bearer(&headers), Some("s3cret"));
        headers.insert(
            header::AUTHORIZATION,
            "Basic s3cret".parse().expect("a header"),
        );
        assert_eq!(bearer(&headers), None);
        assert!(same_secret("s3cret", "s3cret"));
        assert!(!same_secret("s3cre", "s3cret"));
        assert!(!same_secret("s3creT", "s3cret"));
        assert!(!same_secret("", "s3cret"));
    }
}
