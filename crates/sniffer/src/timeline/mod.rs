//! The timeline: one [`Row`] per frame, with the columns Wireshark shows and the Step this tool
//! adds.
//!
//! [`Timeline`] is the whole per-frame pipeline in one place — link → decode → flow → row — so
//! `sniffer read`, `sniffer live` and `sniff-demo` number, time and describe frames the same
//! way. Frames are numbered from 1 in capture order, and times are relative to the first frame,
//! as in Wireshark's default view.
//!
//! - [`row`](Row): what a row holds ([`Row`], [`TcpFields`], [`Preview`]);
//! - `info`: every Info text Wireshark shows, built in one place from typed facts (a new
//!   Info text goes there);
//! - `reassembly`: IP fragments put back together before the transport is described;
//! - [`http`]: HTTP/1.x rows (Protocol and Info) over TCP's reassembly, when enabled
//!   ([`Timeline::enable_http`]);
//! - [`Followed`]: the payload collected for Follow Stream;
//! - `text`: addresses, times and payloads as text (the hot path's octet table).

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::IpAddr;

use serde::Serialize;

use crate::decode::{
    self, ip_proto, ArpMessage, IcmpMessage, IpHeader, Network, Packet, TcpHeader, TcpProblem,
    TcpSegment, Transport, UdpBadLength, UdpDatagram, UdpKept,
};
use crate::flow::{FlowTable, Side, Step, TcpView};
use crate::frame::{Frame, Timestamp, TsPrecision};
use crate::tcp::{TcpFlags, TcpOption};

mod chdlc_registered;
pub(crate) mod ethertype_names;
mod follow;
pub(crate) mod gre_protocol_names;
pub mod http;
pub(crate) mod icmp;
mod info;
pub(crate) mod ip_proto_names;
pub(crate) mod ppp_protocol_names;
mod reassembly;
mod row;
mod text;

pub use follow::{FollowPiece, Followed};
pub use info::{push_tcp_info, tcp_info};
pub use row::{Epoch, Preview, Row, TcpFields, PREVIEW_BYTES};
pub use text::{escape_text, format_seconds, ip_text, mac_name, push_delta, push_ip, push_seconds};

use info::{arp_info, describe, push_tcp_row};
use reassembly::{FragmentKey, Reassembly, MAX_REASSEMBLIES};

/// Turns frames into rows, keeping the conversation state between them.
#[derive(Debug)]
pub struct Timeline {
    first: Option<Timestamp>,
    count: u64,
    flows: FlowTable,
    /// IP packets being reassembled from fragments.
    fragments: HashMap<FragmentKey, Reassembly>,
    /// Echo requests seen, by [`echo_key`], with their frame number, so that a reply can say
    /// "(request in N)".
    echo_requests: HashMap<(IpAddr, IpAddr, u16, u16), u64>,
    /// The conversation whose payload is being collected for Follow Stream, if any.
    follow: Option<Followed>,
    /// The Ethernet address first seen claiming each IPv4 address in ARP, with the frame
    /// that last confirmed it, to flag another one claiming it ("duplicate use of …
    /// detected!").
    arp_claims: HashMap<std::net::Ipv4Addr, ([u8; 6], u64, Timestamp)>,
    /// The duplicate addresses the last frame revealed, if it was ARP and did: by its
    /// sender's claim and by its target's.
    arp_duplicates: [Option<ArpDuplicate>; 2],
    /// The TCP header the last frame quoted whole, if it was an ICMP error that did, and what
    /// its conversation makes of it.
    quoted_tcp: Option<(TcpHeader, crate::flow::QuotedSegment)>,
    /// The TCP header of the last frame, if Wireshark left it unanalysed (it runs past the
    /// frame, or its length is unknown), and what its conversation makes of it.
    unanalysed_tcp: Option<(TcpHeader, crate::flow::QuotedSegment)>,
    /// HTTP's rows, when asked for ([`Timeline::enable_http`]).
    http: Option<http::Http>,
}

/// Where an echo request is kept for its reply: by the two addresses in either order (a
/// conversation, as Wireshark keys it), the identifier and the sequence number.
pub(crate) fn echo_key(a: IpAddr, b: IpAddr, id: u16, seq: u16) -> (IpAddr, IpAddr, u16, u16) {
    (a.min(b), a.max(b), id, seq)
}

