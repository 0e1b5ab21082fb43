//! The flow table's memory policy: which conversations keep their full state, and what is
//! remembered of the others.
//!
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
//! The table asks three things of it: what it remembers of endpoints it holds no state for
//! (`Memory::recall`), to watch a conversation that just finished or was opened by a SYN
//! (`Memory::watch`), and to release what is due (`Memory::release_due`).

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hash, Hasher};

use crate::frame::Timestamp;

use super::{ConvKey, Conversation};

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
pub(super) struct Released {
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

/// What the memory knows of endpoints with no conversation held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Recalled {
    /// Nothing: a conversation never seen, or forgotten.
    Nothing,
    /// A segment of a released conversation: it gets its stream number back.
    Stray(u32),
    /// The released unanswered SYN sent again (same sequence number), last sent at that
    /// time: a retransmission in the same stream.
    ResentSyn(u32, Timestamp),
    /// A SYN on the endpoints of a released conversation: a new connection reusing the ports.
    NewConnection,
}

/// Conversations waiting to be released, by the time of their last segment (about oldest
/// first): `(last seen, key, stream)`.
#[derive(Debug, Default)]
struct Queue(VecDeque<(Timestamp, ConvKey, u32)>);

impl Queue {
    /// Whether its oldest conversation may be due for release at `now` (its wait is over, or
    /// the queue holds more than its limit).
    #[inline]
    fn due(&self, wait: Wait, now: Timestamp) -> bool {
        let (patience, limit) = wait.patience();
        self.0
            .front()
            .is_some_and(|&(since, _, _)| self.0.len() > limit || now.since(since) >= patience)
    }
}

/// Which wait a queue is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wait {
    /// Finished conversations lingering ([`LINGER_NANOS`], at most [`MAX_LINGERING`]).
    Linger,
    /// Conversations opened by a SYN, until answered ([`SYN_GIVE_UP_NANOS`], at most
    /// [`MAX_UNANSWERED`]).
    Answer,
}

impl Wait {
    /// How long a conversation waits after its last segment, and how many may wait at once.
    fn patience(self) -> (i128, usize) {
        match self {
            Wait::Linger => (LINGER_NANOS, MAX_LINGERING),
            Wait::Answer => (SYN_GIVE_UP_NANOS, MAX_UNANSWERED),
        }
    }

    /// Whether the conversation is still what the wait is for (an answered SYN's is not).
    fn still_applies(self, conv: &Conversation) -> bool {
        match self {
            Wait::Linger => true,
            Wait::Answer => conv.is_unanswered(),
        }
    }
}

/// What is remembered, and what waits to be released.
#[derive(Debug)]
pub(super) struct Memory {
    lingering: Queue,
    unanswered: Queue,
    /// Released conversations by the fingerprint of their key.
    pub(super) released: HashMap<u64, Released>,
    /// The same, in the order they were released, to forget the oldest (an entry whose
    /// fingerprint was taken since by a newer conversation is skipped then).
    pub(super) released_order: VecDeque<(u64, u32)>,
    /// How many released conversations are remembered ([`MAX_RELEASED`]).
    pub(super) max_released: usize,
}

impl Default for Memory {
    fn default() -> Memory {
        Memory {
            lingering: Queue::default(),
            unanswered: Queue::default(),
            released: HashMap::new(),
            released_order: VecDeque::new(),
            max_released: MAX_RELEASED,
        }
    }
}

impl Memory {
    /// What is remembered of `key`, for a segment that is a fresh SYN (`is_new_syn`) with
    /// sequence number `seq`, or not. A released conversation's endpoints: a SYN opens a new
    /// one (the old one was finished), unless it is the unanswered SYN again; anything else
    /// is a stray segment of the old one.
    pub(super) fn recall(&mut self, key: &ConvKey, is_new_syn: bool, seq: u32) -> Recalled {
        if self.released.is_empty() {
            return Recalled::Nothing;
        }
        let Some(old) = self.released.remove(&fingerprint(key)) else {
            return Recalled::Nothing;
        };
        match old.unanswered_syn() {
            Some((isn, sent)) if is_new_syn && isn == seq => Recalled::ResentSyn(old.stream, sent),
            _ if is_new_syn => Recalled::NewConnection,
            _ => Recalled::Stray(old.stream),
        }
    }

