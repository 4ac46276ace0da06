//! What the engine knows exists: one record per managed resource, where it is
//! kept (a [`StateBackend`]: a local file, or a DynamoDB table a team shares),
//! and the lock that lets one run at a time change it.
//!
//! Writes are incremental. A full state is written at the start and end of a
//! run; between them every step (the intent to create a resource, a resource
//! recorded, one deleted) is appended to a journal, durable before the engine
//! goes on, so that a run killed at any point leaves a state that says what it
//! made — and what it was about to make, which the next plan looks for.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::PathBuf;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::model::{Reference, Stack, Value};

#[cfg(feature = "dynamodb")]
mod dynamodb;
mod local;

#[cfg(feature = "dynamodb")]
pub use dynamodb::DynamoDbState;
pub use local::LocalState;

/// The state format this version reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Every resource the engine manages for one stack, as last seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// The format of this file.
    pub format_version: u32,
    /// Grows by one on every write, journal steps included.
    pub serial: u64,
    /// Fixed when the state is first created; a state of another lineage is
    /// another stack's history.
    pub lineage: String,
    /// The stack's name.
    pub stack: String,
    /// The stack's region.
    pub region: String,
    /// The managed resources, by name in the stack.
    pub resources: BTreeMap<String, ResourceState>,
    /// The stack's outputs, as of the last apply.
    #[serde(default)]
    pub outputs: BTreeMap<String, Value>,
    /// Old objects of resources replaced new-first, still to be deleted: the
    /// apply that replaced them records them here before it creates the new one,
    /// and deletes them once nothing uses them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deposed: BTreeMap<String, ResourceState>,
    /// Creates that started and were never recorded as done: the run died
    /// between the two. The next plan looks for each resource by its ownership
    /// tags and name, records it if AWS made it, and forgets the intent.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pending: BTreeMap<String, Intent>,
}

/// One managed resource, as last seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    /// The resource type's stable name: `aws_ec2_vpc`.
    pub type_name: String,
    /// The id AWS gave it.
    pub id: String,
    /// The managed fields' values.
    pub inputs: BTreeMap<String, Value>,
    /// The computed attributes (`id`, `arn`, …).
    pub attributes: BTreeMap<String, Value>,
    /// The resources it depended on when last applied, for destroy order.
    #[serde(default)]
    pub dependencies: Vec<String>,
}

/// A create about to be sent to AWS, recorded first: enough to find the
/// resource again (its type, and the inputs that hold its name and ownership
/// tags) if the run dies before it records the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    /// The resource type's stable name.
    pub type_name: String,
    /// The inputs the create is sent with, references resolved, tags merged.
    pub inputs: BTreeMap<String, Value>,
    /// The resources it depends on, for destroy order once found.
    #[serde(default)]
    pub dependencies: Vec<String>,
}

/// One step of a run, appended to the journal as it happens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// A create is about to start.
    Intent {
        /// The resource's name in the stack.
        resource: String,
        /// What is being created.
        intent: Intent,
    },
    /// A resource was created, adopted or changed, and is now as recorded.
    Recorded {
        /// The resource's name in the stack.
        resource: String,
        /// Its new record.
        record: ResourceState,
    },
    /// A create that was interrupted made nothing: its intent is dropped.
    Abandoned {
        /// The resource's name in the stack.
        resource: String,
    },
    /// A resource about to be replaced new-first: its current record becomes
    /// deposed, deleted after the new one is in use.
    Deposed {
        /// The resource's name in the stack.
        resource: String,
    },
    /// A deposed object was deleted.
    DeposedDeleted {
        /// The resource's name in the stack.
        resource: String,
    },
    /// A resource was deleted (or found deleted).
    Deleted {
        /// The resource's name in the stack.
        resource: String,
    },
}

impl ResourceState {
    /// The value of a field or attribute of this resource.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.attributes.get(name).or_else(|| self.inputs.get(name))
    }
}

impl State {
    /// An empty state for `stack`, with a fresh lineage.
    pub fn new(stack: &Stack) -> Self {
        State {
            format_version: FORMAT_VERSION,
            serial: 0,
            lineage: uuid::Uuid::new_v4().to_string(),
            stack: stack.name().to_owned(),
            region: stack.region().to_owned(),
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
            deposed: BTreeMap::new(),
            pending: BTreeMap::new(),
        }
    }

    /// The recorded value `reference` points at, if known.
    pub fn lookup(&self, reference: &Reference) -> Option<Value> {
        self.resources
            .get(&reference.resource)?
            .get(&reference.attribute)
            .cloned()
    }

    /// Applies one journal step, and counts it as a write.
    pub fn apply_step(&mut self, step: Step) {
        match step {
            Step::Intent { resource, intent } => {
                self.pending.insert(resource, intent);
            }
            Step::Recorded { resource, record } => {
                self.pending.remove(&resource);
                self.resources.insert(resource, record);
            }
            Step::Deposed { resource } => {
                if let Some(record) = self.resources.remove(&resource) {
                    self.deposed.insert(resource, record);
                }
            }
            Step::DeposedDeleted { resource } => {
                self.deposed.remove(&resource);
            }
            Step::Abandoned { resource } => {
                self.pending.remove(&resource);
            }
            Step::Deleted { resource } => {
                self.pending.remove(&resource);
                self.resources.remove(&resource);
            }
        }
        self.serial += 1;
    }

