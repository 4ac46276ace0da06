//! `aws_ecs_task_definition`: one revision of an ECS task definition family,
//! its network mode, roles, task-level CPU and memory, containers and tags.
//!
//! A revision never changes: every field but the tags forces replacement (a new
//! revision, the old one deregistered), and the id is the revision's ARN.
//!
//! Reading compares by meaning: AWS fills defaults into the containers it
//! stores (`essential`, `cpu` 0, the port protocol, empty lists) and sets the
//! host port of `awsvpc` and `host` mode tasks to the container port; read
//! reports them the way the schema's defaults declare them. Where AWS rewrites
//! a form read cannot map back (`1 vCPU` stored as `1024`, an explicit host
//! port in `awsvpc` mode read as the default), create refuses that form with
//! the one to write instead, rather than replace the revision at every plan.
//!
//! The `awslogs` driver needs a region; when the declaration leaves
//! `log_region` out, the stack's region is sent and the container gets the
//! Docker label `infra.log-region=stack`, so that read can tell "left out" from
//! "declared as the same region" (both are common, and AWS stores the same
//! option).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_ecs::types::{
    ContainerDefinition, KeyValuePair, LogConfiguration, LogDriver, NetworkMode, PortMapping,
    SortOrder, TaskDefinitionField, TaskDefinitionStatus, TransportProtocol,
};
use aws_sdk_ecs::Client;
use serde_json::Map;

use super::{ecs_tags, invalid, is_code, observed_tags, to_i32, update_tags};
use crate::model::Value;
use crate::provider::aws::{api_error, creation_tags, malformed, vanished};
use crate::provider::{Observed, ProviderError, ResourceRequest, RESOURCE_TAG, STACK_TAG};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ecs_task_definition";

/// The fields that make up the definition: a revision matches a request when
/// all of them are equal.
const DEFINITION_FIELDS: [&str; 7] = [
    "family",
    "network_mode",
    "execution_role_arn",
    "task_role_arn",
    "cpu",
    "memory",
    "container_definitions",
];

/// The Docker label that marks a container whose `log_region` was left out
/// (the stack's region was sent in its place).
const LOG_REGION_LABEL: &str = "infra.log-region";

/// The value of [`LOG_REGION_LABEL`].
const STACK_REGION: &str = "stack";

/// The schema's default network mode, and what AWS assumes without one.
const BRIDGE: &str = "bridge";

/// The `awslogs` option naming the log group.
const AWSLOGS_GROUP: &str = "awslogs-group";

/// The `awslogs` option naming the log group's region.
const AWSLOGS_REGION: &str = "awslogs-region";

/// The `awslogs` option giving the prefix of the log stream names.
const AWSLOGS_STREAM_PREFIX: &str = "awslogs-stream-prefix";

/// Registers a revision of the family with the request's definition and tags,
/// and returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let family = request.required_str("family")?;
    let network_mode = request.str("network_mode").unwrap_or(BRIDGE);
    if !NetworkMode::values().contains(&network_mode) {
        return Err(ProviderError::Invalid {
            message: format!(
                "`network_mode` must be one of {}, not `{network_mode}`",
                NetworkMode::values().join(", ")
            ),
        });
    }
    let region = client
        .config()
        .region()
        .map(|region| region.as_ref().to_owned())
        .unwrap_or_default();
    let containers = request
        .get("container_definitions")
        .and_then(Value::as_array)
        .ok_or_else(|| ProviderError::Invalid {
            message: "field `container_definitions` must be a list of containers".to_owned(),
        })?
        .iter()
        .map(|container| container_definition(container, network_mode, &region))
        .collect::<Result<Vec<_>, _>>()?;
    let tags = ecs_tags(creation_tags(&request));

    let output = client
        .register_task_definition()
        .family(family)
        .network_mode(NetworkMode::from(network_mode))
        .set_execution_role_arn(request.str("execution_role_arn").map(str::to_owned))
        .set_task_role_arn(request.str("task_role_arn").map(str::to_owned))
        .set_cpu(units(&request, "cpu")?)
        .set_memory(units(&request, "memory")?)
        .set_container_definitions(Some(containers))
        .set_tags((!tags.is_empty()).then_some(tags))
        .send()
        .await
        .map_err(|err| api_error("RegisterTaskDefinition", err))?;
    let arn = output
        .task_definition()
        .and_then(|definition| definition.task_definition_arn())
        .ok_or_else(|| malformed("RegisterTaskDefinition", "task definition ARN"))?;
    tracing::debug!(task_definition = arn, "registered ECS task definition");
    read(client, arn)
        .await?
        .ok_or_else(|| vanished("DescribeTaskDefinition", "task definition", arn))
}

