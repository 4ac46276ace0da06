//! ECS: clusters, their capacity, task definitions and services.

use super::TAGS;
use crate::{
    AttributeSchema, BlockSchema, EnumSchema, FieldSchema, Literal, NameRule, Presence,
    ResourceSchema, ValueType,
};

/// The names AWS allows for clusters, capacity providers, task definition
/// families and services: letters, digits, `_` and `-`, up to 255.
const fn ecs_name(what: &'static str) -> NameRule {
    NameRule {
        what,
        min_len: 1,
        max_len: 255,
        extra_chars: "_-",
        lowercase_only: false,
    }
}

/// `ecs::Cluster`.
pub static ECS_CLUSTER: ResourceSchema = ResourceSchema {
    path: "ecs::Cluster",
    type_name: "aws_ecs_cluster",
    taggable: true,
    doc: "An ECS cluster.",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::Name(ecs_name("ECS cluster name")),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The cluster name, unique in the account and region.",
        },
        FieldSchema {
            name: "container_insights",
            ty: ValueType::Bool,
            presence: Presence::Default(Literal::Bool(true)),
            forces_replacement: false,
            doc: "Whether CloudWatch Container Insights collects the cluster's metrics.",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::String,
            doc: "The cluster name, as AWS knows it.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The cluster's ARN.",
        },
    ],
};

/// `ecs::CapacityProvider`.
pub static ECS_CAPACITY_PROVIDER: ResourceSchema = ResourceSchema {
    path: "ecs::CapacityProvider",
    type_name: "aws_ecs_capacity_provider",
    taggable: true,
    doc: "An ECS capacity provider backed by an Auto Scaling group.",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::Name(ecs_name("ECS capacity provider name")),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The capacity provider name; AWS refuses names starting with `aws`, `ecs` \
                  or `fargate`.",
        },
        FieldSchema {
            name: "auto_scaling_group_arn",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The ARN of the Auto Scaling group that supplies the instances.",
        },
        FieldSchema {
            name: "managed_scaling",
            ty: ValueType::Bool,
            presence: Presence::Default(Literal::Bool(true)),
            forces_replacement: false,
            doc: "Whether ECS scales the Auto Scaling group to fit the tasks.",
        },
        FieldSchema {
            name: "target_capacity",
            ty: ValueType::Int { min: 1, max: 100 },
            presence: Presence::Default(Literal::Int(100)),
            forces_replacement: false,
            doc: "The percentage of the group's capacity managed scaling aims to use.",
        },
        FieldSchema {
            name: "managed_termination_protection",
            ty: ValueType::Bool,
            presence: Presence::Default(Literal::Bool(false)),
            forces_replacement: false,
            doc: "Whether ECS keeps instances running tasks from being scaled in; the \
                  group must protect new instances from scale-in.",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::String,
            doc: "The capacity provider name, as AWS knows it.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The capacity provider's ARN.",
        },
    ],
};

/// `ecs::ClusterCapacityProviders`.
pub static ECS_CLUSTER_CAPACITY_PROVIDERS: ResourceSchema = ResourceSchema {
    path: "ecs::ClusterCapacityProviders",
    type_name: "aws_ecs_cluster_capacity_providers",
    taggable: false,
    doc: "The capacity providers a cluster may use, and its default one.",
    fields: &[
        FieldSchema {
            name: "cluster_name",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The name of the cluster.",
        },
        FieldSchema {
            name: "capacity_providers",
            ty: ValueType::Set(&ValueType::String),
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The names of the capacity providers the cluster may use.",
        },
        FieldSchema {
            name: "default_provider",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The capacity provider services use unless they name one; one of \
                  `capacity_providers`.",
        },
    ],
    rules: &[],
    attributes: &[AttributeSchema {
        name: "id",
        ty: ValueType::String,
        doc: "The cluster name.",
    }],
};

/// How a task's containers are networked.
pub static ECS_NETWORK_MODE: EnumSchema = EnumSchema {
    rust_path: "ecs::NetworkMode",
    variants: &[
        ("Bridge", "bridge"),
        ("Host", "host"),
        ("Awsvpc", "awsvpc"),
        ("None", "none"),
    ],
};

