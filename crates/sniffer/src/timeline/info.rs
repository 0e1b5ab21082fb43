//! Wireshark's Info column, built in one place: from the decoded packet's typed facts and the
//! flow stage's view, never by re-parsing text.

use super::*;
use crate::decode::CutInfo;

/// GRE's Info: `Encapsulated` and its name of the protocol type.
fn gre_encapsulated(protocol: u16) -> String {
    match super::gre_protocol_names::gre_protocol_name(protocol) {
        Some(name) => format!("Encapsulated {name}"),
        None => format!("Encapsulated 0x{protocol:04X} (unknown)"),
    }
}

/// Protocol column, Info column and TCP fields of a packet.
pub(super) fn describe(
    packet: &Packet,
    view: Option<&TcpView>,
) -> (&'static str, String, Option<TcpFields>) {
    match (&packet.net, &packet.transport, view) {
        (_, Transport::Tcp(seg), Some(view)) => tcp_row(seg, view),
        // A first fragment cut before the TCP header's window: its ports and the mark.
        (Network::Ip(ip), Transport::Tcp(seg), None)
            if ip.first_fragment_read_alone() && seg.header.header_len > 0 =>
        {
            ("TCP", unmeasured_tcp_info(seg), None)
        }
        (_, Transport::Tcp(seg), None) => ("TCP", malformed_tcp_info(seg), None),
        (_, Transport::Udp(udp), _) => ("UDP", udp_info(udp), None),
        (_, Transport::TunnelData(protocol), _) => (protocol, String::new(), None),
        (_, Transport::TunnelCut(cut), _) => {
            let mut info = match cut.info {
                CutInfo::Empty => String::new(),
                CutInfo::Gre(protocol) => gre_encapsulated(protocol),
                CutInfo::Geneve(protocol) => format!(
                    "Encapsulated {}",
                    match super::ethertype_names::ethertype_name(protocol) {
                        Some(name) => name.to_owned(),
                        None => format!("0x{protocol:04x} (unknown)"),
                    }
                ),
                CutInfo::Erspan => "ERSPAN:".to_owned(),
            };
            info.push_str(if packet.cap_len < packet.wire_len {
                SIZE_LIMITED
            } else {
                "[Malformed Packet]"
            });
            (cut.protocol, info, None)
        }
        (_, Transport::GreUnknown(protocol), _) => ("GRE", gre_encapsulated(*protocol), None),
        (_, Transport::GrePpp(protocol), _) => (
            ether_type_label(*protocol),
            format!(
                "PPP {} (0x{protocol:04x})",
                super::ppp_protocol_names::ppp_protocol_name(*protocol).unwrap_or("Unknown")
            ),
            None,
        ),
        (Network::Ip(ip), Transport::CutBeforePorts, _) => (
            if ip.src.is_ipv4() { "IPv4" } else { "IPv6" },
            format!("{}{SIZE_LIMITED}", ipv6_named_info(&packet.ipv6_named)),
            None,
        ),
        (Network::Ip(_), _, _) if packet.ipv6_overrun.is_some() => (
            "IPv6",
            ipv6_overrun_info(
                packet.ipv6_overrun.as_deref().unwrap_or_default(),
                packet.ipv6_cut,
            ),
            None,
        ),
        (Network::Ip(ip), _, _) => match ip.protocol {
            ip_proto::ICMP => ("ICMP", String::new(), None),
            ip_proto::ICMPV6 => ("ICMPv6", String::new(), None),
            ip_proto::TCP => ("TCP", String::new(), None),
            ip_proto::UDP => ("UDP", String::new(), None),
            proto => (ip_version(ip), undissected_info(ip, proto), None),
        },
        (Network::Arp(arp), _, _) => (arp_protocol(arp), arp_info(arp), None),
        (Network::LinkMalformed { protocol }, _, _) => {
            (protocol, "[Malformed Packet]".to_owned(), None)
        }
        // Wireshark names the operation once it has read the fixed header and found the
        // message within its packet; its Info needs the addresses it names.
        (Network::ArpMalformed(short), _, _)
            if short.overruns(packet.cap_len < packet.wire_len) =>
        {
            ("ARP", "[Malformed Packet]".to_owned(), None)
        }
        (Network::ArpMalformed(short), _, _) => match &short.message {
            Some(message) if short.info_read() => (arp_protocol(message), arp_info(message), None),
            Some(message) => (arp_protocol(message), SIZE_LIMITED.to_owned(), None),
            None => ("ARP", SIZE_LIMITED.to_owned(), None),
        },
        // Named once the function the skip count points to is read.
        (Network::LoopCut(function), _, _) => {
            let name = match function {
                Some(1) => "Reply",
                Some(2) => "Forward Data",
                _ => "",
            };
            ("LOOP", format!("{name}{SIZE_LIMITED}"), None)
        }
        (Network::Loop(function), _, _) => (
            "LOOP",
            match function {
                Some(1) => "Reply".to_owned(),
                Some(2) => "Forward Data".to_owned(),
                Some(n) => format!("Unknown function ({n})"),
                None => "No valid function found".to_owned(),
            },
            None,
        ),
        (Network::IpCut(cut), _, _) => {
            let mut info = String::new();
            // (Checked once the version is read.)
            if !cut.v4 && cut.reported < 40 && cut.kept > 0 {
                info = format!(
                    "Invalid IPv6 header ({} bytes, need exactly 40)",
                    cut.reported
                );
            }
            info.push_str(if cut.malformed() {
                "[Malformed Packet]"
            } else {
                SIZE_LIMITED
            });
            (if cut.v4 { "IPv4" } else { "IPv6" }, info, None)
        }
        (Network::BogusIpv4HeaderLen(len), _, _) => (
            "IPv4",
            format!("Bogus IP header length ({len}, must be at least 20)"),
            None,
        ),
        (Network::Ieee8023, _, _) => ("Ethernet", "IEEE 802.3 Ethernet ".to_owned(), None),
        // A cooked header the capture cut: its packet type once read with the hardware type.
        (Network::CookedCut, _, _) => match packet.cooked {
            Some(cooked) => ("SLL", cooked.packet_type_text() + SIZE_LIMITED, None),
            None => ("", SIZE_LIMITED.to_owned(), None),
        },
        // A tag the capture cut: its TCI once kept, as each tag's dissector writes it.
        (Network::TagCut { qinq, tci }, _, _) => {
            let info = tci.map(|tci| {
                let (pcp, dei, vid) = (tci >> 13, (tci >> 12) & 1, tci & 0x0fff);
                if *qinq {
                    format!("PRI: {pcp}  DROP: {dei} ID: {vid}")
                } else {
                    format!("PRI: {pcp}  DEI: {dei}  ID: {vid}")
                }
            });
            let protocol = if *qinq { "802.1ad" } else { "VLAN" };
            (protocol, info.unwrap_or_default() + SIZE_LIMITED, None)
        }
        (Network::PcapngCustom { pen, copied }, _, _) => (
            "PCAPNG",
            format!(
                "Custom Block: PEN = {} ({pen}), will {}be copied",
                crate::enterprises::name(*pen),
                if *copied { "" } else { "not " }
            ),
            None,
        ),
        (
            Network::PointToPoint {
                ppp: true,
                protocol,
            },
            _,
            _,
        ) => (
            ether_type_label(*protocol),
            format!(
                "PPP {} (0x{protocol:04x})",
                super::ppp_protocol_names::ppp_protocol_name(*protocol).unwrap_or("Unknown")
            ),
            None,
        ),
        // A protocol some dissector is registered for (SLARP, OSI: not in the judged set)
        // keeps the link's name; the others are labelled by number. Wireshark reads the
        // byte after the header first: a frame that ends there is cut or malformed.
        (
            Network::PointToPoint {
                ppp: false,
                protocol,
            },
            _,
            _,
        ) => match packet.cap_len.cmp(&CHDLC_HEADER_LEN) {
            std::cmp::Ordering::Greater => (
                if super::chdlc_registered::chdlc_registered(*protocol) {
                    "CHDLC"
                } else {
                    ether_type_label(*protocol)
                },
                String::new(),
                None,
            ),
            _ if packet.wire_len > packet.cap_len => ("CHDLC", SIZE_LIMITED.to_owned(), None),
            _ => ("CHDLC", "[Malformed Packet]".to_owned(), None),
        },
        (Network::Other { ether_type, vlan }, _, _)
            if packet.macs.is_some() || packet.cooked.is_some() =>
        {
            let ether_type = u16::try_from(*ether_type).unwrap_or(u16::MAX);
            let info = match (
                super::ethertype_names::ethertype_name(ether_type),
                packet.cooked,
            ) {
                (None, Some(cooked)) => cooked.packet_type_text(),
                _ => ether_type_info(ether_type, vlan.as_ref()),
            };
            // Behind a tag, a length (802.3 and LLC, off in the judged set): the tag's line.
            let label = if vlan.is_some() && ether_type < 0x0600 {
                "VLAN"
            } else {
                ether_type_label(ether_type)
            };
            (label, info, None)
        }
        // Not even a whole link-layer header: cut by the snapshot length, or short on the
        // wire.
        (Network::None, _, _) if packet.malformed.is_some() => {
            let info = if packet.wire_len > packet.cap_len {
                SIZE_LIMITED
            } else {
                "[Malformed Packet]"
            };
            ("Ethernet", info.to_owned(), None)
        }
        _ => ("Ethernet", String::new(), None),
    }
}

