//! HTTP/1.x in the field tree, as tshark 4.0 shows it with its HTTP dissector on
//! (`--enable-protocol http`): the TCP reassembly a message needed, each message's first
//! line, headers and place in its conversation, a chunked body's chunks, and the body as the
//! protocol its media type names (`Line-based text data` for text, `Data` otherwise).
//!
//! What HTTP made of the segment comes from the listing's HTTP stage
//! ([`crate::timeline::http::HttpView`]); this module only lays it out.

use super::{data, Base, Builder, Field, Kind, Value};
use crate::timeline::http::{HttpView, MessageView};

fields! {
    HTTP: "http", "Hypertext Transfer Protocol", Kind::Protocol;
    CHAT: "http.chat", "Formatted text", Kind::Protocol;
    REQUEST: "http.request", "Request", Kind::Bool;
    RESPONSE: "http.response", "Response", Kind::Bool;
    METHOD: "http.request.method", "Request Method", Kind::Str;
    URI: "http.request.uri", "Request URI", Kind::Str;
    VERSION: "http.request.version", "Request Version", Kind::Str;
    RESPONSE_VERSION: "http.response.version", "Response Version", Kind::Str;
    CODE: "http.response.code", "Status Code", Kind::UInt(16, Base::Dec);
    CODE_DESC: "http.response.code.desc", "Status Code Description", Kind::Str;
    PHRASE: "http.response.phrase", "Response Phrase", Kind::Str;
    REQUEST_LINE: "http.request.line", "Request line", Kind::Str;
    RESPONSE_LINE: "http.response.line", "Response line", Kind::Str;
    FULL_URI: "http.request.full_uri", "Full request URI", Kind::Str;
    REQUEST_NUMBER: "http.request_number", "Request number", Kind::UInt(32, Base::Dec);
    RESPONSE_NUMBER: "http.response_number", "Response number", Kind::UInt(32, Base::Dec);
    PREV_REQUEST_IN: "http.prev_request_in", "Prev request in frame", Kind::FrameNum;
    PREV_RESPONSE_IN: "http.prev_response_in", "Prev response in frame", Kind::FrameNum;
    REQUEST_IN: "http.request_in", "Request in frame", Kind::FrameNum;
    // Known only to a second pass (tshark -2), which the listing never makes: never set.
    RESPONSE_IN: "http.response_in", "Response in frame", Kind::FrameNum;
    NEXT_REQUEST_IN: "http.next_request_in", "Next request in frame", Kind::FrameNum;
    NEXT_RESPONSE_IN: "http.next_response_in", "Next response in frame", Kind::FrameNum;
    TIME: "http.time", "Time since request", Kind::RelTime;
    RESPONSE_FOR_URI: "http.response_for.uri", "Request URI", Kind::Str;
    FILE_DATA: "http.file_data", "File Data", Kind::Str;
    CONTENT_LENGTH: "http.content_length", "Content length", Kind::UInt(64, Base::Dec);
    CONTENT_LENGTH_HEADER: "http.content_length_header", "Content-Length", Kind::Str;
    CHUNK_SIZE: "http.chunk_size", "Chunk size", Kind::UInt(32, Base::Dec);
    CHUNK_DATA: "http.chunk_data", "Chunk data", Kind::Bytes;
    CHUNK_BOUNDARY: "http.chunk_boundary", "Chunk boundary", Kind::Bytes;
    TRAILER: "http.chunked_trailer_part", "trailer-part", Kind::Str;
    // Registered by Wireshark but not added by 4.0 for a header it does not know (that
    // header's line is shown as `http.request.line`/`http.response.line`): never set.
    UNKNOWN_HEADER: "http.unknown_header", "Unknown header", Kind::Str;
    AUTHORIZATION: "http.authorization", "Authorization", Kind::Str;
    PROXY_AUTHORIZATION: "http.proxy_authorization", "Proxy-Authorization", Kind::Str;
    PROXY_AUTHENTICATE: "http.proxy_authenticate", "Proxy-Authenticate", Kind::Str;
    WWW_AUTHENTICATE: "http.www_authenticate", "WWW-Authenticate", Kind::Str;
    CONTENT_TYPE: "http.content_type", "Content-Type", Kind::Str;
    CONTENT_ENCODING: "http.content_encoding", "Content-Encoding", Kind::Str;
    TRANSFER_ENCODING: "http.transfer_encoding", "Transfer-Encoding", Kind::Str;
    UPGRADE: "http.upgrade", "Upgrade", Kind::Str;
    USER_AGENT: "http.user_agent", "User-Agent", Kind::Str;
    HOST: "http.host", "Host", Kind::Str;
    CONNECTION: "http.connection", "Connection", Kind::Str;
    COOKIE: "http.cookie", "Cookie", Kind::Str;
    ACCEPT: "http.accept", "Accept", Kind::Str;
    REFERER: "http.referer", "Referer", Kind::Str;
    ACCEPT_LANGUAGE: "http.accept_language", "Accept-Language", Kind::Str;
    ACCEPT_ENCODING: "http.accept_encoding", "Accept Encoding", Kind::Str;
    DATE: "http.date", "Date", Kind::Str;
    CACHE_CONTROL: "http.cache_control", "Cache-Control", Kind::Str;
    SERVER: "http.server", "Server", Kind::Str;
    LOCATION: "http.location", "Location", Kind::Str;
    SET_COOKIE: "http.set_cookie", "Set-Cookie", Kind::Str;
    LAST_MODIFIED: "http.last_modified", "Last-Modified", Kind::Str;
    X_FORWARDED_FOR: "http.x_forwarded_for", "X-Forwarded-For", Kind::Str;
    TEXT_LINES: "data-text-lines", "Line-based text data", Kind::Protocol;
    SUBDISSECTOR_FAILED: "http.subdissector_failed", "HTTP body subdissector failed, trying heuristic subdissector", Kind::Protocol;
    DECOMPRESSION_FAILED: "http.decompression_failed", "Decompression failed", Kind::Protocol;
    MEDIA: "media", "Media Type", Kind::Protocol;
    MEDIA_TYPE: "media.type", "Media type", Kind::Bytes;
}

