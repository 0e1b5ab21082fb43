//! TCP's options subtree, read as tshark 4.0 reads it.
//!
//! The options are read one after the other. EOL and NOP are one byte each; every other
//! option has a length byte. An option without its length byte, with a length below 2, or
//! running past the header ends the list with a note naming it. Each option known to
//! Wireshark checks its own length first: a wrong one is noted under `Length` and the
//! option's value is not read. The title lists each option read whole. Bytes other than zero
//! after an EOL are noted, and four NOPs in a row once. A SACK option too short for one block
//! makes the segment malformed; the capture cutting the options short ends the tree too (see
//! [`stopped`]).

use super::{bit_prefix, hex, hex_bytes, Base, Builder, Field, Kind, Value, TEXT};

fields! {
    OPTIONS: "tcp.options", "TCP Options", Kind::Bytes;
    OPTION_KIND: "tcp.option_kind", "Kind", Kind::UInt(8, Base::Dec);
    OPTION_LEN: "tcp.option_len", "Length", Kind::UInt(8, Base::Dec);
    OPT_MSS: "tcp.options.mss", "TCP MSS Option", Kind::Bytes;
    MSS_VAL: "tcp.options.mss_val", "MSS Value", Kind::UInt(16, Base::Dec);
    OPT_SACK_PERM: "tcp.options.sack_perm", "TCP SACK Permitted Option", Kind::Bytes;
    OPT_TIMESTAMP: "tcp.options.timestamp", "TCP Timestamp Option", Kind::Bytes;
    TSVAL: "tcp.options.timestamp.tsval", "Timestamp value", Kind::UInt(32, Base::Dec);
    TSECR: "tcp.options.timestamp.tsecr", "Timestamp echo reply", Kind::UInt(32, Base::Dec);
    OPT_NOP: "tcp.options.nop", "TCP NOP Option", Kind::Bytes;
    OPT_SACK: "tcp.options.sack", "TCP SACK Option", Kind::Bytes;
    SACK_LE: "tcp.options.sack_le", "TCP SACK Left Edge", Kind::UInt(32, Base::Dec);
    SACK_RE: "tcp.options.sack_re", "TCP SACK Right Edge", Kind::UInt(32, Base::Dec);
    SACK_COUNT: "tcp.options.sack.count", "TCP SACK Count", Kind::UInt(8, Base::Dec);
    DSACK_LE: "tcp.options.sack.dsack_le", "D-SACK Left Edge", Kind::UInt(32, Base::Dec);
    OPT_EOL: "tcp.options.eol", "TCP End of Options List", Kind::Bytes;
    OPT_WSCALE: "tcp.options.wscale", "TCP Window Scale Option", Kind::Bytes;
    WSCALE_SHIFT: "tcp.options.wscale.shift", "Shift count", Kind::UInt(8, Base::Dec);
    WSCALE_MULTIPLIER: "tcp.options.wscale.multiplier", "Multiplier", Kind::UInt(16, Base::Dec);
    OPT_TFO: "tcp.options.tfo", "TCP Fast Open", Kind::Bytes;
    TFO_REQUEST: "tcp.options.tfo.request", "Fast Open Cookie Request", Kind::Text;
    TFO_COOKIE: "tcp.options.tfo.cookie", "Fast Open Cookie", Kind::Bytes;
    OPT_ECHO: "tcp.options.echo", "TCP Echo Option", Kind::Bytes;
    ECHO_VALUE: "tcp.options.echo_value", "TCP Echo Option", Kind::UInt(32, Base::Dec);
    OPT_CC: "tcp.options.cc", "TCP CC Option", Kind::Bytes;
    CC_VALUE: "tcp.options.cc_value", "TCP CC Option", Kind::UInt(32, Base::Dec);
    OPT_MD5: "tcp.options.md5", "TCP MD5 Option", Kind::Bytes;
    MD5_DIGEST: "tcp.options.md5.digest", "MD5 digest", Kind::Bytes;
    OPT_QS: "tcp.options.qs", "TCP QS Option", Kind::Bytes;
    QS_RATE: "tcp.options.qs.rate", "QS Rate", Kind::UInt(8, Base::Dec);
    QS_TTL_DIFF: "tcp.options.qs.ttl_diff", "QS Rate", Kind::UInt(8, Base::Dec);
    OPT_USER_TO: "tcp.options.user_to", "TCP User Timeout", Kind::Bytes;
    USER_TO_GRANULARITY: "tcp.options.user_to_granularity", "Granularity", Kind::Bool;
    USER_TO_VAL: "tcp.options.user_to_val", "User Timeout", Kind::UInt(16, Base::Dec);
    OPT_AO: "tcp.options.ao", "TCP AO Option", Kind::Bytes;
    AO_KEYID: "tcp.options.ao.keyid", "AO KeyID", Kind::UInt(8, Base::Dec);
    AO_RNEXTKEYID: "tcp.options.ao.rnextkeyid", "AO RNextKeyID", Kind::UInt(8, Base::Dec);
    AO_MAC: "tcp.options.ao.mac", "AO MAC", Kind::Bytes;
    OPT_ACC_ECN: "tcp.options.acc_ecn", "Accurate ECN Option", Kind::Bytes;
    ACC_ECN_EE0B: "tcp.options.acc_ecn.ee0b", "Accurate ECN Echo ECT(0) Byte Counter", Kind::UInt(32, Base::Dec);
    ACC_ECN_ECEB: "tcp.options.acc_ecn.eceb", "Accurate ECN Echo CE Byte Counter", Kind::UInt(32, Base::Dec);
    ACC_ECN_EE1B: "tcp.options.acc_ecn.ee1b", "Accurate ECN Echo ECT(1) Byte Counter", Kind::UInt(32, Base::Dec);
    OPT_EXPERIMENTAL: "tcp.options.experimental", "TCP Experimental Option", Kind::Bytes;
    EXPERIMENTAL_EXID: "tcp.options.experimental.exid", "Experiment Identifier", Kind::UInt(16, Base::Hex);
    EXPERIMENTAL_DATA: "tcp.options.experimental.data", "Data", Kind::Bytes;
    OPT_UNKNOWN: "tcp.options.unknown", "TCP Unknown Option", Kind::Bytes;
    UNKNOWN_PAYLOAD: "tcp.options.unknown.payload", "Payload", Kind::Bytes;
}

