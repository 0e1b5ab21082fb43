//! `sniff-demo`: capture our own greeting exchange from the first SYN to the last ACK, and
//! nothing else.
//!
//! The order is what makes the capture complete, and private:
//! 1. bind every socket of the scenario — the server's listener and each client's socket —
//!    which sends nothing; a busy port is found here, before any capture ([`endpoints`]);
//! 2. open and activate the capture on the loopback device with a filter naming exactly those
//!    endpoints (both addresses, both ports of each conversation);
//! 3. give up every privilege ([`crate::privileges::give_up`]): the rest of the run, the
//!    server, the clients and the file writes, holds no capture right;
//! 4. start the server and the clients on a tokio runtime;
//! 5. feed every frame of the demo's own conversations through the [`Timeline`] as it arrives,
//!    writing it to the savefile;
//! 6. stop as soon as the flow stage says every conversation is over (both FINs acknowledged,
//!    or a reset) and the clients are done — no fixed sleeps — or when the timeout, a safety
//!    net of at most [`MAX_TIMEOUT`], runs out.
//!
//! [`run`] reads as those steps; the scenario's server and clients are `exchange`'s, the
//! savefile `output`'s, and the sentences explaining each scenario `notes`'.

pub mod bulk;
pub mod endpoints;
mod exchange;
mod notes;
mod output;

pub use output::{packet_comment, save_target};

use exchange::{ClientsResult, Exchange};
use notes::{backlog_note, notes};
use output::{open_output, Output};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use net_demo::NetError;

use crate::capture::{KernelStats, LiveCapture, LiveOptions, Next};
use crate::error::CaptureError;
use crate::flow::Conversation;
use crate::privileges::{self, Held, PrivilegeError};
use crate::timeline::{Row, Timeline};

use endpoints::Endpoints;

/// The longest `--timeout`: a lesson's exchange takes milliseconds, and a capture left open
/// longer is no demo.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(60);

/// What to run and where to save it.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Address for the server (must be loopback: the capture is on the loopback device).
    pub host: String,
    /// Server port; 0 picks a free one; `None` is the scenario's default.
    pub port: Option<u16>,
    /// Which exchange to run.
    pub scenario: Scenario,
    /// What the server sends.
    pub greeting: String,
    /// Where to save the capture.
    pub save: Save,
    /// Safety net: stop capturing after this long even if the exchange is not over (at most
    /// [`MAX_TIMEOUT`]).
    pub timeout: Duration,
    /// Capture device; `None` is the loopback device.
    pub device: Option<String>,
    /// Under sudo: the user to become once the capture is open, before any file is written
    /// or any traffic made (as `tcpdump -Z`). Every capability is given up then in any case.
    pub drop_to: Option<(u32, u32)>,
    /// A sentence about where the demo ran (a private network namespace, and why).
    pub context: Option<String>,
    /// Set by a signal handler (Ctrl-C, SIGTERM): stop capturing, keep what was captured.
    pub interrupt: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// The bulk scenario's transfer and link.
    pub bulk: bulk::BulkOptions,
    /// HTTP rows as tshark shows them with its HTTP dissector on
    /// ([`crate::timeline::http`]); the bulk scenario's rows stay TCP's.
    pub http: bool,
}

/// The exchanges of the lesson.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// The server greets one client and closes.
    Greeting,
    /// N clients at once against one listening port.
    Concurrent { clients: usize },
    /// The greeting over UDP: one datagram asks, one answers.
    Udp,
    /// Two HTTP/1.0 requests: a connection each.
    Http10,
    /// Two HTTP/1.1 requests on one kept-alive connection.
    Http11,
    /// A connection to a port nobody listens on.
    Refused,
    /// An upload across an emulated path with delay, a bottleneck and loss ([`bulk`]).
    Bulk,
}

impl Scenario {
    /// The port the scenario uses unless told otherwise: 8080 for HTTP (which Wireshark
    /// decodes as HTTP), else the lesson's 12345.
    pub fn default_port(self) -> u16 {
        match self {
            Scenario::Http10 | Scenario::Http11 => 8080,
            _ => net_demo::DEFAULT_PORT,
        }
    }

    /// TCP conversations the scenario makes.
    fn conversations(self) -> usize {
        match self {
            Scenario::Concurrent { clients } => clients,
            Scenario::Http10 => 2,
            Scenario::Udp => 0,
            _ => 1,
        }
    }
}

