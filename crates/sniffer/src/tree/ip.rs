//! IPv4's and IPv6's subtrees (IPv6: the fixed header).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{bit_prefix, hex, Base, Builder, Field, Kind, Value};
use crate::timeline::ip_proto_names::ip_proto_name;

fields! {
    IP: "ip", "Internet Protocol Version 4", Kind::Protocol;
    VERSION: "ip.version", "Version", Kind::UInt(8, Base::Dec);
    HDR_LEN: "ip.hdr_len", "Header Length", Kind::UInt(8, Base::Dec);
    DSFIELD: "ip.dsfield", "Differentiated Services Field", Kind::UInt(8, Base::Hex);
    DSCP: "ip.dsfield.dscp", "Differentiated Services Codepoint", Kind::UInt(8, Base::Dec);
    ECN: "ip.dsfield.ecn", "Explicit Congestion Notification", Kind::UInt(8, Base::Dec);
    LEN: "ip.len", "Total Length", Kind::UInt(16, Base::Dec);
    ID: "ip.id", "Identification", Kind::UInt(16, Base::Hex);
    FLAGS: "ip.flags", "Flags", Kind::UInt(8, Base::Hex);
    FLAG_RB: "ip.flags.rb", "Reserved bit", Kind::Bool;
    FLAG_DF: "ip.flags.df", "Don't fragment", Kind::Bool;
    FLAG_MF: "ip.flags.mf", "More fragments", Kind::Bool;
    FRAG_OFFSET: "ip.frag_offset", "Fragment Offset", Kind::UInt(16, Base::Dec);
    TTL: "ip.ttl", "Time to Live", Kind::UInt(8, Base::Dec);
    PROTO: "ip.proto", "Protocol", Kind::UInt(8, Base::Dec);
    CHECKSUM: "ip.checksum", "Header Checksum", Kind::UInt(16, Base::Hex);
    CHECKSUM_STATUS: "ip.checksum.status", "Header checksum status", Kind::UInt(8, Base::Dec);
    SRC: "ip.src", "Source Address", Kind::Ipv4;
    DST: "ip.dst", "Destination Address", Kind::Ipv4;
    ADDR: "ip.addr", "Source or Destination Address", Kind::Ipv4;
    SRC_HOST: "ip.src_host", "Source Host", Kind::Str;
    DST_HOST: "ip.dst_host", "Destination Host", Kind::Str;
    HOST: "ip.host", "Source or Destination Host", Kind::Str;
    IPV6: "ipv6", "Internet Protocol Version 6", Kind::Protocol;
    V6_VERSION: "ipv6.version", "Version", Kind::UInt(8, Base::Dec);
    FRAGMENTS: "ip.fragments", "IPv4 Fragments", Kind::Bytes;
    FRAGMENT: "ip.fragment", "IPv4 Fragment", Kind::FrameNum;
    FRAGMENT_COUNT: "ip.fragment.count", "Fragment count", Kind::UInt(32, Base::Dec);
    REASSEMBLED_LENGTH: "ip.reassembled.length", "Reassembled IPv4 length", Kind::UInt(32, Base::Dec);
    REASSEMBLED_DATA: "ip.reassembled.data", "Reassembled IPv4 data", Kind::Bytes;
    HOPOPTS: "ipv6.hopopts", "IPv6 Hop-by-Hop Option", Kind::Protocol;
    HOPOPTS_NXT: "ipv6.hopopts.nxt", "Next Header", Kind::UInt(8, Base::Dec);
    HOPOPTS_LEN: "ipv6.hopopts.len", "Length", Kind::UInt(8, Base::Dec);
    HOPOPTS_LEN_OCT: "ipv6.hopopts.len_oct", "Length", Kind::UInt(16, Base::Dec);
    DSTOPTS: "ipv6.dstopts", "Destination Options for IPv6", Kind::Protocol;
    DSTOPTS_NXT: "ipv6.dstopts.nxt", "Next Header", Kind::UInt(8, Base::Dec);
    DSTOPTS_LEN: "ipv6.dstopts.len", "Length", Kind::UInt(8, Base::Dec);
    DSTOPTS_LEN_OCT: "ipv6.dstopts.len_oct", "Length", Kind::UInt(16, Base::Dec);
    OPT: "ipv6.opt", "IPv6 Option", Kind::Text;
    OPT_TYPE: "ipv6.opt.type", "Type", Kind::UInt(8, Base::Hex);
    OPT_TYPE_ACTION: "ipv6.opt.type.action", "Action", Kind::UInt(8, Base::Dec);
    OPT_TYPE_CHANGE: "ipv6.opt.type.change", "May Change", Kind::Bool;
    OPT_TYPE_REST: "ipv6.opt.type.rest", "Low-Order Bits", Kind::UInt(8, Base::Hex);
    OPT_LENGTH: "ipv6.opt.length", "Length", Kind::UInt(8, Base::Dec);
    OPT_PADN: "ipv6.opt.padn", "PadN", Kind::Bytes;
    OPT_ROUTER_ALERT: "ipv6.opt.router_alert", "Router Alert", Kind::UInt(16, Base::Dec);
    OPT_JUMBO: "ipv6.opt.jumbo", "Payload Length", Kind::UInt(32, Base::Dec);
    OPT_UNKNOWN_DATA: "ipv6.opt_unknown_data", "Unknown Data", Kind::Bytes;
    OPT_PMTU_MIN: "ipv6.opt.pmtu.min", "Minimum Reported PMTU", Kind::UInt(16, Base::Dec);
    OPT_PMTU_RTN: "ipv6.opt.pmtu.rtn", "Return Minimum PMTU", Kind::UInt(16, Base::Dec);
    OPT_PMTU_R: "ipv6.opt.pmtu.r_flag", "Return Flag", Kind::Bool;
    ROUTING: "ipv6.routing", "Routing Header for IPv6", Kind::Protocol;
    ROUTING_NXT: "ipv6.routing.nxt", "Next Header", Kind::UInt(8, Base::Dec);
    ROUTING_LEN: "ipv6.routing.len", "Length", Kind::UInt(8, Base::Dec);
    ROUTING_LEN_OCT: "ipv6.routing.len_oct", "Length", Kind::UInt(16, Base::Dec);
    ROUTING_TYPE: "ipv6.routing.type", "Type", Kind::UInt(8, Base::Dec);
    ROUTING_SEGLEFT: "ipv6.routing.segleft", "Segments Left", Kind::UInt(8, Base::Dec);
    ROUTING_RESERVED: "ipv6.routing.src.reserved", "Reserved", Kind::Bytes;
    ROUTING_ADDR: "ipv6.routing.src.addr", "Address", Kind::Ipv6;
    MIPV6_RESERVED: "ipv6.routing.mipv6.reserved", "Reserved", Kind::Bytes;
    MIPV6_HOME: "ipv6.routing.mipv6.home_address", "Home Address", Kind::Ipv6;
    SRH_LAST: "ipv6.routing.srh.last_entry", "Last Entry", Kind::UInt(8, Base::Dec);
    SRH_FLAGS: "ipv6.routing.srh.flags", "Flags", Kind::UInt(8, Base::Hex);
    SRH_TAG: "ipv6.routing.srh.tag", "Tag", Kind::Bytes;
    SRH_ADDR: "ipv6.routing.srh.addr", "Address", Kind::Ipv6;
    RPL_CMPRI: "ipv6.routing.rpl.cmprI", "Compressed Internal Octets (CmprI)", Kind::UInt(32, Base::Dec);
    RPL_CMPRE: "ipv6.routing.rpl.cmprE", "Compressed Final Octets (CmprE)", Kind::UInt(32, Base::Dec);
    RPL_PAD: "ipv6.routing.rpl.pad", "Padding Bytes", Kind::UInt(32, Base::Dec);
    RPL_RESERVED: "ipv6.routing.rpl.reserved", "Reserved", Kind::UInt(32, Base::Dec);
    RPL_COUNT: "ipv6.routing.rpl.addr_count", "Total Address Count", Kind::UInt(8, Base::Dec);
    RPL_ADDRESS: "ipv6.routing.rpl.address", "Address", Kind::Bytes;
    RPL_FULL_ADDRESS: "ipv6.routing.rpl.full_address", "Address", Kind::Ipv6;
    FRAGHDR: "ipv6.fraghdr", "Fragment Header for IPv6", Kind::Protocol;
    FRAGHDR_NXT: "ipv6.fraghdr.nxt", "Next header", Kind::UInt(8, Base::Dec);
    FRAGHDR_RESERVED_OCTET: "ipv6.fraghdr.reserved_octet", "Reserved octet", Kind::UInt(8, Base::Hex);
    FRAGHDR_OFFSET: "ipv6.fraghdr.offset", "Offset", Kind::UInt(16, Base::Dec);
    FRAGHDR_RESERVED_BITS: "ipv6.fraghdr.reserved_bits", "Reserved bits", Kind::UInt(16, Base::Dec);
    FRAGHDR_MORE: "ipv6.fraghdr.more", "More Fragments", Kind::Bool;
    FRAGHDR_IDENT: "ipv6.fraghdr.ident", "Identification", Kind::UInt(32, Base::Hex);
    V6_FRAGMENTS: "ipv6.fragments", "IPv6 Fragments", Kind::Text;
    V6_FRAGMENT: "ipv6.fragment", "IPv6 Fragment", Kind::FrameNum;
    V6_FRAGMENT_COUNT: "ipv6.fragment.count", "Fragment count", Kind::UInt(32, Base::Dec);
    V6_REASSEMBLED_LENGTH: "ipv6.reassembled.length", "Reassembled IPv6 length", Kind::UInt(32, Base::Dec);
    V6_REASSEMBLED_DATA: "ipv6.reassembled.data", "Reassembled IPv6 data", Kind::Bytes;
    // IPv6's own registration of `ip.version` (hidden), so that the filter covers both.
    V6_IP_VERSION: "ip.version", "Version", Kind::UInt(8, Base::Dec);
    V6_TCLASS: "ipv6.tclass", "Traffic Class", Kind::UInt(32, Base::Hex);
    V6_DSCP: "ipv6.tclass.dscp", "Differentiated Services Codepoint", Kind::UInt(32, Base::Dec);
    V6_ECN: "ipv6.tclass.ecn", "Explicit Congestion Notification", Kind::UInt(32, Base::Dec);
    V6_FLOW: "ipv6.flow", "Flow Label", Kind::UInt(24, Base::Hex);
    V6_PLEN: "ipv6.plen", "Payload Length", Kind::UInt(16, Base::Dec);
    V6_NXT: "ipv6.nxt", "Next Header", Kind::UInt(8, Base::Dec);
    V6_HLIM: "ipv6.hlim", "Hop Limit", Kind::UInt(8, Base::Dec);
    V6_SRC: "ipv6.src", "Source Address", Kind::Ipv6;
    V6_DST: "ipv6.dst", "Destination Address", Kind::Ipv6;
    V6_ADDR: "ipv6.addr", "Source or Destination Address", Kind::Ipv6;
    V6_SRC_HOST: "ipv6.src_host", "Source Host", Kind::Str;
    V6_DST_HOST: "ipv6.dst_host", "Destination Host", Kind::Str;
    V6_HOST: "ipv6.host", "Source or Destination Host", Kind::Str;
}

