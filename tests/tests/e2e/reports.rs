//! Reports over the API: sign-in, access, push exactly once, merge, conflicts, submit.
//! The real server on loopback with a fresh SQLite file per test.

use serde_json::{Value, json};
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer, refusal};
use tuanle_shared::wire::RefusalCode;
use tuanle_shared::wire::{
    Dashboard, Deadlines, History, PushAccepted, PushConflict, ReportState, ReportStatus, routes,
};

const SCHOOL: &str = "NB-HQ-TH";

fn report(action: &str) -> String {
    routes::report("2025", SCHOOL, action)
}

fn push_body(push_id: &str, base_version: u64, numbers: Value) -> Value {
    json!({"push_id": push_id, "device_id": "tablet-1", "base_version": base_version, "content": {"numbers": numbers}})
}

async fn reporter(server: &TestServer) -> ApiClient {
    ApiClient::sign_in(server, "nb-hq-th", DEMO_PASSWORD)
        .await
        .expect("demo reporter signs in")
}

/// A wrong password is refused in Vietnamese, and the session cookie of a right one is
/// HttpOnly and SameSite=Strict.
#[tokio::test]
async fn sign_in_checks_the_password_and_sets_a_strict_cookie() {
    let server = TestServer::spawn().await.expect("server");
    let client = ApiClient::new(&server);
    let response = client
        .post(
            routes::SESSION,
            &json!({"username": "nb-hq-th", "password": "sai"}),
        )
        .await
        .expect("answer");
    let (status, error) = refusal(response).await.expect("a refusal");
    assert_eq!((status, error.code), (401, RefusalCode::BadCredentials));
    assert_eq!(error.message, "Tên đăng nhập hoặc mật khẩu không đúng.");

    let response = client
        .post(
            routes::SESSION,
            &json!({"username": "NB-HQ-TH", "password": DEMO_PASSWORD}),
        )
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Max-Age="),
        "{cookie}"
    );
}

/// Signed out gets 401; a reporter reading or writing another unit's report gets 403;
/// a ward supervisor reads the reports below it and no other ward's, and writes its
/// schools' on their behalf; the province only reads them.
#[tokio::test]
async fn access_is_checked_on_every_report_endpoint() {
    let server = TestServer::spawn().await.expect("server");
    let anonymous = ApiClient::new(&server);
    let (status, error) = anonymous.get_refused(&report("")).await.expect("refused");
    assert_eq!((status, error.code), (401, RefusalCode::NotSignedIn));

    let other = ApiClient::sign_in(&server, "nb-hq-mn", DEMO_PASSWORD)
        .await
        .expect("sign in");
    let (status, error) = other.get_refused(&report("")).await.expect("refused");
    assert_eq!((status, error.code), (403, RefusalCode::Forbidden));
    let (status, _) = other
        .post_refused(&report("push"), &push_body("p-1", 0, json!({})))
        .await
        .expect("refused");
    assert_eq!(status, 403);

    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD)
        .await
        .expect("sign in");
    assert_eq!(ward.get(&report("")).await.expect("answer").status(), 200);
    assert_eq!(
        ward.get(&report("history")).await.expect("answer").status(),
        200
    );
    // The ward enters a school's report on its behalf ("nhập hộ"); nobody else above does.
    assert_eq!(
        ward.post(&report("push"), &push_body("p-2", 0, json!({})))
            .await
            .expect("answer")
            .status(),
        200,
        "the direct parent's supervisor enters it on its behalf"
    );
    let other_ward = ApiClient::sign_in(&server, "nb-hl", DEMO_PASSWORD)
        .await
        .expect("sign in");
    assert_eq!(
        other_ward.get(&report("")).await.expect("answer").status(),
        403
    );
    let (status, _) = other_ward
        .post_refused(&report("push"), &push_body("p-3", 1, json!({})))
        .await
        .expect("refused");
    assert_eq!(status, 403, "another ward does not write it");
    let province = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD)
        .await
        .expect("sign in");
    assert_eq!(
        province.get(&report("")).await.expect("answer").status(),
        200
    );
    let (status, _) = province
        .post_refused(&report("push"), &push_body("p-4", 1, json!({})))
        .await
        .expect("refused");
    assert_eq!(status, 403, "two levels up only reads it");

    let me = reporter(&server).await;
    assert_eq!(
        me.delete(routes::SESSION).await.expect("sign out").status(),
        204
    );
    assert_eq!(
        me.get(&report("")).await.expect("answer").status(),
        401,
        "the session is gone"
    );
}

/// The same push sent twice (its answer was lost) is applied once: one version, and the
/// second answer is the first one.
#[tokio::test]
async fn a_push_sent_twice_is_applied_once() {
    let server = TestServer::spawn().await.expect("server");
    let me = reporter(&server).await;
    let body = push_body("push-0001", 0, json!({"1.3/count": 2, "1.3/persons": 40}));
    let first: PushAccepted = me.post_json(&report("push"), &body).await.expect("answer");
    let second: PushAccepted = me.post_json(&report("push"), &body).await.expect("answer");
    assert_eq!(first.version, 1);
    assert_eq!(second, first);
    let history: History = me.get_json(&report("history")).await.expect("answer");
    assert_eq!(history.versions.len(), 1);
    assert_eq!(history.versions[0].device_id, "tablet-1");
    assert_eq!(history.versions[0].username, "nb-hq-th");
}

