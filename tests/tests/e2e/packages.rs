//! Sign-off packages through the real API (issue 17): the ward accepts its schools'
//! reports and signs off, the province accepts the ward's package, and a change below
//! after the sign-off marks the package "cần chốt lại" while the accepted snapshot stays
//! what the province counts.

use serde_json::json;
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer, push_counts};
use tuanle_shared::wire::{
    Dashboard, FigureMode, Narrative, Package, PackageBrief, PackageStatus, PartSource,
    RefusalCode, ReportState, routes,
};
use tuanle_shared::{Column, Sums, form::builtin};

/// Row 2's count in a dashboard's or a package's slots.
fn row2(form_version: &str, slots: &[u128]) -> u128 {
    let form = builtin(form_version).expect("form");
    let sums = Sums::from_slots(form, slots.to_vec()).expect("slots fit the form");
    let row = form.row_index(&"2".parse().expect("code")).expect("row");
    sums.value(form, row, Column::Count).expect("typed")
}

/// A school pushes row 2 and submits; its ward approves it.
async fn submitted_and_approved(
    school: &ApiClient,
    ward: &ApiClient,
    unit: &str,
    value: u64,
    push_id: &str,
) -> anyhow::Result<()> {
    let state: ReportState = school.get_json(&routes::report("2025", unit, "")).await?;
    let pushed: serde_json::Value = school
        .post_json(
            &routes::report("2025", unit, "push"),
            &push_counts(push_id, state.version, &[("2", value)]),
        )
        .await?;
    let version = pushed["version"].as_u64().expect("a version");
    let _: ReportState = school
        .post_json(
            &routes::report("2025", unit, "submit"),
            &json!({"version": version, "device_id": "t", "acknowledge_warnings": true}),
        )
        .await?;
    let _: ReportState = ward
        .post_json(&routes::report("2025", unit, "approve"), &json!({}))
        .await?;
    Ok(())
}

fn child<'a>(d: &'a Dashboard, code: &str) -> Option<&'a PackageBrief> {
    d.children
        .iter()
        .find(|c| c.unit.code == code)
        .and_then(|c| c.package.as_ref())
}

