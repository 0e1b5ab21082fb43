//! The Ethernet Configuration Test Protocol (loopback, EtherType 0x9000): the skip count,
//! then each function (Forward Data with its address, Reply with its receipt number), the
//! one the skip count points to named relevant; what follows the Reply is data.

use super::{eth, Base, Builder, Field, Kind, Value};

fields! {
    LOOP: "loop", "Configuration Test Protocol (loopback)", Kind::Protocol;
    SKIPCOUNT: "loop.skipcount", "skipCount", Kind::UInt(16, Base::Dec);
    RELEVANT_FUNCTION: "loop.relevant_function", "Relevant function", Kind::UInt(16, Base::Dec);
    FUNCTION: "loop.function", "Function", Kind::UInt(16, Base::Dec);
    FORWARDING_ADDRESS: "loop.forwarding_address", "Forwarding address", Kind::Ether;
    RECEIPT_NUMBER: "loop.receipt_number", "Receipt number", Kind::UInt(16, Base::Dec);
}

/// Where the data after the message at `at` starts: after its Reply, if it has one and
/// bytes follow it.
pub(super) fn data_start(data: &[u8], at: usize) -> Option<usize> {
    let le16 = |i: usize| data.get(i..i + 2).map(|v| u16::from_le_bytes([v[0], v[1]]));
    let mut offset = at + 2;
    loop {
        match le16(offset)? {
            2 if data.len() >= offset + 8 => offset += 8,
            1 => {
                return le16(offset + 2)
                    .and(Some(offset + 4))
                    .filter(|&d| d < data.len())
            }
            _ => return None,
        }
    }
}

/// The message at `at`, then the data after its Reply.
pub(super) fn build(b: &mut Builder, data: &[u8], at: usize) {
    let le16 = |i: usize| data.get(i..i + 2).map(|v| u16::from_le_bytes([v[0], v[1]]));
    let name = |f: u16| match f {
        1 => "Reply",
        2 => "Forward Data",
        _ => "Unknown",
    };
    let Some(skip) = le16(at) else {
        return;
    };
    b.add(&LOOP, Value::None, (at, data.len() - at), LOOP.name);
    b.open();
    b.field(&SKIPCOUNT, Value::UInt(u64::from(skip)), (at, 2));
    let relevant = at + 2 + usize::from(skip);
    let mut offset = at + 2;
    while let Some(function) = le16(offset) {
        let line = |b: &mut Builder, field| {
            b.add(
                field,
                Value::UInt(u64::from(function)),
                (offset, 2),
                format_args!("{}: {} ({function})", field.name, name(function)),
            );
        };
        if offset == relevant {
            line(b, &RELEVANT_FUNCTION);
        }
        line(b, &FUNCTION);
        match function {
            2 => {
                let Some(mac) = data.get(offset + 2..offset + 8) else {
                    break;
                };
                let mac: [u8; 6] = mac.try_into().unwrap_or_default();
                b.add(
                    &FORWARDING_ADDRESS,
                    Value::Ether(mac),
                    (offset + 2, 6),
                    format_args!("Forwarding address: {}", eth::named(mac)),
                );
                offset += 8;
            }
            1 => {
                if let Some(receipt) = le16(offset + 2) {
                    b.field(
                        &RECEIPT_NUMBER,
                        Value::UInt(u64::from(receipt)),
                        (offset + 2, 2),
                    );
                }
                break;
            }
            _ => break,
        }
    }
    b.close();
    if let Some(start) = data_start(data, at) {
        super::data::build(b, data, start, data.len() - start);
    }
}
