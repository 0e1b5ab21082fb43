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
//! A long capture holds many conversations, but only the open ones need their full state. A
//! finished conversation keeps it for [`LINGER_NANOS`] of capture time after its last segment
//! (Linux's TIME-WAIT: retransmitted FINs and last ACKs still find their numbers), and at
//! most [`MAX_LINGERING`] finished conversations do so at once; then its state is *released*
//! and only a 64-bit fingerprint of its endpoints and its stream number remain. So a later SYN
//! on the same endpoints is still a new conversation tagged `[TCP Port numbers reused]`, and
//! the stream numbers of every later conversation stay Wireshark's. A stray segment of a
//! released conversation gets its stream number back with fresh state (its relative numbers
//! start again, where Wireshark, which keeps everything, would continue). The fingerprints of
//! the last [`MAX_RELEASED`] released conversations are kept — twice the 65,536 ports of a
//! client, so one that cycles through all its ports is still recognised — and older ones are
//! forgotten, so that memory stays bounded however many conversations the capture holds: a
//! SYN on the endpoints of a conversation forgotten so is a new conversation without the tag.
//!
//! A SYN nobody answers (a scan of filtered ports sends them by the thousand) opens a
//! conversation that never finishes. Its state is released [`SYN_GIVE_UP_NANOS`] after its
//! last SYN, when the sender has given up, or earlier once [`MAX_UNANSWERED`] newer
//! conversations were opened by a SYN (answered or not: the queue of SYNs to check stays that
//! short whatever the rate of connections); its fingerprint then keeps the SYN's sequence
//! number and time too. The same SYN again is replayed into a fresh state before it is
//! analysed, so it is still a `[TCP Retransmission]` in the same stream, as Wireshark says; a
//! SYN with another sequence number reuses the ports. (A SYN-ACK arriving after the release
//! starts from a fresh state: its numbers are then its own, not relative to the SYN.)
//!
//! [`FlowTable::keep_all`] keeps every conversation instead, for the reports that need them
//! all after the listing (`--explain`, `sniff-demo`).

pub mod analysis;
pub mod direction;
pub mod report;
pub mod state;
pub mod step;

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;

use serde::Serialize;

use crate::decode::{IpHeader, TcpSegment};
use crate::frame::Timestamp;
use crate::tcp::{SeqNum, TcpFlags};

pub use analysis::Tags;
pub use direction::{Direction, WindowScale};
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
    /// When the first segment with data was seen.
    pub first_data: Option<Timestamp>,
    /// When the first segment was seen.
    pub first_seen: Timestamp,
    /// A reset was seen: the conversation is over.
    pub reset: bool,
    /// Which end sent the (first) reset.
    pub reset_by: Option<Side>,
    /// The state of each end after the last segment.
    pub client_state: TcpState,
    pub server_state: TcpState,
    /// When the last segment was seen.
    pub last_seen: Timestamp,
}

impl Conversation {
    fn new(stream: u32, src: SocketAddr, dst: SocketAddr, seg: &TcpSegment, ts: Timestamp) -> Self {
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
            first_data: None,
            first_seen: ts,
            last_seen: ts,
            reset: false,
            reset_by: None,
            client_state,
            server_state,
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
    /// Relative sequence number.
    pub seq: u32,
    /// Relative acknowledgment number (only when the ACK flag is set).
    pub ack: Option<u32>,
    /// Next relative sequence number after this segment (only when it carries data, SYN or
    /// FIN), as Wireshark's `tcp.nxtseq`.
    pub next_seq: Option<u32>,
    /// The window as Wireshark's `Win=` shows it (scaled when the scale is known).
    pub window: u32,
    /// The scale in force for this direction.
    pub scale: WindowScale,
    /// SACK blocks relative to the peer's base.
    pub sack: Vec<(u32, u32)>,
    /// The segment's role in the exchange.
    pub step: Step,
    /// Wireshark's analysis tags (`[TCP Retransmission]`…).
    pub tags: Tags,
    /// The state of each end after this segment.
    pub client_state: TcpState,
    pub server_state: TcpState,
}

/// How long, in capture time, a finished conversation keeps its state after its last segment
/// (60 s, Linux's TIME-WAIT).
pub const LINGER_NANOS: i128 = 60_000_000_000;

/// At most this many finished conversations keep their state at once; beyond it the oldest is
/// released early.
pub const MAX_LINGERING: usize = 4096;

/// At most this many released conversations are remembered by fingerprint (8 MiB at most).
pub const MAX_RELEASED: usize = 1 << 17;

/// An unanswered SYN's conversation is released this long (capture time) after its last
/// SYN: Linux gives up retransmitting a SYN after 127 s.
pub const SYN_GIVE_UP_NANOS: i128 = 130_000_000_000;

/// At most this many conversations opened by a SYN are watched for an answer at once (a scan
/// sends SYNs by the thousand); beyond it the oldest is released early if still unanswered.
pub const MAX_UNANSWERED: usize = 4_096;

/// What is remembered of a released conversation: its stream number, and for an unanswered
/// SYN its initial sequence number and when it was last sent (the same SYN again is a
/// retransmission, not a new connection). 16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Released {
    stream: u32,
    /// The unanswered SYN's initial sequence number (when `syn_at` is not `NO_SYN`).
    isn: u32,
    /// When the unanswered SYN was last sent, in nanoseconds since 1970, or `NO_SYN`.
    syn_at: i64,
}

