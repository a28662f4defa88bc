//! The administrator in a real headless Chromium: creates a campaign, imports its tree
//! from a file (a faulty one first: its problems by line), creates the accounts of a
//! level, and one of the new accounts signs in and finds its unit's report.

use fantoccini::Locator;
use tuanle_e2e::{Browser, TestServer};

const FAULTY: &str = "Mã đơn vị,Tên đơn vị,Loại,Mã cấp trên
T01,Sở GDĐT Thử Nghiệm,tỉnh,
T01-P1,,phường,T01
T01-P1-TH,Trường Tiểu học Thử,tiểu học,T01-KHONGCO
";

const CLEAN: &str = "Mã đơn vị,Tên đơn vị,Loại,Mã cấp trên
T01,Sở GDĐT Thử Nghiệm,tỉnh,
T01-P1,Phường Một,phường,T01
T01-P1-TH,Trường Tiểu học Một,tiểu học,T01-P1
T01-P1-MN,Trường Mầm non Một,mầm non,T01-P1
T01-P2,Phường Hai,phường,T01
T01-P2-TH,Trường Tiểu học Hai,tiểu học,T01-P2
";

async fn fill(browser: &Browser, css: &str, value: &str) -> anyhow::Result<()> {
    let input = browser.wait_for(css).await?;
    input.clear().await?;
    input.send_keys(value).await?;
    Ok(())
}

/// Chooses a file in the tree file input and asks for its check.
async fn check_file(browser: &Browser, path: &std::path::Path) -> anyhow::Result<()> {
    browser
        .wait_for("#tree-file")
        .await?
        .send_keys(&path.display().to_string())
        .await?;
    browser.click("#tree-check").await
}

#[tokio::test]
async fn an_admin_sets_up_a_campaign_and_its_people_sign_in() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let files = tempfile::tempdir()?;
    let admin = Browser::start().await?;
    admin
        .sign_in_to(&server, "admin", "#admin-campaign")
        .await?;

    // A new campaign, with deadlines for the wards and the schools.
    admin.wait_for("#campaign-code").await?;
    fill(&admin, "#campaign-theme", "Học tập suốt đời cho mọi người").await?;
    admin
        .client
        .execute(
            "for (const [id, v] of [['deadline-1', '2026-10-20'], ['deadline-2', '2026-10-16']]) {
             const el = document.getElementById(id);
             el.value = v;
             el.dispatchEvent(new Event('input', { bubbles: true }));
         }",
            vec![],
        )
        .await?;
    admin.click("#campaign-save").await?;
    admin.wait_for("tr[data-campaign='2026']").await?;
    admin
        .eventually("the new campaign chosen", || async {
            Ok(admin
                .wait_for("#admin-campaign")
                .await?
                .prop("value")
                .await?
                .as_deref()
                == Some("2026"))
        })
        .await?;
    let row = admin.text("tr[data-campaign='2026']").await?;
    assert!(row.contains("cấp 2: 16/10/2026"), "{row}");

    // The tree: a faulty file shows its problems by line and offers nothing to apply.
    admin.click("#tab-tree").await?;
    let faulty = files.path().join("cay-loi.csv");
    std::fs::write(&faulty, FAULTY)?;
    check_file(&admin, &faulty).await?;
    admin.wait_for("table.problems").await?;
    let problems = admin.text("table.problems tbody").await?;
    assert!(problems.contains("3 Thiếu tên đơn vị."), "{problems}");
    assert!(
        problems.contains("4 Không tìm thấy đơn vị cấp trên có mã “T01-KHONGCO”"),
        "{problems}"
    );
    assert!(
        admin
            .client
            .find(Locator::Css("#tree-apply"))
            .await
            .is_err()
    );
    admin.screenshot("admin-tree-problems").await?;

    // The clean file: previewed, then applied.
    let clean = files.path().join("cay.csv");
    std::fs::write(&clean, CLEAN)?;
    admin.client.refresh().await?;
    admin.wait_for("#admin-campaign").await?;
    admin.click("#tab-tree").await?;
    check_file(&admin, &clean).await?;
    admin.wait_for("#tree-apply").await?;
    assert!(admin.text("#tree-preview").await?.contains("thêm 6"));
    admin.screenshot("admin-tree-preview").await?;
    admin.click("#tree-apply").await?;
    assert!(admin.text("#tree-applied").await?.contains("thêm 6"));
    admin.wait_for("tr[data-unit='T01']").await?;

    // A ward marked as only asked to report, then required again.
    admin.click("tr[data-unit='T01'] button.link").await?;
    admin.click("tr[data-unit='T01-P2'] button.asked").await?;
    admin
        .eventually("the ward is marked asked", || async {
            Ok(admin
                .text("tr[data-unit='T01-P2']")
                .await?
                .contains("được đề nghị, không bắt buộc"))
        })
        .await?;
    admin.click("tr[data-unit='T01-P2'] button.asked").await?;
    admin
        .eventually("the ward is required again", || async {
            Ok(!admin
                .text("tr[data-unit='T01-P2']")
                .await?
                .contains("được đề nghị"))
        })
        .await?;

    // Accounts for every school and centre (level 2), their first passwords shown once.
    admin.click("#tab-accounts").await?;
    admin.click("tr[data-depth='2'] button.bulk").await?;
    admin.wait_for("#new-credentials").await?;
    let usernames = admin.text("#new-credentials tbody").await?;
    assert!(usernames.contains("t01-p1-th"), "{usernames}");
    let password = admin
        .client
        .execute(
            "for (const tr of document.querySelectorAll('#new-credentials tbody tr')) {
                 if (tr.querySelector('.username').textContent === 't01-p1-th')
                     return tr.querySelector('.password').textContent;
             }
             return null;",
            vec![],
        )
        .await?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no password for t01-p1-th"))?;
    admin.screenshot("admin-accounts").await?;
    admin.close().await?;

    // The school signs in with it and finds its report for the new campaign.
    let school = Browser::start().await?;
    school.client.goto(&server.url("/dang-nhap")).await?;
    school
        .wait_for("input[name='username']")
        .await?
        .send_keys("t01-p1-th")
        .await?;
    school
        .client
        .find(Locator::Css("input[name='password']"))
        .await?
        .send_keys(&password)
        .await?;
    school.click("form.sign-in button[type='submit']").await?;
    school.wait_for("tr[data-row='12.6']").await?;
    let page = school.text("main").await?;
    assert!(page.contains("Trường Tiểu học Một"), "{page}");
    school.close().await?;
    Ok(())
}
