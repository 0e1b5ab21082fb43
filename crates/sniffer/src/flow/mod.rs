//! Conversations: which segments belong together, and what Wireshark's numbers are.
//!
//! A TCP conversation is identified by its two endpoints (address and port each): the key is
//! the same whichever way a segment travels ([`ConvKey`]). Conversations are numbered from 0 in
//! the order they first appear, as Wireshark's `tcp.stream`.
//!
//! Each conversation has two [`Direction`]s: client → server and server → client. The client
//! is the end that sent the SYN (or, when the capture has no SYN, the sender of the first
//! segment seen). Each direction keeps what Wireshark keeps: the base of its relative sequence
//! numbers, its window scale, the next sequence number expected and the last acknowledgment
//! sent. See [`direction`] for how those are set.
//!
//! The table also says when a conversation is *over* — both FINs acknowledged, or a reset —
//! which is how `sniff-demo` knows to stop capturing without sleeping.
//!
//! # Memory
//! Only the open conversations need their full state; what happens to the others — how long
//! a finished one lingers, when an unanswered SYN is given up, what is remembered of them
//! after — is the policy of [`memory`].
//!
//! [`FlowTable::keep_all`] keeps every conversation instead, for the reports that need them
//! all after the listing (`--explain`, `sniff-demo`).

pub mod analysis;
pub mod details;
pub mod direction;
pub mod lab;
pub mod memory;
pub mod report;
pub mod state;
pub mod step;

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::net::SocketAddr;

use serde::Serialize;

use crate::decode::{IpHeader, TcpHeader};
use crate::frame::Timestamp;
use crate::tcp::{SeqNum, TcpFlags};

pub use analysis::{Tag, Tags};
pub use direction::{Direction, Numbers, WindowScale};
pub use memory::{LINGER_NANOS, MAX_LINGERING, MAX_RELEASED, MAX_UNANSWERED, SYN_GIVE_UP_NANOS};

use memory::{Memory, Recalled};
pub use state::TcpState;
pub use step::Step;

/// The two endpoints of a conversation, stored in a canonical order so that both directions
/// of one connection map to the same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConvKey {
    low: SocketAddr,
    high: SocketAddr,
}

impl ConvKey {
    /// The key of a segment from `src` to `dst` (or from `dst` to `src`: the same key).
    pub fn new(src: SocketAddr, dst: SocketAddr) -> ConvKey {
        if src <= dst {
            ConvKey {
                low: src,
                high: dst,
            }
        } else {
            ConvKey {
                low: dst,
                high: src,
            }
        }
    }
}

/// Which way a segment travels within its conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// From the client (the end that opened the connection) to the server.
    ClientToServer,
    /// From the server to the client.
    ServerToClient,
}

impl Side {
    /// The other direction.
    pub fn reverse(self) -> Side {
        match self {
            Side::ClientToServer => Side::ServerToClient,
            Side::ServerToClient => Side::ClientToServer,
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Side::ClientToServer => 0,
            Side::ServerToClient => 1,
        }
    }
}

/// The times and numbers of the three-way handshake, as far as it was seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Handshake {
    /// The client's SYN: when, and its initial sequence number *j*.
    pub syn: Option<(Timestamp, SeqNum)>,
    /// The server's SYN-ACK: when, its initial sequence number *k*, and its ack (should be j+1).
    pub syn_ack: Option<(Timestamp, SeqNum, SeqNum)>,
    /// The client's ACK that completes the handshake: when, and its ack (should be k+1).
    pub ack: Option<(Timestamp, SeqNum)>,
}

impl Handshake {
    /// Time from the SYN to the ACK that completes the handshake (Wireshark's iRTT), in ns.
    pub fn rtt_nanos(&self) -> Option<i128> {
        match (self.syn, self.ack) {
            (Some((syn, _)), Some((ack, _))) => Some(ack.since(syn)),
            _ => None,
        }
    }
}