/// The option nodes Wireshark registers as protocols of their own ("in name only"): `-T ek`
/// names them without the `tcp_` prefix of TCP's fields.
pub(super) static OPTION_PROTOCOLS: [&Field; 17] = [
    &OPT_MSS,
    &OPT_SACK_PERM,
    &OPT_TIMESTAMP,
    &OPT_NOP,
    &OPT_SACK,
    &OPT_EOL,
    &OPT_WSCALE,
    &OPT_TFO,
    &OPT_ECHO,
    &OPT_CC,
    &OPT_MD5,
    &OPT_QS,
    &OPT_USER_TO,
    &OPT_AO,
    &OPT_ACC_ECN,
    &OPT_EXPERIMENTAL,
    &OPT_UNKNOWN,
];

/// Where the options ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum OptionsEnd {
    /// Read to the end (notes included).
    Whole,
    /// The capture cut them.
    Cut,
    /// An option could not be read (a SACK option too short for one block).
    Malformed,
}

/// The short name Wireshark gives an option's dissector (`Options:`'s list, the notes).
fn short_name(kind: u8) -> Option<&'static str> {
    Some(match kind {
        2 => "Maximum segment size",
        3 => "Window scale",
        4 => "SACK permitted",
        5 => "SACK",
        6 => "Echo",
        7 => "Echo reply",
        8 => "Timestamps",
        11 => "CC",
        12 => "CC.NEW",
        13 => "CC.ECHO",
        19 => "TCP MD5 signature",
        20 => "SCPS capabilities",
        21 => "Selective Negative Acknowledgment",
        22 => "SCPS record boundary",
        23 => "SCPS corruption experienced",
        27 => "Quick-Start",
        28 => "User Timeout",
        29 => "TCP AO",
        30 => "MPTCP",
        34 => "TCP Fast Open",
        76 => "Riverbed Probe",
        78 => "Riverbed Transparency",
        172 | 174 => "Accurate ECN",
        253 | 254 => "Experimental",
        _ => return None,
    })
}

