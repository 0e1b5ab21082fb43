//! Time literals, read as Wireshark 4.0 reads them, in nanoseconds: a relative time
//! (`frame.time_delta > 0.5`) and an absolute one (`frame.time >= "2024-01-01 10:00:00"`,
//! local time unless it ends with `UTC`).

/// A relative time: `[-]seconds[.fraction]`, the seconds as C's `strtoul` reads them, the
/// fraction's digits up to the first that is not one (what follows is ignored, as Wireshark
/// ignores it); a non-zero digit finer than a nanosecond makes it no time at all.
pub(super) fn relative(w: &str) -> Option<i128> {
    let (neg, rest) = match w.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, w),
    };
    let (secs, fraction) = match rest.strip_prefix('.') {
        Some(fraction) => (0, fraction),
        None => {
            let (minus, body) = match rest.strip_prefix('-') {
                Some(body) => (true, body),
                None => (false, rest.strip_prefix('+').unwrap_or(rest)),
            };
            let n = body.bytes().take_while(u8::is_ascii_digit).count();
            let after = &body[n..];
            if n == 0 || !(after.is_empty() || after.starts_with('.')) {
                return None;
            }
            // strtoul saturates, and its result becomes a signed time_t.
            let v = body[..n].parse::<u64>().unwrap_or(u64::MAX);
            let v = if minus { v.wrapping_neg() } else { v };
            (i128::from(v as i64), after.strip_prefix('.').unwrap_or(""))
        }
    };
    let total = secs * 1_000_000_000 + i128::from(nanos(fraction)?);
    Some(if neg { -total } else { total })
}

/// The nanoseconds of a fraction's leading digits (`5` is half a second), or `None` when a
/// digit past the ninth is not zero.
fn nanos(fraction: &str) -> Option<i64> {
    let mut v = 0;
    for (place, d) in fraction.bytes().take_while(u8::is_ascii_digit).enumerate() {
        if d != b'0' {
            let scale = 8u32.checked_sub(u32::try_from(place).ok()?)?;
            v += i64::from(d - b'0') * 10i64.pow(scale);
        }
    }
    Some(v)
}

/// Why an absolute time was refused, in Wireshark's words (`None`: the general message).
pub(super) type AbsoluteError = Option<&'static str>;

/// An absolute time, in nanoseconds since the epoch: ISO 8601 (`2011-07-04T12:34:56.5Z`,
/// `2011-07-04 12:34+02:00`), or `Nov 12, 1999 08:55:44.123` or `2011-07-04 12:34:56`
/// (also without the seconds, minutes or time), an optional fraction after the seconds,
/// then optionally `UTC`; otherwise local time.
pub(super) fn absolute(s: &str) -> Result<i128, AbsoluteError> {
    if let Some((secs, nanos, used)) = iso8601(s) {
        if used == s.len() {
            return Ok(i128::from(secs) * 1_000_000_000 + i128::from(nanos));
        }
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    if s.len() < "2000-1-1".len() {
        return Err(None);
    }
    let mut has_seconds = true;
    let named = (s.as_bytes().get(3) == Some(&b' '))
        .then(|| {
            let month = MONTHS
                .iter()
                .position(|m| s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case(m)))?;
            let (mut tm, rest) = strptime(&s[4..], "%d, %Y %H:%M:%S")?;
            tm.month = month as i32;
            Some((tm, rest))
        })
        .flatten();
    let parsed = named
        .or_else(|| strptime(s, "%Y-%m-%d %H:%M:%S"))
        .or_else(|| {
            has_seconds = false;
            strptime(s, "%Y-%m-%d %H:%M")
        })
        .or_else(|| strptime(s, "%Y-%m-%d %H"))
        .or_else(|| strptime(s, "%Y-%m-%d"));
    let Some((tm, mut rest)) = parsed else {
        return Err(None);
    };
    let mut nanos_part = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        if !has_seconds {
            return Err(Some("Subsecond precision requires a seconds field."));
        }
        if !fraction.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(Some("Subseconds value is not a number."));
        }
        nanos_part = nanos(fraction).ok_or(Some("Subseconds value is invalid."))?;
        rest = fraction.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let secs = match rest {
        "UTC" => tm.seconds(true),
        "" => tm.seconds(false),
        _ => return Err(Some("Unexpected data after time value.")),
    }
    .ok_or(None)?;
    Ok(i128::from(secs) * 1_000_000_000 + i128::from(nanos_part))
}

