//! The timeline: one [`Row`] per frame, with the columns Wireshark shows and the Step this tool
//! adds.
//!
//! [`Timeline`] is the whole per-frame pipeline in one place — link → decode → flow → row — so
//! `sniffer read`, `sniffer live` and `sniff-demo` number, time and describe frames the same
//! way. Frames are numbered from 1 in capture order, and times are relative to the first frame,
//! as in Wireshark's default view.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::IpAddr;

use serde::Serialize;

use crate::decode::{
    self, ip_proto, ArpMessage, IcmpMessage, IpHeader, Network, Packet, TcpProblem, TcpSegment,
    Transport,
};
use crate::flow::{FlowTable, Side, Step, Tags, TcpState, TcpView};
use crate::frame::{Frame, Timestamp, TsPrecision};
use crate::tcp::{TcpFlags, TcpOption, TcpOptions};

/// One line of the timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Frame number, from 1.
    pub number: u64,
    /// Seconds since the first frame, with 6 or 9 decimals as the file's precision.
    pub time: String,
    /// Capture time, seconds since the Unix epoch, same precision.
    pub epoch: Epoch,
    pub source: String,
    pub destination: String,
    pub protocol: &'static str,
    /// Frame length on the wire, link header included.
    pub length: u32,
    /// Wireshark's Info column.
    pub info: String,
    /// The segment's role in its conversation (TCP only).
    pub step: Option<Step>,
    /// The TCP numbers behind the Info text (TCP only).
    pub tcp: Option<TcpFields>,
    /// Why decoding stopped early, if it did.
    pub malformed: Option<String>,
}

impl Row {
    /// A row with nothing in it, to be filled by [`Timeline::push_into`].
    pub fn empty() -> Row {
        Row {
            number: 0,
            time: String::new(),
            epoch: Epoch {
                ts: Timestamp::default(),
                precision: TsPrecision::Micro,
            },
            source: String::new(),
            destination: String::new(),
            protocol: "",
            length: 0,
            info: String::new(),
            step: None,
            tcp: None,
            malformed: None,
        }
    }
}

/// A capture time since the Unix epoch, written out (with the row's precision) only when it
/// is shown, in JSON: the plain listing never needs it, and formatting it for every packet
/// cost as much as the relative time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Epoch {
    pub ts: Timestamp,
    pub precision: TsPrecision,
}

impl std::fmt::Display for Epoch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_seconds(self.ts.as_nanos(), self.precision))
    }
}

impl Serialize for Epoch {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The TCP numbers of one row, raw and as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TcpFields {
    pub stream: u32,
    pub side: Side,
    pub src_port: u16,
    pub dst_port: u16,
    /// Relative sequence number (`Seq=`).
    pub seq: u32,
    /// Relative acknowledgment number (`Ack=`), when the ACK flag is set.
    pub ack: Option<u32>,
    /// Relative sequence number after this segment, when it consumes sequence space.
    pub next_seq: Option<u32>,
    pub seq_raw: u32,
    pub ack_raw: u32,
    pub flags: TcpFlags,
    /// The window as shown (`Win=`), scaled when the scale is known.
    pub window: u32,
    /// The 16-bit window field as sent.
    pub window_raw: u16,
    /// Wireshark's scale factor: −1 unknown, −2 no scaling, else the multiplier.
    pub window_scale_factor: i64,
    /// The urgent pointer (`Urg=`, shown only with the URG flag).
    pub urgent: u16,
    /// Payload length (`Len=`).
    pub len: u32,
    pub header_len: u32,
    /// The capture cut the header short: options past the cut are unknown.
    pub header_truncated: bool,
    pub options: TcpOptions,
    /// Wireshark's analysis tags.
    pub tags: Tags,
    /// The state of each end after this segment (RFC 9293).
    pub client_state: TcpState,
    pub server_state: TcpState,
    /// The first bytes of the payload, shown as text (non-printable bytes escaped), when
    /// there is payload.
    pub payload_preview: Option<Preview>,
}

/// Turns frames into rows, keeping the conversation state between them.
#[derive(Debug)]
pub struct Timeline {
    first: Option<Timestamp>,
    count: u64,
    flows: FlowTable,
    /// IP packets being reassembled from fragments.
    fragments: HashMap<FragmentKey, Reassembly>,
    /// Echo requests seen, by (requester, responder, identifier, sequence), with their frame
    /// number, so that a reply can say "(request in N)".
    echo_requests: HashMap<(IpAddr, IpAddr, u16, u16), u64>,
    /// The conversation whose payload is being collected for Follow Stream, if any.
    follow: Option<Followed>,
    /// The Ethernet address first seen claiming each IPv4 address in ARP, to flag another
    /// one claiming it ("duplicate use of … detected!").
    arp_claims: HashMap<std::net::Ipv4Addr, [u8; 6]>,
}

/// The fragments of one IP packet share addresses, protocol and identification.
type FragmentKey = (IpAddr, IpAddr, u8, u32);

/// What has arrived of a fragmented packet.
#[derive(Debug, Default)]
struct Reassembly {
    /// The first fragment's payload: the transport header.
    head: Vec<u8>,
    /// Payload bytes received so far.
    received: u32,
    /// Total payload length, known once the last fragment arrived.
    total: Option<u32>,
}

/// Fragments awaiting reassembly, and echo requests awaiting replies, are forgotten beyond
/// this many, so that memory stays bounded.
const MAX_REASSEMBLIES: usize = 4096;

impl Default for Timeline {
    fn default() -> Timeline {
        Timeline::new()
    }
}

impl Timeline {
    /// An empty timeline whose finished conversations are released as it goes (see
    /// [`crate::flow`]'s Memory section): for listings of any length.
    pub fn new() -> Timeline {
        Timeline::with_flows(FlowTable::new())
    }

