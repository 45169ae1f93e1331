//! Who is calling, by address: the allowlist, and how far `X-Forwarded-For` is believed.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use ipnet::IpNet;

use crate::Refusal;

/// `X-Forwarded-For` entries read at most (from the right): a long header is no more believable.
const MAX_HOPS: usize = 32;

/// An address range: `10.0.0.0/8`, `2001:db8::/32`, or one address (`203.0.113.7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr(IpNet);

/// A range that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an address range (e.g. 203.0.113.0/24, 2001:db8::/32 or 198.51.100.7)")]
pub struct InvalidCidr(pub String);

impl FromStr for Cidr {
    type Err = InvalidCidr;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        text.parse::<IpNet>()
            .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
            .map(|net| Self(net.trunc()))
            .map_err(|_| InvalidCidr(text.to_owned()))
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Cidr {
    fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip)
    }
}

/// The address part of the policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    /// The ranges clients may call from; empty allows any address.
    pub allow: Vec<Cidr>,
    /// Proxies in front of API Gateway (a gateway such as Cequence's) whose `X-Forwarded-For`
    /// entry is believed. Empty: the address API Gateway saw is the client's, whatever the header
    /// says, because any client can send the header.
    pub trusted_proxies: Vec<Cidr>,
}

impl AddressPolicy {
    /// Refuses a client outside the allowlist; with an allowlist, an address that cannot be
    /// determined is refused too (fail closed).
    pub(crate) fn admit(
        &self,
        source_ip: Option<&str>,
        forwarded_for: Option<&str>,
    ) -> Result<(), Refusal> {
        if self.allow.is_empty() {
            return Ok(());
        }
        let client = self.client(source_ip, forwarded_for);
        match client {
            Some(ip) if self.allow.iter().any(|range| range.contains(ip)) => Ok(()),
            _ => Err(Refusal::AddressNotAllowed(client)),
        }
    }

    /// The client's address: API Gateway's source address, unless that is a trusted proxy; then
    /// `X-Forwarded-For` is read from the right (each proxy appends the address it saw), skipping
    /// trusted proxies, and the first address that is not one is the client. An entry that is not
    /// an address makes the client unknown: the chain cannot be followed past it.
    pub fn client(&self, source_ip: Option<&str>, forwarded_for: Option<&str>) -> Option<IpAddr> {
        let mut client = parse_hop(source_ip?)?;
        if !self.trusted(client) {
            return Some(client);
        }
        let hops = forwarded_for.unwrap_or_default();
        for hop in hops.rsplit(',').take(MAX_HOPS) {
            if hop.trim().is_empty() {
                continue;
            }
            client = parse_hop(hop)?;
            if !self.trusted(client) {
                return Some(client);
            }
        }
        // Every address on the way is a trusted proxy: the leftmost one is all we know.
        Some(client)
    }

    fn trusted(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|range| range.contains(ip))
    }
}

