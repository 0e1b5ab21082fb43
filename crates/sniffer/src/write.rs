//! Writing captures: pcap savefiles that Wireshark opens, never overwriting a file.
//!
//! Files are written by libpcap with the live capture's linktype and snapshot length and
//! microsecond timestamps (magic `0xa1b2c3d4`), and flushed after every packet, so the file on
//! disk is a complete capture at any moment: Wireshark can open it while the capture runs, and
//! an interrupted capture leaves every packet already shown.

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

    /// Appends one frame and flushes it to the file.
    pub fn write(&mut self, frame: &Frame<'_>) -> Result<(), CaptureError> {
        let packet = pcap::Packet::new(&frame.header, frame.data);
        self.save.write(&packet);
        self.packets += 1;
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
