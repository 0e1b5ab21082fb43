//! ARP's subtree (and RARP's, InARP's: the same message), for Ethernet and IPv4 addresses,
//! with Wireshark's verdicts (gratuitous, probe, announcement) and its duplicate-address
//! note.

use super::{eth, hex, Base, Builder, Field, Kind, Value};
use crate::decode::{ArpMessage, ArpShort};
use crate::timeline::ethertype_names::ethertype_name;
use crate::timeline::ArpDuplicate;

fields! {
    ARP: "arp", "Address Resolution Protocol", Kind::Protocol;
    HW_TYPE: "arp.hw.type", "Hardware type", Kind::UInt(16, Base::Dec);
    PROTO_TYPE: "arp.proto.type", "Protocol type", Kind::UInt(16, Base::Hex);
    HW_SIZE: "arp.hw.size", "Hardware size", Kind::UInt(8, Base::Dec);
    PROTO_SIZE: "arp.proto.size", "Protocol size", Kind::UInt(8, Base::Dec);
    OPCODE: "arp.opcode", "Opcode", Kind::UInt(16, Base::Dec);
    IS_GRATUITOUS: "arp.isgratuitous", "Is gratuitous", Kind::Bool;
    IS_PROBE: "arp.isprobe", "Is probe", Kind::Bool;
    IS_ANNOUNCEMENT: "arp.isannouncement", "Is announcement", Kind::Bool;
    SRC_HW_MAC: "arp.src.hw_mac", "Sender MAC address", Kind::Ether;
    SRC_PROTO_IPV4: "arp.src.proto_ipv4", "Sender IP address", Kind::Ipv4;
    DST_HW_MAC: "arp.dst.hw_mac", "Target MAC address", Kind::Ether;
    DST_PROTO_IPV4: "arp.dst.proto_ipv4", "Target IP address", Kind::Ipv4;
    SRC_HW: "arp.src.hw", "Sender hardware address", Kind::Bytes;
    SRC_PROTO: "arp.src.proto", "Sender protocol address", Kind::Bytes;
    DST_HW: "arp.dst.hw", "Target hardware address", Kind::Bytes;
    DST_PROTO: "arp.dst.proto", "Target protocol address", Kind::Bytes;
    DUPLICATE_FRAME: "arp.duplicate-address-frame", "Frame showing earlier use of IP address", Kind::FrameNum;
    DUPLICATE_SECONDS: "arp.seconds-since-duplicate-address-frame", "Seconds since earlier frame seen", Kind::UInt(32, Base::Dec);
}

/// An opcode's name, as in the Opcode line and the title.
fn opcode_name(op: u16) -> Option<&'static str> {
    const NAMES: [&str; 26] = [
        "reserved",
        "request",
        "reply",
        "reverse request",
        "reverse reply",
        "drarp-request",
        "drarp-reply",
        "drarp-error",
        "inverse request",
        "inverse reply",
        "arp nak",
        "mars-request",
        "mars-multi",
        "mars-mserv",
        "mars-join",
        "mars-leave",
        "mars-nak",
        "mars-unserv",
        "mars-sjoin",
        "mars-sleave",
        "mars-grouplist-request",
        "mars-grouplist-reply",
        "mars-redirect-map",
        "mapos-unarp",
        "experimental 1",
        "experimental 2",
    ];
    NAMES.get(usize::from(op)).copied()
}

/// A hardware type's name.
fn hardware_name(hw: u16) -> &'static str {
    match hw {
        1 => "Ethernet",
        6 => "IEEE 802 Networks",
        _ => "Unknown",
    }
}

/// Builds ARP's subtree for the message at `at`.
/// The fixed part: hardware and protocol types, their sizes, the opcode.
fn fixed_lines(b: &mut Builder, at: usize, (hw, proto): (u16, u16), (hl, pl): (u8, u8), op: u16) {
    b.add(
        &HW_TYPE,
        Value::UInt(u64::from(hw)),
        (at, 2),
        format_args!("Hardware type: {} ({hw})", hardware_name(hw)),
    );
    b.add(
        &PROTO_TYPE,
        Value::UInt(u64::from(proto)),
        (at + 2, 2),
        format_args!(
            "Protocol type: {} ({})",
            ethertype_name(proto).unwrap_or("Unknown"),
            hex(u64::from(proto), 16)
        ),
    );
    b.field(&HW_SIZE, Value::UInt(u64::from(hl)), (at + 4, 1));
    b.field(&PROTO_SIZE, Value::UInt(u64::from(pl)), (at + 5, 1));
    b.add(
        &OPCODE,
        Value::UInt(u64::from(op)),
        (at + 6, 2),
        format_args!("Opcode: {} ({op})", opcode_name(op).unwrap_or("Unknown")),
    );
}

