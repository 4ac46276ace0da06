fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        input desired_count: Int = 2;
        let table = dynamodb::Table { name: "items", hash_key: "id", read_capacity: input.desired_cont };
    };
}
