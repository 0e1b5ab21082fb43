//! tshark's statistics (`-z`): reports made from every packet's field tree as the file is
//! read, and printed once it ends.
//!
//! Covered: `conv,TYPE` and `endpoints,TYPE` for `eth`, `ip`, `ipv6`, `tcp` and `udp`, and
//! `io,phs` (the protocol hierarchy), each with an optional display filter after a comma
//! (`-z conv,ip,tcp.port==80`): only the packets it selects are counted. As in tshark, the
//! reports see every packet whatever `-Y` shows. `expert`: the expert entries of every
//! packet, counted by severity, group, protocol and message. And
//! `follow,tcp|udp,ascii|hex|raw,N`: a stream's payload as tshark's Follow Stream prints it
//! ([`TcpFollow`]). `io,stat,INTERVAL[,COLUMN…]`: counts and functions of fields per
//! interval ([`iostat`], which both counts and draws it). `flow,tcp,standard|network`: the
//! TCP segments as tshark's text flow graph ([`flow`], which draws it too). `http,tree` and
//! `http_req,tree`: Wireshark's statistics trees of the HTTP messages ([`http`]; they turn
//! HTTP on).
//!
//! The packets can be shown before the reports as the plain listing, or as details, bytes
//! or fields (`-V`, `-x`, `-T`); a tree is then built for each (not for the bytes alone),
//! which decides, as in tshark, whether `io,phs` lists the frame and `expert` counts the
//! entries only a built tree has ([`Stat::frame_item`], [`Stat::tree_built`]).
//!
//! Each report *taps* the headers of its protocol that a packet carries at its top level (a
//! header an ICMP error quotes is not counted, as in tshark): addresses from the tree's
//! `eth.src`/`eth.dst`, `ip.src`/`ip.dst`, `ipv6.src`/`ipv6.dst`, ports from `tcp.srcport`
//! and `udp.srcport`…, and the stream (`tcp.stream`, `udp.stream`) that tells two
//! conversations on the same ports apart. A TCP or UDP header Wireshark does not take for one
//! (too short, a bad length) has no stream, and is not counted either.
//!
//! The tables follow Wireshark's `conversation_table.c`: a conversation's A side is the
//! source of its first packet, `->` counts what A sent and `<-` what it received; an
//! endpoint's Tx is what it sent. Rows are sorted by their frames, most first, rows of as
//! many frames in the order they first appeared. The text is `tap-iousers.c`'s and
//! `tap-endpoints.c`'s (see [`crate::render::stats`]).

pub mod flow;
pub mod http;
pub mod iostat;

use std::collections::HashMap;
use std::net::IpAddr;

use crate::filter::{DisplayFilter, FilterError};
use crate::tree::{Node, Tree, Value};

/// A report `-z` asks for.
#[derive(Debug)]
pub struct Stat {
    pub kind: StatKind,
    pub table: TableType,
    /// The filter's text as given, and the filter: only packets it selects are counted.
    pub filter: Option<(String, DisplayFilter)>,
    pub conversations: Vec<Conversation>,
    pub endpoints: Vec<Endpoint>,
    /// `io,phs`: each protocol under its parent, in the order first seen; the first entries
    /// are the top level's.
    pub hierarchy: Vec<Layer>,
    /// `expert`: each entry (severity, group, protocol, message) and how many times it
    /// came, in the order first seen.
    pub experts: Vec<(u32, u32, String, String, u64)>,
    /// `follow`: the stream's ends and its chunks of payload, as tshark collects them.
    pub follow: TcpFollow,
    /// `io,stat`: its columns and their counts.
    pub io: Option<Box<iostat::IoStat>>,
    /// `flow,tcp`: each TCP header, in order.
    pub flow: Vec<flow::Item>,
    /// `http,tree`, `http_req,tree`: the statistics tree.
    pub http: Option<Box<http::HttpTree>>,
    /// tshark builds each packet's tree (because a filter or `io,phs` needs it), and then
    /// adds the expert entries it adds only to a tree ([`UNTAPPED_EXPERTS`]).
    pub tree_built: bool,
    /// `io,phs` counts the frame as a protocol of its own: tshark builds the frame's item
    /// only when a filter (`-Y`, or any report's) names one of its fields
    /// ([`frame_named`]).
    pub frame_item: bool,
    conversation_index: HashMap<ConvKey, usize>,
    endpoint_index: HashMap<(Address, Option<u16>), usize>,
}

/// Which report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatKind {
    /// `conv`: one row per conversation.
    Conversations,
    /// `endpoints`: one row per address (and port).
    Endpoints,
    /// `io,phs`: the protocols packets carry, each under the one that carries it.
    Hierarchy,
    /// `expert`: the expert entries of every packet, by severity, counted by group,
    /// protocol and message.
    Expert,
    /// `follow,tcp|udp,MODE,STREAM`: a TCP or UDP stream's payload, each way.
    Follow { mode: FollowMode, stream: u32 },
    /// `io,stat,INTERVAL[,COLUMN…]`: counts per interval ([`iostat`]).
    Io,
    /// `flow,tcp,standard|network`: the TCP segments as a text flow graph ([`flow`]).
    Flow,
    /// `http,tree`, `http_req,tree`: the HTTP messages counted ([`http`]).
    HttpTree,
}

/// How `follow` prints the payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowMode {
    /// Text, each byte that is not printable (but CR and LF) as `.`.
    Ascii,
    /// A hex dump with offsets.
    Hex,
    /// The bytes as hex digits, one line per segment.
    Raw,
}

