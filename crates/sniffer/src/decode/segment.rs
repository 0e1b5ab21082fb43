//! TCP segments from the bytes after an IP header: through etherparse when the header is
//! whole, by hand from the fixed fields when the snapshot length cut it (etherparse wants the
//! whole header) or when Wireshark would call it bogus.

use serde::Serialize;

use crate::tcp::{kind as tcp_kind, SeqNum, TcpFlags, TcpOption, TcpOptions};

/// The fixed part of a TCP header, before options.
const TCP_MIN_HEADER_LEN: u32 = 20;

/// Field offsets of the fixed TCP header (RFC 9293 §3.1), for reading a header whose options
/// were cut off by the snapshot length (etherparse wants the whole header).
mod tcp_field {
    use std::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const SEQ: Range<usize> = 4..8;
    pub const ACK: Range<usize> = 8..12;
    /// Data offset (high 4 bits) and the NS/AE bit, then the other 8 flags.
    pub const OFFSET_FLAGS: Range<usize> = 12..14;
    pub const WINDOW: Range<usize> = 14..16;
    pub const URGENT: Range<usize> = 18..20;
}

/// A TCP segment as captured: its header, what is wrong with it, the payload kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpSegment {
    /// The header's fields as sent.
    pub header: TcpHeader,
    /// The header itself is wrong, as Wireshark judges it.
    pub problem: Option<TcpProblem>,
    /// The payload bytes that were captured (at most `header.payload_len`).
    pub payload: Vec<u8>,
}

/// A TCP header's fields as sent, and the payload length the IP header gives: raw numbers,
/// no interpretation (the flow stage makes them relative, see [`crate::flow::Numbers`]).
///
/// A row's TCP fields embed it, so in JSON the raw numbers carry `_raw` beside the shown ones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TcpHeader {
    pub src_port: u16,
    pub dst_port: u16,
    #[serde(rename = "seq_raw")]
    pub seq: SeqNum,
    #[serde(rename = "ack_raw")]
    pub ack: SeqNum,
    pub flags: TcpFlags,
    /// The raw 16-bit window field (scaling is applied by the flow stage).
    #[serde(rename = "window_raw")]
    pub window: u16,
    /// The urgent pointer (`Urg=`, shown only with the URG flag).
    pub urgent: u16,
    /// Payload length from the IP lengths (Wireshark's `Len=`), even when truncated.
    #[serde(rename = "len")]
    pub payload_len: u32,
    /// Header length in bytes (data offset × 4).
    pub header_len: u32,
    /// The capture cut the header short (snapshot length): options past the cut are unknown,
    /// as Wireshark's "[Packet size limited during capture]".
    pub header_truncated: bool,
    pub options: TcpOptions,
}

/// A TCP header Wireshark rejects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpProblem {
    /// The data offset gives a header shorter than 20 bytes (this many).
    BogusHeaderLen(u32),
    /// The header runs past the end of a frame that was captured whole.
    PastTheFrame,
    /// The IP payload is too short for even the fixed header: only the ports are read.
    TooShort,
    /// The snapshot length cut the fixed header after this many bytes (4 to 19): the ports
    /// are known, and from 16 bytes on the numbers, flags and window too.
    Cut(u32),
}

/// A TCP segment from etherparse's view of a complete header.
pub(super) fn tcp_segment(
    tcp: &etherparse::TcpSlice<'_>,
    ip_payload_len: u32,
    payload_limit: usize,
) -> TcpSegment {
    let header_len = u32::from(tcp.data_offset()) * 4;
    let header = tcp.header_slice();
    // Byte 12 holds the data offset and 4 flag bits, byte 13 the other 8 flags.
    let flags_bits = match (header.get(12), header.get(13)) {
        (Some(hi), Some(lo)) => u16::from_be_bytes([hi & 0x0f, *lo]),
        _ => 0,
    };
    let options_bytes = header
        .get(TCP_MIN_HEADER_LEN as usize..)
        .unwrap_or_default();
    TcpSegment {
        header: TcpHeader {
            src_port: tcp.source_port(),
            dst_port: tcp.destination_port(),
            seq: SeqNum(tcp.sequence_number()),
            ack: SeqNum(tcp.acknowledgment_number()),
            flags: TcpFlags::from_bits(flags_bits),
            window: tcp.window_size(),
            urgent: tcp.urgent_pointer(),
            payload_len: ip_payload_len.saturating_sub(header_len),
            header_len,
            header_truncated: false,
            options: TcpOptions::parse(options_bytes),
        },
        problem: None,
        payload: tcp.payload()[..tcp.payload().len().min(payload_limit)].to_vec(),
    }
}

/// A TCP segment from the start of an IP payload (the first fragment of a reassembled
/// packet): the whole header if it is there, else what the capture kept of it.
pub(crate) fn tcp_from_payload(
    bytes: &[u8],
    ip_payload_len: u32,
    payload_limit: usize,
) -> Option<TcpSegment> {
    match etherparse::TcpSlice::from_slice(bytes) {
        Ok(tcp) => Some(tcp_segment(&tcp, ip_payload_len, payload_limit)),
        Err(_) => partial_tcp(bytes, ip_payload_len, true),
    }
}

