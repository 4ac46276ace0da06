fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16" };
        let tg = elbv2::TargetGroup { name: "backend", port: 5000, vpc_id: vpc.id, health_check: { pathh: "/" } };
    };
}
