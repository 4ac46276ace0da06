//! ECR: the image registry.

use super::TAGS;
use crate::{
    AttributeSchema, EnumSchema, FieldSchema, Literal, NameRule, Presence, ResourceSchema,
    ValueType,
};

/// Whether an ECR repository lets a pushed tag move to another image.
pub static ECR_TAG_MUTABILITY: EnumSchema = EnumSchema {
    rust_path: "ecr::TagMutability",
    variants: &[("Mutable", "MUTABLE"), ("Immutable", "IMMUTABLE")],
};

/// How an ECR repository encrypts its images at rest.
pub static ECR_ENCRYPTION: EnumSchema = EnumSchema {
    rust_path: "ecr::Encryption",
    variants: &[("Aes256", "AES256"), ("Kms", "KMS")],
};

/// `ecr::Repository`.
pub static ECR_REPOSITORY: ResourceSchema = ResourceSchema {
    path: "ecr::Repository",
    type_name: "aws_ecr_repository",
    taggable: true,
    doc: "A private ECR repository of container images.",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::Name(NameRule {
                what: "ECR repository name",
                min_len: 2,
                max_len: 256,
                extra_chars: "._/-",
                lowercase_only: true,
            }),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The repository name, such as `team/backend`, unique in the account and region.",
        },
        FieldSchema {
            name: "scan_on_push",
            ty: ValueType::Bool,
            presence: Presence::Default(Literal::Bool(true)),
            forces_replacement: false,
            doc: "Whether each pushed image is scanned for vulnerabilities.",
        },
        FieldSchema {
            name: "image_tag_mutability",
            ty: ValueType::Enum(&ECR_TAG_MUTABILITY),
            presence: Presence::Default(Literal::Str("IMMUTABLE")),
            forces_replacement: false,
            doc: "`Immutable` (a tag, once pushed, always names the same image) or `Mutable`.",
        },
        FieldSchema {
            name: "encryption",
            ty: ValueType::Enum(&ECR_ENCRYPTION),
            presence: Presence::Default(Literal::Str("AES256")),
            forces_replacement: true,
            doc: "`Aes256` (keys Amazon manages) or `Kms` (the account's `aws/ecr` KMS key).",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::String,
            doc: "The repository name, as AWS knows it.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The repository's ARN.",
        },
        AttributeSchema {
            name: "repository_url",
            ty: ValueType::String,
            doc: "Where images are pushed and pulled: `<account>.dkr.ecr.<region>.amazonaws.com/<name>`.",
        },
    ],
};
