//! `sniffer read FILE --html PAGE` and `sniff-demo --html PAGE`: one self-contained HTML page
//! (no network, its script and style inline) with Wireshark's three panes and, per TCP
//! stream, a ladder, four graphs and the checks and lab answers of `--explain`.
//!
//! - **Packet list**: the listing's columns, each end's TCP state, analysis tags marked. The
//!   list draws only the rows in view, so a file of a hundred thousand packets scrolls as
//!   smoothly as a greeting.
//! - **Packet details and bytes**: clicking a row (or moving to it with the arrow keys, Page
//!   Up and Down, Home and End) shows its field tree (the text of `-V`)
//!   and its bytes; clicking a field highlights the bytes it covers, as in Wireshark: in
//!   the frame's, or in the bytes its dissection made (a packet put back together from its
//!   fragments, an HTTP message from its segments, a de-chunked body), named in tabs.
//! - **Notes** (`sniff-demo --html`): what the scenario shows, as the demo prints it.
//! - **Per stream** (a selector picks it; selecting a packet picks its stream):
//!   - the checks and the lab's answers, as `--explain` writes them;
//!   - the ladder: the client's and the server's lines and one arrow per segment (the first
//!     [`LADDER_SEGMENTS`] in the script) labelled with its flags, Seq, Ack and Len; each
//!     end's state is written where it changes; hovering shows the Info line, clicking
//!     selects the packet;
//!   - the time-sequence graph as tcptrace draws it, for the direction that sent the most
//!     data: a vertical bar per data segment (resends, by sequence number, in red), the ACK
//!     line, the receive window's edge and the SACK blocks;
//!   - the RTT of each ACK (Wireshark's `tcp.analysis.ack_rtt`) with the smoothed RTT of
//!     RFC 6298; throughput over time; bytes in flight against the peer's window.
//!
//!   The graphs share one time axis: dragging across one zooms all of them, a double click
//!   goes back. A view with more segments than a graph has pixels draws them merged per
//!   pixel column, and sharpens as it is zoomed.
//!
//! `PAGE#packet=N` opens the page with frame N's row clicked, `PAGE#packet=N&field=K` with
//! line K of its details clicked too, and `&from=A&to=B` with the graphs zoomed to the
//! seconds from A to B; `&scroll=PART` scrolls to a part (`list`, `details`, `bytes`,
//! `checks`, `graphs`, `ladder`, `notes`) and `&only=PART` shows only that one.
//!
//! The page carries each packet's row as a compact JSON array, and its tree's lines (depth,
//! text, first byte, length) and bytes in gzip-compressed blocks of [`BLOCK`] packets that
//! the browser inflates when one of them is selected (compressed on a thread of their own
//! while the next block is filled). At most [`MAX_PACKETS`] packets go
//! in, and the page says when the file had more.

use std::io::{self, Write};

use base64::Engine;
use flate2::write::GzEncoder;
use serde_json::{json, Value};

use crate::timeline::Row;
use crate::tree::Tree;

/// Packets a page holds at most.
pub const MAX_PACKETS: usize = 250_000;

/// Packets whose details are compressed together.
pub const BLOCK: usize = 256;

/// Segments a ladder draws at most.
pub const LADDER_SEGMENTS: usize = 1000;

/// A page being filled, packet by packet.
pub struct Page {
    /// Each packet's row, as the array the script reads, joined by `,\n`.
    rows: String,
    kept: usize,
    /// Packets seen, kept or not.
    seen: u64,
    /// The block being filled: its packets' trees and their bytes, each as JSON.
    trees: Vec<String>,
    bytes: Vec<String>,
    /// The blocks done, compressed and in base64 by a thread of their own while the next
    /// block is filled; its handle gives them back.
    compressor: Option<Compressor>,
    /// Per TCP stream: what `--explain` says of it (compressed, in base64).
    streams: Vec<(u32, String)>,
    /// What the demo's scenario shows, in sentences (`sniff-demo --html`).
    notes: Vec<String>,
}

/// A thread that compresses the blocks it is sent, in order.
struct Compressor {
    blocks: std::sync::mpsc::Sender<String>,
    done: std::thread::JoinHandle<io::Result<Vec<String>>>,
}

impl Compressor {
    fn new() -> Compressor {
        let (blocks, received) = std::sync::mpsc::channel::<String>();
        let done = std::thread::spawn(move || {
            received
                .into_iter()
                .map(|json| packed(json.as_bytes()))
                .collect()
        });
        Compressor { blocks, done }
    }
}

impl Default for Page {
    fn default() -> Page {
        Page::new()
    }
}

/// `data` compressed with gzip, in base64: the browser inflates it with its
/// `DecompressionStream`.
fn packed(data: &[u8]) -> io::Result<String> {
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(data)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(gz.finish()?))
}

