//! Tunnels: where the packet inside an IP, GRE, VXLAN or Geneve header starts, so that the
//! inner packet is the one shown and analysed, as in Wireshark.
//!
//! - IP in IP: IPv4 (protocol 4) or IPv6 (41) right after the outer header.
//! - GRE (RFC 2784, 2890): flags and a protocol type, then the checksum, key and sequence
//!   number the flags announce; the inner packet by protocol type: IPv4, IPv6, Ethernet
//!   (transparent bridging, 0x6558), ERSPAN (0x88be: type I without a sequence number, type II
//!   with one and its 8-byte header; 0x22eb: type III, 12 bytes and an optional 8-byte
//!   platform subheader). Enhanced GRE (version 1, PPTP's) may add an acknowledgment number.
//! - VXLAN (RFC 7348): UDP port 4789, 8 bytes, then Ethernet.
//! - Geneve (RFC 8926): UDP port 6081, 8 bytes and the options its header counts, then the
//!   inner packet by protocol type.

/// Where an inner packet starts, and what it starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Inner<'a> {
    Ip(&'a [u8]),
    Ethernet(&'a [u8]),
}

/// What a GRE header carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gre<'a> {
    Inner(Inner<'a>),
    /// PPTP's PPP (HDLC-like framing) carrying this PPP protocol, not IP.
    Ppp(u16),
    /// A protocol type the judged set does not decode.
    Unknown(u16),
}

/// The UDP ports of VXLAN and Geneve.
pub(crate) const VXLAN_PORT: u16 = 4789;
pub(crate) const VXLAN_GPE_PORT: u16 = 4790;
pub(crate) const GENEVE_PORT: u16 = 6081;

/// The inner packet of a protocol type, as GRE and Geneve name it.
fn by_protocol_type(protocol: u16, rest: &[u8]) -> Option<Inner<'_>> {
    match protocol {
        0x0800 | 0x86dd => Some(Inner::Ip(rest)),
        0x6558 => Some(Inner::Ethernet(rest)),
        _ => None,
    }
}

/// Whether a GRE header of these flags and protocol type is PPTP's enhanced one, as
/// Wireshark judges it (an acknowledgment number may follow; the key is a payload length and
/// a call ID).
pub(crate) fn gre_is_ppp(flags: u16, protocol: u16) -> bool {
    match protocol {
        0x880b => flags & 0x0007 != 0,
        0x88d2 | 0x8881 => true,
        _ => false,
    }
}

/// The length of the GRE header at the start of `bytes`, as Wireshark reads it: the words
/// its flags announce (checksum and offset with the checksum or routing bit, key, sequence
/// number, PPTP's acknowledgment number), then with the routing bit the source route
/// entries up to the empty one. More than `bytes.len()` when the header runs past them.
pub(crate) fn gre_header_len(bytes: &[u8]) -> usize {
    let be16 = |i: usize| {
        bytes
            .get(i..i + 2)
            .map(|w| u16::from_be_bytes([w[0], w[1]]))
    };
    let (Some(flags), Some(protocol)) = (be16(0), be16(2)) else {
        return 4;
    };
    let ack = gre_is_ppp(flags, protocol) && flags & 0x0080 != 0;
    let words = usize::from(flags & 0xc000 != 0)
        + usize::from(flags & 0x2000 != 0)
        + usize::from(flags & 0x1000 != 0)
        + usize::from(ack);
    let mut len = 4 + 4 * words;
    if flags & 0x4000 != 0 {
        loop {
            let (Some(family), Some(&sre_len)) = (be16(len), bytes.get(len + 3)) else {
                return bytes.len().max(len) + 1;
            };
            len += 4;
            if family == 0 && sre_len == 0 {
                break;
            }
            len += usize::from(sre_len);
        }
    }
    len
}

