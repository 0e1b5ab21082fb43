//! An emulated network path, in user space: one-way delay, a bottleneck rate with a
//! drop-tail queue, and random loss, in the manner of mahimahi's `mm-delay`, `mm-link` and
//! `mm-loss`.
//!
//! The path joins two packet devices (TUN devices, each in its own network namespace, made by
//! the caller): every IP packet one side's kernel sends is read from its device, judged by a
//! [`Pipe`], and written to the other device when its time comes, as if it had crossed a
//! real link. Nothing here needs a privilege: the devices are open files.
//!
//! A packet offered to a pipe at time `t`:
//! 1. is lost with probability `loss` (drawn from a generator seeded with `--seed`, so a
//!    given seed loses the same packets of the same sequence);
//! 2. is dropped if `queue` packets already wait for the bottleneck (drop-tail);
//! 3. else leaves the bottleneck once the packets before it have, plus its own
//!    serialization time (`bits / rate`);
//! 4. arrives one-way delay later (half the round-trip time: each direction has its own
//!    pipe).
//!
//! [`Pipe`] is the model, a pure function of arrival times and sizes; [`run_path`] moves the
//! packets between the devices in two threads, one per direction.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the path does to every packet, in each direction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkConfig {
    /// Round-trip propagation delay; each direction gets half.
    pub rtt: Duration,
    /// Bottleneck rate in bits per second; `None` is unlimited.
    pub rate: Option<u64>,
    /// Probability that a packet is lost, from 0 to 1.
    pub loss: f64,
    /// Packets the bottleneck queue holds, besides the one being sent; `None` is unlimited.
    pub queue: Option<usize>,
    /// Seed of the loss generator.
    pub seed: u64,
}

impl LinkConfig {
    /// The pipe of one direction (0: from the first device to the second, 1: back).
    pub fn pipe(&self, direction: u8) -> Pipe {
        Pipe {
            delay: self.rtt / 2,
            rate: self.rate.filter(|r| *r > 0),
            loss: self.loss.clamp(0.0, 1.0),
            queue: self.queue,
            rng: SplitMix64(self.seed ^ (u64::from(direction) << 56 | 0x5eed)),
            departures: VecDeque::new(),
        }
    }
}

/// What became of one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Lost at random.
    Lost,
    /// Dropped because the bottleneck queue was full.
    QueueFull,
    /// Delivered at this time (from the same origin as the arrival times).
    Deliver(Duration),
}

/// One direction of the path: the model, with no I/O.
#[derive(Clone, Debug)]
pub struct Pipe {
    delay: Duration,
    rate: Option<u64>,
    loss: f64,
    queue: Option<usize>,
    rng: SplitMix64,
    /// When each packet still in the bottleneck (sent or waiting) finishes its serialization.
    departures: VecDeque<Duration>,
}

impl Pipe {
    /// Judges a packet of `len` bytes that arrives at `now` (times never go backwards).
    pub fn offer(&mut self, now: Duration, len: usize) -> Fate {
        // Drawn for every packet, so that a seed decides the same packets whatever the queue.
        let lost = self.loss > 0.0 && self.rng.next_f64() < self.loss;
        if lost {
            return Fate::Lost;
        }
        let Some(rate) = self.rate else {
            return Fate::Deliver(now + self.delay);
        };
        while self.departures.front().is_some_and(|done| *done <= now) {
            self.departures.pop_front();
        }
        // The packet being sent is not waiting in the queue.
        let waiting = self.departures.len().saturating_sub(1);
        if self.queue.is_some_and(|limit| waiting >= limit) {
            return Fate::QueueFull;
        }
        let start = self.departures.back().copied().unwrap_or(now).max(now);
        let bits = len as u128 * 8;
        let nanos = bits * 1_000_000_000 / u128::from(rate);
        let done = start + Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX));
        self.departures.push_back(done);
        Fate::Deliver(done + self.delay)
    }
}

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same sequence on
/// every machine and every version.
#[derive(Clone, Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What one direction did, counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DirectionStats {
    pub delivered: u64,
    pub lost: u64,
    pub queue_full: u64,
    /// The most packets that waited in the bottleneck queue at once.
    pub max_queue: usize,
}

