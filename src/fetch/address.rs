//! Which addresses govwatch may connect to, and the DNS resolver that enforces it.
//!
//! A feed URL is operator-supplied but its redirects and DNS answers are not: without this
//! guard a hostile feed could make the poller probe the loopback interface, the LAN or a cloud
//! metadata endpoint (SSRF). The resolver drops disallowed answers *before* hyper connects, so a
//! name that resolves to a public address at check time cannot be re-resolved to a private one
//! at connect time (DNS rebinding): the addresses checked are the addresses used.

use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The special-purpose range `ip` belongs to, or `None` when it is an ordinary public unicast
/// address that a feed may live on.
///
/// Covers the IANA IPv4 and IPv6 special-purpose registries: private, loopback, link-local,
/// unspecified, shared/CGNAT, documentation, benchmarking, multicast, reserved, unique-local,
/// site-local, discard, ORCHID/IETF-protocol, and the IPv6 forms that embed an IPv4 address
/// (IPv4-mapped, NAT64, 6to4), which are judged by the embedded address.
pub fn reserved_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => reserved_v4(v4),
        IpAddr::V6(v6) => reserved_v6(v6),
    }
}

fn reserved_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let range = match (a, b, c) {
        (0, _, _) => "this-network (0.0.0.0/8)",
        (10, _, _) => "private (10.0.0.0/8)",
        (100, 64..=127, _) => "shared/CGNAT (100.64.0.0/10)",
        (127, _, _) => "loopback (127.0.0.0/8)",
        (169, 254, _) => "link-local (169.254.0.0/16)",
        (172, 16..=31, _) => "private (172.16.0.0/12)",
        (192, 0, 0) => "IETF protocol assignments (192.0.0.0/24)",
        (192, 0, 2) => "documentation (192.0.2.0/24)",
        (192, 88, 99) => "6to4 relay anycast (192.88.99.0/24)",
        (192, 168, _) => "private (192.168.0.0/16)",
        (198, 18..=19, _) => "benchmarking (198.18.0.0/15)",
        (198, 51, 100) => "documentation (198.51.100.0/24)",
        (203, 0, 113) => "documentation (203.0.113.0/24)",
        (224..=239, _, _) => "multicast (224.0.0.0/4)",
        (240..=255, _, _) => "reserved or broadcast (240.0.0.0/4)",
        _ => return None,
    };
    Some(range)
}

fn reserved_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        // ::ffff:a.b.c.d reaches the IPv4 host itself on dual-stack sockets.
        return reserved_v4(v4).map(|_| "IPv4-mapped non-public address (::ffff:0:0/96)");
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // Well-known NAT64 prefix: the translator forwards to the embedded IPv4 address.
        return reserved_v4(embedded_v4(s[6], s[7]))
            .map(|_| "NAT64 of a non-public address (64:ff9b::/96)");
    }
    if s[0] == 0x2002 {
        // 6to4: the relay forwards to the IPv4 address in bits 16..48.
        return reserved_v4(embedded_v4(s[1], s[2]))
            .map(|_| "6to4 of a non-public address (2002::/16)");
    }
    let range = match s {
        [0, 0, 0, 0, 0, 0, 0, 0] => "unspecified (::)",
        [0, 0, 0, 0, 0, 0, 0, 1] => "loopback (::1)",
        // Global unicast is 2000::/3; everything outside it (IPv4-compatible, discard-only,
        // local-use NAT64, unique-local, link-local, site-local, multicast, unassigned) is
        // refused as a whole.
        [x, ..] if x & 0xfe00 == 0xfc00 => "unique-local (fc00::/7)",
        [x, ..] if x & 0xffc0 == 0xfe80 => "link-local (fe80::/10)",
        [x, ..] if x & 0xffc0 == 0xfec0 => "site-local (fec0::/10)",
        [x, ..] if x & 0xff00 == 0xff00 => "multicast (ff00::/8)",
        [x, ..] if x & 0xe000 != 0x2000 => "not global unicast (outside 2000::/3)",
        [0x2001, y, ..] if y < 0x0200 => "IETF protocol assignments (2001::/23)",
        [0x2001, 0x0db8, ..] => "documentation (2001:db8::/32)",
        [0x3fff, y, ..] if y < 0x1000 => "documentation (3fff::/20)",
        [0x5f00, ..] => "SRv6 SIDs (5f00::/16)",
        _ => return None,
    };
    Some(range)
}

fn embedded_v4(hi: u16, lo: u16) -> Ipv4Addr {
    let [a, b] = hi.to_be_bytes();
    let [c, d] = lo.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

/// Returned by [`GuardedResolver`] when every address a name resolves to is refused. The
/// fetcher finds it in reqwest's error chain and turns it into
/// [`FetchError::PrivateAddress`](super::FetchError::PrivateAddress).
#[derive(Debug)]
pub(crate) struct RefusedAddress {
    pub(crate) host: String,
    pub(crate) addr: IpAddr,
    pub(crate) range: &'static str,
}

impl fmt::Display for RefusedAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} resolves only to non-public addresses such as {} ({})",
            self.host, self.addr, self.range
        )
    }
}

impl StdError for RefusedAddress {}

/// Which addresses the fetcher may connect to: public ones always; non-public ones when
/// `[fetch] allow_private_addresses` is set, or when they fall in one of the networks of
/// `[fetch] allow_networks` (an intranet feed host, say, without opening the whole LAN and
/// the cloud metadata endpoint).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    pub allow_private: bool,
    pub allow_networks: Vec<IpNet>,
}

