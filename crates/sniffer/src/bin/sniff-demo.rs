//! `sniff-demo`: capture the greeting exchange on loopback, explain it, save it.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use clap::{CommandFactory, Parser};
use net_demo::cli::Generate;
use net_demo::{DEFAULT_GREETING, DEFAULT_HOST};
use sniffer::cli::FormatArg;
use sniffer::demo::{self, DemoOptions, Save, Scenario};
use sniffer::netns;
use sniffer::pcapfile::FileCapture;
use sniffer::privileges;
use sniffer::render::{self, summary, wrap, Format};

/// Run the classic socket lesson — a server greets a client on port 12345 — while capturing
/// it on loopback, then show every segment as Wireshark would, with its role in the exchange.
#[derive(Parser)]
#[command(name = "sniff-demo", version)]
struct Cli {
    /// Server address (a loopback address: 127.0.0.1, ::1, localhost).
    #[arg(long, default_value = DEFAULT_HOST)]
    host: String,
    /// Which exchange to capture.
    #[arg(long, value_enum, default_value_t = ScenarioName::Greeting)]
    scenario: ScenarioName,
    /// Clients for the concurrent scenario.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=20))]
    clients: u16,
    /// Server port; 0 picks a free one [default: 12345; 8080 for the HTTP scenarios, which
    /// Wireshark decodes as HTTP].
    #[arg(long)]
    port: Option<u16>,
    /// What the server sends.
    #[arg(long, default_value = DEFAULT_GREETING)]
    greeting: String,
    /// Save the capture in this folder (as `sniff-demo-<time>.pcap`) or as this new file.
    #[arg(
        long,
        short = 'o',
        value_name = "DIR|FILE",
        default_value = "captures/"
    )]
    out: PathBuf,
    /// Do not save the capture.
    #[arg(long, conflicts_with = "out")]
    no_save: bool,
    /// Output format [default: table on a terminal, plain otherwise].
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Fit everything printed to this many columns [default: the terminal's; no limit when
    /// not printing to a terminal].
    #[arg(long, value_parser = clap::value_parser!(u16).range(40..))]
    width: Option<u16>,
    /// Run in a private network namespace even with capture privileges: nothing else on the
    /// machine can be seen or collide with the demo's port. (Without privileges, this is how
    /// the demo runs anyway.)
    #[arg(long)]
    private_netns: bool,
    /// Do not draw the ladder diagram under the table.
    #[arg(long)]
    no_ladder: bool,
    /// Under the table, the packet details of the lesson's segments (all, or the frames
    /// numbered N…), and the bytes of the ones with data. With --format plain, exactly what
    /// `tshark -V -x` prints for them.
    #[arg(long, value_name = "N", num_args = 0..)]
    details: Option<Vec<u64>>,
    /// Show only the rows this display filter selects, in Wireshark's language (`tcp.len >
    /// 0`, `tcp.flags.syn == 1`), in the table and the ladder; the checks and the states
    /// still count every segment.
    #[arg(
        short = 'Y',
        long = "display-filter",
        value_name = "FILTER",
        allow_hyphen_values = true
    )]
    display_filter: Option<String>,
    /// Also write the capture as one self-contained HTML page: the packet list, each
    /// packet's details and bytes, and per TCP stream the checks, the ladder and the
    /// time-sequence, RTT, throughput and flight graphs (with -Y, only the rows it selects).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Decode this protocol as tshark does with its dissector on: `http` (requests and
    /// responses in the Protocol, Info and Step columns). On by default for the HTTP
    /// scenarios, as in Wireshark's default view
    #[arg(long = "enable-protocol", value_name = "PROTOCOL")]
    enable_protocol: Vec<String>,
    /// Do not decode this protocol: `http` (the HTTP scenarios' rows stay TCP's)
    #[arg(long = "disable-protocol", value_name = "PROTOCOL")]
    disable_protocol: Vec<String>,
    /// Give up after this many seconds if the exchange has not finished [default: 5; 30 for
    /// the bulk scenario; at most 60].
    #[arg(long, value_name = "SECS")]
    timeout: Option<f64>,
    /// The bulk scenario: bytes the client uploads (K, M, G are powers of 1024) [default: 2M].
    #[arg(long, value_name = "SIZE", value_parser = net_demo::bulk::parse_size, help_heading = "Bulk scenario")]
    bytes: Option<u64>,
    /// The bulk scenario: the emulated path's round-trip delay, half each way [default:
    /// 40ms].
    #[arg(long, value_name = "DELAY", value_parser = net_demo::link::parse_duration, help_heading = "Bulk scenario")]
    rtt: Option<Duration>,
    /// The bulk scenario: the bottleneck's rate, as tc writes it (20mbit, 512kbit, 1gbit)
    /// [default: 20mbit].
    #[arg(long, value_name = "RATE", value_parser = net_demo::link::parse_rate, help_heading = "Bulk scenario")]
    rate: Option<u64>,
    /// The bulk scenario: the share of packets lost at random, each way (0.5% or 0.005)
    /// [default: 0.5%].
    #[arg(long, value_name = "RATE", value_parser = net_demo::link::parse_loss, help_heading = "Bulk scenario")]
    loss: Option<f64>,
    /// The bulk scenario: packets the bottleneck queue holds before it drops (drop-tail)
    /// [default: 64].
    #[arg(long, value_name = "PACKETS", value_parser = clap::value_parser!(u32).range(1..=100_000), help_heading = "Bulk scenario")]
    queue: Option<u32>,
    /// The bulk scenario: seed of the random losses; a seed loses the same packets of the same
    /// sequence every run [default: 1].
    #[arg(long, value_name = "N", help_heading = "Bulk scenario")]
    seed: Option<u64>,
    /// Write the man page or a shell's completion script to stdout, and exit.
    #[arg(long, value_enum, value_name = "KIND")]
    generate: Option<Generate>,
}

