//! Writing captures: pcap savefiles that Wireshark opens, never overwriting a file.
//!
//! Files are written by libpcap with the live capture's linktype and snapshot length and
//! microsecond timestamps (magic `0xa1b2c3d4`). [`PcapWriter`] is flushed by its caller each
//! time the capture catches up with the traffic (no system call per packet under load), so the
//! file on disk is a complete capture whenever the link pauses: Wireshark can open it while the
//! capture runs, and an interrupted capture leaves every packet already shown. The annotated
//! pcapng writer of the demo flushes after every packet.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::fd::IntoRawFd;
use std::path::{Path, PathBuf};

use crate::capture::{Frame, LiveCapture};
use crate::error::CaptureError;

/// A pcap savefile being written.
pub struct PcapWriter {
    save: pcap::Savefile,
    path: PathBuf,
    packets: u64,
}

impl PcapWriter {
    /// Creates `path` (which must not exist) as a savefile for `capture`'s packets.
    pub fn create(capture: &LiveCapture, path: &Path) -> Result<PcapWriter, CaptureError> {
        let file = create_new(path)?;
        Self::from_file(capture, file, path)
    }

    /// Uses an already created, empty `file` at `path` as the savefile.
    pub fn from_file(
        capture: &LiveCapture,
        file: File,
        path: &Path,
    ) -> Result<PcapWriter, CaptureError> {
        let fd = file.into_raw_fd();
        // SAFETY: `into_raw_fd` gave up ownership of `fd`; the savefile becomes its only owner
        // and closes it when dropped.
        let save =
            unsafe { capture.handle().savefile_raw_fd(fd) }.map_err(|e| CaptureError::Write {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
        Ok(PcapWriter {
            save,
            path: path.to_owned(),
            packets: 0,
        })
    }

    /// Appends one frame (buffered: see [`PcapWriter::flush`]).
    pub fn write(&mut self, frame: &Frame<'_>) {
        let packet = pcap::Packet::new(&frame.header, frame.data);
        self.save.write(&packet);
        self.packets += 1;
    }

    /// Writes what is buffered to the file.
    pub fn flush(&mut self) -> Result<(), CaptureError> {
        self.save.flush().map_err(|e| CaptureError::Write {
            path: self.path.clone(),
            reason: e.to_string(),
        })
    }

    /// Flushes and closes the file; returns its path.
    pub fn finish(mut self) -> Result<PathBuf, CaptureError> {
        self.save.flush().map_err(|e| CaptureError::Write {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        Ok(self.path)
    }

    /// Frames written so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// pcapng block types and option codes the writer uses.
mod pcapng {
    pub const SECTION_HEADER: u32 = 0x0a0d_0d0a;
    pub const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
    pub const INTERFACE_DESCRIPTION: u32 = 1;
    pub const ENHANCED_PACKET: u32 = 6;
    pub const OPT_END: u16 = 0;
    pub const OPT_COMMENT: u16 = 1;
    pub const SHB_USERAPPL: u16 = 4;
    pub const IF_NAME: u16 = 2;
    pub const IF_TSRESOL: u16 = 9;
    pub const IF_FILTER: u16 = 11;
    /// The first byte of `if_filter`: the filter is a libpcap expression.
    pub const FILTER_LIBPCAP: u8 = 0;
    /// `if_tsresol` 6: microseconds, as libpcap delivers live timestamps.
    pub const MICROSECONDS: u8 = 6;
}

/// A pcapng file with one interface: its name and capture filter recorded in the interface
/// block, and a comment on each packet (Wireshark shows it under *Packet comments*; tshark's
/// field is `frame.comment`). Little-endian, microsecond timestamps, flushed per packet.
pub struct PcapngWriter {
    out: std::io::BufWriter<File>,
    path: PathBuf,
    packets: u64,
}

/// Appends one option (code, length, value padded to 4 bytes).
fn option(buf: &mut Vec<u8>, code: u16, value: &[u8]) {
    let len = u16::try_from(value.len()).unwrap_or(u16::MAX);
    buf.extend_from_slice(&code.to_le_bytes());
    buf.extend_from_slice(&len.to_le_bytes());
    buf.extend_from_slice(&value[..usize::from(len)]);
    buf.resize(buf.len().div_ceil(4) * 4, 0);
}

/// Frames a block: type, total length, body, total length.
fn block(block_type: u32, body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(12 + body.len()).unwrap_or(u32::MAX);
    let mut b = Vec::with_capacity(body.len() + 12);
    b.extend_from_slice(&block_type.to_le_bytes());
    b.extend_from_slice(&len.to_le_bytes());
    b.extend_from_slice(body);
    b.extend_from_slice(&len.to_le_bytes());
    b
}

/// The pcapng blocks this crate writes, laid out once: used by [`PcapngWriter`] and by the
/// synthetic captures of [`crate::synth`]. Little-endian throughout.
pub mod blocks {
    use super::{block, option, pcapng};

    /// A Section Header Block (version 1.0, length unknown), with `shb_userappl` if given.
    pub fn section_header(application: Option<&str>) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&pcapng::BYTE_ORDER_MAGIC.to_le_bytes());
        body.extend_from_slice(&1u16.to_le_bytes()); // major version
        body.extend_from_slice(&0u16.to_le_bytes()); // minor version
        body.extend_from_slice(&(-1i64).to_le_bytes()); // section length: not computed
        if let Some(app) = application {
            option(&mut body, pcapng::SHB_USERAPPL, app.as_bytes());
            option(&mut body, pcapng::OPT_END, &[]);
        }
        block(pcapng::SECTION_HEADER, &body)
    }

    /// An Interface Description Block: link type, snapshot length, `if_tsresol` (10^-n
    /// seconds), and the name and libpcap filter when given.
    pub fn interface(
        linktype: u32,
        snaplen: u32,
        tsresol: u8,
        name: Option<&str>,
        filter: Option<&str>,
    ) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&u16::try_from(linktype).unwrap_or(u16::MAX).to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes()); // reserved
        body.extend_from_slice(&snaplen.to_le_bytes());
        if let Some(name) = name {
            option(&mut body, pcapng::IF_NAME, name.as_bytes());
        }
        if let Some(filter) = filter.filter(|f| !f.is_empty()) {
            let mut value = vec![pcapng::FILTER_LIBPCAP];
            value.extend_from_slice(filter.as_bytes());
            option(&mut body, pcapng::IF_FILTER, &value);
        }
        option(&mut body, pcapng::IF_TSRESOL, &[tsresol]);
        option(&mut body, pcapng::OPT_END, &[]);
        block(pcapng::INTERFACE_DESCRIPTION, &body)
    }

    /// An Enhanced Packet Block: interface, timestamp in the interface's units, the bytes
    /// kept, the length on the wire, and a comment when given.
    pub fn enhanced_packet(
        interface: u32,
        timestamp: u64,
        data: &[u8],
        wire_len: u32,
        comment: Option<&str>,
    ) -> Vec<u8> {
        let caplen = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let mut body = Vec::with_capacity(data.len() + 64);
        body.extend_from_slice(&interface.to_le_bytes());
        body.extend_from_slice(&((timestamp >> 32) as u32).to_le_bytes()); // high
        body.extend_from_slice(&(timestamp as u32).to_le_bytes()); // low
        body.extend_from_slice(&caplen.to_le_bytes()); // captured length
        body.extend_from_slice(&wire_len.to_le_bytes()); // original length
        body.extend_from_slice(data);
        body.resize(body.len().div_ceil(4) * 4, 0);
        if let Some(text) = comment {
            option(&mut body, pcapng::OPT_COMMENT, text.as_bytes());
            option(&mut body, pcapng::OPT_END, &[]);
        }
        block(pcapng::ENHANCED_PACKET, &body)
    }
}

impl PcapngWriter {
    /// Creates `path` (which must not exist) for packets of `capture`.
    pub fn create(capture: &LiveCapture, path: &Path) -> Result<PcapngWriter, CaptureError> {
        let file = create_new(path)?;
        Self::from_file(capture, file, path)
    }

