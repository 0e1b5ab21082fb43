//! The frame's own subtree: lengths, times, number, the protocols in it.

use std::fmt::Write as _;

use super::{Base, Builder, Field, Kind, Value};
use crate::frame::{Frame, Timestamp};
use crate::link::LinkType;

/// A UDP datagram's conversation index (`udp.stream`) and the times since that
/// conversation's first and previous datagrams.
pub type UdpStream = (u32, (i64, i64), (i64, i64));

/// What the frame's subtree needs beyond the frame: its number and the times it is measured
/// from.
#[derive(Clone, Debug)]
pub struct FrameContext {
    /// Frame number, from 1.
    pub number: u64,
    /// The first frame's time.
    pub first: Timestamp,
    /// The previous frame's time (this frame's, for the first).
    pub previous: Timestamp,
    /// The previous frame shown (with a display filter, not always the previous one).
    pub previous_displayed: Timestamp,
    /// The pcapng interface it came from, and that interface's name if the file gives one.
    pub interface: Option<(u32, Option<String>)>,
    /// For a UDP datagram: its conversation's index (`udp.stream`) and the times since that
    /// conversation's first and previous datagrams.
    pub udp_stream: Option<UdpStream>,
    /// For an ICMP echo reply: the request it answers.
    pub echo_request: Option<super::EchoRequest>,
    /// For the last fragment of an IPv4 packet: the packet its fragments make.
    pub reassembled: Option<super::Reassembled>,
    /// For an ICMP error quoting a UDP datagram: that datagram's conversation index.
    pub quoted_udp_stream: Option<u32>,
    /// For an ICMP error quoting a whole TCP header: the header and what its conversation
    /// makes of it.
    pub quoted_tcp: Option<(crate::decode::TcpHeader, crate::flow::QuotedSegment)>,
    /// For a TCP header running past its frame: the header and what its conversation makes
    /// of it.
    pub unanalysed_tcp: Option<(crate::decode::TcpHeader, crate::flow::QuotedSegment)>,
    /// For ARP: the duplicate IPv4 addresses its sender's and target's claims reveal.
    pub arp_duplicates: [Option<crate::timeline::ArpDuplicate>; 2],
    /// For a TCP segment, with HTTP enabled: what HTTP made of it.
    pub http: Option<crate::timeline::http::HttpView>,
    /// HTTP is enabled (it takes the payload an ICMP error quotes from an HTTP port).
    pub http_enabled: bool,
}

fields! {
    PKT_COMMENT: "pkt_comment", "Packet comments", Kind::Protocol;
    COMMENT: "frame.comment", "Comment", Kind::Str;
    FRAME: "frame", "Frame", Kind::Protocol;
    SECTION: "frame.section_number", "Section number", Kind::UInt(32, Base::Dec);
    INTERFACE_ID: "frame.interface_id", "Interface id", Kind::UInt(32, Base::Dec);
    INTERFACE_NAME: "frame.interface_name", "Interface name", Kind::Str;
    ENCAP: "frame.encap_type", "Encapsulation type", Kind::UInt(16, Base::Dec);
    TIME: "frame.time", "Arrival Time", Kind::AbsTime;
    SHIFT: "frame.offset_shift", "Time shift for this packet", Kind::RelTime;
    EPOCH: "frame.time_epoch", "Epoch Time", Kind::RelTime;
    DELTA: "frame.time_delta", "Time delta from previous captured frame", Kind::RelTime;
    DELTA_DISPLAYED: "frame.time_delta_displayed", "Time delta from previous displayed frame", Kind::RelTime;
    RELATIVE: "frame.time_relative", "Time since reference or first frame", Kind::RelTime;
    NUMBER: "frame.number", "Frame Number", Kind::UInt(32, Base::Dec);
    LEN: "frame.len", "Frame Length", Kind::UInt(32, Base::Dec);
    CAP_LEN: "frame.cap_len", "Capture Length", Kind::UInt(32, Base::Dec);
    MARKED: "frame.marked", "Frame is marked", Kind::Bool;
    IGNORED: "frame.ignored", "Frame is ignored", Kind::Bool;
    PROTOCOLS: "frame.protocols", "Protocols in frame", Kind::Str;
    CB_PEN: "frame.cb_pen", "Private Enterprise Number", Kind::UInt(32, Base::Dec);
    CB_COPY: "frame.cb_copy", "Copying", Kind::Bool;
}