/// The media types Wireshark's `data-text-lines` reads (`packet-text-media.c`).
static TEXT_LINE_TYPES: &[&str] = &[
    "text/plain",
    "text/richtext",
    "text/enriched",
    "text/parameters",
    "text/html",
    "text/xml-external-parsed-entity",
    "text/css",
    "application/xml-external-parsed-entity",
    "text/javascript",
    "application/x-javascript",
    "application/x-tia-p25-issi",
    "application/x-tia-p25-sndcp",
    "application/x-ns-proxy-autoconfig",
    "text/vnd.sun.j2me.app-descriptor",
    "application/vnd.poc.refer-to",
    "application/vnd.drm.message",
    "application/x-rtsp-udp-packetpair",
];

/// Media types a dissector of Wireshark 4.0 registers for, that the judged configuration
/// leaves off (JSON, XML, images, multipart, forms…): HTTP tries it, notes that it failed
/// (`http.subdissector_failed`), and hands the body to `media`. Found by asking tshark 4.0
/// about each; a type not listed is taken for one no dissector registers.
static REGISTERED_TYPES: &[&str] = &[
    "application/atom+xml",
    "application/cbor",
    "application/dns-message",
    "application/grpc",
    "application/grpc+proto",
    "application/grpc-web",
    "application/grpc-web+proto",
    "application/ipp",
    "application/isup",
    "application/json",
    "application/json-rpc",
    "application/jsonrequest",
    "application/mikey",
    "application/ocsp-request",
    "application/ocsp-response",
    "application/pkcs7-mime",
    "application/pkcs7-signature",
    "application/pkix-cert",
    "application/pkix-crl",
    "application/problem+json",
    "application/qsig",
    "application/rdf+xml",
    "application/rss+xml",
    "application/sdp",
    "application/simple-filter+xml",
    "application/soap+xml",
    "application/vnd.wap.mms-message",
    "application/vnd.wap.wmlc",
    "application/x-amf",
    "application/x-wms-logplaystats",
    "application/x-www-form-urlencoded",
    "application/xml",
    "application/xml-dtd",
    "image/gif",
    "image/jfif",
    "image/jpeg",
    "image/png",
    "image/svg+xml",
    "message/http",
    "message/sip",
    "multipart/alternative",
    "multipart/byteranges",
    "multipart/form-data",
    "multipart/mixed",
    "multipart/related",
    "multipart/signed",
    "text/vnd.wap.wml",
    "text/xml",
    "video/mp4",
];