/// A Differentiated Services codepoint's name, long and short (`Default`, `CS0`).
fn dscp_names(dscp: u8) -> (&'static str, &'static str) {
    match dscp {
        0 => ("Default", "CS0"),
        1 => ("Lower Effort", "LE"),
        8 => ("Class Selector 1", "CS1"),
        10 => ("Assured Forwarding 11", "AF11"),
        12 => ("Assured Forwarding 12", "AF12"),
        14 => ("Assured Forwarding 13", "AF13"),
        16 => ("Class Selector 2", "CS2"),
        18 => ("Assured Forwarding 21", "AF21"),
        20 => ("Assured Forwarding 22", "AF22"),
        22 => ("Assured Forwarding 23", "AF23"),
        24 => ("Class Selector 3", "CS3"),
        26 => ("Assured Forwarding 31", "AF31"),
        28 => ("Assured Forwarding 32", "AF32"),
        30 => ("Assured Forwarding 33", "AF33"),
        32 => ("Class Selector 4", "CS4"),
        34 => ("Assured Forwarding 41", "AF41"),
        36 => ("Assured Forwarding 42", "AF42"),
        38 => ("Assured Forwarding 43", "AF43"),
        40 => ("Class Selector 5", "CS5"),
        44 => ("Voice Admit", "VA"),
        46 => ("Expedited Forwarding", "EF"),
        48 => ("Class Selector 6", "CS6"),
        56 => ("Class Selector 7", "CS7"),
        _ => ("Unknown", "Unknown"),
    }
}