/// Wiretap's encapsulation number and name of a link type.
fn encapsulation(linktype: LinkType) -> (u64, &'static str) {
    match linktype {
        LinkType::EN10MB => (1, "Ethernet"),
        LinkType::NULL => (15, "NULL/Loopback"),
        LinkType::LOOP => (174, "OpenBSD loopback"),
        LinkType::LINUX_SLL => (25, "Linux cooked-mode capture v1"),
        LinkType::LINUX_SLL2 => (210, "Linux cooked-mode capture v2"),
        LinkType::IPV4 => (129, "Raw IPv4"),
        LinkType::PPP | LinkType::PPP_SERIAL => (4, "PPP"),
        LinkType::C_HDLC => (28, "Cisco HDLC"),
        LinkType::IPV6 => (130, "Raw IPv6"),
        _ => (7, "Raw IP"),
    }
}

/// Builds the frame's subtree (after its comments, when a pcapng file gives some).
pub(super) fn build(b: &mut Builder, frame: &Frame<'_>, ctx: &FrameContext, protocols: &[&str]) {
    let comments = frame.comments();
    if !comments.is_empty() {
        b.add(&PKT_COMMENT, Value::None, (0, 0), "Packet comments");
        b.open();
        for comment in comments {
            b.add(
                &COMMENT,
                Value::Str(comment.clone()),
                (0, 0),
                comment.clone(),
            );
            b.expert("frame.comment.expert", "Comment", "Comment", &comment);
        }
        b.close();
    }
    if let Some((pen, copied)) = custom_block(frame) {
        build_custom(b, frame, ctx, protocols, pen, copied);
        return;
    }
    let (wire, kept) = (u64::from(frame.wire_len), frame.data.len() as u64);
    let all = (0, frame.data.len());
    let mut title = String::new();
    if b.labelled() {
        let _ = write!(
            title,
            "Frame {}: {wire} {} on wire ({} bits), {kept} {} captured ({} bits)",
            ctx.number,
            bytes_word(wire),
            wire * 8,
            bytes_word(kept),
            kept * 8
        );
        if let Some((id, name)) = &ctx.interface {
            let name = name.as_deref().unwrap_or("unknown");
            let _ = write!(title, " on interface {name}, id {id}");
        }
    }
    b.add(&FRAME, Value::None, all, title);
    b.open();
    if let Some((id, name)) = &ctx.interface {
        let name = name.as_deref().unwrap_or("unknown");
        b.field(&SECTION, Value::UInt(1), (0, 0));
        b.add(
            &INTERFACE_ID,
            Value::UInt(u64::from(*id)),
            (0, 0),
            format_args!("Interface id: {id} ({name})"),
        );
        b.open();
        b.field(&INTERFACE_NAME, Value::Str(name.to_owned()), (0, 0));
        b.close();
    }
    let (encap, name) = encapsulation(frame.linktype);
    b.add(
        &ENCAP,
        Value::UInt(encap),
        (0, 0),
        format_args!("Encapsulation type: {name} ({encap})"),
    );
    if frame.precision != crate::frame::TsPrecision::None {
        times(b, frame.ts, ctx);
    }
    numbers(b, ctx.number, wire, kept);
    marks(b);
    rest(b, protocols);
}

/// The frame's layer when a filter names none of its fields (see [`super::Selection`]): the
/// protocols' lines alone, and its time.
pub(super) fn build_protocol_only(b: &mut Builder, frame: &Frame<'_>) {
    if !frame.comments().is_empty() {
        b.protocol_only(&PKT_COMMENT, 0);
    }
    b.protocol_only(&FRAME, 0);
    if frame.precision != crate::frame::TsPrecision::None {
        b.set_time(frame.ts);
    }
}

/// `byte` for one, `bytes` for any other number.
fn bytes_word(n: u64) -> &'static str {
    if n == 1 {
        "byte"
    } else {
        "bytes"
    }
}

