//! Entry on behalf ("nhập hộ", issue 17, test 3) through the real API: the ward's
//! supervisor types a school's report and submits it, and uploads the school's official
//! Excel template, edited as a person edits it in a spreadsheet program; a template with
//! a bad value is named by line and writes nothing. The history says who entered it.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use serde_json::json;
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer};
use tuanle_shared::wire::{History, RefusalCode, ReportState, TemplatePreview, routes};
use tuanle_shared::{Column, NumberCell};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The template's first sheet, every cell as read.
fn cells(bytes: &[u8]) -> anyhow::Result<Vec<Vec<Data>>> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec()))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| anyhow::anyhow!("no sheet"))??;
    Ok(range.rows().map(|r| r.to_vec()).collect())
}

/// The template rewritten as a spreadsheet program saves it after a person typed in it:
/// the same cells (none of our formatting), with `edits` (code, column, value) applied
/// in the row whose first cell is the code.
fn edited(bytes: &[u8], edits: &[(&str, u16, &str)]) -> anyhow::Result<Vec<u8>> {
    let rows = cells(bytes)?;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (u32::try_from(r)?, u16::try_from(c)?);
            match cell {
                Data::String(s) => {
                    sheet.write_string(r, c, s)?;
                }
                Data::Float(f) => {
                    sheet.write_number(r, c, *f)?;
                }
                Data::Int(i) => {
                    sheet.write_number(r, c, *i as f64)?;
                }
                _ => {}
            }
        }
        let code = match row.first() {
            Some(Data::String(s)) => s.as_str(),
            _ => continue,
        };
        for (_, col, value) in edits.iter().filter(|(c, _, _)| *c == code) {
            let r = u32::try_from(r)?;
            match value.parse::<f64>() {
                Ok(n) => sheet.write_number(r, *col, n)?,
                Err(_) => sheet.write_string(r, *col, *value)?,
            };
        }
    }
    Ok(book.save_to_buffer()?)
}

