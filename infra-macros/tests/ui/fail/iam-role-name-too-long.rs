fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        let role = iam::Role {
            name: "a-role-name-that-goes-on-and-on-well-past-what-iam-accepts-as-a-name",
            assume_role_policy: { statements: [{ actions: ["sts:AssumeRole"] }] },
        };
    };
}
