//! A loopback HTTP/1.1 proxy in front of moto that lets the AWS SDK for Rust
//! talk to moto's CloudWatch.
//!
//! The SDK's CloudWatch client speaks only the Smithy RPC v2 CBOR protocol
//! (`POST /service/GraniteServiceVersion20100801/operation/DescribeAlarms`, a
//! CBOR body, `smithy-protocol: rpc-v2-cbor`), which moto does not serve (it
//! answers 404; getmoto/moto#9195: no support is planned). moto serves the same
//! operations over AWS JSON 1.0. This proxy translates: a CBOR request becomes
//! the JSON request `POST /` with `X-Amz-Target: <service>.<operation>`, and
//! moto's JSON answer (errors included) goes back as CBOR. Every other request
//! is forwarded unchanged, so one proxy can stand for moto for every service.
//!
//! JSON has no timestamp type, CBOR does (tag 1, epoch seconds) and the SDK
//! requires it: a number in a response is sent as a timestamp when its member
//! name says it is one (`…Timestamp`, `…Timestamps`, `LastModified`,
//! `CreationDate`, `LastUpdateDate`, `StartTime`, `EndTime`). Byte strings
//! become base64 strings, as in JSON. Requests are read whole; one request per
//! connection, answered with `Connection: close`.

use std::io::{self, BufReader, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Map, Number, Value};

use super::http::{self, Head};

/// How long the proxy waits for a client to send its request.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the proxy waits for moto to answer.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(300);

/// A CBOR-to-JSON translating proxy on `127.0.0.1`, in front of one upstream
/// endpoint. Dropping it stops accepting connections.
#[derive(Debug)]
pub(crate) struct CborProxy {
    port: u16,
    shutdown: Arc<AtomicBool>,
    accept_thread: Option<JoinHandle<()>>,
}

impl CborProxy {
    /// Starts a proxy on a free port in front of `upstream_endpoint`
    /// (`http://HOST:PORT`, for example [`Moto::endpoint`](super::Moto::endpoint)).
    ///
    /// # Panics
    ///
    /// If the endpoint is not a plain `http://` address or no port can be bound.
    pub(crate) fn start(upstream_endpoint: &str) -> CborProxy {
        let upstream = parse_endpoint(upstream_endpoint);
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .expect("cannot bind the CBOR proxy to a free port on 127.0.0.1");
        let port = listener
            .local_addr()
            .expect("a bound TCP listener has a local address")
            .port();
        let shutdown = Arc::new(AtomicBool::new(false));
        let accept_thread = {
            let shutdown = Arc::clone(&shutdown);
            std::thread::Builder::new()
                .name(format!("cbor-proxy-{port}"))
                .spawn(move || accept_loop(&listener, upstream, &shutdown))
                .expect("cannot spawn the CBOR proxy's accept thread")
        };
        CborProxy {
            port,
            shutdown,
            accept_thread: Some(accept_thread),
        }
    }