/// The scenarios of the lesson.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ScenarioName {
    /// The server greets one client and closes the connection.
    Greeting,
    /// Several clients at once (--clients N) against one listening port.
    Concurrent,
    /// The greeting over UDP: no handshake, no close.
    Udp,
    /// Two HTTP/1.0 requests: a connection each.
    Http10,
    /// Two HTTP/1.1 requests on one kept-alive connection.
    Http11,
    /// Connecting to a port nobody listens on: SYN answered by RST.
    Refused,
    /// An upload across an emulated link with delay, a bottleneck rate, a queue and random
    /// loss (--bytes, --rtt, --rate, --loss, --queue, --seed): slow start, retransmissions
    Bulk,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(kind) = cli.generate {
        return net_demo::cli::print_generated(Cli::command(), kind, "sniff-demo");
    }
    net_demo::cli::finish(run(cli), |e| {
        render::wrap::report_error("sniff-demo", &format!("{e:#}"));
    })
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // The display filter is compiled before anything runs; its refusal exits with 2.
    let filter = match cli
        .display_filter
        .as_deref()
        .filter(|t| !t.trim().is_empty())
    {
        Some(text) => match sniffer::filter::DisplayFilter::compile(text) {
            Ok(filter) => Some(filter),
            Err(e) => {
                eprintln!("sniff-demo: {}", e.report(text));
                return Ok(ExitCode::from(2));
            }
        },
        None => None,
    };
    for (option, names) in [
        ("--enable-protocol", &cli.enable_protocol),
        ("--disable-protocol", &cli.disable_protocol),
    ] {
        if let Some(other) = names.iter().find(|p| !p.eq_ignore_ascii_case("http")) {
            let verb = option
                .trim_start_matches("--")
                .split('-')
                .next()
                .unwrap_or_default();
            eprintln!("sniff-demo: {option} {other}: the protocol it can {verb} is http");
            return Ok(ExitCode::from(2));
        }
    }
    if !cli.enable_protocol.is_empty() && !cli.disable_protocol.is_empty() {
        eprintln!("sniff-demo: --enable-protocol http and --disable-protocol http contradict");
        return Ok(ExitCode::from(2));
    }
    let bulk = cli.scenario == ScenarioName::Bulk;
    if !bulk {
        let given = [
            ("--bytes", cli.bytes.is_some()),
            ("--rtt", cli.rtt.is_some()),
            ("--rate", cli.rate.is_some()),
            ("--loss", cli.loss.is_some()),
            ("--queue", cli.queue.is_some()),
            ("--seed", cli.seed.is_some()),
        ];
        if let Some((flag, _)) = given.iter().find(|(_, given)| *given) {
            eprintln!("sniff-demo: {flag} belongs to the bulk scenario: add --scenario bulk");
            return Ok(ExitCode::from(2));
        }
    }
    // A transfer across a slow link takes seconds, not milliseconds.
    let timeout = cli.timeout.unwrap_or(if bulk { 30.0 } else { 5.0 });
    let max = demo::MAX_TIMEOUT.as_secs_f64();
    if !(timeout.is_finite() && timeout > 0.0 && timeout <= max) {
        anyhow::bail!("--timeout must be a number of seconds above 0 and at most {max}");
    }
    let context = where_to_run(cli.private_netns, bulk)?;
    // Everything fits the terminal: stdout's width for the timeline, stderr's for progress.
    let out_width = cli
        .width
        .map(usize::from)
        .or_else(|| wrap::terminal_width(1));
    let err_width = cli
        .width
        .map(usize::from)
        .or_else(|| wrap::terminal_width(2));
    let progress = |text: &str| {
        let mut err = io::stderr().lock();
        let _ = wrap::write_hanging(&mut err, text, err_width, "", "  ");
    };
    if let Some(c) = &context {
        progress(c);
    }
    // Ctrl-C or SIGTERM stops the capture and keeps what it has (no thread is started).
    let interrupt = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&interrupt))
            .context("cannot install the Ctrl-C handler")?;
    }
    let opts = demo_options(&cli, timeout, context, interrupt);
    let stdout = io::stdout();
    let format = cli
        .format
        .map_or(Format::default_for(stdout.is_terminal()), Format::from);
    // The page's file is made before anything runs, so that a path it cannot write is said
    // at once, not after the exchange.
    let page = match &cli.html {
        Some(path) => Some((
            path,
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => None,
    };
    let report = match demo::run(&opts, |event| progress(&event.to_string())) {
        Ok(report) => report,
        Err(e) => {
            // No page without an exchange: the empty file goes.
            if let Some((path, _)) = &page {
                let _ = std::fs::remove_file(path);
            }
            return Err(e.into());
        }
    };
    let style = render::TableStyle {
        width: out_width.and_then(|w| u16::try_from(w).ok()),
        color: render::use_color(stdout.is_terminal()),
    };
    let mut out = stdout.lock();
    let mut lesson = report.lesson();
    let selected: Vec<sniffer::timeline::Row>;
    if let Some(filter) = &filter {
        let numbers = selected_frames(&report, filter, opts.http)?;
        selected = lesson
            .rows
            .iter()
            .filter(|row| numbers.contains(&row.number))
            .cloned()
            .collect();
        lesson.rows = &selected;
    }
    match &report.bulk {
        Some(bulk) => write_bulk(&mut out, &lesson, bulk, format, style)?,
        None => render::lesson::write_lesson(&mut out, &lesson, format, style, !cli.no_ladder)?,
    }
    if let Some(numbers) = &cli.details {
        write_details(&mut out, &report, numbers, format, (out_width, opts.http))?;
    }
    out.flush()?;
    drop(out);
    let mut err = io::stderr().lock();
    writeln!(err)?;
    summary::write_summary(&mut err, &report.summary(), err_width)?;
    if let Some((path, file)) = page {
        let (_, kept) = write_html(
            &report,
            filter.as_ref(),
            lesson.notes,
            opts.http,
            path,
            file,
        )?;
        writeln!(err, "page: {} ({kept} packets)", path.display())?;
    }
    Ok(if report.interrupted {
        // The shell's convention for "stopped by SIGINT".
        ExitCode::from(130)
    } else if report.timed_out {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The bulk scenario's output. Its thousands of packets are not listed in the table (the
/// saved file holds them; `sniffer read FILE` lists them): the table shows the link, the
/// checks and the lab's answers. Plain stays tshark's listing; JSON has the packets, the
/// checks and the answers.
fn write_bulk(
    out: &mut impl Write,
    lesson: &render::lesson::Lesson<'_>,
    bulk: &demo::bulk::BulkOutcome,
    format: Format,
    style: render::TableStyle,
) -> anyhow::Result<()> {
    let width = style.width.map(usize::from);
    match format {
        Format::Plain => render::lesson::write_lesson(out, lesson, format, style, false)?,
        Format::Json => {
            render::lesson::write_lesson(out, lesson, format, style, false)?;
            let way = |d: net_demo::link::DirectionStats| {
                serde_json::json!({
                    "delivered": d.delivered,
                    "lost": d.lost,
                    "queue_full": d.queue_full,
                    "max_queue": d.max_queue,
                })
            };
            let link = &bulk.options.link;
            serde_json::to_writer(
                &mut *out,
                &serde_json::json!({ "link": {
                    "rtt_ms": link.rtt.as_secs_f64() * 1e3,
                    "rate_bits_per_sec": link.rate,
                    "queue_packets": link.queue,
                    "loss": link.loss,
                    "seed": link.seed,
                    "bytes": bulk.options.bytes,
                    "received": bulk.received,
                    "elapsed_ms": bulk.elapsed.as_secs_f64() * 1e3,
                    "client_to_server": way(bulk.link.forward),
                    "server_to_client": way(bulk.link.backward),
                }}),
            )?;
            writeln!(out)?;
            render::lab::write_labs_json(out, &bulk.labs)?;
        }
        Format::Table => {
            for line in lesson.notes.iter().cloned().chain(bulk.describe()) {
                let indent = if line.starts_with("  ") { "    " } else { "  " };
                render::wrap::write_hanging(out, &line, width, "", indent)?;
            }
            writeln!(out)?;
            let reports: Vec<_> = lesson
                .conversations
                .iter()
                .map(sniffer::flow::report::ConversationReport::of)
                .collect();
            render::explain::write_reports(out, &reports, style.color, width)?;
            render::lab::write_labs(out, &bulk.labs, width)?;
        }
    }
    Ok(())
}

/// The capture as one HTML page written to `file`, made at `page` (the frames `filter`
/// selects, the scenario's `notes`, HTTP rows with `http`): read back
/// from the saved file, or from the frames kept in memory when nothing was saved. Returns
/// the frames selected and those the page holds.
fn write_html(
    report: &demo::DemoReport,
    filter: Option<&sniffer::filter::DisplayFilter>,
    notes: &[String],
    http: bool,
    page: &std::path::Path,
    file: std::fs::File,
) -> anyhow::Result<(u64, usize)> {
    let mut html = sniffer::listing::HtmlPage::new(filter);
    html.notes(notes);
    // Its rows are the ones printed.
    if http {
        html.enable_http();
    }
    let title = match &report.saved {
        Some(path) => {
            let mut source = FileCapture::open(path)?;
            while let Some(frame) = source.next_frame()? {
                html.frame(&frame)?;
            }
            path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        }
        None => {
            for owned in &report.frames {
                html.frame(&owned.frame())?;
            }
            "sniff-demo".to_owned()
        }
    };
    let write = || -> io::Result<(u64, usize)> {
        let mut out = io::BufWriter::new(file);
        let counts = html.finish(&title, &mut out)?;
        out.flush()?;
        Ok(counts)
    };
    write().with_context(|| format!("cannot write {}", page.display()))
}

/// The numbers of the captured frames `filter` selects, judged on their trees (with HTTP's
/// fields, with `http`) as read back from the saved file (or from the frames kept in memory
/// when nothing was saved).
fn selected_frames(
    report: &demo::DemoReport,
    filter: &sniffer::filter::DisplayFilter,
    http: bool,
) -> anyhow::Result<std::collections::HashSet<u64>> {
    let mut details = sniffer::listing::Details::for_filter(filter, http);
    let mut numbers = std::collections::HashSet::new();
    let mut number = 0u64;
    let mut judge = |details: &mut sniffer::listing::Details, frame: &sniffer::frame::Frame<'_>| {
        number += 1;
        if filter.matches(details.tree(frame)) {
            details.displayed(frame.ts);
            numbers.insert(number);
        }
    };
    match &report.saved {
        Some(path) => {
            let mut source = FileCapture::open(path)?;
            while let Some(frame) = source.next_frame()? {
                judge(&mut details, &frame);
            }
        }
        None => {
            for owned in &report.frames {
                judge(&mut details, &owned.frame());
            }
        }
    }
    Ok(numbers)
}

/// The packet details of the captured frames numbered `numbers` (all when empty; HTTP's
/// too, with `http`): read back from the saved file, so that they are what Wireshark shows of it (the comments and
/// the interface included); from the frames kept in memory when nothing was saved.
fn write_details(
    out: &mut impl Write,
    report: &demo::DemoReport,
    numbers: &[u64],
    format: Format,
    (width, http): (Option<usize>, bool),
) -> anyhow::Result<()> {
    if format == Format::Json {
        anyhow::bail!("--details prints text: use it with --format table or plain");
    }
    let mut details = sniffer::listing::Details::new();
    if http {
        details.enable_http();
    }
    let mut kept: Vec<(sniffer::tree::Tree, Vec<u8>)> = Vec::new();
    match &report.saved {
        Some(path) => {
            let mut source = FileCapture::open(path)?;
            while let Some(frame) = source.next_frame()? {
                kept.push((details.tree(&frame).clone(), frame.data.to_vec()));
            }
        }
        None => {
            for owned in &report.frames {
                kept.push((details.tree(&owned.frame()).clone(), owned.data.clone()));
            }
        }
    }
    let packets: Vec<render::details::PacketDetails<'_>> = kept
        .iter()
        .enumerate()
        .map(|(i, (tree, data))| (i as u64 + 1, tree, data))
        .filter(|(number, _, _)| numbers.is_empty() || numbers.contains(number))
        .map(|(number, tree, data)| render::details::PacketDetails {
            number,
            tree: tree.clone(),
            data,
        })
        .collect();
    render::details::write_lesson_details(out, &packets, format == Format::Plain, width)?;
    Ok(())
}

/// Where the demo runs: on the host, or in a private network namespace (entered here, before
/// any thread starts, as it must be) when asked to or when this user may not capture on the
/// host; then the sentence that says so.
fn where_to_run(private_netns: bool, bulk: bool) -> anyhow::Result<Option<String>> {
    if bulk {
        netns::enter_private_netns()?;
        return Ok(Some(
            "Ran in two private network namespaces, the client's and the server's, joined by an \
             emulated link (always, for the bulk scenario): only this demo's traffic exists there"
                .to_owned(),
        ));
    }
    let reason = match (privileges::may_capture(), private_netns) {
        (_, true) => "asked for with --private-netns",
        (Ok(false), false) => "this user may not capture on the host (no root, no CAP_NET_RAW)",
        // Anything else is reported by the demo itself, with its device.
        (Ok(true) | Err(_), false) => return Ok(None),
    };
    netns::enter_private_netns()?;
    Ok(Some(format!(
        "Ran in a private network namespace ({reason}): its own loopback interface, where only \
         this demo's traffic exists"
    )))
}

/// The demo's options from the command line.
fn demo_options(
    cli: &Cli,
    timeout: f64,
    context: Option<String>,
    interrupt: Arc<AtomicBool>,
) -> DemoOptions {
    DemoOptions {
        host: cli.host.clone(),
        port: cli.port,
        scenario: match cli.scenario {
            ScenarioName::Greeting => Scenario::Greeting,
            ScenarioName::Concurrent => Scenario::Concurrent {
                clients: usize::from(cli.clients),
            },
            ScenarioName::Udp => Scenario::Udp,
            ScenarioName::Http10 => Scenario::Http10,
            ScenarioName::Http11 => Scenario::Http11,
            ScenarioName::Refused => Scenario::Refused,
            ScenarioName::Bulk => Scenario::Bulk,
        },
        bulk: {
            let default = demo::bulk::BulkOptions::default();
            demo::bulk::BulkOptions {
                bytes: cli.bytes.unwrap_or(default.bytes),
                link: net_demo::link::LinkConfig {
                    rtt: cli.rtt.unwrap_or(default.link.rtt),
                    rate: cli.rate.or(default.link.rate),
                    loss: cli.loss.unwrap_or(default.link.loss),
                    queue: cli.queue.map(|q| q as usize).or(default.link.queue),
                    seed: cli.seed.unwrap_or(default.link.seed),
                },
            }
        },
        greeting: cli.greeting.clone(),
        save: if cli.no_save {
            Save::No
        } else {
            demo::save_target(Some(&cli.out), Path::new("captures"))
        },
        timeout: Duration::from_secs_f64(timeout),
        // HTTP as Wireshark's default view shows it: on for the HTTP scenarios.
        http: !cli.enable_protocol.is_empty()
            || (cli.disable_protocol.is_empty()
                && matches!(cli.scenario, ScenarioName::Http10 | ScenarioName::Http11)),
        device: None,
        // Under sudo, on the host: root is given up for the invoking user.
        drop_to: if context.is_none() {
            privileges::sudo_user()
        } else {
            None
        },
        context,
        interrupt: Some(interrupt),
    }
}