/// An ECN codepoint's name, long and short.
fn ecn_names(ecn: u8) -> (&'static str, &'static str) {
    match ecn & 3 {
        0 => ("Not ECN-Capable Transport", "Not-ECT"),
        1 => ("ECN-Capable Transport codepoint '01'", "ECT(1)"),
        2 => ("ECN-Capable Transport codepoint '10'", "ECT(0)"),
        _ => ("Congestion Experienced", "CE"),
    }
}

fn be16(data: &[u8], at: usize) -> u16 {
    data.get(at..at + 2)
        .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]))
}

/// Builds IPv4's subtree for the header at `at`.
pub(super) fn build_v4(
    b: &mut Builder,
    data: &[u8],
    at: usize,
    reassembled: Option<&super::Reassembled>,
    wire_len: Option<usize>,
) {
    let byte = |i: usize| data.get(at + i).copied().unwrap_or(0);
    let addr = |i: usize| {
        data.get(at + i..at + i + 4)
            .map_or(Ipv4Addr::UNSPECIFIED, |a| {
                Ipv4Addr::new(a[0], a[1], a[2], a[3])
            })
    };
    let (src, dst) = (addr(12), addr(16));
    let header_len = usize::from(byte(0) & 0x0f) * 4;
    b.add(
        &IP,
        Value::None,
        (at, header_len),
        format_args!("Internet Protocol Version 4, Src: {src}, Dst: {dst}"),
    );
    b.open();
    version_and_length(b, byte(0), at);
    let tos = byte(1);
    let (dscp, ecn) = (tos >> 2, tos & 3);
    b.add(
        &DSFIELD,
        Value::UInt(u64::from(tos)),
        (at + 1, 1),
        format_args!(
            "Differentiated Services Field: 0x{tos:02x} (DSCP: {}, ECN: {})",
            dscp_names(dscp).1,
            ecn_names(ecn).1
        ),
    );
    b.open();
    b.add(
        &DSCP,
        Value::UInt(u64::from(dscp)),
        (at + 1, 1),
        format_args!(
            "{}Differentiated Services Codepoint: {} ({dscp})",
            bit_prefix(u64::from(tos), 0xfc, 8),
            dscp_names(dscp).0
        ),
    );
    b.add(
        &ECN,
        Value::UInt(u64::from(ecn)),
        (at + 1, 1),
        format_args!(
            "{}Explicit Congestion Notification: {} ({ecn})",
            bit_prefix(u64::from(tos), 0x03, 8),
            ecn_names(ecn).0
        ),
    );
    b.close();
    b.field(
        &LEN,
        Value::UInt(u64::from(be16(data, at + 2))),
        (at + 2, 2),
    );
    // A total length past what the frame carries (not in an ICMP error's quote).
    let total = usize::from(be16(data, at + 2));
    if let Some(left) = wire_len.map(|wire| wire.saturating_sub(at)) {
        if total > left {
            b.expert(
                "ip.bogus_ip_length",
                "Error",
                "Protocol",
                &format!("IPv4 total length exceeds packet length ({left} bytes)"),
            );
        }
    }
    let id = be16(data, at + 4);
    b.add(
        &ID,
        Value::UInt(u64::from(id)),
        (at + 4, 2),
        format_args!("Identification: 0x{id:04x} ({id})"),
    );
    let flags_offset = be16(data, at + 6);
    let flags = flags_offset >> 13;
    let top = u64::from(flags_offset >> 8);
    let flags_label = super::Lazy(|| {
        let names: Vec<&str> = [
            (4, "Reserved bit"),
            (2, "Don't fragment"),
            (1, "More fragments"),
        ]
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| *name)
        .collect();
        if names.is_empty() {
            format!("{}Flags: 0x{flags:x}", bit_prefix(top, 0xe0, 8))
        } else {
            format!(
                "{}Flags: 0x{flags:x}, {}",
                bit_prefix(top, 0xe0, 8),
                names.join(", ")
            )
        }
    });
    b.add(
        &FLAGS,
        Value::UInt(u64::from(flags)),
        (at + 6, 1),
        flags_label,
    );
    b.open();
    for (field, mask) in [(&FLAG_RB, 0x80), (&FLAG_DF, 0x40), (&FLAG_MF, 0x20)] {
        let set = top & mask != 0;
        b.add(
            field,
            Value::Bool(set),
            (at + 6, 1),
            format_args!(
                "{}{}: {}",
                bit_prefix(top, mask, 8),
                field.name,
                if set { "Set" } else { "Not set" }
            ),
        );
    }
    b.close();
    let offset = u64::from(flags_offset & 0x1fff);
    b.add(
        &FRAG_OFFSET,
        // The field holds 8-byte units; its line shows bytes.
        Value::UInt(offset),
        (at + 6, 2),
        format_args!(
            "{}Fragment Offset: {}",
            bit_prefix(u64::from(flags_offset), 0x1fff, 16),
            offset * 8
        ),
    );
    b.field(&TTL, Value::UInt(u64::from(byte(8))), (at + 8, 1));
    let proto = byte(9);
    if let Some((abbrev, note)) = ttl_note(byte(8), proto, dst) {
        b.expert(abbrev, "Note", "Sequence", &note);
    }
    b.add(
        &PROTO,
        Value::UInt(u64::from(proto)),
        (at + 9, 1),
        format_args!(
            "Protocol: {} ({proto})",
            ip_proto_name(proto).unwrap_or("Unknown")
        ),
    );
    let checksum = be16(data, at + 10);
    b.add(
        &CHECKSUM,
        Value::UInt(u64::from(checksum)),
        (at + 10, 2),
        format_args!(
            "Header Checksum: {} [validation disabled]",
            hex(u64::from(checksum), 16)
        ),
    );
    b.add(
        &CHECKSUM_STATUS,
        Value::UInt(2),
        (at + 10, 0),
        "Header checksum status: Unverified",
    )
    .generated = true;
    for (field, host, a, i) in [(&SRC, &SRC_HOST, src, 12), (&DST, &DST_HOST, dst, 16)] {
        b.field(field, Value::Ipv4(a), (at + i, 4));
        b.hidden(&ADDR, Value::Ipv4(a), (at + i, 4));
        b.hidden(host, Value::Ipv4(a), (at + i, 4));
        b.hidden(&HOST, Value::Ipv4(a), (at + i, 4));
    }
    super::ip_options::build(b, data, at, header_len);
    if let Some(r) = reassembled {
        fragments(b, r, &V4_REASSEMBLY);
    }
    b.close();
}