/// A pcapng Custom Block's Private Enterprise Number and whether it may be copied, if the
/// frame is one.
pub fn custom_block(frame: &Frame<'_>) -> Option<(u32, bool)> {
    let copied = match frame.linktype {
        LinkType::PCAPNG_CUSTOM => true,
        LinkType::PCAPNG_CUSTOM_NO_COPY => false,
        _ => return None,
    };
    let pen = frame.data.get(..4)?;
    Some((u32::from_be_bytes([pen[0], pen[1], pen[2], pen[3]]), copied))
}

/// A pcapng Custom Block's subtree: its data's length (the PEN before it not counted), the
/// PEN and whether the block may be copied.
fn build_custom(
    b: &mut Builder,
    frame: &Frame<'_>,
    ctx: &FrameContext,
    protocols: &[&str],
    pen: u32,
    copied: bool,
) {
    let len = frame.data.len().saturating_sub(4) as u64;
    let name = crate::enterprises::name(pen);
    b.add(
        &FRAME,
        Value::None,
        (0, len as usize),
        format_args!(
            "PCAPNG Custom Block {}: {len} bytes ({} bits) of custom data and options, PEN {name} ({pen}), copying {}",
            ctx.number,
            len * 8,
            if copied { "allowed" } else { "not allowed" }
        ),
    );
    b.open();
    b.field(&SECTION, Value::UInt(1), (0, 0));
    numbers(b, ctx.number, u64::from(frame.wire_len), len);
    marks(b);
    b.add(
        &CB_PEN,
        Value::UInt(u64::from(pen)),
        (0, 0),
        format_args!("Private Enterprise Number: {name} ({pen})"),
    );
    b.add(
        &CB_COPY,
        Value::Bool(copied),
        (0, 0),
        if copied {
            "Copying: Allowed"
        } else {
            "Copying: Not Allowed"
        },
    );
    rest(b, protocols);
}

/// Arrival Time, the time shift, Epoch Time and the times since the previous and first
/// frames: the lines of a frame with a timestamp.
fn times(b: &mut Builder, ts: Timestamp, ctx: &FrameContext) {
    b.set_time(ts);
    b.add(
        &TIME,
        Value::AbsTime(ts),
        (0, 0),
        format_args!("Arrival Time: {}", super::Lazy(|| local_time(ts))),
    );
    // A fraction of a second out of range (a pcap record's microseconds past a million),
    // kept as it is, as Wireshark keeps it.
    let nanos = ts.signed_nanos();
    if !(0..1_000_000_000).contains(&nanos) {
        b.expert_here(
            &super::TEXT,
            "frame.time_invalid",
            "Note",
            "Sequence",
            &format!(
                "Arrival Time: Fractional second {nanos:09} is invalid, the valid range is 0-1000000000"
            ),
        );
    }
    b.add(
        &SHIFT,
        Value::RelTime(0, 0),
        (0, 0),
        "Time shift for this packet: 0.000000000 seconds",
    )
    .generated = true;
    let epoch = Value::RelTime(ts.secs, nanos);
    b.add(
        &EPOCH,
        epoch.clone(),
        (0, 0),
        format_args!("Epoch Time: {} seconds", super::rel_time(ts.secs, nanos)),
    );
    for (field, since) in [
        (&DELTA, ctx.previous),
        (&DELTA_DISPLAYED, ctx.previous_displayed),
        (&RELATIVE, ctx.first),
    ] {
        let (s, n) = ts.delta(since);
        b.add(
            field,
            Value::RelTime(s, n),
            (0, 0),
            format_args!("{}: {} seconds", field.name, super::rel_time(s, n)),
        )
        .generated = true;
    }
}

/// Frame Number, Frame Length and Capture Length.
fn numbers(b: &mut Builder, number: u64, wire: u64, kept: u64) {
    b.field(&NUMBER, Value::UInt(number), (0, 0));
    b.add(
        &LEN,
        Value::UInt(wire),
        (0, 0),
        format_args!(
            "Frame Length: {wire} {} ({} bits)",
            bytes_word(wire),
            wire * 8
        ),
    );
    b.add(
        &CAP_LEN,
        Value::UInt(kept),
        (0, 0),
        format_args!(
            "Capture Length: {kept} {} ({} bits)",
            bytes_word(kept),
            kept * 8
        ),
    );
}