/// One TCP conversation.
#[derive(Clone, Debug)]
pub struct Conversation {
    /// Wireshark's `tcp.stream`.
    pub stream: u32,
    /// The end that opened the connection.
    pub client: SocketAddr,
    /// The end that accepted it.
    pub server: SocketAddr,
    /// Client → server, then server → client.
    pub dirs: [Direction; 2],
    /// Handshake facts, for the summary.
    pub handshake: Handshake,
    /// The sequence analysis' round trip (see [`analysis::InitialRtt`]).
    pub initial_rtt: analysis::InitialRtt,
    /// When the first segment with data was seen.
    pub first_data: Option<Timestamp>,
    /// When the first segment was seen.
    pub first_seen: Timestamp,
    /// An Accurate ECN option was seen: later segments (not SYNs) show their ECE, CWR and AE
    /// bits as one counter, `ACE=n`, as Wireshark does.
    pub acc_ecn: bool,
    /// A reset was seen: the conversation is over.
    pub reset: bool,
    /// Which end sent the (first) reset.
    pub reset_by: Option<Side>,
    /// The state of each end after the last segment.
    pub client_state: TcpState,
    pub server_state: TcpState,
    /// When the last segment was seen.
    pub last_seen: Timestamp,
    /// Wireshark's conversation completeness so far (see [`details::completeness`]).
    pub completeness: u8,
    /// Which side closed first: the client, the server (Wireshark's `closing_initiator`).
    pub closing_initiator: [bool; 2],
    /// Each direction's segments waiting for their acknowledgment, for the packet details
    /// (client's, then server's; only in a table made [`FlowTable::with_details`]).
    pub in_flight: Option<Box<[details::InFlight; 2]>>,
}

impl Conversation {
    fn new(stream: u32, src: SocketAddr, dst: SocketAddr, seg: &TcpHeader, ts: Timestamp) -> Self {
        // A SYN-ACK's sender is the server; any other first segment's sender is taken as the
        // client (right for a SYN, a guess for a capture that starts mid-stream).
        let syn = seg.flags.contains(TcpFlags::SYN);
        let (client, server) = if syn && seg.flags.contains(TcpFlags::ACK) {
            (dst, src)
        } else {
            (src, dst)
        };
        // Before a SYN the client is closed and the server listening; a capture that starts
        // after the handshake finds both ends established.
        let (client_state, server_state) = if syn || seg.flags.contains(TcpFlags::RST) {
            (TcpState::Closed, TcpState::Listen)
        } else {
            (TcpState::Established, TcpState::Established)
        };
        Conversation {
            stream,
            client,
            server,
            dirs: [Direction::default(), Direction::default()],
            handshake: Handshake::default(),
            initial_rtt: analysis::InitialRtt::default(),
            first_data: None,
            first_seen: ts,
            last_seen: ts,
            acc_ecn: false,
            reset: false,
            reset_by: None,
            client_state,
            server_state,
            completeness: 0,
            closing_initiator: [false; 2],
            in_flight: None,
        }
    }

    /// The direction of a segment sent by `src`.
    pub fn side_of(&self, src: SocketAddr) -> Side {
        if src == self.client {
            Side::ClientToServer
        } else {
            Side::ServerToClient
        }
    }

    /// The direction state for one side.
    pub fn dir(&self, side: Side) -> &Direction {
        &self.dirs[side.index()]
    }

    /// Opened by a SYN that nothing has answered: only the client has sent, and only SYNs.
    pub fn is_unanswered(&self) -> bool {
        self.client_state == TcpState::SynSent
            && self.dir(Side::ServerToClient).segments == 0
            && !self.reset
    }

    /// Over: both FINs acknowledged, or reset.
    pub fn is_finished(&self) -> bool {
        self.reset || self.dirs.iter().all(|d| d.fin_acked)
    }
}

