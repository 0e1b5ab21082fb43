//! Decode: one frame's bytes → the project's own [`Packet`].
//!
//! etherparse reads the headers with its *lax* slicer, which keeps whatever it could read of a
//! truncated or odd packet and says where it stopped; its borrowed views stay inside this
//! module, and everything after it works on owned values. Decoding never fails and never
//! panics: a frame that makes no sense still becomes a `Packet`, with [`Packet::malformed`]
//! saying why decoding stopped.
//!
//! Lengths come from the headers, not from the bytes captured, so a packet cut short by the
//! snapshot length still reports its real TCP payload length, as Wireshark's `Len=` does.

use std::net::IpAddr;

use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, TransportSlice};
use serde::Serialize;

use crate::frame::{Frame, Timestamp};
use crate::link::{self, LinkType, Payload};

/// IP protocol numbers this module names.
pub mod ip_proto {
    pub const ICMP: u8 = 1;
    pub const IGMP: u8 = 2;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    /// Generic Routing Encapsulation.
    pub const GRE: u8 = 47;
    /// IPv4 in IP, and IPv6 in IP.
    pub const IPIP: u8 = 4;
    pub const IPV6: u8 = 41;
    pub const ICMPV6: u8 = 58;
    /// IP Authentication Header (RFC 4302).
    pub const AUTHENTICATION: u8 = 51;
    /// IPv6's "no next header".
    pub const NO_NEXT_HEADER: u8 = 59;
}

/// One decoded frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    /// When it was captured.
    pub ts: Timestamp,
    /// Length on the wire, link header included.
    pub wire_len: u32,
    /// Bytes actually captured (less than `wire_len` when the snapshot length cut it).
    pub cap_len: u32,
    /// The network layer, if one was found.
    pub net: Network,
    /// The transport layer, if IP carried one this module reads.
    pub transport: Transport,
    /// Why decoding stopped early, if it did.
    pub malformed: Option<String>,
    /// For the first fragment of a fragmented packet: the captured bytes of its IP payload,
    /// where the transport header is (for reassembly).
    pub fragment_head: Vec<u8>,
    /// Ethernet source and destination addresses, when the frame has them.
    pub macs: Option<([u8; 6], [u8; 6])>,
    /// What a Linux cooked header said (`LINUX_SLL`, `LINUX_SLL2`).
    pub cooked: Option<link::Cooked>,
    /// The IPv6 extension headers read before one that runs past the packet (their next-header
    /// numbers, in order), when that happens: Wireshark then calls the packet malformed.
    pub ipv6_overrun: Option<Vec<u8>>,
}

/// The network layer of a packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Network {
    /// IPv4 or IPv6.
    Ip(IpHeader),
    /// ARP, RARP or InARP.
    Arp(ArpMessage),
    /// An ARP message shorter than its lengths say.
    ArpMalformed,
    /// An Ethernet configuration test (loopback, EtherType 0x9000) message: the function at
    /// the place its skip count points to, if the functions before it lead there.
    Loop(Option<u16>),
    /// Something else, by EtherType or link-layer family, and the innermost VLAN tag in front
    /// of it, if any.
    Other {
        ether_type: u32,
        vlan: Option<VlanTag>,
    },
    /// An IEEE 802.3 frame: a length where Ethernet II has its EtherType.
    Ieee8023,
    /// A pcapng Custom Block listed as a frame: its Private Enterprise Number, and whether it
    /// may be copied into other files.
    PcapngCustom { pen: u32, copied: bool },
    /// A PPP frame of a protocol other than IP (`ppp`, by PPP protocol number), or a Cisco
    /// HDLC frame of an EtherType other than IP.
    PointToPoint { ppp: bool, protocol: u16 },
    /// An IPv4 header whose length field claims fewer than 20 bytes (this many), which
    /// Wireshark rejects.
    BogusIpv4HeaderLen(u8),
    /// Nothing could be read past the link layer.
    None,
}

/// An 802.1Q (or 802.1ad) tag's fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VlanTag {
    /// An 802.1ad service tag (TPID 0x88a8), not an 802.1Q one.
    pub service: bool,
    /// Priority code point.
    pub pcp: u8,
    /// Drop eligible indicator.
    pub dei: bool,
    /// VLAN identifier.
    pub vid: u16,
}

