//! The Rust types that stand for field values, so that rustc checks what a
//! declaration puts in each field.
//!
//! Each field of the catalog has a value type ([`infra_schema::ValueType`]); here
//! each value type has a marker type, and [`IntoField`] says which Rust values may
//! fill it. A reference is a [`Ref`] typed by what it points at: `vpc.id` is a
//! `Ref<ec2::VpcId>`, which fills a field that wants a VPC id and nothing else.
//!
//! ```
//! use infra_core::types::{ec2::VpcId, IntoField, Ref};
//! use infra_core::Expr;
//!
//! let vpc_id: Expr = IntoField::<VpcId>::into_expr(Ref::<VpcId>::new("vpc", "id"));
//! assert_eq!(vpc_id.references()[0].to_string(), "vpc.id");
//! ```
//!
//! A subnet id where a VPC id is expected does not compile:
//!
//! ```compile_fail
//! use infra_core::types::{ec2::{SubnetId, VpcId}, IntoField, Ref};
//! let _ = IntoField::<VpcId>::into_expr(Ref::<SubnetId>::new("subnet", "id"));
//! ```

use std::collections::BTreeMap;
use std::marker::PhantomData;

use infra_schema::ValueType;

use crate::model::{Expr, Reference, Value};

/// A value that can fill a field whose value type is `T`.
#[diagnostic::on_unimplemented(
    message = "this field expects {T}, and `{Self}` is not one",
    label = "expected {T}",
    note = "a reference's type is what it points at: `vpc.id` is a `Ref<VpcId>`"
)]
pub trait IntoField<T> {
    /// The value as a declared expression.
    fn into_expr(self) -> Expr;
}

/// A typed reference to another resource's field or attribute.
#[derive(Debug)]
pub struct Ref<T> {
    expr: Expr,
    kind: PhantomData<fn() -> T>,
}

impl<T> Ref<T> {
    /// A reference to `attribute` of the resource called `resource`.
    pub fn new(resource: &str, attribute: &str) -> Self {
        Self::of(Expr::Ref(Reference {
            resource: resource.to_owned(),
            attribute: attribute.to_owned(),
        }))
    }

    /// The stack's input called `name`, whose type is `T`.
    pub fn input(name: &str) -> Self {
        Self::of(Expr::Input(name.to_owned()))
    }

    /// Any value that fills a field of type `T`, as a `Ref<T>`: how a
    /// component's arguments are passed.
    pub fn value<V: IntoField<T>>(value: V) -> Self {
        Self::of(value.into_expr())
    }

    /// Item `index` of the list this refers to: `azs.names[0]`.
    pub fn at(self, index: usize) -> Self {
        Self::of(Expr::Index(Box::new(self.expr), index))
    }

    fn of(expr: Expr) -> Self {
        Ref {
            expr,
            kind: PhantomData,
        }
    }
}

impl Ref<Text> {
    /// A string made of `parts`, each a literal or a reference of any type:
    /// what `format!("ECS_CLUSTER={}", cluster.name)` becomes in `stack!`.
    pub fn template(parts: Vec<Expr>) -> Self {
        Self::of(Expr::Template(parts))
    }
}

impl<T> Clone for Ref<T> {
    fn clone(&self) -> Self {
        Self::of(self.expr.clone())
    }
}

impl<T> IntoField<T> for Ref<T> {
    fn into_expr(self) -> Expr {
        self.expr
    }
}

/// Value types whose values are strings (ids), and so may fill a [`Text`] field:
/// a VPC id can go in a tag.
pub trait StringLike {}

impl<T: StringLike> IntoField<Text> for Ref<T> {
    fn into_expr(self) -> Expr {
        self.expr
    }
}

/// The marker types an input can have, with the value type they stand for.
pub trait InputType {
    /// The value type of the catalog this marker stands for.
    const TYPE: ValueType;
}

impl InputType for Text {
    const TYPE: ValueType = ValueType::String;
}

