//! The HTTP API of the real server, on a free loopback port with a real SQLite file.

use tuanle_e2e::TestServer;
use tuanle_shared::FormDef;
use tuanle_shared::wire::RefusalCode;
use tuanle_shared::wire::{ApiError, CampaignSummary, Health, routes};

async fn get(server: &TestServer, path: &str) -> reqwest::Response {
    reqwest::get(server.url(path))
        .await
        .expect("the server answers")
}

/// `/healthz` answers once the database is open.
#[tokio::test]
async fn healthz_says_ok() {
    let server = TestServer::spawn().await.expect("server starts");
    let response = get(&server, routes::HEALTHZ).await;
    assert_eq!(response.status(), 200);
    let health: Health = response.json().await.expect("json");
    assert_eq!(health.status, "ok");
}

/// Tests of the SQLite file itself (skipped by name on PostgreSQL).
mod sqlite_only {
    use super::*;

    /// The server creates its SQLite file on first start, in WAL mode. (On PostgreSQL it
    /// migrates the empty database it is given, which every other test shows.)
    #[tokio::test]
    async fn the_database_file_is_created_in_wal_mode() {
        let server = TestServer::spawn().await.expect("server starts");
        let file = server.require_sqlite();
        assert!(file.exists());
        assert_eq!(journal_mode(&file).await, "wal");
    }

    async fn journal_mode(file: &std::path::Path) -> String {
        use sqlx::ConnectOptions;
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(file)
            .connect()
            .await
            .expect("open the file");
        sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut conn)
            .await
            .expect("pragma")
    }
}

/// Both form versions are served as data, and read back into the same definitions the
/// shared crate ships (their guidance notes only when asked for).
#[tokio::test]
async fn form_definitions_are_served_as_data() {
    let server = TestServer::spawn().await.expect("server starts");
    let forms: Vec<FormDef> = get(&server, routes::FORMS)
        .await
        .json()
        .await
        .expect("forms");
    let versions: Vec<&str> = forms.iter().map(FormDef::version).collect();
    assert_eq!(versions, ["2023", "2025"]);
    let shipped = tuanle_shared::form::builtin("2025").expect("shipped");
    let form: FormDef = get(&server, &routes::form("2025"))
        .await
        .json()
        .await
        .expect("form 2025");
    // Without asking, as builds before the rows' guidance read it: the form without it.
    assert_eq!(form, shipped.without_guidance());
    let with_guidance: FormDef = get(&server, &routes::form_with_guidance("2025"))
        .await
        .json()
        .await
        .expect("form 2025 with its guidance");
    assert_eq!(&with_guidance, shipped);
    assert!(
        with_guidance
            .guidance(&"1.9".parse().expect("code"))
            .is_some()
    );
}

/// An unknown form version is a 404 with a code for programs and a Vietnamese message.
#[tokio::test]
async fn an_unknown_form_is_a_precise_404() {
    let server = TestServer::spawn().await.expect("server starts");
    let response = get(&server, &routes::form("1999")).await;
    assert_eq!(response.status(), 404);
    let error: ApiError = response.json().await.expect("error body");
    assert_eq!(error.code, RefusalCode::NotFound);
    assert_eq!(error.message, "Không tìm thấy mẫu báo cáo.");
    let response = get(&server, "/api/v1/nothing-here").await;
    assert_eq!(response.status(), 404);
    let error: ApiError = response.json().await.expect("error body");
    assert_eq!(error.code, RefusalCode::NotFound);
}

/// The demo campaign 2025 is loaded once, and a restart on the same database neither
/// loses nor duplicates it.
#[tokio::test]
async fn the_demo_campaign_is_loaded_once() {
    let server = TestServer::spawn().await.expect("server starts");
    let campaigns: Vec<CampaignSummary> = get(&server, routes::CAMPAIGNS)
        .await
        .json()
        .await
        .expect("campaigns");
    // Newest first: 2025 open, 2023 (over) closed, with the source documents' themes,
    // dates and deadlines.
    assert_eq!(campaigns.len(), 2);
    assert_eq!((campaigns[0].year, campaigns[0].open), (2025, true));
    assert_eq!(campaigns[0].form_version, "2025");
    assert!(campaigns[0].theme.starts_with("Học để phát triển bản thân"));
    let due: Vec<(u32, &str)> = campaigns[0]
        .deadlines
        .iter()
        .map(|d| (d.depth, d.due_on.as_str()))
        .collect();
    assert_eq!(
        due,
        [(0, "2025-10-25"), (1, "2025-10-20"), (2, "2025-10-16")]
    );
    assert_eq!((campaigns[1].year, campaigns[1].open), (2023, false));
    assert_eq!(
        campaigns[1].theme,
        "Xây dựng năng lực tự học trong kỷ nguyên số"
    );
    assert_eq!(
        (
            campaigns[1].starts_on.as_str(),
            campaigns[1].ends_on.as_str()
        ),
        ("2023-10-02", "2023-10-08")
    );

    let again = server.start_another().await.expect("restart");
    let after: Vec<CampaignSummary> = reqwest::get(format!("http://{again}{}", routes::CAMPAIGNS))
        .await
        .expect("answer")
        .json()
        .await
        .expect("json");
    assert_eq!(after, campaigns);
}

