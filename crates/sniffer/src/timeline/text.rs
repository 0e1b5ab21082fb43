//! Addresses, times and payloads as text.

use super::*;

/// Payload as text: printable ASCII and newlines as they are, `\r` and `\t` escaped, any
/// other byte as `\xNN` (as Wireshark's Follow Stream shows non-printable bytes as dots,
/// but without losing them).
pub fn escape_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\n' => out.push('\n'),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

/// An IP address as text.
pub fn ip_text(ip: IpAddr) -> String {
    let mut s = String::with_capacity(15);
    push_ip(&mut s, ip);
    s
}

/// The decimal digits of every byte value, three per value, leading ones to be skipped.
pub(super) const OCTET_DIGITS: [[u8; 3]; 256] = {
    let mut t = [[0u8; 3]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [
            b'0' + (i / 100) as u8,
            b'0' + (i / 10 % 10) as u8,
            b'0' + (i % 10) as u8,
        ];
        i += 1;
    }
    t
};

/// Every byte value as decimal text ("0" to "255"), made when compiling.
pub(super) const OCTETS: [&str; 256] = {
    let mut t = [""; 256];
    let mut i = 0;
    while i < 256 {
        let skip = if i >= 100 {
            0
        } else if i >= 10 {
            1
        } else {
            2
        };
        let (_, digits) = OCTET_DIGITS[i].split_at(skip);
        t[i] = match std::str::from_utf8(digits) {
            Ok(text) => text,
            Err(_) => panic!("digits are ASCII"),
        };
        i += 1;
    }
    t
};

/// Appends an IP address as text. IPv4 addresses are written octet by octet from a table:
/// the standard `Display` goes through the formatting machinery and cost a fifth of all the
/// work per packet. IPv6 keeps the standard text (RFC 5952, as Wireshark writes it).
pub fn push_ip(s: &mut String, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            s.reserve(15);
            s.push_str(OCTETS[usize::from(a)]);
            s.push('.');
            s.push_str(OCTETS[usize::from(b)]);
            s.push('.');
            s.push_str(OCTETS[usize::from(c)]);
            s.push('.');
            s.push_str(OCTETS[usize::from(d)]);
        }
        IpAddr::V6(v6) => {
            let _ = write!(s, "{v6}");
        }
    }
}

/// An Ethernet address as Wireshark names it (see [`crate::ether_names`]).
///
/// Names are remembered per thread (at most 4,096, then forgotten all at once): a capture
/// names the same few addresses again and again, and each lookup walks the prefix tables.
pub fn mac_name(mac: [u8; 6]) -> String {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static NAMES: RefCell<HashMap<[u8; 6], String, foldhash::fast::RandomState>> =
            RefCell::new(HashMap::default());
    }
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if let Some(name) = names.get(&mac) {
            return name.clone();
        }
        if names.len() >= 4096 {
            names.clear();
        }
        let name = crate::ether_names::EtherNames::installed().name(mac);
        names.insert(mac, name.clone());
        name
    })
}

/// Seconds with `precision`'s decimals, from a signed count of nanoseconds.
pub fn format_seconds(nanos: i128, precision: TsPrecision) -> String {
    let mut s = String::with_capacity(24);
    push_seconds(&mut s, nanos, precision);
    s
}

/// [`format_seconds`] appended to `s`.
pub fn push_seconds(s: &mut String, nanos: i128, precision: TsPrecision) {
    let secs = i64::try_from(nanos / 1_000_000_000).unwrap_or(i64::MAX);
    push_delta(s, (secs, (nanos % 1_000_000_000) as i64), precision);
}

/// Seconds and nanoseconds of the same sign (from [`crate::frame::Timestamp::delta`]) with
/// `precision`'s decimals, as Wireshark prints a relative time: the fraction truncated, a
/// minus sign only when something non-zero is left, and a fraction that is not below one
/// second (an unnormalised timestamp's) printed with all its digits.
pub fn push_delta(s: &mut String, (secs, nanos): (i64, i64), precision: TsPrecision) {
    if precision == TsPrecision::None {
        return;
    }
    let decimals = precision.decimals();
    let frac = nanos / 10i64.pow(9 - decimals as u32);
    if frac < 0 && secs >= 0 {
        s.push('-');
    }
    let mut num = itoa::Buffer::new();
    s.push_str(num.format(secs));
    if decimals > 0 {
        s.push('.');
        let digits = num.format(frac.unsigned_abs());
        for _ in digits.len()..decimals {
            s.push('0');
        }
        s.push_str(digits);
    }
}
