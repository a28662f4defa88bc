//! The reporter in a real headless Chromium against the real server and SQLite file:
//! nothing typed is lost, sync happens by itself, two tablets merge or ask, submission.

use fantoccini::Locator;
use tuanle_e2e::{Browser, TestServer};
use tuanle_shared::Content;
use tuanle_shared::wire::{ReportStatus, routes};

const USER: &str = "nb-hq-th";

/// The content of the report's current version, read from the SQLite file.
async fn stored(server: &TestServer) -> anyhow::Result<(i64, Content, String)> {
    let db = server.db().await?;
    let row: (i64, String, String) = sqlx::query_as(
        "SELECT r.version, v.content, r.status FROM reports r
         JOIN units u ON u.id = r.unit_id
         JOIN report_versions v ON v.report_id = r.id AND v.version = r.version
         WHERE u.code = 'NB-HQ-TH'",
    )
    .fetch_one(&db)
    .await?;
    Ok((row.0, serde_json::from_str(&row.1)?, row.2))
}

fn number(content: &Content, code: &str, column: tuanle_shared::Column) -> Option<u64> {
    content.number(&code.parse().expect("code"), column)
}

use tuanle_shared::Column::{Count, Persons};

/// Typed values survive a reload, and a new browser session on the same profile.
#[tokio::test]
async fn typed_values_survive_reload_and_a_new_browser_session() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let profile = tempfile::tempdir()?;
    let browser = Browser::start_in(profile.path()).await?;
    browser.sign_in(&server, USER).await?;
    browser.type_in("1.3/count", "2").await?;
    browser.type_in("1.3/persons", "1.234").await?;
    browser
        .type_in("I.1/text", "Ban hành kế hoạch ngày 25/9")
        .await?;
    browser.type_in("2/count", "7x").await?; // a mistake is kept as typed too
    browser.client.refresh().await?;
    browser.wait_for("tr[data-row='12.6']").await?;
    assert_eq!(browser.value_of("1.3/count").await?, "2");
    assert_eq!(browser.value_of("1.3/persons").await?, "1.234");
    assert_eq!(
        browser.value_of("I.1/text").await?,
        "Ban hành kế hoạch ngày 25/9"
    );
    assert_eq!(browser.value_of("2/count").await?, "7x");
    browser.close().await?;

    let again = Browser::start_in(profile.path()).await?;
    again.client.goto(&server.url("/")).await?;
    again.wait_for("tr[data-row='12.6']").await?;
    assert_eq!(again.value_of("1.3/persons").await?, "1.234");
    assert_eq!(again.value_of("2/count").await?, "7x");
    // The school's own report as a Word document, from the page of the report's
    // documents (the tools' bundle, loaded the first time).
    again.click("a.open-documents").await?;
    again
        .click("section.documents button.report-document")
        .await?;
    again
        .eventually("the report document is made", || async {
            Ok(again
                .text("section.documents .export-status")
                .await?
                .starts_with("Đã tạo tệp bao-cao-NB-HQ-TH-2025-tam-tinh.docx"))
        })
        .await?;
    again.close().await
}

