//! Writes a synthetic capture of many interleaved TCP conversations, for benchmarks (see
//! `sniffer::synth::interleaved`).
//!
//! Usage: gen_capture CONVERSATIONS SEGMENTS_PER_DIRECTION OUT.pcap

use std::io::{BufWriter, Write};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: gen_capture CONVERSATIONS SEGMENTS_PER_DIRECTION OUT.pcap";
    let conversations: u32 = args.get(1).ok_or_else(|| anyhow::anyhow!(usage))?.parse()?;
    let per_direction: u32 = args.get(2).ok_or_else(|| anyhow::anyhow!(usage))?.parse()?;
    let out = args.get(3).ok_or_else(|| anyhow::anyhow!(usage))?;
    let mut file = BufWriter::new(std::fs::File::create(out)?);
    let written =
        sniffer::synth::interleaved::write_interleaved(&mut file, conversations, per_direction)?;
    file.flush()?;
    eprintln!("{written} packets, {conversations} conversations → {out}");
    Ok(())
}
