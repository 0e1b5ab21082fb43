//! TCP's subtree: the header's fields, the flag bits, each option, and what the flow stage
//! adds (stream, relative numbers, scaled window, completeness, `[Timestamps]`, `[SEQ/ACK
//! analysis]`).

use std::fmt::Write as _;

use super::tcp_options::{self, OptionsEnd};
use super::{bit_prefix, hex, rel_time, Base, Builder, Field, Kind, Value};
use crate::decode::{Packet, TcpHeader, TcpProblem};
use crate::flow::analysis::{Tag, Tags};
use crate::flow::details::{completeness as bits, SegmentDetails};
use crate::flow::direction::WindowScale;
use crate::flow::{Numbers, QuotedSegment, Side, Step, TcpState, TcpView};
use crate::tcp::TcpFlags;
use crate::timeline::TcpFields;

fields! {
    TCP: "tcp", "Transmission Control Protocol", Kind::Protocol;
    SRCPORT: "tcp.srcport", "Source Port", Kind::UInt(16, Base::Dec);
    DSTPORT: "tcp.dstport", "Destination Port", Kind::UInt(16, Base::Dec);
    PORT: "tcp.port", "Source or Destination Port", Kind::UInt(16, Base::Dec);
    STREAM: "tcp.stream", "Stream index", Kind::UInt(32, Base::Dec);
    COMPLETENESS: "tcp.completeness", "Conversation completeness", Kind::UInt(8, Base::Dec);
    LEN: "tcp.len", "TCP Segment Len", Kind::UInt(32, Base::Dec);
    SEQ: "tcp.seq", "Sequence Number", Kind::UInt(32, Base::Dec);
    SEQ_RAW: "tcp.seq_raw", "Sequence Number (raw)", Kind::UInt(32, Base::Dec);
    NXTSEQ: "tcp.nxtseq", "Next Sequence Number", Kind::UInt(32, Base::Dec);
    ACK: "tcp.ack", "Acknowledgment Number", Kind::UInt(32, Base::Dec);
    ACK_RAW: "tcp.ack_raw", "Acknowledgment number (raw)", Kind::UInt(32, Base::Dec);
    HDR_LEN: "tcp.hdr_len", "Header Length", Kind::UInt(8, Base::Dec);
    FLAGS: "tcp.flags", "Flags", Kind::UInt(16, Base::Hex);
    FLAG_RES: "tcp.flags.res", "Reserved", Kind::Bool;
    FLAG_AE: "tcp.flags.ae", "Accurate ECN", Kind::Bool;
    FLAG_CWR: "tcp.flags.cwr", "Congestion Window Reduced", Kind::Bool;
    FLAG_ACE: "tcp.flags.ace", "ACE", Kind::UInt(8, Base::Dec);
    FLAG_ECE: "tcp.flags.ece", "ECN-Echo", Kind::Bool;
    FLAG_URG: "tcp.flags.urg", "Urgent", Kind::Bool;
    FLAG_ACK: "tcp.flags.ack", "Acknowledgment", Kind::Bool;
    FLAG_PUSH: "tcp.flags.push", "Push", Kind::Bool;
    FLAG_RESET: "tcp.flags.reset", "Reset", Kind::Bool;
    FLAG_SYN: "tcp.flags.syn", "Syn", Kind::Bool;
    FLAG_FIN: "tcp.flags.fin", "Fin", Kind::Bool;
    FLAGS_STR: "tcp.flags.str", "TCP Flags", Kind::Str;
    WINDOW_VALUE: "tcp.window_size_value", "Window", Kind::UInt(16, Base::Dec);
    WINDOW: "tcp.window_size", "Calculated window size", Kind::UInt(32, Base::Dec);
    SCALEFACTOR: "tcp.window_size_scalefactor", "Window size scaling factor", Kind::Int;
    CHECKSUM: "tcp.checksum", "Checksum", Kind::UInt(16, Base::Hex);
    CHECKSUM_STATUS: "tcp.checksum.status", "Checksum Status", Kind::UInt(8, Base::Dec);
    URGENT: "tcp.urgent_pointer", "Urgent Pointer", Kind::UInt(16, Base::Dec);
    TIME_RELATIVE: "tcp.time_relative", "Time since first frame in this TCP stream", Kind::RelTime;
    TIME_DELTA: "tcp.time_delta", "Time since previous frame in this TCP stream", Kind::RelTime;
    ANALYSIS: "tcp.analysis", "SEQ/ACK analysis", Kind::Text;
    ACKS_FRAME: "tcp.analysis.acks_frame", "This is an ACK to the segment in frame", Kind::FrameNum;
    ACK_RTT: "tcp.analysis.ack_rtt", "The RTT to ACK the segment was", Kind::RelTime;
    INITIAL_RTT: "tcp.analysis.initial_rtt", "iRTT", Kind::RelTime;
    BYTES_IN_FLIGHT: "tcp.analysis.bytes_in_flight", "Bytes in flight", Kind::UInt(32, Base::Dec);
    PUSH_BYTES_SENT: "tcp.analysis.push_bytes_sent", "Bytes sent since last PSH flag", Kind::UInt(32, Base::Dec);
    PAYLOAD: "tcp.payload", "TCP payload", Kind::Bytes;
    SEGMENT_DATA: "tcp.segment_data", "TCP segment data", Kind::Bytes;
    SEGMENTS: "tcp.segments", "Reassembled TCP Segments", Kind::Text;
    SEGMENT: "tcp.segment", "TCP Segment", Kind::FrameNum;
    SEGMENT_COUNT: "tcp.segment.count", "Segment count", Kind::UInt(32, Base::Dec);
    REASSEMBLED_LENGTH: "tcp.reassembled.length", "Reassembled TCP length", Kind::UInt(32, Base::Dec);
    REASSEMBLED_DATA: "tcp.reassembled.data", "Reassembled TCP Data", Kind::Bytes;
    ANALYSIS_FLAGS: "tcp.analysis.flags", "TCP Analysis Flags", Kind::Text;
    A_REUSED_PORTS: "tcp.analysis.reused_ports", "A new tcp session is started with the same ports as an earlier session in this trace", Kind::Text;
    A_RETRANSMISSION: "tcp.analysis.retransmission", "This frame is a (suspected) retransmission", Kind::Text;
    A_FAST_RETRANSMISSION: "tcp.analysis.fast_retransmission", "This frame is a (suspected) fast retransmission", Kind::Text;
    A_SPURIOUS_RETRANSMISSION: "tcp.analysis.spurious_retransmission", "This frame is a (suspected) spurious retransmission", Kind::Text;
    A_OUT_OF_ORDER: "tcp.analysis.out_of_order", "This frame is a (suspected) out-of-order segment", Kind::Text;
    A_LOST_SEGMENT: "tcp.analysis.lost_segment", "Previous segment(s) not captured (common at capture start)", Kind::Text;
    A_ACK_LOST_SEGMENT: "tcp.analysis.ack_lost_segment", "ACKed segment that wasn't captured (common at capture start)", Kind::Text;
    A_WINDOW_UPDATE: "tcp.analysis.window_update", "TCP window update", Kind::Text;
    A_WINDOW_FULL: "tcp.analysis.window_full", "TCP window specified by the receiver is now completely full", Kind::Text;
    A_KEEP_ALIVE: "tcp.analysis.keep_alive", "TCP keep-alive segment", Kind::Text;
    A_KEEP_ALIVE_ACK: "tcp.analysis.keep_alive_ack", "ACK to a TCP keep-alive segment", Kind::Text;
    A_DUPLICATE_ACK: "tcp.analysis.duplicate_ack", "This is a TCP duplicate ack", Kind::Text;
    A_DUPLICATE_ACK_NUM: "tcp.analysis.duplicate_ack_num", "Duplicate ACK #", Kind::UInt(32, Base::Dec);
    A_DUPLICATE_ACK_FRAME: "tcp.analysis.duplicate_ack_frame", "Duplicate to the ACK in frame", Kind::FrameNum;
    A_ZERO_WINDOW_PROBE: "tcp.analysis.zero_window_probe", "TCP Zero Window Probe", Kind::Text;
    A_ZERO_WINDOW: "tcp.analysis.zero_window", "TCP Zero Window segment", Kind::Text;
    A_ZERO_WINDOW_PROBE_ACK: "tcp.analysis.zero_window_probe_ack", "ACK to a TCP Zero Window Probe", Kind::Text;
    A_RTO: "tcp.analysis.rto", "The RTO for this segment was", Kind::RelTime;
    A_RTO_FRAME: "tcp.analysis.rto_frame", "RTO based on delta from frame", Kind::FrameNum;
}

