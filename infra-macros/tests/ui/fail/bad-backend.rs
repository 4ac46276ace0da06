fn main() {
    let _ = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        backend = "s3://bucket/key";
        let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16" };
    };
}