/// What Wireshark's Info says of the IPv6 extension headers it read whole before the
/// transport header (empty without any).
fn ipv6_named_info(named: &[crate::decode::Ipv6Named]) -> String {
    use crate::decode::Ipv6Named;
    let names: Vec<String> = named
        .iter()
        .map(|h| match *h {
            Ipv6Named::Options(crate::decode::ipv6_ext::HOP_BY_HOP) => {
                "IPv6 hop-by-hop options".to_owned()
            }
            Ipv6Named::Options(crate::decode::ipv6_ext::ROUTING) => "IPv6 routing".to_owned(),
            Ipv6Named::Options(_) => "IPv6 destination options".to_owned(),
            Ipv6Named::Fragment {
                offset,
                more,
                ident,
                next,
            } => format!(
                "IPv6 fragment (off={offset} more={} ident=0x{ident:08x} nxt={next})",
                if more { "y" } else { "n" },
            ),
        })
        .collect();
    names.join(" , ")
}

/// Wireshark's Info for an IPv6 packet whose extension headers run past it: the names of
/// those it read, then `[Malformed Packet]`.
fn ipv6_overrun_info(headers: &[u8], cut: bool) -> String {
    let names: Vec<&str> = headers
        .iter()
        .map(|h| match *h {
            crate::decode::ipv6_ext::HOP_BY_HOP => "IPv6 hop-by-hop options",
            crate::decode::ipv6_ext::ROUTING => "IPv6 routing",
            _ => "IPv6 destination options",
        })
        .collect();
    let why = if cut {
        SIZE_LIMITED
    } else {
        "[Malformed Packet]"
    };
    format!("{}{why}", names.join(" , "))
}

