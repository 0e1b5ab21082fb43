//! Capture, decode and explain TCP, with exactly the numbers Wireshark shows.
//!
//! # Layout
//! Frames flow through one stage per module, one frame at a time:
//!
//! ```text
//! capture / pcapfile ──Frame──▶ link ─▶ decode ──Packet──▶ flow ──TcpView──▶ timeline ──Row──▶ render
//!        │                                                                                    │
//!        └──────────────Frame (unchanged)──────────────▶ write (pcap savefile)     plain / table / json
//! ```
//!
//! Dependencies go one way, down that line: sources → decode → flow → timeline (the model a
//! row is) → render. `render` knows neither `demo` nor clap; `listing` and `demo` drive the
//! stages; the binaries parse flags and call them.
//!
//! - [`frame`]: what every source hands the pipeline: a frame's bytes, time, lengths and
//!   linktype.
//! - [`capture`]: live frames from a device (immediate mode, BPF filter, non-blocking reads
//!   with a poll timeout, kernel statistics).
//! - [`format`](mod@format): the pcap and pcapng layouts, every magic number and header named once, for
//!   the reader, the writers and the generator.
//! - [`pcapfile`]: frames from pcap and pcapng files, each with its interface's linktype and
//!   timestamp resolution; errors name the byte offset. [`readahead`] maps a regular file into
//!   memory (anything else is read a few chunks ahead on a thread of its own); a record
//!   lying whole in the buffer is lent, not copied.
//! - [`link`]: the link-layer header of each linktype (EN10MB, NULL, LOOP, RAW, IPV4, IPV6,
//!   LINUX_SLL, LINUX_SLL2): where the network layer starts.
//! - [`decode`]: etherparse's lax slicing turned into the project's own [`decode::Packet`] of
//!   typed facts (TCP in `decode::segment`: one [`decode::TcpHeader`], read by the flow stage
//!   and embedded in the row; tunnels — IP in IP, GRE, ERSPAN, VXLAN, Geneve — opened in
//!   `decode::tunnel`, the inner packet decoded in place of the outer); never fails, never
//!   panics, keeps lengths from the headers.
//! - [`tcp`]: TCP wire values as types: flags, options, sequence numbers ([`tcp::SeqNum`]
//!   holds all the wrapping arithmetic).
//! - [`flow`]: conversations (Wireshark's `tcp.stream`), relative sequence numbers and window
//!   scaling ([`flow::direction`]), Wireshark's analysis tags ([`flow::analysis`]), the RFC 9293
//!   state of each end ([`flow::state`]) and each segment's [`flow::Step`] in the exchange,
//!   and each conversation checked ([`flow::report`]: j+1, k+1, FIN+1, who closed first),
//!   and the TCP lab's answers over it ([`flow::lab`]: ISNs and SYN options, RTT samples
//!   with Karn and RFC 6298, windows, retransmissions by kind, the ACK pattern, flight,
//!   throughput per round, congestion phases, each with its frames);
//!   knows when a conversation is over, and releases the state of finished ones and of SYNs
//!   nobody answered (memory follows the open conversations, not the file's size).
//! - [`timeline`]: the per-frame pipeline (decode → flow → row): the row's model, every Info
//!   text (`timeline::info`, ICMP's in `timeline::icmp`, the protocol-name tables generated
//!   from tshark), IP reassembly, HTTP (`timeline::http`: its rows, the demo's HTTP steps,
//!   and what it made of each segment for the tree), Follow Stream's collector,
//!   text helpers; [`ether_names`]
//!   names Ethernet addresses and [`enterprises`] Private Enterprise Numbers as Wireshark does.
//! - [`tree`]: the field tree, Wireshark's protocol tree for one packet: a registry of
//!   fields per protocol (`tree::frame`, `tree::eth`, `tree::arp`, `tree::link`, `tree::ip`,
//!   `tree::tcp`, `tree::tcp_options`, `tree::udp`, `tree::icmp`, `tree::icmpv6`,
//!   `tree::icmpv6_more`, `tree::data`, `tree::http`; `tree::quoted` for the datagram an ICMP error
//!   quotes, `tree::reassembly` for IPv4 fragments) and a tree per packet built from the frame's bytes, `decode`'s
//!   packet and the flow stage's view (its details computed only by a flow table made
//!   `with_details`); the one model behind `-V`, `-x`, `-T fields`, `-T json` and `-T ek`
//!   (`tree::ek`), and behind display filters. Built only when one of those asks for it.
//! - [`filter`]: display filters (`-Y`), Wireshark's language compiled once against the
//!   tree's field registry (`filter::lex`, `filter::parse`; `filter::syntax` for the order
//!   of Wireshark's errors) and tested on each packet's tree (`filter::eval`). A new filter function belongs in `filter::parse` (its name and
//!   operand) and `filter::eval` (its values).
//! - [`listing`]: `sniffer read` and `sniffer live` as functions: a source through the
//!   timeline to a writer, then what was asked about it (checks, ladders, a followed stream);
//!   or each packet's field tree to its details, bytes, field values, JSON or EK lines; with
//!   a display filter, the rows or packets it selects.
//! - [`render`]: rows as tshark's plain listing, a table fitted to the terminal's width, or
//!   JSON lines; packet details, bytes and field values from the tree
//!   ([`render::details`]); the checks of each conversation ([`render::explain`]) and the
//!   lab's answers ([`render::lab`]), ladder
//!   diagrams, Follow Stream, the demo's summary, all wrapped at spaces ([`render::wrap`]).
//!   Renderers write to any `io::Write`; the library never prints.
//! - [`write`](mod@write): pcap savefiles, gathered in chunks that a thread of their own
//!   writes, handed over whenever the capture catches up, never overwriting a file; the
//!   demo's annotated pcapng, flushed per packet.
//! - [`demo`]: `sniff-demo`'s orchestration: every socket bound first ([`demo::endpoints`]),
//!   then the capture opened with a filter naming exactly those conversations, privileges
//!   given up, the scenario's exchange (greeting, concurrent, UDP, HTTP/1.0, HTTP/1.1,
//!   refused), capture stopped when every conversation is over; the bulk scenario
//!   ([`demo::bulk`]) uploads across `net_demo::link`'s emulated path between two private
//!   namespaces joined by TUN devices, and captures on the client's end.
//! - [`synth`]: synthetic captures — segments built from a description, in any linktype, as
//!   pcap or pcapng — for the test corpus; big interleaved captures for benchmarks.
//! - [`netns`]: without capture privileges, a private user and network namespace for the
//!   demo; a second namespace and TUN devices for the bulk scenario's link; [`privileges`]: capture rights given up once the capture is open (root under
//!   sudo, every capability, no new privileges).
//! - [`error`]: typed errors naming the device, file or filter, and what to do.
//!
//! The binaries (`sniffer`, `sniff-demo`) only parse flags, call into these modules and print;
//! [`cli`] holds the clap types they share, so that no other module depends on clap.
//!
//! # Where a change goes
//! - **A new protocol's fields**: its header read in [`decode`] into a typed struct of
//!   [`decode::Packet`] (facts, never display strings), its link type if any in [`link`];
//!   its registry table and tree-building function in a module of [`tree`], the layer
//!   added to `tree::layers`. Packet details, field values and (next) display filters read
//!   the fields from there.
//! - **A new Info text**: `timeline::info`, the one place Info is built, from the decoded
//!   facts and [`flow::TcpView`]; the tests compare it with tshark's line for line.
//! - **A new display-filter function**: the filter engine, a module of its own beside
//!   `render` that evaluates over the field tree (not written yet); nothing in the stages
//!   changes.
//! - **A new statistic**: a consumer of rows (or of the field tree) that prints a report at
//!   the end, written to any `io::Write` in `render`, as [`render::explain`] does for the
//!   conversations' checks.
//! - **A new output format**: a [`render::Format`] variant, a module in [`render`] that writes
//!   rows to any `io::Write`, and its `--format` name in [`cli`].

pub mod capture;
pub mod cli;
pub mod decode;
pub mod demo;
pub mod enterprises;
pub mod error;
pub mod ether_names;
pub mod filter;
pub mod flow;
pub mod format;
pub mod frame;
pub mod link;
pub mod listing;
pub mod netns;
pub mod pcapfile;
pub mod privileges;
pub mod readahead;
pub mod render;
pub mod stats;
pub mod synth;
pub mod tcp;
pub mod timeline;
pub mod tree;
pub mod write;

/// The name this program was started as (`sniffer`, `sniff-demo`), for the start of the lines
/// it writes to standard error.
pub fn program_name() -> String {
    std::env::args_os()
        .next()
        .and_then(|p| {
            std::path::Path::new(&p)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "sniffer".into())
}
