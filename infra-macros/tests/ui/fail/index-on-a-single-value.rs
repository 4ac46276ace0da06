fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        lookup account = sts::CallerIdentity {};
        let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16", tags: { "account": account.account_id[0] } };
    };
}
