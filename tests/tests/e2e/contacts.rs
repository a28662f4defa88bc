//! Contacts and reminders (issue 20), through the tree import and the ward's missing list
//! in Chromium: what the server stores of an imported file's contact columns, and of a
//! reminder marked, read back on both engines.

use tuanle_e2e::{ApiClient, Browser, DEMO_PASSWORD, TestServer};

/// Reminders (issue 20): the ward's part of the tree imported again with its contact
/// columns; the missing list shows each unit's contact person and phone and gives a
/// reminder to paste, with the unit's name and deadline; "Đã nhắc" marks it with the date
/// and who. The school's reporter sees whom to ask. A phone that is not one is refused
/// on its line.
#[tokio::test]
async fn the_missing_list_gives_contacts_and_a_reminder_to_paste() -> anyhow::Result<()> {
    use tuanle_shared::wire::admin::{TreePreview, routes as admin_routes};
    let server = TestServer::spawn().await?;
    let admin = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    let file = |phone: &str| {
        format!(
            "Mã,Tên,Loại,Mã cấp trên,Người liên hệ,Số điện thoại\n\
             NB-HQ,Phường Hồng Quang,xa_phuong,,Trần Văn Bình,0229 3871 234\n\
             NB-HQ-MN,Trường Mầm non Hồng Quang,truong_mam_non,NB-HQ,Lê Thị Hoa,{phone}\n\
             NB-HQ-TH,Trường Tiểu học Hồng Quang,truong_tieu_hoc,NB-HQ,,\n\
             NB-HQ-THCS,Trường THCS Hồng Quang,truong_thcs,NB-HQ,,\n\
             NB-HQ-TTHTCD,Trung tâm học tập cộng đồng phường Hồng Quang,tthtcd,NB-HQ,,\n\
             NB-HQ-TV,Thư viện phường Hồng Quang,thu_vien,NB-HQ,,\n"
        )
        .into_bytes()
    };
    let path = |action: &str| {
        admin_routes::campaign("2025", &format!("/tree/{action}?under=NB-HQ&name=hq.csv"))
    };
    let refused: TreePreview = serde_json::from_str(
        &admin
            .post_file(&path("preview"), "text/csv", file("gọi chị Hoa"))
            .await?
            .text()
            .await?,
    )?;
    assert_eq!(
        refused
            .problems
            .iter()
            .map(|p| (p.line, p.code.as_str()))
            .collect::<Vec<_>>(),
        [(3, "BAD_CONTACT")]
    );
    let r = admin
        .post_file(&path("import"), "text/csv", file("0912 345 678"))
        .await?;
    assert_eq!(r.status(), 200);
    let applied: TreePreview = serde_json::from_str(&r.text().await?)?;
    assert!(applied.applied && applied.contacts == 6, "{applied:?}");
    // A later file with the phones alone changes the phones and keeps the names.
    let phones = "Mã,Tên,Loại,Mã cấp trên,Số điện thoại\n\
                  NB-HQ,Phường Hồng Quang,xa_phuong,,0229 3871 234\n\
                  NB-HQ-MN,Trường Mầm non Hồng Quang,truong_mam_non,NB-HQ,0912 000 111\n\
                  NB-HQ-TH,Trường Tiểu học Hồng Quang,truong_tieu_hoc,NB-HQ,\n\
                  NB-HQ-THCS,Trường THCS Hồng Quang,truong_thcs,NB-HQ,\n\
                  NB-HQ-TTHTCD,Trung tâm học tập cộng đồng phường Hồng Quang,tthtcd,NB-HQ,\n\
                  NB-HQ-TV,Thư viện phường Hồng Quang,thu_vien,NB-HQ,\n";
    let r = admin
        .post_file(&path("import"), "text/csv", phones.as_bytes().to_vec())
        .await?;
    assert_eq!(r.status(), 200, "{}", r.text().await?);

    let ward = Browser::start().await?;
    ward.sign_in_to(&server, "nb-hq", "h1[data-unit='NB-HQ']")
        .await?;
    ward.click("details.missing summary").await?;
    let contact = ward
        .text("details.missing li[data-code='NB-HQ-MN'] .contact")
        .await?;
    assert_eq!(contact, "· Lê Thị Hoa 0912 000 111");
    ward.click("details.missing li[data-code='NB-HQ-MN'] details.reminder summary")
        .await?;
    let text = ward
        .client
        .execute(
            "return document.querySelector(\"li[data-code='NB-HQ-MN'] .reminder-text\").value;",
            vec![],
        )
        .await?;
    assert_eq!(
        text.as_str().unwrap_or_default(),
        "Kính gửi Lê Thị Hoa (Trường Mầm non Hồng Quang): đơn vị chưa nộp báo cáo kết quả tổ chức \
         Tuần lễ hưởng ứng học tập suốt đời năm 2025. Đề nghị đơn vị nhập và nộp báo cáo trên hệ \
         thống trước ngày 16/10/2025. Trân trọng, Phường Hồng Quang."
    );
    // Copied to paste into a message (the browser asked for the clipboard, as a person
    // allows it), and read back from the clipboard.
    ward.client
        .issue_cmd(tuanle_e2e::Cdp(
            "Browser.grantPermissions",
            serde_json::json!({"permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]}),
        ))
        .await?;
    ward.click("li[data-code='NB-HQ-MN'] .copy-reminder")
        .await?;
    ward.eventually("the reminder is copied", || async {
        Ok(
            ward.text("li[data-code='NB-HQ-MN'] .copied").await?
                == "Đã sao chép: dán vào tin nhắn.",
        )
    })
    .await?;
    let pasted = ward
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             navigator.clipboard.readText().then(done, e => done('refused: ' + e));",
            vec![],
        )
        .await?;
    assert_eq!(
        pasted.as_str(),
        text.as_str(),
        "the clipboard holds the reminder"
    );
    ward.click("li[data-code='NB-HQ-MN'] .mark-reminded")
        .await?;
    let mark = ward.text("li[data-code='NB-HQ-MN'] .reminded").await?;
    let today = tuanle_shared::wire::format_day(i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis(),
    )?);
    assert!(mark.starts_with(&format!("Đã nhắc {today} (")), "{mark}");
    // Read again, the mark is the server's.
    ward.client.refresh().await?;
    ward.click("details.missing summary").await?;
    ward.wait_for("li[data-code='NB-HQ-MN'] .reminded").await?;
    ward.close().await?;

    let school = Browser::start().await?;
    school.sign_in(&server, "nb-hq-mn").await?;
    let help = school.text(".help-contact").await?;
    assert_eq!(
        help,
        "Cần hỗ trợ? Liên hệ Phường Hồng Quang: Trần Văn Bình — 0229 3871 234"
    );
    school.close().await
}
