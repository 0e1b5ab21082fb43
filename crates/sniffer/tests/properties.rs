//! Properties of decoding that hold for any bytes (proptest): no panic, lengths that never
//! exceed what the frame claims, and the wrapping arithmetic of sequence numbers.

use proptest::prelude::*;
use sniffer::capture::{Frame, Timestamp};
use sniffer::decode::{decode, Transport};
use sniffer::link::LinkType;
use sniffer::tcp::{SeqNum, TcpOptions};
use sniffer::timeline::Timeline;

fn linktype() -> impl Strategy<Value = LinkType> {
    (0..LinkType::SUPPORTED.len()).prop_map(|i| LinkType::SUPPORTED[i])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_frame_decodes_without_panic(lt in linktype(), data in proptest::collection::vec(any::<u8>(), 0..200), extra in 0u32..100) {
        let wire = data.len() as u32 + extra;
        let frame = Frame::new(Timestamp::default(), wire, &data);
        let p = decode(lt, &frame);
        prop_assert_eq!(p.cap_len as usize, data.len());
        // A TCP payload never claims more than the frame carried on the wire.
        if let (Some(ip), Transport::Tcp(t)) = (p.ip(), &p.transport) {
            prop_assert!(t.payload_len <= ip.payload_len);
            prop_assert!(ip.payload_len <= wire);
            // The captured payload is never more than the payload length shown (Len=).
            prop_assert!(t.payload.len() as u32 <= t.payload_len, "{} captured > Len={}", t.payload.len(), t.payload_len);
        }
    }

    #[test]
    fn any_frames_go_through_the_timeline(lt in linktype(), frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..120), 0..20)) {
        let mut timeline = Timeline::new();
        for (i, data) in frames.iter().enumerate() {
            let mut frame = Frame::new(Timestamp { secs: 1, nanos: i as u32 }, data.len() as u32, data);
            frame.linktype = lt;
            let row = timeline.push(&frame);
            prop_assert_eq!(row.number, i as u64 + 1);
        }
    }

    #[test]
    fn options_parse_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        let opts = TcpOptions::parse(&bytes);
        // Each parsed option took at least two bytes.
        prop_assert!(opts.list.len() * 2 <= bytes.len());
    }

    #[test]
    fn relative_numbers_invert_addition(base in any::<u32>(), n in any::<u32>()) {
        prop_assert_eq!(SeqNum(base).plus(n).minus(SeqNum(base)), n);
        if n > 0 && n < (1 << 31) {
            prop_assert!(SeqNum(base).plus(n).after(SeqNum(base)));
        }
    }
}
