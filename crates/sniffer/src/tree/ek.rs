//! `-T ek`: the tree as Elasticsearch/OpenSearch bulk input, as tshark 4.0 writes it.
//!
//! Each packet is two lines: an `index` action naming the day's index, then the document.
//! The document holds the frame's time in milliseconds and its layers, one object per
//! protocol. Inside a protocol the fields are flat: each subtree's fields are written after
//! their parent, and the fields of one key under the same parent are gathered into an array
//! at the place of the first. A key is the field's protocol and its filter name, dots made
//! underscores (`tcp_tcp_flags_syn`). Protocols, text lines (`text`) and the nodes Wireshark
//! registers as protocols of their own (TCP's options) go without a prefix. Booleans are
//! `true`/`false`, fields without a value `null`, times ISO 8601 in UTC.

use std::io::{self, Write};

use super::{
    frame, ip, push_json_string, tcp_options, write_json_value, Field, Kind, Node, Tree, Value,
};

/// Protocols whose names have a dot (IPv6's extension headers): their fields' member names
/// start with the whole name.
const SUB_PROTOCOLS: [&str; 4] = [
    "ipv6.hopopts",
    "ipv6.dstopts",
    "ipv6.routing",
    "ipv6.fraghdr",
];

/// What the tree writes for a text line's filter name.
const TEXT_KEY: &str = "text";

impl Tree {
    /// The packet as `tshark -T ek` writes it: the action line and the document line.
    pub fn write_ek(&self, out: &mut impl Write) -> io::Result<()> {
        let mut s = String::with_capacity(self.text.len() * 2);
        self.ek_head(&mut s);
        self.ek_object(&mut s, 0, self.nodes.len(), 0);
        s.push_str("}}\n");
        out.write_all(s.as_bytes())
    }

    /// The packet as `tshark -T ek -e FIELD…` writes it: each named field present, in the
    /// order named, its name's dots made underscores, its values (as `-T fields` writes them)
    /// in an array.
    pub fn write_ek_fields(&self, fields: &[String], out: &mut impl Write) -> io::Result<()> {
        let mut s = String::new();
        self.ek_head(&mut s);
        let mut any = false;
        for field in fields {
            let values = self.values(field);
            if values.is_empty() {
                continue;
            }
            if any {
                s.push(',');
            }
            any = true;
            s.push('"');
            push_underscored(&mut s, field);
            s.push_str("\":[");
            for (i, value) in values.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                push_json_string(&mut s, value);
            }
            s.push(']');
        }
        s.push_str("}}\n");
        out.write_all(s.as_bytes())
    }

    /// The action line and the document's start, up to its layers' members.
    fn ek_head(&self, s: &mut String) {
        let ts = self.frame_time();
        s.push_str("{\"index\":{\"_index\":\"packets-");
        s.push_str(&frame::local_date(ts));
        s.push_str("\",\"_type\":\"doc\"}}\n{\"timestamp\":\"");
        // Seconds as an unsigned number, then milliseconds of the signed fraction.
        let nanos = ts.signed_nanos();
        s.push_str(&format!("{}{:03}", ts.secs as u64, nanos / 1_000_000));
        s.push_str("\",\"layers\":{");
    }

    /// The members of an object whose nodes are `from..to`, its own at `depth`.
    fn ek_object(&self, s: &mut String, from: usize, to: usize, depth: u8) {
        // The keys in the order they first appear (a key: the parent's filter name and the
        // node's), and each node with its key's place in that order.
        let mut keys: Vec<(&str, &str)> = Vec::new();
        let mut members: Vec<(usize, usize)> = Vec::new();
        self.ek_collect(&mut keys, &mut members, from, to, depth, "");
        // Stable: the nodes of one key stay in tree order.
        members.sort_by_key(|&(key, _)| key);
        for (n, group) in members.chunk_by(|a, b| a.0 == b.0).enumerate() {
            if n > 0 {
                s.push(',');
            }
            push_ek_name(s, &self.nodes[group[0].1]);
            s.push(':');
            if group.len() > 1 {
                s.push('[');
            }
            for (k, &(_, i)) in group.iter().enumerate() {
                if k > 0 {
                    s.push(',');
                }
                self.ek_value(s, i, to);
            }
            if group.len() > 1 {
                s.push(']');
            }
        }
    }

    /// Gathers the nodes at `depth` in `from..to` and, below each field that is not a
    /// protocol or an expert entry, its subtree's.
    fn ek_collect<'a>(
        &'a self,
        keys: &mut Vec<(&'a str, &'a str)>,
        members: &mut Vec<(usize, usize)>,
        from: usize,
        to: usize,
        depth: u8,
        parent: &'a str,
    ) {
        let mut i = from;
        while i < to {
            let node = &self.nodes[i];
            if node.depth != depth {
                i += 1;
                continue;
            }
            let end = self.subtree_end(i, to);
            let key = group_key(node);
            let place = match keys.iter().position(|&(p, k)| p == parent && k == key) {
                Some(place) => place,
                None => {
                    keys.push((parent, key));
                    keys.len() - 1
                }
            };
            members.push((place, i));
            let object =
                node.field.kind == Kind::Protocol || matches!(node.value, Value::Expert { .. });
            if !object && end > i + 1 {
                self.ek_collect(keys, members, i + 1, end, depth + 1, key);
            }
            i = end;
        }
    }

    /// The end of node `i`'s subtree (the first later node no deeper than it), within `to`.
    fn subtree_end(&self, i: usize, to: usize) -> usize {
        let depth = self.nodes[i].depth;
        (i + 1..to)
            .find(|&j| self.nodes[j].depth <= depth)
            .unwrap_or(to)
    }

    /// Node `i`'s value: an object for a protocol or an expert entry.
    fn ek_value(&self, s: &mut String, i: usize, to: usize) {
        let node = &self.nodes[i];
        if let Value::Expert {
            abbrev,
            severity,
            group,
        } = node.value
        {
            let message = self.nodes.get(i + 1).map_or("", |m| self.label(m));
            let protocol = expert_protocol(abbrev);
            s.push_str("{\"");
            push_underscored(s, protocol);
            s.push('_');
            push_underscored(s, abbrev);
            s.push_str("\":null,\"_ws_expert__ws_expert_message\":");
            push_json_string(s, message);
            s.push_str(&format!(
                ",\"_ws_expert__ws_expert_severity\":\"{severity}\",\"_ws_expert__ws_expert_group\":\"{group}\"}}"
            ));
            return;
        }
        match node.field.kind {
            Kind::Protocol => {
                s.push('{');
                let end = self.subtree_end(i, to);
                self.ek_object(s, i + 1, end, node.depth + 1);
                s.push('}');
            }
            Kind::Text if node.field.abbrev.is_empty() => push_json_string(s, self.label(node)),
            Kind::Text => s.push_str("null"),
            Kind::Bool => s.push_str(match node.value {
                Value::Bool(true) => "true",
                _ => "false",
            }),
            _ => match node.value {
                Value::AbsTime(ts) => push_json_string(s, &frame::iso_utc(ts)),
                Value::None => s.push_str("null"),
                ref value => {
                    let mut text = String::new();
                    write_json_value(&mut text, node.field, value, self.bytes(node));
                    push_json_string(s, &text);
                }
            },
        }
    }
}

