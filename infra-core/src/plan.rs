//! Plans as plain data: for each resource an [`Action`] and, per field, the value
//! before and after. A plan is computed by [`diff`] from a stack and a (refreshed)
//! state, without touching the cloud, and is what apply executes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};

use infra_schema::catalog::Replacement;
use infra_schema::ValueType;
use serde::{Deserialize, Serialize};

use crate::graph::Graph;
use crate::model::{Expr, Reference, Stack, StackError, Value};
use crate::state::{ResourceState, State};

/// What apply will do to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Create it: it is declared and does not exist.
    Create,
    /// Change it in place.
    Update,
    /// Delete it and create it anew: a field that AWS cannot change has changed.
    Replace,
    /// Delete it: it exists and is no longer declared.
    Delete,
    /// Nothing: it is as declared.
    NoOp,
}

impl Action {
    /// The sign `terraform plan` shows for the action.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
            Action::NoOp => " ",
        }
    }
}

/// A value in a plan: known now, or known only after apply (an id AWS assigns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Planned {
    /// The value is known.
    Known(Value),
    /// The value depends on something AWS will assign during apply.
    Unknown,
}

impl fmt::Display for Planned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Planned::Known(value) => write!(f, "{value}"),
            Planned::Unknown => f.write_str("(known after apply)"),
        }
    }
}

/// One field's change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field.
    pub field: String,
    /// Its value now; `None` for a resource being created.
    pub before: Option<Value>,
    /// Its value after apply; `None` for a resource being deleted.
    pub after: Option<Planned>,
    /// Whether this change is what forces the resource to be replaced.
    pub forces_replacement: bool,
}

/// What apply will do to one resource, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    /// The resource's name in the stack.
    pub name: String,
    /// Its type's stable name.
    pub type_name: String,
    /// What will be done.
    pub action: Action,
    /// The fields that change (for a creation every field, for a deletion none).
    pub fields: Vec<FieldChange>,
    /// The declared fields, references unresolved: apply resolves them once what
    /// they reference exists. Empty for a deletion.
    pub desired: BTreeMap<String, Expr>,
    /// The resources this one needs first.
    pub dependencies: Vec<String>,
    /// The resource as refreshed before planning, when it exists.
    pub prior: Option<ResourceState>,
    /// For a replacement: the new resource is created first and the old one
    /// deleted once its dependents use the new one; otherwise (a fixed name or
    /// slot forbids two at once) the old one is deleted first.
    #[serde(default)]
    pub create_before_destroy: bool,
}

impl ResourceChange {
    /// The fields whose change forces the replacement.
    pub fn replacement_causes(&self) -> impl Iterator<Item = &str> {
        self.fields
            .iter()
            .filter(|f| f.forces_replacement)
            .map(|f| f.field.as_str())
    }
}

/// How many resources a plan adds, changes and destroys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Created, replacements included.
    pub to_add: usize,
    /// Updated in place.
    pub to_change: usize,
    /// Deleted, replacements included.
    pub to_destroy: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Plan: {} to add, {} to change, {} to destroy.",
            self.to_add, self.to_change, self.to_destroy
        )
    }
}

/// What apply will do to a stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The stack's name.
    pub stack: String,
    /// The stack's region.
    pub region: String,
    /// The lineage of the state the plan was made from.
    pub lineage: String,
    /// The serial of the state the plan was made from: apply refuses a plan made
    /// from an older state.
    pub serial: u64,
    /// One change per declared or recorded resource, in dependency order.
    pub changes: Vec<ResourceChange>,
    /// Resources recorded in state that refresh found deleted outside the engine
    /// and that are no longer declared: apply forgets them.
    pub vanished: Vec<String>,
    /// The declared outputs, which apply records once the resources exist.
    pub outputs: BTreeMap<String, Expr>,
    /// The outputs whose value changes.
    pub output_changes: Vec<OutputChange>,
    /// The lookups' values as read for this plan; apply uses these.
    #[serde(default)]
    pub lookups: LookupValues,
    /// Resources replaced by an earlier apply whose old object is still to be
    /// deleted (that apply stopped before it could): apply deletes them.
    #[serde(default)]
    pub deposed: Vec<String>,
}

/// One output's change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputChange {
    /// The output.
    pub name: String,
    /// Its recorded value; `None` for a new output.
    pub before: Option<Value>,
    /// Its value after apply; `None` for an output no longer declared.
    pub after: Option<Planned>,
}

