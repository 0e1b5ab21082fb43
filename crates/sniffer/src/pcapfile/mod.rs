//! Reading capture files: pcap and pcapng, front to back, one frame at a time.
//!
//! The reader is our own rather than libpcap's because a file says more than libpcap passes
//! on: pcapng files can hold several interfaces, each with its own link-layer type and
//! timestamp resolution (`if_tsresol`), and Wireshark numbers and times every packet by its
//! own interface's. Reading the blocks ourselves also lets every error name the byte offset
//! where the file stopped making sense, and keeps memory bounded whatever a header claims.
//! Nor is it the `pcap-file` or `pcap-parser` crate: a record lying whole in the file's
//! memory map or the read-ahead buffer is lent to the decoder without a copy (see
//! [`crate::readahead`]), which those crates' owned records or borrowed-until-refill parsers
//! do not allow with a reading thread, and errors must carry the offset and the reason in
//! Wireshark's terms. The layouts
//! themselves are [`crate::format`]'s, shared with the writers. A display filter's reader,
//! which skips most frames, has the records of a mapped classic pcap file looked at several
//! at a time (the `scout` module).
//!
//! Formats (tcpdump.org's pcap and IETF draft-ietf-opsawg-pcapng):
//! - **pcap**: a 24-byte file header (magic, version, snaplen, linktype) then records of a
//!   16-byte header (seconds, fraction, captured length, original length) and the bytes. The
//!   magic gives byte order and resolution (`a1b2c3d4` microseconds, `a1b23c4d` nanoseconds);
//!   `a1b2cd34` is the "modified" pcap of some old Linux tools, with 8 more bytes per record.
//! - **pcapng**: blocks of `type, length, body, length`. A Section Header Block sets the byte
//!   order; Interface Description Blocks declare interfaces in order (linktype, snaplen,
//!   options); Enhanced (and Simple, and obsolete) Packet Blocks carry the frames. Other
//!   blocks (name resolution, statistics, custom…) are skipped.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::CaptureError;
use crate::format::{
    pcapng, RecordHeader, PCAP_FILE_HEADER_LEN, PCAP_MAGIC_MICRO, PCAP_MAGIC_MODIFIED,
    PCAP_MAGIC_NANO, PCAP_MODIFIED_EXTRA, PCAP_RECORD_HEADER_LEN,
};
use crate::frame::{Frame, Timestamp, TsPrecision};
use crate::link::LinkType;
use crate::readahead::{prefetch, ReadAhead, PREFETCH};

mod pcapng_blocks;
mod scout;

/// No record or block may claim more than this: larger ones mean a corrupt file, and
/// refusing them keeps memory bounded whatever the header says.
pub const MAX_RECORD_LEN: u32 = 16 * 1024 * 1024;

/// Bytes of frames a display filter skips between two `consume`s of the reader: a mapped
/// file's reader makes pages present ahead of what was consumed and hands back those behind
/// it (see [`crate::readahead`]).
const SKIP_BATCH: usize = 64 * 1024;

/// Frames one after the other that [`FileCapture::next_frame_admitted`] skipped: how many,
/// and the first's and the last's time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub count: u64,
    pub first: Timestamp,
    pub last: Timestamp,
    /// Their times' precision (their interface's).
    pub precision: TsPrecision,
}

/// A record lying whole in the reader's buffer, to be lent rather than copied: its data
/// starts `skip` bytes in and is `len` long; the record takes `consumed` bytes.
#[derive(Clone, Debug)]
struct Lent {
    skip: usize,
    len: usize,
    consumed: usize,
    /// Where a pcapng packet block's options lie in the record (an empty range for pcap).
    options: std::ops::Range<usize>,
}

/// The bytes of the file `path` at byte `at` are not a capture.
fn file_error(path: &Path, at: u64, reason: impl Into<String>) -> CaptureError {
    CaptureError::FileFormat {
        path: path.to_owned(),
        offset: at,
        reason: reason.into(),
    }
}

/// Reading the file `path` at byte `at` failed.
fn read_error(path: &Path, at: u64, source: std::io::Error) -> CaptureError {
    CaptureError::FileIo {
        path: path.to_owned(),
        at: Some(at),
        source,
    }
}

