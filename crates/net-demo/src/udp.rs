//! The greeting over UDP: no connection, so no handshake and no close — one datagram asks,
//! one datagram answers.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::UdpSocket;

use crate::NetError;

/// How long the client waits for the answer before giving up (UDP does not retransmit).
pub const UDP_REPLY_TIMEOUT: Duration = Duration::from_secs(2);
/// Largest datagram the server reads.
const MAX_DATAGRAM: usize = 65_536;

/// Binds the UDP server's socket (port 0 picks one).
pub async fn bind_udp(addr: SocketAddr) -> Result<UdpSocket, NetError> {
    UdpSocket::bind(addr)
        .await
        .map_err(|e| NetError::from_bind(addr, e))
}

/// Answers every datagram with the greeting until `shutdown`; returns how many it answered.
pub async fn serve_udp(
    socket: UdpSocket,
    greeting: Vec<u8>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<u64> {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let mut answered = 0;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            got = socket.recv_from(&mut buf) => {
                let (_, peer) = got?;
                socket.send_to(&greeting, peer).await?;
                answered += 1;
            }
        }
    }
    Ok(answered)
}

/// Binds a UDP socket without a runtime (port 0 picks one), non-blocking, for a caller that
/// must have its sockets before any thread starts; hand it to `UdpSocket::from_std` inside
/// the runtime.
pub fn bind_udp_std(addr: SocketAddr) -> Result<std::net::UdpSocket, NetError> {
    let socket = std::net::UdpSocket::bind(addr).map_err(|e| NetError::from_bind(addr, e))?;
    socket
        .set_nonblocking(true)
        .map_err(|e| NetError::from_bind(addr, e))?;
    Ok(socket)
}

/// Sends one datagram to `addr` and returns the answer.
pub async fn fetch_greeting_udp(addr: SocketAddr) -> Result<Vec<u8>, NetError> {
    let local: SocketAddr = if addr.is_ipv4() {
        ([127, 0, 0, 1], 0).into()
    } else {
        (std::net::Ipv6Addr::LOCALHOST, 0).into()
    };
    let socket = UdpSocket::bind(local)
        .await
        .map_err(|e| NetError::from_bind(local, e))?;
    fetch_greeting_udp_from(socket, addr).await
}

/// [`fetch_greeting_udp`] from a socket the caller bound.
pub async fn fetch_greeting_udp_from(
    socket: UdpSocket,
    addr: SocketAddr,
) -> Result<Vec<u8>, NetError> {
    socket
        .send_to(b"hello?", addr)
        .await
        .map_err(|e| NetError::from_connect(addr, e))?;
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let n = tokio::time::timeout(UDP_REPLY_TIMEOUT, socket.recv(&mut buf))
        .await
        .map_err(|_| NetError::NoReply { addr })?
        .map_err(|e| NetError::from_connect(addr, e))?;
    buf.truncate(n);
    Ok(buf)
}
