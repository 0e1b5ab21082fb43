//! ICMPv6 messages beyond Neighbor Discovery and Multicast Listener Discovery, as Wireshark
//! shows them: Router Renumbering (RFC 2894), Node Information queries and replies (RFC
//! 4620), RPL control messages (RFC 6550, the solicitation and RFC 6997's acknowledgement),
//! Multicast Router Advertisements (RFC 4286), 6LoWPAN Duplicate Address Requests and
//! Confirmations (RFC 6775), and extended echo requests and replies (RFC 8335).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::icmp_more::{bits, EXT, EXT_CHECKSUM, EXT_CHECKSUM_STATUS, EXT_RES, EXT_VERSION};
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
    RR_SEQ: "icmpv6.rr.sequence_number", "Sequence Number", Kind::UInt(32, Base::Dec);
    RR_SEGMENT: "icmpv6.rr.segment_number", "Segment Number", Kind::UInt(8, Base::Dec);
    RR_FLAG: "icmpv6.rr.flag", "Flags", Kind::UInt(8, Base::Hex);
    RR_FLAG_T: "icmpv6.rr.flag.t", "Test Command", Kind::Bool;
    RR_FLAG_R: "icmpv6.rr.flag.r", "Result requested", Kind::Bool;
    RR_FLAG_A: "icmpv6.rr.flag.a", "All Interfaces", Kind::Bool;
    RR_FLAG_S: "icmpv6.rr.flag.s", "Site-specific", Kind::Bool;
    RR_FLAG_P: "icmpv6.rr.flag.p", "Processed previously", Kind::Bool;
    RR_FLAG_RSV: "icmpv6.rr.flag.rsv", "Reserved", Kind::UInt(8, Base::Dec);
    RR_MAXDELAY: "icmpv6.rr.maxdelay", "Max Delay", Kind::UInt(16, Base::Dec);
    RR_MP: "icmpv6.rr.pco.mp", "Match-Prefix Part", Kind::Text;
    RR_MP_OPCODE: "icmpv6.rr.pco.mp.opcode", "OpCode", Kind::UInt(8, Base::Dec);
    RR_MP_OPLENGTH: "icmpv6.rr.pco.mp.oplength", "OpLength", Kind::UInt(8, Base::Dec);
    RR_MP_ORDINAL: "icmpv6.rr.pco.mp.ordinal", "Ordinal", Kind::UInt(8, Base::Hex);
    RR_MP_MATCHLEN: "icmpv6.rr.pco.mp.matchlen", "MatchLen", Kind::UInt(8, Base::Dec);
    RR_MP_MINLEN: "icmpv6.rr.pco.mp.minlen", "MinLen", Kind::UInt(8, Base::Dec);
    RR_MP_MAXLEN: "icmpv6.rr.pco.mp.maxlen", "MaxLen", Kind::UInt(8, Base::Dec);
    RR_MP_PREFIX: "icmpv6.rr.pco.mp.matchprefix", "MatchPrefix", Kind::Ipv6;
    RR_RM: "icmpv6.rr.rm", "Result Message", Kind::Text;
    RR_RM_FLAG: "icmpv6.rr.rm.flag", "Flags", Kind::UInt(16, Base::Hex);
    RR_RM_FLAG_RSV: "icmpv6.rr.rm.flag.reserved", "Reserved", Kind::UInt(16, Base::Dec);
    RR_RM_FLAG_B: "icmpv6.rr.rm.flag.b", "Bounds", Kind::Bool;
    RR_RM_FLAG_F: "icmpv6.rr.rm.flag.f", "Forbidden", Kind::Bool;
    RR_RM_ORDINAL: "icmpv6.rr.rm.ordinal", "Ordinal", Kind::UInt(8, Base::Hex);
    RR_RM_MATCHEDLEN: "icmpv6.rr.rm.matchedlen", "MatchedLen", Kind::UInt(8, Base::Dec);
    RR_RM_IFINDEX: "icmpv6.rr.rm.interfaceindex", "InterfaceIndex", Kind::UInt(32, Base::Dec);
    RR_RM_PREFIX: "icmpv6.rr.rm.matchedprefix", "MatchedPrefix", Kind::Ipv6;
    RPL_DIS_FLAGS: "icmpv6.rpl.dis.flags", "Flags", Kind::UInt(8, Base::Dec);
    RPL_OPT: "icmpv6.opt", "ICMPv6 RPL Option", Kind::Text;
    RPL_OPT_TYPE: "icmpv6.rpl.opt.type", "Type", Kind::UInt(8, Base::Dec);
    RPL_OPT_LENGTH: "icmpv6.rpl.opt.length", "Length", Kind::UInt(8, Base::Dec);
    RPL_OPT_PADN: "icmpv6.rpl.opt.padn", "Paddn", Kind::Text;
    DRO_INSTANCE: "icmpv6.rpl.p2p.dro.instance", "RPLInstanceID", Kind::UInt(8, Base::Dec);
    DRO_VERSION: "icmpv6.rpl.p2p.dro.version", "Version", Kind::UInt(8, Base::Dec);
    DROACK_FLAG: "icmpv6.rpl.p2p.droack.flag", "Flags", Kind::UInt(16, Base::Hex);
    DROACK_SEQ: "icmpv6.rpl.p2p.droack.flag.seq", "Seq", Kind::UInt(16, Base::Dec);
    DROACK_RESERVED: "icmpv6.rpl.p2p.droack.flag.reserved", "Reserved", Kind::UInt(16, Base::Dec);
    DRO_DAGID: "icmpv6.rpl.p2p.dro.dagid", "DODAGID", Kind::Ipv6;
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
    matches!(
        icmp_type,
        138 | 139 | 140 | 151 | 155 | 157 | 158 | 160 | 161
    )
}