/// One protocol of `io,phs` at one place in the hierarchy.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    pub protocol: &'static str,
    pub frames: u64,
    pub bytes: u64,
    /// The protocols found right under it, in the order first seen (indices).
    pub children: Vec<usize>,
}

/// The protocol a report counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableType {
    Eth,
    Ip,
    Ipv6,
    Tcp,
    Udp,
}

impl TableType {
    /// The protocol's short name, which the report's title begins with.
    pub fn title(self) -> &'static str {
        match self {
            TableType::Eth => "Ethernet",
            TableType::Ip => "IPv4",
            TableType::Ipv6 => "IPv6",
            TableType::Tcp => "TCP",
            TableType::Udp => "UDP",
        }
    }

    /// Whether its rows show ports.
    pub fn has_ports(self) -> bool {
        matches!(self, TableType::Tcp | TableType::Udp)
    }

    /// Its filter name: `tcp`.
    pub fn name(self) -> &'static str {
        match self {
            TableType::Eth => "eth",
            TableType::Ip => "ip",
            TableType::Ipv6 => "ipv6",
            TableType::Tcp => "tcp",
            TableType::Udp => "udp",
        }
    }
}

/// An endpoint's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Address {
    Ether([u8; 6]),
    Ip(IpAddr),
}

/// One side of a packet: its address, and its port for TCP and UDP.
type Side = (Address, Option<u16>);

/// A conversation's key: its two sides (in order) and its stream, if its protocol has one.
type ConvKey = (Side, Side, Option<u64>);

/// Frames and bytes, and when.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counts {
    pub tx_frames: u64,
    pub tx_bytes: u64,
    pub rx_frames: u64,
    pub rx_bytes: u64,
}

impl Counts {
    pub fn frames(&self) -> u64 {
        self.tx_frames + self.rx_frames
    }

    pub fn bytes(&self) -> u64 {
        self.tx_bytes + self.rx_bytes
    }

    fn add(&mut self, sent: bool, bytes: u64) {
        if sent {
            self.tx_frames += 1;
            self.tx_bytes += bytes;
        } else {
            self.rx_frames += 1;
            self.rx_bytes += bytes;
        }
    }
}

/// A row of `conv`: A is the source of the first packet.
#[derive(Clone, Debug, PartialEq)]
pub struct Conversation {
    pub a: Address,
    pub a_port: Option<u16>,
    pub b: Address,
    pub b_port: Option<u16>,
    /// Tx: what A sent (`->`); Rx: what A received (`<-`).
    pub counts: Counts,
    /// The first and last packets' times since the first frame, as seconds and nanoseconds.
    pub start: (i64, i64),
    pub stop: (i64, i64),
}

/// A row of `endpoints`.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    pub address: Address,
    pub port: Option<u16>,
    pub counts: Counts,
}

/// Why a `-z` argument is refused.
#[derive(Debug, thiserror::Error)]
pub enum StatError {
    #[error(
        "invalid -z argument \"{0}\"; it must be conv,TYPE, endpoints,TYPE (TYPE one of eth, \
         ip, ipv6, tcp, udp) or io,phs, each optionally followed by ,FILTER, or \
         io,stat,INTERVAL[,COLUMN…], or follow,tcp|udp,ascii|hex|raw,STREAM, or \
         flow,tcp,standard|network[,FILTER], or http,tree[,FILTER], or \
         http_req,tree[,FILTER], or expert"
    )]
    Unknown(String),
    /// `flow,tcp` without `,standard` or `,network` after it.
    #[error("flow - Invalid address type.")]
    FlowMode,
    /// An `io,stat` argument tshark refuses, in its words.
    #[error("{0}")]
    Io(String),
    #[error("Couldn't register {what} tap: Filter \"{filter}\" is invalid - {message}")]
    Filter {
        what: &'static str,
        filter: String,
        message: String,
    },
    /// A statistics tree's filter refused, in tshark's words.
    #[error(
        "stats_tree for: {title} failed to attach to the tap: Filter \"{filter}\" is invalid - \
         {message}"
    )]
    TreeFilter {
        title: &'static str,
        filter: String,
        message: String,
    },
}