/// How much the demo's capture keeps of each packet, and its kernel buffer.
///
/// In immediate mode libpcap on Linux makes a ring of fixed-size frames, each as large as the
/// snapshot length, and the kernel allocates and clears the whole ring when the capture opens:
/// tcpdump's whole-packet default (256 KiB frames) in a 64 MiB buffer cost half a second of
/// a cold start and 130 MB of memory, to capture eight small packets. The lesson knows what
/// it sends, so its capture is sized to that: frames that hold its largest packet whole, and
/// a ring of [`CaptureSize::FRAMES`] of them, far more than a scenario's burst.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaptureSize {
    pub snaplen: u32,
    pub buffer: u32,
}

impl CaptureSize {
    /// Bytes around the largest payload: link header (14), IPv6 (40), TCP with every option
    /// (60), and the HTTP scenarios' request line and headers around the greeting.
    pub const HEADROOM: u32 = 1024;
    /// Frames the ring holds.
    pub const FRAMES: u32 = 1024;
    /// The smallest and largest buffer.
    pub const MIN_BUFFER: u32 = 1 << 20;
    pub const MAX_BUFFER: u32 = crate::capture::DEFAULT_BUFFER_SIZE;

    /// The size for a lesson whose server sends `greeting_len` bytes.
    pub fn for_lesson(greeting_len: usize) -> CaptureSize {
        let payload = u32::try_from(greeting_len).unwrap_or(u32::MAX);
        let snaplen = payload
            .saturating_add(Self::HEADROOM)
            .min(crate::capture::MAXIMUM_SNAPLEN);
        // libpcap's frame: the snapshot plus its own header, rounded up.
        let frame = (snaplen + 128).next_power_of_two();
        let buffer = frame
            .saturating_mul(Self::FRAMES)
            .clamp(Self::MIN_BUFFER, Self::MAX_BUFFER);
        CaptureSize { snaplen, buffer }
    }
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

impl std::fmt::Display for Event {
    /// The progress line the binary prints.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::CaptureOpen { device, filter } => {
                write!(f, "Capturing on {device} with filter \"{filter}\"")
            }
            Event::Listening(addr) => write!(f, "Server listening on {addr}"),
            Event::Received(bytes) => write!(
                f,
                "Client received {:?} ({} bytes)",
                String::from_utf8_lossy(bytes),
                bytes.len()
            ),
        }
    }
}

/// What a demo run saw.
#[derive(Debug)]
pub struct DemoReport {
    pub device: String,
    pub filter: String,
    pub server: SocketAddr,
    /// What each client received (each HTTP body, for the HTTP scenarios).
    pub received: Vec<Vec<u8>>,
    /// What the scenario shows, in a sentence or two.
    pub notes: Vec<String>,
    pub rows: Vec<Row>,
    /// The frames of those rows, for their details.
    pub frames: Vec<crate::frame::OwnedFrame>,
    /// Every TCP conversation captured, in stream order.
    pub conversations: Vec<Conversation>,
    pub stats: KernelStats,
    /// The saved file, if saving.
    pub saved: Option<PathBuf>,
    /// The timeout ran out before every conversation was over.
    pub timed_out: bool,
    /// A signal stopped the capture before the exchange was over.
    pub interrupted: bool,
    /// From the first packet to the last, by their capture timestamps, in nanoseconds.
    pub span_nanos: i128,
    /// What the process held, over all its threads, once the exchange was over (`None`
    /// when /proc could not be read): no capability, `no_new_privs` set.
    pub privileges: Option<Held>,
    /// The bulk scenario's transfer and what its link did.
    pub bulk: Option<bulk::BulkOutcome>,
}

impl DemoReport {
    /// What is printed of the run on stdout.
    pub fn lesson(&self) -> crate::render::lesson::Lesson<'_> {
        crate::render::lesson::Lesson {
            rows: &self.rows,
            conversations: &self.conversations,
            notes: &self.notes,
            privileges: self.privileges.as_ref(),
        }
    }

    /// What the run's closing lines say.
    pub fn summary(&self) -> crate::render::summary::Summary<'_> {
        crate::render::summary::Summary {
            packets: self.rows.len(),
            device: &self.device,
            span_nanos: self.span_nanos,
            dropped: self.stats.dropped,
            interrupted: self.interrupted,
            timed_out: self.timed_out,
            saved: self.saved.as_deref(),
        }
    }
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
    #[error(transparent)]
    Privileges(#[from] PrivilegeError),
    #[error(
        "port {} on {} is in use (something listens there): the refused scenario needs a port \
         nobody listens on; pick another one with --port, or --port 0 for a free one",
        addr.port(),
        addr.ip()
    )]
    RefusedPortBusy { addr: SocketAddr },
    #[error("the timeout must be above 0 and at most {} seconds", MAX_TIMEOUT.as_secs())]
    Timeout,
    #[error("{0}")]
    Link(String),
}

