//! Administration through the real HTTP API: campaigns, tree imports from CSV and XLSX
//! (problems by line, preview writes nothing, re-import is a no-op, a changed file applies
//! exactly its changes), accounts, and who may reach what.

use reqwest::Method;
use serde_json::{Value, json};
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer};
use tuanle_shared::wire::RefusalCode;
use tuanle_shared::wire::admin::{
    AccountInfo, AdminUnits, AuditEntry, BulkCreated, Credentials, TreePreview, routes,
};
use tuanle_shared::wire::{Dashboard, routes as api};

const CSV: &str = "text/csv";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A national campaign's tree in two provinces, as a province would type it.
fn clean_csv() -> String {
    "Mã đơn vị,Tên đơn vị,Loại,Mã cấp trên
BGD,Bộ Giáo dục và Đào tạo,Bộ GDĐT,
NB,Sở GDĐT Ninh Bình,Tỉnh,BGD
NB-HQ,Phường Hồng Quang,Phường,NB
NB-HQ-TH,Trường Tiểu học Hồng Quang,Tiểu học,NB-HQ
NB-HQ-MN,Trường Mầm non Hồng Quang,Mầm non,NB-HQ
NB-HL,Phường Hoa Lư,Phường,NB
NB-HL-TH,Trường Tiểu học Hoa Lư,Tiểu học,NB-HL
HN,Sở GDĐT Hà Nội,Tỉnh,BGD
HN-BD,Phường Ba Đình,Phường,HN
HN-BD-TH,Trường Tiểu học Ba Đình,Tiểu học,HN-BD
"
    .to_owned()
}

async fn admin(server: &TestServer) -> ApiClient {
    ApiClient::sign_in(server, "admin", DEMO_PASSWORD)
        .await
        .expect("admin signs in")
}

async fn create_campaign(admin: &ApiClient, code: &str) {
    let body = json!({
        "code": code, "year": 2026, "theme": "Học tập suốt đời trong kỷ nguyên số",
        "starts_on": "2026-10-01", "ends_on": "2026-10-07", "form_version": "2025",
        "deadlines": [{"depth": 2, "due_on": "2026-10-20"}, {"depth": 3, "due_on": "2026-10-16"}],
        "open": true
    });
    let r = admin
        .send(Method::POST, routes::CAMPAIGNS, Some(&body))
        .await
        .expect("create");
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
}

async fn tree_call(
    client: &ApiClient,
    campaign: &str,
    apply: bool,
    media: &str,
    file: Vec<u8>,
) -> (u16, TreePreview) {
    let action = if apply { "import" } else { "preview" };
    let path = routes::campaign(campaign, &format!("/tree/{action}?name=cay.csv"));
    let r = client.post_file(&path, media, file).await.expect("answer");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
    )
}

async fn units_in(server: &TestServer, campaign: &str) -> i64 {
    let db = server.db().await.expect("db");
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM units u JOIN campaigns c ON c.id = u.campaign_id WHERE c.code = $1",
    )
    .bind(campaign)
    .fetch_one(&db)
    .await
    .expect("count")
}

fn problems(p: &TreePreview) -> Vec<(u32, &str)> {
    p.problems
        .iter()
        .map(|p| (p.line, p.code.as_str()))
        .collect()
}

