//! Kinds of unit as data (issue 22), through the real server and API: a school list with
//! the kinds of real lists imports; an unknown kind is offered its nearest kinds, and
//! the one chosen is learnt for every later import; administrators add kinds, checked.

use reqwest::Method;
use serde_json::json;
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer};
use tuanle_shared::tree::KindDef;
use tuanle_shared::wire::RefusalCode;
use tuanle_shared::wire::admin::{TreePreview, routes};
use tuanle_shared::wire::routes as api;

const CSV: &str = "text/csv";

async fn admin(server: &TestServer) -> anyhow::Result<ApiClient> {
    ApiClient::sign_in(server, "admin", DEMO_PASSWORD).await
}

/// A tree under ward NB-HQ of the demo's 2025 campaign, as a province's file spells it.
async fn import(admin: &ApiClient, apply: bool, rows: &str) -> anyhow::Result<TreePreview> {
    let action = if apply { "import" } else { "preview" };
    let path = routes::campaign(
        "2025",
        &format!("/tree/{action}?under=NB-HQ&name=truong.csv"),
    );
    let file = format!("Mã đơn vị,Tên đơn vị,Loại,Mã cấp trên\n{rows}");
    let answer = admin.post_file(&path, CSV, file.into_bytes()).await?;
    anyhow::ensure!(answer.status() == 200, "{}", answer.text().await?);
    Ok(answer.json().await?)
}

/// The stored kind and asked flag of a unit of the 2025 campaign.
async fn stored(server: &TestServer, code: &str) -> anyhow::Result<(String, i64)> {
    let db = server.db().await?;
    Ok(sqlx::query_as(
        "SELECT u.kind, u.asked FROM units u JOIN campaigns c ON c.id = u.campaign_id
         WHERE c.code = '2025' AND u.code = $1",
    )
    .bind(code)
    .fetch_one(&db)
    .await?)
}

/// The demo ward's own units, kept by any file that replaces its part of the tree.
const WARD: &str = "NB-HQ,Phường Hồng Quang,Phường,
NB-HQ-MN,Trường Mầm non Hồng Quang,Mầm non,NB-HQ
NB-HQ-TH,Trường Tiểu học Hồng Quang,Tiểu học,NB-HQ
NB-HQ-THCS,Trường THCS Hồng Quang,THCS,NB-HQ
NB-HQ-TTHTCD,Trung tâm học tập cộng đồng phường Hồng Quang,TTHTCĐ,NB-HQ
NB-HQ-TV,Thư viện phường Hồng Quang,Thư viện,NB-HQ
";

#[tokio::test]
async fn a_school_list_with_the_kinds_of_real_lists_imports() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let admin = admin(&server).await?;
    let rows = format!(
        "{WARD}NB-HQ-LC,Trường TH và THCS Hồng Quang,Trường TH và THCS,NB-HQ
NB-HQ-BT,Trường PTDTBT TH Hồng Quang,PTDTBT,NB-HQ
NB-HQ-GDTX,Trung tâm GDNN-GDTX Hồng Quang,Trung tâm GDNN-GDTX,NB-HQ
NB-HQ-VH,Trung tâm Văn hóa - Thông tin và Thể thao phường,Trung tâm Văn hóa - Thông tin và Thể thao,NB-HQ
"
    );
    let done = import(&admin, true, &rows).await?;
    assert!(done.problems.is_empty(), "{:?}", done.problems);
    assert_eq!((done.applied, done.added), (true, 4));
    assert_eq!(
        stored(&server, "NB-HQ-LC").await?,
        ("truong_th_thcs".into(), 0)
    );
    assert_eq!(
        stored(&server, "NB-HQ-BT").await?,
        ("truong_ptdtbt".into(), 0)
    );
    assert_eq!(
        stored(&server, "NB-HQ-GDTX").await?,
        ("trung_tam_gdnn_gdtx".into(), 0)
    );
    // A cultural centre is only asked to report: its kind says so.
    assert_eq!(
        stored(&server, "NB-HQ-VH").await?,
        ("trung_tam_vh_tt_tt".into(), 1)
    );
    Ok(())
}

