//! The declared stack: resources, their field values, and the references between them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use infra_schema::catalog::HIDDEN_DEPENDENCIES;
use infra_schema::{Literal, Presence, ResourceSchema, ValueType};
use serde::{Deserialize, Serialize};

use crate::types;

/// A concrete value, as AWS reports it and as state records it.
pub type Value = serde_json::Value;

/// A reference to another resource's field or attribute: `vpc.id`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Reference {
    /// The referenced resource's name in the stack.
    pub resource: String,
    /// The field or attribute referenced.
    pub attribute: String,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.resource, self.attribute)
    }
}

/// A declared field value: a literal, or built from references known only once
/// the referenced resources exist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    /// A literal value.
    Value(Value),
    /// Another resource's field or attribute.
    Ref(Reference),
    /// A list of values.
    List(Vec<Expr>),
    /// A map from keys to values (tags, for instance).
    Map(BTreeMap<String, Expr>),
    /// A string made of parts: `format!("{}:latest", repo.url)`.
    Template(Vec<Expr>),
    /// The value of the stack's input of that name, given at run time.
    Input(String),
    /// One item of a list: `azs.names[0]`.
    Index(Box<Expr>, usize),
}

impl Expr {
    /// Every reference the expression contains.
    pub fn references(&self) -> Vec<&Reference> {
        let mut found = Vec::new();
        self.collect_references(&mut found);
        found
    }

    fn collect_references<'a>(&'a self, found: &mut Vec<&'a Reference>) {
        match self {
            Expr::Value(_) => {}
            Expr::Ref(reference) => found.push(reference),
            Expr::List(items) => items.iter().for_each(|e| e.collect_references(found)),
            Expr::Map(entries) => entries.values().for_each(|e| e.collect_references(found)),
            Expr::Template(parts) => parts.iter().for_each(|e| e.collect_references(found)),
            Expr::Index(base, _) => base.collect_references(found),
            Expr::Input(_) => {}
        }
    }

    /// The inputs the expression uses.
    pub fn inputs(&self) -> Vec<&str> {
        match self {
            Expr::Input(name) => vec![name.as_str()],
            Expr::List(items) | Expr::Template(items) => {
                items.iter().flat_map(Expr::inputs).collect()
            }
            Expr::Map(entries) => entries.values().flat_map(Expr::inputs).collect(),
            Expr::Index(base, _) => base.inputs(),
            Expr::Value(_) | Expr::Ref(_) => Vec::new(),
        }
    }

    /// The expression with every input replaced by its bound value.
    fn bind(&self, inputs: &BTreeMap<String, Expr>) -> Expr {
        match self {
            Expr::Input(name) => inputs.get(name).cloned().unwrap_or_else(|| self.clone()),
            Expr::List(items) => Expr::List(items.iter().map(|e| e.bind(inputs)).collect()),
            Expr::Template(parts) => Expr::Template(parts.iter().map(|e| e.bind(inputs)).collect()),
            Expr::Map(entries) => Expr::Map(
                entries
                    .iter()
                    .map(|(k, e)| (k.clone(), e.bind(inputs)))
                    .collect(),
            ),
            Expr::Index(base, index) => Expr::Index(Box::new(base.bind(inputs)), *index),
            Expr::Value(_) | Expr::Ref(_) => self.clone(),
        }
    }

    /// The expression's value, looking references up with `lookup`; `None` when a
    /// referenced value is not known yet (it will be after apply).
    pub fn resolve(&self, lookup: &impl Fn(&Reference) -> Option<Value>) -> Option<Value> {
        match self {
            Expr::Value(value) => Some(value.clone()),
            Expr::Ref(reference) => lookup(reference),
            Expr::List(items) => items
                .iter()
                .map(|e| e.resolve(lookup))
                .collect::<Option<Vec<_>>>()
                .map(Value::Array),
            Expr::Map(entries) => entries
                .iter()
                .map(|(k, e)| e.resolve(lookup).map(|v| (k.clone(), v)))
                .collect::<Option<serde_json::Map<_, _>>>()
                .map(Value::Object),
            Expr::Template(parts) => parts
                .iter()
                .map(|part| {
                    part.resolve(lookup).map(|value| match value {
                        Value::String(text) => text,
                        other => other.to_string(),
                    })
                })
                .collect::<Option<String>>()
                .map(Value::String),
            Expr::Index(base, index) => match base.resolve(lookup)? {
                Value::Array(mut items) if *index < items.len() => Some(items.swap_remove(*index)),
                _ => None,
            },
            // Inputs are bound before planning (`Stack::bind`); an unbound one
            // has no value.
            Expr::Input(_) => None,
        }
    }
}

