//! What Wireshark's packet details show of a segment beyond its Info line, computed as its
//! sequence analysis does on its single pass: the conversation's completeness before the
//! segment, the times since the stream's first and previous segments, the initial round trip,
//! the segment this one acknowledges and the time it took (`tcp.analysis.acks_frame`,
//! `tcp.analysis.ack_rtt`), the bytes in flight and the bytes sent since the last PSH flag.
//!
//! The acknowledgment times come from a list, per direction, of the segments not yet
//! acknowledged (as Wireshark's, newest first, at most [`MAX_UNACKED`] of them): an ACK whose
//! number is exactly the end of one of them measures its round trip; every segment it covers
//! leaves the list, a segment it covers in part is cut.

use std::collections::VecDeque;

use crate::decode::TcpHeader;
use crate::frame::Timestamp;
use crate::tcp::{SeqNum, TcpFlags};

/// At most this many segments per direction wait for their acknowledgment (Wireshark's
/// `TCP_MAX_UNACKED_SEGMENTS`): without the ACKs in the capture, memory stays bounded.
pub const MAX_UNACKED: usize = 10_000;

/// The conversation completeness bits (`tcp.completeness`).
pub mod completeness {
    pub const SYN: u8 = 0x01;
    pub const SYN_ACK: u8 = 0x02;
    pub const ACK: u8 = 0x04;
    pub const DATA: u8 = 0x08;
    pub const FIN: u8 = 0x10;
    pub const RST: u8 = 0x20;
}

/// The details of one segment (all times as seconds and nanoseconds of the same sign).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SegmentDetails {
    /// The conversation's completeness before this segment.
    pub completeness: u8,
    /// Since the stream's first segment.
    pub since_first: (i64, i64),
    /// Since the stream's previous segment.
    pub since_previous: (i64, i64),
    /// The initial round trip, once measured.
    pub irtt: Option<(i64, i64)>,
    /// The segment this one acknowledges exactly, and how long that took.
    pub acks: Option<Acked>,
    /// Bytes sent and not yet acknowledged once this segment is sent (segments with payload).
    pub bytes_in_flight: Option<u32>,
    /// Bytes sent since the last segment with PSH (segments with payload).
    pub push_bytes_sent: Option<u32>,
    /// A FIN from the side that closed first ("initiates the connection closing"), not
    /// from its peer ("undergoes").
    pub first_fin: bool,
    /// For a retransmission (not a fast or spurious one): the frame that last advanced the
    /// sender's sequence numbers and the time since (Wireshark's RTO).
    pub rto: Option<Acked>,
}

/// A frame number and the time since it: the segment an acknowledgment covers exactly.
pub type Acked = (u64, (i64, i64));

/// What [`record`] finds: the segment acknowledged, the bytes in flight and the bytes since
/// the last PSH.
pub type Recorded = (Option<Acked>, Option<u32>, Option<u32>);

/// A segment waiting for its acknowledgment.
#[derive(Clone, Copy, Debug)]
struct Unacked {
    frame: u64,
    seq: SeqNum,
    next: SeqNum,
    ts: Timestamp,
}

/// What one direction remembers for the details.
#[derive(Clone, Debug, Default)]
pub struct InFlight {
    /// Newest first.
    unacked: VecDeque<Unacked>,
    push_bytes_sent: u32,
    push_set_last: bool,
    /// A gap was seen in this direction and no ACK has come back since: the bytes in flight
    /// are not known (Wireshark's `valid_bif` cleared).
    gap: bool,
    /// The bytes the SACK blocks of this direction's latest SACK option cover (at most
    /// [`SACK_BLOCKS_KEPT`] blocks): the peer's bytes in flight leave them out. Kept until
    /// the next SACK option, as Wireshark does.
    sacked: u32,
}

/// SACK blocks Wireshark 4.0 keeps of an option for the bytes in flight: the first three
/// (its table has four slots, filled from the second).
pub const SACK_BLOCKS_KEPT: usize = 3;

impl InFlight {
    /// The frame and time of the eldest segment not yet acknowledged: what Wireshark measures
    /// a retransmission's RTO from.
    pub fn eldest_unacked(&self) -> Option<(u64, Timestamp)> {
        self.unacked.back().map(|u| (u.frame, u.ts))
    }
}

/// Wireshark's completeness after a segment, from the value before it. The conversation's
/// first segment counts only as a SYN or a SYN-ACK.
pub fn completeness_after(before: u8, seg: &TcpHeader, first: bool) -> u8 {
    let mut c = before;
    let (syn, ack) = (
        seg.flags.contains(TcpFlags::SYN),
        seg.flags.contains(TcpFlags::ACK),
    );
    match (syn, ack) {
        (true, true) => c |= completeness::SYN_ACK,
        (true, false) => c |= completeness::SYN,
        _ => {}
    }
    if first {
        return c;
    }
    if ack && !syn && seg.payload_len == 0 {
        c |= completeness::ACK;
    }
    if seg.payload_len > 0 {
        c |= completeness::DATA;
    }
    if seg.flags.contains(TcpFlags::FIN) {
        c |= completeness::FIN;
    }
    if seg.flags.contains(TcpFlags::RST) {
        c |= completeness::RST;
    }
    c
}

