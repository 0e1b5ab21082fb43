//! The flow stage on hand-built segments: the seed's exchange, mid-stream starts, wraparound,
//! window scaling on one side only, port reuse.

use std::net::IpAddr;

use super::*;
use crate::decode::IpHeader;
use crate::tcp::{TcpOption, TcpOptions};

const CLIENT: u16 = 54334;
const SERVER: u16 = 12345;
/// The client's ISN j and the server's ISN k from a real loopback run.
const J: u32 = 0x27b5_eb2c;
const K: u32 = 0xfa74_8f6f;

struct Seg {
    from_client: bool,
    flags: TcpFlags,
    seq: u32,
    ack: u32,
    window: u16,
    len: u32,
    options: Vec<TcpOption>,
}

fn seg(from_client: bool, flags: TcpFlags, seq: u32, ack: u32, len: u32) -> Seg {
    Seg {
        from_client,
        flags,
        seq,
        ack,
        window: 64,
        len,
        options: vec![],
    }
}

fn run(table: &mut FlowTable, segs: &[Seg]) -> Vec<TcpView> {
    run_from(table, segs, CLIENT, 100)
}

/// Runs `segs` between the client port `client` and [`SERVER`], starting `secs` seconds
/// into the capture, a microsecond apart.
fn run_from(table: &mut FlowTable, segs: &[Seg], client: u16, secs: i64) -> Vec<TcpView> {
    let lo: IpAddr = "127.0.0.1".parse().expect("addr");
    segs.iter()
        .enumerate()
        .map(|(i, s)| {
            let (sp, dp) = if s.from_client {
                (client, SERVER)
            } else {
                (SERVER, client)
            };
            let ip = IpHeader {
                src: lo,
                dst: lo,
                protocol: 6,
                payload_len: 32 + s.len,
                ttl: 64,
                fragment: None,
            };
            let tcp = TcpHeader {
                src_port: sp,
                dst_port: dp,
                seq: SeqNum(s.seq),
                ack: SeqNum(s.ack),
                flags: s.flags,
                window: s.window,
                urgent: 0,
                payload_len: s.len,
                header_len: 32,
                header_truncated: false,
                options: TcpOptions {
                    list: s.options.clone(),
                    ..TcpOptions::default()
                },
            };
            let ts = Timestamp {
                secs,
                nanos: u32::try_from(i).expect("small") * 1000,
            };
            table.observe(u64::try_from(i).expect("small") + 1, ts, &ip, &tcp)
        })
        .collect()
}

const SYN: TcpFlags = TcpFlags::SYN;
const ACK: TcpFlags = TcpFlags::ACK;
const FIN: TcpFlags = TcpFlags::FIN;
const PSH: TcpFlags = TcpFlags::PSH;

/// The seed's exchange: handshake, greeting, its ACK, server FIN, client FIN-ACK, last ACK.
fn greeting() -> Vec<Seg> {
    let ws = |shift| {
        vec![
            TcpOption::Mss { value: 65495 },
            TcpOption::WindowScale { shift },
        ]
    };
    vec![
        Seg {
            window: 65495,
            options: ws(10),
            ..seg(true, SYN, J, 0, 0)
        },
        Seg {
            window: 65483,
            options: ws(10),
            ..seg(false, SYN | ACK, K, J + 1, 0)
        },
        seg(true, ACK, J + 1, K + 1, 0),
        seg(false, PSH | ACK, K + 1, J + 1, 18),
        seg(true, ACK, J + 1, K + 19, 0),
        seg(false, FIN | ACK, K + 19, J + 1, 0),
        seg(true, FIN | ACK, J + 1, K + 20, 0),
        seg(false, ACK, K + 20, J + 2, 0),
    ]
}