/// The lines of the message at `at`, `len` bytes long, after its checksum.
pub(super) fn build(b: &mut Builder, data: &[u8], at: usize, len: usize) {
    let byte = |i: usize| data.get(at + i).copied().unwrap_or(0);
    let be16 = |i: usize| u16::from_be_bytes([byte(i), byte(i + 1)]);
    match byte(0) {
        138 => router_renumbering(b, data, at, len),
        139 | 140 => node_information(b, data, at),
        151 => {
            b.field(&MRA_INTERVAL, Value::UInt(u64::from(be16(4))), (at + 4, 2));
            b.field(
                &MRA_ROBUSTNESS,
                Value::UInt(u64::from(be16(6))),
                (at + 6, 2),
            );
        }
        155 => rpl_control(b, data, at, len),
        157 | 158 => duplicate_address(b, data, at),
        160 | 161 => extended_echo(b, data, at, len),
        _ => {}
    }
}

/// An IPv6 address at `at`, or `::` where the packet ends.
fn address(data: &[u8], at: usize) -> Ipv6Addr {
    data.get(at..at + 16)
        .and_then(|a| <[u8; 16]>::try_from(a).ok())
        .map_or(Ipv6Addr::UNSPECIFIED, Ipv6Addr::from)
}

/// A Router Renumbering message: its header, then a command's Match-Prefix part or a
/// result's messages.
fn router_renumbering(b: &mut Builder, data: &[u8], at: usize, len: usize) {
    let byte = |i: usize| data.get(at + i).copied().unwrap_or(0);
    let be32 = |i: usize| u32::from_be_bytes([byte(i), byte(i + 1), byte(i + 2), byte(i + 3)]);
    b.field(&RR_SEQ, Value::UInt(u64::from(be32(4))), (at + 4, 4));
    b.field(&RR_SEGMENT, Value::UInt(u64::from(byte(8))), (at + 8, 1));
    let flags = byte(9);
    b.add(
        &RR_FLAG,
        Value::UInt(u64::from(flags)),
        (at + 9, 1),
        format_args!("Flags: 0x{flags:02x}"),
    );
    b.open();
    let set = |mask: u8| if flags & mask != 0 { "Set" } else { "Not set" };
    for (field, mask) in [
        (&RR_FLAG_T, 0x80),
        (&RR_FLAG_R, 0x40),
        (&RR_FLAG_A, 0x20),
        (&RR_FLAG_S, 0x10),
        (&RR_FLAG_P, 0x08),
    ] {
        bits(b, field, flags, mask, at + 9, set(mask));
    }
    bits(
        b,
        &RR_FLAG_RSV,
        flags,
        0x07,
        at + 9,
        &(flags & 7).to_string(),
    );
    b.close();
    let delay = u16::from_be_bytes([byte(10), byte(11)]);
    b.field(&RR_MAXDELAY, Value::UInt(u64::from(delay)), (at + 10, 2));
    let reserved = data.get(at + 12..at + 16).unwrap_or_default();
    b.add(
        &super::icmpv6::RESERVED,
        Value::Bytes,
        (at + 12, reserved.len()),
        format_args!("Reserved: {}", super::hex_bytes(reserved)),
    );
    let end = (at + len).min(data.len());
    match byte(1) {
        0 if end >= at + 40 => match_prefix(b, data, at + 16),
        1 => {
            let mut offset = at + 16;
            while offset + 24 <= end {
                result_message(b, data, offset);
                offset += 24;
            }
        }
        _ => {}
    }
}

