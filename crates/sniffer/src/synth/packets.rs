//! IP packets beyond TCP for the corpus: ICMP echo and errors, ARP, IPv4 and IPv6
//! fragments, IPv6 extension headers.

use super::*;

/// An ICMP (IPv4) or ICMPv6 echo request or reply.
pub fn icmp_echo(
    src: IpAddr,
    dst: IpAddr,
    request: bool,
    id: u16,
    seq: u16,
    payload: &[u8],
) -> Vec<u8> {
    let mut out = Vec::new();
    let written = match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let b = PacketBuilder::ipv4(s.octets(), d.octets(), 64);
            if request {
                b.icmpv4_echo_request(id, seq).write(&mut out, payload)
            } else {
                b.icmpv4_echo_reply(id, seq).write(&mut out, payload)
            }
        }
        (s, d) => {
            let b = PacketBuilder::ipv6(v6(s), v6(d), 64);
            if request {
                b.icmpv6_echo_request(id, seq).write(&mut out, payload)
            } else {
                b.icmpv6_echo_reply(id, seq).write(&mut out, payload)
            }
        }
    };
    debug_assert!(written.is_ok(), "building into a Vec cannot fail");
    out
}

/// An Ethernet frame carrying an ARP request ("who has `target`? tell `sender`").
pub fn arp_request(
    sender_mac: [u8; 6],
    sender: std::net::Ipv4Addr,
    target: std::net::Ipv4Addr,
) -> Vec<u8> {
    let mut f = Vec::with_capacity(42);
    f.extend_from_slice(&[0xff; 6]); // destination: broadcast
    f.extend_from_slice(&sender_mac); // source
    f.extend_from_slice(&0x0806u16.to_be_bytes()); // EtherType ARP
    f.extend_from_slice(&1u16.to_be_bytes()); // hardware type: Ethernet
    f.extend_from_slice(&ether_type::IPV4.to_be_bytes()); // protocol type
    f.push(6); // hardware address length
    f.push(4); // protocol address length
    f.extend_from_slice(&1u16.to_be_bytes()); // operation: request
    f.extend_from_slice(&sender_mac); // sender hardware address
    f.extend_from_slice(&sender.octets()); // sender protocol address
    f.extend_from_slice(&[0; 6]); // target hardware address: unknown
    f.extend_from_slice(&target.octets()); // target protocol address
    f
}

/// An IPv4 packet split into fragments: the IP payload (a UDP datagram carrying `payload`) is
/// cut every `chunk` bytes (a multiple of 8).
pub fn ipv4_fragments(
    src: SocketAddr,
    dst: SocketAddr,
    payload: &[u8],
    chunk: usize,
    id: u16,
) -> Vec<Vec<u8>> {
    fragment_ipv4(&udp_packet(src, dst, payload), chunk, id)
}

/// Splits an IPv4 packet into fragments of `chunk` payload bytes (a multiple of 8).
pub fn fragment_ipv4(whole: &[u8], chunk: usize, id: u16) -> Vec<Vec<u8>> {
    let header_len = usize::from(whole.first().map_or(5, |b| b & 0x0f)) * 4;
    let (header, body) = whole.split_at(header_len.min(whole.len()));
    let pieces: Vec<&[u8]> = body.chunks(chunk.max(8)).collect();
    let count = pieces.len();
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, piece)| {
            let mut h = header.to_vec();
            let total = u16::try_from(header_len + piece.len()).unwrap_or(u16::MAX);
            h[2..4].copy_from_slice(&total.to_be_bytes()); // total length
            h[4..6].copy_from_slice(&id.to_be_bytes()); // identification
            let offset_words = u16::try_from(i * chunk.max(8) / 8).unwrap_or(0);
            let more = if i + 1 < count { 0x2000 } else { 0 }; // MF flag
            h[6..8].copy_from_slice(&(more | offset_words).to_be_bytes());
            h[10..12].copy_from_slice(&[0, 0]); // checksum, recomputed below
            let sum = ipv4_checksum(&h);
            h[10..12].copy_from_slice(&sum.to_be_bytes());
            h.extend_from_slice(piece);
            h
        })
        .collect()
}