    /// An empty timeline that keeps every conversation, for reports after the listing.
    pub fn keeping_conversations() -> Timeline {
        Timeline::with_flows(FlowTable::keep_all())
    }

    fn with_flows(flows: FlowTable) -> Timeline {
        Timeline {
            first: None,
            count: 0,
            flows,
            fragments: HashMap::new(),
            echo_requests: HashMap::new(),
            arp_claims: HashMap::new(),
            follow: None,
        }
    }

    /// Collects the payload of conversation `stream` as frames go by (Wireshark's Follow TCP
    /// Stream); read it with [`Timeline::followed`].
    pub fn follow(&mut self, stream: u32) {
        self.follow = Some(Followed {
            stream,
            ..Followed::default()
        });
    }

    /// The payload collected by [`Timeline::follow`].
    pub fn followed(&self) -> Option<&Followed> {
        self.follow.as_ref()
    }

    /// How much of each payload [`Timeline::push_packet`] needs decoded: everything for
    /// Follow Stream, a preview otherwise.
    pub fn payload_limit(&self) -> usize {
        if self.follow.is_some() {
            usize::MAX
        } else {
            PREVIEW_BYTES
        }
    }

    /// Decodes the next frame and describes it.
    pub fn push(&mut self, frame: &Frame<'_>) -> Row {
        let packet = decode::decode_keeping(frame.linktype, frame, self.payload_limit());
        self.push_packet(&packet, frame.precision)
    }

    /// Describes the next already-decoded packet, timed at `precision`.
    pub fn push_packet(&mut self, packet: &Packet, precision: TsPrecision) -> Row {
        let mut row = Row::empty();
        self.push_packet_into(packet, precision, &mut row);
        row
    }

    /// Decodes the next frame and describes it in `row`, reusing its texts' memory: the way
    /// to list a big capture without allocating for every packet.
    pub fn push_into(&mut self, frame: &Frame<'_>, row: &mut Row) {
        let packet = decode::decode_keeping(frame.linktype, frame, self.payload_limit());
        self.push_packet_into(&packet, frame.precision, row);
    }