/// The fields of one IP version's reassembly lines.
struct ReassemblyFields {
    name: &'static str,
    fragments: &'static Field,
    fragment: &'static Field,
    count: &'static Field,
    length: &'static Field,
    data: &'static Field,
}

const V4_REASSEMBLY: ReassemblyFields = ReassemblyFields {
    name: "IPv4",
    fragments: &FRAGMENTS,
    fragment: &FRAGMENT,
    count: &FRAGMENT_COUNT,
    length: &REASSEMBLED_LENGTH,
    data: &REASSEMBLED_DATA,
};

const V6_REASSEMBLY: ReassemblyFields = ReassemblyFields {
    name: "IPv6",
    fragments: &V6_FRAGMENTS,
    fragment: &V6_FRAGMENT,
    count: &V6_FRAGMENT_COUNT,
    length: &V6_REASSEMBLED_LENGTH,
    data: &V6_REASSEMBLED_DATA,
};

/// The fragments a packet was put back together from, under its last fragment's header.
fn fragments(b: &mut Builder, r: &super::Reassembled, f: &ReassemblyFields) {
    let total = r.bytes.len();
    let list: Vec<String> = r
        .pieces
        .iter()
        .map(|(frame, _, len)| format!("#{frame}({len})"))
        .collect();
    // IPv4's list holds the packet's bytes; IPv6's is a subtree alone.
    let value = if f.fragments.kind == Kind::Bytes {
        Value::Bytes
    } else {
        Value::None
    };
    b.add(
        f.fragments,
        value,
        (b.reassembled_at(), total),
        format_args!(
            "{} {} Fragments ({}): {}",
            r.pieces.len(),
            f.name,
            super::bytes_text(total),
            list.join(", ")
        ),
    )
    .generated = true;
    b.open();
    for (frame, offset, len) in &r.pieces {
        let last = (offset + len).saturating_sub(1);
        b.add(
            f.fragment,
            Value::UInt(*frame),
            (0, 0),
            format_args!(
                "Frame: {frame}, payload: {offset}-{last} ({})",
                super::bytes_text(*len as usize)
            ),
        )
        .generated = true;
    }
    b.add(
        f.count,
        Value::UInt(r.pieces.len() as u64),
        (0, 0),
        format_args!("Fragment count: {}", r.pieces.len()),
    )
    .generated = true;
    b.add(
        f.length,
        Value::UInt(total as u64),
        (0, 0),
        format_args!("Reassembled {} length: {total}", f.name),
    )
    .generated = true;
    let hex = super::hex_bytes(&r.bytes[..total.min(36)]);
    let more = if total > 36 { "…" } else { "" };
    b.add(
        f.data,
        Value::Bytes,
        (b.reassembled_at(), total),
        format_args!("Reassembled {} data: {hex}{more}", f.name),
    )
    .generated = true;
    b.close();
}

/// Builds IPv6's subtree for the fixed header at `at`.
pub(super) fn build_v6(
    b: &mut Builder,
    data: &[u8],
    at: usize,
    reassembled: Option<&super::Reassembled>,
    wire_len: Option<usize>,
) {
    let word = data
        .get(at..at + 4)
        .map_or(0, |w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]));
    let addr = |i: usize| {
        data.get(at + i..at + i + 16)
            .and_then(|a| <[u8; 16]>::try_from(a).ok())
            .map_or(Ipv6Addr::UNSPECIFIED, Ipv6Addr::from)
    };
    let (src, dst) = (addr(8), addr(24));
    b.add(
        &IPV6,
        Value::None,
        (at, 40),
        format_args!("Internet Protocol Version 6, Src: {src}, Dst: {dst}"),
    );
    b.open();
    // (Read alone: a header the frame ends inside may have no more than this byte.)
    let first = u64::from(data.get(at).copied().unwrap_or(0));
    b.add(
        &V6_VERSION,
        Value::UInt(first >> 4),
        (at, 1),
        format_args!("{}Version: {}", bit_prefix(first, 0xf0, 8), first >> 4),
    );
    // Wireshark adds IPv4's version field too, hidden, so that `ip.version` covers both.
    b.hidden(&V6_IP_VERSION, Value::UInt(first >> 4), (at, 1));
    // A header the packet ends inside on the wire.
    let short = wire_len.is_some_and(|wire| wire.saturating_sub(at) < 40);
    if short {
        b.expert_here(
            &super::TEXT,
            "ipv6.invalid_header",
            "Error",
            "Malformed",
            "IPv6 header must be exactly 40 bytes",
        );
    }
    let w = u64::from(word);
    let tclass = (word >> 20) & 0xff;
    let (dscp, ecn) = (
        u8::try_from(tclass >> 2).unwrap_or(0),
        u8::try_from(tclass & 3).unwrap_or(0),
    );
    b.add(
        &V6_TCLASS,
        Value::UInt(u64::from(tclass)),
        (at, 4),
        format_args!(
            "{}Traffic Class: 0x{tclass:02x} (DSCP: {}, ECN: {})",
            bit_prefix(w, 0x0ff0_0000, 32),
            dscp_names(dscp).1,
            ecn_names(ecn).1
        ),
    );
    b.open();
    b.add(
        &V6_DSCP,
        Value::UInt(u64::from(dscp)),
        (at, 4),
        format_args!(
            "{}Differentiated Services Codepoint: {} ({dscp})",
            bit_prefix(w, 0x0fc0_0000, 32),
            dscp_names(dscp).0
        ),
    );
    b.add(
        &V6_ECN,
        Value::UInt(u64::from(ecn)),
        (at, 4),
        format_args!(
            "{}Explicit Congestion Notification: {} ({ecn})",
            bit_prefix(w, 0x0030_0000, 32),
            ecn_names(ecn).0
        ),
    );
    b.close();
    let flow = word & 0x000f_ffff;
    b.add(
        &V6_FLOW,
        Value::UInt(u64::from(flow)),
        (at, 4),
        format_args!(
            "{}Flow Label: 0x{flow:05x}",
            bit_prefix(w & 0x00ff_ffff, 0x000f_ffff, 24)
        ),
    );
    let payload_len = be16(data, at + 4);
    if payload_len == 0 && jumbo_len(data, at).is_some_and(|j| j > 65535) {
        b.add(
            &V6_PLEN,
            Value::UInt(0),
            (at + 4, 2),
            "Payload Length: 0 (Jumbogram)",
        );
    } else {
        b.field(&V6_PLEN, Value::UInt(u64::from(payload_len)), (at + 4, 2));
    }
    // A payload length past what the frame carries (not in an ICMP error's quote).
    let plen = usize::from(be16(data, at + 4));
    if let Some(left) = wire_len.map(|wire| wire.saturating_sub(at + 40)) {
        if plen > left && !short {
            b.expert(
                "ipv6.plen_exceeds_framing",
                "Warning",
                "Protocol",
                &format!("IPv6 payload length exceeds framing length ({left} bytes)"),
            );
        }
    }
    let next = data.get(at + 6).copied().unwrap_or(0);
    b.add(
        &V6_NXT,
        Value::UInt(u64::from(next)),
        (at + 6, 1),
        format_args!(
            "Next Header: {} ({next})",
            ip_proto_name(next).unwrap_or("Unknown")
        ),
    );
    b.field(
        &V6_HLIM,
        Value::UInt(u64::from(data.get(at + 7).copied().unwrap_or(0))),
        (at + 7, 1),
    );
    for (field, host, a, i) in [
        (&V6_SRC, &V6_SRC_HOST, src, 8),
        (&V6_DST, &V6_DST_HOST, dst, 24),
    ] {
        b.field(field, Value::Ipv6(a), (at + i, 16));
        b.hidden(&V6_ADDR, Value::Ipv6(a), (at + i, 16));
        b.hidden(host, Value::Ipv6(a), (at + i, 16));
        b.hidden(&V6_HOST, Value::Ipv6(a), (at + i, 16));
    }
    extensions(b, data, at);
    if let Some(r) = reassembled {
        fragments(b, r, &V6_REASSEMBLY);
    }
    b.close();
}