/// A Router Renumbering command's Match-Prefix part at `at`.
fn match_prefix(b: &mut Builder, data: &[u8], at: usize) {
    let byte = |i: usize| data[at + i];
    let opcode = byte(0);
    let name = match opcode {
        1 => "Add",
        2 => "Change",
        3 => "Set Global",
        _ => "Unknown",
    };
    let prefix = address(data, at + 8);
    b.add(
        &RR_MP,
        Value::None,
        (at, 24),
        format_args!(
            "Match-Prefix Part: {name} {prefix}/{} ({}-{})",
            byte(3),
            byte(4),
            byte(5)
        ),
    );
    b.open();
    b.add(
        &RR_MP_OPCODE,
        Value::UInt(u64::from(opcode)),
        (at, 1),
        format_args!("OpCode: {name} ({opcode})"),
    );
    b.field(
        &RR_MP_OPLENGTH,
        Value::UInt(u64::from(byte(1))),
        (at + 1, 1),
    );
    b.field(&RR_MP_ORDINAL, Value::UInt(u64::from(byte(2))), (at + 2, 1));
    b.field(
        &RR_MP_MATCHLEN,
        Value::UInt(u64::from(byte(3))),
        (at + 3, 1),
    );
    b.field(&RR_MP_MINLEN, Value::UInt(u64::from(byte(4))), (at + 4, 1));
    b.field(&RR_MP_MAXLEN, Value::UInt(u64::from(byte(5))), (at + 5, 1));
    b.add(
        &super::icmpv6::RESERVED,
        Value::Bytes,
        (at + 6, 2),
        format_args!("Reserved: {}", super::hex_bytes(&data[at + 6..at + 8])),
    );
    b.add(
        &RR_MP_PREFIX,
        Value::Ipv6(prefix),
        (at + 8, 16),
        format_args!("MatchPrefix: {prefix}"),
    );
    b.close();
}

/// A Router Renumbering result's message at `at`.
fn result_message(b: &mut Builder, data: &[u8], at: usize) {
    let flags = u64::from(u16::from_be_bytes([data[at], data[at + 1]]));
    let index = u32::from_be_bytes([data[at + 4], data[at + 5], data[at + 6], data[at + 7]]);
    let prefix = address(data, at + 8);
    b.add(
        &RR_RM,
        Value::None,
        (at, 24),
        format_args!(
            "Result Message: {prefix}/{} (interface {index})",
            data[at + 3]
        ),
    );
    b.open();
    b.add(
        &RR_RM_FLAG,
        Value::UInt(flags),
        (at, 2),
        format_args!("Flags: 0x{flags:04x}"),
    );
    b.open();
    b.add(
        &RR_RM_FLAG_RSV,
        Value::UInt(flags >> 2),
        (at, 2),
        format_args!("{}Reserved: {}", bit_prefix(flags, 0xfffc, 16), flags >> 2),
    );
    let set = |mask: u64| if flags & mask != 0 { "Set" } else { "Not set" };
    for (field, mask) in [(&RR_RM_FLAG_B, 0x02), (&RR_RM_FLAG_F, 0x01)] {
        b.add(
            field,
            Value::Bool(flags & mask != 0),
            (at, 2),
            format_args!(
                "{}{}: {}",
                bit_prefix(flags, mask, 16),
                field.name,
                set(mask)
            ),
        );
    }
    b.close();
    b.field(
        &RR_RM_ORDINAL,
        Value::UInt(u64::from(data[at + 2])),
        (at + 2, 1),
    );
    b.field(
        &RR_RM_MATCHEDLEN,
        Value::UInt(u64::from(data[at + 3])),
        (at + 3, 1),
    );
    b.field(&RR_RM_IFINDEX, Value::UInt(u64::from(index)), (at + 4, 4));
    b.add(
        &RR_RM_PREFIX,
        Value::Ipv6(prefix),
        (at + 8, 16),
        format_args!("MatchedPrefix: {prefix}"),
    );
    b.close();
}

