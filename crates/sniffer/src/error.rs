//! The library's typed errors. Each names the device, file or filter it is about and, where
//! the user can do something, says what. An error that comes from the operating system keeps
//! it as its source, so a caller can look at its kind (a broken pipe is the end of a job, not
//! a failure); the binaries print the chain, `cannot write FILE: No space left on device`.

use std::io;
use std::path::PathBuf;

/// Failures of capturing, reading or writing packets.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The process may not open a raw capture socket (needs root or CAP_NET_RAW).
    #[error(
        "no permission to capture on {device}. Run with sudo, or allow this program once: \
         sudo setcap cap_net_raw,cap_net_admin=eip {program}"
    )]
    Permission { device: String, program: String },

    /// No interface has that name.
    #[error("no capture device named '{device}' ({reason}); list them with `ip link`")]
    NoSuchDevice { device: String, reason: String },

    /// libpcap could not compile the BPF filter expression.
    #[error("invalid capture filter \"{filter}\": {reason}")]
    Filter { filter: String, reason: String },

    /// Opening the live capture failed for another reason.
    #[error("cannot capture on {device}: {reason}")]
    Open { device: String, reason: String },

    /// A read from the live capture failed.
    #[error("capture on {device} failed: {reason}")]
    Read { device: String, reason: String },

    /// A capture file could not be opened, or a read from it failed (at byte `at`). The
    /// operating system's reason is the source (shown after it by the binaries).
    #[error("cannot read {}{}", path.display(), at_byte(*at))]
    FileIo {
        path: PathBuf,
        /// Where in the file, once past opening it.
        at: Option<u64>,
        #[source]
        source: io::Error,
    },

    /// A capture file's bytes are not a capture, or end inside one of its records.
    #[error("cannot read {}: at byte {offset}: {reason}", path.display())]
    FileFormat {
        path: PathBuf,
        /// The offset of the bad bytes (of the record or block they belong to).
        offset: u64,
        reason: String,
    },

    /// The capture's link-layer type is not one this tool decodes.
    #[error(
        "{source_name}: unsupported link-layer type {linktype} ({name}); supported: {supported}"
    )]
    UnsupportedLinkType {
        source_name: String,
        linktype: u32,
        name: String,
        supported: String,
    },

    /// The savefile could not be created or written; the operating system's reason is the
    /// source.
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// The savefile's name is taken: files are never overwritten.
    #[error(
        "cannot write {}: the file already exists and is never overwritten; choose another name",
        path.display()
    )]
    Exists { path: PathBuf },

    /// Every numbered variant of a savefile's name is taken.
    #[error("cannot write {}: too many files with this name already", path.display())]
    NoFreeName { path: PathBuf },
}

/// `: at byte N` when the offset is known.
fn at_byte(at: Option<u64>) -> String {
    at.map(|n| format!(": at byte {n}")).unwrap_or_default()
}