#[tokio::test]
async fn a_csv_import_is_previewed_applied_once_and_updated_exactly() {
    let server = TestServer::spawn().await.expect("server");
    let admin = admin(&server).await;
    create_campaign(&admin, "2026").await;

    // Known problems, each on its line; nothing written, not even by an import.
    let bad = "ma,ten,loai,ma cap tren
BGD,Bộ Giáo dục và Đào tạo,bo,
NB,,tinh,BGD
NB,Trùng mã,tinh,BGD
X1,Trường lạc,tiểu học,KHONGCO
C1,Vòng một,khác,C2
C2,Vòng hai,khác,C1
";
    let (status, preview) = tree_call(&admin, "2026", false, CSV, bad.into()).await;
    assert_eq!(status, 200);
    assert_eq!(
        problems(&preview),
        [
            (3, "EMPTY_NAME"),
            (4, "DUPLICATE_CODE"),
            (5, "UNKNOWN_PARENT"),
            (6, "CYCLE"),
            (7, "CYCLE")
        ]
    );
    assert!(preview.problems[1].message.contains("dòng 3"));
    let (status, refused) = tree_call(&admin, "2026", true, CSV, bad.into()).await;
    assert_eq!((status, refused.applied), (422, false));
    assert_eq!(units_in(&server, "2026").await, 0);

    // A file in no encoding we know is named with its line.
    let unknown = b"code,name,kind,parent\nBGD,Bo,bo,\nNB,S\x81 GD,tinh,BGD\n".to_vec();
    let (_, enc) = tree_call(&admin, "2026", false, CSV, unknown).await;
    assert_eq!(problems(&enc), [(3, "BAD_ENCODING")]);
    // One saved as "CSV" by Excel on Vietnamese Windows (Windows-1258) is decoded, and
    // the preview says so and shows the names as they will be stored.
    let windows = b"code,name,kind,parent\nBGD,B\xF4\xF2 GD,bo,\nNB,S\xF5\xD2 GD Ninh Bi\xCCnh,ti\xD2nh,BGD\n".to_vec();
    let (status, decoded) = tree_call(&admin, "2026", false, CSV, windows).await;
    assert_eq!((status, decoded.added), (200, 2), "{decoded:?}");
    assert!(
        decoded.notices[0].contains("Windows-1258"),
        "{:?}",
        decoded.notices
    );
    let names: Vec<&str> = decoded.changes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Bộ GD", "Sở GD Ninh Bình"]);

    // A clean file: the preview writes nothing, the import writes it all.
    let (_, preview) = tree_call(&admin, "2026", false, CSV, clean_csv().into()).await;
    assert_eq!((preview.added, preview.applied), (10, false), "{preview:?}");
    assert_eq!(units_in(&server, "2026").await, 0);
    let (status, done) = tree_call(&admin, "2026", true, CSV, clean_csv().into()).await;
    assert_eq!((status, done.added, done.applied), (200, 10, true));
    assert_eq!(units_in(&server, "2026").await, 10);
    let root: Dashboard = admin
        .expect(
            Method::GET,
            &api::dashboard("2026", "BGD", false),
            None,
            200,
        )
        .await
        .expect("dashboard");
    assert_eq!(root.completeness.units, 10);

    // The same file again changes nothing and logs nothing.
    let audit_path = routes::campaign("2026", "/audit");
    let before: Vec<AuditEntry> = admin
        .expect(Method::GET, &audit_path, None, 200)
        .await
        .expect("audit");
    let (_, again) = tree_call(&admin, "2026", true, CSV, clean_csv().into()).await;
    assert_eq!(
        (
            again.added,
            again.updated,
            again.removed,
            again.deactivated,
            again.unchanged
        ),
        (0, 0, 0, 0, 10)
    );
    let after: Vec<AuditEntry> = admin
        .expect(Method::GET, &audit_path, None, 200)
        .await
        .expect("audit");
    assert_eq!(after.len(), before.len());

    // The Hoa Lư school gets an account and a report; then a changed file drops it.
    let creds: Credentials = admin
        .expect(
            Method::POST,
            &routes::campaign("2026", "/accounts"),
            Some(&json!({"username": "th-hoalu", "display_name": "TH Hoa Lư", "role": "reporter", "unit_code": "NB-HL-TH"})),
            201,
        )
        .await
        .expect("account");
    let reporter = ApiClient::sign_in(&server, &creds.username, &creds.password)
        .await
        .expect("first password works");
    let push = json!({"push_id": "p-hl-1", "device_id": "tab-1", "base_version": 0,
        "content": {"numbers": {"1.1/count": 3}, "texts": {}}});
    let r = reporter
        .send(
            Method::POST,
            &api::report("2026", "NB-HL-TH", "push"),
            Some(&push),
        )
        .await
        .expect("push");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());

    let changed = clean_csv()
        .replace("NB-HQ,Phường Hồng Quang,", "NB-HQ,Phường Hồng Quang (mới),")
        .replace("NB-HQ-MN,Trường Mầm non Hồng Quang,Mầm non,NB-HQ", "NB-HQ-MN,Trường Mầm non Hồng Quang,Mầm non,HN-HK")
        .replace("NB-HL,Phường Hoa Lư,Phường,NB\nNB-HL-TH,Trường Tiểu học Hoa Lư,Tiểu học,NB-HL\n", "")
        .replace("HN-BD-TH,Trường Tiểu học Ba Đình,Tiểu học,HN-BD\n", "HN-BD-TH,Trường Tiểu học Ba Đình,Tiểu học,HN-BD\nHN-BD-TV,Thư viện Ba Đình,Thư viện,HN-BD\nHN-HK,Phường Hoàn Kiếm,Phường,HN\n");
    let (_, plan) = tree_call(&admin, "2026", false, CSV, changed.clone().into()).await;
    let mut what: Vec<(String, String)> = plan
        .changes
        .iter()
        .map(|c| (c.code.clone(), c.what.clone()))
        .collect();
    what.sort();
    assert_eq!(
        what.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
        [
            "HN-BD-TV", "HN-HK", "NB-HL", "NB-HL-TH", "NB-HQ", "NB-HQ-MN"
        ],
        "{what:?}"
    );
    assert_eq!(
        (plan.added, plan.updated, plan.removed, plan.deactivated),
        (2, 2, 0, 2),
        "the ward stays (inactive) because its school has a report: {what:?}"
    );
    let (_, applied) = tree_call(&admin, "2026", true, CSV, changed.into()).await;
    assert!(applied.applied);
    let db = server.db().await.expect("db");
    let rows: Vec<(String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT u.code, u.name, p.code, u.active FROM units u LEFT JOIN units p ON p.id = u.parent_id
         JOIN campaigns c ON c.id = u.campaign_id WHERE c.code = '2026' ORDER BY u.code",
    )
    .fetch_all(&db)
    .await
    .expect("units");
    let find = |code: &str| rows.iter().find(|r| r.0 == code).cloned().expect(code);
    assert_eq!(find("NB-HQ").1, "Phường Hồng Quang (mới)");
    assert_eq!(
        find("NB-HQ-MN").2.as_deref(),
        Some("HN-HK"),
        "moved below a ward the same file adds"
    );
    assert!(
        find("NB-HL-TH").3 == 0 && find("NB-HL").3 == 0,
        "kept, inactive"
    );
    assert_eq!(rows.len(), 12);
    // Totals follow: the inactive ward and school are no longer expected, nor the new
    // library (a library is only asked to report: its kind's default, issue 22).
    let root: Dashboard = admin
        .expect(
            Method::GET,
            &api::dashboard("2026", "BGD", false),
            None,
            200,
        )
        .await
        .expect("dashboard");
    assert_eq!(root.completeness.units, 9);
    let hn: Dashboard = admin
        .expect(Method::GET, &api::dashboard("2026", "HN", false), None, 200)
        .await
        .expect("dashboard");
    assert_eq!(hn.completeness.units, 5);
    let nb: Dashboard = admin
        .expect(Method::GET, &api::dashboard("2026", "NB", false), None, 200)
        .await
        .expect("dashboard");
    let children: Vec<&str> = nb.children.iter().map(|c| c.unit.code.as_str()).collect();
    assert_eq!(
        children,
        ["NB-HQ"],
        "an inactive ward is not listed among the children"
    );
    // An inactive unit's report can no longer be changed.
    let push2 = json!({"push_id": "p-hl-2", "device_id": "tab-1", "base_version": 1,
        "content": {"numbers": {"1.1/count": 4}, "texts": {}}});
    let r = reporter
        .send(
            Method::POST,
            &api::report("2026", "NB-HL-TH", "push"),
            Some(&push2),
        )
        .await
        .expect("push");
    assert_eq!(r.status(), 423);
    let log: Vec<AuditEntry> = admin
        .expect(Method::GET, &audit_path, None, 200)
        .await
        .expect("audit");
    assert_eq!(log[0].action, "tree.import");
    assert!(
        log[0]
            .summary
            .contains("thêm 2, cập nhật 2, xoá 0, ngừng hoạt động 2"),
        "{}",
        log[0].summary
    );
}

