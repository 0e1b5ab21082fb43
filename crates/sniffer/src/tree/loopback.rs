//! The Ethernet Configuration Test Protocol (loopback, EtherType 0x9000): the skip count,
//! then each function (Forward Data with its address, Reply with its receipt number), the
//! one the skip count points to named relevant; what follows the Reply, or a function of
//! another kind, is data.

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
            // Its forwarding address cut: the reading stops there.
            2 => return None,
            1 => {
                return le16(offset + 2)
                    .and(Some(offset + 4))
                    .filter(|&d| d < data.len())
            }
            // Reading stops at a function it does not know: the rest is data.
            _ => return Some(offset + 2).filter(|&d| d < data.len()),
        }
    }
}

/// The message at `at`, then the data after its Reply; a message the bytes end inside ends
/// the tree, cut by the capture (`cut`) or malformed.
pub(super) fn build(b: &mut Builder, data: &[u8], at: usize, cut: bool) {
    let le16 = |i: usize| data.get(i..i + 2).map(|v| u16::from_le_bytes([v[0], v[1]]));
    let name = |f: u16| match f {
        1 => "Reply",
        2 => "Forward Data",
        _ => "Unknown",
    };
    let Some(skip) = le16(at) else {
        // Cut before its skip count: its title, then the line that says so.
        if cut {
            b.add(
                &LOOP,
                Value::None,
                (at, data.len().saturating_sub(at)),
                LOOP.name,
            );
            super::truncated(b, "LOOP", data.len());
        }
        return;
    };
    b.add(&LOOP, Value::None, (at, data.len() - at), LOOP.name);
    b.open();
    b.field(&SKIPCOUNT, Value::UInt(u64::from(skip)), (at, 2));
    let relevant = at + 2 + usize::from(skip);
    let mut offset = at + 2;
    // Reading ends at a Reply or an unknown function; before one, at the end of the bytes.
    let mut ended = false;
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
                    format_args!("Forwarding address: {}", eth::Named(mac)),
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
                    ended = true;
                }
                break;
            }
            _ => {
                ended = true;
                break;
            }
        }
    }
    b.close();
    if !ended {
        if cut {
            super::truncated(b, "LOOP", data.len());
        } else {
            super::malformed(b, "LOOP", data.len());
        }
        return;
    }
    if let Some(start) = data_start(data, at) {
        super::data::build(b, data, start, data.len() - start);
    }
}
