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
    /// Ethernet inside IPv6 (RFC 8986's segment routing End.DX2).
    pub const ETHERNET: u8 = 143;
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
    /// The addresses of an Ethernet header the capture cut after its destination, as
    /// (destination, source if it is there): Wireshark shows them.
    pub cut_header_addrs: Option<([u8; 6], Option<[u8; 6]>)>,
    /// What a Linux cooked header said (`LINUX_SLL`, `LINUX_SLL2`).
    pub cooked: Option<link::Cooked>,
    /// The IPv6 extension headers read before one that runs past the packet (their next-header
    /// numbers, in order), when that happens: Wireshark then calls the packet malformed.
    /// With `ipv6_cut`, the one they end with runs past what the capture kept instead (a
    /// Fragment header is named only once read whole, so it is not among them).
    pub ipv6_overrun: Option<Vec<u8>>,
    pub ipv6_cut: bool,
    /// The IPv6 extension headers Wireshark named in the Info column as it read them whole
    /// (Hop-by-Hop, Routing, Destination Options, Fragment), in order: shown when the
    /// transport header after them is cut before its ports.
    pub ipv6_named: Vec<Ipv6Named>,
    /// The capture cut what follows an Ethernet frame's payload where Wireshark stops reading
    /// it (its padding, or its frame check sequence): `[Packet size limited during capture]`
    /// ends the Info column.
    pub trailer_cut: bool,
}

/// The network layer of a packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Network {
    /// IPv4 or IPv6.
    Ip(IpHeader),
    /// ARP, RARP or InARP.
    Arp(ArpMessage),
    /// An ARP message shorter than its lengths say: cut by the capture, or running past its
    /// packet.
    ArpMalformed(ArpShort),
    /// An Ethernet configuration test (loopback, EtherType 0x9000) message: the function at
    /// the place its skip count points to, if the functions before it lead there.
    Loop(Option<u16>),
    /// A link-layer or control frame that ends before its fields do: `[Malformed Packet]`
    /// under this Protocol (`PPP`, `CHDLC`, `LOOP`).
    LinkMalformed { protocol: &'static str },
    /// Something else, by EtherType or link-layer family, and the innermost VLAN tag in front
    /// of it, if any.
    Other {
        ether_type: u32,
        vlan: Option<VlanTag>,
    },
    /// An IEEE 802.3 frame: a length where Ethernet II has its EtherType.
    Ieee8023,
    /// A Linux cooked (version 1) header the capture cut: what Wireshark read of it is in
    /// [`Packet::cooked`].
    CookedCut,
    /// A loopback message the capture cut before Wireshark's reading of it ended (inside
    /// a function, a forwarding address, a reply's receipt number): the function the skip
    /// count points to, if it was read.
    LoopCut(Option<u16>),
    /// An 802.1Q (or, `qinq`, 802.1ad) tag the capture cut, and its TCI (priority, DEI, ID)
    /// when that was kept.
    TagCut { qinq: bool, tci: Option<u16> },
    /// A pcapng Custom Block listed as a frame: its Private Enterprise Number, and whether it
    /// may be copied into other files.
    PcapngCustom { pen: u32, copied: bool },
    /// A PPP frame of a protocol other than IP (`ppp`, by PPP protocol number), or a Cisco
    /// HDLC frame of an EtherType other than IP.
    PointToPoint { ppp: bool, protocol: u16 },
    /// An IPv4 header whose length field claims fewer than 20 bytes (this many), which
    /// Wireshark rejects.
    BogusIpv4HeaderLen(u8),
    /// An IPv4 or IPv6 header the frame ends inside, cut by the capture or short on the
    /// wire (at the top, or inside a tunnel).
    IpCut(IpCut),
    /// Nothing could be read past the link layer.
    None,
}

/// An IPv6 extension header Wireshark names in the Info column once it has read it whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ipv6Named {
    /// Hop-by-Hop, Routing or Destination Options, by its type.
    Options(u8),
    /// A Fragment header's offset (in bytes), more-fragments flag, identification and next
    /// header.
    Fragment {
        offset: u32,
        more: bool,
        ident: u32,
        next: u8,
    },
}

