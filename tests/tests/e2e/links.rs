//! Year-to-year links (issue 22), through the real server: a unit whose code changed
//! names its predecessor (by the tree file's "Mã năm trước" column, or by hand), and
//! its comparison with last year follows the link; a row whose meaning changed between
//! form versions (7.1: districts in 2023, communes in 2025) is compared with nothing.

use reqwest::Method;
use serde_json::json;
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer, push_counts};
use tuanle_shared::peers::LastYear;
use tuanle_shared::wire::admin::{AdminUnit, TreePreview, routes as admin_routes};
use tuanle_shared::wire::{ReportState, routes};
use tuanle_shared::{Code, Column};

/// Last year: the 2023 campaign opened again for a moment, school NB-HQ-TH's report
/// pushed and submitted, and the campaign closed again.
async fn last_year_report(server: &TestServer, admin: &ApiClient) -> anyhow::Result<()> {
    admin.set_campaign_open("2023", true).await?;
    let school = ApiClient::sign_in(server, "nb-hq-th", DEMO_PASSWORD).await?;
    let path = |action: &str| routes::report("2023", "NB-HQ-TH", action);
    let r = school
        .post(
            &path("push"),
            &push_counts("y1", 0, &[("2", 40), ("7.1", 1), ("8", 2)]),
        )
        .await?;
    anyhow::ensure!(r.status() == 200, "{}", r.text().await?);
    let r = school
        .post(&path("submit"), &json!({"version": 1, "device_id": "t"}))
        .await?;
    anyhow::ensure!(r.status() == 200, "{}", r.text().await?);
    admin.set_campaign_open("2023", false).await
}

async fn last_year_of(reader: &ApiClient, unit: &str) -> anyhow::Result<Option<LastYear>> {
    let state: ReportState = reader.get_json(&routes::report("2025", unit, "")).await?;
    Ok(state.reference.last_year)
}

fn count(last: &LastYear, code: &str) -> Option<u64> {
    last.content
        .number(&code.parse::<Code>().expect("code"), Column::Count)
}

#[tokio::test]
async fn last_years_comparison_follows_the_predecessor_link() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let admin = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    last_year_report(&server, &admin).await?;
    let province = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD).await?;

    // The same code: last year is found, its 7.1 (districts then) left out.
    let same = last_year_of(&province, "NB-HQ-TH")
        .await?
        .expect("last year");
    assert_eq!(same.year, 2023);
    assert_eq!((count(&same, "2"), count(&same, "8")), (Some(40), Some(2)));
    assert_eq!(count(&same, "7.1"), None, "7.1 changed its meaning");

    // The school renumbered in this year's file, which names its code of last year.
    let file = "Mã đơn vị,Tên đơn vị,Loại,Mã cấp trên,Mã năm trước
NB-HQ-MN,Trường Mầm non Hồng Quang,Mầm non,,
NB-HQ-TH2,Trường Tiểu học Hồng Quang,Tiểu học,,NB-HQ-TH
NB-HQ-THCS,Trường THCS Hồng Quang,THCS,,
NB-HQ-TTHTCD,Trung tâm học tập cộng đồng phường Hồng Quang,TTHTCĐ,,
NB-HQ-TV,Thư viện phường Hồng Quang,Thư viện,,
";
    let path = admin_routes::campaign("2025", "/tree/import?under=NB-HQ&name=cay.csv");
    let answer = admin
        .post_file(&path, "text/csv", file.as_bytes().to_vec())
        .await?;
    let done: TreePreview = answer.json().await?;
    assert!(
        done.problems.is_empty() && done.applied,
        "{:?}",
        done.problems
    );
    assert_eq!(done.predecessors, 5);
    let renumbered = last_year_of(&province, "NB-HQ-TH2")
        .await?
        .expect("last year through the link");
    assert_eq!(renumbered, same);

    // By hand: another school named the successor, then the link removed.
    let unit = admin_routes::campaign("2025", "/units/NB-HL-TH");
    assert_eq!(last_year_of(&province, "NB-HL-TH").await?, None);
    let changed: AdminUnit = admin
        .expect(
            Method::PATCH,
            &unit,
            Some(&json!({"predecessor": "nb-hq-th"})),
            200,
        )
        .await?;
    assert_eq!(changed.predecessor.as_deref(), Some("NB-HQ-TH"));
    assert_eq!(last_year_of(&province, "NB-HL-TH").await?, Some(same));
    let cleared: AdminUnit = admin
        .expect(Method::PATCH, &unit, Some(&json!({"predecessor": ""})), 200)
        .await?;
    assert_eq!(cleared.predecessor, None);
    assert_eq!(last_year_of(&province, "NB-HL-TH").await?, None);
    // A code that cannot be one is refused, by hand and in a file.
    let r = admin
        .send(
            Method::PATCH,
            &unit,
            Some(&json!({"predecessor": "mã có dấu"})),
        )
        .await?;
    assert_eq!(r.status(), 400);
    // A province's administrator names no predecessor: its figures may be another
    // province's.
    let province_admin = ApiClient::sign_in(&server, "admin-nb", DEMO_PASSWORD).await?;
    let r = province_admin
        .send(
            Method::PATCH,
            &unit,
            Some(&json!({"predecessor": "NB-HQ-TH"})),
        )
        .await?;
    assert_eq!(r.status(), 403);
    let preview: TreePreview = province_admin
        .post_file(
            &admin_routes::campaign("2025", "/tree/preview?under=NB-HQ&name=cay.csv"),
            "text/csv",
            file.as_bytes().to_vec(),
        )
        .await?
        .json()
        .await?;
    let named: Vec<(u32, &str)> = preview
        .problems
        .iter()
        .map(|p| (p.line, p.code.as_str()))
        .collect();
    assert_eq!(named, [(3, "PREDECESSOR_NATIONAL_ONLY")]);
    let audit: serde_json::Value = admin
        .get_json(&admin_routes::campaign("2025", "/audit"))
        .await?;
    assert!(
        audit
            .to_string()
            .contains("tiếp nối đơn vị năm trước mã NB-HQ-TH"),
        "{audit}"
    );
    Ok(())
}
