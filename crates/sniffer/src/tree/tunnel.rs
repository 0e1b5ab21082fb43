//! The tunnels' subtrees, as Wireshark 4.0 shows them: GRE (RFC 2784 and 2890, with PPTP's
//! enhanced header), ERSPAN types I, II and III, VXLAN (RFC 7348) and Geneve (RFC 8926).
//! What each carries is read by the layers after it (see `layers` in the parent module),
//! where `decode`'s `tunnel` module finds it.

use super::{bit_prefix, hex, Base, Builder, Field, Kind, Value};
pub(super) use crate::decode::tunnel::gre_header_len;
use crate::decode::tunnel::gre_is_ppp;

fields! {
    GRE: "gre", "Generic Routing Encapsulation", Kind::Protocol;
    GRE_FLAGS: "gre.flags_and_version", "Flags and Version", Kind::UInt(16, Base::Hex);
    GRE_CHECKSUM_BIT: "gre.flags.checksum", "Checksum Bit", Kind::Bool;
    GRE_ROUTING_BIT: "gre.flags.routing", "Routing Bit", Kind::Bool;
    GRE_KEY_BIT: "gre.flags.key", "Key Bit", Kind::Bool;
    GRE_SEQUENCE_BIT: "gre.flags.sequence_number", "Sequence Number Bit", Kind::Bool;
    GRE_STRICT_BIT: "gre.flags.strict_source_route", "Strict Source Route Bit", Kind::Bool;
    GRE_RECURSION: "gre.flags.recursion_control", "Recursion control", Kind::UInt(16, Base::Dec);
    GRE_ACK_BIT: "gre.flags.ack", "Acknowledgment", Kind::Bool;
    GRE_RESERVED: "gre.flags.reserved", "Flags (Reserved)", Kind::UInt(16, Base::Dec);
    GRE_VERSION: "gre.flags.version", "Version", Kind::UInt(16, Base::Dec);
    GRE_PROTO: "gre.proto", "Protocol Type", Kind::UInt(16, Base::Hex);
    GRE_CHECKSUM: "gre.checksum", "Checksum", Kind::UInt(16, Base::Hex);
    GRE_CHECKSUM_STATUS: "gre.checksum.status", "Checksum Status", Kind::UInt(8, Base::Dec);
    GRE_OFFSET: "gre.offset", "Offset", Kind::UInt(16, Base::Dec);
    GRE_KEY: "gre.key", "Key", Kind::UInt(32, Base::Hex);
    GRE_PAYLOAD_LENGTH: "gre.key.payload_length", "Payload Length", Kind::UInt(16, Base::Dec);
    GRE_CALL_ID: "gre.key.call_id", "Call ID", Kind::UInt(16, Base::Dec);
    GRE_SEQUENCE: "gre.sequence_number", "Sequence Number", Kind::UInt(32, Base::Dec);
    GRE_ACK: "gre.ack_number", "Acknowledgment Number", Kind::UInt(32, Base::Dec);
    GRE_ROUTING: "gre.routing", "Routing", Kind::Text;
    GRE_ROUTING_FAMILY: "gre.routing.address_family", "Address Family", Kind::UInt(16, Base::Dec);
    GRE_ROUTING_OFFSET: "gre.routing.sre_offset", "SRE Offset", Kind::UInt(8, Base::Dec);
    GRE_ROUTING_LENGTH: "gre.routing.src_length", "SRE Length", Kind::UInt(8, Base::Dec);
    GRE_ROUTING_INFORMATION: "gre.routing.information", "Routing Information", Kind::Bytes;
    ERSPAN: "erspan", "Encapsulated Remote Switch Packet ANalysis", Kind::Protocol;
    ERSPAN_VERSION: "erspan.version", "Version", Kind::UInt(16, Base::Dec);
    ERSPAN_VLAN: "erspan.vlan", "Vlan", Kind::UInt(16, Base::Dec);
    ERSPAN_COS: "erspan.cos", "COS", Kind::UInt(16, Base::Dec);
    ERSPAN_ENCAP: "erspan.encap", "Encap", Kind::UInt(16, Base::Dec);
    ERSPAN_BSO: "erspan.bso", "Bad/Short/Oversized", Kind::UInt(16, Base::Dec);
    ERSPAN_TRUNCATED: "erspan.truncated", "Truncated", Kind::UInt(16, Base::Dec);
    ERSPAN_SPANID: "erspan.spanid", "SpanID", Kind::UInt(16, Base::Dec);
    ERSPAN_RESERVED: "erspan.reserved", "Reserved", Kind::UInt(32, Base::Dec);
    ERSPAN_INDEX: "erspan.index", "Index", Kind::UInt(32, Base::Dec);
    ERSPAN_TIMESTAMP: "erspan.timestamp", "Timestamp", Kind::UInt(32, Base::Dec);
    ERSPAN_SGT: "erspan.sgt", "Security Group Tag", Kind::UInt(16, Base::Dec);
    ERSPAN_P: "erspan.p", "Has Ethernet PDU", Kind::UInt(16, Base::Dec);
    ERSPAN_FT: "erspan.ft", "Frame Type", Kind::UInt(16, Base::Dec);
    ERSPAN_HW: "erspan.hw", "Hardware ID", Kind::UInt(16, Base::Dec);
    ERSPAN_DIRECTION: "erspan.direction", "Direction", Kind::Bool;
    ERSPAN_GRA: "erspan.gra", "Timestamp granularity", Kind::UInt(16, Base::Dec);
    ERSPAN_O: "erspan.o", "Optional Sub headers", Kind::UInt(16, Base::Dec);
    ERSPAN_PLATID: "erspan.platid", "Platform ID", Kind::UInt(32, Base::Dec);
    ERSPAN_PID1_RSVD1: "erspan.pid1.rsvd1", "Reserved", Kind::UInt(32, Base::Dec);
    ERSPAN_PID1_VSMID: "erspan.pid1.vsmid", "VSM Domain ID", Kind::UInt(32, Base::Dec);
    ERSPAN_PID1_PORT: "erspan.pid1.port_index", "Port ID/Index", Kind::UInt(32, Base::Dec);
    ERSPAN_PID3_RSVD1: "erspan.pid3.rsvd1", "Reserved", Kind::UInt(32, Base::Dec);
    ERSPAN_PID3_PORT: "erspan.pid3.port_index", "Port ID/Index", Kind::UInt(32, Base::Dec);
    ERSPAN_PID3_TIMESTAMP: "erspan.pid3.timestamp", "Upper 32-bit Timestamp", Kind::UInt(32, Base::Dec);
    ERSPAN_PID4_RSVD1: "erspan.pid4.rsvd1", "Reserved", Kind::UInt(32, Base::Dec);
    ERSPAN_PID4_RSVD2: "erspan.pid4.rsvd2", "Reserved", Kind::UInt(32, Base::Dec);
    ERSPAN_PID4_RSVD3: "erspan.pid4.rsvd3", "Reserved", Kind::UInt(32, Base::Dec);
    ERSPAN_PID5_SWITCHID: "erspan.pid5.switchid", "Switch ID", Kind::UInt(32, Base::Dec);
    ERSPAN_PID5_PORT: "erspan.pid5.port_index", "Port ID/Index", Kind::UInt(32, Base::Dec);
    ERSPAN_PID5_TIMESTAMP: "erspan.pid5.timestamp", "Timestamp (seconds)", Kind::UInt(32, Base::Dec);
    ERSPAN_PID7_RSVD1: "erspan.pid7.rsvd1", "Reserved", Kind::UInt(32, Base::Dec);
    ERSPAN_PID7_SOURCE: "erspan.pid7.source_index", "Source Index", Kind::UInt(32, Base::Dec);
    ERSPAN_PID7_TIMESTAMP: "erspan.pid7.timestamp", "Upper 32-bit Timestamp", Kind::UInt(32, Base::Dec);
    ERSPAN_PID_RSVD: "erspan.pid.rsvd", "Reserved", Kind::UInt(64, Base::Dec);
    VXLAN: "vxlan", "Virtual eXtensible Local Area Network", Kind::Protocol;
    // VXLAN-GPE's flags, a byte, share the name; filters read the name as this field, as
    // Wireshark's do (`vxlan.flags == 0x0800` is too big for it).
    VXLAN_GPE_FLAGS: "vxlan.flags", "Flags", Kind::UInt(8, Base::Hex);
    VXLAN_FLAGS: "vxlan.flags", "Flags", Kind::UInt(16, Base::Hex);
    VXLAN_FLAG_G: "vxlan.flag_g", "GBP Extension", Kind::Bool;
    VXLAN_FLAG_I: "vxlan.flag_i", "VXLAN Network ID (VNI)", Kind::Bool;
    VXLAN_FLAG_D: "vxlan.flag_d", "Don't Learn", Kind::Bool;
    VXLAN_FLAG_A: "vxlan.flag_a", "Policy Applied", Kind::Bool;
    VXLAN_FLAGS_RESERVED: "vxlan.flags_reserved", "Reserved(R)", Kind::UInt(16, Base::Hex);
    VXLAN_GPE_FLAGS_RESERVED: "vxlan.flags_reserved", "Reserved(R)", Kind::UInt(8, Base::Dec);
    VXLAN_GPE_VERSION: "vxlan.ver", "Version", Kind::UInt(8, Base::Dec);
    VXLAN_GPE_INSTANCE: "vxlan.i_bit", "Instance", Kind::UInt(8, Base::Dec);
    VXLAN_GPE_P_BIT: "vxlan.p_bit", "Next Protocol Bit", Kind::UInt(8, Base::Dec);
    VXLAN_GPE_OAM: "vxlan.o_bit", "OAM bit", Kind::UInt(8, Base::Dec);
    VXLAN_GPE_RESERVED_16: "vxlan.reserved_16", "Reserved", Kind::UInt(16, Base::Dec);
    VXLAN_GPE_NEXT: "vxlan.next_proto", "Next Protocol", Kind::UInt(8, Base::Dec);
    VXLAN_GBP: "vxlan.gbp", "Group Policy ID", Kind::UInt(16, Base::Dec);
    VXLAN_VNI: "vxlan.vni", "VXLAN Network Identifier (VNI)", Kind::UInt(24, Base::Dec);
    VXLAN_RESERVED: "vxlan.reserved8", "Reserved", Kind::UInt(8, Base::Dec);
    GENEVE: "geneve", "Generic Network Virtualization Encapsulation", Kind::Protocol;
    GENEVE_VERSION: "geneve.version", "Version", Kind::UInt(8, Base::Dec);
    GENEVE_FLAGS: "geneve.flags", "Flags", Kind::UInt(8, Base::Hex);
    GENEVE_FLAG_OAM: "geneve.flags.oam", "Operations, Administration and Management Frame", Kind::Bool;
    GENEVE_FLAG_CRITICAL: "geneve.flags.critical", "Critical Options Present", Kind::Bool;
    GENEVE_FLAG_RESERVED: "geneve.flags.reserved", "Reserved", Kind::Bool;
    GENEVE_PROTO: "geneve.proto_type", "Protocol Type", Kind::UInt(16, Base::Hex);
    GENEVE_VNI: "geneve.vni", "Virtual Network Identifier (VNI)", Kind::UInt(24, Base::Hex);
    GENEVE_RESERVED: "geneve.reserved", "Reserved", Kind::UInt(8, Base::Hex);
    GENEVE_OPTIONS: "geneve.options", "Geneve Options", Kind::Bytes;
    GENEVE_OPTION: "geneve.option", "Option", Kind::Bytes;
    GENEVE_OPTION_CLASS: "geneve.option.class", "Class", Kind::UInt(16, Base::Hex);
    GENEVE_OPTION_TYPE: "geneve.option.type", "Type", Kind::UInt(8, Base::Hex);
    GENEVE_OPTION_CRITICAL: "geneve.option.type.critical", "Critical Option", Kind::Bool;
    GENEVE_OPTION_FLAGS: "geneve.option.flags", "Flags", Kind::UInt(8, Base::Hex);
    GENEVE_OPTION_FLAGS_RESERVED: "geneve.option.flags.reserved", "Reserved", Kind::Bool;
    GENEVE_OPTION_LENGTH: "geneve.option.length", "Length", Kind::UInt(8, Base::Dec);
    GENEVE_OPTION_DATA: "geneve.option.unknown.data", "Unknown Option Data", Kind::Bytes;
}

