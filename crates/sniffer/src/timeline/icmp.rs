//! Wireshark's Info for ICMP and ICMPv6 messages other than echo: the type's name, the code's
//! in parentheses, and for neighbor discovery the target and link-layer addresses.
//!
//! The names are Wireshark 4.0's, checked against tshark on every type and code the corpus
//! sends. ICMPv4 pads the type's name to 20 columns (`Redirect             (Redirect for
//! host)`); ICMPv6 does not.

use std::fmt::Write as _;
use std::net::Ipv6Addr;

use crate::decode::IcmpMessage;

/// ICMPv4 message types whose Info carries an identifier and sequence number, like echo.
pub(super) const ICMP_WITH_ID: [u8; 6] = [13, 14, 15, 16, 17, 18];

/// The codes of PROBE (RFC 8335), the same in ICMP and ICMPv6.
const EXTENDED_ECHO_REQUEST_CODES: [&str; 1] = ["No error"];
const EXTENDED_ECHO_REPLY_CODES: [&str; 5] = [
    "No error",
    "Malformed Query",
    "No Such Interface",
    "No Such Table Entry",
    "Multiple Interfaces Satisfy Query",
];

/// Wireshark's name of an ICMPv4 type.
pub(crate) fn icmp_type_name(icmp_type: u8) -> &'static str {
    match icmp_type {
        0 => "Echo (ping) reply",
        1 | 2 => "Reserved",
        3 => "Destination unreachable",
        4 => "Source quench (flow control)",
        5 => "Redirect",
        6 => "Alternate host address",
        8 => "Echo (ping) request",
        9 => "Router advertisement",
        10 => "Router solicitation",
        11 => "Time-to-live exceeded",
        12 => "Parameter problem",
        13 => "Timestamp request",
        14 => "Timestamp reply",
        15 => "Information request",
        16 => "Information reply",
        17 => "Address mask request",
        18 => "Address mask reply",
        19 => "Reserved (for security)",
        30 => "Traceroute",
        31 => "Datagram Conversion Error",
        32 => "Mobile Host Redirect",
        33 => "IPv6 Where-Are-You",
        34 => "IPv6 I-Am-Here",
        35 => "Mobile Registration Request",
        36 => "Mobile Registration Reply",
        37 => "Domain Name Request",
        38 => "Domain Name Reply",
        39 => "SKIP",
        40 => "Photuris",
        41 => "Experimental mobility protocols",
        42 => "Extended Echo request",
        43 => "Extended Echo reply",
        _ => "Unknown ICMP (obsolete or malformed?)",
    }
}

/// Wireshark's name of an ICMPv4 code, for the types that have codes; `None` for the others.
pub(crate) fn icmp_code_name(icmp_type: u8, code: u8) -> Option<&'static str> {
    let names: &[&str] = match icmp_type {
        9 => {
            return Some(match code {
                0 => "Normal router advertisement",
                16 => "Does not route common traffic",
                _ => "",
            });
        }
        3 => &[
            "Network unreachable",
            "Host unreachable",
            "Protocol unreachable",
            "Port unreachable",
            "Fragmentation needed",
            "Source route failed",
            "Destination network unknown",
            "Destination host unknown",
            "Source host isolated",
            "Network administratively prohibited",
            "Host administratively prohibited",
            "Network unreachable for TOS",
            "Host unreachable for TOS",
            "Communication administratively filtered",
            "Host precedence violation",
            "Precedence cutoff in effect",
        ],
        5 => &[
            "Redirect for network",
            "Redirect for host",
            "Redirect for TOS and network",
            "Redirect for TOS and host",
        ],
        6 => &["Alternate address for host"],
        11 => &[
            "Time to live exceeded in transit",
            "Fragment reassembly time exceeded",
        ],
        12 => &[
            "Pointer indicates the error",
            "Required option missing",
            "Bad length",
        ],
        40 => &[
            "Bad SPI",
            "Authentication Failed",
            "Decompression Failed",
            "Decryption Failed",
            "Need Authentication",
            "Need Authorization",
        ],
        42 => &EXTENDED_ECHO_REQUEST_CODES,
        43 => &EXTENDED_ECHO_REPLY_CODES,
        _ => return None,
    };
    Some(names.get(usize::from(code)).copied().unwrap_or(""))
}

