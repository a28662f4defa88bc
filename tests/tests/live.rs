//! Live dashboards under a burst (issue 18, part): 100 event streams of one ward while its
//! schools land 500 pushes. Changes are coalesced per tick, so each stream gets a few
//! events a second however many pushes land, and its last event comes after the last
//! push, when the dashboard holds the final figures.

use std::time::{Duration, Instant};

use serde_json::json;
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer, wait_for_event};
use tuanle_shared::wire::{Dashboard, ReportState, routes};
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

/// Counts a stream's `changed` events, read as they come, until `stop` says so; keeps the
/// `at` of the last one.
async fn follow(
    mut stream: reqwest::Response,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> (u64, Option<i64>) {
    let (mut events, mut last_at, mut buffer) = (0u64, None, String::new());
    loop {
        let chunk = tokio::select! {
            chunk = stream.chunk() => chunk,
            _ = stop.changed() => break,
        };
        let Ok(Some(chunk)) = chunk else { break };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            if event.contains("event: changed") {
                events += 1;
                last_at = event
                    .split("\"at\":")
                    .nth(1)
                    .and_then(|r| {
                        r.trim_end_matches(|c: char| !c.is_ascii_digit())
                            .parse()
                            .ok()
                    })
                    .or(last_at);
            }
        }
    }
    (events, last_at)
}

#[tokio::test]
async fn a_burst_below_is_a_few_events_a_second_on_every_stream() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let path = routes::dashboard("2025", "NB-HQ", true);
    let mut streams = Vec::with_capacity(STREAMS);
    for _ in 0..STREAMS {
        let mut stream = ward.get(&path).await?;
        wait_for_event(&mut stream, "ready", Duration::from_secs(5)).await?;
        streams.push(stream);
    }
    let started = Instant::now();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let followers: Vec<_> = streams
        .into_iter()
        .map(|stream| tokio::spawn(follow(stream, stopped.clone())))
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
            for n in 1..=PUSHES_EACH {
                let answer: serde_json::Value = client
                    .post_json(
                        &report("push"),
                        &json!({"push_id": format!("{unit}-{n}"), "device_id": "t",
                                "base_version": version, "content": {"numbers": {"2/count": n}}}),
                    )
                    .await?;
                version = answer["version"].as_u64().unwrap_or(version);
            }
            anyhow::Ok(())
        }));
    }
    for p in pushers {
        p.await??;
    }
    let pushes_done = now_ms();
    let burst = started.elapsed();
    // A second more for the last tick to be told.
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.send(true)?;
    let mut counts = Vec::new();
    for f in followers {
        counts.push(f.await?);
    }
    let seconds = burst.as_secs_f64() + 1.0;
    for (i, (events, last_at)) in counts.iter().enumerate() {
        assert!(*events >= 1, "stream {i} heard of the burst");
        // At most one event per tick (250 ms), and one more at the edges.
        assert!(
            (*events as f64) <= seconds * 4.0 + 2.0,
            "stream {i}: {events} events in {seconds:.1} s, for {} pushes",
            SCHOOLS.len() as u64 * PUSHES_EACH
        );
        // Its last event announces a change committed at the end of the burst.
        let last_at = last_at.expect("events say when");
        assert!(
            last_at >= pushes_done - 1_000,
            "stream {i}: last change at {last_at}, pushes done at {pushes_done}"
        );
    }
    // And the dashboard then holds the final figures: every school's last push.
    let dashboard: Dashboard = ward
        .get_json(&routes::dashboard("2025", "NB-HQ", false))
        .await?;
    let form = builtin(&dashboard.form_version).expect("form");
    let sums = Sums::from_slots(form, dashboard.provisional_figures).expect("slots");
    let row = form.row_index(&"2".parse()?).expect("row 2");
    assert_eq!(
        sums.value(form, row, Column::Count),
        Some(u128::from(PUSHES_EACH) * SCHOOLS.len() as u128)
    );
    Ok(())
}