impl Stat {
    /// Reads a `-z` argument: `conv,tcp`, `endpoints,ip,tcp.port==80`.
    pub fn parse(arg: &str) -> Result<Stat, StatError> {
        let unknown = || StatError::Unknown(arg.to_owned());
        if arg == "io,phs" || arg.starts_with("io,phs,") {
            let filter = arg.strip_prefix("io,phs,");
            return Ok(Stat {
                filter: compile(filter, "io,phs")?,
                ..Stat::new(StatKind::Hierarchy, TableType::Eth)
            });
        }
        if arg == "io,stat" || arg.starts_with("io,stat,") {
            let io = iostat::IoStat::parse(arg).map_err(StatError::Io)?;
            return Ok(Stat {
                io: Some(Box::new(io)),
                ..Stat::new(StatKind::Io, TableType::Eth)
            });
        }
        if arg == "expert" {
            return Ok(Stat::new(StatKind::Expert, TableType::Eth));
        }
        for (name, kind) in [
            ("http,tree", http::HttpTreeKind::Packets),
            ("http_req,tree", http::HttpTreeKind::Requests),
        ] {
            if let Some(rest) = arg.strip_prefix(name) {
                if !rest.is_empty() && !rest.starts_with(',') {
                    return Err(unknown());
                }
                return Ok(Stat {
                    filter: compile(rest.strip_prefix(','), "stats_tree").map_err(|e| match e {
                        // tshark's words for a statistics tree.
                        StatError::Filter {
                            filter, message, ..
                        } => StatError::TreeFilter {
                            title: http::HttpTree::new(kind).title(),
                            filter,
                            message,
                        },
                        e => e,
                    })?,
                    http: Some(Box::new(http::HttpTree::new(kind))),
                    ..Stat::new(StatKind::HttpTree, TableType::Tcp)
                });
            }
        }
        if let Some(rest) = arg.strip_prefix("flow,tcp") {
            // As tshark reads it: the mode's name is a prefix, and what follows it is a
            // filter only after a comma.
            let rest = [",standard", ",network"]
                .iter()
                .find_map(|mode| rest.strip_prefix(mode))
                .ok_or(StatError::FlowMode)?;
            return Ok(Stat {
                filter: compile(rest.strip_prefix(','), "flow")?,
                ..Stat::new(StatKind::Flow, TableType::Tcp)
            });
        }
        let follow = [
            ("follow,tcp,", TableType::Tcp),
            ("follow,udp,", TableType::Udp),
        ]
        .into_iter()
        .find_map(|(prefix, table)| arg.strip_prefix(prefix).map(|rest| (rest, table)));
        if let Some((rest, table)) = follow {
            let (mode, stream) = rest.split_once(',').ok_or_else(unknown)?;
            let mode = match mode {
                "ascii" => FollowMode::Ascii,
                "hex" => FollowMode::Hex,
                "raw" => FollowMode::Raw,
                _ => return Err(unknown()),
            };
            let stream = stream.parse().map_err(|_| unknown())?;
            return Ok(Stat::new(StatKind::Follow { mode, stream }, table));
        }
        let (kind, rest) = if let Some(rest) = arg.strip_prefix("conv,") {
            (StatKind::Conversations, rest)
        } else if let Some(rest) = arg.strip_prefix("endpoints,") {
            (StatKind::Endpoints, rest)
        } else {
            return Err(unknown());
        };
        let (name, filter) = match rest.split_once(',') {
            Some((name, filter)) => (name, Some(filter)),
            None => (rest, None),
        };
        let table = [
            TableType::Eth,
            TableType::Ip,
            TableType::Ipv6,
            TableType::Tcp,
            TableType::Udp,
        ]
        .into_iter()
        .find(|t| t.name() == name)
        .ok_or_else(unknown)?;
        let what = match kind {
            StatKind::Endpoints => "endpoint",
            _ => "conversations",
        };
        Ok(Stat {
            filter: compile(filter, what)?,
            ..Stat::new(kind, table)
        })
    }

    fn new(kind: StatKind, table: TableType) -> Stat {
        Stat {
            kind,
            table,
            filter: None,
            conversations: Vec::new(),
            endpoints: Vec::new(),
            hierarchy: Vec::new(),
            frame_item: false,
            tree_built: false,
            follow: TcpFollow::default(),
            io: None,
            flow: Vec::new(),
            http: None,
            experts: Vec::new(),
            conversation_index: HashMap::new(),
            endpoint_index: HashMap::new(),
        }
    }

