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

/// `ec2::InternetGateway`.
pub static EC2_INTERNET_GATEWAY: ResourceSchema = ResourceSchema {
    path: "ec2::InternetGateway",
    type_name: "aws_ec2_internet_gateway",
    taggable: true,
    doc: "An internet gateway; `ec2::InternetGatewayAttachment` attaches it to a VPC.",
    fields: &[TAGS],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::Id("ec2::InternetGatewayId"),
            doc: "The internet gateway id, `igw-…`.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The internet gateway's ARN.",
        },
    ],
};

/// `ec2::InternetGatewayAttachment`.
pub static EC2_INTERNET_GATEWAY_ATTACHMENT: ResourceSchema = ResourceSchema {
    path: "ec2::InternetGatewayAttachment",
    type_name: "aws_ec2_internet_gateway_attachment",
    taggable: false,
    doc: "The attachment of an internet gateway to a VPC.",
    fields: &[
        FieldSchema {
            name: "internet_gateway_id",
            ty: ValueType::Id("ec2::InternetGatewayId"),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The internet gateway to attach.",
        },
        FieldSchema {
            name: "vpc_id",
            ty: ValueType::Id("ec2::VpcId"),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The VPC to attach it to; a VPC has at most one internet gateway.",
        },
    ],
    rules: &[],
    attributes: &[AttributeSchema {
        name: "id",
        ty: ValueType::String,
        doc: "The attachment's id, made of the gateway id and the VPC id.",
    }],
};

/// `ec2::ElasticIp`.
pub static EC2_ELASTIC_IP: ResourceSchema = ResourceSchema {
    path: "ec2::ElasticIp",
    type_name: "aws_ec2_elastic_ip",
    taggable: true,
    doc: "An Elastic IP address allocated for use in a VPC.",
    fields: &[TAGS],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::Id("ec2::AllocationId"),
            doc: "The allocation id, `eipalloc-…`.",
        },
        AttributeSchema {
            name: "public_ip",
            ty: ValueType::String,
            doc: "The public IPv4 address.",
        },
    ],
};

/// `ec2::NatGateway`.
pub static EC2_NAT_GATEWAY: ResourceSchema = ResourceSchema {
    path: "ec2::NatGateway",
    type_name: "aws_ec2_nat_gateway",
    taggable: true,
    doc: "A public NAT gateway, giving private subnets a way out to the internet.",
    fields: &[
        FieldSchema {
            name: "subnet_id",
            ty: ValueType::Id("ec2::SubnetId"),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The public subnet the gateway lives in.",
        },
        FieldSchema {
            name: "allocation_id",
            ty: ValueType::Id("ec2::AllocationId"),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The Elastic IP the gateway's traffic leaves from.",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[AttributeSchema {
        name: "id",
        ty: ValueType::Id("ec2::NatGatewayId"),
        doc: "The NAT gateway id, `nat-…`.",
    }],
};

/// `ec2::RouteTable`.
pub static EC2_ROUTE_TABLE: ResourceSchema = ResourceSchema {
    path: "ec2::RouteTable",
    type_name: "aws_ec2_route_table",
    taggable: true,
    doc: "A VPC route table; its routes are `ec2::Route`s of their own.",
    fields: &[
        FieldSchema {
            name: "vpc_id",
            ty: ValueType::Id("ec2::VpcId"),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The VPC the route table belongs to.",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[AttributeSchema {
        name: "id",
        ty: ValueType::Id("ec2::RouteTableId"),
        doc: "The route table id, `rtb-…`.",
    }],
};

/// `ec2::Route`.
pub static EC2_ROUTE: ResourceSchema = ResourceSchema {
    path: "ec2::Route",
    type_name: "aws_ec2_route",
    taggable: false,
    doc: "One route of a route table, to an internet gateway or a NAT gateway.",
    fields: &[
        FieldSchema {
            name: "route_table_id",
            ty: ValueType::Id("ec2::RouteTableId"),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The route table the route belongs to.",
        },
        FieldSchema {
            name: "destination_cidr_block",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The IPv4 range the route matches, any prefix length from `/0` (such as \
                  `0.0.0.0/0`) to `/32`.",
        },
        FieldSchema {
            name: "gateway_id",
            ty: ValueType::Id("ec2::InternetGatewayId"),
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The internet gateway the traffic goes to; give it or `nat_gateway_id`.",
        },
        FieldSchema {
            name: "nat_gateway_id",
            ty: ValueType::Id("ec2::NatGatewayId"),
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The NAT gateway the traffic goes to; give it or `gateway_id`.",
        },
    ],
    rules: &[],
    attributes: &[AttributeSchema {
        name: "id",
        ty: ValueType::String,
        doc: "The route's id, made of the route table id and the destination.",
    }],
};

/// `ec2::RouteTableAssociation`.
pub static EC2_ROUTE_TABLE_ASSOCIATION: ResourceSchema = ResourceSchema {
    path: "ec2::RouteTableAssociation",
    type_name: "aws_ec2_route_table_association",
    taggable: false,
    doc: "The association of a route table with a subnet.",
    fields: &[
        FieldSchema {
            name: "route_table_id",
            ty: ValueType::Id("ec2::RouteTableId"),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The route table the subnet uses.",
        },
        FieldSchema {
            name: "subnet_id",
            ty: ValueType::Id("ec2::SubnetId"),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The subnet; it has at most one associated route table.",
        },
    ],
    rules: &[],
    attributes: &[AttributeSchema {
        name: "id",
        ty: ValueType::String,
        doc: "The association id, `rtbassoc-…`.",
    }],
};

