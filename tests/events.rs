//! The library API's event stream: every resource's start and finish, progress
//! while an operation is long, and the end of the stream with the apply. And a
//! resource whose type changes: the old one is deleted, the new one created.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use infra::{
    Action, Engine, Event, LocalState, Observed, Provider, ProviderError, ResourceRequest, Value,
};

/// A provider whose creates take 350 ms for the log group, no time for the
/// rest; it records what it deletes.
#[derive(Debug, Default)]
struct Slow {
    deleted: std::sync::Mutex<Vec<(String, String)>>,
}

#[async_trait]
impl Provider for Slow {
    async fn create(&self, request: ResourceRequest<'_>) -> Result<Observed, ProviderError> {
        if request.type_name == "aws_logs_log_group" {
            tokio::time::sleep(Duration::from_millis(350)).await;
        }
        Ok(Observed {
            id: format!("{}-id", request.name),
            inputs: request.inputs.clone(),
            attributes: BTreeMap::from([(
                "id".to_owned(),
                Value::from(format!("{}-id", request.name)),
            )]),
        })
    }

    async fn read(&self, _: &str, _: &str) -> Result<Option<Observed>, ProviderError> {
        Ok(None)
    }

    async fn update(
        &self,
        _: &str,
        _: &BTreeMap<String, Value>,
        request: ResourceRequest<'_>,
    ) -> Result<Observed, ProviderError> {
        self.create(request).await
    }

    async fn delete(&self, type_name: &str, id: &str) -> Result<(), ProviderError> {
        self.deleted
            .lock()
            .expect("deleted")
            .push((type_name.to_owned(), id.to_owned()));
        Ok(())
    }
}

#[tokio::test]
async fn apply_events_stream_starts_progress_and_finishes() {
    let stack = infra::stack! {
        name = "events";
        region = "eu-west-2";
        let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16" };
        let logs = logs::LogGroup { name: "events" };
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = Engine::new(
        stack,
        Slow::default(),
        LocalState::new(dir.path().join("state.json")),
    )
    .with_refresh(false)
    .with_progress_every(Duration::from_millis(100));
    let plan = engine.plan().await.expect("plans");
    let (events, applying) = engine.apply_events(&plan);
    let (report, events) = futures::join!(applying, events.collect::<Vec<Event>>());
    assert_eq!(report.expect("applies").done.len(), 2);

    let of = |name: &str| -> Vec<&Event> {
        events
            .iter()
            .filter(|e| {
                matches!(e, Event::Started { resource, .. } | Event::Progress { resource, .. } | Event::Finished { resource, .. } if resource == name)
            })
            .collect()
    };
    // 350 ms of work: reported every 100 ms between its start and finish.
    let logs = of("logs");
    assert!(logs.len() >= 4, "{logs:#?}");
    assert!(matches!(
        logs[0],
        Event::Started {
            action: Action::Create,
            ..
        }
    ));
    let progress = &logs[1..logs.len() - 1];
    assert!(
        progress
            .iter()
            .all(|e| matches!(e, Event::Progress { elapsed, .. } if elapsed.as_millis() >= 100)),
        "{logs:#?}"
    );
    assert!(matches!(logs[logs.len() - 1], Event::Finished { id, .. } if id == "logs-id"));
    // A quick one is only started and finished.
    assert_eq!(of("vpc").len(), 2);
}

#[tokio::test]
async fn a_resource_whose_type_changes_is_deleted_then_created() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    // Shared: the test keeps a handle to see what the engine deleted.
    let provider = std::sync::Arc::new(Slow::default());
    let engine = |stack| Engine::new(stack, provider.clone(), backend.clone()).with_refresh(false);
    let plan = engine(repository()).plan().await.expect("plans");
    engine(repository())
        .apply(&plan, &|_| {})
        .await
        .expect("applies");

    let plan = engine(table()).plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 1, "{}", plan.render());
    assert_eq!(plan.summary().to_destroy, 1, "{}", plan.render());
    let report = engine(table())
        .apply(&plan, &|_| {})
        .await
        .expect("applies");
    assert_eq!(report.done.len(), 2, "{:?}", report.done);
    assert_eq!(
        *provider.deleted.lock().expect("deleted"),
        [("aws_ecr_repository".to_owned(), "store-id".to_owned())]
    );
    let state = backend.load(&table()).expect("state");
    assert_eq!(state.resources["store"].type_name, "aws_dynamodb_table");
}

/// The stack with `store` a repository…
fn repository() -> infra::Stack {
    infra::stack! {
        name = "type-change";
        region = "eu-west-2";
        let store = ecr::Repository { name: "store" };
    }
}

/// …and with `store` a table: the same name, another type.
fn table() -> infra::Stack {
    infra::stack! {
        name = "type-change";
        region = "eu-west-2";
        let store = dynamodb::Table { name: "store", hash_key: "id" };
    }
}