/// The GRE packet `bytes` (the outer IP payload); `None` when even its header is cut.
pub(crate) fn gre(bytes: &[u8]) -> Option<Gre<'_>> {
    let flags = u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]);
    let protocol = u16::from_be_bytes([*bytes.get(2)?, *bytes.get(3)?]);
    let sequence = flags & 0x1000 != 0;
    let rest = bytes.get(gre_header_len(bytes)..)?;
    let inner = match protocol {
        // ERSPAN type I has no header of its own; type II (with a sequence number) has 8 bytes.
        0x88be if !sequence => Inner::Ethernet(rest),
        0x88be => Inner::Ethernet(rest.get(8..)?),
        0x22eb => {
            // Type III: 12 bytes, and 8 more when the O bit (last bit) says a platform
            // subheader follows.
            let optional = rest.get(11)? & 0x01 != 0;
            Inner::Ethernet(rest.get(12 + 8 * usize::from(optional)..)?)
        }
        // PPP (in HDLC-like framing; Cisco HDLC's addresses are not PPP): IP inside is
        // opened, the other protocols named.
        0x880b if !matches!(rest.first(), Some(0x0f | 0x8f)) => {
            match crate::link::ppp_header(rest) {
                Some((0x0021 | 0x0057, len)) => Inner::Ip(rest.get(len..)?),
                Some((ppp, _)) => return Some(Gre::Ppp(ppp)),
                // Nothing after the header (the caller tells a cut from none), or a PPP
                // header cut short.
                None if rest.is_empty() => return Some(Gre::Unknown(protocol)),
                None => return None,
            }
        }
        _ => match by_protocol_type(protocol, rest) {
            Some(inner) => inner,
            None => return Some(Gre::Unknown(protocol)),
        },
    };
    Some(Gre::Inner(inner))
}

/// The Ethernet frame inside a VXLAN payload.
pub(crate) fn vxlan(bytes: &[u8]) -> Option<Inner<'_>> {
    bytes.get(8..).map(Inner::Ethernet)
}

/// The packet inside a VXLAN-GPE payload by its next protocol (IPv4, IPv6, Ethernet):
/// `None` for another (NSH, MPLS: not in the judged set), `Err` when the header is cut.
pub(crate) fn vxlan_gpe(bytes: &[u8]) -> Result<Option<Inner<'_>>, ()> {
    let rest = bytes.get(8..).ok_or(())?;
    Ok(match bytes[3] {
        1 | 2 => Some(Inner::Ip(rest)),
        3 => Some(Inner::Ethernet(rest)),
        _ => None,
    })
}

/// The packet inside a Geneve payload: `None` for a protocol type not decoded here, `Err`
/// when the header or its options run past the payload.
pub(crate) fn geneve(bytes: &[u8]) -> Result<Option<Inner<'_>>, ()> {
    let options = usize::from(bytes.first().ok_or(())? & 0x3f) * 4;
    if bytes.len() < 8 + options {
        return Err(());
    }
    let protocol = u16::from_be_bytes([bytes[2], bytes[3]]);
    Ok(by_protocol_type(protocol, &bytes[8 + options..]))
}

/// What Wireshark's Info column says of a tunnel it stopped reading (before the line that
/// says why).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CutInfo {
    /// Nothing: IP, VXLAN and Geneve clear it before they read.
    Empty,
    /// GRE's `Encapsulated …`, by GRE's name of this protocol type.
    Gre(u16),
    /// Geneve's `Encapsulated …`, by the EtherType's name.
    Geneve(u16),
    /// ERSPAN's `ERSPAN:`.
    Erspan,
}

/// The columns Wireshark had set when the bytes of a tunnel (its header, or the headers of
/// the packet inside before its IP header) ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TunnelCut {
    pub protocol: &'static str,
    pub info: CutInfo,
    /// The inner Ethernet header's destination and source, as far as they were read: the
    /// Destination and Source columns show them in place of the IP addresses.
    pub macs: (Option<[u8; 6]>, Option<[u8; 6]>),
}

/// Where a tunnel starts, for [`cut_columns`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TunnelStart {
    /// GRE in an IPv4 (`true`) or IPv6 packet.
    Gre(bool),
    /// Ethernet right after an IPv4 or IPv6 header (IP protocol 143).
    Ethernet(bool),
    /// The payload of a UDP datagram to VXLAN's port.
    Vxlan,
    /// The payload of a UDP datagram to VXLAN-GPE's port.
    VxlanGpe,
    /// The payload of a UDP datagram to Geneve's port.
    Geneve,
}

