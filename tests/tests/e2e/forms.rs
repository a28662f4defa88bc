//! Form versions as data (issue 22), through the real server and API: an administrator
//! uploads a form file, checked by the same code as the shipped forms, each problem
//! named; a national administrator publishes it for a campaign; a report already started
//! keeps the version it was started on, new ones take the new version, and the totals are
//! laid out by the campaign's.

use reqwest::Method;
use serde_json::{Value, json};
use tuanle_e2e::{ApiClient, Browser, DEMO_PASSWORD, TestServer, push_counts};
use tuanle_shared::form::builtin;
use tuanle_shared::wire::admin::routes as admin;
use tuanle_shared::wire::{
    CampaignSummary, Dashboard, Package, PackageStatus, PushRequest, RefusalCode, ReportState,
    ReportStatus, routes,
};
use tuanle_shared::{Column, FormDef, Sums, Totals};

const JSON: &str = "application/json";

/// The shipped 2025 form, changed by `edit`, as an administrator's file.
fn form_2025(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut spec = serde_json::to_value(builtin("2025").expect("2025")).expect("json");
    edit(&mut spec);
    spec.to_string().into_bytes()
}

fn rows(spec: &mut Value) -> &mut Vec<Value> {
    spec["rows"].as_array_mut().expect("rows")
}

/// The next version of 2025: row 1.13 gone, row 1.14 new (and summed in row 1).
fn next_version() -> Vec<u8> {
    form_2025(|spec| {
        spec["version"] = "2025-b".into();
        let rows = rows(spec);
        rows.retain(|r| r["code"] != "1.13");
        let at = rows.iter().position(|r| r["code"] == "1.12").expect("1.12") + 1;
        rows.insert(
            at,
            json!({"code": "1.14", "label": "Lớp kỹ năng số cho người cao tuổi", "unit": "lớp/người", "kind": "count_persons"}),
        );
        for total in rows.iter_mut().filter(|r| r["kind"] == "total") {
            if let Some(of) = total["of"].as_array_mut()
                && let Some(i) = of.iter().position(|c| c == "1.13")
            {
                of[i] = "1.14".into();
            }
        }
        if let Some(guidance) = spec["guidance"].as_object_mut() {
            guidance.remove("1.13");
        }
    })
}

fn campaign_input(form_version: &str) -> Value {
    json!({"code": "2025", "year": 2025, "theme": "Học tập suốt đời trong kỷ nguyên số",
           "starts_on": "2025-10-01", "ends_on": "2025-10-07", "form_version": form_version,
           "deadlines": [], "open": true})
}

async fn refusal(response: reqwest::Response) -> anyhow::Result<(u16, Value)> {
    let status = response.status().as_u16();
    Ok((status, response.json().await?))
}

#[tokio::test]
async fn an_invalid_form_is_refused_with_each_problem_named() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let admin_client = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    let check = admin::campaign("2025", "/forms/check");
    let add = admin::campaign("2025", "/forms");
    // Three mistakes at once: a total of a row that does not exist, a code used twice, a
    // yes/no row that counts nobody.
    let bad = form_2025(|spec| {
        spec["version"] = "2025-sai".into();
        let rows = rows(spec);
        rows[0]["of"]
            .as_array_mut()
            .expect("of")
            .push("1.99".into());
        let copy = rows[3].clone();
        rows.push(copy);
        let yes_no = rows
            .iter_mut()
            .find(|r| r["kind"] == "yes_no")
            .expect("a yes/no row");
        yes_no["counts"] = json!({});
    });
    for path in [&check, &add] {
        let (status, body) =
            refusal(admin_client.post_file(path, JSON, bad.clone()).await?).await?;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["code"], RefusalCode::BadForm.as_str());
        let problems: Vec<String> = serde_json::from_value(body["problems"].clone())?;
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("1.99")), "{problems:?}");
        assert!(
            problems.iter().any(|p| p.contains("dùng hai lần")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("không đếm loại đơn vị nào")),
            "{problems:?}"
        );
    }
    // Nothing was stored.
    let forms: Vec<FormDef> = admin_client.get_json(routes::FORMS).await?;
    assert!(forms.iter().all(|f| f.version() != "2025-sai"));
    assert!(admin_client.get(&routes::form("2025-sai")).await?.status() == 404);

    // Not JSON at all: one problem, where the reading stopped.
    let (status, body) = refusal(
        admin_client
            .post_file(&check, JSON, b"{\"version\": \"x\",".to_vec())
            .await?,
    )
    .await?;
    assert_eq!((status, body["code"].as_str()), (400, Some("BAD_FORM")));
    assert_eq!(body["problems"].as_array().map(Vec::len), Some(1));
    // Not a JSON file.
    let (status, body) = refusal(
        admin_client
            .post_file(&check, "text/csv", b"code,label\n".to_vec())
            .await?,
    )
    .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("BAD_FILE_TYPE"))
    );
    // A province's form that changes a national row and adds one without saying it is
    // the province's own: each named.
    let provincial = form_2025(|spec| {
        spec["version"] = "2025-nb".into();
        spec["extends"] = "2025".into();
        let rows = rows(spec);
        let row2 = rows.iter_mut().find(|r| r["code"] == "2").expect("2");
        row2["label"] = "Số bài viết (đã sửa)".into();
        rows.push(json!({"code": "21", "label": "Hoạt động riêng của tỉnh", "unit": "hoạt động", "kind": "count", "provincial": true}));
        rows.push(json!({"code": "22", "label": "Không đánh dấu", "unit": "lớp", "kind": "count"}));
    });
    let (status, body) = refusal(admin_client.post_file(&check, JSON, provincial).await?).await?;
    assert_eq!(status, 400, "{body}");
    let problems: Vec<String> = serde_json::from_value(body["problems"].clone())?;
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems.iter().any(|p| p.starts_with("Dòng 2 ")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.starts_with("Dòng 22 ")),
        "{problems:?}"
    );
    // A shipped version's name is taken.
    let (status, body) = refusal(
        admin_client
            .post_file(&add, JSON, form_2025(|_| {}))
            .await?,
    )
    .await?;
    assert_eq!((status, body["code"].as_str()), (409, Some("FORM_TAKEN")));
    // Only a national administrator adds forms.
    for user in ["admin-nb", "nb-hq"] {
        let client = ApiClient::sign_in(&server, user, DEMO_PASSWORD).await?;
        let (status, body) = refusal(client.post_file(&add, JSON, next_version()).await?).await?;
        assert!(status == 403, "{user}: {status} {body}");
    }
    Ok(())
}

/// A sum's value of a row, read by the form the dashboard names.
fn value(forms: &[FormDef], dashboard: &Dashboard, code: &str) -> Option<u128> {
    value_of(
        forms,
        &dashboard.form_version,
        &dashboard.provisional_figures,
        code,
    )
}

/// A sum's value of a row, in `slots` laid out by `form_version`.
fn value_of(forms: &[FormDef], form_version: &str, slots: &[u128], code: &str) -> Option<u128> {
    let form = forms
        .iter()
        .find(|f| f.version() == form_version)
        .expect("the form is listed");
    let sums = Sums::from_slots(form, slots.to_vec()).expect("slots");
    let row = form.row_index(&code.parse().ok()?)?;
    // A typed row's sum, or a total row's.
    sums.value(form, row, Column::Count)
        .or_else(|| Totals::compute(form, &sums).get(row, Column::Count))
}

