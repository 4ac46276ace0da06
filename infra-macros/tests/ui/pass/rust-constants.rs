//! Rust constants as field values: a port and a path shared with the service's
//! own code, written once.

mod service {
    pub const PORT: u16 = 5000;
    pub const HEALTH_PATH: &str = "/health";
}

fn main() {
    let stack = infra::stack! {
        name = "consts";
        region = "eu-west-2";
        let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16" };
        let tg = elbv2::TargetGroup {
            name: "consts", port: service::PORT, vpc_id: vpc.id,
            health_check: { path: service::HEALTH_PATH },
        };
    };
    let tg = stack.resource("tg").expect("declared");
    assert_eq!(tg.fields()["port"], infra::Expr::Value(5000.into()));
}
