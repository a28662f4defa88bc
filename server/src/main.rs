//! Starts the server: `tuanle-server --help` lists the flags (each also an environment
//! variable). With no flags it serves `target/dist` on 127.0.0.1:8080 from `data/tuanle.db`.
//! `tuanle-server backup FILE` writes a consistent copy of the database instead.

use clap::Parser;
use tracing_subscriber::EnvFilter;
use tuanle_server::config::{Command, LogFormat};
use tuanle_server::{Application, Config, backup};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    match config.log_format {
        LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
        // One JSON object a line, the event's fields at its top level.
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_env_filter(filter)
            .init(),
    }
    match &config.command {
        Some(Command::Backup { file }) => {
            let done = backup::backup(&config.database_url(), file).await?;
            println!("{done}");
            return Ok(());
        }
        Some(Command::Migrate { from, to }) => {
            let done = tuanle_server::migrate::migrate(from, to).await?;
            println!("{done}");
            return Ok(());
        }
        None => {}
    }
    let app = Application::build(&config).await?;
    if config.demo {
        match config.log_format {
            // For the person at the terminal: the demo accounts and their password.
            LogFormat::Text => println!("{}", tuanle_server::demo::accounts_summary()),
            // A log collector keeps no password, not even the demo's.
            LogFormat::Json => tracing::info!("demo data on: its accounts are in the README"),
        }
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
