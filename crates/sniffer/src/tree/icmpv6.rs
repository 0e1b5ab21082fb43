//! ICMPv6's subtree: type and code, the checksum checked over the IPv6 pseudo-header, then by
//! type: an echo's identifier and sequence number (and for a reply, the request and the time
//! since); neighbor discovery's solicitations and advertisements with their flags, target
//! and options (link-layer addresses, prefix information, MTU); an error's reserved word,
//! MTU or pointer. An error's quoted datagram is built by the caller, inside this subtree.

use std::net::Ipv6Addr;

use super::{bit_prefix, eth, hex_bytes, Base, Builder, Field, Kind, Value};
use crate::timeline::icmp::{icmpv6_code_name, icmpv6_type_name};

fields! {
    ICMPV6: "icmpv6", "Internet Control Message Protocol v6", Kind::Protocol;
    TYPE: "icmpv6.type", "Type", Kind::UInt(8, Base::Dec);
    CODE: "icmpv6.code", "Code", Kind::UInt(8, Base::Dec);
    CHECKSUM: "icmpv6.checksum", "Checksum", Kind::UInt(16, Base::Hex);
    CHECKSUM_STATUS: "icmpv6.checksum.status", "Checksum Status", Kind::UInt(8, Base::Dec);
    IDENTIFIER: "icmpv6.echo.identifier", "Identifier", Kind::UInt(16, Base::Hex);
    SEQUENCE: "icmpv6.echo.sequence_number", "Sequence", Kind::UInt(16, Base::Dec);
    RESP_TO: "icmpv6.resp_to", "Response To", Kind::FrameNum;
    RESPTIME: "icmpv6.resptime", "Response Time", Kind::Double;
    RESERVED: "icmpv6.reserved", "Reserved", Kind::Bytes;
    MTU: "icmpv6.mtu", "MTU", Kind::UInt(32, Base::Dec);
    POINTER: "icmpv6.pointer", "Pointer", Kind::UInt(32, Base::Dec);
    NS_TARGET: "icmpv6.nd.ns.target_address", "Target Address", Kind::Ipv6;
    NA_FLAG: "icmpv6.nd.na.flag", "Flags", Kind::UInt(32, Base::Hex);
    NA_FLAG_R: "icmpv6.nd.na.flag.r", "Router", Kind::Bool;
    NA_FLAG_S: "icmpv6.nd.na.flag.s", "Solicited", Kind::Bool;
    NA_FLAG_O: "icmpv6.nd.na.flag.o", "Override", Kind::Bool;
    NA_FLAG_RSV: "icmpv6.nd.na.flag.rsv", "Reserved", Kind::UInt(32, Base::Dec);
    NA_TARGET: "icmpv6.nd.na.target_address", "Target Address", Kind::Ipv6;
    RA_HOP_LIMIT: "icmpv6.nd.ra.cur_hop_limit", "Cur hop limit", Kind::UInt(8, Base::Dec);
    RA_FLAG: "icmpv6.nd.ra.flag", "Flags", Kind::UInt(8, Base::Hex);
    RA_FLAG_M: "icmpv6.nd.ra.flag.m", "Managed address configuration", Kind::Bool;
    RA_FLAG_O: "icmpv6.nd.ra.flag.o", "Other configuration", Kind::Bool;
    RA_FLAG_H: "icmpv6.nd.ra.flag.h", "Home Agent", Kind::Bool;
    RA_FLAG_PRF: "icmpv6.nd.ra.flag.prf", "Prf (Default Router Preference)", Kind::UInt(8, Base::Dec);
    RA_FLAG_P: "icmpv6.nd.ra.flag.p", "Proxy", Kind::Bool;
    RA_FLAG_RSV: "icmpv6.nd.ra.flag.rsv", "Reserved", Kind::UInt(8, Base::Dec);
    RA_LIFETIME: "icmpv6.nd.ra.router_lifetime", "Router lifetime (s)", Kind::UInt(16, Base::Dec);
    RA_REACHABLE: "icmpv6.nd.ra.reachable_time", "Reachable time (ms)", Kind::UInt(32, Base::Dec);
    RA_RETRANS: "icmpv6.nd.ra.retrans_timer", "Retrans timer (ms)", Kind::UInt(32, Base::Dec);
    OPT: "icmpv6.opt", "ICMPv6 Option", Kind::Text;
    OPT_TYPE: "icmpv6.opt.type", "Type", Kind::UInt(8, Base::Dec);
    OPT_LENGTH: "icmpv6.opt.length", "Length", Kind::UInt(8, Base::Dec);
    OPT_LINKADDR: "icmpv6.opt.linkaddr", "Link-layer address", Kind::Ether;
    OPT_SRC_LINKADDR: "icmpv6.opt.src_linkaddr", "Source Link-layer address", Kind::Ether;
    OPT_TARGET_LINKADDR: "icmpv6.opt.target_linkaddr", "Target Link-layer address", Kind::Ether;
    OPT_RESERVED: "icmpv6.opt.reserved", "Reserved", Kind::Text;
    OPT_MTU: "icmpv6.opt.mtu", "MTU", Kind::UInt(32, Base::Dec);
    OPT_PREFIX_LENGTH: "icmpv6.opt.prefix.length", "Prefix Length", Kind::UInt(8, Base::Dec);
    OPT_PREFIX_FLAG: "icmpv6.opt.prefix.flag", "Flag", Kind::UInt(8, Base::Hex);
    OPT_PREFIX_FLAG_L: "icmpv6.opt.prefix.flag.l", "On-link flag(L)", Kind::Bool;
    OPT_PREFIX_FLAG_A: "icmpv6.opt.prefix.flag.a", "Autonomous address-configuration flag(A)", Kind::Bool;
    OPT_PREFIX_FLAG_R: "icmpv6.opt.prefix.flag.r", "Router address flag(R)", Kind::Bool;
    OPT_PREFIX_FLAG_RSV: "icmpv6.opt.prefix.flag.reserved", "Reserved", Kind::UInt(8, Base::Dec);
    OPT_PREFIX_VALID: "icmpv6.opt.prefix.valid_lifetime", "Valid Lifetime", Kind::UInt(32, Base::Dec);
    OPT_PREFIX_PREFERRED: "icmpv6.opt.prefix.preferred_lifetime", "Preferred Lifetime", Kind::UInt(32, Base::Dec);
    OPT_PREFIX: "icmpv6.opt.prefix", "Prefix", Kind::Ipv6;
    DATA: "icmpv6.data", "Data", Kind::Bytes;
    MLD_DELAY: "icmpv6.mld.maximum_response_delay", "Maximum Response Delay [ms]", Kind::UInt(16, Base::Dec);
    MLD_CODE: "icmpv6.mld.maximum_response_code", "Maximum Response Code", Kind::UInt(16, Base::Dec);
    MLD_ADDRESS: "icmpv6.mld.multicast_address", "Multicast Address", Kind::Ipv6;
    MLD_FLAG: "icmpv6.mld.flag", "Flags", Kind::UInt(8, Base::Hex);
    MLD_FLAG_S: "icmpv6.mld.flag.s", "Suppress Router-Side Processing", Kind::Bool;
    MLD_FLAG_QRV: "icmpv6.mld.flag.qrv", "QRV (Querier's Robustness Variable)", Kind::UInt(8, Base::Dec);
    MLD_FLAG_RSV: "icmpv6.mld.flag.reserved", "Reserved", Kind::UInt(8, Base::Dec);
    MLD_QQI: "icmpv6.mld.qqi", "QQIC (Querier's Query Interval Code)", Kind::UInt(8, Base::Dec);
    MLD_SOURCES: "icmpv6.mld.nb_sources", "Number of Sources", Kind::UInt(16, Base::Dec);
    MLD_SOURCE: "icmpv6.mld.source_address", "Source Address", Kind::Ipv6;
    MLDR_RECORDS: "icmpv6.mldr.nb_mcast_records", "Number of Multicast Address Records", Kind::UInt(16, Base::Dec);
    MLDR_MAR: "icmpv6.mldr.mar", "Multicast Address Record", Kind::Text;
    MLDR_TYPE: "icmpv6.mldr.mar.record_type", "Record Type", Kind::UInt(8, Base::Dec);
    MLDR_AUX_LEN: "icmpv6.mldr.mar.aux_data_len", "Aux Data Len", Kind::UInt(8, Base::Dec);
    MLDR_SOURCES: "icmpv6.mldr.mar.nb_sources", "Number of Sources", Kind::UInt(16, Base::Dec);
    MLDR_ADDRESS: "icmpv6.mldr.mar.multicast_address", "Multicast Address", Kind::Ipv6;
    MLDR_SOURCE: "icmpv6.mldr.mar.source_address", "Source Address", Kind::Ipv6;
    MLDR_AUX: "icmpv6.mldr.mar.auxiliary_data", "Auxiliary Data", Kind::Bytes;
    RD_TARGET: "icmpv6.nd.rd.target_address", "Target Address", Kind::Ipv6;
    RD_DESTINATION: "icmpv6.rd.na.destination_address", "Destination Address", Kind::Ipv6;
}