#[tokio::test]
async fn a_draft_keeps_its_version_when_the_next_is_published() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let admin_client = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    let school = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let other = ApiClient::sign_in(&server, "nb-hq-mn", DEMO_PASSWORD).await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let push = |unit: &str| routes::report("2025", unit, "push");

    // A draft on 2025.
    let r = school
        .post(
            &push("NB-HQ-TH"),
            &push_counts("a1", 0, &[("1.13", 4), ("2", 5)]),
        )
        .await?;
    assert_eq!(r.status(), 200, "{}", r.text().await?);

    // The next version, checked (the form as reporters will see it), stored, published.
    let r = admin_client
        .post_file(
            &admin::campaign("2025", "/forms/check"),
            JSON,
            next_version(),
        )
        .await?;
    assert_eq!(r.status(), 200);
    let preview: FormDef = r.json().await?;
    assert_eq!(preview.version(), "2025-b");
    assert!(preview.row(&"1.14".parse()?).is_some());
    assert!(admin_client.get(&routes::form("2025-b")).await?.status() == 404);
    let r = admin_client
        .post_file(&admin::campaign("2025", "/forms"), JSON, next_version())
        .await?;
    assert_eq!(r.status(), 201);
    // The same file again is no change; another file under its name is refused.
    let r = admin_client
        .post_file(&admin::campaign("2025", "/forms"), JSON, next_version())
        .await?;
    assert_eq!(r.status(), 200);
    let other_content = form_2025(|spec| spec["version"] = "2025-b".into());
    let (status, body) = refusal(
        admin_client
            .post_file(&admin::campaign("2025", "/forms"), JSON, other_content)
            .await?,
    )
    .await?;
    assert_eq!((status, body["code"].as_str()), (409, Some("FORM_TAKEN")));
    // A province's form (its own row added to 2025) is stored, but is no campaign's form.
    let provincial = form_2025(|spec| {
        spec["version"] = "2025-nb".into();
        spec["extends"] = "2025".into();
        rows(spec).push(json!({"code": "21", "label": "Hoạt động riêng của tỉnh", "unit": "hoạt động", "kind": "count", "provincial": true}));
    });
    let r = admin_client
        .post_file(&admin::campaign("2025", "/forms"), JSON, provincial)
        .await?;
    assert_eq!(r.status(), 201, "{}", r.text().await?);
    for version in ["2025-nb", "2025-zz"] {
        let (status, body) = refusal(
            admin_client
                .send(
                    Method::PUT,
                    &admin::campaign("2025", ""),
                    Some(&campaign_input(version)),
                )
                .await?,
        )
        .await?;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("UNKNOWN_FORM")),
            "{version}"
        );
    }
    let r = admin_client
        .send(
            Method::PUT,
            &admin::campaign("2025", ""),
            Some(&campaign_input("2025-b")),
        )
        .await?;
    assert_eq!(r.status(), 204, "{}", r.text().await?);

    let forms: Vec<FormDef> = school.get_json(routes::FORMS).await?;
    assert!(forms.iter().any(|f| f.version() == "2025-b"));
    let campaigns: Vec<CampaignSummary> = school.get_json(routes::CAMPAIGNS).await?;
    let campaign = campaigns.iter().find(|c| c.code == "2025").expect("2025");
    assert_eq!(campaign.form_version, "2025-b");
    assert_eq!(campaign.form_hash.len(), 12);

    // The draft keeps its version: shown and merged by it, 1.13 still typed.
    let state: ReportState = school
        .get_json(&routes::report("2025", "NB-HQ-TH", ""))
        .await?;
    assert_eq!(state.form_version, "2025");
    assert_eq!(
        state.content.number(&"1.13".parse()?, Column::Count),
        Some(4)
    );
    let r = school
        .post(
            &push("NB-HQ-TH"),
            &push_counts("a2", 1, &[("1.13", 6), ("2", 5)]),
        )
        .await?;
    assert_eq!(r.status(), 200, "{}", r.text().await?);
    // A report started now takes the new version: 1.14, and no 1.13.
    let r = other
        .post(&push("NB-HQ-MN"), &push_counts("b1", 0, &[("1.13", 1)]))
        .await?;
    let (status, body) = refusal(r).await?;
    assert_eq!((status, body["code"].as_str()), (400, Some("UNKNOWN_CODE")));
    // A draft typed offline on 2025 before the publication, first sent now: started on
    // the version it was typed on (the school's draft is on it), not refused for good.
    let late = ApiClient::sign_in(&server, "nb-hq-thcs", DEMO_PASSWORD).await?;
    let typed_on = |id: &str, version: &str| {
        let mut body = push_counts(id, 0, &[("1.13", 2)]);
        body["form_version"] = version.into();
        body
    };
    let (status, body) = refusal(
        late.post(&push("NB-HQ-THCS"), &typed_on("c1", "2023"))
            .await?,
    )
    .await?;
    assert_eq!((status, body["code"].as_str()), (400, Some("UNKNOWN_CODE")));
    let r = late
        .post(&push("NB-HQ-THCS"), &typed_on("c2", "2025"))
        .await?;
    assert_eq!(r.status(), 200, "{}", r.text().await?);
    let state: ReportState = late
        .get_json(&routes::report("2025", "NB-HQ-THCS", ""))
        .await?;
    assert_eq!(state.form_version, "2025");
    assert_eq!(
        state.content.number(&"1.13".parse()?, Column::Count),
        Some(2)
    );
    let r = other
        .post(
            &push("NB-HQ-MN"),
            &push_counts("b2", 0, &[("1.14", 3), ("2", 2)]),
        )
        .await?;
    assert_eq!(r.status(), 200, "{}", r.text().await?);
    let state: ReportState = other
        .get_json(&routes::report("2025", "NB-HQ-MN", ""))
        .await?;
    assert_eq!(state.form_version, "2025-b");

    // The ward's totals are laid out by the campaign's version: the shared rows add up,
    // 1.14 is the new report's, and row 1 holds it only: the draft's 1.13 (gone from the
    // form) is counted nowhere.
    let dashboard: Dashboard = ward
        .get_json(&routes::dashboard("2025", "NB-HQ", false))
        .await?;
    assert_eq!(dashboard.form_version, "2025-b");
    assert_eq!(value(&forms, &dashboard, "2"), Some(7));
    assert_eq!(value(&forms, &dashboard, "1.14"), Some(3));
    assert_eq!(value(&forms, &dashboard, "1"), Some(3));
    // A recomputation from scratch agrees.
    let layout = forms
        .iter()
        .find(|f| f.version() == "2025-b")
        .expect("2025-b");
    recomputation_agrees(&server, &ward, "2025", layout, &[("NB-HQ", &dashboard)]).await?;
    // The school submits on its own version, checked by it (1.13 is no unknown row).
    let r = school
        .post(
            &routes::report("2025", "NB-HQ-TH", "submit"),
            &json!({"version": 2, "device_id": "t", "acknowledge_warnings": true}),
        )
        .await?;
    assert_eq!(r.status(), 200, "{}", r.text().await?);
    let state: ReportState = school
        .get_json(&routes::report("2025", "NB-HQ-TH", ""))
        .await?;
    assert_eq!(state.status, ReportStatus::Submitted);
    assert_eq!(state.form_version, "2025");
    assert_eq!(
        state.content.number(&"1.13".parse()?, Column::Count),
        Some(6)
    );
    Ok(())
}

