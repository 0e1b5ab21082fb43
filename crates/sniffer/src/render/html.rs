//! `sniffer read FILE --html PAGE`: one self-contained HTML page (no network, its script and
//! style inline) with Wireshark's three panes and a ladder per TCP conversation.
//!
//! - **Packet list**: the listing's columns, each end's TCP state, analysis tags marked.
//! - **Packet details and bytes**: clicking a row shows its field tree (the text of `-V`)
//!   and its bytes; clicking a field highlights the bytes it covers, as in Wireshark.
//! - **Ladder**: per TCP stream, the client's and the server's lines and one arrow per
//!   segment labelled with its flags, Seq, Ack and Len; each end's state is written where
//!   it changes. Hovering over an arrow shows the Info line, clicking it selects the packet.
//!
//! `PAGE#packet=N` opens the page with frame N selected, `PAGE#packet=N&field=K` with line K
//! of its details selected too (as clicks would).
//!
//! The page carries each packet as JSON: its row as `--format json` writes it, its tree's
//! lines (depth, text, first byte, length) and its bytes in hex. The script builds the panes
//! from that. At most [`MAX_PACKETS`] packets go in, and the page says when the file had
//! more.

use std::io::{self, Write};

use crate::timeline::Row;
use crate::tree::Tree;

/// Packets a page holds at most (their trees and bytes are all in it).
pub const MAX_PACKETS: usize = 20_000;

/// A page being filled, packet by packet.
#[derive(Default)]
pub struct Page {
    /// Each packet, already as the JSON object the script reads.
    packets: Vec<String>,
    /// Packets seen, kept or not.
    seen: u64,
}

impl Page {
    pub fn new() -> Page {
        Page::default()
    }

    /// Adds a packet: its row, its tree (with its text) and its captured bytes.
    pub fn add(&mut self, row: &Row, tree: &Tree, bytes: &[u8]) -> serde_json::Result<()> {
        self.seen += 1;
        if self.packets.len() >= MAX_PACKETS {
            return Ok(());
        }
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
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let packet = serde_json::json!({
            "row": row,
            "tree": lines,
            "bytes": hex,
        });
        self.packets.push(serde_json::to_string(&packet)?);
        Ok(())
    }

    /// Packets seen, and packets the page holds.
    pub fn counts(&self) -> (u64, usize) {
        (self.seen, self.packets.len())
    }

