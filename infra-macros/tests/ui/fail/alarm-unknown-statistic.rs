fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        let alarm = cloudwatch::MetricAlarm { name: "cpu", namespace: "AWS/ECS", metric_name: "CPUUtilization", statistic: Mean, comparison_operator: GreaterThanThreshold, threshold: 50 };
    };
}
