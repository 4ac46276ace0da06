//! A `moto_server` child process on a free loopback port: the local AWS the
//! integration tests run against.
//!
//! [`Moto::start`] starts a private server, killed when the value is dropped;
//! [`shared`] starts one server per test binary on first use. Either way the
//! server runs under a small `sh` watchdog that kills it within about a second
//! once the test process is gone, so no server outlives its tests (a `static` is
//! never dropped, and a test binary may also die by a signal).
//!
//! Tests run in parallel threads of one process: build SDK configs with
//! [`sdk_config`], which reads nothing from process-global environment variables
//! for the endpoint, region or credentials. Tests sharing a server isolate
//! themselves by region, by account (`sts:AssumeRole` into another account id)
//! or by tags; only a private server may be [`reset`](Moto::reset).

use std::collections::HashSet;
use std::fs::{self, File};
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use super::http;

/// How long a starting server may take to answer `GET /moto-api/data.json`.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a server that answers but has not logged "Running on" must stay up.
const BIND_GRACE: Duration = Duration::from_secs(5);
/// How many ports to try when the one picked is taken before moto binds it.
const START_ATTEMPTS: usize = 5;
/// Timeout of one request to moto's own API (`data.json` can be large).
const API_TIMEOUT: Duration = Duration::from_secs(60);
/// Log files older than this in the log directory are deleted at start.
const LOG_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// How to get the server, appended to every failure to start it.
const HOW_TO_GET_MOTO: &str = "the integration tests need moto's `moto_server` \
     (moto[server]==5.2.1). Run the tests with `bash scripts/test.sh`, which installs it \
     into target/moto-venv and sets MOTO_SERVER, or set MOTO_SERVER to the absolute path \
     of a moto_server executable (for example target/moto-venv/bin/moto_server)";

/// The watchdog: runs moto in the background, then polls once a second until
/// either moto or the test process (`$3`) is gone, and kills moto.
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

/// A running `moto_server` on `127.0.0.1`. Dropping it kills the server.
#[derive(Debug)]
pub(crate) struct Moto {
    /// The `sh` watchdog; leader of a process group that also holds moto.
    child: Child,
    port: u16,
    log_path: PathBuf,
    /// Whether Drop deletes the log (only once started, and not while panicking).
    delete_log_on_drop: bool,
}

/// The server shared by every test of this test binary, started on first use.
///
/// Never reset it: other tests run against it at the same time. It is stopped
/// by its watchdog once the test binary exits.
pub(crate) fn shared() -> &'static Moto {
    static SHARED: OnceLock<Moto> = OnceLock::new();
    SHARED.get_or_init(Moto::start)
}

/// An SDK config for a moto (or proxy) endpoint and a region, with dummy
/// credentials. Nothing is read from environment variables or `~/.aws`
/// (`AWS_ENDPOINT_URL`, `AWS_PROFILE`, `AWS_MAX_ATTEMPTS`, …), so tests in
/// parallel threads can each use their own endpoint and region, and a
/// developer's AWS setup cannot change what the tests do.
pub(crate) async fn sdk_config(endpoint: &str, region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        // An empty environment for config resolution (this also hides HOME, so no
        // profile files are read). Despite its name it is a plain public API.
        .empty_test_environment()
        .region(aws_config::Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_ec2::config::Credentials::new(
            "test", "test", None, None, "moto",
        ))
        .load()
        .await
}