/// One interface of the file (pcap files have exactly one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interface {
    pub linktype: LinkType,
    pub snaplen: u32,
    /// Timestamp units per second.
    pub units_per_sec: u64,
    /// Seconds added to every timestamp (`if_tsoffset`).
    pub offset_secs: i64,
    /// How Wireshark prints this interface's times.
    pub precision: TsPrecision,
    /// Its number among a pcapng file's interfaces (`None` in a pcap file).
    pub id: Option<u32>,
}

impl Interface {
    fn new(linktype: LinkType, snaplen: u32) -> Interface {
        Interface {
            linktype,
            snaplen,
            units_per_sec: 1_000_000,
            offset_secs: 0,
            precision: TsPrecision::Micro,
            id: None,
        }
    }

    /// Applies an `if_tsresol` value: 10^-v seconds, or 2^-v with the high bit set.
    fn set_resolution(&mut self, v: u8) {
        let (units, decimals) = if v & 0x80 == 0 {
            let exp = u32::from(v.min(19));
            (10u64.pow(exp), exp)
        } else {
            let exp = u32::from((v & 0x7f).min(63));
            // As Wireshark 4.0 shows 2^-n seconds: n·log10(2) decimal digits, rounded down,
            // then 4 or 5 digits as milliseconds, 7 or 8 as microseconds.
            let digits = exp * 30_103 / 100_000;
            let decimals = match digits {
                0..=3 => digits,
                4 | 5 => 3,
                6..=8 => 6,
                _ => 9,
            };
            (1u64 << exp, decimals)
        };
        self.units_per_sec = units.max(1);
        self.precision = TsPrecision::from_decimals(decimals);
    }

    /// A classic pcap record's time, as Wireshark reads it: the fraction scaled to
    /// nanoseconds in 32 bits and not carried into the seconds (a microsecond field of a
    /// million or more stays one).
    fn pcap_timestamp(&self, secs: u32, frac: u32) -> Timestamp {
        let nanos = if self.units_per_sec == 1_000_000_000 {
            frac
        } else {
            frac.wrapping_mul(1_000)
        };
        Timestamp {
            secs: i64::from(secs).saturating_add(self.offset_secs),
            nanos,
        }
    }

    /// A timestamp in this interface's units, as seconds and nanoseconds.
    fn timestamp(&self, raw: u64) -> Timestamp {
        let secs = raw / self.units_per_sec;
        let frac = raw % self.units_per_sec;
        let nanos = (u128::from(frac) * 1_000_000_000 / u128::from(self.units_per_sec)) as u32;
        Timestamp {
            secs: i64::try_from(secs)
                .unwrap_or(i64::MAX)
                .saturating_add(self.offset_secs),
            nanos,
        }
    }
}

/// What kind of file this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Pcap { modified: bool },
    Pcapng,
}

/// A capture file being read: from a file, read ahead on a thread of its own
/// ([`FileCapture::open`]) or mapped ([`FileCapture::open_mapped`]), or from any buffered
/// reader (tests and fuzzing read memory).
pub struct FileCapture<B: BufRead = ReadAhead> {
    input: B,
    path: PathBuf,
    kind: Kind,
    big_endian: bool,
    interfaces: Vec<Interface>,
    /// Each pcapng interface's name (`if_name`), when it has one.
    names: Vec<Option<String>>,
    /// The options of the packet block last read into `buf` (not lent).
    options: Vec<u8>,
    /// Byte offset of the next unread byte.
    offset: u64,
    /// The current record's bytes (reused) when it could not be lent from the reader's buffer.
    buf: Vec<u8>,
    /// Bytes of the reader's buffer lent out with the last frame, consumed at the next call.
    lent: usize,
    /// Record starts found ahead of the reader by [`FileCapture::next_frame_admitted`].
    scout: scout::Scout,
}

impl FileCapture<ReadAhead> {
    /// Opens a pcap or pcapng file and reads its header. The file is read a few chunks ahead
    /// on a thread of its own (see [`crate::readahead`]): when every frame is decoded, the
    /// copy on the second thread costs less than the first thread's page faults would.
    pub fn open(path: &Path) -> Result<FileCapture<ReadAhead>, CaptureError> {
        FileCapture::open_with(path, ReadAhead::new)
    }

