//! JSON ↔ DynamoDB `AttributeValue`, the way boto3's resource API and Flask's
//! `jsonify` render items: plain JSON, no type descriptors.
//!
//! | DynamoDB | JSON |
//! | --- | --- |
//! | `S` | string |
//! | `N` | number (see [`attribute_to_json`] for precision) |
//! | `BOOL` | `true` / `false` |
//! | `NULL` | `null` |
//! | `M` | object |
//! | `L` | array |
//! | `SS`, `NS` | array of strings, of numbers |
//! | `B`, `BS` | base64 string, array of them |
//!
//! From JSON, numbers become `N`, strings `S`, booleans `BOOL`, `null` `NULL`,
//! arrays `L` and objects `M`: JSON has no sets and no binary type.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Number, Value};

/// The deepest nesting of documents (`M`, `L`) DynamoDB stores.
pub const MAX_NESTING: usize = 32;

/// Significant decimal digits that every `f64` keeps exactly (`DBL_DIG`).
const F64_EXACT_DIGITS: usize = 15;

/// Why a JSON object cannot be stored as a DynamoDB item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemError {
    /// A value is nested deeper than [`MAX_NESTING`].
    #[error(
        "attribute `{attribute}` is nested deeper than DynamoDB's limit of {MAX_NESTING} levels"
    )]
    TooDeep {
        /// The item's top-level attribute that holds it.
        attribute: String,
    },
    /// A number is outside DynamoDB's range (magnitude from 1e-130 to below 1e126,
    /// or 0).
    #[error("attribute `{attribute}` holds the number {number}, outside DynamoDB's range (1e-130 to 1e126 in magnitude, or 0)")]
    NumberOutOfRange {
        /// The item's top-level attribute that holds it.
        attribute: String,
        /// The number as sent.
        number: String,
    },
}

/// The item for a JSON object: one attribute per field.
///
/// # Errors
///
/// [`ItemError`] when DynamoDB would refuse a value: too deeply nested, or a
/// number out of its range. These are the client's mistakes, so they are
/// caught here rather than answered as a database failure.
pub fn item_from_json(
    object: &Map<String, Value>,
) -> Result<HashMap<String, AttributeValue>, ItemError> {
    object
        .iter()
        .map(|(name, value)| Ok((name.clone(), to_attribute(name, value, 0)?)))
        .collect()
}

