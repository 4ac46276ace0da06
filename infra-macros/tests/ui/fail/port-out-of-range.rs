fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16" };
        let web = ec2::SecurityGroup { name: "web", vpc_id: vpc.id };
        let rule = ec2::SecurityGroupRule { security_group_id: web.id, direction: Ingress, from_port: 70000, to_port: 70000, source_security_group_id: web.id };
    };
}
