//! Sign-in cannot be used to guess passwords: failures are counted per account and per
//! address, in the database (so every instance counts the same), and past the limit
//! sign-in is refused before any password is checked.

use reqwest::Method;
use serde_json::json;
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer};
use tuanle_server::auth::limit::{PER_ACCOUNT, PER_ADDRESS};
use tuanle_shared::wire::RefusalCode;
use tuanle_shared::wire::{ApiError, routes};

async fn sign_in(client: &ApiClient, username: &str, password: &str) -> reqwest::Response {
    client
        .post(
            routes::SESSION,
            &json!({"username": username, "password": password}),
        )
        .await
        .expect("an answer")
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_while_on_every_instance() {
    let server = TestServer::spawn().await.expect("server");
    let client = ApiClient::new(&server);
    for _ in 0..PER_ACCOUNT {
        let r = sign_in(&client, "nb-hq-th", "đoán-bừa").await;
        assert_eq!(r.status(), 401);
    }
    // Now even the right password is refused, with a time to wait.
    let r = sign_in(&client, "nb-hq-th", DEMO_PASSWORD).await;
    assert_eq!(r.status(), 429);
    let retry_after: u64 = r
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!(retry_after > 0 && retry_after <= 15 * 60, "{retry_after}");
    let body: ApiError = r.json().await.expect("error body");
    assert_eq!(body.code, RefusalCode::TooManyAttempts);
    assert!(body.message.contains("thử lại sau"), "{}", body.message);
    // The username's case does not get around it.
    assert_eq!(
        sign_in(&client, "NB-HQ-TH", DEMO_PASSWORD).await.status(),
        429
    );
    // Another instance on the same database refuses it too.
    let other = server.start_another().await.expect("second instance");
    let elsewhere = ApiClient::new(&server).at(other);
    assert_eq!(
        sign_in(&elsewhere, "nb-hq-th", DEMO_PASSWORD)
            .await
            .status(),
        429
    );
    // Other accounts from the same address are not held back.
    assert_eq!(
        sign_in(&client, "nb-hq-mn", DEMO_PASSWORD).await.status(),
        200
    );
}

#[tokio::test]
async fn an_address_guessing_many_usernames_is_held_back() {
    let server = TestServer::spawn().await.expect("server");
    let client = ApiClient::new(&server);
    for i in 0..PER_ADDRESS {
        let r = sign_in(&client, &format!("khong-co-{i}"), "sai").await;
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = sign_in(&client, "nb-hq-th", DEMO_PASSWORD).await;
    assert_eq!(r.status(), 429);
}

#[tokio::test]
async fn a_success_clears_the_accounts_failures() {
    let server = TestServer::spawn().await.expect("server");
    let client = ApiClient::new(&server);
    for _ in 0..PER_ACCOUNT - 1 {
        assert_eq!(sign_in(&client, "nb-hq-th", "sai").await.status(), 401);
    }
    assert_eq!(
        sign_in(&client, "nb-hq-th", DEMO_PASSWORD).await.status(),
        200
    );
    for _ in 0..PER_ACCOUNT - 1 {
        assert_eq!(sign_in(&client, "nb-hq-th", "sai").await.status(), 401);
    }
    assert_eq!(
        sign_in(&client, "nb-hq-th", DEMO_PASSWORD).await.status(),
        200
    );
}

/// "Sign out everywhere" ends the account's sessions on every device, and only its own.
#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_account() {
    let server = TestServer::spawn().await.expect("server");
    let tablet = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD)
        .await
        .expect("tablet");
    let phone = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD)
        .await
        .expect("phone");
    let neighbour = ApiClient::sign_in(&server, "nb-hq-mn", DEMO_PASSWORD)
        .await
        .expect("another account");
    let r = phone
        .send(
            Method::DELETE,
            &format!("{}?everywhere=true", routes::SESSION),
            None,
        )
        .await
        .expect("sign out everywhere");
    assert_eq!(r.status(), 204);
    for (who, client) in [("tablet", &tablet), ("phone", &phone)] {
        let r = client.get(routes::SESSION).await.expect("who am I");
        assert_eq!(r.status(), 401, "{who} is signed out");
    }
    assert_eq!(
        neighbour
            .get(routes::SESSION)
            .await
            .expect("who am I")
            .status(),
        200
    );
    // A plain sign-out ends only that session.
    let a = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD)
        .await
        .expect("a");
    let b = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD)
        .await
        .expect("b");
    assert_eq!(
        a.delete(routes::SESSION).await.expect("sign out").status(),
        204
    );
    assert_eq!(a.get(routes::SESSION).await.expect("a").status(), 401);
    assert_eq!(b.get(routes::SESSION).await.expect("b").status(), 200);
}

