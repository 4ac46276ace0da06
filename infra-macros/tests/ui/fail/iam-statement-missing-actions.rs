fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        let role = iam::Role {
            name: "app",
            assume_role_policy: { statements: [{ principals: { service: ["ecs-tasks.amazonaws.com"] } }] },
        };
    };
}
