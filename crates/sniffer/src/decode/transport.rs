//! The transport layer IP carries: TCP, UDP and ICMP, as far as the capture kept them.

use super::*;

/// The transport layer IP carries (not for a fragment: see [`fill`]).
pub(super) fn transport(
    packet: &mut Packet,
    sliced: &LaxSlicedPacket<'_>,
    ip: &IpHeader,
    payload_limit: usize,
) -> Transport {
    if ip.protocol == ip_proto::AUTHENTICATION {
        return Transport::None;
    }
    match &sliced.transport {
        Some(TransportSlice::Tcp(tcp)) => {
            Transport::Tcp(tcp_segment(tcp, ip.payload_len, payload_limit))
        }
        Some(TransportSlice::Icmpv4(icmp)) => Transport::Icmp(IcmpMessage::read(
            icmp.slice(),
            icmp_cut_at(packet, icmp.slice().len()),
        )),
        Some(TransportSlice::Icmpv6(icmp)) => Transport::Icmp(IcmpMessage::read(
            icmp.slice(),
            icmp_cut_at(packet, icmp.slice().len()),
        )),
        Some(TransportSlice::Udp(udp)) => {
            let length = udp.length();
            let bad_length = udp_bad_length(length, ip);
            let payload_len = match bad_length {
                Some(UdpBadLength::Jumbogram) => ip.payload_len.saturating_sub(8),
                _ => u32::from(length).saturating_sub(8),
            };
            let cut = packet.cap_len < packet.wire_len;
            Transport::Udp(UdpDatagram {
                src_port: udp.source_port(),
                dst_port: udp.destination_port(),
                zero_checksum_illegal: udp.checksum() == 0 && !ip.src.is_ipv4(),
                bad_length,
                payload_len,
                kept: if cut && payload_len > 0 && udp.payload().is_empty() {
                    UdpKept::HeaderOnly
                } else {
                    UdpKept::Enough
                },
            })
        }
        // The first piece of a fragmented packet that is not put back together.
        None if ip.first_fragment_read_alone() => {
            let bytes = sliced
                .net
                .as_ref()
                .and_then(|n| n.ip_payload_ref())
                .map(|p| p.payload)
                .unwrap_or_default();
            match ip.protocol {
                // Not even the ports: Wireshark's list says no more than IPv4's.
                ip_proto::TCP | ip_proto::UDP if bytes.len() < 4 => Transport::CutBeforePorts,
                ip_proto::TCP => tcp_from_payload(bytes, ip.payload_len, payload_limit)
                    .map_or(Transport::None, Transport::Tcp),
                ip_proto::UDP => udp_header_alone(bytes).map_or(Transport::None, Transport::Udp),
                _ => Transport::None,
            }
        }
        None if ip.fragment.is_none() => {
            let kept = refused(packet, sliced, ip);
            if kept != Transport::None {
                packet.malformed = None;
            }
            kept
        }
        _ => Transport::None,
    }
}

/// A transport header etherparse refused, read from the bytes the capture kept: an ICMP
/// message it does not slice (a timestamp with a code other than 0), a TCP or UDP header cut
/// short or malformed.
fn refused(packet: &Packet, sliced: &LaxSlicedPacket<'_>, ip: &IpHeader) -> Transport {
    let captured = sliced
        .net
        .as_ref()
        .and_then(|n| n.ip_payload_ref())
        .map(|p| p.payload)
        .unwrap_or_default();
    let cut = packet.cap_len < packet.wire_len;
    match ip.protocol {
        ip_proto::ICMP | ip_proto::ICMPV6 => {
            let cut_at = icmp_cut_at(packet, captured.len());
            if captured.len() < 8 && cut_at.is_none() {
                return Transport::None;
            }
            Transport::Icmp(IcmpMessage::read(captured, cut_at))
        }
        ip_proto::TCP | ip_proto::UDP if cut && captured.len() < 4 => Transport::CutBeforePorts,
        ip_proto::UDP => cut_udp(captured, cut, ip).map_or(Transport::None, Transport::Udp),
        ip_proto::TCP => {
            partial_tcp(captured, ip.payload_len, cut).map_or(Transport::None, Transport::Tcp)
        }
        _ => Transport::None,
    }
}

/// Where the snapshot length cut an ICMP message of which `kept` bytes were captured, if it
/// did.
fn icmp_cut_at(packet: &Packet, kept: usize) -> Option<u32> {
    (packet.cap_len < packet.wire_len).then(|| u32::try_from(kept).unwrap_or(u32::MAX))
}

/// What Wireshark says is wrong with a UDP length field, if anything.
fn udp_bad_length(length: u16, ip: &IpHeader) -> Option<UdpBadLength> {
    match (length, ip.src.is_ipv4()) {
        (0, false) => Some(UdpBadLength::Jumbogram),
        (l, _) if l < 8 => Some(UdpBadLength::BelowHeader(l)),
        (l, _) if u32::from(l) > ip.payload_len => Some(UdpBadLength::BeyondIp(l)),
        _ => None,
    }
}

/// The UDP header of a first fragment the capture cut, read without the datagram it heads:
/// its length is the header's word, and whatever of it was kept.
fn udp_header_alone(bytes: &[u8]) -> Option<UdpDatagram> {
    let be16 = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    let (src_port, dst_port) = (be16(0)?, be16(2)?);
    let length = be16(4);
    Some(UdpDatagram {
        src_port,
        dst_port,
        // The length describes the whole datagram, not this piece: Wireshark does not
        // check it against the fragment's.
        bad_length: None,
        zero_checksum_illegal: false,
        payload_len: length.map_or(0, |l| u32::from(l).saturating_sub(8)),
        // The fragment is cut: what of the header and payload it kept.
        kept: match (length, bytes.len()) {
            (None, _) => UdpKept::Ports,
            (Some(_), ..8) => UdpKept::PortsAndLength,
            (Some(l), 8) if l > 8 => UdpKept::HeaderOnly,
            _ => UdpKept::Enough,
        },
    })
}

/// A UDP header the snapshot length cut (`cut`) after its ports; `None` otherwise.
fn cut_udp(bytes: &[u8], cut: bool, ip: &IpHeader) -> Option<UdpDatagram> {
    let be16 = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    let (src_port, dst_port) = (be16(0)?, be16(2)?);
    if !cut {
        return None;
    }
    let length = be16(4);
    Some(UdpDatagram {
        src_port,
        dst_port,
        bad_length: length.and_then(|l| udp_bad_length(l, ip)),
        zero_checksum_illegal: false,
        payload_len: length.map_or(0, |l| u32::from(l).saturating_sub(8)),
        kept: if length.is_some() {
            UdpKept::PortsAndLength
        } else {
            UdpKept::Ports
        },
    })
}