/// IP protocols that Wireshark's judged set hands to a dissector of their own (extension
/// headers, tunnels, Ethernet), whose lines are not the generic one.
const DISSECTED_ELSEWHERE: [u8; 7] = [0, 4, 41, 43, 44, 60, 143];

pub(super) fn ip_version(ip: &IpHeader) -> &'static str {
    if ip.src.is_ipv4() {
        "IPv4"
    } else {
        "IPv6"
    }
}

/// Wireshark's Info for an IP packet whose protocol no dissector takes: its name and number
/// (`PIM (103)`; for IPv6 `Unknown IP Protocol: PIM (103)`, and `IPv6 no next header`).
/// Empty for the protocols dissected elsewhere, and for the IPv6 extension headers
/// Authentication, Mobility and Shim6.
pub(super) fn undissected_info(ip: &IpHeader, proto: u8) -> String {
    let name = ip_proto_name(proto);
    match (ip.src.is_ipv4(), proto) {
        (_, p) if DISSECTED_ELSEWHERE.contains(&p) => String::new(),
        // Extension headers whose own dissectors are off.
        (false, ip_proto::AUTHENTICATION | 135 | 140) => String::new(),
        (true, _) => format!("{name} ({proto})"),
        (false, ip_proto::NO_NEXT_HEADER) => "IPv6 no next header".to_owned(),
        (false, _) => format!("Unknown IP Protocol: {name} ({proto})"),
    }
}

