//! A hostile HTTP server on 127.0.0.1 that writes raw bytes, so that it can misbehave
//! at the HTTP level: bodies shorter than they claim, bodies that never end, headers that
//! never come, connections reset or closed mid-answer. It reads one request per
//! connection, records it, and answers what the test's script says for that request.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Answer {
    /// Writes the bytes, then closes the connection.
    Bytes(Vec<u8>),
    /// Writes the bytes, then keeps the connection open and silent until the client
    /// gives up (with no bytes: headers that never come).
    BytesThenHang(Vec<u8>),
    /// Writes the head, then one space every `every`, forever.
    Trickle { head: Vec<u8>, every: Duration },
    /// Writes the head, then `block` again and again as fast as the client reads, forever.
    Flood { head: Vec<u8>, block: Vec<u8> },
    /// Writes the bytes, then resets the connection (`SO_LINGER` 0).
    BytesThenReset(Vec<u8>),
    /// Closes the connection without writing anything.
    Close,
}

impl Answer {
    /// A complete response: status line, `Content-Type`, the right `Content-Length`,
    /// `Connection: close`, any extra header lines, and the body.
    pub fn full(status: &str, content_type: &str, extra_headers: &[&str], body: &[u8]) -> Self {
        Self::Bytes(response(
            status,
            content_type,
            extra_headers,
            body.len(),
            body,
        ))
    }

    /// A JSON response.
    pub fn json(status: &str, body: &str) -> Self {
        Self::full(status, "application/json", &[], body.as_bytes())
    }
}

/// The bytes of a response whose `Content-Length` says `length`, whatever `body` holds.
pub fn response(
    status: &str,
    content_type: &str,
    extra_headers: &[&str],
    length: usize,
    body: &[u8],
) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n\
         Connection: close\r\n"
    );
    for line in extra_headers {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct RawRequest {
    pub method: String,
    pub path: String,
    /// Header names in lowercase, with their values.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    /// The value of the header `name` (lowercase), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

type Script = dyn Fn(usize, &RawRequest) -> Answer + Send + Sync;

/// A raw server for one test; it stops when dropped.
pub struct RawServer {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<RawRequest>>>,
    /// Body bytes written by [`Answer::Flood`] answers.
    flooded: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RawServer {
    /// A server that answers the `n`th request (from 0) with `script(n, &request)`.
    pub async fn start(
        script: impl Fn(usize, &RawRequest) -> Answer + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("a bound address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let shared = Arc::clone(&received);
        let flooded = Arc::new(AtomicUsize::new(0));
        let written = Arc::clone(&flooded);
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let script = Arc::clone(&script);
                let received = Arc::clone(&shared);
                let written = Arc::clone(&written);
                tokio::spawn(async move {
                    serve(socket, &*script, &received, &written).await;
                });
            }
        });
        Self {
            addr,
            received,
            flooded,
            task,
        }
    }

    /// A server that gives every request the same answer.
    pub async fn always(answer: Answer) -> Self {
        Self::start(move |_, _| answer.clone()).await
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<RawRequest> {
        self.received.lock().expect("not poisoned").clone()
    }

    /// How many body bytes endless answers have written so far.
    pub fn flooded_bytes(&self) -> usize {
        self.flooded.load(Ordering::Relaxed)
    }
}

async fn serve(
    mut socket: TcpStream,
    script: &Script,
    received: &Mutex<Vec<RawRequest>>,
    written: &AtomicUsize,
) {
    let Some(request) = read_request(&mut socket).await else {
        return;
    };
    let answer = {
        let mut received = received.lock().expect("not poisoned");
        let answer = script(received.len(), &request);
        received.push(request);
        answer
    };
    // Write errors mean the client gave up, which is what several tests wait for.
    match answer {
        Answer::Bytes(bytes) => {
            let _ = socket.write_all(&bytes).await;
            let _ = socket.shutdown().await;
        }
        Answer::BytesThenHang(bytes) => {
            let _ = socket.write_all(&bytes).await;
            // Reads until the client closes; never answers more.
            let mut sink = [0u8; 1024];
            while matches!(socket.read(&mut sink).await, Ok(n) if n > 0) {}
        }
        Answer::Trickle { head, every } => {
            if socket.write_all(&head).await.is_ok() {
                while socket.write_all(b" ").await.is_ok() {
                    tokio::time::sleep(every).await;
                }
            }
        }
        Answer::Flood { head, block } => {
            if socket.write_all(&head).await.is_ok() {
                while socket.write_all(&block).await.is_ok() {
                    written.fetch_add(block.len(), Ordering::Relaxed);
                }
            }
        }
        Answer::BytesThenReset(bytes) => {
            let _ = socket.write_all(&bytes).await;
            let _ = socket.flush().await;
            socket.set_zero_linger().expect("SO_LINGER 0");
            drop(socket);
        }
        Answer::Close => drop(socket),
    }
}

/// Reads one request: the head up to the blank line, then `Content-Length` bytes of body.
async fn read_request(socket: &mut TcpStream) -> Option<RawRequest> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break end;
        }
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    body.truncate(length);
    Some(RawRequest {
        method,
        path,
        headers,
        body,
    })
}