#[test]
fn the_seed_exchange_has_wiresharks_numbers_and_steps() {
    let mut table = FlowTable::new();
    let views = run(&mut table, &greeting());
    let shown: Vec<(u32, Option<u32>, u32, Step)> = views
        .iter()
        .map(|v| (v.numbers.seq, v.numbers.ack, v.numbers.window, v.step))
        .collect();
    assert_eq!(
        shown,
        vec![
            (0, None, 65495, Step::HandshakeSyn),
            (0, Some(1), 65483, Step::HandshakeSynAck),
            (1, Some(1), 65536, Step::HandshakeAck),
            (1, Some(1), 65536, Step::Data),
            (1, Some(19), 65536, Step::AckOfData),
            (19, Some(1), 65536, Step::CloseFin),
            (1, Some(20), 65536, Step::CloseFin),
            (20, Some(2), 65536, Step::CloseAck),
        ]
    );
    assert!(views.iter().all(|v| v.stream == 0));
    assert_eq!(views[3].numbers.next_seq, Some(19));
    assert_eq!(views[4].numbers.next_seq, None);
    assert!(table.all_finished());
    let conv = table.conversations()[0];
    assert_eq!(conv.client.port(), CLIENT);
    assert_eq!(conv.handshake.syn.map(|s| s.1), Some(SeqNum(J)));
    assert_eq!(
        conv.handshake.syn_ack.map(|s| (s.1, s.2)),
        Some((SeqNum(K), SeqNum(J + 1)))
    );
    assert_eq!(conv.handshake.ack.map(|s| s.1), Some(SeqNum(K + 1)));
    assert_eq!(conv.handshake.rtt_nanos(), Some(2000));
    assert_eq!(conv.dir(Side::ServerToClient).bytes, 18);
    assert_eq!(conv.dir(Side::ClientToServer).bytes, 0);
}

#[test]
fn not_finished_until_the_last_fin_is_acked() {
    let mut table = FlowTable::new();
    let all = greeting();
    run(&mut table, &all[..7]);
    assert!(!table.all_finished());
}

#[test]
fn reset_finishes_a_refused_connection() {
    let mut table = FlowTable::new();
    let views = run(
        &mut table,
        &[
            seg(true, SYN, J, 0, 0),
            seg(false, TcpFlags::RST | ACK, 0, J + 1, 0),
        ],
    );
    assert_eq!(views[1].step, Step::Reset);
    assert_eq!((views[1].numbers.seq, views[1].numbers.ack), (1, Some(1)));
    assert!(table.all_finished());
}

#[test]
fn capture_starting_mid_stream_shows_seq_1() {
    let mut table = FlowTable::new();
    let views = run(
        &mut table,
        &[
            seg(false, PSH | ACK, K + 1000, J + 50, 100),
            seg(true, ACK, J + 50, K + 1100, 0),
        ],
    );
    assert_eq!((views[0].numbers.seq, views[0].numbers.ack), (1, Some(1)));
    assert_eq!((views[1].numbers.seq, views[1].numbers.ack), (1, Some(101)));
    // Without a SYN, the scale is unknown and the raw window is shown.
    assert_eq!(views[0].numbers.scale, WindowScale::Unknown);
    assert_eq!(views[0].numbers.window, 64);
}

#[test]
fn sequence_numbers_wrap_around_2_pow_32() {
    let j = u32::MAX - 5;
    let mut table = FlowTable::new();
    let views = run(
        &mut table,
        &[
            seg(true, SYN, j, 0, 0),
            seg(false, SYN | ACK, K, j.wrapping_add(1), 0),
            seg(true, PSH | ACK, j.wrapping_add(1), K + 1, 10),
            seg(false, ACK, K + 1, j.wrapping_add(11), 0),
        ],
    );
    assert_eq!(views[2].numbers.seq, 1);
    assert_eq!(views[2].numbers.next_seq, Some(11));
    assert_eq!(views[3].numbers.ack, Some(11));
}

#[test]
fn window_scale_needs_both_sides() {
    let mut table = FlowTable::new();
    let views = run(
        &mut table,
        &[
            Seg {
                options: vec![TcpOption::WindowScale { shift: 7 }],
                ..seg(true, SYN, J, 0, 0)
            },
            seg(false, SYN | ACK, K, J + 1, 0),
            seg(true, ACK, J + 1, K + 1, 0),
        ],
    );
    assert_eq!(views[2].numbers.scale, WindowScale::NoScaling);
    assert_eq!(views[2].numbers.window, 64, "no scaling: the raw window");
}

#[test]
fn a_new_syn_on_used_ports_is_a_new_stream() {
    let mut table = FlowTable::new();
    let mut segs = greeting();
    segs.push(seg(true, SYN, J + 100_000, 0, 0));
    let views = run(&mut table, &segs);
    assert_eq!(views[8].stream, 1);
    assert_eq!(views[8].numbers.seq, 0);
    assert_eq!(table.len(), 2);
}

