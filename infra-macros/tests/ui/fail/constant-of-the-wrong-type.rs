mod service {
    pub const PORT: &str = "5000";
}

fn main() {
    let _ = infra::stack! {
        name = "consts";
        region = "eu-west-2";
        let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16" };
        let tg = elbv2::TargetGroup { name: "consts", port: service::PORT, vpc_id: vpc.id };
    };
}
