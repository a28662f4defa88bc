//! The chain of sign-offs in real headless Chromium (issue 17, test 1): two schools
//! submit; the ward approves both and signs off; the province sees the package, accepts
//! it, and its official figures are the package's. Then the ward returns a school's
//! report, which is resubmitted: at the province the ward's package is "Cần chốt lại" at
//! once, and the official figures stay the accepted snapshot until the ward signs off
//! again and the province accepts.

use fantoccini::Locator;
use serde_json::json;
use tuanle_e2e::{ApiClient, Browser, DEMO_PASSWORD, TestServer};
use tuanle_shared::wire::{ReportState, routes};

/// A school's report through the API, as a tablet sends it: row 2, then submitted.
async fn submit(school: &ApiClient, unit: &str, value: u64, push_id: &str) -> anyhow::Result<()> {
    let state: ReportState = school.get_json(&routes::report("2025", unit, "")).await?;
    let pushed: serde_json::Value = school
        .post_json(
            &routes::report("2025", unit, "push"),
            &json!({"push_id": push_id, "device_id": "t", "base_version": state.version,
                    "content": {"numbers": {"2/count": value}}}),
        )
        .await?;
    let _: ReportState = school
        .post_json(
            &routes::report("2025", unit, "submit"),
            &json!({"version": pushed["version"], "device_id": "t", "acknowledge_warnings": true}),
        )
        .await?;
    Ok(())
}

/// The ward's supervisor approves one child's report in the review panel.
async fn approve(ward: &Browser, unit: &str) -> anyhow::Result<()> {
    ward.click(&format!("tr[data-child='{unit}'] .open-report"))
        .await?;
    ward.wait_for(&format!(
        ".review[data-review='{unit}'] .review-status[data-status='Submitted']"
    ))
    .await?;
    ward.click(".review button.approve").await?;
    ward.wait_for(".review .review-status[data-status='Approved']")
        .await?;
    ward.click(".review button.link").await?;
    Ok(())
}

/// The ward signs off ("Chốt số liệu và gửi lên"), confirming: its package number `seq`
/// is sent.
async fn sign_off(ward: &Browser, seq: u32) -> anyhow::Result<()> {
    ward.click(".sign-off-button").await?;
    ward.client.accept_alert().await?;
    ward.eventually("the sign-off is sent", || async {
        Ok(ward
            .text(".sign-off[data-package-status='sent'] .own-package")
            .await?
            .starts_with(&format!("Gói số {seq}: Đã gửi")))
    })
    .await
}