#[tokio::test]
async fn the_ward_enters_a_schools_report_typed_and_from_its_excel_template() -> anyhow::Result<()>
{
    let server = TestServer::spawn().await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let province = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD).await?;
    let school = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let sibling = ApiClient::sign_in(&server, "nb-hq-mn", DEMO_PASSWORD).await?;
    let report = |unit: &str, action: &str| routes::report("2025", unit, action);

    // Typed: the ward pushes and submits the school's report.
    let pushed: serde_json::Value = ward
        .post_json(
            &report("NB-HQ-TH", "push"),
            &json!({"push_id": "ob-1", "device_id": "ward-tablet", "base_version": 0,
                    "content": {"numbers": {"2/count": 4}}}),
        )
        .await?;
    assert_eq!(pushed["version"], 1);
    // Two levels up, or a sibling, may not.
    let (status, e) = province
        .post_refused(
            &report("NB-HQ-TH", "push"),
            &json!({"push_id": "ob-x", "device_id": "p", "base_version": 1,
                    "content": {"numbers": {"2/count": 9}}}),
        )
        .await?;
    assert_eq!((status, e.code), (403, RefusalCode::Forbidden));
    let (status, _) = sibling
        .post_refused(
            &report("NB-HQ-TH", "push"),
            &json!({"push_id": "ob-y", "device_id": "p", "base_version": 1,
                    "content": {"numbers": {"2/count": 9}}}),
        )
        .await?;
    assert_eq!(status, 403);

    // The template, blank and filled, read back by the server: the filled one holds the
    // report, and reads back as exactly its content.
    let blank = ward
        .get(&(report("NB-HQ-TH", "template") + "?filled=false"))
        .await?;
    assert_eq!(blank.status(), 200);
    assert_eq!(
        blank.headers()[reqwest::header::CONTENT_TYPE].to_str()?,
        XLSX
    );
    let blank = blank.bytes().await?.to_vec();
    let filled = ward
        .get(&(report("NB-HQ-TH", "template") + "?filled=true"))
        .await?
        .bytes()
        .await?
        .to_vec();
    let state: ReportState = ward.get_json(&report("NB-HQ-TH", "")).await?;
    let r = ward
        .post_file(&report("NB-HQ-TH", "template"), XLSX, filled.clone())
        .await?;
    assert_eq!(r.status(), 200);
    let read: TemplatePreview = r.json().await?;
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    assert_eq!(read.content, state.content);

    // A template with a bad value and a number in a total row: each named by its line,
    // and nothing written.
    let bad = edited(&blank, &[("1.1", 4, "3"), ("1.1", 5, "12a"), ("1", 4, "7")])?;
    let r = ward
        .post_file(&report("NB-HQ-TH", "template"), XLSX, bad.clone())
        .await?;
    assert_eq!(r.status(), 200);
    let read: TemplatePreview = r.json().await?;
    let rows = cells(&bad)?;
    let line_of = |code: &str| {
        rows.iter()
            .position(|r| matches!(r.first(), Some(Data::String(s)) if s == code))
            .map(|i| i as u32 + 1)
    };
    let lines: Vec<(u32, &str)> = read
        .problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines.iter().any(|(l, m)| Some(*l) == line_of("1.1")
            && m.contains("Số người")
            && m.contains("12a")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|(l, _)| Some(*l) == line_of("1")),
        "{lines:?}"
    );
    let after: ReportState = ward.get_json(&report("NB-HQ-TH", "")).await?;
    assert_eq!(after.version, 1, "nothing written");

    // Another school's template is refused for this one.
    let other = ward
        .get(&(report("NB-HQ-MN", "template") + "?filled=false"))
        .await?
        .bytes()
        .await?
        .to_vec();
    let read: TemplatePreview = ward
        .post_file(&report("NB-HQ-TH", "template"), XLSX, other)
        .await?
        .json()
        .await?;
    assert!(
        read.problems.iter().any(|p| p.message.contains("NB-HQ-MN")),
        "{:?}",
        read.problems
    );
    // Not a workbook, not an XLSX, not the ward's to enter.
    let (status, e) = tuanle_e2e::refusal(
        ward.post_file(
            &report("NB-HQ-TH", "template"),
            XLSX,
            b"PK garbage".to_vec(),
        )
        .await?,
    )
    .await?;
    assert_eq!((status, e.code), (400, RefusalCode::BadBody));
    let (status, e) = tuanle_e2e::refusal(
        ward.post_file(&report("NB-HQ-TH", "template"), "text/csv", blank.clone())
            .await?,
    )
    .await?;
    assert_eq!((status, e.code), (400, RefusalCode::BadFileType));
    let (status, _) = tuanle_e2e::refusal(
        province
            .post_file(&report("NB-HQ-TH", "template"), XLSX, blank.clone())
            .await?,
    )
    .await?;
    assert_eq!(status, 403);

    // A good template: previewed, then pushed and submitted on the school's behalf.
    let good = edited(
        &blank,
        &[
            ("2", 4, "6"),
            ("1.1", 4, "2"),
            ("1.1", 5, "40"),
            ("II.2", 6, "Thiếu giáo viên"),
        ],
    )?;
    let read: TemplatePreview = ward
        .post_file(&report("NB-HQ-TH", "template"), XLSX, good)
        .await?
        .json()
        .await?;
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let code = |c: &str| c.parse().expect("code");
    assert_eq!(read.content.number(&code("2"), Column::Count), Some(6));
    assert_eq!(read.content.number(&code("1.1"), Column::Persons), Some(40));
    assert_eq!(
        read.content
            .numbers
            .keys()
            .collect::<Vec<&NumberCell>>()
            .len(),
        3
    );
    let pushed: serde_json::Value = ward
        .post_json(
            &report("NB-HQ-TH", "push"),
            &json!({"push_id": "ob-2", "device_id": "ward-tablet", "base_version": 1,
                    "content": read.content}),
        )
        .await?;
    let _: ReportState = ward
        .post_json(
            &report("NB-HQ-TH", "submit"),
            &json!({"version": pushed["version"], "device_id": "ward-tablet", "acknowledge_warnings": true}),
        )
        .await?;

    // The history, as the school reads it: entered on its behalf, by the ward.
    let history: History = school.get_json(&report("NB-HQ-TH", "history")).await?;
    assert!(
        history
            .versions
            .iter()
            .all(|v| v.on_behalf && v.username == "nb-hq")
    );
    let submit = history
        .events
        .iter()
        .find(|e| e.kind == "submit")
        .expect("submitted");
    assert!(submit.on_behalf && submit.username == "nb-hq");
    // The school's own edits are its own.
    let _: ReportState = ward
        .post_json(&report("NB-HQ-TH", "return"), &json!({"reason": "Bổ sung"}))
        .await?;
    let _: serde_json::Value = school
        .post_json(
            &report("NB-HQ-TH", "push"),
            &json!({"push_id": "own-1", "device_id": "school", "base_version": pushed["version"],
                    "content": {"numbers": {"2/count": 7, "1.1/count": 2, "1.1/persons": 40}}}),
        )
        .await?;
    let history: History = school.get_json(&report("NB-HQ-TH", "history")).await?;
    let last = history.versions.last().expect("a version");
    assert!(!last.on_behalf && last.username == "nb-hq-th");
    Ok(())
}

