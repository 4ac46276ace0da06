//! Checks a parsed stack against the catalog: names, types, fields, values,
//! references and cycles. Every mistake found is collected; none stops the rest.

use std::collections::BTreeMap;

use infra_schema::{BlockSchema, FieldSchema, Presence, ResourceSchema, Rule, ValueType};
use syn::{Ident, Lit, LitStr};

use crate::ast::{
    ComponentDef, FieldDef, InputDef, OutputDef, RefExpr, ResourceDef, StackDef, UseDef, Value,
};
use crate::errors::{did_you_mean, Errors};

/// A stack that passed the checks, ready to expand.
pub(crate) struct Model<'a> {
    /// The stack's name and region; `None` in a component.
    pub(crate) name: Option<&'a LitStr>,
    pub(crate) region: Option<&'a LitStr>,
    /// How the body names its inputs: `input` in a stack, `param` in a component.
    pub(crate) root: &'static str,
    pub(crate) uses: Vec<&'a UseDef>,
    pub(crate) exports: &'a [OutputDef],
    pub(crate) default_tags: Vec<(&'a LitStr, &'a LitStr)>,
    /// Where the stack's state is kept, when not in a local file.
    pub(crate) backend: Option<&'a LitStr>,
    pub(crate) inputs: Vec<Input<'a>>,
    pub(crate) lookups: Vec<Resource<'a>>,
    pub(crate) resources: Vec<Resource<'a>>,
    pub(crate) outputs: Vec<&'a OutputDef>,
}

/// A checked input: its declaration and its value type.
pub(crate) struct Input<'a> {
    pub(crate) def: &'a InputDef,
    pub(crate) ty: ValueType,
    /// Whether its default passed the checks (and so is expanded).
    pub(crate) default_ok: bool,
}

/// The types an input may have: `infra::types` markers and what they stand for.
const INPUT_TYPES: [(&str, ValueType); 4] = [
    ("Text", ValueType::String),
    (
        "Int",
        ValueType::Int {
            min: i64::MIN,
            max: i64::MAX,
        },
    ),
    ("Bool", ValueType::Bool),
    ("Cidr", ValueType::Cidr),
];

/// The name references to inputs start with: `input.desired_count`.
pub(crate) const INPUT: &str = "input";
/// The name references to a component's parameters start with: `param.cidr`.
pub(crate) const PARAM: &str = "param";

/// A checked resource: its declaration and its catalog type.
pub(crate) struct Resource<'a> {
    pub(crate) def: &'a ResourceDef,
    pub(crate) schema: &'static ResourceSchema,
    pub(crate) fields: Vec<(&'a Ident, &'a Value, &'static FieldSchema)>,
    pub(crate) depends_on: Vec<&'a Ident>,
}

const SETTINGS: [&str; 4] = ["name", "region", "default_tags", "backend"];
/// The field that orders a resource after others without a reference.
pub(crate) const DEPENDS_ON: &str = "depends_on";

/// Checks `stack`, returning its model or every error found.
/// Checks `stack`: its model, and every error found. The model holds only what
/// passed (fields, defaults and outputs with errors are left out), so that it
/// can still be expanded next to the errors without causing new ones.
pub(crate) fn check(stack: &StackDef) -> (Model<'_>, Option<syn::Error>) {
    let mut errors = Errors::default();
    let (name, region, default_tags, backend) = check_settings(stack, &mut errors);
    for export in &stack.exports {
        errors.spanned(
            &export.name,
            "`export` belongs in a `component!`; a stack reports values with `output`",
        );
    }
    let inputs = check_inputs(&stack.inputs, &mut errors);
    let mut model = check_body(stack, inputs, INPUT, &mut errors);
    model.name = name;
    model.region = region;
    model.default_tags = default_tags;
    model.backend = backend;
    (model, errors.finish().err())
}

/// Checks a component: its parameters, its body (resources, lookups, uses) and
/// its exports.
pub(crate) fn check_component(component: &ComponentDef) -> (Model<'_>, Option<syn::Error>) {
    let mut errors = Errors::default();
    let body = &component.body;
    for setting in &body.settings {
        errors.spanned(
            &setting.key,
            "a component takes its settings from the stack that uses it",
        );
    }
    for input in &body.inputs {
        errors.spanned(
            &input.name,
            "a component takes parameters, not inputs: `fn network(cidr: Cidr) -> Network`",
        );
    }
    for output in &body.outputs {
        errors.spanned(
            &output.name,
            "a component hands out typed handles with `export`: `export vpc_id = vpc.id;`",
        );
    }
    for export in &body.exports {
        if !matches!(export.value, Value::Ref(_)) {
            errors.at(
                export.value.span(),
                "an export is a reference to what the component made, such as `vpc.id`",
            );
        }
    }
    let params = check_inputs(&component.params, &mut errors);
    let model = check_body(body, params, PARAM, &mut errors);
    (model, errors.finish().err())
}