/// Typed while the server is down: once it is back on the same port and database, the
/// app syncs by itself, and the server holds exactly one new version with those values.
/// The rules work the same without the server.
#[tokio::test]
async fn edits_made_during_an_outage_sync_by_themselves() -> anyhow::Result<()> {
    let mut server = TestServer::spawn().await?;
    let browser = Browser::start().await?;
    browser.sign_in(&server, USER).await?;
    browser.type_in("2/count", "3").await?;
    browser.wait_sync("synced").await?;
    let (before, _, _) = stored(&server).await?;

    server.stop().await?;
    browser.type_in("1.5/count", "4").await?;
    browser.type_in("1.5/persons", "120").await?;
    browser.type_in("1.6/persons", "9").await?;
    browser.type_in("3/count", "1,5").await?;
    // Validation needs no server: the same shared rules run in the app.
    let error = browser
        .wait_for("tr[data-row='3'] .cell-error")
        .await?
        .text()
        .await?;
    assert_eq!(error, "Chỉ nhập số nguyên, không có phần thập phân.");
    let issue = browser
        .wait_for("tr[data-row='1.6'] .issue.error")
        .await?
        .text()
        .await?;
    assert_eq!(issue, "Có 9 người nhưng chưa nhập số lớp/số cuộc.");
    // A number past its cell's bound is flagged on the device by the rule the server
    // applies, and never sent (it stays on screen to be corrected).
    browser.type_in("10.1/count", "1.000.000.000.001").await?;
    let error = browser
        .wait_for("tr[data-row='10.1'] .cell-error")
        .await?
        .text()
        .await?;
    assert_eq!(error, "Số quá lớn: ô này nhận tối đa 1.000.000.000.000.");
    browser.replace_in("3/count", "").await?;
    browser.replace_in("1.6/persons", "").await?;
    // A money cell says its amount in words, as documents write it, and a slip of
    // ×1.000 reads at once; an amount past the bound says nothing.
    assert!(
        browser
            .client
            .find_all(fantoccini::Locator::Css("[data-in-words='10.1/count']"))
            .await?
            .is_empty()
    );
    browser.replace_in("10.2/count", "17.000.000").await?;
    assert_eq!(
        browser.text("[data-in-words='10.2/count']").await?,
        "Mười bảy triệu đồng"
    );
    browser.replace_in("10.2/count", "17000000000").await?;
    assert_eq!(
        browser.text("[data-in-words='10.2/count']").await?,
        "Mười bảy tỷ đồng"
    );
    browser.replace_in("10.2/count", "").await?;
    // A row's guidance, on demand, offline too (it comes with the kept form).
    browser
        .click("details[data-guidance='1.9'] summary")
        .await?;
    let note = browser.text("details[data-guidance='1.9'] p").await?;
    assert!(note.contains("dòng 1.10"), "{note}");
    browser.wait_sync("offline").await?;

    server.start().await?;
    browser.wait_sync("synced").await?;
    let (after, content, _) = stored(&server).await?;
    assert_eq!(after, before + 1, "exactly one new version");
    assert_eq!(number(&content, "1.5", Count), Some(4));
    assert_eq!(number(&content, "1.5", Persons), Some(120));
    assert_eq!(number(&content, "2", Count), Some(3));
    assert_eq!(
        number(&content, "10.1", Count),
        None,
        "past its bound: not sent"
    );
    browser.close().await
}

/// Two tablets signed in as the same unit edit different cells: both edits reach the
/// server. Then both change one cell differently: the second sees both values side by
/// side, picks, and the chosen value is stored with nothing else changed.
#[tokio::test]
async fn two_tablets_merge_and_resolve_a_conflict() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let a = Browser::start().await?;
    let b = Browser::start().await?;
    a.sign_in(&server, USER).await?;
    b.sign_in(&server, USER).await?;

    a.type_in("2/count", "5").await?;
    a.wait_sync("synced").await?;
    b.type_in("3/count", "8").await?;
    b.wait_sync("synced").await?;
    let (_, content, _) = stored(&server).await?;
    assert_eq!(
        (number(&content, "2", Count), number(&content, "3", Count)),
        (Some(5), Some(8))
    );
    b.wait_for(".news").await?; // b is told what came in from a
    assert_eq!(b.value_of("2/count").await?, "5");

    // Both change row 2 while a's change goes first.
    a.replace_in("2/count", "6").await?;
    b.replace_in("2/count", "9").await?;
    a.wait_sync("synced").await?;
    b.click(".sync-bar button").await?;
    let conflict = b.wait_for(".conflicts [data-conflict='2/count']").await?;
    let theirs = conflict
        .find(Locator::Css(".choice.theirs"))
        .await?
        .text()
        .await?;
    let mine = conflict
        .find(Locator::Css(".choice.mine"))
        .await?
        .text()
        .await?;
    assert!(theirs.ends_with("6"), "{theirs}");
    assert!(mine.ends_with("9"), "{mine}");
    assert_eq!(
        b.value_of("2/count").await?,
        "9",
        "nothing typed is dropped before the choice"
    );
    assert_eq!(
        number(&stored(&server).await?.1, "2", Count),
        Some(6),
        "nothing written before the choice"
    );

    b.click(".conflicts [data-conflict='2/count'] .choice.mine")
        .await?;
    b.click(".conflicts button.primary").await?;
    b.wait_sync("synced").await?;
    b.eventually("the choice is stored", || async {
        Ok(number(&stored(&server).await?.1, "2", Count) == Some(9))
    })
    .await?;
    let (_, content, _) = stored(&server).await?;
    assert_eq!(
        number(&content, "3", Count),
        Some(8),
        "nothing else changed"
    );
    assert_eq!(content.numbers.len(), 2);
    // "Đã lưu lựa chọn; đang gửi lên máy chủ." is no longer true once the push carrying
    // the choice is accepted: it is not left at the top.
    b.eventually("the notice of the choice is cleared", || async {
        let notices = b
            .client
            .execute(
                "return [...document.querySelectorAll('.news')].map(n => n.textContent).join(' | ');",
                vec![],
            )
            .await?;
        Ok(!notices
            .as_str()
            .unwrap_or_default()
            .contains("Đã lưu lựa chọn"))
    })
    .await?;
    a.close().await?;
    b.close().await
}

