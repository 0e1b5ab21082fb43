//! Writes a synthetic capture of many interleaved TCP conversations, for benchmarks:
//! each a handshake, data both ways (with a loss and its retransmission now and then), and
//! a close. Usage: gen_capture CONVERSATIONS SEGMENTS_PER_DIRECTION OUT.pcap

use std::io::{BufWriter, Write};
use std::net::SocketAddr;

use sniffer::capture::Timestamp;
use sniffer::link::LinkType;
use sniffer::synth::{self, End, FileFormat, Talk};
use sniffer::tcp::TcpFlags;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: gen_capture CONVERSATIONS SEGMENTS_PER_DIRECTION OUT.pcap";
    let conversations: u32 = args.get(1).ok_or_else(|| anyhow::anyhow!(usage))?.parse()?;
    let per_direction: u32 = args.get(2).ok_or_else(|| anyhow::anyhow!(usage))?.parse()?;
    let out = args.get(3).ok_or_else(|| anyhow::anyhow!(usage))?;
    let mut frames = Vec::new();
    for c in 0..conversations {
        let client: SocketAddr = format!(
            "10.{}.{}.1:{}",
            (c >> 8) & 0xff,
            c & 0xff,
            20_000 + c % 40_000
        )
        .parse()?;
        let server: SocketAddr = format!("10.200.0.{}:443", 1 + c % 250).parse()?;
        let start = Timestamp {
            secs: 1_700_000_000 + i64::from(c / 100),
            nanos: (c % 100) * 9_000_000,
        };
        let mut t = Talk::new(
            client,
            server,
            c.wrapping_mul(2_654_435_761),
            c.wrapping_mul(40_503),
            start,
        );
        t.step_nanos = 50_000;
        t.handshake(Some(7));
        for i in 0..per_direction {
            if i % 37 == 5 {
                // A loss, noticed and repaired.
                let lost = t.segment(End::Client, TcpFlags::PSH | TcpFlags::ACK, 1200);
                t.lose(End::Client, 1200);
                t.say(End::Client, TcpFlags::PSH | TcpFlags::ACK, 1200);
                t.send(lost);
            } else {
                t.say(End::Client, TcpFlags::PSH | TcpFlags::ACK, 1200);
            }
            t.say(End::Server, TcpFlags::PSH | TcpFlags::ACK, 600);
        }
        t.close(End::Client);
        frames.extend(t.frames(LinkType::EN10MB));
    }
    frames.sort_by_key(|f| f.ts);
    let mut file = BufWriter::new(std::fs::File::create(out)?);
    synth::write_capture(
        &mut file,
        FileFormat::Pcap {
            big_endian: false,
            nanos: false,
        },
        LinkType::EN10MB,
        262_144,
        &frames,
    )?;
    file.flush()?;
    eprintln!(
        "{} packets, {conversations} conversations → {out}",
        frames.len()
    );
    Ok(())
}