/// An IPv4 or IPv6 header the frame ends inside: what Wireshark reads of it before it stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpCut {
    /// IPv4, not IPv6.
    pub v4: bool,
    /// The source address, when the frame has all of it (Wireshark shows it in the Source
    /// column).
    pub src: Option<IpAddr>,
    /// IPv4's destination, when Wireshark reads it: after walking the options for a source
    /// route, so only when the frame has every option byte that walk reads.
    pub dst: Option<IpAddr>,
    /// The addresses of the IP packet this one travels in (IP in IP, GRE, Geneve): the
    /// columns keep them where the cut header has none of its own.
    pub outer: Option<(IpAddr, IpAddr)>,
    /// The bytes of the header the frame has.
    pub kept: u32,
    /// The header's length (IPv4's by its length field; 40 for IPv6, or when unknown).
    pub header_len: u32,
    /// The bytes from the header's start that the packet had on the wire (`kept` or more).
    pub reported: u32,
}

impl IpCut {
    /// The header at the start of `bytes`, if it is an IPv4 (`v4`) or IPv6 one (by its
    /// version, when it has a first byte) that `bytes` ends inside; the packet had
    /// `reported` bytes from there on the wire.
    pub fn read(bytes: &[u8], v4: bool, reported: u32) -> Option<IpCut> {
        let whole = match bytes.first() {
            None => 20 + 20 * usize::from(!v4),
            Some(b) if b >> 4 != if v4 { 4 } else { 6 } => return None,
            // An IPv4 length under 20 bytes is another error (`BogusIpv4HeaderLen`).
            Some(b) if v4 && (b & 0x0f) < 5 => return None,
            Some(b) if v4 => usize::from(b & 0x0f) * 4,
            Some(_) => 40,
        };
        if bytes.len() >= whole {
            return None;
        }
        let src = if v4 {
            bytes
                .get(12..16)
                .and_then(|a| <[u8; 4]>::try_from(a).ok())
                .map(IpAddr::from)
        } else {
            bytes
                .get(8..24)
                .and_then(|a| <[u8; 16]>::try_from(a).ok())
                .map(IpAddr::from)
        };
        let kept = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        let dst = match bytes.get(16..20) {
            Some(&[a, b, c, d]) if v4 && ipv4_route_walk_fits(bytes, whole) => {
                Some(IpAddr::from([a, b, c, d]))
            }
            _ => None,
        };
        Some(IpCut {
            v4,
            src,
            dst,
            outer: None,
            kept,
            header_len: u32::try_from(whole).unwrap_or(u32::MAX),
            reported: reported.max(kept),
        })
    }

    /// Whether Wireshark finds the header malformed rather than cut by the capture: the first
    /// field it cannot read runs past what the packet had on the wire.
    pub fn malformed(&self) -> bool {
        ip_read_fails_past(self.v4, self.header_len, self.kept) > self.reported
    }
}

/// Whether the IPv4 header at the start of `bytes` (`header_len` long) has every byte
/// Wireshark reads of its options (from byte 20) while looking for a source route before it
/// reads the destination: each option's type, its length, a route's pointer. (A route
/// found is not followed here: its final destination is not read.)
pub fn ipv4_route_walk_fits(bytes: &[u8], header_len: usize) -> bool {
    let mut at = 20;
    let mut left = header_len.saturating_sub(20);
    while left > 0 {
        let Some(&kind) = bytes.get(at) else {
            return false;
        };
        left -= 1;
        match kind {
            0 => return true,
            1 => at += 1,
            _ => {
                if left == 0 {
                    return true;
                }
                let Some(&len) = bytes.get(at + 1) else {
                    return false;
                };
                left -= 1;
                let len = usize::from(len);
                if len < 2 || len - 2 > left {
                    return true;
                }
                if matches!(kind, 0x83 | 0x89) {
                    // A source route: its pointer; a bogus one leaves the destination where
                    // it is, a valid one names the final destination (not read here).
                    let Some(&pointer) = bytes.get(at + 2) else {
                        return false;
                    };
                    let pointer = usize::from(pointer);
                    return pointer < 4 || pointer & 3 != 0 || pointer > len;
                }
                at += len;
                left -= len - 2;
            }
        }
    }
    true
}

