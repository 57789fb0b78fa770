//! A misbehaving HTTP server for tests: a raw tokio TCP (or TLS) server on 127.0.0.1:0 that
//! reads each request head, records it, and answers as a rule says: forward to an upstream
//! (a simulator, so logins are real), or misbehave (endless body, silence, slow headers,
//! raw bytes such as redirects, huge headers or a truncated chunked body).
//!
//! One request per connection: forwarded requests get `Connection: close`, so the client
//! never reuses a connection and every request comes through `accept`.
#![allow(dead_code)] // each test uses its own subset

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target (path and query).
    pub path: String,
    /// Header names (lowercase) and values, in order.
    pub headers: Vec<(String, String)>,
}

impl Seen {
    /// The header names, lowercase, sorted.
    pub fn header_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.headers.iter().map(|(n, _)| n.clone()).collect();
        names.sort();
        names
    }
}

/// How to answer one request.
#[derive(Debug, Clone)]
pub enum Answer {
    /// Pass it to the upstream and relay its answer.
    Forward,
    /// A chunked body of `x`s that never ends, with this status.
    EndlessBody(u16),
    /// Accept the request and never answer (the connection stays open).
    Silent,
    /// The status line, then one header byte per `delay`, for ever.
    SlowHeaders(Duration),
    /// These bytes, then close.
    Raw(Vec<u8>),
}

impl Answer {
    /// A complete answer with `status`, extra `headers` lines and a body.
    pub fn full(status: u16, headers: &[&str], content_type: &str, body: &str) -> Answer {
        let mut text = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
            body.len()
        );
        for h in headers {
            text.push_str(h);
            text.push_str("\r\n");
        }
        text.push_str("\r\n");
        text.push_str(body);
        Answer::Raw(text.into_bytes())
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Answer {
        Answer::full(
            status,
            &[&format!("Location: {location}")],
            "text/plain",
            "",
        )
    }
}

type Rule = dyn Fn(&Seen) -> Answer + Send + Sync;

/// A running hostile server.
pub struct Hostile {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
    scheme: &'static str,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Hostile {
    /// A plain-HTTP server answering as `rule` says, forwarding to `upstream`.
    pub async fn start(
        upstream: Option<SocketAddr>,
        rule: impl Fn(&Seen) -> Answer + Send + Sync + 'static,
    ) -> Hostile {
        Hostile::start_with(upstream, rule, None).await
    }

    /// Like [`Hostile::start`], over TLS with `acceptor` when given.
    pub async fn start_with(
        upstream: Option<SocketAddr>,
        rule: impl Fn(&Seen) -> Answer + Send + Sync + 'static,
        acceptor: Option<tokio_rustls::TlsAcceptor>,
    ) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let rule: Arc<Rule> = Arc::new(rule);
        let scheme = if acceptor.is_some() { "https" } else { "http" };
        let task = {
            let seen = seen.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((socket, _)) = listener.accept().await else {
                        return;
                    };
                    let (seen, rule, acceptor) = (seen.clone(), rule.clone(), acceptor.clone());
                    tokio::spawn(async move {
                        match acceptor {
                            Some(acceptor) => {
                                if let Ok(tls) = acceptor.accept(socket).await {
                                    serve(tls, upstream, &*rule, &seen).await;
                                }
                            }
                            None => serve(socket, upstream, &*rule, &seen).await,
                        }
                    });
                }
            })
        };
        Hostile {
            addr,
            seen,
            task,
            scheme,
        }
    }

    /// `scheme://127.0.0.1:port` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The requests seen whose path contains `part`.
    pub fn seen_on(&self, part: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.path.contains(part))
            .collect()
    }
}

