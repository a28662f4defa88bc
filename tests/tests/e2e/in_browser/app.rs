//! The app in a real headless Chromium against the real server.

use fantoccini::Locator;
use tuanle_e2e::{Browser, TestServer};
use tuanle_shared::form::builtin;

/// The demo campaign's form shows every row in the official order with its official
/// label; typing `1.234` then a letter shows the Vietnamese error; totals follow the
/// typed numbers live.
#[tokio::test]
async fn the_form_renders_validates_and_totals_live() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let browser = Browser::start().await?;
    let c = &browser.client;
    c.goto(&server.url("/")).await?;
    // Signed out, the app asks who you are first.
    browser.wait_for("form.sign-in").await?;
    browser.sign_in(&server, "nb-hq-th").await?;

    // Every row, in order, with its label and unit.
    let form = builtin("2025").expect("2025 form");
    let rows = c.find_all(Locator::Css("tr[data-row]")).await?;
    assert_eq!(rows.len(), form.rows().len());
    for (row, def) in rows.iter().zip(form.rows()) {
        assert_eq!(
            row.attr("data-row").await?.as_deref(),
            Some(def.code.as_str())
        );
        let label = row.find(Locator::Css("td.label")).await?.text().await?;
        assert!(label.starts_with(&def.label), "row {}: {label:?}", def.code);
        let unit = row.find(Locator::Css("td.unit")).await?.text().await?;
        assert_eq!(unit, def.unit.trim(), "unit of row {}", def.code);
    }
    let count = c.find(Locator::Css("input[data-cell='1.2/count']")).await?;
    assert_eq!(count.attr("inputmode").await?.as_deref(), Some("numeric"));

    // Vietnamese grouping is accepted; a letter is refused in Vietnamese.
    count.send_keys("1.234").await?;
    assert!(
        c.find_all(Locator::Css("tr[data-row='1.2'] .cell-error"))
            .await?
            .is_empty()
    );
    count.send_keys("a").await?;
    let error = browser
        .wait_for("tr[data-row='1.2'] .cell-error")
        .await?
        .text()
        .await?;
    assert_eq!(error, "Chỉ được nhập chữ số 0–9 (có ký tự “a”).");

    // Totals follow: the wrong cell counts for nothing until it is corrected.
    let total = || async {
        Ok::<_, anyhow::Error>(
            c.find(Locator::Css("output[data-total='1/count']"))
                .await?
                .text()
                .await?,
        )
    };
    c.find(Locator::Css("input[data-cell='1.1/count']"))
        .await?
        .send_keys("3")
        .await?;
    browser
        .eventually("total of row 1 is 3", || async {
            Ok(total().await? == "3")
        })
        .await?;
    count.send_keys("\u{E003}").await?; // Backspace removes the letter.
    browser
        .eventually("total of row 1 is 1.237", || async {
            Ok(total().await? == "1.237")
        })
        .await?;
    assert!(
        c.find_all(Locator::Css("tr[data-row='1.2'] .cell-error"))
            .await?
            .is_empty()
    );

    // Persons per class are checked by the shared rules, in Vietnamese.
    c.find(Locator::Css("input[data-cell='1.1/persons']"))
        .await?
        .send_keys("2")
        .await?;
    let warning = browser
        .wait_for("tr[data-row='1.1'] .issue.warning")
        .await?
        .text()
        .await?;
    assert!(
        warning.starts_with("Số người (2) ít hơn số lớp/số cuộc (3)"),
        "{warning}"
    );
    let persons_total = c
        .find(Locator::Css("output[data-total='1.p/persons']"))
        .await?
        .text()
        .await?;
    assert_eq!(persons_total, "2");

    browser.close().await
}

/// A lost tablet: from another device, the reporter signs out on every device. The
/// menu under their name asks first; then this browser is back at sign-in and every
/// other session of the account is refused.
#[tokio::test]
async fn signing_out_everywhere_from_the_menu() -> anyhow::Result<()> {
    use tuanle_e2e::{ApiClient, DEMO_PASSWORD};
    use tuanle_shared::wire::routes;
    let server = TestServer::spawn().await?;
    let lost_tablet = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let neighbour = ApiClient::sign_in(&server, "nb-hq-mn", DEMO_PASSWORD).await?;
    let browser = Browser::start().await?;
    browser.sign_in(&server, "nb-hq-th").await?;
    browser.click(".account .who summary").await?;
    browser.screenshot("account-menu").await?;
    browser.click(".account .who button.everywhere").await?;
    let question = browser.client.get_alert_text().await?;
    assert!(question.contains("mọi thiết bị"), "{question}");
    browser.client.accept_alert().await?;
    browser.wait_for("form.sign-in").await?;
    assert_eq!(lost_tablet.get(routes::SESSION).await?.status(), 401);
    assert_eq!(neighbour.get(routes::SESSION).await?.status(), 200);
    // Reloading does not bring the session back.
    browser.client.goto(&server.url("/")).await?;
    browser.wait_for("form.sign-in").await?;
    browser.close().await
}
