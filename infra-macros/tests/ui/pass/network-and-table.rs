//! Every construct of the language so far, with every resource type.

fn main() {
    let stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        default_tags = { "team": "core" };

        let vpc = ec2::Vpc {
            cidr_block: "10.0.0.0/16",
            enable_dns_support: true,
            enable_dns_hostnames: true,
            tags: { "Name": "demo" },
        };
        // Declared after its user: order in the stack does not matter.
        let subnet = ec2::Subnet {
            vpc_id: vpc.id,
            cidr_block: "10.0.1.0/24",
            availability_zone: "eu-west-2a",
            map_public_ip_on_launch: true,
            tags: { "vpc": vpc.id },
        };
        let table = dynamodb::Table {
            name: "demo-items",
            hash_key: "id",
            hash_key_type: S,
            billing_mode: Provisioned,
            read_capacity: 1,
            write_capacity: 1,
            depends_on: [subnet],
        };
    };
    assert_eq!(stack.resources().len(), 3);
}
