fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        /// Defaults to the VPC's own id: the VPC cannot be tagged with it.
        input label: Text = format!("vpc {}", vpc.id);
        let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16", tags: { "label": input.label } };
    };
}