impl InputType for Int {
    const TYPE: ValueType = ValueType::Int {
        min: i64::MIN,
        max: i64::MAX,
    };
}

impl InputType for Bool {
    const TYPE: ValueType = ValueType::Bool;
}

impl InputType for Cidr {
    const TYPE: ValueType = ValueType::Cidr;
}

/// Why the fields named `present` do not fit `block`: one it does not have, or
/// a required one missing.
fn check_block_fields<'a>(
    block: &infra_schema::BlockSchema,
    present: impl Iterator<Item = &'a str> + Clone,
) -> Result<(), String> {
    if let Some(unknown) = present.clone().find(|name| block.field(name).is_none()) {
        return Err(format!("`{}` has no field `{unknown}`", block.name));
    }
    match block.fields.iter().find(|f| {
        matches!(f.presence, infra_schema::Presence::Required)
            && !present.clone().any(|p| p == f.name)
    }) {
        Some(missing) => Err(format!(
            "`{}` needs the field `{}`",
            block.name, missing.name
        )),
        None => Ok(()),
    }
}

/// Why a declared expression does not fit a field of type `ty`: its literal
/// parts are checked (references, inputs and templates are checked once known).
pub fn check_expr(ty: &ValueType, expr: &Expr) -> Result<(), String> {
    match (ty, expr) {
        (_, Expr::Value(value)) => check_literal(ty, value),
        (ValueType::List(item) | ValueType::Set(item), Expr::List(items)) => {
            items.iter().try_for_each(|e| check_expr(item, e))
        }
        (ValueType::Block(block), Expr::Map(fields)) => {
            check_block_fields(block, fields.keys().map(String::as_str))?;
            fields
                .iter()
                .try_for_each(|(name, e)| match block.field(name) {
                    Some(field) => {
                        check_expr(&field.ty, e).map_err(|error| format!("{name}: {error}"))
                    }
                    None => Ok(()),
                })
        }
        (ValueType::Tags, Expr::Map(_)) => Ok(()),
        (_, Expr::Ref(_) | Expr::Input(_) | Expr::Template(_) | Expr::Index(..)) => Ok(()),
        (ty, _) => Err(format!("expected {}", ty.rust_type())),
    }
}

