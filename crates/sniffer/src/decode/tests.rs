//! Decoding crafted frames: every linktype, IPv4 and IPv6, options, truncation.

use super::*;
use crate::tcp::{SeqNum, TcpFlags, TcpOption};

/// The IPv4 SYN of a Linux loopback handshake, 127.0.0.1:54334 → 127.0.0.1:12345 (60 bytes).
static IPV4_SYN: &[u8] = &[
    0x45, 0x00, 0x00, 0x3c, 0xe1, 0xec, 0x40, 0x00, 0x40, 0x06, 0x5a, 0xcd, // IPv4, len 60
    0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, // 127.0.0.1 → 127.0.0.1
    0xd4, 0x3e, 0x30, 0x39, // ports 54334 → 12345
    0x27, 0xb5, 0xeb, 0x2c, 0x00, 0x00, 0x00, 0x00, // seq, ack 0
    0xa0, 0x02, 0xff, 0xd7, 0xfe, 0x30, 0x00, 0x00, // offset 10 words, SYN, win 65495
    0x02, 0x04, 0xff, 0xd7, 0x04, 0x02, 0x08, 0x0a, 0xce, 0xc5, 0xae, 0xce, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x03, 0x03, 0x0a, // MSS, SACK_PERM, TS, NOP, WS=10
];

/// The server's greeting in one PSH-ACK: 32-byte TCP header and 18 bytes of data.
static IPV4_GREETING: &[u8] = &[
    0x45, 0x00, 0x00, 0x46, 0xbf, 0xf2, 0x40, 0x00, 0x40, 0x06, 0x7c, 0xbd, // IPv4, len 70
    0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, //
    0x30, 0x39, 0xd4, 0x3e, // 12345 → 54334
    0xfa, 0x74, 0x8f, 0x70, 0x27, 0xb5, 0xeb, 0x2d, // seq, ack
    0x80, 0x18, 0x00, 0x40, 0xfe, 0x3a, 0x00, 0x00, // offset 8 words, PSH+ACK, win 64
    0x01, 0x01, 0x08, 0x0a, 0xaa, 0xf4, 0x6e, 0x14, 0xce, 0xc5, 0xae, 0xcf, // NOP NOP TS
    b'w', b'e', b'l', b'c', b'o', b'm', b'e', b' ', b't', b'o', b' ', b'p', b'y', b't', b'h', b'o',
    b'n', b'!',
];

/// An IPv6 SYN-ACK ::1 port 12345 → ::1 port 40000 with MSS only (20 + 4 bytes of TCP).
static IPV6_SYN_ACK: &[u8] = &[
    0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x06, 0x40, // IPv6, payload 24, next TCP, hop 64
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // ::1
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // ::1
    0x30, 0x39, 0x9c, 0x40, // 12345 → 40000
    0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x0b, // seq 100, ack 11
    0x60, 0x12, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, // offset 6 words, SYN+ACK, win 8192
    0x02, 0x04, 0x05, 0xb4, // MSS 1460
];

fn frame(data: &[u8]) -> Frame<'_> {
    let wire = u32::try_from(data.len()).expect("small");
    Frame::new(Timestamp { secs: 1, nanos: 0 }, wire, data)
}

fn with_prefix(prefix: &[u8], ip: &[u8]) -> Vec<u8> {
    let mut v = prefix.to_vec();
    v.extend_from_slice(ip);
    v
}

fn ethernet(ip: &[u8]) -> Vec<u8> {
    let ether_type = if ip[0] >> 4 == 6 {
        [0x86, 0xdd]
    } else {
        [0x08, 0x00]
    };
    let mut header = vec![0u8; 12];
    header.extend_from_slice(&ether_type);
    with_prefix(&header, ip)
}

fn assert_is_the_syn(p: &Packet) {
    assert_eq!(p.malformed, None);
    let ip = p.ip().expect("ip");
    assert_eq!(ip.src, "127.0.0.1".parse::<IpAddr>().expect("addr"));
    assert_eq!(ip.protocol, ip_proto::TCP);
    assert_eq!(ip.payload_len, 40);
    let tcp = p.tcp().expect("tcp");
    assert_eq!((tcp.header.src_port, tcp.header.dst_port), (54334, 12345));
    assert_eq!(tcp.header.seq, SeqNum(0x27b5_eb2c));
    assert_eq!(tcp.header.flags, TcpFlags::SYN);
    assert_eq!(tcp.header.window, 65495);
    assert_eq!(tcp.header.header_len, 40);
    assert_eq!(tcp.header.payload_len, 0);
    assert_eq!(tcp.header.options.list[0], TcpOption::Mss { value: 65495 });
    assert_eq!(tcp.header.options.window_shift(), Some(10));
}

