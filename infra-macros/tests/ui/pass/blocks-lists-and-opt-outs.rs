//! Nested blocks, lists, ports and the visible opt-outs, on the types of the
//! reference stack's network, identity, registry, logs and load balancing.

fn main() {
    let stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";

        let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16" };
        let public_a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.1.0/24" };
        let public_b = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.2.0/24" };
        let alb_sg = ec2::SecurityGroup { name: "alb", vpc_id: vpc.id };
        let instances_sg = ec2::SecurityGroup { name: "instances", vpc_id: vpc.id };
        // 80 from anywhere is fine for a public load balancer.
        let http_in = ec2::SecurityGroupRule {
            security_group_id: alb_sg.id, direction: Ingress, from_port: 80, to_port: 80, cidr_ipv4: "0.0.0.0/0",
        };
        // Dynamic host ports only from the load balancer's group.
        let from_alb = ec2::SecurityGroupRule {
            security_group_id: instances_sg.id, direction: Ingress, from_port: 32768, to_port: 65535,
            source_security_group_id: alb_sg.id,
        };
        // Opened on purpose, and greppable.
        let debug_in = ec2::SecurityGroupRule {
            security_group_id: instances_sg.id, direction: Ingress, from_port: 8080, to_port: 8080,
            cidr_ipv4: "0.0.0.0/0", allow_public_ingress: true,
        };

        let repo = ecr::Repository { name: "identity-e2e-backend", image_tag_mutability: Immutable };
        let logs = logs::LogGroup { name: "ecs-logs", retention_in_days: 14 };
        let table = dynamodb::Table { name: "identity-e2e-backend", hash_key: "id" };
        let role = iam::Role {
            name: "identity-e2e-backend-task",
            assume_role_policy: {
                statements: [{ actions: ["sts:AssumeRole"], principals: { service: ["ecs-tasks.amazonaws.com"] } }],
            },
            managed_policy_arns: ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"],
            inline_policies: [{
                name: "data",
                policy: { statements: [
                    { actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan"], resources: [table.arn, format!("{}/index/*", table.arn)] },
                    { effect: Deny, actions: ["*"], resources: [repo.arn] },
                    { actions: ["*"], resources: [logs.arn], allow_wildcard: true },
                ] },
            }],
        };
        let alb = elbv2::LoadBalancer {
            name: "identity-e2e-backend", subnet_ids: [public_a.id, public_b.id], security_group_ids: [alb_sg.id], idle_timeout: 30,
        };
        let tg = elbv2::TargetGroup {
            name: "identity-e2e-backend", port: 5000, vpc_id: vpc.id,
            health_check: { path: "/", interval: 10, timeout: 2, healthy_threshold: 2, unhealthy_threshold: 2, matcher: "200" },
        };
        let cpu = cloudwatch::MetricAlarm {
            name: "ecs-cpu-high", namespace: "AWS/ECS", metric_name: "CPUUtilization",
            statistic: Average, comparison_operator: GreaterThanThreshold, threshold: 50,
            dimensions: { "ClusterName": "identity" },
        };

        /// The load balancer's DNS name.
        output alb_dns_name = alb.dns_name;
    };
    assert_eq!(stack.resources().len(), 15);
}