/// Why the literal values among `fields` break one of `rules` (a reversed port
/// range, ingress open to the internet, an `Allow` of `*`), or `Ok`. The
/// `stack!` macro makes the same checks at compile time.
pub fn check_rules(
    rules: &[infra_schema::Rule],
    fields: &BTreeMap<String, Expr>,
) -> Result<(), String> {
    use infra_schema::Rule;
    let literal = |name: &str| match fields.get(name) {
        Some(Expr::Value(value)) => Some(value),
        _ => None,
    };
    let int = |name: &str| literal(name).and_then(Value::as_i64);
    let opted_out = |name: &str| literal(name).and_then(Value::as_bool) == Some(true);
    for rule in rules {
        match *rule {
            Rule::Ordered { from, to } => {
                if let (Some(low), Some(high)) = (int(from), int(to)) {
                    if low > high {
                        return Err(format!("`{to}` ({high}) is less than `{from}` ({low})"));
                    }
                }
            }
            Rule::PublicIngress {
                cidr,
                from,
                to,
                opt_out,
            } => {
                let open = matches!(
                    literal(cidr).and_then(Value::as_str),
                    Some("0.0.0.0/0" | "::/0")
                );
                let all = literal("protocol").and_then(Value::as_str) == Some("-1");
                let web = matches!((int(from), int(to)), (Some(a), Some(b)) if a == b && (a == 80 || a == 443));
                if open && (all || !web) && !opted_out(opt_out) {
                    return Err(format!(
                        "only ports 80 and 443 may be open to the internet; set `{opt_out}` to open others on purpose"
                    ));
                }
            }
            Rule::NoWildcardAllow {
                effect,
                actions,
                opt_out,
            } => {
                let allows = literal(effect).and_then(Value::as_str) != Some("Deny");
                let star = match fields.get(actions) {
                    Some(Expr::List(items)) => {
                        items.iter().any(|e| *e == Expr::Value(Value::from("*")))
                    }
                    Some(Expr::Value(Value::Array(items))) => items.iter().any(|v| v == "*"),
                    _ => false,
                };
                if allows && star && !opted_out(opt_out) {
                    return Err(format!(
                        "an `Allow` of every action (`*`) needs `{opt_out}` set"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// An input's value given as text (`--var desired_count=3`), parsed by its type.
pub fn parse_input(ty: &ValueType, text: &str) -> Result<Value, String> {
    let value = match ty {
        ValueType::Bool => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(format!("`{text}` is not `true` or `false`")),
        },
        ValueType::Int { .. } => text
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("`{text}` is not a whole number"))?,
        _ => Value::String(text.to_owned()),
    };
    check_literal(ty, &value)?;
    Ok(value)
}

macro_rules! marker {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {}
    };
}

marker!(
    /// Any string.
    Text
);
marker!(
    /// `true` or `false`.
    Bool
);
marker!(
    /// A whole number.
    Int
);
marker!(
    /// An IPv4 CIDR block such as `10.0.0.0/16`.
    Cidr
);
marker!(
    /// A map of tag keys to values.
    Tags
);

impl IntoField<Text> for &str {
    fn into_expr(self) -> Expr {
        Expr::Value(Value::String(self.to_owned()))
    }
}

impl IntoField<Text> for String {
    fn into_expr(self) -> Expr {
        Expr::Value(Value::String(self))
    }
}

impl IntoField<Cidr> for &str {
    fn into_expr(self) -> Expr {
        Expr::Value(Value::String(self.to_owned()))
    }
}

impl IntoField<Cidr> for ipnet::Ipv4Net {
    fn into_expr(self) -> Expr {
        Expr::Value(Value::String(self.to_string()))
    }
}

impl IntoField<Bool> for bool {
    fn into_expr(self) -> Expr {
        Expr::Value(Value::Bool(self))
    }
}

impl IntoField<Int> for i64 {
    fn into_expr(self) -> Expr {
        Expr::Value(Value::from(self))
    }
}

/// Whole numbers of the narrower types, as Rust constants shared with other code
/// are often typed (`pub const PORT: u16 = 5000;`).
macro_rules! int_fields {
    ($($ty:ty),*) => {$(
        impl IntoField<Int> for $ty {
            fn into_expr(self) -> Expr {
                Expr::Value(Value::from(i64::from(self)))
            }
        }
    )*};
}

int_fields!(i8, i16, i32, u8, u16, u32);

/// Tags as the `stack!` macro and builders pass them.
impl<V: IntoField<Text>> IntoField<Tags> for Vec<(&str, V)> {
    fn into_expr(self) -> Expr {
        Expr::Map(
            self.into_iter()
                .map(|(k, v)| (k.to_owned(), v.into_expr()))
                .collect(),
        )
    }
}

impl IntoField<Tags> for BTreeMap<String, String> {
    fn into_expr(self) -> Expr {
        Expr::Map(
            self.into_iter()
                .map(|(k, v)| (k, Expr::Value(Value::String(v))))
                .collect(),
        )
    }
}

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {}

        impl $crate::types::StringLike for $name {}

        /// The id of a resource that exists outside the stack.
        impl $crate::types::IntoField<$name> for &str {
            fn into_expr(self) -> $crate::Expr {
                $crate::Expr::Value($crate::Value::String(self.to_owned()))
            }
        }
    };
}

macro_rules! aws_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $aws:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// The value as AWS spells it.
            pub fn as_aws(self) -> &'static str {
                match self {
                    $($name::$variant => $aws),+
                }
            }
        }

        impl $crate::types::IntoField<$name> for $name {
            fn into_expr(self) -> $crate::Expr {
                $crate::Expr::Value($crate::Value::String(self.as_aws().to_owned()))
            }
        }
    };
}