#[test]
fn every_linktype_finds_the_same_syn() {
    let sll = {
        let mut h = [0u8; 16];
        h[14..].copy_from_slice(&[0x08, 0x00]);
        h
    };
    let sll2 = {
        let mut h = [0u8; 20];
        h[..2].copy_from_slice(&[0x08, 0x00]);
        h
    };
    let cases: Vec<(LinkType, Vec<u8>)> = vec![
        (LinkType::EN10MB, ethernet(IPV4_SYN)),
        (LinkType::NULL, with_prefix(&[2, 0, 0, 0], IPV4_SYN)),
        (LinkType::LOOP, with_prefix(&[0, 0, 0, 2], IPV4_SYN)),
        (LinkType::RAW, IPV4_SYN.to_vec()),
        (LinkType::RAW_DLT_12, IPV4_SYN.to_vec()),
        (LinkType::RAW_DLT_14, IPV4_SYN.to_vec()),
        (LinkType::IPV4, IPV4_SYN.to_vec()),
        (LinkType::LINUX_SLL, with_prefix(&sll, IPV4_SYN)),
        (LinkType::LINUX_SLL2, with_prefix(&sll2, IPV4_SYN)),
    ];
    for (linktype, bytes) in cases {
        let p = decode(linktype, &frame(&bytes));
        assert_eq!(p.wire_len as usize, bytes.len(), "{linktype}");
        assert_is_the_syn(&p);
    }
}

#[test]
fn vlan_tagged_ethernet() {
    let mut bytes = vec![0u8; 12];
    bytes.extend_from_slice(&[0x81, 0x00, 0x00, 0x64, 0x08, 0x00]); // 802.1Q VLAN 100
    bytes.extend_from_slice(IPV4_SYN);
    assert_is_the_syn(&decode(LinkType::EN10MB, &frame(&bytes)));
}

#[test]
fn ipv6_on_each_ip_linktype() {
    for (linktype, bytes) in [
        (LinkType::EN10MB, ethernet(IPV6_SYN_ACK)),
        (LinkType::IPV6, IPV6_SYN_ACK.to_vec()),
        (LinkType::RAW, IPV6_SYN_ACK.to_vec()),
        (LinkType::NULL, with_prefix(&[30, 0, 0, 0], IPV6_SYN_ACK)),
    ] {
        let p = decode(linktype, &frame(&bytes));
        assert_eq!(p.malformed, None, "{linktype}");
        let ip = p.ip().expect("ip");
        assert_eq!(ip.src, "::1".parse::<IpAddr>().expect("addr"));
        assert_eq!(ip.payload_len, 24);
        let tcp = p.tcp().expect("tcp");
        assert_eq!(tcp.header.flags, TcpFlags::SYN | TcpFlags::ACK);
        assert_eq!((tcp.header.seq, tcp.header.ack), (SeqNum(100), SeqNum(11)));
        assert_eq!(
            tcp.header.options.list,
            vec![TcpOption::Mss { value: 1460 }]
        );
        assert_eq!(tcp.header.payload_len, 0);
    }
}

#[test]
fn payload_and_its_length() {
    let p = decode(LinkType::EN10MB, &frame(&ethernet(IPV4_GREETING)));
    let tcp = p.tcp().expect("tcp");
    assert_eq!(tcp.header.flags, TcpFlags::PSH | TcpFlags::ACK);
    assert_eq!(tcp.header.payload_len, 18);
    assert_eq!(tcp.payload, b"welcome to python!");
}

#[test]
fn truncated_capture_keeps_the_header_length() {
    // Cut after 4 bytes of payload, as a snapshot length of 14 + 20 + 32 + 4 would.
    let full = ethernet(IPV4_GREETING);
    let cut = &full[..14 + 20 + 32 + 4];
    let f = Frame::new(
        Timestamp::default(),
        u32::try_from(full.len()).expect("len"),
        cut,
    );
    let p = decode(LinkType::EN10MB, &f);
    assert_eq!(p.wire_len, 84);
    assert_eq!(p.cap_len, 70);
    let tcp = p.tcp().expect("tcp header is complete");
    assert_eq!(tcp.header.payload_len, 18, "Len= comes from the IP header");
    assert_eq!(tcp.payload, b"welc");
}