/// The Info of an ICMPv4 message that is not an echo: the type's name padded to 20 columns,
/// then the code's name in parentheses where the type has codes.
pub(super) fn icmp_info(icmp: &IcmpMessage) -> String {
    if icmp.icmp_type == 9 {
        return router_advertisement(icmp);
    }
    let mut info = format!("{:<20}", icmp_type_name(icmp.icmp_type));
    match icmp_code_name(icmp.icmp_type, icmp.code) {
        Some("") => {
            let _ = write!(info, " (Unknown code: {})", icmp.code);
        }
        Some(name) => {
            let _ = write!(info, " ({name})");
        }
        None => {}
    }
    info
}

/// An ICMPv4 router advertisement (RFC 1256): with code 0 or 16, Wireshark 4.0 reads it as a
/// Mobile IP advertisement (RFC 5944).
fn router_advertisement(icmp: &IcmpMessage) -> String {
    match icmp.code {
        0 => "Mobile IP Advertisement (Normal router advertisement)".to_owned(),
        16 => "Mobile IP Advertisement (Does not route common traffic)".to_owned(),
        code => format!("Router advertisement (Unknown code: {code})"),
    }
}

/// The Info of a message the snapshot length cut short, where Wireshark's differs from the
/// whole message's: as far as the header was read, then the size-limited mark. `None` when
/// the message was not cut, or was cut where Wireshark shows it whole (an echo's data).
pub(super) fn cut_info(v4: bool, icmp: &IcmpMessage, reported: u32) -> Option<String> {
    let kept = icmp.cut_at?;
    if !v4 {
        return cut_info_v6(icmp, kept, reported);
    }
    let limited = super::info::SIZE_LIMITED;
    let error = matches!(icmp.icmp_type, 3 | 4 | 5 | 11 | 12);
    // Wireshark reads byte 5 (RFC 4884's length) before it names anything.
    if kept < 6 {
        return Some(limited.to_owned());
    }
    // Before the identifier and sequence number (ICMPv4 reads bytes 4 to 8 only for the
    // types that have fields there), or within what is read of a quoted datagram.
    let second_word = ICMP_SECOND_WORD.contains(&icmp.icmp_type);
    let quote_cut = || kept < 8 + quote_read(icmp, reported.saturating_sub(8));
    (kept < 8 && second_word || error && quote_cut()).then(|| icmp_info(icmp) + limited)
}

/// [`cut_info`] for ICMPv6, cut after `kept` bytes of `reported`: the type's name once its
/// byte is read, the code's once the code is, then the checksum; an echo's identifier and
/// sequence number; an error's quoted datagram as far as Wireshark reads it (its IPv6 header
/// and UDP or TCP header, or with RFC 4884's length the quote and the extensions after it);
/// the fields of MLD and neighbor discovery messages and their options, which are read to the
/// message's end (a neighbor discovery message's Info keeps the target address and link-layer
/// address read before the cut); a type Wireshark does not dissect, its data. (Of the other
/// types, nothing is judged cut after the checksum.)
fn cut_info_v6(icmp: &IcmpMessage, kept: u32, reported: u32) -> Option<String> {
    let limited = super::info::SIZE_LIMITED;
    let t = icmp.icmp_type;
    let type_name = match t {
        128 => "Echo (ping) request".to_owned(),
        129 => "Echo (ping) reply".to_owned(),
        _ => icmpv6_type_name(t).map_or_else(|| format!("Unknown ({t})"), str::to_owned),
    };
    if kept < 1 {
        return Some(limited.to_owned());
    }
    if kept < 2 {
        return Some(type_name + limited);
    }
    let names = match t {
        128 | 129 => type_name,
        _ => icmpv6_info_names(icmp),
    };
    let byte = |i: usize| icmp.body.get(i).copied().unwrap_or(0);
    let cut = match t {
        _ if kept < 4 => true,
        128 | 129 => kept < 8,
        1..=4 => kept < 8 + quote_read_v6(icmp, reported.saturating_sub(8)),
        // MLDv2's query when at least its 28 bytes were captured (as Wireshark tells them
        // apart), with its sources; else MLDv1's 24 bytes.
        130 if kept >= 28 => kept < 28 + 16 * u32::from(u16::from_be_bytes([byte(18), byte(19)])),
        130..=132 => kept < 24,
        133..=137 | 143 => true,
        // A type Wireshark does not dissect: its data, of which at least a byte must have
        // been captured.
        _ if icmpv6_type_name(t).is_none() || matches!(t, 100 | 101 | 127 | 200 | 201 | 255) => {
            kept < 5
        }
        _ => false,
    };
    if !cut {
        return None;
    }
    let info = match t {
        133..=137 if kept >= 8 => icmpv6_info(icmp).unwrap_or(names),
        _ => names,
    };
    Some(info + limited)
}