/// True for a type no dissector of Wireshark's reads (its bytes shown as data).
fn is_undecoded(icmp_type: u8) -> bool {
    !matches!(icmp_type, 1..=4 | 128..=161)
}

/// True for the messages this subtree shows.
pub(super) fn is_shown(icmp_type: u8) -> bool {
    matches!(icmp_type, 1..=4 | 128..=137 | 141 | 142 | 143)
        || is_undecoded(icmp_type)
        || super::icmpv6_more::is_shown(icmp_type)
}

/// True for the error messages, which quote the datagram that caused them.
pub(super) fn is_error(icmp_type: u8) -> bool {
    matches!(icmp_type, 1..=4)
}

/// The ICMPv6 checksum of `message` with the IPv6 pseudo-header of `src` and `dst`: zero
/// when the message is intact.
fn checksum(src: &[u8], dst: &[u8], message: &[u8]) -> u16 {
    let len = u32::try_from(message.len()).unwrap_or(u32::MAX);
    let mut sum: u64 = 0;
    let mut add = |bytes: &[u8]| {
        for c in bytes.chunks(2) {
            sum += u64::from(u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]));
        }
    };
    add(src);
    add(dst);
    add(&len.to_be_bytes());
    add(&[0, 0, 0, 58]);
    add(message);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Builds the subtree of the ICMPv6 message at `at`, `len` bytes long, carried by the IPv6
