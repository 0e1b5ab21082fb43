//! Link layer: where the network-layer packet starts, by the capture's linktype.
//!
//! A pcap file or a live handle has one link-layer header type (a "linktype", listed at
//! tcpdump.org/linktypes.html) for all of its frames. Linux's loopback device `lo` captures as
//! Ethernet (`EN10MB`) with all-zero MAC addresses; BSD and macOS loopbacks use `NULL`; the
//! `any` pseudo-device uses `LINUX_SLL`/`LINUX_SLL2`; tunnels often use `RAW`.
//!
//! Wireshark counts the link header in the frame length, so a frame on `lo` is 14 bytes longer
//! than its IP packet, on `NULL` 4 bytes, on `LINUX_SLL2` 20 bytes.

use std::fmt;

/// A link-layer header type, as stored in the pcap file header or pcapng IDB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinkType(pub u32);

impl LinkType {
    /// BSD loopback: 4-byte protocol family in the *capturing host's* byte order.
    pub const NULL: LinkType = LinkType(0);
    /// Ethernet II (also Linux `lo`, with zero MACs).
    pub const EN10MB: LinkType = LinkType(1);
    /// Raw IP, the value most systems use in files.
    pub const RAW: LinkType = LinkType(101);
    /// Raw IP under the DLT value some BSDs write (DLT_RAW is 12 there).
    pub const RAW_DLT_12: LinkType = LinkType(12);
    /// Raw IP under the DLT value OpenBSD writes (DLT_RAW is 14 there).
    pub const RAW_DLT_14: LinkType = LinkType(14);
    /// OpenBSD loopback: like NULL but the family is in network byte order.
    pub const LOOP: LinkType = LinkType(108);
    /// Linux "cooked" capture v1 (the `any` device), 16-byte header.
    pub const LINUX_SLL: LinkType = LinkType(113);
    /// Raw IPv4, no link header.
    pub const IPV4: LinkType = LinkType(228);
    /// Raw IPv6, no link header.
    pub const IPV6: LinkType = LinkType(229);
    /// Linux "cooked" capture v2, 20-byte header.
    pub const LINUX_SLL2: LinkType = LinkType(276);
    /// PPP: a protocol field (after an optional 0xff 0x03 address and control).
    pub const PPP: LinkType = LinkType(9);
    /// PPP in HDLC-like framing, or Cisco HDLC, on a serial line.
    pub const PPP_SERIAL: LinkType = LinkType(50);
    /// Cisco HDLC: address, control, then an EtherType.
    pub const C_HDLC: LinkType = LinkType(104);

    /// Not a link type: a pcapng Custom Block, which Wireshark lists among the frames. Its
    /// data is the Private Enterprise Number (big-endian) and the custom data.
    pub const PCAPNG_CUSTOM: LinkType = LinkType(0xffff_0bad);
    /// The same, for a block that must not be copied into other files.
    pub const PCAPNG_CUSTOM_NO_COPY: LinkType = LinkType(0xffff_4bad);

    /// Every linktype this module decodes, for error messages.
    pub const SUPPORTED: [LinkType; 13] = [
        LinkType::NULL,
        LinkType::EN10MB,
        LinkType::RAW_DLT_12,
        LinkType::RAW_DLT_14,
        LinkType::RAW,
        LinkType::LOOP,
        LinkType::LINUX_SLL,
        LinkType::IPV4,
        LinkType::IPV6,
        LinkType::LINUX_SLL2,
        LinkType::PPP,
        LinkType::PPP_SERIAL,
        LinkType::C_HDLC,
    ];