impl Released {
    const NO_SYN: i64 = i64::MIN;

    /// The unanswered SYN's sequence number and time, if it was one.
    fn unanswered_syn(self) -> Option<(u32, Timestamp)> {
        (self.syn_at != Self::NO_SYN).then(|| {
            let secs = self.syn_at.div_euclid(1_000_000_000);
            let nanos = u32::try_from(self.syn_at.rem_euclid(1_000_000_000)).unwrap_or(0);
            (self.isn, Timestamp { secs, nanos })
        })
    }
}

/// All conversations of a capture.
#[derive(Debug)]
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
    /// Finished conversations not released yet, by the time of their last segment (about
    /// oldest first): `(last seen, key, stream)`.
    lingering: VecDeque<(Timestamp, ConvKey, u32)>,
    /// Conversations opened by a SYN nobody has answered yet, by the time of their last SYN
    /// (about oldest first): `(last seen, key, stream)`.
    unanswered: VecDeque<(Timestamp, ConvKey, u32)>,
    /// Released conversations by the fingerprint of their key.
    released: HashMap<u64, Released>,
    /// The same, in the order they were released, to forget the oldest (an entry whose
    /// fingerprint was taken since by a newer conversation is skipped then).
    released_order: VecDeque<(u64, u32)>,
    /// How many released conversations are remembered ([`MAX_RELEASED`]).
    max_released: usize,
}

impl Default for FlowTable {
    fn default() -> FlowTable {
        FlowTable {
            conversations: HashMap::default(),
            retired: Vec::new(),
            next_stream: 0,
            keep_all: false,
            lingering: VecDeque::new(),
            unanswered: VecDeque::new(),
            released: HashMap::new(),
            released_order: VecDeque::new(),
            max_released: MAX_RELEASED,
        }
    }
}

impl FlowTable {
    /// A table that releases finished conversations (see the module's docs).
    pub fn new() -> FlowTable {
        FlowTable::default()
    }

