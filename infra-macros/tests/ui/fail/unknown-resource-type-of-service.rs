fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        let gateway = ec2::NatGatewayy { subnet_id: "subnet-1" };
    };
}