/// Where the field ends that Wireshark fails to read first in an IPv4 (`v4`) or IPv6 header
/// of `header_len` bytes of which `kept` were captured: its fields in the order it reads
/// them (IPv4's options, byte by byte, before its destination).
pub fn ip_read_fails_past(v4: bool, header_len: u32, kept: u32) -> u32 {
    let ends: &[u32] = if v4 {
        &[1, 2, 4, 6, 8, 9, 10, 12, 16]
    } else {
        &[1, 4, 6, 7, 8, 24, 40]
    };
    match ends.iter().find(|&&end| end > kept) {
        Some(&end) => end,
        None if v4 && header_len > 20 => kept.max(20) + 1,
        None => 20,
    }
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
#[derive(Default, Clone, Debug, PartialEq, Eq)]
pub struct ArpMessage {
    /// 1 request, 2 reply, 3 and 4 RARP, 8 and 9 InARP…
    pub operation: u16,
    /// The hardware type of the hardware addresses (1 for Ethernet).
    pub hardware_type: u16,
    /// The protocol type of the protocol addresses (0x0800 for IPv4).
    pub protocol_type: u16,
    pub sender_hw: Vec<u8>,
    pub sender_proto: Vec<u8>,
    pub target_hw: Vec<u8>,
    pub target_proto: Vec<u8>,
}

/// An ARP message that ends before its lengths say it does.
#[derive(Default, Clone, Debug, PartialEq, Eq)]
pub struct ArpShort {
    /// Its sender's Ethernet and IPv4 addresses when they were captured (Wireshark records
    /// that claim before it stops).
    pub sender: Option<([u8; 6], std::net::Ipv4Addr)>,
    /// What was captured of it: its fixed header's fields, and of its addresses those whole.
    /// `None` when the fixed header itself was cut.
    pub message: Option<ArpMessage>,
    /// Its hardware and protocol address lengths, when read.
    pub lengths: Option<(usize, usize)>,
    /// The bytes captured of it, and its bytes on the wire (to the end of its packet), when
    /// known.
    pub captured: usize,
    pub reported: Option<usize>,
}

impl ArpShort {
    /// Whether the message runs past its packet (Wireshark: malformed), not only past what
    /// the capture kept; where its length on the wire is not known, whether the frame was
    /// not cut (`frame_cut`).
    pub fn overruns(&self, frame_cut: bool) -> bool {
        let Some(reported) = self.reported else {
            return !frame_cut;
        };
        match self.lengths {
            Some((hl, pl)) if self.message.is_some() => 8 + 2 * (hl + pl) > reported,
            _ => reported < 8,
        }
    }

    /// Whether the capture kept the addresses Wireshark reads for its operation's Info (RARP's
    /// and InARP's requests name hardware addresses only; a NAK, a reserved or an unknown
    /// operation reads none).
    pub fn info_read(&self) -> bool {
        let (Some(message), Some((hl, pl))) = (&self.message, self.lengths) else {
            return false;
        };
        let needed = match message.operation {
            1 | 2 | 4 | 6 => 8 + 2 * (hl + pl),
            3 | 5 | 8 => 8 + 2 * hl + pl,
            9 => 8 + hl + pl,
            _ => 8,
        };
        self.captured >= needed
    }
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

    /// A request or reply binding IPv4 addresses to Ethernet (or IEEE 802) addresses: the
    /// (sender, target) bindings it states, as (Ethernet address, IPv4 address).
    pub fn ether_ipv4_bindings(&self) -> Option<[([u8; 6], std::net::Ipv4Addr); 2]> {
        const ETHER: u16 = 1;
        const IEEE_802: u16 = 6;
        if !matches!(self.operation, 1 | 2)
            || !matches!(self.hardware_type, ETHER | IEEE_802)
            || self.protocol_type != 0x0800
        {
            return None;
        }
        let mac = |b: &[u8]| <[u8; 6]>::try_from(b).ok();
        let ip = |b: &[u8]| <[u8; 4]>::try_from(b).ok().map(std::net::Ipv4Addr::from);
        Some([
            (mac(&self.sender_hw)?, ip(&self.sender_proto)?),
            (mac(&self.target_hw)?, ip(&self.target_proto)?),
        ])
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

impl IpHeader {
    /// The first fragment of an IPv4 packet, not put back together because the capture did
    /// not keep all of it: Wireshark reads its transport header as it stands, without knowing
    /// the segment's length. (IPv6 shows such a fragment as a fragment.)
    pub fn first_fragment_read_alone(&self) -> bool {
        self.src.is_ipv4() && self.fragment.is_some_and(|f| f.offset == 0 && !f.captured)
    }
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
    /// Every byte of this fragment was captured. Only such fragments are put back together
    /// (as in Wireshark); see [`IpHeader::first_fragment_read_alone`].
    pub captured: bool,
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
    /// PPP in GRE (PPTP's) of this PPP protocol, not IP.
    GrePpp(u16),
    /// A tunnel over UDP (VXLAN-GPE) carrying a protocol the judged set does not read: shown
    /// under this Protocol, with its payload as data.
    TunnelData(&'static str),
    /// A tunnel header (GRE, ERSPAN, VXLAN, Geneve) or the headers of the packet inside it
    /// before IP end too early (cut by the capture, or short on the wire): the columns
    /// Wireshark had set when it stopped.
    TunnelCut(TunnelCut),
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
    /// A zero checksum over IPv6, where RFC 8200 requires one (over IPv4, zero means none).
    pub zero_checksum_illegal: bool,
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

impl IcmpMessage {
    /// The message at the start of `bytes` (missing header bytes read as 0, for a message
    /// the capture cut at `cut_at`).
    pub fn read(bytes: &[u8], cut_at: Option<u32>) -> IcmpMessage {
        let byte = |i: usize| bytes.get(i).copied().unwrap_or(0);
        let body = bytes.get(8..).unwrap_or_default();
        IcmpMessage {
            icmp_type: byte(0),
            code: byte(1),
            rest: [byte(4), byte(5), byte(6), byte(7)],
            body: body[..body.len().min(ICMP_BODY_KEPT)].to_vec(),
            cut_at,
        }
    }
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
        cut_header_addrs: None,
        cooked: None,
        ipv6_overrun: None,
        ipv6_cut: false,
        ipv6_named: Vec::new(),
        trailer_cut: false,
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
            if linktype == LinkType::LINUX_SLL && frame.data.len() < frame.wire_len as usize {
                packet.net = Network::CookedCut;
                packet.cooked = link::Cooked::read_cut_v1(frame.data);
                return packet;
            }
            // A point-to-point frame too short for its header is malformed under its
            // protocol's name, as Wireshark shows it.
            let chdlc = linktype == LinkType::C_HDLC
                || (linktype == LinkType::PPP_SERIAL
                    && matches!(frame.data.first(), Some(0x0f | 0x8f)));
            if !frame.data.is_empty()
                && matches!(
                    linktype,
                    LinkType::PPP | LinkType::PPP_SERIAL | LinkType::C_HDLC
                )
            {
                packet.net = Network::LinkMalformed {
                    protocol: if chdlc { "CHDLC" } else { "PPP" },
                };
            }
            return packet;
        }
    };
    packet.cooked = layer.cooked;
    let rest = frame.data.get(layer.header_len..).unwrap_or_default();
    let sliced = match layer.payload {
        Payload::Ethernet => LaxSlicedPacket::from_ethernet(rest).map_err(|e| {
            let mac = |at: usize| {
                rest.get(at..at + 6)
                    .and_then(|m| <[u8; 6]>::try_from(m).ok())
            };
            packet.cut_header_addrs = mac(0).map(|dst| (dst, mac(6)));
            e.to_string()
        }),
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
        // An IP header the frame ends inside (raw IP, BSD loopback…).
        Err(_)
            if matches!(layer.payload, Payload::Ip)
                && rest.first().is_some_and(|b| matches!(b >> 4, 4 | 6)) =>
        {
            let v4 = rest.first().is_some_and(|b| b >> 4 == 4);
            let reported = frame.wire_len.saturating_sub(layer.header_len as u32);
            match IpCut::read(rest, v4, reported) {
                Some(cut) => packet.net = Network::IpCut(cut),
                None => packet.malformed = Some("the IP header is malformed".to_owned()),
            }
        }
        Err(reason) => packet.malformed = Some(reason),
    }
    packet.trailer_cut = crate::tree::trailer_cut(frame, &packet).is_some();
    if linktype == LinkType::EN10MB && matches!(packet.net, Network::Other { .. }) {
        if let Some(cut) = tag_cut(frame) {
            packet.net = cut;
        }
    }
    let cut = frame.data.len() < frame.wire_len as usize;
    if cut
        && linktype == LinkType::EN10MB
        && matches!(
            packet.net,
            Network::Loop(_) | Network::LinkMalformed { protocol: "LOOP" }
        )
    {
        let (function, ended) = non_ip::loop_reading(frame.data.get(14..).unwrap_or_default());
        if !ended {
            packet.net = Network::LoopCut(function);
        }
    }
    packet
}

/// An 802.1Q or 802.1ad tag of an Ethernet frame that the capture cut (the frame had all of
/// it), as [`Network::TagCut`].
fn tag_cut(frame: &Frame<'_>) -> Option<Network> {
    let data = frame.data;
    let mut at = 14;
    loop {
        let qinq = match data.get(at - 2..at)? {
            [0x81, 0x00] => false,
            [0x88, 0xa8] => true,
            _ => return None,
        };
        if data.len() < at + 4 {
            let tci = data
                .get(at..at + 2)
                .map(|t| u16::from_be_bytes([t[0], t[1]]));
            return (frame.wire_len as usize >= at + 4).then_some(Network::TagCut { qinq, tci });
        }
        at += 4;
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
    // Wireshark's judged set does not look inside MACsec, even where it is not encrypted.
    let behind_macsec = sliced
        .link_exts
        .iter()
        .any(|e| matches!(e, etherparse::LaxLinkExtSlice::Macsec(_)));
    let ip = match &sliced.net {
        _ if behind_macsec => {
            packet.net = not_ip(sliced);
            return;
        }
        Some(LaxNetSlice::Ipv4(v4)) => ipv4_header(v4, wire),
        Some(LaxNetSlice::Ipv6(v6)) => {
            let (ip, overrun, named) = ipv6_header(v6, wire);
            packet.ipv6_cut = overrun.as_ref().is_some_and(|o| o.1);
            packet.ipv6_overrun = overrun.map(|o| o.0);
            packet.ipv6_named = named;
            ip
        }
        Some(LaxNetSlice::Arp(arp)) => {
            packet.net = arp_message(arp.slice());
            if let Network::ArpMalformed(short) = &mut packet.net {
                short.reported = Some(wire.after(arp.slice().as_ptr(), 0) as usize);
            }
            return;
        }
        None => {
            packet.net = not_ip(sliced);
            if let (Network::ArpMalformed(short), Some(payload)) =
                (&mut packet.net, sliced.ether_payload())
            {
                short.reported = Some(wire.after(payload.payload.as_ptr(), 0) as usize);
            }
            // An IP header the frame ends inside: what the packet had of it on the wire.
            if let (Network::IpCut(cut), Some(payload)) = (&mut packet.net, sliced.ether_payload())
            {
                let reported = wire.after(payload.payload.as_ptr(), 0);
                cut.reported = reported.max(cut.kept);
            }
            return;
        }
    };
    packet.net = Network::Ip(ip);
    if ip.fragment.is_some_and(|f| f.offset == 0 && f.captured) {
        if let Some(payload) = sliced.net.as_ref().and_then(|n| n.ip_payload_ref()) {
            packet.fragment_head = payload.payload.to_vec();
        }
    }
    if ip.fragment.is_some() && !ip.first_fragment_read_alone() {
        // The transport header (if this is the first fragment) describes the whole packet,
        // not this piece: it is read when the packet is reassembled. (A first fragment cut
        // short is not reassembled: its transport header is read as it stands.)
        return;
    }
    // Tunnels: the inner packet is the one shown and analysed, as in Wireshark.
    if tunnel_depth < MAX_TUNNELS
        && matches!(
            ip.protocol,
            ip_proto::IPIP | ip_proto::IPV6 | ip_proto::GRE | ip_proto::ETHERNET
        )
    {
        packet.transport = match ip_tunnel(ip.protocol, sliced) {
            // IP in IP with nothing of the inner header: its protocol says which it is.
            Some(tunnel::Gre::Inner(tunnel::Inner::Ip([])))
                if matches!(ip.protocol, ip_proto::IPIP | ip_proto::IPV6) =>
            {
                let payload = ip_payload(sliced);
                let reported = wire.after(payload.as_ptr(), 0);
                let cut = IpCut::read(payload, ip.protocol == ip_proto::IPIP, reported);
                let Some(mut cut) = cut else {
                    return;
                };
                cut.outer = Some((ip.src, ip.dst));
                packet.net = Network::IpCut(cut);
                packet.malformed = None;
                Transport::None
            }
            Some(tunnel::Gre::Inner(inner))
                if open_tunnel(packet, inner, frame, payload_limit, tunnel_depth) =>
            {
                return;
            }
            // PPTP's PPP with none of it captured, though the IP header says it is there.
            Some(tunnel::Gre::Unknown(0x880b))
                if ip_payload(sliced).len() < ip.payload_len as usize =>
            {
                let start = tunnel::TunnelStart::Gre(ip.src.is_ipv4());
                Transport::TunnelCut(tunnel::cut_columns(start, ip_payload(sliced)))
            }
            Some(tunnel::Gre::Unknown(protocol)) => Transport::GreUnknown(protocol),
            Some(tunnel::Gre::Ppp(protocol)) => Transport::GrePpp(protocol),
            // A GRE header cut short, or an inner packet that cannot be read: the columns as
            // Wireshark had set them when it stopped.
            _ => {
                let v4 = ip.src.is_ipv4();
                let payload = ip_payload(sliced);
                let start = match ip.protocol {
                    ip_proto::GRE => Some(tunnel::TunnelStart::Gre(v4)),
                    ip_proto::ETHERNET => Some(tunnel::TunnelStart::Ethernet(v4)),
                    _ => None,
                };
                Transport::TunnelCut(match start {
                    Some(start) => tunnel::cut_columns(start, payload),
                    None => TunnelCut {
                        protocol: if v4 { "IPv4" } else { "IPv6" },
                        info: CutInfo::Empty,
                        macs: (None, None),
                    },
                })
            }
        };
        return;
    }
    packet.transport = transport(packet, sliced, &ip, payload_limit);
    if tunnel_depth < MAX_TUNNELS {
        if let Some((start, inner)) = udp_tunnel(&packet.transport, sliced) {
            let opened =
                inner.is_some_and(|i| open_tunnel(packet, i, frame, payload_limit, tunnel_depth));
            let gpe_other =
                inner.is_none() && udp_gpe_other(&packet.transport, sliced).unwrap_or(false);
            if gpe_other {
                packet.transport = Transport::TunnelData("VxLAN");
            } else if !opened {
                let payload = match &sliced.transport {
                    Some(TransportSlice::Udp(udp)) => udp.payload(),
                    _ => &[],
                };
                packet.transport = Transport::TunnelCut(tunnel::cut_columns(start, payload));
            }
        }
    }
}

/// The IP payload etherparse read (empty without one).
fn ip_payload<'a>(sliced: &LaxSlicedPacket<'a>) -> &'a [u8] {
    sliced
        .net
        .as_ref()
        .and_then(|n| n.ip_payload_ref())
        .map_or(&[][..], |p| p.payload)
}

/// What an IP-in-IP or GRE packet carries (`Gre::Inner` for IP in IP too).
fn ip_tunnel<'a>(protocol: u8, sliced: &LaxSlicedPacket<'a>) -> Option<tunnel::Gre<'a>> {
    let payload = sliced.net.as_ref()?.ip_payload_ref()?.payload;
    match protocol {
        ip_proto::GRE => tunnel::gre(payload),
        ip_proto::ETHERNET => Some(tunnel::Gre::Inner(tunnel::Inner::Ethernet(payload))),
        _ => Some(tunnel::Gre::Inner(tunnel::Inner::Ip(payload))),
    }
}