/// The protocol a body goes to, by its media type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Body {
    /// `Line-based text data`.
    TextLines,
    /// `Data`: `application/octet-stream`.
    Data,
    /// `Media Type`, after a registered dissector that is off failed if `true`.
    Media(bool),
}

fn body_of(media: Option<&str>) -> Body {
    match media {
        Some(m) if TEXT_LINE_TYPES.contains(&m) => Body::TextLines,
        Some("application/octet-stream") => Body::Data,
        Some(m) => Body::Media(REGISTERED_TYPES.contains(&m)),
        None => Body::Media(false),
    }
}

/// Headers with a field of their own (name in lowercase); the others are shown as their
/// line (`http.request.line`, `http.response.line`).
static HEADERS: &[(&str, &Field)] = &[
    ("authorization", &AUTHORIZATION),
    ("proxy-authorization", &PROXY_AUTHORIZATION),
    ("proxy-authenticate", &PROXY_AUTHENTICATE),
    ("www-authenticate", &WWW_AUTHENTICATE),
    ("content-type", &CONTENT_TYPE),
    ("content-length", &CONTENT_LENGTH_HEADER),
    ("content-encoding", &CONTENT_ENCODING),
    ("transfer-encoding", &TRANSFER_ENCODING),
    ("upgrade", &UPGRADE),
    ("user-agent", &USER_AGENT),
    ("host", &HOST),
    ("connection", &CONNECTION),
    ("cookie", &COOKIE),
    ("accept", &ACCEPT),
    ("referer", &REFERER),
    ("accept-language", &ACCEPT_LANGUAGE),
    ("accept-encoding", &ACCEPT_ENCODING),
    ("date", &DATE),
    ("cache-control", &CACHE_CONTROL),
    ("server", &SERVER),
    ("location", &LOCATION),
    ("set-cookie", &SET_COOKIE),
    ("last-modified", &LAST_MODIFIED),
    ("x-forwarded-for", &X_FORWARDED_FOR),
];

/// Wireshark's names of the status codes (`vals_http_status_code`).
static STATUS: &[(u16, &str)] = &[
    (100, "Continue"),
    (101, "Switching Protocols"),
    (102, "Processing"),
    (103, "Early Hints"),
    (199, "Informational - Others"),
    (200, "OK"),
    (201, "Created"),
    (202, "Accepted"),
    (203, "Non-authoritative Information"),
    (204, "No Content"),
    (205, "Reset Content"),
    (206, "Partial Content"),
    (207, "Multi-Status"),
    (208, "Already Reported"),
    (226, "IM Used"),
    (299, "Success - Others"),
    (300, "Multiple Choices"),
    (301, "Moved Permanently"),
    (302, "Found"),
    (303, "See Other"),
    (304, "Not Modified"),
    (305, "Use Proxy"),
    (307, "Temporary Redirect"),
    (308, "Permanent Redirect"),
    (399, "Redirection - Others"),
    (400, "Bad Request"),
    (401, "Unauthorized"),
    (402, "Payment Required"),
    (403, "Forbidden"),
    (404, "Not Found"),
    (405, "Method Not Allowed"),
    (406, "Not Acceptable"),
    (407, "Proxy Authentication Required"),
    (408, "Request Time-out"),
    (409, "Conflict"),
    (410, "Gone"),
    (411, "Length Required"),
    (412, "Precondition Failed"),
    (413, "Request Entity Too Large"),
    (414, "Request-URI Too Long"),
    (415, "Unsupported Media Type"),
    (416, "Requested Range Not Satisfiable"),
    (417, "Expectation Failed"),
    (418, "I'm a teapot"),
    (421, "Misdirected Request"),
    (422, "Unprocessable Entity"),
    (423, "Locked"),
    (424, "Failed Dependency"),
    (425, "Too Early"),
    (426, "Upgrade Required"),
    (428, "Precondition Required"),
    (429, "Too Many Requests"),
    (431, "Request Header Fields Too Large"),
    (451, "Unavailable For Legal Reasons"),
    (499, "Client Error - Others"),
    (500, "Internal Server Error"),
    (501, "Not Implemented"),
    (502, "Bad Gateway"),
    (503, "Service Unavailable"),
    (504, "Gateway Time-out"),
    (505, "HTTP Version not supported"),
    (506, "Variant Also Negotiates"),
    (507, "Insufficient Storage"),
    (508, "Loop Detected"),
    (510, "Not Extended"),
    (511, "Network Authentication Required"),
    (599, "Server Error - Others"),
];