/// Wireshark's text for a completeness value.
fn completeness_text(c: u8) -> String {
    let handshake = bits::SYN | bits::SYN_ACK | bits::ACK;
    let state = match c {
        _ if c == bits::SYN => "Incomplete, SYN_SENT",
        _ if c == bits::SYN | bits::SYN_ACK => "Incomplete, CLIENT_ESTABLISHED",
        _ if c == handshake => "Incomplete, ESTABLISHED",
        _ if c == handshake | bits::DATA => "Incomplete, DATA",
        _ if c & handshake == handshake
            && c & bits::DATA != 0
            && c & (bits::FIN | bits::RST) != 0 =>
        {
            "Complete, WITH_DATA"
        }
        _ if c & handshake == handshake && c & (bits::FIN | bits::RST) != 0 => "Complete, NO_DATA",
        _ => "Incomplete",
    };
    format!("Conversation completeness: {state} ({c})")
}

/// The flag bits, in the order the tree shows them, with their mask in the 12-bit field.
const FLAG_BITS: [(&Field, u16, &str); 10] = [
    (&FLAG_AE, 0x100, "Accurate ECN"),
    (&FLAG_CWR, 0x080, "Congestion Window Reduced"),
    (&FLAG_ECE, 0x040, "ECN-Echo"),
    (&FLAG_URG, 0x020, "Urgent"),
    (&FLAG_ACK, 0x010, "Acknowledgment"),
    (&FLAG_PUSH, 0x008, "Push"),
    (&FLAG_RESET, 0x004, "Reset"),
    (&FLAG_SYN, 0x002, "Syn"),
    (&FLAG_FIN, 0x001, "Fin"),
    (&FLAG_RES, 0xe00, "Reserved"),
];

