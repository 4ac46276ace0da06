//! The resource catalog of `infra`, as plain data.
//!
//! Both halves of the product read the same catalog: the `stack!` macro checks a
//! declaration against it at compile time (unknown types and fields, missing
//! required fields, literal values AWS would refuse), and the engine uses it at
//! run time (defaults, which fields force a replacement, which attributes are
//! known only after apply). Keeping it in a crate with no dependencies keeps the
//! macro fast to build: it never waits for the AWS SDK.
//!
//! ```
//! let vpc = infra_schema::find("ec2::Vpc").expect("the VPC is in the catalog");
//! assert_eq!(vpc.type_name, "aws_ec2_vpc");
//! assert!(vpc.field("cidr_block").is_some_and(|f| f.forces_replacement));
//! ```

pub mod catalog;

pub use catalog::CATALOG;

/// One resource type: its names, its input fields and its computed attributes.
#[derive(Debug)]
pub struct ResourceSchema {
    /// The path users write in `stack!`, relative to the catalog: `ec2::Vpc`.
    pub path: &'static str,
    /// The stable name recorded in state and plans: `aws_ec2_vpc`.
    pub type_name: &'static str,
    /// Whether AWS lets us tag this resource (and so whether it carries the
    /// `infra:stack` and `infra:resource` ownership tags).
    pub taggable: bool,
    /// The fields a declaration sets.
    pub fields: &'static [FieldSchema],
    /// The values AWS assigns, which other resources may reference.
    pub attributes: &'static [AttributeSchema],
    /// Checks across its fields.
    pub rules: &'static [Rule],
    /// One line on what the resource is.
    pub doc: &'static str,
}

impl ResourceSchema {
    /// The input field called `name`, if the type has one.
    pub fn field(&self, name: &str) -> Option<&'static FieldSchema> {
        self.fields.iter().find(|field| field.name == name)
    }

    /// The computed attribute called `name`, if the type has one.
    pub fn attribute(&self, name: &str) -> Option<&'static AttributeSchema> {
        self.attributes
            .iter()
            .find(|attribute| attribute.name == name)
    }

    /// The value type of `name`, whether it is an input field or a computed
    /// attribute: both can be referenced from other resources.
    pub fn referenceable(&self, name: &str) -> Option<&'static ValueType> {
        self.attribute(name)
            .map(|attribute| &attribute.ty)
            .or_else(|| self.field(name).map(|field| &field.ty))
    }
}

/// An input field of a resource type.
#[derive(Debug, PartialEq, Eq)]
pub struct FieldSchema {
    /// The name users write: `cidr_block`.
    pub name: &'static str,
    /// What values it takes.
    pub ty: ValueType,
    /// Whether it must be given, and what it is when it is not.
    pub presence: Presence,
    /// Whether AWS can change it in place, or the resource must be replaced.
    pub forces_replacement: bool,
    /// One line on what the field means.
    pub doc: &'static str,
}

/// Whether a field must be given, and what it is when it is not.
#[derive(Debug, PartialEq, Eq)]
pub enum Presence {
    /// The declaration must set it.
    Required,
    /// When absent, the field takes this value (AWS's own default, or a safer one).
    Default(Literal),
    /// When absent, the field is not managed.
    Optional,
}

/// A literal value in the catalog (a default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Literal {
    /// `true` or `false`.
    Bool(bool),
    /// A string (for an enum: the AWS spelling).
    Str(&'static str),
    /// An integer.
    Int(i64),
}

/// A computed attribute: a value AWS assigns, known only after apply.
#[derive(Debug)]
pub struct AttributeSchema {
    /// The name users reference: `vpc.id`.
    pub name: &'static str,
    /// What kind of value it is.
    pub ty: ValueType,
    /// One line on what it is.
    pub doc: &'static str,
}