    /// [`FileCapture::open`] for a reader that skips most frames undecoded (a display
    /// filter's [`crate::filter::Prefilter`] with [`FileCapture::next_frame_admitted`]): a
    /// regular file is read through a memory map, so that the frames skipped are never
    /// copied; anything else as [`FileCapture::open`] reads it.
    pub fn open_mapped(path: &Path) -> Result<FileCapture<ReadAhead>, CaptureError> {
        FileCapture::open_with(path, |file| ReadAhead::file(file, path))
    }

    fn open_with(
        path: &Path,
        reader: impl FnOnce(File) -> std::io::Result<ReadAhead>,
    ) -> Result<FileCapture<ReadAhead>, CaptureError> {
        let failed = |source| CaptureError::FileIo {
            path: path.to_owned(),
            at: None,
            source,
        };
        let file = File::open(path).map_err(failed)?;
        FileCapture::from_buf_read(reader(file).map_err(failed)?, path)
    }
}

impl FileCapture<ReadAhead> {
    /// Reads a capture from standard input as it arrives (`tcpdump -U -w - | sniffer read -`).
    pub fn stdin() -> Result<FileCapture<ReadAhead>, CaptureError> {
        let name = Path::new(STDIN_NAME);
        let input = ReadAhead::new(std::io::stdin()).map_err(|source| CaptureError::FileIo {
            path: name.to_owned(),
            at: None,
            source,
        })?;
        FileCapture::from_buf_read(input, name)
    }

    /// Whether the next frame can be read without waiting for the input (see
    /// [`ReadAhead::ready`]): when it cannot, what was read so far is worth showing now.
    pub fn input_ready(&mut self) -> bool {
        if self.lent > 0 {
            self.input.consume(self.lent);
            self.lent = 0;
        }
        self.input.ready()
    }
}

/// What errors call standard input.
pub const STDIN_NAME: &str = "standard input";

impl<R: Read> FileCapture<BufReader<R>> {
    /// Reads a capture from `input`; `name` is what errors call it.
    pub fn from_reader(input: R, name: &Path) -> Result<FileCapture<BufReader<R>>, CaptureError> {
        FileCapture::from_buf_read(BufReader::with_capacity(1 << 16, input), name)
    }
}

impl<B: BufRead> FileCapture<B> {
    /// Reads a capture from a buffered reader; `name` is what errors call it.
    pub fn from_buf_read(input: B, name: &Path) -> Result<FileCapture<B>, CaptureError> {
        let mut reader = FileCapture {
            input,
            path: name.to_owned(),
            kind: Kind::Pcapng,
            big_endian: false,
            interfaces: Vec::new(),
            names: Vec::new(),
            options: Vec::new(),
            offset: 0,
            buf: Vec::new(),
            lent: 0,
            scout: scout::Scout::default(),
        };
        reader.read_file_header()?;
        Ok(reader)
    }

    /// The first interface's link-layer type (every frame also carries its own).
    pub fn linktype(&self) -> Option<LinkType> {
        self.interfaces.first().map(|i| i.linktype)
    }

    /// Bytes of the file read so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The interfaces declared so far.
    pub fn interfaces(&self) -> &[Interface] {
        &self.interfaces
    }

