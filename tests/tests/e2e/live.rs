//! Live views under a burst (issue 18): 100 event streams of one ward while its schools
//! land 500 pushes. Changes are coalesced per tick, so each stream gets a few events a
//! second however many pushes land; the events carry the figures, so a viewer follows
//! without asking; and a reporter's stream hears of a return or an approval at once.

use std::time::{Duration, Instant};

use serde_json::json;
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer, wait_for_event};
use tuanle_shared::wire::{
    Dashboard, DashboardUpdate, ReportNews, ReportState, ReportStatus, routes,
};
use tuanle_shared::{Column, Sums, form::builtin};

const STREAMS: usize = 100;
const SCHOOLS: [&str; 5] = ["MN", "TH", "THCS", "TTHTCD", "TV"];
const PUSHES_EACH: u64 = 100;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The figure every school pushes: row 2's count.
fn row_2(dashboard: &Dashboard) -> Option<u128> {
    let form = builtin(&dashboard.form_version)?;
    let sums = Sums::from_slots(form, dashboard.provisional_figures.clone())?;
    sums.value(form, form.row_index(&"2".parse().ok()?)?, Column::Count)
}

/// What one stream heard: how many `changed` events, when the latest change they showed
/// was committed, and the dashboard as its events left it.
struct Heard {
    events: u64,
    last_at: Option<i64>,
    dashboard: Dashboard,
    finished: Instant,
}

/// Applies a stream's `changed` events to `dashboard`, as the app does, until it shows
/// `expected` in row 2 and a second passes quietly, or `deadline` passes.
async fn follow(
    mut stream: reqwest::Response,
    mut dashboard: Dashboard,
    expected: u128,
    deadline: Instant,
) -> anyhow::Result<Heard> {
    let (mut events, mut last_at, mut buffer) = (0u64, None, String::new());
    loop {
        // Once it shows the end of the burst, a quiet second more: the rows of the
        // children whose last push landed during the final tick's read come next tick.
        let until = if row_2(&dashboard) == Some(expected) {
            deadline.min(Instant::now() + Duration::from_secs(1))
        } else {
            deadline
        };
        let chunk = tokio::time::timeout_at(until.into(), stream.chunk()).await;
        let Ok(Ok(Some(chunk))) = chunk else { break };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            if !event.contains("event: changed") {
                continue;
            }
            events += 1;
            let data: String = event
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            let update: DashboardUpdate = serde_json::from_str(&data)?;
            last_at = update.changed_at.or(last_at);
            dashboard.apply(update);
        }
    }
    Ok(Heard {
        events,
        last_at,
        dashboard,
        finished: Instant::now(),
    })
}

/// Each stream is opened, then the dashboard read (as the app does), and every stream
/// then follows the burst from its events alone: at most one event a tick, the last one
/// showing a change committed after every school's last push began, and the figures
/// they leave equal to what the server then holds, with no dashboard read again.
#[tokio::test]
async fn a_burst_below_is_a_few_events_a_second_that_carry_the_figures() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let path = routes::dashboard("2025", "NB-HQ", true);
    let mut streams = Vec::with_capacity(STREAMS);
    for _ in 0..STREAMS {
        let mut stream = ward.get(&path).await?;
        wait_for_event(&mut stream, "ready", Duration::from_secs(5)).await?;
        streams.push(stream);
    }
    let opened: Dashboard = ward
        .get_json(&routes::dashboard("2025", "NB-HQ", false))
        .await?;
    let expected = u128::from(PUSHES_EACH) * SCHOOLS.len() as u128;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(60);
    let followers: Vec<_> = streams
        .into_iter()
        .map(|stream| tokio::spawn(follow(stream, opened.clone(), expected, deadline)))
        .collect();

    // Five schools push 100 times each, at once.
    let mut pushers = Vec::new();
    for school in SCHOOLS {
        let user = format!("nb-hq-{}", school.to_lowercase());
        let client = ApiClient::sign_in(&server, &user, DEMO_PASSWORD).await?;
        let unit = format!("NB-HQ-{school}");
        pushers.push(tokio::spawn(async move {
            let report = |a: &str| routes::report("2025", &unit, a);
            let state: ReportState = client.get_json(&report("")).await?;
            let mut version = state.version;
            let mut last_began = 0;
            for n in 1..=PUSHES_EACH {
                last_began = now_ms();
                let answer: serde_json::Value = client
                    .post_json(
                        &report("push"),
                        &json!({"push_id": format!("{unit}-{n}"), "device_id": "t",
                                "base_version": version, "content": {"numbers": {"2/count": n}}}),
                    )
                    .await?;
                version = answer["version"].as_u64().unwrap_or(version);
            }
            anyhow::Ok(last_began)
        }));
    }
    let mut last_began = 0;
    for p in pushers {
        last_began = last_began.max(p.await??);
    }
    let mut heard = Vec::new();
    for f in followers {
        heard.push(f.await??);
    }
    let held: Dashboard = ward
        .get_json(&routes::dashboard("2025", "NB-HQ", false))
        .await?;
    assert_eq!(row_2(&held), Some(expected), "every school's last push");
    for (i, h) in heard.iter().enumerate() {
        assert_eq!(
            row_2(&h.dashboard),
            Some(expected),
            "stream {i} followed the burst to its end from its events"
        );
        assert_eq!(h.dashboard.completeness, held.completeness, "stream {i}");
        assert_eq!(h.dashboard.children, held.children, "stream {i}: every row");
        let seconds = (h.finished - started).as_secs_f64() - 1.0;
        // At most one event per tick (250 ms), and one more at the edges.
        assert!(
            (h.events as f64) <= seconds * 4.0 + 2.0,
            "stream {i}: {} events in {seconds:.1} s, for {expected} pushes",
            h.events
        );
        let last_at = h.last_at.expect("events say when");
        assert!(
            last_at >= last_began,
            "stream {i}: last change at {last_at}, the last push began at {last_began}"
        );
    }
    Ok(())
}