/// The type of a field or attribute value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Any string.
    String,
    /// `true` or `false`.
    Bool,
    /// A whole number within the bounds.
    Int {
        /// The smallest value allowed.
        min: i64,
        /// The largest value allowed.
        max: i64,
    },
    /// An IPv4 CIDR block such as `10.0.0.0/16`.
    Cidr,
    /// A name AWS constrains.
    Name(NameRule),
    /// The id of another resource; the string is the marker type's path under
    /// `infra::types`, so that rustc refuses the id of the wrong kind.
    Id(&'static str),
    /// One of a closed set of values.
    Enum(&'static EnumSchema),
    /// A map of tag keys to values.
    Tags,
    /// A TCP or UDP port, 1 to 65535.
    Port,
    /// A whole number from a fixed set (CloudWatch Logs retention days, say).
    OneOf(&'static [i64]),
    /// An IAM action, `service:Action` (`*` allowed in the action part), or `*`.
    IamAction,
    /// A list of values of one type, in order.
    List(&'static ValueType),
    /// A list of values of one type whose order means nothing, and which AWS
    /// does not keep (subnets, security groups, policy ARNs): written and read
    /// as a list, compared as a set, so that no plan shows a reordering.
    Set(&'static ValueType),
    /// A nested block of fields (a health check, a policy statement).
    Block(&'static BlockSchema),
}

/// A nested block: named fields, like a resource's, inside a field.
#[derive(Debug, PartialEq, Eq)]
pub struct BlockSchema {
    /// What the block is, for messages: `iam::Statement`.
    pub name: &'static str,
    /// Its fields.
    pub fields: &'static [FieldSchema],
    /// Checks across its fields.
    pub rules: &'static [Rule],
}

impl BlockSchema {
    /// The field called `name`, if the block has one.
    pub fn field(&self, name: &str) -> Option<&'static FieldSchema> {
        self.fields.iter().find(|field| field.name == name)
    }
}

/// A check across several fields of a resource or block, made on literal values
/// at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// `from` must not be greater than `to` (a port range).
    Ordered {
        /// The lower bound's field.
        from: &'static str,
        /// The upper bound's field.
        to: &'static str,
    },
    /// Traffic from anywhere (`0.0.0.0/0`, `::/0` in `cidr`) is refused on any port
    /// but 80 and 443 unless the boolean field `opt_out` is set to `true`.
    PublicIngress {
        /// The source CIDR's field.
        cidr: &'static str,
        /// The lowest port's field.
        from: &'static str,
        /// The highest port's field.
        to: &'static str,
        /// The field that allows it, visibly.
        opt_out: &'static str,
    },
    /// An `Allow` statement may not grant the action `*` unless the boolean field
    /// `opt_out` is set to `true`.
    NoWildcardAllow {
        /// The effect's field (`Allow` or `Deny`).
        effect: &'static str,
        /// The actions' field.
        actions: &'static str,
        /// The field that allows it, visibly.
        opt_out: &'static str,
    },
}

/// Why `action` is not an IAM action AWS accepts, or `None`.
///
/// ```
/// assert!(infra_schema::iam_action_problem("dynamodb:GetItem").is_none());
/// assert!(infra_schema::iam_action_problem("ecr:Get*").is_none());
/// assert!(infra_schema::iam_action_problem("GetItem").is_some());
/// ```
pub fn iam_action_problem(action: &str) -> Option<String> {
    if action == "*" {
        return None;
    }
    let ok = action.split_once(':').is_some_and(|(service, name)| {
        !service.is_empty()
            && service
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '*')
    });
    (!ok).then(|| {
        format!("`{action}` is not an IAM action: write `service:Action`, such as `dynamodb:GetItem` (`*` may stand for part of the action)")
    })
}

impl ValueType {
    /// The path, under `infra::types`, of the Rust type that stands for this
    /// value type in generated code.
    pub fn rust_type(&self) -> &'static str {
        match self {
            ValueType::String | ValueType::Name(_) | ValueType::IamAction => "Text",
            ValueType::Bool => "Bool",
            ValueType::Int { .. } | ValueType::Port | ValueType::OneOf(_) => "Int",
            ValueType::List(item) | ValueType::Set(item) => item.rust_type(),
            // A block's fields are typed one by one; the block itself is a map.
            ValueType::Block(_) => "Block",
            ValueType::Cidr => "Cidr",
            ValueType::Id(path) => path,
            ValueType::Enum(schema) => schema.rust_path,
            ValueType::Tags => "Tags",
        }
    }
}

/// A closed set of values, written as Rust identifiers and stored as AWS spells them.
#[derive(Debug, PartialEq, Eq)]
pub struct EnumSchema {
    /// The enum's path under `infra::types`: `dynamodb::BillingMode`.
    pub rust_path: &'static str,
    /// `(identifier users write, AWS spelling)` pairs.
    pub variants: &'static [(&'static str, &'static str)],
}

/// The naming rules AWS enforces on a resource's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameRule {
    /// What the name is, for messages: "DynamoDB table name".
    pub what: &'static str,
    /// The shortest name allowed.
    pub min_len: usize,
    /// The longest name allowed.
    pub max_len: usize,
    /// The characters allowed besides ASCII letters and digits.
    pub extra_chars: &'static str,
    /// Whether upper-case letters are refused.
    pub lowercase_only: bool,
}

