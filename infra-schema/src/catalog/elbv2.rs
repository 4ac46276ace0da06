//! Elastic Load Balancing (v2): the application load balancer and its targets.

use super::TAGS;
use crate::{
    AttributeSchema, BlockSchema, EnumSchema, FieldSchema, Literal, NameRule, Presence,
    ResourceSchema, Rule, ValueType,
};

/// The names AWS allows for load balancers and target groups. AWS also refuses a
/// name that starts or ends with `-`, and a load balancer name starting `internal-`.
const fn elb_name(what: &'static str) -> NameRule {
    NameRule {
        what,
        min_len: 1,
        max_len: 32,
        extra_chars: "-",
        lowercase_only: false,
    }
}

/// `elbv2::LoadBalancer`.
pub static ELBV2_LOAD_BALANCER: ResourceSchema = ResourceSchema {
    path: "elbv2::LoadBalancer",
    type_name: "aws_elbv2_load_balancer",
    taggable: true,
    doc: "An Application Load Balancer.",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::Name(elb_name("load balancer name")),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The load balancer name, unique in the account and region.",
        },
        FieldSchema {
            name: "internal",
            ty: ValueType::Bool,
            presence: Presence::Default(Literal::Bool(false)),
            forces_replacement: true,
            doc: "Whether the load balancer is reachable only from inside its VPC.",
        },
        FieldSchema {
            name: "subnet_ids",
            ty: ValueType::Set(&ValueType::Id("ec2::SubnetId")),
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The subnets it listens in, in at least two availability zones.",
        },
        FieldSchema {
            name: "security_group_ids",
            ty: ValueType::Set(&ValueType::Id("ec2::SecurityGroupId")),
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The security groups guarding it; the VPC's default group when absent.",
        },
        FieldSchema {
            name: "idle_timeout",
            ty: ValueType::Int { min: 1, max: 4000 },
            presence: Presence::Default(Literal::Int(60)),
            forces_replacement: false,
            doc: "Seconds a connection may stay idle before it is closed.",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::String,
            doc: "The load balancer's ARN, which is how AWS identifies it.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The load balancer's ARN.",
        },
        AttributeSchema {
            name: "dns_name",
            ty: ValueType::String,
            doc: "The load balancer's DNS name, known after apply.",
        },
        AttributeSchema {
            name: "zone_id",
            ty: ValueType::String,
            doc: "The Route 53 hosted zone id of the DNS name, for alias records.",
        },
    ],
};

/// The protocols a target group speaks to its targets.
pub static ELBV2_PROTOCOL: EnumSchema = EnumSchema {
    rust_path: "elbv2::Protocol",
    variants: &[("Http", "HTTP"), ("Https", "HTTPS")],
};

/// What a target group's targets are.
pub static ELBV2_TARGET_TYPE: EnumSchema = EnumSchema {
    rust_path: "elbv2::TargetType",
    variants: &[("Instance", "instance"), ("Ip", "ip")],
};

/// How a target group checks that its targets are healthy.
pub static HEALTH_CHECK: BlockSchema = BlockSchema {
    name: "elbv2::HealthCheck",
    fields: &[
        FieldSchema {
            name: "path",
            ty: ValueType::String,
            presence: Presence::Default(Literal::Str("/")),
            forces_replacement: false,
            doc: "The HTTP path requested, starting with `/`.",
        },
        FieldSchema {
            name: "interval",
            ty: ValueType::Int { min: 5, max: 300 },
            presence: Presence::Default(Literal::Int(30)),
            forces_replacement: false,
            doc: "Seconds between two checks of a target.",
        },
        FieldSchema {
            name: "timeout",
            ty: ValueType::Int { min: 2, max: 120 },
            presence: Presence::Default(Literal::Int(5)),
            forces_replacement: false,
            doc: "Seconds without an answer after which a check fails; less than `interval`.",
        },
        FieldSchema {
            name: "healthy_threshold",
            ty: ValueType::Int { min: 2, max: 10 },
            presence: Presence::Default(Literal::Int(5)),
            forces_replacement: false,
            doc: "Checks in a row that must pass before a target is healthy.",
        },
        FieldSchema {
            name: "unhealthy_threshold",
            ty: ValueType::Int { min: 2, max: 10 },
            presence: Presence::Default(Literal::Int(2)),
            forces_replacement: false,
            doc: "Checks in a row that must fail before a target is unhealthy.",
        },
        FieldSchema {
            name: "matcher",
            ty: ValueType::String,
            presence: Presence::Default(Literal::Str("200")),
            forces_replacement: false,
            doc: "The HTTP codes of a healthy answer: `200`, `200,202` or `200-299`.",
        },
    ],
    rules: &[Rule::Ordered {
        from: "timeout",
        to: "interval",
    }],
};

