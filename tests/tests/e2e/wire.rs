//! Old builds keep working (issue 16, 4). A tablet may run the previous build of the app
//! for weeks, so the server of every build must take the requests of the builds before
//! it, and answer with everything they read.
//!
//! `tests/wire/<build>.json` holds what one build of the app sent and read, in the order
//! a report lives: sign-in, campaigns, form, pull, push (and its retry), submit, the
//! supervisor's dashboard, return, history, push and submit again, approve, and a push
//! refused as locked. Each is replayed against today's server, which must answer with
//! the same status and a body that *covers* the recorded one: every field the old build
//! had is there, with a value of the same JSON type (arrays by their first element; a
//! field recorded as `null` may hold anything, or be gone). New fields are free.
//!
//! When the wire changes, record the new build next to the old ones (keep those until
//! no tablet runs them):
//! `TUANLE_RECORD_WIRE=$PWD/tests/wire/<date>.json cargo test -p tuanle-e2e --test e2e wire::`
//! (an absolute path: the test runs in `tests/`).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use reqwest::Method;
use serde_json::{Value, json};
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer};
use tuanle_shared::wire::{NewComment, PushRequest, ReturnRequest, SignIn, SubmitRequest, routes};

const REPORTER: &str = "nb-hq-th";
const SUPERVISOR: &str = "nb-hq";

/// One request of a build, and its answer.
#[derive(serde::Serialize, serde::Deserialize)]
struct Exchange {
    /// `reporter` or `supervisor`: whose session sends it.
    who: String,
    method: String,
    path: String,
    request: Option<Value>,
    status: u16,
    response: Value,
}

/// One request to make: whose session, the method, the path and the body.
type Step = (String, Method, String, Option<Value>);

/// The exchanges of this build, made from today's wire types.
fn this_build() -> anyhow::Result<Vec<Step>> {
    let report = |action: &str| routes::report("2025", "NB-HQ-TH", action);
    let content = |numbers: Value| -> anyhow::Result<tuanle_shared::Content> {
        Ok(serde_json::from_value(json!({ "numbers": numbers }))?)
    };
    let push = |id: &str, numbers: Value| -> anyhow::Result<Value> {
        Ok(serde_json::to_value(PushRequest {
            push_id: id.into(),
            device_id: "tablet-of-build".into(),
            base_version: 0,
            content: content(numbers)?,
            form_version: None,
        })?)
    };
    let submit = serde_json::to_value(SubmitRequest {
        version: 0,
        device_id: "tablet-of-build".into(),
        acknowledge_warnings: true,
    })?;
    let first = push("push-1", json!({"1.3/count": 5, "1.3/persons": 40}))?;
    let r =
        |who: &str, m: Method, path: String, body: Option<Value>| (who.to_owned(), m, path, body);
    Ok(vec![
        r("reporter", Method::GET, routes::SESSION.into(), None),
        r("reporter", Method::GET, routes::CAMPAIGNS.into(), None),
        r("reporter", Method::GET, routes::form("2025"), None),
        r("reporter", Method::GET, report(""), None),
        r(
            "reporter",
            Method::POST,
            report("push"),
            Some(first.clone()),
        ),
        // The answer never came: the same push again.
        r("reporter", Method::POST, report("push"), Some(first)),
        r(
            "reporter",
            Method::POST,
            report("submit"),
            Some(submit.clone()),
        ),
        r(
            "supervisor",
            Method::GET,
            routes::dashboard("2025", "NB-HQ", false),
            None,
        ),
        r("supervisor", Method::GET, report(""), None),
        r(
            "supervisor",
            Method::POST,
            report("return"),
            Some(serde_json::to_value(ReturnRequest {
                reason: "Số người quá thấp so với số lớp".into(),
                comments: vec![NewComment {
                    cell: "1.3/persons".into(),
                    text: "Số người quá thấp so với số lớp".into(),
                }],
            })?),
        ),
        r("reporter", Method::GET, report(""), None),
        // The first comment of a fresh server's first report is number 1.
        r(
            "reporter",
            Method::POST,
            report("comments/1/answer"),
            Some(json!({"text": "Đã kiểm tra lại"})),
        ),
        r("reporter", Method::GET, report("history"), None),
        r(
            "reporter",
            Method::POST,
            report("push"),
            Some(push("push-2", json!({"1.3/count": 5, "1.3/persons": 120}))?),
        ),
        r("reporter", Method::POST, report("submit"), Some(submit)),
        r(
            "supervisor",
            Method::POST,
            report("approve"),
            Some(json!({})),
        ),
        r(
            "reporter",
            Method::POST,
            report("push"),
            Some(push("push-3", json!({"1.3/count": 6}))?),
        ),
    ])
}

/// The sessions of one replay: the sign-in requests as the build sent them.
struct Sessions {
    reporter: ApiClient,
    supervisor: ApiClient,
}

impl Sessions {
    fn of(&self, who: &str) -> anyhow::Result<&ApiClient> {
        match who {
            "reporter" => Ok(&self.reporter),
            "supervisor" => Ok(&self.supervisor),
            other => bail!("no session {other:?}"),
        }
    }
}

/// Sends `request`, with the report's version as the server has it now in place of the
/// recorded one (what the app would have read before): `base_version` of a push,
/// `version` of a submission.
async fn send(
    client: &ApiClient,
    method: Method,
    path: &str,
    request: Option<&Value>,
    version: &mut u64,
) -> anyhow::Result<(u16, Value)> {
    let mut body = request.cloned();
    if let Some(Value::Object(fields)) = body.as_mut() {
        for key in ["base_version", "version"] {
            if fields.contains_key(key) {
                fields.insert(key.into(), json!(*version));
            }
        }
    }
    let response = client.send(method.clone(), path, body.as_ref()).await?;
    let status = response.status().as_u16();
    let text = response.text().await?;
    let answer: Value =
        serde_json::from_str(&text).with_context(|| format!("{method} {path}: {text:.300}"))?;
    if let Some(v) = answer.get("version").and_then(Value::as_u64) {
        *version = v;
    }
    Ok((status, answer))
}

