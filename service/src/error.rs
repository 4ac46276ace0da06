//! The one shape of every error answer: `{"error": "<message>"}` with the
//! status that says what went wrong.
//!
//! Handlers return [`ApiError`]; axum's rejections of a body (not JSON, wrong
//! content type, too large) and of a path convert into it; answers made by
//! middleware or the router itself (timeout, body limit, `405`) get the same
//! shape from a response middleware of [`app`](crate::app).

use std::error::Error as StdError;

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::RequestId;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{BoxError, Json};

use crate::dynamo::ItemError;
use crate::BODY_LIMIT;

/// Why a request failed, as answered to the client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON (`400`).
    #[error("the request body is not valid JSON: {0}")]
    InvalidJson(String),
    /// The body is not declared as JSON (`415`).
    #[error("the request body must be JSON, sent with `Content-Type: application/json`")]
    UnsupportedMediaType,
    /// The body is larger than [`BODY_LIMIT`] (`413`).
    #[error("the request body is larger than the limit of {BODY_LIMIT} bytes")]
    PayloadTooLarge,
    /// The body is JSON but not an object (`400`).
    #[error("the request body must be a JSON object, not {found}")]
    NotAnObject {
        /// The JSON type found: `an array`, `a string`, …
        found: &'static str,
    },
    /// The item has no `id` (`400`).
    #[error("missing `id`: an item needs a non-empty string `id`")]
    MissingId,
    /// The item's `id` is not a non-empty string (`400`).
    #[error("invalid `id`: expected a non-empty string, found {found}")]
    InvalidId {
        /// The JSON type found, or `an empty string`.
        found: &'static str,
    },
    /// The item cannot be stored as it is (`400`).
    #[error(transparent)]
    InvalidItem(#[from] ItemError),
    /// No item has this `id` (`404`).
    #[error("no item with id {id:?}")]
    ItemNotFound {
        /// The `id` asked for.
        id: String,
    },
    /// No route matches the request's path (`404`).
    #[error("no route for {path:?}")]
    NoRoute {
        /// The request's path.
        path: String,
    },
    /// Another rejection of the request by axum, with axum's status and text.
    #[error("{message}")]
    Rejected {
        /// The status axum chose (a `4xx`).
        status: StatusCode,
        /// axum's description.
        message: String,
    },
    /// A DynamoDB request failed (`500`). The client is told nothing more; the
    /// cause is logged when the answer is made.
    #[error("DynamoDB {operation} failed")]
    Database {
        /// The DynamoDB operation, such as `Scan`.
        operation: &'static str,
        /// What went wrong, for the log only: AWS's error code, message and
        /// request id, or the SDK's description of a failure to get an answer.
        detail: String,
    },
}

/// What a client is told of a [`ApiError::Database`]: nothing of the table,
/// the request or AWS's message.
const DATABASE_MESSAGE: &str = "internal error: the database request failed";

impl ApiError {
    /// A failed DynamoDB `operation`, keeping what the SDK says for the log.
    pub fn database<E>(operation: &'static str, error: SdkError<E, HttpResponse>) -> ApiError
    where
        E: ProvideErrorMetadata + RequestId + StdError + Send + Sync + 'static,
    {
        let detail = match error.as_service_error() {
            Some(service) => format!(
                "{}: {} (request id {})",
                service.code().unwrap_or("unknown error"),
                service.message().unwrap_or("no message"),
                service.request_id().unwrap_or("unknown"),
            ),
            // No answer from AWS (connection, timeout, credentials): the
            // whole chain of causes.
            None => DisplayErrorContext(&error).to_string(),
        };
        ApiError::Database { operation, detail }
    }

    /// The status of the answer.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidJson(_)
            | ApiError::NotAnObject { .. }
            | ApiError::MissingId
            | ApiError::InvalidId { .. }
            | ApiError::InvalidItem(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::ItemNotFound { .. } | ApiError::NoRoute { .. } => StatusCode::NOT_FOUND,
            ApiError::Rejected { status, .. } => *status,
            ApiError::Database { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::Database { operation, detail } => {
                tracing::error!(operation, error = %detail, "DynamoDB request failed");
                error_response(status, DATABASE_MESSAGE)
            }
            other => error_response(status, &other.to_string()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
            JsonRejection::JsonSyntaxError(e) => ApiError::InvalidJson(e.body_text()),
            // Cannot happen for `serde_json::Value`, but it is bad JSON input all
            // the same (axum would say 422).
            JsonRejection::JsonDataError(e) => ApiError::InvalidJson(e.body_text()),
            // Reading the body stopped at the limit (a chunked body, whose
            // length the limit layer could not see up front).
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge
            }
            other => ApiError::Rejected {
                status: other.status(),
                message: other.body_text(),
            },
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> ApiError {
        ApiError::Rejected {
            status: rejection.status(),
            message: rejection.body_text(),
        }
    }
}

/// `{"error": message}` with `status`.
fn error_response(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

/// Response middleware: gives the JSON error shape to an error answer that has
/// another body (or none) — those made by the timeout and body-limit layers
/// and by the router (`405`). Headers such as `Allow` are kept.
pub(crate) async fn json_error_body<B>(response: axum::http::Response<B>) -> Response
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let response = response.map(Body::new);
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge.to_string(),
        s if s == crate::TIMEOUT_STATUS || s == StatusCode::REQUEST_TIMEOUT => {
            "the request took too long and was cancelled".to_owned()
        }
        s => s
            .canonical_reason()
            .unwrap_or("request failed")
            .to_lowercase(),
    };
    let (mut parts, _) = response.into_parts();
    let fresh = error_response(status, &message);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, fresh.into_body())
}
