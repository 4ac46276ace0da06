//! Shared harness for the integration tests: a local AWS (`moto_server`) and a
//! recording proxy that sits between the AWS SDK and it.
//!
//! Include it from a test file with `mod common;`, then use [`Moto`],
//! [`shared`], [`sdk_config`], [`RecordingProxy`] and
//! [`CborProxy`] (for CloudWatch, whose SDK client speaks a protocol moto lacks).
//!
//! `moto_server` is found through the `MOTO_SERVER` environment variable (an
//! absolute path), else on `PATH`. `bash scripts/test.sh` installs the pinned
//! version into `target/moto-venv` and sets `MOTO_SERVER` for the tests. A test
//! that needs moto and cannot start it panics: it never skips silently.
//!
//! Every item is `pub(crate)`: each test binary compiles its own copy of this
//! module as a private module, where `pub` would trip `unreachable_pub`.

// Each integration test binary compiles its own copy of this module and uses only
// part of it; the rest would be reported as dead code (and as unused re-exports)
// in that binary.
#![allow(dead_code, unused_imports)]

pub(crate) mod binaries;
pub(crate) mod cbor_proxy;
pub(crate) mod moto;
pub(crate) mod proxy;

pub(crate) use cbor_proxy::CborProxy;
pub(crate) use moto::{sdk_config, shared, Moto};
pub(crate) use proxy::RecordingProxy;

/// Minimal blocking HTTP/1.1 message reading and writing over `std::net`, used by
/// [`Moto`] to talk to moto's own API and by [`RecordingProxy`].
pub(crate) mod http {
    use std::io::{self, BufRead, BufReader, Read, Write};
    use std::net::{Ipv4Addr, SocketAddr, TcpStream};
    use std::time::Duration;

    /// Longest request or response head accepted, in bytes.
    const MAX_HEAD: usize = 64 * 1024;

    /// The start line and headers of a request or a response.
    #[derive(Debug, Clone)]
    pub(crate) struct Head {
        /// `GET /path HTTP/1.1` or `HTTP/1.1 200 OK`, without the line ending.
        pub(crate) start_line: String,
        /// Header names and values in order, as received (values trimmed).
        pub(crate) headers: Vec<(String, String)>,
    }

    impl Head {
        /// The value of the first header called `name` (case-insensitive).
        pub(crate) fn get(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }

        /// Removes every header called `name` (case-insensitive).
        pub(crate) fn remove(&mut self, name: &str) {
            self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        }

        /// Replaces every header called `name` with one `name: value`.
        pub(crate) fn set(&mut self, name: &str, value: &str) {
            self.remove(name);
            self.headers.push((name.to_owned(), value.to_owned()));
        }

        /// Whether the body is sent with `Transfer-Encoding: chunked`.
        pub(crate) fn is_chunked(&self) -> bool {
            self.get("transfer-encoding")
                .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
        }

        /// The `Content-Length`, if any.
        pub(crate) fn content_length(&self) -> io::Result<Option<usize>> {
            match self.get("content-length") {
                None => Ok(None),
                Some(v) => {
                    v.trim().parse().map(Some).map_err(|_| {
                        io::Error::new(io::ErrorKind::InvalidData, "bad Content-Length")
                    })
                }
            }
        }

        /// Serializes the head, blank line included.
        pub(crate) fn to_bytes(&self) -> Vec<u8> {
            let mut out = String::with_capacity(256);
            out.push_str(&self.start_line);
            out.push_str("\r\n");
            for (name, value) in &self.headers {
                out.push_str(name);
                out.push_str(": ");
                out.push_str(value);
                out.push_str("\r\n");
            }
            out.push_str("\r\n");
            out.into_bytes()
        }
    }