/// The protocols of a container's port mapping.
pub static ECS_PORT_PROTOCOL: EnumSchema = EnumSchema {
    rust_path: "ecs::PortProtocol",
    variants: &[("Tcp", "tcp"), ("Udp", "udp")],
};

/// A port a container listens on, and the host port it is published on.
pub static ECS_PORT_MAPPING: BlockSchema = BlockSchema {
    name: "ecs::PortMapping",
    fields: &[
        FieldSchema {
            name: "container_port",
            ty: ValueType::Port,
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The port the container listens on.",
        },
        FieldSchema {
            name: "host_port",
            ty: ValueType::Int {
                min: 0,
                max: 65_535,
            },
            presence: Presence::Default(Literal::Int(0)),
            forces_replacement: false,
            doc: "The host port; `0` picks a free one (dynamic port mapping, bridge mode). \
                  In `Awsvpc` and `Host` modes the host port is the container port: leave it \
                  at `0`.",
        },
        FieldSchema {
            name: "protocol",
            ty: ValueType::Enum(&ECS_PORT_PROTOCOL),
            presence: Presence::Default(Literal::Str("tcp")),
            forces_replacement: false,
            doc: "`Tcp` or `Udp`.",
        },
    ],
    rules: &[],
};

/// One container of a task definition.
pub static ECS_CONTAINER_DEFINITION: BlockSchema = BlockSchema {
    name: "ecs::ContainerDefinition",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The container name, unique in the task definition.",
        },
        FieldSchema {
            name: "image",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The image, such as `<account>.dkr.ecr.<region>.amazonaws.com/app:1.0`.",
        },
        FieldSchema {
            name: "cpu",
            ty: ValueType::Int {
                min: 0,
                max: 10_240,
            },
            presence: Presence::Default(Literal::Int(0)),
            forces_replacement: false,
            doc: "CPU units reserved for the container (1024 to a vCPU).",
        },
        FieldSchema {
            name: "memory",
            ty: ValueType::Int {
                min: 4,
                max: 122_880,
            },
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The hard memory limit, in MiB; the container is killed past it.",
        },
        FieldSchema {
            name: "memory_reservation",
            ty: ValueType::Int {
                min: 4,
                max: 122_880,
            },
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The soft memory limit, in MiB, reserved for the container.",
        },
        FieldSchema {
            name: "essential",
            ty: ValueType::Bool,
            presence: Presence::Default(Literal::Bool(true)),
            forces_replacement: false,
            doc: "Whether the task stops when this container stops.",
        },
        FieldSchema {
            name: "port_mappings",
            ty: ValueType::List(&ValueType::Block(&ECS_PORT_MAPPING)),
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The ports the container publishes.",
        },
        FieldSchema {
            name: "environment",
            ty: ValueType::Tags,
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "Environment variables, name to value.",
        },
        FieldSchema {
            name: "log_group",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The CloudWatch Logs group the `awslogs` driver writes to.",
        },
        FieldSchema {
            name: "log_stream_prefix",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The prefix of the container's log stream names.",
        },
        FieldSchema {
            name: "log_region",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The region of the log group; the stack's region when absent.",
        },
    ],
    rules: &[],
};

/// `ecs::TaskDefinition`.
pub static ECS_TASK_DEFINITION: ResourceSchema = ResourceSchema {
    path: "ecs::TaskDefinition",
    type_name: "aws_ecs_task_definition",
    taggable: true,
    doc: "An ECS task definition; any change registers a new revision.",
    fields: &[
        FieldSchema {
            name: "family",
            ty: ValueType::Name(ecs_name("ECS task definition family")),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The family, which the revisions of a task definition share.",
        },
        FieldSchema {
            name: "network_mode",
            ty: ValueType::Enum(&ECS_NETWORK_MODE),
            presence: Presence::Default(Literal::Str("bridge")),
            forces_replacement: true,
            doc: "`Bridge`, `Host`, `Awsvpc` or `None`.",
        },
        FieldSchema {
            name: "execution_role_arn",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: true,
            doc: "The role ECS uses to pull images and write logs.",
        },
        FieldSchema {
            name: "task_role_arn",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: true,
            doc: "The role the containers act as.",
        },
        FieldSchema {
            name: "cpu",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: true,
            doc: "The task's CPU units, such as `256` (`1024` is one vCPU); a number, as \
                  AWS stores it.",
        },
        FieldSchema {
            name: "memory",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: true,
            doc: "The task's memory in MiB, such as `512`; a number, as AWS stores it.",
        },
        FieldSchema {
            name: "container_definitions",
            ty: ValueType::List(&ValueType::Block(&ECS_CONTAINER_DEFINITION)),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The task's containers.",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::String,
            doc: "The revision's ARN, which is how AWS identifies it.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The revision's ARN, `…:task-definition/<family>:<revision>`.",
        },
        AttributeSchema {
            name: "revision",
            ty: ValueType::Int {
                min: 1,
                max: 2_147_483_647,
            },
            doc: "The revision number in the family.",
        },
    ],
};

