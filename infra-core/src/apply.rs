//! Executes an approved plan along the graph: deletions first, dependents before
//! what they depend on; then creations and updates, dependencies first;
//! independent resources concurrently. Every step is made durable as it happens
//! (the intent before a create, the result after each operation), so an
//! interrupted apply loses nothing it did, and what it was doing is found again.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::model::{Reference, Value};
use crate::plan::{Action, Plan, ResourceChange};
use crate::provider::{Provider, ProviderError, ResourceRequest};
use crate::state::{Intent, ResourceState, State, StateBackend, StateError, Step};
use crate::walk::{walk, Outcome};

/// How often an operation still in flight is reported ([`Event::Progress`]),
/// unless [`ApplyOptions::progress_every`] says otherwise.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// How many resources apply works on at once.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// What happens during an apply, for progress displays.
/// New kinds of events may come in later versions: match with a `_` arm.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// Work on a resource started.
    Started {
        /// The resource's name in the stack.
        resource: String,
        /// What is being done (for a replacement: `Delete`, then `Create`).
        action: Action,
    },
    /// Work on a resource finished.
    Finished {
        /// The resource's name in the stack.
        resource: String,
        /// What was done.
        action: Action,
        /// The id AWS gave it (empty for a deletion).
        id: String,
        /// How long it took.
        elapsed: Duration,
    },
    /// Work on a resource is still going on (every [`PROGRESS_EVERY`] by
    /// default): a load
    /// balancer becoming active, an Auto Scaling group draining.
    Progress {
        /// The resource's name in the stack.
        resource: String,
        /// What is being done.
        action: Action,
        /// How long it has taken so far.
        elapsed: Duration,
    },
    /// Work on a resource failed.
    Failed {
        /// The resource's name in the stack.
        resource: String,
        /// What was being done.
        action: Action,
        /// What went wrong.
        error: String,
    },
}

/// What an apply did.
#[derive(Debug, Default)]
pub struct ApplyReport {
    /// Each resource worked on, with what was done.
    pub done: Vec<(String, Action)>,
    /// How long the whole apply took.
    pub elapsed: Duration,
}

/// One resource that could not be brought to its planned state.
#[derive(Debug)]
pub struct ResourceFailure {
    /// The resource's name in the stack.
    pub resource: String,
    /// Its type.
    pub type_name: String,
    /// What was being done.
    pub action: Action,
    /// What the provider said.
    pub error: ProviderError,
}

impl fmt::Display for ResourceFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.action {
            Action::Create | Action::Replace => "creating",
            Action::Update => "updating",
            Action::Delete => "deleting",
            Action::NoOp => "reading",
        };
        write!(
            f,
            "{verb} `{}` ({}): {}",
            self.resource, self.type_name, self.error
        )
    }
}

/// Why an apply did not complete.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The state changed since the plan was made.
    #[error("the plan is stale: it was made from state serial {planned} of lineage {lineage}, and the state is now at serial {current}; plan again")]
    StalePlan {
        /// The lineage the plan was made from.
        lineage: String,
        /// The serial the plan was made from.
        planned: u64,
        /// The serial of the state now.
        current: u64,
    },
    /// Reading or writing state failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// Some resources failed; everything that did not depend on them completed
    /// and is recorded in state.
    #[error("{} failed:\n{}", plural(.failures.len()), .failures.iter().map(|f| format!("  - {f}")).collect::<Vec<_>>().join("\n"))]
    Failed {
        /// Each failed resource, once (its dependents were skipped, not failed).
        failures: Vec<ResourceFailure>,
        /// What completed.
        report: ApplyReport,
    },
}

fn plural(n: usize) -> String {
    if n == 1 {
        "1 resource".to_owned()
    } else {
        format!("{n} resources")
    }
}

/// How an apply runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplyOptions {
    /// How many resources are worked on at once (at least one).
    pub concurrency: usize,
    /// How often an operation still in flight is reported.
    pub progress_every: Duration,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            concurrency: DEFAULT_CONCURRENCY,
            progress_every: PROGRESS_EVERY,
        }
    }
}