#[test]
fn a_frame_ending_inside_the_fixed_tcp_header_keeps_addresses_and_ports() {
    // The frame itself is 44 bytes (not cut by a snapshot length): the IP payload it can
    // hold is 10 bytes, too few for a TCP header, as Wireshark judges it.
    let full = ethernet(IPV4_SYN);
    let p = decode(LinkType::EN10MB, &frame(&full[..14 + 20 + 10]));
    assert!(p.ip().is_some_and(|ip| ip.payload_len == 10));
    let tcp = p.tcp().expect("ports are there");
    assert_eq!((tcp.header.src_port, tcp.header.dst_port), (54334, 12345));
    assert_eq!(tcp.problem, Some(TcpProblem::TooShort));
}

#[test]
fn truncated_inside_the_options_keeps_the_complete_ones() {
    // A snapshot length of 70 keeps 36 of the SYN's 40 TCP header bytes: MSS, SACK_PERM and
    // the timestamps survive; NOP and WS are cut.
    let full = ethernet(IPV4_SYN);
    let f = Frame::new(Timestamp::default(), 74, &full[..70]);
    let p = decode(LinkType::EN10MB, &f);
    assert_eq!(p.malformed, None);
    let tcp = p.tcp().expect("fixed header is there");
    assert!(tcp.header.header_truncated);
    assert_eq!(tcp.header.flags, TcpFlags::SYN);
    assert_eq!(tcp.header.seq, SeqNum(0x27b5_eb2c));
    assert_eq!(tcp.header.window, 65495);
    assert_eq!(tcp.header.header_len, 40);
    assert_eq!(tcp.header.payload_len, 0);
    assert_eq!(
        tcp.header.options.list,
        vec![
            TcpOption::Mss { value: 65495 },
            TcpOption::SackPermitted,
            TcpOption::Timestamp {
                value: 0xcec5_aece,
                echo: 0
            },
        ]
    );
    assert!(!tcp.header.options.malformed);
}

#[test]
fn garbage_never_panics() {
    for linktype in LinkType::SUPPORTED {
        for len in 0..64 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let _ = decode(linktype, &frame(&bytes));
        }
    }
}

#[test]
fn short_link_header_is_reported() {
    let p = decode(LinkType::LINUX_SLL, &frame(&[0u8; 10]));
    assert_eq!(p.net, Network::None);
    assert_eq!(
        p.malformed.as_deref(),
        Some("frame of 10 bytes is shorter than the 16-byte LINUX_SLL header")
    );
}

/// An IPv6 packet whose Routing header names a Hop-by-Hop header next (which may only come
/// first), then TCP. etherparse 0.21's iterator over such a lax extension chain read past
/// its slice; decoding walks the chain itself now. Guards that bug.
static IPV6_ODD_EXTENSION_CHAIN: &[u8] = &[
    0x60, 0, 0, 0, 0, 28, 43, 64, // IPv6, payload 28, next: Routing
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // 2001:db8::1
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, // 2001:db8::2
    0, 0, 0, 0, 0, 0, 0, 0, // Routing: next Hop-by-Hop, length 0
    0x9c, 0x40, 0x30, 0x39, 0, 0, 0x03, 0xe8, 0, 0, 0x07, 0xd0, 0x50, 0x18, 0x03, 0xe8, 0, 0, 0, 0,
];

#[test]
fn odd_ipv6_extension_chain_does_not_crash() {
    let p = decode(LinkType::IPV6, &frame(IPV6_ODD_EXTENSION_CHAIN));
    assert_eq!(p.ip().map(|ip| ip.fragment), Some(None));
}

#[test]
fn ipv6_fragment_header_found_behind_other_extensions() {
    // Hop-by-Hop (8 bytes, next: Fragment), then Fragment: offset 6 words, more, id 0x01020304.
    let exts = [44, 0, 1, 4, 0, 0, 0, 0, 17, 0, 0x00, 0x31, 1, 2, 3, 4];
    assert_eq!(
        ipv6_fragment(0, &exts, true),
        Some(Fragment {
            id: 0x0102_0304,
            offset: 48,
            more: true,
            captured: true,
        })
    );
    // Cut short anywhere: no fragment, no panic.
    for n in 0..exts.len() {
        let _ = ipv6_fragment(0, &exts[..n], true);
    }
}
