// A mistake the macro sees (a bad CIDR) and one only rustc sees (a subnet's id
// where a VPC id is expected) are reported together: the macro still expands
// what passed its checks.
fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16" };
        let a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.1.0/33" };
        let b = ec2::Subnet { vpc_id: a.id, cidr_block: "10.0.2.0/24" };
    };
}