/// The national administrator adds 2025-b and makes it the demo campaign's form.
async fn publish_next_version(admin_client: &ApiClient) -> anyhow::Result<()> {
    let r = admin_client
        .post_file(&admin::campaign("2025", "/forms"), JSON, next_version())
        .await?;
    assert_eq!(r.status(), 201);
    let r = admin_client
        .send(
            Method::PUT,
            &admin::campaign("2025", ""),
            Some(&campaign_input("2025-b")),
        )
        .await?;
    assert_eq!(r.status(), 204, "{}", r.text().await?);
    Ok(())
}

/// The caller the server sees for `client`'s session: for pushes written straight
/// through `tuanle_server::reports`, to stage a race between a push's resolution and
/// its write.
async fn caller(
    db: &tuanle_server::db::Pool,
    client: &ApiClient,
) -> anyhow::Result<tuanle_server::auth::Caller> {
    let me: tuanle_shared::wire::Me = client.get_json(routes::SESSION).await?;
    let account_id: i64 = sqlx::query_scalar("SELECT id FROM accounts WHERE username = $1")
        .bind(&me.username)
        .fetch_one(db)
        .await?;
    Ok(tuanle_server::auth::Caller { account_id, me })
}

/// A push resolved just before the campaign's form is replaced (its target read outside
/// the write lock, as every push is) is written after the totals were rebuilt by the new
/// form: its change must enter them laid out by the new form, not the one it was resolved
/// with, or the sums shift between rows.
#[tokio::test]
async fn a_push_racing_a_form_change_keeps_the_totals_whole() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let admin_client = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    let school = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let r = school
        .post(
            &routes::report("2025", "NB-HQ-TH", "push"),
            &push_counts("a1", 0, &[("1.13", 4), ("2", 5), ("3", 1)]),
        )
        .await?;
    assert_eq!(r.status(), 200, "{}", r.text().await?);

    // The next push is resolved now (on 2025)…
    let db = server.db().await?;
    let target = tuanle_server::reports::resolve(&db, "2025", "NB-HQ-TH").await?;
    assert_eq!(target.layout.version(), "2025");
    // …the next version is published meanwhile…
    publish_next_version(&admin_client).await?;
    // …and the push is written after it.
    let caller = caller(&db, &school).await?;
    let req = serde_json::from_value(push_counts("a2", 1, &[("1.13", 4), ("2", 9), ("3", 6)]))?;
    tuanle_server::reports::push(&db, &caller, &target, req).await?;

    let dashboard: Dashboard = ward
        .get_json(&routes::dashboard("2025", "NB-HQ", false))
        .await?;
    assert_eq!(dashboard.form_version, "2025-b");
    let forms: Vec<FormDef> = ward.get_json(routes::FORMS).await?;
    assert_eq!(value(&forms, &dashboard, "2"), Some(9));
    assert_eq!(value(&forms, &dashboard, "3"), Some(6));
    let layout = forms
        .iter()
        .find(|f| f.version() == "2025-b")
        .expect("2025-b");
    recomputation_agrees(&server, &ward, "2025", layout, &[("NB-HQ", &dashboard)]).await
}

/// A push is checked by the form its report has when the push is written, not the one
/// it had when the push was resolved (before the write lock). Two races: the campaign's
/// form replaced before a report's first push is written (it starts on the new one); and
/// two devices sending a report's first pushes at once across a form change, one typed
/// offline on the previous version, the other on the new one (the first written starts
/// the report on its version). No stored report holds a cell its own form lacks.
#[tokio::test]
async fn a_push_is_checked_by_its_report_s_form_when_written() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let admin_client = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    let school = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let late = ApiClient::sign_in(&server, "nb-hq-thcs", DEMO_PASSWORD).await?;
    let nursery = ApiClient::sign_in(&server, "nb-hq-mn", DEMO_PASSWORD).await?;
    // A draft on 2025, so that a draft typed offline on 2025 starts on it.
    let r = school
        .post(
            &routes::report("2025", "NB-HQ-TH", "push"),
            &push_counts("a1", 0, &[("1.13", 4)]),
        )
        .await?;
    assert_eq!(r.status(), 200, "{}", r.text().await?);
    // A first push resolved on 2025, written after 2025-b (no 1.13) is published.
    let db = server.db().await?;
    let before = tuanle_server::reports::resolve(&db, "2025", "NB-HQ-MN").await?;
    assert_eq!((before.started, before.form.version()), (false, "2025"));
    publish_next_version(&admin_client).await?;
    let on_old: PushRequest = serde_json::from_value(push_counts("m1", 0, &[("1.13", 1)]))?;
    let refused = tuanle_server::reports::push(&db, &caller(&db, &nursery).await?, &before, on_old)
        .await
        .expect_err("1.13 on a report starting on 2025-b");
    assert_eq!(refused.code(), RefusalCode::UnknownCode);
    let state: ReportState = nursery
        .get_json(&routes::report("2025", "NB-HQ-MN", ""))
        .await?;
    assert_eq!((state.form_version.as_str(), state.version), ("2025-b", 0));

    // Both pushes are resolved now, the report not started.
    let fresh = tuanle_server::reports::resolve(&db, "2025", "NB-HQ-THCS").await?;
    assert!(!fresh.started);
    assert_eq!(fresh.form.version(), "2025-b");
    let mut offline = push_counts("c1", 0, &[("1.13", 2)]);
    offline["form_version"] = "2025".into();
    let offline: PushRequest = serde_json::from_value(offline)?;
    let offline_target = tuanle_server::reports::typed_on(&db, fresh.clone(), &offline).await?;
    assert_eq!(offline_target.form.version(), "2025");
    let caller = caller(&db, &late).await?;
    // The offline draft is written first: the report starts on 2025…
    tuanle_server::reports::push(&db, &caller, &offline_target, offline).await?;
    // …then the other, resolved on 2025-b: its 1.14 is a row 2025 lacks.
    let on_new: PushRequest =
        serde_json::from_value(push_counts("c2", 0, &[("1.14", 3), ("2", 1)]))?;
    let refused = tuanle_server::reports::push(&db, &caller, &fresh, on_new)
        .await
        .expect_err("1.14 on a report started on 2025");
    assert_eq!(refused.code(), RefusalCode::UnknownCode);
    let state: ReportState = late
        .get_json(&routes::report("2025", "NB-HQ-THCS", ""))
        .await?;
    assert_eq!((state.form_version.as_str(), state.version), ("2025", 1));
    assert_eq!(
        state.content.number(&"1.13".parse()?, Column::Count),
        Some(2)
    );
    assert_eq!(state.content.number(&"1.14".parse()?, Column::Count), None);
    // A push of rows both versions have, resolved on 2025-b, is merged into it on 2025.
    let shared_rows: PushRequest = serde_json::from_value(push_counts("c3", 0, &[("2", 5)]))?;
    tuanle_server::reports::push(&db, &caller, &fresh, shared_rows).await?;
    let state: ReportState = late
        .get_json(&routes::report("2025", "NB-HQ-THCS", ""))
        .await?;
    assert_eq!((state.form_version.as_str(), state.version), ("2025", 2));
    assert_eq!(
        state.content.number(&"1.13".parse()?, Column::Count),
        Some(2)
    );
    assert_eq!(state.content.number(&"2".parse()?, Column::Count), Some(5));
    Ok(())
}

