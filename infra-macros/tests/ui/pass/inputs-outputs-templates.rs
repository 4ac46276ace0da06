//! Inputs (with and without defaults, one built from a resource), outputs and
//! `format!` templates.

fn main() {
    let stack = infra::stack! {
        name = "demo";
        region = "eu-west-2";

        /// The table's name suffix.
        input suffix: Text = "dev";
        /// Read capacity units.
        input read_capacity: Int = 1;
        /// Where the network lives.
        input network: Cidr = "10.0.0.0/16";
        /// Given at run time only.
        input owner: Text;
        /// Defaults to a value built from a resource.
        input label: Text = format!("vpc {}", vpc.id);

        let vpc = ec2::Vpc { cidr_block: input.network, tags: { "owner": input.owner } };
        let table = dynamodb::Table {
            name: format!("items-{}", input.suffix),
            hash_key: "id",
            billing_mode: Provisioned,
            read_capacity: input.read_capacity,
            write_capacity: 1,
            tags: { "arn-pattern": format!("{}/index/*", vpc.arn), "label": input.label },
        };

        /// The table's ARN.
        output table_arn = table.arn;
        /// A string built from several attributes.
        output summary = format!("{} in {}", table.name, vpc.id);
        output count = 3;
    };
    assert_eq!(stack.inputs().len(), 5);
    assert_eq!(stack.outputs().len(), 3);
    assert_eq!(stack.inputs()[0].description, "The table's name suffix.");
}