/// What the flow stage adds to one TCP segment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TcpView {
    /// Wireshark's `tcp.stream`.
    pub stream: u32,
    /// Which way the segment travels.
    pub side: Side,
    /// Its numbers as Wireshark shows them.
    #[serde(flatten)]
    pub numbers: Numbers,
    /// The segment's role in the exchange (a row says it at its top level, not in `tcp`).
    #[serde(skip)]
    pub step: Step,
    /// Wireshark's analysis tags (`[TCP Retransmission]`…).
    pub tags: Tags,
    /// The state of each end after this segment.
    pub client_state: TcpState,
    pub server_state: TcpState,
    /// The flags show the ACE counter instead of ECE, CWR and AE (see
    /// [`Conversation::acc_ecn`]).
    #[serde(skip)]
    pub ace: bool,
    /// What the packet details show beyond the Info line (computed only by a table made
    /// [`FlowTable::with_details`]).
    #[serde(skip)]
    pub details: Option<Box<details::SegmentDetails>>,
}

/// What the packet details show of a TCP header an ICMP error quotes (see
/// [`FlowTable::quoted`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuotedSegment {
    pub stream: u32,
    /// The conversation's completeness so far.
    pub completeness: u8,
    /// Seconds and nanoseconds since the stream's first and previous segments.
    pub since_first: (i64, i64),
    pub since_previous: (i64, i64),
    /// The sender's window scale.
    pub scale: WindowScale,
    /// The stream's handshake round trip, if measured.
    pub irtt: Option<(i64, i64)>,
}

/// All conversations of a capture.
#[derive(Debug, Default)]
pub struct FlowTable {
    /// Conversations with their full state: open, lingering, or (with `keep_all`) all. Boxed:
    /// a conversation is some 600 bytes, and the map's growth then copies only pointers.
    /// Hashed with foldhash, seeded per process: several times faster than SipHash for these
    /// keys, and still not predictable by whoever crafts a capture.
    conversations: HashMap<ConvKey, Box<Conversation>, foldhash::fast::RandomState>,
    /// Conversations replaced by a new connection on the same ports, kept for the summary
    /// (with `keep_all` only).
    retired: Vec<Conversation>,
    next_stream: u32,
    /// Keep every conversation (no release).
    keep_all: bool,
    /// Compute what the packet details show of each segment ([`TcpView::details`]); the
    /// listing does without.
    details: bool,
    /// What happens to conversations once they are over or unanswered.
    memory: Memory,
}

impl FlowTable {
    /// A table that releases finished conversations (see the module's docs).
    pub fn new() -> FlowTable {
        FlowTable::default()
    }

    /// A table that also computes what the packet details show of each segment.
    pub fn with_details() -> FlowTable {
        FlowTable {
            details: true,
            ..FlowTable::default()
        }
    }

    /// A table that keeps every conversation, for reports after the listing.
    pub fn keep_all() -> FlowTable {
        FlowTable {
            keep_all: true,
            ..FlowTable::default()
        }
    }

    /// A table that keeps every conversation and computes the details: for the lab's answers.
    pub fn for_lab() -> FlowTable {
        FlowTable {
            keep_all: true,
            details: true,
            ..FlowTable::default()
        }
    }

