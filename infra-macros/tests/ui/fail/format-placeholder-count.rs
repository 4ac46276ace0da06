fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16" };
        let table = dynamodb::Table { name: format!("{}-{}-items", vpc.id), hash_key: "id" };
    };
}