    /// [`Timeline::push_packet`] into `row`, reusing its texts' memory.
    pub fn push_packet_into(&mut self, packet: &Packet, precision: TsPrecision, row: &mut Row) {
        self.count += 1;
        let first = *self.first.get_or_insert(packet.ts);
        let view = match (&packet.net, &packet.transport) {
            // A header Wireshark calls malformed gets no analysis: raw numbers, as it shows.
            (Network::Ip(_), Transport::Tcp(seg))
                if matches!(
                    seg.problem,
                    Some(TcpProblem::PastTheFrame | TcpProblem::TooShort)
                ) =>
            {
                None
            }
            (Network::Ip(ip), Transport::Tcp(seg)) => {
                let view = self.flows.observe(self.count, packet.ts, ip, seg);
                if let Some(f) = self.follow.as_mut().filter(|f| f.stream == view.stream) {
                    f.add(self.count, view.side, seg, ip);
                }
                Some(view)
            }
            _ => None,
        };
        row.source.clear();
        row.destination.clear();
        match (&packet.net, packet.macs) {
            (Network::Ip(ip), _) => {
                push_ip(&mut row.source, ip.src);
                push_ip(&mut row.destination, ip.dst);
            }
            (_, Some((src, dst))) => {
                row.source.push_str(&mac_name(src));
                row.destination.push_str(&mac_name(dst));
            }
            _ => {}
        }
        row.tcp = None;
        match self.reassemble(packet) {
            Some((protocol, info, tcp)) => {
                row.protocol = protocol;
                row.info = info;
                row.tcp = tcp;
            }
            None => match (&packet.net, &packet.transport, view.as_ref()) {
                (Network::Ip(ip), Transport::Icmp(icmp), _) => {
                    (row.protocol, row.info, row.tcp) = self.icmp(ip, icmp);
                }
                (Network::Arp(arp), _, _) => {
                    row.protocol = "ARP";
                    row.info = self.arp(arp);
                }
                // The common case, written in place.
                (_, Transport::Tcp(seg), Some(view)) => {
                    row.info.clear();
                    (row.protocol, row.tcp) = push_tcp_row(&mut row.info, seg, view);
                }
                _ => (row.protocol, row.info, row.tcp) = describe(packet, view.as_ref()),
            },
        }
        row.number = self.count;
        row.time.clear();
        push_seconds(&mut row.time, packet.ts.since(first), precision);
        row.epoch = Epoch {
            ts: packet.ts,
            precision,
        };
        row.length = packet.wire_len;
        row.step = view.map(|v| v.step);
        row.malformed.clone_from(&packet.malformed);
    }

    /// For a fragment: its Protocol and Info, as Wireshark shows them — `IPv4`/`IPv6` and
    /// "Fragmented IP protocol" until the last piece, which shows the reassembled datagram.
    fn reassemble(&mut self, packet: &Packet) -> Option<(&'static str, String, Option<TcpFields>)> {
        let ip = packet.ip()?;
        let frag = ip.fragment?;
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
                let total = done.total.unwrap_or(0);
                if ip.protocol == ip_proto::TCP {
                    if let Some(seg) = decode::tcp_from_payload(&done.head, total) {
                        let whole = IpHeader {
                            payload_len: total,
                            fragment: None,
                            ..*ip
                        };
                        let view = self.flows.observe(self.count, packet.ts, &whole, &seg);
                        return Some(tcp_row(&seg, &view));
                    }
                }
                if ip.protocol == ip_proto::UDP {
                    if let Some(h) = done.head.get(..8) {
                        let port = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
                        let len = u32::from(port(4)).saturating_sub(8);
                        return Some(("UDP", format!("{} → {} Len={len}", port(0), port(2)), None));
                    }
                }
            }
        }
        if ip.src.is_ipv4() {
            Some((
                "IPv4",
                format!(
                    "Fragmented IP protocol (proto={} {}, off={}, ID={:04x})",
                    ip_proto_name(ip.protocol),
                    ip.protocol,
                    frag.offset,
                    frag.id
                ),
                None,
            ))
        } else {
            Some((
                "IPv6",
                format!(
                    "IPv6 fragment (off={} more={} ident=0x{:08x} nxt={})",
                    frag.offset,
                    if frag.more { "y" } else { "n" },
                    frag.id,
                    ip.protocol
                ),
                None,
            ))
        }
    }

    /// ICMP and ICMPv6: echo requests and replies (matched in capture order, as a single
    /// pass of tshark does); other types by name only.
    fn icmp(
        &mut self,
        ip: &IpHeader,
        icmp: &IcmpMessage,
    ) -> (&'static str, String, Option<TcpFields>) {
        let v4 = ip.src.is_ipv4();
        let id = u16::from_be_bytes([icmp.rest[0], icmp.rest[1]]);
        let seq = u16::from_be_bytes([icmp.rest[2], icmp.rest[3]]);
        let (request, reply) = if v4 { (8, 0) } else { (128, 129) };
        let protocol = if v4 { "ICMP" } else { "ICMPv6" };
        let fields = if v4 {
            format!(
                "id=0x{id:04x}, seq={seq}/{}, ttl={}",
                seq.swap_bytes(),
                ip.ttl
            )
        } else {
            format!("id=0x{id:04x}, seq={seq}, hop limit={}", ip.ttl)
        };
        let info = if icmp.icmp_type == request {
            if self.echo_requests.len() >= MAX_REASSEMBLIES {
                self.echo_requests.clear();
            }
            self.echo_requests
                .insert((ip.src, ip.dst, id, seq), self.count);
            let pad = if v4 { "  " } else { " " };
            format!("Echo (ping) request{pad}{fields}")
        } else if icmp.icmp_type == reply {
            let pad = if v4 { "    " } else { " " };
            let matched = self
                .echo_requests
                .get(&(ip.dst, ip.src, id, seq))
                .map(|n| format!(" (request in {n})"))
                .unwrap_or_default();
            format!("Echo (ping) reply{pad}{fields}{matched}")
        } else {
            icmp_error_text(v4, icmp.icmp_type, icmp.code)
        };
        (protocol, info, None)
    }

    /// ARP's Info, with Wireshark's note when a second Ethernet address claims an IPv4
    /// address (an all-zero sender address claims nothing).
    fn arp(&mut self, arp: &ArpMessage) -> String {
        let mut info = arp_info(arp);
        if arp.sender_mac != [0; 6] {
            if self.arp_claims.len() >= MAX_REASSEMBLIES {
                self.arp_claims.clear();
            }
            let first = *self
                .arp_claims
                .entry(arp.sender_ip)
                .or_insert(arp.sender_mac);
            if first != arp.sender_mac {
                info.push_str(&format!(" (duplicate use of {} detected!)", arp.sender_ip));
            }
        }
        info
    }

    /// The conversations seen so far.
    pub fn flows(&self) -> &FlowTable {
        &self.flows
    }

    /// Frames pushed so far.
    pub fn frames(&self) -> u64 {
        self.count
    }

    /// When the first frame was captured.
    pub fn first_timestamp(&self) -> Option<Timestamp> {
        self.first
    }
}