    /// `expert`: each expert entry of the packet, under the protocol whose header holds it
    /// (a malformed packet's, under the protocol its line names). As tshark's, it leaves out
    /// the entries of a segment an ICMP error quotes, and the few that Wireshark adds only
    /// to a tree it builds ([`UNTAPPED_EXPERTS`], unless [`Stat::tree_built`]); the
    /// Ethertype's note on a trailer comes
    /// after the packet's other entries, as Wireshark adds it once the payload is read.
    fn add_experts(&mut self, tree: &Tree) {
        let nodes = &tree.nodes;
        let mut late = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            let Value::Expert {
                abbrev,
                severity,
                group,
            } = node.value
            else {
                continue;
            };
            if !self.tree_built && UNTAPPED_EXPERTS.contains(&abbrev) {
                continue;
            }
            // The protocols enclosing it, innermost first.
            let mut depth = node.depth;
            let mut enclosing = Vec::new();
            for n in nodes[..i].iter().rev() {
                if n.depth < depth {
                    depth = n.depth;
                    if n.field.kind == crate::tree::Kind::Protocol {
                        enclosing.push(n);
                    }
                }
            }
            // An entry at the top level belongs to the protocol before it.
            let before = nodes[..i]
                .iter()
                .rev()
                .find(|n| n.depth == 0 && n.field.kind == crate::tree::Kind::Protocol);
            let Some(inner) = enclosing.first().copied().or(before) else {
                continue;
            };
            let quoted = enclosing
                .iter()
                .skip(1)
                .any(|n| matches!(n.field.abbrev, "icmp" | "icmpv6"));
            if quoted && !matches!(inner.field.abbrev, "icmp" | "icmpv6") {
                continue;
            }
            let protocol = if abbrev == "eth.padding_bad" {
                "Ethertype".to_owned()
            } else {
                short_name(inner.field.abbrev, tree.label(inner))
            };
            let message = nodes
                .get(i + 1)
                .filter(|n| n.depth > node.depth)
                .map_or("", |n| tree.label(n))
                .to_owned();
            let entry = (severity, group, protocol, message);
            if abbrev == "eth.padding_bad" {
                late.push(entry);
            } else {
                self.count_expert(entry);
            }
        }
        for entry in late {
            self.count_expert(entry);
        }
    }

    fn count_expert(&mut self, (severity, group, protocol, message): (u32, u32, String, String)) {
        match self
            .experts
            .iter_mut()
            .find(|e| e.0 == severity && e.1 == group && e.2 == protocol && e.3 == message)
        {
            Some(e) => e.4 += 1,
            None => self.experts.push((severity, group, protocol, message, 1)),
        }
    }

    /// Whether this report needs the trees' text (the experts' messages).
    pub fn needs_text(&self) -> bool {
        self.kind == StatKind::Expert
    }

    /// `io,phs`: the protocols (and lines of text) at the top level of the packet's tree,
    /// each counted under the one before it. As in tshark, the frame itself is among them
    /// only when a filter names one of its fields ([`Stat::frame_item`]), and a packet whose
    /// ICMP quote the capture cut is not counted (tshark's frame tap does not see it).
    fn add_layers(&mut self, tree: &Tree, len: u64) {
        if quote_cut(tree) {
            return;
        }
        let mut parent: Option<usize> = None;
        let protocols = tree.nodes.iter().filter(|n| {
            n.depth == 0
                && (n.field.kind == crate::tree::Kind::Protocol
                    || std::ptr::eq(n.field, &crate::tree::TEXT))
                && (self.frame_item || n.field.abbrev != "frame")
        });
        for node in protocols {
            // A line of text is Wireshark's `text` item.
            let protocol = match node.field.abbrev {
                "" => "text",
                abbrev => abbrev,
            };
            let siblings: Vec<usize> = match parent {
                Some(p) => self.hierarchy[p].children.clone(),
                None => (0..self.hierarchy.len())
                    .filter(|i| !self.hierarchy.iter().any(|l| l.children.contains(i)))
                    .collect(),
            };
            let index = match siblings
                .into_iter()
                .find(|&i| self.hierarchy[i].protocol == protocol)
            {
                Some(i) => i,
                None => {
                    self.hierarchy.push(Layer {
                        protocol,
                        frames: 0,
                        bytes: 0,
                        children: Vec::new(),
                    });
                    let i = self.hierarchy.len() - 1;
                    if let Some(p) = parent {
                        self.hierarchy[p].children.push(i);
                    }
                    i
                }
            };
            self.hierarchy[index].frames += 1;
            self.hierarchy[index].bytes += len;
            parent = Some(index);
        }
    }

    /// Counts one packet, from its tree; `time` is its time since the first frame (which a
    /// frame without a time of its own has too: a pcapng Simple Packet Block's is zero), and
    /// `time_text` that time as the listing's Time column shows it.
    pub fn tap(&mut self, tree: &Tree, time: (i64, i64), time_text: &str) {
        if let Some((_, filter)) = &self.filter {
            if !filter.matches(tree) {
                return;
            }
        }
        let Some(len) = frame_len(tree) else {
            return;
        };
        match self.kind {
            StatKind::Hierarchy => return self.add_layers(tree, len),
            StatKind::Io => {
                if let Some(io) = self.io.as_mut().filter(|_| !quote_cut(tree)) {
                    io.tap(tree, time, len);
                }
                return;
            }
            StatKind::Expert => return self.add_experts(tree),
            StatKind::Follow { stream, .. } if self.table == TableType::Udp => {
                return self.follow.add_datagram(tree, stream)
            }
            StatKind::Follow { stream, .. } => return self.follow.add(tree, stream),
            StatKind::Flow => return self.add_flow(tree, time_text),
            StatKind::HttpTree => {
                if let Some(http) = self.http.as_mut() {
                    http.tap(tree, time);
                }
                return;
            }
            _ => {}
        }
        for (src, dst, stream, _) in headers(tree, self.table) {
            match self.kind {
                StatKind::Conversations => self.add_conversation(src, dst, stream, len, time),
                StatKind::Endpoints => {
                    self.add_endpoint(src, true, len);
                    self.add_endpoint(dst, false, len);
                }
                StatKind::Hierarchy
                | StatKind::Expert
                | StatKind::Follow { .. }
                | StatKind::Io
                | StatKind::Flow
                | StatKind::HttpTree => {}
            }
        }
    }

    /// `flow,tcp`: an item per TCP header the TCP tap sees, as `conv,tcp` counts them.
    fn add_flow(&mut self, tree: &Tree, time_text: &str) {
        for ((src, src_port), (dst, dst_port), stream, at) in headers(tree, TableType::Tcp) {
            let (Address::Ip(src), Address::Ip(dst)) = (src, dst) else {
                continue;
            };
            let fields = tree.nodes[at + 1..].iter().take_while(|n| n.depth > 0);
            let uint = |abbrev: &str| {
                fields
                    .clone()
                    .find(|n| n.depth == 1 && !n.hidden && n.field.abbrev == abbrev)
                    .and_then(|n| match n.value {
                        Value::UInt(v) => Some(v),
                        _ => None,
                    })
                    .unwrap_or(0)
            };
            let u32_of = |abbrev: &str| u32::try_from(uint(abbrev)).unwrap_or(u32::MAX);
            self.flow.push(flow::Item {
                time: time_text.to_owned(),
                src,
                dst,
                src_port: src_port.unwrap_or(0),
                dst_port: dst_port.unwrap_or(0),
                flags: u16::try_from(uint("tcp.flags") & 0x0fff).unwrap_or(0),
                ace: fields.clone().any(|n| n.field.abbrev == "tcp.flags.ace"),
                len: u32_of("tcp.len"),
                seq: u32_of("tcp.seq"),
                ack: u32_of("tcp.ack"),
                // Wireshark keeps the stream number in 16 bits here.
                conv: stream.map_or(0, |s| (s & 0xffff) as u16),
            });
        }
    }

    fn add_conversation(
        &mut self,
        src: Side,
        dst: Side,
        stream: Option<u64>,
        len: u64,
        time: (i64, i64),
    ) {
        let key = if src <= dst {
            (src, dst, stream)
        } else {
            (dst, src, stream)
        };
        let index = *self.conversation_index.entry(key).or_insert_with(|| {
            self.conversations.push(Conversation {
                a: src.0,
                a_port: src.1,
                b: dst.0,
                b_port: dst.1,
                counts: Counts::default(),
                start: time,
                stop: time,
            });
            self.conversations.len() - 1
        });
        let c = &mut self.conversations[index];
        if nstime_cmp(time, c.stop) > 0 {
            c.stop = time;
        } else if nstime_cmp(time, c.start) < 0 {
            c.start = time;
        }
        let sent = src.0 == c.a && src.1 == c.a_port;
        c.counts.add(sent, len);
    }

    fn add_endpoint(&mut self, side: Side, sent: bool, len: u64) {
        let index = *self.endpoint_index.entry(side).or_insert_with(|| {
            self.endpoints.push(Endpoint {
                address: side.0,
                port: side.1,
                counts: Counts::default(),
            });
            self.endpoints.len() - 1
        });
        self.endpoints[index].counts.add(sent, len);
    }

    /// The rows' order in the report: most frames first, rows of as many frames in the
    /// order they first appeared.
    pub fn order<T>(rows: &[T], frames: impl Fn(&T) -> u64) -> Vec<&T> {
        let mut sorted: Vec<&T> = rows.iter().filter(|r| frames(r) > 0).collect();
        // A stable sort keeps the order of appearance among equals.
        sorted.sort_by_key(|r| std::cmp::Reverse(frames(r)));
        sorted
    }
}

