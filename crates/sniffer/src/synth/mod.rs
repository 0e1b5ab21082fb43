//! Synthetic captures: frames built from a description, wrapped in any supported link layer,
//! written as pcap (either byte order, microsecond or nanosecond) or pcapng.
//!
//! This is how the test corpus is made: every fault Wireshark flags (losses, reordering,
//! duplicates, zero windows, keep-alives, port reuse…) can be written down exactly, then
//! `tshark` and `sniffer` read the same file and their listings are compared line by line.
//! The IP and TCP headers are built by etherparse (with correct checksums); the link-layer
//! headers and the file formats are laid out here, each field named.
//!
//! [`interleaved`] writes big captures of many conversations at once, for benchmarks.

pub mod interleaved;

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};

use etherparse::{PacketBuilder, TcpHeader};

use crate::format::RecordHeader;
use crate::frame::Timestamp;
use crate::link::{ether_type, LinkType};
use crate::tcp::TcpFlags;

/// One frame of a synthetic capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthFrame {
    pub ts: Timestamp,
    /// The bytes as captured (link header included).
    pub data: Vec<u8>,
    /// Length on the wire (more than `data.len()` when truncated).
    pub wire_len: u32,
}

/// A TCP segment to build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpSpec {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
    pub urgent: u16,
    /// Raw option bytes (padded with EOL to a multiple of 4 when built).
    pub options: Vec<u8>,
    pub payload: Vec<u8>,
}

/// Option bytes, for building [`TcpSpec::options`].
pub mod opt {
    /// Maximum segment size.
    pub fn mss(v: u16) -> Vec<u8> {
        let [a, b] = v.to_be_bytes();
        vec![2, 4, a, b]
    }
    /// Window scale shift.
    pub fn ws(shift: u8) -> Vec<u8> {
        vec![3, 3, shift]
    }
    /// SACK permitted.
    pub fn sack_perm() -> Vec<u8> {
        vec![4, 2]
    }
    /// SACK blocks (left, right edges).
    pub fn sack(blocks: &[(u32, u32)]) -> Vec<u8> {
        let mut v = vec![5, u8::try_from(2 + 8 * blocks.len()).unwrap_or(u8::MAX)];
        for (l, r) in blocks {
            v.extend_from_slice(&l.to_be_bytes());
            v.extend_from_slice(&r.to_be_bytes());
        }
        v
    }
    /// Timestamps.
    pub fn ts(val: u32, ecr: u32) -> Vec<u8> {
        let mut v = vec![8, 10];
        v.extend_from_slice(&val.to_be_bytes());
        v.extend_from_slice(&ecr.to_be_bytes());
        v
    }
    /// No-operation (padding).
    pub fn nop() -> Vec<u8> {
        vec![1]
    }
    /// TCP Fast Open cookie (empty: a cookie request).
    pub fn tfo(cookie: &[u8]) -> Vec<u8> {
        let mut v = vec![34, u8::try_from(2 + cookie.len()).unwrap_or(u8::MAX)];
        v.extend_from_slice(cookie);
        v
    }
    /// Linux's usual SYN options: MSS, SACK_PERM, TS, NOP, WS.
    pub fn linux_syn(mss_value: u16, tsval: u32, tsecr: u32, shift: u8) -> Vec<u8> {
        [
            mss(mss_value),
            sack_perm(),
            ts(tsval, tsecr),
            nop(),
            ws(shift),
        ]
        .concat()
    }
}