/// header at `ip_at`; `request` is what an echo reply answers.
pub(super) fn build(
    b: &mut Builder,
    data: &[u8],
    ip_at: usize,
    at: usize,
    len: usize,
    request: Option<super::EchoRequest>,
) {
    let byte = |i: usize| data.get(at + i).copied().unwrap_or(0);
    let be16 = |i: usize| u16::from_be_bytes([byte(i), byte(i + 1)]);
    let be32 = |i: usize| u32::from_be_bytes([byte(i), byte(i + 1), byte(i + 2), byte(i + 3)]);
    let addr = |i: usize| -> Ipv6Addr {
        data.get(i..i + 16)
            .and_then(|a| <[u8; 16]>::try_from(a).ok())
            .map_or(Ipv6Addr::UNSPECIFIED, Ipv6Addr::from)
    };
    let (icmp_type, code) = (byte(0), byte(1));
    b.add(
        &ICMPV6,
        Value::None,
        (at, len),
        "Internet Control Message Protocol v6",
    );
    b.open();
    let type_name = match icmp_type {
        128 => "Echo (ping) request",
        129 => "Echo (ping) reply",
        t => icmpv6_type_name(t).unwrap_or("Unknown"),
    };
    b.add(
        &TYPE,
        Value::UInt(u64::from(icmp_type)),
        (at, 1),
        format_args!("Type: {type_name} ({icmp_type})"),
    );
    let named = (is_error(icmp_type) && icmp_type != 2)
        || matches!(icmp_type, 138 | 139 | 140 | 155 | 160 | 161);
    let name = icmpv6_code_name(icmp_type, code).filter(|_| named);
    super::icmp::code_line(b, &CODE, code, name.as_deref(), at);
    let sum = be16(2);
    let pseudo = (
        data.get(ip_at + 8..ip_at + 24),
        data.get(ip_at + 24..ip_at + 40),
    );
    let verdict = match (pseudo, data.get(at..at + len)) {
        ((Some(src), Some(dst)), Some(message)) => {
            let mut zeroed = message.to_vec();
            if let Some(field) = zeroed.get_mut(2..4) {
                field.fill(0);
            }
            Some((
                checksum(src, dst, message) == 0,
                checksum(src, dst, &zeroed),
            ))
        }
        _ => None,
    };
    super::icmp::checksum_lines(
        b,
        (&CHECKSUM, &CHECKSUM_STATUS),
        "icmpv6.checksum_bad.expert",
        at,
        sum,
        verdict,
    );
    if data.len() < at + len {
        // Not all of the message is here to check the checksum against.
        let line = b.last().saturating_sub(1);
        b.append_to(line, " [fragmented datagram]");
    }
    let reserved = |b: &mut Builder, offset: usize, n: usize| {
        let bytes = data.get(at + offset..at + offset + n).unwrap_or_default();
        b.add(
            &RESERVED,
            Value::Bytes,
            (at + offset, n),
            format_args!("Reserved: {}", hex_bytes(bytes)),
        );
    };
    match icmp_type {
        1 | 3 => reserved(b, 4, 4),
        2 => {
            b.field(&MTU, Value::UInt(u64::from(be32(4))), (at + 4, 4));
        }
        4 => {
            b.field(&POINTER, Value::UInt(u64::from(be32(4))), (at + 4, 4));
        }
        128 | 129 => {
            let id = be16(4);
            b.add(
                &IDENTIFIER,
                Value::UInt(u64::from(id)),
                (at + 4, 2),
                format_args!("Identifier: 0x{id:04x}"),
            );
            b.field(&SEQUENCE, Value::UInt(u64::from(be16(6))), (at + 6, 2));
            let fields = (&RESP_TO, &RESPTIME, "Response Time");
            super::icmp::echo_answer(b, fields, data, at, len, request);
        }
        // Router Solicitation, and Inverse Neighbor Discovery's Solicitation and
        // Advertisement.
        133 | 141 | 142 => {
            reserved(b, 4, 4);
            options(b, data, at + 8, at + len);
        }
        134 => {
            b.field(&RA_HOP_LIMIT, Value::UInt(u64::from(byte(4))), (at + 4, 1));
            ra_flags(b, byte(5), at + 5);
            b.field(&RA_LIFETIME, Value::UInt(u64::from(be16(6))), (at + 6, 2));
            b.field(&RA_REACHABLE, Value::UInt(u64::from(be32(8))), (at + 8, 4));
            b.field(&RA_RETRANS, Value::UInt(u64::from(be32(12))), (at + 12, 4));
            options(b, data, at + 16, at + len);
        }
        135 => {
            reserved(b, 4, 4);
            let target = addr(at + 8);
            b.add(
                &NS_TARGET,
                Value::Ipv6(target),
                (at + 8, 16),
                format_args!("Target Address: {target}"),
            );
            options(b, data, at + 24, at + len);
        }
        136 => {
            na_flags(b, be32(4), at + 4);
            let target = addr(at + 8);
            b.add(
                &NA_TARGET,
                Value::Ipv6(target),
                (at + 8, 16),
                format_args!("Target Address: {target}"),
            );
            options(b, data, at + 24, at + len);
        }
        137 => {
            reserved(b, 4, 4);
            for (field, offset) in [(&RD_TARGET, 8), (&RD_DESTINATION, 24)] {
                let address = addr(at + offset);
                b.add(
                    field,
                    Value::Ipv6(address),
                    (at + offset, 16),
                    format_args!("{}: {address}", field.name),
                );
            }
            options(b, data, at + 40, at + len);
        }
        130..=132 => mld(b, data, at, len, reserved),
        143 => {
            reserved(b, 4, 2);
            mld_report(b, data, at, at + len);
        }
        t if is_undecoded(t) => {
            b.expert_here(
                &super::TEXT,
                "icmpv6.undecoded.type",
                "Note",
                "Undecoded",
                &format!(
                    "Dissector for ICMPv6 Type ({t}) code not implemented, Contact Wireshark developers if you want this supported"
                ),
            );
            let bytes = data
                .get(at + 4..(at + len).min(data.len()))
                .unwrap_or_default();
            b.add(
                &DATA,
                Value::Bytes,
                (at + 4, bytes.len()),
                format_args!("Data: {}", super::shown_bytes(bytes)),
            );
        }
        t if super::icmpv6_more::is_shown(t) => super::icmpv6_more::build(b, data, at, len),
        _ => {}
    }
}

