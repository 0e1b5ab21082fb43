//! The link-layer headers other than Ethernet: BSD and OpenBSD loopback (`null`), raw IP
//! (`raw`), and Linux cooked captures (`sll`, v1 and v2).

use super::{mac_hex, Base, Builder, Field, Kind, Value};
use crate::timeline::ethertype_names::ethertype_name;
use crate::timeline::mac_name;

fields! {
    NULL: "null", "Null/Loopback", Kind::Protocol;
    FAMILY: "null.family", "Family", Kind::UInt(32, Base::Dec);
    RAW: "raw", "Raw packet data", Kind::Protocol;
    SLL: "sll", "Linux cooked capture", Kind::Protocol;
    PKTTYPE: "sll.pkttype", "Packet type", Kind::UInt(16, Base::Dec);
    HATYPE: "sll.hatype", "Link-layer address type", Kind::UInt(16, Base::Dec);
    HALEN: "sll.halen", "Link-layer address length", Kind::UInt(16, Base::Dec);
    SRC_ETH: "sll.src.eth", "Source", Kind::Ether;
    UNUSED: "sll.unused", "Unused", Kind::Bytes;
    ETYPE: "sll.etype", "Protocol", Kind::UInt(16, Base::Hex);
    IFINDEX: "sll.ifindex", "Interface index", Kind::UInt(32, Base::Dec);
    PPP: "ppp", "Point-to-Point Protocol", Kind::Protocol;
    PPP_ADDRESS: "ppp.address", "Address", Kind::UInt(8, Base::Hex);
    PPP_CONTROL: "ppp.control", "Control", Kind::UInt(8, Base::Hex);
    PPP_PROTOCOL: "ppp.protocol", "Protocol", Kind::UInt(16, Base::Hex);
    CHDLC: "chdlc", "Cisco HDLC", Kind::Protocol;
    CHDLC_ADDRESS: "chdlc.address", "Address", Kind::UInt(8, Base::Hex);
    CHDLC_CONTROL: "chdlc.control", "Control", Kind::UInt(8, Base::Hex);
    CHDLC_PROTOCOL: "chdlc.protocol", "Protocol", Kind::UInt(16, Base::Hex);
}

/// `null`: the protocol family, in the writer's byte order (`big_endian` for OpenBSD's
/// loopback).
pub(super) fn build_null(b: &mut Builder, data: &[u8], big_endian: bool) {
    let bytes: [u8; 4] = data
        .get(..4)
        .and_then(|f| f.try_into().ok())
        .unwrap_or_default();
    let family = if big_endian {
        u32::from_be_bytes(bytes)
    } else {
        u32::from_le_bytes(bytes)
    };
    let name = match family {
        2 => "IP",
        24 | 28 | 30 => "IPv6",
        _ => "Unknown",
    };
    b.add(&NULL, Value::None, (0, 4), "Null/Loopback");
    b.open();
    b.add(
        &FAMILY,
        Value::UInt(u64::from(family)),
        (0, 4),
        format_args!("Family: {name} ({family})"),
    );
    b.close();
}

/// `raw`: a line with nothing under it.
pub(super) fn build_raw(b: &mut Builder, len: usize) {
    b.add(&RAW, Value::None, (0, len), "Raw packet data");
}

fn packet_type_name(t: u16) -> &'static str {
    match t {
        0 => "Unicast to us",
        1 => "Broadcast",
        2 => "Multicast",
        3 => "Unicast to another host",
        4 => "Sent by us",
        _ => "Unknown",
    }
}

fn hardware_name(t: u16) -> &'static str {
    match t {
        1 => "Ethernet",
        772 => "Loopback",
        _ => "Unknown",
    }
}

fn be16(data: &[u8], at: usize) -> u16 {
    data.get(at..at + 2)
        .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]))
}

/// The address lines of a cooked header: the source when it is an Ethernet or loopback
/// address, and the unused rest of the 8-byte field.
fn address(b: &mut Builder, data: &[u8], at: usize, hatype: u16, halen: u16) {
    let len = usize::from(halen).min(8);
    if matches!(hatype, 1 | 772) && len == 6 {
        let mac: [u8; 6] = data
            .get(at..at + 6)
            .and_then(|m| m.try_into().ok())
            .unwrap_or_default();
        b.add(
            &SRC_ETH,
            Value::Ether(mac),
            (at, 6),
            format_args!("Source: {} ({})", mac_name(mac), mac_hex(mac)),
        );
    }
    if len < 8 {
        let unused = data.get(at + len..at + 8).unwrap_or_default();
        b.add(
            &UNUSED,
            Value::Bytes,
            (at + len, 8 - len),
            format_args!("Unused: {}", super::hex_bytes(unused)),
        );
    }
}

fn protocol(b: &mut Builder, data: &[u8], at: usize) {
    let ether_type = be16(data, at);
    b.add(
        &ETYPE,
        Value::UInt(u64::from(ether_type)),
        (at, 2),
        format_args!(
            "Protocol: {} (0x{ether_type:04x})",
            ethertype_name(ether_type).unwrap_or("Unknown")
        ),
    );
}