/// A status code's name, as `http.response.code.desc` gives it.
pub fn status_name(code: u16) -> &'static str {
    STATUS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("Unknown", |(_, name)| name)
}

/// The protocols after `tcp` in `[Protocols in frame: …]` for a segment HTTP viewed as
/// `view` (`payload`: the segment's own bytes).
pub(super) fn protocols(view: &HttpView, payload: &[u8], out: &mut Vec<&'static str>) {
    let source = source(view, payload);
    if view.continuation.is_some() && view.messages.is_empty() {
        out.extend(["http", "data"]);
        return;
    }
    // HTTP is called once for the payload, its bodies' dissectors once each.
    if !view.messages.is_empty() {
        out.push("http");
    }
    for m in &view.messages {
        let message = source.get(m.at..m.at + m.len).unwrap_or_default();
        let parsed = Parsed::read(message, m);
        if !view.cut && parsed.body_len() > 0 {
            if let Some(coding) = &parsed.coding {
                let body = &message[parsed.body.0..parsed.body.1];
                let raw = match parsed.chunked {
                    true => crate::timeline::http::dechunk(body),
                    false => body.to_vec(),
                };
                if crate::timeline::http::decode_body(coding, &raw).is_none() {
                    out.push("data");
                    continue;
                }
            }
            out.push(match body_of(parsed.media.as_deref()) {
                Body::TextLines => "data-text-lines",
                Body::Data => "data",
                Body::Media(_) => "media",
            });
        }
    }
}

/// The bytes the messages' offsets point into.
fn source<'a>(view: &'a HttpView, payload: &'a [u8]) -> &'a [u8] {
    if view.reassembled.is_empty() {
        payload
    } else {
        &view.reassembled
    }
}

