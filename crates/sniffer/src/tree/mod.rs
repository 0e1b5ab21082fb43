//! The field tree: Wireshark's protocol tree for one packet, the one model behind the packet
//! details (`-V`), the packet bytes (`-x`, the byte ranges of the fields), the field values
//! (`-T fields -e`), tshark's JSON (`-T json`) and Elasticsearch bulk lines (`-T ek`).
//!
//! - A **registry** of field definitions ([`Field`]: filter name, display name, type), one
//!   table per protocol in that protocol's module (`frame`, `eth`, `arp`, `link`, `ip`, `tcp`,
//!   `tcp_options`, `udp`, `icmp`, `icmpv6`, `tunnel`, `data`, `http`), readable as a spec.
//! - A **tree per packet** ([`Tree`]): nodes in the order Wireshark adds them, each with its
//!   depth, field, typed [`Value`], byte range, the text `-V` shows, and whether it is
//!   generated (`[…]`) or hidden. Built by [`build`] from the frame's bytes, `decode`'s
//!   [`Packet`] and the flow stage's view of the segment — only when an output asks for it:
//!   the plain listing never builds one. A tree built only to test a display filter has no
//!   text, and only the layers the filter names in full ([`Selection`]).
//! - **Text is rendering**: [`Tree::write_details`] prints `-V`, [`write_hex`] prints `-x`,
//!   [`Tree::values`] gives a field's values as `-T fields` prints them, [`Tree::write_json`]
//!   and [`Tree::write_ek`] (in `ek`) write JSON.
//!
//! Layers: frame; Ethernet with its trailer, 802.1Q, ARP, the other link layers; IPv4 (with
//! the fragments a last piece completes, kept by [`FragmentStore`]) and IPv6's fixed header;
//! TCP (every field tshark shows for the segments the analysis reads, every option, flags,
//! `[SEQ/ACK analysis]`, `[Timestamps]`); UDP; ICMP and ICMPv6 (with the datagram an error
//! quotes, `quoted`); the tunnels the list opens (`tunnel`: GRE, ERSPAN, VXLAN, Geneve), their
//! headers and then the packet inside, a layer after the outer ones; with HTTP enabled, HTTP/1.x (`http`: TCP's reassembly, the messages,
//! their bodies as `Line-based text data`), the bytes it made (`-x`'s `Reassembled TCP`,
//! `De-chunked entity body`) kept as the tree's other sources ([`Tree::sources`]); and the data
//! that follows.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::decode::Packet;
use crate::frame::{Frame, Timestamp, TsPrecision};
use crate::timeline::TcpFields;

/// Declares a protocol's fields, each a `static` [`Field`], and `FIELDS`, the list of them.
macro_rules! fields {
    ($($id:ident: $abbrev:literal, $name:literal, $kind:expr;)*) => {
        $(pub(super) static $id: Field = Field { abbrev: $abbrev, name: $name, kind: $kind };)*
        /// This protocol's registry.
        pub(super) static FIELDS: &[&Field] = &[$(&$id),*];
    };
}

mod arp;
mod data;
mod ek;
mod eth;
mod frame;
mod http;
mod icmp;
mod icmp_more;
mod icmpv6;
mod icmpv6_more;
mod ip;
mod ip_options;
mod link;
mod loopback;
mod quoted;
mod reassembly;
mod tcp;
mod tcp_options;
mod tunnel;
mod udp;

pub use frame::{custom_block, FrameContext, UdpStream};
pub use http::status_name;
pub use icmp::EchoRequest;
pub use reassembly::{FragmentStore, Reassembled};

/// How a field's value is written where a value alone is shown (`-T fields`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    /// Decimal.
    Dec,
    /// `0x` and as many hex digits as the field's width.
    Hex,
}

/// A field's type, as Wireshark's registry gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A protocol's own line (`tcp`): no value.
    Protocol,
    /// An unsigned integer of this many bits.
    UInt(u8, Base),
    /// A signed integer.
    Int,
    /// True or false (`1` and `0` in `-T fields`).
    Bool,
    Ipv4,
    Ipv6,
    Ether,
    /// Bytes, written as hex digits.
    Bytes,
    /// Text.
    Str,
    /// A time of day (`frame.time`).
    AbsTime,
    /// A number of seconds (`frame.time_relative`).
    RelTime,
    /// A frame number.
    FrameNum,
    /// A floating-point number (`icmp.resptime`, in milliseconds).
    Double,
    /// A line of text with no value of its own (an expert entry's children, a subtree's
    /// title).
    Text,
}

/// One field of the registry.
#[derive(Debug, PartialEq, Eq)]
pub struct Field {
    /// Its filter name: `tcp.seq`.
    pub abbrev: &'static str,
    /// Its display name: `Sequence Number`.
    pub name: &'static str,
    pub kind: Kind,
}

/// The line after the last layer of a frame cut short by the snapshot length:
/// `[Packet size limited during capture: TCP truncated]`.
pub static SHORT: Field = Field {
    abbrev: "_ws.short",
    name: "Short Frame",
    kind: Kind::Protocol,
};

/// The line after the last layer of a frame a protocol could not read:
/// `[Malformed Packet: TCP]`; hidden after each expert entry of the Malformed group.
pub static MALFORMED: Field = Field {
    abbrev: "_ws.malformed",
    name: "Malformed Packet",
    kind: Kind::Protocol,
};

/// A line with no field of its own.
pub static TEXT: Field = Field {
    abbrev: "",
    name: "",
    kind: Kind::Text,
};

/// A field's value in one packet.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    None,
    UInt(u64),
    Int(i64),
    Bool(bool),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    Ether([u8; 6]),
    /// The bytes the node covers (read from the packet when written).
    Bytes,
    Str(String),
    AbsTime(Timestamp),
    /// Seconds and nanoseconds of the same sign.
    RelTime(i64, i64),
    /// A floating-point number.
    Double(f64),
    /// An expert entry: its filter name, severity and group (Wireshark's numbers); its
    /// message is the text of the node's first child.
    Expert {
        abbrev: &'static str,
        severity: u32,
        group: u32,
    },
}

/// One node of a packet's tree.
#[derive(Clone, Debug)]
pub struct Node {
    pub field: &'static Field,
    pub value: Value,
    /// The bytes it covers in the frame: first byte and length.
    pub start: usize,
    pub len: usize,
    /// Its depth: 0 for a protocol's line.
    pub depth: u8,
    /// The text `-V` shows (without the brackets of a generated field): where it lies in
    /// the tree's text.
    pub label: std::ops::Range<usize>,
    /// Computed rather than read (`[…]` in `-V`).
    pub generated: bool,
    /// Not shown in `-V`, but a field all the same (`ip.addr`, `tcp.port`).
    pub hidden: bool,
}

/// A packet's field tree, its nodes in Wireshark's order, their texts, and the packet's
/// bytes. Reused from packet to packet ([`build_into`]): its buffers keep their room.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    pub nodes: Vec<Node>,
    /// Every node's text, one after the other.
    text: String,
    /// The packet's bytes, then the bytes of the packet its fragments made, if any.
    data: Vec<u8>,
    /// How many of `data` are the frame's.
    frame_len: usize,
    /// The other bytes a dissector made (a packet put back together, an entity de-chunked):
    /// each one's name as `-x` titles it, where it starts in `data`, its length.
    sources: Vec<(&'static str, usize, usize)>,
    /// The nodes' text is left out: a tree built only to test a display filter on.
    pub(crate) unlabelled: bool,
    /// Vendors' names (`eth.src.oui_resolved`) are left out: a filter that does not name them
    /// need not wait for their table to be read.
    pub(crate) without_vendors: bool,
    /// Only the layers a display filter needs are built in full (see [`Selection`]).
    pub(crate) selection: Option<Selection>,
    /// The frame's arrival time, as its `frame.time` gives it (zero for a frame with none).
    time: Timestamp,
}

/// The layers a display filter needs built in full: those of the protocols it names, alone or
/// by one of their fields, and every layer after the first line of a protocol whose bytes it
/// reads (they run to the end of what the nodes after it cover). Any other frame, Ethernet,
/// IPv4, IPv6, TCP, UDP or data layer is added as its protocol's line alone, with no fields
/// under it: all a filter that names none of its fields can ask of it is whether it is
/// there, and how many times (`count(ip)`, `ip#2`). Those layers are most of what any frame
/// holds, and building their fields was most of a filter's time on frames it does not select.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// The protocols named: each name's part before its first dot.
    protocols: Vec<&'static str>,
    /// The protocols whose bytes are read.
    read: Vec<&'static str>,
}

impl Selection {
    /// The selection for a filter that names `names` and reads the bytes of the protocols
    /// `read`, or `None` when it needs every layer built: it names something no layer's own
    /// prefix covers (`_ws.malformed`, which any layer may add).
    pub fn for_names(names: &[&'static str], read: Vec<&'static str>) -> Option<Selection> {
        let mut protocols: Vec<&'static str> = Vec::new();
        for name in names {
            let protocol = name.split('.').next().unwrap_or(name);
            if protocol.starts_with('_') {
                return None;
            }
            if !protocols.contains(&protocol) {
                protocols.push(protocol);
            }
        }
        Some(Selection { protocols, read })
    }

    /// Whether the layers of `protocol` are built in full.
    fn builds(&self, protocol: &str) -> bool {
        self.protocols.contains(&protocol)
    }

    /// Whether `nodes` hold a line of a protocol whose bytes are read.
    fn reads_any(&self, nodes: &[Node]) -> bool {
        !self.read.is_empty()
            && nodes
                .iter()
                .any(|n| n.field.kind == Kind::Protocol && self.read.contains(&n.field.abbrev))
    }
}

impl Tree {
    /// The text `-V` shows for `node` (without a generated field's brackets).
    pub fn label(&self, node: &Node) -> &str {
        self.text.get(node.label.clone()).unwrap_or_default()
    }

    /// The bytes `node` covers.
    pub fn bytes(&self, node: &Node) -> &[u8] {
        self.data
            .get(node.start..node.start + node.len)
            .unwrap_or_default()
    }

    /// The bytes other than the frame's that its dissection made, each with the name `-x`
    /// gives it: `Reassembled IPv4` for a packet its fragments put back together,
    /// `Reassembled TCP` for a message over several segments, `De-chunked entity body`.
    pub fn sources(&self) -> Vec<(&'static str, &[u8])> {
        self.sources
            .iter()
            .map(|&(name, at, len)| (name, self.data.get(at..at + len).unwrap_or_default()))
            .collect()
    }

    /// The bytes `at` lies in: the frame's, or one of the sources after them (start, end).
    pub(crate) fn region(&self, at: usize) -> (usize, usize) {
        self.sources
            .iter()
            .map(|&(_, start, len)| (start, start + len))
            .find(|&(start, end)| at >= start && at < end)
            .unwrap_or((0, self.frame_len))
    }

    fn clear(&mut self) {
        self.time = Timestamp::default();
        self.nodes.clear();
        self.text.clear();
        self.data.clear();
        self.sources.clear();
    }
}

/// Adds nodes one at a time, each one level below the subtree last opened.
pub(crate) struct Builder<'t> {
    tree: &'t mut Tree,
    depth: u8,
}