/// How many bytes of the datagram an ICMPv6 error quotes (`reported` of them sent) Wireshark
/// reads: with RFC 4884's length (destination unreachable, time exceeded), the quote and the
/// extensions after it, to the end; else the IPv6 header, then a UDP header's 8 bytes or a
/// TCP header's; all of it for a datagram of another protocol. A quote that is not IPv6 is
/// data, shown as far as it was captured.
fn quote_read_v6(icmp: &IcmpMessage, reported: u32) -> u32 {
    let byte = |i: usize| icmp.body.get(i).copied().unwrap_or(0);
    if matches!(icmp.icmp_type, 1 | 3) && icmp.rest[0] > 0 {
        return reported;
    }
    if icmp.body.is_empty() {
        return 1;
    }
    if byte(0) >> 4 != 6 {
        return 0;
    }
    match quoted_transport(byte(6), byte(52)) {
        Some(transport) => reported.min(40 + transport),
        None => reported,
    }
}

/// How many bytes of a quoted transport header Wireshark reads: UDP's 8, TCP's 20 or the
/// length its data offset (the high nibble of `offset_byte`, its 13th byte) gives; `None`
/// for another protocol, which is read to the quote's end.
fn quoted_transport(protocol: u8, offset_byte: u8) -> Option<u32> {
    match protocol {
        17 => Some(8),
        6 => Some(20.max(u32::from(offset_byte >> 4) * 4)),
        _ => None,
    }
}

/// How many bytes of the datagram an ICMPv4 error quotes (`reported` of them sent) Wireshark
/// reads: the IP header, then a UDP header's 8 bytes or a TCP header's, within the part
/// RFC 4884's length field gives the quote (a redirect's: the header and 8 bytes). For a
/// datagram of another protocol, all of it.
fn quote_read(icmp: &IcmpMessage, reported: u32) -> u32 {
    let byte = |i: usize| icmp.body.get(i).copied().unwrap_or(0);
    let header = u32::from(byte(0) & 0x0f) * 4;
    let words = u32::from(icmp.rest[1]);
    let total = u32::from(u16::from_be_bytes([byte(2), byte(3)]));
    let extent = match icmp.icmp_type {
        5 => header + 8,
        3 | 11 | 12 if words > 0 && reported > words * 4 && total > words * 4 => {
            (u32::from(byte(0) & 0x0f) + words) * 4
        }
        _ => reported,
    };
    match quoted_transport(byte(9), byte(header as usize + 12)) {
        Some(transport) => extent.min(header + transport),
        None => reported,
    }
}

/// The ICMPv4 types whose bytes 4 to 8 Wireshark reads (an identifier and sequence number,
/// an MTU, a pointer, a gateway, a router advertisement's counts); of the others it reads
/// only byte 5, for RFC 4884's length.
const ICMP_SECOND_WORD: &[u8] = &[0, 3, 5, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 42, 43];