/// The built app is served at `/` and at any client-side route, with a strict
/// Content-Security-Policy and the usual security headers.
#[tokio::test]
async fn the_app_is_served_for_client_routes() {
    let server = TestServer::spawn().await.expect("server starts");
    for path in ["/", "/bao-cao/2025"] {
        let response = get(&server, path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");
        let body = response.text().await.expect("html");
        let boot = tuanle_e2e::built_file("boot").expect("build.json");
        assert!(body.contains(&boot), "{path} serves index.html");
    }
    let page = get(&server, "/").await;
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'")
            && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    // A file named for its content is kept for good; the service worker is not.
    let wasm = get(
        &server,
        &tuanle_e2e::built_file("app.wasm").expect("build.json"),
    )
    .await;
    assert_eq!(wasm.status(), 200);
    assert_eq!(
        wasm.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        get(&server, "/sw.js").await.headers()["cache-control"],
        "no-cache"
    );
    assert_eq!(
        wasm.headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap_or_default()),
        Some("application/wasm")
    );
}

/// Refusals made below the handlers answer in the API's own form: a wrong method is a
/// 405 with `Allow` and `METHOD_NOT_ALLOWED`. A refused request that came with a body
/// (which the server may not have read) is answered with `Connection: close`, so the
/// client does not reuse a connection the server drops.
#[tokio::test]
async fn refusals_below_the_handlers_are_in_the_api_s_own_form() {
    use reqwest::Method;
    let server = TestServer::spawn().await.expect("server starts");
    let client = tuanle_e2e::ApiClient::new(&server);
    let push = routes::report("2025", "NB-HQ-TH", "push");
    for (method, path) in [
        (Method::DELETE, routes::FORMS),
        (Method::PUT, routes::CAMPAIGNS),
        (Method::GET, push.as_str()),
        (Method::PATCH, routes::SESSION),
    ] {
        let r = client
            .send(method.clone(), path, None)
            .await
            .expect("answer");
        assert_eq!(r.status(), 405, "{method} {path}");
        assert!(r.headers().contains_key("allow"), "{method} {path}");
        let (_, e) = tuanle_e2e::refusal(r).await.expect("a refusal");
        assert_eq!(e.code, RefusalCode::MethodNotAllowed, "{method} {path}");
        assert!(!e.message.is_empty());
    }
    let body =
        serde_json::json!({"push_id": "p", "device_id": "d", "base_version": 0, "content": {}});
    let r = client.post(&push, &body).await.expect("answer");
    assert_eq!(r.status(), 401, "not signed in");
    let connection = r.headers().get("connection").and_then(|v| v.to_str().ok());
    assert_eq!(
        connection,
        Some("close"),
        "the unread body ends the connection"
    );
    let r = client
        .get(&routes::report("2025", "NB-HQ-TH", ""))
        .await
        .expect("answer");
    assert_eq!(r.status(), 401);
    assert!(
        r.headers().get("connection").is_none(),
        "without a body the connection is kept"
    );
    // An over-long URL (10 KB, under the 64 KB at which hyper itself answers) is a 414
    // in the API's form, with the body it came with ending the connection.
    let long = format!("{}?q={}", routes::CAMPAIGNS, "x".repeat(10 * 1024));
    let r = client.get(&long).await.expect("answer");
    let (status, e) = tuanle_e2e::refusal(r).await.expect("a refusal");
    assert_eq!((status, e.code), (414, RefusalCode::UriTooLong));
    let r = client
        .post(&format!("{push}?{}", "x".repeat(10 * 1024)), &body)
        .await
        .expect("answer");
    assert_eq!(r.status(), 414);
    assert_eq!(
        r.headers().get("connection").and_then(|v| v.to_str().ok()),
        Some("close")
    );
}