/// Protocol column, Info column and TCP fields of a packet.
fn describe(packet: &Packet, view: Option<&TcpView>) -> (&'static str, String, Option<TcpFields>) {
    match (&packet.net, &packet.transport, view) {
        (_, Transport::Tcp(seg), Some(view)) => tcp_row(seg, view),
        (_, Transport::Tcp(seg), None) => ("TCP", malformed_tcp_info(seg), None),
        (_, Transport::Udp(udp), _) => (
            "UDP",
            format!(
                "{} → {} Len={}",
                udp.src_port, udp.dst_port, udp.payload_len
            ),
            None,
        ),
        (Network::Ip(_), _, _) if packet.ip_malformed_info.is_some() => (
            "IPv6",
            packet.ip_malformed_info.clone().unwrap_or_default(),
            None,
        ),
        (Network::Ip(ip), _, _) => {
            let name = match ip.protocol {
                ip_proto::ICMP => "ICMP",
                ip_proto::ICMPV6 => "ICMPv6",
                ip_proto::IGMP => "IGMP",
                ip_proto::TCP => "TCP",
                ip_proto::UDP => "UDP",
                _ if ip.src.is_ipv4() => "IPv4",
                _ => "IPv6",
            };
            (name, String::new(), None)
        }
        (Network::Arp(arp), _, _) => ("ARP", arp_info(arp), None),
        (Network::Bogus { protocol, info }, _, _) => (protocol, info.clone(), None),
        // Not even a whole link-layer header.
        (Network::None, _, _) if packet.malformed.is_some() => {
            ("Ethernet", "[Malformed Packet]".to_owned(), None)
        }
        _ => ("Ethernet", String::new(), None),
    }
}

/// The payload of one conversation in the order it was sent, each byte once: what an
/// application on either end read from its socket.
#[derive(Clone, Debug, Default)]
pub struct Followed {
    pub stream: u32,
    /// The client's and the server's address.
    pub ends: Option<(String, String)>,
    /// Pieces of payload: which way, the frame, and the bytes (or a note of bytes missing).
    pub pieces: Vec<FollowPiece>,
    /// Next expected sequence number each way (client → server, server → client).
    next: [Option<crate::tcp::SeqNum>; 2],
    /// Bytes each way.
    pub bytes: [u64; 2],
}

/// A piece of a followed stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowPiece {
    pub side: Side,
    pub frame: u64,
    /// The new bytes of this segment (retransmitted bytes are not repeated).
    pub data: Vec<u8>,
    /// Bytes that should come before these but were never seen (a loss in the capture), or
    /// that the snapshot length cut off.
    pub missing: u64,
}