/// An option kind's name in its `Kind:` line.
fn kind_name(kind: u8) -> &'static str {
    match kind {
        0 => "End of Option List",
        1 => "No-Operation",
        2 => "Maximum Segment Size",
        3 => "Window Scale",
        4 => "SACK Permitted",
        5 => "SACK",
        6 => "Echo",
        7 => "Echo Reply",
        8 => "Time Stamp Option",
        9 => "Partial Order Connection Permitted",
        10 => "Partial Order Service Profile",
        11 => "CC",
        12 => "CC.NEW",
        13 => "CC.ECHO",
        14 => "TCP Alternate Checksum Request",
        15 => "TCP Alternate Checksum Data",
        16 => "Skeeter",
        17 => "Bubba",
        18 => "Trailer Checksum Option",
        19 => "MD5 Signature Option",
        20 => "SCPS Capabilities",
        21 => "Selective Negative Acknowledgements",
        22 => "Record Boundaries",
        23 => "Corruption experienced",
        24 => "SNAP",
        25 => "Unassigned",
        26 => "TCP Compression Filter",
        27 => "Quick-Start Response",
        28 => "User Timeout Option",
        29 => "The TCP Authentication Option",
        30 => "Multipath TCP",
        34 => "TCP Fast Open Cookie",
        76 => "Riverbed Probe",
        78 => "Riverbed Transparency",
        172 => "Accurate ECN Order 0",
        174 => "Accurate ECN Order 1",
        253 => "RFC3692-style Experiment 1",
        254 => "RFC3692-style Experiment 2",
        _ => "Unknown",
    }
}

fn be16(data: &[u8], at: usize) -> u16 {
    data.get(at..at + 2)
        .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]))
}