/// The Protocol column of a frame whose EtherType no dissector takes: the EtherType in hex
/// (`0x88cc`). Each label is made once and kept for the process (at most 65,536 of them).
fn ether_type_label(ether_type: u16) -> &'static str {
    static LABELS: std::sync::OnceLock<std::sync::Mutex<HashMap<u16, &'static str>>> =
        std::sync::OnceLock::new();
    let labels = LABELS.get_or_init(Default::default);
    let mut labels = match labels.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    labels
        .entry(ether_type)
        .or_insert_with(|| Box::leak(format!("0x{ether_type:04x}").into_boxed_str()))
}

/// The Info of such a frame: the EtherType's name; without one, the VLAN tag in front of it
/// (`PRI: 0  DEI: 0  ID: 1213`; 802.1ad's `PRI: 0  DROP: 0 ID: 7`), else `Ethernet II`.
fn ether_type_info(ether_type: u16, vlan: Option<&crate::decode::VlanTag>) -> String {
    if let Some(name) = super::ethertype_names::ethertype_name(ether_type) {
        return name.to_owned();
    }
    match vlan {
        Some(tag) if tag.service => format!(
            "PRI: {}  DROP: {} ID: {}",
            tag.pcp,
            u8::from(tag.dei),
            tag.vid
        ),
        Some(tag) => format!(
            "PRI: {}  DEI: {}  ID: {}",
            tag.pcp,
            u8::from(tag.dei),
            tag.vid
        ),
        None => "Ethernet II".to_owned(),
    }
}

/// What Wireshark appends where the snapshot length cut what it was reading.
pub(super) const SIZE_LIMITED: &str = "[Packet size limited during capture]";
/// Cisco HDLC's address, control and protocol fields.
const CHDLC_HEADER_LEN: u32 = 4;

/// Wireshark's Info for a UDP datagram: as far as the capture kept its header.
fn udp_info(udp: &UdpDatagram) -> String {
    let mut info = udp_length_info(udp);
    if udp.zero_checksum_illegal && !matches!(udp.bad_length, Some(UdpBadLength::BelowHeader(_))) {
        // (Noted as the checksum is read, before the payload the capture cut.)
        let at = info.strip_suffix(SIZE_LIMITED).map_or(info.len(), str::len);
        info.insert_str(at, " [ILLEGAL CHECKSUM (0)]");
    }
    info
}

/// [`udp_info`] up to the length's verdict.
fn udp_length_info(udp: &UdpDatagram) -> String {
    let (src, dst, len) = (udp.src_port, udp.dst_port, udp.payload_len);
    match (udp.kept, udp.bad_length) {
        (UdpKept::Enough, Some(UdpBadLength::BelowHeader(l))) => {
            format!("{src} → {dst} [BAD UDP LENGTH {l} < 8]")
        }
        (UdpKept::Enough, Some(UdpBadLength::BeyondIp(l))) => {
            format!("{src} → {dst} [BAD UDP LENGTH {l} > IP PAYLOAD LENGTH] Len={len}")
        }
        (UdpKept::Enough, Some(UdpBadLength::Jumbogram)) => {
            format!("{src} → {dst} Len={len} [Jumbogram]")
        }
        (UdpKept::Enough, None) => format!("{src} → {dst} Len={len}"),
        (UdpKept::Ports, _) => format!("{src} → {dst}{SIZE_LIMITED}"),
        // The length is checked before the checksum is read.
        (UdpKept::PortsAndLength | UdpKept::HeaderOnly, Some(UdpBadLength::BelowHeader(l))) => {
            format!("{src} → {dst} [BAD UDP LENGTH {l} < 8]")
        }
        (UdpKept::PortsAndLength | UdpKept::HeaderOnly, Some(UdpBadLength::BeyondIp(l))) => {
            format!(
                "{src} → {dst} [BAD UDP LENGTH {l} > IP PAYLOAD LENGTH] Len={len}{SIZE_LIMITED}"
            )
        }
        (UdpKept::PortsAndLength | UdpKept::HeaderOnly, _) => {
            format!("{src} → {dst} Len={len}{SIZE_LIMITED}")
        }
    }
}

