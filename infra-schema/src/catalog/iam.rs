//! IAM: roles and the policy documents they carry.

use super::TAGS;
use crate::{
    AttributeSchema, BlockSchema, EnumSchema, FieldSchema, Literal, NameRule, Presence,
    ResourceSchema, Rule, ValueType,
};

/// Whether a policy statement allows or denies its actions.
pub static IAM_EFFECT: EnumSchema = EnumSchema {
    rust_path: "iam::Effect",
    variants: &[("Allow", "Allow"), ("Deny", "Deny")],
};

/// Who a statement applies to: in a trust policy, who may assume the role.
pub static PRINCIPALS: BlockSchema = BlockSchema {
    name: "iam::Principals",
    fields: &[
        FieldSchema {
            name: "service",
            ty: ValueType::List(&ValueType::String),
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "AWS service principals, such as `ecs-tasks.amazonaws.com`.",
        },
        FieldSchema {
            name: "aws",
            ty: ValueType::List(&ValueType::String),
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "Account, role or user ARNs (or account ids).",
        },
    ],
    rules: &[],
};

/// One statement of a policy document.
pub static STATEMENT: BlockSchema = BlockSchema {
    name: "iam::Statement",
    fields: &[
        FieldSchema {
            name: "sid",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The statement id: ASCII letters and digits, unique in the document.",
        },
        FieldSchema {
            name: "effect",
            ty: ValueType::Enum(&IAM_EFFECT),
            presence: Presence::Default(Literal::Str("Allow")),
            forces_replacement: false,
            doc: "`Allow` or `Deny`.",
        },
        FieldSchema {
            name: "actions",
            ty: ValueType::List(&ValueType::IamAction),
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The actions, such as `dynamodb:GetItem` or `ecr:Get*`.",
        },
        FieldSchema {
            name: "resources",
            ty: ValueType::List(&ValueType::String),
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The resource ARNs the actions apply to; a trust policy has none.",
        },
        FieldSchema {
            name: "principals",
            ty: ValueType::Block(&PRINCIPALS),
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "Who the statement applies to; a trust policy names them.",
        },
        FieldSchema {
            name: "allow_wildcard",
            ty: ValueType::Bool,
            presence: Presence::Default(Literal::Bool(false)),
            forces_replacement: false,
            doc: "Set to `true` to allow the action `*` on purpose; checked at compile time \
                  only, never sent to AWS.",
        },
    ],
    rules: &[Rule::NoWildcardAllow {
        effect: "effect",
        actions: "actions",
        opt_out: "allow_wildcard",
    }],
};

/// A policy document (version `2012-10-17`).
pub static POLICY_DOCUMENT: BlockSchema = BlockSchema {
    name: "iam::PolicyDocument",
    fields: &[FieldSchema {
        name: "statements",
        ty: ValueType::List(&ValueType::Block(&STATEMENT)),
        presence: Presence::Required,
        forces_replacement: false,
        doc: "The document's statements.",
    }],
    rules: &[],
};

/// A policy embedded in a role, under a name of its own.
pub static INLINE_POLICY: BlockSchema = BlockSchema {
    name: "iam::InlinePolicy",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::Name(NameRule {
                what: "IAM policy name",
                min_len: 1,
                max_len: 128,
                extra_chars: "+=,.@_-",
                lowercase_only: false,
            }),
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The policy name, unique among the role's inline policies.",
        },
        FieldSchema {
            name: "policy",
            ty: ValueType::Block(&POLICY_DOCUMENT),
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The policy document.",
        },
    ],
    rules: &[],
};

/// `iam::Role`.
pub static IAM_ROLE: ResourceSchema = ResourceSchema {
    path: "iam::Role",
    type_name: "aws_iam_role",
    taggable: true,
    doc: "An IAM role, with its trust policy and the policies it grants.",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::Name(NameRule {
                what: "IAM role name",
                min_len: 1,
                max_len: 64,
                extra_chars: "+=,.@_-",
                lowercase_only: false,
            }),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The role name, unique in the account (case-insensitively).",
        },
        FieldSchema {
            name: "path",
            ty: ValueType::String,
            presence: Presence::Default(Literal::Str("/")),
            forces_replacement: true,
            doc: "The role's path, starting and ending with `/`.",
        },
        FieldSchema {
            name: "description",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "What the role is for, up to 1000 characters.",
        },
        FieldSchema {
            name: "assume_role_policy",
            ty: ValueType::Block(&POLICY_DOCUMENT),
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The trust policy: who may assume the role.",
        },
        FieldSchema {
            name: "managed_policy_arns",
            ty: ValueType::Set(&ValueType::String),
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The ARNs of the managed policies attached to the role.",
        },
        FieldSchema {
            name: "inline_policies",
            ty: ValueType::Set(&ValueType::Block(&INLINE_POLICY)),
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The policies embedded in the role.",
        },
        FieldSchema {
            name: "max_session_duration",
            ty: ValueType::Int {
                min: 3600,
                max: 43_200,
            },
            presence: Presence::Default(Literal::Int(3600)),
            forces_replacement: false,
            doc: "The longest session, in seconds, from one to twelve hours.",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::String,
            doc: "The role name, as AWS knows it.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The role's ARN.",
        },
        AttributeSchema {
            name: "unique_id",
            ty: ValueType::String,
            doc: "The role's stable unique id, `AROA…`.",
        },
    ],
};

/// `iam::InstanceProfile`.
pub static IAM_INSTANCE_PROFILE: ResourceSchema = ResourceSchema {
    path: "iam::InstanceProfile",
    type_name: "aws_iam_instance_profile",
    taggable: true,
    doc: "An IAM instance profile, passing a role to EC2 instances.",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::Name(NameRule {
                what: "IAM instance profile name",
                min_len: 1,
                max_len: 128,
                extra_chars: "+=,.@_-",
                lowercase_only: false,
            }),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The instance profile name, unique in the account (case-insensitively).",
        },
        FieldSchema {
            name: "role_name",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The name of the role the profile holds (an `iam::Role`'s `id`).",
        },
        FieldSchema {
            name: "path",
            ty: ValueType::String,
            presence: Presence::Default(Literal::Str("/")),
            forces_replacement: true,
            doc: "The instance profile's path, starting and ending with `/`.",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::String,
            doc: "The instance profile name, as AWS knows it.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The instance profile's ARN.",
        },
    ],
};