impl From<&str> for Expr {
    fn from(value: &str) -> Self {
        Expr::Value(Value::String(value.to_owned()))
    }
}

impl From<String> for Expr {
    fn from(value: String) -> Self {
        Expr::Value(Value::String(value))
    }
}

impl From<bool> for Expr {
    fn from(value: bool) -> Self {
        Expr::Value(Value::Bool(value))
    }
}

impl From<i64> for Expr {
    fn from(value: i64) -> Self {
        Expr::Value(Value::from(value))
    }
}

impl<T> From<types::Ref<T>> for Expr {
    fn from(reference: types::Ref<T>) -> Self {
        types::IntoField::<T>::into_expr(reference)
    }
}

/// The field `key` of the block `expr`, of each block when it is a list.
fn block_field<'e>(expr: &'e Expr, key: &str) -> Vec<&'e Expr> {
    match expr {
        Expr::Map(entries) => entries.get(key).into_iter().collect(),
        Expr::List(items) => items
            .iter()
            .flat_map(|item| block_field(item, key))
            .collect(),
        _ => Vec::new(),
    }
}

/// One declared resource: its name in the stack, its type and its fields.
#[derive(Debug, Clone)]
pub struct ResourceDecl {
    name: String,
    schema: &'static ResourceSchema,
    fields: BTreeMap<String, Expr>,
    depends_on: BTreeSet<String>,
    /// The resources AWS needs first though no field names them (see
    /// [`infra_schema::catalog::HIDDEN_DEPENDENCIES`]), found when the stack is built.
    hidden_dependencies: BTreeSet<String>,
}