    /// Adds one TCP segment, the capture's frame number `frame`, and returns what Wireshark
    /// would show for it.
    pub fn observe(
        &mut self,
        frame: u64,
        ts: Timestamp,
        ip: &IpHeader,
        seg: &TcpHeader,
    ) -> TcpView {
        let src = SocketAddr::new(ip.src, seg.src_port);
        let dst = SocketAddr::new(ip.dst, seg.dst_port);
        let key = ConvKey::new(src, dst);
        let is_new_syn = seg.flags.contains(TcpFlags::SYN) && !seg.flags.contains(TcpFlags::ACK);
        let mut port_reused = false;
        // When a released unanswered SYN was last sent, if this is that SYN again.
        let mut resent_syn = None;
        let conv: &mut Conversation = match self.conversations.entry(key) {
            Entry::Occupied(entry) => {
                // A SYN whose sequence number is not where its sender's numbers start is a
                // new connection reusing the ports: a fresh SYN gets its own stream, a
                // SYN-ACK (its SYN was not captured) starts its sender's numbers again in the
                // same stream. The same SYN again, even after a close, is a retransmission.
                let existing = entry.get();
                let new_isn = seg.flags.contains(TcpFlags::SYN)
                    && existing
                        .dir(existing.side_of(src))
                        .base
                        .is_some_and(|b| b != seg.seq);
                port_reused = new_isn;
                let new_stream = new_isn && is_new_syn;
                let conv = entry.into_mut();
                if new_stream {
                    let stream = take_stream(&mut self.next_stream);
                    let mut new = Box::new(Conversation::new(stream, src, dst, seg, ts));
                    // Wireshark counts the SYN that reuses the ports before showing it.
                    new.completeness = details::completeness::SYN;
                    let old = std::mem::replace(conv, new);
                    if self.keep_all {
                        self.retired.push(*old);
                    }
                }
                conv
            }
            Entry::Vacant(entry) => {
                let stream = match self.memory.recall(&key, is_new_syn, seg.seq.0) {
                    Recalled::Stray(stream) => stream,
                    Recalled::ResentSyn(stream, sent) => {
                        resent_syn = Some(sent);
                        stream
                    }
                    Recalled::NewConnection => {
                        port_reused = true;
                        take_stream(&mut self.next_stream)
                    }
                    Recalled::Nothing => take_stream(&mut self.next_stream),
                };
                entry.insert(Box::new(Conversation::new(stream, src, dst, seg, ts)))
            }
        };
        if let Some(sent) = resent_syn {
            // What the released state knew: this SYN was sent before.
            apply_segment(conv, src, seg, frame, sent);
        }
        let was_finished = conv.is_finished();
        let opened_by_syn =
            is_new_syn && (resent_syn.is_some() || conv.dir(Side::ClientToServer).segments == 0);
        let ace = conv.acc_ecn && !seg.flags.contains(TcpFlags::SYN);
        let before = self.details.then(|| {
            let first = conv.dirs.iter().all(|d| d.segments == 0);
            let since = (ts.delta(conv.first_seen), ts.delta(conv.last_seen));
            (first, conv.completeness, since.0, since.1)
        });
        let (side, step, numbers, mut tags) = apply_segment(conv, src, seg, frame, ts);
        let details = before
            .map(|before| Box::new(segment_details(conv, side, seg, frame, ts, tags, before)));
        conv.acc_ecn |= seg.options.has_acc_ecn();
        if port_reused {
            tags.set(Tag::PortReused);
        }
        let view = TcpView {
            stream: conv.stream,
            side,
            numbers,
            step,
            tags,
            client_state: conv.client_state,
            server_state: conv.server_state,
            ace,
            details,
        };
        if !self.keep_all {
            let finished_now = !was_finished && conv.is_finished();
            self.memory
                .watch(ts, key, conv.stream, finished_now, opened_by_syn);
            self.memory.release_due(ts, &mut self.conversations);
        }
        view
    }

    /// A TCP header an ICMP error quotes whole: the conversation it belongs to (made if new,
    /// as Wireshark makes one, which takes the next stream index), and what the details show
    /// of it. The quote counts as the stream's latest segment for the times between
    /// segments; the analysis is not touched.
    pub fn quoted(&mut self, ts: Timestamp, ip: &IpHeader, seg: &TcpHeader) -> QuotedSegment {
        self.touch(ts, ip, seg, false)
    }

    /// A segment Wireshark does not analyse (its header runs past the end of its frame, or
    /// its length is unknown): the conversation it belongs to (made if new), what the details
    /// show of it; it counts for the stream's times and completeness, as carrying no data.
    pub fn unanalysed(&mut self, ts: Timestamp, ip: &IpHeader, seg: &TcpHeader) -> QuotedSegment {
        self.touch(ts, ip, seg, true)
    }