impl Builder<'_> {
    /// Whether vendors' names are looked up (see [`Tree`]'s `without_vendors`).
    pub(crate) fn vendors(&self) -> bool {
        !self.tree.without_vendors
    }

    /// Whether the nodes' text is written: a label worth some work to make need not be
    /// made otherwise (see [`Tree`]'s `unlabelled`).
    pub(crate) fn labelled(&self) -> bool {
        !self.tree.unlabelled
    }

    /// Adds a node at the current depth; `label` is written into the tree's text.
    pub(crate) fn add(
        &mut self,
        field: &'static Field,
        value: Value,
        range: (usize, usize),
        label: impl std::fmt::Display,
    ) -> &mut Node {
        let start = self.tree.text.len();
        if !self.tree.unlabelled {
            let _ = write!(self.tree.text, "{label}");
        }
        self.push(field, value, range, start)
    }

    fn push(
        &mut self,
        field: &'static Field,
        value: Value,
        range: (usize, usize),
        label_start: usize,
    ) -> &mut Node {
        self.tree.nodes.push(Node {
            field,
            value,
            start: range.0,
            len: range.1,
            depth: self.depth,
            label: label_start..self.tree.text.len(),
            generated: false,
            hidden: false,
        });
        let last = self.tree.nodes.len() - 1;
        &mut self.tree.nodes[last]
    }

    /// Adds a field whose text is Wireshark's default: `Name: value`.
    pub(crate) fn field(
        &mut self,
        field: &'static Field,
        value: Value,
        range: (usize, usize),
    ) -> &mut Node {
        let start = self.tree.text.len();
        if !self.tree.unlabelled {
            self.tree.text.push_str(field.name);
            self.tree.text.push_str(": ");
            write_value(&mut self.tree.text, field, &value, &[]);
        }
        self.push(field, value, range, start)
    }

    /// Adds a generated field (`[Name: value]`) with Wireshark's default text.
    pub(crate) fn generated(&mut self, field: &'static Field, value: Value, range: (usize, usize)) {
        self.field(field, value, range).generated = true;
    }

    /// Adds a hidden field: a value for `-T fields` and filters, no line in `-V`.
    pub(crate) fn hidden(&mut self, field: &'static Field, value: Value, range: (usize, usize)) {
        self.add(field, value, range, "").hidden = true;
    }

    /// Adds a line of text (an expert entry's, a subtree's title), generated or not.
    pub(crate) fn text(&mut self, label: impl std::fmt::Display, generated: bool) {
        self.add(&TEXT, Value::None, (0, 0), label).generated = generated;
    }

    /// Makes the next nodes children of the last one.
    pub(crate) fn open(&mut self) {
        self.depth += 1;
    }

    /// Ends the subtree last opened.
    pub(crate) fn close(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// An expert entry under the last node, as `-V` shows it; `abbrev` is its filter name.
    pub(crate) fn expert(
        &mut self,
        abbrev: &'static str,
        severity: &str,
        group: &str,
        message: &str,
    ) {
        self.open();
        self.expert_here(&TEXT, abbrev, severity, group, message);
        self.close();
    }

    /// An expert entry at the current depth, as the node of `field`.
    pub(crate) fn expert_here(
        &mut self,
        field: &'static Field,
        abbrev: &'static str,
        severity: &str,
        group: &str,
        message: &str,
    ) {
        let value = Value::Expert {
            abbrev,
            severity: severity_number(severity),
            group: group_number(group),
        };
        self.add(
            field,
            value,
            (0, 0),
            format_args!("Expert Info ({severity}/{group}): {message}"),
        )
        .generated = true;
        self.open();
        self.text(message, true);
        self.text(format_args!("Severity level: {severity}"), true);
        self.text(format_args!("Group: {group}"), true);
        self.close();
        if group == "Malformed" {
            // Wireshark marks the tree so that the filter `_ws.malformed` finds it.
            self.add(&MALFORMED, Value::None, (0, 0), "Malformed Packet")
                .hidden = true;
        }
    }

    /// Where the reassembled bytes start in the tree's data.
    pub(crate) fn reassembled_at(&self) -> usize {
        self.tree.frame_len
    }

    /// Adds bytes a dissector made, named as `-x` titles them; returns where they start in
    /// the tree's bytes (the offset its nodes' ranges use).
    pub(crate) fn add_source(&mut self, name: &'static str, bytes: &[u8]) -> usize {
        let at = self.tree.data.len();
        self.tree.data.extend_from_slice(bytes);
        self.tree.sources.push((name, at, bytes.len()));
        at
    }

    /// Records the frame's arrival time (its `frame.time`).
    pub(crate) fn set_time(&mut self, ts: Timestamp) {
        self.tree.time = ts;
    }

    /// A layer not built: its protocol's line alone, with no bytes, so that no cut of a later
    /// layer ends it.
    fn protocol_only(&mut self, field: &'static Field, at: usize) {
        self.add(field, Value::None, (at, 0), "");
    }

    /// The node added last.
    pub(crate) fn last_node(&mut self) -> Option<&mut Node> {
        self.tree.nodes.last_mut()
    }

    /// Ends what nodes `first` and after show where Wireshark's reading would stop on bytes
    /// the capture cut at `end`: node `first` (the subtree's own line, added over what there
    /// is) is cut to `end`, and the first later node reaching past `end` goes, with every
    /// node after it. Returns whether a node went.
    pub(crate) fn cut_at(&mut self, first: usize, end: usize) -> bool {
        let nodes = &mut self.tree.nodes;
        if let Some(node) = nodes.get_mut(first) {
            node.len = node.len.min(end.saturating_sub(node.start));
        }
        let past = nodes
            .iter()
            .enumerate()
            .skip(first + 1)
            .find(|(_, n)| n.len > 0 && n.start + n.len > end)
            .map(|(i, _)| i);
        if let Some(i) = past {
            nodes.truncate(i);
        }
        past.is_some()
    }

    /// The index of the node added last.
    pub(crate) fn last(&self) -> usize {
        self.tree.nodes.len().saturating_sub(1)
    }

    /// Ends the label of node `index` before the first `": "` in it: the title it had before
    /// a value read from the packet was appended.
    pub(crate) fn unappend(&mut self, index: usize) {
        self.unappend_from(index, ": ");
    }

    /// Ends the label of node `index` before the first `from` in it.
    pub(crate) fn unappend_from(&mut self, index: usize, from: &str) {
        let Some(node) = self.tree.nodes.get_mut(index) else {
            return;
        };
        let label = self.tree.text.get(node.label.clone()).unwrap_or_default();
        if let Some(at) = label.find(from) {
            node.label.end = node.label.start + at;
        }
    }

    /// Closes subtrees until the next node is added at `depth`.
    pub(crate) fn close_to(&mut self, depth: u8) {
        self.depth = self.depth.min(depth);
    }

    /// Appends text to the label of node `index` (Wireshark appends to a title as it reads
    /// what the title sums up). The label moves to the end of the text arena.
    pub(crate) fn append_to(&mut self, index: usize, more: impl std::fmt::Display) {
        let Some(node) = self.tree.nodes.get(index).filter(|_| !self.tree.unlabelled) else {
            return;
        };
        let old = node.label.clone();
        let start = self.tree.text.len();
        let old = self.tree.text.get(old).unwrap_or_default().to_owned();
        self.tree.text.push_str(&old);
        let _ = write!(self.tree.text, "{more}");
        let end = self.tree.text.len();
        if let Some(node) = self.tree.nodes.get_mut(index) {
            node.label = start..end;
        }
    }
}

/// Wireshark's number for an expert severity (`PI_NOTE`…).
fn severity_number(severity: &str) -> u32 {
    match severity {
        "Comment" => 0x0010_0000,
        "Chat" => 0x0020_0000,
        "Note" => 0x0040_0000,
        "Warning" => 0x0060_0000,
        _ => 0x0080_0000,
    }
}

/// Wireshark's number for an expert group (`PI_SEQUENCE`…).
fn group_number(group: &str) -> u32 {
    match group {
        "Checksum" => 0x0100_0000,
        "Sequence" => 0x0200_0000,
        "Response" => 0x0300_0000,
        "Request" => 0x0400_0000,
        "Undecoded" => 0x0500_0000,
        "Reassemble" => 0x0600_0000,
        "Malformed" => 0x0700_0000,
        "Protocol" => 0x0900_0000,
        "Security" => 0x0a00_0000,
        "Comment" => 0x0b00_0000,
        "Decryption" => 0x0c00_0000,
        "Assumption" => 0x0d00_0000,
        "Deprecated" => 0x0e00_0000,
        _ => 0x0800_0000,
    }
}

/// `v` as C's `%.15g` writes it (Wireshark's form of a double): 15 significant digits,
/// trailing zeros dropped, an exponent only for very large or small values.
fn push_g15(s: &mut String, v: f64) {
    if v == 0.0 || !v.is_finite() {
        let _ = write!(s, "{v}");
        return;
    }
    let exponent = v.abs().log10().floor() as i32;
    if !(-5..15).contains(&exponent) {
        let text = format!("{v:.14e}");
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(s, "{mantissa}e{sign}{:02}", exp.abs());
        return;
    }
    let decimals = usize::try_from(14 - exponent).unwrap_or(0);
    let text = format!("{v:.decimals$}");
    if text.contains('.') {
        s.push_str(text.trim_end_matches('0').trim_end_matches('.'));
    } else {
        s.push_str(&text);
    }
}

/// A value as Wireshark displays it after a field's name (and as `-T fields` writes it),
/// appended to `s`; `bytes` are a byte field's.
fn write_value(s: &mut String, field: &Field, value: &Value, bytes: &[u8]) {
    match value {
        Value::None => {}
        Value::UInt(v) => match field.kind {
            Kind::UInt(bits, Base::Hex) => {
                let _ = write!(s, "0x{v:0width$x}", width = usize::from(bits.div_ceil(4)));
            }
            _ => {
                s.push_str(itoa::Buffer::new().format(*v));
            }
        },
        Value::Int(v) => s.push_str(itoa::Buffer::new().format(*v)),
        Value::Double(v) => push_g15(s, *v),
        Value::Bool(b) => s.push(if *b { '1' } else { '0' }),
        Value::Ipv4(a) if field.kind == Kind::Str => {
            let _ = write!(s, "{a}");
        }
        Value::Ipv4(a) => {
            let _ = write!(s, "{a}");
        }
        Value::Ipv6(a) => {
            let _ = write!(s, "{a}");
        }
        // A resolved name.
        Value::Ether(m) if field.kind == Kind::Str => s.push_str(&crate::timeline::mac_name(*m)),
        Value::Ether(m) => s.push_str(&mac_hex(*m)),
        Value::Bytes => {
            for b in bytes {
                push_hex_byte(s, *b);
            }
        }
        Value::Str(v) => s.push_str(v),
        Value::AbsTime(ts) => s.push_str(&frame::local_time(*ts)),
        Value::RelTime(secs, nanos) => {
            crate::timeline::push_delta(s, (*secs, *nanos), TsPrecision::Nano);
        }
        Value::Expert { .. } => {}
    }
}

/// `0x` and `bits / 4` hex digits.
pub(crate) fn hex(v: u64, bits: u8) -> String {
    format!("0x{v:0width$x}", width = usize::from(bits.div_ceil(4)))
}

/// `18 bytes`, `1 byte`, as Wireshark counts a payload.
pub(crate) fn bytes_text(n: usize) -> String {
    if n == 1 {
        "1 byte".to_owned()
    } else {
        format!("{n} bytes")
    }
}

/// `00:0c:29:2f:80:31`.
pub(crate) fn mac_hex(m: [u8; 6]) -> String {
    let mut s = String::with_capacity(17);
    for (i, b) in m.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        push_hex_byte(&mut s, *b);
    }
    s
}

/// Two lowercase hex digits.
pub(crate) fn push_hex_byte(s: &mut String, b: u8) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    s.push(char::from(DIGITS[usize::from(b >> 4)]));
    s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
}

/// Bytes as hex digits, without separators.
pub(crate) fn hex_bytes(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        push_hex_byte(&mut s, *b);
    }
    s
}

/// Bytes as a line of `-V` shows them: hex digits, the first 36 bytes only, then `…`.
pub(crate) fn shown_bytes(bytes: &[u8]) -> String {
    let mut s = hex_bytes(&bytes[..bytes.len().min(36)]);
    if bytes.len() > 36 {
        s.push('…');
    }
    s
}

/// Seconds with nine decimals, as Wireshark writes a relative time.
pub(crate) fn rel_time(secs: i64, nanos: i64) -> Lazy<impl Fn() -> String> {
    Lazy(move || {
        let mut s = String::new();
        crate::timeline::push_delta(&mut s, (secs, nanos), TsPrecision::Nano);
        s
    })
}

/// Text made only when it is written: a label's part that takes work to make, for a tree
/// that may show no text (see [`Tree`]'s `unlabelled`).
pub(crate) struct Lazy<F>(pub(crate) F);

impl<F: Fn() -> String> std::fmt::Display for Lazy<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&(self.0)())
    }
}

/// The bits of `value` under `mask` in a field `bits` wide, as Wireshark shows a bit field:
/// `0100 .... = ` (each bit outside the mask a dot, groups of four). Written where it is
/// displayed, without an allocation.
pub(crate) fn bit_prefix(value: u64, mask: u64, bits: u8) -> BitPrefix {
    BitPrefix { value, mask, bits }
}

/// See [`bit_prefix`].
pub(crate) struct BitPrefix {
    value: u64,
    mask: u64,
    bits: u8,
}

impl std::fmt::Display for BitPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut buf = [b' '; 64 + 16 + 3];
        let mut n = 0;
        for i in (0..self.bits).rev() {
            let bit = 1u64 << i;
            buf[n] = if self.mask & bit == 0 {
                b'.'
            } else if self.value & bit != 0 {
                b'1'
            } else {
                b'0'
            };
            n += 1;
            if i % 4 == 0 && i > 0 {
                n += 1;
            }
        }
        buf[n..n + 3].copy_from_slice(b" = ");
        f.write_str(std::str::from_utf8(&buf[..n + 3]).unwrap_or_default())
    }
}