/// The frame is neither marked nor ignored.
fn marks(b: &mut Builder) {
    for field in [&MARKED, &IGNORED] {
        b.add(
            field,
            Value::Bool(false),
            (0, 0),
            format_args!("{}: False", field.name),
        )
        .generated = true;
    }
}

/// The protocols in the frame, and the end of its subtree.
fn rest(b: &mut Builder, protocols: &[&str]) {
    let list = protocols.join(":");
    b.add(
        &PROTOCOLS,
        Value::Str(list.clone()),
        (0, 0),
        format_args!("Protocols in frame: {list}"),
    )
    .generated = true;
    b.close();
}

/// A time of day as Wireshark shows an arrival time, in the local time zone (`TZ`):
/// `Nov 24, 2026 14:51:45.898348000 UTC`.
pub(super) fn local_time(ts: Timestamp) -> String {
    use std::cell::RefCell;
    // The second's text, remembered: consecutive packets mostly share it, and the C
    // library's conversion reads the zone's rules each time.
    thread_local! {
        static LAST: RefCell<Option<(i64, String, String)>> = const { RefCell::new(None) };
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if last.as_ref().is_none_or(|(secs, _, _)| *secs != ts.secs) {
            *last = local(ts.secs).map(|tm| {
                let day = format!(
                    "{} {:2}, {} {:02}:{:02}:{:02}",
                    MONTHS
                        .get(usize::try_from(tm.month).unwrap_or(0))
                        .unwrap_or(&"???"),
                    tm.day,
                    tm.year,
                    tm.hour,
                    tm.minute,
                    tm.second
                );
                (ts.secs, day, tm.zone)
            });
        }
        match last.as_ref() {
            Some((_, day, zone)) => format!("{day}.{:09} {zone}", ts.signed_nanos()),
            None => "Not representable".to_owned(),
        }
    })
}

/// A frame's local date, as in tshark's JSON index names: `2026-11-24`.
pub(super) fn local_date(ts: Timestamp) -> String {
    local(ts.secs).map_or_else(String::new, |tm| {
        format!("{}-{:02}-{:02}", tm.year, tm.month + 1, tm.day)
    })
}

/// A frame's time in UTC as `-T ek` writes it: `2026-11-24T14:51:45.898348000Z`.
pub(super) fn iso_utc(ts: Timestamp) -> String {
    let t: libc::time_t = ts.secs;
    // SAFETY: gmtime_r writes only into `tm`, which lives for the call.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    if unsafe { libc::gmtime_r(&t, &mut tm) }.is_null() {
        return "Not representable".to_owned();
    }
    format!(
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
        i64::from(tm.tm_year) + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        ts.nanos
    )
}

/// A broken-down local time.
struct LocalTime {
    year: i64,
    /// 0 for January.
    month: i32,
    day: i32,
    hour: i32,
    minute: i32,
    second: i32,
    /// The zone's abbreviation (`UTC`, `CET`).
    zone: String,
}

/// `secs` since the epoch in the local time zone, as the C library sees it (`TZ`).
fn local(secs: i64) -> Option<LocalTime> {
    let t = libc::time_t::try_from(secs).ok()?;
    // SAFETY: localtime_r writes only into `tm`, which lives for the call; tzset reads TZ.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    extern "C" {
        /// Reads `TZ` (POSIX; `localtime_r` need not).
        fn tzset();
    }
    let ok = unsafe {
        tzset();
        !libc::localtime_r(&t, &mut tm).is_null()
    };
    if !ok {
        return None;
    }
    let zone = if tm.tm_zone.is_null() {
        String::new()
    } else {
        // SAFETY: tm_zone points at a NUL-terminated name that the C library keeps.
        unsafe { std::ffi::CStr::from_ptr(tm.tm_zone) }
            .to_string_lossy()
            .into_owned()
    };
    Some(LocalTime {
        year: i64::from(tm.tm_year) + 1900,
        month: tm.tm_mon,
        day: tm.tm_mday,
        hour: tm.tm_hour,
        minute: tm.tm_min,
        second: tm.tm_sec,
        zone,
    })
}