impl ResourceDecl {
    /// The resource's name in the stack.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The resource's type, from the catalog.
    pub fn schema(&self) -> &'static ResourceSchema {
        self.schema
    }

    /// The declared fields, defaults filled in (tags not yet merged: see
    /// [`Stack::desired_fields`]).
    pub fn fields(&self) -> &BTreeMap<String, Expr> {
        &self.fields
    }

    /// Sets a field. Its value is checked against the field's type when the
    /// stack is built; the `stack!` macro checks it at compile time instead,
    /// through [`IntoField`](crate::types::IntoField).
    pub fn set(&mut self, field: &str, value: impl Into<Expr>) -> &mut Self {
        self.fields.insert(field.to_owned(), value.into());
        self
    }

    /// Orders this resource after `resource`, though no reference shows it.
    pub fn depends_on(&mut self, resource: &str) -> &mut Self {
        self.depends_on.insert(resource.to_owned());
        self
    }

    /// The names of the resources this one needs to exist first: those its
    /// fields reference, those named by `depends_on`, and those AWS needs first
    /// though nothing names them ([`Self::hidden_dependencies`]).
    pub fn dependencies(&self) -> BTreeSet<&str> {
        self.fields
            .values()
            .flat_map(Expr::references)
            .map(|r| r.resource.as_str())
            .chain(self.depends_on.iter().map(String::as_str))
            .chain(self.hidden_dependencies.iter().map(String::as_str))
            .collect()
    }

    /// The resources AWS needs to exist before this one (and to outlive it)
    /// though no field names them: the listener that puts an ECS service's target
    /// group behind a load balancer, the internet gateway attachment a route or a
    /// NAT gateway needs. The engine orders them like references.
    pub fn hidden_dependencies(&self) -> &BTreeSet<String> {
        &self.hidden_dependencies
    }

    /// The names of the resources referenced at `path` in this resource's fields
    /// (see [`infra_schema::catalog::HiddenDependency`] for the syntax), following
    /// `>` through the references of `stack`.
    fn referenced_at(&self, path: &str, stack: &Stack) -> BTreeSet<String> {
        let mut hops = path.split('>');
        let mut found = hops
            .next()
            .map(|fields| self.references_at(fields))
            .unwrap_or_default();
        for fields in hops {
            found = found
                .iter()
                .filter_map(|name| stack.resource(name))
                .flat_map(|resource| resource.references_at(fields))
                .collect();
        }
        found
    }

    /// The names of the resources referenced at the dotted `fields` path.
    fn references_at(&self, fields: &str) -> BTreeSet<String> {
        let mut keys = fields.split('.');
        let mut exprs: Vec<&Expr> = keys
            .next()
            .and_then(|field| self.fields.get(field))
            .into_iter()
            .collect();
        for key in keys {
            exprs = exprs
                .into_iter()
                .flat_map(|expr| block_field(expr, key))
                .collect();
        }
        exprs
            .into_iter()
            .flat_map(Expr::references)
            .map(|reference| reference.resource.clone())
            .collect()
    }
}

/// For each resource of `stack`, in order, the resources AWS needs first though
/// no field names them, by the rules of [`HIDDEN_DEPENDENCIES`].
fn hidden_dependencies(stack: &Stack) -> Vec<BTreeSet<String>> {
    stack
        .resources
        .iter()
        .map(|dependent| {
            HIDDEN_DEPENDENCIES
                .iter()
                .filter(|rule| rule.dependent == dependent.schema.type_name)
                .flat_map(|rule| {
                    let shared = dependent.referenced_at(rule.dependent_path, stack);
                    stack
                        .resources
                        .iter()
                        .filter(move |candidate| {
                            candidate.schema.type_name == rule.dependency
                                && candidate.name != dependent.name
                                && !candidate
                                    .referenced_at(rule.dependency_path, stack)
                                    .is_disjoint(&shared)
                        })
                        .map(|candidate| candidate.name.clone())
                        .collect::<Vec<_>>()
                })
                .collect()
        })
        .collect()
}

/// A whole declared stack: its name, its region and its resources.
#[derive(Debug, Clone)]
pub struct Stack {
    name: String,
    region: String,
    default_tags: BTreeMap<String, String>,
    backend: Option<String>,
    inputs: Vec<InputDecl>,
    lookups: Vec<ResourceDecl>,
    resources: Vec<ResourceDecl>,
    outputs: Vec<OutputDecl>,
}

/// A value the stack takes at run time (`--var NAME=VALUE`).
#[derive(Debug, Clone)]
pub struct InputDecl {
    /// The input's name.
    pub name: String,
    /// What values it takes.
    pub ty: ValueType,
    /// Its value when none is given; may reference resources.
    pub default: Option<Expr>,
    /// What it is for, shown by `--help`-like listings and errors.
    pub description: String,
}

/// A value the stack reports after apply (`output NAME`).
#[derive(Debug, Clone)]
pub struct OutputDecl {
    /// The output's name.
    pub name: String,
    /// Its value, usually built from resources' attributes.
    pub value: Expr,
    /// What it is.
    pub description: String,
}

impl Stack {
    /// Starts a stack called `name` in `region`.
    pub fn builder(name: &str, region: &str) -> StackBuilder {
        StackBuilder {
            stack: Stack {
                name: name.to_owned(),
                region: region.to_owned(),
                default_tags: BTreeMap::new(),
                backend: None,
                inputs: Vec::new(),
                lookups: Vec::new(),
                resources: Vec::new(),
                outputs: Vec::new(),
            },
            errors: Vec::new(),
        }
    }