/// Reads the revision `id` (its ARN) with its tags; `None` once it is
/// deregistered (`INACTIVE`) or being deleted. One describe call.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let output = match client
        .describe_task_definition()
        .task_definition(id)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .map_err(|err| api_error("DescribeTaskDefinition", err))
    {
        Ok(output) => output,
        Err(err) if is_missing(&err) => return Ok(None),
        Err(err) => return Err(err),
    };
    let Some(definition) = output.task_definition() else {
        return Ok(None);
    };
    if definition.status() != Some(&TaskDefinitionStatus::Active) {
        return Ok(None);
    }
    let arn = definition
        .task_definition_arn()
        .ok_or_else(|| malformed("DescribeTaskDefinition", "task definition ARN"))?;
    let family = definition
        .family()
        .ok_or_else(|| malformed("DescribeTaskDefinition", "family"))?;
    let network_mode = definition
        .network_mode()
        .map_or(BRIDGE, NetworkMode::as_str);

    let mut inputs = BTreeMap::from([
        ("family".to_owned(), Value::from(family)),
        ("network_mode".to_owned(), Value::from(network_mode)),
        (
            "container_definitions".to_owned(),
            Value::Array(
                definition
                    .container_definitions()
                    .iter()
                    .map(|container| container_value(container, network_mode))
                    .collect(),
            ),
        ),
        ("tags".to_owned(), observed_tags(output.tags())),
    ]);
    for (field, value) in [
        ("execution_role_arn", definition.execution_role_arn()),
        ("task_role_arn", definition.task_role_arn()),
        ("cpu", definition.cpu()),
        ("memory", definition.memory()),
    ] {
        if let Some(value) = value {
            inputs.insert(field.to_owned(), Value::from(value));
        }
    }
    let attributes = BTreeMap::from([
        ("id".to_owned(), Value::from(arn)),
        ("arn".to_owned(), Value::from(arn)),
        ("revision".to_owned(), Value::from(definition.revision())),
    ]);
    Ok(Some(Observed {
        id: arn.to_owned(),
        inputs,
        attributes,
    }))
}

/// Changes the tags that differ from `current`: the only thing a revision lets
/// change. Every other field forces replacement (a new revision).
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    update_tags(client, id, current, &request).await?;
    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeTaskDefinition", "task definition", id))
}

/// The revision an interrupted apply registered for this request: the family's
/// latest `ACTIVE` revision, when its ownership tags are this stack resource's
/// and its definition equals the request (so a retried create reuses it rather
/// than registering the same definition twice). A family is no unique name:
/// a latest revision that is someone else's is no conflict, and gives `None`.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let family = request.required_str("family")?;
    let Some(latest) = latest_active_revision(client, family).await? else {
        return Ok(None);
    };
    let Some(found) = read(client, &latest).await? else {
        return Ok(None);
    };
    let tags = crate::provider::tags_of(found.inputs.get("tags"));
    let ours = tags.get(STACK_TAG).map(String::as_str) == Some(request.stack)
        && tags.get(RESOURCE_TAG).map(String::as_str) == Some(request.name);
    let same = DEFINITION_FIELDS
        .iter()
        .all(|field| found.inputs.get(*field) == request.get(field));
    Ok((ours && same).then_some(found))
}