/// An ARP message (RFC 826), or RARP, InARP…: its operation and the addresses as sent (6 and
/// 4 bytes for Ethernet and IPv4; other lengths are kept as they are).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArpMessage {
    /// 1 request, 2 reply, 3 and 4 RARP, 8 and 9 InARP…
    pub operation: u16,
    /// The protocol type of the protocol addresses (0x0800 for IPv4).
    pub protocol_type: u16,
    pub sender_hw: Vec<u8>,
    pub sender_proto: Vec<u8>,
    pub target_hw: Vec<u8>,
    pub target_proto: Vec<u8>,
}

impl ArpMessage {
    /// The sender's IPv4 address, when it has one.
    pub fn sender_ipv4(&self) -> Option<std::net::Ipv4Addr> {
        <[u8; 4]>::try_from(self.sender_proto.as_slice())
            .ok()
            .filter(|_| self.protocol_type == 0x0800)
            .map(std::net::Ipv4Addr::from)
    }

    /// The sender's Ethernet address, when it has one.
    pub fn sender_mac(&self) -> Option<[u8; 6]> {
        self.sender_hw.as_slice().try_into().ok()
    }
}

/// What the rest of the pipeline needs of an IP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpHeader {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// The protocol carried (after IPv6 extension headers).
    pub protocol: u8,
    /// Length of the IP payload according to the header (total length minus header for IPv4,
    /// payload length minus extension headers for IPv6), whatever was captured.
    pub payload_len: u32,
    /// Time to live (IPv4) or hop limit (IPv6).
    pub ttl: u8,
    /// Set when this packet is a fragment of a larger one: the transport header is only in
    /// the fragment at offset 0.
    pub fragment: Option<Fragment>,
}

/// Where a fragment belongs in the packet it was cut from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fragment {
    /// The identification shared by the fragments of one packet.
    pub id: u32,
    /// Offset of this fragment's data in the original payload, in bytes.
    pub offset: u32,
    /// More fragments follow.
    pub more: bool,
}

/// The transport layer of a packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp(TcpSegment),
    Udp(UdpDatagram),
    /// An ICMP or ICMPv6 message (which one follows from the IP version).
    Icmp(IcmpMessage),
    /// The snapshot length cut the TCP or UDP header before its ports.
    CutBeforePorts,
    /// A GRE packet of a protocol type not decoded here.
    GreUnknown(u16),
    /// A protocol this module does not decode, or none was readable.
    None,
}

/// A UDP datagram's header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UdpDatagram {
    pub src_port: u16,
    pub dst_port: u16,
    /// Payload length from the UDP length field (0 when the capture cut it off).
    pub payload_len: u32,
    /// What the snapshot length left of the datagram.
    pub kept: UdpKept,
    /// What is wrong with the length field, as Wireshark judges it.
    pub bad_length: Option<UdpBadLength>,
}

/// A UDP length field Wireshark flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UdpBadLength {
    /// Shorter than the 8-byte header (this value).
    BelowHeader(u16),
    /// Longer than the IP payload (this value).
    BeyondIp(u16),
    /// 0 over IPv6: a jumbogram (RFC 2675), whose length is the IP payload's.
    Jumbogram,
}

/// How much of a UDP datagram the capture kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UdpKept {
    /// The header and some of the payload, or all of it.
    Enough,
    /// The ports only.
    Ports,
    /// The ports and the length, not the checksum.
    PortsAndLength,
    /// The header, and none of a payload it announces.
    HeaderOnly,
}

/// An ICMP or ICMPv6 message: its first 8 bytes, and what follows as far as Info needs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IcmpMessage {
    pub icmp_type: u8,
    pub code: u8,
    /// Bytes 5 to 8: identifier and sequence number for echo messages, flags for a neighbor
    /// advertisement.
    pub rest: [u8; 4],
    /// The bytes after the first 8 that were captured, at most [`ICMP_BODY_KEPT`]: a
    /// neighbor discovery message's target and options.
    #[serde(skip)]
    pub body: Vec<u8>,
    /// The snapshot length cut the message after this many bytes (its header included).
    pub cut_at: Option<u32>,
}