/// The version of the plan's JSON form ([`Plan::to_json`]); grows only when a
/// change would break a reader. Documented in `docs/PLAN_FORMAT.md`.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// The JSON form of a plan: its format version, and the plan.
#[derive(Serialize, Deserialize)]
struct PlanDocument<P> {
    format_version: u32,
    summary: Summary,
    plan: P,
}

impl Plan {
    /// The plan as JSON (`plan --json`, `plan --out FILE`): an object with
    /// `format_version`, `summary` and `plan`, in the stable schema of
    /// `docs/PLAN_FORMAT.md`.
    ///
    /// ```
    /// let stack = infra_core::Stack::builder("demo", "eu-west-2").build()?;
    /// let plan = infra_core::plan::diff(&stack, &infra_core::State::new(&stack))?;
    /// let json = plan.to_json();
    /// assert_eq!(infra_core::Plan::from_json(&json)?, plan);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_json(&self) -> String {
        let document = PlanDocument {
            format_version: PLAN_FORMAT_VERSION,
            summary: self.summary(),
            plan: self,
        };
        // A plan is plain data (strings, numbers, maps): it always serializes.
        serde_json::to_string_pretty(&document).unwrap_or_default()
    }

    /// A plan saved by [`Plan::to_json`]; refused when its format is not this
    /// version's or the text is not a plan.
    pub fn from_json(text: &str) -> Result<Plan, PlanError> {
        let document: PlanDocument<Plan> =
            serde_json::from_str(text).map_err(|e| PlanError::Saved(e.to_string()))?;
        if document.format_version != PLAN_FORMAT_VERSION {
            return Err(PlanError::Saved(format!(
                "it is in plan format {}, this version reads format {PLAN_FORMAT_VERSION}",
                document.format_version
            )));
        }
        Ok(document.plan)
    }

    /// How many resources the plan adds, changes and destroys.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for change in &self.changes {
            match change.action {
                Action::Create => summary.to_add += 1,
                Action::Update => summary.to_change += 1,
                Action::Replace => {
                    summary.to_add += 1;
                    summary.to_destroy += 1;
                }
                Action::Delete => summary.to_destroy += 1,
                Action::NoOp => {}
            }
        }
        summary.to_destroy += self.deposed.len();
        summary
    }

    /// Whether apply would change anything, outputs included (as
    /// `terraform plan --detailed-exitcode` counts them).
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
            || !self.vanished.is_empty()
            || !self.deposed.is_empty()
            || !self.output_changes.is_empty()
    }

    /// The change planned for `name`.
    pub fn change(&self, name: &str) -> Option<&ResourceChange> {
        self.changes.iter().find(|c| c.name == name)
    }

    /// The plan for people, as `terraform plan` prints it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let pending: Vec<_> = self
            .changes
            .iter()
            .filter(|c| c.action != Action::NoOp)
            .collect();
        if pending.is_empty() && self.output_changes.is_empty() && self.deposed.is_empty() {
            out.push_str("No changes. Your infrastructure matches the configuration.\n");
            return out;
        }
        out.push_str("Resource actions are indicated with the following symbols:\n");
        for action in [
            Action::Create,
            Action::Update,
            Action::Replace,
            Action::Delete,
        ] {
            if pending.iter().any(|c| c.action == action) {
                let what = match action {
                    Action::Create => "create",
                    Action::Update => "update in-place",
                    Action::Replace => "replace (-/+ destroy first, +/- create first)",
                    _ => "destroy",
                };
                let _ = writeln!(out, "  {:>3} {what}", action.symbol());
            }
        }
        if !pending.is_empty() {
            out.push_str("\ninfra will perform the following actions:\n");
        }
        for change in pending {
            out.push('\n');
            render_change(&mut out, change);
        }
        for name in &self.deposed {
            let _ = writeln!(
                out,
                "\n  # {name} (deposed object) will be destroyed: an earlier apply replaced it and stopped before deleting the old one"
            );
        }
        if !self.output_changes.is_empty() {
            out.push_str("\nChanges to Outputs:\n");
            let width = self
                .output_changes
                .iter()
                .map(|o| o.name.len())
                .max()
                .unwrap_or(0);
            for output in &self.output_changes {
                let name = &output.name;
                let _ = match (&output.before, &output.after) {
                    (None, Some(after)) => {
                        writeln!(out, "  + {name:width$} = {}", render_planned(after, 4))
                    }
                    (Some(before), None) => {
                        writeln!(out, "  - {name:width$} = {}", render_value(before, 4))
                    }
                    (Some(before), Some(after)) => writeln!(
                        out,
                        "  ~ {name:width$} = {} -> {}",
                        render_value(before, 4),
                        render_planned(after, 4)
                    ),
                    (None, None) => Ok(()),
                };
            }
        }
        let _ = writeln!(out, "\n{}", self.summary());
        out
    }
}