/// A whole UDP datagram to or from the VXLAN or Geneve port: the tunnel, and the packet
/// inside (`None` when the tunnel's header is cut short). A Geneve packet of a protocol type
/// not decoded here is left a UDP datagram.
fn udp_tunnel<'a>(
    transport: &Transport,
    sliced: &LaxSlicedPacket<'a>,
) -> Option<(tunnel::TunnelStart, Option<tunnel::Inner<'a>>)> {
    use tunnel::TunnelStart::{Geneve, Vxlan, VxlanGpe};
    let (Transport::Udp(udp), Some(TransportSlice::Udp(slice))) = (transport, &sliced.transport)
    else {
        return None;
    };
    let ports = [udp.src_port, udp.dst_port];
    let payload = slice.payload();
    if udp.kept != UdpKept::Enough {
        None
    } else if ports.contains(&tunnel::VXLAN_PORT) {
        Some((Vxlan, tunnel::vxlan(payload)))
    } else if ports.contains(&tunnel::VXLAN_GPE_PORT) {
        match tunnel::vxlan_gpe(payload) {
            Ok(None) => Some((VxlanGpe, None)),
            Ok(inner) => inner.map(|i| (VxlanGpe, Some(i))),
            Err(()) => Some((VxlanGpe, None)),
        }
    } else if ports.contains(&tunnel::GENEVE_PORT) {
        match tunnel::geneve(payload) {
            Ok(inner) => inner.map(|i| (Geneve, Some(i))),
            Err(()) => Some((Geneve, None)),
        }
    } else {
        None
    }
}