    /// The next frame, or `None` at the end of the file.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        if self.lent > 0 {
            self.input.consume(self.lent);
            self.lent = 0;
        }
        match self.kind {
            Kind::Pcap { modified } => self.next_pcap_record(modified),
            Kind::Pcapng => self.next_pcapng_packet(),
        }
    }

    /// The next frame, skipping those `admit` rules out: they are passed to `skipped`, a run
    /// of them at a time, instead of being returned. Records of a classic pcap file that lie
    /// whole in the reader's buffer are looked at in one loop, without making a frame of each;
    /// a frame this loop cannot look at (a record split between two reads, a pcapng block) is
    /// returned as it is, for the caller to test. In a large buffer (a mapped file) the
    /// records are looked at several at a time, out of order, some of them twice (see
    /// the `scout` module): `admit` must depend on the frame's link type and bytes alone.
    pub fn next_frame_admitted(
        &mut self,
        mut admit: impl FnMut(LinkType, &[u8]) -> bool,
        mut skipped: impl FnMut(Skipped),
    ) -> Result<Option<Frame<'_>>, CaptureError> {
        if let (Kind::Pcap { modified }, Some(&iface)) = (self.kind, self.interfaces.first()) {
            let layout = scout::Layout {
                header_len: PCAP_RECORD_HEADER_LEN + if modified { PCAP_MODIFIED_EXTRA } else { 0 },
                big_endian: self.big_endian,
            };
            loop {
                if self.lent > 0 {
                    self.input.consume(self.lent);
                    self.lent = 0;
                }
                let offset = self.offset;
                let mut scout = std::mem::take(&mut self.scout);
                let available = self.available()?;
                let timed = |secs, frac| iface.pcap_timestamp(secs, frac);
                // A large buffer (a mapped file) is scouted a window at a time; a small one
                // is in the cache already, just read or copied.
                let (pos, stopped) = if available.len() >= scout.wants() {
                    if scout.resume(offset).is_none() {
                        scout.scout(available, offset, layout, |data| {
                            admit(iface.linktype, data)
                        });
                    }
                    skip_scouted(offset, &mut scout, |count, first, last| {
                        skipped(Skipped {
                            count,
                            first: timed(first.0, first.1),
                            last: timed(last.0, last.1),
                            precision: iface.precision,
                        })
                    })
                } else {
                    skip_walking(available, layout, |record, data| {
                        if admit(iface.linktype, data) {
                            return false;
                        }
                        let ts = timed(record.secs, record.frac);
                        skipped(Skipped {
                            count: 1,
                            first: ts,
                            last: ts,
                            precision: iface.precision,
                        });
                        true
                    })
                };
                self.scout = scout;
                self.input.consume(pos);
                self.offset += pos as u64;
                if stopped || pos == 0 {
                    break;
                }
            }
        }
        self.next_frame()
    }

    fn error(&self, at: u64, reason: impl Into<String>) -> CaptureError {
        file_error(&self.path, at, reason)
    }

    /// What the reader's buffer holds now (empty at the end of the file); nothing consumed.
    fn available(&mut self) -> Result<&[u8], CaptureError> {
        loop {
            match self.input.fill_buf() {
                // (A second borrow for the return: the first would keep `self.input`
                // borrowed in the error arms too.)
                Ok(_) => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(read_error(&self.path, self.offset, e)),
            }
        }
        let path = &self.path;
        let at = self.offset;
        self.input.fill_buf().map_err(|e| read_error(path, at, e))
    }

    /// Lends `len` bytes of the reader's buffer that start `skip` bytes from here, as the
    /// data of the next frame: the common case, where a record lies whole in the buffer,
    /// costs no copy. The caller has checked that `skip + len` bytes are available.
    fn lend(
        &mut self,
        lent: Lent,
        iface: Interface,
        ts: Timestamp,
        wire_len: u32,
    ) -> Result<Frame<'_>, CaptureError> {
        let Lent {
            skip,
            len,
            consumed,
            options,
        } = lent;
        let path = &self.path;
        let at = self.offset;
        let available = self.input.fill_buf().map_err(|e| read_error(path, at, e))?;
        let data = available
            .get(skip..skip + len)
            .ok_or_else(|| file_error(path, at, "the reader's buffer shrank"))?;
        self.lent = consumed;
        self.offset += consumed as u64;
        let mut frame = Frame::new(ts, wire_len, data);
        frame.linktype = iface.linktype;
        frame.precision = iface.precision;
        frame.interface = iface.id;
        frame.interface_name = iface
            .id
            .and_then(|id| self.names.get(usize::try_from(id).ok()?))
            .and_then(|n| n.as_deref());
        frame.options = available.get(options).unwrap_or_default();
        frame.options_big_endian = self.big_endian;
        Ok(frame)
    }

    /// Reads exactly `n` bytes into `self.buf`; `Ok(false)` at a clean end of file (nothing
    /// read), an error naming `what` and where it starts (`at`) if the file ends part-way.
    fn fill_at(&mut self, n: usize, what: &str, at: u64) -> Result<bool, CaptureError> {
        self.buf.clear();
        // Most records lie whole in the reader's buffer: one copy.
        match self.input.fill_buf() {
            Ok(available) if available.len() >= n => {
                self.buf.extend_from_slice(&available[..n]);
                self.input.consume(n);
                self.offset += n as u64;
                return Ok(n > 0);
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_error(&self.path, self.offset, e)),
        }
        // Otherwise the buffer grows with what actually arrives, so a header claiming
        // megabytes costs nothing until the bytes are there.
        // (read_to_end retries reads interrupted by signals itself.)
        let got = match (&mut self.input).take(n as u64).read_to_end(&mut self.buf) {
            Ok(got) => got,
            Err(e) => {
                return Err(read_error(
                    &self.path,
                    self.offset + self.buf.len() as u64,
                    e,
                ))
            }
        };
        self.offset += got as u64;
        if got == 0 {
            return Ok(false);
        }
        if got < n {
            return Err(self.error(
                at,
                format!("the file ends inside {what} ({got} of {n} bytes)"),
            ));
        }
        Ok(true)
    }

    /// [`Self::fill_at`] for something that starts at the current offset.
    fn fill(&mut self, n: usize, what: &str) -> Result<bool, CaptureError> {
        let at = self.offset;
        self.fill_at(n, what, at)
    }

    fn u16_at(&self, at: usize) -> u16 {
        let b = [self.buf[at], self.buf[at + 1]];
        if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }
    }

    fn u32_at(&self, at: usize) -> u32 {
        let b = [
            self.buf[at],
            self.buf[at + 1],
            self.buf[at + 2],
            self.buf[at + 3],
        ];
        if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    }

    fn read_file_header(&mut self) -> Result<(), CaptureError> {
        if !self.fill(4, "the file header")? {
            return Err(self.error(0, "the file is empty"));
        }
        let le = u32::from_le_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]);
        let be = le.swap_bytes();
        let pcap = |m: u32| [PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO, PCAP_MAGIC_MODIFIED].contains(&m);
        if pcap(le) || pcap(be) {
            self.big_endian = pcap(be);
            let m = if self.big_endian { be } else { le };
            let head = self.buf[..4].to_vec();
            if !self.fill(PCAP_FILE_HEADER_LEN - 4, "the pcap file header")? {
                return Err(self.error(4, "the file ends inside the pcap file header"));
            }
            let mut whole = head;
            whole.extend_from_slice(&self.buf);
            self.buf = whole;
            let snaplen = self.u32_at(16);
            // The low 16 bits are the linktype; the upper bits hold FCS information.
            let linktype = LinkType(self.u32_at(20) & 0xffff);
            let mut iface = Interface::new(linktype, snaplen);
            if m == PCAP_MAGIC_NANO {
                iface.set_resolution(9);
            }
            self.kind = Kind::Pcap {
                modified: m == PCAP_MAGIC_MODIFIED,
            };
            self.check_linktype(linktype)?;
            self.interfaces.push(iface);
            Ok(())
        } else if le == pcapng::SECTION_HEADER {
            self.kind = Kind::Pcapng;
            self.read_section_header(0, None)
        } else {
            Err(self.error(
                0,
                format!("unknown file format (magic {le:08x}): not a pcap or pcapng file"),
            ))
        }
    }

    fn check_linktype(&self, linktype: LinkType) -> Result<(), CaptureError> {
        if linktype.is_supported() {
            Ok(())
        } else {
            Err(CaptureError::UnsupportedLinkType {
                source_name: self.path.display().to_string(),
                linktype: linktype.0,
                name: linktype.libpcap_name(),
                supported: LinkType::supported_list(),
            })
        }
    }

    fn next_pcap_record(&mut self, modified: bool) -> Result<Option<Frame<'_>>, CaptureError> {
        let start = self.offset;
        let header_len = PCAP_RECORD_HEADER_LEN + if modified { PCAP_MODIFIED_EXTRA } else { 0 };
        // The common case: header and record whole in the reader's buffer.
        let iface = self.interfaces[0];
        let big_endian = self.big_endian;
        let whole = {
            let available = self.available()?;
            available
                .get(..header_len)
                .and_then(|header| RecordHeader::parse(header, big_endian))
                .filter(|r| {
                    r.caplen <= MAX_RECORD_LEN && available.len() - header_len >= r.caplen as usize
                })
        };
        if let Some(record) = whole {
            let ts = iface.pcap_timestamp(record.secs, record.frac);
            let lent = Lent {
                skip: header_len,
                len: record.caplen as usize,
                consumed: header_len + record.caplen as usize,
                options: 0..0,
            };
            return self.lend(lent, iface, ts, record.wire_len).map(Some);
        }
        if !self.fill(header_len, "a record header")? {
            return Ok(None);
        }
        let secs = self.u32_at(0);
        let frac = self.u32_at(4);
        let caplen = self.u32_at(8);
        let wire_len = self.u32_at(12);
        if caplen > MAX_RECORD_LEN {
            return Err(self.error(
                start,
                format!("record claims {caplen} captured bytes, more than any packet: the file is corrupt"),
            ));
        }
        let iface = self.interfaces[0];
        if !self.fill_at(caplen as usize, "a packet record", start)? && caplen > 0 {
            return Err(self.error(start, "the file ends after a record header"));
        }
        let ts = iface.pcap_timestamp(secs, frac);
        Ok(Some(self.frame(iface, ts, wire_len)))
    }

    fn frame(&self, iface: Interface, ts: Timestamp, wire_len: u32) -> Frame<'_> {
        let mut frame = Frame::new(ts, wire_len, &self.buf);
        frame.linktype = iface.linktype;
        frame.precision = iface.precision;
        frame.interface = iface.id;
        frame.interface_name = iface
            .id
            .and_then(|id| self.names.get(usize::try_from(id).ok()?))
            .and_then(|n| n.as_deref());
        frame.options = &self.options;
        frame.options_big_endian = self.big_endian;
        frame
    }
}