fn render_change(out: &mut String, change: &ResourceChange) {
    let verb = match change.action {
        Action::Create => "will be created".to_owned(),
        Action::Update => "will be updated in-place".to_owned(),
        Action::Replace => format!(
            "must be replaced ({} forces replacement; {})",
            change
                .replacement_causes()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", "),
            if change.create_before_destroy {
                "the new one is created first"
            } else {
                "the old one is destroyed first"
            }
        ),
        Action::Delete => "will be destroyed".to_owned(),
        Action::NoOp => "is unchanged".to_owned(),
    };
    let _ = writeln!(out, "  # {} {verb}", change.name);
    let _ = writeln!(
        out,
        "  {} resource \"{}\" \"{}\" {{",
        if change.create_before_destroy {
            "+/-"
        } else {
            change.action.symbol()
        },
        change.type_name,
        change.name
    );
    let width = change
        .fields
        .iter()
        .map(|f| f.field.len())
        .chain(std::iter::once(2))
        .max()
        .unwrap_or(2);
    if let Some(prior) = &change.prior {
        let _ = writeln!(
            out,
            "        {:width$} = {}",
            "id",
            Value::from(prior.id.as_str())
        );
    }
    for field in &change.fields {
        let note = if field.forces_replacement {
            " # forces replacement"
        } else {
            ""
        };
        let name = &field.field;
        match (&field.before, &field.after) {
            (None, Some(after)) => {
                let _ = writeln!(
                    out,
                    "      + {name:width$} = {}{note}",
                    render_planned(after, 8)
                );
            }
            (Some(before), None) => {
                let _ = writeln!(
                    out,
                    "      - {name:width$} = {}{note}",
                    render_value(before, 8)
                );
            }
            (Some(Value::Object(before)), Some(Planned::Known(Value::Object(after)))) => {
                let _ = writeln!(out, "      ~ {name:width$} = {{{note}");
                render_map_diff(out, before, after);
                out.push_str("        }\n");
            }
            (Some(before), Some(after)) => {
                let _ = writeln!(
                    out,
                    "      ~ {name:width$} = {} -> {}{note}",
                    render_value(before, 8),
                    render_planned(after, 8)
                );
            }
            (None, None) => {}
        }
    }
    if matches!(change.action, Action::Create | Action::Replace) {
        if let Some(schema) = infra_schema::find_by_type_name(&change.type_name) {
            for attribute in schema.attributes {
                if !change.fields.iter().any(|f| f.field == attribute.name) {
                    let _ = writeln!(
                        out,
                        "      + {:width$} = (known after apply)",
                        attribute.name
                    );
                }
            }
        }
    }
    out.push_str("    }\n");
}

fn render_planned(value: &Planned, indent: usize) -> String {
    match value {
        Planned::Known(value) => render_value(value, indent),
        Planned::Unknown => "(known after apply)".to_owned(),
    }
}

/// A value as the plan shows it: scalars as JSON, maps and lists one entry a line.
fn render_value(value: &Value, indent: usize) -> String {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            let width = map.keys().map(|k| k.len() + 2).max().unwrap_or(0);
            let mut out = String::from("{\n");
            for (key, value) in map {
                let key = format!("\"{key}\"");
                let _ = writeln!(
                    out,
                    "{pad}    {key:width$} = {}",
                    render_value(value, indent + 4)
                );
            }
            let _ = write!(out, "{pad}}}");
            out
        }
        Value::Array(items) if !items.is_empty() => {
            let mut out = String::from("[\n");
            for item in items {
                let _ = writeln!(out, "{pad}    {},", render_value(item, indent + 4));
            }
            let _ = write!(out, "{pad}]");
            out
        }
        other => other.to_string(),
    }
}