/// Info of a TCP header that runs past its frame (raw numbers, as Wireshark shows them) or
/// that the IP payload cannot hold (ports only).
pub(super) fn malformed_tcp_info(seg: &TcpSegment) -> String {
    match seg.problem {
        Some(TcpProblem::Cut(_)) => format!(
            "{} → {}{SIZE_LIMITED}",
            seg.header.src_port, seg.header.dst_port
        ),
        Some(TcpProblem::TooShort) => {
            format!(
                "{} → {}[Malformed Packet]",
                seg.header.src_port, seg.header.dst_port
            )
        }
        _ => {
            let ack = if seg.header.flags.contains(TcpFlags::ACK) {
                format!(" Ack={}", seg.header.ack.0)
            } else {
                String::new()
            };
            format!(
                "{} → {} [{}] Seq={}{ack} Win={}[Malformed Packet]",
                seg.header.src_port,
                seg.header.dst_port,
                seg.header.flags,
                seg.header.seq.0,
                seg.header.window
            )
        }
    }
}

/// Protocol, Info and fields of a TCP segment.
pub(super) fn tcp_row(
    seg: &TcpSegment,
    view: &TcpView,
) -> (&'static str, String, Option<TcpFields>) {
    let mut info = String::with_capacity(160);
    let (protocol, fields) = push_tcp_row(&mut info, seg, view);
    (protocol, info, fields)
}

/// [`tcp_row`] with the Info text appended to `info`.
pub(super) fn push_tcp_row(
    info: &mut String,
    seg: &TcpSegment,
    view: &TcpView,
) -> (&'static str, Option<TcpFields>) {
    if let Some(TcpProblem::BogusHeaderLen(len)) = seg.problem {
        let ack = view
            .numbers
            .ack
            .map(|a| format!(" Ack={a}"))
            .unwrap_or_default();
        let _ = write!(
            info,
            "{} → {} [{}] Seq={}{ack} Win={}, bogus TCP header length ({len}, must be at least 20)",
            seg.header.src_port,
            seg.header.dst_port,
            seg.header.flags,
            view.numbers.seq,
            seg.header.window
        );
    }
    let fields = TcpFields {
        view: view.clone(),
        header: seg.header.clone(),
        payload_preview: (!seg.payload.is_empty()).then(|| Preview::of(&seg.payload)),
    };
    if let Some(TcpProblem::BogusHeaderLen(_)) = seg.problem {
        return ("TCP", Some(fields));
    }
    if let Some(TcpProblem::Cut(_)) = seg.problem {
        // Cut after the window: what Wireshark had shown when the bytes ran out.
        push_tcp_info_to_window(info, &fields);
        info.push_str(SIZE_LIMITED);
        return ("TCP", Some(fields));
    }
    // Wireshark prefixes the tags once the whole header is read: not when the capture cut it
    // or an option could not be read.
    let read_whole = !seg.header.header_truncated || seg.header.options.cut_unread;
    if !view.tags.is_empty() && read_whole && !seg.header.options.exception {
        info.push_str(&view.tags.prefix());
    }
    push_tcp_info(info, &fields);
    ("TCP", Some(fields))
}

/// Wireshark's name of an IP protocol number, as in "proto=UDP 17" (`Unknown` without one).
pub(super) fn ip_proto_name(proto: u8) -> &'static str {
    super::ip_proto_names::ip_proto_name(proto).unwrap_or("Unknown")
}