    /// Checks that this state, read from `location`, belongs to `stack` and is
    /// in a format this version reads.
    fn check(&self, stack: &Stack, location: &str) -> Result<(), StateError> {
        let mismatch = |reason: String| StateError::Mismatch {
            location: location.to_owned(),
            reason,
        };
        if self.format_version != FORMAT_VERSION {
            return Err(mismatch(format!(
                "format version {} is not the supported version {FORMAT_VERSION}",
                self.format_version
            )));
        }
        if self.stack != stack.name() || self.region != stack.region() {
            return Err(mismatch(format!(
                "it holds stack `{}` in {}, not `{}` in {}; pass another --state path",
                self.stack,
                self.region,
                stack.name(),
                stack.region()
            )));
        }
        Ok(())
    }
}

/// Who holds a stack's lock, and for what: shown to anyone who finds it taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// The lock's id, for `force-unlock`.
    pub id: String,
    /// `user@host`.
    pub holder: String,
    /// The holder's process id.
    pub pid: u32,
    /// What the holder is doing: `plan`, `apply`, `destroy`.
    pub operation: String,
    /// When it was taken (RFC 3339, UTC).
    pub created: String,
}

impl LockInfo {
    /// A lock for `operation`, held by this process.
    pub fn new(operation: &str) -> Self {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".to_owned());
        let host = std::env::var("HOSTNAME")
            .ok()
            .filter(|h| !h.is_empty())
            .or_else(|| {
                std::fs::read_to_string("/etc/hostname")
                    .ok()
                    .map(|h| h.trim().to_owned())
            })
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unknown-host".to_owned());
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            holder: format!("{user}@{host}"),
            pid: std::process::id(),
            operation: operation.to_owned(),
            created: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        }
    }
}

impl fmt::Display for LockInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (pid {}) running `{}` since {}, lock id {}",
            self.holder, self.pid, self.operation, self.created, self.id
        )
    }
}

/// Why state could not be read, written or locked.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The file could not be read or written.
    #[error("state file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// The stored state is not a state this version understands.
    #[error(
        "state {location} is not valid state: {reason}; the previous version is kept in its backup"
    )]
    Corrupt {
        /// Where it is kept.
        location: String,
        /// What the parser said.
        reason: String,
    },
    /// The stored state belongs to another stack or another format.
    #[error("state {location}: {reason}")]
    Mismatch {
        /// Where it is kept.
        location: String,
        /// What does not match.
        reason: String,
    },
    /// Someone else wrote the state since it was read: writing would lose their
    /// changes.
    #[error("state {location} changed under this run (it is now serial {found} of lineage {lineage}, this run read serial {expected}); nothing was overwritten, plan again")]
    Conflict {
        /// Where it is kept.
        location: String,
        /// The serial this run read.
        expected: u64,
        /// The serial found.
        found: u64,
        /// The lineage found.
        lineage: String,
    },
    /// Another run holds the stack's lock.
    #[error("state {location} is locked by {holder}; wait for it, or if that run is dead, `force-unlock {}`", holder.id)]
    Locked {
        /// Where it is kept.
        location: String,
        /// Who holds it.
        holder: Box<LockInfo>,
    },
    /// `force-unlock` named a lock that is not the one held.
    #[error("state {location}: {message}")]
    Unlock {
        /// Where it is kept.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// The remote store failed.
    #[error("state {location}: {operation} failed: {message}")]
    Remote {
        /// Where it is kept.
        location: String,
        /// The operation: `PutItem`.
        operation: &'static str,
        /// What AWS said.
        message: String,
    },
}

/// Where a stack's state lives, and its lock: a local file ([`LocalState`], the
/// default), or a DynamoDB table a team and its CI share (`DynamoDbState`).
///
/// The engine calls `lock` before it reads state for a plan, an apply or a
/// destroy, `load` once, `append` after every step, `save` at the end of a run,
/// and `unlock` last.
#[async_trait]
pub trait StateBackend: Send + Sync + fmt::Debug {
    /// Where the state is kept, for messages: a path, a table and key.
    fn location(&self) -> String;

    /// The state of `stack`: the last full state with every journal step after
    /// it applied; an empty state when there is none yet.
    async fn load(&self, stack: &Stack) -> Result<State, StateError>;

    /// Makes one step durable; `state` is the state before the step (its serial
    /// and lineage say what the step follows).
    async fn append(&self, state: &State, step: &Step) -> Result<(), StateError>;

    /// Writes `state` whole with its serial increased by one, keeps the previous
    /// version as a backup, and starts a new journal. Refused with
    /// [`StateError::Conflict`] when the stored state is no longer the one this
    /// run read (`serial_read`).
    async fn save(&self, state: &mut State, serial_read: u64) -> Result<(), StateError>;

    /// Takes the stack's lock for `lock.operation`, or fails at once with
    /// [`StateError::Locked`] naming the holder.
    async fn lock(&self, stack: &Stack, lock: &LockInfo) -> Result<(), StateError>;

    /// Releases the lock this run took.
    async fn unlock(&self, stack: &Stack, lock: &LockInfo) -> Result<(), StateError>;

    /// Releases the lock `id` whatever holds it: for a holder that died.
    async fn force_unlock(&self, stack: &Stack, id: &str) -> Result<(), StateError>;
}
