//! The demo's own endpoints: every socket of a scenario bound before the capture opens, so
//! that the capture filter names the demo's conversations exactly, and nothing else.
//!
//! Binding a socket sends nothing, but it fixes its address and port. The server's listener
//! (or, for the refused scenario, a socket that holds the port without listening) and every
//! client socket are bound first; the filter then names both addresses and both ports of each
//! conversation, e.g. `tcp and src host 127.0.0.1 and dst host 127.0.0.1 and port 12345 and
//! port 45150`. Since the demo holds both ports, no other socket on the machine can be either
//! end of such a packet: another program's conversations on the same port — a service on
//! 127.0.0.2:12345, a client of the demo's own server — never reach the capture, whoever
//! runs the demo and with whatever rights.
//!
//! [`Endpoints::owns`] checks the same in user space, packet by packet, so that a packet the
//! kernel queued before the filter was attached could not slip through either.
//!
//! A busy port is found here, before the capture opens: binding fails.

use std::net::{IpAddr, SocketAddr};

use net_demo::server::ReservedPort;
use net_demo::NetError;

use crate::decode::{Packet, Transport};

use super::{DemoError, Scenario};

/// Which transport the scenario speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proto {
    Tcp,
    Udp,
}

/// The addresses and ports of the demo's own conversations: one server end, and a client
/// port for each conversation, all on the server's address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    proto: Proto,
    server: SocketAddr,
    /// The clients' ports; the clients bind the server's address too.
    clients: Vec<u16>,
}

impl Endpoints {
    /// The server's address and port.
    pub fn server(&self) -> SocketAddr {
        self.server
    }

