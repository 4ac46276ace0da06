//! The backend microservice of the reference stack: the Rust equivalent of the
//! original Flask app, on axum and DynamoDB.
//!
//! What the infrastructure must agree on with the service lives here once: the
//! example stack's task definition and target group take the port and the
//! health-check path from these constants, so the two cannot drift apart.
//!
//! The routes:
//!
//! - `GET /` → `200 Healthy`, the load balancer's health check ([`HEALTH_PATH`]).
//! - `GET /api/v1/get` → the whole table's Scan, every page merged, in the shape
//!   boto3 gives (`Count`, `Items`, `ScannedCount`, `ResponseMetadata`).
//! - `POST /api/v1/items` → stores a JSON object with a string `id`, `201`.
//! - `GET /api/v1/items/{id}` → the item, or `404`.
//!
//! Every error, axum's own rejections included, is a JSON object
//! `{"error": "…"}` ([`ApiError`]). [`app`] builds the whole router, middleware
//! included, so tests serve exactly what the binary serves.

use std::ffi::OsString;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub mod dynamo;
pub mod error;
mod routes;

pub use error::ApiError;

/// The port the service listens on (unless `PORT` says otherwise), the
/// container port of the task definition and the target group's port.
pub const PORT: u16 = 5000;

/// The path the load balancer's health check requests; answers `200 Healthy`.
pub const HEALTH_PATH: &str = "/";

/// The largest request body accepted, in bytes (64 KiB); a larger one is
/// answered `413`. Items are small documents, and DynamoDB's own item limit
/// (400 KB) is far above it, so a stored item never fails for its size.
pub const BODY_LIMIT: usize = 64 * 1024;

/// How long a request may take, reading its body included, before it is
/// answered [`TIMEOUT_STATUS`]. Below the load balancer's idle timeout (30 s).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The status of a request that ran out of time: `503`, since the usual cause
/// is a slow database rather than a slow client, and clients retry a 503.
pub const TIMEOUT_STATUS: StatusCode = StatusCode::SERVICE_UNAVAILABLE;

/// The service's settings, read from the environment by [`Config::from_env`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `TABLE_NAME`: the DynamoDB table, whose hash key is the string `id`.
    pub table_name: String,
    /// `AWS_REGION`: the region of the table.
    pub region: String,
    /// `AWS_ENDPOINT_URL`, optional: another endpoint for AWS, such as a local
    /// emulator (moto, LocalStack).
    pub endpoint_url: Option<String>,
    /// `PORT`, default [`PORT`]: the TCP port to listen on, on every interface.
    /// `0` picks a free port (the address is logged).
    pub port: u16,
}

/// A setting missing from or invalid in the environment. The message names the
/// variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or empty.
    #[error("missing environment variable {name}: {meaning}")]
    Missing {
        /// The variable's name.
        name: &'static str,
        /// What it must hold.
        meaning: &'static str,
    },
    /// A variable is set to a value that cannot be used.
    #[error("invalid environment variable {name}={value:?}: {reason}")]
    Invalid {
        /// The variable's name.
        name: &'static str,
        /// Its value (lossily decoded when it is not UTF-8).
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl Config {
    /// Reads the settings from the process environment.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] naming the first variable that is missing or invalid.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var_os(name))
    }

    /// Reads the settings through `lookup`, which returns a variable's value:
    /// [`Config::from_env`] without the process environment, for tests.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] naming the first variable that is missing or invalid.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Result<Config, ConfigError> {
        // Unset and empty mean the same: an empty `TABLE_NAME=` in a task
        // definition is a mistake, not a table name.
        let var = |name: &'static str| -> Result<Option<String>, ConfigError> {
            match lookup(name) {
                None => Ok(None),
                Some(value) if value.is_empty() => Ok(None),
                Some(value) => {
                    value
                        .into_string()
                        .map(Some)
                        .map_err(|value| ConfigError::Invalid {
                            name,
                            value: value.to_string_lossy().into_owned(),
                            reason: "not valid UTF-8",
                        })
                }
            }
        };
        let required = |name: &'static str, meaning: &'static str| {
            var(name)?.ok_or(ConfigError::Missing { name, meaning })
        };
        let table_name = required("TABLE_NAME", "the name of the DynamoDB table to serve")?;
        let region = required("AWS_REGION", "the AWS region of the table, e.g. eu-west-2")?;
        let endpoint_url = var("AWS_ENDPOINT_URL")?;
        let port = match var("PORT")? {
            None => PORT,
            Some(value) => value.trim().parse().map_err(|_| ConfigError::Invalid {
                name: "PORT",
                value,
                reason: "expected a TCP port number from 0 to 65535",
            })?,
        };
        Ok(Config {
            table_name,
            region,
            endpoint_url,
            port,
        })
    }
}

