//! Synthetic captures: frames built from a description, wrapped in any supported link layer,
//! written as pcap (either byte order, microsecond or nanosecond) or pcapng.
//!
//! This is how the test corpus is made: every fault Wireshark flags (losses, reordering,
//! duplicates, zero windows, keep-alives, port reuse…) can be written down exactly, then
//! `tshark` and `sniffer` read the same file and their listings are compared line by line.
//! The IP and TCP headers are built by etherparse (with correct checksums); the link-layer
//! headers and the file formats are laid out here, each field named.
//!
//! [`interleaved`] writes big captures of many conversations at once, for benchmarks.

mod file;
pub mod interleaved;
mod packets;
mod talk;

pub use file::{
    write_capture, write_pcap_header, write_pcap_record, write_pcapng, FileFormat, PcapLayout,
};
pub use packets::*;
pub use talk::{End, Talk};

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};

use etherparse::{PacketBuilder, TcpHeader};

use crate::format::RecordHeader;
use crate::frame::Timestamp;
use crate::link::{ether_type, LinkType};
use crate::tcp::TcpFlags;

/// One frame of a synthetic capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthFrame {
    pub ts: Timestamp,
    /// The bytes as captured (link header included).
    pub data: Vec<u8>,
    /// Length on the wire (more than `data.len()` when truncated).
    pub wire_len: u32,
}

/// A TCP segment to build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpSpec {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
    pub urgent: u16,
    /// Raw option bytes (padded with EOL to a multiple of 4 when built).
    pub options: Vec<u8>,
    pub payload: Vec<u8>,
}

/// Option bytes, for building [`TcpSpec::options`].
pub mod opt {
    /// Maximum segment size.
    pub fn mss(v: u16) -> Vec<u8> {
        let [a, b] = v.to_be_bytes();
        vec![2, 4, a, b]
    }
    /// Window scale shift.
    pub fn ws(shift: u8) -> Vec<u8> {
        vec![3, 3, shift]
    }
    /// SACK permitted.
    pub fn sack_perm() -> Vec<u8> {
        vec![4, 2]
    }
    /// SACK blocks (left, right edges).
    pub fn sack(blocks: &[(u32, u32)]) -> Vec<u8> {
        let mut v = vec![5, u8::try_from(2 + 8 * blocks.len()).unwrap_or(u8::MAX)];
        for (l, r) in blocks {
            v.extend_from_slice(&l.to_be_bytes());
            v.extend_from_slice(&r.to_be_bytes());
        }
        v
    }
    /// Timestamps.
    pub fn ts(val: u32, ecr: u32) -> Vec<u8> {
        let mut v = vec![8, 10];
        v.extend_from_slice(&val.to_be_bytes());
        v.extend_from_slice(&ecr.to_be_bytes());
        v
    }
    /// No-operation (padding).
    pub fn nop() -> Vec<u8> {
        vec![1]
    }
    /// TCP Fast Open cookie (empty: a cookie request).
    pub fn tfo(cookie: &[u8]) -> Vec<u8> {
        let mut v = vec![34, u8::try_from(2 + cookie.len()).unwrap_or(u8::MAX)];
        v.extend_from_slice(cookie);
        v
    }
    /// Linux's usual SYN options: MSS, SACK_PERM, TS, NOP, WS.
    pub fn linux_syn(mss_value: u16, tsval: u32, tsecr: u32, shift: u8) -> Vec<u8> {
        [
            mss(mss_value),
            sack_perm(),
            ts(tsval, tsecr),
            nop(),
            ws(shift),
        ]
        .concat()
    }
}

impl TcpSpec {
    /// The IP packet (IPv4 or IPv6 by the addresses) carrying this segment.
    pub fn ip_packet(&self) -> Vec<u8> {
        let mut header = TcpHeader::new(self.src.port(), self.dst.port(), self.seq, self.window);
        header.acknowledgment_number = self.ack;
        let f = self.flags;
        header.fin = f.contains(TcpFlags::FIN);
        header.syn = f.contains(TcpFlags::SYN);
        header.rst = f.contains(TcpFlags::RST);
        header.psh = f.contains(TcpFlags::PSH);
        header.ack = f.contains(TcpFlags::ACK);
        header.urg = f.contains(TcpFlags::URG);
        header.ece = f.contains(TcpFlags::ECE);
        header.cwr = f.contains(TcpFlags::CWR);
        header.ns = f.contains(TcpFlags::NS);
        header.urgent_pointer = self.urgent;
        let mut options = self.options.clone();
        while options.len() % 4 != 0 {
            options.push(0); // EOL padding
        }
        // Options longer than 40 bytes do not fit a TCP header; keep what fits.
        options.truncate(40);
        let _ = header.set_options_raw(&options);
        let mut out = Vec::new();
        let written = match (self.src.ip(), self.dst.ip()) {
            (IpAddr::V4(s), IpAddr::V4(d)) => PacketBuilder::ipv4(s.octets(), d.octets(), 64)
                .tcp_header(header)
                .write(&mut out, &self.payload),
            (s, d) => PacketBuilder::ipv6(v6(s), v6(d), 64)
                .tcp_header(header)
                .write(&mut out, &self.payload),
        };
        debug_assert!(written.is_ok(), "building into a Vec cannot fail");
        if f.intersects(TcpFlags::RESERVED) {
            // etherparse has no field for the reserved bits: set them in the built header.
            let tcp_start = out.len() - self.payload.len() - 20 - options.len();
            out[tcp_start + 12] |= ((f.bits() & TcpFlags::RESERVED.bits()) >> 8) as u8 & 0x0e;
        }
        out
    }
}