/// Records lying whole in `available` (from a record start), in order, up to
/// [`SKIP_BATCH`] bytes of them: each is passed to `skip` (its header and data) until
/// `skip` says no. The bytes passed over, and whether `skip` said no (at the record there).
fn skip_walking(
    available: &[u8],
    layout: scout::Layout,
    mut skip: impl FnMut(RecordHeader, &[u8]) -> bool,
) -> (usize, bool) {
    let mut pos = 0;
    let mut prefetched = 0;
    while pos < SKIP_BATCH {
        let Some((record, end)) = layout.record(available, pos) else {
            break;
        };
        // The headers ahead, asked of memory before they are needed: each one's place is
        // known only from the one before it.
        if pos + PREFETCH > prefetched {
            let from = prefetched.max(pos);
            prefetched = pos + PREFETCH + 512;
            prefetch(available, from, prefetched);
        }
        if !skip(record, &available[pos + layout.header_len..end]) {
            return (pos, true);
        }
        pos = end;
    }
    (pos, false)
}

/// What `scout` saw from file offset `offset` on, up to its first record wanted: each run of
/// records not wanted is passed to `skipped` (how many, the first's and the last's time as
/// their headers give them). The bytes passed over, and whether a record is wanted there.
fn skip_scouted(
    offset: u64,
    scout: &mut scout::Scout,
    mut skipped: impl FnMut(u64, (u32, u32), (u32, u32)),
) -> (usize, bool) {
    let Some((seen, delta)) = scout.resume(offset) else {
        return (0, false);
    };
    let mut pos = 0;
    let mut passed = 0;
    let mut wanted = false;
    for &s in seen {
        passed += 1;
        match s {
            scout::Seen::Skipped {
                count,
                first,
                last,
                end,
            } => {
                skipped(u64::from(count), first, last);
                pos = end - delta;
            }
            scout::Seen::Wanted { at, .. } => {
                pos = at - delta;
                wanted = true;
                break;
            }
        }
    }
    scout.passed(passed);
    (pos, wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `next_frame_admitted` makes of `file`, frame by frame as (time, length,
    /// admitted), given what `expected` says of each frame; a skipped frame's length is not
    /// told, and is taken from `expected`.
    fn admitted<B: BufRead>(
        mut file: FileCapture<B>,
        expected: &[(Timestamp, usize, bool)],
        admit: impl Fn(&[u8]) -> bool,
    ) -> Vec<(Timestamp, usize, bool)> {
        let mut seen = Vec::new();
        loop {
            let mut skipped = Vec::new();
            let next = file
                .next_frame_admitted(|_, data| admit(data), |run| skipped.push(run))
                .expect("frame")
                .map(|f| (f.ts, f.data.len(), admit(f.data)));
            // Runs of frames not admitted, one after the other, each with its first and last
            // frame's time.
            for run in skipped {
                let i = seen.len();
                let n = usize::try_from(run.count).expect("count");
                assert!(
                    n > 0 && i + n <= expected.len(),
                    "a run of {n} at frame {}",
                    i + 1
                );
                assert_eq!(
                    (run.first, run.last),
                    (expected[i].0, expected[i + n - 1].0)
                );
                for (j, frame) in expected[i..i + n].iter().enumerate() {
                    assert!(!frame.2, "frame {} was admitted", i + j + 1);
                    seen.push(*frame);
                }
            }
            match next {
                Some(frame) => seen.push(frame),
                None => break,
            }
        }
        seen
    }

    /// Every frame of a fixture, as (time, length, admitted): by `next_frame`, and by
    /// `next_frame_admitted` through a reader whose small buffer splits records between reads.
    #[test]
    fn skipping_sees_every_frame_in_order() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ipv4-fragments.pcap");
        let bytes = std::fs::read(&path).expect("fixture");
        let admit = |data: &[u8]| data.len() % 3 == 0;
        let mut expected = Vec::new();
        let mut whole = FileCapture::from_reader(&bytes[..], &path).expect("header");
        while let Some(frame) = whole.next_frame().expect("frame") {
            expected.push((frame.ts, frame.data.len(), admit(frame.data)));
        }
        assert!(expected.iter().any(|f| f.2) && expected.iter().any(|f| !f.2));
        for capacity in [16, 37, 100, 1 << 16] {
            let input = BufReader::with_capacity(capacity, &bytes[..]);
            let file = FileCapture::from_buf_read(input, &path).expect("header");
            assert_eq!(
                admitted(file, &expected, admit),
                expected,
                "buffer of {capacity} bytes"
            );
        }
    }

    /// A mapped file large enough to be scouted a window at a time (see [`scout`]), its
    /// records of many lengths with payloads that look like record headers, and a few of
    /// them admitted: every frame is seen, in order, as `next_frame` reads them.
    #[test]
    fn skipping_a_mapped_file_sees_every_frame_in_order() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&PCAP_MAGIC_MICRO.to_le_bytes());
        for half in [2u16, 4, 0, 0, 0, 0, 0xffff, 0, 1, 0] {
            bytes.extend_from_slice(&half.to_le_bytes());
        }
        let mut i = 0u32;
        while bytes.len() < 3 * scout::WINDOW {
            let len = 60 + (i * 97) % 1400;
            for word in [
                1_700_000_000 + i / 1000,
                (i * 7919) % 1_000_000,
                len,
                len + i % 3,
            ] {
                bytes.extend_from_slice(&word.to_le_bytes());
            }
            // A payload of what looks like record headers, each claiming 20 bytes.
            let fake: Vec<u8> = [1_700_000_000 + i / 1000, 3, 20, 20]
                .iter()
                .flat_map(|w| w.to_le_bytes())
                .chain([0xab; 20])
                .collect();
            bytes.extend((0..len as usize).map(|k| fake[k % fake.len()]));
            i += 1;
        }
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("large.pcap");
        std::fs::write(&path, &bytes).expect("write");
        let admit = |data: &[u8]| data.len() % 101 == 7;
        let mut expected = Vec::new();
        let mut whole = FileCapture::from_reader(&bytes[..], &path).expect("header");
        while let Some(frame) = whole.next_frame().expect("frame") {
            expected.push((frame.ts, frame.data.len(), admit(frame.data)));
        }
        assert_eq!(expected.len(), i as usize);
        assert!(expected.iter().filter(|f| f.2).count() > 10);
        let file = FileCapture::open_mapped(&path).expect("open");
        assert!(file.input.is_mapped());
        assert_eq!(admitted(file, &expected, admit), expected);
    }
}