#[tokio::test]
async fn the_ward_signs_off_and_the_province_counts_the_accepted_package() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let school = Browser::start().await?;
    let ward = Browser::start().await?;
    let province = Browser::start().await?;
    let mn = ApiClient::sign_in(&server, "nb-hq-mn", DEMO_PASSWORD).await?;
    let th = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;

    // One school submits on its tablet, the other through the same API.
    school.sign_in(&server, "nb-hq-th").await?;
    school.type_in("2/count", "30").await?;
    school.wait_sync("synced").await?;
    school.click("#submit-report").await?;
    school.wait_for(".banner.submitted").await?;
    submit(&mn, "NB-HQ-MN", 12, "mn-1").await?;

    ward.sign_in_to(&server, "nb-hq", "h1[data-unit='NB-HQ']")
        .await?;
    assert_eq!(ward.attr(".sign-off", "data-package-status").await?, "none");
    approve(&ward, "NB-HQ-TH").await?;
    approve(&ward, "NB-HQ-MN").await?;
    sign_off(&ward, 1).await?;
    // The ward attaches the copy its chairman signed (a scan, here a small PDF).
    let scans = tempfile::tempdir()?;
    let scan = scans.path().join("bao-cao-da-ky.pdf");
    std::fs::write(&scan, b"%PDF-1.4\n% signed\n")?;
    ward.click(".open-own-package").await?;
    ward.wait_for(".package-panel[data-package-seq='1'] .signed-copy")
        .await?;
    ward.client
        .find(Locator::Css(".signed-copy input[name='signed-copy']"))
        .await?
        .send_keys(&scan.display().to_string())
        .await?;
    ward.eventually("the signed copy is attached", || async {
        Ok(ward.text(".signed-copy-status").await? == "Đã đính kèm bao-cao-da-ky.pdf.")
    })
    .await?;

    // The province sees the package as sent, opens it, accepts it.
    province
        .sign_in_to(&server, "nb", "h1[data-unit='NB']")
        .await?;
    province
        .wait_for("tr[data-child='NB-HQ'] td.package[data-package-status='sent']")
        .await?;
    province.click("input[value='official']").await?;
    assert_eq!(
        province
            .text(".consolidated td[data-value='2/count']")
            .await?,
        "0"
    );
    province
        .click("tr[data-child='NB-HQ'] .open-package")
        .await?;
    province
        .wait_for(
            ".package-panel[data-package-seq='1'] .package-status[data-package-status='sent']",
        )
        .await?;
    let parts = province.text(".package-panel .parts").await?;
    assert!(
        parts.contains("Trường Tiểu học Hồng Quang: báo cáo đã duyệt"),
        "{parts}"
    );
    let missing = province.text(".package-panel .package-missing").await?;
    assert!(missing.contains("Trường THCS Hồng Quang"), "{missing}");
    assert_eq!(
        province
            .text(".package-panel td[data-value='2/count']")
            .await?,
        "42"
    );
    // With the ward's signed copy, which it downloads.
    assert_eq!(
        province
            .attr(".package-panel [data-signed-copy]", "data-signed-copy")
            .await?,
        "bao-cao-da-ky.pdf"
    );
    assert!(
        province
            .text(".package-panel .signed-copy")
            .await?
            .contains("Tải về"),
        "a download"
    );
    assert!(
        province
            .client
            .find_all(Locator::Css(".package-panel input[name='signed-copy']"))
            .await?
            .is_empty(),
        "the province only reads it"
    );
    province
        .click(".package-panel .download-signed-copy")
        .await?;
    province
        .eventually("the signed copy is downloaded", || async {
            Ok(province.text(".signed-copy-status").await? == "Đã tải bao-cao-da-ky.pdf.")
        })
        .await?;
    province.screenshot("package").await?;
    province.click(".package-panel .accept-package").await?;
    province
        .wait_for(".package-panel .package-status[data-package-status='accepted']")
        .await?;
    province
        .eventually("the official figures are the package's", || async {
            Ok(province
                .text(".consolidated td[data-value='2/count']")
                .await?
                == "42")
        })
        .await?;
    province
        .wait_for("tr[data-child='NB-HQ'] td.package[data-package-status='accepted']")
        .await?;
    ward.wait_for(".sign-off[data-package-status='accepted']")
        .await?;

    // The ward returns the school's approved report; the school corrects and resubmits.
    ward.click("tr[data-child='NB-HQ-TH'] .open-report").await?;
    ward.wait_for(".review .review-status[data-status='Approved']")
        .await?;
    ward.client
        .find(Locator::Css(".review textarea[name='reason']"))
        .await?
        .send_keys("Số lớp chưa đúng")
        .await?;
    ward.click(".review button.return").await?;
    ward.wait_for(".review .review-status[data-status='Returned']")
        .await?;
    ward.click(".review button.link").await?;
    // At the province, at once: cần chốt lại, and still the accepted snapshot.
    province
        .wait_for("tr[data-child='NB-HQ'] td.package[data-package-status='stale']")
        .await?;
    assert_eq!(
        province.text("tr[data-child='NB-HQ'] td.package").await?,
        "Cần chốt lại"
    );
    submit(&th, "NB-HQ-TH", 35, "th-2").await?;
    approve(&ward, "NB-HQ-TH").await?;
    province.click("input[value='final']").await?;
    province
        .eventually("the live figures move", || async {
            Ok(province
                .text(".consolidated td[data-value='2/count']")
                .await?
                == "47")
        })
        .await?;
    province.click("input[value='official']").await?;
    assert_eq!(
        province
            .text(".consolidated td[data-value='2/count']")
            .await?,
        "42",
        "the accepted snapshot until a new one is accepted"
    );
    province.screenshot("stale").await?;

    // Signed off again and accepted: the province counts the new package.
    ward.wait_for(".sign-off[data-package-status='stale']")
        .await?;
    sign_off(&ward, 2).await?;
    province
        .wait_for("tr[data-child='NB-HQ'] td.package[data-package-status='sent']")
        .await?;
    province.click(".package-panel button.link").await?;
    province
        .click("tr[data-child='NB-HQ'] .open-package")
        .await?;
    province
        .wait_for(".package-panel[data-package-seq='2'] .accept-package")
        .await?;
    province.click(".package-panel .accept-package").await?;
    province
        .eventually("the new package counts", || async {
            Ok(province
                .text(".consolidated td[data-value='2/count']")
                .await?
                == "47")
        })
        .await?;
    school.close().await?;
    ward.close().await?;
    province.close().await?;
    Ok(())
}