impl Followed {
    fn add(&mut self, frame: u64, side: Side, seg: &TcpSegment, ip: &IpHeader) {
        if self.ends.is_none() {
            let (src, dst) = (
                std::net::SocketAddr::new(ip.src, seg.src_port).to_string(),
                std::net::SocketAddr::new(ip.dst, seg.dst_port).to_string(),
            );
            self.ends = Some(match side {
                Side::ClientToServer => (src, dst),
                Side::ServerToClient => (dst, src),
            });
        }
        if seg.payload_len == 0 {
            return;
        }
        let i = match side {
            Side::ClientToServer => 0,
            Side::ServerToClient => 1,
        };
        // Data starts after the SYN's sequence number when the segment carries a SYN.
        let start = if seg.flags.contains(crate::tcp::TcpFlags::SYN) {
            seg.seq.plus(1)
        } else {
            seg.seq
        };
        let end = start.plus(seg.payload_len);
        let expected = self.next[i].unwrap_or(start);
        if !end.after(expected) {
            return; // all of it was delivered before: a retransmission
        }
        let (skip, missing) = if expected.after(start) {
            (expected.minus(start), 0)
        } else {
            (0, u64::from(start.minus(expected)))
        };
        let captured = &seg.payload[..seg.payload.len().min(seg.payload_len as usize)];
        let data = captured.get(skip as usize..).unwrap_or_default().to_vec();
        let cut = u64::from(seg.payload_len - skip) - data.len() as u64;
        self.bytes[i] += u64::from(seg.payload_len - skip);
        self.next[i] = Some(end);
        self.pieces.push(FollowPiece {
            side,
            frame,
            data,
            missing: missing + cut,
        });
    }
}

/// Info of a TCP header that runs past its frame (raw numbers, as Wireshark shows them) or
/// that the IP payload cannot hold (ports only).
fn malformed_tcp_info(seg: &TcpSegment) -> String {
    match seg.problem {
        Some(TcpProblem::TooShort) => {
            format!("{} → {}[Malformed Packet]", seg.src_port, seg.dst_port)
        }
        _ => {
            let ack = if seg.flags.contains(TcpFlags::ACK) {
                format!(" Ack={}", seg.ack.0)
            } else {
                String::new()
            };
            format!(
                "{} → {} [{}] Seq={}{ack} Win={}[Malformed Packet]",
                seg.src_port, seg.dst_port, seg.flags, seg.seq.0, seg.window
            )
        }
    }
}

/// Bytes of payload kept in a row's preview.
pub const PREVIEW_BYTES: usize = 48;

/// The first bytes of a payload, kept as they are (no allocation per packet) and escaped into
/// text (see [`escape_text`]) only when shown: the plain listing never shows them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Preview {
    bytes: [u8; PREVIEW_BYTES],
    len: u8,
}

impl Preview {
    /// The first [`PREVIEW_BYTES`] of `payload`.
    pub fn of(payload: &[u8]) -> Preview {
        let kept = &payload[..payload.len().min(PREVIEW_BYTES)];
        let mut bytes = [0; PREVIEW_BYTES];
        bytes[..kept.len()].copy_from_slice(kept);
        Preview {
            bytes,
            len: u8::try_from(kept.len()).unwrap_or(u8::MAX),
        }
    }

    /// The bytes kept.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The bytes as text.
    pub fn text(&self) -> String {
        escape_text(self.bytes())
    }
}

impl std::fmt::Debug for Preview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.text())
    }
}