/// ARP's Protocol column, by operation: `ARP`, `RARP`, `DRARP` or `Inverse ARP`.
pub(super) fn arp_protocol(arp: &ArpMessage) -> &'static str {
    match arp.operation {
        3 | 4 => "RARP",
        5..=7 => "DRARP",
        8 | 9 => "Inverse ARP",
        _ => "ARP",
    }
}

/// ARP's Info, as Wireshark writes it for each operation. Addresses print as IPv4 and
/// Ethernet addresses when they have those lengths, else as hex digits; Ethernet addresses are
/// not named here.
pub(super) fn arp_info(arp: &ArpMessage) -> String {
    if arp.hardware_type == crate::decode::ATM_ARP {
        return String::new();
    }
    let proto = |bytes: &[u8]| match (arp.protocol_type, <[u8; 4]>::try_from(bytes)) {
        (0x0800, Ok(v4)) => std::net::Ipv4Addr::from(v4).to_string(),
        _ => hex_digits(bytes),
    };
    let hw = |bytes: &[u8]| match <[u8; 6]>::try_from(bytes) {
        Ok(mac) => mac_text(mac),
        Err(_) => hex_digits(bytes),
    };
    let (spa, tpa) = (proto(&arp.sender_proto), proto(&arp.target_proto));
    // As Wireshark reads them: six bytes where the target's hardware address starts (into
    // the target's protocol address if it is shorter), four where the sender's protocol
    // address does.
    let target_hw_zero = arp
        .target_hw
        .iter()
        .chain(&arp.target_proto)
        .take(6)
        .filter(|b| **b == 0)
        .count()
        == 6;
    let sender_ip_zero = arp.sender_proto.len() >= 4 && arp.sender_proto[..4] == [0; 4];
    let gratuitous = arp.sender_proto == arp.target_proto;
    match arp.operation {
        1 if gratuitous && target_hw_zero => format!("ARP Announcement for {tpa}"),
        1 if gratuitous => format!("Gratuitous ARP for {tpa} (Request)"),
        1 if target_hw_zero && sender_ip_zero => format!("Who has {tpa}? (ARP Probe)"),
        1 => format!("Who has {tpa}? Tell {spa}"),
        2 if arp.sender_proto == arp.target_proto => format!("Gratuitous ARP for {spa} (Reply)"),
        2 => format!("{spa} is at {}", hw(&arp.sender_hw)),
        3 | 5 | 8 => format!("Who is {}? Tell {}", hw(&arp.target_hw), hw(&arp.sender_hw)),
        4 | 6 => format!("{} is at {tpa}", hw(&arp.target_hw)),
        9 => format!("{} is at {spa}", hw(&arp.sender_hw)),
        0 => "Reserved opcode 0".to_owned(),
        10 => "ARP NAK".to_owned(),
        24 => "Experimental 1 ( opcode 24 )".to_owned(),
        25 => "Experimental 2 ( opcode 25 )".to_owned(),
        op => format!("Unknown ARP opcode 0x{op:04x}"),
    }
}