impl Tree {
    /// The packet details, as `tshark -V` prints them: each line indented four spaces per
    /// level, generated fields in brackets; the data's bytes dumped under its line unless
    /// the bytes are printed after the tree (`hex_follows`, as with `-x`).
    pub fn write_details(&self, hex_follows: bool, out: &mut impl Write) -> io::Result<()> {
        for node in self.nodes.iter().filter(|n| !n.hidden) {
            for _ in 0..node.depth {
                out.write_all(b"    ")?;
            }
            let label = self.label(node).as_bytes();
            if node.generated {
                out.write_all(b"[")?;
                out.write_all(label)?;
                out.write_all(b"]\n")?;
            } else {
                out.write_all(label)?;
                out.write_all(b"\n")?;
            }
            if std::ptr::eq(node.field, &data::DATA) && !hex_follows {
                writeln!(out)?;
                write_hex_lines(self.bytes(node), out)?;
            }
        }
        Ok(())
    }

    /// Every value of the field named `abbrev`, in order, as `-T fields` writes them.
    pub fn values(&self, abbrev: &str) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|n| n.field.abbrev == abbrev)
            .map(|n| self.text_value(n))
            .collect()
    }

    /// A node's value as `-T fields` writes it.
    pub fn text_value(&self, n: &Node) -> String {
        let mut s = String::new();
        match (&n.value, self.bytes(n)) {
            // Wireshark's text for no bytes: `<none>` where the field allows none.
            (Value::Bytes, []) if ALLOW_NO_BYTES.contains(&n.field.abbrev) => {
                s.push_str("<none>");
            }
            (Value::Bytes, []) => s.push_str("<MISSING>"),
            (value, bytes) => write_value(&mut s, n.field, value, bytes),
        }
        s
    }
}

/// The byte fields Wireshark declares with `BASE_ALLOW_ZERO`: none of their bytes is a value
/// (`<none>`); for the others, it is missing (`<MISSING>`).
const ALLOW_NO_BYTES: &[&str] = &["ipv6.opt.padn"];

impl Tree {
    /// The packet as one element of `tshark -T json`'s array: `first` for the first packet
    /// (the others start with a comma).
    pub fn write_json(&self, first: bool, out: &mut impl Write) -> io::Result<()> {
        let mut s = String::with_capacity(self.text.len() * 2);
        s.push_str(if first { "\n  {\n" } else { ",\n  {\n" });
        let date = self.frame_date();
        s.push_str(&format!(
            "    \"_index\": \"packets-{date}\",\n    \"_type\": \"doc\",\n    \"_score\": null,\n    \"_source\": {{\n      \"layers\": {{\n"
        ));
        self.json_members(&mut s, 0, self.nodes.len(), 0, 8);
        s.push_str("\n      }\n    }\n  }");
        out.write_all(s.as_bytes())
    }

    /// The packet as `tshark -T json -e FIELD…` writes it: each named field present, in the
    /// order named, with its values (as `-T fields` writes them) in an array.
    pub fn write_json_fields(
        &self,
        first: bool,
        fields: &[String],
        out: &mut impl Write,
    ) -> io::Result<()> {
        let mut s = String::new();
        s.push_str(if first { "\n  {\n" } else { ",\n  {\n" });
        let date = self.frame_date();
        s.push_str(&format!(
            "    \"_index\": \"packets-{date}\",\n    \"_type\": \"doc\",\n    \"_score\": null,\n    \"_source\": {{\n      \"layers\": {{"
        ));
        let mut any = false;
        for field in fields {
            let values = self.values(field);
            if values.is_empty() {
                continue;
            }
            s.push_str(if any { ",\n" } else { "\n" });
            any = true;
            s.push_str("        ");
            push_json_string(&mut s, field);
            s.push_str(": [\n");
            for (i, value) in values.iter().enumerate() {
                if i > 0 {
                    s.push_str(",\n");
                }
                s.push_str("          ");
                push_json_string(&mut s, value);
            }
            s.push_str("\n        ]");
        }
        // No field at all: an empty object on the line.
        s.push_str(if any {
            "\n      }\n    }\n  }"
        } else {
            "}\n    }\n  }"
        });
        out.write_all(s.as_bytes())
    }

    /// The frame's local date, as the JSON index names give it.
    fn frame_date(&self) -> String {
        frame::local_date(self.frame_time())
    }

    /// The frame's arrival time: zero for a frame with none (a pcapng Simple Packet Block or
    /// Custom Block), as Wireshark counts it.
    fn frame_time(&self) -> crate::frame::Timestamp {
        self.time
    }

    /// The members for nodes `from..to` at `depth`, indented `indent` spaces.
    fn json_members(&self, s: &mut String, from: usize, to: usize, depth: u8, indent: usize) {
        let mut i = from;
        let mut first = true;
        while i < to {
            let node = &self.nodes[i];
            if node.depth != depth {
                i += 1;
                continue;
            }
            // The node's children: the nodes after it that are deeper.
            let end = (i + 1..to)
                .find(|&j| self.nodes[j].depth <= depth)
                .unwrap_or(to);
            if !first {
                s.push_str(",\n");
            }
            first = false;
            let pad = " ".repeat(indent);
            if let Value::Expert {
                abbrev,
                severity,
                group,
            } = node.value
            {
                let message = self.nodes.get(i + 1).map_or("", |m| self.label(m));
                let inner = " ".repeat(indent + 2);
                s.push_str(&format!("{pad}\"_ws.expert\": {{\n{inner}\"{abbrev}\": \"\",\n{inner}\"_ws.expert.message\": "));
                push_json_string(s, message);
                s.push_str(&format!(",\n{inner}\"_ws.expert.severity\": \"{severity}\",\n{inner}\"_ws.expert.group\": \"{group}\"\n{pad}}}"));
                i = end;
                continue;
            }
            let key = if node.field.abbrev.is_empty() {
                self.label(node)
            } else {
                node.field.abbrev
            };
            let valued = !matches!(node.value, Value::None)
                || !matches!(node.field.kind, Kind::Protocol | Kind::Text);
            s.push_str(&pad);
            push_json_string(s, key);
            s.push_str(": ");
            let mut value = String::new();
            if valued {
                write_json_value(&mut value, node.field, &node.value, self.bytes(node));
            } else if node.field.kind == Kind::Protocol {
                // A protocol without a value stands for its line.
                value.push_str(self.label(node));
            }
            if end > i + 1 {
                if valued {
                    push_json_string(s, &value);
                    s.push_str(",\n");
                    s.push_str(&pad);
                    push_json_string(s, &format!("{key}_tree"));
                    s.push_str(": ");
                }
                s.push_str("{\n");
                self.json_members(s, i + 1, end, depth + 1, indent + 2);
                s.push('\n');
                s.push_str(&pad);
                s.push('}');
            } else {
                push_json_string(s, &value);
            }
            i = end;
        }
    }
}

/// A value as `-T json` writes it: bytes with colons between them, the rest as `-T
/// fields` writes it.
fn write_json_value(s: &mut String, field: &Field, value: &Value, bytes: &[u8]) {
    match value {
        Value::Bytes => {
            for (i, b) in bytes.iter().enumerate() {
                if i > 0 {
                    s.push(':');
                }
                push_hex_byte(s, *b);
            }
        }
        _ => write_value(s, field, value, bytes),
    }
}

/// `text` as a JSON string, as Wireshark's JSON writer puts it: quotes and backslashes
/// escaped, control characters as short or `\u` escapes, `</` as `<\/` (so that a page can
/// hold the JSON), and everything else as it is, UTF-8 included.
fn push_json_string(s: &mut String, text: &str) {
    s.push('"');
    let bytes = text.as_bytes();
    // Runs of bytes that need no escape are copied whole; the escapes are all ASCII, so the
    // runs end on character boundaries.
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            b'/' if i > 0 && bytes[i - 1] == b'<' => "\\/",
            0..=0x1f => "",
            _ => continue,
        };
        s.push_str(&text[run..i]);
        if escape.is_empty() {
            let _ = write!(s, "\\u{b:04x}");
        } else {
            s.push_str(escape);
        }
        run = i + 1;
    }
    s.push_str(&text[run..]);
    s.push('"');
}

/// The packet bytes, as `tshark -x` prints them: 16 bytes a line, the offset in hex, the
/// bytes, and the printable ones as ASCII.
pub fn write_hex(data: &[u8], out: &mut impl Write) -> io::Result<()> {
    write_hex_lines(data, out)
}

fn write_hex_lines(data: &[u8], out: &mut impl Write) -> io::Result<()> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    // The offset has at least 4 hex digits, more when the last offset needs them.
    let last = data.len().saturating_sub(1);
    let d = (4..8).find(|&d| last >> (4 * d) == 0).unwrap_or(8);
    // One line: offset, two spaces, 16 bytes in hex, two spaces, 16 characters, newline.
    let mut line = [b' '; 8 + 2 + 16 * 3 + 2 + 16 + 1];
    let ascii = d + 2 + 16 * 3 + 2;
    for (i, chunk) in data.chunks(16).enumerate() {
        let offset = i * 16;
        for k in 0..d {
            line[k] = DIGITS[(offset >> (4 * (d - 1 - k))) & 0x0f];
        }
        line[d..].fill(b' ');
        for (j, b) in chunk.iter().enumerate() {
            let at = d + 2 + j * 3;
            line[at] = DIGITS[usize::from(b >> 4)];
            line[at + 1] = DIGITS[usize::from(b & 0x0f)];
            line[ascii + j] = if b.is_ascii_graphic() || *b == b' ' {
                *b
            } else {
                b'.'
            };
        }
        let end = ascii + chunk.len();
        line[end] = b'\n';
        out.write_all(&line[..=end])?;
    }
    Ok(())
}

/// The filter names of every field in the registry.
pub fn field_names() -> Vec<&'static str> {
    fields().into_iter().map(|f| f.abbrev).collect()
}

/// The field named `abbrev` in the registry (the first, where protocols share a name).
pub fn field(abbrev: &str) -> Option<&'static Field> {
    fields().into_iter().find(|f| f.abbrev == abbrev)
}

/// Every field in the registry.
fn fields() -> Vec<&'static Field> {
    [
        &[&SHORT, &MALFORMED],
        frame::FIELDS,
        arp::FIELDS,
        icmp::FIELDS,
        icmp_more::FIELDS,
        icmpv6::FIELDS,
        icmpv6_more::FIELDS,
        eth::FIELDS,
        link::FIELDS,
        loopback::FIELDS,
        ip::FIELDS,
        ip_options::FIELDS,
        tcp::FIELDS,
        tcp_options::FIELDS,
        udp::FIELDS,
        tunnel::FIELDS,
        data::FIELDS,
        http::FIELDS,
    ]
    .iter()
    .flat_map(|fields| fields.iter().copied())
    .collect()
}

/// The field tree of one packet: the frame, then each layer decoded, then the data.
pub fn build(
    frame: &Frame<'_>,
    packet: &Packet,
    tcp: Option<&TcpFields>,
    ctx: &FrameContext,
) -> Tree {
    let mut tree = Tree::default();
    build_into(&mut tree, frame, packet, tcp, ctx);
    tree
}

