//! The TCP lab's answers, each with the frame numbers that prove it: sequence numbers and the
//! SYN's options; RTT samples and the RFC 6298 estimator; windows; loss; the ACK pattern;
//! bytes in flight and throughput; congestion phases.
//!
//! [`LabBuilder`] is fed every TCP segment in frame order, with the analysis a flow table
//! made [`super::FlowTable::with_details`] computed for it (Wireshark's `tcp.analysis.ack_rtt`
//! and `bytes_in_flight`, the retransmission and duplicate-ACK tags); [`LabBuilder::finish`]
//! gives one [`StreamLab`] per conversation. It keeps a few numbers per data segment, for the
//! flight and per-round series.
//!
//! Each direction that carries data is studied as a sender (its segments) and a receiver (the
//! peer's ACKs and windows). The rules, where the capture cannot say for sure:
//! - **RTT samples** are Wireshark's `ack_rtt` (an ACK acknowledging exactly the end of a data
//!   segment) minus every sample whose segment was sent more than once (Karn's algorithm: the
//!   ACK could be for either copy).
//! - **Window-limited**: a data segment that left the bytes in flight within one segment of the
//!   peer's last advertised window (the sender could not have sent another full segment).
//! - **Rounds** follow the flights: a round starts with a data segment and ends when the peer
//!   acknowledges it (one RTT as it was then, queueing included); the next round starts with
//!   the next segment. A round's flight is the most bytes in flight within it; its throughput
//!   the bytes acknowledged during it.
//! - **Phases**: slow start while the flight grows by half or more per round; congestion
//!   avoidance once it grows more slowly; recovery from a fast retransmission until the peer
//!   acknowledges everything sent before it; after a retransmission timeout, slow start again.
//!   A round limited by the receiver's window or by something else (the flight shrinking with
//!   no loss) cannot tell the sender's congestion window; it is marked undetermined. The round
//!   after a loss or a recovery, the rounds that drain the end of the data, and the last round
//!   (which the end of the capture may cut) are not judged.
//!   A timeout is a plain retransmission after the sender was silent for its RTO.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use super::{Side, Tag, TcpView};
use crate::decode::TcpHeader;
use crate::frame::Timestamp;
use crate::tcp::{TcpFlags, TcpOption};

/// RFC 6298's gains and its clock granularity (taken as 1 ms) and minimum RTO (1 s).
const ALPHA: f64 = 1.0 / 8.0;
const BETA: f64 = 1.0 / 4.0;
const K: f64 = 4.0;
const GRANULARITY_MS: f64 = 1.0;
const MIN_RTO_MS: f64 = 1000.0;
/// Samples shown in full in the text (all are in the JSON).
pub const SHOWN_SAMPLES: usize = 5;

/// The options a SYN or SYN-ACK offered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SynOptions {
    pub frame: u64,
    /// The raw initial sequence number (the relative one is 0).
    pub isn: u32,
    pub mss: Option<u16>,
    /// The window scale shift (the window is multiplied by 2^shift).
    pub window_scale: Option<u8>,
    pub sack_permitted: bool,
    pub timestamps: bool,
    /// The window the SYN advertised (never scaled).
    pub window: u16,
}

/// One RTT sample and the RFC 6298 estimator after it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RttSample {
    /// The data segment.
    pub segment: u64,
    /// The ACK that covers it.
    pub ack: u64,
    pub rtt_ms: f64,
    pub srtt_ms: f64,
    pub rttvar_ms: f64,
    /// SRTT + max(G, 4·RTTVAR), before RFC 6298's rounding up to 1 s.
    pub rto_ms: f64,
}

/// A fast retransmission and the duplicate ACKs that came before it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FastRetransmission {
    pub frame: u64,
    pub dup_acks: Vec<u64>,
}

