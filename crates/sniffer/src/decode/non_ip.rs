//! Frames that carry no IP: ARP and RARP, 802.3 lengths, EtherTypes under VLAN tags, MACsec,
//! the loopback test protocol.

use super::*;

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
pub(super) fn arp_message(bytes: &[u8]) -> Network {
    if bytes.get(..2) == Some(&ATM_ARP.to_be_bytes()) {
        // ATM ARP (RFC 2225) has its own layout and its own dissector, which the judged set
        // leaves off: nothing more is read.
        return Network::Arp(ArpMessage {
            hardware_type: ATM_ARP,
            ..ArpMessage::default()
        });
    }
    let [h0, h1, p0, p1, hlen, plen, o0, o1, rest @ ..] = bytes else {
        return Network::ArpMalformed(ArpShort {
            lengths: bytes
                .get(4..6)
                .map(|l| (usize::from(l[0]), usize::from(l[1]))),
            captured: bytes.len(),
            ..ArpShort::default()
        });
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
                hardware_type: u16::from_be_bytes([*h0, *h1]),
                protocol_type: u16::from_be_bytes([*p0, *p1]),
                sender_hw,
                sender_proto,
                target_hw,
                target_proto,
            })
        }
        _ => {
            // An Ethernet/IPv4 request's or reply's sender, when its addresses are there.
            let ether_ipv4 = [*h0, *h1, *p0, *p1] == [0, 1, 8, 0] && (hlen, plen) == (6, 4);
            let sender = rest
                .get(..10)
                .filter(|_| ether_ipv4 && matches!(u16::from_be_bytes([*o0, *o1]), 1 | 2))
                .map(|a| {
                    let mac: [u8; 6] = a[..6].try_into().unwrap_or_default();
                    (mac, std::net::Ipv4Addr::new(a[6], a[7], a[8], a[9]))
                });
            // What was captured of it, each address whole or not at all.
            let mut at = 0;
            let mut take = |len: usize| {
                let field = rest
                    .get(at..at + len)
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default();
                at += len;
                field
            };
            let message = ArpMessage {
                operation: u16::from_be_bytes([*o0, *o1]),
                hardware_type: u16::from_be_bytes([*h0, *h1]),
                protocol_type: u16::from_be_bytes([*p0, *p1]),
                sender_hw: take(hlen),
                sender_proto: take(plen),
                target_hw: take(hlen),
                target_proto: take(plen),
            };
            Network::ArpMalformed(ArpShort {
                sender,
                message: Some(message),
                lengths: Some((hlen, plen)),
                captured: bytes.len(),
                reported: None,
            })
        }
    }
}

/// ARP's hardware type for ATM (RFC 2225).
pub const ATM_ARP: u16 = 19;

/// A network layer that is neither IP nor ARP, by its EtherType; an IPv4 header that claims
/// fewer than 20 bytes is Wireshark's "Bogus IP header length".
pub(super) fn not_ip(sliced: &LaxSlicedPacket<'_>) -> Network {
    let outer = match &sliced.link {
        Some(etherparse::LinkSlice::Ethernet2(eth)) => Some(eth.ether_type().0),
        _ => None,
    };
    // Below 0x0600 the field is an 802.3 length.
    if outer.is_some_and(|t| t < 0x0600) {
        return Network::Ieee8023;
    }
    // Wireshark's judged set does not look inside MACsec.
    if sliced
        .link_exts
        .iter()
        .any(|e| matches!(e, etherparse::LaxLinkExtSlice::Macsec(_)))
    {
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
        return match loop_function(payload.payload) {
            Ok(function) => Network::Loop(function),
            // The functions run past the frame.
            Err(()) => Network::LinkMalformed { protocol: "LOOP" },
        };
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
        // An IP header the frame ends inside.
        (crate::link::ether_type::IPV4 | crate::link::ether_type::IPV6, _) => {
            let v4 = ether_type == crate::link::ether_type::IPV4;
            match super::IpCut::read(payload.payload, v4, 0) {
                Some(cut) => Network::IpCut(cut),
                None => Network::Other {
                    ether_type: u32::from(ether_type),
                    vlan,
                },
            }
        }
        _ => Network::Other {
            ether_type: u32::from(ether_type),
            vlan,
        },
    }
}

/// No VLAN tag in front of the payload.
fn vlan_free(sliced: &LaxSlicedPacket<'_>) -> bool {
    sliced.link_exts.is_empty()
}

/// The function of a loopback message (Ethernet V2.0, ch. 8): the skip count says where the
/// current one is; a Forward Data function (2) is followed by an address and the next
/// function, a Reply (1) ends the list. `Err` when the functions run past the frame.
/// How far Wireshark reads a loopback message: the function the skip count points to, if
/// read, and whether the reading ended within `bytes` (at a Reply's receipt number or at a
/// function it does not know; each Forward Data has its address).
pub(super) fn loop_reading(bytes: &[u8]) -> (Option<u16>, bool) {
    let word = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|w| u16::from_le_bytes([w[0], w[1]]))
    };
    let Some(skip) = word(0) else {
        return (None, false);
    };
    let target = 2 + usize::from(skip);
    let mut relevant = None;
    let mut at = 2;
    while let Some(function) = word(at) {
        if at == target {
            relevant = Some(function);
        }
        match function {
            2 if bytes.len() >= at + 8 => at += 8,
            2 => return (relevant, false),
            1 => return (relevant, word(at + 2).is_some()),
            _ => return (relevant, true),
        }
    }
    (relevant, false)
}

fn loop_function(bytes: &[u8]) -> Result<Option<u16>, ()> {
    let word = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|w| u16::from_le_bytes([w[0], w[1]]))
            .ok_or(())
    };
    let target = 2 + usize::from(word(0)?);
    let mut at = 2;
    loop {
        let function = word(at)?;
        if at == target {
            return Ok(Some(function));
        }
        match function {
            2 => at += 2 + 6,
            _ => return Ok(None),
        }
    }
}
