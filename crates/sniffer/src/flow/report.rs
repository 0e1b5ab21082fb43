//! What a conversation did, checked: the handshake's numbers (SYN carries *j*, the SYN-ACK
//! carries *k* and acknowledges *j+1*, the ACK acknowledges *k+1*), the close (each FIN
//! acknowledged by FIN+1, who closed first), timings and traffic each way.
//!
//! [`ConversationReport`] holds the facts and the checks, made from a [`Conversation`]; the
//! render stage writes it as text under the table ([`crate::render::explain`]) and as one
//! JSON object per conversation.

use serde::Serialize;

use super::{Conversation, Side};
use crate::tcp::SeqNum;

/// One check with its verdict and the numbers behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What is checked (`SYN-ACK`, `ACK`, `server FIN`…).
    pub what: String,
    /// The numbers, e.g. `ack = 2784150900 = j+1`.
    pub detail: String,
    pub ok: bool,
}

/// Everything the summary says about one conversation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConversationReport {
    pub stream: u32,
    pub client: String,
    pub server: String,
    /// The client's initial sequence number (j), if its SYN was seen.
    pub j: Option<u32>,
    /// The server's initial sequence number (k), if its SYN-ACK was seen.
    pub k: Option<u32>,
    pub handshake: Vec<Check>,
    pub close: Vec<Check>,
    /// Notes on the close: who closed first, three or four segments, resets.
    pub notes: Vec<String>,
    /// SYN → ACK completing the handshake, in milliseconds.
    pub rtt_ms: Option<f64>,
    /// SYN → first segment with data, in milliseconds.
    pub first_data_ms: Option<f64>,
    pub client_to_server_bytes: u64,
    pub client_to_server_segments: u64,
    pub server_to_client_bytes: u64,
    pub server_to_client_segments: u64,
}

fn ms(nanos: i128) -> f64 {
    nanos as f64 / 1e6
}

impl ConversationReport {
    /// Checks a conversation.
    pub fn of(conv: &Conversation) -> ConversationReport {
        let hs = &conv.handshake;
        let j = hs.syn.map(|(_, isn)| isn);
        let k = hs.syn_ack.map(|(_, isn, _)| isn);
        let up = conv.dir(Side::ClientToServer);
        let down = conv.dir(Side::ServerToClient);
        ConversationReport {
            stream: conv.stream,
            client: conv.client.to_string(),
            server: conv.server.to_string(),
            j: j.map(|s| s.0),
            k: k.map(|s| s.0),
            handshake: handshake_checks(conv),
            close: close_checks(conv),
            notes: close_notes(conv),
            rtt_ms: hs.rtt_nanos().map(ms),
            first_data_ms: match (conv.first_data, hs.syn) {
                (Some(data), Some((syn, _))) => Some(ms(data.since(syn))),
                _ => None,
            },
            client_to_server_bytes: up.bytes,
            client_to_server_segments: up.data_segments,
            server_to_client_bytes: down.bytes,
            server_to_client_segments: down.data_segments,
        }
    }

    /// True when every check passed.
    pub fn all_ok(&self) -> bool {
        self.handshake.iter().chain(&self.close).all(|c| c.ok)
    }
}

