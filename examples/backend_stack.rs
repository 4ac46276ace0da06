//! The Flask-style backend of `REFERENCE_STACK.md`, declared in typed Rust.
//!
//! So far: the VPC, its two public subnets and the DynamoDB table. The rest of
//! the reference stack (ECR, IAM, NAT, ECS, ALB, CloudWatch) joins as the
//! catalog grows.
//!
//! ```text
//! cargo run --example backend_stack                      # plan, offline on a fresh state
//! cargo run --example backend_stack -- apply --auto-approve
//! cargo run --example backend_stack -- plan --detailed-exitcode
//! cargo run --example backend_stack -- destroy --auto-approve
//! ```

use std::process::ExitCode;

/// The stack: one definition shared by the command line and the tests.
fn backend_stack() -> infra::Stack {
    infra::stack! {
        name = "identity-e2e-backend";
        region = "eu-west-2";
        default_tags = { "project": "identity-e2e", "managed-by": "infra" };

        let vpc = ec2::Vpc {
            cidr_block: "10.0.0.0/16",
            enable_dns_support: true,
            enable_dns_hostnames: true,
        };

        let public_subnet_a = ec2::Subnet {
            vpc_id: vpc.id,
            cidr_block: "10.0.1.0/24",
            availability_zone: "eu-west-2a",
            map_public_ip_on_launch: true,
            tags: { "tier": "public" },
        };

        let public_subnet_b = ec2::Subnet {
            vpc_id: vpc.id,
            cidr_block: "10.0.2.0/24",
            availability_zone: "eu-west-2b",
            map_public_ip_on_launch: true,
            tags: { "tier": "public" },
        };

        // On-demand suits a demo better than the original's provisioned 1/1.
        let table = dynamodb::Table {
            name: "identity-e2e-backend",
            hash_key: "id",
            hash_key_type: S,
            billing_mode: PayPerRequest,
        };

        /// The DynamoDB table the service reads and writes (its `TABLE_NAME`).
        output table_name = table.name;
        /// The VPC the stack's network lives in.
        output vpc_id = vpc.id;
    }
}

fn main() -> ExitCode {
    infra::cli::run(backend_stack())
}