/// Whether a UDP datagram is VXLAN-GPE whose whole header is there and whose next protocol
/// is not one decoded here (`None` when it is not a VXLAN-GPE datagram).
fn udp_gpe_other(transport: &Transport, sliced: &LaxSlicedPacket<'_>) -> Option<bool> {
    let (Transport::Udp(udp), Some(TransportSlice::Udp(slice))) = (transport, &sliced.transport)
    else {
        return None;
    };
    let ports = [udp.src_port, udp.dst_port];
    if ports.contains(&tunnel::VXLAN_PORT) || !ports.contains(&tunnel::VXLAN_GPE_PORT) {
        return None;
    }
    Some(matches!(tunnel::vxlan_gpe(slice.payload()), Ok(None)))
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
        // An inner IP header the frame ends inside: shown over the outer packet's addresses.
        let cut = match inner {
            tunnel::Inner::Ip(bytes @ [first, ..]) => {
                let wire = WireBound {
                    frame,
                    wire_len: packet.wire_len,
                };
                IpCut::read(bytes, first >> 4 == 4, wire.after(bytes.as_ptr(), 0))
            }
            _ => None,
        };
        let (Some(mut cut), Network::Ip(outer)) = (cut, &packet.net) else {
            return false;
        };
        cut.outer = Some((outer.src, outer.dst));
        packet.net = Network::IpCut(cut);
        packet.malformed = None;
        packet.transport = Transport::None;
        packet.ipv6_overrun = None;
        return true;
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
            captured: total > header_len
                && u32::try_from(v4.payload().payload.len()).unwrap_or(u32::MAX)
                    >= total - header_len,
        }),
    }
}

mod ipv6;
mod non_ip;
mod segment;
mod transport;
pub(crate) mod tunnel;
pub use tunnel::{CutInfo, TunnelCut};

pub use ipv6::ipv6_ext;
#[cfg(test)]
use ipv6::ipv6_fragment;
use ipv6::ipv6_header;
use non_ip::{arp_message, not_ip};
pub use non_ip::{ARP_ETHER_TYPE, ATM_ARP, LOOP_ETHER_TYPE, MACSEC_ETHER_TYPE, RARP_ETHER_TYPE};
pub(crate) use segment::tcp_from_payload;
use segment::{partial_tcp, tcp_segment};
pub use segment::{TcpHeader, TcpProblem, TcpSegment};
use transport::transport;

#[cfg(test)]
mod tests;
