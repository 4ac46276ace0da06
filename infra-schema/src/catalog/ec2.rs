//! EC2: the network and its firewall.

use super::TAGS;
use crate::{
    AttributeSchema, EnumSchema, FieldSchema, Literal, NameRule, Presence, ResourceSchema, Rule,
    ValueType,
};

/// `ec2::Vpc`.
pub static EC2_VPC: ResourceSchema = ResourceSchema {
    path: "ec2::Vpc",
    type_name: "aws_ec2_vpc",
    taggable: true,
    doc: "An EC2 virtual private cloud.",
    fields: &[
        FieldSchema {
            name: "cidr_block",
            ty: ValueType::Cidr,
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The VPC's IPv4 range, such as `10.0.0.0/16`.",
        },
        FieldSchema {
            name: "enable_dns_support",
            ty: ValueType::Bool,
            presence: Presence::Default(Literal::Bool(true)),
            forces_replacement: false,
            doc: "Whether the Amazon DNS server resolves names in the VPC.",
        },
        FieldSchema {
            name: "enable_dns_hostnames",
            ty: ValueType::Bool,
            presence: Presence::Default(Literal::Bool(false)),
            forces_replacement: false,
            doc: "Whether instances with public IPs get public DNS names.",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::Id("ec2::VpcId"),
            doc: "The VPC id, `vpc-…`.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The VPC's ARN.",
        },
    ],
};

/// `ec2::Subnet`.
pub static EC2_SUBNET: ResourceSchema = ResourceSchema {
    path: "ec2::Subnet",
    type_name: "aws_ec2_subnet",
    taggable: true,
    doc: "A subnet of a VPC, in one availability zone.",
    fields: &[
        FieldSchema {
            name: "vpc_id",
            ty: ValueType::Id("ec2::VpcId"),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The VPC the subnet belongs to.",
        },
        FieldSchema {
            name: "cidr_block",
            ty: ValueType::Cidr,
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The subnet's IPv4 range, inside its VPC's.",
        },
        FieldSchema {
            name: "availability_zone",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: true,
            doc: "The availability zone, such as `eu-west-2a`; AWS picks one when absent.",
        },
        FieldSchema {
            name: "map_public_ip_on_launch",
            ty: ValueType::Bool,
            presence: Presence::Default(Literal::Bool(false)),
            forces_replacement: false,
            doc: "Whether instances launched here get a public IPv4 address.",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::Id("ec2::SubnetId"),
            doc: "The subnet id, `subnet-…`.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The subnet's ARN.",
        },
    ],
};

/// `ec2::SecurityGroup`.
pub static EC2_SECURITY_GROUP: ResourceSchema = ResourceSchema {
    path: "ec2::SecurityGroup",
    type_name: "aws_ec2_security_group",
    taggable: true,
    doc: "A VPC security group; its rules are `ec2::SecurityGroupRule`s of their own.",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::Name(NameRule {
                what: "security group name",
                min_len: 1,
                max_len: 255,
                extra_chars: " ._-:/()#,@[]+=&;{}!$*",
                lowercase_only: false,
            }),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The group name, unique in its VPC; AWS refuses names starting with `sg-`.",
        },
        FieldSchema {
            name: "description",
            ty: ValueType::String,
            presence: Presence::Default(Literal::Str("Managed by infra")),
            forces_replacement: true,
            doc: "The group description, up to 255 characters; AWS cannot change it in place.",
        },
        FieldSchema {
            name: "vpc_id",
            ty: ValueType::Id("ec2::VpcId"),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The VPC the group belongs to.",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::Id("ec2::SecurityGroupId"),
            doc: "The security group id, `sg-…`.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The security group's ARN.",
        },
    ],
};

/// Which traffic a security group rule lets through.
pub static EC2_RULE_DIRECTION: EnumSchema = EnumSchema {
    rust_path: "ec2::RuleDirection",
    variants: &[("Ingress", "ingress"), ("Egress", "egress")],
};

/// The IP protocols of a security group rule (`-1` is every protocol).
pub static EC2_PROTOCOL: EnumSchema = EnumSchema {
    rust_path: "ec2::Protocol",
    variants: &[
        ("Tcp", "tcp"),
        ("Udp", "udp"),
        ("Icmp", "icmp"),
        ("All", "-1"),
    ],
};

/// `ec2::SecurityGroupRule`.
pub static EC2_SECURITY_GROUP_RULE: ResourceSchema = ResourceSchema {
    path: "ec2::SecurityGroupRule",
    type_name: "aws_ec2_security_group_rule",
    taggable: true,
    doc: "One ingress or egress rule of a security group.",
    fields: &[
        FieldSchema {
            name: "security_group_id",
            ty: ValueType::Id("ec2::SecurityGroupId"),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The group the rule belongs to.",
        },
        FieldSchema {
            name: "direction",
            ty: ValueType::Enum(&EC2_RULE_DIRECTION),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "`Ingress` (traffic in) or `Egress` (traffic out).",
        },
        FieldSchema {
            name: "protocol",
            ty: ValueType::Enum(&EC2_PROTOCOL),
            presence: Presence::Default(Literal::Str("tcp")),
            forces_replacement: true,
            doc: "`Tcp`, `Udp`, `Icmp` or `All` (every protocol and every port).",
        },
        FieldSchema {
            name: "from_port",
            ty: ValueType::Port,
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The lowest port of the range.",
        },
        FieldSchema {
            name: "to_port",
            ty: ValueType::Port,
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The highest port of the range.",
        },
        FieldSchema {
            name: "cidr_ipv4",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: true,
            doc: "The IPv4 range the traffic comes from (or goes to), any prefix length from \
                  `/0` to `/32`; give it or `source_security_group_id`.",
        },
        FieldSchema {
            name: "source_security_group_id",
            ty: ValueType::Id("ec2::SecurityGroupId"),
            presence: Presence::Optional,
            forces_replacement: true,
            doc: "The group whose members the traffic comes from (or goes to); give it or \
                  `cidr_ipv4`.",
        },
        FieldSchema {
            name: "description",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "What the rule is for, up to 255 characters.",
        },
        FieldSchema {
            name: "allow_public_ingress",
            ty: ValueType::Bool,
            presence: Presence::Default(Literal::Bool(false)),
            forces_replacement: false,
            doc: "Set to `true` to open ports other than 80 and 443 to the whole internet on \
                  purpose; checked at compile time only, never sent to AWS.",
        },
        TAGS,
    ],
    rules: &[
        Rule::Ordered {
            from: "from_port",
            to: "to_port",
        },
        Rule::PublicIngress {
            cidr: "cidr_ipv4",
            from: "from_port",
            to: "to_port",
            opt_out: "allow_public_ingress",
        },
    ],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::String,
            doc: "The security group rule id, `sgr-…`.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The security group rule's ARN.",
        },
    ],
};
