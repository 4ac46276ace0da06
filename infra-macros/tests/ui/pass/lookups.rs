//! Lookups: the account, the zones (indexed) and an SSM parameter.

fn main() {
    let stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        lookup account = sts::CallerIdentity {};
        lookup azs = ec2::AvailabilityZones {};
        lookup ami = ssm::Parameter { name: "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id" };
        let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16", tags: { "account": account.account_id, "ami": ami.value } };
        let a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.1.0/24", availability_zone: azs.names[0] };
        let b = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.2.0/24", availability_zone: azs.names[1] };
        output account_id = account.account_id;
    };
    assert_eq!(stack.lookups().len(), 3);
}