    /// Watches a conversation that has just finished, or was just opened (or its SYN resent).
    pub(super) fn watch(
        &mut self,
        ts: Timestamp,
        key: ConvKey,
        stream: u32,
        finished_now: bool,
        opened_by_syn: bool,
    ) {
        if finished_now {
            self.lingering.0.push_back((ts, key, stream));
        }
        if opened_by_syn {
            self.unanswered.0.push_back((ts, key, stream));
        }
    }

    /// Releases, at capture time `now`, the finished conversations whose linger is over and
    /// the unanswered SYNs given up, and the oldest of each beyond their limit.
    #[inline]
    pub(super) fn release_due<S: BuildHasher>(
        &mut self,
        now: Timestamp,
        conversations: &mut HashMap<ConvKey, Box<Conversation>, S>,
    ) {
        // Per segment, most often nothing is due: say so cheaply.
        if !self.lingering.due(Wait::Linger, now) && !self.unanswered.due(Wait::Answer, now) {
            return;
        }
        self.release(now, conversations);
    }

    /// [`Memory::release_due`]'s work, once something is due.
    fn release<S: BuildHasher>(
        &mut self,
        now: Timestamp,
        conversations: &mut HashMap<ConvKey, Box<Conversation>, S>,
    ) {
        for wait in [Wait::Linger, Wait::Answer] {
            let queue = match wait {
                Wait::Linger => &mut self.lingering,
                Wait::Answer => &mut self.unanswered,
            };
            let mut due: Vec<Due> = Vec::new();
            release_from(queue, wait, now, conversations, &mut due);
            for (key, stream, syn) in due {
                self.remember(fingerprint(&key), stream, syn);
            }
        }
    }

    /// Remembers a released conversation, forgetting the oldest beyond `max_released`.
    fn remember(
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
}

/// A conversation taken out of the table: its key, its stream, and for an unanswered SYN its
/// sequence number and when it was last sent.
type Due = (ConvKey, u32, Option<(u32, Timestamp)>);

/// Takes out of `conversations` those of `queue` whose wait is over at `now` (or that are the
/// oldest beyond the queue's limit), adding each to `due` with, for an unanswered SYN, its
/// sequence number and when it was last sent.
fn release_from<S: BuildHasher>(
    queue: &mut Queue,
    wait: Wait,
    now: Timestamp,
    conversations: &mut HashMap<ConvKey, Box<Conversation>, S>,
    due: &mut Vec<Due>,
) {
    let (patience, limit) = wait.patience();
    while let Some(&(since, key, stream)) = queue.0.front() {
        let crowded = queue.0.len() > limit;
        if !crowded && now.since(since) < patience {
            break;
        }
        queue.0.pop_front();
        let Some(conv) = conversations.get(&key) else {
            continue;
        };
        if conv.stream != stream || !wait.still_applies(conv) {
            // The endpoints were reused (the new conversation is queued on its own), or the
            // SYN was answered, reset or replaced: it lives on as any other conversation.
            continue;
        }
        if !crowded && now.since(conv.last_seen) < patience {
            // Segments came since (or the SYN was sent again): wait from the last one.
            queue.0.push_back((conv.last_seen, key, stream));
            continue;
        }
        let syn = match wait {
            Wait::Answer => conv.handshake.syn.map(|(_, isn)| (isn.0, conv.last_seen)),
            Wait::Linger => None,
        };
        conversations.remove(&key);
        due.push((key, stream, syn));
    }
}

/// A 64-bit fingerprint of a conversation's endpoints (SipHash with fixed keys: the same in
/// every run). Two of a capture's conversations share one with odds of about n²/2⁶⁵.
fn fingerprint(key: &ConvKey) -> u64 {
    #[allow(deprecated)] // SipHasher's fixed keys are the point; nothing else offers them in std.
    let mut h = std::hash::SipHasher::new();
    key.hash(&mut h);
    h.finish()
}
