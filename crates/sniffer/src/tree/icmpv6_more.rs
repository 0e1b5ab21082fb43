//! ICMPv6 messages beyond Neighbor Discovery and Multicast Listener Discovery, as Wireshark
//! shows them: Node Information queries and replies (RFC 4620), Multicast Router
//! Advertisements (RFC 4286), 6LoWPAN Duplicate Address Requests and Confirmations (RFC
//! 6775), and extended echo requests and replies (RFC 8335).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::icmp_more::{EXT, EXT_CHECKSUM, EXT_CHECKSUM_STATUS, EXT_RES, EXT_VERSION};
use super::{bit_prefix, Base, Builder, Field, Kind, Value};

fields! {
    NI_QTYPE: "icmpv6.ni.qtype", "Qtype", Kind::UInt(16, Base::Dec);
    NI_FLAG: "icmpv6.ni.flag", "Flags", Kind::UInt(16, Base::Hex);
    NI_FLAG_G: "icmpv6.ni.flag.g", "Global-scope addresses", Kind::Bool;
    NI_FLAG_S: "icmpv6.ni.flag.s", "Site-local addresses", Kind::Bool;
    NI_FLAG_L: "icmpv6.ni.flag.l", "Link-local addresses", Kind::Bool;
    NI_FLAG_C: "icmpv6.ni.flag.c", "Compression", Kind::Bool;
    NI_FLAG_A: "icmpv6.ni.flag.a", "Unicast Addresses", Kind::Bool;
    NI_FLAG_T: "icmpv6.ni.flag.t", "Truncated", Kind::Bool;
    NI_FLAG_RSV: "icmpv6.ni.flag.rsv", "Reserved", Kind::UInt(16, Base::Hex);
    NI_NONCE: "icmpv6.ni.nonce", "Nonce", Kind::UInt(64, Base::Hex);
    NI_SUBJECT_V6: "icmpv6.ni.query.subject_ipv6", "IPv6 subject address", Kind::Ipv6;
    NI_SUBJECT_V4: "icmpv6.ni.query.subject_ipv4", "IPv4 subject address", Kind::Ipv4;
    MRA_INTERVAL: "icmpv6.mcast_ra.query_interval", "Query Interval", Kind::UInt(16, Base::Dec);
    MRA_ROBUSTNESS: "icmpv6.mcast_ra.robustness_variable", "Robustness Variable", Kind::UInt(16, Base::Dec);
    DA_STATUS: "icmpv6.6lowpannd.da.status", "Status", Kind::UInt(8, Base::Dec);
    DA_RSV: "icmpv6.6lowpannd.da.rsv", "Reserved", Kind::UInt(8, Base::Dec);
    DA_LIFETIME: "icmpv6.6lowpannd.da.lifetime", "Lifetime", Kind::UInt(16, Base::Dec);
    DA_EUI64: "icmpv6.6lowpannd.da.eui64", "EUI-64", Kind::Bytes;
    DA_REG_ADDR: "icmpv6.6lowpannd.da.reg_addr", "Registered Address", Kind::Ipv6;
    EXT_ID: "icmpv6.echo.identifier", "Identifier", Kind::UInt(16, Base::Hex);
    EXT_SEQ: "icmpv6.ext.echo.seq", "Sequence number", Kind::UInt(8, Base::Dec);
    REQ_RES: "icmpv6.ext.echo.req.res", "Reserved", Kind::UInt(8, Base::Hex);
    REQ_LOCAL: "icmpv6.ext.echo.req.local", "Local bit", Kind::Bool;
    RSP_STATE: "icmpv6.ext.echo.rsp.state", "State", Kind::UInt(8, Base::Dec);
    RSP_RES: "icmpv6.ext.echo.rsp.res", "Reserved", Kind::UInt(8, Base::Hex);
    RSP_ACTIVE: "icmpv6.ext.echo.rsp.active", "Active bit", Kind::Bool;
    RSP_IPV4: "icmpv6.ext.echo.rsp.ipv4", "IPv4 bit", Kind::Bool;
    RSP_IPV6: "icmpv6.ext.echo.rsp.ipv6", "IPv6 bit", Kind::Bool;
}

/// True for the messages this module shows.
pub(super) fn is_shown(icmp_type: u8) -> bool {
    matches!(icmp_type, 139 | 140 | 151 | 157 | 158 | 160 | 161)
}

