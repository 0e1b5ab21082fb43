//! The ICMP messages with a body of their own beyond the first 8 bytes, other than echoes and
//! errors: router advertisements (RFC 1256: the routers and their preference levels) and
//! extended echoes (RFC 8335: the probed interface, in an ICMP extension structure, and the
//! reply's state bits).

use std::net::Ipv4Addr;

use super::{bit_prefix, hex, hex_bytes, Base, Builder, Field, Kind, Value};

fields! {
    NUM_ADDRS: "icmp.num_addrs", "Number of addresses", Kind::UInt(8, Base::Dec);
    ADDR_ENTRY_SIZE: "icmp.addr_entry_size", "Address entry size", Kind::UInt(8, Base::Dec);
    LIFETIME: "icmp.lifetime", "Lifetime", Kind::UInt(16, Base::Dec);
    ROUTER_ADDRESS: "icmp.router_address", "Router address", Kind::Ipv4;
    PREF_LEVEL: "icmp.pref_level", "Preference level", Kind::Int;
    EXT_SEQ: "icmp.ext.echo.seq", "Sequence Number", Kind::UInt(8, Base::Dec);
    REQ_RES: "icmp.ext.echo.req.res", "Reserved", Kind::UInt(8, Base::Hex);
    REQ_LOCAL: "icmp.ext.echo.req.local", "Local bit", Kind::Bool;
    RSP_STATE: "icmp.ext.echo.rsp.state", "State", Kind::UInt(8, Base::Dec);
    RSP_RES: "icmp.ext.echo.rsp.res", "Reserved", Kind::UInt(8, Base::Hex);
    RSP_ACTIVE: "icmp.ext.echo.rsp.active", "Active bit", Kind::Bool;
    RSP_IPV4: "icmp.ext.echo.rsp.ipv4", "IPv4 bit", Kind::Bool;
    RSP_IPV6: "icmp.ext.echo.rsp.ipv6", "IPv6 bit", Kind::Bool;
    EXT: "icmp.ext", "ICMP Extensions", Kind::Text;
    EXT_VERSION: "icmp.ext.version", "Version", Kind::UInt(8, Base::Dec);
    EXT_RES: "icmp.ext.res", "Reserved", Kind::UInt(16, Base::Hex);
    EXT_CHECKSUM: "icmp.ext.checksum", "Checksum", Kind::UInt(16, Base::Hex);
    EXT_CHECKSUM_STATUS: "icmp.ext.checksum.status", "Checksum Status", Kind::UInt(8, Base::Dec);
    EXT_LENGTH: "icmp.ext.length", "Length", Kind::UInt(16, Base::Dec);
    EXT_CLASS: "icmp.ext.class", "Class", Kind::UInt(8, Base::Dec);
    EXT_CTYPE: "icmp.ext.ctype", "C-Type", Kind::UInt(8, Base::Dec);
    INT_NAME: "icmp.int_ident.name", "Name", Kind::Str;
    INT_INDEX: "icmp.int_ident.index", "Interface Index", Kind::UInt(32, Base::Dec);
    INT_AFI: "icmp.int_ident.afi", "Address Family Identifier", Kind::UInt(16, Base::Dec);
    INT_ADDR_LENGTH: "icmp.int_ident.addr_length", "Address Length", Kind::UInt(8, Base::Dec);
    INT_RESERVED: "icmp.int_ident.reserved", "Reserved", Kind::Bytes;
    INT_IPV4: "icmp.int_ident.ipv4", "Address", Kind::Ipv4;
}