/// An address read at `at`, or `::` where the packet ends.
fn address_at(data: &[u8], at: usize) -> Ipv6Addr {
    data.get(at..at + 16)
        .and_then(|a| <[u8; 16]>::try_from(a).ok())
        .map_or(Ipv6Addr::UNSPECIFIED, Ipv6Addr::from)
}

/// A multicast listener query, report or done: version 1's delay and address; a query of 28
/// bytes or more is version 2's, with its flags, interval and sources.
fn mld(
    b: &mut Builder,
    data: &[u8],
    at: usize,
    len: usize,
    reserved: impl Fn(&mut Builder, usize, usize),
) {
    let be16 = |i: usize| {
        data.get(at + i..at + i + 2)
            .map_or(0, |v| u16::from_be_bytes([v[0], v[1]]))
    };
    let v2 = data.get(at) == Some(&130) && len >= 28;
    let delay = if v2 { &MLD_CODE } else { &MLD_DELAY };
    b.field(delay, Value::UInt(u64::from(be16(4))), (at + 4, 2));
    reserved(b, 6, 2);
    let group = address_at(data, at + 8);
    b.add(
        &MLD_ADDRESS,
        Value::Ipv6(group),
        (at + 8, 16),
        format_args!("Multicast Address: {group}"),
    );
    if !v2 {
        return;
    }
    let flags = data.get(at + 24).copied().unwrap_or(0);
    let w = u64::from(flags);
    let mut title = format!("Flags: 0x{flags:02x}");
    if flags & 0x08 != 0 {
        title.push_str(", Suppress Router-Side Processing");
    }
    b.add(&MLD_FLAG, Value::UInt(w), (at + 24, 1), title);
    b.open();
    let s = flags & 0x08 != 0;
    b.add(
        &MLD_FLAG_S,
        Value::Bool(s),
        (at + 24, 1),
        format_args!(
            "{}Suppress Router-Side Processing: {}",
            bit_prefix(w, 0x08, 8),
            if s { "True" } else { "False" }
        ),
    );
    for (field, mask) in [(&MLD_FLAG_QRV, 0x07u64), (&MLD_FLAG_RSV, 0xf0)] {
        let value = (w & mask) >> mask.trailing_zeros();
        b.add(
            field,
            Value::UInt(value),
            (at + 24, 1),
            format_args!("{}{}: {value}", bit_prefix(w, mask, 8), field.name),
        );
    }
    b.close();
    let qqic = data.get(at + 25).copied().unwrap_or(0);
    b.field(&MLD_QQI, Value::UInt(u64::from(qqic)), (at + 25, 1));
    let sources = be16(26);
    b.field(&MLD_SOURCES, Value::UInt(u64::from(sources)), (at + 26, 2));
    for i in 0..usize::from(sources) {
        let offset = at + 28 + 16 * i;
        if offset + 16 > data.len() {
            break;
        }
        let source = address_at(data, offset);
        b.add(
            &MLD_SOURCE,
            Value::Ipv6(source),
            (offset, 16),
            format_args!("Source Address: {source}"),
        );
    }
}

