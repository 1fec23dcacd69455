//! `reference-server`: serve the blog, or print the effective configuration.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use axum::ServiceExt;
use axum::serve::ListenerExt;
use clap::{Parser, Subcommand};
use reference_server::App;
use reference_server::config::{self, Config, EnvMap};
use tokio::net::TcpListener;

#[global_allocator]
static ALLOCATOR: reference_server::Allocator = reference_server::Allocator;

/// Exit code for a configuration the server refuses (the design's contract).
const EXIT_CONFIG: u8 = 2;

#[derive(Parser)]
#[command(
    version,
    about = "The rc-harness reference blog server. Configured by environment variables."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the blog (the default).
    Serve,
    /// Print the effective configuration as JSON and exit: 0 when valid, 2 with every
    /// error otherwise.
    Config,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env = read_env();
    let config = match config::resolve(&env) {
        Ok(config) => config,
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("reference-server: configuration rejected; nothing was started");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    for warning in &config.warnings {
        eprintln!("warning: {}", warning.message);
    }
    match cli.command.unwrap_or(Command::Serve) {
        Command::Config => print_config(&config),
        Command::Serve => match serve(config) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("reference-server: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// The only place the process environment is read. Non-UTF-8 values are kept (lossily)
/// so that the resolver can reject them by name instead of never seeing them.
fn read_env() -> EnvMap {
    std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect()
}

fn print_config(config: &Config) -> ExitCode {
    match serde_json::to_string_pretty(&config.to_json()) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("reference-server: cannot print the configuration: {e}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn serve(config: Config) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let regressions = config.regressions.value.clone();
    if !regressions.is_empty() {
        let names: Vec<&str> = regressions.iter().map(|r| r.name()).collect();
        tracing::warn!(
            "REGRESSION SWITCHES ON: {} (historical bugs re-enabled on purpose; never run this in production)",
            names.join(", ")
        );
    }
    let bind = config.bind_addr.value;
    let app = App::build(config).context("start-up failed")?;
    let listener = TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot bind BIND_ADDR={bind}"))?;
    let addr = listener
        .local_addr()
        .context("bound socket has no address")?;
    {
        // The first stdout line is a contract: tests read the port from it.
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{addr}")?;
        if app.admin_token().was_generated() {
            writeln!(
                out,
                "admin token (generated because ADMIN_TOKEN is unset; shown once): {}",
                app.admin_token().reveal()
            )?;
        }
        out.flush()?;
    }
    // TCP_NODELAY, as nginx sets on kept-alive connections: with Nagle's algorithm on,
    // the last small segment of a response waits for the client's delayed ACK, about
    // 40 ms per streamed file on a reused connection (the harness's keep-alive check).
    // Regression `nagle-stall` keeps Nagle's algorithm on.
    let nodelay = !regressions.contains(reference_server::config::Regression::NagleStall);
    let listener = listener.tap_io(move |tcp| {
        if let Err(e) = tcp.set_nodelay(nodelay) {
            tracing::warn!("cannot set TCP_NODELAY on a connection: {e}");
        }
    });
    axum::serve(listener, app.site().into_make_service())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server failed")?;
    tracing::info!("shut down cleanly");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