/// Records a segment sent with `fwd` as its direction's state and `rev` as the other's;
/// returns what acknowledging and flight it shows. `base` is the sender's relative base.
pub fn record(
    fwd: &mut InFlight,
    rev: &mut InFlight,
    seg: &TcpHeader,
    base: SeqNum,
    frame: u64,
    ts: Timestamp,
    lost: bool,
) -> Recorded {
    if lost {
        fwd.gap = true;
    }
    if seg.flags.contains(TcpFlags::ACK) {
        rev.gap = false;
    }
    let syn_fin = seg.flags.intersects(TcpFlags::SYN | TcpFlags::FIN);
    if (seg.payload_len > 0 || syn_fin) && fwd.unacked.len() < MAX_UNACKED {
        let next = seg.seq.plus(seg.payload_len).plus(u32::from(syn_fin));
        fwd.unacked.push_front(Unacked {
            frame,
            seq: seg.seq,
            next,
            ts,
        });
    }
    let acks = acknowledge(rev, seg.ack, ts);
    // This segment's SACK blocks count for the peer's next segments (Wireshark reads the
    // options after the analysis).
    let sacked = seg.options.list.iter().find_map(|o| match o {
        crate::tcp::TcpOption::Sack { blocks } => Some(
            blocks
                .iter()
                .take(SACK_BLOCKS_KEPT)
                .fold(0u32, |sum, (left, right)| {
                    sum.wrapping_add(right.wrapping_sub(*left))
                }),
        )
        .filter(|_| !blocks.is_empty()),
        _ => None,
    });
    fwd.sacked = sacked.unwrap_or(0);
    if seg.payload_len == 0 || fwd.unacked.is_empty() || fwd.gap {
        return (acks, None, None);
    }
    // From the lowest start still waiting to the highest end.
    let rel = |s: SeqNum| s.0.wrapping_sub(base.0);
    let earlier = |a: u32, b: u32| (a.wrapping_sub(b) as i32) < 0;
    let newest = fwd.unacked.front().map_or(0, |u| rel(u.next));
    let last = fwd
        .unacked
        .iter()
        .map(|u| rel(u.next))
        .fold(
            newest,
            |highest, e| if earlier(highest, e) { e } else { highest },
        );
    let first = fwd
        .unacked
        .iter()
        .map(|u| rel(u.seq))
        .fold(
            last,
            |lowest, s| if earlier(s, lowest) { s } else { lowest },
        );
    // Less what the peer's latest SACK blocks say arrived.
    let in_flight = last.wrapping_sub(first).wrapping_sub(rev.sacked);
    // A SYN's or FIN's sequence number is not a byte in flight (taken off after the check).
    let bytes_in_flight =
        (in_flight > 0 && in_flight < 2_000_000_000).then_some(in_flight - u32::from(syn_fin));
    let push = seg.flags.contains(TcpFlags::PSH);
    match (push, fwd.push_set_last) {
        (true, false) => {
            fwd.push_bytes_sent = fwd.push_bytes_sent.wrapping_add(seg.payload_len);
            fwd.push_set_last = true;
        }
        (true, true) => fwd.push_bytes_sent = seg.payload_len,
        (false, true) => {
            fwd.push_bytes_sent = seg.payload_len;
            fwd.push_set_last = false;
        }
        (false, false) => fwd.push_bytes_sent = fwd.push_bytes_sent.wrapping_add(seg.payload_len),
    }
    let push_bytes_sent = (fwd.push_bytes_sent > 0).then_some(fwd.push_bytes_sent);
    (acks, bytes_in_flight, push_bytes_sent)
}

/// Takes an acknowledgment number against the other direction's waiting segments: the one it
/// acknowledges exactly, if any, with the time since it was sent.
fn acknowledge(rev: &mut InFlight, ack: SeqNum, ts: Timestamp) -> Option<Acked> {
    let mut found = None;
    let mut i = 0;
    while i < rev.unacked.len() {
        let u = rev.unacked[i];
        if ack == u.next {
            found = Some((u.frame, ts.delta(u.ts)));
        } else if ack.after(u.seq) && !ack.after(u.next) {
            // Acknowledged in part: what is left starts at the acknowledgment.
            rev.unacked[i].seq = ack;
            continue;
        } else if u.next.after(ack) {
            i += 1;
            continue;
        }
        // Old, or an exact match: no longer waiting.
        rev.unacked.remove(i);
    }
    found
}