    /// The name tcpdump.org gives this linktype, or `"unknown"`.
    pub fn name(self) -> &'static str {
        match self {
            LinkType::NULL => "NULL",
            LinkType::EN10MB => "EN10MB",
            LinkType::RAW | LinkType::RAW_DLT_12 | LinkType::RAW_DLT_14 => "RAW",
            LinkType::LOOP => "LOOP",
            LinkType::LINUX_SLL => "LINUX_SLL",
            LinkType::IPV4 => "IPV4",
            LinkType::IPV6 => "IPV6",
            LinkType::LINUX_SLL2 => "LINUX_SLL2",
            LinkType::PPP => "PPP",
            LinkType::PPP_SERIAL => "PPP_SERIAL",
            LinkType::C_HDLC => "C_HDLC",
            _ => "unknown",
        }
    }

    /// The name and description libpcap gives this linktype, e.g. `IEEE802_11_RADIO: 802.11
    /// plus radiotap header` for 127 (every Wi-Fi monitor capture), or `EN10MB: Ethernet`;
    /// `unknown to libpcap` when it has none.
    pub fn libpcap_name(self) -> String {
        // libpcap names DLT_ values; a file stores LINKTYPE_ values, which differ for a few.
        let dlt = match self.0 {
            100 => 11, // ATM_RFC1483
            101 => 12, // RAW
            102 => 15, // SLIP_BSDOS
            103 => 16, // PPP_BSDOS
            n => i32::try_from(n).unwrap_or(-1),
        };
        let linktype = pcap::Linktype(dlt);
        match (linktype.get_name(), linktype.get_description()) {
            (Ok(name), Ok(description)) => format!("{name}: {description}"),
            (Ok(name), Err(_)) => name,
            (Err(_), _) => "unknown to libpcap".to_owned(),
        }
    }

    /// True when [`network_start`] can decode frames of this type.
    pub fn is_supported(self) -> bool {
        Self::SUPPORTED.contains(&self)
    }

    /// The supported linktypes as `NAME (n)`, comma-separated.
    pub fn supported_list() -> String {
        Self::SUPPORTED
            .iter()
            .map(|l| format!("{} ({})", l.name(), l.0))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.0)
    }
}

/// EtherType values this module needs by name.
pub mod ether_type {
    pub const IPV4: u16 = 0x0800;
    pub const IPV6: u16 = 0x86dd;
}

/// Protocol-family values found in NULL and LOOP headers.
mod family {
    /// AF_INET everywhere.
    pub const INET: u32 = 2;
    /// AF_INET6 on Linux.
    pub const INET6_LINUX: u32 = 10;
    /// AF_INET6 on NetBSD, OpenBSD and BSD/OS.
    pub const INET6_BSD: u32 = 24;
    /// AF_INET6 on FreeBSD and DragonFly.
    pub const INET6_FREEBSD: u32 = 28;
    /// AF_INET6 on macOS/Darwin.
    pub const INET6_DARWIN: u32 = 30;
}

/// Length of the NULL/LOOP family field.
const NULL_HEADER_LEN: usize = 4;
/// Length of the Linux cooked v1 header; its protocol field is the last two bytes.
const SLL_HEADER_LEN: usize = 16;
/// Offset of the protocol (EtherType) field in the Linux cooked v1 header.
const SLL_PROTOCOL_OFFSET: usize = 14;
/// Length of the Linux cooked v2 header; its protocol field is the first two bytes.
const SLL2_HEADER_LEN: usize = 20;

/// What follows the link-layer header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    /// A full Ethernet II frame starting at offset 0 (VLAN tags are handled by the decoder).
    Ethernet,
    /// A packet identified by an EtherType.
    EtherType(u16),
    /// An IP packet whose version is in its first nibble.
    Ip,
    /// A protocol this tool does not decode (the family value is kept for the record).
    Unknown(u32),
    /// A PPP protocol other than IP (LCP, IPCP…), by its PPP protocol number.
    Ppp(u16),
    /// A Cisco HDLC frame of an EtherType other than IP.
    Chdlc(u16),
}

/// Where the network layer starts in one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkLayer {
    /// Bytes of link-layer header before the network layer (0 for RAW; 14 for Ethernet is
    /// left to the decoder, which also steps over VLAN tags).
    pub header_len: usize,
    /// How to read what follows.
    pub payload: Payload,
    /// For the cooked linktypes (`LINUX_SLL`, `LINUX_SLL2`): who sent the frame and how it
    /// was received.
    pub cooked: Option<Cooked>,
}