/// Where the transport header after the IPv6 header at `at` starts, past the extension
/// headers this tree reads (Hop-by-Hop and Destination Options, a type 0 Routing header),
/// and its protocol.
pub(super) fn v6_transport(data: &[u8], at: usize) -> (usize, u8) {
    let mut next = data.get(at + 6).copied().unwrap_or(0);
    let mut offset = at + 40;
    while let Some(len) = extension_len(data, offset, next) {
        next = data.get(offset).copied().unwrap_or(0);
        offset += len;
    }
    (offset, next)
}

/// The length of extension header `kind` at `at`, if it is one this tree reads and it was
/// captured whole.
fn extension_len(data: &[u8], at: usize, kind: u8) -> Option<usize> {
    let readable = match kind {
        0 | 60 => true,
        43 => matches!(data.get(at + 2), Some(0 | 2 | 3 | 4)),
        44 => return (data.len() >= at + 8).then_some(8),
        _ => false,
    };
    let len = (usize::from(*data.get(at + 1)?) + 1) * 8;
    (readable && data.len() >= at + len).then_some(len)
}

/// An option's type byte: what to do with an unknown one, whether it may change en route,
/// and the rest.
fn option_type(b: &mut Builder, t: u8, name: &str, at: usize) {
    const ACTIONS: [&str; 4] = [
        "Skip and continue",
        "Discard",
        "Discard and send ICMP Parameter Problem",
        "Discard and send ICMP if not multicast",
    ];
    let w = u64::from(t);
    b.add(
        &OPT_TYPE,
        Value::UInt(w),
        (at, 1),
        format_args!("Type: {name} (0x{t:02x})"),
    );
    b.open();
    let action = usize::from(t >> 6);
    b.add(
        &OPT_TYPE_ACTION,
        Value::UInt(action as u64),
        (at, 1),
        format_args!(
            "{}Action: {} ({action})",
            bit_prefix(w, 0xc0, 8),
            ACTIONS[action]
        ),
    );
    let change = t & 0x20 != 0;
    b.add(
        &OPT_TYPE_CHANGE,
        Value::Bool(change),
        (at, 1),
        format_args!(
            "{}May Change: {}",
            bit_prefix(w, 0x20, 8),
            if change { "Yes" } else { "No" }
        ),
    );
    b.add(
        &OPT_TYPE_REST,
        Value::UInt(w & 0x1f),
        (at, 1),
        format_args!(
            "{}Low-Order Bits: 0x{:02x}",
            bit_prefix(w, 0x1f, 8),
            t & 0x1f
        ),
    );
    b.close();
}

/// A Hop-by-Hop or Destination Options header after the IPv6 header at `at` that the
/// capture or the packet cut short, where the tree's reading of the extension headers
/// stops: its protocol's short name (for `[Malformed Packet: …]`) and its filter name.
pub(super) fn v6_cut_options(data: &[u8], at: usize) -> Option<(&'static str, &'static str)> {
    let (offset, next) = v6_transport(data, at);
    let declared = (usize::from(*data.get(offset + 1)?) + 1) * 8;
    (data.len() < offset + declared).then_some(())?;
    match next {
        0 => Some(("IPv6 Hop-by-Hop", "ipv6.hopopts")),
        60 => Some(("IPv6 Destination", "ipv6.dstopts")),
        _ => None,
    }
}