impl Page {
    pub fn new() -> Page {
        Page {
            rows: String::new(),
            kept: 0,
            seen: 0,
            trees: Vec::new(),
            bytes: Vec::new(),
            compressor: None,
            streams: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds a packet: its row, its tree (with its text) and its captured bytes.
    pub fn add(&mut self, row: &Row, tree: &Tree, bytes: &[u8]) -> io::Result<()> {
        self.seen += 1;
        if self.kept >= MAX_PACKETS {
            return Ok(());
        }
        if self.kept > 0 {
            self.rows.push_str(",\n");
        }
        let compact = compact_row(row, tree).map_err(io::Error::other)?;
        self.rows.push_str(&compact.to_string());
        let lines: Vec<(u8, String, usize, usize)> = tree
            .nodes
            .iter()
            .filter(|n| !n.hidden)
            .map(|n| {
                let label = tree.label(n);
                let text = match n.generated {
                    true => format!("[{label}]"),
                    false => label.to_owned(),
                };
                (n.depth, text, n.start, n.len)
            })
            .collect();
        self.trees
            .push(serde_json::to_string(&lines).map_err(io::Error::other)?);
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let sources = tree.sources();
        let all = bytes.len() + sources.iter().map(|(_, b)| b.len()).sum::<usize>();
        let mut hex = String::with_capacity(2 * all + 2);
        hex.push('"');
        for b in std::iter::once(bytes)
            .chain(sources.iter().map(|(_, b)| *b))
            .flatten()
        {
            hex.push(char::from(HEX[usize::from(b >> 4)]));
            hex.push(char::from(HEX[usize::from(b & 15)]));
        }
        hex.push('"');
        if sources.is_empty() {
            self.bytes.push(hex);
        } else {
            // The bytes the dissection made after the frame's (a reassembled message, a
            // de-chunked body), each named, as the tabs of Wireshark's bytes pane.
            let mut at = bytes.len();
            let mut named = vec![];
            for (name, b) in &sources {
                named.push(serde_json::json!([name, at, b.len()]));
                at += b.len();
            }
            self.bytes.push(format!(
                "[{hex},{},{}]",
                bytes.len(),
                serde_json::Value::from(named)
            ));
        }
        self.kept += 1;
        if self.kept % BLOCK == 0 {
            self.seal()?;
        }
        Ok(())
    }

    /// Compresses the block being filled: `[[tree, …], [bytes, …]]` (the trees together,
    /// and the bytes together, compress best).
    fn seal(&mut self) -> io::Result<()> {
        if self.trees.is_empty() {
            return Ok(());
        }
        let json = format!("[[{}],[{}]]", self.trees.join(","), self.bytes.join(","));
        let compressor = self.compressor.get_or_insert_with(Compressor::new);
        // Should the thread be gone, its error (or panic) is told when the page is written.
        let _ = compressor.blocks.send(json);
        self.trees.clear();
        self.bytes.clear();
        Ok(())
    }

    /// Adds what `--explain` says of TCP stream `stream`.
    pub fn add_stream(&mut self, stream: u32, explain: &str) -> io::Result<()> {
        self.streams.push((stream, packed(explain.as_bytes())?));
        Ok(())
    }

    /// Adds the notes of the demo's scenario, shown above the packet list.
    pub fn add_notes(&mut self, notes: &[String]) {
        self.notes.extend(notes.iter().cloned());
    }

    /// Packets seen, and packets the page holds.
    pub fn counts(&self) -> (u64, usize) {
        (self.seen, self.kept)
    }

    /// Writes the page, titled `title` (the capture's name). The rows and the script come
    /// first, so that the list is drawn while the browser still reads the details.
    pub fn write(&mut self, title: &str, out: &mut impl Write) -> io::Result<()> {
        self.seal()?;
        let blocks = match self.compressor.take() {
            Some(Compressor { blocks, done }) => {
                drop(blocks);
                done.join()
                    .map_err(|_| io::Error::other("the compressing thread failed"))??
            }
            None => Vec::new(),
        };
        let title = escape(title);
        let note = if self.seen > self.kept as u64 {
            format!("the first {} of {} packets", self.kept, self.seen)
        } else {
            format!("{} packets", self.kept)
        };
        let notes = match self.notes.is_empty() {
            true => String::new(),
            false => format!(
                "<section id=\"notes\" data-part=\"notes\"><ul>{}</ul></section>\n",
                self.notes
                    .iter()
                    .map(|n| format!("<li>{}</li>", escape(n)))
                    .collect::<String>()
            ),
        };
        let streams: serde_json::Map<String, Value> = self
            .streams
            .iter()
            .map(|(s, explain)| (s.to_string(), json!(explain)))
            .collect();
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
             <header><h1>{title}</h1><span id=\"count\">{note}</span>\
             <span id=\"timing\"></span></header>\n{notes}{BODY}<script>\n\
             const BLOCK = {BLOCK}, LADDER_SEGMENTS = {LADDER_SEGMENTS};\nconst ROWS = [\n"
        )?;
        // Inside a script element, `</` must not close it early.
        out.write_all(self.rows.replace("</", "<\\/").as_bytes())?;
        write!(out, "];\n{SCRIPT}</script>\n<script>\nready([\n")?;
        for (i, block) in blocks.iter().enumerate() {
            if i > 0 {
                out.write_all(b",\n")?;
            }
            write!(out, "\"{block}\"")?;
        }
        out.write_all(b"], ")?;
        out.write_all(
            serde_json::to_string(&streams)
                .map_err(io::Error::other)?
                .replace("</", "<\\/")
                .as_bytes(),
        )?;
        write!(out, ");\n</script>\n</body>\n</html>\n")
    }
}

/// A row as the script reads it: `[number, time, source, destination, protocol, length,
/// info, tcp]`, where `tcp` is 0 or `[stream, side (0: client to server), seq, ack (-1:
/// none), len, window, client state, server state, flags, tagged (0 or 1), ack RTT in
/// seconds (-1: none), bytes in flight (-1: none), SACK blocks (relative, or 0), source
/// port, destination port]`.
fn compact_row(row: &Row, tree: &Tree) -> serde_json::Result<Value> {
    let tcp = match &row.tcp {
        None => json!(0),
        Some(tcp) => {
            let v = serde_json::to_value(tcp)?;
            // A field's number, or -1 where the tree does not have it.
            let number = |name: &str| {
                tree.values(name)
                    .first()
                    .and_then(|v| v.parse::<f64>().ok())
                    .map_or(json!(-1), |x| json!(x))
            };
            let base = tcp.header.seq.0.wrapping_sub(tcp.view.numbers.seq);
            let sacks: Vec<(u32, u32)> = tcp
                .header
                .options
                .list
                .iter()
                .filter_map(|o| match o {
                    crate::tcp::TcpOption::Sack { blocks } => Some(blocks.iter()),
                    _ => None,
                })
                .flatten()
                .map(|(l, r)| (l.wrapping_sub(base), r.wrapping_sub(base)))
                .collect();
            let flags: Vec<&str> = v["flags"]
                .as_array()
                .map(|f| f.iter().filter_map(|f| f.as_str()).collect())
                .unwrap_or_default();
            json!([
                v["stream"],
                (v["side"] != "client_to_server") as u8,
                v["seq"],
                if v["ack"].is_null() {
                    json!(-1)
                } else {
                    v["ack"].clone()
                },
                v["len"],
                v["window"],
                v["client_state"],
                v["server_state"],
                flags.join(", "),
                v["tags"].as_array().is_some_and(|t| !t.is_empty()) as u8,
                number("tcp.analysis.ack_rtt"),
                number("tcp.analysis.bytes_in_flight"),
                if sacks.is_empty() {
                    json!(0)
                } else {
                    json!(sacks)
                },
                v["src_port"],
                v["dst_port"],
            ])
        }
    };
    Ok(json!([
        row.number,
        row.time,
        row.source,
        row.destination,
        row.protocol,
        row.length,
        row.info,
        tcp
    ]))
}

/// `text` safe inside HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = r##"
body { font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #222; }
header { padding: 6px 12px; background: #f3f3f3; border-bottom: 1px solid #ccc; }
h1 { font-size: 15px; margin: 0; display: inline; } header span { margin-left: 1em; color: #555; }
main { display: grid; grid-template-columns: 1fr 1fr; gap: 6px; padding: 6px; }
#list:focus { outline: 2px solid #3875d7; outline-offset: -2px; }
#list { grid-column: 1 / 3; height: 40vh; overflow: auto; border: 1px solid #ccc; font: 12px ui-monospace, monospace; }
.r { display: grid; grid-template-columns: 8ch 11ch 17ch 17ch 10ch 8ch 14ch 14ch auto; height: 18px; line-height: 18px; white-space: nowrap; }
.r span { padding: 0 6px; overflow: hidden; text-overflow: ellipsis; }
.r.head { position: sticky; top: 0; z-index: 1; background: #e8e8e8; font-weight: bold; }
#spacer { position: relative; } #rows { position: absolute; left: 0; right: 0; }
.pkt { cursor: pointer; } .pkt:hover { background: #eef5ff; }
.pkt.selected { background: #3875d7; color: #fff; }
.tagged .info { color: #b00; } .pkt.selected.tagged .info { color: #fdd; }
.state { color: #075; } .selected .state { color: #cfe; }
#details, #bytes { border: 1px solid #ccc; overflow: auto; max-height: 45vh; min-height: 8em; }
pre { margin: 0; padding: 4px 6px; font: 12px ui-monospace, monospace; }
#tree span { cursor: pointer; display: block; } #tree span:hover { background: #eef5ff; }
#tree span.selected { background: #3875d7; color: #fff; }
#hex b { background: #3875d7; color: #fff; font-weight: normal; }
#stream { grid-column: 1 / 3; }
#stream h2 { font-size: 14px; margin: 10px 0 4px; } #stream h3 { font-size: 13px; margin: 12px 0 2px; }
#explain b.ok { color: #080; } #explain b.bad { color: #c00; }
#explain { white-space: pre-wrap; border: 1px solid #ddd; background: #fafafa; max-height: 40vh; overflow: auto; }
#ladder { max-height: 70vh; overflow: auto; border: 1px solid #ddd; }
.hint { color: #666; margin: 4px 0; }
#notes { margin: 6px 6px 0; padding: 4px 10px; border: 1px solid #cde; background: #f4f8fc; } #notes ul { margin: 0; padding-left: 1.2em; }
svg text { font: 11px ui-monospace, monospace; }
svg .seg { cursor: pointer; } svg .seg:hover line, svg .seg.current line { stroke: #3875d7; stroke-width: 2; }
svg.graph { user-select: none; cursor: crosshair; }
"##;

const BODY: &str = r##"<main>
<section id="list" data-part="list"><div class="r head"><span>No.</span><span>Time</span><span>Source</span><span>Destination</span><span>Protocol</span><span>Length</span><span>Client</span><span>Server</span><span>Info</span></div><div id="spacer"><div id="rows"></div></div></section>
<section id="details" data-part="details"><pre id="tree"></pre></section>
<section id="bytes" data-part="bytes"><pre id="hex"></pre></section>
<section id="stream" hidden><h2>TCP stream <select id="pick"></select></h2>
<div data-part="checks"><h3>Checks and lab answers</h3><pre id="explain"></pre></div>
<div data-part="graphs"><h3>Graphs</h3><p class="hint">Drag across a graph to zoom in on those seconds; double-click to see them all again.</p><div id="graphs"></div></div>
<div data-part="ladder"><h3>Ladder</h3><div id="ladder"></div></div>
</section>
</main>
"##;

const SCRIPT: &str = r##"
"use strict";
const NS = "http://www.w3.org/2000/svg";
function el(name, attrs, parent) { const e = document.createElementNS(NS, name); for (const k in attrs) e.setAttribute(k, attrs[k]); if (parent) parent.appendChild(e); return e; }
function h(name, text, parent, cls) { const e = document.createElement(name); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; if (parent) parent.appendChild(e); return e; }
// A row's fields, and its TCP fields.
const NUM = 0, TIME = 1, SRC = 2, DST = 3, PROTO = 4, LEN = 5, INFO = 6, TCP = 7;
const STREAM = 0, SIDE = 1, SEQ = 2, ACK = 3, TLEN = 4, WIN = 5, CSTATE = 6, SSTATE = 7, FLAGS = 8, TAGGED = 9, RTT = 10, FLIGHT = 11, SACK = 12, SPORT = 13, DPORT = 14;
const time = r => parseFloat(r[TIME]);

// The list draws only the rows in view.
const list = document.getElementById("list"), rowsEl = document.getElementById("rows");
const RH = 18;
document.getElementById("spacer").style.height = ROWS.length * RH + "px";
// A short list takes only the height of its rows.
list.style.maxHeight = (ROWS.length + 1) * RH + 20 + "px";
let current = -1;
function drawList() {
  const first = Math.max(0, Math.floor(list.scrollTop / RH) - 5);
  const last = Math.min(ROWS.length, first + Math.ceil(list.clientHeight / RH) + 10);
  rowsEl.style.top = first * RH + "px";
  rowsEl.textContent = "";
  for (let i = first; i < last; i++) {
    const r = ROWS[i], t = r[TCP];
    const d = h("div", undefined, rowsEl, "r pkt" + (t && t[TAGGED] ? " tagged" : "") + (i === current ? " selected" : ""));
    d.dataset.index = i; d.dataset.number = r[NUM];
    h("span", r[NUM], d); h("span", r[TIME], d); h("span", r[SRC], d); h("span", r[DST], d);
    h("span", r[PROTO], d); h("span", r[LEN], d);
    h("span", t ? t[CSTATE] : "", d, "state"); h("span", t ? t[SSTATE] : "", d, "state");
    h("span", r[INFO], d, "info").title = r[INFO];
    d.addEventListener("click", () => { selecting = select(i); });
  }
}
let pending = false, selecting = Promise.resolve();
list.addEventListener("scroll", () => { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; drawList(); }); } });
window.addEventListener("resize", drawList);
// The keyboard moves the selection as in Wireshark's list: arrows, Page Up and Down, Home, End.
list.tabIndex = 0;
list.addEventListener("keydown", e => {
  const page = Math.max(1, Math.floor(list.clientHeight / RH) - 1);
  const to = { ArrowDown: current + 1, ArrowUp: current - 1, PageDown: current + page, PageUp: current - page, Home: 0, End: ROWS.length - 1 }[e.key];
  if (to === undefined || !ROWS.length) return;
  e.preventDefault();
  selecting = select(Math.max(0, Math.min(ROWS.length - 1, to)));
});
// Scrolls row i into view.
function reveal(i) {
  const top = (i + 1) * RH;
  if (top - RH < list.scrollTop + RH || top > list.scrollTop + list.clientHeight) list.scrollTop = Math.max(0, top - list.clientHeight / 2);
  drawList();
}

// The second script brings each packet's details, in compressed blocks inflated when one
// of their packets is selected, and each stream's checks, compressed too.
let DETAILS = [], STREAMS = {}, loaded;
const details_loaded = new Promise(resolve => { loaded = resolve; });
function ready(details, streams) { DETAILS = details; STREAMS = streams; loaded(); }
function inflate(b64) {
  const bin = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  return new Response(new Blob([bin]).stream().pipeThrough(new DecompressionStream("gzip")));
}
const inflated = new Map();
async function details(i) {
  await details_loaded;
  const b = Math.floor(i / BLOCK);
  if (!inflated.has(b)) {
    if (inflated.size >= 32) inflated.delete(inflated.keys().next().value);
    inflated.set(b, inflate(DETAILS[b]).json());
  }
  const [trees, bytes] = await inflated.get(b);
  return [trees[i % BLOCK], bytes[i % BLOCK]];
}
async function select(i) {
  current = i;
  reveal(i);
  const t = ROWS[i][TCP];
  if (t && t[STREAM] !== shown) showStream(t[STREAM]);
  document.querySelectorAll("svg .seg").forEach(g => g.classList.toggle("current", Number(g.dataset.index) === i));
  const [lines, hex] = await details(i);
  if (current !== i) return;
  const tree = document.getElementById("tree");
  tree.textContent = "";
  lines.forEach(([depth, text, start, len]) => {
    const s = h("span", "    ".repeat(depth) + text, tree);
    s.addEventListener("click", () => {
      tree.querySelectorAll("span.selected").forEach(e => e.classList.remove("selected"));
      s.classList.add("selected"); showBytes(hex, start, len);
    });
  });
  showBytes(hex, 0, 0);
  document.body.dataset.shown = ROWS[i][NUM];
}
function printable(b) { return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : "."; }
function esc(t) { return t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }
// A packet's bytes: the frame's, then (for a packet whose dissection made more: a reassembled
// message, a de-chunked body) those, each named; shown one at a time, as Wireshark's tabs.
function sourcesOf(bytes) {
  if (typeof bytes === "string") return [bytes, []];
  const [hex, frameLen, named] = bytes;
  return [hex, [["Frame", 0, frameLen], ...named]];
}
function showBytes(bytes, start, len) {
  const [all, sources] = sourcesOf(bytes);
  let hex = all, base = 0, tabs = "";
  if (sources.length > 0) {
    // The source that holds the field, or the frame.
    const [, at, n] = sources.find(([, at, n]) => len > 0 && start >= at && start < at + n) || sources[0];
    hex = all.substr(2 * at, 2 * n); base = at;
    tabs = sources.map(([name, a, m]) => (a === at ? "<u>" : "") + esc(name) + " (" + m + " byte" + (m === 1 ? "" : "s") + ")" + (a === at ? "</u>" : "")).join("  |  ") + "\n";
  }
  start -= base;
  const n = hex.length / 2, out = [];
  const on = k => len > 0 && k >= start && k < start + len;
  for (let off = 0; off < n; off += 16) {
    let a = "", x = "";
    for (let k = off; k < off + 16; k++) {
      if (k < n) {
        const b = hex.substr(2 * k, 2), c = esc(printable(parseInt(b, 16)));
        a += (on(k) ? "<b>" + b + "</b>" : b) + " "; x += on(k) ? "<b>" + c + "</b>" : c;
      } else { a += "   "; }
      if (k === off + 7) a += " ";
    }
    out.push(off.toString(16).padStart(4, "0") + "  " + a + " " + x);
  }
  document.getElementById("hex").innerHTML = tabs + out.join("\n");
}

// TCP streams: a selector, and for the one shown its checks, ladder and graphs.
const byStream = new Map();
ROWS.forEach((r, i) => { const t = r[TCP]; if (!t) return; let l = byStream.get(t[STREAM]); if (!l) byStream.set(t[STREAM], l = []); l.push(i); });
// A stream's client and server, from its first packet.
function ends(s) {
  const r = ROWS[byStream.get(s)[0]], t = r[TCP];
  const end = (addr, port) => (addr.includes(":") ? "[" + addr + "]" : addr) + ":" + port;
  const a = end(r[SRC], t[SPORT]), b = end(r[DST], t[DPORT]);
  return t[SIDE] ? [b, a] : [a, b];
}
const pick = document.getElementById("pick");
for (const [s, l] of byStream) { const o = h("option", s + ": client " + ends(s).join(" \u2192 server ") + " (" + l.length + " packets)", pick); o.value = s; }
pick.addEventListener("change", () => showStream(Number(pick.value)));
if (byStream.size) document.getElementById("stream").hidden = false;
let shown = null, whole = [0, 1];
function showStream(s, from, to) {
  if (!byStream.has(s)) return;
  shown = s; pick.value = s;
  const explain = document.getElementById("explain");
  explain.textContent = "";
  details_loaded.then(() => (STREAMS[s] ? inflate(STREAMS[s]).text() : "")).then(text => {
    // Each check's mark coloured: passed in green, failed in red.
    if (shown === s) explain.innerHTML = esc(text).replace(/\u2713/g, '<b class="ok">\u2713</b>').replace(/\u2717/g, '<b class="bad">\u2717</b>');
  });
  drawLadder(s);
  const l = byStream.get(s), t0 = time(ROWS[l[0]]);
  whole = [t0, Math.max(time(ROWS[l[l.length - 1]]), t0 + 1e-6)];
  drawGraphs(s, from === undefined ? whole[0] : from, to === undefined ? whole[1] : to);
}

// The ladder: the client's line left, the server's right, an arrow per segment.
function drawLadder(s) {
  const box = document.getElementById("ladder"), all = byStream.get(s), segs = all.slice(0, LADDER_SEGMENTS), [client, server] = ends(s);
  box.textContent = "";
  if (all.length > segs.length) h("p", "The first " + segs.length + " of " + all.length + " segments.", box, "hint");
  const step = 34, top = 40, left = 170, right = 570;
  const svg = el("svg", { width: 900, height: top + step * segs.length + 20, class: "ladder", "data-stream": s }, box);
  el("text", { x: left, y: 16, "text-anchor": "middle" }, svg).textContent = "client " + client;
  el("text", { x: right, y: 16, "text-anchor": "middle" }, svg).textContent = "server " + server;
  el("line", { x1: left, y1: 24, x2: left, y2: top + step * segs.length, stroke: "#555" }, svg);
  el("line", { x1: right, y1: 24, x2: right, y2: top + step * segs.length, stroke: "#555" }, svg);
  const states = ["", ""];
  segs.forEach((i, k) => {
    const r = ROWS[i], t = r[TCP], fromClient = t[SIDE] === 0, colour = t[TAGGED] ? "#b00" : "#333";
    const y = top + step * k, x1 = fromClient ? left : right, x2 = fromClient ? right : left;
    const g = el("g", { class: "seg" + (i === current ? " current" : ""), "data-index": i }, svg);
    el("title", {}, g).textContent = r[NUM] + ": " + r[INFO];
    el("line", { x1, y1: y, x2, y2: y + step * 0.6, stroke: colour, "stroke-width": 1.2 }, g);
    el("path", { d: `M${x2} ${y + step * 0.6} l${fromClient ? -8 : 8} -3 l0 6 z`, fill: colour }, g);
    const label = r[NUM] + ": [" + t[FLAGS] + "] Seq=" + t[SEQ] + (t[ACK] >= 0 ? " Ack=" + t[ACK] : "") + " Len=" + t[TLEN];
    el("text", { x: (left + right) / 2, y: y + step * 0.3 - 4, "text-anchor": "middle" }, g).textContent = label;
    g.addEventListener("click", () => { selecting = select(i); });
    if (t[CSTATE] !== states[0]) { el("text", { x: left - 8, y: y + step * 0.6 + 4, "text-anchor": "end", fill: "#075", class: "state" }, svg).textContent = t[CSTATE]; states[0] = t[CSTATE]; }
    if (t[SSTATE] !== states[1]) { el("text", { x: right + 8, y: y + step * 0.6 + 4, fill: "#075", class: "state" }, svg).textContent = t[SSTATE]; states[1] = t[SSTATE]; }
  });
}

// The graphs of the direction that sent the most data, over the seconds a to b.
const W = 900, H = 300, L = 90, R = 20, T = 14, B = 46, PLOT = W - L - R;
// Items a graph draws one by one at most; beyond, they are merged per pixel column.
const MOST = 4 * PLOT;
// A round step (1, 2 or 5 times a power of ten) that cuts `span` in about `n` parts.
function nice(span, n) {
  const raw = span / n, ten = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / ten;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * ten;
}
// An empty graph with its axes: x in seconds from a to b, y from 0 to about y1 (rounded up
// to a tick) in `unit`, its ticks written by `fmt`.
function graph(box, title, cls, s, a, b, y1, unit, fmt) {
  h("h3", title, box);
  const svg = el("svg", { width: W, height: H, class: "graph " + cls, "data-stream": s, "data-from": a, "data-to": b }, box);
  const ystep = nice(y1, 4), top = Math.ceil(y1 / ystep) * ystep;
  const X = v => L + (v - a) / (b - a) * PLOT, Y = v => H - B - v / top * (H - T - B);
  el("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#555" }, svg);
  el("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "#555" }, svg);
  const xstep = nice(b - a, 6), digits = Math.max(0, -Math.floor(Math.log10(xstep) + 1e-9));
  for (let v = Math.ceil(a / xstep) * xstep; v <= b + xstep * 1e-6; v += xstep) {
    el("line", { x1: X(v), y1: H - B, x2: X(v), y2: H - B + 4, stroke: "#555" }, svg);
    el("text", { x: X(v), y: H - B + 16, "text-anchor": "middle" }, svg).textContent = v.toFixed(digits);
  }
  for (let w = 0; w <= top + ystep * 1e-6; w += ystep) {
    el("line", { x1: L - 4, y1: Y(w), x2: L, y2: Y(w), stroke: "#555" }, svg);
    el("text", { x: L - 6, y: Y(w) + 4, "text-anchor": "end" }, svg).textContent = fmt(w);
  }
  el("text", { x: (L + W - R) / 2, y: H - 8, "text-anchor": "middle" }, svg).textContent = "time (s)";
  el("text", { x: 14, y: (T + H - B) / 2, transform: `rotate(-90 14 ${(T + H - B) / 2})`, "text-anchor": "middle" }, svg).textContent = unit;
  // Dragging across the graph zooms in on those seconds, a double click shows them all.
  const band = el("rect", { y: T, height: H - T - B, width: 0, fill: "#3875d7", opacity: 0.2 }, svg);
  let from = null;
  const at = e => e.clientX - svg.getBoundingClientRect().left;
  svg.addEventListener("mousedown", e => { from = at(e); band.setAttribute("x", from); band.setAttribute("width", 0); });
  svg.addEventListener("mousemove", e => { if (from !== null) { const x = at(e); band.setAttribute("x", Math.min(x, from)); band.setAttribute("width", Math.abs(x - from)); } });
  svg.addEventListener("mouseup", e => {
    const x = at(e), lo = Math.max(L, Math.min(x, from)), hi = Math.min(W - R, Math.max(x, from));
    from = null; band.setAttribute("width", 0);
    if (hi - lo > 4) drawGraphs(s, a + (lo - L) / PLOT * (b - a), a + (hi - L) / PLOT * (b - a));
  });
  svg.addEventListener("dblclick", () => drawGraphs(s, whole[0], whole[1]));
  return { svg, X, Y };
}
// Items merged per pixel column when there are more than the graph has pixels: each
// column's lowest and highest value, and whether any item in it was marked.
function perColumn(items, x, lo, hi, mark) {
  const cols = new Map();
  items.forEach(it => {
    const c = Math.round(x(it)), m = cols.get(c);
    if (!m) cols.set(c, { x: c, lo: lo(it), hi: hi(it), mark: mark(it), n: 1 });
    else { m.lo = Math.min(m.lo, lo(it)); m.hi = Math.max(m.hi, hi(it)); m.mark = m.mark || mark(it); m.n++; }
  });
  return [...cols.values()];
}
// A step line through points [x, y], one point per pixel column at most.
function steps(points) {
  const kept = [];
  points.forEach(([x, y]) => { if (kept.length && Math.round(kept[kept.length - 1][0]) === Math.round(x)) kept[kept.length - 1] = [x, y]; else kept.push([x, y]); });
  return kept.map(([x, y], k) => (k ? "H" + x.toFixed(1) + "V" + y.toFixed(1) : "M" + x.toFixed(1) + " " + y.toFixed(1))).join("");
}
const bytes = v => Math.round(v).toString(), ms = v => +v.toPrecision(6) + "", mbit = ms;
function drawGraphs(s, a, b) {
  const box = document.getElementById("graphs");
  box.textContent = "";
  const rows = byStream.get(s).map(i => ROWS[i]), sent = [0, 0];
  rows.forEach(r => { sent[r[TCP][SIDE]] += r[TCP][TLEN]; });
  const side = sent[0] >= sent[1] ? 0 : 1, dir = side ? "server to client" : "client to server";
  const data = rows.filter(r => r[TCP][SIDE] === side && r[TCP][TLEN] > 0);
  if (!data.length) { h("p", "No data in this stream.", box, "hint"); return; }
  const acks = rows.filter(r => r[TCP][SIDE] !== side && r[TCP][ACK] >= 0);
  let highest = 0;
  const resent = new Set();
  data.forEach(r => { const t = r[TCP]; if (t[SEQ] < highest) resent.add(r); highest = Math.max(highest, t[SEQ] + t[TLEN]); });
  const inView = r => { const x = time(r); return x >= a && x <= b; };
  const dv = data.filter(inView), av = acks.filter(inView);
  const zoomed = a > whole[0] || b < whole[1];
  h("p", (zoomed ? "Zoomed: " : "") + a.toFixed(6) + " s to " + b.toFixed(6) + " s, " + dv.length + " of " + data.length + " data segments " + dir + ".", box, "hint").id = "view";

  // Time-sequence graph (tcptrace): bars, ACK line, window edge, SACK blocks.
  let top = 1;
  dv.forEach(r => { top = Math.max(top, r[TCP][SEQ] + r[TCP][TLEN]); });
  // Zoomed in, the window's edge may run off the top: the segments and ACKs set the scale.
  av.forEach(r => { top = Math.max(top, r[TCP][ACK] + (zoomed ? 0 : r[TCP][WIN])); });
  let lowest = top;
  dv.forEach(r => { lowest = Math.min(lowest, r[TCP][SEQ]); });
  av.forEach(r => { lowest = Math.min(lowest, r[TCP][ACK]); });
  lowest = zoomed ? Math.floor(lowest / nice(top - lowest + 1, 4)) * nice(top - lowest + 1, 4) : 0;
  const g = graph(box, "Time-sequence graph (tcptrace), " + dir, "tsg", s, a, b, top - lowest, "sequence number (bytes)", v => bytes(v + lowest));
  const Ys = v => g.Y(v - lowest);
  if (av.length) {
    el("path", { d: steps(av.map(r => [g.X(time(r)), Ys(r[TCP][ACK])])), fill: "none", stroke: "#090", class: "acks" }, g.svg);
    el("path", { d: steps(av.map(r => [g.X(time(r)), Math.max(T, Ys(r[TCP][ACK] + r[TCP][WIN]))])), fill: "none", stroke: "#c90", class: "window" }, g.svg);
  }
  const sacks = [];
  av.forEach(r => { if (r[TCP][SACK]) r[TCP][SACK].forEach(([lo, hi]) => sacks.push([time(r), lo, hi])); });
  const sackCols = sacks.length > MOST ? perColumn(sacks, q => g.X(q[0]), q => q[1], q => q[2], () => false) : sacks.map(q => ({ x: g.X(q[0]), lo: q[1], hi: q[2] }));
  sackCols.forEach(c => el("line", { x1: c.x, y1: Ys(c.lo), x2: c.x, y2: Ys(c.hi), stroke: "#66f", "stroke-width": 3, class: "sack" }, g.svg));
  if (dv.length > MOST) {
    perColumn(dv, r => g.X(time(r)), r => r[TCP][SEQ], r => r[TCP][SEQ] + r[TCP][TLEN], r => resent.has(r)).forEach(c => {
      const bar = el("line", { x1: c.x, y1: Ys(c.lo), x2: c.x, y2: Ys(c.hi), stroke: c.mark ? "#d00" : "#000", "stroke-width": 1, class: c.mark ? "bar merged resent" : "bar merged" }, g.svg);
      el("title", {}, bar).textContent = c.n + " segments";
    });
  } else {
    dv.forEach(r => {
      const t = r[TCP], x = g.X(time(r)), again = resent.has(r);
      const bar = el("line", { x1: x, y1: Ys(t[SEQ]), x2: x, y2: Ys(t[SEQ] + t[TLEN]), stroke: again ? "#d00" : "#000", "stroke-width": 1.5, class: again ? "bar resent" : "bar" }, g.svg);
      el("title", {}, bar).textContent = r[NUM] + ": " + r[INFO];
    });
  }

  // RTT: each ACK's (tcp.analysis.ack_rtt), and the smoothed RTT of RFC 6298 (alpha 1/8).
  const samples = acks.filter(r => r[TCP][RTT] >= 0);
  let srtt = null;
  const smoothed = samples.map(r => { const v = r[TCP][RTT] * 1000; srtt = srtt === null ? v : srtt + (v - srtt) / 8; return [r, srtt]; }).filter(([r]) => inView(r));
  const sv = samples.filter(inView);
  let rttTop = 1e-3;
  sv.forEach(r => { rttTop = Math.max(rttTop, r[TCP][RTT] * 1000 * 1.1); });
  const rg = graph(box, "Round-trip time, " + dir + " (each ACK, and the smoothed RTT)", "rtt", s, a, b, rttTop, "RTT (ms)", ms);
  const dots = sv.length > MOST ? perColumn(sv, r => rg.X(time(r)), r => r[TCP][RTT] * 1000, r => r[TCP][RTT] * 1000, () => false).flatMap(c => [[c.x, c.lo], [c.x, c.hi]]) : sv.map(r => [rg.X(time(r)), r[TCP][RTT] * 1000]);
  dots.forEach(([x, v]) => el("circle", { cx: x, cy: rg.Y(v), r: 2, fill: "#36c", class: "sample" }, rg.svg));
  if (smoothed.length) el("path", { d: steps(smoothed.map(([r, v]) => [rg.X(time(r)), rg.Y(v)])), fill: "none", stroke: "#c30", class: "srtt" }, rg.svg);

  // Throughput: the bytes sent in each of 100 intervals.
  const bins = new Array(100).fill(0), width = (b - a) / 100;
  dv.forEach(r => { bins[Math.min(99, Math.floor((time(r) - a) / width))] += r[TCP][TLEN]; });
  const rates = bins.map(v => v * 8 / width / 1e6);
  const tg = graph(box, "Throughput, " + dir + " (bytes sent per 1/100 of the view)", "throughput", s, a, b, Math.max(1e-6, ...rates) * 1.1, "Mbit/s", mbit);
  const rate = "M" + tg.X(a) + " " + tg.Y(rates[0]) + rates.slice(1).map((v, k) => "H" + tg.X(a + (k + 1) * width).toFixed(1) + "V" + tg.Y(v).toFixed(1)).join("") + "H" + tg.X(b);
  el("path", { d: rate, fill: "none", stroke: "#36c", class: "rate" }, tg.svg);

  // Bytes in flight (tcp.analysis.bytes_in_flight) against the window the peer offered.
  const fv = dv.filter(r => r[TCP][FLIGHT] >= 0);
  let flightTop = 1;
  fv.forEach(r => { flightTop = Math.max(flightTop, r[TCP][FLIGHT]); });
  av.forEach(r => { flightTop = Math.max(flightTop, r[TCP][WIN]); });
  const fg = graph(box, "Bytes in flight, " + dir + ", and the receiver's window", "flight", s, a, b, flightTop * 1.05, "bytes", bytes);
  if (av.length) el("path", { d: steps(av.map(r => [fg.X(time(r)), fg.Y(r[TCP][WIN])])), fill: "none", stroke: "#c90", class: "rwnd" }, fg.svg);
  const fdots = fv.length > MOST ? perColumn(fv, r => fg.X(time(r)), r => r[TCP][FLIGHT], r => r[TCP][FLIGHT], () => false).flatMap(c => [[c.x, c.lo], [c.x, c.hi]]) : fv.map(r => [fg.X(time(r)), r[TCP][FLIGHT]]);
  fdots.forEach(([x, v]) => el("circle", { cx: x, cy: fg.Y(v), r: 2, fill: "#000", class: "inflight" }, fg.svg));
}

// The address says what to show, as a reader's clicks would: `#packet=N` opens with frame
// N's row clicked, `&keys=K1,K2` then presses those keys in the list, `&field=K` clicks
// line K of its details, `&stream=S` picks stream S, `&from=A&to=B` zooms the graphs to
// those seconds, `&drag=X1-X2` and `&dblclick` drag across and double-click the
// time-sequence graph, `&scroll=PART` scrolls to that part.
const asked = new URLSearchParams(location.hash.slice(1));
const timing = document.getElementById("timing");
// `&only=PART` shows only that part (`list`, `details`, `bytes`, `checks`, `graphs`, `ladder`, `notes`).
if (asked.has("only")) document.querySelectorAll("[data-part]").forEach(p => { p.hidden = p.dataset.part !== asked.get("only"); });
if (ROWS.length) {
  const n = Number(asked.get("packet") || ROWS[0][NUM]);
  const i = Math.max(0, ROWS.findIndex(r => r[NUM] === n));
  reveal(i);
  const row = rowsEl.querySelector(`[data-index="${i}"]`);
  if (row) row.click();
  // `&stream=S`: stream S picked in the selector.
  if (asked.has("stream")) { pick.value = asked.get("stream"); pick.dispatchEvent(new Event("change")); }
  if (asked.has("from") || asked.has("to")) showStream(shown, Number(asked.get("from") || whole[0]), Number(asked.get("to") || whole[1]));
  // `&drag=X1-X2`: the mouse dragged across the time-sequence graph from X1 to X2 pixels of
  // it; `&dblclick`: then a double click on it.
  const mouse = (type, x) => { const g = document.querySelector("svg.tsg"); if (g) g.dispatchEvent(new MouseEvent(type, { bubbles: true, clientX: g.getBoundingClientRect().left + x })); };
  const drag = /^(\d+)-(\d+)$/.exec(asked.get("drag") || "");
  if (drag) { mouse("mousedown", Number(drag[1])); mouse("mousemove", Number(drag[2])); mouse("mouseup", Number(drag[2])); }
  if (asked.has("dblclick")) mouse("dblclick", L + 1);
  const field = asked.get("field");
  // `&keys=ArrowDown,End…`: those keys pressed in the list, one after another.
  for (const key of (asked.get("keys") || "").split(",").filter(k => k)) {
    selecting = selecting.then(() => { list.dispatchEvent(new KeyboardEvent("keydown", { key })); return selecting; });
  }
  selecting.then(() => {
    const line = field !== null && document.getElementById("tree").children[Number(field)];
    if (line) line.click();
    const part = asked.get("scroll") && document.querySelector(`[data-part="${asked.get("scroll")}"]`);
    if (part) part.scrollIntoView();
  });
} else {
  drawList();
}
// How long after the page began to load its rows were drawn.
const drawn = Math.round(performance.now());
timing.textContent = "shown in " + drawn + " ms";
timing.dataset.ms = drawn;
"##;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_holds_at_most_max_packets_and_says_how_many_there_were() {
        let mut page = Page::new();
        let (row, tree) = (Row::empty(), Tree::default());
        for _ in 0..MAX_PACKETS + 5 {
            page.add(&row, &tree, b"\x01\x02").expect("add");
        }
        assert_eq!(page.counts(), (MAX_PACKETS as u64 + 5, MAX_PACKETS));
        let mut out = Vec::new();
        page.write("many.pcap", &mut out).expect("write");
        let html = String::from_utf8(out).expect("UTF-8");
        assert!(html.contains(&format!(
            "<span id=\"count\">the first {MAX_PACKETS} of {} packets</span>",
            MAX_PACKETS + 5
        )));
        // One compressed block per BLOCK packets kept.
        let blocks = html[html.find("<script>\nready([").expect("details")..]
            .matches("\"H4sI")
            .count();
        assert_eq!(blocks, MAX_PACKETS.div_ceil(BLOCK));
    }
}
