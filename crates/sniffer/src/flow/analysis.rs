//! Wireshark's TCP sequence analysis: the `[TCP …]` tags in front of the Info text.
//!
//! Each direction remembers the highest sequence number sent (*nextseq*), the highest
//! in-order one (*maxseqtobeacked*), the last acknowledgment and window it sent, and how
//! many duplicate ACKs it has sent in a row. A segment is then judged against its own
//! direction and the reverse one, in Wireshark's order:
//!
//! - **ZeroWindowProbe**: 1 byte at nextseq while the receiver advertises a zero window (a
//!   receiver not seen yet advertises none).
//! - **ZeroWindow**: the sender advertises a zero window (not on SYN/FIN/RST).
//! - **Previous segment not captured**: it starts beyond nextseq: something before it is
//!   missing from the capture (not judged on RST).
//! - **Keep-Alive**: 0 or 1 byte starting one byte before nextseq (RFC 9293 §3.8.4).
//! - **Window Update**: no data, same seq and ack as before, a new non-zero window.
//! - **Window Full**: data that reaches exactly the right edge of the receiver's window.
//! - **Keep-Alive ACK** / **ZeroWindowProbeAck**: the answer to a keep-alive or a probe.
//! - **Dup ACK F#N**: no data, same seq, ack and window as the previous segment: the N-th
//!   duplicate of the ACK in frame F (three in a row trigger fast retransmit, RFC 5681).
//! - **ACKed unseen segment**: it acknowledges data the capture never showed; once per gap,
//!   not on every ACK beyond it.
//! - **Spurious Retransmission**: payload that was all acknowledged already, wherever it starts.
//! - for data (or SYN/FIN) starting below nextseq, the first that applies of
//!   **Fast Retransmission** (answers ≥ 2 duplicate ACKs within 20 ms), **Out-Of-Order**
//!   (arrives within the initial RTT — from the last SYN to the first segment with ACK after
//!   it, data or not — or 3 ms when unknown, and does not end at nextseq, SYN and FIN counting
//!   one), else **Retransmission**. More than one byte starting one byte
//!   below nextseq is none of them.
//! - **Port numbers reused**: a SYN or SYN-ACK whose sequence number is not where its sender's
//!   numbers start, on a known pair of endpoints (decided in [`super::FlowTable::observe`]: a
//!   SYN opens a new stream, a SYN-ACK restarts its sender's numbers in the same one; the same
//!   SYN again, even after a close, is a retransmission).
//!
//! Tags print in that fixed order, each prepended, so the last printed stands leftmost.

use serde::Serialize;

use super::{Conversation, Side, WindowScale};
use crate::decode::TcpHeader;
use crate::frame::Timestamp;
use crate::tcp::{SeqNum, TcpFlags};

/// Out-of-order threshold when the handshake RTT is unknown: 3 ms.
const DEFAULT_OOO_THRESHOLD_NANOS: i128 = 3_000_000;
/// A retransmission within this long of the last duplicate ACK is a fast retransmission.
const FAST_RETRANSMISSION_WINDOW_NANOS: i128 = 20_000_000;

/// One of Wireshark's analysis tags, but for the duplicate ACK, which carries numbers (see
/// [`Tags::dup_ack`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum Tag {
    PortReused = 1 << 0,
    Retransmission = 1 << 1,
    FastRetransmission = 1 << 2,
    SpuriousRetransmission = 1 << 3,
    OutOfOrder = 1 << 4,
    LostSegment = 1 << 5,
    AckedUnseen = 1 << 6,
    WindowUpdate = 1 << 7,
    WindowFull = 1 << 8,
    KeepAlive = 1 << 9,
    KeepAliveAck = 1 << 10,
    ZeroWindowProbe = 1 << 11,
    ZeroWindow = 1 << 12,
    ZeroWindowProbeAck = 1 << 13,
}