/// The checks a stack and a component share: names, types, fields, values,
/// references, cycles.
fn check_body<'a>(
    stack: &'a StackDef,
    inputs: Vec<Input<'a>>,
    root: &'static str,
    errors: &mut Errors,
) -> Model<'a> {
    // The symbol table: each resource's name and type.
    let mut types: BTreeMap<String, (&Ident, Option<&'static ResourceSchema>)> = BTreeMap::new();
    for lookup in &stack.lookups {
        let name = lookup.name.to_string();
        if types.contains_key(&name) {
            errors.spanned(
                &lookup.name,
                format!("a lookup named `{name}` is already declared"),
            );
            continue;
        }
        types.insert(name, (&lookup.name, resolve_lookup(lookup, errors)));
    }
    for resource in &stack.resources {
        let name = resource.name.to_string();
        if let Some((first, _)) = types.get(&name) {
            let mut error = syn::Error::new_spanned(
                &resource.name,
                format!("a resource named `{name}` is already declared; resource names must be unique in a stack"),
            );
            error.combine(syn::Error::new_spanned(
                first,
                format!("`{name}` is first declared here"),
            ));
            errors.push(error);
            continue;
        }
        let schema = resolve_type(resource, errors);
        types.insert(name, (&resource.name, schema));
    }

    let mut instances = std::collections::BTreeSet::new();
    for instance in &stack.uses {
        let name = instance.name.to_string();
        if types.contains_key(&name) || !instances.insert(name.clone()) {
            errors.spanned(&instance.name, format!("`{name}` is already declared"));
        }
    }
    let symbols = Symbols {
        resources: &types,
        inputs: &inputs,
        root,
        instances: &instances,
    };
    for instance in &stack.uses {
        instance
            .args
            .iter()
            .for_each(|arg| check_any(arg, &symbols, errors));
    }
    let mut exported: Vec<&Ident> = Vec::new();
    for export in &stack.exports {
        if exported.iter().any(|e| **e == export.name) {
            errors.spanned(&export.name, format!("`{}` is exported twice", export.name));
        }
        exported.push(&export.name);
        check_any(&export.value, &symbols, errors);
    }
    let mut bad_defaults = std::collections::BTreeSet::new();
    for input in &inputs {
        if let Some(default) = &input.def.default {
            let before = errors.len();
            check_value(
                &input.ty,
                default,
                &format!("input {}", input.def.name),
                &symbols,
                errors,
            );
            if errors.len() != before {
                bad_defaults.insert(input.def.name.to_string());
            }
        }
    }
    let mut lookups = Vec::new();
    for lookup in &stack.lookups {
        if let Some((declared, Some(schema))) = types.get(&lookup.name.to_string()) {
            if *declared == &lookup.name {
                lookups.push(check_resource(lookup, schema, &symbols, errors));
            }
        }
    }
    let mut resources = Vec::new();
    for resource in &stack.resources {
        if resource.name == root {
            errors.spanned(&resource.name, format!("`{root}` names the values given to this body (`{root}.count`); call the resource something else"));
        }
        let Some((declared, Some(schema))) = types.get(&resource.name.to_string()) else {
            continue;
        };
        if *declared != &resource.name {
            continue; // a duplicate, reported above
        }
        resources.push(check_resource(resource, schema, &symbols, errors));
    }
    let mut outputs: Vec<&Ident> = Vec::new();
    let mut good_outputs = Vec::new();
    for output in &stack.outputs {
        if let Some(first) = outputs.iter().find(|o| **o == &output.name) {
            let mut error = syn::Error::new_spanned(
                &output.name,
                format!("an output named `{}` is already declared", output.name),
            );
            error.combine(syn::Error::new_spanned(first, "first declared here"));
            errors.push(error);
        }
        outputs.push(&output.name);
        let before = errors.len();
        check_any(&output.value, &symbols, errors);
        if errors.len() == before
            && output
                .value
                .references()
                .iter()
                .all(|r| symbols.resolves(r))
        {
            good_outputs.push(output);
        }
    }
    let mut inputs = inputs;
    for input in &mut inputs {
        input.default_ok = !bad_defaults.contains(&input.def.name.to_string());
    }
    check_cycles(&resources, &inputs, root, errors);
    check_subnets(&resources, errors);

    Model {
        name: None,
        region: None,
        root,
        uses: stack.uses.iter().collect(),
        exports: &stack.exports,
        default_tags: Vec::new(),
        backend: None,
        inputs,
        lookups,
        resources,
        outputs: good_outputs,
    }
}

fn check_inputs<'a>(defs: &'a [InputDef], errors: &mut Errors) -> Vec<Input<'a>> {
    let mut inputs: Vec<Input<'a>> = Vec::new();
    for def in defs {
        if let Some(first) = inputs.iter().find(|i| i.def.name == def.name) {
            let mut error = syn::Error::new_spanned(
                &def.name,
                format!("an input named `{}` is already declared", def.name),
            );
            error.combine(syn::Error::new_spanned(
                &first.def.name,
                "first declared here",
            ));
            errors.push(error);
            continue;
        }
        let ty_name = def.ty.to_string();
        let Some((_, ty)) = INPUT_TYPES.iter().find(|(name, _)| *name == ty_name) else {
            let known = INPUT_TYPES.map(|(name, _)| name);
            errors.spanned(
                &def.ty,
                format!(
                    "`{ty_name}` is not an input type{} (input types: {})",
                    did_you_mean(&ty_name, known),
                    known.map(|k| format!("`{k}`")).join(", ")
                ),
            );
            continue;
        };
        inputs.push(Input {
            def,
            ty: *ty,
            default_ok: true,
        });
    }
    inputs
}

/// What names mean in a stack: its resources (with their types) and inputs.
pub(crate) struct Symbols<'s, 'a> {
    resources: &'s BTreeMap<String, (&'a Ident, Option<&'static ResourceSchema>)>,
    inputs: &'s [Input<'a>],
    /// `input` or `param`.
    root: &'static str,
    /// Component instances: `net` of `let net = use network(…)`.
    instances: &'s std::collections::BTreeSet<String>,
}

impl Symbols<'_, '_> {
    fn has_resource(&self, name: &Ident) -> bool {
        self.resources.contains_key(&name.to_string())
    }

