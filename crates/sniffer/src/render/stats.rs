//! The text of tshark's `-z conv,…` and `-z endpoints,…` reports (Wireshark 4.0's
//! `tap-iousers.c` and `tap-endpoints.c`), byte for byte.

use std::io::{self, Write};

use crate::ether_names::EtherNames;
use crate::stats::{Address, FollowMode, Stat, StatKind, TcpFollow};

const RULE: &str =
    "================================================================================";

/// Writes one report.
pub fn write_stat(out: &mut impl Write, stat: &Stat) -> io::Result<()> {
    match stat.kind {
        StatKind::Conversations => write_conversations(out, stat),
        StatKind::Endpoints => write_endpoints(out, stat),
        StatKind::Hierarchy => write_hierarchy(out, stat),
        StatKind::Expert => write_experts(out, stat),
        StatKind::Follow { mode, stream } => {
            write_follow(out, stat.table.name(), mode, stream, &stat.follow)
        }
        StatKind::Io => match &stat.io {
            Some(io) => io.write(out),
            None => Ok(()),
        },
        StatKind::Flow => crate::stats::flow::write(out, &stat.flow),
        StatKind::HttpTree => match &stat.http {
            Some(http) => http.write(out),
            None => Ok(()),
        },
    }
}

/// `follow,tcp|udp,MODE,N` (`tap-follow.c`): the two ends (Node 0 the source of the
/// stream's first packet), then each chunk, those of Node 1 indented by a tab.
fn write_follow(
    out: &mut impl Write,
    protocol: &str,
    mode: FollowMode,
    stream: u32,
    follow: &TcpFollow,
) -> io::Result<()> {
    const RULE: &str = "===================================================================";
    writeln!(out)?;
    writeln!(out, "{RULE}")?;
    let name = match mode {
        FollowMode::Ascii => "ascii",
        FollowMode::Hex => "hex",
        FollowMode::Raw => "raw",
    };
    writeln!(out, "Follow: {protocol},{name}")?;
    writeln!(out, "Filter: {protocol}.stream eq {stream}")?;
    let (a, b) = follow
        .ends
        .clone()
        .unwrap_or_else(|| (":0".to_owned(), ":0".to_owned()));
    writeln!(out, "Node 0: {a}")?;
    writeln!(out, "Node 1: {b}")?;
    let mut offset = [0u64; 2];
    for chunk in &follow.chunks {
        let node = usize::from(chunk.from_server);
        let tab = if node == 1 { "\t" } else { "" };
        let data = &chunk.data;
        match mode {
            FollowMode::Ascii => {
                writeln!(out, "{tab}{}", data.len())?;
                let text: Vec<u8> = data
                    .iter()
                    .map(|&b| match b {
                        b'\r' | b'\n' | b' '..=b'~' => b,
                        _ => b'.',
                    })
                    .collect();
                out.write_all(&text)?;
                writeln!(out)?;
            }
            FollowMode::Raw => {
                write!(out, "{tab}")?;
                for b in data {
                    write!(out, "{b:02x}")?;
                }
                writeln!(out)?;
            }
            FollowMode::Hex => {
                for (i, line) in data.chunks(16).enumerate() {
                    let at = offset[node] + 16 * i as u64;
                    let mut hex = String::new();
                    let mut ascii = String::new();
                    for (j, &b) in line.iter().enumerate() {
                        hex.push_str(&format!("{b:02x} "));
                        ascii.push(if (b' '..0x7f).contains(&b) {
                            b as char
                        } else {
                            '.'
                        });
                        if j == 7 {
                            hex.push(' ');
                            ascii.push(' ');
                        }
                    }
                    // The ASCII column starts after 16 bytes' worth of hex, whatever the
                    // line holds; a space after its eighth character is not kept.
                    let ascii = ascii.strip_suffix(' ').unwrap_or(&ascii);
                    writeln!(out, "{tab}{at:08X}  {hex:<49} {ascii}")?;
                }
            }
        }
        offset[node] += data.len() as u64;
    }
    writeln!(out, "{RULE}")
}

