//! The synthetic corpus against tshark: every scenario, in every linktype and file format,
//! read by `tshark -r` and by `sniffer read --format plain`, compared line by line.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

use sniffer::capture::Timestamp;
use sniffer::link::LinkType;
use sniffer::synth::{self, opt, End, FileFormat, SynthFrame, Talk};
use sniffer::tcp::TcpFlags;

const ACK: TcpFlags = TcpFlags::ACK;
const PSH: TcpFlags = TcpFlags::PSH;
const SYN: TcpFlags = TcpFlags::SYN;
const RST: TcpFlags = TcpFlags::RST;
use End::{Client as C, Server as S};

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("address")
}

fn start() -> Timestamp {
    Timestamp {
        secs: 1_700_000_000,
        nanos: 123_456_000,
    }
}

/// A conversation between a client and a server on port 12345, which no tshark dissector
/// claims (so tshark's Info stays at the TCP level, as ours does).
fn talk(v6: bool) -> Talk {
    let (c, s) = if v6 {
        (addr("[2001:db8::1]:40000"), addr("[2001:db8::2]:12345"))
    } else {
        (addr("10.0.0.1:40000"), addr("10.0.0.2:12345"))
    };
    Talk::new(c, s, 1_000_000, 2_000_000, start())
}

/// The handshake, 10 bytes from the client and their acknowledgment, the client's close.
fn short_exchange(t: &mut Talk) {
    t.handshake(Some(7))
        .say(C, PSH | ACK, 10)
        .say(S, ACK, 0)
        .close(C);
}