/// What the path did, each way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PathStats {
    /// From the first device to the second.
    pub forward: DirectionStats,
    /// From the second device back to the first.
    pub backward: DirectionStats,
}

/// The running path: two threads moving packets, until [`Path::stop`].
pub struct Path {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<io::Result<DirectionStats>>>,
}

impl Path {
    /// Stops both directions and returns what they did.
    pub fn stop(self) -> io::Result<PathStats> {
        self.stop.store(true, Ordering::Relaxed);
        let mut stats = Vec::new();
        for thread in self.threads {
            let done = thread
                .join()
                .map_err(|_| io::Error::other("a thread of the emulated link panicked"))??;
            stats.push(done);
        }
        Ok(PathStats {
            forward: stats.first().copied().unwrap_or_default(),
            backward: stats.get(1).copied().unwrap_or_default(),
        })
    }
}

/// Starts moving packets between two packet devices (each read returns one IP packet, each
/// write sends one), through `config`'s pipes.
pub fn run_path(first: File, second: File, config: LinkConfig) -> io::Result<Path> {
    let stop = Arc::new(AtomicBool::new(false));
    let epoch = Instant::now();
    let first_out = first.try_clone()?;
    let second_out = second.try_clone()?;
    let mut threads = Vec::new();
    for (direction, input, output) in [(0u8, first, second_out), (1u8, second, first_out)] {
        set_nonblocking(&input)?;
        let pipe = config.pipe(direction);
        let stop = Arc::clone(&stop);
        threads.push(
            std::thread::Builder::new()
                .name(format!("link-{direction}"))
                .spawn(move || carry(input, output, pipe, &stop, epoch))?,
        );
    }
    Ok(Path { stop, threads })
}

/// How often a direction with nothing to do looks at the stop flag.
const IDLE: Duration = Duration::from_millis(20);

