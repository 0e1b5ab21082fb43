//! HTTP/1.x as tshark 4.0 reads it with its HTTP dissector on (`--enable-protocol http`):
//! the listing's Protocol and Info columns, the demo's HTTP steps, and what the field tree
//! needs of each segment.
//!
//! - **Which conversations**: a TCP port of Wireshark's HTTP range at either end, or, on
//!   other ports, a payload whose first line starts or ends with `HTTP/1.1` (Wireshark's
//!   heuristic), which makes the conversation HTTP from that segment on.
//! - **A message in one segment**: Protocol `HTTP`, Info its first line and a space; a
//!   message with a body adds its media type, `HTTP/1.1 200 OK  (text/plain)` (not
//!   `application/octet-stream`, which goes to the data dissector).
//! - **A message over several segments** (TCP reassembly): the segment that completes it is
//!   the HTTP row. Before it, the segment that starts it shows its first line, and a segment
//!   of headers or of a chunked body (read again with each segment) does too; body segments
//!   of a known length keep TCP's Info. All of them end in `[TCP segment of a reassembled
//!   PDU]`. A response that states no length ends with its sender's FIN, whose row is then
//!   the HTTP row.
//! - **Sequence order**: while a message is pending, a segment past a gap waits for it; a
//!   resent or out-of-order segment is not read by HTTP (it keeps its TCP row), but its bytes
//!   fill the gap they belong to; a message that completes so is used up unread.
//! - **Bytes that start no message**: `Continuation`.
//! - **A segment the capture cut short** is not reassembled: its line ends in `[Packet size
//!   limited during capture]`.
//! - **Several messages in a segment**: their lines one after another.
//!
//! When the field tree is wanted ([`Http::keep_views`]), each segment also leaves an
//! [`HttpView`]: whether its payload went into a reassembly, the bytes and segments a
//! completed reassembly made, and each message with its place in the conversation (request
//! and response numbers, the frames of the previous ones, the time since the request), paired
//! as Wireshark 4.0's single pass pairs them.

use std::collections::HashMap;

use crate::frame::Timestamp;

/// Wireshark 4.0's TCP ports for HTTP (`tshark -G decodes`).
pub const PORTS: [u16; 12] = [
    80, 631, 1900, 2710, 2869, 3128, 3132, 3689, 5985, 8080, 8088, 11371,
];

/// What a direction buffers at most for one message; beyond, its segments are shown as
/// they come.
const MAX_MESSAGE: usize = 16 << 20;

/// The request methods Wireshark's HTTP dissector knows.
const METHODS: [&str; 39] = [
    "GET",
    "POST",
    "HEAD",
    "PUT",
    "DELETE",
    "OPTIONS",
    "TRACE",
    "CONNECT",
    "PATCH",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "SEARCH",
    "REPORT",
    "CHECKOUT",
    "CHECKIN",
    "UNCHECKOUT",
    "MKWORKSPACE",
    "UPDATE",
    "LABEL",
    "MERGE",
    "MKACTIVITY",
    "VERSION-CONTROL",
    "BASELINE-CONTROL",
    "MKREDIRECTREF",
    "UPDATEREDIRECTREF",
    "ACL",
    "BIND",
    "UNBIND",
    "REBIND",
    "ORDERPATCH",
    "NOTIFY",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "M-SEARCH",
];

/// The HTTP conversations of a capture, by TCP stream.
#[derive(Debug, Default)]
pub struct Http {
    conversations: HashMap<u32, Conversation>,
    /// Views are kept for the field tree.
    keep: bool,
    /// The last segment's view.
    view: Option<HttpView>,
}

/// A conversation seen as HTTP (by its port or a first line).
#[derive(Debug, Default)]
struct Conversation {
    /// Each direction: client to server, server to client.
    ways: [Way; 2],
    /// Its requests and responses, paired, in order (kept only with views).
    exchanges: Vec<Exchange>,
    /// The last request's URI (its full URI when it named its host), which Wireshark gives
    /// every later response as `Request URI`.
    last_uri: Option<String>,
}

