//! `-z http,tree` (HTTP/Packet Counter) and `-z http_req,tree` (HTTP/Requests): Wireshark's
//! statistics trees over the HTTP messages, counted from each packet's tree, and their text
//! as tshark 4.0 prints it (`stats_tree.c`).
//!
//! - A message is counted when HTTP read all of it: not one the capture cut (a tree whose
//!   HTTP ends in `[Packet size limited during capture]`). Requests count under their
//!   method, responses under their class (`2xx: Success`) and code (`200 OK`), the rest
//!   (`Continuation`) as other packets; requests by their Host header, then URI.
//! - Each row: its count; its rate, the count over the time from the first message counted
//!   to the last (in milliseconds); its share of its parent's count; its burst rate, the
//!   most messages within 100 ms (counted in 5 ms buckets, the first of which starts at time
//!   zero), and when that burst's first bucket began.
//! - Rows are sorted by count, most first, then by name, last first.

use std::io::{self, Write};

use crate::tree::{Tree, Value};

/// Which tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpTreeKind {
    /// `http,tree`: HTTP/Packet Counter.
    Packets,
    /// `http_req,tree`: HTTP/Requests.
    Requests,
}

/// Burst buckets' width and the burst window, in milliseconds (Wireshark's defaults).
const BUCKET_MS: f64 = 5.0;
const WINDOW_MS: f64 = 100.0;

/// One row of a statistics tree.
#[derive(Clone, Debug, Default)]
struct Node {
    name: String,
    count: u64,
    children: Vec<usize>,
    /// Burst buckets in the window: (bucket number, time of its first event, count).
    buckets: std::collections::VecDeque<(i64, f64, u64)>,
    in_window: u64,
    max_burst: u64,
    burst_start: f64,
}

impl Node {
    fn named(name: &str) -> Node {
        Node {
            name: name.to_owned(),
            // Every row's burst list starts with an empty bucket at time zero.
            buckets: [(0, 0.0, 0)].into(),
            ..Node::default()
        }
    }

    /// Counts one event at `now` (milliseconds).
    fn tick(&mut self, now: f64) {
        self.count += 1;
        let bucket = (now / BUCKET_MS).floor() as i64;
        let window = (WINDOW_MS / BUCKET_MS) as i64;
        match self.buckets.back_mut() {
            Some(last) if last.0 >= bucket => last.2 += 1,
            _ => {
                self.buckets.push_back((bucket, now, 1));
                while let Some(&(first, _, count)) = self.buckets.front() {
                    if bucket - first < window {
                        break;
                    }
                    self.in_window -= count;
                    self.buckets.pop_front();
                }
            }
        }
        self.in_window += 1;
        if self.in_window > self.max_burst {
            self.max_burst = self.in_window;
            self.burst_start = self.buckets.front().map_or(now, |b| b.1);
        }
    }
}

/// A statistics tree of HTTP messages.
#[derive(Clone, Debug)]
pub struct HttpTree {
    pub kind: HttpTreeKind,
    /// Node 0 is the root.
    nodes: Vec<Node>,
    /// The first and last messages' times, in milliseconds.
    start: Option<f64>,
    now: f64,
}

/// The response classes, in the order Wireshark makes them.
const CLASSES: [&str; 6] = [
    "???: broken",
    "1xx: Informational",
    "2xx: Success",
    "3xx: Redirection",
    "4xx: Client Error",
    "5xx: Server Error",
];

impl HttpTree {
    pub fn new(kind: HttpTreeKind) -> HttpTree {
        let mut tree = HttpTree {
            kind,
            nodes: vec![],
            start: None,
            now: 0.0,
        };
        match kind {
            HttpTreeKind::Packets => {
                tree.nodes.push(Node::named("Total HTTP Packets"));
                let requests = tree.child(0, "HTTP Request Packets");
                let responses = tree.child(0, "HTTP Response Packets");
                tree.child(0, "Other HTTP Packets");
                debug_assert_eq!((requests, responses), (1, 2));
                for class in CLASSES {
                    tree.child(2, class);
                }
            }
            HttpTreeKind::Requests => tree.nodes.push(Node::named("HTTP Requests by HTTP Host")),
        }
        tree
    }