    /// A segment whose header length Wireshark calls bogus: analysed as any other, but it
    /// leaves the conversation's completeness as it was.
    pub fn observe_bogus(
        &mut self,
        frame: u64,
        ts: Timestamp,
        ip: &IpHeader,
        seg: &TcpHeader,
    ) -> TcpView {
        let src = SocketAddr::new(ip.src, seg.src_port);
        let key = ConvKey::new(src, SocketAddr::new(ip.dst, seg.dst_port));
        let before = self.conversations.get(&key).map(|c| c.completeness);
        let view = self.observe(frame, ts, ip, seg);
        if let Some(conv) = self.conversations.get_mut(&key) {
            conv.completeness = before.unwrap_or_default();
        }
        view
    }

    /// The conversation of a segment not analysed (made if new), the quote counting for the
    /// times between segments, and with `completeness` for the conversation's completeness.
    fn touch(
        &mut self,
        ts: Timestamp,
        ip: &IpHeader,
        seg: &TcpHeader,
        completeness: bool,
    ) -> QuotedSegment {
        let src = SocketAddr::new(ip.src, seg.src_port);
        let dst = SocketAddr::new(ip.dst, seg.dst_port);
        let key = ConvKey::new(src, dst);
        let mut new = false;
        let conv: &mut Conversation = match self.conversations.entry(key) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                new = true;
                let stream = take_stream(&mut self.next_stream);
                entry.insert(Box::new(Conversation::new(stream, src, dst, seg, ts)))
            }
        };
        let since_first = ts.delta(conv.first_seen);
        let since_previous = ts.delta(conv.last_seen);
        conv.last_seen = ts;
        let shown = conv.completeness;
        if completeness {
            // Its length unknown, the segment counts as carrying no data.
            let header = TcpHeader {
                payload_len: 0,
                ..seg.clone()
            };
            conv.completeness = details::completeness_after(shown, &header, new);
        }
        let scale = conv.dirs[conv.side_of(src).index()].scale;
        QuotedSegment {
            stream: conv.stream,
            completeness: shown,
            since_first,
            since_previous,
            scale,
            irtt: conv.initial_rtt.measured(),
        }
    }

    /// The conversations held, in stream order: every one seen with [`FlowTable::keep_all`],
    /// the open and lingering ones otherwise.
    pub fn conversations(&self) -> Vec<&Conversation> {
        let mut all: Vec<&Conversation> = self
            .conversations
            .values()
            .map(|c| &**c)
            .chain(self.retired.iter())
            .collect();
        all.sort_by_key(|c| c.stream);
        all
    }

    /// At least one conversation was seen and every one of them is over.
    pub fn all_finished(&self) -> bool {
        !self.is_empty() && self.conversations.values().all(|c| c.is_finished())
    }

    /// Number of conversations seen so far (Wireshark's last `tcp.stream` + 1).
    pub fn len(&self) -> usize {
        self.next_stream as usize
    }

    /// Number of conversations whose full state is held now.
    pub fn held(&self) -> usize {
        self.conversations.len() + self.retired.len()
    }

    /// True when no TCP segment was seen.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What the packet details show of a segment just applied to `conv`: `before` is the
/// completeness and the times since the stream's first and previous segments, taken before.
fn segment_details(
    conv: &mut Conversation,
    side: Side,
    seg: &TcpHeader,
    frame: u64,
    ts: Timestamp,
    tags: Tags,
    before: (bool, u8, (i64, i64), (i64, i64)),
) -> details::SegmentDetails {
    let (first, completeness, since_first, since_previous) = before;
    conv.completeness = details::completeness_after(completeness, seg, first);
    // A FIN initiates the closing unless the peer's already did; the side that initiates
    // stays the initiator, its FIN sent again too.
    let first_fin =
        seg.flags.contains(TcpFlags::FIN) && !conv.closing_initiator[side.reverse().index()];
    if first_fin {
        conv.closing_initiator[side.index()] = true;
    }
    let base = conv.dirs[side.index()].base.unwrap_or(seg.seq);
    let sent = &conv.dirs[side.index()].seq_state;
    let (next_seq_frame, next_seq_time) = (sent.next_seq_frame, sent.next_seq_time);
    let [client, server] = &mut **conv.in_flight.get_or_insert_with(Default::default);
    let (fwd, rev) = match side {
        Side::ClientToServer => (client, server),
        Side::ServerToClient => (server, client),
    };
    // Measured from the eldest segment still unacknowledged, or failing that from the one
    // that last advanced the sequence, as Wireshark does.
    let rto = (tags.has(Tag::Retransmission)
        && !tags.has(Tag::FastRetransmission)
        && !tags.has(Tag::SpuriousRetransmission))
    .then(|| {
        let (frame, at) = fwd
            .eldest_unacked()
            .unwrap_or((next_seq_frame, next_seq_time));
        (frame, ts.delta(at))
    });
    let lost = tags.has(Tag::LostSegment);
    let (acks, bytes_in_flight, push_bytes_sent) =
        details::record(fwd, rev, seg, base, frame, ts, lost);
    details::SegmentDetails {
        rto,
        first_fin,
        completeness,
        since_first,
        since_previous,
        irtt: conv.initial_rtt.measured(),
        acks,
        bytes_in_flight,
        push_bytes_sent,
    }
}

