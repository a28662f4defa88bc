//! Bad input: a generated corpus of malformed requests (broken JSON, wrong types,
//! unknown codes, negative and huge numbers, over-long texts, invalid UTF-8, oversized
//! bodies, unknown fields, wrong content types, odd paths and queries) against every
//! endpoint, as a signed-in reporter, supervisor and administrator. Every answer is a
//! refusal with its precise `{code, message}`, never a 5xx; afterwards the server still
//! answers and the stored totals still equal a recomputation.

use reqwest::Method;
use serde_json::{Value, json};
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer};
use tuanle_server::national::Rng;
use tuanle_shared::form::builtin;
use tuanle_shared::wire::ApiError;
use tuanle_shared::wire::RefusalCode;

/// Picks one of `items` with the national generator's seeded Rng, so a failure can be
/// replayed.
fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.between(0, items.len() as u64 - 1) as usize]
}

/// Values of every wrong kind for a JSON field.
fn odd_values() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(-1),
        json!(-9_223_372_036_854_775_808_i64),
        json!(18_446_744_073_709_551_615_u64),
        json!(1e300),
        json!(0.5),
        json!(""),
        json!("x".repeat(100_000)),
        json!("1.000.000.000.000.000.000.000"),
        json!("\u{0000}\u{202e}"),
        json!([]),
        json!([1, "a", null]),
        json!({}),
        json!({"a": {"b": {"c": [1]}}}),
    ]
}

/// Valid bodies of each JSON endpoint, which the generator then breaks.
fn bodies() -> Vec<(Method, &'static str, Value)> {
    let push = json!({"push_id": "p", "device_id": "d", "base_version": 0,
                      "content": {"numbers": {"2/count": 3, "1.1/persons": 5}, "texts": {"I.1/text": "x"}}});
    vec![
        (
            Method::POST,
            "/api/v1/session",
            json!({"username": "nb-hq-th", "password": "sai"}),
        ),
        (
            Method::POST,
            "/api/v1/campaigns/2025/reports/NB-HQ-TH/push",
            push.clone(),
        ),
        (
            Method::POST,
            "/api/v1/campaigns/2025/reports/NB-HQ-TH/submit",
            json!({"version": 1, "device_id": "d"}),
        ),
        (
            Method::POST,
            "/api/v1/campaigns/2025/reports/NB-HQ-TH/return",
            json!({"reason": "r"}),
        ),
        (
            Method::POST,
            "/api/v1/admin/campaigns",
            json!({"code": "X", "year": 2030, "theme": "t",
            "starts_on": "2030-10-01", "ends_on": "2030-10-07", "form_version": "2025", "deadlines": [], "open": true}),
        ),
        (
            Method::PUT,
            "/api/v1/admin/campaigns/2025",
            json!({"code": "2025", "year": 2025, "theme": "t",
            "starts_on": "2025-10-01", "ends_on": "2025-10-07", "form_version": "2025",
            "deadlines": [{"depth": 1, "due_on": "2025-10-20"}], "open": true}),
        ),
        (
            Method::POST,
            "/api/v1/admin/campaigns/2025/units",
            json!({"code": "NB-HQ-X", "name": "n", "kind": "tieu_hoc", "parent": "NB-HQ"}),
        ),
        (
            Method::PATCH,
            "/api/v1/admin/campaigns/2025/units/NB-HQ-TV",
            json!({"name": "n", "active": true}),
        ),
        (
            Method::POST,
            "/api/v1/admin/campaigns/2025/accounts",
            json!({"username": "u", "display_name": "d", "role": "reporter", "unit_code": "NB-HQ-TV"}),
        ),
        (
            Method::PATCH,
            "/api/v1/admin/campaigns/2025/accounts/nb-hq-tv",
            json!({"display_name": "d"}),
        ),
        (
            Method::PUT,
            "/api/v1/campaigns/2025/units/NB-HQ/children-deadline",
            json!({"due_on": "2025-10-14"}),
        ),
        (
            Method::POST,
            "/api/v1/campaigns/2025/units/NB-HQ-TV/accounts/nb-hq-tv/password",
            json!({}),
        ),
        (
            Method::POST,
            "/api/v1/admin/campaigns/2025/accounts/bulk",
            json!({"depth": 2, "under": "NB-NT"}),
        ),
        (
            Method::POST,
            "/api/v1/admin/campaigns/2025/tree/preview?from=2023",
            json!({}),
        ),
    ]
}

