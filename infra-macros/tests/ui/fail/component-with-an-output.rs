infra::component! {
    pub fn network(cidr: Cidr) -> Network {
        let vpc = ec2::Vpc { cidr_block: param.cidr };
        output vpc_id = vpc.id;
    }
}

fn main() {}
