//! Sign-in cannot be used to guess passwords: failures are counted per account and per
//! address, in the database (so every instance counts the same), and past the limit
//! sign-in is refused before any password is checked.

use reqwest::Method;
use serde_json::json;
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer};
use tuanle_server::auth::limit::{PER_ACCOUNT, PER_ADDRESS};
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
    assert_eq!(body.code, "TOO_MANY_ATTEMPTS");
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