    /// Uses an already created, empty `file` at `path`.
    pub fn from_file(
        capture: &LiveCapture,
        file: File,
        path: &Path,
    ) -> Result<PcapngWriter, CaptureError> {
        let mut writer = PcapngWriter {
            out: std::io::BufWriter::new(file),
            path: path.to_owned(),
            packets: 0,
        };
        let head = [
            blocks::section_header(Some("sniff-demo")),
            blocks::interface(
                capture.linktype().0,
                capture.snaplen(),
                pcapng::MICROSECONDS,
                Some(capture.device()),
                Some(capture.filter()),
            ),
        ]
        .concat();
        writer.put(&head)?;
        Ok(writer)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), CaptureError> {
        use std::io::Write;
        self.out
            .write_all(bytes)
            .and_then(|()| self.out.flush())
            .map_err(|e| CaptureError::Write {
                path: self.path.clone(),
                reason: e.to_string(),
            })
    }

    /// Appends one frame with an optional comment, and flushes it to the file.
    pub fn write(&mut self, frame: &Frame<'_>, comment: Option<&str>) -> Result<(), CaptureError> {
        let micros = u64::try_from(frame.ts.secs).unwrap_or(0) * 1_000_000
            + u64::from(frame.ts.nanos / 1_000);
        let packet = blocks::enhanced_packet(0, micros, frame.data, frame.wire_len, comment);
        self.put(&packet)?;
        self.packets += 1;
        Ok(())
    }

    /// Flushes and closes the file; returns its path.
    pub fn finish(mut self) -> Result<PathBuf, CaptureError> {
        self.put(&[])?;
        Ok(self.path)
    }
}

/// Creates `path` only if nothing is there yet.
pub fn create_new(path: &Path) -> Result<File, CaptureError> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| CaptureError::Write {
            path: path.to_owned(),
            reason: match e.kind() {
                ErrorKind::AlreadyExists => {
                    "the file already exists and is never overwritten; choose another name"
                        .to_owned()
                }
                _ => e.to_string(),
            },
        })
}

/// Creates a new file named `stem.ext` in `dir`, or `stem-2.ext`, `stem-3.ext`… when taken.
pub fn create_unique(dir: &Path, stem: &str, ext: &str) -> Result<(File, PathBuf), CaptureError> {
    for n in 1u32..10_000 {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let path = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((file, path)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(CaptureError::Write {
                    path,
                    reason: e.to_string(),
                })
            }
        }
    }
    Err(CaptureError::Write {
        path: dir.join(format!("{stem}.{ext}")),
        reason: "too many files with this name already".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_never_overwrite() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (_, a) = create_unique(dir.path(), "cap", "pcap").expect("first");
        let (_, b) = create_unique(dir.path(), "cap", "pcap").expect("second");
        assert_eq!(a.file_name().and_then(|n| n.to_str()), Some("cap.pcap"));
        assert_eq!(b.file_name().and_then(|n| n.to_str()), Some("cap-2.pcap"));
        let err = create_new(&a).expect_err("exists");
        assert!(err.to_string().contains("never overwritten"), "{err}");
    }
}