/// A version 2 multicast listener report's records, from the message at `at` to `end`.
fn mld_report(b: &mut Builder, data: &[u8], at: usize, end: usize) {
    const RECORD_TYPES: [&str; 6] = [
        "Include",
        "Exclude",
        "Changed to include",
        "Changed to exclude",
        "Allow new sources",
        "Block old sources",
    ];
    let be16 = |i: usize| {
        data.get(i..i + 2)
            .map_or(0, |v| u16::from_be_bytes([v[0], v[1]]))
    };
    let records = be16(at + 6);
    b.field(&MLDR_RECORDS, Value::UInt(u64::from(records)), (at + 6, 2));
    let mut offset = at + 8;
    for _ in 0..records {
        if offset + 20 > end.min(data.len()) {
            break;
        }
        let kind = data[offset];
        let aux_len = usize::from(data[offset + 1]);
        let sources = usize::from(be16(offset + 2));
        let size = 20 + 16 * sources + 4 * aux_len;
        let group = address_at(data, offset + 4);
        let name = RECORD_TYPES.get(usize::from(kind).wrapping_sub(1)).copied();
        let title = match name {
            Some(name) => format!("Multicast Address Record {name}: {group}"),
            None => format!("Multicast Address Record Unknown Record Type ({kind}): {group}"),
        };
        b.add(&MLDR_MAR, Value::None, (offset, size), title);
        b.open();
        b.add(
            &MLDR_TYPE,
            Value::UInt(u64::from(kind)),
            (offset, 1),
            format_args!("Record Type: {} ({kind})", name.unwrap_or("Unknown")),
        );
        b.field(&MLDR_AUX_LEN, Value::UInt(aux_len as u64), (offset + 1, 1));
        b.field(&MLDR_SOURCES, Value::UInt(sources as u64), (offset + 2, 2));
        b.add(
            &MLDR_ADDRESS,
            Value::Ipv6(group),
            (offset + 4, 16),
            format_args!("Multicast Address: {group}"),
        );
        for i in 0..sources {
            let source = address_at(data, offset + 20 + 16 * i);
            b.add(
                &MLDR_SOURCE,
                Value::Ipv6(source),
                (offset + 20 + 16 * i, 16),
                format_args!("Source Address: {source}"),
            );
        }
        if aux_len > 0 {
            let aux_at = offset + 20 + 16 * sources;
            let aux = data.get(aux_at..aux_at + 4 * aux_len).unwrap_or_default();
            b.add(
                &MLDR_AUX,
                Value::Bytes,
                (aux_at, aux.len()),
                format_args!("Auxiliary Data: {}", super::shown_bytes(aux)),
            );
        }
        b.close();
        offset += size;
    }
}

