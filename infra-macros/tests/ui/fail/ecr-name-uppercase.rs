fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        let repo = ecr::Repository { name: "Identity-Backend" };
    };
}
