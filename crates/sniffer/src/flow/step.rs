//! The role of each segment in the exchange, for the timeline's Step column.
//!
//! A connection opens with the three-way handshake (RFC 9293 §3.5): the client's SYN carries
//! its initial sequence number *j*; the server's SYN-ACK carries its own *k* and acknowledges
//! *j+1* (a SYN consumes one sequence number); the client's ACK acknowledges *k+1*. Data
//! segments follow, each acknowledged by the receiver. Each end closes its sending direction
//! with a FIN (which also consumes one sequence number), acknowledged by the other end; the
//! second FIN often rides on the ACK of the first, making the close three segments instead of
//! four. A RST aborts the connection at once.

use std::fmt;

use serde::Serialize;

use super::{Conversation, Side};
use crate::decode::TcpHeader;
use crate::tcp::TcpFlags;

/// What a segment does in its conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum Step {
    /// The client's SYN: "I want to talk; my numbers start at j".
    HandshakeSyn,
    /// The server's SYN-ACK: "agreed; mine start at k; I expect j+1 next".
    HandshakeSynAck,
    /// The client's ACK of the SYN-ACK: "I expect k+1 next"; both ends are now established.
    HandshakeAck,
    /// A segment carrying payload.
    Data,
    /// A pure ACK that acknowledges new data.
    AckOfData,
    /// A FIN: the sender has nothing more to send.
    CloseFin,
    /// A pure ACK of the other end's FIN.
    CloseAck,
    /// A RST: the connection is aborted (or refused, in answer to a SYN).
    Reset,
    /// Any other pure ACK (a window update, a duplicate ACK, a keep-alive).
    Ack,
}

impl Step {
    /// The label shown in the Step column.
    pub fn label(self) -> &'static str {
        match self {
            Step::HandshakeSyn => "handshake 1/3 SYN",
            Step::HandshakeSynAck => "handshake 2/3 SYN-ACK",
            Step::HandshakeAck => "handshake 3/3 ACK",
            Step::Data => "data",
            Step::AckOfData => "ACK of data",
            Step::CloseFin => "close: FIN",
            Step::CloseAck => "close: ACK",
            Step::Reset => "reset",
            Step::Ack => "ACK",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl From<Step> for String {
    fn from(step: Step) -> String {
        step.label().to_owned()
    }
}

/// Classifies a segment sent on `side`, before it updates the conversation.
pub(crate) fn classify(conv: &Conversation, side: Side, seg: &TcpHeader) -> Step {
    let flags = seg.flags;
    if flags.contains(TcpFlags::RST) {
        return Step::Reset;
    }
    if flags.contains(TcpFlags::SYN) {
        return if flags.contains(TcpFlags::ACK) {
            Step::HandshakeSynAck
        } else {
            Step::HandshakeSyn
        };
    }
    if flags.contains(TcpFlags::FIN) {
        return Step::CloseFin;
    }
    if seg.payload_len > 0 {
        return Step::Data;
    }
    if !flags.contains(TcpFlags::ACK) {
        return Step::Ack;
    }
    let other = conv.dir(side.reverse());
    // The ACK of the SYN-ACK: from the client, acknowledging k+1, while the handshake is open.
    if side == Side::ClientToServer && conv.handshake.ack.is_none() {
        if let Some((_, k, _)) = conv.handshake.syn_ack {
            if seg.ack == k.plus(1) {
                return Step::HandshakeAck;
            }
        }
    }
    if let Some(fin) = other.fin {
        if !other.fin_acked && seg.ack == fin.plus(1) {
            return Step::CloseAck;
        }
    }
    let previous_ack = conv.dir(side).last_ack;
    if previous_ack.is_none_or(|prev| seg.ack.after(prev)) && other.bytes > 0 {
        return Step::AckOfData;
    }
    Step::Ack
}