fn xlsx(rows: &[[&str; 4]], numeric_codes: bool) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, cells) in rows.iter().enumerate() {
        for (c, text) in cells.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match text.parse::<f64>() {
                Ok(n) if numeric_codes && r > 0 => sheet.write_number(r, c, n).map(|_| ()),
                _ => sheet.write_string(r, c, *text).map(|_| ()),
            }
            .expect("cell");
        }
    }
    book.save_to_buffer().expect("xlsx")
}

#[tokio::test]
async fn an_xlsx_import_reports_problems_by_row_and_reads_numeric_codes() {
    let server = TestServer::spawn().await.expect("server");
    let admin = admin(&server).await;
    create_campaign(&admin, "2026").await;
    let header = ["Mã", "Tên", "Loại đơn vị", "Mã đơn vị cấp trên"];
    let bad = xlsx(
        &[
            header,
            ["79", "Sở GDĐT TP Hồ Chí Minh", "tỉnh", ""],
            ["79001", "", "phường", "79"],
            ["79002", "Phường Sài Gòn", "bệnh viện", "79"],
            ["79003", "Phường Bến Thành", "phường", "80"],
        ],
        true,
    );
    let (_, preview) = tree_call(&admin, "2026", false, XLSX, bad).await;
    assert_eq!(
        problems(&preview),
        [
            (3, "EMPTY_NAME"),
            (4, "UNKNOWN_KIND"),
            (5, "UNKNOWN_PARENT")
        ]
    );
    // A sheet claiming the largest range Excel allows is refused, not allocated.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("cell");
    }
    sheet
        .write_string(1_048_575, 16_383, "x")
        .expect("far cell");
    let huge = book.save_to_buffer().expect("xlsx");
    let (status, refused) = tree_call(&admin, "2026", false, XLSX, huge).await;
    assert_eq!(
        (status, problems(&refused)),
        (200, vec![(1_048_576, "TOO_LARGE")])
    );

    let good = xlsx(
        &[
            header,
            ["79", "Sở GDĐT TP Hồ Chí Minh", "tỉnh", ""],
            ["79001", "Phường Sài Gòn", "phường", "79"],
            ["79001001", "Trường THCS Sài Gòn", "THCS", "79001"],
        ],
        true,
    );
    let (status, done) = tree_call(&admin, "2026", true, XLSX, good).await;
    assert_eq!(
        (status, done.added, done.applied),
        (200, 3, true),
        "{done:?}"
    );
    let units: AdminUnits = admin
        .expect(
            Method::GET,
            &routes::campaign("2026", "/units?parent=79001"),
            None,
            200,
        )
        .await
        .expect("units");
    assert_eq!(units.units[0].code, "79001001");
    assert_eq!(units.units[0].kind, "truong_thcs");
}

/// A tree with two provinces in a new campaign, and an administrator for one of them.
async fn two_provinces(server: &TestServer) -> (ApiClient, ApiClient) {
    let admin = admin(server).await;
    create_campaign(&admin, "2026").await;
    let (_, done) = tree_call(&admin, "2026", true, CSV, clean_csv().into()).await;
    assert!(done.applied);
    let creds: Credentials = admin
        .expect(
            Method::POST,
            &routes::campaign("2026", "/accounts"),
            Some(&json!({"username": "qt-nb", "display_name": "Quản trị Ninh Bình", "role": "admin", "unit_code": "NB"})),
            201,
        )
        .await
        .expect("province admin");
    let nb = ApiClient::sign_in(server, &creds.username, &creds.password)
        .await
        .expect("signs in");
    (admin, nb)
}

