//! The greeting client: connect → read until the server closes → close.

use std::net::SocketAddr;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use crate::NetError;

/// Connects to `addr`, reads everything the server sends until it closes its side (EOF), then
/// closes ours. Returns the bytes received.
///
/// Reading to EOF is what makes the close orderly: the server's FIN arrives, `read` returns 0,
/// and dropping the stream sends our FIN, usually together with the ACK of theirs.
pub async fn fetch_greeting(addr: SocketAddr) -> Result<Vec<u8>, NetError> {
    let mut stream = TcpStream::connect(addr)
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