/// `io,phs` (`tap-protohierstat.c`): each protocol indented two spaces under its parent (a
/// line is at most 79 characters, and an indentation past 16 levels ends with `...`).
fn write_hierarchy(out: &mut impl Write, stat: &Stat) -> io::Result<()> {
    const RULE: &str = "===================================================================";
    writeln!(out)?;
    writeln!(out, "{RULE}")?;
    writeln!(out, "Protocol Hierarchy Statistics")?;
    let filter = stat.filter.as_ref().map_or("", |(text, _)| text.as_str());
    writeln!(out, "Filter: {filter}\n")?;
    let layers = &stat.hierarchy;
    let top: Vec<usize> = (0..layers.len())
        .filter(|i| !layers.iter().any(|l| l.children.contains(i)))
        .collect();
    // Depth first, each level in the order first seen.
    let mut stack: Vec<(usize, usize)> = top.into_iter().rev().map(|i| (i, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        let layer = &layers[i];
        let mut line = String::new();
        for level in 0..depth {
            if level > 15 {
                line.push_str("...");
                break;
            }
            line.push_str("  ");
        }
        line.push_str(layer.protocol);
        line.truncate(79);
        writeln!(
            out,
            "{line:<40} frames:{} bytes:{}",
            layer.frames, layer.bytes
        )?;
        stack.extend(layer.children.iter().rev().map(|&c| (c, depth + 1)));
    }
    writeln!(out, "{RULE}")
}

/// `expert` (`tap-expert.c`): a section per severity that has entries, most severe first,
/// each entry with its count, group, protocol and message.
fn write_experts(out: &mut impl Write, stat: &Stat) -> io::Result<()> {
    const SECTIONS: [(u32, &str); 5] = [
        (0x0080_0000, "Errors"),
        (0x0060_0000, "Warns"),
        (0x0040_0000, "Notes"),
        (0x0020_0000, "Chats"),
        (0x0010_0000, "Comments"),
    ];
    for (severity, title) in SECTIONS {
        let entries: Vec<_> = stat.experts.iter().filter(|e| e.0 == severity).collect();
        if entries.is_empty() {
            continue;
        }
        let total: u64 = entries.iter().map(|e| e.4).sum();
        writeln!(out, "\n{title} ({total})")?;
        writeln!(out, "=============")?;
        writeln!(out, "   Frequency      Group           Protocol  Summary")?;
        for (_, group, protocol, message, count) in entries {
            writeln!(
                out,
                "{count:>12} {:>10} {protocol:>18}  {message}",
                group_name(*group)
            )?;
        }
    }
    Ok(())
}

/// Wireshark's name for an expert group number.
fn group_name(group: u32) -> String {
    match group {
        0x0100_0000 => "Checksum".to_owned(),
        0x0200_0000 => "Sequence".to_owned(),
        0x0300_0000 => "Response".to_owned(),
        0x0400_0000 => "Request".to_owned(),
        0x0500_0000 => "Undecoded".to_owned(),
        0x0600_0000 => "Reassemble".to_owned(),
        0x0700_0000 => "Malformed".to_owned(),
        0x0800_0000 => "Debug".to_owned(),
        0x0900_0000 => "Protocol".to_owned(),
        0x0a00_0000 => "Security".to_owned(),
        0x0b00_0000 => "Comment".to_owned(),
        0x0c00_0000 => "Decryption".to_owned(),
        0x0d00_0000 => "Assumption".to_owned(),
        0x0e00_0000 => "Deprecated".to_owned(),
        other => format!("Unknown ({other})"),
    }
}

/// An address as Wireshark's conversation tables show it: Ethernet addresses by their
/// vendor's name, IP addresses as numbers.
fn address(a: &Address) -> String {
    match a {
        Address::Ether(mac) => EtherNames::installed().name(*mac),
        Address::Ip(ip) => ip.to_string(),
    }
}

/// A byte count as Wireshark's `format_size` writes it (SI prefixes, no grouping as in the C
/// locale): `1404 bytes`, `307 kB`, `12 MB`.
pub fn size(bytes: u64) -> String {
    const K: u64 = 1000;
    for (power, prefix) in [
        (K * K * K * K, "T"),
        (K * K * K, "G"),
        (K * K, "M"),
        (K, "k"),
    ] {
        if bytes / power >= 10 {
            return format!("{} {prefix}B", bytes / power);
        }
    }
    format!("{bytes} bytes")
}

/// Seconds and nanoseconds as a number of seconds (Wireshark's `nstime_to_sec`).
fn seconds((secs, nanos): (i64, i64)) -> f64 {
    secs as f64 + nanos as f64 / 1e9
}

fn write_conversations(out: &mut impl Write, stat: &Stat) -> io::Result<()> {
    let ports = stat.table.has_ports();
    let pad = if ports { "            " } else { "" };
    writeln!(out, "{RULE}")?;
    writeln!(out, "{} Conversations", stat.table.title())?;
    write_filter(out, stat)?;
    writeln!(
        out,
        "{pad}                                               |       <-      | |       ->      | |     Total     |    Relative    |   Duration   |"
    )?;
    writeln!(
        out,
        "{pad}                                               | Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |"
    )?;
    for c in Stat::order(&stat.conversations, |c| c.counts.frames()) {
        let (a, b) = (address(&c.a), address(&c.b));
        match (c.a_port, c.b_port) {
            (Some(ap), Some(bp)) if ports => write!(
                out,
                "{:<26} <-> {:<26}",
                format!("{a}:{ap}"),
                format!("{b}:{bp}")
            )?,
            _ => write!(out, "{a:<20} <-> {b:<20}")?,
        }
        let n = &c.counts;
        writeln!(
            out,
            "  {:>6} {:<9}  {:>6} {:<9}  {:>6} {:<9}  {:>14.9}   {:>12.4}",
            n.rx_frames,
            size(n.rx_bytes),
            n.tx_frames,
            size(n.tx_bytes),
            n.frames(),
            size(n.bytes()),
            seconds(c.start),
            seconds(c.stop) - seconds(c.start),
        )?;
    }
    writeln!(out, "{RULE}")
}

fn write_endpoints(out: &mut impl Write, stat: &Stat) -> io::Result<()> {
    let ports = stat.table.has_ports();
    writeln!(out, "{RULE}")?;
    writeln!(out, "{} Endpoints", stat.table.title())?;
    write_filter(out, stat)?;
    writeln!(
        out,
        "                       |  {}Packets  | |  Bytes  | | Tx Packets | | Tx Bytes | | Rx Packets | | Rx Bytes |",
        if ports { "Port  ||  " } else { "" }
    )?;
    for e in Stat::order(&stat.endpoints, |e| e.counts.frames()) {
        write!(out, "{:<20}      ", address(&e.address))?;
        if let (true, Some(port)) = (ports, e.port) {
            write!(out, "{port:>5}     ")?;
        }
        let n = &e.counts;
        writeln!(
            out,
            "{:>6}     {:>9}     {:>6}       {:>9}      {:>6}       {:>9}   ",
            n.frames(),
            n.bytes(),
            n.tx_frames,
            n.tx_bytes,
            n.rx_frames,
            n.rx_bytes,
        )?;
    }
    writeln!(out, "{RULE}")
}

fn write_filter(out: &mut impl Write, stat: &Stat) -> io::Result<()> {
    match &stat.filter {
        Some((text, _)) => writeln!(out, "Filter:{text}"),
        None => writeln!(out, "Filter:<No Filter>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_wireshark_writes_them() {
        assert_eq!(size(0), "0 bytes");
        assert_eq!(size(9_999), "9999 bytes");
        assert_eq!(size(10_000), "10 kB");
        assert_eq!(size(307_123), "307 kB");
        assert_eq!(size(9_999_999), "9999 kB");
        assert_eq!(size(10_000_000), "10 MB");
        assert_eq!(size(12_345_678_901), "12 GB");
    }
}