    /// The capture filter that lets exactly these conversations through: both ends on the
    /// server's address, one port the server's, the other a client's.
    pub fn filter(&self) -> String {
        let proto = match self.proto {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        };
        let ip = self.server.ip();
        let clients = match self.clients.as_slice() {
            [one] => format!("port {one}"),
            many => format!(
                "({})",
                many.iter()
                    .map(|p| format!("port {p}"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        };
        format!(
            "{proto} and src host {ip} and dst host {ip} and port {} and {clients}",
            self.server.port()
        )
    }

    /// Whether a decoded packet belongs to one of these conversations (what the filter
    /// says, checked again in user space).
    pub fn owns(&self, packet: &Packet) -> bool {
        let Some(ip) = packet.ip() else {
            return false;
        };
        if ip.src != self.server.ip() || ip.dst != self.server.ip() || ip.fragment.is_some() {
            return false;
        }
        let (src, dst) = match (&packet.transport, self.proto) {
            (Transport::Tcp(t), Proto::Tcp) => (t.header.src_port, t.header.dst_port),
            (Transport::Udp(u), Proto::Udp) => (u.src_port, u.dst_port),
            _ => return false,
        };
        let server = self.server.port();
        let client = if src == server {
            dst
        } else if dst == server {
            src
        } else {
            return false;
        };
        client != server && self.clients.contains(&client)
    }
}

/// The server side of a scenario, bound (and listening) before the capture opens.
pub(super) enum ServerSocket {
    /// The greeting server.
    Tcp(std::net::TcpListener),
    /// The HTTP server.
    Http(std::net::TcpListener),
    Udp(std::net::UdpSocket),
    /// The refused scenario: the port held, nobody listening.
    Refused(ReservedPort),
}

/// The client sockets, bound and not yet connected.
pub(super) enum ClientSockets {
    Tcp(Vec<tokio::net::TcpSocket>),
    Udp(std::net::UdpSocket),
}

/// Every socket of a scenario, bound, and the endpoints they make.
pub(super) struct Bound {
    pub endpoints: Endpoints,
    pub server: ServerSocket,
    pub clients: ClientSockets,
}

/// How many TCP clients a scenario connects.
fn tcp_clients(scenario: Scenario) -> usize {
    match scenario {
        Scenario::Concurrent { clients } => clients,
        Scenario::Http10 => 2,
        Scenario::Udp => 0,
        Scenario::Greeting | Scenario::Http11 | Scenario::Refused | Scenario::Bulk => 1,
    }
}

/// Binds the server side on `addr` (port 0: a free one) and every client socket on the same
/// address. Needs no runtime and starts no thread.
pub(super) fn bind(scenario: Scenario, addr: SocketAddr) -> Result<Bound, DemoError> {
    let server = match scenario {
        Scenario::Udp => ServerSocket::Udp(net_demo::udp::bind_udp_std(addr)?),
        Scenario::Refused => match net_demo::server::reserve_port(addr) {
            Ok(held) => ServerSocket::Refused(held),
            Err(NetError::AddrInUse { addr }) => return Err(DemoError::RefusedPortBusy { addr }),
            Err(e) => return Err(e.into()),
        },
        Scenario::Http10 | Scenario::Http11 => {
            ServerSocket::Http(net_demo::listen_std(addr, net_demo::server::BACKLOG)?)
        }
        // (The bulk scenario binds its own, in the server's namespace: demo::bulk.)
        Scenario::Greeting | Scenario::Bulk => {
            ServerSocket::Tcp(net_demo::listen_std(addr, net_demo::server::BACKLOG)?)
        }
        // Room in the listen queue for every client arriving at once: with the lesson's
        // backlog of 5, the kernel would drop the extra SYNs and the clients would wait
        // a second or more to send them again.
        Scenario::Concurrent { clients } => {
            let backlog = net_demo::server::BACKLOG.max(u32::try_from(clients).unwrap_or(u32::MAX));
            ServerSocket::Tcp(net_demo::listen_std(addr, backlog)?)
        }
    };
    let server_addr = server.local_addr(addr)?;
    let ip: IpAddr = server_addr.ip();
    let read_port = |r: std::io::Result<SocketAddr>| {
        r.map(|a| a.port()).map_err(|e| NetError::Io {
            op: "cannot read the address of a client socket on",
            addr: server_addr,
            source: e,
        })
    };
    let (clients, ports) = if scenario == Scenario::Udp {
        let socket = net_demo::udp::bind_udp_std(SocketAddr::new(ip, 0))?;
        let port = read_port(socket.local_addr())?;
        (ClientSockets::Udp(socket), vec![port])
    } else {
        let mut sockets = Vec::new();
        let mut ports = Vec::new();
        for _ in 0..tcp_clients(scenario) {
            let socket = net_demo::bind_client(ip)?;
            ports.push(read_port(socket.local_addr())?);
            sockets.push(socket);
        }
        (ClientSockets::Tcp(sockets), ports)
    };
    Ok(Bound {
        endpoints: Endpoints {
            proto: if scenario == Scenario::Udp {
                Proto::Udp
            } else {
                Proto::Tcp
            },
            server: server_addr,
            clients: ports,
        },
        server,
        clients,
    })
}

impl ServerSocket {
    /// The address it is bound to (`asked` names it in an error).
    fn local_addr(&self, asked: SocketAddr) -> Result<SocketAddr, NetError> {
        let read = |r: std::io::Result<SocketAddr>| {
            r.map_err(|e| NetError::Io {
                op: "cannot read the address of",
                addr: asked,
                source: e,
            })
        };
        match self {
            ServerSocket::Tcp(l) | ServerSocket::Http(l) => read(l.local_addr()),
            ServerSocket::Udp(s) => read(s.local_addr()),
            ServerSocket::Refused(held) => Ok(held.addr()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use crate::frame::{Frame, Timestamp};
    use crate::link::LinkType;
    use crate::synth::{link_wrap, udp_packet, TcpSpec};
    use crate::tcp::TcpFlags;

    /// A decoded Ethernet frame carrying a SYN from `src` to `dst`.
    fn syn(src: &str, dst: &str) -> Packet {
        let spec = TcpSpec {
            src: src.parse().expect("address"),
            dst: dst.parse().expect("address"),
            seq: 1,
            ack: 0,
            flags: TcpFlags::SYN,
            window: 65535,
            urgent: 0,
            options: vec![],
            payload: vec![],
        };
        packet(link_wrap(LinkType::EN10MB, &spec.ip_packet(), None))
    }

    fn packet(data: Vec<u8>) -> Packet {
        let len = u32::try_from(data.len()).expect("small");
        decode(
            LinkType::EN10MB,
            &Frame::new(Timestamp::default(), len, &data),
        )
    }

    #[test]
    fn only_the_demos_own_conversations_are_owned() {
        let ends = endpoints(Proto::Tcp, "127.0.0.1:12345", &[45150, 45151]);
        // Both directions of each conversation.
        assert!(ends.owns(&syn("127.0.0.1:45150", "127.0.0.1:12345")));
        assert!(ends.owns(&syn("127.0.0.1:12345", "127.0.0.1:45151")));
        // Another client of the same server port, and a server on another loopback address
        // with the same port.
        assert!(!ends.owns(&syn("127.0.0.1:50000", "127.0.0.1:12345")));
        assert!(!ends.owns(&syn("127.0.0.2:45150", "127.0.0.2:12345")));
        assert!(!ends.owns(&syn("127.0.0.2:12345", "127.0.0.1:45150")));
        // Two of the demo's client ports talking to each other, and UDP on the right ports.
        assert!(!ends.owns(&syn("127.0.0.1:45150", "127.0.0.1:45151")));
        let udp = udp_packet(
            "127.0.0.1:45150".parse().expect("address"),
            "127.0.0.1:12345".parse().expect("address"),
            b"x",
        );
        assert!(!ends.owns(&packet(link_wrap(LinkType::EN10MB, &udp, None))));
        let udp_ends = endpoints(Proto::Udp, "127.0.0.1:12345", &[45150]);
        assert!(udp_ends.owns(&packet(link_wrap(LinkType::EN10MB, &udp, None))));
        assert!(!udp_ends.owns(&syn("127.0.0.1:45150", "127.0.0.1:12345")));
    }

    fn endpoints(proto: Proto, server: &str, clients: &[u16]) -> Endpoints {
        Endpoints {
            proto,
            server: server.parse().expect("address"),
            clients: clients.to_vec(),
        }
    }

    #[test]
    fn the_filter_names_both_addresses_and_both_ports() {
        assert_eq!(
            endpoints(Proto::Tcp, "127.0.0.1:12345", &[45150]).filter(),
            "tcp and src host 127.0.0.1 and dst host 127.0.0.1 and port 12345 and port 45150"
        );
        assert_eq!(
            endpoints(Proto::Udp, "[::1]:8080", &[40000, 40001]).filter(),
            "udp and src host ::1 and dst host ::1 and port 8080 and (port 40000 or port 40001)"
        );
    }
}
