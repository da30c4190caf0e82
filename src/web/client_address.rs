//! The client's address, as throttling and the audit log see it. The TCP peer, unless the peer
//! is a trusted proxy (`--trusted-proxies`): then the `X-Forwarded-For` list is read from the
//! right, skipping trusted proxies, and the first address not trusted is the client's. Entries
//! further left were written by the client itself and are never believed. Only
//! `X-Forwarded-For` is read (what nginx's `$proxy_add_x_forwarded_for` appends to): a
//! `Forwarded` header would pass through such a proxy unchecked.

use std::net::IpAddr;
use std::str::FromStr;

/// One address or CIDR range (`10.0.0.0/8`, `192.168.1.5`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        match (self.network, address) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                masked(u128::from(network.to_bits()), 32, self.prefix)
                    == masked(u128::from(address.to_bits()), 32, self.prefix)
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                masked(network.to_bits(), 128, self.prefix)
                    == masked(address.to_bits(), 128, self.prefix)
            }
            _ => false,
        }
    }
}

/// The top `prefix` bits of a `width`-bit address.
fn masked(bits: u128, width: u8, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        bits >> (width - prefix)
    }
}

/// IPv4 addresses mapped into IPv6 (`::ffff:10.0.0.1`) compare as IPv4.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

impl FromStr for IpRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad = || crate::app::messages::cli::not_an_address_range(text);
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network = canonical(address.parse::<IpAddr>().map_err(|_| bad())?);
        let width = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(bad)?,
            None => width,
        };
        Ok(IpRange { network, prefix })
    }
}

impl std::fmt::Display for IpRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// The proxies whose `X-Forwarded-For` is believed; none by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<IpRange>);

impl TrustedProxies {
    pub fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(address))
    }

    /// The client's address for a request from `peer` carrying these `X-Forwarded-For`
    /// header values (in the order received).
    pub fn client<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for
            .into_iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            // A proxy we trust wrote this entry; an unreadable one ends what can be believed.
            let Some(address) = parse_hop(hop) else {
                return client;
            };
            client = address;
            if !self.trusts(address) {
                return address;
            }
        }
        client
    }
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`,
/// `[::1]:5678`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(address) = hop.parse::<IpAddr>() {
        return Some(canonical(address));
    }
    if let Ok(socket) = hop.parse::<std::net::SocketAddr>() {
        return Some(canonical(socket.ip()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies(list.iter().map(|text| text.parse().unwrap()).collect())
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ranges_parse_and_match() {
        let range: IpRange = "10.0.0.0/8".parse().unwrap();
        assert!(range.contains(ip("10.200.3.4")));
        assert!(!range.contains(ip("11.0.0.1")));
        assert!(range.contains(ip("::ffff:10.0.0.1")));
        let single: IpRange = "127.0.0.1".parse().unwrap();
        assert!(single.contains(ip("127.0.0.1")));
        assert!(!single.contains(ip("127.0.0.2")));
        let v6: IpRange = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")));
        assert!(!v6.contains(ip("10.0.0.1")));
        assert!(
            "0.0.0.0/0"
                .parse::<IpRange>()
                .unwrap()
                .contains(ip("8.8.8.8"))
        );
        for bad in ["", "10.0.0.0/33", "example.org", "10.0.0/8", "::1/129"] {
            let error = bad.parse::<IpRange>().unwrap_err();
            assert!(error.contains("不是 IP 地址或网段"), "{error}");
        }
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("127.0.0.1"), ["6.6.6.6"]), ip("127.0.0.1"));
        let trusted = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        // Not from a proxy: the header is the client's own word.
        assert_eq!(trusted.client(ip("8.8.8.8"), ["6.6.6.6"]), ip("8.8.8.8"));
        // From the proxy: the right-most address it did not write itself.
        assert_eq!(
            trusted.client(ip("127.0.0.1"), ["6.6.6.6, 5.5.5.5, 10.1.1.1"]),
            ip("5.5.5.5")
        );
        assert_eq!(
            trusted.client(ip("127.0.0.1"), ["6.6.6.6", "5.5.5.5:4711"]),
            ip("5.5.5.5")
        );
        // No header, or an unreadable entry: the last address believed.
        assert_eq!(trusted.client(ip("127.0.0.1"), []), ip("127.0.0.1"));
        assert_eq!(
            trusted.client(ip("127.0.0.1"), ["5.5.5.5, garbage, 10.0.0.9"]),
            ip("10.0.0.9")
        );
        assert_eq!(
            trusted.client(ip("127.0.0.1"), ["10.0.0.7"]),
            ip("10.0.0.7")
        );
    }
}