/// Bytes of an ICMP message's body kept for its Info.
pub const ICMP_BODY_KEPT: usize = 256;

impl Packet {
    /// The IP header, if the packet has one.
    pub fn ip(&self) -> Option<&IpHeader> {
        match &self.net {
            Network::Ip(ip) => Some(ip),
            _ => None,
        }
    }

    /// The TCP segment, if the packet carries one.
    pub fn tcp(&self) -> Option<&TcpSegment> {
        match &self.transport {
            Transport::Tcp(t) => Some(t),
            _ => None,
        }
    }
}

/// Decodes one frame of the given linktype.
pub fn decode(linktype: LinkType, frame: &Frame<'_>) -> Packet {
    decode_keeping(linktype, frame, usize::MAX)
}

/// [`decode`], keeping at most `payload_limit` bytes of a TCP payload (its length is still
/// the whole `payload_len`): copying payloads nobody reads is most of decoding's cost.
pub fn decode_keeping(linktype: LinkType, frame: &Frame<'_>, payload_limit: usize) -> Packet {
    let mut packet = Packet {
        ts: frame.ts,
        wire_len: frame.wire_len,
        cap_len: u32::try_from(frame.data.len()).unwrap_or(u32::MAX),
        net: Network::None,
        transport: Transport::None,
        malformed: None,
        fragment_head: Vec::new(),
        macs: None,
        cooked: None,
        ipv6_overrun: None,
    };
    if matches!(
        linktype,
        LinkType::PCAPNG_CUSTOM | LinkType::PCAPNG_CUSTOM_NO_COPY
    ) {
        let pen = frame
            .data
            .get(..4)
            .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        packet.net = Network::PcapngCustom {
            pen,
            copied: linktype == LinkType::PCAPNG_CUSTOM,
        };
        return packet;
    }
    let layer = match link::network_start(linktype, frame.data) {
        Ok(layer) => layer,
        Err(e) => {
            packet.malformed = Some(e.to_string());
            return packet;
        }
    };
    packet.cooked = layer.cooked;
    let rest = frame.data.get(layer.header_len..).unwrap_or_default();
    let sliced = match layer.payload {
        Payload::Ethernet => LaxSlicedPacket::from_ethernet(rest).map_err(|e| e.to_string()),
        Payload::EtherType(et) => Ok(LaxSlicedPacket::from_ether_type(EtherType(et), rest)),
        Payload::Ip => LaxSlicedPacket::from_ip(rest).map_err(|e| e.to_string()),
        Payload::Unknown(family) => {
            packet.net = Network::Other {
                ether_type: family,
                vlan: None,
            };
            return packet;
        }
        Payload::Ppp(protocol) => {
            packet.net = Network::PointToPoint {
                ppp: true,
                protocol,
            };
            return packet;
        }
        Payload::Chdlc(ether_type) => {
            packet.net = Network::PointToPoint {
                ppp: false,
                protocol: ether_type,
            };
            return packet;
        }
    };
    match sliced {
        Ok(sliced) => fill(&mut packet, &sliced, frame.data, payload_limit),
        Err(reason) => packet.malformed = Some(reason),
    }
    packet
}

/// IPv6 extension header types this module walks (RFC 8200 §4).
pub mod ipv6_ext {
    pub const HOP_BY_HOP: u8 = 0;
    pub const ROUTING: u8 = 43;
    pub const FRAGMENT: u8 = 44;
    pub const AUTHENTICATION: u8 = 51;
    pub const DESTINATION_OPTIONS: u8 = 60;
    /// Bytes of a Fragment header.
    pub const FRAGMENT_LEN: usize = 8;
    /// Hop-by-Hop options: one byte of padding, and the Jumbo Payload length (RFC 2675).
    pub const PAD1: u8 = 0;
    pub const JUMBO_PAYLOAD: u8 = 0xc2;
    /// The option-carrying headers walked when checking that the chain fits the packet.
    pub const WALKED: [u8; 3] = [HOP_BY_HOP, ROUTING, DESTINATION_OPTIONS];
}

