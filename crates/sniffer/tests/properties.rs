//! Properties of decoding that hold for any bytes (proptest): no panic, lengths that never
//! exceed what the frame claims, the wrapping arithmetic of sequence numbers, and a capture
//! file read the same however its bytes arrive.

use std::io::BufReader;
use std::path::Path;

use proptest::prelude::*;
use sniffer::capture::{Frame, Timestamp};
use sniffer::decode::{decode, Transport};
use sniffer::link::LinkType;
use sniffer::pcapfile::FileCapture;
use sniffer::tcp::{SeqNum, TcpOptions};
use sniffer::timeline::Timeline;

/// Every frame of a capture file (time, lengths, bytes, link type) and how reading ended,
/// read through a buffer of `capacity` bytes.
fn read_through(bytes: &[u8], capacity: usize) -> (Vec<String>, Option<String>) {
    let mut frames = Vec::new();
    let reader = BufReader::with_capacity(capacity, bytes);
    let mut file = match FileCapture::from_buf_read(reader, Path::new("x.pcap")) {
        Ok(file) => file,
        Err(e) => return (frames, Some(e.to_string())),
    };
    loop {
        match file.next_frame() {
            Ok(Some(f)) => frames.push(format!(
                "{:?} {} {:?} {:?} {:?}",
                f.ts, f.wire_len, f.linktype, f.precision, f.data
            )),
            Ok(None) => return (frames, None),
            Err(e) => return (frames, Some(e.to_string())),
        }
    }
}

/// The test captures (and the scripts beside them), each as bytes: the fixtures folder's
/// files and those of the folders in it (the tunnel corpus).
fn fixtures() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let entries = |dir: &Path| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(dir)
            .expect("fixtures")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect()
    };
    let mut names: Vec<_> = entries(&dir)
        .into_iter()
        .flat_map(|p| if p.is_dir() { entries(&p) } else { vec![p] })
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| std::fs::read(p).expect("fixture"))
        .collect()
}

/// Every frame of every test capture whose link type sniffer reads: (link type, bytes).
fn fixture_frames() -> Vec<(LinkType, Vec<u8>)> {
    let mut frames = Vec::new();
    for bytes in fixtures() {
        let reader = BufReader::new(bytes.as_slice());
        let Ok(mut file) = FileCapture::from_buf_read(reader, Path::new("x.pcap")) else {
            continue;
        };
        while let Ok(Some(f)) = file.next_frame() {
            frames.push((f.linktype, f.data.to_vec()));
        }
    }
    frames
}

/// A frame's field tree written every way the details are: -V, -x, JSON, EK and a field's
/// values.
fn write_every_way(tree: &sniffer::tree::Tree) {
    let mut sink = Vec::new();
    let _ = tree.write_details(false, &mut sink);
    let _ = tree.write_json(true, &mut sink);
    let _ = tree.write_ek(&mut sink);
    let _ = tree.write_json_fields(false, &["tcp.options".to_owned()], &mut sink);
    let _ = tree.values("tcp.seq");
}

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
            prop_assert!(t.header.payload_len <= ip.payload_len);
            prop_assert!(ip.payload_len <= wire);
            // The captured payload is never more than the payload length shown (Len=).
            prop_assert!(t.payload.len() as u32 <= t.header.payload_len, "{} captured > Len={}", t.payload.len(), t.header.payload_len);
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

    /// Records whole in the reader's buffer are lent from it, the others copied piece by
    /// piece: both ways give the same frames and the same error, for files damaged anywhere
    /// (each damage overwrites four bytes, so lengths and magic numbers get hit too).
    #[test]
    fn reading_does_not_depend_on_buffering(
        which in 0usize..64,
        damage in proptest::collection::vec((any::<prop::sample::Index>(), any::<u32>()), 0..4),
        small in 1usize..40,
    ) {
        let all = fixtures();
        let mut bytes = all[which % all.len()].clone();
        for (at, value) in damage {
            let at = at.index(bytes.len().saturating_sub(3).max(1));
            for (i, b) in value.to_le_bytes().iter().enumerate() {
                if let Some(x) = bytes.get_mut(at + i) {
                    *x = *b;
                }
            }
        }
        let whole = read_through(&bytes, 1 << 20);
        prop_assert_eq!(read_through(&bytes, small), whole);
    }

    /// The packet details of damaged frames: each test capture's frames with bytes
    /// overwritten, cut or not, and frames of random bytes, built into trees (with the state
    /// kept from frame to frame) and written every way, without a panic.
    #[test]
    fn damaged_frames_build_trees_without_panic(
        picks in proptest::collection::vec(
            (any::<prop::sample::Index>(), proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6), any::<prop::sample::Index>(), any::<bool>()),
            1..12,
        ),
    ) {
        let frames = fixture_frames();
        prop_assume!(!frames.is_empty());
        let mut details = sniffer::listing::Details::new();
        for (i, (pick, damage, cut, cut_it)) in picks.into_iter().enumerate() {
            let (lt, mut data) = frames[pick.index(frames.len())].clone();
            for (at, byte) in damage {
                if !data.is_empty() {
                    let at = at.index(data.len());
                    data[at] = byte;
                }
            }
            let wire = data.len() as u32;
            if cut_it && !data.is_empty() {
                data.truncate(cut.index(data.len()));
            }
            let mut frame = Frame::new(Timestamp { secs: 1, nanos: i as u32 }, wire, &data);
            frame.linktype = lt;
            write_every_way(details.tree(&frame));
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