/// A broken version of a valid body: a field set to an odd value, removed, or added;
/// or the whole body replaced by something that is not the right JSON.
fn mutate(rng: &mut Rng, body: &Value) -> Value {
    let odd = odd_values();
    let mut v = body.clone();
    match rng.between(0, 4) {
        0 | 1 => {
            if let Some(obj) = v.as_object_mut() {
                let keys: Vec<String> = obj.keys().cloned().collect();
                if !keys.is_empty() {
                    let k = pick(rng, &keys).clone();
                    obj.insert(k, pick(rng, &odd).clone());
                }
            }
        }
        2 => {
            if let Some(obj) = v.as_object_mut() {
                let keys: Vec<String> = obj.keys().cloned().collect();
                if !keys.is_empty() {
                    let k = pick(rng, &keys).clone();
                    obj.remove(&k);
                }
            }
        }
        3 => {
            if let Some(obj) = v.as_object_mut() {
                obj.insert("khong_co".into(), pick(rng, &odd).clone());
            }
        }
        _ => {
            // Inside the push content: odd cells.
            let cells = [
                "2/count",
                "2/persons",
                "1/count",
                "99/count",
                "1.1/persons",
                "I.1/text",
                "2/",
                "/count",
                "",
                "1.1/count/x",
            ];
            let cell = pick(rng, &cells).to_string();
            v = json!({"push_id": "q", "device_id": "d", "base_version": 0,
                       "content": {"numbers": {cell.clone(): pick(rng, &odd).clone()},
                                   "texts": {cell: pick(rng, &odd).clone()}}});
        }
    }
    v
}

/// Raw bodies that are not JSON at all, or not UTF-8.
fn raw_bodies() -> Vec<Vec<u8>> {
    let mut deep = "[".repeat(100_000);
    deep.push_str(&"]".repeat(100_000));
    vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"{\"push_id\": ".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        // A key twice, an array for the whole body, an array for the content.
        br#"{"push_id": "p", "push_id": "q", "device_id": "d", "base_version": 0, "content": {}}"#
            .to_vec(),
        br#"["p", "d", 0, {"numbers": {}}]"#.to_vec(),
        br#"{"push_id": "p", "device_id": "d", "base_version": 0, "content": []}"#.to_vec(),
        // Past a bound; text decomposed (raw and in escapes), which is stored in NFC.
        br#"{"push_id": "p", "device_id": "d", "base_version": 0, "content": {"numbers": {"10.1/count": 1000000000001, "1.3/persons": 200000001}}}"#
            .to_vec(),
        "{\"push_id\": \"p\", \"device_id\": \"d\", \"base_version\": 0, \"content\": {\"texts\": {\"I.1/text\": \"Thie\u{302}\u{301}u\"}}}"
            .as_bytes()
            .to_vec(),
        br#"{"push_id": "p", "device_id": "d", "base_version": 0, "content": {"texts": {"I.1/text": "Thie\u0302\u0301u \u0301\u0301"}}}"#
            .to_vec(),
        "{\"username\": \"nb-hq-th\u{301}\", \"password\": \"x\"}".as_bytes().to_vec(),
        b"\xff\xfe\xfd".to_vec(),
        b"{\"push_id\": \"\xff\xff\"}".to_vec(),
        deep.into_bytes(),
        vec![b'a'; 3 * 1024 * 1024],
        format!(
            "{{\"username\": \"{}\", \"password\": \"x\"}}",
            "a".repeat(5 * 1024 * 1024)
        )
        .into_bytes(),
    ]
}