/// The Fragment header among an IPv6 packet's extension headers, walked by hand from their
/// bytes (`first` is the fixed header's Next Header). Never reads past `exts`.
///
/// (etherparse's own iterator over a laxly sliced extension chain is not used here: on an
/// oddly chained packet — a Hop-by-Hop header after a Routing header — version 0.21 reads
/// past the slice.)
fn ipv6_fragment(first: u8, exts: &[u8]) -> Option<Fragment> {
    let mut next = first;
    let mut at = 0usize;
    loop {
        let here = exts.get(at..)?;
        let len = match next {
            ipv6_ext::FRAGMENT => {
                let h = here.get(..ipv6_ext::FRAGMENT_LEN)?;
                let offset_flags = u16::from_be_bytes([h[2], h[3]]);
                let offset = u32::from(offset_flags >> 3) * 8;
                let more = offset_flags & 1 == 1;
                if offset == 0 && !more {
                    // An "atomic" fragment: the whole packet.
                    return None;
                }
                return Some(Fragment {
                    id: u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
                    offset,
                    more,
                });
            }
            ipv6_ext::HOP_BY_HOP | ipv6_ext::ROUTING | ipv6_ext::DESTINATION_OPTIONS => {
                (usize::from(*here.get(1)?) + 1) * 8
            }
            ipv6_ext::AUTHENTICATION => (usize::from(*here.get(1)?) + 2) * 4,
            _ => return None,
        };
        next = *here.first()?;
        at = at.checked_add(len)?;
    }
}

/// The Jumbo Payload option's length (RFC 2675), when the extension headers after the fixed
/// header (`first` is its Next Header) start with a Hop-by-Hop header that carries one.
fn jumbo_payload_len(first: u8, bytes: &[u8]) -> Option<u32> {
    if first != ipv6_ext::HOP_BY_HOP {
        return None;
    }
    let header_len = (usize::from(*bytes.get(1)?) + 1) * 8;
    let mut options = bytes.get(2..header_len)?;
    while let Some((&kind, rest)) = options.split_first() {
        if kind == ipv6_ext::PAD1 {
            options = rest;
            continue;
        }
        let (&len, rest) = rest.split_first()?;
        let data = rest.get(..usize::from(len))?;
        if kind == ipv6_ext::JUMBO_PAYLOAD {
            return Some(u32::from_be_bytes(data.try_into().ok()?));
        }
        options = &rest[usize::from(len)..];
    }
    None
}

/// When an IPv6 extension header claims more bytes than the packet holds, the extension
/// headers read up to it (their next-header numbers), the one that overruns included.
fn ipv6_chain_overrun(first: u8, bytes: &[u8], payload_len: u32) -> Option<Vec<u8>> {
    let mut read: Vec<u8> = Vec::new();
    let mut next = first;
    let mut at = 0usize;
    // Judged against the packet's length, not what was captured: a header cut by the
    // snapshot length is not malformed.
    let limit = payload_len as usize;
    loop {
        if !ipv6_ext::WALKED.contains(&next) {
            return None; // the transport, a fragment, or a header we do not walk
        }
        read.push(next);
        let len = (usize::from(*bytes.get(at + 1)?) + 1) * 8;
        if at + len > limit {
            return Some(read);
        }
        next = *bytes.get(at)?;
        at += len;
    }
}

/// The EtherType of ARP.
pub const ARP_ETHER_TYPE: u16 = 0x0806;
/// The EtherType of the Ethernet configuration test protocol (loopback).
pub const LOOP_ETHER_TYPE: u16 = 0x9000;
/// The EtherType of RARP, which carries ARP's format.
pub const RARP_ETHER_TYPE: u16 = 0x8035;
/// The EtherType of MACsec (802.1AE).
pub const MACSEC_ETHER_TYPE: u16 = 0x88e5;

