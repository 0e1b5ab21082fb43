//! ICMP's subtree: type and code with their names, the checksum checked (and the value it
//! should have had), then by type: an echo's identifier and sequence number both ways round,
//! the request a reply answers and how long it took, and the data; a timestamp message's
//! three times; an address mask; an error's unused word, next-hop MTU, RFC 4884 length,
//! gateway or pointer. An error's quoted datagram is built by the caller, inside this subtree.

use super::{hex, Base, Builder, Field, Kind, Value};
use crate::timeline::icmp::{icmp_code_name, icmp_type_name};

fields! {
    ICMP: "icmp", "Internet Control Message Protocol", Kind::Protocol;
    TYPE: "icmp.type", "Type", Kind::UInt(8, Base::Dec);
    CODE: "icmp.code", "Code", Kind::UInt(8, Base::Dec);
    CHECKSUM: "icmp.checksum", "Checksum", Kind::UInt(16, Base::Hex);
    CHECKSUM_STATUS: "icmp.checksum.status", "Checksum Status", Kind::UInt(8, Base::Dec);
    IDENT: "icmp.ident", "Identifier (BE)", Kind::UInt(16, Base::Dec);
    IDENT_LE: "icmp.ident_le", "Identifier (LE)", Kind::UInt(16, Base::Dec);
    SEQ: "icmp.seq", "Sequence Number (BE)", Kind::UInt(16, Base::Dec);
    SEQ_LE: "icmp.seq_le", "Sequence Number (LE)", Kind::UInt(16, Base::Dec);
    RESP_TO: "icmp.resp_to", "Request frame", Kind::FrameNum;
    RESPTIME: "icmp.resptime", "Response time", Kind::Double;
    UNUSED: "icmp.unused", "Unused", Kind::Bytes;
    MTU: "icmp.mtu", "MTU of next hop", Kind::UInt(16, Base::Dec);
    LENGTH: "icmp.length", "Length", Kind::UInt(8, Base::Dec);
    LENGTH_ORIGINAL: "icmp.length.original_datagram", "Length of original datagram", Kind::UInt(8, Base::Dec);
    REDIR_GW: "icmp.redir_gw", "Gateway Address", Kind::Ipv4;
    POINTER: "icmp.pointer", "Pointer", Kind::UInt(32, Base::Dec);
    ORIGINATE: "icmp.originate_timestamp", "Originate Timestamp", Kind::UInt(32, Base::Dec);
    RECEIVE: "icmp.receive_timestamp", "Receive Timestamp", Kind::UInt(32, Base::Dec);
    TRANSMIT: "icmp.transmit_timestamp", "Transmit Timestamp", Kind::UInt(32, Base::Dec);
    ADDRESS_MASK: "icmp.address_mask", "Address Mask", Kind::Ipv4;
    DATA_TIME: "icmp.data_time", "Timestamp from icmp data", Kind::AbsTime;
    DATA_TIME_RELATIVE: "icmp.data_time_relative", "Timestamp from icmp data (relative)", Kind::RelTime;
}

/// For an echo reply: the frame of the request it answers and the time since.
pub type EchoRequest = (u64, (i64, i64));

/// The Internet checksum of `bytes`: zero when a message carrying its checksum is intact.
pub(super) fn internet_checksum(bytes: &[u8]) -> u16 {
    checksum(bytes)
}

/// The Internet checksum of `bytes` (see [`internet_checksum`]).
fn checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = bytes
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// True for the error messages, which quote the datagram that caused them.
pub(super) fn is_error(icmp_type: u8) -> bool {
    matches!(icmp_type, 3 | 4 | 5 | 11 | 12)
}