/// What a Linux cooked header says of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cooked {
    /// 0 unicast to us, 1 broadcast, 2 multicast, 3 unicast to another host, 4 sent by us
    /// (for `LINUX_SLL2`, as Wireshark reads it: with the address length as its low byte).
    pub packet_type: u16,
    /// The sender's link-layer address, when it is an Ethernet (or loopback) address.
    pub source: Option<[u8; 6]>,
}

impl Cooked {
    /// What Wireshark reads of a version 1 cooked header the capture cut (`header` its kept
    /// bytes, fewer than 16): the packet type once it and the hardware type are there, the
    /// sender once its address is.
    pub fn read_cut_v1(header: &[u8]) -> Option<Cooked> {
        let be16 = |i: usize| {
            header
                .get(i..i + 2)
                .map(|v| u16::from_be_bytes([v[0], v[1]]))
        };
        let (packet_type, hardware) = (be16(0)?, be16(2)?);
        let len = be16(4).map_or(0, usize::from);
        let address = header.get(6..).unwrap_or_default();
        let whole = address.len() >= len.min(8);
        Some(Cooked::read(
            packet_type,
            hardware,
            if whole { len } else { 0 },
            address,
        ))
    }

    /// Reads the packet type, hardware type and address fields of a cooked header.
    fn read(packet_type: u16, hardware: u16, len: usize, address: &[u8]) -> Cooked {
        let source = (matches!(hardware, 1 | 772) && len == 6)
            .then(|| address.get(..6).and_then(|a| <[u8; 6]>::try_from(a).ok()))
            .flatten();
        Cooked {
            packet_type,
            source,
        }
    }

    /// Wireshark's text for the packet type, the Info of a frame nothing else names.
    pub fn packet_type_text(self) -> String {
        match self.known_packet_type() {
            "" => format!("Unknown ({})", self.packet_type),
            known => known.to_owned(),
        }
    }

    fn known_packet_type(self) -> &'static str {
        match self.packet_type {
            0 => "Unicast to us",
            1 => "Broadcast",
            2 => "Multicast",
            3 => "Unicast to another host",
            4 => "Sent by us",
            _ => "",
        }
    }
}

/// The network layer of a PPP or Cisco HDLC frame. A PPP_SERIAL frame whose first byte is a
/// Cisco HDLC address (0x0f unicast, 0x8f broadcast) is Cisco HDLC, as Wireshark reads it.
fn point_to_point(linktype: LinkType, frame: &[u8]) -> Result<LinkLayer, LinkError> {
    let truncated = LinkError::Truncated {
        linktype: linktype.name(),
        need: 4,
        got: frame.len(),
    };
    let chdlc = linktype == LinkType::C_HDLC
        || (linktype == LinkType::PPP_SERIAL && matches!(frame.first(), Some(0x0f | 0x8f)));
    let layer = |header_len: usize, payload: Payload| LinkLayer {
        header_len,
        payload,
        cooked: None,
    };
    if chdlc {
        let ether_type = u16::from_be_bytes([
            *frame.get(2).ok_or(truncated)?,
            *frame.get(3).ok_or(truncated)?,
        ]);
        return Ok(match ether_type {
            ether_type::IPV4 | ether_type::IPV6 => layer(4, Payload::EtherType(ether_type)),
            other => layer(4, Payload::Chdlc(other)),
        });
    }
    let (protocol, header_len) = ppp_header(frame).ok_or(truncated)?;
    Ok(match protocol {
        0x0021 => layer(header_len, Payload::EtherType(ether_type::IPV4)),
        0x0057 => layer(header_len, Payload::EtherType(ether_type::IPV6)),
        other => layer(header_len, Payload::Ppp(other)),
    })
}