/// An ISO 8601 time at the start of `s`, as Wireshark 4.0 reads one: `YYYY-MM-DD`, `T` or
/// a space, `hh:mm`, optionally `:ss` and a fraction, then optionally `Z` or `±hh:mm`
/// (local time without one). Its seconds, nanoseconds, and how much of `s` it took.
fn iso8601(s: &str) -> Option<(i64, i64, usize)> {
    const DAYS: [i32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let b = s.as_bytes();
    if b.get(4) != Some(&b'-') {
        return None;
    }
    let mut at = 0;
    // Up to `max` digits from `at`.
    let digits = |at: &mut usize, max: usize| -> Option<i32> {
        let n = b[*at..]
            .iter()
            .take(max)
            .take_while(|c| c.is_ascii_digit())
            .count();
        let v = s.get(*at..*at + n)?.parse().ok()?;
        *at += n;
        Some(v)
    };
    let mut tm = Tm {
        year: digits(&mut at, 4)?,
        ..Tm::default()
    };
    let expect =
        |at: &mut usize, c: u8| -> Option<()> { (b.get(*at) == Some(&c)).then(|| *at += 1) };
    expect(&mut at, b'-')?;
    tm.month = digits(&mut at, 2)? - 1;
    expect(&mut at, b'-')?;
    tm.day = digits(&mut at, 2)?;
    if !matches!(b.get(at), Some(b'T' | b' ')) || b.get(at + 3) != Some(&b':') {
        return None;
    }
    at += 1;
    tm.hour = digits(&mut at, 2)?;
    expect(&mut at, b':')?;
    tm.minute = digits(&mut at, 2)?;
    let mut nanos = 0;
    if expect(&mut at, b':').is_some() {
        tm.second = digits(&mut at, 2)?;
        if matches!(b.get(at), Some(b'.' | b',')) {
            at += 1;
            let n = b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n > 0 {
                // Read as a whole number and scaled by its length; one past nine digits
                // long stays as it is, and none of a billion or more counts.
                let frac: u64 = s[at..at + n].parse().unwrap_or(u64::MAX);
                nanos = if frac >= 1_000_000_000 {
                    0
                } else {
                    frac as i64 * 10i64.pow(9u32.saturating_sub(n as u32))
                };
                at += n;
            }
        }
    }
    let valid = (0..12).contains(&tm.month)
        && (0..=DAYS[tm.month as usize]).contains(&tm.day)
        && (0..24).contains(&tm.hour)
        && (0..60).contains(&tm.minute)
        && (0..=60).contains(&tm.second);
    if !valid {
        return None;
    }
    let secs = match b.get(at) {
        Some(b'Z') => {
            at += 1;
            tm.seconds(true)?
        }
        Some(&sign @ (b'+' | b'-')) => {
            // `±hh`, then optionally `:mm` or `mm`; without hours, no offset at all.
            let n = b[at + 1..]
                .iter()
                .take(2)
                .take_while(|c| c.is_ascii_digit())
                .count();
            if n == 0 {
                tm.seconds(false)?
            } else {
                let hours: i64 = s[at + 1..at + 1 + n].parse().ok()?;
                at += 1 + n;
                let colon = usize::from(b.get(at) == Some(&b':'));
                let mut after = at + colon;
                let minutes = digits(&mut after, 2).map_or(0, i64::from);
                if after > at + colon {
                    at = after;
                }
                let offset = hours * 3600 + minutes * 60;
                let utc = tm.seconds(true)?;
                if sign == b'+' {
                    utc - offset
                } else {
                    utc + offset
                }
            }
        }
        _ => tm.seconds(false)?,
    };
    Some((secs, nanos, at))
}

/// A broken-down time, as `strptime` fills it.
#[derive(Default)]
struct Tm {
    year: i32,
    /// 0 to 11.
    month: i32,
    day: i32,
    hour: i32,
    minute: i32,
    second: i32,
}

impl Tm {
    /// Seconds since the epoch, of the time read as UTC or as local time (C's `timegm` and
    /// `mktime`, which also carry a day or month out of range into the next).
    fn seconds(&self, utc: bool) -> Option<i64> {
        // SAFETY: an all-zero tm is a valid value; the C library reads and normalizes it.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        tm.tm_year = self.year - 1900;
        tm.tm_mon = self.month;
        tm.tm_mday = self.day;
        tm.tm_hour = self.hour;
        tm.tm_min = self.minute;
        tm.tm_sec = self.second;
        tm.tm_isdst = -1;
        // SAFETY: both read and write only `tm`, which lives for the call.
        let t = unsafe {
            if utc {
                libc::timegm(&mut tm)
            } else {
                libc::mktime(&mut tm)
            }
        };
        (t != -1).then_some(t)
    }
}

/// Reads `s` by `format` as Wireshark's `strptime` does, for the conversions the formats
/// above use: the time read and what follows it.
fn strptime<'a>(s: &'a str, format: &str) -> Option<(Tm, &'a str)> {
    let mut tm = Tm {
        day: 1,
        ..Tm::default()
    };
    let mut rest = s;
    let mut spec = format.chars();
    while let Some(c) = spec.next() {
        if c.is_ascii_whitespace() {
            rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
            continue;
        }
        if c != '%' {
            rest = rest.strip_prefix(c)?;
            continue;
        }
        let (field, low, high) = match spec.next()? {
            'Y' => (&mut tm.year, 0, 9999),
            'm' => (&mut tm.month, 1, 12),
            'd' => (&mut tm.day, 1, 31),
            'H' => (&mut tm.hour, 0, 23),
            'M' => (&mut tm.minute, 0, 59),
            'S' => (&mut tm.second, 0, 61),
            _ => return None,
        };
        let (v, after) = number(rest, low, high)?;
        *field = v;
        rest = after;
    }
    tm.month -= i32::from(format.contains("%m"));
    Some((tm, rest))
}