/// Two devices edit different cells from the same version: both edits are kept, and the
/// second is told which cells came from the first. Then the same cell differently: a
/// conflict, nothing written.
#[tokio::test]
async fn concurrent_pushes_merge_per_cell_or_conflict() {
    let server = TestServer::spawn().await.expect("server");
    let me = reporter(&server).await;
    let v1: PushAccepted = me
        .post_json(
            &report("push"),
            &push_body("a-1", 0, json!({"2/count": 1, "3/count": 1})),
        )
        .await
        .expect("answer");
    let v2: PushAccepted = me
        .post_json(
            &report("push"),
            &push_body("a-2", v1.version, json!({"2/count": 5, "3/count": 1})),
        )
        .await
        .expect("a");
    let v3: PushAccepted = me
        .post_json(
            &report("push"),
            &push_body("b-1", v1.version, json!({"2/count": 1, "3/count": 7})),
        )
        .await
        .expect("a");
    assert_eq!(v3.version, v2.version + 1);
    let numbers = serde_json::to_value(&v3.content).expect("json");
    assert_eq!(numbers, json!({"numbers": {"2/count": 5, "3/count": 7}}));
    assert_eq!(
        v3.from_theirs
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["2/count"]
    );

    let response = me
        .post(
            &report("push"),
            &push_body("b-2", v1.version, json!({"2/count": 9, "3/count": 7})),
        )
        .await
        .expect("a");
    assert_eq!(response.status(), 409);
    let conflict: PushConflict = response.json().await.expect("conflict body");
    assert_eq!(conflict.code, RefusalCode::Conflict);
    assert_eq!(conflict.version, v3.version);
    assert_eq!(conflict.conflicts.len(), 1);
    assert_eq!(conflict.conflicts[0].cell.to_string(), "2/count");
    assert_eq!(conflict.changed_by, "Trường Tiểu học Hồng Quang");
    let state: ReportState = me.get_json(&report("")).await.expect("answer");
    assert_eq!(state.version, v3.version, "a conflict writes nothing");
}

/// Pushes sent at the same moment are written together (one transaction for all that
/// queued) and each keeps its own outcome: edits of different cells merge, a retry
/// racing its original gets the same answer and is stored once, a conflict is refused
/// without taking the others down, and another school's push lands in its own report.
#[tokio::test]
async fn pushes_sent_at_once_each_keep_their_outcome() {
    let server = TestServer::spawn().await.expect("server");
    let me = reporter(&server).await;
    let neighbour = ApiClient::sign_in(&server, "nb-hq-mn", DEMO_PASSWORD)
        .await
        .expect("another school");
    let v1: PushAccepted = me
        .post_json(
            &report("push"),
            &push_body("base", 0, json!({"2/count": 1})),
        )
        .await
        .expect("answer");
    let v2: PushAccepted = me
        .post_json(
            &report("push"),
            &push_body("five", v1.version, json!({"2/count": 5})),
        )
        .await
        .expect("answer");
    let cells = ["1.3/count", "1.3/persons", "3/count", "1.2/count"];
    let bodies: Vec<Value> = cells
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            push_body(
                &format!("d-{i}"),
                v2.version,
                json!({"2/count": 5, *cell: i + 1}),
            )
        })
        .collect();
    let retry = push_body("d-0", v2.version, json!({"2/count": 5, "1.3/count": 1}));
    let conflicting = push_body("x", v1.version, json!({"2/count": 9}));
    let elsewhere = push_body("n-1", 0, json!({"2/count": 3}));
    let neighbour_report = routes::report("2025", "NB-HQ-MN", "push");
    let push = report("push");
    let (d0, d1, d2, d3, retried, conflict, other) = tokio::join!(
        me.post(&push, &bodies[0]),
        me.post(&push, &bodies[1]),
        me.post(&push, &bodies[2]),
        me.post(&push, &bodies[3]),
        me.post(&push, &retry),
        me.post(&push, &conflicting),
        neighbour.post(&neighbour_report, &elsewhere),
    );
    let mut accepted = Vec::new();
    for answer in [d0, d1, d2, d3] {
        let answer = answer.expect("answer");
        assert_eq!(answer.status(), 200);
        accepted.push(answer.json::<PushAccepted>().await.expect("accepted"));
    }
    let retried = retried.expect("answer");
    assert_eq!(retried.status(), 200);
    let retried: PushAccepted = retried.json().await.expect("accepted");
    assert_eq!(retried, accepted[0], "a retry gets its original's answer");
    assert_eq!(conflict.expect("answer").status(), 409);
    let other = other.expect("answer");
    assert_eq!(other.status(), 200);
    assert_eq!(other.json::<PushAccepted>().await.expect("ok").version, 1);

    let state: ReportState = me.get_json(&report("")).await.expect("answer");
    let numbers = serde_json::to_value(&state.content).expect("json");
    assert_eq!(
        numbers,
        json!({"numbers": {"2/count": 5, "1.3/count": 1, "1.3/persons": 2, "3/count": 3, "1.2/count": 4}})
    );
    let history: History = me.get_json(&report("history")).await.expect("answer");
    assert_eq!(
        history.versions.len(),
        2 + cells.len(),
        "each push stored once"
    );
    assert_eq!(state.version, v2.version + cells.len() as u64);
}

/// A number past its cell's bound is refused with its own code and its row in
/// Vietnamese (not a server error), writes nothing, and leaves the report usable. The
/// measured failure: `10.1 = u64::MAX` and `10.2 = 1` were accepted and then made every
/// export above the school answer 500.
#[tokio::test]
async fn a_number_past_its_bound_is_refused_with_its_row() {
    let server = TestServer::spawn().await.expect("server");
    let me = reporter(&server).await;
    let form = tuanle_shared::form::builtin("2025").expect("form");
    let money = form.bounds().money;
    for (i, (cell, value)) in [
        ("10.1/count", u64::MAX),
        ("10.1/count", money + 1),
        ("1.3/persons", form.bounds().persons + 1),
        ("2/count", form.bounds().count + 1),
    ]
    .into_iter()
    .enumerate()
    {
        let (status, error) = me
            .post_refused(
                &report("push"),
                &push_body(
                    &format!("huge-{i}"),
                    0,
                    json!({cell: value, "10.2/count": 1}),
                ),
            )
            .await
            .expect("refused");
        assert_eq!(
            (status, error.code),
            (400, RefusalCode::AboveBound),
            "{cell}"
        );
        let row = cell.split('/').next().unwrap_or_default();
        assert!(
            error.message.contains(&format!("Dòng {row}")) && error.message.contains("tối đa"),
            "{}",
            error.message
        );
    }
    let at_bound: PushAccepted = me
        .post_json(
            &report("push"),
            &push_body(
                "at-bound",
                0,
                json!({"10.1/count": money, "10.2/count": money}),
            ),
        )
        .await
        .expect("a value at its bound is fine");
    assert_eq!(at_bound.version, 1, "the refused pushes wrote nothing");
}