/// `[TCP Flags: ·······AP···]`: one character a bit, a middle dot when clear.
/// With Accurate ECN (`ace`), the AE, CWR and ECE places show the counter: `···-2-·A····`.
fn flags_string(bits: u16, ace: bool) -> String {
    "RRRACEUAPRSF"
        .chars()
        .enumerate()
        .map(|(i, c)| match i {
            3 | 5 if ace => '-',
            4 if ace => char::from(b'0' + ((bits >> 6) & 7) as u8),
            _ if bits & (0x800 >> i) != 0 => c,
            _ => '·',
        })
        .collect()
}

fn be16(data: &[u8], at: usize) -> u16 {
    data.get(at..at + 2)
        .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]))
}

/// Builds TCP's subtree for the header at `at`.
pub(super) fn build(
    b: &mut Builder,
    data: &[u8],
    at: usize,
    packet: &Packet,
    tcp: Option<&TcpFields>,
    unanalysed: Option<&(TcpHeader, QuotedSegment)>,
) {
    let problem = match &packet.transport {
        crate::decode::Transport::Tcp(seg) => seg.problem,
        _ => None,
    };
    match (problem, tcp, unanalysed) {
        (Some(TcpProblem::BogusHeaderLen(_)), Some(t), _) => bogus(b, at, &t.header, &t.view),
        (Some(TcpProblem::PastTheFrame), _, Some(quote)) => {
            let view = unanalysed_view(quote);
            build_segment(b, data, at, &quote.0, &view, Mode::PastTheFrame);
        }
        (Some(TcpProblem::TooShort), _, _) => {
            let (src, dst) = (be16(data, at), be16(data, at + 2));
            b.add(
                &TCP,
                Value::None,
                (at, data.len().saturating_sub(at).min(20)),
                format_args!("Transmission Control Protocol, Src Port: {src}, Dst Port: {dst}"),
            );
            b.open();
            ports(b, src, dst, at);
            b.close();
            super::malformed(b, "TCP", data.len());
        }
        (_, Some(t), _) if data.len() < at + 20 => {
            // The capture cut the fixed header: Wireshark shows its fields up to the cut.
            let first = b.last() + 1;
            build_segment(b, data, at, &t.header, &t.view, Mode::Segment);
            b.cut_at(first, data.len());
            super::truncated(b, "TCP", data.len());
        }
        (_, Some(t), _) => build_segment(b, data, at, &t.header, &t.view, Mode::Segment),
        (None, None, Some(quote)) => {
            let view = unanalysed_view(quote);
            build_segment(b, data, at, &quote.0, &view, Mode::Unmeasured);
        }
        _ if data.len() >= at + 4 && data.len() < at + 20 => {
            build_ports_only(b, data, at);
            super::truncated(b, "TCP", data.len());
        }
        _ => {}
    }
}

/// Whether [`build`] adds the segment's whole header, as a layer with nothing amiss: then, for
/// a filter that names none of TCP's fields, the protocol's line alone stands for it (see
/// [`super::Selection`]).
pub(super) fn built_whole(
    data: &[u8],
    at: usize,
    packet: &Packet,
    tcp: Option<&TcpFields>,
) -> bool {
    let problem = match &packet.transport {
        crate::decode::Transport::Tcp(seg) => seg.problem,
        _ => None,
    };
    problem.is_none() && tcp.is_some() && data.len() >= at + 20
}

/// A TCP header the capture cut after its ports: the ports, all Wireshark reads of it.
pub(super) fn build_ports_only(b: &mut Builder, data: &[u8], at: usize) {
    let (src, dst) = (be16(data, at), be16(data, at + 2));
    b.add(
        &TCP,
        Value::None,
        (at, data.len().saturating_sub(at)),
        format_args!("Transmission Control Protocol, Src Port: {src}, Dst Port: {dst}"),
    );
    b.open();
    ports(b, src, dst, at);
    b.close();
}

