//! Reading a resource back right after it was created or changed: EC2 is
//! eventually consistent, and a describe call may not see a new resource yet.

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::provider::aws::{vanished, wait_until};
use crate::provider::{Observed, ProviderError};

/// How long a resource just created may stay invisible to describe calls.
const READ_BACK_TIMEOUT: Duration = Duration::from_secs(120);

/// Calls `read` until it finds the resource `id` and returns it; a
/// [`vanished`] error of `operation` naming `what` when it never shows up.
pub(crate) async fn read_back<F, Fut>(
    operation: &'static str,
    what: &str,
    id: &str,
    mut read: F,
) -> Result<Observed, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<Observed>, ProviderError>>,
{
    let found = Mutex::new(None);
    let waited = wait_until(
        &format!("{what} `{id}` to be readable"),
        READ_BACK_TIMEOUT,
        || {
            let next = read();
            let found = &found;
            async move {
                let observed = next.await?;
                let ready = observed.is_some();
                *found.lock().unwrap_or_else(PoisonError::into_inner) = observed;
                Ok(ready)
            }
        },
    )
    .await;
    match waited {
        Ok(()) => found
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .ok_or_else(|| vanished(operation, what, id)),
        Err(ProviderError::Timeout { .. }) => Err(vanished(operation, what, id)),
        Err(err) => Err(err),
    }
}
