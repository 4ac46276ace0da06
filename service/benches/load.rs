//! A load check of the service on loopback, against a table on moto: 2,000
//! requests over 32 concurrent connections, twice — the health check alone (the
//! service's own cost), then the item routes (a write and reads of what was
//! written, through DynamoDB on moto). No error is allowed; requests per second
//! and the p50/p99 latencies are printed for `docs/PERFORMANCE.md`.
//!
//! ```text
//! MOTO_SERVER=$(which moto_server) cargo bench -p backend-service --bench load
//! ```

#[allow(unreachable_pub)]
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

/// Requests per run.
const REQUESTS: usize = 2_000;
/// Concurrent connections (one task each, requests one after another).
const CONNECTIONS: usize = 32;
/// The whole run must finish within this; the check is bounded in time too.
const DEADLINE: Duration = Duration::from_secs(120);

/// What a run measured.
struct Figures {
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Figures {
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    }

    fn print(&self, what: &str) {
        println!(
            "{what}: {} requests, {CONNECTIONS} connections, {:.2} s, {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms, 0 errors",
            self.requests,
            self.elapsed.as_secs_f64(),
            self.requests as f64 / self.elapsed.as_secs_f64(),
            self.percentile(50.0).as_secs_f64() * 1e3,
            self.percentile(99.0).as_secs_f64() * 1e3,
        );
    }
}

/// Sends `REQUESTS` requests over `CONNECTIONS` workers, the `k`-th of worker
/// `w` built by `request(w, k)`; panics on any error or unexpected status.
async fn run<F>(client: &reqwest::Client, request: F) -> Figures
where
    F: Fn(usize, usize) -> (reqwest::RequestBuilder, u16) + Send + Sync + Clone + 'static,
{
    let started = Instant::now();
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|worker| {
            let request = request.clone();
            let _ = client;
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                for (k, i) in (worker..REQUESTS).step_by(CONNECTIONS).enumerate() {
                    let (builder, expected) = request(worker, k);
                    let sent = Instant::now();
                    let response = builder
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("request {i}: {e}"));
                    let status = response.status().as_u16();
                    let body = response
                        .bytes()
                        .await
                        .unwrap_or_else(|e| panic!("request {i}: {e}"));
                    latencies.push(sent.elapsed());
                    assert_eq!(
                        status,
                        expected,
                        "request {i}: {}",
                        String::from_utf8_lossy(&body)
                    );
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(REQUESTS);
    for worker in workers {
        latencies.extend(worker.await.expect("worker"));
    }
    let elapsed = started.elapsed();
    assert!(elapsed < DEADLINE, "took {elapsed:?}");
    Figures {
        requests: latencies.len(),
        elapsed,
        latencies,
    }
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would too: run either way.
    let (state, _table) = common::new_table("load").await;
    let base = common::serve(state).await;
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(CONNECTIONS)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");

    let health = {
        let (client, base) = (client.clone(), base.clone());
        run(&client.clone(), move |_, _| {
            (client.get(format!("{base}/")), 200)
        })
        .await
    };
    health.print("GET / (health)");

    // A write, then reads of what the writes made: 1 in 4 requests writes.
    let items = {
        let (client, base) = (client.clone(), base.clone());
        run(&client.clone(), move |worker, k| {
            if k % 4 == 0 {
                let body = serde_json::json!({ "id": format!("item-{worker}-{k}"), "n": k, "note": "load" });
                (client.post(format!("{base}/api/v1/items")).json(&body), 201)
            } else {
                // The item this worker wrote last: it exists.
                let own = k - k % 4;
                (client.get(format!("{base}/api/v1/items/item-{worker}-{own}")), 200)
            }
        })
        .await
    };
    items.print("POST /api/v1/items + GET /api/v1/items/{id} (DynamoDB on moto)");
}