/// One flag bit's line: `.1.. = Solicited: Set`.
fn flag_line(
    b: &mut Builder,
    field: &'static Field,
    word: u64,
    mask: u64,
    bits: u8,
    at: (usize, usize),
) {
    let set = word & mask != 0;
    b.add(
        field,
        Value::Bool(set),
        at,
        format_args!(
            "{}{}: {}",
            bit_prefix(word, mask, bits),
            field.name,
            if set { "Set" } else { "Not set" }
        ),
    );
}

/// A neighbor advertisement's flags: router, solicited, override.
fn na_flags(b: &mut Builder, word: u32, at: usize) {
    let w = u64::from(word);
    let mut title = format!("Flags: 0x{word:08x}");
    for (mask, name) in [
        (1u64 << 31, "Router"),
        (1 << 30, "Solicited"),
        (1 << 29, "Override"),
    ] {
        if w & mask != 0 {
            title.push_str(", ");
            title.push_str(name);
        }
    }
    b.add(&NA_FLAG, Value::UInt(w), (at, 4), title);
    b.open();
    flag_line(b, &NA_FLAG_R, w, 1 << 31, 32, (at, 4));
    flag_line(b, &NA_FLAG_S, w, 1 << 30, 32, (at, 4));
    flag_line(b, &NA_FLAG_O, w, 1 << 29, 32, (at, 4));
    let rsv = w & 0x1fff_ffff;
    b.add(
        &NA_FLAG_RSV,
        Value::UInt(rsv),
        (at, 4),
        format_args!("{}Reserved: {rsv}", bit_prefix(w, 0x1fff_ffff, 32)),
    );
    b.close();
}