/// The sender's retransmissions, by kind, and Wireshark's tags.
///
/// A retransmission is a data segment carrying bytes its sender had sent before. Its kind:
/// - `timeout`: sent after the sender was silent for at least its retransmission timeout
///   (SRTT + max(G, 4·RTTVAR) at the time, or RFC 6298's initial 1 s): a timer fired;
/// - `fast`: the first of a loss episode, after the peer's duplicate ACKs (or ACKs with SACK
///   blocks that do not advance);
/// - `in_recovery`: the later ones of the episode, clocked by the peer's ACKs, until
///   everything sent before it is acknowledged;
/// - `other`: with neither duplicate ACKs nor such a silence (a probe of the tail, as
///   Linux's tail loss probe).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Loss {
    pub timeout: Vec<u64>,
    /// With the duplicate ACKs that triggered each.
    pub fast: Vec<FastRetransmission>,
    pub in_recovery: Vec<u64>,
    pub other: Vec<u64>,
    /// Every duplicate ACK the peer sent (Wireshark's `[TCP Dup ACK]`).
    pub dup_acks: u64,
    /// ACKs that did not advance but carried SACK blocks, not tagged duplicates by Wireshark
    /// (their window changed): a sender counts them as duplicate ACKs.
    pub sack_acks: u64,
    /// Wireshark's `[TCP Retransmission]` and `[TCP Fast Retransmission]` tags.
    pub tagged_retransmission: u64,
    pub tagged_fast: u64,
    /// `[TCP Spurious Retransmission]`: data the peer had already acknowledged.
    pub spurious: Vec<u64>,
    /// `[TCP Out-Of-Order]`.
    pub out_of_order: Vec<u64>,
    /// `[TCP Previous segment not captured]`.
    pub lost_segments: Vec<u64>,
}

impl Loss {
    /// Every retransmission.
    pub fn retransmissions(&self) -> usize {
        self.timeout.len() + self.fast.len() + self.in_recovery.len() + self.other.len()
    }
}

/// One round (an RTT-long interval) of the transfer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Round {
    /// From the first data segment, in ms: the round's first segment.
    pub start_ms: f64,
    /// The last ACK of the round (the one covering its first segment, but for the last).
    pub end_ms: f64,
    /// The round's first segment.
    pub first_frame: Option<u64>,
    /// New data bytes sent (retransmissions not counted).
    pub bytes: u64,
    /// Bytes the peer acknowledged during the round.
    pub acked: u64,
    /// The most bytes in flight (`tcp.analysis.bytes_in_flight`; for a segment Wireshark
    /// gives none, such as a retransmission, the bytes sent and not yet acknowledged).
    pub flight: u32,
    /// Bytes acknowledged during the round, per second of it, in bits.
    pub bits_per_sec: f64,
    /// A segment of the round came within one segment of the receiver's window.
    pub window_limited: bool,
}

/// What the evidence says about the congestion controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseKind {
    SlowStart,
    CongestionAvoidance,
    /// From a fast retransmission until everything sent before it was acknowledged.
    Recovery,
    /// A retransmission timeout: the window falls to one segment, then slow start.
    Timeout,
    /// The flight was limited by the receiver's window, or by the sender's data: the
    /// congestion window cannot be told.
    Undetermined,
}

impl PhaseKind {
    pub fn text(self) -> &'static str {
        match self {
            PhaseKind::SlowStart => "slow start",
            PhaseKind::CongestionAvoidance => "congestion avoidance",
            PhaseKind::Recovery => "recovery",
            PhaseKind::Timeout => "timeout",
            PhaseKind::Undetermined => "undetermined",
        }
    }
}

/// A phase and where it starts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Phase {
    pub kind: PhaseKind,
    pub frame: u64,
    /// From the first data segment, in ms.
    pub at_ms: f64,
    /// Why it was inferred.
    pub why: String,
}

/// The lab's answers for the data one side sent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SenderLab {
    /// `client` or `server`.
    pub sender: &'static str,
    pub data_segments: u64,
    /// Distinct bytes sent (highest sequence number reached).
    pub bytes: u64,
    /// The largest segment sent.
    pub largest_segment: u32,
    pub rtt_samples: Vec<RttSample>,
    /// Samples Karn's algorithm set aside (their segment was retransmitted).
    pub karn_excluded: u64,
    /// The smallest window the receiver advertised after the handshake, and its frame.
    pub min_receiver_window: Option<(u32, u64)>,
    /// Data segments sent with the flight within one segment of the receiver's window.
    pub window_limited: u64,
    pub first_window_limited: Option<u64>,
    /// `[TCP Window Full]` segments.
    pub window_full: u64,
    pub loss: Loss,
    /// Segments acknowledged per ACK (1, 2, …) → ACKs; the key is rounded to whole segments.
    pub ack_histogram: BTreeMap<u32, u64>,
    /// The most bytes in flight, and its frame.
    pub max_flight: Option<(u32, u64)>,
    /// Every data segment's bytes in flight: (frame, ms from the first data segment, bytes).
    pub flight: Vec<(u64, f64, u32)>,
    /// Bytes acknowledged over the time from the first data segment to the last ACK, in bits
    /// per second.
    pub throughput_bits_per_sec: Option<f64>,
    pub rounds: Vec<Round>,
    pub phases: Vec<Phase>,
}