/// An ARP (or RARP) message from its bytes: `ArpMalformed` when they stop before the
/// addresses do.
fn arp_message(bytes: &[u8]) -> Network {
    let [_, _, p0, p1, hlen, plen, o0, o1, rest @ ..] = bytes else {
        return Network::ArpMalformed;
    };
    let (hlen, plen) = (usize::from(*hlen), usize::from(*plen));
    let mut at = 0;
    let mut take = |len: usize| {
        let field = rest.get(at..at + len).map(<[u8]>::to_vec);
        at += len;
        field
    };
    match (take(hlen), take(plen), take(hlen), take(plen)) {
        (Some(sender_hw), Some(sender_proto), Some(target_hw), Some(target_proto)) => {
            Network::Arp(ArpMessage {
                operation: u16::from_be_bytes([*o0, *o1]),
                protocol_type: u16::from_be_bytes([*p0, *p1]),
                sender_hw,
                sender_proto,
                target_hw,
                target_proto,
            })
        }
        _ => Network::ArpMalformed,
    }
}

/// Copies what etherparse read into the owned packet.
fn fill(packet: &mut Packet, sliced: &LaxSlicedPacket<'_>, frame: &[u8], payload_limit: usize) {
    fill_at(packet, sliced, frame, payload_limit, 0);
}

/// Tunnels opened at most, one inside the other: a crafted packet cannot nest without end.
const MAX_TUNNELS: u8 = 8;

/// [`fill`] for a packet inside `tunnel_depth` tunnels.
fn fill_at(
    packet: &mut Packet,
    sliced: &LaxSlicedPacket<'_>,
    frame: &[u8],
    payload_limit: usize,
    tunnel_depth: u8,
) {
    if let Some((err, _layer)) = &sliced.stop_err {
        packet.malformed = Some(err.to_string());
    }
    if let Some(etherparse::LinkSlice::Ethernet2(eth)) = &sliced.link {
        packet.macs = Some((eth.source(), eth.destination()));
    }
    let wire = WireBound {
        frame,
        wire_len: packet.wire_len,
    };
    let ip = match &sliced.net {
        Some(LaxNetSlice::Ipv4(v4)) => ipv4_header(v4, wire),
        Some(LaxNetSlice::Ipv6(v6)) => {
            let (ip, overrun) = ipv6_header(v6, wire);
            packet.ipv6_overrun = overrun;
            ip
        }
        Some(LaxNetSlice::Arp(arp)) => {
            packet.net = arp_message(arp.slice());
            return;
        }
        None => {
            packet.net = not_ip(sliced);
            return;
        }
    };
    packet.net = Network::Ip(ip);
    if ip.fragment.is_some_and(|f| f.offset == 0) {
        if let Some(payload) = sliced.net.as_ref().and_then(|n| n.ip_payload_ref()) {
            packet.fragment_head = payload.payload.to_vec();
        }
    }
    if ip.fragment.is_some() {
        // The transport header (if this is the first fragment) describes the whole packet,
        // not this piece: it is read when the packet is reassembled.
        return;
    }
    // Tunnels: the inner packet is the one shown and analysed, as in Wireshark.
    if tunnel_depth < MAX_TUNNELS
        && matches!(ip.protocol, ip_proto::IPIP | ip_proto::IPV6 | ip_proto::GRE)
    {
        let ip_payload = sliced
            .net
            .as_ref()
            .and_then(|n| n.ip_payload_ref())
            .map(|p| p.payload)
            .unwrap_or_default();
        let inner = match ip.protocol {
            ip_proto::IPIP | ip_proto::IPV6 => Some(tunnel::Inner::Ip(ip_payload)),
            ip_proto::GRE => match tunnel::gre(ip_payload) {
                Some(tunnel::Gre::Inner(inner)) => Some(inner),
                Some(tunnel::Gre::Unknown(protocol)) => {
                    packet.transport = Transport::GreUnknown(protocol);
                    return;
                }
                None => None,
            },
            _ => None,
        };
        if let Some(inner) = inner {
            if open_tunnel(packet, inner, frame, payload_limit, tunnel_depth) {
                return;
            }
        }
    }
    packet.transport = transport(packet, sliced, &ip, payload_limit);
    if let (Transport::Udp(udp), Some(TransportSlice::Udp(slice))) =
        (&packet.transport, &sliced.transport)
    {
        let ports = [udp.src_port, udp.dst_port];
        let inner = if udp.kept != UdpKept::Enough || tunnel_depth >= MAX_TUNNELS {
            None
        } else if ports.contains(&tunnel::VXLAN_PORT) {
            tunnel::vxlan(slice.payload())
        } else if ports.contains(&tunnel::GENEVE_PORT) {
            tunnel::geneve(slice.payload())
        } else {
            None
        };
        if let Some(inner) = inner {
            open_tunnel(packet, inner, frame, payload_limit, tunnel_depth);
        }
    }
}