/// A TCP segment etherparse refused: a header the snapshot length cut (`truncated`) within
/// its fixed part or its options, or one Wireshark calls bogus or malformed. `None` when not
/// even the ports are there, or when the header is complete and sound (etherparse had
/// another reason).
pub(super) fn partial_tcp(
    bytes: &[u8],
    ip_payload_len: u32,
    truncated: bool,
) -> Option<TcpSegment> {
    let field = |range: std::ops::Range<usize>| bytes.get(range);
    let be16 = |r| field(r).map(|b: &[u8]| u16::from_be_bytes([b[0], b[1]]));
    let be32 = |r| field(r).map(|b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let (src_port, dst_port) = (be16(tcp_field::SRC_PORT)?, be16(tcp_field::DST_PORT)?);
    let mut seg = TcpSegment {
        header: TcpHeader {
            src_port,
            dst_port,
            seq: SeqNum(0),
            ack: SeqNum(0),
            flags: TcpFlags::from_bits(0),
            window: 0,
            urgent: 0,
            payload_len: 0,
            header_len: 0,
            header_truncated: false,
            options: TcpOptions::default(),
        },
        problem: Some(TcpProblem::TooShort),
        payload: Vec::new(),
    };
    if ip_payload_len < TCP_MIN_HEADER_LEN {
        return Some(seg);
    }
    let kept = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    if truncated && kept < tcp_field::WINDOW.end as u32 {
        seg.problem = Some(TcpProblem::Cut(kept));
        return Some(seg);
    }
    let offset_flags = be16(tcp_field::OFFSET_FLAGS)?;
    seg.header.header_len = u32::from(offset_flags >> 12) * 4;
    seg.header.flags = TcpFlags::from_bits(offset_flags & 0x0fff);
    seg.header.seq = SeqNum(be32(tcp_field::SEQ)?);
    seg.header.ack = SeqNum(be32(tcp_field::ACK)?);
    seg.header.window = be16(tcp_field::WINDOW)?;
    if seg.header.header_len < TCP_MIN_HEADER_LEN {
        // Wireshark still counts the bytes after the claimed header as the segment's length
        // for its sequence analysis.
        seg.problem = Some(TcpProblem::BogusHeaderLen(seg.header.header_len));
        seg.header.payload_len = ip_payload_len.saturating_sub(seg.header.header_len);
        return Some(seg);
    }
    if bytes.len() >= seg.header.header_len as usize {
        return None;
    }
    if truncated && kept < TCP_MIN_HEADER_LEN {
        seg.problem = Some(TcpProblem::Cut(kept));
        // Wireshark stops reading before the options: a SYN's says nothing of its scaling.
        seg.header.header_truncated = true;
        seg.header.payload_len = ip_payload_len.saturating_sub(seg.header.header_len);
        return Some(seg);
    }
    if !truncated {
        seg.problem = Some(TcpProblem::PastTheFrame);
        return Some(seg);
    }
    seg.header.urgent = be16(tcp_field::URGENT)?;
    let options = bytes.get(TCP_MIN_HEADER_LEN as usize..).unwrap_or_default();
    seg.header.options = TcpOptions::parse(options);
    // An option cut by the capture is not malformed; it is just not there. (Wireshark names
    // an Authentication Option before reading it: that name is shown even when it is cut.)
    seg.header.options.malformed = false;
    if matches!(
        TcpOptions::cut_option(options),
        Some((tcp_kind::AUTHENTICATION, 3..))
    ) {
        seg.header.options.list.push(TcpOption::Authentication);
    }
    // A SACK option the capture cut: Wireshark reads its blocks one by one, so those kept
    // whole count.
    if let Some([tcp_kind::SACK, _, body @ ..]) = TcpOptions::cut_option_bytes(options) {
        let blocks: Vec<(u32, u32)> = body
            .chunks_exact(8)
            .map(|c| {
                let word = |w: &[u8]| u32::from_be_bytes([w[0], w[1], w[2], w[3]]);
                (word(&c[..4]), word(&c[4..]))
            })
            .collect();
        if !blocks.is_empty() {
            seg.header.options.list.push(TcpOption::Sack { blocks });
        }
    }
    // What the packet list reads of them: an option it names without reading the bytes the
    // capture cut is listed, and a reading that stops at no cut leaves no mark.
    let options_len = (seg.header.header_len - TCP_MIN_HEADER_LEN) as usize;
    let (stops, named) = TcpOptions::list_reading_of_cut(options, options_len);
    if let Some(option) = named {
        seg.header.options.list.push(option);
    }
    // A SACK option too short for one block: Wireshark reads a left edge, then a right edge
    // that runs past the option (malformed), unless the capture cut the left edge first.
    if let Some(cut @ [tcp_kind::SACK, len, ..]) = TcpOptions::cut_option_bytes(options) {
        if *len < 10 && (*len < 6 || cut.len() >= 6) {
            seg.header.options.exception = true;
        }
    }
    seg.header.options.cut_unread = !stops;
    seg.header.header_truncated = true;
    seg.problem = None;
    seg.header.payload_len = ip_payload_len.saturating_sub(seg.header.header_len);
    Some(seg)
}