impl Tag {
    /// Wireshark's text for the tag, as in `[TCP Retransmission]`.
    pub fn text(self) -> &'static str {
        match self {
            Tag::PortReused => "Port numbers reused",
            Tag::Retransmission => "Retransmission",
            Tag::FastRetransmission => "Fast Retransmission",
            Tag::SpuriousRetransmission => "Spurious Retransmission",
            Tag::OutOfOrder => "Out-Of-Order",
            Tag::LostSegment => "Previous segment not captured",
            Tag::AckedUnseen => "ACKed unseen segment",
            Tag::WindowUpdate => "Window Update",
            Tag::WindowFull => "Window Full",
            Tag::KeepAlive => "Keep-Alive",
            Tag::KeepAliveAck => "Keep-Alive ACK",
            Tag::ZeroWindowProbe => "ZeroWindowProbe",
            Tag::ZeroWindow => "ZeroWindow",
            Tag::ZeroWindowProbeAck => "ZeroWindowProbeAck",
        }
    }
}

/// The analysis tags of one segment: a small set, copied with every segment and row. In
/// JSON: the list of tag texts, leftmost first (`["Dup ACK 45#1"]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tags {
    set: u16,
    /// For a duplicate ACK: the frame of the original ACK, and the count (0: not one).
    dup_of: u64,
    dup_count: u32,
    /// The analysis looked at the segment's acknowledgment without tagging it (Wireshark
    /// then made its analysis record, and the details show `[SEQ/ACK analysis]`).
    noted: bool,
}

impl Serialize for Tags {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.texts())
    }
}

impl Tags {
    /// Tags in the order Wireshark evaluates and prepends them, up to the duplicate ACK, which
    /// goes between the two groups.
    const BEFORE_DUP_ACK: [Tag; 11] = [
        Tag::PortReused,
        Tag::Retransmission,
        Tag::FastRetransmission,
        Tag::SpuriousRetransmission,
        Tag::OutOfOrder,
        Tag::LostSegment,
        Tag::AckedUnseen,
        Tag::WindowUpdate,
        Tag::WindowFull,
        Tag::KeepAlive,
        Tag::KeepAliveAck,
    ];
    const AFTER_DUP_ACK: [Tag; 3] = [
        Tag::ZeroWindowProbe,
        Tag::ZeroWindow,
        Tag::ZeroWindowProbeAck,
    ];

    /// True when `tag` is set.
    pub fn has(self, tag: Tag) -> bool {
        self.set & tag as u16 != 0
    }

    /// Sets `tag`.
    pub fn set(&mut self, tag: Tag) {
        self.set |= tag as u16;
    }

    /// `(frame of the original ACK, count)` for a duplicate ACK.
    pub fn dup_ack(self) -> Option<(u64, u32)> {
        (self.dup_count > 0).then_some((self.dup_of, self.dup_count))
    }

    /// Marks the segment as the `count`-th duplicate of the ACK in frame `of`.
    pub fn set_dup_ack(&mut self, of: u64, count: u32) {
        (self.dup_of, self.dup_count) = (of, count);
    }

    /// The tags as Wireshark prefixes them to Info (`[TCP …] ` each), leftmost first.
    pub fn prefix(&self) -> String {
        self.texts().iter().map(|t| format!("[TCP {t}] ")).collect()
    }

    /// The tag texts (`Retransmission`, `Dup ACK 45#1`…), leftmost first.
    pub fn texts(&self) -> Vec<String> {
        // Wireshark prints in this order and each one is prepended: reverse it.
        let on = |tags: &[Tag]| -> Vec<String> {
            tags.iter()
                .filter(|t| self.has(**t))
                .map(|t| t.text().to_owned())
                .collect()
        };
        let mut printed = on(&Self::BEFORE_DUP_ACK);
        if let Some((frame, n)) = self.dup_ack() {
            printed.push(format!("Dup ACK {frame}#{n}"));
        }
        printed.extend(on(&Self::AFTER_DUP_ACK));
        printed.reverse();
        printed
    }

    /// True when no tag is set.
    pub fn is_empty(&self) -> bool {
        self.set == 0 && self.dup_count == 0
    }

    /// True when the analysis noted something about the segment, tagged or not.
    pub fn noted(&self) -> bool {
        self.noted || !self.is_empty()
    }
}