/// Decodes the packet inside a tunnel in place of the outer one; false when its first header
/// cannot be read (the outer packet is shown then).
fn open_tunnel(
    packet: &mut Packet,
    inner: tunnel::Inner<'_>,
    frame: &[u8],
    payload_limit: usize,
    tunnel_depth: u8,
) -> bool {
    let sliced = match inner {
        tunnel::Inner::Ip(bytes) => LaxSlicedPacket::from_ip(bytes).ok(),
        tunnel::Inner::Ethernet(bytes) => LaxSlicedPacket::from_ethernet(bytes).ok(),
    };
    let Some(sliced) = sliced else {
        return false;
    };
    packet.malformed = None;
    packet.transport = Transport::None;
    packet.ipv6_overrun = None;
    fill_at(packet, &sliced, frame, payload_limit, tunnel_depth + 1);
    true
}

/// What bounds a header's payload: the bytes the frame really had after it, by the wire
/// length, not by what was captured. Wireshark does the same, so an IP length larger than the
/// frame cannot claim bytes the frame never carried.
#[derive(Clone, Copy)]
struct WireBound<'a> {
    frame: &'a [u8],
    wire_len: u32,
}

impl WireBound<'_> {
    /// The bytes on the wire after a header starting at `start` (a pointer into the frame)
    /// of `header_len` bytes.
    fn after(self, start: *const u8, header_len: u32) -> u32 {
        let offset = (start as usize).saturating_sub(self.frame.as_ptr() as usize);
        self.wire_len
            .saturating_sub(u32::try_from(offset).unwrap_or(u32::MAX))
            .saturating_sub(header_len)
    }
}

/// What the rest of the pipeline needs of an IPv4 header.
fn ipv4_header(v4: &etherparse::LaxIpv4Slice<'_>, wire: WireBound<'_>) -> IpHeader {
    let h = v4.header();
    let header_len = u32::from(h.ihl()) * 4;
    let total = u32::from(h.total_len());
    // A total length below the header (0 on TSO-offloaded sends) means the length is
    // unknown: fall back on what was captured.
    let claimed = if total >= header_len {
        total - header_len
    } else {
        u32::try_from(v4.payload().payload.len()).unwrap_or(u32::MAX)
    };
    IpHeader {
        src: IpAddr::V4(h.source_addr()),
        dst: IpAddr::V4(h.destination_addr()),
        // The header's own field: etherparse walks an Authentication Header (even in a
        // fragment that does not start the payload), Wireshark's judged set does not.
        protocol: h.protocol().0,
        payload_len: claimed.min(wire.after(h.slice().as_ptr(), header_len)),
        ttl: h.ttl(),
        fragment: v4.is_payload_fragmented().then(|| Fragment {
            id: u32::from(h.identification()),
            offset: u32::from(h.fragments_offset().value()) * 8,
            more: h.more_fragments(),
        }),
    }
}

/// What the rest of the pipeline needs of an IPv6 header, and the extension headers read
/// when one of them runs past the packet.
fn ipv6_header(
    v6: &etherparse::LaxIpv6Slice<'_>,
    wire: WireBound<'_>,
) -> (IpHeader, Option<Vec<u8>>) {
    let h = v6.header();
    let start = (h.slice().as_ptr() as usize).saturating_sub(wire.frame.as_ptr() as usize);
    let after = wire.frame.get(start + 40..).unwrap_or_default();
    let on_wire = wire.after(h.slice().as_ptr(), 40);
    // A payload length of 0 with a Jumbo Payload option: the length is the option's (RFC 2675,
    // Linux's BIG TCP).
    let claimed = match h.payload_length() {
        0 => jumbo_payload_len(h.next_header().0, after).unwrap_or(0),
        n => u32::from(n),
    };
    let wire_payload = on_wire.min(claimed);
    let overrun = ipv6_chain_overrun(h.next_header().0, after, wire_payload);
    let ext_len = u32::try_from(v6.extensions().slice().len()).unwrap_or(u32::MAX);
    let ip = IpHeader {
        src: IpAddr::V6(h.source_addr()),
        dst: IpAddr::V6(h.destination_addr()),
        protocol: v6.payload().ip_number.0,
        payload_len: claimed.min(on_wire).saturating_sub(ext_len),
        ttl: h.hop_limit(),
        fragment: ipv6_fragment(h.next_header().0, v6.extensions().slice()),
    };
    (ip, overrun)
}