/// A request and its response, as far as they have been seen.
#[derive(Clone, Debug, Default)]
struct Exchange {
    request: Option<(u64, Timestamp)>,
    response: Option<u64>,
    /// The request's full URI, when its Host header gives one.
    uri: Option<String>,
}

/// What HTTP made of one segment, for its field tree.
#[derive(Clone, Debug, Default)]
pub struct HttpView {
    /// The frame it belongs to.
    pub frame: u64,
    /// Its payload went into a reassembly (`TCP segment data`).
    pub segment_data: bool,
    /// The messages it completed were reassembled from these segments (frame, bytes).
    pub segments: Vec<(u64, usize)>,
    /// Those segments' bytes, which the messages' offsets point into; empty when the
    /// messages are in the segment's own payload.
    pub reassembled: Vec<u8>,
    /// The messages it shows, in order.
    pub messages: Vec<MessageView>,
    /// Bytes that start no message (`Continuation`): their offset.
    pub continuation: Option<usize>,
    /// The capture cut the payload: the last message is shown as far as it goes.
    pub cut: bool,
    /// Bytes with no line end in a payload the capture cut: HTTP looked past the bytes
    /// captured for one (`HTTP truncated`).
    pub truncated: bool,
}

/// One message of a segment, and where it stands in its conversation.
#[derive(Clone, Debug, Default)]
pub struct MessageView {
    /// Its offset and length in the payload (or the reassembled bytes).
    pub at: usize,
    pub len: usize,
    pub request: bool,
    /// Its exchange's number, and how many the conversation has had so far.
    pub number: usize,
    pub total: usize,
    pub prev_request: Option<u64>,
    pub prev_response: Option<u64>,
    /// For a response: its request's frame and the time since it.
    pub request_in: Option<u64>,
    pub time: Option<(i64, i64)>,
    /// A request's full URI; for a response, the conversation's last request URI.
    pub uri: Option<String>,
    /// A response to a HEAD request (no body).
    pub answers_head: bool,
}

#[derive(Debug, Default)]
struct Way {
    /// A message's bytes so far, while it waits for more.
    pending: Vec<u8>,
    wait: Option<Wait>,
    /// The methods of the requests this direction sent, not yet answered.
    requests: std::collections::VecDeque<bool>,
    /// The segments (frame, bytes) of the pending bytes (kept only with views).
    parts: Vec<(u64, usize)>,
    /// While bytes are pending: the relative sequence number right after them.
    next_seq: Option<u32>,
    /// Segments that came past a gap while bytes are pending (sequence number, frame,
    /// bytes), put in place when the gap is filled.
    ahead: Vec<(u32, u64, Vec<u8>)>,
}

impl Way {
    /// Appends the segments waiting past the pending bytes that now follow them.
    fn drain_ahead(&mut self, keep: bool) {
        while let Some(i) = self
            .ahead
            .iter()
            .position(|(seq, _, _)| Some(*seq) == self.next_seq)
        {
            let (seq, frame, bytes) = self.ahead.remove(i);
            self.pending.extend_from_slice(&bytes);
            if keep {
                self.parts.push((frame, bytes.len()));
            }
            self.next_seq = Some(seq.wrapping_add(bytes.len() as u32));
        }
    }

    /// Forgets what was pending.
    fn reset(&mut self) {
        self.wait = None;
        self.pending.clear();
        self.parts.clear();
        self.next_seq = None;
        self.ahead.clear();
    }
}

/// What a message that is not complete waits for.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Wait {
    /// It ends this many bytes into the pending bytes (its length is known).
    Bytes(usize),
    /// One more segment, then it is read again (headers, a chunked body).
    More,
    /// The sender's FIN: a response that states no length ends with the connection.
    Close,
}

/// A message read from the start of some bytes.
enum Message<'a> {
    /// They do not start with a request or status line.
    NotOne,
    /// They hold no line end.
    NoLine,
    /// Complete: its length, first line and the Info text after it.
    Complete {
        len: usize,
        line: &'a [u8],
        media: Option<String>,
        head: Option<bool>,
    },
    /// Not complete: its first line (if that is complete) and what it waits for.
    Partial { line: Option<&'a [u8]>, wait: Wait },
}