#[tokio::test]
async fn an_unknown_kind_is_offered_its_nearest_and_the_choice_is_learnt() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let admin = admin(&server).await?;
    let rows = format!("{WARD}NB-HQ-BT,Trường PT DTBT Hồng Quang,Trường PT DTBT,NB-HQ\n");
    let preview = import(&admin, false, &rows).await?;
    let [problem] = preview.problems.as_slice() else {
        panic!("{:?}", preview.problems)
    };
    assert_eq!(
        (
            problem.line,
            problem.code.as_str(),
            problem.spelled.as_deref()
        ),
        (8, "UNKNOWN_KIND", Some("Trường PT DTBT"))
    );
    assert_eq!(
        problem.choices[0].code, "truong_ptdtbt",
        "{:?}",
        problem.choices
    );
    assert!(
        problem.message.contains("Trường PTDTBT"),
        "{}",
        problem.message
    );

    // Chosen: the spelling is learnt, and the same file now imports.
    let learnt: KindDef = admin
        .expect(
            Method::POST,
            &routes::campaign("2025", "/unit-kinds/spellings"),
            Some(&json!({"code": "truong_ptdtbt", "spelled": "Trường PT DTBT"})),
            200,
        )
        .await?;
    assert!(learnt.aliases.contains(&"Trường PT DTBT".to_owned()));
    let done = import(&admin, true, &rows).await?;
    assert!(
        done.problems.is_empty() && done.applied,
        "{:?}",
        done.problems
    );
    assert_eq!(stored(&server, "NB-HQ-BT").await?.0, "truong_ptdtbt");
    // The same spelling again, or one that is another kind's, is refused.
    for (code, spelled) in [("truong_ptdtbt", "pt-dtbt"), ("truong_thcs", "Tiểu học")] {
        let r = admin
            .send(
                Method::POST,
                &routes::campaign("2025", "/unit-kinds/spellings"),
                Some(&json!({"code": code, "spelled": spelled})),
            )
            .await?;
        assert_eq!(r.status(), 409);
        let body: serde_json::Value = r.json().await?;
        assert_eq!(body["code"], RefusalCode::KindTaken.as_str());
    }
    let audit = admin
        .get_json::<serde_json::Value>(&routes::campaign("2025", "/audit"))
        .await?;
    assert!(
        audit
            .to_string()
            .contains("Ghi nhận cách viết “Trường PT DTBT”")
    );
    Ok(())
}

#[tokio::test]
async fn an_administrator_adds_a_kind_which_imports_and_is_listed() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let admin = admin(&server).await?;
    let new = json!({
        "code": "trung_tam_hoc_tap_dn", "name": "Trung tâm học tập doanh nghiệp",
        "aliases": ["TTHT doanh nghiệp"], "group": "centre", "asked": true
    });
    let added: KindDef = admin
        .expect(
            Method::POST,
            &routes::campaign("2025", "/unit-kinds"),
            Some(&new),
            201,
        )
        .await?;
    assert!(!added.builtin);
    let listed: Vec<KindDef> = admin.get_json(api::UNIT_KINDS).await?;
    assert!(
        listed
            .iter()
            .any(|k| k.code == "trung_tam_hoc_tap_dn" && k.asked)
    );
    assert!(
        listed
            .iter()
            .any(|k| k.code == "truong_th_thcs" && k.builtin)
    );

    let rows = format!("{WARD}NB-HQ-DN,Trung tâm học tập Công ty X,tTHT Doanh nghiep,NB-HQ\n");
    let done = import(&admin, true, &rows).await?;
    assert!(
        done.problems.is_empty() && done.applied,
        "{:?}",
        done.problems
    );
    assert_eq!(
        stored(&server, "NB-HQ-DN").await?,
        ("trung_tam_hoc_tap_dn".into(), 1)
    );

    // Refused, each saying why: a bad code, a code or a name another kind has, a
    // group that is none of the four; and not by a reporter.
    for (body, status, code) in [
        (
            json!({"code": "Trung Tâm", "name": "X", "group": "centre"}),
            400,
            "BAD_KIND",
        ),
        (
            json!({"code": "tthtcd", "name": "Y mới", "group": "centre"}),
            409,
            "KIND_TAKEN",
        ),
        (
            json!({"code": "th_moi", "name": "Tiểu học", "group": "school"}),
            409,
            "KIND_TAKEN",
        ),
        (
            json!({"code": "x_moi", "name": "  ", "group": "school"}),
            400,
            "BAD_KIND",
        ),
        // One spelling twice (case and marks aside): said, not a server error.
        (
            json!({"code": "x_moi", "name": "X mới", "aliases": ["TT-X", "tt x"], "group": "school"}),
            409,
            "KIND_TAKEN",
        ),
        (
            json!({"code": "x_moi", "name": "X", "group": "hospital"}),
            400,
            "BAD_FIELDS",
        ),
    ] {
        let r = admin
            .send(
                Method::POST,
                &routes::campaign("2025", "/unit-kinds"),
                Some(&body),
            )
            .await?;
        let got = r.status().as_u16();
        let answer: serde_json::Value = r.json().await?;
        assert_eq!(
            (got, answer["code"].as_str()),
            (status, Some(code)),
            "{body}: {answer}"
        );
    }
    let reporter = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let r = reporter
        .send(
            Method::POST,
            &routes::campaign("2025", "/unit-kinds"),
            Some(&new),
        )
        .await?;
    assert_eq!(r.status(), 403);
    // A province's administrator teaches spellings but adds no kind: a kind is every
    // province's.
    let province = ApiClient::sign_in(&server, "admin-nb", DEMO_PASSWORD).await?;
    let other = json!({"code": "mot_loai_khac", "name": "Một loại khác", "group": "centre"});
    let r = province
        .send(
            Method::POST,
            &routes::campaign("2025", "/unit-kinds"),
            Some(&other),
        )
        .await?;
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await?;
    assert_eq!(body["code"], RefusalCode::OutOfScope.as_str());
    let _: KindDef = province
        .expect(
            Method::POST,
            &routes::campaign("2025", "/unit-kinds/spellings"),
            Some(&json!({"code": "trung_tam_hoc_tap_dn", "spelled": "TTHT DN"})),
            200,
        )
        .await?;
    Ok(())
}
