fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        let table = dynamodb::Table { name: format!("items-{name}"), hash_key: "id" };
    };
}
