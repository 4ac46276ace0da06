//! The engine of `infra`: a typed resource model, its dependency graph, plans as
//! plain data, apply and destroy along the graph, and state kept on disk.
//!
//! The pipeline is the one Terraform users know:
//!
//! 1. [`model`]: a [`Stack`] of declared resources, usually built by the
//!    `stack!` macro, whose field values may reference other resources.
//! 2. [`graph`]: the dependency graph those references make.
//! 3. [`plan`]: refresh the recorded [`state`] against the cloud, then diff it with
//!    the declaration into a [`Plan`]: for each resource an [`Action`] and the
//!    before and after value of each field.
//! 4. [`apply`]: execute exactly that plan along the graph, independent resources
//!    concurrently, saving state after every step.
//!
//! The cloud is reached through a [`Provider`]; the AWS one (feature `aws` and one
//! feature per AWS service) lives in [`provider::aws`]. Everything else here builds
//! without the AWS SDK.
//!
//! ```
//! use infra_core::{plan, Stack, State};
//!
//! let mut builder = Stack::builder("demo", "eu-west-2");
//! builder
//!     .resource("vpc", "ec2::Vpc")?
//!     .set("cidr_block", "10.0.0.0/16");
//! let stack = builder.build()?;
//!
//! let plan = plan::diff(&stack, &State::new(&stack))?;
//! assert_eq!(plan.summary().to_add, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod apply;
pub mod engine;
pub mod graph;
pub mod model;
pub mod plan;
pub mod provider;
pub mod state;
pub mod types;
mod walk;

pub use apply::{ApplyError, ApplyOptions, ApplyReport, Event};
pub use engine::{Engine, EngineError};
pub use model::{Expr, Reference, ResourceDecl, Stack, StackBuilder, StackError, Value};
pub use plan::{Action, Plan, PlanError, Planned};
pub use provider::{Observed, Provider, ProviderError, ResourceRequest};
pub use state::{
    Intent, LocalState, LockInfo, ResourceState, State, StateBackend, StateError, Step,
};

/// The tag key every taggable resource carries with its stack's name.
pub const STACK_TAG: &str = "infra:stack";
/// The tag key every taggable resource carries with its name in the stack.
pub const RESOURCE_TAG: &str = "infra:resource";