/// Content that does not fit the form is refused with its precise code.
#[tokio::test]
async fn content_outside_the_form_is_refused_precisely() {
    let server = TestServer::spawn().await.expect("server");
    let me = reporter(&server).await;
    let cases = [
        (json!({"4.1/persons": 3}), "PERSONS_NOT_ALLOWED"),
        (json!({"1/count": 3}), "NOT_TYPED"),
        (json!({"99/count": 3}), "UNKNOWN_CODE"),
    ];
    for (i, (numbers, code)) in cases.into_iter().enumerate() {
        let body = json!({"push_id": format!("bad-{i}"), "device_id": "t", "base_version": 0, "content": {"numbers": numbers}});
        let (status, error) = me
            .post_refused(&report("push"), &body)
            .await
            .expect("refused");
        assert_eq!((status, error.code.as_str()), (400, code));
    }
    let body = json!({"push_id": "x", "device_id": "t", "base_version": 0, "content": {"numbers": {"2/count": -1}}});
    let (status, error) = me
        .post_refused(&report("push"), &body)
        .await
        .expect("refused");
    assert_eq!((status, error.code), (400, RefusalCode::BadFields));
}

/// Submission: errors block with the list, warnings need acknowledging, after the
/// deadline it is accepted and marked late, and then pushes are refused as locked.
#[tokio::test]
async fn submission_is_validated_marked_late_and_locks_the_report() {
    let server = TestServer::spawn().await.expect("server");
    let me = reporter(&server).await;
    let submit = |version: u64, ack: bool| json!({"version": version, "device_id": "tablet-1", "acknowledge_warnings": ack});

    let v1: PushAccepted = me
        .post_json(
            &report("push"),
            &push_body("s-1", 0, json!({"1.3/persons": 30})),
        )
        .await
        .expect("a");
    let (status, error) = me
        .post_refused(&report("submit"), &submit(v1.version, true))
        .await
        .expect("refused");
    assert_eq!((status, error.code), (422, RefusalCode::ValidationFailed));
    assert_eq!(error.issues.len(), 1);
    assert_eq!(error.issues[0].cell, "1.3/count");
    assert_eq!(error.issues[0].code, "PERSONS_WITHOUT_COUNT");

    let v2: PushAccepted = me
        .post_json(
            &report("push"),
            &push_body(
                "s-2",
                v1.version,
                json!({"1.3/count": 40, "1.3/persons": 30}),
            ),
        )
        .await
        .expect("a");
    let (status, error) = me
        .post_refused(&report("submit"), &submit(v2.version, false))
        .await
        .expect("refused");
    assert_eq!(
        (status, error.code.as_str()),
        (422, "WARNINGS_NOT_ACKNOWLEDGED")
    );
    let (status, error) = me
        .post_refused(&report("submit"), &submit(v1.version, true))
        .await
        .expect("refused");
    assert_eq!((status, error.code), (409, RefusalCode::StaleVersion));

    // The demo campaign's school deadline (16/10/2025) is long past.
    let state: ReportState = me
        .post_json(&report("submit"), &submit(v2.version, true))
        .await
        .expect("a");
    assert_eq!(state.status, ReportStatus::Submitted);
    assert!(state.late);

    let (status, error) = me
        .post_refused(
            &report("push"),
            &push_body("s-3", v2.version, json!({"2/count": 1})),
        )
        .await
        .expect("refused");
    assert_eq!((status, error.code), (423, RefusalCode::ReportLocked));
    let history: History = me.get_json(&report("history")).await.expect("a");
    assert_eq!(history.events.len(), 1);
    assert_eq!(history.events[0].kind, "submit");
    assert!(history.events[0].late);
}

/// Before the deadline a submission is on time.
#[tokio::test]
async fn a_submission_before_the_deadline_is_on_time() {
    let server = TestServer::spawn().await.expect("server");
    let db = server.db().await.expect("db");
    sqlx::query("UPDATE deadlines SET due_on = '2999-12-31'")
        .execute(&db)
        .await
        .expect("move the deadline");
    let me = reporter(&server).await;
    let v1: PushAccepted = me
        .post_json(&report("push"), &push_body("t-1", 0, json!({"2/count": 3})))
        .await
        .expect("a");
    let state: ReportState = me
        .post_json(
            &report("submit"),
            &json!({"version": v1.version, "device_id": "tablet-1"}),
        )
        .await
        .expect("a");
    assert_eq!(state.status, ReportStatus::Submitted);
    assert!(!state.late);
}

