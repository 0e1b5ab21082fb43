//! IPv4 options, after the addresses: each option's type byte (copy flag, class, number),
//! length and fields (Router Alert, Record Route, Loose and Strict Source Route, Time Stamp,
//! Stream ID), NOP and EOL; an option of another type as one line.

use std::net::Ipv4Addr;

use super::{bit_prefix, Base, Builder, Field, Kind, Value};

fields! {
    OPT_TYPE: "ip.opt.type", "Type", Kind::UInt(8, Base::Dec);
    OPT_COPY: "ip.opt.type.copy", "Copy on fragmentation", Kind::Bool;
    OPT_CLASS: "ip.opt.type.class", "Class", Kind::UInt(8, Base::Dec);
    OPT_NUMBER: "ip.opt.type.number", "Number", Kind::UInt(8, Base::Dec);
    OPT_LEN: "ip.opt.len", "Length", Kind::UInt(8, Base::Dec);
    OPT_PTR: "ip.opt.ptr", "Pointer", Kind::UInt(8, Base::Dec);
    OPT_RA: "ip.opt.ra", "Router Alert", Kind::UInt(16, Base::Dec);
    OPT_SID: "ip.opt.sid", "Stream Identifier", Kind::UInt(16, Base::Dec);
    OPT_OVERFLOW: "ip.opt.overflow", "Overflow", Kind::UInt(8, Base::Dec);
    OPT_FLAG: "ip.opt.flag", "Flag", Kind::UInt(8, Base::Hex);
    OPT_TIME_STAMP: "ip.opt.time_stamp", "Time stamp", Kind::UInt(32, Base::Dec);
    EOL: "ip.options.eol", "End of Options List", Kind::Bytes;
    NOP: "ip.options.nop", "No Operation", Kind::Bytes;
    ROUTER_ALERT: "ip.options.routeralert", "Router Alert", Kind::Bytes;
    RECORD_ROUTE: "ip.options.record_route", "Record Route", Kind::Bytes;
    ROUTE: "ip.options.route", "Source Route", Kind::Bytes;
    TIMESTAMP: "ip.options.timestamp", "Time Stamp", Kind::Bytes;
    SID: "ip.options.sid", "Stream ID", Kind::Bytes;
    REC_RT: "ip.rec_rt", "Recorded Route", Kind::Ipv4;
    REC_RT_HOST: "ip.rec_rt_host", "Recorded Route Host", Kind::Str;
    EMPTY_RT: "ip.empty_rt", "Empty Route", Kind::Ipv4;
    EMPTY_RT_HOST: "ip.empty_rt_host", "Empty Route Host", Kind::Str;
    SRC_RT: "ip.src_rt", "Source Route", Kind::Ipv4;
    SRC_RT_HOST: "ip.src_rt_host", "Source Route Host", Kind::Str;
}

/// The options' own nodes: each is a protocol of its own in Wireshark's registry.
pub(super) static OPTION_PROTOCOLS: [&Field; 7] = [
    &EOL,
    &NOP,
    &ROUTER_ALERT,
    &RECORD_ROUTE,
    &ROUTE,
    &TIMESTAMP,
    &SID,
];

/// The options of the IPv4 header at `at` (`header_len` bytes long), if it has any.
pub(super) fn build(b: &mut Builder, data: &[u8], at: usize, header_len: usize) {
    let Some(options) = data.get(at + 20..at + header_len).filter(|o| !o.is_empty()) else {
        return;
    };
    b.text(format_args!("Options: ({} bytes)", options.len()), false);
    let title = b.last();
    b.open();
    let mut i = 0;
    while i < options.len() {
        let kind = options[i];
        let start = at + 20 + i;
        match kind {
            0 | 1 => {
                let (field, label, name) = if kind == 0 {
                    (
                        &EOL,
                        "IP Option - End of Options List (EOL)",
                        "End of Option List (EOL)",
                    )
                } else {
                    (&NOP, "IP Option - No-Operation (NOP)", "No-Operation (NOP)")
                };
                b.add(field, Value::Bytes, (start, 1), label);
                b.open();
                type_line(b, kind, name, start);
                b.close();
                i += 1;
                if kind == 0 {
                    break;
                }
                continue;
            }
            _ => {}
        }
        let len = usize::from(options.get(i + 1).copied().unwrap_or(0));
        let Some(opt) = options.get(i..i + len).filter(|_| len >= 2) else {
            break;
        };
        let Some((field, name, number_name)) = known(kind) else {
            b.text(format_args!("Unknown (0x{kind:02x}) ({len} bytes)"), false);
            i += len;
            continue;
        };
        let summary = match kind {
            148 if len == 4 => {
                let ra = u16::from_be_bytes([opt[2], opt[3]]);
                format!(": {} ({ra})", router_alert(ra))
            }
            _ => String::new(),
        };
        b.add(
            field,
            Value::Bytes,
            (start, len),
            format_args!("IP Option - {name} ({len} bytes){summary}"),
        );
        b.open();
        type_line(b, kind, number_name, start);
        b.field(&OPT_LEN, Value::UInt(len as u64), (start + 1, 1));
        body(b, kind, opt, start);
        b.close();
        b.append_to(title, format_args!(", {name}"));
        i += len;
    }
    b.close();
}

