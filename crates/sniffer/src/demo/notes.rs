//! What each scenario shows, in words, with the numbers of the run.

use std::net::SocketAddr;

use crate::flow::Conversation;
use crate::timeline::Row;

use super::Scenario;

/// What each scenario shows, in words, with the numbers of this run.
pub(super) fn notes(scenario: Scenario, server: SocketAddr, convs: &[Conversation]) -> Vec<String> {
    match scenario {
        Scenario::Greeting | Scenario::Bulk => vec![],
        Scenario::Concurrent { clients } => {
            let ports: Vec<String> = convs.iter().map(|c| c.client.port().to_string()).collect();
            vec![format!(
                "{clients} clients, {} conversations, one server port {}: accept() returned a new \
                 socket for each connection, and TCP tells them apart by the 4-tuple (client \
                 address and port, server address and port); client ports {}",
                convs.len(),
                server.port(),
                ports.join(", ")
            )]
        }
        Scenario::Udp => vec![
            "UDP: no handshake and no close. The request and the greeting are one datagram \
             each; nothing acknowledges them, and nothing would resend a lost one"
                .to_owned(),
        ],
        Scenario::Http10 => vec![format!(
            "HTTP/1.0: each request opened its own connection ({} conversations), and the \
             server closed each after its answer",
            convs.len()
        )],
        Scenario::Http11 => vec![format!(
            "HTTP/1.1: both requests travelled on {} kept-alive connection; the server closed \
             it after the second, which asked for Connection: close",
            convs.len()
        )],
        Scenario::Refused => vec![format!(
            "nobody listens on port {}: the kernel answered the SYN with RST, ACK, and connect() \
             failed with \"connection refused\"",
            server.port()
        )],
    }
}

/// When SYNs had to be sent again: the listen queue (backlog 5, as in the lesson) was full.
pub(super) fn backlog_note(rows: &[Row]) -> Option<String> {
    let resent = rows
        .iter()
        .filter(|r| {
            r.step == Some(crate::flow::Step::HandshakeSyn)
                && r.tcp
                    .as_ref()
                    .is_some_and(|t| t.view.tags.has(crate::flow::Tag::Retransmission))
        })
        .count();
    (resent > 0).then(|| {
        format!(
            "{resent} SYN{} had to be sent again: the server's listen queue was full, so the \
             kernel dropped them, and each client retried after a timeout (1 s, then 2 s, 4 s…)",
            if resent == 1 { "" } else { "s" },
        )
    })
}
