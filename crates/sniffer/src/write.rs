//! Writing captures: pcap savefiles that Wireshark opens, never overwriting a file.
//!
//! [`PcapWriter`] writes the classic pcap format (magic `0xa1b2c3d4`, little-endian,
//! microsecond timestamps) with the live capture's link-layer type and snapshot length. Its
//! records are gathered into chunks of [`SAVE_CHUNK`] bytes that a thread of its own writes to
//! the file, at most [`SAVE_AHEAD`] chunks behind: under a busy link the capturing thread
//! makes one hand-over per chunk instead of one system call per packet, and a disk that
//! stalls for a moment does not stop it from emptying the kernel's ring. The caller hands
//! over what is gathered ([`PcapWriter::flush`]) each time the capture catches up with the
//! traffic, so the file on disk is a complete capture moments after the link pauses:
//! Wireshark can open it while the capture runs, and an interrupted capture leaves every
//! packet already shown. [`PcapWriter::sync`] waits until the file holds everything (the demo
//! does so after every packet). The annotated pcapng writer of the demo flushes after every
//! packet.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use crate::capture::LiveCapture;
use crate::error::CaptureError;
use crate::format::{pcapng, PcapLayout, RecordHeader};
use crate::frame::Frame;
use crate::link::LinkType;

/// Bytes of records gathered before they are handed to the writing thread.
pub const SAVE_CHUNK: usize = 1 << 20;
/// Chunks handed over but not yet written, at most; beyond that the capturing thread waits
/// for the disk (as tcpdump always does).
pub const SAVE_AHEAD: usize = 32;

/// The link-layer type a file records for a live capture's: libpcap's `DLT_RAW` (12 on
/// Linux, 14 on OpenBSD) is `LINKTYPE_RAW` (101) in files; the others are the same number.
pub fn file_linktype(live: LinkType) -> u32 {
    match live.0 {
        12 | 14 => 101,
        n => n,
    }
}

/// What the capturing thread hands to the writing thread.
enum ToDisk {
    /// Records to append.
    Chunk(Vec<u8>),
    /// Say when everything before this is in the file.
    Sync(SyncSender<()>),
}

