//! The documents officials send, printed by LibreOffice headless as they would print
//! them: the Excel form of a school, a ward and a province. On every printed page no two
//! text lines overlap (pdftotext's boxes), and every official label is there, in order.

use serde_json::json;
use tuanle_e2e::office::{self, PageSize, Pages};
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer};
use tuanle_shared::form::builtin;
use tuanle_shared::wire::{FigureMode, routes};

/// A long narrative, as a ward officer pastes it from a word processor.
fn long_text(who: &str) -> String {
    format!(
        "{who}: Ban chỉ đạo đã ban hành kế hoạch, phân công nhiệm vụ cho từng thành viên, \
         tổ chức kiểm tra, đôn đốc các đơn vị thực hiện. "
    )
    .repeat(12)
}

/// Fills and submits a school's report: numbers on most rows, a note, its texts.
async fn submit(server: &TestServer, user: &str, unit: &str, n: u64) -> anyhow::Result<()> {
    let me = ApiClient::sign_in(server, user, DEMO_PASSWORD).await?;
    let numbers = json!({
        "1.1/count": n, "1.1/persons": n * 25, "1.6/count": 1, "1.6/persons": 40,
        "2/count": 3 * n, "3/count": 120, "4.2/count": 250, "5.4/count": 1, "5.4/persons": 60,
        "9.2/count": 2, "10.1/count": 15_000_000, "10.2/count": 2_500_000,
    });
    let texts = json!({
        "I.1/text": long_text(unit),
        "II.2/text": format!("Khó khăn của {unit}: thiếu kinh phí, thiếu người phụ trách."),
        "1.1/note": "Có 2 lớp tổ chức trực tuyến cho cán bộ ở xa trung tâm",
        "11/text": "Tổ chức ngày hội đọc sách cùng phụ huynh",
    });
    let pushed: serde_json::Value = me
        .post_json(
            &routes::report("2025", unit, "push"),
            &json!({"push_id": format!("p-{unit}"), "device_id": "t", "base_version": 0,
                    "content": {"numbers": numbers, "texts": texts}}),
        )
        .await?;
    let version = pushed["version"].as_u64().unwrap_or(1);
    let r = me
        .post(
            &routes::report("2025", unit, "submit"),
            &json!({"version": version, "device_id": "t", "acknowledge_warnings": true}),
        )
        .await?;
    anyhow::ensure!(r.status() == 200, "submit {unit}: {}", r.status());
    Ok(())
}

/// A document as LibreOffice prints it.
struct Printed {
    pages: Pages,
    sizes: Vec<PageSize>,
    fonts: Vec<String>,
}

impl Printed {
    /// Every page A4, every letter in Times New Roman (its metric twin here).
    fn is_a4_in_times(&self, what: &str) -> anyhow::Result<()> {
        anyhow::ensure!(
            !self.sizes.is_empty() && self.sizes.iter().all(PageSize::is_a4),
            "{what}: pages not all A4: {:?}",
            self.sizes
        );
        anyhow::ensure!(
            !self.fonts.is_empty() && self.fonts.iter().all(|f| office::is_times(f)),
            "{what}: fonts other than Times New Roman: {:?}",
            self.fonts
        );
        Ok(())
    }
}

/// The file a unit downloads from `path`, printed by LibreOffice (`name` with its
/// extension says what it is). Kept in `TUANLE_KEEP_PRINTS` for a look when asked.
async fn printed(client: &ApiClient, path: &str, name: &str) -> anyhow::Result<Printed> {
    let r = client.get(path).await?;
    anyhow::ensure!(r.status() == 200, "{name}: {}", r.status());
    // A Word document or a workbook, as its name says.
    let kind = if name.ends_with(".docx") {
        "wordprocessingml"
    } else {
        "spreadsheetml"
    };
    anyhow::ensure!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.contains(kind)),
        "{name}: not a {kind} document"
    );
    let bytes = r.bytes().await?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join(name);
    std::fs::write(&file, &bytes)?;
    let pdf = tokio::task::spawn_blocking(move || office::print_to_pdf(&file)).await??;
    if let Ok(keep) = std::env::var("TUANLE_KEEP_PRINTS") {
        let kept = std::path::Path::new(&keep).join(name).with_extension("pdf");
        std::fs::copy(&pdf, kept)?;
    }
    Ok(Printed {
        pages: office::pdf_lines(&pdf)?,
        sizes: office::page_sizes(&pdf)?,
        fonts: office::fonts(&pdf)?,
    })
}

/// The unit's Excel export, printed by LibreOffice.
async fn printed_workbook(client: &ApiClient, unit: &str) -> anyhow::Result<Printed> {
    let path = routes::export("2025", unit, FigureMode::Final);
    printed(client, &path, &format!("{unit}.xlsx")).await
}