/// The segment being shown, as the listing has it so far.
pub struct Segment<'a> {
    pub stream: u32,
    /// 0: from the client, 1: from the server.
    pub way: usize,
    pub ports: (u16, u16),
    /// The payload as captured.
    pub payload: &'a [u8],
    /// The capture cut the payload short.
    pub cut: bool,
    /// Resent or out of order: not given to HTTP (though its bytes may fill the gap a
    /// pending message has).
    pub resent: bool,
    /// Its relative sequence number.
    pub seq: u32,
    /// Its frame's number and time.
    pub frame: u64,
    pub ts: Timestamp,
    /// It carries a FIN (which ends a response that states no length).
    pub fin: bool,
}

impl Http {
    pub fn new() -> Http {
        Http::default()
    }

    /// Keeps an [`HttpView`] of each segment, for the field tree.
    pub fn keep_views(&mut self) {
        self.keep = true;
    }

    /// The view of the last segment given, if it was HTTP's and views are kept.
    pub fn view(&self) -> Option<&HttpView> {
        self.view.as_ref()
    }

    /// Gives a TCP segment to HTTP: `protocol` and `info` (TCP's, as written) become the
    /// HTTP row's where the segment is HTTP's. Returns the messages it completes, as the
    /// demo's Step column names them (`request GET /`, `response 200 OK`).
    pub fn segment(
        &mut self,
        seg: &Segment<'_>,
        protocol: &mut &'static str,
        info: &mut String,
    ) -> Option<String> {
        self.view = None;
        let mut steps: Option<String> = None;
        self.read(seg, protocol, info, &mut steps);
        steps
    }