/// A pcap savefile being written (see the module docs).
pub struct PcapWriter {
    /// Records gathered, not yet handed over.
    chunk: Vec<u8>,
    /// To the writing thread (`None` once it has stopped).
    to_disk: Option<SyncSender<ToDisk>>,
    /// Written chunks coming back to be filled again.
    spent: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
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
        Self::with_layout(
            file,
            path,
            file_linktype(capture.linktype()),
            capture.snaplen(),
        )
    }

    /// A savefile of `linktype` frames cut at `snaplen`, written to `file` (named `path`).
    pub fn with_layout(
        mut file: File,
        path: &Path,
        linktype: u32,
        snaplen: u32,
    ) -> Result<PcapWriter, CaptureError> {
        let failed = |source| CaptureError::Write {
            path: path.to_owned(),
            source,
        };
        file.write_all(&PcapLayout::savefile(snaplen).file_header(linktype))
            .map_err(failed)?;
        let (to_disk, chunks) = sync_channel::<ToDisk>(SAVE_AHEAD);
        let (give_back, spent) = sync_channel::<Vec<u8>>(SAVE_AHEAD + 2);
        let thread = std::thread::Builder::new()
            .name("save".into())
            .spawn(move || -> std::io::Result<()> {
                for message in chunks {
                    match message {
                        ToDisk::Chunk(mut chunk) => {
                            file.write_all(&chunk)?;
                            chunk.clear();
                            // Full only if more chunks were made than came back: drop it.
                            let _ = give_back.try_send(chunk);
                        }
                        // The other side may have stopped waiting: nothing to do then.
                        ToDisk::Sync(done) => {
                            let _ = done.send(());
                        }
                    }
                }
                Ok(())
            })
            .map_err(failed)?;
        Ok(PcapWriter {
            chunk: Vec::with_capacity(SAVE_CHUNK),
            to_disk: Some(to_disk),
            spent,
            thread: Some(thread),
            path: path.to_owned(),
            packets: 0,
        })
    }

    /// Appends one frame (gathered: see [`PcapWriter::flush`]). An error means the file can
    /// no longer be written (the disk is full, say); it names the file and the reason.
    pub fn write(&mut self, frame: &Frame<'_>) -> Result<(), CaptureError> {
        let caplen = u32::try_from(frame.data.len()).unwrap_or(u32::MAX);
        // Savefiles are little-endian with microseconds: pcap's 32-bit seconds.
        self.chunk
            .extend_from_slice(&PcapLayout::savefile(0).record_header(RecordHeader {
                secs: frame.ts.secs as u32,
                frac: frame.ts.nanos / 1_000,
                caplen,
                wire_len: frame.wire_len,
            }));
        self.chunk.extend_from_slice(frame.data);
        self.packets += 1;
        if self.chunk.len() >= SAVE_CHUNK {
            self.hand_over()?;
        }
        Ok(())
    }

    /// Hands what is gathered to the writing thread, which writes it at once.
    pub fn flush(&mut self) -> Result<(), CaptureError> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        self.hand_over()
    }

    /// Hands over what is gathered and waits until the file holds all of it.
    pub fn sync(&mut self) -> Result<(), CaptureError> {
        self.flush()?;
        let (done, wait) = sync_channel(1);
        self.send(ToDisk::Sync(done))?;
        match wait.recv() {
            Ok(()) => Ok(()),
            Err(_) => Err(self.stopped()),
        }
    }

    /// Writes everything and closes the file; returns its path.
    pub fn finish(mut self) -> Result<PathBuf, CaptureError> {
        self.flush()?;
        self.to_disk = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => Err(self.error(e)),
            Some(Err(_)) => Err(self.error(std::io::Error::other("the writing thread failed"))),
            _ => Ok(std::mem::take(&mut self.path)),
        }
    }

    /// Frames written so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn hand_over(&mut self) -> Result<(), CaptureError> {
        let next = self
            .spent
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(SAVE_CHUNK));
        let full = std::mem::replace(&mut self.chunk, next);
        self.send(ToDisk::Chunk(full))
    }

    fn send(&mut self, message: ToDisk) -> Result<(), CaptureError> {
        let sent = self.to_disk.as_ref().map(|tx| tx.send(message).is_ok());
        if sent == Some(true) {
            Ok(())
        } else {
            Err(self.stopped())
        }
    }

    /// The writing thread has stopped: why.
    fn stopped(&mut self) -> CaptureError {
        self.to_disk = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => self.error(e),
            _ => self.error(std::io::Error::other("the writing thread stopped")),
        }
    }

    fn error(&self, source: std::io::Error) -> CaptureError {
        CaptureError::Write {
            path: self.path.clone(),
            source,
        }
    }
}

