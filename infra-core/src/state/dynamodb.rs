//! The shared backend: a stack's state, journal, backup and lock as items of a
//! DynamoDB table, for teams and CI.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, DeleteRequest, KeySchemaElement, KeyType,
    ScalarAttributeType, TableStatus, WriteRequest,
};
use aws_sdk_dynamodb::Client;

use super::{LockInfo, State, StateBackend, StateError, Step};
use crate::model::Stack;

/// The partition key: the state's key, one per stack (and environment).
const PK: &str = "key";
/// The sort key: `state`, `backup`, `lock`, or `journal#<serial>`.
const SK: &str = "item";
/// The JSON body of the item.
const BODY: &str = "body";
/// The largest body written in one item: DynamoDB's limit is 400 KB per item,
/// keys and attribute names included.
const MAX_BODY: usize = 390 * 1024;
/// How long a new table may take to become active.
const TABLE_TIMEOUT: Duration = Duration::from_secs(120);

/// State in a DynamoDB table (created on first use when it does not exist,
/// pay per request), under one key per stack: the full state, its backup, the
/// journal of the run in progress, and the lock, taken by a conditional write so
/// that two runs anywhere can never both hold it. Same guarantees and messages
/// as [`LocalState`](super::LocalState); a lock whose holder died stays until
/// `force-unlock`.
///
/// ```no_run
/// # async fn demo() {
/// let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
/// let backend = infra_core::state::DynamoDbState::new(
///     aws_sdk_dynamodb::Client::new(&config),
///     "infra-state",
///     "backend/production",
/// );
/// # let _ = backend; }
/// ```
#[derive(Debug, Clone)]
pub struct DynamoDbState {
    client: Client,
    table: String,
    key: String,
}

impl DynamoDbState {
    /// State under `key` in `table`, through `client`.
    pub fn new(client: Client, table: impl Into<String>, key: impl Into<String>) -> Self {
        DynamoDbState {
            client,
            table: table.into(),
            key: key.into(),
        }
    }

    /// State under `key` in `table` in `region`, with the AWS configuration of
    /// the environment (as the AWS CLI's: credentials chain, `AWS_ENDPOINT_URL`).
    pub async fn from_env(region: &str, table: &str, key: &str) -> Self {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.to_owned()))
            .load()
            .await;
        Self::new(Client::new(&config), table, key)
    }

    fn remote(
        &self,
        operation: &'static str,
        err: impl ProvideErrorMetadata + std::fmt::Debug,
    ) -> StateError {
        StateError::Remote {
            location: self.location(),
            operation,
            message: match (err.code(), err.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                _ => format!("{err:?}"),
            },
        }
    }

    fn corrupt(&self, reason: impl ToString) -> StateError {
        StateError::Corrupt {
            location: self.location(),
            reason: reason.to_string(),
        }
    }

    fn item_key(&self, item: &str) -> HashMap<String, AttributeValue> {
        HashMap::from([
            (PK.to_owned(), AttributeValue::S(self.key.clone())),
            (SK.to_owned(), AttributeValue::S(item.to_owned())),
        ])
    }

    /// The body, refused with a clear message when it cannot fit in one item.
    fn fits(&self, body: String) -> Result<String, StateError> {
        if body.len() > MAX_BODY {
            return Err(StateError::Remote {
                location: self.location(),
                operation: "PutItem",
                message: format!(
                    "the state is {} KB, over what one DynamoDB item holds (400 KB); keep this \
                     stack's state in a file (--state) or split the stack",
                    body.len() / 1024
                ),
            });
        }
        Ok(body)
    }

    /// The body of the item `item`, if it exists (strongly consistent).
    async fn body(&self, item: &str) -> Result<Option<String>, StateError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(self.item_key(item)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| self.remote("GetItem", err))?;
        Ok(output
            .item()
            .and_then(|item| item.get(BODY))
            .and_then(|body| body.as_s().ok())
            .cloned())
    }

    fn item(&self, item: &str, body: String) -> HashMap<String, AttributeValue> {
        let mut fields = self.item_key(item);
        fields.insert(BODY.to_owned(), AttributeValue::S(body));
        fields
    }

    /// Creates the table when it does not exist, and waits until it is active.
    async fn ensure_table(&self) -> Result<(), StateError> {
        match self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
        {
            Ok(output) => {
                if output.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
                    return Ok(());
                }
            }
            Err(err) if err.code() == Some("ResourceNotFoundException") => {
                let attribute = |name: &str| {
                    AttributeDefinition::builder()
                        .attribute_name(name)
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                };
                let key = |name: &str, kind| {
                    KeySchemaElement::builder()
                        .attribute_name(name)
                        .key_type(kind)
                        .build()
                };
                let created = self
                    .client
                    .create_table()
                    .table_name(&self.table)
                    .billing_mode(BillingMode::PayPerRequest)
                    .attribute_definitions(attribute(PK).map_err(|e| self.corrupt(e))?)
                    .attribute_definitions(attribute(SK).map_err(|e| self.corrupt(e))?)
                    .key_schema(key(PK, KeyType::Hash).map_err(|e| self.corrupt(e))?)
                    .key_schema(key(SK, KeyType::Range).map_err(|e| self.corrupt(e))?)
                    .send()
                    .await;
                match created {
                    Ok(_) => tracing::info!(table = %self.table, "created the state table"),
                    // Another run created it at the same moment.
                    Err(err) if err.code() == Some("ResourceInUseException") => {}
                    Err(err) => return Err(self.remote("CreateTable", err)),
                }
            }
            Err(err) => return Err(self.remote("DescribeTable", err)),
        }
        let deadline = tokio::time::Instant::now() + TABLE_TIMEOUT;
        loop {
            let output = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(|err| self.remote("DescribeTable", err))?;
            if output.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                return Err(StateError::Remote {
                    location: self.location(),
                    operation: "DescribeTable",
                    message: format!(
                        "the table is not active after {} s",
                        TABLE_TIMEOUT.as_secs()
                    ),
                });
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Every item under the key, sorted by item name: the state, its backup,
    /// the lock and the journal. Strongly consistent.
    async fn items(&self) -> Result<Vec<(String, String)>, StateError> {
        let mut items = Vec::new();
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :key")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":key", AttributeValue::S(self.key.clone()))
            .consistent_read(true)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => {
                    for item in page.items() {
                        let name = item.get(SK).and_then(|v| v.as_s().ok());
                        let body = item.get(BODY).and_then(|v| v.as_s().ok());
                        if let (Some(name), Some(body)) = (name, body) {
                            items.push((name.clone(), body.clone()));
                        }
                    }
                }
                // No table yet: no state yet.
                Err(err) if err.code() == Some("ResourceNotFoundException") => {
                    return Ok(Vec::new())
                }
                Err(err) => return Err(self.remote("Query", err)),
            }
        }
        Ok(items)
    }

    /// The stored full state and the journal's steps after it.
    async fn stored(&self) -> Result<(Option<State>, Vec<JournalItem>), StateError> {
        let mut state = None;
        let mut journal = Vec::new();
        for (name, body) in self.items().await? {
            if name == "state" {
                state = Some(serde_json::from_str(&body).map_err(|e| self.corrupt(e))?);
            } else if name.starts_with("journal#") {
                journal.push(serde_json::from_str(&body).map_err(|e| self.corrupt(e))?);
            }
        }
        Ok((state, journal))
    }

    async fn holder(&self) -> Result<Option<LockInfo>, StateError> {
        Ok(self
            .body("lock")
            .await?
            .and_then(|body| serde_json::from_str(&body).ok()))
    }
}