    fn read(
        &mut self,
        seg: &Segment<'_>,
        protocol: &mut &'static str,
        info: &mut String,
        steps: &mut Option<String>,
    ) {
        if seg.resent {
            self.fill(seg);
            return;
        }
        if seg.payload.is_empty() {
            // Only a FIN that ends a response waiting for the close.
            let closes = seg.fin
                && self
                    .conversations
                    .get(&seg.stream)
                    .is_some_and(|c| c.ways[seg.way.min(1)].wait == Some(Wait::Close));
            if !closes {
                return;
            }
        }
        // A conversation is kept only once it is HTTP's; until then each segment is tried.
        let http = self.conversations.contains_key(&seg.stream)
            || PORTS.contains(&seg.ports.0)
            || PORTS.contains(&seg.ports.1)
            || heuristic(seg.payload);
        if !http {
            return;
        }
        let keep = self.keep;
        let mut view = keep.then(|| HttpView {
            frame: seg.frame,
            cut: seg.cut,
            ..HttpView::default()
        });
        let conversation = self.conversations.entry(seg.stream).or_default();
        let Conversation {
            ways: [client, server],
            exchanges,
            last_uri,
        } = conversation;
        let (way, other) = match seg.way {
            0 => (client, server),
            _ => (server, client),
        };
        let data: Vec<u8>;
        let reassembling = way.wait.is_some();
        // Past a gap in what is pending: kept aside until the gap is filled.
        if way.wait.is_some()
            && way
                .next_seq
                .is_some_and(|next| seg.seq.wrapping_sub(next) as i32 > 0)
        {
            let held: usize = way.ahead.iter().map(|(_, _, b)| b.len()).sum();
            if way.pending.len() + held + seg.payload.len() <= MAX_MESSAGE {
                way.ahead.push((seg.seq, seg.frame, seg.payload.to_vec()));
            }
            info.push_str(" [TCP segment of a reassembled PDU]");
            if let Some(mut view) = view {
                view.segment_data = true;
                self.view = Some(view);
            }
            return;
        }
        let end_seq = seg.seq.wrapping_add(seg.payload.len() as u32);
        let bytes: &[u8] = match way.wait.take() {
            None => seg.payload,
            Some(wait) => {
                way.pending.extend_from_slice(seg.payload);
                if keep {
                    way.parts.push((seg.frame, seg.payload.len()));
                }
                way.next_seq = Some(end_seq);
                way.drain_ahead(keep);
                let waits = match wait {
                    Wait::Bytes(end) => way.pending.len() < end,
                    Wait::Close => !seg.fin,
                    Wait::More => false,
                };
                if waits {
                    way.wait = Some(wait);
                    info.push_str(" [TCP segment of a reassembled PDU]");
                    if let Some(mut view) = view {
                        view.segment_data = true;
                        self.view = Some(view);
                    }
                    return;
                }
                data = std::mem::take(&mut way.pending);
                &data
            }
        };
        if let Some(view) = view.as_mut() {
            view.segment_data = reassembling;
        }
        let mut text = String::new();
        let mut shown = false;
        let mut at = 0;
        // Where the bytes left waiting start, if some are.
        let mut waiting: Option<usize> = None;
        let mut done = false;
        while at < bytes.len() && !done {
            let answers_head = other.requests.front().copied();
            match message(&bytes[at..], answers_head.unwrap_or(false), seg.fin) {
                Message::NotOne => {
                    if !shown {
                        text.push_str("Continuation");
                        shown = true;
                        if let Some(view) = view.as_mut() {
                            view.continuation = Some(at);
                        }
                    }
                    break;
                }
                // No line end: HTTP waits for more, or, in a segment the capture cut, looks
                // for one past the bytes captured.
                Message::NoLine if seg.cut => {
                    if !shown {
                        text.push_str("Continuation");
                        if let Some(view) = view.as_mut() {
                            view.continuation = Some(at);
                            view.truncated = true;
                        }
                    }
                    text.push_str("[Packet size limited during capture]");
                    shown = true;
                    break;
                }
                Message::NoLine => {
                    let rest = &bytes[at..];
                    if rest.len() <= MAX_MESSAGE {
                        way.pending = rest.to_vec();
                        way.next_seq = Some(end_seq);
                        way.ahead.clear();
                        way.wait = Some(Wait::More);
                        waiting = Some(at);
                    }
                    if !shown {
                        info.push_str(" [TCP segment of a reassembled PDU]");
                        done = true;
                        continue;
                    }
                    text.push_str(" [TCP segment of a reassembled PDU]");
                    break;
                }
                Message::Complete {
                    len,
                    line,
                    media,
                    head,
                } => {
                    push_line(&mut text, line);
                    if let Some(media) = media {
                        text.push_str(" (");
                        text.push_str(&media);
                        text.push(')');
                    }
                    let step = step_name(line, head.is_some());
                    match steps.as_mut() {
                        Some(steps) => {
                            steps.push_str(", ");
                            steps.push_str(&step);
                        }
                        None => *steps = Some(step),
                    }
                    if let Some(view) = view.as_mut() {
                        let message = &bytes[at..at + len];
                        view.messages
                            .push(pair((exchanges, last_uri), message, head, seg));
                        if let Some(last) = view.messages.last_mut() {
                            last.at = at;
                            last.len = len;
                            last.answers_head = head.is_none() && answers_head == Some(true);
                        }
                    }
                    match head {
                        Some(is_head) => way.requests.push_back(is_head),
                        None => {
                            other.requests.pop_front();
                        }
                    }
                    shown = true;
                    at += len;
                }
                Message::Partial { line, wait } => {
                    if seg.cut {
                        // Not reassembled: shown as far as it was captured.
                        if let Some(line) = line {
                            push_line(&mut text, line);
                        }
                        text.push_str("[Packet size limited during capture]");
                        if let Some(view) = view.as_mut() {
                            let head = line.and_then(|l| kind(l).ok()).flatten();
                            let message = &bytes[at..];
                            view.messages
                                .push(pair((exchanges, last_uri), message, head, seg));
                            if let Some(last) = view.messages.last_mut() {
                                last.at = at;
                                last.len = bytes.len() - at;
                            }
                        }
                        shown = true;
                        break;
                    }
                    let rest = &bytes[at..];
                    if rest.len() <= MAX_MESSAGE {
                        way.pending = rest.to_vec();
                        way.next_seq = Some(end_seq);
                        way.ahead.clear();
                        way.wait = Some(wait);
                        waiting = Some(at);
                    }
                    match line {
                        Some(line) => {
                            push_line(&mut text, line);
                            if !shown {
                                *protocol = "TCP";
                                *info = std::mem::take(&mut text);
                                info.push_str(" [TCP segment of a reassembled PDU]");
                                done = true;
                                continue;
                            }
                            text.push_str(" [TCP segment of a reassembled PDU]");
                        }
                        None if !shown => {
                            info.push_str(" [TCP segment of a reassembled PDU]");
                            done = true;
                            continue;
                        }
                        None => text.push_str(" [TCP segment of a reassembled PDU]"),
                    }
                    break;
                }
            }
        }
        if way.wait.is_none() {
            way.next_seq = None;
            way.ahead.clear();
        }
        if let Some(mut view) = view {
            if reassembling && !view.messages.is_empty() {
                view.segments = std::mem::take(&mut way.parts);
                view.reassembled = bytes.to_vec();
            }
            if let Some(from) = waiting {
                view.segment_data = true;
                // The bytes left waiting: this segment's, unless they began in earlier ones.
                let mine = seg.payload.len().min(bytes.len() - from);
                if !(reassembling && from == 0) {
                    way.parts = vec![(seg.frame, mine)];
                }
            }
            self.view = Some(view);
        }
        if shown && !done {
            *protocol = "HTTP";
            *info = text;
        }
    }

