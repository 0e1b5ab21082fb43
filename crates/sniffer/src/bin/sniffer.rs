//! `sniffer read FILE` / `sniffer live …`: the timeline of a capture file or a live device.

use std::io::{self, IsTerminal, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand};
use net_demo::cli::Generate;
use sniffer::capture::{LiveCapture, LiveOptions, DEFAULT_SNAPLEN};
use sniffer::cli::{DetailArgs, FormatArg};
use sniffer::listing;
use sniffer::pcapfile::{FileCapture, STDIN_NAME};
use sniffer::render::{self, Format, TableStyle};
use sniffer::write::PcapWriter;

/// Read or capture packets and show them as Wireshark does, with each TCP segment's role.
#[derive(Parser)]
#[command(name = "sniffer", version, disable_version_flag = true)]
struct Cli {
    /// Print the version and exit (`-V` is the packet details, as in tshark).
    #[arg(long, action = clap::ArgAction::Version)]
    version: Option<bool>,
    /// Write the man page or a shell's completion script to stdout, and exit.
    #[arg(long, value_enum, value_name = "KIND")]
    generate: Option<Generate>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Show the packets of a pcap or pcapng file.
    Read {
        /// The capture file; `-` reads standard input, showing each packet as it arrives
        /// (`tcpdump -U -w - | sniffer read -`).
        file: PathBuf,
        /// Output format [default: table on a terminal, plain otherwise].
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        /// Fit the table, checks and ladders to this many columns [default: the terminal's;
        /// no limit when not printing to a terminal].
        #[arg(long, value_parser = clap::value_parser!(u16).range(40..))]
        width: Option<u16>,
        /// After the listing, check each TCP conversation (handshake and close numbers, ✓/✗
        /// with the reason) and answer the TCP lab's questions, each with its frame numbers:
        /// ISNs and SYN options, RTT samples and the RFC 6298 estimator, windows, loss, the
        /// ACK pattern, bytes in flight, throughput and congestion phases.
        #[arg(long)]
        explain: bool,
        /// With --explain: only TCP stream N (Wireshark's tcp.stream).
        #[arg(long, value_name = "N", requires = "explain")]
        stream: Option<u32>,
        /// After the listing, draw a ladder diagram of each TCP conversation.
        #[arg(long)]
        ladder: bool,
        /// After the listing, show the payload of TCP stream N as text (Follow TCP Stream).
        #[arg(long, value_name = "N")]
        follow: Option<u32>,
        /// Never show the progress bar (otherwise shown on stderr, when stderr is a terminal
        /// and stdout is not, for files of 16 MiB or more).
        #[arg(long)]
        no_progress: bool,
        /// Write one self-contained HTML page instead of the listing: the packet list, each
        /// packet's details and bytes, and a ladder per TCP conversation (-Y selects the
        /// packets that go in)
        #[arg(long, value_name = "PAGE")]
        html: Option<PathBuf>,
        /// Decode this protocol as tshark does with its dissector on: `http` (HTTP/1.x
        /// requests and responses in the Protocol and Info columns, with TCP's reassembly;
        /// their fields in -V, -x, -T, -Y and --html). -z http,tree and -z http_req,tree turn
        /// it on
        #[arg(long = "enable-protocol", value_name = "PROTOCOL")]
        enable_protocol: Vec<String>,
        #[command(flatten)]
        details: DetailArgs,
        /// After the listing, a statistic as tshark prints it: conv,TYPE or endpoints,TYPE
        /// (TYPE: eth, ip, ipv6, tcp, udp) or io,phs, optionally followed by ,FILTER; or
        /// io,stat,INTERVAL[,COLUMN…] (COLUMN: FILTER or FUNC(FIELD)FILTER, FUNC one of
        /// FRAMES, BYTES, COUNT, SUM, MIN, MAX, AVG); or follow,tcp|udp,ascii|hex|raw,STREAM;
        /// or flow,tcp,standard|network[,FILTER]; or expert; repeatable
        #[arg(short = 'z', value_name = "STATISTIC")]
        stats: Vec<String>,
        /// Print only the statistics (-z) or the answers (--explain), not the packets
        #[arg(short = 'q')]
        quiet: bool,
    },
    /// Capture on a device and show each packet as it arrives (Ctrl-C stops).
    Live {
        /// Interface to capture on [default: the loopback device].
        #[arg(short = 'i', long = "interface")]
        interface: Option<String>,
        /// BPF capture filter, e.g. "tcp port 12345" (or give it after the options, as with
        /// tcpdump).
        #[arg(short = 'f', long = "filter")]
        filter: Option<String>,
        /// Also write the packets to this pcap file (it must not exist yet); `-` writes the
        /// pcap to standard output instead of the listing (`sniffer live -w - | tshark -r -`).
        #[arg(short = 'w', long = "write")]
        write: Option<PathBuf>,
        /// Stop after this many packets.
        #[arg(short = 'c', long = "count")]
        count: Option<u64>,
        /// Bytes to keep of each packet.
        #[arg(short = 's', long = "snaplen", default_value_t = DEFAULT_SNAPLEN)]
        snaplen: u32,
        /// Kernel capture buffer size in KiB (as tcpdump's -B) [default: 65536].
        #[arg(short = 'B', long = "buffer-size")]
        buffer_size_kib: Option<u32>,
        /// Output format [default: plain]. The table is printed a page at a time.
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        /// No listing: only save (with -w, as `tcpdump -w` does) or only the statistics
        /// (with -z); the counts still end the capture.
        #[arg(short = 'q', long)]
        quiet: bool,
        /// Deliver each packet as soon as it arrives. The default when stdout is a terminal
        /// (as tcpdump does); otherwise packets come in kernel blocks (at most a read timeout
        /// late), which keeps up better with heavy traffic.
        #[arg(long)]
        immediate: bool,
        #[command(flatten)]
        details: DetailArgs,
        /// When the capture ends, a statistic as tshark prints it (as for `sniffer read`)
        #[arg(short = 'z', value_name = "STATISTIC")]
        stats: Vec<String>,
        /// Decode this protocol as tshark does with its dissector on: `http` (as for
        /// `sniffer read`)
        #[arg(long = "enable-protocol", value_name = "PROTOCOL")]
        enable_protocol: Vec<String>,
        /// Filter expression, as tcpdump takes it: the remaining words.
        #[arg(trailing_var_arg = true)]
        expression: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(kind) = cli.generate {
        return net_demo::cli::print_generated(Cli::command(), kind, "sniffer");
    }
    let Some(command) = cli.command else {
        Cli::command()
            .error(
                clap::error::ErrorKind::MissingSubcommand,
                "a subcommand is required: read or live",
            )
            .exit()
    };
    net_demo::cli::finish(run(command), |e| {
        render::wrap::report_error("sniffer", &format!("{e:#}"));
    })
}

/// What errors call standard output, when the pcap goes there.
const STDOUT_NAME: &str = "standard output";

/// Bytes of listing gathered before each write to stdout.
const OUTPUT_BUFFER: usize = 256 * 1024;

/// Files this big or bigger get a progress bar.
const PROGRESS_MIN_BYTES: u64 = 16 << 20;

/// A progress bar over the bytes of a file of `size` bytes, drawn on stderr.
fn progress_bar(size: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(size),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "reading [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}, {eta} left",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.tick();
    bar
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Read {
            file,
            format,
            width,
            explain,
            stream,
            ladder,
            follow,
            no_progress,
            html,
            enable_protocol,
            details,
            stats,
            quiet,
        } => {
            // The filter is compiled before anything is read; its refusal exits with 2.
            let Ok(filter) = display_filter(&details) else {
                return Ok(ExitCode::from(2));
            };
            let http = match enabled_http(&enable_protocol, &stats) {
                Ok(http) => http,
                Err(e) => anyhow::bail!(e),
            };
            if let Some(page) = html {
                if format.is_some()
                    || explain
                    || ladder
                    || follow.is_some()
                    || !stats.is_empty()
                    || quiet
                    || details.format().map_err(|e| anyhow::anyhow!(e))?.is_some()
                {
                    anyhow::bail!(
                        "--html writes the page instead of the listing: it takes -Y, and none \
                         of --format, --explain, --ladder, --follow, -V, -x, -T, -z and -q"
                    );
                }
                return read_html(file, &page, filter.as_ref(), http);
            }
            if !stats.is_empty() || (quiet && !explain) {
                let Ok(mut parsed) = statistics(&stats) else {
                    return Ok(ExitCode::from(2));
                };
                let shown = details.format().map_err(|e| anyhow::anyhow!(e))?;
                if format.is_some_and(|f| !matches!(f, FormatArg::Plain))
                    || explain
                    || ladder
                    || follow.is_some()
                {
                    anyhow::bail!(
                        "-z and -q go with the plain listing, -V, -x and -T: --format table or \
                         json, --explain, --ladder and --follow do not take them"
                    );
                }
                return read_stats(
                    file,
                    filter.as_ref(),
                    &mut parsed,
                    shown.as_ref(),
                    (quiet, http),
                );
            }
            match details.format().map_err(|e| anyhow::anyhow!(e))? {
                Some(_) if format.is_some() || explain || ladder || follow.is_some() => {
                    anyhow::bail!(
                        "-V, -x and -T fields print each packet instead of the listing: --format, \
                         --explain, --ladder and --follow go with the listing"
                    )
                }
                Some(wanted) => read_details(file, &wanted, filter.as_ref(), http),
                None => {
                    if filter.is_some() && (explain || ladder || follow.is_some()) {
                        anyhow::bail!(
                            "-Y selects the rows of the listing: --explain, --ladder and \
                             --follow report on whole conversations and go without it"
                        );
                    }
                    let filter = filter.map(std::sync::Arc::new);
                    read(
                        file,
                        format,
                        width,
                        Explain {
                            explain,
                            stream,
                            quiet,
                        },
                        ladder,
                        follow,
                        no_progress,
                        filter,
                        http,
                    )
                }
            }
        }
        Command::Live {
            interface,
            filter,
            write,
            count,
            snaplen,
            buffer_size_kib,
            format,
            immediate,
            quiet,
            details,
            stats,
            enable_protocol,
            expression,
        } => {
            // Checked before anything is captured.
            let http = match enabled_http(&enable_protocol, &stats) {
                Ok(http) => http,
                Err(e) => anyhow::bail!(e),
            };
            let Ok(display_filter) = display_filter(&details) else {
                return Ok(ExitCode::from(2));
            };
            let Ok(parsed) = statistics(&stats) else {
                return Ok(ExitCode::from(2));
            };
            if quiet && write.is_none() && parsed.is_empty() {
                eprintln!(
                    "sniffer: -q leaves out the listing: give -w/--write FILE to save, or -z to \
                     count"
                );
                return Ok(ExitCode::from(2));
            }
            if !parsed.is_empty()
                && (format.is_some_and(|f| !matches!(f, FormatArg::Plain))
                    || write.as_deref() == Some(Path::new("-")))
            {
                anyhow::bail!(
                    "-z goes with the plain listing, -q, -V, -x and -T: --format table or json \
                     and -w - (the capture on standard output) do not take it"
                );
            }
            let display_filter = display_filter.map(std::sync::Arc::new);
            let details = details.format().map_err(|e| anyhow::anyhow!(e))?;
            if details.is_some() && format.is_some() {
                anyhow::bail!(
                    "-V, -x and -T fields print each packet instead of the listing: --format \
                     goes with the listing"
                );
            }
            let filter = match (filter, expression.is_empty()) {
                (Some(f), true) => f,
                (None, _) => expression.join(" "),
                (Some(_), false) => {
                    anyhow::bail!("give the filter either with -f or after the options, not both")
                }
            };
            let mut opts = LiveOptions::loopback(filter);
            if let Some(device) = interface {
                opts.device = device;
            }
            opts.snaplen = snaplen;
            opts.immediate = immediate || io::stdout().is_terminal();
            if let Some(kib) = buffer_size_kib {
                opts.buffer_size = Some(kib.saturating_mul(1024));
            }
            live(
                opts,
                write,
                count,
                format,
                (quiet, http),
                details,
                display_filter,
                parsed,
            )
        }
    }
}

