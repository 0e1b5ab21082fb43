//! What a row of the timeline holds: the columns, and the TCP numbers behind them.

use super::*;

/// One line of the timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Frame number, from 1.
    pub number: u64,
    /// Seconds since the first frame, with 6 or 9 decimals as the file's precision.
    pub time: String,
    /// Capture time, seconds since the Unix epoch, same precision.
    pub epoch: Epoch,
    pub source: String,
    pub destination: String,
    pub protocol: &'static str,
    /// Frame length on the wire, link header included.
    pub length: u32,
    /// Wireshark's Info column.
    pub info: String,
    /// The segment's role in its conversation (TCP only).
    pub step: Option<Step>,
    /// With HTTP enabled, the messages the segment completes, as a step: `request GET /`,
    /// `response 200 OK`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_step: Option<String>,
    /// The TCP numbers behind the Info text (TCP only).
    pub tcp: Option<TcpFields>,
    /// Why decoding stopped early, if it did.
    pub malformed: Option<String>,
}

impl Row {
    /// The Step column's text: the HTTP messages the segment completes, or its TCP step.
    pub fn step_label(&self) -> Option<&str> {
        self.http_step
            .as_deref()
            .or_else(|| self.step.map(|s| s.label()))
    }

    /// A row with nothing in it, to be filled by [`Timeline::push_into`].
    pub fn empty() -> Row {
        Row {
            number: 0,
            time: String::new(),
            epoch: Epoch {
                ts: Timestamp::default(),
                precision: TsPrecision::Micro,
            },
            source: String::new(),
            destination: String::new(),
            protocol: "",
            length: 0,
            info: String::new(),
            step: None,
            http_step: None,
            tcp: None,
            malformed: None,
        }
    }
}

/// A capture time since the Unix epoch, written out (with the row's precision) only when it
/// is shown, in JSON: the plain listing never needs it, and formatting it for every packet
/// cost as much as the relative time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Epoch {
    pub ts: Timestamp,
    pub precision: TsPrecision,
}

impl std::fmt::Display for Epoch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_seconds(self.ts.as_nanos(), self.precision))
    }
}

impl Serialize for Epoch {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The TCP fields of one row: the header as sent and what the flow stage made of it. In
/// JSON, one flat object (`stream`, `seq`, `seq_raw`, `tags`, `client_state`…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TcpFields {
    /// Stream, direction, the numbers as shown, analysis tags and both ends' states.
    #[serde(flatten)]
    pub view: TcpView,
    /// Ports, raw numbers, flags, lengths and options, as sent.
    #[serde(flatten)]
    pub header: TcpHeader,
    /// The first bytes of the payload, shown as text (non-printable bytes escaped), when
    /// there is payload.
    pub payload_preview: Option<Preview>,
}

/// Bytes of payload kept in a row's preview.
pub const PREVIEW_BYTES: usize = 48;

/// The first bytes of a payload, kept as they are (no allocation per packet) and escaped into
/// text (see [`escape_text`]) only when shown: the plain listing never shows them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Preview {
    bytes: [u8; PREVIEW_BYTES],
    len: u8,
}

impl Preview {
    /// The first [`PREVIEW_BYTES`] of `payload`.
    pub fn of(payload: &[u8]) -> Preview {
        let kept = &payload[..payload.len().min(PREVIEW_BYTES)];
        let mut bytes = [0; PREVIEW_BYTES];
        bytes[..kept.len()].copy_from_slice(kept);
        Preview {
            bytes,
            len: u8::try_from(kept.len()).unwrap_or(u8::MAX),
        }
    }

    /// The bytes kept.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The bytes as text.
    pub fn text(&self) -> String {
        escape_text(self.bytes())
    }
}

impl std::fmt::Debug for Preview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.text())
    }
}

impl Serialize for Preview {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}
