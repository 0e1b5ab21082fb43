//! Errors a user of the demo can run into, each naming the address it is about and what to do.

use std::io;
use std::net::SocketAddr;

/// What went wrong while binding, connecting or exchanging the greeting.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The name given with `--host` did not resolve to any address.
    #[error("unknown host '{host}': {reason}")]
    UnknownHost { host: String, reason: String },

    /// Another socket already listens on this address.
    #[error("port {} on {} is already in use; pick another one with --port", addr.port(), addr.ip())]
    AddrInUse { addr: SocketAddr },

    /// The address is not one of this machine's (for example a typo in `--host`).
    #[error("cannot listen on {addr}: that address is not on this machine")]
    AddrNotAvailable { addr: SocketAddr },

    /// Nobody listens on the port the client tried.
    #[error("connection refused by {addr}: is a server listening there? (start one with `net-demo server --port {}`)", addr.port())]
    Refused { addr: SocketAddr },

    /// The bulk transfer only runs over loopback.
    #[error("{addr} is not a loopback address: the bulk transfer stays on this machine (use 127.0.0.1 or ::1)")]
    NotLoopback { addr: std::net::IpAddr },

    /// A UDP request got no answer in time.
    #[error("no answer from {addr} over UDP: is a UDP server listening there?")]
    NoReply { addr: SocketAddr },

    /// Anything else the operating system reported, with the operation and address.
    #[error("{op} {addr}: {source}")]
    Io {
        op: &'static str,
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
}

impl NetError {
    /// Classifies an I/O error from `bind`/`listen` on `addr`.
    pub(crate) fn from_bind(addr: SocketAddr, source: io::Error) -> Self {
        match source.kind() {
            io::ErrorKind::AddrInUse => NetError::AddrInUse { addr },
            io::ErrorKind::AddrNotAvailable => NetError::AddrNotAvailable { addr },
            _ => NetError::Io {
                op: "cannot listen on",
                addr,
                source,
            },
        }
    }

    /// Classifies an I/O error from `connect` or the exchange with `addr`.
    pub(crate) fn from_connect(addr: SocketAddr, source: io::Error) -> Self {
        match source.kind() {
            io::ErrorKind::ConnectionRefused => NetError::Refused { addr },
            _ => NetError::Io {
                op: "cannot talk to",
                addr,
                source,
            },
        }
    }
}