/// One journal item: a step and the state it follows.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct JournalItem {
    lineage: String,
    serial: u64,
    #[serde(flatten)]
    step: Step,
}

/// `base` with every journal step that chains to it applied.
fn replay(mut base: State, journal: Vec<JournalItem>) -> State {
    for item in journal {
        if item.lineage == base.lineage && item.serial == base.serial {
            base.apply_step(item.step);
        }
    }
    base
}

#[async_trait]
impl StateBackend for DynamoDbState {
    fn location(&self) -> String {
        format!("dynamodb://{}/{}", self.table, self.key)
    }

    async fn load(&self, stack: &Stack) -> Result<State, StateError> {
        let (state, journal) = self.stored().await?;
        let state = state.unwrap_or_else(|| State::new(stack));
        state.check(stack, &self.location())?;
        Ok(replay(state, journal))
    }

    async fn append(&self, state: &State, step: &Step) -> Result<(), StateError> {
        let body = serde_json::to_string(&JournalItem {
            lineage: state.lineage.clone(),
            serial: state.serial,
            step: step.clone(),
        })
        .map_err(|e| self.corrupt(e))?;
        let body = self.fits(body)?;
        let key = format!("journal#{:020}", state.serial);
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.item(&key, body.clone())))
            // Steps chain: two writers can never both record a step after the
            // same serial.
            .condition_expression("attribute_not_exists(#sk)")
            .expression_attribute_names("#sk", SK)
            .send()
            .await;
        match put {
            Ok(_) => Ok(()),
            // A retry of a write that had landed: the item is ours.
            Err(err) if err.code() == Some("ConditionalCheckFailedException") => {
                if self.body(&key).await?.as_deref() == Some(body.as_str()) {
                    Ok(())
                } else {
                    Err(StateError::Conflict {
                        location: self.location(),
                        expected: state.serial,
                        found: state.serial + 1,
                        lineage: state.lineage.clone(),
                    })
                }
            }
            Err(err) => Err(self.remote("PutItem", err)),
        }
    }

    async fn save(&self, state: &mut State, serial_read: u64) -> Result<(), StateError> {
        let (stored, journal) = self.stored().await?;
        let journal_items: Vec<u64> = journal.iter().map(|item| item.serial).collect();
        let previous = match stored {
            Some(stored) => {
                let base_serial = stored.serial;
                let body = serde_json::to_string(&stored).map_err(|e| self.corrupt(e))?;
                let current = replay(stored, journal);
                if current.lineage != state.lineage || current.serial != serial_read {
                    return Err(StateError::Conflict {
                        location: self.location(),
                        expected: serial_read,
                        found: current.serial,
                        lineage: current.lineage,
                    });
                }
                Some((base_serial, body))
            }
            None => None,
        };
        if let Some((_, body)) = &previous {
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(self.item("backup", body.clone())))
                .send()
                .await
                .map_err(|err| self.remote("PutItem", err))?;
        }
        state.serial += 1;
        let body = match serde_json::to_string(state)
            .map_err(|e| self.corrupt(e))
            .and_then(|body| self.fits(body))
        {
            Ok(body) => body,
            Err(error) => {
                state.serial -= 1;
                return Err(error);
            }
        };
        let mut item = self.item("state", body);
        item.insert(
            "serial".to_owned(),
            AttributeValue::N(state.serial.to_string()),
        );
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .expression_attribute_names("#serial", "serial");
        // The write only lands on the state this run read.
        let put = match &previous {
            Some((base_serial, _)) => put
                .condition_expression("#serial = :base")
                .expression_attribute_values(":base", AttributeValue::N(base_serial.to_string())),
            None => put.condition_expression("attribute_not_exists(#serial)"),
        };
        if let Err(err) = put.send().await {
            state.serial -= 1;
            return Err(if err.code() == Some("ConditionalCheckFailedException") {
                StateError::Conflict {
                    location: self.location(),
                    expected: serial_read,
                    found: 0,
                    lineage: state.lineage.clone(),
                }
            } else {
                self.remote("PutItem", err)
            });
        }
        // The journal is in the new state now; leftovers no longer chain.
        let deletes: Vec<WriteRequest> = journal_items
            .iter()
            .filter_map(|serial| {
                DeleteRequest::builder()
                    .set_key(Some(self.item_key(&format!("journal#{serial:020}"))))
                    .build()
                    .ok()
                    .map(|delete| WriteRequest::builder().delete_request(delete).build())
            })
            .collect();
        // The journal is folded in: its items are only clutter now, and a
        // failure to remove them loses nothing (they no longer chain).
        for chunk in deletes.chunks(25) {
            let mut pending = chunk.to_vec();
            // DynamoDB may leave some unprocessed under load: retried a few
            // times, then left for the next full write.
            for attempt in 0..5_u32 {
                if pending.is_empty() {
                    break;
                }
                if attempt > 0 {
                    tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                }
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await;
                pending = match output {
                    Ok(output) => output
                        .unprocessed_items()
                        .and_then(|items| items.get(&self.table))
                        .cloned()
                        .unwrap_or_default(),
                    Err(err) => {
                        tracing::warn!(error = %self.remote("BatchWriteItem", err), "journal items left behind");
                        break;
                    }
                };
            }
        }
        Ok(())
    }

    async fn lock(&self, _stack: &Stack, lock: &LockInfo) -> Result<(), StateError> {
        self.ensure_table().await?;
        let body = serde_json::to_string(lock).map_err(|e| self.corrupt(e))?;
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.item("lock", body)))
            .condition_expression("attribute_not_exists(#sk)")
            .expression_attribute_names("#sk", SK)
            .send()
            .await;
        match put {
            Ok(_) => Ok(()),
            Err(err) if err.code() == Some("ConditionalCheckFailedException") => {
                let holder = self.holder().await?;
                // A retry of a put that had landed: the lock is ours.
                if holder.as_ref().is_some_and(|h| h.id == lock.id) {
                    return Ok(());
                }
                let holder = holder.unwrap_or_else(|| LockInfo {
                    id: "unknown".to_owned(),
                    holder: "another run".to_owned(),
                    pid: 0,
                    operation: "unknown".to_owned(),
                    created: "unknown".to_owned(),
                });
                Err(StateError::Locked {
                    location: self.location(),
                    holder: Box::new(holder),
                })
            }
            Err(err) => Err(self.remote("PutItem", err)),
        }
    }

    async fn unlock(&self, stack: &Stack, lock: &LockInfo) -> Result<(), StateError> {
        self.force_unlock(stack, &lock.id).await
    }

    async fn force_unlock(&self, _stack: &Stack, id: &str) -> Result<(), StateError> {
        let Some(holder) = self.holder().await? else {
            return Err(StateError::Unlock {
                location: self.location(),
                message: "it is not locked".to_owned(),
            });
        };
        if holder.id != id {
            return Err(StateError::Unlock {
                location: self.location(),
                message: format!("the lock held is {}, not {id}", holder.id),
            });
        }
        let body = serde_json::to_string(&holder).map_err(|e| self.corrupt(e))?;
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(self.item_key("lock")))
            // Only that lock: never one taken since by another run.
            .condition_expression("#body = :body")
            .expression_attribute_names("#body", BODY)
            .expression_attribute_values(":body", AttributeValue::S(body))
            .send()
            .await
            .map_err(|err| self.remote("DeleteItem", err))?;
        Ok(())
    }
}
