//! A loopback HTTP/1.1 reverse proxy that records the name of every AWS
//! operation sent through it, so a test can assert which calls the engine made
//! (for example: "the second apply made no mutating call").
//!
//! Point an SDK config at [`RecordingProxy::endpoint`] instead of moto's. The
//! proxy runs on its own std threads with blocking sockets, so it works from
//! inside a tokio runtime or without one. It handles one request per client
//! connection and answers with `Connection: close` (moto does the same), so the
//! SDK opens a new connection for each call.
//!
//! Operation names:
//! - `X-Amz-Target: DynamoDB_20120810.CreateTable` (JSON protocols: DynamoDB,
//!   ECS, CloudWatch Logs, SSM, ECR, …) → `CreateTable`;
//! - `Action=CreateVpc` in a form-encoded body or the query string (query
//!   protocols: EC2, IAM, STS, ELBv2, Auto Scaling, …) → `CreateVpc`;
//! - otherwise (REST protocols) `METHOD /path`, without the query string.

use std::io::{self, BufReader, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use super::http::{self, Head};

/// How long the proxy waits for a client to send its request.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the proxy waits for moto to answer (some calls take seconds).
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(300);

/// Name prefixes of operations that change nothing.
const READ_ONLY_PREFIXES: &[&str] = &[
    "Describe", "List", "Get", "Scan", "Query", "BatchGet", "GET ", "HEAD ",
];

/// A recording reverse proxy on `127.0.0.1`, in front of one upstream endpoint.
/// Dropping it stops accepting connections.
#[derive(Debug)]
pub(crate) struct RecordingProxy {
    port: u16,
    operations: Arc<Mutex<Vec<String>>>,
    shutdown: Arc<AtomicBool>,
    accept_thread: Option<JoinHandle<()>>,
}

impl RecordingProxy {
    /// Starts a proxy on a free port in front of `upstream_endpoint`
    /// (`http://HOST:PORT`, for example [`Moto::endpoint`](super::Moto::endpoint)).
    ///
    /// # Panics
    ///
    /// If the endpoint is not a plain `http://` address or no port can be bound.
    pub(crate) fn start(upstream_endpoint: &str) -> RecordingProxy {
        let upstream = parse_endpoint(upstream_endpoint);
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .expect("cannot bind the recording proxy to a free port on 127.0.0.1");
        let port = listener
            .local_addr()
            .expect("a bound TCP listener has a local address")
            .port();
        let operations = Arc::new(Mutex::new(Vec::new()));
        let shutdown = Arc::new(AtomicBool::new(false));
        let accept_thread = {
            let operations = Arc::clone(&operations);
            let shutdown = Arc::clone(&shutdown);
            std::thread::Builder::new()
                .name(format!("recording-proxy-{port}"))
                .spawn(move || accept_loop(&listener, upstream, &operations, &shutdown))
                .expect("cannot spawn the recording proxy's accept thread")
        };
        RecordingProxy {
            port,
            operations,
            shutdown,
            accept_thread: Some(accept_thread),
        }
    }

    /// `http://127.0.0.1:PORT`: the endpoint to give the SDK.
    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port the proxy listens on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Every operation recorded since the start or the last [`clear`](Self::clear),
    /// in the order the requests arrived (SDK retries appear once per attempt).
    pub(crate) fn operations(&self) -> Vec<String> {
        lock(&self.operations).clone()
    }

    /// The recorded operations that may change something: all but those named
    /// `Describe*`, `List*`, `Get*`, `Scan*`, `Query*`, `BatchGet*`, and REST
    /// `GET`/`HEAD` requests.
    pub(crate) fn mutating_operations(&self) -> Vec<String> {
        lock(&self.operations)
            .iter()
            .filter(|op| is_mutating(op))
            .cloned()
            .collect()
    }

    /// Forgets the operations recorded so far.
    pub(crate) fn clear(&self) {
        lock(&self.operations).clear();
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.shutdown.store(true, Ordering::SeqCst);
        // Wake the blocking accept() up so that it sees the flag.
        let _ = TcpStream::connect_timeout(
            &SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)),
            Duration::from_secs(1),
        );
        if let Some(thread) = self.accept_thread.take() {
            let _ = thread.join();
        }
    }
}

/// Whether an operation name recorded by the proxy may change something.
pub(crate) fn is_mutating(operation: &str) -> bool {
    !READ_ONLY_PREFIXES.iter().any(|p| operation.starts_with(p))
}

/// The operation a request invokes (see the module documentation).
pub(crate) fn operation_name(head: &Head, body: &[u8]) -> String {
    if let Some(target) = head.get("x-amz-target") {
        return target.rsplit('.').next().unwrap_or(target).to_owned();
    }
    let mut parts = head.start_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let form_body = head
        .get("content-type")
        .is_some_and(|ct| ct.contains("x-www-form-urlencoded"));
    let action = form_action(query).or_else(|| {
        form_body
            .then(|| form_action(&String::from_utf8_lossy(body)))
            .flatten()
    });
    action.unwrap_or_else(|| format!("{method} {path}"))
}