fn be32(data: &[u8], at: usize) -> u32 {
    data.get(at..at + 4)
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// A note on an option's length or place (`tcp.option.len.invalid`, Note/Sequence), as a line
/// of its own at the current depth.
fn length_note(b: &mut Builder, message: &str) {
    b.text(message, false);
    b.expert("tcp.option.len.invalid", "Note", "Sequence", message);
}

/// The options at `range` (start and length in the header). `syn`: the segment is a SYN
/// (MSS outside one is noted). `sack`: the SACK edges as the flow stage made them relative;
/// `sack_base`: what they are relative to, for edges it did not read.
pub(super) fn build(
    b: &mut Builder,
    data: &[u8],
    range: (usize, usize),
    syn: bool,
    sack: &[(u32, u32)],
    sack_base: Option<u32>,
) -> OptionsEnd {
    let (start, len) = range;
    if len == 0 {
        return OptionsEnd::Whole;
    }
    let captured = data.len().saturating_sub(start).min(len);
    let bytes = data.get(start..start + captured).unwrap_or_default();
    b.add(
        &OPTIONS,
        Value::Bytes,
        (start, captured),
        format_args!("Options: ({len} bytes)"),
    );
    let title = b.last();
    b.open();
    let mut sack = sack.iter().copied();
    let mut nops = 0;
    let mut mss = false;
    let mut i = 0;
    let end = loop {
        if i >= len {
            break OptionsEnd::Whole;
        }
        let Some(&kind) = bytes.get(i) else {
            break OptionsEnd::Cut;
        };
        if kind <= 1 {
            let (field, label, name) = if kind == 0 {
                (
                    &OPT_EOL,
                    "TCP Option - End of Option List (EOL)",
                    "End of Option List (EOL)",
                )
            } else {
                (
                    &OPT_NOP,
                    "TCP Option - No-Operation (NOP)",
                    "No-Operation (NOP)",
                )
            };
            if kind == 1 {
                nops += 1;
                if nops == 4 {
                    b.expert_here(
                        &TEXT,
                        "tcp.nop",
                        "Warning",
                        "Protocol",
                        "4 NOP in a row - a router may have removed some options",
                    );
                }
            } else {
                nops = 0;
            }
            b.add(field, Value::Bytes, (start + i, 1), label);
            b.open();
            kind_line(b, kind, start + i);
            b.close();
            b.append_to(title, format_args!(", {name}"));
            i += 1;
            if kind == 0 {
                let rest = bytes.get(i..).unwrap_or_default();
                if rest.iter().any(|&x| x != 0) {
                    b.text("Non-zero header padding", false);
                    b.expert(
                        "tcp.non_zero_bytes_after_eol",
                        "Error",
                        "Protocol",
                        "Non-zero header padding",
                    );
                    break OptionsEnd::Whole;
                }
            }
            continue;
        }
        nops = 0;
        let name =
            short_name(kind).map_or_else(|| format!("Unknown (0x{kind:02x})"), str::to_owned);
        let left = len - i - 1;
        if left == 0 {
            length_note(b, &format!("{name} (length byte past end of options)"));
            break OptionsEnd::Whole;
        }
        let Some(&size) = bytes.get(i + 1) else {
            break OptionsEnd::Cut;
        };
        if size < 2 {
            let plural = if size == 1 { "" } else { "s" };
            length_note(
                b,
                &format!("{name} (with too-short option length = {size} byte{plural})"),
            );
            break OptionsEnd::Whole;
        }
        if usize::from(size) - 2 > left - 1 {
            let plural = if size == 1 { "" } else { "s" };
            length_note(
                b,
                &format!(
                    "{name} (option length = {size} byte{plural} says option goes past end of options)"
                ),
            );
            break OptionsEnd::Whole;
        }
        let size = usize::from(size);
        let Some(opt) = bytes.get(i..i + size) else {
            // The capture cut the option: Wireshark reads its fields up to the cut, and
            // names it in the title only when none of them is past it.
            let mut whole = bytes.get(i..).unwrap_or_default().to_vec();
            let captured = whole.len();
            whole.resize(size, 0);
            let first = b.last() + 1;
            let opt = Opt {
                bytes: &whole,
                captured,
            };
            option(b, kind, opt, start + i, syn, &mut sack, sack_base);
            let cut = start + bytes.len();
            if b.last() >= first {
                if b.cut_at(first, cut) {
                    // The value its title shows was not read either.
                    b.unappend(first);
                } else {
                    b.append_to(title, format_args!(", {name}"));
                }
            }
            break OptionsEnd::Cut;
        };
        let opt = Opt {
            bytes: opt,
            captured: opt.len(),
        };
        if !option(b, kind, opt, start + i, syn, &mut sack, sack_base) {
            break OptionsEnd::Malformed;
        }
        b.append_to(title, format_args!(", {name}"));
        mss |= kind == 2;
        i += size;
    };
    // Read whole, a SYN's options are checked for the MSS.
    if syn && !mss && end == OptionsEnd::Whole {
        b.expert_here(
            &TEXT,
            "tcp.options.mss.absent",
            "Note",
            "Protocol",
            "The SYN packet does not contain a MSS option",
        );
    }
    b.close();
    end
}

/// The line that ends a tree whose options could not be read whole, after TCP's subtree.
pub(super) fn stopped(b: &mut Builder, at: usize, end: OptionsEnd) {
    match end {
        OptionsEnd::Whole => {}
        OptionsEnd::Cut => {
            b.add(
                &super::SHORT,
                Value::None,
                (at, 0),
                "[Packet size limited during capture: TCP truncated]",
            );
        }
        OptionsEnd::Malformed => super::malformed(b, "TCP", at),
    }
}

fn kind_line(b: &mut Builder, kind: u8, at: usize) {
    b.add(
        &OPTION_KIND,
        Value::UInt(u64::from(kind)),
        (at, 1),
        format_args!("Kind: {} ({kind})", kind_name(kind)),
    );
}

/// An option's bytes (zeros past what the capture kept), and how many the capture kept.
#[derive(Clone, Copy)]
struct Opt<'a> {
    bytes: &'a [u8],
    captured: usize,
}

