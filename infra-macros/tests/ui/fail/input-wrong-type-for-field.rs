fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        input flag: Bool = true;
        let table = dynamodb::Table { name: "items", hash_key: "id", read_capacity: input.flag };
    };
}