/// An RPL control message: a DODAG Information Solicitation with its options, or a P2P
/// Discovery Reply Object acknowledgement (the other codes are not read further).
fn rpl_control(b: &mut Builder, data: &[u8], at: usize, len: usize) {
    let byte = |i: usize| data.get(at + i).copied().unwrap_or(0);
    let end = (at + len).min(data.len());
    match byte(1) {
        0 => {
            b.field(&RPL_DIS_FLAGS, Value::UInt(u64::from(byte(4))), (at + 4, 1));
            b.add(
                &super::icmpv6::RESERVED,
                Value::Bytes,
                (at + 5, 1),
                format_args!("Reserved: {:02x}", byte(5)),
            );
            rpl_options(b, data, at + 6, end);
        }
        5 => {
            b.field(&DRO_INSTANCE, Value::UInt(u64::from(byte(4))), (at + 4, 1));
            b.field(&DRO_VERSION, Value::UInt(u64::from(byte(5))), (at + 5, 1));
            let flags = u64::from(u16::from_be_bytes([byte(6), byte(7)]));
            b.add(
                &DROACK_FLAG,
                Value::UInt(flags),
                (at + 6, 2),
                format_args!("Flags: 0x{flags:04x}"),
            );
            b.open();
            b.add(
                &DROACK_SEQ,
                Value::UInt(flags >> 14),
                (at + 6, 2),
                format_args!("{}Seq: {}", bit_prefix(flags, 0xc000, 16), flags >> 14),
            );
            b.add(
                &DROACK_RESERVED,
                Value::UInt(flags & 0x3fff),
                (at + 6, 2),
                format_args!(
                    "{}Reserved: {}",
                    bit_prefix(flags, 0x3fff, 16),
                    flags & 0x3fff
                ),
            );
            b.close();
            let dagid = address(data, at + 8);
            b.add(
                &DRO_DAGID,
                Value::Ipv6(dagid),
                (at + 8, 16),
                format_args!("DODAGID: {dagid}"),
            );
        }
        _ => {}
    }
}

/// RPL options from `at` to `end`: padding, and the others (which Wireshark does not read)
/// with their bytes as data.
fn rpl_options(b: &mut Builder, data: &[u8], mut at: usize, end: usize) {
    while at < end {
        let kind = data[at];
        if kind == 0 {
            b.add(
                &RPL_OPT,
                Value::None,
                (at, 1),
                "ICMPv6 RPL Option (1-byte padding)",
            );
            b.open();
            b.add(
                &RPL_OPT_TYPE,
                Value::UInt(0),
                (at, 1),
                "Type: 1-byte padding (0)",
            );
            b.close();
            at += 1;
            continue;
        }
        let Some(&len) = data.get(at + 1) else {
            return;
        };
        let len = usize::from(len);
        let body = (at + 2).min(end)..(at + 2 + len).min(end);
        let name = if kind == 1 {
            "n-byte padding".to_owned()
        } else {
            format!("Unknown {kind}")
        };
        b.add(
            &RPL_OPT,
            Value::None,
            (at, (2 + len).min(end - at)),
            format_args!("ICMPv6 RPL Option ({name})"),
        );
        b.open();
        let type_name = if kind == 1 {
            "n-byte padding"
        } else {
            "Unknown"
        };
        b.add(
            &RPL_OPT_TYPE,
            Value::UInt(u64::from(kind)),
            (at, 1),
            format_args!("Type: {type_name} ({kind})"),
        );
        b.field(&RPL_OPT_LENGTH, Value::UInt(len as u64), (at + 1, 1));
        if kind == 1 {
            b.add(
                &RPL_OPT_PADN,
                Value::None,
                (body.start, body.len()),
                format_args!("Paddn (Length : {len} bytes)"),
            );
        } else {
            b.expert_here(
                &super::TEXT,
                "icmpv6.undecoded.rpl_option",
                "Note",
                "Undecoded",
                &format!(
                    "Dissector for ICMPv6 RPL Option ({kind}) code not implemented, Contact Wireshark developers if you want this supported"
                ),
            );
            let bytes = &data[body.clone()];
            let shown = if bytes.is_empty() {
                "<MISSING>".to_owned()
            } else {
                super::shown_bytes(bytes)
            };
            b.add(
                &super::icmpv6::DATA,
                Value::Bytes,
                (body.start, body.len()),
                format_args!("Data: {shown}"),
            );
        }
        b.close();
        at += 2 + len;
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
        super::icmp_more::reply_bits(
            b,
            [&RSP_STATE, &RSP_RES, &RSP_ACTIVE, &RSP_IPV4, &RSP_IPV6],
            flags,
            at + 7,
        );
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
