//! The engine: a stack, a provider and a state backend, and the three things a
//! user does with them: plan, apply, destroy.

use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, StreamExt, TryStreamExt};

use crate::apply::{self, ApplyError, ApplyOptions, ApplyReport, Event};
use std::collections::BTreeMap;

use crate::model::{Stack, StackError};
use crate::plan::{self, LookupValues, Plan, PlanError};
use crate::provider::{Provider, ProviderError, ResourceRequest};
use crate::state::{LockInfo, ResourceState, State, StateBackend, StateError};

/// Why the engine could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Reading or writing state failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// The plan could not be made.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The stack, or a value given for its inputs, is not valid.
    #[error(transparent)]
    Stack(#[from] StackError),
    /// Reading a resource's live values failed.
    #[error("refreshing `{resource}` ({type_name}, {id}): {error}")]
    Refresh {
        /// The resource's name in the stack.
        resource: String,
        /// Its type.
        type_name: String,
        /// Its id.
        id: String,
        /// What the provider said.
        error: Box<ProviderError>,
    },
    /// Reading a lookup failed.
    #[error("reading lookup `{lookup}` ({type_name}): {error}")]
    Lookup {
        /// The lookup's name in the stack.
        lookup: String,
        /// Its type.
        type_name: String,
        /// What the provider said.
        error: Box<ProviderError>,
    },
    /// Apply did not complete.
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// An import cannot be done.
    #[error("importing `{resource}`: {message}")]
    Import {
        /// The resource's name in the stack.
        resource: String,
        /// Why not.
        message: String,
    },
}

/// Plans, applies and destroys one stack.
///
/// ```no_run
/// # async fn run(stack: infra_core::Stack, provider: impl infra_core::Provider + 'static) -> Result<(), infra_core::EngineError> {
/// use infra_core::{Engine, LocalState};
///
/// let engine = Engine::new(stack, provider, LocalState::new("demo.state.json"));
/// let plan = engine.plan().await?;
/// print!("{}", plan.render());
/// engine.apply(&plan, &|event| println!("{event:?}")).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    stack: Stack,
    provider: Arc<dyn Provider>,
    backend: Arc<dyn StateBackend>,
    options: ApplyOptions,
    refresh: bool,
    inputs: BTreeMap<String, String>,
}

impl Engine {
    /// An engine for `stack`, managing it through `provider`, its state in
    /// `backend` ([`LocalState`](crate::LocalState) or a shared one).
    pub fn new(
        stack: Stack,
        provider: impl Provider + 'static,
        backend: impl StateBackend + 'static,
    ) -> Self {
        Engine {
            stack,
            provider: Arc::new(provider),
            backend: Arc::new(backend),
            options: ApplyOptions::default(),
            refresh: true,
            inputs: BTreeMap::new(),
        }
    }

    /// Works on at most `limit` resources at once (at least one).
    pub fn with_concurrency(mut self, limit: usize) -> Self {
        self.options.concurrency = limit.max(1);
        self
    }

    /// Reports an operation still in flight every `every` (10 s by default), as
    /// [`Event::Progress`].
    pub fn with_progress_every(mut self, every: Duration) -> Self {
        self.options.progress_every = every;
        self
    }

    /// Whether plans first read the live values of recorded resources (the
    /// default, as `terraform plan`); without it plans compare with the state
    /// file alone and need no cloud access.
    pub fn with_refresh(mut self, refresh: bool) -> Self {
        self.refresh = refresh;
        self
    }

    /// Values for the stack's inputs, as text (`--var NAME=VALUE`); inputs not
    /// given take their defaults. Checked when planning, before any AWS call.
    pub fn with_inputs(mut self, inputs: BTreeMap<String, String>) -> Self {
        self.inputs = inputs;
        self
    }

    /// The stack.
    pub fn stack(&self) -> &Stack {
        &self.stack
    }

    /// The state backend.
    pub fn backend(&self) -> &dyn StateBackend {
        self.backend.as_ref()
    }

    /// The outputs recorded by the last apply.
    pub async fn outputs(&self) -> Result<BTreeMap<String, crate::Value>, EngineError> {
        Ok(self.state().await?.outputs)
    }

    /// The recorded state, as last written (read without the lock: a snapshot).
    pub async fn state(&self) -> Result<State, EngineError> {
        Ok(self.backend.load(&self.stack).await?)
    }

    /// The plan that brings the cloud to what the stack declares.
    ///
    /// Holds the stack's lock while it reads; first looks for what an
    /// interrupted apply was creating (see [`State::pending`]) and records it.
    pub async fn plan(&self) -> Result<Plan, EngineError> {
        let stack = self.stack.bind(&self.inputs)?;
        self.locked("plan", async {
            let state = self.recovered().await?;
            let (state, vanished) = self.refreshed(state).await?;
            let lookups = if self.refresh {
                self.read_lookups(&stack).await?
            } else {
                LookupValues::new()
            };
            let mut plan = plan::diff_with_lookups(&stack, &state, &lookups)?;
            plan.vanished = vanished;
            Ok(plan)
        })
        .await
    }