/// Whether Wireshark's reading of an ICMPv4 message cut by the capture after its first 8
/// bytes (not an error, whose quote is read apart) runs past the cut, which ends its Info
/// with the size-limited mark: the three timestamps (to byte 20), the address mask (12), a
/// router advertisement's entries, and after them a Mobile IP advertisement's extensions to
/// the message's end, and the extension structure after an extended echo request.
pub(super) fn body_cut(icmp: &IcmpMessage, reported: u32) -> bool {
    let Some(kept) = icmp.cut_at.filter(|&k| k >= 8 && k < reported) else {
        return false;
    };
    match icmp.icmp_type {
        13 | 14 => kept < 20,
        17 | 18 => kept < 12,
        // Entries of 8 bytes, read only when an entry says it has that size.
        9 if icmp.rest[1] == 2 => {
            kept < 8 + 8 * u32::from(icmp.rest[0]) || matches!(icmp.code, 0 | 16)
        }
        // RFC 4884's structure: a header of 4 bytes with a checksum over all of it, then
        // objects to the end (a version other than 1 or 2, with no checksum, ends it).
        42 if reported >= 12 => {
            let byte = |i: usize| icmp.body.get(i).copied().unwrap_or(0);
            kept < 12 || byte(2) != 0 || byte(3) != 0 || matches!(byte(0) >> 4, 1 | 2)
        }
        _ => false,
    }
}

/// Wireshark's name of an ICMPv6 type (`None`: it says `Unknown (N)`).
pub(crate) fn icmpv6_type_name(icmp_type: u8) -> Option<&'static str> {
    Some(match icmp_type {
        1 => "Destination Unreachable",
        2 => "Packet Too Big",
        3 => "Time Exceeded",
        4 => "Parameter Problem",
        100 | 101 | 200 | 201 => "Private experimentation",
        127 => "Reserved for expansion of ICMPv6 error messages",
        130 => "Multicast Listener Query",
        131 => "Multicast Listener Report",
        132 => "Multicast Listener Done",
        133 => "Router Solicitation",
        134 => "Router Advertisement",
        135 => "Neighbor Solicitation",
        136 => "Neighbor Advertisement",
        137 => "Redirect",
        138 => "Router Renumbering",
        141 => "Inverse Neighbor Discovery Solicitation",
        142 => "Inverse Neighbor Discovery Advertisement",
        143 => "Multicast Listener Report Message v2",
        144 => "Home Agent Address Discovery Request",
        146 => "Mobile Prefix Solicitation",
        147 => "Mobile Prefix Advertisement",
        148 => "Certification Path Solicitation",
        149 => "Certification Path Advertisement",
        151 => "Multicast Router Advertisement",
        152 => "Multicast Router Solicitation",
        153 => "Multicast Router Termination",
        139 => "Node Information Query",
        140 => "Node Information Reply",
        155 => "RPL Control",
        156 => "Locator Update",
        157 => "Duplicate Address Request",
        158 => "Duplicate Address Confirmation",
        159 => "MPL Control Message",
        160 => "Extended Echo request",
        161 => "Extended Echo reply",
        255 => "Reserved for expansion of ICMPv6 informational messages",
        _ => return None,
    })
}

/// Wireshark's name of an ICMPv6 code, for the error types; `None` for the others.
pub(crate) fn icmpv6_code_name(icmp_type: u8, code: u8) -> Option<String> {
    let names: &[&str] = match icmp_type {
        1 => &[
            "no route to destination",
            "Administratively prohibited",
            "Beyond scope of source address",
            "Address unreachable",
            "Port unreachable",
            "Source address failed ingress/egress policy",
            "Reject route to destination",
            "Error in Source Routing Header",
        ],
        3 => &[
            "hop limit exceeded in transit",
            "fragment reassembly time exceeded",
        ],
        4 => &[
            "erroneous header field encountered",
            "unrecognized Next Header type encountered",
            "unrecognized IPv6 option encountered",
            "IPv6 First Fragment has incomplete IPv6 Header Chain",
        ],
        138 => {
            return Some(match code {
                0 => "Command".to_owned(),
                1 => "Result".to_owned(),
                255 => "Sequence number reset".to_owned(),
                _ => format!("Unknown ({code})"),
            })
        }
        139 => &[
            "Query subject = IPv6 addresses",
            "Query subject = DNS name or empty",
            "Query subject = IPv4 addresses",
        ],
        140 => &["Successful", "Refused", "Unknown query type"],
        155 => &[
            "DODAG Information Solicitation",
            "DODAG Information Object",
            "Destination Advertisement Object",
            "Destination Advertisement Object Acknowledgment",
            "P2P Discovery Reply Object",
            "P2P Discovery Reply Object Acknowledgement",
        ],
        160 => &EXTENDED_ECHO_REQUEST_CODES,
        161 => &EXTENDED_ECHO_REPLY_CODES,
        _ => return None,
    };
    Some(match names.get(usize::from(code)) {
        Some(name) => (*name).to_owned(),
        // Destination Unreachable says only "Unknown"; the others give the number.
        None if icmp_type == 1 => "Unknown".to_owned(),
        None => format!("Unknown ({code})"),
    })
}

