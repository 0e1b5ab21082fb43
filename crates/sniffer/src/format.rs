//! The pcap and pcapng file formats, laid out once: every magic number, header and block,
//! shared by the reader ([`crate::pcapfile`]), the savefile writers ([`crate::write`]) and
//! the test-capture generator ([`crate::synth`]).
//!
//! - pcap (tcpdump's classic format): a 24-byte file header, then per packet a 16-byte record
//!   header and the bytes kept; either byte order, microsecond or nanosecond timestamps
//!   ([`PcapLayout`], [`RecordHeader`]).
//! - pcapng: blocks of `type, length, body, length`; this crate writes one Section Header,
//!   Interface Descriptions and Enhanced Packets ([`pcapng`]) and reads those and the two older
//!   packet blocks.

/// pcap's magic numbers: microsecond and nanosecond timestamps, and the "modified" format
/// (Kuznetzov's patch, 8 more bytes per record).
pub const PCAP_MAGIC_MICRO: u32 = 0xa1b2_c3d4;
pub const PCAP_MAGIC_NANO: u32 = 0xa1b2_3c4d;
pub const PCAP_MAGIC_MODIFIED: u32 = 0xa1b2_cd34;
/// The pcap version every tool writes.
pub const PCAP_VERSION_MAJOR: u16 = 2;
pub const PCAP_VERSION_MINOR: u16 = 4;
/// Length of the pcap file header and of a record header.
pub const PCAP_FILE_HEADER_LEN: usize = 24;
pub const PCAP_RECORD_HEADER_LEN: usize = 16;
/// Extra bytes per record in the modified pcap format (ifindex, protocol, type, padding).
pub const PCAP_MODIFIED_EXTRA: usize = 8;

/// How a classic pcap file is laid out: byte order, timestamp resolution, snapshot length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PcapLayout {
    pub big_endian: bool,
    pub nanos: bool,
    pub snaplen: u32,
}

impl PcapLayout {
    /// What savefiles use: little-endian, microseconds.
    pub fn savefile(snaplen: u32) -> PcapLayout {
        PcapLayout {
            big_endian: false,
            nanos: false,
            snaplen,
        }
    }

    fn u32b(self, v: u32) -> [u8; 4] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn u16b(self, v: u16) -> [u8; 2] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    /// The 24-byte file header for frames of `linktype`.
    pub fn file_header(self, linktype: u32) -> [u8; PCAP_FILE_HEADER_LEN] {
        let magic = if self.nanos {
            PCAP_MAGIC_NANO
        } else {
            PCAP_MAGIC_MICRO
        };
        let mut h = [0; PCAP_FILE_HEADER_LEN];
        h[0..4].copy_from_slice(&self.u32b(magic));
        h[4..6].copy_from_slice(&self.u16b(PCAP_VERSION_MAJOR));
        h[6..8].copy_from_slice(&self.u16b(PCAP_VERSION_MINOR));
        // thiszone and sigfigs (8..16) stay 0.
        h[16..20].copy_from_slice(&self.u32b(self.snaplen));
        h[20..24].copy_from_slice(&self.u32b(linktype));
        h
    }

    /// The 16-byte header of a record.
    pub fn record_header(self, record: RecordHeader) -> [u8; PCAP_RECORD_HEADER_LEN] {
        let mut h = [0; PCAP_RECORD_HEADER_LEN];
        let words = [record.secs, record.frac, record.caplen, record.wire_len];
        for (i, v) in words.into_iter().enumerate() {
            h[i * 4..i * 4 + 4].copy_from_slice(&self.u32b(v));
        }
        h
    }
}

/// A pcap record header, named: when (seconds, and the fraction in the file's resolution),
/// the bytes kept and the length on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    pub secs: u32,
    pub frac: u32,
    pub caplen: u32,
    pub wire_len: u32,
}

impl RecordHeader {
    /// Parses the first 16 bytes of `bytes` (`None` when shorter).
    pub fn parse(bytes: &[u8], big_endian: bool) -> Option<RecordHeader> {
        let head = bytes.get(..PCAP_RECORD_HEADER_LEN)?;
        let [secs, frac, caplen, wire_len] = [0, 4, 8, 12].map(|at| word(head, at, big_endian));
        Some(RecordHeader {
            secs,
            frac,
            caplen,
            wire_len,
        })
    }
}

