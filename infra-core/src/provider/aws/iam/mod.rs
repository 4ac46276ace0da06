//! IAM resource types: `aws_iam_role` ([`role`]) and `aws_iam_instance_profile`
//! ([`instance_profile`]); and what they share: policy documents between the
//! catalog's typed block and IAM's JSON, IAM tags, and the error codes.

use std::collections::BTreeMap;
use std::future::Future;

use aws_sdk_iam::types::Tag;
use serde_json::Map;

use crate::model::Value;
use crate::provider::aws::{retry_eventual, vanished, EVENTUAL_CONSISTENCY_TIMEOUT};
use crate::provider::{Observed, ProviderError};

pub(crate) mod instance_profile;
pub(crate) mod role;

/// The policy language version every document is written in.
pub(crate) const POLICY_VERSION: &str = "2012-10-17";

/// The error code of an IAM entity (role, profile, policy) that does not exist.
pub(crate) const NOT_FOUND: &str = "NoSuchEntity";

/// The statement keys whose value may be one string or a list of them, with the
/// same meaning.
const LIST_KEYS: &[&str] = &["Action", "NotAction", "Resource", "NotResource"];

/// The statement keys naming principals: an object whose values may each be one
/// string or a list of them (or `"*"` itself).
const PRINCIPAL_KEYS: &[&str] = &["Principal", "NotPrincipal"];

/// The IAM JSON of a policy document block, as the engine builds it from the
/// catalog's `iam::PolicyDocument`: `{statements: [{sid?, effect, actions,
/// resources?, principals?: {service?, aws?}, allow_wildcard}]}`. Lists are sent
/// as lists, in the declared order; `allow_wildcard` is a compile-time opt-out and
/// never sent.
pub(crate) fn policy_json(block: &Value) -> Result<String, ProviderError> {
    let statements = block
        .get("statements")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("a policy document needs a list of `statements`"))?
        .iter()
        .map(statement_json)
        .collect::<Result<Vec<_>, _>>()?;
    let document = Map::from_iter([
        ("Version".to_owned(), Value::from(POLICY_VERSION)),
        ("Statement".to_owned(), Value::Array(statements)),
    ]);
    Ok(Value::Object(document).to_string())
}

/// The IAM JSON object of one statement block.
fn statement_json(statement: &Value) -> Result<Value, ProviderError> {
    let mut json = Map::new();
    if let Some(sid) = statement.get("sid").and_then(Value::as_str) {
        json.insert("Sid".to_owned(), Value::from(sid));
    }
    let effect = statement
        .get("effect")
        .and_then(Value::as_str)
        .unwrap_or("Allow");
    json.insert("Effect".to_owned(), Value::from(effect));
    let actions = strings(statement, "actions")?
        .ok_or_else(|| invalid("every policy statement needs `actions`"))?;
    json.insert("Action".to_owned(), actions);
    if let Some(resources) = strings(statement, "resources")? {
        json.insert("Resource".to_owned(), resources);
    }
    if let Some(principals) = statement.get("principals").filter(|p| !p.is_null()) {
        let mut principal = Map::new();
        if let Some(service) = strings(principals, "service")? {
            principal.insert("Service".to_owned(), service);
        }
        if let Some(aws) = strings(principals, "aws")? {
            principal.insert("AWS".to_owned(), aws);
        }
        json.insert("Principal".to_owned(), Value::Object(principal));
    }
    Ok(Value::Object(json))
}

/// The list of strings `field` of `block`, checked; `None` when it is not set.
fn strings(block: &Value, field: &str) -> Result<Option<Value>, ProviderError> {
    let Some(value) = block.get(field).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let ok = value
        .as_array()
        .is_some_and(|items| items.iter().all(Value::is_string));
    if ok {
        Ok(Some(value.clone()))
    } else {
        Err(invalid(&format!(
            "policy field `{field}` must be a list of strings, not {value}"
        )))
    }
}

/// A policy document as IAM returns it, in a canonical form to compare by
/// meaning: URL-encoded text decoded (GetRole, GetRolePolicy and their kind
/// return the document percent-encoded; raw JSON is accepted as well), object
/// keys sorted, `Statement` always a list, and `Action`, `NotAction`, `Resource`,
/// `NotResource`, each principal's and each condition key's value always a list
/// (IAM reads one string and a one-element list alike). The order of lists is
/// kept: IAM returns them as they were sent. `Version` is kept. `None` when the
/// text is not JSON.
pub(crate) fn canonical_policy(text: &str) -> Option<Value> {
    let document = serde_json::from_str(text)
        .ok()
        .or_else(|| serde_json::from_str(&percent_decode(text)?).ok())?;
    Some(canonical_document(document))
}