#[tokio::test]
async fn a_province_admin_manages_that_province_only() {
    let server = TestServer::spawn().await.expect("server");
    let (national, nb) = two_provinces(&server).await;
    let c = |rest: &str| routes::campaign("2026", rest);

    // What the province admin sees: their province at the top, its accounts, its log.
    let top: AdminUnits = nb
        .expect(Method::GET, &c("/units"), None, 200)
        .await
        .expect("top");
    assert_eq!(
        top.units
            .iter()
            .map(|u| u.code.as_str())
            .collect::<Vec<_>>(),
        ["NB"]
    );
    let _: BulkCreated = national
        .expect(
            Method::POST,
            &c("/accounts/bulk"),
            Some(&json!({"depth": 2})),
            200,
        )
        .await
        .expect("ward accounts everywhere");
    let listed: Vec<AccountInfo> = nb
        .expect(Method::GET, &c("/accounts"), None, 200)
        .await
        .expect("accounts");
    let mut units: Vec<&str> = listed
        .iter()
        .filter_map(|a| a.unit_code.as_deref())
        .collect();
    units.sort();
    units.dedup();
    // The demo accounts of Ninh Bình's units are matched by code in this campaign too;
    // Hà Nội's new ward account is not listed.
    assert_eq!(
        units,
        ["NB", "NB-HL", "NB-HL-TH", "NB-HQ", "NB-HQ-MN", "NB-HQ-TH"]
    );

    // Allowed within the province.
    let _: Value = nb
        .expect(Method::POST, &c("/units"), Some(&json!({"code": "NB-HQ-TV2", "name": "Thư viện Hồng Quang 2", "kind": "thư viện", "parent": "NB-HQ"})), 201)
        .await
        .expect("add in own province");
    let bulk: BulkCreated = nb
        .expect(
            Method::POST,
            &c("/accounts/bulk"),
            Some(&json!({"depth": 3})),
            200,
        )
        .await
        .expect("school accounts in own province");
    let mut made: Vec<&str> = bulk.created.iter().map(|c| c.username.as_str()).collect();
    made.sort();
    assert_eq!(
        made,
        ["nb-hq-tv2"],
        "the other schools have their demo accounts"
    );
    assert_eq!(bulk.skipped, 3);
    let (status, _) = tree_call(
        &nb,
        "2026",
        false,
        CSV,
        "code,name,kind,parent\nNB-NT,Phường Nam Thành,phường,\n".into(),
    )
    .await;
    assert_eq!(status, 200);

    // Refused everywhere else, with the precise code.
    let hn_file = "code,name,kind,parent\nHN-X,Phường X,phường,HN\n"
        .as_bytes()
        .to_vec();
    let refused: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::POST,
            routes::CAMPAIGNS.to_owned(),
            Some(
                json!({"code": "2027", "year": 2027, "theme": "x", "starts_on": "2027-10-01", "ends_on": "2027-10-07", "form_version": "2025", "deadlines": [], "open": true}),
            ),
        ),
        (
            Method::PUT,
            c(""),
            Some(
                json!({"code": "2026", "year": 2026, "theme": "x", "starts_on": "2026-10-01", "ends_on": "2026-10-07", "form_version": "2025", "deadlines": [], "open": false}),
            ),
        ),
        (Method::GET, c("/units?parent=HN"), None),
        (
            Method::POST,
            c("/units"),
            Some(json!({"code": "HN-X", "name": "X", "kind": "phường", "parent": "HN"})),
        ),
        (
            Method::PATCH,
            c("/units/HN-BD"),
            Some(json!({"name": "Đổi tên"})),
        ),
        (
            Method::PATCH,
            c("/units/NB-HQ"),
            Some(json!({"parent": "HN"})),
        ),
        (
            Method::POST,
            c("/accounts"),
            Some(
                json!({"username": "hn-x", "display_name": "X", "role": "reporter", "unit_code": "HN-BD"}),
            ),
        ),
        (
            Method::POST,
            c("/accounts"),
            Some(
                json!({"username": "qt-all", "display_name": "X", "role": "admin", "unit_code": null}),
            ),
        ),
        (
            Method::POST,
            c("/accounts/bulk"),
            Some(json!({"depth": 3, "under": "HN"})),
        ),
        (
            Method::PATCH,
            c("/accounts/hn-bd"),
            Some(json!({"disabled": true})),
        ),
        (
            Method::PATCH,
            c("/accounts/admin"),
            Some(json!({"disabled": true})),
        ),
        (Method::POST, c("/accounts/hn-bd/password"), Some(json!({}))),
    ];
    for (method, path, body) in refused {
        let r = nb
            .send(method.clone(), &path, body.as_ref())
            .await
            .expect("answer");
        let status = r.status().as_u16();
        let e: tuanle_shared::wire::ApiError = r.json().await.expect("error body");
        assert_eq!(
            (status, e.code.as_str()),
            (403, "OUT_OF_SCOPE"),
            "{method} {path}"
        );
    }
    let r = nb
        .post_file(&c("/tree/preview?under=HN"), CSV, hn_file)
        .await
        .expect("answer");
    assert_eq!(r.status(), 403);
    // A file that reaches into another province is refused line by line.
    let (_, p) = tree_call(
        &nb,
        "2026",
        false,
        CSV,
        "code,name,kind,parent\nHN-BD,Cướp mã,phường,NB\n".into(),
    )
    .await;
    assert_eq!(problems(&p), [(2, "CODE_TAKEN")]);

    // Reports, dashboards and exports of another province stay closed to them.
    for path in [
        api::dashboard("2026", "HN", false),
        api::report("2026", "HN-BD-TH", ""),
        api::export("2026", "HN", tuanle_shared::wire::FigureMode::Final),
    ] {
        let r = nb.get(&path).await.expect("answer");
        assert_eq!(r.status(), 403, "{path}");
    }
    let own: Dashboard = nb
        .expect(Method::GET, &api::dashboard("2026", "NB", false), None, 200)
        .await
        .expect("own province");
    assert_eq!(own.unit.code, "NB");

    // Giving a unit in another campaign the code of another province's unit does not
    // bring that province's accounts within reach.
    let e: tuanle_shared::wire::ApiError = nb
        .expect(
            Method::POST,
            &routes::campaign("2025", "/units"),
            Some(&json!({"code": "HN-BD", "name": "Mượn mã", "kind": "phường", "parent": "NB"})),
            400,
        )
        .await
        .expect("refused");
    assert_eq!(e.code, RefusalCode::CodeTaken);
    let (_, p) = tree_call(
        &nb,
        "2025",
        false,
        CSV,
        "code,name,kind,parent\nHN-BD,Mượn mã,phường,\n".into(),
    )
    .await;
    assert_eq!(problems(&p), [(2, "CODE_TAKEN")]);
    let r = nb
        .send(
            Method::POST,
            &routes::campaign("2025", "/accounts/hn-bd/password"),
            Some(&json!({})),
        )
        .await
        .expect("answer");
    assert_eq!(r.status(), 403);

    // Administrators of the province are made from above: no peers, no takeover.
    let peer: Credentials = national
        .expect(
            Method::POST,
            &c("/accounts"),
            Some(&json!({"username": "qt-nb2", "display_name": "Quản trị Ninh Bình 2", "role": "admin", "unit_code": "NB"})),
            201,
        )
        .await
        .expect("second province admin");
    for (method, path, body) in [
        (
            Method::POST,
            c(&format!("/accounts/{}/password", peer.username)),
            Some(json!({})),
        ),
        (
            Method::PATCH,
            c("/accounts/qt-nb2"),
            Some(json!({"disabled": true})),
        ),
        (
            Method::POST,
            c("/accounts"),
            Some(
                json!({"username": "qt-nb3", "display_name": "X", "role": "admin", "unit_code": "NB"}),
            ),
        ),
    ] {
        let r = nb
            .send(method.clone(), &path, body.as_ref())
            .await
            .expect("answer");
        assert_eq!(r.status(), 403, "{method} {path}");
    }
    let _: Credentials = nb
        .expect(
            Method::POST,
            &c("/accounts"),
            Some(&json!({"username": "qt-hq", "display_name": "Quản trị phường Hồng Quang", "role": "admin", "unit_code": "NB-HQ"})),
            201,
        )
        .await
        .expect("a ward administrator, below the province");

    // The province's log shows its changes only.
    let log: Vec<AuditEntry> = nb
        .expect(Method::GET, &c("/audit"), None, 200)
        .await
        .expect("audit");
    assert!(log.iter().any(|e| e.action == "unit.create"));
    assert!(log.iter().all(|e| !e.summary.contains("HN")), "{log:?}");
}

