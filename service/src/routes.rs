//! The request handlers.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::RequestId as _;
use aws_sdk_dynamodb::types::AttributeValue;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::Json;
use serde_json::{json, Value};

use crate::{dynamo, ApiError, AppState};

/// The hash key of the table: a string.
const KEY: &str = "id";

/// `GET /`: the load balancer's health check. It does not touch DynamoDB, so a
/// database outage does not take every task out of the target group.
pub(crate) async fn health() -> &'static str {
    "Healthy"
}

/// `GET /api/v1/get`: the whole table, as boto3's `table.scan()` renders it
/// through Flask's `jsonify`, except that every page is read and merged
/// (`Count` and `ScannedCount` summed) where boto3 returned the first only.
/// `ResponseMetadata` describes the first page's response.
pub(crate) async fn scan(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let mut items = Vec::new();
    let (mut count, mut scanned_count) = (0_i64, 0_i64);
    let mut request_id: Option<String> = None;
    let mut start_key: Option<HashMap<String, AttributeValue>> = None;
    // DynamoDB ends a scan with an absent or empty `LastEvaluatedKey`; the
    // request timeout bounds the loop whatever the table's size.
    loop {
        let page = state
            .client
            .scan()
            .table_name(&*state.table_name)
            .set_limit(state.page_size)
            .set_exclusive_start_key(start_key.take())
            .send()
            .await
            .map_err(|e| ApiError::database("Scan", e))?;
        if request_id.is_none() {
            request_id = page.request_id().map(str::to_owned);
        }
        count += i64::from(page.count());
        scanned_count += i64::from(page.scanned_count());
        items.extend(page.items().iter().map(dynamo::item_to_json));
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start_key = Some(key),
            _ => break,
        }
    }
    tracing::debug!(count, scanned_count, "table scanned");
    Ok(Json(json!({
        "Count": count,
        "Items": items,
        "ScannedCount": scanned_count,
        "ResponseMetadata": {
            "RequestId": request_id,
            "HTTPStatusCode": 200,
            "HTTPHeaders": {
                "content-type": "application/x-amz-json-1.0",
                "x-amzn-requestid": request_id,
            },
            "RetryAttempts": 0,
        },
    })))
}

/// `POST /api/v1/items`: stores a JSON object whose `id` is a non-empty string
/// (replacing any item with that `id`) and answers `201` with it.
pub(crate) async fn put_item(
    State(state): State<AppState>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(body) = body?;
    let Value::Object(fields) = body else {
        return Err(ApiError::NotAnObject {
            found: json_type(&body),
        });
    };
    let id = match fields.get(KEY) {
        None => return Err(ApiError::MissingId),
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        Some(Value::String(_)) => {
            return Err(ApiError::InvalidId {
                found: "an empty string",
            })
        }
        Some(other) => {
            return Err(ApiError::InvalidId {
                found: json_type(other),
            })
        }
    };
    let item = dynamo::item_from_json(&fields)?;
    state
        .client
        .put_item()
        .table_name(&*state.table_name)
        .set_item(Some(item))
        .send()
        .await
        .map_err(|e| ApiError::database("PutItem", e))?;
    tracing::info!(id, "item stored");
    Ok((StatusCode::CREATED, Json(Value::Object(fields))))
}

/// `GET /api/v1/items/{id}`: the item, or `404`.
pub(crate) async fn get_item(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(id) = id?;
    let found = state
        .client
        .get_item()
        .table_name(&*state.table_name)
        .key(KEY, AttributeValue::S(id.clone()))
        .send()
        .await
        .map_err(|e| ApiError::database("GetItem", e))?;
    match found.item {
        Some(item) if !item.is_empty() => Ok(Json(dynamo::item_to_json(&item))),
        _ => Err(ApiError::ItemNotFound { id }),
    }
}

/// Any other path: `404` in the JSON error shape.
pub(crate) async fn no_route(uri: Uri) -> ApiError {
    ApiError::NoRoute {
        path: uri.path().to_owned(),
    }
}

/// The JSON type of a value, for error messages.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