    /// `http://127.0.0.1:PORT`: the endpoint to give the SDK.
    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for CborProxy {
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

/// `http://host:port[/…]` → a socket address.
fn parse_endpoint(endpoint: &str) -> SocketAddr {
    let authority = endpoint
        .strip_prefix("http://")
        .unwrap_or_else(|| {
            panic!("the CBOR proxy needs a plain http:// upstream, got {endpoint:?}")
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

fn accept_loop(listener: &TcpListener, upstream: SocketAddr, shutdown: &AtomicBool) {
    for stream in listener.incoming() {
        if shutdown.load(Ordering::SeqCst) {
            break;
        }
        match stream {
            Ok(client) => {
                let spawned = std::thread::Builder::new()
                    .name("cbor-proxy-conn".to_owned())
                    .spawn(move || {
                        if let Err(e) = handle(client, upstream) {
                            eprintln!("CBOR proxy: request to {upstream} failed: {e}");
                        }
                    });
                if let Err(e) = spawned {
                    eprintln!("CBOR proxy: cannot spawn a connection thread: {e}");
                }
            }
            Err(e) => {
                eprintln!("CBOR proxy: accept failed: {e}");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// The `(service, operation)` of an RPC v2 CBOR request, or `None` for any
/// other request.
fn rpc_v2_target(head: &Head) -> Option<(String, String)> {
    if !head
        .get("smithy-protocol")
        .is_some_and(|p| p.eq_ignore_ascii_case("rpc-v2-cbor"))
    {
        return None;
    }
    let path = head.start_line.split_whitespace().nth(1)?;
    let path = path.split('?').next().unwrap_or(path);
    let rest = path.strip_prefix("/service/")?;
    let (service, operation) = rest.split_once("/operation/")?;
    Some((service.to_owned(), operation.to_owned()))
}

/// Serves one request on `client`, then closes the connection.
fn handle(client: TcpStream, upstream: SocketAddr) -> io::Result<()> {
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
    let mut body = http::read_body(&mut client_reader, &head, false)?;

    let target = rpc_v2_target(&head);
    if let Some((service, operation)) = &target {
        let request = if body.is_empty() {
            Value::Object(Map::new())
        } else {
            decode(&body)?
        };
        body = serde_json::to_vec(&request)?;
        head.start_line = "POST / HTTP/1.1".to_owned();
        head.set("X-Amz-Target", &format!("{service}.{operation}"));
        head.set("Content-Type", "application/x-amz-json-1.0");
        head.remove("smithy-protocol");
        head.remove("accept");
    }
    // Forward with a plain Content-Length and ask upstream to close, so that
    // its response ends at end of stream.
    head.remove("transfer-encoding");
    head.set("Content-Length", &body.len().to_string());
    head.remove("keep-alive");
    head.remove("proxy-connection");
    head.set("Connection", "close");

    let result = forward(&head, &body, upstream, target.is_some());
    let written = match result {
        Ok((response, body)) => client
            .write_all(&response.to_bytes())
            .and_then(|()| client.write_all(&body)),
        Err(e) => {
            let msg = format!("CBOR proxy: upstream {upstream} failed: {e}");
            write!(
                client,
                "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{msg}",
                msg.len()
            )
        }
    };
    let _ = client.flush();
    let _ = client.shutdown(Shutdown::Write);
    written
}

/// Sends the request upstream and returns its response, translated from JSON
/// to CBOR when `translate`.
fn forward(
    head: &Head,
    body: &[u8],
    upstream: SocketAddr,
    translate: bool,
) -> io::Result<(Head, Vec<u8>)> {
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
    let mut body = http::read_body(&mut up_reader, &response, true)?;
    if translate {
        let json = if body.iter().all(u8::is_ascii_whitespace) {
            Value::Object(Map::new())
        } else {
            serde_json::from_slice(&body)?
        };
        body = Vec::new();
        encode(&json, false, &mut body);
        response.set("Content-Type", "application/cbor");
        response.set("smithy-protocol", "rpc-v2-cbor");
    }
    response.remove("transfer-encoding");
    response.remove("keep-alive");
    response.set("Content-Length", &body.len().to_string());
    response.set("Connection", "close");
    Ok((response, body))
}

/// Whether a JSON member called `key` holds a timestamp (or a list of them).
fn is_timestamp_member(key: &str) -> bool {
    key.ends_with("Timestamp")
        || key.ends_with("Timestamps")
        || matches!(
            key,
            "LastModified" | "CreationDate" | "LastUpdateDate" | "StartTime" | "EndTime"
        )
}

/// Appends the CBOR head of major type `major` with argument `value`.
fn head_bytes(major: u8, value: u64, out: &mut Vec<u8>) {
    let major = major << 5;
    match value {
        0..=23 => out.push(major | value as u8),
        24..=0xff => {
            out.push(major | 24);
            out.push(value as u8);
        }
        0x100..=0xffff => {
            out.push(major | 25);
            out.extend_from_slice(&(value as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(major | 26);
            out.extend_from_slice(&(value as u32).to_be_bytes());
        }
        _ => {
            out.push(major | 27);
            out.extend_from_slice(&value.to_be_bytes());
        }
    }
}

/// Appends `value` as CBOR; numbers as timestamps (tag 1) when `timestamp`.
fn encode(value: &Value, timestamp: bool, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(0xf6),
        Value::Bool(false) => out.push(0xf4),
        Value::Bool(true) => out.push(0xf5),
        Value::Number(number) => {
            if timestamp {
                head_bytes(6, 1, out);
            }
            encode_number(number, out);
        }
        Value::String(text) => {
            head_bytes(3, text.len() as u64, out);
            out.extend_from_slice(text.as_bytes());
        }
        Value::Array(items) => {
            head_bytes(4, items.len() as u64, out);
            for item in items {
                encode(item, timestamp, out);
            }
        }
        Value::Object(members) => {
            head_bytes(5, members.len() as u64, out);
            for (key, member) in members {
                head_bytes(3, key.len() as u64, out);
                out.extend_from_slice(key.as_bytes());
                encode(member, is_timestamp_member(key), out);
            }
        }
    }
}

/// Appends a JSON number as a CBOR integer, or a double when it has a
/// fraction or exponent in the JSON text.
fn encode_number(number: &Number, out: &mut Vec<u8>) {
    if let Some(n) = number.as_u64() {
        head_bytes(0, n, out);
    } else if let Some(n) = number.as_i64() {
        // Negative: CBOR stores -1 - n.
        head_bytes(1, (-1 - n) as u64, out);
    } else {
        out.push(0xfb);
        out.extend_from_slice(&number.as_f64().unwrap_or(f64::NAN).to_be_bytes());
    }
}

/// A CBOR document as JSON: byte strings as base64, timestamps (tag 1) as
/// epoch seconds.
fn decode(bytes: &[u8]) -> io::Result<Value> {
    let mut reader = Reader { bytes, pos: 0 };
    let value = reader
        .item()?
        .ok_or_else(|| invalid("a CBOR break at top level"))?;
    Ok(value)
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("bad CBOR: {what}"))
}

/// A cursor over a CBOR document.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> io::Result<u8> {
        let byte = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| invalid("unexpected end"))?;
        self.pos += 1;
        Ok(byte)
    }

    fn take(&mut self, n: usize) -> io::Result<&[u8]> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| invalid("length overflow"))?;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or_else(|| invalid("unexpected end"))?;
        self.pos = end;
        Ok(slice)
    }

    /// The argument of a head whose additional information is `info`; `None`
    /// for an indefinite length.
    fn argument(&mut self, info: u8) -> io::Result<Option<u64>> {
        Ok(Some(match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.byte()?),
            25 => u64::from(u16::from_be_bytes(self.fixed()?)),
            26 => u64::from(u32::from_be_bytes(self.fixed()?)),
            27 => u64::from_be_bytes(self.fixed()?),
            31 => return Ok(None),
            _ => return Err(invalid("reserved additional information")),
        }))
    }

    fn fixed<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let mut buf = [0; N];
        buf.copy_from_slice(self.take(N)?);
        Ok(buf)
    }

    fn length(&mut self, info: u8) -> io::Result<Option<usize>> {
        self.argument(info)?
            .map(|n| usize::try_from(n).map_err(|_| invalid("length too large")))
            .transpose()
    }

    /// The bytes of a (possibly chunked) byte or text string of major `major`.
    fn string_bytes(&mut self, major: u8, info: u8) -> io::Result<Vec<u8>> {
        match self.length(info)? {
            Some(len) => Ok(self.take(len)?.to_vec()),
            None => {
                let mut all = Vec::new();
                loop {
                    let chunk = self.byte()?;
                    if chunk == 0xff {
                        return Ok(all);
                    }
                    if chunk >> 5 != major {
                        return Err(invalid("a chunk of another type in a string"));
                    }
                    let len = self
                        .length(chunk & 0x1f)?
                        .ok_or_else(|| invalid("an indefinite chunk"))?;
                    all.extend_from_slice(self.take(len)?);
                }
            }
        }
    }

    /// The next item; `None` at a break (0xff).
    fn item(&mut self) -> io::Result<Option<Value>> {
        let initial = self.byte()?;
        if initial == 0xff {
            return Ok(None);
        }
        let (major, info) = (initial >> 5, initial & 0x1f);
        let value = match major {
            0 => Value::from(
                self.argument(info)?
                    .ok_or_else(|| invalid("indefinite int"))?,
            ),
            1 => {
                let n = self
                    .argument(info)?
                    .ok_or_else(|| invalid("indefinite int"))?;
                let n = i64::try_from(n).map_err(|_| invalid("negative int too large"))?;
                Value::from(-1 - n)
            }
            2 => Value::from(aws_smithy_types::base64::encode(
                self.string_bytes(2, info)?,
            )),
            3 => Value::from(
                String::from_utf8(self.string_bytes(3, info)?)
                    .map_err(|_| invalid("text that is not UTF-8"))?,
            ),
            4 => {
                let mut items = Vec::new();
                match self.length(info)? {
                    Some(len) => {
                        for _ in 0..len {
                            items.push(self.item()?.ok_or_else(|| invalid("break in array"))?);
                        }
                    }
                    None => {
                        while let Some(item) = self.item()? {
                            items.push(item);
                        }
                    }
                }
                Value::Array(items)
            }
            5 => {
                let mut members = Map::new();
                let len = self.length(info)?;
                let mut read = 0;
                loop {
                    if len.is_some_and(|len| read == len) {
                        break;
                    }
                    let Some(key) = self.item()? else {
                        if len.is_none() {
                            break;
                        }
                        return Err(invalid("break in map"));
                    };
                    let key = key
                        .as_str()
                        .ok_or_else(|| invalid("a map key that is not text"))?
                        .to_owned();
                    let member = self.item()?.ok_or_else(|| invalid("break in map"))?;
                    members.insert(key, member);
                    read += 1;
                }
                Value::Object(members)
            }
            // A tag: its content stands for it (tag 1, a timestamp, is the
            // epoch seconds JSON uses).
            6 => {
                self.argument(info)?;
                self.item()?.ok_or_else(|| invalid("break after tag"))?
            }
            _ => match info {
                20 => Value::Bool(false),
                21 => Value::Bool(true),
                22 | 23 => Value::Null,
                25 => Value::from(f16_to_f64(u16::from_be_bytes(self.fixed()?))),
                26 => Value::from(f64::from(f32::from_be_bytes(self.fixed()?))),
                27 => Value::from(f64::from_be_bytes(self.fixed()?)),
                _ => return Err(invalid("unsupported simple value")),
            },
        };
        Ok(Some(value))
    }
}

/// An IEEE 754 half-precision float as a double.
fn f16_to_f64(half: u16) -> f64 {
    let sign = if half & 0x8000 == 0 { 1.0 } else { -1.0 };
    let exponent = i32::from((half >> 10) & 0x1f);
    let fraction = f64::from(half & 0x3ff);
    sign * match exponent {
        0 => fraction * 2f64.powi(-24),
        31 if fraction == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1.0 + fraction / 1024.0) * 2f64.powi(exponent - 15),
    }
}