impl AddressPolicy {
    /// The special-purpose range that makes `ip` refused, or `None` when it may be used.
    pub fn refused(&self, ip: IpAddr) -> Option<&'static str> {
        if self.allow_private {
            return None;
        }
        // An IPv4-mapped IPv6 address reaches the IPv4 host: it is allowed as that host is.
        let mapped = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        let listed = |ip: IpAddr| self.allow_networks.iter().any(|n| n.contains(&ip));
        if listed(ip) || mapped.is_some_and(listed) {
            return None;
        }
        reserved_range(ip)
    }
}

/// A `reqwest` resolver that resolves with the system resolver and drops every address its
/// [`AddressPolicy`] refuses. hyper never calls a resolver for IP-literal hosts; the fetcher
/// checks those itself on every hop.
#[derive(Debug, Clone)]
pub(crate) struct GuardedResolver {
    pub(crate) policy: Arc<AddressPolicy>,
    pub(crate) lookup: Lookup,
}

/// Where names are looked up: the system resolver. Tests also script the answers, to act out
/// a name that changes its answer between lookups (DNS rebinding) against a real connection.
#[derive(Debug, Clone, Default)]
pub(crate) enum Lookup {
    #[default]
    System,
    /// One answer per lookup, in order; the last is repeated.
    #[cfg(test)]
    Scripted(Arc<std::sync::Mutex<std::collections::VecDeque<Vec<IpAddr>>>>),
}

impl Lookup {
    async fn lookup(&self, host: &str) -> std::io::Result<Vec<SocketAddr>> {
        match self {
            // Port 0: reqwest substitutes the URL's port (or the scheme's default).
            Lookup::System => Ok(tokio::net::lookup_host((host, 0)).await?.collect()),
            #[cfg(test)]
            Lookup::Scripted(answers) => {
                let mut answers = answers.lock().expect("no test panics while holding it");
                let answer = if answers.len() > 1 {
                    answers.pop_front().unwrap_or_default()
                } else {
                    answers.front().cloned().unwrap_or_default()
                };
                Ok(answer
                    .into_iter()
                    .map(|ip| SocketAddr::new(ip, 0))
                    .collect())
            }
        }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        let lookup = self.lookup.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved = lookup.lookup(&host).await?;
            let mut refused = None;
            let allowed: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|a| match policy.refused(a.ip()) {
                    None => true,
                    Some(range) => {
                        refused.get_or_insert((a.ip(), range));
                        false
                    }
                })
                .collect();
            match (allowed.is_empty(), refused) {
                (true, Some((addr, range))) => {
                    Err(Box::new(RefusedAddress { host, addr, range }) as _)
                }
                (true, None) => Err(format!("{host} resolves to no address").into()),
                (false, _) => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(s: &str) -> bool {
        reserved_range(s.parse().expect("test address")).is_some()
    }

    #[test]
    fn refuses_every_special_purpose_ipv4_range() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.8.9.10",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(refused(ip), "{ip} should be refused");
        }
    }

    #[test]
    fn allows_public_ipv4_including_range_neighbours() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.1",
            "169.253.0.1",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.3.1",
            "192.167.0.1",
            "192.169.0.1",
            "198.17.255.255",
            "198.20.0.0",
            "203.0.114.1",
            "223.255.255.255",
        ] {
            assert!(!refused(ip), "{ip} should be allowed");
        }
    }

    #[test]
    fn refuses_every_special_purpose_ipv6_range() {
        for ip in [
            "::",
            "::1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::ffff:0.0.0.0",
            "64:ff9b::127.0.0.1",
            "64:ff9b::10.0.0.1",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:10::1",
            "2001:1ff::1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
            "3fff::1",
            "3fff:fff::1",
            "5f00::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "ff0e::1",
            "4000::1",
            "e000::1",
        ] {
            assert!(refused(ip), "{ip} should be refused");
        }
    }

    #[test]
    fn allows_public_ipv6_and_embedded_public_ipv4() {
        for ip in [
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "2001:200::1",
            "2a00:1450::1",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:808:808::1",
            "3ffe::1",
            "3fff:1000::1",
        ] {
            assert!(!refused(ip), "{ip} should be allowed");
        }
    }

    #[tokio::test]
    async fn resolver_drops_loopback_answers_unless_allowed() {
        let name: Name = "localhost".parse().expect("valid name");
        let err = match (GuardedResolver {
            policy: Arc::default(),
            lookup: Lookup::System,
        })
        .resolve(name)
        .await
        {
            Ok(addrs) => panic!("localhost resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(e) => e,
        };
        let refused = err
            .downcast_ref::<RefusedAddress>()
            .expect("a RefusedAddress");
        assert!(refused.addr.is_loopback(), "{refused}");

        let name: Name = "localhost".parse().expect("valid name");
        let addrs: Vec<_> = GuardedResolver {
            policy: Arc::new(AddressPolicy {
                allow_private: true,
                ..AddressPolicy::default()
            }),
            lookup: Lookup::System,
        }
        .resolve(name)
        .await
        .expect("localhost resolves")
        .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
        assert!(!addrs.is_empty());
    }

    #[test]
    fn listed_networks_are_allowed_and_nothing_else_is() {
        let policy = AddressPolicy {
            allow_private: false,
            allow_networks: vec![
                "10.1.2.0/24".parse().unwrap(),
                "127.0.0.1/32".parse().unwrap(),
            ],
        };
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(policy.refused(ip("10.1.2.200")), None);
        assert_eq!(policy.refused(ip("127.0.0.1")), None);
        assert_eq!(policy.refused(ip("::ffff:127.0.0.1")), None);
        assert_eq!(policy.refused(ip("93.184.215.14")), None);
        assert!(policy.refused(ip("10.1.3.1")).is_some());
        assert!(policy.refused(ip("127.0.0.2")).is_some());
        assert!(policy.refused(ip("169.254.169.254")).is_some());
        assert!(policy.refused(ip("::1")).is_some());
    }
}