/// A ward supervisor returns a submitted report with a reason: the reporter reads it
/// and can edit and resubmit; approval then locks the report for good. Supervisors of
/// other wards, and reporters, cannot review.
#[tokio::test]
async fn return_and_approve_are_the_supervisors() {
    let server = TestServer::spawn().await.expect("server");
    let me = reporter(&server).await;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD)
        .await
        .expect("ward");
    let other_ward = ApiClient::sign_in(&server, "nb-hl", DEMO_PASSWORD)
        .await
        .expect("other ward");
    let reason = json!({"reason": "Thiếu số liệu dòng 5"});

    let (status, error) = ward
        .post_refused(&report("return"), &reason)
        .await
        .expect("refused");
    assert_eq!((status, error.code), (409, RefusalCode::NotSubmitted));

    let v1: PushAccepted = me
        .post_json(&report("push"), &push_body("r-1", 0, json!({"2/count": 3})))
        .await
        .expect("a");
    let submit =
        json!({"version": v1.version, "device_id": "tablet-1", "acknowledge_warnings": true});
    assert_eq!(
        me.post(&report("submit"), &submit)
            .await
            .expect("a")
            .status(),
        200
    );

    assert_eq!(
        other_ward
            .post(&report("return"), &reason)
            .await
            .expect("a")
            .status(),
        403
    );
    assert_eq!(
        me.post(&report("approve"), &json!({}))
            .await
            .expect("a")
            .status(),
        403
    );
    let (status, error) = ward
        .post_refused(&report("return"), &json!({"reason": "  "}))
        .await
        .expect("refused");
    assert_eq!((status, error.code), (400, RefusalCode::ReasonRequired));
    let returned: ReportState = ward.post_json(&report("return"), &reason).await.expect("a");
    assert_eq!(returned.status, ReportStatus::Returned);

    let seen: ReportState = me.get_json(&report("")).await.expect("a");
    assert_eq!(seen.return_reason.as_deref(), Some("Thiếu số liệu dòng 5"));
    let v2: PushAccepted = me
        .post_json(
            &report("push"),
            &push_body("r-2", v1.version, json!({"2/count": 3, "5.1/count": 2})),
        )
        .await
        .expect("a");
    let resubmit =
        json!({"version": v2.version, "device_id": "tablet-1", "acknowledge_warnings": true});
    assert_eq!(
        me.post(&report("submit"), &resubmit)
            .await
            .expect("a")
            .status(),
        200
    );

    let approved: ReportState = ward
        .post_json(&report("approve"), &json!({}))
        .await
        .expect("a");
    assert_eq!(approved.status, ReportStatus::Approved);
    let (status, error) = me
        .post_refused(
            &report("push"),
            &push_body("r-3", v2.version, json!({"2/count": 4})),
        )
        .await
        .expect("refused");
    assert_eq!((status, error.code), (423, RefusalCode::ReportLocked));
    let history: History = me.get_json(&report("history")).await.expect("a");
    let kinds: Vec<&str> = history.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["submit", "return", "submit", "approve"]);
    assert_eq!(
        history.events[1].reason.as_deref(),
        Some("Thiếu số liệu dòng 5")
    );
}

/// Review goes through the direct parent: the province reads a school's report but
/// neither returns nor approves it (`NOT_DIRECT_PARENT`), which leaves it as it was; the
/// ward does. Each reader's `review_refusal` says what they may do, and a closed
/// campaign takes no review at all.
#[tokio::test]
async fn review_goes_through_the_direct_parent() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let me = reporter(&server).await;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let province = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD).await?;
    let v1: PushAccepted = me
        .post_json(&report("push"), &push_body("d-1", 0, json!({"2/count": 3})))
        .await?;
    let submit =
        json!({"version": v1.version, "device_id": "tablet-1", "acknowledge_warnings": true});
    assert_eq!(me.post(&report("submit"), &submit).await?.status(), 200);

    let reason = json!({"reason": "Thiếu số liệu dòng 5"});
    for (action, body) in [("return", &reason), ("approve", &json!({}))] {
        let (status, error) = province.post_refused(&report(action), body).await?;
        assert_eq!(
            (status, error.code),
            (403, RefusalCode::NotDirectParent),
            "{action}"
        );
        assert!(
            error.message.contains("cấp trên trực tiếp"),
            "{}",
            error.message
        );
    }
    let read: ReportState = province.get_json(&report("")).await?;
    assert_eq!(
        read.status,
        ReportStatus::Submitted,
        "the refusals changed nothing"
    );
    assert_eq!(read.review_refusal, Some(RefusalCode::NotDirectParent));
    let history: History = province.get_json(&report("history")).await?;
    assert_eq!(history.events.len(), 1, "only the submission");
    let as_ward: ReportState = ward.get_json(&report("")).await?;
    assert_eq!(as_ward.review_refusal, None);
    let own: ReportState = me.get_json(&report("")).await?;
    assert_eq!(own.review_refusal, Some(RefusalCode::Forbidden));
    // The ward's own report is the province's to review.
    let ward_report: ReportState = province
        .get_json(&routes::report("2025", "NB-HQ", ""))
        .await?;
    assert_eq!(ward_report.review_refusal, None);

    let admin = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    admin.set_campaign_open("2025", false).await?;
    let closed: ReportState = ward.get_json(&report("")).await?;
    assert_eq!(closed.review_refusal, Some(RefusalCode::CampaignClosed));
    let (status, error) = ward.post_refused(&report("approve"), &json!({})).await?;
    assert_eq!((status, error.code), (423, RefusalCode::CampaignClosed));
    admin.set_campaign_open("2025", true).await?;
    let approved: ReportState = ward.post_json(&report("approve"), &json!({})).await?;
    assert_eq!(approved.status, ReportStatus::Approved);
    Ok(())
}

/// A state change needs a JSON body (so no cross-site form can make one), and a body
/// over the limit is refused with its own code.
#[tokio::test]
async fn bodies_must_be_json_and_not_too_large() {
    let server = TestServer::spawn().await.expect("server");
    let http = reqwest::Client::new();
    let response = http
        .post(server.url(routes::SESSION))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=nb-hq-th&password=tuanle2025")
        .send()
        .await
        .expect("answer");
    let (status, error) = refusal(response).await.expect("a refusal");
    assert_eq!((status, error.code), (415, RefusalCode::NotJson));

    let me = reporter(&server).await;
    let huge = "x".repeat(3 * 1024 * 1024);
    let body = json!({"push_id": "big", "device_id": "t", "base_version": 0, "content": {"texts": {"I.1/text": huge}}});
    let (status, error) = me
        .post_refused(&report("push"), &body)
        .await
        .expect("refused");
    assert_eq!((status, error.code), (413, RefusalCode::TooLarge));

    let response = http
        .post(server.url(routes::SESSION))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("answer");
    let (status, error) = refusal(response).await.expect("a refusal");
    assert_eq!((status, error.code), (400, RefusalCode::BadJson));
}

