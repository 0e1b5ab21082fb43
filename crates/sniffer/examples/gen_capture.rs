//! Writes a synthetic capture of many interleaved TCP conversations, for benchmarks (see
//! `sniffer::synth::interleaved`).
//!
//! Usage: gen_capture CONVERSATIONS SEGMENTS_PER_DIRECTION OUT.pcap [SERVER_SEGMENT_BYTES]
//! (the server's segment size defaults to 600: frames within Ethernet's MTU).

use std::io::{BufWriter, Write};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let usage =
        "usage: gen_capture CONVERSATIONS SEGMENTS_PER_DIRECTION OUT.pcap [SERVER_SEGMENT_BYTES]";
    let conversations: u32 = args.get(1).ok_or_else(|| anyhow::anyhow!(usage))?.parse()?;
    let per_direction: u32 = args.get(2).ok_or_else(|| anyhow::anyhow!(usage))?.parse()?;
    let out = args.get(3).ok_or_else(|| anyhow::anyhow!(usage))?;
    let server_bytes = match args.get(4) {
        Some(n) => n
            .parse()
            .map_err(|e| anyhow::anyhow!("SERVER_SEGMENT_BYTES {n:?}: {e} (1 to 65535)"))?,
        None => sniffer::synth::interleaved::SERVER_BYTES,
    };
    let mut file = BufWriter::new(std::fs::File::create(out)?);
    let written = sniffer::synth::interleaved::write_interleaved(
        &mut file,
        conversations,
        per_direction,
        server_bytes,
    )?;
    file.flush()?;
    let size = file.get_ref().metadata()?.len();
    eprintln!("{written} packets, {conversations} conversations, {size} bytes → {out}");
    Ok(())
}