/// Wireshark's columns for a tunnel whose bytes run out at the end of `bytes` before the
/// packet inside starts, following each dissector as it sets them and reads on.
pub(crate) fn cut_columns(start: TunnelStart, bytes: &[u8]) -> TunnelCut {
    let ip_name = |v4: bool| if v4 { "IPv4" } else { "IPv6" };
    let mut cut = TunnelCut {
        protocol: "",
        info: CutInfo::Empty,
        macs: (None, None),
    };
    match start {
        TunnelStart::Gre(v4) => {
            cut.protocol = ip_name(v4);
            cut_gre(&mut cut, bytes);
        }
        TunnelStart::Ethernet(v4) => {
            cut.protocol = ip_name(v4);
            cut_ethernet(&mut cut, bytes);
        }
        TunnelStart::Vxlan | TunnelStart::VxlanGpe => {
            cut.protocol = "VxLAN";
            if let Some(rest) = bytes.get(8..) {
                match (start, bytes[3]) {
                    (TunnelStart::Vxlan, _) | (_, 3) => cut_ethernet(&mut cut, rest),
                    // IPv4 through the IP dissector that reads the version first.
                    (_, 1) => cut_ip(&mut cut, rest, true, true),
                    (_, 2) => cut_ip(&mut cut, rest, false, false),
                    _ => {}
                }
            }
        }
        TunnelStart::Geneve => {
            cut.protocol = "Geneve";
            let (Some(&first), Some(protocol)) = (bytes.first(), bytes.get(2..4)) else {
                return cut;
            };
            let protocol = u16::from_be_bytes([protocol[0], protocol[1]]);
            cut.info = CutInfo::Geneve(protocol);
            let header = 8 + usize::from(first & 0x3f) * 4;
            if let Some(rest) = bytes.get(header..) {
                match protocol {
                    0x0800 | 0x86dd => cut_ip(&mut cut, rest, protocol == 0x0800, false),
                    0x6558 => cut_ethernet(&mut cut, rest),
                    _ => {}
                }
            }
        }
    }
    cut
}

/// GRE: its flags and protocol type first, then the rest of its header, then the packet
/// inside.
fn cut_gre(cut: &mut TunnelCut, bytes: &[u8]) {
    let (Some(flags), Some(protocol)) = (bytes.get(0..2), bytes.get(2..4)) else {
        return;
    };
    let flags = u16::from_be_bytes([flags[0], flags[1]]);
    let protocol = u16::from_be_bytes([protocol[0], protocol[1]]);
    cut.protocol = "GRE";
    cut.info = CutInfo::Gre(protocol);
    let Some(rest) = bytes.get(gre_header_len(bytes)..) else {
        return;
    };
    match protocol {
        // IPv4 through the IP dissector that reads the version first.
        0x0800 => cut_ip(cut, rest, true, true),
        0x86dd => cut_ip(cut, rest, false, false),
        0x6558 => cut_ethernet(cut, rest),
        // ERSPAN type I: no header.
        0x88be if flags & 0x1000 == 0 => {
            cut_erspan_title(cut);
            cut_ethernet(cut, rest);
        }
        0x88be | 0x22eb => {
            cut_erspan_title(cut);
            let header = match (protocol, rest.get(11)) {
                (0x88be, _) => Some(8),
                (_, Some(b)) => Some(12 + 8 * usize::from(b & 0x01)),
                (_, None) => None,
            };
            if let Some(frame) = header.and_then(|h| rest.get(h..)) {
                cut_ethernet(cut, frame);
            }
        }
        0x880b if gre_is_ppp(flags, protocol) => cut_ppp(cut, rest),
        _ => {}
    }
}

fn cut_erspan_title(cut: &mut TunnelCut) {
    cut.protocol = "ERSPAN";
    cut.info = CutInfo::Erspan;
}