/// The lab's answers for one conversation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StreamLab {
    pub stream: u32,
    pub client: String,
    pub server: String,
    pub syn: Option<SynOptions>,
    pub syn_ack: Option<SynOptions>,
    /// SYN → SYN-ACK → ACK, as Wireshark's iRTT, in ms.
    pub handshake_rtt_ms: Option<f64>,
    /// One per direction that carried data.
    pub senders: Vec<SenderLab>,
}

/// A data segment as the lab keeps it.
#[derive(Clone, Copy, Debug)]
struct Sent {
    frame: u64,
    ts: Timestamp,
    seq: u32,
    next: u32,
    retransmitted: bool,
    flight: Option<u32>,
    /// The flight came within one segment of the receiver's window.
    limited: bool,
}

/// How a loss episode began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EpisodeKind {
    Timeout,
    Fast,
    Other,
}

/// A loss episode: from its first retransmission until the peer acknowledges everything sent
/// before it.
#[derive(Clone, Copy, Debug)]
struct Episode {
    kind: EpisodeKind,
    frame: u64,
    ts: Timestamp,
    /// The highest byte sent when it began.
    point: u32,
    /// The ACK that covered `point`.
    end: Option<(u64, Timestamp)>,
}

/// One direction while it is fed.
#[derive(Debug, Default)]
struct Dir {
    syn: Option<SynOptions>,
    sent: Vec<Sent>,
    highest: u32,
    largest: u32,
    retransmitted_seqs: HashSet<u32>,
    samples: Vec<(u64, u64, f64)>,
    /// The estimator so far (SRTT, RTTVAR), to tell a timeout from a recovery.
    estimator: Option<(f64, f64)>,
    /// When this direction last sent data.
    last_sent: Option<Timestamp>,
    /// During a loss episode: the highest byte sent when it began (it ends once acknowledged).
    recovery_point: Option<u32>,
    episodes: Vec<Episode>,
    karn_excluded: u64,
    /// As a receiver: its last advertised window (scaled), the smallest and its frame.
    window: Option<u32>,
    min_window: Option<(u32, u64)>,
    window_limited: u64,
    first_window_limited: Option<u64>,
    window_full: u64,
    loss: Loss,
    /// As a receiver: its highest ACK, and its current run of duplicate ACKs.
    last_ack: Option<u32>,
    dup_run: Vec<u64>,
    /// What each of its ACKs newly acknowledged: the previous ACK number and its own.
    acked: Vec<(u32, u32)>,
    last_ack_ts: Option<Timestamp>,
    /// Frames of ACKs that advanced, with their ACK number (for the end of recovery).
    advancing: Vec<(u64, Timestamp, u32)>,
}

#[derive(Debug)]
struct Stream {
    irtt: Option<(i64, i64)>,
    dirs: [Dir; 2],
}

/// Collects the lab's answers, a segment at a time.
#[derive(Debug, Default)]
pub struct LabBuilder {
    streams: BTreeMap<u32, Stream>,
    only: Option<u32>,
}

impl LabBuilder {
    /// A builder for every conversation, or only stream `only`.
    pub fn new(only: Option<u32>) -> LabBuilder {
        LabBuilder {
            streams: BTreeMap::new(),
            only,
        }
    }