    /// The plan that deletes everything the stack has made.
    pub async fn plan_destroy(&self) -> Result<Plan, EngineError> {
        self.locked("plan", async {
            let state = self.recovered().await?;
            let (state, vanished) = self.refreshed(state).await?;
            let mut plan = plan::destroy(&state);
            plan.vanished = vanished;
            Ok(plan)
        })
        .await
    }

    /// Executes `plan`, exactly: it is refused if the state changed since it was
    /// made. `on_event` sees each resource start, finish or fail. Holds the
    /// stack's lock throughout.
    pub async fn apply(
        &self,
        plan: &Plan,
        on_event: &(dyn Fn(&Event) + Sync),
    ) -> Result<ApplyReport, EngineError> {
        let operation = if plan
            .changes
            .iter()
            .all(|c| c.action == crate::Action::Delete)
            && !plan.changes.is_empty()
        {
            "destroy"
        } else {
            "apply"
        };
        self.locked(operation, async {
            let state = self.backend.load(&self.stack).await?;
            Ok(apply::execute(
                plan,
                self.provider.as_ref(),
                self.backend.as_ref(),
                state,
                self.options,
                on_event,
            )
            .await?)
        })
        .await
    }

    /// Executes `plan` as [`Engine::apply`] does, and hands out its events as a
    /// stream, for programs that render or forward them (a progress UI, a chat
    /// bot, CI logs). The stream ends when the apply does; drive both at once.
    ///
    /// ```no_run
    /// # async fn run(engine: infra_core::Engine) -> Result<(), infra_core::EngineError> {
    /// use futures::StreamExt;
    ///
    /// let plan = engine.plan().await?;
    /// let (events, applying) = engine.apply_events(&plan);
    /// let (report, ()) = futures::join!(applying, events.for_each(|event| async move {
    ///     println!("{event:?}");
    /// }));
    /// println!("done in {:?}", report?.elapsed);
    /// # Ok(()) }
    /// ```
    pub fn apply_events<'a>(
        &'a self,
        plan: &'a Plan,
    ) -> (
        futures::channel::mpsc::UnboundedReceiver<Event>,
        impl std::future::Future<Output = Result<ApplyReport, EngineError>> + 'a,
    ) {
        let (sender, receiver) = futures::channel::mpsc::unbounded();
        let applying = async move {
            // A receiver dropped early only means nobody listens any more.
            let forward = move |event: &Event| {
                let _ = sender.unbounded_send(event.clone());
            };
            self.apply(plan, &forward).await
        };
        (receiver, applying)
    }

    /// Adopts the existing AWS resource `id` as the stack's resource `name`
    /// (`terraform import`): reads it, records it, and returns its record. The
    /// next plan shows only where it differs from the declaration. Its
    /// ownership tags are set by that plan's update.
    pub async fn import(&self, name: &str, id: &str) -> Result<ResourceState, EngineError> {
        let declared = self
            .stack
            .resource(name)
            .ok_or_else(|| EngineError::Import {
                resource: name.to_owned(),
                message: format!(
                    "the stack declares no resource `{name}` (declared: {})",
                    self.stack
                        .resources()
                        .iter()
                        .map(|r| r.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
        let type_name = declared.schema().type_name;
        self.locked("import", async {
            let mut state = self.backend.load(&self.stack).await?;
            if let Some(existing) = state.resources.get(name) {
                return Err(EngineError::Import {
                    resource: name.to_owned(),
                    message: format!(
                        "it is already managed, as {}; `destroy` it or remove it from the state first",
                        existing.id
                    ),
                });
            }
            let observed = self
                .provider
                .read(type_name, id)
                .await
                .map_err(|error| EngineError::Refresh {
                    resource: name.to_owned(),
                    type_name: type_name.to_owned(),
                    id: id.to_owned(),
                    error: Box::new(error),
                })?
                .ok_or_else(|| EngineError::Import {
                    resource: name.to_owned(),
                    message: format!("AWS has no {type_name} with id `{id}` in {}", self.stack.region()),
                })?;
            let record = ResourceState {
                type_name: type_name.to_owned(),
                id: observed.id,
                inputs: observed.inputs,
                attributes: observed.attributes,
                dependencies: declared
                    .dependencies()
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            };
            let serial_read = state.serial;
            state.resources.insert(name.to_owned(), record.clone());
            self.backend.save(&mut state, serial_read).await?;
            Ok(record)
        })
        .await
    }

    /// Releases the stack's lock `id`, whatever holds it: for a run that died
    /// holding a shared backend's lock.
    pub async fn force_unlock(&self, id: &str) -> Result<(), EngineError> {
        Ok(self.backend.force_unlock(&self.stack, id).await?)
    }

    /// Runs `work` holding the stack's lock for `operation`; released after,
    /// whatever `work` returned.
    async fn locked<T>(
        &self,
        operation: &str,
        work: impl std::future::Future<Output = Result<T, EngineError>>,
    ) -> Result<T, EngineError> {
        let lock = LockInfo::new(operation);
        self.backend.lock(&self.stack, &lock).await?;
        let result = work.await;
        let released = self.backend.unlock(&self.stack, &lock).await;
        let value = result?;
        released?;
        Ok(value)
    }

    /// The state, with every create an interrupted apply left pending resolved:
    /// the resource found by its ownership tags or name is recorded, or the
    /// intent is dropped when AWS made nothing. Written at once when anything
    /// was pending. Offline plans (no refresh) leave them for the next online one.
    async fn recovered(&self) -> Result<State, EngineError> {
        let mut state = self.backend.load(&self.stack).await?;
        if state.pending.is_empty() || !self.refresh {
            return Ok(state);
        }
        let serial_read = state.serial;
        let pending = std::mem::take(&mut state.pending);
        for (name, intent) in &pending {
            let request = ResourceRequest {
                stack: self.stack.name(),
                name,
                type_name: &intent.type_name,
                inputs: &intent.inputs,
                superseded: state.deposed.get(name).map(|old| old.id.as_str()),
            };
            let found =
                self.provider
                    .find(request)
                    .await
                    .map_err(|error| EngineError::Refresh {
                        resource: name.clone(),
                        type_name: intent.type_name.clone(),
                        id: "(interrupted create)".to_owned(),
                        error: Box::new(error),
                    })?;
            // The old object of a resource replaced new-first has the same tags.
            let found = found.filter(|observed| {
                state
                    .deposed
                    .get(name)
                    .is_none_or(|old| old.id != observed.id)
            });
            match found {
                Some(observed) => {
                    tracing::info!(resource = %name, id = %observed.id, "found what an interrupted apply created");
                    state.resources.insert(
                        name.clone(),
                        ResourceState {
                            type_name: intent.type_name.clone(),
                            id: observed.id,
                            inputs: observed.inputs,
                            attributes: observed.attributes,
                            dependencies: intent.dependencies.clone(),
                        },
                    );
                }
                None => {
                    tracing::info!(resource = %name, "an interrupted create made nothing");
                }
            }
        }
        self.backend.save(&mut state, serial_read).await?;
        Ok(state)
    }

    /// Every lookup's attributes, read concurrently.
    async fn read_lookups(&self, stack: &Stack) -> Result<LookupValues, EngineError> {
        stream::iter(stack.lookups())
            .map(|lookup| async move {
                let failed = |error: ProviderError| EngineError::Lookup {
                    lookup: lookup.name().to_owned(),
                    type_name: lookup.schema().type_name.to_owned(),
                    error: Box::new(error),
                };
                let mut inputs = BTreeMap::new();
                for (field, expr) in lookup.fields() {
                    let value = expr.resolve(&|_| None).ok_or_else(|| {
                        failed(ProviderError::Invalid {
                            message: format!("field `{field}` must be known when planning (a literal or an input)"),
                        })
                    })?;
                    inputs.insert(field.clone(), value);
                }
                let values = self
                    .provider
                    .lookup(lookup.schema().type_name, &inputs)
                    .await
                    .map_err(failed)?;
                Ok::<_, EngineError>((lookup.name().to_owned(), values))
            })
            .buffer_unordered(self.options.concurrency)
            .try_collect()
            .await
    }

    /// `state` with every resource's live values, and the names of the
    /// resources found deleted outside the engine (removed from it).
    async fn refreshed(&self, mut state: State) -> Result<(State, Vec<String>), EngineError> {
        {
            if !self.refresh {
                return Ok((state, Vec::new()));
            }
            let reads: Vec<_> = stream::iter(state.resources.iter())
                .map(|(name, record)| async move {
                    self.provider
                        .read(&record.type_name, &record.id)
                        .await
                        .map(|live| (name.clone(), live))
                        .map_err(|error| EngineError::Refresh {
                            resource: name.clone(),
                            type_name: record.type_name.clone(),
                            id: record.id.clone(),
                            error: Box::new(error),
                        })
                })
                .buffer_unordered(self.options.concurrency)
                .try_collect()
                .await?;
            let mut vanished = Vec::new();
            for (name, live) in reads {
                match live {
                    Some(live) => {
                        if let Some(record) = state.resources.get_mut(&name) {
                            record.id = live.id;
                            // A field AWS does not report (a compile-time
                            // opt-out, a write-only value) keeps its recorded
                            // value rather than showing as a change forever.
                            record.inputs.extend(live.inputs);
                            record.attributes = live.attributes;
                        }
                    }
                    None => {
                        tracing::info!(resource = %name, "deleted outside the engine");
                        state.resources.remove(&name);
                        vanished.push(name);
                    }
                }
            }
            vanished.sort();
            Ok((state, vanished))
        }
    }
}