/// [`canonical_policy`] of a parsed document.
fn canonical_document(document: Value) -> Value {
    let Value::Object(mut document) = document else {
        return document;
    };
    if let Some(statement) = document.remove("Statement") {
        let statements = match statement {
            Value::Array(statements) => statements,
            one => vec![one],
        };
        let statements = statements.into_iter().map(canonical_statement).collect();
        document.insert("Statement".to_owned(), Value::Array(statements));
    }
    sorted_keys(Value::Object(document))
}

/// One statement in canonical form (see [`canonical_policy`]).
fn canonical_statement(statement: Value) -> Value {
    let Value::Object(statement) = statement else {
        return statement;
    };
    let statement = statement
        .into_iter()
        .map(|(key, value)| {
            let value = if LIST_KEYS.contains(&key.as_str()) {
                as_list(value)
            } else if PRINCIPAL_KEYS.contains(&key.as_str()) || key == "Condition" {
                // `{"Service": "x"}` and `{"StringEquals": {"k": "v"}}`: the
                // innermost values are lists.
                map_values(value, &|inner| {
                    if key == "Condition" {
                        map_values(inner, &as_list)
                    } else {
                        as_list(inner)
                    }
                })
            } else {
                value
            };
            (key, value)
        })
        .collect();
    Value::Object(statement)
}

/// `value` with `f` applied to each of its values, when it is an object.
fn map_values(value: Value, f: &dyn Fn(Value) -> Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, f(v))).collect()),
        other => other,
    }
}

/// One string as a one-element list; anything else as it is.
fn as_list(value: Value) -> Value {
    match value {
        Value::String(_) => Value::Array(vec![value]),
        other => other,
    }
}

/// `value` with the keys of every object in it in sorted order, whatever the
/// map type serde_json was built with.
fn sorted_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, sorted_keys(v))).collect();
            Value::Object(sorted.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted_keys).collect()),
        other => other,
    }
}

/// `text` with every `%XX` escape decoded (RFC 3986; `+` is left alone, as IAM
/// encodes spaces as `%20`); `None` when an escape is malformed or the result is
/// not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            decoded.push(byte);
            i += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// The policy document block the engine would build from the declaration that
/// yields `document` (a [`canonical_policy`]): the inverse of [`policy_json`].
/// What the block cannot express (`Condition`, `NotAction`, a `"*"` principal,
/// another `Version`) is kept under its JSON key, so that it differs from every
/// declaration and shows as drift, which an update then overwrites.
pub(crate) fn policy_block(document: &Value) -> Value {
    let Some(document) = document.as_object() else {
        return document.clone();
    };
    let mut block = Map::new();
    for (key, value) in document {
        match key.as_str() {
            "Statement" => {
                let statements = value
                    .as_array()
                    .map(|statements| statements.iter().map(statement_block).collect())
                    .unwrap_or_default();
                block.insert("statements".to_owned(), Value::Array(statements));
            }
            "Version" if value.as_str() == Some(POLICY_VERSION) => {}
            _ => {
                block.insert(key.clone(), value.clone());
            }
        }
    }
    if !document.contains_key("Version") {
        // Without a version IAM reads the document as 2008-10-17.
        block.insert("Version".to_owned(), Value::Null);
    }
    Value::Object(block)
}

/// The statement block of one canonical statement.
fn statement_block(statement: &Value) -> Value {
    let Some(statement) = statement.as_object() else {
        return statement.clone();
    };
    let mut block = Map::new();
    for (key, value) in statement {
        let field = match key.as_str() {
            "Sid" => "sid",
            "Effect" => "effect",
            "Action" => "actions",
            "Resource" => "resources",
            "Principal" => {
                block.insert("principals".to_owned(), principals_block(value));
                continue;
            }
            other => other,
        };
        block.insert(field.to_owned(), value.clone());
    }
    // The opt-out is never sent: a declaration that allows `*` must have said so.
    let allows_everything = block.get("effect").and_then(Value::as_str) == Some("Allow")
        && block
            .get("actions")
            .and_then(Value::as_array)
            .is_some_and(|actions| actions.iter().any(|a| a.as_str() == Some("*")));
    block.insert("allow_wildcard".to_owned(), Value::Bool(allows_everything));
    Value::Object(block)
}

