//! Wireshark's TCP sequence analysis: the `[TCP …]` tags in front of the Info text.
//!
//! Each direction remembers the highest sequence number sent (*nextseq*), the highest
//! in-order one (*maxseqtobeacked*), the last acknowledgment and window it sent, and how
//! many duplicate ACKs it has sent in a row. A segment is then judged against its own
//! direction and the reverse one, in Wireshark's order:
//!
//! - **ZeroWindowProbe**: 1 byte at nextseq while the receiver advertises a zero window.
//! - **ZeroWindow**: the sender advertises a zero window (not on SYN/FIN/RST).
//! - **Previous segment not captured**: it starts beyond nextseq: something before it is
//!   missing from the capture (not judged on RST).
//! - **Keep-Alive**: 0 or 1 byte starting one byte before nextseq (RFC 9293 §3.8.4).
//! - **Window Update**: no data, same seq and ack as before, a new non-zero window.
//! - **Window Full**: data that reaches exactly the right edge of the receiver's window.
//! - **Keep-Alive ACK** / **ZeroWindowProbeAck**: the answer to a keep-alive or a probe.
//! - **Dup ACK F#N**: no data, same seq, ack and window as the previous segment: the N-th
//!   duplicate of the ACK in frame F (three in a row trigger fast retransmit, RFC 5681).
//! - **ACKed unseen segment**: it acknowledges data the capture never showed.
//! - for data (or SYN/FIN) starting below nextseq, the first that applies of
//!   **Spurious Retransmission** (already acknowledged), **Fast Retransmission** (answers ≥ 2
//!   duplicate ACKs within 20 ms), **Out-Of-Order** (arrives within the handshake RTT, 3 ms when
//!   unknown, and does not end at nextseq), else **Retransmission**.
//! - **Port numbers reused**: a SYN that starts a new connection on a known pair of endpoints.
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

/// The analysis tags of one segment. In JSON: the list of tag texts, leftmost first
/// (`["Dup ACK 45#1"]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tags {
    pub port_reused: bool,
    pub retransmission: bool,
    pub fast_retransmission: bool,
    pub spurious_retransmission: bool,
    pub out_of_order: bool,
    pub lost_segment: bool,
    pub acked_unseen: bool,
    pub window_update: bool,
    pub window_full: bool,
    pub keep_alive: bool,
    pub keep_alive_ack: bool,
    /// `(frame of the original ACK, count)` for a duplicate ACK.
    pub dup_ack: Option<(u64, u32)>,
    pub zero_window_probe: bool,
    pub zero_window: bool,
    pub zero_window_probe_ack: bool,
}

impl Serialize for Tags {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.texts())
    }
}

impl Tags {
    /// The tags as Wireshark prefixes them to Info (`[TCP …] ` each), leftmost first.
    pub fn prefix(&self) -> String {
        self.texts().iter().map(|t| format!("[TCP {t}] ")).collect()
    }

    /// The tag texts (`Retransmission`, `Dup ACK 45#1`…), leftmost first.
    pub fn texts(&self) -> Vec<String> {
        // Wireshark prints in this order and each one is prepended: reverse it.
        let mut printed: Vec<String> = Vec::new();
        let mut add = |on: bool, text: &str| {
            if on {
                printed.push(text.to_owned());
            }
        };
        add(self.port_reused, "Port numbers reused");
        add(self.retransmission, "Retransmission");
        add(self.fast_retransmission, "Fast Retransmission");
        add(self.spurious_retransmission, "Spurious Retransmission");
        add(self.out_of_order, "Out-Of-Order");
        add(self.lost_segment, "Previous segment not captured");
        add(self.acked_unseen, "ACKed unseen segment");
        add(self.window_update, "Window Update");
        add(self.window_full, "Window Full");
        add(self.keep_alive, "Keep-Alive");
        add(self.keep_alive_ack, "Keep-Alive ACK");
        if let Some((frame, n)) = self.dup_ack {
            printed.push(format!("Dup ACK {frame}#{n}"));
        }
        let mut add = |on: bool, text: &str| {
            if on {
                printed.push(text.to_owned());
            }
        };
        add(self.zero_window_probe, "ZeroWindowProbe");
        add(self.zero_window, "ZeroWindow");
        add(self.zero_window_probe_ack, "ZeroWindowProbeAck");
        printed.reverse();
        printed
    }

    /// True when no tag is set.
    pub fn is_empty(&self) -> bool {
        *self == Tags::default()
    }
}

/// What the analysis remembers of one direction. As in Wireshark, raw 32-bit values where 0
/// means "not seen yet" (a real sequence number 0 is rare enough that Wireshark accepts the
/// ambiguity, and matching it means accepting it too).
#[derive(Clone, Debug, Default)]
pub struct SeqState {
    /// Just past the highest sequence number sent (SYN and FIN count one).
    pub next_seq: u32,
    /// When `next_seq` last moved.
    pub next_seq_time: Timestamp,
    /// Just past the highest sequence number sent *in order*: acknowledging beyond it means
    /// acknowledging something the capture did not see.
    pub max_seq_to_be_acked: u32,
    /// The last acknowledgment field sent, and when.
    pub last_ack: u32,
    pub last_ack_time: Timestamp,
    /// The last raw window field sent.
    pub window: u16,
    /// Duplicate ACKs sent in a row, and the frame of the ACK they repeat.
    pub dup_acks: u32,
    pub last_non_dup_ack_frame: u64,
    /// The tags of the last segment sent.
    pub last_tags: Tags,
}

/// `0 <= elapsed < limit`. Wireshark measures these intervals in unsigned arithmetic, so a
/// packet time-stamped *before* the one it is compared with (clocks of different interfaces,
/// reordered captures) is never "within" anything.
fn within(elapsed: i128, limit: i128) -> bool {
    (0..limit).contains(&elapsed)
}