/// Deregisters the revision (it becomes `INACTIVE`: tasks and services using it
/// keep running), then asks for its deletion; one already gone is success. A
/// refused deletion only leaves an `INACTIVE` revision behind, which is gone
/// for every purpose here: it is logged, not an error.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    match client
        .deregister_task_definition()
        .task_definition(id)
        .send()
        .await
        .map_err(|err| api_error("DeregisterTaskDefinition", err))
    {
        Ok(_) => {}
        Err(err) if is_missing(&err) => return Ok(()),
        Err(err) => return Err(err),
    }
    tracing::debug!(task_definition = id, "deregistered ECS task definition");
    match client
        .delete_task_definitions()
        .task_definitions(id)
        .send()
        .await
    {
        Ok(output) => {
            for failure in output.failures() {
                tracing::warn!(
                    task_definition = id,
                    reason = failure.reason().unwrap_or_default(),
                    "the deregistered task definition was not deleted"
                );
            }
        }
        Err(err) => {
            let err = api_error("DeleteTaskDefinitions", err);
            tracing::warn!(task_definition = id, error = %err, "the deregistered task definition was not deleted");
        }
    }
    Ok(())
}

/// The task-level `cpu` or `memory` of the request, which must be a number:
/// AWS turns `1 vCPU` or `1 GB` into `1024`, which would differ from the
/// declaration at every plan and replace the revision each time.
fn units(request: &ResourceRequest<'_>, field: &str) -> Result<Option<String>, ProviderError> {
    match request.str(field) {
        None => Ok(None),
        Some(value) if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(Some(value.to_owned()))
        }
        Some(value) => Err(ProviderError::Invalid {
            message: format!(
                "field `{field}` must be a number (CPU units, 1024 to a vCPU; memory in MiB), \
                 not `{value}`: AWS stores the number"
            ),
        }),
    }
}

/// Whether `err` says the revision does not exist: ECS answers a
/// `ClientException` for it, whose other uses are real errors.
fn is_missing(err: &ProviderError) -> bool {
    matches!(err, ProviderError::Api { code, message, .. }
        if code == "ClientException"
            && ["unable to describe task definition", "does not exist", "revision is missing"]
                .iter()
                .any(|fragment| message.to_lowercase().contains(fragment)))
        || is_code(err, "TaskDefinitionNotFoundException")
}

/// The ARN of the family's `ACTIVE` revision with the highest number, if any.
/// Lists them all: moto ignores the sort order, and a family has few active
/// revisions (each replacement deregisters the previous one).
async fn latest_active_revision(
    client: &Client,
    family: &str,
) -> Result<Option<String>, ProviderError> {
    let mut latest: Option<(i64, String)> = None;
    let mut next_token = None;
    loop {
        let output = client
            .list_task_definitions()
            .family_prefix(family)
            .status(TaskDefinitionStatus::Active)
            .sort(SortOrder::Desc)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|err| api_error("ListTaskDefinitions", err))?;
        for arn in output.task_definition_arns() {
            // `…:task-definition/<family>:<revision>`; the prefix filter also
            // matches longer family names.
            let Some((name, revision)) = arn
                .rsplit_once('/')
                .and_then(|(_, tail)| tail.rsplit_once(':'))
            else {
                continue;
            };
            let Ok(revision) = revision.parse::<i64>() else {
                continue;
            };
            if name == family && latest.as_ref().is_none_or(|(best, _)| revision > *best) {
                latest = Some((revision, arn.clone()));
            }
        }
        next_token = output.next_token;
        if next_token.is_none() {
            return Ok(latest.map(|(_, arn)| arn));
        }
    }
}