/// An IPv4 address claimed in ARP by a second Ethernet address (Wireshark's "Duplicate IP
/// address detected").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArpDuplicate {
    pub ip: std::net::Ipv4Addr,
    /// The address claiming it now.
    pub mac: [u8; 6],
    /// The address that claimed it first, and the last frame in which it did.
    pub earlier_mac: [u8; 6],
    pub earlier_frame: u64,
    /// Whole seconds since that frame.
    pub seconds: i64,
}

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

    /// An empty timeline whose TCP views carry what the packet details show.
    pub fn with_details() -> Timeline {
        Timeline::with_flows(FlowTable::with_details())
    }

    /// An empty timeline that keeps every conversation, for reports after the listing.
    pub fn keeping_conversations() -> Timeline {
        Timeline::with_flows(FlowTable::keep_all())
    }

    /// An empty timeline that keeps every conversation and computes what the packet details
    /// show: for the lab's answers after the listing ([`crate::flow::lab`]).
    pub fn for_lab() -> Timeline {
        Timeline::with_flows(FlowTable::for_lab())
    }

    /// Shows HTTP/1.x rows as tshark does with its HTTP dissector on (see [`http`]).
    pub fn enable_http(&mut self) {
        self.http = Some(http::Http::new());
    }

    /// Whether HTTP is enabled.
    pub fn http_enabled(&self) -> bool {
        self.http.is_some()
    }

    /// With HTTP enabled, keeps what it makes of each segment for the field tree
    /// ([`Timeline::http_view`]).
    pub fn keep_http_views(&mut self) {
        if let Some(http) = self.http.as_mut() {
            http.keep_views();
        }
    }

    /// What HTTP made of the last frame pushed, if it was an HTTP segment and views are
    /// kept.
    pub fn http_view(&self) -> Option<&http::HttpView> {
        let http = self.http.as_ref()?;
        http.view().filter(|v| v.frame == self.count)
    }

    fn with_flows(flows: FlowTable) -> Timeline {
        Timeline {
            first: None,
            count: 0,
            flows,
            fragments: HashMap::new(),
            echo_requests: HashMap::new(),
            arp_duplicates: [None; 2],
            quoted_tcp: None,
            unanalysed_tcp: None,
            http: None,
            arp_claims: HashMap::new(),
            follow: None,
        }
    }

    /// Collects the payload of conversation `stream` as frames go by (Wireshark's Follow TCP
    /// Stream); read it with [`Timeline::followed`].
    pub fn follow(&mut self, stream: u32) {
        self.follow = Some(Followed::new(stream));
    }

    /// The payload collected by [`Timeline::follow`].
    pub fn followed(&self) -> Option<&Followed> {
        self.follow.as_ref()
    }

    /// How much of each payload [`Timeline::push_packet`] needs decoded: everything for
    /// Follow Stream, a preview otherwise.
    pub fn payload_limit(&self) -> usize {
        if self.follow.is_some() || self.http.is_some() {
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

    /// Counts `count` frames left out without being decoded (a display filter's prefilter
    /// ruled them out), the first of them from `first`: they still have their numbers, and
    /// the first may be the frame times are measured from.
    pub fn skip(&mut self, count: u64, first: Timestamp, precision: TsPrecision) {
        self.count += count;
        if precision != TsPrecision::None && count > 0 {
            self.first.get_or_insert(first);
        }
    }

    /// [`Timeline::push_packet`] into `row`, reusing its texts' memory.
    pub fn push_packet_into(&mut self, packet: &Packet, precision: TsPrecision, row: &mut Row) {
        self.count += 1;
        self.arp_duplicates = [None; 2];
        self.quoted_tcp = match (&packet.net, &packet.transport) {
            (Network::Ip(ip), Transport::Icmp(icmp)) => {
                self.quote(packet.ts, ip.src.is_ipv4(), icmp)
            }
            _ => None,
        };
        // Times are relative to the first frame that has one.
        let first = if precision == TsPrecision::None {
            self.first.unwrap_or(packet.ts)
        } else {
            *self.first.get_or_insert(packet.ts)
        };
        self.unanalysed_tcp = None;
        let view = match (&packet.net, &packet.transport) {
            // A header running past its frame gets no analysis (raw numbers, as Wireshark
            // shows them), but belongs to its conversation.
            (Network::Ip(ip), Transport::Tcp(seg))
                if seg.problem == Some(TcpProblem::PastTheFrame) =>
            {
                let quote = self.flows.unanalysed(packet.ts, ip, &seg.header);
                self.unanalysed_tcp = Some((seg.header.clone(), quote));
                None
            }
            // Too short for the fixed header: only the ports are read.
            (Network::Ip(_), Transport::Tcp(seg))
                if seg.problem == Some(TcpProblem::TooShort)
                    || matches!(seg.problem, Some(TcpProblem::Cut(kept)) if kept < 16) =>
            {
                None
            }
            (Network::Ip(ip), Transport::Tcp(seg))
                if matches!(seg.problem, Some(TcpProblem::BogusHeaderLen(_))) =>
            {
                Some(
                    self.flows
                        .observe_bogus(self.count, packet.ts, ip, &seg.header),
                )
            }
            // The first piece of a fragmented packet not put back together: its length is
            // unknown, so Wireshark does not analyse it, but it belongs to its conversation.
            (Network::Ip(ip), Transport::Tcp(seg)) if ip.first_fragment_read_alone() => {
                let quote = self.flows.unanalysed(packet.ts, ip, &seg.header);
                self.unanalysed_tcp = Some((seg.header.clone(), quote));
                None
            }
            (Network::Ip(ip), Transport::Tcp(seg)) => {
                let view = self.flows.observe(self.count, packet.ts, ip, &seg.header);
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
            // An IP header the frame ends inside: its source if the frame has it, else the
            // addresses of what it travels in (a tunnel's IP packet, or the link's).
            (Network::IpCut(cut), macs) => {
                // (A link without addresses — raw IP, BSD loopback — shows N/A, as it does
                // for its own columns; a cooked header names the sender.)
                let cooked = packet.cooked.map(|c| c.source);
                match (cut.src, cut.outer, macs) {
                    (Some(src), _, _) | (None, Some((src, _)), _) => push_ip(&mut row.source, src),
                    (None, None, Some((src, _))) => row.source.push_str(&mac_name(src)),
                    (None, None, None) => match cooked {
                        None => row.source.push_str("N/A"),
                        Some(Some(src)) => row.source.push_str(&mac_name(src)),
                        Some(None) => {}
                    },
                }
                match (cut.dst, cut.outer, macs) {
                    (Some(dst), _, _) | (None, Some((_, dst)), _) => {
                        push_ip(&mut row.destination, dst)
                    }
                    (None, None, Some((_, dst))) => row.destination.push_str(&mac_name(dst)),
                    (None, None, None) if cooked.is_none() => row.destination.push_str("N/A"),
                    (None, None, None) => {}
                }
            }
            (_, Some((src, dst))) => {
                row.source.push_str(&mac_name(src));
                row.destination.push_str(&mac_name(dst));
            }
            // Wireshark has no addresses for a point-to-point link's own frames.
            (Network::PointToPoint { .. } | Network::LinkMalformed { .. }, None) => {
                row.source.push_str("N/A");
                row.destination.push_str("N/A");
            }
            // An Ethernet header cut after its destination.
            (_, None) if packet.cut_header_addrs.is_some() => {
                if let Some((dst, src)) = packet.cut_header_addrs {
                    row.destination.push_str(&mac_name(dst));
                    if let Some(src) = src {
                        row.source.push_str(&mac_name(src));
                    }
                }
            }
            // A cooked header names the sender only.
            (_, None) => {
                if let Some(src) = packet.cooked.and_then(|c| c.source) {
                    row.source.push_str(&mac_name(src));
                }
            }
        }
        // A tunnel cut inside the Ethernet header it carries: the addresses read of it.
        if let Transport::TunnelCut(cut) = &packet.transport {
            if let Some(dst) = cut.macs.0 {
                row.destination.clear();
                row.destination.push_str(&mac_name(dst));
            }
            if let Some(src) = cut.macs.1 {
                row.source.clear();
                row.source.push_str(&mac_name(src));
            }
        }
        row.tcp = None;
        row.http_step = None;
        // An ARP message the capture cut after its sender's addresses still claims them (one
        // whose packet ends there does not).
        if let Network::ArpMalformed(crate::decode::ArpShort {
            sender: Some(sender),
            ..
        }) = &packet.net
        {
            let cut = packet.cap_len < packet.wire_len;
            if cut && sender.0[0] & 1 == 0 && sender.0 != [0; 6] && !sender.1.is_unspecified() {
                self.arp_duplicates[0] = self.arp_claim(*sender, packet.ts);
            }
        }
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
                    row.protocol = info::arp_protocol(arp);
                    row.info = self.arp(arp, packet.ts);
                }
                // The common case, written in place.
                (_, Transport::Tcp(seg), Some(view)) => {
                    row.info.clear();
                    (row.protocol, row.tcp) = push_tcp_row(&mut row.info, seg, view);
                    if self.http.is_some() {
                        let cut = packet.cap_len < packet.wire_len;
                        let at = (self.count, packet.ts);
                        let texts = (&mut row.protocol, &mut row.info, &mut row.http_step);
                        self.http_segment(seg, view, cut, at, texts);
                    }
                }
                _ => (row.protocol, row.info, row.tcp) = describe(packet, view.as_ref()),
            },
        }
        // Padding or a frame check sequence the capture cut: Wireshark stops there, after
        // every layer has written its Info.
        if packet.trailer_cut {
            row.info.push_str(info::SIZE_LIMITED);
        }
        row.number = self.count;
        row.time.clear();
        push_delta(&mut row.time, packet.ts.delta(first), precision);
        row.epoch = Epoch {
            ts: packet.ts,
            precision,
        };
        row.length = packet.wire_len;
        row.step = view.map(|v| v.step);
        row.malformed.clone_from(&packet.malformed);
    }

    /// With HTTP enabled, gives it a TCP segment (its payload cut by the capture when `cut`):
    /// `protocol` and `info` become the HTTP row's where the segment is HTTP's.
    fn http_segment(
        &mut self,
        seg: &crate::decode::TcpSegment,
        view: &TcpView,
        cut: bool,
        (frame, ts): (u64, Timestamp),
        (protocol, info, step): (&mut &'static str, &mut String, &mut Option<String>),
    ) {
        let Some(http) = self.http.as_mut() else {
            return;
        };
        use crate::flow::analysis::Tag;
        let resent = [
            Tag::Retransmission,
            Tag::FastRetransmission,
            Tag::SpuriousRetransmission,
            Tag::OutOfOrder,
        ]
        .into_iter()
        .any(|t| view.tags.has(t));
        let segment = http::Segment {
            stream: view.stream,
            way: usize::from(view.side == crate::flow::Side::ServerToClient),
            ports: (seg.header.src_port, seg.header.dst_port),
            payload: &seg.payload,
            cut,
            resent,
            frame,
            ts,
            fin: seg.header.flags.contains(crate::tcp::TcpFlags::FIN),
            seq: view.numbers.seq,
        };
        *step = http.segment(&segment, protocol, info);
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
        if let Some(info) = icmp::cut_info(v4, icmp, ip.payload_len) {
            return (protocol, info, None);
        }
        let info = if icmp.icmp_type == request {
            if self.echo_requests.len() >= MAX_REASSEMBLIES {
                self.echo_requests.clear();
            }
            self.echo_requests
                .insert(echo_key(ip.src, ip.dst, id, seq), self.count);
            let pad = if v4 { "  " } else { " " };
            format!("Echo (ping) request{pad}{fields}")
        } else if icmp.icmp_type == reply {
            let pad = if v4 { "    " } else { " " };
            let matched = self
                .echo_requests
                .get(&echo_key(ip.src, ip.dst, id, seq))
                .map(|n| format!(" (request in {n})"))
                .unwrap_or_default();
            format!("Echo (ping) reply{pad}{fields}{matched}")
        } else if v4 && icmp::ICMP_WITH_ID.contains(&icmp.icmp_type) {
            format!("{} {fields}", icmp::icmp_info(icmp))
        } else if v4 {
            icmp::icmp_info(icmp)
        } else {
            icmp::icmpv6_info(icmp).unwrap_or_default()
        };
        if v4 && icmp::body_cut(icmp, ip.payload_len) {
            return (protocol, info + info::SIZE_LIMITED, None);
        }
        (protocol, info, None)
    }

    /// ARP's Info, with Wireshark's note when another Ethernet address claims an IPv4
    /// address already claimed: by a request's or reply's sender, or a reply's target (a
    /// group or all-zero Ethernet address, or 0.0.0.0, claims nothing). As in Wireshark, the
    /// target's check decides when both are made, and the first claim stays.
    fn arp(&mut self, arp: &ArpMessage, ts: Timestamp) -> String {
        let mut info = arp_info(arp);
        let Some([sender, target]) = arp.ether_ipv4_bindings() else {
            return info;
        };
        // Only requests and replies bind addresses (not RARP's or InARP's messages).
        if !matches!(arp.operation, 1 | 2) {
            return info;
        }
        if self.arp_claims.len() >= MAX_REASSEMBLIES {
            self.arp_claims.clear();
        }
        let claims = |(mac, ip): ([u8; 6], std::net::Ipv4Addr)| {
            mac[0] & 1 == 0 && mac != [0; 6] && !ip.is_unspecified()
        };
        let mut duplicate = None;
        let mut detected = None;
        if claims(sender) {
            detected = self.arp_claim(sender, ts);
            if detected.is_some() {
                duplicate = Some(sender.1);
            }
            self.arp_duplicates[0] = detected;
        }
        if claims(target) && arp.operation != 1 && duplicate != Some(target.1) {
            detected = self.arp_claim(target, ts);
            if detected.is_some() {
                duplicate = Some(target.1);
            }
            self.arp_duplicates[1] = detected;
        }
        // Each check that finds a duplicate has its lines in the details; Info's note follows
        // the last check made.
        if let (Some(_), Some(ip)) = (detected, duplicate) {
            let _ = write!(info, " (duplicate use of {ip} detected!)");
        }
        info
    }

    /// For an ICMP or ICMPv6 error quoting a whole TCP header: that header and what its
    /// conversation (made if new, as Wireshark does) makes of it.
    fn quote(
        &mut self,
        ts: Timestamp,
        v4: bool,
        icmp: &IcmpMessage,
    ) -> Option<(TcpHeader, crate::flow::QuotedSegment)> {
        let error = if v4 {
            matches!(icmp.icmp_type, 3 | 4 | 5 | 11 | 12)
        } else {
            matches!(icmp.icmp_type, 1..=4)
        };
        if !error {
            return None;
        }
        let body = icmp.body.as_slice();
        let mut quoted = Frame::new(ts, u32::try_from(body.len()).ok()?, body);
        quoted.linktype = crate::link::LinkType::RAW;
        let inner = crate::decode::decode(crate::link::LinkType::RAW, &quoted);
        let (Network::Ip(ip), Transport::Tcp(seg)) = (&inner.net, &inner.transport) else {
            return None;
        };
        if seg.problem.is_some() || seg.header.header_truncated {
            return None;
        }
        let view = self.flows.quoted(ts, ip, &seg.header);
        Some((seg.header.clone(), view))
    }

    /// The TCP header of the last frame pushed, if it was left unanalysed because it runs
    /// past its frame, and what its conversation makes of it.
    pub fn unanalysed_tcp(&self) -> Option<&(TcpHeader, crate::flow::QuotedSegment)> {
        self.unanalysed_tcp.as_ref()
    }

    /// The TCP header the last frame pushed quoted whole in an ICMP error, if any, and what
    /// its conversation makes of it.
    pub fn quoted_tcp(&self) -> Option<&(TcpHeader, crate::flow::QuotedSegment)> {
        self.quoted_tcp.as_ref()
    }

    /// The duplicate IPv4 addresses the last frame pushed revealed in ARP: by its sender's
    /// claim and by its target's.
    pub fn arp_duplicates(&self) -> [Option<ArpDuplicate>; 2] {
        self.arp_duplicates
    }

    /// Records that `mac` claims `ip` in this frame (at `ts`); the duplicate when another
    /// address claimed it first (the first claim is kept).
    fn arp_claim(
        &mut self,
        (mac, ip): ([u8; 6], std::net::Ipv4Addr),
        ts: Timestamp,
    ) -> Option<ArpDuplicate> {
        match self.arp_claims.entry(ip) {
            Entry::Occupied(mut e) => {
                let (first, frame, seen) = e.get_mut();
                if self.count <= *frame {
                    None
                } else if *first == mac {
                    *frame = self.count;
                    *seen = ts;
                    None
                } else {
                    Some(ArpDuplicate {
                        ip,
                        mac,
                        earlier_mac: *first,
                        earlier_frame: *frame,
                        seconds: ts.secs - seen.secs,
                    })
                }
            }
            Entry::Vacant(e) => {
                e.insert((mac, self.count, ts));
                None
            }
        }
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

#[cfg(test)]
mod tests;