/// Each scenario: a name and its conversation(s) as frames in a linktype.
type Scenario = (&'static str, fn(bool) -> Vec<Talk>);

fn scenarios() -> Vec<Scenario> {
    vec![
        ("basic", |v6| {
            let mut t = talk(v6);
            t.handshake(Some(7))
                .say(C, PSH | ACK, 100)
                .say(S, ACK, 0)
                .say(S, PSH | ACK, 300)
                .say(C, ACK, 0)
                .close(C);
            vec![t]
        }),
        ("no-window-scaling", |v6| {
            let mut t = talk(v6);
            t.handshake(None)
                .say(C, PSH | ACK, 10)
                .say(S, ACK, 0)
                .close(S);
            vec![t]
        }),
        ("window-scale-one-side", |v6| {
            let mut t = talk(v6);
            let mut syn = t.segment(C, SYN, 0);
            syn.options = opt::linux_syn(1460, 5, 0, 9);
            t.send(syn);
            let mut syn_ack = t.segment(S, SYN | ACK, 0);
            syn_ack.options = [opt::mss(1400), opt::sack_perm()].concat();
            t.send(syn_ack);
            t.say(C, ACK, 0)
                .say(C, PSH | ACK, 20)
                .say(S, ACK, 0)
                .close(C);
            vec![t]
        }),
        ("mid-stream", |v6| {
            let mut t = talk(v6);
            t.say(S, PSH | ACK, 500)
                .say(C, ACK, 0)
                .say(S, PSH | ACK, 500)
                .say(C, ACK, 0)
                .close(S);
            vec![t]
        }),
        ("wraparound", |v6| {
            let mut t = talk(v6);
            t.client_next = u32::MAX - 50;
            t.server_next = u32::MAX - 10;
            t.handshake(Some(2))
                .say(C, PSH | ACK, 100)
                .say(S, PSH | ACK, 100)
                .say(C, ACK, 0)
                .close(C);
            vec![t]
        }),
        ("flags", |v6| {
            let mut t = talk(v6);
            t.handshake(Some(0));
            let mut urg = t.segment(C, PSH | ACK | TcpFlags::URG, 5);
            urg.urgent = 3;
            t.send(urg);
            let mut ecn = t.segment(S, ACK | TcpFlags::ECE | TcpFlags::CWR, 0);
            ecn.urgent = 9;
            t.send(ecn);
            let reserved = t.segment(C, ACK | TcpFlags::from_bits(0x200), 0);
            t.send(reserved);
            let none = t.segment(C, TcpFlags::from_bits(0), 0);
            t.send(none);
            let ns = t.segment(S, ACK | TcpFlags::NS, 0);
            t.send(ns);
            vec![t]
        }),
        ("options", |v6| {
            let mut t = talk(v6);
            let mut syn = t.segment(C, SYN, 0);
            syn.options = [
                opt::mss(1460),
                opt::tfo(&[]),
                opt::nop(),
                opt::nop(),
                opt::ws(14),
            ]
            .concat();
            t.send(syn);
            let mut syn_ack = t.segment(S, SYN | ACK, 0);
            syn_ack.options = [
                opt::mss(1460),
                opt::tfo(&[1, 2, 3, 4, 5, 6, 7, 8]),
                opt::ws(20),
            ]
            .concat();
            t.send(syn_ack);
            t.say(C, ACK, 0).say(S, PSH | ACK, 100);
            let base = t.server_next;
            t.lose(S, 100).say(S, PSH | ACK, 100);
            let mut sack = t.segment(C, ACK, 0);
            sack.ack = base;
            sack.options = [
                opt::nop(),
                opt::nop(),
                opt::sack(&[(base + 100, base + 200)]),
            ]
            .concat();
            t.send(sack);
            let mut experimental = t.segment(C, ACK, 0);
            experimental.options = vec![0xfd, 4, 0xab, 0xcd];
            t.send(experimental);
            let mut unknown = t.segment(C, ACK, 0);
            unknown.options = vec![99, 6, 1, 2, 3, 4, 1, 1];
            t.send(unknown);
            vec![t]
        }),
        ("reset", |v6| {
            let mut t = talk(v6);
            t.say(C, SYN, 0);
            let mut rst = t.segment(S, RST | ACK, 0);
            rst.seq = 0;
            t.send(rst);
            vec![t]
        }),
        ("two-conversations", |v6| {
            let mut a = talk(v6);
            let mut b = talk(v6);
            b.client.set_port(40001);
            b.now = a.now;
            b.wait(50_000);
            short_exchange(&mut a);
            b.handshake(Some(7))
                .say(S, PSH | ACK, 10)
                .say(C, ACK, 0)
                .close(S);
            vec![a, b]
        }),
        ("retransmission", |v6| {
            let mut t = talk(v6);
            t.handshake(Some(7));
            let data = t.segment(C, PSH | ACK, 100);
            t.send(data.clone());
            t.wait(200_000_000);
            t.send(data).say(S, ACK, 0).close(C);
            vec![t]
        }),
        ("fast-retransmission", |v6| {
            let mut t = talk(v6);
            t.handshake(Some(7));
            t.say(C, ACK, 100);
            let lost = t.segment(C, ACK, 100);
            t.lose(C, 100);
            t.say(C, ACK, 100).say(C, ACK, 100).say(C, ACK, 100);
            // The server still expects the lost segment: its ACKs repeat.
            let expected = lost.seq;
            for _ in 0..4 {
                let mut dup = t.segment(S, ACK, 0);
                dup.ack = expected;
                t.send(dup);
            }
            t.send(lost);
            t.say(S, ACK, 0).close(S);
            vec![t]
        }),
        ("spurious-retransmission", |v6| {
            let mut t = talk(v6);
            t.handshake(Some(7));
            let data = t.segment(S, PSH | ACK, 50);
            t.send(data.clone()).say(C, ACK, 0);
            t.wait(300_000_000);
            t.send(data).close(C);
            vec![t]
        }),
        ("out-of-order", |v6| {
            let mut t = talk(v6);
            t.handshake(Some(7));
            t.step_nanos = 10_000;
            let first = t.segment(C, PSH | ACK, 100);
            t.lose(C, 100);
            t.say(C, PSH | ACK, 100);
            t.send(first);
            t.say(S, ACK, 0).close(C);
            vec![t]
        }),
        ("zero-window", |v6| {
            let mut t = talk(v6);
            t.handshake(None);
            t.say(C, PSH | ACK, 1000);
            t.server_window = 0;
            t.say(S, ACK, 0);
            t.wait(200_000_000);
            t.say(C, PSH | ACK, 1);
            // The probe's byte is not accepted: the server acks as before, window still 0.
            t.client_next -= 1;
            t.say(S, ACK, 0);
            t.wait(400_000_000);
            t.say(C, PSH | ACK, 1);
            t.client_next -= 1;
            t.say(S, ACK, 0);
            t.server_window = 8192;
            t.say(S, ACK, 0);
            t.say(C, PSH | ACK, 500).say(S, ACK, 0).close(C);
            vec![t]
        }),
        ("keep-alive", |v6| {
            let mut t = talk(v6);
            t.handshake(Some(7)).say(C, PSH | ACK, 10).say(S, ACK, 0);
            for len in [0, 1] {
                t.wait(1_000_000_000);
                let mut ka = t.segment(C, ACK, len);
                ka.seq = t.client_next.wrapping_sub(1);
                t.send(ka);
                t.say(S, ACK, 0);
            }
            t.close(C);
            vec![t]
        }),
        ("window-full", |v6| {
            let mut t = talk(v6);
            t.handshake(None);
            t.server_window = 1000;
            t.say(S, ACK, 0);
            t.say(C, PSH | ACK, 600).say(C, PSH | ACK, 400);
            t.server_window = 2000;
            t.say(S, ACK, 0).close(C);
            vec![t]
        }),
        ("window-update", |v6| {
            let mut t = talk(v6);
            t.handshake(Some(2)).say(C, PSH | ACK, 100).say(S, ACK, 0);
            t.server_window = 30000;
            t.say(S, ACK, 0);
            t.server_window = 40000;
            t.say(S, ACK, 0).close(S);
            vec![t]
        }),
        ("port-reuse", |v6| {
            let mut first = talk(v6);
            first
                .handshake(Some(7))
                .say(S, PSH | ACK, 10)
                .say(C, ACK, 0)
                .close(S);
            let mut second = talk(v6);
            second.client_next = 7_000_000;
            second.server_next = 9_000_000;
            second.now = first.now;
            second.wait(500_000_000);
            second
                .handshake(Some(7))
                .say(S, PSH | ACK, 10)
                .say(C, ACK, 0)
                .close(S);
            vec![first, second]
        }),
        ("syn-retransmitted", |v6| {
            let mut t = talk(v6);
            let syn = t.segment(C, SYN, 0);
            t.send(syn.clone());
            t.wait(1_000_000_000);
            t.send(syn);
            t.say(S, SYN | ACK, 0).say(C, ACK, 0).close(C);
            vec![t]
        }),
        ("malformed-options", |v6| {
            let mut t = talk(v6);
            t.handshake(Some(7));
            for options in [
                vec![2, 1, 0, 0],                          // MSS with a length below 2
                vec![1, 1, 8, 12, 0, 0], // timestamps claiming more bytes than there are
                vec![2, 4, 5],           // MSS cut by the end of the header
                vec![3, 4, 7, 0],        // window scale with the wrong length
                vec![8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0], // well-formed, then EOL padding
            ] {
                let mut seg = t.segment(C, ACK, 0);
                seg.options = options;
                t.send(seg);
            }
            vec![t]
        }),
        ("acked-unseen-once-per-gap", |v6| {
            let mut t = talk(v6);
            t.handshake(Some(7)).say(C, PSH | ACK, 100).lose(C, 100);
            // The server acknowledges data the capture never showed, again and again.
            t.say(S, ACK, 0).say(S, ACK, 0).say(S, ACK, 0);
            t.say(C, PSH | ACK, 100).say(S, ACK, 0).say(S, ACK, 0);
            // Acknowledgments of data the client was never seen sending at all.
            for beyond in [50, 60] {
                let mut ack = t.segment(S, ACK, 0);
                ack.ack = t.client_next.wrapping_add(beyond);
                t.send(ack);
            }
            t.lose(S, 50).say(S, PSH | ACK, 50);
            t.say(C, ACK, 0).say(C, ACK, 0).say(S, ACK, 0);
            vec![t]
        }),
        ("dup-ack-after-unseen", |v6| {
            let mut t = talk(v6);
            t.handshake(Some(7)).say(C, PSH | ACK, 100);
            t.say(S, ACK, 0).say(S, ACK, 0).say(S, ACK, 0);
            t.say(S, PSH | ACK, 100).lose(S, 100).say(C, ACK, 0);
            // The server's duplicates count again from one.
            for _ in 0..2 {
                let mut dup = t.segment(S, ACK, 0);
                dup.seq = dup.seq.wrapping_sub(100);
                t.send(dup);
            }
            t.say(C, ACK, 0).say(C, ACK, 0);
            vec![t]
        }),
        ("spurious-beyond-a-gap", |v6| {
            let mut t = talk(v6);
            t.handshake(Some(7)).say(C, PSH | ACK, 100);
            let lost = t.client_next;
            t.lose(C, 100).say(S, ACK, 0);
            let mut back = t.segment(S, ACK, 0);
            back.ack = lost;
            t.send(back).say(S, ACK, 0);
            // Half of the lost data, already acknowledged: spurious, though it is new to
            // the capture.
            let mut resent = t.segment(C, PSH | ACK, 50);
            resent.seq = lost;
            t.send(resent);
            let mut half = t.segment(S, ACK, 0);
            half.ack = lost.wrapping_add(50);
            t.send(half).say(S, ACK, 0);
            t.say(C, PSH | ACK, 100).lose(C, 100).say(C, PSH | ACK, 100);
            let mut partial = t.segment(S, ACK, 0);
            partial.ack = t.client_next.wrapping_sub(100);
            t.send(partial).say(S, ACK, 0).say(S, ACK, 0);
            vec![t]
        }),
        ("retransmission-corners", |v6| {
            let mut t = talk(v6);
            t.handshake(Some(7)).say(C, PSH | ACK, 100).say(S, ACK, 0);
            t.wait(500_000_000);
            // More than one byte, starting one byte early: not a retransmission.
            let mut early = t.segment(C, PSH | ACK, 100);
            early.seq = early.seq.wrapping_sub(1);
            t.send(early).say(S, ACK, 0);
            // A FIN sent again: a retransmission, never spurious (it has no payload).
            let fin = t.segment(C, TcpFlags::FIN | ACK, 0);
            t.send(fin.clone());
            t.wait(500_000_000);
            t.send(fin);
            t.say(S, TcpFlags::FIN | ACK, 0).say(C, ACK, 0);
            vec![t]
        }),
        ("syn-resent-quickly", |v6| {
            let mut t = talk(v6);
            let syn = t.segment(C, SYN, 0);
            t.send(syn.clone());
            t.wait(200_000_000);
            t.send(syn.clone()).send(syn);
            t.say(S, SYN | ACK, 0).say(C, ACK, 0).say(C, PSH | ACK, 10);
            t.say(S, ACK, 0).say(S, ACK, 0);
            // Data already acknowledged, sent again at once.
            let mut again = t.segment(C, PSH | ACK, 10);
            again.seq = again.seq.wrapping_sub(10);
            t.send(again);
            vec![t]
        }),
        ("handshake-ack-with-data", |v6| {
            let mut t = talk(v6);
            t.step_nanos = 50_000_000;
            t.say(C, SYN, 0).say(S, SYN | ACK, 0);
            // The ACK that completes the handshake carries data; the initial round trip
            // (100 ms) is measured on it all the same.
            t.step_nanos = 10_000_000;
            t.say(C, PSH | ACK, 10).say(S, ACK, 0);
            let gap = t.segment(C, PSH | ACK, 100);
            t.lose(C, 100).say(C, PSH | ACK, 100);
            t.wait(10_000_000);
            t.send(gap).say(S, ACK, 0);
            vec![t]
        }),
        ("round-trip-from-the-last-syn", |v6| {
            let mut t = talk(v6);
            let syn = t.segment(C, SYN, 0);
            t.send(syn.clone());
            t.wait(500_000_000);
            t.step_nanos = 2_000_000;
            t.send(syn).say(S, SYN | ACK, 0).say(C, ACK, 0);
            let gap = t.segment(C, PSH | ACK, 100);
            // 10 ms later: past the 4 ms round trip from the SYN sent again, within the
            // 504 ms from the first one.
            t.lose(C, 100).say(C, PSH | ACK, 100);
            t.wait(8_000_000);
            t.send(gap);
            vec![t]
        }),
        ("new-connection-seen-from-its-syn-ack", |v6| {
            let mut t = talk(v6);
            short_exchange(&mut t);
            // A new connection on the same ports, its SYN not captured.
            t.wait(500_000_000);
            t.client_next = 3_000_001;
            t.server_next = 8_000_000;
            t.say(S, SYN | ACK, 0).say(C, ACK, 0).say(C, PSH | ACK, 10);
            t.say(S, ACK, 0).close(C);
            vec![t]
        }),
        ("client-isn-reused", |v6| {
            let mut t = talk(v6);
            short_exchange(&mut t);
            // The client opens again with the same initial sequence number, the server
            // answers with a new one.
            t.wait(500_000_000);
            t.client_next = 1_000_000;
            t.server_next = 9_000_000;
            short_exchange(&mut t);
            vec![t]
        }),
        ("same-syn-after-close", |v6| {
            let mut t = talk(v6);
            let isn = t.client_next;
            short_exchange(&mut t);
            t.wait(500_000_000);
            let mut syn = t.segment(C, SYN, 0);
            syn.seq = isn;
            t.send(syn).say(S, ACK, 0);
            vec![t]
        }),
        ("single-bytes-before-any-window", |v6| {
            // One-byte segments at the next sequence number while the other end has not
            // advertised any window yet: not zero-window probes.
            let mut t = talk(v6);
            t.say(C, SYN, 0).lose(S, 1);
            t.say(C, PSH | ACK, 1).say(C, PSH | ACK, 1).say(S, ACK, 0);
            t.say(C, PSH | ACK, 1);
            let mut u = talk(v6);
            u.client.set_port(40001);
            u.now = t.now;
            u.say(C, PSH | ACK, 1)
                .say(C, PSH | ACK, 1)
                .say(C, PSH | ACK, 1);
            vec![t, u]
        }),
        ("window-scale-outside-the-handshake", |v6| {
            // Window-scale options on segments that are not SYNs, as port scanners send:
            // after a handshake without scaling, with scaling, and mid-stream.
            let mut talks = Vec::new();
            for (i, handshake) in [Some(None), Some(Some(2)), None].into_iter().enumerate() {
                let mut t = talk(v6);
                t.client.set_port(40000 + u16::try_from(i).expect("few"));
                if let Some(shift) = handshake {
                    t.handshake(shift);
                }
                let mut ws = t.segment(C, ACK, 0);
                ws.options = [opt::nop(), opt::ws(7)].concat();
                t.send(ws).say(C, PSH | ACK, 10).say(S, ACK, 0);
                let mut ws = t.segment(S, ACK, 0);
                ws.options = [opt::nop(), opt::ws(3)].concat();
                t.send(ws).say(S, PSH | ACK, 5).say(C, ACK, 0);
                talks.push(t);
            }
            talks
        }),
        ("named-options", |v6| {
            let mut t = talk(v6);
            // Fast Open in its experimental form (kind 254, ExID 0xF989): request, cookie.
            let mut syn = t.segment(C, SYN, 0);
            syn.options = [opt::mss(1460), vec![254, 4, 0xf9, 0x89]].concat();
            t.send(syn);
            let mut syn_ack = t.segment(S, SYN | ACK, 0);
            syn_ack.options = vec![254, 8, 0xf9, 0x89, 1, 2, 3, 4];
            t.send(syn_ack).say(C, ACK, 0);
            for options in [
                [vec![19, 18], vec![0; 16]].concat(),     // MD5 signature
                vec![29, 4, 1, 2],                        // TCP-AO
                vec![172, 2],                             // AccECN, no counters
                vec![172, 8, 0, 0, 1, 0, 0, 2],           // AccECN0: EE0B, ECEB
                vec![174, 11, 0, 0, 5, 0, 0, 6, 0, 0, 7], // AccECN1: EE1B, ECEB, EE0B
                vec![174, 6, 0, 0, 5, 0],                 // a length AccECN does not have
                vec![253, 5, 0xf9, 0x89, 9],              // Fast Open, experimental, a cookie
            ] {
                let mut seg = t.segment(C, ACK, 0);
                seg.options = options;
                t.send(seg);
            }
            // Once AccECN is in use, ECE, CWR and AE show as one counter, but on SYNs.
            let ace = TcpFlags::ECE | TcpFlags::NS;
            t.say(S, ACK | ace, 0).say(C, PSH | ACK | TcpFlags::CWR, 10);
            t.say(S, ACK | TcpFlags::URG | ace | TcpFlags::CWR, 0);
            t.say(C, ACK | TcpFlags::ECE | TcpFlags::from_bits(0x400), 0);
            let mut syn = t.segment(C, SYN | TcpFlags::ECE, 0);
            syn.seq = syn.seq.wrapping_sub(11);
            t.send(syn).say(S, TcpFlags::FIN | ACK | ace, 0);
            vec![t]
        }),
        ("accecn-option-malformed", |v6| {
            // An AccECN option of a length it cannot have does not turn the counter on.
            let mut t = talk(v6);
            t.handshake(Some(7));
            let mut seg = t.segment(C, ACK, 0);
            seg.options = vec![174, 6, 0, 0, 5, 0];
            t.send(seg).say(C, ACK | TcpFlags::ECE, 0);
            vec![t]
        }),
        ("reset-mid-stream", |v6| {
            let mut t = talk(v6);
            t.handshake(Some(7))
                .say(C, PSH | ACK, 10)
                .say(S, ACK, 0)
                .say(S, RST | ACK, 0);
            vec![t]
        }),
    ]
}

/// The analysis tags of a tshark line (`Dup ACK 45#1` counts as `Dup ACK`).
fn tags_in(line: &str) -> Vec<String> {
    line.split("[TCP ")
        .skip(1)
        .filter_map(|rest| rest.split(']').next())
        .map(|tag| match tag.strip_prefix("Dup ACK ") {
            Some(_) => "Dup ACK".to_owned(),
            None => tag.to_owned(),
        })
        .collect()
}

/// Every scenario in one capture: scenario *i* runs at second *i* from client ports
/// 40000 + 10·i, so conversations never mix, and frames are in time order; then the packets
/// that are not TCP.
fn corpus_frames(v6: bool, linktype: LinkType) -> Vec<SynthFrame> {
    let mut all = talk_frames(v6, linktype);
    all.extend(other_frames(v6, linktype, start_of(scenarios().len())));
    all.sort_by_key(|f| f.ts);
    all
}

/// The TCP scenarios' frames, in time order.
fn talk_frames(v6: bool, linktype: LinkType) -> Vec<SynthFrame> {
    let mut all = Vec::new();
    for (i, (_, build)) in scenarios().into_iter().enumerate() {
        let offset = u16::try_from(i).expect("few scenarios");
        for mut talk in build(v6) {
            let shift = |mut a: SocketAddr| {
                a.set_port(a.port() + 10 * offset);
                a
            };
            talk.client = shift(talk.client);
            for (ts, spec) in &mut talk.segments {
                ts.secs += i64::from(offset);
                if spec.src == talk.server {
                    spec.dst = shift(spec.dst);
                } else {
                    spec.src = shift(spec.src);
                }
            }
            all.extend(talk.frames(linktype));
        }
    }
    all.sort_by_key(|f| f.ts);
    all
}

fn start_of(second: usize) -> Timestamp {
    let mut t = start();
    t.secs += i64::try_from(second).expect("few");
    t
}

/// Packets that are not TCP: UDP, ICMP echo, ARP (Ethernet), IPv4 fragments.
fn other_frames(v6: bool, linktype: LinkType, at: Timestamp) -> Vec<SynthFrame> {
    let (c, s) = if v6 {
        (addr("[2001:db8::1]:50000"), addr("[2001:db8::2]:12345"))
    } else {
        (addr("10.0.0.1:50000"), addr("10.0.0.2:12345"))
    };
    let mut packets = vec![
        synth::udp_packet(c, s, b"welcome to python!"),
        synth::udp_packet(s, c, b""),
        synth::icmp_echo(c.ip(), s.ip(), true, 7, 1, b"ping"),
        synth::icmp_echo(s.ip(), c.ip(), false, 7, 1, b"ping"),
    ];
    let datagram = synth::udp_packet(c, s, b"nobody listens");
    packets.push(synth::icmp_unreachable(
        s.ip(),
        c.ip(),
        if v6 { 4 } else { 3 },
        &datagram,
    ));
    // A TCP segment cut into IP fragments: reassembled, it is a TCP line on the last one.
    let mut frag_talk = talk(v6);
    frag_talk.client.set_port(50003);
    let fragmented_tcp = frag_talk.segment(C, PSH | ACK, 100).ip_packet();
    if v6 {
        packets.extend(synth::fragment_ipv6(&fragmented_tcp, 64, 0x0abc_def0));
        packets.extend(synth::ipv6_fragments(c, s, &[b'x'; 100], 48, 0x1234_5678));
        let mut t = talk(true);
        t.client.set_port(50002);
        t.say(C, SYN, 0);
        packets.push(synth::ipv6_with_hop_by_hop(&t.segments[0].1.ip_packet()));
    } else {
        packets.extend(synth::fragment_ipv4(&fragmented_tcp, 64, 0x0abc));
        packets.extend(synth::ipv4_fragments(c, s, &[b'x'; 100], 48, 0x1234));
    }
    // An echo request and its reply, each cut into fragments: the last fragment shows the
    // message.
    for (from, to, request) in [(c.ip(), s.ip(), true), (s.ip(), c.ip(), false)] {
        let echo = synth::icmp_echo(from, to, request, 9, 2, &[b'p'; 100]);
        if v6 {
            packets.extend(synth::fragment_ipv6(&echo, 48, 0x0ec0 + u32::from(request)));
        } else {
            packets.extend(synth::fragment_ipv4(&echo, 48, 0x0ec0 + u16::from(request)));
        }
    }
    packets.extend(icmp_messages(v6, c.ip(), s.ip()));
    // A conversation inside an IP tunnel (IPv4 in IPv4, IPv6 in IPv4, then the same inside
    // IPv6): the inner packets are the ones shown and analysed.
    for (i, inner_v6) in [false, true].into_iter().enumerate() {
        let mut t = talk(inner_v6);
        t.client.set_port(50020 + u16::try_from(i).expect("two"));
        short_exchange(&mut t);
        let (outer_c, outer_s): (std::net::IpAddr, std::net::IpAddr) = if v6 {
            (
                "2001:db8:ff::1".parse().expect("ip"),
                "2001:db8:ff::2".parse().expect("ip"),
            )
        } else {
            (
                "192.0.2.1".parse().expect("ip"),
                "192.0.2.2".parse().expect("ip"),
            )
        };
        for (_, spec) in &t.segments {
            let (from, to) = if spec.src == t.client {
                (outer_c, outer_s)
            } else {
                (outer_s, outer_c)
            };
            let protocol = if inner_v6 { 41 } else { 4 };
            packets.push(synth::ip_packet(from, to, protocol, &spec.ip_packet()));
        }
    }
    // UDP length fields Wireshark flags: below the header, beyond the IP payload, and 0 (over
    // IPv6 a jumbogram).
    for length in [0u16, 5, 200] {
        let mut datagram = synth::udp_packet(c, s, b"a datagram of 30 bytes, or not");
        let at = if v6 { 44 } else { 24 };
        datagram[at..at + 2].copy_from_slice(&length.to_be_bytes());
        packets.push(datagram);
    }
    // Protocols no dissector of the judged set takes: named by number (IGMP, ESP, OSPF, PIM,
    // one without a name; IPv6's no next header), also when fragmented; and an IPv4
    // Authentication Header before a TCP segment, whole and fragmented.
    for protocol in [2, 50, 89, 103, 253, 59] {
        packets.push(synth::ip_packet(c.ip(), s.ip(), protocol, &[0x11; 24]));
    }
    let pim = synth::ip_packet(c.ip(), s.ip(), 103, &[0x06; 100]);
    if v6 {
        packets.extend(synth::fragment_ipv6(&pim, 48, 0x0bad_cafe));
        // Routing headers with segments left (the destination shown is the last one to
        // visit) and without; then Ethernet inside IPv6 (segment routing's End.DX2).
        let via: [u8; 16] = "2001:db8::99"
            .parse::<std::net::Ipv6Addr>()
            .expect("ip")
            .octets();
        let last: [u8; 16] = "2001:db8::77"
            .parse::<std::net::Ipv6Addr>()
            .expect("ip")
            .octets();
        let quoted = synth::udp_packet(c, s, b"routed");
        for (routing_type, segments_left, addresses) in [
            (0u8, 1u8, vec![via, last]),
            (0, 0, vec![last]),
            (2, 1, vec![last]),
            (4, 1, vec![last, via]),
            (3, 1, vec![last]),
        ] {
            let words = u8::try_from(addresses.len() * 2).expect("few");
            let mut routing = vec![17, words, routing_type, segments_left, 0, 0, 0, 0];
            routing.extend(addresses.concat());
            routing.extend(&quoted[40..]);
            packets.push(synth::ip_packet(c.ip(), s.ip(), 43, &routing));
        }
        // An RPL route whose addresses leave out the 8 bytes they share with the destination.
        let mut rpl = vec![17, 2, 3, 1, 0x88, 0x00, 0, 0];
        rpl.extend(&via[8..]);
        rpl.extend(&last[8..]);
        rpl.extend(&quoted[40..]);
        packets.push(synth::ip_packet(c.ip(), s.ip(), 43, &rpl));
        let mut inner = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd];
        inner.extend(&quoted);
        packets.push(synth::ip_packet(c.ip(), s.ip(), 143, &inner));
        // An Authentication Header before OSPF (89): the judged set does not walk it.
        let mut ah = vec![89, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1];
        ah.extend([0; 12]);
        ah.extend([0x22; 40]);
        packets.push(synth::ip_packet(c.ip(), s.ip(), 51, &ah));
    } else {
        packets.extend(synth::fragment_ipv4(&pim, 48, 0x0bad));
        let mut ah = vec![6, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1];
        ah.extend([0; 12]);
        let mut t = talk(false);
        t.client.set_port(50004);
        ah.extend(t.segment(C, SYN, 0).ip_packet().split_off(20));
        let authenticated = synth::ip_packet(c.ip(), s.ip(), 51, &ah);
        packets.push(authenticated.clone());
        packets.extend(synth::fragment_ipv4(&authenticated, 16, 0x0a11));
    }
    let mut frames: Vec<SynthFrame> = packets
        .iter()
        .map(|ip| synth::link_wrap(linktype, ip, None))
        .map(|data| synth::frame(at, data))
        .collect();
    frames.extend(cut_frames(v6, linktype, at));
    if matches!(
        linktype,
        LinkType::PPP | LinkType::PPP_SERIAL | LinkType::C_HDLC
    ) && !v6
    {
        frames.extend(point_to_point_frames(linktype, at));
    }
    if matches!(linktype, LinkType::LINUX_SLL | LinkType::LINUX_SLL2) && !v6 {
        frames.extend(cooked_frames(linktype, at));
    }
    if linktype == LinkType::EN10MB && !v6 {
        frames.extend(ethernet_frames(at));
        frames.push(synth::frame(
            at,
            synth::arp_request(
                [2, 0, 0, 0, 0, 1],
                "10.0.0.1".parse().expect("ip"),
                "10.0.0.2".parse().expect("ip"),
            ),
        ));
        // And a VLAN-tagged TCP segment.
        let mut t = talk(false);
        t.client.set_port(50001);
        t.say(C, SYN, 0);
        frames.push(synth::frame(
            at,
            synth::link_wrap(linktype, &t.segments[0].1.ip_packet(), Some(42)),
        ));
    }
    for (i, f) in frames.iter_mut().enumerate() {
        f.ts.nanos += u32::try_from(i).expect("few") * 1_000;
    }
    frames
}

