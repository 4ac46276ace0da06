//! The Flask-style backend of `REFERENCE_STACK.md`, all of it, in typed Rust:
//! an ECR repository, the IAM roles, a VPC with public and private subnets and
//! NAT, an Application Load Balancer, ECS on an EC2 Auto Scaling group with
//! service autoscaling, a DynamoDB table, logs and alarms.
//!
//! Tighter than the original: the instances accept traffic only from the load
//! balancer's security group; the table is encrypted with KMS and has
//! point-in-time recovery; images are scanned on push and their tags are
//! immutable; logs are kept 14 days; the instance role may touch only this
//! stack's table, log group and repository; instances require IMDSv2.
//!
//! ```text
//! cargo run --example backend_stack                      # plan (offline on a fresh state)
//! cargo run --example backend_stack -- apply             # shows the plan, asks for `yes`
//! cargo run --example backend_stack -- apply --var image_uri=…/identity-e2e-backend:v2
//! cargo run --example backend_stack -- output alb_dns_name
//! cargo run --example backend_stack -- destroy
//! cargo run --example backend_stack -- graph --format mermaid
//! ```

use std::process::ExitCode;

/// The stack: one definition shared by the command line and the tests.
fn backend_stack() -> infra::Stack {
    infra::stack! {
        name = "identity-e2e-backend";
        region = "eu-west-2";
        default_tags = { "project": "identity-e2e", "managed-by": "infra" };

        /// The service's container image; defaults to this stack's own repository
        /// with the tag `latest` (push it there first).
        input image_uri: Text = format!("{}:latest", repo.repository_url);
        /// How many copies of the service run.
        input desired_count: Int = 2;

        lookup account = sts::CallerIdentity {};
        lookup azs = ec2::AvailabilityZones {};
        /// The current ECS-optimized Amazon Linux 2 AMI, as AWS publishes it.
        lookup ami = ssm::Parameter { name: "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id" };

        // Registry: images scanned on push, tags never overwritten.
        let repo = ecr::Repository {
            name: "identity-e2e-backend",
            scan_on_push: true,
            image_tag_mutability: Immutable,
            encryption: Aes256,
        };

        // Network: two public subnets for the load balancer and the NAT
        // gateways, two private ones for the instances, in two zones.
        let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16", enable_dns_support: true, enable_dns_hostnames: true };
        let igw = ec2::InternetGateway {};
        let igw_attachment = ec2::InternetGatewayAttachment { internet_gateway_id: igw.id, vpc_id: vpc.id };
        let public_a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.1.0/24", availability_zone: azs.names[0], map_public_ip_on_launch: true, tags: { "tier": "public" } };
        let public_b = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.2.0/24", availability_zone: azs.names[1], map_public_ip_on_launch: true, tags: { "tier": "public" } };
        let private_a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.3.0/24", availability_zone: azs.names[0], tags: { "tier": "private" } };
        let private_b = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.4.0/24", availability_zone: azs.names[1], tags: { "tier": "private" } };
        let eip_a = ec2::ElasticIp {};
        let eip_b = ec2::ElasticIp {};
        // Each waits for the gateway's attachment: a hidden dependency the engine adds.
        let nat_a = ec2::NatGateway { subnet_id: public_a.id, allocation_id: eip_a.id };
        let nat_b = ec2::NatGateway { subnet_id: public_b.id, allocation_id: eip_b.id };
        let public_routes = ec2::RouteTable { vpc_id: vpc.id, tags: { "tier": "public" } };
        let public_default = ec2::Route { route_table_id: public_routes.id, destination_cidr_block: "0.0.0.0/0", gateway_id: igw.id };
        let public_a_routes = ec2::RouteTableAssociation { route_table_id: public_routes.id, subnet_id: public_a.id };
        let public_b_routes = ec2::RouteTableAssociation { route_table_id: public_routes.id, subnet_id: public_b.id };
        let private_a_routes = ec2::RouteTable { vpc_id: vpc.id, tags: { "tier": "private" } };
        let private_b_routes = ec2::RouteTable { vpc_id: vpc.id, tags: { "tier": "private" } };
        let private_a_default = ec2::Route { route_table_id: private_a_routes.id, destination_cidr_block: "0.0.0.0/0", nat_gateway_id: nat_a.id };
        let private_b_default = ec2::Route { route_table_id: private_b_routes.id, destination_cidr_block: "0.0.0.0/0", nat_gateway_id: nat_b.id };
        let private_a_association = ec2::RouteTableAssociation { route_table_id: private_a_routes.id, subnet_id: private_a.id };
        let private_b_association = ec2::RouteTableAssociation { route_table_id: private_b_routes.id, subnet_id: private_b.id };
        let public_acl = ec2::NetworkAcl { vpc_id: vpc.id, subnet_ids: [public_a.id, public_b.id] };
        let public_acl_in = ec2::NetworkAclEntry { network_acl_id: public_acl.id, rule_number: 100, rule_action: Allow, protocol: All, cidr_block: "0.0.0.0/0" };
        let public_acl_out = ec2::NetworkAclEntry { network_acl_id: public_acl.id, rule_number: 100, egress: true, rule_action: Allow, protocol: All, cidr_block: "0.0.0.0/0" };
        let private_acl = ec2::NetworkAcl { vpc_id: vpc.id, subnet_ids: [private_a.id, private_b.id] };
        // Private subnets take traffic from inside the VPC, and the answers to
        // what they asked for through NAT (ephemeral ports).
        let private_acl_in = ec2::NetworkAclEntry { network_acl_id: private_acl.id, rule_number: 100, rule_action: Allow, protocol: All, cidr_block: "10.0.0.0/16" };
        let private_acl_return = ec2::NetworkAclEntry { network_acl_id: private_acl.id, rule_number: 110, rule_action: Allow, protocol: Tcp, from_port: 1024, to_port: 65535, cidr_block: "0.0.0.0/0" };
        let private_acl_out = ec2::NetworkAclEntry { network_acl_id: private_acl.id, rule_number: 100, egress: true, rule_action: Allow, protocol: All, cidr_block: "0.0.0.0/0" };

        // Firewall: HTTP from anywhere to the load balancer only; the instances
        // accept the dynamic host ports from the load balancer's group alone.
        let alb_sg = ec2::SecurityGroup { name: "identity-e2e-backend-alb", vpc_id: vpc.id, description: "HTTP from the internet to the load balancer" };
        let instances_sg = ec2::SecurityGroup { name: "identity-e2e-backend-instances", vpc_id: vpc.id, description: "Container host ports, from the load balancer only" };
        let http_in = ec2::SecurityGroupRule { security_group_id: alb_sg.id, direction: Ingress, from_port: 80, to_port: 80, cidr_ipv4: "0.0.0.0/0" };
        let alb_to_instances = ec2::SecurityGroupRule { security_group_id: alb_sg.id, direction: Egress, from_port: 32768, to_port: 65535, source_security_group_id: instances_sg.id };
        let from_alb = ec2::SecurityGroupRule { security_group_id: instances_sg.id, direction: Ingress, from_port: 32768, to_port: 65535, source_security_group_id: alb_sg.id };

        // Data and logs.
        let table = dynamodb::Table {
            name: "identity-e2e-backend", hash_key: "id", hash_key_type: S, billing_mode: PayPerRequest,
            encryption: Kms, point_in_time_recovery: true,
        };
        let logs = logs::LogGroup { name: "ecs-logs", retention_in_days: 14 };

        // Identity: each role may do what its holder needs, on this stack's own
        // resources.
        let instance_role = iam::Role {
            name: "identity-e2e-backend-instance",
            description: "ECS container instances of identity-e2e-backend",
            assume_role_policy: { statements: [{ actions: ["sts:AssumeRole"], principals: { service: ["ec2.amazonaws.com"] } }] },
            managed_policy_arns: ["arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"],
            inline_policies: [{ name: "backend-data", policy: { statements: [
                { actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:Query"], resources: [table.arn] },
                { actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [format!("{}:*", logs.arn)] },
                { actions: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], resources: [repo.arn] },
            ] } }],
        };
        let instance_profile = iam::InstanceProfile { name: "identity-e2e-backend-instance", role_name: instance_role.id };
        let service_role = iam::Role {
            name: "identity-e2e-backend-ecs-service",
            description: "ECS registering the service's tasks with the load balancer",
            assume_role_policy: { statements: [{ actions: ["sts:AssumeRole"], principals: { service: ["ecs.amazonaws.com"] } }] },
            managed_policy_arns: ["arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceRole"],
        };
        let autoscaling_role = iam::Role {
            name: "identity-e2e-backend-app-autoscaling",
            description: "Application Auto Scaling adjusting the service's task count",
            assume_role_policy: { statements: [{ actions: ["sts:AssumeRole"], principals: { service: ["application-autoscaling.amazonaws.com"] } }] },
            managed_policy_arns: ["arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceAutoscaleRole"],
        };

        // Compute: container instances in the private subnets.
        let cluster = ecs::Cluster { name: "identity-e2e-backend", container_insights: true };
        let launch_template = ec2::LaunchTemplate {
            name: "identity-e2e-backend",
            image_id: ami.value,
            instance_type: "t3.micro",
            iam_instance_profile_arn: instance_profile.arn,
            security_group_ids: [instances_sg.id],
            user_data: format!("#!/bin/bash\necho ECS_CLUSTER={} >> /etc/ecs/ecs.config", cluster.name),
            require_imdsv2: true,
        };
        let asg = autoscaling::Group {
            name: "identity-e2e-backend",
            launch_template_id: launch_template.id,
            subnet_ids: [private_a.id, private_b.id],
            min_size: 1, desired_capacity: 1, max_size: 5,
            protect_from_scale_in: true,
        };
        let scale_out = autoscaling::Policy { name: "identity-e2e-backend-scale-out", group_name: asg.id, scaling_adjustment: 1 };
        let capacity = ecs::CapacityProvider { name: "identity-e2e-backend", auto_scaling_group_arn: asg.arn, managed_termination_protection: true };
        let cluster_capacity = ecs::ClusterCapacityProviders { cluster_name: cluster.name, capacity_providers: [capacity.name], default_provider: capacity.name };

        // Load balancing: HTTP 80 to the service's port, health-checked on the
        // service's own health path: both constants of the service's crate, so
        // the two cannot drift apart.
        let alb = elbv2::LoadBalancer { name: "identity-e2e-backend", subnet_ids: [public_a.id, public_b.id], security_group_ids: [alb_sg.id], idle_timeout: 30 };
        let tg = elbv2::TargetGroup {
            name: "identity-e2e-backend", port: backend_service::PORT, vpc_id: vpc.id,
            health_check: { path: backend_service::HEALTH_PATH, interval: 10, timeout: 2, healthy_threshold: 2, unhealthy_threshold: 2, matcher: "200" },
        };
        // The service waits for it: another hidden dependency the engine adds.
        let listener = elbv2::Listener { load_balancer_arn: alb.arn, port: 80, default_action: { forward_target_group_arn: tg.arn } };

        // Containers.
        let task = ecs::TaskDefinition {
            family: "identity-e2e-backend",
            container_definitions: [{
                name: "backend", image: input.image_uri, cpu: 10, memory: 300,
                port_mappings: [{ container_port: backend_service::PORT }],
                environment: { "TABLE_NAME": table.name, "AWS_REGION": "eu-west-2" },
                log_group: logs.name, log_stream_prefix: "backend",
            }],
        };
        let service = ecs::Service {
            name: "identity-e2e-backend", cluster: cluster.arn, task_definition: task.arn,
            desired_count: input.desired_count, capacity_provider: capacity.name,
            load_balancers: [{ target_group_arn: tg.arn, container_name: "backend", container_port: backend_service::PORT }],
        };
        let service_scaling = applicationautoscaling::ScalableTarget {
            resource_id: format!("service/{}/{}", cluster.name, service.name),
            min_capacity: 2, max_capacity: 5, role_arn: autoscaling_role.arn,
        };
        let cpu_policy = applicationautoscaling::TargetTrackingPolicy {
            name: "identity-e2e-backend-cpu", resource_id: service_scaling.resource_id,
            predefined_metric: EcsServiceAverageCpuUtilization, target_value: 50,
        };
        let memory_policy = applicationautoscaling::TargetTrackingPolicy {
            name: "identity-e2e-backend-memory", resource_id: service_scaling.resource_id,
            predefined_metric: EcsServiceAverageMemoryUtilization, target_value: 50,
        };

        // Observability. The service scales on its CPU through the target-tracking
        // policy above; this alarm is the one people see.
        let service_cpu_alarm = cloudwatch::MetricAlarm {
            name: "identity-e2e-backend-service-cpu", namespace: "AWS/ECS", metric_name: "CPUUtilization",
            statistic: Average, comparison_operator: GreaterThanThreshold, threshold: 50,
            dimensions: { "ClusterName": cluster.name, "ServiceName": service.name },
        };
        let instances_cpu_alarm = cloudwatch::MetricAlarm {
            name: "identity-e2e-backend-instances-cpu", namespace: "AWS/EC2", metric_name: "CPUUtilization",
            statistic: Average, comparison_operator: GreaterThanThreshold, threshold: 50,
            dimensions: { "AutoScalingGroupName": asg.id },
            alarm_actions: [scale_out.arn],
        };

        /// The load balancer's DNS name: the service is at http://<this>/.
        output alb_dns_name = alb.dns_name;
        /// Where to push the service's image (`docker push <this>:latest`).
        output repository_uri = repo.repository_url;
        /// The DynamoDB table the service reads and writes (its `TABLE_NAME`).
        output table_name = table.name;
    }
}

fn main() -> ExitCode {
    infra::cli::run(backend_stack())
}
