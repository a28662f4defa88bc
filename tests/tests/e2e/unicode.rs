//! Decomposed Unicode (NFD: "ệ" as "e" and two combining marks), as macOS and some
//! Vietnamese keyboards write it, is read as the same text as precomposed (NFC): tree
//! files whose every cell is decomposed import, their kinds are known, and their names
//! are stored in NFC, so a decomposed twin of an imported tree renames nothing. Report
//! texts and reasons are stored in NFC however they were sent.

use reqwest::Method;
use serde_json::json;
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer};
use tuanle_shared::wire::admin::{TreePreview, routes};
use tuanle_shared::wire::{ReportState, routes as api};
use tuanle_shared::{TextCell, text::nfc};
use unicode_normalization::UnicodeNormalization;

const CSV: &str = "text/csv";

fn tree() -> &'static str {
    "Mã đơn vị,Tên đơn vị,Loại,Mã cấp trên
BGD,Bộ Giáo dục và Đào tạo,Bộ GDĐT,
NB,Sở GDĐT Ninh Bình,Tỉnh,BGD
NB-HQ,Phường Hồng Quang,Phường,NB
NB-HQ-TH,Trường Tiểu học Hồng Quang,Trường Tiểu học,NB-HQ
NB-HQ-MN,Trường Mầm non Hồng Quang,Mầm non,NB-HQ
NB-HL,Phường Hoa Lư,Phường,NB
NB-HL-TH,Trường Trung học cơ sở Hoa Lư,Trung học cơ sở,NB-HL
"
}

fn decomposed(s: &str) -> String {
    s.nfd().collect()
}

async fn tree_call(admin: &ApiClient, campaign: &str, apply: bool, file: String) -> TreePreview {
    let action = if apply { "import" } else { "preview" };
    let path = routes::campaign(campaign, &format!("/tree/{action}?name=cay.csv"));
    let r = admin
        .post_file(&path, CSV, file.into_bytes())
        .await
        .expect("answer");
    let text = r.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

async fn campaign(admin: &ApiClient, code: &str) {
    let body = json!({
        "code": code, "year": 2026, "theme": "Học tập suốt đời",
        "starts_on": "2026-10-01", "ends_on": "2026-10-07", "form_version": "2025",
        "deadlines": [], "open": true
    });
    let r = admin
        .send(Method::POST, routes::CAMPAIGNS, Some(&body))
        .await
        .expect("create");
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
}

#[tokio::test]
async fn a_decomposed_tree_file_imports_as_the_same_tree() {
    let server = TestServer::spawn().await.expect("server");
    let admin = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD)
        .await
        .expect("admin");
    let nfd = decomposed(tree());
    assert_ne!(nfd, tree(), "the twin really is decomposed");

    // A whole NFD file, headers and kinds included, is read and stored in NFC.
    campaign(&admin, "MAC").await;
    let preview = tree_call(&admin, "MAC", false, nfd.clone()).await;
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    let done = tree_call(&admin, "MAC", true, nfd.clone()).await;
    assert_eq!((done.added, done.applied), (7, true));
    let db = server.db().await.expect("db");
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT u.name FROM units u JOIN campaigns c ON c.id = u.campaign_id WHERE c.code = 'MAC'",
    )
    .fetch_all(&db)
    .await
    .expect("names");
    assert_eq!(names.len(), 7);
    for name in &names {
        assert_eq!(nfc(name), name.as_str(), "stored in NFC");
    }
    assert!(names.iter().any(|n| n == "Trường Tiểu học Hồng Quang"));

    // The NFC file and its NFD twin are the same tree: nothing to rename either way.
    campaign(&admin, "WIN").await;
    let done = tree_call(&admin, "WIN", true, tree().to_owned()).await;
    assert_eq!(done.added, 7);
    let again = tree_call(&admin, "WIN", false, nfd).await;
    assert_eq!(
        (again.added, again.updated, again.unchanged),
        (0, 0, 7),
        "{:?}",
        again.changes
    );
}

#[tokio::test]
async fn texts_are_stored_precomposed_however_they_were_sent() {
    let server = TestServer::spawn().await.expect("server");
    let me = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD)
        .await
        .expect("reporter");
    let precomposed = "Khó khăn: thiếu kinh phí, người học ở xa";
    let nfd = decomposed(precomposed);
    // Raw decomposed UTF-8, and the same text hidden in \u escapes.
    let escaped: String = nfd
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                format!("\\u{:04x}", u32::from(c))
            }
        })
        .collect();
    let push = |id: &str, base: u64, text: &str| {
        format!(
            r#"{{"push_id": "{id}", "device_id": "t", "base_version": {base}, "content": {{"texts": {{"II.2/text": "{text}", "I.1/text": "{text}"}}}}}}"#
        )
    };
    let path = api::report("2025", "NB-HQ-TH", "push");
    for (i, body) in [push("nfd-1", 0, &nfd), push("nfd-2", 1, &escaped)]
        .into_iter()
        .enumerate()
    {
        let r = me
            .post_file(&path, "application/json", body.into_bytes())
            .await
            .expect("answer");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        let state: ReportState = me
            .get_json(&api::report("2025", "NB-HQ-TH", ""))
            .await
            .expect("state");
        let text = state
            .content
            .text(&TextCell::text("II.2".parse().expect("code")));
        assert_eq!(text, Some(precomposed), "push {i}");
    }
}