/// [`build`] into `tree`, reusing its buffers.
pub fn build_into(
    tree: &mut Tree,
    frame: &Frame<'_>,
    packet: &Packet,
    tcp: Option<&TcpFields>,
    ctx: &FrameContext,
) {
    tree.clear();
    if frame::custom_block(frame).is_some() {
        // A pcapng Custom Block: its data after the PEN, shown as data.
        let custom = frame.data.get(4..).unwrap_or_default();
        tree.data.extend_from_slice(custom);
        tree.frame_len = custom.len();
        let protocols: &[&str] = if custom.is_empty() { &[] } else { &["data"] };
        let mut b = Builder { tree, depth: 0 };
        frame::build(&mut b, frame, ctx, protocols);
        if !custom.is_empty() {
            data::build(&mut b, custom, 0, custom.len());
        }
        return;
    }
    tree.data.extend_from_slice(frame.data);
    tree.frame_len = frame.data.len();
    let reassembled = ctx.reassembled.as_ref();
    if let Some(r) = reassembled {
        let name = if r.v6 {
            "Reassembled IPv6"
        } else {
            "Reassembled IPv4"
        };
        tree.sources.push((name, tree.data.len(), r.bytes.len()));
        tree.data.extend_from_slice(&r.bytes);
    }
    // The frame's bytes, and after them the reassembled packet's, for the layers read from it.
    let all = reassembled.map(|_| tree.data.clone());
    let data = all.as_deref().unwrap_or(frame.data);
    // The layers a display filter does not need are left as their protocol's line.
    let selection = tree.selection.take();
    // (None once a protocol whose bytes are read has been built: all after it is built too.)
    let mut active = selection.as_ref();
    let skips = |active: Option<&Selection>, protocols: &[&str]| {
        active.is_some_and(|s| !protocols.iter().any(|p| s.builds(p)))
    };
    let mut b = Builder { tree, depth: 0 };
    let mut protocols = vec![];
    let mut layers = layers(frame, packet, tcp, reassembled, &mut protocols);
    if quote_to_http(ctx) && protocols.last() == Some(&"data") {
        protocols.pop();
    }
    if let Some(view) = ctx.http.as_ref() {
        // HTTP takes the payload the data protocol would have had.
        let tcp_at = layers.iter().position(|l| matches!(l, Layer::Tcp(_)));
        let payload = match tcp_at.map(|i| (i, layers.get(i + 1))) {
            Some((i, Some(Layer::Data(at, len)))) => {
                let (at, len) = (*at, *len);
                layers[i + 1] = Layer::Http(at, len);
                if protocols.last() == Some(&"data") {
                    protocols.pop();
                }
                Some((at, len))
            }
            // A FIN without payload that completes a message, or a payload withheld from
            // HTTP (resent, out of order) that TCP put in a message's gap.
            Some((i, _)) if !view.messages.is_empty() || view.segment_data => {
                let payload = match (&layers[i], &packet.transport) {
                    (Layer::Tcp(at), crate::decode::Transport::Tcp(seg)) => {
                        let start = at + seg.header.header_len as usize;
                        let len =
                            (seg.header.payload_len as usize).min(data.len().saturating_sub(start));
                        (start, len)
                    }
                    _ => (frame.data.len(), 0),
                };
                layers.insert(i + 1, Layer::Http(payload.0, payload.1));
                Some(payload)
            }
            _ => None,
        };
        if let Some((at, len)) = payload {
            let bytes = data_bytes(frame, reassembled, at, len);
            http::protocols(view, &bytes, &mut protocols);
        }
    }
    if skips(active, &["frame", "pkt_comment"]) {
        frame::build_protocol_only(&mut b, frame);
    } else {
        frame::build(&mut b, frame, ctx, &protocols);
    }
    // Padding or a frame check sequence the capture cut: Wireshark stops there, after every
    // layer.
    let trailer_cut = trailer_cut(frame, packet);
    // Nodes looked at for a protocol whose bytes are read: every layer after it is built.
    let mut looked = 0;
    for layer in layers {
        if let Some(s) = active {
            if s.reads_any(b.tree.nodes.get(looked..).unwrap_or_default()) {
                active = None;
            }
            looked = b.tree.nodes.len();
        }
        match layer {
            Layer::Eth(at, _) if skips(active, &["eth"]) => b.protocol_only(&eth::ETH, at),
            Layer::Eth(at, trailer) => eth::build(&mut b, data, at, trailer),
            Layer::Vlan(at, trailer) => eth::build_vlan(&mut b, data, at, trailer),
            Layer::Qinq(at, trailer) => eth::build_qinq(&mut b, data, at, trailer),
            Layer::Loop(at) => {
                let cut = frame.wire_len as usize > frame.data.len();
                loopback::build(&mut b, data, at, cut);
            }
            Layer::ArpMalformed(at) => {
                let cut = frame.wire_len as usize > frame.data.len();
                match &packet.net {
                    crate::decode::Network::ArpMalformed(short) if !short.overruns(cut) => {
                        arp::build_cut(&mut b, data, at, short, ctx.arp_duplicates);
                    }
                    crate::decode::Network::ArpMalformed(_) => {
                        arp::build_malformed(&mut b, data, at, false, [None; 2]);
                    }
                    _ => arp::build_malformed(&mut b, data, at, cut, [None; 2]),
                }
            }
            Layer::Arp(at) => {
                if let crate::decode::Network::Arp(arp) = &packet.net {
                    arp::build(&mut b, data, at, arp, ctx.arp_duplicates);
                }
            }
            Layer::Null(big_endian) => link::build_null(&mut b, data, big_endian),
            Layer::Raw => link::build_raw(&mut b, frame.data.len()),
            Layer::Sll => link::build_sll(&mut b, data),
            Layer::Sll2 => link::build_sll2(&mut b, data),
            Layer::Ppp(len) => link::build_ppp(&mut b, data, len),
            Layer::GrePpp(at, len) => link::build_ppp_at(&mut b, data, at, len),
            Layer::PppCut(at, cut) => {
                let first = b.last() + 1;
                if data.len() > at {
                    link::build_ppp_at(&mut b, data, at, data.len() - at);
                }
                b.close_to(0);
                b.cut_at(first, data.len());
                if cut {
                    truncated(&mut b, "PPP", data.len());
                } else {
                    malformed(&mut b, "PPP", data.len());
                }
            }
            Layer::Chdlc => link::build_chdlc(&mut b, data),
            Layer::Ipv4(at) if skips(active, &["ip"]) => b.protocol_only(&ip::IP, at),
            // (IPv6's header holds a field of IPv4's, `ip.version`.)
            Layer::Ipv6(at) if skips(active, &["ipv6", "ip"]) => b.protocol_only(&ip::IPV6, at),
            Layer::Ipv4(at) => {
                let wire = (frame.wire_len as usize).max(frame.data.len());
                ip::build_v4(&mut b, data, at, reassembled, Some(wire));
            }
            Layer::Ipv6(at) => {
                let wire = (frame.wire_len as usize).max(frame.data.len());
                ip::build_v6(&mut b, data, at, reassembled, Some(wire));
            }
            Layer::Ipv4Bogus(at) => ip::build_v4_bogus(&mut b, data, at),
            // (An option no dissector reads is TCP's `data`.)
            Layer::Tcp(at)
                if skips(active, &["tcp", "data"]) && tcp::built_whole(data, at, packet, tcp) =>
            {
                b.protocol_only(&tcp::TCP, at)
            }
            Layer::Tcp(at) => {
                tcp::build(&mut b, data, at, packet, tcp, ctx.unanalysed_tcp.as_ref())
            }
            Layer::TcpPorts(at) => tcp::build_ports_only(&mut b, data, at),
            Layer::IpCut(at, v4) => ip_cut(&mut b, frame, data, at, v4),
            Layer::OuterUdp(at) => {
                if let Some(udp) = quoted::udp_header(data, at) {
                    udp::build(&mut b, data, at, &udp, ctx.udp_stream, false, None);
                }
            }
            Layer::Gre(at, end, nested) => {
                let first = b.last() + 1;
                tunnel::build_gre(&mut b, data, at, end, data.len() >= end);
                let header = tunnel::gre_header_len(data.get(at..).unwrap_or_default());
                if data.len() < at + header {
                    tunnel_cut(&mut b, frame, data, first, "GRE");
                    continue;
                }
                if let Some((at, len)) = nested {
                    data::build(&mut b, data, at, len);
                }
                b.close();
            }
            Layer::Erspan1(at) => tunnel::build_erspan_type_1(&mut b, at),
            Layer::Erspan(at, end) => {
                let first = b.last() + 1;
                tunnel::build_erspan(&mut b, data, at, end);
                let header = tunnel::erspan_header_len(data.get(at..).unwrap_or_default());
                if data.len() < at + header {
                    tunnel_cut(&mut b, frame, data, first, "ERSPAN");
                }
            }
            Layer::Vxlan(at) => {
                let first = b.last() + 1;
                tunnel::build_vxlan(&mut b, data, at);
                if data.len() < at + 8 {
                    tunnel_cut(&mut b, frame, data, first, "VXLAN");
                }
            }
            // (VXLAN-GPE is a protocol in name only: the line that says its header was cut
            // names UDP, which handed it the datagram.)
            Layer::VxlanGpe(at) => {
                let first = b.last() + 1;
                tunnel::build_vxlan_gpe(&mut b, data, at);
                if data.len() < at + 8 {
                    tunnel_cut(&mut b, frame, data, first, "UDP");
                }
            }
            Layer::Geneve(at) => {
                let first = b.last() + 1;
                tunnel::build_geneve(&mut b, data, at);
                let header = tunnel::geneve_header_len(data.get(at..).unwrap_or_default());
                if data.len() < at + header {
                    tunnel_cut(&mut b, frame, data, first, "Geneve");
                }
            }
            Layer::Icmpv6(ip_at, at, len) => {
                let first = b.last() + 1;
                icmpv6::build(&mut b, data, ip_at, at, len, ctx.echo_request);
                let error = data.get(at).is_some_and(|&t| icmpv6::is_error(t));
                if data.len() < at + 8 {
                    // Cut inside its header: what was read before the cut.
                    b.close_to(0);
                    b.cut_at(first, data.len());
                    truncated(&mut b, "ICMPv6", data.len());
                    continue;
                }
                if error && quoted::cut_by_capture(data, at + 8, at + len) {
                    // The quoted IPv6 header cut by the capture: what was read before the cut
                    // (with none of it, ICMPv6's own reading stops).
                    let quote = b.last() + 1;
                    if data.len() > at + 8 {
                        ip::build_v6(&mut b, data, at + 8, None, None);
                        b.close_to(1);
                        b.cut_at(quote, data.len());
                        b.unappend_from(quote, ", Src: ");
                    }
                    b.close_to(0);
                    let name = if data.len() > at + 8 {
                        "IPv6"
                    } else {
                        "ICMPv6"
                    };
                    truncated(&mut b, name, data.len());
                    continue;
                }
                close_icmp(&mut b, data, at, error.then_some(None), ctx);
            }
            // Cut before its sixth byte, which Wireshark reads first: only the line that says
            // so.
            Layer::Icmp(at, _) if data.len() < at + 6 => truncated(&mut b, "ICMP", data.len()),
            Layer::Icmp(at, len) if data.len() < at + 8 => {
                // Cut inside its header: what was read before the cut.
                let first = b.last() + 1;
                icmp::build(&mut b, data, at, len, ctx.echo_request);
                b.close();
                b.cut_at(first, data.len());
                truncated(&mut b, "ICMP", data.len());
            }
            Layer::Icmp(at, len) => {
                icmp::build(&mut b, data, at, len, ctx.echo_request);
                let error = data.get(at).is_some_and(|&t| icmp::is_error(t));
                if error && quoted::cut_by_capture(data, at + 8, at + len) {
                    // The quoted IP header cut by the capture: what was read before the cut.
                    let first = b.last() + 1;
                    if data.len() > at + 8 {
                        ip::build_v4(&mut b, data, at + 8, None, None);
                        b.close_to(1);
                        b.cut_at(first, data.len());
                        b.unappend_from(first, ", Src: ");
                    }
                    b.close();
                    truncated(&mut b, "IPv4", data.len());
                    continue;
                }
                let limit = error.then(|| icmp::quoted_limit(data, at));
                close_icmp(&mut b, data, at, limit, ctx);
            }
            Layer::Udp(at) if skips(active, &["udp"]) => {
                let read = matches!(packet.transport, crate::decode::Transport::Udp(_))
                    || quoted::udp_header(data, at).is_some();
                if read {
                    b.protocol_only(&udp::UDP, at);
                }
            }
            Layer::Udp(at) => {
                if let crate::decode::Transport::Udp(udp) = &packet.transport {
                    let ip_payload = packet.ip().map(|ip| ip.payload_len);
                    udp::build(&mut b, data, at, udp, ctx.udp_stream, false, ip_payload);
                } else if let Some(udp) = quoted::udp_header(data, at) {
                    // Read from a reassembled packet.
                    udp::build(&mut b, data, at, &udp, ctx.udp_stream, false, None);
                }
            }
            Layer::Data(at, _) if skips(active, &["data"]) => b.protocol_only(&data::DATA, at),
            Layer::Data(at, len) => data::build(&mut b, data, at, len),
            Layer::Http(at, len) => {
                if let Some(view) = ctx.http.as_ref() {
                    http::build(&mut b, view, data.get(at..at + len).unwrap_or_default(), at);
                }
            }
            Layer::Malformed(name) => malformed(&mut b, name, data.len()),
            Layer::Truncated(name) => truncated(&mut b, name, data.len()),
            Layer::TagCut(at, kind) => eth::build_tag_cut(&mut b, data, at, kind),
            Layer::SllCut => {
                // Its lines once the packet and hardware types are read, as far as kept.
                if data.len() >= 4 {
                    let first = b.last() + 1;
                    link::build_sll(&mut b, data);
                    b.cut_at(first, data.len());
                }
                truncated(&mut b, "SLL", data.len());
            }
            Layer::LinkShort(name) => {
                // PPP's address, if there; Cisco HDLC reads its protocol first, and shows
                // nothing.
                if name == "PPP" {
                    link::build_ppp_address(&mut b, data);
                }
                if frame.wire_len as usize > frame.data.len() {
                    truncated(&mut b, name, data.len());
                } else {
                    malformed(&mut b, name, data.len());
                }
            }
        }
    }
    if let Some(name) = trailer_cut {
        truncated(&mut b, name, frame.data.len());
    }
    tree.selection = selection;
}