impl Serialize for Preview {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

/// Payload as text: printable ASCII and newlines as they are, `\r` and `\t` escaped, any
/// other byte as `\xNN` (as Wireshark's Follow Stream shows non-printable bytes as dots,
/// but without losing them).
pub fn escape_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\n' => out.push('\n'),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

/// Protocol, Info and fields of a TCP segment.
fn tcp_row(seg: &TcpSegment, view: &TcpView) -> (&'static str, String, Option<TcpFields>) {
    let mut info = String::with_capacity(160);
    let (protocol, fields) = push_tcp_row(&mut info, seg, view);
    (protocol, info, fields)
}

/// [`tcp_row`] with the Info text appended to `info`.
fn push_tcp_row(
    info: &mut String,
    seg: &TcpSegment,
    view: &TcpView,
) -> (&'static str, Option<TcpFields>) {
    if let Some(TcpProblem::BogusHeaderLen(len)) = seg.problem {
        let ack = view.ack.map(|a| format!(" Ack={a}")).unwrap_or_default();
        let _ = write!(
            info,
            "{} → {} [{}] Seq={}{ack} Win={}, bogus TCP header length ({len}, must be at least 20)",
            seg.src_port, seg.dst_port, seg.flags, view.seq, seg.window
        );
        return ("TCP", None);
    }
    let fields = TcpFields {
        stream: view.stream,
        side: view.side,
        src_port: seg.src_port,
        dst_port: seg.dst_port,
        seq: view.seq,
        ack: view.ack,
        next_seq: view.next_seq,
        seq_raw: seg.seq.0,
        ack_raw: seg.ack.0,
        flags: seg.flags,
        window: view.window,
        window_raw: seg.window,
        window_scale_factor: view.scale.factor(),
        urgent: seg.urgent,
        len: seg.payload_len,
        header_len: seg.header_len,
        header_truncated: seg.header_truncated,
        options: seg.options.clone(),
        tags: view.tags,
        client_state: view.client_state,
        server_state: view.server_state,
        payload_preview: (!seg.payload.is_empty()).then(|| Preview::of(&seg.payload)),
    };
    if !view.tags.is_empty() {
        info.push_str(&view.tags.prefix());
    }
    push_tcp_info(info, &fields, &view.sack);
    ("TCP", Some(fields))
}

/// Wireshark's Info for the common ICMP and ICMPv6 error messages (empty for others).
fn icmp_error_text(v4: bool, icmp_type: u8, code: u8) -> String {
    let (kind, reason) = match (v4, icmp_type, code) {
        (true, 3, c) => (
            "Destination unreachable",
            match c {
                0 => "Network unreachable",
                1 => "Host unreachable",
                2 => "Protocol unreachable",
                3 => "Port unreachable",
                4 => "Fragmentation needed",
                13 => "Communication administratively filtered",
                _ => return String::new(),
            },
        ),
        (true, 11, 0) => ("Time-to-live exceeded", "Time to live exceeded in transit"),
        (true, 11, 1) => ("Time-to-live exceeded", "Fragment reassembly time exceeded"),
        (false, 1, c) => (
            "Destination Unreachable",
            match c {
                0 => "no route to destination",
                1 => "communication with destination administratively prohibited",
                3 => "Address unreachable",
                4 => "Port unreachable",
                _ => return String::new(),
            },
        ),
        (false, 3, 0) => ("Time Exceeded", "hop limit exceeded in transit"),
        _ => return String::new(),
    };
    format!("{kind} ({reason})")
}

/// Wireshark's name of an IP protocol number, as in "proto=UDP 17".
fn ip_proto_name(proto: u8) -> &'static str {
    match proto {
        ip_proto::ICMP => "ICMP",
        ip_proto::IGMP => "IGMP",
        ip_proto::TCP => "TCP",
        ip_proto::UDP => "UDP",
        ip_proto::ICMPV6 => "ICMPv6",
        _ => "Unknown",
    }
}

/// An IP address as text.
pub fn ip_text(ip: IpAddr) -> String {
    let mut s = String::with_capacity(15);
    push_ip(&mut s, ip);
    s
}

/// The decimal digits of every byte value, three per value, leading ones to be skipped.
const OCTET_DIGITS: [[u8; 3]; 256] = {
    let mut t = [[0u8; 3]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [
            b'0' + (i / 100) as u8,
            b'0' + (i / 10 % 10) as u8,
            b'0' + (i % 10) as u8,
        ];
        i += 1;
    }
    t
};

/// Every byte value as decimal text ("0" to "255"), made when compiling.
const OCTETS: [&str; 256] = {
    let mut t = [""; 256];
    let mut i = 0;
    while i < 256 {
        let skip = if i >= 100 {
            0
        } else if i >= 10 {
            1
        } else {
            2
        };
        let (_, digits) = OCTET_DIGITS[i].split_at(skip);
        t[i] = match std::str::from_utf8(digits) {
            Ok(text) => text,
            Err(_) => panic!("digits are ASCII"),
        };
        i += 1;
    }
    t
};

/// Appends an IP address as text. IPv4 addresses are written octet by octet from a table:
/// the standard `Display` goes through the formatting machinery and cost a fifth of all the
/// work per packet. IPv6 keeps the standard text (RFC 5952, as Wireshark writes it).
pub fn push_ip(s: &mut String, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            s.reserve(15);
            s.push_str(OCTETS[usize::from(a)]);
            s.push('.');
            s.push_str(OCTETS[usize::from(b)]);
            s.push('.');
            s.push_str(OCTETS[usize::from(c)]);
            s.push('.');
            s.push_str(OCTETS[usize::from(d)]);
        }
        IpAddr::V6(v6) => {
            let _ = write!(s, "{v6}");
        }
    }
}

