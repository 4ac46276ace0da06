fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        let logs = logs::LogGroup { name: "ecs-logs", retention_in_days: 13 };
    };
}
