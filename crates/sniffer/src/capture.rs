//! Where frames come from: a live device or a capture file, one frame at a time.
//!
//! Both sources hand out [`Frame`]s that borrow libpcap's buffer until the next read, so no
//! frame is copied on the way in. A live source opens the device in *immediate mode* (each
//! packet is delivered as soon as it arrives instead of when a kernel buffer block fills) unless
//! told otherwise ([`LiveOptions::immediate`]), with a short read timeout: a timeout is
//! [`Next::Timeout`], neither an error nor the end, and lets the caller check its own stop
//! conditions between packets.
//!
//! Immediate mode is what the demo and a live listing on a terminal need. Under a heavy load
//! the other mode keeps up better: libpcap on Linux then packs packets of any size into kernel
//! blocks (TPACKET_V3) instead of one fixed-size frame per packet (TPACKET_V2), and a block
//! reaches the reader when it is full or after the read timeout.

use std::os::fd::{AsRawFd, RawFd};

use pcap::{Active, Capture};

use crate::error::CaptureError;
pub use crate::frame::{Frame, Timestamp, TsPrecision};
use crate::link::LinkType;

/// The snapshot length tcpdump and Wireshark use by default: whole packets.
pub const DEFAULT_SNAPLEN: u32 = MAXIMUM_SNAPLEN;
/// libpcap's largest snapshot length (`MAXIMUM_SNAPLEN`).
pub const MAXIMUM_SNAPLEN: u32 = 262_144;
/// Kernel buffer for live captures. In immediate mode libpcap on Linux uses a ring of
/// fixed-size frames, one per packet and each as large as the snapshot length, so the buffer
/// must hold a burst of whole-size frames: 64 MiB is 256 frames of 256 KiB.
pub const DEFAULT_BUFFER_SIZE: u32 = 64 * 1024 * 1024;
/// How long one read waits for a packet before returning [`Next::Timeout`].
pub const DEFAULT_READ_TIMEOUT_MS: i32 = 50;

/// A frame of a live capture (microsecond timestamps).
fn from_live<'a>(packet: pcap::Packet<'a>, linktype: LinkType) -> Frame<'a> {
    let header = *packet.header;
    let micros = u32::try_from(header.ts.tv_usec).unwrap_or(0);
    Frame {
        ts: Timestamp {
            secs: header.ts.tv_sec,
            nanos: micros.saturating_mul(1_000).min(999_999_999),
        },
        wire_len: header.len,
        data: packet.data,
        linktype,
        precision: TsPrecision::Micro,
        interface: None,
        interface_name: None,
        options: &[],
        options_big_endian: false,
    }
}

/// The result of one read from a live capture.
#[derive(Debug)]
pub enum Next<'a> {
    /// A frame arrived.
    Frame(Frame<'a>),
    /// Nothing arrived within the read timeout; call again.
    Timeout,
}

/// How to open a live capture.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    /// Interface name (`lo`).
    pub device: String,
    /// BPF filter expression (`tcp port 12345`); empty captures everything.
    pub filter: String,
    /// Bytes kept of each packet.
    pub snaplen: u32,
    /// Read timeout in milliseconds.
    pub read_timeout_ms: i32,
    /// Kernel buffer size in bytes, if not libpcap's default.
    pub buffer_size: Option<u32>,
    /// Deliver each packet as it arrives (see the module's docs).
    pub immediate: bool,
}

impl LiveOptions {
    /// Loopback, the given filter, whole packets, the default timeout.
    pub fn loopback(filter: impl Into<String>) -> LiveOptions {
        LiveOptions {
            device: loopback_device(),
            filter: filter.into(),
            snaplen: DEFAULT_SNAPLEN,
            read_timeout_ms: DEFAULT_READ_TIMEOUT_MS,
            buffer_size: Some(DEFAULT_BUFFER_SIZE),
            immediate: true,
        }
    }
}