    /// The stack's name, carried by every resource in the `infra:stack` tag.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the stack's state is kept (`dynamodb://TABLE/KEY`), when the stack
    /// says; else a local file, or what the command line says.
    pub fn backend(&self) -> Option<&str> {
        self.backend.as_deref()
    }

    /// The AWS region the stack lives in.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The declared resources, in declaration order.
    pub fn resources(&self) -> &[ResourceDecl] {
        &self.resources
    }

    /// The resource called `name`.
    pub fn resource(&self, name: &str) -> Option<&ResourceDecl> {
        self.resources.iter().find(|r| r.name == name)
    }

    /// The declared lookups: data read at plan time.
    pub fn lookups(&self) -> &[ResourceDecl] {
        &self.lookups
    }

    /// The resource or lookup called `name`: what a reference can point at.
    fn referenceable(&self, name: &str) -> Option<&ResourceDecl> {
        self.resource(name)
            .or_else(|| self.lookups.iter().find(|l| l.name == name))
    }

    /// The declared inputs.
    pub fn inputs(&self) -> &[InputDecl] {
        &self.inputs
    }

    /// The declared outputs.
    pub fn outputs(&self) -> &[OutputDecl] {
        &self.outputs
    }

    /// The stack with every input replaced by its value: the one given in
    /// `values` (as text, parsed by the input's type), else its default. Every
    /// problem is refused here, before any AWS call, naming the input.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use infra_core::{Stack, StackError};
    ///
    /// let mut builder = Stack::builder("demo", "eu-west-2");
    /// builder.input::<infra_core::types::Int>("desired_count", Some(2.into()), "Tasks to run");
    /// let stack = builder.build()?;
    /// assert!(stack.bind(&BTreeMap::new()).is_ok());
    /// let bad = BTreeMap::from([("desired_count".to_owned(), "two".to_owned())]);
    /// assert!(stack.bind(&bad).unwrap_err().to_string().contains("desired_count"));
    /// # Ok::<(), StackError>(())
    /// ```
    pub fn bind(&self, values: &BTreeMap<String, String>) -> Result<Stack, StackError> {
        if let Some(unknown) = values
            .keys()
            .find(|k| !self.inputs.iter().any(|i| &i.name == *k))
        {
            return Err(StackError::UnknownInput {
                name: unknown.clone(),
                known: self.inputs.iter().map(|i| i.name.clone()).collect(),
            });
        }
        let mut bound = BTreeMap::new();
        for input in &self.inputs {
            let value = match (values.get(&input.name), &input.default) {
                (Some(text), _) => {
                    Expr::Value(types::parse_input(&input.ty, text).map_err(|reason| {
                        StackError::InvalidInput {
                            name: input.name.clone(),
                            reason,
                        }
                    })?)
                }
                (None, Some(default)) => default.clone(),
                (None, None) => {
                    return Err(StackError::InvalidInput {
                        name: input.name.clone(),
                        reason: format!(
                            "it has no default and no value was given: pass `--var {}=VALUE`",
                            input.name
                        ),
                    })
                }
            };
            bound.insert(input.name.clone(), value);
        }
        let mut stack = self.clone();
        for resource in stack.resources.iter_mut().chain(stack.lookups.iter_mut()) {
            for expr in resource.fields.values_mut() {
                *expr = expr.bind(&bound);
            }
        }
        for output in &mut stack.outputs {
            output.value = output.value.bind(&bound);
        }
        Ok(stack)
    }

