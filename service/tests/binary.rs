//! The `backend-service` binary itself: start-up checks of its configuration,
//! and graceful shutdown on SIGTERM against moto.

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use tokio::io::AsyncWriteExt as _;

use common::{post_head, read_response, send_raw};

const BINARY: &str = env!("CARGO_BIN_EXE_backend-service");

/// The binary with an empty environment but for `vars`.
fn service(vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BINARY);
    command.env_clear().envs(vars.iter().copied());
    command
}

#[test]
fn missing_table_name_stops_start_up_naming_it() {
    let output = service(&[("AWS_REGION", "eu-west-2")])
        .output()
        .expect("run the service");
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("TABLE_NAME"), "stderr: {stderr}");
}

#[test]
fn unparsable_port_stops_start_up_naming_it() {
    let output = service(&[
        ("TABLE_NAME", "items"),
        ("AWS_REGION", "eu-west-2"),
        ("PORT", "http"),
    ])
    .output()
    .expect("run the service");
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("PORT"), "stderr: {stderr}");
}

/// A running service; killed if the test ends before it exits.
struct Running {
    child: Child,
    /// Every line it logged so far.
    lines: Arc<Mutex<Vec<String>>>,
    /// Each new line, as logged.
    new_lines: mpsc::Receiver<String>,
}

impl Running {
    /// Waits for a logged line containing `text`, and answers it.
    fn wait_for_line(&self, text: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.new_lines.recv_timeout(left) {
                Ok(line) if line.contains(text) => return line,
                Ok(_) => {}
                Err(_) => panic!(
                    "no log line containing {text:?} within {timeout:?}; logs:\n{}",
                    self.logs()
                ),
            }
        }
    }

    fn logs(&self) -> String {
        self.lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .join("\n")
    }

    /// Waits for the process to exit.
    fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the service") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the service did not exit within {timeout:?}; logs:\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(vars: &[(&str, &str)]) -> Running {
    let mut child = service(vars)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the service");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (sender, new_lines) = mpsc::channel();
    let streams: [Box<dyn std::io::Read + Send>; 2] = [
        Box::new(child.stdout.take().expect("piped stdout")),
        Box::new(child.stderr.take().expect("piped stderr")),
    ];
    for stream in streams {
        let lines = Arc::clone(&lines);
        let sender = sender.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                lines
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(line.clone());
                let _ = sender.send(line);
            }
        });
    }
    Running {
        child,
        lines,
        new_lines,
    }
}

/// Starts the binary against moto on `table`, on a free port; answers it and
/// its `host:port` on loopback.
fn start_against_moto(table: &str) -> (Running, String) {
    let endpoint = common::moto().endpoint();
    let service = start(&[
        ("TABLE_NAME", table),
        ("AWS_REGION", common::REGION),
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("PORT", "0"),
        ("RUST_LOG", "info"),
    ]);
    let listening = service.wait_for_line("listening", Duration::from_secs(30));
    let port = listening
        .split_whitespace()
        .find_map(|field| field.strip_prefix("address="))
        .and_then(|address| address.rsplit(':').next())
        .and_then(|port| port.parse::<u16>().ok())
        .unwrap_or_else(|| panic!("no address in {listening:?}"));
    (service, format!("127.0.0.1:{port}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_failures_are_logged_with_their_cause() {
    let table = common::unique_name("never-created");
    let (service, addr) = start_against_moto(&table);
    let response = common::client()
        .get(format!("http://{addr}/api/v1/get"))
        .send()
        .await
        .expect("GET /api/v1/get");
    assert_eq!(response.status(), 500);
    let line = service.wait_for_line("DynamoDB request failed", Duration::from_secs(5));
    assert!(line.contains("ERROR"), "{line}");
    assert!(line.contains("Scan"), "{line}");
    assert!(line.contains("ResourceNotFoundException"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_request_in_flight_then_exits_0() {
    let sdk = common::dynamodb().await;
    let table = common::unique_name("shutdown");
    common::create_table(&sdk, &table).await;
    let (mut service, addr) = start_against_moto(&table);

    // A request in flight: its body announced, half sent.
    let body = format!(r#"{{"id": "in-flight", "padding": "{}"}}"#, "x".repeat(64));
    let (first, rest) = body.split_at(body.len() / 2);
    let mut stream = send_raw(
        &addr,
        format!("{}{first}", post_head(&addr, body.len())).as_bytes(),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(service.child.id().to_string())
        .status()
        .expect("run kill");
    assert!(killed.success());
    service.wait_for_line("SIGTERM received", Duration::from_secs(5));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        service
            .child
            .try_wait()
            .expect("check the service")
            .is_none(),
        "the service exited with a request in flight; logs:\n{}",
        service.logs()
    );

    // The rest of the body: the request completes, then the service exits 0.
    stream
        .write_all(rest.as_bytes())
        .await
        .expect("send the rest of the body");
    let response = read_response(&mut stream).await;
    assert_eq!(
        response.status,
        201,
        "{response:?}; logs:\n{}",
        service.logs()
    );
    let status = service.wait_exit(Duration::from_secs(10));
    assert!(status.success(), "exit {status}; logs:\n{}", service.logs());
    service.wait_for_line("shut down", Duration::from_secs(5));

    let stored = sdk
        .get_item()
        .table_name(&table)
        .key("id", AttributeValue::S("in-flight".into()))
        .send()
        .await
        .expect("GetItem");
    assert!(stored.item.is_some(), "the in-flight item was not stored");
}