/// One option with a length: its node and lines. False when reading it fails outright.
fn option(
    b: &mut Builder,
    kind: u8,
    opt: Opt<'_>,
    at: usize,
    syn: bool,
    sack: &mut impl Iterator<Item = (u32, u32)>,
    sack_base: Option<u32>,
) -> bool {
    let (captured, opt) = (opt.captured, opt.bytes);
    let range = (at, opt.len());
    let size = opt.len();
    // Kind and Length; then, if `want` is not met, the note under Length and false.
    let head = |b: &mut Builder, want: Option<usize>| -> bool {
        kind_line(b, kind, at);
        b.field(&OPTION_LEN, Value::UInt(size as u64), (at + 1, 1));
        match want {
            Some(want) if want != size => {
                b.expert(
                    "tcp.option.len.invalid",
                    "Note",
                    "Sequence",
                    &format!("option length should be {want}"),
                );
                false
            }
            _ => true,
        }
    };
    let node = |b: &mut Builder, field: &'static Field, label: &str| -> usize {
        b.add(field, Value::Bytes, range, label);
        let index = b.last();
        b.open();
        index
    };
    match kind {
        2 => {
            let label = node(b, &OPT_MSS, "TCP Option - Maximum segment size");
            if !syn {
                b.expert_here(
                    &TEXT,
                    "tcp.options.mss.present",
                    "Warning",
                    "Protocol",
                    "The non-SYN packet does contain a MSS option",
                );
            }
            if head(b, Some(4)) {
                let mss = be16(opt, 2);
                b.field(&MSS_VAL, Value::UInt(u64::from(mss)), (at + 2, 2));
                b.append_to(label, format_args!(": {mss} bytes"));
            }
        }
        3 => {
            let label = node(b, &OPT_WSCALE, "TCP Option - Window scale");
            if head(b, Some(3)) {
                let shift = opt[2];
                let multiplier = 1u64 << shift.min(14);
                b.field(&WSCALE_SHIFT, Value::UInt(u64::from(shift)), (at + 2, 1));
                if shift > 14 {
                    b.expert(
                        "tcp.options.wscale.shift.invalid",
                        "Warning",
                        "Protocol",
                        "Window scale shift exceeds 14",
                    );
                }
                b.generated(&WSCALE_MULTIPLIER, Value::UInt(multiplier), (at + 2, 1));
                b.append_to(label, format_args!(": {shift} (multiply by {multiplier})"));
            }
        }
        4 => {
            node(b, &OPT_SACK_PERM, "TCP Option - SACK permitted");
            head(b, Some(2));
        }
        5 => {
            let label = node(b, &OPT_SACK, "TCP Option - SACK");
            head(b, None);
            let mut count = 0u64;
            let mut left = size - 2;
            let mut edge = at + 2;
            let mut dsack = None;
            while left > 0 {
                if left < 4 {
                    suboption_malformed(b);
                    break;
                }
                let base = sack_base.unwrap_or(0);
                let (l, r) = match sack.next() {
                    Some(pair) if left >= 8 => pair,
                    // Edges the flow stage did not read: relative to the base (raw for a
                    // segment it did not analyse).
                    _ if left >= 8 => (
                        be32(opt, edge - at).wrapping_sub(base),
                        be32(opt, edge - at + 4).wrapping_sub(base),
                    ),
                    _ => (be32(opt, edge - at).wrapping_sub(base), 0),
                };
                b.add(
                    &SACK_LE,
                    Value::UInt(u64::from(l)),
                    (edge, 4),
                    format_args!("left edge = {l} (relative)"),
                );
                left -= 4;
                if left < 4 {
                    suboption_malformed(b);
                    dsack = Some(l);
                    break;
                }
                b.add(
                    &SACK_RE,
                    Value::UInt(u64::from(r)),
                    (edge + 4, 4),
                    format_args!("right edge = {r} (relative)"),
                );
                if edge - at + 8 > captured {
                    // The capture cut the block: Wireshark's reading stops inside it (the
                    // caller takes away what lies past the cut).
                    break;
                }
                left -= 4;
                count += 1;
                b.append_to(label, format_args!(" {l}-{r}"));
                edge += 8;
            }
            b.generated(&SACK_COUNT, Value::UInt(count), (at, 0));
            if count == 0 {
                // Wireshark reads the first block's edges after the count: with none whole,
                // that read fails, after the D-SACK line when a left edge was there.
                if let Some(l) = dsack {
                    b.add(
                        &DSACK_LE,
                        Value::UInt(u64::from(l)),
                        (at, 0),
                        format_args!("D-SACK Left Edge = {l} (relative)"),
                    )
                    .generated = true;
                }
                b.close();
                return false;
            }
        }
        6 | 7 => {
            let label = node(b, &OPT_ECHO, "TCP Option - Echo");
            if head(b, Some(6)) {
                let value = be32(opt, 2);
                b.field(&ECHO_VALUE, Value::UInt(u64::from(value)), (at + 2, 4));
                b.append_to(label, format_args!(": {value}"));
            }
        }
        8 => {
            let label = node(b, &OPT_TIMESTAMP, "TCP Option - Timestamps");
            if head(b, Some(10)) {
                let (tsval, tsecr) = (be32(opt, 2), be32(opt, 6));
                b.field(&TSVAL, Value::UInt(u64::from(tsval)), (at + 2, 4));
                b.field(&TSECR, Value::UInt(u64::from(tsecr)), (at + 6, 4));
                b.append_to(label, format_args!(": TSval {tsval}, TSecr {tsecr}"));
            }
        }
        11..=13 => {
            node(b, &OPT_CC, &format!("TCP Option - {}", kind_name(kind)));
            if head(b, Some(6)) {
                b.field(&CC_VALUE, Value::UInt(u64::from(be32(opt, 2))), (at + 2, 4));
            }
        }
        19 => {
            node(b, &OPT_MD5, "TCP Option - TCP MD5 signature");
            if head(b, Some(18)) {
                b.add(
                    &MD5_DIGEST,
                    Value::Bytes,
                    (at + 2, 16),
                    format_args!("MD5 digest: {}", hex_bytes(&opt[2..])),
                );
            }
        }
        27 => {
            node(b, &OPT_QS, "TCP Option - Quick-Start");
            if head(b, Some(8)) {
                let rate = opt[2] & 0x0f;
                b.add(
                    &QS_RATE,
                    Value::UInt(u64::from(rate)),
                    (at + 2, 1),
                    format_args!(
                        "{}QS Rate: {} ({rate})",
                        bit_prefix(u64::from(opt[2]), 0x0f, 8),
                        crate::tcp::quick_start_rate(rate)
                    ),
                );
                b.field(&QS_TTL_DIFF, Value::UInt(u64::from(opt[3])), (at + 3, 1));
            }
        }
        28 => {
            node(b, &OPT_USER_TO, "TCP Option - User Timeout");
            if head(b, Some(4)) {
                let word = u64::from(be16(opt, 2));
                let minutes = word & 0x8000 != 0;
                b.add(
                    &USER_TO_GRANULARITY,
                    Value::Bool(minutes),
                    (at + 2, 2),
                    format_args!(
                        "{}Granularity: {}",
                        bit_prefix(word, 0x8000, 16),
                        if minutes { "Minutes" } else { "Seconds" }
                    ),
                );
                b.add(
                    &USER_TO_VAL,
                    Value::UInt(word & 0x7fff),
                    (at + 2, 2),
                    format_args!(
                        "{}User Timeout: {}",
                        bit_prefix(word, 0x7fff, 16),
                        word & 0x7fff
                    ),
                );
            }
        }
        29 => {
            node(b, &OPT_AO, "TCP Option - TCP AO");
            kind_line(b, kind, at);
            b.field(&OPTION_LEN, Value::UInt(size as u64), (at + 1, 1));
            if size < 4 {
                b.expert(
                    "tcp.option.len.invalid",
                    "Note",
                    "Sequence",
                    "option length should be >= than 4",
                );
            } else {
                b.field(&AO_KEYID, Value::UInt(u64::from(opt[2])), (at + 2, 1));
                b.field(&AO_RNEXTKEYID, Value::UInt(u64::from(opt[3])), (at + 3, 1));
                if size > 4 {
                    b.add(
                        &AO_MAC,
                        Value::Bytes,
                        (at + 4, size - 4),
                        format_args!("AO MAC: {}", hex_bytes(&opt[4..])),
                    );
                }
            }
        }
        30 => {
            // Multipath TCP's own dissector is not in the judged set: its bytes as data.
            super::data::build_nested(b, opt, at);
            return true;
        }
        34 => {
            node(b, &OPT_TFO, "TCP Option - TCP Fast Open");
            head(b, None);
            tfo_cookie(b, &opt[2..], at + 2);
        }
        172 | 174 => {
            let label = node(b, &OPT_ACC_ECN, "TCP Option - Accurate ECN");
            kind_line(b, kind, at);
            b.field(&OPTION_LEN, Value::UInt(size as u64), (at + 1, 1));
            if !matches!(size, 2 | 5 | 8 | 11) {
                b.expert(
                    "tcp.option.len.invalid",
                    "Note",
                    "Sequence",
                    &format!("option length should be 2, 5, 8, or 11 instead of {size}"),
                );
            }
            let counters = if matches!(size, 2 | 5 | 8 | 11) {
                &opt[2..]
            } else {
                &[]
            };
            let order = [&ACC_ECN_EE0B, &ACC_ECN_ECEB, &ACC_ECN_EE1B];
            let names = ["EE0B", "ECEB", "EE1B"];
            let mut text = Vec::new();
            for (n, counter) in counters.chunks_exact(3).take(3).enumerate() {
                let k = if kind == 172 { n } else { 2 - n };
                let value = u32::from_be_bytes([0, counter[0], counter[1], counter[2]]);
                b.field(order[k], Value::UInt(u64::from(value)), (at + 2 + n * 3, 3));
                text.push(format!("{} {value}", names[k]));
            }
            if !text.is_empty() {
                b.append_to(
                    label,
                    format_args!(" (Order {}): {}", u8::from(kind == 174), text.join(", ")),
                );
            }
        }
        253 | 254 => {
            let label = node(b, &OPT_EXPERIMENTAL, "TCP Option - Experimental");
            head(b, None);
            if size < 4 {
                b.expert(
                    "tcp.option.len.invalid",
                    "Note",
                    "Sequence",
                    &format!("option length {size} smaller than 4"),
                );
            } else {
                let exid = be16(opt, 2);
                let name = if exid == 0xf989 {
                    "Fast Open"
                } else {
                    "Unknown"
                };
                b.add(
                    &EXPERIMENTAL_EXID,
                    Value::UInt(u64::from(exid)),
                    (at + 2, 2),
                    format_args!(
                        "Experiment Identifier: {name} ({})",
                        hex(u64::from(exid), 16)
                    ),
                );
                b.append_to(label, format_args!(": {name}"));
                if exid == 0xf989 {
                    tfo_cookie(b, &opt[4..], at + 4);
                } else if size > 4 {
                    b.add(
                        &EXPERIMENTAL_DATA,
                        Value::Bytes,
                        (at + 4, size - 4),
                        format_args!("Data: {}", hex_bytes(&opt[4..])),
                    );
                }
            }
        }
        _ => {
            node(b, &OPT_UNKNOWN, "TCP Option - Unknown");
            head(b, None);
            if size > 2 {
                b.add(
                    &UNKNOWN_PAYLOAD,
                    Value::Bytes,
                    (at + 2, size - 2),
                    format_args!("Payload: {}", hex_bytes(&opt[2..])),
                );
            }
        }
    }
    b.close();
    true
}

/// A Fast Open cookie, or the request for one when there is none.
fn tfo_cookie(b: &mut Builder, cookie: &[u8], at: usize) {
    if cookie.is_empty() {
        b.add(&TFO_REQUEST, Value::None, (at - 2, 2), TFO_REQUEST.name);
    } else {
        b.add(
            &TFO_COOKIE,
            Value::Bytes,
            (at, cookie.len()),
            format_args!("Fast Open Cookie: {}", hex_bytes(cookie)),
        );
    }
}

/// `suboption would go past end of option`, with its expert entry (Error/Malformed).
fn suboption_malformed(b: &mut Builder) {
    let message = "suboption would go past end of option";
    b.text(message, false);
    b.expert("tcp.suboption_malformed", "Error", "Malformed", message);
}