    /// A table that keeps every conversation, for reports after the listing.
    pub fn keep_all() -> FlowTable {
        FlowTable {
            keep_all: true,
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
        seg: &TcpSegment,
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
                // A fresh SYN with another initial sequence number on a known pair of
                // endpoints, or any fresh SYN once the conversation is over, is a new
                // connection reusing the ports: it gets its own stream.
                let existing = entry.get();
                let client_isn = existing.handshake.syn.map(|(_, isn)| isn);
                port_reused = is_new_syn
                    && (existing.side_of(src) == Side::ClientToServer
                        && client_isn.is_some_and(|isn| isn != seg.seq)
                        || existing.is_finished());
                let conv = entry.into_mut();
                if port_reused {
                    let stream = take_stream(&mut self.next_stream);
                    let new = Box::new(Conversation::new(stream, src, dst, seg, ts));
                    let old = std::mem::replace(conv, new);
                    if self.keep_all {
                        self.retired.push(*old);
                    }
                }
                conv
            }
            Entry::Vacant(entry) => {
                // A released conversation's endpoints: a SYN opens a new one (the old one was
                // finished), anything else is a stray segment of the old one.
                let mut revived = None;
                if !self.released.is_empty() {
                    if let Some(old) = self.released.remove(&fingerprint(&key)) {
                        match old.unanswered_syn() {
                            // The unanswered SYN again: a retransmission in the same stream.
                            Some((isn, sent)) if is_new_syn && isn == seg.seq.0 => {
                                revived = Some(old.stream);
                                resent_syn = Some(sent);
                            }
                            _ if is_new_syn => port_reused = true,
                            _ => revived = Some(old.stream),
                        }
                    }
                }
                let stream = revived.unwrap_or_else(|| take_stream(&mut self.next_stream));
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
        let (side, step, numbers, mut tags) = apply_segment(conv, src, seg, frame, ts);
        tags.port_reused = port_reused;
        let view = TcpView {
            stream: conv.stream,
            side,
            seq: numbers.seq,
            ack: numbers.ack,
            next_seq: numbers.next_seq,
            window: numbers.window,
            scale: numbers.scale,
            sack: numbers.sack,
            step,
            tags,
            client_state: conv.client_state,
            server_state: conv.server_state,
        };
        if !self.keep_all {
            if !was_finished && conv.is_finished() {
                self.lingering.push_back((ts, key, conv.stream));
            }
            if opened_by_syn {
                self.unanswered.push_back((ts, key, conv.stream));
            }
            self.release_due(ts);
        }
        view
    }

    /// Releases the finished conversations whose linger is over at capture time `now`, and
    /// the oldest ones beyond [`MAX_LINGERING`].
    fn release_due(&mut self, now: Timestamp) {
        while let Some(&(since, key, stream)) = self.lingering.front() {
            let crowded = self.lingering.len() > MAX_LINGERING;
            if !crowded && now.since(since) < LINGER_NANOS {
                break;
            }
            self.lingering.pop_front();
            let Some(conv) = self.conversations.get(&key) else {
                continue;
            };
            if conv.stream != stream {
                // The endpoints were reused; the new conversation is queued on its own.
                continue;
            }
            if !crowded && now.since(conv.last_seen) < LINGER_NANOS {
                // Segments came after it finished: wait from the last one.
                self.lingering.push_back((conv.last_seen, key, stream));
                continue;
            }
            self.conversations.remove(&key);
            self.remember_released(fingerprint(&key), stream, None);
        }
        while let Some(&(since, key, stream)) = self.unanswered.front() {
            let crowded = self.unanswered.len() > MAX_UNANSWERED;
            if !crowded && now.since(since) < SYN_GIVE_UP_NANOS {
                break;
            }
            self.unanswered.pop_front();
            let Some(conv) = self.conversations.get(&key) else {
                continue;
            };
            if conv.stream != stream || !conv.is_unanswered() {
                // Answered (or reset, or replaced): it lives on as any other conversation.
                continue;
            }
            if !crowded && now.since(conv.last_seen) < SYN_GIVE_UP_NANOS {
                // The SYN was sent again: wait from the last one.
                self.unanswered.push_back((conv.last_seen, key, stream));
                continue;
            }
            let syn = conv.handshake.syn.map(|(_, isn)| (isn.0, conv.last_seen));
            self.conversations.remove(&key);
            self.remember_released(fingerprint(&key), stream, syn);
        }
    }

    /// Remembers a released conversation, forgetting the oldest beyond `max_released`.
    fn remember_released(
        &mut self,
        fingerprint: u64,
        stream: u32,
        unanswered_syn: Option<(u32, Timestamp)>,
    ) {
        let (isn, syn_at) = match unanswered_syn {
            Some((isn, at)) => (
                isn,
                i64::try_from(at.as_nanos())
                    .unwrap_or(Released::NO_SYN)
                    .max(Released::NO_SYN + 1),
            ),
            None => (0, Released::NO_SYN),
        };
        self.released.insert(
            fingerprint,
            Released {
                stream,
                isn,
                syn_at,
            },
        );
        self.released_order.push_back((fingerprint, stream));
        while self.released_order.len() > self.max_released {
            if let Some((old, old_stream)) = self.released_order.pop_front() {
                // Unless the fingerprint now names a newer conversation.
                if self.released.get(&old).map(|r| r.stream) == Some(old_stream) {
                    self.released.remove(&old);
                }
            }
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
    seg: &TcpSegment,
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

/// A 64-bit fingerprint of a conversation's endpoints (SipHash with fixed keys: the same in
/// every run). Two of a capture's conversations share one with odds of about n²/2⁶⁵.
fn fingerprint(key: &ConvKey) -> u64 {
    #[allow(deprecated)] // SipHasher's fixed keys are the point; nothing else offers them in std.
    let mut h = std::hash::SipHasher::new();
    key.hash(&mut h);
    h.finish()
}

/// What a segment sent on `side` means to the two state machines.
fn state_event(conv: &Conversation, side: Side, seg: &TcpSegment) -> state::SegmentEvent {
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
fn record_facts(conv: &mut Conversation, side: Side, seg: &TcpSegment, ts: Timestamp, step: Step) {
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
