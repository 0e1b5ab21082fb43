//! A cheap first look at each frame, so that a filtered listing decodes, analyses and builds
//! the tree of only the frames that may pass.
//!
//! From a compiled filter, [`DisplayFilter::prefilter`] draws a condition every frame the
//! filter selects also meets, in terms a frame's first bytes answer: is it TCP or UDP, and
//! are its ports in a set. [`Prefilter::admits`] reads those bytes from *plain* frames only:
//! IPv4 (unfragmented) or IPv6 (no extension header) carrying TCP or UDP right after the link
//! layer, UDP not to a tunnel's port. Any other frame (ICMP quoting a segment, a fragment, a
//! tunnel, ARP, anything cut short) is admitted, and the full path decides.
//!
//! Leaving a frame out must not change what the frames kept show. Each condition holds of a
//! whole conversation or of none of it (a port test asks whether *either* port is in the
//! set, and both directions carry the same two), so every segment of a conversation that
//! shows is analysed. What is not per conversation is taken care of by the caller (frame
//! numbers and times, which every frame advances) or rules the prefilter out: the stream
//! numbers (`tcp.stream`, `udp.stream`) count conversations left out, so a filter that names
//! them has no prefilter, and outputs that show them do not use one. Addresses are not
//! tested: an ICMP error from a router matches `ip.addr` by its own header and quotes a
//! conversation of other addresses, whose numbers it shows.

use super::parse::{Cmp, DisplayFilter, FieldRef, Lit, Member, Operand, Test};
use crate::frame::Frame;
use crate::link::{self, LinkType, Payload};

/// A condition on a frame's transport, met by every frame the filter it came from selects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefilter {
    cond: Cond,
}

