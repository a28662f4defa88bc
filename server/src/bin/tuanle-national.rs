//! Generates the national demo campaign at the real scale into a database:
//! `cargo run --release -p tuanle-server --bin tuanle-national -- --share 0.6`.
//! The database gets the demo data first when it has none (for the `admin` account).

use clap::Parser;
use tuanle_server::admin::Admin;
use tuanle_server::{db, demo, national};

/// Generate a national campaign: 34 provinces, ~3,300 wards, ~96,000 schools.
#[derive(Debug, Parser)]
#[command(name = "tuanle-national")]
struct Args {
    /// Directory of the database (as the server's `--data-dir`).
    #[arg(long, env = "TUANLE_DATA_DIR", default_value = "data")]
    data_dir: std::path::PathBuf,
    /// Database URL; default `sqlite://<data-dir>/tuanle.db`.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// The new campaign's code.
    #[arg(long, default_value = "QG2025")]
    code: String,
    /// Share of the schools, centres and wards that have a report (0 to 1).
    #[arg(long, default_value_t = 0.6)]
    share: f64,
    /// Seed: the same seed gives the same campaign.
    #[arg(long, default_value_t = 2025)]
    seed: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .init();
    let args = Args::parse();
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.share),
        "--share is between 0 and 1"
    );
    std::fs::create_dir_all(&args.data_dir)?;
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", args.data_dir.join("tuanle.db").display()));
    let pool = db::connect(&url).await?;
    demo::seed_if_empty(&pool).await?;
    let admin = Admin::national_account(&pool, "admin")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let done = national::generate(&pool, &admin, &args.code, args.share, args.seed)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "Đợt {}: {} đơn vị (cây nhập trong {:.1} s), {} báo cáo (điền trong {:.1} s).",
        args.code,
        done.units,
        done.tree.as_secs_f64(),
        done.reports,
        done.filling.as_secs_f64()
    );
    Ok(())
}
