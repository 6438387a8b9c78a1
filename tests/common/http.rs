//! Local HTTP servers for fetch tests: an axum app for ordinary responses, and a raw TCP
//! server for the byte-level behaviour axum hides (chunked bodies that never end, a
//! Content-Length that lies, a body that stalls).

#![allow(dead_code)] // Each test binary uses a different subset.

use std::future::Future;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::time::Duration;

use govwatch::config::FetchConfig;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

/// Serves `app` on 127.0.0.1 on a free port for the rest of the test's runtime.
pub async fn spawn_app(app: axum::Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("axum server");
    });
    addr
}

/// Accepts connections on 127.0.0.1 and hands each to `handler` (after nothing has been read).
pub async fn spawn_raw<F, Fut>(handler: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(handler(stream));
        }
    });
    addr
}

/// Reads one request head (up to the blank line) and returns it as text.
pub async fn read_request_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Fetch settings for tests: loopback allowed unless `allow_private` says otherwise.
pub fn fetch_config(allow_private: bool) -> FetchConfig {
    FetchConfig {
        timeout: Duration::from_secs(10),
        max_body_bytes: 1024 * 1024,
        concurrency: NonZeroUsize::new(16).expect("non-zero"),
        per_host_concurrency: NonZeroUsize::new(2).expect("non-zero"),
        user_agent: "govwatch-test/1.0 (+https://example.gov/contact)".to_string(),
        allow_private_addresses: allow_private,
        allow_networks: Vec::new(),
    }
}