    /// The fields the engine manages for `resource`: the declared ones with the
    /// catalog's defaults, and for a taggable type the tags merged with the
    /// stack's default tags and the ownership tags `infra:stack` and
    /// `infra:resource`.
    pub fn desired_fields(&self, resource: &ResourceDecl) -> BTreeMap<String, Expr> {
        let mut fields = with_defaults(resource.schema.fields, &resource.fields);
        if resource.schema.taggable {
            let mut tags: BTreeMap<String, Expr> = self
                .default_tags
                .iter()
                .map(|(k, v)| (k.clone(), Expr::Value(Value::String(v.clone()))))
                .collect();
            if let Some(Expr::Map(declared)) = fields.get("tags") {
                tags.extend(declared.clone());
            }
            tags.insert(
                crate::STACK_TAG.to_owned(),
                Expr::Value(Value::String(self.name.clone())),
            );
            tags.insert(
                crate::RESOURCE_TAG.to_owned(),
                Expr::Value(Value::String(resource.name.clone())),
            );
            fields.insert("tags".to_owned(), Expr::Map(tags));
        }
        fields
    }
}

/// `fields` with the catalog's defaults for those not set, in nested blocks too.
fn with_defaults(
    schema: &'static [infra_schema::FieldSchema],
    fields: &BTreeMap<String, Expr>,
) -> BTreeMap<String, Expr> {
    let mut filled: BTreeMap<String, Expr> = fields
        .iter()
        .map(|(name, expr)| {
            let ty = schema.iter().find(|f| f.name == name).map(|f| &f.ty);
            (
                name.clone(),
                ty.map_or_else(|| expr.clone(), |ty| block_defaults(ty, expr)),
            )
        })
        .collect();
    for field in schema {
        if let (Presence::Default(default), false) =
            (&field.presence, filled.contains_key(field.name))
        {
            filled.insert(field.name.to_owned(), Expr::Value(literal_value(default)));
        }
    }
    filled
}

fn block_defaults(ty: &ValueType, expr: &Expr) -> Expr {
    match (ty, expr) {
        (ValueType::Block(block), Expr::Map(fields)) => {
            Expr::Map(with_defaults(block.fields, fields))
        }
        (ValueType::List(item) | ValueType::Set(item), Expr::List(items)) => {
            Expr::List(items.iter().map(|e| block_defaults(item, e)).collect())
        }
        _ => expr.clone(),
    }
}

fn literal_value(literal: &Literal) -> Value {
    match *literal {
        Literal::Bool(b) => Value::Bool(b),
        Literal::Str(s) => Value::String(s.to_owned()),
        Literal::Int(i) => Value::from(i),
    }
}