/// Whether the capture cut what follows an Ethernet frame's payload where Wireshark stops
/// reading it (the padding it checks, or the frame check sequence it reads; see
/// [`eth::trailer_cut`]), and the protocol Wireshark names then: `Ethernet` for an IEEE 802.3
/// frame, `Ethertype` for the others (the dissector that reads what follows the payload).
pub(crate) fn trailer_cut(frame: &Frame<'_>, packet: &Packet) -> Option<&'static str> {
    if frame.linktype != crate::link::LinkType::EN10MB
        || frame.data.len() >= frame.wire_len as usize
    {
        return None;
    }
    let data = frame.data;
    let be16 = |i: usize| {
        data.get(i..i + 2)
            .map(|t| usize::from(u16::from_be_bytes([t[0], t[1]])))
    };
    // The common cut frame, an IP packet cut inside: nothing after it was captured.
    let ip_end = match be16(12) {
        Some(0x0800) => be16(16).filter(|&l| l > 0).map(|l| 14 + l),
        Some(0x86dd) => be16(18).filter(|&l| l > 0).map(|l| 14 + 40 + l),
        _ => None,
    };
    if ip_end.is_some_and(|end| end >= data.len()) {
        return None;
    }
    let length = be16(12)
        .filter(|&l| l <= usize::from(eth::MAX_8023_LENGTH))
        .map(|l| l as u16);
    // IEEE 802.3: Wireshark cuts what follows the payload at the end its length says (the
    // frame's end, if it says more), which must have been captured.
    if let Some(length) = length {
        let wire_len = frame.wire_len as usize;
        let end = (14 + usize::from(length)).min(wire_len);
        if frame.data.len() < end {
            return Some("Ethernet");
        }
        // (It then reads what follows even when none of it was captured.)
        let nothing_after = eth::Trailer {
            start: end,
            under_tag: None,
            wire_len,
        };
        if frame.data.len() == end && eth::trailer_cut_uncaptured(&nothing_after) {
            return Some("Ethernet");
        }
    }
    layers(frame, packet, None, None, &mut Vec::new())
        .iter()
        .find_map(|layer| match layer {
            Layer::Eth(_, Some(t)) | Layer::Vlan(_, Some(t)) | Layer::Qinq(_, Some(t)) => {
                Some(eth::trailer_cut(frame.data, t))
            }
            _ => None,
        })
        .filter(|&cut| cut)
        .map(|_| {
            if length.is_some() {
                "Ethernet"
            } else {
                "Ethertype"
            }
        })
}

/// `len` bytes at `at` of the frame, or of the packet its fragments made.
fn data_bytes(
    frame: &Frame<'_>,
    reassembled: Option<&Reassembled>,
    at: usize,
    len: usize,
) -> Vec<u8> {
    let mut all = frame.data.to_vec();
    if let Some(r) = reassembled {
        all.extend_from_slice(&r.bytes);
    }
    all.get(at..at + len).unwrap_or_default().to_vec()
}

/// The line after the last layer of a frame the capture cut in `name`'s header, at `end`.
pub(super) fn truncated(b: &mut Builder, name: &str, end: usize) {
    b.add(
        &SHORT,
        Value::None,
        (end, 0),
        format_args!("[Packet size limited during capture: {name} truncated]"),
    );
}

/// The end of an ICMP or ICMPv6 message at `at`: for an error (`quote`: how much of the quoted
/// datagram is read, if the message says), the datagram it quotes inside its subtree; then
/// what the quoted transport carried, as the frame's data.
fn close_icmp(
    b: &mut Builder,
    data: &[u8],
    at: usize,
    quote: Option<Option<usize>>,
    ctx: &FrameContext,
) {
    let quoted_data = quote.and_then(|limit| {
        quoted::build(
            b,
            data,
            at + 8,
            limit,
            ctx.quoted_udp_stream,
            ctx.quoted_tcp.as_ref(),
            ctx.http_enabled,
        )
    });
    b.close();
    if let Some((data_at, data_len)) = quoted_data {
        data::build(b, data, data_at, data_len);
    }
}

/// An ICMP error quotes a TCP segment of an HTTP port, and HTTP is enabled: HTTP takes its
/// payload, and shows nothing of it in an error's quote (see `quoted::build`).
fn quote_to_http(ctx: &FrameContext) -> bool {
    use crate::timeline::http::PORTS;
    ctx.http_enabled
        && ctx
            .quoted_tcp
            .as_ref()
            .is_some_and(|(h, _)| PORTS.contains(&h.src_port) || PORTS.contains(&h.dst_port))
}

/// The line that ends the tree of a frame `name`'s dissector could not read, with its expert
/// entry: `[Malformed Packet: TCP]`.
pub(super) fn malformed(b: &mut Builder, name: &str, at: usize) {
    b.add(
        &MALFORMED,
        Value::None,
        (at, 0),
        format_args!("[Malformed Packet: {name}]"),
    );
    b.expert(
        "_ws.malformed.expert",
        "Error",
        "Malformed",
        "Malformed Packet (Exception occurred)",
    );
}

/// An IPv4 (`v4`) or IPv6 header at `at` that the frame ends inside: what Wireshark reads of
/// it before it stops (IPv4 adds its destination after its options, so never that), then the
/// line saying the capture cut it or it was malformed.
fn ip_cut(b: &mut Builder, frame: &Frame<'_>, data: &[u8], at: usize, v4: bool) {
    let first = b.last() + 1;
    let wire = (frame.wire_len as usize).max(frame.data.len());
    let src_end = at + if v4 { 16 } else { 24 };
    if v4 {
        ip::build_v4(b, data, at, None, Some(wire));
    } else {
        ip::build_v6(b, data, at, None, Some(wire));
    }
    b.close_to(0);
    // IPv4 reads its destination once its options are walked for a source route; IPv6
    // reads its next header before it shows the payload length.
    let header_len = data.get(at).map_or(20, |b| usize::from(b & 0x0f) * 4);
    let rest = data.get(at..).unwrap_or_default();
    let dst_read = v4 && rest.len() >= 20 && crate::decode::ipv4_route_walk_fits(rest, header_len);
    let end = match v4 {
        true if dst_read => data.len(),
        // The flags are read with the fragment offset, as one 16-bit word.
        true if data.len() == at + 7 => at + 6,
        true => data.len().min(src_end),
        false if data.len() < at + 7 => data.len().min(at + 4),
        false => data.len(),
    };
    b.cut_at(first, end);
    // IPv4's title names the source as soon as it is read, then the destination; IPv6's
    // names both, at the end.
    if dst_read {
    } else if v4 && data.len() >= src_end {
        b.unappend_from(first, ", Dst: ");
    } else {
        b.unappend_from(first, ", Src: ");
    }
    let name = if v4 { "IPv4" } else { "IPv6" };
    let header_len = match data.get(at) {
        Some(first) if v4 => u32::from(first & 0x0f) * 4,
        _ => 40,
    };
    let as_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let kept = as_u32(data.len().saturating_sub(at));
    let reported = as_u32(wire.saturating_sub(at));
    if crate::decode::ip_read_fails_past(v4, header_len, kept) > reported {
        malformed(b, name, data.len());
    } else {
        truncated(b, name, data.len());
    }
}

/// Ends a tunnel's header that the packet ends inside, from node `first` (its title): what
/// was read before the end, then the line saying the capture cut it or it was malformed.
fn tunnel_cut(b: &mut Builder, frame: &Frame<'_>, data: &[u8], first: usize, name: &str) {
    b.close_to(0);
    b.cut_at(first, data.len());
    if frame.wire_len as usize > frame.data.len() {
        truncated(b, name, data.len());
    } else {
        malformed(b, name, data.len());
    }
}

/// Whether an ICMP echo at `at`, `len` bytes long, has data after the time its data may
/// start with (see `icmp::echo_timestamp`).
fn echo_has_data(data: &[u8], at: usize, len: usize, arrival: Timestamp) -> bool {
    let kept = data.len().saturating_sub(at + 8).min(len.saturating_sub(8));
    match icmp::echo_timestamp(data, at, len, arrival) {
        Some(_) => kept > 8,
        None => kept > 0,
    }
}

/// Tunnels opened at most, one inside the other, as in `decode`.
const MAX_TUNNELS: u8 = 8;

/// Where the IP packet at `at` ends, as its header says (past the captured bytes, if they
/// are fewer).
fn ip_end(data: &[u8], at: usize) -> usize {
    let be16 = |i: usize| {
        data.get(i..i + 2)
            .map_or(0, |l| usize::from(u16::from_be_bytes([l[0], l[1]])))
    };
    match data.get(at).map(|b| b >> 4) {
        Some(4) => at + be16(at + 2),
        _ => at + 40 + be16(at + 4),
    }
}

/// What [`tunnel_layers`] found after an IP header.
enum Opened {
    /// A tunnel whose inner IP header starts here.
    Ip(usize),
    /// A tunnel, and all that follows it.
    Done,
    /// No tunnel `decode` opens.
    No,
}

/// The tunnel layers after an IP header whose payload of protocol `proto` starts at
/// `transport_at` and ends at `end`, as `decode` opens them: GRE (and ERSPAN inside it), and
/// VXLAN or Geneve in a UDP datagram; then the Ethernet frame inside, if any, and what it
/// carries when that is not IP (ARP, or data).
fn tunnel_layers(
    data: &[u8],
    packet: &Packet,
    (transport_at, proto, end): (usize, u8, usize),
    out: &mut Vec<Layer>,
    protocols: &mut Vec<&'static str>,
) -> Opened {
    use crate::decode::tunnel as dt;
    let offset = |bytes: &[u8]| (bytes.as_ptr() as usize).saturating_sub(data.as_ptr() as usize);
    let payload = data
        .get(transport_at..end.min(data.len()))
        .unwrap_or_default();
    match proto {
        47 => {
            protocols.push("gre");
            if payload.len() < 4 {
                out.push(if end > data.len() {
                    Layer::Truncated("GRE")
                } else {
                    Layer::Malformed("GRE")
                });
                return Opened::Done;
            }
            let flags = u16::from_be_bytes([payload[0], payload[1]]);
            let protocol = u16::from_be_bytes([payload[2], payload[3]]);
            let header = tunnel::gre_header_len(payload);
            let rest_at = transport_at + header;
            match dt::gre(payload) {
                // The GRE header whole, the ERSPAN header after it cut: what was read of it.
                None if payload.len() >= header && matches!(protocol, 0x88be | 0x22eb) => {
                    out.push(Layer::Gre(transport_at, end, None));
                    protocols.push("erspan");
                    out.push(Layer::Erspan(rest_at, end));
                    Opened::Done
                }
                // PPTP's PPP header cut.
                None if payload.len() >= header && protocol == 0x880b => {
                    out.push(Layer::Gre(transport_at, end, None));
                    protocols.push("ppp");
                    out.push(Layer::PppCut(rest_at, end > data.len()));
                    Opened::Done
                }
                None => {
                    out.push(Layer::Gre(transport_at, end, None));
                    Opened::Done
                }
                Some(dt::Gre::Ppp(_)) => {
                    // PPTP's PPP, in HDLC-like framing, of a protocol the judged set does not
                    // read: its header, then data.
                    out.push(Layer::Gre(transport_at, end, None));
                    let ppp_at = transport_at + tunnel::gre_header_len(payload);
                    let bytes = data.get(ppp_at..end.min(data.len())).unwrap_or_default();
                    let len = crate::link::ppp_header(bytes).map_or(bytes.len(), |(_, l)| l);
                    protocols.push("ppp");
                    out.push(Layer::GrePpp(ppp_at, len));
                    if bytes.len() > len {
                        protocols.push("data");
                        out.push(Layer::Data(ppp_at + len, bytes.len() - len));
                    }
                    Opened::Done
                }
                // PPTP's PPP with nothing of it captured, though the packet goes on.
                Some(dt::Gre::Unknown(0x880b)) if payload.len() == header && end > rest_at => {
                    out.push(Layer::Gre(transport_at, end, None));
                    protocols.push("ppp");
                    out.push(Layer::PppCut(rest_at, end > data.len()));
                    Opened::Done
                }
                Some(dt::Gre::Unknown(_)) => {
                    let header = tunnel::gre_header_len(payload);
                    let rest = payload.len().saturating_sub(header);
                    // Without a sequence number, an empty payload is not handed on.
                    let nested = (rest > 0 || flags & 0x1000 != 0)
                        .then_some((transport_at + header, rest))
                        .filter(|&(_, len)| len > 0);
                    if nested.is_some() {
                        protocols.push("data");
                    }
                    out.push(Layer::Gre(transport_at, end, nested));
                    Opened::Done
                }
                Some(dt::Gre::Inner(dt::Inner::Ip(bytes))) => {
                    out.push(Layer::Gre(transport_at, end, None));
                    if protocol == 0x880b {
                        // IP in PPTP's PPP: the PPP header before it.
                        let ppp_at = transport_at + tunnel::gre_header_len(payload);
                        protocols.push("ppp");
                        out.push(Layer::GrePpp(ppp_at, offset(bytes).saturating_sub(ppp_at)));
                    }
                    match (bytes.is_empty(), protocol) {
                        (false, _) => Opened::Ip(offset(bytes)),
                        // Nothing of the IP header, though the packet goes on: IPv6 names
                        // itself before it reads; IPv4 is handed to a reader of the version.
                        (true, _) if end <= rest_at.max(offset(bytes)) => Opened::Done,
                        (true, _) => {
                            let v4 = protocol != 0x86dd;
                            empty_ip(offset(bytes), v4, end > data.len(), out, protocols)
                        }
                    }
                }
                Some(dt::Gre::Inner(dt::Inner::Ethernet(bytes))) => {
                    out.push(Layer::Gre(transport_at, end, None));
                    let erspan_at = transport_at + tunnel::gre_header_len(payload);
                    match protocol {
                        0x88be if flags & 0x1000 == 0 => {
                            protocols.push("erspan");
                            out.push(Layer::Erspan1(erspan_at));
                        }
                        0x88be | 0x22eb => {
                            protocols.push("erspan");
                            out.push(Layer::Erspan(erspan_at, end));
                        }
                        _ => {}
                    }
                    inner_ethernet(data, packet, offset(bytes), end, out, protocols)
                }
            }
        }
        // (A datagram the capture cut after its header is UDP's alone.)
        17 if payload.len() > 8 => {
            let port = |i: usize| u16::from_be_bytes([payload[i], payload[i + 1]]);
            let ports = [port(0), port(2)];
            let length = usize::from(port(4));
            let udp_payload = payload.get(8..length.max(8).min(payload.len()));
            let udp_payload = udp_payload.unwrap_or_default();
            let vx_at = transport_at + 8;
            if ports.contains(&dt::VXLAN_PORT) {
                out.push(Layer::OuterUdp(transport_at));
                out.push(Layer::Vxlan(vx_at));
                protocols.extend(["udp", "vxlan"]);
                match dt::vxlan(udp_payload) {
                    Some(dt::Inner::Ethernet(bytes)) => {
                        inner_ethernet(data, packet, offset(bytes), end, out, protocols)
                    }
                    _ => Opened::Done,
                }
            } else if ports.contains(&dt::VXLAN_GPE_PORT) {
                out.push(Layer::OuterUdp(transport_at));
                out.push(Layer::VxlanGpe(vx_at));
                // (tshark's protocols in frame leave VXLAN-GPE out.)
                protocols.push("udp");
                match dt::vxlan_gpe(udp_payload) {
                    // Nothing of the IP header, though the packet goes on: IPv6 names itself
                    // before it reads; IPv4 is handed to a reader of the version.
                    Ok(Some(dt::Inner::Ip([]))) if end > vx_at + 8 => {
                        let v4 = udp_payload.get(3) != Some(&2);
                        empty_ip(vx_at + 8, v4, end > data.len(), out, protocols)
                    }
                    Ok(Some(dt::Inner::Ip([]))) | Err(()) => Opened::Done,
                    Ok(Some(dt::Inner::Ip(bytes))) => Opened::Ip(offset(bytes)),
                    Ok(Some(dt::Inner::Ethernet(bytes))) => {
                        inner_ethernet(data, packet, offset(bytes), end, out, protocols)
                    }
                    Ok(None) => {
                        let rest = udp_payload.len() - 8;
                        if rest > 0 {
                            protocols.push("data");
                            out.push(Layer::Data(vx_at + 8, rest));
                        }
                        Opened::Done
                    }
                }
            } else if ports.contains(&dt::GENEVE_PORT) {
                match dt::geneve(udp_payload) {
                    Ok(None) => Opened::No,
                    Err(()) => {
                        out.push(Layer::OuterUdp(transport_at));
                        out.push(Layer::Geneve(vx_at));
                        protocols.extend(["udp", "geneve"]);
                        Opened::Done
                    }
                    Ok(Some(inner)) => {
                        out.push(Layer::OuterUdp(transport_at));
                        out.push(Layer::Geneve(vx_at));
                        protocols.extend(["udp", "geneve"]);
                        match inner {
                            // Nothing of the IP header, though the packet goes on: the
                            // EtherType's IPv4 or IPv6 (each names itself before it reads).
                            dt::Inner::Ip(bytes @ []) if end > offset(bytes) => {
                                let v4 = udp_payload.get(2..4) == Some(&[0x08, 0x00]);
                                empty_ip(offset(bytes), v4, end > data.len(), out, protocols)
                            }
                            dt::Inner::Ip([]) => Opened::Done,
                            dt::Inner::Ip(bytes) => Opened::Ip(offset(bytes)),
                            dt::Inner::Ethernet(bytes) => {
                                inner_ethernet(data, packet, offset(bytes), end, out, protocols)
                            }
                        }
                    }
                }
            } else {
                Opened::No
            }
        }
        _ => Opened::No,
    }
}

/// An IP header at `at` of which nothing was captured though the packet goes on (`cut`: by
/// the capture; otherwise the packet is short): IPv6 shows its title before it reads; IPv4
/// here is reached through the reader of the version, which shows nothing. Then the line
/// that says why the reading stopped.
fn empty_ip(
    at: usize,
    v4: bool,
    cut: bool,
    out: &mut Vec<Layer>,
    protocols: &mut Vec<&'static str>,
) -> Opened {
    if v4 {
        protocols.push("ip");
        out.push(if cut {
            Layer::Truncated("IPv4")
        } else {
            Layer::Malformed("IPv4")
        });
    } else {
        protocols.push("ipv6");
        out.push(Layer::IpCut(at, false));
    }
    Opened::Done
}

/// The Ethernet frame at `at` inside a tunnel (its packet ending at `end`): IP after it is
/// for the caller to read; ARP or anything else is added here.
fn inner_ethernet(
    data: &[u8],
    packet: &Packet,
    at: usize,
    end: usize,
    out: &mut Vec<Layer>,
    protocols: &mut Vec<&'static str>,
) -> Opened {
    if data.len() < at + 14 {
        // Wireshark shows nothing of an Ethernet header it cannot read whole.
        protocols.push("eth");
        out.push(if end > data.len() {
            Layer::Truncated("Ethernet")
        } else {
            Layer::Malformed("Ethernet")
        });
        return Opened::Done;
    }
    out.push(Layer::Eth(at, None));
    protocols.extend(["eth", "ethertype"]);
    let rest = end.min(data.len()).saturating_sub(at + 14);
    match u16::from_be_bytes([data[at + 12], data[at + 13]]) {
        0x0800 | 0x86dd if rest > 0 => Opened::Ip(at + 14),
        // Nothing of the IP header captured: the line that says so, after its name.
        0x0800 | 0x86dd if end > data.len() && data.len() == at + 14 => Opened::Ip(at + 14),
        0x0806 if matches!(packet.net, crate::decode::Network::Arp(_)) => {
            out.push(Layer::Arp(at + 14));
            protocols.push("arp");
            Opened::Done
        }
        0x0806 if matches!(packet.net, crate::decode::Network::ArpMalformed(_)) => {
            out.push(Layer::ArpMalformed(at + 14));
            protocols.push("arp");
            Opened::Done
        }
        _ => {
            if rest > 0 {
                out.push(Layer::Data(at + 14, rest));
                protocols.push("data");
            }
            Opened::Done
        }
    }
}

/// The outer UDP datagram of a packet that a tunnel carried over UDP (VXLAN, Geneve), a UDP
/// conversation of its own (its stream index is the one the tree's outer UDP shows): its
/// endpoints, and whether it has a payload.
pub fn tunnel_udp(
    frame: &Frame<'_>,
    packet: &Packet,
) -> Option<(std::net::SocketAddr, std::net::SocketAddr, bool)> {
    if matches!(packet.transport, crate::decode::Transport::Udp(_)) {
        return None;
    }
    // The common case, cheaply: an Ethernet frame whose IP packet is not UDP.
    let data = frame.data;
    if frame.linktype == crate::link::LinkType::EN10MB {
        let proto = match data.get(12..14) {
            Some([0x08, 0x00]) => data.get(23),
            Some([0x86, 0xdd]) => data.get(20),
            _ => None,
        };
        if proto.is_some_and(|&p| p != 17) {
            return None;
        }
    }
    let layers = layers(frame, packet, None, None, &mut Vec::new());
    let udp_at = layers.iter().find_map(|l| match l {
        Layer::OuterUdp(at) => Some(*at),
        _ => None,
    })?;
    let ip_at = layers.iter().rev().find_map(|l| match l {
        Layer::Ipv4(at) | Layer::Ipv6(at) if *at < udp_at => Some(*at),
        _ => None,
    })?;
    let (src, dst): (std::net::IpAddr, std::net::IpAddr) = if data[ip_at] >> 4 == 4 {
        let a = |i: usize| Ipv4Addr::new(data[i], data[i + 1], data[i + 2], data[i + 3]);
        (a(ip_at + 12).into(), a(ip_at + 16).into())
    } else {
        let a =
            |i: usize| Ipv6Addr::from(<[u8; 16]>::try_from(&data[i..i + 16]).unwrap_or_default());
        (a(ip_at + 8).into(), a(ip_at + 24).into())
    };
    let port = |i: usize| u16::from_be_bytes([data[i], data[i + 1]]);
    let length = port(udp_at + 4);
    Some((
        std::net::SocketAddr::new(src, port(udp_at)),
        std::net::SocketAddr::new(dst, port(udp_at + 2)),
        length > 8,
    ))
}

/// Where the frame's IP header starts, if it has one.
pub(super) fn network_offset(frame: &Frame<'_>, packet: &Packet) -> Option<usize> {
    layers(frame, packet, None, None, &mut Vec::new())
        .iter()
        .find_map(|layer| match layer {
            Layer::Ipv4(at) | Layer::Ipv6(at) => Some(*at),
            _ => None,
        })
}

/// The layers of an IP packet at `at` read from its bytes alone (a tunnel's outer packet):
/// its header, a UDP header and the rest as data.
fn outer_ip_layers(
    data: &[u8],
    packet: &Packet,
    at: usize,
    out: &mut Vec<Layer>,
    protocols: &mut Vec<&'static str>,
) {
    let be16 = |i: usize| {
        data.get(i..i + 2)
            .map_or(0, |l| usize::from(u16::from_be_bytes([l[0], l[1]])))
    };
    let (transport_at, proto, end) = match data.get(at).map(|b| b >> 4) {
        Some(4) if data.len() >= at + 20 => {
            out.push(Layer::Ipv4(at));
            protocols.push("ip");
            (
                at + usize::from(data[at] & 0x0f) * 4,
                data[at + 9],
                at + be16(at + 2),
            )
        }
        Some(6) if data.len() >= at + 40 => {
            out.push(Layer::Ipv6(at));
            protocols.push("ipv6");
            (at + 40, data[at + 6], at + 40 + be16(at + 4))
        }
        _ => return,
    };
    if let Opened::Done = tunnel_layers(data, packet, (transport_at, proto, end), out, protocols) {
        return;
    }
    let end = end.min(data.len());
    if proto == 17 && end >= transport_at + 8 {
        out.push(Layer::OuterUdp(transport_at));
        protocols.push("udp");
        let len = be16(transport_at + 4)
            .saturating_sub(8)
            .min(end - transport_at - 8);
        if len > 0 {
            out.push(Layer::Data(transport_at + 8, len));
            protocols.push("data");
        }
    } else if end > transport_at {
        out.push(Layer::Data(transport_at, end - transport_at));
        protocols.push("data");
    }
}

/// A layer of the packet and where its header starts in the frame.
enum Layer {
    /// A TCP payload HTTP read (its offset and length in the frame).
    Http(usize, usize),
    /// Ethernet, and what follows its payload.
    Eth(usize, Option<eth::Trailer>),
    /// An 802.1Q tag, and what follows its payload.
    Vlan(usize, Option<eth::Trailer>),
    /// An ARP message shorter than its sizes say.
    ArpMalformed(usize),
    /// An Ethernet Configuration Test Protocol message, and the data after it.
    Loop(usize),
    /// An 802.1ad service tag, and what follows its payload.
    Qinq(usize, Option<eth::Trailer>),
    /// An ARP message.
    Arp(usize),
    /// BSD loopback; the family big-endian (OpenBSD's).
    Null(bool),
    Raw,
    Sll,
    Sll2,
    /// PPP, its header this long.
    Ppp(usize),
    Chdlc,
    Ipv4(usize),
    /// An IPv4 header whose length field says less than 20 bytes.
    Ipv4Bogus(usize),
    Ipv6(usize),
    Tcp(usize),
    /// The UDP datagram a tunnel (VXLAN, Geneve) travels in, read from its bytes.
    OuterUdp(usize),
    /// A GRE header, where the packet it is in ends, and the data it carries that no
    /// dissector of the judged set reads (shown inside GRE's subtree, as Wireshark does).
    Gre(usize, usize, Option<(usize, usize)>),
    /// ERSPAN type I, which has no header: its title.
    Erspan1(usize),
    /// An ERSPAN header of type II or III, and where the packet it is in ends.
    Erspan(usize, usize),
    Vxlan(usize),
    /// A VXLAN-GPE header (UDP port 4790).
    VxlanGpe(usize),
    Geneve(usize),
    /// A PPP header in GRE (PPTP's), where it starts and its length.
    GrePpp(usize, usize),
    /// An IPv4 (true) or IPv6 header carried in IP that the packet ends inside.
    IpCut(usize, bool),
    /// A TCP header cut by the capture after its ports.
    TcpPorts(usize),
    /// A PPP header in GRE (PPTP's) the packet ends inside; cut by the capture, or short.
    PppCut(usize, bool),
    Udp(usize),
    /// An ICMP message and its length.
    Icmp(usize, usize),
    /// An ICMPv6 message: its IPv6 header, where it starts, its length.
    Icmpv6(usize, usize, usize),
    Data(usize, usize),
    /// A protocol's header the capture cut before anything of it could be shown.
    Truncated(&'static str),
    /// An 802.1Q or 802.1ad tag the capture cut.
    TagCut(usize, eth::TagKind),
    /// A Linux cooked (version 1) header the capture cut.
    SllCut,
    /// A PPP or Cisco HDLC header (by its name) too short to read.
    LinkShort(&'static str),
    /// A protocol's header too short to show anything of.
    Malformed(&'static str),
}

/// The layers the tree shows, and the names `frame.protocols` lists.
fn layers(
    frame: &Frame<'_>,
    packet: &Packet,
    tcp_fields: Option<&TcpFields>,
    reassembled: Option<&Reassembled>,
    protocols: &mut Vec<&'static str>,
) -> Vec<Layer> {
    use crate::decode::{IpCut, Network, Transport};
    use crate::link::LinkType;
    let data = frame.data;
    let mut out = Vec::new();
    let mut at = 0usize;
    match frame.linktype {
        LinkType::EN10MB
            if data.len() >= 14
                && u16::from_be_bytes([data[12], data[13]]) <= eth::MAX_8023_LENGTH =>
        {
            // IEEE 802.3: its payload (LLC's, not in the judged set) as data, what follows
            // the length as padding or trailer.
            let end = 14 + usize::from(u16::from_be_bytes([data[12], data[13]]));
            let trailer = (end < data.len()).then_some(eth::Trailer {
                start: end,
                under_tag: None,
                wire_len: frame.wire_len as usize,
            });
            out.push(Layer::Eth(0, trailer));
            protocols.push("eth");
            let len = end.min(data.len()) - 14;
            if len > 0 {
                out.push(Layer::Data(14, len));
                protocols.push("data");
            }
            return out;
        }
        LinkType::EN10MB if data.len() >= 14 => {
            out.push(Layer::Eth(0, None));
            protocols.extend(["eth", "ethertype"]);
            at = 14;
            // 802.1ad and 802.1Q tags, one after the other.
            let cut = frame.wire_len as usize > data.len();
            loop {
                match data.get(at - 2..at) {
                    // A tag the capture cut (its frame had all of it).
                    Some(&[0x81, 0x00] | &[0x88, 0xa8])
                        if cut && data.len() < at + 4 && frame.wire_len as usize >= at + 4 =>
                    {
                        let (kind, name) = if data[at - 2] == 0x81 {
                            (eth::TagKind::Vlan, "vlan")
                        } else {
                            (eth::TagKind::Qinq, "ieee8021ad")
                        };
                        out.push(Layer::TagCut(at, kind));
                        protocols.push(name);
                        return out;
                    }
                    Some(&[0x81, 0x00]) if data.len() >= at + 4 => {
                        out.push(Layer::Vlan(at, None));
                        protocols.extend(["vlan", "ethertype"]);
                    }
                    Some(&[0x88, 0xa8]) if data.len() >= at + 4 => {
                        out.push(Layer::Qinq(at, None));
                        protocols.extend(["ieee8021ad", "ethertype"]);
                    }
                    _ => break,
                }
                at += 4;
            }
            // An 802.1Q tag followed by a length, as in IEEE 802.3 (its LLC payload, not in
            // the judged set, as data).
            let length = data
                .get(at - 2..at)
                .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])));
            if let (Some(Layer::Vlan(..)), Some(len)) = (out.last(), length) {
                if len <= usize::from(eth::MAX_8023_LENGTH) {
                    protocols.pop();
                    let len = len.min(data.len() - at);
                    if len > 0 {
                        out.push(Layer::Data(at, len));
                        protocols.push("data");
                    }
                    return out;
                }
            }
        }
        LinkType::EN10MB => {
            // Too short for its header: cut by the capture, or malformed.
            protocols.push("eth");
            out.push(if (frame.wire_len as usize) > data.len() {
                Layer::Truncated("Ethernet")
            } else {
                Layer::Malformed("Ethernet")
            });
            return out;
        }
        LinkType::NULL | LinkType::LOOP if data.len() >= 4 => {
            out.push(Layer::Null(frame.linktype == LinkType::LOOP));
            protocols.push("null");
            at = 4;
        }
        LinkType::RAW | LinkType::RAW_DLT_12 | LinkType::RAW_DLT_14 => {
            out.push(Layer::Raw);
            protocols.push("raw");
        }
        LinkType::LINUX_SLL if matches!(packet.net, Network::CookedCut) => {
            out.push(Layer::SllCut);
            protocols.push("sll");
            return out;
        }
        LinkType::LINUX_SLL if data.len() >= 16 => {
            out.push(Layer::Sll);
            protocols.extend(["sll", "ethertype"]);
            at = 16;
        }
        LinkType::LINUX_SLL2 if data.len() >= 20 => {
            out.push(Layer::Sll2);
            protocols.extend(["sll", "ethertype"]);
            at = 20;
        }
        LinkType::IPV4 | LinkType::IPV6 => {}
        LinkType::C_HDLC | LinkType::PPP_SERIAL
            if data.len() >= 4 && matches!(data[0], 0x0f | 0x8f) =>
        {
            out.push(Layer::Chdlc);
            // PPP in HDLC-like framing hands a Cisco HDLC frame on.
            if frame.linktype == LinkType::PPP_SERIAL {
                protocols.push("ppp");
            }
            protocols.push("chdlc");
            at = 4;
        }
        _ if matches!(packet.net, Network::LinkMalformed { .. }) => {
            // A point-to-point frame too short for its header.
            if let Network::LinkMalformed { protocol } = packet.net {
                if matches!(protocol, "PPP" | "CHDLC") {
                    if frame.linktype == LinkType::PPP_SERIAL || protocol == "PPP" {
                        protocols.push("ppp");
                    }
                    if protocol == "CHDLC" {
                        protocols.push("chdlc");
                    }
                    out.push(Layer::LinkShort(protocol));
                }
            }
            return out;
        }
        LinkType::PPP | LinkType::PPP_SERIAL => {
            let Some((_, len)) = crate::link::ppp_header(data) else {
                return out;
            };
            out.push(Layer::Ppp(len));
            protocols.push("ppp");
            at = len;
        }
        _ => return out,
    }
    // A tunnel (VXLAN, Geneve, GRE) carrying something other than IP (ARP, or a packet
    // `decode` could not open): the outer IP packet, its tunnel and what the tunnel holds.
    let outer_only = matches!(
        out.last(),
        Some(Layer::Eth(..) | Layer::Vlan(..) | Layer::Qinq(..))
    ) && at >= 2
        && matches!(data.get(at - 2..at), Some(&[0x08, 0x00] | &[0x86, 0xdd]))
        && !matches!(
            packet.net,
            Network::Ip(_) | Network::IpCut(_) | Network::BogusIpv4HeaderLen(_)
        );
    // Where the network layer's message ends, for Ethernet's padding and trailer.
    let message_end = match (&packet.net, data.get(at).map(|b| b >> 4)) {
        (_, Some(4)) if outer_only => data
            .get(at + 2..at + 4)
            .map(|l| at + usize::from(u16::from_be_bytes([l[0], l[1]])))
            .filter(|&end| end > at),
        (_, Some(6)) if outer_only => data
            .get(at + 4..at + 6)
            .map(|l| at + 40 + usize::from(u16::from_be_bytes([l[0], l[1]]))),
        _ if outer_only => None,
        (Network::Ip(_), Some(4)) => data
            .get(at + 2..at + 4)
            .map(|l| at + usize::from(u16::from_be_bytes([l[0], l[1]]))),
        (Network::Ip(_), Some(6)) => data
            .get(at + 4..at + 6)
            .map(|l| u16::from_be_bytes([l[0], l[1]]))
            .filter(|&l| l > 0)
            .map(|l| at + 40 + usize::from(l)),
        (Network::Arp(arp), _) if arp.hardware_type != crate::decode::ATM_ARP => {
            Some(at + 8 + 2 * (arp.sender_hw.len() + arp.sender_proto.len()))
        }
        _ => None,
    };
    if let (Some(end), Some(last)) = (message_end, out.last_mut()) {
        let trailer = |under_tag| {
            (end < data.len()).then_some(eth::Trailer {
                start: end,
                under_tag,
                wire_len: frame.wire_len as usize,
            })
        };
        match last {
            Layer::Eth(_, t) => *t = trailer(None),
            Layer::Vlan(_, t) => *t = trailer(Some(eth::TagKind::Vlan)),
            Layer::Qinq(_, t) => *t = trailer(Some(eth::TagKind::Qinq)),
            _ => {}
        }
    }
    // A point-to-point link's frame of another protocol (its dissector not in the judged set):
    // the rest is data.
    if let Network::PointToPoint { .. } = packet.net {
        if matches!(out.last(), Some(Layer::Ppp(_) | Layer::Chdlc)) && data.len() > at {
            out.push(Layer::Data(at, data.len() - at));
            protocols.push("data");
        } else if matches!(out.last(), Some(Layer::Chdlc)) {
            // Nothing after the header: Wireshark's reading of it fails.
            out.push(Layer::LinkShort("CHDLC"));
        }
        return out;
    }
    if outer_only {
        outer_ip_layers(data, packet, at, &mut out, protocols);
        return out;
    }
    if let Network::ArpMalformed(_) = packet.net {
        if matches!(
            out.last(),
            Some(Layer::Eth(..) | Layer::Vlan(..) | Layer::Qinq(..))
        ) {
            out.push(Layer::ArpMalformed(at));
            protocols.push("arp");
        }
        return out;
    }
    if let Network::Loop(_) | Network::LoopCut(_) | Network::LinkMalformed { protocol: "LOOP" } =
        packet.net
    {
        if matches!(out.last(), Some(Layer::Eth(..) | Layer::Vlan(..))) {
            out.push(Layer::Loop(at));
            protocols.push("loop");
            if loopback::data_start(data, at).is_some() {
                protocols.push("data");
            }
        }
        return out;
    }
    if let Network::BogusIpv4HeaderLen(_) = packet.net {
        out.push(Layer::Ipv4Bogus(at));
        protocols.push("ip");
        return out;
    }
    if let Network::Arp(arp) = &packet.net {
        let link = matches!(
            out.last(),
            Some(Layer::Eth(..) | Layer::Vlan(..) | Layer::Qinq(..) | Layer::Sll | Layer::Sll2)
        );
        if link && arp.hardware_type != crate::decode::ATM_ARP {
            out.push(Layer::Arp(at));
            protocols.push("arp");
        } else if link && data.len() > at {
            // ATM ARP, whose dissector is not in the judged set: the rest is data.
            out.push(Layer::Data(at, data.len() - at));
            protocols.extend(["arp", "data"]);
        }
        return out;
    }
    let ip = match &packet.net {
        Network::Ip(ip) => Some(ip),
        // An IP header the frame ends inside, here or in a tunnel: the headers before it.
        Network::IpCut(_) => None,
        _ => {
            // An EtherType no dissector of the judged set takes: the rest is data.
            if matches!(packet.net, Network::Other { .. })
                && matches!(
                    out.last(),
                    Some(
                        Layer::Eth(..)
                            | Layer::Vlan(..)
                            | Layer::Qinq(..)
                            | Layer::Sll
                            | Layer::Sll2
                    )
                )
                && data.len() > at
            {
                out.push(Layer::Data(at, data.len() - at));
                protocols.push("data");
            }
            return out;
        }
    };
    // (`decode` opens no tunnel in a fragment, so a cut header is in none.)
    let unfragmented = ip.is_none_or(|ip| ip.fragment.is_none());
    // The IP header, and those of IP carried in IP (protocols 4 and 41) or in a tunnel after
    // it.
    let mut opened = 0u8;
    let (ip_at, transport_at, proto) = loop {
        // A header the frame ends inside: what was read of it ends the tree.
        let cut = data
            .get(at..)
            .and_then(|rest| IpCut::read(rest, rest.first()? >> 4 == 4, 0));
        if let Some(cut) = cut {
            protocols.push(if cut.v4 { "ip" } else { "ipv6" });
            out.push(Layer::IpCut(at, cut.v4));
            return out;
        }
        if data.len() <= at {
            // Nothing of it: IPv6's title (added before anything is read), and the line
            // that says so.
            if let Network::IpCut(IpCut { v4: false, .. }) = &packet.net {
                protocols.push("ipv6");
                out.push(Layer::IpCut(at, false));
            } else if let Network::IpCut(cut) = &packet.net {
                let name = if cut.v4 { "IPv4" } else { "IPv6" };
                protocols.push(if cut.v4 { "ip" } else { "ipv6" });
                out.push(if frame.wire_len as usize > data.len() {
                    Layer::Truncated(name)
                } else {
                    Layer::Malformed(name)
                });
            }
            return out;
        }
        let (transport_at, proto) = match data.get(at).map(|b| b >> 4) {
            Some(4) => {
                out.push(Layer::Ipv4(at));
                protocols.push("ip");
                let next = data.get(at + 9).copied().unwrap_or(0);
                (at + usize::from(data[at] & 0x0f) * 4, next)
            }
            Some(6) => {
                out.push(Layer::Ipv6(at));
                protocols.push("ipv6");
                // Past the extension headers the tree reads, each named in the list.
                let (transport_at, next) = ip::v6_transport(data, at);
                let mut kind = data.get(at + 6).copied().unwrap_or(0);
                let mut offset = at + 40;
                while offset < transport_at {
                    protocols.push(match kind {
                        0 => "ipv6.hopopts",
                        60 => "ipv6.dstopts",
                        44 => "ipv6.fraghdr",
                        _ => "ipv6.routing",
                    });
                    let len = if kind == 44 {
                        8
                    } else {
                        (usize::from(data[offset + 1]) + 1) * 8
                    };
                    kind = data[offset];
                    offset += len;
                }
                if let Some((name, abbrev)) = ip::v6_cut_options(data, at) {
                    protocols.push(abbrev);
                    out.push(Layer::Malformed(name));
                    return out;
                }
                (transport_at, next)
            }
            _ => return out,
        };
        let inner_cut = matches!(packet.net, Network::IpCut(_));
        if unfragmented && matches!(proto, 4 | 41) && (data.len() > transport_at || inner_cut) {
            at = transport_at;
            opened += 1;
            continue;
        }
        // Ethernet carried in IP (protocol 143), and the IP packet it carries.
        let inner_ip = data
            .get(transport_at + 12..transport_at + 14)
            .is_some_and(|t| matches!(t, [0x08, 0x00] | [0x86, 0xdd]));
        if unfragmented && proto == 143 && inner_ip && data.len() > transport_at + 14 {
            out.push(Layer::Eth(transport_at, None));
            protocols.extend(["eth", "ethertype"]);
            at = transport_at + 14;
            continue;
        }
        // A tunnel `decode` opened: its layers, then the packet inside.
        let fragmented = match data.get(at).map(|b| b >> 4) {
            Some(4) => data
                .get(at + 6..at + 8)
                .is_some_and(|f| u16::from_be_bytes([f[0], f[1]]) & 0x3fff != 0),
            _ => data.get(at + 6) == Some(&44),
        };
        if !fragmented && opened < MAX_TUNNELS {
            let end = ip_end(data, at);
            match tunnel_layers(
                data,
                packet,
                (transport_at, proto, end),
                &mut out,
                protocols,
            ) {
                Opened::Ip(inner) => {
                    opened += 1;
                    at = inner;
                    continue;
                }
                Opened::Done => return out,
                Opened::No => {}
            }
        }
        break (at, transport_at, proto);
    };
    let Some(ip) = ip else {
        return out;
    };
    if ip.fragment.is_some() {
        // The last piece shows the packet its fragments make (read after the frame's bytes);
        // the others, and pieces never put back together, their bytes as data.
        match reassembled {
            Some(r) => {
                let at = data.len();
                match ip.protocol {
                    17 if r.bytes.len() >= 8 => {
                        out.push(Layer::Udp(at));
                        protocols.push("udp");
                        if r.bytes.len() > 8 {
                            out.push(Layer::Data(at + 8, r.bytes.len() - 8));
                            protocols.push("data");
                        }
                    }
                    6 if tcp_fields.is_some() => {
                        out.push(Layer::Tcp(at));
                        protocols.push("tcp");
                        let header = usize::from(r.bytes.get(12).map_or(5, |b| b >> 4)) * 4;
                        if r.bytes.len() > header {
                            out.push(Layer::Data(at + header, r.bytes.len() - header));
                            protocols.push("data");
                        }
                    }
                    1 if r.bytes.len() >= 8 => {
                        out.push(Layer::Icmp(at, r.bytes.len()));
                        protocols.push("icmp");
                        if icmp::is_error(r.bytes[0]) {
                            quoted::protocols(
                                &r.bytes,
                                8,
                                icmp::quoted_limit(&r.bytes, 0),
                                protocols,
                            );
                        } else if matches!(r.bytes[0], 0 | 8)
                            && echo_has_data(&r.bytes, 0, r.bytes.len(), frame.ts)
                        {
                            protocols.push("data");
                        }
                    }
                    58 if r.bytes.len() >= 8 && icmpv6::is_shown(r.bytes[0]) => {
                        out.push(Layer::Icmpv6(ip_at, at, r.bytes.len()));
                        protocols.push("icmpv6");
                        if icmpv6::is_error(r.bytes[0]) {
                            quoted::protocols(&r.bytes, 8, None, protocols);
                        } else if matches!(r.bytes[0], 128 | 129) && r.bytes.len() > 8 {
                            protocols.push("data");
                        }
                    }
                    _ => {
                        out.push(Layer::Data(at, r.bytes.len()));
                        protocols.push("data");
                    }
                }
            }
            // The first piece, not put back together: its TCP header read as it stands.
            None if ip.first_fragment_read_alone()
                && matches!(packet.transport, Transport::Tcp(_)) =>
            {
                out.push(Layer::Tcp(transport_at));
                protocols.push("tcp");
                if let Transport::Tcp(seg) = &packet.transport {
                    let payload_at = transport_at + seg.header.header_len as usize;
                    // (Not after a header the capture cut: Wireshark stops in it.)
                    if seg.problem.is_none() && data.len() > payload_at {
                        out.push(Layer::Data(payload_at, data.len() - payload_at));
                        protocols.push("data");
                    }
                }
            }
            None if ip.first_fragment_read_alone()
                && matches!(packet.transport, Transport::Udp(_)) =>
            {
                out.push(Layer::Udp(transport_at));
                protocols.push("udp");
                if data.len() > transport_at + 8 {
                    out.push(Layer::Data(transport_at + 8, data.len() - transport_at - 8));
                    protocols.push("data");
                }
            }
            // The first piece cut before its ports: only the line that says so.
            None if ip.first_fragment_read_alone()
                && matches!(packet.transport, Transport::CutBeforePorts) =>
            {
                let name = if ip.protocol == 6 { "TCP" } else { "UDP" };
                out.push(Layer::Truncated(name));
                protocols.push(if ip.protocol == 6 { "tcp" } else { "udp" });
            }
            // A piece's bytes, as far as captured.
            None => {
                let len = (ip.payload_len as usize).min(data.len().saturating_sub(transport_at));
                if len > 0 {
                    out.push(Layer::Data(transport_at, len));
                    protocols.push("data");
                }
            }
        }
        return out;
    }
    // A payload the judged dissectors do not read (a tunnel's `decode` did not open): data,
    // as far as the IP header says.
    let read = matches!(
        (proto, &packet.transport),
        (6, Transport::Tcp(_)) | (17, Transport::Udp(_)) | (1 | 58, Transport::Icmp(_))
    );
    if !read {
        let total = match data.get(ip_at).map(|b| b >> 4) {
            Some(4) => data
                .get(ip_at + 2..ip_at + 4)
                .map_or(0, |l| usize::from(u16::from_be_bytes([l[0], l[1]]))),
            _ => data
                .get(ip_at + 4..ip_at + 6)
                .map_or(0, |l| 40 + usize::from(u16::from_be_bytes([l[0], l[1]]))),
        };
        let end = (ip_at + total).min(data.len());
        // A tunnel's UDP datagram (VXLAN, Geneve): its header, and its payload as data.
        if proto == 17 && ip.fragment.is_none() && data.len() >= transport_at + 8 {
            out.push(Layer::OuterUdp(transport_at));
            protocols.push("udp");
            let length = data
                .get(transport_at + 4..transport_at + 6)
                .map_or(0, |l| usize::from(u16::from_be_bytes([l[0], l[1]])));
            let len = length.saturating_sub(8).min(data.len() - transport_at - 8);
            if len > 0 {
                out.push(Layer::Data(transport_at + 8, len));
                protocols.push("data");
            }
            return out;
        }
        // A UDP header cut before its ports: only the line that says so.
        if proto == 17 && data.len() < transport_at + 4 {
            out.push(Layer::Truncated("UDP"));
            protocols.push("udp");
        }
        // A TCP header the capture cut: its ports if they were kept, then the line that says
        // so.
        if proto == 6 && data.len() < transport_at + 20 {
            protocols.push("tcp");
            if data.len() >= transport_at + 4 {
                out.push(Layer::TcpPorts(transport_at));
            }
            out.push(Layer::Truncated("TCP"));
        }
        // (Not for a TCP or UDP header that could not be read: Wireshark shows what it read.)
        if end > transport_at && !matches!(proto, 6 | 17) {
            out.push(Layer::Data(transport_at, end - transport_at));
            protocols.push("data");
        }
        return out;
    }
    match &packet.transport {
        Transport::Tcp(seg) => {
            out.push(Layer::Tcp(transport_at));
            protocols.push("tcp");
            // Multipath TCP options go to the data dissector (MPTCP's is not in the set).
            for option in &seg.header.options.list {
                if matches!(option, crate::tcp::TcpOption::Unknown { kind: 30, .. }) {
                    protocols.push("data");
                }
            }
            let payload_at = transport_at + seg.header.header_len as usize;
            let kept = data.len().saturating_sub(payload_at);
            let len = (seg.header.payload_len as usize).min(kept);
            // (Not for a header Wireshark gives up on: no payload is shown then.)
            let withheld = tcp_fields.is_some_and(|t| tcp::payload_withheld(t.view.tags))
                || seg.header.options.exception
                || seg.problem.is_some();
            if len > 0 && !withheld {
                out.push(Layer::Data(payload_at, len));
                protocols.push("data");
            }
        }
        Transport::Icmp(icmp) if ip.src.is_ipv4() => {
            out.push(Layer::Icmp(transport_at, ip.payload_len as usize));
            protocols.push("icmp");
            let body = data.len() > transport_at + 8;
            if icmp::is_error(icmp.icmp_type) {
                let end = transport_at + ip.payload_len as usize;
                if quoted::cut_by_capture(data, transport_at + 8, end) {
                    protocols.push("ip");
                } else if body {
                    let limit = icmp::quoted_limit(data, transport_at);
                    quoted::protocols(data, transport_at + 8, limit, protocols);
                }
            } else if ip.payload_len > 8 && body {
                // An echo's data, a router advertisement's entries of an unread size.
                let entry_size = data.get(transport_at + 5).copied();
                let echo = matches!(icmp.icmp_type, 0 | 8);
                let len = ip.payload_len as usize;
                if (echo && echo_has_data(data, transport_at, len, frame.ts))
                    || (icmp.icmp_type == 9 && entry_size != Some(2))
                {
                    protocols.push("data");
                }
            }
        }
        Transport::Icmp(icmp) if !ip.src.is_ipv4() && icmpv6::is_shown(icmp.icmp_type) => {
            out.push(Layer::Icmpv6(ip_at, transport_at, ip.payload_len as usize));
            protocols.push("icmpv6");
            let body = data.len() > transport_at + 8;
            if icmpv6::is_error(icmp.icmp_type) {
                let end = transport_at + ip.payload_len as usize;
                if quoted::cut_by_capture(data, transport_at + 8, end) {
                    if body {
                        protocols.push("ipv6");
                    }
                } else if body {
                    quoted::protocols(data, transport_at + 8, None, protocols);
                }
            } else if icmp.icmp_type == 160
                && ip.payload_len >= 12
                && data.len() >= transport_at + 12
                && data[transport_at + 8] >> 4 != 2
            {
                // An extended echo request's extensions of a version Wireshark does not read.
                protocols.push("data");
            } else if matches!(icmp.icmp_type, 128 | 129) && ip.payload_len > 8 && body {
                protocols.push("data");
            }
        }
        Transport::Udp(udp) => {
            out.push(Layer::Udp(transport_at));
            protocols.push("udp");
            let payload_at = transport_at + 8;
            let kept = data.len().saturating_sub(payload_at);
            let len = (udp.payload_len as usize).min(kept);
            if len > 0 {
                out.push(Layer::Data(payload_at, len));
                protocols.push("data");
            }
        }
        _ => {}
    }
    out
}