/// Whether HTTP is decoded: `--enable-protocol http` (the only protocol it names), or
/// HTTP's statistics, which count what HTTP reads.
fn enabled_http(enable_protocol: &[String], stats: &[String]) -> Result<bool, String> {
    if let Some(other) = enable_protocol
        .iter()
        .find(|p| !p.eq_ignore_ascii_case("http"))
    {
        return Err(format!(
            "--enable-protocol {other}: the protocol it can enable is http"
        ));
    }
    Ok(!enable_protocol.is_empty()
        || stats
            .iter()
            .any(|z| z.starts_with("http,tree") || z.starts_with("http_req,tree")))
}

/// The statistics of `-z`, read; a refusal is printed (the caller exits with 2).
fn statistics(args: &[String]) -> Result<Vec<sniffer::stats::Stat>, ()> {
    args.iter()
        .map(|arg| sniffer::stats::Stat::parse(arg))
        .collect::<Result<_, _>>()
        .map_err(|e| eprintln!("sniffer: {e}"))
}

/// The display filter of `-Y`, compiled; a refusal is printed as tshark prints it (the
/// caller exits with 2).
fn display_filter(details: &DetailArgs) -> Result<Option<sniffer::filter::DisplayFilter>, ()> {
    details
        .filter()
        .map_err(|message| eprintln!("sniffer: {message}"))
}