/// Builds the subtree of the ICMP message at `at`, `len` bytes long (from the IP header);
/// `request` is what an echo reply answers. For an error, the quoted IP header and the
/// transport header after it follow, as subtrees of ICMP's (see [`super::quoted`]).
pub(super) fn build(
    b: &mut Builder,
    data: &[u8],
    at: usize,
    len: usize,
    request: Option<EchoRequest>,
) {
    let byte = |i: usize| data.get(at + i).copied().unwrap_or(0);
    let be16 = |i: usize| u16::from_be_bytes([byte(i), byte(i + 1)]);
    let be32 = |i: usize| u32::from_be_bytes([byte(i), byte(i + 1), byte(i + 2), byte(i + 3)]);
    let (icmp_type, code) = (byte(0), byte(1));
    b.add(
        &ICMP,
        Value::None,
        (at, len),
        "Internet Control Message Protocol",
    );
    b.open();
    b.add(
        &TYPE,
        Value::UInt(u64::from(icmp_type)),
        (at, 1),
        format_args!("Type: {icmp_type} ({})", type_name(icmp_type, code)),
    );
    let name = icmp_code_name(icmp_type, code).map(|name| {
        if name.is_empty() {
            format!("Unknown code: {code}")
        } else {
            name.to_owned()
        }
    });
    code_line(b, &CODE, code, name.as_deref(), at);
    let sum = be16(2);
    let message = data.get(at..at + len);
    let verdict = message.map(|m| (checksum(m) == 0, correct_checksum(m)));
    checksum_lines(
        b,
        (&CHECKSUM, &CHECKSUM_STATUS),
        "icmp.checksum_bad",
        at,
        sum,
        verdict,
    );
    if message.is_none() {
        // Not all of the message is here to check the checksum against.
        let line = b.last().saturating_sub(1);
        b.append_to(line, " [fragmented datagram]");
    }
    match icmp_type {
        9 => super::icmp_more::router_advertisement(b, data, at, len),
        42 | 43 => {
            identifiers(b, data, at, false);
            super::icmp_more::extended_echo(b, data, at, len);
        }
        0 | 8 | 13..=18 => {
            identifiers(b, data, at, true);
            if matches!(icmp_type, 0 | 8) {
                echo(b, data, at, len, request);
            }
            if matches!(icmp_type, 13 | 14) {
                // The frame's own time of day, in milliseconds, to guess each stamp's byte
                // order by.
                let ts = b.tree.frame_time();
                let frame_ms = (ts.secs * 1000 + ts.signed_nanos() / 1_000_000)
                    .rem_euclid(i64::from(MS_PER_DAY)) as u32;
                for (i, (field, name)) in [
                    (&ORIGINATE, "Originate Timestamp"),
                    (&RECEIVE, "Receive Timestamp"),
                    (&TRANSMIT, "Transmit Timestamp"),
                ]
                .into_iter()
                .enumerate()
                {
                    let ms = be32(8 + i * 4);
                    b.add(
                        field,
                        Value::UInt(u64::from(ms)),
                        (at + 8 + i * 4, 4),
                        format_args!(
                            "{name}: {ms} ({} after midnight UTC)",
                            since_midnight(best_guess(
                                data.get(at + 8 + i * 4..at + 12 + i * 4)
                                    .unwrap_or_default(),
                                frame_ms
                            ))
                        ),
                    );
                }
            }
            if matches!(icmp_type, 17 | 18) {
                let mask = std::net::Ipv4Addr::from(be32(8));
                b.add(
                    &ADDRESS_MASK,
                    Value::Ipv4(mask),
                    (at + 8, 4),
                    format_args!("Address Mask: {mask}"),
                );
            }
        }
        3 | 11 | 12 => {
            // The bytes the message leaves unused, as one line.
            let unused = |b: &mut Builder, from: usize, to: usize| {
                let bytes: Vec<u8> = (from..to).map(byte).collect();
                b.add(
                    &UNUSED,
                    Value::Bytes,
                    (at + from, to - from),
                    format_args!("Unused: {}", super::hex_bytes(&bytes)),
                );
            };
            // RFC 4884: the length of the quoted datagram, in 32-bit words.
            let words = byte(5);
            let length = |b: &mut Builder| {
                b.field(&LENGTH, Value::UInt(u64::from(words)), (at + 5, 1));
                b.add(
                    &LENGTH_ORIGINAL,
                    Value::UInt(u64::from(words) * 4),
                    (at + 5, 1),
                    format_args!("Length of original datagram: {}", u32::from(words) * 4),
                )
                .generated = true;
            };
            match (icmp_type, code, words) {
                (12, _, 0) => {
                    b.field(&POINTER, Value::UInt(u64::from(byte(4))), (at + 4, 1));
                    unused(b, 5, 8);
                }
                (12, _, _) => {
                    b.field(&POINTER, Value::UInt(u64::from(byte(4))), (at + 4, 1));
                    length(b);
                    unused(b, 6, 8);
                }
                (3, 4, 0) => {
                    unused(b, 4, 6);
                    b.field(&MTU, Value::UInt(u64::from(be16(6))), (at + 6, 2));
                }
                (3, 4, _) => {
                    unused(b, 4, 5);
                    length(b);
                    b.field(&MTU, Value::UInt(u64::from(be16(6))), (at + 6, 2));
                }
                (_, _, 0) => unused(b, 4, 8),
                _ => {
                    unused(b, 4, 5);
                    length(b);
                    unused(b, 6, 8);
                }
            }
        }
        5 => {
            let gateway = std::net::Ipv4Addr::from(be32(4));
            b.add(
                &REDIR_GW,
                Value::Ipv4(gateway),
                (at + 4, 4),
                format_args!("Gateway Address: {gateway}"),
            );
        }
        _ => {}
    }
}