/// Errors block submission with a list that jumps to the cell; after the deadline the
/// report is accepted and marked late, and read-only. A tablet with unsent edits is then
/// refused with REPORT_LOCKED and keeps them.
#[tokio::test]
async fn submission_blocks_on_errors_marks_late_and_locks() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let a = Browser::start().await?;
    let b = Browser::start().await?;
    a.sign_in(&server, USER).await?;
    b.sign_in(&server, USER).await?;

    // b is a tablet that goes out of signal: it hears nothing of what follows.
    b.client
        .execute(
            "Object.defineProperty(navigator, 'onLine', {configurable: true, get: () => false});
             window.dispatchEvent(new Event('offline'));",
            vec![],
        )
        .await?;
    b.wait_sync("offline").await?;

    a.type_in("1.3/persons", "30").await?;
    let listed = a.wait_for(".submit .issue-list.errors li a").await?;
    assert!(
        listed
            .text()
            .await?
            .contains("Có 30 người nhưng chưa nhập số lớp/số cuộc.")
    );
    let button = a.client.find(Locator::Css("#submit-report")).await?;
    assert_eq!(button.prop("disabled").await?.as_deref(), Some("true"));
    listed.click().await?;
    let focused = a.client.active_element().await?;
    assert_eq!(
        focused.attr("data-cell").await?.as_deref(),
        Some("1.3/count")
    );
    a.type_in("1.3/count", "2").await?;
    a.wait_sync("synced").await?;

    a.click("#submit-report").await?;
    let outcome = a
        .wait_for(".submit .outcome, .banner.submitted")
        .await?
        .text()
        .await?;
    assert!(outcome.contains("muộn"), "{outcome}");
    a.wait_for(".banner.submitted").await?;
    let readonly = a
        .client
        .find(Locator::Css("[data-cell='2/count']"))
        .await?
        .prop("readOnly")
        .await?;
    assert_eq!(readonly.as_deref(), Some("true"));
    let (_, _, status) = stored(&server).await?;
    assert_eq!(status, "submitted");

    // b, which has not heard of the submission, types, then comes back: its edit is
    // refused and kept.
    b.type_in("8/count", "4").await?;
    b.client
        .execute(
            "Object.defineProperty(navigator, 'onLine', {configurable: true, get: () => true});
             window.dispatchEvent(new Event('online'));",
            vec![],
        )
        .await?;
    b.wait_for(".banner.submitted").await?;
    assert_eq!(
        b.value_of("8/count").await?,
        "4",
        "the refused tablet keeps its edits"
    );
    let (_, content, _) = stored(&server).await?;
    assert_eq!(number(&content, "8", Count), None);
    let state: tuanle_shared::wire::ReportState = {
        let client =
            tuanle_e2e::ApiClient::sign_in(&server, USER, tuanle_e2e::DEMO_PASSWORD).await?;
        client
            .get_json(&routes::report("2025", "NB-HQ-TH", ""))
            .await?
    };
    assert_eq!(state.status, ReportStatus::Submitted);
    assert!(state.late);
    a.close().await?;
    b.close().await
}

/// Once opened online, the app opens again with the server down (the service worker
/// keeps the app, the device keeps the form and the draft), and the shared rules still
/// check what is typed.
#[tokio::test]
async fn the_app_opens_and_validates_with_the_server_down() -> anyhow::Result<()> {
    let mut server = TestServer::spawn().await?;
    let browser = Browser::start().await?;
    browser.sign_in(&server, USER).await?;
    browser.wait_for_worker().await?;
    browser.type_in("2/count", "3").await?;
    browser.wait_sync("synced").await?;

    server.stop().await?;
    browser.client.refresh().await?;
    browser.wait_for("tr[data-row='12.6']").await?;
    assert_eq!(browser.value_of("2/count").await?, "3");
    browser.type_in("1.3/persons", "5").await?;
    let issue = browser
        .wait_for("tr[data-row='1.3'] .issue.error")
        .await?
        .text()
        .await?;
    assert_eq!(issue, "Có 5 người nhưng chưa nhập số lớp/số cuộc.");
    browser.wait_sync("offline").await?;
    browser.close().await
}