/// Whether `text` compiles as a capture (BPF) filter for Ethernet frames, as tshark checks
/// before it suggests that a refused display filter was meant as one. Needs no privilege.
pub fn is_capture_filter(text: &str) -> bool {
    Capture::dead(pcap::Linktype::ETHERNET)
        .and_then(|capture| capture.compile(text, false))
        .is_ok()
}

/// The loopback interface's name: the first device libpcap flags as loopback (`lo` on Linux,
/// `lo0` on macOS and the BSDs), or `lo` when the list cannot be read.
pub fn loopback_device() -> String {
    pcap::Device::list()
        .ok()
        .and_then(|devices| {
            devices
                .into_iter()
                .find(|d| d.flags.is_loopback())
                .map(|d| d.name)
        })
        .unwrap_or_else(|| "lo".to_owned())
}

/// Kernel statistics of a live capture.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct KernelStats {
    /// Packets the kernel's filter accepted. On Linux `lo` each packet passes the filter twice
    /// (as sent and as received) while libpcap delivers it once, so this is about double.
    pub received: u32,
    /// Packets dropped because the buffer was full: the capture missed them.
    pub dropped: u32,
    /// Packets dropped by the interface or its driver.
    pub if_dropped: u32,
}

/// A live capture, activated and filtered.
pub struct LiveCapture {
    cap: Capture<Active>,
    /// The descriptor to poll(2) for readiness.
    fd: RawFd,
    /// How long [`LiveCapture::next_frame`] waits.
    timeout_ms: i32,
    /// The last read found a frame, so the kernel's ring may hold more: read again before
    /// waiting in poll(2). (While packets keep coming, no system call per packet.)
    maybe_ready: bool,
    device: String,
    filter: String,
    linktype: LinkType,
    snaplen: u32,
}

impl LiveCapture {
    /// Opens, activates and filters the device. Once this returns, every matching packet is
    /// captured, so open it before starting the traffic you want to see.
    pub fn open(opts: &LiveOptions) -> Result<LiveCapture, CaptureError> {
        let device = opts.device.clone();
        let snaplen = i32::try_from(opts.snaplen).unwrap_or(i32::MAX);
        let mut inactive = Capture::from_device(device.as_str())
            .map_err(|e| open_error(&device, e))?
            .immediate_mode(opts.immediate)
            .snaplen(snaplen)
            .timeout(opts.read_timeout_ms);
        if let Some(size) = opts.buffer_size {
            inactive = inactive.buffer_size(i32::try_from(size).unwrap_or(i32::MAX));
        }
        let cap = inactive.open().map_err(|e| open_error(&device, e))?;
        // Non-blocking reads plus our own poll(2) on the capture's descriptor: libpcap's own
        // read timeout is not honoured the same way by every Linux ring version, and a read
        // that never returns would hang the caller's stop checks.
        let mut cap = cap.setnonblock().map_err(|e| open_error(&device, e))?;
        let fd = cap.as_raw_fd();
        if !opts.filter.is_empty() {
            cap.filter(&opts.filter, true)
                .map_err(|e| CaptureError::Filter {
                    filter: opts.filter.clone(),
                    reason: pcap_reason(e),
                })?;
        }
        let linktype = LinkType(u32::try_from(cap.get_datalink().0).unwrap_or(u32::MAX));
        if !linktype.is_supported() {
            return Err(CaptureError::UnsupportedLinkType {
                source_name: device,
                linktype: linktype.0,
                name: linktype.libpcap_name(),
                supported: LinkType::supported_list(),
            });
        }
        Ok(LiveCapture {
            cap,
            fd,
            timeout_ms: opts.read_timeout_ms,
            maybe_ready: false,
            device,
            filter: opts.filter.clone(),
            linktype,
            // What libpcap makes of 0 and of too much (tcpdump's -s 0 means the same).
            snaplen: match opts.snaplen {
                0 => MAXIMUM_SNAPLEN,
                n => n.min(MAXIMUM_SNAPLEN),
            },
        })
    }