impl NameRule {
    /// Why `name` breaks this rule, or `None` when AWS would accept it.
    ///
    /// ```
    /// use infra_schema::NameRule;
    /// let rule = NameRule { what: "table name", min_len: 3, max_len: 255, extra_chars: "_.-", lowercase_only: false };
    /// assert!(rule.violation("users").is_none());
    /// assert!(rule.violation("a b").is_some());
    /// ```
    pub fn violation(&self, name: &str) -> Option<String> {
        let len = name.chars().count();
        let article = if self
            .what
            .starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u'])
        {
            "an"
        } else {
            "a"
        };
        if len < self.min_len || len > self.max_len {
            return Some(format!(
                "{article} {} must be {} to {} characters long, and `{name}` has {len}",
                self.what, self.min_len, self.max_len
            ));
        }
        let bad = name.chars().find(|c| {
            !(c.is_ascii_alphanumeric() || self.extra_chars.contains(*c))
                || (self.lowercase_only && c.is_ascii_uppercase())
        })?;
        let allowed = if self.lowercase_only {
            "lower-case letters and digits"
        } else {
            "letters and digits"
        };
        let extra: Vec<String> = self.extra_chars.chars().map(|c| format!("`{c}`")).collect();
        Some(format!(
            "{article} {} may hold only {allowed}{}{}, and `{name}` has `{bad}`",
            self.what,
            if extra.is_empty() { "" } else { " and " },
            extra.join(", ")
        ))
    }
}

/// The resource type at `path` (`ec2::Vpc`), if the catalog has it.
pub fn find(path: &str) -> Option<&'static ResourceSchema> {
    CATALOG.iter().copied().find(|schema| schema.path == path)
}

/// The name of the catalog's `static` for the type at `path`: `ec2::Vpc` is
/// [`catalog::EC2_VPC`], `ec2::RouteTable` would be `EC2_ROUTE_TABLE`.
///
/// ```
/// assert_eq!(infra_schema::static_name("ec2::Vpc"), "EC2_VPC");
/// assert_eq!(infra_schema::static_name("ec2::RouteTable"), "EC2_ROUTE_TABLE");
/// ```
pub fn static_name(path: &str) -> String {
    let mut name = String::new();
    for (i, segment) in path.split("::").enumerate() {
        if i > 0 {
            name.push('_');
        }
        for (j, c) in segment.chars().enumerate() {
            if j > 0 && c.is_ascii_uppercase() {
                name.push('_');
            }
            name.push(c.to_ascii_uppercase());
        }
    }
    name
}

/// The lookup type at `path` (`ssm::Parameter`), if the catalog has it.
pub fn find_lookup(path: &str) -> Option<&'static ResourceSchema> {
    catalog::lookup::LOOKUPS
        .iter()
        .copied()
        .find(|schema| schema.path == path)
}

/// The resource type recorded in state as `type_name` (`aws_ec2_vpc`).
pub fn find_by_type_name(type_name: &str) -> Option<&'static ResourceSchema> {
    CATALOG
        .iter()
        .copied()
        .find(|schema| schema.type_name == type_name)
}

/// Where a stack's state is kept, as a stack's `backend` setting or the CLI's
/// `--backend` flag names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendUrl {
    /// `file://PATH`: a local JSON file.
    File(String),
    /// `dynamodb://TABLE/KEY`: items under `KEY` in the DynamoDB table `TABLE`.
    DynamoDb {
        /// The table.
        table: String,
        /// The key of this stack's items.
        key: String,
    },
}

impl BackendUrl {
    /// Parses `file://PATH` or `dynamodb://TABLE/KEY`; the error says what is
    /// expected.
    ///
    /// ```
    /// use infra_schema::BackendUrl;
    /// assert_eq!(
    ///     BackendUrl::parse("dynamodb://infra-state/backend/prod"),
    ///     Ok(BackendUrl::DynamoDb { table: "infra-state".into(), key: "backend/prod".into() })
    /// );
    /// assert!(BackendUrl::parse("s3://bucket/key").is_err());
    /// ```
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(path) = url.strip_prefix("file://") {
            if path.is_empty() {
                return Err("`file://` needs a path: `file://state/prod.json`".to_owned());
            }
            return Ok(BackendUrl::File(path.to_owned()));
        }
        if let Some(rest) = url.strip_prefix("dynamodb://") {
            let (table, key) = rest.split_once('/').unwrap_or((rest, ""));
            let table_ok = (3..=255).contains(&table.len())
                && table
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !table_ok {
                return Err(format!(
                    "`{table}` is not a DynamoDB table name (3 to 255 of a-z, A-Z, 0-9, `_`, `-`, `.`)"
                ));
            }
            if key.is_empty() {
                return Err(
                    "the state needs a key after the table: `dynamodb://TABLE/KEY`".to_owned(),
                );
            }
            return Ok(BackendUrl::DynamoDb {
                table: table.to_owned(),
                key: key.to_owned(),
            });
        }
        Err(format!(
            "`{url}` is not a state backend: `file://PATH` or `dynamodb://TABLE/KEY`"
        ))
    }
}