/// Value types of EC2.
pub mod ec2 {
    id!(
        /// The id of a VPC, `vpc-…`.
        VpcId
    );
    id!(
        /// The id of a subnet, `subnet-…`.
        SubnetId
    );
    id!(
        /// The id of a security group, `sg-…`.
        SecurityGroupId
    );
    id!(
        /// The id of an internet gateway, `igw-…`.
        InternetGatewayId
    );
    id!(
        /// The allocation id of an Elastic IP, `eipalloc-…`.
        AllocationId
    );
    id!(
        /// The id of a NAT gateway, `nat-…`.
        NatGatewayId
    );
    id!(
        /// The id of a route table, `rtb-…`.
        RouteTableId
    );
    id!(
        /// The id of a network ACL, `acl-…`.
        NetworkAclId
    );
    id!(
        /// The id of a launch template, `lt-…`.
        LaunchTemplateId
    );
    aws_enum!(
        /// What a network ACL entry does with matching traffic.
        RuleAction {
            /// Let it through.
            Allow => "allow",
            /// Drop it.
            Deny => "deny",
        }
    );
    aws_enum!(
        /// Which traffic a security-group rule governs.
        RuleDirection {
            /// Traffic into the group.
            Ingress => "ingress",
            /// Traffic out of the group.
            Egress => "egress",
        }
    );
    aws_enum!(
        /// The IP protocol of a security-group rule.
        Protocol {
            /// TCP.
            Tcp => "tcp",
            /// UDP.
            Udp => "udp",
            /// ICMP.
            Icmp => "icmp",
            /// Every protocol and port.
            All => "-1",
        }
    );
}

/// Value types of IAM.
pub mod iam {
    aws_enum!(
        /// Whether a policy statement allows or denies.
        Effect {
            /// Grants the actions.
            Allow => "Allow",
            /// Refuses the actions, whatever else allows them.
            Deny => "Deny",
        }
    );
}

/// Value types of ECR.
pub mod ecr {
    aws_enum!(
        /// Whether an image tag can be pushed again.
        TagMutability {
            /// Tags can be overwritten.
            Mutable => "MUTABLE",
            /// A tag, once pushed, never changes.
            Immutable => "IMMUTABLE",
        }
    );
    aws_enum!(
        /// How images are encrypted at rest.
        Encryption {
            /// AES-256 with keys ECR manages.
            Aes256 => "AES256",
            /// A KMS key.
            Kms => "KMS",
        }
    );
}

/// Value types of CloudWatch.
pub mod cloudwatch {
    aws_enum!(
        /// How an alarm aggregates its metric over a period.
        Statistic {
            /// The mean.
            Average => "Average",
            /// The total.
            Sum => "Sum",
            /// The lowest value.
            Minimum => "Minimum",
            /// The highest value.
            Maximum => "Maximum",
            /// How many data points.
            SampleCount => "SampleCount",
        }
    );
    aws_enum!(
        /// How an alarm compares its statistic with the threshold.
        ComparisonOperator {
            /// `>=`.
            GreaterThanOrEqualToThreshold => "GreaterThanOrEqualToThreshold",
            /// `>`.
            GreaterThanThreshold => "GreaterThanThreshold",
            /// `<`.
            LessThanThreshold => "LessThanThreshold",
            /// `<=`.
            LessThanOrEqualToThreshold => "LessThanOrEqualToThreshold",
        }
    );
}

/// Value types of ECS.
pub mod ecs {
    aws_enum!(
        /// How a task's containers are networked.
        NetworkMode {
            /// Docker's bridge, with dynamic host ports.
            Bridge => "bridge",
            /// The host's network.
            Host => "host",
            /// An elastic network interface per task.
            Awsvpc => "awsvpc",
            /// No networking.
            None => "none",
        }
    );
    aws_enum!(
        /// The protocol of a container's port mapping.
        PortProtocol {
            /// TCP.
            Tcp => "tcp",
            /// UDP.
            Udp => "udp",
        }
    );
    aws_enum!(
        /// Where a service's tasks run.
        LaunchType {
            /// EC2 instances of the cluster.
            Ec2 => "EC2",
            /// Fargate.
            Fargate => "FARGATE",
        }
    );
}

