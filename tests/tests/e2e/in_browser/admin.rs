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
    // Levels are named by the kinds they hold; this campaign has no tree yet.
    assert!(row.contains("Đơn vị cấp dưới nữa: 16/10/2026"), "{row}");
    assert!(!row.contains("cấp 2"), "{row}");

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
    // The sign-in sheet: one slip per account, grouped by ward, each with a QR code.
    admin.click("#new-credentials .print-sheet").await?;
    let slip = "section.sign-in-sheet .slip[data-username='t01-p1-th']";
    let slip_text = admin.text(slip).await?;
    assert!(
        slip_text.contains("Tên đăng nhập: t01-p1-th") && slip_text.contains(&password),
        "{slip_text}"
    );
    let group = admin
        .client
        .execute(
            "return document.querySelector(arguments[0]).closest('.slip-group').dataset.group;",
            vec![slip.into()],
        )
        .await?;
    assert!(
        group.as_str().is_some_and(|g| g.starts_with("Phường")),
        "{group:?}"
    );
    let path = admin
        .client
        .execute(
            "return document.querySelector(arguments[0] + ' .qr svg path').getAttribute('d');",
            vec![slip.into()],
        )
        .await?;
    let opened = decode_qr(path.as_str().unwrap_or_default())?;
    assert_eq!(opened, server.url("/dang-nhap?u=t01-p1-th"));
    admin.screenshot("sign-in-sheet").await?;
    // Printed, the slips alone: not the administration around them, not the passwords'
    // table, no button.
    let pdf = admin.print_to_pdf().await?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("phieu.pdf");
    std::fs::write(&file, pdf)?;
    let printed = tuanle_e2e::office::flat_text(&tuanle_e2e::office::pdf_lines(&file)?);
    assert!(printed.contains("Phiếu đăng nhập — Phường"), "{printed}");
    assert!(
        printed.contains("t01-p1-th") && printed.contains(&password),
        "{printed}"
    );
    for app_only in [
        "Quản trị",
        "Tài khoản",
        "Tải danh sách",
        "Quay lại",
        "Vai trò",
    ] {
        assert!(
            !printed.contains(app_only),
            "printed {app_only:?}: {printed}"
        );
    }
    admin.close().await?;

    // The school scans its slip: the sign-in opens with its username filled in, and it
    // signs in with the slip's password and finds its report for the new campaign.
    let school = Browser::start().await?;
    school.client.goto(&opened).await?;
    school
        .eventually("the username is filled in", || async {
            let value = school
                .client
                .execute(
                    "const i = document.querySelector(\"input[name='username']\"); return i ? i.value : null;",
                    vec![],
                )
                .await?;
            Ok(value.as_str() == Some("t01-p1-th"))
        })
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

/// Reads a QR code drawn as our slips draw it (one `M x,y h1v1h-1z` square per dark
/// module, a quiet zone of four) back into its text, with a real decoder: what a phone's
/// camera would read.
fn decode_qr(path: &str) -> anyhow::Result<String> {
    let mut dark = std::collections::HashSet::new();
    let mut side = 0;
    for square in path.split('M').filter(|s| !s.is_empty()) {
        let xy = square.split('h').next().unwrap_or_default();
        let (x, y) = xy
            .split_once(',')
            .ok_or_else(|| anyhow::anyhow!("not a module: {square}"))?;
        let (x, y): (usize, usize) = (x.parse()?, y.parse()?);
        side = side.max(x.max(y) + 5);
        dark.insert((x, y));
    }
    // Four pixels a module, as a camera sees a printed code.
    const SCALE: usize = 4;
    let mut img = rqrr::PreparedImage::prepare_from_bitmap(side * SCALE, side * SCALE, |x, y| {
        dark.contains(&(x / SCALE, y / SCALE))
    });
    let grids = img.detect_grids();
    anyhow::ensure!(grids.len() == 1, "{} codes found", grids.len());
    let (_, text) = grids[0].decode()?;
    Ok(text)
}

/// Kinds of unit as data (issue 22), in the browser: a school list whose kind the import
/// cannot read offers the nearest kinds; the one chosen is learnt and the same file then
/// imports. A kind added in the kinds' card is listed at once.
#[tokio::test]
async fn an_unknown_kind_is_chosen_in_the_preview_and_a_kind_is_added() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let files = tempfile::tempdir()?;
    let admin = Browser::start().await?;
    admin
        .sign_in_to(&server, "admin", "#admin-campaign")
        .await?;
    admin.click("#tab-tree").await?;
    fill(&admin, "#tree-under", "NB-HQ").await?;
    let file = files.path().join("truong.csv");
    std::fs::write(
        &file,
        "Mã đơn vị,Tên đơn vị,Loại,Mã cấp trên
NB-HQ-MN,Trường Mầm non Hồng Quang,Mầm non,
NB-HQ-TH,Trường Tiểu học Hồng Quang,Tiểu học,
NB-HQ-THCS,Trường THCS Hồng Quang,THCS,
NB-HQ-TTHTCD,Trung tâm học tập cộng đồng phường Hồng Quang,TTHTCĐ,
NB-HQ-TV,Thư viện phường Hồng Quang,Thư viện,
NB-HQ-BT,Trường PT DTBT Hồng Quang,Trường PT DTBT,
",
    )?;
    check_file(&admin, &file).await?;
    admin
        .wait_for("tr[data-code='UNKNOWN_KIND'] .kind-choice select")
        .await?;
    let problem = admin.text("tr[data-code='UNKNOWN_KIND']").await?;
    assert!(problem.contains("“Trường PT DTBT” không rõ"), "{problem}");
    let chosen = admin
        .wait_for("tr[data-code='UNKNOWN_KIND'] .kind-choice select")
        .await?
        .prop("value")
        .await?;
    assert_eq!(chosen.as_deref(), Some("truong_ptdtbt"));
    admin
        .click("tr[data-code='UNKNOWN_KIND'] button.learn-kind")
        .await?;
    admin.wait_for("#tree-apply").await?;
    assert!(admin.text("#tree-preview").await?.contains("thêm 1"));
    admin.click("#tree-apply").await?;
    assert!(admin.text("#tree-applied").await?.contains("thêm 1"));

    // The kinds' card: every kind with its spellings, the learnt one among them; a new
    // kind added.
    admin.click("section.kinds summary").await?;
    let ptdtbt = admin.text("tr[data-kind='truong_ptdtbt']").await?;
    assert!(ptdtbt.contains("Trường PT DTBT"), "{ptdtbt}");
    fill(&admin, "input[name='kind-code']", "trung_tam_hoc_tap_dn").await?;
    fill(
        &admin,
        "input[name='kind-name']",
        "Trung tâm học tập doanh nghiệp",
    )
    .await?;
    admin
        .client
        .execute(
            "const s = document.querySelector(\"select[name='kind-group']\");
             s.value = 'centre';
             s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await?;
    admin.click("form.add-kind button[type='submit']").await?;
    let added = admin.text("tr[data-kind='trung_tam_hoc_tap_dn']").await?;
    assert!(added.contains("Trung tâm, thư viện"), "{added}");
    admin.close().await
}