    /// A resent or out-of-order segment: HTTP does not read it, but TCP puts its bytes in the
    /// gap a pending message has, if they fill it. A message that completes so is used up
    /// unread (tshark 4.0 shows the reassembly in that segment's tree, and no HTTP).
    fn fill(&mut self, seg: &Segment<'_>) {
        let keep = self.keep;
        let Some(conversation) = self.conversations.get_mut(&seg.stream) else {
            return;
        };
        let [client, server] = &mut conversation.ways;
        let (way, other) = match seg.way {
            0 => (client, server),
            _ => (server, client),
        };
        if seg.payload.is_empty() || way.wait.is_none() || way.next_seq != Some(seg.seq) {
            return;
        }
        way.pending.extend_from_slice(seg.payload);
        if keep {
            way.parts.push((seg.frame, seg.payload.len()));
        }
        way.next_seq = Some(seg.seq.wrapping_add(seg.payload.len() as u32));
        way.drain_ahead(keep);
        let mut view = keep.then(|| HttpView {
            frame: seg.frame,
            segment_data: true,
            ..HttpView::default()
        });
        let answers_head = other.requests.front().copied().unwrap_or(false);
        let complete = match way.wait {
            Some(Wait::Bytes(end)) => (way.pending.len() >= end).then_some(end),
            Some(Wait::More) => match message(&way.pending, answers_head, false) {
                Message::Complete { len, .. } => Some(len),
                _ => None,
            },
            Some(Wait::Close) | None => None,
        };
        if let Some(len) = complete {
            if let Some(view) = view.as_mut() {
                view.segments = std::mem::take(&mut way.parts);
                view.reassembled = way.pending[..len.min(way.pending.len())].to_vec();
            }
            // What follows the message waits to be read with the next segment.
            let rest = way.pending.split_off(len.min(way.pending.len()));
            let next = way.next_seq;
            way.reset();
            if !rest.is_empty() {
                way.pending = rest;
                way.wait = Some(Wait::More);
                way.next_seq = next;
            }
        }
        self.view = view;
    }

    /// Forgets TCP stream `stream` (its conversation is over).
    pub fn forget(&mut self, stream: u32) {
        self.conversations.remove(&stream);
    }
}