/// What the tree needs of a message's bytes.
struct Parsed<'a> {
    /// The first line and each header line, each with its line end, and where each starts.
    lines: Vec<(usize, &'a [u8])>,
    /// Where the empty line that ends the headers starts, if it was seen.
    blank: Option<(usize, &'a [u8])>,
    /// Where the body starts and ends.
    body: (usize, usize),
    chunked: bool,
    /// Its Content-Type's media type.
    media: Option<String>,
    /// Its Content-Encoding (unless `identity`), as given.
    coding: Option<String>,
}

impl<'a> Parsed<'a> {
    fn read(message: &'a [u8], m: &MessageView) -> Parsed<'a> {
        let mut lines = vec![];
        let mut blank = None;
        let mut at = 0;
        while at < message.len() {
            let rest = &message[at..];
            let Some(end) = memchr::memchr(b'\n', rest) else {
                break;
            };
            let line = &rest[..=end];
            if line == b"\r\n" || line == b"\n" {
                blank = Some((at, line));
                at += line.len();
                break;
            }
            lines.push((at, line));
            at += line.len();
        }
        let value = |name: &str| {
            lines.iter().skip(1).find_map(|(_, line)| {
                let (n, v) = split_header(line)?;
                n.eq_ignore_ascii_case(name).then(|| v.to_owned())
            })
        };
        let chunked =
            value("transfer-encoding").is_some_and(|v| v.to_lowercase().contains("chunked"));
        let media = value("content-type").map(|v| crate::timeline::http::media_type(&v));
        let coding = value("content-encoding").filter(|c| !c.eq_ignore_ascii_case("identity"));
        let body = if blank.is_some() && !m.answers_head {
            (at, message.len())
        } else {
            (message.len(), message.len())
        };
        Parsed {
            lines,
            blank,
            body,
            chunked,
            media,
            coding,
        }
    }

    fn body_len(&self) -> usize {
        self.body.1 - self.body.0
    }
}

/// A header line's name and value (both trimmed), if it has a colon.
fn split_header(line: &[u8]) -> Option<(&str, &str)> {
    let colon = memchr::memchr(b':', line)?;
    let name = std::str::from_utf8(&line[..colon]).ok()?.trim();
    let value = std::str::from_utf8(&line[colon + 1..]).ok()?;
    Some((
        name,
        value
            .trim_start_matches([' ', '\t'])
            .trim_end_matches(['\r', '\n']),
    ))
}

/// Text as Wireshark shows bytes in a label (`format_text`): control characters as escapes.
pub(super) fn format_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut s = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        match c {
            '\r' => s.push_str("\\r"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            '\x07' => s.push_str("\\a"),
            '\x08' => s.push_str("\\b"),
            '\x0b' => s.push_str("\\v"),
            '\x0c' => s.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                s.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => s.push(c),
        }
    }
    s
}

/// Adds what HTTP makes of the segment: `TCP segment data` under TCP (whose subtree was
/// the last one closed), the reassembled segments, and each message. `payload_at`: where
/// the segment's payload starts in the frame.
pub(super) fn build(b: &mut Builder, view: &HttpView, payload: &[u8], payload_at: usize) {
    if view.segment_data && !payload.is_empty() {
        b.open();
        b.add(
            &super::tcp::SEGMENT_DATA,
            Value::Bytes,
            (payload_at, payload.len()),
            format_args!("TCP segment data ({})", super::bytes_text(payload.len())),
        );
        b.close();
    }
    // Where the messages' offsets start in the tree's bytes.
    let base = if view.reassembled.is_empty() {
        payload_at
    } else {
        let base = b.add_source("Reassembled TCP", &view.reassembled);
        segments(b, view, base);
        base
    };
    let source = source(view, payload);
    if let (Some(at), true) = (view.continuation, view.messages.is_empty()) {
        let rest = source.get(at..).unwrap_or_default();
        let len = rest.len();
        b.add(
            &HTTP,
            Value::None,
            (base + at, len),
            "Hypertext Transfer Protocol",
        );
        b.open();
        // In a payload the capture cut, bytes that start no message are passed on as they
        // are; bytes with no line end were read as a body, as far as captured.
        if !view.cut || view.truncated {
            b.add(
                &FILE_DATA,
                Value::Str(file_data(rest)),
                (base + at, len),
                format_args!("File Data: {}", super::bytes_text(len)),
            );
        }
        data::build_nested(b, rest, base + at);
        b.close();
        if view.truncated {
            super::truncated(b, "HTTP", base + source.len());
        }
        return;
    }
    for m in &view.messages {
        let message = source.get(m.at..m.at + m.len).unwrap_or_default();
        message_tree(b, m, message, base + m.at, view.cut);
    }
}

/// `[N Reassembled TCP Segments (L bytes): #6(185), #8(52)]` and its lines.
fn segments(b: &mut Builder, view: &HttpView, base: usize) {
    let total = view.reassembled.len();
    let mut title = format!(
        "{} Reassembled TCP Segments ({}): ",
        view.segments.len(),
        super::bytes_text(total)
    );
    for (i, (frame, len)) in view.segments.iter().enumerate() {
        if i > 0 {
            title.push_str(", ");
        }
        title.push_str(&format!("#{frame}({len})"));
    }
    b.add(&super::tcp::SEGMENTS, Value::None, (base, total), title)
        .generated = true;
    b.open();
    let mut at = 0;
    for (frame, len) in &view.segments {
        let last = (at + len).saturating_sub(1);
        let label = match len {
            // The FIN that ended a body of no stated length.
            0 => format!("Frame: {frame} (no data)"),
            _ => format!(
                "Frame: {frame}, payload: {at}-{last} ({})",
                super::bytes_text(*len)
            ),
        };
        b.add(
            &super::tcp::SEGMENT,
            Value::UInt(*frame),
            (base + at, *len),
            label,
        )
        .generated = true;
        at += len;
    }
    b.generated(
        &super::tcp::SEGMENT_COUNT,
        Value::UInt(view.segments.len() as u64),
        (base, total),
    );
    b.generated(
        &super::tcp::REASSEMBLED_LENGTH,
        Value::UInt(total as u64),
        (base, total),
    );
    b.add(
        &super::tcp::REASSEMBLED_DATA,
        Value::Bytes,
        (base, total),
        format_args!(
            "Reassembled TCP Data: {}",
            super::shown_bytes(&view.reassembled)
        ),
    )
    .generated = true;
    b.close();
}

/// One message's subtree at `at` in the tree's bytes, then its body's protocol.
fn message_tree(b: &mut Builder, m: &MessageView, message: &[u8], at: usize, cut: bool) {
    let parsed = Parsed::read(message, m);
    b.add(
        &HTTP,
        Value::None,
        (at, message.len()),
        "Hypertext Transfer Protocol",
    );
    b.open();
    let line_field = if m.request {
        &REQUEST_LINE
    } else {
        &RESPONSE_LINE
    };
    for (i, (off, line)) in parsed.lines.iter().enumerate() {
        let range = (at + off, line.len());
        let label = format_text(line);
        if i == 0 {
            b.text(&label, false);
            if let Some(node) = b.last_node() {
                node.start = range.0;
                node.len = range.1;
            }
            b.open();
            b.expert_here(&CHAT, "http.chat", "Chat", "Sequence", &label);
            first_line(b, m.request, line, at + off);
            b.close();
            continue;
        }
        let raw = Value::Str(String::from_utf8_lossy(line).into_owned());
        let known = split_header(line).and_then(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            HEADERS
                .iter()
                .find(|(n, _)| *n == lower)
                .map(|(_, field)| (*field, value))
        });
        match known {
            Some((field, value)) => {
                b.add(field, Value::Str(value.to_owned()), range, &label);
                if std::ptr::eq(field, &CONTENT_LENGTH_HEADER) {
                    if let Ok(n) = value.trim().parse::<u64>() {
                        b.open();
                        b.generated(&CONTENT_LENGTH, Value::UInt(n), range);
                        b.close();
                    }
                }
                b.hidden(line_field, raw, range);
            }
            // A header without a field of its own is shown as its line.
            None => {
                b.add(line_field, raw, range, &label);
            }
        }
    }
    if cut || parsed.blank.is_none() {
        b.close();
        super::truncated(b, "HTTP", at + message.len());
        return;
    }
    if let Some((off, line)) = parsed.blank {
        b.text(format_text(line), false);
        if let Some(node) = b.last_node() {
            node.start = at + off;
            node.len = line.len();
        }
    }
    if m.request {
        if let Some(uri) = &m.uri {
            b.generated(&FULL_URI, Value::Str(uri.clone()), (at, 0));
        }
        b.hidden(&REQUEST, Value::Bool(true), (at, 0));
        b.add(
            &REQUEST_NUMBER,
            Value::UInt(m.number as u64),
            (at, 0),
            format_args!("HTTP request {}/{}", m.number, m.total),
        )
        .generated = true;
        if let Some(frame) = m.prev_request {
            b.generated(&PREV_REQUEST_IN, Value::UInt(frame), (at, 0));
        }
    } else {
        b.hidden(&RESPONSE, Value::Bool(true), (at, 0));
        b.add(
            &RESPONSE_NUMBER,
            Value::UInt(m.number as u64),
            (at, 0),
            format_args!("HTTP response {}/{}", m.number, m.total),
        )
        .generated = true;
        if let Some((s, n)) = m.time {
            b.add(
                &TIME,
                Value::RelTime(s, n),
                (at, 0),
                format_args!("Time since request: {} seconds", super::rel_time(s, n)),
            )
            .generated = true;
        }
        if let Some(frame) = m.prev_request {
            b.generated(&PREV_REQUEST_IN, Value::UInt(frame), (at, 0));
        }
        if let Some(frame) = m.prev_response {
            b.generated(&PREV_RESPONSE_IN, Value::UInt(frame), (at, 0));
        }
        if let Some(frame) = m.request_in {
            b.generated(&REQUEST_IN, Value::UInt(frame), (at, 0));
        }
        if let Some(uri) = &m.uri {
            b.generated(&RESPONSE_FOR_URI, Value::Str(uri.clone()), (at, 0));
        }
    }
    let (from, to) = parsed.body;
    if from >= to {
        b.close();
        return;
    }
    let body = &message[from..to];
    // The entity: the body itself, or its chunks put together in a source of their own.
    let (mut entity, mut entity_at) = if parsed.chunked {
        let entity = chunks(b, body, at + from);
        let entity_at = b.add_source("De-chunked entity body", &entity);
        (entity, entity_at)
    } else {
        (body.to_vec(), at + from)
    };
    // A Content-Encoding undone, into a source of its own; or, where it cannot be, the
    // encoded bytes as data and no more.
    if let Some(coding) = &parsed.coding {
        let encoded = super::bytes_text(entity.len());
        match crate::timeline::http::decode_body(coding, &entity) {
            Some(plain) => {
                b.add(
                    &super::TEXT,
                    Value::None,
                    (entity_at, entity.len()),
                    format_args!(
                        "Content-encoded entity body ({coding}): {encoded} -> {}",
                        super::bytes_text(plain.len())
                    ),
                );
                entity_at = b.add_source("Uncompressed entity body", &plain);
                entity = plain;
            }
            None => {
                b.add(
                    &super::TEXT,
                    Value::None,
                    (entity_at, entity.len()),
                    format_args!("Content-encoded entity body ({coding}): {encoded}"),
                );
                b.open();
                b.expert_here(
                    &DECOMPRESSION_FAILED,
                    "http.decompression_failed",
                    "Warning",
                    "Undecoded",
                    "Decompression failed",
                );
                data::build_nested(b, &entity, entity_at);
                b.close();
                b.close();
                return;
            }
        }
    }
    b.add(
        &FILE_DATA,
        Value::Str(file_data(&entity)),
        (entity_at, entity.len()),
        format_args!("File Data: {}", super::bytes_text(entity.len())),
    );
    let media = parsed.media.as_deref();
    let body = body_of(media);
    if body == Body::Media(true) {
        b.expert_here(
            &SUBDISSECTOR_FAILED,
            "http.subdissector_failed",
            "Note",
            "Malformed",
            "HTTP body subdissector failed, trying heuristic subdissector",
        );
    }
    b.close();
    match body {
        Body::TextLines => text_lines_tree(b, &entity, entity_at, media.unwrap_or("")),
        Body::Data => data::build_nested(b, &entity, entity_at),
        Body::Media(_) => {
            b.add(&MEDIA, Value::None, (entity_at, entity.len()), "Media Type");
            b.open();
            b.add(
                &MEDIA_TYPE,
                Value::Bytes,
                (entity_at, entity.len()),
                format_args!(
                    "Media type: {} ({})",
                    media.unwrap_or(""),
                    super::bytes_text(entity.len())
                ),
            );
            b.close();
        }
    }
}