    /// Waits up to the read timeout for the next frame.
    pub fn next_frame(&mut self) -> Result<Next<'_>, CaptureError> {
        self.next_frame_within(std::time::Duration::from_millis(
            u64::try_from(self.timeout_ms).unwrap_or(0),
        ))
    }

    /// Waits for the next frame up to the read timeout or `limit`, whichever is shorter.
    ///
    /// Right after a frame, the next call only looks at what the kernel already holds, and
    /// answers [`Next::Timeout`] at once when that is nothing: the moment for a caller to flush
    /// its output. The call after that waits.
    pub fn next_frame_within(
        &mut self,
        limit: std::time::Duration,
    ) -> Result<Next<'_>, CaptureError> {
        if !self.maybe_ready {
            let wait_ms = i32::try_from(limit.as_millis())
                .unwrap_or(i32::MAX)
                .min(self.timeout_ms);
            let mut pollfd = libc::pollfd {
                fd: self.fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd, owned by this frame, for the duration of the call. The
            // outcome does not matter: the read below says whether a packet is there (EINTR
            // from a signal simply returns early, letting the caller check its stop flag).
            unsafe {
                libc::poll(&mut pollfd, 1, wait_ms);
            }
        }
        match self.cap.next_packet() {
            Ok(packet) => {
                self.maybe_ready = true;
                Ok(Next::Frame(from_live(packet, self.linktype)))
            }
            Err(pcap::Error::TimeoutExpired) => {
                self.maybe_ready = false;
                Ok(Next::Timeout)
            }
            Err(e) => {
                self.maybe_ready = false;
                Err(CaptureError::Read {
                    device: self.device.clone(),
                    reason: pcap_reason(e),
                })
            }
        }
    }

    /// The kernel's receive and drop counters so far.
    pub fn stats(&mut self) -> Result<KernelStats, CaptureError> {
        let s = self.cap.stats().map_err(|e| CaptureError::Read {
            device: self.device.clone(),
            reason: pcap_reason(e),
        })?;
        Ok(KernelStats {
            received: s.received,
            dropped: s.dropped,
            if_dropped: s.if_dropped,
        })
    }

    /// The device name.
    pub fn device(&self) -> &str {
        &self.device
    }

    /// The filter in force.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// The link-layer type of every frame.
    pub fn linktype(&self) -> LinkType {
        self.linktype
    }

    /// The snapshot length in force: as asked, 0 and anything above libpcap's maximum being
    /// that maximum.
    pub fn snaplen(&self) -> u32 {
        self.snaplen
    }

    /// Live frames carry microsecond timestamps (libpcap's default for savefiles too).
    pub fn precision(&self) -> TsPrecision {
        TsPrecision::Micro
    }
}

/// libpcap's message without the crate's wrapping.
fn pcap_reason(e: pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(msg) => msg,
        other => other.to_string(),
    }
}

/// Sorts an open/activate failure into what the user can act on.
fn open_error(device: &str, e: pcap::Error) -> CaptureError {
    let reason = pcap_reason(e);
    let lower = reason.to_lowercase();
    if lower.contains("permission") || lower.contains("not permitted") {
        CaptureError::Permission {
            device: device.to_owned(),
            program: std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| "<path to this program>".to_owned()),
        }
    } else if lower.contains("no such device") {
        CaptureError::NoSuchDevice {
            device: device.to_owned(),
            reason,
        }
    } else {
        CaptureError::Open {
            device: device.to_owned(),
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_subtract_across_seconds() {
        let a = Timestamp {
            secs: 10,
            nanos: 999_999_000,
        };
        let b = Timestamp {
            secs: 11,
            nanos: 1_000,
        };
        assert_eq!(b.since(a), 2_000);
        assert_eq!(a.since(b), -2_000);
    }
}