#[tokio::test]
async fn reporters_and_strangers_reach_no_admin_endpoint() {
    let server = TestServer::spawn().await.expect("server");
    let reporter = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD)
        .await
        .expect("reporter");
    let supervisor = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD)
        .await
        .expect("supervisor");
    let stranger = ApiClient::new(&server);
    let c = |rest: &str| routes::campaign("2025", rest);
    let calls: Vec<(Method, String)> = vec![
        (Method::POST, routes::CAMPAIGNS.to_owned()),
        (Method::PUT, c("")),
        (Method::POST, c("/tree/preview")),
        (Method::POST, c("/tree/import")),
        (Method::GET, c("/levels")),
        (Method::GET, c("/units")),
        (Method::POST, c("/units")),
        (Method::PATCH, c("/units/NB-HQ")),
        (Method::GET, c("/accounts")),
        (Method::POST, c("/accounts")),
        (Method::POST, c("/accounts/bulk")),
        (Method::PATCH, c("/accounts/nb-hq")),
        (Method::POST, c("/accounts/nb-hq/password")),
        (Method::GET, c("/audit")),
    ];
    for (method, path) in calls {
        for (who, client, status, code) in [
            ("reporter", &reporter, 403, "NOT_ADMIN"),
            ("supervisor", &supervisor, 403, "NOT_ADMIN"),
            ("stranger", &stranger, 401, "NOT_SIGNED_IN"),
        ] {
            let r = client
                .send(method.clone(), &path, Some(&json!({})))
                .await
                .expect("answer");
            let got = r.status().as_u16();
            let e: tuanle_shared::wire::ApiError = r.json().await.expect("error body");
            assert_eq!(
                (got, e.code.as_str()),
                (status, code),
                "{who}: {method} {path}"
            );
        }
    }
}

/// The national tree (about 100,000 units) imports through the API in one go; its time
/// is measured by `cargo bench -p tuanle-server --bench import`, not here.
#[tokio::test]
async fn a_national_tree_of_100_000_rows_imports() {
    let server = TestServer::spawn().await.expect("server");
    let admin = admin(&server).await;
    create_campaign(&admin, "QG").await;
    let rows = tuanle_server::national::tree_rows(7);
    assert!(rows.len() > 95_000, "{}", rows.len());
    let csv = tuanle_server::national::to_csv(&rows);
    let (status, done) = tree_call(&admin, "QG", true, CSV, csv.clone().into()).await;
    assert_eq!(
        (status, done.applied, done.added),
        (200, true, rows.len() as u64)
    );
    assert_eq!(units_in(&server, "QG").await, rows.len() as i64);
    let root: Dashboard = admin
        .expect(Method::GET, &api::dashboard("QG", "BGD", false), None, 200)
        .await
        .expect("dashboard");
    // Units of the kinds only asked to report (libraries, organisations) are never
    // counted as expected above themselves.
    let kinds = tuanle_shared::tree::Kinds::builtin();
    let asked = rows
        .iter()
        .filter(|r| kinds.parse(&r.kind).is_some_and(|k| k.asked))
        .count();
    assert!(asked > 3_000, "{asked}");
    assert_eq!(root.completeness.units, (rows.len() - asked) as u64);
    assert_eq!(root.children.len(), 34);
    // And again: nothing to do.
    let (_, again) = tree_call(&admin, "QG", true, CSV, csv.into()).await;
    assert_eq!((again.added, again.unchanged), (0, rows.len() as u64));
}