/// Pairs a message with its exchange as Wireshark 4.0's single pass does: a request opens
/// one; a response answers the last one if that has a request and no response yet, or else
/// opens one of its own (so that pipelined responses are not paired with their requests).
/// Every response is given the conversation's last request URI. Returns the message's view,
/// offsets left to the caller.
fn pair(
    (exchanges, last_uri): (&mut Vec<Exchange>, &mut Option<String>),
    message: &[u8],
    head: Option<bool>,
    seg: &Segment<'_>,
) -> MessageView {
    let request = head.is_some();
    let answers_last = exchanges
        .last()
        .is_some_and(|e| e.request.is_some() && e.response.is_none());
    let index = if request {
        let (full, uri) = request_uris(message);
        *last_uri = full.clone().or(uri);
        exchanges.push(Exchange {
            request: Some((seg.frame, seg.ts)),
            response: None,
            uri: full,
        });
        exchanges.len() - 1
    } else if answers_last {
        let last = exchanges.len() - 1;
        exchanges[last].response = Some(seg.frame);
        last
    } else {
        exchanges.push(Exchange {
            response: Some(seg.frame),
            ..Exchange::default()
        });
        exchanges.len() - 1
    };
    let prev = index.checked_sub(1).and_then(|i| exchanges.get(i));
    let this = &exchanges[index];
    MessageView {
        request,
        number: index + 1,
        total: exchanges.len(),
        prev_request: prev.and_then(|p| p.request.map(|r| r.0)),
        prev_response: prev.and_then(|p| p.response).filter(|_| !request),
        request_in: this.request.map(|r| r.0).filter(|_| !request),
        time: this
            .request
            .filter(|_| !request)
            .map(|(_, ts)| seg.ts.delta(ts)),
        uri: match request {
            true => this.uri.clone(),
            false => last_uri.clone(),
        },
        ..MessageView::default()
    }
}

/// A request's full URI (`http://`, its Host header's value, its URI; or the URI itself
/// when it is absolute), if it names its host; and its URI.
fn request_uris(message: &[u8]) -> (Option<String>, Option<String>) {
    let Some((line, _)) = first_line(message) else {
        return (None, None);
    };
    let line = String::from_utf8_lossy(line);
    let Some(uri) = line.split(' ').nth(1) else {
        return (None, None);
    };
    if uri.contains("://") {
        return (Some(uri.to_owned()), Some(uri.to_owned()));
    }
    let end = headers_end(message).unwrap_or(message.len());
    let full = header(&message[..end], "host").map(|host| format!("http://{host}{uri}"));
    (full, Some(uri.to_owned()))
}

/// A message as a step of the exchange: `request GET /` (method and URI), `response 200 OK`
/// (code and phrase).
fn step_name(line: &[u8], request: bool) -> String {
    let line = String::from_utf8_lossy(line);
    let mut parts = line.splitn(3, ' ');
    let (first, second, third) = (parts.next(), parts.next(), parts.next());
    match request {
        true => format!(
            "request {} {}",
            first.unwrap_or_default(),
            second.unwrap_or_default()
        ),
        false => format!(
            "response {} {}",
            second.unwrap_or_default(),
            third.unwrap_or_default()
        )
        .trim_end()
        .to_owned(),
    }
}

/// A first line as Info shows it: its text and a space.
fn push_line(text: &mut String, line: &[u8]) {
    text.push_str(&String::from_utf8_lossy(line));
    text.push(' ');
}

/// Wireshark's heuristic for HTTP on other ports: a first line, ended, not 8 bytes long,
/// that starts or ends with `HTTP/1.1`, whatever the case.
pub fn heuristic(payload: &[u8]) -> bool {
    let Some((line, _)) = first_line(payload) else {
        return false;
    };
    let token = b"HTTP/1.1";
    line.len() != 8
        && line.len() >= 8
        && (line[..8].eq_ignore_ascii_case(token)
            || line[line.len() - 8..].eq_ignore_ascii_case(token))
}

/// The first line of `bytes` (without its line end) and where the next one starts.
fn first_line(bytes: &[u8]) -> Option<(&[u8], usize)> {
    // As Wireshark's tvb_find_line_end: CR LF, a lone CR or a lone LF ends a line.
    let end = memchr::memchr2(b'\r', b'\n', bytes)?;
    let next = match bytes[end..] {
        [b'\r', b'\n', ..] => end + 2,
        _ => end + 1,
    };
    Some((&bytes[..end], next))
}