/// The Code line, with the code's name when the type has names for its codes.
pub(super) fn code_line(
    b: &mut Builder,
    field: &'static Field,
    code: u8,
    name: Option<&str>,
    at: usize,
) {
    match name {
        Some(name) => {
            b.add(
                field,
                Value::UInt(u64::from(code)),
                (at + 1, 1),
                format_args!("Code: {code} ({name})"),
            );
        }
        None => {
            b.field(field, Value::UInt(u64::from(code)), (at + 1, 1));
        }
    }
}

/// The checksum at `at + 2` and its status; `verdict`: whether it is right and the value it
/// should have, when the message was captured whole. A wrong one has its expert entry
/// (`expert`, Warning/Checksum).
pub(super) fn checksum_lines(
    b: &mut Builder,
    (field, status_field): (&'static Field, &'static Field),
    expert: &'static str,
    at: usize,
    sum: u16,
    verdict: Option<(bool, u16)>,
) {
    let sum_text = hex(u64::from(sum), 16);
    let (text, status, status_text) = match verdict {
        Some((true, _)) => (format!("{sum_text} [correct]"), 1, "Good"),
        Some((false, should)) => {
            let should = hex(u64::from(should), 16);
            (
                format!("{sum_text} incorrect, should be {should}"),
                0,
                "Bad",
            )
        }
        None => (format!("{sum_text} [unverified]"), 2, "Unverified"),
    };
    b.add(
        field,
        Value::UInt(u64::from(sum)),
        (at + 2, 2),
        format_args!("Checksum: {text}"),
    );
    if let Some((false, should)) = verdict {
        let message = format!("Bad checksum [should be {}]", hex(u64::from(should), 16));
        b.expert(expert, "Warning", "Checksum", &message);
    }
    b.add(
        status_field,
        Value::UInt(status),
        (at + 2, 0),
        format_args!("Checksum Status: {status_text}"),
    )
    .generated = true;
}

/// The checksum field's value that makes `message` sum right (its own field taken as zero).
pub(super) fn correct_checksum(message: &[u8]) -> u16 {
    let mut zeroed = message.to_vec();
    if let Some(field) = zeroed.get_mut(2..4) {
        field.fill(0);
    }
    checksum(&zeroed)
}

/// Milliseconds in a day.
const MS_PER_DAY: u32 = 86_400_000;