/// The Info of an ICMPv6 message that is not an echo, or `None` for the types whose Info
/// depends on more than is read here.
pub(super) fn icmpv6_info(icmp: &IcmpMessage) -> Option<String> {
    let t = icmp.icmp_type;
    if matches!(t, 145 | 150 | 154) {
        return None;
    }
    let mut info = icmpv6_info_names(icmp);
    let body = icmp.body.as_slice();
    match t {
        // Router Solicitation: options after 4 reserved bytes (here, after the first 8).
        133 => push_link_layer(&mut info, " from ", options(body, 0), 1),
        // Router Advertisement: reachable time and retransmission timer, then options.
        134 => push_link_layer(&mut info, " from ", options(body, 8), 1),
        135 => {
            let _ = write!(info, " for {}", target(body)?);
            push_link_layer(&mut info, " from ", options(body, 16), 1);
        }
        136 => {
            let flags = icmp.rest[0];
            let named: Vec<&str> = [(0x80, "rtr"), (0x40, "sol"), (0x20, "ovr")]
                .iter()
                .filter(|(bit, _)| flags & bit != 0)
                .map(|(_, name)| *name)
                .collect();
            let named = if named.is_empty() {
                "none".to_owned()
            } else {
                named.join(", ")
            };
            let _ = write!(info, " {} ({named})", target(body)?);
            push_link_layer(&mut info, " is at ", options(body, 16), 2);
        }
        // Redirect: the target and the destination, then options.
        137 => push_link_layer(&mut info, " is at ", options(body, 32), 2),
        _ => {}
    }
    Some(info)
}

/// An ICMPv6 message's Info up to what its body adds: the type's name, the code's.
fn icmpv6_info_names(icmp: &IcmpMessage) -> String {
    let t = icmp.icmp_type;
    let mut info = match icmpv6_type_name(t) {
        Some(name) => name.to_owned(),
        None => format!("Unknown ({t})"),
    };
    if let Some(code) = icmpv6_code_name(t, icmp.code) {
        let _ = write!(info, " ({code})");
    }
    info
}

/// The target address of a neighbor solicitation or advertisement.
fn target(body: &[u8]) -> Option<Ipv6Addr> {
    let bytes: [u8; 16] = body.get(..16)?.try_into().ok()?;
    Some(Ipv6Addr::from(bytes))
}

/// The neighbor discovery options starting at `at` in the body.
fn options(body: &[u8], at: usize) -> &[u8] {
    body.get(at..).unwrap_or_default()
}

/// Appends `label` and the link-layer address of the first option of `kind` (1 source, 2
/// target) that holds an Ethernet address, as Wireshark does.
fn push_link_layer(info: &mut String, label: &str, mut options: &[u8], kind: u8) {
    while let [opt_kind, units, ..] = *options {
        let len = usize::from(units) * 8;
        if len == 0 || len > options.len() {
            return;
        }
        if opt_kind == kind && len == 8 {
            let mac = &options[2..8];
            let _ = write!(
                info,
                "{label}{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]
            );
            return;
        }
        options = &options[len..];
    }
}