/// A declared container (a `ContainerDefinition` block), as ECS takes it.
fn container_definition(
    value: &Value,
    network_mode: &str,
    region: &str,
) -> Result<ContainerDefinition, ProviderError> {
    let block = Block::of(value, "container_definitions")?;
    let name = block.required_str("name")?;
    let mut container = ContainerDefinition::builder()
        .name(name)
        .image(block.required_str("image")?)
        .cpu(to_i32(block.int("cpu")?.unwrap_or(0), "cpu")?)
        .essential(block.bool("essential")?.unwrap_or(true))
        .set_memory(
            block
                .int("memory")?
                .map(|v| to_i32(v, "memory"))
                .transpose()?,
        )
        .set_memory_reservation(
            block
                .int("memory_reservation")?
                .map(|v| to_i32(v, "memory_reservation"))
                .transpose()?,
        );

    for mapping in block.list("port_mappings")? {
        let mapping = Block::of(mapping, "port_mappings")?;
        let container_port = to_i32(mapping.required_int("container_port")?, "container_port")?;
        let host_port = to_i32(mapping.int("host_port")?.unwrap_or(0), "host_port")?;
        let protocol = mapping.str("protocol")?.unwrap_or("tcp");
        if !TransportProtocol::values().contains(&protocol) {
            return Err(ProviderError::Invalid {
                message: format!("`protocol` must be tcp or udp, not `{protocol}`"),
            });
        }
        // No host port means a dynamic one in `bridge` mode, and the container
        // port in `awsvpc` and `host` modes, where AWS refuses any other and
        // reports the container port back: declaring it there would read back
        // as the default 0, a difference forever.
        if host_port != 0 && matches!(network_mode, "awsvpc" | "host") {
            return Err(ProviderError::Invalid {
                message: format!(
                    "container `{name}`: in `{network_mode}` network mode the host port is the \
                     container port; leave `host_port` out"
                ),
            });
        }
        container = container.port_mappings(
            PortMapping::builder()
                .container_port(container_port)
                .set_host_port((host_port != 0).then_some(host_port))
                .protocol(TransportProtocol::from(protocol))
                .build(),
        );
    }

    if let Some(environment) = block.object("environment")? {
        for (key, value) in environment {
            let value = value.as_str().ok_or_else(|| ProviderError::Invalid {
                message: format!("environment variable `{key}` must be a string"),
            })?;
            container =
                container.environment(KeyValuePair::builder().name(key).value(value).build());
        }
    }

    let group = block.str("log_group")?;
    let prefix = block.str("log_stream_prefix")?;
    let log_region = block.str("log_region")?;
    match group {
        Some(group) => {
            let mut options = HashMap::from([
                (AWSLOGS_GROUP.to_owned(), group.to_owned()),
                (
                    AWSLOGS_REGION.to_owned(),
                    log_region.unwrap_or(region).to_owned(),
                ),
            ]);
            if let Some(prefix) = prefix {
                options.insert(AWSLOGS_STREAM_PREFIX.to_owned(), prefix.to_owned());
            }
            container = container.log_configuration(
                LogConfiguration::builder()
                    .log_driver(LogDriver::Awslogs)
                    .set_options(Some(options))
                    .build()
                    .map_err(invalid)?,
            );
            if log_region.is_none() {
                container = container.docker_labels(LOG_REGION_LABEL, STACK_REGION);
            }
        }
        None if prefix.is_some() || log_region.is_some() => {
            return Err(ProviderError::Invalid {
                message: format!(
                    "container `{name}`: `log_stream_prefix` and `log_region` need `log_group`"
                ),
            });
        }
        None => {}
    }
    Ok(container.build())
}

