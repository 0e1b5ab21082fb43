//! `sniff-demo`: capture our own greeting exchange from the first SYN to the last ACK.
//!
//! The order is what makes the capture complete:
//! 1. open and activate the capture on the loopback device with `tcp port <port>` *before* the
//!    server binds (with `--port 0` the port is unknown until the bind, so the listener is bound
//!    first — binding and listening send nothing — and the capture opened right after);
//! 2. start the server and the client on a tokio runtime;
//! 3. feed every frame through the [`Timeline`] as it arrives, writing it to the savefile;
//! 4. stop as soon as the flow stage says every conversation is over (both FINs acknowledged,
//!    or a reset) and the client is done — no fixed sleeps — or when the timeout, a safety net,
//!    runs out.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use net_demo::NetError;
use tokio::sync::oneshot;

use crate::capture::Frame;
use crate::capture::{KernelStats, LiveCapture, LiveOptions, Next};
use crate::error::CaptureError;
use crate::flow::Conversation;
use crate::timeline::Row as TimelineRow;
use crate::timeline::{Row, Timeline};
use crate::write::{self, PcapWriter, PcapngWriter};

/// What to run and where to save it.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Address for the server (must be loopback: the capture is on the loopback device).
    pub host: String,
    /// Server port; 0 picks a free one.
    pub port: u16,
    /// What the server sends.
    pub greeting: String,
    /// Where to save the capture.
    pub save: Save,
    /// Safety net: stop capturing after this long even if the exchange is not over.
    pub timeout: Duration,
    /// Capture device; `None` is the loopback device.
    pub device: Option<String>,
}

/// Where the capture goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Save {
    /// Not saved.
    No,
    /// A new file `sniff-demo-<local time>.pcap` in this folder (created if missing).
    InDir(PathBuf),
    /// Exactly this file, which must not exist.
    ToFile(PathBuf),
}

/// Progress, reported as it happens (the binary prints it).
#[derive(Clone, Debug)]
pub enum Event {
    /// The capture is open: nothing matching the filter can be missed from here on.
    CaptureOpen { device: String, filter: String },
    /// The server is listening.
    Listening(SocketAddr),
    /// The client got the greeting and closed.
    Received(Vec<u8>),
}

/// What a demo run saw.
#[derive(Debug)]
pub struct DemoReport {
    pub device: String,
    pub filter: String,
    pub server: SocketAddr,
    /// What the client received.
    pub received: Vec<u8>,
    pub rows: Vec<Row>,
    /// Every TCP conversation captured, in stream order.
    pub conversations: Vec<Conversation>,
    pub stats: KernelStats,
    /// The saved file, if saving.
    pub saved: Option<PathBuf>,
    /// The timeout ran out before every conversation was over.
    pub timed_out: bool,
    /// From the first packet to the last, by their capture timestamps, in nanoseconds.
    pub span_nanos: i128,
}

