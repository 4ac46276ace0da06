//! The `backend-service` binary: reads its [`Config`] from the environment,
//! connects to DynamoDB and serves [`app`] until SIGTERM or Ctrl-C, then
//! finishes the requests in flight and exits 0.
//!
//! A missing or invalid setting stops it before anything else, with a message
//! on stderr naming the variable and exit code 2.

use std::io::IsTerminal as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use aws_config::{BehaviorVersion, Region};
use backend_service::{app, AppState, Config};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// Log filter when `RUST_LOG` is unset or invalid.
const DEFAULT_LOG_FILTER: &str = "info";

/// Exit code for an unusable configuration.
const EXIT_CONFIG: u8 = 2;

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error)]
enum RunError {
    /// The port could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Accepting or serving connections failed.
    #[error("the server failed: {0}")]
    Serve(#[from] std::io::Error),
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("backend-service: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    init_tracing();
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "backend-service stopped");
            eprintln!("backend-service: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stdout (where the container's log driver reads them), compact, one
/// line per event, filtered by `RUST_LOG`; colours only on a terminal.
fn init_tracing() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG_FILTER));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal())
        .compact()
        .init();
}

/// Serves until a shutdown signal, then until the requests in flight are answered.
async fn run(config: Config) -> Result<(), RunError> {
    // `defaults` also reads `AWS_ENDPOINT_URL_DYNAMODB`, credentials (the
    // environment, the ECS container or instance role) and retry settings.
    let mut loader =
        aws_config::defaults(BehaviorVersion::latest()).region(Region::new(config.region.clone()));
    if let Some(endpoint) = &config.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    let client = aws_sdk_dynamodb::Client::new(&loader.load().await);
    let state = AppState::new(client, config.table_name.as_str());

    let address = SocketAddr::from((Ipv4Addr::UNSPECIFIED, config.port));
    let listener = TcpListener::bind(address)
        .await
        .map_err(|source| RunError::Bind { address, source })?;
    let local = listener.local_addr()?;
    tracing::info!(
        address = %local,
        table = %config.table_name,
        region = %config.region,
        endpoint = config.endpoint_url.as_deref().unwrap_or("default"),
        "listening"
    );
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("shut down: every request in flight was answered");
    Ok(())
}

/// Resolves at the first SIGTERM (what ECS sends to stop a task) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received: shutting down, finishing requests in flight"),
        () = terminate => tracing::info!("SIGTERM received: shutting down, finishing requests in flight"),
    }
}
