//! A minimal HTTP server and client, enough to show on the wire how HTTP/1.0 opens a
//! connection per request while HTTP/1.1 keeps one open for several (RFC 9112 §9.3).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

use crate::NetError;

/// Serves `body` to every GET until `shutdown`. An HTTP/1.0 request, or one that says
/// `Connection: close`, gets its answer and the connection closed by the server; an
/// HTTP/1.1 request keeps the connection open for the next one.
pub async fn serve_http(
    listener: TcpListener,
    body: impl Into<Arc<[u8]>>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<u64> {
    let body: Arc<[u8]> = body.into();
    crate::server::accept_loop(
        listener,
        shutdown,
        |_| {},
        move |stream| {
            let body = Arc::clone(&body);
            async move { answer(stream, &body).await }
        },
    )
    .await
}

/// Answers the requests of one connection.
async fn answer(stream: TcpStream, body: &[u8]) -> std::io::Result<()> {
    let mut stream = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if stream.read_line(&mut request_line).await? == 0 {
            return Ok(()); // the client closed
        }
        let http10 = request_line.trim_end().ends_with("HTTP/1.0");
        let mut close = http10;
        loop {
            let mut header = String::new();
            if stream.read_line(&mut header).await? == 0 || header == "\r\n" || header == "\n" {
                break;
            }
            if header.to_ascii_lowercase().starts_with("connection:")
                && header.to_ascii_lowercase().contains("close")
            {
                close = true;
            }
        }
        let version = if http10 { "HTTP/1.0" } else { "HTTP/1.1" };
        let head = format!(
            "{version} 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{}\r\n",
            body.len(),
            if close { "Connection: close\r\n" } else { "" }
        );
        // Head and body in one write, so that a small answer travels in one segment.
        let mut answer = head.into_bytes();
        answer.extend_from_slice(body);
        let inner = stream.get_mut();
        inner.write_all(&answer).await?;
        if close {
            inner.shutdown().await?;
            return Ok(());
        }
    }
}

/// Reads one response (status line, headers, `Content-Length` bytes of body); returns the
/// body.
async fn read_response(stream: &mut BufReader<TcpStream>) -> std::io::Result<Vec<u8>> {
    let mut length = 0usize;
    let mut line = String::new();
    stream.read_line(&mut line).await?; // status line
    loop {
        line.clear();
        if stream.read_line(&mut line).await? == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await?;
    Ok(body)
}

/// HTTP/1.0: one connection per request, closed by the server after its answer.
pub async fn get_http10(addr: SocketAddr, path: &str) -> Result<Vec<u8>, NetError> {
    get_http10_from(unbound(addr)?, addr, path).await
}

/// A fresh socket of `addr`'s family, bound by `connect` to any local port.
fn unbound(addr: SocketAddr) -> Result<TcpSocket, NetError> {
    match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4(),
        SocketAddr::V6(_) => TcpSocket::new_v6(),
    }
    .map_err(|e| NetError::from_connect(addr, e))
}

/// [`get_http10`] from a socket the caller made (see [`crate::client::bind_client`]).
pub async fn get_http10_from(
    socket: TcpSocket,
    addr: SocketAddr,
    path: &str,
) -> Result<Vec<u8>, NetError> {
    let io = |e| NetError::from_connect(addr, e);
    let stream = socket.connect(addr).await.map_err(io)?;
    let mut stream = BufReader::new(stream);
    let request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n");
    stream
        .get_mut()
        .write_all(request.as_bytes())
        .await
        .map_err(io)?;
    let body = read_response(&mut stream).await.map_err(io)?;
    // The server closes: read to the end so that our FIN follows its FIN.
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.map_err(io)?;
    Ok(body)
}

/// HTTP/1.1: several requests on one kept-alive connection; the last one asks the server to
/// close.
pub async fn get_http11(addr: SocketAddr, paths: &[&str]) -> Result<Vec<Vec<u8>>, NetError> {
    get_http11_from(unbound(addr)?, addr, paths).await
}

/// [`get_http11`] from a socket the caller made (see [`crate::client::bind_client`]).
pub async fn get_http11_from(
    socket: TcpSocket,
    addr: SocketAddr,
    paths: &[&str],
) -> Result<Vec<Vec<u8>>, NetError> {
    let io = |e| NetError::from_connect(addr, e);
    let stream = socket.connect(addr).await.map_err(io)?;
    let mut stream = BufReader::new(stream);
    let mut bodies = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let close = if i + 1 == paths.len() {
            "Connection: close\r\n"
        } else {
            ""
        };
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{close}\r\n");
        stream
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .map_err(io)?;
        bodies.push(read_response(&mut stream).await.map_err(io)?);
    }
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.map_err(io)?;
    Ok(bodies)
}