/// `http.file_data`'s value: the bytes as a C string of ASCII (up to a NUL; other bytes
/// past 0x7f as U+FFFD).
fn file_data(bytes: &[u8]) -> String {
    let end = memchr::memchr(0, bytes).unwrap_or(bytes.len());
    bytes[..end]
        .iter()
        .map(|&c| if c < 0x80 { char::from(c) } else { '\u{fffd}' })
        .collect()
}

/// The first line's fields: method, URI and version, or version, code and phrase.
fn first_line(b: &mut Builder, request: bool, line: &[u8], at: usize) {
    let text = line.strip_suffix(b"\n").unwrap_or(line);
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    let mut parts = text.splitn(3, |&c| c == b' ');
    let mut offset = 0;
    let mut next = |b: &mut Builder, field: &'static Field| -> Option<(usize, String)> {
        let part = parts.next()?;
        let start = offset;
        offset += part.len() + 1;
        let value = String::from_utf8_lossy(part).into_owned();
        b.field(field, Value::Str(value.clone()), (at + start, part.len()));
        Some((start, value))
    };
    if request {
        next(b, &METHOD);
        next(b, &URI);
        next(b, &VERSION);
        return;
    }
    next(b, &RESPONSE_VERSION);
    let Some(code) = parts.next() else {
        return;
    };
    let code_at = offset;
    offset += code.len() + 1;
    let number: u16 = std::str::from_utf8(code)
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    b.field(
        &CODE,
        Value::UInt(u64::from(number)),
        (at + code_at, code.len()),
    );
    b.generated(
        &CODE_DESC,
        Value::Str(status_name(number).to_owned()),
        (at + code_at, code.len()),
    );
    if let Some(phrase) = parts.next() {
        let phrase_text = String::from_utf8_lossy(phrase).into_owned();
        b.field(
            &PHRASE,
            Value::Str(phrase_text),
            (at + offset, phrase.len()),
        );
    }
}