/// Ethernet frames that carry no IP: EtherTypes no dissector of the judged set takes, 802.3
/// frames, VLAN and 802.1ad tags over them, MACsec, addresses named by well-known prefixes,
/// ARP in its variants (probe, announcement, gratuitous, RARP, InARP, other address lengths,
/// cut short) and the loopback test protocol.
fn ethernet_frames(at: Timestamp) -> Vec<SynthFrame> {
    const ME: [u8; 6] = [0x00, 0x0c, 0x29, 0x2f, 0x80, 0x31];
    let ether = |dst: [u8; 6], ether_type: u16, payload: &[u8]| {
        let mut data = [dst, ME].concat();
        data.extend(ether_type.to_be_bytes());
        data.extend(payload);
        data.resize(data.len().max(60), 0);
        synth::frame(at, data)
    };
    let lldp = [0x01, 0x80, 0xc2, 0, 0, 0x0e];
    let mut frames = Vec::new();
    for ether_type in [0x88f7, 0x8847, 0x88cc, 0x888e, 0x88e5, 0x1234, 0x88b5] {
        frames.push(ether(lldp, ether_type, &[0; 46]));
    }
    // 802.3: a length, then LLC.
    frames.push(ether([0x01, 0x80, 0xc2, 0, 0, 0], 38, &[0x42, 0x42, 3]));
    // Tags: 802.1Q over a named and an unnamed EtherType, 802.1ad.
    frames.push(ether(ME, 0x8100, &[0x04, 0xbd, 0x88, 0xcc]));
    frames.push(ether(ME, 0x8100, &[0xb0, 0x07, 0x12, 0x34]));
    frames.push(ether(ME, 0x88a8, &[0x20, 0x09, 0x12, 0x34]));
    for dst in [
        [0x01, 0x80, 0xc2, 0, 0, 0x21],
        [0x01, 0x80, 0xc2, 0, 0x01, 0x21],
        [0x01, 0x80, 0xc2, 0, 0, 0x30],
        [0x01, 0x00, 0x5e, 0x80, 0, 1],
        [0x09, 0x00, 0x2b, 0, 0, 0x1f],
        // No name of its own: its vendor's (PTP's IEEE I&M Society), the group bit cleared.
        [0x01, 0x1b, 0x19, 0, 0, 0],
    ] {
        frames.push(ether(dst, 0x1234, &[0; 46]));
    }
    let arp_from = |sha: [u8; 6], op: u16, plen: u8, spa: &[u8], tha: [u8; 6], tpa: &[u8]| {
        let mut body = vec![0, 1, 8, 0, 6, plen];
        body.extend(op.to_be_bytes());
        body.extend(sha);
        body.extend(spa);
        body.extend(tha);
        body.extend(tpa);
        body
    };
    let arp = |op, plen, spa: &[u8], tha, tpa: &[u8]| arp_from(ME, op, plen, spa, tha, tpa);
    let (a, b, zero) = ([10, 0, 0, 1], [10, 0, 0, 2], [0u8; 4]);
    let other = [0x00, 0x0c, 0x29, 0x2f, 0x80, 0x32];
    let third = [0x00, 0x0c, 0x29, 0x2f, 0x80, 0x33];
    let c = [10, 0, 0, 3];
    for (ether_type, body) in [
        (0x0806, arp(1, 4, &zero, [0; 6], &b)),
        (0x0806, arp(1, 4, &a, [0; 6], &a)),
        (0x0806, arp(2, 4, &a, [0xff; 6], &a)),
        (0x0806, arp(2, 4, &a, other, &b)),
        (0x8035, arp(3, 4, &a, other, &b)),
        (0x8035, arp(4, 4, &a, other, &b)),
        (0x0806, arp(8, 4, &a, other, &b)),
        (0x0806, arp(9, 4, &a, other, &b)),
        (0x0806, arp(10, 4, &a, other, &b)),
        (0x0806, arp(0, 4, &a, other, &b)),
        // A gratuitous request whose target hardware address is set: not an announcement.
        (0x0806, arp(1, 4, &a, other, &a)),
        // Duplicate use: another sender claims 10.0.0.1; a reply's target claims 10.0.0.2
        // for a third address after `other` did; a request's target claims nothing.
        (0x0806, arp_from(other, 1, 4, &a, [0; 6], &b)),
        (0x0806, arp_from(other, 2, 4, &b, ME, &a)),
        (0x0806, arp_from(third, 2, 4, &c, third, &b)),
        (0x0806, arp_from(third, 1, 4, &c, third, &b)),
        // ATM ARP: its own dissector, off in the judged set.
        (0x0806, [[0, 19].as_slice(), &[0x11; 40]].concat()),
        (
            0x0806,
            arp(
                1,
                6,
                &[0xc0, 0xa8, 1, 1, 1, 1],
                [0; 6],
                &[0xc0, 0xa8, 1, 2, 2, 2],
            ),
        ),
    ] {
        frames.push(ether([0xff; 6], ether_type, &body));
    }
    // MACsec, integrity only: the judged set does not look inside, even at plain IP.
    let inside = synth::udp_packet(addr("10.0.0.1:4000"), addr("10.0.0.2:4001"), b"mac");
    let mut sectag = vec![0x00, 0x00, 0, 0, 0, 1, 0x08, 0x00];
    sectag.extend(&inside);
    sectag.extend([0xee; 16]);
    frames.push(ether(ME, 0x88e5, &sectag));
    // A tag over a length (802.3 and LLC): the tag's line, labelled VLAN.
    frames.push(ether(
        ME,
        0x8100,
        &[0xe0, 0x01, 0x00, 0x32, 0x42, 0x42, 0x03],
    ));
    // An Ethernet header the snapshot length cut, before and after its destination.
    for keep in [4, 10, 13] {
        let mut short_header = ether(ME, 0x0800, &[0; 46]);
        short_header.data.truncate(keep);
        frames.push(short_header);
    }
    // Cut by the snapshot length, and short on the wire.
    let mut cut = ether([0xff; 6], 0x0806, &arp(1, 4, &a, [0; 6], &b));
    cut.data.truncate(14 + 20);
    frames.push(cut.clone());
    cut.wire_len = 14 + 20;
    frames.push(cut);
    for function in [0u8, 1, 2, 3] {
        frames.push(ether([0xcf, 0, 0, 0, 0, 0], 0x9000, &[0, 0, function, 0]));
    }
    // A loopback message whose skip count points past its end, in a frame not padded.
    let mut short = ether([0xcf, 0, 0, 0, 0, 0], 0x9000, &[0xff, 0xff]);
    short.data.truncate(16);
    short.wire_len = 16;
    frames.push(short);
    frames
}