/// The entries of a map that change, one a line, as `terraform plan` shows tags.
fn render_map_diff(
    out: &mut String,
    before: &serde_json::Map<String, Value>,
    after: &serde_json::Map<String, Value>,
) {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let width = keys.iter().map(|k| k.len() + 2).max().unwrap_or(0);
    for key in keys {
        let quoted = format!("\"{key}\"");
        match (before.get(key), after.get(key)) {
            (Some(b), Some(a)) if a == b => {}
            (Some(b), Some(a)) => {
                let _ = writeln!(out, "          ~ {quoted:width$} = {b} -> {a}");
            }
            (None, Some(a)) => {
                let _ = writeln!(out, "          + {quoted:width$} = {a}");
            }
            (Some(b), None) => {
                let _ = writeln!(out, "          - {quoted:width$} = {b}");
            }
            (None, None) => {}
        }
    }
}

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The stack is not valid.
    #[error(transparent)]
    Stack(#[from] StackError),
    /// A saved plan cannot be read.
    #[error("the saved plan cannot be read: {0}")]
    Saved(String),
}

/// The plan that brings `state` to what `stack` declares.
///
/// `state` should be freshly refreshed from the cloud (see
/// [`Engine::plan`](crate::Engine::plan)); this function only compares.
pub fn diff(stack: &Stack, state: &State) -> Result<Plan, PlanError> {
    diff_with_lookups(stack, state, &BTreeMap::new())
}

/// Values of lookups, read at plan time: lookup name → attribute → value. A
/// lookup missing here (an offline plan) is known only after apply.
pub type LookupValues = BTreeMap<String, BTreeMap<String, Value>>;

/// Like [`diff`], with the values of the stack's lookups.
pub fn diff_with_lookups(
    stack: &Stack,
    state: &State,
    lookups: &LookupValues,
) -> Result<Plan, PlanError> {
    let graph = Graph::of(stack)?;
    // Field values as they will be after apply, for references between resources.
    let mut planned: BTreeMap<&str, BTreeMap<String, Planned>> = BTreeMap::new();
    let mut fresh: BTreeSet<&str> = BTreeSet::new();
    let mut changes = Vec::new();

    for &name in graph.order() {
        let Some(declared) = stack.resource(name) else {
            continue;
        };
        let schema = declared.schema();
        let desired = stack.desired_fields(declared);
        let lookup =
            |reference: &Reference| planned_value(reference, &planned, &fresh, state, lookups);
        let after: BTreeMap<String, Planned> = desired
            .iter()
            .map(|(field, expr)| (field.clone(), resolve(expr, &lookup)))
            .collect();

        let prior = state
            .resources
            .get(name)
            .filter(|prior| prior.type_name == schema.type_name);
        let (action, fields) = match prior {
            None => {
                let fields = after
                    .iter()
                    .map(|(field, value)| FieldChange {
                        field: field.clone(),
                        before: None,
                        after: Some(value.clone()),
                        forces_replacement: false,
                    })
                    .collect();
                (Action::Create, fields)
            }
            Some(prior) => {
                let fields: Vec<FieldChange> = after
                    .iter()
                    .filter(|(field, value)| match value {
                        Planned::Known(value) => !same_value(
                            schema.field(field).map(|f| &f.ty),
                            prior.inputs.get(*field),
                            value,
                        ),
                        Planned::Unknown => true,
                    })
                    .map(|(field, value)| FieldChange {
                        field: field.clone(),
                        before: prior.inputs.get(field).cloned(),
                        after: Some(value.clone()),
                        forces_replacement: schema
                            .field(field)
                            .is_some_and(|f| f.forces_replacement),
                    })
                    .collect();
                let action = if fields.is_empty() {
                    Action::NoOp
                } else if fields.iter().any(|f| f.forces_replacement) {
                    Action::Replace
                } else {
                    Action::Update
                };
                (action, fields)
            }
        };
        if matches!(action, Action::Create | Action::Replace) {
            fresh.insert(name);
        }
        planned.insert(name, after);
        // One deposed object per resource: while an earlier one waits for
        // deletion, the next replacement deletes first.
        let create_before_destroy = action == Action::Replace
            && creates_first(schema.type_name, &fields)
            && !state.deposed.contains_key(name);
        changes.push(ResourceChange {
            name: name.to_owned(),
            type_name: schema.type_name.to_owned(),
            action,
            fields,
            desired,
            dependencies: declared
                .dependencies()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            prior: prior.cloned(),
            create_before_destroy,
        });
    }

    // A replacement that must delete first forces its dependents' replacements
    // to delete first too: their old objects must be gone before it is (a NAT
    // gateway before the subnet it sits in). Changes are in dependency order,
    // so one pass carries it down the graph.
    let mut deletes_first: BTreeSet<String> = BTreeSet::new();
    for change in &mut changes {
        if change.action != Action::Replace {
            continue;
        }
        let waits_on_deletion = change
            .dependencies
            .iter()
            .chain(change.prior.iter().flat_map(|p| &p.dependencies))
            .any(|d| deletes_first.contains(d));
        if waits_on_deletion {
            change.create_before_destroy = false;
        }
        if !change.create_before_destroy {
            deletes_first.insert(change.name.clone());
        }
    }

    // A recorded resource of a type that changed is replaced by deleting the old one.
    for (name, prior) in &state.resources {
        let declared = stack.resource(name);
        if declared.is_some_and(|d| d.schema().type_name == prior.type_name) {
            continue;
        }
        changes.push(ResourceChange {
            name: name.clone(),
            type_name: prior.type_name.clone(),
            action: Action::Delete,
            fields: Vec::new(),
            desired: BTreeMap::new(),
            dependencies: prior.dependencies.clone(),
            prior: Some(prior.clone()),
            create_before_destroy: false,
        });
    }

    let lookup = |reference: &Reference| planned_value(reference, &planned, &fresh, state, lookups);
    let outputs: BTreeMap<String, Expr> = stack
        .outputs()
        .iter()
        .map(|output| (output.name.clone(), output.value.clone()))
        .collect();
    let mut output_changes: Vec<OutputChange> = outputs
        .iter()
        .filter_map(|(name, expr)| {
            let after = resolve(expr, &lookup);
            let before = state.outputs.get(name).cloned();
            let unchanged = matches!((&before, &after), (Some(b), Planned::Known(a)) if a == b);
            (!unchanged).then(|| OutputChange {
                name: name.clone(),
                before,
                after: Some(after),
            })
        })
        .collect();
    output_changes.extend(removed_outputs(state, &outputs));

    Ok(Plan {
        stack: stack.name().to_owned(),
        region: stack.region().to_owned(),
        lineage: state.lineage.clone(),
        serial: state.serial,
        changes,
        vanished: Vec::new(),
        outputs,
        output_changes,
        lookups: lookups.clone(),
        deposed: state.deposed.keys().cloned().collect(),
    })
}