/// How a service's tasks are launched.
pub static ECS_LAUNCH_TYPE: EnumSchema = EnumSchema {
    rust_path: "ecs::LaunchType",
    variants: &[("Ec2", "EC2"), ("Fargate", "FARGATE")],
};

/// A target group a service registers one of its containers' ports with.
pub static ECS_LOAD_BALANCER: BlockSchema = BlockSchema {
    name: "ecs::LoadBalancer",
    fields: &[
        FieldSchema {
            name: "target_group_arn",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The ARN of the target group.",
        },
        FieldSchema {
            name: "container_name",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The container registered, by its name in the task definition.",
        },
        FieldSchema {
            name: "container_port",
            ty: ValueType::Port,
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The container port registered; one of its port mappings.",
        },
    ],
    rules: &[],
};

/// `ecs::Service`.
pub static ECS_SERVICE: ResourceSchema = ResourceSchema {
    path: "ecs::Service",
    type_name: "aws_ecs_service",
    taggable: true,
    doc: "An ECS service: keeps a number of tasks of a task definition running.",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::Name(ecs_name("ECS service name")),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The service name, unique in its cluster.",
        },
        FieldSchema {
            name: "cluster",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The ARN of the cluster the service runs in (`cluster.arn`), the form AWS \
                  reports.",
        },
        FieldSchema {
            name: "task_definition",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The ARN of the task definition revision to run.",
        },
        FieldSchema {
            name: "desired_count",
            ty: ValueType::Int {
                min: 0,
                max: 10_000,
            },
            presence: Presence::Default(Literal::Int(1)),
            forces_replacement: false,
            doc: "The number of tasks to keep running.",
        },
        FieldSchema {
            name: "launch_type",
            ty: ValueType::Enum(&ECS_LAUNCH_TYPE),
            presence: Presence::Optional,
            forces_replacement: true,
            doc: "`Ec2` or `Fargate`; leave it out to use a capacity provider.",
        },
        FieldSchema {
            name: "capacity_provider",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The capacity provider tasks are placed with; the cluster's default when \
                  absent.",
        },
        FieldSchema {
            name: "load_balancers",
            ty: ValueType::List(&ValueType::Block(&ECS_LOAD_BALANCER)),
            presence: Presence::Optional,
            forces_replacement: true,
            doc: "The target groups the service registers its tasks with.",
        },
        FieldSchema {
            name: "health_check_grace_period",
            ty: ValueType::Int {
                min: 0,
                max: 2_147_483_647,
            },
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "Seconds after a task starts before failed load balancer health checks count.",
        },
        FieldSchema {
            name: "deployment_minimum_healthy_percent",
            ty: ValueType::Int { min: 0, max: 100 },
            presence: Presence::Default(Literal::Int(100)),
            forces_replacement: false,
            doc: "The share of `desired_count` kept running during a deployment, in percent.",
        },
        FieldSchema {
            name: "deployment_maximum_percent",
            ty: ValueType::Int { min: 100, max: 200 },
            presence: Presence::Default(Literal::Int(200)),
            forces_replacement: false,
            doc: "The most tasks during a deployment, in percent of `desired_count`.",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::String,
            doc: "The service's ARN, which is how AWS identifies it.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The service's ARN.",
        },
        AttributeSchema {
            name: "name",
            ty: ValueType::String,
            doc: "The service name.",
        },
    ],
};