/// `ec2::NetworkAcl`.
pub static EC2_NETWORK_ACL: ResourceSchema = ResourceSchema {
    path: "ec2::NetworkAcl",
    type_name: "aws_ec2_network_acl",
    taggable: true,
    doc: "A VPC network ACL; its entries are `ec2::NetworkAclEntry`s of their own.",
    fields: &[
        FieldSchema {
            name: "vpc_id",
            ty: ValueType::Id("ec2::VpcId"),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The VPC the network ACL belongs to.",
        },
        FieldSchema {
            name: "subnet_ids",
            ty: ValueType::Set(&ValueType::Id("ec2::SubnetId")),
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The subnets the ACL applies to; a subnet left out goes back to the VPC's \
                  default ACL.",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[AttributeSchema {
        name: "id",
        ty: ValueType::Id("ec2::NetworkAclId"),
        doc: "The network ACL id, `acl-…`.",
    }],
};

/// Whether a network ACL entry lets matching traffic through.
pub static EC2_RULE_ACTION: EnumSchema = EnumSchema {
    rust_path: "ec2::RuleAction",
    variants: &[("Allow", "allow"), ("Deny", "deny")],
};

/// `ec2::NetworkAclEntry`.
pub static EC2_NETWORK_ACL_ENTRY: ResourceSchema = ResourceSchema {
    path: "ec2::NetworkAclEntry",
    type_name: "aws_ec2_network_acl_entry",
    taggable: false,
    doc: "One numbered ingress or egress entry of a network ACL.",
    fields: &[
        FieldSchema {
            name: "network_acl_id",
            ty: ValueType::Id("ec2::NetworkAclId"),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The network ACL the entry belongs to.",
        },
        FieldSchema {
            name: "rule_number",
            ty: ValueType::Int {
                min: 1,
                max: 32_766,
            },
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The entry's number; entries are evaluated lowest first.",
        },
        FieldSchema {
            name: "egress",
            ty: ValueType::Bool,
            presence: Presence::Default(Literal::Bool(false)),
            forces_replacement: true,
            doc: "Whether the entry applies to traffic out of the subnet, not into it.",
        },
        FieldSchema {
            name: "protocol",
            ty: ValueType::Enum(&EC2_PROTOCOL),
            presence: Presence::Default(Literal::Str("tcp")),
            forces_replacement: false,
            doc: "`Tcp`, `Udp`, `Icmp` or `All` (every protocol and every port).",
        },
        FieldSchema {
            name: "rule_action",
            ty: ValueType::Enum(&EC2_RULE_ACTION),
            presence: Presence::Required,
            forces_replacement: false,
            doc: "`Allow` or `Deny` the matching traffic.",
        },
        FieldSchema {
            name: "cidr_block",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The IPv4 range the entry matches, any prefix length from `/0` to `/32`.",
        },
        FieldSchema {
            name: "from_port",
            ty: ValueType::Port,
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The lowest port of the range, for `Tcp` and `Udp`.",
        },
        FieldSchema {
            name: "to_port",
            ty: ValueType::Port,
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The highest port of the range, for `Tcp` and `Udp`.",
        },
    ],
    rules: &[Rule::Ordered {
        from: "from_port",
        to: "to_port",
    }],
    attributes: &[AttributeSchema {
        name: "id",
        ty: ValueType::String,
        doc: "The entry's id, made of the ACL id, the direction and the rule number.",
    }],
};

/// `ec2::LaunchTemplate`.
pub static EC2_LAUNCH_TEMPLATE: ResourceSchema = ResourceSchema {
    path: "ec2::LaunchTemplate",
    type_name: "aws_ec2_launch_template",
    taggable: true,
    doc: "An EC2 launch template; each change makes a new version, the default one.",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::Name(NameRule {
                what: "launch template name",
                min_len: 3,
                max_len: 128,
                extra_chars: "()./_-",
                lowercase_only: false,
            }),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The template name, unique in the account and region.",
        },
        FieldSchema {
            name: "image_id",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The AMI id, `ami-…`, often from a lookup.",
        },
        FieldSchema {
            name: "instance_type",
            ty: ValueType::String,
            presence: Presence::Default(Literal::Str("t3.micro")),
            forces_replacement: false,
            doc: "The instance type, such as `t3.micro`.",
        },
        FieldSchema {
            name: "iam_instance_profile_arn",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The ARN of the instance profile the instances run with.",
        },
        FieldSchema {
            name: "security_group_ids",
            ty: ValueType::Set(&ValueType::Id("ec2::SecurityGroupId")),
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The security groups of the instances.",
        },
        FieldSchema {
            name: "user_data",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The instances' user data, as plain text; it is base64-encoded for AWS.",
        },
        FieldSchema {
            name: "require_imdsv2",
            ty: ValueType::Bool,
            presence: Presence::Default(Literal::Bool(true)),
            forces_replacement: false,
            doc: "Whether the instance metadata service requires session tokens (IMDSv2).",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::Id("ec2::LaunchTemplateId"),
            doc: "The launch template id, `lt-…`.",
        },
        AttributeSchema {
            name: "latest_version",
            ty: ValueType::Int {
                min: i64::MIN,
                max: i64::MAX,
            },
            doc: "The number of the template's latest version.",
        },
    ],
};