/// The lines of the message at `at`, `len` bytes long, after its checksum.
pub(super) fn build(b: &mut Builder, data: &[u8], at: usize, len: usize) {
    let byte = |i: usize| data.get(at + i).copied().unwrap_or(0);
    let be16 = |i: usize| u16::from_be_bytes([byte(i), byte(i + 1)]);
    match byte(0) {
        139 | 140 => node_information(b, data, at),
        151 => {
            b.field(&MRA_INTERVAL, Value::UInt(u64::from(be16(4))), (at + 4, 2));
            b.field(
                &MRA_ROBUSTNESS,
                Value::UInt(u64::from(be16(6))),
                (at + 6, 2),
            );
        }
        157 | 158 => duplicate_address(b, data, at),
        160 | 161 => extended_echo(b, data, at, len),
        _ => {}
    }
}

/// A Node Information query or reply: its query type, flags and nonce, then a query's
/// subject (an IPv6 or IPv4 address, by its code).
fn node_information(b: &mut Builder, data: &[u8], at: usize) {
    let byte = |i: usize| data.get(at + i).copied().unwrap_or(0);
    let qtype = u16::from_be_bytes([byte(4), byte(5)]);
    let qname = match qtype {
        0 => "NOOP",
        1 => "Unused",
        2 => "Node Name",
        3 => "Node Addresses",
        4 => "IPv4 Addresses",
        _ => "Unknown",
    };
    b.add(
        &NI_QTYPE,
        Value::UInt(u64::from(qtype)),
        (at + 4, 2),
        format_args!("Qtype: {qname} ({qtype})"),
    );
    let flags = u64::from(u16::from_be_bytes([byte(6), byte(7)]));
    b.add(
        &NI_FLAG,
        Value::UInt(flags),
        (at + 6, 2),
        format_args!("Flags: 0x{flags:04x}"),
    );
    b.open();
    let set = |mask: u64| if flags & mask != 0 { "Set" } else { "Not set" };
    for (field, mask, text) in [
        (&NI_FLAG_G, 0x20, set(0x20)),
        (&NI_FLAG_S, 0x10, set(0x10)),
        (&NI_FLAG_L, 0x08, set(0x08)),
        (&NI_FLAG_C, 0x04, set(0x04)),
        (
            &NI_FLAG_A,
            0x02,
            if flags & 0x02 != 0 {
                "All unicast addresses"
            } else {
                "Unicast addresses on the queried interface"
            },
        ),
        (&NI_FLAG_T, 0x01, set(0x01)),
    ] {
        b.add(
            field,
            Value::Bool(flags & mask != 0),
            (at + 6, 2),
            format_args!("{}{}: {text}", bit_prefix(flags, mask, 16), field.name),
        );
    }
    let reserved = flags & 0xffc0;
    b.add(
        &NI_FLAG_RSV,
        Value::UInt(reserved >> 6),
        (at + 6, 2),
        format_args!(
            "{}Reserved: 0x{:03x}",
            bit_prefix(flags, 0xffc0, 16),
            reserved >> 6
        ),
    );
    b.close();
    let nonce = data
        .get(at + 8..at + 16)
        .map_or(0, |n| u64::from_be_bytes(n.try_into().unwrap_or_default()));
    b.add(
        &NI_NONCE,
        Value::UInt(nonce),
        (at + 8, 8),
        format_args!("Nonce: 0x{nonce:016x}"),
    );
    if byte(0) != 139 {
        return;
    }
    match byte(1) {
        0 => {
            if let Some(a) = data.get(at + 16..at + 32) {
                let a = Ipv6Addr::from(<[u8; 16]>::try_from(a).unwrap_or_default());
                b.add(
                    &NI_SUBJECT_V6,
                    Value::Ipv6(a),
                    (at + 16, 16),
                    format_args!("IPv6 subject address: {a}"),
                );
            }
        }
        2 => {
            if let Some(a) = data.get(at + 16..at + 20) {
                let a = Ipv4Addr::new(a[0], a[1], a[2], a[3]);
                b.add(
                    &NI_SUBJECT_V4,
                    Value::Ipv4(a),
                    (at + 16, 4),
                    format_args!("IPv4 subject address: {a}"),
                );
            }
        }
        _ => {}
    }
}

/// A Duplicate Address Request or Confirmation: status, lifetime, EUI-64 and the address
/// registered.
fn duplicate_address(b: &mut Builder, data: &[u8], at: usize) {
    let byte = |i: usize| data.get(at + i).copied().unwrap_or(0);
    let status = byte(4);
    let name = match status {
        0 => "Success",
        1 => "Duplicate Exists",
        2 => "Neighbor Cache Full",
        _ => "Unknown",
    };
    b.add(
        &DA_STATUS,
        Value::UInt(u64::from(status)),
        (at + 4, 1),
        format_args!("Status: {name} ({status})"),
    );
    b.field(&DA_RSV, Value::UInt(u64::from(byte(5))), (at + 5, 1));
    let lifetime = u16::from_be_bytes([byte(6), byte(7)]);
    b.field(&DA_LIFETIME, Value::UInt(u64::from(lifetime)), (at + 6, 2));
    if let Some(eui) = data.get(at + 8..at + 16) {
        let text: Vec<String> = eui.iter().map(|x| format!("{x:02x}")).collect();
        let text = text.join(":");
        b.add(
            &DA_EUI64,
            Value::Bytes,
            (at + 8, 8),
            format_args!("EUI-64: {text} ({text})"),
        );
    }
    if let Some(a) = data.get(at + 16..at + 32) {
        let a = Ipv6Addr::from(<[u8; 16]>::try_from(a).unwrap_or_default());
        b.add(
            &DA_REG_ADDR,
            Value::Ipv6(a),
            (at + 16, 16),
            format_args!("Registered Address: {a}"),
        );
    }
}