/// PPP in HDLC-like framing (PPTP's): named once its first byte is read.
fn cut_ppp(cut: &mut TunnelCut, bytes: &[u8]) {
    let Some(&first) = bytes.first() else {
        return;
    };
    if matches!(first, 0x0f | 0x8f) {
        // Cisco HDLC: not followed here.
        return;
    }
    cut.protocol = "PPP";
    if let Some((protocol, len)) = crate::link::ppp_header(bytes) {
        match (protocol, bytes.get(len..)) {
            (0x0021, Some(rest)) => cut_ip(cut, rest, true, true),
            (0x0057, Some(rest)) => cut_ip(cut, rest, false, false),
            _ => {}
        }
    }
}

/// Ethernet: named before anything is read, then its destination and its source shown as
/// each is read, then the packet its EtherType names.
fn cut_ethernet(cut: &mut TunnelCut, bytes: &[u8]) {
    let mac = |at: usize| {
        bytes
            .get(at..at + 6)
            .and_then(|m| <[u8; 6]>::try_from(m).ok())
    };
    cut.protocol = "Ethernet";
    cut.macs = (mac(0), mac(6));
    if let (Some(t), Some(rest)) = (bytes.get(12..14), bytes.get(14..)) {
        match u16::from_be_bytes([t[0], t[1]]) {
            0x0800 => cut_ip(cut, rest, true, false),
            0x86dd => cut_ip(cut, rest, false, false),
            _ => {}
        }
    }
}

/// An IP header with nothing of it (`decode` reads any more as [`super::IpCut`]): named and
/// the Info cleared, unless it is reached through the dissector that reads the version
/// before anything else (`by_version`).
fn cut_ip(cut: &mut TunnelCut, bytes: &[u8], v4: bool, by_version: bool) {
    if bytes.is_empty() && by_version {
        return;
    }
    cut.protocol = if v4 { "IPv4" } else { "IPv6" };
    cut.info = CutInfo::Empty;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gre_headers_by_their_flags() {
        let ip = [0x45, 0, 0, 20];
        assert_eq!(
            gre(&[[0, 0, 0x08, 0].as_slice(), &ip].concat()),
            Some(Gre::Inner(Inner::Ip(&ip)))
        );
        // Key and sequence number: 8 more bytes.
        let keyed = [[0x30, 0, 0x86, 0xdd].as_slice(), &[0; 8], &ip].concat();
        assert_eq!(gre(&keyed), Some(Gre::Inner(Inner::Ip(&ip))));
        assert_eq!(gre(&[0, 0, 0x12, 0x34]), Some(Gre::Unknown(0x1234)));
        assert_eq!(gre(&[0x80, 0, 0x08, 0]), None);
    }

    #[test]
    fn erspan_types() {
        let frame = [2u8; 14];
        let type_2 = [
            [0x10, 0, 0x88, 0xbe, 0, 0, 0, 1].as_slice(),
            &[0; 8],
            &frame,
        ]
        .concat();
        assert_eq!(gre(&type_2), Some(Gre::Inner(Inner::Ethernet(&frame))));
        let type_1 = [[0, 0, 0x88, 0xbe].as_slice(), &frame].concat();
        assert_eq!(gre(&type_1), Some(Gre::Inner(Inner::Ethernet(&frame))));
        let mut type_3 = [[0, 0, 0x22, 0xeb].as_slice(), &[0; 12], &[0; 8], &frame].concat();
        type_3[4 + 11] = 1;
        assert_eq!(gre(&type_3), Some(Gre::Inner(Inner::Ethernet(&frame))));
    }

    #[test]
    fn vxlan_and_geneve() {
        let frame = [2u8; 14];
        let vx = [[0x08, 0, 0, 0, 0, 0, 42, 0].as_slice(), &frame].concat();
        assert_eq!(vxlan(&vx), Some(Inner::Ethernet(&frame)));
        // One 4-byte option.
        let gn = [[1, 0, 0x65, 0x58, 0, 0, 43, 0].as_slice(), &[0; 4], &frame].concat();
        assert_eq!(geneve(&gn), Ok(Some(Inner::Ethernet(&frame))));
        assert_eq!(geneve(&[0, 0, 0x12, 0x34, 0, 0, 0, 0]), Ok(None));
        // An option length past the end.
        assert_eq!(geneve(&[3, 0, 0x65, 0x58, 0, 0, 0, 0, 0, 0]), Err(()));
    }
}
