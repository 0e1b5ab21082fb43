//! The scenario's server and clients: started on the sockets bound before the capture
//! opened, run on the async runtime, stopped and collected when the capture is done.

use std::net::SocketAddr;
use std::time::Duration;

use net_demo::NetError;
use tokio::sync::oneshot;

use super::endpoints::{self, ClientSockets, ServerSocket};
use super::{DemoError, DemoOptions, Scenario};

/// What the clients came back with: the bodies they received, or why they failed.
pub(super) type ClientsResult = Result<Vec<Vec<u8>>, NetError>;

/// The scenario's server and clients, running on the runtime.
pub(super) struct Exchange {
    stop_server: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    /// Whether a server listens (not in the refused scenario).
    pub(super) listening: bool,
    clients: std::sync::mpsc::Receiver<ClientsResult>,
    /// The clients' result, once they are done.
    done: Option<ClientsResult>,
}

impl Exchange {
    /// Starts the server on its bound socket, then the clients on theirs.
    pub(super) fn start(
        runtime: &tokio::runtime::Runtime,
        opts: &DemoOptions,
        bound: endpoints::Bound,
    ) -> Result<Exchange, DemoError> {
        let server_addr = bound.endpoints.server();
        let (server_socket, clients) = {
            let _inside = runtime.enter();
            (
                Server::from_bound(bound.server, server_addr)?,
                Clients::from_bound(bound.clients, server_addr)?,
            )
        };
        let listening = !matches!(server_socket, Server::None(_));
        let (stop_server, stopped) = oneshot::channel::<()>();
        let server = runtime.spawn(server_socket.serve(
            opts.greeting.clone().into_bytes(),
            async {
                let _ = stopped.await;
            },
        ));
        let (client_tx, client_rx) = std::sync::mpsc::channel();
        let scenario = opts.scenario;
        runtime.spawn(async move {
            // The receiver lives until the capture has the result.
            let _ = client_tx.send(run_clients(scenario, clients, server_addr).await);
        });
        Ok(Exchange {
            stop_server: Some(stop_server),
            server: Some(server),
            listening,
            clients: client_rx,
            done: None,
        })
    }

    /// The clients' result, if they are done (looked at without waiting).
    pub(super) fn poll(&mut self) -> Option<&ClientsResult> {
        if self.done.is_none() {
            self.done = self.clients.try_recv().ok();
        }
        self.done.as_ref()
    }

    /// Stops the server (letting connections under way finish, a second at most) and
    /// returns what the clients received. A client's failure is the run's, unless a signal
    /// stopped it.
    pub(super) fn finish(
        mut self,
        runtime: &tokio::runtime::Runtime,
        interrupted: bool,
    ) -> Result<Vec<Vec<u8>>, DemoError> {
        if let Some(stop) = self.stop_server.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = runtime
                .block_on(async { tokio::time::timeout(Duration::from_secs(1), server).await });
        }
        match self.done.take() {
            Some(Ok(bodies)) => Ok(bodies),
            Some(Err(e)) if !interrupted => Err(e.into()),
            _ => Ok(Vec::new()),
        }
    }
}

/// The server side of a scenario, ready to serve.
pub(super) enum Server {
    Tcp(tokio::net::TcpListener),
    Http(tokio::net::TcpListener),
    Udp(tokio::net::UdpSocket),
    /// The refused scenario: the port is held, nothing listens.
    None(net_demo::server::ReservedPort),
}

impl Server {
    /// The bound socket handed to the runtime (which must be entered).
    pub(super) fn from_bound(bound: ServerSocket, addr: SocketAddr) -> Result<Server, NetError> {
        let io = |e| NetError::Io {
            op: "cannot serve on",
            addr,
            source: e,
        };
        Ok(match bound {
            ServerSocket::Tcp(l) => Server::Tcp(tokio::net::TcpListener::from_std(l).map_err(io)?),
            ServerSocket::Http(l) => {
                Server::Http(tokio::net::TcpListener::from_std(l).map_err(io)?)
            }
            ServerSocket::Udp(s) => Server::Udp(tokio::net::UdpSocket::from_std(s).map_err(io)?),
            ServerSocket::Refused(held) => Server::None(held),
        })
    }