impl Drop for PcapWriter {
    /// A writer dropped without [`PcapWriter::finish`] (an error elsewhere) still leaves a
    /// complete file of what it was given.
    fn drop(&mut self) {
        if !self.chunk.is_empty() {
            let _ = self.hand_over();
        }
        self.to_disk = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A pcapng file with one interface: its name and capture filter recorded in the interface
/// block, and a comment on each packet (Wireshark shows it under *Packet comments*; tshark's
/// field is `frame.comment`). Little-endian, microsecond timestamps, flushed per packet.
pub struct PcapngWriter {
    out: std::io::BufWriter<File>,
    path: PathBuf,
    packets: u64,
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
            pcapng::section_header(Some("sniff-demo")),
            pcapng::interface(
                file_linktype(capture.linktype()),
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
        self.out
            .write_all(bytes)
            .and_then(|()| self.out.flush())
            .map_err(|source| CaptureError::Write {
                path: self.path.clone(),
                source,
            })
    }

    /// Appends one frame with an optional comment, and flushes it to the file.
    pub fn write(&mut self, frame: &Frame<'_>, comment: Option<&str>) -> Result<(), CaptureError> {
        let micros = u64::try_from(frame.ts.secs).unwrap_or(0) * 1_000_000
            + u64::from(frame.ts.nanos / 1_000);
        let packet = pcapng::enhanced_packet(0, micros, frame.data, frame.wire_len, comment);
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
        .map_err(|source| match source.kind() {
            ErrorKind::AlreadyExists => CaptureError::Exists {
                path: path.to_owned(),
            },
            _ => CaptureError::Write {
                path: path.to_owned(),
                source,
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
            Err(source) => return Err(CaptureError::Write { path, source }),
        }
    }
    Err(CaptureError::NoFreeName {
        path: dir.join(format!("{stem}.{ext}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::Timestamp;
    use crate::pcapfile::FileCapture;

    /// Frame `i` of a test: `len` bytes of `i`, at 1.000i s.
    fn frame_bytes(i: u32, len: usize) -> (Timestamp, Vec<u8>) {
        (
            Timestamp {
                secs: 1_700_000_000 + i64::from(i),
                nanos: i * 1_000,
            },
            vec![i as u8; len],
        )
    }

    #[test]
    fn savefile_holds_every_frame_in_order_across_chunks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.pcap");
        let mut w = PcapWriter::with_layout(create_new(&path).expect("create"), &path, 1, 9_000)
            .expect("writer");
        // 3,000 frames of up to 9,000 bytes: about 13 chunks, handed over as they fill.
        let sizes = |i: u32| 60 + (i as usize * 7_919) % 8_940;
        for i in 0..3_000 {
            let (ts, data) = frame_bytes(i, sizes(i));
            w.write(&Frame::new(ts, data.len() as u32 + 4, &data))
                .expect("write");
            if i == 1_500 {
                // Synced: the file holds the first 1,501 frames now.
                w.sync().expect("sync");
                let mut file = FileCapture::open(&path).expect("open while writing");
                let mut n = 0;
                while file.next_frame().expect("frame").is_some() {
                    n += 1;
                }
                assert_eq!(n, 1_501);
            }
        }
        assert_eq!(w.packets(), 3_000);
        assert_eq!(w.finish().expect("finish"), path);
        let mut file = FileCapture::open(&path).expect("open");
        assert_eq!(file.interfaces()[0].snaplen, 9_000);
        assert_eq!(file.linktype(), Some(LinkType::EN10MB));
        let mut i = 0;
        while let Some(f) = file.next_frame().expect("frame") {
            let (ts, data) = frame_bytes(i, sizes(i));
            assert_eq!(
                (f.ts, f.wire_len, f.data),
                (ts, data.len() as u32 + 4, &data[..])
            );
            i += 1;
        }
        assert_eq!(i, 3_000);
    }

    #[test]
    fn a_file_that_cannot_be_written_is_an_error_naming_it() {
        // The reading end of a pipe closes after the header: every later write fails.
        let (reader, writer) = std::io::pipe().expect("pipe");
        let file = File::from(std::os::fd::OwnedFd::from(writer));
        let path = Path::new("gone.pcap");
        let mut w = PcapWriter::with_layout(file, path, 1, 262_144).expect("header fits the pipe");
        drop(reader);
        let (ts, data) = frame_bytes(1, 1_000);
        let frame = Frame::new(ts, 1_000, &data);
        let mut result = Ok(());
        // The first failure shows at the hand-over after the writing thread stopped.
        for _ in 0..10 {
            result = w.write(&frame).and_then(|()| w.sync());
            if result.is_err() {
                break;
            }
        }
        let err = result.expect_err("a broken pipe");
        assert_eq!(err.to_string(), "cannot write gone.pcap");
        // The operating system's reason is kept as the source.
        let source = std::error::Error::source(&err)
            .and_then(|e| e.downcast_ref::<std::io::Error>())
            .map(std::io::Error::kind);
        assert_eq!(source, Some(std::io::ErrorKind::BrokenPipe), "{err:?}");
        // And it stays an error.
        assert!(w.write(&frame).and_then(|()| w.flush()).is_err());
    }

    #[test]
    fn live_raw_ip_is_linktype_raw_in_files() {
        assert_eq!(file_linktype(LinkType(12)), 101);
        assert_eq!(file_linktype(LinkType::EN10MB), 1);
        assert_eq!(file_linktype(LinkType(113)), 113);
    }

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