    /// Writes the page, titled `title` (the capture's name).
    pub fn write(&self, title: &str, out: &mut impl Write) -> io::Result<()> {
        let title = escape(title);
        let note = if self.seen > self.packets.len() as u64 {
            format!("the first {} of {} packets", self.packets.len(), self.seen)
        } else {
            format!("{} packets", self.packets.len())
        };
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
             <header><h1>{title}</h1><p id=\"count\">{note}</p></header>\n\
             <main>\n<section id=\"list\"><table><thead><tr><th>No.</th><th>Time</th>\
             <th>Source</th><th>Destination</th><th>Protocol</th><th>Length</th>\
             <th>Client</th><th>Server</th><th>Info</th></tr></thead><tbody></tbody></table>\
             </section>\n<section id=\"details\"><pre id=\"tree\"></pre></section>\n\
             <section id=\"bytes\"><pre id=\"hex\"></pre></section>\n\
             <section id=\"ladders\"></section>\n</main>\n<script>\nconst PACKETS = ["
        )?;
        for (i, packet) in self.packets.iter().enumerate() {
            if i > 0 {
                out.write_all(b",\n")?;
            }
            // Inside a script element, `</` must not close it early.
            out.write_all(packet.replace("</", "<\\/").as_bytes())?;
        }
        write!(out, "];\n{SCRIPT}</script>\n</body>\n</html>\n")
    }
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
h1 { font-size: 15px; margin: 0; display: inline; } #count { display: inline; margin-left: 1em; color: #555; }
main { display: grid; grid-template-columns: 1fr 1fr; grid-template-rows: 40vh auto auto; gap: 6px; padding: 6px; }
#list { grid-column: 1 / 3; overflow: auto; border: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; font: 12px ui-monospace, monospace; }
th { position: sticky; top: 0; background: #e8e8e8; text-align: left; padding: 2px 6px; }
td { padding: 1px 6px; white-space: nowrap; }
tr.pkt { cursor: pointer; } tr.pkt:hover { background: #eef5ff; }
tr.pkt.selected { background: #3875d7; color: #fff; }
tr.tagged td.info { color: #b00; } tr.pkt.selected.tagged td.info { color: #fdd; }
td.state { color: #075; }
#details, #bytes { border: 1px solid #ccc; overflow: auto; max-height: 45vh; }
pre { margin: 0; padding: 4px 6px; font: 12px ui-monospace, monospace; }
#tree span { cursor: pointer; display: block; } #tree span:hover { background: #eef5ff; }
#tree span.selected { background: #3875d7; color: #fff; }
#hex b { background: #3875d7; color: #fff; font-weight: normal; }
#ladders { grid-column: 1 / 3; }
#ladders h2 { font-size: 13px; margin: 10px 0 2px; }
svg text { font: 11px ui-monospace, monospace; }
svg .seg { cursor: pointer; } svg .seg:hover line { stroke: #3875d7; stroke-width: 2; }
"##;

const SCRIPT: &str = r##"
"use strict";
const tbody = document.querySelector("#list tbody");
const rows = [];
function cell(tr, text, cls) { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); }
PACKETS.forEach((p, i) => {
  const r = p.row, tr = document.createElement("tr");
  tr.className = "pkt" + (r.tcp && r.tcp.tags.length ? " tagged" : "");
  tr.dataset.index = i;
  cell(tr, r.number); cell(tr, r.time); cell(tr, r.source); cell(tr, r.destination);
  cell(tr, r.protocol); cell(tr, r.length);
  cell(tr, r.tcp ? r.tcp.client_state : "", "state"); cell(tr, r.tcp ? r.tcp.server_state : "", "state");
  cell(tr, r.info, "info");
  tr.addEventListener("click", () => select(i));
  tbody.appendChild(tr); rows.push(tr);
});
let current = -1;
function select(i) {
  if (current >= 0) rows[current].classList.remove("selected");
  current = i; rows[i].classList.add("selected");
  rows[i].scrollIntoView({ block: "nearest" });
  const tree = document.getElementById("tree");
  tree.textContent = "";
  PACKETS[i].tree.forEach(([depth, text, start, len]) => {
    const s = document.createElement("span");
    s.textContent = "    ".repeat(depth) + text;
    s.dataset.start = start; s.dataset.len = len;
    s.addEventListener("click", () => {
      tree.querySelectorAll("span.selected").forEach(e => e.classList.remove("selected"));
      s.classList.add("selected"); showBytes(i, start, len);
    });
    tree.appendChild(s);
  });
  showBytes(i, 0, 0);
}
function printable(b) { return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : "."; }
function esc(t) { return t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }
function showBytes(i, start, len) {
  const hex = PACKETS[i].bytes, n = hex.length / 2, out = [];
  const on = k => len > 0 && k >= start && k < start + len;
  for (let off = 0; off < n; off += 16) {
    let h = "", a = "";
    for (let k = off; k < off + 16; k++) {
      if (k < n) {
        const b = parseInt(hex.substr(2 * k, 2), 16), x = hex.substr(2 * k, 2), c = esc(printable(b));
        h += (on(k) ? "<b>" + x + "</b>" : x) + " "; a += on(k) ? "<b>" + c + "</b>" : c;
      } else { h += "   "; }
      if (k === off + 7) h += " ";
    }
    out.push(off.toString(16).padStart(4, "0") + "  " + h + " " + a);
  }
  document.getElementById("hex").innerHTML = out.join("\n");
}
// One ladder per TCP stream: the client's line left, the server's right.
const NS = "http://www.w3.org/2000/svg";
function el(name, attrs, parent) { const e = document.createElementNS(NS, name); for (const k in attrs) e.setAttribute(k, attrs[k]); if (parent) parent.appendChild(e); return e; }
const streams = new Map();
PACKETS.forEach((p, i) => { const t = p.row.tcp; if (!t) return; if (!streams.has(t.stream)) streams.set(t.stream, []); streams.get(t.stream).push(i); });
const ladders = document.getElementById("ladders");
[...streams.keys()].slice(0, 20).forEach(stream => {
  const list = streams.get(stream), first = PACKETS[list[0]].row;
  const client = first.tcp.side === "client_to_server" ? first.source + ":" + first.tcp.src_port : first.destination + ":" + first.tcp.dst_port;
  const server = first.tcp.side === "client_to_server" ? first.destination + ":" + first.tcp.dst_port : first.source + ":" + first.tcp.src_port;
  const h2 = document.createElement("h2"); h2.textContent = "TCP stream " + stream + ": " + client + " \u2192 " + server; ladders.appendChild(h2);
  const step = 34, top = 40, left = 170, right = 570, width = 900;
  const svg = el("svg", { width, height: top + step * list.length + 20, class: "ladder", "data-stream": stream }, ladders);
  el("text", { x: left, y: 16, "text-anchor": "middle" }, svg).textContent = "client " + client;
  el("text", { x: right, y: 16, "text-anchor": "middle" }, svg).textContent = "server " + server;
  el("line", { x1: left, y1: 24, x2: left, y2: top + step * list.length, stroke: "#555" }, svg);
  el("line", { x1: right, y1: 24, x2: right, y2: top + step * list.length, stroke: "#555" }, svg);
  let states = ["", ""];
  list.forEach((i, k) => {
    const r = PACKETS[i].row, t = r.tcp, fromClient = t.side === "client_to_server";
    const y = top + step * k, x1 = fromClient ? left : right, x2 = fromClient ? right : left;
    const g = el("g", { class: "seg", "data-index": i }, svg);
    el("title", {}, g).textContent = r.number + ": " + r.info;
    el("line", { x1, y1: y, x2, y2: y + step * 0.6, stroke: t.tags.length ? "#b00" : "#333", "stroke-width": 1.2 }, g);
    const dx = fromClient ? -8 : 8;
    el("path", { d: `M${x2} ${y + step * 0.6} l${dx} -3 l0 6 z`, fill: t.tags.length ? "#b00" : "#333" }, g);
    const label = "[" + t.flags.join(", ") + "] Seq=" + t.seq + (t.ack !== null ? " Ack=" + t.ack : "") + " Len=" + t.len;
    el("text", { x: (left + right) / 2, y: y + step * 0.3 - 4, "text-anchor": "middle" }, g).textContent = label;
    g.addEventListener("click", () => select(i));
    if (t.client_state !== states[0]) { el("text", { x: left - 8, y: y + step * 0.6 + 4, "text-anchor": "end", fill: "#075" }, svg).textContent = t.client_state; states[0] = t.client_state; }
    if (t.server_state !== states[1]) { el("text", { x: right + 8, y: y + step * 0.6 + 4, fill: "#075" }, svg).textContent = t.server_state; states[1] = t.server_state; }
  });
});
// `PAGE#packet=N` opens with frame N selected, `PAGE#packet=N&field=K` with line K of its
// details selected too.
const wanted = /^#packet=(\d+)(?:&field=(\d+))?$/.exec(location.hash);
const start = wanted ? PACKETS.findIndex(p => p.row.number === Number(wanted[1])) : 0;
if (PACKETS.length) {
  select(Math.max(start, 0));
  const line = wanted && wanted[2] !== undefined ? document.querySelectorAll("#tree span")[Number(wanted[2])] : null;
  if (line) line.click();
}
"##;
