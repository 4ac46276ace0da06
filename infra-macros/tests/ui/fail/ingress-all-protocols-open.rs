fn main() {
    let _stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16" };
        let web = ec2::SecurityGroup { name: "web", vpc_id: vpc.id };
        let any = ec2::SecurityGroupRule { security_group_id: web.id, direction: Ingress, protocol: All, from_port: 80, to_port: 80, cidr_ipv4: "::/0" };
    };
}