/// An ARP message shorter than its sizes say: the fixed part, then the line that says the
/// capture cut it (`cut`) or that it is malformed.
pub(super) fn build_malformed(
    b: &mut Builder,
    data: &[u8],
    at: usize,
    cut: bool,
    duplicates: [Option<ArpDuplicate>; 2],
) {
    let be16 = |i: usize| data.get(i..i + 2).map(|v| u16::from_be_bytes([v[0], v[1]]));
    let (hw, proto) = (be16(at).unwrap_or(0), be16(at + 2).unwrap_or(0));
    let (hl, pl) = (data.get(at + 4), data.get(at + 5));
    let (hl, pl) = (hl.copied().unwrap_or(0), pl.copied().unwrap_or(0));
    if data.len() < at + 2 {
        // Not even its first field: only the line that says why Wireshark stopped.
        if cut {
            super::truncated(b, "ARP/RARP", data.len());
        } else {
            super::malformed(b, "ARP/RARP", data.len());
        }
        return;
    }
    b.add(
        &ARP,
        Value::None,
        (at, data.len() - at),
        "Address Resolution Protocol",
    );
    b.open();
    // (The fields it ends before are not shown.)
    let first = b.last();
    fixed_lines(b, at, (hw, proto), (hl, pl), be16(at + 6).unwrap_or(0));
    b.close();
    b.cut_at(first, data.len());
    duplicate_lines(b, at, duplicates);
    if cut {
        super::truncated(b, "ARP/RARP", data.len());
    } else {
        super::malformed(b, "ARP/RARP", data.len());
    }
}

/// An ARP message the capture cut (its packet has all of it): where Wireshark has read what
/// its operation's Info needs, the title names the operation and the addresses captured
/// whole follow the fixed part; an Ethernet sender's claim is checked once its addresses are
/// read. Then the line that says the capture cut it.
pub(super) fn build_cut(
    b: &mut Builder,
    data: &[u8],
    at: usize,
    short: &ArpShort,
    duplicates: [Option<ArpDuplicate>; 2],
) {
    let Some(arp) = short.message.as_ref().filter(|_| short.info_read()) else {
        build_malformed(b, data, at, true, duplicates);
        return;
    };
    let (hl, pl) = short.lengths.unwrap_or_default();
    let op = opcode_name(arp.operation)
        .map_or_else(|| format!("opcode 0x{:04x}", arp.operation), str::to_owned);
    b.add(
        &ARP,
        Value::None,
        (at, data.len() - at),
        format_args!("Address Resolution Protocol ({op})"),
    );
    b.open();
    let first = b.last();
    fixed_lines(
        b,
        at,
        (arp.hardware_type, arp.protocol_type),
        (hl as u8, pl as u8),
        arp.operation,
    );
    address_lines(b, at, arp, (hl, pl), true);
    b.close();
    b.cut_at(first, data.len());
    duplicate_lines(b, at, duplicates);
    super::truncated(b, "ARP/RARP", data.len());
}

pub(super) fn build(
    b: &mut Builder,
    data: &[u8],
    at: usize,
    arp: &ArpMessage,
    duplicates: [Option<ArpDuplicate>; 2],
) {
    let (hl, pl) = (arp.sender_hw.len(), arp.sender_proto.len());
    let len = 8 + 2 * hl + 2 * pl;
    let ether_ipv4 = arp.protocol_type == 0x0800 && hl == 6 && pl == 4;
    let request = arp.operation == 1;
    let gratuitous =
        ether_ipv4 && matches!(arp.operation, 1 | 2) && arp.sender_proto == arp.target_proto;
    let target_hw_zero = arp.target_hw.iter().all(|&x| x == 0);
    let probe = ether_ipv4 && request && target_hw_zero && arp.sender_proto.iter().all(|&x| x == 0);
    let announcement = request && gratuitous && target_hw_zero;
    // An opcode with no name is given in hex in the title.
    let op = opcode_name(arp.operation)
        .map_or_else(|| format!("opcode 0x{:04x}", arp.operation), str::to_owned);
    let title = if probe {
        "Address Resolution Protocol (ARP Probe)".to_owned()
    } else if announcement {
        "Address Resolution Protocol (ARP Announcement)".to_owned()
    } else if gratuitous {
        format!("Address Resolution Protocol ({op}/gratuitous ARP)")
    } else {
        format!("Address Resolution Protocol ({op})")
    };
    b.add(&ARP, Value::None, (at, len), title);
    b.open();
    let sizes = (hl as u8, pl as u8);
    fixed_lines(
        b,
        at,
        (arp.hardware_type, arp.protocol_type),
        sizes,
        arp.operation,
    );
    let verdicts = [
        (gratuitous, &IS_GRATUITOUS),
        (probe, &IS_PROBE),
        (announcement, &IS_ANNOUNCEMENT),
    ];
    for (set, field) in verdicts {
        if set {
            b.add(
                field,
                Value::Bool(true),
                (at + 6, 2),
                format_args!("{}: True", field.name),
            )
            .generated = true;
        }
    }
    address_lines(b, at, arp, (hl, pl), false);
    b.close();
    let _ = data;
    duplicate_lines(b, at, duplicates);
}