/// `sniffer read -z …`: the plain listing, or the packets as `shown` says (`-V`, `-x`, `-T`),
/// unless `quiet`; then the statistics.
fn read_stats(
    file: PathBuf,
    filter: Option<&sniffer::filter::DisplayFilter>,
    stats: &mut [sniffer::stats::Stat],
    shown: Option<&render::details::DetailsFormat>,
    (quiet, http): (bool, bool),
) -> anyhow::Result<ExitCode> {
    let mut source = open_source(&file)?;
    let reports = listing::Reports {
        stats,
        shown,
        quiet,
        http,
    };
    listing::read_stats(&mut source, filter, reports, io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

/// The capture `sniffer read` reads: the file, or standard input for `-`.
fn open_source(
    file: &Path,
) -> Result<FileCapture<sniffer::readahead::ReadAhead>, sniffer::error::CaptureError> {
    match file.as_os_str() == "-" {
        true => FileCapture::stdin(),
        false => FileCapture::open(file),
    }
}

/// `sniffer read -V/-x/-T fields`: each packet's details, bytes or field values (of the
/// packets `filter` selects, if one is given).
fn read_details(
    file: PathBuf,
    format: &render::details::DetailsFormat,
    filter: Option<&sniffer::filter::DisplayFilter>,
    http: bool,
) -> anyhow::Result<ExitCode> {
    let mut source = open_source(&file)?;
    listing::read_details(&mut source, format, filter, http, io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

/// `sniffer read FILE --html PAGE`: the page written (the packets `filter` selects), and a
/// line on stderr saying where.
fn read_html(
    file: PathBuf,
    page: &Path,
    filter: Option<&sniffer::filter::DisplayFilter>,
    http: bool,
) -> anyhow::Result<ExitCode> {
    let mut source = open_source(&file)?;
    let mut out = io::BufWriter::new(
        std::fs::File::create(page)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", page.display()))?,
    );
    // Titled by the file's name, as Wireshark's window is.
    let title = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let (seen, kept) = listing::read_html(&mut source, filter, &title, http, &mut out)?;
    out.flush()
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", page.display()))?;
    if seen > kept as u64 {
        eprintln!(
            "sniffer: wrote {} with the first {kept} of {seen} packets",
            page.display()
        );
    } else {
        eprintln!("sniffer: wrote {} ({kept} packets)", page.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `--explain`, `--stream` and `-q` (which, with --explain, leaves the listing out).
struct Explain {
    explain: bool,
    stream: Option<u32>,
    quiet: bool,
}

/// `sniffer read`: the file (or standard input) listed to stdout.
#[allow(clippy::too_many_arguments)]
fn read(
    file: PathBuf,
    format: Option<FormatArg>,
    width: Option<u16>,
    explain: Explain,
    ladder: bool,
    follow: Option<u32>,
    no_progress: bool,
    filter: Option<std::sync::Arc<sniffer::filter::DisplayFilter>>,
    http: bool,
) -> anyhow::Result<ExitCode> {
    let Explain {
        explain,
        stream,
        quiet,
    } = explain;
    let format = format.map(Format::from);
    if format == Some(Format::Json) && (ladder || follow.is_some()) {
        anyhow::bail!(
            "--ladder and --follow draw text: use them with --format table or plain \
             (with --format json, --explain adds one object per conversation)"
        );
    }
    let stdout = io::stdout();
    let is_tty = stdout.is_terminal();
    let from_stdin = file.as_os_str() == "-";
    let (mut source, name) = if from_stdin {
        (FileCapture::stdin()?, Path::new(STDIN_NAME))
    } else if format != Some(Format::Json)
        && filter.as_ref().is_some_and(|f| f.prefilter().is_some())
    {
        // Most frames will be skipped undecoded: read the file where it lies.
        (FileCapture::open_mapped(&file)?, file.as_path())
    } else {
        (FileCapture::open(&file)?, file.as_path())
    };
    // When the listing goes to a file or a pipe, a big file's progress shows on the terminal
    // instead.
    let size = if from_stdin {
        0
    } else {
        std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0)
    };
    let bar = (!no_progress && !is_tty && io::stderr().is_terminal() && size >= PROGRESS_MIN_BYTES)
        .then(|| progress_bar(size));
    let width = width
        .map(usize::from)
        .or_else(|| render::wrap::terminal_width(1));
    let opts = listing::ReadOptions {
        format: format.unwrap_or(Format::default_for(is_tty)),
        style: TableStyle {
            width: width.and_then(|w| u16::try_from(w).ok()),
            color: render::use_color(is_tty),
        },
        explain,
        stream,
        quiet,
        ladder,
        follow,
        streaming: from_stdin,
        filter,
        http,
    };
    // A big buffer: one write(2) per 256 KiB of listing, not per 8 KiB.
    let out = io::BufWriter::with_capacity(OUTPUT_BUFFER, stdout.lock());
    let listed = listing::read(&mut source, name, &opts, out, |offset| {
        if let Some(bar) = &bar {
            bar.set_position(offset);
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    listed?;
    Ok(ExitCode::SUCCESS)
}

/// `sniffer live`: capture, save and list until Ctrl-C or the count; the kernel's counters
/// are printed whatever stops it.
#[allow(clippy::too_many_arguments)]
fn live(
    opts: LiveOptions,
    write: Option<PathBuf>,
    count: Option<u64>,
    format: Option<FormatArg>,
    (quiet, http): (bool, bool),
    details: Option<render::details::DetailsFormat>,
    display_filter: Option<std::sync::Arc<sniffer::filter::DisplayFilter>>,
    mut stats: Vec<sniffer::stats::Stat>,
) -> anyhow::Result<ExitCode> {
    let stdout = io::stdout();
    let is_tty = stdout.is_terminal();
    let mut live = LiveCapture::open(&opts)?;
    // The capture is open: give up root (to the invoking user under sudo) and every
    // capability before anything else happens, as dumpcap and tcpdump -Z do.
    sniffer::privileges::give_up(sniffer::privileges::sudo_user())?;
    let to_stdout = write.as_deref() == Some(Path::new("-"));
    let mut writer = match &write {
        Some(_) if to_stdout => {
            let fd = stdout
                .as_fd()
                .try_clone_to_owned()
                .context("cannot write to standard output")?;
            Some(PcapWriter::from_file(
                &live,
                std::fs::File::from(fd),
                Path::new(STDOUT_NAME),
            )?)
        }
        Some(path) => Some(PcapWriter::create(&live, path)?),
        None => None,
    };
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("cannot install the Ctrl-C handler")?;
    }
    eprintln!(
        "capturing on {} ({}){}",
        live.device(),
        live.linktype(),
        if live.filter().is_empty() {
            String::new()
        } else {
            format!(" with filter \"{}\"", live.filter())
        }
    );
    let opts = listing::LiveOptions {
        format: format.map_or(Format::Plain, Format::from),
        style: TableStyle {
            width: render::wrap::terminal_width(1).and_then(|w| u16::try_from(w).ok()),
            color: render::use_color(is_tty),
        },
        // The pcap takes standard output: no listing there.
        quiet: quiet || to_stdout,
        count,
        filter: display_filter,
        http,
    };
    let out = io::BufWriter::new(stdout.lock());
    let (frames, captured) = match &details {
        _ if !stats.is_empty() => listing::live_stats(
            &mut live,
            &opts,
            writer.as_mut(),
            &stop,
            listing::Reports {
                stats: &mut stats,
                shown: details.as_ref(),
                quiet,
                http,
            },
            out,
        ),
        Some(wanted) => {
            listing::live_details(&mut live, &opts, writer.as_mut(), &stop, wanted, out)
        }
        None => listing::live(&mut live, &opts, writer.as_mut(), &stop, out),
    };
    let stats = live.stats()?;
    let mut err = io::stderr().lock();
    writeln!(
        err,
        "{frames} packets captured, {} received by filter, {} dropped by kernel",
        stats.received, stats.dropped
    )?;
    // A reader of the pcap on standard output that went away (`| head`, tshark quit) is a
    // broken pipe here: the end of the job, as `main` treats it.
    captured?;
    if let (Some(w), Some(path)) = (writer, write) {
        w.finish()?;
        if !to_stdout {
            writeln!(err, "saved {}", path.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
