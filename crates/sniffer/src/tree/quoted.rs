//! The datagram an ICMP or ICMPv6 error quotes, inside ICMP's subtree as Wireshark shows it:
//! the IP header whole, then as much of the transport header as is there. A UDP datagram's
//! conversation index is shown without its times; what it carried is the frame's data, after
//! ICMP's subtree. A TCP header quoted by its first 8 bytes shows its ports and raw sequence
//! number.

use super::{ip, tcp, udp, Builder};
use crate::decode::{UdpDatagram, UdpKept};

/// The quoted IP header at `at`: its version, length and protocol, when it is whole (an
/// IPv6 header's protocol is its Next Header).
fn header(data: &[u8], at: usize) -> Option<(u8, usize, u8)> {
    let bytes = data.get(at..)?;
    let first = *bytes.first()?;
    match first >> 4 {
        4 => {
            let len = usize::from(first & 0x0f) * 4;
            (len >= 20 && bytes.len() >= len).then(|| (4, len, bytes[9]))
        }
        6 => (bytes.len() >= 40).then(|| (6, 40, bytes[6])),
        _ => None,
    }
}

/// True when the IP header an ICMP error quotes at `at`, in a message that ends at `end`,
/// is not all there because the capture cut the message.
pub(super) fn cut_by_capture(data: &[u8], at: usize, end: usize) -> bool {
    data.len() >= at && data.len() < end && header(data, at).is_none()
}

/// The quoted UDP header at `at`, if its 8 bytes are there.
pub(super) fn udp_header(data: &[u8], at: usize) -> Option<UdpDatagram> {
    let h = data.get(at..at + 8)?;
    let be16 = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
    Some(UdpDatagram {
        src_port: be16(0),
        dst_port: be16(2),
        payload_len: u32::from(be16(4)).saturating_sub(8),
        kept: UdpKept::Enough,
        bad_length: None,
        zero_checksum_illegal: false,
    })
}

/// The bytes Wireshark reads of a datagram quoted at `at` whose length an ICMP message gives
/// (RFC 4884, `limit` bytes): its IP header, then no more than `limit` bytes.
fn limited(data: &[u8], at: usize, limit: Option<usize>) -> &[u8] {
    match (limit, header(data, at)) {
        (Some(limit), Some((_, len, _))) => &data[..data.len().min(at + len + limit)],
        _ => data,
    }
}

/// Where the datagram quoted at `at` ends, as its IP header says.
fn ip_end(data: &[u8], at: usize, version: u8) -> Option<usize> {
    let be16 = |i: usize| {
        data.get(i..i + 2)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
    };
    if version == 4 {
        be16(at + 2).map(|len| at + len)
    } else {
        be16(at + 4).map(|len| at + 40 + len)
    }
}

/// The names `frame.protocols` lists for the datagram quoted at `at` (`limit`: its length
/// as the ICMP message gives it, if it does).
pub(super) fn protocols(
    data: &[u8],
    at: usize,
    limit: Option<usize>,
    protocols: &mut Vec<&'static str>,
) {
    let data = limited(data, at, limit);
    let Some((version, len, proto)) = header(data, at) else {
        return;
    };
    protocols.push(if version == 4 { "ip" } else { "ipv6" });
    let t_at = at + len;
    match proto {
        17 => {
            if let Some(udp) = udp_header(data, t_at) {
                protocols.push("udp");
                if udp.payload_len > 0 && data.len() > t_at + 8 {
                    protocols.push("data");
                }
            } else if data.len() >= t_at + 4 {
                protocols.push("udp");
            }
        }
        6 if data.len() >= t_at + 8 => {
            protocols.push("tcp");
            // A whole header's payload, as far as quoted.
            let header_len = data.get(t_at + 12).map_or(0, |b| usize::from(b >> 4) * 4);
            let payload_end = ip_end(data, at, version).unwrap_or(0).min(data.len());
            if header_len >= 20
                && data.len() >= t_at + header_len
                && payload_end > t_at + header_len
            {
                protocols.push("data");
            }
        }
        _ => {}
    }
}

/// Builds the datagram quoted at `at` (`limit`: its length after its IP header, as the ICMP
/// message gives it); `stream` is a quoted UDP datagram's conversation.
/// Returns where the quoted UDP payload is and how much of it was captured, for the data
/// that follows ICMP's subtree.
pub(super) fn build(
    b: &mut Builder,
    data: &[u8],
    at: usize,
    limit: Option<usize>,
    stream: Option<u32>,
    tcp: Option<&(crate::decode::TcpHeader, crate::flow::QuotedSegment)>,
    http: bool,
) -> Option<(usize, usize)> {
    let data = limited(data, at, limit);
    let (version, len, proto) = header(data, at)?;
    if version == 4 {
        ip::build_v4(b, data, at, None, None);
    } else {
        ip::build_v6(b, data, at, None, None);
    }
    let t_at = at + len;
    match proto {
        17 if data.len() < t_at + 8 => {
            // Only the ports, when that is all the datagram's length leaves.
            udp::build_ports(b, data, t_at);
            None
        }
        17 => {
            let mut udp = udp_header(data, t_at)?;
            if let Some(limit) = limit {
                // The payload is as long as the given length leaves.
                let left = u32::try_from(limit.saturating_sub(8)).unwrap_or(u32::MAX);
                udp.payload_len = udp.payload_len.min(left);
            }
            let stream = stream.map(|index| (index, (0, 0), (0, 0)));
            udp::build(b, data, t_at, &udp, stream, true, None);
            let kept = data
                .len()
                .saturating_sub(t_at + 8)
                .min(udp.payload_len as usize);
            (kept > 0).then_some((t_at + 8, kept))
        }
        6 if tcp.is_some_and(|(h, _)| data.len() >= t_at + h.header_len as usize) => {
            // Its payload is data inside ICMP's subtree.
            let end = ip_end(data, at, version).unwrap_or(data.len());
            let quote = tcp.and_then(|q| tcp::build_quoted(b, data, (t_at, end), version == 6, q));
            // (HTTP, when enabled, takes an HTTP port's payload, and shows nothing of it.)
            let to_http = tcp.is_some_and(|(h, _)| {
                http && [h.src_port, h.dst_port]
                    .iter()
                    .any(|p| crate::timeline::http::PORTS.contains(p))
            });
            if let Some((start, kept)) = quote.filter(|_| !to_http) {
                super::data::build_nested(b, &data[start..start + kept], start);
            }
            None
        }
        6 if data.len() >= t_at + 8 && data.len() < t_at + 20 => {
            tcp::build_quoted_start(b, data, t_at);
            None
        }
        _ => None,
    }
}