/// Whether `line` is a request line (`Some(is HEAD)`) or a status line (`None`), or
/// neither (`Err`).
fn kind(line: &[u8]) -> Result<Option<bool>, ()> {
    if line.starts_with(b"HTTP/1.") {
        return Ok(None);
    }
    let method = line.split(|&b| b == b' ').next().unwrap_or_default();
    match METHODS.iter().any(|m| m.as_bytes() == method) && method.len() < line.len() {
        true => Ok(Some(method == b"HEAD")),
        false => Err(()),
    }
}

/// The message at the start of `bytes`; a response answers a HEAD request when
/// `answers_head`; the sender closes its side after them when `closing`.
fn message(bytes: &[u8], answers_head: bool, closing: bool) -> Message<'_> {
    let Some((line, _)) = first_line(bytes) else {
        return Message::NoLine;
    };
    let Ok(head) = kind(line) else {
        return Message::NotOne;
    };
    // The headers end at the first empty line.
    let Some(body) = headers_end(bytes) else {
        return Message::Partial {
            line: Some(line),
            wait: Wait::More,
        };
    };
    let headers = &bytes[..body];
    let status: u16 = match head {
        Some(_) => 0,
        None => std::str::from_utf8(line.get(9..12).unwrap_or_default())
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
    };
    let no_body = head.is_none()
        && (answers_head || (100..200).contains(&status) || status == 204 || status == 304);
    let chunked = header(headers, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let length: Option<usize> =
        header(headers, "content-length").and_then(|v| v.trim().parse().ok());
    let end = if no_body {
        body
    } else if chunked {
        match chunks_end(bytes, body) {
            Some(end) => end,
            None => {
                return Message::Partial {
                    line: Some(line),
                    wait: Wait::More,
                }
            }
        }
    } else if let Some(length) = length {
        if bytes.len() < body + length {
            return Message::Partial {
                line: Some(line),
                wait: Wait::Bytes(body + length),
            };
        }
        body + length
    } else if head.is_some() {
        body
    } else if closing {
        // A response of no stated length ends with its sender's FIN.
        bytes.len()
    } else {
        return Message::Partial {
            line: Some(line),
            wait: Wait::Close,
        };
    };
    // A body's media type, but for the one Wireshark hands to its data dissector, and for a
    // body whose Content-Encoding it could not undo (it shows its bytes as data then).
    let decoded = || match content_coding(headers) {
        None => true,
        Some(coding) => {
            let raw = &bytes[body..end];
            let raw = if chunked { dechunk(raw) } else { raw.to_vec() };
            decode_body(&coding, &raw).is_some()
        }
    };
    let media = (end > body)
        .then(|| header(headers, "content-type"))
        .flatten()
        .map(|v| media_type(&v))
        .filter(|m| m != "application/octet-stream")
        .filter(|_| decoded());
    Message::Complete {
        len: end,
        line,
        media,
        head,
    }
}

/// The Content-Encoding of a message's `headers`, as given, unless `identity`.
pub fn content_coding(headers: &[u8]) -> Option<String> {
    header(headers, "content-encoding").filter(|c| !c.eq_ignore_ascii_case("identity"))
}

/// A body's bytes once its Content-Encoding is undone, as Wireshark 4.0 undoes it: gzip,
/// x-gzip and deflate through zlib (which takes a gzip or zlib stream, or else raw deflate),
/// and br; `None` for another coding, or bytes that do not decode. At most 64 MiB.
pub fn decode_body(coding: &str, body: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    const LIMIT: u64 = 64 << 20;
    let read = |mut reader: Box<dyn Read + '_>| {
        let mut out = Vec::new();
        (&mut reader)
            .take(LIMIT)
            .read_to_end(&mut out)
            .ok()
            .map(|_| out)
    };
    match coding.to_ascii_lowercase().as_str() {
        "gzip" | "x-gzip" | "deflate" if body.starts_with(&[0x1f, 0x8b]) => {
            read(Box::new(flate2::read::GzDecoder::new(body)))
        }
        "gzip" | "x-gzip" | "deflate" => read(Box::new(flate2::read::ZlibDecoder::new(body)))
            .or_else(|| read(Box::new(flate2::read::DeflateDecoder::new(body)))),
        "br" => read(Box::new(brotli_decompressor::Decompressor::new(body, 4096))),
        _ => None,
    }
}

