//! One direction of a conversation: relative sequence numbers and window scaling, by
//! Wireshark's rules.
//!
//! # Relative sequence numbers
//! Raw sequence numbers start at a random initial sequence number (ISN, RFC 9293 §3.4.1), so
//! Wireshark subtracts a per-direction *base* to show small numbers. The first segment seen in
//! a direction sets its base: its own `seq` when it is a SYN (the SYN then shows `Seq=0` and the
//! first data byte `Seq=1`), otherwise `seq − 1` (a capture that starts mid-stream shows
//! `Seq=1`). When a segment carries an ACK and the *other* direction has no base yet, that base
//! becomes `ack − 1`. `Seq=` is `seq − own base`, `Ack=` is `ack − other base`, modulo 2^32.
//!
//! # Window scaling
//! The 16-bit window field is multiplied by 2^shift once both ends announced a Window Scale
//! option in their SYNs (RFC 7323 §2). Each direction's scale starts *unknown*. A WS option sets
//! it. When a SYN or SYN-ACK without WS is seen, scaling is off for both directions
//! (*no scaling*); a SYN-ACK answering a SYN that had none is unscaled too. `Win=` shows the raw
//! field on SYNs (never scaled), `raw << shift` when the shift is known, and the raw field when
//! it is unknown (Wireshark cannot know, e.g. when the capture missed the handshake).

use serde::Serialize;

use super::{Conversation, Side};
use crate::decode::TcpHeader;
use crate::tcp::{SeqNum, TcpFlags, TcpOption, MAX_WINDOW_SHIFT};

/// A direction's window scale as far as the capture tells.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowScale {
    /// No SYN seen yet (Wireshark's −1): windows are shown raw.
    #[default]
    Unknown,
    /// The handshake showed scaling is not in use (Wireshark's −2).
    NoScaling,
    /// Windows are shifted left by this many bits.
    Shift(u8),
}

impl WindowScale {
    /// Wireshark's `tcp.window_size_scalefactor`: −1 unknown, −2 no scaling, else 2^shift.
    pub fn factor(self) -> i64 {
        match self {
            WindowScale::Unknown => -1,
            WindowScale::NoScaling => -2,
            WindowScale::Shift(s) => 1i64 << s,
        }
    }
}

fn serialize_factor<S: serde::Serializer>(scale: &WindowScale, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(scale.factor())
}

/// What one direction of a conversation has shown so far.
#[derive(Clone, Debug, Default)]
pub struct Direction {
    /// Subtracted from raw sequence numbers of this direction (and from acks of the other).
    pub base: Option<SeqNum>,
    /// The window scale of this direction's window fields.
    pub scale: WindowScale,
    /// The sequence number just past the highest byte (or SYN/FIN) sent.
    pub next_seq: Option<SeqNum>,
    /// The last acknowledgment number sent in this direction.
    pub last_ack: Option<SeqNum>,
    /// The initial sequence number, once this direction's SYN was seen.
    pub isn: Option<SeqNum>,
    /// The sequence number of this direction's FIN, once sent.
    pub fin: Option<SeqNum>,
    /// The other end acknowledged that FIN.
    pub fin_acked: bool,
    /// When the FIN was sent.
    pub fin_time: Option<crate::frame::Timestamp>,
    /// The acknowledgment number that first covered the FIN (FIN + 1 when all is well).
    pub fin_ack: Option<SeqNum>,
    /// The FIN travelled on the segment that acknowledged the other end's FIN (a close in
    /// three segments instead of four).
    pub fin_with_peer_fin_ack: bool,
    /// Segments sent.
    pub segments: u64,
    /// Payload bytes sent (retransmissions included).
    pub bytes: u64,
    /// Segments that carried payload.
    pub data_segments: u64,
    /// What the sequence analysis remembers of this direction.
    pub seq_state: super::analysis::SeqState,
}

/// The numbers Wireshark shows for one segment: the one representation of them, which the
/// flow stage's [`super::TcpView`] and the row's `TcpFields` both embed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Numbers {
    /// Relative sequence number (`Seq=`).
    pub seq: u32,
    /// Relative acknowledgment number (`Ack=`), only when the ACK flag is set.
    pub ack: Option<u32>,
    /// Next relative sequence number after this segment, only when it carries data, SYN or
    /// FIN (Wireshark's `tcp.nxtseq`).
    pub next_seq: Option<u32>,
    /// The window as `Win=` shows it: scaled when the scale is known.
    pub window: u32,
    /// The scale in force for this direction (in JSON as Wireshark's factor, see
    /// [`WindowScale::factor`]).
    #[serde(rename = "window_scale_factor", serialize_with = "serialize_factor")]
    pub scale: WindowScale,
    /// SACK blocks relative to the peer's base (shown in the Info text).
    #[serde(skip)]
    pub sack: Vec<(u32, u32)>,
}