#[tokio::test]
async fn a_ward_signs_off_and_the_province_counts_what_it_accepted() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let th = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let mn = ApiClient::sign_in(&server, "nb-hq-mn", DEMO_PASSWORD).await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let province = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD).await?;
    let observer = ApiClient::sign_in(&server, "ubnd-nb", DEMO_PASSWORD).await?;
    let packages = |seq: Option<u32>, action: &str| routes::packages("2025", "NB-HQ", seq, action);

    submitted_and_approved(&th, &ward, "NB-HQ-TH", 30, "th1").await?;
    submitted_and_approved(&mn, &ward, "NB-HQ-MN", 12, "mn1").await?;

    // The province cannot review a school over its ward's head, nor sign off for it.
    let (status, e) = province
        .post_refused(
            &routes::report("2025", "NB-HQ-TH", "return"),
            &json!({"reason": "x"}),
        )
        .await?;
    assert_eq!((status, e.code), (403, RefusalCode::NotDirectParent));
    let (status, e) = province
        .post_refused(&packages(None, ""), &json!({}))
        .await?;
    assert_eq!((status, e.code), (403, RefusalCode::Forbidden));
    // A school's reporter has nothing to sign off; a leaf supervisor neither.
    let (status, _) = th
        .post_refused(&routes::packages("2025", "NB-HQ-TH", None, ""), &json!({}))
        .await?;
    assert_eq!(status, 403);
    let admin = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    let password = admin
        .create_account("gs-th", "Giám sát trường", "supervisor", "NB-HQ-TH")
        .await?;
    let leaf = ApiClient::sign_in(&server, "gs-th", &password).await?;
    let (status, e) = leaf
        .post_refused(&routes::packages("2025", "NB-HQ-TH", None, ""), &json!({}))
        .await?;
    assert_eq!((status, e.code), (400, RefusalCode::NoChildren));

    // The ward signs off with three schools still missing.
    let first: Package = ward.post_json(&packages(None, ""), &json!({})).await?;
    assert_eq!(first.brief.seq, 1);
    assert_eq!(first.brief.status, PackageStatus::Sent);
    assert_eq!(row2(&first.form_version, &first.figures), 42);
    let parts: Vec<(&str, &PartSource)> = first
        .contents
        .parts
        .iter()
        .map(|p| (p.unit.code.as_str(), &p.source))
        .collect();
    assert_eq!(parts.len(), 2, "{parts:?}");
    assert!(
        parts
            .iter()
            .all(|(_, s)| matches!(s, PartSource::Report { .. }))
    );
    let missing: Vec<&str> = first
        .contents
        .missing
        .iter()
        .map(|u| u.code.as_str())
        .collect();
    assert!(missing.contains(&"NB-HQ-THCS"), "{missing:?}");
    assert!(!missing.contains(&"NB-HQ-TH"), "{missing:?}");
    assert!(
        first.contents.own.is_none(),
        "the ward's own report is not submitted"
    );
    // Only the parent may review it; the ward itself reads it as not its to review.
    assert_eq!(first.review_refusal, Some(RefusalCode::Forbidden));

    // The province sees it sent; its official figures count nothing yet.
    let d: Dashboard = province
        .get_json(&routes::dashboard("2025", "NB", false))
        .await?;
    assert_eq!(
        child(&d, "NB-HQ").map(|p| p.status),
        Some(PackageStatus::Sent)
    );
    assert_eq!(row2(&d.form_version, &d.official_figures), 0);
    assert_eq!(
        row2(&d.form_version, &d.final_figures),
        42,
        "the live figures"
    );
    let seen: Package = province.get_json(&packages(Some(1), "")).await?;
    assert_eq!(seen.review_refusal, None, "the province may review it");
    assert_eq!(seen.figures, first.figures);

    // The observer reads it and changes nothing.
    let read: Package = observer.get_json(&packages(Some(1), "")).await?;
    assert_eq!(read.figures, first.figures);
    let (status, _) = observer
        .post_refused(&packages(Some(1), "accept"), &json!({}))
        .await?;
    assert_eq!(status, 403);

    // Accepted: the province's official figures are the package's.
    let accepted: Package = province
        .post_json(&packages(Some(1), "accept"), &json!({}))
        .await?;
    assert_eq!(accepted.brief.status, PackageStatus::Accepted);
    assert!(accepted.reviewed_by.is_some());
    let (status, e) = province
        .post_refused(&packages(Some(1), "accept"), &json!({}))
        .await?;
    assert_eq!((status, e.code), (409, RefusalCode::PackageNotSent));
    let d: Dashboard = province
        .get_json(&routes::dashboard("2025", "NB", false))
        .await?;
    assert_eq!(row2(&d.form_version, &d.official_figures), 42);
    let brief = child(&d, "NB-HQ").expect("a package");
    assert_eq!(
        (brief.status, brief.stale, brief.counted_seq),
        (PackageStatus::Accepted, false, Some(1))
    );
    // The documents of the official figures are the package's: at the ward, what it
    // sent; at the province, what it accepted.
    let n: Narrative = province
        .get_json(&routes::narrative("2025", "NB", FigureMode::Official))
        .await?;
    assert_eq!(
        (n.mode, &n.figures),
        (FigureMode::Official, &d.official_figures)
    );
    let n: Narrative = ward
        .get_json(&routes::narrative("2025", "NB-HQ", FigureMode::Official))
        .await?;
    assert_eq!(n.figures, first.figures);
    let r = province
        .get(&routes::export("2025", "NB", FigureMode::Official))
        .await?;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await?.to_vec();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))?;
    let sheet = calamine::Reader::worksheet_range_at(&mut book, 0).expect("a sheet")?;
    let heading = sheet
        .get_value((3, 0))
        .map(|v| v.to_string())
        .unwrap_or_default();
    assert!(
        heading.contains("số liệu chính thức (đã chốt)"),
        "{heading}"
    );

    // The ward returns a school's report, which is resubmitted with another number: the
    // package is stale at once, and the province still counts the accepted snapshot.
    let _: ReportState = ward
        .post_json(
            &routes::report("2025", "NB-HQ-TH", "return"),
            &json!({"reason": "Số lớp chưa đúng"}),
        )
        .await?;
    let d: Dashboard = province
        .get_json(&routes::dashboard("2025", "NB", false))
        .await?;
    let brief = child(&d, "NB-HQ").expect("a package");
    assert!(brief.stale, "cần chốt lại");
    assert_eq!(
        tuanle_shared::wire::package_label(Some(brief)),
        "Cần chốt lại"
    );
    assert_eq!(row2(&d.form_version, &d.official_figures), 42);
    submitted_and_approved(&th, &ward, "NB-HQ-TH", 35, "th2").await?;
    let d: Dashboard = province
        .get_json(&routes::dashboard("2025", "NB", false))
        .await?;
    assert_eq!(
        row2(&d.form_version, &d.official_figures),
        42,
        "the snapshot"
    );
    assert_eq!(
        row2(&d.form_version, &d.final_figures),
        47,
        "the live figures"
    );

    // A second sign-off, returned with a reason, then a third, accepted.
    let (status, e) = ward
        .post_refused(&packages(Some(1), "return"), &json!({"reason": "x"}))
        .await?;
    assert_eq!(
        (status, e.code),
        (403, RefusalCode::Forbidden),
        "not the ward's own to review"
    );
    let second: Package = ward.post_json(&packages(None, ""), &json!({})).await?;
    assert_eq!(
        (
            second.brief.seq,
            row2(&second.form_version, &second.figures)
        ),
        (2, 47)
    );
    let (status, e) = province
        .post_refused(&packages(Some(2), "return"), &json!({"reason": " "}))
        .await?;
    assert_eq!((status, e.code), (400, RefusalCode::ReasonRequired));
    let returned: Package = province
        .post_json(
            &packages(Some(2), "return"),
            &json!({"reason": "Thiếu trường THCS"}),
        )
        .await?;
    assert_eq!(returned.brief.status, PackageStatus::Returned);
    assert_eq!(returned.return_reason.as_deref(), Some("Thiếu trường THCS"));
    let own: Dashboard = ward
        .get_json(&routes::dashboard("2025", "NB-HQ", false))
        .await?;
    assert_eq!(
        own.package.as_ref().map(|p| p.status),
        Some(PackageStatus::Returned)
    );
    let d: Dashboard = province
        .get_json(&routes::dashboard("2025", "NB", false))
        .await?;
    assert_eq!(
        row2(&d.form_version, &d.official_figures),
        42,
        "still the first"
    );

    let third: Package = ward.post_json(&packages(None, ""), &json!({})).await?;
    let _: Package = ward.post_json(&packages(None, ""), &json!({})).await?;
    let superseded: Package = province
        .get_json(&packages(Some(third.brief.seq), ""))
        .await?;
    assert_eq!(superseded.brief.status, PackageStatus::Superseded);
    assert_eq!(superseded.review_refusal, Some(RefusalCode::PackageNotSent));
    let _: Package = province
        .post_json(&packages(Some(4), "accept"), &json!({}))
        .await?;
    let d: Dashboard = province
        .get_json(&routes::dashboard("2025", "NB", false))
        .await?;
    assert_eq!(row2(&d.form_version, &d.official_figures), 47);
    let list: Vec<PackageBrief> = province.get_json(&packages(None, "")).await?;
    let seqs: Vec<(u32, PackageStatus)> = list.iter().map(|p| (p.seq, p.status)).collect();
    assert_eq!(
        seqs,
        [
            (4, PackageStatus::Accepted),
            (3, PackageStatus::Superseded),
            (2, PackageStatus::Returned),
            (1, PackageStatus::Accepted)
        ]
    );
    // A package number that is not one.
    let (status, e) = province.get_refused(&packages(Some(9), "")).await?;
    assert_eq!((status, e.code), (404, RefusalCode::NotFound));
    let (status, e) = province
        .get_refused("/api/v1/campaigns/2025/units/NB-HQ/packages/x")
        .await?;
    assert_eq!((status, e.code), (400, RefusalCode::BadPath));
    Ok(())
}