/// What the analysis remembers of one direction. As in Wireshark, a sequence number not seen
/// yet is [`SeqNum::UNSET`] (0), so a real 0 reads as unset too: matching Wireshark's tags
/// means matching that ambiguity.
#[derive(Clone, Debug, Default)]
pub struct SeqState {
    /// Just past the highest sequence number sent (SYN and FIN count one).
    pub next_seq: SeqNum,
    /// When `next_seq` last moved, and in which frame (a retransmission's RTO is measured
    /// from it).
    pub next_seq_time: Timestamp,
    pub next_seq_frame: u64,
    /// Just past the highest sequence number sent *in order*: acknowledging beyond it means
    /// acknowledging something the capture did not see.
    pub max_seq_to_be_acked: SeqNum,
    /// The last acknowledgment field sent, and when.
    pub last_ack: SeqNum,
    pub last_ack_time: Timestamp,
    /// The last raw window field sent; `None` before the first segment (then no window is
    /// zero, and none is repeated).
    pub window: Option<u16>,
    /// Duplicate ACKs sent in a row, and the frame of the ACK they repeat. −1 once the peer
    /// has acknowledged unseen data of this direction that could not be reported by moving
    /// `max_seq_to_be_acked`: further ACKs of it are not tagged again, and the peer's next
    /// duplicate ACK counts as its first (Wireshark's `dupacknum`).
    pub dup_acks: i32,
    pub last_non_dup_ack_frame: u64,
    /// The tags of the last segment sent.
    pub last_tags: Tags,
}

/// Wireshark's initial round-trip time, the out-of-order threshold: from the most recent SYN
/// (without ACK) to the first segment after it with ACK and without SYN, in either direction,
/// payload or not.
#[derive(Clone, Copy, Debug, Default)]
pub struct InitialRtt {
    /// When the last SYN was sent.
    mru_syn: Option<Timestamp>,
    /// The round trip, once measured; 0 counts as not measured, as in Wireshark.
    nanos: i128,
}

impl InitialRtt {
    /// The out-of-order threshold: the round trip, or 3 ms before it is known. A negative
    /// round trip (an ACK time-stamped before its SYN) is, in Wireshark's unsigned
    /// arithmetic, longer than any interval.
    fn ooo_threshold(self) -> i128 {
        match self.nanos {
            0 => DEFAULT_OOO_THRESHOLD_NANOS,
            n if n < 0 => i128::MAX,
            n => n,
        }
    }

    /// The round trip as seconds and nanoseconds, once measured.
    pub fn measured(self) -> Option<(i64, i64)> {
        (self.nanos != 0).then(|| {
            let secs = i64::try_from(self.nanos / 1_000_000_000).unwrap_or(i64::MAX);
            (secs, (self.nanos % 1_000_000_000) as i64)
        })
    }

    /// Takes note of a segment with `flags` sent at `ts`, after its analysis.
    fn observe(&mut self, flags: TcpFlags, ts: Timestamp) {
        let syn = flags.contains(TcpFlags::SYN);
        let ack = flags.contains(TcpFlags::ACK);
        if syn && !ack {
            self.mru_syn = Some(ts);
        }
        if let (false, true, Some(syn_at), 0) = (syn, ack, self.mru_syn, self.nanos) {
            self.nanos = ts.since(syn_at);
        }
    }
}

/// `0 <= elapsed < limit`. Wireshark measures these intervals in unsigned arithmetic, so a
/// packet time-stamped *before* the one it is compared with (clocks of different interfaces,
/// reordered captures) is never "within" anything.
fn within(elapsed: i128, limit: i128) -> bool {
    (0..limit).contains(&elapsed)
}

/// What the judging of one segment reads: the segment, and the conversation around it.
struct Judged<'a> {
    seg: &'a TcpHeader,
    /// The sender's direction and the receiver's.
    fwd: &'a SeqState,
    rev: &'a SeqState,
    /// The receiver's window scale.
    rev_scale: WindowScale,
    /// SYN, FIN or RST: never judged as a window or keep-alive segment.
    syn_fin_rst: bool,
    /// No data, and the same seq and ack as the sender's previous segment.
    same_place: bool,
}

