use super::*;
use crate::flow::{Numbers, Tags, TcpState, WindowScale};
use crate::tcp::{SeqNum, TcpOptions};

#[test]
fn ipv4_text_is_the_standard_text_for_every_octet() {
    for v in 0..=255u8 {
        for ip in [
            std::net::Ipv4Addr::new(v, 0, 10, 255),
            std::net::Ipv4Addr::new(9, v, 99, 100),
            std::net::Ipv4Addr::new(127, 1, v, v / 3),
        ] {
            let mut s = String::from("x ");
            push_ip(&mut s, IpAddr::V4(ip));
            assert_eq!(s, format!("x {ip}"));
        }
    }
}

fn fields(flags: TcpFlags, options: Vec<TcpOption>) -> TcpFields {
    TcpFields {
        view: TcpView {
            stream: 0,
            side: Side::ClientToServer,
            numbers: Numbers {
                seq: 1,
                ack: Some(19),
                next_seq: None,
                window: 65536,
                scale: WindowScale::Shift(10),
                sack: vec![],
            },
            step: Step::Data,
            tags: Tags::default(),
            client_state: TcpState::Established,
            server_state: TcpState::Established,
            ace: false,
            details: None,
        },
        header: TcpHeader {
            src_port: 40052,
            dst_port: 12345,
            seq: SeqNum(0),
            ack: SeqNum(0),
            flags,
            window: 64,
            urgent: 7,
            payload_len: 0,
            header_len: 20,
            header_truncated: false,
            options: TcpOptions {
                list: options,
                ..TcpOptions::default()
            },
        },
        payload_preview: None,
    }
}

#[test]
fn info_with_every_option_in_wire_order() {
    let t = fields(
        TcpFlags::ACK,
        vec![
            TcpOption::Timestamp { value: 5, echo: 6 },
            TcpOption::Sack {
                blocks: vec![(0, 0), (0, 0)],
            },
            TcpOption::Unknown { kind: 253, len: 4 },
            TcpOption::FastOpen { cookie: vec![] },
            TcpOption::FastOpen { cookie: vec![1] },
            TcpOption::Mss { value: 1460 },
            TcpOption::WindowScale { shift: 15 },
            TcpOption::SackPermitted,
        ],
    );
    let mut t = t;
    t.view.numbers.sack = vec![(101, 201), (301, 401)];
    assert_eq!(
        tcp_info(&t),
        "40052 → 12345 [ACK] Seq=1 Ack=19 Win=65536 Len=0 TSval=5 TSecr=6 \
         SLE=101 SRE=201 SLE=301 SRE=401 TFO=R TFO=C MSS=1460 WS=16384 SACK_PERM"
    );
}

#[test]
fn urg_shows_the_pointer_and_no_ack_hides_ack() {
    let mut t = fields(TcpFlags::URG | TcpFlags::PSH, vec![]);
    t.view.numbers.ack = None;
    t.header.payload_len = 3;
    assert_eq!(
        tcp_info(&t),
        "40052 → 12345 [PSH, URG] Seq=1 Win=65536 Urg=7 Len=3"
    );
    let mut none = fields(TcpFlags::from_bits(0), vec![]);
    none.view.numbers.ack = None;
    assert_eq!(
        tcp_info(&none),
        "40052 → 12345 [<None>] Seq=1 Win=65536 Len=0"
    );
}

#[test]
fn payload_escaping_keeps_every_byte() {
    assert_eq!(
        escape_text(b"GET / HTTP/1.0\r\n\r\n"),
        "GET / HTTP/1.0\\r\n\\r\n"
    );
    assert_eq!(
        escape_text(&[0x00, b'a', 0xff, b'\\', b'\t']),
        "\\x00a\\xff\\\\\\t"
    );
}

#[test]
fn seconds_at_both_precisions() {
    assert_eq!(format_seconds(181_000, TsPrecision::Micro), "0.000181");
    assert_eq!(format_seconds(181_123, TsPrecision::Nano), "0.000181123");
    assert_eq!(
        format_seconds(12_000_000_001, TsPrecision::Nano),
        "12.000000001"
    );
    assert_eq!(format_seconds(-10_000, TsPrecision::Micro), "-0.000010");
    assert_eq!(format_seconds(-456_000, TsPrecision::Milli), "0.000");
    assert_eq!(format_seconds(-1_000_456_000, TsPrecision::Milli), "-1.000");
    assert_eq!(format_seconds(7_900_000_000, TsPrecision::Sec), "7");
}

#[test]
fn unnormalised_fractions_stay_unnormalised_as_in_wireshark() {
    use crate::frame::Timestamp;
    let at = |secs, nanos| Timestamp { secs, nanos };
    let delta = |a: Timestamp, b: Timestamp| {
        let mut s = String::new();
        push_delta(&mut s, a.delta(b), TsPrecision::Micro);
        s
    };
    // A microsecond field of 1,500,000 (1.5e9 ns) in the same second: not carried.
    assert_eq!(delta(at(5, 1_500_000_000), at(5, 5_000)), "0.1499995");
    // From 2^31 ns on, the fraction is a negative 32-bit number, and differences wrap.
    assert_eq!(delta(at(5, 2_147_484_000), at(5, 5_000)), "0.2147479");
    assert_eq!(delta(at(5, 4_294_967_000), at(5, 5_000)), "-0.000005");
    // Seconds apart: the borrow from the seconds happens only when the signs differ.
    assert_eq!(delta(at(6, 1_000), at(5, 999_999_000)), "0.000002");
    assert_eq!(delta(at(5, 1_000), at(6, 0)), "-0.999999");
    // Seventy billion seconds: more nanoseconds than 64 bits hold.
    assert_eq!(delta(at(70_000_000_000, 0), at(0, 0)), "70000000000.000000");
}