/// A new campaign's tree copied from 2023 (with its district level), then edited unit by
/// unit: renamed, moved under another ward, marked inactive; totals follow every edit.
#[tokio::test]
async fn a_tree_is_copied_from_an_earlier_campaign_and_edited() {
    let server = TestServer::spawn().await.expect("server");
    let admin = admin(&server).await;
    create_campaign(&admin, "2026").await;
    // Last year's contact of a ward comes along with the copy.
    let db = server.db().await.expect("db");
    let contact_of = |campaign: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_as::<_, (Option<String>, Option<String>)>(
                "SELECT u.contact_name, u.contact_phone FROM units u JOIN campaigns c ON c.id = u.campaign_id
                 WHERE c.code = $1 AND u.code = 'NB-HQ'",
            )
            .bind(campaign)
            .fetch_one(&db)
            .await
            .expect("the ward")
        }
    };
    sqlx::query(
        "UPDATE units SET contact_name = 'Lê Văn Tâm', contact_phone = '0912 345 678'
         WHERE code = 'NB-HQ' AND campaign_id = (SELECT id FROM campaigns WHERE code = '2023')",
    )
    .execute(&db)
    .await
    .expect("a contact in 2023");
    let c = |rest: &str| routes::campaign("2026", rest);
    let preview: TreePreview = admin
        .expect(
            Method::POST,
            &c("/tree/preview?from=2023"),
            Some(&json!({})),
            200,
        )
        .await
        .expect("preview");
    assert_eq!((preview.added, preview.applied), (20, false), "{preview:?}");
    // Like every change, a copy is a JSON request: no cross-site form can send one.
    let r = admin
        .post_file(&c("/tree/import?from=2023"), "text/plain", b"x".to_vec())
        .await
        .expect("answer");
    assert_eq!(r.status(), 415);
    let done: TreePreview = admin
        .expect(
            Method::POST,
            &c("/tree/import?from=2023"),
            Some(&json!({})),
            200,
        )
        .await
        .expect("copy");
    assert!(done.applied);
    assert_eq!(
        contact_of("2026").await,
        (Some("Lê Văn Tâm".into()), Some("0912 345 678".into()))
    );
    // The new campaign's own contact, once it has one, is kept by a copy made again.
    sqlx::query(
        "UPDATE units SET contact_name = 'Phạm Thu Hà', contact_phone = NULL
         WHERE code = 'NB-HQ' AND campaign_id = (SELECT id FROM campaigns WHERE code = '2026')",
    )
    .execute(&db)
    .await
    .expect("this year's contact");
    let _: TreePreview = admin
        .expect(
            Method::POST,
            &c("/tree/import?from=2023"),
            Some(&json!({})),
            200,
        )
        .await
        .expect("copied again");
    assert_eq!(
        contact_of("2026").await,
        (Some("Phạm Thu Hà".into()), None),
        "never this year's name with last year's phone"
    );
    let top: AdminUnits = admin
        .expect(Method::GET, &c("/units"), None, 200)
        .await
        .expect("top");
    assert_eq!(top.units[0].code, "NB");
    let district: AdminUnits = admin
        .expect(Method::GET, &c("/units?parent=NB-TPNB"), None, 200)
        .await
        .expect("district");
    assert_eq!(district.units.len(), 3);

    // A unit closes only once nothing active is left below it.
    let e: tuanle_shared::wire::ApiError = admin
        .expect(
            Method::PATCH,
            &c("/units/NB-TPNB"),
            Some(&json!({"active": false})),
            400,
        )
        .await
        .expect("refused");
    assert_eq!(e.code, RefusalCode::HasActiveChildren);
    let e: tuanle_shared::wire::ApiError = admin
        .expect(Method::GET, &c("/units?parent=NB&x=1"), None, 400)
        .await
        .expect("unknown query field");
    assert_eq!(e.code, RefusalCode::BadQuery);

    // The reform: the wards move up under the province, the district closes.
    for ward in ["NB-HQ", "NB-HL", "NB-NT"] {
        let u: tuanle_shared::wire::admin::AdminUnit = admin
            .expect(
                Method::PATCH,
                &c(&format!("/units/{ward}")),
                Some(&json!({"parent": "NB"})),
                200,
            )
            .await
            .expect("move");
        assert_eq!((u.parent.as_deref(), u.depth), (Some("NB"), 1));
    }
    let school: tuanle_shared::wire::admin::AdminUnit = admin
        .expect(Method::GET, &c("/units?parent=NB-HQ"), None, 200)
        .await
        .map(|l: AdminUnits| l.units[0].clone())
        .expect("school");
    assert_eq!(school.depth, 2, "depths follow a move");
    let e: tuanle_shared::wire::ApiError = admin
        .expect(
            Method::PATCH,
            &c("/units/NB"),
            Some(&json!({"parent": "NB-HQ"})),
            400,
        )
        .await
        .expect("refused");
    assert_eq!(e.code, RefusalCode::CannotMove);
    let e: tuanle_shared::wire::ApiError = admin
        .expect(
            Method::PATCH,
            &c("/units/NB-HQ"),
            Some(&json!({"parent": "NB-HQ-TH"})),
            400,
        )
        .await
        .expect("refused");
    assert_eq!(e.code, RefusalCode::MoveIntoItself);
    let _: Value = admin
        .expect(
            Method::PATCH,
            &c("/units/NB-TPNB"),
            Some(&json!({"active": false, "name": "Thành phố Ninh Bình (cũ)"})),
            200,
        )
        .await
        .expect("close the district");
    let root: Dashboard = admin
        .expect(Method::GET, &api::dashboard("2026", "NB", false), None, 200)
        .await
        .expect("dashboard");
    // The copied libraries are only asked to report (their kind's default, issue 22).
    assert_eq!(
        root.completeness.units, 16,
        "the inactive district is no longer expected"
    );
    let e: tuanle_shared::wire::ApiError = admin
        .expect(
            Method::POST,
            &c("/units"),
            Some(&json!({"code": "NB-TPNB-X", "name": "X", "kind": "phường", "parent": "NB-TPNB"})),
            400,
        )
        .await
        .expect("refused");
    assert_eq!(e.code, RefusalCode::ParentInactive);
    let log: Vec<AuditEntry> = admin
        .expect(Method::GET, &c("/audit"), None, 200)
        .await
        .expect("audit");
    assert!(
        log[0].summary.contains("đổi tên") && log[0].summary.contains("ngừng hoạt động"),
        "{}",
        log[0].summary
    );
    assert!(log.iter().any(
        |e| e.action == "tree.import" && e.summary.contains("Sao chép cây đơn vị từ đợt 2023")
    ));
}