/// Whether a replacement of a `type_name` whose changing fields are `fields`
/// can create the new resource before deleting the old (see
/// [`infra_schema::catalog::REPLACEMENTS`]).
fn creates_first(type_name: &str, fields: &[FieldChange]) -> bool {
    match infra_schema::catalog::replacement(type_name) {
        Replacement::CreateFirst => true,
        Replacement::CreateFirstIfChanged(identity) => fields
            .iter()
            .any(|change| identity.contains(&change.field.as_str())),
        Replacement::DestroyFirst => false,
    }
}

/// Whether the recorded value `before` and the planned `after` mean the same
/// for a field of type `ty`: equal once the order of every set in them
/// ([`ValueType::Set`]) is ignored.
fn same_value(ty: Option<&ValueType>, before: Option<&Value>, after: &Value) -> bool {
    match (ty, before) {
        (_, None) => false,
        (None, Some(before)) => before == after,
        (Some(ty), Some(before)) => canonical(ty, before) == canonical(ty, after),
    }
}

/// `value` with every set in it sorted, so that sets compare by content.
fn canonical(ty: &ValueType, value: &Value) -> Value {
    match (ty, value) {
        (ValueType::Set(item), Value::Array(items)) => {
            let mut items: Vec<Value> = items.iter().map(|v| canonical(item, v)).collect();
            items.sort_by_cached_key(Value::to_string);
            Value::Array(items)
        }
        (ValueType::List(item), Value::Array(items)) => {
            Value::Array(items.iter().map(|v| canonical(item, v)).collect())
        }
        (ValueType::Block(block), Value::Object(fields)) => Value::Object(
            fields
                .iter()
                .map(|(name, v)| {
                    let v = match block.field(name) {
                        Some(field) => canonical(&field.ty, v),
                        None => v.clone(),
                    };
                    (name.clone(), v)
                })
                .collect(),
        ),
        _ => value.clone(),
    }
}