/// The Excel form of `unit`'s provisional figures in the demo campaign, as `client`
/// downloads it.
async fn exported(client: &ApiClient, unit: &str) -> anyhow::Result<Vec<u8>> {
    let path = routes::export("2025", unit, tuanle_shared::wire::FigureMode::Provisional);
    let r = client.get(&path).await?;
    assert_eq!(r.status(), 200);
    Ok(r.bytes().await?.to_vec())
}

/// A school's report kept on its version when the next was published prints by that
/// version: its Excel form has the row the campaign's form dropped, with the value the
/// school typed; the ward above it prints by the campaign's form.
#[tokio::test]
async fn a_report_kept_on_its_version_prints_by_it() -> anyhow::Result<()> {
    use calamine::{Data, Reader, Xlsx};
    let server = TestServer::spawn().await?;
    let admin_client = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    let school = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let r = school
        .post(
            &routes::report("2025", "NB-HQ-TH", "push"),
            &push_counts("a1", 0, &[("1.13", 4), ("2", 5)]),
        )
        .await?;
    assert_eq!(r.status(), 200, "{}", r.text().await?);
    publish_next_version(&admin_client).await?;

    // The form sheet of an export: each row's label and its count, in order.
    let printed = |bytes: Vec<u8>| -> anyhow::Result<Vec<(String, Option<f64>)>> {
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))?;
        let sheet = book.worksheet_range("Mẫu tổng hợp")?;
        Ok((7..sheet.height() as u32)
            .map(|r| {
                let label = sheet
                    .get_value((r, 1))
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                let count = match sheet.get_value((r, 3)) {
                    Some(Data::Float(f)) => Some(*f),
                    Some(Data::Int(i)) => Some(*i as f64),
                    _ => None,
                };
                (label, count)
            })
            .collect())
    };
    let old = builtin("2025").expect("2025");
    let label = |code: &str| {
        old.row(&code.parse().expect("code"))
            .map(|r| r.label.clone())
            .expect("a row of 2025")
    };
    let own = printed(exported(&school, "NB-HQ-TH").await?)?;
    let line = |rows: &[(String, Option<f64>)], label: &str| {
        rows.iter()
            .find(|(l, _)| l.starts_with(label))
            .map(|(_, count)| *count)
    };
    assert_eq!(line(&own, &label("1.13")), Some(Some(4.0)), "{own:?}");
    assert_eq!(line(&own, &label("2")), Some(Some(5.0)), "{own:?}");
    assert_eq!(
        line(&own, "Lớp kỹ năng số cho người cao tuổi"),
        None,
        "{own:?}"
    );
    // The ward consolidates by the campaign's form: 1.14, and no 1.13.
    let consolidated = printed(exported(&ward, "NB-HQ").await?)?;
    assert_eq!(
        line(&consolidated, &label("1.13")),
        None,
        "{consolidated:?}"
    );
    assert!(
        line(&consolidated, "Lớp kỹ năng số cho người cao tuổi").is_some(),
        "{consolidated:?}"
    );
    assert_eq!(line(&consolidated, &label("2")), Some(Some(5.0)));
    Ok(())
}

/// The totals of `campaign` recomputed from its reports (`form`: the campaign's) are
/// what the dashboards showed, unit by unit: the incremental ones were right.
async fn recomputation_agrees(
    server: &TestServer,
    viewer: &ApiClient,
    campaign: &str,
    form: &FormDef,
    shown: &[(&str, &Dashboard)],
) -> anyhow::Result<()> {
    let db = server.db().await?;
    let campaign_id: i64 = sqlx::query_scalar("SELECT id FROM campaigns WHERE code = $1")
        .bind(campaign)
        .fetch_one(&db)
        .await?;
    // Every unit's stored sums, as the database holds them (each by its own layout).
    let db = &db;
    let stored = move || async move {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT unit_id, final, provisional, official FROM subtree_stats
             WHERE campaign_id = $1 ORDER BY unit_id",
        )
        .bind(campaign_id)
        .fetch_all(db)
        .await?;
        anyhow::Ok(rows)
    };
    let incremental = stored().await?;
    tuanle_server::totals::rebuild(db, campaign_id, form).await?;
    assert_eq!(stored().await?, incremental);
    for (unit, before) in shown {
        let again: Dashboard = viewer
            .get_json(&routes::dashboard(campaign, unit, false))
            .await?;
        assert_eq!(
            again.provisional_figures, before.provisional_figures,
            "{unit}"
        );
    }
    Ok(())
}

/// What the app keeps on the device under `key` (`campaigns`, `form.2025`), or "".
async fn kept(browser: &Browser, key: &str) -> anyhow::Result<String> {
    let value = browser
        .client
        .execute(
            "return localStorage.getItem('tuanle.cache.' + arguments[0]) || ''",
            vec![json!(key)],
        )
        .await?;
    Ok(value.as_str().unwrap_or_default().to_owned())
}

