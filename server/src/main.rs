//! Starts the server: `tuanle-server --help` lists the flags (each also an environment
//! variable). With no flags it serves `target/dist` on 127.0.0.1:8080 from `data/tuanle.db`.
//! `tuanle-server backup FILE` writes a consistent copy of the database instead.

use clap::Parser;
use tracing_subscriber::EnvFilter;
use tuanle_server::config::Command;
use tuanle_server::{Application, Config, backup};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let config = Config::parse();
    if let Some(Command::Backup { file }) = &config.command {
        let done = backup::backup(&config.database_url(), file).await?;
        println!("{done}");
        return Ok(());
    }
    let app = Application::build(&config).await?;
    if config.demo {
        println!("{}", tuanle_server::demo::accounts_summary());
    }
    tracing::info!("serving on http://{}", app.local_addr());
    app.run_until_stopped(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("stopping");
}