/// Judges a segment sent on `side` in frame `frame` at `ts`, and updates both directions.
pub(crate) fn analyze(
    conv: &mut Conversation,
    side: Side,
    seg: &TcpHeader,
    frame: u64,
    ts: Timestamp,
) -> Tags {
    let ooo_threshold = conv.initial_rtt.ooo_threshold();
    let rev_scale = conv.dir(side.reverse()).scale;
    let [client, server] = &mut conv.dirs;
    let (fwd, rev) = match side {
        Side::ClientToServer => (&mut client.seq_state, &mut server.seq_state),
        Side::ServerToClient => (&mut server.seq_state, &mut client.seq_state),
    };
    let syn_fin_rst = seg
        .flags
        .intersects(TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST);
    let judged = Judged {
        seg,
        fwd: &*fwd,
        rev: &*rev,
        rev_scale,
        syn_fin_rst,
        same_place: seg.payload_len == 0
            && seg.seq == fwd.next_seq
            && seg.ack == fwd.last_ack
            && !syn_fin_rst,
    };
    let mut t = Tags::default();
    // ZERO WINDOW PROBE: 1 byte at nextseq while the receiver's window is 0.
    if seg.payload_len == 1 && seg.seq == fwd.next_seq && rev.window == Some(0) {
        t.set(Tag::ZeroWindowProbe);
    } else {
        judged.window_and_keep_alive(&mut t);
        let count = if fwd.dup_acks == -1 {
            1
        } else {
            fwd.dup_acks + 1
        };
        judged.repeated_ack(&mut t, count);
    }
    if let Some((_, count)) = t.dup_ack() {
        fwd.dup_acks = i32::try_from(count).unwrap_or(i32::MAX);
    }
    // A new ack number resets the duplicate count.
    if seg.ack != fwd.last_ack {
        fwd.last_non_dup_ack_frame = frame;
        fwd.dup_acks = 0;
    }
    if seg.flags.contains(TcpFlags::ACK)
        && rev.max_seq_to_be_acked.is_set()
        && seg.ack.after(rev.max_seq_to_be_acked)
    {
        acked_unseen(&mut t, rev);
    }
    retransmission(&mut t, seg, fwd, rev, ooo_threshold, ts);
    remember(fwd, seg, frame, ts, t);
    conv.initial_rtt.observe(seg.flags, ts);
    t
}

impl Judged<'_> {
    /// ZeroWindow, Previous segment not captured, Keep-Alive, Window Update, Window Full.
    #[inline(always)]
    fn window_and_keep_alive(&self, t: &mut Tags) {
        let Judged { seg, fwd, rev, .. } = *self;
        let (seq, len) = (seg.seq, seg.payload_len);
        // ZERO WINDOW
        if seg.window == 0 && !self.syn_fin_rst {
            t.set(Tag::ZeroWindow);
        }
        // LOST PACKET
        if fwd.next_seq.is_set() && seq.after(fwd.next_seq) && !seg.flags.contains(TcpFlags::RST) {
            t.set(Tag::LostSegment);
        }
        // KEEP ALIVE
        if len <= 1 && seq == fwd.next_seq.back(1) && !self.syn_fin_rst {
            t.set(Tag::KeepAlive);
        }
        // WINDOW UPDATE
        if self.same_place && seg.window != 0 && Some(seg.window) != fwd.window {
            t.set(Tag::WindowUpdate);
        }
        // WINDOW FULL
        if len > 0 && self.rev_scale != WindowScale::Unknown && !self.syn_fin_rst {
            let shift = match self.rev_scale {
                WindowScale::Shift(s) => u32::from(s),
                _ => 0,
            };
            // An unknown window is Wireshark's all-ones initial value.
            let window = rev.window.map_or(u32::MAX, u32::from);
            let edge = rev.last_ack.plus(window << shift);
            if seq.plus(len) == edge {
                t.set(Tag::WindowFull);
            }
        }
    }

    /// Keep-Alive ACK, ZeroWindowProbeAck, or Dup ACK (the `count`-th in a row): the same
    /// place and window as the sender's previous segment.
    #[inline(always)]
    fn repeated_ack(&self, t: &mut Tags, count: i32) {
        let Judged { seg, fwd, rev, .. } = *self;
        if !(self.same_place && Some(seg.window) == fwd.window) {
            return;
        }
        if seg.window != 0 && rev.last_tags.has(Tag::KeepAlive) {
            t.set(Tag::KeepAliveAck);
        } else if seg.window == 0 && rev.last_tags.has(Tag::ZeroWindowProbe) {
            t.set(Tag::ZeroWindowProbeAck);
        } else if seg.window != 0 {
            t.set_dup_ack(fwd.last_non_dup_ack_frame, count.unsigned_abs());
        }
    }
}