/// `HTTP chunked response` and its chunks; returns the body they make.
fn chunks(b: &mut Builder, body: &[u8], at: usize) -> Vec<u8> {
    let mut entity = vec![];
    b.text("HTTP chunked response", false);
    b.open();
    let mut off = 0;
    while off < body.len() {
        let rest = &body[off..];
        let Some(end) = memchr::memchr(b'\n', rest) else {
            break;
        };
        let size_line = &rest[..=end];
        let size_text = std::str::from_utf8(size_line).unwrap_or_default();
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            break;
        };
        let chunk_at = at + off;
        if size == 0 {
            b.text("End of chunked encoding", false);
            b.open();
            b.add(
                &CHUNK_SIZE,
                Value::UInt(0),
                (chunk_at, size_line.len()),
                "Chunk size: 0 octets",
            );
            b.close();
            off += size_line.len();
            // Trailer lines, then the empty line.
            while off < body.len() {
                let rest = &body[off..];
                let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |e| e + 1);
                let line = &rest[..end];
                if line == b"\r\n" || line == b"\n" {
                    b.text(format_text(line), false);
                    break;
                }
                let text = String::from_utf8_lossy(line).trim_end().to_owned();
                b.add(
                    &TRAILER,
                    Value::Str(text),
                    (at + off, line.len()),
                    format_text(line),
                );
                off += line.len();
            }
            break;
        }
        let data_at = off + size_line.len();
        let data = body.get(data_at..data_at + size).unwrap_or_default();
        let boundary_at = data_at + data.len();
        let boundary = body
            .get(boundary_at..)
            .map(|r| {
                if r.starts_with(b"\r\n") {
                    &r[..2]
                } else {
                    &r[..r.len().min(1)]
                }
            })
            .unwrap_or_default();
        b.text(format_args!("Data chunk ({size} octets)"), false);
        b.open();
        b.add(
            &CHUNK_SIZE,
            Value::UInt(size as u64),
            (chunk_at, size_line.len()),
            format_args!("Chunk size: {size} octets"),
        );
        b.add(
            &CHUNK_DATA,
            Value::Bytes,
            (at + data_at, data.len()),
            format_args!("Chunk data: {}", super::shown_bytes(data)),
        );
        b.add(
            &CHUNK_BOUNDARY,
            Value::Bytes,
            (at + boundary_at, boundary.len()),
            format_args!("Chunk boundary: {}", super::shown_bytes(boundary)),
        );
        b.close();
        entity.extend_from_slice(data);
        off = boundary_at + boundary.len();
    }
    b.close();
    entity
}

/// `Line-based text data: text/plain (1 lines)` and its lines.
fn text_lines_tree(b: &mut Builder, body: &[u8], at: usize, media: &str) {
    let mut lines = vec![];
    let mut off = 0;
    while off < body.len() {
        let rest = &body[off..];
        // As tvb_find_line_end: CR LF, a lone CR or a lone LF ends a line.
        let end = match memchr::memchr2(b'\r', b'\n', rest) {
            Some(e) if rest[e..].starts_with(b"\r\n") => e + 2,
            Some(e) => e + 1,
            None => rest.len(),
        };
        lines.push((off, &rest[..end]));
        off += end;
    }
    b.add(
        &TEXT_LINES,
        Value::None,
        (at, body.len()),
        format_args!("Line-based text data: {media} ({} lines)", lines.len()),
    );
    b.open();
    for (off, line) in lines {
        b.text(format_text(line), false);
        if let Some(node) = b.last_node() {
            node.start = at + off;
            node.len = line.len();
        }
    }
    b.close();
}