/// Behind TLS (`--secure-cookies`) the session cookie is also `Secure`; without it, not
/// (the demo and the tests run on plain HTTP on loopback).
#[tokio::test]
async fn the_session_cookie_is_secure_behind_tls() {
    let server = TestServer::spawn().await.expect("server");
    let mut config = server.config();
    config.secure_cookies = true;
    let app = tuanle_server::Application::build(&config)
        .await
        .expect("a server with secure cookies");
    let addr = app.local_addr();
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    for (base, secure) in [(server.url(""), false), (format!("http://{addr}"), true)] {
        let r = reqwest::Client::new()
            .post(format!("{base}{}", routes::SESSION))
            .json(&json!({"username": "nb-hq-th", "password": DEMO_PASSWORD}))
            .send()
            .await
            .expect("sign in");
        let cookie = r
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .expect("a cookie")
            .to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        assert_eq!(cookie.contains("; Secure"), secure, "{cookie}");
    }
}

/// Signs in at `base` as a client behind a proxy that names it `forwarded_for`.
async fn sign_in_forwarded(
    base: &str,
    forwarded_for: &str,
    username: &str,
    password: &str,
) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(format!("{base}{}", routes::SESSION))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("an answer")
        .status()
}

/// Behind a trusted reverse proxy (`--trusted-proxy`), each client is limited by the
/// address the proxy names, so one guesser does not hold back everyone behind the proxy.
/// From anyone else `X-Forwarded-For` is ignored: writing a new address there on every
/// guess does not escape the limit.
#[tokio::test]
async fn the_address_limit_believes_only_a_trusted_proxy() {
    let server = TestServer::spawn().await.expect("server");
    let direct = server.url("");
    for i in 0..PER_ADDRESS {
        let status = sign_in_forwarded(
            &direct,
            &format!("203.0.113.{i}"),
            &format!("khong-co-{i}"),
            "sai",
        )
        .await;
        assert_eq!(status, 401, "attempt {i}");
    }
    assert_eq!(
        sign_in_forwarded(&direct, "198.51.100.7", "nb-hq-th", DEMO_PASSWORD).await,
        429
    );

    let mut config = server.config();
    config.trusted_proxies = vec!["127.0.0.1".parse().expect("an address")];
    let app = tuanle_server::Application::build(&config)
        .await
        .expect("a server behind a proxy");
    let proxied = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    // The loopback address is held back, but the proxy's clients are told apart.
    for i in 0..PER_ADDRESS {
        let status = sign_in_forwarded(
            &proxied,
            "192.0.2.1, 203.0.113.5",
            &format!("khong-co-{i}"),
            "sai",
        )
        .await;
        assert_eq!(status, 401, "attempt {i}");
    }
    assert_eq!(
        sign_in_forwarded(&proxied, "203.0.113.5", "nb-hq-th", DEMO_PASSWORD).await,
        429
    );
    // Whatever the guesser writes in front of what the proxy appends.
    assert_eq!(
        sign_in_forwarded(
            &proxied,
            "192.0.2.99, 203.0.113.5",
            "nb-hq-th",
            DEMO_PASSWORD
        )
        .await,
        429
    );
    assert_eq!(
        sign_in_forwarded(&proxied, "203.0.113.6", "nb-hq-th", DEMO_PASSWORD).await,
        200
    );
}

/// When the session of `username` ends, as stored (Unix ms).
async fn session_end(db: &tuanle_server::db::Pool, username: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT s.expires_at FROM sessions s JOIN accounts a ON a.id = s.account_id
         WHERE a.username = $1",
    )
    .bind(username)
    .fetch_one(db)
    .await
    .expect("one session")
}