/// A timestamp's milliseconds since midnight as Wireshark reads them: big- or
/// little-endian, whichever is a time of day, or, both being one or neither, whichever is
/// nearer after `frame_ms` (a day added to a time early in the day when the frame's is late);
/// the high bit, which marks a stamp not from midnight UTC, cleared.
fn best_guess(bytes: &[u8], frame_ms: u32) -> u32 {
    let Ok(bytes) = <[u8; 4]>::try_from(bytes) else {
        return 0;
    };
    let be = u32::from_be_bytes(bytes) & 0x7fff_ffff;
    let le = u32::from_le_bytes(bytes) & 0x7fff_ffff;
    match (be < MS_PER_DAY, le < MS_PER_DAY) {
        (true, false) => be,
        (false, true) => le,
        (true, true) => {
            let roll = |t: u32| {
                let late = frame_ms >= MS_PER_DAY - MS_PER_DAY / 4;
                if t < frame_ms && t <= MS_PER_DAY / 4 && late {
                    t + MS_PER_DAY
                } else {
                    t
                }
            };
            if roll(be).wrapping_sub(frame_ms) < roll(le).wrapping_sub(frame_ms) {
                be
            } else {
                le
            }
        }
        (false, false) => {
            if be.wrapping_sub(frame_ms) < le.wrapping_sub(frame_ms) {
                be
            } else {
                le
            }
        }
    }
}

/// Milliseconds since midnight as Wireshark writes them: `0.100 seconds`, `1 hour, 2
/// minutes, 3.004 seconds`, `6 days, 14 hours, …`.
fn since_midnight(ms: u32) -> String {
    if ms == 0 {
        return "0 seconds".to_owned();
    }
    let (days, hours, minutes) = (ms / MS_PER_DAY, ms / 3_600_000 % 24, ms / 60_000 % 60);
    let (secs, millis) = (ms / 1000 % 60, ms % 1000);
    let mut parts = Vec::new();
    let plural = |n: u32| if n == 1 { "" } else { "s" };
    if days > 0 {
        parts.push(format!("{days} day{}", plural(days)));
    }
    if hours > 0 {
        parts.push(format!("{hours} hour{}", plural(hours)));
    }
    if minutes > 0 {
        parts.push(format!("{minutes} minute{}", plural(minutes)));
    }
    if secs > 0 || millis > 0 {
        if millis > 0 {
            parts.push(format!("{secs}.{millis:03} seconds"));
        } else {
            parts.push(format!("{secs} second{}", plural(secs)));
        }
    }
    parts.join(", ")
}

/// The identifier and sequence number, both ways round.
fn identifiers(b: &mut Builder, data: &[u8], at: usize, with_sequence: bool) {
    let be16 = |i: usize| {
        u16::from_be_bytes([
            data.get(at + i).copied().unwrap_or(0),
            data.get(at + i + 1).copied().unwrap_or(0),
        ])
    };
    let pairs = [
        (&IDENT, &IDENT_LE, 4, "Identifier (BE)", "Identifier (LE)"),
        (
            &SEQ,
            &SEQ_LE,
            6,
            "Sequence Number (BE)",
            "Sequence Number (LE)",
        ),
    ];
    let shown = if with_sequence { 2 } else { 1 };
    for (be, le, offset, be_name, le_name) in pairs.into_iter().take(shown) {
        let v = be16(offset);
        let swapped = v.swap_bytes();
        b.add(
            be,
            Value::UInt(u64::from(v)),
            (at + offset, 2),
            format_args!("{be_name}: {v} (0x{v:04x})"),
        );
        b.add(
            le,
            Value::UInt(u64::from(swapped)),
            (at + offset, 2),
            format_args!("{le_name}: {swapped} (0x{swapped:04x})"),
        );
    }
}

/// An echo's answer (for a reply), the time its data starts with if it looks like one, and
/// its data.
fn echo(b: &mut Builder, data: &[u8], at: usize, len: usize, request: Option<EchoRequest>) {
    let fields = (&RESP_TO, &RESPTIME, "Response time");
    let arrival = b.tree.frame_time();
    match echo_timestamp(data, at, len, arrival) {
        Some(ts) => {
            echo_answer(b, fields, data, at, 8, request);
            b.add(
                &DATA_TIME,
                Value::AbsTime(ts),
                (at + 8, 8),
                format_args!("Timestamp from icmp data: {}", super::frame::local_time(ts)),
            );
            let (secs, nanos) = relative(arrival, ts);
            b.add(
                &DATA_TIME_RELATIVE,
                Value::RelTime(secs, nanos),
                (at + 8, 8),
                format_args!(
                    "Timestamp from icmp data (relative): {} seconds",
                    super::rel_time(secs, nanos)
                ),
            )
            .generated = true;
            let kept = data
                .len()
                .saturating_sub(at + 16)
                .min(len.saturating_sub(16));
            if kept > 0 {
                super::data::build(b, data, at + 16, kept);
            }
        }
        None => echo_answer(b, fields, data, at, len, request),
    }
}