/// A router advertisement's flags: managed, other, home agent, preference, proxy.
fn ra_flags(b: &mut Builder, flags: u8, at: usize) {
    const PREFERENCE: [&str; 4] = ["Medium", "High", "Reserved", "Low"];
    let w = u64::from(flags);
    let prf = usize::from((flags >> 3) & 3);
    let mut title = format!("Flags: 0x{flags:02x}");
    for (mask, name) in [(0x80u64, "Managed"), (0x40, "Other"), (0x20, "Home Agent")] {
        if w & mask != 0 {
            title.push_str(", ");
            title.push_str(name);
        }
    }
    title.push_str(", Prf (Default Router Preference): ");
    title.push_str(PREFERENCE[prf]);
    if w & 0x04 != 0 {
        title.push_str(", Proxy");
    }
    b.add(&RA_FLAG, Value::UInt(w), (at, 1), title);
    b.open();
    flag_line(b, &RA_FLAG_M, w, 0x80, 8, (at, 1));
    flag_line(b, &RA_FLAG_O, w, 0x40, 8, (at, 1));
    flag_line(b, &RA_FLAG_H, w, 0x20, 8, (at, 1));
    b.add(
        &RA_FLAG_PRF,
        Value::UInt(prf as u64),
        (at, 1),
        format_args!(
            "{}Prf (Default Router Preference): {} ({prf})",
            bit_prefix(w, 0x18, 8),
            PREFERENCE[prf]
        ),
    );
    flag_line(b, &RA_FLAG_P, w, 0x04, 8, (at, 1));
    b.add(
        &RA_FLAG_RSV,
        Value::UInt(w & 3),
        (at, 1),
        format_args!("{}Reserved: {}", bit_prefix(w, 0x03, 8), w & 3),
    );
    b.close();
}

/// A prefix lifetime: `Infinity (4294967295)` or the number of seconds.
fn lifetime(seconds: u32) -> String {
    if seconds == u32::MAX {
        "Infinity (4294967295)".to_owned()
    } else {
        seconds.to_string()
    }
}