/// The 32-bit word at `at` in `bytes`, in the file's byte order (0 past the end).
pub fn word(bytes: &[u8], at: usize, big_endian: bool) -> u32 {
    let mut b = [0u8; 4];
    if let Some(w) = bytes.get(at..at + 4) {
        b.copy_from_slice(w);
    }
    if big_endian {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    }
}

/// pcapng: block types, option codes, and the blocks this crate writes (little-endian).
pub mod pcapng {
    use super::word;

    /// The Section Header Block's type, and the magic that gives the byte order.
    pub const SECTION_HEADER: u32 = 0x0a0d_0d0a;
    pub const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
    pub const INTERFACE_DESCRIPTION: u32 = 1;
    pub const PACKET_OBSOLETE: u32 = 2;
    pub const SIMPLE_PACKET: u32 = 3;
    /// Custom Blocks, which readers may copy into other files, or not.
    pub const CUSTOM_COPY: u32 = 0x0000_0bad;
    pub const CUSTOM_NO_COPY: u32 = 0x4000_0bad;
    pub const ENHANCED_PACKET: u32 = 6;
    pub const OPT_END: u16 = 0;
    pub const OPT_COMMENT: u16 = 1;
    pub const SHB_USERAPPL: u16 = 4;
    pub const IF_NAME: u16 = 2;
    pub const IF_TSRESOL: u16 = 9;
    pub const IF_FILTER: u16 = 11;
    pub const IF_TSOFFSET: u16 = 14;
    /// The first byte of `if_filter`: the filter is a libpcap expression.
    pub const FILTER_LIBPCAP: u8 = 0;
    /// `if_tsresol` 6: microseconds, as libpcap delivers live timestamps.
    pub const MICROSECONDS: u8 = 6;
    /// Length of an Enhanced Packet Block before its data, and of its trailing length.
    pub const EPB_HEAD_LEN: usize = 28;
    pub const BLOCK_TRAILER_LEN: usize = 4;

