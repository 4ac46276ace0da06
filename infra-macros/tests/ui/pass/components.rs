//! A component written once and used twice, with parameters, keeping typed
//! handles to what it made; and a component that uses another.

infra::component! {
    /// A VPC with two public subnets in the given zones.
    pub fn network(cidr: Cidr, zone_a: Text, zone_b: Text) -> Network {
        let vpc = ec2::Vpc { cidr_block: param.cidr, enable_dns_hostnames: true };
        let a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.1.0/24", availability_zone: param.zone_a, map_public_ip_on_launch: true };
        let b = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.2.0/24", availability_zone: param.zone_b, map_public_ip_on_launch: true };
        /// The VPC.
        export vpc_id = vpc.id;
        /// The subnet in the first zone.
        export subnet_a = a.id;
        /// The subnet in the second zone.
        export subnet_b = b.id;
    }
}

infra::component! {
    /// A network with a load balancer in front.
    pub fn public_service(name: Text, cidr: Cidr) -> PublicService {
        lookup azs = ec2::AvailabilityZones {};
        let net = use network(param.cidr, azs.names[0], azs.names[1]);
        let alb_sg = ec2::SecurityGroup { name: param.name, vpc_id: net.vpc_id };
        let alb = elbv2::LoadBalancer { name: param.name, subnet_ids: [net.subnet_a, net.subnet_b], security_group_ids: [alb_sg.id] };
        /// The load balancer's DNS name.
        export dns_name = alb.dns_name;
    }
}

fn main() {
    let stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";
        input environment: Text = "dev";

        let blue = use network("10.0.0.0/16", "eu-west-2a", "eu-west-2b");
        let green = use network("10.1.0.0/16", "eu-west-2b", "eu-west-2c");
        let web = use public_service(format!("web-{}", input.environment), "10.2.0.0/16");

        let blue_sg = ec2::SecurityGroup { name: "blue", vpc_id: blue.vpc_id };
        let green_sg = ec2::SecurityGroup { name: "green", vpc_id: green.vpc_id };

        output web_dns = web.dns_name;
    };
    for name in ["blue_vpc", "blue_a", "green_b", "web_net_vpc", "web_alb", "web_alb_sg", "blue_sg"] {
        assert!(stack.resource(name).is_some(), "{name}");
    }
    assert_eq!(stack.lookups()[0].name(), "web_azs");
}