/// Neighbor discovery options from `at` to `end`: link-layer addresses, prefix information,
/// MTU. Reading stops at an option of another type or a zero length.
fn options(b: &mut Builder, data: &[u8], mut at: usize, end: usize) {
    let end = end.min(data.len());
    while at + 2 <= end {
        let (kind, units) = (data[at], data[at + 1]);
        let len = usize::from(units) * 8;
        if len == 0 {
            // Wireshark names it, notes the length, and reads no further.
            let name = match kind {
                1 => "Source link-layer address".to_owned(),
                2 => "Target link-layer address".to_owned(),
                3 => "Prefix information".to_owned(),
                5 => "MTU".to_owned(),
                _ => format!("Unknown {kind}"),
            };
            b.add(
                &OPT,
                Value::None,
                (at, 2),
                format_args!("ICMPv6 Option ({name}"),
            );
            b.open();
            let type_name = if kind <= 5 && kind != 4 {
                name.clone()
            } else {
                "Unknown".to_owned()
            };
            b.add(
                &OPT_TYPE,
                Value::UInt(u64::from(kind)),
                (at, 1),
                format_args!("Type: {type_name} ({kind})"),
            );
            b.add(
                &OPT_LENGTH,
                Value::UInt(0),
                (at + 1, 1),
                "Length: 0 (0 bytes)",
            );
            b.expert(
                "icmpv6.invalid_option_length",
                "Error",
                "Malformed",
                "Invalid option length (Zero)",
            );
            b.close();
            return;
        }
        if at + len > end {
            return;
        }
        let opt = &data[at..at + len];
        let (name, summary) = match kind {
            1 | 2 if len >= 8 => {
                let mac: [u8; 6] = opt[2..8].try_into().unwrap_or_default();
                let name = if kind == 1 {
                    "Source link-layer address"
                } else {
                    "Target link-layer address"
                };
                (name, super::mac_hex(mac))
            }
            3 if len >= 32 => {
                let prefix = <[u8; 16]>::try_from(&opt[16..32])
                    .map_or(Ipv6Addr::UNSPECIFIED, Ipv6Addr::from);
                ("Prefix information", format!("{prefix}/{}", opt[2]))
            }
            5 if len >= 8 => (
                "MTU",
                u32::from_be_bytes([opt[4], opt[5], opt[6], opt[7]]).to_string(),
            ),
            _ => return,
        };
        b.add(
            &OPT,
            Value::None,
            (at, len),
            format_args!("ICMPv6 Option ({name} : {summary})"),
        );
        b.open();
        b.add(
            &OPT_TYPE,
            Value::UInt(u64::from(kind)),
            (at, 1),
            format_args!("Type: {name} ({kind})"),
        );
        b.add(
            &OPT_LENGTH,
            Value::UInt(u64::from(units)),
            (at + 1, 1),
            format_args!("Length: {units} ({len} bytes)"),
        );
        match kind {
            1 | 2 => {
                let mac: [u8; 6] = opt[2..8].try_into().unwrap_or_default();
                b.add(
                    &OPT_LINKADDR,
                    Value::Ether(mac),
                    (at + 2, 6),
                    format_args!("Link-layer address: {}", eth::Named(mac)),
                );
                let hidden = if kind == 1 {
                    &OPT_SRC_LINKADDR
                } else {
                    &OPT_TARGET_LINKADDR
                };
                b.hidden(hidden, Value::Ether(mac), (at + 2, 6));
            }
            3 => {
                b.field(
                    &OPT_PREFIX_LENGTH,
                    Value::UInt(u64::from(opt[2])),
                    (at + 2, 1),
                );
                let flags = u64::from(opt[3]);
                let mut title = format!("Flag: 0x{:02x}", opt[3]);
                for (mask, field) in [
                    (0x80u64, &OPT_PREFIX_FLAG_L),
                    (0x40, &OPT_PREFIX_FLAG_A),
                    (0x20, &OPT_PREFIX_FLAG_R),
                ] {
                    if flags & mask != 0 {
                        title.push_str(", ");
                        title.push_str(field.name);
                    }
                }
                b.add(&OPT_PREFIX_FLAG, Value::UInt(flags), (at + 3, 1), title);
                b.open();
                flag_line(b, &OPT_PREFIX_FLAG_L, flags, 0x80, 8, (at + 3, 1));
                flag_line(b, &OPT_PREFIX_FLAG_A, flags, 0x40, 8, (at + 3, 1));
                flag_line(b, &OPT_PREFIX_FLAG_R, flags, 0x20, 8, (at + 3, 1));
                b.add(
                    &OPT_PREFIX_FLAG_RSV,
                    Value::UInt(flags & 0x1f),
                    (at + 3, 1),
                    format_args!("{}Reserved: {}", bit_prefix(flags, 0x1f, 8), flags & 0x1f),
                );
                b.close();
                let be32 =
                    |i: usize| u32::from_be_bytes([opt[i], opt[i + 1], opt[i + 2], opt[i + 3]]);
                let (valid, preferred) = (be32(4), be32(8));
                b.add(
                    &OPT_PREFIX_VALID,
                    Value::UInt(u64::from(valid)),
                    (at + 4, 4),
                    format_args!("Valid Lifetime: {}", lifetime(valid)),
                );
                b.add(
                    &OPT_PREFIX_PREFERRED,
                    Value::UInt(u64::from(preferred)),
                    (at + 8, 4),
                    format_args!("Preferred Lifetime: {}", lifetime(preferred)),
                );
                b.add(&OPT_RESERVED, Value::None, (at + 12, 4), "Reserved");
                let prefix = <[u8; 16]>::try_from(&opt[16..32])
                    .map_or(Ipv6Addr::UNSPECIFIED, Ipv6Addr::from);
                b.add(
                    &OPT_PREFIX,
                    Value::Ipv6(prefix),
                    (at + 16, 16),
                    format_args!("Prefix: {prefix}"),
                );
            }
            _ => {
                b.add(&OPT_RESERVED, Value::None, (at + 2, 2), "Reserved");
                let mtu = u32::from_be_bytes([opt[4], opt[5], opt[6], opt[7]]);
                b.field(&OPT_MTU, Value::UInt(u64::from(mtu)), (at + 4, 4));
            }
        }
        b.close();
        at += len;
    }
}