/// An option's node field, name and number name, for the types read here.
fn known(kind: u8) -> Option<(&'static Field, &'static str, &'static str)> {
    Some(match kind {
        7 => (&RECORD_ROUTE, "Record Route", "Record route"),
        131 => (&ROUTE, "Loose Source Route", "Loose source route"),
        137 => (&ROUTE, "Strict Source Route", "Strict source route"),
        68 => (&TIMESTAMP, "Time Stamp", "Time stamp"),
        136 => (&SID, "Stream ID", "Stream identifier"),
        148 => (&ROUTER_ALERT, "Router Alert", "Router Alert"),
        _ => return None,
    })
}

/// A Router Alert value's name.
fn router_alert(value: u16) -> &'static str {
    if value == 0 {
        "Router shall examine packet"
    } else {
        "Reserved"
    }
}

/// The type byte and its three parts.
fn type_line(b: &mut Builder, kind: u8, number_name: &str, at: usize) {
    const CLASSES: [&str; 4] = [
        "Control",
        "Reserved for future use",
        "Debugging and measurement",
        "Reserved for future use",
    ];
    let t = u64::from(kind);
    b.field(&OPT_TYPE, Value::UInt(t), (at, 1));
    b.open();
    let copy = kind & 0x80 != 0;
    b.add(
        &OPT_COPY,
        Value::Bool(copy),
        (at, 1),
        format_args!(
            "{}Copy on fragmentation: {}",
            bit_prefix(t, 0x80, 8),
            if copy { "Yes" } else { "No" }
        ),
    );
    let class = (kind >> 5) & 3;
    b.add(
        &OPT_CLASS,
        Value::UInt(u64::from(class)),
        (at, 1),
        format_args!(
            "{}Class: {} ({class})",
            bit_prefix(t, 0x60, 8),
            CLASSES[usize::from(class)]
        ),
    );
    let number = kind & 0x1f;
    b.add(
        &OPT_NUMBER,
        Value::UInt(u64::from(number)),
        (at, 1),
        format_args!("{}Number: {number_name} ({number})", bit_prefix(t, 0x1f, 8)),
    );
    b.close();
}

/// The fields after an option's length.
fn body(b: &mut Builder, kind: u8, opt: &[u8], at: usize) {
    let addr = |i: usize| Ipv4Addr::new(opt[i], opt[i + 1], opt[i + 2], opt[i + 3]);
    match kind {
        148 if opt.len() == 4 => {
            let ra = u16::from_be_bytes([opt[2], opt[3]]);
            b.add(
                &OPT_RA,
                Value::UInt(u64::from(ra)),
                (at + 2, 2),
                format_args!("Router Alert: {} ({ra})", router_alert(ra)),
            );
        }
        136 if opt.len() == 4 => {
            let sid = u16::from_be_bytes([opt[2], opt[3]]);
            b.field(&OPT_SID, Value::UInt(u64::from(sid)), (at + 2, 2));
        }
        7 | 131 | 137 if opt.len() >= 3 => {
            let ptr = usize::from(opt[2]);
            b.field(&OPT_PTR, Value::UInt(ptr as u64), (at + 2, 1));
            let count = (opt.len() - 3) / 4;
            for n in 0..count {
                let i = 3 + 4 * n;
                let a = addr(i);
                // The pointer counts from 1: the address it points to is the next one.
                let next = if i + 1 == ptr { " <- (next)" } else { "" };
                // A source route's last address is the final destination.
                let destination = kind != 7 && n + 1 == count;
                let (field, host, label) = if destination {
                    (&super::ip::DST, &super::ip::DST_HOST, "Destination Address")
                } else if kind != 7 {
                    (&SRC_RT, &SRC_RT_HOST, "Source Route")
                } else if i + 1 < ptr {
                    (&REC_RT, &REC_RT_HOST, "Recorded Route")
                } else {
                    (&EMPTY_RT, &EMPTY_RT_HOST, "Empty Route")
                };
                let next = if destination { "" } else { next };
                let range = (at + i, 4);
                b.add(
                    field,
                    Value::Ipv4(a),
                    range,
                    format_args!("{label}: {a}{next}"),
                );
                if destination {
                    b.hidden(&super::ip::ADDR, Value::Ipv4(a), range);
                }
                b.hidden(host, Value::Ipv4(a), range);
                if destination {
                    b.hidden(&super::ip::HOST, Value::Ipv4(a), range);
                }
            }
        }
        68 if opt.len() >= 4 => {
            b.field(&OPT_PTR, Value::UInt(u64::from(opt[2])), (at + 2, 1));
            let (overflow, flag) = (opt[3] >> 4, opt[3] & 0x0f);
            let w = u64::from(opt[3]);
            b.add(
                &OPT_OVERFLOW,
                Value::UInt(u64::from(overflow)),
                (at + 3, 1),
                format_args!("{}Overflow: {overflow}", bit_prefix(w, 0xf0, 8)),
            );
            let flag_name = match flag {
                0 => "Time stamps only",
                1 => "Time stamp and address",
                3 => "Time stamps for prespecified addresses",
                _ => "Unknown",
            };
            b.add(
                &OPT_FLAG,
                Value::UInt(u64::from(flag)),
                (at + 3, 1),
                format_args!("{}Flag: {flag_name} (0x{flag:x})", bit_prefix(w, 0x0f, 8)),
            );
            if flag == 0 {
                for i in (4..opt.len()).step_by(4).filter(|i| i + 4 <= opt.len()) {
                    let ts = u32::from_be_bytes([opt[i], opt[i + 1], opt[i + 2], opt[i + 3]]);
                    b.field(&OPT_TIME_STAMP, Value::UInt(u64::from(ts)), (at + i, 4));
                }
            }
        }
        _ => {}
    }
}