/// What every request handler shares: the DynamoDB client and the table.
#[derive(Debug, Clone)]
pub struct AppState {
    pub(crate) client: aws_sdk_dynamodb::Client,
    pub(crate) table_name: Arc<str>,
    /// `Limit` of each Scan request; `None` lets DynamoDB fill 1 MB pages.
    pub(crate) page_size: Option<i32>,
    request_timeout: Duration,
}

impl AppState {
    /// The state for serving `table_name` through `client`, with the default
    /// page size and [`REQUEST_TIMEOUT`].
    pub fn new(client: aws_sdk_dynamodb::Client, table_name: impl Into<Arc<str>>) -> AppState {
        AppState {
            client,
            table_name: table_name.into(),
            page_size: None,
            request_timeout: REQUEST_TIMEOUT,
        }
    }

    /// Asks DynamoDB for at most `page_size` items per Scan page (its `Limit`).
    /// The answer is the same, only split into more requests: tests use it to
    /// prove that every page is merged.
    #[must_use]
    pub fn with_page_size(mut self, page_size: i32) -> AppState {
        self.page_size = Some(page_size);
        self
    }

    /// Replaces [`REQUEST_TIMEOUT`].
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> AppState {
        self.request_timeout = timeout;
        self
    }
}

/// The whole service: routes and middleware (request logs, JSON error bodies,
/// the request timeout, the body limit).
pub fn app(state: AppState) -> Router {
    let timeout = state.request_timeout;
    Router::new()
        .route(HEALTH_PATH, get(routes::health))
        .route("/api/v1/get", get(routes::scan))
        .route("/api/v1/items", post(routes::put_item))
        .route("/api/v1/items/{id}", get(routes::get_item))
        .fallback(routes::no_route)
        .with_state(state)
        // Listed outermost first.
        .layer(
            ServiceBuilder::new()
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                // Outside the two layers below, whose own answers (408/503,
                // 413) have no JSON body, and outside the router's 405.
                .layer(axum::middleware::map_response(error::json_error_body))
                // Counts from the first byte of the request, so a client that
                // sends its body slowly is cut off too.
                .layer(TimeoutLayer::with_status_code(TIMEOUT_STATUS, timeout))
                // Refuses a too-long `Content-Length` before reading anything,
                // and cuts off a chunked body once it passes the limit (the
                // JSON extractor then answers 413 through `ApiError`).
                .layer(RequestBodyLimitLayer::new(BODY_LIMIT)),
        )
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        Config::from_lookup(|name| env.get(name).cloned())
    }

    #[test]
    fn reads_every_setting() {
        let got = config(&[
            ("TABLE_NAME", "items"),
            ("AWS_REGION", "eu-west-2"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5555"),
            ("PORT", "8080"),
        ]);
        assert_eq!(
            got,
            Ok(Config {
                table_name: "items".to_owned(),
                region: "eu-west-2".to_owned(),
                endpoint_url: Some("http://127.0.0.1:5555".to_owned()),
                port: 8080,
            })
        );
    }

    #[test]
    fn port_defaults_to_5000_and_endpoint_is_optional() {
        let got = config(&[("TABLE_NAME", "items"), ("AWS_REGION", "eu-west-2")]).expect("valid");
        assert_eq!(got.port, 5000);
        assert_eq!(got.endpoint_url, None);
    }

    #[test]
    fn missing_table_name_is_named() {
        let err = config(&[("AWS_REGION", "eu-west-2")]).expect_err("TABLE_NAME is required");
        assert!(matches!(
            err,
            ConfigError::Missing {
                name: "TABLE_NAME",
                ..
            }
        ));
        assert!(err.to_string().contains("TABLE_NAME"), "{err}");
        // Empty counts as missing.
        let err = config(&[("TABLE_NAME", ""), ("AWS_REGION", "eu-west-2")]).expect_err("empty");
        assert!(err.to_string().contains("TABLE_NAME"), "{err}");
    }

    #[test]
    fn missing_region_is_named() {
        let err = config(&[("TABLE_NAME", "items")]).expect_err("AWS_REGION is required");
        assert!(err.to_string().contains("AWS_REGION"), "{err}");
    }

    #[test]
    fn unparsable_port_is_named() {
        for bad in ["http", "-1", "65536", "50 00"] {
            let err = config(&[
                ("TABLE_NAME", "items"),
                ("AWS_REGION", "eu-west-2"),
                ("PORT", bad),
            ])
            .expect_err("invalid port");
            assert!(
                matches!(err, ConfigError::Invalid { name: "PORT", .. }),
                "{bad}: {err}"
            );
            assert!(err.to_string().contains("PORT"), "{err}");
        }
    }
}