/// The copy the ward's officials signed: uploaded by the ward to its package, seen and
/// downloaded by the province byte for byte; refused when it is not a PDF or an image
/// (whatever its name), too large, uploaded by the parent, or for a package not there.
#[tokio::test]
async fn a_signed_copy_goes_up_with_the_package() -> anyhow::Result<()> {
    use tuanle_shared::wire::{SIGNED_COPY_MAX, SignedCopy};
    let server = TestServer::spawn().await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let province = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD).await?;
    let first: Package = ward
        .post_json(&routes::packages("2025", "NB-HQ", None, ""), &json!({}))
        .await?;
    assert_eq!(first.signed_copy, None);
    let seq = first.brief.seq;
    let path = routes::signed_copy("2025", "NB-HQ", seq);
    let at = |name: &str| format!("{path}?name={name}");
    let mut pdf = b"%PDF-1.4\n% b\xc3\xa1o c\xc3\xa1o \xc4\x91\xc3\xa3 k\xc3\xbd\n".to_vec();
    pdf.extend(std::iter::repeat_n(b'x', 200_000));
    let r = ward
        .put_file(
            &at("B%C3%A1o%20c%C3%A1o%20%C4%91%C3%A3%20k%C3%BD.pdf"),
            "application/pdf",
            pdf.clone(),
        )
        .await?;
    assert_eq!(r.status(), 200, "{}", r.text().await?);
    let copy: SignedCopy = r.json().await?;
    assert_eq!(
        (copy.file_name.as_str(), copy.media_type.as_str(), copy.size),
        ("Báo cáo đã ký.pdf", "application/pdf", pdf.len() as u64)
    );

    // The province sees it with the package, and downloads it whole.
    let seen: Package = province
        .get_json(&routes::packages("2025", "NB-HQ", Some(seq), ""))
        .await?;
    assert_eq!(seen.signed_copy.as_ref(), Some(&copy));
    let r = province.get(&path).await?;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    assert_eq!(r.bytes().await?.to_vec(), pdf);

    // A text named .pdf, a file past the limit, the parent's hand, a package not there.
    let r = ward
        .put_file(
            &at("scan.pdf"),
            "application/pdf",
            b"not a pdf at all".to_vec(),
        )
        .await?;
    assert_eq!(r.status(), 400);
    let e: tuanle_shared::wire::ApiError = r.json().await?;
    assert_eq!(e.code, RefusalCode::BadFileType);
    let mut huge = b"%PDF-1.4\n".to_vec();
    huge.resize(SIGNED_COPY_MAX + 1, b'x');
    let r = ward
        .put_file(&at("big.pdf"), "application/pdf", huge)
        .await?;
    assert_eq!(r.status(), 413);
    let r = province
        .put_file(&at("x.pdf"), "application/pdf", pdf.clone())
        .await?;
    assert_eq!(r.status(), 403);
    let missing = routes::signed_copy("2025", "NB-HQ", seq + 5);
    let r = ward
        .put_file(&missing, "application/pdf", pdf.clone())
        .await?;
    assert_eq!(r.status(), 404);
    assert_eq!(province.get(&missing).await?.status(), 404);
    // What was stored is still the first, whole, under its Vietnamese name.
    let r = province.get(&path).await?;
    let disposition = r
        .headers()
        .get(reqwest::header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        disposition.contains("filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20%C4%91%C3%A3%20k%C3%BD.pdf"),
        "{disposition}"
    );
    assert_eq!(r.bytes().await?.to_vec(), pdf);

    // A school's reporter has no package to sign; a scan (PNG) replaces the PDF while the
    // package waits, named as what it is.
    let th = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let r = th
        .put_file(&at("x.pdf"), "application/pdf", pdf.clone())
        .await?;
    assert_eq!(r.status(), 403);
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.extend(std::iter::repeat_n(7u8, 50_000));
    let replaced: SignedCopy = ward
        .put_file(&at("scan"), "image/png", png.clone())
        .await?
        .json()
        .await?;
    assert_eq!(
        (replaced.file_name.as_str(), replaced.media_type.as_str()),
        ("scan.png", "image/png")
    );
    assert_eq!(province.get(&path).await?.bytes().await?.to_vec(), png);

    // Once the province accepts the package, its signed copy stays as it was.
    let _: Package = province
        .post_json(
            &routes::packages("2025", "NB-HQ", Some(seq), "accept"),
            &json!({}),
        )
        .await?;
    let r = ward
        .put_file(&at("late.pdf"), "application/pdf", pdf.clone())
        .await?;
    assert_eq!(r.status(), 409, "{}", r.text().await?);
    assert_eq!(province.get(&path).await?.bytes().await?.to_vec(), png);
    Ok(())
}