#[test]
fn sack_blocks_are_relative_to_the_peer() {
    let mut table = FlowTable::new();
    let views = run(
        &mut table,
        &[
            seg(true, SYN, J, 0, 0),
            seg(false, SYN | ACK, K, J + 1, 0),
            Seg {
                options: vec![TcpOption::Sack {
                    blocks: vec![(K + 101, K + 201)],
                }],
                ..seg(true, ACK, J + 1, K + 1, 0)
            },
        ],
    );
    assert_eq!(views[2].numbers.sack, vec![(101, 201)]);
}

/// The greeting on client port `client`, `secs` seconds into the capture.
fn greeting_from(table: &mut FlowTable, client: u16, secs: i64) -> Vec<TcpView> {
    run_from(table, &greeting(), client, secs)
}

const LINGER_SECS: i64 = (LINGER_NANOS / 1_000_000_000) as i64;

#[test]
fn a_finished_conversation_is_released_after_the_linger() {
    let mut table = FlowTable::new();
    greeting_from(&mut table, CLIENT, 100);
    assert!(table.all_finished());
    // Still held just before the linger ends…
    greeting_from(&mut table, CLIENT + 1, 100 + LINGER_SECS - 1);
    assert_eq!((table.len(), table.held()), (2, 2));
    // …released once it is over.
    greeting_from(&mut table, CLIENT + 2, 100 + LINGER_SECS + 1);
    assert_eq!((table.len(), table.held()), (3, 2));
    assert!(table.all_finished());
    let streams: Vec<u32> = table.conversations().iter().map(|c| c.stream).collect();
    assert_eq!(streams, vec![1, 2]);
}

#[test]
fn a_segment_after_the_finish_restarts_the_linger() {
    let mut table = FlowTable::new();
    greeting_from(&mut table, CLIENT, 100);
    // A retransmitted last ACK 30 s later.
    run_from(
        &mut table,
        &[seg(false, ACK, K + 20, J + 2, 0)],
        CLIENT,
        130,
    );
    greeting_from(&mut table, CLIENT + 1, 100 + LINGER_SECS + 1);
    assert_eq!(
        table.held(),
        2,
        "held until {LINGER_SECS} s after the last segment"
    );
    greeting_from(&mut table, CLIENT + 2, 130 + LINGER_SECS + 1);
    assert_eq!(
        table.held(),
        2,
        "the first one is released, the third one is held"
    );
    assert_eq!(table.conversations()[0].stream, 1);
}

#[test]
fn a_syn_on_released_endpoints_is_a_new_conversation_reusing_the_ports() {
    let mut table = FlowTable::new();
    greeting_from(&mut table, CLIENT, 100);
    greeting_from(&mut table, CLIENT + 1, 100 + LINGER_SECS + 1);
    assert_eq!(table.held(), 1);
    let views = run_from(
        &mut table,
        &[seg(true, SYN, J + 777, 0, 0)],
        CLIENT,
        100 + LINGER_SECS + 2,
    );
    assert!(views[0].tags.has(Tag::PortReused));
    assert_eq!((views[0].stream, views[0].numbers.seq), (2, 0));
}

#[test]
fn a_stray_segment_of_a_released_conversation_keeps_its_stream() {
    let mut table = FlowTable::new();
    greeting_from(&mut table, CLIENT, 100);
    greeting_from(&mut table, CLIENT + 1, 100 + LINGER_SECS + 1);
    let views = run_from(
        &mut table,
        &[seg(false, ACK, K + 20, J + 2, 0)],
        CLIENT,
        100 + LINGER_SECS + 2,
    );
    assert!(!views[0].tags.has(Tag::PortReused));
    assert_eq!(views[0].stream, 0);
    assert_eq!(table.len(), 2);
}

#[test]
fn at_most_max_lingering_finished_conversations_are_held() {
    let mut table = FlowTable::new();
    let n = u16::try_from(MAX_LINGERING).expect("small") + 10;
    for i in 0..n {
        greeting_from(&mut table, 1_000 + i, 100);
    }
    assert_eq!(table.len(), usize::from(n));
    assert_eq!(table.held(), MAX_LINGERING);
}

#[test]
fn keep_all_releases_nothing() {
    let mut table = FlowTable::keep_all();
    greeting_from(&mut table, CLIENT, 100);
    greeting_from(&mut table, CLIENT + 1, 100 + 10 * LINGER_SECS);
    assert_eq!((table.len(), table.held()), (2, 2));
}