/// When the session of `username` ends, once `moved` holds of it: a used session's end
/// is moved in the background, after the request is answered. Gives up after 5 s and
/// returns what is stored then.
async fn session_end_once(
    db: &tuanle_server::db::Pool,
    username: &str,
    moved: impl Fn(i64) -> bool,
) -> i64 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let end = session_end(db, username).await;
        if moved(end) || std::time::Instant::now() > deadline {
            return end;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Moves the end of `username`'s session, as if time had passed.
async fn set_session_end(db: &tuanle_server::db::Pool, username: &str, at: i64) {
    sqlx::query(
        "UPDATE sessions SET expires_at = $1
         WHERE account_id = (SELECT id FROM accounts WHERE username = $2)",
    )
    .bind(at)
    .bind(username)
    .execute(db)
    .await
    .expect("moved");
}

/// A session ends when it goes unused: an administrator's after 12 hours, a reporter's
/// after 30 days; using it keeps it going.
#[tokio::test]
async fn unused_sessions_end_and_used_ones_go_on() {
    use tuanle_server::auth::session::{TOUCH_EVERY_MS, idle_ms};
    use tuanle_shared::wire::Role;
    let server = TestServer::spawn().await.expect("server");
    let db = server.db().await.expect("database");
    let reporter = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD)
        .await
        .expect("reporter");
    let admin = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD)
        .await
        .expect("admin");
    let now = tuanle_server::clock::now_ms();
    for (who, role) in [("nb-hq-th", Role::Reporter), ("admin", Role::Admin)] {
        let left = session_end(&db, who).await - now;
        assert!(
            (idle_ms(role) - 60_000..=idle_ms(role) + 60_000).contains(&left),
            "{who}: {left} ms left"
        );
    }
    // The reporter comes back a minute before the end: the session goes on for 30 days.
    set_session_end(&db, "nb-hq-th", now + 60_000).await;
    assert_eq!(
        reporter.get(routes::SESSION).await.expect("me").status(),
        200
    );
    let end = session_end_once(&db, "nb-hq-th", |end| end > now + 60_000).await;
    let left = end - tuanle_server::clock::now_ms();
    assert!(
        left > idle_ms(Role::Reporter) - TOUCH_EVERY_MS,
        "{left} ms left"
    );
    // A session from before idle times (its end 100 days away) is pulled in to the
    // administrator's 12 hours at its next use.
    set_session_end(&db, "admin", now + 100 * 24 * 3_600_000).await;
    assert_eq!(admin.get(routes::SESSION).await.expect("me").status(), 200);
    let end = session_end_once(&db, "admin", |end| end < now + 100 * 24 * 3_600_000).await;
    let left = end - tuanle_server::clock::now_ms();
    assert!(left <= idle_ms(Role::Admin), "{left} ms left");
    // The administrator comes back a moment too late.
    set_session_end(&db, "admin", now - 1).await;
    let r = admin.get(routes::SESSION).await.expect("me");
    assert_eq!(r.status(), 401);
    let body: ApiError = r.json().await.expect("error body");
    assert_eq!(body.code, RefusalCode::NotSignedIn);
}

/// A failed sign-in stores nothing unbounded: a username or password longer than any
/// account's is refused before it is checked, and nothing of it is stored.
#[tokio::test]
async fn a_huge_username_or_password_is_refused_and_stores_nothing() {
    let server = TestServer::spawn().await.expect("server");
    let client = ApiClient::new(&server);
    let huge = "a".repeat(1_900_000);
    for body in [
        json!({"username": huge, "password": "sai"}),
        json!({"username": "nb-hq-th", "password": huge}),
    ] {
        let (status, e) = client
            .post_refused(routes::SESSION, &body)
            .await
            .expect("refused");
        assert_eq!((status, e.code), (401, RefusalCode::BadCredentials));
    }
    let db = server.db().await.expect("db");
    let stored: (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MAX(LENGTH(key)) FROM sign_in_failures")
            .fetch_one(&db)
            .await
            .expect("failures");
    assert_eq!(stored, (0, None), "nothing stored");
    // A wrong password of a possible account still counts, by username and address.
    let (status, _) = client
        .post_refused(
            routes::SESSION,
            &json!({"username": "nb-hq-th", "password": "sai"}),
        )
        .await
        .expect("refused");
    assert_eq!(status, 401);
    let stored: (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MAX(LENGTH(key)) FROM sign_in_failures")
            .fetch_one(&db)
            .await
            .expect("failures");
    assert_eq!(stored.0, 2);
    assert!(stored.1.is_some_and(|n| n < 64), "{stored:?}");
}