/// A report returned by the ward shows the supervisor's reason and is editable again;
/// the history lists every version and event.
#[tokio::test]
async fn a_returned_report_shows_the_reason_and_is_editable() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let browser = Browser::start().await?;
    browser.sign_in(&server, USER).await?;
    browser.type_in("2/count", "3").await?;
    browser.type_in("II.2/text", "Thiếu kinh phí").await?;
    browser.wait_sync("synced").await?;
    browser.screenshot("report-typed").await?;
    browser.click("#submit-report").await?;
    browser.wait_for(".banner.submitted").await?;

    let ward = tuanle_e2e::ApiClient::sign_in(&server, "nb-hq", tuanle_e2e::DEMO_PASSWORD).await?;
    let reason = serde_json::json!({"reason": "Bổ sung số liệu mục 5"});
    let answer = ward
        .post(&routes::report("2025", "NB-HQ-TH", "return"), &reason)
        .await?;
    assert_eq!(answer.status(), 200);

    browser.click(".sync-bar button").await?;
    let banner = browser.wait_for(".banner.returned").await?.text().await?;
    assert!(banner.contains("Bổ sung số liệu mục 5"), "{banner}");
    let readonly = browser
        .client
        .find(Locator::Css("[data-cell='5.1/count']"))
        .await?
        .prop("readOnly")
        .await?;
    assert_eq!(readonly.as_deref(), Some("false"));
    browser.type_in("5.1/count", "2").await?;
    browser.wait_sync("synced").await?;
    browser.screenshot("report-returned").await?;
    let (_, content, status) = stored(&server).await?;
    assert_eq!(number(&content, "5.1", Count), Some(2));
    assert_eq!(status, "returned");

    browser.click("a[href='/lich-su']").await?;
    browser
        .wait_for("table.history tr[data-version='2']")
        .await?;
    let events = browser
        .client
        .find(Locator::Css("ul.events"))
        .await?
        .text()
        .await?;
    assert!(
        events.contains("Trả lại") && events.contains("Bổ sung số liệu mục 5"),
        "{events}"
    );
    browser.screenshot("history").await?;
    browser.close().await
}

/// A narrative typed decomposed (as macOS and Unikey's composed-marks setting type it)
/// stays on screen as typed, the cursor where the typing left it, and reaches the
/// server precomposed (NFC); typing on goes on at the cursor.
#[tokio::test]
async fn decomposed_typing_is_sent_precomposed_and_the_cursor_stays() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let browser = Browser::start().await?;
    browser.sign_in(&server, USER).await?;
    let typed = "Thie\u{302}\u{301}u kinh phi\u{301}";
    browser.type_in("II.2/text", typed).await?;
    browser.wait_sync("synced").await?;
    let (_, content, _) = stored(&server).await?;
    let cell = tuanle_shared::TextCell::text("II.2".parse()?);
    assert_eq!(content.text(&cell), Some("Thiếu kinh phí"));
    let caret = "const el = document.querySelector(`[data-cell='II.2/text']`);
                 return [el.value, el.selectionStart, el.value.length];";
    let at = browser.client.execute(caret, vec![]).await?;
    assert_eq!(
        at[1], at[2],
        "the cursor is at the end of what was typed: {at}"
    );
    browser.type_in("II.2/text", " o\u{31b}\u{309} xa").await?;
    browser.wait_sync("synced").await?;
    let (_, content, _) = stored(&server).await?;
    assert_eq!(content.text(&cell), Some("Thiếu kinh phí ở xa"));
    let shown: String = tuanle_shared::text::nfc(&browser.value_of("II.2/text").await?).into();
    assert_eq!(
        shown, "Thiếu kinh phí ở xa",
        "typed on at the cursor, not elsewhere"
    );
    browser.close().await
}