/// Runs the whole demo, reporting progress through `on_event`.
///
/// Must be called while the process has one thread: the capture rights are given up once
/// the capture is open, and capabilities belong to each thread.
pub fn run(opts: &DemoOptions, mut on_event: impl FnMut(Event)) -> Result<DemoReport, DemoError> {
    if opts.scenario == Scenario::Bulk {
        if opts.timeout.is_zero() || opts.timeout > MAX_TIMEOUT {
            return Err(DemoError::Timeout);
        }
        return bulk::run(opts, &opts.bulk, on_event);
    }
    let addr = server_address(opts)?;
    let (bound, mut live) = bind_then_capture(opts, addr)?;
    // The capture is open: nothing more needs any privilege.
    privileges::give_up(opts.drop_to)?;
    let runtime = runtime()?;
    let started = Instant::now();
    on_event(Event::CaptureOpen {
        device: live.device().to_owned(),
        filter: live.filter().to_owned(),
    });
    let mut writer = open_output(&opts.save, &live)?;
    let ends = bound.endpoints.clone();
    let mut exchange = Exchange::start(&runtime, opts, bound)?;
    if exchange.listening {
        on_event(Event::Listening(ends.server()));
    }
    let captured = capture_until_over(
        &mut live,
        &ends,
        &mut writer,
        &mut exchange,
        opts,
        started + opts.timeout,
    )?;
    let interrupted = interrupted(opts);
    let stats = live.stats()?;
    let received = exchange.finish(&runtime, interrupted)?;
    for body in &received {
        on_event(Event::Received(body.clone()));
    }
    let saved = match writer {
        Some(w) => Some(w.finish()?),
        None => None,
    };
    let (device, filter) = (live.device().to_owned(), live.filter().to_owned());
    // Closing a packet socket waits for the kernel (about 20 ms, an RCU grace period): done
    // on the side, so the timeline is printed meanwhile.
    // (Should the thread fail to start, the closure holding the capture is dropped at once,
    // which closes it here.)
    let _ = std::thread::Builder::new()
        .name("close-capture".into())
        .spawn(move || drop(live));
    Ok(report(
        opts,
        captured,
        Outcome {
            device,
            filter,
            server: ends.server(),
            received,
            stats,
            saved,
            interrupted,
        },
    ))
}

/// The runtime the scenario's server and clients run on (started once the capture is open
/// and every privilege given up).
fn runtime() -> Result<tokio::runtime::Runtime, DemoError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(DemoError::Runtime)
}

/// Checks the options and resolves the server's address, which must be loopback: the
/// capture is on the loopback device.
fn server_address(opts: &DemoOptions) -> Result<SocketAddr, DemoError> {
    if opts.timeout.is_zero() || opts.timeout > MAX_TIMEOUT {
        return Err(DemoError::Timeout);
    }
    let port = opts.port.unwrap_or(opts.scenario.default_port());
    let addr = net_demo::resolve_blocking(&opts.host, port)?;
    if !addr.ip().is_loopback() {
        return Err(DemoError::NotLoopback {
            host: opts.host.clone(),
            addr: addr.ip(),
        });
    }
    Ok(addr)
}

/// Binds every socket of the scenario first — which sends nothing, and finds a busy port
/// before anything is captured — then opens the capture with a filter naming exactly those
/// endpoints, sized to the lesson ([`CaptureSize`]). From here on nothing the exchange sends
/// can be missed, and nothing else can be seen.
fn bind_then_capture(
    opts: &DemoOptions,
    addr: SocketAddr,
) -> Result<(endpoints::Bound, LiveCapture), DemoError> {
    let bound = endpoints::bind(opts.scenario, addr)?;
    let mut live_opts = LiveOptions::loopback(bound.endpoints.filter());
    if let Some(device) = &opts.device {
        live_opts.device = device.clone();
    }
    let size = CaptureSize::for_lesson(opts.greeting.len());
    live_opts.snaplen = size.snaplen;
    live_opts.buffer_size = Some(size.buffer);
    let live = LiveCapture::open(&live_opts)?;
    Ok((bound, live))
}

/// What the capture loop collected.
struct Captured {
    timeline: Timeline,
    rows: Vec<Row>,
    frames: Vec<crate::frame::OwnedFrame>,
    last_ts: Option<crate::frame::Timestamp>,
    timed_out: bool,
}