/// The whole path in real browsers: a school types a draft on 2025; the national
/// administrator uploads the next version (a faulty file first: its problems listed),
/// previews it as reporters will see it, stores it and publishes it; the school's draft is
/// still shown and taken by its own version, a school starting now gets the new rows.
#[tokio::test]
async fn a_form_uploaded_in_the_browser_is_published_and_filled() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let files = tempfile::tempdir()?;
    let school = Browser::start().await?;
    school.sign_in(&server, "nb-hq-th").await?;
    school.type_in("1.13/count", "4").await?;
    school.wait_sync("synced").await?;

    let admin = Browser::start().await?;
    admin.sign_in_to(&server, "admin", "#forms-card").await?;
    let faulty = files.path().join("sai.json");
    std::fs::write(
        &faulty,
        form_2025(|spec| {
            spec["version"] = "2025-sai".into();
            rows(spec)[0]["of"]
                .as_array_mut()
                .expect("of")
                .push("1.99".into());
            rows(spec)
                .push(json!({"code": "21", "label": "x", "kind": "count", "provincial": true}));
        }),
    )?;
    admin
        .wait_for("#form-file")
        .await?
        .send_keys(&faulty.display().to_string())
        .await?;
    admin.click("#form-check").await?;
    admin.wait_for("#form-problems").await?;
    let problems = admin.text("#form-problems").await?;
    assert!(problems.contains("1.99"), "{problems}");
    assert!(
        problems.contains("Dòng 21 là dòng riêng của tỉnh"),
        "{problems}"
    );
    assert!(
        admin
            .client
            .find(fantoccini::Locator::Css("#form-preview"))
            .await
            .is_err()
    );

    let next = files.path().join("mau-2025-b.json");
    std::fs::write(&next, next_version())?;
    admin
        .wait_for("#form-file")
        .await?
        .send_keys(&next.display().to_string())
        .await?;
    admin.click("#form-check").await?;
    admin
        .wait_for("#form-preview[data-version='2025-b']")
        .await?;
    // The preview is the report form itself, new row included, and takes typing.
    admin
        .wait_for("#form-preview [data-cell='1.14/count']")
        .await?;
    assert!(
        admin
            .client
            .find(fantoccini::Locator::Css(
                "#form-preview [data-cell='1.13/count']"
            ))
            .await
            .is_err()
    );
    admin.click("#form-save").await?;
    admin
        .eventually("the form stored", || async {
            Ok(admin
                .text("#forms-card")
                .await?
                .contains("Đã lưu mẫu biểu 2025-b"))
        })
        .await?;
    // Published for the campaign in its editor.
    admin
        .click("tr[data-campaign='2025'] .actions button:nth-child(2)")
        .await?;
    admin
        .wait_for("#campaign-form option[value='2025-b']")
        .await?;
    admin
        .client
        .execute(
            "const s = document.getElementById('campaign-form');
             s.value = '2025-b';
             s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await?;
    admin.click("#campaign-save").await?;
    admin
        .eventually("the campaign on 2025-b", || async {
            Ok(admin
                .text("tr[data-campaign='2025']")
                .await?
                .contains("2025-b"))
        })
        .await?;

    // The school's draft, reopened once the tablet has heard of the new version (it
    // refreshes the campaign in the background): still shown by 2025, kept on the tablet.
    school.client.refresh().await?;
    school
        .eventually("the tablet hears of 2025-b", || async {
            Ok(kept(&school, "campaigns")
                .await?
                .contains(r#""form_version":"2025-b""#))
        })
        .await?;
    school.client.refresh().await?;
    assert_eq!(school.value_of("1.13/count").await?, "4");
    assert!(
        school
            .client
            .find(fantoccini::Locator::Css("[data-cell='1.14/count']"))
            .await
            .is_err()
    );

    // Offline, with the draft's own version lost from the tablet: the draft still opens,
    // by the campaign's form, and says so; with the network back it is shown by its own.
    school.wait_for_worker().await?;
    school
        .client
        .execute("localStorage.removeItem('tuanle.cache.form.2025')", vec![])
        .await?;
    school.set_offline(true).await?;
    school.client.refresh().await?;
    let notice = school
        .wait_for(".stand-in[data-own-version='2025']")
        .await?
        .text()
        .await?;
    assert!(notice.contains("2025-b"), "{notice}");
    // Shown to read, not to type: a cell its own version lacks would be refused.
    let stand_in = school.wait_for("[data-cell='1.14/count']").await?;
    assert_eq!(stand_in.prop("readOnly").await?.as_deref(), Some("true"));
    school.set_offline(false).await?;
    school
        .eventually("the draft shown by 2025 again", || async {
            Ok(school
                .client
                .find(fantoccini::Locator::Css(".stand-in"))
                .await
                .is_err()
                && !kept(&school, "form.2025").await?.is_empty())
        })
        .await?;
    assert_eq!(school.value_of("1.13/count").await?, "4");
    school.replace_in("1.13/count", "6").await?;
    school.wait_sync("synced").await?;
    let api = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let state: ReportState = api
        .get_json(&routes::report("2025", "NB-HQ-TH", ""))
        .await?;
    assert_eq!(state.form_version, "2025");
    assert_eq!(
        state.content.number(&"1.13".parse()?, Column::Count),
        Some(6)
    );

    // A school starting now fills the new version.
    let other = Browser::start().await?;
    other
        .sign_in_to(&server, "nb-hq-mn", "[data-cell='1.14/count']")
        .await?;
    assert!(
        other
            .client
            .find(fantoccini::Locator::Css("[data-cell='1.13/count']"))
            .await
            .is_err()
    );
    other.type_in("1.14/count", "3").await?;
    other.wait_sync("synced").await?;
    let api = ApiClient::sign_in(&server, "nb-hq-mn", DEMO_PASSWORD).await?;
    let state: ReportState = api
        .get_json(&routes::report("2025", "NB-HQ-MN", ""))
        .await?;
    assert_eq!(state.form_version, "2025-b");
    assert_eq!(
        state.content.number(&"1.14".parse()?, Column::Count),
        Some(3)
    );
    for browser in [school, admin, other] {
        browser.close().await?;
    }
    Ok(())
}

/// A national campaign's tree (the ministry above two provinces), imported by the
/// national administrator into a new campaign "2026" on the 2025 form; the demo
/// campaign closed, so that the app opens this one. Returns the first password of the
/// ministry's supervisor (`bgd`).
async fn national_campaign(admin: &ApiClient) -> anyhow::Result<String> {
    let body = json!({
        "code": "2026", "year": 2026, "theme": "Học tập suốt đời trong kỷ nguyên số",
        "starts_on": "2026-10-01", "ends_on": "2026-10-07", "form_version": "2025",
        "deadlines": [], "open": true
    });
    let r = admin
        .send(Method::POST, admin::CAMPAIGNS, Some(&body))
        .await?;
    assert_eq!(r.status(), 201, "{}", r.text().await?);
    let tree = "Mã đơn vị,Tên đơn vị,Loại,Mã cấp trên
BGD,Bộ Giáo dục và Đào tạo,Bộ GDĐT,
NB,Sở GDĐT Ninh Bình,Tỉnh,BGD
NB-HQ,Phường Hồng Quang,Phường,NB
NB-HQ-TH,Trường Tiểu học Hồng Quang,Tiểu học,NB-HQ
NB-HQ-MN,Trường Mầm non Hồng Quang,Mầm non,NB-HQ
HN,Sở GDĐT Hà Nội,Tỉnh,BGD
HN-BD,Phường Ba Đình,Phường,HN
HN-BD-TH,Trường Tiểu học Ba Đình,Tiểu học,HN-BD
";
    let r = admin
        .post_file(
            &admin::campaign("2026", "/tree/import?name=cay.csv"),
            "text/csv",
            tree.into(),
        )
        .await?;
    assert_eq!(r.status(), 200, "{}", r.text().await?);
    admin.set_campaign_open("2025", false).await?;
    let ministry: tuanle_shared::wire::admin::Credentials = admin
        .expect(
            Method::POST,
            &admin::campaign("2026", "/accounts"),
            Some(
                &json!({"username": "bgd", "display_name": "Bộ GDĐT", "role": "supervisor",
                          "unit_code": "BGD"}),
            ),
            201,
        )
        .await?;
    Ok(ministry.password)
}

/// Ninh Bình's own form: the 2025 form and one row of the province's own, 21.
fn ninh_binh_form() -> Vec<u8> {
    form_2025(|spec| {
        spec["version"] = "2025-nb".into();
        spec["extends"] = "2025".into();
        rows(spec).push(
            json!({"code": "21", "label": "Số lớp học tiếng dân tộc của tỉnh",
                                "unit": "lớp", "kind": "count", "provincial": true}),
        );
    })
}

/// `admin` adds a province's form `file` to the national campaign "2026" and publishes it
/// for `province`.
async fn publish_for_province(
    admin: &ApiClient,
    province: &str,
    file: Vec<u8>,
) -> anyhow::Result<()> {
    let version = serde_json::from_slice::<Value>(&file)?["version"].clone();
    let r = admin
        .post_file(&admin::campaign("2026", "/forms"), JSON, file)
        .await?;
    assert_eq!(r.status(), 201, "{}", r.text().await?);
    let r = admin
        .send(
            Method::PUT,
            &admin::campaign("2026", &format!("/forms/provinces/{province}")),
            Some(&json!({ "form_version": version })),
        )
        .await?;
    assert_eq!(r.status(), 204, "{}", r.text().await?);
    Ok(())
}

/// Publishing a province's form: for a province only, a form extending the campaign's,
/// by an administrator who reaches the province; and then the campaign's form no longer
/// changes under it.
#[tokio::test]
async fn a_province_s_form_is_published_for_that_province_only() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let national = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    national_campaign(&national).await?;
    let province_admin = ApiClient::sign_in(&server, "admin-nb", DEMO_PASSWORD).await?;
    // A province's administrator adds their province's form, not a national one.
    let r = province_admin
        .post_file(&admin::campaign("2026", "/forms"), JSON, ninh_binh_form())
        .await?;
    assert_eq!(r.status(), 201, "{}", r.text().await?);
    let (status, _) = refusal(
        province_admin
            .post_file(&admin::campaign("2026", "/forms"), JSON, next_version())
            .await?,
    )
    .await?;
    assert_eq!(status, 403);
    // A ward's administrator adds no province's form.
    let ward_admin: tuanle_shared::wire::admin::Credentials = national
        .expect(
            Method::POST,
            &admin::campaign("2026", "/accounts"),
            Some(
                &json!({"username": "admin-hq", "display_name": "Quản trị phường",
                          "role": "admin", "unit_code": "NB-HQ"}),
            ),
            201,
        )
        .await?;
    let ward_admin = ApiClient::sign_in(&server, "admin-hq", &ward_admin.password).await?;
    let (status, body) = refusal(
        ward_admin
            .post_file(
                &admin::campaign("2026", "/forms/check"),
                JSON,
                ninh_binh_form(),
            )
            .await?,
    )
    .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("NOT_A_PROVINCE"))
    );
    let publish = |unit: &str| admin::campaign("2026", &format!("/forms/provinces/{unit}"));
    let set = |version: Option<&str>| json!({ "form_version": version });
    for (client, unit, body, expected) in [
        (
            &province_admin,
            "NB-HQ",
            set(Some("2025-nb")),
            (400, "NOT_A_PROVINCE"),
        ),
        (
            &province_admin,
            "HN",
            set(Some("2025-nb")),
            (403, "OUT_OF_SCOPE"),
        ),
        (
            &province_admin,
            "NB",
            set(Some("2025-zz")),
            (400, "UNKNOWN_FORM"),
        ),
        (
            &province_admin,
            "NB",
            set(Some("2023")),
            (400, "FORM_NOT_EXTENDING"),
        ),
        (
            &national,
            "NB",
            json!({"form_version": 5}),
            (400, "BAD_FIELDS"),
        ),
    ] {
        let (status, body) = refusal(
            client
                .send(Method::PUT, &publish(unit), Some(&body))
                .await?,
        )
        .await?;
        assert_eq!(
            (status, body["code"].as_str().unwrap_or_default()),
            expected,
            "{unit}: {body}"
        );
    }
    let r = province_admin
        .send(Method::PUT, &publish("NB"), Some(&set(Some("2025-nb"))))
        .await?;
    assert_eq!(r.status(), 204, "{}", r.text().await?);
    let listed: Vec<tuanle_shared::wire::admin::ProvinceForm> = province_admin
        .get_json(&admin::campaign("2026", "/forms/provinces"))
        .await?;
    assert_eq!(
        listed
            .iter()
            .map(|p| (p.unit_code.as_str(), p.form_version.as_str()))
            .collect::<Vec<_>>(),
        [("NB", "2025-nb")]
    );
    // A new report in the province is on its form; in another province, the campaign's.
    let school = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let state: ReportState = school
        .get_json(&routes::report("2026", "NB-HQ-TH", ""))
        .await?;
    assert_eq!(state.form_version, "2025-nb");
    let state: ReportState = national
        .get_json(&routes::report("2026", "HN-BD-TH", ""))
        .await?;
    assert_eq!(state.form_version, "2025");
    // The campaign's form cannot move from under the province's.
    let mut input = campaign_input("2025-b");
    input["code"] = "2026".into();
    let r = national
        .post_file(&admin::campaign("2026", "/forms"), JSON, next_version())
        .await?;
    assert_eq!(r.status(), 201);
    let (status, body) = refusal(
        national
            .send(Method::PUT, &admin::campaign("2026", ""), Some(&input))
            .await?,
    )
    .await?;
    assert_eq!((status, body["code"].as_str()), (400, Some("FORM_IN_USE")));
    // Back to the campaign's form: then it can.
    let r = province_admin
        .send(Method::PUT, &publish("NB"), Some(&set(None)))
        .await?;
    assert_eq!(r.status(), 204, "{}", r.text().await?);
    let r = national
        .send(Method::PUT, &admin::campaign("2026", ""), Some(&input))
        .await?;
    assert_eq!(r.status(), 204, "{}", r.text().await?);
    Ok(())
}