/// The key a node is gathered under within its parent: its filter name, `text` for a text
/// line, `_ws.expert` for an expert entry.
fn group_key(node: &Node) -> &'static str {
    match node.value {
        Value::Expert { .. } => "_ws.expert",
        _ if node.field.abbrev.is_empty() => TEXT_KEY,
        _ => node.field.abbrev,
    }
}

/// The member name of a node, quoted: its filter name after the name of the protocol that
/// registers it (the first part of the filter name, but for IPv6's `ip.version`), dots made
/// underscores. (Filter names need no JSON escapes.)
fn push_ek_name(s: &mut String, node: &Node) {
    let abbrev = group_key(node);
    s.push('"');
    if !registered_alone(node.field) && !matches!(node.value, Value::Expert { .. }) {
        let protocol = if std::ptr::eq(node.field, &ip::V6_IP_VERSION) {
            "ipv6"
        } else if let Some(p) = SUB_PROTOCOLS
            .iter()
            .find(|p| abbrev.strip_prefix(**p).is_some_and(|r| r.starts_with('.')))
        {
            p
        } else {
            abbrev.split('.').next().unwrap_or_default()
        };
        push_underscored(s, protocol);
        s.push('_');
    }
    push_underscored(s, abbrev);
    s.push('"');
}

/// A field with no parent protocol in Wireshark's registry: a protocol, a text line, one
/// of TCP's or IPv4's options.
fn registered_alone(field: &Field) -> bool {
    field.kind == Kind::Protocol
        || field.abbrev.is_empty()
        || tcp_options::OPTION_PROTOCOLS
            .iter()
            .chain(&super::ip_options::OPTION_PROTOCOLS)
            .any(|f| std::ptr::eq(*f, field))
}

fn push_underscored(s: &mut String, name: &str) {
    s.extend(name.chars().map(|c| if c == '.' { '_' } else { c }));
}

/// The protocol that registers an expert entry: the first part of its filter name, the first
/// two for Wireshark's own (`_ws.malformed.expert`), or a dotted protocol's name.
fn expert_protocol(abbrev: &str) -> &str {
    if let Some(p) = SUB_PROTOCOLS
        .iter()
        .find(|p| abbrev.strip_prefix(**p).is_some_and(|r| r.starts_with('.')))
    {
        return p;
    }
    let parts = if abbrev.starts_with("_ws.") { 2 } else { 1 };
    let end = abbrev
        .match_indices('.')
        .nth(parts - 1)
        .map_or(abbrev.len(), |(i, _)| i);
    &abbrev[..end]
}
