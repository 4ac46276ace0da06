fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        let table = dynamodb::Table { name: "items", hash_key: "id", hash_key_type: String };
    };
}
