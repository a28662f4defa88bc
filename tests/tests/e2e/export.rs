//! The official Excel form, read back with calamine: labels in official order, the
//! right values, totals as formulas whose cached results are right; access checked.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use serde_json::json;
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer};
use tuanle_shared::form::builtin;
use tuanle_shared::wire::routes;

fn push(push_id: &str, numbers: serde_json::Value, texts: serde_json::Value) -> serde_json::Value {
    json!({"push_id": push_id, "device_id": "t", "base_version": 0, "content": {"numbers": numbers, "texts": texts}})
}

fn number(v: Option<&Data>) -> Option<f64> {
    match v {
        Some(Data::Float(f)) => Some(*f),
        Some(Data::Int(i)) => Some(*i as f64),
        _ => None,
    }
}

/// Two schools of a ward submit; the ward's export has the form as printed with their
/// sum, SUM formulas for totals, one row per school, and their texts.
#[tokio::test]
async fn the_ward_export_is_the_official_form_with_right_values() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    for (user, unit, n) in [
        ("nb-hq-th", "NB-HQ-TH", 2u64),
        ("nb-hq-mn", "NB-HQ-MN", 3u64),
    ] {
        let me = ApiClient::sign_in(&server, user, DEMO_PASSWORD).await?;
        let numbers = json!({"1.3/count": n, "1.3/persons": n * 20, "1.7/count": 1, "1.7/persons": 30, "10.1/count": 900_000_000_000u64});
        let texts = json!({"II.2/text": format!("Khó khăn của {unit}")});
        let r = me
            .post(
                &routes::report("2025", unit, "push"),
                &push(&format!("x-{unit}"), numbers, texts),
            )
            .await?;
        assert_eq!(r.status(), 200);
        let r = me
            .post(
                &routes::report("2025", unit, "submit"),
                &json!({"version": 1, "device_id": "t", "acknowledge_warnings": true}),
            )
            .await?;
        assert_eq!(r.status(), 200);
    }
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let response = ward
        .get(&routes::export(
            "2025",
            "NB-HQ",
            tuanle_shared::wire::FigureMode::Final,
        ))
        .await?;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()?
            .contains(".xlsx")
    );
    let bytes = response.bytes().await?;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec()))?;
    assert_eq!(
        book.sheet_names(),
        ["Mẫu tổng hợp", "Theo đơn vị", "Nội dung báo cáo"]
    );

    let sheet = book.worksheet_range("Mẫu tổng hợp")?;
    let formulas = book.worksheet_formula("Mẫu tổng hợp")?;
    let text = |r: u32, c: u32| {
        sheet
            .get_value((r, c))
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    assert_eq!(text(0, 0), "MẪU TỔNG HỢP SỐ LIỆU KẾT QUẢ TỔ CHỨC TUẦN LỄ");
    assert_eq!(text(1, 0), "(Kèm theo báo cáo kết quả tổ chức Tuần lễ)");
    assert_eq!(text(2, 0), "Đơn vị: Phường Hồng Quang");
    assert_eq!(
        (text(5, 0), text(5, 1), text(5, 2), text(5, 3), text(5, 5)),
        (
            "STT".into(),
            "Các hoạt động".into(),
            "Đơn vị".into(),
            "Số lượng".into(),
            "Ghi chú".into()
        )
    );
    assert_eq!(
        (text(6, 3), text(6, 4)),
        ("Số lớp/số cuộc thi".into(), "Số người".into())
    );

    let form = builtin("2025").expect("form");
    let row_of = |code: &str| 7 + form.row_index(&code.parse().expect("code")).expect("row") as u32;
    for (i, row) in form.rows().iter().enumerate() {
        // The product's own readings marked as in the app, the official labels bare.
        let mark = if row.reading.is_some() { " (*)" } else { "" };
        assert_eq!(
            text(7 + i as u32, 1),
            format!("{}{mark}", row.label),
            "label of row {}",
            row.code
        );
        assert_eq!(text(7 + i as u32, 2), row.unit, "unit of row {}", row.code);
    }
    let after = 7 + form.rows().len() as u32;
    assert_eq!(
        text(after, 0),
        tuanle_shared::form::READING_NOTE,
        "the note of (*)"
    );
    assert_eq!(
        (text(after + 3, 0), text(after + 3, 3)),
        ("Người lập biểu".into(), "Thủ trưởng đơn vị".into()),
        "the signature block"
    );
    assert_eq!(number(sheet.get_value((row_of("1.3"), 3))), Some(5.0));
    assert_eq!(number(sheet.get_value((row_of("1.3"), 4))), Some(100.0));
    assert_eq!(
        number(sheet.get_value((row_of("10.1"), 3))),
        Some(1_800_000_000_000.0)
    );
    // Totals are formulas, and their cached results are the totals.
    let f_row = |code: &str, col: u32| {
        formulas
            .get_value((row_of(code), col))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(f_row("1", 3), "SUM(D10:D22)");
    assert_eq!(f_row("1.p", 4), "SUM(E10:E22)");
    assert_eq!(number(sheet.get_value((row_of("1",), 3))), Some(7.0));
    assert_eq!(number(sheet.get_value((row_of("1.p"), 4))), Some(160.0));
    assert_eq!(
        number(sheet.get_value((row_of("10"), 3))),
        Some(1_800_000_000_000.0)
    );

    let per_unit = book.worksheet_range("Theo đơn vị")?;
    // Each figure's column headed by its row's short label over its code.
    let header = |r: u32, c: u32| {
        per_unit
            .get_value((r, c))
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    assert_eq!(header(0, 2), "Các lớp bồi dưỡng, tập huấn tổ chức…");
    assert_eq!(header(1, 2), "1 (số lượng)");
    assert_eq!(header(1, 4), "1.1 (số lượng)");
    let units: Vec<String> = (2..=6)
        .map(|r| {
            per_unit
                .get_value((r, 0))
                .map(|d| d.to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        units,
        [
            "NB-HQ-MN",
            "NB-HQ-TH",
            "NB-HQ-THCS",
            "NB-HQ-TTHTCD",
            "NB-HQ-TV"
        ]
    );
    let texts = book.worksheet_range("Nội dung báo cáo")?;
    let all: Vec<String> = texts
        .rows()
        .map(|r| {
            r.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect();
    assert!(
        all.iter()
            .any(|l| l.contains("Trường Tiểu học Hồng Quang: Khó khăn của NB-HQ-TH")),
        "{all:?}"
    );

    // A ward supervisor cannot export another ward; a school's reporter its own only.
    assert_eq!(
        ward.get(&routes::export(
            "2025",
            "NB-HL",
            tuanle_shared::wire::FigureMode::Final
        ))
        .await?
        .status(),
        403
    );
    let school = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    assert_eq!(
        school
            .get(&routes::export(
                "2025",
                "NB-HQ",
                tuanle_shared::wire::FigureMode::Final
            ))
            .await?
            .status(),
        403
    );
    assert_eq!(
        school
            .get(&routes::export(
                "2025",
                "NB-HQ-TH",
                tuanle_shared::wire::FigureMode::Final
            ))
            .await?
            .status(),
        200
    );
    let bad = ward
        .get(&format!(
            "{}{}",
            routes::export("2025", "NB-HQ", tuanle_shared::wire::FigureMode::Final),
            "x"
        ))
        .await?;
    assert_eq!(bad.status(), 400);
    Ok(())
}

/// The issuer's fields of a report document: the kind's defaults at first, what the unit
/// saved last year offered next, what it saves for this campaign kept; refused when they
/// cannot make a document, or when saved by anyone but the unit's own staff.
#[tokio::test]
async fn a_units_document_fields_are_kept_and_offered_the_next_year() -> anyhow::Result<()> {
    use reqwest::Method;
    use tuanle_shared::document::{DocumentFields, DocumentFieldsAnswer, FieldsSource};
    let server = TestServer::spawn().await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let path = routes::report_document_fields("2025", "NB-HQ");
    let first: DocumentFieldsAnswer = ward.get_json(&path).await?;
    assert_eq!(first.source, FieldsSource::Default);
    assert_eq!(
        first.fields.signature,
        ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    );

    // What the ward saved for the 2023 campaign (closed now) is offered in 2025.
    let mut last_year = first.fields.clone();
    last_year.signer = "Trần Thị Bình".into();
    last_year.number = "……/BC-UBND-VX".into();
    let db = server.db().await?;
    let (campaign_2023,): (i64,) = sqlx::query_as("SELECT id FROM campaigns WHERE code = '2023'")
        .fetch_one(&db)
        .await?;
    tuanle_server::document_fields::save(&db, campaign_2023, "NB-HQ", &last_year, "nb-hq")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let offered: DocumentFieldsAnswer = ward.get_json(&path).await?;
    assert_eq!(
        (offered.source, &offered.fields),
        (FieldsSource::LastYear, &last_year)
    );

    // Saved for 2025, then read back as saved; 2023 keeps its own.
    let mut mine: DocumentFields = offered.fields.clone();
    mine.signer = "Nguyễn Văn An".into();
    mine.recipients = vec!["- UBND tỉnh Ninh Bình;".into(), "- Lưu: VT, VHXH.".into()];
    let saved: DocumentFieldsAnswer = ward
        .expect(Method::PUT, &path, Some(&serde_json::to_value(&mine)?), 200)
        .await?;
    assert_eq!(saved.source, FieldsSource::Saved);
    let read: DocumentFieldsAnswer = ward.get_json(&path).await?;
    assert_eq!(
        (read.source, read.fields),
        (FieldsSource::Saved, mine.clone())
    );
    let old: DocumentFieldsAnswer = ward
        .get_json(&routes::report_document_fields("2023", "NB-HQ"))
        .await?;
    assert_eq!(old.fields.signer, "Trần Thị Bình");

    // Fields that cannot make a document, and hands that may not save them.
    let mut unsigned = mine.clone();
    unsigned.signature.clear();
    let r = ward
        .send(Method::PUT, &path, Some(&serde_json::to_value(&unsigned)?))
        .await?;
    assert_eq!(r.status(), 400);
    let e: tuanle_shared::wire::ApiError = r.json().await?;
    assert_eq!(e.code, tuanle_shared::wire::RefusalCode::BadDocumentFields);
    assert!(e.message.contains("chức vụ"), "{}", e.message);
    let other = ApiClient::sign_in(&server, "nb-hl", DEMO_PASSWORD).await?;
    let r = other
        .send(Method::PUT, &path, Some(&serde_json::to_value(&mine)?))
        .await?;
    assert_eq!(r.status(), 403);
    let province = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD).await?;
    let r = province
        .send(Method::PUT, &path, Some(&serde_json::to_value(&mine)?))
        .await?;
    assert_eq!(
        r.status(),
        403,
        "the parent reads them, the unit writes them"
    );
    let seen: DocumentFieldsAnswer = province.get_json(&path).await?;
    assert_eq!(seen.fields, mine);
    Ok(())
}
