//! Follow Stream: the payload of one conversation collected as frames go by.

use super::*;

/// The payload of one conversation in the order it was sent, each byte once: what an
/// application on either end read from its socket.
#[derive(Clone, Debug, Default)]
pub struct Followed {
    pub stream: u32,
    /// The client's and the server's address.
    pub ends: Option<(String, String)>,
    /// Pieces of payload: which way, the frame, and the bytes (or a note of bytes missing).
    pub pieces: Vec<FollowPiece>,
    /// Next expected sequence number each way (client → server, server → client).
    next: [Option<crate::tcp::SeqNum>; 2],
    /// Bytes each way.
    pub bytes: [u64; 2],
}

/// A piece of a followed stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowPiece {
    pub side: Side,
    pub frame: u64,
    /// The new bytes of this segment (retransmitted bytes are not repeated).
    pub data: Vec<u8>,
    /// Bytes that should come before these but were never seen (a loss in the capture), or
    /// that the snapshot length cut off.
    pub missing: u64,
}

impl Followed {
    /// Collects the payload of conversation `stream`.
    pub(super) fn new(stream: u32) -> Followed {
        Followed {
            stream,
            ..Followed::default()
        }
    }

    pub(super) fn add(&mut self, frame: u64, side: Side, seg: &TcpSegment, ip: &IpHeader) {
        if self.ends.is_none() {
            let (src, dst) = (
                std::net::SocketAddr::new(ip.src, seg.header.src_port).to_string(),
                std::net::SocketAddr::new(ip.dst, seg.header.dst_port).to_string(),
            );
            self.ends = Some(match side {
                Side::ClientToServer => (src, dst),
                Side::ServerToClient => (dst, src),
            });
        }
        if seg.header.payload_len == 0 {
            return;
        }
        let i = match side {
            Side::ClientToServer => 0,
            Side::ServerToClient => 1,
        };
        // Data starts after the SYN's sequence number when the segment carries a SYN.
        let start = if seg.header.flags.contains(crate::tcp::TcpFlags::SYN) {
            seg.header.seq.plus(1)
        } else {
            seg.header.seq
        };
        let end = start.plus(seg.header.payload_len);
        let expected = self.next[i].unwrap_or(start);
        if !end.after(expected) {
            return; // all of it was delivered before: a retransmission
        }
        let (skip, missing) = if expected.after(start) {
            (expected.minus(start), 0)
        } else {
            (0, u64::from(start.minus(expected)))
        };
        let captured = &seg.payload[..seg.payload.len().min(seg.header.payload_len as usize)];
        let data = captured.get(skip as usize..).unwrap_or_default().to_vec();
        let cut = u64::from(seg.header.payload_len - skip) - data.len() as u64;
        self.bytes[i] += u64::from(seg.header.payload_len - skip);
        self.next[i] = Some(end);
        self.pieces.push(FollowPiece {
            side,
            frame,
            data,
            missing: missing + cut,
        });
    }
}