/// Value types of EC2 Auto Scaling.
pub mod autoscaling {
    aws_enum!(
        /// How a scaling policy decides.
        PolicyType {
            /// A fixed adjustment when its alarm fires.
            SimpleScaling => "SimpleScaling",
            /// Keeps a metric at a target.
            TargetTrackingScaling => "TargetTrackingScaling",
        }
    );
    aws_enum!(
        /// How a simple scaling adjustment is read.
        AdjustmentType {
            /// Add or remove that many instances.
            ChangeInCapacity => "ChangeInCapacity",
            /// Set the capacity to that number.
            ExactCapacity => "ExactCapacity",
            /// Change the capacity by that percentage.
            PercentChangeInCapacity => "PercentChangeInCapacity",
        }
    );
}

/// Value types of Application Auto Scaling.
pub mod applicationautoscaling {
    aws_enum!(
        /// The service whose resource is scaled.
        ServiceNamespace {
            /// ECS services.
            Ecs => "ecs",
            /// DynamoDB tables.
            Dynamodb => "dynamodb",
        }
    );
    aws_enum!(
        /// The metric a target-tracking policy keeps at its target.
        PredefinedMetric {
            /// The service's average CPU.
            EcsServiceAverageCpuUtilization => "ECSServiceAverageCPUUtilization",
            /// The service's average memory.
            EcsServiceAverageMemoryUtilization => "ECSServiceAverageMemoryUtilization",
        }
    );
}

/// Value types of Elastic Load Balancing.
pub mod elbv2 {
    aws_enum!(
        /// The protocol a target group or listener speaks.
        Protocol {
            /// HTTP.
            Http => "HTTP",
            /// HTTPS.
            Https => "HTTPS",
        }
    );
    aws_enum!(
        /// What a target group routes to.
        TargetType {
            /// EC2 instances (ECS on EC2 with dynamic host ports).
            Instance => "instance",
            /// IP addresses (awsvpc tasks).
            Ip => "ip",
        }
    );
}

/// Value types of DynamoDB.
pub mod dynamodb {
    aws_enum!(
        /// How a table's capacity is paid for.
        BillingMode {
            /// On-demand: pay per request, no capacity to plan.
            PayPerRequest => "PAY_PER_REQUEST",
            /// Provisioned read and write capacity units.
            Provisioned => "PROVISIONED",
        }
    );
    aws_enum!(
        /// The type of a key attribute.
        AttributeType {
            /// A string.
            S => "S",
            /// A number.
            N => "N",
            /// Binary data.
            B => "B",
        }
    );
    aws_enum!(
        /// How a table is encrypted at rest.
        Encryption {
            /// DynamoDB's own key, at no charge.
            AwsOwned => "AWS_OWNED",
            /// The AWS-managed KMS key `alias/aws/dynamodb`, its use auditable in CloudTrail.
            Kms => "KMS",
        }
    );
}

