fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16" };
        let a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.1.0/24" };
        let alb = elbv2::LoadBalancer { name: "identity-e2e-backend-load-balancer", subnet_ids: [a.id] };
    };
}
