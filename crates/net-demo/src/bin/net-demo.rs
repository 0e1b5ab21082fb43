//! `net-demo server` / `net-demo client`: the lesson's two programs on their own;
//! `net-demo bulk`: a bulk transfer over loopback, to load a live capture.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use net_demo::cli::Generate;
use net_demo::{DEFAULT_GREETING, DEFAULT_HOST, DEFAULT_PORT};

/// The greeting server and client of the classic socket exercise.
#[derive(Parser)]
#[command(name = "net-demo", version)]
struct Cli {
    /// Write the man page or a shell's completion script to stdout, and exit.
    #[arg(long, value_enum, value_name = "KIND")]
    generate: Option<Generate>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Listen, send the greeting to every client and close the connection (Ctrl-C stops).
    Server {
        /// Address to listen on (IPv4 or IPv6, e.g. ::1).
        #[arg(long, default_value = DEFAULT_HOST)]
        host: String,
        /// Port to listen on; 0 picks a free one.
        #[arg(long, default_value_t = DEFAULT_PORT)]
        port: u16,
        /// What to send to each client.
        #[arg(long, default_value = DEFAULT_GREETING)]
        greeting: String,
    },
    /// Connect, print what the server sends, close.
    Client {
        /// Server address or name.
        #[arg(long, default_value = DEFAULT_HOST)]
        host: String,
        /// Server port.
        #[arg(long, default_value_t = DEFAULT_PORT)]
        port: u16,
    },
    /// Send a bulk of bytes over loopback to a sink on one connection, to load a live capture
    /// (e.g. `sniffer live -w FILE tcp port 12346`); prints the throughput.
    Bulk {
        /// How much to send: 65536, 100K, 512M, 4G (powers of 1024).
        #[arg(long, default_value = "1G", value_parser = net_demo::bulk::parse_size)]
        bytes: u64,
        /// Pace the sender to this many megabits per second [default: as fast as possible].
        #[arg(long, value_name = "MBIT_PER_SEC")]
        rate: Option<u64>,
        /// Loopback address of the sink.
        #[arg(long, default_value = DEFAULT_HOST)]
        host: String,
        /// Port of the sink; 0 picks a free one.
        #[arg(long, default_value_t = 12346)]
        port: u16,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(kind) = cli.generate {
        return net_demo::cli::print_generated(Cli::command(), kind, "net-demo");
    }
    let Some(command) = cli.command else {
        Cli::command()
            .error(
                clap::error::ErrorKind::MissingSubcommand,
                "a subcommand is required: server, client or bulk",
            )
            .exit()
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("net-demo: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(run(command)).map(|()| ExitCode::SUCCESS);
    net_demo::cli::finish(result, |e| eprintln!("net-demo: {e}"))
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Server {
            host,
            port,
            greeting,
        } => {
            let addr = net_demo::resolve(&host, port).await?;
            let listener = net_demo::bind(addr)?;
            let local = listener.local_addr()?;
            // Install the handlers before announcing the server, so that a Ctrl-C (or
            // SIGTERM) sent as soon as it says it listens already stops it cleanly.
            use tokio::signal::unix::{signal, SignalKind};
            let mut interrupt = signal(SignalKind::interrupt())?;
            let mut terminate = signal(SignalKind::terminate())?;
            println!("listening on {local} (Ctrl-C to stop)");
            let shutdown = async move {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            };
            let greeted = net_demo::serve(listener, greeting.into_bytes(), shutdown, |peer| {
                println!("connection from {peer}");
            })
            .await?;
            println!("stopped after greeting {greeted} client(s)");
        }
        Command::Bulk {
            bytes,
            rate,
            host,
            port,
        } => {
            let addr = net_demo::resolve(&host, port).await?;
            let report =
                net_demo::bulk::transfer(addr, bytes, rate.map(|m| m.saturating_mul(1_000_000)))
                    .await?;
            println!(
                "sent {} bytes to port {} in {:.2} s: {:.2} Gbit/s",
                report.received,
                report.port,
                report.elapsed.as_secs_f64(),
                report.bits_per_sec() / 1e9
            );
        }
        Command::Client { host, port } => {
            let addr = net_demo::resolve(&host, port).await?;
            let received = net_demo::fetch_greeting(addr).await?;
            println!("{}", String::from_utf8_lossy(&received));
        }
    }
    Ok(())
}
