infra::component! {
    /// A VPC with one subnet.
    pub fn network(cidr: Cidr) -> Network {
        let vpc = ec2::Vpc { cidr_block: param.cidr };
        let a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.1.0/24" };
        export vpc_id = vpc.id;
        export subnet_id = a.id;
    }
}

fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        let net = use network(true);
    };
}