/// A body read strictly: a key given twice, an array sent for an object, are refused,
/// and refused pushes leave the report as it was (`"content": []` used to empty it).
#[tokio::test]
async fn a_key_twice_or_an_array_for_an_object_is_refused_and_writes_nothing() {
    let server = TestServer::spawn().await.expect("server");
    let me = reporter(&server).await;
    let first: PushAccepted = me
        .post_json(
            &report("push"),
            &push_body("strict-1", 0, json!({"2/count": 3})),
        )
        .await
        .expect("accepted");
    let raw = |body: &str| body.as_bytes().to_vec();
    for (body, code) in [
        (
            r#"{"push_id": "strict-2", "device_id": "t", "base_version": 1, "content": []}"#,
            RefusalCode::BadFields,
        ),
        (
            r#"["strict-3", "t", 1, {"numbers": {}}]"#,
            RefusalCode::BadFields,
        ),
        (
            r#"{"push_id": "strict-4", "device_id": "t", "base_version": 1,
                "content": {"numbers": {"2/count": 1, "2/count": 5}}}"#,
            RefusalCode::DuplicateKey,
        ),
        (
            r#"{"push_id": "strict-5", "push_id": "strict-6", "device_id": "t", "base_version": 1, "content": {}}"#,
            RefusalCode::DuplicateKey,
        ),
    ] {
        let r = me
            .post_file(&report("push"), "application/json", raw(body))
            .await
            .expect("answer");
        let (status, e) = tuanle_e2e::refusal(r).await.expect("refused");
        assert_eq!((status, e.code), (400, code), "{body}");
    }
    let now: ReportState = me.get_json(&report("")).await.expect("state");
    assert_eq!(now.version, first.version, "nothing written");
    assert_eq!(now.content, first.content, "nothing emptied");
}

/// Deadlines set level by level: the ward gives its schools an earlier deadline than the
/// campaign's, which the school reads and its submission is judged against; a school of
/// another ward keeps the campaign's. Only the ward's own supervisor sets it, never past
/// the ward's own deadline; clearing it gives the campaign's back.
#[tokio::test]
async fn each_level_sets_its_childrens_deadline() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let db = server.db().await?;
    sqlx::query("UPDATE deadlines SET due_on = '2999-12-31'")
        .execute(&db)
        .await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let province = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD).await?;
    let me = reporter(&server).await;
    let path = routes::children_deadline("2025", "NB-HQ");

    for (caller, code) in [
        (&province, RefusalCode::Forbidden),
        (&me, RefusalCode::Forbidden),
    ] {
        let r = caller
            .send(
                reqwest::Method::PUT,
                &path,
                Some(&json!({"due_on": "2025-10-14"})),
            )
            .await?;
        let (status, e) = refusal(r).await?;
        assert_eq!((status, e.code), (403, code));
    }
    for (due_on, code) in [
        ("3000-01-01", RefusalCode::BadDeadlines),
        ("2025-02-30", RefusalCode::BadDate),
        ("14/10/2025", RefusalCode::BadDate),
    ] {
        let r = ward
            .send(
                reqwest::Method::PUT,
                &path,
                Some(&json!({ "due_on": due_on })),
            )
            .await?;
        let (status, e) = refusal(r).await?;
        assert_eq!((status, e.code), (400, code), "{due_on}: {}", e.message);
    }
    let set: Deadlines = ward
        .expect(
            reqwest::Method::PUT,
            &path,
            Some(&json!({"due_on": "2025-10-14"})),
            200,
        )
        .await?;
    assert_eq!(
        set,
        Deadlines {
            own: Some("2999-12-31".into()),
            children_by_campaign: Some("2999-12-31".into()),
            children_set: Some("2025-10-14".into()),
        }
    );
    let dashboard: Dashboard = ward
        .get_json(&routes::dashboard("2025", "NB-HQ", false))
        .await?;
    assert_eq!(dashboard.deadlines, set);

    // The school reads its ward's deadline, and is late against it.
    let read: ReportState = me.get_json(&report("")).await?;
    assert_eq!(read.deadline.as_deref(), Some("2025-10-14"));
    let v1: PushAccepted = me
        .post_json(
            &report("push"),
            &push_body("dl-1", 0, json!({"2/count": 3})),
        )
        .await?;
    let late: ReportState = me
        .post_json(
            &report("submit"),
            &json!({"version": v1.version, "device_id": "tablet-1", "acknowledge_warnings": true}),
        )
        .await?;
    assert!(late.late, "judged against the ward's deadline");
    // A school of another ward keeps the campaign's deadline: on time.
    let other = ApiClient::sign_in(&server, "nb-hl-th", DEMO_PASSWORD).await?;
    let theirs = |a: &str| routes::report("2025", "NB-HL-TH", a);
    let v1: PushAccepted = other
        .post_json(
            &theirs("push"),
            &push_body("dl-2", 0, json!({"2/count": 3})),
        )
        .await?;
    let on_time: ReportState = other
        .post_json(
            &theirs("submit"),
            &json!({"version": v1.version, "device_id": "tablet-2", "acknowledge_warnings": true}),
        )
        .await?;
    assert_eq!(on_time.deadline.as_deref(), Some("2999-12-31"));
    assert!(!on_time.late);

    // The province then moves the wards' deadline before the one the ward gave its
    // schools: the schools' applies no later than their ward's own.
    let _: Deadlines = province
        .expect(
            reqwest::Method::PUT,
            &routes::children_deadline("2025", "NB"),
            Some(&json!({"due_on": "2025-10-12"})),
            200,
        )
        .await?;
    let read: ReportState = me.get_json(&report("")).await?;
    assert_eq!(read.deadline.as_deref(), Some("2025-10-12"));
    let dashboard: Dashboard = ward
        .get_json(&routes::dashboard("2025", "NB-HQ", false))
        .await?;
    assert_eq!(
        (
            dashboard.deadlines.own.as_deref(),
            dashboard.deadlines.children_set.as_deref()
        ),
        (Some("2025-10-12"), Some("2025-10-12"))
    );

    let cleared: Deadlines = ward
        .expect(
            reqwest::Method::PUT,
            &path,
            Some(&json!({"due_on": null})),
            200,
        )
        .await?;
    assert_eq!(cleared.children_set, None);
    // The campaign's level deadline again, but still not after the ward's own.
    let read: ReportState = me.get_json(&report("")).await?;
    assert_eq!(read.deadline.as_deref(), Some("2025-10-12"));

    // The province's own deadline moves earlier still, two levels above the school: it
    // caps the school's, and the ward's children's as the ward's dashboard shows them.
    sqlx::query(
        "UPDATE deadlines SET due_on = '2025-10-10'
         WHERE depth = (SELECT depth FROM units WHERE code = 'NB' LIMIT 1)",
    )
    .execute(&db)
    .await?;
    let read: ReportState = me.get_json(&report("")).await?;
    assert_eq!(read.deadline.as_deref(), Some("2025-10-10"));
    let dashboard: Dashboard = ward
        .get_json(&routes::dashboard("2025", "NB-HQ", false))
        .await?;
    assert_eq!(
        (
            dashboard.deadlines.own.as_deref(),
            dashboard.deadlines.children_by_campaign.as_deref()
        ),
        (Some("2025-10-10"), Some("2025-10-10"))
    );
    // The ward's missing list says the same deadline the schools read: capped by the
    // province's, two levels up.
    let missing: tuanle_shared::wire::MissingUnits = ward
        .get_json(&routes::dashboard_missing("2025", "NB-HQ", 0, 50))
        .await?;
    assert!(
        !missing.units.is_empty(),
        "the ward's other schools are missing"
    );
    for (unit, detail) in missing.units.iter().zip(&missing.details) {
        assert_eq!(
            detail.deadline.as_deref(),
            Some("2025-10-10"),
            "{}",
            unit.code
        );
    }
    Ok(())
}

