//! `sniffer read` and `sniffer live` as library functions: frames from a file or a device,
//! through the [`Timeline`], to a [`RowWriter`] — and after a file's listing, what was asked
//! for about it (checks, ladders, a followed stream). The binary only parses flags, opens the
//! source and the output, and prints the counters.

use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::capture::{LiveCapture, Next};
use crate::error::CaptureError;
use crate::flow::lab::LabBuilder;
use crate::flow::report::ConversationReport;
use crate::pcapfile::FileCapture;
use crate::readahead::ReadAhead;
use crate::render::{self, Format, RowWriter, TableStyle};
use crate::timeline::{Row, Timeline};
use crate::write::PcapWriter;

/// Why a listing stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// The capture could not be read on (damaged file, device gone, savefile not written).
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// The listing could not be written (a closed pipe, a full disk).
    #[error("cannot write the listing: {0}")]
    Output(#[from] io::Error),
}

/// What `sniffer read` shows of a file.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    pub format: Format,
    pub style: TableStyle,
    /// After the listing: each TCP conversation checked, and the lab's answers
    /// ([`crate::flow::lab`]).
    pub explain: bool,
    /// With `explain`: only this TCP stream.
    pub stream: Option<u32>,
    /// No listing: only what is asked after it.
    pub quiet: bool,
    /// After the listing: each TCP conversation drawn as a ladder.
    pub ladder: bool,
    /// After the listing: the payload of this TCP stream, as text.
    pub follow: Option<u32>,
    /// The input is a pipe fed as packets are captured: show each packet as soon as nothing
    /// more has arrived, rather than when the output's buffer is full.
    pub streaming: bool,
    /// Only the rows this display filter selects (every frame is still read and analysed).
    pub filter: Option<std::sync::Arc<crate::filter::DisplayFilter>>,
    /// HTTP/1.x rows as tshark shows them with its HTTP dissector on
    /// ([`crate::timeline::http`]).
    pub http: bool,
}

