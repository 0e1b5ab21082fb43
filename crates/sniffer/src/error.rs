//! The library's typed errors. Each names the device, file or filter it is about and, where
//! the user can do something, says what.

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

    /// A capture file could not be opened or read.
    #[error("cannot read {}: {reason}", path.display())]
    File { path: PathBuf, reason: String },

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

    /// The savefile could not be created or written.
    #[error("cannot write {}: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
}

impl CaptureError {
    /// A write failed because the reading end of a pipe went away (`sniffer live -w - |
    /// head`): for a program writing to a pipe, the end of its job rather than a failure.
    pub fn is_broken_pipe(&self) -> bool {
        // EPIPE as the OS words it ("Broken pipe (os error 32)").
        matches!(self, CaptureError::Write { reason, .. }
            if reason.to_ascii_lowercase().contains("broken pipe"))
    }
}