/// An account's life: created with a first password, renamed, moved to another unit,
/// its password reset (the old one and its sessions stop working), locked.
#[tokio::test]
async fn an_accounts_password_reset_and_lock_end_its_sessions() {
    let server = TestServer::spawn().await.expect("server");
    let admin = admin(&server).await;
    let c = |rest: &str| routes::campaign("2025", rest);
    let first: Credentials = admin
        .expect(Method::POST, &c("/accounts"), Some(&json!({"username": "gv-hq", "display_name": "Giáo viên Hồng Quang", "role": "reporter", "unit_code": "NB-HQ-TH"})), 201)
        .await
        .expect("create");
    let e: tuanle_shared::wire::ApiError = admin
        .expect(Method::POST, &c("/accounts"), Some(&json!({"username": "gv-hq", "display_name": "Trùng", "role": "reporter", "unit_code": "NB-HQ-TH"})), 409)
        .await
        .expect("taken");
    assert_eq!(e.code, RefusalCode::AlreadyExists);
    let e: tuanle_shared::wire::ApiError = admin
        .expect(Method::POST, &c("/accounts"), Some(&json!({"username": "Có Dấu", "display_name": "X", "role": "reporter", "unit_code": "NB-HQ-TH"})), 400)
        .await
        .expect("bad");
    assert_eq!(e.code, RefusalCode::BadUsername);
    let teacher = ApiClient::sign_in(&server, "gv-hq", &first.password)
        .await
        .expect("first password");
    let changed: AccountInfo = admin
        .expect(
            Method::PATCH,
            &c("/accounts/gv-hq"),
            Some(&json!({"role": "supervisor", "unit_code": "NB-HQ"})),
            200,
        )
        .await
        .expect("change");
    assert_eq!(
        (changed.role, changed.unit_name.as_deref()),
        (
            tuanle_shared::wire::Role::Supervisor,
            Some("Phường Hồng Quang")
        )
    );

    let second: Credentials = admin
        .expect(
            Method::POST,
            &c("/accounts/gv-hq/password"),
            Some(&json!({})),
            200,
        )
        .await
        .expect("reset");
    assert_ne!(second.password, first.password);
    let r = teacher
        .get(tuanle_shared::wire::routes::SESSION)
        .await
        .expect("answer");
    assert_eq!(r.status(), 401, "the old session ended");
    assert!(
        ApiClient::sign_in(&server, "gv-hq", &first.password)
            .await
            .is_err()
    );
    let again = ApiClient::sign_in(&server, "gv-hq", &second.password)
        .await
        .expect("new password");

    let _: AccountInfo = admin
        .expect(
            Method::PATCH,
            &c("/accounts/gv-hq"),
            Some(&json!({"disabled": true})),
            200,
        )
        .await
        .expect("lock");
    let r = again
        .get(tuanle_shared::wire::routes::SESSION)
        .await
        .expect("answer");
    assert_eq!(r.status(), 401, "a locked account's session ends");
    assert!(
        ApiClient::sign_in(&server, "gv-hq", &second.password)
            .await
            .is_err()
    );
    let e: tuanle_shared::wire::ApiError = admin
        .expect(
            Method::PATCH,
            &c("/accounts/admin"),
            Some(&json!({"disabled": true})),
            400,
        )
        .await
        .expect("not oneself");
    assert_eq!(e.code, RefusalCode::CannotChangeSelf);
    let actions: Vec<String> = admin
        .expect::<Vec<AuditEntry>>(Method::GET, &c("/audit"), None, 200)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    // The move from a school to its ward is logged under both units.
    assert_eq!(
        actions,
        [
            "account.update",
            "account.password",
            "account.update",
            "account.update",
            "account.create"
        ]
    );
}

/// Passwords reset close to the user: a supervisor lists the accounts of a unit below
/// and resets one's password (its sessions end, the old password stops working, the
/// new one works, and the province's administrator reads it in the audit log). Not
/// their own unit's accounts, not another ward's, not an administrator's.
#[tokio::test]
async fn a_supervisor_resets_a_password_below_and_only_below() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let admin = admin(&server).await;
    admin
        .create_account("admin-th", "Quản trị trường", "admin", "NB-HQ-TH")
        .await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let school = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let accounts = |unit: &str, who: Option<&str>| api::unit_accounts("2025", unit, who);

    let listed: Vec<AccountInfo> = ward.get_json(&accounts("NB-HQ-TH", None)).await?;
    let names: Vec<&str> = listed.iter().map(|a| a.username.as_str()).collect();
    assert_eq!(
        names,
        ["nb-hq-th"],
        "reporters and supervisors, no administrator"
    );
    for (caller, unit) in [(&ward, "NB-HQ"), (&ward, "NB-HL"), (&school, "NB-HQ-TH")] {
        let (status, e) = caller.get_refused(&accounts(unit, None)).await?;
        assert_eq!((status, e.code), (403, RefusalCode::Forbidden), "{unit}");
    }
    for (unit, who) in [("NB-HQ", "nb-hq"), ("NB-HL-TH", "nb-hl-th")] {
        let (status, e) = ward
            .post_refused(&accounts(unit, Some(who)), &json!({}))
            .await?;
        assert_eq!((status, e.code), (403, RefusalCode::Forbidden), "{who}");
    }
    let (status, e) = ward
        .post_refused(&accounts("NB-HQ-TH", Some("admin-th")), &json!({}))
        .await?;
    assert_eq!(
        (status, e.code),
        (404, RefusalCode::NotFound),
        "an administrator"
    );

    // A supervisor of the 2023 district, which 2025's reform removed, does not reach the
    // ward's accounts through the old campaign's tree.
    let district: Credentials = admin
        .expect(
            Method::POST,
            &routes::campaign("2023", "/accounts"),
            Some(
                &json!({"username": "tpnb", "display_name": "Thành phố Ninh Bình",
                         "role": "supervisor", "unit_code": "NB-TPNB"}),
            ),
            201,
        )
        .await?;
    let district = ApiClient::sign_in(&server, "tpnb", &district.password).await?;
    let old_tree = api::unit_accounts("2023", "NB-HQ", Some("nb-hq"));
    let (status, e) = district.post_refused(&old_tree, &json!({})).await?;
    assert_eq!(
        (status, e.code),
        (403, RefusalCode::Forbidden),
        "through 2023"
    );
    ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;

    let reset: Credentials = ward
        .post_json(&accounts("NB-HQ-TH", Some("nb-hq-th")), &json!({}))
        .await?;
    assert_eq!(reset.username, "nb-hq-th");
    let r = school.get(api::SESSION).await?;
    assert_eq!(r.status(), 401, "the school's session ended");
    assert!(
        ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD)
            .await
            .is_err(),
        "the old password no longer works"
    );
    ApiClient::sign_in(&server, "nb-hq-th", &reset.password).await?;
    // The province reaches two levels down.
    let province = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD).await?;
    let again: Credentials = province
        .post_json(&accounts("NB-HQ-TH", Some("nb-hq-th")), &json!({}))
        .await?;
    assert_ne!(again.password, reset.password);

    let audit: Vec<AuditEntry> = admin
        .expect(Method::GET, &routes::campaign("2025", "/audit"), None, 200)
        .await?;
    let resets: Vec<&str> = audit
        .iter()
        .filter(|e| e.action == "account.password")
        .map(|e| e.summary.as_str())
        .collect();
    assert_eq!(
        resets,
        [
            "Giám sát nb đặt lại mật khẩu tài khoản nb-hq-th",
            "Giám sát nb-hq đặt lại mật khẩu tài khoản nb-hq-th"
        ]
    );
    Ok(())
}

