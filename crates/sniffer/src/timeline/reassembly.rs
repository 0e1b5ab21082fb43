//! IP fragments put back together: the transport header is only in the first fragment, and
//! the packet is described once its last piece arrived.

use super::info::{ip_proto_name, ip_version, tcp_row, undissected_info};
use super::*;

/// The fragments of one IP packet share addresses, protocol and identification.
pub(super) type FragmentKey = (IpAddr, IpAddr, u8, u32);

/// What has arrived of a fragmented packet.
#[derive(Debug, Default)]
pub(super) struct Reassembly {
    /// The first fragment's payload: the transport header.
    head: Vec<u8>,
    /// Payload bytes received so far.
    received: u32,
    /// Total payload length, known once the last fragment arrived.
    total: Option<u32>,
}

/// Fragments awaiting reassembly, and echo requests awaiting replies, are forgotten beyond
/// this many, so that memory stays bounded.
pub(super) const MAX_REASSEMBLIES: usize = 4096;

impl Timeline {
    /// For a fragment: its Protocol and Info, as Wireshark shows them — `IPv4`/`IPv6` and
    /// "Fragmented IP protocol" until the last piece, which shows the reassembled datagram.
    pub(super) fn reassemble(
        &mut self,
        packet: &Packet,
    ) -> Option<(&'static str, String, Option<TcpFields>)> {
        let ip = packet.ip()?;
        let frag = ip.fragment?;
        if !frag.captured {
            // Not all captured: never put back together; shown as a fragment, but for the
            // first piece of an IPv4 packet, read as it stands.
            return (!ip.first_fragment_read_alone()).then(|| fragment_line(ip, frag));
        }
        let key = (ip.src, ip.dst, ip.protocol, frag.id);
        if self.fragments.len() >= MAX_REASSEMBLIES && !self.fragments.contains_key(&key) {
            self.fragments.clear();
        }
        let entry = self.fragments.entry(key).or_default();
        if frag.offset == 0 {
            entry.head = packet.fragment_head.clone();
        }
        entry.received = entry.received.saturating_add(ip.payload_len);
        if !frag.more {
            entry.total = Some(frag.offset.saturating_add(ip.payload_len));
        }
        let complete = entry.total.is_some_and(|t| entry.received >= t) && !entry.head.is_empty();
        if complete {
            if let Some(done) = self.fragments.remove(&key) {
                if let Some(row) = self.reassembled(packet, ip, &done) {
                    return Some(row);
                }
            }
        }
        Some(fragment_line(ip, frag))
    }

    /// The line of a packet whose last fragment has just arrived: the TCP segment (analysed),
    /// the UDP datagram, the ICMP message, or the protocol no dissector takes; `None` when its
    /// transport header cannot be read (the fragment's own line is shown).
    fn reassembled(
        &mut self,
        packet: &Packet,
        ip: &IpHeader,
        done: &Reassembly,
    ) -> Option<(&'static str, String, Option<TcpFields>)> {
        let total = done.total.unwrap_or(0);
        if ip.protocol == ip_proto::TCP {
            if let Some(seg) = decode::tcp_from_payload(&done.head, total, usize::MAX) {
                let whole = IpHeader {
                    payload_len: total,
                    fragment: None,
                    ..*ip
                };
                let view = self
                    .flows
                    .observe(self.count, packet.ts, &whole, &seg.header);
                let (mut protocol, mut info, fields) = tcp_row(&seg, &view);
                let at = (self.count, packet.ts);
                let mut step = None;
                self.http_segment(
                    &seg,
                    &view,
                    false,
                    at,
                    (&mut protocol, &mut info, &mut step),
                );
                return Some((protocol, info, fields));
            }
        }
        if ip.protocol == ip_proto::UDP {
            if let Some(h) = done.head.get(..8) {
                let port = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
                let len = u32::from(port(4)).saturating_sub(8);
                return Some(("UDP", format!("{} → {} Len={len}", port(0), port(2)), None));
            }
        }
        let icmp = if ip.src.is_ipv4() {
            ip_proto::ICMP
        } else {
            ip_proto::ICMPV6
        };
        if ip.protocol == icmp && done.head.len() >= 8 {
            let message = IcmpMessage::read(&done.head, None);
            return Some(self.icmp(ip, &message));
        }
        if !matches!(
            ip.protocol,
            ip_proto::TCP | ip_proto::UDP | ip_proto::ICMP | ip_proto::ICMPV6
        ) {
            return Some((ip_version(ip), undissected_info(ip, ip.protocol), None));
        }
        None
    }
}

/// The line of a fragment that does not complete its packet.
fn fragment_line(
    ip: &IpHeader,
    frag: decode::Fragment,
) -> (&'static str, String, Option<TcpFields>) {
    if ip.src.is_ipv4() {
        (
            "IPv4",
            format!(
                "Fragmented IP protocol (proto={} {}, off={}, ID={:04x})",
                ip_proto_name(ip.protocol),
                ip.protocol,
                frag.offset,
                frag.id
            ),
            None,
        )
    } else {
        (
            "IPv6",
            format!(
                "IPv6 fragment (off={} more={} ident=0x{:08x} nxt={})",
                frag.offset,
                if frag.more { "y" } else { "n" },
                frag.id,
                ip.protocol
            ),
            None,
        )
    }
}