/// Executes `plan` against `provider`, recording every step in `backend`.
pub async fn execute(
    plan: &Plan,
    provider: &dyn Provider,
    backend: &dyn StateBackend,
    mut state: State,
    options: ApplyOptions,
    on_event: &(dyn Fn(&Event) + Sync),
) -> Result<ApplyReport, ApplyError> {
    let concurrency = options.concurrency.max(1);
    if state.serial == 0 && plan.serial == 0 {
        // No state was ever written: the plan's lineage, drawn when it was made
        // from the same empty state, becomes the state's.
        state.lineage.clone_from(&plan.lineage);
    }
    if state.lineage != plan.lineage || state.serial != plan.serial {
        return Err(ApplyError::StalePlan {
            lineage: plan.lineage.clone(),
            planned: plan.serial,
            current: state.serial,
        });
    }
    let started = Instant::now();
    if state.serial == 0 {
        // The journal's steps chain to a state on disk: write the empty one
        // first, so that the lineage they name is the one a crash leaves.
        backend.save(&mut state, 0).await?;
    }
    let serial_at_start = state.serial;
    for name in &plan.vanished {
        if state.resources.contains_key(name) {
            let step = Step::Deleted {
                resource: name.clone(),
            };
            backend.append(&state, &step).await?;
            state.apply_step(step);
        }
    }
    let run = Run {
        plan,
        provider,
        backend,
        state: tokio::sync::Mutex::new(state),
        progress_every: options.progress_every,
        on_event,
        failures: Mutex::new(Vec::new()),
        done: Mutex::new(Vec::new()),
        save_errors: Mutex::new(Vec::new()),
    };

    // Phase 1: deletions (and the deleting half of replacements), each after
    // everything that depends on it.
    let deleting: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| {
            c.action == Action::Delete || (c.action == Action::Replace && !c.create_before_destroy)
        })
        .collect();
    let mut waits: BTreeMap<&str, Vec<&str>> = deleting
        .iter()
        .map(|c| (c.name.as_str(), Vec::new()))
        .collect();
    for change in &deleting {
        let dependencies = change
            .prior
            .as_ref()
            .map(|p| p.dependencies.as_slice())
            .unwrap_or_default();
        for dependency in dependencies {
            if let Some(waiting) = waits.get_mut(dependency.as_str()) {
                waiting.push(change.name.as_str());
            }
        }
    }
    let deleted = walk(
        &waits,
        concurrency,
        |name| run.delete(name),
        |name, result| run.record(name, result.as_ref().map(Option::as_ref)),
    )
    .await;
    let failed_deletes: BTreeSet<&str> = deleted
        .iter()
        .filter(|(_, outcome)| !matches!(outcome, Outcome::Done(_)))
        .map(|(name, _)| *name)
        .collect();

    // Phase 2: creations and updates, each after what it depends on.
    let building: BTreeMap<&str, Vec<&str>> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Create | Action::Update | Action::Replace))
        .map(|c| {
            (
                c.name.as_str(),
                c.dependencies.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    let built = walk(
        &building,
        concurrency,
        |name| run.build(name, failed_deletes.contains(name)),
        |name, result| match result {
            Ok(done) => run.record(name, Ok(done.as_ref())),
            Err(Some(error)) => run.record(name, Err(error)),
            // Its deletion failed, and was reported then.
            Err(None) => {}
        },
    )
    .await;

    // Phase 3: the old objects of resources replaced new-first (and any an
    // earlier apply left), once what used them uses the new ones; dependents
    // first. One whose dependents did not all switch over is kept for later.
    let unfinished: BTreeSet<&str> = built
        .iter()
        .filter(|(_, outcome)| !matches!(outcome, Outcome::Done(_)))
        .map(|(name, _)| *name)
        .collect();
    let deposed: Vec<(String, ResourceState)> = run
        .state
        .lock()
        .await
        .deposed
        .iter()
        .map(|(name, record)| (name.clone(), record.clone()))
        .collect();
    let deletable: Vec<&(String, ResourceState)> = deposed
        .iter()
        .filter(|(name, _)| {
            // Still in use: by a change that did not finish (its new or its
            // old configuration), or by a resource whose deletion failed.
            let in_use = |c: &ResourceChange| {
                c.dependencies.contains(name)
                    || c.prior
                        .as_ref()
                        .is_some_and(|p| p.dependencies.contains(name))
            };
            !unfinished.contains(name.as_str())
                && !plan.changes.iter().any(|c| {
                    (unfinished.contains(c.name.as_str())
                        || failed_deletes.contains(c.name.as_str()))
                        && in_use(c)
                })
        })
        .collect();
    let waits: BTreeMap<&str, Vec<&str>> = deletable
        .iter()
        .map(|(name, _)| {
            let dependents = deletable
                .iter()
                .filter(|(_, other)| other.dependencies.contains(name))
                .map(|(other, _)| other.as_str())
                .collect();
            (name.as_str(), dependents)
        })
        .collect();
    walk(
        &waits,
        concurrency,
        |name| run.delete_deposed(name, &deposed),
        |name, result| run.record_deposed(name, result),
    )
    .await;

    // Phase 3: the outputs, from what exists now.
    let mut state = run.state.into_inner();
    let outputs: BTreeMap<String, Value> = plan
        .outputs
        .iter()
        .filter_map(|(name, expr)| {
            let value = expr.resolve(&|reference: &Reference| {
                state.lookup(reference).or_else(|| {
                    plan.lookups
                        .get(&reference.resource)?
                        .get(&reference.attribute)
                        .cloned()
                })
            })?;
            Some((name.clone(), value))
        })
        .collect();
    // One full write folds the run's journal into the state; a run that
    // changed nothing writes nothing, so a plan saved before it stays valid.
    if state.serial != serial_at_start || outputs != state.outputs {
        state.outputs = outputs;
        let serial_read = state.serial;
        if let Err(error) = backend.save(&mut state, serial_read).await {
            run.save_errors
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(error);
        }
    }

    let report = ApplyReport {
        done: run.done.into_inner().unwrap_or_else(|e| e.into_inner()),
        elapsed: started.elapsed(),
    };
    if let Some(error) = run
        .save_errors
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .next()
    {
        return Err(ApplyError::State(error));
    }
    let failures = run.failures.into_inner().unwrap_or_else(|e| e.into_inner());
    if failures.is_empty() {
        Ok(report)
    } else {
        Err(ApplyError::Failed { failures, report })
    }
}

/// How events and reports name the deposed old object of `name`.
fn deposed_name(name: &str) -> String {
    format!("{name} (deposed)")
}

/// The error of a step that could not start because the state cannot be written.
fn unrecorded() -> ProviderError {
    ProviderError::Invalid {
        message: "not started: the state could not be written (see the state error)".to_owned(),
    }
}

/// What one step did (the action, the resource's new record, how long it
/// took), or `None` when there was nothing to do.
type StepResult = Result<Option<(Action, ResourceState, Duration)>, StepError>;

#[derive(Debug)]
struct StepError {
    action: Action,
    error: ProviderError,
}

struct Run<'a> {
    plan: &'a Plan,
    provider: &'a dyn Provider,
    backend: &'a dyn StateBackend,
    /// Held across each journal write, so steps chain in order.
    state: tokio::sync::Mutex<State>,
    progress_every: Duration,
    on_event: &'a (dyn Fn(&Event) + Sync),
    failures: Mutex<Vec<ResourceFailure>>,
    done: Mutex<Vec<(String, Action)>>,
    save_errors: Mutex<Vec<StateError>>,
}

impl Run<'_> {
    /// The change planned for `name` in the deleting phase (`deleting`) or the
    /// building one: a resource whose type changed has one of each.
    fn change(&self, name: &str, deleting: bool) -> &ResourceChange {
        let phase = |c: &&ResourceChange| match c.action {
            Action::Delete => deleting,
            Action::Replace => true,
            Action::Create | Action::Update | Action::NoOp => !deleting,
        };
        self.plan
            .changes
            .iter()
            .filter(|c| c.name == name)
            .find(phase)
            .or_else(|| self.plan.changes.iter().find(|c| c.name == name))
            .expect("the walker only visits planned resources")
    }

    fn started(&self, name: &str, action: Action) {
        (self.on_event)(&Event::Started {
            resource: name.to_owned(),
            action,
        });
    }

    async fn delete(&self, name: &str) -> StepResult {
        let change = self.change(name, true);
        let Some(prior) = &change.prior else {
            return Ok(None);
        };
        if self.cannot_record() {
            return Err(StepError {
                action: Action::Delete,
                error: unrecorded(),
            });
        }
        self.started(name, Action::Delete);
        let started = Instant::now();
        self.with_progress(
            name,
            Action::Delete,
            self.provider.delete(&prior.type_name, &prior.id),
        )
        .await
        .map_err(|error| StepError {
            action: Action::Delete,
            error,
        })?;
        self.persist(Step::Deleted {
            resource: name.to_owned(),
        })
        .await;
        Ok(Some((Action::Delete, prior.clone(), started.elapsed())))
    }

    /// Deletes the deposed old object of `name`.
    async fn delete_deposed(
        &self,
        name: &str,
        deposed: &[(String, ResourceState)],
    ) -> Result<Duration, ProviderError> {
        let Some((_, old)) = deposed.iter().find(|(n, _)| n == name) else {
            return Ok(Duration::ZERO);
        };
        if self.cannot_record() {
            return Err(unrecorded());
        }
        (self.on_event)(&Event::Started {
            resource: deposed_name(name),
            action: Action::Delete,
        });
        let started = Instant::now();
        self.with_progress(
            &deposed_name(name),
            Action::Delete,
            self.provider.delete(&old.type_name, &old.id),
        )
        .await?;
        self.persist(Step::DeposedDeleted {
            resource: name.to_owned(),
        })
        .await;
        Ok(started.elapsed())
    }

    /// Reports the deletion of a deposed object.
    fn record_deposed(&self, name: &str, result: &Result<Duration, ProviderError>) {
        let resource = deposed_name(name);
        match result {
            Ok(elapsed) => {
                self.done
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((resource.clone(), Action::Delete));
                (self.on_event)(&Event::Finished {
                    resource,
                    action: Action::Delete,
                    id: String::new(),
                    elapsed: *elapsed,
                });
            }
            Err(error) => {
                (self.on_event)(&Event::Failed {
                    resource: resource.clone(),
                    action: Action::Delete,
                    error: error.to_string(),
                });
                let type_name = self
                    .plan
                    .changes
                    .iter()
                    .find(|c| c.name == name)
                    .map(|c| c.type_name.clone())
                    .unwrap_or_default();
                self.failures
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(ResourceFailure {
                        resource,
                        type_name,
                        action: Action::Delete,
                        error: error.clone(),
                    });
            }
        }
    }

    /// Creates or updates `name`; `Err(None)` when it cannot start because the
    /// deletion it needed failed (already reported).
    async fn build(
        &self,
        name: &str,
        deletion_failed: bool,
    ) -> Result<Option<(Action, ResourceState, Duration)>, Option<StepError>> {
        if deletion_failed || self.cannot_record() {
            return Err(None);
        }
        let change = self.change(name, false);
        let action = change.action;
        let inputs = self.resolve(change).await.map_err(|error| {
            Some(StepError {
                action: Action::Create,
                error,
            })
        })?;
        let creating = !(change.prior.is_some() && action == Action::Update);
        // Replaced new-first: the old object is kept aside (and deleted in
        // phase 3), and never found or adopted as the new one.
        if creating && change.prior.is_some() && change.create_before_destroy {
            self.persist(Step::Deposed {
                resource: name.to_owned(),
            })
            .await;
        }
        let superseded = if creating {
            self.state
                .lock()
                .await
                .deposed
                .get(name)
                .map(|old| old.id.clone())
        } else {
            None
        };
        let request = ResourceRequest {
            stack: &self.plan.stack,
            name,
            type_name: &change.type_name,
            inputs: &inputs,
            superseded: superseded.as_deref(),
        };
        self.started(
            name,
            if action == Action::Replace {
                Action::Create
            } else {
                action
            },
        );
        let started = Instant::now();
        let observed = match (&change.prior, action) {
            (Some(prior), Action::Update) => {
                self.with_progress(
                    name,
                    action,
                    self.provider.update(&prior.id, &prior.inputs, request),
                )
                .await
            }
            _ => {
                // Recorded before AWS is asked: if the run dies before the
                // result is written, the next plan looks for what it made.
                self.persist(Step::Intent {
                    resource: name.to_owned(),
                    intent: Intent {
                        type_name: change.type_name.clone(),
                        inputs: inputs.clone(),
                        dependencies: change.dependencies.clone(),
                    },
                })
                .await;
                if self.cannot_record() {
                    return Err(Some(StepError {
                        action,
                        error: unrecorded(),
                    }));
                }
                self.with_progress(name, action, self.create_or_adopt(request))
                    .await
            }
        }
        .map_err(|error| Some(StepError { action, error }))?;
        let record = ResourceState {
            type_name: change.type_name.clone(),
            id: observed.id,
            inputs: observed.inputs,
            attributes: observed.attributes,
            dependencies: change.dependencies.clone(),
        };
        self.persist(Step::Recorded {
            resource: name.to_owned(),
            record: record.clone(),
        })
        .await;
        Ok(Some((action, record, started.elapsed())))
    }

    /// Runs `work`, reporting it every `progress_every` while it goes on.
    async fn with_progress<T>(
        &self,
        name: &str,
        action: Action,
        work: impl std::future::Future<Output = T>,
    ) -> T {
        let started = Instant::now();
        let every = self.progress_every.max(Duration::from_millis(1));
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        let mut work = std::pin::pin!(work);
        loop {
            tokio::select! {
                done = &mut work => return done,
                _ = ticks.tick() => (self.on_event)(&Event::Progress {
                    resource: name.to_owned(),
                    action,
                    elapsed: started.elapsed(),
                }),
            }
        }
    }

    /// Makes `step` durable and applies it to the run's state. A failure is kept
    /// for the report, and stops the run from starting anything new: work it
    /// could not record would be lost.
    async fn persist(&self, step: Step) {
        let mut state = self.state.lock().await;
        if self.cannot_record() {
            // A failed write may have landed after all: another line with the
            // same serial would make the journal ambiguous. Memory only now.
            state.apply_step(step);
            return;
        }
        match self.backend.append(&state, &step).await {
            Ok(()) => state.apply_step(step),
            Err(error) => self
                .save_errors
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(error),
        }
    }

    /// Whether a state write failed, so that nothing more may start.
    fn cannot_record(&self) -> bool {
        !self
            .save_errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// Creates the resource, unless an earlier, interrupted apply already made it
    /// (found by its name or ownership tags): then adopts that one and brings it
    /// to the declaration, so a retried create never makes a second resource.
    async fn create_or_adopt(
        &self,
        request: ResourceRequest<'_>,
    ) -> Result<crate::provider::Observed, ProviderError> {
        match self.provider.find(request).await? {
            // A provider that ignored `superseded`: still never the old object.
            Some(found) if Some(found.id.as_str()) == request.superseded => {
                self.provider.create(request).await
            }
            Some(found) => {
                tracing::info!(
                    resource = request.name,
                    id = %found.id,
                    "adopting the resource an interrupted apply created"
                );
                self.provider
                    .update(&found.id, &found.inputs, request)
                    .await
            }
            None => self.provider.create(request).await,
        }
    }

    /// The request's inputs: the declared fields with every reference resolved
    /// against what exists now.
    async fn resolve(
        &self,
        change: &ResourceChange,
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let state = self.state.lock().await;
        let lookup = |reference: &Reference| {
            state.lookup(reference).or_else(|| {
                self.plan
                    .lookups
                    .get(&reference.resource)?
                    .get(&reference.attribute)
                    .cloned()
            })
        };
        change
            .desired
            .iter()
            .map(|(field, expr)| {
                expr.resolve(&lookup)
                    .map(|value| (field.clone(), value))
                    .ok_or_else(|| ProviderError::Invalid {
                        message: format!(
                            "field `{field}` references {}, which has no value yet",
                            expr.references()
                                .iter()
                                .map(|r| format!("`{r}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    })
            })
            .collect()
    }

    /// Reports a finished step (already in state) and keeps it for the report.
    fn record(
        &self,
        name: &str,
        result: Result<Option<&(Action, ResourceState, Duration)>, &StepError>,
    ) {
        let deleting = matches!(result, Ok(Some((Action::Delete, ..))))
            || matches!(
                result,
                Err(StepError {
                    action: Action::Delete,
                    ..
                })
            );
        let change = self.change(name, deleting);
        match result {
            Ok(None) => {}
            Ok(Some((action, record, elapsed))) => {
                self.done
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((name.to_owned(), *action));
                (self.on_event)(&Event::Finished {
                    resource: name.to_owned(),
                    action: *action,
                    id: if *action == Action::Delete {
                        String::new()
                    } else {
                        record.id.clone()
                    },
                    elapsed: *elapsed,
                });
            }
            Err(StepError { action, error }) => {
                (self.on_event)(&Event::Failed {
                    resource: name.to_owned(),
                    action: *action,
                    error: error.to_string(),
                });
                self.failures
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(ResourceFailure {
                        resource: name.to_owned(),
                        type_name: change.type_name.clone(),
                        action: *action,
                        error: error.clone(),
                    });
            }
        }
    }
}