/// Frames of a point-to-point link that carry no IP: PPP's control protocols and one it does
/// not name (PPP, PPP_SERIAL), SLARP and an unknown EtherType (Cisco HDLC, also inside
/// PPP_SERIAL), and an IP packet in Cisco HDLC on PPP_SERIAL.
fn point_to_point_frames(linktype: LinkType, at: Timestamp) -> Vec<SynthFrame> {
    let lcp = [1, 1, 0, 4];
    let mut frames: Vec<Vec<u8>> = Vec::new();
    if linktype != LinkType::C_HDLC {
        frames.push([[0xff, 0x03, 0xc0, 0x21].as_slice(), &lcp].concat());
        frames.push([[0x80, 0x21].as_slice(), &lcp].concat());
        frames.push([[0xff, 0x03, 0x12, 0x34].as_slice(), &[0; 8]].concat());
    }
    if linktype != LinkType::PPP {
        frames.push([[0x8f, 0x00, 0x80, 0x35].as_slice(), &[0; 20]].concat());
        frames.push([[0x0f, 0x00, 0x12, 0x34].as_slice(), &[0; 20]].concat());
        // OSI (0xfefe): a dissector is registered, though off; the link keeps its name.
        frames.push([[0x8f, 0x00, 0xfe, 0xfe].as_slice(), &[0x83; 20]].concat());
        let mut t = talk(false);
        t.client.set_port(50030);
        t.say(C, SYN, 0);
        frames.push(
            [
                [0x0f, 0x00, 0x08, 0x00].as_slice(),
                &t.segments[0].1.ip_packet(),
            ]
            .concat(),
        );
    }
    // Too short for the link's own header: malformed under the link's name.
    frames.push(vec![0xff]);
    if linktype != LinkType::PPP {
        frames.push(vec![0x0f, 0x00, 0x08]);
    }
    let mut frames: Vec<SynthFrame> = frames
        .into_iter()
        .map(|data| synth::frame(at, data))
        .collect();
    if linktype == LinkType::C_HDLC {
        // Nothing after the header: cut by the snapshot length, or short on the wire.
        let mut cut = synth::frame(at, vec![0x0f, 0x00, 0x30, 0x30]);
        cut.wire_len = 100;
        frames.push(cut);
        frames.push(synth::frame(at, vec![0x0f, 0x00, 0x30, 0x30]));
    }
    frames
}

