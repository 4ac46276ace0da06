//! The stack and the service together, end to end against moto: the example
//! applies the reference stack, the service binary starts on the table the stack
//! created (its name from the stack's output), and answers as the original did:
//! `GET /` is `Healthy`, items written are scanned and read back, a missing one
//! is a 404. Then the stack is destroyed.

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::http::send;
use common::CborProxy;

/// Runs the example CLI in `dir` against moto (CloudWatch through `cbor`).
fn cli(dir: &Path, moto: &str, cbor: &str, args: &[&str]) -> Output {
    common::binaries::example_stack(dir, moto, cbor, true)
        .args(args)
        .args(["--state", "backend.json"])
        .output()
        .expect("the example runs")
}

fn succeeded(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The service, stopped with SIGTERM (as ECS stops it) when dropped.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `(status, JSON body)` of a request to the service.
fn call(port: u16, method: &str, path: &str, body: Option<&str>) -> (u16, serde_json::Value) {
    let (status, bytes) =
        send(port, method, path, body, Duration::from_secs(10)).expect("the service answers");
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, json)
}

#[test]
fn the_service_runs_on_the_table_the_stack_created() {
    let moto = common::shared();
    let cbor = CborProxy::start(&moto.endpoint());
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str]| cli(dir.path(), &moto.endpoint(), &cbor.endpoint(), args);

    succeeded(&run(&["apply", "--auto-approve"]));
    let table = succeeded(&run(&["output", "table_name"])).trim().to_owned();
    assert_eq!(table, "identity-e2e-backend");

    let port = free_port();
    let service = Service(
        Command::new(common::binaries::service())
            .env("TABLE_NAME", &table)
            .env("AWS_REGION", "eu-west-2")
            .env("AWS_ENDPOINT_URL", moto.endpoint())
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the service starts"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let health = loop {
        match send(port, "GET", "/", None, Duration::from_secs(2)) {
            Ok(answer) => break answer,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Err(error) => panic!("the service does not answer on {port}: {error}"),
        }
    };
    assert_eq!(health, (200, b"Healthy".to_vec()));

    for item in [
        r#"{"id": "alice", "email": "alice@example.com", "age": 34}"#,
        r#"{"id": "bob", "email": "bob@example.com", "admin": true}"#,
    ] {
        let (status, body) = call(port, "POST", "/api/v1/items", Some(item));
        assert_eq!(status, 201, "{body}");
    }
    let (status, scan) = call(port, "GET", "/api/v1/get", None);
    assert_eq!(status, 200, "{scan}");
    assert_eq!(scan["Count"], 2, "{scan}");
    assert_eq!(scan["ScannedCount"], 2, "{scan}");
    assert_eq!(scan["ResponseMetadata"]["HTTPStatusCode"], 200, "{scan}");
    let mut ids: Vec<_> = scan["Items"]
        .as_array()
        .expect("Items")
        .iter()
        .filter_map(|item| item["id"].as_str())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["alice", "bob"]);

    let (status, alice) = call(port, "GET", "/api/v1/items/alice", None);
    assert_eq!(status, 200);
    assert_eq!(
        alice,
        serde_json::json!({ "id": "alice", "email": "alice@example.com", "age": 34 })
    );
    let (status, missing) = call(port, "GET", "/api/v1/items/carol", None);
    assert_eq!(status, 404);
    assert!(
        missing["error"]
            .as_str()
            .is_some_and(|e| e.contains("carol")),
        "{missing}"
    );

    drop(service);
    succeeded(&run(&["destroy", "--auto-approve"]));
}