/// `sll`, version 1: packet type, address type and length, the address, the protocol.
pub(super) fn build_sll(b: &mut Builder, data: &[u8]) {
    let (pkttype, hatype, halen) = (be16(data, 0), be16(data, 2), be16(data, 4));
    b.add(&SLL, Value::None, (0, 16), "Linux cooked capture v1");
    b.open();
    b.add(
        &PKTTYPE,
        Value::UInt(u64::from(pkttype)),
        (0, 2),
        format_args!("Packet type: {} ({pkttype})", packet_type_name(pkttype)),
    );
    b.add(
        &HATYPE,
        Value::UInt(u64::from(hatype)),
        (2, 2),
        format_args!(
            "Link-layer address type: {} ({hatype})",
            hardware_name(hatype)
        ),
    );
    b.field(&HALEN, Value::UInt(u64::from(halen)), (4, 2));
    address(b, data, 6, hatype, halen);
    protocol(b, data, 14);
    b.close();
}

/// `sll`, version 2: the protocol first, the interface index, then as version 1.
pub(super) fn build_sll2(b: &mut Builder, data: &[u8]) {
    let ifindex = data
        .get(4..8)
        .map_or(0, |i| u32::from_be_bytes([i[0], i[1], i[2], i[3]]));
    let hatype = be16(data, 8);
    let pkttype = u16::from(data.get(10).copied().unwrap_or(0));
    let halen = u16::from(data.get(11).copied().unwrap_or(0));
    b.add(&SLL, Value::None, (0, 20), "Linux cooked capture v2");
    b.open();
    protocol(b, data, 0);
    b.field(&IFINDEX, Value::UInt(u64::from(ifindex)), (4, 4));
    b.add(
        &HATYPE,
        Value::UInt(u64::from(hatype)),
        (8, 2),
        format_args!(
            "Link-layer address type: {} ({hatype})",
            hardware_name(hatype)
        ),
    );
    b.add(
        &PKTTYPE,
        Value::UInt(u64::from(pkttype)),
        (10, 1),
        format_args!("Packet type: {} ({pkttype})", packet_type_name(pkttype)),
    );
    b.field(&HALEN, Value::UInt(u64::from(halen)), (11, 1));
    address(b, data, 12, hatype, halen);
    b.close();
}

/// `ppp`: the address and control when present, the protocol; `len` the header's length.
pub(super) fn build_ppp(b: &mut Builder, data: &[u8], len: usize) {
    build_ppp_at(b, data, 0, len);
}

/// [`build_ppp`] for a PPP header of `len` bytes at `at` (in GRE, PPTP's).
pub(super) fn build_ppp_at(b: &mut Builder, data: &[u8], at: usize, len: usize) {
    let bytes = data.get(at..).unwrap_or_default();
    let (protocol, _) = crate::link::ppp_header(bytes).unwrap_or((0, len));
    b.add(&PPP, Value::None, (at, len), "Point-to-Point Protocol");
    b.open();
    if bytes.first() == Some(&0xff) {
        b.field(&PPP_ADDRESS, Value::UInt(0xff), (at, 1));
        let control = bytes.get(1).copied().unwrap_or(0);
        b.field(&PPP_CONTROL, Value::UInt(u64::from(control)), (at + 1, 1));
    }
    let name =
        crate::timeline::ppp_protocol_names::ppp_protocol_name(protocol).unwrap_or("Unknown");
    b.add(
        &PPP_PROTOCOL,
        Value::UInt(u64::from(protocol)),
        (at + len - if protocol > 0xff { 2 } else { 1 }, 2),
        format_args!("Protocol: {name} (0x{protocol:04x})"),
    );
    b.close();
}

/// A PPP header too short to read: its address, when the frame has one.
pub(super) fn build_ppp_address(b: &mut Builder, data: &[u8]) {
    b.add(
        &PPP,
        Value::None,
        (0, data.len()),
        "Point-to-Point Protocol",
    );
    b.open();
    if data.first() == Some(&0xff) {
        b.field(&PPP_ADDRESS, Value::UInt(0xff), (0, 1));
    }
    b.close();
}

/// `chdlc`: address, control and protocol.
pub(super) fn build_chdlc(b: &mut Builder, data: &[u8]) {
    let address = data.first().copied().unwrap_or(0);
    let control = data.get(1).copied().unwrap_or(0);
    let protocol = be16(data, 2);
    b.add(&CHDLC, Value::None, (0, 4), "Cisco HDLC");
    b.open();
    let kind = match address {
        0x0f => "Unicast",
        0x8f => "Multicast",
        _ => "Unknown",
    };
    b.add(
        &CHDLC_ADDRESS,
        Value::UInt(u64::from(address)),
        (0, 1),
        format_args!("Address: {kind} (0x{address:02x})"),
    );
    b.field(&CHDLC_CONTROL, Value::UInt(u64::from(control)), (1, 1));
    let name = match protocol {
        0x0800 => "IP",
        0x86dd => "IPv6",
        0x8035 => "SLARP",
        0x2000 => "Cisco Discovery Protocol",
        0xfefe => "OSI",
        _ => "Unknown",
    };
    b.add(
        &CHDLC_PROTOCOL,
        Value::UInt(u64::from(protocol)),
        (2, 2),
        format_args!("Protocol: {name} (0x{protocol:04x})"),
    );
    b.close();
}
