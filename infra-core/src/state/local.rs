//! The local backend: the state in a JSON file, its journal, backup and lock
//! in files beside it.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{LockInfo, State, StateBackend, StateError, Step};
use crate::model::Stack;

/// State in a local JSON file (`app.infra-state.json`), with beside it:
///
/// - `….journal`: the steps of the run in progress, one JSON line each, synced
///   to disk before the engine goes on, so a killed run loses nothing;
/// - `….backup`: the previous full state, kept by every full write;
/// - `….lock`: the lock, an OS file lock that dies with its holder (a killed
///   run never blocks the next one), and the holder's name inside.
///
/// Full writes are atomic: the new content goes to a temporary file beside the
/// state, is flushed to disk, and is renamed over the old one, so a crash leaves
/// either the old state or the new, never half of one.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// use infra_core::LocalState;
///
/// let state = LocalState::new(dir.path().join("demo.infra-state.json"));
/// assert!(state.journal_path().ends_with("demo.infra-state.json.journal"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LocalState {
    path: PathBuf,
    /// The lock file while this process holds the lock: the OS lock lasts as
    /// long as the handle.
    held: Arc<Mutex<Option<File>>>,
}

/// One line of the journal: a step, and the state it follows.
#[derive(Debug, Serialize, Deserialize)]
struct JournalLine {
    /// The lineage of the state the step applies to.
    lineage: String,
    /// The serial of the state the step applies to: lines chain, and lines left
    /// from before the last full write (a crash between the write and the
    /// journal's removal) do not.
    serial: u64,
    #[serde(flatten)]
    step: Step,
}

impl LocalState {
    /// State kept at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        LocalState {
            path: path.into(),
            held: Arc::new(Mutex::new(None)),
        }
    }

    /// Where the state lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The journal of the run in progress (or of one that died).
    pub fn journal_path(&self) -> PathBuf {
        self.beside("journal")
    }

    /// The previous full state.
    pub fn backup_path(&self) -> PathBuf {
        self.beside("backup")
    }

    /// The lock file.
    pub fn lock_path(&self) -> PathBuf {
        self.beside("lock")
    }

    fn beside(&self, suffix: &str) -> PathBuf {
        let mut name = self
            .path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_else(|| "state".into());
        name.push(".");
        name.push(suffix);
        self.path.with_file_name(name)
    }

    /// The state of `stack`: the file's content with the journal's steps
    /// applied, or an empty state when there is no file yet.
    pub fn load(&self, stack: &Stack) -> Result<State, StateError> {
        let mut state = match self.read_full()? {
            Some(state) => state,
            None => State::new(stack),
        };
        state.check(stack, &self.location())?;
        for line in self.read_journal()? {
            if line.lineage == state.lineage && line.serial == state.serial {
                state.apply_step(line.step);
            }
        }
        Ok(state)
    }

    /// The full state file, if there is one.
    fn read_full(&self) -> Result<Option<State>, StateError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(self.io(&self.path, source)),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|source| StateError::Corrupt {
                location: self.location(),
                reason: source.to_string(),
            })
    }

    /// The journal's lines. A last line without its newline is a write the
    /// process died in: it never happened, and is left out.
    fn read_journal(&self) -> Result<Vec<JournalLine>, StateError> {
        let path = self.journal_path();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(self.io(&path, source)),
        };
        let complete = match text.rfind('\n') {
            Some(end) => &text[..end],
            None => "",
        };
        complete
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                serde_json::from_str(line).map_err(|source| StateError::Corrupt {
                    location: path.display().to_string(),
                    reason: source.to_string(),
                })
            })
            .collect()
    }

    fn write_atomically(&self, bytes: &[u8]) -> io::Result<()> {
        let dir = self.dir();
        fs::create_dir_all(&dir)?;
        let file_name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "state".to_owned());
        let temporary = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
        let mut file = File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temporary, &self.path)?;
        sync_dir(&dir)
    }

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        }
    }

    fn io(&self, path: &Path, source: io::Error) -> StateError {
        StateError::Io {
            path: path.to_owned(),
            source,
        }
    }

    /// Who holds the lock, as its file says.
    fn holder(&self, file: &mut File) -> LockInfo {
        let mut text = String::new();
        let _ = file.rewind().and_then(|()| file.read_to_string(&mut text));
        serde_json::from_str(&text).unwrap_or_else(|_| LockInfo {
            id: "unknown".to_owned(),
            holder: "another process".to_owned(),
            pid: 0,
            operation: "unknown".to_owned(),
            created: "unknown".to_owned(),
        })
    }
}