/// One address, as API Gateway or a proxy wrote it (`203.0.113.7`, `2001:db8::1`, `[2001:db8::1]`,
/// with or without a port); IPv4-mapped IPv6 addresses are read as IPv4.
fn parse_hop(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let ip = text
        .parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            text.strip_prefix('[')
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|t| t.parse::<IpAddr>().ok())
        })?;
    Some(ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ranges(list: &[&str]) -> Vec<Cidr> {
        list.iter().map(|r| r.parse().unwrap()).collect()
    }

    fn policy(allow: &[&str], proxies: &[&str]) -> AddressPolicy {
        AddressPolicy {
            allow: ranges(allow),
            trusted_proxies: ranges(proxies),
        }
    }

    #[test]
    fn ranges_parse_as_networks_or_single_addresses_and_refuse_anything_else() {
        assert_eq!(
            "10.1.2.3/8".parse::<Cidr>().unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(
            "198.51.100.7".parse::<Cidr>().unwrap().to_string(),
            "198.51.100.7/32"
        );
        assert_eq!(
            " 2001:db8::/32 ".parse::<Cidr>().unwrap().to_string(),
            "2001:db8::/32"
        );
        for bad in [
            "",
            "10.0.0.0/33",
            "example.com",
            "10.0.0",
            "1.2.3.4/-1",
            "::/129",
        ] {
            let err = bad.parse::<Cidr>().unwrap_err();
            assert!(err.to_string().contains("not an address range"), "{err}");
        }
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let p = policy(&["203.0.113.0/24"], &[]);
        assert_eq!(p.admit(Some("203.0.113.9"), None), Ok(()));
        // A client outside the range cannot talk its way in with a forged header.
        assert_eq!(
            p.admit(Some("198.51.100.1"), Some("203.0.113.9")),
            Err(Refusal::AddressNotAllowed(Some(
                "198.51.100.1".parse().unwrap()
            )))
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_first_untrusted_hop_from_the_right_is_the_client() {
        let p = policy(&["203.0.113.0/24"], &["10.0.0.0/8"]);
        // The gateway (10.0.0.5) forwarded the client it saw; anything the client wrote is left of it.
        assert_eq!(
            p.client(Some("10.0.0.5"), Some("6.6.6.6, 203.0.113.9")),
            Some("203.0.113.9".parse().unwrap())
        );
        assert_eq!(
            p.admit(Some("10.0.0.5"), Some("6.6.6.6, 203.0.113.9")),
            Ok(())
        );
        // A client pretending to be in range, in front of the gateway, is still itself.
        assert!(
            p.admit(Some("10.0.0.5"), Some("203.0.113.9, 6.6.6.6"))
                .is_err()
        );
        // Two trusted hops are skipped.
        assert_eq!(
            p.admit(Some("10.0.0.5"), Some("203.0.113.9, 10.1.1.1")),
            Ok(())
        );
        // A garbled hop makes the client unknown, and unknown is refused.
        assert_eq!(
            p.admit(Some("10.0.0.5"), Some("203.0.113.9, not-an-ip")),
            Err(Refusal::AddressNotAllowed(None))
        );
        // No header: the proxy itself is the only address known.
        assert_eq!(
            p.client(Some("10.0.0.5"), None),
            Some("10.0.0.5".parse().unwrap())
        );
    }

    #[test]
    fn an_allowlist_refuses_an_unknown_source_and_reads_ports_brackets_and_mapped_addresses() {
        let p = policy(&["203.0.113.0/24", "2001:db8::/32"], &["10.0.0.0/8"]);
        assert_eq!(p.admit(None, None), Err(Refusal::AddressNotAllowed(None)));
        assert_eq!(
            p.admit(Some("garbage"), None),
            Err(Refusal::AddressNotAllowed(None))
        );
        assert_eq!(p.admit(Some("::ffff:203.0.113.4"), None), Ok(()));
        assert_eq!(p.admit(Some("10.0.0.5"), Some("203.0.113.4:5123")), Ok(()));
        assert_eq!(p.admit(Some("10.0.0.5"), Some("[2001:db8::1]:443")), Ok(()));
        assert_eq!(p.admit(Some("10.0.0.5"), Some("[2001:db8::1]")), Ok(()));
        assert!(p.admit(Some("2001:db9::1"), None).is_err());
    }

    proptest! {
        /// Whatever a client writes into the header, without trusted proxies it is judged by the
        /// address API Gateway saw.
        #[test]
        fn a_header_never_changes_the_verdict_without_trusted_proxies(
            a in 0_u8..=255, b in 0_u8..=255, header in ".{0,200}",
        ) {
            let p = policy(&["203.0.113.0/24"], &[]);
            let source = format!("198.{a}.{b}.1");
            prop_assert_eq!(p.admit(Some(&source), Some(&header)).is_ok(), false);
            let inside = format!("203.0.113.{a}");
            prop_assert!(p.admit(Some(&inside), Some(&header)).is_ok());
        }
    }
}