/// The extension headers after the IPv6 header at `at`, each a subtree of IPv6's.
fn extensions(b: &mut Builder, data: &[u8], at: usize) {
    let mut kind = data.get(at + 6).copied().unwrap_or(0);
    let mut offset = at + 40;
    let cut = v6_cut_options(data, at).is_some();
    loop {
        let len = match extension_len(data, offset, kind) {
            Some(len) => len,
            // Read as far as the capture goes; the tree ends there, malformed.
            None if cut => (usize::from(data[offset + 1]) + 1) * 8,
            None => break,
        };
        let next = data[offset];
        if kind == 44 {
            fragment_header(b, data, offset);
            kind = next;
            offset += len;
            continue;
        }
        let units = data[offset + 1];
        let (node, nxt, len_field, len_oct, title) = match kind {
            0 => (
                &HOPOPTS,
                &HOPOPTS_NXT,
                &HOPOPTS_LEN,
                &HOPOPTS_LEN_OCT,
                "IPv6 Hop-by-Hop Option",
            ),
            60 => (
                &DSTOPTS,
                &DSTOPTS_NXT,
                &DSTOPTS_LEN,
                &DSTOPTS_LEN_OCT,
                "Destination Options for IPv6",
            ),
            _ => (
                &ROUTING,
                &ROUTING_NXT,
                &ROUTING_LEN,
                &ROUTING_LEN_OCT,
                match data[offset + 2] {
                    2 => "Routing Header for IPv6 (Type 2 Routing)",
                    3 => "Routing Header for IPv6 (RPL Source Route)",
                    4 => "Routing Header for IPv6 (Segment Routing)",
                    _ => "Routing Header for IPv6 (Source Route)",
                },
            ),
        };
        b.add(
            node,
            Value::None,
            (offset, len.min(data.len() - offset)),
            title,
        );
        b.open();
        if kind == 0 && offset != at + 40 {
            b.expert_here(
                &super::TEXT,
                "ipv6.hopopts.not_first",
                "Error",
                "Protocol",
                "IPv6 Hop-by-Hop extension header must appear immediately after IPv6 header",
            );
        }
        b.add(
            nxt,
            Value::UInt(u64::from(next)),
            (offset, 1),
            format_args!(
                "Next Header: {} ({next})",
                ip_proto_name(next).unwrap_or("Unknown")
            ),
        );
        b.field(len_field, Value::UInt(u64::from(units)), (offset + 1, 1));
        b.add(
            len_oct,
            Value::UInt(len as u64),
            (offset + 1, 1),
            format_args!("Length: {len} bytes"),
        )
        .generated = true;
        if kind == 43 && data[offset + 2] == 3 {
            rpl_route(b, data, offset, len, at);
        } else if kind == 43 && data[offset + 2] != 0 {
            routing(b, data, offset, len);
        } else if kind == 43 {
            b.add(
                &ROUTING_TYPE,
                Value::UInt(0),
                (offset + 2, 1),
                "Type: Source Route (0)",
            );
            b.expert(
                "ipv6.routing.deprecated",
                "Note",
                "Deprecated",
                "Routing header type is deprecated",
            );
            b.field(
                &ROUTING_SEGLEFT,
                Value::UInt(u64::from(data[offset + 3])),
                (offset + 3, 1),
            );
            b.add(
                &ROUTING_RESERVED,
                Value::Bytes,
                (offset + 4, 4),
                format_args!(
                    "Reserved: {}",
                    super::hex_bytes(&data[offset + 4..offset + 8])
                ),
            );
            for (n, chunk) in data[offset + 8..offset + len].chunks_exact(16).enumerate() {
                let a = <[u8; 16]>::try_from(chunk).map_or(Ipv6Addr::UNSPECIFIED, Ipv6Addr::from);
                b.add(
                    &ROUTING_ADDR,
                    Value::Ipv6(a),
                    (offset + 8 + n * 16, 16),
                    format_args!("Address[{}]: {a}", n + 1),
                );
            }
        } else {
            options(b, data, offset + 2, offset + len);
        }
        b.close();
        if offset + len > data.len() {
            break;
        }
        kind = next;
        offset += len;
    }
}

/// Wireshark's note on a Time to Live: not 1 for the Local Network Control Block (RFC 3171;
/// VRRP and mDNS send 255 there), or below 5 for a unicast or broadcast address (PIM and
/// OSPF excepted).
fn ttl_note(ttl: u8, proto: u8, dst: Ipv4Addr) -> Option<(&'static str, String)> {
    const PIM: u8 = 103;
    const OSPF: u8 = 89;
    const VRRP: u8 = 112;
    let o = dst.octets();
    if o[..3] == [224, 0, 0] {
        let exempt = ttl == 255 && (proto == VRRP || o[3] == 251);
        (ttl != 1 && !exempt).then(|| {
            let note = "\"Time To Live\" != 1 for a packet sent to the Local Network Control Block (see RFC 3171)";
            ("ip.ttl.lncb", note.to_owned())
        })
    } else if !dst.is_multicast() && ttl < 5 && proto != PIM && proto != OSPF {
        Some(("ip.ttl.too_small", format!("\"Time To Live\" only {ttl}")))
    } else {
        None
    }
}

/// IPv4's first byte: the version and header length lines.
fn version_and_length(b: &mut Builder, first: u8, at: usize) {
    let header_len = usize::from(first & 0x0f) * 4;
    let first = u64::from(first);
    b.add(
        &VERSION,
        Value::UInt(first >> 4),
        (at, 1),
        format_args!("{}Version: {}", bit_prefix(first, 0xf0, 8), first >> 4),
    );
    b.add(
        &HDR_LEN,
        Value::UInt(header_len as u64),
        (at, 1),
        format_args!(
            "{}Header Length: {header_len} bytes ({})",
            bit_prefix(first, 0x0f, 8),
            first & 0x0f
        ),
    );
}

/// An IPv4 header at `at` whose length field says less than 20 bytes: the version and that
/// length, noted, and nothing more, as Wireshark shows it.
pub(super) fn build_v4_bogus(b: &mut Builder, data: &[u8], at: usize) {
    let first = data.get(at).copied().unwrap_or(0);
    let header_len = usize::from(first & 0x0f) * 4;
    b.add(
        &IP,
        Value::None,
        (at, header_len),
        "Internet Protocol Version 4",
    );
    b.open();
    version_and_length(b, first, at);
    b.expert(
        "ip.bogus_header_length",
        "Error",
        "Protocol",
        &format!("Bogus IP header length ({header_len}, must be at least 20)"),
    );
    b.close();
}