    /// Feeds one segment: frame `frame` at `ts`, with its view (from a table made with
    /// details) and header.
    pub fn push(&mut self, frame: u64, ts: Timestamp, view: &TcpView, header: &TcpHeader) {
        if self.only.is_some_and(|s| s != view.stream) {
            return;
        }
        let stream = self.streams.entry(view.stream).or_insert_with(|| Stream {
            irtt: None,
            dirs: [Dir::default(), Dir::default()],
        });
        if let Some(d) = &view.details {
            stream.irtt = stream.irtt.or(d.irtt);
        }
        let [client, server] = &mut stream.dirs;
        let (me, peer) = match view.side {
            Side::ClientToServer => (client, server),
            Side::ServerToClient => (server, client),
        };
        me.push(frame, ts, view, header, peer);
    }

    /// The answers for the conversations `conversations` (stream, client and server as
    /// `address:port`), in that order: every conversation gets one, those with no segment
    /// seen here too (a conversation known only from a header an ICMP error quotes).
    pub fn finish(mut self, conversations: &[(u32, String, String)]) -> Vec<StreamLab> {
        conversations
            .iter()
            .filter(|(stream, _, _)| self.only.is_none_or(|s| s == *stream))
            .map(|(number, client_name, server_name)| {
                let s = self.streams.remove(number).unwrap_or(Stream {
                    irtt: None,
                    dirs: [Dir::default(), Dir::default()],
                });
                let [client, server] = s.dirs;
                let handshake_rtt_ms = s.irtt.map(|(secs, nanos)| ms(secs, nanos));
                let senders = [("client", &client, &server), ("server", &server, &client)]
                    .into_iter()
                    .filter(|(_, dir, _)| !dir.sent.is_empty())
                    .map(|(name, dir, peer)| sender_lab(name, dir, peer))
                    .collect();
                StreamLab {
                    stream: *number,
                    client: client_name.clone(),
                    server: server_name.clone(),
                    syn: client.syn.clone(),
                    syn_ack: server.syn.clone(),
                    handshake_rtt_ms,
                    senders,
                }
            })
            .collect()
    }
}

fn ms(secs: i64, nanos: i64) -> f64 {
    secs as f64 * 1e3 + nanos as f64 / 1e6
}