/// The transports a condition names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proto {
    Tcp = 6,
    Udp = 17,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Cond {
    /// Nothing is known: every frame may pass.
    Any,
    /// The frame carries this transport.
    Carries(Proto),
    /// It carries this transport, and one of its ports is in one of these ranges.
    Ports(Proto, Vec<(u16, u16)>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

/// What a plain frame carries: its transport and its two ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Plain {
    proto: u8,
    ports: [u16; 2],
}

/// Fields whose values count conversations the prefilter leaves out.
const COUNTING: [&str; 2] = ["tcp.stream", "udp.stream"];

/// UDP ports whose datagrams are opened as tunnels (their inner packets are not plain).
const TUNNEL_PORTS: [u16; 3] = [
    crate::decode::tunnel::VXLAN_PORT,
    crate::decode::tunnel::VXLAN_GPE_PORT,
    crate::decode::tunnel::GENEVE_PORT,
];

impl DisplayFilter {
    /// The condition every frame this filter selects meets, when there is one worth testing
    /// (see the module's docs); `None` when every frame must be looked at.
    pub fn prefilter(&self) -> Option<Prefilter> {
        if self.names.iter().any(|n| COUNTING.contains(n)) {
            return None;
        }
        match derive(&self.root) {
            Cond::Any => None,
            cond => Some(Prefilter { cond }),
        }
    }
}

impl Prefilter {
    /// False only when `frame` is plain and fails the condition: the filter cannot select
    /// it, and it can be left out.
    pub fn admits(&self, frame: &Frame<'_>) -> bool {
        self.admits_bytes(frame.linktype, frame.data)
    }

    /// [`Prefilter::admits`] for a frame of `linktype` whose captured bytes are `data`.
    pub fn admits_bytes(&self, linktype: LinkType, data: &[u8]) -> bool {
        match plain(linktype, data) {
            Some(p) => holds(&self.cond, p),
            None => true,
        }
    }
}

fn holds(cond: &Cond, p: Plain) -> bool {
    match cond {
        Cond::Any => true,
        Cond::Carries(proto) => p.proto == *proto as u8,
        Cond::Ports(proto, ranges) => {
            p.proto == *proto as u8
                && ranges
                    .iter()
                    .any(|&(low, high)| p.ports.iter().any(|port| (low..=high).contains(port)))
        }
        Cond::And(all) => all.iter().all(|c| holds(c, p)),
        Cond::Or(any) => any.iter().any(|c| holds(c, p)),
    }
}

/// The condition a test implies.
fn derive(t: &Test) -> Cond {
    match t {
        Test::Or(a, b) => match (derive(a), derive(b)) {
            (Cond::Any, _) | (_, Cond::Any) => Cond::Any,
            (a, b) => Cond::Or(vec![a, b]),
        },
        Test::And(a, b) => match (derive(a), derive(b)) {
            (Cond::Any, c) | (c, Cond::Any) => c,
            (a, b) => Cond::And(vec![a, b]),
        },
        // A frame that fails a test may pass its negation: nothing is known.
        Test::Not(_) => Cond::Any,
        Test::Exists(f) => carries(f),
        Test::NotZero(op) | Test::NotEmpty(op) => present(op),
        Test::Compare(op, cmp, lit) => match (port_field(op), cmp, lit) {
            (Some(proto), Cmp::AnyEq | Cmp::AllEq, Lit::Int(n)) => ports(proto, *n, *n),
            (Some(proto), Cmp::Lt, Lit::Int(n)) => ports(proto, 0, n - 1),
            (Some(proto), Cmp::Le, Lit::Int(n)) => ports(proto, 0, *n),
            (Some(proto), Cmp::Gt, Lit::Int(n)) => ports(proto, n + 1, 65_535),
            (Some(proto), Cmp::Ge, Lit::Int(n)) => ports(proto, *n, 65_535),
            // No value of an absent field holds.
            _ => present(op),
        },
        Test::In(op, members) => {
            let ranges: Option<Vec<(i128, i128)>> = members
                .iter()
                .map(|m| match m {
                    Member::One(Lit::Int(n)) => Some((*n, *n)),
                    Member::Range(Lit::Int(a), Lit::Int(b)) => Some((*a, *b)),
                    _ => None,
                })
                .collect();
            match (port_field(op), ranges) {
                (Some(proto), Some(ranges)) => Cond::Ports(
                    proto,
                    ranges.iter().filter_map(|&(a, b)| clamp(a, b)).collect(),
                ),
                _ => present(op),
            }
        }
        // `===` holds of every value of the left side against none on the right.
        Test::CompareFields(a, Cmp::AllEq, _) => present(a),
        Test::CompareFields(a, _, b) => match (present(a), present(b)) {
            (Cond::Any, c) | (c, Cond::Any) => c,
            (a, b) => Cond::And(vec![a, b]),
        },
        Test::Contains(op, _) | Test::Matches(op, _) => present(op),
        Test::ContainsValues(a, b) => match (present(a), present(b)) {
            (Cond::Any, c) | (c, Cond::Any) => c,
            (a, b) => Cond::And(vec![a, b]),
        },
        // What holds of every value holds of some value.
        Test::All(inner) => derive(inner),
    }
}

/// What a relation on `op` implies: its field is there (`count()` has a value, zero, when
/// it is not).
fn present(op: &Operand) -> Cond {
    match op {
        // max() and min() read more than one field, and a constant needs none.
        Operand::Count(_) | Operand::Arith(_) | Operand::Const(..) => Cond::Any,
        Operand::Field(f)
        | Operand::Len(f)
        | Operand::Upper(f)
        | Operand::Lower(f)
        | Operand::Masked(f, _)
        | Operand::String(f) => carries(f),
        Operand::BytesAnd(inner, _) | Operand::Slice(inner, _) => present(inner),
    }
}

/// The transport a field belongs to, if TCP or UDP. A field of some layers only (`tcp.port#2`)
/// may lie inside a tunnel or an ICMP error: nothing is known of the outer headers.
fn carries(f: &FieldRef) -> Cond {
    if !f.layers.is_all() {
        return Cond::Any;
    }
    let protocol = f.field.abbrev.split('.').next().unwrap_or_default();
    match protocol {
        "tcp" => Cond::Carries(Proto::Tcp),
        "udp" => Cond::Carries(Proto::Udp),
        _ => Cond::Any,
    }
}

/// The transport whose port `op` is, when it is a port's value as it stands.
fn port_field(op: &Operand) -> Option<Proto> {
    match op {
        Operand::Field(f) if f.layers.is_all() => match f.field.abbrev {
            "tcp.port" | "tcp.srcport" | "tcp.dstport" => Some(Proto::Tcp),
            "udp.port" | "udp.srcport" | "udp.dstport" => Some(Proto::Udp),
            _ => None,
        },
        _ => None,
    }
}

/// Either port of `proto` in `low..=high` (no port at all when the range is empty).
fn ports(proto: Proto, low: i128, high: i128) -> Cond {
    Cond::Ports(proto, clamp(low, high).into_iter().collect())
}

/// `low..=high` within the ports' range, if any port is in it.
fn clamp(low: i128, high: i128) -> Option<(u16, u16)> {
    let low = u16::try_from(low.max(0)).ok()?;
    let high = u16::try_from(high.min(65_535)).ok()?;
    (low <= high).then_some((low, high))
}

/// The transport and ports of a plain frame (see the module's docs); `None` for any other.
fn plain(linktype: LinkType, data: &[u8]) -> Option<Plain> {
    // Custom blocks and other records that are not frames have no link layer to read.
    let layer = link::network_start(linktype, data).ok()?;
    let (ether_type, at) = match layer.payload {
        Payload::Ethernet => {
            let t = u16::from_be_bytes([*data.get(12)?, *data.get(13)?]);
            (Some(t), 14)
        }
        Payload::EtherType(t) => (Some(t), layer.header_len),
        Payload::Ip => (None, layer.header_len),
        _ => return None,
    };
    let ip = data.get(at..)?;
    let version = ip.first()? >> 4;
    let (proto, transport) = match (ether_type, version) {
        (Some(link::ether_type::IPV4) | None, 4) => {
            let header_len = usize::from(ip[0] & 0x0f) * 4;
            let total_len = usize::from(u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?]));
            let fragment = u16::from_be_bytes([*ip.get(6)?, *ip.get(7)?]) & 0x3fff;
            // A header shorter than its minimum, a total length that does not reach the
            // ports, and the pieces of a fragmented packet are for the full path.
            if header_len < 20 || total_len < header_len + 4 || fragment != 0 {
                return None;
            }
            (*ip.get(9)?, ip.get(header_len..)?)
        }
        (Some(link::ether_type::IPV6) | None, 6) => {
            let payload_len = u16::from_be_bytes([*ip.get(4)?, *ip.get(5)?]);
            if payload_len < 4 {
                return None;
            }
            (*ip.get(6)?, ip.get(40..)?)
        }
        _ => return None,
    };
    if proto != Proto::Tcp as u8 && proto != Proto::Udp as u8 {
        return None;
    }
    let port = |i: usize| {
        Some(u16::from_be_bytes([
            *transport.get(i)?,
            *transport.get(i + 1)?,
        ]))
    };
    let ports = [port(0)?, port(2)?];
    if proto == Proto::Udp as u8 && ports.iter().any(|p| TUNNEL_PORTS.contains(p)) {
        return None;
    }
    Some(Plain { proto, ports })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pre(text: &str) -> Option<Prefilter> {
        DisplayFilter::compile(text).expect("compiles").prefilter()
    }

    /// An Ethernet frame of IPv4 carrying `proto` between ports `a` and `b`.
    fn frame_bytes(proto: u8, a: u16, b: u16, fragment: u16) -> Vec<u8> {
        let mut f = vec![0u8; 14 + 20 + 20];
        f[12..14].copy_from_slice(&[0x08, 0x00]);
        f[14] = 0x45;
        f[16..18].copy_from_slice(&40u16.to_be_bytes());
        f[20..22].copy_from_slice(&fragment.to_be_bytes());
        f[23] = proto;
        f[34..36].copy_from_slice(&a.to_be_bytes());
        f[36..38].copy_from_slice(&b.to_be_bytes());
        f
    }

    fn admits(p: &Prefilter, bytes: &[u8]) -> bool {
        let ts = crate::frame::Timestamp::default();
        p.admits(&Frame::new(ts, bytes.len() as u32, bytes))
    }

    #[test]
    fn ports_either_way_and_transport() {
        let p = pre("tcp.port == 80 && tcp.len > 0").expect("a prefilter");
        assert!(admits(&p, &frame_bytes(6, 80, 5000, 0)));
        assert!(admits(&p, &frame_bytes(6, 5000, 80, 0)));
        assert!(!admits(&p, &frame_bytes(6, 5000, 81, 0)));
        assert!(!admits(&p, &frame_bytes(17, 80, 5000, 0)));
        // A destination port test keeps the other direction of the conversation too.
        let p = pre("tcp.dstport in {80, 443, 8000..8080}").expect("a prefilter");
        assert!(admits(&p, &frame_bytes(6, 8080, 1, 0)));
        assert!(!admits(&p, &frame_bytes(6, 8081, 1, 0)));
        let p = pre("udp || tcp.srcport >= 1024").expect("a prefilter");
        assert!(admits(&p, &frame_bytes(17, 1, 1, 0)));
        assert!(admits(&p, &frame_bytes(6, 1, 1024, 0)));
        assert!(!admits(&p, &frame_bytes(6, 1, 1023, 0)));
    }

    #[test]
    fn frames_not_plain_are_admitted() {
        let p = pre("tcp.port == 80").expect("a prefilter");
        // A fragment, ICMP (which may quote a segment), a tunnel's datagram, a cut header.
        assert!(admits(&p, &frame_bytes(6, 1, 1, 0x2000)));
        assert!(admits(&p, &frame_bytes(1, 1, 1, 0)));
        assert!(admits(&p, &frame_bytes(17, 4789, 1, 0)));
        assert!(admits(&p, &frame_bytes(17, 4790, 1, 0)));
        assert!(admits(&p, &frame_bytes(6, 1, 1, 0)[..36]));
    }

    #[test]
    fn nothing_to_test() {
        for text in [
            "frame.len > 60",
            "!tcp.port == 80",
            "tcp.port == 80 || ip",
            "count(tcp.port) == 0",
            "tcp.port == 80 && tcp.stream == 3",
            "ip.addr == 10.0.0.1",
        ] {
            assert_eq!(pre(text), None, "{text}");
        }
        assert_eq!(
            pre("tcp.flags.syn == 1").map(|p| p.cond),
            Some(Cond::Carries(Proto::Tcp))
        );
        assert_eq!(
            pre("tcp.port < 0").map(|p| p.cond),
            Some(Cond::Ports(Proto::Tcp, vec![]))
        );
    }
}