/// The lines of an RPL Source Route header (RFC 6554) at `at`, `len` bytes long, after its
/// length: the compression and padding counts, then each address as carried (its first
/// CmprI bytes, the last one's CmprE, left out) and whole, the missing bytes taken from the
/// destination of the IPv6 header at `ip_at`.
fn rpl_route(b: &mut Builder, data: &[u8], at: usize, len: usize, ip_at: usize) {
    b.add(
        &ROUTING_TYPE,
        Value::UInt(3),
        (at + 2, 1),
        "Type: RPL Source Route (3)",
    );
    b.field(
        &ROUTING_SEGLEFT,
        Value::UInt(u64::from(data[at + 3])),
        (at + 3, 1),
    );
    let word = u64::from(u32::from_be_bytes([
        data[at + 4],
        data[at + 5],
        data[at + 6],
        data[at + 7],
    ]));
    let (cmpr_i, cmpr_e, pad) = (
        (word >> 28) as usize,
        ((word >> 24) & 0xf) as usize,
        ((word >> 20) & 0xf) as usize,
    );
    for (field, mask, name) in [
        (
            &RPL_CMPRI,
            0xf000_0000u64,
            "Compressed Internal Octets (CmprI)",
        ),
        (&RPL_CMPRE, 0x0f00_0000, "Compressed Final Octets (CmprE)"),
        (&RPL_PAD, 0x00f0_0000, "Padding Bytes"),
        (&RPL_RESERVED, 0x000f_ffff, "Reserved"),
    ] {
        let value = (word & mask) >> mask.trailing_zeros();
        b.add(
            field,
            Value::UInt(value),
            (at + 4, 4),
            format_args!("{}{name}: {value}", bit_prefix(word, mask, 32)),
        );
    }
    // n - 1 addresses of 16 - CmprI bytes and one of 16 - CmprE, then the padding.
    let (inner, last) = (16 - cmpr_i, 16 - cmpr_e);
    let room = (len - 8).saturating_sub(pad);
    let count = room.checked_sub(last).map_or(0, |r| r / inner + 1);
    b.add(
        &RPL_COUNT,
        Value::UInt(count as u64),
        (at + 4, 4),
        format_args!("Total Address Count: {count}"),
    )
    .generated = true;
    let dst = data.get(ip_at + 24..ip_at + 40).unwrap_or(&[0; 16]);
    let mut offset = at + 8;
    for n in 0..count {
        let size = if n + 1 == count { last } else { inner };
        let Some(carried) = data.get(offset..offset + size) else {
            break;
        };
        b.add(
            &RPL_ADDRESS,
            Value::Bytes,
            (offset, size),
            format_args!("Address: {}", super::shown_bytes(carried)),
        );
        let mut whole = [0u8; 16];
        whole[..16 - size].copy_from_slice(&dst[..16 - size]);
        whole[16 - size..].copy_from_slice(carried);
        let whole = Ipv6Addr::from(whole);
        b.add(
            &RPL_FULL_ADDRESS,
            Value::Ipv6(whole),
            (offset, size),
            format_args!("Address[{}]: {whole}", n + 1),
        )
        .generated = true;
        offset += size;
    }
}

/// The lines of a type 2 (Mobile IPv6) or type 4 (Segment Routing) Routing header at `at`,
/// `len` bytes long, after its length.
fn routing(b: &mut Builder, data: &[u8], at: usize, len: usize) {
    let kind = data[at + 2];
    let name = if kind == 2 {
        "Type 2 Routing"
    } else {
        "Segment Routing"
    };
    b.add(
        &ROUTING_TYPE,
        Value::UInt(u64::from(kind)),
        (at + 2, 1),
        format_args!("Type: {name} ({kind})"),
    );
    b.field(
        &ROUTING_SEGLEFT,
        Value::UInt(u64::from(data[at + 3])),
        (at + 3, 1),
    );
    let address = |i: usize| {
        data.get(i..i + 16)
            .and_then(|a| <[u8; 16]>::try_from(a).ok())
            .map_or(Ipv6Addr::UNSPECIFIED, Ipv6Addr::from)
    };
    if kind == 2 {
        b.add(
            &MIPV6_RESERVED,
            Value::Bytes,
            (at + 4, 4),
            format_args!("Reserved: {}", super::hex_bytes(&data[at + 4..at + 8])),
        );
        let home = address(at + 8);
        b.add(
            &MIPV6_HOME,
            Value::Ipv6(home),
            (at + 8, 16),
            format_args!("Address[1]: {home}"),
        );
        return;
    }
    b.field(&SRH_LAST, Value::UInt(u64::from(data[at + 4])), (at + 4, 1));
    b.field(
        &SRH_FLAGS,
        Value::UInt(u64::from(data[at + 5])),
        (at + 5, 1),
    );
    b.add(
        &SRH_TAG,
        Value::Bytes,
        (at + 6, 2),
        format_args!("Tag: {}", super::hex_bytes(&data[at + 6..at + 8])),
    );
    let entries = (usize::from(data[at + 4]) + 1).min((len - 8) / 16);
    for n in 0..entries {
        let a = address(at + 8 + 16 * n);
        b.add(
            &SRH_ADDR,
            Value::Ipv6(a),
            (at + 8 + 16 * n, 16),
            format_args!("Address[{n}]: {a}"),
        );
    }
}

/// An IPv6 Fragment header at `at`: next header, offset, More Fragments, identification.
fn fragment_header(b: &mut Builder, data: &[u8], at: usize) {
    let next = data[at];
    let word = u64::from(u16::from_be_bytes([data[at + 2], data[at + 3]]));
    let ident = u32::from_be_bytes([data[at + 4], data[at + 5], data[at + 6], data[at + 7]]);
    b.add(&FRAGHDR, Value::None, (at, 8), "Fragment Header for IPv6");
    b.open();
    b.add(
        &FRAGHDR_NXT,
        Value::UInt(u64::from(next)),
        (at, 1),
        format_args!(
            "Next header: {} ({next})",
            ip_proto_name(next).unwrap_or("Unknown")
        ),
    );
    b.add(
        &FRAGHDR_RESERVED_OCTET,
        Value::UInt(u64::from(data[at + 1])),
        (at + 1, 1),
        format_args!("Reserved octet: 0x{:02x}", data[at + 1]),
    );
    let units = word >> 3;
    b.add(
        &FRAGHDR_OFFSET,
        Value::UInt(units),
        (at + 2, 2),
        format_args!(
            "{}Offset: {units} ({} bytes)",
            bit_prefix(word, 0xfff8, 16),
            units * 8
        ),
    );
    b.add(
        &FRAGHDR_RESERVED_BITS,
        Value::UInt((word >> 1) & 3),
        (at + 2, 2),
        format_args!(
            "{}Reserved bits: {}",
            bit_prefix(word, 0x0006, 16),
            (word >> 1) & 3
        ),
    );
    let more = word & 1 != 0;
    b.add(
        &FRAGHDR_MORE,
        Value::Bool(more),
        (at + 2, 2),
        format_args!(
            "{}More Fragments: {}",
            bit_prefix(word, 0x0001, 16),
            if more { "Yes" } else { "No" }
        ),
    );
    b.add(
        &FRAGHDR_IDENT,
        Value::UInt(u64::from(ident)),
        (at + 4, 4),
        format_args!("Identification: 0x{ident:08x}"),
    );
    b.close();
}

