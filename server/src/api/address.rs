//! The address a request comes from, for the per-address sign-in limit.
//!
//! Served directly, it is the connection's peer. Behind a reverse proxy every request
//! comes from the proxy, so the limit would hold back everyone at once; the proxy says
//! who its client was in `X-Forwarded-For`. That header is believed only from the
//! proxies the server is told to trust (`--trusted-proxy`): anyone else could write any
//! address there and escape the limit by changing it on every guess.

use std::net::IpAddr;

use axum::http::HeaderMap;

/// The client's address: the peer, unless the peer is a trusted proxy; then the nearest
/// address in `X-Forwarded-For` that is not a trusted proxy. Each proxy appends the
/// address it was reached from, so the list is read from its end; reading stops at an
/// entry that is not an address (the last trusted hop is then the answer).
pub fn client(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let is_trusted = |a: IpAddr| trusted.contains(&a.to_canonical());
    let mut client = peer.to_canonical();
    if !is_trusted(client) {
        return client;
    }
    // Entries are read one by one from the raw bytes: a client's own garbage in front
    // of what the proxy appended must not hide the address the proxy vouches for.
    let forwarded: Vec<&[u8]> = headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|v| v.as_bytes().split(|&b| b == b','))
        .collect();
    for entry in forwarded.iter().rev() {
        let Some(hop) = hop_address(entry) else {
            break;
        };
        client = hop.to_canonical();
        if !is_trusted(client) {
            break;
        }
    }
    client
}

/// One `X-Forwarded-For` entry as an address: `203.0.113.9`, `2001:db8::1`, or with a
/// port (`203.0.113.9:4711`, `[2001:db8::1]:4711`) as some proxies write it.
fn hop_address(entry: &[u8]) -> Option<IpAddr> {
    let text = std::str::from_utf8(entry).ok()?.trim();
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", v.parse().expect("a header value"));
        }
        headers
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            client(ip("198.51.100.1"), &headers, &[]),
            ip("198.51.100.1")
        );
        assert_eq!(
            client(ip("198.51.100.1"), &headers, &[ip("127.0.0.1")]),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn a_trusted_proxy_names_its_client() {
        let trusted = [ip("127.0.0.1"), ip("10.0.0.2")];
        // What the client wrote itself comes first and is not believed.
        let headers = forwarded(&["1.2.3.4, 203.0.113.9", "10.0.0.2"]);
        assert_eq!(
            client(ip("127.0.0.1"), &headers, &trusted),
            ip("203.0.113.9")
        );
        // An IPv4 peer seen through an IPv6 socket is still the trusted proxy.
        assert_eq!(
            client(
                ip("::ffff:127.0.0.1"),
                &forwarded(&["203.0.113.9"]),
                &trusted
            ),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_proxy_without_a_usable_header_is_the_client() {
        let trusted = [ip("127.0.0.1")];
        assert_eq!(
            client(ip("127.0.0.1"), &HeaderMap::new(), &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(
            client(ip("127.0.0.1"), &forwarded(&["1.2.3.4, bogus"]), &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(
            client(
                ip("127.0.0.1"),
                &forwarded(&["unknown, 203.0.113.9"]),
                &trusted
            ),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn garbage_written_by_the_client_does_not_hide_its_address() {
        let trusted = [ip("127.0.0.1")];
        let mut headers = HeaderMap::new();
        headers.append(
            "x-forwarded-for",
            axum::http::HeaderValue::from_bytes(b"\xff\xfe, 203.0.113.9").expect("bytes"),
        );
        assert_eq!(
            client(ip("127.0.0.1"), &headers, &trusted),
            ip("203.0.113.9")
        );
        for (entry, expected) in [
            ("203.0.113.9:4711", ip("203.0.113.9")),
            ("[2001:db8::9]:4711", ip("2001:db8::9")),
        ] {
            assert_eq!(
                client(ip("127.0.0.1"), &forwarded(&[entry]), &trusted),
                expected
            );
        }
    }
}
