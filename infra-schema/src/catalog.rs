//! Every resource type the engine knows, one constant each.

use crate::{
    AttributeSchema, EnumSchema, FieldSchema, Literal, NameRule, Presence, ResourceSchema,
    ValueType,
};

/// Every resource type of the catalog.
pub static CATALOG: &[&ResourceSchema] = &[&EC2_VPC, &EC2_SUBNET, &DYNAMODB_TABLE];

const TAGS: FieldSchema = FieldSchema {
    name: "tags",
    ty: ValueType::Tags,
    presence: Presence::Optional,
    forces_replacement: false,
    doc: "Tags besides the stack's default tags and the ownership tags.",
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
        TAGS,
    ],
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_type_names_are_unique() {
        for (i, a) in CATALOG.iter().enumerate() {
            for b in &CATALOG[i + 1..] {
                assert_ne!(a.path, b.path);
                assert_ne!(a.type_name, b.type_name);
            }
        }
    }

    #[test]
    fn every_resource_has_an_id_and_enum_defaults_are_variants() {
        for schema in CATALOG {
            assert!(
                schema.attribute("id").is_some(),
                "{} has no id",
                schema.path
            );
            for field in schema.fields {
                if let (ValueType::Enum(e), Presence::Default(Literal::Str(default))) =
                    (&field.ty, &field.presence)
                {
                    assert!(
                        e.variants.iter().any(|(_, aws)| aws == default),
                        "{}.{} defaults to an unknown variant",
                        schema.path,
                        field.name
                    );
                }
            }
        }
    }
}
