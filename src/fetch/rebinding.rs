//! DNS rebinding acted out against real connections: a name whose answers change between
//! lookups, served by two listeners on the same port (127.0.0.1 allowed, 127.0.0.2 refused).
//! Each listener counts the connections it accepted, so "refused" means no byte was sent.

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::address::Lookup;
use super::{FetchError, FetchOutcome, FetchRequest, Fetcher};
use crate::config::FetchConfig;

const ALLOWED: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
const REFUSED: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

const FEED: &str = "<rss version=\"2.0\"><channel><title>t</title></channel></rss>";

/// Serves a one-item feed on `ip:port` and counts accepted connections. Each response closes
/// its connection, so every fetch opens a new one and so looks the name up again.
async fn serve(ip: IpAddr, port: u16) -> Arc<AtomicUsize> {
    let listener = TcpListener::bind(SocketAddr::new(ip, port))
        .await
        .unwrap_or_else(|e| panic!("bind {ip}:{port}: {e}"));
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{FEED}",
                    FEED.len()
                );
                let _ = conn.write_all(response.as_bytes()).await;
            });
        }
    });
    accepted
}

struct Setup {
    fetcher: Fetcher,
    port: u16,
    allowed_hits: Arc<AtomicUsize>,
    refused_hits: Arc<AtomicUsize>,
}

async fn setup(answers: Vec<Vec<IpAddr>>, allow_private_addresses: bool) -> Setup {
    let first = TcpListener::bind((ALLOWED, 0)).await.expect("bind");
    let port = first.local_addr().expect("bound").port();
    drop(first);
    let allowed_hits = serve(ALLOWED, port).await;
    let refused_hits = serve(REFUSED, port).await;
    let cfg = FetchConfig {
        allow_networks: vec!["127.0.0.1/32".parse().expect("valid CIDR")],
        allow_private_addresses,
        ..FetchConfig::default()
    };
    let lookup = Lookup::Scripted(Arc::new(Mutex::new(VecDeque::from(answers))));
    let fetcher = Fetcher::with_lookup(&cfg, lookup).expect("client builds");
    Setup {
        fetcher,
        port,
        allowed_hits,
        refused_hits,
    }
}

async fn fetch(s: &Setup, path: &str) -> Result<FetchOutcome, FetchError> {
    let url = format!("http://rebind.test:{}/{path}", s.port);
    let url = url.parse().expect("valid URL");
    s.fetcher.fetch(&FetchRequest::new(url)).await
}

#[tokio::test]
async fn a_name_that_turns_private_after_its_first_answer_is_refused_before_connecting() {
    let s = setup(vec![vec![ALLOWED], vec![REFUSED]], false).await;

    let first = fetch(&s, "a").await.expect("the allowed answer is fetched");
    assert!(matches!(first, FetchOutcome::Fetched(..)), "{first:?}");
    assert_eq!(s.allowed_hits.load(Ordering::SeqCst), 1);

    match fetch(&s, "b").await {
        Err(FetchError::PrivateAddress { addr, .. }) => assert_eq!(addr, REFUSED),
        other => panic!("expected private-address, got {other:?}"),
    }
    assert_eq!(
        s.refused_hits.load(Ordering::SeqCst),
        0,
        "a connection reached the refused address"
    );
    assert_eq!(s.allowed_hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn of_a_mixed_answer_only_the_allowed_address_is_connected_to() {
    // Refused first, so that a client trying answers in order would reach it first.
    let s = setup(vec![vec![REFUSED, ALLOWED]], false).await;
    for path in ["a", "b", "c"] {
        let outcome = fetch(&s, path)
            .await
            .expect("fetched from the allowed address");
        assert_eq!(
            outcome.meta().remote_addr.map(|a| a.ip()),
            Some(ALLOWED),
            "{outcome:?}"
        );
    }
    assert_eq!(s.allowed_hits.load(Ordering::SeqCst), 3);
    assert_eq!(s.refused_hits.load(Ordering::SeqCst), 0);
}

/// The control for the test above: with the guard off, the same answer does reach the refused
/// address, so the counters see what the client connects to.
#[tokio::test]
async fn without_the_guard_the_mixed_answer_reaches_the_refused_address() {
    let s = setup(vec![vec![REFUSED, ALLOWED]], true).await;
    let outcome = fetch(&s, "a").await.expect("fetched");
    assert_eq!(outcome.meta().remote_addr.map(|a| a.ip()), Some(REFUSED));
    assert_eq!(s.refused_hits.load(Ordering::SeqCst), 1);
}