/// `00:0c:29:2f:80:31`.
fn mac_text(mac: [u8; 6]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// `c0a80101`.
fn hex_digits(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Wireshark's Info text for a TCP segment:
/// `SPORT → DPORT [FLAGS] Seq=S[ Ack=A] Win=W[ Urg=U] Len=L[ OPTIONS]`.
pub fn tcp_info(t: &TcpFields) -> String {
    let mut s = String::with_capacity(160);
    push_tcp_info(&mut s, t);
    s
}

/// `SPORT → DPORT [FLAGS] Seq=S[ Ack=A] Win=W` appended to `s`: the Info as far as the
/// fixed header's first 16 bytes.
fn push_tcp_info_to_window(s: &mut String, t: &TcpFields) {
    let mut num = itoa::Buffer::new();
    let mut push = |s: &mut String, label: &str, n: u64| {
        s.push_str(label);
        s.push_str(num.format(n));
    };
    push(s, "", u64::from(t.header.src_port));
    push(s, " → ", u64::from(t.header.dst_port));
    s.push_str(" [");
    if t.view.ace {
        t.header.flags.push_names_with_ace(s);
    } else {
        t.header.flags.push_names(s);
    }
    push(s, "] Seq=", u64::from(t.view.numbers.seq));
    if let Some(ack) = t.view.numbers.ack {
        push(s, " Ack=", u64::from(ack));
    }
    push(s, " Win=", u64::from(t.view.numbers.window));
}

/// The options' part of a TCP Info line; SACK edges as `sack` gives them (relative, or raw).
fn push_tcp_options(
    s: &mut String,
    header: &TcpHeader,
    mut sack: impl Iterator<Item = (u32, u32)>,
) {
    let mut num = itoa::Buffer::new();
    let mut push = |s: &mut String, label: &str, n: u64| {
        s.push_str(label);
        s.push_str(num.format(n));
    };
    for option in &header.options.list {
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
                        push(s, " SLE=", u64::from(l));
                        push(s, " SRE=", u64::from(r));
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
            TcpOption::Md5Signature => s.push_str(" MD5"),
            TcpOption::Echo { value } => push(s, " ECHO=", u64::from(*value)),
            TcpOption::UserTimeout { value } => push(s, " USER_TO=", u64::from(*value)),
            TcpOption::QuickStart { rate } => {
                s.push_str(" QSresp=");
                s.push_str(crate::tcp::quick_start_rate(*rate));
            }
            // Without the space: Wireshark's text.
            TcpOption::Authentication => s.push_str("TCP AO"),
            TcpOption::AccEcn { kind, counters } => {
                let names = if *kind == 172 {
                    [" EE0B=", " ECEB=", " EE1B="]
                } else {
                    [" EE1B=", " ECEB=", " EE0B="]
                };
                if counters.is_empty() {
                    s.push_str(" AccECN");
                }
                for (name, n) in names.iter().zip(counters) {
                    push(s, name, u64::from(*n));
                }
            }
            TcpOption::Unknown { .. } => {}
        }
    }
}

/// The Info line of a TCP segment whose length is unknown (the first piece of an IP packet
/// that is not put back together): raw numbers, no `Len=`, no analysis, as Wireshark shows it.
pub(super) fn unmeasured_tcp_info(seg: &TcpSegment) -> String {
    let h = &seg.header;
    let mut s = format!(
        "{} → {} [{}] Seq={}",
        h.src_port, h.dst_port, h.flags, h.seq.0
    );
    if h.flags.contains(TcpFlags::ACK) {
        let _ = write!(s, " Ack={}", h.ack.0);
    }
    let _ = write!(s, " Win={}", h.window);
    // (Not when the capture cut the header before the urgent pointer.)
    let urgent_read = !matches!(seg.problem, Some(TcpProblem::Cut(kept)) if kept < 20);
    if h.flags.contains(TcpFlags::URG) && urgent_read {
        let _ = write!(s, " Urg={}", h.urgent);
    }
    let sack = h.options.list.iter().filter_map(|o| match o {
        TcpOption::Sack { blocks } => Some(blocks.iter().copied()),
        _ => None,
    });
    push_tcp_options(&mut s, h, sack.flatten());
    if h.header_truncated {
        s.push_str(SIZE_LIMITED);
    }
    s
}

/// [`tcp_info`] appended to `s`. (Built with itoa and push_str rather than format!: this
/// runs once per packet.)
pub fn push_tcp_info(s: &mut String, t: &TcpFields) {
    push_tcp_info_to_window(s, t);
    let sack = &t.view.numbers.sack;
    let mut num = itoa::Buffer::new();
    let mut push = |s: &mut String, label: &str, n: u64| {
        s.push_str(label);
        s.push_str(num.format(n));
    };
    if t.header.flags.contains(TcpFlags::URG) {
        push(s, " Urg=", u64::from(t.header.urgent));
    }
    push(s, " Len=", u64::from(t.header.payload_len));
    push_tcp_options(s, &t.header, sack.iter().copied());
    if t.header.options.exception {
        s.push_str("[Malformed Packet]");
    } else if t.header.header_truncated && !t.header.options.cut_unread {
        s.push_str("[Packet size limited during capture]");
    }
}