/// Feeds every frame of the demo's own conversations through the timeline (and to the
/// savefile) until [`exchange_over`] says so, a signal stops it, or the deadline passes.
fn capture_until_over(
    live: &mut LiveCapture,
    ends: &Endpoints,
    writer: &mut Option<Output>,
    exchange: &mut Exchange,
    opts: &DemoOptions,
    deadline: Instant,
) -> Result<Captured, DemoError> {
    let scenario = opts.scenario;
    let mut captured = Captured {
        timeline: Timeline::keeping_conversations(),
        rows: Vec::new(),
        frames: Vec::new(),
        last_ts: None,
        timed_out: false,
    };
    if opts.http {
        captured.timeline.enable_http();
    }
    let mut udp_datagrams = 0;
    loop {
        let clients = exchange.poll();
        let flows = captured.timeline.flows();
        if exchange_over(scenario, flows, clients, udp_datagrams) {
            break;
        }
        let now = Instant::now();
        if now >= deadline {
            captured.timed_out = true;
            break;
        }
        if interrupted(opts) {
            break;
        }
        // Every conversation is over but the clients have not said so yet: look again soon
        // rather than wait a whole read timeout for packets that are not coming.
        let finished = flows.all_finished() && flows.len() >= scenario.conversations();
        let limit = if finished && clients.is_none() {
            Duration::from_millis(1)
        } else {
            deadline - now
        };
        match live.next_frame_within(limit)? {
            Next::Frame(frame) => {
                // The filter lets nothing else through; checked again all the same.
                let limit = captured.timeline.payload_limit();
                let packet = crate::decode::decode_keeping(frame.linktype, &frame, limit);
                if !ends.owns(&packet) {
                    continue;
                }
                captured.last_ts = Some(frame.ts);
                let row = captured.timeline.push_packet(&packet, frame.precision);
                udp_datagrams += usize::from(row.protocol == "UDP");
                if let Some(w) = writer.as_mut() {
                    w.write(&frame, &row)?;
                }
                captured.rows.push(row);
                captured.frames.push(crate::frame::OwnedFrame::of(&frame));
            }
            Next::Timeout => {}
        }
    }
    Ok(captured)
}

/// The stop rule: the clients are done and every conversation they had is over (both FINs
/// acknowledged, or a reset) — over UDP, every datagram went by — or they failed, and
/// nothing more is coming beyond what is already over. No fixed sleeps: the capture ends
/// the moment the exchange does.
fn exchange_over(
    scenario: Scenario,
    flows: &crate::flow::FlowTable,
    clients: Option<&ClientsResult>,
    udp_datagrams: usize,
) -> bool {
    match clients {
        Some(Ok(received)) if scenario == Scenario::Udp => {
            udp_datagrams >= 2 * received.len().max(1)
        }
        Some(Ok(_)) => flows.all_finished() && flows.len() >= scenario.conversations(),
        Some(Err(_)) => flows.is_empty() || flows.all_finished(),
        None => false,
    }
}

/// Whether a signal (Ctrl-C, SIGTERM) asked to stop.
fn interrupted(opts: &DemoOptions) -> bool {
    opts.interrupt
        .as_ref()
        .is_some_and(|flag| flag.load(std::sync::atomic::Ordering::Relaxed))
}

/// How the run ended, besides what was captured.
struct Outcome {
    device: String,
    filter: String,
    server: SocketAddr,
    received: Vec<Vec<u8>>,
    stats: KernelStats,
    saved: Option<PathBuf>,
    interrupted: bool,
}

/// The report of a run: its rows and conversations, the notes explaining the scenario with
/// this run's numbers, and what the process held while it ran.
fn report(opts: &DemoOptions, captured: Captured, outcome: Outcome) -> DemoReport {
    let Captured {
        timeline,
        rows,
        frames,
        last_ts,
        timed_out,
    } = captured;
    let (conversations, span_nanos) = conversations_and_span(&timeline, last_ts);
    DemoReport {
        notes: opts
            .context
            .iter()
            .cloned()
            .chain(notes(opts.scenario, outcome.server, &conversations, &rows))
            .chain(backlog_note(&rows))
            .collect(),
        span_nanos,
        device: outcome.device,
        filter: outcome.filter,
        server: outcome.server,
        received: outcome.received,
        rows,
        frames,
        conversations,
        stats: outcome.stats,
        saved: outcome.saved,
        timed_out,
        interrupted: outcome.interrupted,
        privileges: privileges::held().ok(),
        bulk: None,
    }
}

/// Every TCP conversation the timeline kept, in stream order, and the nanoseconds from its
/// first packet to the last one captured (`last_ts`).
fn conversations_and_span(
    timeline: &Timeline,
    last_ts: Option<crate::frame::Timestamp>,
) -> (Vec<Conversation>, i128) {
    let conversations = timeline
        .flows()
        .conversations()
        .into_iter()
        .cloned()
        .collect();
    let span = match (timeline.first_timestamp(), last_ts) {
        (Some(first), Some(last)) => last.since(first),
        _ => 0,
    };
    (conversations, span)
}