/// ACKed unseen segment, for an ACK beyond the peer's in-order edge: tagged once per gap.
/// The edge moves up to what the peer sent; when it already stands there (the ACK covers
/// data the peer was never seen sending), the peer's duplicate-ACK count turns −1 and only
/// the first such ACK is tagged.
#[inline(always)]
fn acked_unseen(t: &mut Tags, rev: &mut SeqState) {
    t.noted = true;
    if rev.next_seq.after(rev.max_seq_to_be_acked) {
        rev.max_seq_to_be_acked = rev.next_seq;
        t.set(Tag::AckedUnseen);
    } else {
        if rev.dup_acks == 0 {
            t.set(Tag::AckedUnseen);
        }
        rev.dup_acks = -1;
    }
}

/// Spurious Retransmission, Fast Retransmission, Out-Of-Order or Retransmission, for data
/// or a SYN or FIN (not a keep-alive).
///
/// Spurious needs payload, all of it already acknowledged, wherever it starts. The other three
/// need the segment to start below the sender's nextseq; a segment of more than one byte
/// starting one byte below it (after a zero-window probe, the probe's byte sent again with new
/// data) is not one of them.
#[inline(always)]
fn retransmission(
    t: &mut Tags,
    seg: &TcpHeader,
    fwd: &SeqState,
    rev: &SeqState,
    ooo_threshold: i128,
    ts: Timestamp,
) {
    let (seq, len) = (seg.seq, seg.payload_len);
    let syn_fin = seg.flags.intersects(TcpFlags::SYN | TcpFlags::FIN);
    if !(len > 0 || syn_fin) || t.has(Tag::KeepAlive) {
        return;
    }
    // SPURIOUS RETRANSMISSION
    if len > 0 && rev.last_ack.is_set() && !seq.plus(len).after(rev.last_ack) {
        t.set(Tag::SpuriousRetransmission);
        return;
    }
    let not_advanced = fwd.next_seq.is_set()
        && fwd.next_seq.after(seq)
        && !(len > 1 && fwd.next_seq.back(1) == seq);
    if !not_advanced {
        return;
    }
    if rev.dup_acks >= 2
        && rev.last_ack == seq
        && within(
            ts.since(rev.last_ack_time),
            FAST_RETRANSMISSION_WINDOW_NANOS,
        )
    {
        t.set(Tag::FastRetransmission);
    } else if within(ts.since(fwd.next_seq_time), ooo_threshold)
        && fwd.next_seq != seq.plus(len + u32::from(syn_fin))
    {
        t.set(Tag::OutOfOrder);
    } else {
        t.set(Tag::Retransmission);
    }
}

/// What the sender's direction remembers of this segment: the highest sequence number seen
/// and the highest in order (probes move neither), its ack, window and tags.
#[inline(always)]
fn remember(fwd: &mut SeqState, seg: &TcpHeader, frame: u64, ts: Timestamp, t: Tags) {
    let syn_fin = seg.flags.intersects(TcpFlags::SYN | TcpFlags::FIN);
    let end = seg.seq.plus(seg.payload_len + u32::from(syn_fin));
    if !t.has(Tag::ZeroWindowProbe) {
        if !fwd.next_seq.is_set() || end.after(fwd.next_seq) {
            fwd.next_seq = end;
            fwd.next_seq_time = ts;
            fwd.next_seq_frame = frame;
        }
        if !fwd.max_seq_to_be_acked.is_set() || fwd.max_seq_to_be_acked == seg.seq {
            fwd.max_seq_to_be_acked = fwd.next_seq;
        }
    }
    fwd.window = Some(seg.window);
    fwd.last_ack = seg.ack;
    fwd.last_ack_time = ts;
    fwd.last_tags = t;
}