/// What a reader of the printed form must find, in order: the title, the header, every
/// official label, the signature block.
fn form_labels() -> Vec<String> {
    let form = builtin("2025").expect("the 2025 form");
    let mut wanted = vec![
        form.title().to_owned(),
        "STT".to_owned(),
        "Các hoạt động".to_owned(),
    ];
    wanted.extend(form.rows().iter().map(|r| r.label.clone()));
    wanted.extend(
        [
            tuanle_shared::form::READING_NOTE,
            "ngày …… tháng …… năm",
            "Người lập biểu",
            "Thủ trưởng đơn vị",
        ]
        .into_iter()
        .map(str::to_owned),
    );
    wanted
}

fn assert_prints_cleanly(unit: &str, pages: &Pages) -> anyhow::Result<()> {
    let overlaps = office::overlapping(pages);
    anyhow::ensure!(
        overlaps.is_empty(),
        "{unit}: {} pairs of lines overlap, the first: {:?}",
        overlaps.len(),
        overlaps.iter().take(3).collect::<Vec<_>>()
    );
    let text = office::flat_text(pages);
    let wanted = form_labels();
    office::in_order(
        &text,
        &wanted.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .map_err(|e| anyhow::anyhow!("{unit}: {e}"))
}

#[tokio::test]
async fn the_excel_form_prints_without_overlaps_at_every_level() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    submit(&server, "nb-hq-th", "NB-HQ-TH", 2).await?;
    submit(&server, "nb-hq-mn", "NB-HQ-MN", 3).await?;
    for (user, unit) in [("nb-hq-th", "NB-HQ-TH"), ("nb-hq", "NB-HQ"), ("nb", "NB")] {
        let client = ApiClient::sign_in(&server, user, DEMO_PASSWORD).await?;
        let printed = printed_workbook(&client, unit).await?;
        printed.is_a4_in_times(unit)?;
        assert_prints_cleanly(unit, &printed.pages)?;
    }
    Ok(())
}

/// The unit's report document, printed by LibreOffice.
async fn printed_report(
    client: &ApiClient,
    unit: &str,
    mode: FigureMode,
) -> anyhow::Result<Printed> {
    let path = routes::report_document("2025", unit, mode);
    printed(
        client,
        &path,
        &format!("bao-cao-{unit}-{}.docx", mode.as_str()),
    )
    .await
}

/// The decree's margins (Nghị định 30/2020, Phụ lục I): top and bottom 20 mm, right
/// 15 mm, left 30 mm; no printed line outside them, on any page.
fn within_the_decrees_margins(unit: &str, printed: &Printed) -> anyhow::Result<()> {
    let margins = [20.0, 15.0, 20.0, 30.0].map(office::mm);
    for (n, (page, size)) in printed.pages.iter().zip(&printed.sizes).enumerate() {
        // The width of a letter's side bearing, and a table cell's own padding.
        let outside = office::outside_margins(page, *size, margins, 6.0);
        anyhow::ensure!(
            outside.is_empty(),
            "{unit}: page {} has lines outside the margins: {:?}",
            n + 1,
            outside.iter().take(3).collect::<Vec<_>>()
        );
    }
    Ok(())
}