/// Why a demo run failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error(transparent)]
    Net(#[from] NetError),
    #[error(
        "{host} ({addr}) is not a loopback address: sniff-demo captures on the loopback device, \
         so use 127.0.0.1, ::1 or localhost"
    )]
    NotLoopback {
        host: String,
        addr: std::net::IpAddr,
    },
    #[error("cannot create the capture folder {}: {reason}", path.display())]
    OutputDir { path: PathBuf, reason: String },
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// Runs the whole demo, reporting progress through `on_event`.
pub fn run(opts: &DemoOptions, mut on_event: impl FnMut(Event)) -> Result<DemoReport, DemoError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(DemoError::Runtime)?;
    let addr = runtime.block_on(net_demo::resolve(&opts.host, opts.port))?;
    if !addr.ip().is_loopback() {
        return Err(DemoError::NotLoopback {
            host: opts.host.clone(),
            addr: addr.ip(),
        });
    }
    let live_opts = |port: u16| {
        let mut o = LiveOptions::loopback(format!("tcp port {port}"));
        if let Some(device) = &opts.device {
            o.device = device.clone();
        }
        o
    };
    // Capture first, then bind; with port 0, bind (which sends nothing) to learn the port.
    let (mut live, listener) = if opts.port != 0 {
        let live = LiveCapture::open(&live_opts(opts.port))?;
        let listener = runtime.block_on(async { net_demo::bind(addr) })?;
        (live, listener)
    } else {
        let listener = runtime.block_on(async { net_demo::bind(addr) })?;
        let port = listener
            .local_addr()
            .map_err(|e| NetError::Io {
                op: "cannot read the address of",
                addr,
                source: e,
            })?
            .port();
        (LiveCapture::open(&live_opts(port))?, listener)
    };
    let started = Instant::now();
    on_event(Event::CaptureOpen {
        device: live.device().to_owned(),
        filter: live.filter().to_owned(),
    });
    let mut writer = open_output(&opts.save, &live)?;
    let server_addr = listener.local_addr().unwrap_or(addr);
    on_event(Event::Listening(server_addr));

    let (stop_server, stopped) = oneshot::channel::<()>();
    let server = runtime.spawn(net_demo::serve(
        listener,
        opts.greeting.clone().into_bytes(),
        async {
            let _ = stopped.await;
        },
        |_| {},
    ));
    let (client_tx, client_rx) = std::sync::mpsc::channel();
    runtime.spawn(async move {
        // The receiver lives until the loop below has the result.
        let _ = client_tx.send(net_demo::fetch_greeting(server_addr).await);
    });

    let mut timeline = Timeline::new();
    let mut rows = Vec::new();
    let deadline = started + opts.timeout;
    let mut last_ts = None;
    let mut client_result: Option<Result<Vec<u8>, NetError>> = None;
    let timed_out = loop {
        if client_result.is_none() {
            client_result = client_rx.try_recv().ok();
        }
        let flows = timeline.flows();
        match &client_result {
            // The client is done: stop once every conversation it had is over.
            Some(Ok(_)) if flows.all_finished() => break false,
            // The client failed: nothing more is coming beyond what is already over.
            Some(Err(_)) if flows.is_empty() || flows.all_finished() => break false,
            _ => {}
        }
        let now = Instant::now();
        if now >= deadline {
            break true;
        }
        match live.next_frame_within(deadline - now)? {
            Next::Frame(frame) => {
                last_ts = Some(frame.ts);
                let row = timeline.push(&frame);
                if let Some(w) = writer.as_mut() {
                    w.write(&frame, &row)?;
                }
                rows.push(row);
            }
            Next::Timeout => {}
        }
    };
    let stats = live.stats()?;
    let _ = stop_server.send(());
    let _ = runtime.block_on(async { tokio::time::timeout(Duration::from_secs(1), server).await });
    let received = match client_result {
        Some(Ok(bytes)) => bytes,
        Some(Err(e)) => return Err(e.into()),
        None => Vec::new(),
    };
    on_event(Event::Received(received.clone()));
    let saved = match writer {
        Some(w) => Some(w.finish()?),
        None => None,
    };
    Ok(DemoReport {
        device: live.device().to_owned(),
        filter: live.filter().to_owned(),
        server: server_addr,
        received,
        rows,
        conversations: timeline
            .flows()
            .conversations()
            .into_iter()
            .cloned()
            .collect(),
        stats,
        saved,
        timed_out,
        span_nanos: match (timeline.first_timestamp(), last_ts) {
            (Some(first), Some(last)) => last.since(first),
            _ => 0,
        },
    })
}

/// Creates the savefile as asked.
/// The file a demo writes: pcap, or pcapng with a comment on every packet.
enum Output {
    Pcap(PcapWriter),
    Pcapng(PcapngWriter),
}

impl Output {
    fn write(&mut self, frame: &Frame<'_>, row: &TimelineRow) -> Result<(), CaptureError> {
        match self {
            Output::Pcap(w) => w.write(frame),
            Output::Pcapng(w) => w.write(frame, packet_comment(row).as_deref()),
        }
    }

    fn finish(self) -> Result<PathBuf, CaptureError> {
        match self {
            Output::Pcap(w) => w.finish(),
            Output::Pcapng(w) => w.finish(),
        }
    }
}

/// The comment an annotated capture gives a packet: its step and the states it leaves the
/// two ends in, e.g. `handshake 2/3 SYN-ACK: client SYN_SENT, server SYN_RECEIVED`.
pub fn packet_comment(row: &TimelineRow) -> Option<String> {
    let tcp = row.tcp.as_ref()?;
    let step = row.step.map(|s| s.label()).unwrap_or("segment");
    Some(format!(
        "{step}: client {}, server {}",
        tcp.client_state, tcp.server_state
    ))
}

/// True for a file name ending in `.pcapng`.
fn wants_pcapng(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pcapng"))
}

fn open_output(save: &Save, live: &LiveCapture) -> Result<Option<Output>, DemoError> {
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