/// A container as the schema's `ContainerDefinition` block: AWS's defaults
/// given the value the schema's defaults declare, empty lists left out, the
/// host port of `awsvpc` and `host` modes (always the container port) given as
/// the default 0, and the `awslogs` options as the three log fields.
fn container_value(container: &ContainerDefinition, network_mode: &str) -> Value {
    let mut block = Map::new();
    block.insert(
        "name".to_owned(),
        Value::from(container.name().unwrap_or_default()),
    );
    block.insert(
        "image".to_owned(),
        Value::from(container.image().unwrap_or_default()),
    );
    block.insert("cpu".to_owned(), Value::from(container.cpu()));
    block.insert(
        "essential".to_owned(),
        Value::Bool(container.essential().unwrap_or(true)),
    );
    if let Some(memory) = container.memory() {
        block.insert("memory".to_owned(), Value::from(memory));
    }
    if let Some(reservation) = container.memory_reservation() {
        block.insert("memory_reservation".to_owned(), Value::from(reservation));
    }

    let host_is_container = matches!(network_mode, "awsvpc" | "host");
    let mappings: Vec<Value> = container
        .port_mappings()
        .iter()
        .map(|mapping| {
            let container_port = mapping.container_port().unwrap_or(0);
            let host_port = match mapping.host_port().unwrap_or(0) {
                port if host_is_container && port == container_port => 0,
                port => port,
            };
            let mut block = Map::new();
            block.insert("container_port".to_owned(), Value::from(container_port));
            block.insert("host_port".to_owned(), Value::from(host_port));
            block.insert(
                "protocol".to_owned(),
                Value::from(mapping.protocol().map_or("tcp", TransportProtocol::as_str)),
            );
            Value::Object(block)
        })
        .collect();
    if !mappings.is_empty() {
        block.insert("port_mappings".to_owned(), Value::Array(mappings));
    }

    let environment: Map<String, Value> = container
        .environment()
        .iter()
        .filter_map(|pair| {
            Some((
                pair.name()?.to_owned(),
                Value::from(pair.value().unwrap_or_default()),
            ))
        })
        .collect();
    if !environment.is_empty() {
        block.insert("environment".to_owned(), Value::Object(environment));
    }

    if let Some(options) = container
        .log_configuration()
        .filter(|config| config.log_driver() == &LogDriver::Awslogs)
        .and_then(LogConfiguration::options)
    {
        let region_left_out = container
            .docker_labels()
            .and_then(|labels| labels.get(LOG_REGION_LABEL))
            .is_some_and(|value| value == STACK_REGION);
        for (field, option) in [
            ("log_group", AWSLOGS_GROUP),
            ("log_stream_prefix", AWSLOGS_STREAM_PREFIX),
            ("log_region", AWSLOGS_REGION),
        ] {
            if field == "log_region" && region_left_out {
                continue;
            }
            if let Some(value) = options.get(option) {
                block.insert(field.to_owned(), Value::from(value.as_str()));
            }
        }
    }
    Value::Object(block)
}

/// One block value of a request (a container, a port mapping), with typed
/// access to its fields; a null field counts as absent.
struct Block<'a> {
    /// The list field the block came from, for errors.
    field: &'static str,
    /// The block's fields.
    fields: &'a Map<String, Value>,
}

impl<'a> Block<'a> {
    /// `value` as a block of the list field `field`.
    fn of(value: &'a Value, field: &'static str) -> Result<Self, ProviderError> {
        let fields = value.as_object().ok_or_else(|| ProviderError::Invalid {
            message: format!("field `{field}` must be a list of blocks"),
        })?;
        Ok(Self { field, fields })
    }