    /// Whether a reference's target is known with its type: expanding it
    /// gives a typed `Ref`.
    fn resolves(&self, reference: &RefExpr) -> bool {
        let name = reference.resource.to_string();
        self.instances.contains(&name)
            || (reference.resource == self.root
                && self
                    .inputs
                    .iter()
                    .any(|i| i.def.name == reference.attribute))
            || self
                .resources
                .get(&name)
                .is_some_and(|(_, schema)| schema.is_some())
    }
}

/// A value whose type is free (an output, a `format!` argument): only its
/// references are checked.
fn check_any(value: &Value, symbols: &Symbols<'_, '_>, errors: &mut Errors) {
    match value {
        Value::Ref(reference) => check_reference(reference, symbols, errors),
        Value::Template(template) => template
            .args
            .iter()
            .for_each(|a| check_any(a, symbols, errors)),
        Value::List(_, items) => items.iter().for_each(|i| check_any(i, symbols, errors)),
        Value::Map(_, entries) => entries
            .iter()
            .for_each(|(_, v)| check_any(v, symbols, errors)),
        Value::Block(_, fields) => fields
            .iter()
            .for_each(|f| check_any(&f.value, symbols, errors)),
        Value::Variant(name) if symbols.has_resource(name) => errors.spanned(
            name,
            format!("`{name}` is a resource: reference one of its attributes, such as `{name}.id`"),
        ),
        Value::Lit(_) | Value::Variant(_) | Value::Const(_) => {}
    }
}

type Settings<'a> = (
    Option<&'a LitStr>,
    Option<&'a LitStr>,
    Vec<(&'a LitStr, &'a LitStr)>,
    Option<&'a LitStr>,
);

fn check_settings<'a>(stack: &'a StackDef, errors: &mut Errors) -> Settings<'a> {
    let (mut name, mut region, mut tags, mut backend) = (None, None, Vec::new(), None);
    let mut seen: Vec<&Ident> = Vec::new();
    for setting in &stack.settings {
        if let Some(first) = seen.iter().find(|s| **s == &setting.key) {
            let mut error =
                syn::Error::new_spanned(&setting.key, format!("`{}` is set twice", setting.key));
            error.combine(syn::Error::new_spanned(first, "first set here"));
            errors.push(error);
            continue;
        }
        seen.push(&setting.key);
        match (setting.key.to_string().as_str(), &setting.value) {
            ("name", Value::Lit(Lit::Str(s))) => {
                if let Some(problem) = stack_name_problem(&s.value()) {
                    errors.spanned(s, problem);
                }
                name = Some(s);
            }
            ("region", Value::Lit(Lit::Str(s))) => region = Some(s),
            ("backend", Value::Lit(Lit::Str(s))) => {
                if let Err(problem) = infra_schema::BackendUrl::parse(&s.value()) {
                    errors.spanned(s, problem);
                }
                backend = Some(s);
            }
            ("backend", value) => errors.at(
                value.span(),
                "`backend` is a string literal: \"dynamodb://TABLE/KEY\" or \"file://PATH\"",
            ),
            ("name" | "region", value) => errors.at(
                value.span(),
                format!(
                    "`{}` is a string literal, such as \"eu-west-2\"",
                    setting.key
                ),
            ),
            ("default_tags", Value::Map(_, entries)) => {
                for (key, value) in entries {
                    match value {
                        Value::Lit(Lit::Str(value)) => tags.push((key, value)),
                        other => {
                            errors.at(other.span(), "a default tag's value is a string literal")
                        }
                    }
                }
            }
            ("default_tags", value) => errors.at(
                value.span(),
                "`default_tags` is a map: `{ \"team\": \"core\" }`",
            ),
            (key, _) => errors.spanned(
                &setting.key,
                format!(
                    "unknown setting `{key}`{} (the settings: {})",
                    did_you_mean(key, SETTINGS),
                    SETTINGS.map(|s| format!("`{s}`")).join(", ")
                ),
            ),
        }
    }
    let span = proc_macro2::Span::call_site();
    if name.is_none() {
        errors.at(span, "the stack needs a name: `name = \"my-stack\";`");
    }
    if region.is_none() {
        errors.at(span, "the stack needs a region: `region = \"eu-west-2\";`");
    }
    (name, region, tags, backend)
}

/// Stack names go into tags and resource names: keep them to what every AWS
/// name accepts.
fn stack_name_problem(name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    (!ok).then(|| {
        format!("a stack name is 1 to 64 letters, digits, `-` or `_`, and `{name}` is not")
    })
}