/// Why a stack is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StackError {
    /// The state backend URL is not one the engine knows.
    #[error("backend: {0}")]
    Backend(String),
    /// The type path is not in the catalog.
    #[error("resource `{resource}`: there is no resource type `{path}`")]
    UnknownType {
        /// The resource's name.
        resource: String,
        /// The type path given.
        path: String,
    },
    /// Two resources, inputs or outputs share a name.
    #[error("two declarations are called `{0}`; names must be unique in a stack")]
    Duplicate(String),
    /// A value was given for an input the stack does not have.
    #[error("the stack has no input `{name}`{}", if .known.is_empty() { String::from(" (it has no inputs)") } else { format!(" (its inputs: {})", .known.join(", ")) })]
    UnknownInput {
        /// The name given.
        name: String,
        /// The inputs the stack has.
        known: Vec<String>,
    },
    /// An input's value is missing or not of its type.
    #[error("input `{name}`: {reason}")]
    InvalidInput {
        /// The input.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A field the type does not have.
    #[error("resource `{resource}` ({path}) has no field `{field}`")]
    UnknownField {
        /// The resource's name.
        resource: String,
        /// Its type path.
        path: &'static str,
        /// The field given.
        field: String,
    },
    /// A required field is not set.
    #[error("resource `{resource}` ({path}) needs the field `{field}`")]
    MissingField {
        /// The resource's name.
        resource: String,
        /// Its type path.
        path: &'static str,
        /// The field missing.
        field: &'static str,
    },
    /// A field's value is not acceptable.
    #[error("resource `{resource}`, field `{field}`: {reason}")]
    InvalidValue {
        /// The resource's name.
        resource: String,
        /// The field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// Fields that are each valid break a rule together (a reversed port range,
    /// ingress open to the internet, an `Allow` of every action).
    #[error("resource `{resource}`: {reason}")]
    Rule {
        /// The resource's name.
        resource: String,
        /// What is wrong.
        reason: String,
    },
    /// A reference names a resource or attribute that does not exist.
    #[error("resource `{resource}` references `{reference}`, which {reason}")]
    BadReference {
        /// The referencing resource.
        resource: String,
        /// The reference.
        reference: Reference,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The references form a cycle.
    #[error("dependency cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
}

/// Builds a [`Stack`] and checks it: types, fields, values, references, cycles.
///
/// The `stack!` macro expands to calls on a builder; it can also be used
/// directly, to build stacks from data.
#[derive(Debug)]
pub struct StackBuilder {
    stack: Stack,
    errors: Vec<StackError>,
}

impl StackBuilder {
    /// Keeps the stack's state at `url`: `dynamodb://TABLE/KEY` for a team's
    /// shared state, `file://PATH` for a local file. Checked when built.
    pub fn backend(&mut self, url: &str) -> &mut Self {
        if let Err(message) = infra_schema::BackendUrl::parse(url) {
            self.errors.push(StackError::Backend(message));
        }
        self.stack.backend = Some(url.to_owned());
        self
    }

    /// Adds a tag that every taggable resource of the stack carries.
    pub fn default_tag(&mut self, key: &str, value: &str) -> &mut Self {
        self.stack
            .default_tags
            .insert(key.to_owned(), value.to_owned());
        self
    }

    /// Declares an input of type `T` (a marker of [`types`], such as
    /// [`types::Int`]), with an optional default.
    pub fn input<T: types::InputType>(
        &mut self,
        name: &str,
        default: Option<Expr>,
        description: &str,
    ) -> &mut Self {
        if self.stack.inputs.iter().any(|i| i.name == name) {
            self.errors.push(StackError::Duplicate(name.to_owned()));
        }
        self.stack.inputs.push(InputDecl {
            name: name.to_owned(),
            ty: T::TYPE,
            default,
            description: description.to_owned(),
        });
        self
    }

    /// Declares an output: a value reported after apply.
    pub fn output(&mut self, name: &str, value: impl Into<Expr>, description: &str) -> &mut Self {
        if self.stack.outputs.iter().any(|o| o.name == name) {
            self.errors.push(StackError::Duplicate(name.to_owned()));
        }
        self.stack.outputs.push(OutputDecl {
            name: name.to_owned(),
            value: value.into(),
            description: description.to_owned(),
        });
        self
    }

    /// Declares a resource of the type at `path` (`ec2::Vpc`), to be filled in
    /// through the returned [`ResourceDecl`].
    pub fn resource(&mut self, name: &str, path: &str) -> Result<&mut ResourceDecl, StackError> {
        let schema = infra_schema::find(path).ok_or_else(|| StackError::UnknownType {
            resource: name.to_owned(),
            path: path.to_owned(),
        })?;
        Ok(self.resource_of(name, schema))
    }

    /// Declares a lookup of the given catalog type (see
    /// `infra_schema::catalog::lookup`): data read at plan time.
    pub fn lookup_of(&mut self, name: &str, schema: &'static ResourceSchema) -> &mut ResourceDecl {
        if self.stack.referenceable(name).is_some() {
            self.errors.push(StackError::Duplicate(name.to_owned()));
        }
        self.stack.lookups.push(ResourceDecl {
            name: name.to_owned(),
            schema,
            fields: BTreeMap::new(),
            depends_on: BTreeSet::new(),
            hidden_dependencies: BTreeSet::new(),
        });
        let last = self.stack.lookups.len() - 1;
        &mut self.stack.lookups[last]
    }

    /// Declares a resource of the given catalog type.
    pub fn resource_of(
        &mut self,
        name: &str,
        schema: &'static ResourceSchema,
    ) -> &mut ResourceDecl {
        if self.stack.referenceable(name).is_some() {
            self.errors.push(StackError::Duplicate(name.to_owned()));
        }
        self.stack.resources.push(ResourceDecl {
            name: name.to_owned(),
            schema,
            fields: BTreeMap::new(),
            depends_on: BTreeSet::new(),
            hidden_dependencies: BTreeSet::new(),
        });
        let last = self.stack.resources.len() - 1;
        &mut self.stack.resources[last]
    }

    /// Checks the stack and returns it, or the first problem found.
    pub fn build(self) -> Result<Stack, StackError> {
        if let Some(error) = self.errors.into_iter().next() {
            return Err(error);
        }
        let mut stack = self.stack;
        for resource in stack.resources.iter().chain(&stack.lookups) {
            check_resource(&stack, resource)?;
        }
        let hidden = hidden_dependencies(&stack);
        for (resource, dependencies) in stack.resources.iter_mut().zip(hidden) {
            resource.hidden_dependencies = dependencies;
        }
        for output in &stack.outputs {
            check_expr_names(&stack, &format!("output `{}`", output.name), &output.value)?;
        }
        for input in &stack.inputs {
            if let Some(default) = &input.default {
                check_expr_names(&stack, &format!("input `{}`", input.name), default)?;
            }
        }
        crate::graph::Graph::of(&stack)?;
        Ok(stack)
    }
}

/// The references and inputs of `expr`, used by `what`, name things that exist.
fn check_expr_names(stack: &Stack, what: &str, expr: &Expr) -> Result<(), StackError> {
    for reference in expr.references() {
        let exists = stack
            .referenceable(&reference.resource)
            .is_some_and(|r| r.schema.referenceable(&reference.attribute).is_some());
        if !exists {
            return Err(StackError::BadReference {
                resource: what.to_owned(),
                reference: reference.clone(),
                reason: "is not a field or attribute of a resource of the stack",
            });
        }
    }
    for input in expr.inputs() {
        if !stack.inputs.iter().any(|i| i.name == input) {
            return Err(StackError::UnknownInput {
                name: input.to_owned(),
                known: stack.inputs.iter().map(|i| i.name.clone()).collect(),
            });
        }
    }
    Ok(())
}

fn check_resource(stack: &Stack, resource: &ResourceDecl) -> Result<(), StackError> {
    let schema = resource.schema;
    for (name, value) in &resource.fields {
        let field = schema.field(name).ok_or_else(|| StackError::UnknownField {
            resource: resource.name.clone(),
            path: schema.path,
            field: name.clone(),
        })?;
        types::check_expr(&field.ty, value).map_err(|reason| StackError::InvalidValue {
            resource: resource.name.clone(),
            field: name.clone(),
            reason,
        })?;
    }
    types::check_rules(schema.rules, &resource.fields).map_err(|reason| {
        StackError::InvalidValue {
            resource: resource.name.clone(),
            field: "(rule)".to_owned(),
            reason,
        }
    })?;
    if let Some(missing) = schema
        .fields
        .iter()
        .find(|f| matches!(f.presence, Presence::Required) && !resource.fields.contains_key(f.name))
    {
        return Err(StackError::MissingField {
            resource: resource.name.clone(),
            path: schema.path,
            field: missing.name,
        });
    }
    if let Some(input) = resource
        .fields
        .values()
        .flat_map(Expr::inputs)
        .find(|input| !stack.inputs.iter().any(|i| i.name == *input))
    {
        return Err(StackError::UnknownInput {
            name: input.to_owned(),
            known: stack.inputs.iter().map(|i| i.name.clone()).collect(),
        });
    }
    for reference in resource.fields.values().flat_map(Expr::references) {
        let bad = |reason| StackError::BadReference {
            resource: resource.name.clone(),
            reference: reference.clone(),
            reason,
        };
        let target = stack
            .referenceable(&reference.resource)
            .ok_or_else(|| bad("is not a resource or lookup of the stack"))?;
        target
            .schema
            .referenceable(&reference.attribute)
            .ok_or_else(|| bad("is not a field or attribute of that resource type"))?;
    }
    for dependency in &resource.depends_on {
        if stack.resource(dependency).is_none() {
            return Err(StackError::BadReference {
                resource: resource.name.clone(),
                reference: Reference {
                    resource: dependency.clone(),
                    attribute: String::new(),
                },
                reason: "is not a resource of the stack",
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ec2::VpcId, Ref};

    fn network() -> StackBuilder {
        let mut builder = Stack::builder("demo", "eu-west-2");
        builder.default_tag("team", "core");
        builder
            .resource("vpc", "ec2::Vpc")
            .expect("in catalog")
            .set("cidr_block", "10.0.0.0/16");
        builder
            .resource("subnet", "ec2::Subnet")
            .expect("in catalog")
            .set("vpc_id", Ref::<VpcId>::new("vpc", "id"))
            .set("cidr_block", "10.0.1.0/24");
        builder
    }

    #[test]
    fn defaults_and_ownership_tags_are_filled_in() {
        let stack = network().build().expect("valid");
        let vpc = stack.resource("vpc").expect("declared");
        let fields = stack.desired_fields(vpc);
        assert_eq!(fields["enable_dns_support"], Expr::Value(Value::Bool(true)));
        let Expr::Map(tags) = &fields["tags"] else {
            panic!("tags are a map")
        };
        assert_eq!(tags["infra:stack"], Expr::Value("demo".into()));
        assert_eq!(tags["infra:resource"], Expr::Value("vpc".into()));
        assert_eq!(tags["team"], Expr::Value("core".into()));
    }

    #[test]
    fn dependencies_come_from_references() {
        let stack = network().build().expect("valid");
        let subnet = stack.resource("subnet").expect("declared");
        assert_eq!(
            subnet.dependencies().into_iter().collect::<Vec<_>>(),
            ["vpc"]
        );
    }

    #[test]
    fn mistakes_are_reported() {
        let mut builder = network();
        builder
            .resource("vpc", "ec2::Vpc")
            .expect("in catalog")
            .set("cidr_block", "10.1.0.0/16");
        assert_eq!(
            builder.build().expect_err("must be refused"),
            StackError::Duplicate("vpc".into())
        );

        let mut builder = Stack::builder("demo", "eu-west-2");
        builder.resource("vpc", "ec2::Vpc").expect("in catalog");
        assert!(matches!(
            builder.build(),
            Err(StackError::MissingField {
                field: "cidr_block",
                ..
            })
        ));

        let mut builder = Stack::builder("demo", "eu-west-2");
        builder
            .resource("vpc", "ec2::Vpc")
            .expect("in catalog")
            .set("cidr_block", "10.0.0.0/33");
        let error = builder.build().expect_err("must be refused").to_string();
        assert!(error.contains("cidr_block"), "{error}");

        let mut builder = Stack::builder("demo", "eu-west-2");
        builder
            .resource("subnet", "ec2::Subnet")
            .expect("in catalog")
            .set("vpc_id", Ref::<VpcId>::new("nope", "id"))
            .set("cidr_block", "10.0.1.0/24");
        assert!(matches!(
            builder.build(),
            Err(StackError::BadReference { .. })
        ));
        assert!(matches!(
            Stack::builder("demo", "eu-west-2").resource("x", "ec2::Nope"),
            Err(StackError::UnknownType { .. })
        ));
    }
}