/// One chunk of a followed stream: from the server (Node 1) or not, and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    pub from_server: bool,
    pub data: Vec<u8>,
}

/// A TCP stream followed as Wireshark 4.0's `follow_tcp_tap_listener` does: each way, the
/// next sequence number expected; a segment that starts there extends the stream (the part
/// already seen of one that overlaps it is left out); one that starts further is kept aside
/// until the gap is filled, or until the other side acknowledges past the gap, when a chunk
/// `[N bytes missing in capture file]` (and a NUL) stands for the bytes never captured.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TcpFollow {
    /// The client (the source of the stream's first segment) and the server, as
    /// `address:port` (`[v6]:port`).
    pub ends: Option<(String, String)>,
    client: Option<(IpAddr, u16)>,
    /// The next sequence number expected each way (client, server).
    next: [Option<u32>; 2],
    /// Segments that came before their turn, each way: sequence number and bytes.
    early: [Vec<(u32, Vec<u8>)>; 2],
    pub chunks: Vec<Chunk>,
}

/// `a` after `b` in sequence space.
fn seq_gt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

/// The fields of the packet's top-level `protocol` header (the nodes under it), and where
/// the header is among the tree's nodes.
fn top_level<'t>(tree: &'t Tree, protocol: &str) -> Option<(usize, Vec<&'t Node>)> {
    let nodes = &tree.nodes;
    let at = nodes
        .iter()
        .position(|n| n.depth == 0 && n.field.abbrev == protocol)?;
    let fields = nodes[at + 1..].iter().take_while(|n| n.depth > 0).collect();
    Some((at, fields))
}

impl TcpFollow {
    fn add(&mut self, tree: &Tree, stream: u32) {
        if tcp_header_failed(tree) {
            return;
        }
        let Some((_, fields)) = top_level(tree, "tcp") else {
            return;
        };
        let uint = |abbrev: &str| {
            fields
                .iter()
                .find(|n| n.field.abbrev == abbrev)
                .and_then(|n| match n.value {
                    Value::UInt(v) => Some(v),
                    Value::Bool(b) => Some(u64::from(b)),
                    _ => None,
                })
        };
        if uint("tcp.stream") != Some(u64::from(stream)) {
            return;
        }
        let Some((src, dst)) = headers(tree, TableType::Tcp)
            .into_iter()
            .next()
            .map(|(s, d, _, _)| (s, d))
        else {
            return;
        };
        let ((Address::Ip(src_ip), Some(sport)), (Address::Ip(dst_ip), Some(dport))) = (src, dst)
        else {
            return;
        };
        let (Some(seq), Some(ack), Some(len)) =
            (uint("tcp.seq_raw"), uint("tcp.ack_raw"), uint("tcp.len"))
        else {
            return;
        };
        let (seq, ack, len) = (seq as u32, ack as u32, len as u32);
        let syn = uint("tcp.flags.syn") == Some(1);
        let payload: &[u8] = fields
            .iter()
            .find(|n| n.field.abbrev == "tcp.payload")
            .map_or(&[], |n| tree.bytes(n));
        let client = *self.client.get_or_insert((src_ip, sport));
        if self.ends.is_none() {
            self.ends = Some((
                std::net::SocketAddr::new(src_ip, sport).to_string(),
                std::net::SocketAddr::new(dst_ip, dport).to_string(),
            ));
        }
        let side = usize::from((src_ip, sport) != client);
        // This segment may acknowledge what the other side sent past a gap.
        while self.check_early(1 - side, Some(ack)) {}
        let mut sequence = if syn { seq.wrapping_add(1) } else { seq };
        let expected = *self.next[side].get_or_insert(sequence);
        if len == 0 {
            return;
        }
        let mut data = payload;
        let mut length = len;
        if seq_gt(expected, sequence) {
            let end = sequence.wrapping_add(length);
            if seq_gt(end, expected) {
                // Part of it was seen: keep the rest.
                let seen = expected.wrapping_sub(sequence);
                data = data.get(seen as usize..).unwrap_or_default();
                sequence = expected;
                length = end.wrapping_sub(expected);
            }
        }
        if sequence == expected {
            self.next[side] = Some(expected.wrapping_add(length));
            self.chunks.push(Chunk {
                from_server: side == 1,
                data: data.to_vec(),
            });
            while self.check_early(side, None) {}
        } else if seq_gt(sequence, expected) {
            self.early[side].push((sequence, data.to_vec()));
        }
    }