/// The chain of sign-offs across a province's own form: a school of the province fills
/// its own row and a shared one; the ward and then the province accept and sign off; the
/// ministry accepts the province's package. The province's package holds its own row;
/// what the ministry counts, in its official figures, is the shared rows only.
#[tokio::test]
async fn the_ministry_accepts_a_province_s_package_by_the_shared_rows() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let national = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    let ministry = national_campaign(&national).await?;
    let province_admin = ApiClient::sign_in(&server, "admin-nb", DEMO_PASSWORD).await?;
    publish_for_province(&province_admin, "NB", ninh_binh_form()).await?;

    let school = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let province = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD).await?;
    let bgd = ApiClient::sign_in(&server, "bgd", &ministry).await?;
    let pushed: Value = school
        .post_json(
            &routes::report("2026", "NB-HQ-TH", "push"),
            &push_counts("p1", 0, &[("21", 7), ("2", 3)]),
        )
        .await?;
    let _: ReportState = school
        .post_json(
            &routes::report("2026", "NB-HQ-TH", "submit"),
            &json!({"version": pushed["version"], "device_id": "t", "acknowledge_warnings": true}),
        )
        .await?;
    let _: ReportState = ward
        .post_json(&routes::report("2026", "NB-HQ-TH", "approve"), &json!({}))
        .await?;
    let packages =
        |unit: &str, seq: Option<u32>, action: &str| routes::packages("2026", unit, seq, action);
    let from_ward: Package = ward
        .post_json(&packages("NB-HQ", None, ""), &json!({}))
        .await?;
    let _: Package = province
        .post_json(
            &packages("NB-HQ", Some(from_ward.brief.seq), "accept"),
            &json!({}),
        )
        .await?;
    let from_province: Package = province
        .post_json(&packages("NB", None, ""), &json!({}))
        .await?;

    // The province's package is laid out by its own form: row 21 is there.
    let forms: Vec<FormDef> = bgd.get_json(routes::FORMS).await?;
    assert_eq!(from_province.form_version, "2025-nb");
    let sent = |code| {
        value_of(
            &forms,
            &from_province.form_version,
            &from_province.figures,
            code,
        )
    };
    assert_eq!((sent("21"), sent("2")), (Some(7), Some(3)));
    // The ministry reads it, and accepts it.
    let seen: Package = bgd
        .get_json(&packages("NB", Some(from_province.brief.seq), ""))
        .await?;
    assert_eq!(seen.review_refusal, None);
    let accepted: Package = bgd
        .post_json(
            &packages("NB", Some(from_province.brief.seq), "accept"),
            &json!({}),
        )
        .await?;
    assert_eq!(accepted.brief.status, PackageStatus::Accepted);

    // The ministry counts the shared rows: laid out by the campaign's form, row 2 there,
    // and no slot of row 21.
    let top: Dashboard = bgd
        .get_json(&routes::dashboard("2026", "BGD", false))
        .await?;
    assert_eq!(top.form_version, "2025");
    let base = builtin("2025").expect("2025");
    assert_eq!(top.official_figures.len(), base.slot_count());
    assert_eq!(
        value_of(&forms, &top.form_version, &top.official_figures, "2"),
        Some(3)
    );
    // Exactly the province's package, cut to the shared rows' slots (they come first).
    assert_eq!(
        top.official_figures[..],
        from_province.figures[..base.slot_count()]
    );
    assert_eq!(top.official_figures.iter().sum::<u128>(), 3);
    assert_eq!(
        top.children
            .iter()
            .find(|c| c.unit.code == "NB")
            .and_then(|c| c.package.as_ref())
            .map(|p| p.status),
        Some(PackageStatus::Accepted)
    );
    // The province's own dashboard still holds its row, officially too.
    let nb: Dashboard = province
        .get_json(&routes::dashboard("2026", "NB", false))
        .await?;
    assert_eq!(
        value_of(&forms, &nb.form_version, &nb.official_figures, "21"),
        Some(7)
    );
    Ok(())
}

