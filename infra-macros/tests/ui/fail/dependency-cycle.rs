fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        let a = ec2::Vpc { cidr_block: "10.0.0.0/16", depends_on: [c] };
        let b = ec2::Vpc { cidr_block: "10.1.0.0/16", depends_on: [a] };
        let c = ec2::Vpc { cidr_block: "10.2.0.0/16", depends_on: [b] };
    };
}