/// The port lines, and the hidden `tcp.port` of each.
fn ports(b: &mut Builder, src: u16, dst: u16, at: usize) {
    b.field(&SRCPORT, Value::UInt(u64::from(src)), (at, 2));
    b.field(&DSTPORT, Value::UInt(u64::from(dst)), (at + 2, 2));
    b.hidden(&PORT, Value::UInt(u64::from(src)), (at, 2));
    b.hidden(&PORT, Value::UInt(u64::from(dst)), (at + 2, 2));
}

/// A header whose length field says less than 20 bytes: as far as Wireshark reads it, with
/// the analysis's relative sequence number, up to the length and its note.
fn bogus(b: &mut Builder, at: usize, h: &TcpHeader, v: &TcpView) {
    let d = v.details.as_deref().copied().unwrap_or_default();
    b.add(
        &TCP,
        Value::None,
        (at, 20),
        format_args!(
            "Transmission Control Protocol, Src Port: {}, Dst Port: {}, Seq: {}",
            h.src_port, h.dst_port, v.numbers.seq
        ),
    );
    b.open();
    ports(b, h.src_port, h.dst_port, at);
    b.generated(&STREAM, Value::UInt(u64::from(v.stream)), (at, 0));
    b.add(
        &COMPLETENESS,
        Value::UInt(u64::from(d.completeness)),
        (at, 0),
        completeness_text(d.completeness),
    )
    .generated = true;
    b.generated(&LEN, Value::UInt(u64::from(h.payload_len)), (at + 12, 1));
    sequence_lines(b, h, v, at);
    let units = h.header_len / 4;
    b.add(
        &HDR_LEN,
        Value::UInt(u64::from(h.header_len)),
        (at + 12, 1),
        format_args!(
            "{}Header Length: {} bytes ({units})",
            bit_prefix(u64::from(units) << 4, 0xf0, 8),
            h.header_len
        ),
    );
    b.expert(
        "tcp.bogus_header_length",
        "Error",
        "Protocol",
        &format!(
            "Bogus TCP header length ({}, must be at least 20)",
            h.header_len
        ),
    );
    b.close();
}

/// The sequence number as shown (relative when analysed) and the raw one.
fn sequence_lines(b: &mut Builder, h: &TcpHeader, v: &TcpView, at: usize) {
    b.add(
        &SEQ,
        Value::UInt(u64::from(v.numbers.seq)),
        (at + 4, 4),
        format_args!(
            "Sequence Number: {}    (relative sequence number)",
            v.numbers.seq
        ),
    );
    b.field(&SEQ_RAW, Value::UInt(u64::from(h.seq.0)), (at + 4, 4));
}

/// The view of a segment Wireshark does not analyse: raw numbers, its conversation's stream,
/// completeness and times.
fn unanalysed_view((h, q): &(TcpHeader, QuotedSegment)) -> TcpView {
    TcpView {
        stream: q.stream,
        side: Side::ClientToServer,
        numbers: Numbers {
            seq: h.seq.0,
            ack: h.flags.contains(TcpFlags::ACK).then_some(h.ack.0),
            next_seq: None,
            // Not scaled: Wireshark scales a window only for a segment it analyses.
            window: u32::from(h.window),
            scale: q.scale,
            sack: Vec::new(),
        },
        step: Step::Ack,
        tags: Tags::default(),
        client_state: TcpState::Closed,
        server_state: TcpState::Closed,
        ace: false,
        details: Some(Box::new(SegmentDetails {
            completeness: q.completeness,
            since_first: q.since_first,
            since_previous: q.since_previous,
            irtt: q.irtt.filter(|_| h.flags.contains(TcpFlags::SYN)),
            ..SegmentDetails::default()
        })),
    }
}

/// How a TCP header is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A segment of its own, analysed.
    Segment,
    /// Quoted by an ICMP error: its sequence number first, raw, as Wireshark puts it there.
    QuotedByIcmp,
    /// Quoted by an ICMPv6 error: the sequence number where a segment has it, not relative.
    QuotedByIcmpv6,
    /// A header running past its frame: not analysed, and the frame is malformed.
    PastTheFrame,
    /// The first piece of a packet not put back together: not analysed, its length unknown.
    Unmeasured,
}

/// The subtree of a TCP header an ICMP error quotes whole, at `at`, as Wireshark shows one:
/// its raw numbers, its conversation's stream, completeness and times, no analysis. Returns
/// where its payload is and how much of it the quote holds.
pub(super) fn build_quoted(
    b: &mut Builder,
    data: &[u8],
    (at, end): (usize, usize),
    by_icmpv6: bool,
    (h, q): &(TcpHeader, QuotedSegment),
) -> Option<(usize, usize)> {
    let view = unanalysed_view(&(h.clone(), *q));
    let mode = if by_icmpv6 {
        Mode::QuotedByIcmpv6
    } else {
        Mode::QuotedByIcmp
    };
    let start = at + h.header_len as usize;
    // The payload as far as the quoted IP header says, of what the quote holds.
    let kept = end.min(data.len()).saturating_sub(start);
    let h = TcpHeader {
        payload_len: u32::try_from(kept).unwrap_or(u32::MAX),
        ..h.clone()
    };
    build_segment(b, data, at, &h, &view, mode);
    (kept > 0).then_some((start, kept))
}

