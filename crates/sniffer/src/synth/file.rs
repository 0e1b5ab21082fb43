//! Synthetic captures written as files: classic pcap in either byte order and resolution,
//! pcapng with one or several interfaces (laid out by [`crate::format`]).

use super::*;

/// How a synthetic capture is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    /// Classic pcap.
    Pcap { big_endian: bool, nanos: bool },
    /// pcapng with one interface whose `if_tsresol` is 10^-`tsresol` seconds (6 or 9).
    Pcapng { tsresol: u8 },
}

pub use crate::format::PcapLayout;

/// Writes a classic pcap file's header.
pub fn write_pcap_header(
    out: &mut impl Write,
    layout: PcapLayout,
    linktype: LinkType,
) -> io::Result<()> {
    out.write_all(&layout.file_header(linktype.0))
}

/// Writes one record, cut to the layout's snapshot length.
pub fn write_pcap_record(
    out: &mut impl Write,
    layout: PcapLayout,
    f: &SynthFrame,
) -> io::Result<()> {
    let frac = if layout.nanos {
        f.ts.nanos
    } else {
        f.ts.nanos / 1_000
    };
    let kept = &f.data[..f.data.len().min(layout.snaplen as usize)];
    out.write_all(&layout.record_header(RecordHeader {
        secs: u32::try_from(f.ts.secs).unwrap_or(0),
        frac,
        caplen: u32::try_from(kept.len()).unwrap_or(u32::MAX),
        wire_len: f.wire_len,
    }))?;
    out.write_all(kept)
}

/// Writes `frames` as a capture file of `linktype` with snapshot length `snaplen`.
pub fn write_capture(
    out: &mut impl Write,
    fmt: FileFormat,
    linktype: LinkType,
    snaplen: u32,
    frames: &[SynthFrame],
) -> io::Result<()> {
    match fmt {
        FileFormat::Pcap { big_endian, nanos } => {
            let layout = PcapLayout {
                big_endian,
                nanos,
                snaplen,
            };
            write_pcap_header(out, layout, linktype)?;
            for f in frames {
                write_pcap_record(out, layout, f)?;
            }
        }
        FileFormat::Pcapng { tsresol } => {
            let tagged: Vec<(u32, &SynthFrame)> = frames.iter().map(|f| (0, f)).collect();
            write_pcapng(out, &[(linktype, tsresol)], snaplen, &tagged)?;
        }
    }
    Ok(())
}

/// Writes a pcapng file with several interfaces, each `(linktype, if_tsresol)`; each frame
/// names its interface by index.
pub fn write_pcapng(
    out: &mut impl Write,
    interfaces: &[(LinkType, u8)],
    snaplen: u32,
    frames: &[(u32, &SynthFrame)],
) -> io::Result<()> {
    use crate::format::pcapng as blocks;
    out.write_all(&blocks::section_header(None))?;
    for &(linktype, tsresol) in interfaces {
        out.write_all(&blocks::interface(linktype.0, snaplen, tsresol, None, None))?;
    }
    for &(iface, f) in frames {
        let tsresol = interfaces.get(iface as usize).map_or(6, |i| i.1);
        let units_per_sec: u128 = if tsresol & 0x80 == 0 {
            10u128.pow(u32::from(tsresol))
        } else {
            1u128 << (tsresol & 0x7f)
        };
        let kept = &f.data[..f.data.len().min(snaplen as usize)];
        let ts = u128::try_from(f.ts.secs).unwrap_or(0) * units_per_sec
            + u128::from(f.ts.nanos) * units_per_sec / 1_000_000_000;
        let ts = u64::try_from(ts).unwrap_or(u64::MAX);
        out.write_all(&blocks::enhanced_packet(iface, ts, kept, f.wire_len, None))?;
    }
    Ok(())
}