/// Cuts a last line that a killed writer left without its newline, so that the
/// next line does not glue onto it (reads ignore such a line already).
fn drop_torn_line(file: &mut File) -> io::Result<()> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    let mut last = [0_u8];
    file.seek(io::SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(());
    }
    let mut text = Vec::new();
    file.rewind()?;
    file.read_to_end(&mut text)?;
    let keep = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    file.set_len(keep as u64)
}

/// Makes a rename or a new file in `dir` durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    let _ = dir;
    Ok(())
}

#[async_trait]
impl StateBackend for LocalState {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    async fn load(&self, stack: &Stack) -> Result<State, StateError> {
        LocalState::load(self, stack)
    }

    async fn append(&self, state: &State, step: &Step) -> Result<(), StateError> {
        let path = self.journal_path();
        let mut line = serde_json::to_vec(&JournalLine {
            lineage: state.lineage.clone(),
            serial: state.serial,
            step: step.clone(),
        })
        .map_err(|source| StateError::Corrupt {
            location: path.display().to_string(),
            reason: source.to_string(),
        })?;
        line.push(b'\n');
        let write = || -> io::Result<()> {
            fs::create_dir_all(self.dir())?;
            let mut file = OpenOptions::new()
                .create(true)
                .read(true)
                .append(true)
                .open(&path)?;
            drop_torn_line(&mut file)?;
            file.write_all(&line)?;
            // The step must be on disk before the engine acts on it.
            file.sync_data()
        };
        write().map_err(|source| self.io(&path, source))
    }