/// `a > b` in sequence space.
fn gt(a: u32, b: u32) -> bool {
    SeqNum(a).after(SeqNum(b))
}

/// Judges a segment sent on `side` in frame `frame` at `ts`, and updates both directions.
pub(crate) fn analyze(
    conv: &mut Conversation,
    side: Side,
    seg: &TcpHeader,
    frame: u64,
    ts: Timestamp,
) -> Tags {
    let first_rtt = conv.handshake.rtt_nanos();
    let rev_scale = conv.dir(side.reverse()).scale;
    let [client, server] = &mut conv.dirs;
    let (fwd, rev) = match side {
        Side::ClientToServer => (&mut client.seq_state, &mut server.seq_state),
        Side::ServerToClient => (&mut server.seq_state, &mut client.seq_state),
    };
    let seq = seg.seq.0;
    let ack = seg.ack.0;
    let len = seg.payload_len;
    let window = seg.window;
    let flags = seg.flags;
    let syn_fin_rst = flags.intersects(TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST);
    let has_ack = flags.contains(TcpFlags::ACK);
    let mut t = Tags::default();

    // ZERO WINDOW PROBE: 1 byte at nextseq while the receiver's window is 0.
    let probe = len == 1 && seq == fwd.next_seq && rev.window == 0;
    if probe {
        t.zero_window_probe = true;
    } else {
        // ZERO WINDOW
        if window == 0 && !syn_fin_rst {
            t.zero_window = true;
        }
        // LOST PACKET
        if fwd.next_seq != 0 && gt(seq, fwd.next_seq) && !flags.contains(TcpFlags::RST) {
            t.lost_segment = true;
        }
        // KEEP ALIVE
        if len <= 1 && seq == fwd.next_seq.wrapping_sub(1) && !syn_fin_rst {
            t.keep_alive = true;
        }
        let same_place = len == 0 && seq == fwd.next_seq && ack == fwd.last_ack && !syn_fin_rst;
        // WINDOW UPDATE
        if same_place && window != 0 && window != fwd.window {
            t.window_update = true;
        }
        // WINDOW FULL
        if len > 0 && rev_scale != WindowScale::Unknown && !syn_fin_rst {
            let shift = match rev_scale {
                WindowScale::Shift(s) => u32::from(s),
                _ => 0,
            };
            let edge = rev.last_ack.wrapping_add(u32::from(rev.window) << shift);
            if seq.wrapping_add(len) == edge {
                t.window_full = true;
            }
        }
        let repeated = same_place && window == fwd.window;
        if repeated && window != 0 && rev.last_tags.keep_alive {
            // KEEP ALIVE ACK
            t.keep_alive_ack = true;
        } else if repeated && window == 0 && rev.last_tags.zero_window_probe {
            // ZERO WINDOW PROBE ACK
            t.zero_window_probe_ack = true;
        } else if repeated && window != 0 {
            // DUPLICATE ACK
            fwd.dup_acks += 1;
            t.dup_ack = Some((fwd.last_non_dup_ack_frame, fwd.dup_acks));
        }
    }

    // A new ack number resets the duplicate count.
    if ack != fwd.last_ack {
        fwd.last_non_dup_ack_frame = frame;
        fwd.dup_acks = 0;
    }

    // ACKED LOST PACKET
    if has_ack && rev.max_seq_to_be_acked != 0 && gt(ack, rev.max_seq_to_be_acked) {
        t.acked_unseen = true;
        rev.max_seq_to_be_acked = rev.next_seq;
    }

    // RETRANSMISSION / FAST RETRANSMISSION / SPURIOUS / OUT-OF-ORDER
    let consumes = len > 0 || flags.intersects(TcpFlags::SYN | TcpFlags::FIN);
    if consumes && fwd.next_seq != 0 && gt(fwd.next_seq, seq) && !t.keep_alive {
        let end = seq.wrapping_add(len);
        // More than one byte right after a probe: the probe's byte is being sent again with
        // new data, not retransmitted.
        let after_probe =
            len > 1 && fwd.next_seq.wrapping_sub(1) == seq && fwd.last_tags.zero_window_probe;
        if !after_probe {
            let ooo_threshold = first_rtt
                .filter(|r| *r != 0)
                .unwrap_or(DEFAULT_OOO_THRESHOLD_NANOS);
            if rev.last_ack != 0 && !gt(end, rev.last_ack) {
                t.spurious_retransmission = true;
            } else if rev.dup_acks >= 2
                && rev.last_ack == seq
                && within(
                    ts.since(rev.last_ack_time),
                    FAST_RETRANSMISSION_WINDOW_NANOS,
                )
            {
                t.fast_retransmission = true;
            } else if within(ts.since(fwd.next_seq_time), ooo_threshold) && fwd.next_seq != end {
                t.out_of_order = true;
            } else {
                t.retransmission = true;
            }
        }
    }

    // The highest sequence number seen, and the highest in order (probes move neither).
    let end = seq.wrapping_add(len + u32::from(flags.intersects(TcpFlags::SYN | TcpFlags::FIN)));
    if !t.zero_window_probe {
        if fwd.next_seq == 0 || gt(end, fwd.next_seq) {
            fwd.next_seq = end;
            fwd.next_seq_time = ts;
        }
        if fwd.max_seq_to_be_acked == 0 || fwd.max_seq_to_be_acked == seq {
            fwd.max_seq_to_be_acked = fwd.next_seq;
        }
    }
    fwd.window = window;
    fwd.last_ack = ack;
    fwd.last_ack_time = ts;
    fwd.last_tags = t;
    t
}