/// A practice campaign in the browser (issue 20): the school's report page offers it,
/// opens it on request with the practice said at the top, and starts it again from
/// nothing; the real report is as it was.
#[tokio::test]
async fn a_practice_campaign_is_entered_on_request_and_reset() -> anyhow::Result<()> {
    use tuanle_e2e::{ApiClient, DEMO_PASSWORD};
    use tuanle_shared::wire::admin::routes as admin_routes;
    let server = TestServer::spawn().await?;
    let admin = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    let created = admin
        .post(
            admin_routes::CAMPAIGNS,
            &serde_json::json!({"code": "TAPHUAN", "year": 2025, "theme": "Tập huấn",
                "starts_on": "2025-09-01", "ends_on": "2025-09-07", "form_version": "2025",
                "deadlines": [], "open": true, "practice": true}),
        )
        .await?;
    anyhow::ensure!(created.status().is_success(), "{}", created.text().await?);
    admin
        .post(
            &admin_routes::campaign("TAPHUAN", "/tree/import?from=2025"),
            &serde_json::json!({}),
        )
        .await?;

    let browser = Browser::start().await?;
    browser.sign_in(&server, USER).await?;
    browser.type_in("2/count", "3").await?;
    browser.wait_sync("synced").await?;
    assert_eq!(
        count(&browser, ".banner.practice").await?,
        0,
        "the real campaign first"
    );
    browser.click(".enter-practice").await?;
    browser.wait_for(".banner.practice").await?;
    browser.wait_for("tr[data-row='12.6']").await?;
    assert_eq!(
        browser.value_of("2/count").await?,
        "",
        "a report of its own"
    );
    browser.type_in("2/count", "50").await?;
    browser.wait_sync("synced").await?;
    browser.click(".reset-practice").await?;
    browser.client.accept_alert().await?;
    browser
        .eventually("the practice report starts again", || async {
            Ok(browser.value_of("2/count").await?.is_empty())
        })
        .await?;
    browser.wait_sync("synced").await?;
    let db = server.db().await?;
    let practice_versions: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM report_versions v JOIN reports r ON r.id = v.report_id
         JOIN campaigns c ON c.id = r.campaign_id WHERE c.code = 'TAPHUAN'",
    )
    .fetch_one(&db)
    .await?;
    assert_eq!(practice_versions, 0);
    // Back to the real campaign, as it was.
    browser.click(".leave-practice").await?;
    browser
        .eventually("the real report again", || async {
            Ok(browser.value_of("2/count").await? == "3")
        })
        .await?;
    assert_eq!(count(&browser, ".banner.practice").await?, 0);
    browser.close().await
}

async fn count(b: &Browser, css: &str) -> anyhow::Result<usize> {
    Ok(b.client
        .find_all(fantoccini::Locator::Css(css))
        .await?
        .len())
}

/// The report page printed from the browser (Ctrl+P) is the report alone: the form with
/// what was typed, and nothing of the app around it: no bar, no button, no panel.
#[tokio::test]
async fn the_report_page_prints_the_report_alone() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    // Whom to call, from the ward's contact.
    sqlx::query(
        "UPDATE units SET contact_name = 'Trần Văn Bình', contact_phone = '0229 3871 234'
         WHERE code = 'NB-HQ'",
    )
    .execute(&server.db().await?)
    .await?;
    let browser = Browser::start().await?;
    browser.sign_in(&server, USER).await?;
    browser.type_in("1.3/count", "2").await?;
    // A warning under the cell: far more people than classes hold.
    browser.type_in("1.3/persons", "900").await?;
    browser
        .type_in("I.1/text", "Ban hành kế hoạch ngày 25/9")
        .await?;
    browser.wait_sync("synced").await?;
    // The ward comments on a cell: shown at the cell, and above the form.
    let ward = tuanle_e2e::ApiClient::sign_in(&server, "nb-hq", tuanle_e2e::DEMO_PASSWORD).await?;
    let _: tuanle_shared::wire::ReportState = ward
        .post_json(
            &routes::report("2025", "NB-HQ-TH", "comments"),
            &serde_json::json!({"cell": "1.3/persons", "text": "Số người có đúng không?"}),
        )
        .await?;
    browser.click(".sync-bar button").await?;
    browser.wait_for(".cell-comment").await?;
    browser.wait_for(".issue.warning").await?;
    browser.wait_for(".help-contact").await?;
    // Every part of the app on the page, one short text each, as the screen shows it.
    let app_only: Vec<String> = serde_json::from_value(
        browser
            .client
            .execute(
                "return Array.from(document.querySelectorAll(
                   'button, .topbar a, .topbar summary, .sync-bar span, .template h2, .template p, \
                    .documents h2, .draft-files h2, .submit h2, .guidance summary, .cell-comment p, \
                    .comments-summary p, .comments-summary h2, .issue, .help-contact'))
                 .map(e => e.innerText.trim()).filter(t => t.length > 2)
                 // The product's name is also the campaign's heading, which is the report's.
                 .filter(t => !(document.querySelector('.campaign')?.innerText ?? '').includes(t));",
                vec![],
            )
            .await?,
    )?;
    for part in ["Nhận xét của cấp trên", "Cần hỗ trợ"] {
        assert!(
            app_only.iter().any(|t| t.contains(part)),
            "{part:?} is on screen: {app_only:?}"
        );
    }
    assert!(
        app_only
            .iter()
            .any(|t| t.contains("Đăng xuất") || t.contains("Nộp")),
        "the app's parts are found on screen: {app_only:?}"
    );
    let pdf = browser.print_to_pdf().await?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("bao-cao.pdf");
    std::fs::write(&file, pdf)?;
    let printed = tuanle_e2e::office::flat_text(&tuanle_e2e::office::pdf_lines(&file)?);
    let form = tuanle_shared::form::builtin("2025").expect("the 2025 form");
    tuanle_e2e::office::in_order(
        &printed,
        &[
            form.rows()[0].label.as_str(),
            form.rows()[form.rows().len() - 1].label.as_str(),
        ],
    )?;
    assert!(printed.contains("Ban hành kế hoạch ngày 25/9"), "{printed}");
    for part in &app_only {
        let part = part.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(!printed.contains(&part), "printed {part:?}: {printed}");
    }
    for app_only in ["Hướng dẫn", "Nhập từ tệp Excel", "Choose File", "Đồng bộ"] {
        assert!(
            !printed.contains(app_only),
            "printed {app_only:?}: {printed}"
        );
    }
    browser.close().await
}