/// A campaign being set up (no tree yet) does not take reporters away from the current
/// one: the campaign list says in which campaigns their unit is.
#[tokio::test]
async fn the_campaign_list_says_which_campaigns_have_my_unit() {
    let server = TestServer::spawn().await.expect("server");
    let admin = admin(&server).await;
    create_campaign(&admin, "2026").await;
    let reporter = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD)
        .await
        .expect("reporter");
    let list: Vec<tuanle_shared::wire::CampaignSummary> = reporter
        .expect(Method::GET, api::CAMPAIGNS, None, 200)
        .await
        .expect("campaigns");
    let mine: Vec<(&str, bool, bool)> = list
        .iter()
        .map(|c| (c.code.as_str(), c.open, c.has_my_unit))
        .collect();
    assert_eq!(
        mine,
        [
            ("2026", true, false),
            ("2025", true, true),
            ("2023", false, true)
        ]
    );
}

/// A campaign on a day its month does not have is refused, its dates and its deadlines.
#[tokio::test]
async fn a_campaign_on_a_day_the_month_does_not_have_is_refused() {
    let server = TestServer::spawn().await.expect("server");
    let admin = admin(&server).await;
    let campaign = |starts_on: &str, due_on: &str| {
        json!({
            "code": "2026", "year": 2026, "theme": "x", "starts_on": starts_on,
            "ends_on": "2026-10-07", "form_version": "2025",
            "deadlines": [{"depth": 2, "due_on": due_on}], "open": true
        })
    };
    let e: tuanle_shared::wire::ApiError = admin
        .expect(
            Method::POST,
            routes::CAMPAIGNS,
            Some(&campaign("2026-02-30", "2026-10-20")),
            400,
        )
        .await
        .expect("refused");
    assert_eq!(e.code, RefusalCode::BadDate);
    let e: tuanle_shared::wire::ApiError = admin
        .expect(
            Method::POST,
            routes::CAMPAIGNS,
            Some(&campaign("2026-10-01", "2026-04-31")),
            400,
        )
        .await
        .expect("refused");
    assert_eq!(e.code, RefusalCode::BadDeadlines);
    let r = admin
        .send(
            Method::POST,
            routes::CAMPAIGNS,
            Some(&campaign("2026-10-01", "2026-10-20")),
        )
        .await
        .expect("answer");
    assert_eq!(r.status(), 201, "the same campaign with real dates");
}

/// Levels are named by the kinds of unit they hold, never "cấp 0/1/2": in the audit
/// lines of a campaign's deadlines and of accounts made for a level.
#[tokio::test]
async fn levels_are_named_by_their_kinds_in_the_audit_log() {
    let server = TestServer::spawn().await.expect("server");
    let admin = admin(&server).await;
    let campaigns: Vec<tuanle_shared::wire::CampaignSummary> = admin
        .expect(
            Method::GET,
            tuanle_shared::wire::routes::CAMPAIGNS,
            None,
            200,
        )
        .await
        .expect("campaigns");
    let c2025 = campaigns.iter().find(|c| c.code == "2025").expect("2025");
    let r = admin
        .send(
            Method::PUT,
            &routes::campaign("2025", ""),
            Some(
                &json!({"code": "2025", "year": c2025.year, "theme": c2025.theme,
                "starts_on": c2025.starts_on, "ends_on": c2025.ends_on,
                "form_version": c2025.form_version, "deadlines": c2025.deadlines,
                "open": c2025.open}),
            ),
        )
        .await
        .expect("an answer");
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
    // A new school without an account, for the accounts made level by level.
    let r = admin
        .post(
            &routes::campaign("2025", "/units"),
            &json!({"code": "NB-HQ-MOI", "name": "Trường Tiểu học Mới", "kind": "trường tiểu học", "parent": "NB-HQ"}),
        )
        .await
        .expect("an answer");
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
    let levels: Vec<tuanle_shared::wire::admin::Level> = admin
        .expect(Method::GET, &routes::campaign("2025", "/levels"), None, 200)
        .await
        .expect("levels");
    let deepest = levels
        .iter()
        .find(|l| l.without_account > 0)
        .expect("a level with a unit without an account");
    let made: BulkCreated = admin
        .expect(
            Method::POST,
            &routes::campaign("2025", "/accounts/bulk"),
            Some(&json!({"depth": deepest.depth})),
            200,
        )
        .await
        .expect("accounts made");
    assert!(!made.created.is_empty());
    let log: Vec<AuditEntry> = admin
        .expect(Method::GET, &routes::campaign("2025", "/audit"), None, 200)
        .await
        .expect("the audit log");
    let said = |action: &str| {
        log.iter()
            .find(|e| e.action == action)
            .map(|e| e.summary.clone())
            .unwrap_or_else(|| panic!("no {action} in {log:?}"))
    };
    let update = said("campaign.update");
    let bulk = said("account.bulk_create");
    for line in [&update, &bulk] {
        let by_depth = (0..10).any(|d| line.contains(&format!("cấp {d}")));
        assert!(!by_depth, "a level named by its depth: {line}");
    }
    for level in levels
        .iter()
        .filter(|l| c2025.deadlines.iter().any(|d| d.depth == l.depth))
    {
        assert!(
            level.kinds.iter().any(|k| update.contains(k.as_str())),
            "{:?} in {update}",
            level.kinds
        );
    }
    assert!(
        deepest.kinds.iter().any(|k| bulk.contains(k.as_str())),
        "{bulk}"
    );
}