/// A number of at most as many digits as `high` has, within `low..=high`, after any spaces,
/// and what follows.
fn number(s: &str, low: u32, high: u32) -> Option<(i32, &str)> {
    let s = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let bytes = s.as_bytes();
    if !bytes.first()?.is_ascii_digit() {
        return None;
    }
    let (mut v, mut i, mut digits_left) = (0u32, 0, high);
    loop {
        v = v * 10 + u32::from(bytes[i] - b'0');
        digits_left /= 10;
        i += 1;
        let more = bytes.get(i).is_some_and(u8::is_ascii_digit);
        if !(v * 10 <= high && digits_left > 0 && more) {
            break;
        }
    }
    ((low..=high).contains(&v)).then(|| (v as i32, &s[i..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_are_exact_and_refuse_what_is_finer_than_a_nanosecond() {
        assert_eq!(relative("0.0001"), Some(100_000));
        assert_eq!(relative("-1.5"), Some(-1_500_000_000));
        assert_eq!(relative("0.000100000000"), Some(100_000));
        assert_eq!(relative("1.5.5"), Some(1_500_000_000));
        assert_eq!(relative("0.0000000001"), None);
        assert_eq!(relative("1e-4"), None);
        assert_eq!(relative("0x10"), None);
    }

    #[test]
    fn absolute_times_in_utc() {
        let day = 1_577_836_800i128 * 1_000_000_000; // 2020-01-01 00:00:00 UTC
        assert_eq!(absolute("2020-01-01 00:00:00 UTC"), Ok(day));
        assert_eq!(absolute("2020-01-01 00:00:00.5 UTC"), Ok(day + 500_000_000));
        assert_eq!(absolute("2020-01-01T00:00:00.5Z"), Ok(day + 500_000_000));
        assert_eq!(absolute("2020-01-01T02:00+02:00"), Ok(day));
        assert_eq!(absolute("2020-01-01 00:00:00.0000000001Z"), Ok(day + 1));
        assert_eq!(
            absolute("2020-01-01T00:00:00 UTC"),
            Err(Some("Unexpected data after time value."))
        );
        assert_eq!(absolute("Jan  1, 2020 00:00:00 UTC"), Ok(day));
        assert_eq!(
            absolute("jan 1, 2020 01:00:00UTC"),
            Ok(day + 3_600_000_000_000)
        );
        assert_eq!(
            absolute("2020-01-01 10:00.5"),
            Err(Some("Subsecond precision requires a seconds field."))
        );
        assert_eq!(
            absolute("2020-01-01 10:00:00 x"),
            Err(Some("Unexpected data after time value."))
        );
        assert_eq!(absolute("2020"), Err(None));
    }
}