fn v6(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V6(a) => a.octets(),
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
    }
}

/// An IP packet (IPv4 or IPv6, by the addresses) of protocol `protocol` carrying `payload`.
pub fn ip_packet(src: IpAddr, dst: IpAddr, protocol: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let number = etherparse::IpNumber(protocol);
    let written = match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            PacketBuilder::ipv4(s.octets(), d.octets(), 64).write(&mut out, number, payload)
        }
        (s, d) => PacketBuilder::ipv6(v6(s), v6(d), 64).write(&mut out, number, payload),
    };
    debug_assert!(written.is_ok(), "building into a Vec cannot fail");
    out
}

/// A UDP datagram (IPv4 or IPv6) carrying `payload`.
pub fn udp_packet(src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let written = match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => PacketBuilder::ipv4(s.octets(), d.octets(), 64)
            .udp(src.port(), dst.port())
            .write(&mut out, payload),
        (s, d) => PacketBuilder::ipv6(v6(s), v6(d), 64)
            .udp(src.port(), dst.port())
            .write(&mut out, payload),
    };
    debug_assert!(written.is_ok(), "building into a Vec cannot fail");
    out
}

/// Puts the link-layer header of `linktype` in front of an IP packet. `vlan` adds an 802.1Q
/// tag (Ethernet only).
pub fn link_wrap(linktype: LinkType, ip: &[u8], vlan: Option<u16>) -> Vec<u8> {
    let is_v6 = ip.first().is_some_and(|b| b >> 4 == 6);
    let et = if is_v6 {
        ether_type::IPV6
    } else {
        ether_type::IPV4
    };
    let mut out = Vec::with_capacity(ip.len() + 20);
    match linktype {
        LinkType::EN10MB => {
            out.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02]); // destination MAC
            out.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x01]); // source MAC
            if let Some(id) = vlan {
                out.extend_from_slice(&0x8100u16.to_be_bytes()); // 802.1Q TPID
                out.extend_from_slice(&(id & 0x0fff).to_be_bytes()); // PCP 0, DEI 0, VID
            }
            out.extend_from_slice(&et.to_be_bytes());
        }
        LinkType::PPP | LinkType::PPP_SERIAL => {
            out.extend_from_slice(&[0xff, 0x03]); // address and control
            out.extend_from_slice(&(if is_v6 { 0x0057u16 } else { 0x0021 }).to_be_bytes());
        }
        LinkType::C_HDLC => {
            out.extend_from_slice(&[0x0f, 0x00]); // unicast address, control
            out.extend_from_slice(&et.to_be_bytes());
        }
        LinkType::NULL => {
            // Family in the writer's byte order: little-endian, AF_INET6 as on macOS.
            let family: u32 = if is_v6 { 30 } else { 2 };
            out.extend_from_slice(&family.to_le_bytes());
        }
        LinkType::LOOP => {
            let family: u32 = if is_v6 { 24 } else { 2 };
            out.extend_from_slice(&family.to_be_bytes());
        }
        LinkType::LINUX_SLL => {
            out.extend_from_slice(&0u16.to_be_bytes()); // packet type: to us
            out.extend_from_slice(&772u16.to_be_bytes()); // ARPHRD_LOOPBACK
            out.extend_from_slice(&6u16.to_be_bytes()); // address length
            out.extend_from_slice(&[0u8; 8]); // address, padded to 8
            out.extend_from_slice(&et.to_be_bytes()); // protocol
        }
        LinkType::LINUX_SLL2 => {
            out.extend_from_slice(&et.to_be_bytes()); // protocol
            out.extend_from_slice(&0u16.to_be_bytes()); // reserved
            out.extend_from_slice(&1u32.to_be_bytes()); // interface index
            out.extend_from_slice(&772u16.to_be_bytes()); // ARPHRD_LOOPBACK
            out.push(0); // packet type: to us
            out.push(6); // address length
            out.extend_from_slice(&[0u8; 8]); // address, padded to 8
        }
        // RAW, IPV4, IPV6: no link header.
        _ => {}
    }
    out.extend_from_slice(ip);
    out
}

/// A frame whose wire length is its captured length.
pub fn frame(ts: Timestamp, data: Vec<u8>) -> SynthFrame {
    let wire_len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    SynthFrame { ts, data, wire_len }
}