impl Dir {
    /// A segment this direction sent; `peer` is the other direction.
    fn push(
        &mut self,
        frame: u64,
        ts: Timestamp,
        view: &TcpView,
        header: &TcpHeader,
        peer: &mut Dir,
    ) {
        let flags = header.flags;
        let tags = view.tags;
        let numbers = &view.numbers;
        if flags.contains(TcpFlags::SYN) {
            self.syn.get_or_insert_with(|| syn_options(frame, header));
        }
        // As a receiver of the peer's data: windows, ACKs, duplicate ACKs.
        if flags.contains(TcpFlags::ACK) && !flags.contains(TcpFlags::SYN) {
            self.window = Some(numbers.window);
            if self.min_window.is_none_or(|(w, _)| numbers.window < w) {
                self.min_window = Some((numbers.window, frame));
            }
            let mut repeated = false;
            if let Some(ack) = numbers.ack {
                match self.last_ack {
                    Some(last) if ack > last => {
                        self.acked.push((last, ack));
                        self.dup_run.clear();
                        self.advancing.push((frame, ts, ack));
                        // The ACK that covers a loss episode's data ends it.
                        if let Some(episode) = peer.episodes.last_mut() {
                            if episode.end.is_none() && ack >= episode.point {
                                episode.end = Some((frame, ts));
                            }
                        }
                    }
                    None => self.advancing.push((frame, ts, ack)),
                    Some(_) => repeated = true,
                }
                if self.last_ack.is_none_or(|last| ack > last) {
                    self.last_ack = Some(ack);
                    self.last_ack_ts = Some(ts);
                }
            }
            if tags.dup_ack().is_some() {
                peer.loss.dup_acks += 1;
            }
            // Evidence of a hole: a duplicate ACK, or an ACK that does not advance but reports
            // data beyond it in SACK blocks (Wireshark tags the latter a window update when
            // the window changed; a sender counts it as a duplicate ACK all the same).
            if tags.dup_ack().is_some() || (repeated && !numbers.sack.is_empty()) {
                self.dup_run.push(frame);
                if tags.dup_ack().is_none() {
                    peer.loss.sack_acks += 1;
                }
            }
            // An RTT sample for the peer's data (Karn: not for a segment sent twice).
            if let Some((acked, (secs, nanos))) = view.details.as_ref().and_then(|d| d.acks) {
                if let Ok(i) = peer.sent.binary_search_by_key(&acked, |s| s.frame) {
                    let s = peer.sent[i];
                    if s.retransmitted || peer.retransmitted_seqs.contains(&s.seq) {
                        peer.karn_excluded += 1;
                    } else {
                        let r = ms(secs, nanos);
                        peer.samples.push((acked, frame, r));
                        peer.estimator = Some(update(peer.estimator, r));
                    }
                }
            }
        }
        // As a sender of data.
        let len = header.payload_len;
        if len == 0 {
            return;
        }
        // A segment carrying bytes sent before is a retransmission, whatever Wireshark's
        // timing rule calls it (it tags a resend sent within an RTT `[TCP Out-Of-Order]`).
        let retransmitted = numbers.seq < self.highest && !tags.has(Tag::KeepAlive);
        if retransmitted {
            let rto = self.estimator.map_or(MIN_RTO_MS, |(srtt, rttvar)| {
                srtt + GRANULARITY_MS.max(K * rttvar)
            });
            let silent = self
                .last_sent
                .map_or(f64::INFINITY, |t| ts.since(t) as f64 / 1e6);
            let in_episode = self
                .recovery_point
                .is_some_and(|point| peer.last_ack.is_some_and(|ack| ack < point));
            let kind = if silent >= rto {
                self.loss.timeout.push(frame);
                Some(EpisodeKind::Timeout)
            } else if in_episode {
                self.loss.in_recovery.push(frame);
                None
            } else if !peer.dup_run.is_empty() {
                self.loss.fast.push(FastRetransmission {
                    frame,
                    dup_acks: peer.dup_run.clone(),
                });
                Some(EpisodeKind::Fast)
            } else {
                self.loss.other.push(frame);
                Some(EpisodeKind::Other)
            };
            if let Some(kind) = kind {
                self.recovery_point = Some(self.highest);
                self.episodes.push(Episode {
                    kind,
                    frame,
                    ts,
                    point: self.highest,
                    end: None,
                });
            }
            self.retransmitted_seqs.insert(numbers.seq);
        }
        self.last_sent = Some(ts);
        if tags.has(Tag::Retransmission) {
            self.loss.tagged_retransmission += 1;
        }
        if tags.has(Tag::FastRetransmission) {
            self.loss.tagged_fast += 1;
        }
        if tags.has(Tag::SpuriousRetransmission) {
            self.loss.spurious.push(frame);
        }
        if tags.has(Tag::OutOfOrder) {
            self.loss.out_of_order.push(frame);
        }
        if tags.has(Tag::LostSegment) {
            self.loss.lost_segments.push(frame);
        }
        if tags.has(Tag::WindowFull) {
            self.window_full += 1;
        }
        let next = numbers.seq.wrapping_add(len);
        self.highest = self.highest.max(next);
        self.largest = self.largest.max(len);
        let flight = view.details.as_ref().and_then(|d| d.bytes_in_flight);
        let limited = match (flight, peer.window) {
            (Some(flight), Some(window)) => flight.saturating_add(self.largest) > window,
            _ => false,
        };
        if limited {
            self.window_limited += 1;
            self.first_window_limited.get_or_insert(frame);
        }
        self.sent.push(Sent {
            frame,
            ts,
            seq: numbers.seq,
            next,
            retransmitted,
            flight,
            limited,
        });
    }
}

fn syn_options(frame: u64, header: &TcpHeader) -> SynOptions {
    let mut syn = SynOptions {
        frame,
        isn: header.seq.0,
        window: header.window,
        ..SynOptions::default()
    };
    for option in &header.options.list {
        match option {
            TcpOption::Mss { value } => syn.mss = Some(*value),
            TcpOption::WindowScale { shift } => syn.window_scale = Some(*shift),
            TcpOption::SackPermitted => syn.sack_permitted = true,
            TcpOption::Timestamp { .. } => syn.timestamps = true,
            _ => {}
        }
    }
    syn
}

