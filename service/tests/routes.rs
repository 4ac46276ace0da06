//! The routes of the service, served in-process against moto: every route and
//! every error answer, in the one JSON error shape.

mod common;

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use backend_service::{AppState, BODY_LIMIT};
use serde_json::{json, Value};

use common::{new_table, post_head, read_response, send_raw, serve};

/// `{"error": "…"}`, and nothing else: the message.
fn error_message(body: &Value) -> &str {
    let object = body.as_object().expect("an error body is a JSON object");
    assert_eq!(object.len(), 1, "only `error` in {body}");
    object["error"].as_str().expect("`error` is a string")
}

/// Sends a request and answers status, content type and JSON body.
async fn json_response(request: reqwest::RequestBuilder) -> (u16, String, Value) {
    let response = request.send().await.expect("the service answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("status {status}: body is not JSON ({e}): {text:?}"));
    (status, content_type, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_check_answers_healthy() {
    let (state, _) = new_table("health").await;
    let base = serve(state).await;
    let response = common::client()
        .get(format!("{base}{}", backend_service::HEALTH_PATH))
        .send()
        .await
        .expect("GET /");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("body"), "Healthy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_of_an_empty_table_has_boto3s_shape() {
    let (state, _) = new_table("empty").await;
    let base = serve(state).await;
    let (status, content_type, body) =
        json_response(common::client().get(format!("{base}/api/v1/get"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "application/json");
    assert_eq!(body["Count"], 0);
    assert_eq!(body["Items"], json!([]));
    assert_eq!(body["ScannedCount"], 0);
    let metadata = &body["ResponseMetadata"];
    assert_eq!(metadata["HTTPStatusCode"], 200, "{body}");
    assert_eq!(metadata["RetryAttempts"], 0, "{body}");
    assert!(metadata["RequestId"].is_string(), "{body}");
    assert_eq!(
        metadata["HTTPHeaders"]["content-type"], "application/x-amz-json-1.0",
        "{body}"
    );
    let mut keys: Vec<&str> = body
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["Count", "Items", "ResponseMetadata", "ScannedCount"],
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_stores_the_item_and_get_reads_it_back() {
    let (state, table) = new_table("items").await;
    let sdk = common::dynamodb().await;
    let base = serve(state).await;
    let item = json!({
        "id": "a1",
        "name": "first",
        "count": 42,
        "ratio": 0.5,
        "active": true,
        "nothing": null,
        "tags": ["x", 2],
        "nested": {"ok": false, "list": [{"deep": "yes"}]},
    });

    let (status, content_type, body) = json_response(
        common::client()
            .post(format!("{base}/api/v1/items"))
            .json(&item),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(content_type, "application/json");
    assert_eq!(body, item);

    // Stored with the types the issue asks for, read through the SDK itself.
    let stored = sdk
        .get_item()
        .table_name(&table)
        .key("id", AttributeValue::S("a1".into()))
        .send()
        .await
        .expect("GetItem")
        .item
        .expect("the item is stored");
    assert_eq!(stored["id"], AttributeValue::S("a1".into()));
    assert_eq!(stored["count"], AttributeValue::N("42".into()));
    assert_eq!(stored["ratio"], AttributeValue::N("0.5".into()));
    assert_eq!(stored["active"], AttributeValue::Bool(true));
    assert_eq!(stored["nothing"], AttributeValue::Null(true));
    assert!(matches!(stored["tags"], AttributeValue::L(_)));
    assert!(matches!(stored["nested"], AttributeValue::M(_)));

    let (status, _, body) =
        json_response(common::client().get(format!("{base}/api/v1/items/a1"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, item);

    let (status, _, body) = json_response(common::client().get(format!("{base}/api/v1/get"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Count"], 1);
    assert_eq!(body["ScannedCount"], 1);
    assert_eq!(body["Items"], json!([item]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_of_a_missing_item_is_a_404_naming_it() {
    let (state, _) = new_table("missing-item").await;
    let base = serve(state).await;
    let (status, content_type, body) =
        json_response(common::client().get(format!("{base}/api/v1/items/no-such-id-42"))).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(content_type, "application/json");
    assert!(error_message(&body).contains("no-such-id-42"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_without_a_string_id_is_a_400_naming_id() {
    let (state, _) = new_table("bad-id").await;
    let base = serve(state).await;
    for bad in [
        json!({"name": "no id"}),
        json!({"id": 7}),
        json!({"id": null}),
        json!({"id": ["a"]}),
        json!({"id": ""}),
    ] {
        let (status, _, body) = json_response(
            common::client()
                .post(format!("{base}/api/v1/items"))
                .json(&bad),
        )
        .await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(error_message(&body).contains("`id`"), "{bad}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_of_a_body_that_is_not_a_json_object_is_a_400() {
    let (state, _) = new_table("not-object").await;
    let base = serve(state).await;
    for (raw, expected) in [
        ("not json", "not valid JSON"),
        ("{\"id\": \"a\"", "not valid JSON"),
        ("", "not valid JSON"),
        ("[{\"id\": \"a\"}]", "JSON object"),
        ("\"id\"", "JSON object"),
        ("42", "JSON object"),
    ] {
        let (status, content_type, body) = json_response(
            common::client()
                .post(format!("{base}/api/v1/items"))
                .header("content-type", "application/json")
                .body(raw),
        )
        .await;
        assert_eq!(status, 400, "{raw:?}: {body}");
        assert_eq!(content_type, "application/json");
        assert!(error_message(&body).contains(expected), "{raw:?}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_without_a_json_content_type_is_a_415() {
    let (state, _) = new_table("content-type").await;
    let base = serve(state).await;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = common::client()
            .post(format!("{base}/api/v1/items"))
            .body(r#"{"id": "a"}"#);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let (status, _, body) = json_response(request).await;
        assert_eq!(status, 415, "{content_type:?}: {body}");
        assert!(error_message(&body).contains("application/json"), "{body}");
    }
    // `application/…+json` is JSON too.
    let (status, _, body) = json_response(
        common::client()
            .post(format!("{base}/api/v1/items"))
            .header("content-type", "application/merge-patch+json")
            .body(r#"{"id": "a"}"#),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_of_an_oversized_body_is_a_413() {
    let (state, _) = new_table("too-large").await;
    let base = serve(state).await;
    let big = json!({"id": "big", "blob": "x".repeat(BODY_LIMIT)});

    // With a Content-Length: refused before the body is read.
    let (status, content_type, body) = json_response(
        common::client()
            .post(format!("{base}/api/v1/items"))
            .json(&big),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(content_type, "application/json");
    assert!(
        error_message(&body).contains(&BODY_LIMIT.to_string()),
        "{body}"
    );

    // Chunked, without a length: cut off while reading.
    let addr = base.trim_start_matches("http://");
    let payload = big.to_string();
    let mut request = format!(
        "POST /api/v1/items HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in payload.as_bytes().chunks(8 * 1024) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let mut stream = send_raw(addr, &request).await;
    let response = read_response(&mut stream).await;
    assert_eq!(response.status, 413, "{response:?}");
    assert!(
        response
            .head
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{response:?}"
    );
    assert!(response.body.contains("\"error\""), "{response:?}");

    // Just under the limit is fine.
    let fits = json!({"id": "fits", "blob": "x".repeat(BODY_LIMIT - 100)});
    let (status, _, body) = json_response(
        common::client()
            .post(format!("{base}/api/v1/items"))
            .json(&fits),
    )
    .await;
    assert_eq!(status, 201, "{}", body["error"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_merges_every_page() {
    const PAGE: i32 = 2;
    const ITEMS: usize = 7;
    let (state, table) = new_table("pages").await;
    let sdk = common::dynamodb().await;
    for i in 0..ITEMS {
        sdk.put_item()
            .table_name(&table)
            .item("id", AttributeValue::S(format!("item-{i}")))
            .item("n", AttributeValue::N(i.to_string()))
            .send()
            .await
            .expect("PutItem");
    }
    // The table really pages at this size: a single Scan stops short.
    let first = sdk
        .scan()
        .table_name(&table)
        .limit(PAGE)
        .send()
        .await
        .expect("Scan");
    assert_eq!(first.count(), PAGE);
    assert!(first.last_evaluated_key().is_some_and(|k| !k.is_empty()));

    let base = serve(state.with_page_size(PAGE)).await;
    let (status, _, body) = json_response(common::client().get(format!("{base}/api/v1/get"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Count"], ITEMS, "{body}");
    assert_eq!(body["ScannedCount"], ITEMS, "{body}");
    let mut ids: Vec<&str> = body["Items"]
        .as_array()
        .expect("Items is an array")
        .iter()
        .map(|item| item["id"].as_str().expect("a string id"))
        .collect();
    ids.sort_unstable();
    let expected: Vec<String> = (0..ITEMS).map(|i| format!("item-{i}")).collect();
    assert_eq!(ids, expected);
    assert_eq!(body["ResponseMetadata"]["HTTPStatusCode"], 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_failures_are_a_500_that_leaks_nothing() {
    let client = common::dynamodb().await;
    let table = common::unique_name("table-that-does-not-exist");
    let base = serve(AppState::new(client, table.as_str())).await;
    let requests = [
        common::client().get(format!("{base}/api/v1/get")),
        common::client().get(format!("{base}/api/v1/items/some-id")),
        common::client()
            .post(format!("{base}/api/v1/items"))
            .json(&json!({"id": "x"})),
    ];
    for request in requests {
        let (status, content_type, body) = json_response(request).await;
        assert_eq!(status, 500, "{body}");
        assert_eq!(content_type, "application/json");
        let message = error_message(&body);
        for secret in [
            table.as_str(),
            "ResourceNotFound",
            "resource not found",
            "Requested resource",
            "dynamodb",
            "127.0.0.1",
        ] {
            assert!(
                !message.to_lowercase().contains(&secret.to_lowercase()),
                "{secret:?} leaked: {message}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_and_methods_answer_json_errors() {
    let (state, _) = new_table("routing").await;
    let base = serve(state).await;

    let (status, content_type, body) =
        json_response(common::client().get(format!("{base}/api/v2/nothing"))).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(content_type, "application/json");
    assert!(error_message(&body).contains("/api/v2/nothing"), "{body}");

    let response = common::client()
        .delete(format!("{base}/api/v1/items/a"))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(response.status(), 405);
    assert_eq!(
        response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok()),
        Some("GET,HEAD")
    );
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(error_message(&body), "method not allowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_runs_out_of_time_is_a_json_503() {
    let (state, _) = new_table("timeout").await;
    let base = serve(state.with_request_timeout(Duration::from_millis(300))).await;
    let addr = base.trim_start_matches("http://");
    // A body announced but never finished keeps the request in flight.
    let mut stream = send_raw(
        addr,
        format!("{}{{\"id\":", post_head(addr, 100)).as_bytes(),
    )
    .await;
    let started = std::time::Instant::now();
    let response = read_response(&mut stream).await;
    assert_eq!(response.status, 503, "{response:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered after {:?}",
        started.elapsed()
    );
    assert!(
        response
            .head
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{response:?}"
    );
    let body: Value = serde_json::from_str(&response.body).expect("a JSON body");
    assert!(error_message(&body).contains("too long"), "{body}");
}