    fn invalid(msg: &str) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, msg.to_owned())
    }

    /// Reads one line ending in `\n`, without the line ending.
    fn read_line<R: BufRead>(r: &mut R, budget: &mut usize) -> io::Result<Option<String>> {
        let mut line = Vec::new();
        let n = r
            .by_ref()
            .take(u64::try_from(*budget).unwrap_or(u64::MAX))
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        *budget = budget.saturating_sub(n);
        if line.last() != Some(&b'\n') {
            return Err(invalid("HTTP head too long or truncated"));
        }
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        Ok(Some(String::from_utf8_lossy(&line).into_owned()))
    }

    /// Reads a head up to its blank line. `Ok(None)` when the peer closed the
    /// connection before sending anything.
    pub(crate) fn read_head<R: BufRead>(r: &mut R) -> io::Result<Option<Head>> {
        let mut budget = MAX_HEAD;
        let Some(start_line) = read_line(r, &mut budget)? else {
            return Ok(None);
        };
        let mut headers = Vec::new();
        loop {
            let line = read_line(r, &mut budget)?
                .ok_or_else(|| invalid("connection closed inside an HTTP head"))?;
            if line.is_empty() {
                break;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| invalid("HTTP header line without ':'"))?;
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        Ok(Some(Head {
            start_line,
            headers,
        }))
    }

    /// Reads the body that follows `head`: chunked (decoded, trailers dropped),
    /// `Content-Length`, or else empty — or, when `until_eof` (a response without
    /// framing), everything up to the end of the stream.
    pub(crate) fn read_body<R: BufRead>(
        r: &mut R,
        head: &Head,
        until_eof: bool,
    ) -> io::Result<Vec<u8>> {
        let mut body = Vec::new();
        if head.is_chunked() {
            let mut budget = MAX_HEAD;
            loop {
                let line = read_line(r, &mut budget)?
                    .ok_or_else(|| invalid("connection closed inside a chunked body"))?;
                let size = line.split(';').next().unwrap_or("").trim();
                let size = usize::from_str_radix(size, 16)
                    .map_err(|_| invalid("bad chunk size in a chunked body"))?;
                if size == 0 {
                    // Trailers, up to the blank line.
                    while read_line(r, &mut budget)?.is_some_and(|l| !l.is_empty()) {}
                    return Ok(body);
                }
                let start = body.len();
                body.resize(start + size, 0);
                r.read_exact(&mut body[start..])?;
                let _crlf = read_line(r, &mut budget)?;
            }
        } else if let Some(len) = head.content_length()? {
            body.resize(len, 0);
            r.read_exact(&mut body)?;
        } else if until_eof {
            r.read_to_end(&mut body)?;
        }
        Ok(body)
    }

    /// Sends one request (`Connection: close`) to `127.0.0.1:port` and returns
    /// the status code and the body of the response.
    pub(crate) fn request(
        port: u16,
        method: &str,
        path: &str,
        timeout: Duration,
    ) -> io::Result<(u16, Vec<u8>)> {
        send(port, method, path, None, timeout)
    }

    /// Sends one request with an optional JSON `body` (`Connection: close`) to
    /// `127.0.0.1:port` and returns the status code and the body of the response.
    pub(crate) fn send(
        port: u16,
        method: &str,
        path: &str,
        json: Option<&str>,
        timeout: Duration,
    ) -> io::Result<(u16, Vec<u8>)> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        let body = json.unwrap_or_default();
        let content_type = if json.is_some() {
            "Content-Type: application/json\r\n"
        } else {
            ""
        };
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{content_type}\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(req.as_bytes())?;
        let mut reader = BufReader::new(stream);
        let head = read_head(&mut reader)?
            .ok_or_else(|| invalid("connection closed before an HTTP response"))?;
        let status = head
            .start_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid("bad HTTP status line"))?;
        let body = if method == "HEAD" {
            Vec::new()
        } else {
            read_body(&mut reader, &head, true)?
        };
        Ok((status, body))
    }
}

/// An EC2 filter on a tag: `tag_filter("infra:stack", "demo")`.
pub(crate) fn tag_filter(key: &str, value: &str) -> aws_sdk_ec2::types::Filter {
    aws_sdk_ec2::types::Filter::builder()
        .name(format!("tag:{key}"))
        .values(value)
        .build()
}

/// EC2 tags as sorted `(key, value)` pairs, for comparisons.
pub(crate) fn tags_of(tags: &[aws_sdk_ec2::types::Tag]) -> Vec<(String, String)> {
    let mut tags: Vec<_> = tags
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_owned(),
                t.value().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    tags.sort();
    tags
}

/// An apply observer that ignores every event.
pub(crate) fn no_events(_: &infra::Event) {}