fn resolve_lookup(lookup: &ResourceDef, errors: &mut Errors) -> Option<&'static ResourceSchema> {
    let path = type_path(lookup);
    let schema = infra_schema::find_lookup(&path);
    if schema.is_none() {
        let known = infra_schema::catalog::lookup::LOOKUPS
            .iter()
            .map(|s| s.path);
        errors.spanned(
            &lookup.ty,
            format!(
                "unknown lookup `{path}`{} (the lookups: {})",
                did_you_mean(&path, known.clone()),
                known
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    schema
}

fn type_path(resource: &ResourceDef) -> String {
    resource
        .ty
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

fn resolve_type(resource: &ResourceDef, errors: &mut Errors) -> Option<&'static ResourceSchema> {
    let path = resource
        .ty
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::");
    let schema = infra_schema::find(&path);
    if schema.is_none() {
        let known = infra_schema::CATALOG.iter().map(|s| s.path);
        let suggestion = did_you_mean(&path, known.clone());
        // Without a close match, list the service's types (or the services).
        let service = path.split("::").next().unwrap_or_default();
        let same_service: Vec<String> = known
            .clone()
            .filter(|p| p.starts_with(&format!("{service}::")))
            .map(|p| format!("`{p}`"))
            .collect();
        let hint = if !suggestion.is_empty() {
            String::new()
        } else if !same_service.is_empty() {
            format!(" (`{service}` has {})", same_service.join(", "))
        } else {
            let mut services: Vec<&str> = known.filter_map(|p| p.split("::").next()).collect();
            services.dedup();
            format!(
                " (the services: {})",
                services
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        errors.spanned(
            &resource.ty,
            format!("unknown resource type `{path}`{suggestion}{hint}"),
        );
    }
    schema
}

fn check_resource<'a>(
    resource: &'a ResourceDef,
    schema: &'static ResourceSchema,
    symbols: &Symbols<'_, '_>,
    errors: &mut Errors,
) -> Resource<'a> {
    let mut fields: Vec<(&Ident, &Value, &'static FieldSchema)> = Vec::new();
    let mut depends_on = Vec::new();
    for field in &resource.fields {
        let name = field.name.to_string();
        if let Some((first, _, _)) = fields.iter().find(|(f, _, _)| **f == field.name) {
            let mut error =
                syn::Error::new_spanned(&field.name, format!("field `{name}` is set twice"));
            error.combine(syn::Error::new_spanned(first, "first set here"));
            errors.push(error);
            continue;
        }
        if name == DEPENDS_ON {
            depends_on.extend(check_depends_on(&field.value, symbols, errors));
            continue;
        }
        let Some(field_schema) = schema.field(&name) else {
            let known = schema.fields.iter().map(|f| f.name);
            errors.spanned(
                &field.name,
                format!(
                    "`{}` has no field `{name}`{} (its fields: {})",
                    schema.path,
                    did_you_mean(&name, known.clone()),
                    known
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            continue;
        };
        let before = errors.len();
        check_value(
            &field_schema.ty,
            &field.value,
            &format!("{}.{name}", resource.name),
            symbols,
            errors,
        );
        // Only a field that passed is expanded, so that no error repeats as a
        // rustc error on the generated code.
        if errors.len() == before && field.value.references().iter().all(|r| symbols.resolves(r)) {
            fields.push((&field.name, &field.value, field_schema));
        }
    }
    for required in schema
        .fields
        .iter()
        .filter(|f| matches!(f.presence, Presence::Required))
    {
        if !resource.fields.iter().any(|f| f.name == required.name) {
            errors.at(
                resource.body_span,
                format!(
                    "`{}` ({}) needs the field `{}`: {}",
                    resource.name, schema.path, required.name, required.doc
                ),
            );
        }
    }
    let literal_fields: Vec<(&Ident, &Value)> = fields.iter().map(|(n, v, _)| (*n, *v)).collect();
    check_rules(
        schema.rules,
        &literal_fields,
        &resource.name.to_string(),
        errors,
    );
    Resource {
        def: resource,
        schema,
        fields,
        depends_on,
    }
}

/// A nested block: its fields known, each once, the required ones present, each
/// value of its type, and the block's rules.
fn check_block(
    block: &'static BlockSchema,
    fields: &[FieldDef],
    span: proc_macro2::Span,
    at: &str,
    symbols: &Symbols<'_, '_>,
    errors: &mut Errors,
) {
    let mut seen: Vec<(&Ident, &Value)> = Vec::new();
    for field in fields {
        let name = field.name.to_string();
        if let Some((first, _)) = seen.iter().find(|(f, _)| **f == field.name) {
            let mut error = syn::Error::new_spanned(
                &field.name,
                format!("`{at}`: field `{name}` is set twice"),
            );
            error.combine(syn::Error::new_spanned(first, "first set here"));
            errors.push(error);
            continue;
        }
        let Some(schema) = block.field(&name) else {
            let known = block.fields.iter().map(|f| f.name);
            errors.spanned(
                &field.name,
                format!(
                    "`{at}`: `{}` has no field `{name}`{} (its fields: {})",
                    block.name,
                    did_you_mean(&name, known.clone()),
                    known
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            continue;
        };
        check_value(
            &schema.ty,
            &field.value,
            &format!("{at}.{name}"),
            symbols,
            errors,
        );
        seen.push((&field.name, &field.value));
    }
    for required in block
        .fields
        .iter()
        .filter(|f| matches!(f.presence, Presence::Required))
    {
        if !fields.iter().any(|f| f.name == required.name) {
            errors.at(
                span,
                format!(
                    "`{at}`: `{}` needs the field `{}`: {}",
                    block.name, required.name, required.doc
                ),
            );
        }
    }
    check_rules(block.rules, &seen, at, errors);
}

fn literal_int(fields: &[(&Ident, &Value)], name: &str) -> Option<i64> {
    match field_value(fields, name)? {
        Value::Lit(Lit::Int(int)) => int.base10_parse().ok(),
        _ => None,
    }
}

fn field_value<'v>(fields: &[(&Ident, &'v Value)], name: &str) -> Option<&'v Value> {
    fields.iter().find(|(f, _)| *f == name).map(|(_, v)| *v)
}

fn is_true(fields: &[(&Ident, &Value)], name: &str) -> bool {
    matches!(field_value(fields, name), Some(Value::Lit(Lit::Bool(b))) if b.value)
}

/// The checks across fields (port ranges, open ingress, wildcard grants), on the
/// values that are literals.
fn check_rules(rules: &[Rule], fields: &[(&Ident, &Value)], at: &str, errors: &mut Errors) {
    for rule in rules {
        match *rule {
            Rule::Ordered { from, to } => {
                if let (Some(low), Some(high), Some(to_value)) = (
                    literal_int(fields, from),
                    literal_int(fields, to),
                    field_value(fields, to),
                ) {
                    if low > high {
                        errors.at(
                            to_value.span(),
                            format!("`{at}`: `{to}` ({high}) is less than `{from}` ({low}); a range goes from low to high"),
                        );
                    }
                }
            }
            Rule::PublicIngress {
                cidr,
                from,
                to,
                opt_out,
            } => {
                let Some(Value::Lit(Lit::Str(source))) = field_value(fields, cidr) else {
                    continue;
                };
                if !matches!(source.value().as_str(), "0.0.0.0/0" | "::/0")
                    || is_true(fields, opt_out)
                {
                    continue;
                }
                // Protocol `All` opens every port, whatever the port fields say.
                let all = matches!(field_value(fields, "protocol"), Some(Value::Variant(p)) if p == "All");
                let ports = if all {
                    (Some(0), Some(65535))
                } else {
                    (literal_int(fields, from), literal_int(fields, to))
                };
                let web_only =
                    matches!(ports, (Some(a), Some(b)) if a == b && (a == 80 || a == 443));
                if !web_only {
                    let range = match ports {
                        (Some(a), Some(b)) if a == b => format!("port {a}"),
                        (Some(a), Some(b)) => format!("ports {a} to {b}"),
                        _ => "these ports".to_owned(),
                    };
                    errors.spanned(
                        source,
                        format!(
                            "`{at}`: this opens {range} to the whole internet (`{}`); only 80 and 443 may be, \
                             so narrow the source (another security group, a CIDR of yours), \
                             or write `{opt_out}: true` to open it on purpose",
                            source.value()
                        ),
                    );
                }
            }
            Rule::NoWildcardAllow {
                effect,
                actions,
                opt_out,
            } => {
                let denies =
                    matches!(field_value(fields, effect), Some(Value::Variant(v)) if v == "Deny");
                if denies || is_true(fields, opt_out) {
                    continue;
                }
                let Some(Value::List(_, items)) = field_value(fields, actions) else {
                    continue;
                };
                for item in items {
                    if matches!(item, Value::Lit(Lit::Str(s)) if s.value() == "*") {
                        errors.at(
                            item.span(),
                            format!(
                                "`{at}`: this statement allows every action (`*`); list the actions it needs, \
                                 such as `dynamodb:GetItem`, or write `{opt_out}: true` to allow all on purpose"
                            ),
                        );
                    }
                }
            }
        }
    }
}

fn check_depends_on<'a>(
    value: &'a Value,
    symbols: &Symbols<'_, '_>,
    errors: &mut Errors,
) -> Vec<&'a Ident> {
    let Value::List(_, items) = value else {
        errors.at(
            value.span(),
            "`depends_on` is a list of resource names: `depends_on: [vpc, table]`",
        );
        return Vec::new();
    };
    let mut names = Vec::new();
    for item in items {
        match item {
            Value::Variant(name) if symbols.has_resource(name) => names.push(name),
            Value::Variant(name) => unknown_resource(name, symbols, errors),
            other => errors.at(
                other.span(),
                "`depends_on` lists resource names, such as `vpc`",
            ),
        }
    }
    names
}

fn unknown_resource(name: &Ident, symbols: &Symbols<'_, '_>, errors: &mut Errors) {
    let text = name.to_string();
    errors.spanned(
        name,
        format!(
            "no resource named `{text}` is declared in this stack{}",
            did_you_mean(&text, symbols.resources.keys().map(String::as_str))
        ),
    );
}

fn check_reference(reference: &RefExpr, symbols: &Symbols<'_, '_>, errors: &mut Errors) {
    if symbols.instances.contains(&reference.resource.to_string()) {
        return; // a component's handle: rustc checks the field and its type
    }
    if reference.resource == symbols.root && !symbols.has_resource(&reference.resource) {
        let name = reference.attribute.to_string();
        if !symbols.inputs.iter().any(|i| i.def.name == name) {
            let (what, whose, how) = if symbols.root == PARAM {
                (
                    "parameter",
                    "this component",
                    "add it to the signature: `fn network(NAME: Type)`",
                )
            } else {
                (
                    "input",
                    "this stack",
                    "declare it: `input NAME: Type = default;`",
                )
            };
            let known: Vec<String> = symbols
                .inputs
                .iter()
                .map(|i| i.def.name.to_string())
                .collect();
            errors.spanned(
                reference,
                format!(
                    "no {what} named `{name}` is declared in {whose}{}{}",
                    did_you_mean(&name, known.iter().map(String::as_str)),
                    if known.is_empty() {
                        format!(" ({how})")
                    } else {
                        format!(
                            " (the {what}s: {})",
                            known
                                .iter()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                ),
            );
        }
        return;
    }
    let Some((_, schema)) = symbols.resources.get(&reference.resource.to_string()) else {
        unknown_resource(&reference.resource, symbols, errors);
        return;
    };
    let Some(schema) = schema else {
        return; // its type is unknown, reported already
    };
    let attribute = reference.attribute.to_string();
    if schema.referenceable(&attribute).is_none() {
        let known = schema
            .attributes
            .iter()
            .map(|a| a.name)
            .chain(schema.fields.iter().map(|f| f.name));
        errors.spanned(
            reference,
            format!(
                "`{}` ({}) has no attribute `{attribute}`{} (it has {})",
                reference.resource,
                schema.path,
                did_you_mean(&attribute, known.clone()),
                known
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        return;
    }
    let is_list = matches!(
        schema.referenceable(&attribute),
        Some(ValueType::List(_) | ValueType::Set(_))
    );
    match (&reference.index, is_list) {
        (Some(index), false) => errors.spanned(
            index,
            format!(
                "`{}.{attribute}` is not a list: remove `[{index}]`",
                reference.resource
            ),
        ),
        (Some(index), true) if index.base10_parse::<usize>().is_err() => {
            errors.spanned(index, "a list index is a whole number from 0");
        }
        _ => {}
    }
}

/// The type of the value a reference points at: a resource's field or
/// attribute, or an input.
pub(crate) fn reference_type(reference: &RefExpr, model: &Model<'_>) -> Option<ValueType> {
    if reference.resource == model.root {
        return model
            .inputs
            .iter()
            .find(|i| i.def.name == reference.attribute)
            .map(|i| i.ty);
    }
    let ty = model
        .resources
        .iter()
        .chain(&model.lookups)
        .find(|r| r.def.name == reference.resource)?
        .schema
        .referenceable(&reference.attribute.to_string())
        .copied()?;
    match (ty, &reference.index) {
        (ValueType::List(item) | ValueType::Set(item), Some(_)) => Some(*item),
        (ty, _) => Some(ty),
    }
}

/// The marker type name (under `infra::types`) of an input type.
pub(crate) fn input_marker(ty: &ValueType) -> &'static str {
    INPUT_TYPES
        .iter()
        .find(|(_, t)| t == ty)
        .map_or("Text", |(name, _)| name)
}

/// Checks a value against its type; `at` names where it is (`table.read_capacity`,
/// `input count`) for the messages.
fn check_value(
    ty: &ValueType,
    value: &Value,
    at: &str,
    symbols: &Symbols<'_, '_>,
    errors: &mut Errors,
) {
    match (ty, value) {
        (_, Value::Ref(reference)) => check_reference(reference, symbols, errors),
        (ValueType::String | ValueType::Name(_) | ValueType::Id(_), Value::Template(template)) => {
            template
                .args
                .iter()
                .for_each(|a| check_any(a, symbols, errors));
        }
        (ValueType::Tags, Value::Map(_, entries)) => {
            for (key, value) in entries {
                if key.value().starts_with("aws:") {
                    errors.spanned(key, format!("`{at}`: tag keys starting with `aws:` are reserved by AWS"));
                }
                check_value(&ValueType::String, value, at, symbols, errors);
            }
        }
        (ValueType::Bool, Value::Lit(Lit::Bool(_))) => {}
        (ValueType::List(item) | ValueType::Set(item), Value::List(_, items)) => {
            for (i, value) in items.iter().enumerate() {
                check_value(item, value, &format!("{at}[{i}]"), symbols, errors);
            }
        }
        (ValueType::Block(block), Value::Block(span, fields)) => {
            check_block(block, fields, *span, at, symbols, errors);
        }
        (ValueType::Block(block), Value::Map(span, entries)) if entries.is_empty() => {
            check_block(block, &[], *span, at, symbols, errors);
        }
        (ValueType::Port, Value::Lit(Lit::Int(int))) => match int.base10_parse::<i64>() {
            Ok(1..=65535) => {}
            _ => errors.spanned(int, format!("`{at}`: a port is 1 to 65535, and `{int}` is not")),
        },
        (ValueType::OneOf(allowed), Value::Lit(Lit::Int(int))) => match int.base10_parse::<i64>() {
            Ok(n) if allowed.contains(&n) => {}
            _ => errors.spanned(
                int,
                format!(
                    "`{at}`: AWS accepts only {}; `{int}` is not one of them",
                    allowed.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
                ),
            ),
        },
        (ValueType::IamAction, Value::Lit(Lit::Str(s))) => {
            if let Some(problem) = infra_schema::iam_action_problem(&s.value()) {
                errors.spanned(s, format!("`{at}`: {problem}"));
            }
        }
        (ValueType::Int { min, max }, Value::Lit(Lit::Int(int))) => match int.base10_parse::<i64>()
        {
            Ok(n) if (*min..=*max).contains(&n) => {}
            _ => errors.spanned(int, format!("`{at}`: expected a whole number from {min} to {max}")),
        },
        (ValueType::String | ValueType::Id(_), Value::Lit(Lit::Str(_))) => {}
        (ValueType::Name(rule), Value::Lit(Lit::Str(s))) => {
            if let Some(problem) = rule.violation(&s.value()) {
                errors.spanned(s, format!("`{at}`: {problem}"));
            }
        }
        (ValueType::Cidr, Value::Lit(Lit::Str(s))) => {
            if let Err(problem) = parse_cidr(&s.value()) {
                errors.spanned(s, format!("`{at}`: {problem}"));
            }
        }
        (ValueType::Enum(schema), Value::Variant(variant)) => {
            let name = variant.to_string();
            if !schema.variants.iter().any(|(v, _)| *v == name) {
                let known = schema.variants.iter().map(|(v, _)| *v);
                errors.spanned(
                    variant,
                    format!(
                        "`{at}`: `{name}` is not a variant of `{}`{} (the variants: {})",
                        schema.rust_path,
                        did_you_mean(&name, known.clone()),
                        known
                            .map(|v| format!("`{v}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
        // rustc types the constant through `IntoField`; its value is checked
        // when the stack is built.
        (
            ValueType::String
            | ValueType::Id(_)
            | ValueType::Name(_)
            | ValueType::Bool
            | ValueType::Int { .. }
            | ValueType::Port
            | ValueType::OneOf(_)
            | ValueType::Cidr
            | ValueType::IamAction,
            Value::Const(_),
        ) => {}
        (_, Value::Variant(name)) if symbols.has_resource(name) => errors.spanned(
            name,
            format!("`{at}`: `{name}` is a resource: reference one of its attributes, such as `{name}.id`"),
        ),
        (ty, value) => errors.at(value.span(), format!("`{at}`: expected {}", describe(ty))),
    }
}

fn describe(ty: &ValueType) -> String {
    match ty {
        ValueType::String => "a string literal or a reference".to_owned(),
        ValueType::Name(rule) => format!("a {} (a string literal)", rule.what),
        ValueType::Bool => "`true` or `false`".to_owned(),
        ValueType::Int {
            min: i64::MIN,
            max: i64::MAX,
        } => "a whole number".to_owned(),
        ValueType::Int { min, max } => format!("a whole number from {min} to {max}"),
        ValueType::Cidr => "an IPv4 CIDR block, such as \"10.0.0.0/16\"".to_owned(),
        ValueType::Id(kind) => format!(
            "a reference to a {}, such as `vpc.id`",
            kind.rsplit("::").next().unwrap_or(kind)
        ),
        ValueType::Enum(schema) => format!(
            "one of {}",
            schema
                .variants
                .iter()
                .map(|(v, _)| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ValueType::Tags => "a map of tags: `{ \"key\": \"value\" }`".to_owned(),
        ValueType::Port => "a port, 1 to 65535".to_owned(),
        ValueType::OneOf(allowed) => format!(
            "one of {}",
            allowed
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ValueType::IamAction => "an IAM action, such as \"dynamodb:GetItem\"".to_owned(),
        ValueType::List(item) | ValueType::Set(item) => {
            format!("a list of {}: `[…]`", describe(item))
        }
        ValueType::Block(block) => format!("a `{}` block: `{{ field: value, … }}`", block.name),
    }
}

/// An IPv4 CIDR block as (network address, prefix length), or why it is not one
/// that AWS accepts for a VPC or subnet.
pub(crate) fn parse_cidr(text: &str) -> Result<(u32, u8), String> {
    let bad = || format!("`{text}` is not an IPv4 CIDR block such as \"10.0.0.0/16\"");
    let (address, prefix) = text.split_once('/').ok_or_else(bad)?;
    let address: std::net::Ipv4Addr = address.parse().map_err(|_| bad())?;
    let prefix: u8 = prefix.parse().map_err(|_| bad())?;
    if prefix > 32 {
        return Err(bad());
    }
    let address = u32::from(address);
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    if address & !mask != 0 {
        return Err(format!(
            "`{text}` has host bits set; the block is \"{}/{prefix}\"",
            std::net::Ipv4Addr::from(address & mask)
        ));
    }
    if !(16..=28).contains(&prefix) {
        return Err(format!(
            "AWS accepts VPC and subnet blocks from /16 to /28, and `{text}` is /{prefix}"
        ));
    }
    Ok((address, prefix))
}

fn contains(outer: (u32, u8), inner: (u32, u8)) -> bool {
    let mask = if outer.1 == 0 {
        0
    } else {
        u32::MAX << (32 - outer.1)
    };
    inner.1 >= outer.1 && inner.0 & mask == outer.0
}

fn literal_cidr<'a>(resource: &Resource<'a>) -> Option<(&'a LitStr, (u32, u8))> {
    resource
        .fields
        .iter()
        .find_map(|(name, value, _)| match value {
            Value::Lit(Lit::Str(s)) if *name == "cidr_block" => {
                parse_cidr(&s.value()).ok().map(|c| (s, c))
            }
            _ => None,
        })
}

/// Subnets whose VPC is declared with a literal block: inside it, and not
/// overlapping each other.
fn check_subnets(resources: &[Resource<'_>], errors: &mut Errors) {
    let mut seen: Vec<(String, &LitStr, (u32, u8), &Ident)> = Vec::new();
    for subnet in resources.iter().filter(|r| r.schema.path == "ec2::Subnet") {
        let vpc = subnet
            .fields
            .iter()
            .find_map(|(name, value, _)| match value {
                Value::Ref(reference) if *name == "vpc_id" => resources
                    .iter()
                    .find(|r| r.def.name == reference.resource && r.schema.path == "ec2::Vpc"),
                _ => None,
            });
        let (Some(vpc), Some((literal, block))) = (vpc, literal_cidr(subnet)) else {
            continue;
        };
        let Some((vpc_literal, vpc_block)) = literal_cidr(vpc) else {
            continue;
        };
        if !contains(vpc_block, block) {
            errors.spanned(
                literal,
                format!(
                    "subnet `{}` ({}) is outside its VPC `{}` ({})",
                    subnet.def.name,
                    literal.value(),
                    vpc.def.name,
                    vpc_literal.value()
                ),
            );
            continue;
        }
        let vpc_name = vpc.def.name.to_string();
        for (other_vpc, other_literal, other_block, other_name) in &seen {
            if *other_vpc == vpc_name
                && (contains(*other_block, block) || contains(block, *other_block))
            {
                errors.spanned(
                    literal,
                    format!(
                        "subnet `{}` ({}) overlaps subnet `{other_name}` ({}) in VPC `{vpc_name}`",
                        subnet.def.name,
                        literal.value(),
                        other_literal.value()
                    ),
                );
            }
        }
        seen.push((vpc_name, literal, block, &subnet.def.name));
    }
}

/// Reports a cycle of references, naming the whole chain, at the reference that
/// closes it.
fn check_cycles(resources: &[Resource<'_>], inputs: &[Input<'_>], root: &str, errors: &mut Errors) {
    // An input's default may reference resources: using the input depends on them.
    let through_input = |reference: &RefExpr| -> Vec<String> {
        if reference.resource != root {
            return vec![reference.resource.to_string()];
        }
        inputs
            .iter()
            .filter(|i| i.def.name == reference.attribute)
            .filter_map(|i| i.def.default.as_ref())
            .flat_map(Value::references)
            .map(|r| r.resource.to_string())
            .collect()
    };
    // Each resource's dependencies, with the tokens that make each one.
    let edges: BTreeMap<String, Vec<(String, proc_macro2::TokenStream)>> = resources
        .iter()
        .map(|r| {
            let mut deps: Vec<(String, proc_macro2::TokenStream)> = r
                .fields
                .iter()
                .flat_map(|(_, value, _)| value.references())
                .flat_map(|reference| {
                    through_input(reference)
                        .into_iter()
                        .map(move |dependency| (dependency, quote::quote!(#reference)))
                })
                .collect();
            deps.extend(
                r.depends_on
                    .iter()
                    .map(|d| (d.to_string(), quote::quote!(#d))),
            );
            (r.def.name.to_string(), deps)
        })
        .collect();

    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit(
        node: &str,
        edges: &BTreeMap<String, Vec<(String, proc_macro2::TokenStream)>>,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
        errors: &mut Errors,
    ) {
        marks.insert(node.to_owned(), Mark::Visiting);
        path.push(node.to_owned());
        for (dependency, tokens) in edges.get(node).into_iter().flatten() {
            match marks.get(dependency) {
                Some(Mark::Visiting) => {
                    let start = path.iter().position(|p| p == dependency).unwrap_or(0);
                    let mut chain: Vec<&str> = path[start..].iter().map(String::as_str).collect();
                    chain.push(dependency);
                    // A reference through an input says so: the cycle is in its default.
                    let through = tokens.to_string().replace(' ', "");
                    let through = if through.starts_with("input.") {
                        format!(", through `{through}`, whose default references `{dependency}`")
                    } else {
                        String::new()
                    };
                    errors.spanned(
                        tokens,
                        format!(
                            "dependency cycle: {} (each resource needs the next to exist first{through}); break it by removing one of these references",
                            chain.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(" -> ")
                        ),
                    );
                }
                Some(Mark::Done) => {}
                None if edges.contains_key(dependency) => {
                    visit(dependency, edges, marks, path, errors)
                }
                None => {}
            }
        }
        path.pop();
        marks.insert(node.to_owned(), Mark::Done);
    }

    let mut marks = BTreeMap::new();
    for name in edges.keys() {
        if !marks.contains_key(name) {
            visit(name, &edges, &mut marks, &mut Vec::new(), errors);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn errors_of(tokens: proc_macro2::TokenStream) -> String {
        let stack: StackDef = syn::parse2(tokens).expect("parses");
        match check(&stack) {
            (_, None) => String::new(),
            (_, Some(error)) => error
                .into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    #[test]
    fn a_valid_stack_passes() {
        let errors = errors_of(quote! {
            name = "demo"; region = "eu-west-2";
            let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16" };
            let a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.1.0/24", depends_on: [vpc] };
            let t = dynamodb::Table { name: "demo", hash_key: "id", billing_mode: PayPerRequest };
        });
        assert_eq!(errors, "");
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let errors = errors_of(quote! {
            name = "demo"; region = "eu-west-2";
            let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16", cidr: "x" };
            let vpc = ec2::Vpc { cidr_block: "10.1.0.0/16" };
            let a = ec2::Subnet { vpc_id: vpcc.id, cidr_block: "10.0.1.0/24" };
            let b = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.9.1.0/24" };
            let c = ec2::Subnet { vpc_id: vpc.idd };
            let t = dynamodb::Tabel { name: "demo" };
            let u = dynamodb::Table { name: "x", hash_key: "id", billing_mode: PayPerReqest };
        });
        for expected in [
            "has no field `cidr`; did you mean `cidr_block`?",
            "a resource named `vpc` is already declared",
            "no resource named `vpcc` is declared in this stack; did you mean `vpc`?",
            "subnet `b` (10.9.1.0/24) is outside its VPC `vpc` (10.0.0.0/16)",
            "has no attribute `idd`; did you mean `id`?",
            "needs the field `cidr_block`",
            "unknown resource type `dynamodb::Tabel`; did you mean `dynamodb::Table`?",
            "a DynamoDB table name must be 3 to 255 characters long",
            "`PayPerReqest` is not a variant of `dynamodb::BillingMode`; did you mean `PayPerRequest`?",
        ] {
            assert!(errors.contains(expected), "missing {expected:?} in:\n{errors}");
        }
    }

    #[test]
    fn a_cycle_names_its_whole_chain() {
        let errors = errors_of(quote! {
            name = "demo"; region = "eu-west-2";
            let a = ec2::Vpc { cidr_block: "10.0.0.0/16", depends_on: [c] };
            let b = ec2::Vpc { cidr_block: "10.1.0.0/16", depends_on: [a] };
            let c = ec2::Vpc { cidr_block: "10.2.0.0/16", depends_on: [b] };
        });
        assert!(
            errors.contains("dependency cycle: `a` -> `c` -> `b` -> `a`"),
            "{errors}"
        );
    }

    #[test]
    fn cidr_blocks_are_checked() {
        assert_eq!(parse_cidr("10.0.0.0/16"), Ok((0x0a00_0000, 16)));
        assert!(parse_cidr("10.0.0.1/16")
            .expect_err("must be refused")
            .contains("host bits"));
        assert!(parse_cidr("10.0.0.0/8")
            .expect_err("must be refused")
            .contains("/16 to /28"));
        assert!(parse_cidr("10.0.0/16").is_err());
        assert!(contains((0x0a00_0000, 16), (0x0a00_0100, 24)));
        assert!(!contains((0x0a00_0000, 16), (0x0a01_0000, 24)));
    }
}