    async fn serve(self, greeting: Vec<u8>, shutdown: impl std::future::Future<Output = ()>) {
        let _ = match self {
            Server::Tcp(listener) => net_demo::serve(listener, greeting, shutdown, |_| {}).await,
            Server::Http(listener) => {
                net_demo::http::serve_http(listener, greeting, shutdown).await
            }
            Server::Udp(socket) => net_demo::udp::serve_udp(socket, greeting, shutdown).await,
            Server::None(held) => {
                shutdown.await;
                drop(held);
                Ok(0)
            }
        };
    }
}

/// The client sockets, ready to connect.
pub(super) enum Clients {
    Tcp(Vec<tokio::net::TcpSocket>),
    Udp(tokio::net::UdpSocket),
}

impl Clients {
    /// The bound sockets handed to the runtime (which must be entered).
    pub(super) fn from_bound(
        bound: ClientSockets,
        server: SocketAddr,
    ) -> Result<Clients, NetError> {
        Ok(match bound {
            ClientSockets::Tcp(sockets) => Clients::Tcp(sockets),
            ClientSockets::Udp(s) => Clients::Udp(tokio::net::UdpSocket::from_std(s).map_err(
                |e| NetError::Io {
                    op: "cannot use a client socket for",
                    addr: server,
                    source: e,
                },
            )?),
        })
    }
}

/// Runs the scenario's clients on their bound sockets; returns what they received.
async fn run_clients(
    scenario: Scenario,
    clients: Clients,
    server: SocketAddr,
) -> Result<Vec<Vec<u8>>, NetError> {
    let mut sockets = match clients {
        Clients::Udp(socket) => {
            return Ok(vec![
                net_demo::udp::fetch_greeting_udp_from(socket, server).await?,
            ])
        }
        Clients::Tcp(sockets) => sockets.into_iter(),
    };
    // Each scenario binds as many sockets as it connects (endpoints::bind).
    let mut next = || {
        sockets.next().ok_or_else(|| NetError::Io {
            op: "no client socket left for",
            addr: server,
            source: std::io::Error::other("fewer sockets than connections"),
        })
    };
    match scenario {
        Scenario::Greeting => Ok(vec![net_demo::fetch_greeting_from(next()?, server).await?]),
        Scenario::Concurrent { .. } => {
            let mut tasks = tokio::task::JoinSet::new();
            for socket in sockets {
                tasks.spawn(net_demo::fetch_greeting_from(socket, server));
            }
            let mut received = Vec::new();
            while let Some(done) = tasks.join_next().await {
                match done {
                    Ok(result) => received.push(result?),
                    Err(e) => {
                        return Err(NetError::Io {
                            op: "client task for",
                            addr: server,
                            source: std::io::Error::other(e.to_string()),
                        })
                    }
                }
            }
            Ok(received)
        }
        // The bulk scenario runs its own transfer (demo::bulk).
        Scenario::Udp | Scenario::Bulk => Ok(vec![]),
        Scenario::Http10 => {
            let first = next()?;
            let second = next()?;
            Ok(vec![
                net_demo::http::get_http10_from(first, server, "/").await?,
                net_demo::http::get_http10_from(second, server, "/again").await?,
            ])
        }
        Scenario::Http11 => {
            net_demo::http::get_http11_from(next()?, server, &["/", "/again"]).await
        }
        Scenario::Refused => match net_demo::fetch_greeting_from(next()?, server).await {
            Err(NetError::Refused { .. }) => Ok(vec![]),
            Ok(body) => Ok(vec![body]),
            Err(e) => Err(e),
        },
    }
}