/// The same in headless Chromium: the ward opens the school's report from its
/// dashboard, types into the same form, uploads a template with a bad value (named by
/// line, nothing written) then a good one, puts it into the report and submits; the
/// review panel's history says "nhập hộ bởi".
#[tokio::test]
async fn the_ward_enters_a_schools_report_in_the_browser() -> anyhow::Result<()> {
    use fantoccini::Locator;
    use tuanle_e2e::Browser;

    let server = TestServer::spawn().await?;
    let api = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let report = |action: &str| routes::report("2025", "NB-HQ-TH", action);
    let blank = api
        .get(&(report("template") + "?filled=false"))
        .await?
        .bytes()
        .await?
        .to_vec();
    let files = tempfile::tempdir()?;
    let bad = files.path().join("mau-sai.xlsx");
    std::fs::write(&bad, edited(&blank, &[("1.1", 5, "12a")])?)?;
    let good = files.path().join("mau-dung.xlsx");
    std::fs::write(
        &good,
        edited(&blank, &[("2", 4, "6"), ("II.2", 6, "Thiếu giáo viên")])?,
    )?;

    let ward = Browser::start().await?;
    ward.sign_in_to(&server, "nb-hq", "h1[data-unit='NB-HQ']")
        .await?;
    ward.click("tr[data-child='NB-HQ-TH'] .open-report").await?;
    ward.click(".review .enter-on-behalf").await?;
    ward.wait_for(".banner.on-behalf").await?;
    assert_eq!(
        ward.wait_for("section.campaign h1").await?.text().await?,
        "Trường Tiểu học Hồng Quang"
    );
    ward.type_in("2/count", "4").await?;
    ward.wait_sync("synced").await?;
    let state: ReportState = api.get_json(&report("")).await?;
    assert_eq!(state.version, 1);

    // A bad template, on the page of the report's documents: its line, and nothing
    // written.
    ward.click("a.open-documents").await?;
    ward.wait_for("section.template").await?;
    let input = ward
        .client
        .find(Locator::Css("input[name='template']"))
        .await?;
    input.send_keys(&bad.to_string_lossy()).await?;
    let problem = ward
        .wait_for(".template-preview[data-problems='1'] .issue.error")
        .await?;
    let text = problem.text().await?;
    assert!(text.starts_with("Dòng ") && text.contains("12a"), "{text}");
    assert!(
        ward.client
            .find_all(Locator::Css(".template-apply"))
            .await?
            .is_empty(),
        "nothing to put into the report"
    );
    let state: ReportState = api.get_json(&report("")).await?;
    assert_eq!(state.version, 1, "nothing written");

    // A good one, put into the report, synced and submitted.
    let input = ward
        .client
        .find(Locator::Css("input[name='template']"))
        .await?;
    input.send_keys(&good.to_string_lossy()).await?;
    ward.click(".template-preview[data-problems='0'] .template-apply")
        .await?;
    ward.eventually("the template's figures are synced", || async {
        let state: ReportState = api.get_json(&report("")).await?;
        Ok(state.version == 2)
    })
    .await?;
    // Back on the report (of the same unit, still on its behalf), with the file's figures.
    ward.click("a.back-to-report").await?;
    ward.eventually("back on the school's report", || async {
        let url = ward.client.current_url().await?;
        Ok(url.path() == "/bao-cao" && url.query() == Some("don-vi=NB-HQ-TH"))
    })
    .await?;
    ward.wait_sync("synced").await?;
    assert_eq!(ward.value_of("2/count").await?, "6");
    ward.click("#submit-report").await?;
    ward.wait_for(".banner.submitted").await?;
    let state: ReportState = api.get_json(&report("")).await?;
    assert_eq!(state.content.number(&"2".parse()?, Column::Count), Some(6));

    // Back on the dashboard, the school's history says who entered it.
    ward.click(".banner.on-behalf a").await?;
    ward.click("tr[data-child='NB-HQ-TH'] .open-report").await?;
    ward.wait_for(".review .review-status[data-status='Submitted']")
        .await?;
    let events = ward.wait_for(".review .events").await?.text().await?;
    assert!(events.contains("nhập hộ bởi Phường Hồng Quang"), "{events}");
    ward.close().await?;
    Ok(())
}
