//! What each scenario shows, in words, with the numbers of the run.

use std::net::SocketAddr;

use crate::flow::Conversation;
use crate::timeline::Row;

use super::Scenario;

/// What each scenario shows, in words, with the numbers of this run (the HTTP scenarios'
/// point at the frames of their requests and answers in `rows`).
pub(super) fn notes(
    scenario: Scenario,
    server: SocketAddr,
    convs: &[Conversation],
    rows: &[Row],
) -> Vec<String> {
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
             server closed each after its answer: {}",
            convs.len(),
            exchanges(rows, true)
        )],
        Scenario::Http11 => {
            let close = rows
                .iter()
                .find(|r| {
                    r.step == Some(crate::flow::Step::CloseFin)
                        && r.tcp
                            .as_ref()
                            .is_some_and(|t| t.view.side == crate::flow::Side::ServerToClient)
                })
                .map_or(String::new(), |r| format!(" (its FIN: frame {})", r.number));
            vec![format!(
                "HTTP/1.1: both requests travelled on {} kept-alive connection: {}; the server \
                 closed it after the second{close}, which asked for Connection: close",
                convs.len(),
                exchanges(rows, false)
            )]
        }
        Scenario::Refused => vec![format!(
            "nobody listens on port {}: the kernel answered the SYN with RST, ACK, and connect() \
             failed with \"connection refused\"",
            server.port()
        )],
    }
}

/// The requests of `rows` and their answers, with their frames (and streams, with
/// `streams`): `GET / in frame 4 (stream 0), answered in frame 6; …`. A request is named by
/// HTTP's step when HTTP read it.
fn exchanges(rows: &[Row], streams: bool) -> String {
    use crate::flow::{Side, Step};
    // Each request: its text, and its answer's frame once seen.
    let mut requests: Vec<(u32, String, Option<u64>)> = vec![];
    for row in rows {
        let Some(t) = row.tcp.as_ref().filter(|_| row.step == Some(Step::Data)) else {
            continue;
        };
        let stream = t.view.stream;
        if t.view.side == Side::ClientToServer {
            let name = row
                .http_step
                .as_deref()
                .and_then(|s| s.strip_prefix("request "))
                .map_or_else(|| "a request".to_owned(), str::to_owned);
            let mut text = format!("{name} in frame {}", row.number);
            if streams {
                text.push_str(&format!(" (stream {stream})"));
            }
            requests.push((stream, text, None));
        } else if let Some(request) = requests
            .iter_mut()
            .find(|(s, _, answer)| *s == stream && answer.is_none())
        {
            request.2 = Some(row.number);
        }
    }
    requests
        .into_iter()
        .map(|(_, text, answer)| match answer {
            Some(frame) => format!("{text}, answered in frame {frame}"),
            None => text,
        })
        .collect::<Vec<_>>()
        .join("; ")
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