/// A reporter's stream of its own report: `ready` says where it stands, then a return and
/// an approval by the ward are each told at once, and the school's own pushes once each.
#[tokio::test]
async fn a_report_stream_tells_its_reporter_of_a_return_and_an_approval() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let school = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let report = |a: &str| routes::report("2025", "NB-HQ-TH", a);
    let mut stream = school.get(&report("events")).await?;
    let mut buffer = String::new();
    let ready = next_event(&mut stream, &mut buffer).await?;
    assert_eq!(ready.0, "ready");
    let state: ReportState = school.get_json(&report("")).await?;
    assert_eq!(ready.1.version, state.version);

    let pushed: serde_json::Value = school
        .post_json(
            &report("push"),
            &tuanle_e2e::push_counts("live-1", state.version, &[("2", 4)]),
        )
        .await?;
    let version = pushed["version"].as_u64().unwrap_or_default();
    let _: ReportState = school
        .post_json(
            &report("submit"),
            &json!({"version": version, "device_id": "t", "acknowledge_warnings": true}),
        )
        .await?;
    // The push and the submission may share a tick: the last event says submitted.
    let mut news = next_event(&mut stream, &mut buffer).await?.1;
    if news.status != ReportStatus::Submitted {
        news = next_event(&mut stream, &mut buffer).await?.1;
    }
    assert_eq!(
        (news.version, news.status),
        (version, ReportStatus::Submitted)
    );

    for (action, body, status) in [
        (
            "return",
            json!({"reason": "Số người quá thấp"}),
            ReportStatus::Returned,
        ),
        ("approve", json!({}), ReportStatus::Approved),
    ] {
        if action == "approve" {
            let _: ReportState = school
                .post_json(
                    &report("submit"),
                    &json!({"version": version, "device_id": "t", "acknowledge_warnings": true}),
                )
                .await?;
            let again = next_event(&mut stream, &mut buffer).await?.1;
            assert_eq!(again.status, ReportStatus::Submitted);
        }
        let told = Instant::now();
        let _: ReportState = ward.post_json(&report(action), &body).await?;
        let (name, news) = next_event(&mut stream, &mut buffer).await?;
        assert_eq!((name.as_str(), news.status), ("changed", status));
        assert!(
            told.elapsed() < Duration::from_secs(2),
            "{action} heard within 2 s: {:?}",
            told.elapsed()
        );
    }
    Ok(())
}

/// The next event of a report stream: its name and data.
async fn next_event(
    stream: &mut reqwest::Response,
    buffer: &mut String,
) -> anyhow::Result<(String, ReportNews)> {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            let field = |name: &str| -> String {
                event
                    .lines()
                    .filter_map(|l| l.strip_prefix(name))
                    .map(str::trim_start)
                    .collect()
            };
            let name = field("event:");
            if name.is_empty() {
                continue; // a keep-alive comment
            }
            return Ok((name, serde_json::from_str(&field("data:"))?));
        }
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk())
            .await
            .map_err(|_| anyhow::anyhow!("no event within 5 s"))??;
        let Some(chunk) = chunk else {
            anyhow::bail!("the stream ended")
        };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}