/// A segment's subtree; `quoted` for a header an ICMP error quotes (raw numbers, no
/// analysis, the lines Wireshark shows for one).
fn build_segment(b: &mut Builder, data: &[u8], at: usize, h: &TcpHeader, v: &TcpView, mode: Mode) {
    let quoted = mode != Mode::Segment;
    let details = v.details.as_deref().copied().unwrap_or_default();
    let d = &details;
    let header_len = h.header_len as usize;
    let flag_bits = h.flags.bits();
    // (Labels that take work to make are made only for a tree that shows them.)
    let labelled = b.labelled();
    let mut title = String::new();
    if labelled {
        let _ = write!(
            title,
            "Transmission Control Protocol, Src Port: {}, Dst Port: {}, Seq: {}",
            h.src_port, h.dst_port, v.numbers.seq
        );
        if let Some(ack) = v.numbers.ack {
            let _ = write!(title, ", Ack: {ack}");
        }
        if !quoted {
            let _ = write!(title, ", Len: {}", h.payload_len);
        }
    }
    b.add(&TCP, Value::None, (at, header_len), title);
    b.open();
    b.field(&SRCPORT, Value::UInt(u64::from(h.src_port)), (at, 2));
    b.field(&DSTPORT, Value::UInt(u64::from(h.dst_port)), (at + 2, 2));
    b.hidden(&PORT, Value::UInt(u64::from(h.src_port)), (at, 2));
    b.hidden(&PORT, Value::UInt(u64::from(h.dst_port)), (at + 2, 2));
    if mode == Mode::QuotedByIcmp {
        b.field(&SEQ, Value::UInt(u64::from(h.seq.0)), (at + 4, 4));
    }
    b.generated(&STREAM, Value::UInt(u64::from(v.stream)), (at, 0));
    let c = d.completeness;
    let text = if labelled {
        completeness_text(c)
    } else {
        String::new()
    };
    b.add(&COMPLETENESS, Value::UInt(u64::from(c)), (at, 0), text)
        .generated = true;
    if mode == Mode::PastTheFrame {
        let text = "Short segment. Segment/fragment does not contain a full TCP header (might be NMAP or someone else deliberately sending unusual packets)";
        b.text(text, false);
        b.expert("tcp.short_segment", "Warning", "Malformed", text);
    }
    if mode != Mode::QuotedByIcmp {
        if !quoted {
            b.generated(&LEN, Value::UInt(u64::from(h.payload_len)), (at + 12, 1));
        }
        sequence_lines(b, h, v, at);
    }
    if !quoted {
        let syn_fin = h.flags.intersects(TcpFlags::SYN | TcpFlags::FIN);
        let next = v.numbers.next_seq.unwrap_or_else(|| {
            v.numbers
                .seq
                .wrapping_add(h.payload_len)
                .wrapping_add(u32::from(syn_fin))
        });
        b.add(
            &NXTSEQ,
            Value::UInt(u64::from(next)),
            (at, 0),
            format_args!("Next Sequence Number: {next}    (relative sequence number)"),
        )
        .generated = true;
    }
    match v.numbers.ack {
        Some(ack) => {
            b.add(
                &ACK,
                Value::UInt(u64::from(ack)),
                (at + 8, 4),
                format_args!("Acknowledgment Number: {ack}    (relative ack number)"),
            );
            // A SYN-ACK acknowledging more than the SYN took the SYN's data (TCP Fast Open).
            if h.flags.contains(TcpFlags::SYN) && ack > 1 && !quoted {
                b.expert(
                    "tcp.analysis.tfo_ack",
                    "Note",
                    "Sequence",
                    "TCP SYN-ACK accepting TFO data",
                );
            }
        }
        None => {
            b.field(&ACK, Value::UInt(u64::from(h.ack.0)), (at + 8, 4));
            if h.ack.0 != 0 {
                b.expert(
                    "tcp.ack.nonzero",
                    "Note",
                    "Protocol",
                    "The acknowledgment number field is nonzero while the ACK flag is not set",
                );
            }
        }
    }
    b.field(&ACK_RAW, Value::UInt(u64::from(h.ack.0)), (at + 8, 4));
    let offset_byte = u64::from(data.get(at + 12).copied().unwrap_or(0));
    b.add(
        &HDR_LEN,
        Value::UInt(header_len as u64),
        (at + 12, 1),
        format_args!(
            "{}Header Length: {header_len} bytes ({})",
            bit_prefix(offset_byte, 0xf0, 8),
            offset_byte >> 4
        ),
    );
    // With Accurate ECN negotiated, AE, CWR and ECE are one 3-bit counter, ACE.
    let ace = v.ace;
    let mut names = String::new();
    match (labelled, ace) {
        (false, _) => {}
        (true, true) => h.flags.push_names_with_ace(&mut names),
        (true, false) => h.flags.push_names(&mut names),
    }
    b.add(
        &FLAGS,
        Value::UInt(u64::from(flag_bits)),
        (at + 12, 2),
        format_args!("Flags: 0x{flag_bits:03x} ({names})"),
    );
    b.open();
    let syn_ack = h.flags.contains(TcpFlags::SYN | TcpFlags::ACK);
    for (field, mask, name) in [FLAG_BITS[9]].iter().chain(&FLAG_BITS[..9]) {
        let set = flag_bits & mask != 0;
        if ace && *mask & 0x1c0 != 0 {
            if *mask == 0x100 {
                let counter = (flag_bits >> 6) & 7;
                b.add(
                    &FLAG_ACE,
                    Value::UInt(u64::from(counter)),
                    (at + 12, 2),
                    format_args!(
                        "{}ACE: {counter}",
                        bit_prefix(u64::from(flag_bits), 0x1c0, 12)
                    ),
                );
            }
            continue;
        }
        b.add(
            field,
            Value::Bool(set),
            (at + 12, 2),
            format_args!(
                "{}{name}: {}",
                bit_prefix(u64::from(flag_bits), u64::from(*mask), 12),
                if set { "Set" } else { "Not set" }
            ),
        );
        match (*mask, set) {
            (0x002, true) if syn_ack => b.expert(
                "tcp.connection.synack",
                "Chat",
                "Sequence",
                &format!(
                    "Connection establish acknowledge (SYN+ACK): server port {}",
                    h.src_port
                ),
            ),
            (0x002, true) => b.expert(
                "tcp.connection.syn",
                "Chat",
                "Sequence",
                &format!(
                    "Connection establish request (SYN): server port {}",
                    h.dst_port
                ),
            ),
            (0x001, true) => {
                b.expert(
                    "tcp.connection.fin",
                    "Chat",
                    "Sequence",
                    "Connection finish (FIN)",
                );
            }
            (0x004, true) => {
                b.expert(
                    "tcp.connection.rst",
                    "Warning",
                    "Sequence",
                    "Connection reset (RST)",
                );
            }
            _ => {}
        }
    }
    let shown = flags_string(flag_bits, ace);
    b.add(
        &FLAGS_STR,
        Value::Str(shown.clone()),
        (at + 12, 2),
        format_args!("TCP Flags: {shown}"),
    )
    .generated = true;
    if h.flags.contains(TcpFlags::FIN) {
        if d.first_fin {
            b.expert(
                "tcp.connection.fin_active",
                "Note",
                "Sequence",
                "This frame initiates the connection closing",
            );
        } else {
            b.expert(
                "tcp.connection.fin_passive",
                "Note",
                "Sequence",
                "This frame undergoes the connection closing",
            );
        }
    }
    b.close();
    b.field(
        &WINDOW_VALUE,
        Value::UInt(u64::from(h.window)),
        (at + 14, 2),
    );
    b.generated(
        &WINDOW,
        Value::UInt(u64::from(v.numbers.window)),
        (at + 14, 2),
    );
    if !h.flags.contains(TcpFlags::SYN) {
        let label = match v.numbers.scale {
            _ if !labelled => String::new(),
            WindowScale::Unknown => "Window size scaling factor: -1 (unknown)".to_owned(),
            WindowScale::NoScaling => {
                "Window size scaling factor: -2 (no window scaling used)".to_owned()
            }
            WindowScale::Shift(s) => format!("Window size scaling factor: {}", 1u64 << s.min(14)),
        };
        b.add(
            &SCALEFACTOR,
            Value::Int(v.numbers.scale.factor()),
            (at + 14, 2),
            label,
        )
        .generated = true;
    }
    let checksum = be16(data, at + 16);
    b.add(
        &CHECKSUM,
        Value::UInt(u64::from(checksum)),
        (at + 16, 2),
        format_args!("Checksum: {} [unverified]", hex(u64::from(checksum), 16)),
    );
    b.add(
        &CHECKSUM_STATUS,
        Value::UInt(2),
        (at + 16, 0),
        "Checksum Status: Unverified",
    )
    .generated = true;
    let urgent = be16(data, at + 18);
    b.field(&URGENT, Value::UInt(u64::from(urgent)), (at + 18, 2));
    if urgent != 0 && !h.flags.contains(TcpFlags::URG) {
        b.expert(
            "tcp.urgent_pointer.non_zero",
            "Note",
            "Protocol",
            "The urgent pointer field is nonzero while the URG flag is not set",
        );
    }
    // The base the SACK edges are relative to: the peer's, as the acknowledgment shows it.
    let sack_base = v.numbers.ack.map(|ack| h.ack.0.wrapping_sub(ack));
    let end = tcp_options::build(
        b,
        data,
        (at + 20, header_len.saturating_sub(20)),
        h.flags.contains(TcpFlags::SYN),
        &v.numbers.sack,
        sack_base,
    );
    timestamps(b, d, at);
    if end != OptionsEnd::Whole {
        // Wireshark stops where the options could not be read, after the timestamps: no
        // analysis, no payload, and a line saying why.
        b.close();
        if mode == Mode::PastTheFrame {
            // The frame was captured whole: the header is malformed, not cut.
            super::malformed(b, "TCP", data.len());
        } else {
            tcp_options::stopped(b, data.len(), end);
        }
        return;
    }
    if quoted {
        if let Some(irtt) = d.irtt {
            b.add(&ANALYSIS, Value::None, (at, 0), "SEQ/ACK analysis")
                .generated = true;
            b.open();
            b.add(
                &INITIAL_RTT,
                Value::RelTime(irtt.0, irtt.1),
                (at, 0),
                format_args!("iRTT: {} seconds", rel_time(irtt.0, irtt.1)),
            )
            .generated = true;
            b.close();
        }
    } else {
        analysis(b, d, v.tags, at);
    }
    let start = at + header_len;
    let kept = data.len().saturating_sub(start).min(h.payload_len as usize);
    // (A payload the capture kept none of is not shown.)
    if h.payload_len > 0 && kept > 0 {
        b.add(
            &PAYLOAD,
            Value::Bytes,
            (start, kept),
            format_args!(
                "TCP payload ({})",
                super::bytes_text(h.payload_len as usize)
            ),
        );
        // Only for a payload captured whole: Wireshark adds it where it would reassemble,
        // which needs every byte.
        if retransmitted_data(v.tags) && kept == h.payload_len as usize {
            b.add(
                &SEGMENT_DATA,
                Value::Bytes,
                (start, kept),
                format_args!(
                    "Retransmitted TCP segment data ({})",
                    super::bytes_text(h.payload_len as usize)
                ),
            );
        }
    }
    b.close();
}

