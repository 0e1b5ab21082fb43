//! What every source hands the pipeline: a [`Frame`] — its bytes, borrowed from the source
//! until its next read, with its [`Timestamp`], its length on the wire, its linktype and the
//! precision its time is shown with. Live captures ([`crate::capture`]) and files
//! ([`crate::pcapfile`]) make them; decoding, the flow stage and the writers read them.

use crate::link::LinkType;

/// A capture timestamp, nanoseconds since the Unix epoch split into seconds and fraction.
///
/// The fraction is kept as the file gave it, as Wireshark keeps it: a classic pcap record's
/// microsecond field of a million or more, scaled to nanoseconds in 32 bits, is not carried
/// into the seconds, and from 2^31 on Wireshark reads it as negative ([`Timestamp::delta`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
}

impl Timestamp {
    /// The fraction as Wireshark's signed 32-bit nanoseconds.
    pub fn signed_nanos(self) -> i64 {
        i64::from(i32::from_ne_bytes(self.nanos.to_ne_bytes()))
    }

    /// Nanoseconds since the epoch, wide enough never to overflow.
    pub fn as_nanos(self) -> i128 {
        i128::from(self.secs) * 1_000_000_000 + i128::from(self.signed_nanos())
    }

    /// The time from `earlier` to `self` as Wireshark computes it (`nstime_delta`): seconds
    /// and nanoseconds of the same sign, the nanoseconds carried into the seconds only when
    /// the signs differ — so an unnormalised fraction stays unnormalised.
    ///
    /// The nanoseconds are computed in 32 bits, wrapping, as Wireshark's are.
    pub fn delta(self, earlier: Timestamp) -> (i64, i64) {
        const SEC: i32 = 1_000_000_000;
        let secs = self.secs.saturating_sub(earlier.secs);
        let nanos = i32::from_ne_bytes(self.nanos.wrapping_sub(earlier.nanos).to_ne_bytes());
        let (secs, nanos) = match secs.cmp(&0) {
            std::cmp::Ordering::Equal => (0, nanos),
            std::cmp::Ordering::Less if nanos > 0 => (secs + 1, nanos.wrapping_sub(SEC)),
            std::cmp::Ordering::Greater if nanos < 0 => (secs - 1, nanos.wrapping_add(SEC)),
            _ => (secs, nanos),
        };
        (secs, i64::from(nanos))
    }

    /// Nanoseconds from `earlier` to `self` (negative if `self` is earlier).
    pub fn since(self, earlier: Timestamp) -> i128 {
        self.as_nanos() - earlier.as_nanos()
    }
}

/// How many decimals Wireshark prints for a frame's time: the resolution its timestamps
/// were stored with (6 for microseconds, 9 for nanoseconds; pcapng can say 0 to 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TsPrecision {
    /// The frame has no timestamp (a pcapng Simple Packet Block): its time is not shown.
    None,
    Sec,
    Deci,
    Centi,
    Milli,
    Micro,
    Nano,
}

impl TsPrecision {
    /// Decimal places of the fraction of a second.
    pub fn decimals(self) -> usize {
        match self {
            TsPrecision::None | TsPrecision::Sec => 0,
            TsPrecision::Deci => 1,
            TsPrecision::Centi => 2,
            TsPrecision::Milli => 3,
            TsPrecision::Micro => 6,
            TsPrecision::Nano => 9,
        }
    }

    /// The precision Wireshark uses for a resolution of 10^-`decimals` seconds: exact up to
    /// milliseconds, then microseconds up to 6 digits, nanoseconds beyond.
    pub fn from_decimals(decimals: u32) -> TsPrecision {
        match decimals {
            0 => TsPrecision::Sec,
            1 => TsPrecision::Deci,
            2 => TsPrecision::Centi,
            3 => TsPrecision::Milli,
            4..=6 => TsPrecision::Micro,
            _ => TsPrecision::Nano,
        }
    }
}

/// One captured frame, borrowed from the source until its next read.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// When it was captured.
    pub ts: Timestamp,
    /// The frame's length on the wire (what Wireshark's Length column shows).
    pub wire_len: u32,
    /// The bytes captured, at most the snapshot length.
    pub data: &'a [u8],
    /// The link-layer type of this frame (pcapng interfaces may differ).
    pub linktype: LinkType,
    /// How many decimals its time is shown with.
    pub precision: TsPrecision,
    /// The pcapng interface it was captured on (`None` in a pcap file or a live capture).
    pub interface: Option<u32>,
    /// That interface's name, when the file gives one (`if_name`).
    pub interface_name: Option<&'a str>,
    /// A pcapng packet block's options, as stored (comments among them), and their byte
    /// order; empty elsewhere.
    pub options: &'a [u8],
    pub options_big_endian: bool,
}

impl<'a> Frame<'a> {
    /// The comments of a pcapng packet block (`opt_comment`), in order.
    pub fn comments(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = 0;
        let u16_at = |i: usize| {
            self.options.get(i..i + 2).map(|b| {
                if self.options_big_endian {
                    u16::from_be_bytes([b[0], b[1]])
                } else {
                    u16::from_le_bytes([b[0], b[1]])
                }
            })
        };
        while let (Some(code), Some(len)) = (u16_at(at), u16_at(at + 2)) {
            let value = at + 4;
            let len = usize::from(len);
            let Some(bytes) = self.options.get(value..value + len) else {
                break;
            };
            match code {
                0 => break,
                1 => out.push(String::from_utf8_lossy(bytes).into_owned()),
                _ => {}
            }
            at = value + len.div_ceil(4) * 4;
        }
        out
    }

    /// A frame made by hand (tests, generated captures), with a microsecond record header.
    pub fn new(ts: Timestamp, wire_len: u32, data: &'a [u8]) -> Frame<'a> {
        Frame {
            ts,
            wire_len,
            data,
            interface: None,
            interface_name: None,
            options: &[],
            options_big_endian: false,
            linktype: LinkType::EN10MB,
            precision: TsPrecision::Micro,
        }
    }
}

/// A frame that owns its bytes, to look at again once the capture is over (the demo's
/// `--details`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedFrame {
    pub ts: Timestamp,
    pub wire_len: u32,
    pub data: Vec<u8>,
    pub linktype: LinkType,
    pub precision: TsPrecision,
}

impl OwnedFrame {
    /// A copy of `frame`'s bytes and facts.
    pub fn of(frame: &Frame<'_>) -> OwnedFrame {
        OwnedFrame {
            ts: frame.ts,
            wire_len: frame.wire_len,
            data: frame.data.to_vec(),
            linktype: frame.linktype,
            precision: frame.precision,
        }
    }

    /// The frame, borrowing the bytes.
    pub fn frame(&self) -> Frame<'_> {
        let mut frame = Frame::new(self.ts, self.wire_len, &self.data);
        frame.linktype = self.linktype;
        frame.precision = self.precision;
        frame
    }
}