/// One bit field of the byte at `at`.
fn bits(b: &mut Builder, field: &'static Field, byte: u8, mask: u8, at: usize, text: &str) {
    let value = u64::from((byte & mask) >> mask.trailing_zeros());
    let v = match field.kind {
        Kind::Bool => Value::Bool(value != 0),
        _ => Value::UInt(value),
    };
    b.add(
        field,
        v,
        (at, 1),
        format_args!(
            "{}{}: {text}",
            bit_prefix(u64::from(byte), u64::from(mask), 8),
            field.name
        ),
    );
}

/// An extended echo request or reply: identifier, sequence number, the request's local bit
/// or the reply's state bits, then a request's extension structure (of a version other than
/// 2, its header and then its bytes as data).
fn extended_echo(b: &mut Builder, data: &[u8], at: usize, len: usize) {
    let byte = |i: usize| data.get(at + i).copied().unwrap_or(0);
    let id = u16::from_be_bytes([byte(4), byte(5)]);
    b.add(
        &EXT_ID,
        Value::UInt(u64::from(id)),
        (at + 4, 2),
        format_args!("Identifier: 0x{id:04x}"),
    );
    let seq = byte(6);
    b.add(
        &EXT_SEQ,
        Value::UInt(u64::from(seq)),
        (at + 6, 1),
        format_args!("Sequence number: {seq} (0x{seq:02x})"),
    );
    let flags = byte(7);
    let set = |mask: u8| if flags & mask != 0 { "Set" } else { "Not set" };
    if byte(0) == 161 {
        const STATES: [&str; 8] = [
            "Reserved",
            "Incomplete",
            "Reachable",
            "Stale",
            "Delay",
            "Probe",
            "Failed",
            "Unknown",
        ];
        let state = flags >> 5;
        let text = format!("{} ({state})", STATES[usize::from(state)]);
        bits(b, &RSP_STATE, flags, 0xe0, at + 7, &text);
        let reserved = format!("0x{:x}", (flags >> 3) & 3);
        bits(b, &RSP_RES, flags, 0x18, at + 7, &reserved);
        bits(b, &RSP_ACTIVE, flags, 0x04, at + 7, set(0x04));
        bits(b, &RSP_IPV4, flags, 0x02, at + 7, set(0x02));
        bits(b, &RSP_IPV6, flags, 0x01, at + 7, set(0x01));
        return;
    }
    bits(
        b,
        &REQ_RES,
        flags,
        0xfe,
        at + 7,
        &format!("0x{:02x}", flags >> 1),
    );
    bits(b, &REQ_LOCAL, flags, 0x01, at + 7, set(0x01));
    let end = (at + len).min(data.len());
    let Some(head) = data.get(at + 8..at + 10).filter(|_| end >= at + 12) else {
        return;
    };
    let version = head[0] >> 4;
    if version == 2 {
        // Its objects are read by ICMP's extension code, not rebuilt here.
        return;
    }
    b.add(
        &EXT,
        Value::None,
        (at + 8, end - at - 8),
        "ICMP Multi-Part Extensions (unsupported version)",
    );
    b.open();
    b.field(&EXT_VERSION, Value::UInt(u64::from(version)), (at + 8, 1));
    let reserved = u16::from_be_bytes([head[0], head[1]]) & 0x0fff;
    b.add(
        &EXT_RES,
        Value::UInt(u64::from(reserved)),
        (at + 8, 2),
        format_args!(
            "{}Reserved: 0x{reserved:03x}",
            bit_prefix(u64::from(reserved), 0x0fff, 16)
        ),
    );
    // Of a version it does not know, Wireshark checks no checksum.
    b.add(
        &EXT_CHECKSUM,
        Value::UInt(0),
        (at + 10, 2),
        "Checksum: [missing]",
    )
    .generated = true;
    b.add(
        &EXT_CHECKSUM_STATUS,
        Value::UInt(3),
        (at + 10, 2),
        "Checksum Status: Not present",
    )
    .generated = true;
    b.close();
    super::data::build_nested(b, &data[at + 8..end], at + 8);
}
