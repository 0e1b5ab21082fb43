//! A TCP conversation written segment by segment, so that a scenario says only what is
//! unusual about it.

use super::*;

/// A TCP conversation written segment by segment, each end keeping its next sequence number
/// and acknowledging what the other end sent, so that a scenario only says what is unusual.
#[derive(Clone, Debug)]
pub struct Talk {
    pub client: SocketAddr,
    pub server: SocketAddr,
    /// Next sequence number of each end.
    pub client_next: u32,
    pub server_next: u32,
    /// Window each end advertises.
    pub client_window: u16,
    pub server_window: u16,
    /// Time of the next segment, and the step added after each one.
    pub now: Timestamp,
    pub step_nanos: u32,
    /// What was sent, in order.
    pub segments: Vec<(Timestamp, TcpSpec)>,
}

/// Which end sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Client,
    Server,
}

impl Talk {
    /// A conversation with the given initial sequence numbers, starting at `start`.
    pub fn new(
        client: SocketAddr,
        server: SocketAddr,
        client_isn: u32,
        server_isn: u32,
        start: Timestamp,
    ) -> Talk {
        Talk {
            client,
            server,
            client_next: client_isn,
            server_next: server_isn,
            client_window: 65535,
            server_window: 65535,
            now: start,
            step_nanos: 100_000,
            segments: Vec::new(),
        }
    }

    /// Moves the clock forward.
    pub fn wait(&mut self, nanos: u64) -> &mut Talk {
        let total = u64::from(self.now.nanos) + nanos;
        self.now.secs += i64::try_from(total / 1_000_000_000).unwrap_or(0);
        self.now.nanos = u32::try_from(total % 1_000_000_000).unwrap_or(0);
        self
    }

    /// Builds the segment `end` would send now, without recording it or advancing anything.
    pub fn segment(&self, end: End, flags: TcpFlags, len: usize) -> TcpSpec {
        let (src, dst, seq, ack, window) = match end {
            End::Client => (
                self.client,
                self.server,
                self.client_next,
                self.server_next,
                self.client_window,
            ),
            End::Server => (
                self.server,
                self.client,
                self.server_next,
                self.client_next,
                self.server_window,
            ),
        };
        TcpSpec {
            src,
            dst,
            seq,
            ack: if flags.contains(TcpFlags::ACK) {
                ack
            } else {
                0
            },
            flags,
            window,
            urgent: 0,
            options: Vec::new(),
            payload: (0..len).map(|i| b'a' + (i % 26) as u8).collect(),
        }
    }

    /// Records a segment as sent (advancing the sender's sequence number if it moves it
    /// forward) and steps the clock.
    pub fn send(&mut self, spec: TcpSpec) -> &mut Talk {
        let consumed = u32::try_from(spec.payload.len()).unwrap_or(u32::MAX)
            + u32::from(spec.flags.contains(TcpFlags::SYN))
            + u32::from(spec.flags.contains(TcpFlags::FIN));
        let end = spec.seq.wrapping_add(consumed);
        let next = if spec.src == self.client {
            &mut self.client_next
        } else {
            &mut self.server_next
        };
        if (end.wrapping_sub(*next) as i32) > 0 {
            *next = end;
        }
        self.segments.push((self.now, spec));
        let step = u64::from(self.step_nanos);
        self.wait(step)
    }

    /// Sends an ordinary segment from `end`.
    pub fn say(&mut self, end: End, flags: TcpFlags, len: usize) -> &mut Talk {
        let spec = self.segment(end, flags, len);
        self.send(spec)
    }

    /// A segment from `end` that is lost: its sequence space is used, nothing is recorded.
    pub fn lose(&mut self, end: End, len: u32) -> &mut Talk {
        match end {
            End::Client => self.client_next = self.client_next.wrapping_add(len),
            End::Server => self.server_next = self.server_next.wrapping_add(len),
        }
        self
    }

    /// The three-way handshake with Linux-like options (window scale `shift` both ways).
    pub fn handshake(&mut self, shift: Option<u8>) -> &mut Talk {
        let opts = |shift: Option<u8>| match shift {
            Some(s) => opt::linux_syn(1460, 1000, 0, s),
            None => [opt::mss(1460), opt::sack_perm()].concat(),
        };
        let mut syn = self.segment(End::Client, TcpFlags::SYN, 0);
        syn.options = opts(shift);
        self.send(syn);
        let mut syn_ack = self.segment(End::Server, TcpFlags::SYN | TcpFlags::ACK, 0);
        syn_ack.options = opts(shift);
        self.send(syn_ack);
        self.say(End::Client, TcpFlags::ACK, 0)
    }

    /// The close: `first` sends FIN, the other acks it with its own FIN, the first acks that.
    pub fn close(&mut self, first: End) -> &mut Talk {
        let other = if first == End::Client {
            End::Server
        } else {
            End::Client
        };
        self.say(first, TcpFlags::FIN | TcpFlags::ACK, 0);
        self.say(other, TcpFlags::FIN | TcpFlags::ACK, 0);
        self.say(first, TcpFlags::ACK, 0)
    }

    /// The frames of this conversation in `linktype`.
    pub fn frames(&self, linktype: LinkType) -> Vec<SynthFrame> {
        self.segments
            .iter()
            .map(|(ts, spec)| frame(*ts, link_wrap(linktype, &spec.ip_packet(), None)))
            .collect()
    }
}