/// GRE's flags.
const GRE_C: u16 = 0x8000;
const GRE_R: u16 = 0x4000;
const GRE_K: u16 = 0x2000;
const GRE_S: u16 = 0x1000;
const GRE_A: u16 = 0x0080;

fn be16(data: &[u8], at: usize) -> u16 {
    data.get(at..at + 2)
        .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]))
}

fn be32(data: &[u8], at: usize) -> u32 {
    data.get(at..at + 4)
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn be24(data: &[u8], at: usize) -> u32 {
    data.get(at..at + 3)
        .map_or(0, |b| u32::from_be_bytes([0, b[0], b[1], b[2]]))
}

/// A field of `bits` bits read from `word` under `mask`, as a bit line: `.000 .... = Name:
/// text`.
fn masked(
    b: &mut Builder,
    field: &'static Field,
    (word, mask, bits): (u64, u64, u8),
    range: (usize, usize),
    text: impl std::fmt::Display,
) {
    let value = (word & mask) >> mask.trailing_zeros();
    let v = match field.kind {
        Kind::Bool => Value::Bool(value != 0),
        _ => Value::UInt(value),
    };
    b.add(
        field,
        v,
        range,
        format_args!("{}{}: {text}", bit_prefix(word, mask, bits), field.name),
    );
}

/// A bit field shown by its number alone.
fn number(b: &mut Builder, field: &'static Field, word: u64, mask: u64, bits: u8, at: usize) {
    let value = (word & mask) >> mask.trailing_zeros();
    masked(
        b,
        field,
        (word, mask, bits),
        (at, usize::from(bits / 8)),
        value,
    );
}

/// A bit field shown by its name in `names`, then its number.
fn named(
    b: &mut Builder,
    field: &'static Field,
    (word, mask, bits): (u64, u64, u8),
    at: usize,
    names: &[&str],
) {
    let value = (word & mask) >> mask.trailing_zeros();
    let name = usize::try_from(value)
        .ok()
        .and_then(|i| names.get(i))
        .copied()
        .unwrap_or("Unknown");
    let text = format!("{name} ({value})");
    masked(
        b,
        field,
        (word, mask, bits),
        (at, usize::from(bits / 8)),
        text,
    );
}

/// GRE's name of a protocol type, as its title gives it: `IP`, `0x1234 - unknown`.
fn gre_type_title(protocol: u16) -> String {
    match crate::timeline::gre_protocol_names::gre_protocol_name(protocol) {
        Some(name) => name.to_owned(),
        None => format!("0x{protocol:04X} - unknown"),
    }
}

/// Builds GRE's subtree for the header at `at`, its packet ending at `end` (as the IP
/// header says); `verifiable`: the packet was captured whole and is not a fragment, so its
/// checksum is checked. The fields the capture cut are left out by the caller.
pub(super) fn build_gre(b: &mut Builder, data: &[u8], at: usize, end: usize, verifiable: bool) {
    let flags = be16(data, at);
    let protocol = be16(data, at + 2);
    let ppp = gre_is_ppp(flags, protocol);
    let header = gre_header_len(data.get(at..).unwrap_or_default());
    b.add(
        &GRE,
        Value::None,
        (at, header.min(data.len().saturating_sub(at))),
        format_args!(
            "Generic Routing Encapsulation ({})",
            gre_type_title(protocol)
        ),
    );
    b.open();
    let word = u64::from(flags);
    b.add(
        &GRE_FLAGS,
        Value::UInt(word),
        (at, 2),
        format_args!("Flags and Version: {}", hex(word, 16)),
    );
    b.open();
    let yes_no = |set: bool| if set { "Yes" } else { "No" };
    for (field, mask) in [
        (&GRE_CHECKSUM_BIT, GRE_C),
        (&GRE_ROUTING_BIT, GRE_R),
        (&GRE_KEY_BIT, GRE_K),
        (&GRE_SEQUENCE_BIT, GRE_S),
        (&GRE_STRICT_BIT, 0x0800),
    ] {
        let text = yes_no(flags & mask != 0);
        masked(b, field, (word, u64::from(mask), 16), (at, 2), text);
    }
    number(b, &GRE_RECURSION, word, 0x0700, 16, at);
    if ppp {
        let text = yes_no(flags & GRE_A != 0);
        masked(b, &GRE_ACK_BIT, (word, u64::from(GRE_A), 16), (at, 2), text);
        number(b, &GRE_RESERVED, word, 0x0078, 16, at);
    } else {
        number(b, &GRE_RESERVED, word, 0x00f8, 16, at);
    }
    named(
        b,
        &GRE_VERSION,
        (word, 0x0007, 16),
        at,
        &["GRE", "Enhanced GRE"],
    );
    b.close();
    let name =
        crate::timeline::gre_protocol_names::gre_protocol_name(protocol).unwrap_or("Unknown");
    b.add(
        &GRE_PROTO,
        Value::UInt(u64::from(protocol)),
        (at + 2, 2),
        format_args!("Protocol Type: {name} (0x{protocol:04x})"),
    );
    let mut offset = at + 4;
    if flags & (GRE_C | GRE_R) != 0 {
        let sum = be16(data, offset);
        let verdict = (flags & GRE_C != 0 && verifiable).then(|| {
            let packet = data.get(at..end).unwrap_or_default();
            let mut zeroed = packet.to_vec();
            if let Some(field) = zeroed.get_mut(4..6) {
                field.fill(0);
            }
            (
                super::icmp::internet_checksum(packet) == 0,
                super::icmp::internet_checksum(&zeroed),
            )
        });
        gre_checksum(b, offset, sum, verdict);
        b.field(
            &GRE_OFFSET,
            Value::UInt(u64::from(be16(data, offset + 2))),
            (offset + 2, 2),
        );
        offset += 4;
    }
    if flags & GRE_K != 0 {
        if ppp && protocol != 0x8881 {
            let length = be16(data, offset);
            b.field(
                &GRE_PAYLOAD_LENGTH,
                Value::UInt(u64::from(length)),
                (offset, 2),
            );
            let call = be16(data, offset + 2);
            b.field(&GRE_CALL_ID, Value::UInt(u64::from(call)), (offset + 2, 2));
        } else {
            let key = u64::from(be32(data, offset));
            b.add(
                &GRE_KEY,
                Value::UInt(key),
                (offset, 4),
                format_args!("Key: {}", hex(key, 32)),
            );
        }
        offset += 4;
    }
    if flags & GRE_S != 0 {
        let seq = u64::from(be32(data, offset));
        b.field(&GRE_SEQUENCE, Value::UInt(seq), (offset, 4));
        offset += 4;
    }
    if ppp && flags & GRE_A != 0 {
        let ack = u64::from(be32(data, offset));
        b.field(&GRE_ACK, Value::UInt(ack), (offset, 4));
        offset += 4;
    }
    if flags & GRE_R != 0 {
        // Each source route entry; Wireshark adds its fields beside the entry's line, not
        // under it.
        // (None captured: Wireshark cannot add the entry at all.)
        while data.len() > offset {
            let family = be16(data, offset);
            let sre_len = data.get(offset + 3).copied().unwrap_or(0);
            let shown = (4 + usize::from(sre_len)).min(data.len().saturating_sub(offset));
            b.add(&GRE_ROUTING, Value::None, (offset, shown), "Routing");
            let family_value = Value::UInt(u64::from(family));
            b.field(&GRE_ROUTING_FAMILY, family_value, (offset, 2));
            let sre_offset = u64::from(data.get(offset + 2).copied().unwrap_or(0));
            b.field(
                &GRE_ROUTING_OFFSET,
                Value::UInt(sre_offset),
                (offset + 2, 1),
            );
            let length_value = Value::UInt(u64::from(sre_len));
            b.field(&GRE_ROUTING_LENGTH, length_value, (offset + 3, 1));
            offset += 4;
            if family == 0 && sre_len == 0 || data.len() < offset {
                break;
            }
            let len = usize::from(sre_len);
            let bytes = data.get(offset..offset + len).unwrap_or_default();
            b.add(
                &GRE_ROUTING_INFORMATION,
                Value::Bytes,
                (offset, len),
                format_args!("Routing Information: {}", super::hex_bytes(bytes)),
            );
            offset += len;
            if data.len() < offset {
                break;
            }
        }
    }
}

/// GRE's checksum line and its status; `verdict`: whether it is right and the value it
/// should have, when it was checked.
fn gre_checksum(b: &mut Builder, at: usize, sum: u16, verdict: Option<(bool, u16)>) {
    let sum_text = hex(u64::from(sum), 16);
    let (text, status, status_text) = match verdict {
        Some((true, _)) => (format!("{sum_text} [correct]"), 1, "Good"),
        Some((false, should)) => (
            format!(
                "{sum_text} incorrect, should be {}",
                hex(u64::from(should), 16)
            ),
            0,
            "Bad",
        ),
        None => (format!("{sum_text} [unverified]"), 2, "Unverified"),
    };
    b.add(
        &GRE_CHECKSUM,
        Value::UInt(u64::from(sum)),
        (at, 2),
        format_args!("Checksum: {text}"),
    );
    if let Some((false, should)) = verdict {
        let message = format!(
            "Incorrect GRE Checksum [should be {}]",
            hex(u64::from(should), 16)
        );
        b.expert("gre.checksum.incorrect", "Warning", "Protocol", &message);
    }
    b.add(
        &GRE_CHECKSUM_STATUS,
        Value::UInt(status),
        (at, 0),
        format_args!("Checksum Status: {status_text}"),
    )
    .generated = true;
}

/// The ERSPAN header of type I, which has none: the title alone.
pub(super) fn build_erspan_type_1(b: &mut Builder, at: usize) {
    b.add(
        &ERSPAN,
        Value::None,
        (at, 0),
        "Encapsulated Remote Switch Packet ANalysis Type I",
    );
}

/// The length of the ERSPAN header (type II or III) at the start of `bytes`.
pub(super) fn erspan_header_len(bytes: &[u8]) -> usize {
    match be16(bytes, 0) >> 12 {
        1 => 8,
        2 if be16(bytes, 10) & 1 != 0 => 20,
        2 => 12,
        _ => 2,
    }
}

/// Builds ERSPAN's subtree (type II or III) for the header at `at`, the frame it carries
/// ending at `end`.
pub(super) fn build_erspan(b: &mut Builder, data: &[u8], at: usize, end: usize) {
    let first = u64::from(be16(data, at));
    let version = first >> 12;
    let type_name = match version {
        1 => "Type II",
        2 => "Type III",
        _ => "Unknown",
    };
    // The version is added to the title once it is read.
    let title = if data.len() >= at + 2 { " " } else { "" };
    let type_name = if data.len() >= at + 2 { type_name } else { "" };
    b.add(
        &ERSPAN,
        Value::None,
        (at, end.saturating_sub(at)),
        format_args!("Encapsulated Remote Switch Packet ANalysis{title}{type_name}"),
    );
    b.open();
    let versions = ["", "Type II", "Type III"];
    let version_line = |b: &mut Builder| {
        let name = match version {
            1 | 2 => versions[version as usize],
            _ => "Unknown",
        };
        masked(
            b,
            &ERSPAN_VERSION,
            (first, 0xf000, 16),
            (at, 2),
            format!("{name} ({version})"),
        );
    };
    version_line(b);
    if !matches!(version, 1 | 2) {
        version_line(b);
        b.expert(
            "erspan.version.unknown",
            "Warning",
            "Protocol",
            "Unknown version, please report or test to use fake ERSPAN preference",
        );
        b.close();
        return;
    }
    number(b, &ERSPAN_VLAN, first, 0x0fff, 16, at);
    let second = u64::from(be16(data, at + 2));
    number(b, &ERSPAN_COS, second, 0xe000, 16, at + 2);
    if version == 1 {
        let encaps = [
            "Originally without VLAN tag",
            "Originally ISL encapsulated",
            "Originally 802.1Q encapsulated",
            "VLAN tag preserved in frame",
        ];
        named(b, &ERSPAN_ENCAP, (second, 0x1800, 16), at + 2, &encaps);
    } else {
        let integrity = [
            "Good or unknown integrity",
            "Short frame",
            "Oversized frame",
            "CRC or alignment error",
        ];
        named(b, &ERSPAN_BSO, (second, 0x1800, 16), at + 2, &integrity);
    }
    let truncated = ["Not truncated", "Truncated"];
    named(
        b,
        &ERSPAN_TRUNCATED,
        (second, 0x0400, 16),
        at + 2,
        &truncated,
    );
    number(b, &ERSPAN_SPANID, second, 0x03ff, 16, at + 2);
    let third = u64::from(be32(data, at + 4));
    if version == 1 {
        number(b, &ERSPAN_RESERVED, third, 0xfff0_0000, 32, at + 4);
        number(b, &ERSPAN_INDEX, third, 0x000f_ffff, 32, at + 4);
        b.close();
        return;
    }
    number(b, &ERSPAN_TIMESTAMP, third, 0xffff_ffff, 32, at + 4);
    let sgt = u64::from(be16(data, at + 8));
    number(b, &ERSPAN_SGT, sgt, 0xffff, 16, at + 8);
    let word = u64::from(be16(data, at + 10));
    number(b, &ERSPAN_P, word, 0x8000, 16, at + 10);
    named(
        b,
        &ERSPAN_FT,
        (word, 0x7c00, 16),
        at + 10,
        &["Ethernet", "", "IP"],
    );
    number(b, &ERSPAN_HW, word, 0x03f0, 16, at + 10);
    let direction = if word & 0x0008 != 0 {
        "Egress"
    } else {
        "Ingress"
    };
    masked(
        b,
        &ERSPAN_DIRECTION,
        (word, 0x0008, 16),
        (at + 10, 2),
        direction,
    );
    let granularity = [
        "100 microseconds",
        "100 nanoseconds",
        "IEEE 1588",
        "Custom granularity",
    ];
    named(b, &ERSPAN_GRA, (word, 0x0006, 16), at + 10, &granularity);
    number(b, &ERSPAN_O, word, 0x0001, 16, at + 10);
    if word & 1 != 0 {
        let (one, two) = (
            u64::from(be32(data, at + 12)),
            u64::from(be32(data, at + 16)),
        );
        number(b, &ERSPAN_PLATID, one, 0xfc00_0000, 32, at + 12);
        let all = 0xffff_ffff;
        let fields: &[(&'static Field, u64, u64, usize)] = match one >> 26 {
            1 => &[
                (&ERSPAN_PID1_RSVD1, one, 0x03ff_f000, 12),
                (&ERSPAN_PID1_VSMID, one, 0x0000_0fff, 12),
                (&ERSPAN_PID1_PORT, two, all, 16),
            ],
            3 => &[
                (&ERSPAN_PID3_RSVD1, one, 0x03ff_c000, 12),
                (&ERSPAN_PID3_PORT, one, 0x0000_3fff, 12),
                (&ERSPAN_PID3_TIMESTAMP, two, all, 16),
            ],
            4 => &[
                (&ERSPAN_PID4_RSVD1, one, 0x03ff_c000, 12),
                (&ERSPAN_PID4_RSVD2, one, 0x0000_3fff, 12),
                (&ERSPAN_PID4_RSVD3, two, all, 16),
            ],
            5 | 6 => &[
                (&ERSPAN_PID5_SWITCHID, one, 0x03ff_0000, 12),
                (&ERSPAN_PID5_PORT, one, 0x0000_ffff, 12),
                (&ERSPAN_PID5_TIMESTAMP, two, all, 16),
            ],
            0 | 7 => &[
                (&ERSPAN_PID7_RSVD1, one, 0x03f0_0000, 12),
                (&ERSPAN_PID7_SOURCE, one, 0x000f_ffff, 12),
                (&ERSPAN_PID7_TIMESTAMP, two, all, 16),
            ],
            _ => &[],
        };
        for &(field, word, mask, offset) in fields {
            number(b, field, word, mask, 32, at + offset);
        }
        if fields.is_empty() {
            let both = (one << 32) | two;
            let value = both & 0x03ff_ffff;
            masked(
                b,
                &ERSPAN_PID_RSVD,
                (both, 0x03ff_ffff, 64),
                (at + 12, 8),
                value,
            );
        }
    }
    b.close();
}

/// Builds VXLAN's subtree for the header at `at`.
pub(super) fn build_vxlan(b: &mut Builder, data: &[u8], at: usize) {
    b.add(
        &VXLAN,
        Value::None,
        (at, 8),
        "Virtual eXtensible Local Area Network",
    );
    b.open();
    let flags = u64::from(be16(data, at));
    let named_flags = [
        (&VXLAN_FLAG_G, 0x8000),
        (&VXLAN_FLAG_I, 0x0800),
        (&VXLAN_FLAG_D, 0x0040),
        (&VXLAN_FLAG_A, 0x0008),
    ];
    let mut title = format!("Flags: {}", hex(flags, 16));
    for (field, mask) in named_flags {
        if flags & mask != 0 {
            title.push_str(", ");
            title.push_str(field.name);
        }
    }
    b.add(&VXLAN_FLAGS, Value::UInt(flags), (at, 2), title);
    b.open();
    for (field, mask) in named_flags {
        let set = flags & mask != 0;
        let text = match (mask, set) {
            (0x8000, true) => "Defined",
            (0x8000, false) => "Not defined",
            (_, true) => "True",
            (_, false) => "False",
        };
        masked(b, field, (flags, mask, 16), (at, 2), text);
    }
    let reserved = flags & 0x77b7;
    masked(
        b,
        &VXLAN_FLAGS_RESERVED,
        (flags, 0x77b7, 16),
        (at, 2),
        hex(reserved, 16),
    );
    b.close();
    let gbp = u64::from(be16(data, at + 2));
    b.field(&VXLAN_GBP, Value::UInt(gbp), (at + 2, 2));
    let vni = u64::from(be24(data, at + 4));
    b.field(&VXLAN_VNI, Value::UInt(vni), (at + 4, 3));
    let reserved = data.get(at + 7).copied().unwrap_or(0);
    b.field(
        &VXLAN_RESERVED,
        Value::UInt(u64::from(reserved)),
        (at + 7, 1),
    );
    b.close();
}

/// Builds VXLAN-GPE's subtree for the header at `at` (UDP port 4790).
pub(super) fn build_vxlan_gpe(b: &mut Builder, data: &[u8], at: usize) {
    b.add(
        &VXLAN,
        Value::None,
        (at, 8),
        "Virtual eXtensible Local Area Network",
    );
    b.open();
    let flags = u64::from(data.get(at).copied().unwrap_or(0));
    b.add(
        &VXLAN_GPE_FLAGS,
        Value::UInt(flags),
        (at, 1),
        format_args!("Flags: {}", hex(flags, 8)),
    );
    b.open();
    for (field, mask) in [
        (&VXLAN_GPE_VERSION, 0x30),
        (&VXLAN_GPE_INSTANCE, 0x08),
        (&VXLAN_GPE_P_BIT, 0x04),
        (&VXLAN_GPE_OAM, 0x01),
        (&VXLAN_GPE_FLAGS_RESERVED, 0xc2),
    ] {
        number(b, field, flags, mask, 8, at);
    }
    b.close();
    let reserved = u64::from(be16(data, at + 1));
    b.field(&VXLAN_GPE_RESERVED_16, Value::UInt(reserved), (at + 1, 2));
    let next = data.get(at + 3).copied().unwrap_or(0);
    let name = match next {
        1 => "IPv4",
        2 => "IPv6",
        3 => "Ethernet",
        4 => "Network Service Header",
        5 => "MPLS",
        _ => "Unknown",
    };
    b.add(
        &VXLAN_GPE_NEXT,
        Value::UInt(u64::from(next)),
        (at + 3, 1),
        format_args!("Next Protocol: {name} ({next})"),
    );
    let vni = u64::from(be24(data, at + 4));
    b.field(&VXLAN_VNI, Value::UInt(vni), (at + 4, 3));
    let reserved = data.get(at + 7).copied().unwrap_or(0);
    b.field(
        &VXLAN_RESERVED,
        Value::UInt(u64::from(reserved)),
        (at + 7, 1),
    );
    b.close();
}

/// The length of the Geneve header at the start of `bytes`, its options included.
pub(super) fn geneve_header_len(bytes: &[u8]) -> usize {
    8 + usize::from(bytes.first().map_or(0, |b| b & 0x3f)) * 4
}

/// Builds Geneve's subtree for the header at `at`.
pub(super) fn build_geneve(b: &mut Builder, data: &[u8], at: usize) {
    let first = data.get(at).copied().unwrap_or(0);
    let flags = data.get(at + 1).copied().unwrap_or(0);
    let version = first >> 6;
    let options = usize::from(first & 0x3f) * 4;
    let vni = be24(data, at + 4);
    let oam = if flags & 0x80 != 0 { ", OAM" } else { "" };
    // The VNI is added to the title once it is read.
    if data.len() >= at + 7 {
        b.add(
            &GENEVE,
            Value::None,
            (at, 8 + options),
            format_args!("Generic Network Virtualization Encapsulation, VNI: 0x{vni:06x}{oam}"),
        );
    } else {
        b.add(
            &GENEVE,
            Value::None,
            (at, 8 + options),
            "Generic Network Virtualization Encapsulation",
        );
    }
    b.open();
    b.field(&GENEVE_VERSION, Value::UInt(u64::from(version)), (at, 1));
    if version != 0 {
        b.expert_here(
            &super::TEXT,
            "geneve.version.unknown",
            "Warning",
            "Protocol",
            &format!("Unknown version {version}"),
        );
    }
    b.add(
        &GENEVE_OPTION_LENGTH,
        Value::UInt(options as u64),
        (at, 1),
        format_args!("Length: {}", super::bytes_text(options)),
    );
    let word = u64::from(flags);
    let flag_fields = [
        (&GENEVE_FLAG_OAM, 0x80),
        (&GENEVE_FLAG_CRITICAL, 0x40),
        (&GENEVE_FLAG_RESERVED, 0x3f),
    ];
    let mut title = format!("Flags: {}", hex(word, 8));
    for (field, mask) in flag_fields {
        if word & mask != 0 {
            title.push_str(", ");
            title.push_str(field.name);
        }
    }
    b.add(&GENEVE_FLAGS, Value::UInt(word), (at + 1, 1), title);
    b.open();
    for (field, mask) in flag_fields {
        let text = if word & mask != 0 { "True" } else { "False" };
        masked(b, field, (word, mask, 8), (at + 1, 1), text);
    }
    b.close();
    let protocol = be16(data, at + 2);
    let name = crate::timeline::ethertype_names::ethertype_name(protocol).unwrap_or("Unknown");
    b.add(
        &GENEVE_PROTO,
        Value::UInt(u64::from(protocol)),
        (at + 2, 2),
        format_args!("Protocol Type: {name} (0x{protocol:04x})"),
    );
    b.add(
        &GENEVE_VNI,
        Value::UInt(u64::from(vni)),
        (at + 4, 3),
        format_args!("Virtual Network Identifier (VNI): 0x{vni:06x} ({vni})"),
    );
    let reserved = data.get(at + 7).copied().unwrap_or(0);
    let line = b.add(
        &GENEVE_RESERVED,
        Value::UInt(u64::from(reserved)),
        (at + 7, 1),
        format_args!("Reserved: {}", hex(u64::from(reserved), 8)),
    );
    line.hidden = reserved == 0;
    if options > 0 {
        geneve_options(b, data, at + 8, options);
    }
    b.close();
}

/// The names Geneve gives option classes.
fn option_class_name(class: u16) -> &'static str {
    match class {
        0..=0xff => "Standard",
        0x0100 => "Linux",
        0x0101 => "Open vSwitch",
        0x0102 => "Open Virtual Networking (OVN)",
        0x0103 => "In-band Network Telemetry (INT)",
        0x0104 => "VMware",
        0x0105 | 0x0108..=0x0110 => "Amazon.com, Inc.",
        0x0106 | 0x0130..=0x0131 => "Cisco Systems, Inc.",
        0x0107 => "Oracle Corporation",
        0x0111..=0x0118 => "IBM",
        0x0119..=0x0128 => "Ericsson",
        0x0129 => "Oxide Computer Company",
        0x0132..=0x0135 => "Google LLC",
        0x0136 => "InfoQuick Global Connection Tech Ltd.",
        0x0137..=0xfeff => "Unassigned",
        0xfff0..=0xffff => "Experimental",
        _ => "Unknown",
    }
}

/// Geneve's options, `len` bytes at `at`.
fn geneve_options(b: &mut Builder, data: &[u8], mut at: usize, mut len: usize) {
    b.add(
        &GENEVE_OPTIONS,
        Value::Bytes,
        (at, len),
        format_args!("Options: ({len} bytes)"),
    );
    b.open();
    while len > 0 {
        let class = be16(data, at);
        let kind = data.get(at + 2).copied().unwrap_or(0);
        let option_len = 4 + usize::from(data.get(at + 3).copied().unwrap_or(0) & 0x1f) * 4;
        let name = format!(
            "Unknown, Class: {} (0x{class:04x}) Type: 0x{kind:02x}",
            option_class_name(class)
        );
        if option_len > len {
            b.expert_here(
                &super::TEXT,
                "geneve.option.length.invalid",
                "Warning",
                "Protocol",
                &format!("{name} (length of {option_len} is past end of options)"),
            );
            break;
        }
        let critical = if kind & 0x80 != 0 {
            "Critical"
        } else {
            "Non-critical"
        };
        b.add(
            &GENEVE_OPTION,
            Value::Bytes,
            (at, option_len),
            format_args!("{name} ({critical})"),
        );
        b.open();
        b.add(
            &GENEVE_OPTION_CLASS,
            Value::UInt(u64::from(class)),
            (at, 2),
            format_args!("Class: {} (0x{class:04x})", option_class_name(class)),
        );
        b.add(
            &GENEVE_OPTION_TYPE,
            Value::UInt(u64::from(kind)),
            (at + 2, 1),
            format_args!("Type: 0x{kind:02x} ({critical})"),
        );
        b.hidden(
            &GENEVE_OPTION_CRITICAL,
            Value::Bool(kind & 0x80 != 0),
            (at + 2, 1),
        );
        let byte = data.get(at + 3).copied().unwrap_or(0);
        let flags = byte >> 5;
        let rsvd = if flags != 0 { " (RSVD)" } else { "" };
        let line = b.add(
            &GENEVE_OPTION_FLAGS,
            Value::UInt(u64::from(flags)),
            (at + 3, 1),
            format_args!("Flags: {}{rsvd}", hex(u64::from(flags), 8)),
        );
        line.hidden = flags == 0;
        b.open();
        let set = if byte & 0xe0 != 0 { "True" } else { "False" };
        masked(
            b,
            &GENEVE_OPTION_FLAGS_RESERVED,
            (u64::from(byte), 0xe0, 8),
            (at + 3, 1),
            set,
        );
        if flags == 0 {
            if let Some(node) = b.last_node() {
                node.hidden = true;
            }
        }
        b.close();
        b.add(
            &GENEVE_OPTION_LENGTH,
            Value::UInt(option_len as u64),
            (at + 3, 1),
            format_args!("Length: {}", super::bytes_text(option_len)),
        );
        let bytes = data.get(at + 4..at + option_len).unwrap_or_default();
        let shown = if bytes.is_empty() {
            "<MISSING>".to_owned()
        } else {
            super::shown_bytes(bytes)
        };
        b.add(
            &GENEVE_OPTION_DATA,
            Value::Bytes,
            (at + 4, option_len - 4),
            format_args!("Unknown Option Data: {shown}"),
        );
        b.close();
        at += option_len;
        len -= option_len;
    }
    b.close();
}
