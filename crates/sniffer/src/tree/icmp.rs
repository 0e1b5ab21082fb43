//! ICMP's subtree, for echo requests and replies: type, code, the checksum checked, the
//! identifier and sequence number both ways round, the request a reply answers and how long
//! it took, and the data.

use super::{hex, Base, Builder, Field, Kind, Value};

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
    RESPTIME: "icmp.resptime", "Response time", Kind::RelTime;
}

/// For an echo reply: the frame of the request it answers and the time since.
pub type EchoRequest = (u64, (i64, i64));

/// The Internet checksum of `bytes`: zero when a message carrying its checksum is intact.
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

/// True for the echo messages this subtree shows.
pub(super) fn is_echo(icmp_type: u8) -> bool {
    matches!(icmp_type, 0 | 8)
}

/// Builds an echo request's or reply's subtree for the message at `at`, `len` bytes long
/// (from the IP header); `request` is what a reply answers.
pub(super) fn build(
    b: &mut Builder,
    data: &[u8],
    at: usize,
    len: usize,
    request: Option<EchoRequest>,
) {
    let byte = |i: usize| data.get(at + i).copied().unwrap_or(0);
    let be16 = |i: usize| u16::from_be_bytes([byte(i), byte(i + 1)]);
    let (icmp_type, code) = (byte(0), byte(1));
    b.add(
        &ICMP,
        Value::None,
        (at, len),
        "Internet Control Message Protocol",
    );
    b.open();
    let name = if icmp_type == 8 {
        "Echo (ping) request"
    } else {
        "Echo (ping) reply"
    };
    b.add(
        &TYPE,
        Value::UInt(u64::from(icmp_type)),
        (at, 1),
        format_args!("Type: {icmp_type} ({name})"),
    );
    b.field(&CODE, Value::UInt(u64::from(code)), (at + 1, 1));
    let sum = be16(2);
    let message = data.get(at..at + len);
    let (verdict, status, status_text) = match message {
        Some(m) if checksum(m) == 0 => ("correct", 0, "Good"),
        Some(_) => ("incorrect", 1, "Bad"),
        None => ("unverified", 2, "Unverified"),
    };
    b.add(
        &CHECKSUM,
        Value::UInt(u64::from(sum)),
        (at + 2, 2),
        format_args!("Checksum: {} [{verdict}]", hex(u64::from(sum), 16)),
    );
    b.add(
        &CHECKSUM_STATUS,
        Value::UInt(status),
        (at + 2, 0),
        format_args!("Checksum Status: {status_text}"),
    )
    .generated = true;
    for (be, le, offset, be_name, le_name) in [
        (&IDENT, &IDENT_LE, 4, "Identifier (BE)", "Identifier (LE)"),
        (
            &SEQ,
            &SEQ_LE,
            6,
            "Sequence Number (BE)",
            "Sequence Number (LE)",
        ),
    ] {
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
    if let Some((frame, (secs, nanos))) = request {
        b.generated(&RESP_TO, Value::UInt(frame), (at, 0));
        let ms = secs as f64 * 1e3 + nanos as f64 / 1e6;
        b.add(
            &RESPTIME,
            Value::RelTime(secs, nanos),
            (at, 0),
            format_args!("Response time: {ms:.3} ms"),
        )
        .generated = true;
    }
    let payload = len.saturating_sub(8);
    let kept = data.len().saturating_sub(at + 8).min(payload);
    if kept > 0 {
        super::data::build(b, data, at + 8, kept);
    }
    b.close();
}