/// The principals block of a canonical `Principal`.
fn principals_block(principal: &Value) -> Value {
    let Some(principal) = principal.as_object() else {
        return principal.clone();
    };
    Value::Object(
        principal
            .iter()
            .map(|(key, value)| {
                let field = match key.as_str() {
                    "Service" => "service",
                    "AWS" => "aws",
                    other => other,
                };
                (field.to_owned(), value.clone())
            })
            .collect(),
    )
}

/// IAM tags from a tag map.
pub(crate) fn iam_tags(tags: BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.into_iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| invalid(&err.to_string()))
}

/// An ill-formed request.
fn invalid(message: &str) -> ProviderError {
    ProviderError::Invalid {
        message: message.to_owned(),
    }
}

/// Whether `err` says the role `role` does not exist (yet): AWS's "The role with
/// name X cannot be found." right after the role was made, before IAM has
/// propagated it.
pub(crate) fn role_not_yet_visible(err: &ProviderError, role: &str) -> bool {
    matches!(err, ProviderError::Api { code, message, .. }
        if code == NOT_FOUND && message.contains(&format!("role with name {role} ")))
}

/// Whether `err` is IAM refusing a delete for a dependent just removed (a
/// detached policy, a role taken out of its instance profile) that it has not
/// yet propagated: "Cannot delete entity, must detach all policies first."
pub(crate) fn delete_conflict(err: &ProviderError) -> bool {
    matches!(err, ProviderError::Api { code, message, .. }
        if code == "DeleteConflict" && message.contains("Cannot delete entity, must"))
}