/// The attribute for one JSON value of the top-level attribute `attribute`, at
/// nesting `depth`.
fn to_attribute(attribute: &str, value: &Value, depth: usize) -> Result<AttributeValue, ItemError> {
    if depth > MAX_NESTING {
        return Err(ItemError::TooDeep {
            attribute: attribute.to_owned(),
        });
    }
    Ok(match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(n) => {
            if !in_dynamodb_range(n) {
                return Err(ItemError::NumberOutOfRange {
                    attribute: attribute.to_owned(),
                    number: n.to_string(),
                });
            }
            AttributeValue::N(n.to_string())
        }
        Value::String(s) => AttributeValue::S(s.clone()),
        Value::Array(values) => AttributeValue::L(
            values
                .iter()
                .map(|v| to_attribute(attribute, v, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(fields) => AttributeValue::M(
            fields
                .iter()
                .map(|(k, v)| Ok((k.clone(), to_attribute(attribute, v, depth + 1)?)))
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// Whether DynamoDB accepts the number: 0, or a magnitude in [1e-130, 1e126).
/// Integers parsed by serde_json (at most 20 digits) always are.
fn in_dynamodb_range(n: &Number) -> bool {
    if n.is_i64() || n.is_u64() {
        return true;
    }
    n.as_f64()
        .is_some_and(|f| f == 0.0 || (1e-130..1e126).contains(&f.abs()))
}

/// The JSON object for an item.
pub fn item_to_json(item: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(
        item.iter()
            .map(|(name, value)| (name.clone(), attribute_to_json(value)))
            .collect(),
    )
}

/// The JSON value for an attribute.
///
/// A number (`N`) becomes a JSON integer when it fits 64 bits, else a JSON
/// float when it has at most 15 significant digits (which an `f64` keeps
/// exactly); beyond that (DynamoDB keeps 38) it stays a string, so no digit is
/// silently lost. An attribute type this SDK version does not know becomes
/// `null`.
pub fn attribute_to_json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::N(n) => number_to_json(n),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::M(fields) => item_to_json(fields),
        AttributeValue::L(values) => Value::Array(values.iter().map(attribute_to_json).collect()),
        AttributeValue::Ss(strings) => {
            Value::Array(strings.iter().cloned().map(Value::String).collect())
        }
        AttributeValue::Ns(numbers) => {
            Value::Array(numbers.iter().map(|n| number_to_json(n)).collect())
        }
        AttributeValue::B(blob) => blob_to_json(blob),
        AttributeValue::Bs(blobs) => Value::Array(blobs.iter().map(blob_to_json).collect()),
        _ => Value::Null,
    }
}

/// A binary value as base64 (standard alphabet, padded).
fn blob_to_json(blob: &Blob) -> Value {
    Value::String(aws_smithy_types::base64::encode(blob.as_ref()))
}

/// A DynamoDB number as JSON; see [`attribute_to_json`].
fn number_to_json(n: &str) -> Value {
    if let Ok(i) = n.parse::<i64>() {
        return Value::from(i);
    }
    if let Ok(u) = n.parse::<u64>() {
        return Value::from(u);
    }
    if significant_digits(n) <= F64_EXACT_DIGITS {
        if let Some(f) = n.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(f);
        }
    }
    Value::String(n.to_owned())
}

/// The significant decimal digits of a number: 2 for `-0.00120e5`.
fn significant_digits(n: &str) -> usize {
    let mantissa = n.split(['e', 'E']).next().unwrap_or(n);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    digits.trim_start_matches('0').trim_end_matches('0').len()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn json_to_attributes() {
        let item = item_from_json(&object(json!({
            "id": "a1",
            "n": 42,
            "neg": -7,
            "big": 18_446_744_073_709_551_615_u64,
            "f": 1.5,
            "t": true,
            "z": null,
            "l": [1, "x", false],
            "m": {"inner": {"deep": [null]}},
            "empty": {},
        })))
        .expect("valid item");
        assert_eq!(item["id"], AttributeValue::S("a1".into()));
        assert_eq!(item["n"], AttributeValue::N("42".into()));
        assert_eq!(item["neg"], AttributeValue::N("-7".into()));
        assert_eq!(
            item["big"],
            AttributeValue::N("18446744073709551615".into())
        );
        assert_eq!(item["f"], AttributeValue::N("1.5".into()));
        assert_eq!(item["t"], AttributeValue::Bool(true));
        assert_eq!(item["z"], AttributeValue::Null(true));
        assert_eq!(
            item["l"],
            AttributeValue::L(vec![
                AttributeValue::N("1".into()),
                AttributeValue::S("x".into()),
                AttributeValue::Bool(false),
            ])
        );
        assert_eq!(
            item["m"],
            AttributeValue::M(HashMap::from([(
                "inner".to_owned(),
                AttributeValue::M(HashMap::from([(
                    "deep".to_owned(),
                    AttributeValue::L(vec![AttributeValue::Null(true)])
                )]))
            )]))
        );
        assert_eq!(item["empty"], AttributeValue::M(HashMap::new()));
    }

    #[test]
    fn round_trip() {
        let value = json!({
            "id": "a1", "n": 42, "f": -0.25, "t": false, "z": null,
            "l": [1, [2, {"x": "y"}]], "m": {"a": {"b": 1}},
        });
        let item = item_from_json(&object(value.clone())).expect("valid item");
        assert_eq!(item_to_json(&item), value);
    }

    #[test]
    fn attributes_to_json() {
        let item = HashMap::from([
            ("s".to_owned(), AttributeValue::S("text".into())),
            ("int".to_owned(), AttributeValue::N("12".into())),
            ("dec".to_owned(), AttributeValue::N("0.1".into())),
            ("exp".to_owned(), AttributeValue::N("1E+2".into())),
            (
                "u64".to_owned(),
                AttributeValue::N("18446744073709551615".into()),
            ),
            (
                "precise".to_owned(),
                AttributeValue::N("3.1415926535897932384626".into()),
            ),
            ("b".to_owned(), AttributeValue::Bool(true)),
            ("null".to_owned(), AttributeValue::Null(true)),
            (
                "ss".to_owned(),
                AttributeValue::Ss(vec!["a".into(), "b".into()]),
            ),
            (
                "ns".to_owned(),
                AttributeValue::Ns(vec!["1".into(), "2.5".into()]),
            ),
            ("bin".to_owned(), AttributeValue::B(Blob::new(*b"hi!"))),
            (
                "bs".to_owned(),
                AttributeValue::Bs(vec![Blob::new(*b"a"), Blob::new(Vec::new())]),
            ),
            (
                "l".to_owned(),
                AttributeValue::L(vec![
                    AttributeValue::S("x".into()),
                    AttributeValue::M(HashMap::from([(
                        "k".to_owned(),
                        AttributeValue::N("-3".into()),
                    )])),
                ]),
            ),
        ]);
        assert_eq!(
            item_to_json(&item),
            json!({
                "s": "text",
                "int": 12,
                "dec": 0.1,
                "exp": 100.0,
                "u64": 18_446_744_073_709_551_615_u64,
                "precise": "3.1415926535897932384626",
                "b": true,
                "null": null,
                "ss": ["a", "b"],
                "ns": [1, 2.5],
                "bin": "aGkh",
                "bs": ["YQ==", ""],
                "l": ["x", {"k": -3}],
            })
        );
    }

    #[test]
    fn too_deep_is_refused() {
        let mut deep = json!("leaf");
        for _ in 0..=MAX_NESTING {
            deep = json!([deep]);
        }
        let err =
            item_from_json(&object(json!({"id": "x", "nested": deep}))).expect_err("too deep");
        assert_eq!(
            err,
            ItemError::TooDeep {
                attribute: "nested".to_owned()
            }
        );
        // One level less is stored.
        let Value::Array(mut outer) = deep else {
            panic!("built as an array")
        };
        let shallower = outer.pop().expect("one element");
        item_from_json(&object(json!({"id": "x", "nested": shallower}))).expect("deep enough");
    }

    #[test]
    fn numbers_out_of_range_are_refused() {
        for bad in [json!(1e126), json!(-1e200), json!(1e-131)] {
            let err =
                item_from_json(&object(json!({"id": "x", "n": bad}))).expect_err("out of range");
            assert!(
                matches!(&err, ItemError::NumberOutOfRange { attribute, .. } if attribute == "n"),
                "{err}"
            );
        }
        for good in [json!(0.0), json!(9.9e125), json!(1e-130), json!(u64::MAX)] {
            item_from_json(&object(json!({"id": "x", "n": good}))).expect("in range");
        }
    }

    #[test]
    fn significant_digits_counts_the_mantissa() {
        assert_eq!(significant_digits("0"), 0);
        assert_eq!(significant_digits("-0.00120e5"), 2);
        assert_eq!(significant_digits("1200"), 2);
        assert_eq!(significant_digits("3.14159"), 6);
    }
}