/// Frames with a Linux cooked header that carry no IP: ARP and EtherTypes with and without a
/// name, from an Ethernet sender and from the loopback, received in different ways. The
/// sender is the Source; an unnamed EtherType's Info is how the frame was received.
fn cooked_frames(linktype: LinkType, at: Timestamp) -> Vec<SynthFrame> {
    let me = [0x00, 0x0c, 0x29, 0x2f, 0x80, 0x31];
    let cooked = |packet_type: u8, hardware: u16, address: [u8; 6], ether_type: u16| {
        let mut header = Vec::new();
        if linktype == LinkType::LINUX_SLL {
            header.extend(u16::from(packet_type).to_be_bytes());
            header.extend(hardware.to_be_bytes());
            header.extend(6u16.to_be_bytes());
            header.extend(address);
            header.extend([0, 0]);
            header.extend(ether_type.to_be_bytes());
        } else {
            header.extend(ether_type.to_be_bytes());
            header.extend([0, 0, 0, 0, 0, 1]);
            header.extend(hardware.to_be_bytes());
            header.extend([packet_type, 6]);
            header.extend(address);
            header.extend([0, 0]);
        }
        header
    };
    let mut arp = vec![0, 1, 8, 0, 6, 4, 0, 1];
    arp.extend(me);
    arp.extend([10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2]);
    let mut frames = Vec::new();
    for (packet_type, hardware, address, ether_type, payload) in [
        (1u8, 1u16, me, 0x0806u16, arp.as_slice()),
        (0, 1, me, 0x88cc, &[0; 20][..]),
        (0, 1, me, 0x1234, &[0; 20][..]),
        (4, 1, me, 0x1234, &[0; 20][..]),
        (3, 772, [0; 6], 0x1234, &[0; 20][..]),
    ] {
        let data = [
            cooked(packet_type, hardware, address, ether_type),
            payload.to_vec(),
        ]
        .concat();
        frames.push(synth::frame(at, data));
    }
    frames
}

/// ICMP messages other than echo, each type with some of its codes: their Info is the type's
/// and code's names (ICMPv6 neighbor discovery adds the target and link-layer addresses).
fn icmp_messages(v6: bool, from: std::net::IpAddr, to: std::net::IpAddr) -> Vec<Vec<u8>> {
    let message = |icmp_type: u8, code: u8, rest: [u8; 4], body: &[u8]| {
        let mut bytes = vec![icmp_type, code, 0, 0];
        bytes.extend(rest);
        bytes.extend(body);
        synth::ip_packet(from, to, if v6 { 58 } else { 1 }, &bytes)
    };
    let quoted = synth::udp_packet(
        SocketAddr::new(to, 40000),
        SocketAddr::new(from, 53),
        b"quoted",
    );
    let mut out = Vec::new();
    if !v6 {
        for (icmp_type, codes) in [
            (3u8, &[0u8, 5, 9, 13, 15, 16][..]),
            (4, &[0]),
            (5, &[0, 3, 4]),
            (6, &[0, 1]),
            (9, &[0, 1, 16]),
            (11, &[0, 1, 2]),
            (12, &[0, 2, 3]),
            (13, &[0, 1]),
            (14, &[0]),
            (15, &[0]),
            (17, &[0]),
            (18, &[0]),
            (19, &[0]),
            (25, &[0]),
            (30, &[0]),
            (40, &[1, 6]),
            (42, &[0, 1]),
            (43, &[4, 5]),
            (200, &[0]),
        ] {
            for &code in codes {
                out.push(message(icmp_type, code, [0, 1, 0, 2], &quoted));
            }
        }
        return out;
    }
    for (icmp_type, codes) in [
        (0u8, &[0u8][..]),
        (1, &[0, 5, 7, 8]),
        (2, &[0]),
        (3, &[0, 1, 2]),
        (4, &[1, 3, 4]),
        (100, &[0]),
        (127, &[0]),
        (130, &[0]),
        (132, &[0]),
        (139, &[0, 2, 3]),
        (140, &[1, 3]),
        (141, &[0]),
        (151, &[0]),
        (155, &[0, 5, 6]),
        (157, &[0]),
        (160, &[0, 1]),
        (161, &[4, 5]),
        (255, &[0]),
    ] {
        for &code in codes {
            out.push(message(icmp_type, code, [0; 4], &quoted));
        }
    }
    // Router Renumbering: a command with one Match-Prefix part (8 words, no Use-Prefix
    // part), a result with one Match Results entry, a sequence number reset, a code it does
    // not name.
    let header = [0u8; 8]; // segment number, flags, maximum delay, reserved
    let match_prefix = [[1u8, 3, 0, 64, 0, 128, 0, 0].as_slice(), &[0x20; 16]].concat();
    let result_entry = [[0u8, 0, 0, 64, 0, 0, 0, 1].as_slice(), &[0x20; 16]].concat();
    for (code, part) in [
        (0, &match_prefix),
        (1, &result_entry),
        (255, &Vec::new()),
        (7, &Vec::new()),
    ] {
        out.push(message(
            138,
            code,
            [0, 0, 0, 1],
            &[header.as_slice(), part].concat(),
        ));
    }
    // Neighbor discovery, with and without link-layer address options.
    let target: [u8; 16] = "2001:db8::1000"
        .parse::<std::net::Ipv6Addr>()
        .expect("address")
        .octets();
    let source_ll = [1, 1, 0x00, 0x0c, 0x29, 0x2f, 0x80, 0x31];
    let target_ll = [2, 1, 0x00, 0x0c, 0x29, 0x2f, 0x80, 0x32];
    let prefix = [[3, 4, 64, 0xc0].as_slice(), &[0; 28]].concat();
    out.push(message(133, 0, [0; 4], &source_ll));
    out.push(message(133, 0, [0; 4], &[]));
    out.push(message(
        134,
        0,
        [64, 0, 7, 8],
        &[[0; 8].as_slice(), &prefix, &source_ll].concat(),
    ));
    out.push(message(134, 0, [64, 0, 7, 8], &[0; 8]));
    out.push(message(
        135,
        0,
        [0; 4],
        &[target.as_slice(), &source_ll].concat(),
    ));
    out.push(message(135, 0, [0; 4], &target));
    out.push(message(
        136,
        0,
        [0x60, 0, 0, 0],
        &[target.as_slice(), &target_ll].concat(),
    ));
    out.push(message(136, 0, [0x80, 0, 0, 0], &target));
    out.push(message(136, 0, [0, 0, 0, 0], &target));
    out.push(message(
        137,
        0,
        [0; 4],
        &[target.as_slice(), &target].concat(),
    ));
    // An MLDv2 report with one record (include mode, ff02::fb).
    let group: [u8; 16] = "ff02::fb"
        .parse::<std::net::Ipv6Addr>()
        .expect("group")
        .octets();
    out.push(message(
        143,
        0,
        [0, 0, 0, 1],
        &[[4, 0, 0, 0].as_slice(), &group].concat(),
    ));
    out
}

