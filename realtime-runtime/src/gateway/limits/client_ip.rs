//! The address a request is counted under: the TCP peer, or, when the peer is a proxy the
//! gateway is told to trust, the client that proxy names in `X-Forwarded-For`.
//!
//! `X-Forwarded-For` lists the addresses a request passed, the client first, each proxy
//! appending the one it received the request from. Only the entries appended by trusted
//! proxies can be believed, so the list is read from its end: the first address that is not
//! a trusted proxy is the client. Anything before it was written by the client itself and
//! is ignored. From a peer that is not trusted, the header is not read at all.

use std::net::IpAddr;

use axum::http::HeaderMap;

/// The `X-Forwarded-For` request header.
const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address, given the connection's `peer`, the request's `headers` and the
/// proxies to trust.
pub(crate) fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.contains(&ip.to_canonical());
    if !is_trusted(peer) {
        return peer;
    }
    // Every `X-Forwarded-For` line, in order, as one list; read from the end.
    let hops: Vec<&str> = headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(ip) => client = ip,
            Ok(ip) => return ip,
            // A hop that is no address (`unknown`, a port, garbage): the last address a
            // trusted proxy vouched for is as far as anyone can tell.
            Err(_) => return client,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append(X_FORWARDED_FOR, line.parse().unwrap());
        }
        map
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_writes() {
        let forwarded = headers(&["10.0.0.9"]);
        assert_eq!(client_ip(ip("192.0.2.1"), &forwarded, &[]), ip("192.0.2.1"));
        assert_eq!(
            client_ip(ip("192.0.2.1"), &forwarded, &[ip("192.0.2.2")]),
            ip("192.0.2.1")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_last_untrusted_hop_is_the_client() {
        let proxies = [ip("192.0.2.1"), ip("192.0.2.2")];
        // The client wrote a first entry of its own; the proxies appended theirs.
        let forwarded = headers(&["6.6.6.6, 203.0.113.7", "192.0.2.2"]);
        assert_eq!(
            client_ip(ip("192.0.2.1"), &forwarded, &proxies),
            ip("203.0.113.7")
        );
        // IPv4-mapped peers are the same proxies.
        assert_eq!(
            client_ip(ip("::ffff:192.0.2.1"), &forwarded, &proxies),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn without_a_usable_header_the_nearest_vouched_address_counts() {
        let proxies = [ip("192.0.2.1"), ip("192.0.2.2")];
        assert_eq!(
            client_ip(ip("192.0.2.1"), &headers(&[]), &proxies),
            ip("192.0.2.1")
        );
        assert_eq!(
            client_ip(ip("192.0.2.1"), &headers(&["unknown, 192.0.2.2"]), &proxies),
            ip("192.0.2.2")
        );
        assert_eq!(
            client_ip(ip("192.0.2.1"), &headers(&["192.0.2.2"]), &proxies),
            ip("192.0.2.2")
        );
    }
}
