//! UDP's subtree.

use super::{hex, Base, Builder, Field, Kind, Value};
use crate::decode::{UdpBadLength, UdpDatagram, UdpKept};

fields! {
    UDP: "udp", "User Datagram Protocol", Kind::Protocol;
    SRCPORT: "udp.srcport", "Source Port", Kind::UInt(16, Base::Dec);
    DSTPORT: "udp.dstport", "Destination Port", Kind::UInt(16, Base::Dec);
    PORT: "udp.port", "Source or Destination Port", Kind::UInt(16, Base::Dec);
    LENGTH: "udp.length", "Length", Kind::UInt(16, Base::Dec);
    CHECKSUM: "udp.checksum", "Checksum", Kind::UInt(16, Base::Hex);
    CHECKSUM_STATUS: "udp.checksum.status", "Checksum Status", Kind::UInt(8, Base::Dec);
    STREAM: "udp.stream", "Stream index", Kind::UInt(32, Base::Dec);
    TIME_RELATIVE: "udp.time_relative", "Time since first frame", Kind::RelTime;
    TIME_DELTA: "udp.time_delta", "Time since previous frame", Kind::RelTime;
    PAYLOAD: "udp.payload", "Payload", Kind::Bytes;
}

fn be16(data: &[u8], at: usize) -> u16 {
    data.get(at..at + 2)
        .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]))
}

/// UDP's subtree with only the ports, when no more of the header can be read (an ICMP error
/// quoting that little of a datagram). Nothing when the ports themselves are missing.
pub(super) fn build_ports(b: &mut Builder, data: &[u8], at: usize) {
    if data.len() < at + 4 {
        return;
    }
    let (src, dst) = (be16(data, at), be16(data, at + 2));
    b.add(
        &UDP,
        Value::None,
        (at, data.len() - at),
        format_args!("User Datagram Protocol, Src Port: {src}, Dst Port: {dst}"),
    );
    b.open();
    ports(b, src, dst, at);
    b.close();
}

/// The port lines, and the hidden `udp.port` of each.
fn ports(b: &mut Builder, src: u16, dst: u16, at: usize) {
    b.field(&SRCPORT, Value::UInt(u64::from(src)), (at, 2));
    b.field(&DSTPORT, Value::UInt(u64::from(dst)), (at + 2, 2));
    b.hidden(&PORT, Value::UInt(u64::from(src)), (at, 2));
    b.hidden(&PORT, Value::UInt(u64::from(dst)), (at + 2, 2));
}

/// Builds UDP's subtree for the header at `at`.
pub(super) fn build(
    b: &mut Builder,
    data: &[u8],
    at: usize,
    udp: &UdpDatagram,
    stream: Option<super::UdpStream>,
    quoted: bool,
    ip_payload: Option<u32>,
) {
    let (src, dst) = (udp.src_port, udp.dst_port);
    b.add(
        &UDP,
        Value::None,
        (at, 8.min(data.len().saturating_sub(at))),
        format_args!("User Datagram Protocol, Src Port: {src}, Dst Port: {dst}"),
    );
    b.open();
    ports(b, src, dst, at);
    // A header the capture cut: what it kept, then the line that says so.
    let truncated = |b: &mut Builder| {
        b.close();
        b.add(
            &super::SHORT,
            Value::None,
            (data.len(), 0),
            "[Packet size limited during capture: UDP truncated]",
        );
    };
    if udp.kept == UdpKept::Ports {
        truncated(b);
        return;
    }
    let length = be16(data, at + 4);
    match (udp.bad_length, ip_payload) {
        (Some(UdpBadLength::BeyondIp(_)), Some(ip_payload)) => {
            b.add(
                &LENGTH,
                Value::UInt(u64::from(length)),
                (at + 4, 2),
                format_args!("Length: {length} (bogus, payload length {ip_payload})"),
            );
            b.expert(
                "udp.length.bad",
                "Error",
                "Malformed",
                &format!("Bad length value {length} > IP payload length"),
            );
        }
        (Some(UdpBadLength::BelowHeader(_)), _) => {
            // Shorter than the header: Wireshark reads no further.
            b.add(
                &LENGTH,
                Value::UInt(u64::from(length)),
                (at + 4, 2),
                format_args!("Length: {length} (bogus, must be >= 8)"),
            );
            b.expert(
                "udp.length.bad",
                "Error",
                "Malformed",
                &format!("Bad length value {length} < 8"),
            );
            b.close();
            return;
        }
        (Some(UdpBadLength::Jumbogram), Some(ip_payload)) if ip_payload < 65536 => {
            // Zero, as a jumbogram's is (RFC 2675), in a packet that is not one.
            b.field(&LENGTH, Value::UInt(0), (at + 4, 2));
            b.expert(
                "udp.length.bad_zero",
                "Warning",
                "Protocol",
                "Length is zero but payload < 65536",
            );
        }
        _ => {
            b.field(&LENGTH, Value::UInt(u64::from(length)), (at + 4, 2));
        }
    }
    if udp.kept == UdpKept::PortsAndLength {
        truncated(b);
        return;
    }
    let checksum = be16(data, at + 6);
    let over_ipv6 = udp.zero_checksum_illegal;
    // Zero means "no checksum" over IPv4 and is illegal over IPv6 (RFC 8200).
    let (note, status, status_text) = match (checksum, over_ipv6) {
        (0, false) => ("zero-value ignored", 3, "Not present"),
        (0, true) => ("zero-value illegal", 4, "Illegal"),
        _ => ("unverified", 2, "Unverified"),
    };
    b.add(
        &CHECKSUM,
        Value::UInt(u64::from(checksum)),
        (at + 6, 2),
        format_args!("Checksum: {} [{note}]", hex(u64::from(checksum), 16)),
    );
    if checksum == 0 {
        b.open();
        if over_ipv6 {
            b.expert_here(
                &super::TEXT,
                "udp.checksum.zero",
                "Error",
                "Checksum",
                "Illegal checksum value (0)",
            );
        }
    }
    b.add(
        &CHECKSUM_STATUS,
        Value::UInt(status),
        (at + 6, 0),
        format_args!("Checksum Status: {status_text}"),
    )
    .generated = true;
    if checksum == 0 {
        b.close();
    }
    if let Some((index, since_first, since_previous)) = stream {
        b.generated(&STREAM, Value::UInt(u64::from(index)), (at, 0));
        // Times only for a datagram with a payload, as Wireshark shows them (and not for one
        // an ICMP error quotes).
        if udp.payload_len > 0 && !quoted {
            // A text line, not a field: JSON names it by its text.
            b.text("Timestamps", true);
            b.open();
            for (field, (s, n)) in [(&TIME_RELATIVE, since_first), (&TIME_DELTA, since_previous)] {
                b.add(
                    field,
                    Value::RelTime(s, n),
                    (at, 0),
                    format_args!("{}: {} seconds", field.name, super::rel_time(s, n)),
                )
                .generated = true;
            }
            b.close();
        }
    }
    let start = at + 8;
    let kept = data
        .len()
        .saturating_sub(start)
        .min(udp.payload_len as usize);
    if udp.kept == UdpKept::HeaderOnly && !quoted {
        truncated(b);
        return;
    }
    if udp.payload_len > 0 && !(quoted && kept == 0) {
        // A payload the capture cut is as long as what it kept (an ICMP error's quote, as
        // long as the datagram says).
        let shown = if quoted {
            udp.payload_len as usize
        } else {
            kept
        };
        b.add(
            &PAYLOAD,
            Value::Bytes,
            (start, kept),
            format_args!("UDP payload ({})", super::bytes_text(shown)),
        );
    }
    b.close();
}