/// Where `new` lacks what `old` had, or has it as another JSON type.
fn uncovered(old: &Value, new: &Value, at: &str, gaps: &mut Vec<String>) {
    match (old, new) {
        // What the old build saw as none it read as an optional; a value it saw, now
        // null, could break a build that read it as required.
        (Value::Null, _) => {}
        (Value::Object(o), Value::Object(n)) => {
            for (key, value) in o {
                match n.get(key) {
                    Some(v) => uncovered(value, v, &format!("{at}/{key}"), gaps),
                    // An optional field, absent now: the old build reads it as none.
                    None if value.is_null() => {}
                    None => gaps.push(format!("{at}/{key} is gone")),
                }
            }
        }
        (Value::Array(o), Value::Array(n)) => {
            if let (Some(o), Some(n)) = (o.first(), n.first()) {
                uncovered(o, n, &format!("{at}/0"), gaps);
            }
        }
        (Value::Bool(_), Value::Bool(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_)) => {}
        (o, n) => gaps.push(format!("{at} was {o}, is {n}")),
    }
}

fn recorded() -> anyhow::Result<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("wire");
    let mut files = std::fs::read_dir(&dir)
        .with_context(|| dir.display().to_string())?
        .map(|e| Ok(e?.path()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    Ok(files)
}

/// The sign-in requests of a build: today's [`SignIn`], or as recorded.
fn sign_in(who: &str) -> anyhow::Result<Value> {
    Ok(serde_json::to_value(SignIn {
        username: who.into(),
        password: DEMO_PASSWORD.into(),
    })?)
}

async fn sessions(server: &TestServer, sign_ins: &Value) -> anyhow::Result<Sessions> {
    let reporter = ApiClient::sign_in_with(server.addr, &sign_ins["reporter"]).await?;
    let supervisor = ApiClient::sign_in_with(server.addr, &sign_ins["supervisor"]).await?;
    Ok(Sessions {
        reporter: reporter.0,
        supervisor: supervisor.0,
    })
}

/// Every recorded build's requests against today's server.
#[tokio::test]
async fn the_server_takes_every_kept_builds_requests() -> anyhow::Result<()> {
    if let Some(out) = std::env::var_os("TUANLE_RECORD_WIRE") {
        return record(Path::new(&out)).await;
    }
    let builds = recorded()?;
    ensure!(!builds.is_empty(), "no recorded build in tests/wire");
    for build in builds {
        let name = build.display().to_string();
        let file: Value = serde_json::from_str(&std::fs::read_to_string(&build)?)?;
        let server = TestServer::spawn().await?;
        let sessions = sessions(&server, &file["sign_in"]).await?;
        let exchanges: Vec<Exchange> = serde_json::from_value(file["exchanges"].clone())?;
        ensure!(exchanges.len() >= 10, "{name}: too few exchanges");
        let mut version = 0;
        for (i, e) in exchanges.iter().enumerate() {
            let method: Method = e.method.parse()?;
            let client = sessions.of(&e.who)?;
            let (status, answer) =
                send(client, method, &e.path, e.request.as_ref(), &mut version).await?;
            let step = format!("{name} #{i} {} {}", e.method, e.path);
            assert_eq!(status, e.status, "{step}: {answer}");
            let mut gaps = Vec::new();
            uncovered(&e.response, &answer, "", &mut gaps);
            assert!(gaps.is_empty(), "{step}: the old build would miss {gaps:?}");
        }
    }
    Ok(())
}

/// Records what this build sends and reads into `out`.
async fn record(out: &Path) -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let sign_ins = json!({ "reporter": sign_in(REPORTER)?, "supervisor": sign_in(SUPERVISOR)? });
    let sessions = sessions(&server, &sign_ins).await?;
    let mut exchanges = Vec::new();
    let mut version = 0;
    for (who, method, path, request) in this_build()? {
        let client = sessions.of(&who)?;
        let (status, response) = send(
            client,
            method.clone(),
            &path,
            request.as_ref(),
            &mut version,
        )
        .await?;
        exchanges.push(Exchange {
            who,
            method: method.to_string(),
            path,
            request,
            status,
            response,
        });
    }
    let file = json!({ "sign_in": sign_ins, "exchanges": exchanges });
    std::fs::write(out, serde_json::to_string_pretty(&file)? + "\n")?;
    Ok(())
}

/// The check finds what an old build would miss, and lets new fields pass.
#[test]
fn coverage_is_judged_by_field_and_type() {
    let old = json!({"version": 1, "content": {"numbers": {"1/count": 2}}, "rows": [{"a": "x"}], "r": null});
    let mut gaps = Vec::new();
    uncovered(
        &old,
        &json!({"version": 2, "content": {"numbers": {"1/count": 3}}, "rows": [{"a": "y", "b": 1}], "r": "t", "new": true}),
        "",
        &mut gaps,
    );
    assert!(gaps.is_empty(), "{gaps:?}");
    uncovered(
        &old,
        &json!({"version": "2", "content": {"numbers": null}, "rows": [{}]}),
        "",
        &mut gaps,
    );
    assert_eq!(
        gaps,
        [
            "/content/numbers was {\"1/count\":2}, is null",
            "/rows/0/a is gone",
            "/version was 1, is \"2\"",
        ]
    );
}