/// Comments on cells (issue 20): a return marks cells, each with its comment; the school
/// reads them with its report, answers one and fixes the other; the ward sees both
/// settled, and comments again without a return on the approved report. A comment on a
/// cell the form does not type, another school's answer, a lowercase unit code in the
/// path, and an answer to another report's comment are each told apart.
#[tokio::test]
async fn comments_on_cells_are_answered_or_fixed() -> anyhow::Result<()> {
    use tuanle_shared::wire::{CellComment, Settled};
    let server = TestServer::spawn().await?;
    let me = reporter(&server).await;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let v1: PushAccepted = me
        .post_json(
            &report("push"),
            &push_body(
                "c-1",
                0,
                json!({"1.3/count": 5, "1.3/persons": 6, "2/count": 3}),
            ),
        )
        .await?;
    let submit =
        |v: u64| json!({"version": v, "device_id": "tablet-1", "acknowledge_warnings": true});
    let _: ReportState = me.post_json(&report("submit"), &submit(v1.version)).await?;

    // Nothing is written when one comment of a return is wrong.
    let (status, error) = ward
        .post_refused(
            &report("return"),
            &json!({"reason": "Xem lại", "comments": [
                {"cell": "1.3/persons", "text": "Quá thấp"},
                {"cell": "1/count", "text": "Dòng tổng"}]}),
        )
        .await?;
    assert_eq!((status, error.code), (400, RefusalCode::BadComment));
    assert!(error.message.contains("1/count"), "{}", error.message);
    let still: ReportState = me.get_json(&report("")).await?;
    assert_eq!(
        (still.status, still.comments.len()),
        (ReportStatus::Submitted, 0)
    );

    // A lowercase unit code names the same report.
    let lower = routes::report("2025", &SCHOOL.to_lowercase(), "return");
    let returned: ReportState = ward
        .post_json(
            &lower,
            &json!({"reason": "Xem lại hai ô", "comments": [
                {"cell": "1.3/persons", "text": "Số người quá thấp so với số lớp"},
                {"cell": "2/count", "text": "Số bài viết có đúng không?"}]}),
        )
        .await?;
    assert_eq!(returned.status, ReportStatus::Returned);
    let seen: ReportState = me.get_json(&report("")).await?;
    let by_cell = |s: &ReportState, cell: &str| -> anyhow::Result<CellComment> {
        s.comments
            .iter()
            .find(|c| c.cell == cell)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no comment on {cell}"))
    };
    let persons = by_cell(&seen, "1.3/persons")?;
    let articles = by_cell(&seen, "2/count")?;
    assert!(persons.with_return && !persons.comment.display_name.is_empty());
    assert_eq!(persons.on_version, v1.version);
    assert_eq!(persons.settled(&seen.content), Settled::Open);

    // Only the unit's own staff answer, and only their own report's comments.
    let other = ApiClient::sign_in(&server, "nb-hl", DEMO_PASSWORD).await?;
    let answer_path = |id: i64| report(&format!("comments/{id}/answer"));
    let (status, _) = other
        .post_refused(&answer_path(articles.id), &json!({"text": "?"}))
        .await?;
    assert_eq!(status, 403);
    let (status, _) = me
        .post_refused(&answer_path(articles.id + 1000), &json!({"text": "?"}))
        .await?;
    assert_eq!(status, 404);
    let (status, error) = me
        .post_refused(&answer_path(articles.id), &json!({"text": "  "}))
        .await?;
    assert_eq!((status, error.code), (400, RefusalCode::BadComment));

    let answered: ReportState = me
        .post_json(&answer_path(articles.id), &json!({"text": "Đúng là 3 bài"}))
        .await?;
    assert_eq!(
        by_cell(&answered, "2/count")?
            .answer
            .map(|a| a.text)
            .as_deref(),
        Some("Đúng là 3 bài")
    );
    let v2: PushAccepted = me
        .post_json(
            &report("push"),
            &push_body(
                "c-2",
                v1.version,
                json!({"1.3/count": 5, "1.3/persons": 60, "2/count": 3}),
            ),
        )
        .await?;
    let _: ReportState = me.post_json(&report("submit"), &submit(v2.version)).await?;

    let reviewed: ReportState = ward.get_json(&report("")).await?;
    assert_eq!(
        by_cell(&reviewed, "1.3/persons")?.settled(&reviewed.content),
        Settled::Fixed
    );
    assert_eq!(
        by_cell(&reviewed, "2/count")?.settled(&reviewed.content),
        Settled::Answered
    );

    // Approved, then a comment for next year, without a return.
    let _: ReportState = ward.post_json(&report("approve"), &json!({})).await?;
    let commented: ReportState = ward
        .post_json(
            &report("comments"),
            &json!({"cell": "1.3/note", "text": "Năm sau ghi rõ tên lớp"}),
        )
        .await?;
    assert_eq!(commented.status, ReportStatus::Approved);
    assert!(!by_cell(&commented, "1.3/note")?.with_return);
    // The school may not comment on its own report.
    let (status, _) = me
        .post_refused(
            &report("comments"),
            &json!({"cell": "2/count", "text": "?"}),
        )
        .await?;
    assert_eq!(status, 403);

    let history: History = me.get_json(&report("history")).await?;
    assert_eq!(history.comments.len(), 3);
    assert_eq!(
        history
            .events
            .iter()
            .map(|e| e.kind.as_str())
            .collect::<Vec<_>>(),
        ["submit", "return", "submit", "approve"]
    );
    Ok(())
}