/// An Ethernet address as Wireshark names it (see [`crate::ether_names`]).
pub fn mac_name(mac: [u8; 6]) -> String {
    crate::ether_names::EtherNames::installed().name(mac)
}

/// ARP's Info: "Who has T? Tell S" for a request, "S is at MAC" for a reply.
fn arp_info(arp: &ArpMessage) -> String {
    match arp.operation {
        1 => format!("Who has {}? Tell {}", arp.target_ip, arp.sender_ip),
        2 => format!("{} is at {}", arp.sender_ip, mac_name(arp.sender_mac)),
        op => format!("Unknown ARP opcode 0x{op:04x}"),
    }
}

/// Wireshark's Info text for a TCP segment:
/// `SPORT → DPORT [FLAGS] Seq=S[ Ack=A] Win=W[ Urg=U] Len=L[ OPTIONS]`.
pub fn tcp_info(t: &TcpFields, sack: &[(u32, u32)]) -> String {
    let mut s = String::with_capacity(160);
    push_tcp_info(&mut s, t, sack);
    s
}

/// [`tcp_info`] appended to `s`. (Built with itoa and push_str rather than format!: this
/// runs once per packet.)
pub fn push_tcp_info(s: &mut String, t: &TcpFields, sack: &[(u32, u32)]) {
    let mut num = itoa::Buffer::new();
    let mut push = |s: &mut String, label: &str, n: u64| {
        s.push_str(label);
        s.push_str(num.format(n));
    };
    push(s, "", u64::from(t.src_port));
    push(s, " → ", u64::from(t.dst_port));
    s.push_str(" [");
    t.flags.push_names(s);
    push(s, "] Seq=", u64::from(t.seq));
    if let Some(ack) = t.ack {
        push(s, " Ack=", u64::from(ack));
    }
    push(s, " Win=", u64::from(t.window));
    if t.flags.contains(TcpFlags::URG) {
        push(s, " Urg=", u64::from(t.urgent));
    }
    push(s, " Len=", u64::from(t.len));
    let mut sack = sack.iter();
    for option in &t.options.list {
        match option {
            TcpOption::Mss { value } => {
                push(s, " MSS=", u64::from(*value));
            }
            TcpOption::WindowScale { shift } => {
                push(
                    s,
                    " WS=",
                    1u64 << (*shift).min(crate::tcp::MAX_WINDOW_SHIFT),
                );
            }
            TcpOption::SackPermitted => s.push_str(" SACK_PERM"),
            TcpOption::Timestamp { value, echo } => {
                push(s, " TSval=", u64::from(*value));
                push(s, " TSecr=", u64::from(*echo));
            }
            TcpOption::Sack { blocks } => {
                for _ in blocks {
                    if let Some((l, r)) = sack.next() {
                        push(s, " SLE=", u64::from(*l));
                        push(s, " SRE=", u64::from(*r));
                    }
                }
            }
            TcpOption::FastOpen { cookie } => {
                s.push_str(if cookie.is_empty() {
                    " TFO=R"
                } else {
                    " TFO=C"
                });
            }
            TcpOption::Experimental { exid } => {
                let _ = write!(s, " ExID={exid:X}");
            }
            TcpOption::Unknown { .. } => {}
        }
    }
    if t.header_truncated {
        s.push_str("[Packet size limited during capture]");
    }
}

/// Seconds with `precision`'s decimals, from a signed count of nanoseconds.
pub fn format_seconds(nanos: i128, precision: TsPrecision) -> String {
    let mut s = String::with_capacity(24);
    push_seconds(&mut s, nanos, precision);
    s
}