/// A network layer that is neither IP nor ARP, by its EtherType; an IPv4 header that claims
/// fewer than 20 bytes is Wireshark's "Bogus IP header length".
fn not_ip(sliced: &LaxSlicedPacket<'_>) -> Network {
    let outer = match &sliced.link {
        Some(etherparse::LinkSlice::Ethernet2(eth)) => Some(eth.ether_type().0),
        _ => None,
    };
    // Below 0x0600 the field is an 802.3 length.
    if outer.is_some_and(|t| t < 0x0600) {
        return Network::Ieee8023;
    }
    // Wireshark's judged set does not look inside MACsec.
    if let Some(etherparse::LaxLinkExtSlice::Macsec(_)) = sliced.link_exts.first() {
        return Network::Other {
            ether_type: u32::from(MACSEC_ETHER_TYPE),
            vlan: None,
        };
    }
    let Some(payload) = sliced.ether_payload() else {
        return Network::None;
    };
    let ether_type = payload.ether_type.0;
    if matches!(ether_type, ARP_ETHER_TYPE | RARP_ETHER_TYPE) {
        return arp_message(payload.payload);
    }
    if ether_type == LOOP_ETHER_TYPE && vlan_free(sliced) {
        return Network::Loop(loop_function(payload.payload));
    }
    // The innermost tag, and the TPID in front of it (the outer EtherType for the first).
    let mut tpid = outer;
    let mut vlan = None;
    for ext in &sliced.link_exts {
        if let etherparse::LaxLinkExtSlice::Vlan(tag) = ext {
            vlan = Some(VlanTag {
                service: tpid == Some(0x88a8),
                pcp: tag.priority_code_point().value(),
                dei: tag.drop_eligible_indicator(),
                vid: tag.vlan_identifier().value(),
            });
            tpid = Some(tag.ether_type().0);
        }
    }
    let ihl_bytes = payload.payload.first().map(|b| (b & 0x0f) * 4);
    match (ether_type, ihl_bytes) {
        (crate::link::ether_type::IPV4, Some(len)) if len < 20 => Network::BogusIpv4HeaderLen(len),
        _ => Network::Other {
            ether_type: u32::from(ether_type),
            vlan,
        },
    }
}

