//! The greeting client: connect → read until the server closes → close.

use std::net::{IpAddr, SocketAddr};

use tokio::io::AsyncReadExt;
use tokio::net::TcpSocket;

use crate::NetError;

/// A TCP socket bound to `ip` and a port the kernel picks, not yet connected.
///
/// Binding sends nothing, but it fixes the client's port before the first packet: a capture
/// opened between the bind and the connect can name the conversation exactly (both
/// addresses, both ports). Needs no runtime.
pub fn bind_client(ip: IpAddr) -> Result<TcpSocket, NetError> {
    let local = SocketAddr::new(ip, 0);
    let socket = match ip {
        IpAddr::V4(_) => TcpSocket::new_v4(),
        IpAddr::V6(_) => TcpSocket::new_v6(),
    }
    .map_err(|e| NetError::from_bind(local, e))?;
    socket
        .bind(local)
        .map_err(|e| NetError::from_bind(local, e))?;
    Ok(socket)
}

/// Connects to `addr` from any local port, reads everything the server sends until it closes
/// its side (EOF), then closes ours. Returns the bytes received.
pub async fn fetch_greeting(addr: SocketAddr) -> Result<Vec<u8>, NetError> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4(),
        SocketAddr::V6(_) => TcpSocket::new_v6(),
    }
    .map_err(|e| NetError::from_connect(addr, e))?;
    fetch_greeting_from(socket, addr).await
}

/// [`fetch_greeting`] from a socket the caller made (see [`bind_client`]).
///
/// Reading to EOF is what makes the close orderly: the server's FIN arrives, `read` returns 0,
/// and dropping the stream sends our FIN, usually together with the ACK of theirs.
pub async fn fetch_greeting_from(socket: TcpSocket, addr: SocketAddr) -> Result<Vec<u8>, NetError> {
    let mut stream = socket
        .connect(addr)
        .await
        .map_err(|e| NetError::from_connect(addr, e))?;
    let mut received = Vec::new();
    stream
        .read_to_end(&mut received)
        .await
        .map_err(|e| NetError::from_connect(addr, e))?;
    drop(stream);
    Ok(received)
}