/// Last year beside this year (issue 20): the comparison reads the unit's report of the
/// earlier campaign only once it was submitted; a draft left unsent is no figure.
#[tokio::test]
async fn last_year_is_the_submitted_report_only() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let admin = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    admin.set_campaign_open("2023", true).await?;
    let me = reporter(&server).await;
    let earlier = |action: &str| routes::report("2023", SCHOOL, action);
    let v: PushAccepted = me
        .post_json(
            &earlier("push"),
            &push_body("y-1", 0, json!({"2/count": 4})),
        )
        .await?;
    let now: ReportState = me.get_json(&report("")).await?;
    assert_eq!(now.reference.last_year, None, "a draft is no figure");
    let _: ReportState = me
        .post_json(
            &earlier("submit"),
            &json!({"version": v.version, "device_id": "tablet-1", "acknowledge_warnings": true}),
        )
        .await?;
    let now: ReportState = me.get_json(&report("")).await?;
    let last = now
        .reference
        .last_year
        .expect("the submitted report of 2023");
    assert_eq!(last.year, 2023);
    assert_eq!(last.content.numbers.len(), 1);
    // Far above it is a warning at submission, as the app shows it.
    let pushed: PushAccepted = me
        .post_json(
            &report("push"),
            &push_body("y-2", 0, json!({"2/count": 400})),
        )
        .await?;
    let (status, error) = me
        .post_refused(
            &report("submit"),
            &json!({"version": pushed.version, "device_id": "tablet-1"}),
        )
        .await?;
    assert_eq!(
        (status, error.code),
        (422, RefusalCode::WarningsNotAcknowledged)
    );
    let issues = error.issues;
    assert!(
        issues
            .iter()
            .any(|i| i.code == "FAR_ABOVE_PREVIOUS_YEAR" && i.cell == "2/count"),
        "{issues:?}"
    );
    Ok(())
}

/// Outliers against peers (issue 20): with ten primary schools of the province in, a
/// value fifty times theirs is flagged, in the reference the app reads and at the
/// server's submission; a row most of them leave at 0 flags nothing on an ordinary value.
#[tokio::test]
async fn a_value_far_above_its_peers_is_flagged_and_a_sparse_row_is_not() -> anyhow::Result<()> {
    use tuanle_shared::validate::validate_against;
    let server = TestServer::spawn().await?;
    let admin = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    // Ten schools: 8 to 12 classes of 1.3 each; row 5.1 reported by three of them only.
    let peers: Vec<Value> = (0..10)
        .map(|i| {
            let mut numbers = json!({"1.3/count": 8 + i % 5, "1.3/persons": 100 + i});
            if i < 3 {
                numbers["5.1/count"] = json!(1 + i);
            }
            numbers
        })
        .collect();
    tuanle_e2e::submit_peer_schools(&admin, &ward, &peers).await?;
    let me = reporter(&server).await;
    let state: ReportState = me.get_json(&report("")).await?;
    let form = tuanle_shared::form::builtin("2025").expect("form");
    let fence = state
        .reference
        .peers
        .iter()
        .find(|(c, _)| c.to_string() == "1.3/count")
        .map(|(_, f)| *f)
        .expect("a fence for 1.3");
    assert_eq!(
        (fence.peers, fence.median, fence.last_year),
        (10, 10, false)
    );
    assert!(
        !state
            .reference
            .peers
            .keys()
            .any(|c| c.to_string() == "5.1/count"),
        "three schools are too few for a fence"
    );
    let content = |numbers: Value| -> anyhow::Result<tuanle_shared::Content> {
        Ok(serde_json::from_value(json!({ "numbers": numbers }))?)
    };
    let flagged = validate_against(
        form,
        &content(json!({"1.3/count": 500, "1.3/persons": 1000, "5.1/count": 2}))?,
        &state.reference,
    );
    let codes: Vec<&str> = flagged.iter().map(|i| i.code()).collect();
    assert_eq!(codes, ["FAR_ABOVE_PEERS"], "{flagged:?}");
    assert!(
        flagged[0]
            .message()
            .starts_with("Cao bất thường so với các đơn vị cùng loại"),
        "{}",
        flagged[0].message()
    );

    let pushed: PushAccepted = me
        .post_json(
            &report("push"),
            &push_body(
                "o-1",
                0,
                json!({"1.3/count": 500, "1.3/persons": 1000, "5.1/count": 2}),
            ),
        )
        .await?;
    let (status, error) = me
        .post_refused(
            &report("submit"),
            &json!({"version": pushed.version, "device_id": "tablet-1"}),
        )
        .await?;
    assert_eq!(
        (status, error.code),
        (422, RefusalCode::WarningsNotAcknowledged)
    );
    let issues = error.issues;
    assert_eq!(
        issues
            .iter()
            .map(|i| (i.code.as_str(), i.cell.as_str()))
            .collect::<Vec<_>>(),
        [("FAR_ABOVE_PEERS", "1.3/count")]
    );
    // An ordinary value is not flagged.
    let pushed: PushAccepted = me
        .post_json(
            &report("push"),
            &push_body(
                "o-2",
                pushed.version,
                json!({"1.3/count": 12, "1.3/persons": 130}),
            ),
        )
        .await?;
    let submitted: ReportState = me
        .post_json(
            &report("submit"),
            &json!({"version": pushed.version, "device_id": "tablet-1"}),
        )
        .await?;
    assert_eq!(submitted.status, ReportStatus::Submitted);
    Ok(())
}