    /// The field `name`, if set.
    fn get(&self, name: &str) -> Option<&'a Value> {
        self.fields.get(name).filter(|value| !value.is_null())
    }

    /// An error saying the field `name` must be `what`.
    fn wrong(&self, name: &str, what: &str) -> ProviderError {
        ProviderError::Invalid {
            message: format!("`{}` of `{}` must be {what}", name, self.field),
        }
    }

    /// The string field `name`, if set.
    fn str(&self, name: &str) -> Result<Option<&'a str>, ProviderError> {
        self.get(name)
            .map(|value| value.as_str().ok_or_else(|| self.wrong(name, "a string")))
            .transpose()
    }

    /// The string field `name`, which must be set.
    fn required_str(&self, name: &str) -> Result<&'a str, ProviderError> {
        self.str(name)?.ok_or_else(|| self.wrong(name, "set"))
    }

    /// The integer field `name`, if set.
    fn int(&self, name: &str) -> Result<Option<i64>, ProviderError> {
        self.get(name)
            .map(|value| value.as_i64().ok_or_else(|| self.wrong(name, "an integer")))
            .transpose()
    }

    /// The integer field `name`, which must be set.
    fn required_int(&self, name: &str) -> Result<i64, ProviderError> {
        self.int(name)?.ok_or_else(|| self.wrong(name, "set"))
    }

    /// The boolean field `name`, if set.
    fn bool(&self, name: &str) -> Result<Option<bool>, ProviderError> {
        self.get(name)
            .map(|value| value.as_bool().ok_or_else(|| self.wrong(name, "a boolean")))
            .transpose()
    }

    /// The list field `name`; empty when not set.
    fn list(&self, name: &str) -> Result<&'a [Value], ProviderError> {
        self.get(name).map_or(Ok(&[]), |value| {
            value
                .as_array()
                .map(Vec::as_slice)
                .ok_or_else(|| self.wrong(name, "a list"))
        })
    }

    /// The map field `name` (environment variables), if set.
    fn object(&self, name: &str) -> Result<Option<&'a Map<String, Value>>, ProviderError> {
        self.get(name)
            .map(|value| value.as_object().ok_or_else(|| self.wrong(name, "a map")))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A container block as the engine sends it: the schema's defaults filled.
    fn declared() -> Value {
        json!({
            "name": "web", "image": "nginx:1.25", "cpu": 0, "essential": true, "memory": 128,
            "port_mappings": [{ "container_port": 80, "host_port": 0, "protocol": "tcp" }],
            "environment": { "MODE": "demo" },
            "log_group": "logs", "log_stream_prefix": "web",
        })
    }

    #[test]
    fn a_registered_container_reads_back_as_declared() {
        let mut with_region = declared();
        with_region["log_region"] = json!("eu-west-2");
        for block in [declared(), with_region] {
            let container = container_definition(&block, "bridge", "eu-west-2").expect("valid");
            let options = container
                .log_configuration()
                .and_then(LogConfiguration::options)
                .expect("awslogs options");
            assert_eq!(
                options.get(AWSLOGS_REGION).map(String::as_str),
                Some("eu-west-2")
            );
            assert_eq!(container_value(&container, "bridge"), block);
        }
    }

    #[test]
    fn what_aws_fills_in_reads_as_the_schema_defaults() {
        let container = ContainerDefinition::builder()
            .name("web")
            .image("nginx")
            .memory(64)
            .port_mappings(
                PortMapping::builder()
                    .container_port(80)
                    .host_port(80)
                    .build(),
            )
            .build();
        assert_eq!(
            container_value(&container, "awsvpc"),
            json!({
                "name": "web", "image": "nginx", "cpu": 0, "essential": true, "memory": 64,
                "port_mappings": [{ "container_port": 80, "host_port": 0, "protocol": "tcp" }],
            })
        );
        // In bridge mode a host port is a choice, and reads back as it is.
        assert_eq!(
            container_value(&container, "bridge")["port_mappings"][0]["host_port"],
            json!(80)
        );
    }

    #[test]
    fn forms_aws_rewrites_are_refused() {
        let mut block = declared();
        block["port_mappings"][0]["host_port"] = json!(80);
        assert!(container_definition(&block, "awsvpc", "eu-west-2").is_err());
        assert!(container_definition(&block, "bridge", "eu-west-2").is_ok());

        let inputs = BTreeMap::from([("cpu".to_owned(), json!("1 vCPU"))]);
        let request = ResourceRequest {
            stack: "s",
            name: "task",
            type_name: TYPE_NAME,
            inputs: &inputs,
            superseded: None,
        };
        assert!(units(&request, "cpu").is_err());
        let inputs = BTreeMap::from([("cpu".to_owned(), json!("1024"))]);
        let request = ResourceRequest {
            inputs: &inputs,
            ..request
        };
        assert_eq!(
            units(&request, "cpu").expect("a number"),
            Some("1024".to_owned())
        );
    }
}
