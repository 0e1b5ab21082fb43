//! A bulk transfer over loopback, to load a live capture: a sink that reads and discards
//! everything on one connection, and a sender that writes a given number of bytes as fast as
//! it can, or paced to a given rate.
//!
//! Only loopback addresses are accepted: this is traffic to measure a capture with, and it
//! never leaves the machine.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::error::NetError;

/// Bytes per write.
pub const CHUNK: usize = 256 * 1024;

/// What a transfer did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BulkReport {
    /// Bytes the sender wrote.
    pub sent: u64,
    /// Bytes the sink read.
    pub received: u64,
    /// From connect to the sink's end of file.
    pub elapsed: Duration,
    /// The port the sink listened on.
    pub port: u16,
}

impl BulkReport {
    /// Bits per second over the whole transfer.
    pub fn bits_per_sec(&self) -> f64 {
        self.received as f64 * 8.0 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Sends `bytes` from a client to a sink listening on `addr` (a loopback address; port 0 picks
/// one), at most `rate_bits_per_sec` when given.
pub async fn transfer(
    addr: SocketAddr,
    bytes: u64,
    rate_bits_per_sec: Option<u64>,
) -> Result<BulkReport, NetError> {
    if !addr.ip().is_loopback() {
        return Err(NetError::NotLoopback { addr: addr.ip() });
    }
    let listener = crate::bind(addr)?;
    let local = listener
        .local_addr()
        .map_err(|e| NetError::from_bind(addr, e))?;
    let sink = tokio::spawn(sink(listener));
    let started = Instant::now();
    let sent = send(local, bytes, rate_bits_per_sec).await?;
    let received = sink.await.map_err(|e| NetError::Io {
        op: "the sink stopped on",
        addr: local,
        source: std::io::Error::other(e),
    })??;
    Ok(BulkReport {
        sent,
        received,
        elapsed: started.elapsed(),
        port: local.port(),
    })
}

/// Accepts one connection and reads it to the end; returns the bytes read.
pub async fn sink(listener: TcpListener) -> Result<u64, NetError> {
    let local = listener
        .local_addr()
        .map_err(|e| NetError::from_bind(SocketAddr::from(([127, 0, 0, 1], 0)), e))?;
    let (mut stream, peer) = listener
        .accept()
        .await
        .map_err(|e| NetError::from_bind(local, e))?;
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| NetError::from_connect(peer, e))?;
        if n == 0 {
            return Ok(total);
        }
        total += n as u64;
    }
}

/// Connects to `addr` and writes `bytes` bytes, paced to `rate_bits_per_sec` when given, then
/// closes; returns the bytes written.
pub async fn send(
    addr: SocketAddr,
    bytes: u64,
    rate_bits_per_sec: Option<u64>,
) -> Result<u64, NetError> {
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| NetError::from_connect(addr, e))?;
    let chunk: Vec<u8> = (0..CHUNK).map(|i| b'a' + (i % 26) as u8).collect();
    let started = Instant::now();
    let mut sent = 0u64;
    while sent < bytes {
        let n = usize::try_from(bytes - sent).unwrap_or(CHUNK).min(CHUNK);
        stream
            .write_all(&chunk[..n])
            .await
            .map_err(|e| NetError::from_connect(addr, e))?;
        sent += n as u64;
        if let Some(rate) = rate_bits_per_sec.filter(|r| *r > 0) {
            // Ahead of schedule: wait until the bytes sent are due.
            let due = Duration::from_secs_f64(sent as f64 * 8.0 / rate as f64);
            if let Some(ahead) = due.checked_sub(started.elapsed()) {
                tokio::time::sleep(ahead).await;
            }
        }
    }
    stream
        .shutdown()
        .await
        .map_err(|e| NetError::from_connect(addr, e))?;
    Ok(sent)
}

/// Parses a size such as `4G`, `512MiB`, `100k` or `65536` (K, M, G, T are powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size (e.g. 4G, 512MiB, 65536)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        "t" | "tib" => 40,
        _ => return Err(format!("{text:?}: unknown unit (K, M, G or T)")),
    };
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("{text:?} is too big"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("65536"), Ok(65_536));
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("100k"), Ok(100 << 10));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("3X").is_err());
        assert!(parse_size("99999999999T").is_err());
    }
}