/// RFC 6298 (2.2, 2.3): (SRTT, RTTVAR) after the sample `r`.
fn update(state: Option<(f64, f64)>, r: f64) -> (f64, f64) {
    match state {
        None => (r, r / 2.0),
        Some((srtt, rttvar)) => (
            (1.0 - ALPHA) * srtt + ALPHA * r,
            (1.0 - BETA) * rttvar + BETA * (srtt - r).abs(),
        ),
    }
}

/// The RFC 6298 estimator over the samples, in order.
fn estimate(samples: &[(u64, u64, f64)]) -> Vec<RttSample> {
    let mut state: Option<(f64, f64)> = None;
    samples
        .iter()
        .map(|&(segment, ack, r)| {
            let (srtt, rttvar) = update(state, r);
            state = Some((srtt, rttvar));
            RttSample {
                segment,
                ack,
                rtt_ms: r,
                srtt_ms: srtt,
                rttvar_ms: rttvar,
                rto_ms: srtt + GRANULARITY_MS.max(K * rttvar),
            }
        })
        .collect()
}

/// RFC 6298 (2.4): an RTO below 1 s is rounded up to 1 s.
pub fn rto_rounded_ms(rto_ms: f64) -> f64 {
    rto_ms.max(MIN_RTO_MS)
}

fn sender_lab(name: &'static str, dir: &Dir, peer: &Dir) -> SenderLab {
    let first = dir.sent.first().map(|s| s.ts);
    let since = |ts: Timestamp| first.map_or(0.0, |f| ts.since(f) as f64 / 1e6);
    let rtt_samples = estimate(&dir.samples);
    let largest = dir.largest.max(1);
    let mut ack_histogram = BTreeMap::new();
    for &(from, to) in &peer.acked {
        // The sequence number a FIN takes is not a byte: an ACK that only covers the FIN
        // acknowledged no segment.
        let bytes = to.min(dir.highest).saturating_sub(from.min(dir.highest));
        if bytes == 0 {
            continue;
        }
        let segments = ((bytes + largest / 2) / largest).max(1);
        *ack_histogram.entry(segments).or_insert(0) += 1;
    }
    let max_flight = dir
        .sent
        .iter()
        .filter_map(|s| s.flight.map(|f| (f, s.frame)))
        .fold(None, |best: Option<(u32, u64)>, (f, frame)| match best {
            Some((b, _)) if b >= f => best,
            _ => Some((f, frame)),
        });
    let flight = dir
        .sent
        .iter()
        .filter_map(|s| s.flight.map(|f| (s.frame, since(s.ts), f)))
        .collect();
    // Acknowledged bytes over the time from the first data to the ACK of the last.
    let acked_bytes = peer.last_ack.map_or(0, |a| u64::from(a.min(dir.highest)));
    let throughput = match (first, peer.last_ack_ts) {
        (Some(f), Some(last)) if last.since(f) > 0 && acked_bytes > 1 => {
            Some((acked_bytes - 1) as f64 * 8.0 / (last.since(f) as f64 / 1e9))
        }
        _ => None,
    };
    let rounds = rounds(dir, peer, since);
    let phases = phases(dir, &rounds, since);
    SenderLab {
        sender: name,
        data_segments: dir.sent.len() as u64,
        bytes: u64::from(dir.highest.saturating_sub(1)),
        largest_segment: dir.largest,
        rtt_samples,
        karn_excluded: dir.karn_excluded,
        min_receiver_window: peer.min_window,
        window_limited: dir.window_limited,
        first_window_limited: dir.first_window_limited,
        window_full: dir.window_full,
        loss: dir.loss.clone(),
        ack_histogram,
        max_flight,
        flight,
        throughput_bits_per_sec: throughput,
        rounds,
        phases,
    }
}