    async fn save(&self, state: &mut State, serial_read: u64) -> Result<(), StateError> {
        // Refuse to overwrite what another writer (a run without the lock, a
        // hand edit) put there since this run read it.
        if let Some(stored) = self.read_full()? {
            let mut current = stored.clone();
            for line in self.read_journal()? {
                if line.lineage == current.lineage && line.serial == current.serial {
                    current.apply_step(line.step);
                }
            }
            if stored.lineage != state.lineage || current.serial != serial_read {
                return Err(StateError::Conflict {
                    location: self.location(),
                    expected: serial_read,
                    found: current.serial,
                    lineage: current.lineage,
                });
            }
            // Through a temporary file, so a crash never leaves half a backup.
            let partial = self.beside("backup.tmp");
            fs::copy(&self.path, &partial)
                .and_then(|_| fs::rename(&partial, self.backup_path()))
                .map_err(|source| self.io(&self.backup_path(), source))?;
        }
        state.serial += 1;
        let mut json = serde_json::to_vec_pretty(state).map_err(|source| StateError::Corrupt {
            location: self.location(),
            reason: source.to_string(),
        })?;
        json.push(b'\n');
        self.write_atomically(&json)
            .map_err(|source| self.io(&self.path, source))?;
        // The journal's steps are in the new state now; left behind by a crash
        // here, they no longer chain to its serial and are ignored.
        match fs::remove_file(self.journal_path()) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(self.io(&self.journal_path(), e)),
            _ => Ok(()),
        }
    }

    async fn lock(&self, _stack: &Stack, lock: &LockInfo) -> Result<(), StateError> {
        let path = self.lock_path();
        fs::create_dir_all(self.dir()).map_err(|source| self.io(&path, source))?;
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|source| self.io(&path, source))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StateError::Locked {
                    location: self.location(),
                    holder: Box::new(self.holder(&mut file)),
                })
            }
            Err(TryLockError::Error(source)) => return Err(self.io(&path, source)),
        }
        let info = serde_json::to_vec_pretty(lock).unwrap_or_default();
        let write = |file: &mut File| -> io::Result<()> {
            file.set_len(0)?;
            file.rewind()?;
            file.write_all(&info)?;
            file.sync_data()
        };
        write(&mut file).map_err(|source| self.io(&path, source))?;
        *self.held.lock().unwrap_or_else(|e| e.into_inner()) = Some(file);
        Ok(())
    }

    async fn unlock(&self, _stack: &Stack, _lock: &LockInfo) -> Result<(), StateError> {
        if let Some(file) = self.held.lock().unwrap_or_else(|e| e.into_inner()).take() {
            // Cleared so that nobody reads a released lock's holder; closing the
            // handle releases the OS lock.
            let _ = file.set_len(0);
        }
        Ok(())
    }

    async fn force_unlock(&self, _stack: &Stack, id: &str) -> Result<(), StateError> {
        let path = self.lock_path();
        let mut file = match OpenOptions::new().read(true).write(true).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(StateError::Unlock {
                    location: self.location(),
                    message: "it is not locked".to_owned(),
                })
            }
            Err(source) => return Err(self.io(&path, source)),
        };
        match file.try_lock() {
            Ok(()) => {
                // Nobody holds it: its holder died, and the OS released it then.
                let _ = file.set_len(0);
                Ok(())
            }
            Err(TryLockError::WouldBlock) => {
                let holder = self.holder(&mut file);
                let message = if holder.id == id {
                    format!(
                        "lock {id} is held by a running process ({holder}); a local lock is \
                         released when its process ends: stop that process instead"
                    )
                } else {
                    format!("the lock held is {}, not {id}", holder.id)
                };
                Err(StateError::Unlock {
                    location: self.location(),
                    message,
                })
            }
            Err(TryLockError::Error(source)) => Err(self.io(&path, source)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::Value;
    use crate::state::{Intent, ResourceState};

    fn stack() -> Stack {
        Stack::builder("demo", "eu-west-2")
            .build()
            .expect("empty stack is valid")
    }

    fn vpc(id: &str) -> ResourceState {
        ResourceState {
            type_name: "aws_ec2_vpc".into(),
            id: id.into(),
            inputs: BTreeMap::new(),
            attributes: [("id".to_owned(), Value::from(id))].into(),
            dependencies: vec![],
        }
    }

    #[tokio::test]
    async fn round_trips_journal_and_backup() {
        let dir = tempfile::tempdir().expect("temp dir");
        let backend = LocalState::new(dir.path().join("nested/state.json"));
        let mut state = backend.load(&stack()).expect("missing file is empty state");
        assert_eq!(state.serial, 0);
        StateBackend::save(&backend, &mut state, 0)
            .await
            .expect("saved");
        assert_eq!(state.serial, 1);

        // Steps go to the journal and are part of the state when it is read.
        for step in [
            Step::Intent {
                resource: "vpc".into(),
                intent: Intent {
                    type_name: "aws_ec2_vpc".into(),
                    inputs: BTreeMap::new(),
                    dependencies: vec![],
                },
            },
            Step::Recorded {
                resource: "vpc".into(),
                record: vpc("vpc-1"),
            },
        ] {
            backend.append(&state, &step).await.expect("appended");
            state.apply_step(step);
        }
        let loaded = backend.load(&stack()).expect("loaded");
        assert_eq!(loaded, state);
        assert_eq!(loaded.serial, 3);
        assert!(loaded.pending.is_empty());

        // A full write folds the journal in and keeps the previous file.
        StateBackend::save(&backend, &mut state, 3)
            .await
            .expect("saved");
        assert!(!backend.journal_path().exists());
        let backup: State =
            serde_json::from_str(&fs::read_to_string(backend.backup_path()).expect("backup"))
                .expect("backup parses");
        assert_eq!(backup.serial, 1);
        assert_eq!(backend.load(&stack()).expect("loaded").serial, 4);

        let leftovers: Vec<_> = fs::read_dir(dir.path().join("nested"))
            .expect("dir")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "no temporary file is left behind");
    }

    #[tokio::test]
    async fn a_torn_last_line_and_stale_lines_are_ignored() {
        let dir = tempfile::tempdir().expect("temp dir");
        let backend = LocalState::new(dir.path().join("state.json"));
        let mut state = State::new(&stack());
        StateBackend::save(&backend, &mut state, 0)
            .await
            .expect("saved");
        let step = Step::Recorded {
            resource: "vpc".into(),
            record: vpc("vpc-1"),
        };
        backend.append(&state, &step).await.expect("appended");
        // A line from an older full state, and a write cut short by a kill.
        let mut journal = OpenOptions::new()
            .append(true)
            .open(backend.journal_path())
            .expect("journal");
        writeln!(
            journal,
            r#"{{"lineage":"{}","serial":0,"step":"deleted","resource":"vpc"}}"#,
            state.lineage
        )
        .expect("written");
        write!(journal, r#"{{"lineage":"{}","ser"#, state.lineage).expect("written");
        let loaded = backend.load(&stack()).expect("loads");
        assert_eq!(loaded.resources["vpc"].id, "vpc-1");
        assert_eq!(loaded.serial, 2);

        // The next run's steps do not glue onto the torn line.
        let mut state = loaded;
        let step = Step::Deleted {
            resource: "vpc".into(),
        };
        backend.append(&state, &step).await.expect("appended");
        state.apply_step(step);
        assert_eq!(backend.load(&stack()).expect("loads"), state);
    }

    #[tokio::test]
    async fn refuses_another_stacks_state_garbage_and_concurrent_writers() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.json");
        let backend = LocalState::new(&path);
        let other = Stack::builder("other", "eu-west-2").build().expect("valid");
        StateBackend::save(&backend, &mut State::new(&other), 0)
            .await
            .expect("saved");
        let error = backend
            .load(&stack())
            .expect_err("must be refused")
            .to_string();
        assert!(error.contains("`other`"), "{error}");

        // Someone else wrote since this run read serial 0.
        let mut stale = State::new(&other);
        stale.lineage = backend.load(&other).expect("loads").lineage;
        let error = StateBackend::save(&backend, &mut stale, 0)
            .await
            .expect_err("must be refused");
        assert!(
            matches!(error, StateError::Conflict { found: 1, .. }),
            "{error}"
        );

        fs::write(&path, "{ not json").expect("written");
        let error = backend.load(&stack()).expect_err("must be refused");
        assert!(matches!(error, StateError::Corrupt { .. }), "{error}");
        assert!(error.to_string().contains("backup"), "{error}");
    }

    #[tokio::test]
    async fn a_second_holder_is_refused_at_once_with_the_holders_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.json");
        let first = LocalState::new(&path);
        let second = LocalState::new(&path);
        let lock = LockInfo::new("apply");
        first.lock(&stack(), &lock).await.expect("locked");

        let error = second
            .lock(&stack(), &LockInfo::new("plan"))
            .await
            .expect_err("held");
        let StateError::Locked { holder, .. } = &error else {
            panic!("locked, got {error}");
        };
        assert_eq!(**holder, lock);
        assert!(error.to_string().contains("running `apply`"), "{error}");
        // A live holder's lock is not forced.
        assert!(second.force_unlock(&stack(), &lock.id).await.is_err());

        first.unlock(&stack(), &lock).await.expect("unlocked");
        second
            .lock(&stack(), &LockInfo::new("plan"))
            .await
            .expect("free again");
    }
}