/// Paths with unknown, over-long or undecodable parts, for the read endpoints.
fn odd_paths() -> Vec<String> {
    let long = "X".repeat(10_000);
    let mut paths = Vec::new();
    for unit in [
        "KHONG-CO",
        "%FF%FE",
        "NB-HQ-TH%00",
        long.as_str(),
        "..%2F..%2Fetc",
        "nb-hq-th",
    ] {
        for campaign in ["2025", "9999", "%C3%28"] {
            for rest in ["", "/history", "?mode=bogus"] {
                paths.push(format!("/api/v1/campaigns/{campaign}/reports/{unit}{rest}"));
            }
            paths.push(format!("/api/v1/campaigns/{campaign}/dashboard/{unit}"));
            paths.push(format!(
                "/api/v1/campaigns/{campaign}/units/{unit}/accounts"
            ));
            paths.push(format!("/api/v1/campaigns/{campaign}/export/{unit}?mode=x"));
            paths.push(format!(
                "/api/v1/campaigns/{campaign}/narrative/{unit}?mode=final&mode=x"
            ));
            paths.push(format!(
                "/api/v1/admin/campaigns/{campaign}/units?parent={unit}"
            ));
            paths.push(format!(
                "/api/v1/admin/campaigns/{campaign}/accounts?q={unit}&x=1"
            ));
            paths.push(format!("/api/v1/admin/campaigns/{campaign}/audit?limit=-1"));
        }
    }
    paths.push("/api/v1/forms/%FF".into());
    paths.push(format!("/api/v1/campaigns?q={}", "x".repeat(10 * 1024)));
    paths.push(format!(
        "/api/v1/admin/campaigns/2025/accounts?q={}",
        "Tr\u{1b0}\u{1edd}ng ".repeat(50)
    ));
    paths.push("/api/v1/khong-co".into());
    paths
}

fn assert_refusal(what: &str, status: u16, text: &str) {
    assert!(status < 500, "{what}: {status} {text:.300}");
    if status >= 400 {
        let body: Result<ApiError, _> = serde_json::from_str(text);
        let body =
            body.unwrap_or_else(|e| panic!("{what}: {status} not an API error ({e}): {text:.300}"));
        assert!(
            RefusalCode::ALL.contains(&body.code) && !body.message.is_empty(),
            "{what}: {text:.300}"
        );
    }
}

#[tokio::test]
async fn a_corpus_of_bad_requests_gets_precise_refusals_and_no_5xx() {
    let server = TestServer::spawn().await.expect("server");
    let callers = [
        ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD)
            .await
            .expect("reporter"),
        ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD)
            .await
            .expect("supervisor"),
        ApiClient::sign_in(&server, "admin", DEMO_PASSWORD)
            .await
            .expect("admin"),
    ];
    let http = reqwest::Client::new();
    let mut rng = Rng::new(0x05ee_dbad);
    let mut sent = 0usize;

    // Broken JSON bodies, as each role.
    for (method, path, body) in bodies() {
        for _ in 0..200 {
            let broken = mutate(&mut rng, &body);
            let caller = pick(&mut rng, &callers);
            let r = caller
                .send(method.clone(), path, Some(&broken))
                .await
                .expect("answer");
            let status = r.status().as_u16();
            let text = r.text().await.unwrap_or_default();
            assert_refusal(&format!("{method} {path} {broken:.200}"), status, &text);
            sent += 1;
        }
    }
    // Raw bytes and wrong content types.
    let raws = raw_bodies();
    for (method, path, _) in bodies() {
        for raw in &raws {
            for content_type in [
                "application/json",
                "text/plain",
                "application/x-www-form-urlencoded",
            ] {
                let r = http
                    .request(method.clone(), server.url(path))
                    .header(reqwest::header::CONTENT_TYPE, content_type)
                    .header(
                        reqwest::header::COOKIE,
                        callers[2].cookie().unwrap_or_default(),
                    )
                    .body(raw.clone())
                    .send()
                    .await;
                // An oversized body may be cut off by the server before it is all sent.
                let Ok(r) = r else { continue };
                let status = r.status().as_u16();
                let text = r.text().await.unwrap_or_default();
                assert_refusal(
                    &format!("{method} {path} raw {} bytes {content_type}", raw.len()),
                    status,
                    &text,
                );
                sent += 1;
            }
        }
    }
    // Odd paths and queries, as each role.
    for path in odd_paths() {
        for caller in &callers {
            let r = caller.get(&path).await.expect("answer");
            let status = r.status().as_u16();
            let text = r.text().await.unwrap_or_default();
            assert_refusal(&format!("GET {path:.200}"), status, &text);
            sent += 1;
        }
    }
    assert!(sent >= 2_000, "only {sent} requests");
    println!("{sent} bad requests sent");

    // Still answering, and nothing stored was corrupted.
    assert_eq!(
        reqwest::get(server.url("/healthz"))
            .await
            .expect("health")
            .status(),
        200
    );
    let db = server.db().await.expect("db");
    let form = builtin("2025").expect("form");
    let (campaign_id,): (i64,) = sqlx::query_as("SELECT id FROM campaigns WHERE code = '2025'")
        .fetch_one(&db)
        .await
        .expect("campaign");
    let stored = tuanle_server::totals::stored_all(&db, campaign_id, form)
        .await
        .expect("stored");
    let mut conn = db.acquire().await.expect("conn");
    let fresh = tuanle_server::totals::recompute(&mut conn, campaign_id, form)
        .await
        .expect("fresh");
    assert_eq!(stored, fresh);
    // What others see still works: every export and printed report of the subtree
    // the bad requests were sent into.
    for (caller, unit) in [
        (&callers[0], "NB-HQ-TH"),
        (&callers[1], "NB-HQ"),
        (&callers[2], "NB"),
    ] {
        for mode in tuanle_shared::wire::FigureMode::ALL {
            for path in [
                tuanle_shared::wire::routes::export("2025", unit, mode),
                tuanle_shared::wire::routes::narrative("2025", unit, mode),
            ] {
                let r = caller.get(&path).await.expect("answer");
                assert_eq!(r.status(), 200, "{path}");
            }
        }
    }
    eprintln!("{sent} bad requests, none answered 5xx");
}

