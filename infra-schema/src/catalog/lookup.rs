//! Lookups: read-only data a stack reads at plan time (the account id, an SSM
//! parameter, the region's availability zones). Named in `stack!` with
//! `lookup NAME = service::Type { … };` and referenced like resources.

use crate::{AttributeSchema, FieldSchema, Presence, ResourceSchema, ValueType};

/// Every lookup type.
pub static LOOKUPS: &[&ResourceSchema] = &[
    &STS_CALLER_IDENTITY,
    &SSM_PARAMETER,
    &EC2_AVAILABILITY_ZONES,
];

/// `sts::CallerIdentity`: who the credentials are.
pub static STS_CALLER_IDENTITY: ResourceSchema = ResourceSchema {
    path: "sts::CallerIdentity",
    type_name: "aws_sts_caller_identity",
    taggable: false,
    doc: "The account and identity of the credentials in use.",
    fields: &[],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "account_id",
            ty: ValueType::String,
            doc: "The 12-digit account id.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The caller's ARN.",
        },
        AttributeSchema {
            name: "user_id",
            ty: ValueType::String,
            doc: "The caller's unique id.",
        },
    ],
};

/// `ssm::Parameter`: one Systems Manager parameter's value.
pub static SSM_PARAMETER: ResourceSchema = ResourceSchema {
    path: "ssm::Parameter",
    type_name: "aws_ssm_parameter",
    taggable: false,
    doc: "A Systems Manager parameter, such as the ECS-optimized AMI id.",
    fields: &[FieldSchema {
        name: "name",
        ty: ValueType::String,
        presence: Presence::Required,
        forces_replacement: false,
        doc: "The parameter's name, such as `/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id`.",
    }],
    rules: &[],
    attributes: &[AttributeSchema {
        name: "value",
        ty: ValueType::String,
        doc: "The parameter's value.",
    }],
};

/// `ec2::AvailabilityZones`: the zones of the stack's region.
pub static EC2_AVAILABILITY_ZONES: ResourceSchema = ResourceSchema {
    path: "ec2::AvailabilityZones",
    type_name: "aws_ec2_availability_zones",
    taggable: false,
    doc: "The available zones of the stack's region, in name order.",
    fields: &[],
    rules: &[],
    attributes: &[AttributeSchema {
        name: "names",
        ty: ValueType::List(&ValueType::String),
        doc: "The zone names, such as `eu-west-2a`; index them: `azs.names[0]`.",
    }],
};
