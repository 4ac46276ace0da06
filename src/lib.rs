//! Declare AWS infrastructure in typed Rust, have rustc check it, and deploy it
//! through the official AWS SDK for Rust.
//!
//! `infra` is Terraform and its AWS provider as a Rust library: the [`stack!`]
//! macro turns a declaration into a checked resource graph (a reference to an
//! undeclared resource, a duplicate name, a bad CIDR or a subnet outside its VPC
//! do not compile), and the engine plans, applies and destroys it, keeping state
//! in a local JSON file.
//!
//! ```
//! let stack = infra::stack! {
//!     name = "demo";
//!     region = "eu-west-2";
//!
//!     let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16", enable_dns_hostnames: true };
//!     let public_a = ec2::Subnet {
//!         vpc_id: vpc.id,
//!         cidr_block: "10.0.1.0/24",
//!         map_public_ip_on_launch: true,
//!     };
//!     let table = dynamodb::Table { name: "demo-items", hash_key: "id", billing_mode: PayPerRequest };
//! };
//!
//! // Plan against an empty state: no AWS call is needed.
//! let plan = infra::plan::diff(&stack, &infra::State::new(&stack))?;
//! assert_eq!(plan.summary().to_add, 3);
//! # Ok::<(), infra::PlanError>(())
//! ```
//!
//! A subnet that names something other than a VPC does not compile:
//!
//! ```compile_fail
//! let stack = infra::stack! {
//!     name = "demo";
//!     region = "eu-west-2";
//!     let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16" };
//!     let a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.1.0/24" };
//!     let b = ec2::Subnet { vpc_id: a.id, cidr_block: "10.0.2.0/24" };
//! };
//! ```
//!
//! To deploy, give the stack to [`cli::run`] (a Terraform-style command line) or
//! drive an [`Engine`] yourself with the
//! [`AwsProvider`](provider::aws::AwsProvider).

pub use infra_core::*;

/// Declares a stack of AWS resources, checked at compile time, as an
/// expression of type [`Stack`].
///
/// # The language
///
/// ```text
/// stack! {
///     name = "my-stack";                      // required: tags and names derive from it
///     region = "eu-west-2";                   // required
///     default_tags = { "team": "identity" };  // optional: on every taggable resource
///
///     /// How many tasks run.                 // the description
///     input desired_count: Int = 2;           // Text, Int, Bool or Cidr; the default is optional
///
///     lookup azs = ec2::AvailabilityZones {}; // data read at plan time: `azs.names[0]`
///
///     let NAME = SERVICE::Type {              // a resource, named for references
///         field: value,
///         depends_on: [other],                // ordering no reference shows
///     };
///
///     /// The table's name.
///     output table_name = table.name;         // recorded by apply, printed by `output`
/// }
/// ```
///
/// Values are literals (`"text"`, `true`, `42`), references to another
/// resource's field or attribute (`vpc.id`) or to an input (`input.desired_count`),
/// enum variants (`PayPerRequest`), maps (`{ "key": "value" }`, for tags), lists
/// (`[a.id, b.id]`), nested blocks (`{ path: "/", interval: 10 }`) and
/// strings built from references (`format!("{}/index/*", table.arn)`). A
/// reference is typed by what it points at: `vpc.id` fills a field that wants a
/// VPC id, and a subnet's id there is a type error on your token. Inputs take
/// their values at run time (`--var desired_count=3`, or `INFRA_VAR_desired_count`),
/// checked against their type before any AWS call.
///
/// The resource types, fields and attributes are listed in
/// [`infra_schema::catalog`](__private::schema::catalog).
///
/// Every taggable resource also gets the tags `infra:stack = <stack name>` and
/// `infra:resource = <its name>`.
pub use infra_macros::stack;

/// Declares a component: a group of resources written once and used by any
/// stack, with parameters, handing back typed handles.
///
/// ```
/// infra::component! {
///     /// A VPC with two public subnets.
///     pub fn network(cidr: Cidr, zone_a: Text, zone_b: Text) -> Network {
///         let vpc = ec2::Vpc { cidr_block: param.cidr, enable_dns_hostnames: true };
///         let a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.1.0/24", availability_zone: param.zone_a };
///         let b = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.2.0/24", availability_zone: param.zone_b };
///         /// The VPC.
///         export vpc_id = vpc.id;
///         /// The first subnet.
///         export subnet_a = a.id;
///     }
/// }
///
/// let stack = infra::stack! {
///     name = "demo";
///     region = "eu-west-2";
///     let main = use network("10.0.0.0/16", "eu-west-2a", "eu-west-2b");
///     // Handles are typed: `main.subnet_a` is a subnet id.
///     let sg = ec2::SecurityGroup { name: "web", vpc_id: main.vpc_id };
/// };
/// assert!(stack.resource("main_vpc").is_some());
/// ```
///
/// Inside, parameters are `param.NAME`; resources are named
/// `<instance>_<name>` in the stack; `export NAME = resource.attribute;` becomes
/// a typed field of the returned struct.
pub use infra_macros::component;

#[cfg(feature = "cli")]
pub mod cli;

/// What code generated by [`stack!`] calls. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use infra_schema as schema;

    use crate::types::IntoField;
    use crate::{Expr, Stack, StackBuilder};

    /// A field value, type-checked by rustc against the field's type `T`.
    pub fn field<T, V: IntoField<T>>(value: V) -> Expr {
        value.into_expr()
    }

    /// A value of any type, where no field type constrains it (an output, a
    /// `format!` argument).
    pub fn part(value: impl Into<Expr>) -> Expr {
        value.into()
    }

    /// A map value (tags).
    pub fn map(entries: Vec<(&str, Expr)>) -> Expr {
        Expr::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }

    /// The stack, which `stack!` checked at compile time.
    pub fn finish(builder: StackBuilder) -> Stack {
        match builder.build() {
            Ok(stack) => stack,
            // The macro makes every check `build` makes; reaching this is a bug.
            Err(error) => panic!("`stack!` accepted a stack that is not valid: {error}"),
        }
    }

    /// Stands in for the stack when `stack!` reported errors, so that no
    /// secondary error follows them.
    pub fn invalid_stack(builder: StackBuilder) -> Stack {
        drop(builder);
        unreachable!("a stack with errors does not compile")
    }
}