/// The request head (up to the blank line) and the body bytes already read after it.
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buf.split_off(end + 4);
            return Some((buf, rest));
        }
        if buf.len() > 1 << 20 {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn parse_head(head: &[u8]) -> Option<Seen> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Seen {
        method,
        path,
        headers,
    })
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    upstream: Option<SocketAddr>,
    rule: &Rule,
    seen: &Mutex<Vec<Seen>>,
) {
    let Some((head, mut body)) = read_head(&mut stream).await else {
        return;
    };
    let Some(request) = parse_head(&head) else {
        return;
    };
    seen.lock().unwrap().push(request.clone());
    match rule(&request) {
        Answer::Forward => {
            let Some(upstream) = upstream else { return };
            let length = request
                .headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(0);
            let mut chunk = [0u8; 4096];
            while body.len() < length {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => body.extend_from_slice(&chunk[..n]),
                }
            }
            let mut head_out = format!("{} {} HTTP/1.1\r\n", request.method, request.path);
            for (n, v) in &request.headers {
                if n != "connection" {
                    head_out.push_str(&format!("{n}: {v}\r\n"));
                }
            }
            head_out.push_str("connection: close\r\n\r\n");
            let Ok(mut up) = TcpStream::connect(upstream).await else {
                return;
            };
            if up.write_all(head_out.as_bytes()).await.is_err()
                || up.write_all(&body).await.is_err()
            {
                return;
            }
            let mut answer = Vec::new();
            if up.read_to_end(&mut answer).await.is_ok() {
                let _ = stream.write_all(&answer).await;
                let _ = stream.shutdown().await;
            }
        }
        Answer::EndlessBody(status) => {
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
            chunk.extend(std::iter::repeat_n(b'x', 64 * 1024));
            chunk.extend_from_slice(b"\r\n");
            while stream.write_all(&chunk).await.is_ok() {}
        }
        Answer::Silent => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Answer::SlowHeaders(delay) => {
            if stream
                .write_all(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                .await
                .is_err()
            {
                return;
            }
            loop {
                tokio::time::sleep(delay).await;
                if stream.write_all(b"a").await.is_err() {
                    return;
                }
            }
        }
        Answer::Raw(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
    }
}

/// A self-signed certificate for 127.0.0.1 / localhost: the TLS acceptor and the
/// certificate's PEM (to trust it with a CA bundle).
pub fn self_signed() -> (tokio_rustls::TlsAcceptor, String) {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
        .expect("certificate");
    let pem = cert.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .expect("server config");
    (tokio_rustls::TlsAcceptor::from(Arc::new(config)), pem)
}

/// Runs `cmd` to completion and returns its output, the peak RSS of the child in MiB (VmHWM
/// polled from /proc every 2 ms; `ru_maxrss` from `wait4` if that failed) and the time taken.
pub fn run_measured(mut cmd: std::process::Command) -> (std::process::Output, f64, Duration) {
    use std::io::Read;
    use std::process::Stdio;
    let started = std::time::Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bi-rest");
    let pid = child.id() as libc::pid_t;
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_thread = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stdout.read_to_end(&mut b);
        b
    });
    let err_thread = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stderr.read_to_end(&mut b);
        b
    });
    // The peak as the kernel reports it for the running process (VmHWM in /proc), polled:
    // wait4's ru_maxrss may also count the parent's pages copied before exec.
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poller = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak_kib = 0u64;
            while !done.load(std::sync::atomic::Ordering::Acquire) {
                if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
                    let hwm = status
                        .lines()
                        .find_map(|l| l.strip_prefix("VmHWM:"))
                        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
                    peak_kib = peak_kib.max(hwm.unwrap_or(0));
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            peak_kib
        })
    };
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value, and wait4 writes into both out-pointers.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet reaped; the pointers are valid for the call.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4");
    let elapsed = started.elapsed();
    done.store(true, std::sync::atomic::Ordering::Release);
    let polled_kib = poller.join().expect("RSS poller");
    let stdout = out_thread.join().expect("stdout reader");
    let stderr = err_thread.join().expect("stderr reader");
    use std::os::unix::process::ExitStatusExt;
    let output = std::process::Output {
        status: std::process::ExitStatus::from_raw(status),
        stdout,
        stderr,
    };
    // `child` was reaped by wait4 (dropping a Child neither waits nor kills).
    drop(child);
    let peak_kib = if polled_kib > 0 {
        polled_kib
    } else {
        usage.ru_maxrss as u64
    };
    (output, peak_kib as f64 / 1024.0, elapsed)
}
