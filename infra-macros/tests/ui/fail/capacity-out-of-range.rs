fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        let table = dynamodb::Table { name: "items", hash_key: "id", billing_mode: Provisioned, read_capacity: 0, write_capacity: 1 };
    };
}