/// A level's official documents are its signed-off package: a school's figures changed
/// after the ward signed off leave the ward's official workbook as signed, and the
/// workbook says which package it is and that it needs signing off again.
#[tokio::test]
async fn official_documents_are_the_signed_off_package() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let th = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    submitted_and_approved(&th, &ward, "NB-HQ-TH", 30, "th-a").await?;
    let _: Package = ward
        .post_json(&routes::packages("2025", "NB-HQ", None, ""), &json!({}))
        .await?;
    // Returned, changed, approved again: the package is stale.
    let _: ReportState = ward
        .post_json(
            &routes::report("2025", "NB-HQ-TH", "return"),
            &json!({"reason": "Sửa số tin bài"}),
        )
        .await?;
    submitted_and_approved(&th, &ward, "NB-HQ-TH", 50, "th-b").await?;

    let workbook = |mode: FigureMode| {
        let ward = &ward;
        async move {
            let bytes = ward
                .get(&routes::export("2025", "NB-HQ", mode))
                .await?
                .bytes()
                .await?;
            let mut book: calamine::Xlsx<_> =
                calamine::Reader::new(std::io::Cursor::new(bytes.to_vec()))?;
            let sheet = calamine::Reader::worksheet_range_at(&mut book, 0)
                .ok_or_else(|| anyhow::anyhow!("a sheet"))??;
            let form = builtin("2025").expect("form");
            let row = 7 + form.row_index(&"2".parse()?).expect("row 2") as u32;
            let value = match sheet.get_value((row, 3)) {
                Some(calamine::Data::Float(f)) => *f,
                other => anyhow::bail!("row 2: {other:?}"),
            };
            let said = sheet
                .get_value((4, 0))
                .map(|d| d.to_string())
                .unwrap_or_default();
            anyhow::Ok((value, said))
        }
    };
    let (official, said) = workbook(FigureMode::Official).await?;
    assert_eq!(official, 30.0, "as signed off");
    assert!(
        said.contains("gói số liệu đã chốt lần 1") && said.contains("cần chốt lại"),
        "{said}"
    );
    let (live, said) = workbook(FigureMode::Final).await?;
    assert_eq!(live, 50.0, "the live figures");
    assert!(said.starts_with("BẢN NHÁP"), "{said}");
    Ok(())
}