/// The IPv4 header checksum (RFC 791): one's complement of the one's complement sum.
pub(super) fn ipv4_checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Inserts an IPv6 Hop-by-Hop Options header (one PadN option, 8 bytes) after the fixed IPv6
/// header of `packet`.
pub fn ipv6_with_hop_by_hop(packet: &[u8]) -> Vec<u8> {
    /// Next Header value of the Hop-by-Hop Options header.
    const HOP_BY_HOP: u8 = 0;
    /// The PadN option type.
    const PADN: u8 = 1;
    if packet.len() < 40 {
        return packet.to_vec();
    }
    let mut out = packet[..40].to_vec();
    let next = out[6];
    out[6] = HOP_BY_HOP;
    let payload_len = u16::from_be_bytes([out[4], out[5]]).saturating_add(8);
    out[4..6].copy_from_slice(&payload_len.to_be_bytes());
    out.extend_from_slice(&[next, 0, PADN, 4, 0, 0, 0, 0]); // next header, length 0 (8 bytes), PadN of 4
    out.extend_from_slice(&packet[40..]);
    out
}

/// An IPv6 packet split into fragments with Fragment headers: the payload (a UDP datagram
/// carrying `payload`) is cut every `chunk` bytes (a multiple of 8).
pub fn ipv6_fragments(
    src: SocketAddr,
    dst: SocketAddr,
    payload: &[u8],
    chunk: usize,
    id: u32,
) -> Vec<Vec<u8>> {
    fragment_ipv6(&udp_packet(src, dst, payload), chunk, id)
}

/// Splits an IPv6 packet (without extension headers) into fragments of `chunk` payload bytes
/// (a multiple of 8).
pub fn fragment_ipv6(whole: &[u8], chunk: usize, id: u32) -> Vec<Vec<u8>> {
    /// Next Header value of the Fragment header.
    const FRAGMENT: u8 = 44;
    if whole.len() < 40 {
        return vec![whole.to_vec()];
    }
    let (header, body) = whole.split_at(40);
    let next = header[6];
    let chunk = chunk.max(8) / 8 * 8;
    let pieces: Vec<&[u8]> = body.chunks(chunk).collect();
    let count = pieces.len();
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, piece)| {
            let mut h = header.to_vec();
            h[6] = FRAGMENT;
            let len = u16::try_from(8 + piece.len()).unwrap_or(u16::MAX);
            h[4..6].copy_from_slice(&len.to_be_bytes());
            let offset = u16::try_from(i * chunk / 8).unwrap_or(0) << 3;
            let more = u16::from(i + 1 < count);
            h.extend_from_slice(&[next, 0]); // next header, reserved
            h.extend_from_slice(&(offset | more).to_be_bytes()); // offset, M flag
            h.extend_from_slice(&id.to_be_bytes()); // identification
            h.extend_from_slice(piece);
            h
        })
        .collect()
}

/// An ICMP "destination unreachable" (IPv4 type 3, IPv6 type 1) with `code`, quoting the
/// start of `original`.
pub fn icmp_unreachable(src: IpAddr, dst: IpAddr, code: u8, original: &[u8]) -> Vec<u8> {
    let quoted = &original[..original.len().min(48)];
    let mut out = Vec::new();
    let written = match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => PacketBuilder::ipv4(s.octets(), d.octets(), 64)
            .icmpv4_raw(3, code, [0; 4])
            .write(&mut out, quoted),
        (s, d) => PacketBuilder::ipv6(v6(s), v6(d), 64)
            .icmpv6_raw(1, code, [0; 4])
            .write(&mut out, quoted),
    };
    debug_assert!(written.is_ok(), "building into a Vec cannot fail");
    out
}