/// A practice campaign (issue 20): filled like any other, it changes no figure of a real
/// campaign, is never a later campaign's "last year", and each unit can start again from
/// nothing there, never in a real campaign.
#[tokio::test]
async fn a_practice_campaign_counts_nowhere_and_can_be_reset() -> anyhow::Result<()> {
    use tuanle_shared::wire::admin::routes as admin_routes;
    let server = TestServer::spawn().await?;
    let admin = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    let created = admin
        .post(
            admin_routes::CAMPAIGNS,
            &json!({"code": "TAPHUAN", "year": 2024, "theme": "Tập huấn", "starts_on": "2024-10-01",
                    "ends_on": "2024-10-07", "form_version": "2025", "deadlines": [], "open": true,
                    "practice": true}),
        )
        .await?;
    assert!(created.status().is_success(), "{}", created.text().await?);
    let copied = admin
        .post(
            &admin_routes::campaign("TAPHUAN", "/tree/import?from=2025"),
            &json!({}),
        )
        .await?;
    assert!(copied.status().is_success(), "{}", copied.text().await?);
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let real_before: Dashboard = ward
        .get_json(&routes::dashboard("2025", "NB-HQ", false))
        .await?;

    let me = reporter(&server).await;
    let practice = |action: &str| routes::report("TAPHUAN", SCHOOL, action);
    let v: PushAccepted = me
        .post_json(
            &practice("push"),
            &push_body("p-1", 0, json!({"2/count": 40})),
        )
        .await?;
    let _: ReportState = me
        .post_json(
            &practice("submit"),
            &json!({"version": v.version, "device_id": "tablet-1", "acknowledge_warnings": true}),
        )
        .await?;
    let campaigns: Vec<tuanle_shared::wire::CampaignSummary> =
        me.get_json(routes::CAMPAIGNS).await?;
    assert!(
        campaigns
            .iter()
            .any(|c| c.code == "TAPHUAN" && c.practice && c.has_my_unit)
    );

    // With a report in it, it stays practice: made real it would count its training
    // figures (the same holds the other way: a real one made practice could be reset).
    let body = |practice: Option<bool>| {
        let mut b = json!({"code": "TAPHUAN", "year": 2024, "theme": "Tập huấn",
            "starts_on": "2024-10-01", "ends_on": "2024-10-07", "form_version": "2025",
            "deadlines": [], "open": true});
        if let Some(p) = practice {
            b["practice"] = json!(p);
        }
        b
    };
    let r = admin
        .send(
            reqwest::Method::PUT,
            &admin_routes::campaign("TAPHUAN", ""),
            Some(&body(Some(false))),
        )
        .await?;
    let (status, error) = tuanle_e2e::refusal(r).await?;
    assert_eq!((status, error.code), (409, RefusalCode::PracticeInUse));
    // A build that does not know the field keeps it as it is.
    let r = admin
        .send(
            reqwest::Method::PUT,
            &admin_routes::campaign("TAPHUAN", ""),
            Some(&body(None)),
        )
        .await?;
    assert_eq!(r.status(), 204);
    let campaigns: Vec<tuanle_shared::wire::CampaignSummary> =
        me.get_json(routes::CAMPAIGNS).await?;
    assert!(campaigns.iter().any(|c| c.code == "TAPHUAN" && c.practice));
    let real_after: Dashboard = ward
        .get_json(&routes::dashboard("2025", "NB-HQ", false))
        .await?;
    assert_eq!(
        (real_after.final_figures, real_after.provisional_figures),
        (real_before.final_figures, real_before.provisional_figures),
        "no figure of the real campaign moved"
    );
    assert_eq!(real_after.completeness, real_before.completeness);
    let now: ReportState = me.get_json(&report("")).await?;
    assert_eq!(
        now.reference.last_year, None,
        "a practice report is never last year"
    );

    // Reset: the practice report is gone, its totals with it; a real one is never reset.
    let practice_dash: Dashboard = ward
        .get_json(&routes::dashboard("TAPHUAN", "NB-HQ", false))
        .await?;
    assert_eq!(practice_dash.completeness.done(), 1);
    let reset: ReportState = me.post_json(&practice("reset"), &json!({})).await?;
    assert_eq!((reset.version, reset.status), (0, ReportStatus::Draft));
    let practice_dash: Dashboard = ward
        .get_json(&routes::dashboard("TAPHUAN", "NB-HQ", false))
        .await?;
    assert_eq!(practice_dash.completeness.done(), 0);
    let history: History = me.get_json(&practice("history")).await?;
    assert!(history.versions.is_empty() && history.events.is_empty());
    let (status, error) = me.post_refused(&report("reset"), &json!({})).await?;
    assert_eq!((status, error.code), (409, RefusalCode::NotPractice));
    // The ward does not reset its school's practice report.
    let (status, _) = ward.post_refused(&practice("reset"), &json!({})).await?;
    assert_eq!(status, 403);
    Ok(())
}