impl Moto {
    /// Starts a private server on a free port and waits until it answers.
    ///
    /// # Panics
    ///
    /// If `moto_server` cannot be found or does not come up: the message says
    /// how to get it and where its log is.
    pub(crate) fn start() -> Moto {
        let program = moto_server_path();
        let log_dir = log_dir();
        let mut last_failure = String::new();
        for attempt in 1..=START_ATTEMPTS {
            let port = free_port();
            let log_path = log_dir.join(format!(
                "moto-{}-{}-{}.log",
                std::process::id(),
                port,
                attempt
            ));
            match try_start(&program, port, &log_path) {
                Ok(moto) => return moto,
                Err(StartError::PortTaken(msg)) => last_failure = msg,
                Err(StartError::Fatal(msg)) => panic!("{msg}\n\nTo fix: {HOW_TO_GET_MOTO}."),
            }
        }
        panic!(
            "moto_server did not start after {START_ATTEMPTS} attempts on different ports; \
             last failure: {last_failure}\n\nTo fix: {HOW_TO_GET_MOTO}."
        );
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port the server listens on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Where the server's stdout and stderr (one line per request) go.
    pub(crate) fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Deletes every resource in every account and region (`POST /moto-api/reset`).
    /// Only for a private server: never call it on [`shared`].
    ///
    /// # Panics
    ///
    /// If moto does not answer 200.
    pub(crate) fn reset(&self) {
        let (status, body) = self.api("POST", "/moto-api/reset");
        assert_eq!(
            status,
            200,
            "POST /moto-api/reset answered {status}: {} (moto log: {})",
            String::from_utf8_lossy(&body),
            self.log_path.display()
        );
    }

    /// Every resource moto holds (`GET /moto-api/data.json`): service → resource
    /// type → list of resources.
    ///
    /// # Panics
    ///
    /// If moto does not answer 200 with JSON.
    pub(crate) fn data_json(&self) -> serde_json::Value {
        let (status, body) = self.api("GET", "/moto-api/data.json");
        assert_eq!(
            status,
            200,
            "GET /moto-api/data.json answered {status}: {} (moto log: {})",
            String::from_utf8_lossy(&body),
            self.log_path.display()
        );
        serde_json::from_slice(&body).expect("moto's /moto-api/data.json is not valid JSON")
    }

    /// One request to moto's own API.
    fn api(&self, method: &str, path: &str) -> (u16, Vec<u8>) {
        match http::request(self.port, method, path, API_TIMEOUT) {
            Ok(response) => response,
            Err(e) => panic!(
                "{method} {path} to moto at {} failed: {e} (moto log: {})",
                self.endpoint(),
                self.log_path.display()
            ),
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        kill_group(&mut self.child);
        if self.delete_log_on_drop && !std::thread::panicking() {
            let _ = fs::remove_file(&self.log_path);
        }
    }
}

/// Kills the watchdog's whole process group (watchdog, moto, `sleep`) and reaps
/// the watchdog.
fn kill_group(child: &mut Child) {
    // The watchdog leads its own process group (`process_group(0)`), so its pid
    // is the group id. The shell's `kill` builtin signals a group; `Child::kill`
    // would only reach the watchdog and orphan moto.
    let killed_group = Command::new("sh")
        .arg("-c")
        .arg(r#"kill -s KILL -- "-$1" 2>/dev/null"#)
        .arg("sh")
        .arg(child.id().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !killed_group {
        let _ = child.kill();
    }
    let _ = child.wait();
}

/// Why one attempt to start moto failed.
enum StartError {
    /// Someone bound the port before moto did: try another one.
    PortTaken(String),
    /// Anything else: give up.
    Fatal(String),
}

fn try_start(program: &Path, port: u16, log_path: &Path) -> Result<Moto, StartError> {
    use std::os::unix::process::CommandExt as _;

    let log = File::create(log_path).map_err(|e| {
        StartError::Fatal(format!(
            "cannot create the moto log file {}: {e}",
            log_path.display()
        ))
    })?;
    let log_err = log.try_clone().map_err(|e| {
        StartError::Fatal(format!(
            "cannot reopen the moto log file {}: {e}",
            log_path.display()
        ))
    })?;
    let child = Command::new("sh")
        .arg("-c")
        .arg(WATCHDOG)
        .arg("moto-watchdog")
        .arg(program)
        .arg(port.to_string())
        .arg(std::process::id().to_string())
        .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        .env("MOTO_ECS_SERVICE_RUNNING", "2")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        // Its own process group: Drop kills watchdog and moto together, and a
        // Ctrl-C in a terminal reaches the tests, after which the watchdog stops moto.
        .process_group(0)
        .spawn()
        .map_err(|e| StartError::Fatal(format!("cannot run `sh` to start moto_server: {e}")))?;
    let mut moto = Moto {
        child,
        port,
        log_path: log_path.to_owned(),
        delete_log_on_drop: false,
    };

    let started = Instant::now();
    loop {
        let answers = matches!(
            http::request(port, "GET", "/moto-api/data.json", Duration::from_secs(5)),
            Ok((200, _))
        );
        let exited = moto
            .child
            .try_wait()
            .map_err(|e| StartError::Fatal(format!("cannot wait for moto_server: {e}")))?;
        let log_text = fs::read_to_string(log_path).unwrap_or_default();
        let port_taken = log_text.contains("Address already in use")
            || log_text.contains(&format!("Port {port} is in use"));
        if port_taken {
            // Dropping `moto` kills the group and reaps the watchdog.
            return Err(StartError::PortTaken(format!(
                "port {port} was taken; moto log {}:\n{}",
                log_path.display(),
                tail(&log_text)
            )));
        }
        if let Some(status) = exited {
            return Err(StartError::Fatal(format!(
                "moto_server ({}) exited with {status} before answering on port {port}; \
                 log {}:\n{}",
                program.display(),
                log_path.display(),
                tail(&log_text)
            )));
        }
        // A 200 could come from a server that took the port before ours: also
        // require that ours says it bound the port (werkzeug's "Running on"), or
        // that it stays alive for a while without complaining.
        if answers && (log_text.contains("Running on") || started.elapsed() > BIND_GRACE) {
            moto.delete_log_on_drop = true;
            return Ok(moto);
        }
        if started.elapsed() > READY_TIMEOUT {
            return Err(StartError::Fatal(format!(
                "moto_server ({}) did not answer GET /moto-api/data.json on port {port} \
                 within {READY_TIMEOUT:?}; log {}:\n{}",
                program.display(),
                log_path.display(),
                tail(&log_text)
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The last lines of a log, for panic messages.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(30);
    lines[start..].join("\n")
}

/// `$MOTO_SERVER`, else `moto_server` on `PATH`.
fn moto_server_path() -> PathBuf {
    if let Some(path) = std::env::var_os("MOTO_SERVER").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        let found = if path.components().count() > 1 {
            Some(path.clone())
        } else {
            find_on_path(&path)
        };
        return match found {
            Some(p) if is_executable(&p) => p,
            _ => panic!(
                "MOTO_SERVER={} is not an executable file.\n\nTo fix: {HOW_TO_GET_MOTO}.",
                path.display()
            ),
        };
    }
    find_on_path(Path::new("moto_server")).unwrap_or_else(|| {
        panic!(
            "MOTO_SERVER is not set and no moto_server is on PATH.\n\nTo fix: {HOW_TO_GET_MOTO}."
        )
    })
}

fn find_on_path(name: &Path) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A port nobody listens on right now, never handed out twice by this process.
fn free_port() -> u16 {
    static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    let mut handed_out = HANDED_OUT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let handed_out = handed_out.get_or_insert_with(HashSet::new);
    for _ in 0..100 {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .expect("cannot bind a TCP listener on 127.0.0.1 to pick a free port");
        let port = listener
            .local_addr()
            .expect("a bound TCP listener has a local address")
            .port();
        if handed_out.insert(port) {
            return port;
        }
    }
    panic!("no free port on 127.0.0.1 that this test process has not used already");
}

/// `<temp>/infra-moto-logs`, created, with logs older than a day removed.
fn log_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("infra-moto-logs");
    fs::create_dir_all(&dir).unwrap_or_else(|e| {
        panic!(
            "cannot create the moto log directory {}: {e}",
            dir.display()
        )
    });
    if let Ok(entries) = fs::read_dir(&dir) {
        let now = SystemTime::now();
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age > LOG_MAX_AGE);
            if old {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
    dir
}