/// The time an echo's data at `at + 8` (the message `len` bytes long) starts with, as
/// Wireshark reads it: seconds and microseconds, big-endian or else little-endian, within a
/// day of the frame's `arrival`; `None` when neither looks like one or fewer than 8 bytes
/// were captured.
pub(super) fn echo_timestamp(
    data: &[u8],
    at: usize,
    len: usize,
    arrival: crate::frame::Timestamp,
) -> Option<crate::frame::Timestamp> {
    let kept = data.len().saturating_sub(at + 8).min(len.saturating_sub(8));
    if kept < 8 {
        return None;
    }
    let bytes: [u8; 8] = data.get(at + 8..at + 16)?.try_into().ok()?;
    let word = |i: usize, big: bool| {
        let w = [bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]];
        if big {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        }
    };
    // Wireshark's test: the seconds as a signed 32-bit difference from the frame's.
    let near = |secs: u32, micros: u32| {
        let delta = (secs as i32).wrapping_sub(arrival.secs as i32);
        delta.unsigned_abs() < 3600 * 24 && micros < 1_000_000
    };
    [true, false].into_iter().find_map(|big| {
        let (secs, micros) = (word(0, big), word(4, big));
        near(secs, micros).then(|| crate::frame::Timestamp {
            secs: i64::from(secs as i32),
            nanos: micros * 1000,
        })
    })
}

/// `arrival - ts` as seconds and nanoseconds of the same sign.
fn relative(arrival: crate::frame::Timestamp, ts: crate::frame::Timestamp) -> (i64, i64) {
    let nanos = arrival.as_nanos() - ts.as_nanos();
    let secs = i64::try_from(nanos / 1_000_000_000).unwrap_or_default();
    let rest = i64::try_from(nanos % 1_000_000_000).unwrap_or_default();
    (secs, rest)
}

/// For an echo reply, the request it answers and the time since (`fields`: the two fields
/// and the time's name); then the echo's data. ICMPv6's echoes share it.
pub(super) fn echo_answer(
    b: &mut Builder,
    (resp_to, resptime, name): (&'static Field, &'static Field, &str),
    data: &[u8],
    at: usize,
    len: usize,
    request: Option<EchoRequest>,
) {
    if let Some((frame, (secs, nanos))) = request {
        b.generated(resp_to, Value::UInt(frame), (at, 0));
        let ms = secs as f64 * 1e3 + nanos as f64 / 1e6;
        b.add(
            resptime,
            Value::Double(ms),
            (at, 0),
            format_args!("{name}: {ms:.3} ms"),
        )
        .generated = true;
    }
    let payload = len.saturating_sub(8);
    let kept = data.len().saturating_sub(at + 8).min(payload);
    if kept > 0 {
        super::data::build(b, data, at + 8, kept);
    }
}

/// How much of the datagram an ICMP error at `at` quotes Wireshark reads after its IP
/// header: the length the message gives (RFC 4884, in 32-bit words, in its sixth byte), or
/// for a redirect 64 bits.
pub(super) fn quoted_limit(data: &[u8], at: usize) -> Option<usize> {
    let (&icmp_type, &words) = (data.get(at)?, data.get(at + 5)?);
    match icmp_type {
        // A redirect: the first 64 bits of the datagram's data.
        5 => Some(8),
        3 | 4 | 11 | 12 if words != 0 => Some(usize::from(words) * 4),
        _ => None,
    }
}

/// A type's name as the tree shows it: a router advertisement with the codes of Mobile IP's
/// (RFC 5944) is named for it.
fn type_name(icmp_type: u8, code: u8) -> &'static str {
    match (icmp_type, code) {
        (9, 0 | 16) => "Mobile IP Advertisement",
        _ => icmp_type_name(icmp_type),
    }
}