/// The sender's and target's addresses, each as an Ethernet or IPv4 address when it is one;
/// with `whole_only`, those captured whole (the message was cut), up to the first that is not.
fn address_lines(
    b: &mut Builder,
    at: usize,
    arp: &ArpMessage,
    (hl, pl): (usize, usize),
    whole_only: bool,
) {
    let ipv4 = |bytes: &[u8]| {
        <[u8; 4]>::try_from(bytes)
            .ok()
            .map(std::net::Ipv4Addr::from)
    };
    let mac = |bytes: &[u8]| <[u8; 6]>::try_from(bytes).ok();
    let mut offset = at + 8;
    for (hw, proto, (mac_field, ip_field, hw_field, proto_field)) in [
        (
            &arp.sender_hw,
            &arp.sender_proto,
            (&SRC_HW_MAC, &SRC_PROTO_IPV4, &SRC_HW, &SRC_PROTO),
        ),
        (
            &arp.target_hw,
            &arp.target_proto,
            (&DST_HW_MAC, &DST_PROTO_IPV4, &DST_HW, &DST_PROTO),
        ),
    ] {
        if whole_only && hw.len() < hl {
            return;
        }
        match mac(hw) {
            Some(m) if arp.hardware_type == 1 || arp.hardware_type == 6 => {
                b.add(
                    mac_field,
                    Value::Ether(m),
                    (offset, hl),
                    format_args!("{}: {}", mac_field.name, eth::Named(m)),
                );
            }
            _ => {
                b.add(
                    hw_field,
                    Value::Bytes,
                    (offset, hl),
                    format_args!("{}: {}", hw_field.name, super::hex_bytes(hw)),
                );
            }
        }
        offset += hl;
        if whole_only && proto.len() < pl {
            return;
        }
        match ipv4(proto) {
            Some(ip) if arp.protocol_type == 0x0800 => {
                b.add(
                    ip_field,
                    Value::Ipv4(ip),
                    (offset, pl),
                    format_args!("{}: {ip}", ip_field.name),
                );
            }
            _ => {
                b.add(
                    proto_field,
                    Value::Bytes,
                    (offset, pl),
                    format_args!("{}: {}", proto_field.name, super::hex_bytes(proto)),
                );
            }
        }
        offset += pl;
    }
}

/// Wireshark's notes of an IPv4 address claimed by another Ethernet address before.
fn duplicate_lines(b: &mut Builder, at: usize, duplicates: [Option<ArpDuplicate>; 2]) {
    for d in duplicates.into_iter().flatten() {
        let mac_text = |m: [u8; 6]| super::mac_hex(m);
        b.add(
            &super::TEXT,
            Value::None,
            (at, 0),
            format_args!(
                "Duplicate IP address detected for {} ({}) - also in use by {} (frame {})",
                d.ip,
                mac_text(d.mac),
                mac_text(d.earlier_mac),
                d.earlier_frame
            ),
        )
        .generated = true;
        b.open();
        b.add(
            &DUPLICATE_FRAME,
            Value::UInt(d.earlier_frame),
            (at, 0),
            format_args!("{}: {}", DUPLICATE_FRAME.name, d.earlier_frame),
        )
        .generated = true;
        b.expert(
            "arp.duplicate-address-detected",
            "Warning",
            "Sequence",
            &format!("Duplicate IP address configured ({})", d.ip),
        );
        b.add(
            &DUPLICATE_SECONDS,
            Value::UInt(u64::try_from(d.seconds).unwrap_or(0)),
            (at, 0),
            format_args!("{}: {}", DUPLICATE_SECONDS.name, d.seconds),
        )
        .generated = true;
        b.close();
    }
}
