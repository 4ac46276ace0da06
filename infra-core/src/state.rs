//! What the engine knows exists: one record per managed resource, kept in a local
//! JSON file written atomically.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{Reference, Stack, Value};

/// The state format this version reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Every resource the engine manages for one stack, as last seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// The format of this file.
    pub format_version: u32,
    /// Grows by one on every write.
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
        }
    }

    /// The recorded value `reference` points at, if known.
    pub fn lookup(&self, reference: &Reference) -> Option<Value> {
        self.resources
            .get(&reference.resource)?
            .get(&reference.attribute)
            .cloned()
    }
}

/// Why state could not be read or written.
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
    /// The file is not a state this version understands.
    #[error("state file {path} is not valid state: {source}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        source: serde_json::Error,
    },
    /// The file belongs to another stack or another format.
    #[error("state file {path}: {reason}")]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// What does not match.
        reason: String,
    },
}

/// State in a local JSON file, replaced atomically on every write: the new
/// content goes to a temporary file beside it, is flushed to disk, and is renamed
/// over the old one, so a crash leaves either the old state or the new, never
/// half of one.
#[derive(Debug, Clone)]
pub struct LocalState {
    path: PathBuf,
}

impl LocalState {
    /// State kept at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        LocalState { path: path.into() }
    }

    /// Where the state lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The state of `stack`: the file's content, or an empty state when there is
    /// no file yet.
    pub fn load(&self, stack: &Stack) -> Result<State, StateError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(State::new(stack)),
            Err(source) => return Err(self.io(source)),
        };
        let state: State = serde_json::from_str(&text).map_err(|source| StateError::Corrupt {
            path: self.path.clone(),
            source,
        })?;
        let mismatch = |reason: String| StateError::Mismatch {
            path: self.path.clone(),
            reason,
        };
        if state.format_version != FORMAT_VERSION {
            return Err(mismatch(format!(
                "format version {} is not the supported version {FORMAT_VERSION}",
                state.format_version
            )));
        }
        if state.stack != stack.name() || state.region != stack.region() {
            return Err(mismatch(format!(
                "it holds stack `{}` in {}, not `{}` in {}; pass another --state path",
                state.stack,
                state.region,
                stack.name(),
                stack.region()
            )));
        }
        Ok(state)
    }

    /// Writes `state` with its serial increased by one.
    pub fn save(&self, state: &mut State) -> Result<(), StateError> {
        state.serial += 1;
        let mut json = serde_json::to_vec_pretty(state).map_err(|source| StateError::Corrupt {
            path: self.path.clone(),
            source,
        })?;
        json.push(b'\n');
        self.write_atomically(&json)
            .map_err(|source| self.io(source))
    }

    fn write_atomically(&self, bytes: &[u8]) -> io::Result<()> {
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir)?;
        let file_name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "state".to_owned());
        let temporary = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
        let mut file = fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temporary, &self.path)?;
        // The rename itself must reach the disk too.
        #[cfg(unix)]
        fs::File::open(&dir)?.sync_all()?;
        Ok(())
    }

    fn io(&self, source: io::Error) -> StateError {
        StateError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack() -> Stack {
        Stack::builder("demo", "eu-west-2")
            .build()
            .expect("empty stack is valid")
    }

    #[test]
    fn round_trips_and_counts_writes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let backend = LocalState::new(dir.path().join("nested/state.json"));
        let mut state = backend.load(&stack()).expect("missing file is empty state");
        assert_eq!(state.serial, 0);
        state.resources.insert(
            "vpc".into(),
            ResourceState {
                type_name: "aws_ec2_vpc".into(),
                id: "vpc-1".into(),
                inputs: BTreeMap::new(),
                attributes: [("id".to_owned(), Value::from("vpc-1"))].into(),
                dependencies: vec![],
            },
        );
        backend.save(&mut state).expect("saved");
        backend.save(&mut state).expect("saved");
        let loaded = backend.load(&stack()).expect("loaded");
        assert_eq!(loaded, state);
        assert_eq!(loaded.serial, 2);
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("nested"))
            .expect("dir")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "no temporary file is left behind");
    }

    #[test]
    fn refuses_another_stacks_state_and_garbage() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.json");
        let backend = LocalState::new(&path);
        let other = Stack::builder("other", "eu-west-2").build().expect("valid");
        backend.save(&mut State::new(&other)).expect("saved");
        let error = backend
            .load(&stack())
            .expect_err("must be refused")
            .to_string();
        assert!(error.contains("`other`"), "{error}");

        fs::write(&path, "{ not json").expect("written");
        assert!(matches!(
            backend.load(&stack()),
            Err(StateError::Corrupt { .. })
        ));
    }
}