/// Lists every frame of `source` to `out`, then what `opts` asks for; `progress` is told
/// the bytes read every few thousand packets. A damaged record ends the listing: everything
/// before it is shown (and what was asked after it), then its error is returned.
pub fn read(
    source: &mut FileCapture<ReadAhead>,
    name: &Path,
    opts: &ReadOptions,
    out: impl Write,
    mut progress: impl FnMut(u64),
) -> Result<(), ListError> {
    // --explain reports on every conversation after the listing, so it keeps them all, with
    // the analysis the lab's answers need.
    let mut timeline = if opts.explain {
        Timeline::for_lab()
    } else {
        Timeline::new()
    };
    if opts.http {
        timeline.enable_http();
    }
    let mut lab = opts.explain.then(|| LabBuilder::new(opts.stream));
    if let Some(stream) = opts.follow {
        timeline.follow(stream);
    }
    let mut kept = Vec::new();
    let mut rows = RowWriter::new(opts.format, out, opts.style);
    // One row, refilled for every packet.
    let mut row = Row::empty();
    // With a display filter, each frame's tree (and its row) comes from the details' reader.
    let mut details = opts
        .filter
        .as_ref()
        .map(|f| Details::for_filter(f, opts.http));
    // Frames the filter cannot select are left out before they are decoded, unless the rows
    // show stream numbers (JSON), which count every conversation.
    let prefilter = match opts.format {
        Format::Plain | Format::Table => opts.filter.as_ref().and_then(|f| f.prefilter()),
        Format::Json => None,
    };
    // Frames read while filtering, and the thousands of them last reported.
    let (mut count, mut reported) = (0u64, 0u64);
    let read = loop {
        if count / 4096 > reported {
            reported = count / 4096;
            progress(source.offset());
        }
        let next = match (&prefilter, details.as_mut()) {
            (Some(prefilter), Some(details)) => {
                let mut skipped = 0;
                let next = source.next_frame_admitted(
                    |linktype, data| prefilter.admits_bytes(linktype, data),
                    |run| {
                        details.skip_run(run);
                        skipped += run.count;
                    },
                );
                count += skipped;
                next
            }
            _ => source.next_frame(),
        };
        match next {
            Ok(Some(frame)) => {
                if let (Some(details), Some(filter)) = (details.as_mut(), opts.filter.as_deref()) {
                    count += 1;
                    if prefilter.as_ref().is_some_and(|p| !p.admits(&frame)) {
                        details.skip(&frame);
                    } else if filter.matches(details.tree(&frame)) {
                        details.displayed(frame.ts);
                        rows.row_ref(details.row())?;
                        if opts.streaming && !source.input_ready() {
                            rows.flush()?;
                        }
                    }
                    continue;
                }
                timeline.push_into(&frame, &mut row);
                if opts.ladder {
                    kept.push(row.clone());
                }
                if let (Some(lab), Some(tcp)) = (lab.as_mut(), row.tcp.as_ref()) {
                    lab.push(row.number, frame.ts, &tcp.view, &tcp.header);
                }
                if opts.quiet {
                    continue;
                }
                rows.row_ref(&row)?;
                if opts.streaming && !source.input_ready() {
                    rows.flush()?;
                }
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
        if row.number % 4096 == 0 {
            progress(source.offset());
        }
    };
    let mut out = rows.finish()?;
    let width = opts.style.width.map(usize::from);
    if let Some(lab) = lab {
        let conversations: Vec<&crate::flow::Conversation> = timeline
            .flows()
            .conversations()
            .into_iter()
            .filter(|c| opts.stream.is_none_or(|s| s == c.stream))
            .collect();
        let reports: Vec<ConversationReport> = conversations
            .iter()
            .map(|c| ConversationReport::of(c))
            .collect();
        let ends: Vec<(u32, String, String)> = conversations
            .iter()
            .map(|c| (c.stream, c.client.to_string(), c.server.to_string()))
            .collect();
        let labs = lab.finish(&ends);
        if opts.format == Format::Json {
            render::explain::write_reports_json(&mut out, &reports)?;
            render::lab::write_labs_json(&mut out, &labs)?;
        } else {
            if !opts.quiet {
                writeln!(out)?;
            }
            if reports.is_empty() {
                match opts.stream {
                    Some(s) => writeln!(out, "no TCP stream {s} in {}", name.display())?,
                    None => writeln!(out, "no TCP conversation in {}", name.display())?,
                }
            }
            render::explain::write_reports(&mut out, &reports, opts.style.color, width)?;
            render::lab::write_labs(&mut out, &labs, width)?;
        }
    }
    if opts.ladder {
        writeln!(out)?;
        render::ladder::write_ladders(&mut out, &kept, width)?;
    }
    if let Some(stream) = opts.follow {
        writeln!(out)?;
        match timeline.followed().filter(|f| f.ends.is_some()) {
            Some(f) => render::follow::write_followed(&mut out, f)?,
            None => writeln!(out, "no TCP stream {stream} in {}", name.display())?,
        }
    }
    out.flush()?;
    Ok(read?)
}

/// The packets of `source` (those `filter` selects) as one HTML page written to `out`
/// (`sniffer read --html`, see [`render::html`]), titled `title`. Returns the packets
/// selected and those the page holds (at most [`render::html::MAX_PACKETS`]). A damaged
/// record ends the reading: the page holds the packets before it, and the error is returned.
pub fn read_html(
    source: &mut FileCapture<ReadAhead>,
    filter: Option<&crate::filter::DisplayFilter>,
    title: &str,
    http: bool,
    out: &mut impl Write,
) -> Result<(u64, usize), ListError> {
    let mut page = HtmlPage::new(filter);
    if http {
        page.enable_http();
    }
    let read = loop {
        match source.next_frame() {
            Ok(Some(frame)) => page.frame(&frame)?,
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    let counts = page.finish(title, out)?;
    read?;
    Ok(counts)
}

/// An HTML page ([`render::html`]) filled frame by frame: the frames `filter` selects, and
/// what `--explain` says of each TCP conversation (computed over every frame, selected or
/// not).
pub struct HtmlPage<'f> {
    filter: Option<&'f crate::filter::DisplayFilter>,
    details: Details,
    lab: LabBuilder,
    page: render::html::Page,
}

impl<'f> HtmlPage<'f> {
    pub fn new(filter: Option<&'f crate::filter::DisplayFilter>) -> HtmlPage<'f> {
        let mut details = Details::for_lab();
        details.filtering = filter.is_some();
        HtmlPage {
            filter,
            details,
            lab: LabBuilder::new(None),
            page: render::html::Page::new(),
        }
    }

    /// Adds the next frame.
    pub fn frame(&mut self, frame: &crate::frame::Frame<'_>) -> io::Result<()> {
        let tree = self.details.tree(frame);
        let shown = self.filter.is_none_or(|f| f.matches(tree));
        if let Some(tcp) = self.details.row().tcp.as_ref() {
            self.lab
                .push(self.details.row().number, frame.ts, &tcp.view, &tcp.header);
        }
        if shown {
            self.details.displayed(frame.ts);
            self.page.add(
                self.details.row(),
                self.details.last_tree(),
                packet_bytes(frame),
            )?;
        }
        Ok(())
    }

    /// Shows HTTP rows and fields, as the demo's listing does with `--enable-protocol http`.
    pub fn enable_http(&mut self) {
        self.details.enable_http();
    }

    /// Adds the notes of the demo's scenario.
    pub fn notes(&mut self, notes: &[String]) {
        self.page.add_notes(notes);
    }

    /// Writes the page, titled `title`; returns the frames selected and those it holds.
    pub fn finish(mut self, title: &str, out: &mut impl Write) -> io::Result<(u64, usize)> {
        let conversations = self.details.timeline.flows().conversations();
        let ends: Vec<(u32, String, String)> = conversations
            .iter()
            .map(|c| (c.stream, c.client.to_string(), c.server.to_string()))
            .collect();
        let labs = self.lab.finish(&ends);
        for (c, lab) in conversations.iter().zip(&labs) {
            let mut text = Vec::new();
            let report = ConversationReport::of(c);
            render::explain::write_reports(&mut text, std::slice::from_ref(&report), false, None)?;
            render::lab::write_labs(&mut text, std::slice::from_ref(lab), None)?;
            self.page
                .add_stream(c.stream, &String::from_utf8_lossy(&text))?;
        }
        self.page.write(title, out)?;
        Ok(self.page.counts())
    }
}

/// The statistics of a run (`-z`) and what is shown of each frame before them.
pub struct Reports<'a> {
    pub stats: &'a mut [crate::stats::Stat],
    /// Packet details, bytes or fields (`-V`, `-x`, `-T`) instead of the plain listing.
    pub shown: Option<&'a render::details::DetailsFormat>,
    /// No plain listing (`-q`); packet details are still shown, as in tshark.
    pub quiet: bool,
    /// HTTP decoded (`--enable-protocol http`).
    pub http: bool,
}

/// Lists `source` as tshark's plain listing does (only the frames `filter` selects), or as
/// its packet details, bytes or fields, counting every frame into the statistics (`sniffer
/// read -z`), then writes them as tshark does: the last asked for first.
pub fn read_stats(
    source: &mut FileCapture<ReadAhead>,
    filter: Option<&crate::filter::DisplayFilter>,
    reports: Reports<'_>,
    out: impl Write,
) -> Result<(), ListError> {
    let mut sink = StatsSink::new(filter, reports, out)?;
    let read = loop {
        match source.next_frame() {
            Ok(Some(frame)) => sink.frame(&frame)?,
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    sink.finish()?;
    Ok(read?)
}

/// What a run with statistics shows of each frame before them.
enum Shown<'s, W: Write> {
    /// The plain listing's rows.
    Rows(RowWriter<io::BufWriter<W>>),
    /// Packet details, bytes or fields; `count` written so far.
    Details {
        format: &'s render::details::DetailsFormat,
        out: io::BufWriter<W>,
        count: u64,
    },
}

/// Frames counted into statistics (`-z`), and shown (only those the display filter
/// selects): as tshark's plain listing unless `quiet`, or as their details.
struct StatsSink<'s, W: Write> {
    details: Details,
    shown: Shown<'s, W>,
    stats: &'s mut [crate::stats::Stat],
    quiet: bool,
    filter: Option<&'s crate::filter::DisplayFilter>,
}

impl<'s, W: Write> StatsSink<'s, W> {
    fn new(
        filter: Option<&'s crate::filter::DisplayFilter>,
        reports: Reports<'s>,
        out: W,
    ) -> io::Result<Self> {
        let Reports {
            stats,
            shown: format,
            quiet,
            http,
        } = reports;
        let style = TableStyle {
            width: None,
            color: false,
        };
        // Every display filter of the run: tshark builds what they name into the trees.
        let filters: Vec<&crate::filter::DisplayFilter> = filter
            .into_iter()
            .chain(stats.iter().filter_map(|s| s.filter.as_ref().map(|f| &f.1)))
            .chain(
                stats
                    .iter()
                    .filter_map(|s| s.io.as_deref())
                    .flat_map(|io| io.filters()),
            )
            .collect();
        // Packet details, fields and JSON are made from a tree with the frame's item in it;
        // the bytes alone need none. (`io,stat` still counts only the values of fields that
        // a filter names, as in tshark: not those `-e` names, nor all of them under `-V`.)
        let built = format.is_some_and(|f| f.tree || f.json || f.ek || f.fields.is_some());
        let named: Vec<&str> = filters.iter().flat_map(|f| f.fields()).copied().collect();
        let frame_named = built || crate::stats::frame_named(filters.iter().copied());
        let tree_built = !filters.is_empty()
            || built
            || stats.iter().any(|s| {
                matches!(
                    s.kind,
                    crate::stats::StatKind::Hierarchy | crate::stats::StatKind::Io
                )
            });
        for stat in stats.iter_mut() {
            stat.frame_item = frame_named;
            stat.tree_built = tree_built;
            if let Some(io) = stat.io.as_mut() {
                io.prime(named.iter().copied());
            }
        }
        let mut details = Details::new();
        if http {
            details.enable_http();
        }
        details.filtering = filter.is_some();
        // The reports need the trees' values, and their text only for the experts' messages;
        // packet details need it all.
        details.tree.unlabelled = format.is_none() && !stats.iter().any(|s| s.needs_text());
        let shown = match format {
            Some(format) => {
                let mut out = io::BufWriter::new(out);
                format.write_start(&mut out)?;
                Shown::Details {
                    format,
                    out,
                    count: 0,
                }
            }
            None => Shown::Rows(RowWriter::new(
                Format::Plain,
                io::BufWriter::new(out),
                style,
            )),
        };
        Ok(StatsSink {
            details,
            shown,
            stats,
            quiet,
            filter,
        })
    }

    /// The listing's end, then the statistics, the last asked for first (as tshark prints
    /// them).
    fn finish(self) -> Result<(), ListError> {
        let mut out = match self.shown {
            Shown::Rows(rows) => rows.finish()?,
            Shown::Details {
                format,
                mut out,
                count,
            } => {
                format.write_end(count > 0, &mut out)?;
                out
            }
        };
        for stat in self.stats.iter().rev() {
            render::stats::write_stat(&mut out, stat)?;
        }
        out.flush()?;
        Ok(())
    }
}

impl<W: Write> Sink for StatsSink<'_, W> {
    fn frame(&mut self, frame: &crate::frame::Frame<'_>) -> Result<(), ListError> {
        self.details.tree(frame);
        let time = self.details.since_first(frame.ts);
        let tree = self.details.last_tree();
        let time_text = &self.details.row().time;
        for stat in self.stats.iter_mut() {
            stat.tap(tree, time, time_text);
        }
        // `-q` leaves out the plain listing's rows, not packet details (as in tshark).
        let quiet = self.quiet && matches!(self.shown, Shown::Rows(_));
        if !quiet && self.filter.is_none_or(|f| f.matches(tree)) {
            self.details.displayed(frame.ts);
            match &mut self.shown {
                Shown::Rows(rows) => rows.row_ref(self.details.row())?,
                Shown::Details { format, out, count } => {
                    let tree = self.details.last_tree();
                    format.write_nth_packet(tree, packet_bytes(frame), *count == 0, out)?;
                    *count += 1;
                }
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.shown {
            Shown::Rows(rows) => rows.flush(),
            Shown::Details { out, .. } => out.flush(),
        }
    }
}

/// [`live`] counting every frame into statistics (`sniffer live -z`), printed when the
/// capture ends; the frames are shown before them as `reports` says.
pub fn live_stats(
    live: &mut LiveCapture,
    opts: &LiveOptions,
    writer: Option<&mut PcapWriter>,
    stop: &AtomicBool,
    reports: Reports<'_>,
    out: impl Write,
) -> (u64, Result<(), ListError>) {
    let filter = opts.filter.as_deref();
    let mut sink = match StatsSink::new(filter, reports, out) {
        Ok(sink) => sink,
        Err(e) => return (0, Err(e.into())),
    };
    // Every frame is counted, listed or not.
    let counted = LiveOptions {
        quiet: false,
        ..opts.clone()
    };
    let (frames, captured) = capture_into(live, &counted, writer, stop, &mut sink);
    let finished = sink.finish();
    (frames, captured.and(finished))
}

/// Writes each frame of `source` to `out` as its packet details, bytes or field values
/// (`sniffer read -V`, `-x`, `-T fields`), from its field tree. A damaged record ends the
/// output: everything before it is written, then its error is returned.
pub fn read_details(
    source: &mut FileCapture<ReadAhead>,
    format: &render::details::DetailsFormat,
    filter: Option<&crate::filter::DisplayFilter>,
    http: bool,
    out: impl Write,
) -> Result<(), ListError> {
    let mut out = io::BufWriter::new(out);
    format.write_start(&mut out)?;
    let mut details = Details::new();
    if http {
        details.enable_http();
    }
    details.filtering = filter.is_some();
    let mut fragments = crate::tree::FragmentStore::default();
    let mut number = 0u64;
    let mut any = false;
    let read = loop {
        match source.next_frame() {
            Ok(Some(frame)) => {
                any |= filter.is_none();
                let bytes = packet_bytes(&frame);
                if let Some(filter) = filter {
                    // Every frame is read (its numbers, streams and analysis count), only
                    // those the filter selects are written.
                    let tree = details.tree(&frame);
                    if filter.matches(tree) {
                        details.displayed(frame.ts);
                        let tree = details.last_tree();
                        if format.tree || format.json || format.ek || format.fields.is_some() {
                            format.write_nth_packet(tree, bytes, !any, &mut out)?;
                            any = true;
                        } else {
                            render::details::write_bytes(bytes, &tree.sources(), &mut out)?;
                        }
                    }
                } else if format.tree
                    || format.json
                    || format.ek
                    || format.fields.is_some()
                    || details.timeline.http_enabled()
                {
                    // (With HTTP, `-x` shows the bytes its reassembly made: the tree knows them.)
                    format.write_packet(details.tree(&frame), bytes, &mut out)?;
                } else {
                    // The bytes alone need no tree: only the fragments, for the bytes the
                    // last piece of a packet completes.
                    number += 1;
                    let packet = crate::decode::decode(frame.linktype, &frame);
                    let reassembled = fragments.add(number, &frame, &packet);
                    let name = |v6| {
                        if v6 {
                            "Reassembled IPv6"
                        } else {
                            "Reassembled IPv4"
                        }
                    };
                    let sources: Vec<(&str, &[u8])> = reassembled
                        .as_ref()
                        .map(|r| (name(r.v6), r.bytes.as_slice()))
                        .into_iter()
                        .collect();
                    render::details::write_bytes(bytes, &sources, &mut out)?;
                }
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    format.write_end(any, &mut out)?;
    out.flush()?;
    Ok(read?)
}

/// The bytes `-x` shows of a frame: a pcapng Custom Block's are its data, after the
/// enterprise number.
fn packet_bytes<'f>(frame: &crate::frame::Frame<'f>) -> &'f [u8] {
    let custom = matches!(
        frame.linktype,
        crate::link::LinkType::PCAPNG_CUSTOM | crate::link::LinkType::PCAPNG_CUSTOM_NO_COPY
    );
    if custom {
        frame.data.get(4..).unwrap_or_default()
    } else {
        frame.data
    }
}

/// The field tree of each frame in turn: the timeline's analysis, and the times each frame
/// is measured from.
pub struct Details {
    /// A display filter decides which frames are shown: the times since the previous
    /// displayed frame are measured from the last one shown.
    pub filtering: bool,
    last_displayed: Option<crate::frame::Timestamp>,
    timeline: Timeline,
    row: Row,
    tree: crate::tree::Tree,
    first: Option<crate::frame::Timestamp>,
    previous: Option<crate::frame::Timestamp>,
    /// UDP conversations (`udp.stream`), by their two ends in order: index, first and last
    /// datagram's times.
    udp: std::collections::HashMap<
        (std::net::SocketAddr, std::net::SocketAddr),
        (u32, crate::frame::Timestamp, crate::frame::Timestamp),
    >,
    /// ICMP echo requests seen, by (requester, responder, identifier, sequence number): their
    /// frame and time.
    /// IPv4 fragments, for the packets they make.
    fragments: crate::tree::FragmentStore,
    echoes: std::collections::HashMap<
        (std::net::IpAddr, std::net::IpAddr, u16, u16),
        (u64, crate::frame::Timestamp),
    >,
}

impl Details {
    pub fn new() -> Details {
        Details::with_timeline(Timeline::with_details())
    }

    /// Decodes HTTP: its rows, and its fields in the trees.
    pub fn enable_http(&mut self) {
        self.timeline.enable_http();
        self.timeline.keep_http_views();
    }

    /// Trees built only to test `filter` on (the rows of `read`, `live` and the demo with
    /// `-Y`): their values without their text, vendors' names only if the filter names them,
    /// and only the layers it needs in full ([`crate::tree::Selection`]).
    pub fn for_filter(filter: &crate::filter::DisplayFilter, http: bool) -> Details {
        let mut details = Details::new();
        if http {
            details.enable_http();
        }
        details.filtering = true;
        details.tree.unlabelled = true;
        details.tree.without_vendors = !filter.fields().iter().any(|f| f.ends_with("oui_resolved"));
        details.tree.selection = filter.selection();
        details
    }

    /// Trees for a reader that keeps every conversation, with what the lab needs of them
    /// ([`Timeline::for_lab`]).
    pub fn for_lab() -> Details {
        Details::with_timeline(Timeline::for_lab())
    }

    fn with_timeline(timeline: Timeline) -> Details {
        Details {
            filtering: false,
            last_displayed: None,
            timeline,
            row: Row::empty(),
            tree: crate::tree::Tree::default(),
            first: None,
            previous: None,
            udp: std::collections::HashMap::new(),
            echoes: std::collections::HashMap::new(),
            fragments: crate::tree::FragmentStore::default(),
        }
    }

    /// Records that the frame last read, captured at `ts`, was shown.
    pub fn displayed(&mut self, ts: crate::frame::Timestamp) {
        self.last_displayed = Some(ts);
    }

    /// The time from the first frame to `ts`, as Wireshark's `frame.time_relative` (given to
    /// frames without a time of their own too, as Wireshark's statistics see them).
    pub fn since_first(&self, ts: crate::frame::Timestamp) -> (i64, i64) {
        self.first.map_or((0, 0), |first| ts.delta(first))
    }

    /// The tree of the frame last read.
    pub fn last_tree(&self) -> &crate::tree::Tree {
        &self.tree
    }

    /// The listing's row of the frame last read.
    pub fn row(&self) -> &Row {
        &self.row
    }

    /// For an ICMP echo reply, the request it answers; an echo request is remembered. The
    /// message is the packet's, or the one its fragments made (`reassembled`).
    fn echo(
        &mut self,
        packet: &crate::decode::Packet,
        reassembled: Option<&crate::tree::Reassembled>,
        number: u64,
        ts: crate::frame::Timestamp,
    ) -> Option<crate::tree::EchoRequest> {
        use crate::decode::{Network, Transport};
        let Network::Ip(ip) = &packet.net else {
            return None;
        };
        let (icmp_type, rest) = match (&packet.transport, reassembled) {
            (Transport::Icmp(icmp), _) => (icmp.icmp_type, icmp.rest),
            (_, Some(r)) if matches!(ip.protocol, 1 | 58) && r.bytes.len() >= 8 => {
                (r.bytes[0], [r.bytes[4], r.bytes[5], r.bytes[6], r.bytes[7]])
            }
            _ => return None,
        };
        let id = u16::from_be_bytes([rest[0], rest[1]]);
        let seq = u16::from_be_bytes([rest[2], rest[3]]);
        let v4 = ip.src.is_ipv4();
        match icmp_type {
            8 | 128 if v4 == (icmp_type == 8) => {
                if self.echoes.len() >= 4096 {
                    self.echoes.clear();
                }
                self.echoes.insert(
                    crate::timeline::echo_key(ip.src, ip.dst, id, seq),
                    (number, ts),
                );
                None
            }
            0 | 129 if v4 == (icmp_type == 0) => self
                .echoes
                .get(&crate::timeline::echo_key(ip.src, ip.dst, id, seq))
                .map(|(frame, at)| (*frame, ts.delta(*at))),
            _ => None,
        }
    }

    /// A UDP datagram's conversation: its index and the times since its first and previous
    /// datagrams.
    fn udp_stream(
        &mut self,
        packet: &crate::decode::Packet,
        ts: crate::frame::Timestamp,
    ) -> Option<crate::tree::UdpStream> {
        use crate::decode::{Network, Transport};
        let (Network::Ip(ip), Transport::Udp(udp)) = (&packet.net, &packet.transport) else {
            return None;
        };
        // A header the capture cut before its checksum, or whose length is shorter than the
        // header, makes no conversation.
        use crate::decode::UdpKept;
        if matches!(udp.kept, UdpKept::Ports | UdpKept::PortsAndLength)
            || matches!(
                udp.bad_length,
                Some(crate::decode::UdpBadLength::BelowHeader(_))
            )
        {
            return None;
        }
        let a = std::net::SocketAddr::new(ip.src, udp.src_port);
        let z = std::net::SocketAddr::new(ip.dst, udp.dst_port);
        Some(self.udp_stream_between(a, z, ts, udp.payload_len > 0))
    }

    /// The conversation between `a` and `z` (created if new): its index and the times since
    /// its first and previous datagrams. A datagram with no payload is not timed, and does
    /// not become the previous one (`timed`), as in Wireshark.
    fn udp_stream_between(
        &mut self,
        a: std::net::SocketAddr,
        z: std::net::SocketAddr,
        ts: crate::frame::Timestamp,
        timed: bool,
    ) -> crate::tree::UdpStream {
        let key = if a <= z { (a, z) } else { (z, a) };
        let next = u32::try_from(self.udp.len()).unwrap_or(u32::MAX);
        let entry = self.udp.entry(key).or_insert((next, ts, ts));
        let previous = if timed {
            std::mem::replace(&mut entry.2, ts)
        } else {
            entry.2
        };
        (entry.0, ts.delta(entry.1), ts.delta(previous))
    }

    /// For an ICMP or ICMPv6 error quoting a UDP datagram: that datagram's conversation index (the
    /// conversation is created if it is new, as Wireshark does, but its times stay as they
    /// were).
    fn quoted_udp_stream(
        &mut self,
        packet: &crate::decode::Packet,
        frame: &crate::frame::Frame<'_>,
    ) -> Option<u32> {
        use crate::decode::{Network, Transport};
        let (Network::Ip(ip), Transport::Icmp(icmp)) = (&packet.net, &packet.transport) else {
            return None;
        };
        let error = if ip.src.is_ipv4() {
            matches!(icmp.icmp_type, 3 | 4 | 5 | 11 | 12)
        } else {
            matches!(icmp.icmp_type, 1..=4)
        };
        if !error {
            return None;
        }
        let body = &icmp.body;
        let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
        let mut quoted = crate::frame::Frame::new(frame.ts, len, body);
        quoted.linktype = crate::link::LinkType::RAW;
        let inner = crate::decode::decode(crate::link::LinkType::RAW, &quoted);
        let (Network::Ip(ip), Transport::Udp(udp)) = (&inner.net, &inner.transport) else {
            return None;
        };
        let a = std::net::SocketAddr::new(ip.src, udp.src_port);
        let z = std::net::SocketAddr::new(ip.dst, udp.dst_port);
        let key = if a <= z { (a, z) } else { (z, a) };
        // A quote does not count as the conversation's previous datagram.
        let next = u32::try_from(self.udp.len()).unwrap_or(u32::MAX);
        Some(self.udp.entry(key).or_insert((next, frame.ts, frame.ts)).0)
    }

    /// Counts a frame left out without a tree (a display filter's prefilter ruled it out;
    /// it is never a pcapng Custom Block): the frames after it are numbered and timed as if
    /// it had been read.
    pub fn skip(&mut self, frame: &crate::frame::Frame<'_>) {
        self.skip_run(crate::pcapfile::Skipped {
            count: 1,
            first: frame.ts,
            last: frame.ts,
            precision: frame.precision,
        });
    }

    /// [`Details::skip`] for a run of frames one after the other.
    pub fn skip_run(&mut self, run: crate::pcapfile::Skipped) {
        self.timeline.skip(run.count, run.first, run.precision);
        self.first.get_or_insert(run.first);
        self.previous = Some(run.last);
    }

    /// The next frame's tree (kept until the next call, its buffers reused).
    pub fn tree(&mut self, frame: &crate::frame::Frame<'_>) -> &crate::tree::Tree {
        let packet = crate::decode::decode_keeping(frame.linktype, frame, usize::MAX);
        self.timeline
            .push_packet_into(&packet, frame.precision, &mut self.row);
        // A pcapng Custom Block shows no times, and the next frame's are measured from the
        // frame before it. (A Simple Packet Block shows none either, but counts as a frame
        // of time zero, as in Wireshark.)
        let timed = crate::tree::custom_block(frame).is_none();
        let first = match self.first {
            Some(first) => first,
            None if timed => *self.first.insert(frame.ts),
            None => frame.ts,
        };
        let previous = match timed {
            true => self.previous.replace(frame.ts),
            false => self.previous,
        }
        .unwrap_or(frame.ts);
        let reassembled = self.fragments.add(self.row.number, frame, &packet);
        let udp_stream = match (&reassembled, packet.ip()) {
            // A UDP datagram put back together from its fragments.
            (Some(r), Some(ip)) if ip.protocol == 17 && r.bytes.len() >= 8 => {
                let port = |i: usize| u16::from_be_bytes([r.bytes[i], r.bytes[i + 1]]);
                let a = std::net::SocketAddr::new(ip.src, port(0));
                let z = std::net::SocketAddr::new(ip.dst, port(2));
                Some(self.udp_stream_between(a, z, frame.ts, r.bytes.len() > 8))
            }
            _ => match crate::tree::tunnel_udp(frame, &packet) {
                // The datagram a tunnel travels in is a UDP conversation of its own.
                Some((a, z, timed)) => Some(self.udp_stream_between(a, z, frame.ts, timed)),
                None => self.udp_stream(&packet, frame.ts),
            },
        };
        let quoted_udp_stream = self.quoted_udp_stream(&packet, frame);
        let echo_request = self.echo(&packet, reassembled.as_ref(), self.row.number, frame.ts);
        let ctx = crate::tree::FrameContext {
            udp_stream,
            echo_request,
            arp_duplicates: self.timeline.arp_duplicates(),
            http: self.timeline.http_view().cloned(),
            http_enabled: self.timeline.http_enabled(),
            quoted_udp_stream,
            quoted_tcp: self.timeline.quoted_tcp().cloned(),
            unanalysed_tcp: self.timeline.unanalysed_tcp().cloned(),
            reassembled,
            number: self.row.number,
            first,
            previous,
            // While filtering, the frame before it that was shown.
            previous_displayed: if self.filtering {
                self.last_displayed.unwrap_or(frame.ts)
            } else {
                previous
            },
            interface: frame
                .interface
                .map(|id| (id, frame.interface_name.map(str::to_owned))),
        };
        crate::tree::build_into(&mut self.tree, frame, &packet, self.row.tcp.as_ref(), &ctx);
        &self.tree
    }
}

impl Default for Details {
    fn default() -> Details {
        Details::new()
    }
}

/// What `sniffer live` does with each frame.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    pub format: Format,
    pub style: TableStyle,
    /// Save without listing.
    pub quiet: bool,
    /// Stop after this many frames.
    pub count: Option<u64>,
    /// Only the packets this display filter selects are shown (all are saved).
    pub filter: Option<std::sync::Arc<crate::filter::DisplayFilter>>,
    /// HTTP decoded (`--enable-protocol http`).
    pub http: bool,
}

/// Captures until `stop` is set, `count` frames were seen or an error: each frame saved to
/// `writer` and listed to `out`, both handed over whenever the capture catches up with the
/// traffic. Returns the frames captured, and what stopped the capture if not the count or
/// `stop`: the caller prints the counters whatever happened.
pub fn live(
    live: &mut LiveCapture,
    opts: &LiveOptions,
    writer: Option<&mut PcapWriter>,
    stop: &AtomicBool,
    out: impl Write,
) -> (u64, Result<(), ListError>) {
    let mut timeline = Timeline::new();
    if opts.http {
        timeline.enable_http();
    }
    let mut sink = RowSink {
        timeline,
        rows: RowWriter::new(opts.format, out, opts.style),
        row: Row::empty(),
        filter: opts.filter.clone().map(|f| {
            let details = Details::for_filter(&f, opts.http);
            (f, details)
        }),
    };
    let (frames, captured) = capture_into(live, opts, writer, stop, &mut sink);
    let listed = sink.rows.finish().map(drop).map_err(ListError::from);
    (frames, captured.and(listed))
}

/// [`live`] with each frame written as its packet details, bytes, field values, JSON or EK
/// lines (`sniffer live -V`, `-x`, `-T fields|json|ek`).
pub fn live_details(
    live: &mut LiveCapture,
    opts: &LiveOptions,
    writer: Option<&mut PcapWriter>,
    stop: &AtomicBool,
    format: &render::details::DetailsFormat,
    out: impl Write,
) -> (u64, Result<(), ListError>) {
    let mut details = Details::new();
    if opts.http {
        details.enable_http();
    }
    details.filtering = opts.filter.is_some();
    let mut sink = DetailsSink {
        details,
        format,
        out: io::BufWriter::new(out),
        filter: opts.filter.clone(),
        shown: 0,
    };
    if let Err(e) = format.write_start(&mut sink.out) {
        return (0, Err(e.into()));
    }
    let (frames, captured) = capture_into(live, opts, writer, stop, &mut sink);
    let flushed = format
        .write_end(frames > 0, &mut sink.out)
        .and_then(|()| sink.out.flush())
        .map_err(ListError::from);
    (frames, captured.and(flushed))
}

/// Where a live capture's frames go.
trait Sink {
    /// Shows one frame.
    fn frame(&mut self, frame: &crate::frame::Frame<'_>) -> Result<(), ListError>;
    /// The capture caught up with the traffic: show what came.
    fn flush(&mut self) -> io::Result<()>;
}

/// Frames as rows of the listing (those a display filter selects, if one is given: their
/// trees and rows then come from the details' reader).
struct RowSink<W: Write> {
    timeline: Timeline,
    rows: RowWriter<W>,
    row: Row,
    filter: Option<(std::sync::Arc<crate::filter::DisplayFilter>, Details)>,
}

impl<W: Write> Sink for RowSink<W> {
    fn frame(&mut self, frame: &crate::frame::Frame<'_>) -> Result<(), ListError> {
        if let Some((filter, details)) = self.filter.as_mut() {
            if filter.matches(details.tree(frame)) {
                details.displayed(frame.ts);
                self.rows.row_ref(details.row())?;
            }
            return Ok(());
        }
        self.timeline.push_into(frame, &mut self.row);
        Ok(self.rows.row_ref(&self.row)?)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.rows.flush()
    }
}

/// Frames as packet details, bytes or field values.
struct DetailsSink<'a, W: Write> {
    details: Details,
    format: &'a render::details::DetailsFormat,
    out: io::BufWriter<W>,
    filter: Option<std::sync::Arc<crate::filter::DisplayFilter>>,
    /// Packets written so far.
    shown: u64,
}

impl<W: Write> Sink for DetailsSink<'_, W> {
    fn frame(&mut self, frame: &crate::frame::Frame<'_>) -> Result<(), ListError> {
        let tree = self.details.tree(frame);
        let Some(filter) = &self.filter else {
            return Ok(self.format.write_packet(tree, frame.data, &mut self.out)?);
        };
        if !filter.matches(tree) {
            return Ok(());
        }
        self.details.displayed(frame.ts);
        let first = self.shown == 0;
        self.shown += 1;
        let tree = self.details.last_tree();
        Ok(self
            .format
            .write_nth_packet(tree, frame.data, first, &mut self.out)?)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Captures until `stop` is set, `count` frames were seen or an error: each frame saved to
/// `writer` and shown by `sink`, both handed over whenever the capture catches up with the
/// traffic. Returns the frames captured, and what stopped the capture if not the count or
/// `stop`.
fn capture_into(
    live: &mut LiveCapture,
    opts: &LiveOptions,
    mut writer: Option<&mut PcapWriter>,
    stop: &AtomicBool,
    sink: &mut dyn Sink,
) -> (u64, Result<(), ListError>) {
    let mut frames = 0u64;
    let mut capture = || -> Result<(), ListError> {
        while !stop.load(Ordering::Relaxed) && opts.count.is_none_or(|c| frames < c) {
            match live.next_frame()? {
                Next::Frame(frame) => {
                    frames += 1;
                    if let Some(w) = writer.as_mut() {
                        w.write(&frame)?;
                    }
                    if !opts.quiet {
                        sink.frame(&frame)?;
                    }
                }
                // Caught up with the traffic: show and save what came.
                Next::Timeout => {
                    if let Some(w) = writer.as_mut() {
                        w.flush()?;
                    }
                    sink.flush()?;
                }
            }
        }
        Ok(())
    };
    let captured = capture();
    (frames, captured)
}
