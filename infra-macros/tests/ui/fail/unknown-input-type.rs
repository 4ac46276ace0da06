fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        input desired_count: Integer = 2;
    };
}