/// The transfer cut into rounds: a round starts with a data segment and ends when the peer
/// acknowledges it; the next starts with the next segment sent. (A round is one RTT as it
/// was then, queueing included.)
fn rounds(dir: &Dir, peer: &Dir, since: impl Fn(Timestamp) -> f64) -> Vec<Round> {
    let mut rounds: Vec<Round> = Vec::new();
    // The sequence number whose acknowledgment ends the open round.
    let mut open: Option<u32> = None;
    let mut highest = 0u32;
    // Relative sequence number 1 is the first data byte.
    let mut acked = 1u32;
    let mut acks = peer.advancing.iter().peekable();
    for s in &dir.sent {
        // The ACKs before this segment.
        while let Some(&&(_, ts, ack)) = acks.peek().filter(|a| a.0 < s.frame) {
            acks.next();
            if let Some(round) = rounds.last_mut().filter(|_| open.is_some()) {
                round.acked += u64::from(ack.saturating_sub(acked));
                round.end_ms = since(ts);
            }
            acked = acked.max(ack);
            if open.is_some_and(|end| ack >= end) {
                open = None;
            }
        }
        if open.is_none() {
            open = Some(s.next);
            rounds.push(Round {
                start_ms: since(s.ts),
                end_ms: since(s.ts),
                first_frame: Some(s.frame),
                bytes: 0,
                acked: 0,
                flight: 0,
                bits_per_sec: 0.0,
                window_limited: false,
            });
        }
        if let Some(round) = rounds.last_mut() {
            if s.next > highest {
                round.bytes += u64::from(s.next - highest.max(s.seq));
                highest = s.next;
            }
            let outstanding = highest.saturating_sub(acked);
            round.flight = round.flight.max(s.flight.unwrap_or(outstanding));
            round.window_limited |= s.limited;
        }
    }
    // The ACKs after the last segment close the last round.
    for &(_, ts, ack) in acks {
        if let Some(round) = rounds.last_mut() {
            round.acked += u64::from(ack.saturating_sub(acked));
            round.end_ms = since(ts);
        }
        acked = acked.max(ack);
    }
    for round in &mut rounds {
        let secs = (round.end_ms - round.start_ms) / 1e3;
        round.bits_per_sec = if secs > 0.0 {
            round.acked as f64 * 8.0 / secs
        } else {
            0.0
        };
    }
    rounds
}

