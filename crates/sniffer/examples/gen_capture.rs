//! Writes a synthetic capture of many interleaved TCP conversations, for benchmarks (see
//! `sniffer::synth::interleaved`).
//!
//! Usage: gen_capture CONVERSATIONS SEGMENTS_PER_DIRECTION OUT.pcap [SERVER_SEGMENT_BYTES]
//! (the server's segment size defaults to 600: frames within Ethernet's MTU). A bad argument
//! or an unwritable file is one line on stderr and exit code 2.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use anyhow::{bail, Context};

const USAGE: &str =
    "usage: gen_capture CONVERSATIONS SEGMENTS_PER_DIRECTION OUT.pcap [SERVER_SEGMENT_BYTES]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_capture: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The argument at `index`, parsed, or an error naming it.
fn arg<T: std::str::FromStr>(args: &[String], index: usize, name: &str) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    let Some(text) = args.get(index) else {
        bail!("{USAGE}");
    };
    text.parse()
        .map_err(|e| anyhow::anyhow!("{name} {text:?}: {e}"))
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let conversations: u32 = arg(&args, 1, "CONVERSATIONS")?;
    let per_direction: u32 = arg(&args, 2, "SEGMENTS_PER_DIRECTION")?;
    let out: String = arg(&args, 3, "OUT.pcap")?;
    let server_bytes: u16 = match args.get(4) {
        Some(_) => arg(&args, 4, "SERVER_SEGMENT_BYTES")?,
        None => sniffer::synth::interleaved::SERVER_BYTES,
    };
    if server_bytes < 2 {
        bail!("SERVER_SEGMENT_BYTES must be 2 to 65535, not {server_bytes}");
    }
    let file = std::fs::File::create(&out).with_context(|| format!("cannot create {out}"))?;
    let mut file = BufWriter::new(file);
    let written = sniffer::synth::interleaved::write_interleaved(
        &mut file,
        conversations,
        per_direction,
        server_bytes,
    )
    .and_then(|n| file.flush().map(|()| n))
    .with_context(|| format!("cannot write {out}"))?;
    let size = file.get_ref().metadata()?.len();
    eprintln!("{written} packets, {conversations} conversations, {size} bytes → {out}");
    Ok(())
}
