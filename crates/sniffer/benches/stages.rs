//! Cost per packet of each stage, on the frames of a synthetic capture: decoding alone, the
//! whole timeline (decode, conversation analysis, row), and plain rendering of the rows.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sniffer::capture::{Frame, Timestamp};
use sniffer::decode::decode;
use sniffer::link::LinkType;
use sniffer::render::plain;
use sniffer::synth::{End, SynthFrame, Talk};
use sniffer::tcp::TcpFlags;
use sniffer::timeline::Timeline;

/// 100 conversations of handshake, 10 exchanges of data and close.
fn frames() -> Vec<SynthFrame> {
    let mut all = Vec::new();
    for c in 0..100u32 {
        let client = format!("10.0.{}.1:{}", c % 250, 30_000 + c)
            .parse()
            .expect("addr");
        let server = "10.0.0.2:443".parse().expect("addr");
        let mut t = Talk::new(
            client,
            server,
            c * 7_919,
            c * 104_729,
            Timestamp {
                secs: 1,
                nanos: c * 1000,
            },
        );
        t.handshake(Some(7));
        for _ in 0..10 {
            t.say(End::Client, TcpFlags::PSH | TcpFlags::ACK, 1200);
            t.say(End::Server, TcpFlags::PSH | TcpFlags::ACK, 300);
        }
        t.close(End::Client);
        all.extend(t.frames(LinkType::EN10MB));
    }
    all.sort_by_key(|f| f.ts);
    all
}

fn stages(c: &mut Criterion) {
    let frames = frames();
    let mut group = c.benchmark_group("per packet");
    group.throughput(Throughput::Elements(frames.len() as u64));
    group.bench_function("decode", |b| {
        b.iter(|| {
            for f in &frames {
                std::hint::black_box(decode(
                    LinkType::EN10MB,
                    &Frame::new(f.ts, f.wire_len, &f.data),
                ));
            }
        })
    });
    group.bench_function("timeline (decode + analysis + row)", |b| {
        b.iter(|| {
            let mut timeline = Timeline::new();
            for f in &frames {
                std::hint::black_box(timeline.push(&Frame::new(f.ts, f.wire_len, &f.data)));
            }
        })
    });
    let mut timeline = Timeline::new();
    let rows: Vec<_> = frames
        .iter()
        .map(|f| timeline.push(&Frame::new(f.ts, f.wire_len, &f.data)))
        .collect();
    group.bench_function("render plain", |b| {
        b.iter_batched(
            || Vec::with_capacity(rows.len() * 160),
            |mut out| {
                for r in &rows {
                    plain::write_row(&mut out, r).expect("write to memory");
                }
                out
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
