//! The app on a low-end tablet: how long after the page starts loading the report form
//! is usable (its last row's input in the page), in headless Chromium with the CPU
//! throttled 4× (Chrome DevTools' `Emulation.setCPUThrottlingRate`), and unthrottled.
//! A fresh browser profile per run, which signs in first: the app's files have been
//! fetched once (the server says `no-cache`, so the measured load revalidates them), as
//! on a tablet that opened the app the day before. Then how long one keystroke takes to
//! handle (the input event, the synchronous write to storage, totals and validation),
//! throttled.
//!
//! Needs the app built (`scripts/test` or `scripts/run` build it into `target/dist`):
//! `cargo bench -p tuanle-e2e --bench tablet`. Prints medians of 5.

use serde_json::json;
use tuanle_e2e::{Browser, Cdp, TestServer};

const RUNS: usize = 5;

/// Milliseconds from navigation start to the form being usable, measured in the page.
async fn form_ready(browser: &Browser, url: &str) -> anyhow::Result<f64> {
    browser.client.goto(url).await?;
    let ms = browser
        .client
        .execute_async(
            "const done = arguments[0];
             (function check() {
                 const input = document.querySelector(\"tr[data-row='12.6'] input\");
                 if (input && !input.disabled) done(performance.now());
                 else requestAnimationFrame(check);
             })();",
            vec![],
        )
        .await?;
    ms.as_f64().ok_or_else(|| anyhow::anyhow!("no time: {ms}"))
}

/// Milliseconds one input event takes to handle, measured in the page.
async fn keystroke(browser: &Browser) -> anyhow::Result<f64> {
    let ms = browser
        .client
        .execute(
            "const el = document.querySelector(\"[data-cell='2/count']\");
             const times = [];
             for (let i = 1; i <= 20; i++) {
                 el.value = String(i);
                 const t = performance.now();
                 el.dispatchEvent(new Event('input', { bubbles: true }));
                 times.push(performance.now() - t);
             }
             times.sort((a, b) => a - b);
             return times[10];",
            vec![],
        )
        .await?;
    ms.as_f64().ok_or_else(|| anyhow::anyhow!("no time: {ms}"))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let report = server.url("/bao-cao");
    let (mut fast, mut slow, mut keys) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        for throttled in [false, true] {
            let browser = Browser::start().await?;
            // Signed in first, so the measured load is the form itself.
            browser.sign_in(&server, "nb-hq-th").await?;
            browser.client.goto(&server.url("/khong-tim-thay")).await?;
            if throttled {
                browser
                    .client
                    .issue_cmd(Cdp("Emulation.setCPUThrottlingRate", json!({"rate": 4})))
                    .await?;
            }
            let ms = form_ready(&browser, &report).await?;
            if throttled {
                slow.push(ms);
                keys.push(keystroke(&browser).await?);
            } else {
                fast.push(ms);
            }
            browser.close().await?;
        }
    }
    let wasm = tuanle_e2e::built_file("app.wasm")?;
    let compressed = |ext: &str| {
        let path = tuanle_e2e::assets_dir().join(format!("{}.{ext}", wasm.trim_start_matches('/')));
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    };
    let (gz, br) = (compressed("gz"), compressed("br"));
    println!(
        "form usable after page start: median {:.0} ms with the CPU throttled 4×, {:.0} ms unthrottled; one keystroke handled in {:.1} ms (throttled); reporters' bundle {} KB gzip, {} KB brotli",
        median(slow),
        median(fast),
        median(keys),
        gz / 1000,
        br / 1000
    );
    Ok(())
}
