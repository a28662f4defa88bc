//! The app on field networks: how long it takes to open through a loopback relay
//! ([`tuanle_e2e::relay`]) that plays a slow link, a high-latency one, and a stalled one
//! (connections accepted, never answered), in a real headless Chromium against the
//! real server.
//!
//! - *cold*: a fresh profile opens the sign-in page; the time until the first thing is
//!   drawn (the loading screen, or the page itself) and until the sign-in form is usable;
//! - *warm*: the profile has used the app once through the same link (signed in, typed a
//!   value, closed the page); it reopens `/bao-cao`: the time until the form is usable
//!   with the typed value in it.
//!
//! Needs the app built (`scripts/test` or `scripts/run` build it into `target/dist`):
//! `cargo bench -p tuanle-e2e --bench field`. Prints medians of `TUANLE_BENCH_RUNS`
//! (default 3) runs per link.

use std::time::Duration;

use tuanle_e2e::relay::{Link, Mode, Relay};
use tuanle_e2e::{Browser, TestServer};

const FORM: &str = "tr[data-row='12.6'] input";
const SIGN_IN: &str = "input[name='username']";
/// Anything drawn in the page's body: the loading screen or the app.
const DRAWN: &str = "body > *:not(noscript):not(script)";
const CAP: Duration = Duration::from_secs(120);

fn runs() -> usize {
    std::env::var("TUANLE_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

fn show(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!("{:.1} s", d.as_secs_f64()),
        None => format!("> {} s", CAP.as_secs()),
    }
}

fn median(mut v: Vec<Option<Duration>>) -> Option<Duration> {
    // A run that never opened sorts last.
    v.sort_by_key(|d| d.unwrap_or(Duration::MAX));
    v[v.len() / 2]
}

/// Opens the sign-in page on a fresh profile: (first drawn, usable).
async fn cold(relay: &Relay) -> anyhow::Result<(Option<Duration>, Option<Duration>)> {
    let profile = tempfile::tempdir()?;
    let b = Browser::start_unwaited(profile.path()).await?;
    b.client.goto(&relay.url("/dang-nhap")).await?;
    let started = std::time::Instant::now();
    let drawn = b.time_until(DRAWN, CAP).await;
    let usable = b
        .time_until(SIGN_IN, CAP.saturating_sub(started.elapsed()))
        .await
        .map(|_| started.elapsed());
    b.close().await?;
    Ok((drawn, usable))
}

/// Uses the app once through the relay on a fast link, then reopens the report after
/// `then` changed the relay: the time until the form is usable with the typed value.
async fn warm(relay: &Relay, then: impl FnOnce(&Relay)) -> anyhow::Result<Option<Duration>> {
    relay.set(Mode::Pass);
    relay.shape(Link::FAST);
    let profile = tempfile::tempdir()?;
    let first = Browser::start_in(profile.path()).await?;
    first.sign_in_at(&relay.url(""), "nb-hq-th", FORM).await?;
    let typed = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis()
        % 900
        + 10)
        .to_string();
    first.replace_in("2/count", &typed).await?;
    first.wait_sync("synced").await?;
    first.close().await?;
    then(relay);
    let b = Browser::start_unwaited(profile.path()).await?;
    b.client.goto(&relay.url("/bao-cao")).await?;
    let opened = b.time_until(FORM, CAP).await;
    if opened.is_some() {
        let shown = b.value_of("2/count").await?;
        anyhow::ensure!(shown == typed, "the typed value is not shown: {shown:?}");
    }
    b.close().await?;
    Ok(opened)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let n = runs();
    let links = [
        ("300 ms, 750 kbps", Link::new(300, 750)),
        ("2 s, 50 kbps", Link::new(2_000, 50)),
    ];
    let relay = Relay::start(server.addr, Link::FAST).await?;
    for (name, link) in links {
        let (mut drawn, mut usable, mut again) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..n {
            relay.shape(link);
            let (d, u) = cold(&relay).await?;
            drawn.push(d);
            usable.push(u);
            again.push(warm(&relay, |r| r.shape(link)).await?);
        }
        println!(
            "{name}: cold: first drawn {}, sign-in usable {}; warm: report usable {}",
            show(median(drawn)),
            show(median(usable)),
            show(median(again)),
        );
    }
    let ten_seconds = Link {
        latency: Duration::from_secs(10),
        bits_per_second: None,
    };
    let (mut high, mut stalled) = (Vec::new(), Vec::new());
    for _ in 0..n {
        high.push(warm(&relay, |r| r.shape(ten_seconds)).await?);
        stalled.push(warm(&relay, |r| r.set(Mode::Stall)).await?);
    }
    println!(
        "10 s latency: warm: report usable {}; stalled: warm: report usable {}",
        show(median(high)),
        show(median(stalled)),
    );
    Ok(())
}
