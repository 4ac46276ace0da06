//! Runs one async step per node of a DAG: a node starts as soon as every node it
//! waits for has succeeded, at most `limit` at once. A node whose dependency
//! failed or was skipped is skipped, not failed, so one failure is reported once.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use futures::stream::{FuturesUnordered, StreamExt};

/// How each node ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome<T, E> {
    Done(T),
    Failed(E),
    /// Not run, because something it waits for did not succeed.
    Skipped,
}

/// Walks `nodes` (each with the nodes it waits for; unknown names are ignored),
/// running `step` on each. `on_done` sees each outcome as it happens, in the
/// walker's own task, so it may mutate shared state without a lock.
pub(crate) async fn walk<'n, T, E, F, Fut>(
    nodes: &BTreeMap<&'n str, Vec<&'n str>>,
    limit: usize,
    mut step: F,
    mut on_done: impl FnMut(&'n str, &Result<T, E>),
) -> BTreeMap<&'n str, Outcome<T, E>>
where
    F: FnMut(&'n str) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut waiting: BTreeMap<&str, BTreeSet<&str>> = nodes
        .iter()
        .map(|(name, deps)| {
            let deps = deps
                .iter()
                .copied()
                .filter(|d| nodes.contains_key(d) && d != name)
                .collect();
            (*name, deps)
        })
        .collect();
    let mut outcomes = BTreeMap::new();
    let mut running = FuturesUnordered::new();
    let limit = limit.max(1);

    loop {
        // Start every ready node the limit allows, in name order for repeatable logs.
        while running.len() < limit {
            let Some(ready) = waiting
                .iter()
                .find(|(_, deps)| deps.is_empty())
                .map(|(name, _)| *name)
            else {
                break;
            };
            waiting.remove(ready);
            let future = step(ready);
            running.push(async move { (ready, future.await) });
        }
        let Some((name, result)) = running.next().await else {
            break;
        };
        on_done(name, &result);
        match result {
            Ok(value) => {
                for deps in waiting.values_mut() {
                    deps.remove(name);
                }
                outcomes.insert(name, Outcome::Done(value));
            }
            Err(error) => {
                outcomes.insert(name, Outcome::Failed(error));
                skip_dependents(name, &mut waiting, &mut outcomes);
            }
        }
    }
    // Nodes that wait for each other (a cycle in recorded dependencies) never
    // become ready: they are not run, and say so.
    for (name, _) in waiting {
        tracing::warn!(resource = name, "not run: it waits on a dependency cycle");
        outcomes.insert(name, Outcome::Skipped);
    }
    outcomes
}

fn skip_dependents<'n, T, E>(
    failed: &'n str,
    waiting: &mut BTreeMap<&'n str, BTreeSet<&'n str>>,
    outcomes: &mut BTreeMap<&'n str, Outcome<T, E>>,
) {
    let mut frontier = vec![failed];
    while let Some(name) = frontier.pop() {
        let dependents: Vec<&str> = waiting
            .iter()
            .filter(|(_, deps)| deps.contains(name))
            .map(|(n, _)| *n)
            .collect();
        for dependent in dependents {
            waiting.remove(dependent);
            outcomes.insert(dependent, Outcome::Skipped);
            frontier.push(dependent);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    fn nodes<'a>(edges: &[(&'a str, &[&'a str])]) -> BTreeMap<&'a str, Vec<&'a str>> {
        edges.iter().map(|(n, d)| (*n, d.to_vec())).collect()
    }

    #[tokio::test]
    async fn nodes_waiting_on_a_cycle_are_skipped_not_lost() {
        let graph = nodes(&[("a", &["b"]), ("b", &["a"]), ("c", &[])]);
        let outcomes = walk(&graph, 2, |_| async { Ok::<_, ()>(()) }, |_, _| {}).await;
        assert!(matches!(outcomes["c"], Outcome::Done(())));
        assert!(matches!(outcomes["a"], Outcome::Skipped));
        assert!(matches!(outcomes["b"], Outcome::Skipped));
    }

    #[tokio::test]
    async fn runs_after_dependencies_and_concurrently() {
        let graph = nodes(&[
            ("vpc", &[]),
            ("subnet", &["vpc"]),
            ("table", &[]),
            ("other", &[]),
        ]);
        let log = Mutex::new(Vec::new());
        let in_flight = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let outcomes = walk(
            &graph,
            4,
            |name| {
                let (log, in_flight, peak) = (&log, &in_flight, &peak);
                async move {
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    log.lock().expect("not poisoned").push(name);
                    Ok::<_, ()>(())
                }
            },
            |_, _| {},
        )
        .await;
        assert_eq!(outcomes.len(), 4);
        let log = log.into_inner().expect("not poisoned");
        let at = |n| log.iter().position(|&x| x == n);
        assert!(at("vpc") < at("subnet"));
        assert!(
            peak.load(Ordering::SeqCst) >= 3,
            "independent nodes overlap"
        );
    }

    #[tokio::test]
    async fn a_failure_skips_only_its_dependents() {
        let graph = nodes(&[
            ("vpc", &[]),
            ("subnet", &["vpc"]),
            ("deeper", &["subnet"]),
            ("table", &[]),
        ]);
        let outcomes = walk(
            &graph,
            2,
            |name| async move {
                if name == "vpc" {
                    Err("boom")
                } else {
                    Ok(name)
                }
            },
            |_, _| {},
        )
        .await;
        assert_eq!(outcomes["vpc"], Outcome::Failed("boom"));
        assert_eq!(outcomes["subnet"], Outcome::Skipped);
        assert_eq!(outcomes["deeper"], Outcome::Skipped);
        assert_eq!(outcomes["table"], Outcome::Done("table"));
    }
}