/// The opening ceremony rows count units (issue 22), in the browser: a school answers
/// "Có" to 7.2 from a list (no number to type), which syncs as 1; 7.1 (communes) is not
/// asked of it. Its ward is not asked 7.2, and its dashboard counts the school.
#[tokio::test]
async fn a_school_answers_yes_and_its_ward_counts_it() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    // An answer the app does not ask of a school (7.1 counts communes), sent by an API
    // client: kept, counted nowhere, and clearable on the tablet.
    let api = tuanle_e2e::ApiClient::sign_in(&server, USER, tuanle_e2e::DEMO_PASSWORD).await?;
    let r = api
        .post(
            &routes::report("2025", "NB-HQ-TH", "push"),
            &tuanle_e2e::push_counts("api", 0, &[("7.1", 1)]),
        )
        .await?;
    assert_eq!(r.status(), 200);
    let tablet = Browser::start().await?;
    tablet.sign_in(&server, USER).await?;
    let not_asked = tablet.text("tr[data-row='7.1'] .not-asked").await?;
    assert_eq!(not_asked, "Không áp dụng cho loại đơn vị này");
    tablet.click("tr[data-row='7.1'] .clear-not-asked").await?;
    tablet.wait_sync("synced").await?;
    tablet
        .eventually("the clear button gone", || async {
            Ok(tablet
                .client
                .find(Locator::Css("tr[data-row='7.1'] .clear-not-asked"))
                .await
                .is_err())
        })
        .await?;
    tablet
        .client
        .execute(
            "const s = document.querySelector(\"select[data-cell='7.2/count']\");
             s.value = '1';
             s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await?;
    tablet.wait_sync("synced").await?;
    let (_, content, _) = stored(&server).await?;
    let cell = |code: &str| -> anyhow::Result<tuanle_shared::NumberCell> {
        Ok(tuanle_shared::NumberCell::new(
            code.parse()?,
            tuanle_shared::Column::Count,
        ))
    };
    assert_eq!(content.numbers.get(&cell("7.2")?), Some(&1));
    assert_eq!(content.numbers.get(&cell("7.1")?), None, "cleared");
    tablet.close().await?;

    let ward = Browser::start().await?;
    ward.sign_in_to(&server, "nb-hq", "h1[data-unit='NB-HQ']")
        .await?;
    // The school's report is a synced draft: in the provisional figures.
    ward.click("input[value='provisional']").await?;
    ward.eventually("the ward's figures count the school", || async {
        Ok(ward.text("td[data-value='7.2/count']").await? == "1")
    })
    .await?;
    ward.click("nav.account a[href='/bao-cao']").await?;
    let not_asked = ward.text("tr[data-row='7.2'] .not-asked").await?;
    assert_eq!(not_asked, "Không áp dụng cho loại đơn vị này");
    assert!(
        ward.client
            .find(Locator::Css("select[data-cell='7.1/count']"))
            .await
            .is_ok(),
        "a ward is asked 7.1"
    );
    ward.close().await
}