/// Reports at every bound, submitted and approved in two schools of a ward: every
/// consolidation above them, the ward's and the province's final and provisional
/// exports and printed reports, still answer. Before the bounds, `10.1 = u64::MAX` in
/// one school and `10.2 = 1` made them all answer 500.
#[tokio::test]
async fn reports_at_every_bound_never_break_the_documents_above() {
    let server = TestServer::spawn().await.expect("server");
    let form = builtin("2025").expect("form");
    let mut numbers = serde_json::Map::new();
    for row in form.rows() {
        for column in tuanle_shared::Column::ALL {
            let cell = tuanle_shared::NumberCell::new(row.code.clone(), column);
            if let Some(max) = form.bound_of(&cell) {
                numbers.insert(format!("{}/{}", row.code, column.as_str()), json!(max));
            }
        }
    }
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD)
        .await
        .expect("ward");
    for (user, unit) in [("nb-hq-th", "NB-HQ-TH"), ("nb-hq-mn", "NB-HQ-MN")] {
        let me = ApiClient::sign_in(&server, user, DEMO_PASSWORD)
            .await
            .expect("school");
        let routes = |a: &str| tuanle_shared::wire::routes::report("2025", unit, a);
        let push = json!({"push_id": format!("max-{unit}"), "device_id": "t", "base_version": 0,
                          "content": {"numbers": numbers}});
        let r = me.post(&routes("push"), &push).await.expect("answer");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        let submit = json!({"version": 1, "device_id": "t", "acknowledge_warnings": true});
        let r = me.post(&routes("submit"), &submit).await.expect("answer");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        let r = ward
            .post(&routes("approve"), &json!({}))
            .await
            .expect("answer");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    }
    let province = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD)
        .await
        .expect("province");
    for (caller, unit) in [(&ward, "NB-HQ"), (&province, "NB"), (&ward, "NB-HQ-TH")] {
        for mode in tuanle_shared::wire::FigureMode::ALL {
            for path in [
                tuanle_shared::wire::routes::export("2025", unit, mode),
                tuanle_shared::wire::routes::narrative("2025", unit, mode),
                tuanle_shared::wire::routes::dashboard("2025", unit, false),
            ] {
                let r = caller.get(&path).await.expect("answer");
                assert_eq!(r.status(), 200, "{path}");
            }
        }
    }
    let dashboard: tuanle_shared::wire::Dashboard = province
        .get_json(&tuanle_shared::wire::routes::dashboard("2025", "NB", false))
        .await
        .expect("dashboard");
    let sums = tuanle_shared::Sums::from_slots(form, dashboard.final_figures).expect("slots");
    let row = form
        .row_index(&"10".parse().expect("code"))
        .expect("row 10");
    assert_eq!(
        tuanle_shared::Totals::compute(form, &sums).get(row, tuanle_shared::Column::Count),
        Some(u128::from(form.bounds().money) * 4),
        "two schools, 10.1 and 10.2 each at the money bound"
    );
}
