//! The lesson that `sniff-demo` captures: a greeting server and its client, in tokio.
//!
//! The classic socket exercise has a server on port 12345 that sends `welcome to python!` to
//! every client and closes the connection; the client connects, reads until the server closes,
//! and closes too. On the wire that is a three-way handshake, one data segment, its ACK and the
//! close, which is exactly what the `sniffer` crate then explains.
//!
//! # Layout
//! - [`server`]: bind (port 0 allowed, backlog 5), accept loop, greet, close first. Shutdown is a
//!   parameter, so a caller (a test, `sniff-demo`) can stop the server and know it stopped.
//! - [`client`]: connect, read to EOF, close; returns what it received. The socket can be
//!   bound first ([`client::bind_client`]), so that its port is known before anything is sent.
//! - [`udp`]: the greeting over UDP (one datagram each way, no connection).
//! - [`http`]: a minimal HTTP/1.0 and HTTP/1.1 server and client (a connection per request,
//!   or one kept alive).
//! - [`bulk`]: a bulk transfer over loopback (a sink and a sender, as fast as possible or
//!   paced), to load a live capture with; it also runs across the emulated link.
//! - [`link`]: a network path emulated in user space (delay, bottleneck rate, drop-tail
//!   queue, seeded random loss) between two packet devices, as mahimahi does.
//! - [`error`]: the failures a user can cause (port in use, connection refused, unknown host),
//!   each with one clear line.
//! - [`cli`]: `--generate` (man page, shell completions), shared by the workspace's
//!   binaries.
//! - `bin/net-demo.rs`: `net-demo server …` / `net-demo client …` / `net-demo bulk …`, a thin
//!   wrapper.

pub mod bulk;
pub mod cli;
pub mod client;
pub mod error;
pub mod http;
pub mod link;
pub mod server;
pub mod udp;

pub use client::{bind_client, fetch_greeting, fetch_greeting_from};
pub use error::NetError;
pub use server::{
    bind, listen_std, resolve, resolve_blocking, serve, DEFAULT_GREETING, DEFAULT_HOST,
    DEFAULT_PORT,
};