/// The Jumbo Payload length (RFC 2675) of the IPv6 packet at `at`: the option of that
/// kind, four bytes long, in a Hop-by-Hop header right after the fixed header.
fn jumbo_len(data: &[u8], at: usize) -> Option<u32> {
    if data.get(at + 6) != Some(&0) {
        return None;
    }
    let end = at + 40 + (usize::from(*data.get(at + 41)?) + 1) * 8;
    let mut offset = at + 42;
    while offset < end {
        match *data.get(offset)? {
            0 => offset += 1,
            0xc2 if data.get(offset + 1) == Some(&4) => {
                let v = data.get(offset + 2..offset + 6)?;
                return Some(u32::from_be_bytes([v[0], v[1], v[2], v[3]]));
            }
            _ => offset += 2 + usize::from(*data.get(offset + 1)?),
        }
    }
    None
}

/// A Path MTU option's data (RFC 9268) at `at`, `len` bytes by its length field: the
/// reported and returned PMTUs and the R flag. Returns how many bytes were read: four, or
/// none when the capture ends before them.
fn path_mtu(b: &mut Builder, data: &[u8], at: usize, len: usize) -> usize {
    if len != 4 {
        b.expert(
            "ipv6.opt.invalid_len",
            "Error",
            "Malformed",
            &format!("PMTU Option: Invalid Length ({len} bytes)"),
        );
    }
    let Some(v) = data.get(at..at + 4) else {
        return 0;
    };
    let min = u16::from_be_bytes([v[0], v[1]]);
    let rtn = u16::from_be_bytes([v[2], v[3]]);
    b.field(&OPT_PMTU_MIN, Value::UInt(u64::from(min)), (at, 2));
    b.field(
        &OPT_PMTU_RTN,
        Value::UInt(u64::from(rtn & 0xfffe)),
        (at + 2, 2),
    );
    let r = rtn & 1 != 0;
    b.add(
        &OPT_PMTU_R,
        Value::Bool(r),
        (at + 3, 1),
        if r {
            "Return Flag: True"
        } else {
            "Return Flag: False"
        },
    );
    4
}

/// The options of a Hop-by-Hop or Destination Options header, from `at` to `end`: Pad1,
/// PadN, Router Alert and Path MTU (reading stops at another, or where the capture ends).
fn options(b: &mut Builder, data: &[u8], mut at: usize, end: usize) {
    while at < end {
        let Some(&t) = data.get(at) else {
            return;
        };
        if t == 0 {
            b.add(&OPT, Value::None, (at, 1), "Pad1");
            b.open();
            option_type(b, t, "Pad1", at);
            b.close();
            at += 1;
            continue;
        }
        let Some(&len) = data.get(at + 1) else {
            return;
        };
        let len = usize::from(len);
        if at + 2 + len > end {
            return;
        }
        let name = match t {
            1 => "PadN",
            5 => "Router Alert",
            0x30 => "Path MTU Option",
            0xc2 => "Jumbo Payload",
            _ => return,
        };
        b.add(
            &OPT,
            Value::None,
            (at, (len + 2).min(data.len() - at)),
            name,
        );
        b.open();
        option_type(b, t, name, at);
        b.field(&OPT_LENGTH, Value::UInt(len as u64), (at + 1, 1));
        if let (0xc2, Some(v)) = (t, data.get(at + 2..at + 6).filter(|_| len == 4)) {
            let jumbo = u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
            b.field(&OPT_JUMBO, Value::UInt(u64::from(jumbo)), (at + 2, 4));
            b.close();
            at += 6;
            continue;
        }
        if t == 0x30 {
            let read = path_mtu(b, data, at + 2, len);
            let rest = data.get(at + 2 + read..at + 2 + len);
            if let (true, Some(rest)) = (read < len, rest) {
                b.add(
                    &OPT_UNKNOWN_DATA,
                    Value::Bytes,
                    (at + 2 + read, rest.len()),
                    format_args!("Unknown Data: {}", super::hex_bytes(rest)),
                );
                b.expert(
                    "ipv6.opt.unknown_data.expert",
                    "Note",
                    "Undecoded",
                    "Unknown Data (not interpreted)",
                );
            }
            b.close();
            if rest.is_none() {
                // The option runs past what was captured: the tree ends here.
                return;
            }
            at += 2 + len;
            continue;
        }
        let Some(body) = data.get(at + 2..at + 2 + len) else {
            // Its data past what was captured: the tree ends here.
            b.close();
            return;
        };
        if t == 1 {
            let text = if body.is_empty() {
                "<none>".to_owned()
            } else {
                super::hex_bytes(body)
            };
            b.add(
                &OPT_PADN,
                Value::Bytes,
                (at + 2, len),
                format_args!("PadN: {text}"),
            );
        } else {
            let value = body
                .get(..2)
                .map_or(0, |v| u16::from_be_bytes([v[0], v[1]]));
            let name = match value {
                0 => "MLD",
                1 => "RSVP",
                2 => "Active Networks",
                _ => "Unknown",
            };
            b.add(
                &OPT_ROUTER_ALERT,
                Value::UInt(u64::from(value)),
                (at + 2, len),
                format_args!("Router Alert: {name} ({value})"),
            );
        }
        b.close();
        at += 2 + len;
    }
}