    /// A UDP datagram of stream `stream`: its captured payload is a chunk.
    fn add_datagram(&mut self, tree: &Tree, stream: u32) {
        let nodes = &tree.nodes;
        let Some((at, fields)) = top_level(tree, "udp") else {
            return;
        };
        let in_stream = fields
            .iter()
            .any(|n| n.field.abbrev == "udp.stream" && n.value == Value::UInt(u64::from(stream)));
        if !in_stream {
            return;
        }
        let Some(((Address::Ip(src_ip), Some(sport)), (Address::Ip(dst_ip), Some(dport)), _, _)) =
            headers(tree, TableType::Udp).into_iter().next()
        else {
            return;
        };
        let client = *self.client.get_or_insert((src_ip, sport));
        if self.ends.is_none() {
            self.ends = Some((
                std::net::SocketAddr::new(src_ip, sport).to_string(),
                std::net::SocketAddr::new(dst_ip, dport).to_string(),
            ));
        }
        // The payload is the data after the header, as much as was captured.
        let payload = nodes[at + 1..]
            .iter()
            .skip_while(|n| n.depth > 0)
            .take_while(|n| n.depth > 0 || n.field.abbrev == "data")
            .find(|n| n.field.abbrev == "data.data")
            .map_or(&[][..], |n| tree.bytes(n));
        if !payload.is_empty() {
            self.chunks.push(Chunk {
                from_server: (src_ip, sport) != client,
                data: payload.to_vec(),
            });
        }
    }

    /// Takes a segment kept aside that now fits (true), or, when `acknowledged` is past the
    /// earliest of them, stands for the bytes never captured (true); false when nothing
    /// changed.
    fn check_early(&mut self, side: usize, acknowledged: Option<u32>) -> bool {
        let Some(expected) = self.next[side] else {
            return false;
        };
        let Some(mut lowest) = self.early[side].first().map(|e| e.0) else {
            return false;
        };
        for i in 0..self.early[side].len() {
            let (seq, ref data) = self.early[side][i];
            if seq_gt(lowest, seq) {
                lowest = seq;
            }
            if seq_gt(expected, seq) {
                let end = seq.wrapping_add(data.len() as u32);
                if seq_gt(end, expected) {
                    let skip = expected.wrapping_sub(seq) as usize;
                    let rest = data[skip..].to_vec();
                    self.next[side] = Some(expected.wrapping_add(rest.len() as u32));
                    self.chunks.push(Chunk {
                        from_server: side == 1,
                        data: rest,
                    });
                }
                self.early[side].remove(i);
                return true;
            }
            if seq == expected {
                let (_, data) = self.early[side].remove(i);
                self.next[side] = Some(expected.wrapping_add(data.len() as u32));
                if !data.is_empty() {
                    self.chunks.push(Chunk {
                        from_server: side == 1,
                        data,
                    });
                }
                return true;
            }
        }
        match acknowledged {
            Some(ack) if seq_gt(ack, lowest) => {
                let mut note = format!(
                    "[{} bytes missing in capture file]",
                    lowest.wrapping_sub(expected) as i32
                )
                .into_bytes();
                note.push(0);
                self.chunks.push(Chunk {
                    from_server: side == 1,
                    data: note,
                });
                self.next[side] = Some(lowest);
                true
            }
            _ => false,
        }
    }
}

/// Whether any of `filters` names the frame or one of its fields (`frame.len`).
pub fn frame_named<'f>(filters: impl IntoIterator<Item = &'f DisplayFilter>) -> bool {
    filters.into_iter().any(|f| {
        f.fields()
            .iter()
            .any(|n| *n == "frame" || n.starts_with("frame."))
    })
}