impl TcpSpec {
    /// The IP packet (IPv4 or IPv6 by the addresses) carrying this segment.
    pub fn ip_packet(&self) -> Vec<u8> {
        let mut header = TcpHeader::new(self.src.port(), self.dst.port(), self.seq, self.window);
        header.acknowledgment_number = self.ack;
        let f = self.flags;
        header.fin = f.contains(TcpFlags::FIN);
        header.syn = f.contains(TcpFlags::SYN);
        header.rst = f.contains(TcpFlags::RST);
        header.psh = f.contains(TcpFlags::PSH);
        header.ack = f.contains(TcpFlags::ACK);
        header.urg = f.contains(TcpFlags::URG);
        header.ece = f.contains(TcpFlags::ECE);
        header.cwr = f.contains(TcpFlags::CWR);
        header.ns = f.contains(TcpFlags::NS);
        header.urgent_pointer = self.urgent;
        let mut options = self.options.clone();
        while options.len() % 4 != 0 {
            options.push(0); // EOL padding
        }
        // Options longer than 40 bytes do not fit a TCP header; keep what fits.
        options.truncate(40);
        let _ = header.set_options_raw(&options);
        let mut out = Vec::new();
        let written = match (self.src.ip(), self.dst.ip()) {
            (IpAddr::V4(s), IpAddr::V4(d)) => PacketBuilder::ipv4(s.octets(), d.octets(), 64)
                .tcp_header(header)
                .write(&mut out, &self.payload),
            (s, d) => PacketBuilder::ipv6(v6(s), v6(d), 64)
                .tcp_header(header)
                .write(&mut out, &self.payload),
        };
        debug_assert!(written.is_ok(), "building into a Vec cannot fail");
        if f.intersects(TcpFlags::RESERVED) {
            // etherparse has no field for the reserved bits: set them in the built header.
            let tcp_start = out.len() - self.payload.len() - 20 - options.len();
            out[tcp_start + 12] |= ((f.bits() & TcpFlags::RESERVED.bits()) >> 8) as u8 & 0x0e;
        }
        out
    }
}

fn v6(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V6(a) => a.octets(),
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
    }
}

/// A UDP datagram (IPv4 or IPv6) carrying `payload`.
pub fn udp_packet(src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let written = match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => PacketBuilder::ipv4(s.octets(), d.octets(), 64)
            .udp(src.port(), dst.port())
            .write(&mut out, payload),
        (s, d) => PacketBuilder::ipv6(v6(s), v6(d), 64)
            .udp(src.port(), dst.port())
            .write(&mut out, payload),
    };
    debug_assert!(written.is_ok(), "building into a Vec cannot fail");
    out
}

/// Puts the link-layer header of `linktype` in front of an IP packet. `vlan` adds an 802.1Q
/// tag (Ethernet only).
pub fn link_wrap(linktype: LinkType, ip: &[u8], vlan: Option<u16>) -> Vec<u8> {
    let is_v6 = ip.first().is_some_and(|b| b >> 4 == 6);
    let et = if is_v6 {
        ether_type::IPV6
    } else {
        ether_type::IPV4
    };
    let mut out = Vec::with_capacity(ip.len() + 20);
    match linktype {
        LinkType::EN10MB => {
            out.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02]); // destination MAC
            out.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x01]); // source MAC
            if let Some(id) = vlan {
                out.extend_from_slice(&0x8100u16.to_be_bytes()); // 802.1Q TPID
                out.extend_from_slice(&(id & 0x0fff).to_be_bytes()); // PCP 0, DEI 0, VID
            }
            out.extend_from_slice(&et.to_be_bytes());
        }
        LinkType::NULL => {
            // Family in the writer's byte order: little-endian, AF_INET6 as on macOS.
            let family: u32 = if is_v6 { 30 } else { 2 };
            out.extend_from_slice(&family.to_le_bytes());
        }
        LinkType::LOOP => {
            let family: u32 = if is_v6 { 24 } else { 2 };
            out.extend_from_slice(&family.to_be_bytes());
        }
        LinkType::LINUX_SLL => {
            out.extend_from_slice(&0u16.to_be_bytes()); // packet type: to us
            out.extend_from_slice(&772u16.to_be_bytes()); // ARPHRD_LOOPBACK
            out.extend_from_slice(&6u16.to_be_bytes()); // address length
            out.extend_from_slice(&[0u8; 8]); // address, padded to 8
            out.extend_from_slice(&et.to_be_bytes()); // protocol
        }
        LinkType::LINUX_SLL2 => {
            out.extend_from_slice(&et.to_be_bytes()); // protocol
            out.extend_from_slice(&0u16.to_be_bytes()); // reserved
            out.extend_from_slice(&1u32.to_be_bytes()); // interface index
            out.extend_from_slice(&772u16.to_be_bytes()); // ARPHRD_LOOPBACK
            out.push(0); // packet type: to us
            out.push(6); // address length
            out.extend_from_slice(&[0u8; 8]); // address, padded to 8
        }
        // RAW, IPV4, IPV6: no link header.
        _ => {}
    }
    out.extend_from_slice(ip);
    out
}

/// How a synthetic capture is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    /// Classic pcap.
    Pcap { big_endian: bool, nanos: bool },
    /// pcapng with one interface whose `if_tsresol` is 10^-`tsresol` seconds (6 or 9).
    Pcapng { tsresol: u8 },
}

