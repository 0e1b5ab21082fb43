//! The greeting server: bind → accept loop → greet → close first.
//!
//! Each accepted connection gets the greeting and is then shut down by the server (its FIN goes
//! out first), as in the original exercise: the server performs the *active close* and its end
//! of the connection passes through FIN_WAIT and TIME_WAIT, while the client's end takes the
//! passive path (CLOSE_WAIT → LAST_ACK).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::AsyncWriteExt;
use tokio::net::{lookup_host, TcpListener, TcpStream};

use crate::NetError;

/// The port of the original exercise.
pub const DEFAULT_PORT: u16 = 12345;
/// The server's default address: loopback only.
pub const DEFAULT_HOST: &str = "127.0.0.1";
/// What the original server sends to every client.
pub const DEFAULT_GREETING: &str = "welcome to python!";
/// The listen backlog of the original (`s.listen(5)`).
pub const BACKLOG: u32 = 5;

/// Resolves `host` and `port` to the first socket address, IPv4 or IPv6 (`::1` works).
pub async fn resolve(host: &str, port: u16) -> Result<SocketAddr, NetError> {
    let mut addrs = lookup_host((host, port))
        .await
        .map_err(|e| NetError::UnknownHost {
            host: host.to_owned(),
            reason: e.to_string(),
        })?;
    addrs.next().ok_or_else(|| NetError::UnknownHost {
        host: host.to_owned(),
        reason: "no address found".to_owned(),
    })
}

/// Binds a listening socket on `addr` with the lesson's backlog of 5.
///
/// Port 0 asks the kernel for a free port; read it back with `TcpListener::local_addr`.
/// `SO_REUSEADDR` is set, as most servers do, so that a restarted server is not refused while
/// an earlier connection's TIME_WAIT lingers.
pub fn bind(addr: SocketAddr) -> Result<TcpListener, NetError> {
    bind_with_backlog(addr, BACKLOG)
}

/// [`bind`] with another listen backlog: how many connections the kernel completes and
/// queues for `accept()` before it drops new SYNs (the clients then resend them, 1 s later).
///
/// Must be called within a tokio runtime; [`listen_std`] is the same without one.
pub fn bind_with_backlog(addr: SocketAddr, backlog: u32) -> Result<TcpListener, NetError> {
    TcpListener::from_std(listen_std(addr, backlog)?).map_err(|e| NetError::from_bind(addr, e))
}

/// Binds and listens on `addr` (with `SO_REUSEADDR`, as [`bind`]) without a tokio runtime:
/// a non-blocking standard listener, for a caller that must have its sockets before any
/// thread starts (`sniff-demo` binds everything before it opens the capture and gives up
/// its capture rights). Hand it to [`TcpListener::from_std`] inside the runtime.
pub fn listen_std(addr: SocketAddr, backlog: u32) -> Result<std::net::TcpListener, NetError> {
    let err = |e| NetError::from_bind(addr, e);
    let socket =
        Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP)).map_err(err)?;
    socket.set_reuse_address(true).map_err(err)?;
    socket.bind(&addr.into()).map_err(err)?;
    socket
        .listen(i32::try_from(backlog).unwrap_or(i32::MAX))
        .map_err(err)?;
    socket.set_nonblocking(true).map_err(err)?;
    Ok(socket.into())
}

/// A port held by a socket that is bound but does not listen: a SYN to it is answered with
/// a reset (connection refused), and no other socket can listen on it while it is held.
#[derive(Debug)]
pub struct ReservedPort {
    /// Kept open for its binding; never listens.
    _socket: Socket,
    addr: SocketAddr,
}

impl ReservedPort {
    /// The address held (with the port the kernel picked when asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// Holds `addr` (port 0: a free port) for a connection that must be refused. Fails with
/// [`NetError::AddrInUse`] when a socket listens on it, or holds it without sharing.
///
/// The port is bound without `SO_REUSEADDR` first, so that nobody can share it; only if that
/// fails is it bound with it, which the kernel still refuses while anything listens there
/// (this lets a port whose last connection lingers in TIME_WAIT be held).
pub fn reserve_port(addr: SocketAddr) -> Result<ReservedPort, NetError> {
    let err = |e| NetError::from_bind(addr, e);
    let attempt = |reuse: bool| -> std::io::Result<Socket> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_reuse_address(reuse)?;
        socket.bind(&addr.into())?;
        Ok(socket)
    };
    let socket = match attempt(false) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => attempt(true).map_err(err)?,
        Err(e) => return Err(err(e)),
    };
    let addr = socket
        .local_addr()
        .map_err(err)?
        .as_socket()
        .ok_or_else(|| err(std::io::Error::other("not an IP socket")))?;
    Ok(ReservedPort {
        _socket: socket,
        addr,
    })
}

/// Resolves `host` and `port` without a runtime (the name service is asked in this thread).
pub fn resolve_blocking(host: &str, port: u16) -> Result<SocketAddr, NetError> {
    use std::net::ToSocketAddrs;
    let unknown = |reason: String| NetError::UnknownHost {
        host: host.to_owned(),
        reason,
    };
    (host, port)
        .to_socket_addrs()
        .map_err(|e| unknown(e.to_string()))?
        .next()
        .ok_or_else(|| unknown("no address found".to_owned()))
}

/// Accepts connections until `shutdown` completes, greeting each one and closing it.
///
/// `on_peer` is called with each client's address as it is accepted (the binary prints it).
/// Returns the number of connections greeted. A failure to greet one client (it reset the
/// connection, say) does not stop the server; a failure of `accept` itself does.
pub async fn serve(
    listener: TcpListener,
    greeting: impl Into<Arc<[u8]>>,
    shutdown: impl Future<Output = ()>,
    on_peer: impl FnMut(SocketAddr),
) -> std::io::Result<u64> {
    let greeting: Arc<[u8]> = greeting.into();
    accept_loop(listener, shutdown, on_peer, move |stream| {
        let greeting = Arc::clone(&greeting);
        async move { greet(stream, &greeting).await }
    })
    .await
}

/// The accept loop every server here shares: each connection is handed to `handle` in a
/// task of its own until `shutdown` completes; connections under way are then let finish
/// (their FINs belong in the capture). Returns how many connections were accepted.
pub(crate) async fn accept_loop<F, Fut>(
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    mut on_peer: impl FnMut(SocketAddr),
    handle: F,
) -> std::io::Result<u64>
where
    F: Fn(TcpStream) -> Fut,
    Fut: Future<Output = std::io::Result<()>> + Send + 'static,
{
    let mut accepted = 0u64;
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            next = listener.accept() => {
                let (stream, peer) = next?;
                on_peer(peer);
                accepted += 1;
                let work = handle(stream);
                tasks.spawn(async move {
                    // A client that vanished mid-answer is its own problem, not the server's.
                    let _ = work.await;
                });
            }
            // Reap finished connections so the set does not grow with every client.
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    while tasks.join_next().await.is_some() {}
    Ok(accepted)
}

/// Sends the greeting and closes: `shutdown` sends our FIN right after the data, then the
/// socket is dropped, as the original's `c.send(...); c.close()`.
async fn greet(mut stream: TcpStream, greeting: &[u8]) -> std::io::Result<()> {
    stream.write_all(greeting).await?;
    stream.shutdown().await?;
    Ok(())
}