/// A unit moved from one province to another, each with a form of its own whose own row
/// has the same code but another meaning: its report keeps what it holds, the shared
/// rows move with it, and the row of the province it left counts nowhere in the one it
/// joins, whether the totals are rebuilt (the move) or moved by a push.
#[tokio::test]
async fn a_unit_moved_between_provinces_brings_no_foreign_row() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let national = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    national_campaign(&national).await?;
    let ha_noi_form = form_2025(|spec| {
        spec["version"] = "2025-hn".into();
        spec["extends"] = "2025".into();
        rows(spec).push(
            json!({"code": "21", "label": "Số câu lạc bộ đọc sách của thành phố",
                               "unit": "câu lạc bộ", "kind": "count", "provincial": true}),
        );
    });
    publish_for_province(&national, "NB", ninh_binh_form()).await?;
    publish_for_province(&national, "HN", ha_noi_form).await?;
    let school = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let pushed: Value = school
        .post_json(
            &routes::report("2026", "NB-HQ-TH", "push"),
            &push_counts("p1", 0, &[("21", 7), ("2", 3)]),
        )
        .await?;
    let forms: Vec<FormDef> = national.get_json(routes::FORMS).await?;
    let sums = |unit: &'static str| {
        let (national, forms) = (&national, &forms);
        async move {
            let d: Dashboard = national
                .get_json(&routes::dashboard("2026", unit, false))
                .await?;
            anyhow::Ok((value(forms, &d, "21"), value(forms, &d, "2")))
        }
    };
    assert_eq!(sums("NB").await?, (Some(7), Some(3)));

    let r = national
        .send(
            Method::PATCH,
            &admin::campaign("2026", "/units/NB-HQ-TH"),
            Some(&json!({"parent": "HN-BD"})),
        )
        .await?;
    assert!(r.status().is_success(), "{}", r.text().await?);
    let state: ReportState = school
        .get_json(&routes::report("2026", "NB-HQ-TH", ""))
        .await?;
    assert_eq!(state.form_version, "2025-nb");
    assert_eq!(state.content.number(&"21".parse()?, Column::Count), Some(7));
    // Rebuilt by the move: Hà Nội's 21 (its book clubs) holds nothing of Ninh Bình's 21.
    assert_eq!(sums("HN").await?, (Some(0), Some(3)));
    assert_eq!(sums("NB").await?, (Some(0), Some(0)));
    // Moved by a push: the same.
    let _: Value = school
        .post_json(
            &routes::report("2026", "NB-HQ-TH", "push"),
            &push_counts(
                "p2",
                pushed["version"].as_u64().unwrap_or(1),
                &[("21", 8), ("2", 4)],
            ),
        )
        .await?;
    assert_eq!(sums("HN").await?, (Some(0), Some(4)));
    assert_eq!(sums("HN-BD").await?, (Some(0), Some(4)));
    Ok(())
}

/// The issue's test: a province's form with a row of its own is uploaded (its appendix,
/// as an Excel sheet), previewed and published by the province's administrator in a
/// browser; a school of the province
/// fills it in a browser; the row reaches the province's figures (its supervisor's
/// dashboard shows it) and no national total (the ministry's sums are the shared rows).
#[tokio::test]
async fn a_province_s_own_row_reaches_the_province_and_no_national_total() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let national = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    let ministry = national_campaign(&national).await?;
    // The province keeps its appendix in Excel: the national rows and its own, 21.
    let files = tempfile::tempdir()?;
    let file = files.path().join("phu-luc-ninh-binh.xlsx");
    std::fs::write(
        &file,
        appendix_sheet(&[("21", "Số lớp học tiếng dân tộc của tỉnh", "lớp")], None),
    )?;

    let admin_nb = Browser::start().await?;
    admin_nb
        .sign_in_to(&server, "admin-nb", "#forms-card")
        .await?;
    admin_nb
        .wait_for("#form-file")
        .await?
        .send_keys(&file.display().to_string())
        .await?;
    // A sheet names no version: the administrator does; a province's administrator's
    // form is their province's.
    admin_nb
        .wait_for("#form-version")
        .await?
        .send_keys("2025-nb")
        .await?;
    let provincial = admin_nb.wait_for("#form-provincial").await?;
    assert_eq!(provincial.prop("checked").await?.as_deref(), Some("true"));
    admin_nb.click("#form-check").await?;
    admin_nb
        .wait_for("#form-preview[data-version='2025-nb'] [data-cell='21/count']")
        .await?;
    admin_nb.click("#form-save").await?;
    admin_nb
        .wait_for("#province-form option[value='2025-nb']")
        .await?;
    let code = admin_nb
        .wait_for("#province-code")
        .await?
        .prop("value")
        .await?;
    assert_eq!(code.as_deref(), Some("NB"));
    admin_nb.click("#province-form-save").await?;
    admin_nb
        .wait_for("#province-forms tr[data-province='NB']")
        .await?;
    assert!(
        admin_nb
            .text("#province-forms tr[data-province='NB'] .version")
            .await?
            .contains("2025-nb")
    );

    // A school of the province: its report is on the province's form, row 21 there.
    let school = Browser::start().await?;
    school
        .sign_in_to(&server, "nb-hq-th", "[data-cell='21/count']")
        .await?;
    school.type_in("21/count", "7").await?;
    school.type_in("2/count", "3").await?;
    school.wait_sync("synced").await?;

    // The province's supervisor sees row 21 in the province's figures.
    let province = Browser::start().await?;
    province
        .sign_in_to(&server, "nb", "h1[data-unit='NB']")
        .await?;
    province
        .click("input[name='mode'][value='provisional']")
        .await?;
    province
        .eventually("row 21 counted in the province", || async {
            Ok(province
                .text(".consolidated tr[data-row='21']")
                .await
                .unwrap_or_default()
                .contains('7'))
        })
        .await?;

    // Above the province, the shared rows only: the ministry's sums are laid out by the
    // campaign's form, row 2 counted, row 21 nowhere.
    let bgd = ApiClient::sign_in(&server, "bgd", &ministry).await?;
    let forms: Vec<FormDef> = bgd.get_json(routes::FORMS).await?;
    let top: Dashboard = bgd
        .get_json(&routes::dashboard("2026", "BGD", false))
        .await?;
    assert_eq!(top.form_version, "2025");
    let base = builtin("2025").expect("2025");
    assert_eq!(top.provisional_figures.len(), base.slot_count());
    assert_eq!(value(&forms, &top, "2"), Some(3));
    let nb: Dashboard = bgd
        .get_json(&routes::dashboard("2026", "NB", false))
        .await?;
    assert_eq!(nb.form_version, "2025-nb");
    assert_eq!(value(&forms, &nb, "21"), Some(7));
    assert_eq!(value(&forms, &nb, "2"), Some(3));
    // Stored so too: the ministry's sums hold no slot of the province's rows.
    let db = server.db().await?;
    let stored: String = sqlx::query_scalar(
        "SELECT s.provisional FROM subtree_stats s JOIN units u ON u.id = s.unit_id
         JOIN campaigns c ON c.id = u.campaign_id WHERE c.code = '2026' AND u.code = 'BGD'",
    )
    .fetch_one(&db)
    .await?;
    let stored: Vec<u128> = serde_json::from_str(&stored)?;
    assert_eq!(stored, top.provisional_figures);
    // As a recomputation from the reports has them.
    recomputation_agrees(&server, &bgd, "2026", base, &[("BGD", &top), ("NB", &nb)]).await?;
    for browser in [admin_nb, school, province] {
        browser.close().await?;
    }
    Ok(())
}