/// `elbv2::TargetGroup`.
pub static ELBV2_TARGET_GROUP: ResourceSchema = ResourceSchema {
    path: "elbv2::TargetGroup",
    type_name: "aws_elbv2_target_group",
    taggable: true,
    doc: "A target group: the instances or addresses a load balancer forwards to.",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::Name(elb_name("target group name")),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The target group name, unique in the account and region.",
        },
        FieldSchema {
            name: "port",
            ty: ValueType::Port,
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The port targets receive traffic on, unless a target names its own.",
        },
        FieldSchema {
            name: "protocol",
            ty: ValueType::Enum(&ELBV2_PROTOCOL),
            presence: Presence::Default(Literal::Str("HTTP")),
            forces_replacement: true,
            doc: "`Http` or `Https`, to the targets.",
        },
        FieldSchema {
            name: "vpc_id",
            ty: ValueType::Id("ec2::VpcId"),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The VPC the targets are in.",
        },
        FieldSchema {
            name: "target_type",
            ty: ValueType::Enum(&ELBV2_TARGET_TYPE),
            presence: Presence::Default(Literal::Str("instance")),
            forces_replacement: true,
            doc: "`Instance` (EC2 instances, as ECS on EC2 registers them) or `Ip` (addresses).",
        },
        FieldSchema {
            name: "health_check",
            ty: ValueType::Block(&HEALTH_CHECK),
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "How targets are checked; AWS's defaults when absent.",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::String,
            doc: "The target group's ARN, which is how AWS identifies it.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The target group's ARN.",
        },
    ],
};

/// What a listener does with the requests it receives.
pub static ELBV2_DEFAULT_ACTION: BlockSchema = BlockSchema {
    name: "elbv2::DefaultAction",
    fields: &[FieldSchema {
        name: "forward_target_group_arn",
        ty: ValueType::String,
        presence: Presence::Required,
        forces_replacement: false,
        doc: "The ARN of the target group requests are forwarded to.",
    }],
    rules: &[],
};

/// `elbv2::Listener`.
pub static ELBV2_LISTENER: ResourceSchema = ResourceSchema {
    path: "elbv2::Listener",
    type_name: "aws_elbv2_listener",
    taggable: true,
    doc: "A listener of a load balancer: a port and protocol, and where requests go.",
    fields: &[
        FieldSchema {
            name: "load_balancer_arn",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The ARN of the load balancer the listener belongs to.",
        },
        FieldSchema {
            name: "port",
            ty: ValueType::Port,
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The port the listener listens on, unique on its load balancer.",
        },
        FieldSchema {
            name: "protocol",
            ty: ValueType::Enum(&ELBV2_PROTOCOL),
            presence: Presence::Default(Literal::Str("HTTP")),
            forces_replacement: false,
            doc: "`Http` or `Https` (which needs a certificate).",
        },
        FieldSchema {
            name: "default_action",
            ty: ValueType::Block(&ELBV2_DEFAULT_ACTION),
            presence: Presence::Required,
            forces_replacement: false,
            doc: "Where requests go.",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::String,
            doc: "The listener's ARN, which is how AWS identifies it.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The listener's ARN.",
        },
    ],
};