/// A payload Wireshark shows as retransmitted data rather than handing it on (a plain
/// retransmission of data already seen).
pub(super) fn retransmitted_data(tags: Tags) -> bool {
    tags.has(Tag::Retransmission)
        && !tags.has(Tag::FastRetransmission)
        && !tags.has(Tag::SpuriousRetransmission)
}

/// A payload Wireshark hands to no dissector at all: a spurious retransmission, an
/// out-of-order segment, a keep-alive's byte.
pub(super) fn payload_withheld(tags: Tags) -> bool {
    retransmitted_data(tags) || tags.has(Tag::SpuriousRetransmission) || tags.has(Tag::OutOfOrder)
}

/// `[Timestamps]`: the times since the stream's first and previous segments.
fn timestamps(b: &mut Builder, d: &SegmentDetails, at: usize) {
    // A text line, not a field: JSON names it by its text.
    b.text("Timestamps", true);
    b.open();
    for (field, (s, n)) in [
        (&TIME_RELATIVE, d.since_first),
        (&TIME_DELTA, d.since_previous),
    ] {
        b.add(
            field,
            Value::RelTime(s, n),
            (at, 0),
            format_args!("{}: {} seconds", field.name, rel_time(s, n)),
        )
        .generated = true;
    }
    b.close();
}