const SHEET: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The 2025 appendix as a province keeps it in Excel: a title, the two header lines,
/// every row (its STT typed as a number, as Excel keeps it), then `extra` rows
/// (STT, wording, unit) and with `reworded` one national row's wording changed.
fn appendix_sheet(extra: &[(&str, &str, &str)], reworded: Option<(&str, &str)>) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let mut put = |r: u32, cells: [&str; 3]| {
        for (c, text) in cells.iter().enumerate() {
            let written = match text.parse::<f64>() {
                Ok(n) if c == 0 => sheet.write_number(r, c as u16, n).map(|_| ()),
                _ => sheet.write_string(r, c as u16, *text).map(|_| ()),
            };
            written.expect("cell");
        }
    };
    put(0, ["MẪU TỔNG HỢP SỐ LIỆU KẾT QUẢ TỔ CHỨC TUẦN LỄ", "", ""]);
    put(2, ["STT", "Các hoạt động", "Đơn vị"]);
    put(3, ["", "", ""]);
    let base = builtin("2025").expect("2025");
    let mut r = 4;
    for row in base.rows() {
        let label = match reworded {
            Some((code, wording)) if row.code.as_str() == code => wording.to_owned(),
            _ => row.label.clone(),
        };
        put(r, [row.stt.as_deref().unwrap_or(""), &label, &row.unit]);
        r += 1;
    }
    for (stt, label, unit) in extra {
        put(r, [stt, label, unit]);
        r += 1;
    }
    book.save_to_buffer().expect("xlsx")
}

/// The appendix as an XLSX sheet: the product's own export reads back as its form; a
/// province's sheet with a row of its own becomes a province's form, stored; a sheet
/// that is no appendix, or a province's that rewords a national row, is refused with the
/// problem named.
#[tokio::test]
async fn an_appendix_sheet_is_read_into_a_form() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let national = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    let province = ApiClient::sign_in(&server, "admin-nb", DEMO_PASSWORD).await?;
    let check = |query: &str| admin::campaign("2025", &format!("/forms/check?{query}"));
    let base = builtin("2025").expect("2025");

    // The consolidated export a ward downloads, uploaded as it is.
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let exported = ward
        .get(&routes::export(
            "2025",
            "NB-HQ",
            tuanle_shared::wire::FigureMode::Final,
        ))
        .await?;
    assert_eq!(exported.status(), 200);
    let exported = exported.bytes().await?.to_vec();
    let r = national
        .post_file(&check("version=2025-x"), SHEET, exported)
        .await?;
    assert_eq!(r.status(), 200, "{}", r.text().await?);
    let read: FormDef = r.json().await?;
    assert_eq!(read.version(), "2025-x");
    assert_eq!(read.rows(), base.rows());

    // A province's sheet: the national rows and one of its own.
    let own = appendix_sheet(&[("13", "Lớp học tiếng Tà Ôi", "lớp/người")], None);
    let r = province
        .post_file(
            &admin::campaign("2025", "/forms?version=2025-hue&province=true"),
            SHEET,
            own.clone(),
        )
        .await?;
    assert_eq!(r.status(), 201, "{}", r.text().await?);
    let stored: FormDef = r.json().await?;
    assert_eq!(stored.extends(), Some("2025"));
    let row = stored.row(&"13".parse()?).expect("13");
    assert!(row.provincial);
    assert_eq!(stored.slot_count(), base.slot_count() + 2);
    let served: FormDef = province.get_json(&routes::form("2025-hue")).await?;
    assert_eq!(served.rows(), stored.rows());
    // Not a province's: a national form is the ministry's to add.
    let (status, body) = refusal(
        province
            .post_file(&check("version=2025-y"), SHEET, own)
            .await?,
    )
    .await?;
    assert_eq!(status, 403, "{body}");

    // No appendix in the sheet; a province rewording a national row; no version name.
    let tree = "Mã đơn vị,Tên đơn vị\nNB,Sở\n";
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in tree.lines().enumerate() {
        for (c, text) in line.split(',').enumerate() {
            sheet.write_string(r as u32, c as u16, text)?;
        }
    }
    let not_appendix = book.save_to_buffer()?;
    let reworded = appendix_sheet(
        &[("13", "Lớp học tiếng Tà Ôi", "lớp/người")],
        Some(("2", "Số bài báo")),
    );
    for (query, file, named) in [
        (
            "version=2025-z",
            not_appendix,
            "Không tìm thấy dòng tiêu đề",
        ),
        ("version=2025-z&province=true", reworded, "Dòng 2 của mẫu"),
        ("version=", appendix_sheet(&[], None), "phiên bản"),
        (
            "version=2025-z",
            b"not a zip".to_vec(),
            "Tệp Excel không đọc được",
        ),
    ] {
        let (status, body) = refusal(national.post_file(&check(query), SHEET, file).await?).await?;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("BAD_FORM")),
            "{query}"
        );
        let problems = body["problems"].to_string();
        assert!(problems.contains(named), "{query}: {problems}");
    }
    Ok(())
}