/// The `Action` parameter of a form-encoded string.
fn form_action(form: &str) -> Option<String> {
    form.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "Action")
        .map(|(_, value)| value.to_owned())
}

fn lock(operations: &Mutex<Vec<String>>) -> MutexGuard<'_, Vec<String>> {
    // A panicking handler thread must not hide what was recorded.
    operations.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `http://host:port[/…]` → a socket address.
fn parse_endpoint(endpoint: &str) -> SocketAddr {
    let authority = endpoint
        .strip_prefix("http://")
        .unwrap_or_else(|| {
            panic!("the recording proxy needs a plain http:// upstream, got {endpoint:?}")
        })
        .split('/')
        .next()
        .unwrap_or("");
    authority
        .to_socket_addrs()
        .unwrap_or_else(|e| panic!("cannot resolve the proxy upstream {endpoint:?}: {e}"))
        .next()
        .unwrap_or_else(|| panic!("the proxy upstream {endpoint:?} resolves to no address"))
}

fn accept_loop(
    listener: &TcpListener,
    upstream: SocketAddr,
    operations: &Arc<Mutex<Vec<String>>>,
    shutdown: &AtomicBool,
) {
    for stream in listener.incoming() {
        if shutdown.load(Ordering::SeqCst) {
            break;
        }
        match stream {
            Ok(client) => {
                let operations = Arc::clone(operations);
                let spawned = std::thread::Builder::new()
                    .name("recording-proxy-conn".to_owned())
                    .spawn(move || {
                        if let Err(e) = handle(client, upstream, &operations) {
                            eprintln!("recording proxy: request to {upstream} failed: {e}");
                        }
                    });
                if let Err(e) = spawned {
                    eprintln!("recording proxy: cannot spawn a connection thread: {e}");
                }
            }
            Err(e) => {
                eprintln!("recording proxy: accept failed: {e}");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// Serves one request on `client`, then closes the connection.
fn handle(
    client: TcpStream,
    upstream: SocketAddr,
    operations: &Mutex<Vec<String>>,
) -> io::Result<()> {
    client.set_read_timeout(Some(CLIENT_TIMEOUT))?;
    client.set_write_timeout(Some(CLIENT_TIMEOUT))?;
    let mut client_reader = BufReader::new(client.try_clone()?);
    let mut client = client;
    let Some(mut head) = http::read_head(&mut client_reader)? else {
        return Ok(()); // Connected and closed without a request (e.g. Drop's wake-up).
    };

    if head
        .get("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        client.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        head.remove("expect");
    }
    let had_length = head.is_chunked() || head.get("content-length").is_some();
    let body = http::read_body(&mut client_reader, &head, false)?;
    lock(operations).push(operation_name(&head, &body));

    // Forward with a plain Content-Length (a chunked body is decoded) and ask
    // upstream to close, so that its response ends at end of stream.
    head.remove("transfer-encoding");
    if had_length {
        head.set("Content-Length", &body.len().to_string());
    }
    head.remove("keep-alive");
    head.remove("proxy-connection");
    head.set("Connection", "close");

    let mut responded = false;
    let result = forward(&head, &body, upstream, &mut client, &mut responded);
    if let (Err(e), false) = (&result, responded) {
        let msg = format!("recording proxy: upstream {upstream} failed: {e}");
        let _ = write!(
            client,
            "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{msg}",
            msg.len()
        );
    }
    let _ = client.flush();
    let _ = client.shutdown(Shutdown::Write);
    result
}

/// Sends the request upstream and copies the response back to the client, with
/// `Connection: close`. Sets `responded` once it starts writing to the client.
fn forward(
    head: &Head,
    body: &[u8],
    upstream: SocketAddr,
    client: &mut TcpStream,
    responded: &mut bool,
) -> io::Result<()> {
    let mut up = TcpStream::connect_timeout(&upstream, Duration::from_secs(10))?;
    up.set_read_timeout(Some(UPSTREAM_TIMEOUT))?;
    up.set_write_timeout(Some(UPSTREAM_TIMEOUT))?;
    up.write_all(&head.to_bytes())?;
    up.write_all(body)?;
    up.flush()?;

    let mut up_reader = BufReader::new(up);
    let mut response = http::read_head(&mut up_reader)?.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "upstream closed the connection without answering",
        )
    })?;
    response.remove("keep-alive");
    response.set("Connection", "close");
    *responded = true;
    client.write_all(&response.to_bytes())?;
    // Upstream closes after its response (we asked it to), so the rest of the
    // stream is the body, whatever its framing.
    io::copy(&mut up_reader, client)?;
    Ok(())
}