/// A chunked body's data, its chunks put together.
pub fn dechunk(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some((line, next)) = body.get(at..).and_then(first_line) {
        let size = std::str::from_utf8(line).ok();
        let size = size.map(|s| s.split(';').next().unwrap_or_default().trim());
        let Some(size) = size.and_then(|s| usize::from_str_radix(s, 16).ok()) else {
            break;
        };
        at += next;
        if size == 0 {
            break;
        }
        let Some(chunk) = body.get(at..at + size) else {
            break;
        };
        out.extend_from_slice(chunk);
        at += size;
        match body.get(at..at + 2) {
            Some(b"\r\n") => at += 2,
            _ => at += 1,
        }
    }
    out
}

/// A Content-Type's media type: before its parameters, trimmed, in lowercase.
pub fn media_type(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Where the body starts: after the first empty line.
fn headers_end(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    while let Some(end) = memchr::memchr(b'\n', &bytes[at..]) {
        let line = &bytes[at..at + end];
        at += end + 1;
        if line.is_empty() || line == b"\r" {
            return Some(at);
        }
    }
    None
}

/// The value of header `name` (case-insensitive) in `headers`.
fn header(headers: &[u8], name: &str) -> Option<String> {
    headers.split(|&b| b == b'\n').skip(1).find_map(|line| {
        let colon = memchr::memchr(b':', line)?;
        line[..colon]
            .trim_ascii()
            .eq_ignore_ascii_case(name.as_bytes())
            .then(|| String::from_utf8_lossy(line[colon + 1..].trim_ascii()).into_owned())
    })
}

/// Where a chunked body that starts at `at` ends (after its last chunk and trailer), if
/// all of it is in `bytes`.
fn chunks_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let (line, next) = first_line(&bytes[at..])?;
        let size = std::str::from_utf8(line).ok()?;
        let size = size.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16).ok()?;
        at += next;
        if size == 0 {
            // Trailer lines, up to an empty one.
            loop {
                let (line, next) = first_line(&bytes[at..])?;
                at += next;
                if line.is_empty() {
                    return Some(at);
                }
            }
        }
        at = at.checked_add(size)?;
        let (_, next) = first_line(bytes.get(at..)?)?;
        at += next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heuristic_wants_http_1_1_at_either_end_of_a_whole_first_line() {
        assert!(heuristic(b"GET / HTTP/1.1\r\nHost: x\r\n"));
        assert!(heuristic(b"http/1.1 200 OK\r\n"));
        assert!(!heuristic(b"GET / HTTP/1.1"), "no line end");
        assert!(!heuristic(b"HTTP/1.1\r\n"), "8 bytes");
        assert!(!heuristic(b"GET / HTTP/1.0\r\n"));
        assert!(!heuristic(b"welcome to python!"));
    }

    #[test]
    fn content_codings_are_undone_as_wireshark_undoes_them() {
        use std::io::Write;
        let body = b"welcome to python!\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(body).expect("gzip");
        let gz = gz.finish().expect("gzip");
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        raw.write_all(body).expect("deflate");
        let raw = raw.finish().expect("deflate");
        assert_eq!(decode_body("GZIP", &gz).as_deref(), Some(&body[..]));
        assert_eq!(decode_body("deflate", &raw).as_deref(), Some(&body[..]));
        assert_eq!(
            decode_body("br", b"\x0b\x02\x80hello\x03").as_deref(),
            Some(&b"hello"[..])
        );
        assert_eq!(decode_body("gzip", b"not gzip at all"), None);
        assert_eq!(
            decode_body("gzip", &gz[..gz.len() - 4]).map(|b| b.len()),
            None
        );
        assert_eq!(decode_body("zstd", &gz), None);
        assert_eq!(dechunk(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"), b"abcde");
    }

    #[test]
    fn chunked_bodies_end_after_the_last_chunk_and_trailer() {
        let body = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        let start = headers_end(body).expect("headers");
        assert_eq!(start, 47);
        assert_eq!(chunks_end(body, start), Some(body.len()));
        assert_eq!(chunks_end(&body[..body.len() - 2], start), None);
    }
}