#[test]
fn only_the_last_max_released_conversations_are_remembered() {
    let mut table = FlowTable::new();
    assert_eq!(table.memory.max_released, MAX_RELEASED);
    table.memory.max_released = 3;
    // Five conversations, each released by the next one a linger later.
    for i in 0..5 {
        greeting_from(
            &mut table,
            CLIENT + i,
            100 + i64::from(i) * (LINGER_SECS + 1),
        );
    }
    let now = 100 + 5 * (LINGER_SECS + 1);
    // Four released (the fifth is held); the oldest of them is forgotten.
    assert_eq!(
        (
            table.memory.released.len(),
            table.memory.released_order.len()
        ),
        (3, 3)
    );
    let syn_on = |table: &mut FlowTable, client: u16| {
        run_from(table, &[seg(true, SYN, J + 999, 0, 0)], client, now)[0].clone()
    };
    let forgotten = syn_on(&mut table, CLIENT);
    assert!(
        !forgotten.tags.has(Tag::PortReused),
        "forgotten: a plain new conversation"
    );
    assert_eq!(forgotten.stream, 5);
    // (That SYN came a linger after the fifth finished: releasing it forgot the second.)
    let remembered = syn_on(&mut table, CLIENT + 3);
    assert!(
        remembered.tags.has(Tag::PortReused),
        "remembered: ports reused"
    );
    assert_eq!(remembered.stream, 6);
}

#[test]
fn forgetting_an_old_release_keeps_a_newer_one_of_the_same_endpoints() {
    let mut table = FlowTable::new();
    table.memory.max_released = 2;
    let step = LINGER_SECS + 1;
    greeting_from(&mut table, CLIENT, 100); // stream 0, on endpoints A
    greeting_from(&mut table, CLIENT + 1, 100 + step); // stream 1; releases 0
    let again = greeting_from(&mut table, CLIENT, 100 + 2 * step); // A again: stream 2
    assert!(again[0].tags.has(Tag::PortReused));
    greeting_from(&mut table, CLIENT + 2, 100 + 3 * step); // releases 2: A's oldest entry goes
    let views = run_from(
        &mut table,
        &[seg(true, SYN, J + 4242, 0, 0)],
        CLIENT,
        100 + 3 * step + 1,
    );
    assert!(
        views[0].tags.has(Tag::PortReused),
        "A's newer release is still remembered"
    );
}

#[test]
fn an_unanswered_syn_is_released_once_given_up_and_its_return_is_a_retransmission() {
    let give_up = i64::try_from(SYN_GIVE_UP_NANOS / 1_000_000_000).expect("secs");
    let mut table = FlowTable::new();
    run_from(&mut table, &[seg(true, SYN, J, 0, 0)], CLIENT, 100);
    // Held until the sender would have given up…
    greeting_from(&mut table, CLIENT + 1, 100 + give_up - 1);
    assert_eq!(table.held(), 2);
    // …then released (the finished greeting lingers on).
    greeting_from(&mut table, CLIENT + 2, 100 + give_up + 1);
    assert_eq!((table.len(), table.held()), (3, 2));
    let again = run_from(
        &mut table,
        &[seg(true, SYN, J, 0, 0)],
        CLIENT,
        100 + give_up + 2,
    );
    assert_eq!(again[0].stream, 0, "the same stream");
    assert!(again[0].tags.has(Tag::Retransmission) && !again[0].tags.has(Tag::PortReused));
    // A SYN with another sequence number, once released again, reuses the ports.
    greeting_from(&mut table, CLIENT + 3, 100 + 2 * give_up + 10);
    let other = run_from(
        &mut table,
        &[seg(true, SYN, J + 5, 0, 0)],
        CLIENT,
        100 + 2 * give_up + 11,
    );
    assert!(other[0].tags.has(Tag::PortReused));
    assert_eq!(other[0].stream, 4);
}

#[test]
fn at_most_max_unanswered_syns_are_held() {
    let mut table = FlowTable::new();
    let n = u16::try_from(MAX_UNANSWERED).expect("small") + 10;
    for i in 0..n {
        run_from(&mut table, &[seg(true, SYN, J, 0, 0)], 1_000 + i, 100);
    }
    assert_eq!(table.len(), usize::from(n));
    assert_eq!(table.held(), MAX_UNANSWERED);
}
