//! Test harness of the service: one `moto_server` per test binary (the local
//! AWS), tables on it, the service served in-process, and a raw HTTP/1.1 client
//! for requests that a high-level client cannot send (a body that never ends).
//!
//! `moto_server` is found through `MOTO_SERVER` (a path), else on `PATH`. A test
//! that needs it and cannot start it panics with instructions: it never skips.
//! (The root crate's `tests/common` is not reachable from this crate; this is
//! the small part of it the service needs.)
//!
//! Every item is `pub(crate)`: each test binary compiles its own copy of this
//! module, where `pub` would trip `unreachable_pub`.

// Each test binary uses only part of this module.
#![allow(dead_code)]

use std::fs::{self, File};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use backend_service::AppState;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// The region every test uses (tables are named uniquely instead).
pub(crate) const REGION: &str = "eu-west-2";

/// How to get moto, for panic messages.
const HOW_TO_GET_MOTO: &str = "the service's tests need moto's `moto_server` \
     (pip install 'moto[server]==5.2.1'). Put it on PATH or set MOTO_SERVER to its path, \
     e.g. `MOTO_SERVER=$(which moto_server) cargo test -p backend-service`; \
     `bash scripts/test.sh` installs it into target/moto-venv";

/// How long moto may take to come up.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs moto in the background and kills it once the test process (`$3`) is
/// gone: the shared server lives in a `static`, which is never dropped.
/// Arguments: `$1` moto_server, `$2` port, `$3` pid of the test process.
const WATCHDOG: &str = r#"
"$1" -H 127.0.0.1 -p "$2" &
moto=$!
while kill -0 "$3" 2>/dev/null && kill -0 "$moto" 2>/dev/null; do
    sleep 1
done
kill "$moto" 2>/dev/null
wait "$moto"
"#;

/// A running `moto_server` on `127.0.0.1`.
#[derive(Debug)]
pub(crate) struct Moto {
    /// The watchdog shell, which leads a process group holding moto.
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Moto {
    /// `http://127.0.0.1:PORT`.
    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        // The whole group: the watchdog, moto and its `sleep`.
        let _ = Command::new("sh")
            .arg("-c")
            .arg(r#"kill -s KILL -- "-$1" 2>/dev/null"#)
            .arg("sh")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server of this test binary, started on first use.
pub(crate) fn moto() -> &'static Moto {
    static SHARED: OnceLock<Moto> = OnceLock::new();
    SHARED.get_or_init(|| {
        let program = moto_server_path();
        let mut failure = String::new();
        // A port picked free may be taken before moto binds it: try a few.
        for _ in 0..5 {
            match start_moto(&program, free_port()) {
                Ok(moto) => return moto,
                Err(e) => failure = e,
            }
        }
        panic!("moto_server did not start: {failure}\n\nTo fix: {HOW_TO_GET_MOTO}.")
    })
}

fn start_moto(program: &Path, port: u16) -> Result<Moto, String> {
    use std::os::unix::process::CommandExt as _;

    let log = std::env::temp_dir().join(format!(
        "backend-service-moto-{}-{port}.log",
        std::process::id()
    ));
    let out = File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let child = Command::new("sh")
        .arg("-c")
        .arg(WATCHDOG)
        .arg("moto-watchdog")
        .arg(program)
        .arg(port.to_string())
        .arg(std::process::id().to_string())
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot run `sh`: {e}"))?;
    let mut moto = Moto { child, port, log };
    let started = Instant::now();
    loop {
        let text = fs::read_to_string(&moto.log).unwrap_or_default();
        // werkzeug says "Running on" once it has bound the port.
        let connects = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok();
        if connects && text.contains("Running on") {
            return Ok(moto);
        }
        if let Ok(Some(status)) = moto.child.try_wait() {
            return Err(format!(
                "{} exited with {status}; log {}:\n{text}",
                program.display(),
                moto.log.display()
            ));
        }
        if started.elapsed() > READY_TIMEOUT {
            return Err(format!(
                "{} did not answer on port {port} within {READY_TIMEOUT:?}; log {}:\n{text}",
                program.display(),
                moto.log.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `$MOTO_SERVER`, else `moto_server` on `PATH`.
fn moto_server_path() -> PathBuf {
    let found = match std::env::var_os("MOTO_SERVER").filter(|p| !p.is_empty()) {
        Some(path) => {
            let path = PathBuf::from(path);
            if path.components().count() > 1 {
                Some(path)
            } else {
                on_path(&path)
            }
        }
        None => on_path(Path::new("moto_server")),
    };
    match found {
        Some(path) if path.is_file() => path,
        _ => panic!(
            "moto_server not found (MOTO_SERVER={:?}).\n\nTo fix: {HOW_TO_GET_MOTO}.",
            std::env::var_os("MOTO_SERVER")
        ),
    }
}

fn on_path(name: &Path) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A port nobody listens on right now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("bind a free port on 127.0.0.1")
        .port()
}

/// A name no other test of this process uses.
pub(crate) fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A DynamoDB client for moto, with dummy credentials; nothing is read from
/// the environment or `~/.aws`.
pub(crate) async fn dynamodb() -> aws_sdk_dynamodb::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .empty_test_environment()
        .region(aws_config::Region::new(REGION))
        .endpoint_url(moto().endpoint())
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "moto",
        ))
        .load()
        .await;
    aws_sdk_dynamodb::Client::new(&config)
}

/// Creates an on-demand table whose hash key is the string `id`.
pub(crate) async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str) {
    client
        .create_table()
        .table_name(name)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute definition"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .expect("key schema"),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .expect("CreateTable on moto");
}

/// A fresh table on moto and the state serving it.
pub(crate) async fn new_table(prefix: &str) -> (AppState, String) {
    let client = dynamodb().await;
    let table = unique_name(prefix);
    create_table(&client, &table).await;
    (AppState::new(client, table.as_str()), table)
}

/// Serves `backend_service::app(state)` on `127.0.0.1:0` in this test's
/// runtime; answers its base URL.
pub(crate) async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        axum::serve(listener, backend_service::app(state))
            .await
            .expect("serve the app");
    });
    format!("http://{addr}")
}

/// An HTTP client that never goes through a proxy.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("build an HTTP client")
}

/// A response read off a raw connection.
#[derive(Debug)]
pub(crate) struct RawResponse {
    /// The status code.
    pub(crate) status: u16,
    /// The head, as text (status line and headers).
    pub(crate) head: String,
    /// The body, as text (chunked encoding not decoded).
    pub(crate) body: String,
}

/// Reads a whole response from `stream` (the server closes the connection:
/// requests send `Connection: close`).
pub(crate) async fn read_response(stream: &mut tokio::net::TcpStream) -> RawResponse {
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut bytes))
        .await
        .expect("the response within 30 s")
        .expect("read the response");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"));
    RawResponse {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

/// Opens a connection to `addr` (`host:port`) and sends `bytes`.
pub(crate) async fn send_raw(addr: &str, bytes: &[u8]) -> tokio::net::TcpStream {
    let addr: SocketAddr = addr.parse().expect("a socket address");
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to the service");
    stream.write_all(bytes).await.expect("send the request");
    stream
}

/// The head of a `POST /api/v1/items` whose JSON body is `length` bytes long.
pub(crate) fn post_head(addr: &str, length: usize) -> String {
    format!(
        "POST /api/v1/items HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\nConnection: close\r\n\r\n"
    )
}