/// A PPP header: an optional address and control (0xff opens them), then 2 bytes of
/// protocol, or 1 when compressed (an odd first byte). The protocol and the header's length;
/// `None` when the bytes end first.
pub(crate) fn ppp_header(bytes: &[u8]) -> Option<(u16, usize)> {
    let start = if bytes.first() == Some(&0xff) { 2 } else { 0 };
    let first = *bytes.get(start)?;
    Some(if first & 1 == 1 {
        (u16::from(first), start + 1)
    } else {
        (
            u16::from_be_bytes([first, *bytes.get(start + 1)?]),
            start + 2,
        )
    })
}

/// Why a frame's link-layer header could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("frame of {got} bytes is shorter than the {need}-byte {linktype} header")]
    Truncated {
        linktype: &'static str,
        need: usize,
        got: usize,
    },
    #[error("unsupported linktype {0}")]
    Unsupported(u32),
}

/// Reads the link-layer header of `frame` for `linktype`.
pub fn network_start(linktype: LinkType, frame: &[u8]) -> Result<LinkLayer, LinkError> {
    let need = |n: usize| {
        if frame.len() < n {
            Err(LinkError::Truncated {
                linktype: linktype.name(),
                need: n,
                got: frame.len(),
            })
        } else {
            Ok(())
        }
    };
    match linktype {
        LinkType::EN10MB => Ok(LinkLayer {
            header_len: 0,
            payload: Payload::Ethernet,
            cooked: None,
        }),
        LinkType::RAW | LinkType::RAW_DLT_12 | LinkType::RAW_DLT_14 => Ok(LinkLayer {
            header_len: 0,
            payload: Payload::Ip,
            cooked: None,
        }),
        LinkType::IPV4 => Ok(LinkLayer {
            header_len: 0,
            payload: Payload::EtherType(ether_type::IPV4),
            cooked: None,
        }),
        LinkType::IPV6 => Ok(LinkLayer {
            header_len: 0,
            payload: Payload::EtherType(ether_type::IPV6),
            cooked: None,
        }),
        LinkType::NULL | LinkType::LOOP => {
            need(NULL_HEADER_LEN)?;
            let raw = [frame[0], frame[1], frame[2], frame[3]];
            let value = if linktype == LinkType::LOOP {
                u32::from_be_bytes(raw)
            } else {
                // Written in the capturing host's byte order: a family never exceeds 16 bits,
                // so a value that does was written by a host of the other endianness.
                let le = u32::from_le_bytes(raw);
                if le > 0xffff {
                    u32::from_be_bytes(raw)
                } else {
                    le
                }
            };
            let payload = match value {
                family::INET => Payload::EtherType(ether_type::IPV4),
                family::INET6_LINUX
                | family::INET6_BSD
                | family::INET6_FREEBSD
                | family::INET6_DARWIN => Payload::EtherType(ether_type::IPV6),
                other => Payload::Unknown(other),
            };
            Ok(LinkLayer {
                header_len: NULL_HEADER_LEN,
                payload,
                cooked: None,
            })
        }
        LinkType::LINUX_SLL => {
            need(SLL_HEADER_LEN)?;
            let proto =
                u16::from_be_bytes([frame[SLL_PROTOCOL_OFFSET], frame[SLL_PROTOCOL_OFFSET + 1]]);
            let word = |at: usize| u16::from_be_bytes([frame[at], frame[at + 1]]);
            Ok(LinkLayer {
                header_len: SLL_HEADER_LEN,
                payload: Payload::EtherType(proto),
                cooked: Some(Cooked::read(
                    word(0),
                    word(2),
                    usize::from(word(4)),
                    &frame[6..14],
                )),
            })
        }
        LinkType::LINUX_SLL2 => {
            need(SLL2_HEADER_LEN)?;
            let proto = u16::from_be_bytes([frame[0], frame[1]]);
            Ok(LinkLayer {
                header_len: SLL2_HEADER_LEN,
                payload: Payload::EtherType(proto),
                // Wireshark 4.0 shows the packet type of LINUX_SLL2 read as 16 bits, the
                // address length's byte included: `Unknown (1030)` for "sent by us".
                cooked: Some(Cooked::read(
                    u16::from_be_bytes([frame[10], frame[11]]),
                    u16::from_be_bytes([frame[8], frame[9]]),
                    usize::from(frame[11]),
                    &frame[12..20],
                )),
            })
        }
        LinkType::PPP | LinkType::PPP_SERIAL | LinkType::C_HDLC => point_to_point(linktype, frame),
        LinkType(other) => Err(LinkError::Unsupported(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ethernet_is_left_to_the_decoder() {
        let l = network_start(LinkType::EN10MB, &[0; 14]).expect("ethernet");
        assert_eq!(
            l,
            LinkLayer {
                header_len: 0,
                payload: Payload::Ethernet,
                cooked: None,
            }
        );
    }

    #[test]
    fn null_family_in_either_byte_order() {
        // Little-endian host (x86 macOS): AF_INET6 = 30.
        let l = network_start(LinkType::NULL, &[30, 0, 0, 0]).expect("null");
        assert_eq!(l.payload, Payload::EtherType(ether_type::IPV6));
        // Big-endian host: AF_INET = 2.
        let l = network_start(LinkType::NULL, &[0, 0, 0, 2]).expect("null");
        assert_eq!(l.payload, Payload::EtherType(ether_type::IPV4));
        assert_eq!(l.header_len, 4);
        // LOOP is always network order.
        let l = network_start(LinkType::LOOP, &[0, 0, 0, 24]).expect("loop");
        assert_eq!(l.payload, Payload::EtherType(ether_type::IPV6));
        let l = network_start(LinkType::LOOP, &[0, 0, 0, 7]).expect("loop");
        assert_eq!(l.payload, Payload::Unknown(7));
    }

    #[test]
    fn cooked_headers() {
        // Broadcast, from an Ethernet address.
        let mut sll = [0u8; 16];
        sll[1] = 1;
        sll[3] = 1;
        sll[5] = 6;
        sll[6..12].copy_from_slice(&[2, 0, 0, 0, 0, 1]);
        sll[14] = 0x86;
        sll[15] = 0xdd;
        let l = network_start(LinkType::LINUX_SLL, &sll).expect("sll");
        let cooked = Cooked {
            packet_type: 1,
            source: Some([2, 0, 0, 0, 0, 1]),
        };
        assert_eq!(
            l,
            LinkLayer {
                header_len: 16,
                payload: Payload::EtherType(0x86dd),
                cooked: Some(cooked),
            }
        );
        assert_eq!(cooked.packet_type_text(), "Broadcast");
        // Sent by us, from the loopback (no address); the packet type read as Wireshark does.
        let mut sll2 = [0u8; 20];
        sll2[0] = 0x08;
        sll2[8..12].copy_from_slice(&[0x03, 0x04, 4, 0]);
        let l = network_start(LinkType::LINUX_SLL2, &sll2).expect("sll2");
        let cooked = Cooked {
            packet_type: 0x0400,
            source: None,
        };
        assert_eq!(
            l,
            LinkLayer {
                header_len: 20,
                payload: Payload::EtherType(0x0800),
                cooked: Some(cooked),
            }
        );
        assert_eq!(cooked.packet_type_text(), "Unknown (1024)");
    }

    #[test]
    fn truncated_and_unknown() {
        assert_eq!(
            network_start(LinkType::LINUX_SLL2, &[0; 19]),
            Err(LinkError::Truncated {
                linktype: "LINUX_SLL2",
                need: 20,
                got: 19
            })
        );
        assert_eq!(
            network_start(LinkType(147), &[0; 40]),
            Err(LinkError::Unsupported(147))
        );
        assert!(!LinkType(147).is_supported());
        assert!(LinkType::RAW_DLT_14.is_supported());
    }
}
