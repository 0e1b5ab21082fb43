//! The TCP lab's answers ([`crate::flow::lab`]) as text, wrapped to the width, each with the
//! frames that prove it; and as JSON, one `{"lab": …}` object per conversation.

use std::io::{self, Write};

use crate::flow::lab::{rto_rounded_ms, SenderLab, StreamLab, SynOptions, SHOWN_SAMPLES};

use super::wrap;

/// Writes one `{"lab": …}` JSON object per conversation, a line each.
pub fn write_labs_json(out: &mut impl Write, labs: &[StreamLab]) -> io::Result<()> {
    for lab in labs {
        serde_json::to_writer(&mut *out, &serde_json::json!({ "lab": lab }))?;
        writeln!(out)?;
    }
    Ok(())
}

/// Frames as `1, 2, 3 … (N in all)`, at most `max` of them.
fn frames(list: &[u64], max: usize) -> String {
    let shown: Vec<String> = list.iter().take(max).map(u64::to_string).collect();
    if list.len() > max {
        format!("{} … ({} in all)", shown.join(", "), list.len())
    } else {
        shown.join(", ")
    }
}

/// `1 segment`, `2 segments`.
fn count(n: impl Into<u64>, what: &str) -> String {
    let n = n.into();
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn mbit(bits_per_sec: f64) -> String {
    format!("{:.2} Mbit/s", bits_per_sec / 1e6)
}

fn syn_text(who: &str, syn: &SynOptions) -> String {
    let mut options = Vec::new();
    if let Some(mss) = syn.mss {
        options.push(format!("MSS {mss}"));
    }
    if let Some(shift) = syn.window_scale {
        options.push(format!("window scale {shift} (×{})", 1u32 << shift.min(14)));
    }
    if syn.sack_permitted {
        options.push("SACK permitted".to_owned());
    }
    if syn.timestamps {
        options.push("timestamps".to_owned());
    }
    if options.is_empty() {
        options.push("no options".to_owned());
    }
    format!(
        "{who} ISN {} (relative 0), frame {}: {}; window {}",
        syn.isn,
        syn.frame,
        options.join(", "),
        syn.window
    )
}

/// Writes the answers as text.
pub fn write_labs(
    out: &mut impl Write,
    labs: &[StreamLab],
    width: Option<usize>,
) -> io::Result<()> {
    let line = |out: &mut dyn Write, lead: String, text: String| -> io::Result<()> {
        let rest = " ".repeat(wrap::width(&lead));
        for l in wrap::hanging(&text, width, &lead, &rest) {
            writeln!(out, "{l}")?;
        }
        Ok(())
    };
    for lab in labs {
        writeln!(out)?;
        line(
            out,
            String::new(),
            format!(
                "Lab, stream {}  client {} → server {}",
                lab.stream, lab.client, lab.server
            ),
        )?;
        let head = |name: &str| format!("  {name:<12} ");
        for (i, (who, syn)) in [("client", &lab.syn), ("server", &lab.syn_ack)]
            .into_iter()
            .filter_map(|(who, syn)| syn.as_ref().map(|s| (who, s)))
            .enumerate()
        {
            let name = if i == 0 { "Sequence" } else { "" };
            line(out, head(name), syn_text(who, syn))?;
        }
        if let Some(rtt) = lab.handshake_rtt_ms {
            line(
                out,
                head("Handshake"),
                format!("RTT {rtt:.3} ms (SYN → ACK, Wireshark's iRTT)"),
            )?;
        }
        if lab.senders.is_empty() {
            line(out, head(""), "no data in either direction".to_owned())?;
        }
        for sender in &lab.senders {
            write_sender(out, sender, &line, &head)?;
        }
    }
    Ok(())
}

type Line<'a> = dyn Fn(&mut dyn Write, String, String) -> io::Result<()> + 'a;

fn write_sender(
    out: &mut dyn Write,
    s: &SenderLab,
    line: &Line<'_>,
    head: &dyn Fn(&str) -> String,
) -> io::Result<()> {
    let receiver = if s.sender == "client" {
        "server"
    } else {
        "client"
    };
    line(
        out,
        format!("  {} → {}: ", s.sender, receiver),
        format!(
            "{} in {} (the largest {} bytes)",
            count(s.bytes, "byte"),
            count(s.data_segments, "data segment"),
            s.largest_segment
        ),
    )?;
    // RTT.
    let samples = &s.rtt_samples;
    let karn = if s.karn_excluded > 0 {
        format!(
            "; {} more left out by Karn's algorithm (their segment was sent twice)",
            s.karn_excluded
        )
    } else {
        String::new()
    };
    if let (Some(first), Some(last)) = (samples.first(), samples.last()) {
        let min = samples
            .iter()
            .fold(first, |m, x| if x.rtt_ms < m.rtt_ms { x } else { m });
        let max = samples
            .iter()
            .fold(first, |m, x| if x.rtt_ms > m.rtt_ms { x } else { m });
        line(
            out,
            head("RTT"),
            format!(
                "{} (data segment → the ACK that covers it){karn}: min {:.3} ms \
                 (frames {} → {}), max {:.3} ms (frames {} → {})",
                count(samples.len() as u64, "sample"),
                min.rtt_ms,
                min.segment,
                min.ack,
                max.rtt_ms,
                max.segment,
                max.ack
            ),
        )?;
        line(
            out,
            head(""),
            format!(
                "RFC 6298 (α = 1/8, β = 1/4) after the last sample: SRTT {:.3} ms, RTTVAR \
                 {:.3} ms, RTO = SRTT + max(G, 4·RTTVAR) = {:.3} ms with G = 1 ms (rounded up \
                 to {:.0} ms by RFC 6298's 1 s minimum; Linux's minimum is 200 ms)",
                last.srtt_ms,
                last.rttvar_ms,
                last.rto_ms,
                rto_rounded_ms(last.rto_ms)
            ),
        )?;
        for x in samples.iter().take(SHOWN_SAMPLES) {
            line(
                out,
                head(""),
                format!(
                    "frames {} → {}: {:.3} ms; SRTT {:.3}, RTTVAR {:.3}, RTO {:.3} ms",
                    x.segment, x.ack, x.rtt_ms, x.srtt_ms, x.rttvar_ms, x.rto_ms
                ),
            )?;
        }
        if samples.len() > SHOWN_SAMPLES {
            line(
                out,
                head(""),
                format!(
                    "… {} more (every one in --format json)",
                    samples.len() - SHOWN_SAMPLES
                ),
            )?;
        }
    } else {
        line(
            out,
            head("RTT"),
            format!("no sample: no ACK covered exactly the end of a data segment{karn}"),
        )?;
    }
    // Window.
    let window = match s.min_receiver_window {
        Some((w, frame)) => format!("the {receiver}'s smallest window {w} bytes (frame {frame}); "),
        None => format!("the {receiver} advertised no window after the handshake; "),
    };
    let limited = match s.first_window_limited {
        Some(frame) => format!(
            "the {} was limited by it in {} (bytes in flight within one segment of the \
             window), first at frame {frame}",
            s.sender,
            count(s.window_limited, "segment")
        ),
        None => format!("the {} was never limited by it", s.sender),
    };
    let full = if s.window_full > 0 {
        format!("; {} [TCP Window Full]", s.window_full)
    } else {
        String::new()
    };
    line(out, head("Window"), format!("{window}{limited}{full}"))?;
    // Loss.
    let l = &s.loss;
    let mut kinds = Vec::new();
    if !l.timeout.is_empty() {
        kinds.push(format!(
            "{} after a timeout (frames {})",
            l.timeout.len(),
            frames(&l.timeout, 6)
        ));
    }
    for f in l.fast.iter().take(4) {
        kinds.push(format!(
            "fast retransmission at frame {} after {}, SACKs included (frames {})",
            f.frame,
            count(f.dup_acks.len() as u64, "duplicate ACK"),
            frames(&f.dup_acks, 4)
        ));
    }
    if l.fast.len() > 4 {
        kinds.push(format!("{} fast retransmissions in all", l.fast.len()));
    }
    if !l.in_recovery.is_empty() {
        kinds.push(format!(
            "{} more during recovery, clocked by the {receiver}'s ACKs (frames {})",
            l.in_recovery.len(),
            frames(&l.in_recovery, 6)
        ));
    }
    if !l.other.is_empty() {
        kinds.push(format!(
            "{} with neither duplicate ACKs nor a silence as long as the RTO, as a tail loss \
             probe (frames {})",
            l.other.len(),
            frames(&l.other, 6)
        ));
    }
    let mut text = match l.retransmissions() {
        0 => "no retransmission".to_owned(),
        n => format!(
            "{}: {}",
            count(n as u64, "retransmission"),
            kinds.join("; ")
        ),
    };
    text.push_str(&format!(
        "; {} from the {receiver}{}",
        count(l.dup_acks, "duplicate ACK"),
        if l.sack_acks > 0 {
            format!(
                ", and {} that did not advance but reported data beyond it in SACK blocks",
                count(l.sack_acks, "ACK")
            )
        } else {
            String::new()
        }
    ));
    line(out, head("Loss"), text)?;
    let listed = |n: usize, list: &[u64]| {
        if n == 0 {
            "0".to_owned()
        } else {
            format!("{n} (frames {})", frames(list, 4))
        }
    };
    line(
        out,
        head(""),
        format!(
            "Wireshark's tags: [TCP Retransmission] {}, [TCP Fast Retransmission] {}, [TCP \
             Spurious Retransmission] {}, [TCP Out-Of-Order] {}, [TCP Previous segment not \
             captured] {}{}",
            l.tagged_retransmission,
            l.tagged_fast,
            listed(l.spurious.len(), &l.spurious),
            listed(l.out_of_order.len(), &l.out_of_order),
            listed(l.lost_segments.len(), &l.lost_segments),
            if l.out_of_order.is_empty() || l.retransmissions() == 0 {
                ""
            } else {
                " (Wireshark calls a resend out of order when it comes less than an RTT \
                 after the newest segment; a capture at the sender never reorders its own \
                 segments)"
            }
        ),
    )?;
    // ACK pattern.
    let total: u64 = s.ack_histogram.values().sum();
    if total > 0 {
        let bars: Vec<String> = s
            .ack_histogram
            .iter()
            .take(6)
            .map(|(segments, count)| {
                format!(
                    "{segments} segment{}: {count} ({:.0}%)",
                    if *segments == 1 { "" } else { "s" },
                    *count as f64 * 100.0 / total as f64
                )
            })
            .collect();
        let most = s
            .ack_histogram
            .iter()
            .max_by_key(|(_, count)| **count)
            .map_or(0, |(segments, _)| *segments);
        let verdict = match most {
            1 => "most ACKs cover one segment: the receiver acknowledged every segment",
            2 => "most ACKs cover two segments: delayed ACKs (one ACK every second segment)",
            _ => "most ACKs cover more than two segments: stretch ACKs (receive offload or ACK thinning)",
        };
        line(
            out,
            head("ACKs"),
            format!(
                "{} advanced; segments acknowledged per ACK: {}; {verdict}",
                count(total, "ACK"),
                bars.join(", ")
            ),
        )?;
    }
    // Flight and throughput.
    if let Some((max, frame)) = s.max_flight {
        let per_round: Vec<String> = s
            .rounds
            .iter()
            .take(12)
            .map(|r| {
                let segments = f64::from(r.flight) / f64::from(s.largest_segment.max(1));
                // A flight smaller than half a segment is not none.
                if r.flight > 0 && segments < 0.5 {
                    "<1".to_owned()
                } else {
                    format!("{segments:.0}")
                }
            })
            .collect();
        line(
            out,
            head("Flight"),
            format!(
                "at most {max} bytes in flight (frame {frame}); the most in flight per round, in \
                 segments of {} bytes: {}{}",
                s.largest_segment,
                per_round.join(", "),
                if s.rounds.len() > 12 { ", …" } else { "" }
            ),
        )?;
    }
    if let Some(bps) = s.throughput_bits_per_sec {
        let rounds: Vec<String> = s
            .rounds
            .iter()
            .take(12)
            .map(|r| format!("{:.1}", r.bits_per_sec / 1e6))
            .collect();
        let per_round = if rounds.is_empty() {
            String::new()
        } else {
            format!(
                "; per round (a flight, from its first segment to that segment's ACK), \
                 acknowledged, in Mbit/s: {}{}",
                rounds.join(", "),
                if s.rounds.len() > 12 { ", …" } else { "" }
            )
        };
        line(
            out,
            head("Throughput"),
            format!("{} over the connection{per_round}", mbit(bps)),
        )?;
    }
    // Phases.
    for (i, p) in s.phases.iter().enumerate() {
        line(
            out,
            head(if i == 0 { "Phases" } else { "" }),
            format!(
                "{} from frame {} ({:.1} ms): {}",
                p.kind.text(),
                p.frame,
                p.at_ms,
                p.why
            ),
        )?;
    }
    Ok(())
}
