//! Access control, every endpoint against every role, as a table: who may read, write,
//! review and administer a school's report (`NB-HQ-TH`) and its ward's views (`NB-HQ`).
//!
//! The roles: the school's own reporter, the reporter of a sibling school, the ward's
//! supervisor (its direct parent), the province's supervisor (two levels up: reads, does
//! not review), an observer of the ward (reads everything below, changes nothing), the
//! supervisor of a sibling ward, an administrator of another
//! subtree (a province administrator elsewhere), the province's administrator, and
//! someone signed out. A denied request is tried before the allowed ones, so a refusal
//! that let a change through would show up in the allowed request's answer. The ward's
//! supervisor enters the school's report on its behalf ("nhập hộ").

use reqwest::Method;
use serde_json::{Value, json};
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer};
use tuanle_shared::wire::admin::routes as admin_routes;
use tuanle_shared::wire::{ApiError, RefusalCode, routes};

const ROLE_COUNT: usize = 9;

/// The roles, in the table's column order.
const ROLES: [&str; ROLE_COUNT] = [
    "own reporter",
    "sibling reporter",
    "supervisor above",
    "province supervisor",
    "ward observer",
    "sibling supervisor",
    "other admin",
    "province admin",
    "signed out",
];

/// An expected answer: a status, and for refusals the precise code.
#[derive(Debug, Clone, Copy)]
enum Want {
    Ok(u16),
    No(u16, RefusalCode),
}
use Want::{No, Ok};

const FORBIDDEN: Want = No(403, RefusalCode::Forbidden);
const NOT_ADMIN: Want = No(403, RefusalCode::NotAdmin);
const OUT_OF_SCOPE: Want = No(403, RefusalCode::OutOfScope);
const NOT_DIRECT_PARENT: Want = No(403, RefusalCode::NotDirectParent);
const SIGNED_OUT: Want = No(401, RefusalCode::NotSignedIn);

struct Row {
    what: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    want: [Want; ROLE_COUNT],
}

fn row(
    what: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    want: [Want; ROLE_COUNT],
) -> Row {
    Row {
        what,
        method,
        path,
        body,
        want,
    }
}

/// Checks one row: refusals first, then the allowed calls.
async fn check(clients: &[ApiClient; ROLE_COUNT], r: &Row) {
    let mut order: Vec<usize> = (0..ROLE_COUNT).collect();
    // A report found locked is the consequence of an allowed submission: tried after it.
    order.sort_by_key(|&i| match r.want[i] {
        Ok(_) => 1,
        No(_, RefusalCode::ReportLocked) => 2,
        No(..) => 0,
    });
    for i in order {
        let response = clients[i]
            .send(r.method.clone(), &r.path, r.body.as_ref())
            .await
            .expect("an answer");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let context = format!(
            "{} {} as {}: {status} {text:.200}",
            r.what, r.path, ROLES[i]
        );
        match r.want[i] {
            Ok(want) => assert_eq!(status, want, "{context}"),
            No(want, code) => {
                assert_eq!(status, want, "{context}");
                let body: ApiError = serde_json::from_str(&text).expect(&context);
                assert_eq!(body.code, code, "{context}");
            }
        }
    }
}