/// The transport layer IP carries (not for a fragment: see [`fill`]).
fn transport(
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
        Some(TransportSlice::Icmpv4(icmp)) => Transport::Icmp(IcmpMessage {
            icmp_type: icmp.type_u8(),
            code: icmp.code_u8(),
            rest: icmp.bytes5to8(),
            body: icmp.payload()[..icmp.payload().len().min(ICMP_BODY_KEPT)].to_vec(),
            cut_at: icmp_cut_at(packet, icmp.slice().len()),
        }),
        Some(TransportSlice::Icmpv6(icmp)) => Transport::Icmp(IcmpMessage {
            icmp_type: icmp.type_u8(),
            code: icmp.code_u8(),
            rest: icmp.bytes5to8(),
            body: icmp.payload()[..icmp.payload().len().min(ICMP_BODY_KEPT)].to_vec(),
            cut_at: icmp_cut_at(packet, icmp.slice().len()),
        }),
        Some(TransportSlice::Udp(udp)) => {
            let length = udp.length();
            let bad_length = match (length, ip.src.is_ipv4()) {
                (0, false) => Some(UdpBadLength::Jumbogram),
                (l, _) if l < 8 => Some(UdpBadLength::BelowHeader(l)),
                (l, _) if u32::from(l) > ip.payload_len => Some(UdpBadLength::BeyondIp(l)),
                _ => None,
            };
            let payload_len = match bad_length {
                Some(UdpBadLength::Jumbogram) => ip.payload_len.saturating_sub(8),
                _ => u32::from(length).saturating_sub(8),
            };
            let cut = packet.cap_len < packet.wire_len;
            Transport::Udp(UdpDatagram {
                src_port: udp.source_port(),
                dst_port: udp.destination_port(),
                bad_length,
                payload_len,
                kept: if cut && payload_len > 0 && udp.payload().is_empty() {
                    UdpKept::HeaderOnly
                } else {
                    UdpKept::Enough
                },
            })
        }
        None if matches!(ip.protocol, ip_proto::ICMP | ip_proto::ICMPV6)
            && ip.fragment.is_none() =>
        {
            // etherparse refuses some messages (a timestamp with a code other than 0): read
            // the first 8 bytes as they are.
            let captured = sliced
                .net
                .as_ref()
                .and_then(|n| n.ip_payload_ref())
                .map(|p| p.payload)
                .unwrap_or_default();
            let cut_at = icmp_cut_at(packet, captured.len());
            let byte = |i: usize| captured.get(i).copied().unwrap_or(0);
            if captured.len() < 8 && cut_at.is_none() {
                return Transport::None;
            }
            packet.malformed = None;
            Transport::Icmp(IcmpMessage {
                icmp_type: byte(0),
                code: byte(1),
                rest: [byte(4), byte(5), byte(6), byte(7)],
                body: captured.get(8..).unwrap_or_default()
                    [..captured.len().saturating_sub(8).min(ICMP_BODY_KEPT)]
                    .to_vec(),
                cut_at,
            })
        }
        None if matches!(ip.protocol, ip_proto::TCP | ip_proto::UDP) && ip.fragment.is_none() => {
            // etherparse stops at a header cut short; read what the capture kept of it.
            let captured = sliced
                .net
                .as_ref()
                .and_then(|n| n.ip_payload_ref())
                .map(|p| p.payload)
                .unwrap_or_default();
            let cut = packet.cap_len < packet.wire_len;
            let kept = if cut && captured.len() < 4 {
                Transport::CutBeforePorts
            } else if ip.protocol == ip_proto::UDP {
                cut_udp(captured, cut).map_or(Transport::None, Transport::Udp)
            } else {
                partial_tcp(captured, ip.payload_len, cut).map_or(Transport::None, Transport::Tcp)
            };
            if kept != Transport::None {
                packet.malformed = None;
            }
            kept
        }
        _ => Transport::None,
    }
}

mod segment;
mod tunnel;

/// Where the snapshot length cut an ICMP message of which `kept` bytes were captured, if it
/// did.
fn icmp_cut_at(packet: &Packet, kept: usize) -> Option<u32> {
    (packet.cap_len < packet.wire_len).then(|| u32::try_from(kept).unwrap_or(u32::MAX))
}

/// No VLAN tag in front of the payload.
fn vlan_free(sliced: &LaxSlicedPacket<'_>) -> bool {
    sliced.link_exts.is_empty()
}

/// The function of a loopback message (Ethernet V2.0, ch. 8): the skip count says where the
/// current one is; a Forward Data function (2) is followed by an address and the next
/// function, a Reply (1) ends the list.
fn loop_function(bytes: &[u8]) -> Option<u16> {
    let word = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|w| u16::from_le_bytes([w[0], w[1]]))
    };
    let target = 2 + usize::from(word(0)?);
    let mut at = 2;
    loop {
        let function = word(at)?;
        if at == target {
            return Some(function);
        }
        match function {
            2 => at += 2 + 6,
            _ => return None,
        }
    }
}

/// A UDP header the snapshot length cut (`cut`) after its ports; `None` otherwise.
fn cut_udp(bytes: &[u8], cut: bool) -> Option<UdpDatagram> {
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
        bad_length: None,
        payload_len: length.map_or(0, |l| u32::from(l).saturating_sub(8)),
        kept: if length.is_some() {
            UdpKept::PortsAndLength
        } else {
            UdpKept::Ports
        },
    })
}

pub(crate) use segment::tcp_from_payload;
use segment::{partial_tcp, tcp_segment};
pub use segment::{TcpHeader, TcpProblem, TcpSegment};

#[cfg(test)]
mod tests;
