//! DynamoDB: the data.

use super::TAGS;
use crate::{
    AttributeSchema, EnumSchema, FieldSchema, Literal, NameRule, Presence, ResourceSchema,
    ValueType,
};

/// DynamoDB's billing modes.
pub static BILLING_MODE: EnumSchema = EnumSchema {
    rust_path: "dynamodb::BillingMode",
    variants: &[
        ("PayPerRequest", "PAY_PER_REQUEST"),
        ("Provisioned", "PROVISIONED"),
    ],
};

/// DynamoDB's key attribute types.
pub static ATTRIBUTE_TYPE: EnumSchema = EnumSchema {
    rust_path: "dynamodb::AttributeType",
    variants: &[("S", "S"), ("N", "N"), ("B", "B")],
};

/// How a DynamoDB table is encrypted at rest.
pub static ENCRYPTION: EnumSchema = EnumSchema {
    rust_path: "dynamodb::Encryption",
    variants: &[("AwsOwned", "AWS_OWNED"), ("Kms", "KMS")],
};

/// `dynamodb::Table`.
pub static DYNAMODB_TABLE: ResourceSchema = ResourceSchema {
    path: "dynamodb::Table",
    type_name: "aws_dynamodb_table",
    taggable: true,
    doc: "A DynamoDB table.",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::Name(NameRule {
                what: "DynamoDB table name",
                min_len: 3,
                max_len: 255,
                extra_chars: "_.-",
                lowercase_only: false,
            }),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The table name, unique in the account and region.",
        },
        FieldSchema {
            name: "hash_key",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The partition key's attribute name.",
        },
        FieldSchema {
            name: "hash_key_type",
            ty: ValueType::Enum(&ATTRIBUTE_TYPE),
            presence: Presence::Default(Literal::Str("S")),
            forces_replacement: true,
            doc: "The partition key's type: `S` (string), `N` (number) or `B` (binary).",
        },
        FieldSchema {
            name: "billing_mode",
            ty: ValueType::Enum(&BILLING_MODE),
            presence: Presence::Default(Literal::Str("PAY_PER_REQUEST")),
            forces_replacement: false,
            doc: "On-demand (`PayPerRequest`) or provisioned capacity.",
        },
        FieldSchema {
            name: "read_capacity",
            ty: ValueType::Int {
                min: 1,
                max: 40_000,
            },
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "Read capacity units, with `billing_mode: Provisioned`.",
        },
        FieldSchema {
            name: "write_capacity",
            ty: ValueType::Int {
                min: 1,
                max: 40_000,
            },
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "Write capacity units, with `billing_mode: Provisioned`.",
        },
        FieldSchema {
            name: "point_in_time_recovery",
            ty: ValueType::Bool,
            presence: Presence::Default(Literal::Bool(true)),
            forces_replacement: false,
            doc: "Whether continuous backups let the table be restored to any second of the last 35 days.",
        },
        FieldSchema {
            name: "encryption",
            ty: ValueType::Enum(&ENCRYPTION),
            presence: Presence::Default(Literal::Str("KMS")),
            forces_replacement: false,
            doc: "How the table is encrypted at rest: `Kms` (the AWS-managed key `alias/aws/dynamodb`, its use auditable in CloudTrail) or `AwsOwned` (DynamoDB's own key, free).",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::String,
            doc: "The table name, as AWS knows it.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The table's ARN.",
        },
    ],
};
