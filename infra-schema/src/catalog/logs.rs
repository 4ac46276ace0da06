//! CloudWatch Logs: where containers write.

use super::TAGS;
use crate::{AttributeSchema, FieldSchema, Literal, NameRule, Presence, ResourceSchema, ValueType};

/// `logs::LogGroup`.
pub static LOGS_LOG_GROUP: ResourceSchema = ResourceSchema {
    path: "logs::LogGroup",
    type_name: "aws_logs_log_group",
    taggable: true,
    doc: "A CloudWatch Logs log group.",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::Name(NameRule {
                what: "log group name",
                min_len: 1,
                max_len: 512,
                extra_chars: "_-/.#",
                lowercase_only: false,
            }),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The log group name, such as `/ecs/backend`, unique in the account and region.",
        },
        FieldSchema {
            name: "retention_in_days",
            ty: ValueType::OneOf(&[
                1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                2557, 2922, 3288, 3653,
            ]),
            presence: Presence::Default(Literal::Int(14)),
            forces_replacement: false,
            doc: "How many days events are kept, one of the periods AWS offers.",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::String,
            doc: "The log group name, as AWS knows it.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The log group's ARN, without the `:*` AWS sometimes appends.",
        },
    ],
};