#[tokio::test]
async fn every_endpoint_answers_every_role_as_the_rules_say() {
    let server = TestServer::spawn().await.expect("server");
    let national = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD)
        .await
        .expect("national admin");
    let other_admin_password = national
        .create_account("admin-hl", "Quản trị khác", "admin", "NB-HL")
        .await
        .expect("an administrator of another subtree");
    let observer_password = national
        .create_account("ubnd-hq", "UBND phường Hồng Quang", "observer", "NB-HQ")
        .await
        .expect("an observer of the ward");
    let sign_in = |user: &'static str, password: String| {
        let server = &server;
        async move {
            ApiClient::sign_in(server, user, &password)
                .await
                .expect(user)
        }
    };
    let clients = [
        sign_in("nb-hq-th", DEMO_PASSWORD.into()).await,
        sign_in("nb-hq-mn", DEMO_PASSWORD.into()).await,
        sign_in("nb-hq", DEMO_PASSWORD.into()).await,
        sign_in("nb", DEMO_PASSWORD.into()).await,
        sign_in("ubnd-hq", observer_password).await,
        sign_in("nb-hl", DEMO_PASSWORD.into()).await,
        sign_in("admin-hl", other_admin_password).await,
        sign_in("admin-nb", DEMO_PASSWORD.into()).await,
        ApiClient::new(&server),
    ];
    let report = |action: &str| routes::report("2025", "NB-HQ-TH", action);
    let read_report = [
        Ok(200),
        FORBIDDEN,
        Ok(200),
        Ok(200),
        Ok(200),
        FORBIDDEN,
        FORBIDDEN,
        Ok(200),
        SIGNED_OUT,
    ];
    let read_ward = [
        FORBIDDEN,
        FORBIDDEN,
        Ok(200),
        Ok(200),
        Ok(200),
        FORBIDDEN,
        FORBIDDEN,
        Ok(200),
        SIGNED_OUT,
    ];
    let review = [
        FORBIDDEN,
        FORBIDDEN,
        Ok(200),
        NOT_DIRECT_PARENT,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        SIGNED_OUT,
    ];
    let admin_here = [
        NOT_ADMIN,
        NOT_ADMIN,
        NOT_ADMIN,
        NOT_ADMIN,
        NOT_ADMIN,
        NOT_ADMIN,
        OUT_OF_SCOPE,
        Ok(200),
        SIGNED_OUT,
    ];
    let anyone_signed_in = [
        Ok(200),
        Ok(200),
        Ok(200),
        Ok(200),
        Ok(200),
        Ok(200),
        Ok(200),
        Ok(200),
        SIGNED_OUT,
    ];
    // A supervisor anywhere above reaches the accounts below (to reset a password).
    let below = [
        FORBIDDEN,
        FORBIDDEN,
        Ok(200),
        Ok(200),
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        SIGNED_OUT,
    ];
    // Only the ward's own supervisor signs off the ward's package…
    let sign_off = [
        FORBIDDEN,
        FORBIDDEN,
        Ok(200),
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        SIGNED_OUT,
    ];
    // …and only its direct parent's (the province's) accepts or returns it.
    let review_ward = [
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        Ok(200),
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        SIGNED_OUT,
    ];
    // The parent's supervisor enters a report on the unit's behalf ("nhập hộ"): a push
    // goes through (the same push as the reporter's, so it gets the same answer); a
    // submission after the reporter's finds the report locked.
    let enter = [
        Ok(200),
        FORBIDDEN,
        Ok(200),
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        SIGNED_OUT,
    ];
    let submit_entered = [
        Ok(200),
        FORBIDDEN,
        No(423, RefusalCode::ReportLocked),
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        SIGNED_OUT,
    ];
    let not_practice = [
        No(409, RefusalCode::NotPractice),
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        SIGNED_OUT,
    ];
    // The unit's own staff answer a comment on their report.
    let answer = [
        Ok(200),
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
        SIGNED_OUT,
    ];
    let push = json!({"push_id": "acl-1", "device_id": "t", "base_version": 0,
                      "content": {"numbers": {"2/count": 3}}});
    let submit = json!({"version": 1, "device_id": "t"});

    let table = [
        row(
            "who am I",
            Method::GET,
            routes::SESSION.into(),
            None,
            anyone_signed_in,
        ),
        row(
            "read the report",
            Method::GET,
            report(""),
            None,
            read_report,
        ),
        row("push", Method::POST, report("push"), Some(push), enter),
        row("history", Method::GET, report("history"), None, read_report),
        row(
            "submit",
            Method::POST,
            report("submit"),
            Some(submit.clone()),
            submit_entered,
        ),
        row(
            "return",
            Method::POST,
            report("return"),
            Some(json!({"reason": "Thiếu số liệu"})),
            review,
        ),
        row(
            "resubmit",
            Method::POST,
            report("submit"),
            Some(submit),
            submit_entered,
        ),
        row(
            "approve",
            Method::POST,
            report("approve"),
            Some(json!({})),
            review,
        ),
        // A comment on a cell without a return (on the approved report, for next year):
        // the direct parent's supervisor only; the unit's own staff answer it.
        row(
            "comment on a cell",
            Method::POST,
            report("comments"),
            Some(json!({"cell": "2/count", "text": "Năm sau ghi rõ"})),
            review,
        ),
        row(
            "answer a comment",
            Method::POST,
            report("comments/1/answer"),
            Some(json!({"text": "Vâng"})),
            answer,
        ),
        row(
            "mark for follow-up",
            Method::PUT,
            report("follow-up"),
            Some(json!({"follow_up": true})),
            review,
        ),
        // Only a practice campaign's report is reset, by the unit's own staff.
        row(
            "reset a report",
            Method::POST,
            report("reset"),
            Some(json!({})),
            not_practice,
        ),
        // "Đã nhắc": any supervisor above, like the accounts below.
        row(
            "mark a reminder sent",
            Method::POST,
            routes::unit_reminded("2025", "NB-HQ-TH"),
            Some(json!({})),
            below,
        ),
        row(
            "ward packages",
            Method::GET,
            routes::packages("2025", "NB-HQ", None, ""),
            None,
            read_ward,
        ),
        row(
            "sign off the ward",
            Method::POST,
            routes::packages("2025", "NB-HQ", None, ""),
            Some(json!({})),
            sign_off,
        ),
        row(
            "the ward's package",
            Method::GET,
            routes::packages("2025", "NB-HQ", Some(1), ""),
            None,
            read_ward,
        ),
        row(
            "accept the ward's package",
            Method::POST,
            routes::packages("2025", "NB-HQ", Some(1), "accept"),
            Some(json!({})),
            review_ward,
        ),
        row(
            "ward dashboard",
            Method::GET,
            routes::dashboard("2025", "NB-HQ", false),
            None,
            read_ward,
        ),
        row(
            "ward's missing units",
            Method::GET,
            routes::dashboard_missing("2025", "NB-HQ", 0, 10),
            None,
            read_ward,
        ),
        row(
            "ward export",
            Method::GET,
            routes::export("2025", "NB-HQ", tuanle_shared::wire::FigureMode::Final),
            None,
            read_ward,
        ),
        row(
            "ward report document",
            Method::GET,
            routes::report_document("2025", "NB-HQ", tuanle_shared::wire::FigureMode::Final),
            None,
            read_ward,
        ),
        row(
            "school report document",
            Method::GET,
            routes::report_document("2025", "NB-HQ-TH", tuanle_shared::wire::FigureMode::Final),
            None,
            read_report,
        ),
        row(
            "ward narrative",
            Method::GET,
            routes::narrative("2025", "NB-HQ", tuanle_shared::wire::FigureMode::Final),
            None,
            read_ward,
        ),
        row(
            "school dashboard",
            Method::GET,
            routes::dashboard("2025", "NB-HQ-TH", false),
            None,
            read_report,
        ),
        row(
            "units below the ward",
            Method::GET,
            admin_routes::campaign("2025", "/units?parent=NB-HQ"),
            None,
            admin_here,
        ),
        row(
            "rename the school",
            Method::PATCH,
            admin_routes::campaign("2025", "/units/NB-HQ-TH"),
            Some(json!({"name": "Trường Tiểu học Hồng Quang"})),
            admin_here,
        ),
        row(
            "the school's account",
            Method::PATCH,
            admin_routes::campaign("2025", "/accounts/nb-hq-th"),
            Some(json!({"display_name": "Trường Tiểu học Hồng Quang"})),
            admin_here,
        ),
        row(
            "the ward's levels",
            Method::GET,
            admin_routes::campaign("2025", "/levels"),
            None,
            [
                NOT_ADMIN,
                NOT_ADMIN,
                NOT_ADMIN,
                NOT_ADMIN,
                NOT_ADMIN,
                NOT_ADMIN,
                Ok(200),
                Ok(200),
                SIGNED_OUT,
            ],
        ),
        row(
            "change the campaign",
            Method::PUT,
            admin_routes::campaign("2025", ""),
            Some(
                json!({"code": "2025", "year": 2025, "theme": "Chủ đề", "starts_on": "2025-10-01",
                        "ends_on": "2025-10-07", "form_version": "2025", "deadlines": [], "open": true}),
            ),
            [
                NOT_ADMIN,
                NOT_ADMIN,
                NOT_ADMIN,
                NOT_ADMIN,
                NOT_ADMIN,
                NOT_ADMIN,
                OUT_OF_SCOPE,
                OUT_OF_SCOPE,
                SIGNED_OUT,
            ],
        ),
        row(
            "push the ward's own report",
            Method::POST,
            routes::report("2025", "NB-HQ", "push"),
            Some(
                json!({"push_id": "acl-ward", "device_id": "t", "base_version": 0,
                        "content": {"numbers": {"2/count": 1}}}),
            ),
            // The province is the ward's direct parent: it may enter it on its behalf.
            [
                FORBIDDEN,
                FORBIDDEN,
                Ok(200),
                Ok(200),
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                SIGNED_OUT,
            ],
        ),
        row(
            "the ward's signed copy, none yet",
            Method::GET,
            routes::signed_copy("2025", "NB-HQ", 1),
            None,
            // Read as the ward's packages are; there is none, so 404 for every reader.
            [
                FORBIDDEN,
                FORBIDDEN,
                No(404, RefusalCode::NotFound),
                No(404, RefusalCode::NotFound),
                No(404, RefusalCode::NotFound),
                FORBIDDEN,
                FORBIDDEN,
                No(404, RefusalCode::NotFound),
                SIGNED_OUT,
            ],
        ),
        row(
            "the ward attaches a signed copy, with no package yet",
            Method::PUT,
            routes::signed_copy("2025", "NB-HQ", 1),
            None,
            // The ward's own supervisor gets past who may, to the file it did not send.
            [
                FORBIDDEN,
                FORBIDDEN,
                No(400, RefusalCode::BadFileType),
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                SIGNED_OUT,
            ],
        ),
        row(
            "the ward's document fields",
            Method::GET,
            routes::report_document_fields("2025", "NB-HQ"),
            None,
            read_ward,
        ),
        row(
            "the ward saves its document fields",
            Method::PUT,
            routes::report_document_fields("2025", "NB-HQ"),
            Some(
                json!({"parent_agency": null, "agency": "ỦY BAN NHÂN DÂN PHƯỜNG HỒNG QUANG",
                        "number": "……/BC-UBND", "place": "Hồng Quang",
                        "signature": ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], "signer": "",
                        "recipients": ["- Lưu: VT."]}),
            ),
            // Only the unit's own staff: its parent reads them, writes none.
            [
                FORBIDDEN,
                FORBIDDEN,
                Ok(200),
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                SIGNED_OUT,
            ],
        ),
        row(
            "the ward sets its schools' deadline",
            Method::PUT,
            routes::children_deadline("2025", "NB-HQ"),
            Some(json!({"due_on": "2025-10-14"})),
            [
                FORBIDDEN,
                FORBIDDEN,
                Ok(200),
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                SIGNED_OUT,
            ],
        ),
        row(
            "the school's accounts",
            Method::GET,
            routes::unit_accounts("2025", "NB-HQ-TH", None),
            None,
            below,
        ),
        row(
            "reset a password below",
            Method::POST,
            routes::unit_accounts("2025", "NB-HQ-TV", Some("nb-hq-tv")),
            Some(json!({})),
            below,
        ),
    ];
    for r in &table {
        check(&clients, r).await;
    }
    // The live event streams follow the dashboard's and the report's rules (their
    // answers are streams, so only the status is read).
    for (path, wants) in [
        (routes::dashboard("2025", "NB-HQ", true), read_ward),
        (routes::report("2025", "NB-HQ-TH", "events"), read_report),
    ] {
        for (i, want) in wants.iter().enumerate() {
            let response = clients[i].get(&path).await.expect("an answer");
            let want = match want {
                Ok(s) | No(s, _) => *s,
            };
            assert_eq!(response.status().as_u16(), want, "{path} as {}", ROLES[i]);
        }
    }
}