/// The short name Wireshark gives the protocol of a top-level node (its `abbrev`), as its
/// expert entries are listed: a malformed packet's line names the protocol that failed.
fn short_name(abbrev: &str, label: &str) -> String {
    let known = match abbrev {
        "ip" => "IPv4",
        "ipv6" => "IPv6",
        "icmpv6" => "ICMPv6",
        "arp" => "ARP/RARP",
        "ipv6.hopopts" => "IPv6 Hop-by-Hop",
        "ipv6.routing" => "IPv6 Routing",
        "ipv6.fraghdr" => "IPv6 Fragment",
        "ipv6.dstopts" => "IPv6 Dest Opts",
        "pkt_comment" => "Frame",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    match abbrev {
        "_ws.malformed" | "_ws.short" => label
            .rsplit_once(": ")
            .map_or(label, |(_, name)| name.trim_end_matches(" truncated"))
            .trim_end_matches(']')
            .to_owned(),
        "eth" => "ETH".to_owned(),
        "sll" => "SLL".to_owned(),
        "frame" => "Frame".to_owned(),
        other => other.to_uppercase(),
    }
}

/// Expert entries Wireshark adds only to a packet's tree, which tshark builds for `-z expert`
/// only when a filter (`-Y`, or any report's) or `io,phs` needs it.
const UNTAPPED_EXPERTS: [&str; 2] = ["tcp.bogus_header_length", "tcp.nop"];

/// A report's filter, compiled; its refusal names the report (`what`).
fn compile(
    filter: Option<&str>,
    what: &'static str,
) -> Result<Option<(String, DisplayFilter)>, StatError> {
    let Some(text) = filter else {
        return Ok(None);
    };
    let compiled = DisplayFilter::compile(text).map_err(|e: FilterError| StatError::Filter {
        what,
        filter: text.to_owned(),
        message: e.message,
    })?;
    Ok(Some((text.to_owned(), compiled)))
}

/// Wireshark's `nstime_cmp`: the seconds first, then the nanoseconds, each difference
/// taken in 32 bits as there (times decades apart, or an unnormalised fraction far from the
/// other, wrap around and compare the other way).
fn nstime_cmp(a: (i64, i64), b: (i64, i64)) -> i32 {
    let wrap = |x: i64, y: i64| x.wrapping_sub(y) as i32;
    if a.0 == b.0 {
        wrap(a.1, b.1)
    } else {
        wrap(a.0, b.0)
    }
}

/// The capture cut an ICMP error inside the header it quotes (its own eight bytes whole, then
/// the packet ends): tshark's frame tap never sees such a frame (`io,phs`, `io,stat`).
fn quote_cut(tree: &Tree) -> bool {
    let top: Vec<&Node> = tree.nodes.iter().filter(|n| n.depth == 0).collect();
    top.windows(2).any(|pair| {
        let (icmp, short) = (pair[0], pair[1]);
        let error = |abbrev: &str, types: &[u64]| {
            tree.nodes.iter().any(|n| {
                n.field.abbrev == abbrev && matches!(n.value, Value::UInt(t) if types.contains(&t))
            })
        };
        short.field.abbrev == "_ws.short"
            && icmp.len >= 8
            && match icmp.field.abbrev {
                "icmp" => error("icmp.type", &[3, 4, 5, 11, 12]),
                "icmpv6" => error("icmpv6.type", &[1, 2, 3, 4]),
                _ => false,
            }
    })
}

/// The frame's length on the wire (`frame.len`).
fn frame_len(tree: &Tree) -> Option<u64> {
    tree.nodes
        .iter()
        .find(|n| n.field.abbrev == "frame.len")
        .and_then(|n| match n.value {
            Value::UInt(v) => Some(v),
            _ => None,
        })
}

/// The headers of `table`'s protocol at the packet's top level: source, destination,
/// stream, and where the header's node is in the tree.
fn headers(tree: &Tree, table: TableType) -> Vec<(Side, Side, Option<u64>, usize)> {
    let mut out = Vec::new();
    // The addresses of the last IP header, for the ports after it.
    let mut ip: Option<(IpAddr, IpAddr)> = None;
    let nodes = &tree.nodes;
    for (i, node) in nodes.iter().enumerate() {
        if node.depth != 0 {
            continue;
        }
        // The header's own fields: the nodes after it until the next top-level one.
        let fields = nodes[i + 1..].iter().take_while(|n| n.depth > 0);
        let child = |abbrev: &str| -> Option<&Node> {
            fields
                .clone()
                .find(|n| n.depth == 1 && !n.hidden && n.field.abbrev == abbrev)
        };
        let uint = |abbrev: &str| match child(abbrev).map(|n| &n.value) {
            Some(Value::UInt(v)) => Some(*v),
            _ => None,
        };
        match node.field.abbrev {
            "eth" if table == TableType::Eth => {
                let mac = |abbrev: &str| match child(abbrev).map(|n| &n.value) {
                    Some(Value::Ether(m)) => Some(*m),
                    _ => None,
                };
                if let (Some(src), Some(dst)) = (mac("eth.src"), mac("eth.dst")) {
                    out.push((
                        (Address::Ether(src), None),
                        (Address::Ether(dst), None),
                        None,
                        i,
                    ));
                }
            }
            "ip" | "ipv6" => {
                let v4 = node.field.abbrev == "ip";
                let addr = |abbrev: &str| match child(abbrev).map(|n| &n.value) {
                    Some(Value::Ipv4(a)) => Some(IpAddr::V4(*a)),
                    Some(Value::Ipv6(a)) => Some(IpAddr::V6(*a)),
                    _ => None,
                };
                let (src, dst) = if v4 {
                    (addr("ip.src"), addr("ip.dst"))
                } else {
                    (addr("ipv6.src"), addr("ipv6.dst"))
                };
                // TCP and UDP count the final destination of an IPv6 routing header.
                let last_hop = if v4 {
                    None
                } else {
                    final_destination(fields.clone())
                };
                ip = src.zip(last_hop.or(dst));
                // (IPv4 is tapped once its header is read whole, options included.)
                let whole = uint("ip.hdr_len").is_none_or(|len| node.len as u64 >= len);
                let tapped = if v4 {
                    table == TableType::Ip && whole
                } else {
                    table == TableType::Ipv6 && ipv6_tapped(tree, fields.clone())
                };
                if let (true, Some(src), Some(dst)) = (tapped, src, dst) {
                    out.push(((Address::Ip(src), None), (Address::Ip(dst), None), None, i));
                }
            }
            "tcp" | "udp" if table.name() == node.field.abbrev => {
                let p = node.field.abbrev;
                // A TCP header cut short, or one whose reading failed, is not counted
                // (Wireshark queues the tap after the header, options included).
                if p == "tcp" && tcp_header_failed(tree) {
                    continue;
                }
                let ports = uint(&format!("{p}.srcport")).zip(uint(&format!("{p}.dstport")));
                let stream = uint(&format!("{p}.stream"));
                if let (Some((src, dst)), Some((sport, dport)), Some(stream)) = (ip, ports, stream)
                {
                    let port = |p: u64| u16::try_from(p).ok();
                    out.push((
                        (Address::Ip(src), port(sport)),
                        (Address::Ip(dst), port(dport)),
                        Some(stream),
                        i,
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether the packet's TCP header could not be read to its end: cut by the capture,
/// malformed, or with a header length too short.
fn tcp_header_failed(tree: &Tree) -> bool {
    tree.nodes.iter().any(|n| {
        (n.depth == 0 && matches!(n.field.abbrev, "_ws.malformed" | "_ws.short"))
            || matches!(n.value, Value::Expert { abbrev, .. } if abbrev == "tcp.bogus_header_length")
    })
}

/// IPv6's report counts a packet once its extension headers lead to a protocol that is not
/// one (Wireshark queues the tap there): not when the chain ends in a header whose
/// dissector is off (AH, Mobility, HIP, Shim6), in a fragment that completes no packet, or
/// in a header the packet ends inside.
fn ipv6_tapped<'t>(tree: &Tree, fields: impl Iterator<Item = &'t Node> + Clone) -> bool {
    /// Wireshark's IPv6 extension headers.
    const EXTENSIONS: [u64; 8] = [0, 43, 44, 51, 60, 135, 139, 140];
    let last_next = fields
        .clone()
        .filter(|n| {
            matches!(
                n.field.abbrev,
                "ipv6.nxt"
                    | "ipv6.hopopts.nxt"
                    | "ipv6.routing.nxt"
                    | "ipv6.fraghdr.nxt"
                    | "ipv6.dstopts.nxt"
            )
        })
        .last();
    let Some(Value::UInt(next)) = last_next.map(|n| &n.value) else {
        return false;
    };
    let uint = |abbrev: &str| {
        fields
            .clone()
            .find(|n| n.field.abbrev == abbrev)
            .map(|n| match n.value {
                Value::UInt(v) => v,
                Value::Bool(b) => u64::from(b),
                _ => 0,
            })
    };
    let fragment = match uint("ipv6.fraghdr.offset") {
        None => true,
        // A fragment that is the whole packet, or the one that completes it.
        Some(offset) => {
            (offset == 0 && uint("ipv6.fraghdr.more") == Some(0))
                || tree
                    .nodes
                    .iter()
                    .any(|n| n.field.abbrev == "ipv6.fragments")
        }
    };
    // A header the packet ends inside stops at the `[Malformed Packet]` line, before any
    // protocol after IPv6.
    let cut = fields.clone().last().is_some_and(|_| {
        let after: Vec<&Node> = tree.nodes.iter().filter(|n| n.depth == 0).collect();
        let ipv6 = after.iter().rposition(|n| n.field.abbrev == "ipv6");
        ipv6.and_then(|i| after.get(i + 1))
            .is_some_and(|n| n.field.abbrev == "_ws.malformed")
    });
    !EXTENSIONS.contains(next) && fragment && !cut
}

/// The final destination an IPv6 routing header names while segments are left: the last
/// address of a type 0 or RPL route, the home address of type 2, the first segment of a
/// segment routing header.
fn final_destination<'t>(fields: impl Iterator<Item = &'t Node> + Clone) -> Option<IpAddr> {
    let uint = |abbrev: &str| {
        fields
            .clone()
            .find(|n| n.field.abbrev == abbrev)
            .and_then(|n| match n.value {
                Value::UInt(v) => Some(v),
                _ => None,
            })
    };
    if uint("ipv6.routing.segleft").unwrap_or(0) == 0 {
        return None;
    }
    let addresses = |abbrev: &'static str| {
        fields
            .clone()
            .filter_map(move |n| match (&n.value, n.field.abbrev == abbrev) {
                (Value::Ipv6(a), true) => Some(IpAddr::V6(*a)),
                _ => None,
            })
    };
    match uint("ipv6.routing.type")? {
        0 => addresses("ipv6.routing.src.addr").last(),
        2 => addresses("ipv6.routing.mipv6.home_address").next(),
        3 => addresses("ipv6.routing.rpl.full_address").last(),
        4 => addresses("ipv6.routing.srh.addr").next(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        let s = Stat::parse("conv,tcp").expect("valid");
        assert_eq!((s.kind, s.table), (StatKind::Conversations, TableType::Tcp));
        assert!(s.filter.is_none());
        let s = Stat::parse("endpoints,ipv6,tcp.port==80").expect("valid");
        assert_eq!((s.kind, s.table), (StatKind::Endpoints, TableType::Ipv6));
        assert_eq!(s.filter.map(|f| f.0).as_deref(), Some("tcp.port==80"));
        for bad in [
            "conv",
            "conv,",
            "conv,sctp",
            "io,phsx",
            "io,statx",
            "endpoints,tcpx",
        ] {
            assert!(
                matches!(Stat::parse(bad), Err(StatError::Unknown(_))),
                "{bad}"
            );
        }
        assert_eq!(Stat::parse("expert").expect("valid").kind, StatKind::Expert);
        assert_eq!(Stat::parse("io,stat,1").expect("valid").kind, StatKind::Io);
        assert!(matches!(Stat::parse("io,stat,x"), Err(StatError::Io(_))));
        let s = Stat::parse("io,phs,tcp").expect("valid");
        assert_eq!(s.kind, StatKind::Hierarchy);
        assert_eq!(s.filter.map(|f| f.0).as_deref(), Some("tcp"));
        let err = Stat::parse("conv,ip,tcp.prt==80").expect_err("refused");
        assert!(err.to_string().starts_with(
            "Couldn't register conversations tap: Filter \"tcp.prt==80\" is invalid - "
        ));
    }

    #[test]
    fn most_frames_first_then_in_order_of_appearance() {
        let rows = [3u64, 5, 3, 0, 5, 1];
        let order: Vec<u64> = Stat::order(&rows, |r| *r).into_iter().copied().collect();
        assert_eq!(order, [5, 5, 3, 3, 1]);
    }
}