/// [`format_seconds`] appended to `s`.
pub fn push_seconds(s: &mut String, nanos: i128, precision: TsPrecision) {
    // In u64 (division of u128 is slow): 2^64 ns is 584 years, more than any capture spans.
    let abs = u64::try_from(nanos.unsigned_abs()).unwrap_or(u64::MAX);
    let secs = abs / 1_000_000_000;
    let frac = abs % 1_000_000_000;
    let decimals = precision.decimals();
    let scaled = frac / 10u64.pow(9 - decimals as u32);
    // As Wireshark: a negative time that truncates to zero is shown without its sign.
    if nanos < 0 && (secs != 0 || scaled != 0) {
        s.push('-');
    }
    let mut num = itoa::Buffer::new();
    s.push_str(num.format(secs));
    if decimals > 0 {
        s.push('.');
        let digits = num.format(scaled);
        for _ in digits.len()..decimals {
            s.push('0');
        }
        s.push_str(digits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_text_is_the_standard_text_for_every_octet() {
        for v in 0..=255u8 {
            for ip in [
                std::net::Ipv4Addr::new(v, 0, 10, 255),
                std::net::Ipv4Addr::new(9, v, 99, 100),
                std::net::Ipv4Addr::new(127, 1, v, v / 3),
            ] {
                let mut s = String::from("x ");
                push_ip(&mut s, IpAddr::V4(ip));
                assert_eq!(s, format!("x {ip}"));
            }
        }
    }

    fn fields(flags: TcpFlags, options: Vec<TcpOption>) -> TcpFields {
        TcpFields {
            stream: 0,
            side: Side::ClientToServer,
            src_port: 40052,
            dst_port: 12345,
            seq: 1,
            ack: Some(19),
            next_seq: None,
            seq_raw: 0,
            ack_raw: 0,
            flags,
            window: 65536,
            window_raw: 64,
            window_scale_factor: 1024,
            urgent: 7,
            len: 0,
            header_len: 20,
            header_truncated: false,
            options: TcpOptions {
                list: options,
                malformed: false,
            },
            tags: Tags::default(),
            client_state: TcpState::Established,
            server_state: TcpState::Established,
            payload_preview: None,
        }
    }

    #[test]
    fn info_with_every_option_in_wire_order() {
        let t = fields(
            TcpFlags::ACK,
            vec![
                TcpOption::Timestamp { value: 5, echo: 6 },
                TcpOption::Sack {
                    blocks: vec![(0, 0), (0, 0)],
                },
                TcpOption::Unknown { kind: 253, len: 4 },
                TcpOption::FastOpen { cookie: vec![] },
                TcpOption::FastOpen { cookie: vec![1] },
                TcpOption::Mss { value: 1460 },
                TcpOption::WindowScale { shift: 15 },
                TcpOption::SackPermitted,
            ],
        );
        assert_eq!(
            tcp_info(&t, &[(101, 201), (301, 401)]),
            "40052 → 12345 [ACK] Seq=1 Ack=19 Win=65536 Len=0 TSval=5 TSecr=6 \
             SLE=101 SRE=201 SLE=301 SRE=401 TFO=R TFO=C MSS=1460 WS=16384 SACK_PERM"
        );
    }

    #[test]
    fn urg_shows_the_pointer_and_no_ack_hides_ack() {
        let mut t = fields(TcpFlags::URG | TcpFlags::PSH, vec![]);
        t.ack = None;
        t.len = 3;
        assert_eq!(
            tcp_info(&t, &[]),
            "40052 → 12345 [PSH, URG] Seq=1 Win=65536 Urg=7 Len=3"
        );
        let mut none = fields(TcpFlags::from_bits(0), vec![]);
        none.ack = None;
        assert_eq!(
            tcp_info(&none, &[]),
            "40052 → 12345 [<None>] Seq=1 Win=65536 Len=0"
        );
    }

    #[test]
    fn payload_escaping_keeps_every_byte() {
        assert_eq!(
            escape_text(b"GET / HTTP/1.0\r\n\r\n"),
            "GET / HTTP/1.0\\r\n\\r\n"
        );
        assert_eq!(
            escape_text(&[0x00, b'a', 0xff, b'\\', b'\t']),
            "\\x00a\\xff\\\\\\t"
        );
    }

    #[test]
    fn seconds_at_both_precisions() {
        assert_eq!(format_seconds(181_000, TsPrecision::Micro), "0.000181");
        assert_eq!(format_seconds(181_123, TsPrecision::Nano), "0.000181123");
        assert_eq!(
            format_seconds(12_000_000_001, TsPrecision::Nano),
            "12.000000001"
        );
        assert_eq!(format_seconds(-10_000, TsPrecision::Micro), "-0.000010");
        assert_eq!(format_seconds(-456_000, TsPrecision::Milli), "0.000");
        assert_eq!(format_seconds(-1_000_456_000, TsPrecision::Milli), "-1.000");
        assert_eq!(format_seconds(7_900_000_000, TsPrecision::Sec), "7");
    }
}