    /// The fixed part of an Enhanced Packet Block, named.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct EnhancedPacketHeader {
        /// The whole block's length (a multiple of 4).
        pub block_len: u32,
        /// Index of the interface it was captured on.
        pub interface: u32,
        /// The timestamp in the interface's units.
        pub timestamp: u64,
        pub caplen: u32,
        pub wire_len: u32,
    }

    impl EnhancedPacketHeader {
        /// Parses the block at the start of `bytes` when it is an Enhanced Packet Block lying
        /// whole in `bytes` and well formed (its trailing length agrees, its data fits, it is
        /// no longer than `max_len`); `None` otherwise.
        pub fn parse_whole(
            bytes: &[u8],
            big_endian: bool,
            max_len: u32,
        ) -> Option<EnhancedPacketHeader> {
            let head = bytes.get(..EPB_HEAD_LEN)?;
            let w = |at| word(head, at, big_endian);
            let (kind, len) = (w(0), w(4));
            let min = (EPB_HEAD_LEN + BLOCK_TRAILER_LEN) as u32;
            if kind != ENHANCED_PACKET || len < min || len % 4 != 0 || len > max_len {
                return None;
            }
            let block = bytes.get(..len as usize)?;
            let caplen = w(20);
            let trailer = word(block, len as usize - BLOCK_TRAILER_LEN, big_endian);
            if trailer != len || min as usize + caplen as usize > len as usize {
                return None;
            }
            Some(EnhancedPacketHeader {
                block_len: len,
                interface: w(8),
                timestamp: (u64::from(w(12)) << 32) | u64::from(w(16)),
                caplen,
                wire_len: w(24),
            })
        }
    }

    /// Appends one option (code, length, value padded to 4 bytes).
    fn option(buf: &mut Vec<u8>, code: u16, value: &[u8]) {
        let len = u16::try_from(value.len()).unwrap_or(u16::MAX);
        buf.extend_from_slice(&code.to_le_bytes());
        buf.extend_from_slice(&len.to_le_bytes());
        buf.extend_from_slice(&value[..usize::from(len)]);
        buf.resize(buf.len().div_ceil(4) * 4, 0);
    }

    /// Frames a block: type, total length, body, total length.
    fn block(block_type: u32, body: &[u8]) -> Vec<u8> {
        let len = u32::try_from(12 + body.len()).unwrap_or(u32::MAX);
        let mut b = Vec::with_capacity(body.len() + 12);
        b.extend_from_slice(&block_type.to_le_bytes());
        b.extend_from_slice(&len.to_le_bytes());
        b.extend_from_slice(body);
        b.extend_from_slice(&len.to_le_bytes());
        b
    }

    /// A Section Header Block (version 1.0, length unknown), with `shb_userappl` if given.
    pub fn section_header(application: Option<&str>) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
        body.extend_from_slice(&1u16.to_le_bytes()); // major version
        body.extend_from_slice(&0u16.to_le_bytes()); // minor version
        body.extend_from_slice(&(-1i64).to_le_bytes()); // section length: not computed
        if let Some(app) = application {
            option(&mut body, SHB_USERAPPL, app.as_bytes());
            option(&mut body, OPT_END, &[]);
        }
        block(SECTION_HEADER, &body)
    }

    /// An Interface Description Block: link type, snapshot length, `if_tsresol` (10^-n
    /// seconds), and the name and libpcap filter when given.
    pub fn interface(
        linktype: u32,
        snaplen: u32,
        tsresol: u8,
        name: Option<&str>,
        filter: Option<&str>,
    ) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&u16::try_from(linktype).unwrap_or(u16::MAX).to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes()); // reserved
        body.extend_from_slice(&snaplen.to_le_bytes());
        if let Some(name) = name {
            option(&mut body, IF_NAME, name.as_bytes());
        }
        if let Some(filter) = filter.filter(|f| !f.is_empty()) {
            let mut value = vec![FILTER_LIBPCAP];
            value.extend_from_slice(filter.as_bytes());
            option(&mut body, IF_FILTER, &value);
        }
        option(&mut body, IF_TSRESOL, &[tsresol]);
        option(&mut body, OPT_END, &[]);
        block(INTERFACE_DESCRIPTION, &body)
    }

    /// An Enhanced Packet Block: interface, timestamp in the interface's units, the bytes
    /// kept, the length on the wire, and a comment when given.
    pub fn enhanced_packet(
        interface: u32,
        timestamp: u64,
        data: &[u8],
        wire_len: u32,
        comment: Option<&str>,
    ) -> Vec<u8> {
        let caplen = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let mut body = Vec::with_capacity(data.len() + 64);
        body.extend_from_slice(&interface.to_le_bytes());
        body.extend_from_slice(&((timestamp >> 32) as u32).to_le_bytes()); // high
        body.extend_from_slice(&(timestamp as u32).to_le_bytes()); // low
        body.extend_from_slice(&caplen.to_le_bytes()); // captured length
        body.extend_from_slice(&wire_len.to_le_bytes()); // original length
        body.extend_from_slice(data);
        body.resize(body.len().div_ceil(4) * 4, 0);
        if let Some(text) = comment {
            option(&mut body, OPT_COMMENT, text.as_bytes());
            option(&mut body, OPT_END, &[]);
        }
        block(ENHANCED_PACKET, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_record_header_parses_back_in_either_byte_order() {
        let record = RecordHeader {
            secs: 1_700_000_000,
            frac: 123_456,
            caplen: 74,
            wire_len: 1514,
        };
        for big_endian in [false, true] {
            let layout = PcapLayout {
                big_endian,
                nanos: false,
                snaplen: 262_144,
            };
            let bytes = layout.record_header(record);
            assert_eq!(RecordHeader::parse(&bytes, big_endian), Some(record));
            assert_eq!(RecordHeader::parse(&bytes[..15], big_endian), None);
            let header = layout.file_header(1);
            assert_eq!(word(&header, 0, big_endian), PCAP_MAGIC_MICRO);
            assert_eq!(word(&header, 16, big_endian), 262_144);
        }
    }

    #[test]
    fn a_written_enhanced_packet_parses_back_only_whole() {
        let block = pcapng::enhanced_packet(2, (7 << 32) | 9, b"abcde", 60, Some("hi"));
        let head = pcapng::EnhancedPacketHeader::parse_whole(&block, false, 1 << 20)
            .expect("a whole block");
        assert_eq!(
            (head.interface, head.timestamp, head.caplen, head.wire_len),
            (2, (7 << 32) | 9, 5, 60)
        );
        assert_eq!(head.block_len as usize, block.len());
        // Cut short, too long for the limit, or with a wrong trailer: not whole.
        assert!(pcapng::EnhancedPacketHeader::parse_whole(
            &block[..block.len() - 1],
            false,
            1 << 20
        )
        .is_none());
        assert!(pcapng::EnhancedPacketHeader::parse_whole(&block, false, 16).is_none());
        let mut bad = block.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(pcapng::EnhancedPacketHeader::parse_whole(&bad, false, 1 << 20).is_none());
    }
}