/// `read` of an IAM entity just made or changed, which must exist: retried while
/// IAM has not yet propagated it (a create is not at once visible to a read);
/// [`vanished`] naming `operation` after that.
pub(crate) async fn read_back<F, Fut>(
    operation: &'static str,
    what: &'static str,
    id: &str,
    read: F,
) -> Result<Observed, ProviderError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Option<Observed>, ProviderError>>,
{
    retry_eventual(
        EVENTUAL_CONSISTENCY_TIMEOUT,
        |err| matches!(err, ProviderError::Api { operation: op, code, .. } if *op == operation && code == "NotFound"),
        || {
            let read = read();
            async move { read.await?.ok_or_else(|| vanished(operation, what, id)) }
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The block the engine builds from a trust policy declaration.
    fn trust_block() -> Value {
        json!({"statements": [{
            "effect": "Allow",
            "actions": ["sts:AssumeRole"],
            "principals": {"service": ["ecs-tasks.amazonaws.com"]},
            "allow_wildcard": false,
        }]})
    }

    #[test]
    fn a_block_round_trips_through_iam_json() {
        let block = json!({"statements": [
            {
                "sid": "Read",
                "effect": "Allow",
                "actions": ["dynamodb:GetItem", "dynamodb:Query"],
                "resources": ["arn:aws:dynamodb:eu-west-2:123456789012:table/t"],
                "allow_wildcard": false,
            },
            {
                "effect": "Deny",
                "actions": ["*"],
                "resources": ["*"],
                "principals": {"aws": ["arn:aws:iam::123456789012:root"], "service": ["ec2.amazonaws.com"]},
                "allow_wildcard": false,
            },
            {"effect": "Allow", "actions": ["*"], "resources": ["*"], "allow_wildcard": true},
        ]});
        let text = policy_json(&block).expect("valid block");
        let json: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(json["Version"], POLICY_VERSION);
        assert_eq!(
            json["Statement"][1]["Principal"]["AWS"][0],
            "arn:aws:iam::123456789012:root"
        );
        assert!(json["Statement"][2].get("allow_wildcard").is_none());
        let canonical = canonical_policy(&text).expect("parses");
        assert_eq!(policy_block(&canonical), block);
    }

    #[test]
    fn key_order_does_not_matter() {
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        let b = r#"{"Statement":[{"Resource":"*","Action":"s3:GetObject","Effect":"Allow"}],"Version":"2012-10-17"}"#;
        let a = canonical_policy(a).expect("parses");
        assert_eq!(Some(&a), canonical_policy(b).as_ref());
        // And the canonical text is the same too: keys are sorted.
        assert_eq!(
            a.to_string(),
            r#"{"Statement":[{"Action":["s3:GetObject"],"Effect":"Allow","Resource":["*"]}],"Version":"2012-10-17"}"#
        );
    }

    #[test]
    fn one_value_equals_a_one_element_list() {
        let single = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole",
            "Principal":{"Service":"ecs-tasks.amazonaws.com"},
            "Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}}"#;
        let lists = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole"],
            "Principal":{"Service":["ecs-tasks.amazonaws.com"]},
            "Condition":{"StringEquals":{"aws:SourceAccount":["123456789012"]}}}]}"#;
        assert_eq!(canonical_policy(single), canonical_policy(lists));
        assert!(canonical_policy(single).is_some());
        // A `"*"` principal stays what it is.
        let anyone = canonical_policy(r#"{"Statement":[{"Principal":"*"}]}"#).expect("parses");
        assert_eq!(anyone["Statement"][0]["Principal"], "*");
    }

    #[test]
    fn url_encoded_documents_are_decoded() {
        let text = policy_json(&trust_block()).expect("valid block");
        // What moto (Python's `quote`) and IAM return.
        let encoded =
            "%7B%22Statement%22%3A%20%5B%7B%22Action%22%3A%20%22sts%3AAssumeRole%22%2C%20\
            %22Effect%22%3A%20%22Allow%22%2C%20%22Principal%22%3A%20%7B%22Service%22%3A%20\
            %22ecs-tasks.amazonaws.com%22%7D%7D%5D%2C%20%22Version%22%3A%20%222012-10-17%22%7D";
        assert_eq!(canonical_policy(encoded), canonical_policy(&text));
        assert_eq!(
            policy_block(&canonical_policy(encoded).expect("parses")),
            trust_block()
        );
        // A `+` is a plus, and raw JSON with a `%` in it is read as it is.
        assert_eq!(percent_decode("a+b%2Bc%20d").as_deref(), Some("a+b+c d"));
        let raw = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/100%25"}]}"#;
        assert_eq!(
            canonical_policy(raw).expect("parses")["Statement"][0]["Resource"][0],
            "arn:aws:s3:::b/100%25"
        );
        assert_eq!(percent_decode("%7"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(canonical_policy("%7Bnot json"), None);
    }

    #[test]
    fn what_the_block_cannot_say_shows_as_drift() {
        let text = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",
            "Principal":{"Service":"ecs-tasks.amazonaws.com"},"Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#;
        let block = policy_block(&canonical_policy(text).expect("parses"));
        assert_ne!(block, trust_block());
        assert_eq!(block["Version"], "2008-10-17");
        assert_eq!(
            block["statements"][0]["Condition"]["Bool"]["aws:SecureTransport"][0],
            "true"
        );
        let unversioned = r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ecs-tasks.amazonaws.com"}}]}"#;
        assert_ne!(
            policy_block(&canonical_policy(unversioned).expect("parses")),
            trust_block()
        );
    }

    #[test]
    fn ill_formed_blocks_are_refused() {
        assert!(policy_json(&json!({})).is_err());
        assert!(policy_json(&json!({"statements": [{"effect": "Allow"}]})).is_err());
        assert!(policy_json(&json!({"statements": [{"actions": [1]}]})).is_err());
    }

    #[test]
    fn a_missing_role_is_transient_only_with_its_name() {
        let err = |code: &str, message: &str| ProviderError::Api {
            operation: "AttachRolePolicy",
            code: code.to_owned(),
            message: message.to_owned(),
        };
        assert!(role_not_yet_visible(
            &err(NOT_FOUND, "The role with name app cannot be found."),
            "app"
        ));
        assert!(!role_not_yet_visible(
            &err(NOT_FOUND, "The role with name app-2 cannot be found."),
            "app"
        ));
        assert!(!role_not_yet_visible(
            &err(
                NOT_FOUND,
                "Policy arn:aws:iam::aws:policy/x does not exist or is not attachable."
            ),
            "app"
        ));
        assert!(!role_not_yet_visible(
            &err("AccessDenied", "role with name app "),
            "app"
        ));
    }
}
