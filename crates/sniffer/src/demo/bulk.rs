//! The bulk scenario: a client uploads `--bytes` to a server across an emulated path with a
//! round-trip delay, a bottleneck rate, a drop-tail queue and random loss — a link where
//! slow start, flights one RTT apart, a filling queue, duplicate ACKs, fast retransmit and
//! SACK blocks can be seen, none of which happen on loopback.
//!
//! The layout, as mahimahi's (`mm-delay`, `mm-link`, `mm-loss`), made of things this kernel
//! has and an unprivileged user may make inside a private user namespace:
//!
//! ```text
//!  client namespace (the demo's own)            server namespace (made here)
//!  client 100.64.0.1 ── sdlink0 (TUN)           sdlink1 (TUN) ── server 100.64.0.2:PORT
//!                         ▲  │ capture here       ▲  │
//!                         │  └── link-0 thread ───┘  │   delay, rate, queue, loss
//!                         └───── link-1 thread ──────┘   (net_demo::link)
//! ```
//!
//! The order is the demo's: everything is made and bound first (the server's namespace, its
//! TUN device and listening socket, then the client's TUN device), the capture opens on the
//! client's end of the link (`sdlink0`, so the times are the sender's, as in the lab where
//! the capture runs on the uploading host), every privilege is given up, and only then do
//! the link threads start and the transfer run.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::{Duration, Instant};

use net_demo::link::{LinkConfig, PathStats};
use net_demo::NetError;

use crate::capture::{LiveCapture, LiveOptions, Next};
use crate::flow::lab::{LabBuilder, StreamLab};
use crate::netns;
use crate::privileges;
use crate::timeline::Timeline;

use super::output::open_output;
use super::{interrupted, DemoError, DemoOptions, DemoReport, Event};

/// The client's end of the link, where the capture runs.
pub const CLIENT_DEVICE: &str = "sdlink0";
/// The server's end of the link, in the server's namespace.
pub const SERVER_DEVICE: &str = "sdlink1";
/// The client's address (the shared address space mahimahi uses, private to the namespaces).
pub const CLIENT_ADDR: Ipv4Addr = Ipv4Addr::new(100, 64, 0, 1);
/// The server's address.
pub const SERVER_ADDR: Ipv4Addr = Ipv4Addr::new(100, 64, 0, 2);

/// What to send, and across what.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BulkOptions {
    /// Bytes the client uploads.
    pub bytes: u64,
    /// The emulated path.
    pub link: LinkConfig,
}

impl Default for BulkOptions {
    /// The lab's link: 2 MiB over 40 ms, 20 Mbit/s, a 64-packet queue, 0.5 % loss.
    fn default() -> BulkOptions {
        BulkOptions {
            bytes: 2 << 20,
            link: LinkConfig {
                rtt: Duration::from_millis(40),
                rate: Some(20_000_000),
                loss: 0.005,
                queue: Some(64),
                seed: 1,
            },
        }
    }
}

/// What the transfer and the link did.
#[derive(Clone, Debug, PartialEq)]
pub struct BulkOutcome {
    pub options: BulkOptions,
    /// Bytes the server read.
    pub received: u64,
    /// From connect to the server's end of file.
    pub elapsed: Duration,
    /// Packets the link delivered, lost and dropped, each way.
    pub link: PathStats,
    /// The lab's answers on the capture.
    pub labs: Vec<StreamLab>,
}

impl BulkOutcome {
    /// What the link was and what it did, in a few lines.
    pub fn describe(&self) -> Vec<String> {
        let o = &self.options;
        let link = &o.link;
        let mut lines = vec![format!(
            "Emulated link: RTT {} ms, {}, {}, {} random loss each way (seed {})",
            link.rtt.as_secs_f64() * 1e3,
            link.rate.map_or("no rate limit".to_owned(), |r| format!(
                "{} Mbit/s",
                r as f64 / 1e6
            )),
            link.queue.map_or("no queue limit".to_owned(), |q| format!(
                "a {q}-packet queue"
            )),
            format_args!("{}%", link.loss * 100.0),
            link.seed
        )];
        for (way, d) in [
            ("client → server", self.link.forward),
            ("server → client", self.link.backward),
        ] {
            lines.push(format!(
                "  {way}: {} packets delivered, {} lost at random, {} dropped by the full queue \
                 (at most {} waiting)",
                d.delivered, d.lost, d.queue_full, d.max_queue
            ));
        }
        let secs = self.elapsed.as_secs_f64();
        lines.push(format!(
            "The client sent {} bytes; the server received {} in {:.3} s ({:.2} Mbit/s)",
            o.bytes,
            self.received,
            secs,
            if secs > 0.0 {
                self.received as f64 * 8.0 / secs / 1e6
            } else {
                0.0
            }
        ));
        lines
    }
}