/// Why a literal `value` does not fit a field of type `ty`, or `Ok` when it does.
///
/// The `stack!` macro makes the same checks at compile time on literals; this
/// catches values built at run time.
pub fn check_literal(ty: &ValueType, value: &Value) -> Result<(), String> {
    match (ty, value) {
        (ValueType::Bool, Value::Bool(_)) => Ok(()),
        (ValueType::Int { min, max }, Value::Number(n)) => match n.as_i64() {
            Some(i) if (*min..=*max).contains(&i) => Ok(()),
            _ => Err(format!("{n} is not a whole number from {min} to {max}")),
        },
        (ValueType::Cidr, Value::String(s)) => s
            .parse::<ipnet::Ipv4Net>()
            .map(drop)
            .map_err(|_| format!("`{s}` is not an IPv4 CIDR block such as `10.0.0.0/16`")),
        (ValueType::Name(rule), Value::String(s)) => rule.violation(s).map_or(Ok(()), Err),
        (ValueType::Enum(schema), Value::String(s)) => {
            if schema.variants.iter().any(|(_, aws)| aws == s) {
                Ok(())
            } else {
                Err(format!(
                    "`{s}` is not one of the values of {}",
                    schema.rust_path
                ))
            }
        }
        (ValueType::String | ValueType::Id(_), Value::String(_)) => Ok(()),
        (ValueType::Port, Value::Number(n)) => match n.as_i64() {
            Some(1..=65535) => Ok(()),
            _ => Err(format!("{n} is not a port (1 to 65535)")),
        },
        (ValueType::OneOf(allowed), Value::Number(n)) => match n.as_i64() {
            Some(i) if allowed.contains(&i) => Ok(()),
            _ => Err(format!(
                "{n} is not one of the accepted values ({})",
                allowed
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        },
        (ValueType::IamAction, Value::String(s)) => {
            infra_schema::iam_action_problem(s).map_or(Ok(()), Err)
        }
        (ValueType::List(item) | ValueType::Set(item), Value::Array(items)) => items
            .iter()
            .try_for_each(|value| check_literal(item, value)),
        (ValueType::Block(block), Value::Object(fields)) => {
            check_block_fields(block, fields.keys().map(String::as_str))?;
            fields
                .iter()
                .try_for_each(|(name, value)| match block.field(name) {
                    Some(field) => {
                        check_literal(&field.ty, value).map_err(|e| format!("{name}: {e}"))
                    }
                    None => Ok(()),
                })
        }
        (ValueType::Tags, Value::Object(_)) => Ok(()),
        (ty, value) => Err(format!("{value} is not a {}", ty.rust_type())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_checked_at_run_time_too() {
        use infra_schema::catalog::{EC2_SECURITY_GROUP_RULE, STATEMENT};
        let rule = |from: i64, to: i64, cidr: &str, opt_out: bool| {
            BTreeMap::from([
                ("from_port".to_owned(), Expr::from(from)),
                ("to_port".to_owned(), Expr::from(to)),
                ("cidr_ipv4".to_owned(), Expr::from(cidr)),
                ("allow_public_ingress".to_owned(), Expr::from(opt_out)),
            ])
        };
        let rules = EC2_SECURITY_GROUP_RULE.rules;
        assert!(check_rules(rules, &rule(443, 443, "0.0.0.0/0", false)).is_ok());
        assert!(check_rules(rules, &rule(22, 22, "10.0.0.0/8", false)).is_ok());
        assert!(check_rules(rules, &rule(22, 22, "0.0.0.0/0", false)).is_err());
        assert!(check_rules(rules, &rule(22, 22, "0.0.0.0/0", true)).is_ok());
        assert!(check_rules(rules, &rule(90, 80, "10.0.0.0/8", false)).is_err());

        let statement = |effect: &str| {
            BTreeMap::from([
                ("effect".to_owned(), Expr::from(effect)),
                ("actions".to_owned(), Expr::List(vec![Expr::from("*")])),
            ])
        };
        assert!(check_rules(STATEMENT.rules, &statement("Allow")).is_err());
        assert!(check_rules(STATEMENT.rules, &statement("Deny")).is_ok());
    }

    #[test]
    fn literals_are_checked_against_their_type() {
        assert!(check_literal(&ValueType::Cidr, &"10.0.0.0/16".into()).is_ok());
        assert!(check_literal(&ValueType::Cidr, &"10.0.0.0/33".into()).is_err());
        assert!(check_literal(&ValueType::Bool, &"true".into()).is_err());
        let int = ValueType::Int { min: 1, max: 10 };
        assert!(check_literal(&int, &Value::from(10)).is_ok());
        assert!(check_literal(&int, &Value::from(11)).is_err());
        let mode = ValueType::Enum(&infra_schema::catalog::BILLING_MODE);
        assert!(check_literal(&mode, &"PROVISIONED".into()).is_ok());
        assert!(check_literal(&mode, &"SOMETIMES".into()).is_err());
    }
}