/// Updates the conversation with a segment sent on `side` and returns its shown numbers.
pub(crate) fn apply(conv: &mut Conversation, side: Side, seg: &TcpHeader) -> Numbers {
    let (own_i, other_i) = (side.index(), side.reverse().index());
    let syn = seg.flags.contains(TcpFlags::SYN);
    let has_ack = seg.flags.contains(TcpFlags::ACK);
    let fin = seg.flags.contains(TcpFlags::FIN);

    // Bases. A SYN always sets its sender's: a SYN-ACK with a new initial sequence number
    // (a new connection whose SYN the capture missed) starts its numbers again, as in
    // Wireshark.
    if syn {
        conv.dirs[own_i].base = Some(seg.seq);
    } else if conv.dirs[own_i].base.is_none() {
        conv.dirs[own_i].base = Some(seg.seq.plus(u32::MAX));
    }
    if has_ack && conv.dirs[other_i].base.is_none() {
        conv.dirs[other_i].base = Some(seg.ack.plus(u32::MAX));
    }
    if syn {
        learn_scale(conv, own_i, other_i, seg, has_ack);
    }
    let scale = conv.dirs[own_i].scale;
    let window = match scale {
        WindowScale::Shift(s) if !syn => u32::from(seg.window) << s,
        _ => u32::from(seg.window),
    };
    // A window-scale option outside a SYN (port scanners send them) scales the sender's later
    // windows, as in Wireshark; this segment's window keeps the scale it was sent under.
    if let (false, Some(shift)) = (syn, seg.options.window_shift()) {
        conv.dirs[own_i].scale = WindowScale::Shift(shift.min(MAX_WINDOW_SHIFT));
    }

    // Relative numbers. Both bases were set above (own always, other when ACK is set).
    let own_base = conv.dirs[own_i].base.unwrap_or(seg.seq);
    let other_base = conv.dirs[other_i].base;
    let seq = seg.seq.minus(own_base);
    let ack = match (has_ack, other_base) {
        (true, Some(base)) => Some(seg.ack.minus(base)),
        _ => None,
    };
    let sack = relative_sack(seg, other_base);

    // Sequence space consumed: payload, plus one each for SYN and FIN.
    let consumed = seg.payload_len + u32::from(syn) + u32::from(fin);
    let end = seg.seq.plus(consumed);
    let next_seq = (consumed > 0).then(|| end.minus(own_base));
    record(conv, own_i, other_i, seg, end, consumed);

    Numbers {
        seq,
        ack,
        next_seq,
        window,
        scale,
        sack,
    }
}

/// What a SYN says of window scaling: its own shift if it offers one; without one, neither
/// end scales; a SYN-ACK answering a SYN that did not offer scaling does not scale either.
/// A SYN whose options the capture cut says nothing more than the options it kept.
fn learn_scale(
    conv: &mut Conversation,
    own_i: usize,
    other_i: usize,
    seg: &TcpHeader,
    has_ack: bool,
) {
    if let Some(shift) = seg.options.window_shift() {
        conv.dirs[own_i].scale = WindowScale::Shift(shift.min(MAX_WINDOW_SHIFT));
    }
    // Options the capture cut may have held a scale: Wireshark stops at the cut and infers
    // nothing, so the scale stays unknown.
    if seg.header_truncated {
        return;
    }
    if conv.dirs[own_i].scale == WindowScale::Unknown {
        conv.dirs[own_i].scale = WindowScale::NoScaling;
        conv.dirs[other_i].scale = WindowScale::NoScaling;
    }
    if has_ack && conv.dirs[other_i].scale == WindowScale::NoScaling {
        conv.dirs[own_i].scale = WindowScale::NoScaling;
    }
}

/// The segment's SACK blocks, relative to the other direction's base when it is known.
fn relative_sack(seg: &TcpHeader, other_base: Option<SeqNum>) -> Vec<(u32, u32)> {
    seg.options
        .list
        .iter()
        .filter_map(|o| match o {
            TcpOption::Sack { blocks } => Some(blocks),
            _ => None,
        })
        .flatten()
        .map(|&(l, r)| match other_base {
            Some(base) => (SeqNum(l).minus(base), SeqNum(r).minus(base)),
            None => (l, r),
        })
        .collect()
}

/// Counts the segment in its direction, and keeps what later segments are judged by: the
/// next sequence number, the FIN and its acknowledgment, the initial sequence number.
fn record(
    conv: &mut Conversation,
    own_i: usize,
    other_i: usize,
    seg: &TcpHeader,
    end: SeqNum,
    consumed: u32,
) {
    let syn = seg.flags.contains(TcpFlags::SYN);
    let fin = seg.flags.contains(TcpFlags::FIN);
    let own = &mut conv.dirs[own_i];
    own.segments += 1;
    own.bytes += u64::from(seg.payload_len);
    if seg.payload_len > 0 {
        own.data_segments += 1;
    }
    if consumed > 0 && own.next_seq.is_none_or(|n| end.after(n)) {
        own.next_seq = Some(end);
    }
    if fin {
        own.fin = Some(seg.seq.plus(seg.payload_len));
    }
    if syn {
        own.isn = Some(seg.seq);
    }
    if seg.flags.contains(TcpFlags::ACK) {
        own.last_ack = Some(seg.ack);
        let other = &mut conv.dirs[other_i];
        if let Some(fin_seq) = other.fin {
            let covers = seg.ack == fin_seq.plus(1) || seg.ack.after(fin_seq.plus(1));
            if covers && !other.fin_acked {
                other.fin_acked = true;
                other.fin_ack = Some(seg.ack);
                if fin && conv.dirs[own_i].fin_time.is_none() {
                    conv.dirs[own_i].fin_with_peer_fin_ack = true;
                }
            }
        }
    }
}
