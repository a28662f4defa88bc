//! A report that takes no changes for a reason other than its status: its campaign was
//! closed, or its unit marked inactive, while the reporter had unsent edits. In a real
//! Chromium against the real server: the app says why in Vietnamese, keeps what was
//! typed, does not take the report for submitted, and sends the edits once the report
//! takes changes again.

use reqwest::Method;
use serde_json::json;
use tuanle_e2e::{ApiClient, Browser, DEMO_PASSWORD, TestServer};
use tuanle_shared::Content;
use tuanle_shared::wire::admin::routes as admin_routes;
use tuanle_shared::wire::{RefusalCode, ReportState, ReportStatus, routes};

const USER: &str = "nb-hq-th";
const UNIT: &str = "NB-HQ-TH";

async fn admin(server: &TestServer) -> anyhow::Result<ApiClient> {
    ApiClient::sign_in(server, "admin", DEMO_PASSWORD).await
}

/// Marks the school active or inactive, as an administrator does in *Cây đơn vị*.
async fn set_unit_active(admin: &ApiClient, active: bool) -> anyhow::Result<()> {
    let path = admin_routes::campaign("2025", &format!("/units/{UNIT}"));
    let r = admin
        .send(Method::PATCH, &path, Some(&json!({ "active": active })))
        .await?;
    anyhow::ensure!(r.status().is_success(), "{}", r.text().await?);
    Ok(())
}

/// The report as the server holds it.
async fn on_server(server: &TestServer) -> anyhow::Result<ReportState> {
    ApiClient::sign_in(server, USER, DEMO_PASSWORD)
        .await?
        .expect(Method::GET, &routes::report("2025", UNIT, ""), None, 200)
        .await
}

fn count(content: &Content, code: &str) -> Option<u64> {
    content.number(&code.parse().ok()?, tuanle_shared::Column::Count)
}

/// Types while the app still believes the report open; checks what the person sees
/// once a sync has learned why it is not; then has the report opened again and checks
/// that the kept edit reaches the server.
async fn edits_are_kept_while_read_only(
    why: RefusalCode,
    close: impl AsyncFn(&ApiClient) -> anyhow::Result<()>,
    reopen: impl AsyncFn(&ApiClient) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let admin = admin(&server).await?;
    let browser = Browser::start().await?;
    browser.sign_in(&server, USER).await?;
    browser.type_in("2/count", "3").await?;
    browser.wait_sync("synced").await?;
    // The ward comments on a cell without returning: the school is offered to answer.
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let _: ReportState = ward
        .post_json(
            &routes::report("2025", UNIT, "comments"),
            &json!({"cell": "2/count", "text": "Số tin bài có đúng không?"}),
        )
        .await?;
    browser.click(".sync-bar button").await?;
    browser
        .wait_for(".cell-comment .answer-box:not(.hidden)")
        .await?;
    let before = on_server(&server).await?;

    // Typed before the app has heard: an unsent edit. Out of signal meanwhile, so that the
    // report's live news of the change cannot reach the tablet before the keystroke does.
    browser.set_offline(true).await?;
    browser.type_in("1.3/count", "5").await?;
    close(&admin).await?;
    browser.set_offline(false).await?;
    let banner = browser
        .wait_for(&format!(".banner[data-read-only='{}']", why.as_str()))
        .await?;
    let said = banner.text().await?;
    let reason = match why {
        RefusalCode::CampaignClosed => "Đợt báo cáo đã đóng",
        _ => "Đơn vị đã ngừng hoạt động",
    };
    assert!(said.starts_with(reason), "said in Vietnamese: {said}");
    assert!(
        said.contains("chưa gửi vẫn được giữ trên máy"),
        "the unsent edit is said to be kept: {said}"
    );
    assert_eq!(
        browser.value_of("1.3/count").await?,
        "5",
        "the edit is kept"
    );
    let read_only = browser
        .wait_for("[data-cell='1.3/count']")
        .await?
        .prop("readOnly")
        .await?;
    assert_eq!(read_only.as_deref(), Some("true"), "no more typing into it");
    // No answer is offered that the server would refuse; why is said at the comment.
    browser.wait_for(".cell-comment .answer-box.hidden").await?;
    assert!(
        browser
            .text(".cell-comment .answers-closed")
            .await?
            .contains("không thể trả lời nhận xét")
    );
    assert!(
        browser
            .client
            .find_all(fantoccini::Locator::Css(
                ".banner.submitted, #submit-report"
            ))
            .await?
            .is_empty(),
        "neither marked submitted nor offered for submission"
    );
    // Asked to sync again, it still sends nothing, and says nothing else.
    browser.click(".sync-bar button").await?;
    browser.wait_sync("pending").await?;
    let during = on_server(&server).await?;
    assert_eq!(during.version, before.version, "nothing was written");
    assert_eq!(during.status, ReportStatus::Draft);
    assert_eq!(during.read_only, Some(why));
    // A reload keeps both the edit and the reason.
    browser.client.refresh().await?;
    browser
        .wait_for(&format!(".banner[data-read-only='{}']", why.as_str()))
        .await?;
    assert_eq!(browser.value_of("1.3/count").await?, "5");

    reopen(&admin).await?;
    browser.click(".sync-bar button").await?;
    browser.wait_sync("synced").await?;
    let after = on_server(&server).await?;
    assert_eq!(after.read_only, None);
    assert_eq!(after.status, ReportStatus::Draft);
    assert_eq!(
        count(&after.content, "1.3"),
        Some(5),
        "the kept edit arrived"
    );
    assert_eq!(count(&after.content, "2"), Some(3));
    browser
        .wait_for(".cell-comment .answer-box:not(.hidden)")
        .await?;
    assert!(
        browser
            .client
            .find_all(fantoccini::Locator::Css(".banner[data-read-only]"))
            .await?
            .is_empty()
    );
    browser.close().await
}

#[tokio::test]
async fn a_closed_campaign_keeps_unsent_edits_and_does_not_mark_the_report_submitted()
-> anyhow::Result<()> {
    edits_are_kept_while_read_only(
        RefusalCode::CampaignClosed,
        async |a| a.set_campaign_open("2025", false).await,
        async |a| a.set_campaign_open("2025", true).await,
    )
    .await
}

#[tokio::test]
async fn an_inactive_unit_keeps_unsent_edits_and_does_not_mark_the_report_submitted()
-> anyhow::Result<()> {
    edits_are_kept_while_read_only(
        RefusalCode::UnitInactive,
        async |a| set_unit_active(a, false).await,
        async |a| set_unit_active(a, true).await,
    )
    .await
}