/// The report of a school, a ward and a province, printed: the header (the agency, the
/// national motto, the number, the place and date), the title, sections I and II with
/// the unit's own texts and I.4's amounts, *Nơi nhận* and the signature as the unit's
/// kind signs, then the appendix's rows in order, with no line printed over another.
#[tokio::test]
async fn the_report_document_prints_in_the_decrees_order_at_every_level() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    submit(&server, "nb-hq-th", "NB-HQ-TH", 2).await?;
    submit(&server, "nb-hq-mn", "NB-HQ-MN", 3).await?;
    let form = builtin("2025").expect("the 2025 form");
    for (user, unit, agency, signature) in [
        (
            "nb-hq-th",
            "NB-HQ-TH",
            "TRƯỜNG TIỂU HỌC HỒNG QUANG",
            &["HIỆU TRƯỞNG"][..],
        ),
        (
            "nb-hq",
            "NB-HQ",
            "ỦY BAN NHÂN DÂN PHƯỜNG HỒNG QUANG",
            &["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"][..],
        ),
        (
            "nb",
            "NB",
            "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
            &["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"][..],
        ),
    ] {
        let client = ApiClient::sign_in(&server, user, DEMO_PASSWORD).await?;
        // The ward fills in its own number and signer; the Sở's deputy signs for its
        // director (KT.); the school keeps its kind's defaults.
        let signer = if unit != "NB-HQ-TH" {
            let path = routes::report_document_fields("2025", unit);
            let mut fields = client
                .get_json::<tuanle_shared::document::DocumentFieldsAnswer>(&path)
                .await?
                .fields;
            if unit == "NB-HQ" {
                fields.number = "125/BC-UBND".into();
                fields.signer = "Nguyễn Văn An".into();
            } else {
                // The Sở's director signs by default; here the deputy signs for them.
                assert_eq!(fields.signature, ["GIÁM ĐỐC"], "the Sở's default");
                fields.signature = signature.iter().map(|l| (*l).to_owned()).collect();
                fields.signer = "Trần Thị Bình".into();
            }
            let r = client
                .send(
                    reqwest::Method::PUT,
                    &path,
                    Some(&serde_json::to_value(&fields)?),
                )
                .await?;
            anyhow::ensure!(r.status() == 200, "fields saved: {}", r.status());
            Some(fields.signer)
        } else {
            None
        };
        let printed = printed_report(&client, unit, FigureMode::Final).await?;
        printed.is_a4_in_times(unit)?;
        within_the_decrees_margins(unit, &printed)?;
        let pages = printed.pages;
        let overlaps = office::overlapping(&pages);
        anyhow::ensure!(
            overlaps.is_empty(),
            "{unit}: lines printed over others: {:?}",
            overlaps.iter().take(3).collect::<Vec<_>>()
        );
        // The header's two columns side by side: their lines interleave.
        let first = office::reading_text(&pages[..1].to_vec());
        for part in [
            agency,
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            if unit == "NB-HQ" {
                "Số: 125/BC-UBND"
            } else {
                "Số:"
            },
            "ngày …… tháng …… năm 2025",
        ] {
            office::in_order_within(&first, &[part], 12)
                .map_err(|e| anyhow::anyhow!("{unit}: the header: {e}"))?;
        }
        let mut wanted: Vec<String> = vec![
            "BÁO CÁO".into(),
            "Kết quả tổ chức Tuần lễ hưởng ứng học tập suốt đời năm 2025".into(),
        ];
        for section in form.sections() {
            wanted.push(section.label.clone());
            for item in &section.items {
                wanted.push(item.label.clone());
            }
        }
        wanted.push("Nơi nhận:".into());
        wanted.extend(signature.iter().map(|s| (*s).to_owned()));
        wanted.extend(signer.clone());
        wanted.push("Phụ lục".into());
        wanted.push(form.title().to_owned());
        wanted.extend(form.rows().iter().map(|r| r.label.clone()));
        let text = office::reading_text(&pages);
        office::in_order_within(
            &text,
            &wanted.iter().map(String::as_str).collect::<Vec<_>>(),
            8,
        )
        .map_err(|e| anyhow::anyhow!("{unit}: {e}"))?;
        // The school's own texts and its budget, in sections I.1 and I.4.
        if unit == "NB-HQ-TH" {
            office::in_order(
                &text,
                &[
                    "Ban chỉ đạo đã ban hành kế hoạch, phân công",
                    "Ngân sách nhà nước: 15.000.000 đồng.",
                ],
            )?;
        }
    }
    Ok(())
}

/// A level's official report is its signed-off package, and says so: which package,
/// when, who signed it off; the same document from live figures says it is a draft.
#[tokio::test]
async fn the_official_report_says_which_package_it_is() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    submit(&server, "nb-hq-th", "NB-HQ-TH", 2).await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let _: serde_json::Value = ward
        .post_json(&routes::report("2025", "NB-HQ-TH", "approve"), &json!({}))
        .await?;
    let package: tuanle_shared::wire::Package = ward
        .post_json(&routes::packages("2025", "NB-HQ", None, ""), &json!({}))
        .await?;
    let signed_by = package.brief.signed_by;
    let official = printed_report(&ward, "NB-HQ", FigureMode::Official).await?;
    official.is_a4_in_times("official")?;
    let text = office::reading_text(&official.pages);
    office::in_order_within(
        &text,
        &[
            "Kết quả tổ chức Tuần lễ hưởng ứng học tập suốt đời năm 2025",
            "Số liệu theo gói số liệu đã chốt lần 1 ngày",
            &format!("người chốt: {signed_by}"),
            "Phụ lục",
        ],
        8,
    )?;
    anyhow::ensure!(
        !text.contains("BẢN NHÁP"),
        "a signed-off package is no draft"
    );
    let draft = printed_report(&ward, "NB-HQ", FigureMode::Provisional).await?;
    let text = office::reading_text(&draft.pages);
    office::in_order(&text, &["BẢN NHÁP", "chưa phải gói số liệu đã chốt."])?;
    Ok(())
}