pub use crate::format::PcapLayout;

/// Writes a classic pcap file's header.
pub fn write_pcap_header(
    out: &mut impl Write,
    layout: PcapLayout,
    linktype: LinkType,
) -> io::Result<()> {
    out.write_all(&layout.file_header(linktype.0))
}

/// Writes one record, cut to the layout's snapshot length.
pub fn write_pcap_record(
    out: &mut impl Write,
    layout: PcapLayout,
    f: &SynthFrame,
) -> io::Result<()> {
    let frac = if layout.nanos {
        f.ts.nanos
    } else {
        f.ts.nanos / 1_000
    };
    let kept = &f.data[..f.data.len().min(layout.snaplen as usize)];
    out.write_all(&layout.record_header(RecordHeader {
        secs: u32::try_from(f.ts.secs).unwrap_or(0),
        frac,
        caplen: u32::try_from(kept.len()).unwrap_or(u32::MAX),
        wire_len: f.wire_len,
    }))?;
    out.write_all(kept)
}

/// Writes `frames` as a capture file of `linktype` with snapshot length `snaplen`.
pub fn write_capture(
    out: &mut impl Write,
    fmt: FileFormat,
    linktype: LinkType,
    snaplen: u32,
    frames: &[SynthFrame],
) -> io::Result<()> {
    match fmt {
        FileFormat::Pcap { big_endian, nanos } => {
            let layout = PcapLayout {
                big_endian,
                nanos,
                snaplen,
            };
            write_pcap_header(out, layout, linktype)?;
            for f in frames {
                write_pcap_record(out, layout, f)?;
            }
        }
        FileFormat::Pcapng { tsresol } => {
            let tagged: Vec<(u32, &SynthFrame)> = frames.iter().map(|f| (0, f)).collect();
            write_pcapng(out, &[(linktype, tsresol)], snaplen, &tagged)?;
        }
    }
    Ok(())
}

/// Writes a pcapng file with several interfaces, each `(linktype, if_tsresol)`; each frame
/// names its interface by index.
pub fn write_pcapng(
    out: &mut impl Write,
    interfaces: &[(LinkType, u8)],
    snaplen: u32,
    frames: &[(u32, &SynthFrame)],
) -> io::Result<()> {
    use crate::format::pcapng as blocks;
    out.write_all(&blocks::section_header(None))?;
    for &(linktype, tsresol) in interfaces {
        out.write_all(&blocks::interface(linktype.0, snaplen, tsresol, None, None))?;
    }
    for &(iface, f) in frames {
        let tsresol = interfaces.get(iface as usize).map_or(6, |i| i.1);
        let units_per_sec: u128 = if tsresol & 0x80 == 0 {
            10u128.pow(u32::from(tsresol))
        } else {
            1u128 << (tsresol & 0x7f)
        };
        let kept = &f.data[..f.data.len().min(snaplen as usize)];
        let ts = u128::try_from(f.ts.secs).unwrap_or(0) * units_per_sec
            + u128::from(f.ts.nanos) * units_per_sec / 1_000_000_000;
        let ts = u64::try_from(ts).unwrap_or(u64::MAX);
        out.write_all(&blocks::enhanced_packet(iface, ts, kept, f.wire_len, None))?;
    }
    Ok(())
}

/// A TCP conversation written segment by segment, each end keeping its next sequence number
/// and acknowledging what the other end sent, so that a scenario only says what is unusual.
#[derive(Clone, Debug)]
pub struct Talk {
    pub client: SocketAddr,
    pub server: SocketAddr,
    /// Next sequence number of each end.
    pub client_next: u32,
    pub server_next: u32,
    /// Window each end advertises.
    pub client_window: u16,
    pub server_window: u16,
    /// Time of the next segment, and the step added after each one.
    pub now: Timestamp,
    pub step_nanos: u32,
    /// What was sent, in order.
    pub segments: Vec<(Timestamp, TcpSpec)>,
}

/// Which end sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Client,
    Server,
}

impl Talk {
    /// A conversation with the given initial sequence numbers, starting at `start`.
    pub fn new(
        client: SocketAddr,
        server: SocketAddr,
        client_isn: u32,
        server_isn: u32,
        start: Timestamp,
    ) -> Talk {
        Talk {
            client,
            server,
            client_next: client_isn,
            server_next: server_isn,
            client_window: 65535,
            server_window: 65535,
            now: start,
            step_nanos: 100_000,
            segments: Vec::new(),
        }
    }