/// The value a reference will have after apply: a field planned above, an
/// attribute of a resource being created (unknown), a recorded attribute, or a
/// lookup's value.
fn planned_value(
    reference: &Reference,
    planned: &BTreeMap<&str, BTreeMap<String, Planned>>,
    fresh: &BTreeSet<&str>,
    state: &State,
    lookups: &LookupValues,
) -> Planned {
    let target = reference.resource.as_str();
    if let Some(value) = lookups
        .get(target)
        .and_then(|l| l.get(&reference.attribute))
    {
        return Planned::Known(value.clone());
    }
    if let Some(value) = planned
        .get(target)
        .and_then(|f| f.get(&reference.attribute))
    {
        return value.clone();
    }
    if fresh.contains(target) {
        return Planned::Unknown;
    }
    state
        .lookup(reference)
        .map_or(Planned::Unknown, Planned::Known)
}

/// The recorded outputs that `outputs` no longer declares.
fn removed_outputs(state: &State, outputs: &BTreeMap<String, Expr>) -> Vec<OutputChange> {
    state
        .outputs
        .iter()
        .filter(|(name, _)| !outputs.contains_key(*name))
        .map(|(name, before)| OutputChange {
            name: name.clone(),
            before: Some(before.clone()),
            after: None,
        })
        .collect()
}

/// The plan that deletes every resource recorded in `state`.
pub fn destroy(state: &State) -> Plan {
    Plan {
        stack: state.stack.clone(),
        region: state.region.clone(),
        lineage: state.lineage.clone(),
        serial: state.serial,
        changes: state
            .resources
            .iter()
            .map(|(name, prior)| ResourceChange {
                name: name.clone(),
                type_name: prior.type_name.clone(),
                action: Action::Delete,
                fields: Vec::new(),
                desired: BTreeMap::new(),
                dependencies: prior.dependencies.clone(),
                prior: Some(prior.clone()),
                create_before_destroy: false,
            })
            .collect(),
        vanished: Vec::new(),
        outputs: BTreeMap::new(),
        output_changes: removed_outputs(state, &BTreeMap::new()),
        lookups: BTreeMap::new(),
        deposed: state.deposed.keys().cloned().collect(),
    }
}

