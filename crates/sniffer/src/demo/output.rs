//! Where the demo's capture goes: a pcap file, or a pcapng file with a comment on every
//! packet, in a folder or under a name of the user's choosing — never over an existing file.

use std::path::{Path, PathBuf};

use crate::capture::LiveCapture;
use crate::error::CaptureError;
use crate::frame::Frame;
use crate::timeline::Row;
use crate::write::{self, PcapWriter, PcapngWriter};

use super::{DemoError, Save};

/// The file a demo writes: pcap, or pcapng with a comment on every packet.
pub(super) enum Output {
    Pcap(PcapWriter),
    Pcapng(PcapngWriter),
}

impl Output {
    pub(super) fn write(&mut self, frame: &Frame<'_>, row: &Row) -> Result<(), CaptureError> {
        match self {
            // The demo's few packets are in the file one by one.
            Output::Pcap(w) => {
                w.write(frame)?;
                w.sync()
            }
            Output::Pcapng(w) => w.write(frame, packet_comment(row).as_deref()),
        }
    }

    /// As [`Output::write`], without waiting for the disk: for a transfer's thousands of
    /// packets, where the file is complete once [`Output::finish`] returns.
    pub(super) fn write_unsynced(
        &mut self,
        frame: &Frame<'_>,
        row: &Row,
    ) -> Result<(), CaptureError> {
        match self {
            Output::Pcap(w) => w.write(frame),
            Output::Pcapng(w) => w.write(frame, packet_comment(row).as_deref()),
        }
    }

    pub(super) fn finish(self) -> Result<PathBuf, CaptureError> {
        match self {
            Output::Pcap(w) => w.finish(),
            Output::Pcapng(w) => w.finish(),
        }
    }
}

/// The comment an annotated capture gives a packet: its step and the states it leaves the
/// two ends in, e.g. `handshake 2/3 SYN-ACK: client SYN_SENT, server SYN_RECEIVED`.
pub fn packet_comment(row: &Row) -> Option<String> {
    let tcp = row.tcp.as_ref()?;
    let step = row.step_label().unwrap_or("segment");
    Some(format!(
        "{step}: client {}, server {}",
        tcp.view.client_state, tcp.view.server_state
    ))
}

/// True for a file name ending in `.pcapng`.
pub(super) fn wants_pcapng(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pcapng"))
}

/// Creates the savefile as asked.
pub(super) fn open_output(save: &Save, live: &LiveCapture) -> Result<Option<Output>, DemoError> {
    match save {
        Save::No => Ok(None),
        Save::ToFile(path) if wants_pcapng(path) => {
            Ok(Some(Output::Pcapng(PcapngWriter::create(live, path)?)))
        }
        Save::ToFile(path) => Ok(Some(Output::Pcap(PcapWriter::create(live, path)?))),
        Save::InDir(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| DemoError::OutputDir {
                path: dir.clone(),
                reason: e.to_string(),
            })?;
            let stem = format!(
                "sniff-demo-{}",
                chrono::Local::now().format("%Y%m%d-%H%M%S")
            );
            let (file, path) = write::create_unique(dir, &stem, "pcap")?;
            Ok(Some(Output::Pcap(PcapWriter::from_file(
                live, file, &path,
            )?)))
        }
    }
}

/// Interprets `--out`: an existing folder, or a path ending in `/`, is a folder; anything else
/// is a file name. Without `--out`, the `captures/` folder.
pub fn save_target(out: Option<&Path>, default_dir: &Path) -> Save {
    match out {
        None => Save::InDir(default_dir.to_owned()),
        Some(p) if p.is_dir() || p.as_os_str().to_string_lossy().ends_with('/') => {
            Save::InDir(p.to_owned())
        }
        Some(p) => Save::ToFile(p.to_owned()),
    }
}