/// The next stream number, counted.
fn take_stream(next: &mut u32) -> u32 {
    let stream = *next;
    *next += 1;
    stream
}

/// Applies one segment sent by `src` to its conversation: states, relative numbers,
/// analysis, facts. Returns the side, the step, the numbers and the analysis tags.
fn apply_segment(
    conv: &mut Conversation,
    src: SocketAddr,
    seg: &TcpHeader,
    frame: u64,
    ts: Timestamp,
) -> (Side, Step, direction::Numbers, Tags) {
    conv.last_seen = ts;
    let side = conv.side_of(src);
    let step = step::classify(conv, side, seg);
    let event = state_event(conv, side, seg);
    let (sender, receiver) = match side {
        Side::ClientToServer => (&mut conv.client_state, &mut conv.server_state),
        Side::ServerToClient => (&mut conv.server_state, &mut conv.client_state),
    };
    *sender = state::after_send(*sender, event);
    *receiver = state::after_receive(*receiver, event);
    let numbers = direction::apply(conv, side, seg);
    let tags = analysis::analyze(conv, side, seg, frame, ts);
    record_facts(conv, side, seg, ts, step);
    (side, step, numbers, tags)
}

/// What a segment sent on `side` means to the two state machines.
fn state_event(conv: &Conversation, side: Side, seg: &TcpHeader) -> state::SegmentEvent {
    let f = seg.flags;
    let ack = f.contains(TcpFlags::ACK);
    let peer = conv.dir(side.reverse());
    let acks = |s: Option<SeqNum>| {
        ack && s.is_some_and(|s| {
            let next = s.plus(1);
            seg.ack == next || seg.ack.after(next)
        })
    };
    state::SegmentEvent {
        syn: f.contains(TcpFlags::SYN),
        ack,
        fin: f.contains(TcpFlags::FIN),
        rst: f.contains(TcpFlags::RST),
        acks_peer_syn: acks(peer.isn),
        acks_peer_fin: acks(peer.fin),
    }
}

/// Keeps the handshake times and first-data time for the summary.
fn record_facts(conv: &mut Conversation, side: Side, seg: &TcpHeader, ts: Timestamp, step: Step) {
    match step {
        Step::HandshakeSyn if conv.handshake.syn.is_none() => {
            conv.handshake.syn = Some((ts, seg.seq));
        }
        Step::HandshakeSynAck if conv.handshake.syn_ack.is_none() => {
            conv.handshake.syn_ack = Some((ts, seg.seq, seg.ack));
        }
        Step::HandshakeAck => conv.handshake.ack = Some((ts, seg.ack)),
        Step::Reset => {
            conv.reset = true;
            conv.reset_by.get_or_insert(side);
        }
        _ => {}
    }
    if seg.flags.contains(TcpFlags::FIN) {
        conv.dirs[side.index()].fin_time.get_or_insert(ts);
    }
    if seg.payload_len > 0 && conv.first_data.is_none() {
        conv.first_data = Some(ts);
    }
}

#[cfg(test)]
mod tests;