/// `[SEQ/ACK analysis]`, when there is something to say.
fn analysis(b: &mut Builder, d: &SegmentDetails, tags: Tags, at: usize) {
    // Wireshark shows it for a segment its analysis noted something about: an acknowledgment
    // timed, bytes in flight, bytes since PSH, a tag (the round trip is then added).
    if d.acks.is_none()
        && d.bytes_in_flight.is_none()
        && d.push_bytes_sent.is_none()
        && !tags.noted()
    {
        return;
    }
    b.add(&ANALYSIS, Value::None, (at, 0), "SEQ/ACK analysis")
        .generated = true;
    b.open();
    let time = |b: &mut Builder, field: &'static Field, (s, n): (i64, i64)| {
        b.add(
            field,
            Value::RelTime(s, n),
            (at, 0),
            format_args!("{}: {} seconds", field.name, rel_time(s, n)),
        )
        .generated = true;
    };
    if let Some((frame, rtt)) = d.acks {
        b.generated(&ACKS_FRAME, Value::UInt(frame), (at, 0));
        time(b, &ACK_RTT, rtt);
    }
    if let Some(irtt) = d.irtt {
        time(b, &INITIAL_RTT, irtt);
    }
    if let Some(n) = d.bytes_in_flight {
        b.generated(&BYTES_IN_FLIGHT, Value::UInt(u64::from(n)), (at, 0));
    }
    if let Some(n) = d.push_bytes_sent {
        b.generated(&PUSH_BYTES_SENT, Value::UInt(u64::from(n)), (at, 0));
    }
    if !tags.is_empty() {
        flags(b, d, tags, at, time);
    }
    b.close();
}

