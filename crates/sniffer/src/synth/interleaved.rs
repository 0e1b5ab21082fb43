//! A big capture of many interleaved TCP conversations, for benchmarks and for checking that
//! long captures stay identical to tshark's reading: each conversation a handshake, data both
//! ways (with a loss and its retransmission now and then) and a close. The client's segments
//! are 1,200 bytes; the server's vary around a size of the caller's choosing (½, 1 and 1½
//! times it, in turn): 600 gives Ethernet-sized frames, several thousand give the large
//! segments a host with segmentation offload captures (a file of several GB for a million
//! packets). A conversation starts
//! every 9 ms and lasts about a second, so about a hundred are open at any time. Frames are
//! written in time order as they are made: memory stays small whatever the file's size.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::{write_pcap_header, write_pcap_record, End, PcapLayout, SynthFrame, Talk};
use crate::frame::Timestamp;
use crate::link::LinkType;
use crate::tcp::TcpFlags;

/// Time between the starts of two conversations.
const START_GAP_NANOS: u64 = 9_000_000;
/// Time between two segments of one conversation.
const STEP_NANOS: u32 = 25_000_000;
/// The capture's first second.
const EPOCH: i64 = 1_700_000_000;
/// Bytes of each of the client's segments.
const CLIENT_BYTES: usize = 1_200;
/// The largest segment made: an IPv4 packet holds at most 65,535 bytes.
const MAX_SEGMENT: usize = 65_000;
/// The server's segment size that keeps frames within Ethernet's MTU.
pub const SERVER_BYTES: u16 = 600;

/// Writes `conversations` conversations of `per_direction` data segments each way (about
/// `2 × per_direction + 8` packets each) as a microsecond pcap of Ethernet frames, the
/// server's segments ½, 1 and 1½ times `server_bytes` in turn. Returns the number of packets
/// written.
pub fn write_interleaved(
    out: &mut impl Write,
    conversations: u32,
    per_direction: u32,
    server_bytes: u16,
) -> io::Result<u64> {
    let layout = PcapLayout {
        big_endian: false,
        nanos: false,
        snaplen: 262_144,
    };
    write_pcap_header(out, layout, LinkType::EN10MB)?;
    // Frames made but not written yet, earliest first; the counter keeps equal times in the
    // order they were made.
    let mut pending: BinaryHeap<Reverse<(Timestamp, u64, Frame)>> = BinaryHeap::new();
    let mut made = 0u64;
    let mut written = 0u64;
    for c in 0..conversations {
        let start = at(u64::from(c) * START_GAP_NANOS);
        // Every frame still to come starts at or after this conversation's start.
        while pending
            .peek()
            .is_some_and(|Reverse((ts, _, _))| *ts < start)
        {
            if let Some(Reverse((_, _, frame))) = pending.pop() {
                write_pcap_record(out, layout, &frame.0)?;
                written += 1;
            }
        }
        for frame in conversation(c, per_direction, server_bytes, start) {
            pending.push(Reverse((frame.ts, made, Frame(frame))));
            made += 1;
        }
    }
    while let Some(Reverse((_, _, frame))) = pending.pop() {
        write_pcap_record(out, layout, &frame.0)?;
        written += 1;
    }
    Ok(written)
}

/// The frames of conversation `c`, which starts at `start`.
fn conversation(
    c: u32,
    per_direction: u32,
    server_bytes: u16,
    start: Timestamp,
) -> Vec<SynthFrame> {
    let [_, _, hi, lo] = c.to_be_bytes();
    let client = SocketAddr::new(
        IpAddr::V4(Ipv4Addr::new(10, hi, lo, 1)),
        u16::try_from(20_000 + c % 40_000).unwrap_or(u16::MAX),
    );
    let server = SocketAddr::new(
        IpAddr::V4(Ipv4Addr::new(
            10,
            200,
            0,
            u8::try_from(1 + c % 250).unwrap_or(1),
        )),
        443,
    );
    let mut t = Talk::new(
        client,
        server,
        c.wrapping_mul(2_654_435_761),
        c.wrapping_mul(40_503),
        start,
    );
    t.step_nanos = STEP_NANOS;
    t.handshake(Some(7));
    let half = usize::from(server_bytes / 2).max(1);
    for i in 0..per_direction {
        if i % 37 == 5 {
            // A loss, noticed and repaired.
            let lost = t.segment(End::Client, TcpFlags::PSH | TcpFlags::ACK, CLIENT_BYTES);
            t.lose(End::Client, CLIENT_BYTES as u32);
            t.say(End::Client, TcpFlags::PSH | TcpFlags::ACK, CLIENT_BYTES);
            t.send(lost);
        } else {
            t.say(End::Client, TcpFlags::PSH | TcpFlags::ACK, CLIENT_BYTES);
        }
        // ½, 1, 1½ times the size, starting at a different one in each conversation.
        let size = half * (1 + ((c + i) % 3) as usize);
        t.say(
            End::Server,
            TcpFlags::PSH | TcpFlags::ACK,
            size.min(MAX_SEGMENT),
        );
    }
    t.close(End::Client);
    t.frames(LinkType::EN10MB)
}

/// `nanos` after the capture's first second.
fn at(nanos: u64) -> Timestamp {
    Timestamp {
        secs: EPOCH + i64::try_from(nanos / 1_000_000_000).unwrap_or(0),
        nanos: u32::try_from(nanos % 1_000_000_000).unwrap_or(0),
    }
}

/// A frame ordered by nothing: the heap orders by time and making order first, which are
/// unique, so frames themselves never need comparing.
struct Frame(SynthFrame);

impl PartialEq for Frame {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Frame {}
impl PartialOrd for Frame {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Frame {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}
