fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        regoin = "eu-west-1";
    };
}