    /// The title tshark prints above it.
    pub fn title(&self) -> &'static str {
        match self.kind {
            HttpTreeKind::Packets => "HTTP/Packet Counter",
            HttpTreeKind::Requests => "HTTP/Requests",
        }
    }

    /// The child of `parent` named `name`, made if it is new.
    fn child(&mut self, parent: usize, name: &str) -> usize {
        if let Some(&i) = self.nodes[parent]
            .children
            .iter()
            .find(|&&i| self.nodes[i].name == name)
        {
            return i;
        }
        self.nodes.push(Node::named(name));
        let i = self.nodes.len() - 1;
        self.nodes[parent].children.push(i);
        i
    }

    fn tick(&mut self, node: usize) {
        let now = self.now;
        self.nodes[node].tick(now);
    }

    /// Counts the HTTP messages of one packet; `time` is its time since the first frame.
    pub fn tap(&mut self, tree: &Tree, time: (i64, i64)) {
        let messages = messages(tree);
        if messages.is_empty() {
            return;
        }
        for message in messages {
            self.now = time.0 as f64 * 1000.0 + time.1 as f64 / 1e6;
            self.start.get_or_insert(self.now);
            match self.kind {
                HttpTreeKind::Packets => self.count_packet(&message),
                HttpTreeKind::Requests => self.count_request(&message),
            }
        }
    }

    fn count_packet(&mut self, m: &Message) {
        self.tick(0);
        if let Some(method) = &m.method {
            self.tick(1);
            let node = self.child(1, method);
            self.tick(node);
        } else if let Some(code) = m.code {
            self.tick(2);
            let class = match code {
                100..=199 => 1,
                200..=299 => 2,
                300..=399 => 3,
                400..=499 => 4,
                500..=599 => 5,
                _ => 0,
            };
            let class_node = self.nodes[2].children[class];
            self.tick(class_node);
            if class != 0 {
                let name = format!("{code} {}", crate::tree::status_name(code));
                let node = self.child(class_node, &name);
                self.tick(node);
            }
        } else {
            self.tick(3);
        }
    }

    fn count_request(&mut self, m: &Message) {
        if m.method.is_none() {
            return;
        }
        self.tick(0);
        if let Some(host) = &m.host {
            let host = self.child(0, host);
            self.tick(host);
            if let Some(uri) = &m.uri {
                let uri = self.child(host, uri);
                self.tick(uri);
            }
        }
    }

    /// Writes the tree as tshark does.
    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let elapsed = self.start.map_or(0.0, |start| self.now - start);
        let mut rows = vec![];
        self.rows(0, 0, None, elapsed, &mut rows);
        let name_width = rows
            .iter()
            .map(|r: &Vec<String>| r[0].chars().count())
            .max()
            .unwrap_or(0)
            .max("Topic / Item".len())
            + 2;
        let width = name_width + 7 * 14 + 13;
        writeln!(out)?;
        writeln!(out, "{}", "=".repeat(width))?;
        writeln!(out, "{}:", self.title())?;
        let header = [
            "Topic / Item",
            "Count",
            "Average",
            "Min Val",
            "Max Val",
            "Rate (ms)",
            "Percent",
            "Burst Rate",
            "Burst Start",
        ];
        let line = |cells: &[String]| {
            let mut s = format!("{:<name_width$}", cells[0]);
            for (i, cell) in cells[1..].iter().enumerate() {
                let w = if i == 7 { 13 } else { 14 };
                s.push_str(&format!("{cell:<w$}"));
            }
            s
        };
        let header: Vec<String> = header.iter().map(|s| (*s).to_owned()).collect();
        writeln!(out, "{}", line(&header))?;
        writeln!(out, "{}", "-".repeat(width))?;
        for row in &rows {
            writeln!(out, "{}", line(row))?;
        }
        writeln!(out)?;
        writeln!(out, "{}", "-".repeat(width))
    }

    /// The row of node `i` at `depth` (its parent's count: `parent`), then its children's.
    fn rows(
        &self,
        i: usize,
        depth: usize,
        parent: Option<u64>,
        elapsed: f64,
        rows: &mut Vec<Vec<String>>,
    ) {
        let node = &self.nodes[i];
        let rate = if elapsed > 0.0 {
            format!("{:.4}", node.count as f64 / elapsed)
        } else {
            String::new()
        };
        let percent = match parent {
            None => "100%".to_owned(),
            Some(0) => String::new(),
            Some(p) => format!("{:.2}%", node.count as f64 * 100.0 / p as f64),
        };
        let (burst, start) = if node.max_burst == 0 {
            ("-".to_owned(), "-".to_owned())
        } else {
            (
                format!("{:.4}", node.max_burst as f64 / WINDOW_MS),
                format!("{:.3}", node.burst_start / 1000.0),
            )
        };
        rows.push(vec![
            format!("{}{}", " ".repeat(depth), node.name),
            node.count.to_string(),
            String::new(),
            String::new(),
            String::new(),
            rate,
            percent,
            burst,
            start,
        ]);
        let mut children = node.children.clone();
        children.sort_by(|&a, &b| {
            let (a, b) = (&self.nodes[a], &self.nodes[b]);
            b.count.cmp(&a.count).then_with(|| b.name.cmp(&a.name))
        });
        for child in children {
            self.rows(child, depth + 1, Some(node.count), elapsed, rows);
        }
    }
}

/// What the trees count of one HTTP message.
#[derive(Debug, Default)]
struct Message {
    method: Option<String>,
    code: Option<u16>,
    host: Option<String>,
    uri: Option<String>,
}

/// The HTTP messages of a packet's tree that HTTP counts, in order.
fn messages(tree: &Tree) -> Vec<Message> {
    let nodes = &tree.nodes;
    let mut out = vec![];
    let mut i = 0;
    while i < nodes.len() {
        if nodes[i].depth != 0 || nodes[i].field.abbrev != "http" {
            i += 1;
            continue;
        }
        let end = (i + 1..nodes.len())
            .find(|&j| nodes[j].depth == 0)
            .unwrap_or(nodes.len());
        // A message the capture cut: its reading ended in an exception, and was not counted.
        let cut = nodes
            .get(end..)
            .into_iter()
            .flatten()
            .take_while(|n| n.depth > 0 || n.field.abbrev != "http")
            .any(|n| n.depth == 0 && n.field.abbrev == "_ws.short");
        let mut m = Message::default();
        let mut file_data = false;
        for n in &nodes[i + 1..end] {
            match (n.field.abbrev, &n.value) {
                ("http.request.method", Value::Str(v)) => m.method = Some(v.clone()),
                ("http.request.uri", Value::Str(v)) => m.uri = Some(v.clone()),
                ("http.host", Value::Str(v)) => m.host = Some(v.clone()),
                ("http.response.code", Value::UInt(v)) => {
                    m.code = u16::try_from(*v).ok();
                }
                ("http.file_data", _) => file_data = true,
                _ => {}
            }
        }
        // Bytes that start no message count when HTTP read them as a body (in a payload the
        // capture cut, it passes them on unread, and does not count them).
        let counted = match (&m.method, m.code) {
            (None, None) => file_data,
            _ => !cut,
        };
        if counted {
            out.push(m);
        }
        i = end;
    }
    out
}