/// Frames the snapshot length cut within their transport header: a SYN with options cut
/// before its ports, within its fixed header and within its options (twice, the second time
/// a retransmission whose tag tshark does not show), and a UDP datagram cut within its
/// header and just after it.
fn cut_frames(v6: bool, linktype: LinkType, at: Timestamp) -> Vec<SynthFrame> {
    let ip_header = if v6 { 40 } else { 20 };
    let cut = |ip: &[u8], keep: usize| {
        let mut f = synth::frame(at, synth::link_wrap(linktype, ip, None));
        let link = f.data.len() - ip.len();
        f.data.truncate(link + ip_header + keep);
        f
    };
    let mut frames = Vec::new();
    let mut t = talk(v6);
    t.client.set_port(50010);
    let mut syn = t.segment(C, SYN, 0);
    syn.options = opt::linux_syn(1460, 1000, 0, 7);
    let syn = syn.ip_packet();
    for keep in [2, 4, 14, 16, 19, 20, 26, 26, 39] {
        frames.push(cut(&syn, keep));
    }
    if v6 {
        // A jumbogram (Linux's BIG TCP): payload length 0, the length in a Hop-by-Hop Jumbo
        // Payload option; 80,000 bytes of TCP payload, of which the capture kept 10.
        let mut t = talk(true);
        t.client.set_port(50011);
        let segment = t.segment(C, PSH | ACK, 10).ip_packet();
        let (header, tcp) = segment.split_at(40);
        let mut jumbo = header.to_vec();
        jumbo[4..6].copy_from_slice(&[0, 0]);
        jumbo[6] = 0; // Hop-by-Hop
        let length: u32 = 8 + 20 + 80_000;
        jumbo.extend([6, 0, 0xc2, 4]);
        jumbo.extend(length.to_be_bytes());
        jumbo.extend(tcp);
        let mut f = synth::frame(at, synth::link_wrap(linktype, &jumbo, None));
        f.wire_len += 80_000 - 10;
        frames.push(f);
    }
    let (c, s) = (t.client, t.server);
    // ICMP cut within its header, within an echo's data, within an error's quoted datagram.
    let echo = synth::icmp_echo(c.ip(), s.ip(), true, 3, 4, b"cut echo");
    for keep in [1, 3, 5, 6, 7, 8, 10] {
        frames.push(cut(&echo, keep));
    }
    let quoted = synth::udp_packet(s, c, b"quoted");
    let unreachable = synth::icmp_unreachable(s.ip(), c.ip(), if v6 { 4 } else { 3 }, &quoted);
    for keep in [4, 6, 8, 12] {
        frames.push(cut(&unreachable, keep));
    }
    let datagram = synth::udp_packet(c, s, b"cut by the snapshot length");
    for keep in [2, 4, 6, 8, 10] {
        frames.push(cut(&datagram, keep));
    }
    // A length beyond the IP payload, in a header the capture kept alone or in part.
    let mut long = datagram.clone();
    let at = ip_header + 4;
    long[at..at + 2].copy_from_slice(&600u16.to_be_bytes());
    for keep in [6, 8] {
        frames.push(cut(&long, keep));
    }
    frames
}

fn write(path: &Path, fmt: FileFormat, linktype: LinkType, frames: &[SynthFrame]) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    synth::write_capture(&mut file, fmt, linktype, 262_144, frames).expect("write");
    std::io::Write::flush(&mut file).expect("flush");
}

/// Where a test writes its captures: `SNIFFER_CORPUS_OUT=DIR` keeps them there, to open in
/// Wireshark; otherwise `temp`.
fn output_dir(temp: &tempfile::TempDir) -> std::path::PathBuf {
    match std::env::var_os("SNIFFER_CORPUS_OUT") {
        Some(out) => {
            std::fs::create_dir_all(&out).expect("create SNIFFER_CORPUS_OUT");
            std::path::PathBuf::from(out)
        }
        None => temp.path().to_owned(),
    }
}

