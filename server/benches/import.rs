//! How long a national tree (about 100,000 units, as a CSV file) takes to import into an
//! empty campaign: reading the file, planning, writing the units and their totals in one
//! transaction. `cargo bench -p tuanle-server --bench import`; prints the median of 5.

use std::time::{Duration, Instant};

use tuanle_server::admin::tree::{Source, import};
use tuanle_server::admin::{Admin, campaigns, sheet};
use tuanle_server::{db, demo, national};
use tuanle_shared::wire::admin::CampaignInput;

const RUNS: usize = 5;

async fn once(csv: &[u8]) -> anyhow::Result<(Duration, u64)> {
    let dir = tempfile::tempdir()?;
    let pool = db::connect(&format!(
        "sqlite://{}",
        dir.path().join("bench.db").display()
    ))
    .await?;
    demo::seed_if_empty(&pool).await?;
    let admin = Admin::national_account(&pool, "admin")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let campaign = CampaignInput {
        code: "QG".into(),
        year: 2026,
        theme: "Đo thời gian nhập cây".into(),
        starts_on: "2026-10-01".into(),
        ends_on: "2026-10-07".into(),
        form_version: "2025".into(),
        deadlines: Vec::new(),
        open: true,
        practice: None,
    };
    campaigns::create(&pool, &admin, &campaign)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let rows = sheet::read(csv).map_err(|p| anyhow::anyhow!("{p:?}"))?.rows;
    let done = import(
        &pool,
        &admin,
        "QG",
        None,
        &rows,
        Source::File("bench.csv"),
        true,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let elapsed = started.elapsed();
    anyhow::ensure!(done.applied, "not applied: {:?}", done.problems.first());
    pool.close().await;
    Ok((elapsed, done.added))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let csv = national::to_csv(&national::tree_rows(2025)).into_bytes();
    let mut times = Vec::with_capacity(RUNS);
    let mut units = 0;
    for _ in 0..RUNS {
        let (t, n) = once(&csv).await?;
        units = n;
        times.push(t);
    }
    times.sort();
    println!(
        "tree import: {units} units ({:.1} MB CSV), median {:.2} s (min {:.2} s, max {:.2} s) over {RUNS} runs",
        csv.len() as f64 / 1e6,
        times[RUNS / 2].as_secs_f64(),
        times[0].as_secs_f64(),
        times[RUNS - 1].as_secs_f64()
    );
    Ok(())
}