/// The phases, inferred from the rounds' flights and the loss episodes (see the module's
/// rules).
fn phases(dir: &Dir, rounds: &[Round], since: impl Fn(Timestamp) -> f64) -> Vec<Phase> {
    let mut phases: Vec<Phase> = Vec::new();
    let mut push = |kind: PhaseKind, frame: u64, at_ms: f64, why: String| {
        if phases.last().is_none_or(|p| p.kind != kind) {
            phases.push(Phase {
                kind,
                frame,
                at_ms,
                why,
            });
        }
    };
    let Some(first) = dir.sent.first() else {
        return Vec::new();
    };
    push(
        PhaseKind::SlowStart,
        first.frame,
        0.0,
        if rounds.len() < 3 {
            format!(
                "a connection starts in slow start; in {} round{} its window cannot be seen \
                 to grow",
                rounds.len(),
                if rounds.len() == 1 { "" } else { "s" }
            )
        } else {
            "a connection starts in slow start".to_owned()
        },
    );
    let last_new = dir
        .sent
        .iter()
        .rev()
        .find(|s| !s.retransmitted)
        .map(|s| s.frame);
    let mut episodes = dir.episodes.iter().peekable();
    // The episode under way, if any.
    let mut open: Option<&Episode> = None;
    let mut slow_start = true;
    // The round after an episode is not judged by its growth: the sender has just cut its
    // window.
    let mut settling = false;
    for (i, round) in rounds.iter().enumerate() {
        let Some(frame) = round.first_frame else {
            continue;
        };
        let last_frame = rounds
            .get(i + 1)
            .and_then(|r| r.first_frame)
            .map_or(u64::MAX, |f| f - 1);
        let mut touched = false;
        loop {
            // The open episode ends (before the next one can begin).
            if let Some(episode) = open {
                match episode.end {
                    Some((end, ts)) if end <= last_frame => {
                        open = None;
                        settling = true;
                        touched = true;
                        if episode.kind == EpisodeKind::Timeout {
                            slow_start = true;
                        } else {
                            slow_start = false;
                            push(
                                PhaseKind::CongestionAvoidance,
                                end,
                                since(ts),
                                "recovery is over: everything sent before the loss is \
                                 acknowledged"
                                    .to_owned(),
                            );
                        }
                        continue;
                    }
                    _ => break,
                }
            }
            let Some(episode) = episodes.next_if(|e| e.frame <= last_frame) else {
                break;
            };
            touched = true;
            let at = since(episode.ts);
            match episode.kind {
                EpisodeKind::Timeout => {
                    push(
                        PhaseKind::Timeout,
                        episode.frame,
                        at,
                        "retransmission timeout: the sender was silent for its RTO, and its \
                         window falls to one segment"
                            .to_owned(),
                    );
                    push(
                        PhaseKind::SlowStart,
                        episode.frame,
                        at,
                        "after a timeout the sender starts again in slow start".to_owned(),
                    );
                }
                EpisodeKind::Fast | EpisodeKind::Other => push(
                    PhaseKind::Recovery,
                    episode.frame,
                    at,
                    format!(
                        "{}; recovery lasts until relative byte {} is acknowledged",
                        if episode.kind == EpisodeKind::Fast {
                            "a fast retransmission after duplicate ACKs"
                        } else {
                            "a retransmission without duplicate ACKs (a probe)"
                        },
                        episode.point
                    ),
                ),
            }
            open = Some(episode);
        }
        let was_settling = std::mem::replace(&mut settling, false);
        // The last round may be cut short (by the end of the data or of the capture), and
        // with fewer than three rounds there is no growth to see.
        let last_round = i + 1 == rounds.len();
        if touched || open.is_some() || was_settling || i == 0 || last_round || rounds.len() < 3 {
            settling = touched && open.is_none();
            continue;
        }
        let prev = &rounds[i - 1];
        // The last rounds drain what is left: nothing to learn from their size.
        if prev.flight == 0 || last_new.is_some_and(|l| frame > l) {
            continue;
        }
        let grew = round.flight as f64 / prev.flight as f64;
        if round.window_limited {
            push(
                PhaseKind::Undetermined,
                frame,
                round.start_ms,
                "the flight reached the receiver's window: the congestion window cannot be seen"
                    .to_owned(),
            );
        } else if slow_start && grew >= 1.5 {
            push(
                PhaseKind::SlowStart,
                frame,
                round.start_ms,
                format!(
                    "the flight grew by half or more in a round ({} → {} bytes)",
                    prev.flight, round.flight
                ),
            );
        } else if grew < 0.9 {
            push(
                PhaseKind::Undetermined,
                frame,
                round.start_ms,
                format!(
                    "the flight shrank ({} → {} bytes) with no loss: something other than the \
                     congestion window held the sender back (its data, its socket buffer, \
                     pacing), so the window cannot be seen",
                    prev.flight, round.flight
                ),
            );
        } else {
            slow_start = false;
            push(
                PhaseKind::CongestionAvoidance,
                frame,
                round.start_ms,
                format!(
                    "the flight grew by less than half in a round ({} → {} bytes)",
                    prev.flight, round.flight
                ),
            );
        }
    }
    phases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimator_follows_rfc_6298() {
        // (2.2) first sample R: SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4·RTTVAR).
        // (2.3) then RTTVAR = 3/4·RTTVAR + 1/4·|SRTT − R'| (with the old SRTT), and
        // SRTT = 7/8·SRTT + 1/8·R'. Worked by hand for 100 ms, then 200 ms, then 100 ms.
        let samples = estimate(&[(1, 2, 100.0), (3, 4, 200.0), (5, 6, 100.0)]);
        let got: Vec<(f64, f64, f64)> = samples
            .iter()
            .map(|s| (s.srtt_ms, s.rttvar_ms, s.rto_ms))
            .collect();
        assert_eq!(
            got,
            vec![
                (100.0, 50.0, 300.0),
                (112.5, 62.5, 362.5),
                (110.9375, 50.0, 310.9375),
            ]
        );
        assert_eq!(samples[1].segment, 3);
        assert_eq!(samples[1].ack, 4);
        // The clock granularity bounds RTO − SRTT from below, and RFC 6298 (2.4) rounds the
        // RTO up to 1 s.
        let tiny = estimate(&[(1, 2, 0.02)]);
        assert!((tiny[0].rto_ms - 1.02).abs() < 1e-9, "{}", tiny[0].rto_ms);
        assert_eq!(rto_rounded_ms(tiny[0].rto_ms), 1000.0);
        assert_eq!(rto_rounded_ms(1500.0), 1500.0);
    }
}