/// `[TCP Analysis Flags]`: an expert entry per tag, in the order Wireshark adds them; a
/// duplicate ACK's number and original frame follow the subtree.
fn flags(
    b: &mut Builder,
    d: &SegmentDetails,
    tags: Tags,
    at: usize,
    time: impl Fn(&mut Builder, &'static Field, (i64, i64)),
) {
    b.add(&ANALYSIS_FLAGS, Value::None, (at, 0), "TCP Analysis Flags")
        .generated = true;
    b.open();
    let expert = |b: &mut Builder, field: &'static Field, severity: &str| {
        b.expert_here(field, field.abbrev, severity, "Sequence", field.name);
    };
    if tags.has(Tag::PortReused) {
        expert(b, &A_REUSED_PORTS, "Note");
    }
    if tags.has(Tag::FastRetransmission) {
        expert(b, &A_FAST_RETRANSMISSION, "Note");
        expert(b, &A_RETRANSMISSION, "Note");
    } else if tags.has(Tag::SpuriousRetransmission) {
        expert(b, &A_SPURIOUS_RETRANSMISSION, "Note");
        expert(b, &A_RETRANSMISSION, "Note");
    } else if tags.has(Tag::Retransmission) {
        expert(b, &A_RETRANSMISSION, "Note");
        if let Some((frame, rto)) = d.rto {
            time(b, &A_RTO, rto);
            b.generated(&A_RTO_FRAME, Value::UInt(frame), (at, 0));
        }
    }
    for (tag, field, severity) in [
        (Tag::OutOfOrder, &A_OUT_OF_ORDER, "Warning"),
        (Tag::LostSegment, &A_LOST_SEGMENT, "Warning"),
        (Tag::AckedUnseen, &A_ACK_LOST_SEGMENT, "Warning"),
        (Tag::WindowUpdate, &A_WINDOW_UPDATE, "Chat"),
        (Tag::WindowFull, &A_WINDOW_FULL, "Warning"),
        (Tag::KeepAlive, &A_KEEP_ALIVE, "Note"),
        (Tag::KeepAliveAck, &A_KEEP_ALIVE_ACK, "Note"),
    ] {
        if tags.has(tag) {
            expert(b, field, severity);
        }
    }
    let dup = tags.dup_ack();
    if dup.is_some() {
        b.add(&A_DUPLICATE_ACK, Value::None, (at, 0), A_DUPLICATE_ACK.name)
            .generated = true;
    }
    for (tag, field, severity) in [
        (Tag::ZeroWindowProbe, &A_ZERO_WINDOW_PROBE, "Note"),
        (Tag::ZeroWindow, &A_ZERO_WINDOW, "Warning"),
        (Tag::ZeroWindowProbeAck, &A_ZERO_WINDOW_PROBE_ACK, "Note"),
    ] {
        if tags.has(tag) {
            expert(b, field, severity);
        }
    }
    b.close();
    if let Some((frame, n)) = dup {
        b.generated(&A_DUPLICATE_ACK_NUM, Value::UInt(u64::from(n)), (at, 0));
        b.generated(&A_DUPLICATE_ACK_FRAME, Value::UInt(frame), (at, 0));
        b.expert(
            "tcp.analysis.duplicate_ack",
            "Note",
            "Sequence",
            &format!("Duplicate ACK (#{n})"),
        );
    }
}

/// The first 8 bytes of a TCP header an ICMP error quotes: the ports and the raw sequence
/// number (Wireshark stops there, where the acknowledgment number would be).
pub(super) fn build_quoted_start(b: &mut Builder, data: &[u8], at: usize) {
    let (src, dst) = (be16(data, at), be16(data, at + 2));
    let seq = data
        .get(at + 4..at + 8)
        .map_or(0, |s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]));
    b.add(
        &TCP,
        Value::None,
        (at, 8),
        format_args!("Transmission Control Protocol, Src Port: {src}, Dst Port: {dst}"),
    );
    b.open();
    b.field(&SRCPORT, Value::UInt(u64::from(src)), (at, 2));
    b.field(&DSTPORT, Value::UInt(u64::from(dst)), (at + 2, 2));
    b.hidden(&PORT, Value::UInt(u64::from(src)), (at, 2));
    b.hidden(&PORT, Value::UInt(u64::from(dst)), (at + 2, 2));
    b.field(&SEQ, Value::UInt(u64::from(seq)), (at + 4, 4));
    b.close();
}