/// A number of seconds as Wireshark writes a duration: `30 minutes`, `1 hour, 1 second`.
fn duration(seconds: u32) -> String {
    if seconds == 0 {
        return "0 seconds".to_owned();
    }
    let parts = [
        (seconds / 86_400, "day"),
        (seconds / 3600 % 24, "hour"),
        (seconds / 60 % 60, "minute"),
        (seconds % 60, "second"),
    ];
    parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A router advertisement at `at`, `len` bytes long: the routers and their preference levels
/// (entries of 2 words; with entries of another size, the rest as data). Mobile IP's
/// extensions after them are not read.
pub(super) fn router_advertisement(b: &mut Builder, data: &[u8], at: usize, len: usize) {
    let byte = |i: usize| data.get(at + i).copied().unwrap_or(0);
    let (count, entry) = (byte(4), byte(5));
    b.field(&NUM_ADDRS, Value::UInt(u64::from(count)), (at + 4, 1));
    b.field(&ADDR_ENTRY_SIZE, Value::UInt(u64::from(entry)), (at + 5, 1));
    let lifetime = u16::from_be_bytes([byte(6), byte(7)]);
    b.add(
        &LIFETIME,
        Value::UInt(u64::from(lifetime)),
        (at + 6, 2),
        format_args!("Lifetime: {lifetime} ({})", duration(u32::from(lifetime))),
    );
    let end = (at + len).min(data.len());
    if entry != 2 {
        // Entries of another size are not read: the rest is data.
        if let Some(rest) = data.get(at + 8..end).filter(|rest| !rest.is_empty()) {
            super::data::build_nested(b, rest, at + 8);
        }
        return;
    }
    let mut offset = at + 8;
    for _ in 0..count {
        let Some(entry) = data.get(offset..offset + 8) else {
            break;
        };
        let router = Ipv4Addr::new(entry[0], entry[1], entry[2], entry[3]);
        b.add(
            &ROUTER_ADDRESS,
            Value::Ipv4(router),
            (offset, 4),
            format_args!("Router address: {router}"),
        );
        let level = i32::from_be_bytes([entry[4], entry[5], entry[6], entry[7]]);
        b.add(
            &PREF_LEVEL,
            Value::Int(i64::from(level)),
            (offset + 4, 4),
            format_args!("Preference level: {level}"),
        );
        offset += 8;
    }
}

/// One flag or field of a byte, as a bit line: `.... ...1 = Local bit: Set`.
pub(super) fn bits(
    b: &mut Builder,
    field: &'static Field,
    byte: u8,
    mask: u8,
    at: usize,
    text: &str,
) {
    let shift = mask.trailing_zeros();
    let value = u64::from((byte & mask) >> shift);
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

/// An extended echo request or reply at `at`, `len` bytes long, after its identifiers: the
/// sequence number, the request's local bit or the reply's state bits, then the request's
/// extension structure naming the probed interface.
pub(super) fn extended_echo(b: &mut Builder, data: &[u8], at: usize, len: usize) {
    let byte = |i: usize| data.get(at + i).copied().unwrap_or(0);
    let seq = byte(6);
    b.add(
        &EXT_SEQ,
        Value::UInt(u64::from(seq)),
        (at + 6, 1),
        format_args!("Sequence Number: {seq} (0x{seq:02x})"),
    );
    let flags = byte(7);
    let set = |mask: u8| if flags & mask != 0 { "Set" } else { "Not set" };
    if byte(0) == 42 {
        bits(
            b,
            &REQ_RES,
            flags,
            0xfe,
            at + 7,
            &hex(u64::from(flags >> 1), 8),
        );
        bits(b, &REQ_LOCAL, flags, 0x01, at + 7, set(0x01));
        let end = (at + len).min(data.len());
        if end >= at + 12 {
            extensions(b, data, at + 8, end);
        }
    } else {
        reply_bits(
            b,
            [&RSP_STATE, &RSP_RES, &RSP_ACTIVE, &RSP_IPV4, &RSP_IPV6],
            flags,
            at + 7,
        );
    }
}

/// An extended echo reply's flags byte at `at` (RFC 8335), as ICMP's and ICMPv6's `fields`
/// name them: the state, reserved bits, and the Active, IPv4 and IPv6 bits.
pub(super) fn reply_bits(b: &mut Builder, fields: [&'static Field; 5], flags: u8, at: usize) {
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
    let set = |mask: u8| if flags & mask != 0 { "Set" } else { "Not set" };
    let [state_field, reserved_field, active, ipv4, ipv6] = fields;
    let state = flags >> 5;
    let text = format!("{} ({state})", STATES[usize::from(state)]);
    bits(b, state_field, flags, 0xe0, at, &text);
    let reserved = format!("0x{:x}", (flags >> 3) & 3);
    bits(b, reserved_field, flags, 0x18, at, &reserved);
    bits(b, active, flags, 0x04, at, set(0x04));
    bits(b, ipv4, flags, 0x02, at, set(0x02));
    bits(b, ipv6, flags, 0x01, at, set(0x01));
}

/// An ICMP extension structure (RFC 4884) from `at` to `end`: its header with its checksum,
/// then, for version 2, its objects (the interface identification object of RFC 8335).
fn extensions(b: &mut Builder, data: &[u8], at: usize, end: usize) {
    let version = data[at] >> 4;
    let title = if version == 2 {
        "ICMP Multi-Part Extensions"
    } else {
        "ICMP Multi-Part Extensions (unsupported version)"
    };
    b.add(&EXT, Value::None, (at, end - at), title);
    b.open();
    b.field(&EXT_VERSION, Value::UInt(u64::from(version)), (at, 1));
    let reserved = u16::from_be_bytes([data[at], data[at + 1]]) & 0x0fff;
    b.add(
        &EXT_RES,
        Value::UInt(u64::from(reserved)),
        (at, 2),
        format_args!(
            "{}Reserved: 0x{reserved:03x}",
            bit_prefix(u64::from(reserved), 0x0fff, 16)
        ),
    );
    let structure = &data[at..end];
    let sum = u16::from_be_bytes([data[at + 2], data[at + 3]]);
    let fields = (&EXT_CHECKSUM, &EXT_CHECKSUM_STATUS);
    let verdict = (
        super::icmp::internet_checksum(structure) == 0,
        super::icmp::correct_checksum(structure),
    );
    super::icmp::checksum_lines(b, fields, "icmp.ext.checksum_bad", at, sum, Some(verdict));
    if version == 2 {
        let mut offset = at + 4;
        while offset + 4 <= end {
            let length = usize::from(u16::from_be_bytes([data[offset], data[offset + 1]]));
            if length < 4 || offset + length > end {
                break;
            }
            object(b, data, offset, length);
            offset += length;
        }
    }
    b.close();
}

/// One object of an extension structure at `at`, `len` bytes long: its header, and an
/// interface identification object's name, index or address.
fn object(b: &mut Builder, data: &[u8], at: usize, len: usize) {
    let (class, ctype) = (data[at + 2], data[at + 3]);
    let class_name = if class == 3 {
        "Interface Identification Object"
    } else {
        "Unknown object"
    };
    b.text(class_name, false);
    b.open();
    b.field(&EXT_LENGTH, Value::UInt(len as u64), (at, 2));
    b.add(
        &EXT_CLASS,
        Value::UInt(u64::from(class)),
        (at + 2, 1),
        format_args!("Class: {class_name} ({class})"),
    );
    let ctype_name = match (class, ctype) {
        (3, 1) => "Identifies Interface By Name",
        (3, 2) => "Identifies Interface By Index",
        (3, 3) => "Identifies Interface By Address",
        _ => "Unknown",
    };
    b.add(
        &EXT_CTYPE,
        Value::UInt(u64::from(ctype)),
        (at + 3, 1),
        format_args!("C-Type: {ctype} ({ctype_name})"),
    );
    let body = &data[at + 4..at + len];
    match (class, ctype) {
        (3, 1) => {
            let name: String = String::from_utf8_lossy(body)
                .trim_end_matches('\0')
                .to_owned();
            b.add(
                &INT_NAME,
                Value::Str(name.clone()),
                (at + 4, body.len()),
                format_args!("Name: {name}"),
            );
        }
        (3, 2) if body.len() >= 4 => {
            let index = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
            b.field(&INT_INDEX, Value::UInt(u64::from(index)), (at + 4, 4));
        }
        (3, 3) if body.len() >= 8 => {
            let afi = u16::from_be_bytes([body[0], body[1]]);
            let afi_name = match afi {
                1 => "IPv4",
                2 => "IPv6",
                _ => "Unknown",
            };
            b.add(
                &INT_AFI,
                Value::UInt(u64::from(afi)),
                (at + 4, 2),
                format_args!("Address Family Identifier: {afi_name} ({afi})"),
            );
            b.field(
                &INT_ADDR_LENGTH,
                Value::UInt(u64::from(body[2])),
                (at + 6, 1),
            );
            b.add(
                &INT_RESERVED,
                Value::Bytes,
                (at + 7, 1),
                format_args!("Reserved: {}", hex_bytes(&body[3..4])),
            );
            if afi == 1 {
                let address = Ipv4Addr::new(body[4], body[5], body[6], body[7]);
                b.add(
                    &INT_IPV4,
                    Value::Ipv4(address),
                    (at + 8, 4),
                    format_args!("Address: {address}"),
                );
            }
        }
        _ => {}
    }
    b.close();
}