/// One direction: reads packets as they come, writes each when its pipe says it arrives.
fn carry(
    mut input: File,
    mut output: File,
    mut pipe: Pipe,
    stop: &AtomicBool,
    epoch: Instant,
) -> io::Result<DirectionStats> {
    let mut stats = DirectionStats::default();
    let mut in_flight: VecDeque<(Duration, Vec<u8>)> = VecDeque::new();
    let mut buf = vec![0u8; 65536];
    while !stop.load(Ordering::Relaxed) {
        let now = epoch.elapsed();
        while in_flight.front().is_some_and(|(at, _)| *at <= now) {
            if let Some((_, packet)) = in_flight.pop_front() {
                // A write refused by the device (it is going down) is a loss like any other.
                if output.write(&packet).is_ok() {
                    stats.delivered += 1;
                }
            }
        }
        let wait = in_flight
            .front()
            .map_or(IDLE, |(at, _)| at.saturating_sub(now).min(IDLE));
        if !readable_within(&input, wait)? {
            continue;
        }
        loop {
            let n = match input.read(&mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            match pipe.offer(epoch.elapsed(), n) {
                Fate::Lost => stats.lost += 1,
                Fate::QueueFull => stats.queue_full += 1,
                Fate::Deliver(at) => in_flight.push_back((at, buf[..n].to_vec())),
            }
            stats.max_queue = stats.max_queue.max(pipe.departures.len().saturating_sub(1));
        }
    }
    Ok(stats)
}

fn set_nonblocking(file: &File) -> io::Result<()> {
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a file descriptor this function borrows, integer arguments only.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    // SAFETY: as above.
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Waits up to `wait` (to the microsecond, unlike `poll`'s milliseconds) for `file` to have
/// a packet.
fn readable_within(file: &File, wait: Duration) -> io::Result<bool> {
    let mut fds = libc::pollfd {
        fd: file.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let timeout = libc::timespec {
        tv_sec: libc::time_t::try_from(wait.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_nsec: libc::c_long::from(wait.subsec_nanos()),
    };
    // SAFETY: one valid pollfd, a valid timespec, no signal mask.
    let n = unsafe { libc::ppoll(&mut fds, 1, &timeout, std::ptr::null()) };
    if n < 0 {
        let err = io::Error::last_os_error();
        return if err.kind() == io::ErrorKind::Interrupted {
            Ok(false)
        } else {
            Err(err)
        };
    }
    Ok(n > 0)
}

/// Parses a delay such as `40ms`, `1.5s`, `250us` or `0`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let bad = || format!("{text:?} is not a delay (e.g. 40ms, 1.5s, 250us)");
    let value: f64 = number.parse().map_err(|_| bad())?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "s" | "sec" => 1.0,
        "ms" => 1e-3,
        "us" | "µs" => 1e-6,
        "" if value == 0.0 => 0.0,
        _ => return Err(bad()),
    };
    let secs = value * scale;
    if !secs.is_finite() || secs > 10.0 {
        return Err(format!("{text:?}: the delay must be at most 10 s"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Parses a rate as `tc` writes it: `20mbit`, `512kbit`, `1gbit`, `9600bit` (powers of 1000),
/// or bytes per second with `bps` (`2mbps` is 16 Mbit/s).
pub fn parse_rate(text: &str) -> Result<u64, String> {
    let t = text.trim().to_ascii_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let bad = || format!("{text:?} is not a rate (e.g. 20mbit, 512kbit, 1gbit)");
    let value: f64 = number.parse().map_err(|_| bad())?;
    let bits = match unit {
        "bit" => 1.0,
        "kbit" => 1e3,
        "mbit" => 1e6,
        "gbit" => 1e9,
        "bps" => 8.0,
        "kbps" => 8e3,
        "mbps" => 8e6,
        "gbps" => 8e9,
        _ => return Err(bad()),
    };
    let rate = value * bits;
    if !(rate.is_finite() && (8000.0..=100e9).contains(&rate)) {
        return Err(format!(
            "{text:?}: the rate must be between 8kbit and 100gbit"
        ));
    }
    Ok(rate as u64)
}

/// Parses a loss rate: `0.5%` or a fraction such as `0.005`.
pub fn parse_loss(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (number, scale) = match t.strip_suffix('%') {
        Some(n) => (n, 0.01),
        None => (t, 1.0),
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a loss rate (e.g. 0.5% or 0.005)"))?;
    let loss = value * scale;
    if !(0.0..=0.5).contains(&loss) {
        return Err(format!(
            "{text:?}: the loss rate must be between 0% and 50%"
        ));
    }
    Ok(loss)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> LinkConfig {
        LinkConfig {
            rtt: Duration::from_millis(40),
            rate: Some(12_000_000),
            loss: 0.0,
            queue: Some(2),
            seed: 1,
        }
    }

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_lone_packet_takes_its_serialization_plus_half_the_rtt() {
        let mut pipe = config().pipe(0);
        // 1500 bytes at 12 Mbit/s: 1 ms on the wire.
        assert_eq!(pipe.offer(Duration::ZERO, 1500), Fate::Deliver(21 * MS));
    }

    #[test]
    fn a_burst_queues_behind_the_bottleneck_and_the_queue_overflows() {
        let mut pipe = config().pipe(0);
        let fates: Vec<Fate> = (0..5).map(|_| pipe.offer(Duration::ZERO, 1500)).collect();
        assert_eq!(
            fates,
            vec![
                Fate::Deliver(21 * MS),
                Fate::Deliver(22 * MS),
                Fate::Deliver(23 * MS),
                Fate::QueueFull,
                Fate::QueueFull
            ]
        );
        // Once the first has gone, there is room for one more, behind the others.
        assert_eq!(pipe.offer(MS, 1500), Fate::Deliver(24 * MS));
    }

    #[test]
    fn without_a_rate_only_the_delay_counts() {
        let mut pipe = LinkConfig {
            rate: None,
            ..config()
        }
        .pipe(1);
        for i in 0..100 {
            assert_eq!(pipe.offer(i * MS, 1500), Fate::Deliver(i * MS + 20 * MS));
        }
    }

    #[test]
    fn loss_follows_the_rate_and_the_seed() {
        let lossy = LinkConfig {
            loss: 0.05,
            rate: None,
            ..config()
        };
        let run = |cfg: LinkConfig| -> Vec<bool> {
            let mut pipe = cfg.pipe(0);
            (0..20_000)
                .map(|i| pipe.offer(i * MS, 100) == Fate::Lost)
                .collect()
        };
        let a = run(lossy);
        let lost = a.iter().filter(|l| **l).count();
        assert!((800..1200).contains(&lost), "{lost} of 20000 lost at 5%");
        assert_eq!(a, run(lossy), "the same seed loses the same packets");
        assert_ne!(a, run(LinkConfig { seed: 2, ..lossy }));
        // Each direction has its own sequence.
        let mut back = lossy.pipe(1);
        let b: Vec<bool> = (0..20_000)
            .map(|i| back.offer(i * MS, 100) == Fate::Lost)
            .collect();
        assert_ne!(a, b);
    }

    /// Two connected datagram sockets behave as packet devices: one read, one packet.
    fn device_pair() -> (File, File) {
        let (a, b) = std::os::unix::net::UnixDatagram::pair().expect("socket pair");
        (
            File::from(std::os::fd::OwnedFd::from(a)),
            File::from(std::os::fd::OwnedFd::from(b)),
        )
    }

    #[test]
    fn the_running_path_delays_each_way_and_counts_what_it_loses() {
        // Each side's "kernel" holds one end of a pair; the path joins the other ends.
        let (mut client, client_dev) = device_pair();
        let (mut server, server_dev) = device_pair();
        let path = run_path(
            client_dev,
            server_dev,
            LinkConfig {
                rtt: Duration::from_millis(40),
                rate: None,
                loss: 0.0,
                queue: None,
                seed: 1,
            },
        )
        .expect("path runs");
        let sent = Instant::now();
        client.write_all(b"ping").expect("send");
        let mut buf = [0u8; 16];
        let n = server.read(&mut buf).expect("receive");
        let one_way = sent.elapsed();
        assert_eq!(&buf[..n], b"ping");
        server.write_all(b"pong").expect("send back");
        let n = client.read(&mut buf).expect("receive back");
        let round_trip = sent.elapsed();
        assert_eq!(&buf[..n], b"pong");
        // Never early; late only by scheduling.
        assert!(one_way >= 20 * MS, "one way took {one_way:?}");
        assert!(round_trip >= 40 * MS, "the round trip took {round_trip:?}");
        assert!(round_trip < Duration::from_secs(2), "{round_trip:?}");
        let stats = path.stop().expect("stops");
        assert_eq!(stats.forward.delivered, 1);
        assert_eq!(stats.backward.delivered, 1);

        // A path that loses everything delivers nothing, and says so.
        let (mut client, client_dev) = device_pair();
        let (_server, server_dev) = device_pair();
        let path = run_path(
            client_dev,
            server_dev,
            LinkConfig {
                loss: 1.0,
                ..config()
            },
        )
        .expect("path runs");
        for _ in 0..5 {
            client.write_all(b"lost").expect("send");
        }
        std::thread::sleep(Duration::from_millis(100));
        let stats = path.stop().expect("stops");
        assert_eq!((stats.forward.lost, stats.forward.delivered), (5, 0));
    }

    #[test]
    fn parses_what_the_command_line_takes() {
        assert_eq!(parse_duration("40ms"), Ok(40 * MS));
        assert_eq!(parse_duration("1.5s"), Ok(1500 * MS));
        assert_eq!(parse_duration("250us"), Ok(Duration::from_micros(250)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("40").is_err());
        assert!(parse_duration("11s").is_err());
        assert_eq!(parse_rate("20mbit"), Ok(20_000_000));
        assert_eq!(parse_rate("512kbit"), Ok(512_000));
        assert_eq!(parse_rate("2mbps"), Ok(16_000_000));
        assert!(parse_rate("20").is_err());
        assert!(parse_rate("1bit").is_err());
        assert_eq!(parse_loss("0.5%"), Ok(0.005));
        assert_eq!(parse_loss("0.005"), Ok(0.005));
        assert_eq!(parse_loss("0"), Ok(0.0));
        assert!(parse_loss("60%").is_err());
        assert!(parse_loss("-1%").is_err());
    }
}