fn resolve(expr: &Expr, lookup: &impl Fn(&Reference) -> Planned) -> Planned {
    let value = expr.resolve(&|reference| match lookup(reference) {
        Planned::Known(value) => Some(value),
        Planned::Unknown => None,
    });
    value.map_or(Planned::Unknown, Planned::Known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ec2::VpcId, Ref};

    fn stack(map_public_ip: bool) -> Stack {
        let mut builder = Stack::builder("demo", "eu-west-2");
        builder
            .resource("vpc", "ec2::Vpc")
            .expect("in catalog")
            .set("cidr_block", "10.0.0.0/16");
        builder
            .resource("subnet", "ec2::Subnet")
            .expect("in catalog")
            .set("vpc_id", Ref::<VpcId>::new("vpc", "id"))
            .set("cidr_block", "10.0.1.0/24")
            .set("map_public_ip_on_launch", map_public_ip);
        builder.build().expect("valid")
    }

    /// The state apply would leave: every planned value recorded, ids made up.
    fn applied(stack: &Stack) -> State {
        let mut state = State::new(stack);
        let plan = diff(stack, &state).expect("plans");
        for change in &plan.changes {
            let id = format!("{}-1", change.name);
            let lookup = |r: &Reference| state.lookup(r);
            let inputs = change
                .desired
                .iter()
                .map(|(k, e)| (k.clone(), e.resolve(&lookup).expect("resolvable in order")))
                .collect();
            state.resources.insert(
                change.name.clone(),
                ResourceState {
                    type_name: change.type_name.clone(),
                    id: id.clone(),
                    inputs,
                    attributes: [("id".to_owned(), Value::from(id))].into(),
                    dependencies: change.dependencies.clone(),
                },
            );
        }
        state
    }

    #[test]
    fn an_empty_state_plans_every_creation_with_unknown_ids() {
        let stack = stack(false);
        let plan = diff(&stack, &State::new(&stack)).expect("plans");
        assert_eq!(plan.summary().to_add, 2);
        let subnet = plan.change("subnet").expect("planned");
        let vpc_id = subnet
            .fields
            .iter()
            .find(|f| f.field == "vpc_id")
            .expect("field");
        assert_eq!(vpc_id.after, Some(Planned::Unknown));
        let text = plan.render();
        assert!(
            text.contains("+ resource \"aws_ec2_vpc\" \"vpc\""),
            "{text}"
        );
        assert!(
            text.contains("vpc_id                  = (known after apply)"),
            "{text}"
        );
        assert!(
            text.contains("Plan: 2 to add, 0 to change, 0 to destroy."),
            "{text}"
        );
    }

    #[test]
    fn a_replacement_that_deletes_first_makes_its_dependents_delete_first() {
        use crate::types::ec2::{AllocationId, SubnetId};
        let stack = |zone: &str| {
            let mut builder = Stack::builder("demo", "eu-west-2");
            builder
                .resource("vpc", "ec2::Vpc")
                .expect("in catalog")
                .set("cidr_block", "10.0.0.0/16");
            builder
                .resource("subnet", "ec2::Subnet")
                .expect("in catalog")
                .set("vpc_id", Ref::<VpcId>::new("vpc", "id"))
                .set("cidr_block", "10.0.1.0/24")
                .set("availability_zone", zone);
            builder
                .resource("ip", "ec2::ElasticIp")
                .expect("in catalog");
            builder
                .resource("nat", "ec2::NatGateway")
                .expect("in catalog")
                .set("subnet_id", Ref::<SubnetId>::new("subnet", "id"))
                .set("allocation_id", Ref::<AllocationId>::new("ip", "id"));
            builder.build().expect("valid")
        };
        let state = applied(&stack("eu-west-2a"));
        let plan = diff(&stack("eu-west-2b"), &state).expect("plans");
        // Same CIDR in the same VPC: the subnet must go first, and so must the
        // NAT gateway in it, though a NAT gateway alone could be created first.
        let subnet = plan.change("subnet").expect("planned");
        assert_eq!(subnet.action, Action::Replace);
        assert!(!subnet.create_before_destroy);
        let nat = plan.change("nat").expect("planned");
        assert_eq!(nat.action, Action::Replace, "{}", plan.render());
        assert!(!nat.create_before_destroy, "{}", plan.render());
    }

    #[test]
    fn a_resource_with_a_deposed_object_waiting_deletes_first() {
        let vpc = |cidr: &str| {
            let mut builder = Stack::builder("demo", "eu-west-2");
            builder
                .resource("vpc", "ec2::Vpc")
                .expect("in catalog")
                .set("cidr_block", cidr);
            builder.build().expect("valid")
        };
        let mut state = applied(&vpc("10.0.0.0/16"));
        let plan = diff(&vpc("10.1.0.0/16"), &state).expect("plans");
        assert!(plan.change("vpc").is_some_and(|c| c.create_before_destroy));

        // An earlier replacement's old VPC still waits for deletion: a second
        // one kept aside would overwrite it.
        let old = state.resources["vpc"].clone();
        state.deposed.insert("vpc".into(), old);
        let plan = diff(&vpc("10.1.0.0/16"), &state).expect("plans");
        let change = plan.change("vpc").expect("planned");
        assert_eq!(change.action, Action::Replace);
        assert!(!change.create_before_destroy);
        assert_eq!(plan.deposed, ["vpc"]);
    }

    #[test]
    fn sets_compare_by_content_lists_by_order() {
        let mut builder = Stack::builder("demo", "eu-west-2");
        builder
            .resource("lt", "ec2::LaunchTemplate")
            .expect("in catalog")
            .set("name", "demo")
            .set("image_id", "ami-1")
            .set("instance_type", "t3.micro")
            .set(
                "security_group_ids",
                Expr::List(vec!["sg-2".into(), "sg-1".into()]),
            );
        let stack = builder.build().expect("valid");
        let mut state = applied(&stack);
        let recorded = state
            .resources
            .get_mut("lt")
            .expect("recorded")
            .inputs
            .get_mut("security_group_ids")
            .expect("recorded");
        // AWS answers the groups in its own order.
        *recorded = serde_json::json!(["sg-1", "sg-2"]);
        let plan = diff(&stack, &state).expect("plans");
        assert!(!plan.has_changes(), "{}", plan.render());

        *state
            .resources
            .get_mut("lt")
            .expect("recorded")
            .inputs
            .get_mut("security_group_ids")
            .expect("recorded") = serde_json::json!(["sg-1", "sg-3"]);
        let plan = diff(&stack, &state).expect("plans");
        assert_eq!(plan.change("lt").map(|c| c.action), Some(Action::Update));
    }

    #[test]
    fn an_applied_stack_plans_nothing_and_a_changed_field_plans_an_update() {
        let state = applied(&stack(false));
        let plan = diff(&stack(false), &state).expect("plans");
        assert!(!plan.has_changes(), "{}", plan.render());

        let plan = diff(&stack(true), &state).expect("plans");
        let change = plan.change("subnet").expect("planned");
        assert_eq!(change.action, Action::Update);
        assert_eq!(
            change.fields,
            [FieldChange {
                field: "map_public_ip_on_launch".into(),
                before: Some(Value::Bool(false)),
                after: Some(Planned::Known(Value::Bool(true))),
                forces_replacement: false,
            }]
        );
        assert_eq!(plan.summary().to_change, 1);
    }

    #[test]
    fn a_replacement_cascades_to_dependents_and_names_its_cause() {
        let mut state = applied(&stack(false));
        let vpc = state.resources.get_mut("vpc").expect("recorded");
        vpc.inputs.insert("cidr_block".into(), "10.9.0.0/16".into());
        let plan = diff(&stack(false), &state).expect("plans");
        let vpc = plan.change("vpc").expect("planned");
        assert_eq!(vpc.action, Action::Replace);
        assert_eq!(vpc.replacement_causes().collect::<Vec<_>>(), ["cidr_block"]);
        let subnet = plan.change("subnet").expect("planned");
        assert_eq!(subnet.action, Action::Replace, "the new VPC has a new id");
        assert_eq!(subnet.replacement_causes().collect::<Vec<_>>(), ["vpc_id"]);
    }

    #[test]
    fn inputs_templates_and_outputs_are_planned() {
        use crate::types::{Int, Text};
        let mut builder = Stack::builder("demo", "eu-west-2");
        builder
            .input::<Int>("read_capacity", Some(1.into()), "Read units")
            .input::<Text>("suffix", None, "Table name suffix");
        builder
            .resource("table", "dynamodb::Table")
            .expect("in catalog")
            .set(
                "name",
                Ref::<Text>::template(vec!["items-".into(), Ref::<Text>::input("suffix").into()]),
            )
            .set("hash_key", "id")
            .set("billing_mode", "PROVISIONED")
            .set("read_capacity", Ref::<Int>::input("read_capacity"))
            .set("write_capacity", 1);
        builder.output(
            "table_arn",
            Ref::<Text>::new("table", "arn"),
            "The table's ARN",
        );
        builder.output(
            "table_name",
            Ref::<Text>::new("table", "name"),
            "The table's name",
        );
        let stack = builder.build().expect("valid");

        let missing = stack
            .bind(&BTreeMap::new())
            .expect_err("suffix has no default");
        assert!(missing.to_string().contains("input `suffix`"), "{missing}");
        let bad = BTreeMap::from([
            ("suffix".to_owned(), "x".to_owned()),
            ("read_capacity".to_owned(), "many".to_owned()),
        ]);
        let error = stack.bind(&bad).expect_err("not a number").to_string();
        assert_eq!(error, "input `read_capacity`: `many` is not a whole number");
        let unknown = BTreeMap::from([("sufix".to_owned(), "x".to_owned())]);
        assert!(stack
            .bind(&unknown)
            .expect_err("unknown")
            .to_string()
            .contains("no input `sufix`"));

        let values = BTreeMap::from([("suffix".to_owned(), "dev".to_owned())]);
        let bound = stack.bind(&values).expect("bound");
        let plan = diff(&bound, &State::new(&bound)).expect("plans");
        let table = plan.change("table").expect("planned");
        let field = |name: &str| {
            table
                .fields
                .iter()
                .find(|f| f.field == name)
                .and_then(|f| f.after.clone())
        };
        assert_eq!(field("name"), Some(Planned::Known("items-dev".into())));
        assert_eq!(field("read_capacity"), Some(Planned::Known(1.into())));
        let outputs: Vec<_> = plan
            .output_changes
            .iter()
            .map(|o| (o.name.as_str(), o.after.clone()))
            .collect();
        assert_eq!(
            outputs,
            [
                ("table_arn", Some(Planned::Unknown)),
                ("table_name", Some(Planned::Known("items-dev".into())))
            ]
        );
        let text = plan.render();
        assert!(
            text.contains("Changes to Outputs:\n  + table_arn  = (known after apply)\n"),
            "{text}"
        );
    }

    #[test]
    fn undeclared_resources_are_deleted() {
        let state = applied(&stack(false));
        let empty = Stack::builder("demo", "eu-west-2").build().expect("valid");
        let plan = diff(&empty, &state).expect("plans");
        assert_eq!(plan.summary().to_destroy, 2);
        assert_eq!(destroy(&state).summary().to_destroy, 2);
    }
}
