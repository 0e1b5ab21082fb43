//! The TCP state of each end, as the segments on the wire drive it (RFC 9293 §3.3.2).
//!
//! A connection is two state machines, one per end. Both ends are on this machine in the
//! demo, so every segment is seen once, and it moves its sender (which just sent it) and its
//! receiver (which is about to process it); the table shows both after each segment:
//!
//! - **Opening**: the client goes CLOSED → SYN_SENT with its SYN; the server, in LISTEN,
//!   answers with a SYN-ACK and is in SYN_RECEIVED; the client's ACK of it makes both ends
//!   ESTABLISHED.
//! - **Closing**: the end that sends the first FIN takes the *active* path: FIN_WAIT_1, then
//!   FIN_WAIT_2 once its FIN is acknowledged, then TIME_WAIT once the other FIN arrives (it
//!   lingers there for 2 MSL so a lost last ACK can be repeated). The other end takes the
//!   *passive* path: CLOSE_WAIT when the FIN arrives (its application is told "end of
//!   stream"), LAST_ACK when it sends its own FIN, CLOSED when that is acknowledged. When the
//!   second FIN does not acknowledge the first (the FINs crossed), the first closer passes
//!   through CLOSING on its way to TIME_WAIT.
//! - **Reset**: a RST closes both ends at once (a refused connection is a SYN answered by RST).

use std::fmt;

use serde::Serialize;

/// The RFC 9293 states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum TcpState {
    Closed,
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
}

impl TcpState {
    /// The name as RFC 9293 and `netstat`/`ss` write it.
    pub fn label(self) -> &'static str {
        match self {
            TcpState::Closed => "CLOSED",
            TcpState::Listen => "LISTEN",
            TcpState::SynSent => "SYN_SENT",
            TcpState::SynReceived => "SYN_RECEIVED",
            TcpState::Established => "ESTABLISHED",
            TcpState::FinWait1 => "FIN_WAIT_1",
            TcpState::FinWait2 => "FIN_WAIT_2",
            TcpState::CloseWait => "CLOSE_WAIT",
            TcpState::Closing => "CLOSING",
            TcpState::LastAck => "LAST_ACK",
            TcpState::TimeWait => "TIME_WAIT",
        }
    }
}

impl fmt::Display for TcpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl From<TcpState> for String {
    fn from(s: TcpState) -> String {
        s.label().to_owned()
    }
}

/// What a segment means to the state machines.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SegmentEvent {
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
    /// It acknowledges the receiver's SYN.
    pub acks_peer_syn: bool,
    /// It acknowledges the receiver's FIN.
    pub acks_peer_fin: bool,
}

/// The sender's state after sending the segment.
pub(crate) fn after_send(state: TcpState, e: SegmentEvent) -> TcpState {
    use TcpState::*;
    if e.rst {
        return Closed;
    }
    match state {
        Closed | Listen if e.syn && !e.ack => SynSent,
        Listen | Closed if e.syn && e.ack => SynReceived,
        SynSent if e.syn && e.ack => SynReceived,
        SynSent if e.ack && e.acks_peer_syn => {
            if e.fin {
                FinWait1
            } else {
                Established
            }
        }
        SynReceived | Established if e.fin => FinWait1,
        CloseWait if e.fin => LastAck,
        // Our FIN went out earlier and this ACK answers theirs.
        FinWait2 | Closing if e.acks_peer_fin => TimeWait,
        s => s,
    }
}

/// The receiver's state after processing the segment.
pub(crate) fn after_receive(state: TcpState, e: SegmentEvent) -> TcpState {
    use TcpState::*;
    if e.rst {
        return Closed;
    }
    match state {
        Listen if e.syn && !e.ack => Listen, // answers with a SYN-ACK next
        SynSent if e.syn && e.ack && e.acks_peer_syn => SynSent, // answers with an ACK next
        SynReceived if e.ack && e.acks_peer_syn => {
            if e.fin {
                CloseWait
            } else {
                Established
            }
        }
        Established if e.fin => CloseWait,
        FinWait1 if e.fin && e.acks_peer_fin => TimeWait,
        FinWait1 if e.fin => Closing,
        FinWait1 if e.acks_peer_fin => FinWait2,
        FinWait2 if e.fin => TimeWait,
        Closing if e.acks_peer_fin => TimeWait,
        LastAck if e.acks_peer_fin => Closed,
        s => s,
    }
}

#[cfg(test)]
mod tests {
    use super::TcpState::*;
    use super::*;

    fn ev(f: &str) -> SegmentEvent {
        SegmentEvent {
            syn: f.contains('S'),
            ack: f.contains('A'),
            fin: f.contains('F'),
            rst: f.contains('R'),
            acks_peer_syn: f.contains('s'),
            acks_peer_fin: f.contains('f'),
        }
    }

    /// Plays segments `(from_client, flags)` and returns both states after each.
    fn play(segments: &[(bool, &str)]) -> Vec<(TcpState, TcpState)> {
        let (mut client, mut server) = (Closed, Listen);
        segments
            .iter()
            .map(|&(from_client, f)| {
                let e = ev(f);
                if from_client {
                    client = after_send(client, e);
                    server = after_receive(server, e);
                } else {
                    server = after_send(server, e);
                    client = after_receive(client, e);
                }
                (client, server)
            })
            .collect()
    }

    #[test]
    fn the_seed_exchange_server_closing_first() {
        let states = play(&[
            (true, "S"),
            (false, "SAs"),
            (true, "As"),
            (false, "A"),  // data
            (true, "A"),   // ack of data
            (false, "FA"), // server FIN
            (true, "FAf"), // client FIN + ACK of the server's
            (false, "Af"), // last ACK
        ]);
        assert_eq!(
            states,
            vec![
                (SynSent, Listen),
                (SynSent, SynReceived),
                (Established, Established),
                (Established, Established),
                (Established, Established),
                (CloseWait, FinWait1),
                (LastAck, TimeWait),
                (Closed, TimeWait),
            ]
        );
    }

    #[test]
    fn four_segment_close_and_fin_wait_2() {
        let states = play(&[
            (true, "S"),
            (false, "SAs"),
            (true, "As"),
            (true, "FA"),
            (false, "Af"),
            (false, "FA"),
            (true, "Af"),
        ]);
        assert_eq!(
            &states[3..],
            &[
                (FinWait1, CloseWait),
                (FinWait2, CloseWait),
                (TimeWait, LastAck),
                (TimeWait, Closed)
            ]
        );
    }

    #[test]
    fn crossing_fins_pass_through_closing() {
        let states = play(&[
            (true, "S"),
            (false, "SAs"),
            (true, "As"),
            (true, "FA"),
            (false, "FA"),
            (true, "Af"),
            (false, "Af"),
        ]);
        assert_eq!(
            &states[3..],
            &[
                (FinWait1, CloseWait),
                (Closing, LastAck),
                (TimeWait, Closed),
                (TimeWait, Closed)
            ]
        );
    }

    #[test]
    fn refused_connection() {
        let states = play(&[(true, "S"), (false, "RAs")]);
        assert_eq!(states, vec![(SynSent, Listen), (Closed, Closed)]);
    }
}