#[test]
fn synthetic_corpus_matches_tshark() {
    if !common::has_tshark() {
        return;
    }
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = output_dir(&temp);
    let le_usec = FileFormat::Pcap {
        big_endian: false,
        nanos: false,
    };
    // Every linktype in little-endian microsecond pcap; the other file formats on Ethernet.
    let mut files: Vec<(LinkType, &str, FileFormat)> = [
        LinkType::EN10MB,
        LinkType::NULL,
        LinkType::LOOP,
        LinkType::RAW,
        LinkType::RAW_DLT_12,
        LinkType::RAW_DLT_14,
        LinkType::IPV4,
        LinkType::IPV6,
        LinkType::LINUX_SLL,
        LinkType::LINUX_SLL2,
        LinkType::PPP,
        LinkType::PPP_SERIAL,
        LinkType::C_HDLC,
    ]
    .into_iter()
    .map(|l| (l, "le-usec", le_usec))
    .collect();
    files.push((
        LinkType::EN10MB,
        "be-nsec",
        FileFormat::Pcap {
            big_endian: true,
            nanos: true,
        },
    ));
    files.push((
        LinkType::EN10MB,
        "be-usec",
        FileFormat::Pcap {
            big_endian: true,
            nanos: false,
        },
    ));
    files.push((
        LinkType::EN10MB,
        "ng-usec",
        FileFormat::Pcapng { tsresol: 6 },
    ));
    files.push((
        LinkType::EN10MB,
        "ng-nsec",
        FileFormat::Pcapng { tsresol: 9 },
    ));

    let mut per_file: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut per_tag: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut written = Vec::new();
    for v6 in [false, true] {
        for &(linktype, fmt_name, fmt) in &files {
            // Raw IPv4/IPv6 linktypes carry only their own version.
            if (linktype == LinkType::IPV4 && v6) || (linktype == LinkType::IPV6 && !v6) {
                continue;
            }
            let name = format!(
                "{}{}-{}-{fmt_name}",
                linktype.name(),
                linktype.0,
                if v6 { "ipv6" } else { "ipv4" }
            );
            let path = dir.join(format!("{name}.pcap"));
            write(&path, fmt, linktype, &corpus_frames(v6, linktype));
            if fmt_name == "le-usec" {
                written.push((name.clone(), path.clone()));
            }
            let theirs = common::tshark_lines(&path);
            let ours = common::sniffer_lines(&path);
            let same = theirs.iter().zip(&ours).filter(|(a, b)| a == b).count();
            per_file.insert(name.clone(), (theirs.len(), same));
            for (i, line) in theirs.iter().enumerate() {
                for tag in tags_in(line) {
                    let entry = per_tag.entry(tag).or_default();
                    entry.0 += 1;
                    entry.1 += usize::from(ours.get(i) == Some(line));
                }
            }
            for i in 0..theirs.len().max(ours.len()) {
                if theirs.get(i) != ours.get(i) {
                    failures.push(format!(
                        "{name} line {}:\n    tshark:  {}\n    sniffer: {}",
                        i + 1,
                        theirs.get(i).map_or("(none)", String::as_str),
                        ours.get(i).map_or("(none)", String::as_str)
                    ));
                }
            }
        }
    }
    // pcapng with three interfaces of different linktypes and timestamp resolutions, the
    // frames dealt among them in turn.
    for v6 in [false, true] {
        let interfaces = [
            (LinkType::EN10MB, 6u8),
            (LinkType::RAW, 9),
            (LinkType::LINUX_SLL, 3),
        ];
        let per_interface: Vec<Vec<SynthFrame>> = interfaces
            .iter()
            .map(|&(l, _)| talk_frames(v6, l))
            .collect();
        let tagged: Vec<(u32, &SynthFrame)> = (0..per_interface[0].len())
            .map(|i| {
                let iface = i % interfaces.len();
                (u32::try_from(iface).expect("few"), &per_interface[iface][i])
            })
            .collect();
        let name = format!("pcapng-3-interfaces-{}", if v6 { "ipv6" } else { "ipv4" });
        let path = dir.join(format!("{name}.pcapng"));
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        synth::write_pcapng(&mut file, &interfaces, 262_144, &tagged).expect("write");
        std::io::Write::flush(&mut file).expect("flush");
        drop(file);
        let theirs = common::tshark_lines(&path);
        let ours = common::sniffer_lines(&path);
        let same = theirs.iter().zip(&ours).filter(|(a, b)| a == b).count();
        per_file.insert(name.clone(), (theirs.len(), same));
        for i in 0..theirs.len().max(ours.len()) {
            if theirs.get(i) != ours.get(i) {
                failures.push(format!(
                    "{name} line {}:\n    tshark:  {}\n    sniffer: {}",
                    i + 1,
                    theirs.get(i).map_or("(none)", String::as_str),
                    ours.get(i).map_or("(none)", String::as_str)
                ));
            }
        }
    }
    for (name, (total, same)) in &per_file {
        eprintln!("{name:>26}: {same}/{total} lines identical to tshark");
    }
    for (tag, (total, same)) in &per_tag {
        eprintln!("{tag:>32}: {same}/{total} lines identical to tshark");
    }
    let expected_tags = [
        "Retransmission",
        "Fast Retransmission",
        "Spurious Retransmission",
        "Out-Of-Order",
        "Previous segment not captured",
        "ACKed unseen segment",
        "Dup ACK",
        "ZeroWindow",
        "ZeroWindowProbe",
        "ZeroWindowProbeAck",
        "Window Update",
        "Window Full",
        "Keep-Alive",
        "Keep-Alive ACK",
        "Port numbers reused",
    ];
    for tag in expected_tags {
        assert!(
            per_tag.contains_key(tag),
            "the corpus has no [TCP {tag}] line: a scenario lost its fault"
        );
    }
    assert!(
        failures.is_empty(),
        "{} lines differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    details_of(&written);
}

/// The packet details, bytes and JSON of each linktype's file against tshark's `-V`, `-x`
/// and `-T json`, and the statistics against `-q -z conv,… -z endpoints,…`: the number of
/// differing lines per output is printed, and each must be identical.
fn details_of(files: &[(String, std::path::PathBuf)]) {
    details_judged(files, common::tshark_output);
}

/// [`details_of`], tshark's outputs made by `tshark`.
fn details_judged(
    files: &[(String, std::path::PathBuf)],
    tshark: fn(&std::path::Path, &[&str]) -> Vec<String>,
) {
    let mut over = Vec::new();
    for (name, path) in files {
        for output in ["-V", "-x", "-T json", "-z"] {
            let args: Vec<&str> = match output {
                "-z" => common::EVERY_STATISTIC.to_vec(),
                _ => output.split(' ').collect(),
            };
            let theirs = tshark(path, &args);
            let ours = common::sniffer_output(path, &args);
            let theirs: Vec<&str> = theirs.iter().map(String::as_str).collect();
            let ours: Vec<&str> = ours.iter().map(String::as_str).collect();
            let differing = similar::TextDiff::from_slices(&theirs, &ours)
                .iter_all_changes()
                .filter(|c| c.tag() != similar::ChangeTag::Equal)
                .count();
            eprintln!(
                "{name:>32} {output:>7}: {differing} of {} lines differ",
                theirs.len()
            );
            if differing > 0 {
                over.push(format!("{name} {output}: {differing} lines differ"));
            }
        }
    }
    assert!(over.is_empty(), "{}", over.join("\n"));
}

/// Tunnels, judged by tshark with GRE, ERSPAN, VXLAN and Geneve decoded: one TCP conversation
/// whose segments travel in GRE (plain, with checksum, key and sequence number, carrying IPv4,
/// IPv6 or Ethernet, and ERSPAN types I, II and III), VXLAN and Geneve (with an option),
/// over IPv4 and IPv6; the inner segments are analysed as one conversation. Then ARP inside
/// VXLAN, and GRE carrying a protocol type nothing decodes. The details, bytes, JSON and
/// statistics are compared too, with the same judge.
#[test]
fn tunnels_match_tshark() {
    if !common::has_tshark() {
        return;
    }
    let mut t = talk(false);
    t.handshake(Some(7));
    for _ in 0..6 {
        t.say(C, PSH | ACK, 100).say(S, ACK, 0);
    }
    t.close(C);
    let mut v6 = talk(true);
    v6.client.set_port(40001);
    v6.now = t.now;
    v6.handshake(Some(7)).say(C, PSH | ACK, 10).say(S, ACK, 0);
    let ethernet = |ip: &[u8]| synth::link_wrap(LinkType::EN10MB, ip, None);
    let gre = |flags: u16, protocol: u16, extra: &[u8], inner: &[u8]| {
        let mut bytes = [flags.to_be_bytes(), protocol.to_be_bytes()].concat();
        bytes.extend(extra);
        bytes.extend(inner);
        bytes
    };
    let udp_to = |port: u16, payload: &[u8]| -> (u16, Vec<u8>) { (port, payload.to_vec()) };
    // Each way of carrying an inner IPv4 packet (or its Ethernet frame): (IP protocol or
    // UDP port, the outer payload).
    let carriers = |ip: &[u8]| -> Vec<(bool, u16, Vec<u8>)> {
        let frame = ethernet(ip);
        // ERSPAN type III: version 2, the O bit set, and the platform subheader.
        let mut erspan_3 = vec![0u8; 12];
        erspan_3[0] = 0x20;
        erspan_3[11] = 1;
        erspan_3.extend([0u8; 8]);
        vec![
            (false, 47, gre(0, 0x0800, &[], ip)),
            // PPTP's enhanced GRE (payload length and call ID, sequence number) carrying PPP
            // in HDLC-like framing, carrying IPv4.
            (
                false,
                47,
                gre(
                    0x3001,
                    0x880b,
                    &[[0, 0, 0, 7].as_slice(), &[0, 0, 0, 1]].concat(),
                    &[[0xff, 0x03, 0x00, 0x21].as_slice(), ip].concat(),
                ),
            ),
            (
                false,
                47,
                gre(0xb000, 0x0800, &[0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 9], ip),
            ),
            (false, 47, gre(0, 0x6558, &[], &frame)),
            (false, 47, gre(0, 0x88be, &[], &frame)),
            (
                false,
                47,
                gre(
                    0x1000,
                    0x88be,
                    &[0, 0, 0, 1, 0x10, 0x01, 0, 0, 0, 0, 0, 0],
                    &frame,
                ),
            ),
            (false, 47, gre(0, 0x22eb, &erspan_3, &frame)),
            {
                let (port, payload) = udp_to(
                    4789,
                    &[[8, 0, 0, 0, 0, 0, 42, 0].as_slice(), &frame].concat(),
                );
                (true, port, payload)
            },
            {
                let (port, payload) = udp_to(
                    6081,
                    &[
                        [1, 0, 0x65, 0x58, 0, 0, 43, 0].as_slice(),
                        &[0, 0x0f, 0x01, 0],
                        &frame,
                    ]
                    .concat(),
                );
                (true, port, payload)
            },
            {
                let (port, payload) = udp_to(
                    6081,
                    &[[0, 0, 0x08, 0, 0, 0, 44, 0].as_slice(), ip].concat(),
                );
                (true, port, payload)
            },
            // VXLAN-GPE (UDP 4790), its next protocol IPv4.
            {
                let (port, payload) = udp_to(
                    4790,
                    &[[0x0c, 0, 0, 1, 0, 0, 45, 0].as_slice(), ip].concat(),
                );
                (true, port, payload)
            },
        ]
    };
    let mut frames = Vec::new();
    for (i, (ts, spec)) in t.segments.iter().enumerate() {
        let inner = spec.ip_packet();
        let options = carriers(&inner);
        let (over_udp, number, payload) = &options[i % options.len()];
        let outer_v6 = i % 2 == 1;
        let (a, b): (std::net::IpAddr, std::net::IpAddr) = if outer_v6 {
            (
                "2001:db8:ff::1".parse().expect("ip"),
                "2001:db8:ff::2".parse().expect("ip"),
            )
        } else {
            (
                "192.0.2.1".parse().expect("ip"),
                "192.0.2.2".parse().expect("ip"),
            )
        };
        let outer = if *over_udp {
            synth::udp_packet(
                SocketAddr::new(a, 55555),
                SocketAddr::new(b, *number),
                payload,
            )
        } else {
            synth::ip_packet(a, b, u8::try_from(*number).expect("protocol"), payload)
        };
        frames.push(synth::frame(*ts, ethernet(&outer)));
    }
    for (ts, spec) in &v6.segments {
        let outer = synth::ip_packet(
            "192.0.2.1".parse().expect("ip"),
            "192.0.2.2".parse().expect("ip"),
            47,
            &gre(0, 0x86dd, &[], &spec.ip_packet()),
        );
        frames.push(synth::frame(*ts, ethernet(&outer)));
    }
    let mut arp = vec![0xff; 6];
    arp.extend([
        2, 0, 0, 0, 0, 3, 8, 6, 0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 3, 10, 0, 0, 1,
    ]);
    arp.extend([0, 0, 0, 0, 0, 0, 10, 0, 0, 2]);
    let vxlan_arp = synth::udp_packet(
        "192.0.2.1:55555".parse().expect("addr"),
        "192.0.2.2:4789".parse().expect("addr"),
        &[[8, 0, 0, 0, 0, 0, 42, 0].as_slice(), &arp].concat(),
    );
    // GRE carrying what no dissector of the judged set takes: unnamed, and OSI; and with the
    // routing bit (RFC 1701: checksum and offset, a source route entry, the empty one).
    // And PPTP's (enhanced GRE, version 1: the key as payload length and call ID, a sequence
    // number, an acknowledgment number) carrying PPP's LCP, which the judged set does not read.
    let routing = [[0u8; 4].as_slice(), &[8, 0, 0, 4, 10, 0, 0, 9], &[0; 4]].concat();
    let lcp = [0xff, 0x03, 0xc0, 0x21, 1, 0, 0, 8, 5, 6, 0x12, 0x34];
    let pptp = [[0, 12, 0, 7].as_slice(), &[0, 0, 0, 3], &[0, 0, 0, 2]].concat();
    let unknown: Vec<Vec<u8>> = [
        (0, 0x1234, [0u8; 20].as_slice(), &[][..]),
        (0, 0x00fe, &[0; 20], &[]),
        (0x4000, 0x1234, &[0; 20], &routing),
        (0x3081, 0x880b, &lcp, &pptp),
    ]
    .iter()
    .map(|(flags, protocol, payload, extra)| {
        synth::ip_packet(
            "192.0.2.1".parse().expect("ip"),
            "192.0.2.2".parse().expect("ip"),
            47,
            &gre(*flags, *protocol, extra, payload),
        )
    })
    .collect();
    // VXLAN-GPE carrying NSH, which the judged set does not read.
    let mut unknown = unknown;
    unknown.push(synth::udp_packet(
        "192.0.2.1:4790".parse().expect("addr"),
        "192.0.2.2:4790".parse().expect("addr"),
        &[[0x0c, 0, 0, 4, 0xff, 0xff, 0xff, 0].as_slice(), &[0; 20]].concat(),
    ));
    // Tunnel headers, or the packet inside, cut short.
    let (a, b): (std::net::IpAddr, std::net::IpAddr) = (
        "192.0.2.1".parse().expect("ip"),
        "192.0.2.2".parse().expect("ip"),
    );
    let broken = [
        synth::ip_packet(a, b, 47, &[0x80]),
        synth::ip_packet(a, b, 47, &[0, 0, 0x08, 0, 0x45]),
        synth::ip_packet(a, b, 4, &[0x45, 0]),
        synth::udp_packet(SocketAddr::new(a, 1), SocketAddr::new(b, 4789), &[8, 0]),
    ];
    let end = v6.now;
    frames.push(synth::frame(end, ethernet(&vxlan_arp)));
    for packet in &unknown {
        frames.push(synth::frame(end, ethernet(packet)));
    }
    for packet in &broken {
        frames.push(synth::frame(end, ethernet(packet)));
    }
    frames.sort_by_key(|f| f.ts);
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = output_dir(&temp);
    let path = dir.join("tunnels.pcap");
    let le_usec = FileFormat::Pcap {
        big_endian: false,
        nanos: false,
    };
    write(&path, le_usec, LinkType::EN10MB, &frames);
    // The committed copy the display filter tests read is this file.
    let committed = common::fixture("tunnels/tunnels.pcap");
    assert!(
        std::fs::read(&committed).ok() == std::fs::read(&path).ok(),
        "{} is not the capture this test writes: copy {} over it",
        committed.display(),
        path.display()
    );
    let theirs = common::tshark_lines_with_tunnels(&path);
    let ours = common::sniffer_lines(&path);
    // The inner packets are shown: none of tshark's lines is a tunnel's own but the last.
    assert_eq!(
        theirs.len(),
        t.segments.len() + v6.segments.len() + 1 + unknown.len() + broken.len()
    );
    assert!(
        theirs[..t.segments.len() + v6.segments.len()]
            .iter()
            .all(|l| !l.contains(" GRE ") && !l.contains(" UDP ") && !l.contains("ERSPAN")),
        "{theirs:#?}"
    );
    assert_eq!(ours, theirs);
    // The details, the bytes, the JSON and the statistics, judged with the tunnels decoded
    // as the list is: each tunnel's header, then the packet inside.
    details_judged(
        &[("tunnels.pcap".to_owned(), path.clone())],
        common::tshark_output_with_tunnels,
    );
}

/// `file` cut to `snaplen` bytes a packet by `editcap -s` (which comes with tshark) into
/// `out`: each packet keeps its length on the wire.
fn cut_to_snaplen(file: &Path, snaplen: usize, out: &Path) {
    let status = std::process::Command::new("editcap")
        .arg("-s")
        .arg(snaplen.to_string())
        .arg(file)
        .arg(out)
        .status()
        .expect("editcap runs");
    assert!(status.success(), "editcap -s {snaplen} {}", file.display());
}

/// The tunnel corpus cut by the capture's snapshot length at each length where what
/// Wireshark shows changes: inside GRE (before and after its protocol type, in its routing
/// entries), PPTP's PPP, ERSPAN's header, VXLAN, VXLAN-GPE and Geneve (before its VNI), the
/// inner Ethernet and IP headers with some or none of them, ARP inside VXLAN, and TCP with
/// none of its payload. The list, the details and the JSON as tshark shows them, with the
/// tunnels decoded: the columns each dissector had set when the bytes ran out, then
/// `[Packet size limited during capture]`.
#[test]
fn tunnels_cut_by_the_capture_match_tshark() {
    if !common::has_tshark() {
        return;
    }
    let corpus = common::fixture("tunnels/tunnels.pcap");
    let temp = tempfile::tempdir().expect("tempdir");
    let mut differing = Vec::new();
    let snaplens = [
        36, 38, 40, 42, 43, 44, 46, 48, 50, 52, 54, 58, 60, 62, 64, 66, 68, 70, 72, 76, 82, 86, 88,
        98, 106, 108, 110, 112,
    ];
    for snaplen in snaplens {
        let path = temp.path().join(format!("tunnels-s{snaplen}.pcap"));
        cut_to_snaplen(&corpus, snaplen, &path);
        let theirs = common::tshark_lines_with_tunnels(&path);
        let ours = common::sniffer_lines(&path);
        assert_eq!(theirs.len(), 33, "tshark lists every frame");
        if ours != theirs {
            differing.push(format!(
                "-s {snaplen}, the list:\n{}",
                first_difference(&theirs, &ours)
            ));
        }
        for args in [&["-V"][..], &["-T", "json"]] {
            let theirs = common::tshark_output_with_tunnels(&path, args);
            let ours = common::sniffer_output(&path, args);
            if ours != theirs {
                differing.push(format!(
                    "-s {snaplen}, {}:\n{}",
                    args.join(" "),
                    first_difference(&theirs, &ours)
                ));
            }
        }
    }
    assert!(differing.is_empty(), "{}", differing.join("\n"));
}

/// The first line where `ours` differs from `theirs`, both shown.
fn first_difference(theirs: &[String], ours: &[String]) -> String {
    let at = theirs
        .iter()
        .zip(ours)
        .position(|(a, b)| a != b)
        .unwrap_or(theirs.len().min(ours.len()));
    format!(
        "  line {}: tshark {:?}\n  line {}: sniffer {:?}",
        at + 1,
        theirs.get(at),
        at + 1,
        ours.get(at)
    )
}

/// Committed captures cut by the capture's snapshot length where each kind of header ends:
/// inside IPv4 and IPv6 headers (before and after the source address), inside an IP header
/// carried in IP (and in raw IP frames, whose link shows N/A), inside TCP's fixed header and
/// options (a SACK option cut inside or after its first block, in a real transfer with
/// losses), inside IPv6 extension headers (named in Info as Wireshark enters them), inside
/// ICMP and ICMPv6 messages (the bodies Wireshark reads: timestamps, an address mask, a router
/// advertisement's entries, an extended echo's extensions, MLD's fields, neighbor discovery's
/// fields and options, an undissected type's data; a quoted datagram's IP and UDP or TCP
/// header, within RFC 4884's length); inside TCP options the list reads only in part (an
/// MD5 digest, a Quick-Start nonce, an option's data of a wrong length: no mark, the
/// analysis tags shown) or reads on past (padding, a kind no dissector takes); inside ARP
/// messages (the operation named once the
/// fixed part is read, its Info once the addresses it names are, malformed when the message
/// runs past its packet), inside 802.1Q and 802.1ad tags (before and after their TCI),
/// inside loopback messages (the function named once read, then the mark), inside a Linux
/// cooked header (its packet type and sender as read), inside UDP headers whose length is
/// below 8 or whose zero checksum IPv6 forbids, and
/// inside what follows a payload (padding Wireshark checks, a trailer, a frame check
/// sequence, after IEEE 802.3's length). The list, the details and the JSON as tshark shows
/// them.
#[test]
fn fixtures_cut_by_the_capture_match_tshark() {
    if !common::has_tshark() {
        return;
    }
    let temp = tempfile::tempdir().expect("tempdir");
    let mut differing = Vec::new();
    // (name, snapshot lengths, whether the details are compared too: those of IPv6
    // extension headers, ICMP messages and TCP options other than SACK cut by the capture
    // are not yet Wireshark's, their list lines are.)
    let cases: [(&str, &[usize], bool); 14] = [
        ("headers-cut.pcap", &[14, 16, 21], true),
        ("ipv4-fragments.pcap", &[34, 36, 38, 40, 42, 43, 46], true),
        ("tcp-options.pcap", &[55, 56, 57, 58, 59, 62, 66, 73], false),
        ("synthetic-3-interfaces.pcapng", &[12, 14, 15], true),
        ("udp-edge-cases.pcap", &[40, 60], true),
        ("pcap-edge-cases.pcap", &[62], true),
        (
            "arp-and-padding.pcap",
            &[
                16, 17, 18, 22, 26, 30, 32, 38, 43, 53, 55, 57, 60, 62, 66, 80,
            ],
            true,
        ),
        ("greeting-ipv4.pcap", &[20, 30, 36, 50, 54], true),
        ("greeting-ipv6.pcap", &[20, 38, 54, 60], true),
        ("ip-in-ip.pcap", &[34, 35, 40, 51, 53], true),
        ("bulk-40ms-20mbit-loss.pcap", &[16, 60, 66], true),
        ("ipv6-extensions.pcap", &[54, 56, 62, 64, 70, 80], false),
        (
            "icmp-messages.pcap",
            &[40, 44, 50, 62, 66, 70, 80, 82],
            false,
        ),
        (
            "icmpv6-messages.pcap",
            &[54, 55, 58, 60, 62, 70, 78, 86, 88, 110, 122],
            false,
        ),
    ];
    for (name, snaplens, details) in cases {
        for &snaplen in snaplens {
            let path = temp.path().join(format!("s{snaplen}-{name}"));
            cut_to_snaplen(&common::fixture(name), snaplen, &path);
            let theirs = common::tshark_lines(&path);
            let ours = common::sniffer_lines(&path);
            if ours != theirs {
                let first = first_difference(&theirs, &ours);
                differing.push(format!("{name} -s {snaplen}, the list:\n{first}"));
            }
            let outputs: &[&[&str]] = if details {
                &[&["-V"], &["-T", "json"]]
            } else {
                &[]
            };
            for args in outputs {
                let theirs = common::tshark_output(&path, args);
                let ours = common::sniffer_output(&path, args);
                if ours != theirs {
                    let first = first_difference(&theirs, &ours);
                    differing.push(format!("{name} -s {snaplen}, {}:\n{first}", args.join(" ")));
                }
            }
        }
    }
    assert!(differing.is_empty(), "{}", differing.join("\n"));
}
