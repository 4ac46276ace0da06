fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        lookup ami = ssm::Parameter {};
    };
}