/// The handshake's checks: the SYN carries j, the SYN-ACK carries k and acknowledges j+1,
/// the ACK acknowledges k+1 — each with the real numbers, or what is missing.
fn handshake_checks(conv: &Conversation) -> Vec<Check> {
    let hs = &conv.handshake;
    let j = hs.syn.map(|(_, isn)| isn);
    let k = hs.syn_ack.map(|(_, isn, _)| isn);
    let mut handshake = Vec::new();
    match j {
        Some(j) => handshake.push(Check {
            what: "SYN".into(),
            detail: format!("seq = j = {}", j.0),
            ok: true,
        }),
        None => handshake.push(Check {
            what: "SYN".into(),
            detail: "not in the capture".into(),
            ok: false,
        }),
    }
    match (hs.syn_ack, j) {
        (Some((_, k, ack)), Some(j)) => handshake.push(expect_ack(
            "SYN-ACK",
            format!("seq = k = {}, ", k.0),
            ack,
            j,
            "j",
        )),
        (Some((_, k, ack)), None) => handshake.push(Check {
            what: "SYN-ACK".into(),
            detail: format!(
                "seq = k = {}, ack = {} (no SYN to compare with)",
                k.0, ack.0
            ),
            ok: false,
        }),
        (None, _) if conv.reset_by == Some(Side::ServerToClient) && hs.ack.is_none() => handshake
            .push(Check {
                what: "SYN-ACK".into(),
                detail: "none: the server answered the SYN with a reset (connection refused)"
                    .into(),
                ok: false,
            }),
        (None, _) => handshake.push(Check {
            what: "SYN-ACK".into(),
            detail: "not in the capture".into(),
            ok: false,
        }),
    }
    if let Some(k) = k {
        match hs.ack {
            Some((_, ack)) => handshake.push(expect_ack("ACK", String::new(), ack, k, "k")),
            None => handshake.push(Check {
                what: "ACK".into(),
                detail: format!("no ACK of k+1 = {} in the capture", k.plus(1).0),
                ok: false,
            }),
        }
    }
    handshake
}

/// Each FIN acknowledged by FIN+1, the server's first.
fn close_checks(conv: &Conversation) -> Vec<Check> {
    let mut close = Vec::new();
    for side in [Side::ServerToClient, Side::ClientToServer] {
        let d = conv.dir(side);
        let who = name(side);
        if let Some(fin) = d.fin {
            close.push(match d.fin_ack {
                Some(ack) => expect_ack(
                    &format!("{who} FIN"),
                    format!("seq = {}, acked by ", fin.0),
                    ack,
                    fin,
                    "FIN",
                ),
                None => Check {
                    what: format!("{who} FIN"),
                    detail: format!("seq = {}, not acknowledged in the capture", fin.0),
                    ok: false,
                },
            });
        }
    }
    close
}

/// How the conversation ended: who closed first, whether the close took three segments, a
/// reset.
fn close_notes(conv: &Conversation) -> Vec<String> {
    let mut notes = Vec::new();
    let client_fin = conv.dir(Side::ClientToServer).fin_time;
    let server_fin = conv.dir(Side::ServerToClient).fin_time;
    let first = match (client_fin, server_fin) {
        (Some(c), Some(s)) => Some(if s <= c {
            Side::ServerToClient
        } else {
            Side::ClientToServer
        }),
        (Some(_), None) => Some(Side::ClientToServer),
        (None, Some(_)) => Some(Side::ServerToClient),
        (None, None) => None,
    };
    if let Some(first) = first {
        notes.push(format!(
            "the {} closed first (active close: FIN_WAIT_1 → TIME_WAIT); the {} closed in answer (CLOSE_WAIT → LAST_ACK → CLOSED)",
            name(first),
            name(first.reverse())
        ));
        let second = conv.dir(first.reverse());
        if second.fin_with_peer_fin_ack {
            notes.push(format!(
                "the {}'s FIN rode on its ACK of the {}'s FIN: the close took 3 segments instead of 4",
                name(first.reverse()),
                name(first)
            ));
        }
    }
    if let Some(by) = conv.reset_by {
        notes.push(format!("the {} reset the connection (RST)", name(by)));
    }
    notes
}

fn name(side: Side) -> &'static str {
    match side {
        Side::ClientToServer => "client",
        Side::ServerToClient => "server",
    }
}

/// `ack` should be `base + 1` (a SYN or FIN consumes one sequence number).
fn expect_ack(what: &str, prefix: String, ack: SeqNum, base: SeqNum, base_name: &str) -> Check {
    let expected = base.plus(1);
    if ack == expected {
        Check {
            what: what.into(),
            detail: format!("{prefix}ack = {} = {base_name}+1", ack.0),
            ok: true,
        }
    } else {
        Check {
            what: what.into(),
            detail: format!(
                "{prefix}ack = {}, but {base_name}+1 = {}: off by {}",
                ack.0,
                expected.0,
                ack.minus(expected) as i32
            ),
            ok: false,
        }
    }
}