    /// Moves the clock forward.
    pub fn wait(&mut self, nanos: u64) -> &mut Talk {
        let total = u64::from(self.now.nanos) + nanos;
        self.now.secs += i64::try_from(total / 1_000_000_000).unwrap_or(0);
        self.now.nanos = u32::try_from(total % 1_000_000_000).unwrap_or(0);
        self
    }

    /// Builds the segment `end` would send now, without recording it or advancing anything.
    pub fn segment(&self, end: End, flags: TcpFlags, len: usize) -> TcpSpec {
        let (src, dst, seq, ack, window) = match end {
            End::Client => (
                self.client,
                self.server,
                self.client_next,
                self.server_next,
                self.client_window,
            ),
            End::Server => (
                self.server,
                self.client,
                self.server_next,
                self.client_next,
                self.server_window,
            ),
        };
        TcpSpec {
            src,
            dst,
            seq,
            ack: if flags.contains(TcpFlags::ACK) {
                ack
            } else {
                0
            },
            flags,
            window,
            urgent: 0,
            options: Vec::new(),
            payload: (0..len).map(|i| b'a' + (i % 26) as u8).collect(),
        }
    }

    /// Records a segment as sent (advancing the sender's sequence number if it moves it
    /// forward) and steps the clock.
    pub fn send(&mut self, spec: TcpSpec) -> &mut Talk {
        let consumed = u32::try_from(spec.payload.len()).unwrap_or(u32::MAX)
            + u32::from(spec.flags.contains(TcpFlags::SYN))
            + u32::from(spec.flags.contains(TcpFlags::FIN));
        let end = spec.seq.wrapping_add(consumed);
        let next = if spec.src == self.client {
            &mut self.client_next
        } else {
            &mut self.server_next
        };
        if (end.wrapping_sub(*next) as i32) > 0 {
            *next = end;
        }
        self.segments.push((self.now, spec));
        let step = u64::from(self.step_nanos);
        self.wait(step)
    }

    /// Sends an ordinary segment from `end`.
    pub fn say(&mut self, end: End, flags: TcpFlags, len: usize) -> &mut Talk {
        let spec = self.segment(end, flags, len);
        self.send(spec)
    }

    /// A segment from `end` that is lost: its sequence space is used, nothing is recorded.
    pub fn lose(&mut self, end: End, len: u32) -> &mut Talk {
        match end {
            End::Client => self.client_next = self.client_next.wrapping_add(len),
            End::Server => self.server_next = self.server_next.wrapping_add(len),
        }
        self
    }

    /// The three-way handshake with Linux-like options (window scale `shift` both ways).
    pub fn handshake(&mut self, shift: Option<u8>) -> &mut Talk {
        let opts = |shift: Option<u8>| match shift {
            Some(s) => opt::linux_syn(1460, 1000, 0, s),
            None => [opt::mss(1460), opt::sack_perm()].concat(),
        };
        let mut syn = self.segment(End::Client, TcpFlags::SYN, 0);
        syn.options = opts(shift);
        self.send(syn);
        let mut syn_ack = self.segment(End::Server, TcpFlags::SYN | TcpFlags::ACK, 0);
        syn_ack.options = opts(shift);
        self.send(syn_ack);
        self.say(End::Client, TcpFlags::ACK, 0)
    }

    /// The close: `first` sends FIN, the other acks it with its own FIN, the first acks that.
    pub fn close(&mut self, first: End) -> &mut Talk {
        let other = if first == End::Client {
            End::Server
        } else {
            End::Client
        };
        self.say(first, TcpFlags::FIN | TcpFlags::ACK, 0);
        self.say(other, TcpFlags::FIN | TcpFlags::ACK, 0);
        self.say(first, TcpFlags::ACK, 0)
    }

    /// The frames of this conversation in `linktype`.
    pub fn frames(&self, linktype: LinkType) -> Vec<SynthFrame> {
        self.segments
            .iter()
            .map(|(ts, spec)| frame(*ts, link_wrap(linktype, &spec.ip_packet(), None)))
            .collect()
    }
}

/// A frame whose wire length is its captured length.
pub fn frame(ts: Timestamp, data: Vec<u8>) -> SynthFrame {
    let wire_len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    SynthFrame { ts, data, wire_len }
}

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
fn ipv4_checksum(header: &[u8]) -> u16 {
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