/// Runs the bulk scenario. Must be called in a private network namespace (the binary enters
/// one for this scenario even with capture privileges), while the process has one thread.
pub(super) fn run(
    opts: &DemoOptions,
    bulk: &BulkOptions,
    mut on_event: impl FnMut(Event),
) -> Result<DemoReport, DemoError> {
    let port = opts.port.unwrap_or(net_demo::DEFAULT_PORT);
    let server = SocketAddr::V4(SocketAddrV4::new(SERVER_ADDR, port));
    let setup =
        |what: &'static str| move |e: std::io::Error| DemoError::Link(format!("{what}: {e}"));
    // The server's namespace, with its end of the link and its listening socket.
    let (server_tun, listener) = netns::in_new_netns(|| {
        let tun = netns::create_tun(SERVER_DEVICE, SERVER_ADDR, CLIENT_ADDR)?;
        let listener = std::net::TcpListener::bind(server)?;
        listener.set_nonblocking(true)?;
        Ok((tun, listener))
    })
    .map_err(setup("cannot make the server's side of the emulated link"))?;
    let client_tun = netns::create_tun(CLIENT_DEVICE, CLIENT_ADDR, SERVER_ADDR)
        .map_err(setup("cannot make the client's side of the emulated link"))?;
    let filter = format!("tcp port {port}");
    let mut live = LiveCapture::open(&LiveOptions {
        device: CLIENT_DEVICE.to_owned(),
        snaplen: 1600,
        buffer_size: Some(8 << 20),
        ..LiveOptions::loopback(filter)
    })?;
    // The capture is open and the devices made: nothing more needs any privilege.
    privileges::give_up(opts.drop_to)?;
    on_event(Event::CaptureOpen {
        device: live.device().to_owned(),
        filter: live.filter().to_owned(),
    });
    let path = net_demo::link::run_path(client_tun.file, server_tun.file, bulk.link)
        .map_err(setup("cannot start the emulated link"))?;
    let runtime = super::runtime()?;
    let started = Instant::now();
    let mut writer = open_output(&opts.save, &live)?;
    let sink = {
        let _inside = runtime.enter();
        let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| NetError::Io {
            op: "cannot serve on",
            addr: server,
            source: e,
        })?;
        runtime.spawn(net_demo::bulk::sink(listener))
    };
    on_event(Event::Listening(server));
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let bytes = bulk.bytes;
    runtime.spawn(async move {
        let sent = net_demo::bulk::send(server, bytes, None).await;
        let _ = done_tx.send(sent);
    });

    let mut timeline = Timeline::for_lab();
    let mut lab = LabBuilder::new(None);
    let mut rows = Vec::new();
    let mut last_ts = None;
    let mut sent: Option<Result<u64, NetError>> = None;
    let deadline = started + opts.timeout;
    let mut timed_out = false;
    loop {
        if sent.is_none() {
            sent = done_rx.try_recv().ok();
        }
        let flows = timeline.flows();
        if sent.is_some() && !flows.is_empty() && flows.all_finished() {
            break;
        }
        if matches!(sent, Some(Err(_))) && (flows.is_empty() || flows.all_finished()) {
            break;
        }
        let now = Instant::now();
        if now >= deadline {
            timed_out = true;
            break;
        }
        if interrupted(opts) {
            break;
        }
        let limit = (deadline - now).min(Duration::from_millis(50));
        if let Next::Frame(frame) = live.next_frame_within(limit)? {
            let limit = timeline.payload_limit();
            let packet = crate::decode::decode_keeping(frame.linktype, &frame, limit);
            last_ts = Some(frame.ts);
            let row = timeline.push_packet(&packet, frame.precision);
            if let Some(tcp) = row.tcp.as_ref() {
                lab.push(row.number, frame.ts, &tcp.view, &tcp.header);
            }
            if let Some(w) = writer.as_mut() {
                w.write_unsynced(&frame, &row)?;
            }
            rows.push(row);
        }
    }
    let was_interrupted = interrupted(opts);
    let stats = live.stats()?;
    let link = path.stop().map_err(setup("the emulated link stopped"))?;
    let received = runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(1), sink).await })
        .ok()
        .and_then(|joined| joined.ok())
        .and_then(|read| read.ok())
        .unwrap_or(0);
    let elapsed = started.elapsed();
    match sent {
        Some(Err(e)) if !was_interrupted => return Err(e.into()),
        _ => {}
    }
    let saved = match writer {
        Some(w) => Some(w.finish()?),
        None => None,
    };
    let (conversations, span_nanos) = super::conversations_and_span(&timeline, last_ts);
    let ends: Vec<(u32, String, String)> = conversations
        .iter()
        .map(|c| (c.stream, c.client.to_string(), c.server.to_string()))
        .collect();
    let labs = lab.finish(&ends);
    let outcome = BulkOutcome {
        options: *bulk,
        received,
        elapsed,
        link,
        labs,
    };
    Ok(DemoReport {
        device: live.device().to_owned(),
        filter: live.filter().to_owned(),
        server,
        received: Vec::new(),
        notes: opts.context.iter().cloned().collect(),
        rows,
        frames: Vec::new(),
        conversations,
        stats,
        saved,
        timed_out,
        interrupted: was_interrupted,
        span_nanos,
        privileges: privileges::held().ok(),
        bulk: Some(outcome),
    })
}
